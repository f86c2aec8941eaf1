"""Translations: both catalogues complete and alike, every key the app uses exists, no page
speaks English outside the catalogue."""

from __future__ import annotations

import ast
import json
import re
import string
from pathlib import Path

import pytest

from analysis.gaps import REASONS, TODO_REASONS
from analysis.satisfaction import WAIT_BINS
from analysis.timeofday import BANDS
from analysis.verify import FLAG_CODES, STATUSES
from app import i18n, review, tables, upload, views
from app.shell import PAGES
from geo.reviews import DECISIONS
from geo.schema import OUTCOMES
from geo.times import DATE_ORDERS

APP = Path(__file__).resolve().parents[2] / "app"
SOURCES = sorted(p for p in APP.rglob("*.py") if "static" not in p.parts)
PAGE_SOURCES = sorted((APP / "pages").glob("*.py"))
UI_SOURCES = [*PAGE_SOURCES, APP / "shell.py", APP / "ui.py", APP / "auth.py"]

# t("key"), translate("key", ...), i18n.t('key') -- literal keys only; dynamic keys
# (f"flag.{code}") are checked against the code lists below
KEY_CALL = re.compile(r"""\b(?:t|translate)\(\s*(["'])([a-z_]+\.[a-z0-9_.]+)\1""")

# Streamlit calls whose first argument is text shown to the user
SHOWN = {
    "title",
    "header",
    "subheader",
    "caption",
    "markdown",
    "write",
    "text",
    "info",
    "success",
    "warning",
    "error",
    "metric",
    "button",
    "download_button",
    "selectbox",
    "multiselect",
    "radio",
    "checkbox",
    "toggle",
    "text_input",
    "number_input",
    "date_input",
    "file_uploader",
    "expander",
    "tabs",
    "spinner",
    "line_chart",
    "form_submit_button",
    "link_button",
    "page_link",
    "toast",
    "segmented_control",
}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_catalogues_have_the_same_keys_and_placeholders() -> None:
    en, zh = i18n.catalogue("en"), i18n.catalogue("zh")
    assert sorted(en) == sorted(zh)
    for key in en:
        assert placeholders(en[key]) == placeholders(zh[key]), key
        assert zh[key].strip(), key


def test_catalogue_files_are_flat_objects_of_text() -> None:
    for lang in i18n.LANGUAGES:
        data = json.loads((APP / "locales" / f"{lang}.json").read_text(encoding="utf-8"))
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in data.items())


def test_chinese_catalogue_is_chinese() -> None:
    # every Chinese text but pure codes/units holds at least one CJK character
    zh = i18n.catalogue("zh")
    cjk = re.compile(r"[\u4e00-\u9fff]")
    latin_only = [k for k, v in zh.items() if not cjk.search(v)]
    allowed = {"download.csv", "download.excel", "download.geojson", "data.epsg"}
    allowed |= {"coords.wgs84", "flag.no_gps", "col.no_gps"}
    assert set(latin_only) <= allowed, latin_only


def test_every_literal_key_used_in_the_app_exists() -> None:
    used: dict[str, str] = {}
    for path in SOURCES:
        for _, key in KEY_CALL.findall(path.read_text(encoding="utf-8")):
            used.setdefault(key, path.name)
    assert len(used) > 80  # the scan found the app's keys
    missing = {k: f for k, f in used.items() if not i18n.has_key(k)}
    assert missing == {}


def test_dynamic_keys_exist_for_every_code() -> None:
    keys = [f"reason.{c}" for c in REASONS] + [f"todo.{c}" for c in TODO_REASONS]
    keys += [f"flag.{c}" for c in FLAG_CODES] + [f"flag_desc.{c}" for c in FLAG_CODES]
    keys += [f"why.{c}" for c in FLAG_CODES] + ["why.fast_travel_network"]
    keys += [f"status.{s}" for s in STATUSES] + [f"decision.{d}" for d in DECISIONS]
    keys += [f"band.{b}" for b in BANDS]
    keys += [f"outcome.{o}" for o in OUTCOMES]
    keys += [f"kind.{k}" for k in ("household", "shop", "school", "workplace")]
    keys += [f"page.{p.key}" for p in PAGES]
    keys += [f"coords.{c}" for c in upload.COORDS]
    keys += [f"date_order.{o}" for o in DATE_ORDERS]
    keys += [f"data.file_{name}" for name in upload.TABLES]
    keys += [f"fig.{k}" for k in views.HEADLINE]
    keys += [f"wait.{code}" for code, _ in WAIT_BINS]
    keys += [f"role.{r}" for r in ("chief", "planner", "officer")]
    assert [k for k in keys if not i18n.has_key(k)] == []


def test_every_table_column_has_a_header() -> None:
    columns = {
        *views.BEAT_COLUMNS,
        *views.GAP_COLUMNS,
        *views.HOUSEHOLD_COLUMNS,
        *views.HISTORY_COLUMNS,
        *views.WORK_COLUMNS,
        *views.STOP_COLUMNS,
        *views.BAND_COLUMNS,
        *review.REVIEW_COLUMNS,
        *review.PATH_COLUMNS,
        *upload.REPORT_COLUMNS,
        *FLAG_CODES,
        "flag",
        "visits",
        "not_counted",
        "not_counted_share",
        "description",
        "dataset_id",
        "label",
        "timezone",
        "created_at",
        "beats",
        "households",
        "warnings",
        "current",
        "week_start",
        "cumulative_coverage",
        "todo",
        "households_to_visit",
    }
    assert sorted(c for c in columns if not i18n.has_key(f"col.{c}")) == []
    assert set(tables.CODE_COLUMNS.values()) <= {
        "reason",
        "flag",
        "band",
        "outcome",
        "kind",
        "severity",
        "vulnerable",
        "finding",
        "status",
        "decision",
        "todo",
    }


def test_translate_fills_placeholders_and_falls_back() -> None:
    assert i18n.translate("gaps.households_of", "en", block="B7") == "Households in block B7"
    assert i18n.translate("gaps.households_of", "zh", block="B7") == "街区 B7 的住户"
    assert i18n.translate("no.such.key", "zh") == "no.such.key"
    assert i18n.t("page.gaps") == "Gaps"  # outside a Streamlit run: English
    with pytest.raises(KeyError, match="unknown language 'fr'"):
        i18n.catalogue("fr")


def test_codes_are_translated_in_both_languages() -> None:
    assert i18n.codes_label("reason", "low_coverage;open_follow_up", "en") == (
        "low coverage, open follow-up"
    )
    assert i18n.codes_label("reason", "low_coverage;open_follow_up", "zh") == "覆盖率低、回访未办结"
    assert i18n.code_label("flag", "too_short", "zh") == "时长过短"
    assert i18n.code_label("flag", "new_code", "zh") == "new_code"  # unknown: shown as is


def shown_literals(path: Path) -> list[str]:
    """Return 'file:line text' for each Streamlit call showing a literal text."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in SHOWN:
            continue
        texts = list(node.args[:1])
        texts += [k.value for k in node.keywords if k.arg in {"label", "help", "placeholder"}]
        for arg in texts:
            parts = [arg] if isinstance(arg, ast.Constant) else []
            if isinstance(arg, ast.JoinedStr):
                parts = [v for v in arg.values if isinstance(v, ast.Constant)]
            for part in parts:
                text = re.sub(r"<[^>]*>", "", part.value) if isinstance(part.value, str) else ""
                if re.search(r"[A-Za-z]{2,}", text):
                    found.append(f"{path.name}:{node.lineno} {part.value!r}")
    return found


def test_pages_show_no_hard_coded_english() -> None:
    assert PAGE_SOURCES, "no pages found"
    found = [hit for path in UI_SOURCES for hit in shown_literals(path)]
    assert found == []


def magic_texts(path: Path) -> list[str]:
    """Return the bare expressions Streamlit's "magic" would write on the page."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstring = tree.body[0] if tree.body and isinstance(tree.body[0], ast.Expr) else None
    return [
        f"{path.name}:{node.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr)
        and node is not docstring
        and not isinstance(node.value, ast.Call | ast.Await)
    ]


def test_pages_write_nothing_by_magic() -> None:
    assert [hit for path in PAGE_SOURCES for hit in magic_texts(path)] == []


def test_the_check_catches_a_hard_coded_label(tmp_path: Path) -> None:
    page = tmp_path / "bad.py"
    page.write_text(
        'import streamlit as st\nst.title("Overview")\ncols = st.columns(2)\n'
        'cols[0].metric(f"Households {1}", 3)\nst.caption(t("ok.key"))\n',
        encoding="utf-8",
    )
    assert shown_literals(page) == ["bad.py:2 'Overview'", "bad.py:4 'Households '"]
    page.write_text('"""Doc."""\nX = 1\n"""About X."""\nif X:\n    X\n', encoding="utf-8")
    assert magic_texts(page) == ["bad.py:3", "bad.py:5"]


def test_every_finding_has_a_label_and_its_templates_in_both_languages() -> None:
    from geo.findings import FINDINGS, MESSAGES

    assert [c for c in FINDINGS if not i18n.has_key(f"finding.{c}")] == []
    en = i18n.catalogue("en")
    # the English catalogue holds the very templates the importer fills in
    assert {k: en[f"finding_msg.{k}"] for k in MESSAGES} == MESSAGES
    assert sorted(k for k in en if k.startswith("finding_msg.")) == sorted(
        f"finding_msg.{k}" for k in MESSAGES
    )
