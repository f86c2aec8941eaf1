"""The README's settings table is generated from, and must match, geo/settings.py."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from geo.settings import DEFAULTS, Settings

ROOT = Path(__file__).resolve().parents[1]


def settings_docs() -> dict[str, str]:
    """Return each setting's description from the ``Settings`` docstring."""
    section = (Settings.__doc__ or "").split("----------\n", 1)[1]
    docs: dict[str, list[str]] = {}
    current = None
    for line in section.splitlines():
        match = re.match(r"    (\w+) : ", line)
        if match:
            current = match.group(1)
            docs[current] = []
        elif current and line.strip():
            docs[current].append(line.strip())
    return {name: " ".join(words) for name, words in docs.items()}


def settings_table() -> str:
    docs = settings_docs()
    rows = ["| setting | default | meaning |", "|---|---|---|"]
    for field in dataclasses.fields(Settings):
        value = getattr(DEFAULTS, field.name)
        rows.append(f"| `{field.name}` | `{value!r}` | {docs[field.name]} |")
    return "\n".join(rows)


def test_every_setting_is_documented() -> None:
    docs = settings_docs()
    assert sorted(docs) == sorted(f.name for f in dataclasses.fields(Settings))
    assert all(docs.values())


def test_readme_settings_table_matches_code() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- settings:start -->\n(.*)<!-- settings:end -->", text, re.S)
    assert block is not None
    assert block.group(1).strip() == settings_table().strip()
