"""The Data page's work: check uploaded files through the importer, store accepted imports.

Nothing here draws. :func:`check_upload` refuses a file larger than the settings'
``upload_max_bytes`` before anything is written; otherwise it writes the uploaded bytes to
a private temporary folder (under their own base names), runs
:func:`geo.importer.load_dataset` and returns either the dataset or the refusal's report
(a file that cannot be read, is not what its name says or is beyond a limit is a finding
like any other); nothing is stored until :func:`store` is called with an accepted import,
so a refused import changes nothing.

Coordinates follow :mod:`geo.systems`: the page's coordinate choice applies to files that carry
no coordinate system, each file's own choice (default: as the file says) overrides it.

Columns the alias table does not know: when a file lacks a required column, the check says
which (:attr:`Checked.needs`, with the file's headers to pick from); the user's choice is
passed back as ``columns`` and, once the import is stored, remembered in the workspace for
files with the same headers (:meth:`geo.workspace.Workspace.remember_columns`). A choice
remembered for a file is used when the file would otherwise lack the column.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any, Final

import geopandas as gpd
import pandas as pd

from app.i18n import DEFAULT_LANGUAGE, has_key, translate
from geo.accounts import DATA_ROLES
from geo.alignment import check_streets, streets_message, streets_values
from geo.audit import SYSTEM, Actor
from geo.blocks import blocks_from_graph
from geo.errors import BeatcovError, Finding, ImportRefused, InputFileError, ValidationReport
from geo.findings import template_key
from geo.importer import Dataset, load_dataset, missing_columns
from geo.limits import check_size
from geo.readers import SUPPORTED, read_raw
from geo.settings import Settings, resolve
from geo.streets import load_streets
from geo.workspace import STREET_SUFFIXES, Workspace, street_suffix

TABLES: Final = ("beats", "households", "visits")
"""The three files of a dataset, in upload order."""

UPLOAD_TYPES: Final = tuple(sorted({s.lstrip(".") for s in SUPPORTED}))
"""File name endings the uploaders accept (every format the importers read)."""

STREET_TYPES: Final = tuple(s.rsplit(".", 1)[1] for s in STREET_SUFFIXES)
"""File name endings the streets uploader accepts (the last part of each street suffix)."""

COORDS: Final = ("auto", "wgs84", "gcj02", "bd09", "epsg")
"""Coordinate choices for files that carry no system: WGS84, named systems, or an EPSG code."""

FILE_COORDS: Final = ("file", "wgs84", "gcj02", "bd09", "epsg")
"""Per-file coordinate choices: as the file says (else the choice above), or overridden."""

COORD_NAMES: Final = {"wgs84": "WGS84", "gcj02": "GCJ-02", "bd09": "BD-09"}

REPORT_COLUMNS: Final = ("severity", "file", "row", "column", "message", "code")

COLUMN_CODES: Final = ("missing_column", "unknown_column")
"""Findings of a file lacking a required column: the Data page offers its headers to pick."""

_SAFE_NAME = re.compile(r"[^\w.\-() \u4e00-\u9fff]+")


@dataclass
class Upload:
    """One uploaded file: its name as the user's computer called it, and its bytes."""

    name: str
    content: bytes


@dataclass
class ColumnNeed:
    """A file's required columns that none of its headers plays, and its headers."""

    headers: list[str]
    missing: list[str]


@dataclass
class Checked:
    """The outcome of checking an upload: an accepted dataset, or none and the findings.

    ``columns`` holds the column choices the check used (the user's and remembered ones),
    ``headers`` the headers of each file with a choice (to remember it when stored), and
    ``needs`` the files whose required columns are still not found.
    """

    dataset: Dataset | None
    report: pd.DataFrame
    streets: Upload | None = None
    names: dict[str, str] = field(default_factory=dict)
    outside: gpd.GeoDataFrame | None = None
    beats: gpd.GeoDataFrame | None = None
    findings: ValidationReport = field(default_factory=ValidationReport)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    headers: dict[str, list[str]] = field(default_factory=dict)
    needs: dict[str, ColumnNeed] = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        """True when the import has no fatal finding."""
        return self.dataset is not None


def crs_choice(choice: str, epsg: str = "") -> str | None:
    """Return the ``crs=`` argument of the importer for a coordinate choice.

    Raises
    ------
    BeatcovError
        If ``choice`` is ``"epsg"`` and ``epsg`` is not a whole number.

    Examples
    --------
    >>> crs_choice("auto"), crs_choice("gcj02"), crs_choice("epsg", " 3067 ")
    (None, 'gcj02', 'EPSG:3067')
    >>> crs_choice("file")  # a file's own choice: as the file says
    """
    if choice in ("auto", "file"):
        return None
    if choice != "epsg":
        return choice
    code = epsg.strip().upper().removeprefix("EPSG:")
    if not code.isdigit():
        msg = f"{epsg!r} is not an EPSG code; type its number, e.g. 4326 or 4547"
        raise BeatcovError(msg)
    return f"EPSG:{code}"


def report_frame(report: ValidationReport, *, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Return a validation report as the table the Data page shows (fatal first).

    Messages are in ``lang`` where the catalogue has their template (see
    :func:`finding_text`), else in English.
    """
    frame = report.to_frame()
    frame["message"] = [finding_text(f, lang) for f in report.findings]
    frame["row"] = frame["row"].astype("Int64")
    order = frame["severity"].map({"fatal": 0, "warning": 1}).fillna(2)
    frame = frame.assign(_order=order).sort_values("_order", kind="stable")
    return frame[list(REPORT_COLUMNS)].reset_index(drop=True)


def finding_text(finding: Finding, lang: str) -> str:
    """Return a finding's message in ``lang``: its template by code, filled with its values.

    The English message is kept when ``lang`` is English, the finding has no template
    (messages about two files) or its values do not fill the template.

    Examples
    --------
    >>> f = Finding("fatal", "not_a_number", "h.csv, row 3, column '人口': 'x' is not a "
    ...     "number; write a plain number", "h.csv", 3, "人口", {"value": "x", "row_word": "row"})
    >>> finding_text(f, "zh")
    "h.csv，第 3 行，列“人口”：'x' 不是数字；请填写普通数字"
    """
    key = f"finding_msg.{template_key(finding.code, finding.variant)}"
    if lang == DEFAULT_LANGUAGE or not has_key(key, lang) or not finding.values:
        return finding.message
    values = dict(finding.values)
    try:
        if "fix_table" in values:  # the Data page's own fix, in this language
            values["fix"] = translate(
                "data.coords_fix",
                lang,
                name=COORD_NAMES.get(values["fix_system"], values["fix_system"]),
                table=translate(f"data.file_{values['fix_table']}", lang),
            )
        if "bearing" in values and has_key(f"bearing.{values['bearing']}", lang):
            values["bearing"] = translate(f"bearing.{values['bearing']}", lang)
        problem = translate(key, lang, **values)
        if values.get("where") is False:  # the message names its files itself
            return problem
        where = [finding.file]
        if finding.row is not None:
            word = values.get("row_word", "row")
            where.append(translate(f"finding_where.{word}", lang, n=finding.row))
        if finding.column is not None:
            where.append(translate("finding_where.column", lang, column=finding.column))
    except (KeyError, IndexError, ValueError):
        return finding.message
    return f"{'，'.join(w for w in where if w)}：{problem}"


def coords_hint(table: str, system: str) -> str:
    """Say how to read ``table``'s file as ``system`` on the Data page (for import findings).

    Examples
    --------
    >>> coords_hint("households", "gcj02")
    'choose GCJ-02 as the coordinates of the households file and check again'
    """
    name = COORD_NAMES.get(system, system)
    return f"choose {name} as the coordinates of the {table} file and check again"


def check_upload(
    files: dict[str, Upload],
    *,
    crs: str | None,
    label: str,
    streets: Upload | None = None,
    table_crs: dict[str, str | None] | None = None,
    columns: dict[str, dict[str, str]] | None = None,
    workspace: Workspace | None = None,
    settings: Settings | None = None,
) -> Checked:
    """Read and validate an upload of the three tables; store nothing.

    Parameters
    ----------
    files : dict
        ``{"beats": Upload, "households": Upload, "visits": Upload}``.
    crs : str or None
        Coordinate system of coordinates that carry none (see :func:`crs_choice`).
    table_crs : dict, optional
        ``{table: crs}``: a file's own coordinate system, whatever it declares.
    label : str
        The dataset's name.
    streets : Upload, optional
        A streets file to keep with the dataset once stored. Its street blocks must reach
        the households (:func:`geo.alignment.check_streets`), else the import is refused
        (``streets_miss``); a file that cannot be read is refused too.
    columns : dict, optional
        ``{table: {canonical: header}}``: the file's column that plays a canonical column.
    workspace : Workspace, optional
        Where column choices are remembered: a file lacking a required column is checked
        again with the choice remembered for files with its headers, if any.
    settings : Settings, optional
        ``timezone`` (the zone of visit times without one), the importer's thresholds, and
        ``network_type``, ``outside_block_max_m`` and ``streets_miss_max_share`` for the
        streets check.

    Returns
    -------
    Checked
        The dataset when accepted, always the report as a table; when too many households
        lie outside every beat, those households and the beats (for a map); the files whose
        required columns are not found, with their headers.
    """
    missing = [name for name in TABLES if name not in files]
    if missing:
        msg = f"upload the {', '.join(missing)} file(s) too; a dataset needs all three"
        raise BeatcovError(msg)
    cfg = resolve(settings)
    names = {name: safe_name(files[name].name, fallback=name) for name in TABLES}
    chosen = {table: dict(choice) for table, choice in (columns or {}).items() if choice}
    too_large = _too_large(files, names, streets, cfg)
    if too_large.findings:
        return Checked(None, report_frame(too_large), streets, names, findings=too_large)
    with tempfile.TemporaryDirectory(prefix="beatcov-upload-") as folder:
        paths = {}
        for name in TABLES:
            target = Path(folder) / name
            target.mkdir()
            paths[name] = target / names[name]
            paths[name].write_bytes(files[name].content)

        def load() -> Checked:
            return _check(paths, names, chosen, crs, table_crs, label, streets, cfg)

        checked = load()
        if checked.needs and workspace is not None and _recall(checked, chosen, workspace):
            checked = load()
        checked.headers |= {
            table: _headers(paths[table], names[table], cfg)
            for table in chosen
            if table not in checked.headers
        }
    if checked.dataset is not None and streets is not None:
        finding = streets_finding(streets, checked.dataset, settings=settings)
        if finding is not None:
            report = ValidationReport([*checked.findings.findings, finding])
            checked.dataset, checked.findings = None, report
            checked.report = report_frame(report)
    return checked


def streets_finding(
    streets: Upload, data: Dataset, *, settings: Settings | None = None
) -> Finding | None:
    """Return a fatal finding when an uploaded street file misses the households.

    The file's street blocks are built as the analysis builds them; when more than
    ``streets_miss_max_share`` of the households lie farther than ``outside_block_max_m``
    from every block, the finding names the file and the offset found (as the CLI does).
    """
    cfg = resolve(settings)
    name = safe_name(streets.name, fallback="streets")
    with tempfile.TemporaryDirectory(prefix="beatcov-streets-") as folder:
        path = Path(folder) / name
        path.write_bytes(streets.content)
        try:
            graph = load_streets(path, network_type=cfg.network_type, cache=False)
        except BeatcovError as error:
            return Finding("fatal", "unreadable", str(error), name)
    blocks = blocks_from_graph(graph, settings=cfg)
    check = check_streets(blocks, data.households, settings=cfg)
    if not check.misaligned:
        return None
    message = streets_message(check, streets_file=name, settings=cfg)
    variant, values = streets_values(check, settings=cfg)
    return Finding("fatal", "streets_miss", message, name, values=values, variant=variant)


def _check(
    paths: dict[str, Path],
    names: dict[str, str],
    chosen: dict[str, dict[str, str]],
    crs: str | None,
    table_crs: dict[str, str | None] | None,
    label: str,
    streets: Upload | None,
    settings: Settings,
) -> Checked:
    """Run the importer once on the written files; find the files that lack columns."""
    try:
        data = load_dataset(
            beats=paths["beats"],
            households=paths["households"],
            visits=paths["visits"],
            crs=crs,
            table_crs=table_crs,
            columns=chosen,
            settings=settings,
            names=names,
            label=label,
            hint=coords_hint,
        )
    except ImportRefused as refused:
        report = refused.report
        checked = Checked(None, report_frame(report), streets, names, refused.outside)
        checked.beats, checked.findings = refused.beats, report
        lacking = {f.file for f in report.fatal if f.code in COLUMN_CODES}
        for table in TABLES:
            if names[table] in lacking:
                raw = read_raw(paths[table], name=names[table], settings=settings)
                headers = [str(h) for h in raw.columns]
                need = missing_columns(raw, table, chosen.get(table))
                checked.headers[table] = headers
                if need:
                    checked.needs[table] = ColumnNeed(headers, need)
    except BeatcovError as error:
        # a file that cannot be read at all (unknown format, damaged): one fatal finding
        finding = Finding("fatal", "unreadable", str(error), _named_file(error, names))
        report = ValidationReport([finding])
        return Checked(None, report_frame(report), streets, names, findings=report)
    else:
        checked = Checked(data, report_frame(data.report), streets, names, findings=data.report)
    checked.columns = {table: dict(choice) for table, choice in chosen.items()}
    return checked


def _recall(checked: Checked, chosen: dict[str, dict[str, str]], workspace: Workspace) -> bool:
    """Add to ``chosen`` the remembered choices of the files that lack columns; say if any."""
    added = False
    for table, need in checked.needs.items():
        remembered = workspace.remembered_columns(table, need.headers)
        usable = {
            canonical: header
            for canonical, header in remembered.items()
            if canonical in need.missing and header in need.headers
        }
        if usable:
            chosen.setdefault(table, {}).update(usable)
            added = True
    return added


def column_key(table: str, canonical: str) -> str:
    """Return the session key of the Data page's pick for ``table``'s ``canonical`` column."""
    return f"data_column_{table}_{canonical}"


def merge_choices(
    previous: dict[str, dict[str, str]] | None,
    pending: Checked | None,
    picked: Mapping[str, Any],
) -> dict[str, dict[str, str]]:
    """Return the column choices for the next check: earlier ones, then the page's picks.

    ``picked`` maps :func:`column_key` keys to headers (the session state); a pick left
    empty keeps nothing for its column.

    Examples
    --------
    >>> need = Checked(None, pd.DataFrame(), needs={"beats": ColumnNeed(["Name"], ["beat_id"])})
    >>> merge_choices({"visits": {"time": "When"}}, need, {"data_column_beats_beat_id": "Name"})
    {'visits': {'time': 'When'}, 'beats': {'beat_id': 'Name'}}
    """
    out = {table: dict(choice) for table, choice in (previous or {}).items()}
    for table, need in (pending.needs if pending is not None else {}).items():
        for canonical in need.missing:
            header = picked.get(column_key(table, canonical))
            if header:
                out.setdefault(table, {})[canonical] = str(header)
            else:
                out.get(table, {}).pop(canonical, None)
    return {table: choice for table, choice in out.items() if choice}


def store(checked: Checked, workspace: Workspace, *, actor: Actor) -> str:
    """Save an accepted import in the workspace and make it current; return its id.

    ``actor`` (an admin or planner, or :data:`geo.audit.SYSTEM` for scripts) is recorded
    in the audit trail with the import and the change of the current dataset. A streets
    file uploaded with it is kept in the workspace
    (:meth:`geo.workspace.Workspace.save_streets`).

    Raises
    ------
    BeatcovError
        If ``actor`` may not import, the import was refused (nothing is stored), the
        streets file has an unknown suffix, or the workspace cannot save
        (``WorkspaceError``).
    """
    if actor.role not in (*DATA_ROLES, SYSTEM.role):
        msg = f"{actor.username} ({actor.role}) may not import data: ask an admin or planner"
        raise BeatcovError(msg)
    if checked.dataset is None:
        msg = "this import was refused; fix the files listed in the report and check again"
        raise BeatcovError(msg)
    if checked.streets is not None:
        street_suffix(checked.streets.name)  # refuse before anything is stored
    dataset_id = workspace.save(checked.dataset, make_current=True, actor=actor)
    if checked.streets is not None:
        workspace.save_streets(dataset_id, checked.streets.name, checked.streets.content)
    for table, choice in checked.columns.items():
        if choice and table in checked.headers:
            workspace.remember_columns(table, checked.headers[table], choice)
    return dataset_id


def safe_name(name: str, *, fallback: str) -> str:
    """Return an uploaded file's base name, safe to write in a temporary folder.

    Examples
    --------
    >>> safe_name("../../etc/户籍 2026.csv", fallback="x")
    '户籍 2026.csv'
    >>> safe_name("..", fallback="beats")
    'beats'
    """
    base = PurePath(name.replace("\\", "/")).name
    cleaned = _SAFE_NAME.sub("_", base).strip(" .")
    return cleaned or fallback


def _headers(path: Path, name: str, settings: Settings) -> list[str]:
    """Return the headers of a file as the importer reads them (none if it cannot be read)."""
    try:
        return [str(h) for h in read_raw(path, name=name, settings=settings).columns]
    except InputFileError:
        return []


def _too_large(
    files: dict[str, Upload], names: dict[str, str], streets: Upload | None, settings: Settings
) -> ValidationReport:
    """Return an ``over_limit`` finding for each upload larger than ``upload_max_bytes``."""
    report = ValidationReport()
    uploads = [(names[table], files[table]) for table in TABLES]
    if streets is not None:
        uploads.append((safe_name(streets.name, fallback="streets"), streets))
    for name, upload in uploads:
        try:
            check_size(len(upload.content), file=name, settings=settings)
        except InputFileError as error:
            report.add(error.finding())
    return report


def _named_file(error: BaseException, names: dict[str, str]) -> str:
    text = str(error)
    return next((n for n in names.values() if n in text), "")
