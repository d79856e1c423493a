"""Budget and project tables that cannot be placed to the cent as they stand: ddmgeo.budget.

Every row ends in ``allocations`` or in ``unallocated`` with its reason, and the books balance
(``check()``): an enormous, unreadable or unplaceable amount is a report entry, never a wrapped
integer or a missing cent.
"""

from __future__ import annotations

import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, Polygon

from ddmgeo import budget
from ddmgeo.budget import BudgetError
from ddmgeo.errors import CRSError, TableError, UnknownIndicatorError

from ._support import HOSTILE, RLO, ZWSP, Case, expect, params

pytestmark = pytest.mark.usefixtures("shared_data")


def sp(table, **kw):
    kw.setdefault("amount", "x")
    result = budget.spatialise(table, **kw)
    result.check()  # allocated + unallocated == input, to the cent
    return result


def _t(**cols):
    return pd.DataFrame(cols)


def _reasons(result):
    return dict(zip(result.unallocated["row"], result.unallocated["reason"]))


# --------------------------------------------------------------------------- errors


def _zip_csv(tmp):
    p = tmp / "projects.csv"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("projects.csv", "district,x\nWaterberg,1\n")
    return p


def _html_xlsx(tmp):
    p = tmp / "projects.xlsx"
    p.write_text("<!DOCTYPE html><html><body>Sign in to SharePoint</body></html>")
    return p


def _png_geojson(tmp):
    p = tmp / "projects.geojson"
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(128))
    return p


def _merged_xlsx(tmp):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["B1"] = "District", "Budget"
    ws.merge_cells("B1:C1")
    ws.append([None, 2023, 2024])
    ws.append(["Waterberg", 1, 2])
    p = tmp / "projects.xlsx"
    wb.save(p)
    return p


_READ = "budget/__init__.py _read() hands the file to pandas/pyogrio without checking what it holds; it should raise TableError (or BudgetError) naming the file and what it really is, as ddmgeo.read_table does"

CASES = [
    Case("no-amount-column", lambda tmp: sp(_t(district=["Waterberg"], rand=[1])), BudgetError, (r"No amount column 'x'; the table has \['district', 'rand'\]", r"Pass amount=")),
    Case("level-ward", lambda tmp: sp(_t(district=["Waterberg"], x=[1]), level="ward"), BudgetError, (r"level must be 'district', 'municipality' or 'province', not 'ward'",)),
    Case("split-unknown", lambda tmp: sp(_t(district=["Waterberg"], x=[1]), split="income"), BudgetError, (r"split='income' is neither 'population', 'equal', 'area'",)),
    Case("split-negative-weights", lambda tmp: sp(_t(district=["Limpopo"], x=[1]), split={"DC36": -1}), BudgetError, (r"split weights must be non-negative",)),
    Case("by-column-missing", lambda tmp: sp(_t(district=["Waterberg"], x=[1]), by="department"), BudgetError, (r"No column 'department' in the table",)),
    Case("location-column-missing", lambda tmp: sp(_t(district=["Waterberg"], x=[1]), location="site"), BudgetError, (r"No location column 'site'",)),
    Case("tag-not-a-flag", lambda tmp: sp(_t(district=["Waterberg"], x=[1], women=["maybe"]), tags={"women": "women"}), BudgetError, (r"Tag column 'women' must hold yes/no flags or shares", r"row 0 \('maybe'\)")),
    Case("tag-unknown-group", lambda tmp: sp(_t(district=["Waterberg"], x=[1], g=["yes"]), tags={"g": "elders"}), BudgetError, (r"Unknown target group 'elders'", r"'all', 'women', 'youth'")),
    Case("points-without-crs", lambda tmp: sp(gpd.GeoDataFrame({"x": [1]}, geometry=[Point(28, -24)])), CRSError, (r"no CRS: set it \(e\.g\. \.set_crs\('EPSG:4326'\)",)),
    Case("missing-file", lambda tmp: sp(tmp / "nope.csv"), FileNotFoundError, (r"No project table at .*nope\.csv",)),
    Case("unsupported-suffix", lambda tmp: sp((tmp / "p.docx").write_text("x") and tmp / "p.docx"), BudgetError, (r"Cannot read p\.docx: use \.csv, \.xlsx",)),
    Case("reprioritise-unknown-need", lambda tmp: budget.reprioritise(sp(_t(district=["Waterberg"], x=[1])), "nope"), UnknownIndicatorError, (r"No indicator 'nope'",)),
    Case("reprioritise-count-higher-is-better", lambda tmp: budget.reprioritise(sp(_t(municipality=["Lephalale"], x=[1]), level="municipality"), "cash_coverage_months"), BudgetError, (r"higher-is-better but not a share; pass a Series of need values",)),
    Case("zip-named-csv", lambda tmp: sp(_zip_csv(tmp)), TableError, (r"ZIP",)),
    Case("html-named-xlsx", lambda tmp: sp(_html_xlsx(tmp)), TableError, (r"HTML",)),
    Case("png-named-geojson", lambda tmp: sp(_png_geojson(tmp)), TableError, (r"PNG",)),
    Case(
        "excel-merged-header",
        lambda tmp: sp(_merged_xlsx(tmp)),
        TableError,
        (r"merged cells B1:C1",),
    ),
    Case(
        "geometry-lines-and-polygons",
        lambda tmp: sp(gpd.GeoDataFrame({"x": [1, 2, 3]}, geometry=[Point(28, -24), LineString([(28, -24), (29, -25)]), Polygon([(28, -24), (29, -24), (29, -25)])], crs=4326)),
        TableError,
        (r"not points",),
    ),
    Case(
        "empty-table",
        lambda tmp: sp(_t(district=pd.Series([], dtype=object), x=pd.Series([], dtype=object))),
        BudgetError,
        (r"no rows",),
    ),
    Case(
        "reprioritise-negative-need",
        lambda tmp: budget.reprioritise(sp(_t(district=["Waterberg", "Vhembe"], x=[100, 200])), pd.Series({"DC36": -1.0, "DC34": 0.5})),
        BudgetError,
        (r"DC36",),
    ),
    Case(
        "reprioritise-not-a-result",
        lambda tmp: budget.reprioritise(_t(code=["DC36"], amount=[1.0]), "piped_water_share"),
        TypeError,
        (r"SpatialisedBudget",),
    ),
]


@pytest.mark.parametrize("case", params(CASES))
def test_bad_budget_input(case, tmp_path):
    expect(case, tmp_path)


# --------------------------------------------------------------------------- report entries, to the cent


@pytest.mark.parametrize(
    "cell, reason",
    [
        pytest.param(str(10**30), r"larger than R 1,000,000,000,000,000", id="ten-to-the-30-as-text"),
        pytest.param(10**30, r"larger than R 1,000,000,000,000,000", id="ten-to-the-30-as-int"),
        pytest.param(1e300, r"amount 1e\+300 is larger than", id="1e300-as-float"),
        pytest.param(np.inf, r"amount inf is not finite", id="infinite"),
        pytest.param("abc", r"amount 'abc' is not a number", id="not-a-number"),
        pytest.param("1.2m", r"uses the scale word 'm'; pass allow_suffixes=True", id="scale-word"),
        pytest.param("12%", r"is a percentage, not an amount", id="percentage"),
        pytest.param(True, r"true/false value", id="boolean"),
    ],
)
def test_unreadable_amount_is_unallocated_with_reason(cell, reason):
    import re

    r = sp(_t(district=["Waterberg", "Vhembe"], x=pd.Series([cell, "1 000,50"], dtype=object)))
    assert r.unallocated["row"].tolist() == [0] and re.search(reason, r.unallocated["reason"].iat[0])
    assert pd.isna(r.unallocated["amount_cents"].iat[0]) and r.input_cents == 100050 and r.allocated_cents == 100050


def test_int64_column_near_the_limit_is_not_wrapped():
    """2**62 rand is 2**62 x 100 cents: beyond int64, which used to wrap around and balance at zero."""
    r = sp(_t(district=["Waterberg", "Vhembe", "Mopani"], x=np.array([2**62, 2**62, 5], dtype="int64")))
    assert r.unallocated["row"].tolist() == [0, 1] and r.unallocated["reason"].str.contains("larger than").all()
    assert r.allocated_cents == 500 and r.input_cents == 500


def test_largest_allowed_amount_is_exact():
    r = sp(_t(district=["Waterberg", "Vhembe"], x=[10**15, 5]))
    assert r.allocated_cents == 10**17 + 500 and r.unallocated.empty


def test_unknown_and_ambiguous_names_are_unallocated():
    r = sp(_t(district=["Atlantis", "Emalahleni", "Waterberg", "\U0001f3de", HOSTILE], x=["1", "2", "3", "4", "5"]))
    reasons = _reasons(r)
    assert "'Atlantis' matches no area" in reasons[0] and "fits more than one area" in reasons[1]
    assert set(reasons) == {0, 1, 3, 4} and r.unallocated_cents == 1200 and r.allocated_cents == 300


def test_unicode_names_are_placed():
    r = sp(_t(district=["Wätérbérg", f"Vhe{ZWSP}mbe", f"{RLO}Mopani"], x=[1, 2, 3]))
    assert r.unallocated.empty and r.by_area.set_index("code").loc[["DC36", "DC34", "DC33"], "amount_cents"].tolist() == [100, 200, 300]


def test_nan_is_blank_and_zero_is_placed():
    r = sp(_t(district=["Waterberg", "Vhembe", "Mopani"], x=[0.0, np.nan, 5.0]))
    assert _reasons(r) == {1: "no amount (blank cell)"} and r.allocations["row"].tolist() == [0, 2]


def test_negative_amounts_are_placed_and_flagged():
    r = sp(_t(district=["Waterberg", "Vhembe"], x=["-100", "(50)"]))
    assert r.allocated_cents == -15000 and r.issues["issue"].str.startswith("negative amount").all()


def test_duplicated_ids_are_flagged():
    r = sp(_t(id=["A", "A"], district=["Waterberg", "Vhembe"], x=[1, 2]), id="id")
    assert len(r.issues) == 2 and r.issues["issue"].str.contains("appears more than once").all()


def test_swapped_lon_lat_is_named_and_fixable():
    table = _t(lon=[-24.0, 28.2], lat=[28.0, -25.7], x=[1, 2])
    r = sp(table)
    assert "with lon/lat swapped it falls in DC36 (pass fix_swapped=True" in _reasons(r)[0]
    fixed = sp(table, fix_swapped=True)
    assert fixed.unallocated.empty and fixed.by_area.set_index("code").at["DC36", "amount_cents"] == 100


def test_points_outside_the_country_are_unallocated():
    r = sp(_t(lon=[2.35, 28.2], lat=[48.85, -25.7], x=[1, 2]))
    assert list(_reasons(r)) == [0] and "lies outside South Africa" in _reasons(r)[0]
    where = r.unallocated.iloc[0]
    if "lon" in r.unallocated.columns:  # the point itself is in the report
        assert (where["lon"], where["lat"]) == (2.35, 48.85)
    else:
        assert "2.35000, 48.85000" in where["reason"]


def test_projected_points_labelled_lonlat_are_unallocated_not_guessed():
    pts = gpd.GeoDataFrame({"x": [1, 2]}, geometry=[Point(28, -24), Point(29, -25)], crs=4326).to_crs(3857).set_crs(4326, allow_override=True)
    r = sp(pts)
    assert set(_reasons(r)) == {0, 1} and all("outside South Africa" in v for v in _reasons(r).values())


def test_empty_geometries_are_unallocated():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = sp(gpd.GeoDataFrame({"x": [1, 2]}, geometry=[Point(), None], crs=4326))
    assert set(_reasons(r)) == {0, 1} and r.allocated_cents == 0 and r.unallocated_cents == 300


def test_split_weights_for_other_codes_leave_rows_unallocated():
    r = sp(_t(district=["Limpopo"], x=[1]), split={"XX": 1})
    assert "no caller's weights weight for ['DC33', 'DC34', 'DC35', 'DC36', 'DC47']" in _reasons(r)[0]


# --------------------------------------------------------------------------- numbers that read two ways, or not exactly

from decimal import Decimal  # noqa: E402

from hypothesis import HealthCheck  # noqa: E402


@pytest.mark.parametrize(
    "cells, expected_cents",
    [
        pytest.param(np.array([0.1, 0.2, 1234.56], dtype="float32"), [10, 20, 123456], id="float32-column"),
        pytest.param(pd.Series([np.float32(0.1), np.float32(1234.56), "5"], dtype=object), [10, 123456, 500], id="float32-cells-in-text"),
        pytest.param(np.array([131071.99], dtype="float32"), [13107199], id="float32-largest-with-cents"),
    ],
)
def test_float32_amounts_are_read_at_their_decimal(cells, expected_cents):
    r = sp(_t(district=["Waterberg", "Vhembe", "Mopani"][: len(cells)], x=cells))
    assert r.unallocated.empty and r.allocations.groupby("row")["amount_cents"].sum().tolist() == expected_cents


def test_float32_amount_too_large_for_cents_is_unallocated():
    r = sp(_t(district=["Waterberg", "Vhembe"], x=np.array([1234567.89, 5.25], dtype="float32")))
    assert list(_reasons(r)) == [0] and r.allocated_cents == 525
    assert "amount 1234567.9 is stored as a 32-bit float, which at this size holds no cents (its steps are R 0.125)" in _reasons(r)[0]


def test_ambiguous_comma_beside_decimal_commas_is_unallocated_and_named():
    r = sp(_t(district=["Waterberg", "Vhembe", "Mopani"], x=["1,5", "1,234", "2,25"]))
    assert list(_reasons(r)) == [1]
    assert "amount '1,234' reads as R 1 234 with a thousands comma but R 1.234 with a decimal comma, and row 0 ('1,5') writes a decimal comma" in _reasons(r)[1]
    assert r.allocated_cents == 150 + 225


def test_ambiguous_point_beside_decimal_commas_is_unallocated_and_named():
    r = sp(_t(district=["Waterberg", "Vhembe"], x=["1.234", "7,50"]))
    assert list(_reasons(r)) == [0] and "R 1.234 with a decimal point but R 1 234 with a thousands point" in _reasons(r)[0]


def test_thousands_commas_beside_decimal_commas_are_placed_and_named():
    r = sp(_t(district=["Waterberg", "Vhembe"], x=["1,234,567", "7,50"]))
    assert r.unallocated.empty and r.allocated_cents == 123456700 + 750
    issue = r.issues.set_index("row").at[0, "issue"]
    assert "amount '1,234,567' is read as R 1 234 567 with thousands commas, while row 1 ('7,50') writes a decimal comma" in issue


def test_a_consistent_column_is_not_flagged():
    r = sp(_t(district=["Waterberg", "Vhembe"], x=["1,234", "2,500,000"]))
    assert r.unallocated.empty and r.issues.empty and r.allocated_cents == 123400 + 250000000


@pytest.mark.parametrize(
    "cells",
    [
        pytest.param(pd.array([100, pd.NA, 5], dtype="Int64"), id="nullable-int-with-NA"),
        pytest.param(pd.Series([Decimal("100"), Decimal("NaN"), Decimal("5")], dtype=object), id="decimal-nan"),
        pytest.param(pd.Series([Decimal("100"), Decimal("sNaN"), Decimal("5")], dtype=object), id="decimal-signalling-nan"),
        pytest.param(pd.Series([100, pd.NA, 5.0], dtype=object), id="pd-NA-in-object-column"),
    ],
)
def test_missing_amounts_are_blank_rows_not_tracebacks(cells):
    r = sp(_t(district=["Waterberg", "Vhembe", "Mopani"], x=cells))
    assert _reasons(r) == {1: "no amount (blank cell)"} and r.allocated_cents == 10500


def test_decimal_infinity_is_unallocated():
    r = sp(_t(district=["Waterberg", "Vhembe"], x=pd.Series([Decimal("Infinity"), Decimal("1.25")], dtype=object)))
    assert _reasons(r) == {0: "amount Decimal('Infinity') is not finite"} and r.allocated_cents == 125


def _formula_xlsx(tmp):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["District", "Budget"], ["Waterberg", 100], ["Vhembe", "=B2*2"], ["Mopani", 5]):
        ws.append(row)
    p = tmp / "projects.xlsx"
    wb.save(p)  # openpyxl saves formulas without computing them
    return p


def test_excel_formula_without_saved_value_is_unallocated_with_the_fix(tmp_path):
    r = budget.spatialise(_formula_xlsx(tmp_path), amount="Budget")
    r.check()
    assert list(_reasons(r)) == [1] and r.allocated_cents == 10500
    assert "the formula =B2*2 in B3 without a saved value" in _reasons(r)[1] and "open the workbook in Excel or LibreOffice and save it" in _reasons(r)[1]


@pytest.mark.parametrize(
    "cell, cents, reason",
    [
        pytest.param(9_007_199_254_740_993, None, "larger than R 1,000,000,000,000,000", id="int-beyond-2-53-flagged"),
        pytest.param(np.int64(2**53 + 1), None, "larger than R 1,000,000,000,000,000", id="numpy-int-beyond-2-53-flagged"),
        pytest.param("90071992547409.93", 9007199254740993, None, id="text-cents-beyond-2-53-exact"),
        pytest.param(Decimal("999999999999999.99"), 99999999999999999, None, id="decimal-cents-beyond-2-53-exact"),
        pytest.param(Decimal("1000000000000000.01"), None, "larger than R 1,000,000,000,000,000", id="decimal-beyond-the-limit-flagged"),
    ],
)
def test_integers_beyond_2_53_are_exact_or_flagged(cell, cents, reason):
    r = sp(_t(district=["Waterberg", "Vhembe"], x=pd.Series([cell, 1], dtype=object)))
    if reason:
        assert reason in _reasons(r)[0] and r.allocated_cents == 100
    else:
        assert r.unallocated.empty and r.allocated_cents == cents + 100


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 13_107_199), min_size=1, max_size=6))
def test_float32_amounts_below_the_limit_keep_their_cents(cents):
    """Any amount in whole cents under R 131 072 stored as float32 comes back to the cent."""
    from ddmgeo.budget._amounts import column_to_cents

    values = pd.Series(np.array([c / 100 for c in cents], dtype="float32"))
    got, problems = column_to_cents(values, allow_suffixes=False)
    assert problems == {} and got.tolist() == cents


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 10**15 * 100), min_size=1, max_size=6))
def test_text_amounts_are_exact_to_the_cent(cents):
    """Amounts up to the limit, written as text with decimal points, are exact (no float path, beyond 2**53 too)."""
    from ddmgeo.budget._amounts import column_to_cents

    values = pd.Series([f"{c // 100}.{c % 100:02d}" for c in cents], dtype=object)
    got, problems = column_to_cents(values, allow_suffixes=False)
    assert problems == {} and got.tolist() == cents


# --------------------------------------------------------------------------- budget rules never fill gaps silently


def _issues(result):
    return " | ".join(result.issues["issue"].astype(str))


def test_all_zero_split_weights_leave_the_row_unallocated_not_shared_equally():
    weights = {"DC33": 0, "DC34": 0, "DC35": 0, "DC36": 0, "DC47": 0}
    r = sp(_t(where=["Limpopo"], x=[1000]), location="where", split=weights)
    assert r.allocations.empty and r.unallocated_cents == 100_000
    assert "every weight of DC33, DC34, DC35, DC36, DC47 is 0" in _reasons(r)[0]


def test_all_zero_row_shares_are_unallocated():
    r = sp(_t(where=["Waterberg; Capricorn"], s=["DC36=0; DC35=0"], x=[10]), location="where", split="s")
    assert r.allocations.empty and "is 0" in _reasons(r)[0]


@pytest.mark.parametrize("cell, flagged", [("DC36=60; DC35=30", True), ("DC36=60; DC35=40", False), ("DC36=0.6; DC35=0.4", False), ("DC36=2; DC35=1", True)])
def test_row_shares_that_do_not_add_up_are_an_issue(cell, flagged):
    r = sp(_t(where=["Waterberg; Capricorn"], s=[cell], x=[90]), location="where", split="s")
    assert r.allocated_cents == 9000  # shared in proportion to what was written, never dropped
    assert ("not 100 %" in _issues(r)) is flagged


def test_a_province_that_contradicts_the_named_area_is_an_issue():
    r = sp(_t(where=["Waterberg", "Waterberg"], province=["GP", "Limpopo"], x=[1, 2]), location="where")
    assert r.allocations["code"].astype(str).tolist() == ["DC36", "DC36"]
    assert r.issues["row"].tolist() == [0] and "says GT, but 'Waterberg' (DC36) lies in LIM" in _issues(r)


def test_a_list_naming_an_area_and_its_own_province_is_an_issue():
    r = sp(_t(where=["Waterberg; Limpopo"], x=[500]), location="where")
    assert set(r.allocations["code"].astype(str)) == {"DC33", "DC34", "DC35", "DC36", "DC47"}  # Waterberg once
    assert "names 'Waterberg' and also its province (LIM)" in _issues(r)


@pytest.mark.parametrize("blank", [None, "", "  ", np.nan])
def test_a_blank_by_category_is_its_own_column_and_by_columns_add_up(blank):
    r = sp(_t(where=["Waterberg", "Waterberg", "Capricorn"], dept=["Health", blank, "Health"], x=[1, 2, 4]), location="where", by="dept")
    row = r.by_area.set_index("code")
    assert row.at["DC36", "dept=(blank)"] == 2.0 and row.at["DC36", "dept=Health"] == 1.0 and row.at["DC35", "dept=Health"] == 4.0
    assert (row[["dept=(blank)", "dept=Health"]].sum(axis=1) * 100).round().astype("int64").tolist() == row["amount_cents"].tolist()


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["Waterberg", "Capricorn", "Limpopo", "Waterberg; Vhembe"]), st.sampled_from(["A", "B", "", None]), st.integers(-10**9, 10**9)), min_size=1, max_size=12))
def test_by_columns_always_add_up_to_every_area(rows):
    t = _t(where=[r[0] for r in rows], dept=[r[1] for r in rows], x=[r[2] for r in rows])
    r = sp(t, location="where", by="dept")  # check() proves it; the totals agree with the input too
    cols = [c for c in r.by_area.columns if c.startswith("dept=")]
    assert round(r.by_area[cols].to_numpy().sum() * 100) == r.allocated_cents == sum(x[2] for x in rows) * 100
