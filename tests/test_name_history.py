"""Names across time: renames and disestablishments since 2000 (data/boundaries/name_history.csv).

A former name resolves to its successor with a FormerNameWarning naming the current name and the date;
a split area raises SplitAreaError listing the successors (spatialise then leaves the row unallocated
with that reason, or spreads it when asked); suggestions stay in the level and province asked.
"""

from __future__ import annotations

import re
import warnings
from datetime import date

import pandas as pd
import pytest

import ddmgeo
from ddmgeo import budget, settings
from ddmgeo.errors import BudgetError, FormerNameWarning, SplitAreaError, UnknownAreaError

from .conftest import SHARED

HISTORY = ddmgeo.names._history_table()
RENAMES = [r for r in HISTORY.itertuples() if r.change != "split"]
SPLITS = [r for r in HISTORY.itertuples() if r.change == "split"]


def _resolve(value, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code = ddmgeo.resolve(value, **kw)
    return code, [str(w.message) for w in caught if issubclass(w.category, FormerNameWarning)]


def test_the_history_holds_every_sourced_candidate_unchanged():
    if SHARED is None or not (SHARED / "boundaries" / "name_history_candidates.csv").exists():
        pytest.skip("needs ../shared/data/boundaries/name_history_candidates.csv")
    cand = pd.read_csv(SHARED / "boundaries" / "name_history_candidates.csv", dtype=str, keep_default_na=False)
    ours = HISTORY.rename(columns={"successor_codes": "successor_code", "successor_names": "successor_name"})
    cols = ["code", "name", "valid_from", "valid_to", "successor_code", "successor_name", "source"]
    pd.testing.assert_frame_equal(ours[cols].reset_index(drop=True), cand[cols].reset_index(drop=True))
    assert set(HISTORY.change) <= {"renamed", "recoded", "disestablished", "split"} and HISTORY.source.str.len().min() > 20


@pytest.mark.parametrize("row", RENAMES, ids=[f"{r.code}-{r.name}" for r in RENAMES])
def test_a_former_name_or_code_resolves_to_its_successor_with_the_date(row):
    current = ddmgeo.areas_table(vintage=2016).set_index(["code", "level"]).name
    texts = [row.name] if row.change == "renamed" else [row.code] + ([row.name] if row.change == "disestablished" else [])
    for text in texts:
        code, notes = _resolve(text, level=row.level)
        assert code == row.successor_codes
        if _key(text) == _key(current[(code, row.level)]):  # the 2016 gazetteer still uses the old name (Mbizana)
            assert notes == []
            continue
        (note,) = notes
        assert current[(code, row.level)] in note and repr(text) in note
        if row.valid_to:
            when = row.valid_to if len(row.valid_to) == 4 else (lambda d: f"{d.day} {d:%B %Y}")(date.fromisoformat(row.valid_to))
            assert when in note or row.valid_to[:4] in note  # a 2011 name: the lineage note gives the year
        else:
            assert "date not in the sources" in note or re.search(r"\b20\d\d\b", note)  # a year from the lineage table


def _key(text):
    from ddmgeo._normalise import key

    return key(text)


@pytest.mark.parametrize("row", SPLITS, ids=[r.name for r in SPLITS])
def test_a_split_area_lists_its_successors(row):
    for text in (row.name, row.code):
        with pytest.raises(SplitAreaError) as err:
            ddmgeo.resolve(text)
        assert err.value.successors == tuple(row.successor_codes.split(";"))
        for name in row.successor_names.split(";"):
            assert name in str(err.value)
        assert "18 May 2011" in str(err.value)
    assert isinstance(err.value, ddmgeo.errors.AmbiguousAreaError)  # callers that catch ambiguity still catch it


def test_coerce_turns_a_split_area_into_none_with_a_warning():
    with pytest.warns(UserWarning, match="split between"):
        assert ddmgeo.resolve(["Motheo", "Waterberg"], errors="coerce") == [None, "DC36"]


def test_a_later_name_resolves_without_warning_and_the_gazetteer_name_still_works():
    assert _resolve("Winnie Madikizela-Mandela") == ("EC443", [])
    assert _resolve("Mbizana") == ("EC443", [])
    assert _resolve("Sarah Baartman", vintage=2011) == ("DC10", [])  # renamed 2014: a later name of the 2011 area
    assert _resolve("Cacadu", vintage=2011) == ("DC10", [])  # its own name in 2011


def test_former_spellings_are_former_names_now():
    code, (note,) = _resolve("Greater Sekhukhune")
    assert code == "DC47" and "former name of Sekhukhune" in note
    code, (note,) = _resolve("Bojanala Platinum")
    assert code == "DC37" and "former name of Bojanala" in note


def test_suggestions_stay_in_the_province_and_level_asked_or_say_they_do_not():
    with pytest.raises(UnknownAreaError) as err:  # the case: an Eastern Cape district, misspelt
        ddmgeo.resolve("Ukhahlambo (EC)")
    assert err.value.suggestions and all("KZN" not in s for s in err.value.suggestions)
    assert "Joe Gqabi" in err.value.suggestions[0] and "formerly Ukhahlamba" in err.value.suggestions[0]
    with pytest.raises(UnknownAreaError) as err:
        ddmgeo.resolve("Ukhalamba District")  # the kind word says district: no KwaZulu-Natal municipality
    assert all(", district" in s for s in err.value.suggestions)
    with pytest.raises(UnknownAreaError, match=r"none in EC; closest elsewhere\): The Msunduzi \(KZN225"):
        ddmgeo.resolve("Msunduzii (EC)")
    with pytest.raises(UnknownAreaError, match=r"no district is close; closest of other levels\): The Msunduzi"):
        ddmgeo.resolve("Msunduzii", level="district")


@pytest.fixture
def history_budget():
    return pd.DataFrame(
        {
            "project": ["A", "B", "C", "D"],
            "where": ["Motheo", "Metsweding", "Ukhahlamba", "Winnie Madikizela-Mandela"],
            "province": ["FS", "GT", "EC", "EC"],
            "rand": [100_000, 200_000, 300_000, 400_000],
        }
    )


def test_spatialise_leaves_a_split_area_unallocated_with_its_successors(history_budget):
    r = budget.spatialise(history_budget, amount="rand", location="where", level="district")
    r.check()
    (row,) = r.unallocated.itertuples()
    assert row.row == 0 and row.amount_cents == 10_000_000
    assert "Mangaung" in row.reason and "Xhariep" in row.reason and "successors='spread'" in row.reason
    by = r.allocations.groupby("code", observed=True).amount_cents.sum()
    assert by["TSH"] == 20_000_000 and by["DC14"] == 30_000_000 and by["DC44"] == 40_000_000


@pytest.mark.parametrize("level", ["district", "municipality"])
def test_spatialise_spreads_a_split_area_over_its_successors_when_asked(history_budget, level):
    r = budget.spatialise(history_budget, amount="rand", location="where", level=level, successors="spread")
    r.check()
    assert r.unallocated.empty and r.allocated_cents == r.input_cents
    motheo = r.allocations[r.allocations.row == 0]
    assert motheo.amount_cents.sum() == 10_000_000 and motheo.rule.astype(str).str.contains("disestablished Motheo").all()
    areas = ddmgeo.areas_table(vintage=2016)
    districts = set(areas.set_index("code").loc[motheo.code.astype(str), "district_code"]) if level == "municipality" else set(motheo.code.astype(str))
    assert districts == {"MAN", "DC16", "DC19"}


def test_spatialise_refuses_an_unknown_successors_rule_and_dask_refuses_what_it_cannot_do(history_budget, tmp_path):
    with pytest.raises(BudgetError, match="successors must be"):
        budget.spatialise(history_budget, amount="rand", location="where", successors="split")
    path = tmp_path / "p.csv"
    pd.DataFrame({"lon": [28.4], "lat": [-24.0], "amount": [1]}).to_csv(path, index=False)
    for option in ({"split": "equal"}, {"by": "x"}, {"fix_swapped": True}, {"successors": "spread"}):
        with pytest.raises(BudgetError, match=f"cannot honour {next(iter(option))}"):
            budget.spatialise(path, amount="amount", engine="dask", **option)


def test_every_successor_is_in_the_2016_gazetteer():
    codes = set(ddmgeo.areas_table(vintage=2016).code)
    for r in HISTORY.itertuples():
        assert set(r.successor_codes.split(";")) <= codes | set(settings.METRO_CODES), r.code
