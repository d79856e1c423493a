"""The sections of a profile, in the order of the COGTA district profile template.

Each builder takes the :class:`~ddmgeo.profiles._content.Context` and returns a
:class:`~ddmgeo.profiles._content.Section`; what the data cannot give is listed in the section's
``not_available`` with the reason and what would fill it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from .. import _meta
from .._format import NO_DATA_LABEL, format_value, number, ordinal, percent
from ..errors import DataNotAvailableError, DDMGeoError, NotComparableError
from . import _figures
from ._content import Context, KeyFigure, Section, Table, comparison, first_line, key_figure, meta, value

if TYPE_CHECKING:
    import pandas as pd

SECTIONS = ("summary", "spatial", "social", "economy", "services", "governance", "projects", "issues", "monitoring", "sources")
TITLES = {
    "summary": "Executive summary",
    "spatial": "Introduction and spatial status",
    "social": "Social development",
    "economy": "Drivers of the economy",
    "services": "Service delivery",
    "governance": "Governance and management",
    "projects": "Projects and spatial restructuring",
    "issues": "Key issues",
    "monitoring": "Impact monitoring: baseline and latest",
    "sources": "Sources and notes",
}

#: the executive summary's headline numbers (each in the latest year the data holds for it)
KEY = (
    "population",
    "households",
    "unemployment_rate",
    "income_poverty_rate",
    "water_scheme_household_share",
    "flush_toilet_household_share",
    "informal_dwelling_share",
)

SERVICES_2022 = {
    "water_scheme_household_share": "Piped water from a scheme",
    "flush_toilet_household_share": "Flush toilet",
    "formal_dwelling_share": "Formal dwelling",
    "cooking_electricity_share": "Cooking with electricity",
}


def _add(section: Section, table: Table | None) -> None:
    if table is not None:
        section.tables.append(table)


def _try(section: Section, what: str, build: Callable[[], object]) -> object | None:
    """Run one part of a section; data the machine lacks becomes a 'not available' note with the reason."""
    try:
        return build()
    except (DataNotAvailableError, NotComparableError) as exc:
        section.not_available.append(f"{what}: {first_line(exc)}")
        return None


# ----------------------------------------------------------------------------- 1 executive summary


def summary(ctx: Context) -> tuple[Section, list[KeyFigure]]:
    s = Section("summary", TITLES["summary"])
    figures: list[KeyFigure] = []
    for ind in KEY:
        k = _try(s, _label(ind), lambda ind=ind: key_figure(ctx, ind))
        if k is not None:
            figures.append(k)  # type: ignore[arg-type]
    for k in _composites(ctx, s):
        figures.append(k)
    s.paragraphs = [_lead(ctx)] + [k.sentence for k in figures]
    verdict = _verdict(ctx, figures)
    if verdict:
        s.paragraphs.append(verdict)
    return s, figures


def _verdict(ctx: Context, figures: list[KeyFigure]) -> str:
    """One sentence: on which headline measures the area does better, or worse, than all its comparators."""
    sub = ctx.subject
    names = [label.split(" (")[0] for _, _, label in sub.comparators]
    refs = _join(names, lower=False)
    both = names[0] if len(names) == 1 else "both" if len(names) == 2 else "all of them"
    better = [k.label for k in figures if k.judgement == "better"]
    worse = [k.label for k in figures if k.judgement == "worse"]
    mixed = [k.label for k in figures if k.judgement == "mixed"]
    parts = []
    if better:
        parts.append(f"better than {both} on {_join(better)}")
    if worse:
        parts.append(f"worse than {both} on {_join(worse)}")
    if mixed:
        parts.append(f"between them on {_join(mixed)}")
    if not parts:
        return ""
    return f"Compared with {refs}, {sub.name} does " + "; ".join(parts) + "."


def _join(items: list[str], *, lower: bool = True) -> str:
    """'a', 'a and b', 'a, b and c' (labels start lower-case mid-sentence unless *lower* is False)."""
    if lower:
        items = [i[0].lower() + i[1:] if i[:2] != i[:2].upper() else i for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def _label(ind: str) -> str:
    from .._catalogue import first

    return first(ind).label


def _lead(ctx: Context) -> str:
    s = ctx.subject
    if s.level == "province":
        return f"{s.name} is one of South Africa's nine provinces, with {len(s.parts[1])} district and metropolitan spaces."
    where = f"in {s.province_name}"
    if s.level == "municipality":
        district = s.comparators[0][2]
        return f"{s.name} ({s.code}) is a local municipality of {district} {where}."
    if s.is_metro:
        return f"{s.name} ({s.code}) is a metropolitan municipality {where}, a district space on its own."
    return f"{s.name} ({s.code}) is a district municipality {where} with {len(s.parts[1])} local municipalities."


def _composites(ctx: Context, s: Section) -> list[KeyFigure]:
    """The service-delivery and development indices as key figures (where they exist at the area's level)."""
    from .. import indicators

    out = []
    sub = ctx.subject
    specs = (("service_index", "Service-delivery index (0-100)", indicators.service_index, 1, "index (0-100)"), ("development_index", "Development index (0-1)", indicators.development_index, 3, "index (0-1)"))
    for col, label, fn, places, unit in specs:
        try:
            own = fn(level=sub.level, vintage=sub.vintage)
            refs = [(lab.split(" (")[0], float(fn(level=lv, vintage=sub.vintage).set_index("code").at[code, col])) for lv, code, lab in sub.comparators]
        except (DataNotAvailableError, DDMGeoError) as exc:
            s.not_available.append(f"{label}: {first_line(exc)}")
            continue
        v = float(own.set_index("code").at[sub.code, col])
        r = int((own[col] > v).sum()) + 1
        for src in _meta.read(own).get("sources", ["cs2016_indicators", "census2011_indicators"]):
            ctx.sources.setdefault(src, set()).add(2016)
        words = ", ".join(f"{_cmp(v, rv)} {name} ({number(rv, places)})" for name, rv in refs)
        sentence = f"{label}, 2016: {number(v, places)}, {words}; {ordinal(r)} best of the {sub.peers}."
        judgement = {frozenset({"above"}): "better", frozenset({"below"}): "worse"}.get(frozenset(_cmp(v, rv) for _, rv in refs), "mixed")
        prov = next((rv for (lv, _, _), (_, rv) in zip(sub.comparators, refs) if lv == "province"), float("nan"))
        out.append(KeyFigure(col, label, v, number(v, places), unit, 2016, "cs2016_indicators;census2011_indicators", r, len(own), prov, refs[-1][1], sentence, f"{ordinal(r)} best", judgement))
    return out


def _cmp(v: float, ref: float) -> str:
    return "equal to" if abs(v - ref) < 1e-9 else ("above" if v > ref else "below")


# ----------------------------------------------------------------------------- 2 spatial status


def spatial(ctx: Context) -> Section:
    s = Section("spatial", TITLES["spatial"])
    sub = ctx.subject
    s.figures.append(_figures.locator(ctx))
    s.figures.append(_figures.parts_map(ctx))
    t = comparison(ctx, ["area_km2", "population", "population_density", "households", "household_size", "sex_ratio", "youth_share"], title="Area and people", missing=s.not_available)
    _add(s, t)
    if t is not None:
        v = t.values.loc[sub.label]
        y = meta(ctx.use(["population"], sub.level), "population")["year"]
        s.paragraphs.append(f"{sub.name} covers {format_value(v['area_km2'], 'km²')} km² and had {format_value(v['population'], 'persons')} people in {y}, {number(v['population_density'], 1)} people per km².")
    _try(s, "Population growth", lambda: _growth(ctx, s))
    if sub.level == "municipality" or sub.category == "A":
        _try(s, "Wards", lambda: _wards(ctx, s))
    ctx.sources.setdefault("mdb2020_openup", set()).add(2020)
    return s


WARD_ROWS = 5  # the largest and the smallest wards shown (all when there are few)


def _wards(ctx: Context, s: Section) -> None:
    """A metro's or local municipality's wards: Census 2011 population on the 2016 ward demarcation."""
    import pandas as pd

    from .._wards import wards_of

    sub = ctx.subject
    w = wards_of(sub.code, demarcation=2016)
    pop = ctx.use(["population"], "ward")
    values = dict(zip(pop["code"].astype(str), pop["population"]))
    w = w.assign(population=w["code"].map(values))
    lacking = w[w["population"].isna()]
    w = w.dropna(subset=["population"]).sort_values("population", ascending=False)
    if w.empty:
        raise DataNotAvailableError(f"no Census 2011 ward population for the wards of {sub.code}")
    ctx.sources.setdefault("wazimap_geographies", set()).add(2016)
    big, small = w.iloc[0], w.iloc[-1]
    s.paragraphs.append(
        f"{sub.name} has {len(w) + len(lacking)} wards (2016 ward demarcation). At Census 2011, counted on these wards, "
        f"a ward had {format_value(w['population'].median(), 'persons')} people at the median; the largest, ward {big.ward}, "
        f"had {format_value(big.population, 'persons')} and the smallest, ward {small.ward}, {format_value(small.population, 'persons')}."
    )
    shown = w if len(w) <= 2 * WARD_ROWS else pd.concat([w.head(WARD_ROWS), w.tail(WARD_ROWS)])
    density = shown["population"] / shown["area_km2"]
    frame = pd.DataFrame(
        {
            "Ward": [f"Ward {n} ({c})" for n, c in zip(shown["ward"], shown["code"])],
            "Population (persons, 2011)": [format_value(v, "persons") for v in shown["population"]],
            "Area (MDB, km²)": [number(v, 1) for v in shown["area_km2"]],
            "Density (persons per km², 2011)": [number(v, 1) for v in density],
        }
    )
    numbers = pd.DataFrame({"population": shown["population"].to_numpy(), "area_km2": shown["area_km2"].to_numpy(), "density": density.to_numpy()}, index=frame["Ward"])
    title = "Wards by population, largest and smallest" if len(shown) < len(w) else "Wards by population"
    note = (
        "Census 2011 population (persons) counted on the 2016 ward demarcation (Stats SA via Wazimap); areas from the MDB. "
        "The 2016 ward boundaries are not in ddmgeo's data (the MDB 2016 ward shapefile would fill it), so the wards are not mapped; "
        "the 2021 wards have boundaries but no census figures."
    )
    if len(lacking):
        note += f" No population for {len(lacking)} ward(s): {', '.join(lacking['code'])}."
    s.tables.append(Table(title, frame, note, numbers, {"population": "persons", "area_km2": "km²", "density": "persons per km²"}))


def _growth(ctx: Context, s: Section) -> None:
    """Population 2011 and 2022 on the same (2022) boundaries, and the annual growth between them."""
    sub = ctx.subject
    levels = {sub.level} | ({sub.parts[0]} if sub.parts[1] else set())
    changes = {lv: ctx.change("population", start=2011, end=2022, level=lv).set_index("code") for lv in levels}
    own = changes[sub.level].loc[sub.code]
    rate = (own.end_value / own.start_value) ** (1 / 11) - 1
    s.paragraphs.append(
        f"{sub.name}'s population grew by {percent(rate, 2)} a year between Census 2011 and Census 2022, "
        f"from {format_value(own.start_value, 'persons')} to {format_value(own.end_value, 'persons')} (both on the 2022 boundaries)."
    )
    for src in ("census2022_person_indicators_district",):
        ctx.sources.setdefault(src, set()).update({2011, 2022})
    if sub.parts[1]:
        part = changes[sub.parts[0]].loc[list(sub.parts[1])]
        rates = 100 * ((part.end_value / part.start_value) ** (1 / 11) - 1)
        fig = _figures.growth_map(ctx, rates, years="2011-2022")
        if fig is not None:
            s.figures.append(fig)
        fastest, slowest = rates.idxmax(), rates.idxmin()
        names = dict(zip(part.index, part["name"])) if "name" in part else {}
        s.paragraphs.append(f"{names.get(fastest, fastest)} grew fastest ({number(rates[fastest], 2, sign=True)} % a year) and {names.get(slowest, slowest)} {'shrank' if rates[slowest] < 0 else 'slowest'} ({number(rates[slowest], 2, sign=True)} % a year).")


# ----------------------------------------------------------------------------- 3 social development

POPULATION_GROUPS = ["black_african_share", "coloured_share", "indian_asian_share", "white_share", "other_group_share"]
AGE_GROUPS = {"population_0_4": "0-4", "population_5_14": "5-14", "youth_15_34": "15-34", "population_35_59": "35-59", "population_60_plus": "60+", "population_age_unspecified": "not stated"}


def social(ctx: Context) -> Section:
    s = Section("social", TITLES["social"])
    _add(s, _population_trend(ctx, s))
    _add(s, comparison(ctx, POPULATION_GROUPS, title="Population group (Census 2011)", parts=False, missing=s.not_available, note="Shares of persons with a stated population group, Census 2011 on 2016 boundaries; Census 2022 population group by municipality is published in PDF only."))
    ages = _try(s, "Age groups", lambda: _ages(ctx))
    if ages is not None:
        s.figures.append(ages)  # type: ignore[arg-type]
    s.paragraphs.append(_gender_gap(ctx))
    _add(s, _health(ctx, s))
    _add(s, comparison(ctx, ["income_poverty_rate", "youth_income_poverty_rate", "no_schooling_share", "matric_or_higher_share"], title="Poverty (Census 2011) and education of adults aged 20 and over (Community Survey 2016)", missing=s.not_available, note=(
        "Poverty: share of persons in households whose income is below the upper-bound poverty line (income-based; 56.2 % nationally in 2011). "
        "Stats SA's official poverty headcount is expenditure-based (53.2 % in 2011): do not compare the two."
    )))
    mpi = _try(s, "Youth multidimensional poverty", lambda: _mpi(ctx))
    if mpi:
        s.paragraphs.append(str(mpi))
    s.not_available.append("Stats SA's South African Multidimensional Poverty Index (SAMPI) is not in ddmgeo's data; poverty is shown by the Census 2011 income poverty rate and the Youth Explorer youth MPI.")
    return s


def _population_trend(ctx: Context, s: Section) -> Table | None:
    """Population and households by census and survey year, each with its source and boundaries."""
    import pandas as pd

    sub = ctx.subject
    rows = []
    for year, source in ((2011, "Census 2011 (re-tabulated on 2016 boundaries)"), (2016, "Community Survey 2016 (sample survey)"), (2022, "Census 2022 (2022 boundaries)")):
        try:
            t = ctx.use(["population", "households"], sub.level, year)
        except DataNotAvailableError as exc:
            s.not_available.append(f"Population {year}: {first_line(exc)}")
            continue
        rows.append({"Year": str(year), "Source": source, "Population (persons)": format_value(value(t, sub.code, "population"), "persons"), "Households": format_value(value(t, sub.code, "households"), "households")})
    if not rows:
        return None
    return Table(f"Population and households of {sub.name}, 2011-2022", pd.DataFrame(rows), "A census counts every person; the Community Survey 2016 is a sample survey, so small differences from the censuses may be sampling error. Census 2022 figures stand on the 2022 boundaries (MDB 2020 delimitation), the others on the 2016 boundaries.")


def _ages(ctx: Context):
    import pandas as pd

    sub = ctx.subject
    cols = {}
    for level, code, label in [(sub.level, sub.code, sub.name), *sub.comparators]:
        t = ctx.use([*AGE_GROUPS, "population"], level, 2022)
        total = value(t, code, "population")
        cols[label.split(" (")[0]] = [value(t, code, i) / total for i in AGE_GROUPS]
    shares = pd.DataFrame(cols, index=list(AGE_GROUPS.values()))
    fig = _figures.age_chart(ctx, shares)
    fig.caption = "Census 2022: share of all persons in each age group ('not stated': persons whose age is not in the published groups)."
    return fig


def _gender_gap(ctx: Context) -> str:
    """The age group whose sex ratio is furthest from 100 (mid-year estimates, modelled)."""
    from .. import indicators

    sub = ctx.subject
    try:
        t = indicators.get("sex_ratio", by="age", level=sub.level, vintage=sub.vintage, output="tidy")
    except (DataNotAvailableError, DDMGeoError) as exc:
        return f"Gender gaps by age are not available: {first_line(exc)}"
    mine = t[t.code == sub.code].dropna(subset=["value"])
    mine = mine[~mine.age.astype(str).str.startswith(("75", "80"))]  # women outlive men everywhere at the oldest ages
    if mine.empty:
        return "Gender gaps by age are not available for this area."
    row = mine.loc[(mine.value - 100).abs().idxmax()]
    more = "men" if row.value > 100 else "women"
    ratio = row.value if row.value > 100 else 10_000 / row.value
    for src in str(row.source).split(";"):
        ctx.sources.setdefault(src, set()).add(int(row.year))
    return (
        f"The largest gender gap the data shows is at ages {row.age}: {ratio:.0f} {more} for every 100 "
        f"{'women' if more == 'men' else 'men'} ({int(row.year)} mid-year estimate, modelled; ages below 75). "
        "Unemployment of young people by sex is shown under the economy; income and education by sex are not in ddmgeo's data."
    )


FACILITIES = (
    ("dsfsi_hospitals", "Hospitals (public and private)"),
    ("dsfsi_community_health_centres", "Community health centres"),
    ("who_kemri_health_facilities", "Public health facilities, clinics included (WHO-KEMRI)"),
)


@lru_cache(maxsize=8)
def _facility_counts(level: str, vintage: int) -> "pd.DataFrame":
    """Facilities per area from the registered point layers, placed by their coordinates (on demand)."""
    from .. import overlays

    out = None
    for name, _ in FACILITIES:
        col = overlays.count_points(name, level=level, vintage=vintage).set_index("code")["n"].rename(name)
        out = col.to_frame() if out is None else out.join(col)
    return out


def _health(ctx: Context, s: Section) -> Table | None:
    import pandas as pd

    sub = ctx.subject
    try:
        counts = _facility_counts(sub.level, sub.vintage)
    except DataNotAvailableError as exc:
        s.not_available.append(f"Health facilities: {first_line(exc)}")
        return None
    pop = ctx.use(["population"], sub.level).set_index("code")["population"]
    rows = []
    for name, label in FACILITIES:
        n = int(counts.at[sub.code, name])
        per = 100_000 * counts[name] / pop.reindex(counts.index)
        rows.append({"Facilities": label, "Number": format_value(n, "count"), "Per 100 000 people": number(per[sub.code], 1), f"Rank of {sub.peers} (per person)": ordinal(int((per > per[sub.code]).sum()) + 1), "South Africa per 100 000": number(100_000 * counts[name].sum() / pop.sum(), 1)})
        ctx.sources.setdefault(name, set()).add("points")
    return Table("Health facilities", pd.DataFrame(rows), "Placed by their coordinates; points outside South Africa or without coordinates are in no area (ddmgeo.overlays.count_points lists them). WHO-KEMRI data may be for non-commercial use only.")


def _mpi(ctx: Context) -> str:
    sub = ctx.subject
    t = ctx.use(["youth_mpi"], sub.level)
    c = ctx.use(["youth_mpi"], "country")
    return f"The Youth Explorer multidimensional poverty index of young people aged 15-24 is {number(value(t, sub.code, 'youth_mpi'), 3)} (Census 2011; 0 = no deprivation, higher is poorer; South Africa: {number(value(c, 'ZA', 'youth_mpi'), 3)})."


# ----------------------------------------------------------------------------- 4 economy


def economy(ctx: Context) -> Section:
    s = Section("economy", TITLES["economy"])
    _add(s, comparison(ctx, ["unemployment_rate", "unemployment_rate_with_discouraged", "youth_unemployment_rate", "employment_to_population", "informal_sector_share", "employed_low_income_share"], title="Work (Census 2011, persons aged 15-64; youth 15-24)", missing=s.not_available, note=(
        "Official definition: the unemployed searched for work; the second rate adds discouraged work-seekers (it is not Stats SA's expanded rate, which also counts others available for work). "
        "Informal sector: share of workers with a known type of sector. Low income: employed persons earning R3,200 a month or less."
    )))
    _add(s, comparison(ctx, ["grant_dependency"], title="Dependence on transfers and grants (National Treasury, 2022)", missing=s.not_available, parts=ctx.subject.level == "district"))
    s.not_available.append("Regional GDP, gross value added by sector and business counts are not in ddmgeo's data (Stats SA regional accounts or a regional economic database would fill this).")
    return s


# ----------------------------------------------------------------------------- 5 services


def services(ctx: Context) -> Section:
    s = Section("services", TITLES["services"])
    t = comparison(ctx, [*SERVICES_2022, "no_toilet_share"], title="Water, sanitation, settlements and energy (Census 2022, share of households)", missing=s.not_available)
    _add(s, t)
    if t is not None:
        cols = {i: t.values[i] for i in SERVICES_2022 if i in t.values}
        if cols:
            import pandas as pd

            s.figures.append(_figures.dot_chart(ctx, pd.DataFrame(cols), {i: SERVICES_2022[i] for i in cols}, xlabel="Per cent of households, Census 2022"))
            level, codes = ctx.subject.parts
            if codes:
                parts = ctx.use(list(cols), level, 2022)
                fig = _figures.small_multiples(ctx, parts, {i: SERVICES_2022[i] for i in cols}, legend="Per cent of households, 2022")
                if fig is not None:
                    s.figures.append(fig)
    _add(s, comparison(ctx, ["flush_sewerage_share", "electricity_lighting_share", "internet_access_share", "refuse_weekly_share", "electricity_access_share"], title="Services not in the Census 2022 tables (Census 2011 households; Community Survey 2016 persons)", missing=s.not_available, note="The 2011 shares count households; the 2016 shares (refuse, mains electricity) count persons living in households with the service: do not compare them with household shares."))
    s.not_available.append("Roads and transport: kilometres of road and rail are not in ddmgeo's data (OpenStreetMap or the national road network would fill them; ddmgeo.overlays.line_length works on any such layer).")
    return s


# ----------------------------------------------------------------------------- 6 governance


def governance(ctx: Context) -> Section:
    s = Section("governance", TITLES["governance"])
    sub = ctx.subject
    _try(s, "Audit outcomes", lambda: s.paragraphs.append(_audits(ctx)))
    _add(s, _audit_opinions(ctx))
    if sub.level == "province":
        s.not_available.append("Municipal finances: reported per municipality, never summed to a province (see the district and municipal profiles).")
    else:
        _add(s, _finances(ctx, s.not_available))
    return s


#: indicator -> (header words, unit shown in the header)
FINANCES = {
    "cash_coverage_months": ("Cash coverage", "months"),
    "capital_budget_variance": ("Capital budget over/under-spending", "%"),
    "operating_revenue": ("Operating revenue, audited", "rand"),
}


def _institutions(ctx: Context) -> list[tuple[str, str, str]]:
    """(label, code, level) of the municipalities that govern the area: a metro or local municipality itself;
    a district's district municipality and its local municipalities."""
    from ..areas import names_of

    sub = ctx.subject
    if sub.level == "municipality" or sub.category == "A":
        return [(f"{sub.name} ({sub.code})", sub.code, "municipality")]
    names = names_of("municipality", sub.vintage, list(sub.parts[1]))
    rows = [(f"{sub.name} District Municipality ({sub.code})", sub.code, "district_municipality")]
    return rows + [(f"{names.get(c, c)} ({c})", c, "municipality") for c in sub.parts[1]]


def _finances(ctx: Context, missing: list[str]) -> Table | None:
    """Cash coverage, capital-budget variance and operating revenue of each municipality governing the area."""
    import pandas as pd

    rows = _institutions(ctx)
    columns: dict[str, dict] = {}
    for ind in FINANCES:
        try:
            tables = {lv: ctx.use([ind], lv) for lv in {lv for _, _, lv in rows}}
        except DDMGeoError as exc:
            missing.append(f"{_label(ind)}: {first_line(exc)}")
            continue
        m = meta(next(iter(tables.values())), ind)
        columns[ind] = {"meta": m, "values": [value(tables[lv], code, ind) for _, code, lv in rows]}
    if not columns:
        return None
    headers = {ind: f"{FINANCES[ind][0]} ({FINANCES[ind][1]}, {_financial_year(c['meta']['year'])})" for ind, c in columns.items()}
    shown = {i: [format_value(v, "rand") if c["meta"]["unit"] == "rand" else (NO_DATA_LABEL if v != v else number(v, 1)) for v in c["values"]] for i, c in columns.items()}
    frame = pd.DataFrame({"Municipality": [label for label, _, _ in rows]} | {headers[i]: shown[i] for i in columns})
    numbers = pd.DataFrame({headers[i]: c["values"] for i, c in columns.items()}, index=frame["Municipality"])
    for c in columns.values():
        for src in c["meta"]["source"].split(";"):
            ctx.sources.setdefault(src, set()).add(c["meta"]["year"])
    note = (
        "Per municipality as reported to National Treasury (Municipal Money); ratios are never summed or averaged over municipalities. "
        "Cash coverage: months of operating expenditure the cash covers. Capital budget over/under-spending: actual against budgeted "
        "capital spending, per cent (negative = under-spent)."
    )
    lacking = [label for k, (label, _, _) in enumerate(rows) if all(c["values"][k] != c["values"][k] for c in columns.values())]
    if lacking:
        note += f" No data: {', '.join(lacking)} reported no figures for that year."
    return Table("Finances of the municipalities (National Treasury, Municipal Money)", frame, note, numbers, {headers[i]: c["meta"]["unit"] for i, c in columns.items()})


def _financial_year(year: int) -> str:
    """2018 -> '2017/18' (Municipal Money labels a municipal financial year by the year it ends in)."""
    return f"{year - 1}/{str(year)[-2:]}"


def _audits(ctx: Context) -> str:
    """'2 of the 6 municipalities with an audit outcome had a clean audit in 2018/19 (Limpopo: 4.2 %, ...).'"""
    sub = ctx.subject
    ids = ["clean_audits", "audits_completed", "clean_audit_share"]
    own = ctx.use(ids, sub.level, 2019)
    clean, done = value(own, sub.code, "clean_audits"), value(own, sub.code, "audits_completed")
    refs = ", ".join(f"{label.split(' (')[0]}: {format_value(value(ctx.use(ids, lv, 2019), code, 'clean_audit_share'), 'proportion')}" for lv, code, label in sub.comparators)
    refs = f"clean audits among municipalities: {refs}"
    if done == 1:
        return f"{sub.name} {'had' if clean else 'did not have'} a clean audit in 2018/19 ({refs})."
    scope = ", the district municipality included" if sub.level == "district" and sub.code.startswith("DC") else ""
    return f"{format_value(clean, 'count')} of the {format_value(done, 'count')} municipalities with a 2018/19 audit outcome{scope} had a clean audit ({refs})."


def _audit_opinions(ctx: Context) -> Table | None:
    import pandas as pd

    from .._sources import facts
    from ..areas import areas_table

    sub = ctx.subject
    try:
        f = facts("municipal_money_scorecard_2020q3")
    except DataNotAvailableError:
        return None
    munis = areas_table("municipality", vintage=sub.vintage)
    if sub.level == "province":
        return None
    codes = [sub.code] if sub.level == "municipality" else list(munis.code[munis.district_code == sub.code]) + ([sub.code] if sub.code.startswith("DC") else [])
    a = f[(f.measure == "audit_opinion") & (f.year == 2019) & f.code.isin(codes)]
    if a.empty:
        return None
    names = dict(zip(munis.code, munis.name))
    names.setdefault(sub.code, f"{sub.name} District Municipality" if sub.code.startswith("DC") else sub.name)
    rows = [{"Municipality": f"{names.get(str(r.code), r.code)} ({r.code})", "Audit outcome 2018/19": str(r.category).split("|")[-1]} for r in a.itertuples()]
    ctx.sources.setdefault("municipal_money_scorecard_2020q3", set()).add(2019)
    return Table("Audit outcome by municipality", pd.DataFrame(rows).sort_values("Municipality"), "Auditor-General outcomes as published by National Treasury's Municipal Money.")


# ----------------------------------------------------------------------------- 7 projects


@lru_cache(maxsize=8)
def _national_projects(level: str, vintage: int):
    """The Budget Review 2019 large national infrastructure projects, MTEF 2019/20, placed in the areas."""
    from .. import budget, datasets

    return budget.spatialise(datasets.fetch("infrastructure_projects_br2019"), amount="amount_fy2019_mtef", id="project_slug", level=level, vintage=vintage)


def projects(ctx: Context) -> Section:
    import pandas as pd

    s = Section("projects", TITLES["projects"])
    sub = ctx.subject
    r = _try(s, "Budget spatialisation of the national projects", lambda: _national_projects(sub.level, sub.vintage))
    if r is not None:
        ba = r.by_area.set_index("code")  # type: ignore[attr-defined]
        amount, n = ba.at[sub.code, "amount"], int(ba.at[sub.code, "n_projects"])
        place = int((ba.per_capita > ba.at[sub.code, "per_capita"]).sum()) + 1
        s.paragraphs.append(
            f"Of the large national infrastructure projects in the 2019 Budget Review that could be placed, {n} {'lies' if n == 1 else 'lie'} in {sub.name}, "
            f"with {format_value(amount, 'rand')} budgeted for 2019/20 (MTEF), {format_value(ba.at[sub.code, 'per_capita'], 'rand')} per person, "
            f"the {ordinal(place)} most per person of the {sub.peers}. {len(r.unallocated)} project(s) without a location could not be placed in any area."  # type: ignore[attr-defined]
        )
        mine = r.allocations[r.allocations.code == sub.code]  # type: ignore[attr-defined]
        if len(mine):
            from .. import datasets

            raw = pd.read_csv(datasets.fetch("infrastructure_projects_br2019"))
            rows = [{"Project": raw.project_name.iat[i], "Sector": raw.sector.iat[i], "2019/20 (rand, MTEF)": format_value(c / 100, "rand"), "Placed by": rule} for i, c, rule in zip(mine.row, mine.amount_cents, mine.rule)]
            s.tables.append(Table("National infrastructure projects in the area (Budget Review 2019)", pd.DataFrame(rows), "National Treasury, vulekamali; placed by ddmgeo.budget.spatialise from the projects' coordinates."))
        ctx.sources.setdefault("infrastructure_projects_br2019", set()).add(2019)
    s.not_available.append("Provincial and municipal budgets by project are not in ddmgeo's data: spatialise a department's project list with `ddm spatialise` (ddmgeo.budget.spatialise) to add them.")
    s.not_available.append("Protected areas, roads and rail are not in ddmgeo's data (SANBI and OpenStreetMap layers would fill them; ddmgeo.overlays.overlap works on any such layer).")
    return s


# ----------------------------------------------------------------------------- 9 monitoring

CHANGE_IDS = ["population", "households", "formal_dwelling_share", "informal_dwelling_share", "water_scheme_household_share", "flush_toilet_household_share", "no_toilet_share", "cooking_electricity_share"]


def monitoring(ctx: Context) -> Section:
    from ..monitoring._profile import change_text, rank_text

    s = Section("monitoring", TITLES["monitoring"])
    sub = ctx.subject
    import pandas as pd

    rows = []
    caveats: dict[str, list[str]] = {}
    for ind in CHANGE_IDS:
        c = _try(s, _label(ind), lambda ind=ind: _change(ctx, ind, 2011, 2022))
        if c is None:
            continue
        r = c  # type: ignore[assignment]
        rows.append({"Indicator": _label(ind), "Unit": "%" if r.unit == "proportion" else r.unit, "Baseline 2011": format_value(r.start_value, r.unit), "Latest 2022": format_value(r.end_value, r.unit), "Change": change_text(r.change, r.relative_change, r.unit), "Direction": r.direction or "", f"Rank of {sub.peers}": rank_text(r.rank_start, r.rank_end)})
        if r.caveat:
            caveats.setdefault(r.caveat, []).append(_label(ind))
        for src in (r.start_source, r.end_source):
            ctx.sources.setdefault(str(src), set()).update({2011, 2022})
    if rows:
        note = "Both years from the Census 2022 tables, which give the 2011 figures re-based on the 2022 boundaries, so the change compares like with like. Ranks: 1st best (counts: 1st largest)."
        note += "".join(f" {text} ({', '.join(names)})" for text, names in caveats.items())
        s.tables.append(Table("Change between Census 2011 (baseline) and Census 2022 (latest)", pd.DataFrame(rows), note))
    s.not_available.append("Targets for this area are not in ddmgeo's data: give them to ddmgeo.monitoring.track to see progress and whether it is on track.")
    return s


def _change(ctx: Context, ind: str, start: int, end: int):
    c = ctx.change(ind, start=start, end=end)
    return c[c.code == ctx.subject.code].iloc[0]


# ----------------------------------------------------------------------------- 10 sources


def sources(ctx: Context) -> Section:
    """The datasets used, grouped by their attribution (each with the years used and its registry names)."""
    import pandas as pd

    from .. import _registry

    s = Section("sources", TITLES["sources"])
    groups: dict[str, dict] = {}
    for name in sorted(ctx.sources):
        d = _registry.get(name)
        g = groups.setdefault(d.attribution, {"names": [], "years": set()})
        g["names"].append(name)
        g["years"] |= {str(y) for y in ctx.sources[name]}
    rows = [{"Source (attribution)": attribution, "Years used": ", ".join(sorted(g["years"])), "Registry names": ", ".join(g["names"])} for attribution, g in groups.items()]
    s.tables.append(Table("Datasets used", pd.DataFrame(rows), "`ddm data list` (or ddmgeo.datasets.list_datasets()) gives each dataset's title and licence. Stats SA's terms require users to acknowledge Stats SA as the source and to state that the analysis is their own."))
    s.paragraphs.append(
        "Rates and shares are computed from counts (numerator and denominator) at each level, never averaged. Figures marked as estimates are modelled "
        "(Stats SA mid-year estimates). Every figure can be reproduced with ddmgeo.indicators.get(...) and the ids listed by ddmgeo.indicators.catalogue()."
    )
    s.paragraphs.extend(ctx.notes + _errata(ctx))
    return s


def _errata(ctx: Context) -> list[str]:
    """The known errata of the figures shown: the area's own, its parts' and those of areas it contains."""
    from .._catalogue import in_source
    from ..indicators import _errata

    sub = ctx.subject
    shown = {sub.code, *sub.parts[1]}
    out = []
    for r in _errata.table().itertuples(index=False):
        inside = _errata._containers(r.code, sub.vintage)
        if not (r.code in shown or sub.code in inside.values()):
            continue
        if any(in_source(name, r.dataset) for name in ctx.sources):
            out.append(f"Erratum ({r.code}): {r.note}")
    return out


BUILDERS: dict[str, Callable[[Context], Section]] = {
    "spatial": spatial,
    "social": social,
    "economy": economy,
    "services": services,
    "governance": governance,
    "projects": projects,
    "monitoring": monitoring,
}
