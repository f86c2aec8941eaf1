r"""The files, as a station and a GIS office hand them over.

- ``beats.geojson``: a standard GeoJSON (RFC 7946, WGS84), one feature per line, with the
  attribute names a Chinese GIS office uses (``警务区编号``, ``警务区名称``, ``所属派出所``,
  ``责任民警``), mapped by the alias table.
- ``households.csv`` and ``visits.csv``: GBK-encoded CSV with Chinese headers from the alias
  table, GCJ-02 coordinates (as a Gaode-based app records them) and local times without a
  zone (``2026-07-01 18:05:00``, Asia/Shanghai).

Everything is deterministic: sorted rows, fixed decimals, ``\n`` newlines.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from shapely.geometry import Polygon

from .beats import Beats
from .households import Entities
from .params import GCJ_DECIMALS, KIND_LABELS, OUTCOME_LABELS, TZ_NAME, WINDOW_START
from .simulation import Visit

ENCODING = "gbk"
"""Encoding of the CSV exports."""
BEAT_HEADERS = {
    "beat_id": "警务区编号",
    "name": "警务区名称",
    "station": "所属派出所",
    "officer_ids": "责任民警",
}
HOUSEHOLD_HEADERS = ("住户编号", "地址", "经度", "纬度", "居住人数", "关爱对象", "类型")
"""household_id, address, lon, lat, residents, vulnerable, kind."""
VISIT_HEADERS = (
    "走访编号",
    "住户编号",
    "民警",
    "走访时间",
    "结果",
    "时长(分钟)",
    "经度",
    "纬度",
    "反映问题",
    "回访编号",
    "满意度",
    "备注",
)
"""visit_id, household_id, officer_id, time, outcome, duration_min, lon, lat, issue_raised,
follow_up_of, satisfaction, note."""
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def _coords(geom: Polygon) -> list[list[list[float]]]:
    rings = [geom.exterior, *geom.interiors]
    return [[[round(x, 7), round(y, 7)] for x, y in r.coords] for r in rings]


def beats_geojson(beats: Beats) -> str:
    """Return the beats as a GeoJSON FeatureCollection, one feature per line."""
    feats = []
    for i in range(len(beats.beat_id)):
        g = beats.geometry[i]
        if g.geom_type == "Polygon":
            geom = {"type": "Polygon", "coordinates": _coords(g)}
        else:
            geom = {"type": "MultiPolygon", "coordinates": [_coords(p) for p in g.geoms]}
        values = {
            "beat_id": beats.beat_id[i],
            "name": beats.name[i],
            "station": beats.station[i],
            "officer_ids": ";".join(beats.officer_ids[i]),
        }
        props = {BEAT_HEADERS[k]: v for k, v in values.items()}
        feat = {"type": "Feature", "properties": props, "geometry": geom}
        feats.append(json.dumps(feat, ensure_ascii=False, separators=(", ", ": ")))
    head = '{"type": "FeatureCollection", "name": "beats", "features": ['
    return "\n".join([head, ",\n".join(feats), "]}"]) + "\n"


def _fmt(value: float) -> str:
    return f"{value:.{GCJ_DECIMALS}f}"


def households_csv(ent: Entities) -> str:
    """Return the households table as CSV text (Chinese headers and kinds, GCJ-02)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HOUSEHOLD_HEADERS)
    for i in range(len(ent)):
        res = ent.residents[i]
        w.writerow(
            [
                ent.ids[i],
                ent.address[i],
                _fmt(ent.gcj[i, 0]),
                _fmt(ent.gcj[i, 1]),
                "" if res is None else res,
                ent.vulnerable[i],
                KIND_LABELS[ent.kind[i]],
            ]
        )
    return buf.getvalue()


def local_time(day: int, sec: int) -> datetime:
    """Local time (Asia/Shanghai) ``sec`` seconds after midnight of window day ``day``."""
    d = WINDOW_START + timedelta(days=day)
    return datetime(d.year, d.month, d.day, tzinfo=ZoneInfo(TZ_NAME)) + timedelta(seconds=sec)


def iso(day: int, sec: int) -> str:
    """ISO 8601 with offset, e.g. ``2026-07-01T18:05:00+08:00`` (for the ground truth)."""
    return local_time(day, sec).isoformat(timespec="seconds")


def visits_csv(visits: list[Visit], ent: Entities, gps_gcj: dict[int, np.ndarray]) -> str:
    """Return the visits table as CSV text (visits already sorted and numbered)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(VISIT_HEADERS)
    for k, v in enumerate(visits):
        point = gps_gcj.get(k)
        w.writerow(
            [
                v.visit_id,
                ent.ids[v.hh],
                v.officer,
                local_time(v.day, v.sec).strftime(TIME_FORMAT),
                OUTCOME_LABELS[v.outcome],
                v.duration,
                "" if point is None else _fmt(point[0]),
                "" if point is None else _fmt(point[1]),
                v.issue,
                "" if v.follow_up_of < 0 else visits[v.follow_up_of].visit_id,
                "" if v.satisfaction is None else v.satisfaction,
                v.note,
            ]
        )
    return buf.getvalue()
