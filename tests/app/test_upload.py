"""The Data page's coordinate choices: one for files that carry no system, one per file; a
refused import of misaligned files names the file's choice that fixes it and maps the
households outside every beat.

Files are the hand-made Beijing district of tests/geo/china_fixtures.py: 16 households, 13 of
which fall outside the beats when GCJ-02 is read as WGS84 (worked out in
tests/geo/test_alignment.py).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app import i18n, state
from app.upload import FILE_COORDS, Upload, check_upload, crs_choice, report_frame, store
from geo.audit import SYSTEM
from geo.settings import DEFAULTS
from geo.workspace import Workspace
from tests.geo import china_fixtures as cf
from tests.support import hostile
from tests.support.login import PASSWORD, add_account, logged_in
from tests.support.shared_caches import caches_unchanged  # noqa: F401 (autouse)

HELSINKI_STREETS = (
    Path(__file__).resolve().parents[1] / "fixtures" / "helsinki" / "helsinki.osm.pbf"
)

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")


@pytest.fixture
def workspace_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "workspace"
    monkeypatch.setenv(state.WORKSPACE_ENV, str(folder))
    return folder


def uploads(beats: str) -> dict[str, Upload]:
    """GCJ-02 household and visit CSVs (GBK) and a beats GeoJSON holding ``beats``."""
    with tempfile.TemporaryDirectory() as folder:
        geojson = cf.beats_geojson(Path(folder) / "beats.geojson", beats).read_bytes()
    homes = cf.households_export("gcj02").to_csv(index=False).encode("gbk")
    visits = cf.visits_export("gcj02").to_csv(index=False).encode("gbk")
    return {
        "beats": Upload("beats.geojson", geojson),
        "households": Upload("住户.csv", homes),
        "visits": Upload("走访.csv", visits),
    }


def test_coords_for_undeclared_files_and_a_choice_per_file() -> None:
    files = uploads("gcj02")
    refused = check_upload(files, crs="gcj02", label="t")
    assert not refused.accepted
    fatal = refused.report[refused.report["severity"] == "fatal"]
    assert fatal["code"].tolist() == ["coordinates_mixed_up"]
    assert fatal["file"].tolist() == ["beats.geojson"]
    assert (
        "choose GCJ-02 as the coordinates of the beats file and check again"
        in (fatal["message"].iloc[0])
    )
    # the households outside and the beats come back for the map
    assert refused.outside is not None and len(refused.outside) == 13
    assert refused.beats is not None and sorted(refused.beats["beat_id"]) == ["E1", "W1"]
    accepted = check_upload(
        files,
        crs="gcj02",
        table_crs={"beats": crs_choice("gcj02"), "households": crs_choice("file")},
        label="t",
    )
    assert accepted.accepted and accepted.outside is None


def test_file_choices_are_translated() -> None:
    for lang in i18n.LANGUAGES:
        assert all(i18n.has_key(f"coords.{c}") for c in FILE_COORDS), lang
    assert crs_choice("file") is None and crs_choice("epsg", "4548") == "EPSG:4548"


def set_files(at: AppTest, files: dict[str, Upload]) -> None:
    for table, upload in files.items():
        at.file_uploader(key=f"data_file_{table}").set_value(
            (upload.name, upload.content, "application/octet-stream")
        )
    at.run()


def test_data_page_refuses_misaligned_files_with_a_map_then_takes_the_files_choice(
    workspace_dir: Path,
) -> None:
    at = logged_in(APP, "planner")
    at.switch_page("app/pages/data.py").run()
    assert not at.exception, [e.value for e in at.exception]
    set_files(at, uploads("gcj02"))
    at.selectbox(key="data_coords").set_value("gcj02").run()
    at.button(key="data_check").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.error and "refused" in at.error[0].value
    # a map of where the households outside lie: the beats and 13 points
    maps = [e for e in at.get("component_instance") if "st_folium" in e.proto.component_name]
    assert len(maps) == 1
    script = json.loads(maps[0].proto.json_args)["script"]
    assert script.count('"type": "Point"') == 13 and script.count('"type": "Polygon"') == 2
    # the beats file's own choice fixes it; nothing is stored until asked
    at.selectbox(key="data_coords_beats").set_value("gcj02").run()
    at.button(key="data_check").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.success and "accepted" in at.success[0].value
    assert Workspace(workspace_dir).current_id() is None
    # an EPSG code per file is typed under its file
    at.selectbox(key="data_coords_households").set_value("epsg").run()
    assert at.text_input(key="data_epsg_households").value == ""


# --------------------------------------------------------------------- columns not found


def oakland_uploads() -> dict[str, Upload]:
    """WGS84 household and visit CSVs and beats named in ``Name`` (as Oakland's layer)."""
    with tempfile.TemporaryDirectory() as folder:
        geojson = cf.beats_named_geojson(Path(folder) / "oakland.geojson").read_bytes()
    return {
        "beats": Upload("oakland.geojson", geojson),
        "households": Upload(
            "住户.csv", cf.households_export("wgs84").to_csv(index=False).encode()
        ),
        "visits": Upload("走访.csv", cf.visits_export("wgs84").to_csv(index=False).encode()),
    }


OAKLAND_HEADERS = ["OBJECTID", "Name", "Shape_Area"]


def test_a_missing_column_offers_the_files_headers_and_takes_a_choice(tmp_path: Path) -> None:
    files = oakland_uploads()
    refused = check_upload(files, crs=None, label="t")
    assert not refused.accepted
    assert refused.report["code"].tolist() == ["missing_column"]
    assert list(refused.needs) == ["beats"]
    assert refused.needs["beats"].headers == OAKLAND_HEADERS
    assert refused.needs["beats"].missing == ["beat_id"]
    chosen = {"beats": {"beat_id": "Name"}}
    accepted = check_upload(files, crs=None, label="t", columns=chosen)
    assert accepted.accepted and accepted.needs == {}
    assert sorted(accepted.dataset.beats["beat_id"]) == ["E1", "W1"]
    assert accepted.columns == chosen and accepted.headers == {"beats": OAKLAND_HEADERS}
    # a header the file lacks: the finding names the file and the header, the pick is offered
    wrong = check_upload(files, crs=None, label="t", columns={"beats": {"beat_id": "X"}})
    assert wrong.report["code"].tolist() == ["unknown_column"]
    assert wrong.report["file"].tolist() == ["oakland.geojson"]
    assert "'X'" in wrong.report["message"].iloc[0]
    assert wrong.needs["beats"].missing == ["beat_id"]
    # stored: remembered for files with these headers, and used for the next such file
    ws = Workspace(tmp_path / "ws")
    store(accepted, ws, actor=SYSTEM)
    assert ws.remembered_columns("beats", OAKLAND_HEADERS) == {"beat_id": "Name"}
    again = check_upload(files, crs=None, label="t", workspace=ws)
    assert again.accepted and again.columns == chosen


def test_data_page_lets_the_user_pick_the_column_and_remembers_it(workspace_dir: Path) -> None:
    add_account(workspace_dir, "zhou", "planner")  # a real planner: the import ends the demo
    at = logged_in(APP, "zhou", password=PASSWORD)
    at.switch_page("app/pages/data.py").run()
    set_files(at, oakland_uploads())
    at.button(key="data_check").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.error and "refused" in at.error[0].value
    pick = at.selectbox(key="data_column_beats_beat_id")
    assert pick.options == ["— pick a column —", *OAKLAND_HEADERS]
    assert "oakland.geojson" in pick.label and "beat_id" in pick.label
    pick.set_value("Name").run()
    at.button(key="data_check").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.success and "accepted" in at.success[0].value
    assert not [s for s in at.selectbox if s.key == "data_column_beats_beat_id"]
    at.button(key="data_store").click().run()
    assert not at.exception, [e.value for e in at.exception]
    ws = Workspace(workspace_dir)
    assert sorted(ws.load(ws.current_id()).beats["beat_id"]) == ["E1", "W1"]
    # a new session with the same export: the remembered choice is used, nothing to pick
    fresh = logged_in(APP, "zhou", password=PASSWORD, lang="zh")
    fresh.switch_page("app/pages/data.py").run()
    set_files(fresh, oakland_uploads())
    fresh.button(key="data_check").click().run()
    assert not fresh.exception, [e.value for e in fresh.exception]
    assert fresh.success and not fresh.error
    assert not [s for s in fresh.selectbox if s.key == "data_column_beats_beat_id"]


def test_findings_follow_the_language_and_fall_back_to_english() -> None:
    files = oakland_uploads()
    refused = check_upload(files, crs=None, label="t", columns={"beats": {"beat_id": "X"}})
    zh = report_frame(refused.findings, lang="zh")
    assert zh["message"].tolist() == [
        "oakland.geojson：为 beat_id 指定的列 'X' 不在文件中；请指定文件中的一列："
        "'OBJECTID', 'Name', 'Shape_Area'"
    ]
    assert report_frame(refused.findings)["message"].tolist() == refused.report["message"].tolist()
    # a message about two files names them itself, and the Data page's fix is said in
    # the page's language
    misaligned = check_upload(uploads("gcj02"), crs="gcj02", label="t")
    mixed = report_frame(misaligned.findings, lang="zh")
    assert mixed.loc[mixed["code"] == "coordinates_mixed_up", "message"].iloc[0] == (
        "beats.geojson 看起来是 GCJ-02 坐标，而 住户.csv 是 GCJ-02：把“警务区（面）”文件的坐标系"
        "选为 GCJ-02，然后重新检查（按原样读取，81% 的住户不在任何警务区内；按 GCJ-02 读取后为 0%）"
    )
    english = report_frame(misaligned.findings)
    assert english.loc[english["code"] == "coordinates_mixed_up", "message"].iloc[0] == (
        "beats.geojson looks like GCJ-02 while 住户.csv is GCJ-02: choose GCJ-02 as the "
        "coordinates of the beats file and check again (as read, 81% of the households lie "
        "outside every beat; read as GCJ-02, 0%)"
    )
    warnings = mixed[mixed["code"] == "outside_beats"]
    assert warnings.empty or "不在任何警务区内" in warnings["message"].iloc[0]


def test_an_empty_file_is_refused_in_chinese_and_other_unreadables_in_english() -> None:
    # an empty file has a template; other unreadable files keep their English message,
    # under the code's translated name
    files = {**uploads("gcj02"), "households": Upload("住户.csv", b"")}
    refused = check_upload(files, crs="gcj02", label="t")
    zh = report_frame(refused.findings, lang="zh")
    assert zh[["code", "message"]].values.tolist() == [
        ["unreadable", "住户.csv：文件是空的；请连同标题行重新导出该表"]
    ]
    assert report_frame(refused.findings)["message"].tolist() == [
        "住户.csv: the file is empty; export the table again with its header row"
    ]


def test_data_page_shows_findings_in_chinese(workspace_dir: Path) -> None:
    at = logged_in(APP, "planner", lang="zh")
    at.switch_page("app/pages/data.py").run()
    # Streamlit writes its drop zone's texts in English; a style sheet per uploader shows
    # ours instead (the browser test sees them drawn), and the help says the same
    helps = {u.proto.help for u in at.get("file_uploader")}
    assert helps == {"把文件拖到框内，或点击“上传”选择文件。每个文件不超过 200 MB。"}
    sheets = " ".join(h.proto.body for h in at.get("html"))
    for key in [u.id.rsplit("-", 1)[-1] for u in at.get("file_uploader")]:
        assert f".st-key-{key} " in sheets, key
    assert 'content:"上传"' in sheets and 'content:"把文件放到这里"' in sheets
    assert 'content:"每个文件不超过 200 MB • CSV, GEOJSON' in sheets
    set_files(at, oakland_uploads())
    at.button(key="data_check").click().run()
    assert not at.exception, [e.value for e in at.exception]
    shown = at.dataframe[0].value
    messages = [str(v) for v in shown.to_numpy().ravel()]
    assert any(
        "缺少必需的列 'beat_id'" in m and "oakland.geojson，列“beat_id”" in m for m in messages
    )


def day_first_uploads() -> dict[str, Upload]:
    """The uploads (read with GCJ-02) with visit times written day first (01/07/2026 09:00)."""
    files = uploads("wgs84")
    visits = cf.visits_export("gcj02")
    times = pd.to_datetime(visits["走访时间"])
    visits["走访时间"] = times.dt.strftime("%d/%m/%Y %H:%M")
    files["visits"] = Upload("走访.csv", visits.to_csv(index=False).encode("gbk"))
    return files


def test_a_stray_byte_is_refused_with_its_row_in_both_languages() -> None:
    files = uploads("wgs84")
    text = cf.households_export("wgs84").to_csv(index=False).encode()
    lines = text.splitlines(keepends=True)
    lines[4] = lines[4].replace("示范街".encode(), b"\xff" + "示范街".encode())  # row 5
    files["households"] = Upload("住户.csv", b"".join(lines))
    refused = check_upload(files, crs=None, label="t")
    assert not refused.accepted
    assert refused.report[["code", "file", "row", "column"]].values.tolist() == [
        ["bad_encoding", "住户.csv", 5, "地址"]
    ]
    [zh] = report_frame(refused.findings, lang="zh")["message"]
    assert zh == (
        "住户.csv，第 5 行，列“地址”：字节 0xFF 不是 UTF-8，文件也不是 GBK/GB18030 编码的中文文本；"
        "请把文件另存为 UTF-8（Excel：另存为“CSV UTF-8”）后重新导入"
    )


def test_the_date_order_comes_with_the_settings() -> None:
    refused = check_upload(day_first_uploads(), crs="gcj02", label="t")
    fatal = refused.report[refused.report["severity"] == "fatal"]
    assert fatal[["code", "file", "row", "column"]].values.tolist() == [
        ["ambiguous_date_order", "走访.csv", 2, "走访时间"]
    ]
    accepted = check_upload(
        day_first_uploads(), crs="gcj02", label="t", settings=DEFAULTS.replace(date_order="dmy")
    )
    assert accepted.dataset is not None
    times = accepted.dataset.visits["time"].dt.tz_localize(None)
    assert times.tolist() == pd.to_datetime(cf.visits_export("gcj02")["走访时间"]).tolist()


def test_data_page_takes_the_date_order(workspace_dir: Path) -> None:
    at = logged_in(APP, "planner")
    at.switch_page("app/pages/data.py").run()
    set_files(at, day_first_uploads())
    at.selectbox(key="data_coords").set_value("gcj02").run()
    at.button(key="data_check").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.error and not at.success
    shown = [str(v) for v in at.dataframe[0].value.to_numpy().ravel()]
    assert any("'01/07/2026 09:00' could be 2026-07-01 (day/month/year)" in m for m in shown)
    at.selectbox(key="data_date_order").set_value("dmy").run()
    at.button(key="data_check").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.success and not at.error


def test_a_street_file_that_misses_the_households_is_refused(tmp_path: Path) -> None:
    # The Beijing district's own street grid reaches every household: accepted. Helsinki's
    # extract is some 6,000 km away: refused, naming the file and the way to the blocks.
    files = uploads("wgs84")
    with tempfile.TemporaryDirectory() as folder:
        grid = cf.streets_osm(Path(folder) / "streets.osm").read_bytes()
    own = check_upload(files, crs="gcj02", label="t", streets=Upload("streets.osm", grid))
    assert own.accepted, own.report
    # stored, the grid is kept with the dataset and is the street file the app uses for it
    ws = Workspace(tmp_path / "ws")
    dataset_id = store(own, ws, actor=SYSTEM)
    kept = ws.streets_file(dataset_id)
    assert kept == tmp_path / "ws" / "streets" / f"{dataset_id}.osm" and kept.read_bytes() == grid
    assert state.streets_file(state.DatasetRef(str(ws.folder), dataset_id)) == kept
    helsinki = HELSINKI_STREETS.read_bytes()
    far = check_upload(
        files,
        crs="gcj02",
        label="t",
        streets=Upload("helsinki.osm.pbf", helsinki),
    )
    assert not far.accepted
    (row,) = far.report[far.report["code"] == "streets_miss"].to_dict("records")
    assert row["severity"] == "fatal" and row["file"] == "helsinki.osm.pbf"
    assert "100% of the households lie farther than 50 m from every block" in row["message"]
    assert "km" in row["message"] and "north-west" in row["message"]
    (zh,) = report_frame(far.findings, lang="zh").query("code == 'streets_miss'")["message"]
    assert zh.startswith("helsinki.osm.pbf：街区与警务区不重合：100% 的住户距任何街区都超过 50 米")
    assert "西北方向" in zh
    broken = check_upload(files, crs="gcj02", label="t", streets=Upload("s.osm", b"<x"))
    assert not broken.accepted
    assert set(broken.report["code"]) >= {"unreadable"}


def test_beat_overlaps_and_gaps_follow_the_language() -> None:
    # Two beats of 0.001 x 0.001 degrees overlapping by a quarter of their width, at
    # Nanjing's latitude; a third beat leaves a closed pocket with the first two.
    from shapely.geometry import box

    from app.upload import finding_text
    from geo.topology import check_beat_polygons

    beats = gpd.GeoDataFrame(
        {"beat_id": ["B1", "B2"]},
        geometry=[box(118.780, 32.040, 118.781, 32.041), box(118.78075, 32.040, 118.78175, 32.041)],
        crs="EPSG:4326",
    )
    (overlap,) = check_beat_polygons(beats, source="beats.geojson").findings
    assert overlap.code == "beats_overlap" and overlap.row == 1
    assert overlap.message.startswith("beats B1 and B2 overlap by 2,")
    zh = finding_text(overlap, "zh")
    assert zh.startswith("beats.geojson，第 1 个要素：警务区 B1 与 B2 重叠 2,")
    assert zh.endswith("重叠处的住户将计入编号较小的警务区。请重新绘制共同边界")


# --------------------------------------------------------------------- hostile uploads


def test_hostile_uploads_get_findings_on_the_data_page(workspace_dir: Path) -> None:
    # a VRT named .geojson and a workbook with one cell at XFD1048576: findings, in
    # Chinese, naming each file; no traceback, no server path, nothing stored
    with tempfile.TemporaryDirectory() as folder:
        workbook = hostile.far_cell_workbook(Path(folder) / "x.xlsx").read_bytes()
    files = {
        **uploads("gcj02"),
        "beats": Upload("beats.geojson", hostile.vrt("CSV:/etc/passwd", layer="passwd").encode()),
        "households": Upload("住户.xlsx", workbook),
    }
    at = logged_in(APP, "planner", lang="zh")
    at.switch_page("app/pages/data.py").run()
    set_files(at, files)
    at.button(key="data_check").click().run()
    assert not at.exception, [e.value for e in at.exception]
    cells = [str(v) for v in at.dataframe[0].value.to_numpy().ravel()]
    assert any(c.startswith("beats.geojson：该文件是 GDAL 虚拟文件（OGR VRT）") for c in cells), (
        cells
    )
    assert any(c.startswith("住户.xlsx：工作表一直延伸到单元格 XFD1048576") for c in cells)
    assert {"内容与文件类型不符", "文件超出限制"} <= set(cells)  # the codes, labelled
    assert not any("/tmp" in c or "beatcov-upload" in c for c in cells)
    assert Workspace(workspace_dir).current_id() is None


def test_an_upload_over_the_size_limit_is_refused_before_it_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where check_upload would write
    files = uploads("gcj02")
    limit = len(files["beats"].content) - 1
    checked = check_upload(
        files, crs="gcj02", label="t", settings=DEFAULTS.replace(upload_max_bytes=limit)
    )
    assert not checked.accepted
    larger = {files[t].name: len(files[t].content) for t in files if len(files[t].content) > limit}
    found = {f.file: f for f in checked.findings.findings}
    assert set(found) == set(larger) and "beats.geojson" in found
    assert {f.code for f in found.values()} == {"over_limit"}
    assert found["beats.geojson"].values["size"] == limit + 1
    assert found["beats.geojson"].values["setting"] == "upload_max_bytes"
    assert list(tmp_path.iterdir()) == []  # nothing was written
