"""The indicator cube: every catalogue indicator for every area, year and boundary vintage, computed once.

One columnar table holds, for each indicator x level (country, province, district space,
municipality, district municipality) x year x vintage (2016, 2011), each area's value with its
numerator and denominator, the sources and the notes the engine gives. It is built by running
:mod:`ddmgeo.indicators._engine` over the tidy facts (the long tables remain its source, and the
path for wards and ``by=`` breakdowns), and stored like any normalised product: in the embedded
core and in the cache, under a key that holds the hashes of the catalogue, the reading
instructions, the gazetteer, the lineage table and every source dataset.

:func:`ddmgeo.indicators._engine.compute` asks the cube first; a request the cube does not hold
(a ward, an indicator the data cannot give at that level) goes to the engine, which gives the
same answer or error it always has.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from .. import _meta, settings
from .._catalogue import RATIO_KINDS
from ..errors import DDMGeoError

if TYPE_CHECKING:
    import pandas as pd

    from ._disaggregate import ByResult
    from ._engine import Result

__all__ = ["build", "cube", "cube_key", "forget", "lookup"]

#: Bump when the engine's arithmetic changes, so stored cubes are rebuilt.
CUBE_VERSION = 2

LEVELS = ("country", "province", "district", "municipality", "district_municipality")
VINTAGES = (2016, 2011)
#: breakdowns by sex and age held in the cube: their default year, on the 2016 boundaries
BYS = ("sex", "age")
BY_LEVELS = ("country", "province", "district", "municipality")
BY_VINTAGE = 2016
KEY = ["indicator", "level", "vintage", "asked", "by", "forced"]
COLUMNS = [*KEY, "year", "code", "group", "value", "numerator", "denominator", "sources", "notes", "by_source", "labels", "default"]
NO_YEAR = -1  # ``asked`` when no year was asked for


_STATE: dict[str, object] = {"building": False}


def _file_hash(relative: str) -> str:
    from ..datasets import sha256sum

    return sha256sum(settings.package_data_dir() / relative)[:12]


@lru_cache(maxsize=1)
def cube_key() -> str:
    """The cube's store key: what it was computed from and how."""
    import hashlib

    from .. import _catalogue, _registry

    names = sorted({d.dataset for defs in _catalogue.definitions().values() for d in defs if d.dataset})
    parts = [f"{n}={(_registry.get(n).sha256 or _registry.get(n).git_blob)}" for n in names]
    for rel in ("indicators/catalogue.csv", "indicators/sources.toml", "boundaries/areas.csv", "boundaries/lineage.csv"):
        parts.append(f"{rel}={_file_hash(rel)}")
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
    return f"cube-{digest}-c{CUBE_VERSION}-v{settings.CACHE_FORMAT_VERSION}"


def _qualified_ids(indicator: str) -> list[str]:
    """``indicator@series`` for each source series that gives the indicator for more than one year.

    Monitoring asks for these (a change takes both years from one series, e.g. Census 2022 and the
    2011 figures it re-bases on the 2022 boundaries), so the cube holds them too.
    """
    from .. import _catalogue

    out: list[str] = []
    all_series = sorted({_catalogue.series_of(ds) for ds in _catalogue.sources_of(indicator)})
    if len(all_series) < 2:  # one series: the qualified id gives what the plain one gives
        return out
    for series in all_series:
        qualified = f"{indicator}{_catalogue.SOURCE_SEP}{series}"
        try:
            if len(_years_of(qualified)) > 1:
                out.append(qualified)
        except DDMGeoError:
            continue
    return out


@lru_cache(maxsize=2048)
def _stored_id(indicator: str) -> str:
    """The id the cube holds a request under: ``id@series`` is held as ``id`` when that series is its only one."""
    from .. import _catalogue

    base, sep, series = indicator.partition(_catalogue.SOURCE_SEP)
    if not sep:
        return indicator
    try:
        own = {_catalogue.series_of(ds) for ds in _catalogue.sources_of(base)}
    except DDMGeoError:
        return indicator
    return base if own == {series} else indicator


def _years_of(indicator: str) -> list[int]:
    from .. import _catalogue

    defs = _catalogue.lookup(indicator)
    years = {y for d in defs for y in d.years}
    for d in defs:  # a derived indicator takes the years of its parts
        if not d.direct:
            years |= set(_years_of(d.numerator)) if d.numerator else set()
    return sorted(years)


def _frame_of(r: "Result", asked: int, indicator: str) -> "pd.DataFrame":
    """The cube rows of one result, under the id it was asked for (``population@census2022`` keeps its source)."""
    f = r.frame.reset_index()
    f = f.rename(columns={f.columns[0]: "code"})
    f = f.assign(indicator=indicator, level=r.level, vintage=r.vintage, asked=asked, by="", forced="", year=r.year, group="")
    f = f.assign(sources=";".join(r.sources), notes=json.dumps(r.notes), by_source="", labels="", default=False)
    return f[COLUMNS]


def _by_frame_of(r: "ByResult", asked: int, forced: str) -> "pd.DataFrame":
    f = r.frame.rename(columns={r.by: "group"})
    f["group"] = f["group"].astype(str)
    f = f.assign(indicator=r.definition.id, level=r.level, vintage=r.vintage, asked=asked, by=r.by, forced=forced, year=r.year)
    f = f.assign(sources=";".join(r.sources), notes=json.dumps(r.notes), by_source=r.source, labels=json.dumps(list(r.labels)), default=False)
    return f[COLUMNS]


def _same(a: "Result", b: "Result") -> bool:
    return a.year == b.year and a.sources == b.sources and a.notes == b.notes and a.definition == b.definition and a.frame.equals(b.frame)


def build() -> "pd.DataFrame":
    """Compute the whole cube from the facts (takes a while; the core and the cache keep the result)."""
    import pandas as pd

    from .. import _catalogue
    from . import _engine

    frames: list[pd.DataFrame] = []
    _STATE["building"] = True
    try:
        for indicator in _catalogue.definitions():
            for level in LEVELS:
                for vintage in VINTAGES:
                    frames.extend(_blocks(indicator, level, vintage))
            for qualified in _qualified_ids(indicator):  # e.g. population@census2022: both years from one series
                for level in LEVELS:
                    frames.extend(_blocks(qualified, level, BY_VINTAGE))
            for by in BYS:
                for level in BY_LEVELS:
                    frames.extend(_by_blocks(indicator, by, level))
    finally:
        _STATE["building"] = False
        _engine._MEMO.clear()
    out = pd.concat(frames, ignore_index=True)
    # a component shared by several shares (one denominator) is computed once per share: keep one copy
    out = out.drop_duplicates(subset=[*KEY, "code", "group"], keep="first")
    out = out.sort_values(KEY, kind="stable").reset_index(drop=True)
    for col in ("indicator", "level", "by", "forced", "code", "group", "sources", "notes", "by_source", "labels"):
        out[col] = out[col].astype("category")
    for col in ("vintage", "asked", "year"):
        out[col] = out[col].astype("int16")
    _meta.attach(out, {"cube": cube_key(), "datasets": sorted({s for s in out["sources"].cat.categories for s in s.split(";") if s})})
    return out


def _blocks(indicator: str, level: str, vintage: int) -> list["pd.DataFrame"]:
    """The cube rows of one indicator at one level and vintage: each year, and the default year."""
    from ._engine import compute

    out = []
    by_year: dict[int, Result] = {}
    for year in _years_of(indicator):
        try:
            r = compute(indicator, level, year, vintage)
        except DDMGeoError:
            continue
        if r.year != year:
            continue  # an indicator that does not change with the year (areas): kept once, as the default
        by_year[year] = r
        out.append(_frame_of(r, year, indicator))
    try:
        default = compute(indicator, level, None, vintage)
    except DDMGeoError:
        return out
    twin = by_year.get(default.year)
    if twin is not None and _same(default, twin):
        out[list(by_year).index(default.year)]["default"] = True
    else:
        out.append(_frame_of(default, NO_YEAR, indicator).assign(default=True))
    return out


def _by_blocks(indicator: str, by: str, level: str) -> list["pd.DataFrame"]:
    """The breakdown of an indicator by sex or age in its default year (and the components a share is computed from)."""
    from .. import _catalogue
    from ._disaggregate import compute_by

    try:
        r = compute_by(indicator, by, level, None, BY_VINTAGE)
    except (DDMGeoError, ValueError):
        return []
    out = [_by_frame_of(r, NO_YEAR, "")]
    d = _catalogue.first(indicator)
    if d.kind in RATIO_KINDS and not d.direct:
        for comp in (d.numerator, d.denominator):
            out.append(_by_frame_of(compute_by(comp, by, level, r.year, BY_VINTAGE, source=r.source), r.year, r.source))
    return out


@dataclass
class Cube:
    """The loaded cube, with an index from (indicator, level, vintage, asked) to its rows.

    A request reads its block from NumPy arrays taken once per column (:meth:`numbers`,
    :meth:`texts`, :meth:`text_at`), not from pandas rows: a profile asks for a few hundred blocks.
    """

    frame: "pd.DataFrame"
    rows: dict
    _arrays: dict = field(default_factory=dict, repr=False, compare=False)

    def numbers(self, column: str, a: int, b: int) -> np.ndarray:
        """Rows a:b of a numeric column as floats (a copy)."""
        held = self._arrays.get(column)
        if held is None:
            held = self._arrays[column] = self.frame[column].to_numpy(dtype=float)
        return held[a:b].copy()

    def _labels(self, column: str) -> tuple[np.ndarray, list[str]]:
        held = self._arrays.get(column)
        if held is None:
            col = self.frame[column]
            if hasattr(col, "cat"):
                held = (col.cat.codes.to_numpy(), [*(str(c) for c in col.cat.categories), "nan"])  # code -1 (missing) reads "nan", as str() of it does
            else:
                texts = [str(v) for v in col.tolist()]
                held = (np.arange(len(texts)), texts)
            self._arrays[column] = held
        return held

    def texts(self, column: str, a: int, b: int) -> list[str]:
        """Rows a:b of a text column as str."""
        codes, names = self._labels(column)
        return [names[i] for i in codes[a:b].tolist()]

    def codes(self, a: int, b: int) -> "pd.Index":
        """The area codes of rows a:b as an index: a view of one made once for the blocks with the same codes."""
        import pandas as pd

        codes, names = self._labels("code")
        block = codes[a:b]
        key = block.tobytes()
        held = self._arrays.setdefault("code-index", {})
        if key not in held:
            held[key] = pd.Index([names[i] for i in block.tolist()])
        return held[key].view()

    def text_at(self, column: str, i: int) -> str:
        codes, names = self._labels(column)
        return names[int(codes[i])]

    @classmethod
    def of(cls, frame: "pd.DataFrame") -> "Cube":
        """Index the rows (stored sorted by request, so each request is one contiguous block)."""
        n = len(frame)
        if n == 0:
            return cls(frame, {})
        parts = [frame[c].cat.codes.to_numpy(np.int64) if hasattr(frame[c], "cat") else frame[c].to_numpy(np.int64) for c in KEY]
        change = np.zeros(n, dtype=bool)
        change[0] = True
        for p in parts:
            change[1:] |= p[1:] != p[:-1]
        starts = np.flatnonzero(change)
        stops = np.append(starts[1:], n)
        # one Python value per block, from the category codes (never a Python object per row)
        columns = [_block_values(frame[c], starts) for c in KEY]
        default = frame["default"].to_numpy()[starts].tolist()
        rows: dict = {}
        for a, b, ind, lev, vin, ask, by, forced, dflt in zip(starts.tolist(), stops.tolist(), *columns, default):
            rows[(ind, lev, int(vin), int(ask), by, forced)] = (a, b)
            if dflt:
                rows[(ind, lev, int(vin), NO_YEAR, by, forced)] = (a, b)
        return cls(frame, rows)


def _block_values(column: "pd.Series", starts: np.ndarray) -> list:
    """The value of *column* at each block start, as Python objects (categories looked up by code)."""
    if hasattr(column, "cat"):
        names = [str(c) for c in column.cat.categories]
        return [names[c] for c in column.cat.codes.to_numpy()[starts].tolist()]
    return column.to_numpy()[starts].tolist()


def cube() -> Cube:
    """The cube (from the memo, the core or the cache, else built and cached)."""
    from .._cache import stored

    held = _STATE.get("cube")
    if held is None:
        held = _STATE["cube"] = Cube.of(stored(cube_key(), build, copy=False))
    return held  # type: ignore[return-value]


def available() -> Cube | None:
    """The cube when it can be had without computing it (core or cache), else None."""
    from .. import _cache, _core

    held = _STATE.get("cube")
    if held is not None:
        return held  # type: ignore[return-value]
    key = cube_key()
    if key in _cache._MEMO or _core.manifest().get("members", {}).get(key) or _cache.cache_path(key).is_file():
        try:
            return cube()
        except DDMGeoError:
            return None
    return None


def forget() -> None:
    """Drop the loaded cube from memory."""
    _STATE.pop("cube", None)


def lookup(indicator: str, level: str, year: int | None, vintage: int) -> "Result | None":
    """The engine's result for this request from the cube, or None when the cube does not hold it."""
    import pandas as pd

    from .._catalogue import choose
    from ._engine import Result

    if _STATE["building"] or level not in LEVELS or vintage not in VINTAGES:
        return None
    c = available()
    if c is None:
        return None
    span = c.rows.get((_stored_id(indicator), level, int(vintage), NO_YEAR if year is None else int(year), "", ""))
    if span is None:
        return None
    a, b = span
    frame = pd.DataFrame(
        {"value": c.numbers("value", a, b), "numerator": c.numbers("numerator", a, b), "denominator": c.numbers("denominator", a, b)},
        index=c.codes(a, b),
    )
    sources = [s for s in c.text_at("sources", a).split(";") if s]
    return Result(choose(indicator, year, level), level, int(c.numbers("year", a, a + 1)[0]), vintage, frame, sources, json.loads(c.text_at("notes", a)))




def lookup_by(indicator: str, by: str, level: str, year: int | None, vintage: int, source: str | None) -> "ByResult | None":
    """:func:`ddmgeo.indicators._disaggregate.compute_by`'s result from the cube, or None."""
    import pandas as pd

    from ._disaggregate import ByResult

    if _STATE["building"] or vintage != BY_VINTAGE:
        return None
    c = available()
    if c is None:
        return None
    span = c.rows.get((indicator, level, int(vintage), NO_YEAR if year is None else int(year), by, source or ""))
    if span is None:
        return None
    a, b = span
    labels = tuple(json.loads(c.text_at("labels", a)))
    frame = pd.DataFrame(
        {
            "code": np.array(c.texts("code", a, b), dtype=object),
            by: pd.Categorical(c.texts("group", a, b), categories=list(labels), ordered=True),
            "value": c.numbers("value", a, b),
            "numerator": c.numbers("numerator", a, b),
            "denominator": c.numbers("denominator", a, b),
        }
    )
    from .. import _catalogue

    sources = [s for s in c.text_at("sources", a).split(";") if s]
    return ByResult(_catalogue.first(indicator), by, level, int(c.numbers("year", a, a + 1)[0]), vintage, c.text_at("by_source", a), labels, frame, sources, json.loads(c.text_at("notes", a)))
