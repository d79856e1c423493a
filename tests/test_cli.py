"""The `ddm` command line on the real data."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from ddmgeo.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_districts(shared_data):
    res = run("districts")
    assert res.exit_code == 0, res.output
    assert "52 district spaces (44 districts, 8 metros)" in res.output
    assert "DC36" in res.output and "Waterberg" in res.output and "Municipal Demarcation Board" in res.output


def test_districts_writes_file(shared_data, tmp_path):
    out = tmp_path / "d.gpkg"
    res = run("districts", "--out", str(out))
    assert res.exit_code == 0 and out.exists()
    import geopandas

    assert len(geopandas.read_file(out)) == 52


@pytest.mark.parametrize("suffix", [".geojson", ".parquet", ".csv"])
def test_boundaries_command(shared_data, tmp_path, suffix):
    out = tmp_path / f"m{suffix}"
    res = run("boundaries", "municipality", "--out", str(out))
    assert res.exit_code == 0, res.output
    assert "wrote 213 rows" in res.output


def test_boundaries_bad_suffix(shared_data, tmp_path):
    res = runner.invoke(app, ["boundaries", "province", "--out", str(tmp_path / "p.xlsx")])
    assert res.exit_code != 0 and "cannot write" in res.output


def test_boundaries_unavailable_is_a_clean_error(shared_data, tmp_path):
    res = runner.invoke(app, ["boundaries", "ward", "--vintage", "2011", "--out", str(tmp_path / "w.gpkg")])
    assert res.exit_code == 2 and "error:" in res.output and "Traceback" not in res.output


def test_resolve_command():
    res = run("resolve", "OR Tambo", "Cacadu", "Emalahleni (MP)")
    assert res.exit_code == 0, res.output
    lines = res.output.strip().splitlines()
    assert lines[0] == "OR Tambo\tDC15"
    assert lines[1].startswith("Cacadu\tDC10\t(") and "Sarah Baartman" in lines[1]
    assert lines[2] == "Emalahleni (MP)\tMP312"


def test_resolve_command_fails_on_unknown():
    res = runner.invoke(app, ["resolve", "Atlantis"])
    assert res.exit_code == 1 and "matches no area" in res.output


def test_lineage_command():
    res = run("lineage", "EC103")
    assert res.exit_code == 0 and "EC101" in res.output and "merged" in res.output


def test_data_list(shared_data):
    res = run("data", "list")
    assert res.exit_code == 0
    assert "mdb2020_openup" in res.output and " present;" in res.output and "in the embedded core" in res.output


def test_data_verify_ok(shared_data):
    res = run("data", "verify")
    assert res.exit_code == 0, res.output
    assert "0 mismatched" in res.output


def test_data_verify_fails_on_mismatch(tmp_path, monkeypatch):
    from ddmgeo import _registry

    ds = _registry.get("mdb2016_ward_attributes_cpg")
    bad = tmp_path / ds.path
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"UTF-9")
    monkeypatch.setenv("DDMGEO_DATA_DIR", str(tmp_path))
    res = runner.invoke(app, ["data", "verify"])
    assert res.exit_code == 1 and "MISMATCH" in res.output


def test_data_fetch_to_folder(shared_data, tmp_path):
    res = run("data", "fetch", "mdb2011_municipalities", "--to", str(tmp_path))
    assert res.exit_code == 0 and (tmp_path / "boundaries/mdb_2011/MDB_Local_Municipal_Boundary_2011.geojson").exists()


def test_data_fetch_offline_missing_fails(tmp_path, monkeypatch):
    monkeypatch.setenv("DDMGEO_CACHE_DIR", str(tmp_path))
    res = runner.invoke(app, ["data", "fetch", "mdb2016_districts_full"])
    assert res.exit_code == 1 and "FAILED" in res.output and "DDMGEO_OFFLINE" in res.output


def test_data_fetch_needs_names_or_all():
    res = runner.invoke(app, ["data", "fetch"])
    assert res.exit_code != 0


def test_console_script_entry_point(shared_data):
    out = subprocess.run([sys.executable, "-m", "ddmgeo.cli", "resolve", "Waterberg"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "Waterberg\tDC36"


def test_version():
    from ddmgeo import __version__

    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0 and res.output.strip() == f"ddmgeo {__version__}"


@pytest.mark.parametrize("command", ["profile", "map", "spatialise", "indicators", "change", "districts", "resolve", "data"])
def test_every_command_has_help(command):
    res = runner.invoke(app, [command, "--help"])
    assert res.exit_code == 0 and "Usage" in res.output


@pytest.mark.parametrize("command", ["profile", "spatialise", "indicators", "change"])
def test_help_shows_an_example(command):
    res = runner.invoke(app, [command, "--help"])
    assert "Example" in res.output and "ddm " in res.output


def test_indicators_command(shared_data, tmp_path):
    res = run("indicators")
    assert res.exit_code == 0 and "unemployment_rate" in res.output and "indicators." in res.output
    out = tmp_path / "v.csv"
    res = run("indicators", "unemployment_rate", "population", "--level", "province", "--out", str(out))
    assert res.exit_code == 0 and "wrote 9 rows x 2 indicators" in res.output
    import pandas as pd

    assert list(pd.read_csv(out).columns) == ["code", "name", "unemployment_rate", "population"]
    bad = runner.invoke(app, ["indicators", "unemploymnt_rate"])
    assert bad.exit_code == 2 and "unemployment_rate" in bad.output and "Traceback" not in bad.output


def test_change_command(shared_data, tmp_path):
    out = tmp_path / "c.csv"
    res = run("change", "informal_dwelling_share", "--out", str(out), "--map", str(tmp_path / "c.png"))
    assert res.exit_code == 0 and out.exists() and (tmp_path / "c.png").exists()
    assert "improved:" in res.output
    bad = runner.invoke(app, ["change", "water_scheme_share"])
    assert bad.exit_code == 2 and "error:" in bad.output and "2011" in bad.output


def test_unexpected_errors_are_one_line_without_traceback(tmp_path):
    """`ddm` turns an unexpected exception into one line (a traceback only with --debug)."""
    import subprocess
    import sys

    bad = tmp_path / "projects.csv"
    bad.write_bytes(b"PK\x03\x04 not a csv at all \x00\x01")
    out = subprocess.run([sys.executable, "-m", "ddmgeo.cli", "spatialise", str(bad), "--amount", "x", "--out", str(tmp_path / "o.csv")], capture_output=True, text=True)
    assert out.returncode != 0
    lines = [l for l in out.stderr.strip().splitlines() if l.strip()]
    assert "Traceback" not in out.stderr and lines and lines[-1].startswith("error:")


def test_data_export_geoparquet(shared_data, tmp_path):
    res = run("data", "export", "district", "municipality", "--to", str(tmp_path))
    assert res.exit_code == 0, res.output
    import geopandas

    d = geopandas.read_parquet(tmp_path / "district_2016.parquet")
    assert len(d) == 52 and d.crs.to_string() == "EPSG:4326"
    import ddmgeo

    t = ddmgeo.indicators.get("population")
    path = ddmgeo.io.to_geoparquet(t, tmp_path / "pop.parquet")
    back = geopandas.read_parquet(path)
    assert len(back) == 52 and back.population.notna().all()
    assert runner.invoke(app, ["data", "export", "county", "--to", str(tmp_path)]).exit_code == 2
