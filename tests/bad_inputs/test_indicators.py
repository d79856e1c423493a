"""Indicator requests and user indicator tables that cannot give a right number: ddmgeo.indicators."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ddmgeo import indicators as ind
from ddmgeo.errors import AggregationError, DataNotAvailableError, TableError, UnknownAreaError, UnknownIndicatorError, VintageError, YearError

from ._support import Case, expect, params

pytestmark = pytest.mark.usefixtures("shared_data")


@pytest.fixture(scope="module")
def munis():
    return ind.get(["unemployed", "labour_force", "unemployment_rate"], level="municipality")


@pytest.fixture(scope="module")
def old():
    return ind.get(["income_poor", "income_known"], level="municipality", vintage=2011)


def _with(t, row, col, value):
    t = t.copy()
    t[col] = t[col].astype(object) if isinstance(value, str) else t[col]
    t.loc[row, col] = value
    return t


CASES = [
    Case("get-unknown-id", lambda m, o: ind.get("unemploymentrate"), UnknownIndicatorError, (r"No indicator 'unemploymentrate'", r"Did you mean 'unemployment_rate'",)),
    Case("get-no-ids", lambda m, o: ind.get([]), ValueError, (r"Give at least one indicator id", r"catalogue\(\)")),
    Case("get-unknown-level", lambda m, o: ind.get("population", level="county"), VintageError, (r"Unknown level 'county'",)),
    Case("get-year-not-collected", lambda m, o: ind.get("population", year=1990), DataNotAvailableError, (r"not available for 1990; years available: 2011, 2016",)),
    # years given as text: an integer string is the year; anything else names the parameter
    Case("get-year-financial", lambda m, o: ind.get("population", year="2016/17"), YearError, (r"year='2016/17' is not a year", r"give the year it ends in, 2017")),
    Case("get-year-words", lambda m, o: ind.get("population", year="last year"), YearError, (r"year='last year' is not a year: give a whole calendar year such as 2016",)),
    Case("get-year-fraction", lambda m, o: ind.get("population", year=2016.5), YearError, (r"year=2016\.5 is not a year",)),
    Case("get-year-bool", lambda m, o: ind.get("population", year=True), YearError, (r"year=True is not a year",)),
    Case("get-year-implausible", lambda m, o: ind.get("population", year=20300), YearError, (r"year=20300 is not a plausible year: give a calendar year between 1900 and 2100",)),
    Case("get-year-implausible-text", lambda m, o: ind.get("population", year="20300"), YearError, (r"year='20300' is not a plausible year",)),
    Case("get-by-year-text", lambda m, o: ind.get("population", by="sex", year="2016/17"), YearError, (r"year='2016/17' is not a year",)),
    Case("service-index-year-text", lambda m, o: ind.service_index(year="twenty sixteen"), YearError, (r"year='twenty sixteen' is not a year",)),
    Case("growth-start-text", lambda m, o: ind.population_growth(start="2011/12"), YearError, (r"start='2011/12' is not a year",)),
    Case("get-unknown-vintage", lambda m, o: ind.get("population", vintage=2019), VintageError, (r"Unknown boundary vintage 2019",)),
    Case("get-ward-geometry-2016", lambda m, o: ind.get("population", level="ward", geometry=True), DataNotAvailableError, (r"Ward geometry exists for the 2021 ward delimitation only",)),
    Case("get-output", lambda m, o: ind.get("population", output="long"), ValueError, (r"output must be 'wide' or 'tidy', not 'long'",)),
    Case("get-by-race", lambda m, o: ind.get("population", by="race"), ValueError, (r"'sex' or 'age'",)),
    Case("get-by-sex-not-in-data", lambda m, o: ind.get("unemployment_rate", by="sex"), DataNotAvailableError, (r"not in the shared data", r"would fill it")),
    Case("aggregate-rate-without-counts", lambda m, o: ind.aggregate(m[["code", "unemployment_rate"]], to="district"), AggregationError, (r"'unemployment_rate' is a rate", r"Include the columns \['unemployed', 'labour_force'\]")),
    Case("aggregate-no-code", lambda m, o: ind.aggregate(m.drop(columns="code"), to="district"), AggregationError, (r"no 'code' column: resolve its area names first",)),
    Case("aggregate-empty", lambda m, o: ind.aggregate(m.iloc[0:0], to="district"), AggregationError, (r"no rows", r"never read as zero")),
    Case("aggregate-duplicated-code", lambda m, o: ind.aggregate(pd.concat([m, m.head(1)]), to="district"), AggregationError, (r"Codes \['BUF'\] occur more than once",)),
    Case("aggregate-negative-count", lambda m, o: ind.aggregate(_with(m, 0, "unemployed", -100.0), to="district"), AggregationError, (r"'unemployed' is a count but has negative values at BUF \(-100\.0\)", r"never as a code such as -1 or -9999")),
    Case("aggregate-sentinel-minus-9999", lambda m, o: ind.aggregate(_with(m, 3, "labour_force", -9999.0), to="province"), AggregationError, (r"'labour_force' is a count but has negative values at EC102 \(-9999\.0\)",)),
    Case("aggregate-numbers-as-text", lambda m, o: ind.aggregate(m.assign(unemployed=m.unemployed.map("{:,.0f}".format)), to="district"), AggregationError, (r"Column 'unemployed' holds text, not numbers \(e\.g\. BUF \('102,182'\)", r"pd\.to_numeric", r"read_table")),
    Case("aggregate-infinite", lambda m, o: ind.aggregate(_with(m, 0, "unemployed", np.inf), to="district"), AggregationError, (r"not finite at BUF \(inf\)",)),
    Case("aggregate-overflow", lambda m, o: ind.aggregate(m.assign(unemployed=1e308), to="country"), AggregationError, (r"The sum of 'unemployed' overflows", r"units error")),
    Case("aggregate-wrong-vintage-code", lambda m, o: ind.aggregate(_with(m, 0, "code", "EC103"), to="district"), AggregationError, (r"\['EC103'\] are not municipality codes of the 2016 demarcation", r"harmonise older codes first")),
    Case("aggregate-unknown-column", lambda m, o: ind.aggregate(m.assign(jobs=1), to="district"), AggregationError, (r"'jobs' is not a catalogue indicator", r"kinds=\{'jobs': 'count'\}")),
    Case("aggregate-downwards", lambda m, o: ind.aggregate(ind.get("population", level="province"), to="district"), AggregationError, (r"Cannot aggregate province values to district: aggregation goes up",)),
    Case("aggregate-to-ward", lambda m, o: ind.aggregate(m, to="ward"), AggregationError, (r"to must be 'district', 'province' or 'country', not 'ward'",)),
    Case("aggregate-coverage", lambda m, o: ind.aggregate(m, to="district", min_coverage=2), ValueError, (r"min_coverage is a fraction of the parts, in \(0, 1\]",)),
    Case("aggregate-index-without-method", lambda m, o: ind.aggregate(ind.get("cash_coverage_months", level="municipality"), to="district"), AggregationError, (r"'cash_coverage_months' is an index", r"method=\{'cash_coverage_months'")),
    Case("aggregate-published-mean-wide", lambda m, o: ind.aggregate(ind.get("youth_mpi", level="municipality"), to="district"), AggregationError, (r"'youth_mpi' is a published mean weighted by 'youth_population_15_24'", r"output='tidy'")),
    Case("harmonise-2016-codes", lambda m, o: ind.harmonise(m[["code", "unemployed"]]), VintageError, (r"are not municipalities of the 2011 demarcation",)),
    Case("harmonise-wrong-direction", lambda m, o: ind.harmonise(o, from_vintage=2016, to_vintage=2011), VintageError, (r"runs from 2011 to 2016; it cannot move 2016 codes to 2011",)),
    Case("harmonise-duplicated-code", lambda m, o: ind.harmonise(pd.concat([o, o.head(1)])), AggregationError, (r"Codes \['[A-Z0-9]+'\] occur more than once; a table to harmonise has one row per municipality",)),
    Case("harmonise-negative-count", lambda m, o: ind.harmonise(_with(o, 0, "income_poor", -5.0)), AggregationError, (r"'income_poor' is a count but has negative values",)),
    Case("harmonise-numbers-as-text", lambda m, o: ind.harmonise(o.assign(income_poor=o.income_poor.map("{:,.0f}".format))), AggregationError, (r"'income_poor' holds text, not numbers", r"harmonised")),
    Case("harmonise-rate-alone", lambda m, o: ind.harmonise(o.assign(youth_mpi=0.1)[["code", "youth_mpi"]]), VintageError, (r"only counts move between vintages",)),
    Case("harmonise-no-code", lambda m, o: ind.harmonise(o.drop(columns="code")), VintageError, (r"no 'code' column",)),
    Case("rank-unknown-id", lambda m, o: ind.rank(m, "nope"), UnknownIndicatorError, (r"No indicator 'nope'",)),
    Case("rank-column-missing", lambda m, o: ind.rank(m, "population"), TableError, (r"no column 'population' to rank", r"indicators\.get")),
    Case("rank-numbers-as-text", lambda m, o: ind.rank(_with(m, 0, "unemployment_rate", "high"), "unemployment_rate"), TableError, (r"holds text, not numbers \('high'\)", r"alphabetically")),
    Case("compare-unknown-area", lambda m, o: ind.compare("Atlantis", ["unemployment_rate"]), UnknownAreaError, (r"'Atlantis' matches no area",)),
    Case("compare-municipality", lambda m, o: ind.compare("Lephalale", ["unemployment_rate"]), UnknownAreaError, (r"not a district; it lies in Waterberg \(DC36",)),
    Case("compare-unknown-id", lambda m, o: ind.compare("Waterberg", ["nope"]), UnknownIndicatorError, (r"No indicator 'nope'",)),
    Case("service-index-year", lambda m, o: ind.service_index(year=2020), DataNotAvailableError, (r"defined for \[2011, 2016\]",)),
    Case("service-index-negative-weight", lambda m, o: ind.service_index(weights={"piped_water_share": -1}), ValueError, (r"weights must be non-negative",)),
    Case("service-index-unknown-weight", lambda m, o: ind.service_index(weights={"water": 1}), ValueError, (r"weights name \['water'\], which are not components for 2016",)),
    Case("service-index-missing-option", lambda m, o: ind.service_index(missing="ignore"), ValueError, (r"missing must be 'skip' .* or 'raise', not 'ignore'",)),
    Case("development-index-year", lambda m, o: ind.development_index(year=2020), DataNotAvailableError, (r"year=2016 or year=2011",)),
    Case("development-index-weights", lambda m, o: ind.development_index(weights={"health": 1}), ValueError, (r"weights name \['health'\]; the dimensions are",)),
    Case("development-index-mean", lambda m, o: ind.development_index(mean="harmonic"), ValueError, (r"mean must be 'geometric' or 'arithmetic'",)),
    Case("development-index-vintage", lambda m, o: ind.development_index(vintage=2011), VintageError, (r"ask for vintage=2016",)),
    Case("growth-reversed-years", lambda m, o: ind.population_growth(start=2016, end=2011), ValueError, (r"end \(2011\) must be after start \(2016\)",)),
    Case("growth-source", lambda m, o: ind.population_growth(source="guess"), ValueError, (r"source must be 'census' or 'estimates'",)),
    Case("growth-zero-years", lambda m, o: ind.population_growth(years=0), ValueError, (r"years must be positive",)),
    Case("growth-extremes-unknown-area", lambda m, o: ind.growth_extremes(ind.population_growth(), "Atlantis"), UnknownAreaError, (r"'Atlantis' matches no area",)),
    Case("growth-extremes-district-table", lambda m, o: ind.growth_extremes(ind.population_growth(level="district"), "Waterberg"), ValueError, (r"needs a municipality table from population_growth\(level='municipality'\)",)),
]


@pytest.mark.parametrize("case", params(CASES))
def test_bad_indicator_input(case, munis, old):
    err = expect(case, munis, old)
    if isinstance(err, YearError):
        assert err.parameter in str(err) and isinstance(err, ValueError)


@pytest.mark.parametrize("year", ["2016", " 2016 ", "+2016", 2016.0, np.int64(2016)], ids=["text", "padded", "plus", "float", "numpy"])
def test_a_year_given_as_an_integer_string_is_the_year(year):
    pd.testing.assert_frame_equal(ind.get(["population", "households"], year=year), ind.get(["population", "households"], year=2016))


def test_a_year_as_text_in_the_breakdowns_and_indices():
    pd.testing.assert_frame_equal(ind.get("population", by="sex", year="2016"), ind.get("population", by="sex", year=2016))
    pd.testing.assert_frame_equal(ind.service_index(year="2011"), ind.service_index(year=2011))
    pd.testing.assert_frame_equal(ind.population_growth(start="2011", end="2016"), ind.population_growth(start=2011, end=2016))


def test_missing_part_is_missing_not_zero(munis):
    """NaN in one municipality leaves its district missing and names the part; zero is a value."""
    t = munis.copy()
    t.loc[t.code == "LIM361", "unemployed"] = np.nan
    t.loc[t.code == "LIM362", "unemployed"] = 0.0
    d = ind.aggregate(t, to="district").set_index("code")
    assert np.isnan(d.at["DC36", "unemployed"]) and np.isnan(d.at["DC36", "unemployment_rate"])
    assert "LIM361" in d.at["DC36", "unemployed__missing_parts"] and "LIM362" not in d.at["DC36", "unemployed__missing_parts"]
    assert d.at["DC35", "unemployed__missing_parts"] == ""
    # the one column every aggregate has: parts missing from any column (here the same LIM361)
    assert d.at["DC36", "missing_parts"] == "LIM361" and d.at["DC35", "missing_parts"] == ""
    assert (d.drop(index="DC36")["missing_parts"] == "").all()
    t.loc[t.code == "EC101", "labour_force"] = np.nan  # another column, another district
    d2 = ind.aggregate(t, to="district").set_index("code")
    assert d2.at["DC36", "missing_parts"] == "LIM361" and d2.at["DC10", "missing_parts"] == "EC101"
    assert d2.at["DC10", "unemployed__missing_parts"] == "" and "EC101" in d2.at["DC10", "labour_force__missing_parts"]


def test_enormous_but_finite_values_add_exactly(munis):
    t = munis.copy()
    t.loc[t.code == "LIM361", "unemployed"] = 1e300
    d = ind.aggregate(t, to="district").set_index("code")
    assert d.at["DC36", "unemployed"] == 1e300


def test_numbers_held_as_objects_are_used_not_dropped(munis):
    t = munis.copy()
    t["unemployed"] = t["unemployed"].astype(object)
    d = ind.aggregate(t, to="province")
    assert d["unemployed"].sum() == pytest.approx(munis["unemployed"].sum())
