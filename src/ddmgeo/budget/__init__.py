"""Budget spatialisation and reprioritisation: project and budget tables placed in the 52 spaces, to the cent.

Each row's location is read, in order of precedence, from point coordinates (a
GeoDataFrame's geometry or lon/lat columns), a code column, a name column (resolved
with :func:`ddmgeo.resolve`, former names included), a list of areas in one cell
("DC36; DC35", "Waterberg, Capricorn"), or a province / "national" / "province-wide"
label, which is spread over the areas inside by the ``split`` rule. Amounts are held
as integer cents and shared out by the largest-remainder method, so

    sum(by_area) + sum(unallocated) == sum(input amounts)

exactly, whatever the table holds. Nothing is dropped: every row is in
``allocations`` or in ``unallocated`` with its reason.

Examples
--------
>>> from ddmgeo import budget
>>> result = budget.spatialise("projects.xlsx", amount="Budget 2024/25")     # doctest: +SKIP
>>> result.by_area.head(); result.unallocated                                 # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .. import _meta, settings
from ..errors import BudgetError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BudgetError", "Reprioritisation", "SpatialisedBudget", "reprioritise", "spatialise"]


def _rand(cents) -> float:
    return float(cents) / 100.0


@dataclass
class SpatialisedBudget(_meta.Report):
    """The result of :func:`spatialise`, and its own report (``.report`` is the result itself).

    Attributes
    ----------
    by_area : DataFrame
        Every area of the level (zero where nothing landed): ``code, name, amount_cents, amount``
        (rand), ``n_projects``, ``population``, ``per_capita`` (rand per person), ``share``, and one
        ``<by>=<value>`` column per category when ``by`` was given.
    allocations : DataFrame
        The audit trail: one row per (input row, area) with ``row, id, code, amount_cents, rule``, in input
        row order. ``code`` and ``rule`` are categoricals (one copy of each text however many rows; they
        compare, group and write to CSV like text, ``.astype(str)`` gives plain strings). ``id`` is the
        ``id=`` column's value, else the row number.
    unallocated : DataFrame
        Every row that could not be placed: ``row, line, id, amount_cents, reason, value, suggestions`` and,
        for rows with coordinates, ``lon, lat``. ``row`` is the position in the table (0-based, as in
        ``allocations``); ``line`` is what the reader sees: the file's line number (as
        :func:`ddmgeo.read_table` and :func:`ddmgeo.monitoring.track` report it) or the DataFrame's index label.
    issues : DataFrame
        Rows placed but worth a look (``row, line, id, issue``): negative amounts, duplicated ids, coordinates
        that were ignored, shares that do not add up, a province that contradicts the name.
    """

    level: str
    vintage: int
    by_area: "pd.DataFrame"
    allocations: "pd.DataFrame"
    unallocated: "pd.DataFrame"
    issues: "pd.DataFrame"
    input_cents: int
    population_year: int | None
    split: str
    by: list[str] = field(default_factory=list)
    population_note: str = ""

    @property
    def source_text(self) -> str:
        """What the maps credit: the placed table and the population behind per-capita figures."""
        if self.population_year is None:
            return f"budget table placed with ddmgeo.budget.spatialise (split by {self.split}); population not available"
        return f"budget table placed with ddmgeo.budget.spatialise (split by {self.split}); population: Statistics South Africa ({self.population_year})"

    @property
    def report(self) -> "SpatialisedBudget":
        """The report of the spatialisation: the result itself (``summary()``, ``unallocated``, ``issues``)."""
        return self

    @property
    def notes(self) -> list[str]:  # type: ignore[override]
        """What was noticed beyond the tables: how the population behind per-capita figures was found."""
        return [self.population_note] if self.population_note else []

    @property
    def allocated_cents(self) -> int:
        return int(self.by_area["amount_cents"].sum())

    @property
    def unallocated_cents(self) -> int:
        return int(self.unallocated["amount_cents"].sum(skipna=True))

    def check(self) -> None:
        """Raise if a cent was lost: allocated + unallocated must equal the input total exactly."""
        if self.allocated_cents + self.unallocated_cents != self.input_cents:
            raise AssertionError(
                f"budget does not balance: allocated {self.allocated_cents} + unallocated {self.unallocated_cents} "
                f"!= input {self.input_cents} cents"
            )
        for b in self.by:  # every category column of an area adds up to its amount (a blank category included)
            cols = [c for c in self.by_area.columns if str(c).startswith(f"{b}=")]
            parts = np.rint(self.by_area[cols].sum(axis=1).to_numpy() * 100).astype("int64") if cols else 0
            if not np.array_equal(parts, self.by_area["amount_cents"].to_numpy()):
                raise AssertionError(f"the {b}= columns do not add up to the amount of every area")

    def summary(self) -> str:
        """The report as text: rows placed and not placed, the balance to the cent, issues to look at."""
        from .._format import format_value

        lines = [
            f"{len(self.allocations.row.unique())} row(s) placed in {int((self.by_area.amount_cents != 0).sum())} of "
            f"{len(self.by_area)} {self.level} areas: {format_value(_rand(self.allocated_cents), 'rand')} "
            f"(R {self.allocated_cents / 100:,.2f}).",
            f"{len(self.unallocated)} row(s) not placed: R {self.unallocated_cents / 100:,.2f}"
            + (f" (and {int(self.unallocated.amount_cents.isna().sum())} with no readable amount)" if len(self.unallocated) else "")
            + ".",
            f"Input total R {self.input_cents / 100:,.2f} = placed + not placed (exact to the cent).",
        ]
        for r in self.unallocated.head(10).itertuples():
            lines.append(f"  line {r.line}: {r.reason}" if "line" in self.unallocated and r.line is not None else f"  row {r.row}: {r.reason}")
        if len(self.issues):
            lines.append(f"{len(self.issues)} issue(s) to look at (see .issues).")
        if self.population_note:
            lines.append(self.population_note.capitalize() + ".")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"<SpatialisedBudget {self.level}: R {self.allocated_cents / 100:,.2f} placed, {len(self.unallocated)} row(s) unallocated>"

    def map_per_capita(self, **kwargs):
        """Choropleth of spend per capita (maps.choropleth)."""
        from .. import maps

        t = self.by_area.copy()
        _meta.attach(t, indicators={"per_capita": {"label": "Spend per person", "unit": "rand", "higher_is": "neutral", "year": self.population_year, "source": self.source_text}})
        return maps.choropleth(t, "per_capita", level=self.level, vintage=self.vintage, **kwargs)

    def map_amounts(self, **kwargs):
        """Proportional symbols of the amounts placed in each area (maps.proportional_symbols)."""
        from .. import maps

        t = self.by_area.copy()
        _meta.attach(t, indicators={"amount": {"label": "Budget placed", "unit": "rand", "higher_is": "neutral", "year": None, "source": self.source_text}})
        return maps.proportional_symbols(t, "amount", level=self.level, vintage=self.vintage, **kwargs)


# ----------------------------------------------------------------------------- reading


def _read(projects, sheet: str | int | None = None) -> "pd.DataFrame":
    """The project table: a DataFrame as given; a file read with read_table's loader (so a file whose
    content is not what its name says, merged header cells, an empty sheet or a workbook with several
    visible sheets and no *sheet* are named, never misread)."""
    import pandas as pd

    from ..tables import check_unique_columns

    if sheet is not None and not isinstance(projects, (str, os.PathLike)):
        raise BudgetError(f"sheet={sheet!r} names a sheet of a workbook file, but the projects are a {type(projects).__name__}: leave sheet= out.")
    if isinstance(projects, pd.DataFrame):
        check_unique_columns(projects.columns, "the project table")
        if projects.empty:
            raise BudgetError("The project table has no rows: there is nothing to place.")
        return projects
    path = Path(projects)
    if not path.is_file():
        raise FileNotFoundError(f"No project table at {path}.")
    from ..errors import TableError
    from ..tables import _load, _sniff

    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls", ".csv", ".txt", ".tsv"):
        table = _load(path, sheet)[0]  # indexed by file line; TableError names a misnamed file or merged headers
        if table.empty:
            raise BudgetError(f"{path.name} has a header but no rows: there is nothing to place.")
        return table
    if sheet is not None:
        raise BudgetError(f"{path.name} is not a workbook: sheet={sheet!r} (--sheet) applies to .xlsx and .xls files only; leave it out.")
    if suffix in (".gpkg", ".geojson", ".json", ".shp", ".fgb", ".parquet"):
        kind, what = _sniff(path.read_bytes()[:4096])
        expected = {".gpkg": "an SQLite database", ".parquet": "a Parquet file", ".geojson": "plain text", ".json": "plain text"}.get(suffix)
        if expected and not what.startswith(expected) and not (expected == "plain text" and kind == "text"):
            raise TableError(f"{path.name} is named {suffix} but its content looks like {what}: check that the right file was saved.")
        import geopandas as gpd

        frame = gpd.read_parquet(path) if suffix == ".parquet" else gpd.read_file(path)
        check_unique_columns(frame.columns, path.name)
        return frame
    raise BudgetError(f"Cannot read {path.name}: use .csv, .xlsx, .gpkg, .geojson, .parquet or a DataFrame.")


def _add_per_capita(by_area: "pd.DataFrame", level: str, vintage: int, year: int | None) -> tuple[int | None, str]:
    """Add ``population``, ``population_year`` and ``per_capita`` to *by_area*; return (year, note).

    Placing amounts never needs population: when it is not available, the columns are missing
    values and the note says why (never zero, never a crash).
    """
    import numpy as np

    from .. import indicators
    from ..errors import DataNotAvailableError

    try:
        pop = indicators.get("population", level=level, year=year, vintage=vintage)
    except DataNotAvailableError as exc:
        by_area["population"] = np.nan
        by_area["population_year"] = None
        by_area["per_capita"] = np.nan
        return None, f"per-capita figures not available: {str(exc).splitlines()[0]}"
    pop_year = _meta.read(pop).indicators["population"]["year"]
    by_area["population"] = by_area.code.map(pop.set_index("code")["population"])
    by_area["population_year"] = pop_year
    by_area["per_capita"] = by_area.amount / by_area.population
    return pop_year, ""


_DASK_DEFAULTS = {"split": "population", "id": None, "by": None, "fix_swapped": False, "tags": None, "successors": "unallocated", "sheet": None}


def _dask_refuses(**options: object) -> None:
    """The dask engine places coordinate rows only: an option it cannot honour is refused, never dropped."""
    asked = [name for name, value in options.items() if value != _DASK_DEFAULTS[name]]
    if asked:
        raise BudgetError(
            f"engine='dask' places coordinate rows by point-in-area only and cannot honour {', '.join(asked)}; "
            "drop these options or use engine='memory' (read the file in chunks if it does not fit in memory)."
        )


def _spatialise_dask(projects, *, amount, level, vintage, location, blocksize, population_year, snap_km) -> SpatialisedBudget:
    import pandas as pd

    from ..areas import areas_table
    from ._dask import spatialise_dask

    lon = lat = None
    if location is not None:
        cols = [location] if isinstance(location, str) else list(location)
        if len(cols) != 2:
            raise BudgetError("With engine='dask', location= names the longitude and latitude columns: location=['lon', 'lat'].")
        lon, lat = cols
    areas, cents, rows, lost, nparts = spatialise_dask(projects, amount=amount, level=level, vintage=vintage, lon=lon, lat=lat, blocksize=blocksize, population_year=population_year, snap_km=snap_km)
    by_area = pd.DataFrame({"code": areas})
    by_area["name"] = by_area.code.map(areas_table(level, vintage=vintage).set_index("code")["name"])
    by_area["amount_cents"] = pd.Series(cents, dtype="int64")
    by_area["amount"] = by_area.amount_cents / 100.0
    by_area["n_projects"] = rows
    pop_year, pop_note = _add_per_capita(by_area, level, vintage, population_year)
    total = int(by_area.amount_cents.sum())
    by_area["share"] = by_area.amount_cents / total if total else 0.0
    rule = f"points (engine='dask', {nparts} partitions)"
    allocations = pd.DataFrame(
        {
            "row": -1,
            "id": None,
            "code": pd.Categorical(areas, categories=areas),  # as the in-memory engine's table
            "amount_cents": pd.Series(cents, dtype="int64"),
            "rule": pd.Categorical([rule] * len(areas)),
        }
    )
    allocations = allocations[allocations.amount_cents != 0].reset_index(drop=True)
    unallocated = pd.DataFrame(
        [{"row": -1, "id": None, "amount_cents": c if reason != "amount unreadable" else pd.NA, "reason": f"{n} row(s): {reason}", "value": "", "suggestions": ()} for reason, (n, c) in lost.items() if n]
        , columns=["row", "id", "amount_cents", "reason", "value", "suggestions"],
    )
    unallocated["amount_cents"] = unallocated["amount_cents"].astype("Int64")
    input_cents = total + int(unallocated.amount_cents.sum(skipna=True))
    result = SpatialisedBudget(level, vintage, by_area, allocations, unallocated, pd.DataFrame(columns=["row", "id", "issue"]), input_cents, pop_year, "none (points only)", [], pop_note)
    result.check()
    return result


def _area_index_at(lon: np.ndarray, lat: np.ndarray, level: str, vintage: int, *, snap_km: float = 0.0) -> np.ndarray:
    """Position in ``all_of_level(level, vintage)`` of the area at each lon/lat (EPSG:4326), -1 outside:
    the one point rule of :func:`ddmgeo._place.place` (assign_points' locator and boundary rule, and
    snapping within *snap_km*), fed coordinates directly (no point geometries are built for a million rows)."""
    from .._area_sets import resolve_areas
    from .._place import place

    p = place(resolve_areas(level, vintage), lon, lat, snap_km=snap_km)
    return np.where(p.index >= 0, _locator_to_level(level, vintage)[np.maximum(p.index, 0)], -1)


@lru_cache(maxsize=8)
def _locator_to_level(level: str, vintage: int) -> np.ndarray:
    """Map the areas' order (the point rule's) to ``all_of_level`` order."""
    from .._area_sets import resolve_areas
    from ._locate import all_of_level

    pos = {c: k for k, c in enumerate(all_of_level(level, vintage))}
    return np.asarray([pos[c] for c in resolve_areas(level, vintage).codes], dtype=np.int64)


def _weights(split, level: str, vintage: int, year: int | None) -> tuple["pd.Series | None", int | None, str]:
    """Per-area weights for spreading amounts (None: per-row shares column)."""
    import pandas as pd

    from .. import indicators

    if isinstance(split, str) and split == "population":
        t = indicators.get("population", level=level, year=year, vintage=vintage)
        y = _meta.read(t).indicators["population"]["year"]
        return t.set_index("code")["population"], y, f"population ({y})"
    if isinstance(split, str) and split == "equal":
        from ._locate import all_of_level

        return pd.Series(1.0, index=list(all_of_level(level, vintage))), None, "equal shares"
    if isinstance(split, str) and split == "area":
        t = indicators.get("area_km2", level=level, vintage=vintage)
        return t.set_index("code")["area_km2"], None, "area"
    if isinstance(split, Mapping) or isinstance(split, pd.Series):
        s = pd.Series(split, dtype=float)
        if (s < 0).any() or s.isna().any():
            raise BudgetError("split weights must be non-negative numbers for every area.")
        return s, None, "caller's weights"
    return None, None, f"shares in column {split!r}"


_YES = {"yes", "y", "true", "t", "1", "x"}
_NO = {"no", "n", "false", "f", "0", ""}
_GROUPS = {"women": "population_female", "youth": "youth_15_34", "all": "population"}


def _tag_fractions(table: "pd.DataFrame", col: str) -> np.ndarray:
    """Per row, the share of its amount a tag column marks: flags give 0/1, shares their value."""
    from .._numbers import NotANumber, parse_number

    if col not in table.columns:
        raise BudgetError(f"No tag column {col!r}; the table has {list(table.columns)}.")
    out = np.zeros(len(table))
    bad = []
    for i, v in enumerate(table[col].tolist()):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            continue
        if isinstance(v, (bool, np.bool_)):
            out[i] = float(v)
            continue
        text = str(v).strip().lower()
        if text in _YES:
            out[i] = 1.0
            continue
        if text in _NO:
            continue
        try:
            d, _, percent = parse_number(text)
        except NotANumber:
            bad.append((i, v))
            continue
        f = float(d) if d is not None else 0.0
        if not 0 <= f <= 1:
            bad.append((i, v))
            continue
        out[i] = f
    if bad:
        rows = ", ".join(f"row {i} ({v!r})" for i, v in bad[:10])
        raise BudgetError(f"Tag column {col!r} must hold yes/no flags or shares between 0 and 1 (or 0-100 %); not readable: {rows}.")
    return out


def _target_population(group: str, level: str, vintage: int, year: int | None) -> "pd.Series":
    from .. import indicators

    if group not in _GROUPS:
        raise BudgetError(f"Unknown target group {group!r} for a tag: use one of {sorted(_GROUPS)}.")
    ind = _GROUPS[group]
    t = indicators.get(ind, level=level, year=year, vintage=vintage)
    return t.set_index("code")[ind]


def _row_shares(cell, codes: tuple[str, ...], vintage: int) -> list[float]:
    """Weights from a per-row cell such as 'DC36=60; DC35=40' (names or codes)."""
    from ..names import resolve

    if cell is None or (isinstance(cell, float) and np.isnan(cell)) or not str(cell).strip():
        raise ValueError("the shares cell is empty")
    found: dict[str, float] = {}
    for part in str(cell).split(";"):
        if not part.strip():
            continue
        name, _, value = part.rpartition("=") if "=" in part else part.rpartition(":")
        code = resolve(name.strip(), vintage=vintage)
        found[code] = float(value.strip().rstrip("%"))
    missing = [c for c in codes if c not in found]
    if missing:
        raise ValueError(f"no share given for {missing}")
    return [found[c] for c in codes]


# ----------------------------------------------------------------------------- spatialise


def spatialise(
    projects,
    *,
    amount: str,
    level: str = "district",
    vintage: int = settings.DEFAULT_VINTAGE,
    location: str | Sequence[str] | None = None,
    split: str | Mapping[str, float] = "population",
    id: str | None = None,
    by: str | Sequence[str] | None = None,
    fix_swapped: bool = False,
    snap_km: float = 5.0,
    tags: Mapping[str, str] | None = None,
    allow_suffixes: bool = False,
    successors: str = "unallocated",
    population_year: int | None = 2016,
    engine: str = "memory",
    blocksize: str | int | None = None,
    sheet: str | int | None = None,
) -> SpatialisedBudget:
    """Place every row of a project or budget table in the areas of *level*, exactly to the cent.

    Parameters
    ----------
    projects : DataFrame, GeoDataFrame or path (.csv, .xlsx, .gpkg, .geojson)
    sheet : str or int, optional
        The sheet of a workbook (``.xlsx``/``.xls``), by name or 0-based position. Without it a workbook
        is read from its only visible sheet; one with several visible sheets raises a TableError listing
        them (a table is never read from sheet 1 silently).
    amount : str
        Column of amounts in rand: numbers, or text such as "R 1 200 000,00" or "1,200,000.00".
        Scale words ("1.2m", "R 3 bn") only with ``allow_suffixes=True``.
    level : {"district", "municipality", "province"}, default "district"
    location : str or list of str, optional
        The column(s) to read locations from, in order; by default point geometry, then
        lon/lat columns, then code, name and province columns found by their names. Coordinate
        columns are recognised as :func:`ddmgeo.overlays.read_points` does (lon/long/longitude/lng
        or x, lat/latitude or y, or names ending in ...longitude/...latitude such as GIS_Longitude);
        where several could be, name the two in ``location``.
    split : "population", "equal", "area", a mapping code -> weight, or a column name
        How an amount for several areas (a list, a province, "national") is shared: by
        population (Community Survey 2016 by default), equally, by area, by your weights, or by
        per-row shares written as ``"DC36=60; DC35=40"`` in the named column.
    id : str, optional
        Project id column (duplicates are reported in ``issues``).
    by : str or list of str, optional
        Category columns (department, sector, financial year) to split the per-area totals by.
    fix_swapped : bool, default False
        Place points whose lon/lat are evidently swapped (outside South Africa as given,
        inside it when swapped). Without it such rows fall back to a name column if there is
        one, else they are unallocated with that reason.
    tags : mapping column -> target group, optional
        Tagging columns for gender- and youth-responsive budgeting, e.g.
        ``{"gender_responsive": "women", "youth_share": "youth"}``. A column of yes/no flags tags a
        row's whole amount; a column of shares (0-1, or per cent written with %) tags that share of it.
        ``by_area`` then gains ``<column>_amount`` (rand) and ``<column>_per_capita`` (per member of the
        target group: ``women``, ``youth`` (15-34) or ``all``); tagged plus untagged spend equals the total
        to the cent.
    snap_km : float, default 5
        A point just outside the (generalised) boundaries, such as a coastal clinic, is placed in the
        nearest area when it lies within this distance (km) of it; the allocation rule and ``issues`` say so.
        A point equally near two areas (off a shared corner) goes to the first in code order. 0 turns
        snapping off.
    successors : {"unallocated", "spread"}, default "unallocated"
        A row naming an area that was disestablished and split (Motheo, DC17: Mangaung, Xhariep and
        Thabo Mofutsanyane) goes to ``unallocated`` with the successors in its reason; ``"spread"``
        spreads it over the successors by ``split`` instead, and the allocation rule says so. A former
        area with one successor (Metsweding: City of Tshwane) is always placed in it, with a note.
    population_year : int, optional
        Year of the population used for per-capita figures and population splits.
    engine : {"memory", "dask"}, default "memory"
        ``"dask"`` places the coordinate rows of a CSV or Parquet file larger than memory (or a dask
        DataFrame) partition by partition (``blocksize`` bytes of CSV each): the per-area totals are exact
        and equal the in-memory engine's; ``allocations`` then holds one row per area and ``unallocated``
        one row per reason (rows without readable amounts or coordinates, points outside every area).
        Points are placed (and snapped) by the same rule; names, lists, provinces, splits and tags need the
        in-memory engine, and the dask engine refuses those options rather than drop them.

    Returns
    -------
    SpatialisedBudget

    Raises
    ------
    BudgetError
        Missing amount column, unknown level, bad split weights.

    Examples
    --------
    >>> import pandas as pd
    >>> from ddmgeo import budget
    >>> t = pd.DataFrame({"project": ["A", "B"], "where": ["Waterberg", "Limpopo"], "rand": ["1 000 000", "R 500 000,50"]})
    >>> r = budget.spatialise(t, amount="rand", location="where")
    >>> r.check()                                   # raises if a cent went missing
    >>> int(r.by_area.amount_cents.sum())           # R 1 500 000,50: Limpopo's half million spread over its districts
    150000050
    >>> r.by_area.nlargest(2, "amount")[["code", "name", "amount"]]
        code       name      amount
    35  DC36  Waterberg  1064299.63
    33  DC34     Vhembe   120186.97
    """
    from . import _steps

    if engine not in ("memory", "dask"):
        raise BudgetError(f"engine must be 'memory' or 'dask', not {engine!r}.")
    opt = _steps.options(amount, level, vintage, location, split, id, by, fix_swapped, snap_km, tags, allow_suffixes, successors, population_year)
    if engine == "dask":
        _dask_refuses(split=split, id=id, by=by, fix_swapped=fix_swapped, tags=tags, successors=successors, sheet=sheet)
        return _spatialise_dask(projects, amount=amount, level=opt.level, vintage=opt.vintage, location=location, blocksize=blocksize, population_year=population_year, snap_km=opt.snap_km)
    rows = _steps.read(projects, opt, sheet)
    weights, _, split_text, shares_col = _steps.split_rule(rows, opt)  # (the split population year is in split_text)
    found = _steps.columns(rows, opt)
    areas = _steps.areas(opt)  # area positions below are positions in this list
    _steps.locate_points(rows, found, opt, areas)
    _steps.read_texts(rows, found, opt)
    pieces = _steps.allocate(rows, opt, areas, weights, shares_col, split_text)
    return _steps.report(rows, opt, areas, pieces, split_text)


# ----------------------------------------------------------------------------- reprioritise


@dataclass
class Reprioritisation:
    """Spend per capita against need: ``table`` per area and ``summary()`` of the largest gaps."""

    table: "pd.DataFrame"
    need_label: str
    level: str
    vintage: int

    def summary(self, n: int = 5) -> str:
        from .._format import format_value

        t = self.table.dropna(subset=["gap"])
        under = t.nsmallest(n, "gap")
        over = t.nlargest(n, "gap")
        lines = [f"Against need ({self.need_label}): a need-proportional allocation of the same total would move:"]
        lines += [f"  under-funded {r.name} ({r.code}): {format_value(-r.gap, 'rand')} short" for r in under.itertuples() if r.gap < 0]
        lines += [f"  over-funded {r.name} ({r.code}): {format_value(r.gap, 'rand')} above" for r in over.itertuples() if r.gap > 0]
        return "\n".join(lines)

    def map(self, **kwargs):
        """Bivariate map of need against spend per capita (maps.bivariate)."""
        from .. import maps

        return maps.bivariate(self.table, "need", "per_capita", level=self.level, vintage=self.vintage, x_label=self.need_label, y_label="Spend per person", **kwargs)


def _need_values(need, level: str, vintage: int, column: str | None, sheet: str | int | None) -> tuple["pd.Series", str]:
    """Need values by code from a Series or mapping (indexed by codes or names), a DataFrame or a file.

    Everything goes through :func:`ddmgeo.read_table` (the one reader of user tables), so names, former
    names and codes resolve alike, numbers written as text are read, duplicated column names are refused
    and a workbook's sheet is chosen by the same rule. An area that does not resolve, or is given twice,
    raises a BudgetError listing the rows: a need value is never dropped or doubled silently.
    """
    import pandas as pd

    from ..tables import _EXCEL, _TEXT, check_unique_columns, read_table

    label = None
    if isinstance(need, Mapping) and not isinstance(need, pd.Series):
        need = pd.Series(need, dtype=object)
    if isinstance(need, pd.Series):
        if column is not None or sheet is not None:
            raise BudgetError("column= and sheet= apply to a need table or file; a Series gives one value per area already: leave them out.")
        label = str(need.name) if need.name is not None else "need"
        frame = pd.DataFrame({"area": [str(i) if i is not None else None for i in need.index], "need": list(need.to_numpy())})
        value_column = "need"
        area: str | None = "area"
    elif isinstance(need, pd.DataFrame):
        check_unique_columns(need.columns, "the need table")
        frame = need
        if not isinstance(need.index, pd.RangeIndex):  # a table indexed by area names or codes: the index names the areas
            name = str(need.index.name) if need.index.name is not None else "area"
            while name in need.columns:
                name += "_index"
            frame = need.reset_index(names=name)
            area = name
        else:
            area = None
        value_column = column
    elif isinstance(need, (str, os.PathLike)) and Path(need).suffix.lower() in _TEXT + _EXCEL:
        frame, area, value_column = need, None, column
    else:
        raise TypeError(f"need must be an indicator id, a Series or mapping of need by area, a DataFrame or a table file, not {type(need).__name__}.")
    if sheet is not None and not isinstance(frame, (str, os.PathLike)):
        raise BudgetError(f"sheet={sheet!r} names a sheet of a workbook file, but the need is a DataFrame: leave sheet= out.")
    table, report = read_table(frame, area=area, level=level, vintage=vintage, sheet=sheet)  # type: ignore[arg-type]
    if not report.unmatched.empty or not report.duplicates.empty:
        problems = [f"line {r.line} {r.value!r}: {r.reason}" + (f" (closest: {'; '.join(map(str, r.suggestions[:3]))})" if len(r.suggestions) else "") for r in report.unmatched.head(10).itertuples(index=False)]
        problems += [f"{code} given on lines {', '.join(map(str, lines))}" for code, lines in report.duplicates.values]
        raise BudgetError(
            f"The need values cannot all be matched to {level} areas ({vintage}):\n  " + "\n  ".join(problems)
            + "\nCorrect those names or codes (or pass need values for each area once) and call reprioritise again: "
            "a need value is never dropped or counted twice."
        )
    if value_column is None:
        skip = {report.area_column, "code", "level", "code_original", "level_original"}
        numbers = [c for c in table.columns if c not in skip and pd.api.types.is_numeric_dtype(table[c]) and not pd.api.types.is_bool_dtype(table[c])]
        if len(numbers) != 1:
            found = f"its number columns are {numbers}" if numbers else "it has no column of numbers"
            raise BudgetError(f"Which column holds the need? The need table names areas in {report.area_column!r} and {found}: pass column='<need column>'.")
        value_column = numbers[0]
    elif value_column not in table.columns:
        raise BudgetError(f"The need table has no column {value_column!r}; its columns are {[c for c in table.columns if c not in ('code', 'level')]}.")
    values = table[value_column]
    if not pd.api.types.is_numeric_dtype(values):
        shown = [v for v in values if not isinstance(v, (int, float))][:3]
        raise BudgetError(f"The need column {value_column!r} holds values that are not numbers ({shown}): correct them or pass another column=.")
    out = pd.Series(values.to_numpy(dtype=float), index=table["code"].to_numpy(), name=value_column)
    return out, label or str(value_column)


def reprioritise(spatialised: SpatialisedBudget, need, *, year: int | None = None, column: str | None = None, sheet: str | int | None = None) -> Reprioritisation:
    """Compare spend per capita with need, and price each area's gap to a need-proportional allocation.

    Parameters
    ----------
    spatialised : SpatialisedBudget
    need : str, pandas.Series, mapping, DataFrame or path
        A catalogue indicator id (a ``higher_is = better`` share such as ``piped_water_share`` is turned
        into its shortfall, 1 - share, so that higher means more need); a Series or mapping of need values
        indexed by area codes or names (resolved as :func:`ddmgeo.resolve` does); or a table of areas and
        need values, as a DataFrame (areas in a column or the index) or a ``.csv``/``.xlsx`` file, read with
        :func:`ddmgeo.read_table`.
    column : str, optional
        The need column of a table; by default its only column of numbers.
    sheet : str or int, optional
        The sheet of a workbook file (see :func:`ddmgeo.read_table`).

    Returns
    -------
    Reprioritisation
        ``table``: ``code, name, amount, per_capita, need, people_in_need, need_rank`` (1 = most need),
        ``spend_rank`` (1 = most per person), ``need_allocation`` (the same total shared by people in need;
        by population times need for shares, by need itself for counts) and ``gap`` = amount - need_allocation
        (negative = under-funded).

    Examples
    --------
    >>> import pandas as pd
    >>> from ddmgeo import budget
    >>> t = pd.DataFrame({"project": ["A", "B"], "where": ["Waterberg", "Limpopo"], "rand": [1_000_000, 500_000]})
    >>> result = budget.spatialise(t, amount="rand", location="where")
    >>> rp = budget.reprioritise(result, "piped_water_share")
    >>> rp.table.nsmallest(1, "gap")[["code", "name"]]           # the most under-funded for its need
        code       name
    15  DC15  O.R.Tambo
    >>> print(rp.summary())
    Against need (shortfall in share of persons living in households with piped water inside the dwelling or yard): ...
      under-funded O.R.Tambo (DC15): R ... short
    ...
    """
    import pandas as pd

    from .. import indicators
    from ._amounts import share_cents

    if not isinstance(spatialised, SpatialisedBudget):
        raise TypeError(f"reprioritise() takes a SpatialisedBudget (the result of ddmgeo.budget.spatialise(...)), not a {type(spatialised).__name__}.")
    t = spatialised.by_area[["code", "name", "amount_cents", "amount", "population", "per_capita"]].copy()
    from ..tables import _EXCEL, _TEXT

    if isinstance(need, str) and Path(need).suffix.lower() not in _TEXT + _EXCEL:
        if column is not None or sheet is not None:
            raise BudgetError(f"column= and sheet= apply to a need table or file, not to the indicator {need!r}: leave them out.")
        from .._catalogue import first

        d = first(need)
        g = indicators.get(need, level=spatialised.level, year=year, vintage=spatialised.vintage)
        meta = _meta.read(g).indicators[need]
        values = g.set_index("code")[need]
        label = meta["label"]
        if d.higher_is == "better":
            if meta["unit"] != "proportion":
                raise BudgetError(f"{need!r} is higher-is-better but not a share; pass a Series of need values instead.")
            values = 1 - values
            label = f"shortfall in {label.lower()}"
        is_share = meta["unit"] == "proportion"
    else:
        values, label = _need_values(need, spatialised.level, spatialised.vintage, column, sheet)
        is_share = bool(values.dropna().between(0, 1).all())
    t["need"] = t.code.map(values)
    negative = t[t.need < 0]
    if len(negative):
        raise BudgetError(f"Need cannot be negative: {', '.join(f'{c} ({v:g})' for c, v in zip(negative.code, negative.need))}. Fix those values or pass a shortfall.")
    t["people_in_need"] = t.need * t.population if is_share else t.need
    t["need_rank"] = t.need.rank(ascending=False, method="min").astype("Int64")
    t["spend_rank"] = t.per_capita.rank(ascending=False, method="min").astype("Int64")
    ok = t.people_in_need.notna() & (t.people_in_need >= 0)
    alloc = pd.Series(np.nan, index=t.index)
    if ok.any():
        parts = share_cents(int(t.amount_cents.sum()), t.loc[ok, "people_in_need"].tolist())
        alloc[ok] = np.array(parts, dtype=float) / 100.0
    t["need_allocation"] = alloc
    t["gap"] = t.amount - t.need_allocation
    return Reprioritisation(t, label, spatialised.level, spatialised.vintage)
