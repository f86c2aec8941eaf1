"""Local UTM zones (geo/projection.py): the cached lookup agrees with geopandas'."""

from __future__ import annotations

import random

import geopandas as gpd
import numpy as np
import pytest
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info
from shapely.geometry import Point

from geo.errors import CRSError
from geo.projection import local_utm, projected_xy

# Zone centres and edges, both hemispheres. Like geopandas, the first zone PROJ lists wins:
# Norway's widened 32V is not applied, and a point on a zone edge goes to the western zone.
PLACES = [
    (118.80, 32.05, 32650),  # Nanjing
    (24.94, 60.17, 32635),  # Helsinki
    (5.32, 60.39, 32631),  # Bergen: zone 31 (not the widened 32V)
    (-58.38, -34.60, 32721),  # Buenos Aires, southern hemisphere
    (120.0, 30.0, 32650),  # on the edge between zones 50 and 51: the western one
]


@pytest.mark.parametrize(("lon", "lat", "epsg"), PLACES)
def test_zone_is_the_one_geopandas_estimates(lon: float, lat: float, epsg: int) -> None:
    points = gpd.GeoSeries([Point(lon, lat)], crs="EPSG:4326")
    assert points.estimate_utm_crs().to_epsg() == epsg
    assert local_utm(points).to_epsg() == epsg


def test_projected_data_are_judged_by_their_place_in_wgs84() -> None:
    points = gpd.GeoSeries([Point(118.80, 32.05), Point(118.82, 32.07)], crs="EPSG:4326")
    assert local_utm(points.to_crs(3857)) == local_utm(points)


def test_data_without_a_crs_or_out_of_range_get_a_clear_error() -> None:
    with pytest.raises(CRSError, match="no coordinate system"):
        local_utm(gpd.GeoSeries([Point(118.8, 32.0)]))
    with pytest.raises(CRSError, match="longitude and latitude in range"):
        local_utm(gpd.GeoSeries([Point(500.0, 32.0)], crs="EPSG:4326"))


def test_computed_zones_agree_with_proj_at_random_points() -> None:
    """Points strictly inside a zone are computed, not asked; PROJ is asked here to check."""
    rng = random.Random(20261207)
    for _ in range(12):
        lon, lat = rng.uniform(-180, 180), rng.uniform(-80, 84)
        area = AreaOfInterest(lon, lat, lon, lat)
        first = query_utm_crs_info(datum_name="WGS 84", area_of_interest=area)[0]
        points = gpd.GeoSeries([Point(lon, lat)], crs="EPSG:4326")
        assert local_utm(points).to_epsg() == int(first.code), (lon, lat)


@pytest.mark.parametrize(("lon", "lat"), [(118.8, 0.0), (-180.0, 10.0), (180.0, 10.0)])
def test_points_on_an_edge_take_proj_s_first_zone(lon: float, lat: float) -> None:
    points = gpd.GeoSeries([Point(lon, lat)], crs="EPSG:4326")
    assert local_utm(points) == points.estimate_utm_crs()


def test_projected_xy_is_to_crs_without_geometries() -> None:
    rng = np.random.default_rng(3)
    x = rng.uniform(118.70, 118.86, 2_000)
    y = rng.uniform(32.00, 32.12, 2_000)
    x[::50] = np.nan  # missing GPS stays missing
    points = gpd.GeoSeries(gpd.points_from_xy(x, y), crs="EPSG:4326")
    target = local_utm(points[points.notna() & ~points.is_empty])
    expected = points.to_crs(target)
    got_x, got_y = projected_xy(x, y, source="EPSG:4326", target=target)
    located = np.isfinite(x)
    assert np.array_equal(got_x[located], expected.x.to_numpy()[located])  # bit for bit
    assert np.array_equal(got_y[located], expected.y.to_numpy()[located])
    assert np.isnan(got_x[~located]).all() and np.isnan(got_y[~located]).all()
