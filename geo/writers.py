"""Write canonical tables to every format the importers read (exports and round trips).

Points become ``lon``/``lat`` columns in CSV and Excel, polygons a WKT ``geometry`` column;
times are written as ISO 8601 text with their UTC offset in every format, so a round trip
through any format gives the same canonical table.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geo.errors import InputFileError
from geo.readers import SUPPORTED
from geo.schema import Table, present


def flat_frame(table: gpd.GeoDataFrame, *, kind: Table) -> pd.DataFrame:
    """Return ``table`` as a plain frame: points as lon/lat, polygons as WKT, times as text.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> t = gpd.GeoDataFrame({"household_id": ["007"]}, geometry=[Point(24.9, 60.1)])
    >>> flat_frame(t, kind="households").to_dict("records")
    [{'household_id': '007', 'lon': 24.9, 'lat': 60.1}]
    """
    frame = pd.DataFrame(table.drop(columns=table.geometry.name))
    if "time" in frame:
        frame["time"] = frame["time"].map(lambda t: "" if pd.isna(t) else t.isoformat())
    geometry = table.geometry
    if kind == "beats":
        frame["geometry"] = shapely.to_wkt(geometry.values, rounding_precision=-1)
    else:
        located = present(geometry)
        frame["lon"] = geometry.x.where(located)
        frame["lat"] = geometry.y.where(located)
    return frame


def _geo_frame(table: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = table.copy()
    if "time" in out:
        out["time"] = out["time"].map(lambda t: "" if pd.isna(t) else t.isoformat())
    return out


def to_bytes(table: gpd.GeoDataFrame, *, kind: Table, suffix: str) -> bytes:
    """Return the bytes of ``table`` written in the format named by ``suffix``."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{kind}{suffix}"
        write_table(table, path, kind=kind)
        return path.read_bytes()


def write_table(table: gpd.GeoDataFrame, path: str | Path, *, kind: Table) -> Path:
    """Write a canonical table to ``path``; the format follows the suffix.

    Supported: ``.csv`` (UTF-8), ``.xlsx``, ``.geojson``, ``.gpkg``, ``.parquet``
    (GeoParquet) and ``.zip`` (zipped Shapefile, column names cut to 10 characters).
    """
    path = Path(path)
    suffix = ".zip" if path.name.lower().endswith(".zip") else path.suffix.lower()
    if suffix not in SUPPORTED or suffix in (".txt", ".json", ".geoparquet"):
        msg = f"{path.name}: cannot write {suffix!r}; use .csv .xlsx .geojson .gpkg .parquet .zip"
        raise InputFileError(msg)
    if suffix == ".csv":
        flat_frame(table, kind=kind).to_csv(path, index=False, encoding="utf-8")
    elif suffix == ".xlsx":
        flat_frame(table, kind=kind).to_excel(path, index=False, engine="openpyxl")
    elif suffix == ".parquet":
        _geo_frame(table).to_parquet(path, index=False)
    elif suffix == ".zip":
        _write_zipped_shapefile(table, path, kind=kind)
    else:
        driver = "GeoJSON" if suffix == ".geojson" else "GPKG"
        _geo_frame(table).to_file(path, driver=driver, engine="pyogrio", layer=kind)
    return path


def _write_zipped_shapefile(table: gpd.GeoDataFrame, path: Path, *, kind: Table) -> None:
    frame = _geo_frame(table)
    frame = frame.rename(columns={c: c[:10] for c in frame.columns if c != "geometry"})
    with tempfile.TemporaryDirectory() as folder:
        shp = Path(folder) / f"{kind}.shp"
        frame.to_file(shp, driver="ESRI Shapefile", engine="pyogrio", encoding="UTF-8")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(Path(folder).iterdir()):
                archive.write(part, part.name)
        path.write_bytes(buffer.getvalue())
