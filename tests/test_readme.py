"""The README stays true: quick start and the alias table match the code."""

from __future__ import annotations

import re
from pathlib import Path

from geo.aliases import COLUMN_ALIASES

ROOT = Path(__file__).resolve().parents[1]


def alias_table() -> str:
    lines = []
    for table, columns in COLUMN_ALIASES.items():
        lines += [f"**{table}**", "", "| canonical | also accepted |", "|---|---|"]
        lines += [
            f"| `{c}` | {', '.join(f'`{a}`' for a in aliases)} |" for c, aliases in columns.items()
        ]
        lines.append("")
    return "\n".join(lines)


def test_readme_alias_table_matches_code() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- aliases:start -->\n(.*)<!-- aliases:end -->", text, re.S)
    assert block is not None
    assert block.group(1).strip() == alias_table().strip()


def test_quick_start_is_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = text.split("## Quick start", 1)[1].split("##", 1)[0]
    commands = re.findall(r"^(make \w+)", quick, re.M)
    assert commands == ["make run", "make test"]
