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
    assert "mdb2020_openup" in res.output and "datasets present" in res.output


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
