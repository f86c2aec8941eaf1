"""Acceptance of ``python -m analysis report --demo --lang zh`` (issue #13, item 6).

One report is made per module (the CLI on the embedded demo, the street file the copy in
a temporary folder that test_cli.py uses too: tests/analysis/conftest.py) and read back: the
PDF with poppler's ``pdfinfo``, ``pdftotext`` and ``pdftoppm`` (the pages go to
``test-artifacts/report_*.png``), the workbook with openpyxl. Without poppler the tests are
skipped, except on CI (``CI`` set), where a missing tool is a broken machine and the tests
fail.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from analysis.cli import main
from analysis.report_labels import labels
from geo.demo import DEMO_FILES
from geo.importer import read_beats

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


def poppler(tool: str) -> str:
    """Return the path of a poppler tool; skip without it, fail on CI."""
    found = shutil.which(tool)
    if found is None:
        msg = f"{tool} (Debian's poppler-utils) is not installed"
        if os.environ.get("CI"):
            pytest.fail(msg + " -- CI is set, so this is a failure, not a skip")
        pytest.skip(msg)
    return found


def run(*args: str) -> str:
    done = subprocess.run(args, capture_output=True, check=True, timeout=120)
    return done.stdout.decode("utf-8")


@pytest.fixture(scope="module")
def report(streets: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "out"
    argv = ["report", "--demo", "--lang", "zh", "--streets", str(streets), "--out", str(out)]
    assert main([*argv, "--no-progress"]) == 0
    return out


@pytest.fixture(scope="module")
def stations() -> list[str]:
    beats = read_beats(DEMO_FILES["beats"]).table.sort_values("beat_id")
    return beats["station"].drop_duplicates().tolist()


def page_text(pdf: Path, page: int) -> str:
    return run(poppler("pdftotext"), "-f", str(page), "-l", str(page), str(pdf), "-")


def test_the_outputs_are_the_pdf_and_the_workbook_private(report: Path) -> None:
    assert sorted(p.name for p in report.iterdir()) == ["report.pdf", "report.xlsx"]
    assert all(p.stat().st_mode & 0o077 == 0 for p in report.iterdir())


def test_the_pdf_has_a_summary_then_a_page_per_station(report: Path, stations: list[str]) -> None:
    info = run(poppler("pdfinfo"), str(report / "report.pdf"))
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]
    assert pages == 1 + len(stations) == 3
    assert re.search(r"^Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info, re.M)
    words = labels("zh")
    summary = page_text(report / "report.pdf", 1)
    assert words["title"] in summary and words["by_station"] in summary
    assert all(s in summary for s in stations)  # the table by station
    assert "第 1 页，共 3 页" in summary
    for number, station in enumerate(stations, start=2):
        text = page_text(report / "report.pdf", number)
        assert words["station_heading"].format(station=station) in text
        assert f"第 {number} 页，共 3 页" in text


def test_pdftotext_shows_the_chinese_labels(report: Path) -> None:
    text = run(poppler("pdftotext"), str(report / "report.pdf"), "-")
    flat = re.sub(r"\s+", "", text)  # table headers wrap inside their cells
    for label in ("见面", "覆盖率", "已走访住户", "弱势群体逾期", "未办结回访", "待审核走访"):
        assert label in flat, label
    # the demo's data start with the window: the previous period has no visit, so no change
    assert "没有可比较的走访记录" in flat
    assert "汉中路警务区" in flat and "时间不足的民警" in flat


def test_the_pages_render_to_png(report: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob("report_*.png"):
        old.unlink()
    run(
        poppler("pdftoppm"),
        "-r",
        "80",
        "-png",
        str(report / "report.pdf"),
        str(ARTIFACTS / "report"),
    )
    pages = sorted(ARTIFACTS.glob("report-*.png"))
    assert len(pages) == 3
    for page in pages:  # report-1.png -> report_1.png
        page.rename(page.with_name(page.name.replace("report-", "report_")))
    shots = sorted(ARTIFACTS.glob("report_*.png"))
    assert [p.name for p in shots] == ["report_1.png", "report_2.png", "report_3.png"]
    assert all(p.stat().st_size > 20_000 for p in shots)  # pictures, not blank pages


def test_the_map_and_charts_are_vector_drawings(report: Path) -> None:
    listed = run(poppler("pdfimages"), "-list", str(report / "report.pdf")).splitlines()
    assert len(listed) == 2  # the header lines alone: no picture is embedded as an image
    assert (report / "report.pdf").stat().st_size < 150_000  # 361 KB with PNG charts


def test_the_workbook_is_formatted_in_chinese(report: Path, stations: list[str]) -> None:
    book = openpyxl.load_workbook(report / "report.xlsx")
    assert book.sheetnames == ["派出所", "警务区", "民警工作量", "每周趋势"]
    sheet = book["派出所"]
    headers = [c.value for c in sheet[1]]
    assert headers[:5] == ["派出所", "住户数", "已走访住户", "已见面住户", "覆盖率"]
    assert sheet.freeze_panes == "B2"
    coverage = headers.index("覆盖率") + 1
    change = headers.index("覆盖率变化") + 1
    rows = list(sheet.iter_rows(min_row=2))
    assert [r[0].value for r in rows] == [*stations, "合计"]
    for row in rows:
        assert row[coverage - 1].number_format == "0.0%"
        assert 0.0 < row[coverage - 1].value < 1.0  # a share, shown as a percentage
        assert row[change - 1].value is None  # blank: the previous period has no visit
    assert sheet.column_dimensions["A"].width >= 12  # fitted, not Excel's default
    beats = book["警务区"]
    assert beats.freeze_panes == "B2" and beats.max_row == 1 + 6
    officers = book["民警工作量"]
    assert [c.value for c in officers[1]][-3:] == [
        "工作量（小时）",
        "可用时间（小时）",
        "缺少时间（小时）",
    ]


def test_bad_options_are_refused_before_anything_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for bad in (["--lang", "fr"], ["--officer-hours", "0"], ["--officer-hours", "many"]):
        with pytest.raises(SystemExit) as exit_:
            main(["report", "--demo", "--out", str(tmp_path / "out"), *bad])
        assert exit_.value.code == 2
    assert not (tmp_path / "out").exists()
    assert "--officer-hours" in capsys.readouterr().err
