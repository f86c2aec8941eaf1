"""The upward report's words, in English and Chinese: column labels, headings, notes.

Why a catalogue here and not the app's (``app/locales``): ``analysis`` never imports
``app`` (DESIGN.md), and the command line writes the report with no app at all. The column
labels the app also shows are the app's words, kept equal by
``tests/analysis/test_report_labels.py`` (so a chief reads the same "覆盖率" on the Overview
page and in the PDF); the rest belongs to the report alone. Texts are ``str.format``
templates; both languages hold the same keys and placeholders (tested).

Examples
--------
>>> labels("zh")["coverage"]
'覆盖率'
>>> text("page", "en", page=2, pages=3)
'Page 2 of 3'
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from geo.errors import ReportError

LANGUAGES: Final = ("en", "zh")
"""The report's languages (``--lang``)."""

_EN: Final = {
    # columns
    "station": "Station",
    "beat_id": "Beat",
    "name": "Name",
    "households": "Households",
    "visited_households": "Visited households",
    "contacted_households": "Contacted households",
    "coverage": "Coverage",
    "coverage_change": "Coverage change",
    "coverage_change_pp": "Coverage change (pp)",
    "vulnerable_households": "Vulnerable households",
    "vulnerable_seen": "Vulnerable seen",
    "vulnerable_overdue": "Vulnerable overdue",
    "follow_ups_raised": "Issues raised",
    "follow_ups_closed": "Follow-ups closed",
    "follow_ups_open": "Open follow-ups",
    "visits": "Visits",
    "not_counted_visits": "Visits not counted",
    "review_visits": "Visits in review",
    "mean_satisfaction": "Mean satisfaction",
    "officer_id": "Officer",
    "beat_ids": "Beats",
    "workload_h": "Workload (h)",
    "available_h": "Hours available",
    "short_h": "Hours short",
    "week_start": "Week",
    "cumulative_coverage": "Coverage so far",
    # texts
    "title": "Door-to-door visits: report by station",
    "window": "Window {start} – {end} · Dataset: {dataset}",
    "previous": "Changes are against {start} – {end}.",
    "no_previous": "No change is shown: {start} – {end} has no visits to compare with.",
    "summary": "Summary",
    "by_station": "By station",
    "by_beat": "By beat",
    "station_heading": "Station: {station}",
    "map": "Blocks by coverage",
    "trend": "Weekly trend: share of households contacted since the window began",
    "officers_short": "Officers short of time: workload per {days:g} days against {hours:g} h",
    "no_officer_short": "No officer is short of time.",
    "no_officers": "The beats name no officers.",
    "total": "Total",
    "no_station": "No station",
    "no_households": "no households",
    "page": "Page {page} of {pages}",
    "generated": "Generated {time}",
    "map_credit": "Streets and blocks: © OpenStreetMap contributors (ODbL)",
    "notes": (
        "Visited: at least one visit in the window. Contacted: a counted face-to-face "
        "contact. Vulnerable seen: vulnerable households contacted. Issues raised in the "
        "window; follow-ups closed in the window; open: past their limit at its end. "
        "Visits not counted and in review: by verification, in the window."
    ),
    # workbook sheets
    "sheet_stations": "Stations",
    "sheet_beats": "Beats",
    "sheet_officers": "Officers",
    "sheet_trend": "Weekly trend",
}

_ZH: Final = {
    "station": "派出所",
    "beat_id": "警务区",
    "name": "名称",
    "households": "住户数",
    "visited_households": "已走访住户",
    "contacted_households": "已见面住户",
    "coverage": "覆盖率",
    "coverage_change": "覆盖率变化",
    "coverage_change_pp": "覆盖率变化（百分点）",
    "vulnerable_households": "弱势群体住户",
    "vulnerable_seen": "弱势群体已见面",
    "vulnerable_overdue": "弱势群体逾期",
    "follow_ups_raised": "新反映问题",
    "follow_ups_closed": "已办结回访",
    "follow_ups_open": "未办结回访",
    "visits": "走访次数",
    "not_counted_visits": "不计入的走访",
    "review_visits": "待审核走访",
    "mean_satisfaction": "平均满意度",
    "officer_id": "民警",
    "beat_ids": "警务区",
    "workload_h": "工作量（小时）",
    "available_h": "可用时间（小时）",
    "short_h": "缺少时间（小时）",
    "week_start": "周",
    "cumulative_coverage": "累计覆盖率",
    "title": "入户走访情况报告（按派出所）",
    "window": "统计时段 {start} 至 {end} · 数据集：{dataset}",
    "previous": "变化与 {start} 至 {end} 相比。",
    "no_previous": "不显示变化：{start} 至 {end} 没有可比较的走访记录。",
    "summary": "汇总",
    "by_station": "各派出所",
    "by_beat": "各警务区",
    "station_heading": "派出所：{station}",
    "map": "各街区走访覆盖率",
    "trend": "每周趋势：自统计开始以来已见面住户的比例",
    "officers_short": "时间不足的民警：每 {days:g} 天的工作量与可用 {hours:g} 小时相比",
    "no_officer_short": "没有民警时间不足。",
    "no_officers": "警务区未登记责任民警。",
    "total": "合计",
    "no_station": "无派出所",
    "no_households": "无住户",
    "page": "第 {page} 页，共 {pages} 页",
    "generated": "生成于 {time}",
    "map_credit": "街道与街区：© OpenStreetMap 贡献者（ODbL）",
    "notes": (
        "已走访：统计时段内至少走访一次。已见面：计入的当面见面。弱势群体已见面：已见面的"
        "弱势群体住户。新反映问题：统计时段内反映；已办结回访：统计时段内办结；未办结回访："
        "时段结束时已超过办理期限。不计入的走访与待审核走访：经核验，统计时段内。"
    ),
    "sheet_stations": "派出所",
    "sheet_beats": "警务区",
    "sheet_officers": "民警工作量",
    "sheet_trend": "每周趋势",
}

CATALOGUES: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {"en": MappingProxyType(_EN), "zh": MappingProxyType(_ZH)}
)
"""Language -> key -> text (read-only)."""


def labels(lang: str) -> Mapping[str, str]:
    """Return the report's catalogue for ``lang``.

    Raises
    ------
    ReportError
        If ``lang`` is not one of :data:`LANGUAGES`.
    """
    if lang not in CATALOGUES:
        msg = f"unknown report language {lang!r}; use one of {', '.join(LANGUAGES)}"
        raise ReportError(msg)
    return CATALOGUES[lang]


def text(key: str, lang: str, **values: Any) -> str:
    """Return the text ``key`` in ``lang`` with ``values`` filled in."""
    return labels(lang)[key].format(**values)


__all__ = ["CATALOGUES", "LANGUAGES", "labels", "text"]
