"""The embedded core, the indicator cube and the verified store of normalised products."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import shapely

import ddmgeo
from ddmgeo import _cache, _core, _registry
from ddmgeo.errors import DataIntegrityWarning, DataNotAvailableError
from ddmgeo.indicators import _cube, _engine

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture()
def no_data(tmp_path, monkeypatch):
    """A machine with nothing set up: no data folder, an empty cache, offline."""
    monkeypatch.delenv("DDMGEO_DATA_DIR", raising=False)
    monkeypatch.setenv("DDMGEO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DDMGEO_OFFLINE", "1")
    _cache.clear_memo()
    _engine.clear_memo()
    yield tmp_path
    _cache.clear_memo()
    _engine.clear_memo()


def test_core_is_small_and_names_its_sources():
    assert _core.CORE_FILE.is_file()
    assert _core.CORE_FILE.stat().st_size <= _core.MAX_BYTES
    doc = _core.manifest()
    assert doc["datasets"], "the core records the datasets it was built from"
    for name, sha in doc["datasets"].items():
        ds = _registry.get(name)
        assert sha == (ds.sha256 or ds.git_blob), f"{name}: the core was built from another version; run tools/build_core.py"
        assert not ds.noncommercial


def test_core_holds_what_the_main_jobs_need():
    keys = _core.keys()
    for prefix in ("province-2016-", "district-2016-", "municipality-2016-", "carto-district-2016-", "cube-"):
        assert any(k.startswith(prefix) for k in keys), prefix
    assert _cube.cube_key() in keys, "the core's cube is stale: run `DDMGEO_DATA_DIR=../shared/data python tools/build_core.py`"
    assert not any("ward" in k for k in keys)


def test_the_neighbouring_countries_come_from_the_core_offline(no_data):
    from ddmgeo import _cartographic

    assert any(k.startswith("neighbours-") for k in _core.keys())
    countries = _cartographic.neighbours()
    land = countries[countries["kind"] == "land"]
    assert sorted(land["name"]) == ["Botswana", "Lesotho", "Mozambique", "Namibia", "Zimbabwe", "eSwatini"]
    assert str(countries.crs) == "EPSG:4326" and countries.geometry.is_valid.all()
    # Lesotho fills the hole South Africa's boundary leaves for it (its land reaches a little under South Africa)
    sa = shapely.union_all(ddmgeo.boundaries("province").to_crs("ESRI:102022").geometry.values)
    mainland = max(getattr(sa, "geoms", [sa]), key=lambda g: g.area)
    hole = max((shapely.Polygon(ring) for ring in mainland.interiors), key=lambda g: g.area)
    lesotho = land[land["name"] == "Lesotho"].to_crs("ESRI:102022").geometry.iloc[0]
    assert hole.difference(lesotho).area < 0.001 * hole.area


def test_core_members_match_the_manifest():
    doc = _core.manifest()
    with zipfile.ZipFile(_core.CORE_FILE) as zf:
        for key, entry in doc["members"].items():
            assert hashlib.sha256(zf.read(f"{key}{_cache.SUFFIX}")).hexdigest() == entry["sha256"]


def test_core_rebuilds_from_the_registered_data(shared_data, registry_downloads, tmp_path, monkeypatch):
    """tools/build_core.py from the shared data gives a core with the same contents as the committed one."""
    out = tmp_path / "core.zip"
    env = dict(os.environ, DDMGEO_DATA_DIR=str(shared_data))
    env.pop("DDMGEO_OFFLINE", None)  # the upstream files the shared data lacks are downloaded (registry_downloads proved they can be)
    subprocess.run([sys.executable, str(REPO / "tools" / "build_core.py"), "--out", str(out)], check=True, env=env, capture_output=True)
    with zipfile.ZipFile(out) as zf:
        built = json.loads(zf.read("manifest.json"))
    committed = _core.manifest()
    assert built["datasets"] == committed["datasets"]
    assert sorted(built["members"]) == sorted(committed["members"])
    with zipfile.ZipFile(out) as new, zipfile.ZipFile(_core.CORE_FILE) as old:
        for key in committed["members"]:
            geo = not key.startswith(("facts-", "cube-"))
            a = _cache.from_bytes(new.read(f"{key}{_cache.SUFFIX}"), built["members"][key]["attrs"], geo=geo)
            b = _cache.from_bytes(old.read(f"{key}{_cache.SUFFIX}"), committed["members"][key]["attrs"], geo=geo)
            pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)
            assert a.attrs == b.attrs, key


def test_everything_works_offline_from_the_core(no_data):
    import ddmgeo
    from ddmgeo import indicators

    d = ddmgeo.districts()
    assert len(d) == 52 and str(d.crs) == "EPSG:4326"
    t = indicators.get(["population", "unemployment_rate", "piped_water_share"], level="municipality")
    assert len(t) == 213 and t["population"].notna().all()
    by = indicators.get("youth_share", by="sex", level="province")
    assert by["youth_share"].between(0, 1).all()
    with pytest.raises(DataNotAvailableError) as err:
        ddmgeo.boundaries("ward", vintage=2021)
    assert "ddm data fetch mdb2020_openup" in str(err.value)


def test_the_cube_answers_as_the_engine_does(shared_data, monkeypatch):
    """Values served from the cube equal a fresh computation from the facts."""
    ids = ["population", "households", "unemployment_rate", "income_poverty_rate", "sex_ratio", "clean_audit_share", "population_estimate"]
    cases = [(i, lv, y) for i in ids for lv in ("country", "province", "district", "municipality") for y in (None, 2011, 2016)]
    _engine.clear_memo()
    served = {}
    for i, lv, y in cases:
        try:
            served[(i, lv, y)] = _engine.compute(i, lv, y, 2016)
        except Exception as exc:  # the same error must come from the engine
            served[(i, lv, y)] = type(exc)
    assert _cube.available() is not None
    monkeypatch.setattr(_cube, "lookup", lambda *a, **k: None)
    _engine.clear_memo()
    for key, got in served.items():
        try:
            want = _engine.compute(key[0], key[1], key[2], 2016)
        except Exception as exc:
            assert got is type(exc), key
            continue
        assert not isinstance(got, type), key
        assert (got.year, got.sources, got.notes, got.definition.id) == (want.year, want.sources, want.notes, want.definition.id), key
        pd.testing.assert_frame_equal(got.frame, want.frame, check_exact=False, rtol=1e-12)
    _engine.clear_memo()


def test_a_stale_cube_is_not_served(no_data, monkeypatch):
    """A cube built from other data (another key) is never used: the engine computes from the facts."""
    monkeypatch.setattr(_cube, "cube_key", lambda: "cube-0000000000000000-c1-v2")
    _cube.forget()
    from ddmgeo import indicators

    t = indicators.get("population", level="province")
    assert _cube.available() is None
    assert t["population"].sum() > 50e6
    _cube.forget()


def _tampered_core(tmp_path: Path, key: str) -> Path:
    """A copy of the core whose member *key* has one flipped bit."""
    copy = tmp_path / "core.zip"
    with zipfile.ZipFile(_core.CORE_FILE) as src, zipfile.ZipFile(copy, "w", compression=zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            data = bytearray(src.read(info))
            if info.filename == f"{key}{_cache.SUFFIX}":
                data[len(data) // 2] ^= 0x10
            dst.writestr(info, bytes(data))
    return copy


def test_a_corrupt_core_member_is_refused(no_data, monkeypatch):
    key = next(k for k in _core.keys() if k.startswith("district-2016-"))
    monkeypatch.setattr(_core, "CORE_FILE", _tampered_core(no_data, key))
    _core.manifest.cache_clear()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert _core.read(key, geo=True) is None
        assert any(issubclass(w.category, DataIntegrityWarning) and "corrupt" in str(w.message) for w in caught)
        import ddmgeo

        with pytest.raises(DataNotAvailableError), warnings.catch_warnings():
            warnings.simplefilter("ignore", DataIntegrityWarning)
            ddmgeo.districts()  # not served from the corrupt member, and no data to rebuild it from
    finally:
        _core.manifest.cache_clear()


def test_a_flipped_bit_in_the_cache_is_rebuilt(shared_data, tmp_path, monkeypatch):
    """A cached product whose bytes changed is deleted and built again, never served."""
    monkeypatch.setenv("DDMGEO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(_core, "read", lambda key, geo=False: None)  # the cache path alone
    _cache.clear_memo()
    from ddmgeo import _sources

    good = _sources.facts("cs2016_population_age_districts").copy()
    path = _cache.cache_path(_sources.facts_key("cs2016_population_age_districts"))
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    _cache.clear_memo()
    with pytest.warns(DataIntegrityWarning, match="does not match the sha256"):
        again = _sources.facts("cs2016_population_age_districts")
    pd.testing.assert_frame_equal(again, good)
    _cache.clear_memo()


def test_a_layer_read_back_is_the_layer_built(shared_data, tmp_path):
    """Build in one process, reload from the cache in another: same CRS text, dtypes, columns and values."""
    code = (
        "import json, ddmgeo; from ddmgeo import _core; _core.read = lambda key, geo=False: None; "
        "d = ddmgeo.boundaries('municipality'); "
        "print(json.dumps({'crs': str(d.crs), 'dtypes': [str(t) for t in d.dtypes], 'columns': list(d.columns), "
        "'area': float(d.area_km2.sum()), 'wkb': d.geometry.to_wkb().map(len).sum().item(), 'attrs': d.attrs}, default=str))"
    )
    env = dict(os.environ, DDMGEO_CACHE_DIR=str(tmp_path / "cache"), DDMGEO_DATA_DIR=str(shared_data))
    first = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True).stdout
    second = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True).stdout
    assert json.loads(first) == json.loads(second)
    assert json.loads(second)["crs"] == "EPSG:4326"


def test_the_newcomer_command_works_with_nothing_set_up(tmp_path):
    """README command 1's main job, in a folder with no data beside it, no variables, an empty cache, offline."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DDMGEO_")}
    env.update(DDMGEO_OFFLINE="1", XDG_CACHE_HOME=str(tmp_path / "xdg"), HOME=str(tmp_path))
    ddm = shutil.which("ddm") or f"{sys.executable} -m ddmgeo.cli"
    out = tmp_path / "waterberg.html"
    run = subprocess.run([*ddm.split(), "profile", "Waterberg", "--out", str(out)], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    html = out.read_text(encoding="utf-8")
    assert "Waterberg" in html and "Executive summary" in html
    assert "Traceback" not in run.stderr


ON_DEMAND = {"projects", "issues", "sources"}  # the national projects (and need against their spend) stay on demand


def _content(p) -> dict:
    return {
        s.id: (s.paragraphs, [(t.title, t.frame.to_dict("records"), t.note) for t in s.tables if t.title != "Health facilities"], [f.svg for f in s.figures], [n for n in s.not_available if not n.startswith("Health facilities")])
        for s in p.sections
        if s.id not in ON_DEMAND
    }


def test_the_profile_from_the_core_equals_the_profile_from_the_data(shared_data, tmp_path, monkeypatch):
    import ddmgeo

    with_data = ddmgeo.profile("Waterberg")
    monkeypatch.delenv("DDMGEO_DATA_DIR")
    monkeypatch.setenv("DDMGEO_CACHE_DIR", str(tmp_path / "cache"))
    _cache.clear_memo()
    _engine.clear_memo()
    from ddmgeo.profiles import _sections as sections

    sections._facility_counts.cache_clear()
    sections._national_projects.cache_clear()
    try:
        from_core = ddmgeo.profile("Waterberg")
        assert _content(from_core) == _content(with_data)
        assert any("ddm data fetch dsfsi_hospitals" in n for n in from_core.section("social").not_available)
        assert any("ddm data build infrastructure_projects_br2019" in n for n in from_core.section("projects").not_available)
    finally:
        _cache.clear_memo()
        _engine.clear_memo()
        sections._facility_counts.cache_clear()
        sections._national_projects.cache_clear()
