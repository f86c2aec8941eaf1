"""A plan's beats over a dataset (geo.plan_import) and the plan_change row of making it current."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from geo.audit import Actor, AuditLog
from geo.errors import ImportRefused, WorkspaceError
from geo.plan_import import PLAN_FILE, with_plan_beats
from geo.schema import WGS84
from geo.workspace import Workspace
from geo.writers import geojson_bytes
from tests.geo.test_workspace import make_dataset

PLANNER = Actor("zhou", "planner")


def plan_content(**columns: list[str]) -> bytes:
    """Two beats: 007 takes the west half of 08's first square (hand-drawn, WGS84)."""
    beats = gpd.GeoDataFrame(
        columns
        or {
            "beat_id": ["007", "08"],
            "name": ["东区", "West"],
            "station": ["中心派出所", ""],
            "officer_ids": ["P1;P2", ""],
        },
        geometry=[box(121.40, 31.20, 121.415, 31.21), box(121.415, 31.20, 121.42, 31.21)],
        crs=WGS84,
    )
    return geojson_bytes(beats)


def test_the_plans_beats_replace_the_datasets_and_nothing_else() -> None:
    data = make_dataset()
    planned = with_plan_beats(data, plan_content(), name="new beats")
    assert planned.name == "new beats" and planned.timezone == data.timezone
    assert planned.households is data.households and planned.visits is data.visits
    table = planned.beats.set_index("beat_id")
    assert table.loc["007", "name"] == "东区" and table.loc["007", "officer_ids"] == "P1;P2"
    assert table.loc["007"].geometry.bounds == pytest.approx((121.40, 31.20, 121.415, 31.21))
    # the earlier findings stay, those of the plan's file follow
    assert planned.report.findings[: len(data.report.findings)] == data.report.findings


def test_a_plan_file_without_beat_ids_is_refused() -> None:
    with pytest.raises(ImportRefused) as refused:
        with_plan_beats(make_dataset(), plan_content(name=["a", "b"]), name="x")
    assert refused.value.report.fatal
    assert all(f.file == PLAN_FILE for f in refused.value.report.fatal)


def test_making_a_plan_current_writes_its_plan_change_row(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    data = make_dataset()
    first = ws.save(data, actor=PLANNER)
    planned = ws.save(with_plan_beats(data, plan_content(), name="plan"), make_current=False)
    assert planned != first and ws.current_id() == first
    with pytest.raises(WorkspaceError, match="no dataset 0123456789ab"):
        ws.set_current("0123456789ab", actor=PLANNER, plan_change="rebalance: 2 -> 2 beats")
    ws.set_current(planned, actor=PLANNER, plan_change="rebalance: 2 -> 2 beats")
    assert ws.current_id() == planned
    rows = AuditLog(ws).rows()
    last = rows.tail(2)[["username", "action", "target"]].to_dict("records")
    assert last == [
        {"username": "zhou", "action": "make_current", "target": f"{planned} plan"},
        {
            "username": "zhou",
            "action": "plan_change",
            "target": f"{planned} rebalance: 2 -> 2 beats",
        },
    ]
    assert (rows["action"] == "plan_change").sum() == 1  # not for the refused id
    assert AuditLog(ws).verify().ok
