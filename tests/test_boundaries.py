"""Boundaries on the real data: counts, code sets, hierarchy, areas, validity, cache."""

from __future__ import annotations

import warnings

import pyogrio
import pytest
import shapely

import ddmgeo
from ddmgeo import _cache, settings
from ddmgeo.errors import DataIntegrityWarning, DataNotAvailableError, GeometryRepairedWarning, VintageError

NATIONAL_KM2 = 1_221_037


@pytest.fixture(scope="module")
def layers(shared_data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GeometryRepairedWarning)
        return {
            "province": ddmgeo.boundaries("province"),
            "district": ddmgeo.districts(),
            "municipality": ddmgeo.boundaries("municipality"),
        }


@pytest.fixture(scope="module")
def mdb2016(shared_data):
    """The MDB's own 2016 attribute tables: the reference code sets."""
    base = shared_data / "boundaries" / "mdb_2016_attributes"
    return {
        "district": pyogrio.read_dataframe(base / "DistrictMunicipalities2016.dbf", read_geometry=False),
        "municipality": pyogrio.read_dataframe(base / "LocalMunicipalities2016.dbf", read_geometry=False),
    }


def test_counts(layers):
    assert len(layers["province"]) == 9
    d = layers["district"]
    assert len(d) == 52
    assert (d.category == "C").sum() == 44 and (d.category == "A").sum() == 8
    assert set(d.loc[d.category == "A", "code"]) == set(settings.METRO_CODES)
    assert d.code.str.match(r"^DC\d+$").sum() == 44
    m = layers["municipality"]
    assert len(m) == 213 and (m.category == "B").sum() == 205 and (m.category == "A").sum() == 8


def test_code_sets_equal_mdb_2016(layers, mdb2016):
    assert set(layers["district"].code) == set(mdb2016["district"].DISTRICT)
    assert set(layers["municipality"].code) == set(mdb2016["municipality"].CAT_B)
    assert set(layers["province"].code) == set(settings.PROVINCES)
    # parents and provinces agree with the MDB 2016 table for all 213
    ref = mdb2016["municipality"].set_index("CAT_B")
    m = layers["municipality"].set_index("code")
    assert (m.district_code == ref.DISTRICT.reindex(m.index)).all()
    assert (m.province_code == ref.PROVINCE.reindex(m.index)).all()
    assert (m.category == ref.CATEGORY.reindex(m.index)).all()


@pytest.mark.parametrize("level", ["province", "district", "municipality"])
def test_normalised_columns_crs_validity(layers, level):
    gdf = layers[level]
    assert gdf.crs.to_string() == settings.STORAGE_CRS
    for col in ("code", "name", "official_name", "province_code", "category", "area_km2", "geometry"):
        assert col in gdf.columns
    if level != "province":
        assert gdf["district_code"].notna().all()
    assert gdf.code.is_unique and gdf.name.notna().all() and (gdf.name != "").all()
    assert shapely.is_valid(gdf.geometry.values).all()
    assert not gdf.geometry.is_empty.any()
    assert gdf.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert gdf.attrs["ddmgeo"]["vintage"] == 2016 and "MDB 2020" in gdf.attrs["ddmgeo"]["geometry"]


def test_metro_is_district_and_municipality(layers):
    d = layers["district"].set_index("code")
    m = layers["municipality"].set_index("code")
    for code in settings.METRO_CODES:
        assert d.at[code, "category"] == "A" == m.at[code, "category"]
        assert m.at[code, "district_code"] == code
        assert d.at[code, "name"] == m.at[code, "name"]
        assert d.at[code, "geometry"].equals(m.at[code, "geometry"])


def test_municipality_district_in_same_province(layers):
    d = layers["district"].set_index("code")
    m = layers["municipality"]
    assert (m.province_code.values == d.province_code.reindex(m.district_code).values).all()


@pytest.mark.parametrize("nested", [True, False])
def test_municipalities_tile_their_district(layers, nested):
    m = layers["municipality"]
    d = layers["district"] if nested else ddmgeo.districts(nested=False)
    summed = m.groupby("district_code").area_km2.sum()
    rel = (summed.reindex(d.code).values - d.area_km2.values) / d.area_km2.values
    limit = 1e-6 if nested else 0.02  # the MDB's own district layer was generalised separately (README: <= 1.7 %)
    assert abs(rel).max() < limit
    if nested:
        # municipalities cover their district: union area equals the district area
        eq = m.to_crs(settings.EQUAL_AREA_CRS)
        dd = d.to_crs(settings.EQUAL_AREA_CRS).set_index("code")
        for code in ("DC36", "DC10", "JHB"):
            union = shapely.union_all(eq.loc[eq.district_code == code].geometry.values)
            assert abs(union.area - dd.at[code, "geometry"].area) / dd.at[code, "geometry"].area < 0.005


def test_national_area(layers):
    for level in ("province", "district", "municipality"):
        total = layers[level].area_km2.sum()
        assert abs(total - NATIONAL_KM2) / NATIONAL_KM2 < 0.01, (level, total)


def test_area_is_equal_area_not_degrees(layers):
    d = layers["district"].set_index("code")
    # Waterberg is about 44,900 km2 (MDB); the wrong CRS would give degrees² or a very different figure
    assert 44_000 < d.at["DC36", "area_km2"] < 46_000


def test_mdb_source_layers_when_not_nested(shared_data):
    d = ddmgeo.districts(nested=False)
    p = ddmgeo.boundaries("province", nested=False)
    assert len(d) == 52 and len(p) == 9
    assert d.attrs["ddmgeo"]["nested"] is False
    assert shapely.is_valid(p.geometry.values).all()  # FS is invalid in the source and is repaired


def test_repair_is_reported(shared_data, tmp_path, monkeypatch):
    """Repair warns when a layer is built from the source; stored loads (cache, core) carry the list in attrs."""
    from ddmgeo import _core

    monkeypatch.setenv("DDMGEO_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(_core, "read", lambda key, geo=False: None)  # build from the source file
    _cache.clear_memo()
    with pytest.warns(GeometryRepairedWarning, match="EC442"):
        gdf = ddmgeo.boundaries("municipality", vintage=2016)
    assert "EC442" in gdf.attrs["ddmgeo"]["repaired"]
    assert len(gdf) == 213  # repaired, never dropped
    _cache.clear_memo()
    with warnings.catch_warnings():
        warnings.simplefilter("error", GeometryRepairedWarning)
        assert ddmgeo.boundaries("municipality").attrs["ddmgeo"]["repaired"] == ["EC442"]


def test_wards_2021(shared_data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GeometryRepairedWarning)
        w = ddmgeo.boundaries("ward", vintage=2021)
    assert len(w) == 4468 and w.code.str.fullmatch(r"\d{8}").all()
    assert w.category.isna().all()
    assert w.municipality_code.notna().all() and w.district_code.notna().all() and w.province_code.notna().all()
    assert shapely.is_valid(w.geometry.values).all()
    assert w.groupby("municipality_code").size().sum() == 4468


def test_wards_of_2016_are_not_available_and_say_why(shared_data):
    with pytest.raises(DataNotAvailableError, match="vintage=2021"):
        ddmgeo.boundaries("ward")


def test_vintage_2011(shared_data):
    m = ddmgeo.boundaries("municipality", vintage=2011)
    d = ddmgeo.boundaries("district", vintage=2011)
    p = ddmgeo.boundaries("province", vintage=2011)
    assert len(m) == 234 and len(d) == 52 and len(p) == 9
    assert (m.category == "A").sum() == 8
    names = d.set_index("code").name
    assert names["DC10"] == "Cacadu" and names["DC8"] == "Siyanda" and names["DC43"] == "Sisonke"
    # names are complete (the source truncates them to 20 characters)
    assert m.set_index("code").name["EC157"] == "King Sabata Dalindyebo"
    assert abs(d.area_km2.sum() - NATIONAL_KM2) / NATIONAL_KM2 < 0.01


def test_vintage_2021_equals_2016_codes(layers):
    d21 = ddmgeo.districts(vintage=2021)
    assert list(d21.code) == list(layers["district"].code)
    assert ddmgeo.districts(vintage=2020).attrs["ddmgeo"]["vintage"] == 2021


def test_full_resolution_offline_is_clear(shared_data, monkeypatch):
    monkeypatch.setenv("DDMGEO_OFFLINE", "1")
    with pytest.raises(DataNotAvailableError) as info:
        ddmgeo.districts(resolution="full")
    msg = str(info.value)
    assert "mdb2016_districts_full" in msg and "media.githubusercontent.com" in msg and "DDMGEO_DATA_DIR" in msg
    with pytest.raises(DataNotAvailableError, match="full-resolution|Full-resolution"):
        ddmgeo.boundaries("municipality", resolution="full")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"level": "county"}, "Unknown level"),
        ({"level": "district", "vintage": 2019}, "Unknown boundary vintage"),
        ({"level": "district", "vintage": "latest"}, "Unknown boundary vintage"),
        ({"level": "district", "resolution": "high"}, "Unknown resolution"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(VintageError, match=match):
        ddmgeo.boundaries(**kwargs)


def test_second_load_comes_from_the_cache(shared_data, monkeypatch):
    from ddmgeo import _core, areas

    monkeypatch.setattr(_core, "read", lambda key, geo=False: None)  # the cache path, not the embedded core
    _cache.clear_memo()
    first = ddmgeo.districts()
    key_files = list((settings.cache_dir() / "normalised").glob(f"district-2016-*{_cache.SUFFIX}"))
    assert key_files, "the normalised layer was not cached"
    _cache.clear_memo()

    def boom(*a, **k):
        raise AssertionError("source re-read although a cached layer exists")

    monkeypatch.setattr(areas, "_read_source", boom)
    again = ddmgeo.districts()
    assert again.equals(first)
    assert again.attrs["ddmgeo"]["geometry"] == first.attrs["ddmgeo"]["geometry"]


def test_corrupt_cached_layer_is_rebuilt(shared_data, monkeypatch):
    from ddmgeo import _core

    monkeypatch.setattr(_core, "read", lambda key, geo=False: None)  # the cache path, not the embedded core
    _cache.clear_memo()
    ddmgeo.districts()
    damaged = list((settings.cache_dir() / "normalised").glob(f"district-2016-*{_cache.SUFFIX}"))
    assert damaged
    for f in damaged:
        f.write_bytes(b"ARROW1 garbage")
    _cache.clear_memo()
    with pytest.warns(DataIntegrityWarning, match="does not match the sha256"):
        gdf = ddmgeo.districts()
    assert len(gdf) == 52


def test_returned_frames_are_copies(shared_data):
    a = ddmgeo.districts()
    a.loc[0, "name"] = "changed"
    assert ddmgeo.districts().loc[0, "name"] != "changed"


def test_areas_table_needs_no_data(monkeypatch):
    monkeypatch.delenv("DDMGEO_DATA_DIR", raising=False)
    t = ddmgeo.areas_table("district")
    assert len(t) == 52 and set(t.category) == {"A", "C"}
    assert len(ddmgeo.areas_table("municipality", vintage=2011)) == 234
