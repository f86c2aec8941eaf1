"""A browser session as Streamlit's websocket protocol sees it: no browser, no drawing.

One :class:`Client` per session connects to ``/_stcore/stream`` (subprotocol
``streamlit``), sends ``BackMsg.rerun_script`` and reads ``ForwardMsg`` until the run's
final ``script_finished``; a run ended early by ``st.rerun()`` (as a login is) goes on to
the run that follows. :meth:`Client.run` returns the time from sending the ``BackMsg`` to
that ``script_finished``.

What it learns as the browser does, from the messages rather than from Streamlit's
internals: widget ids from the deltas (an id ends in ``-<key>``), page hashes from the
``navigation`` message (by URL path; the default page's is ``""``, as it is served at
``/``: the login page before a login, the Overview after), and the cacheable messages it
holds, which it names in
``cached_message_hashes`` so that the server sends references for them. It runs no
component: a browser's component round trips (the map's first value) are not made.

A run's *errors* are the ``exception`` elements, ``page_not_found`` messages and compile
errors among its messages. Used by ``tests/app/test_stream_client.py`` and
``benchmarks/load.py``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Delta_pb2 import Delta
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

LOGIN_KEYS: Final = ("login_username", "login_password", "login_submit")
"""Widget keys of the login form (:func:`app.auth.login_page`)."""

LANDING: Final = ""
"""URL path of the default page as the navigation message gives it (it is served at ``/``)."""

_EARLY: Final = ForwardMsg.FINISHED_EARLY_FOR_RERUN


@dataclass
class Run:
    """One script run as the client saw it: page, seconds, errors, messages and bytes."""

    page: str
    seconds: float
    errors: list[str] = field(default_factory=list)
    messages: int = 0
    received_bytes: int = 0


class ProtocolError(RuntimeError):
    """The app did not answer as the session expected (no login form, login refused)."""


class Client:
    """One session of the app at ``url``; open it with :meth:`open`."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.pages: dict[str, str] = {}
        """Page hash by URL path, from the last ``navigation`` message."""
        self.widget_ids: dict[str, str] = {}
        """Widget id by key, from every delta seen."""
        self.cached: set[str] = set()
        """Hashes of the cacheable messages received."""

    @classmethod
    async def open(cls, url: str, *, timeout: float) -> Client:
        """Connect to the app at ``url`` (``http://127.0.0.1:<port>``); no proxy, no pings."""
        stream = url.replace("http://", "ws://", 1) + "/_stcore/stream"
        connection = await connect(
            stream,
            subprotocols=[Subprotocol("streamlit")],
            max_size=None,
            proxy=None,
            open_timeout=timeout,
            ping_interval=None,
        )
        return cls(connection)

    async def close(self) -> None:
        """Close the websocket (the server ends the session)."""
        await self.connection.close()

    async def run(self, page: str, *, widgets: Iterable[WidgetState] = (), timeout: float) -> Run:
        """Ask for a run of ``page`` (a URL path; ``""`` for the first run) and time it.

        Raises
        ------
        TimeoutError
            When the run's final ``script_finished`` did not come within ``timeout`` s.
        """
        back = BackMsg()
        state = back.rerun_script
        state.page_script_hash = self.pages.get(page, "")
        state.widget_states.widgets.extend(widgets)
        state.cached_message_hashes.extend(sorted(self.cached))
        run = Run(page, 0.0)
        start = time.perf_counter()
        await self.connection.send(back.SerializeToString())
        await asyncio.wait_for(self._read_until_finished(run), timeout)
        run.seconds = time.perf_counter() - start
        return run

    async def log_in(self, username: str, password: str, *, timeout: float) -> Run:
        """Submit the login form drawn by the last run; the run ends on the landing page.

        The login is taken as refused when the navigation still offers one page only (before
        a login it holds the login page alone: :func:`app.shell.build_navigation`).

        Raises
        ------
        ProtocolError
            When no login form was drawn, or the login was refused.
        """
        missing = [key for key in LOGIN_KEYS if key not in self.widget_ids]
        if missing:
            msg = f"the login form's widgets {missing} were not drawn"
            raise ProtocolError(msg)
        name, secret, submit = (WidgetState(id=self.widget_ids[key]) for key in LOGIN_KEYS)
        name.string_value = username
        secret.string_value = password
        submit.trigger_value = True
        run = await self.run(LANDING, widgets=[name, secret, submit], timeout=timeout)
        if len(self.pages) < 2:
            msg = f"{username} was not logged in (pages offered: {sorted(self.pages)})"
            raise ProtocolError(msg)
        return run

    async def _read_until_finished(self, run: Run) -> None:
        while True:
            data = await self.connection.recv()
            msg = ForwardMsg()
            msg.ParseFromString(data)
            run.messages += 1
            run.received_bytes += len(data)
            if msg.metadata.cacheable and msg.hash:
                self.cached.add(msg.hash)
            kind = msg.WhichOneof("type")
            if kind == "delta":
                self._delta(msg.delta, run)
            elif kind == "navigation":
                pages = msg.navigation.app_pages
                self.pages = {page.url_pathname: page.page_script_hash for page in pages}
            elif kind == "page_not_found":
                run.errors.append(f"page not found: {msg.page_not_found.page_name!r}")
            elif kind == "session_event" and msg.session_event.HasField(
                "script_compilation_exception"
            ):
                run.errors.append("script compilation exception")
            elif kind == "script_finished" and msg.script_finished != _EARLY:
                if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    run.errors.append("finished with a compile error")
                return

    def _delta(self, delta: Delta, run: Run) -> None:
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "exception":
            run.errors.append(f"exception: {element.exception.type} {element.exception.message}")
            return
        widget_id = getattr(getattr(element, kind), "id", "") if kind else ""
        if isinstance(widget_id, str) and widget_id.startswith("$$ID-"):
            self.widget_ids[widget_id.split("-", 2)[-1]] = widget_id
