"""Every derived dataset is rebuilt from its pinned upstream files, byte-identical to the registered sha256.

The data folder these builds see holds only ``raw/`` (linked from the shared data) and the
registered upstream files that some recipes take as inputs, so a pass proves that nothing in
the product depends on a hand-made file.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from ddmgeo import _recipes, _registry, datasets
from ddmgeo.errors import DataIntegrityError, DataNotAvailableError

DERIVED = sorted(name for name, ds in _registry.datasets().items() if ds.recipe)


def test_every_derived_dataset_has_a_recipe():
    no_way = [name for name, ds in _registry.datasets().items() if not ds.url and not ds.recipe and ds.git_blob == "" and ds.sha256]
    assert no_way == [], f"derived datasets without a recipe: {no_way}"


@pytest.fixture(scope="module")
def raw_only(shared_data, registry_downloads, tmp_path_factory) -> Path:
    """A data folder holding raw/ and the upstream datasets recipes read, nothing derived."""
    root = tmp_path_factory.mktemp("raw-only")
    (root / "raw").symlink_to(shared_data / "raw", target_is_directory=True)
    for ds in _registry.datasets().values():
        for item in ds.inputs:
            if item.dataset:
                src = _registry.get(item.dataset)
                dest = root / src.path
                dest.parent.mkdir(parents=True, exist_ok=True)
                if not dest.exists():
                    held = shared_data / src.path
                    dest.symlink_to(held if held.exists() else registry_downloads / src.path)
    return root


@pytest.mark.parametrize("name", DERIVED)
def test_recipe_rebuilds_the_registered_file(name, raw_only, tmp_path, monkeypatch):
    monkeypatch.setenv("DDMGEO_DATA_DIR", str(raw_only))
    monkeypatch.setenv("DDMGEO_CACHE_DIR", str(tmp_path / "cache"))
    ds = _registry.get(name)
    out = datasets.build(name, to=tmp_path / "built")
    assert out == tmp_path / "built" / ds.path
    assert hashlib.sha256(out.read_bytes()).hexdigest() == ds.sha256
    leftovers = [p.name for p in out.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_fetch_builds_a_derived_dataset_into_the_cache(raw_only, tmp_path, monkeypatch):
    monkeypatch.setenv("DDMGEO_DATA_DIR", str(raw_only))
    monkeypatch.setenv("DDMGEO_CACHE_DIR", str(tmp_path / "cache"))
    path = datasets.fetch("wazimap_geographies")
    assert path == tmp_path / "cache" / _registry.get("wazimap_geographies").path
    assert datasets.locate("wazimap_geographies") == path


def test_an_input_with_the_wrong_hash_stops_the_build(raw_only, tmp_path, monkeypatch):
    ds = _registry.get("youth_explorer_mpi_2011")
    fake = tmp_path / "data"
    item = ds.inputs[0]
    bad = fake / item.path
    bad.parent.mkdir(parents=True)
    bad.write_text("COPY nothing FROM stdin;\n\\.\n")
    monkeypatch.setenv("DDMGEO_DATA_DIR", str(fake))
    monkeypatch.setenv("DDMGEO_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(DataIntegrityError) as err:
        datasets.build(ds.name, to=tmp_path / "out")
    text = str(err.value)
    assert str(bad) in text and item.sha256 in text and hashlib.sha256(bad.read_bytes()).hexdigest() in text
    assert not (tmp_path / "out" / ds.path).exists()


def test_a_wrong_output_is_discarded(raw_only, tmp_path, monkeypatch):
    monkeypatch.setenv("DDMGEO_DATA_DIR", str(raw_only))
    monkeypatch.setenv("DDMGEO_CACHE_DIR", str(tmp_path / "cache"))
    ds = _registry.get("wazimap_geographies")

    def sloppy(inputs, out):
        out.write_text("code\nDC36\n")

    monkeypatch.setattr(_recipes, "recipe_function", lambda _ds: sloppy)
    with pytest.raises(DataIntegrityError, match="registry expects"):
        datasets.build(ds.name, to=tmp_path / "out")
    folder = tmp_path / "out" / Path(ds.path).parent
    assert not (tmp_path / "out" / ds.path).exists()
    assert [p for p in folder.iterdir()] == []


def test_offline_without_inputs_says_what_fixes_it_in_three_lines(tmp_path, monkeypatch):
    monkeypatch.setenv("DDMGEO_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("DDMGEO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DDMGEO_OFFLINE", "1")
    with pytest.raises(DataNotAvailableError) as err:
        datasets.fetch("cs2016_indicators")
    lines = str(err.value).splitlines()
    assert 1 <= len(lines) <= 3
    assert "ddm data build cs2016_indicators" in str(err.value)
    assert "DDMGEO_DATA_DIR" in str(err.value)


def test_noncommercial_data_names_its_licence(tmp_path, monkeypatch):
    monkeypatch.setenv("DDMGEO_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("DDMGEO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DDMGEO_OFFLINE", "1")
    with pytest.raises(DataNotAvailableError) as err:
        datasets.fetch("who_kemri_health_facilities")
    lines = str(err.value).splitlines()
    assert len(lines) == 3 and lines[2].startswith("Licence:")


def test_recipes_do_not_read_the_environment(monkeypatch):
    """Recipes are pure functions of their inputs: none looks at DDMGEO_* itself."""
    root = Path(_recipes.__file__).parent
    for path in root.glob("*.py"):
        if path.name == "__init__.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert "os.environ" not in text and "settings." not in text, path.name
    assert os.environ.get("DDMGEO_OFFLINE") == "1"


def test_topojson_arcs_decode_to_the_known_rings():
    """Two unit squares sharing an arc (the second walks it backwards), quantized with scale 0.5 and an offset."""
    from ddmgeo._recipes.layers import _topojson_features

    topology = {
        "transform": {"scale": [0.5, 0.5], "translate": [10.0, -30.0]},
        "arcs": [[[2, 0], [0, 2]], [[2, 2], [-2, 0], [0, -2], [2, 0]], [[2, 0], [2, 0], [0, 2], [-2, 0]]],
        "objects": {"countries": {"type": "GeometryCollection", "geometries": [
            {"type": "Polygon", "id": "001", "properties": {"name": "West"}, "arcs": [[0, 1]]},
            {"type": "MultiPolygon", "id": "002", "properties": {"name": "East"}, "arcs": [[[2, ~0]]]},
            {"type": None, "id": "003", "properties": {"name": "No shape"}},
        ]}},
    }
    west, east = _topojson_features(topology, "countries")
    assert west["properties"] == {"iso_n3": "001", "name": "West"}
    assert west["geometry"] == {"type": "Polygon", "coordinates": [[[11.0, -30.0], [11.0, -29.0], [10.0, -29.0], [10.0, -30.0], [11.0, -30.0]]]}
    assert east["geometry"] == {"type": "MultiPolygon", "coordinates": [[[[11.0, -30.0], [12.0, -30.0], [12.0, -29.0], [11.0, -29.0], [11.0, -30.0]]]]}
    import shapely.geometry

    assert shapely.geometry.shape(west["geometry"]).area == shapely.geometry.shape(east["geometry"]).area == 1.0
