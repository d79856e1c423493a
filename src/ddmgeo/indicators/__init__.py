"""Demographic, poverty, labour, service-delivery, spatial and municipal-finance indicators.

One catalogue (``data/indicators/catalogue.csv``) says what each indicator is and how it
is computed from the registered tables (``data/indicators/sources.toml``). Counts are
summed; shares and rates are always recomputed from their summed numerator and
denominator; means are weighted by their denominator; medians and indices are never
summed or averaged. A missing value stays missing (NaN) all the way through.

Examples
--------
>>> from ddmgeo import indicators
>>> cat = indicators.catalogue()
>>> t = indicators.get(["population", "unemployment_rate"], level="district")
>>> len(t), t.columns.tolist()
(52, ['code', 'name', 'population', 'unemployment_rate'])
>>> round(t.loc[t.code == "DC36", "unemployment_rate"].item(), 3)
0.281
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

from .. import _catalogue, _meta, settings
from .._catalogue import ONE_PLAN_AREAS
from .._numbers import read_year
from .._vintage import code_vintage
from ..areas import names_of
from ..errors import AggregationError, DataNotAvailableError
from . import _errata

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = [
    "ONE_PLAN_AREAS",
    "aggregate",
    "catalogue",
    "compare",
    "development_index",
    "disaggregations",
    "get",
    "growth_extremes",
    "harmonise",
    "population_growth",
    "rank",
    "service_index",
]

# Levels are plain str, checked at run time by one owner (areas._check_level / the indicator engine), whose
# error names the valid ones: a Literal here would make every internal caller cast a str it already checked.
Level = str


def catalogue(search: str | None = None, *, theme: str | None = None, expand: bool = False) -> "pd.DataFrame":
    """Every indicator ddmgeo knows, with its definition, source, years, vintages and licence.

    Parameters
    ----------
    search : str, optional
        Words to look for in the ids, labels and definitions (the ``notes``), e.g. ``"water"`` or
        ``"piped water"``: an indicator is kept when every word occurs in one of them (case-insensitive,
        part of a word counts, ``_`` reads as a space, so ``"scheme household"`` finds
        ``water_scheme_household_share``). An indicator with several sources is matched on all their
        definitions together.
    theme : str, optional
        A theme (``demographics, economy, spatial, infrastructure, services, governance``) or the
        One Plan area that holds it (see the ``one_plan_area`` column), e.g. ``"Economic positioning"``.
        Case and ``&`` for "and" do not matter.
    expand : bool, default False
        One row per source definition (an indicator measured by several sources,
        e.g. population in Census 2011 and CS 2016, has several) instead of one per indicator.

    Returns
    -------
    pandas.DataFrame
        ``id, label, theme, one_plan_area, kind, numerator, denominator, unit, higher_is, source, year,
        code_vintage, levels, licence, notes``; no rows when nothing matches *search*.

    Raises
    ------
    ValueError
        *theme* is neither a theme nor a One Plan area.

    Notes
    -----
    The One Plan of the District Development Model has six transformation areas; each catalogue theme
    belongs to one of them (:data:`ddmgeo.indicators.ONE_PLAN_AREAS`):

    ==============  ===================================
    theme           one_plan_area
    ==============  ===================================
    demographics    District demographics and profiling
    economy         Economic positioning
    spatial         Spatial restructuring
    infrastructure  Infrastructure engineering
    services        Integrated service provision
    governance      Governance and management
    ==============  ===================================

    Examples
    --------
    >>> from ddmgeo import indicators
    >>> cat = indicators.catalogue()
    >>> cat.set_index("id").loc["unemployment_rate", ["kind", "numerator", "denominator"]].tolist()
    ['rate', 'unemployed', 'labour_force']
    >>> "piped_water_share" in set(indicators.catalogue("piped water").id)
    True
    >>> set(indicators.catalogue(theme="Economic positioning").theme)
    {'economy'}
    """
    t = _catalogue.table().copy()
    if theme is not None:
        t = t[t.theme == _catalogue.theme_of(theme)]
    if search is not None:
        text = t["id"] + " " + t["label"] + " " + t["notes"]
        found = _catalogue.matches(search, text.groupby(t["id"], sort=False).transform(" ".join))
        t = t[found]
    t["one_plan_area"] = t["theme"].map(_catalogue.ONE_PLAN_AREAS)
    t["source"] = t["dataset"]
    t["licence"] = t["dataset"].map(_catalogue.licence_of)
    cols = [
        "id", "label", "theme", "one_plan_area", "kind", "numerator", "denominator", "unit", "higher_is", "source", "year",
        "code_vintage", "levels", "licence", "notes",
    ]
    if expand:
        return t[cols + ["measure", "categories", "exclude", "scale"]].reset_index(drop=True)

    def join(values: pd.Series) -> str:
        seen: list[str] = []
        for v in values:
            for part in str(v).split(";"):
                if part and part not in seen:
                    seen.append(part)
        return ";".join(seen)

    first = ("label", "theme", "one_plan_area", "kind", "numerator", "denominator", "unit", "higher_is")
    grouped = t.groupby("id", sort=False).agg({c: ("first" if c in first else join) for c in cols if c != "id"})
    return grouped.reset_index()[cols]


def describe(frame: "pd.DataFrame", result) -> "pd.DataFrame":
    """Add the metadata columns of a tidy table (unit, kind, source, vintage, notes) from an engine result."""
    for column, value in _description(result).items():
        frame[column] = value
    return frame


def _description(result) -> dict:
    """The metadata columns of a tidy table, in order, from an engine result (see :func:`describe`)."""
    return {"unit": result.definition.unit, "kind": result.definition.kind, "source": ";".join(result.sources), "vintage": result.vintage, "notes": "; ".join(result.notes)}


def _ids(ids: str | Iterable[str]) -> list[str]:
    out = [ids] if isinstance(ids, str) else list(ids)
    if not out:
        raise ValueError("Give at least one indicator id (ddmgeo.indicators.catalogue() lists them).")
    for i in out:
        _catalogue.lookup(i)
    return out


def _names(level: str, vintage: int, codes) -> "pd.Series":
    import pandas as pd

    return pd.Series(names_of(level, vintage, codes))


def get(
    ids: str | Iterable[str],
    *,
    level: Level = "district",
    year: int | None = None,
    vintage: int = settings.DEFAULT_VINTAGE,
    output: Literal["wide", "tidy"] = "wide",
    geometry: bool = False,
    by: Literal["sex", "age"] | None = None,
    source: str | None = None,
):
    """Indicator values for every area of a level, keyed by ``code``.

    Parameters
    ----------
    ids : str or list of str
        Catalogue ids (see :func:`catalogue`).
    level : str, default "district"
        ``district`` (the 52 DDM spaces), ``municipality``, ``province``, ``country``,
        ``ward`` (population only) or ``district_municipality`` (the district
        municipalities as institutions, for municipal finance).
    year : int, optional
        Reference year; by default each indicator's latest (for mid-year estimates,
        the latest estimate rather than a projection).
    vintage : {2016, 2011, 2021}, default 2016
        Boundary vintage of the codes. Counts published only on 2011 codes are moved
        to 2016 codes through the lineage table (said in the notes); an index or
        median cannot be moved and raises :class:`~ddmgeo.errors.VintageError`.
    output : {"wide", "tidy"}, default "wide"
        ``wide``: one row per area, one column per indicator, metadata in
        ``ddmgeo.metadata(table).indicators``. ``tidy``: one row per area and indicator with
        ``value, numerator, denominator, year, unit, kind, source, vintage, notes``.
    geometry : bool, default False
        Return a GeoDataFrame with the boundaries of the level.
    by : {None, "sex", "age"}, default None
        Disaggregate: one row per area and group, with a ``sex`` or ``age`` column (tidy: one
        row per area, indicator and group). The groups and their sources are listed in
        ``data/indicators/disaggregations.csv`` (:func:`disaggregations`): population by sex
        (Census 2011, CS 2016, mid-year estimates) and age (Census 2011 broad groups, CS 2016
        5-year bands, mid-year estimates), youth, working-age and dependent populations by sex
        and male/female population by age (mid-year estimates: modelled, said in the notes),
        income poor by age (Census 2011, moved to 2016 boundaries). Shares and rates are
        computed per group from the group numerator and denominator of one source and year
        (``sex_ratio``, ``youth_share``, ``dependency_ratio``, ``income_poverty_rate``, ...).
        A share and its numerator and denominator asked together come from that same source
        (so the columns are consistent and :func:`aggregate` recomputes the share from them);
        a wide table needs the same groups for every indicator (else use ``output="tidy"``).
        Levels: country, province, district, municipality. With no ``year``, the year of the
        undisaggregated indicator is used when the breakdown has it. A breakdown the data
        lacks raises :class:`~ddmgeo.errors.DataNotAvailableError` saying what would fill it;
        nothing is estimated.
    source : str, optional
        Read every indicator from this source only: a registered table, or a source series (the
        first word of table names: ``"census2022"`` for the nine Census 2022 tables, ``"census2011"``,
        ``"cs2016"``, ``"mype"``). Without it each year has its usual source: ``year=2011`` is the
        Census 2011 tables (on 2016 boundaries), while ``year=2011, source="census2022"`` is Census
        2011 re-based by Stats SA on the 2022 boundaries, as published with Census 2022 (the values a
        2011-2022 change uses). An id may also carry its source: ``"population@census2022"``.
        Not with ``by``.

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        Every area of the level appears; a value the data lacks is NaN, never zero. Columns are
        named by the ids asked (a deprecated id keeps its name, with a FutureWarning). Figures of an
        area with a known erratum of its source (``data/indicators/errata.csv``: Census 2022 for
        MP326 and MP321), or of an area containing one, carry the note (tidy: in ``notes``; wide:
        in the metadata ``notes`` and ``errata``).

    Examples
    --------
    >>> from ddmgeo import indicators
    >>> t = indicators.get(["population", "households"], level="province", year=2011)
    >>> t.nlargest(1, "population")[["code", "population"]]
      code  population
    2   GT  12272263.0
    >>> s = indicators.get(["population", "youth_15_34", "youth_share"], by="sex")
    >>> s[["code", "sex", "youth_share"]].head(2).round(3)
      code     sex  youth_share
    0  BUF  Female        0.269
    1  BUF    Male        0.302
    >>> r = indicators.get("population", year=2011, source="census2022")
    """
    import pandas as pd

    from ._engine import compute

    if year is not None:
        year = read_year(year)  # "2016" is 2016; "2016/17" or 20300 is a YearError naming year=
    if by is not None:
        if source is not None:
            raise ValueError("source= cannot be combined with by= (a breakdown chooses its source per group table).")
        from ._disaggregate import table_by

        out = table_by(_ids(ids), by=by, level=level, year=year, vintage=vintage, output=output, names=_names)
        return _with_geometry(out, level, _meta.read(out).get("vintage")) if geometry else out

    asked = _ids(ids)
    results = {i: compute(_qualified(i, source), level, year, vintage) for i in asked}
    if output not in ("wide", "tidy"):
        raise ValueError(f"output must be 'wide' or 'tidy', not {output!r}.")
    first = results[asked[0]]
    v = first.vintage
    errata = {i: _errata.notes_for(r.sources, r.year, level, v) for i, r in results.items()}
    meta = {i: _metadata(r, level, errata[i]) for i, r in results.items()}
    index = first.frame.index
    lookup = names_of(level, vintage, index)
    if output == "tidy":
        out = _tidy(results, lookup, level, errata)
    else:  # built in one go (a column added at a time copies the frame each time)
        codes = list(index)
        out = pd.DataFrame({"code": codes, "name": pd.Series([lookup.get(c, float("nan")) for c in codes]), **{i: r.frame["value"].reindex(index).values for i, r in results.items()}})
    _meta.attach(out, {"level": level, "vintage": v, "indicators": meta})
    if geometry:
        out = _with_geometry(out, level, v)
    return out


def _tidy(results: dict, lookup: dict, level: str, errata: dict) -> "pd.DataFrame":
    """One row per area and indicator, with numerator, denominator, universe, source and notes."""
    import pandas as pd

    frames = []
    for i, r in results.items():  # each frame built in one go (a column added at a time copies the frame each time)
        codes = list(r.frame.index)
        values = {c: r.frame[c].values for c in r.frame.columns}
        f = pd.DataFrame({"code": codes, "name": pd.Series([lookup.get(c, float("nan")) for c in codes]), "level": level, "indicator": i, "year": r.year, **values, **_description(r)})
        f["notes"] = _with_errata(f["notes"], f["code"], errata[i])
        frames.append(f)
    return pd.concat(frames, ignore_index=True)


def _qualified(indicator: str, source: str | None) -> str:
    """*indicator* restricted to *source* (``population@census2022``); unchanged without a source."""
    if source is None:
        return indicator
    base, _, own = indicator.partition(_catalogue.SOURCE_SEP)
    if own and own != source:
        raise ValueError(f"{indicator!r} names its own source, which is not source={source!r}.")
    return f"{base}{_catalogue.SOURCE_SEP}{source}"


def _metadata(result, level: str, errata: dict[str, str]) -> dict:
    """The metadata entry of one result, with the errata of its source noted (see ``data/indicators/errata.csv``)."""
    from ._engine import metadata

    meta = metadata(result)
    line = _errata.summary(result.sources, result.year, level, result.vintage)
    if line:
        meta["notes"] = "; ".join(n for n in (meta["notes"], line) if n)
        meta["errata"] = dict(errata)
        meta["errata_note"] = line
    return meta


def _with_errata(notes: "pd.Series", codes: "pd.Series", errata: dict[str, str]) -> "pd.Series":
    """Row notes with the erratum note of each row's area appended."""
    if not errata:
        return notes
    import pandas as pd

    joined = [f"{n}; {e}".strip("; ") if e and isinstance(n, str) else n for n, e in zip(notes.tolist(), [errata.get(c, "") for c in codes.tolist()])]
    return pd.Series(joined, index=notes.index, dtype=notes.dtype, name=notes.name)


def _with_geometry(table: "pd.DataFrame", level: str, vintage: int) -> "gpd.GeoDataFrame":
    import geopandas as gpd

    from ..areas import boundaries

    if level in ("country", "district_municipality"):
        raise DataNotAvailableError(f"No boundary layer for level {level!r}: use geometry=False.")
    if level == "ward" and vintage != 2021:
        raise DataNotAvailableError("Ward geometry exists for the 2021 ward delimitation only; the ward codes of this table are of another vintage.")
    b = boundaries(level, vintage=vintage)[["code", "geometry"]]
    attrs = table.attrs
    out = gpd.GeoDataFrame(table.merge(b, on="code", how="left"), geometry="geometry", crs=b.crs)
    out.attrs = attrs
    return out


def aggregate(
    table: "pd.DataFrame",
    *,
    to: Literal["district", "province", "country"] = "district",
    vintage: int = settings.DEFAULT_VINTAGE,
    min_coverage: float | None = None,
    method: str | dict | None = None,
    kinds: dict | None = None,
) -> "pd.DataFrame":
    """Aggregate an indicator table up the hierarchy: municipality -> district -> province -> country.

    Counts are summed; shares, rates and means are recomputed from their summed
    numerators and denominators (which the table must carry: tidy tables from
    :func:`get` do, wide tables need the component columns); medians and indices are
    refused unless ``method`` asks for a descriptive statistic of the parts.

    Parameters
    ----------
    table : pandas.DataFrame
        Wide (``code`` + one column per indicator) or tidy (``code, indicator, value``,
        with ``numerator, denominator`` for ratios).
    to : {"district", "province", "country"}, default "district"
    vintage : int, default 2016
        Vintage of the table's codes.
    min_coverage : float, optional
        By default a missing part makes the aggregate missing. With e.g. ``0.9`` an
        aggregate is computed when at least 90 % of its parts are present.
        Either way ``missing_parts`` lists, per area, the parts missing from any column
        (``""`` when none); where the columns differ, ``<column>__missing_parts`` gives each
        column's own list as well.
    method : str or dict, optional
        ``"mean"``, ``"median"``, ``"min"`` or ``"max"`` of the parts for index/median
        columns (a description of the parts, not an aggregate).
    kinds : dict, optional
        How to combine columns that are not catalogue ids: ``{"jobs": "count"}``,
        ``{"rate": ("share", "num_col", "den_col")}``.

    Returns
    -------
    pandas.DataFrame
        One row per area of the target level, in the input's form, with ``missing_parts``.
        A table from ``get(..., by="sex"|"age")`` is aggregated group by group (one row per
        area and group), rates recomputed from the group counts.

    Raises
    ------
    AggregationError
        A rate without its counts, a median or index without ``method``, mixed levels, an empty
        table, or an indicator column holding text, infinite values or negative counts (the message
        names the codes and the fix).

    Examples
    --------
    >>> from ddmgeo import indicators
    >>> m = indicators.get(["unemployed", "labour_force", "unemployment_rate"], level="municipality")
    >>> d = indicators.aggregate(m, to="district")
    >>> len(m), len(d)
    (213, 52)
    >>> round(d.loc[d.code == "DC36", "unemployment_rate"].item(), 3)   # recomputed from the summed counts
    0.281
    """
    from ..tables import check_unique_columns
    from ._aggregate import aggregate_tidy, aggregate_wide

    check_unique_columns(table.columns, "the table to aggregate")
    if to not in ("district", "province", "country"):
        raise AggregationError(f"to must be 'district', 'province' or 'country', not {to!r}.")
    if min_coverage is not None and not 0 < min_coverage <= 1:
        raise ValueError("min_coverage is a fraction of the parts, in (0, 1].")
    v = code_vintage(vintage)
    fn = aggregate_tidy if "indicator" in table.columns else aggregate_wide
    group_col = next((c for c in ("sex", "age") if c in table.columns and not _is_numeric(table[c])), None)
    if group_col is not None:
        from ._disaggregate import aggregate_groups

        out = aggregate_groups(fn, table, group_col, to=to, vintage=v, min_coverage=min_coverage, method=method, kinds=kinds)
    else:
        out = fn(table, to=to, vintage=v, min_coverage=min_coverage, method=method, kinds=kinds)
    out.insert(1, "name", out["code"].map(_names(to, v, out["code"])))
    return out


def _is_numeric(column) -> bool:
    import pandas as pd

    return pd.api.types.is_numeric_dtype(column)


def harmonise(
    table: "pd.DataFrame",
    *,
    from_vintage: int = 2011,
    to_vintage: int = 2016,
    kinds: dict | None = None,
    weights: Literal["area", "population"] = "area",
) -> "pd.DataFrame":
    """Move a municipality table of counts from 2011 codes to 2016 codes.

    Each 2011 municipality's counts are split over the 2016 municipalities it
    overlaps in proportion to area (``data/boundaries/lineage.csv``): renamed or
    merged municipalities move whole, boundary changes by areal weighting. Totals
    are conserved exactly. Shares are recomputed from the moved counts (their
    numerator and denominator columns must be in the table); indices are refused.
    ``<column>__moved_share`` says which share of each new value came from another code.
    Codes given twice, text in an indicator column and negative counts raise
    :class:`~ddmgeo.errors.AggregationError`; codes that are not 2011 municipalities raise
    :class:`~ddmgeo.errors.VintageError`.
    ``weights="population"`` shares each old area by the people in each overlap (WorldPop 2020 density
    surface, ~20 km cells) instead of by area.

    Examples
    --------
    >>> from ddmgeo import indicators
    >>> old = indicators.get(["income_poor", "income_known"], level="municipality", vintage=2011)
    >>> new = indicators.harmonise(old)
    >>> len(old), len(new)                    # 234 municipalities of 2011 moved to the 213 of 2016
    (234, 213)
    """
    from ._aggregate import harmonise_table

    out = harmonise_table(table, from_vintage=int(from_vintage), to_vintage=code_vintage(to_vintage), kinds=kinds, method=weights)
    out.insert(1, "name", out["code"].map(_names("municipality", 2016, out["code"])))
    return out


def rank(table: "pd.DataFrame", ids: str | Iterable[str] | None = None) -> "pd.DataFrame":
    """Add ``<id>_rank`` (1 = best by the catalogue's ``higher_is``) and ``<id>_quintile`` (1 = best fifth).

    For ``higher_is = neutral`` indicators rank 1 is the largest value. Missing values get no rank.

    Examples
    --------
    >>> from ddmgeo import indicators
    >>> r = indicators.rank(indicators.get("unemployment_rate"))
    >>> r.sort_values("unemployment_rate_rank").head(1)[["code", "name", "unemployment_rate_rank"]]
      code            name  unemployment_rate_rank
    3  DC2  Cape Winelands                       1
    """
    import pandas as pd

    from ..errors import TableError

    out = table.copy()
    cols = [c for c in out.columns if c in _catalogue.definitions()] if ids is None else _ids(ids)
    for col in cols:
        if col not in out.columns:
            raise TableError(f"The table has no column {col!r} to rank; it has {list(out.columns)}. Add it with ddmgeo.indicators.get([{col!r}, ...]).")
        if not pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col]):
            converted = pd.to_numeric(out[col], errors="coerce")
            text = out[col].notna() & converted.isna()
            if text.any():
                shown = ", ".join(repr(v) for v in out.loc[text, col].head(5))
                raise TableError(f"Column {col!r} holds text, not numbers ({shown}): ranking text would order it alphabetically. Convert it first (pd.to_numeric, or ddmgeo.read_table).")
            out[col] = converted
        higher = _catalogue.first(col).higher_is
        ascending = higher == "worse"
        r = out[col].rank(ascending=ascending, method="min")
        out[f"{col}_rank"] = r.astype("Int64")
        n = out[col].notna().sum()
        out[f"{col}_quintile"] = (((r - 1) * 5 // n) + 1).astype("Int64") if n else pd.NA
    return out


def compare(
    area: str,
    ids: str | Iterable[str],
    *,
    year: int | None = None,
    vintage: int = settings.DEFAULT_VINTAGE,
) -> "pd.DataFrame":
    """One district space against its province, the country and its peers.

    Rows: the area, its province, South Africa, the median of its peers (district
    spaces of the same category: metros with metros, districts with districts),
    its rank among the 52 (1 = best by ``higher_is``) and among its peers.

    Examples
    --------
    >>> from ddmgeo import indicators
    >>> c = indicators.compare("Waterberg", ["unemployment_rate", "piped_water_share"])
    >>> c.index.tolist()
    ['Waterberg (DC36)', 'Limpopo (LIM)', 'South Africa', 'median of 44 districts', 'rank among the 52 (1 = best)', 'rank among the 44 districts']
    >>> c.loc["rank among the 52 (1 = best)"].tolist()
    [15, 32]
    """
    import pandas as pd

    from ..areas import areas_table
    from ..names import resolve

    code = resolve(area, level="district", vintage=vintage)
    ids = _ids(ids)
    d = get(ids, level="district", year=year, vintage=vintage)
    p = get(ids, level="province", year=year, vintage=vintage)
    c = get(ids, level="country", year=year, vintage=vintage)
    t = areas_table("district", vintage=code_vintage(vintage)).set_index("code")
    prov, cat = t.at[code, "province_code"], t.at[code, "category"]
    ranked = rank(d, ids)
    peers = d[d.code.map(t["category"]) == cat]
    peer_ranked = rank(peers, ids)
    rows = {
        f"{t.at[code, 'name']} ({code})": d.set_index("code").loc[code, ids],
        f"{p.set_index('code').at[prov, 'name']} ({prov})": p.set_index("code").loc[prov, ids],
        "South Africa": c.set_index("code").loc["ZA", ids],
        f"median of {len(peers)} {'metros' if cat == 'A' else 'districts'}": peers[ids].median(),
        "rank among the 52 (1 = best)": ranked.set_index("code").loc[code, [f"{i}_rank" for i in ids]].set_axis(ids),
        f"rank among the {len(peers)} {'metros' if cat == 'A' else 'districts'}": peer_ranked.set_index("code").loc[code, [f"{i}_rank" for i in ids]].set_axis(ids),
    }
    out = pd.DataFrame(rows).T
    _meta.carry(d, out)
    return out


#: service-delivery index components per survey year (all higher = better; shares of persons living in
#: households with the service, except formal_dwelling_share and electricity_lighting_share, shares of households)
SERVICE_COMPONENTS = {
    2016: ("piped_water_share", "flush_toilet_share", "electricity_access_share", "refuse_weekly_share", "formal_dwelling_share"),
    2011: ("water_scheme_share", "flush_toilet_share", "electricity_lighting_share", "refuse_weekly_share", "formal_dwelling_share"),
}


def service_index(
    *,
    level: Level = "district",
    year: int = 2016,
    vintage: int = settings.DEFAULT_VINTAGE,
    weights: dict[str, float] | None = None,
    missing: Literal["raise", "skip"] = "skip",
) -> "pd.DataFrame":
    """A composite service-delivery index (0-100) with its components.

    Method: each component is the share of people (or households) served, already on a
    0-1 scale, so it is used as is (no rescaling against the other areas, which would make
    the index move when other areas change); the index is the weighted mean of the
    components times 100. Default weights are equal. Components for 2016 (CS 2016):
    persons living in households with piped water in the dwelling or yard, with a flush
    (sewerage or septic tank) or chemical toilet (``flush_toilet_share``), with mains
    electricity, with refuse removed weekly, and households in a formal dwelling; for 2011
    (Census): persons living in households with water from a scheme, with a flush or chemical
    toilet (``flush_toilet_share``: persons in both years, not Stats SA's household figure
    ``flush_sewerage_share``), with refuse removed weekly, and households using electricity
    for lighting and in a formal dwelling. The two years' components differ, so compare
    indices across years with care. There is no 2022 index: the Census 2022 tables in the
    shared data have no electricity or refuse figures (Stats SA publishes them by
    municipality in PDF profiles only).

    Parameters
    ----------
    weights : dict, optional
        Component id -> weight (normalised to sum to 1); a component left out gets weight 0.
    missing : {"skip", "raise"}, default "skip"
        "skip": an area with a missing component gets the weighted mean of the components it
        has, and ``components_missing`` names the missing ones; "raise": AggregationError.

    Returns
    -------
    pandas.DataFrame
        ``code, name``, each component, ``service_index``, ``components_missing``.

    Examples
    --------
    >>> from ddmgeo import indicators
    >>> si = indicators.service_index()
    >>> len(si), "service_index" in si.columns
    (52, True)
    """
    import numpy as np

    if missing not in ("skip", "raise"):
        raise ValueError(f"missing must be 'skip' (average the components present) or 'raise', not {missing!r}.")
    year = read_year(year)
    if year not in SERVICE_COMPONENTS:
        raise DataNotAvailableError(f"The service index is defined for {sorted(SERVICE_COMPONENTS)} (survey years with the components).")
    comps = SERVICE_COMPONENTS[year]
    w = {c: 1.0 for c in comps} if weights is None else dict(weights)
    unknown = set(w) - set(comps)
    if unknown:
        raise ValueError(f"weights name {sorted(unknown)}, which are not components for {year}: {comps}.")
    if sum(w.values()) <= 0 or any(v < 0 for v in w.values()):
        raise ValueError("weights must be non-negative and not all zero.")
    t = get(list(comps), level=level, year=year, vintage=vintage)
    W = np.array([w.get(c, 0.0) for c in comps])
    values = t[list(comps)].to_numpy(dtype=float)
    have = ~np.isnan(values)
    if missing == "raise" and not have[:, W > 0].all():
        bad = t.loc[~have[:, W > 0].all(axis=1), "code"].tolist()
        raise AggregationError(f"Service index components are missing for {bad}; pass missing='skip' to average the components present.")
    ww = np.where(have, W, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        idx = 100 * np.nansum(values * ww, axis=1) / ww.sum(axis=1)
    t["service_index"] = np.where(ww.sum(axis=1) > 0, idx, np.nan)
    t["components_missing"] = [";".join(c for c, h, wt in zip(comps, row, W) if wt > 0 and not h) for row in have]
    _meta.update(t, service_index={"year": year, "weights": {c: float(x) / float(W.sum()) for c, x in zip(comps, W)}, "method": "weighted mean of shares x 100"})
    return t


# ----------------------------------------------------------------------------- lenses: disaggregation, development, growth


def disaggregations(*, by: Literal["sex", "age"] | None = None) -> "pd.DataFrame":
    """Every indicator available by sex or age group, with its groups, sources and years.

    Read from ``data/indicators/disaggregations.csv`` (counts, group by group) plus the shares
    and rates whose numerator and denominator are both available from one source.

    Returns
    -------
    pandas.DataFrame
        ``indicator, by, source, groups, years, notes``.

    Examples
    --------
    >>> from ddmgeo import indicators
    >>> d = indicators.disaggregations(by="sex")
    >>> "youth_share" in set(d.indicator)
    True
    """
    from ._disaggregate import available, check_by

    if by is not None:
        check_by(by)
    return available(by)


def development_index(
    *,
    level: Level = "district",
    year: int = 2016,
    vintage: int = settings.DEFAULT_VINTAGE,
    weights: dict[str, float] | None = None,
    mean: Literal["geometric", "arithmetic"] = "geometric",
    sensitivity: bool = False,
):
    """A human development index of three dimensions: education, employment and income, living conditions.

    Method (UNDP-style):

    1. **Components** (all shares of people or households, 0-1):

       * *education*: ``matric_or_higher_share`` (persons 20+ with Grade 12 or higher,
         CS 2016). No Census 2011 education table is in the shared data, so the 2011 index
         **substitutes the CS 2016 value** (said in ``attrs``): education then does not change
         between the 2011 and 2016 indices;
       * *employment and income*: ``employment_to_population`` (employed share of persons
         15-64 with a labour-market status) and ``income_poverty_rate`` (persons below the
         upper-bound poverty line), both **Census 2011 in both years** (CS 2016 asked no
         labour or income questions; poverty counts are moved from 2011 to 2016 boundaries
         through the lineage table). The poverty rate is income-based (56.2 % in 2011), not
         Stats SA's expenditure-based official headcount (53.2 %);
       * *living conditions*: the :func:`service_index` components of the year (2016:
         piped water in dwelling or yard, flush or chemical toilet, mains electricity, weekly
         refuse removal, formal dwelling, CS 2016; 2011: water from a scheme, flush or chemical
         toilet, electricity for lighting, weekly refuse removal, formal dwelling, Census 2011).

    2. **Normalisation** with fixed goalposts 0 and 1: score = (value - 0) / (1 - 0), and
       1 - score where higher is worse (income poverty). No min-max rescaling over the areas,
       so an area's index does not move when other areas change.
    3. **Dimension** = arithmetic mean of its component scores (a missing component leaves
       the dimension, and the index, missing; ``components_missing`` names it).
    4. **Index** = weighted geometric mean of the three dimensions (default, as the UNDP HDI:
       a low dimension is not fully offset by a high one) or weighted arithmetic mean; equal
       weights by default. The index lies in [0, 1].
    5. **Rank** among the areas of the level, 1 = highest index.

    Parameters
    ----------
    level : {"district", "municipality", "province", "country"}, default "district"
    year : {2016, 2011}, default 2016
        Which living-conditions survey (and education substitution, for 2011).
    vintage : int, default 2016
        Only the 2016 boundaries (CS 2016 exists on them only).
    weights : dict, optional
        Dimension -> weight, over ``education``, ``employment_income``,
        ``living_conditions`` (normalised to sum to 1; a dimension left out gets weight 0).
    mean : {"geometric", "arithmetic"}, default "geometric"
    sensitivity : bool, default False
        Also return a table of rank changes under alternative weightings: each dimension's
        weight doubled, and the other mean.

    Returns
    -------
    pandas.DataFrame or (pandas.DataFrame, pandas.DataFrame)
        ``code, name``, each component (raw values), ``education_index,
        employment_income_index, living_conditions_index, development_index, rank,
        components_missing``; ``ddmgeo.metadata(table).extra["development_index"]`` records the method,
        weights, goalposts, each component's year, source and reason, and the caveats.
        With ``sensitivity=True``, also ``code, name, development_index, rank``, then
        ``rank_<scenario>`` and ``change_<scenario>`` (scenario rank - base rank; positive =
        falls) per scenario, and ``max_abs_change``; Spearman correlations in its attrs.

    Examples
    --------
    >>> from ddmgeo import indicators
    >>> hdi = indicators.development_index()
    >>> hdi.nsmallest(3, "rank")[["name", "development_index", "rank"]].round(3)
                        name  development_index  rank
    51       City of Tshwane              0.667     1
    48  City of Johannesburg              0.660     2
    1      City of Cape Town              0.632     3
    >>> hdi, sens = indicators.development_index(sensitivity=True)
    """
    from ._lenses import development_index as _development_index

    return _development_index(level=level, year=read_year(year), vintage=vintage, weights=weights, mean=mean, sensitivity=sensitivity)


def population_growth(
    *,
    level: Level = "municipality",
    start: int = 2011,
    end: int = 2016,
    vintage: int = settings.DEFAULT_VINTAGE,
    source: Literal["census", "estimates"] = "census",
    years: float | None = None,
) -> "pd.DataFrame":
    """Population at two dates on the same 2016 boundaries, its change and annualised growth rate.

    ``source="census"``: Census 2011 (re-tabulated on 2016 boundaries) and Community Survey
    2016, the same ``population`` definitions as :func:`get`; or, with ``end=2022``, Census 2011
    and Census 2022 both from the Census 2022 release (2011 re-based by Stats SA on the 2022
    boundaries). ``source="estimates"``: Stats SA
    mid-year estimates for any two years 2002-2031 (modelled; after 2021 projections; at
    municipality level the metros come from the district file, and after 2026 they are
    missing). ``change = population_end - population_start`` exactly, and
    ``growth_rate = (population_end / population_start) ** (1 / years) - 1`` with
    ``years = end - start`` unless given (Census 2011 and CS 2016 are about 4.4 years apart:
    October 2011 to March-April 2016).

    The urban share of the population (urbanisation proper) is not in the shared data: a
    Census 2011 or CS 2016 table of persons by settlement type (urban, traditional, farm)
    would fill it. Growth is not a catalogue indicator (it compares two years), hence this
    function.

    Parameters
    ----------
    level : {"municipality", "district", "province", "country"}, default "municipality"
    start, end : int, default 2011, 2016
        Census: 2011 and 2016, or 2011 and 2022. Estimates: any two years 2002-2031.
    vintage : int, default 2016
    source : {"census", "estimates"}, default "census"
    years : float, optional
        Interval for the annualised rate (default ``end - start``).

    Returns
    -------
    pandas.DataFrame
        ``code, name`` (``district_code`` at municipality level), ``population_start,
        population_end, change, growth_rate``; ``ddmgeo.metadata(table).extra["population_growth"]`` gives
        the years, sources, method and notes.

    Examples
    --------
    >>> from ddmgeo import indicators
    >>> g = indicators.population_growth()
    >>> indicators.growth_extremes(g, "Waterberg")[["group", "name", "growth_rate"]].round(3)
                 group        name  growth_rate
    0  fastest-growing   Lephalale        0.034
    1  fastest-growing   Bela-Bela        0.028
    2  fastest-growing  Thabazimbi        0.025
    """
    from ._lenses import population_growth as _population_growth

    return _population_growth(level=level, start=read_year(start, "start"), end=read_year(end, "end"), vintage=vintage, source=source, years=years)


def growth_extremes(table: "pd.DataFrame", district_code: str, *, n: int = 3) -> "pd.DataFrame":
    """The fastest-growing and the shrinking municipalities of one district space.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`population_growth` with ``level="municipality"``.
    district_code : str
        A district space code or name (resolved with :func:`ddmgeo.resolve`).
    n : int, default 3
        At most *n* of each: the fastest-growing among those that grew, the fastest-shrinking
        among those that shrank (a district where none shrank has no "shrinking" rows).

    Returns
    -------
    pandas.DataFrame
        ``group`` ("fastest-growing" or "shrinking"), ``district_code, code, name,
        population_start, population_end, change, growth_rate``.

    Examples
    --------
    >>> from ddmgeo import indicators
    >>> indicators.growth_extremes(indicators.population_growth(), "DC36", n=2).name.tolist()
    ['Lephalale', 'Bela-Bela']
    """
    from ._lenses import growth_extremes as _growth_extremes

    return _growth_extremes(table, district_code, n=n)
