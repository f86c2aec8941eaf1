"""osmnx's Overpass way filters, read and applied to the tags of ways in a local file.

osmnx downloads a network type (``drive``, ``walk``…) by sending Overpass a way filter such
as ``["highway"]["area"!~"yes"]["highway"!~"abandoned|…"]``. :mod:`geo.streets` reads
local files instead, so it parses the same filter (:func:`parse_overpass_filter`) and keeps
the ways whose tags pass it (:func:`matches_filter`): the file gives the ways an Overpass
download would.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final, Literal, cast

from geo import _osmnx_compat
from geo.errors import StreetsError

NETWORK_TYPES: Final = ("drive", "drive_service", "walk", "all")
"""Network types :func:`geo.streets.load_streets` accepts (osmnx's filters of the same names)."""

Op = Literal["exists", "absent", "=", "!=", "~", "!~"]


@dataclass(frozen=True)
class TagCondition:
    """One clause of an Overpass tag filter, such as ``["highway"!~"footway|path"]``.

    Attributes
    ----------
    key : str
        Tag key.
    op : {"exists", "absent", "=", "!=", "~", "!~"}
        ``exists`` is ``["k"]``, ``absent`` is ``[!"k"]``; the others compare the value.
    value : str or None
        Value or regular expression; ``None`` for ``exists``/``absent``.
    ignore_case : bool
        The clause ended in ``,i``.
    """

    key: str
    op: Op
    value: str | None = None
    ignore_case: bool = False
    _pattern: re.Pattern[str] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.op in ("~", "!~"):
            flags = re.IGNORECASE if self.ignore_case else 0
            object.__setattr__(self, "_pattern", re.compile(self.value or "", flags))

    def matches(self, tags: Mapping[str, str]) -> bool:
        """Return whether ``tags`` pass this clause, with Overpass semantics.

        A negated clause (``absent``, ``!=``, ``!~``) passes when the key is missing;
        regular expressions are unanchored searches.
        """
        value = tags.get(self.key)
        if self.op == "exists":
            return value is not None
        if self.op == "absent":
            return value is None
        if self.op in ("=", "!="):
            equal = value is not None and (
                value.casefold() == (self.value or "").casefold()
                if self.ignore_case
                else value == self.value
            )
            return equal if self.op == "=" else not equal
        assert self._pattern is not None
        found = value is not None and self._pattern.search(value) is not None
        return found if self.op == "~" else not found


_STRING = r'"(?:[^"\\]|\\.)*"' + r"|'(?:[^'\\]|\\.)*'" + r"|[A-Za-z0-9_:.\-]+"
_CLAUSE_RE = re.compile(
    r"\s*\[\s*(?P<neg>!)?\s*(?P<key>" + _STRING + r")\s*"
    r"(?:(?P<op>!=|=|!~|~)\s*(?P<value>" + _STRING + r")\s*(?P<ci>,\s*i\s*)?)?\]\s*"
)


def _unquote(token: str) -> str:
    if token[:1] in ('"', "'"):
        return re.sub(r"\\([\"'\\])", r"\1", token[1:-1])
    return token


def parse_overpass_filter(text: str) -> tuple[TagCondition, ...]:
    """Parse an Overpass QL tag filter (a run of ``[...]`` clauses) into conditions.

    Supported clauses: ``["k"]``, ``[!"k"]``, ``["k"="v"]``, ``["k"!="v"]``, ``["k"~"re"]``,
    ``["k"!~"re"]``, each optionally with ``,i`` (ignore case); keys and values may be
    double-quoted, single-quoted or bare words.

    Parameters
    ----------
    text : str
        The filter, e.g. ``network_filter("drive")`` (osmnx's own).

    Returns
    -------
    tuple of TagCondition
        The clauses in order; a way passes when it passes all of them.

    Raises
    ------
    StreetsError
        When part of ``text`` is not a supported clause.

    Examples
    --------
    >>> conds = parse_overpass_filter('["highway"]["service"!~"parking"]')
    >>> [(c.key, c.op, c.value) for c in conds]
    [('highway', 'exists', None), ('service', '!~', 'parking')]
    >>> matches_filter({"highway": "service", "service": "parking_aisle"}, conds)
    False
    """
    conditions: list[TagCondition] = []
    pos = 0
    while pos < len(text):
        m = _CLAUSE_RE.match(text, pos)
        if m is None:
            if not text[pos:].strip():
                break
            msg = (
                f"cannot parse the Overpass filter {text!r} at character {pos} "
                f'({text[pos : pos + 20]!r}); use clauses like ["key"~"regex"]'
            )
            raise StreetsError(msg)
        key = _unquote(m["key"])
        raw_op = m["op"]
        if raw_op is None:
            op: Op = "absent" if m["neg"] else "exists"
            conditions.append(TagCondition(key, op))
        else:
            if m["neg"]:
                msg = f"cannot parse the Overpass filter {text!r}: '!' before a key with a value"
                raise StreetsError(msg)
            op = cast(Op, raw_op)
            try:
                conditions.append(
                    TagCondition(key, op, _unquote(m["value"]), ignore_case=bool(m["ci"]))
                )
            except re.error as exc:
                msg = f"bad regular expression in the Overpass filter {text!r}: {exc}"
                raise StreetsError(msg) from exc
        pos = m.end()
    return tuple(conditions)


def matches_filter(tags: Mapping[str, str], conditions: Iterable[TagCondition]) -> bool:
    """Return whether an OSM element's ``tags`` pass every condition.

    Parameters
    ----------
    tags : Mapping[str, str]
        The element's tags.
    conditions : iterable of TagCondition
        From :func:`parse_overpass_filter`.

    Returns
    -------
    bool
        True when all conditions hold.
    """
    return all(c.matches(tags) for c in conditions)


def check_network_type(network_type: str) -> None:
    """Raise :class:`StreetsError` unless ``network_type`` is one of :data:`NETWORK_TYPES`."""
    if network_type not in NETWORK_TYPES:
        valid = ", ".join(NETWORK_TYPES)
        msg = f"unknown street network type {network_type!r}; use one of: {valid}"
        raise StreetsError(msg)


def network_filter(network_type: str) -> str:
    """Return osmnx's Overpass way filter for ``network_type``.

    Parameters
    ----------
    network_type : str
        One of :data:`NETWORK_TYPES`.

    Returns
    -------
    str
        The filter string osmnx would send to Overpass (it honours
        ``osmnx.settings.default_access``).

    Raises
    ------
    StreetsError
        When ``network_type`` is not one of :data:`NETWORK_TYPES`.
    DependencyError
        When the installed osmnx is not one :mod:`geo._osmnx_compat` was tested with.
    """
    check_network_type(network_type)
    return _osmnx_compat.network_filter(network_type)
