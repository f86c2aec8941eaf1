"""The workspace database: exact round trips, idempotent saves, the current pointer across
restarts, failed writes that change nothing, delete rules and the list.

The hand-made dataset has what breaks naive storage: IDs with leading zeros and an 18-digit
ID (would become numbers), Chinese text, a visit without GPS (null geometry), missing
integers (``Int64`` NA), tz-aware times in microseconds, a Polygon next to a MultiPolygon
(GeoPackage would promote to multi) and a mix of ``object`` and ``str`` text columns (as
the importer produces).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd
import psycopg
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import MultiPolygon, Point, box

import geo.gpkg as gpkg
import geo.workspace as workspace
from geo.audit import Actor, AuditLog
from geo.errors import (
    BeatcovError,
    Finding,
    ImportRefused,
    ReviewError,
    StreetsError,
    ValidationReport,
    WorkspaceError,
)
from geo.gpkg import dataset_id
from geo.importer import Dataset, load_dataset
from geo.workspace import Workspace, street_suffix
from tests.support.backends import raw
from tests.support.shared import Pristine

pytestmark = pytest.mark.usefixtures("backend")


WGS84 = "EPSG:4326"
TABLES = ("beats", "households", "visits")


def make_dataset(*, note: str = "ok", name: str = "测试 dataset") -> Dataset:
    beats = gpd.GeoDataFrame(
        {
            "beat_id": pd.Series(["007", "08"], dtype=object),
            "name": pd.Series(["东区", "West"], dtype=object),
            "station": pd.Series(["中心派出所", ""], dtype=object),
            "officer_ids": pd.Series(["P1;P2", ""], dtype=object),
        },
        geometry=[
            box(121.40, 31.20, 121.41, 31.21),
            MultiPolygon([box(121.41, 31.20, 121.42, 31.21), box(121.43, 31.20, 121.44, 31.21)]),
        ],
        crs=WGS84,
    )
    households = gpd.GeoDataFrame(
        {
            "household_id": pd.Series(["0001", "0002", "110101199003071234"], dtype="str"),
            "address": pd.Series(["北京路 1 号", "", "Main st 2"], dtype=object),
            "residents": pd.array([3, pd.NA, 1], dtype="Int64"),
            "vulnerable": pd.Series(["elderly_alone", "", ""], dtype="str"),
            "kind": pd.Series(["household", "shop", "household"], dtype="str"),
        },
        geometry=[
            Point(121.4051234, 31.2012345),
            Point(121.4061, 31.2015),
            Point(121.4151, 31.2055),
        ],
        crs=WGS84,
    )
    times = pd.Series(
        pd.to_datetime(
            ["2026-07-01 18:05:00.123456", "2026-07-09 08:00:00", "2026-07-02 12:00:00"],
            format="ISO8601",
        )
    ).dt.tz_localize("Asia/Shanghai")
    visits = gpd.GeoDataFrame(
        {
            "visit_id": pd.Series(["V01", "V02", "V03"], dtype="str"),
            "household_id": pd.Series(["0001", "0001", "110101199003071234"], dtype=object),
            "officer_id": pd.Series(["P1", "P1", "P2"], dtype=object),
            "time": times.dt.as_unit("us"),
            "outcome": pd.Series(["contact", "contact", "nobody_home"], dtype="str"),
            "duration_min": [12.5, float("nan"), 1.0],
            "issue_raised": pd.Series(["噪音", "", ""], dtype=object),
            "follow_up_of": pd.Series(["", "V01", ""], dtype=object),
            "satisfaction": pd.array([4, pd.NA, pd.NA], dtype="Int64"),
            "note": pd.Series([note, "", "无人在家"], dtype=object),
        },
        geometry=[Point(121.40512, 31.20121), None, Point(121.4151, 31.2055)],
        crs=WGS84,
    )
    report = ValidationReport(
        [
            Finding(
                "warning",
                "outside_beats",
                "household '0002' lies outside every beat; check its coordinates",
                "住户.csv",
                row=3,
                column="经度",
            ),
            Finding("warning", "beats_gap", "a gap of 5 m² belongs to no beat", "beats.csv"),
        ]
    )
    return Dataset(beats, households, visits, report, "Asia/Shanghai", name)


def assert_same(loaded: Dataset, original: Dataset) -> None:
    for table in TABLES:
        assert_geodataframe_equal(getattr(loaded, table), getattr(original, table))
    assert loaded.report.findings == original.report.findings
    assert loaded.timezone == original.timezone
    assert loaded.name == original.name


def stored_files(folder: Path) -> list[str]:
    return sorted(p.name for p in (folder / "datasets").iterdir())


def stored_payloads(ws: Workspace) -> list[str]:
    """The ids whose tables are stored: GeoPackages in the folder, or rows on the server."""
    if ws.db.dialect == "sqlite":
        return sorted(p.stem for p in ws.datasets_dir.iterdir() if p.suffix == ".gpkg")
    with ws.reading("t") as conn:
        return sorted(row[0] for row in conn.execute("SELECT dataset_id FROM dataset_files"))


def stored_gpkg(ws: Workspace, dataset_id: str, scratch: Path) -> Path:
    """A dataset's GeoPackage: its file, or a copy of its bytes from the server."""
    if ws.db.dialect == "sqlite":
        return ws.datasets_dir / f"{dataset_id}.gpkg"
    with ws.reading("t") as conn:
        content = conn.execute(
            "SELECT gpkg FROM dataset_files WHERE dataset_id = ?", (dataset_id,)
        ).fetchone()[0]
    copy = scratch / f"copy-{dataset_id}.gpkg"
    copy.write_bytes(bytes(content))
    return copy


@pytest.fixture(scope="module")
def data() -> Iterator[Dataset]:
    """The hand-made dataset, built once for the module: saving it must not change it, and
    no test may (:class:`Pristine` checks its tables when the module is done)."""
    dataset = make_dataset()
    kept = Pristine("data", dataset)
    yield dataset
    kept.check()


@pytest.fixture(scope="module")
def other() -> Iterator[Dataset]:
    # differs from ``data`` in one note only, so it must get its own id
    dataset = make_dataset(note="changed", name="second import")
    kept = Pristine("other", dataset)
    yield dataset
    kept.check()


def test_round_trip_is_exact(tmp_path: Path, data: Dataset) -> None:
    ws = Workspace(tmp_path / "ws")
    stored = ws.save(data)
    loaded = ws.load(stored)
    assert_same(loaded, data)
    # spot checks of what assert_geodataframe_equal already covers, to make the intent plain
    h, v = loaded.households, loaded.visits
    assert h["household_id"].tolist() == ["0001", "0002", "110101199003071234"]
    assert h["residents"].isna().tolist() == [False, True, False]
    assert v.geometry.isna().tolist() == [False, True, False]
    assert str(v["time"].dtype) == "datetime64[us, Asia/Shanghai]"
    assert v["time"].iloc[0] == pd.Timestamp("2026-07-01 10:05:00.123456", tz="UTC")
    assert loaded.beats.geometry.geom_type.tolist() == ["Polygon", "MultiPolygon"]
    assert stored_payloads(ws) == [stored]


def test_times_are_stored_as_iso_text_with_offset(tmp_path: Path, data: Dataset) -> None:
    ws = Workspace(tmp_path)
    stored = ws.save(data)
    path = stored_gpkg(ws, stored, tmp_path)
    with contextlib.closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT visit_id, time FROM visits ORDER BY fid").fetchall()
    # 18:05 in Shanghai is +08:00; the text keeps the offset and the microseconds
    assert rows[0] == ("V01", "2026-07-01T18:05:00.123456+08:00")


def test_demo_round_trip(tmp_path: Path, demo_data: Dataset) -> None:
    demo = demo_data
    ws = Workspace(tmp_path)
    loaded = ws.load(ws.save(demo))
    assert len(loaded.visits) == len(demo.visits) > 0
    assert_same(loaded, demo)


def test_id_is_content_hash_and_save_is_idempotent(
    tmp_path: Path, data: Dataset, other: Dataset
) -> None:
    ws = Workspace(tmp_path)
    first = ws.save(data)
    assert len(first) == 12 and all(c in "0123456789abcdef" for c in first)
    assert dataset_id(data) == first
    # same content, another label: same id, nothing new stored, first label kept
    assert ws.save(make_dataset(name="again")) == first
    # a loaded dataset saves to the same id (the round trip is exact, dtypes included)
    assert ws.save(ws.load(first)) == first
    assert ws.list()["dataset_id"].tolist() == [first]
    assert ws.load(first).name == "测试 dataset"
    assert stored_payloads(ws) == [first]
    # one note changed: another id
    assert ws.save(other) != first
    # the id does not depend on the folder
    assert Workspace(tmp_path / "elsewhere").save(data) == first


def test_current_pointer_survives_restart(tmp_path: Path, data: Dataset, other: Dataset) -> None:
    ws = Workspace(tmp_path)
    assert ws.current_id() is None
    assert ws.current() is None
    first = ws.save(data)
    second = ws.save(other, make_current=False)
    assert ws.current_id() == first
    restarted = Workspace(tmp_path)
    assert restarted.current_id() == first
    current = restarted.current()
    assert current is not None
    assert_same(current, data)
    restarted.set_current(second)
    assert Workspace(tmp_path).current_id() == second


def test_set_current_unknown(tmp_path: Path, data: Dataset) -> None:
    ws = Workspace(tmp_path)
    first = ws.save(data)
    with pytest.raises(WorkspaceError, match="no dataset 0123456789ab"):
        ws.set_current("0123456789ab")
    assert ws.current_id() == first


def _fail_on_second_layer(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Let the writer write the beats layer, then fail like a full disk."""
    real = gpkg._write_layer
    written: list[str] = []

    def flaky(frame: gpd.GeoDataFrame, path: Path, layer: str) -> None:
        if written:
            raise OSError(28, "No space left on device")
        real(frame, path, layer)
        written.append(str(path))

    monkeypatch.setattr(gpkg, "_write_layer", flaky)
    return written


def test_write_failing_midway_changes_nothing(
    tmp_path: Path, data: Dataset, other: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = Workspace(tmp_path)
    first = ws.save(data)
    before = ws.list()
    written = _fail_on_second_layer(monkeypatch)
    with pytest.raises(WorkspaceError, match="No space left.*nothing was changed"):
        ws.save(other)
    assert written, "the writer really wrote part of a file before failing"
    assert not Path(written[0]).exists()
    assert stored_payloads(ws) == [first]
    monkeypatch.undo()
    restarted = Workspace(tmp_path)
    pd.testing.assert_frame_equal(restarted.list(), before)
    assert restarted.current_id() == first
    current = restarted.current()
    assert current is not None
    assert_same(current, data)


@pytest.mark.parametrize("step", ["_record", "_point"])
def test_database_failing_after_file_written_changes_nothing(
    tmp_path: Path, data: Dataset, other: Dataset, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    ws = Workspace(tmp_path)
    first = ws.save(data)
    real = getattr(workspace, step)
    failure = (
        sqlite3.OperationalError("disk I/O error")
        if ws.db.dialect == "sqlite"
        else psycopg.errors.IoError("disk I/O error")  # SQLSTATE 58030, as the server says
    )

    def broken(conn: object, value: object) -> None:
        real(conn, value)  # the statement runs, then the disk fails before COMMIT
        raise failure

    monkeypatch.setattr(workspace, step, broken)
    with pytest.raises(WorkspaceError, match="disk I/O error.*nothing was changed"):
        ws.save(other)
    monkeypatch.undo()
    # the row insert (and pointer move) were rolled back; the new .gpkg was removed
    assert ws.list()["dataset_id"].tolist() == [first]
    assert ws.current_id() == first
    assert stored_payloads(ws) == [first]
    assert_same(ws.load(first), data)


def test_refused_import_is_never_stored(tmp_path: Path, data: Dataset) -> None:
    ws = Workspace(tmp_path)
    first = ws.save(data)
    # the importer refuses a visits file without times: nothing reaches the workspace
    (tmp_path / "v.csv").write_text("visit_id,household_id,officer_id\nV1,0001,P1\n")
    (tmp_path / "b.csv").write_text(
        'beat_id,geometry\n007,"POLYGON ((121.4 31.2, 121.41 31.2, 121.41 31.21, 121.4 31.2))"\n'
    )
    (tmp_path / "h.csv").write_text("household_id,lon,lat\n0001,121.405,31.201\n")
    with pytest.raises(ImportRefused, match="time"):
        ws.save(
            load_dataset(
                beats=tmp_path / "b.csv", households=tmp_path / "h.csv", visits=tmp_path / "v.csv"
            )
        )
    # a dataset carrying fatal findings is refused by the workspace itself
    fatal = make_dataset(note="x")
    fatal.report.add(Finding("fatal", "bad_time", "the time is empty; fill it in", "v.csv", 2))
    with pytest.raises(WorkspaceError, match="1 fatal finding.*cannot be stored"):
        ws.save(fatal)
    # a column the GeoPackage cannot keep exactly is refused before anything is written
    odd = make_dataset(note="y")
    odd.visits["note"] = pd.Series([["a"], "", ""], dtype=object)
    with pytest.raises(WorkspaceError, match="column 'note' of the visits table holds list"):
        ws.save(odd)
    assert ws.list()["dataset_id"].tolist() == [first]
    assert ws.current_id() == first


def test_delete_rules(tmp_path: Path, data: Dataset, other: Dataset) -> None:
    ws = Workspace(tmp_path)
    first = ws.save(data)
    second = ws.save(other, make_current=False)
    with pytest.raises(WorkspaceError, match="is the current dataset.*make another dataset"):
        ws.delete(first)
    with pytest.raises(BeatcovError, match="no dataset 0123456789ab"):
        ws.delete("0123456789ab")
    with pytest.raises(WorkspaceError, match="not a dataset id"):
        ws.delete("../../etc/x")
    ws.delete(second)
    assert ws.list()["dataset_id"].tolist() == [first]
    assert stored_payloads(ws) == [first]
    with pytest.raises(WorkspaceError, match=f"no dataset {second}"):
        ws.load(second)
    # once another dataset is current, the first may go
    third = ws.save(other)
    ws.delete(first)
    assert ws.list()["dataset_id"].tolist() == [third]
    assert ws.current_id() == third


def test_list(tmp_path: Path, data: Dataset, other: Dataset) -> None:
    ws = Workspace(tmp_path)
    assert ws.list().empty
    first = ws.save(data)
    second = ws.save(other, make_current=False)
    listing = ws.list()
    assert listing.columns.tolist() == [
        "dataset_id",
        "label",
        "timezone",
        "created_at",
        "beats",
        "households",
        "visits",
        "warnings",
        "current",
    ]
    # newest first; counts from the tables (2 beats, 3 households, 3 visits, 2 warnings)
    assert listing["dataset_id"].tolist() == [second, first]
    assert listing["label"].tolist() == ["second import", "测试 dataset"]
    assert listing[["beats", "households", "visits", "warnings"]].to_numpy().tolist() == [
        [2, 3, 3, 2],
        [2, 3, 3, 2],
    ]
    assert listing["current"].tolist() == [False, True]
    assert str(listing["created_at"].dtype).endswith("UTC]")


def test_two_sessions_saving_at_once(tmp_path: Path, data: Dataset, other: Dataset) -> None:
    Workspace(tmp_path)
    ids: dict[str, str] = {}
    errors: list[BaseException] = []

    def session(key: str, dataset: Dataset) -> None:
        try:
            ids[key] = Workspace(tmp_path).save(dataset)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [
        threading.Thread(target=session, args=("a", data)),
        threading.Thread(target=session, args=("b", other)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    ws = Workspace(tmp_path)
    assert sorted(ws.list()["dataset_id"]) == sorted(ids.values())
    assert ws.current_id() in ids.values()
    assert_same(ws.load(ids["a"]), data)
    assert_same(ws.load(ids["b"]), other)


@pytest.mark.sqlite_only
def test_crash_leftovers_are_swept(tmp_path: Path, data: Dataset) -> None:
    ws = Workspace(tmp_path)
    first = ws.save(data)
    folder = tmp_path / "datasets"
    (folder / ".tmp-abc-1234.gpkg").write_bytes(b"half a file")
    (folder / "aaaaaaaaaaaa.gpkg").write_bytes(b"renamed but never recorded")
    (folder / "notes.txt").write_text("not ours")
    Workspace(tmp_path)
    assert stored_files(tmp_path) == [f"{first}.gpkg", "notes.txt"]
    assert_same(ws.load(first), data)


def street_files(folder: Path) -> list[str]:
    return sorted(p.name for p in (folder / "streets").iterdir())


def street_name(ws: Workspace, dataset_id: str, suffix: str, content: bytes) -> str:
    """The name a street file is kept under: ``<id><suffix>``, or, as a local copy of the
    server's, ``<id>-<12 hex digits of SHA-256><suffix>`` (geo/payloads.py)."""
    if ws.db.dialect == "sqlite":
        return f"{dataset_id}{suffix}"
    return f"{dataset_id}-{hashlib.sha256(content).hexdigest()[:12]}{suffix}"


def test_a_street_file_is_kept_with_its_dataset(
    tmp_path: Path, data: Dataset, other: Dataset
) -> None:
    ws = Workspace(tmp_path)
    first = ws.save(data)
    assert ws.streets_file(first) is None
    kept = ws.save_streets(first, "南京 Xuanwu.OSM", b"<osm/>")
    assert kept == tmp_path / "streets" / street_name(ws, first, ".osm", b"<osm/>")
    assert ws.streets_file(first) == kept and kept.read_bytes() == b"<osm/>"
    # a new file replaces the earlier one, whatever its suffix
    newer = ws.save_streets(first, "xuanwu.osm.pbf", b"PBF")
    assert ws.streets_file(first) == newer
    assert street_files(tmp_path) == [street_name(ws, first, ".osm.pbf", b"PBF")]
    # another kind of file, a dataset the workspace lacks or no id at all: nothing changes
    with pytest.raises(StreetsError, match=r"^x\.shp: a streets file must end in \.osm, "):
        ws.save_streets(first, "x.shp", b"")
    with pytest.raises(WorkspaceError, match="no dataset 0123456789ab"):
        ws.save_streets("0123456789ab", "s.osm", b"")
    with pytest.raises(WorkspaceError, match="not a dataset id"):
        ws.save_streets("../x", "s.osm", b"")
    assert street_files(tmp_path) == [street_name(ws, first, ".osm.pbf", b"PBF")]
    # deleting the dataset removes its street file
    ws.save(other)
    ws.delete(first)
    assert ws.streets_file(first) is None and street_files(tmp_path) == []


def test_a_street_file_write_that_fails_keeps_the_earlier_file(
    tmp_path: Path, data: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = Workspace(tmp_path)
    first = ws.save(data)
    kept = ws.save_streets(first, "a.osm", b"old")

    def full_disk(self: Path, target: Path) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", full_disk)
    with pytest.raises(WorkspaceError, match="saving the street file of .*No space left"):
        ws.save_streets(first, "b.graphml", b"new")
    monkeypatch.undo()
    assert ws.streets_file(first) == kept and kept.read_bytes() == b"old"
    assert street_files(tmp_path) == [kept.name]  # no half-written file left


def test_street_file_leftovers_are_swept(tmp_path: Path, data: Dataset) -> None:
    ws = Workspace(tmp_path)
    first = ws.save(data)
    kept = ws.save_streets(first, "a.osm", b"<osm/>")
    leftover = tmp_path / "streets" / f".tmp-{first}.osm.pbf"
    leftover.write_bytes(b"half a file")
    an_hour_ago = time.time() - 3600  # on a shared server, fresh ones may be another's
    os.utime(leftover, (an_hour_ago, an_hour_ago))
    Workspace(tmp_path)
    assert street_files(tmp_path) == [kept.name]


# --------------------------------------------------------------------------- permissions


def modes(folder: Path) -> dict[str, str]:
    """Every entry below ``folder`` (and itself) with its mode, as ``ls -l`` would octal it."""
    found = {".": oct(stat.S_IMODE(folder.stat().st_mode))}
    for path in sorted(folder.rglob("*")):
        found[path.relative_to(folder).as_posix()] = oct(stat.S_IMODE(path.lstat().st_mode))
    return found


@pytest.mark.sqlite_only
def test_workspace_is_its_owners_only_whatever_the_umask(tmp_path: Path, data: Dataset) -> None:
    before = os.umask(0)  # the loosest there is: only explicit modes make anything private
    try:
        ws = Workspace(tmp_path / "ws")
        first = ws.save(data)
        ws.save_streets(first, "南京.osm", b"<osm/>")
        ws.record_review("V01", "confirmed", reviewer="chief")
    finally:
        os.umask(before)
    assert modes(tmp_path / "ws") == {
        ".": "0o700",
        "datasets": "0o700",
        f"datasets/{first}.gpkg": "0o600",
        "streets": "0o700",
        f"streets/{first}.osm": "0o600",
        "workspace.sqlite": "0o600",
    }


@pytest.mark.sqlite_only
def test_an_older_workspace_is_tightened_when_opened(tmp_path: Path, data: Dataset) -> None:
    folder = tmp_path / "ws"
    ws = Workspace(folder)
    first = ws.save(data)
    ws.save_streets(first, "a.osm", b"<osm/>")
    for path in (folder, folder / "datasets", folder / "streets"):
        path.chmod(0o755)  # as an older beatcov left it
    for name in ("workspace.sqlite", f"datasets/{first}.gpkg", f"streets/{first}.osm"):
        (folder / name).chmod(0o644)
    notes = folder / "notes.txt"  # not beatcov's: left as it is
    notes.write_text("mine")
    notes.chmod(0o644)
    Workspace(folder)
    assert modes(folder) == {
        ".": "0o700",
        "datasets": "0o700",
        f"datasets/{first}.gpkg": "0o600",
        "notes.txt": "0o644",
        "streets": "0o700",
        f"streets/{first}.osm": "0o600",
        "workspace.sqlite": "0o600",
    }


@pytest.mark.parametrize(
    ("name", "suffix"),
    [
        ("a.osm", ".osm"),
        ("A.OSM.BZ2", ".osm.bz2"),
        ("城区.osm.pbf", ".osm.pbf"),
        ("g.GraphML", ".graphml"),
    ],
)
def test_street_suffixes(name: str, suffix: str) -> None:
    assert street_suffix(name) == suffix


def test_damaged_files_give_clear_errors(tmp_path: Path, data: Dataset) -> None:
    ws = Workspace(tmp_path)
    first = ws.save(data)
    damage(ws, first, b"garbage")
    with pytest.raises(WorkspaceError, match="damaged; delete the dataset and import it again"):
        ws.load(first)
    damage(ws, first, None)
    with pytest.raises(WorkspaceError, match="are missing.*import its files again"):
        ws.current()
    with pytest.raises(WorkspaceError, match="are missing.*import its files again"):
        ws.set_current(first)


def damage(ws: Workspace, dataset_id: str, content: bytes | None) -> None:
    """Overwrite a dataset's GeoPackage with ``content``, or remove it (``None``)."""
    if ws.db.dialect == "sqlite":
        path = ws.datasets_dir / f"{dataset_id}.gpkg"
        _ = path.write_bytes(content) if content is not None else path.unlink()
        return
    with raw(ws) as conn:
        if content is None:
            conn.execute("DELETE FROM dataset_files WHERE dataset_id = ?", (dataset_id,))
        else:
            conn.execute(
                "UPDATE dataset_files SET gpkg = ? WHERE dataset_id = ?", (content, dataset_id)
            )


@pytest.mark.sqlite_only
def test_a_file_that_is_not_a_workspace_database_is_named(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "workspace.sqlite").write_bytes(b"this is not a database" * 100)
    with pytest.raises(WorkspaceError, match="not a beatcov workspace database"):
        Workspace(broken)


# --------------------------------------------------------------------------- reviews


def test_reviews_are_kept_per_visit_with_who_and_when(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    assert ws.reviews().columns.tolist() == ["visit_id", "decision", "reviewer", "decided_at"]
    assert ws.reviews().empty
    before = pd.Timestamp.now(tz="UTC")
    ws.record_review("V01", "confirmed", reviewer="chief")
    ws.record_review("0042", "dismissed", reviewer="chief Wang 王")
    after = pd.Timestamp.now(tz="UTC")
    found = Workspace(tmp_path).reviews().set_index("visit_id")  # survives a restart
    assert found["decision"].to_dict() == {"V01": "confirmed", "0042": "dismissed"}
    assert found["reviewer"].to_dict() == {"V01": "chief", "0042": "chief Wang 王"}
    assert str(found["decided_at"].dt.tz) == "UTC"
    assert ((found["decided_at"] >= before) & (found["decided_at"] <= after)).all()
    # stored as ISO 8601 text with the UTC offset
    with raw(ws, guards=True) as conn:
        text = conn.execute("SELECT decided_at FROM reviews WHERE visit_id = 'V01'").fetchone()[0]
    assert text.endswith("+00:00") and pd.Timestamp(text) == found.loc["V01", "decided_at"]


def test_a_new_decision_replaces_the_old_and_can_be_withdrawn(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    ws.record_review("V01", "confirmed", reviewer="chief")
    first = ws.reviews().loc[0, "decided_at"]
    ws.record_review("V01", "dismissed", reviewer="deputy")
    rows = ws.reviews()
    assert rows[["visit_id", "decision", "reviewer"]].to_dict("records") == [
        {"visit_id": "V01", "decision": "dismissed", "reviewer": "deputy"}
    ]
    assert rows.loc[0, "decided_at"] >= first
    assert ws.withdraw_review("V01") is True
    assert ws.withdraw_review("V01") is False
    assert ws.reviews().empty


def test_the_reviews_version_changes_with_every_change_of_a_decision(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    other = Workspace(tmp_path)  # another session's handle on the same workspace
    seen = [ws.reviews_version()]
    ws.record_review("V01", "confirmed", reviewer="chief")
    seen.append(other.reviews_version())
    ws.record_review("V01", "dismissed", reviewer="chief")  # replaced: a change too
    seen.append(other.reviews_version())
    assert other.withdraw_review("V01") is True
    seen.append(ws.reviews_version())
    assert len(set(seen)) == 4 and seen == sorted(seen)
    assert other.withdraw_review("V01") is False  # nothing withdrawn: nothing to read again
    assert ws.reviews_version() >= seen[-1]
    # other actions (a login, an export) leave it as it is: pages keep the decisions read
    last = ws.reviews_version()
    AuditLog(ws).record(Actor("chief", "chief"), "login", "chief")
    assert ws.reviews_version() == last


def test_reviews_survive_new_imports_of_the_same_visits(
    tmp_path: Path, data: Dataset, other: Dataset
) -> None:
    ws = Workspace(tmp_path)
    first = ws.save(data)
    ws.record_review("V02", "dismissed", reviewer="chief")
    second = ws.save(other)  # a new import holding the same visit ids
    ws.delete(first)
    assert ws.current_id() == second
    assert ws.reviews()[["visit_id", "decision"]].to_dict("records") == [
        {"visit_id": "V02", "decision": "dismissed"}
    ]


@pytest.mark.parametrize(
    ("visit", "decision", "reviewer", "message"),
    [
        ("V01", "approved", "chief", "'approved' is not a decision; use 'confirmed'"),
        ("V01", "Confirmed", "chief", "'Confirmed' is not a decision"),
        ("V01", "", "chief", "'' is not a decision"),
        ("", "confirmed", "chief", "a review needs a visit id: got ''"),
        ("V01", "dismissed", "  ", "the review of visit 'V01' needs a reviewer"),
        (None, "dismissed", "chief", "a review needs a visit id: got None"),
    ],
)
def test_bad_reviews_are_refused_and_change_nothing(
    tmp_path: Path, visit: object, decision: str, reviewer: str, message: str
) -> None:
    ws = Workspace(tmp_path)
    ws.record_review("V01", "confirmed", reviewer="chief")
    with pytest.raises(ReviewError, match=message):
        ws.record_review(visit, decision, reviewer=reviewer)  # type: ignore[arg-type]
    assert issubclass(ReviewError, BeatcovError)
    assert ws.reviews()[["visit_id", "decision"]].to_dict("records") == [
        {"visit_id": "V01", "decision": "confirmed"}
    ]


def test_a_review_write_that_fails_keeps_the_earlier_decision(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, busy_timeout_s=0.2)
    ws.record_review("V01", "confirmed", reviewer="chief")
    other = ws.db.connect()
    try:
        ws.db.begin_write(other)  # another session holds the write lock
        with pytest.raises(WorkspaceError, match="busy.*try again"):
            ws.record_review("V01", "dismissed", reviewer="chief")
        with pytest.raises(WorkspaceError, match="busy"):
            ws.withdraw_review("V01")
        other.execute("ROLLBACK")
    finally:
        other.close()
    assert ws.reviews()["decision"].tolist() == ["confirmed"]


def test_a_workspace_without_reviews_gains_the_table_and_keeps_its_ids(
    tmp_path: Path, data: Dataset
) -> None:
    ws = Workspace(tmp_path)
    stored = ws.save(data)
    with raw(ws, guards=True) as conn:
        conn.execute("DROP TABLE reviews")  # as written before reviews existed
    reopened = Workspace(tmp_path)
    assert reopened.reviews().empty
    reopened.record_review("V01", "dismissed", reviewer="chief")
    assert reopened.current_id() == stored == dataset_id(data)
    with raw(ws, guards=True) as conn:
        assert ws.db.version(conn) == workspace.SCHEMA_VERSION


# --------------------------------------------------------------------- column choices


def test_column_choices_are_remembered_per_table_and_header_set(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    headers = ["OBJECTID", "Name", "Shape_Area"]
    assert ws.remembered_columns("beats", headers) == {}
    ws.remember_columns("beats", headers, {"beat_id": "Name"})
    # the same source (any order of the same headers) gets it back, after a restart too
    again = Workspace(tmp_path)
    assert again.remembered_columns("beats", ["Name", "Shape_Area", "OBJECTID"]) == {
        "beat_id": "Name"
    }
    # another table or another set of headers is another source
    assert again.remembered_columns("households", headers) == {}
    assert again.remembered_columns("beats", ["Name", "OBJECTID"]) == {}
    # the latest choice replaces the earlier; an empty one forgets it
    again.remember_columns("beats", headers, {"beat_id": "OBJECTID", "name": "Name"})
    assert again.remembered_columns("beats", headers) == {"beat_id": "OBJECTID", "name": "Name"}
    again.remember_columns("beats", headers, {})
    assert again.remembered_columns("beats", headers) == {}


def test_bad_column_choices_are_refused(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    with pytest.raises(WorkspaceError, match="'streets' is not a table"):
        ws.remember_columns("streets", ["Name"], {"beat_id": "Name"})
    with pytest.raises(WorkspaceError, match=r"cannot remember columns \['Nmae'\]"):
        ws.remember_columns("beats", ["Name"], {"beat_id": "Nmae"})
    assert ws.remembered_columns("beats", ["Name"]) == {}
