"""Finding indicators: catalogue(search), the One Plan areas, and `ddm catalogue` / `ddm indicators --search`.

The catalogue ships with the package, so none of these needs the shared data.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ddmgeo import indicators as I
from ddmgeo.cli import app
from ddmgeo import _catalogue

COLUMNS = [
    "id", "label", "theme", "one_plan_area", "kind", "numerator", "denominator", "unit", "higher_is", "source", "year",
    "code_vintage", "levels", "licence", "notes",
]


def run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


# ----------------------------------------------------------------------------- search


def test_search_is_positional_or_keyword_and_keeps_the_shape():
    every = I.catalogue()
    water = I.catalogue("water")
    assert list(water.columns) == list(every.columns) == COLUMNS
    assert water.equals(I.catalogue(search="water"))
    assert 0 < len(water) < len(every) and water.id.is_unique
    # the rows are those of the full catalogue, in its order
    assert water.reset_index(drop=True).equals(every[every.id.isin(water.id)].reset_index(drop=True))


def test_search_reads_ids_labels_and_definitions_case_insensitively():
    water = I.catalogue("WATER")
    text = (water.id + " " + water.label + " " + water.notes).str.lower()
    assert text.str.contains("water").all()
    assert {"piped_water_share", "water_scheme_household_share"} <= set(water.id)
    # a word only the definition holds: population's notes name the Community Survey, its id and label do not
    survey = I.catalogue("community survey")
    assert "population" in set(survey.id)
    assert "community" not in "population Population".lower()


def test_every_word_must_match():
    piped = I.catalogue("piped water")
    assert "piped_water_share" in set(piped.id)
    assert set(piped.id) <= set(I.catalogue("piped").id) & set(I.catalogue("water").id)
    assert len(piped) < len(I.catalogue("water"))
    for row in piped.itertuples():
        text = f"{row.id} {row.label} {row.notes}".lower().replace("_", " ")
        assert "piped" in text and "water" in text
    # underscores read as spaces, and the order of the words does not matter
    assert "water_scheme_household_share" in set(I.catalogue("household scheme").id)
    assert set(I.catalogue("water piped").id) == set(piped.id)


def test_search_with_no_match_is_an_empty_table_of_the_same_columns():
    none = I.catalogue("zzz-no-such-indicator")
    assert none.empty and list(none.columns) == COLUMNS
    assert I.catalogue("").equals(I.catalogue())  # no words: nothing filtered


def test_search_expand_keeps_every_source_of_a_match():
    expanded = I.catalogue("population density", expand=True)
    assert set(expanded.id) == set(I.catalogue("population density").id)
    full = I.catalogue(expand=True)
    assert len(expanded) == full.id.isin(expanded.id).sum()
    assert "one_plan_area" in expanded.columns and "measure" in expanded.columns


def test_search_combines_with_theme():
    both = I.catalogue("unemployment", theme="economy")
    assert len(both) and set(both.theme) == {"economy"}
    assert set(both.id) <= set(I.catalogue("unemployment").id)


# ----------------------------------------------------------------------------- One Plan areas


def test_every_theme_has_one_of_the_six_one_plan_areas():
    areas = _catalogue.ONE_PLAN_AREAS
    assert tuple(areas) == _catalogue.THEMES and len(set(areas.values())) == 6
    cat = I.catalogue()
    assert cat.one_plan_area.notna().all()
    assert (cat.theme.map(areas) == cat.one_plan_area).all()
    assert set(cat.one_plan_area) == set(areas.values())
    assert areas["economy"] == "Economic positioning" and areas["governance"] == "Governance and management"


@pytest.mark.parametrize("theme", list(_catalogue.ONE_PLAN_AREAS))
def test_theme_accepts_the_theme_or_its_area(theme):
    area = _catalogue.ONE_PLAN_AREAS[theme]
    by_theme = I.catalogue(theme=theme)
    assert len(by_theme) and set(by_theme.theme) == {theme} and set(by_theme.one_plan_area) == {area}
    assert I.catalogue(theme=area).equals(by_theme)
    assert I.catalogue(theme=area.upper()).equals(by_theme)
    assert I.catalogue(theme=area.replace(" and ", " & ")).equals(by_theme)


def test_unknown_theme_lists_themes_and_areas():
    with pytest.raises(ValueError, match="Unknown theme 'transport'") as info:
        I.catalogue(theme="transport")
    assert "economy (Economic positioning)" in str(info.value)


# ----------------------------------------------------------------------------- command line


def test_ddm_catalogue_searches():
    res = run("catalogue", "piped", "water")
    assert res.exit_code == 0
    rows = res.output.split("\n\n")[0].splitlines()[1:]
    listed = {line.split()[0] for line in rows}
    assert listed == set(I.catalogue("piped water").id)
    assert f"{len(listed)} indicators." in res.output


def test_ddm_indicators_search_is_the_same_listing():
    assert run("indicators", "--search", "piped water").output == run("catalogue", "piped", "water").output
    assert run("indicators", "-s", "water", "--theme", "Infrastructure engineering").output == run(
        "catalogue", "water", "--theme", "infrastructure"
    ).output


def test_ddm_catalogue_theme_by_one_plan_area():
    res = run("catalogue", "--theme", "Economic positioning")
    assert res.exit_code == 0 and "unemployment_rate" in res.output and "piped_water_share" not in res.output
    assert res.output == run("catalogue", "--theme", "economy").output


def test_ddm_catalogue_no_match_and_bad_theme():
    res = run("catalogue", "xyzzy")
    assert res.exit_code == 0 and res.output.startswith("No indicator matches 'xyzzy'")
    bad = run("catalogue", "--theme", "transport")
    assert bad.exit_code == 2 and "error: Unknown theme 'transport'" in bad.output
    mixed = run("indicators", "population", "--search", "water")
    assert mixed.exit_code == 2 and "without indicator ids" in mixed.output


def test_catalogue_listing_fits_80_columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    for args in (["catalogue"], ["catalogue", "water"], ["indicators", "--theme", "governance"]):
        res = run(*args)
        lines = res.output.splitlines()
        assert res.exit_code == 0 and max(map(len, lines)) <= 80, max(lines, key=len)
        assert lines[0].split()[0] == "id" and lines[0].split()[-1] == "label"
    monkeypatch.setenv("COLUMNS", "160")
    assert run("catalogue").output.splitlines()[0].split() == ["id", "theme", "kind", "unit", "year", "label"]
