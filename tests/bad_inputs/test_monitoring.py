"""Baselines, changes and targets that cannot be compared or trusted: ddmgeo.monitoring."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ddmgeo import monitoring as mon
from ddmgeo.errors import DataIntegrityError, DataNotAvailableError, NotComparableError, TableError, UnknownIndicatorError, YearError

from ._support import Case, expect, params

pytestmark = pytest.mark.usefixtures("shared_data")


@pytest.fixture(scope="module")
def base():
    return mon.baseline(["population", "formal_dwelling_share"], year=2016)


def _tampered_csv(tmp, b):
    path = mon.save_baseline(b, tmp / "b.csv")
    path.write_text(path.read_text().replace("DC36", "DC35", 1))
    return path


def _csv_without_sidecar(tmp, b):
    path = mon.save_baseline(b, tmp / "b.csv")
    for side in tmp.glob("*.json"):
        side.unlink()
    return path


def _bad_sidecar(tmp, b):
    path = mon.save_baseline(b, tmp / "b.csv")
    for side in tmp.glob("*.json"):
        side.write_text("{not json")
    return path


def _png_parquet(tmp, b):
    path = tmp / "b.parquet"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    return path


def _zip_csv(tmp, b):
    import zipfile

    path = mon.save_baseline(b, tmp / "b.csv")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("b.csv", "x")
    return path


def _targets(**cols):
    return pd.DataFrame({"district": ["Waterberg"], "indicator": ["formal_dwelling_share"], "target": [0.95], "target_year": [2030], **cols})


CASES = [
    Case("baseline-unknown-id", lambda tmp, b: mon.baseline("nope"), UnknownIndicatorError, (r"No indicator 'nope'",)),
    Case("baseline-year", lambda tmp, b: mon.baseline("population", year=1990), DataNotAvailableError, (r"years available: 2011, 2016",)),
    Case("change-reversed", lambda tmp, b: mon.change("population", start=2016, end=2011), ValueError, (r"start must be the earlier year: start=2016, end=2011",)),
    Case("change-not-comparable", lambda tmp, b: mon.change("unemployment_rate", start=2011, end=2016), NotComparableError, (r"unemployment_rate has no 2016 value: it exists for 2011 only", r"Leave these indicators out")),
    Case("change-year-absent", lambda tmp, b: mon.change("population", start=2001, end=2016), NotComparableError, (r"no 2001 value: it exists for 2011, 2016",)),
    Case("baseline-year-financial", lambda tmp, b: mon.baseline("population", year="2016/17"), YearError, (r"year='2016/17' is not a year", r"2017")),
    Case("baseline-year-implausible", lambda tmp, b: mon.baseline("population", year=20300), YearError, (r"year=20300 is not a plausible year",)),
    Case("change-start-financial", lambda tmp, b: mon.change("population", start="2011/12", end=2016), YearError, (r"start='2011/12' is not a year", r"give the year it ends in, 2012")),
    Case("change-end-implausible", lambda tmp, b: mon.change("population", start=2011, end="20160"), YearError, (r"end='20160' is not a plausible year",)),
    Case("change-end-words", lambda tmp, b: mon.change("population", start=2011, end="now"), YearError, (r"end='now' is not a year",)),
    Case("track-latest-implausible", lambda tmp, b: mon.track(_targets(), latest=20300), YearError, (r"latest=20300 is not a plausible year",)),
    Case("track-baseline-financial", lambda tmp, b: mon.track(_targets(), baseline="2011/12"), YearError, (r"baseline='2011/12' is not a year",)),
    Case("change-negative-tolerance", lambda tmp, b: mon.change("population", start=2011, end=2016, tolerance=-1), ValueError, (r"tolerance must be a number >= 0",)),
    Case("change-unknown-id", lambda tmp, b: mon.change("nope", start=2011, end=2016), UnknownIndicatorError, (r"No indicator 'nope'",)),
    Case("save-xlsx", lambda tmp, b: mon.save_baseline(b, tmp / "b.xlsx"), ValueError, (r"saved as \.csv \(with a \.meta\.json sidecar\) or \.parquet, not 'b\.xlsx'",)),
    Case("save-not-a-baseline", lambda tmp, b: mon.save_baseline(pd.DataFrame({"a": [1]}), tmp / "x.csv"), DataIntegrityError, (r"not a baseline", r"monitoring\.baseline")),
    Case("load-missing", lambda tmp, b: mon.load_baseline(tmp / "nope.csv"), FileNotFoundError, (r"No baseline file",)),
    Case("load-tampered-values", lambda tmp, b: mon.load_baseline(_tampered_csv(tmp, b)), DataIntegrityError, (r"b\.csv was altered after it was saved", r"Restore the original file")),
    Case("load-without-sidecar", lambda tmp, b: mon.load_baseline(_csv_without_sidecar(tmp, b)), DataIntegrityError, (r"has no metadata file", r"Keep the two files together")),
    Case("load-broken-sidecar", lambda tmp, b: mon.load_baseline(_bad_sidecar(tmp, b)), DataIntegrityError, (r"is not valid JSON",)),
    Case("load-png-named-parquet", lambda tmp, b: mon.load_baseline(_png_parquet(tmp, b)), DataIntegrityError, (r"b\.parquet is not a Parquet file", r"restore the file save_baseline wrote")),
    Case("load-zip-named-csv", lambda tmp, b: mon.load_baseline(_zip_csv(tmp, b)), DataIntegrityError, (r"b\.csv",)),
    Case("track-missing-columns", lambda tmp, b: mon.track(pd.DataFrame({"district": ["Waterberg"], "indicator": ["formal_dwelling_share"]})), TableError, (r"needs the columns indicator, target and target_year", r"columns=\{'target': 'Goal'")),
    Case("track-columns-option", lambda tmp, b: mon.track(_targets(), columns={"goal": "target"}), ValueError, (r"columns= maps \['goal'\]",)),
    Case("track-empty", lambda tmp, b: mon.track(_targets().iloc[0:0]), TableError, (r"no data rows",)),
    Case("track-not-a-baseline", lambda tmp, b: mon.track(_targets(), baseline=pd.DataFrame({"code": ["DC36"]})), ValueError, (r"baseline= takes a year or a table made by ddmgeo\.monitoring\.baseline",)),
]


@pytest.mark.parametrize("case", params(CASES))
def test_bad_monitoring_input(case, tmp_path, base):
    expect(case, tmp_path, base)


# --------------------------------------------------------------------------- targets: every row kept, with its status


def test_unknown_area_and_indicator_rows_are_kept_and_reported():
    targets = pd.DataFrame(
        {"district": ["Atlantis", "Waterberg"], "indicator": ["formal_dwelling_share", "formal_dweling_share"], "target": [0.9, 0.9], "target_year": [2030, 2030]}
    )
    table, report = mon.track(targets)
    assert table["status"].tolist() == ["unmatched area", "unknown indicator"]
    assert report.unmatched_areas["value"].tolist() == ["Atlantis"]
    assert "formal_dwelling_share" in report.unknown_indicators["suggestions"].iat[0]


@pytest.mark.parametrize(
    "target, year, note",
    [
        pytest.param("lots", 2030, "missing or not a number", id="target-as-text"),
        pytest.param(np.nan, 2030, "missing or not a number", id="target-nan"),
        pytest.param(0.9, "next year", "target_year='next year' is not a year", id="year-as-text"),
        pytest.param(0.9, "2030/31", "target_year='2030/31' is not a year: give a whole calendar year such as 2016 (for the financial year 2030/31 give the year it ends in, 2031)", id="year-financial"),
        pytest.param(0.9, 20300, "target_year=20300 is not a plausible year", id="year-implausible"),
        pytest.param(0.9, "20300", "target_year='20300' is not a plausible year", id="year-implausible-text"),
        pytest.param(0.9, 2030.5, "target_year=2030.5 is not a year", id="year-fraction"),
        pytest.param(0.9, None, "missing or not a number", id="year-missing"),
        pytest.param(0.9, 2000, "not after the baseline year 2011", id="year-in-the-past"),
        pytest.param(-0.5, 2030, "worse than the baseline", id="negative-share"),
    ],
)
def test_invalid_targets_are_not_assessed_with_a_reason(target, year, note):
    table, report = mon.track(_targets(target=[target], target_year=[year]))
    assert table["status"].tolist() == ["invalid target"] and note in table["note"].iat[0]
    assert report.not_assessed["line"].tolist() == [0]


def test_bad_years_are_reported_per_row_and_the_rest_judged(tmp_path):
    """One table with good and bad years, as a file and as a DataFrame: each bad row is reported with its
    column and value, never judged against another year; "2030" as text is 2030."""
    targets = pd.DataFrame(
        {
            "district": ["Waterberg", "Vhembe", "Capricorn", "Mopani", "Sekhukhune"],
            "indicator": ["formal_dwelling_share"] * 5,
            "target": [0.95] * 5,
            "target_year": ["2030", "20300", "2030/31", 2030, 2030],
            "baseline_year": [2011, 2011, 2011, "2011/12", "2011"],
        }
    )
    path = tmp_path / "targets.csv"
    targets.to_csv(path, index=False)
    for source in (targets, path):
        table, report = mon.track(source)
        assert table["status"].tolist()[1:4] == ["invalid target"] * 3
        assert table["status"].iat[0] in ("on track", "off track") and table["status"].iat[4] in ("on track", "off track")
        assert table["target_year"].iat[0] == 2030 and table["baseline_year"].iat[4] == 2011
        notes = table["note"].tolist()
        assert "target_year=20300" in notes[1] or "target_year='20300'" in notes[1]
        assert "'2030/31' is not a year" in notes[2] and "baseline_year='2011/12' is not a year" in notes[3]
        assert report.not_assessed["line"].tolist() == table["line"].iloc[1:4].tolist()  # lines of the file, or the frame's index
        assert table["progress"].iloc[1:4].isna().all(), "a row with a bad year was judged"


def test_year_columns_named_by_columns_are_read_per_row():
    targets = pd.DataFrame({"district": ["Waterberg", "Vhembe"], "indicator": ["formal_dwelling_share"] * 2, "Goal": [0.95, 0.95], "By": ["2030", "2030/31"]})
    table, _ = mon.track(targets, columns={"target": "Goal", "target_year": "By"})
    assert table["status"].iat[1] == "invalid target" and "By='2030/31' is not a year" in table["note"].iat[1]
    assert table["target_year"].iat[0] == 2030


def test_change_with_years_as_text_is_the_change_with_numbers():
    pd.testing.assert_frame_equal(mon.change("population", start="2011", end="2016"), mon.change("population", start=2011, end=2016))


def test_targets_given_twice_are_reported():
    targets = pd.DataFrame({"district": ["Waterberg", "DC36"], "indicator": ["formal_dwelling_share"] * 2, "target": [0.95, 0.97], "target_year": [2030, 2030]})
    _, report = mon.track(targets)
    assert report.duplicates.values.tolist() == [["DC36", "formal_dwelling_share", [0, 1]]]


def test_percent_target_for_a_share_is_read_and_said():
    table, report = mon.track(_targets(target=[95]))
    assert table["target"].iat[0] == pytest.approx(0.95) and any("read as 95 % = 0.95" in n for n in report.notes)


def test_sidecar_checksum_covers_metadata(tmp_path, base):
    path = mon.save_baseline(base, tmp_path / "b.csv")
    side = next(tmp_path.glob("*.json"))
    meta = json.loads(side.read_text())
    meta["vintage"] = 2011
    side.write_text(json.dumps(meta))
    with pytest.raises(DataIntegrityError, match="altered after it was saved"):
        mon.load_baseline(path)
