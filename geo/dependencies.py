"""Version checks for the dependencies whose private internals beatcov uses.

beatcov uses the public APIs of its dependencies. The few internals it truly needs are
wrapped in one compatibility module per dependency (``geo/_osmnx_compat.py``,
``app/_streamlit_compat.py``, ``app/_folium_compat.py``), each with a contract test that
checks the internals against the dependency's public behaviour. Internals change without
notice, so each compatibility module also checks, on first use, that the installed version
lies in the range those contract tests were run on.

The rules:

- A range is the minor series of the version pinned in ``requirements.txt`` (or
  ``constraints.txt``): osmnx 2.1.1 pinned gives ``>=2.1,<2.2``. A new pin outside it fails
  the compatibility module's contract tests until the module is checked and its range moved.
- Versions are compared by their release numbers only, padded with zeros: ``2.1.1``,
  ``2.1.1.post1`` and ``2.1.0rc1`` all count as 2.1.x.
- Outside the range, or when the package is not installed, :class:`DependencyError` says
  which version was found, which were tested and what to do. It is raised, not warned: an
  internal that changed meaning would give wrong streets or maps silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

from geo.errors import DependencyError

_RELEASE = re.compile(r"\d+(?:\.\d+)*")


def release(text: str) -> tuple[int, ...]:
    """Return the release numbers at the start of a version string.

    Parameters
    ----------
    text : str
        A version such as ``"2.1.1"``, ``"1.67.0.dev3"`` or ``"v0.27"``.

    Returns
    -------
    tuple of int
        The dotted numbers it starts with (after an optional ``v``).

    Raises
    ------
    DependencyError
        If ``text`` does not start with a number.

    Examples
    --------
    >>> release("2.1.1")
    (2, 1, 1)
    >>> release("2.2.0rc1")
    (2, 2, 0)
    """
    found = _RELEASE.match(text.strip().removeprefix("v"))
    if found is None:
        msg = f"cannot read the version {text!r}; expected numbers such as '2.1.1'"
        raise DependencyError(msg)
    return tuple(int(part) for part in found.group().split("."))


def _padded(numbers: tuple[int, ...], width: int) -> tuple[int, ...]:
    return numbers + (0,) * (width - len(numbers))


@dataclass(frozen=True)
class Supported:
    """The versions of one dependency whose internals beatcov was tested with.

    Attributes
    ----------
    package : str
        Distribution name as pip knows it, e.g. ``"streamlit-folium"``.
    at_least : str
        Lowest supported version (inclusive).
    below : str
        First unsupported version (exclusive).
    module : str
        The compatibility module that holds the internals, named in the error message.

    Examples
    --------
    >>> osmnx = Supported("osmnx", at_least="2.1", below="2.2", module="geo/_osmnx_compat.py")
    >>> osmnx.admits("2.1.1"), osmnx.admits("2.2.0")
    (True, False)
    """

    package: str
    at_least: str
    below: str
    module: str

    def __str__(self) -> str:
        return f"{self.package}>={self.at_least},<{self.below}"

    def admits(self, found: str) -> bool:
        """Return whether version ``found`` lies in the range."""
        numbers, low, high = release(found), release(self.at_least), release(self.below)
        width = max(len(numbers), len(low), len(high))
        return _padded(low, width) <= _padded(numbers, width) < _padded(high, width)

    def check(self, found: str | None = None) -> str:
        """Return the installed (or given) version, or raise when it is outside the range.

        Parameters
        ----------
        found : str, optional
            The version to check; by default the installed one.

        Returns
        -------
        str
            The version checked.

        Raises
        ------
        DependencyError
            If the package is not installed or its version is outside the range.
        """
        fix = "install the pinned versions: pip install -r requirements.txt -c constraints.txt"
        if found is None:
            try:
                found = version(self.package)
            except PackageNotFoundError as exc:
                msg = f"{self.package} is not installed; beatcov needs {self}; {fix}"
                raise DependencyError(msg) from exc
        if not self.admits(found):
            msg = (
                f"{self.package} {found} is installed, but beatcov uses internals of "
                f"{self.package} that it has been tested with only for {self}. Either "
                f"{fix} (or run make install), or, to move to {self.package} {found}, update "
                f"{self.module} and its range and run its contract tests"
            )
            raise DependencyError(msg)
        return found
