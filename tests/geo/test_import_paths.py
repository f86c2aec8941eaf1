"""The fast import paths give exactly what the reference paths give.

Whole imports (canonical table, every finding, the headers) with the fast paths and with
the reference paths: CSV cells by :func:`geo.csv_cells.read_cells` or
:func:`geo.csv_cells.pandas_cells` (``pandas.read_csv``), numbers by
:func:`geo.numbers.text_numbers` or :func:`geo.numbers.pandas_numbers`
(``pandas.to_numeric``), coordinates rounded by ``geo.import_geometry._rounded`` (which skips
rounding that changes nothing) or by ``shapely.transform``, points of longitude/latitude
columns and of geodata files built on arrays by :func:`geo.point_columns.lonlat_points` and
:func:`geo.point_columns.file_points` or point by point,
codes mapped by :func:`geo.text_columns.map_distinct` or
:func:`geo.text_columns.pandas_map_distinct`, a geodata file's datetimes taken by
:func:`geo.typed_columns.typed_times` or parsed from their text, times in one ISO layout
read by :func:`geo.iso_times.fixed_iso_times` or parsed cell by cell, ID columns told free of
repeats by ``geo.validate._all_distinct`` or searched for them; geometries are compared as
WKB, bit for bit. Compared on every CSV and XLSX file shipped (``data/demo``,
``tests/fixtures``), the Chinese exports of ``tests/geo/china_fixtures.py`` (GBK, GB18030,
UTF-8 with and without a byte-order mark, UTF-16; three coordinate systems) and the CSV and
XLSX files of the mutation corpus of ``tests/geo/test_importer_fuzz.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import shapely

import geo.import_geometry
import geo.importer
import geo.readers
import geo.times
import geo.validate
from geo.csv_cells import pandas_cells
from geo.importer import Imported, read_table
from geo.numbers import pandas_numbers
from geo.text_columns import pandas_map_distinct
from tests.geo import china_fixtures
from tests.support.mutations import corpus
from tests.support.same_import import assert_same_gps, assert_same_import

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(
    path
    for folder in (ROOT / "data" / "demo", ROOT / "tests" / "fixtures")
    for path in folder.rglob("*")
    if path.suffix in (".csv", ".xlsx")
)
TABLES = ("beats", "households", "visits")


def _reference(text: str, *, delimiter: str, data: bytes | None = None) -> pd.DataFrame:
    return pandas_cells(text, delimiter=delimiter)


def _not_handled(*args: object, **kwargs: object) -> None:
    """Stand-in for a fast path that declines, so the reference route runs."""
    return None


def _never_distinct(ids: pd.Series) -> bool:
    """Stand-in for the quick duplicate test, so every ID column is searched for repeats."""
    return False


def _same_import(path: Path, table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Read ``path`` as ``table`` with the fast paths and the reference paths; compare."""
    fast = _read(lambda: read_table(table, path))  # type: ignore[arg-type]
    with monkeypatch.context() as patch:
        patch.setattr(geo.readers, "read_cells", _reference)
        patch.setattr(geo.validate, "text_numbers", pandas_numbers)
        patch.setattr(geo.import_geometry, "_rounded", geo.import_geometry._rounded_by_transform)
        patch.setattr(geo.import_geometry, "lonlat_points", _not_handled)
        patch.setattr(geo.import_geometry, "file_points", _not_handled)
        patch.setattr(geo.importer, "map_distinct", pandas_map_distinct)
        patch.setattr(geo.importer, "typed_times", _not_handled)
        patch.setattr(geo.times, "fixed_iso_times", _not_handled)
        patch.setattr(geo.validate, "_all_distinct", _never_distinct)
        slow = _read(lambda: read_table(table, path))  # type: ignore[arg-type]
    assert type(fast) is type(slow)
    if isinstance(fast, BaseException):
        assert str(fast) == str(slow)
        return
    assert isinstance(slow, Imported)
    assert_same_import(fast, slow)
    assert fast.headers == slow.headers
    if table == "visits":  # read for the command line: the GPS as two columns, no points
        bare = read_table("visits", path, visit_points=False)
        assert_same_gps(fast, bare, context=path.name)


def _read(call: Callable[[], Imported]) -> Imported | BaseException:
    try:
        return call()
    except Exception as error:  # noqa: BLE001 (compared: both paths must raise the same)
        return error


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_files_import_the_same(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    table = next(t for t in TABLES if t in path.name)
    _same_import(path, table, monkeypatch)


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig", "utf-16"])
@pytest.mark.parametrize("system", ["wgs84", "gcj02", "bd09"])
def test_chinese_exports_import_the_same(
    encoding: str, system: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exports = {
        "households": china_fixtures.households_export(system),
        "visits": china_fixtures.visits_export(system),
    }
    for table, frame in exports.items():
        path = china_fixtures.write_csv(frame, tmp_path / f"{table}.csv", encoding=encoding)
        _same_import(path, table, monkeypatch)


def test_mutated_files_import_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    compared = 0
    for number, mutant in enumerate(corpus(tmp_path / "seeds", size=400)):
        if not mutant.name.endswith((".csv", ".xlsx")):
            continue
        path = tmp_path / str(number) / mutant.name
        path.parent.mkdir()
        path.write_bytes(mutant.content)
        _same_import(path, mutant.table, monkeypatch)
        compared += 1
    assert compared > 100


def test_rounding_skipped_only_when_it_changes_nothing() -> None:
    rounded = shapely.points([[116.3910001, 39.9110002], [0.5, -0.0]])
    cases = {
        "rounded": (rounded, True),
        "unrounded": (shapely.points([[116.39100014, 39.911]]), False),
        "with z": (shapely.points([[116.3910001, 39.9110002, 5.0]]), False),
        "polygon": (shapely.from_wkt(["POLYGON ((0 0, 1 0, 1 1.00000001, 0 0))"]), False),
    }
    for name, (geoms, skipped) in cases.items():
        got = geo.import_geometry._rounded(geoms)
        want = geo.import_geometry._rounded_by_transform(geoms)
        assert shapely.to_wkb(got).tolist() == shapely.to_wkb(want).tolist(), name
        assert (got is geoms) == skipped, name
