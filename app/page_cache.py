"""What pages draw from a view, made once per view and shared (issue #13: CPU per page run).

A page run is mostly drawing: a map rendered to HTML and script, tables labelled for
people, figures derived from the view. All of it depends only on the scoped view
(:func:`app.state.get_view`), the session's language and the page's own choices, so it is
made once and cached with :func:`app.state.shared_cache`; the next run of any session
that sees the same view hands it out.

Keys
----
Every entry is keyed by a :class:`DrawKey`: the workspace folder, the dataset id, the
window, **the scope** (:func:`app.state.scope_key`: an officer never gets what was drawn
for another beat), the language, and the view's *token* (:func:`view_token`), a number
given to each view object and never given again. The view is cached per dataset, window,
settings, review decisions and scope, so a new decision (a new view) gets a new token and
nothing drawn before it is served after it. The page adds what it chose (a beat, filters).

Size
----
Maps ready to send (:func:`map_args`) are kept in a cache of their own, of at most
:data:`MAX_MAPS` entries; the rest (:func:`drawn`, :func:`table`) in one of
:data:`MAX_DRAWN`. The least recently used entry goes first.

Read-only
---------
Cached frames and maps are shared by every session: pages must not change them (the page
tests fingerprint every frame a shared cache hands out and fail on any change).
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Final, TypeVar

import folium
import pandas as pd
import pyarrow as pa

from app import maps, state, tables
from app._folium_compat import MapArgs
from app.i18n import current_language
from app.shell import Context

T = TypeVar("T")
L = TypeVar("L")

MAX_DRAWN: Final = 1024
"""Most entries kept of what pages draw from views (figures, choices, tables)."""

MAX_MAPS: Final = 128
"""Most maps kept ready to send (the biggest, My beat's, is about 0.5 MB)."""

_TOKENS: dict[int, tuple[weakref.ref[state.View], int]] = {}
_SERIALS: Final = itertools.count(1)
_LOCK: Final = threading.RLock()  # re-entrant: a view may be freed (forget) while it is held


def view_token(view: state.View) -> int:
    """Return the number of this view object: the same while it lives, never reused after.

    Examples
    --------
    >>> import geopandas as gpd
    >>> empty = gpd.GeoDataFrame()
    >>> a = state.View(None, empty, empty, empty)  # type: ignore[arg-type]
    >>> b = state.View(None, empty, empty, empty)  # type: ignore[arg-type]
    >>> view_token(a) == view_token(a), view_token(a) == view_token(b)
    (True, False)
    """
    address = id(view)
    with _LOCK:
        found = _TOKENS.get(address)
        if found is not None and found[0]() is view:
            return found[1]
        serial = next(_SERIALS)

        def forget(_ref: weakref.ref[state.View], address: int = address) -> None:
            with _LOCK:
                if _TOKENS.get(address, (None, None))[1] == serial:
                    del _TOKENS[address]

        _TOKENS[address] = (weakref.ref(view, forget), serial)
        return serial


@dataclass(frozen=True)
class DrawKey:
    """What everything drawn from a view depends on (see the module's docstring)."""

    folder: str
    dataset_id: str
    window: tuple[dt.date, dt.date]
    scope: tuple[str, ...]
    lang: str
    token: int


def draw_key(ctx: Context, view: state.View) -> DrawKey:
    """Return the key of what this run draws from ``view`` (``ctx.view()``)."""
    return DrawKey(
        folder=ctx.ref.folder,
        dataset_id=ctx.ref.dataset_id,
        window=ctx.window,
        scope=state.scope_key(ctx.scope),
        lang=current_language(),
        token=view_token(view),
    )


def _hash_key(key: DrawKey) -> tuple[Any, ...]:
    return (key.folder, key.dataset_id, key.window, key.scope, key.lang, key.token)


@state.shared_cache(max_entries=MAX_DRAWN, hash_funcs={DrawKey: _hash_key})
def _made(key: DrawKey, name: str, params: Hashable, _make: Callable[[], Any]) -> Any:
    del key, name, params  # the key of the entry; what is made comes from _make alone
    return _make()


def drawn(ctx: Context, view: state.View, name: str, make: Callable[[], T], *params: Hashable) -> T:
    """Return ``make()``, made once per (:class:`DrawKey`, ``name``, ``params``); read-only.

    ``make`` must depend only on ``view``, the session's language, ``ctx`` and ``params``
    (the page's choices), and ``name`` must name one ``make`` of one page.

    Examples
    --------
    On a page::

        worst = page_cache.drawn(ctx, view, "overview.worst", lambda: views.worst_gaps(blocks))
    """
    found: T = _made(draw_key(ctx, view), name, params, make)
    return found


@dataclass(frozen=True)
class Table:
    """A table as the page shows it.

    ``frame`` is for the downloads, ``shown`` its labelled copy, and ``sent`` that copy
    as an Arrow table, which is what Streamlit sends: converted once here rather than by
    Streamlit on every run, where it was a fifth of a warm page's CPU. ``sent`` is
    ``shown`` itself where Arrow cannot hold a column as it is.
    """

    frame: pd.DataFrame
    shown: pd.DataFrame
    sent: pa.Table | pd.DataFrame


def table(
    ctx: Context, view: state.View, name: str, make: Callable[[], pd.DataFrame], *params: Hashable
) -> Table:
    """Return the table ``make()`` and its labelled copy, cached as :func:`drawn`; read-only.

    The copy is :func:`app.tables.labelled` in the session's language.
    """

    def labelled() -> Table:
        frame = make()
        shown = tables.labelled(frame)
        return Table(frame, shown, as_arrow(shown))

    return drawn(ctx, view, name, labelled, *params)


def as_arrow(shown: pd.DataFrame) -> pa.Table | pd.DataFrame:
    """Return ``shown`` as the Arrow table ``st.dataframe`` sends (without its index).

    Where Arrow cannot hold a column as it is (mixed types), ``shown`` itself is returned
    and Streamlit converts it as before.

    Examples
    --------
    >>> as_arrow(pd.DataFrame({"a": [1, 2]}, index=[5, 6])).to_pydict()
    {'a': [1, 2]}
    >>> type(as_arrow(pd.DataFrame({"a": [1, "x"]}))).__name__
    'DataFrame'
    """
    try:
        return pa.Table.from_pandas(shown, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return shown


@state.shared_cache(max_entries=MAX_MAPS, hash_funcs={DrawKey: _hash_key})
def _map(key: DrawKey, name: str, params: Hashable, _make: Callable[[], Any]) -> Any:
    del key, name, params  # as _made: a cache of its own, bounded by the maps' size
    return _make()


def map_args(
    ctx: Context,
    view: state.View,
    key: str,
    make: Callable[[], tuple[folium.Map, L]],
    *params: Hashable,
) -> tuple[MapArgs, L]:
    """Return the map of ``make()`` ready to send and its legend, cached as :func:`drawn`.

    ``make`` returns the map and its legend (colours); ``key`` is the map's widget key
    (:func:`app.maps.prepared`) and names the entry.
    """

    def ready() -> tuple[MapArgs, L]:
        m, legend = make()
        return maps.prepared(m, key=key), legend

    found: tuple[MapArgs, L] = _map(draw_key(ctx, view), key, params, ready)
    return found
