"""Zone names: one check for the command line, the Data page and the analysis."""

from __future__ import annotations

import pytest

from geo.errors import BeatcovError
from geo.times import check_timezone


def test_a_known_zone_comes_back_without_blanks() -> None:
    assert check_timezone("Asia/Shanghai") == "Asia/Shanghai"
    assert check_timezone("  Europe/Helsinki\n") == "Europe/Helsinki"
    assert check_timezone("UTC") == "UTC"


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../etc/passwd", "Asia/"])
def test_an_unknown_zone_is_named_with_the_fix(name: str) -> None:
    with pytest.raises(BeatcovError, match=f"unknown time zone {name!r}: use an IANA name"):
        check_timezone(name)
