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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .. import settings
from ..errors import BudgetError, DDMGeoError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BudgetError", "Reprioritisation", "SpatialisedBudget", "reprioritise", "spatialise"]


def _rand(cents) -> float:
    return float(cents) / 100.0


@dataclass
class SpatialisedBudget:
    """The result of :func:`spatialise`.

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
        Every row that could not be placed: ``row, id, amount_cents, reason, value, suggestions`` and, for
        rows with coordinates, ``lon, lat``.
    issues : DataFrame
        Rows placed but worth a look: negative amounts, duplicated ids, coordinates that were ignored.
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

    def summary(self) -> str:
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
            lines.append(f"  row {r.row}: {r.reason}")
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
        t.attrs["ddmgeo"] = {"indicators": {"per_capita": {"label": "Spend per person", "unit": "rand", "higher_is": "neutral", "year": self.population_year, "source": self.source_text}}}
        return maps.choropleth(t, "per_capita", level=self.level, vintage=self.vintage, **kwargs)

    def map_amounts(self, **kwargs):
        """Proportional symbols of the amounts placed in each area (maps.proportional_symbols)."""
        from .. import maps

        t = self.by_area.copy()
        t.attrs["ddmgeo"] = {"indicators": {"amount": {"label": "Budget placed", "unit": "rand", "higher_is": "neutral", "year": None, "source": self.source_text}}}
        return maps.proportional_symbols(t, "amount", level=self.level, vintage=self.vintage, **kwargs)


# ----------------------------------------------------------------------------- reading


def _read(projects) -> "pd.DataFrame":
    """The project table: a DataFrame as given; a file read with read_table's loader (so a file whose
    content is not what its name says, merged header cells or an empty sheet are named, never misread)."""
    import pandas as pd

    from ..tables import check_unique_columns

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
        table = _load(path, None)[0].reset_index(drop=True)  # TableError names a misnamed file or merged headers
        if table.empty:
            raise BudgetError(f"{path.name} has a header but no rows: there is nothing to place.")
        return table
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
    pop_year = pop.attrs["ddmgeo"]["indicators"]["population"]["year"]
    by_area["population"] = by_area.code.map(pop.set_index("code")["population"])
    by_area["population_year"] = pop_year
    by_area["per_capita"] = by_area.amount / by_area.population
    return pop_year, ""


_DASK_DEFAULTS = {"split": "population", "id": None, "by": None, "fix_swapped": False, "snap_km": 5.0, "tags": None, "successors": "unallocated"}


_NO_SNAP = " (engine='dask' does not snap points to the nearest area; engine='memory' does, within snap_km)"


def _dask_refuses(**options: object) -> None:
    """The dask engine places coordinate rows only: an option it cannot honour is refused, never dropped."""
    asked = [name for name, value in options.items() if value != _DASK_DEFAULTS[name] and not (name == "snap_km" and value == 0)]
    if asked:
        raise BudgetError(
            f"engine='dask' places coordinate rows by point-in-area only and cannot honour {', '.join(asked)}; "
            "drop these options or use engine='memory' (read the file in chunks if it does not fit in memory)."
        )


def _spatialise_dask(projects, *, amount, level, vintage, location, blocksize, population_year) -> SpatialisedBudget:
    import pandas as pd

    from ..indicators import _names
    from ._dask import spatialise_dask

    lon = lat = None
    if location is not None:
        cols = [location] if isinstance(location, str) else list(location)
        if len(cols) != 2:
            raise BudgetError("With engine='dask', location= names the longitude and latitude columns: location=['lon', 'lat'].")
        lon, lat = cols
    areas, cents, rows, lost, nparts = spatialise_dask(projects, amount=amount, level=level, vintage=vintage, lon=lon, lat=lat, blocksize=blocksize, population_year=population_year)
    by_area = pd.DataFrame({"code": areas})
    by_area["name"] = by_area.code.map(_names(level, vintage, areas))
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
        [{"row": -1, "id": None, "amount_cents": c if reason != "amount unreadable" else pd.NA, "reason": f"{n} row(s): {reason}" + (_NO_SNAP if reason == "outside every area" else ""), "value": "", "suggestions": ()} for reason, (n, c) in lost.items() if n]
        , columns=["row", "id", "amount_cents", "reason", "value", "suggestions"],
    )
    unallocated["amount_cents"] = unallocated["amount_cents"].astype("Int64")
    input_cents = total + int(unallocated.amount_cents.sum(skipna=True))
    result = SpatialisedBudget(level, vintage, by_area, allocations, unallocated, pd.DataFrame(columns=["row", "id", "issue"]), input_cents, pop_year, "none (points only)", [], pop_note)
    result.check()
    return result


def _area_index_at(lon: np.ndarray, lat: np.ndarray, level: str, vintage: int) -> np.ndarray:
    """Position in ``all_of_level(level, vintage)`` of the area at each lon/lat (EPSG:4326), -1 outside:
    ddmgeo.overlays.assign_points' locator and boundary rule, fed coordinates directly (no point
    geometries are built for a million rows)."""
    from .._area_sets import resolve_areas
    from ..overlays._locator import locator

    areas = resolve_areas(level, vintage)
    idx, _ = locator(areas).locate(lon, lat)
    return np.where(idx >= 0, _locator_to_level(level, vintage)[idx], -1)


@lru_cache(maxsize=8)
def _locator_to_level(level: str, vintage: int) -> np.ndarray:
    """Map the locator's area order to ``all_of_level`` order."""
    from .._area_sets import resolve_areas
    from ._locate import all_of_level

    pos = {c: k for k, c in enumerate(all_of_level(level, vintage))}
    return np.asarray([pos[c] for c in resolve_areas(level, vintage).codes], dtype=np.int64)


@lru_cache(maxsize=8)
def _edges(level: str, vintage: int):
    """The areas' rings (exterior and holes) cut into short pieces in an STRtree, with each piece's area
    (position in ``all_of_level``), in the distance CRS: the nearest area to a point outside every area is
    the owner of the nearest piece, found without measuring whole district outlines."""
    import shapely

    pieces, owner = [], []
    step = 32  # segments per piece
    from .._area_sets import resolve_areas

    geometry = resolve_areas(level, vintage).to_crs(settings.DISTANCE_CRS)  # cached on the area set
    for k, geom in zip(_locator_to_level(level, vintage).tolist(), geometry):
        for ring in shapely.get_rings(shapely.get_parts(geom)):
            xy = shapely.get_coordinates(ring)
            for s in range(0, len(xy) - 1, step):
                pieces.append(shapely.linestrings(xy[s : s + step + 1]))
                owner.append(k)
    return shapely.STRtree(pieces), np.asarray(owner, dtype=np.int64)


def _nearest_area(level: str, vintage: int, x: np.ndarray, y: np.ndarray, max_distance: float) -> tuple[np.ndarray, np.ndarray]:
    """For points (distance CRS) outside every area: the nearest area within *max_distance* metres
    (-1 if none) and the distance. Equidistant areas go to the first in ``all_of_level`` order."""
    import shapely

    tree, owner = _edges(level, vintage)
    (i, j), d = tree.query_nearest(shapely.points(x, y), max_distance=max_distance, return_distance=True, all_matches=True)
    near = np.full(len(x), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(near, i, owner[j])
    dist = np.full(len(x), np.nan)
    dist[i] = d
    near[near == np.iinfo(np.int64).max] = -1
    return near, dist


@lru_cache(maxsize=8)
def _snap_zone(level: str, vintage: int, snap_km: float):
    """The union of the areas grown by *snap_km* (prepared), in the distance CRS: where snapping may apply.

    A buffer draws its round corners as chords, which cut up to r(1 - cos(pi / 4q)) inside the true
    distance (q segments per quarter circle); the radius is grown by that factor (and a metre) so the zone
    holds every point within *snap_km*, and the exact distance test in :func:`_nearest_area` decides."""
    import shapely

    from .._area_sets import resolve_areas

    q = 8
    zone = shapely.buffer(shapely.union_all(resolve_areas(level, vintage).to_crs(settings.DISTANCE_CRS)), snap_km * 1000 / np.cos(np.pi / (4 * q)) + 1, quad_segs=q)
    shapely.prepare(zone)
    return zone


def _weights(split, level: str, vintage: int, year: int | None) -> tuple["pd.Series | None", int | None, str]:
    """Per-area weights for spreading amounts (None: per-row shares column)."""
    import pandas as pd

    from .. import indicators

    if isinstance(split, str) and split == "population":
        t = indicators.get("population", level=level, year=year, vintage=vintage)
        y = t.attrs["ddmgeo"]["indicators"]["population"]["year"]
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
) -> SpatialisedBudget:
    """Place every row of a project or budget table in the areas of *level*, exactly to the cent.

    Parameters
    ----------
    projects : DataFrame, GeoDataFrame or path (.csv, .xlsx, .gpkg, .geojson)
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
        Names, lists, provinces, splits, tags and snapping need the in-memory engine.

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
    import pandas as pd

    from ._amounts import column_to_cents, share_cents, share_cents_many
    from ._locate import (
        CODE_NAMES,
        NAME_NAMES,
        PROVINCE_NAMES,
        LocationProblem,
        coordinate_column,
        find_column,
        resolve_text,
    )

    if level not in ("district", "municipality", "province"):
        raise BudgetError(f"level must be 'district', 'municipality' or 'province', not {level!r}.")
    v = 2016 if int(vintage) in (2020, 2021) else int(vintage)
    if engine not in ("memory", "dask"):
        raise BudgetError(f"engine must be 'memory' or 'dask', not {engine!r}.")
    if successors not in ("unallocated", "spread"):
        raise BudgetError(f"successors must be 'unallocated' or 'spread', not {successors!r}.")
    if engine == "dask":
        _dask_refuses(split=split, id=id, by=by, fix_swapped=fix_swapped, snap_km=snap_km, tags=tags, successors=successors)
        return _spatialise_dask(projects, amount=amount, level=level, vintage=v, location=location, blocksize=blocksize, population_year=population_year)
    table = _read(projects).reset_index(drop=True)
    if amount not in table.columns:
        raise BudgetError(f"No amount column {amount!r}; the table has {list(table.columns)}. Pass amount=<column name>.")
    bys = [by] if isinstance(by, str) else list(by or [])
    for b in bys + ([id] if id else []):
        if b not in table.columns:
            raise BudgetError(f"No column {b!r} in the table; it has {list(table.columns)}.")
    weights, pop_year, split_text = _weights(split, level, v, population_year)
    shares_col = split if (weights is None) else None
    if shares_col is not None and shares_col not in table.columns:
        raise BudgetError(f"split={split!r} is neither 'population', 'equal', 'area', a mapping of weights nor a column of the table.")

    # --- amounts
    cents, amount_problems = column_to_cents(table[amount], allow_suffixes=allow_suffixes)

    # --- location sources
    import geopandas as gpd

    cols = list(table.columns)
    if location is not None:
        loc_cols = [location] if isinstance(location, str) else list(location)
        for c in loc_cols:
            if c not in table.columns:
                raise BudgetError(f"No location column {c!r}; the table has {cols}.")
        lon, lat = coordinate_column(loc_cols, "lon"), coordinate_column(loc_cols, "lat")
        text_cols = [c for c in loc_cols if c not in (lon, lat)]
        province_col = find_column([c for c in cols if c not in loc_cols], PROVINCE_NAMES)
    else:
        lon, lat = coordinate_column(cols, "lon"), coordinate_column(cols, "lat")
        code_col, name_col = find_column(cols, CODE_NAMES), find_column(cols, NAME_NAMES)
        province_col = find_column(cols, PROVINCE_NAMES)
        text_cols = [c for c in (code_col, name_col) if c is not None]
    use_geometry = isinstance(table, gpd.GeoDataFrame) and location is None
    if use_geometry and table.crs is None:
        from ..errors import CRSError

        raise CRSError("The GeoDataFrame has no CRS: set it (e.g. .set_crs('EPSG:4326') for lon/lat) before spatialising.")
    if use_geometry:
        kinds_ = table.geom_type
        wrong = kinds_.notna() & (kinds_ != "Point")
        if wrong.any():
            from ..errors import TableError

            rows_ = ", ".join(f"row {i} ({t})" for i, t in zip(list(table.index[wrong])[:5], kinds_[wrong][:5]))
            raise TableError(
                f"Projects are placed by points, but {int(wrong.sum())} geometries are not points: {rows_}. "
                "Use a point per project (e.g. gdf.geometry = gdf.representative_point()), or give a location column."
            )

    from ._locate import all_of_level

    areas = list(all_of_level(level, v))  # area indices below are positions in this list
    area_pos = {c: k for k, c in enumerate(areas)}
    n = len(table)
    xs_all = np.full(n, np.nan)
    ys_all = np.full(n, np.nan)
    # integer area indices (-1: none) and plain numpy arrays: per-row Python objects would dominate the run time
    point_ix = np.full(n, -1, dtype=np.int64)
    swapped_ix = np.full(n, -1, dtype=np.int64)
    snapped = np.zeros(n, dtype=bool)
    snap_note: dict[int, str] = {}
    coord_note = np.full(n, "", dtype=object)
    if use_geometry or (lon is not None and lat is not None):
        if use_geometry:
            pts = table.to_crs(settings.STORAGE_CRS).geometry
            ok_geom = (pts.notna() & ~pts.is_empty).to_numpy()
            xs = np.full(n, np.nan)
            ys = np.full(n, np.nan)
            xs[ok_geom] = pts[ok_geom].x.to_numpy()
            ys[ok_geom] = pts[ok_geom].y.to_numpy()
        else:
            def numbers(col) -> np.ndarray:
                if pd.api.types.is_numeric_dtype(table[col].dtype):
                    return table[col].to_numpy(dtype=float, na_value=np.nan)
                return pd.to_numeric(table[col].astype(object).replace("", None), errors="coerce").to_numpy(dtype=float, na_value=np.nan)

            xs, ys = numbers(lon), numbers(lat)
            for col, vals in ((lon, xs), (lat, ys)):
                if pd.api.types.is_numeric_dtype(table[col].dtype):
                    continue  # a numeric column has no unreadable cells
                raw = table[col].astype(object).to_numpy()
                for i in np.flatnonzero(np.isnan(vals)):
                    cell = raw[i]
                    if cell is not None and not (isinstance(cell, float) and np.isnan(cell)) and str(cell).strip() and str(cell).strip().lower() != "nan":
                        coord_note[i] = f"coordinates ({table[lon].iat[i]!r}, {table[lat].iat[i]!r}) are not numbers"
        xs_all, ys_all = xs, ys
        have = ~np.isnan(xs) & ~np.isnan(ys)
        if have.any():
            idx = np.flatnonzero(have)
            point_ix[idx] = _area_index_at(xs[idx], ys[idx], level, v)
            outside = have & (point_ix < 0)
            if outside.any() and snap_km > 0:
                # the boundaries are generalised: coastal and border points can fall just outside them
                import shapely
                from pyproj import Transformer

                oidx = np.flatnonzero(outside)
                px, py = Transformer.from_crs(settings.STORAGE_CRS, settings.DISTANCE_CRS, always_xy=True).transform(xs[oidx], ys[oidx])
                close = shapely.contains_xy(_snap_zone(level, v, snap_km), px, py)  # one prepared polygon test, then the few near
                if close.any():
                    near, dist = _nearest_area(level, v, px[close], py[close], snap_km * 1000)
                    got = near >= 0
                    for i, k, d in zip(oidx[close][got].tolist(), near[got].tolist(), dist[got].tolist()):
                        point_ix[i] = k
                        snapped[i] = True
                        snap_note[i] = f"point ({xs[i]:.5f}, {ys[i]:.5f}) lies {d / 1000:.1f} km outside the generalised boundaries; placed in the nearest area"
                outside = have & (point_ix < 0)
            if outside.any():
                oidx = np.flatnonzero(outside)
                swapped_ix[oidx] = _area_index_at(ys[oidx], xs[oidx], level, v)
                # one shared text (the row's lon and lat are in the unallocated table), a specific one for swaps
                notes = np.full(len(oidx), "point (see lon, lat) lies outside South Africa", dtype=object)
                hits = swapped_ix[oidx] >= 0
                notes[hits] = [
                    f"point ({xs[i]:.5f}, {ys[i]:.5f}) lies outside South Africa; with lon/lat swapped it falls in {areas[k]} (pass fix_swapped=True to use it)"
                    for i, k in zip(oidx[hits], swapped_ix[oidx][hits])
                ]
                coord_note[oidx] = notes

    # --- place every row (vectorised: each distinct location text is read once; only odd rows loop)
    ids = table[id].to_numpy(dtype=object) if id else np.arange(n)

    def text_ids(col, vocab: dict) -> np.ndarray:
        """Per row, the position in *vocab* of the cell's stripped text (-1: missing or blank); distinct cells are stripped once."""
        cell, distinct = pd.factorize(table[col])  # missing cells -> -1
        pos = [vocab.setdefault(s, len(vocab)) if (s := str(u).strip()) else -1 for u in distinct]
        return np.asarray(pos + [-1], dtype=np.int64)[cell]  # the trailing -1 serves the missing cells

    texts: dict[str, int] = {}
    text_id = np.full(n, -1, dtype=np.int64)
    for c in text_cols:
        t = text_ids(c, texts)
        fill = text_id < 0
        text_id[fill] = t[fill]
    provinces: list = []  # resolved province codes; prov_id indexes it
    prov_id = np.full(n, -1, dtype=np.int64)
    if province_col is not None:
        from ..names import resolve

        written: dict[str, int] = {}
        raw_id = text_ids(province_col, written)
        to_code = []
        for val in written:
            try:
                code = resolve(val, level="province", vintage=v)
            except DDMGeoError:
                to_code.append(-1)
                continue
            if code not in provinces:
                provinces.append(code)
            to_code.append(provinces.index(code))
        prov_id = np.asarray(to_code + [-1], dtype=np.int64)[raw_id]
        # a row with only a province is spread over it
        only = (text_id < 0) & (prov_id >= 0)
        text_id[only] = np.asarray([texts.setdefault(p, len(texts)) for p in provinces], dtype=np.int64)[prov_id[only]]
    text_of = list(texts)

    amount_bad = np.zeros(n, dtype=bool)
    if amount_problems:
        amount_bad[list(amount_problems)] = True
    cents_na = cents.isna().to_numpy()
    blank = cents_na & ~amount_bad
    valid = ~amount_bad & ~blank
    cents_int = np.zeros(n, dtype="int64")
    cents_int[valid] = cents[valid].astype("int64").to_numpy()
    use_swap = np.zeros(n, dtype=bool)
    if fix_swapped:
        use_swap = (point_ix < 0) & (swapped_ix >= 0)
        point_ix = np.where(use_swap, swapped_ix, point_ix)
    by_point = valid & (point_ix >= 0)
    text_rows = np.flatnonzero(valid & ~by_point)

    unalloc_rows: list[tuple] = []
    issue_rows: list[tuple] = []
    amounts_raw = table[amount]
    for i in np.flatnonzero(amount_bad):
        unalloc_rows.append((i, ids[i], None, amount_problems[i], str(amounts_raw.iat[i]), ()))
    for i in np.flatnonzero(blank):
        unalloc_rows.append((i, ids[i], 0, "no amount (blank cell)", "", ()))
    for i in np.flatnonzero(valid & (cents_int < 0)):
        issue_rows.append((i, ids[i], "negative amount (kept and placed; check it is a correction)"))
    for i in np.flatnonzero(valid & use_swap):
        issue_rows.append((i, ids[i], coord_note[i].replace(" (pass fix_swapped=True to use it)", "; used swapped")))
    moved = np.flatnonzero(by_point & snapped)
    issue_parts = [
        pd.DataFrame(issue_rows, columns=["row", "id", "issue"]),
        pd.DataFrame({"row": moved, "id": ids[moved], "issue": [snap_note[i] for i in moved.tolist()]}),
    ]
    issue_rows = []

    # allocation pieces: parallel arrays of input row, area index, cents and rule index
    rule_names = {"point": 0, "point (lon/lat swapped, fixed)": 1, "point (snapped to the nearest area)": 2}

    def rule_id(text: str) -> int:
        return rule_names.setdefault(text, len(rule_names))

    point_rows = np.flatnonzero(by_point)
    pieces = [(point_rows, point_ix[point_rows], cents_int[point_rows], np.where(use_swap[point_rows], 1, np.where(snapped[point_rows], 2, 0)))]

    no_text = text_id[text_rows] < 0
    lost = text_rows[no_text]
    lost_frame = pd.DataFrame(
        {
            "row": lost,
            "id": ids[lost],
            "amount_cents": cents_int[lost],
            "reason": np.where(coord_note[lost] != "", coord_note[lost], "no location: no coordinates, code, name or province in the row"),
            "value": "",
            "suggestions": [()] * len(lost),
        }
    )
    named = text_rows[~no_text]
    # one key per distinct (text, province) pair, each read once
    key, keys = pd.factorize(text_id[named] * (len(provinces) + 1) + prov_id[named] + 1)
    targets: list = []
    for k in keys.tolist():
        t, p = divmod(k, len(provinces) + 1)
        try:
            targets.append(resolve_text(text_of[t], provinces[p - 1] if p else None, level, v, successors=successors))
        except LocationProblem as exc:
            targets.append(exc)
    key_problem = np.array([isinstance(r, LocationProblem) for r in targets], dtype=bool)
    key_one = np.array([not isinstance(r, LocationProblem) and len(r.codes) == 1 for r in targets], dtype=bool)
    key_area = np.array([area_pos[r.codes[0]] if one else -1 for r, one in zip(targets, key_one)], dtype=np.int64)
    key_rule = np.array([rule_id(r.rule) if one else -1 for r, one in zip(targets, key_one)], dtype=np.int64)
    for i, k in zip(named[key_problem[key]].tolist(), key[key_problem[key]].tolist()):
        res = targets[k]
        reason = str(res) + (f"; also {coord_note[i]}" if coord_note[i] else "")
        unalloc_rows.append((i, ids[i], int(cents_int[i]), reason, text_of[text_id[i]], res.suggestions))
    placed, placed_key = named[~key_problem[key]], key[~key_problem[key]]
    for i in placed[coord_note[placed] != ""].tolist():
        issue_rows.append((i, ids[i], coord_note[i] + f"; placed by its location text {text_of[text_id[i]]!r} instead"))
    one = key_one[placed_key]
    pieces.append((placed[one], key_area[placed_key[one]], cents_int[placed[one]], key_rule[placed_key[one]]))
    # rows shared among several areas, grouped by their (text, province) key
    shared, shared_key = placed[~one], placed_key[~one]
    order = np.argsort(shared_key, kind="stable")
    shared, shared_key = shared[order], shared_key[order]
    starts = np.flatnonzero(np.r_[True, shared_key[1:] != shared_key[:-1]]) if len(shared) else np.array([], dtype=np.int64)
    for lo, hi in zip(starts.tolist(), np.r_[starts[1:], len(shared)].tolist()):
        rows, res = shared[lo:hi], targets[int(shared_key[lo])]
        k = len(res.codes)
        where_ = np.asarray([area_pos[t] for t in res.codes], dtype=np.int64)
        rule = rule_id(f"{res.rule}; shared by {split_text}")
        if shares_col is not None:  # per-row shares: each row its own weights
            for i in rows.tolist():
                try:
                    w = _row_shares(table[shares_col].iat[i], res.codes, v)
                except (ValueError, DDMGeoError) as exc:
                    unalloc_rows.append((i, ids[i], int(cents_int[i]), f"cannot share the amount among {k} areas: {exc}", text_of[text_id[i]], ()))
                    continue
                pieces.append((np.full(k, i), where_, np.asarray(share_cents(int(cents_int[i]), w), dtype=np.int64), np.full(k, rule)))
            continue
        missing = [t for t in res.codes if t not in weights.index or not np.isfinite(weights.get(t, np.nan))]
        if missing:
            for i in rows.tolist():
                unalloc_rows.append((i, ids[i], int(cents_int[i]), f"cannot share the amount among {k} areas: no {split_text} weight for {missing}", text_of[text_id[i]], ()))
            continue
        parts = share_cents_many(cents_int[rows], [float(weights[t]) for t in res.codes])
        pieces.append((np.repeat(rows, k), np.tile(where_, len(rows)), parts.reshape(-1), np.full(len(rows) * k, rule)))

    row_, area_, cents_, rule_ = (np.concatenate([np.asarray(p[j], dtype=np.int64) for p in pieces]) for j in range(4))
    order = np.argsort(row_, kind="stable")  # by input row; a shared row's areas in the target's order
    row_, area_, cents_, rule_ = row_[order], area_[order], cents_[order], rule_[order]
    allocations = pd.DataFrame(
        {
            "row": row_,
            "id": table[id].take(row_).to_numpy() if id else row_,
            "code": pd.Categorical.from_codes(area_, categories=areas),
            "amount_cents": cents_,
            "rule": pd.Categorical.from_codes(rule_, categories=list(rule_names)).remove_unused_categories(),
        }
    )
    unallocated = pd.concat([lost_frame, pd.DataFrame(unalloc_rows, columns=["row", "id", "amount_cents", "reason", "value", "suggestions"])], ignore_index=True)
    unallocated = unallocated.sort_values("row", kind="stable").reset_index(drop=True)
    rows_u = unallocated["row"].to_numpy(dtype="int64")
    unallocated["lon"] = xs_all[rows_u] if len(rows_u) else np.array([], dtype=float)
    unallocated["lat"] = ys_all[rows_u] if len(rows_u) else np.array([], dtype=float)
    unallocated["amount_cents"] = unallocated["amount_cents"].astype("Int64")
    if id:
        dup = table[id][table[id].duplicated(keep=False) & table[id].notna()]
        rows_of = dup.groupby(dup).groups
        for i in dup.index:
            issue_rows.append((i, table[id].iat[i], f"project id {table[id].iat[i]!r} appears more than once (rows {sorted(rows_of[dup[i]].tolist())})"))
    issue_parts.append(pd.DataFrame(issue_rows, columns=["row", "id", "issue"]))
    issues = pd.concat([p for p in issue_parts if len(p)] or issue_parts[:1], ignore_index=True).sort_values("row", kind="stable").reset_index(drop=True)

    # --- totals per area
    sums = np.zeros(len(areas), dtype=np.int64)
    np.add.at(sums, area_, cents_)
    by_area = pd.DataFrame({"code": areas})
    from ..indicators import _names

    by_area["name"] = by_area.code.map(_names(level, v, areas))
    by_area["amount_cents"] = sums
    by_area["amount"] = by_area.amount_cents / 100.0
    by_area["n_projects"] = np.bincount(area_, minlength=len(areas))  # a row lands at most once in an area
    pop_year, pop_note = _add_per_capita(by_area, level, v, population_year)
    total = by_area.amount_cents.sum()
    by_area["share"] = by_area.amount_cents / total if total else 0.0
    for b in bys:
        cat = table[b].astype(str).reindex(allocations.row.values).values
        pivot = allocations.assign(_cat=cat).pivot_table(index="code", columns="_cat", values="amount_cents", aggfunc="sum", fill_value=0)
        for val in pivot.columns:
            by_area[f"{b}={val}"] = by_area.code.map(pivot[val]).fillna(0).astype("int64") / 100.0
    input_cents = int(cents_int[valid].sum())
    for col, group in (tags or {}).items():
        fraction = _tag_fractions(table, col)
        tagged = np.rint(allocations["amount_cents"].to_numpy() * fraction[allocations["row"].to_numpy()]).astype("int64")
        allocations[f"{col}_cents"] = tagged
        sums_t = allocations.groupby("code")[f"{col}_cents"].sum()
        by_area[f"{col}_amount"] = by_area.code.map(sums_t).fillna(0).astype("int64") / 100.0
        target = _target_population(group, level, v, population_year)
        by_area[f"{col}_per_capita"] = by_area[f"{col}_amount"] / by_area.code.map(target)
    result = SpatialisedBudget(level, v, by_area, allocations, unallocated, issues, input_cents, pop_year, split_text, bys, pop_note)
    result.check()
    return result


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


def reprioritise(spatialised: SpatialisedBudget, need, *, year: int | None = None) -> Reprioritisation:
    """Compare spend per capita with need, and price each area's gap to a need-proportional allocation.

    Parameters
    ----------
    spatialised : SpatialisedBudget
    need : str or pandas.Series
        A catalogue indicator id (a ``higher_is = better`` share such as ``piped_water_share`` is turned
        into its shortfall, 1 - share, so that higher means more need) or a Series of need values by code.

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
    if isinstance(need, str):
        from ..indicators._catalogue import first

        d = first(need)
        g = indicators.get(need, level=spatialised.level, year=year, vintage=spatialised.vintage)
        meta = g.attrs["ddmgeo"]["indicators"][need]
        values = g.set_index("code")[need]
        label = meta["label"]
        if d.higher_is == "better":
            if meta["unit"] != "proportion":
                raise BudgetError(f"{need!r} is higher-is-better but not a share; pass a Series of need values instead.")
            values = 1 - values
            label = f"shortfall in {label.lower()}"
        is_share = meta["unit"] == "proportion"
    else:
        values = pd.Series(need, dtype=float)
        label = getattr(need, "name", None) or "need"
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
