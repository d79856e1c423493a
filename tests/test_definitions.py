"""Definitions that match what Stats SA publishes, and the further Census 2011 tables (issue 18, parts 3 and 4)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import ddmgeo
from ddmgeo import _registry
from ddmgeo import indicators as I
from ddmgeo.errors import VintageError
from ddmgeo._sources import facts

pytestmark = pytest.mark.usefixtures("shared_data")


def _za(indicator: str, **kw) -> float:
    return float(I.get(indicator, level="country", **kw)[indicator].iloc[0])


# ----------------------------------------------------------------------------- unemployment


def test_unemployed_plus_discouraged_is_not_called_expanded():
    cat = I.catalogue(expand=True)
    expanded = cat[cat.id.str.contains("expanded") | cat.label.str.contains("xpanded")]
    assert set(expanded.id) == {"youth_unemployed_expanded", "youth_labour_force_expanded", "youth_unemployment_rate_expanded"}
    assert expanded.label.str.contains("expanded definition").all()  # Stats SA's own definition, in that table
    rate = cat.set_index("id").loc["unemployment_rate_with_discouraged"]
    assert rate.label == "Unemployment rate including discouraged work-seekers"
    assert (rate.numerator, rate.denominator) == ("unemployed_or_discouraged", "labour_force_with_discouraged")
    assert "Not Stats SA's expanded definition" in rate.notes and "40 %" in rate.notes
    assert _za("unemployment_rate_with_discouraged", year=2011) == pytest.approx(0.3605, abs=5e-4)
    assert _za("unemployment_rate", year=2011) == pytest.approx(0.298, abs=5e-4)


def test_the_old_expanded_ids_are_deprecated_aliases():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old = I.get(["unemployment_rate_expanded", "unemployed_expanded", "labour_force_expanded"], level="district")
    assert any(issubclass(w.category, FutureWarning) and "unemployment_rate_with_discouraged" in str(w.message) for w in caught)
    new = I.get(["unemployment_rate_with_discouraged", "unemployed_or_discouraged", "labour_force_with_discouraged"], level="district")
    np.testing.assert_array_equal(old.iloc[:, 2:].to_numpy(), new.iloc[:, 2:].to_numpy())
    assert old.attrs["ddmgeo"]["indicators"]["unemployment_rate_expanded"]["label"] == "Unemployment rate including discouraged work-seekers"


def test_youth_unemployment_official_and_expanded():
    assert _za("youth_employed") == 1_625_101
    assert _za("youth_unemployed_expanded") == 2_927_075  # raw/README.md's published check
    assert _za("youth_labour_force_expanded") == 1_625_101 + 2_927_075
    assert _za("youth_unemployment_rate") == pytest.approx(1_789_507 / (1_625_101 + 1_789_507))
    assert _za("youth_unemployment_rate_expanded") == pytest.approx(2_927_075 / (1_625_101 + 2_927_075))
    s = I.get(["youth_unemployment_rate", "youth_unemployed", "youth_labour_force"], level="country", by="sex").set_index("sex")
    assert s.youth_unemployed.sum() == 1_789_507 and s.at["Female", "youth_unemployment_rate"] > s.at["Male", "youth_unemployment_rate"]
    a = I.get("youth_unemployed", level="country", by="age")
    assert list(a.age) == ["15-19", "20-24"] and a.youth_unemployed.sum() == 1_789_507
    d = I.get("youth_unemployment_rate", level="district")  # 2011 boundaries upstream, moved to 2016 boundaries
    assert d.youth_unemployment_rate.between(0, 1).all() and "moved from 2011" in d.attrs["ddmgeo"]["indicators"]["youth_unemployment_rate"]["notes"]


# ----------------------------------------------------------------------------- service shares: persons or households


def test_person_based_service_shares_say_so():
    cat = I.catalogue(expand=True)
    first = cat.drop_duplicates("id").set_index("id")
    for r in first[(first.kind == "share") & first.theme.isin(["infrastructure", "services"])].itertuples():
        num = first.loc[r.numerator.partition("@")[0]]
        if num.unit == "persons" and "household" in num.label.lower():
            assert r.label.startswith("Share of persons living in households"), r.Index
    for i in ("piped_water_share", "water_scheme_share", "flush_toilet_share", "electricity_access_share", "refuse_weekly_share"):
        assert first.at[i, "label"].startswith("Share of persons living in households "), i
    for i in ("formal_dwelling_share", "flush_toilet_household_share", "water_scheme_household_share", "cooking_electricity_share", "flush_sewerage_share"):
        assert first.at[i, "label"].startswith("Share of households"), i
    # weekly refuse removal: 58.3 % of persons, not the 62.1 % of households Stats SA publishes; said in the notes
    assert _za("refuse_weekly_share", year=2011) == pytest.approx(0.583, abs=5e-4)
    assert "62.1 %" in first.at["refuse_weekly_share", "notes"]


def test_an_indicator_keeps_its_unit_on_every_row_and_vintage():
    cat = I.catalogue(expand=True)
    assert (cat.groupby("id").unit.nunique() == 1).all()
    persons = [_za("toilet_classified", year=2011, vintage=v) for v in (2011, 2016)]
    assert persons[0] == pytest.approx(persons[1], abs=2) and persons[0] > 51_000_000  # persons on both boundary sets
    assert _za("households_toilet_classified", year=2011) == 14_986_458  # the household re-tabulation is its own indicator
    with pytest.raises(VintageError):
        I.get("households_toilet_classified", level="country", year=2011, vintage=2011)


def test_flush_toilet_to_sewerage_is_kept_apart_and_the_service_index_uses_the_documented_share():
    sewer = _za("flush_sewerage_share", year=2011)
    assert sewer == pytest.approx(8_576_927 / 14_986_458) and abs(sewer - 0.570) < 0.005  # Stats SA: 57.0 % of households
    assert _za("flush_toilet_household_share", year=2011, source="census2022") == pytest.approx(0.601, abs=5e-4)  # 57.0 + 3.1
    assert _za("flush_toilet_household_share", year=2022) == pytest.approx(0.708, abs=5e-4)
    persons = _za("flush_toilet_share", year=2011)
    assert persons == pytest.approx((27_845_443 + 1_412_046 + 1_441_139) / (51_770_561 - 229_169 - 59_057), rel=1e-6)  # persons, 59.6 %
    for year in (2011, 2016):
        assert "flush_toilet_share" in I.SERVICE_COMPONENTS[year]
    assert "flush_toilet_share" in I.service_index.__doc__ and "persons" in I.service_index.__doc__
    si = I.service_index(year=2011, level="country")
    assert si.attrs["ddmgeo"]["indicators"]["flush_toilet_share"]["unit"] == "proportion"


def test_income_poverty_says_it_is_income_based():
    notes = I.catalogue().set_index("id").at["income_poverty_rate", "notes"]
    for fragment in ("Income-based", "56.2 %", "expenditure-based", "53.2 %"):
        assert fragment in notes
    assert _za("income_poverty_rate", year=2011) == pytest.approx(0.562, abs=5e-4)
    hdi = I.development_index(level="country")
    assert any("expenditure-based" in c for c in hdi.attrs["ddmgeo"]["development_index"]["caveats"])


def test_areas_are_the_mdb_figures():
    d = I.get("area_km2", level="district").set_index("code").area_km2
    geometric = ddmgeo.boundaries("district").set_index("code").area_km2
    assert d["JHB"] == pytest.approx(1642.63) and geometric["JHB"] == pytest.approx(1595, abs=5)
    m = I.get("area_km2", level="municipality").set_index("code").area_km2
    # Census 2022's own area column agrees with the MDB attribute within 0.01 %
    raw = pd.read_csv(_registry_path("census2022_person_indicators_municipality")).set_index("muni_code").area_km2
    assert (m.reindex(raw.index) / raw - 1).abs().max() < 1e-4 and m.notna().all() and len(m) == 213
    p = I.get("area_km2", level="province").set_index("code").area_km2
    assert _za("area_km2") == pytest.approx(p.sum())
    notes = I.catalogue().set_index("id").at["area_km2", "notes"]
    assert "Area attribute" in notes and "2011 codes" in notes
    # 2011 codes: no MDB figure in the data, the generalised polygons' equal-area area
    m11 = I.get("area_km2", level="municipality", vintage=2011).set_index("code").area_km2
    g11 = ddmgeo.boundaries("municipality", vintage=2011).set_index("code").area_km2
    np.testing.assert_allclose(m11.reindex(g11.index), g11)


def _registry_path(name: str):
    from ddmgeo import datasets

    return datasets.fetch(name)


# ----------------------------------------------------------------------------- the further Census 2011 tables


def test_census2011_indicators_more_is_a_pinned_derived_dataset():
    ds = _registry.get("census2011_indicators_more")
    assert ds.recipe == "wazimap.census2011_indicators_more" and ds.url == "" and len(ds.sha256) == 64
    assert {i.key for i in ds.inputs} >= {"sql/census/typeofsector.sql", "sql/youth/youth_labour_force_expanded_age_group_gender.sql", "sql/census/populationgroup.sql"}
    assert all(i.sha256 and i.size for i in ds.inputs)


def test_type_of_sector_and_the_informal_sector_share():
    f = facts("census2011_indicators_more")
    za = f[(f.level == "country") & (f.measure == "employment_sector_type")]
    for vintage in (2011, 2016):
        assert za[za.vintage == vintage].value.sum() == 51_770_561  # raw/README.md's published check
    known = _za("workers_sector_known", year=2011)
    assert known == 13_450_626 - 318_446  # formal + informal + private household (the sector total less 'Do not know')
    assert _za("informal_sector_share") == pytest.approx(1_640_901 / known)
    shares = I.get(["formal_sector_share", "informal_sector_share", "private_household_sector_share"], level="district")
    np.testing.assert_allclose(shares.iloc[:, 2:].sum(axis=1), 1.0)


def test_sector_shares_by_sex_share_their_denominator():
    """Three shares with one denominator by sex (the cube must hold that denominator's breakdown once)."""
    by_sex = I.get(["informal_sector_share", "workers_sector_known"], level="country", by="sex").set_index("sex")
    assert by_sex.workers_sector_known.sum() == 13_180_076 - 194_039 - 117_025  # the sector-by-sex table: the official employed less 'Do not know'
    assert "do not add up" in by_sex.attrs["ddmgeo"]["indicators"]["workers_sector_known"]["notes"]


def test_population_group_and_by_sex():
    t = I.get(["population_group_classified", "population_black_african", "population_coloured", "population_indian_asian", "population_white", "population_other_group"], level="country")
    assert t.population_group_classified.iloc[0] == 51_770_560  # the 2016-boundary table (its 'Unspecified' is 0)
    assert t.iloc[0, 3:].sum() == t.population_group_classified.iloc[0]
    shares = I.get(["black_african_share", "coloured_share", "indian_asian_share", "white_share", "other_group_share"], level="municipality")
    np.testing.assert_allclose(shares.iloc[:, 2:].sum(axis=1), 1.0)
    s = I.get(["population_black_african", "black_african_share"], level="country", by="sex").set_index("sex")
    assert s.population_black_african.to_dict() == {"Female": 21_088_220, "Male": 19_912_717}


def test_cooking_energy_2011_counts_persons():
    f = facts("census2011_indicators_more")
    za = f[(f.level == "country") & (f.measure == "cooking_energy")]
    assert za.value.sum() == 51_770_561  # persons, not households
    assert I.catalogue().set_index("id").at["cooking_electricity_persons_share", "label"].startswith("Share of persons living in households")
    assert _za("cooking_electricity_persons_share") == pytest.approx(37_053_943 / (51_770_561 - 229_169 - 59_057))
    # the household trend to 2022 comes from the Census 2022 release (2011 re-based): 73.9 % -> 64.9 %
    assert _za("cooking_electricity_share", year=2011) == pytest.approx(0.739, abs=5e-4)
    assert _za("cooking_electricity_share", year=2022) == pytest.approx(0.649, abs=5e-4)
