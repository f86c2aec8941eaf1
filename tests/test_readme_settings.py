"""The README's settings and flags tables are generated from, and must match, the code."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from analysis.verify import FLAGS
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


def flags_table() -> str:
    rows = ["| flag | grade | meaning |", "|---|---|---|"]
    rows += [f"| `{f.code}` | {f.grade} | {f.description} |" for f in FLAGS]
    return "\n".join(rows)


def test_readme_flags_table_matches_the_registry() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- flags:start -->\n(.*)<!-- flags:end -->", text, re.S)
    assert block is not None
    assert block.group(1).strip() == flags_table().strip()
