"""beatcov's own error classes and the validation finding/report types.

Every message names the file, the row (or feature) and the column where it can, and says
what to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from geo.findings import FINDINGS

Severity = Literal["fatal", "warning"]


class BeatcovError(ValueError):
    """Base class of every error beatcov raises on purpose."""


class InputFileError(BeatcovError):
    """An input file cannot be read at all (unknown format, unreadable, empty, too large).

    Parameters
    ----------
    message : str
        What is wrong and what to do, naming the file.
    file : str
        The file's name as the user knows it (``""``: named in the message only).
    code : str
        The finding code the error becomes (:meth:`finding`): ``unreadable`` unless a
        more exact one applies (``wrong_format``, ``over_limit``).
    variant, values
        The template of ``code`` the message follows and what it is filled with (see
        :class:`Finding`), for saying it in another language; none for ``unreadable``.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str = "",
        code: str = "unreadable",
        variant: str = "",
        values: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.file = file
        self.code = code
        self.variant = variant
        self.values = dict(values or {})

    def finding(self, file: str | None = None) -> Finding:
        """Return the error as a fatal finding about ``file`` (default: its own file)."""
        name = self.file or file or ""
        return Finding(
            "fatal", self.code, str(self), name, values=self.values, variant=self.variant
        )


class EncodingError(InputFileError):
    """A file's text is in no encoding beatcov reads without guessing.

    :meth:`finding` is the fatal ``bad_encoding`` finding (file, row and column of the first
    byte that is not UTF-8); the importers report it like any other finding, and the error's
    text is its message.
    """

    def __init__(self, finding: Finding) -> None:
        super().__init__(
            finding.message,
            file=finding.file,
            code=finding.code,
            variant=finding.variant,
            values=finding.values,
        )
        self._finding = finding

    def finding(self, file: str | None = None) -> Finding:
        """Return the ``bad_encoding`` finding, with its row and column."""
        return self._finding


class CRSError(BeatcovError):
    """A coordinate system is unknown or two inputs disagree on it."""


class StreetsError(BeatcovError):
    """A street file cannot be turned into a street network."""


class UnitError(BeatcovError):
    """The analysis units cannot be had as asked: an unknown unit, or street blocks that miss."""


class SchemaError(BeatcovError):
    """A frame handed to an analysis function lacks canonical columns."""


class WorkspaceError(BeatcovError):
    """The workspace cannot do what was asked (unknown dataset, failed write, damaged file)."""


class DatabaseError(WorkspaceError):
    """The workspace's database server cannot be used.

    It is unreachable, refuses the credentials, has no such database or no PostGIS, or
    ``BEATCOV_DATABASE_URL`` is malformed. Messages name the server with its password
    masked (:func:`geo.database.redact`).
    """


class OutputError(BeatcovError):
    """An output folder cannot be written as asked (a file in the way, a folder not ours)."""


class ReviewError(BeatcovError):
    """A chief's review decision is malformed (unknown decision, blank visit or reviewer)."""


class AccountError(BeatcovError):
    """A user account cannot be made or changed as asked (bad name, role, beats or password)."""


class AuditError(BeatcovError):
    """An audit row is malformed (unknown action, blank actor, a time without zone)."""


class PlanError(BeatcovError):
    """A beat plan cannot be made as asked (too few beats for the stations, an unknown block)."""


class RouteError(BeatcovError):
    """A walk route cannot be made as asked (unknown officer, no budget, no households)."""


class ReportError(BeatcovError):
    """The upward report cannot be made as asked (unknown language, missing columns)."""


class DependencyError(BeatcovError):
    """An installed dependency is outside the versions whose internals beatcov was tested with."""


@dataclass(frozen=True)
class Finding:
    """One validation finding.

    Attributes
    ----------
    severity : {"fatal", "warning"}
        Fatal findings stop the import; warnings are kept with the dataset.
    code : str
        Stable machine-readable code, e.g. ``duplicate_id``.
    message : str
        Human message naming file, row and column and saying what to do.
    file : str
        File name the finding is about.
    row : int | None
        1-based data row (spreadsheet-style: header is row 1, first record row 2) or
        feature number for geodata; ``None`` when it concerns the whole file.
    column : str | None
        Column name as it appears in the file, or ``None``.
    values : dict
        What the message is made of, for saying it in another language (the template of
        ``code`` and ``variant`` in :data:`geo.findings.MESSAGES`); ``row_word`` says whether
        ``row`` counts rows or features. Empty when the message has no template.
    variant : str
        Which template of ``code`` the message follows (``""``: the code's own).

    Raises
    ------
    ValueError
        If ``code`` is not one of :data:`geo.findings.FINDINGS`.
    """

    severity: Severity
    code: str
    message: str
    file: str
    row: int | None = None
    column: str | None = None
    values: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    variant: str = ""

    def __post_init__(self) -> None:
        if self.code not in FINDINGS:
            msg = f"unknown finding code {self.code!r}; add it to geo.findings.FINDINGS"
            raise ValueError(msg)


@dataclass
class ValidationReport:
    """All findings of one import, fatal and warnings."""

    findings: list[Finding] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        """Append one finding."""
        self.findings.append(finding)

    def extend(self, other: ValidationReport) -> None:
        """Append every finding of ``other``."""
        self.findings.extend(other.findings)

    @property
    def fatal(self) -> list[Finding]:
        """Findings that stop the import."""
        return [f for f in self.findings if f.severity == "fatal"]

    @property
    def warnings(self) -> list[Finding]:
        """Findings that let the import go on."""
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when nothing fatal was found."""
        return not self.fatal

    def codes(self) -> list[str]:
        """Return the codes of all findings, in order."""
        return [f.code for f in self.findings]

    def to_frame(self) -> pd.DataFrame:
        """Return the findings as a frame: severity, code, file, row, column, message."""
        cols = ["severity", "code", "file", "row", "column", "message"]
        return pd.DataFrame([{c: getattr(f, c) for c in cols} for f in self.findings], columns=cols)

    def __str__(self) -> str:
        if not self.findings:
            return "no findings"
        return "\n".join(f"[{f.severity}] {f.message}" for f in self.findings)


class ImportRefused(BeatcovError):
    """An import found fatal problems; ``report`` holds every finding.

    When too many households lie outside every beat, ``outside`` holds them and ``beats`` the
    beats (for a map of where they are); otherwise both are ``None``.
    """

    def __init__(
        self,
        report: ValidationReport,
        *,
        outside: pd.DataFrame | None = None,
        beats: pd.DataFrame | None = None,
    ) -> None:
        self.report = report
        self.outside = outside
        self.beats = beats
        n = len(report.fatal)
        msg = f"import refused: {n} fatal finding(s)\n{report}"
        super().__init__(msg)
