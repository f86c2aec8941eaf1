"""The README stays true: quick start and the alias table match the code."""

from __future__ import annotations

import re
from pathlib import Path

from geo.aliases import COLUMN_ALIASES
from geo.findings import FINDINGS

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


def readme_findings() -> dict[str, str]:
    """Code -> severity as the README's findings table says."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("| code | severity | what |", 1)[1].split("\n\n", 1)[0]
    found: dict[str, str] = {}
    for line in table.splitlines()[2:]:
        codes, severity = line.split("|")[1:3]
        for code in re.findall(r"`(\w+)`", codes):
            assert code not in found, f"{code} listed twice"
            found[code] = severity.strip()
    return found


def test_readme_findings_table_lists_every_code_with_its_severity() -> None:
    assert readme_findings() == FINDINGS


def emitted_codes() -> set[str]:
    """Codes written as literals where geo/ and app/ make findings."""
    codes = set()
    calls = re.compile(r'(?:\.add|Finding)\(\s*(?:[\w.]+,\s*)?"(?:fatal|warning)",\s*"(\w+)"')
    warn = re.compile(r'_warn\(\s*report,\s*"(\w+)"')
    for folder in ("geo", "app"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            codes |= set(calls.findall(text)) | set(warn.findall(text))
    return codes


def test_every_code_the_code_emits_is_registered() -> None:
    codes = emitted_codes()
    assert len(codes) > 25  # the scan finds the calls
    assert codes <= set(FINDINGS), codes - set(FINDINGS)
