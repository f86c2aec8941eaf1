"""The storage layer (geo/database.py, geo/payloads.py): choosing the backend, URLs with their
password masked, clear errors for a server that is unreachable, refuses the credentials,
lacks the database or PostGIS, and what a shared server gives: every station sees every
dataset and street file, and the beats are PostGIS geometry a GIS can read."""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import geo.database as database
from geo.database import DATABASE_ENV, configured_url, pg_sql, redact
from geo.errors import DatabaseError, WorkspaceError
from geo.workspace import Workspace
from tests.geo.test_workspace import assert_same, make_dataset
from tests.support.postgres import APP_PASSWORD, QUOTED_PASSWORD, Cluster, free_port


@pytest.fixture
def shared(postgres_cluster: Cluster) -> Iterator[str]:
    """The URL of a fresh, empty schema on the test cluster."""
    with postgres_cluster.fresh_url() as url:
        yield url


def assert_no_password(error: BaseException) -> None:
    text = str(error)
    assert APP_PASSWORD not in text and QUOTED_PASSWORD not in text and "s3cret" not in text
    assert error.__cause__ is None and error.__suppress_context__  # no driver traceback


# --------------------------------------------------------------------------- choosing


def test_the_backend_is_sqlite_unless_a_url_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(DATABASE_ENV, raising=False)
    assert configured_url() is None
    assert Workspace(tmp_path / "a").db.dialect == "sqlite"
    assert (tmp_path / "a" / "workspace.sqlite").is_file()
    monkeypatch.setenv(DATABASE_ENV, "  ")
    assert configured_url() is None
    monkeypatch.setenv(DATABASE_ENV, "postgresql://u@localhost/beatcov")
    assert configured_url() == "postgresql://u@localhost/beatcov"
    assert configured_url("") is None  # given explicitly, an empty URL means SQLite
    assert Workspace(tmp_path / "b", database_url="").db.dialect == "sqlite"


def test_a_url_of_another_kind_is_refused_without_its_password() -> None:
    with pytest.raises(DatabaseError, match="must be a PostgreSQL URL") as caught:
        configured_url("mysql://wang:s3cret@db/beatcov")
    assert "wang:***@db" in str(caught.value) and "s3cret" not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://wang:s3cret@db:5432/beatcov", "postgresql://wang:***@db:5432/beatcov"),
        ("postgresql://wang@db/beatcov", "postgresql://wang@db/beatcov"),
        ("postgres://w:a:b@c@db/x", "postgres://w:***@db/x"),  # '@' and ':' in a password
        ("postgresql:///b?user=w&password=s3cret&sslmode=require",
         "postgresql:///b?user=w&password=***&sslmode=require"),
    ],
)  # fmt: skip
def test_redact(url: str, shown: str) -> None:
    assert redact(url) == shown


def test_placeholders_become_psycopgs() -> None:
    assert pg_sql("UPDATE t SET a = ? WHERE b LIKE 'x?%' AND c = ?") == (
        "UPDATE t SET a = %s WHERE b LIKE 'x?%' AND c = %s"
    )
    assert pg_sql('SELECT "odd?name", 5 % 2') == 'SELECT "odd?name", 5 %% 2'


# --------------------------------------------------------------------------- errors


def test_an_unreachable_server_is_named_with_its_password_masked(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    url = f"postgresql://beatcov:{QUOTED_PASSWORD}@127.0.0.1:{port}/beatcov"
    with pytest.raises(DatabaseError, match="cannot reach the database server") as caught:
        Workspace(tmp_path, database_url=url, busy_timeout_s=2)
    assert f"postgresql://beatcov:***@127.0.0.1:{port}/beatcov" in str(caught.value)
    assert "check that PostgreSQL is running there" in str(caught.value)
    assert_no_password(caught.value)
    assert isinstance(caught.value, WorkspaceError)  # callers catching those catch it too


def test_wrong_credentials_are_said_to_be_wrong(tmp_path: Path, postgres_cluster: Cluster) -> None:
    url = postgres_cluster.url().replace(QUOTED_PASSWORD, "not-the-password")
    with pytest.raises(DatabaseError, match="refused the credentials of beatcov") as caught:
        Workspace(tmp_path, database_url=url)
    assert "password authentication failed" in str(caught.value)
    assert "check the user name and password in BEATCOV_DATABASE_URL" in str(caught.value)
    assert "not-the-password" not in str(caught.value)
    assert_no_password(caught.value)


def test_a_missing_database_is_named(tmp_path: Path, postgres_cluster: Cluster) -> None:
    url = postgres_cluster.url("nosuchdb")
    with pytest.raises(DatabaseError, match="there is no database nosuchdb on the server"):
        Workspace(tmp_path, database_url=url)


def test_postgis_not_enabled_and_not_enableable(tmp_path: Path, postgres_cluster: Cluster) -> None:
    # the app's role owns the database but is no superuser: it may not enable PostGIS
    with pytest.raises(
        DatabaseError, match="PostGIS is not enabled in the database nopostgis"
    ) as e:
        Workspace(tmp_path, database_url=postgres_cluster.url("nopostgis"))
    assert "ask the database's administrator to run CREATE EXTENSION postgis" in str(e.value)
    assert_no_password(e.value)


def test_postgis_not_installed_on_the_server(
    tmp_path: Path, postgres_cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "EXTENSION", "postgis_not_on_this_server")
    with pytest.raises(DatabaseError, match="PostGIS is not installed on the database server"):
        Workspace(tmp_path, database_url=postgres_cluster.url("nopostgis"))


def test_a_server_that_stops_gives_a_clear_error(shared: str, tmp_path: Path) -> None:
    ws = Workspace(tmp_path, database_url=shared)
    ws.save(make_dataset())
    broken = Workspace.__new__(Workspace)  # the same workspace, its server gone meanwhile
    broken.__dict__.update(ws.__dict__)
    broken.db = database.PostgresDatabase(
        shared.replace(shared.split("@")[1].split("/")[0], f"127.0.0.1:{free_port()}"),
        busy_timeout_s=2,
    )
    with pytest.raises(DatabaseError, match="cannot reach the database server") as caught:
        broken.list()
    assert_no_password(caught.value)


# --------------------------------------------------------------------------- sharing


def test_two_stations_share_datasets_street_files_and_the_audit_trail(
    shared: str, tmp_path: Path
) -> None:
    north = Workspace(tmp_path / "north", database_url=shared)
    south = Workspace(tmp_path / "south", database_url=shared)
    data = make_dataset()
    first = north.save(data)
    kept = north.save_streets(first, "城区.osm", b"<osm version='0.6'/>")
    # the other station sees the dataset and gets its own copy of the street file
    assert south.current_id() == first
    assert_same(south.load(first), data)
    copy = south.streets_file(first)
    digest = hashlib.sha256(b"<osm version='0.6'/>").hexdigest()[:12]
    assert copy == tmp_path / "south" / "streets" / f"{first}-{digest}.osm"
    assert copy.read_bytes() == kept.read_bytes() == b"<osm version='0.6'/>"
    assert oct(copy.stat().st_mode & 0o777) == "0o600"
    # a new street file gets a new name, and replaces the old copy
    north.save_streets(first, "城区.osm.pbf", b"PBF")
    newer = south.streets_file(first)
    assert newer is not None and newer != copy and newer.read_bytes() == b"PBF"
    assert sorted(p.name for p in (tmp_path / "south" / "streets").iterdir()) == [newer.name]
    # nothing of the dataset is written to either folder but the street file copies
    assert not (tmp_path / "north" / "workspace.sqlite").exists()
    assert not (tmp_path / "north" / "datasets").exists()
    # one audit trail for both
    south.record_review("V01", "confirmed", reviewer="chief")
    with north.reading("t") as conn:
        actions = [r[0] for r in conn.execute("SELECT action FROM audit_log ORDER BY seq")]
    assert actions == ["import", "make_current", "review"]


def test_beats_are_postgis_geometry_in_a_view_of_the_current_dataset(
    shared: str, tmp_path: Path
) -> None:
    ws = Workspace(tmp_path, database_url=shared)
    first = ws.save(make_dataset())
    second = ws.save(make_dataset(note="other"), make_current=False)
    query = (
        "SELECT beat_id, station, GeometryType(geom), ST_SRID(geom), ST_NumGeometries(geom), "
        "round(ST_Area(geom)::numeric, 6)::float8, dataset_id FROM current_beats ORDER BY beat_id"
    )
    with ws.reading("t") as conn:
        rows = [tuple(r) for r in conn.execute(query)]
    # beat 007: one 0.01° square; beat 08: two of them (a Polygon is kept as a MultiPolygon)
    assert rows == [
        ("007", "中心派出所", "MULTIPOLYGON", 4326, 1, 0.0001, first),
        ("08", "", "MULTIPOLYGON", 4326, 2, 0.0002, first),
    ]
    ws.set_current(second)
    with ws.reading("t") as conn:
        assert {r[0] for r in conn.execute("SELECT dataset_id FROM current_beats")} == {second}
    ws.delete(first)  # its beats go with it
    with ws.reading("t") as conn:
        found = conn.execute("SELECT count(*) FROM dataset_beats WHERE dataset_id = ?", (first,))
        assert found.fetchone()[0] == 0


def test_local_leftovers_of_a_shared_workspace_are_swept_once_old(
    shared: str, tmp_path: Path
) -> None:
    ws = Workspace(tmp_path, database_url=shared)
    first = ws.save(make_dataset())
    kept = ws.save_streets(first, "a.osm", b"<osm/>")
    fresh = tmp_path / "streets" / ".tmp-1234-another-process.osm"
    old = tmp_path / "streets" / ".tmp-5678-crashed.osm"
    scratch = tmp_path / ".scratch-crashed"
    for path in (fresh, old):
        path.write_bytes(b"half a file")
    scratch.mkdir()
    (scratch / f"{first}.gpkg").write_bytes(b"half a file")
    an_hour_ago = time.time() - 3600
    for path in (old, scratch):
        os.utime(path, (an_hour_ago, an_hour_ago))
    Workspace(tmp_path, database_url=shared)
    assert sorted(p.name for p in (tmp_path / "streets").iterdir()) == sorted(
        [kept.name, fresh.name]
    )
    assert not scratch.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_missing_driver_is_said(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg fails
    with pytest.raises(DatabaseError, match="psycopg is not installed"):
        database.PostgresDatabase("postgresql://u@localhost/x", busy_timeout_s=1)
