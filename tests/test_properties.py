"""Invariants, checked with hypothesis on generated values over the real code lists."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ddmgeo
from ddmgeo import indicators as I

MUNIS_2016 = ddmgeo.areas_table("municipality")
MUNIS_2011 = ddmgeo.areas_table("municipality", vintage=2011)

counts_2016 = st.lists(st.integers(min_value=0, max_value=10**9), min_size=len(MUNIS_2016), max_size=len(MUNIS_2016))
counts_2011 = st.lists(st.integers(min_value=0, max_value=10**9), min_size=len(MUNIS_2011), max_size=len(MUNIS_2011))
fast = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fast
@given(counts_2016, st.sampled_from(["district", "province", "country"]))
def test_aggregation_conserves_counts(values, to):
    t = pd.DataFrame({"code": MUNIS_2016.code, "jobs": np.array(values, dtype=float)})
    out = I.aggregate(t, to=to, kinds={"jobs": "count"})
    assert out.jobs.sum() == t.jobs.sum()
    assert out.jobs.notna().all() and (out.missing_parts == "").all()


@fast
@given(counts_2016, counts_2016)
def test_aggregated_share_is_ratio_of_sums(num, extra):
    num = np.array(num, dtype=float)
    den = num + np.array(extra, dtype=float)
    t = pd.DataFrame({"code": MUNIS_2016.code, "n": num, "d": den})
    with np.errstate(invalid="ignore", divide="ignore"):
        t["r"] = np.where(den > 0, num / den, np.nan)
    out = I.aggregate(t, to="district", kinds={"n": "count", "d": "count", "r": ("share", "n", "d")}).set_index("code")
    ok = out.d > 0
    assert np.allclose(out.r[ok], (out.n / out.d)[ok])
    assert ((out.r[ok] >= 0) & (out.r[ok] <= 1)).all()


@fast
@given(counts_2011)
def test_harmonisation_conserves_totals(values):
    t = pd.DataFrame({"code": MUNIS_2011.code, "people": np.array(values, dtype=float)})
    new = I.harmonise(t, kinds={"people": "count"})
    assert set(new.code) == set(MUNIS_2016.code)
    assert new.people.sum() == __import__("pytest").approx(t.people.sum(), rel=1e-9, abs=1e-6)


@fast
@given(counts_2016, st.integers(min_value=0, max_value=len(MUNIS_2016) - 1))
def test_a_missing_part_is_never_zero(values, hole):
    t = pd.DataFrame({"code": MUNIS_2016.code, "jobs": np.array(values, dtype=float)})
    t.loc[hole, "jobs"] = np.nan
    out = I.aggregate(t, to="district", kinds={"jobs": "count"}).set_index("code")
    district = MUNIS_2016.district_code.iloc[hole]
    assert np.isnan(out.at[district, "jobs"])
    assert MUNIS_2016.code.iloc[hole] in out.at[district, "missing_parts"].split(";")
    assert out.drop(index=district).jobs.notna().all()


@fast
@given(st.lists(st.sampled_from(list(MUNIS_2016.name) + list(MUNIS_2016.code)), min_size=1, max_size=50))
def test_resolve_never_loses_or_reorders_rows(names):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = ddmgeo.resolve(names, level="municipality", errors="coerce")
    assert len(out) == len(names)
    table = MUNIS_2016.set_index("code")
    for given_name, code in zip(names, out):
        if code is None:  # only the names two municipalities share (Emalahleni) may fail
            assert (MUNIS_2016.name == given_name).sum() > 1
        else:
            assert given_name == code or table.at[code, "name"] == given_name


DISTRICT_CODES = list(ddmgeo.areas_table("district").code)
_UNKNOWN = ["DC99", "XX1", "WC999", "ZZ"]


@lru_cache(maxsize=1)
def _districts():
    return ddmgeo.boundaries("district")


@fast
@given(
    st.lists(st.sampled_from(DISTRICT_CODES + _UNKNOWN), unique=True, min_size=1, max_size=60),
    st.sampled_from(["left", "inner"]),
)
def test_joins_never_lose_rows(codes, how):
    gdf = _districts()
    table = pd.DataFrame({"code": codes, "v": np.arange(len(codes), dtype=float)})
    out, report = ddmgeo.join(gdf, table, how=how)
    known = [c for c in codes if c in set(DISTRICT_CODES)]
    # every table row is either placed on its area or reported, never dropped
    assert report.n_rows == len(codes)
    assert report.matched == len(known) and report.matched + len(report.unmatched) == len(codes)
    assert sorted(report.unmatched["value"].astype(str)) == sorted(c for c in codes if c not in set(DISTRICT_CODES))
    # every boundary row is kept (left) or exactly the matched ones (inner), in the boundaries' order
    expected = DISTRICT_CODES if how == "left" else [c for c in gdf.code if c in set(known)]
    assert out.code.tolist() == [c for c in gdf.code if c in set(expected)]
    values = dict(zip(codes, table.v))
    got = out.set_index("code").v
    assert all(got[c] == values[c] for c in known)
    assert sorted(report.missing_areas) == sorted(set(DISTRICT_CODES) - set(known))
