"""Indicators on the real data: published totals, correct aggregation, vintages, missing values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import ddmgeo
from ddmgeo import indicators as I
from ddmgeo.errors import AggregationError, DataNotAvailableError, UnknownIndicatorError, VintageError

pytestmark = pytest.mark.usefixtures("shared_data")


# ------------------------------------------------------------------ catalogue

def test_catalogue_columns_and_metadata():
    cat = I.catalogue()
    assert {"id", "label", "theme", "kind", "numerator", "denominator", "unit", "higher_is", "source", "year", "code_vintage", "levels", "licence", "notes"} <= set(cat.columns)
    assert cat.id.is_unique and len(cat) >= 60
    assert set(cat.theme) == {"demographics", "economy", "spatial", "infrastructure", "services", "governance"}
    rate = cat.set_index("id").loc["unemployment_rate"]
    assert (rate.kind, rate.numerator, rate.denominator, rate.higher_is) == ("rate", "unemployed", "labour_force", "worse")
    pop = cat.set_index("id").loc["population"]
    assert "census2011_indicators" in pop.source and "cs2016_indicators" in pop.source and pop.licence
    assert len(I.catalogue(expand=True)) > len(cat)
    assert set(I.catalogue(theme="economy").theme) == {"economy"}


def test_unknown_indicator_suggests():
    with pytest.raises(UnknownIndicatorError, match="unemployment_rate"):
        I.get("unemployment_rte")


# ------------------------------------------------------------------ published totals

@pytest.mark.parametrize("vintage", [2011, 2016])
def test_census_2011_population_is_published_total(vintage):
    t = I.get("population", level="country", year=2011, vintage=vintage)
    assert t.population.item() == 51_770_560


def test_census_2011_households_is_published_total():
    assert I.get("households", level="country", year=2011, vintage=2011).households.item() == 14_450_161


def test_cs2016_totals():
    t = I.get(["population", "households"], level="country", year=2016)
    assert t.population.item() == 55_653_654 and t.households.item() == 16_923_309


def test_national_unemployment_rate():
    t = I.get(["unemployed", "labour_force", "unemployment_rate"], level="country")
    assert abs(t.unemployment_rate.item() - 0.298) < 0.001
    assert t.unemployed.item() == 5_594_055 and t.labour_force.item() == 5_594_055 + 13_180_077


def test_published_service_shares():
    t = I.get(["electricity_lighting_share", "informal_dwelling_share"], level="country", year=2011, vintage=2011)
    assert round(t.electricity_lighting_share.item() * 100, 1) == 84.7  # Stats SA
    assert round(t.informal_dwelling_share.item() * 100, 1) == 13.6


def test_mid_year_estimates_2021():
    t = I.get("population_estimate", level="country", year=2021)
    assert abs(t.population_estimate.item() - 60_142_978) < 2  # Stats SA MYPE 2021: 60.14 million
    assert I.get("population_estimate", level="district").attrs["ddmgeo"]["indicators"]["population_estimate"]["year"] == 2021


def test_clean_audits_2019_match_auditor_general():
    t = I.get(["clean_audits", "audits_completed", "clean_audit_share"], level="country", year=2019)
    assert t.clean_audits.item() == 20 and t.audits_completed.item() == 229


# ------------------------------------------------------------------ levels

def test_every_level_has_every_area():
    for level, n in (("country", 1), ("province", 9), ("district", 52), ("municipality", 213)):
        t = I.get(["population", "unemployment_rate"], level=level)
        assert len(t) == n and t.population.notna().all() and t.unemployment_rate.notna().all()


def test_metros_are_district_spaces():
    d = I.get("population", level="district", year=2016).set_index("code")
    m = I.get("population", level="municipality", year=2016).set_index("code")
    for metro in ddmgeo.settings.METRO_CODES:
        assert d.at[metro, "population"] == m.at[metro, "population"]


def _count_ids():
    cat = I.catalogue(expand=True)
    rows = cat[(cat.kind == "count") & cat.source.isin(["census2011_indicators", "cs2016_indicators"])]
    return sorted(set(rows.id))


@pytest.mark.parametrize("indicator", _count_ids())
def test_district_equals_sum_of_its_municipalities(indicator):
    """Published district counts equal the sums of their municipalities.

    Stats SA perturbs (randomly rounds) each published cell independently at every level, so
    the two differ by a few units (the shared data's README: at most 9 per cell); a district
    figure is the sum of several cells, so the bound allows 9 per category summed.
    """
    years = [y for y in (2011, 2016) if any(y in d.years for d in I._catalogue.lookup(indicator))]
    for year in years:
        d = I.get(indicator, level="district", year=year).set_index("code")[indicator]
        m = I.get(indicator, level="municipality", year=year)
        agg = I.aggregate(m, to="district").set_index("code")[indicator]
        n_cats = 40
        assert (d - agg).abs().max() <= 9 * n_cats, (indicator, year, (d - agg).abs().idxmax())
        # and it is never a coincidence of zeros
        assert agg.sum() > 0


@pytest.mark.parametrize("level", ["country", "province", "district", "municipality"])
def test_all_shares_within_unit_interval(level):
    cat = I.catalogue()
    ids = [i for i, k, u in zip(cat.id, cat.kind, cat.unit) if k in ("share", "rate") and u == "proportion" and "municipality" in _levels(i)]
    t = I.get(ids, level=level)
    values = t[ids].to_numpy(dtype=float)
    assert np.nanmin(values) >= 0 and np.nanmax(values) <= 1


def _levels(ind):
    return {lv for d in I._catalogue.lookup(ind) for lv in d.levels} | ({"municipality"} if not I._catalogue.first(ind).direct else set())


# ------------------------------------------------------------------ aggregation

def test_rates_are_recomputed_not_averaged():
    m = I.get(["unemployed", "labour_force", "unemployment_rate"], level="municipality")
    d = I.aggregate(m, to="district").set_index("code")
    direct = I.get(["unemployed", "labour_force", "unemployment_rate"], level="district").set_index("code")
    expected = d.unemployed / d.labour_force
    assert np.allclose(d.unemployment_rate, expected)
    naive = m.assign(p=m.code.map(ddmgeo.areas_table("municipality").set_index("code").district_code)).groupby("p").unemployment_rate.mean()
    assert (d.unemployment_rate - naive.reindex(d.index)).abs().max() > 0.01  # the naive mean is wrong
    assert (d.unemployment_rate - direct.unemployment_rate).abs().max() < 0.002


def test_rate_without_its_counts_is_refused():
    m = I.get("unemployment_rate", level="municipality")
    with pytest.raises(AggregationError, match="numerator and denominator"):
        I.aggregate(m, to="district")


def test_tidy_tables_carry_their_counts():
    m = I.get(["unemployment_rate", "population"], level="municipality", output="tidy")
    d = I.aggregate(m, to="province")
    rate = d[d.indicator == "unemployment_rate"].set_index("code")
    assert np.allclose(rate.value, rate.numerator / rate.denominator)
    direct = I.get("unemployment_rate", level="province").set_index("code").unemployment_rate
    assert (rate.value - direct.reindex(rate.index)).abs().max() < 0.002


def test_index_and_median_are_refused_unless_a_method_is_given():
    m = I.get("cash_coverage_months", level="municipality", year=2018)
    with pytest.raises(AggregationError, match="index"):
        I.aggregate(m, to="district")
    out = I.aggregate(m, to="district", method="median", min_coverage=0.5)
    assert out.cash_coverage_months.notna().sum() >= 40
    assert "descriptive" in out.attrs["ddmgeo"]["methods"]["cash_coverage_months"]


def test_missing_part_makes_the_aggregate_missing():
    m = I.get(["population"], level="municipality", year=2016)
    m.loc[m.code == "LIM362", "population"] = np.nan  # Lephalale, in Waterberg DC36
    d = I.aggregate(m, to="district").set_index("code")
    assert np.isnan(d.at["DC36", "population"]) and d.at["DC36", "missing_parts"] == "LIM362"
    assert d.drop(index="DC36").population.notna().all()
    # with a coverage threshold the sum of the parts present is given, and the gap is still listed
    d2 = I.aggregate(m, to="district", min_coverage=0.8).set_index("code")
    assert d2.at["DC36", "population"] == m[m.code.isin(["LIM361", "LIM366", "LIM367", "LIM368"])].population.sum()
    assert d2.at["DC36", "missing_parts"] == "LIM362"
    # a row left out entirely counts as missing too (never as zero)
    d3 = I.aggregate(m[m.code != "LIM362"].dropna(), to="district").set_index("code")
    assert np.isnan(d3.at["DC36", "population"])


def test_missing_stays_nan_through_get_aggregate_join():
    m = I.get("population", level="municipality", year=2016)
    m.loc[m.code == "EC101", "population"] = np.nan
    d = I.aggregate(m, to="district")
    joined, report = ddmgeo.join(ddmgeo.districts(), d[["code", "population", "missing_parts"]])
    row = joined.set_index("code").loc["DC10"]
    assert np.isnan(row.population) and row.missing_parts == "EC101"
    assert len(joined) == 52


def test_unknown_columns_need_a_kind():
    t = pd.DataFrame({"code": ["EC101", "EC102"], "jobs": [1.0, 2.0]})
    with pytest.raises(AggregationError, match="kinds="):
        I.aggregate(t, to="district")
    out = I.aggregate(t, to="district", kinds={"jobs": "count"}, min_coverage=0.1).set_index("code")
    assert out.at["DC10", "jobs"] == 3.0


def test_mixed_levels_are_refused():
    t = pd.DataFrame({"code": ["EC101", "DC10", "LIM362", "LIM361"], "population": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(AggregationError, match="mixes levels"):
        I.aggregate(t, to="province")


def test_youth_mpi_is_a_weighted_mean():
    t = I.get("youth_mpi", level="district", vintage=2011, output="tidy").set_index("code")
    m = I.get(["youth_mpi", "youth_population_15_24"], level="municipality", vintage=2011)
    m["w"] = m.youth_mpi * m.youth_population_15_24
    p = m.code.map(ddmgeo.areas_table("municipality", vintage=2011).set_index("code").district_code)
    weighted = m.groupby(p).w.sum() / m.groupby(p).youth_population_15_24.sum()
    diff = (t.value - weighted.reindex(t.index)).abs()
    # published district MPIs agree with the youth-weighted mean of their municipalities (upstream rounding)
    assert diff.max() < 0.005 and diff.median() < 0.001
    assert I._catalogue.first("youth_mpi").kind == "mean"


# ------------------------------------------------------------------ vintages

def test_2011_only_counts_are_moved_to_2016_and_conserve_the_total():
    old = I.get(["income_poor", "income_known"], level="municipality", vintage=2011)
    new = I.harmonise(old)
    assert len(old) == 234 and len(new) == 213
    for col in ("income_poor", "income_known"):
        assert new[col].sum() == pytest.approx(old[col].sum(), rel=1e-12)
    # whole municipalities move whole: Ikwezi (EC103) + Baviaans + Camdeboo -> EC101
    ec101 = new.set_index("code").at["EC101", "income_poor"]
    parts = old.set_index("code").loc[["EC101", "EC103", "EC107"], "income_poor"].sum()
    assert abs(ec101 - parts) / parts < 0.02
    assert new.set_index("code").at["EC101", "income_poor__moved_share"] > 0.3
    via_get = I.get("income_poverty_rate", level="district", output="tidy")
    assert "lineage" in via_get.notes.iloc[0]


def test_harmonise_recomputes_shares_and_refuses_indices():
    old = I.get(["income_poor", "income_known", "income_poverty_rate"], level="municipality", vintage=2011)
    new = I.harmonise(old).set_index("code")
    assert np.allclose(new.income_poverty_rate, new.income_poor / new.income_known)
    idx = I.get(["youth_mpi"], level="municipality", vintage=2011)
    with pytest.raises(VintageError, match="only counts move"):
        I.harmonise(idx)
    with pytest.raises(VintageError, match="not municipalities of the 2011"):
        I.harmonise(I.get(["population"], level="municipality", vintage=2016).assign(code=lambda t: t.code.replace("EC101", "XX999")))


def test_index_cannot_change_vintage():
    with pytest.raises(VintageError, match="vintage"):
        I.get("cash_coverage_months", level="municipality", vintage=2011, year=2018)


def test_year_not_available():
    with pytest.raises(DataNotAvailableError, match="years available"):
        I.get("unemployment_rate", year=2016)


# ------------------------------------------------------------------ comparison and composites

def test_rank_follows_higher_is():
    t = I.rank(I.get(["unemployment_rate", "piped_water_share"]))
    best_unemp = t.loc[t.unemployment_rate.idxmin(), "unemployment_rate_rank"]
    best_water = t.loc[t.piped_water_share.idxmax(), "piped_water_share_rank"]
    assert best_unemp == 1 and best_water == 1
    assert set(t.unemployment_rate_quintile.dropna()) == {1, 2, 3, 4, 5}
    order = t.sort_values("unemployment_rate").unemployment_rate_rank.tolist()
    assert order == sorted(order)


def test_compare_with_province_country_and_peers():
    c = I.compare("Waterberg", ["unemployment_rate", "population"])
    assert list(c.index[:3]) == ["Waterberg (DC36)", "Limpopo (LIM)", "South Africa"]
    assert c.loc["South Africa", "unemployment_rate"] == pytest.approx(0.298, abs=0.001)
    ranks = I.rank(I.get("unemployment_rate")).set_index("code")
    assert c.iloc[4]["unemployment_rate"] == ranks.at["DC36", "unemployment_rate_rank"]
    assert "44 districts" in c.index[3]


def test_service_index():
    s = I.service_index()
    assert len(s) == 52 and s.service_index.between(0, 100).all()
    comps = list(I.SERVICE_COMPONENTS[2016])
    assert np.allclose(s.service_index, 100 * s[comps].mean(axis=1))
    w = I.service_index(weights={"piped_water_share": 1})
    assert np.allclose(w.service_index, 100 * w.piped_water_share)
    with pytest.raises(ValueError, match="not components"):
        I.service_index(weights={"unemployment_rate": 1})


def test_get_with_geometry():
    g = I.get(["population", "flush_toilet_share"], geometry=True)
    assert g.crs.to_string() == "EPSG:4326" and len(g) == 52 and g.geometry.notna().all()
    # each indicator's default is its latest year: Census 2022 for the population, CS 2016 for the toilet share of persons
    assert g.attrs["ddmgeo"]["indicators"]["population"]["source"] == "census2022_person_indicators_district"
    assert g.attrs["ddmgeo"]["indicators"]["flush_toilet_share"]["year"] == 2016


def test_population_density_uses_the_mdb_area():
    t = I.get(["population", "area_km2", "population_density"], level="district").set_index("code")
    assert np.allclose(t.population_density, t.population / t.area_km2)
    assert t.at["JHB", "population_density"] > 2500
    assert t.at["JHB", "area_km2"] == pytest.approx(1642.63)  # the MDB's own figure, not the generalised polygon's ~1,595 km2


def test_coverage_threshold_uses_only_parts_with_both_counts():
    """With min_coverage, a rate is built from the parts that have numerator and denominator, never a mix."""
    m = I.get(["unemployed", "labour_force", "unemployment_rate"], level="municipality")
    m.loc[m.code == "LIM362", "unemployed"] = np.nan
    d = I.aggregate(m, to="district", min_coverage=0.8).set_index("code")
    rest = m[m.code.isin(["LIM361", "LIM366", "LIM367", "LIM368"])]
    assert d.at["DC36", "unemployment_rate"] == pytest.approx(rest.unemployed.sum() / rest.labour_force.sum())
    assert np.isnan(I.aggregate(m, to="district").set_index("code").at["DC36", "unemployment_rate"])


def test_population_weighted_harmonisation_conserves_and_differs_where_it_should():
    old = I.get(["income_poor", "income_known"], level="municipality", vintage=2011)
    by_area = I.harmonise(old).set_index("code")
    by_people = I.harmonise(old, weights="population").set_index("code")
    for col in ("income_poor", "income_known"):
        assert by_people[col].sum() == pytest.approx(old[col].sum(), rel=1e-12)
    # whole-municipality moves are the same either way; split municipalities move by people, not land
    assert by_people.at["EC101", "income_poor"] == pytest.approx(by_area.at["EC101", "income_poor"], rel=0.02)
    assert (by_people.income_poor - by_area.income_poor).abs().max() > 1
    assert by_people.attrs["ddmgeo"]["method"].startswith("population")
    with pytest.raises(VintageError, match="weighting"):
        I.harmonise(old, weights="households")
