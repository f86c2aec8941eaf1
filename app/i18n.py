"""Translations: every text the app shows comes from one JSON catalogue per language.

The catalogues are ``app/locales/en.json`` and ``app/locales/zh.json`` (Simplified Chinese),
flat objects of dotted keys to texts with ``str.format`` placeholders (``{count}``). Both
hold the same keys and placeholders (checked by ``tests/app/test_i18n.py``). Codes that come
from the analysis (block reasons, visit flags, time bands, column names) are translated
through keys derived from the code: ``reason.<code>``, ``flag.<code>``,
``flag_desc.<code>``, ``band.<code>``, ``col.<column>``.

Within a Streamlit run the language is the session's choice (sidebar switch, session key
:data:`LANGUAGE_KEY`); outside a run (tests, report generation) it is English unless a
language is named.

Examples
--------
>>> translate("overview.title", "zh")
'总览'
>>> translate("gaps.households_count", "en", count=3)
'3 households, not yet contacted first.'
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Final

LOCALES_DIR: Final = Path(__file__).resolve().parent / "locales"
"""Folder of the catalogues (``<language>.json``)."""

LANGUAGES: Final = {"en": "English", "zh": "中文"}
"""Language codes and their names as shown in the language switch (each in itself)."""

DEFAULT_LANGUAGE: Final = "en"

LANGUAGE_KEY: Final = "lang"
"""Session-state key of the language switch."""

Translator = Callable[..., str]


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Return the catalogue of ``lang`` (key -> text).

    Raises
    ------
    KeyError
        If ``lang`` is not one of :data:`LANGUAGES`.
    """
    if lang not in LANGUAGES:
        msg = f"unknown language {lang!r}; use one of {sorted(LANGUAGES)}"
        raise KeyError(msg)
    text = (LOCALES_DIR / f"{lang}.json").read_text(encoding="utf-8")
    data: dict[str, str] = json.loads(text)
    return data


def current_language() -> str:
    """Return the language of the running session (English outside a Streamlit run)."""
    from app._streamlit_compat import in_script_run

    if not in_script_run():
        return DEFAULT_LANGUAGE
    import streamlit as st

    lang = st.session_state.get(LANGUAGE_KEY, DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def translate(key: str, lang: str, /, **params: Any) -> str:
    """Return the text of ``key`` in ``lang`` with ``params`` filled in.

    A key missing from ``lang`` falls back to English, then to the key itself, so a
    missing translation never breaks a page (the i18n tests keep both catalogues complete).
    """
    text = catalogue(lang).get(key)
    if text is None:
        text = catalogue(DEFAULT_LANGUAGE).get(key, key)
    return text.format(**params) if params else text


def t(key: str, /, **params: Any) -> str:
    """Return the text of ``key`` in the session's language (see :func:`translate`)."""
    return translate(key, current_language(), **params)


def translator(lang: str | None = None) -> Translator:
    """Return ``t`` bound to ``lang`` (the session's language when ``None``)."""
    chosen = lang or current_language()

    def bound(key: str, /, **params: Any) -> str:
        return translate(key, chosen, **params)

    return bound


def has_key(key: str, lang: str = DEFAULT_LANGUAGE) -> bool:
    """Tell whether ``key`` is in the catalogue of ``lang``."""
    return key in catalogue(lang)


def code_label(prefix: str, code: Any, lang: str | None = None) -> str:
    """Return the translation of an analysis code (``prefix.code``), or the code itself.

    Examples
    --------
    >>> code_label("band", "evening", "zh")
    '傍晚（17–21 时）'
    >>> code_label("band", "", "en")
    ''
    """
    text = "" if code is None else str(code)
    if not text:
        return ""
    chosen = lang or current_language()
    key = f"{prefix}.{text}"
    return translate(key, chosen) if has_key(key, DEFAULT_LANGUAGE) else text


def codes_label(prefix: str, codes: Any, lang: str | None = None, *, sep: str = ";") -> str:
    """Return ``;``-separated codes (``"low_coverage;open_follow_up"``) as translated text.

    Examples
    --------
    >>> codes_label("reason", "low_coverage;open_follow_up", "en")
    'low coverage, open follow-up'
    """
    if codes is None or (isinstance(codes, float) and codes != codes):
        return ""
    parts = [p for p in str(codes).split(sep) if p]
    chosen = lang or current_language()
    joiner = "、" if chosen == "zh" else ", "
    return joiner.join(code_label(prefix, p, chosen) for p in parts)


def column_label(column: str, lang: str | None = None) -> str:
    """Return the translated header of a table column (``col.<column>``)."""
    return code_label("col", column, lang)
