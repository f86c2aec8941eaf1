"""The printable beat report: figures, an inline SVG map, the work list, escaped text."""

from __future__ import annotations

import datetime as dt
import io
import re

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

from analysis.pipeline import Analysis
from analysis.scope import Scope, restrict
from app import views
from app.colors import COVERAGE_PALETTE, MISSING_COLOR
from app.report import beat_report, report_columns, svg_map
from app.state import build_view
from app.tables import to_csv, to_excel
from geo.importer import Dataset

HOSTILE = "<script>alert('x')</script> & Co"

# Two blocks one above the other, ~110 m tall each, in Helsinki: the north one at 10 %
# coverage (first red of the default 0.8 threshold scale: 0-20 %), the south one at 90 %
# (blue: >= 80 %). A third block has no households (coverage NaN: grey).
BLOCKS = gpd.GeoDataFrame(
    {
        "block_id": ["north", "south", "empty"],
        "coverage": [0.1, 0.9, float("nan")],
    },
    geometry=[
        box(24.940, 60.171, 24.942, 60.172),
        box(24.940, 60.170, 24.942, 60.171),
        box(24.943, 60.170, 24.944, 60.171),
    ],
    crs="EPSG:4326",
)
OUTLINE = gpd.GeoSeries([box(24.9395, 60.1695, 24.9445, 60.1725)], crs="EPSG:4326")


def path_ys(svg: str) -> list[list[float]]:
    """Return the y coordinates of each <path> (M x y L x y ... Z)."""
    ys = []
    for d in re.findall(r'<path d="([^"]*)"', svg):
        numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", d)]
        ys.append(numbers[1::2])
    return ys


def test_svg_map_colours_blocks_by_coverage_north_up() -> None:
    svg = svg_map(BLOCKS, outline=OUTLINE)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    fills = re.findall(r'fill="(#[0-9a-f]{6})" fill-rule', svg)
    assert fills == [COVERAGE_PALETTE[0], COVERAGE_PALETTE[4], MISSING_COLOR]
    assert svg.count("<path") == 4  # three blocks and the beat outline
    north, south, *_ = path_ys(svg)
    # SVG y grows downwards: the north block lies above (smaller y) the south one (UTM
    # grid north is a little off true north here, so compare their middles)
    assert sum(north) / len(north) + 150 < sum(south) / len(south)
    assert "<title>north</title>" in svg


def test_svg_map_of_nothing_is_an_empty_frame() -> None:
    empty = BLOCKS.iloc[0:0]
    assert svg_map(empty).count("<path") == 0


def test_beat_report_holds_figures_map_list_and_escapes_data() -> None:
    work = pd.DataFrame(
        {
            "priority_rank": [1, 2],
            "household_id": ["0042", "0043"],
            "address": [HOSTILE, "Mannerheimintie 1"],
            "block_id": ["north", "north"],
            "vulnerable_category": ["elderly_alone", ""],
            "vulnerable_overdue": [True, False],
            "attempts": [2, 0],
            "last_contact": [pd.NaT, pd.NaT],
            "days_waiting": [40.0, 12.5],
            "recommended_band": ["evening", "morning"],
        }
    )
    beat = {
        "beat_id": "B01",
        "name": "Siltasaari <b>",
        "station": "Central",
        "households": 12,
        "contacted_households": 6,
        "coverage": 0.5,
        "vulnerable_overdue": 1,
        "open_follow_ups": 3,
        "flagged_visits": 4,
    }
    html = beat_report(
        beat=beat,
        blocks=BLOCKS,
        work_list=work[report_columns(work.columns)],
        window=(dt.date(2026, 7, 1), dt.date(2026, 9, 28)),
        dataset_name="demo & test",
        outline=OUTLINE,
        lang="en",
        generated=dt.datetime(2026, 10, 1, 8, 30),
    )
    # figures
    for text in (
        "Households",
        ">12<",
        "Coverage",
        ">50%<",
        "Still to visit",
        ">2<",
        "Open follow-ups",
        ">3<",
        "Visits not counted",
        ">4<",
    ):
        assert text in html, text
    assert "2026-07-01" in html and "2026-09-28" in html and "Generated 2026-10-01 08:30" in html
    # map
    assert html.count("<svg") == 1 and html.count("<path") == 4
    # list: translated headers and codes, in order
    assert "Address" in html and "elderly living alone" in html and "evening (17–21)" in html
    assert html.index("0042") < html.index("0043")
    # escaped data; the page runs nothing and loads nothing
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; Co" in html
    assert "Siltasaari &lt;b&gt;" in html and "demo &amp; test" in html
    assert "<script" not in html and "<b>" not in html
    assert not re.search(r"""(?:src|href)\s*=|url\(|@import""", html)
    assert "© OpenStreetMap contributors" in html


def test_beat_report_in_chinese_with_nothing_to_visit() -> None:
    html = beat_report(
        beat={"beat_id": "B02", "households": 3, "coverage": 1.0},
        blocks=BLOCKS.iloc[1:2],
        work_list=pd.DataFrame(columns=["household_id", "address"]),
        window=(dt.date(2026, 7, 1), dt.date(2026, 7, 31)),
        dataset_name="演示",
        lang="zh",
    )
    assert '<html lang="zh">' in html
    assert "警务区 B02" in html and "住户数" in html and ">100%<" in html
    assert "所有住户均已见面。" in html and "<table" not in html


# --------------------------------------------------------------------------- downloads


def test_table_downloads_translate_headers_and_codes() -> None:
    table = pd.DataFrame(
        {
            "block_id": ["north"],
            "reasons": ["low_coverage;vulnerable_overdue"],
            "recommended_band": ["evening"],
            "last_contact": [pd.Timestamp("2026-07-01 18:05", tz="Europe/Helsinki")],
            "address": [HOSTILE],
        }
    )
    text = to_csv(table, lang="zh").decode("utf-8")
    assert text.startswith("\ufeff")  # BOM: Excel opens Chinese CSV correctly
    assert text.splitlines()[0] == "\ufeff街区,原因,最佳走访时段,最近见面,地址"
    assert "覆盖率低、弱势群体逾期" in text and "2026-07-01 18:05:00" in text
    assert to_csv(table, headers=False).decode("utf-8-sig").splitlines()[0] == (
        "block_id,reasons,recommended_band,last_contact,address"
    )
    book = pd.read_excel(io.BytesIO(to_excel(table, lang="en")))
    assert list(book.columns) == [
        "Block",
        "Reasons",
        "Best time to visit",
        "Last contact",
        "Address",
    ]
    assert book.loc[0, "Reasons"] == "low coverage, vulnerable overdue"
    assert book.loc[0, "Address"] == HOSTILE  # a spreadsheet cell is text, never markup
    assert book.loc[0, "Last contact"] == pd.Timestamp("2026-07-01 18:05")  # local time


def test_the_demo_report_of_a_beat_holds_every_to_do(
    demo_analysis: Analysis, demo_data: Dataset
) -> None:
    # My beat prints views.todos of its list: every household of B01 with a to-do (never
    # contacted, vulnerable overdue, open follow-up), in walking order, and no other
    scope = Scope.for_beats(["B01"])
    view = build_view(restrict(demo_analysis, scope), demo_data, scope)
    homes = demo_analysis.households
    needing = homes[(homes["beat_id"] == "B01") & homes["needs_visit"]]
    first = needing["household_id"].iloc[-1]
    order = pd.Series([1], index=[first], dtype="Int64")
    listed = views.beat_list(view.households, view.analysis.blocks, ["B01"], order=order)
    todo = views.todos(listed)
    kinds = ("never_contacted", "vulnerable_overdue", "open_follow_up")
    assert all(needing["needs_visit_reasons"].str.contains(k).any() for k in kinds)
    html = beat_report(
        beat={"beat_id": "B01"},
        blocks=view.analysis.blocks.iloc[:0],
        work_list=todo[report_columns(todo.columns)],
        window=demo_analysis.window,
        dataset_name="demo",
    )
    rows = re.findall(r'<tr><td class="tick">☐</td><td>([^<]*)</td><td>([^<]*)</td>', html)
    assert len(rows) == len(needing)
    assert {household for _, household in rows} == set(needing["household_id"])
    assert rows[0] == ("1", first)  # the walk order comes first
    assert f"Still to visit ({len(needing)})" in html
