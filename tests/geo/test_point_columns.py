"""A geodata file's points import exactly as the point-by-point route imports them.

The demo's households and visits (and the Helsinki fixture's) are written as GeoParquet
and GeoJSON in several forms: coordinates already rounded (the file's own points are
kept), unrounded, read as GCJ-02 or BD-09, some outside longitude/latitude range, some
missing, and forms the array route declines (a polygon among the points, an empty point,
a point with Z, a coordinate that is not a number). Each is imported with
:func:`geo.point_columns.file_points` and with it declining; canonical tables, geometries
(as WKB) and findings must be identical. GeoParquet files are also imported with their
points decoded from WKB (:mod:`geo.wkb_points`, then :func:`geo.point_columns.
coords_points`) against the reader with the array route declined: the reference, which
builds the frame geopandas builds (:func:`geo.readers.plain_parquet_frame`, compared with
:func:`geopandas.read_parquet` on every file). Each file is written once and imported
with each file CRS.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyarrow.parquet as pq
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

import geo.import_geometry
import geo.readers
from geo.demo import DEMO_FILES
from geo.importer import read_households, read_table, read_visits
from geo.point_columns import coords_points, file_points
from geo.systems import decide
from tests.support.same_import import assert_same_gps, assert_same_import

ROOT = Path(__file__).resolve().parents[2]
Change = Callable[[np.ndarray, np.random.Generator], np.ndarray]


def _same(geoms: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return geoms


def _unrounded(geoms: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    coords = shapely.get_coordinates(geoms)
    jitter = rng.uniform(-1e-5, 1e-5, coords.shape)
    out = geoms.copy()
    out[shapely.get_type_id(geoms) == 0] = shapely.points(coords + jitter)
    return out


def _outside_and_missing(geoms: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = geoms.copy()
    out[[1, 4]] = [shapely.Point(181.0, 32.0), shapely.Point(118.0, -90.5)]
    out[[2, 7]] = None
    return out


def _polygon(geoms: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = geoms.copy()
    out[3] = shapely.box(118.0, 32.0, 118.001, 32.001)
    return out


def _empty(geoms: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = geoms.copy()
    out[5] = shapely.Point()
    return out


def _with_z(geoms: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = geoms.copy()
    out[6] = shapely.Point(118.8, 32.0, 5.0)
    return out


def _not_a_number(geoms: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = geoms.copy()
    out[8] = shapely.Point(np.nan, 32.0)
    return out


FORMS: dict[str, Change] = {
    "same": _same,
    "unrounded": _unrounded,
    "outside_and_missing": _outside_and_missing,
    "polygon": _polygon,
    "empty": _empty,
    "with_z": _with_z,
    "not_a_number": _not_a_number,
}
SOURCES = {
    "demo households": (read_households, DEMO_FILES["households"]),
    "demo visits": (read_visits, DEMO_FILES["visits"]),
    "helsinki households": (read_households, ROOT / "tests/fixtures/helsinki/households.csv"),
}


def _declined(*args: object, **kwargs: object) -> None:
    return None


@pytest.fixture(scope="module")
def tables() -> dict[str, gpd.GeoDataFrame]:
    return {name: reader(path).table for name, (reader, path) in SOURCES.items()}


# GeoJSON cannot hold a coordinate that is not a number: that form is tested in Parquet only
CASES = [
    (form, suffix)
    for form in sorted(FORMS)
    for suffix in (".parquet", ".geojson")
    if not (suffix == ".geojson" and form == "not_a_number")
]


@pytest.fixture(scope="module")
def files(
    tables: dict[str, gpd.GeoDataFrame], tmp_path_factory: pytest.TempPathFactory
) -> dict[tuple[str, str, str], Path]:
    """Each source written in each form and suffix once (the file CRS is the importer's)."""
    folder = tmp_path_factory.mktemp("points")
    written = {}
    for form, suffix in CASES:
        (folder / form).mkdir(exist_ok=True)
        rng = np.random.default_rng(5)  # one generator through the sources, per case
        for name, table in tables.items():
            path = folder / form / f"{name.replace(' ', '_')}{suffix}"
            _write(_geodata(name, table, FORMS[form], rng), path)
            written[name, form, suffix] = path
    return written


def _geodata(
    name: str, table: gpd.GeoDataFrame, change: Change, rng: np.random.Generator
) -> gpd.GeoDataFrame:
    """Return the first 300 rows of a source with their points changed, as written."""
    frame = table.drop(columns=["geometry"]).head(300)
    if "visits" in name:
        frame = frame.assign(time=frame["time"].astype(str))  # GeoJSON has no zones
    if "officer_ids" in frame:
        frame = frame.drop(columns=["officer_ids"])
    geoms = change(table.geometry.to_numpy()[:300], rng)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms), crs=4326)


def _write(gdf: gpd.GeoDataFrame, path: Path) -> None:
    if path.suffix == ".parquet":
        gdf.to_parquet(path)
    else:
        gdf.to_file(path, driver="GeoJSON", engine="pyogrio")


@pytest.mark.parametrize("file_crs", [None, "gcj02", "bd09"])
@pytest.mark.parametrize(("form", "suffix"), CASES)
def test_geodata_points_import_the_same(
    form: str,
    suffix: str,
    file_crs: str | None,
    files: dict[tuple[str, str, str], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in SOURCES:
        kind = "visits" if "visits" in name else "households"
        path = files[name, form, suffix]
        fast = read_table(kind, path, file_crs=file_crs)
        with monkeypatch.context() as patch:
            patch.setattr(geo.import_geometry, "file_points", _declined)
            patch.setattr(geo.import_geometry, "coords_points", _declined)
            patch.setattr(geo.readers, "parquet_points", _declined)
            slow = read_table(kind, path, file_crs=file_crs)
            if kind == "visits":  # the reference's points taken apart into GPS columns
                slow_bare = read_table(kind, path, file_crs=file_crs, visit_points=False)
                assert_same_gps(slow, slow_bare, context=(name, form, "reference"))
        assert_same_import(fast, slow, context=(name, form))
        if kind == "visits":  # no point built on the arrays' route
            bare = read_table(kind, path, file_crs=file_crs, visit_points=False)
            assert_same_gps(fast, bare, context=(name, form))
        if suffix == ".parquet":
            with monkeypatch.context() as patch:
                patch.setattr(geo.readers, "parquet_points", _declined)
                shapely_route = read_table(kind, path, file_crs=file_crs)
            assert_same_import(fast, shapely_route, context=(name, form, "wkb"))


@pytest.mark.parametrize("form", sorted(FORMS))
def test_geoparquet_frames_are_geopandas_own(
    form: str, files: dict[tuple[str, str, str], Path]
) -> None:
    """The route with the points declined reads each file as geopandas reads it."""
    for name in SOURCES:
        path = files[name, form, ".parquet"]
        ours = geo.readers.plain_parquet_frame(pq.read_table(path))
        theirs = gpd.read_parquet(path)
        assert ours is not None, name
        assert_geodataframe_equal(ours, theirs, check_less_precise=False)
        assert ours.geometry.name == theirs.geometry.name, name
        assert ours.crs == theirs.crs, name
        assert ours.crs.srs == theirs.crs.srs, name
        wkb = [shapely.to_wkb(frame.geometry.to_numpy()).tolist() for frame in (ours, theirs)]
        assert wkb[0] == wkb[1], name


@pytest.mark.parametrize("form", ["same", "unrounded", "outside_and_missing"])
def test_parquet_points_are_decoded_from_wkb(
    form: str, tables: dict[str, gpd.GeoDataFrame], tmp_path: Path
) -> None:
    rng = np.random.default_rng(5)
    table = tables["demo visits"]
    geoms = FORMS[form](table.geometry.to_numpy()[:300], rng)
    path = tmp_path / "visits.parquet"
    gpd.GeoDataFrame({"n": np.arange(300)}, geometry=geoms, crs=4326).to_parquet(path)
    raw = geo.readers.read_raw(path)
    assert raw.points is not None
    assert raw.stored_geometry is None  # no shapely point built while reading
    assert raw.crs == gpd.read_parquet(path).crs


def test_file_points_declines_what_it_does_not_handle() -> None:
    wgs84 = decide(None)
    point = shapely.Point(118.0, 32.0)
    cases = {
        "points and missing": ([point, None], True),
        "a polygon": ([point, shapely.box(0, 0, 1, 1)], False),
        "an empty point": ([point, shapely.Point()], False),
        "a point with z": ([shapely.Point(1.0, 2.0, 3.0)], False),
        "infinite": ([shapely.Point(np.inf, 2.0)], False),
    }
    for name, (geoms, handled) in cases.items():
        got = file_points(np.array(geoms, dtype=object), source=wgs84, decimals=7)
        assert (got is not None) == handled, name
    projected = decide(None, named="EPSG:4548")
    assert file_points(np.array([point], dtype=object), source=projected, decimals=7) is None


def test_rounded_points_are_the_files_own() -> None:
    geoms = np.array([shapely.Point(118.1234567, 32.5), None], dtype=object)
    points, outside = file_points(geoms, source=decide(None), decimals=7)  # type: ignore[misc]
    assert points[0] is geoms[0]
    assert outside.tolist() == [False, False]


@pytest.mark.parametrize("datum", [None, "gcj02"])
@pytest.mark.parametrize("share", [1.0, 0.97, 0.5, 0.0])
def test_coordinates_without_points_are_the_points_coordinates(
    datum: str | None, share: float
) -> None:
    """``build=False`` gives, row for row, the rounded coordinates of the points built:
    every row located, most, half and none; some outside the range, one not a number."""
    rng = np.random.default_rng(11)
    n = 2_000
    located = rng.random(n) < share
    if share == 1.0:
        located[:] = True
    m = int(located.sum())
    coords = np.column_stack([118.7 + rng.random(m) * 0.1, 32.0 + rng.random(m) * 0.1])
    coords[: m // 50, 0] += 100.0  # beyond 180 degrees east
    if m:
        coords[-1, 1] = np.nan
    source = decide(None, override=datum) if datum else decide(None)
    points, outside = coords_points(coords, located, source=source, decimals=7)
    bare, bare_outside = coords_points(coords, located, source=source, decimals=7, build=False)
    assert bare.shape == (n, 2) and bare.flags.f_contiguous
    expected = np.full((n, 2), np.nan)
    present = np.array([p is not None for p in points])
    expected[present] = shapely.get_coordinates(points[present].tolist())
    np.testing.assert_array_equal(bare, expected)  # exactly equal; NaN where no point
    assert bare_outside.tolist() == outside.tolist()
    assert not bare_outside[~located].any()
