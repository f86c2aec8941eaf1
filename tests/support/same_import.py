"""Assert that two routes through the importer imported the same thing."""

from __future__ import annotations

import dataclasses
from typing import Any

import shapely
from geopandas.testing import assert_geodataframe_equal


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
