"""The building blocks of a profile: its structures, the context that gathers numbers and sources, key figures.

Every number comes from :mod:`ddmgeo.indicators` with its source and year; what the data cannot
give is said as "not available" with the reason, never dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import _meta
from .._format import NOT_AVAILABLE, format_value, is_missing, ordinal, percent
from ..errors import DataNotAvailableError, DDMGeoError

if TYPE_CHECKING:
    import pandas as pd

    from ._subject import Subject


# ----------------------------------------------------------------------------- structures


@dataclass
class Figure:
    id: str
    title: str
    svg: str
    alt: str
    caption: str = ""
    width: str = "full"  # "half": two such figures sit side by side
    draw: Callable[[], object] | None = field(default=None, repr=False, compare=False)  # re-draws it (matplotlib), for PNG outputs


@dataclass
class Table:
    title: str
    frame: "pd.DataFrame"  # display strings
    note: str = ""
    values: "pd.DataFrame | None" = None  # the numbers behind it
    units: dict = field(default_factory=dict)  # column -> unit of the numbers behind it


@dataclass
class KeyFigure:
    id: str
    label: str
    value: float
    display: str
    unit: str
    year: int
    source: str
    rank: int | None
    n: int
    province_value: float
    national_value: float
    sentence: str
    rank_text: str = ""
    judgement: str = ""  # "better", "worse", "mixed", "" (neutral or not comparable)


@dataclass
class Section:
    id: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    not_available: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    @property
    def available(self) -> bool:
        return bool(self.paragraphs or self.tables or self.figures)


# ----------------------------------------------------------------------------- context


@dataclass
class Context:
    """What a profile is about, and the datasets, years and notes its numbers used."""

    subject: "Subject"
    sources: dict[str, set] = field(default_factory=dict)  # dataset -> years used
    notes: list[str] = field(default_factory=list)  # notes that hold for the whole profile (errata)

    def use(self, ids: list[str], level: str, year: int | None = None) -> "pd.DataFrame":
        """Indicators at a level, recording their sources.

        Memoised for the process (a batch of profiles asks for the same tables): the table is shared
        by every caller that asks for the same ids, level and year, so do not change it.
        """
        from .. import indicators
        from ..indicators._engine import shared

        vintage = self.subject.vintage
        t = shared(("profile-get", tuple(ids), level, year, vintage), lambda: indicators.get(list(ids), level=level, year=year, vintage=vintage))
        for meta in _meta.read(t).indicators.values():
            for s in meta["source"].split(";"):
                if s:
                    self.sources.setdefault(s, set()).add(meta["year"])
        return t

    def change(self, ind: str, *, start: int, end: int, level: str | None = None) -> "pd.DataFrame":
        """:func:`ddmgeo.monitoring.change` of one indicator at a level (the subject's by default), memoised likewise."""
        from .. import monitoring
        from ..indicators._engine import shared

        lv = level or self.subject.level
        vintage = self.subject.vintage
        return shared(("profile-change", ind, start, end, lv, vintage), lambda: monitoring.change(ind, start=start, end=end, level=lv, vintage=vintage))

    def note(self, text: str) -> None:
        if text and text not in self.notes:
            self.notes.append(text)


def first_line(exc: BaseException) -> str:
    """The reason an error gives, with the command that fixes it when it names one (its first two lines)."""
    lines = str(exc).splitlines()
    return " ".join(lines[:2]) if len(lines) > 1 and lines[1].startswith("Fix:") else lines[0]


def meta(table: "pd.DataFrame", ind: str) -> dict:
    return dict(_meta.read(table).indicators[ind])


def value(table: "pd.DataFrame", code: str, ind: str) -> float:
    """The value of *ind* for *code* (NaN when absent), from a lookup built once per table."""
    shape, cells = table.__dict__.get("_ddmgeo_cells", (None, None))
    if shape != (table.shape, tuple(table.columns)):
        bare = table.copy(deep=False)  # the same columns without the metadata, which every column taken would deep-copy
        bare.attrs = {}
        codes = bare["code"].astype(str).tolist()
        cells = {c: dict(zip(codes, bare[c].tolist())) for c in bare.columns if c not in ("code", "name")}
        object.__setattr__(table, "_ddmgeo_cells", ((table.shape, tuple(table.columns)), cells))
    v = cells.get(ind, {}).get(code)
    return float("nan") if v is None else float(v)


def unit_text(unit: str) -> str:
    """The unit as a table header shows it: '%' for shares, else the unit itself."""
    return {"proportion": "%", "share": "%"}.get(unit, unit)


def header(label: str, unit: str, year) -> str:
    """'Unemployment rate (%, 2011)': every header says its unit and year."""
    u = unit_text(unit)
    return f"{label} ({u}, {year})" if u else f"{label} ({year})"


# ----------------------------------------------------------------------------- ranks and judgements


def rank(table: "pd.DataFrame", ind: str, code: str, higher_is: str) -> int | None:
    """Rank 1 = best in the direction that matters (for neutral indicators, 1 = largest)."""
    values = table[ind]
    v = value(table, code, ind)
    if is_missing(v):
        return None
    if higher_is == "worse":
        return int((values < v).sum()) + 1
    return int((values > v).sum()) + 1


def judge(v: float, ref: float, higher_is: str) -> str:
    """'better', 'worse' or 'the same as' the reference, in the direction that matters ('' for neutral)."""
    if higher_is not in ("better", "worse") or is_missing(v) or is_missing(ref):
        return ""
    if abs(v - ref) <= 1e-9 * max(abs(ref), 1):
        return "the same as"
    good = v > ref if higher_is == "better" else v < ref
    return "better than" if good else "worse than"


def comparison_sentence(label: str, v: float, unit: str, year, refs: list[tuple[str, float]], higher_is: str) -> tuple[str, str]:
    """'Unemployment rate (2011): 24.4 %, better than Limpopo (38.9 %) and South Africa (29.8 %).' and the judgement."""
    shown = format_value(v, unit)
    words = [(judge(v, r, higher_is), name, format_value(r, unit)) for name, r in refs]
    if not words or not all(w for w, _, _ in words):
        parts = ", ".join(f"{name}: {text}" for _, name, text in words)
        return f"{label}, {year}: {shown}" + (f" ({parts})." if parts else "."), ""
    if len({w for w, _, _ in words}) == 1:
        names = " and ".join(f"{name} ({text})" for _, name, text in words)
        overall = words[0][0].split()[0]
        return f"{label}, {year}: {shown}, {words[0][0]} {names}.", {"better": "better", "worse": "worse"}.get(overall, "same")
    clauses = " but ".join(f"{w} {name} ({text})" for w, name, text in words)
    return f"{label}, {year}: {shown}, {clauses}.", "mixed"


def key_figure(ctx: Context, ind: str, *, year: int | None = None) -> KeyFigure:
    """One headline number with its comparators and its rank among the area's peers.

    Raises :class:`~ddmgeo.errors.DataNotAvailableError` when the data cannot give it at the area's level.
    """
    from .._catalogue import first

    s = ctx.subject
    own = ctx.use([ind], s.level, year)
    m = meta(own, ind)
    v = value(own, s.code, ind)
    if is_missing(v):
        raise DataNotAvailableError(f"{m['label']} has no value for {s.name} in {m['year']}.")
    d = first(ind)
    refs = []
    for level, code, label in s.comparators:
        t = ctx.use([ind], level, m["year"])
        refs.append((label.split(" (")[0], value(t, code, ind)))
    r = rank(own, ind, s.code, d.higher_is)
    n = int(own[ind].notna().sum())
    province_value = next((rv for (lv, _, _), (_, rv) in zip(s.comparators, refs) if lv == "province"), float("nan"))
    national = refs[-1][1]
    if d.kind == "count":
        share = f", {percent(v / province_value)} of {s.province_name}" if s.level != "province" and province_value else ""
        sentence = f"{m['label']}, {m['year']}: {format_value(v, m['unit'])}{share}; {ordinal(r)} largest of the {s.peers}." if r else f"{m['label']}: {format_value(v, m['unit'])}."
        judgement, rank_text = "", f"{ordinal(r)} largest" if r else NOT_AVAILABLE
    else:
        sentence, judgement = comparison_sentence(m["label"], v, m["unit"], m["year"], refs, d.higher_is)
        best = "best" if d.higher_is in ("better", "worse") else "highest"
        rank_text = f"{ordinal(r)} {best}" if r else NOT_AVAILABLE
        if r:
            sentence = sentence[:-1] + f"; {ordinal(r)} {best} of the {s.peers}."
    return KeyFigure(ind, m["label"], v, format_value(v, m["unit"]), m["unit"], m["year"], m["source"], r, n, province_value, national, sentence, rank_text, judgement)


# ----------------------------------------------------------------------------- comparison tables


def rows_of(ctx: Context, *, parts: bool = True) -> list[tuple[str, str, str]]:
    """(label, code, level) of the table rows: the area's parts, the area, its comparators."""
    from ..areas import names_of

    s = ctx.subject
    rows = []
    level, codes = s.parts
    if parts and codes:
        names = names_of(level, s.vintage, list(codes))
        rows += [(f"{names.get(c, c)} ({c})", c, level) for c in codes]
    rows.append((s.label, s.code, s.level))
    rows += [(label, code, level) for level, code, label in s.comparators]
    return rows


def usable(ctx: Context, ids: Iterable[str], year: int | None, missing: list[str]) -> list[str]:
    """The ids the data gives at the area's own level; the others are listed in *missing* with the reason."""
    ids = list(ids)
    try:
        ctx.use(ids, ctx.subject.level, year)
        return ids
    except (DataNotAvailableError, DDMGeoError):
        pass
    out = []
    for ind in ids:
        try:
            ctx.use([ind], ctx.subject.level, year)
            out.append(ind)
        except (DataNotAvailableError, DDMGeoError) as exc:
            missing.append(f"{_label(ind)}: {first_line(exc)}")
    return out


def _values_at(ctx: Context, ids: list[str], level: str, year: int | None) -> dict[str, "pd.DataFrame | None"]:
    """Each indicator at one level (None where the data cannot give it there: shown as 'No data')."""
    try:
        t = ctx.use(ids, level, year)
        return {ind: t for ind in ids}
    except (DataNotAvailableError, DDMGeoError):
        pass
    out: dict[str, "pd.DataFrame | None"] = {}
    for ind in ids:
        try:
            out[ind] = ctx.use([ind], level, year)
        except (DataNotAvailableError, DDMGeoError):
            out[ind] = None
    return out


def _label(ind: str) -> str:
    from .._catalogue import first

    return first(ind).label


def comparison(ctx: Context, ids: list[str], *, title: str, year: int | None = None, note: str = "", parts: bool = True, missing: list[str] | None = None) -> Table | None:
    """Rows: the area's parts, the area, its comparators; columns: indicators (unit and year in each header).

    Indicators the data cannot give are left out and said in *missing*; None when none is left.
    """
    import pandas as pd

    rows = rows_of(ctx, parts=parts)
    missing = [] if missing is None else missing
    ids = usable(ctx, ids, year, missing)
    if not ids:
        return None
    own = ctx.use(ids, ctx.subject.level, year)
    frames = {lv: _values_at(ctx, ids, lv, year) for lv in {lv for _, _, lv in rows}}

    def cell(lv: str, code: str, ind: str) -> float:
        t = frames[lv][ind]
        return float("nan") if t is None else value(t, code, ind)

    values = pd.DataFrame([[cell(lv, code, i) for i in ids] for _, code, lv in rows], index=[r[0] for r in rows], columns=ids)
    heads = [header(meta(own, i)["label"], meta(own, i)["unit"], meta(own, i)["year"]) for i in ids]
    display = pd.DataFrame([[format_value(values.at[r, i], meta(own, i)["unit"]) for i in ids] for r in values.index], index=values.index, columns=heads)
    display.index.name = "Area"
    notes = [note] if note else []
    moved = [meta(own, i)["label"] for i in ids if "moved from 2011" in (meta(own, i)["notes"] or "")]
    if moved:
        notes.append(f"Published on the 2011 boundaries only, moved to the 2016 boundaries by area (lineage table): {'; '.join(moved)}.")
    units = {h: meta(own, i)["unit"] for h, i in zip(heads, ids)}
    return Table(title, display.reset_index(), " ".join(dict.fromkeys(notes)), values, units)
