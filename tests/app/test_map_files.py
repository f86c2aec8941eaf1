"""Map files: three hand-drawn blocks, their GeoJSON at 5 decimals, a keyed name, written once."""

from __future__ import annotations

import hashlib
import hmac
import json
import stat

import geopandas as gpd
import pytest
from shapely.geometry import LineString, box

from app import map_files
from geo.settings import DEFAULTS

ROUTE = "/component/app._streamlit_compat.beatcov_maps/"


def blocks() -> gpd.GeoSeries:
    """Three blocks whose corners have more decimals than are kept (A, B, C west to east)."""
    return gpd.GeoSeries(
        [
            box(24.940001, 60.170004, 24.9410049, 60.171),  # A
            box(24.942, 60.17, 24.943, 60.171),  # B
            box(24.944, 60.17, 24.945, 60.171),  # C
        ],
        index=["A", "B", "C"],
        crs="EPSG:4326",
    )


# A's corners at 5 decimals: 24.940001 -> 24.94, 60.170004 -> 60.17, 24.9410049 -> 24.941
A_RING = [[24.941, 60.17], [24.941, 60.171], [24.94, 60.171], [24.94, 60.17], [24.941, 60.17]]
B_RING = [[24.943, 60.17], [24.943, 60.171], [24.942, 60.171], [24.942, 60.17], [24.943, 60.17]]


def test_the_default_keeps_five_decimals() -> None:
    assert DEFAULTS.map_coordinate_decimals == 5


def test_the_file_holds_the_chosen_blocks_by_id_at_five_decimals() -> None:
    url = map_files.geometry_url(blocks(), ["B", "A", "X"], id_column="block_id")
    assert url.startswith(ROUTE)
    (path,) = map_files.fetched_files(f'fetch("{url}")')
    assert path.name == url.removeprefix(ROUTE)
    assert json.loads(path.read_bytes()) == {
        "type": "FeatureCollection",
        "features": [  # in the order asked; X has no shape; C was not asked for
            {
                "type": "Feature",
                "properties": {"block_id": "B"},
                "geometry": {"type": "Polygon", "coordinates": [B_RING]},
            },
            {
                "type": "Feature",
                "properties": {"block_id": "A"},
                "geometry": {"type": "Polygon", "coordinates": [A_RING]},
            },
        ],
    }
    assert b" " not in path.read_bytes()  # compact


def test_the_name_is_a_keyed_hash_of_the_content() -> None:
    content = map_files.feature_collection(
        blocks().to_numpy(), ["A", "B", "C"], id_column="block_id", decimals=5
    )
    name = map_files.file_name(content)
    keyed = hmac.new(map_files._key(), content, hashlib.sha256).hexdigest()[:32]
    assert name == keyed + ".json"
    # nobody holding the same data can work the name out without the server's key
    assert name[:32] != hashlib.sha256(content).hexdigest()[:32]
    url = map_files.geometry_url(blocks(), ["A", "B", "C"], id_column="block_id")
    assert url == ROUTE + name  # all three blocks: the same content, the same name
    other = map_files.geometry_url(blocks(), ["A", "B"], id_column="block_id")
    assert other != url  # an officer's blocks are another file


def test_the_file_is_written_once_and_kept_private(monkeypatch: pytest.MonkeyPatch) -> None:
    shapes = blocks()
    first = map_files.geometry_url(shapes, ["C"], id_column="block_id")
    (path,) = map_files.fetched_files(first)
    written = path.stat().st_mtime_ns
    calls: list[bytes] = []
    monkeypatch.setattr(map_files, "publish", lambda content: calls.append(content) or "")
    assert map_files.geometry_url(shapes, ["C"], id_column="block_id") == first  # remembered
    assert calls == []
    monkeypatch.undo()
    assert map_files.geometry_url(blocks(), ["C"], id_column="block_id") == first  # same bytes
    assert path.stat().st_mtime_ns == written  # not written again
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(map_files.folder().stat().st_mode) == 0o700
    assert not list(map_files.folder().glob("*.part"))


def test_streets_are_one_feature_each_line_once() -> None:
    a = LineString([(24.9400001, 60.169), (24.945, 60.169)])
    lines = gpd.GeoSeries([a, LineString(a.coords[::-1])], crs="EPSG:4326")
    (path,) = map_files.fetched_files(map_files.lines_url(lines))
    assert json.loads(path.read_bytes())["features"] == [
        {
            "type": "Feature",
            "properties": {},
            "geometry": {
                "type": "MultiLineString",
                "coordinates": [[[24.94, 60.169], [24.945, 60.169]]],
            },
        }
    ]


def test_shapes_in_a_metric_crs_come_out_in_lon_lat() -> None:
    metric = blocks().to_crs(3067)
    url = map_files.geometry_url(metric, ["B"], id_column="block_id")
    (path,) = map_files.fetched_files(url)
    ring = json.loads(path.read_bytes())["features"][0]["geometry"]["coordinates"][0]
    assert ring == B_RING


def test_ids_need_a_property_name() -> None:
    with pytest.raises(ValueError, match="without id_column"):
        map_files.feature_collection(
            blocks().to_numpy(), ["A", "B", "C"], id_column=None, decimals=5
        )
