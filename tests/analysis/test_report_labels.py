"""The report's catalogue: both languages alike, and the app's words where they share one."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest

from analysis.report_figures import FIGURE_COLUMNS, OFFICER_COLUMNS
from analysis.report_labels import CATALOGUES, LANGUAGES, labels, text
from geo.errors import ReportError

LOCALES = Path(__file__).resolve().parents[2] / "app" / "locales"


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_languages_hold_the_same_keys_and_placeholders() -> None:
    en, zh = CATALOGUES["en"], CATALOGUES["zh"]
    assert set(en) == set(zh) and set(LANGUAGES) == set(CATALOGUES)
    for key in en:
        assert fields(en[key]) == fields(zh[key]), key


def test_every_column_shown_has_a_label() -> None:
    for lang in LANGUAGES:
        words = labels(lang)
        for column in (*FIGURE_COLUMNS, *OFFICER_COLUMNS, "beat_id", "name", "week_start"):
            assert words[column], (lang, column)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_labels_the_app_also_shows_are_the_apps_words(lang: str) -> None:
    app = json.loads((LOCALES / f"{lang}.json").read_text(encoding="utf-8"))
    shared = [k for k in CATALOGUES[lang] if f"col.{k}" in app]
    assert {"coverage", "coverage_change", "households", "vulnerable_overdue"} <= set(shared)
    for key in shared:
        assert CATALOGUES[lang][key] == app[f"col.{key}"], key


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ReportError, match="unknown report language 'fr'; use one of en, zh"):
        labels("fr")
    assert text("station_heading", "zh", station="新街口派出所") == "派出所：新街口派出所"
