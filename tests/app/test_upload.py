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

import pytest
from streamlit.testing.v1 import AppTest

from app import i18n, state
from app.upload import FILE_COORDS, Upload, check_upload, crs_choice
from geo.workspace import Workspace
from tests.geo import china_fixtures as cf

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
    refused = check_upload(files, crs="gcj02", timezone="Asia/Shanghai", label="t")
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
        timezone="Asia/Shanghai",
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
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["lang"] = "en"
    at.run()
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
