"""Impact monitoring on the real Census 2011 and Community Survey 2016 data: baselines, change, targets, change maps."""

from __future__ import annotations

import json

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from ddmgeo import indicators as I  # noqa: E402
from ddmgeo import maps, monitoring  # noqa: E402
from ddmgeo.errors import DataIntegrityError, NotComparableError, UnknownIndicatorError, VintageError  # noqa: E402
from ddmgeo.maps import _change as change_maps  # noqa: E402
from ddmgeo.monitoring import _comparability  # noqa: E402

pytestmark = pytest.mark.usefixtures("shared_data")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def dwellings():
    return monitoring.change(["population", "informal_dwelling_share", "formal_dwelling_share", "flush_toilet_share"], start=2011, end=2016)


# ----------------------------------------------------------------------------- baselines


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_baseline_round_trips_with_its_metadata(tmp_path, suffix):
    b = monitoring.baseline(["population", "informal_dwelling_share"], year=2011)
    assert list(b.columns) == ["code", "name", "indicator", "year", "value", "numerator", "denominator", "unit", "source", "vintage"]
    assert len(b) == 2 * 52 and set(b.year) == {2011} and set(b.vintage) == {2016}
    meta = b.attrs["ddmgeo"]
    assert meta["level"] == "district" and meta["vintage"] == 2016 and meta["digest"].startswith("sha256:")
    assert meta["indicators"]["informal_dwelling_share"]["source"] == "census2011_indicators"
    assert "moved from 2011 to 2016" in meta["indicators"]["informal_dwelling_share"]["notes"]

    path = monitoring.save_baseline(b, tmp_path / f"baseline{suffix}")
    if suffix == ".csv":
        assert (tmp_path / "baseline.meta.json").is_file()
    else:
        assert not (tmp_path / "baseline.meta.json").exists()
    back = monitoring.load_baseline(path)
    pd.testing.assert_frame_equal(back, b)
    assert back.attrs["ddmgeo"] == meta
    # the values are those of the indicators, exactly
    pop = I.get("population", year=2011).set_index("code")["population"]
    assert np.array_equal(back[back.indicator == "population"].set_index("code")["value"].reindex(pop.index), pop)


def test_tampered_csv_baseline_is_refused(tmp_path):
    b = monitoring.baseline("informal_dwelling_share", year=2016)
    path = monitoring.save_baseline(b, tmp_path / "b.csv")
    side = tmp_path / "b.meta.json"
    original_csv, original_meta = path.read_text(), side.read_text()

    # one value changed in the table
    t = pd.read_csv(path)
    t.loc[t.code == "DC36", "value"] = 0.01
    t.to_csv(path, index=False)
    with pytest.raises(DataIntegrityError, match="altered after it was saved"):
        monitoring.load_baseline(path)
    path.write_text(original_csv)
    monitoring.load_baseline(path)  # restored: accepted again

    # the metadata changed (claims another vintage)
    meta = json.loads(original_meta)
    meta["vintage"] = 2011
    side.write_text(json.dumps(meta))
    with pytest.raises(DataIntegrityError, match="altered after it was saved"):
        monitoring.load_baseline(path)

    side.write_text("{not json")
    with pytest.raises(DataIntegrityError, match="not valid JSON"):
        monitoring.load_baseline(path)

    side.unlink()
    with pytest.raises(DataIntegrityError, match=r"no metadata file b\.meta\.json"):
        monitoring.load_baseline(path)


def test_tampered_parquet_baseline_is_refused(tmp_path):
    import pyarrow.parquet as pq

    b = monitoring.baseline("population", year=2016)
    path = monitoring.save_baseline(b, tmp_path / "b.parquet")
    table = pq.read_table(path)
    frame = table.to_pandas()
    frame.loc[0, "value"] += 1
    import pyarrow as pa

    altered = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(table.schema.metadata)
    pq.write_table(altered, tmp_path / "altered.parquet")
    with pytest.raises(DataIntegrityError, match="altered after it was saved"):
        monitoring.load_baseline(tmp_path / "altered.parquet")
    frame.to_parquet(tmp_path / "plain.parquet", index=False)
    with pytest.raises(DataIntegrityError, match="no ddmgeo baseline metadata"):
        monitoring.load_baseline(tmp_path / "plain.parquet")


def test_a_baseline_is_frozen(tmp_path):
    b = monitoring.baseline("population", year=2016)
    edited = b.copy()
    edited.loc[0, "value"] = 1.0
    with pytest.raises(DataIntegrityError, match="changed after it was made"):
        monitoring.save_baseline(edited, tmp_path / "b.csv")
    with pytest.raises(DataIntegrityError, match="not a baseline"):
        monitoring.save_baseline(I.get("population", output="tidy"), tmp_path / "b.csv")
    with pytest.raises(ValueError, match=r"\.csv .* or \.parquet"):
        monitoring.save_baseline(b, tmp_path / "b.xlsx")


# ----------------------------------------------------------------------------- change


def test_population_change_is_the_difference_of_the_two_years(dwellings):
    a = I.get("population", year=2011).set_index("code")["population"]
    b = I.get("population", year=2016).set_index("code")["population"]
    c = dwellings[dwellings.indicator == "population"].set_index("code")
    assert len(c) == 52 and c["change"].notna().all()
    assert np.array_equal(c["change"].reindex(a.index), b - a)
    assert np.allclose(c["relative_change"].reindex(a.index), (b - a) / a)
    assert c["change_pp"].isna().all()  # not a share
    assert set(c["comparable"]) == {"caveat"} and c["caveat"].str.contains("sample survey").all()
    # national change equals the difference of the published totals
    za = monitoring.change("population", start=2011, end=2016, level="country").iloc[0]
    assert za.change == 55_653_654 - 51_770_560


def test_shares_change_in_percentage_points(dwellings):
    for ind in ("informal_dwelling_share", "flush_toilet_share"):
        c = dwellings[dwellings.indicator == ind]
        start = I.get(ind, year=2011).set_index("code")[ind].reindex(c.code)
        end = I.get(ind, year=2016).set_index("code")[ind].reindex(c.code)
        assert np.allclose(c["change_pp"], 100 * (end.values - start.values))
        assert np.allclose(c["change"], end.values - start.values)
        assert c["change_pp"].abs().max() > 1  # points, not proportions
    za = monitoring.change("informal_dwelling_share", start=2011, end=2016, level="country").iloc[0]
    assert za.change_pp == pytest.approx(100 * (0.129658 - 0.135828), abs=1e-4)


def test_direction_follows_higher_is(dwellings):
    for ind, improved_when in (("informal_dwelling_share", -1), ("formal_dwelling_share", +1), ("flush_toilet_share", +1)):
        c = dwellings[dwellings.indicator == ind]
        expected = np.where(c.change.abs() <= 0.005, "unchanged", np.where(np.sign(c.change) == improved_when, "improved", "worsened"))
        assert list(c.direction) == list(expected)
        assert {"improved", "worsened"} <= set(c.direction)
    waterberg = dwellings[(dwellings.indicator == "informal_dwelling_share") & (dwellings.code == "DC36")].iloc[0]
    assert waterberg.change > 0 and waterberg.direction == "worsened"  # more shacks: worse
    pop = dwellings[dwellings.indicator == "population"]
    assert set(pop.direction) <= {"changed", "unchanged"}
    expected = np.where(pop.relative_change.abs() <= 0.005, "unchanged", "changed")
    assert list(pop.direction) == list(expected)
    # tolerance per indicator
    wide = monitoring.change(["informal_dwelling_share", "formal_dwelling_share"], start=2011, end=2016, tolerance={"informal_dwelling_share": 1.0})
    assert set(wide[wide.indicator == "informal_dwelling_share"].direction) == {"unchanged"}
    assert "improved" in set(wide[wide.indicator == "formal_dwelling_share"].direction)


def test_ranks_follow_sorting_and_movement(dwellings):
    for ind in ("informal_dwelling_share", "formal_dwelling_share"):
        c = dwellings[dwellings.indicator == ind].set_index("code")
        worse = ind.startswith("informal")
        for col, rank in (("start_value", "rank_start"), ("end_value", "rank_end")):
            order = c[col].sort_values(ascending=worse).index  # best first
            assert list(c.loc[order, rank]) == list(range(1, 53))
        assert (c.rank_movement == c.rank_start - c.rank_end).all()
        # the same ranks as indicators.rank on each year
        r16 = I.rank(I.get(ind, year=2016)).set_index("code")[f"{ind}_rank"]
        assert (c.rank_end == r16.reindex(c.index)).all()
    c = dwellings[dwellings.indicator == "informal_dwelling_share"].set_index("code")
    climber = c.rank_movement.idxmax()
    assert c.at[climber, "rank_end"] < c.at[climber, "rank_start"] and c.at[climber, "direction"] == "improved"


def test_the_output_says_which_values_were_moved(dwellings):
    informal = dwellings[dwellings.indicator == "informal_dwelling_share"]
    assert informal.start_moved.all() and not informal.end_moved.any()
    assert informal.notes.str.startswith("2011: moved from 2011 to 2016 boundaries").all()
    pop = dwellings[dwellings.indicator == "population"]
    assert not pop.start_moved.any() and not pop.end_moved.any() and (pop.notes == "").all()
    assert dwellings.attrs["ddmgeo"]["indicators"]["informal_dwelling_share"]["start_notes"].startswith("moved from 2011")


def test_a_one_year_indicator_is_refused_naming_its_years():
    with pytest.raises(NotComparableError, match="water_scheme_share has no 2016 value: it exists for 2011 only") as exc:
        monitoring.change("water_scheme_share", start=2011, end=2016)
    assert "different indicators" in exc.value.reason and exc.value.indicator == "water_scheme_share"
    assert isinstance(exc.value, ValueError)
    with pytest.raises(NotComparableError, match="piped_water_share has no 2011 value: it exists for 2016 only"):
        monitoring.change("piped_water_share", start=2011, end=2016)
    with pytest.raises(NotComparableError, match="unemployment_rate has no 2016 value: it exists for 2011 only"):
        monitoring.change("unemployment_rate", start=2011, end=2016)


def test_a_changed_definition_is_refused_with_its_reason():
    with pytest.raises(NotComparableError, match="different questions and units"):
        monitoring.change("electricity_lighting_share", start=2011, end=2016)
    # several refused at once are all listed; a comparable one in the same call does not hide them
    with pytest.raises(NotComparableError) as exc:
        monitoring.change(["population", "water_scheme_share", "electricity_access_share"], start=2011, end=2016)
    text = str(exc.value)
    assert "water_scheme_share (2011 to 2016)" in text and "electricity_access_share (2011 to 2016)" in text and "population" not in text
    # a caveat is computed and carried: the toilet counts are of persons in both years now
    c = monitoring.change(["flush_toilet_share", "toilet_flush"], start=2011, end=2016)
    assert set(c.comparable) == {"caveat"} and c[c.indicator == "flush_toilet_share"].caveat.str.contains("share of persons").all()
    # two sources nobody has compared are refused until a row is added
    verdict = _comparability.assess("households", 2011, 2017, sources=(["census2011_indicators"], ["some_survey"]))
    assert verdict.comparable == "no" and "comparability.csv" in verdict.reason
    assert _comparability.assess("population_estimate", 2012, 2015, sources=(["mype_districts_2002_2021"],) * 2).comparable == "yes"
    with pytest.raises(UnknownIndicatorError, match="population"):
        monitoring.change("populaton", start=2011, end=2016)
    with pytest.raises(ValueError, match="earlier year"):
        monitoring.change("population", start=2016, end=2011)


def test_comparability_table_covers_every_indicator_of_both_years():
    t = monitoring.comparability()
    assert set(t.comparable) == {"yes", "caveat", "no"} and t.reason.str.len().min() > 20
    cat = I.catalogue(expand=True)
    both = [ind for ind in cat.id.unique() if {2011, 2016} <= set(_comparability.years_of(ind, "district"))]
    assert {"population", "flush_toilet_share", "informal_dwelling_share"} <= set(both)
    pair = t[(t.start == 2011) & (t.end == 2016)]
    listed = set(pair.id)
    assert set(both) - listed == set(), "indicators with 2011 and 2016 values but no comparability verdict"
    verdicts = pair.set_index("id").comparable
    assert verdicts["formal_dwelling_share"] == verdicts["informal_dwelling_share"] == "yes"
    assert verdicts["refuse_weekly_share"] == "caveat" and "community members" in pair.set_index("id").at["refuse_weekly_share", "reason"]
    assert verdicts["toilet_flush"] == "caveat" and verdicts["water_scheme_share"] == "no"


def test_toilet_counts_keep_their_unit_on_every_vintage():
    """Census 2011 counts toilets by persons on 2011 boundaries and by households on 2016 boundaries: two indicators, one unit each."""
    persons_2011 = I.get("population", year=2011, level="country").population.iloc[0]
    for vintage in (2011, 2016):
        toilets = I.get("toilet_classified", year=2011, level="country", vintage=vintage).toilet_classified.iloc[0]
        assert toilets == pytest.approx(persons_2011 - 229_169 - 59_057, abs=2)  # persons, Unspecified/Not applicable left out
    hh = I.get("households", year=2011, level="country").households.iloc[0]
    households = I.get("households_toilet_classified", year=2011, level="country").households_toilet_classified.iloc[0]
    assert abs(households / hh - 1) < 0.05 and households == 14_986_458
    with pytest.raises(VintageError):
        I.get("households_toilet_classified", year=2011, level="country", vintage=2011)
    toilets_2016 = I.get("toilet_classified", year=2016, level="country").toilet_classified.iloc[0]
    assert toilets_2016 == I.get("population", year=2016, level="country").population.iloc[0]


def test_profile_table():
    t = monitoring.profile_table("Waterberg", ids=["population", "informal_dwelling_share", "water_scheme_share"], start=2011, end=2016)
    assert list(t.columns) == ["Indicator", "Baseline 2011", "Latest 2016", "Change", "Direction", "Rank among the 52", "Note"]
    rows = t.set_index("Indicator")
    informal = rows.loc["Share of households in informal dwellings"]
    c = monitoring.change("informal_dwelling_share", start=2011, end=2016).set_index("code").loc["DC36"]
    assert informal["Change"] == f"{c.change_pp:+.1f} points" and informal["Direction"] == "worsened"
    assert informal["Rank among the 52"].startswith(f"{c.rank_start}") and "moved from 2011" in informal["Note"]
    water = rows.loc["Share of persons living in households served by a regional or local water scheme"]
    assert water["Change"] == "not compared" and "2011 only" in water["Note"]
    assert t.attrs["ddmgeo"]["code"] == "DC36"


# ----------------------------------------------------------------------------- targets


def _targets_csv(tmp_path):
    text = (
        "District,Indicator,Target,Target year,Baseline year\n"
        "Cacadu,population,500 000,2021,2011\n"  # line 2: former name of Sarah Baartman (DC10)
        "Watreberg,formal_dwelling_share,0.9,2021,2011\n"  # line 3: misspelt
        "Alfred Nzo,unemploymnt_rate,0.2,2021,\n"  # line 4: unknown indicator
        "Waterberg,informal_dwelling_share,0.10,2021,2011\n"  # line 5: off track (rising)
        "Waterberg,toilet_flush,400000,2021,2011\n"  # line 6: persons in both years, compared with a caveat
        "Garden Route,water_scheme_share,0.9,2021,\n"  # line 7: only 2011 (no later data; with latest=2016, not available)
        "Amajuba,formal_dwelling_share,72,2021,2011\n"  # line 8: a share written as a percentage, below its baseline (87.5 %)
    )
    path = tmp_path / "targets.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_track_reports_every_row_of_a_messy_table(tmp_path):
    table, report = monitoring.track(_targets_csv(tmp_path), latest=2016)
    assert list(table.line) == [2, 3, 4, 5, 6, 7, 8]
    assert list(table.status) == ["on track", "unmatched area", "unknown indicator", "off track", "on track", "not available", "invalid target"]
    assert report.n_rows == 7 and report.on_track == 2 and report.off_track == 1 and not report.ok
    assert report.unmatched_areas[["line", "value"]].values.tolist() == [[3, "Watreberg"]]
    assert "Waterberg (DC36, district)" in report.unmatched_areas.suggestions.iloc[0]
    assert report.unknown_indicators.line.tolist() == [4] and report.unknown_indicators.value.tolist() == ["unemploymnt_rate"]
    assert report.unknown_indicators.suggestions.iloc[0][0] == "unemployment_rate"
    assert report.not_assessed[["line", "code", "indicator", "status"]].values.tolist() == [
        [7, "DC4", "water_scheme_share", "not available"],
        [8, "DC25", "formal_dwelling_share", "invalid target"],
    ]
    assert "Persons" in table.set_index("line").at[6, "caveat"]
    assert report.former_names == ["'Cacadu' is the 2011 name of DC10 Sarah Baartman (renamed, 2014)"]
    assert report.notes == ["line 8: target 72 for formal_dwelling_share (a share) read as 72 % = 0.72"]
    assert report.duplicates.empty
    text = report.summary()
    assert text.splitlines()[0] == "7 target rows: 2 on track, 1 off track, 2 not assessed, 1 unmatched area, 1 unknown indicator."
    for fragment in ("line 3 'Watreberg'", "line 4 'unemploymnt_rate': not in the catalogue; closest: unemployment_rate", "Cacadu"):
        assert fragment in text
    assert table.set_index("line").at[8, "target"] == 0.72


def test_track_reports_a_comparison_that_is_not_comparable(tmp_path, monkeypatch):
    """A pair of years refused by the comparability table is reported, not assessed."""
    refused = _comparability.Assessment("toilet_flush", 2011, 2016, "no", "a reason recorded in comparability.csv")
    monkeypatch.setattr(_comparability, "row", lambda i, a, b: refused if i == "toilet_flush" else None)
    table, report = monitoring.track(_targets_csv(tmp_path), latest=2016)
    assert table.set_index("line").at[6, "status"] == "not comparable"
    assert report.not_assessed.set_index("line").at[6, "reason"] == "a reason recorded in comparability.csv"
    # and an indicator with no year after its baseline
    table, _ = monitoring.track(_targets_csv(tmp_path))
    assert table.set_index("line").at[7, "status"] == "no later data"


def test_track_reads_the_baseline_from_the_latest_values_source():
    """Latest 2022 (Census 2022): the 2011 baseline is Census 2011 re-based on the 2022 boundaries, from the same release."""
    t = pd.DataFrame({"district": ["Sarah Baartman"], "indicator": ["population"], "target": [600_000], "target_year": [2030], "baseline_year": [2011]})
    out, report = monitoring.track(t)
    r = out.iloc[0]
    assert (r.baseline_year, r.baseline, r.latest_year, r.latest) == (2011, 450_584, 2022, 533_253)
    assert "census2022" in r.note and report.ok
    # latest=2016 keeps the Census 2011 tables on 2016 boundaries as the baseline
    assert monitoring.track(t, latest=2016)[0].baseline.iloc[0] == 450_585


def test_track_on_and_off_track_by_a_straight_line(tmp_path):
    table, _ = monitoring.track(_targets_csv(tmp_path), latest=2016)
    r = table.set_index("line").loc[2]  # Sarah Baartman population, 2011 -> 2021 target 500 000
    b = I.get("population", year=2011).set_index("code").at["DC10", "population"]
    latest = I.get("population", year=2016).set_index("code").at["DC10", "population"]
    assert (b, latest) == (450_585, 479_923)  # Census 2011 and CS 2016 on 2016 boundaries
    # by hand: covered 29 338 of 49 415 (59.4 %) in half the time: on track
    assert r.baseline == b and r.latest == latest and r.baseline_year == 2011 and r.latest_year == 2016
    assert r.progress == pytest.approx(29_338 / 49_415) and r.elapsed == 0.5
    assert r.expected_latest == pytest.approx(450_585 + 49_415 / 2)
    assert r.required_annual_change == pytest.approx(4_941.5) and r.actual_annual_change == pytest.approx(5_867.6)
    assert r.needed_annual_change == pytest.approx((500_000 - 479_923) / 5)
    assert bool(r.on_track) and r.code == "DC10" and r["name"] == "Sarah Baartman"
    w = table.set_index("line").loc[5]  # Waterberg informal share rose: moving away from a lower target
    assert w.latest > w.baseline and w.progress < 0 and not bool(w.on_track)
    # the same rows with a target just beyond / within the straight line
    for target, expected in ((450_585 + 2 * 29_338 + 10, False), (450_585 + 2 * 29_338 - 10, True)):
        t = pd.DataFrame({"district": ["Sarah Baartman"], "indicator": ["population"], "target": [target], "target_year": [2021], "baseline_year": [2011]})
        out, rep = monitoring.track(t, latest=2016)
        assert bool(out.on_track.iloc[0]) is expected and rep.ok


def test_track_against_a_frozen_baseline(tmp_path):
    frozen = monitoring.load_baseline(monitoring.save_baseline(monitoring.baseline(["informal_dwelling_share"], year=2011), tmp_path / "b.parquet"))
    t = pd.DataFrame({"district": ["Waterberg", "Eden"], "indicator": ["informal_dwelling_share"] * 2, "target": [0.10, 0.05], "target_year": [2021, 2021]})
    out, report = monitoring.track(t, baseline=frozen, latest=2016)
    expected = frozen[frozen.indicator == "informal_dwelling_share"].set_index("code")["value"]
    assert list(out.baseline) == [expected["DC36"], expected["DC4"]] and list(out.baseline_year) == [2011, 2011]
    assert list(out.status) == ["off track", "off track"] and report.former_names  # Eden is Garden Route's former name
    with pytest.raises(ValueError, match="level 'district' on 2016 boundaries, but the targets are tracked at level 'municipality'"):
        monitoring.track(t.assign(district=["Lephalale", "George"]), baseline=frozen, level="municipality")


def test_track_needs_its_columns():
    from ddmgeo.errors import TableError

    with pytest.raises(TableError, match="target_year"):
        monitoring.track(pd.DataFrame({"district": ["Waterberg"], "indicator": ["population"], "target": [1]}))
    out, _ = monitoring.track(
        pd.DataFrame({"district": ["Waterberg"], "kpi": ["population"], "goal": [800_000], "by": [2021], "from": [2011]}),
        columns={"indicator": "kpi", "target": "goal", "target_year": "by", "baseline_year": "from"},
        latest=2016,
    )
    assert out.status.iloc[0] == "on track"


# ----------------------------------------------------------------------------- maps


def _hexes(palette):
    return {to_hex(c) for c in palette}


@pytest.mark.parametrize("indicator", ["informal_dwelling_share", "formal_dwelling_share"])
def test_change_map_is_symmetric_and_blue_means_improved(dwellings, indicator, tmp_path):
    fig = maps.change_map(dwellings, indicator)
    bins = np.array(fig._ddmgeo_bins)
    assert np.allclose(np.sort(bins), np.sort(-bins)) and len(bins) >= 4
    assert sum(n for _, n in fig._ddmgeo_legend) == 52
    c = dwellings[dwellings.indicator == indicator].set_index("code")
    colours = fig._ddmgeo_colours
    improved, worsened = _hexes(change_maps.IMPROVED), _hexes(change_maps.WORSENED)
    for code, direction in c.direction.items():
        colour = to_hex(colours[code])
        assert colour in {"improved": improved, "worsened": worsened, "unchanged": {change_maps.UNCHANGED}}[direction], (code, direction, colour)
    # the darkest blue is the largest improvement, whichever way that goes
    best = c.change.idxmin() if indicator.startswith("informal") else c.change.idxmax()
    assert to_hex(colours[best]) == change_maps.IMPROVED[0]
    # each area's class depends on the size of its change only: the same edges on both sides
    pp = c.change_pp.to_numpy()
    positive = bins[bins >= 0]
    n = len(positive) - 1
    legend = fig._ddmgeo_legend_colours
    for code, value in zip(c.index, pp):
        j = min(int(np.searchsorted(positive[1:], abs(value), side="left")), n - 1)
        if abs(value) <= positive[0] + 1e-9:
            expected = legend[n]
        else:
            improving = (value < 0) if indicator.startswith("informal") else (value > 0)
            expected = legend[n - 1 - j] if improving else legend[n + 1 + j]
        assert to_hex(colours[code]) == to_hex(expected), (code, value)
    labels = [lab for lab, _ in fig._ddmgeo_legend]
    mirror = str.maketrans({"+": "\u2212", "\u2212": "+"})
    flipped = [" to ".join(reversed(lab.replace(" points", "").split(" to "))).translate(mirror) + " points" for lab in labels[:n]]
    assert flipped[::-1] == labels[n + 1 :]
    # legend: most improved first, in the indicator's own sign
    first_label = fig._ddmgeo_legend[0][0]
    assert first_label.startswith("\u2212" if indicator.startswith("informal") else "+")
    assert fig._ddmgeo_legend_colours[0] == change_maps.IMPROVED[0] and fig._ddmgeo_legend_colours[-1] == change_maps.WORSENED[0]
    out = maps.save(fig, tmp_path / "change.png", dpi=60)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_change_map_of_a_neutral_indicator_and_missing_values(dwellings):
    c = dwellings.copy()
    rows = (c.indicator == "population") & c.code.isin(["DC36", "JHB"])
    c.loc[rows, ["end_value", "change", "relative_change", "direction"]] = np.nan
    fig = maps.change_map(c, "population")
    used = {to_hex(v) for v in fig._ddmgeo_colours.values() if v is not None}
    assert used <= _hexes(change_maps.INCREASE + change_maps.DECREASE) | {change_maps.UNCHANGED}
    assert fig._ddmgeo_colours["DC36"] is None and fig._ddmgeo_legend[-1] == ("No data", 2)
    with pytest.raises(KeyError, match="not in the change table"):
        maps.change_map(dwellings, "households")


def test_dumbbell_is_sorted_by_the_latest_value(dwellings, tmp_path):
    fig = maps.dumbbell(dwellings, "informal_dwelling_share", highlight="DC36")
    c = dwellings[dwellings.indicator == "informal_dwelling_share"]
    assert fig._ddmgeo_order == c.sort_values("end_value", ascending=False).code.tolist()
    assert len(fig._ddmgeo_order) == 52
    w, h = fig.get_size_inches()
    assert abs(w / h - 16 / 9) < 0.01
    out = maps.save(fig, tmp_path / "dumbbell.svg")
    assert "Waterberg" in out.read_text() and "Source:" in out.read_text()


def test_a_target_worse_than_the_baseline_is_invalid():
    """A higher-is-better share with a target below its baseline is not 'on track' however far it falls."""
    import ddmgeo

    base = ddmgeo.indicators.get("refuse_weekly_share", year=2011).set_index("code").at["CPT", "refuse_weekly_share"]
    targets = pd.DataFrame({"area": ["CPT"], "indicator": ["refuse_weekly_share"], "target": [round(base - 0.001, 4)], "target_year": [2020]})
    table, report = monitoring.track(targets)
    assert table.status.tolist() == ["invalid target"] and "worse than the baseline" in table.note.iloc[0]
