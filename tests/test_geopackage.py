"""GeoPackage outputs hold several layers: the library writer and the commands that write .gpkg."""

from __future__ import annotations

import geopandas as gpd
import pyogrio
import pytest
import shapely
from typer.testing import CliRunner

from ddmgeo import io
from ddmgeo.cli import app


def _layer(n: int) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": [f"A{i}" for i in range(n)]}, geometry=[shapely.Point(i, -i) for i in range(n)], crs="EPSG:4326")


def test_layers_are_added_and_replaced_by_name(tmp_path):
    path = tmp_path / "out.gpkg"
    assert io.to_geopackage({"one": _layer(1), "two": _layer(2)}, path) == ["one", "two"]
    assert io.to_geopackage({"three": _layer(3)}, path) == ["one", "two", "three"]
    assert sorted(io.to_geopackage({"two": _layer(5)}, path)) == ["one", "three", "two"]
    assert len(gpd.read_file(path, layer="two")) == 5 and len(gpd.read_file(path, layer="one")) == 1
    assert io.to_geopackage({"only": _layer(1)}, path, replace=True) == ["only"]
    assert gpd.read_file(path, layer="only").crs.to_epsg() == 4326


@pytest.mark.parametrize(("layers", "name", "message"), [({}, "x.gpkg", "no layer"), ({"a": _layer(1)}, "x.geojson", "ends in .gpkg"), ({" ": _layer(1)}, "x.gpkg", "non-empty name")])
def test_bad_geopackage_requests(tmp_path, layers, name, message):
    with pytest.raises(ValueError, match=message):
        io.to_geopackage(layers, tmp_path / name)


def test_commands_write_a_layer_each_into_one_geopackage(shared_data, tmp_path):
    runner = CliRunner()
    out = tmp_path / "ddm.gpkg"
    for args in (["districts", "--out", str(out)], ["boundaries", "province", "--out", str(out)]):
        res = runner.invoke(app, args)
        assert res.exit_code == 0, res.output
    assert "also holds district_2016" in res.output
    layers = dict(pyogrio.list_layers(out))
    assert set(layers) == {"district_2016", "province_2016"}
    assert len(gpd.read_file(out, layer="district_2016")) == 52 and len(gpd.read_file(out, layer="province_2016")) == 9


def test_export_as_geopackage_is_one_file_with_a_layer_per_level(shared_data, tmp_path):
    res = CliRunner().invoke(app, ["data", "export", "district", "municipality", "--format", "gpkg", "--to", str(tmp_path)])
    assert res.exit_code == 0, res.output
    files = list(tmp_path.glob("*.gpkg"))
    assert [f.name for f in files] == ["boundaries_2016.gpkg"]
    assert [n for n, _ in pyogrio.list_layers(files[0])] == ["district_2016", "municipality_2016"]
    assert len(gpd.read_file(files[0], layer="municipality_2016")) == 213
