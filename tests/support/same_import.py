"""Assert that two routes through the importer imported the same thing."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
import shapely
from geopandas.testing import assert_geodataframe_equal

from geo.importer import CODED_VISIT_COLUMNS, SCORE_DTYPE
from geo.schema import GPS_COLUMNS, present


def assert_same_import(fast: Any, slow: Any, *, context: object = None) -> None:
    """Fail unless ``fast`` and ``slow`` (``Imported``) hold equal tables and findings.

    The tables are compared with their dtypes, the geometries also as WKB (bit for bit),
    the findings field by field; ``context`` names the case in a failure.
    """
    assert_geodataframe_equal(fast.table, slow.table, check_less_precise=False)
    wkb = [shapely.to_wkb(part.table.geometry.to_numpy()).tolist() for part in (fast, slow)]
    assert wkb[0] == wkb[1], context
    assert [_finding(f) for f in fast.report.findings] == [
        _finding(f) for f in slow.report.findings
    ], context


def _finding(finding: object) -> str:
    return repr(dataclasses.asdict(finding))  # type: ignore[call-overload]


def assert_same_gps(points: Any, columns: Any, *, context: object = None) -> None:
    """Fail unless visits read without points (``columns``, ``Imported``) hold what the
    import with points holds: the same columns and findings, and as GPS columns the
    points' coordinates bit for bit (NaN where a visit has no point)."""
    plain = pd.DataFrame(points.table.drop(columns="geometry"))
    assert list(columns.table.columns) == [*plain.columns, *GPS_COLUMNS], context
    given = columns.table.drop(columns=list(GPS_COLUMNS))
    for column in CODED_VISIT_COLUMNS:  # codes of the same texts
        assert isinstance(given[column].dtype, pd.CategoricalDtype), (context, column)
    assert given["satisfaction"].dtype == SCORE_DTYPE, context  # the same scores, a byte each
    texts = given.astype({c: plain[c].dtype for c in (*CODED_VISIT_COLUMNS, "satisfaction")})
    pd.testing.assert_frame_equal(texts, plain)
    geoms = points.table.geometry.to_numpy()
    located = present(geoms)
    for column, coordinate in zip(GPS_COLUMNS, (shapely.get_x, shapely.get_y), strict=True):
        want = np.full(len(geoms), np.nan)
        want[located] = coordinate(geoms[located])
        got = columns.table[column].to_numpy(dtype=np.float64)
        assert got.tobytes() == want.tobytes() or (
            np.array_equal(np.isnan(got), np.isnan(want))
            and (got[~np.isnan(got)].tobytes() == want[~np.isnan(want)].tobytes())
        ), (context, column)
    assert [_finding(f) for f in points.report.findings] == [
        _finding(f) for f in columns.report.findings
    ], context
