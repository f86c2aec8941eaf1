"""geo.dependencies: version ranges of the dependencies whose internals beatcov uses."""

from __future__ import annotations

import pytest

from geo.dependencies import Supported, release
from geo.errors import BeatcovError, DependencyError

TOOL = Supported("tool", at_least="1.67", below="1.68", module="app/_tool_compat.py")


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("1.67.0", (1, 67, 0)),
        ("1.67", (1, 67)),
        ("v0.27.4", (0, 27, 4)),
        ("2.2.0rc1", (2, 2, 0)),
        ("1.68.0.dev20260101", (1, 68, 0)),
        (" 3 ", (3,)),
    ],
)
def test_release_numbers(text: str, numbers: tuple[int, ...]) -> None:
    assert release(text) == numbers


def test_unreadable_version() -> None:
    with pytest.raises(DependencyError, match="cannot read the version 'latest'"):
        release("latest")


@pytest.mark.parametrize(
    ("found", "admitted"),
    [
        ("1.66.9", False),
        ("1.67", True),
        ("1.67.0", True),
        ("1.67.12.post3", True),
        ("1.68.0rc1", False),  # a pre-release of 1.68 is 1.68 already
        ("1.68", False),
        ("2.0.0", False),
    ],
)
def test_range_bounds(found: str, admitted: bool) -> None:
    assert TOOL.admits(found) is admitted


def test_message_names_version_range_and_fix() -> None:
    with pytest.raises(DependencyError) as info:
        TOOL.check("1.70.1")
    text = str(info.value)
    assert "tool 1.70.1 is installed" in text
    assert "tool>=1.67,<1.68" in text
    assert "pip install -r requirements.txt -c constraints.txt" in text
    assert "update app/_tool_compat.py" in text
    assert isinstance(info.value, BeatcovError)


def test_a_missing_package_is_named() -> None:
    missing = Supported(
        "beatcov-no-such-package", at_least="1", below="2", module="geo/_x_compat.py"
    )
    with pytest.raises(DependencyError, match="beatcov-no-such-package is not installed"):
        missing.check()
