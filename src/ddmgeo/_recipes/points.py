"""Point datasets: infrastructure projects, DBE schools and WHO-KEMRI health facilities.

Three recipes:

* :func:`budget_review_projects` pivots the vulekamali Budget Review 2019 table (one row per
  project x financial year) to one row per project.
* :func:`dbe_schools` concatenates the nine provincial DBE masterlist workbooks
  (MeganBeckett/sa_schools, March 2017) into one CSV of the useful, non-personal columns.
* :func:`who_kemri` keeps the South African rows of afrihealthsites' ``df_who_sites.rda``.

Conversion rules (these reproduce the registered files byte for byte):

* all three write CSV with minimal quoting and ``\\n`` line ends; empty cells for missing values;
* numbers converted here are written as Python's ``repr`` of the float (``30.2030`` becomes
  ``30.203``, learners ``35`` become ``35.0``: the columns held missing values, so they were floats);
* infrastructure projects: projects in order of first appearance, attributes from their first
  row; ``lon``, ``lat`` from ``gps_code`` (``"lat, lon"``; anything else, such as ``various``
  or ``Not specified``, gives empty cells); ``amount_rands`` pivoted to
  ``amount_fy<year>_<budget_phase>`` columns ordered by year (phase lower-cased, spaces to ``_``);
* schools: workbooks in the byte order of their names (``EasternCape`` ... ``NorthWest``,
  ``NorthernCape``, ``WesternCape``), sheet 1, rows in sheet order, fully empty rows skipped;
  every cell read as text (a whole-number float cell as its integer), the placeholder ``.`` made
  empty, and ``lon``, ``lat``, ``educators_2017``, ``learners_2017`` converted to floats
  (non-numbers become empty);
* WHO-KEMRI: read with ``rdata`` (the registered file was made with rdata 1.1.0), rows with
  ``Country == "South Africa"`` in upstream order, all twelve columns as read; float columns
  (``Lat``, ``Long``, ``Tier``) as ``repr``, NA as empty.
"""

from __future__ import annotations

import csv
import math
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from .._optional import require

__all__ = ["budget_review_projects", "dbe_schools", "who_kemri"]

#: Project attributes kept from the vulekamali table, in output order (after ``project_slug``).
PROJECT_ATTRIBUTES: tuple[str, ...] = (
    "administration_type",
    "government_institution",
    "sector",
    "project_name",
    "project_description",
    "gps_code",
    "nature_of_investment",
    "infrastructure_type",
    "current_project_stage",
    "sip_category",
    "total_project_cost",
)

#: DBE masterlist columns kept, upstream name -> output name, in output order.
SCHOOL_COLUMNS: dict[str, str] = {
    "NatEmis": "NatEmis",
    "DataYear": "DataYear",
    "ProvinceCD": "ProvinceCD",
    "Province": "Province",
    "Institution_Name": "Institution_Name",
    "Status": "Status",
    "Sector": "Sector",
    "Type_DoE": "Type_DoE",
    "Phase": "Phase",
    "Specialization": "Specialization",
    "GIS_Longitude": "lon",
    "GIS_Latitude": "lat",
    "GISSource": "GISSource",
    "DMunName": "DMunName",
    "LMunName": "LMunName",
    "Ward_ID": "Ward_ID",
    "EIDistrict": "EIDistrict",
    "Quintile": "Quintile",
    "NoFeeSchool": "NoFeeSchool",
    "Urban_Rural": "Urban_Rural",
    "Educator_Number 2017": "educators_2017",
    "Learner_Number 2017": "learners_2017",
}

#: Output columns of the schools file converted to numbers.
SCHOOL_NUMERIC: frozenset[str] = frozenset({"lon", "lat", "educators_2017", "learners_2017"})

_PLACEHOLDER = "."
_COUNTRY = "South Africa"
_RDA_OBJECT = "df_who_sites"


# --------------------------------------------------------------------------- recipes


def budget_review_projects(inputs: Mapping[str, Path], out: Path) -> None:
    """One row per Budget Review 2019 project with lon/lat and one amount column per year.

    Parameters
    ----------
    inputs : Mapping[str, pathlib.Path]
        Exactly one input (key ``vulekamali_infrastructure_2019_20``): the upstream CSV with one
        row per project x financial year.
    out : pathlib.Path
        The CSV to write.

    Raises
    ------
    ValueError
        Not exactly one input, or a project with two amounts for the same year and phase.
    """
    with open(_single(inputs), encoding="utf-8", newline="") as fh:
        projects, amount_columns = _pivot_projects(csv.DictReader(fh))
    columns = ["project_slug", *PROJECT_ATTRIBUTES, "lon", "lat", *amount_columns]
    with open(out, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, columns, restval="", extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(projects)


def dbe_schools(inputs: Mapping[str, Path], out: Path) -> None:
    """Concatenate the provincial DBE masterlist workbooks into one CSV.

    Parameters
    ----------
    inputs : Mapping[str, pathlib.Path]
        The nine ``data_raw/<Province>.xlsx`` workbooks (keys ending in ``.xlsx``); read in the
        byte order of their keys.
    out : pathlib.Path
        The CSV to write.

    Raises
    ------
    ddmgeo.errors.MissingDependencyError
        ``openpyxl`` is not installed.
    ValueError
        No workbook among the inputs, or a workbook lacks a kept column.
    """
    openpyxl = require("openpyxl", "build", "to read the DBE masterlist workbooks")
    keys = sorted(key for key in inputs if key.lower().endswith(".xlsx"))
    if not keys:
        raise ValueError(f"no .xlsx workbook among the inputs {sorted(inputs)}")
    with open(out, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(SCHOOL_COLUMNS.values())
        for key in keys:
            writer.writerows(_school_rows(openpyxl, Path(inputs[key])))


def who_kemri(inputs: Mapping[str, Path], out: Path) -> None:
    """The South African rows of the WHO-KEMRI health-facility table, all columns unchanged.

    Parameters
    ----------
    inputs : Mapping[str, pathlib.Path]
        Exactly one input (key ``data/df_who_sites.rda``): the R data file holding ``df_who_sites``.
    out : pathlib.Path
        The CSV to write.

    Raises
    ------
    ddmgeo.errors.MissingDependencyError
        ``rdata`` is not installed.
    ValueError
        Not exactly one input, or the file holds no data frame with a ``Country`` column.

    Notes
    -----
    Parsing the 1.6 MB ``.rda`` (98,745 rows) with ``rdata`` takes about ten seconds.
    """
    frame = _read_rda_frame(_single(inputs))
    rows = frame[(frame["Country"] == _COUNTRY).fillna(False).astype(bool)]
    with open(out, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow([str(c) for c in rows.columns])
        writer.writerows([_r_cell(v) for v in row] for row in rows.itertuples(index=False, name=None))


# --------------------------------------------------------------------------- helpers


def _single(inputs: Mapping[str, Path]) -> Path:
    """The only input path; the recipe takes exactly one."""
    if len(inputs) != 1:
        raise ValueError(f"expected exactly one input, got {len(inputs)}: {sorted(inputs)}")
    return Path(next(iter(inputs.values())))


def _number(text: str) -> str:
    """*text* as a float's repr, or empty if it is empty or not a finite number."""
    try:
        value = float(text)
    except ValueError:
        return ""
    return repr(value) if math.isfinite(value) else ""


# infrastructure projects


def _pivot_projects(rows: Iterable[Mapping[str, str]]) -> tuple[list[dict[str, str]], list[str]]:
    """Projects (first-appearance order) with lon/lat and amounts, and the amount columns in year order."""
    projects: dict[str, dict[str, str]] = {}
    columns: dict[str, tuple[int, str]] = {}
    for row in rows:
        slug = row["project_slug"]
        project = projects.get(slug)
        if project is None:
            project = projects[slug] = {"project_slug": slug, **{k: row[k] for k in PROJECT_ATTRIBUTES}}
            project["lon"], project["lat"] = _lon_lat(row["gps_code"])
        column = _amount_column(row["financial_year"], row["budget_phase"])
        if column in project:
            raise ValueError(f"project {slug!r} has two rows for {column}")
        project[column] = row["amount_rands"]
        columns[column] = (int(row["financial_year"]), column)
    return list(projects.values()), sorted(columns, key=columns.__getitem__)


def _amount_column(year: str, phase: str) -> str:
    """``amount_fy2018_adjusted_appropriation`` for year ``2018``, phase ``Adjusted Appropriation``."""
    return f"amount_fy{year.strip()}_{'_'.join(phase.lower().split())}"


def _lon_lat(gps_code: str) -> tuple[str, str]:
    """(lon, lat) from upstream ``"lat, lon"`` text; empty strings if it is not two numbers."""
    parts = gps_code.split(",")
    if len(parts) != 2:
        return "", ""
    lat, lon = (_number(p.strip()) for p in parts)
    return (lon, lat) if lon and lat else ("", "")


# schools


def _school_rows(openpyxl: Any, path: Path) -> Iterator[list[str]]:
    """The kept, converted cells of each school in sheet 1 of workbook *path*."""
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        cells = book.worksheets[0].iter_rows(values_only=True)
        header = [_cell_text(v) for v in next(cells, ())]
        index = _column_index(header, path)
        for values in cells:
            if all(v is None for v in values):
                continue
            yield [_school_cell(values, i, name) for i, name in index]
    finally:
        book.close()


def _column_index(header: Sequence[str], path: Path) -> list[tuple[int, str]]:
    """(position in *header*, output name) of each kept column."""
    missing = [c for c in SCHOOL_COLUMNS if c not in header]
    if missing:
        raise ValueError(f"{path.name}: sheet 1 lacks the column(s) {missing}")
    return [(header.index(c), name) for c, name in SCHOOL_COLUMNS.items()]


def _school_cell(values: Sequence[Any], i: int, name: str) -> str:
    """Cell *i* of a row as output text: placeholder ``.`` empty, numeric columns as floats."""
    text = _cell_text(values[i] if i < len(values) else None)
    if text == _PLACEHOLDER:
        return ""
    return _number(text) if name in SCHOOL_NUMERIC and text else text


def _cell_text(value: Any) -> str:
    """An Excel cell as text, the way pandas reads it with ``dtype=str`` (``5.0`` -> ``5``)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# WHO-KEMRI


def _read_rda_frame(path: Path) -> Any:
    """The data frame ``df_who_sites`` (or the only data frame) in R data file *path*."""
    rdata = require("rdata", "build", "to read the afrihealthsites .rda file")
    with warnings.catch_warnings():
        # rdata has no constructor for the tibble classes and falls back to data.frame, as intended
        warnings.filterwarnings("ignore", message="Missing constructor for R class", category=UserWarning)
        objects = rdata.read_rda(path)
    frames = {k: v for k, v in objects.items() if hasattr(v, "columns") and "Country" in v.columns}
    if _RDA_OBJECT in frames:
        return frames[_RDA_OBJECT]
    if len(frames) == 1:
        return next(iter(frames.values()))
    raise ValueError(f"{path.name}: no data frame {_RDA_OBJECT!r} with a Country column, found {sorted(objects)}")


def _r_cell(value: Any) -> str:
    """A data-frame cell as CSV text: NA/NaN empty, floats as repr, anything else as str."""
    from pandas import NA

    if value is None or value is NA:
        return ""
    if isinstance(value, float):  # also numpy.float64
        return "" if math.isnan(value) else repr(float(value))
    return str(value)
