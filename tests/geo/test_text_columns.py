"""A geodata file's text is made column by column, only where read, with the same imports.

The reader keeps a geodata file's attributes as typed and makes their text when asked for
(:meth:`geo.readers.RawTable.text`); the importer reads its columns through
:class:`geo.text_columns.CanonicalText` and takes typed numbers and times without their
text (:mod:`geo.typed_columns`). The reference is the route before: the whole text frame
made while reading and every number parsed from its text. Both are compared, canonical
tables (geometries as WKB) and findings, on the geodata files of the mutation corpus and
on the demo's visits and households written as GeoParquet with odd numbers and headers.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal

import geo.importer
import geo.text_columns
from geo.demo import DEMO_COORDS, DEMO_FILES, DEMO_TIMEZONE
from geo.importer import (
    CODED_VISIT_COLUMNS,
    SCORE_DTYPE,
    Dataset,
    Imported,
    load_dataset,
    read_households,
    read_table,
    read_visits,
)
from geo.readers import RawTable, read_raw
from geo.settings import DEFAULTS
from geo.text_columns import CanonicalText
from tests.support.mutations import corpus
from tests.support.same_import import assert_same_gps, assert_same_import

GEODATA = (".gpkg", ".parquet", ".geojson", ".zip")


def _eager_read_raw(*args: object, **kwargs: object) -> RawTable:
    """The reader as it was: every attribute made text while reading."""
    raw = read_raw(*args, **kwargs)  # type: ignore[arg-type]
    raw.frame  # noqa: B018 (makes the whole text frame)
    return raw


def _declined(*args: object, **kwargs: object) -> None:
    return None


def _read(call: Callable[[], Imported]) -> tuple[Imported | BaseException, list[str]]:
    """Return the import (or what it raised) and the warnings it gave (GDAL's, on damage)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result: Imported | BaseException = call()
        except Exception as error:  # noqa: BLE001 (compared: both routes must raise the same)
            result = error
    return result, [str(warning.message) for warning in caught]


def _same_import(table: str, path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, fast_warnings = _read(lambda: read_table(table, path))  # type: ignore[arg-type]
    with monkeypatch.context() as patch:
        patch.setattr(geo.importer, "read_raw", _eager_read_raw)
        patch.setattr(geo.importer, "typed_numbers", _declined)
        slow, slow_warnings = _read(lambda: read_table(table, path))  # type: ignore[arg-type]
    assert fast_warnings == slow_warnings, path.name
    assert type(fast) is type(slow)
    if isinstance(fast, BaseException):
        assert str(fast) == str(slow)
        return
    assert isinstance(slow, Imported)
    assert_same_import(fast, slow, context=path.name)
    assert fast.headers == slow.headers


def test_geodata_mutants_import_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    compared = 0
    for number, mutant in enumerate(corpus(tmp_path / "seeds", size=400)):
        if not mutant.name.endswith(GEODATA):
            continue
        path = tmp_path / str(number) / mutant.name
        path.parent.mkdir()
        path.write_bytes(mutant.content)
        _same_import(mutant.table, path, monkeypatch)
        compared += 1
    assert compared > 100


@pytest.fixture(scope="module")
def demo() -> dict[str, gpd.GeoDataFrame]:
    tables = {
        "visits": read_visits(DEMO_FILES["visits"]).table.head(400),
        "households": read_households(DEMO_FILES["households"]).table.head(400),
    }
    return {
        name: table.drop(columns=["geometry"]).set_geometry(table.geometry.to_numpy(), crs=4326)
        for name, table in tables.items()
    }


def _numbers(values: list[object], dtype: str, size: int) -> pd.Series:
    """``values`` repeated to ``size`` cells of ``dtype``."""
    return pd.Series((values * size)[:size], dtype=dtype)


FORMS: dict[str, tuple[str, Callable[[pd.DataFrame], pd.DataFrame]]] = {
    "as_demo": ("visits", lambda f: f),
    "satisfaction_out_of_range": (
        "visits",
        lambda f: f.assign(satisfaction=_numbers([1, 0, 6, None, -3, 5], "Int64", len(f))),
    ),
    "satisfaction_int64": (
        "visits",
        lambda f: f.assign(satisfaction=_numbers([1, 2, 7], "int64", len(f))),
    ),
    "satisfaction_floats": (
        "visits",
        lambda f: f.assign(satisfaction=_numbers([1.0, 2.5, -0.0, np.nan, 4.0], "float64", len(f))),
    ),
    "satisfaction_bool": (
        "visits",
        lambda f: f.assign(satisfaction=_numbers([True, False], "bool", len(f))),
    ),
    "satisfaction_text": (
        "visits",
        lambda f: f.assign(satisfaction=_numbers(["3", " 4 ", "x", ""], "str", len(f))),
    ),
    "duration_whole_floats": (
        "visits",
        lambda f: f.assign(duration_min=_numbers([-0.0, 12.0, np.nan, -4.0], "float64", len(f))),
    ),
    "duration_odd_floats": (
        "visits",
        lambda f: f.assign(duration_min=_numbers([0.1, np.inf, 1e20, -1e-7], "float64", len(f))),
    ),
    "duration_float32": (
        "visits",
        lambda f: f.assign(duration_min=_numbers([1.0, 3.0, 250.0], "float32", len(f))),
    ),
    "duration_nullable_floats": (
        "visits",
        lambda f: f.assign(duration_min=_numbers([1.0, None, 7.0], "Float64", len(f))),
    ),
    "residents_at_the_limits": (
        "households",
        lambda f: f.assign(residents=_numbers([10**15 - 1, -(10**14) + 1, 0, 3], "int64", len(f))),
    ),
    "residents_past_the_limits": (
        "households",
        lambda f: f.assign(residents=_numbers([10**15, 2, -(10**14)], "int64", len(f))),
    ),
    "residents_huge": (
        "households",
        lambda f: f.assign(residents=_numbers([2**53 + 1, 2], "int64", len(f))),
    ),
    "residents_unsigned": (
        "households",
        lambda f: f.assign(residents=_numbers([2**63 + 1, 2], "uint64", len(f))),
    ),
    "residents_missing": (
        "households",
        lambda f: f.assign(residents=_numbers([None], "Int64", len(f))),
    ),
    "headers_alike_once_stripped": (
        "visits",
        lambda f: f.assign(**{"satisfaction ": f["satisfaction"]}),
    ),
    "headers_with_spaces": (
        "visits",
        lambda f: f.rename(columns={"satisfaction": " satisfaction ", "time": "time "}),
    ),
    "ids_with_spaces": (
        "households",
        lambda f: f.assign(household_id=" " + f["household_id"].astype(str) + " "),
    ),
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_typed_columns_import_the_same(
    form: str,
    demo: dict[str, gpd.GeoDataFrame],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    table, change = FORMS[form]
    frame = change(pd.DataFrame(demo[table]))
    path = tmp_path / f"{table}.parquet"
    gpd.GeoDataFrame(frame, geometry="geometry", crs=4326).to_parquet(path)
    _same_import(table, path, monkeypatch)


def _typed_raw() -> RawTable:
    typed = pd.DataFrame(
        {
            "id": pd.Series([" a", "b "], dtype="str"),
            "n": pd.array([3, None], dtype="Int64"),
            "t": pd.to_datetime(["2026-07-01 18:05", "2026-07-02 09:30"]),
        }
    )
    return RawTable(None, None, None, "v.parquet", 1, "feature", typed=typed)


def test_only_the_columns_read_are_made_text() -> None:
    raw = _typed_raw()
    text = CanonicalText(raw, {"visit_id": "id", "time": "t"})
    assert list(text.index) == [0, 1]
    assert ("visit_id" in text, "time" in text, "n" in text) == (True, True, False)
    ids = text["visit_id"]
    assert ids.tolist() == ["a", "b"]  # stripped, as the text of a cell is
    assert (ids.name, str(ids.dtype)) == ("visit_id", "str")
    assert raw.stored_frame is None
    assert list(raw.stored_text) == ["id"]


def test_raw_text_is_the_frames_column() -> None:
    raw = _typed_raw()
    assert (list(raw.columns), raw.records) == (["id", "n", "t"], 2)
    assert raw.text("n").tolist() == ["3", ""]
    assert raw.cell("t", 1) == "2026-07-02T09:30:00"  # made alone
    assert raw.stored_frame is None
    assert raw.frame.to_dict("list") == {
        "id": ["a", "b"],
        "n": ["3", ""],
        "t": ["2026-07-01T18:05:00", "2026-07-02T09:30:00"],
    }
    assert raw.text("n") is not None and raw.cell("t", 0) == "2026-07-01T18:05:00"


def test_without_records_keeps_the_headers() -> None:
    origin = _typed_raw().without_records()
    assert (origin.typed, origin.records, list(origin.columns)) == (None, 0, ["id", "n", "t"])
    assert origin.row_number(0) == 1 and origin.file == "v.parquet"
    assert [str(dtype) for dtype in origin.frame.dtypes] == ["str", "str", "str"]


def test_a_table_without_text_or_types_is_refused() -> None:
    raw = RawTable(None, None, None, "v.parquet", 1, "feature")
    with pytest.raises(ValueError, match="needs its typed attributes"):
        raw.frame  # noqa: B018


def test_the_reader_makes_no_text(tmp_path: Path) -> None:
    raw = read_raw(DEMO_FILES["visits"])
    assert raw.stored_frame is not None  # a CSV file is its text
    gdf = gpd.GeoDataFrame({"a": [1, 2]}, geometry=gpd.points_from_xy([0, 1], [0, 1]), crs=4326)
    gdf.to_parquet(tmp_path / "points.parquet")
    raw = read_raw(tmp_path / "points.parquet")
    assert raw.stored_frame is None
    assert raw.frame["a"].tolist() == ["1", "2"]


VISIT_TEXT = ("visit_id", "household_id", "officer_id", "outcome", "issue_raised")
"""The visits' text columns (with ``follow_up_of`` and ``note``)."""


def test_visits_without_points_code_their_officers_outcomes_and_issues() -> None:
    # the command line's route: the same values, officers, outcomes and issues as codes of
    # their texts (categories pandas' text), the other text columns Arrow text as before
    points = read_visits(DEMO_FILES["visits"]).table
    coded = read_visits(DEMO_FILES["visits"], points=False).table
    for column in VISIT_TEXT:
        if column in CODED_VISIT_COLUMNS:
            assert isinstance(coded[column].dtype, pd.CategoricalDtype), column
            assert coded[column].cat.categories.dtype == "str", column
        else:
            assert coded[column].dtype == points[column].dtype, column
        assert coded[column].tolist() == points[column].tolist(), column
    assert coded["officer_id"].cat.codes.dtype.itemsize == 1  # the demo's 13 officers
    assert coded["satisfaction"].dtype == SCORE_DTYPE  # scores 1 to 5: a byte each
    assert points["satisfaction"].dtype == "Int64"  # the app's import as before
    assert coded["satisfaction"].tolist() == points["satisfaction"].tolist()
    assert points["satisfaction"].notna().any()


def test_visits_keep_their_text_as_arrow_text(tmp_path: Path) -> None:
    """No Python string per cell: a city's year is ten million visits (issue 15)."""
    visits = read_visits(DEMO_FILES["visits"]).table
    # the demo's GBK export, its columns by position: visit, household, officer, ..., note
    cells = pd.read_csv(DEMO_FILES["visits"], dtype=str, keep_default_na=False, encoding="gbk")
    reference = cells.iloc[:, [0, 1, 2, 11]].set_axis(
        ["visit_id", "household_id", "officer_id", "note"], axis=1
    )
    for column in (*VISIT_TEXT, "follow_up_of", "note"):
        dtype = visits[column].dtype
        assert isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow", column
    for column in ("visit_id", "household_id", "officer_id", "note"):
        assert visits[column].tolist() == reference[column].str.strip().tolist(), column
    assert set(visits["outcome"]) == {"contact", "nobody_home", "refused"}
    # absent columns are Arrow text too: an outcome of "contact", empty notes
    path = tmp_path / "v.csv"
    path.write_text("visit_id,household_id,officer_id,time\nv1, h1 ,o1,2026-07-01 09:00\n")
    bare = read_visits(path).table
    assert bare[["household_id", "outcome", "note"]].iloc[0].tolist() == ["h1", "contact", ""]
    assert {str(bare[c].dtype) for c in (*VISIT_TEXT, "follow_up_of", "note")} == {"str"}


@pytest.mark.parametrize("dtype", [object, "str"])
def test_codes_map_alike_in_either_dtype(dtype: str | type) -> None:
    cells = pd.Series(["Contact", " x", "Contact", "no answer"], dtype=str, index=[5, 6, 7, 8])
    func = {"Contact": "contact", "no answer": "nobody_home"}.get
    got = geo.text_columns.map_distinct(cells, func, dtype=dtype)
    want = geo.text_columns.pandas_map_distinct(cells, func, dtype=dtype)
    pd.testing.assert_series_equal(got, want)
    assert got.index.tolist() == [5, 6, 7, 8] and got.dtype == want.dtype
    assert got.tolist()[::2] == ["contact", "contact"] and got.isna().tolist()[1]
    # a missing cell takes the reference's route, in the same dtype
    gaps = pd.Series(["Contact", None], dtype=str)
    gappy = geo.text_columns.map_distinct(gaps, func, dtype=dtype)
    assert gappy.dtype == got.dtype and gappy.isna().tolist() == [False, True]


def test_the_command_lines_dataset_is_the_apps_without_points(demo_data: Dataset) -> None:
    """``load_dataset(visit_points=False)``, as ``coverage`` reads: the demo's same tables
    and findings, the visits' GPS as the two columns of the app's points."""
    bare = load_dataset(
        beats=DEMO_FILES["beats"],
        households=DEMO_FILES["households"],
        visits=DEMO_FILES["visits"],
        crs=DEMO_COORDS,
        settings=DEFAULTS.replace(timezone=DEMO_TIMEZONE),
        visit_points=False,
    )
    assert_geodataframe_equal(bare.beats, demo_data.beats)
    assert_geodataframe_equal(bare.households, demo_data.households)
    assert not isinstance(bare.visits, gpd.GeoDataFrame)
    points = Imported(demo_data.visits, demo_data.report)
    assert_same_gps(points, Imported(bare.visits, bare.report))
    assert np.isfinite(bare.visits["gps_lon"]).mean() > 0.9  # most demo visits have GPS
