"""Navigation and the one shared sidebar, defined once for every page; the login gate.

Before a login the navigation holds the login page only (:func:`app.auth.login_page`): no
other page can be opened, by the menu or by its URL, and the sidebar holds the language
switch alone, so no data and no list of officers reach the browser. After a login the
navigation holds the pages the account's role may open (:attr:`PageSpec.roles`) and the
sidebar shows who is logged in, the logout button, the analysis window, the dataset's name
and the data credit. It yields a :class:`Context`; pages get their data only through
:meth:`Context.view`, whose scope comes from the account
(:func:`analysis.scope.account_scope`): an officer sees their beats, a chief the beats of
their station(s), a planner or admin every beat. No widget chooses it.

Only an admin or planner may clear the shared caches: Streamlit's "Clear cache" clears
them for every user (:func:`app._streamlit_compat.guard_clear_cache`).

Only a chief reviews flagged visits (:data:`REVIEWER_ROLES`): :meth:`Context.review` and
:meth:`Context.withdraw_review` refuse anyone else, whatever a page draws; each decision is
stored with its ``review`` row of the audit trail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import streamlit as st

from analysis.scope import Scope
from app import auth, state
from app._streamlit_compat import StreamlitPage, guard_clear_cache
from app.i18n import LANGUAGE_KEY, LANGUAGES, current_language, t, translate
from app.planning import PLANNER_ROLES
from app.ui import md_text, stage_progress
from geo.accounts import DATA_ROLES, ROLES, Account
from geo.audit import Actor
from geo.errors import ReviewError
from geo.settings import Settings

PAGES_DIR: Final = Path(__file__).resolve().parent / "pages"

CONTEXT_KEY: Final = "beatcov_context"
"""Session-state key under which the sidebar leaves the :class:`Context` for the page."""

AUDIT_ROLES: Final = ("admin", "chief")
"""Roles that read the audit trail."""

REVIEWER_ROLES: Final = ("chief",)
"""Roles that may confirm or dismiss a flagged visit (an officer never reviews, not even
their own visits; a planner plans)."""


@dataclass(frozen=True)
class PageSpec:
    """One page: catalogue key of its title, file, icon, URL path, the roles that open it."""

    key: str
    file: str
    icon: str
    url_path: str
    roles: tuple[str, ...] = ROLES


PAGES: Final = (
    PageSpec("overview", "overview.py", ":material/dashboard:", "overview"),
    PageSpec("gaps", "gaps.py", ":material/travel_explore:", "gaps"),
    PageSpec("my_beat", "my_beat.py", ":material/directions_walk:", "my-beat"),
    PageSpec("quality", "quality.py", ":material/fact_check:", "visit-quality"),
    PageSpec("planning", "planning.py", ":material/compare_arrows:", "planning", PLANNER_ROLES),
    PageSpec("data", "data.py", ":material/database:", "data", roles=DATA_ROLES),
    PageSpec("audit", "audit.py", ":material/policy:", "audit", roles=AUDIT_ROLES),
)
"""The pages, in menu order; the first is the landing page at ``/``."""


@dataclass(frozen=True)
class Context:
    """What the sidebar decided for this run: language, who is looking, which data, when.

    Attributes
    ----------
    lang : str
        ``en`` or ``zh``.
    account : geo.accounts.Account
        Who is logged in (username, role, beats or stations).
    scope : Scope
        The beats this account may see (from the account, never from a widget); the only
        way pages reach data.
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
    account: Account
    scope: Scope
    window: tuple[dt.date, dt.date]
    ref: state.DatasetRef
    dataset_name: str
    settings: Settings

    @property
    def role(self) -> str:
        """The account's role: ``admin``, ``chief``, ``planner`` or ``officer``."""
        return self.account.role

    @property
    def actor(self) -> Actor:
        """The account as the actor of audit rows."""
        return self.account.actor

    def view(self) -> state.View:
        """Return the scoped data of the window.

        Read from the stored results; when the analysis is not stored yet, a progress bar
        shows its stages while it is computed.
        """
        self._prepare(self.window)
        with st.spinner(t("common.loading")):
            return state.get_view(self.scope, self.window, self.settings, ref=self.ref)

    def previous_view(self) -> state.View:
        """Return the scoped data of the period of equal length just before the window."""
        window = state.previous_window(self.window)
        self._prepare(window)
        with st.spinner(t("common.loading_previous")):
            return state.get_view(self.scope, window, self.settings, ref=self.ref)

    def _prepare(self, window: tuple[dt.date, dt.date]) -> None:
        """Compute and store the window's analysis if it is not stored, showing its stages."""
        if state.is_ready(self.ref, window, self.settings):
            return
        with stage_progress(state.STAGES, prefix="progress") as report:
            state.prepare(self.ref, window, self.settings, progress=report)

    @property
    def can_review(self) -> bool:
        """Whether this user may confirm or dismiss flagged visits (a chief)."""
        return can_review(self.role)

    def review(self, visit_id: str, decision: str) -> None:
        """Store a chief's decision on a visit, with the username as reviewer (audited).

        Raises
        ------
        ReviewError
            When this user may not review, or the decision is unknown (nothing is stored).
        WorkspaceError
            When the workspace cannot be written.
        """
        self._check_reviewer(visit_id)
        state.record_review(visit_id, decision, reviewer=self.account.username, actor=self.actor)

    def withdraw_review(self, visit_id: str) -> None:
        """Remove the decision on a visit (same rules as :meth:`review`)."""
        self._check_reviewer(visit_id)
        state.withdraw_review(visit_id, actor=self.actor)

    def _check_reviewer(self, visit_id: str) -> None:
        if not self.can_review:
            msg = (
                f"{self.account.username} ({self.role}) may not review visits (visit "
                f"{visit_id!r}): only a chief confirms or dismisses a flagged visit"
            )
            raise ReviewError(msg)


def can_review(role: str) -> bool:
    """Tell whether a role may confirm or dismiss flagged visits.

    Examples
    --------
    >>> can_review("chief"), can_review("planner"), can_review("officer"), can_review("admin")
    (True, False, False, False)
    """
    return role in REVIEWER_ROLES


def role_label(account: Account, lang: str | None = None) -> str:
    """Return who is logged in as shown in the sidebar (in ``lang``, default the session's)."""
    chosen = lang or current_language()
    return translate(
        f"role.{account.role}",
        chosen,
        beats=", ".join(account.beats),
        stations=", ".join(account.stations),
    )


def pages_for(role: str | None) -> list[PageSpec]:
    """Return the pages a role may open, in menu order (none before a login).

    Examples
    --------
    >>> [p.key for p in pages_for("officer")]
    ['overview', 'gaps', 'my_beat', 'quality']
    >>> [p.key for p in pages_for("planner")]
    ['overview', 'gaps', 'my_beat', 'quality', 'planning', 'data']
    >>> [p.key for p in pages_for("planner")][-1], [p.key for p in pages_for("chief")][-1]
    ('data', 'audit')
    >>> pages_for(None)
    []
    """
    return [spec for spec in PAGES if role is not None and role in spec.roles]


def build_navigation() -> StreamlitPage:
    """Return the app's navigation: the login page alone, or the pages of the account's role.

    The sidebar is drawn here too, so every page shares it.
    """
    guard_clear_cache(auth.may_clear_cache)  # "Clear cache" clears every user's: data roles only
    st.session_state.pop(CONTEXT_KEY, None)
    account = auth.current_account()
    if not auth.demo_active():
        auth.accounts().remove_demo()  # real data or a real account: the demo accounts go
    if account is None:
        login = st.Page(auth.login_page, title=t("login.title"), url_path="login", default=True)
        navigation = st.navigation([login], position="hidden")
        with st.sidebar:
            _language_switch()
        return navigation
    pages = [
        st.Page(
            PAGES_DIR / spec.file,
            title=t(f"page.{spec.key}"),
            icon=spec.icon,
            url_path=spec.url_path,
            default=i == 0,
        )
        for i, spec in enumerate(pages_for(account.role))
    ]
    navigation = st.navigation(pages)
    st.session_state[CONTEXT_KEY] = sidebar(account)
    return navigation


def _language_switch() -> None:
    st.radio(
        t("sidebar.language"),
        list(LANGUAGES),
        format_func=LANGUAGES.__getitem__,
        key=LANGUAGE_KEY,
        horizontal=True,
    )


def sidebar(account: Account) -> Context:
    """Draw the sidebar shared by all pages and return its :class:`Context`."""
    ref = state.current_ref()
    data = state.dataset(ref)
    first, last = state.window_of(ref)
    with st.sidebar:
        _language_switch()
        st.caption(
            t("sidebar.user", name=md_text(account.username), role=md_text(role_label(account)))
        )
        if account.demo:
            st.warning(t("sidebar.demo_account"))
        if st.button(t("sidebar.logout"), key="logout"):
            auth.log_out(account.actor)
            st.rerun()
        auth.watch()
        start = st.date_input(t("sidebar.start"), value=first, key=f"start:{ref.dataset_id}")
        end = st.date_input(t("sidebar.end"), value=last, key=f"end:{ref.dataset_id}")
        if start > end:
            st.warning(t("sidebar.window_swapped"))
            start, end = end, start
        st.caption(t("sidebar.dataset", name=md_text(data.name)))
        st.caption(t("credit.osm"))
    return Context(
        lang=current_language(),
        account=account,
        scope=state.scope_of(ref, account),
        window=(start, end),
        ref=ref,
        dataset_name=data.name,
        settings=state.settings_for(data),
    )


def context() -> Context:
    """Return the :class:`Context` the sidebar decided for this run.

    A page run with no logged-in account (which the navigation never offers) stops here,
    before it reads anything.
    """
    found = st.session_state.get(CONTEXT_KEY)
    if not isinstance(found, Context):
        st.stop()
    return found
