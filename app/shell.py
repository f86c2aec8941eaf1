"""Navigation and the one shared sidebar, defined once for every page.

The sidebar holds the language switch, the "View as" selector (which stands in for a login
until there is one), the analysis window, the dataset's name and the data credit. It yields
a :class:`Context`; pages get their data only through :meth:`Context.view`, i.e. through
the scope the "View as" choice gives (chief and planner: every beat; an officer: the beats
listing them, via :func:`analysis.scope.officer_scope`).

Only a chief reviews flagged visits (:data:`REVIEWER_ROLES`): :meth:`Context.review` and
:meth:`Context.withdraw_review` refuse anyone else, whatever a page draws.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import streamlit as st

from analysis.scope import Scope, officer_scope
from app import state
from app._streamlit_compat import StreamlitPage
from app.i18n import LANGUAGE_KEY, LANGUAGES, current_language, t, translate
from app.ui import md_text
from geo.errors import ReviewError
from geo.settings import Settings

PAGES_DIR: Final = Path(__file__).resolve().parent / "pages"

ROLE_KEY: Final = "view_as"
"""Session-state key of the "View as" selector."""

CONTEXT_KEY: Final = "beatcov_context"
"""Session-state key under which the sidebar leaves the :class:`Context` for the page."""

ROLES: Final = ("chief", "planner")
"""Roles that see every beat; officers are ``officer:<id>``."""

OFFICER_PREFIX: Final = "officer:"

REVIEWER_ROLES: Final = ("chief",)
"""Roles that may confirm or dismiss a flagged visit (an officer never reviews, not even
their own visits; a planner plans)."""


@dataclass(frozen=True)
class PageSpec:
    """One page: catalogue key of its title, file, icon, URL path, who may open it."""

    key: str
    file: str
    icon: str
    url_path: str
    officers: bool = True


PAGES: Final = (
    PageSpec("overview", "overview.py", ":material/dashboard:", "overview"),
    PageSpec("gaps", "gaps.py", ":material/travel_explore:", "gaps"),
    PageSpec("my_beat", "my_beat.py", ":material/directions_walk:", "my-beat"),
    PageSpec("quality", "quality.py", ":material/fact_check:", "visit-quality"),
    PageSpec("data", "data.py", ":material/database:", "data", officers=False),
)
"""The pages, in menu order; the first is the landing page at ``/``."""


@dataclass(frozen=True)
class Context:
    """What the sidebar decided for this run: language, who is looking, which data, when.

    Attributes
    ----------
    lang : str
        ``en`` or ``zh``.
    role : str
        ``chief``, ``planner`` or ``officer:<id>``.
    scope : Scope
        The beats this user may see; the only way pages reach data.
    window : (date, date)
        First and last day of the analysis window.
    ref : state.DatasetRef
        The dataset shown.
    dataset_name : str
        Its label.
    settings : Settings
        Settings of the analysis (the dataset's time zone).
    """

    lang: str
    role: str
    scope: Scope
    window: tuple[dt.date, dt.date]
    ref: state.DatasetRef
    dataset_name: str
    settings: Settings

    @property
    def officer_id(self) -> str | None:
        """The officer looking, or ``None`` for chief and planner."""
        return self.role[len(OFFICER_PREFIX) :] if is_officer(self.role) else None

    def view(self) -> state.View:
        """Return the scoped data of the window (cached; a spinner shows if it is slow)."""
        with st.spinner(t("common.loading")):
            return state.get_view(self.scope, self.window, self.settings, ref=self.ref)

    def previous_view(self) -> state.View:
        """Return the scoped data of the period of equal length just before the window."""
        window = state.previous_window(self.window)
        with st.spinner(t("common.loading_previous")):
            return state.get_view(self.scope, window, self.settings, ref=self.ref)

    @property
    def can_review(self) -> bool:
        """Whether this user may confirm or dismiss flagged visits (a chief)."""
        return can_review(self.role)

    def review(self, visit_id: str, decision: str) -> None:
        """Store a chief's decision on a visit, with the role as reviewer.

        Raises
        ------
        ReviewError
            When this user may not review, or the decision is unknown (nothing is stored).
        WorkspaceError
            When the workspace cannot be written.
        """
        self._check_reviewer(visit_id)
        state.record_review(visit_id, decision, reviewer=self.role)

    def withdraw_review(self, visit_id: str) -> None:
        """Remove the decision on a visit (same rules as :meth:`review`)."""
        self._check_reviewer(visit_id)
        state.withdraw_review(visit_id)

    def _check_reviewer(self, visit_id: str) -> None:
        if not self.can_review:
            msg = (
                f"{self.role} may not review visits (visit {visit_id!r}): only a chief "
                "confirms or dismisses a flagged visit"
            )
            raise ReviewError(msg)


def is_officer(role: str) -> bool:
    """Tell whether a role is an officer's (``officer:<id>``)."""
    return role.startswith(OFFICER_PREFIX)


def can_review(role: str) -> bool:
    """Tell whether a role may confirm or dismiss flagged visits.

    Examples
    --------
    >>> can_review("chief"), can_review("planner"), can_review("officer:P1")
    (True, False, False)
    """
    return role in REVIEWER_ROLES


def role_label(role: str, lang: str | None = None) -> str:
    """Return a role as shown in the selector (in ``lang``, default the session's)."""
    chosen = lang or current_language()
    if is_officer(role):
        return translate("role.officer", chosen, officer=role[len(OFFICER_PREFIX) :])
    return translate(f"role.{role}", chosen)


def build_navigation() -> StreamlitPage:
    """Return the app's navigation over ``app/pages``, with the shared sidebar drawn."""
    officer = is_officer(str(st.session_state.get(ROLE_KEY, ROLES[0])))
    pages = [
        st.Page(
            PAGES_DIR / spec.file,
            title=t(f"page.{spec.key}"),
            icon=spec.icon,
            url_path=spec.url_path,
            default=i == 0,
        )
        for i, spec in enumerate(PAGES)
        if spec.officers or not officer
    ]
    navigation = st.navigation(pages)
    st.session_state[CONTEXT_KEY] = sidebar()
    return navigation


def sidebar() -> Context:
    """Draw the sidebar shared by all pages and return its :class:`Context`."""
    ref = state.current_ref()
    data = state.dataset(ref)
    roles = [*ROLES, *(f"{OFFICER_PREFIX}{o}" for o in state.officer_ids(data))]
    if st.session_state.get(ROLE_KEY) not in roles:
        st.session_state[ROLE_KEY] = roles[0]
    first, last = state.data_window(data)
    with st.sidebar:
        st.radio(
            t("sidebar.language"),
            list(LANGUAGES),
            format_func=LANGUAGES.__getitem__,
            key=LANGUAGE_KEY,
            horizontal=True,
        )
        role = st.selectbox(
            t("sidebar.view_as"),
            roles,
            format_func=functools.partial(role_label, lang=current_language()),
            key=ROLE_KEY,
        )
        start = st.date_input(t("sidebar.start"), value=first, key=f"start:{ref.dataset_id}")
        end = st.date_input(t("sidebar.end"), value=last, key=f"end:{ref.dataset_id}")
        if start > end:
            st.warning(t("sidebar.window_swapped"))
            start, end = end, start
        st.caption(t("sidebar.dataset", name=md_text(data.name)))
        st.caption(t("credit.osm"))
    if is_officer(role):
        scope = officer_scope(data.beats, role[len(OFFICER_PREFIX) :])
    else:
        scope = Scope.everything()
    return Context(
        lang=current_language(),
        role=role,
        scope=scope,
        window=(start, end),
        ref=ref,
        dataset_name=data.name,
        settings=state.settings_for(data),
    )


def context() -> Context:
    """Return the :class:`Context` the sidebar decided for this run."""
    found = st.session_state.get(CONTEXT_KEY)
    if not isinstance(found, Context):
        found = sidebar()
    return found
