"""WKB points decoded by hand-written bytes: what is read and what declines."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyproj
import shapely

from geo.wkb_points import parquet_points, wkb_points


def _little(x: float, y: float, kind: int = 1) -> bytes:
    return bytes([1]) + np.array([kind], "<u4").tobytes() + np.array([x, y], "<f8").tobytes()


def _big(x: float, y: float) -> bytes:
    return bytes([0]) + np.array([1], ">u4").tobytes() + np.array([x, y], ">f8").tobytes()


def test_little_big_and_missing_points_are_read() -> None:
    column = pa.chunked_array(
        [pa.array([_little(118.5, 32.25), None], pa.binary()), [_big(-0.5, 90.0)]]
    )
    points = wkb_points(column)
    assert points is not None
    assert points.coords.tolist() == [[118.5, 32.25], [-0.5, 90.0]]
    assert points.located.tolist() == [True, False, True]
    assert shapely.to_wkb(points.shapes()[2]) == _little(-0.5, 90.0)


def test_large_binary_and_shapely_wkb_are_read() -> None:
    wkb = [shapely.Point(1.25, -2.5).wkb, shapely.to_wkb(shapely.Point(3, 4), byte_order=0)]
    points = wkb_points(pa.array(wkb, pa.large_binary()))
    assert points is not None
    assert points.coords.tolist() == [[1.25, -2.5], [3.0, 4.0]]


def test_anything_but_a_finite_2d_point_declines() -> None:
    point = _little(1.0, 2.0)
    others = {
        "empty point": shapely.Point().wkb,
        "not a number": _little(np.nan, 2.0),
        "infinite": _big(1.0, np.inf),
        "point with z": shapely.Point(1, 2, 3).wkb,
        "polygon": shapely.box(0, 0, 1, 1).wkb,
        "multipoint": shapely.MultiPoint([(1, 2)]).wkb,
        "ISO type 1001": _little(1.0, 2.0, kind=1001),
        "byte order 2": bytes([2]) + point[1:],
        "short": point[:20],
        "empty bytes": b"",
    }
    for name, other in others.items():
        assert wkb_points(pa.array([point, other], pa.binary())) is None, name
    assert wkb_points(pa.array(["POINT (1 2)"])) is None  # text, not WKB
    assert wkb_points(pa.chunked_array([], pa.string())) is None  # no chunk, still text


def test_a_column_in_chunks_reads_as_the_column_whole() -> None:
    """Chunks are decoded one at a time (no copy of the column's bytes): the same points,
    in row order, whatever the chunking, with empty chunks, a sliced chunk and missing rows;
    one chunk that is not all points declines the whole column."""
    rng = np.random.default_rng(5)
    wkb = [
        None if rng.random() < 0.2 else (_big if rng.random() < 0.3 else _little)(*xy)
        for xy in rng.uniform(-90, 90, (40, 2))
    ]
    whole = wkb_points(pa.array(wkb, pa.binary()))
    assert whole is not None and whole.located.sum() == sum(w is not None for w in wkb)
    array = pa.array([b"pad", *wkb], pa.binary()).slice(1)  # a chunk with an offset
    cuts = [array.slice(0, 0), array.slice(0, 7), array.slice(7, 0), array.slice(7, 33)]
    for column in (pa.chunked_array(cuts), pa.chunked_array([], pa.binary())):
        points = wkb_points(column)
        assert points is not None
        n = len(column)
        assert points.located.tolist() == whole.located[:n].tolist()
        assert points.coords.tolist() == whole.coords[: points.located.sum()].tolist()
        assert points.coords.dtype == np.float64 and points.located.dtype == bool
    bad = pa.chunked_array([array.slice(0, 7), pa.array([shapely.Point(1, 2, 3).wkb])])
    assert wkb_points(bad) is None


def test_no_rows() -> None:
    points = wkb_points(pa.array([], pa.binary()))
    assert points is not None
    assert points.coords.shape == (0, 2)


def _table(geo: str) -> pa.Table:
    table = pa.table({"id": ["a", "b"], "geometry": pa.array([_little(1, 2), None])})
    return table.replace_schema_metadata({b"geo": geo.encode()})


def test_crs_absent_is_crs84_and_null_is_none() -> None:
    plain = '{"version": "1.0.0", "primary_column": "geometry", "columns": '
    absent = parquet_points(_table(plain + '{"geometry": {"encoding": "WKB"}}}'))
    assert absent is not None
    assert absent[3] == pyproj.CRS.from_user_input("OGC:CRS84")
    assert absent[0]["id"].tolist() == ["a", "b"]
    none = parquet_points(_table(plain + '{"geometry": {"encoding": "WKB", "crs": null}}}'))
    assert none is not None
    assert none[3] is None
    empty = parquet_points(_table(plain + '{"geometry": {"encoding": "WKB", "crs": {}}}}'))
    assert empty is not None
    assert empty[3] is None  # as geopandas: an empty CRS is none


def test_a_files_crs_is_parsed_once_and_equals_a_fresh_parse() -> None:
    wgs84 = pyproj.CRS.from_epsg(4326).to_json_dict()
    for member in wgs84["datum_ensemble"]["members"]:
        member.pop("id")  # as geopandas writes it
    plain = '{"version": "1.0.0", "primary_column": "geometry", "columns": '
    geo = plain + json.dumps({"geometry": {"encoding": "WKB", "crs": wgs84}}) + "}"
    first, second = parquet_points(_table(geo)), parquet_points(_table(geo))
    assert first is not None and second is not None
    assert first[3] is second[3]
    fresh = pyproj.CRS.from_user_input(wgs84)
    assert first[3] == fresh
    assert first[3].srs == fresh.srs


def test_other_metadata_declines() -> None:
    plain = '{"version": "1.0.0", "primary_column": "geometry", "columns": '
    declined = {
        "no version": '{"primary_column": "geometry", "columns": {"geometry": {}}}',
        "geoarrow": plain + '{"geometry": {"encoding": "point"}}}',
        "spherical": plain + '{"geometry": {"encoding": "WKB", "edges": "spherical"}}}',
        "covering": plain + '{"geometry": {"encoding": "WKB", "covering": {}}}}',
        "two columns": plain + '{"geometry": {"encoding": "WKB"}, "id": {"encoding": "WKB"}}}',
        "not json": "{",
    }
    for name, geo in declined.items():
        assert parquet_points(_table(geo)) is None, name
