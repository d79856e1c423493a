"""Gender, youth, development and growth lenses on the real data (issue 13, indicator side)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import ddmgeo
from ddmgeo import indicators as I
from ddmgeo.errors import DataNotAvailableError

pytestmark = pytest.mark.usefixtures("shared_data")

LEVELS = ["country", "province", "district", "municipality"]
#: Stats SA perturbs cells independently per table and level (random rounding); the README of the
#: shared data measures at most 9 persons between levels of one table
PERTURBATION = 9


def _raw(shared_data, name: str) -> pd.DataFrame:
    return pd.read_csv(shared_data / "indicators" / name, dtype={"geo_code": str})


def _mype_rows(shared_data, area: str) -> pd.DataFrame:
    raw = pd.read_csv(shared_data / "indicators" / "afrith_statssa_mype_district-projections-2002-2021.csv")
    rows = raw[raw["Name "].str.contains(area, regex=False)]
    assert rows["Name "].nunique() == 1, f"{area!r} must name one district space"
    return rows


def _by_code(t: pd.DataFrame, col: str, group_col: str) -> pd.DataFrame:
    return t.pivot(index="code", columns=group_col, values=col)


# ------------------------------------------------------------------ sex totals


@pytest.mark.parametrize("level", LEVELS)
def test_cs2016_sex_groups_add_up_to_the_population_exactly(level):
    s = I.get("population", level=level, year=2016, by="sex")
    p = I.get("population", level=level, year=2016).set_index("code")["population"]
    wide = _by_code(s, "population", "sex")
    assert list(wide.columns) == ["Female", "Male"] and wide.notna().all().all()
    assert set(wide.index) == set(p.index)
    total = wide.sum(axis=1).reindex(p.index)
    assert (total == p).all(), (total - p)[total != p]


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("vintage", [2011, 2016])
def test_census2011_sex_groups_add_up_to_the_population_within_perturbation(level, vintage):
    """Census 2011 publishes the population total and the sex table separately: they agree to a few persons."""
    s = I.get("population", level=level, year=2011, vintage=vintage, by="sex")
    p = I.get("population", level=level, year=2011, vintage=vintage).set_index("code")["population"]
    wide = _by_code(s, "population", "sex")
    assert wide.notna().all().all() and set(wide.index) == set(p.index)
    diff = (wide.sum(axis=1).reindex(p.index) - p).abs()
    assert diff.max() <= PERTURBATION, diff.sort_values().tail()
    # and the groups are the catalogue's male and female populations exactly
    mf = I.get(["population_male", "population_female"], level=level, year=2011, vintage=vintage).set_index("code")
    assert (wide["Male"].reindex(mf.index) == mf["population_male"]).all()
    assert (wide["Female"].reindex(mf.index) == mf["population_female"]).all()


def test_estimates_by_sex_add_up_to_the_estimate():
    s = I.get("population_estimate", level="district", year=2020, by="sex")
    p = I.get("population_estimate", level="district", year=2020).set_index("code")["population_estimate"]
    total = _by_code(s, "population_estimate", "sex").sum(axis=1).reindex(p.index)
    np.testing.assert_allclose(total.values, p.values, rtol=1e-12)
    assert "modelled" in s.attrs["ddmgeo"]["indicators"]["population_estimate"]["notes"]


def test_age_groups_add_up_to_the_population():
    a = I.get("population", level="district", year=2016, by="age")
    assert a.age.nunique() == 18 and a.age.iloc[0] == "0-4" and a.age.iloc[17] == "85+"
    p = I.get("population", level="district", year=2016).set_index("code")["population"]
    total = a.groupby("code")["population"].sum().reindex(p.index)
    # CS 2016 population is the sum over sex; the age table is perturbed separately (up to 4 persons seen)
    assert (total - p).abs().max() <= PERTURBATION and total.notna().all()
    broad = I.get("population", level="district", year=2011, by="age")
    assert list(broad.age.unique()) == ["0-17", "18-64", "65+"]  # year=2011: the Census 2011 tables, not Census 2022's re-based 2011
    p11 = I.get("population", level="district", year=2011).set_index("code")["population"]
    assert (broad.groupby("code")["population"].sum().reindex(p11.index) - p11).abs().max() <= PERTURBATION


def test_metros_are_present_at_municipality_level_for_the_estimates():
    t = I.get(["population_male", "population_female", "sex_ratio"], level="municipality", year=2021, by="age")
    assert t[["population_male", "population_female", "sex_ratio"]].notna().all().all()
    assert set(t.code) >= set(["JHB", "CPT", "ETH"]) and t.code.nunique() == 213
    assert list(t.age.unique())[-1] == "75+" and t.age.nunique() == 16


# ------------------------------------------------------------------ against the raw tables


@pytest.mark.parametrize(("code", "level"), [("JHB", "municipality"), ("DC44", "district")])
def test_cs2016_sex_ratio_and_youth_share_by_hand(shared_data, code, level):
    raw = _raw(shared_data, "cs2016_indicators.csv")
    rows = raw[(raw.geo_code == code) & (raw.geo_level == level) & (raw.demarcation == 2016)]
    sex = rows[rows.indicator == "sex"].set_index("category")["value"]
    ages = rows[rows.indicator == "age_group_5yr"].set_index("category")["value"]
    ratio = 100 * sex["Male"] / sex["Female"]
    youth = ages[["15 - 19", "20 - 24", "25 - 29", "30 - 34"]].sum() / sex.sum()
    t = I.get(["sex_ratio", "youth_share"], level="district", year=2016).set_index("code")
    assert t.at[code, "sex_ratio"] == pytest.approx(ratio, rel=1e-12)
    assert t.at[code, "youth_share"] == pytest.approx(youth, rel=1e-12)
    s = I.get("population", level="district", year=2016, by="sex").set_index(["code", "sex"])["population"]
    assert s[(code, "Male")] == sex["Male"] and s[(code, "Female")] == sex["Female"]


@pytest.mark.parametrize(("code", "name"), [("JHB", "City of Johannesburg"), ("DC44", "Alfred Nzo")])
def test_youth_share_by_sex_and_sex_ratio_by_age_by_hand(shared_data, code, name):
    rows = _mype_rows(shared_data, name)
    col = "2016"
    youth_bands = ["15-19", "20-24", "25-29", "30-34"]
    t = I.get(["youth_15_34", "population", "youth_share"], level="district", year=2016, by="sex").set_index(["code", "sex"])
    for sex in ("Female", "Male"):
        mine = rows[rows.Sex == sex]
        youth = mine.loc[mine.Age.isin(youth_bands), col].sum()
        assert t.at[(code, sex), "youth_15_34"] == pytest.approx(youth, rel=1e-12)
        assert t.at[(code, sex), "youth_share"] == pytest.approx(youth / mine[col].sum(), rel=1e-12)
    r = I.get("sex_ratio", level="district", year=2016, by="age").set_index(["code", "age"])["sex_ratio"]
    male = rows[rows.Sex == "Male"].set_index("Age")[col]
    female = rows[rows.Sex == "Female"].set_index("Age")[col]
    for band in ("0-4", "20-24", "60-64"):
        assert r[(code, band)] == pytest.approx(100 * male[band] / female[band], rel=1e-12)
    old = ["75-79", "80+"]
    assert r[(code, "75+")] == pytest.approx(100 * male[old].sum() / female[old].sum(), rel=1e-12)


def test_income_poverty_by_age_by_hand_on_2011_codes(shared_data):
    raw = _raw(shared_data, "census2011_income_poverty_ubpl.csv")
    rows = raw[(raw.geo_code == "DC44") & (raw.geo_level == "district")].set_index(["category", "age_group"])["value"]
    t = I.get("income_poverty_rate", level="district", vintage=2011, by="age", output="tidy").set_index(["code", "age"])
    for age in ("0-14", "25-34", "65+"):
        poor, non = rows[("Income-poor", age)], rows[("Non-poor", age)]
        assert t.at[("DC44", age), "value"] == pytest.approx(poor / (poor + non), rel=1e-12)
        assert t.at[("DC44", age), "numerator"] == poor and t.at[("DC44", age), "denominator"] == poor + non


def test_income_poverty_by_age_goes_through_the_same_lineage_harmonisation():
    """On 2016 boundaries every age group is moved like the total: the groups add up to income_poor."""
    t = I.get(["income_poor", "income_known", "income_poverty_rate"], level="municipality", by="age")
    whole = I.get(["income_poor", "income_known"], level="municipality").set_index("code")[["income_poor", "income_known"]]
    summed = t.groupby("code")[["income_poor", "income_known"]].sum().reindex(whole.index)
    np.testing.assert_allclose(summed.values, whole.values, rtol=1e-9)
    assert "lineage" in t.attrs["ddmgeo"]["indicators"]["income_poverty_rate"]["notes"]
    assert t.attrs["ddmgeo"]["indicators"]["income_poverty_rate"]["year"] == 2011
    np.testing.assert_allclose(t.income_poverty_rate, t.income_poor / t.income_known, rtol=1e-12)
    # EC103 (Ikwezi) and EC107 (Baviaans) were merged into EC101: a 2016-only code has values
    assert t.loc[t.code == "EC101", "income_poverty_rate"].notna().all()


# ------------------------------------------------------------------ aggregation


def test_aggregating_a_by_sex_table_to_provinces_recomputes_rates():
    ids = ["youth_15_34", "population", "youth_share"]
    d = I.get(ids, level="district", year=2016, by="sex")
    # the share and its parts come from one source, so the table is consistent
    np.testing.assert_allclose(d.youth_share, d.youth_15_34 / d.population, rtol=1e-12)
    p = I.aggregate(d, to="province")
    assert len(p) == 18 and list(p.columns[:3]) == ["code", "name", "sex"] and p.attrs["ddmgeo"]["by"] == "sex"
    np.testing.assert_allclose(p.youth_share, p.youth_15_34 / p.population, rtol=1e-12)
    direct = I.get(ids, level="province", year=2016, by="sex")
    np.testing.assert_allclose(p[ids].to_numpy(float), direct[ids].to_numpy(float), rtol=1e-9)
    # a recomputed share, not the mean of the district shares
    areas = ddmgeo.areas_table("district")
    prov = d.code.map(dict(zip(areas.code, areas.province_code)))
    naive = d.assign(province=prov).groupby(["province", "sex"]).youth_share.mean()
    recomputed = p.set_index(["code", "sex"]).youth_share
    assert (naive.reindex(recomputed.index) - recomputed).abs().max() > 1e-3


def test_aggregating_a_tidy_by_age_table_recomputes_rates():
    m = I.get("income_poverty_rate", level="municipality", by="age", output="tidy")
    d = I.aggregate(m, to="district")
    direct = I.get("income_poverty_rate", level="district", by="age", output="tidy")
    merged = d.merge(direct, on=["code", "age"], suffixes=("", "_direct"))
    assert len(merged) == 52 * 7
    np.testing.assert_allclose(merged.value, merged.value_direct, rtol=1e-9)
    np.testing.assert_allclose(merged.value, merged.numerator / merged.denominator, rtol=1e-12)


def test_default_year_follows_the_undisaggregated_indicator():
    meta = I.get(["population"], by="sex").attrs["ddmgeo"]["indicators"]["population"]
    assert (meta["year"], meta["source"]) == (2022, "census2022_person_indicators_district")
    assert I.get(["population"], by="sex", year=2016).attrs["ddmgeo"]["indicators"]["population"]["source"] == "cs2016_indicators"
    assert I.get("income_poverty_rate", by="age").attrs["ddmgeo"]["indicators"]["income_poverty_rate"]["year"] == 2011
    assert I.get("population", by="sex", year=2011).attrs["ddmgeo"]["indicators"]["population"]["source"] == "census2011_indicators"
    est = I.get("population", by="sex", year=2019).attrs["ddmgeo"]["indicators"]["population"]
    assert est["source"].startswith("mype_") and "modelled" in est["notes"]


def test_wide_table_refuses_different_groups_and_tidy_carries_them():
    with pytest.raises(ValueError, match="output='tidy'"):
        I.get(["population", "income_poverty_rate"], by="age")
    t = I.get(["population", "income_poverty_rate"], by="age", output="tidy")
    assert set(t.loc[t.indicator == "income_poverty_rate", "age"]) == {"0-14", "15-24", "25-34", "35-44", "45-54", "55-64", "65+"}
    # population by age defaults to Census 2022's five broad groups and the unspecified remainder
    assert list(t.loc[t.indicator == "population", "age"].unique()) == ["0-4", "5-14", "15-34", "35-59", "60+", "unspecified"]


def test_undisaggregated_get_is_unchanged():
    a = I.get(["population", "youth_share"], level="district")
    assert list(a.columns) == ["code", "name", "population", "youth_share"] and len(a) == 52
    assert a.attrs["ddmgeo"]["indicators"]["population"]["source"] == "census2022_person_indicators_district"
    assert a.attrs["ddmgeo"]["indicators"]["youth_share"]["year"] == 2022


# ------------------------------------------------------------------ what the data lacks


@pytest.mark.parametrize(
    ("indicator", "by", "fills"),
    [
        ("unemployment_rate", "sex", "employment status by sex"),
        ("unemployment_rate", "sex", "QLFS"),
        ("employment_to_population", "age", "employment status by age"),
        ("matric_or_higher_share", "sex", "highest level of education by sex"),
        ("households", "sex", "sex of household head"),
        ("income_poverty_rate", "sex", "would fill it"),
        ("water_scheme_share", "sex", "would fill it"),
    ],
)
def test_missing_disaggregations_say_what_would_fill_them(indicator, by, fills):
    with pytest.raises(DataNotAvailableError, match=fills):
        I.get(indicator, by=by)


def test_bad_by_level_and_year():
    with pytest.raises(ValueError, match="'sex' or 'age'"):
        I.get("population", by="gender")
    with pytest.raises(DataNotAvailableError, match="levels"):
        I.get("population", by="sex", level="ward")
    with pytest.raises(DataNotAvailableError, match="2002-2031"):
        I.get("population", by="sex", year=1996)


def test_disaggregations_listing():
    d = I.disaggregations()
    pairs = set(zip(d.indicator, d.by))
    assert {("population", "sex"), ("population", "age"), ("sex_ratio", "age"), ("youth_share", "sex"), ("income_poverty_rate", "age"), ("dependency_ratio", "sex")} <= pairs
    assert ("unemployment_rate", "sex") not in pairs


# ------------------------------------------------------------------ development index


@pytest.fixture(scope="module")
def hdi():
    return I.development_index(sensitivity=True)


def test_index_reproducible_and_within_unit_interval(hdi):
    t, _ = hdi
    again = I.development_index()
    pd.testing.assert_frame_equal(t, again)
    assert len(t) == 52 and t.development_index.notna().all() and (t.components_missing == "").all()
    assert t.development_index.between(0, 1).all()
    for dim in ("education_index", "employment_income_index", "living_conditions_index"):
        assert t[dim].between(0, 1).all()


def test_index_is_the_documented_formula(hdi):
    t, _ = hdi
    edu = t.matric_or_higher_share
    emp = (t.employment_to_population + (1 - t.income_poverty_rate)) / 2
    liv = t[list(I.SERVICE_COMPONENTS[2016])].mean(axis=1)
    np.testing.assert_allclose(t.development_index, (edu * emp * liv) ** (1 / 3), rtol=1e-12)
    np.testing.assert_allclose(t.living_conditions_index, I.service_index().set_index("code").loc[t.code, "service_index"].values / 100, rtol=1e-12)
    a = I.development_index(mean="arithmetic", weights={"education": 2, "employment_income": 1, "living_conditions": 1})
    np.testing.assert_allclose(a.development_index, 0.5 * edu + 0.25 * emp + 0.25 * liv, rtol=1e-12)
    meta = t.attrs["ddmgeo"]["development_index"]
    assert meta["components"]["employment_to_population"]["year"] == 2011
    assert meta["components"]["matric_or_higher_share"]["year"] == 2016
    assert meta["goalposts"] == {"min": 0.0, "max": 1.0}


def test_rank_is_consistent_with_sorting(hdi):
    t, _ = hdi
    ordered = t.sort_values("development_index", ascending=False)
    assert list(ordered["rank"]) == list(range(1, 53))
    assert ordered.code.iloc[0] in ("TSH", "JHB", "CPT") and ordered.code.iloc[-1] in ("DC44", "DC15", "DC12")


def test_sensitivity_table(hdi):
    t, s = hdi
    scenarios = ["education_x2", "employment_income_x2", "living_conditions_x2", "arithmetic"]
    assert s.shape == (52, 4 + 2 * len(scenarios) + 1)
    for sc in scenarios:
        assert (s[f"change_{sc}"] == s[f"rank_{sc}"] - s["rank"]).all()
        assert sorted(s[f"rank_{sc}"]) == list(range(1, 53))
        assert -1 <= s.attrs["ddmgeo"]["sensitivity"][sc]["spearman"] <= 1
    assert (s.max_abs_change == s[[f"change_{sc}" for sc in scenarios]].abs().max(axis=1)).all()
    assert s.max_abs_change.max() > 0  # the weights matter somewhere
    doubled = I.development_index(weights={"education": 2, "employment_income": 1, "living_conditions": 1})
    assert (doubled.set_index("code")["rank"].reindex(s.code).values == s["rank_education_x2"].values).all()


def test_index_2011_substitutes_education_and_says_so(hdi):
    t, _ = hdi
    old = I.development_index(year=2011)
    assert old.development_index.between(0, 1).all()
    assert (old.matric_or_higher_share.values == t.matric_or_higher_share.values).all()
    assert "water_scheme_share" in old.columns and "piped_water_share" not in old.columns
    assert any("No Census 2011 education" in c for c in old.attrs["ddmgeo"]["development_index"]["caveats"])
    with pytest.raises(Exception, match="2016 boundaries"):
        I.development_index(vintage=2011)
    with pytest.raises(DataNotAvailableError):
        I.development_index(year=2021)


def test_index_at_other_levels():
    m = I.development_index(level="municipality")
    assert len(m) == 213 and m.development_index.dropna().between(0, 1).all()
    c = I.development_index(level="country")
    assert 0 < c.development_index.item() < 1 and c["rank"].item() == 1


def test_index_change_between_census_years_through_monitoring(hdi):
    from ddmgeo import maps, monitoring
    from ddmgeo.errors import NotComparableError

    t, _ = hdi
    old = I.development_index(year=2011).set_index("code")
    c = monitoring.change(["population", "development_index"], start=2011, end=2016)
    assert list(dict.fromkeys(c.indicator)) == ["population", "development_index"]
    d = c[c.indicator == "development_index"].set_index("code")
    assert len(d) == 52 and d.index.equals(pd.Index(t.code))
    np.testing.assert_allclose(d.start_value, old.loc[d.index, "development_index"], rtol=0, atol=0)
    np.testing.assert_allclose(d.end_value, t.set_index("code").loc[d.index, "development_index"], rtol=0, atol=0)
    np.testing.assert_allclose(d.change, d.end_value - d.start_value, rtol=0, atol=0)
    # direction: improved above +0.005 index points, worsened below -0.005, unchanged between
    expected = np.where(d.change.abs() <= 0.005 + 1e-12, "unchanged", np.where(d.change > 0, "improved", "worsened"))
    assert (d.direction.values == expected).all() and set(expected) == {"improved", "unchanged", "worsened"}
    assert (d.rank_end.values == t.set_index("code").loc[d.index, "rank"].values).all()
    assert (d.comparable == "caveat").all()
    assert "water_scheme_share (2011) / piped_water_share (2016)" in d.caveat.iat[0]
    assert "No Census 2011 education" in d.caveat.iat[0]
    assert d.start_moved.all() and d.end_moved.all()  # income poverty is moved from 2011 boundaries in both years
    # the change map's classes agree with the table's directions
    fig = maps.change_map(c, "development_index")
    legend = dict(fig._ddmgeo_legend)
    assert legend["Within \u00b10.005 (unchanged)"] == int((d.direction == "unchanged").sum())
    assert sum(n for lab, n in fig._ddmgeo_legend if lab.startswith("+")) == int((d.direction == "improved").sum())
    import matplotlib.pyplot as plt

    plt.close(fig)
    s = monitoring.change("service_index", start=2011, end=2016).set_index("code")
    np.testing.assert_allclose(s.change, I.service_index(year=2016).set_index("code").loc[s.index, "service_index"] - I.service_index(year=2011).set_index("code").loc[s.index, "service_index"])
    with pytest.raises(NotComparableError, match="2011 and 2016 only"):
        monitoring.change("development_index", start=2016, end=2021)


# ------------------------------------------------------------------ growth


@pytest.mark.parametrize("level", ["municipality", "district", "province", "country"])
def test_growth_equals_the_difference_of_the_harmonised_totals(level):
    g = I.population_growth(level=level)
    p11 = I.get("population", level=level, year=2011).set_index("code")["population"]
    p16 = I.get("population", level=level, year=2016).set_index("code")["population"]
    g = g.set_index("code")
    assert g.population_start.notna().all() and g.population_end.notna().all()
    assert (g.population_start == p11.reindex(g.index)).all() and (g.population_end == p16.reindex(g.index)).all()
    assert (g.change == p16.reindex(g.index) - p11.reindex(g.index)).all()
    np.testing.assert_allclose(g.growth_rate, (p16 / p11).reindex(g.index) ** (1 / 5) - 1, rtol=1e-12)
    assert g.attrs["ddmgeo"]["population_growth"]["years"] == 5


def test_growth_from_estimates_and_interval():
    e = I.population_growth(level="municipality", source="estimates", start=2011, end=2021)
    assert e.population_start.notna().all() and e.population_end.notna().all()  # metros from the district file
    assert (e.change == e.population_end - e.population_start).all()
    np.testing.assert_allclose(e.growth_rate, (e.population_end / e.population_start) ** (1 / 10) - 1, rtol=1e-12)
    d = I.population_growth(level="district", source="estimates", start=2011, end=2021).set_index("code")
    est = I.get("population_estimate", level="district", year=2021).set_index("code")["population_estimate"]
    np.testing.assert_allclose(d.population_end.reindex(est.index), est, rtol=1e-12)
    short = I.population_growth(level="district", years=4.4).set_index("code")
    np.testing.assert_allclose(short.growth_rate, (short.population_end / short.population_start) ** (1 / 4.4) - 1, rtol=1e-12)
    with pytest.raises(DataNotAvailableError, match="estimates"):
        I.population_growth(start=2011, end=2021)


def test_growth_extremes():
    g = I.population_growth()
    x = I.growth_extremes(g, "Waterberg", n=2)
    grow = x[x.group == "fastest-growing"]
    assert len(grow) == 2 and (grow.growth_rate > 0).all() and grow.growth_rate.is_monotonic_decreasing
    dc36 = g[g.district_code == "DC36"]
    assert grow.code.iloc[0] == dc36.loc[dc36.growth_rate.idxmax(), "code"]
    assert x[x.group == "shrinking"].empty  # no Waterberg municipality shrank between Census 2011 and CS 2016
    # Namakwa (DC6) has several municipalities that shrank (Census 2011 to CS 2016)
    assert (g[g.district_code == "DC6"].change < 0).sum() >= 3
    y = I.growth_extremes(g, "Namakwa", n=3)
    s = y[y.group == "shrinking"]
    assert len(s) == 3 and (s.change < 0).all() and s.growth_rate.is_monotonic_increasing
    dc6 = g[g.district_code == "DC6"]
    assert s.code.iloc[0] == dc6.loc[dc6.growth_rate.idxmin(), "code"]
    # only the municipalities that grew are "fastest-growing", even when fewer than n did
    assert set(y.loc[y.group == "fastest-growing", "code"]) == set(dc6[dc6.change > 0].nlargest(3, "growth_rate").code)
    assert (y.loc[y.group == "fastest-growing", "change"] > 0).all()
    with pytest.raises(ValueError, match="municipality table"):
        I.growth_extremes(I.population_growth(level="district"), "DC36")
