"""What ``make run`` serves: the app (``streamlit_app.py``) behind security headers.

``streamlit run app/serve.py`` finds the ``st.App`` below and serves it; routing stays in
``streamlit_app.py`` at the repository root, the headers are :mod:`app.headers`, and the
server's settings are in ``.streamlit/config.toml``.

When the server starts, a background thread prepares what the first page will ask for
(:func:`app.state.warm_up`: the current dataset's analysis, stored in the workspace, and
held in memory with its map shapes), so the first user does not wait for it. The server
accepts connections at once; a page asking for the same analysis meanwhile waits for that
one computation instead of starting another.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Final

import streamlit as st
from starlette.middleware import Middleware

from app.headers import SecurityHeaders

ENTRY = Path(__file__).resolve().parents[1] / "streamlit_app.py"

LOG = logging.getLogger("beatcov.serve")


READY: Final = "beatcov: the current dataset is prepared"
"""Start of the line the server prints when the warm-up is done (with its seconds)."""


def warm() -> None:
    """Prepare the current dataset, then say so on stderr with the seconds it took.

    A failure is logged and the server goes on: the pages then say what is wrong.
    """
    began = time.monotonic()
    try:
        # only the data: a component (the maps') declared outside a script run, while the
        # server starts, is not registered and its frame answers 404
        from app import state

        state.warm_up()
    except Exception:  # noqa: BLE001 -- a warm-up must never stop the server
        LOG.warning("beatcov could not prepare the current dataset at start", exc_info=True)
        return
    print(f"{READY} ({time.monotonic() - began:.1f} s)", file=sys.stderr, flush=True)


WARM_THREAD: Final = "beatcov-warm-up"

_SCRIPT_RUN_LOGGER: Final = "streamlit.runtime.scriptrunner_utils.script_run_context"


class _OutsideScriptRuns(logging.Filter):
    """Drop Streamlit's note that the warm-up thread has no script run: it is meant not to."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.threadName == WARM_THREAD and "missing ScriptRunContext" in record.getMessage()
        )


@contextlib.asynccontextmanager
async def warm_start(_app: st.App) -> AsyncIterator[None]:
    """Start the warm-up in a background thread and serve at once."""
    # a logger's filters see only its own records: the one that writes the note
    logging.getLogger(_SCRIPT_RUN_LOGGER).addFilter(_OutsideScriptRuns())
    threading.Thread(target=warm, name=WARM_THREAD, daemon=True).start()
    yield


app = st.App(str(ENTRY), middleware=[Middleware(SecurityHeaders)], lifespan=warm_start)
"""beatcov's Streamlit entry point: routing only."""
