"""A beat plan imported over a dataset: the same households and visits, the plan's beats.

A plan made current (the app's Planning page) becomes a dataset of its own, stored in the
workspace like any import. Its beats come from the plan's file, the very bytes a planner
downloads (``plan.geojson``), read back through the importer's one beats reader
(:func:`geo.importer.read_beats`): what is made current is what the importer accepts, with
its checks (polygons, repairs, overlaps and gaps between beats).

Choices
-------
* Households and visits are the dataset's own, unchanged (the same objects: a
  :class:`~geo.importer.Dataset` is never changed in place).
* The new dataset's report is the earlier findings (they describe the files its households
  and visits came from) followed by the findings of the plan's file, named
  :data:`PLAN_FILE`.
* A fatal finding in the plan's file refuses it (:class:`~geo.errors.ImportRefused`, with
  the report), as an upload would be refused.
* The file is written to a private temporary folder only for the reader; nothing is kept.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Final

from geo.errors import ImportRefused, ValidationReport
from geo.files import write_private
from geo.importer import Dataset, read_beats
from geo.settings import Settings, resolve

PLAN_FILE: Final = "plan.geojson"
"""The name findings give the plan's file (the name of its download and CLI output)."""

__all__ = ["PLAN_FILE", "with_plan_beats"]


def with_plan_beats(
    data: Dataset, content: bytes, *, name: str, settings: Settings | None = None
) -> Dataset:
    """Return ``data`` with the beats of a plan's GeoJSON file instead of its own.

    Parameters
    ----------
    data : Dataset
        The dataset the plan was made from.
    content : bytes
        The plan's beats as GeoJSON (WGS84), as downloaded.
    name : str
        Label of the new dataset.
    settings : Settings, optional
        Thresholds of the beats reader (``repair_max_area_change``, ``beat_overlap_min_m2``).

    Returns
    -------
    Dataset
        The plan's beats with ``data``'s households, visits and time zone.

    Raises
    ------
    ImportRefused
        When the plan's file has a fatal finding (nothing is stored).
    """
    cfg = resolve(settings)
    with tempfile.TemporaryDirectory(prefix="beatcov-plan-") as folder:
        path = write_private(Path(folder) / PLAN_FILE, content)
        imported = read_beats(path, crs="wgs84", settings=cfg, name=PLAN_FILE)
    if not imported.report.ok:
        raise ImportRefused(imported.report)
    report = ValidationReport([*data.report.findings, *imported.report.findings])
    return Dataset(imported.table, data.households, data.visits, report, data.timezone, name)
