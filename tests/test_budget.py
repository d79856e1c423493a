"""Budget spatialisation: every cent accounted for, messy tables, real projects."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ddmgeo
from ddmgeo import budget
from ddmgeo.budget._amounts import AmountProblem, share_cents, to_cents

pytestmark = pytest.mark.usefixtures("shared_data")

LIM = ["DC33", "DC34", "DC35", "DC36", "DC47"]


# ------------------------------------------------------------------ amounts

@pytest.mark.parametrize(
    "text, cents",
    [
        ("R 1 200 000,00", 120_000_000),
        ("1,200,000.00", 120_000_000),
        ("1 200 000.50", 120_000_050),
        ("R1 234,56", 123_456),
        ("(1 000)", -100_000),
        ("-250.25", -25_025),
        ("12", 1_200),
        (1234.56, 123_456),
        (0.1 + 0.2, 30),
        (7, 700),
        (Decimal("19.999"), 2_000),
        ("", None),
        ("-", None),
    ],
)
def test_amounts_to_cents(text, cents):
    assert to_cents(text) == cents


@pytest.mark.parametrize("text, match", [("1.2m", "allow_suffixes"), ("R 3 bn", "allow_suffixes"), ("12%", "percentage"), ("twelve", "not a number"), (True, "true/false")])
def test_unreadable_amounts(text, match):
    with pytest.raises(AmountProblem, match=match):
        to_cents(text)
    assert to_cents("1.2m", allow_suffixes=True) == 120_000_000


@given(st.integers(min_value=-10**12, max_value=10**12), st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=60))
@settings(max_examples=200, deadline=None)
def test_share_cents_conserves(total, weights):
    parts = share_cents(total, weights)
    assert sum(parts) == total and len(parts) == len(weights)
    if sum(weights) > 0 and total >= 0:
        exact = [total * w / sum(weights) for w in weights]
        assert all(abs(p - e) < 1.0001 for p, e in zip(parts, exact))


# ------------------------------------------------------------------ a hand-checked messy table

MESSY = pd.DataFrame(
    {
        "project_id": ["P1", "P2", "P3", "P4", "P5", "P6", "P7", "P1", "P8"],
        "district": ["Cacadu", None, "Limpopo", "Waterberg; Capricorn", "Atlantis", "uMgungundlovu DM", None, "Eden", "province-wide"],
        "province": [None, None, None, None, None, None, None, None, "Limpopo"],
        "lon": [None, -24.6, None, None, None, None, 28.4, None, None],  # P2: (lat, lon) written the wrong way round
        "lat": [None, 28.4, None, None, None, None, -24.6, None, None],
        "amount": ["R 1 000 000,00", "250 000", "1 000,05", "300", "5 000", None, "99.99", "10", "R 500,00"],
    }
)


def test_messy_table_exact_totals():
    r = budget.spatialise(MESSY, amount="amount", id="project_id", split="equal")
    got = r.by_area.set_index("code").amount_cents
    # P1 Cacadu -> DC10 (former name); P3 Limpopo 100 005 cents over 5 districts; P4 300 rand over DC36, DC35;
    # P7 point in Waterberg; P1 again Eden -> DC4; P8 province-wide Limpopo 50 000 cents; P2 swapped -> unallocated
    expected = {c: 0 for c in got.index}
    expected["DC10"] += 100_000_000
    for c, part in zip(LIM, share_cents(100_005, [1] * 5)):
        expected[c] += part
    expected["DC35"] += 15_000
    expected["DC36"] += 15_000
    expected["DC36"] += 9_999
    expected["DC4"] += 1_000
    for c, part in zip(LIM, share_cents(50_000, [1] * 5)):
        expected[c] += part
    assert got.to_dict() == expected
    un = r.unallocated.set_index("id")
    assert set(un.index) == {"P2", "P5", "P6"}
    assert "swapped" in un.at["P2", "reason"] and "DC36" in un.at["P2", "reason"]
    assert "Atlantis" in un.at["P5", "reason"]
    assert un.at["P6", "reason"] == "no amount (blank cell)" and un.at["P6", "amount_cents"] == 0
    assert any("appears more than once" in i for i in r.issues.issue)
    assert r.allocated_cents + r.unallocated_cents == r.input_cents == 100_000_000 + 25_000_000 + 100_005 + 30_000 + 500_000 + 9_999 + 1_000 + 50_000
    rules = r.allocations.set_index("id").rule
    assert "former name" in rules["P1"].iloc[0] and rules["P7"] == "point"


def test_swapped_points_fixed_on_request():
    r = budget.spatialise(MESSY, amount="amount", id="project_id", split="equal", fix_swapped=True)
    assert "P2" not in set(r.unallocated.id)
    row = r.allocations.set_index("id").loc["P2"]
    assert row.code == "DC36" and "swapped" in row.rule
    assert any("used swapped" in i for i in r.issues.issue)
    r.check()


def test_population_split_and_per_capita():
    t = pd.DataFrame({"where": ["Limpopo"], "rand": ["1 000 000"]})
    r = budget.spatialise(t, amount="rand", location="where")
    pop = ddmgeo.indicators.get("population", year=2016).set_index("code").population
    got = r.by_area.set_index("code")
    expected = share_cents(100_000_000, [pop[c] for c in LIM])
    assert [got.at[c, "amount_cents"] for c in LIM] == expected
    assert got.amount_cents.sum() == 100_000_000
    assert np.isclose(got.at["DC36", "per_capita"], got.at["DC36", "amount"] / pop["DC36"])
    assert (got.population_year == 2016).all() and r.population_year == 2016
    assert got.drop(index=LIM).amount_cents.eq(0).all()  # zero, never missing


def test_per_row_shares_column():
    t = pd.DataFrame({"where": ["DC36; DC35"], "shares": ["Waterberg=60; Capricorn=40"], "rand": [1000]})
    r = budget.spatialise(t, amount="rand", location="where", split="shares").by_area.set_index("code")
    assert r.at["DC36", "amount_cents"] == 60_000 and r.at["DC35", "amount_cents"] == 40_000


def test_by_columns_split_totals():
    t = pd.DataFrame({"where": ["DC36", "DC36", "DC35"], "dept": ["Health", "Water", "Health"], "rand": [100, 50, 10]})
    r = budget.spatialise(t, amount="rand", location="where", by="dept").by_area.set_index("code")
    assert r.at["DC36", "dept=Health"] == 100 and r.at["DC36", "dept=Water"] == 50 and r.at["DC35", "dept=Health"] == 10
    assert r.at["DC36", "n_projects"] == 2


def test_municipality_level_rolls_up_to_districts():
    t = pd.DataFrame({"where": ["Lephalale", "Polokwane", "Waterberg", "national"], "rand": ["100", "200", "300,01", "1 000 000"]})
    m = budget.spatialise(t, amount="rand", location="where", level="municipality")
    d = budget.spatialise(t, amount="rand", location="where", level="district")
    rolled = ddmgeo.indicators.aggregate(m.by_area[["code", "amount_cents"]], to="district", kinds={"amount_cents": "count"}).set_index("code").amount_cents
    assert m.allocated_cents == d.allocated_cents
    assert (rolled.reindex(d.by_area.code) - d.by_area.set_index("code").amount_cents).abs().max() <= 52  # re-sharing rounds each area by < 1 cent per split
    assert rolled.sum() == d.by_area.amount_cents.sum()


def test_errors_name_the_fix():
    with pytest.raises(budget.BudgetError, match="amount="):
        budget.spatialise(MESSY, amount="Amount")
    with pytest.raises(budget.BudgetError, match="split"):
        budget.spatialise(MESSY, amount="amount", split="weighted")
    with pytest.raises(budget.BudgetError, match="level"):
        budget.spatialise(MESSY, amount="amount", level="ward")
    with pytest.raises(budget.BudgetError, match="location column"):
        budget.spatialise(MESSY, amount="amount", location="where")


# ------------------------------------------------------------------ conservation under generated tables

LOCATIONS = st.sampled_from(
    ["Waterberg", "DC36", "Cacadu", "Eden", "Limpopo", "national", "DC36; DC35", "Waterberg, Capricorn", "Lephalale", "Atlantis", "", "province-wide", "JHB"]
)
AMOUNTS = st.one_of(
    st.integers(min_value=-10**9, max_value=10**11),
    st.decimals(min_value=-10**6, max_value=10**9, places=2, allow_nan=False, allow_infinity=False).map(lambda d: f"R {d:,.2f}".replace(",", " ")),
    st.sampled_from(["", "n/a", "twelve", "1.5m"]),
)
POINTS = st.one_of(st.none(), st.tuples(st.floats(16, 33), st.floats(-35, -22)), st.tuples(st.floats(-60, 60), st.floats(-60, 60)))


@given(st.lists(st.tuples(LOCATIONS, AMOUNTS, POINTS), min_size=1, max_size=40), st.sampled_from(["population", "equal", "area"]))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_cent_is_accounted_for(rows, split):
    t = pd.DataFrame(
        {
            "district": [r[0] for r in rows],
            "province": ["Limpopo" if r[0] == "province-wide" else "" for r in rows],
            "amount": [r[1] for r in rows],
            "lon": [r[2][0] if r[2] else None for r in rows],
            "lat": [r[2][1] if r[2] else None for r in rows],
        }
    )
    r = budget.spatialise(t, amount="amount", split=split)
    r.check()
    placed = set(r.allocations.row)
    missing = set(r.unallocated.row)
    assert placed.isdisjoint(missing) and placed | missing == set(range(len(t)))
    assert len(r.by_area) == 52 and r.by_area.amount_cents.notna().all()


# ------------------------------------------------------------------ real data

def test_real_infrastructure_projects():
    path = ddmgeo.datasets.fetch("infrastructure_projects_br2019")
    r = budget.spatialise(path, amount="amount_fy2019_mtef", id="project_slug", by="sector")
    r.check()
    raw = pd.read_csv(path)
    assert r.input_cents == int(round(raw.amount_fy2019_mtef.sum() * 100))
    has_point = raw.lon.notna() & raw.lat.notna()
    assert set(r.allocations.row) >= set(np.flatnonzero(has_point.to_numpy())) - set(r.unallocated.row)
    assert (~has_point).sum() == len(set(r.unallocated.row) & set(np.flatnonzero((~has_point).to_numpy())))
    assert r.unallocated.reason.str.contains("no location").all()
    assert r.allocations.rule.str.startswith("point").all()
    # a coastal hospital (Gqeberha) just outside the generalised coastline is snapped, and said so
    snapped = r.allocations[r.allocations.rule.str.contains("snapped")]
    assert len(snapped) >= 1 and set(snapped.code) <= set(ddmgeo.areas_table("district").code)
    assert r.issues.issue.str.contains("km outside the generalised boundaries").sum() == len(snapped)
    off = budget.spatialise(path, amount="amount_fy2019_mtef", id="project_slug", snap_km=0)
    assert off.unallocated.reason.str.contains("outside South Africa").sum() == len(snapped)


def test_reprioritise_against_need():
    t = pd.DataFrame({"where": ["national"], "rand": [10_000_000]})
    r = budget.spatialise(t, amount="rand", location="where", split="equal")
    rp = budget.reprioritise(r, "piped_water_share")
    tab = rp.table.set_index("code")
    assert abs(tab.gap.sum()) < 0.01 and abs(tab.need_allocation.sum() - 10_000_000) < 0.01
    worst = tab.need.idxmax()
    assert tab.at[worst, "need_rank"] == 1 and tab.at[worst, "gap"] < 0  # equal spend under-funds the neediest
    assert "under-funded" in rp.summary() and "shortfall" in rp.need_label


def test_cli_spatialise(tmp_path):
    from typer.testing import CliRunner

    from ddmgeo.cli import app

    src = tmp_path / "p.csv"
    MESSY.to_csv(src, index=False)
    out = tmp_path / "out.csv"
    r = CliRunner().invoke(app, ["spatialise", str(src), "--amount", "amount", "--split", "equal", "--out", str(out), "--unallocated", str(tmp_path / "rej.csv")])
    assert r.exit_code == 1 and out.exists() and "3 row(s) not placed" in r.output
    rej = pd.read_csv(tmp_path / "rej.csv")
    assert len(rej) == 3
    r = CliRunner().invoke(app, ["spatialise", str(src), "--amount", "amount", "--split", "equal", "--out", str(out), "--allow-unallocated", "--map", str(tmp_path / "m.png")])
    assert r.exit_code == 0 and (tmp_path / "m.png").exists()


def test_gender_and_youth_tags_conserve_and_divide_by_the_target_group():
    t = pd.DataFrame(
        {
            "where": ["Waterberg", "Waterberg", "Capricorn", "Limpopo"],
            "gender_responsive": ["yes", "no", "Yes", None],
            "youth": ["50%", "0.25", "", "1"],
            "rand": ["1 000 000", "400 000", "200 000", "10 000,01"],
        }
    )
    r = budget.spatialise(t, amount="rand", location="where", tags={"gender_responsive": "women", "youth": "youth"})
    ba = r.by_area.set_index("code")
    assert ba.at["DC36", "gender_responsive_amount"] == 1_000_000 and ba.at["DC35", "gender_responsive_amount"] == 200_000
    limpopo_to_dc36 = r.allocations[(r.allocations.row == 3) & (r.allocations.code == "DC36")].amount_cents.sum() / 100
    assert ba.at["DC36", "youth_amount"] == pytest.approx(500_000 + 100_000 + limpopo_to_dc36, abs=1e-9)
    women = ddmgeo.indicators.get("population_female", year=2016).set_index("code").population_female
    assert ba.at["DC36", "gender_responsive_per_capita"] == pytest.approx(1_000_000 / women["DC36"])
    # tagged spend never exceeds the total, and the Limpopo-wide row tags exactly its own cents
    assert (r.allocations.youth_cents <= r.allocations.amount_cents).all()
    limpopo = r.allocations[r.allocations.row == 3]
    assert limpopo.youth_cents.sum() == limpopo.amount_cents.sum() == 1_000_001
    r.check()
    with pytest.raises(budget.BudgetError, match="row 1"):
        budget.spatialise(t.assign(youth=["50%", "lots", "", "1"]), amount="rand", location="where", tags={"youth": "youth"})
    with pytest.raises(budget.BudgetError, match="target group"):
        budget.spatialise(t, amount="rand", location="where", tags={"youth": "elderly"})


def test_dask_engine_equals_in_memory_on_point_rows(tmp_path):
    pytest.importorskip("dask.dataframe")
    rng = np.random.default_rng(3)
    n = 20_000
    schools = pd.read_csv(ddmgeo.datasets.fetch("dbe_schools_2017q1"), usecols=["lon", "lat"])
    pick = schools.sample(n, replace=True, random_state=3).reset_index(drop=True)  # some without coordinates, some outside
    amounts = [f"R {c / 100:,.2f}".replace(",", " ") for c in rng.integers(1, 10**9, n)]
    amounts[5] = "not a number"
    amounts[6] = ""
    t = pd.DataFrame({"lon": pick.lon, "lat": pick.lat, "amount": amounts})
    path = tmp_path / "projects.csv"
    t.to_csv(path, index=False)
    mem = budget.spatialise(t, amount="amount")  # both engines snap coastal points by the one point rule
    big = budget.spatialise(path, amount="amount", engine="dask", blocksize=200_000)
    exact = budget.spatialise(path, amount="amount", engine="dask", blocksize=200_000, snap_km=0)
    assert exact.by_area.amount_cents.tolist() == budget.spatialise(t, amount="amount", snap_km=0).by_area.amount_cents.tolist()
    assert big.by_area.amount_cents.tolist() == mem.by_area.amount_cents.tolist()
    assert big.by_area.n_projects.tolist() == mem.by_area.n_projects.tolist()
    big.check()
    assert big.input_cents == mem.input_cents and "partitions" in big.allocations.rule.iloc[0]
    assert big.allocations.code.dtype == mem.allocations.code.dtype  # the same categories as the in-memory table
    assert big.unallocated_cents == mem.unallocated_cents


@pytest.mark.parametrize("level", ["district", "municipality"])
def test_points_placed_as_sjoin_and_snapped_to_the_nearest_area_as_sjoin_nearest(level):
    """The fast path (label grid, then cut outline pieces for the few points just outside) against
    geopandas: inside points as sjoin(within), snapped points at sjoin_nearest's distance."""
    import geopandas as gpd

    from ddmgeo import settings as s

    rng = np.random.default_rng(5)
    n = 20_000
    t = pd.DataFrame({"lon": rng.uniform(16.3, 33.0, n), "lat": rng.uniform(-35.0, -22.0, n), "amount": rng.integers(1, 10**6, n)})
    r = budget.spatialise(t, amount="amount", level=level, snap_km=5)
    r.check()
    got = r.allocations.set_index("row")
    polys = ddmgeo.boundaries(level)[["code", "geometry"]]
    pts = gpd.GeoDataFrame(t, geometry=gpd.points_from_xy(t.lon, t.lat), crs=4326)
    inside = gpd.sjoin(pts, polys, predicate="within", how="inner")
    assert (got.rule == "point").sum() == len(inside)
    assert (got.loc[inside.index, "code"].astype(str) == inside.code).all()
    rest = pts.drop(index=inside.index).to_crs(s.DISTANCE_CRS)
    near = gpd.sjoin_nearest(rest, polys.to_crs(s.DISTANCE_CRS), max_distance=5000, distance_col="d", how="inner")
    snapped = got[got.rule == "point (snapped to the nearest area)"]
    assert set(snapped.index) == set(near.index) and len(snapped) > 50
    best = near.groupby(level=0).d.min()
    chosen = near.set_index("code", append=True).d  # the distance to the area we chose is the least distance
    assert np.allclose([chosen[(i, c)] for i, c in zip(snapped.index, snapped.code.astype(str))], best[snapped.index], rtol=0, atol=1e-6)
    ties = near.groupby(level=0).code.agg(list)
    order = {c: k for k, c in enumerate(r.by_area.code)}
    for i, c in zip(snapped.index, snapped.code.astype(str)):  # equidistant areas: the first in code order
        tied = [x for x, d in zip(near.loc[[i]].code, near.loc[[i]].d) if abs(d - best[i]) < 1e-6]
        assert c == min(tied, key=order.get), (i, ties[i])
    assert set(r.unallocated.row) == set(range(n)) - set(got.index)


def test_allocations_are_categorical_and_write_plain_codes(tmp_path):
    t = pd.DataFrame({"where": ["Waterberg", "Limpopo", "DC36"], "rand": [100, 50, 1]})
    r = budget.spatialise(t, amount="rand", location="where")
    a = r.allocations
    assert isinstance(a.code.dtype, pd.CategoricalDtype) and list(a.code.cat.categories) == list(r.by_area.code)
    assert isinstance(a.rule.dtype, pd.CategoricalDtype)
    assert a.row.tolist() == [0, 1, 1, 1, 1, 1, 2] and a.code.iloc[0] == "DC36" and (a.code == "DC36").sum() == 3
    a.to_csv(tmp_path / "a.csv", index=False)
    back = pd.read_csv(tmp_path / "a.csv")
    assert back.code.tolist() == a.code.astype(str).tolist() and back.amount_cents.sum() == 15_100


@pytest.mark.parametrize(
    "lon, lat",
    [("lon", "lat"), ("Longitude", "Latitude"), ("GIS_Longitude", "GIS_Latitude"), ("x", "y"), (" LNG ", "Lat")],
)
def test_coordinate_columns_found_as_read_points_finds_them(lon, lat):
    """Both engines and read_points agree on which columns hold the coordinates."""
    t = pd.DataFrame({lon: [28.4, 29.5], lat: [-24.0, -23.9], "amount": [100, 50]})  # Waterberg, Capricorn
    pts = ddmgeo.overlays.read_points(t)
    assert pts.geometry.x.tolist() == [28.4, 29.5]
    for kw in ({}, {"location": [lon, lat]}):
        r = budget.spatialise(t, amount="amount", **kw)
        assert r.allocations.code.astype(str).tolist() == ["DC36", "DC35"] and set(r.allocations.rule) == {"point"}


def test_ambiguous_coordinate_columns_are_refused_with_the_fix(tmp_path):
    assert budget.BudgetError is ddmgeo.errors.BudgetError and issubclass(budget.BudgetError, ValueError)
    t = pd.DataFrame({"GIS_Longitude": [28.4], "gps_longitude": [28.4], "lat": [-24.0], "amount": [1]})
    with pytest.raises(ddmgeo.errors.BudgetError, match=r"Several columns could hold the longitude.*location="):
        budget.spatialise(t, amount="amount")
    r = budget.spatialise(t, amount="amount", location=["GIS_Longitude", "lat"])
    assert r.allocations.code.astype(str).tolist() == ["DC36"]
    pytest.importorskip("dask.dataframe")
    path = tmp_path / "p.csv"
    pd.DataFrame({"GIS Longitude": [28.4, 29.5], "GIS Latitude": [-24.0, -23.9], "amount": [1, 2]}).to_csv(path, index=False)
    big = budget.spatialise(path, amount="amount", engine="dask")
    assert big.by_area.set_index("code").amount_cents[["DC36", "DC35"]].tolist() == [100, 200]
    pd.DataFrame({"where": ["Waterberg"], "amount": [1]}).to_csv(path, index=False)
    with pytest.raises(ddmgeo.errors.TableError, match="Found no longitude column.*location="):
        budget.spatialise(path, amount="amount", engine="dask")
