"""The steps of :func:`ddmgeo.budget.spatialise`, in order: read, find columns, locate, allocate, report.

Each row of the table is followed through plain numpy arrays (one slot per row) held by :class:`Rows`:
its amount in cents, where its point fell, which location text it holds. Every step fills some of them;
the last turns them into the allocations (each row to one or several areas, to the cent), the rows
that could not be placed (with the reason) and the per-area totals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import settings
from .._vintage import code_vintage
from ..errors import BudgetError, DDMGeoError

if TYPE_CHECKING:
    import pandas as pd

    from . import SpatialisedBudget


@dataclass
class Options:
    """The validated options of one call."""

    amount: str
    level: str
    vintage: int
    location: list | None
    split: Any
    id: str | None
    bys: list
    fix_swapped: bool
    snap_km: float
    tags: Mapping[str, str]
    allow_suffixes: bool
    successors: str
    population_year: int | None


@dataclass
class Columns:
    """Where the table's locations are: point geometry, lon/lat columns, text columns (finest first), province."""

    lon: str | None = None
    lat: str | None = None
    text: list = field(default_factory=list)
    province: str | None = None
    geometry: bool = False


def _unset() -> np.ndarray:
    return np.zeros(0)


@dataclass
class Rows:
    """Per-row arrays of the table being placed (row i of every array is row i of the table)."""

    table: Any
    ids: np.ndarray
    cents: np.ndarray  # int64 cents (0 where unreadable or blank)
    valid: np.ndarray  # bool: a readable amount
    amount_bad: np.ndarray
    blank: np.ndarray
    problems: dict  # row -> why the amount is unreadable
    lines: np.ndarray = field(default_factory=_unset)  # per row: the file's line number, or the DataFrame's index label
    amount_notes: dict = field(default_factory=dict)  # row -> how an amount was read (a mixed column)
    x: np.ndarray = field(default_factory=_unset)
    y: np.ndarray = field(default_factory=_unset)
    point: np.ndarray = field(default_factory=_unset)  # area position (all_of_level order), -1 none
    swapped: np.ndarray = field(default_factory=_unset)
    snapped: np.ndarray = field(default_factory=_unset)
    snap_note: dict = field(default_factory=dict)
    coord_note: np.ndarray = field(default_factory=_unset)
    text_id: np.ndarray = field(default_factory=_unset)  # position in text_of, -1 none
    text_of: list = field(default_factory=list)
    provinces: list = field(default_factory=list)  # resolved province codes
    prov_id: np.ndarray = field(default_factory=_unset)

    @property
    def n(self) -> int:
        return len(self.cents)


@dataclass
class Pieces:
    """Allocation pieces (parallel arrays: input row, area position, cents, rule), problems and issues."""

    rule_names: dict = field(default_factory=lambda: {"point": 0, "point (lon/lat swapped, fixed)": 1, "point (snapped to the nearest area)": 2})
    parts: list = field(default_factory=list)
    unallocated: list = field(default_factory=list)  # (row, id, cents, reason, value, suggestions)
    issues: list = field(default_factory=list)  # (row, id, issue)
    lost: Any = None  # rows with no location at all (a DataFrame)

    def rule(self, text: str) -> int:
        return self.rule_names.setdefault(text, len(self.rule_names))


# ----------------------------------------------------------------------------- 1. read


def options(amount, level, vintage, location, split, id, by, fix_swapped, snap_km, tags, allow_suffixes, successors, population_year) -> Options:
    """Check the options that do not need the table."""
    if level not in ("district", "municipality", "province"):
        raise BudgetError(f"level must be 'district', 'municipality' or 'province', not {level!r}.")
    if successors not in ("unallocated", "spread"):
        raise BudgetError(f"successors must be 'unallocated' or 'spread', not {successors!r}.")
    if not np.isfinite(snap_km) or snap_km < 0:
        raise BudgetError(f"snap_km={snap_km!r}: give a distance in kilometres (0 turns snapping off).")
    v = code_vintage(vintage)
    loc = None if location is None else ([location] if isinstance(location, str) else list(location))
    bys = [by] if isinstance(by, str) else list(by or [])
    return Options(amount, level, v, loc, split, id, bys, fix_swapped, float(snap_km), dict(tags or {}), allow_suffixes, successors, population_year)


def read(projects, opt: Options, sheet: str | int | None = None) -> Rows:
    """The table, its columns checked, and its amounts in cents."""
    from . import _read
    from ._amounts import column_to_cents

    table = _read(projects, sheet)
    lines = table.index.to_numpy(dtype=object)  # the file's line numbers (read_table's), or the caller's index labels
    table = table.reset_index(drop=True)
    if opt.amount not in table.columns:
        raise BudgetError(f"No amount column {opt.amount!r}; the table has {list(table.columns)}. Pass amount=<column name>.")
    for b in opt.bys + ([opt.id] if opt.id else []):
        if b not in table.columns:
            raise BudgetError(f"No column {b!r} in the table; it has {list(table.columns)}.")
    amount_notes: dict[int, str] = {}
    cents, problems = column_to_cents(table[opt.amount], allow_suffixes=opt.allow_suffixes, notes=amount_notes)
    n = len(table)
    amount_bad = np.zeros(n, dtype=bool)
    if problems:
        amount_bad[list(problems)] = True
    blank = cents.isna().to_numpy() & ~amount_bad
    valid = ~amount_bad & ~blank
    cents_int = np.zeros(n, dtype="int64")
    cents_int[valid] = cents[valid].astype("int64").to_numpy()
    ids = table[opt.id].to_numpy(dtype=object) if opt.id else np.arange(n)
    return Rows(table, ids, cents_int, valid, amount_bad, blank, problems, lines=lines, amount_notes=amount_notes)


def split_rule(rows: Rows, opt: Options):
    """Weights for shared amounts (None with a per-row shares column), their year, description and column."""
    from . import _weights

    weights, pop_year, split_text = _weights(opt.split, opt.level, opt.vintage, opt.population_year)
    shares_col = opt.split if weights is None else None
    if shares_col is not None and shares_col not in rows.table.columns:
        raise BudgetError(f"split={opt.split!r} is neither 'population', 'equal', 'area', a mapping of weights nor a column of the table.")
    return weights, pop_year, split_text, shares_col


def areas(opt: Options) -> list:
    """The codes of the target level, in the order the per-area arrays use."""
    from ._locate import all_of_level

    return list(all_of_level(opt.level, opt.vintage))


# ----------------------------------------------------------------------------- 2. find columns


def columns(rows: Rows, opt: Options) -> Columns:
    """Which columns place the rows: ``location=`` as given, else recognised by header, else by content."""
    import geopandas as gpd

    from .._columns import columns_with_role
    from ._locate import coordinate_column

    table = rows.table
    cols = list(table.columns)
    if opt.location is not None:
        for c in opt.location:
            if c not in table.columns:
                raise BudgetError(f"No location column {c!r}; the table has {cols}.")
        lon, lat = coordinate_column(opt.location, "lon"), coordinate_column(opt.location, "lat")
        rest = [c for c in cols if c not in opt.location]
        found = Columns(lon, lat, [c for c in opt.location if c not in (lon, lat)], next(iter(columns_with_role(rest, "province")), None))
    else:
        lon, lat = coordinate_column(cols, "lon"), coordinate_column(cols, "lat")
        taken = {opt.amount, opt.id, *opt.bys, lon, lat}
        free = [c for c in cols if c not in taken]
        text = columns_with_role(free, "code") + columns_with_role(free, "name")
        found = Columns(lon, lat, text, next(iter(columns_with_role(free, "province")), None))
        if (lon is None or lat is None) and not text and found.province is None and not isinstance(table, gpd.GeoDataFrame):
            found.text = _by_content(rows, free, opt)
    found.geometry = isinstance(table, gpd.GeoDataFrame) and opt.location is None
    if found.geometry:
        _check_points(table)
    return found


def _by_content(rows: Rows, free: list, opt: Options) -> list:
    """Text columns most of whose cells are area names or codes, when no header says so; else the error
    that lists every column and what it looked like, and names the option to pass."""
    import warnings

    import pandas as pd

    from .._columns import describe
    from ..names import resolve

    table = rows.table
    share: dict = {}
    for c in free:
        col = table[c]
        if pd.api.types.is_numeric_dtype(col.dtype):
            continue
        texts = [str(t).strip() for t in pd.unique(col.dropna().astype(str)) if str(t).strip()][:200]
        if not texts:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            codes = resolve(texts, vintage=opt.vintage, errors="coerce")
        share[c] = sum(code is not None for code in codes) / len(texts)
    good = sorted((c for c in share if share[c] >= 0.8), key=lambda c: -share[c])
    if good:
        return good
    raise BudgetError(
        "No column places the rows: none is named as coordinates (lon/lat), an area code or name, or a province, "
        f"and none holds mostly area names. The columns: {describe(table, free, resolved=share)}. "
        "Name the location column(s) with location='<column>' (or location=['<longitude column>', '<latitude column>'])."
    )


def _check_points(table) -> None:
    if table.crs is None:
        from ..errors import CRSError

        raise CRSError("The GeoDataFrame has no CRS: set it (e.g. .set_crs('EPSG:4326') for lon/lat) before spatialising.")
    kinds = table.geom_type
    wrong = kinds.notna() & (kinds != "Point")
    if wrong.any():
        from ..errors import TableError

        rows_ = ", ".join(f"row {i} ({t})" for i, t in zip(list(table.index[wrong])[:5], kinds[wrong][:5]))
        raise TableError(
            f"Projects are placed by points, but {int(wrong.sum())} geometries are not points: {rows_}. "
            "Use a point per project (e.g. gdf.geometry = gdf.representative_point()), or give a location column."
        )


# ----------------------------------------------------------------------------- 3. locate


def locate_points(rows: Rows, found: Columns, opt: Options, areas: list) -> None:
    """Coordinates of every row (geometry or lon/lat, read as read_points reads them), placed by the one
    point rule of :func:`ddmgeo._place.place` (snapping, swapped lon/lat detected)."""
    n = rows.n
    rows.x, rows.y = np.full(n, np.nan), np.full(n, np.nan)
    rows.point, rows.swapped = np.full(n, -1, dtype=np.int64), np.full(n, -1, dtype=np.int64)
    rows.snapped = np.zeros(n, dtype=bool)
    rows.coord_note = np.full(n, "", dtype=object)
    if found.geometry:
        pts = rows.table.to_crs(settings.STORAGE_CRS).geometry
        ok = (pts.notna() & ~pts.is_empty).to_numpy()
        rows.x[ok], rows.y[ok] = pts[ok].x.to_numpy(), pts[ok].y.to_numpy()
    elif found.lon is not None and found.lat is not None:
        _read_coordinates(rows, found)
    else:
        return
    have = np.flatnonzero(~np.isnan(rows.x) & ~np.isnan(rows.y))
    if len(have):
        _place(rows, have, opt, areas)


def _read_coordinates(rows: Rows, found: Columns) -> None:
    from .._numbers import parse_coordinates

    table = rows.table
    x, x_bad = parse_coordinates(table[found.lon])
    y, y_bad = parse_coordinates(table[found.lat])
    rows.x = np.array(x.to_numpy(dtype=float, na_value=np.nan))  # own, writable copies
    rows.y = np.array(y.to_numpy(dtype=float, na_value=np.nan))
    for i in np.flatnonzero(x_bad.to_numpy() | y_bad.to_numpy()).tolist():
        rows.coord_note[i] = f"coordinates ({table[found.lon].iat[i]!r}, {table[found.lat].iat[i]!r}) are not numbers"
        rows.x[i] = rows.y[i] = np.nan


def _place(rows: Rows, have: np.ndarray, opt: Options, areas: list) -> None:
    from .._area_sets import resolve_areas
    from .._place import place
    from . import _locator_to_level

    p = place(resolve_areas(opt.level, opt.vintage), rows.x[have], rows.y[have], snap_km=opt.snap_km, detect_swapped=True)
    to_level = _locator_to_level(opt.level, opt.vintage)
    rows.point[have] = np.where(p.index >= 0, to_level[np.maximum(p.index, 0)], -1)
    rows.swapped[have] = np.where(p.swapped >= 0, to_level[np.maximum(p.swapped, 0)], -1)
    for i, d in zip(have[p.snapped].tolist(), p.distance_m[p.snapped].tolist()):
        rows.snapped[i] = True
        rows.snap_note[i] = f"point ({rows.x[i]:.5f}, {rows.y[i]:.5f}) lies {d / 1000:.1f} km outside the generalised boundaries; placed in the nearest area"
    out = have[rows.point[have] < 0]
    # one shared text (the row's lon and lat are in the unallocated table), a specific one for swaps
    notes = np.full(len(out), "point (see lon, lat) lies outside South Africa", dtype=object)
    hits = rows.swapped[out] >= 0
    notes[hits] = [
        f"point ({rows.x[i]:.5f}, {rows.y[i]:.5f}) lies outside South Africa; with lon/lat swapped it falls in {areas[k]} (pass fix_swapped=True to use it)"
        for i, k in zip(out[hits], rows.swapped[out][hits])
    ]
    rows.coord_note[out] = notes


def read_texts(rows: Rows, found: Columns, opt: Options) -> None:
    """Per row, its location text (the first non-blank text column, finest first) and its province;
    a row with only a province is spread over it. Each distinct text is stripped once."""
    import pandas as pd

    from ..names import resolve

    table = rows.table

    def text_ids(col, vocab: dict) -> np.ndarray:
        """Per row, the position in *vocab* of the cell's stripped text (-1: missing or blank)."""
        cell, distinct = pd.factorize(table[col])  # missing cells -> -1
        pos = [vocab.setdefault(s, len(vocab)) if (s := str(u).strip()) else -1 for u in distinct]
        return np.asarray(pos + [-1], dtype=np.int64)[cell]  # the trailing -1 serves the missing cells

    texts: dict[str, int] = {}
    rows.text_id = np.full(rows.n, -1, dtype=np.int64)
    for c in found.text:
        t = text_ids(c, texts)
        fill = rows.text_id < 0
        rows.text_id[fill] = t[fill]
    rows.prov_id = np.full(rows.n, -1, dtype=np.int64)
    if found.province is not None:
        written: dict[str, int] = {}
        raw_id = text_ids(found.province, written)
        to_code = []
        for val in written:
            try:
                code = resolve(val, level="province", vintage=opt.vintage)
            except DDMGeoError:
                to_code.append(-1)
                continue
            if code not in rows.provinces:
                rows.provinces.append(code)
            to_code.append(rows.provinces.index(code))
        rows.prov_id = np.asarray(to_code + [-1], dtype=np.int64)[raw_id]
        only = (rows.text_id < 0) & (rows.prov_id >= 0)
        rows.text_id[only] = np.asarray([texts.setdefault(p, len(texts)) for p in rows.provinces], dtype=np.int64)[rows.prov_id[only]]
    rows.text_of = list(texts)


# ----------------------------------------------------------------------------- 4. allocate


def allocate(rows: Rows, opt: Options, areas: list, weights, shares_col, split_text: str) -> Pieces:
    """Every readable amount to its area(s): points as they fell, texts as they read, shared rows by the split."""
    out = Pieces()
    use_swap = np.zeros(rows.n, dtype=bool)
    if opt.fix_swapped:
        use_swap = (rows.point < 0) & (rows.swapped >= 0)
        rows.point = np.where(use_swap, rows.swapped, rows.point)
    by_point = rows.valid & (rows.point >= 0)
    _amount_problems(rows, opt, use_swap, out)
    point_rows = np.flatnonzero(by_point)
    kind = np.where(use_swap[point_rows], 1, np.where(rows.snapped[point_rows], 2, 0))
    out.parts.append((point_rows, rows.point[point_rows], rows.cents[point_rows], kind))
    _by_text(rows, opt, areas, weights, shares_col, split_text, np.flatnonzero(rows.valid & ~by_point), out)
    return out


def _amount_problems(rows: Rows, opt: Options, use_swap: np.ndarray, out: Pieces) -> None:
    """Unreadable and blank amounts (unallocated), negative amounts, swapped and snapped points (issues)."""
    raw = rows.table[opt.amount]
    for i in np.flatnonzero(rows.amount_bad):
        out.unallocated.append((i, rows.ids[i], None, rows.problems[i], str(raw.iat[i]), ()))
    for i in np.flatnonzero(rows.blank):
        out.unallocated.append((i, rows.ids[i], 0, "no amount (blank cell)", "", ()))
    for i in np.flatnonzero(rows.valid & (rows.cents < 0)):
        out.issues.append((i, rows.ids[i], "negative amount (kept and placed; check it is a correction)"))
    for i, note in rows.amount_notes.items():
        out.issues.append((i, rows.ids[i], note))
    for i in np.flatnonzero(rows.valid & use_swap):
        out.issues.append((i, rows.ids[i], rows.coord_note[i].replace(" (pass fix_swapped=True to use it)", "; used swapped")))
    for i in np.flatnonzero(rows.valid & (rows.point >= 0) & rows.snapped):
        out.issues.append((i, rows.ids[i], rows.snap_note[i]))


def _by_text(rows: Rows, opt: Options, areas: list, weights, shares_col, split_text: str, text_rows: np.ndarray, out: Pieces) -> None:
    """Rows placed by their location text: each distinct (text, province) read once."""
    import pandas as pd

    from ._locate import LocationProblem, resolve_text

    no_text = rows.text_id[text_rows] < 0
    lost = text_rows[no_text]
    out.lost = pd.DataFrame(
        {
            "row": lost,
            "id": rows.ids[lost],
            "amount_cents": rows.cents[lost],
            "reason": np.where(rows.coord_note[lost] != "", rows.coord_note[lost], "no location: no coordinates, code, name or province in the row"),
            "value": "",
            "suggestions": [()] * len(lost),
        }
    )
    named = text_rows[~no_text]
    n_prov = len(rows.provinces) + 1
    key, keys = pd.factorize(rows.text_id[named] * n_prov + rows.prov_id[named] + 1)
    targets: list = []
    for k in keys.tolist():
        t, p = divmod(k, n_prov)
        try:
            targets.append(resolve_text(rows.text_of[t], rows.provinces[p - 1] if p else None, opt.level, opt.vintage, successors=opt.successors))
        except LocationProblem as exc:
            targets.append(exc)
    problem = np.array([isinstance(r, LocationProblem) for r in targets], dtype=bool)
    for i, k in zip(named[problem[key]].tolist(), key[problem[key]].tolist()):
        res = targets[k]
        reason = str(res) + (f"; also {rows.coord_note[i]}" if rows.coord_note[i] else "")
        out.unallocated.append((i, rows.ids[i], int(rows.cents[i]), reason, rows.text_of[rows.text_id[i]], res.suggestions))
    placed, placed_key = named[~problem[key]], key[~problem[key]]
    for i in placed[rows.coord_note[placed] != ""].tolist():
        out.issues.append((i, rows.ids[i], rows.coord_note[i] + f"; placed by its location text {rows.text_of[rows.text_id[i]]!r} instead"))
    for i, k in zip(placed.tolist(), placed_key.tolist()):
        if targets[k].note:  # a province that contradicts the name, a list naming a province and areas in it
            out.issues.append((i, rows.ids[i], targets[k].note))
    area_pos = {c: k for k, c in enumerate(areas)}
    single = np.array([not isinstance(r, LocationProblem) and len(r.codes) == 1 for r in targets], dtype=bool)
    key_area = np.array([area_pos[r.codes[0]] if s else -1 for r, s in zip(targets, single)], dtype=np.int64)
    key_rule = np.array([out.rule(r.rule) if s else -1 for r, s in zip(targets, single)], dtype=np.int64)
    one = single[placed_key]
    out.parts.append((placed[one], key_area[placed_key[one]], rows.cents[placed[one]], key_rule[placed_key[one]]))
    _shared(rows, placed[~one], placed_key[~one], targets, area_pos, weights, shares_col, split_text, opt, out)


def _shared(rows: Rows, shared, shared_key, targets, area_pos, weights, shares_col, split_text: str, opt: Options, out: Pieces) -> None:
    """Rows shared among several areas, grouped by their (text, province) key, split by weights or row shares."""
    from . import _row_shares
    from ._amounts import share_cents, share_cents_many

    order = np.argsort(shared_key, kind="stable")
    shared, shared_key = shared[order], shared_key[order]
    starts = np.flatnonzero(np.r_[True, shared_key[1:] != shared_key[:-1]]) if len(shared) else np.array([], dtype=np.int64)
    for lo, hi in zip(starts.tolist(), np.r_[starts[1:], len(shared)].tolist()):
        group, res = shared[lo:hi], targets[int(shared_key[lo])]
        k = len(res.codes)
        where = np.asarray([area_pos[t] for t in res.codes], dtype=np.int64)
        rule = out.rule(f"{res.rule}; shared by {split_text}")
        if shares_col is not None:  # per-row shares: each row its own weights
            for i in group.tolist():
                try:
                    w = _row_shares(rows.table[shares_col].iat[i], res.codes, opt.vintage)
                    _check_weights(w, res.codes)
                except (ValueError, DDMGeoError) as exc:
                    out.unallocated.append((i, rows.ids[i], int(rows.cents[i]), f"cannot share the amount among {k} areas: {exc}", rows.text_of[rows.text_id[i]], ()))
                    continue
                if abs(sum(w) - 100) > 1e-9 and abs(sum(w) - 1) > 1e-12:  # per cent, or fractions of 1
                    out.issues.append((i, rows.ids[i], f"the shares add up to {sum(w):g}, not 100 % (or 1): the amount is shared in proportion to them"))
                out.parts.append((np.full(k, i), where, np.asarray(share_cents(int(rows.cents[i]), w), dtype=np.int64), np.full(k, rule)))
            continue
        missing = [t for t in res.codes if t not in weights.index or not np.isfinite(weights.get(t, np.nan))]
        if missing:
            for i in group.tolist():
                reason = f"cannot share the amount among {k} areas: no {split_text} weight for {missing}"
                out.unallocated.append((i, rows.ids[i], int(rows.cents[i]), reason, rows.text_of[rows.text_id[i]], ()))
            continue
        w = [float(weights[t]) for t in res.codes]
        try:
            _check_weights(w, res.codes, split_text)
        except ValueError as exc:
            for i in group.tolist():
                out.unallocated.append((i, rows.ids[i], int(rows.cents[i]), f"cannot share the amount among {k} areas: {exc}", rows.text_of[rows.text_id[i]], ()))
            continue
        parts = share_cents_many(rows.cents[group], w)
        out.parts.append((np.repeat(group, k), np.tile(where, len(group)), parts.reshape(-1), np.full(len(group) * k, rule)))


def _check_weights(w: list[float], codes: tuple[str, ...], what: str = "shares") -> None:
    """Weights that can share an amount: not all zero (never an equal split in their place)."""
    if not any(x > 0 for x in w):
        raise ValueError(f"every weight of {', '.join(codes)} is 0 ({what}): give at least one area a weight above 0")


# ----------------------------------------------------------------------------- 5. report


def report(rows: Rows, opt: Options, areas: list, pieces: Pieces, split_text: str) -> SpatialisedBudget:
    """The allocations, the unallocated rows, the issues and the per-area totals."""
    from . import SpatialisedBudget

    allocations = _allocations(rows, opt, areas, pieces)
    unallocated = _unallocated(rows, pieces)
    issues = _issues(rows, opt, pieces)
    by_area, pop_year, pop_note = _by_area(rows, opt, areas, allocations)
    input_cents = int(rows.cents[rows.valid].sum())
    result = SpatialisedBudget(opt.level, opt.vintage, by_area, allocations, unallocated, issues, input_cents, pop_year, split_text, opt.bys, pop_note)
    result.check()
    return result


def _categories(col: pd.Series) -> np.ndarray:
    """A by= column as category labels: a blank or missing cell is its own category, "(blank)", never dropped."""
    labels = [("(blank)" if v is None or (isinstance(v, float) and np.isnan(v)) or not str(v).strip() else str(v).strip()) for v in col.astype(object)]
    return np.asarray(labels, dtype=object)


def _allocations(rows: Rows, opt: Options, areas: list, pieces: Pieces) -> pd.DataFrame:
    import pandas as pd

    row_, area_, cents_, rule_ = (np.concatenate([np.asarray(p[j], dtype=np.int64) for p in pieces.parts]) for j in range(4))
    order = np.argsort(row_, kind="stable")  # by input row; a shared row's areas in the target's order
    row_, area_, cents_, rule_ = row_[order], area_[order], cents_[order], rule_[order]
    return pd.DataFrame(
        {
            "row": row_,
            "id": rows.table[opt.id].take(row_).to_numpy() if opt.id else row_,
            "code": pd.Categorical.from_codes(area_, categories=areas),
            "amount_cents": cents_,
            "rule": pd.Categorical.from_codes(rule_, categories=list(pieces.rule_names)).remove_unused_categories(),
        }
    )


def _unallocated(rows: Rows, pieces: Pieces) -> pd.DataFrame:
    import pandas as pd

    listed = pd.DataFrame(pieces.unallocated, columns=["row", "id", "amount_cents", "reason", "value", "suggestions"])
    unallocated = pd.concat([pieces.lost, listed], ignore_index=True).sort_values("row", kind="stable").reset_index(drop=True)
    at = unallocated["row"].to_numpy(dtype="int64")
    unallocated["lon"] = rows.x[at] if len(at) else np.array([], dtype=float)
    unallocated["lat"] = rows.y[at] if len(at) else np.array([], dtype=float)
    unallocated["amount_cents"] = unallocated["amount_cents"].astype("Int64")
    unallocated.insert(1, "line", rows.lines[at] if len(at) else np.array([], dtype=object))
    return unallocated


def _issues(rows: Rows, opt: Options, pieces: Pieces) -> pd.DataFrame:
    import pandas as pd

    found = list(pieces.issues)
    if opt.id:
        col = rows.table[opt.id]
        dup = col[col.duplicated(keep=False) & col.notna()]
        rows_of = dup.groupby(dup).groups
        for i in dup.index:
            found.append((i, col.iat[i], f"project id {col.iat[i]!r} appears more than once (rows {sorted(rows_of[dup[i]].tolist())})"))
    issues = pd.DataFrame(found, columns=["row", "id", "issue"]).sort_values("row", kind="stable").reset_index(drop=True)
    issues.insert(1, "line", rows.lines[issues["row"].to_numpy(dtype="int64")] if len(issues) else np.array([], dtype=object))
    return issues


def _by_area(rows: Rows, opt: Options, areas: list, allocations: pd.DataFrame) -> tuple[pd.DataFrame, int | None, str]:
    import pandas as pd

    from .._area_sets import resolve_areas
    from . import _add_per_capita, _tag_fractions, _target_population

    area_ = allocations["code"].cat.codes.to_numpy()
    sums = np.zeros(len(areas), dtype=np.int64)
    np.add.at(sums, area_, allocations["amount_cents"].to_numpy())
    by_area = pd.DataFrame({"code": areas})
    aset = resolve_areas(opt.level, opt.vintage)
    by_area["name"] = by_area.code.map(dict(zip(aset.codes, aset.names)))
    by_area["amount_cents"] = sums
    by_area["amount"] = by_area.amount_cents / 100.0
    by_area["n_projects"] = np.bincount(area_, minlength=len(areas))  # a row lands at most once in an area
    pop_year, pop_note = _add_per_capita(by_area, opt.level, opt.vintage, opt.population_year)
    total = by_area.amount_cents.sum()
    by_area["share"] = by_area.amount_cents / total if total else 0.0
    for b in opt.bys:
        cat = _categories(rows.table[b])[allocations.row.to_numpy()]
        pivot = allocations.assign(_cat=cat).pivot_table(index="code", columns="_cat", values="amount_cents", aggfunc="sum", fill_value=0, observed=False)
        for val in pivot.columns:
            by_area[f"{b}={val}"] = by_area.code.map(pivot[val]).fillna(0).astype("int64") / 100.0
    for col, group in opt.tags.items():
        fraction = _tag_fractions(rows.table, col)
        tagged = np.rint(allocations["amount_cents"].to_numpy() * fraction[allocations["row"].to_numpy()]).astype("int64")
        allocations[f"{col}_cents"] = tagged
        sums_t = allocations.groupby("code", observed=False)[f"{col}_cents"].sum()
        by_area[f"{col}_amount"] = by_area.code.map(sums_t).fillna(0).astype("int64") / 100.0
        target = _target_population(group, opt.level, opt.vintage, opt.population_year)
        by_area[f"{col}_per_capita"] = by_area[f"{col}_amount"] / by_area.code.map(target)
    return by_area, pop_year, pop_note
