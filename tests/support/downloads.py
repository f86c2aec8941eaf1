"""The file behind an AppTest's download button, made as the browser would ask for it.

beatcov's downloads are deferred: the file is made when the browser asks for it (a page
costs nothing for its downloads, and the export is recorded then). AppTest cannot send that
request, and the media file manager holding the button's callable lives only during a run.
The fixture :func:`downloads` keeps each callable a page registers (calling Streamlit's own
``MediaFileManager.add_deferred`` as before, so the page runs unchanged) and
:meth:`Downloads.file` runs the one behind a button, as Streamlit's handler of the
browser's request does. A Streamlit internal, used in tests only; the real request is
exercised by the browser tests.

Use it in a test module::

    from tests.support.downloads import Downloads, downloads_fixture  # noqa: F401

and ask for ``downloads: Downloads`` in a test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest


class Downloads:
    """The deferred downloads registered while a test ran, by their file id."""

    def __init__(self) -> None:
        self.made: dict[str, Callable[[], Any]] = {}

    def file(self, at: AppTest, key: str) -> bytes:
        """Return the file the download button with ``key`` gives (made now, as on a click)."""
        found = [b for b in at.download_button if b.key == key]
        assert len(found) == 1, (key, [b.key for b in at.download_button])
        file_id = found[0].proto.deferred_file_id
        assert file_id in self.made, f"{key} is not a deferred download"
        data = self.made[file_id]()
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)


@pytest.fixture(name="downloads")
def downloads_fixture(monkeypatch: pytest.MonkeyPatch) -> Downloads:
    """Record every deferred download callable pages register during the test."""
    found = Downloads()
    register = MediaFileManager.add_deferred

    def add_deferred(self: MediaFileManager, data: Callable[[], Any], *args: Any, **kw: Any) -> str:
        file_id = register(self, data, *args, **kw)
        found.made[file_id] = data
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return found
