"""A hand-made district in Beijing, written the way Chinese offices export it.

The truth is WGS84: a 5 x 5 grid of residential streets 0.002° apart from (116.390, 39.910).
At 39.91° N 0.002° of longitude is about 171 m and of latitude about 222 m, so the 16 blocks
are about 171 m x 222 m. Two beats split the grid along the middle street (116.394):
``W1`` (lon 116.390-116.394) and ``E1`` (116.394-116.398), both lat 39.910-39.918. Sixteen
households, one at the centre of each block: column ``i``, row ``j`` (0-3, west to east, south
to north) at (116.391 + 0.002 i, 39.911 + 0.002 j), id ``0{j}{i}``; columns 0-1 lie in W1,
2-3 in E1. Each household has one contact visit with its GPS point on the door; officer P1
visits W1 and P2 visits E1, 20 minutes apart, so no walk between them is hurried.

The exports hold these coordinates converted forward to GCJ-02 (about 530 m east and 155 m
north of the truth here) or BD-09 (about 1.2 km off), the beats as a GeoJSON (WGS84) or as a
zipped Shapefile in CGCS2000 / 3-degree Gauss-Kruger CM 117E (EPSG:4548) with GBK attributes.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely.geometry import box

from geo.coords import wgs84_to_bd09, wgs84_to_gcj02
from tests.geo.osm_fixtures import OsmNode, OsmWay, write_osm

LON0, LAT0, STEP = 116.390, 39.910, 0.002
BEATS = {"W1": (0, 2), "E1": (2, 4)}  # beat -> (first, last) grid column of its streets
CONVERT = {"gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09}


def households() -> pd.DataFrame:
    """The true households: household_id, lon, lat (WGS84) and beat_id."""
    rows = []
    for j in range(4):
        for i in range(4):
            lon, lat = LON0 + (i + 0.5) * STEP, LAT0 + (j + 0.5) * STEP
            rows.append((f"0{j}{i}", round(lon, 6), round(lat, 6), "W1" if i < 2 else "E1"))
    return pd.DataFrame(rows, columns=["household_id", "lon", "lat", "beat_id"])


def beats() -> gpd.GeoDataFrame:
    """The true beats (WGS84) with GIS-office attribute names: 警务区, 派出所, 民警."""
    shapes = [
        box(LON0 + a * STEP, LAT0, LON0 + b * STEP, LAT0 + 4 * STEP) for a, b in BEATS.values()
    ]
    return gpd.GeoDataFrame(
        {"警务区": list(BEATS), "派出所": ["东城派出所"] * 2, "民警": ["P1", "P2"]},
        geometry=shapes,
        crs="EPSG:4326",
    )


def forward(lon: np.ndarray, lat: np.ndarray, system: str) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 -> ``system`` (wgs84, gcj02 or bd09), as an app that exports it would."""
    if system in CONVERT:
        lon, lat = CONVERT[system](lon, lat)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def households_export(system: str, *, shift: tuple[float, float] = (0.0, 0.0)) -> pd.DataFrame:
    """The households as a station exports them: Chinese headers, coordinates in ``system``."""
    truth = households()
    lon, lat = forward(truth["lon"].to_numpy(), truth["lat"].to_numpy(), system)
    return pd.DataFrame(
        {
            "户号": truth["household_id"],
            "地址": [f"东城区示范街{n + 1}号" for n in range(len(truth))],
            "经度": np.round(lon + shift[0], 7),
            "纬度": np.round(lat + shift[1], 7),
        }
    )


def visits_export(system: str) -> pd.DataFrame:
    """One contact visit per household, GPS on the door in ``system``, local times."""
    truth = households()
    lon, lat = forward(truth["lon"].to_numpy(), truth["lat"].to_numpy(), system)
    officer = np.where(truth["beat_id"] == "W1", "P1", "P2")
    order = truth.groupby("beat_id").cumcount().to_numpy()
    times = pd.Timestamp("2026-07-01 09:00") + pd.to_timedelta(order * 20, unit="min")
    return pd.DataFrame(
        {
            "走访编号": [f"V{n:02d}" for n in range(len(truth))],
            "户号": truth["household_id"],
            "民警": officer,
            "走访时间": times.strftime("%Y-%m-%d %H:%M"),
            "走访结果": "见面",
            "时长(分钟)": 10,
            "经度": np.round(lon, 7),
            "纬度": np.round(lat, 7),
        }
    )


def write_csv(frame: pd.DataFrame, path: Path, *, encoding: str = "gbk") -> Path:
    """Write ``frame`` as a station's CSV (GBK by default)."""
    path.write_bytes(frame.to_csv(index=False).encode(encoding))
    return path


def beats_geojson(path: Path, system: str = "wgs84") -> Path:
    """Write the beats as GeoJSON whose coordinates are in ``system`` (RFC 7946 says WGS84)."""
    gdf = beats()
    xy = gdf.get_coordinates()
    lon, lat = forward(xy["x"].to_numpy(), xy["y"].to_numpy(), system)
    shapes = shapely.set_coordinates(gdf.geometry.to_numpy().copy(), np.column_stack([lon, lat]))
    out = gpd.GeoDataFrame(gdf.drop(columns="geometry"), geometry=shapes, crs="EPSG:4326")
    out.to_file(path, driver="GeoJSON", engine="pyogrio")
    return path


def beats_named_geojson(path: Path) -> Path:
    """Write the beats as a police-beat layer like Oakland's: the beat is named in ``Name``.

    Beside ``Name`` the features hold only ``OBJECTID`` and ``Shape_Area``; none of the three is
    in the alias table, so ``beat_id`` must be named (``--column beats.beat_id=Name``).
    """
    gdf = beats()
    out = gpd.GeoDataFrame(
        {"OBJECTID": [1, 2], "Name": gdf["警务区"], "Shape_Area": [1.0, 1.0]},
        geometry=gdf.geometry,
        crs="EPSG:4326",
    )
    out.to_file(path, driver="GeoJSON", engine="pyogrio")
    return path


def beats_shapefile_zip(path: Path, *, cpg: bool, encoding: str = "GBK") -> Path:
    """Write the beats as a zipped Shapefile in EPSG:4548 with ``encoding`` attributes.

    The projection is applied to CGCS2000 longitude/latitude (taken as WGS84).
    """
    gdf = beats().set_crs("EPSG:4490", allow_override=True).to_crs("EPSG:4548")
    folder = path.parent / (path.stem + "_parts")
    folder.mkdir()
    pyogrio.write_dataframe(gdf, folder / "警务区.shp", encoding=encoding)
    with zipfile.ZipFile(path, "w") as archive:
        for part in sorted(folder.iterdir()):
            if cpg or part.suffix != ".cpg":
                archive.write(part, f"gis/{part.name}")
    return path


def streets_osm(path: Path) -> Path:
    """Write the 5 x 5 street grid (WGS84, as OpenStreetMap is) as .osm XML."""
    nodes: list[OsmNode] = []
    ways: list[OsmWay] = []
    for row in range(5):
        for col in range(5):
            nodes.append((1 + 5 * row + col, LAT0 + row * STEP, LON0 + col * STEP, {}))
    for row in range(5):
        refs = [1 + 5 * row + col for col in range(5)]
        ways.append((100 + row, refs, {"highway": "residential", "name": f"横{row}街"}))
    for col in range(5):
        refs = [1 + 5 * row + col for row in range(5)]
        ways.append((200 + col, refs, {"highway": "residential", "name": f"纵{col}路"}))
    return write_osm(path, nodes, ways)
