"""Column and value aliases that map station exports onto the canonical schema.

Header matching is case-insensitive and ignores surrounding spaces, full-width brackets and
the difference between ``_``, ``-``, ``.`` and spaces, so ``Household ID``, ``household-id``
and ``HOUSEHOLD_ID`` all match. Shapefile field names hold at most 10 bytes, so every name is
also accepted cut to 10 bytes in UTF-8 and in GBK (before a character that would be split):
``所属派出所名称`` arrives as ``所属派出所`` (GBK) or ``所属派`` (UTF-8). A cut that two columns
share, or that is another column's full name, is not used. The README's alias table is
generated from :data:`COLUMN_ALIASES`.

Headers the alias table does not know are named by the user: :func:`choose_columns` takes
``{canonical: header}`` per table (the command line's ``--column beats.beat_id=Name``, the
Data page's column choice), and a choice wins over the aliases. One header may play several
columns (Oakland's beat layer has only ``Name``: it is the beat's id and its name).

Examples
--------
>>> map_columns(["户号", "地址", "经度", "纬度"], "households")
{'户号': 'household_id', '地址': 'address', '经度': 'lon', '纬度': 'lat'}
>>> normalise_outcome("见面")
'contact'
>>> map_columns(["社区警", "所属派", "责任民"], "beats")  # Shapefile cuts, UTF-8
{'社区警': 'beat_id', '所属派': 'station', '责任民': 'officer_ids'}
"""

from __future__ import annotations

import codecs
import re
from functools import cache
from typing import Final

from geo.errors import BeatcovError
from geo.schema import Table

# canonical column -> aliases (beyond the canonical name itself), per table.
COLUMN_ALIASES: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "beats": {
        "beat_id": (
            "beat",
            "beat_code",
            "警务区",
            "警务区编号",
            "警务区代码",
            "警务区编码",
            "警务区号",
            "社区警务区",
        ),
        "name": ("beat_name", "名称", "警务区名称", "警务区名"),
        "station": ("police_station", "派出所", "所属派出所", "派出所名称"),
        "officer_ids": ("officers", "officer_id", "责任民警", "民警", "社区民警", "警号"),
        "geometry": ("wkt", "geom", "the_geom", "shape", "几何", "范围"),
    },
    "households": {
        "household_id": ("household", "hh_id", "户号", "户编号", "住户编号", "房屋编号"),
        "address": ("addr", "地址", "住址", "门牌地址"),
        "lon": ("lng", "long", "longitude", "x", "经度"),
        "lat": ("latitude", "y", "纬度"),
        "residents": ("population", "persons", "people", "人口", "人数", "居住人数"),
        "vulnerable": ("vulnerability", "弱势群体", "重点人群", "关爱对象"),
        "kind": ("type", "category", "household_kind", "类型", "类别", "户类型"),
        "geometry": ("wkt", "geom", "the_geom", "几何"),
    },
    "visits": {
        "visit_id": ("visit", "visit id", "走访编号", "走访id", "记录编号"),
        "household_id": ("household", "hh_id", "户号", "户编号", "住户编号"),
        "officer_id": ("officer", "police_id", "badge", "民警", "民警编号", "警号"),
        "time": ("datetime", "visit_time", "timestamp", "date_time", "走访时间", "时间"),
        "outcome": ("result", "status", "走访结果", "结果"),
        "duration_min": ("duration", "minutes", "duration_minutes", "时长(分钟)", "时长", "用时"),
        "lon": ("lng", "long", "longitude", "gps_lon", "x", "经度"),
        "lat": ("latitude", "gps_lat", "y", "纬度"),
        "issue_raised": ("issue", "problem", "反映问题", "问题", "诉求"),
        "follow_up_of": ("followup_of", "follow_up", "回访", "回访编号", "跟进编号"),
        "satisfaction": ("rating", "满意度"),
        "note": ("notes", "remark", "remarks", "备注"),
        "geometry": ("wkt", "geom", "the_geom", "几何"),
    },
}

OUTCOME_ALIASES: Final[dict[str, str]] = {
    "contact": "contact",
    "contacted": "contact",
    "met": "contact",
    "见面": "contact",
    "已见面": "contact",
    "nobody_home": "nobody_home",
    "nobody home": "nobody_home",
    "no answer": "nobody_home",
    "not home": "nobody_home",
    "无人": "nobody_home",
    "无人在家": "nobody_home",
    "refused": "refused",
    "declined": "refused",
    "拒绝": "refused",
    "拒访": "refused",
}

KIND_ALIASES: Final[dict[str, str]] = {
    "household": "household",
    "home": "household",
    "住户": "household",
    "家庭": "household",
    "居民": "household",
    "shop": "shop",
    "store": "shop",
    "商铺": "shop",
    "商户": "shop",
    "school": "school",
    "学校": "school",
    "workplace": "workplace",
    "office": "workplace",
    "单位": "workplace",
    "企业": "workplace",
}

NOT_VULNERABLE: Final = frozenset({"", "none", "no", "0", "false", "n/a", "无", "否"})

_SEPARATORS = re.compile(r"[\s_\-.]+")


def _key(name: str) -> str:
    """Normalise a header for matching: case, full-width brackets, separators."""
    text = str(name).strip().lower().replace("（", "(").replace("）", ")")
    return _SEPARATORS.sub("_", text).strip("_")


SHAPEFILE_NAME_BYTES: Final = 10
"""Shapefile (dBASE) field names hold at most this many bytes."""


def cut_name(name: str, encoding: str) -> str:
    """Return ``name`` cut to 10 bytes in ``encoding`` as a Shapefile holds it.

    A character that would be split is left out.

    Examples
    --------
    >>> cut_name("所属派出所名称", "gbk"), cut_name("所属派出所名称", "utf-8")
    ('所属派出所', '所属派')
    >>> cut_name("household_id", "utf-8")
    'household_'
    """
    data = name.encode(encoding)[:SHAPEFILE_NAME_BYTES]
    return codecs.getincrementaldecoder(encoding)(errors="ignore").decode(data, final=False)


@cache
def _lookup(table: Table) -> dict[str, str]:
    """Header key -> canonical name: full names first, then unambiguous 10-byte cuts."""
    lookup: dict[str, str] = {}
    cuts: dict[str, set[str]] = {}
    for canonical, aliases in COLUMN_ALIASES[table].items():
        for alias in (canonical, *aliases):
            lookup.setdefault(_key(alias), canonical)
            for encoding in ("utf-8", "gb18030"):
                cuts.setdefault(_key(cut_name(alias, encoding)), set()).add(canonical)
    for key, targets in cuts.items():
        if key and len(targets) == 1 and key not in lookup:
            lookup[key] = next(iter(targets))
    return lookup


def map_columns(columns: list[str], table: Table) -> dict[str, str]:
    """Map the headers of a file onto canonical names for ``table``.

    Parameters
    ----------
    columns : list of str
        Headers as they appear in the file.
    table : {"beats", "households", "visits"}
        Which canonical table the file is for.

    Returns
    -------
    dict
        ``{header: canonical}`` for the headers that match; unmatched headers are left out.
        When two headers map to the same canonical name the first one wins.
    """
    lookup = _lookup(table)
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for column in columns:
        canonical = lookup.get(_key(column))
        if canonical is not None and canonical not in taken:
            mapping[column] = canonical
            taken.add(canonical)
    return mapping


def canonical_columns(table: Table) -> tuple[str, ...]:
    """Return the canonical columns a file for ``table`` may provide (``lon``/``lat`` included).

    Examples
    --------
    >>> canonical_columns("beats")
    ('beat_id', 'name', 'station', 'officer_ids', 'geometry')
    """
    return tuple(COLUMN_ALIASES[table])


def check_choice(table: str, canonical: str) -> None:
    """Raise :class:`BeatcovError` unless ``canonical`` is a column of ``table``.

    Examples
    --------
    >>> check_choice("beats", "beat_id")
    >>> check_choice("beats", "household_id")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geo.errors.BeatcovError: 'household_id' is not a column of beats; use one of beat_id, ...
    """
    if table not in COLUMN_ALIASES:
        msg = f"{table!r} is not a table; use one of {', '.join(COLUMN_ALIASES)}"
        raise BeatcovError(msg)
    if canonical not in COLUMN_ALIASES[table]:
        known = ", ".join(COLUMN_ALIASES[table])
        msg = f"{canonical!r} is not a column of {table}; use one of {known}"
        raise BeatcovError(msg)


def find_header(headers: list[str], wanted: str) -> str | None:
    """Return the header of ``headers`` the user meant by ``wanted``, or ``None``.

    The exact header wins; otherwise the one header equal to it as aliases are matched
    (case, spaces and separators ignored).

    Examples
    --------
    >>> find_header(["Name", "geometry"], "name"), find_header(["Name"], "Beat")
    ('Name', None)
    """
    if wanted in headers:
        return wanted
    matches = [h for h in headers if _key(h) == _key(wanted)]
    return matches[0] if len(matches) == 1 else None


def choose_columns(
    headers: list[str], table: Table, chosen: dict[str, str] | None = None
) -> tuple[dict[str, str], dict[str, str]]:
    """Return which header plays each canonical column: aliases, then the user's choices.

    Parameters
    ----------
    headers : list of str
        Headers as they appear in the file.
    table : {"beats", "households", "visits"}
        Which canonical table the file is for.
    chosen : dict, optional
        ``{canonical: header}`` named by the user; wins over the alias table.

    Returns
    -------
    found : dict
        ``{canonical: header}`` for every canonical column the file provides.
    lacking : dict
        ``{canonical: header}`` of the choices whose header is not in the file.

    Raises
    ------
    BeatcovError
        If a choice names a column ``table`` does not have (see :func:`check_choice`).

    Examples
    --------
    >>> choose_columns(["Name", "geometry"], "beats", {"beat_id": "Name"})
    ({'name': 'Name', 'geometry': 'geometry', 'beat_id': 'Name'}, {})
    >>> choose_columns(["Name"], "beats", {"beat_id": "Nmae"})[1]
    {'beat_id': 'Nmae'}
    """
    found = {canonical: header for header, canonical in map_columns(headers, table).items()}
    lacking: dict[str, str] = {}
    for canonical, wanted in (chosen or {}).items():
        check_choice(table, canonical)
        header = find_header(headers, wanted)
        if header is None:
            lacking[canonical] = wanted
            found.pop(canonical, None)
        else:
            found[canonical] = header
    return found, lacking


def normalise_outcome(value: str) -> str | None:
    """Return the canonical outcome for ``value`` or ``None`` when it is unknown."""
    return OUTCOME_ALIASES.get(_SEPARATORS.sub(" ", str(value).strip().lower()).strip()) or (
        OUTCOME_ALIASES.get(_key(value))
    )


def normalise_kind(value: str) -> str | None:
    """Return the canonical kind for ``value`` (empty means household), or ``None``."""
    text = str(value).strip().lower()
    if not text:
        return "household"
    return KIND_ALIASES.get(text)


def normalise_vulnerable(value: str) -> str:
    """Return ``""`` for values meaning "not vulnerable", else the trimmed category text."""
    text = str(value).strip()
    return "" if text.lower() in NOT_VULNERABLE else text
