"""Damaged cache files: every stored product is checked against the sha256 written with it.

A normalised layer, a fact table, an overlay's label grid or coverage structure with one flipped bit (or a
changed ``attrs`` sidecar, a truncated file, a missing sidecar) is rebuilt with a ``DataIntegrityWarning``
and the value served is the one built, never the damaged one; when it cannot be rebuilt (the source data is
gone) the build's ddmgeo error is raised. A layer read back from the cache, in another process, is the layer
a fresh build returns: ``str(crs) == "EPSG:4326"``, the same dtypes, column order, values and ``attrs``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import ddmgeo
from ddmgeo import _cache, _core, settings
from ddmgeo.errors import DataIntegrityWarning, DataNotAvailableError, DDMGeoError

pytestmark = pytest.mark.usefixtures("shared_data")


@pytest.fixture()
def cache_only(tmp_path, monkeypatch):
    """An empty user cache and no embedded core: products come from the cache or are built."""
    monkeypatch.setenv("DDMGEO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(_core, "read", lambda key, geo=False: None)
    _cache.clear_memo()
    yield tmp_path / "cache"
    _cache.clear_memo()


def _flip(path, where: float = 0.5, bit: int = 0x01) -> None:
    data = bytearray(path.read_bytes())
    data[int(len(data) * where)] ^= bit
    path.write_bytes(bytes(data))


def _layer_file(level: str = "district"):
    (path,) = (settings.cache_dir() / "normalised").glob(f"{level}-2016-*{_cache.SUFFIX}")
    return path


def _again(level: str = "district"):
    _cache.clear_memo()
    with pytest.warns(DataIntegrityWarning, match="it was not used and is rebuilt"):
        return ddmgeo.boundaries(level)


@pytest.mark.parametrize("where", [0.01, 0.5, 0.99], ids=["head", "middle", "tail"])
def test_a_flipped_bit_in_a_cached_layer_is_rebuilt(cache_only, where):
    good = ddmgeo.districts()
    path = _layer_file()
    _flip(path, where)
    again = _again()
    pd.testing.assert_frame_equal(pd.DataFrame(again), pd.DataFrame(good))
    assert again.attrs == good.attrs and str(again.crs) == "EPSG:4326"
    _cache.clear_memo()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataIntegrityWarning)  # the rebuild was stored again, sealed
        pd.testing.assert_frame_equal(pd.DataFrame(ddmgeo.districts()), pd.DataFrame(good))


def test_a_changed_number_in_the_attrs_sidecar_is_rebuilt(cache_only):
    good = ddmgeo.boundaries("province")
    side = _layer_file("province").with_suffix(".json")
    doc = json.loads(side.read_text())
    doc["attrs"]["ddmgeo"]["vintage"] = 1999  # the JSON still parses: only its checksum tells
    side.write_text(json.dumps(doc))
    again = _again("province")
    assert again.attrs == good.attrs and again.attrs["ddmgeo"]["vintage"] == 2016


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 3]), id="truncated"),
        pytest.param(lambda p: p.write_bytes(b""), id="empty"),
        pytest.param(lambda p: p.with_suffix(".json").write_text("{not json"), id="sidecar-not-json"),
        pytest.param(lambda p: _flip(p.with_suffix(".json"), 0.3, 0x80), id="sidecar-bad-utf8"),
    ],
)
def test_a_damaged_cache_file_or_sidecar_is_rebuilt(cache_only, damage):
    good = ddmgeo.boundaries("province")
    damage(_layer_file("province"))
    again = _again("province")
    pd.testing.assert_frame_equal(pd.DataFrame(again), pd.DataFrame(good))


def test_a_flipped_bit_that_cannot_be_rebuilt_is_refused(cache_only, monkeypatch):
    """No source data to rebuild from: a ddmgeo error, not the damaged layer."""
    ddmgeo.districts()
    _flip(_layer_file())
    monkeypatch.delenv("DDMGEO_DATA_DIR")
    _cache.clear_memo()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataIntegrityWarning)
        with pytest.raises(DataNotAvailableError) as info:
            ddmgeo.districts()
    assert isinstance(info.value, DDMGeoError) and "ddm data fetch" in str(info.value)
    assert not list((settings.cache_dir() / "normalised").glob(f"district-2016-*{_cache.SUFFIX}")), "the damaged file was kept"


def test_a_flipped_bit_in_cached_facts_is_rebuilt(cache_only):
    from ddmgeo import _sources

    name = "cs2016_population_age_districts"
    good = _sources.facts(name).copy()
    _flip(_cache.cache_path(_sources.facts_key(name)), 0.7)
    _cache.clear_memo()
    with pytest.warns(DataIntegrityWarning):
        again = _sources.facts(name)
    pd.testing.assert_frame_equal(again, good)


# --------------------------------------------------------------------------- overlay cache files


def _areas_frame():
    import geopandas as gpd
    from shapely.geometry import box

    return gpd.GeoDataFrame({"code": ["A", "B"]}, geometry=[box(27, -26, 28, -25), box(28, -26, 29, -25)], crs=4326)


def test_a_flipped_bit_in_a_cached_label_grid_is_rebuilt(tmp_path, monkeypatch):
    from ddmgeo import _area_sets as _areas
    from ddmgeo import _locator

    monkeypatch.setenv("DDMGEO_CACHE_DIR", str(tmp_path))
    aset = _areas.resolve_areas(None, areas=_areas_frame())
    x, y = np.array([27.5, 28.5, 30.0]), np.array([-25.5, -25.5, -25.5])
    built, _ = _locator.locator(aset).locate(x, y)
    path = _areas.cache_file("locator", f"{aset.key}-{_locator.SMALL_GRID_SIZE}")
    _locator._MEMO.clear()
    assert _areas.load_arrays(path) is not None and _cache.sidecar(path).is_file()
    _flip(path, 0.6)
    with pytest.warns(DataIntegrityWarning):
        assert _areas.load_arrays(path) is None  # not served; deleted
    assert not path.exists()
    again, _ = _locator.locator(aset).locate(x, y)  # rebuilt
    assert np.array_equal(built, again) and list(aset.codes[again[again >= 0]]) == ["A", "B"]


def test_an_unsealed_overlay_cache_file_is_not_used(tmp_path, monkeypatch):
    from ddmgeo import _area_sets as _areas

    monkeypatch.setenv("DDMGEO_CACHE_DIR", str(tmp_path))
    path = _areas.cache_file("locator", "test")
    _areas.save_arrays(path, {"a": np.arange(10)})
    assert _areas.load_arrays(path)["a"].tolist() == list(range(10))
    _cache.sidecar(path).unlink()  # e.g. an older ddmgeo's file, or a writer stopped before sealing it
    assert _areas.load_arrays(path) is None
    _areas.save_arrays(path, {"a": np.arange(3)})
    _cache.sidecar(path).write_text("0" * 64 + "\n")
    with pytest.warns(DataIntegrityWarning):
        assert _areas.load_arrays(path) is None


def test_a_flipped_bit_in_a_cached_coverage_is_rebuilt(tmp_path, monkeypatch):
    import rasterio
    from affine import Affine

    from ddmgeo import _zonal, overlays

    monkeypatch.setenv("DDMGEO_CACHE_DIR", str(tmp_path / "cache"))
    raster = tmp_path / "r.tif"
    with rasterio.open(raster, "w", driver="GTiff", height=8, width=16, count=1, dtype="float32", crs="EPSG:4326", transform=Affine(0.125, 0, 27, 0, -0.125, -25)) as dst:
        dst.write(np.ones((8, 16), "float32"), 1)
    first = overlays.zonal_stats(raster, areas=_areas_frame(), stats=["sum"])
    (path,) = [p for p in (tmp_path / "cache" / "overlays").iterdir() if p.name.startswith("zonal-fractional") and p.suffix == ".npz"]
    _zonal._MEMO.clear()
    _flip(path, 0.8)
    with pytest.warns(DataIntegrityWarning):
        again = overlays.zonal_stats(raster, areas=_areas_frame(), stats=["sum"])
    pd.testing.assert_frame_equal(pd.DataFrame(again), pd.DataFrame(first))
    assert first["sum"].tolist() == [64.0, 64.0]


# --------------------------------------------------------------------------- the same layer in a second process

_DESCRIBE = """
import json, sys, warnings
warnings.simplefilter("ignore")
import ddmgeo
from ddmgeo import _core, areas
_core.read = lambda key, geo=False: None          # the user cache, not the embedded core
if sys.argv[1] == "read":                          # the second process must not build
    areas._read_source = lambda *a, **k: sys.exit("rebuilt instead of read from the cache")
out = {}
for name, frame in (("district", ddmgeo.districts()), ("municipality", ddmgeo.boundaries("municipality")),
                    ("carto", __import__("ddmgeo._cartographic", fromlist=["x"]).cartographic("province"))):
    out[name] = {
        "str": str(frame.crs), "to_string": frame.crs.to_string(), "srs": frame.crs.srs, "epsg": frame.crs.to_epsg(),
        "dtypes": [str(t) for t in frame.dtypes], "columns": list(frame.columns), "index": [str(frame.index.dtype), len(frame)],
        "geometry": frame.geometry.name, "values": frame.drop(columns=frame.geometry.name).to_json(),
        "wkb": [g.hex() for g in frame.geometry.to_wkb()][:5], "attrs": frame.attrs,
    }
print(json.dumps(out, default=str))
"""


def test_a_layer_read_back_in_another_process_is_the_layer_built(tmp_path, shared_data):
    env = dict(os.environ, DDMGEO_CACHE_DIR=str(tmp_path / "cache"), DDMGEO_DATA_DIR=str(shared_data))

    def describe(mode):
        res = subprocess.run([sys.executable, "-c", _DESCRIBE, mode], env=env, capture_output=True, text=True, timeout=600)
        assert res.returncode == 0, res.stderr[-2000:]
        return json.loads(res.stdout)

    built, read = describe("build"), describe("read")
    for name in built:
        assert read[name] == built[name], name
        assert read[name]["str"] == read[name]["to_string"] == read[name]["srs"] == "EPSG:4326", read[name]["str"][:80]


def test_a_crs_other_than_storage_reads_back_by_its_name():
    """A stored frame in another CRS comes back with the CRS text it was made with, not a PROJJSON document."""
    import geopandas as gpd
    from shapely.geometry import Point

    for crs in ("EPSG:32735", "ESRI:102022", "+proj=aea +lat_1=-24 +lat_2=-33 +lon_0=25 +datum=WGS84 +units=m +no_defs"):
        frame = gpd.GeoDataFrame({"code": ["A"], "v": [1.5]}, geometry=[Point(1, 2)], crs=crs)
        back = _cache.from_bytes(_cache.to_bytes(frame), {}, geo=True)
        assert back.crs == frame.crs and str(back.crs) == str(frame.crs) and not str(back.crs).startswith("{"), crs
        assert list(back.columns) == list(frame.columns) and list(back.dtypes) == list(frame.dtypes)
