"""The content of a district diagnostic profile: numbers, tables, sentences and figures, section by section.

Every number comes from :mod:`ddmgeo.indicators` with its source and year; a section
whose data ddmgeo does not have says "not available" and names what would fill it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from .. import settings
from .._format import NOT_AVAILABLE, format_value, is_missing, ordinal
from ..errors import DataNotAvailableError

if TYPE_CHECKING:
    import pandas as pd


# ----------------------------------------------------------------------------- structures


@dataclass
class Figure:
    id: str
    title: str
    svg: str
    alt: str
    caption: str = ""


@dataclass
class Table:
    title: str
    frame: "pd.DataFrame"  # display strings
    note: str = ""
    values: "pd.DataFrame | None" = None  # the numbers behind it


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
    code: str
    name: str
    province: str
    province_name: str
    category: str
    vintage: int
    munis: list[str]
    sources: dict[str, set] = field(default_factory=dict)  # dataset -> years used

    def use(self, ids: list[str], level: str = "district", year: int | None = None) -> "pd.DataFrame":
        """Indicators at a level (memoised by the engine), recording their sources."""
        from .. import indicators

        t = indicators.get(ids, level=level, year=year, vintage=self.vintage)
        for meta in t.attrs["ddmgeo"]["indicators"].values():
            for s in meta["source"].split(";"):
                if s:
                    self.sources.setdefault(s, set()).add(meta["year"])
        return t


def make_context(code: str, vintage: int) -> Context:
    from ..areas import areas_table

    d = areas_table("district", vintage=vintage).set_index("code")
    m = areas_table("municipality", vintage=vintage)
    munis = m[m.district_code == code].code.tolist()
    prov = d.at[code, "province_code"]
    return Context(code, d.at[code, "name"], prov, settings.PROVINCES[prov], d.at[code, "category"], vintage, munis)


# ----------------------------------------------------------------------------- helpers


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0]


def _catalogue_label(ind: str) -> str:
    from ..indicators._catalogue import first

    return first(ind).label


def _meta(table: "pd.DataFrame", ind: str) -> dict:
    return table.attrs["ddmgeo"]["indicators"][ind]


def _value(table: "pd.DataFrame", code: str, ind: str) -> float:
    """The value of *ind* for *code* (NaN when absent), from a lookup built once per table."""
    shape, cells = table.__dict__.get("_ddmgeo_cells", (None, None))
    if shape != (table.shape, tuple(table.columns)):
        codes = table["code"].astype(str).tolist()
        cells = {c: dict(zip(codes, table[c].tolist())) for c in table.columns if c not in ("code", "name")}
        object.__setattr__(table, "_ddmgeo_cells", ((table.shape, tuple(table.columns)), cells))
    value = cells.get(ind, {}).get(code)
    return float("nan") if value is None else float(value)


def rank_among(table: "pd.DataFrame", ind: str, code: str, higher_is: str) -> tuple[int | None, int, str]:
    """(rank, n, word): rank 1 = the highest value; word says highest or lowest for the sentence."""
    values = table[ind]
    v = _value(table, code, ind)
    n = int(values.notna().sum())
    if is_missing(v):
        return None, n, ""
    rank_high = int((values > v).sum()) + 1
    if rank_high <= (n + 1) / 2:
        return rank_high, n, "highest"
    return int((values < v).sum()) + 1, n, "lowest"


def _compare_word(v: float, ref: float) -> str:
    if is_missing(v) or is_missing(ref):
        return "compared with"
    if abs(v - ref) <= 1e-9 * max(abs(ref), 1):
        return "equal to"
    return "above" if v > ref else "below"


def key_figure(ctx: Context, ind: str, *, year: int | None = None) -> KeyFigure | None:
    from ..indicators._catalogue import first

    d = ctx.use([ind], "district", year)  # DataNotAvailableError: the caller says "not available" with the reason
    p = ctx.use([ind], "province", year)
    c = ctx.use([ind], "country", year)
    meta = _meta(d, ind)
    v = _value(d, ctx.code, ind)
    pv = _value(p, ctx.province, ind)
    nv = _value(c, "ZA", ind)
    higher = first(ind).higher_is
    rank, n, word = rank_among(d, ind, ctx.code, higher)
    unit = meta["unit"]
    label = meta["label"]
    if is_missing(v):
        sentence = f"{label} is not available for {ctx.name}."
    elif first(ind).kind == "count":  # a count is compared by its share of the province, not by size
        size = "largest" if word == "highest" else "smallest"
        place = f"the {ordinal(rank)} {size}" if rank and rank > 1 else f"the {size}"
        share = f"{100 * v / pv:.1f} % of the {ctx.province_name} total" if pv else f"of the {ctx.province_name} total"
        sentence = f"{label}: {format_value(v, unit)} ({meta['year']}), {place} of the {n} district spaces and {share}."
    else:
        place = f"the {ordinal(rank)} {word} of the {n} district spaces" if rank else ""
        if rank == 1:
            place = f"the {word} of the {n} district spaces"
        sentence = (
            f"{label} of {format_value(v, unit)} ({meta['year']}) is {place} and {_compare_word(v, pv)} the "
            f"{ctx.province_name} figure of {format_value(pv, unit)} (South Africa: {format_value(nv, unit)})."
        )
    if first(ind).kind == "count":
        word = {"highest": "largest", "lowest": "smallest"}.get(word, word)
    rank_text = f"{ordinal(rank)} {word}" if rank else NOT_AVAILABLE
    return KeyFigure(ind, label, v, format_value(v, unit), unit, meta["year"], meta["source"], rank, n, pv, nv, sentence, rank_text)


def comparison_table(ctx: Context, ids: list[str], *, year: int | None = None, title: str, note: str = "") -> Table:
    """Rows: each municipality of the district, the district, its province, South Africa; columns: indicators."""
    import pandas as pd

    m = ctx.use(ids, "municipality", year)
    d = ctx.use(ids, "district", year)
    p = ctx.use(ids, "province", year)
    c = ctx.use(ids, "country", year)
    rows = []
    if ctx.category != "A":
        rows += [(f"{r.name} ({r.code})", r.code, "municipality") for r in m[m.code.isin(ctx.munis)].itertuples()]
    rows += [(f"{ctx.name} ({ctx.code})", ctx.code, "district"), (f"{ctx.province_name} ({ctx.province})", ctx.province, "province"), ("South Africa", "ZA", "country")]
    frames = {"municipality": m, "district": d, "province": p, "country": c}
    values = pd.DataFrame([[_value(frames[lv], code, i) for i in ids] for _, code, lv in rows], index=[r[0] for r in rows], columns=ids)
    headers = [f"{_meta(d, i)['label']} ({_meta(d, i)['year']})" for i in ids]
    display = pd.DataFrame([[format_value(values.at[r, i], _meta(d, i)["unit"]) for i in ids] for r in values.index], index=values.index, columns=headers)
    display.index.name = "Area"
    notes = [note] if note else []
    for i in ids:
        extra = _meta(d, i)["notes"]
        if extra and "moved from 2011" in extra:
            notes.append(f"{_meta(d, i)['label']}: Census 2011 counts on 2011 boundaries, moved to 2016 boundaries by area (lineage table).")
    return Table(title, display.reset_index(), " ".join(dict.fromkeys(notes)), values)


# ----------------------------------------------------------------------------- figures


def _svg(fig) -> str:
    import matplotlib
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    # fixed hash salt and no date: the same profile gives byte-identical SVG, so outputs can be diffed
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "ddmgeo"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", facecolor="white", metadata={"Date": None})
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]


def locator_figure(ctx: Context) -> Figure:
    import matplotlib.pyplot as plt

    from ..maps import _draw
    from ..maps._cartographic import projected

    d = projected("district", ctx.vintage, None)
    p = projected("province", ctx.vintage, None)
    fig, ax = plt.subplots(figsize=(4.2, 3.6))
    _draw.polygons(ax, d.geometry.values, facecolor="#e6e6e6", edgecolor="white", linewidth=0.4)
    _draw.polygons(ax, p[p.code == ctx.province].geometry.values, facecolor="#cfd9e6", edgecolor="none")
    _draw.polygons(ax, d[d.code == ctx.code].geometry.values, facecolor="#c0392b", edgecolor="#7b241c", linewidth=0.6, zorder=3)
    _draw.lines(ax, p.geometry.values, color="#555555", linewidth=0.5)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return Figure("locator", "Location", _svg(fig), f"Map of South Africa locating {ctx.name} in {ctx.province_name}", f"{ctx.name} (red) in {ctx.province_name} (blue).")


def municipalities_figure(ctx: Context) -> Figure:
    from ..maps import district_map

    fig = district_map(ctx.code, vintage=ctx.vintage, size=(9.5, 5.6), title=f"{ctx.name} and its municipalities")
    return Figure("municipalities", "Municipalities", _svg(fig), f"Map of {ctx.name} with its local municipalities and neighbouring district spaces")


def pyramid_figure(ctx: Context) -> Figure | None:
    import matplotlib.pyplot as plt

    from ..indicators._sources import facts

    f = facts("mype_districts_2002_2021")
    f = f[(f.code == ctx.code) & (f.year == 2021)]
    if f.empty:
        return None
    cats = f.category.astype(str).str.split("|", expand=True)
    f = f.assign(sex=cats[0].values, age=cats[1].values)
    order = sorted(f.age.unique(), key=lambda a: int(a.split("-")[0].rstrip("+")))
    male = f[f.sex == "Male"].groupby("age").value.sum().reindex(order)
    female = f[f.sex == "Female"].groupby("age").value.sum().reindex(order)
    total = male.sum() + female.sum()
    fig, ax = plt.subplots(figsize=(6, 4))
    y = np.arange(len(order))
    ax.barh(y, -100 * male / total, color="#4a90c2", label="Male")
    ax.barh(y, 100 * female / total, color="#d9776b", label="Female")
    ax.set_yticks(y, order, fontsize=7)
    lim = max((100 * male / total).max(), (100 * female / total).max()) * 1.1
    ax.set_xlim(-lim, lim)
    ax.set_xticks(ax.get_xticks(), [f"{abs(t):.0f} %" for t in ax.get_xticks()], fontsize=7)
    ax.axvline(0, color="#333333", lw=0.6)
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    ax.set_title("Share of the population by age and sex, 2021 (estimate)", fontsize=9)
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
    return Figure("pyramid", "Age and sex", _svg(fig), f"Population pyramid of {ctx.name}, 2021 mid-year estimate", "Stats SA mid-year population estimates (modelled), 2021.")


SERVICE_IDS = ["piped_water_share", "flush_toilet_share", "electricity_access_share", "refuse_weekly_share", "formal_dwelling_share"]
SERVICE_SHORT = {
    "piped_water_share": "Piped water in dwelling/yard",
    "flush_toilet_share": "Flush or chemical toilet",
    "electricity_access_share": "Mains electricity",
    "refuse_weekly_share": "Refuse removed weekly",
    "formal_dwelling_share": "Formal dwelling",
}


def services_chart(ctx: Context, table: Table) -> Figure:
    import matplotlib.pyplot as plt

    v = table.values
    fig, ax = plt.subplots(figsize=(7.5, 0.55 * len(SERVICE_IDS) + 1.4))
    y = np.arange(len(SERVICE_IDS))[::-1]
    munis = [r for r in v.index if r not in (v.index[-1], v.index[-2], v.index[-3])]
    for r in munis:
        ax.scatter(100 * v.loc[r, SERVICE_IDS], y, s=18, color="#bbbbbb", zorder=2)
    styles = [(v.index[-3], "#c0392b", "o", 60), (v.index[-2], "#2c7fb8", "D", 40), (v.index[-1], "#222222", "|", 120)]
    for r, colour, marker, size in styles:
        ax.scatter(100 * v.loc[r, SERVICE_IDS], y, s=size, color=colour, marker=marker, zorder=3, label=r)
    if munis:
        ax.scatter([], [], s=18, color="#bbbbbb", label="Local municipalities")
    ax.set_yticks(y, [SERVICE_SHORT[i] for i in SERVICE_IDS], fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel("Per cent of people (households for dwellings), Community Survey 2016", fontsize=8)
    ax.grid(axis="x", color="#eeeeee")
    ax.legend(frameon=False, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=4)
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
    return Figure("services-chart", "Services compared", _svg(fig), f"Dot chart of service access in {ctx.name}, its municipalities, province and South Africa")


def services_maps(ctx: Context) -> Figure | None:
    if len(ctx.munis) < 2:
        return None
    import matplotlib.pyplot as plt
    from matplotlib import colormaps
    from matplotlib.colors import Normalize

    from ..maps import _draw
    from ..maps._cartographic import projected

    m = projected("municipality", ctx.vintage, 0.0)
    m = m[m.code.isin(ctx.munis)].reset_index(drop=True)
    t = ctx.use(SERVICE_IDS, "municipality").set_index("code")
    cmap, norm = colormaps["YlGnBu"], Normalize(0, 100)
    fig, axes = plt.subplots(1, len(SERVICE_IDS), figsize=(10, 2.6))
    for ax, ind in zip(axes, SERVICE_IDS):
        vals = 100 * t.loc[m.code, ind].to_numpy(dtype=float)
        colours = ["#f4f4f4" if np.isnan(x) else cmap(norm(x)) for x in vals]
        _draw.polygons(ax, m.geometry.values, facecolors=colours, edgecolor="#666666", linewidth=0.4)
        ax.set_aspect("equal")
        ax.set_axis_off()
        ax.set_title(SERVICE_SHORT[ind], fontsize=8)
    sm = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
    cbar = fig.colorbar(sm, ax=axes, orientation="horizontal", fraction=0.06, pad=0.04, aspect=50)
    cbar.set_label("Per cent, 2016", fontsize=8)
    cbar.ax.tick_params(labelsize=7)
    return Figure("services-maps", "Services by municipality", _svg(fig), f"Five maps of {ctx.name}'s municipalities shaded by access to each service")


# ----------------------------------------------------------------------------- sections

KEY = [
    ("population", 2016),
    ("households", 2016),
    ("unemployment_rate", None),
    ("income_poverty_rate", None),
    ("piped_water_share", None),
]


def _index_text(k: KeyFigure, v: float) -> str:
    if k.id == "service_index":
        return f"{v:.1f}"
    if k.id == "development_index":
        return f"{v:.3f}"
    return format_value(v, k.unit)


def gender_gap(ctx: Context) -> str:
    """The largest gender gap the data shows: the age group whose sex ratio is furthest from 100 (modelled estimates)."""
    from .. import indicators

    try:
        t = indicators.get("sex_ratio", by="age", level="district", vintage=ctx.vintage, output="tidy")
    except DataNotAvailableError as exc:  # stated, not hidden
        return f"Gender gaps by age are not available: {_first_line(exc)}"
    mine = t[t.code == ctx.code].dropna(subset=["value"])
    mine = mine[~mine.age.astype(str).str.startswith(("75", "80"))]  # women outlive men everywhere at the oldest ages
    if mine.empty:
        return ""
    row = mine.loc[(mine.value - 100).abs().idxmax()]
    more = "men" if row.value > 100 else "women"
    ratio = row.value if row.value > 100 else 10_000 / row.value
    nat = t[(t.code == ctx.code) & (t.age == row.age)]
    for src in str(row.source).split(";"):
        ctx.sources.setdefault(src, set()).add(int(row.year))
    return (
        f"The largest gender gap the data shows is at ages {row.age}: {ratio:.0f} {more} for every 100 "
        f"{'women' if more == 'men' else 'men'} ({int(row.year)} mid-year estimate, modelled; below 75, where women outlive men everywhere). "
        "Unemployment, income and education by sex are not in ddmgeo's data (Census 2011 tables by sex would fill them)."
    )


def executive_summary(ctx: Context) -> tuple[Section, list[KeyFigure]]:
    import pandas as pd

    from .. import indicators

    s = Section("summary", "Executive summary")
    figures = []
    for ind, year in KEY:
        try:
            figures.append(key_figure(ctx, ind, year=year))
        except DataNotAvailableError as exc:  # shown as not available, with the reason
            s.not_available.append(f"{_catalogue_label(ind)}: {_first_line(exc)}")
    si = indicators.service_index(level="district", vintage=ctx.vintage)
    for src in ("cs2016_indicators",):
        ctx.sources.setdefault(src, set()).add(2016)
    v = float(si.set_index("code").at[ctx.code, "service_index"])
    rank, n, word = rank_among(si, "service_index", ctx.code, "better")
    sip = indicators.service_index(level="province", vintage=ctx.vintage).set_index("code").at[ctx.province, "service_index"]
    sin = indicators.service_index(level="country", vintage=ctx.vintage).set_index("code").at["ZA", "service_index"]
    figures.append(
        KeyFigure(
            "service_index", "Service-delivery index (0-100)", v, f"{v:.1f}", "index (0-100)", 2016, "cs2016_indicators", rank, n, float(sip), float(sin),
            f"The service-delivery index of {v:.1f} (2016) is the {ordinal(rank)} {word} of the {n} district spaces and "
            f"{_compare_word(v, sip)} the {ctx.province_name} figure of {sip:.1f} (South Africa: {sin:.1f}).",
            f"{ordinal(rank)} {word}",
        )
    )
    di = indicators.development_index(level="district", vintage=ctx.vintage).set_index("code")
    dip = indicators.development_index(level="province", vintage=ctx.vintage).set_index("code").at[ctx.province, "development_index"]
    din = indicators.development_index(level="country", vintage=ctx.vintage).set_index("code").at["ZA", "development_index"]
    dv = float(di.at[ctx.code, "development_index"])
    drank, dn, dword = rank_among(di.reset_index(), "development_index", ctx.code, "better")
    figures.append(
        KeyFigure(
            "development_index", "Development index (0-1)", dv, f"{dv:.3f}", "index (0-1)", 2016, "cs2016_indicators;census2011_indicators", drank, dn, float(dip), float(din),
            f"The development index of {dv:.3f} (education, employment and income, living conditions) is the {ordinal(drank)} {dword} of the {dn} "
            f"district spaces and {_compare_word(dv, dip)} the {ctx.province_name} figure of {dip:.3f} (South Africa: {din:.3f}).",
            f"{ordinal(drank)} {dword}",
        )
    )
    gap = gender_gap(ctx)
    lead = (
        f"{ctx.name} ({ctx.code}) is a {'metropolitan municipality' if ctx.category == 'A' else 'district municipality'} in "
        f"{ctx.province_name}"
        + (f" with {len(ctx.munis)} local municipalities." if ctx.category != "A" else ", a district space on its own.")
    )
    s.paragraphs = [lead] + [k.sentence for k in figures] + ([gap] if gap else [])
    rows = [
        {
            "Indicator": k.label,
            "Year": k.year,
            ctx.name: k.display,
            "Rank among the 52": k.rank_text,
            ctx.province_name: _index_text(k, k.province_value),
            "South Africa": _index_text(k, k.national_value),
        }
        for k in figures
    ]
    s.tables.append(Table("Key figures", pd.DataFrame(rows), "Ranks place the value among the 52 district and metropolitan spaces, counted from the highest or from the lowest, whichever is nearer."))
    s.not_available.append(
        "Stats SA's South African Multidimensional Poverty Index (SAMPI) is not available in ddmgeo's data; poverty is shown by the "
        "Census 2011 income poverty rate at the upper-bound poverty line (and the Youth Explorer youth MPI in the demographics section)."
    )
    return s, figures


def spatial_status(ctx: Context) -> Section:
    s = Section("spatial", "Introduction and spatial status")
    s.figures.append(locator_figure(ctx))
    s.figures.append(municipalities_figure(ctx))
    d = ctx.use(["area_km2", "population", "population_density"], "district", 2016)
    area, pop, dens = (_value(d, ctx.code, i) for i in ("area_km2", "population", "population_density"))
    s.paragraphs.append(
        f"{ctx.name} covers {format_value(area, 'km²')} km² and had {format_value(pop, 'persons')} people in 2016 (Community Survey), "
        f"a density of {dens:.1f} people per km²."
    )
    t = comparison_table(ctx, ["area_km2", "population", "population_density", "households"], year=2016, title="Municipalities: area and population (2016)")
    s.tables.append(t)
    growth, growth_map, growth_text = growth_section_parts(ctx)
    s.paragraphs.append(growth_text)
    s.tables.append(growth)
    if growth_map is not None:
        s.figures.append(growth_map)
    s.sources.append("mdb2020_openup")
    ctx.sources.setdefault("mdb2020_openup", set()).add(2020)
    return s


def demographics(ctx: Context) -> Section:
    s = Section("demographics", "Social development and demographics")
    pyramid = pyramid_figure(ctx)
    if pyramid is not None:
        s.figures.append(pyramid)
    s.tables.append(comparison_table(ctx, ["population", "population_estimate", "sex_ratio", "youth_share", "dependency_ratio", "household_size"], title="Population and households", note="Population 2016: Community Survey; 2021: Stats SA mid-year estimate (modelled)."))
    s.tables.append(gender_youth_table(ctx))
    s.tables.append(comparison_table(ctx, ["no_schooling_share", "matric_or_higher_share"], title="Education of adults aged 20 and over (2016)"))
    s.tables.append(comparison_table(ctx, ["income_poverty_rate", "youth_income_poverty_rate"], title="Poverty (Census 2011, upper-bound poverty line)"))
    s.tables.append(comparison_table(ctx, ["unemployment_rate", "unemployment_rate_expanded"], title="Unemployment (Census 2011)"))
    try:
        mpi = ctx.use(["youth_mpi"], "district")
        v = _value(mpi, ctx.code, "youth_mpi")
        s.paragraphs.append(
            f"The Youth Explorer multidimensional poverty index of young people aged 15-24 is {v:.3f} (Census 2011; 0 = no deprivation, higher is poorer; "
            f"South Africa: {_value(ctx.use(['youth_mpi'], 'country'), 'ZA', 'youth_mpi'):.3f})."
        )
    except DataNotAvailableError as exc:  # shown, never silently dropped
        s.not_available.append(f"Youth MPI: {_first_line(exc)}")
    s.not_available.append("Census 2022 tables are not available in ddmgeo's data; the latest counts are Community Survey 2016 and Stats SA's 2021 mid-year estimates.")
    return s


def gender_youth_table(ctx: Context) -> Table:
    """Youth share by sex (modelled, 2016) and the sex ratio, for the district, its province and the country."""
    import pandas as pd

    from .. import indicators

    rows = []
    for level, code, label in (("district", ctx.code, f"{ctx.name} ({ctx.code})"), ("province", ctx.province, f"{ctx.province_name} ({ctx.province})"), ("country", "ZA", "South Africa")):
        y = indicators.get("youth_share", by="sex", level=level, vintage=ctx.vintage).set_index(["code", "sex"])["youth_share"]
        sr = ctx.use(["sex_ratio"], level, 2016).set_index("code")["sex_ratio"]
        rows.append(
            {
                "Area": label,
                "Sex ratio 2016 (men per 100 women)": f"{sr[code]:.1f}",
                "Youth share of women (15-34), 2016 estimate": format_value(y[(code, "Female")], "proportion"),
                "Youth share of men (15-34), 2016 estimate": format_value(y[(code, "Male")], "proportion"),
            }
        )
    ctx.sources.setdefault("mype_districts_2002_2021", set()).add(2016)
    return Table("Gender and youth", pd.DataFrame(rows), "Sex ratio: Community Survey 2016. Youth by sex: Stats SA mid-year estimates (modelled); no census table of age by sex is in ddmgeo's data.")


def growth_section_parts(ctx: Context) -> tuple[Table, Figure | None, str]:
    """Urbanisation: population growth 2011-2016 of the district and its municipalities on 2016 boundaries."""
    import pandas as pd

    from .. import indicators

    g = indicators.population_growth(level="municipality", vintage=ctx.vintage)
    d = indicators.population_growth(level="district", vintage=ctx.vintage).set_index("code")
    mine = g[g.code.isin(ctx.munis)].sort_values("growth_rate", ascending=False)
    rows = [
        {"Area": f"{r.name} ({r.code})", "Population 2011": format_value(r.population_start, "persons"), "Population 2016": format_value(r.population_end, "persons"), "Change": f"{r.change:+,.0f}".replace(",", "\u202f"), "Growth per year": f"{100 * r.growth_rate:+.2f} %"}
        for r in mine.itertuples()
    ]
    dd = d.loc[ctx.code]
    rows.append({"Area": f"{ctx.name} ({ctx.code})", "Population 2011": format_value(dd.population_start, "persons"), "Population 2016": format_value(dd.population_end, "persons"), "Change": f"{dd.change:+,.0f}".replace(",", "\u202f"), "Growth per year": f"{100 * dd.growth_rate:+.2f} %"})
    fastest = mine.iloc[0] if len(mine) > 1 else None
    slowest = mine.iloc[-1] if len(mine) > 1 else None
    text = f"{ctx.name}'s population grew by {100 * dd.growth_rate:.2f} % a year between Census 2011 and the Community Survey 2016 (on 2016 boundaries)."
    if fastest is not None:
        text += f" {fastest['name']} grew fastest ({100 * fastest.growth_rate:+.2f} % a year)"
        text += f" and {slowest['name']} {'shrank' if slowest.growth_rate < 0 else 'grew slowest'} ({100 * slowest.growth_rate:+.2f} % a year)."
    table = Table("Population growth 2011-2016 (urbanisation and migration)", pd.DataFrame(rows), "Census 2011 (a count) against the Community Survey 2016 (a sample survey), both on 2016 boundaries; growth per year over 5 years.")
    fig = None
    if len(ctx.munis) > 1:
        import matplotlib.pyplot as plt
        from matplotlib import colormaps
        from matplotlib.colors import TwoSlopeNorm

        from ..maps import _draw
        from ..maps._cartographic import projected

        m = projected("municipality", ctx.vintage, 0.0)
        m = m[m.code.isin(ctx.munis)].reset_index(drop=True)
        rate = 100 * g.set_index("code").loc[m.code, "growth_rate"].to_numpy(dtype=float)
        lim = max(abs(rate).max(), 0.5)
        norm = TwoSlopeNorm(vmin=-lim, vcenter=0, vmax=lim)
        cmap = colormaps["PuOr"]
        fig_, ax = plt.subplots(figsize=(5.5, 4))
        _draw.polygons(ax, m.geometry.values, facecolors=[cmap(norm(x)) for x in rate], edgecolor="#555555", linewidth=0.5)
        for geom, name, x in zip(m.geometry, m["name"], rate):
            pt = geom.representative_point()
            ax.text(pt.x, pt.y, f"{name}\n{x:+.1f} %", ha="center", va="center", fontsize=7)
        ax.set_aspect("equal")
        ax.set_axis_off()
        sm = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
        cbar = fig_.colorbar(sm, ax=ax, fraction=0.04, pad=0.02)
        cbar.set_label("Population growth per year, 2011-2016 (%)", fontsize=8)
        fig = Figure("growth-map", "Population growth by municipality", _svg(fig_), f"Map of {ctx.name}'s municipalities shaded by annual population growth 2011-2016")
    return table, fig, text


def economy(ctx: Context) -> Section:
    s = Section("economy", "Economic positioning")
    s.tables.append(comparison_table(ctx, ["employed", "labour_force", "employment_to_population", "unemployment_rate"], title="Employment (Census 2011, persons aged 15-64)"))
    s.tables.append(comparison_table(ctx, ["employed_low_income_share"], title="Income of the employed (Census 2011)"))
    s.not_available.append(
        "Regional GDP, gross value added by sector and business counts: not available in ddmgeo's data "
        "(Stats SA regional accounts or a Quantec/IHS Markit regional database would fill this)."
    )
    return s


def services(ctx: Context) -> Section:
    s = Section("services", "Service delivery and integrated services")
    t = comparison_table(ctx, SERVICE_IDS, title="Access to basic services (Community Survey 2016)", note="Water, sanitation, electricity and refuse count people by their household's service; dwellings count households.")
    s.tables.append(t)
    s.figures.append(services_chart(ctx, t))
    maps = services_maps(ctx)
    if maps is not None:
        s.figures.append(maps)
    else:
        s.paragraphs.append(f"{ctx.name} is a single municipality, so there is no municipal breakdown to map.")
    s.tables.append(comparison_table(ctx, ["water_scheme_share", "electricity_lighting_share", "internet_access_share", "informal_dwelling_share"], year=2011, title="Services in Census 2011"))
    return s


FACILITIES = (
    ("dsfsi_hospitals", "Hospitals (public and private)", None),
    ("dsfsi_community_health_centres", "Community health centres", None),
    ("dbe_schools_2017q1", "Public and independent schools (2017)", None),
)


@lru_cache(maxsize=4)
def _facility_counts(vintage: int) -> "pd.DataFrame":
    """Facilities per district space from the registered point layers (placed by their coordinates)."""
    import pandas as pd

    from .. import overlays

    out = None
    for name, label, _ in FACILITIES:
        t = overlays.count_points(name, level="district", vintage=vintage)
        col = t.set_index("code")["n"].rename(name)
        out = col.to_frame() if out is None else out.join(col)
    return out


@lru_cache(maxsize=4)
def _national_projects(vintage: int):
    """The Budget Review 2019 large national infrastructure projects, MTEF 2019/20, placed in the 52 spaces."""
    from .. import budget, datasets

    path = datasets.fetch("infrastructure_projects_br2019")
    return budget.spatialise(path, amount="amount_fy2019_mtef", id="project_slug", vintage=vintage)


def infrastructure_and_budget(ctx: Context) -> Section:
    import pandas as pd

    s = Section("infrastructure", "Infrastructure, budget spatialisation and spatial restructuring")
    # facilities (spatial restructuring: what the space holds)
    try:
        counts = _facility_counts(ctx.vintage)
        pop = ctx.use(["population"], "district", 2016).set_index("code")["population"]
        rows = []
        for name, label, _ in FACILITIES:
            n = int(counts.at[ctx.code, name])
            per = 100_000 * counts[name] / pop.reindex(counts.index)
            rank = int((per > per[ctx.code]).sum()) + 1
            rows.append({"Facilities": label, ctx.name: f"{n:,}".replace(",", "\u202f"), "Per 100 000 people": f"{per[ctx.code]:.1f}", "Rank among the 52 (per person)": ordinal(rank), "South Africa per 100 000": f"{100_000 * counts[name].sum() / pop.sum():.1f}"})
            ctx.sources.setdefault(name, set()).add("point locations")
        s.tables.append(Table("Facilities in the district space", pd.DataFrame(rows), "Placed by their coordinates; points outside South Africa or without coordinates are left out of every district and listed by ddmgeo.overlays.count_points. Population: Community Survey 2016."))
    except DataNotAvailableError as exc:  # said, not dropped
        s.not_available.append(f"Facility counts: {exc}")
    # budget spatialisation
    try:
        r = _national_projects(ctx.vintage)
        ba = r.by_area.set_index("code")
        amount = ba.at[ctx.code, "amount"]
        n = int(ba.at[ctx.code, "n_projects"])
        rank = int((ba.per_capita > ba.at[ctx.code, "per_capita"]).sum()) + 1
        s.paragraphs.append(
            f"Of the {r.allocations.row.nunique()} large national infrastructure projects in the 2019 Budget Review that could be placed, "
            f"{n} {'lies' if n == 1 else 'lie'} in {ctx.name}, with {format_value(amount, 'rand')} budgeted for 2019/20 (MTEF), "
            f"R {ba.at[ctx.code, 'per_capita']:.0f} per person, the {ordinal(rank)} most per person of the 52. "
            f"{len(r.unallocated)} project(s) without a location ({format_value(r.unallocated_cents / 100, 'rand')}) could not be placed in any district."
        )
        mine = r.allocations[r.allocations.code == ctx.code]
        if len(mine):
            raw = pd.read_csv(__import__("ddmgeo").datasets.fetch("infrastructure_projects_br2019"))
            rows = [{"Project": raw.project_name.iat[i], "Sector": raw.sector.iat[i], "2019/20 (MTEF)": format_value(c / 100, "rand"), "Placed by": rule} for i, c, rule in zip(mine.row, mine.amount_cents, mine.rule)]
            s.tables.append(Table("National infrastructure projects in the district space (Budget Review 2019)", pd.DataFrame(rows), "National Treasury, vulekamali; amounts placed by ddmgeo.budget.spatialise from the projects' coordinates."))
        ctx.sources.setdefault("infrastructure_projects_br2019", set()).add(2019)
    except DataNotAvailableError as exc:
        s.not_available.append(f"Budget spatialisation of the national projects: {exc}")
    s.not_available.append(
        "Provincial and municipal budgets by project are not in ddmgeo's data (only the 2019 Budget Review's national large projects are): "
        "spatialise a department's project list with ddmgeo.budget.spatialise or `ddm spatialise` to add it."
    )
    s.not_available.append(
        "Kilometres of road and rail and protected-area shares are not available: roads, railways and protected areas are not in ddmgeo's data "
        "(OpenStreetMap or SANBI layers would fill them; ddmgeo.overlays.line_length and overlap work on any such layer)."
    )
    return s


def governance(ctx: Context) -> Section:
    import pandas as pd

    from ..indicators._sources import facts

    s = Section("governance", "Governance and finance")
    t = comparison_table(ctx, ["clean_audits", "audits_completed", "clean_audit_share"], year=2019, title="Audit outcomes 2018/19 (municipalities in the district space, district municipality included)")
    s.tables.append(t)
    f = facts("municipal_money_scorecard_2020q3")
    codes = ctx.munis + ([ctx.code] if ctx.code.startswith("DC") else [])
    a = f[(f.measure == "audit_opinion") & (f.year == 2019) & f.code.isin(codes)]
    if not a.empty:
        from ..areas import areas_table

        names = dict(zip(areas_table("municipality").code, areas_table("municipality").name))
        names[ctx.code] = f"{ctx.name} District Municipality" if ctx.code.startswith("DC") else ctx.name
        rows = [{"Municipality": f"{names.get(str(r.code), r.code)} ({r.code})", "Audit outcome 2018/19": str(r.category).split("|")[-1]} for r in a.itertuples()]
        s.tables.append(Table("Audit outcome by municipality", pd.DataFrame(rows).sort_values("Municipality"), "Auditor-General outcomes as published by National Treasury's Municipal Money."))
    s.tables.append(comparison_table(ctx, ["operating_revenue"], year=2018, title="Operating revenue 2017/18 (audited)"))
    ctx.sources.setdefault("municipal_money_scorecard_2020q3", set()).add(2019)
    return s


CHANGE_IDS = ["population", "households", "formal_dwelling_share", "informal_dwelling_share", "refuse_weekly_share", "flush_toilet_share", "owned_dwelling_share"]


def monitoring(ctx: Context) -> Section:
    from .. import monitoring as mon

    s = Section("monitoring", "Impact monitoring: baseline and latest")
    table = mon.profile_table(ctx.code, ids=CHANGE_IDS, start=2011, end=2016, vintage=ctx.vintage)
    ctx.use(CHANGE_IDS[:2], "district", 2011)
    ctx.use(CHANGE_IDS[:2], "district", 2016)
    s.tables.append(
        Table(
            "Change between Census 2011 (baseline) and Community Survey 2016 (latest)",
            table,
            "Both years on 2016 boundaries; a census against a sample survey, so read small changes with care. "
            "Indicators whose definitions changed between the surveys carry the caveat in the Note column, or are not compared.",
        )
    )
    s.not_available.append("Targets for this district space are not in ddmgeo's data: give them to ddmgeo.monitoring.track to see progress and whether it is on track.")
    return s


SECTIONS = ("summary", "spatial", "demographics", "economy", "services", "infrastructure", "governance", "monitoring", "sources")


@lru_cache(maxsize=1)
def _dataset_rows() -> dict:
    from .. import _registry

    return {d.name: d for d in _registry.datasets().values()}


def sources_section(ctx: Context) -> Section:
    import pandas as pd

    s = Section("sources", "Sources and notes")
    rows = []
    for name in sorted(ctx.sources):
        d = _dataset_rows()[name]
        rows.append(
            {
                "Dataset": d.title,
                "Years used": ", ".join(str(y) for y in sorted(ctx.sources[name])),
                "Attribution": d.attribution,
                "Licence": d.licence,
                "Registry name": name,
            }
        )
    s.tables.append(Table("Datasets used", pd.DataFrame(rows), f"Boundaries of the {ctx.vintage} demarcation (MDB 2020 delimitation geometry, generalised). Ranks compare the 52 district and metropolitan spaces."))
    s.paragraphs.append(
        "Rates and shares are computed from counts (numerator and denominator) at each level, never averaged. "
        "Figures marked as estimates are modelled (Stats SA mid-year estimates). Every figure can be reproduced with "
        "ddmgeo.indicators.get(...) and the ids listed in ddmgeo.indicators.catalogue()."
    )
    return s


BUILDERS = {
    "spatial": spatial_status,
    "demographics": demographics,
    "economy": economy,
    "services": services,
    "infrastructure": infrastructure_and_budget,
    "governance": governance,
    "monitoring": monitoring,
}
