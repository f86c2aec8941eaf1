"""Every finding code beatcov can report, its severity and its message templates.

A finding carries its code and the values its message is made of; the message is the
English template of :data:`MESSAGES` filled with them, so the app can say it in the user's
language by code (``finding_msg.<code>[.<variant>]`` in ``app/locales``; the English
catalogue holds these very templates) and fall back to the English text. Codes without a
template (an unreadable file other than an empty one, a block or beat against the street
blocks) are shown in English, under their code's translated name. A finding about two
files names them in its own message; its values then hold ``where=False`` so the file is
not put in front of it again.

The README's findings table lists :data:`FINDINGS` (checked by ``tests/test_readme.py``),
and :class:`geo.errors.Finding` refuses a code that is not here.
"""

from __future__ import annotations

from typing import Any, Final

FINDINGS: Final[dict[str, str]] = {
    # one file (geo.encodings, geo.importer, geo.validate, geo.times; geo.sniff and
    # geo.limits before reading)
    "unreadable": "fatal",
    "bad_encoding": "fatal",
    "wrong_format": "fatal",
    "over_limit": "fatal",
    "unexpected_error": "fatal",
    "missing_column": "fatal",
    "unknown_column": "fatal",
    "no_records": "fatal",
    "missing_id": "fatal",
    "duplicate_id": "fatal",
    "bad_time": "fatal",
    "ambiguous_date_order": "fatal",
    "date_order_inferred": "warning",
    "not_a_number": "fatal",
    "out_of_range": "fatal",
    "missing_value": "fatal",
    "coordinate_out_of_range": "fatal",
    "swapped_lonlat": "fatal",
    "missing_coordinates": "fatal",
    "not_a_point": "fatal",
    "not_a_polygon": "fatal",
    "bad_geometry": "fatal",
    "unknown_outcome": "fatal",
    "unknown_kind": "fatal",
    "invalid_polygon": "fatal",
    "polygon_repaired": "warning",
    "beats_overlap": "warning",
    "beats_gap": "warning",
    "unusable_crs": "fatal",
    # across files (geo.importer.cross_check, geo.alignment)
    "coordinates_mixed_up": "fatal",
    "outside_beats_share": "fatal",
    "streets_miss": "fatal",
    "outside_beats": "warning",
    "unknown_household": "warning",
    "unknown_follow_up": "warning",
    # beats against street blocks, after import (geo.topology.check_beats)
    "block_outside_beats": "warning",
    "block_split": "warning",
    "beat_not_contiguous": "warning",
}
"""Code -> severity of every finding."""

_FOUND = "columns found: {found}"
_SPLIT = (
    "split it (by station or by period) into files below the limit, or have the "
    "administrator raise it"
)
_LIMIT = "more than {limit:,} (setting {setting}); "

MESSAGES: Final[dict[str, str]] = {
    "unreadable.empty": "the file is empty; export the table again with its header row",
    "wrong_format": "the content is {found}, not {expected} as the file's name says; export it "
    "again as {expected}, or give it the ending of what it is",
    "wrong_format.vrt": "the file is a GDAL virtual file (OGR VRT): instructions to read other "
    "files or web addresses, not data. beatcov reads data only; export the table itself as "
    "{expected}",
    "wrong_format.unknown": "the content is not {expected} as the file's name says (its first "
    "bytes match no format beatcov reads); export it again as {expected}",
    "over_limit.size": "the file is {size:,} bytes, " + _LIMIT + _SPLIT,
    "over_limit.unpacked": "the file unpacks to {size:,} bytes, " + _LIMIT + _SPLIT,
    "over_limit.ratio": "the file unpacks to {ratio:,.0f} times its size, more than {limit:g} "
    "times (setting {setting}): a real export does not compress this well; export the table "
    "again",
    "over_limit.members": "the archive holds {count:,} files, " + _LIMIT + "put only the "
    "table's own files in it",
    "over_limit.lines": "the file has {count:,} lines, " + _LIMIT + _SPLIT,
    "over_limit.features": "the file holds {count:,} features, " + _LIMIT + _SPLIT,
    "over_limit.cells": "the table spans {rows:,} records × {columns:,} columns = {cells:,} "
    "cells, " + _LIMIT + "drop the columns beatcov does not use, or " + _SPLIT,
    "over_limit.sheet_rows": "the sheet reaches row {rows:,}, " + _LIMIT + "delete the rows "
    "below the table (cells that only look empty count too), or " + _SPLIT,
    "over_limit.sheet_cells": "the sheet reaches cell {last}: {rows:,} rows × {columns:,} "
    "columns = {cells:,} cells, " + _LIMIT + "delete everything outside the table (cells "
    "that only look empty count too) and save it again",
    "over_limit.vertices": "the geometries hold up to {count:,} vertices, "
    + _LIMIT
    + "simplify them (to 1 m is plenty), or "
    + _SPLIT,
    "unexpected_error": "beatcov could not read the file ({error}), so nothing was imported; "
    "check that it opens in the program that made it and export it again; if the error "
    "stays, report it to your administrator",
    "missing_column": "required column {canonical!r} is missing; add it or rename a column to one "
    "of its aliases (README, 'Column aliases'), or name the column that holds it; " + _FOUND,
    "missing_column.coordinates": "no coordinates: add longitude and latitude columns (lon/lat, "
    "经度/纬度) or use a geodata file; " + _FOUND,
    "missing_column.polygons": "no polygons: use a geodata file or a WKT column named geometry; "
    + _FOUND,
    "unknown_column": "the column {header!r} named for {canonical} is not in the file; name one of "
    "its columns: {found}",
    "no_records": "the file has a header but no records",
    "missing_id": "the ID is empty; give every record its own ID",
    "duplicate_id.row": "ID {value!r} is used more than once (rows {rows}); keep one record per "
    "ID or give each its own ID",
    "duplicate_id.feature": "ID {value!r} is used more than once (features {rows}); keep one "
    "record per ID or give each its own ID",
    "bad_encoding": "byte {byte} is not UTF-8, and the file is not Chinese text in GBK/GB18030 "
    "either; save the file as UTF-8 (in Excel: Save As, CSV UTF-8) and import it again",
    "bad_encoding.bom": "the file starts with a {bom} byte-order mark, but byte {byte} is not "
    "{bom}; save the file again as UTF-8 and import it again",
    "bad_encoding.dbf": "byte {byte} is not UTF-8, and the attribute text is not Chinese text in "
    "GBK/GB18030 either; add a .cpg file naming its encoding (e.g. UTF-8 or GBK) to the zip, or "
    "export the Shapefile again in UTF-8",
    "duplicate_id.row_many": "ID {value!r} is used {count} times (rows {rows} and {more} more); "
    "keep one record per ID or give each its own ID",
    "duplicate_id.feature_many": "ID {value!r} is used {count} times (features {rows} and {more} "
    "more); keep one record per ID or give each its own ID",
    "bad_time": "{value!r} is not a time beatcov can read; write it like 2026-07-01 18:05",
    "bad_time.empty": "the time is empty; fill it in",
    "bad_time.short_year": "{value!r} has a two-digit year, which could be read in several "
    "ways; write the year in full, like 2026-07-01 18:05",
    "bad_time.order_dmy": "{value!r} is not a date in the order chosen (day/month/year); "
    "correct it, or choose another date order",
    "bad_time.order_mdy": "{value!r} is not a date in the order chosen (month/day/year); "
    "correct it, or choose another date order",
    "bad_time.order_ymd": "{value!r} has its year last, but the order chosen is "
    "year-month-day; write it like 2026-07-01 18:05, or choose another date order",
    "ambiguous_date_order": "{value!r} could be {day_first} (day/month/year) or {month_first} "
    "(month/day/year), and no date in this column tells which; choose the date order, or "
    "write the dates like 2026-07-01",
    "ambiguous_date_order.mixed": "this column has dates that can only be day/month/year "
    "({day_value!r}, row {day_row}) and dates that can only be month/day/year "
    "({month_value!r}, row {month_row}); write every date in one order, like 2026-07-01",
    "date_order_inferred.dmy": "dates of this column are read day first: {evidence!r} (row "
    "{evidence_row}) can only be day/month/year, so {value!r} is read as {reading}; if that "
    "is wrong, choose the date order",
    "date_order_inferred.mdy": "dates of this column are read month first: {evidence!r} (row "
    "{evidence_row}) can only be month/day/year, so {value!r} is read as {reading}; if that "
    "is wrong, choose the date order",
    "not_a_number": "{value!r} is not a number; write a plain number",
    "out_of_range.between": "{value!r} is out of range; use a number from {low:g} to {high:g}",
    "out_of_range.whole_between": "{value!r} is out of range; use a whole number from {low:g} "
    "to {high:g}",
    "out_of_range.at_least": "{value!r} is out of range; use a number of at least {low:g}",
    "out_of_range.whole_at_least": "{value!r} is out of range; use a whole number of at least "
    "{low:g}",
    "out_of_range.whole": "{value!r} is out of range; use a whole number",
    "missing_value": "the cell is empty; fill it in",
    "coordinate_out_of_range": "coordinate ({lon:g}, {lat:g}) is out of range; longitude must "
    "be within ±180 and latitude within ±90",
    "coordinate_out_of_range.system": "coordinates fall outside longitude ±180 / latitude ±90; "
    "check the coordinate system of the file (name it with the coordinate system option)",
    "swapped_lonlat": "latitude {lat:g} is outside ±90 while longitude {lon:g} would be a "
    "latitude: the longitude and latitude columns look swapped; swap them",
    "missing_coordinates": "the record has no coordinates; fill in longitude and latitude",
    "not_a_point": "the geometry is a {kind}, not a point; export one point per record",
    "not_a_polygon": "the beat's geometry is {kind}, not a polygon; draw the beat as a polygon",
    "not_a_polygon.empty": "the beat's geometry is no geometry, not a polygon; draw the beat as "
    "a polygon",
    "bad_geometry": "the geometry is not valid WKT text (e.g. POLYGON ((lon lat, ...))); fix "
    "the cell",
    "unknown_outcome": "{value!r} is not a known outcome; use one of {outcomes} (or 见面, 无人, "
    "拒绝)",
    "unknown_kind": "{value!r} is not a known kind; use household, shop, school or workplace (or "
    "住户, 商铺, 学校, 单位)",
    "invalid_polygon": "the polygon is invalid ({reason}) and repairing it would change its area "
    "by {change:.1%}; fix the boundary in a GIS and import again",
    "polygon_repaired": "the polygon was invalid ({reason}) and was repaired; its area changed "
    "by {change:.2%}",
    "unusable_crs": "the coordinates are in {system}, which cannot be converted to WGS84 "
    "({error}); re-export the file in WGS84 or CGCS2000, or name its coordinate system for "
    "this file (an EPSG code)",
    "outside_beats": "household {value!r} at ({lon:.6f}, {lat:.6f}) lies outside every beat; "
    "check its coordinates or the beat boundaries",
    "outside_beats.swapped": "household {value!r} at ({lon:.6f}, {lat:.6f}) lies outside every "
    "beat; its longitude and latitude look swapped, swap them",
    "unknown_household": "household {value!r} is not in {households_file}; the visit is kept "
    "but cannot be placed until the household is added",
    "unknown_follow_up": "follows up visit {value!r}, which is not in this file; the follow-up "
    "is kept but not linked",
    "more": "{extra} more finding(s) of the same kind ({code})",
}
"""Template key (``code`` or ``code.variant``) -> English message (``str.format``)."""

# Across files: these messages name their files themselves (values["where"] is False).
_MEASURES = {
    "": "{before} of the households lie outside every beat",
    "_gps": "the GPS points lie a median {before} from their households' doors",
}
for _suffix, _measure in _MEASURES.items():
    MESSAGES[f"coordinates_mixed_up.swapped{_suffix}"] = (
        "{file} looks like it has its longitude and latitude swapped: put the longitude "
        f"first (x) and the latitude second (y) (as read, {_measure}; swapped, {{after}})"
    )
    MESSAGES[f"coordinates_mixed_up.system{_suffix}"] = (
        f"{{file}} looks like {{name}}: {{fix}} (as read, {_measure}; read as {{name}}, {{after}})"
    )
    MESSAGES[f"coordinates_mixed_up.against{_suffix}"] = (
        "{file} looks like {name} while {other_file} is {other_name}: {fix} "
        f"(as read, {_measure}; read as {{name}}, {{after}})"
    )
_OUTSIDE = (
    "{share:.0%} of the households in {households_file} ({n} of {total}) lie outside every "
    "beat of {beats_file} (at most {cap:.0%} may)"
)
_NO_MIXUP = (
    "; no usual coordinate mix-up explains it (WGS84, GCJ-02 or BD-09 read as another, or "
    "longitude and latitude swapped, in either file): check that the two files cover the "
    "same area and name each file's coordinate system"
)
MESSAGES["outside_beats_share"] = _OUTSIDE + _NO_MIXUP
MESSAGES["outside_beats_share.far"] = (
    _OUTSIDE + ", a median {distance} from the nearest beat" + _NO_MIXUP
)
_MISS = (
    "the street blocks miss the beats: {share:.0%} of the households lie farther than "
    "{max_m:g} m from every block (at most {cap:.0%} may)"
)
_EXTRACT = "; use the street extract of the beats' area (OpenStreetMap data are WGS84)"
MESSAGES["streets_miss"] = (
    _MISS + "; the nearest block is {distance} {bearing} of the households' centre" + _EXTRACT
)
MESSAGES["streets_miss.no_blocks"] = _MISS + "; the file has no street blocks" + _EXTRACT
MESSAGES["beats_overlap"] = (
    "beats {first} and {second} overlap by {area}; households there would be counted in the "
    "beat with the smaller id. Redraw the shared boundary"
)
MESSAGES["beats_gap"] = (
    "gap of {area} between beats {names} belongs to no beat (around lon {lon:.5f}, lat "
    "{lat:.5f}); extend a beat to cover it"
)


def located(
    file: str,
    text: str,
    *,
    row: int | None = None,
    row_word: str = "row",
    column: str | None = None,
) -> str:
    """Return a finding's message: ``text`` behind the file, row (or feature) and column.

    Examples
    --------
    >>> located("h.csv", "the cell is empty; fill it in", row=3, column="人口")
    "h.csv, row 3, column '人口': the cell is empty; fill it in"
    >>> located("b.zip", "damaged", row=2, row_word="feature")
    'b.zip, feature 2: damaged'
    """
    where = [file]
    if row is not None:
        where.append(f"{row_word} {row}")
    if column is not None:
        where.append(f"column '{column}'")
    return f"{', '.join(where)}: {text}"


def template_key(code: str, variant: str = "") -> str:
    """Return the key of a finding's template.

    Examples
    --------
    >>> template_key("bad_time"), template_key("bad_time", "empty"), template_key("x", "more")
    ('bad_time', 'bad_time.empty', 'more')
    """
    if variant == "more":
        return "more"
    return f"{code}.{variant}" if variant else code


def problem(code: str, variant: str = "", /, **values: Any) -> str:
    """Return the English message of a finding from its template and values.

    Examples
    --------
    >>> problem("not_a_number", value="abc")
    "'abc' is not a number; write a plain number"
    """
    return MESSAGES[template_key(code, variant)].format(**values)


def plain(value: Any) -> Any:
    """Return ``value`` as a plain Python value (numpy scalars unwrapped) to store as JSON."""
    item = getattr(value, "item", None)
    return item() if callable(item) else value
