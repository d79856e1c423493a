"""The `ddm` command line on the real data."""

from __future__ import annotations

import re
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
    """Data that is not available is failed work (exit 1), said in one line that names the ddm command to use."""
    res = runner.invoke(app, ["boundaries", "ward", "--vintage", "2011", "--out", str(tmp_path / "w.gpkg")])
    assert res.exit_code == 1 and "error:" in res.output and "Traceback" not in res.output
    assert "`ddm boundaries ward --vintage 2021 --out FILE`" in res.output and "ddmgeo.boundaries(" not in res.output


def test_resolve_command():
    res = run("resolve", "OR Tambo", "Cacadu", "Emalahleni (MP)")
    assert res.exit_code == 0, res.output
    lines = res.output.strip().splitlines()
    assert lines[0] == "OR Tambo\tDC15"
    assert lines[1].startswith("Cacadu\tDC10\t(") and "Sarah Baartman" in lines[1]
    assert lines[2] == "Emalahleni (MP)\tMP312"


def test_resolve_command_fails_on_unknown():
    """A name that matches no area is a usage error (exit 2); the names that resolve are still printed."""
    res = runner.invoke(app, ["resolve", "Atlantis", "Waterberg"])
    assert res.exit_code == 2 and "matches no area" in res.output
    assert "Waterberg\tDC36" in res.output and "error: 1 of 2 name(s) could not be resolved" in res.output


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


@pytest.mark.parametrize("command", ["profile", "map", "spatialise", "indicators", "catalogue", "change", "districts", "resolve", "data", "zonal", "points"])
def test_every_command_has_help(command):
    res = runner.invoke(app, [command, "--help"])
    assert res.exit_code == 0 and "Usage" in res.output


@pytest.mark.parametrize("command", ["profile", "spatialise", "indicators", "catalogue", "change", "zonal", "points"])
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
    bad = runner.invoke(app, ["change", "water_scheme_share"])  # not comparable between the years: failed work
    assert bad.exit_code == 1 and "error:" in bad.output and "2011" in bad.output


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


# ----------------------------------------------------------------------------- exit codes, --quiet/--verbose, completion


@pytest.mark.parametrize(
    "args, code",
    [
        (["frobnicate"], 2),  # unknown command
        (["districts", "--vintage", "twenty"], 2),  # malformed value
        (["map", "population", "--out", "m.jpg"], 2),  # value not allowed
        (["indicators", "unemploymnt_rate"], 2),  # a name that cannot be resolved
        (["profile", "Atlantis", "--out", "p.html"], 2),
        (["data", "fetch", "census2022"], 2),
        (["data", "build", "mdb2020_openup"], 2),  # not a built dataset: use `ddm data fetch`
        (["indicators", "population", "--year", "1990"], 1),  # data not available
        (["change", "water_scheme_share"], 1),  # not comparable between the years
        (["data", "fetch", "mdb2016_districts_full"], 1),  # offline: could not be fetched
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else str(v),
)
def test_exit_codes_usage_2_failed_work_1(shared_data, tmp_path, monkeypatch, args, code):
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, args)
    assert res.exit_code == code, res.output
    errors = [line for line in res.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "Traceback" not in res.output, res.output


def test_unexpected_error_is_one_line_exit_1_and_debug_shows_it(monkeypatch):
    import ddmgeo

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(ddmgeo.names, "lineage", broken)
    monkeypatch.setitem(vars(ddmgeo), "lineage", broken)
    res = runner.invoke(app, ["lineage", "EC103"])
    assert res.exit_code == 1 and res.output.strip().endswith("error: RuntimeError: boom (run with --debug for the traceback)")
    res = runner.invoke(app, ["--debug", "lineage", "EC103"])
    assert isinstance(res.exception, RuntimeError)


def test_errors_name_ddm_commands_not_python_calls():
    from ddmgeo.cli import for_cli

    assert for_cli("No indicator 'x'. ddmgeo.indicators.catalogue() lists them all.") == "No indicator 'x'. `ddm catalogue` lists them all."
    assert for_cli("`ddm data list` (or ddmgeo.datasets.list_datasets()) shows every dataset.") == "`ddm data list` shows every dataset."
    assert for_cli('Run ddmgeo.datasets.fetch("mdb2020_openup") first') == "Run `ddm data fetch mdb2020_openup` first"
    assert for_cli("use ddmgeo.boundaries('ward', vintage=2021).") == "use `ddm boundaries ward --vintage 2021 --out FILE`."
    assert for_cli("Dataset 'x' is missing.\nFix: run `ddm data fetch x`.") == "Dataset 'x' is missing. Fix: run `ddm data fetch x`."


def test_catalogue_command(shared_data):
    res = run("catalogue")
    assert res.exit_code == 0 and "unemployment_rate" in res.output and " indicators." in res.output
    assert run("indicators").output == res.output  # `ddm indicators` with no ids lists the same catalogue


def test_quiet_suppresses_wrote_lines(shared_data, tmp_path):
    out = tmp_path / "p.csv"
    loud = run("boundaries", "province", "--out", str(out))
    assert loud.exit_code == 0 and "wrote 9 rows" in loud.output
    quiet = run("--quiet", "boundaries", "province", "--out", str(out))
    assert quiet.exit_code == 0 and quiet.output == "" and out.exists()
    listing = run("-q", "resolve", "Waterberg")  # what was asked for is still printed
    assert listing.output.strip() == "Waterberg\tDC36"


def test_verbose_shows_info_logging_on_stderr(shared_data, monkeypatch):
    import logging

    from ddmgeo import datasets

    def fetch(name, **kwargs):
        logging.getLogger("ddmgeo.datasets").info("looking for %s", name)
        return "somewhere"

    monkeypatch.setattr(datasets, "fetch", fetch)
    quiet = CliRunner().invoke(app, ["data", "fetch", "mdb2020_openup"])
    assert "looking for" not in quiet.output
    loud = CliRunner().invoke(app, ["--verbose", "data", "fetch", "mdb2020_openup"])
    assert loud.exit_code == 0 and "ddmgeo.datasets: looking for mdb2020_openup" in loud.stderr
    assert not logging.getLogger("ddmgeo").handlers  # the handler lives only as long as the command


def test_shell_completion():
    res = runner.invoke(app, ["--help"])
    assert "--install-completion" in res.output and "--show-completion" in res.output
    script = runner.invoke(app, ["--show-completion", "bash"], prog_name="ddm")
    assert script.exit_code == 0 and "_DDM_COMPLETE" in script.output
    env = {"_DDM_COMPLETE": "complete_bash", "COMP_WORDS": "ddm data fetch mdb2020", "COMP_CWORD": "3"}
    names = runner.invoke(app, [], prog_name="ddm", env=env)
    assert "mdb2020_openup" in names.output.split()


def test_data_list_fits_80_columns(shared_data, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    res = run("data", "list")
    assert res.exit_code == 0
    lines = res.output.splitlines()
    assert max(map(len, lines)) <= 80, max(lines, key=len)
    assert lines[0].split() == ["name", "how", "core", "present", "licence"]
    assert any(line.startswith("mdb2020_openup ") for line in lines) and "…" in res.output
    monkeypatch.setenv("COLUMNS", "200")
    wide = run("data", "list")
    assert max(map(len, wide.output.splitlines())) > 80  # licences shown in full when there is room


def test_deck_and_workbook_commands(shared_data, tmp_path):
    pptx = pytest.importorskip("pptx")
    openpyxl = pytest.importorskip("openpyxl")
    r = run("deck", "Lephalale", "--out", str(tmp_path / "l.pptx"))
    assert r.exit_code == 0, r.output
    assert len(pptx.Presentation(str(tmp_path / "l.pptx")).slides) >= 5
    r = run("deck", "Waterberg", "--out", str(tmp_path / "w.pdf"))
    assert r.exit_code == 2 and "a deck is a .pptx file" in r.output
    r = run("profile", "Waterberg", "--out", str(tmp_path / "w.xlsx"))
    assert r.exit_code == 0, r.output
    assert "definitions" in openpyxl.load_workbook(tmp_path / "w.xlsx").sheetnames
    r = run("indicators", "population", "unemployment_rate", "--out", str(tmp_path / "i.xlsx"))
    assert r.exit_code == 0, r.output
    ws = openpyxl.load_workbook(tmp_path / "i.xlsx")["data"]
    header = [c.value for c in ws[1]]
    assert "Unemployment rate (official definition) (%, 2011)" in header
    assert ws.cell(row=2, column=header.index("Unemployment rate (official definition) (%, 2011)") + 1).number_format == "0.0%"


# ----------------------------------------------------------------------------- warnings under --quiet / --verbose

DEPRECATED = ["indicators", "unemployed_expanded", "--level", "province"]


def test_warnings_are_one_line_each_by_default(tmp_path):
    res = CliRunner().invoke(app, [*DEPRECATED, "--out", str(tmp_path / "x.csv")])
    assert res.exit_code == 0, res.output
    lines = [line for line in res.stderr.splitlines() if line.startswith("warning: ")]
    assert len(lines) == 1, res.stderr  # raised twice in the code, shown once
    assert "'unemployed_expanded' is deprecated" in lines[0] and "`ddm catalogue`" in lines[0]
    assert "FutureWarning" not in lines[0] and ".py:" not in res.stderr  # no Python warning format


def test_quiet_hides_ddmgeo_warnings_and_info(tmp_path):
    res = CliRunner().invoke(app, ["--quiet", *DEPRECATED, "--out", str(tmp_path / "x.csv")])
    assert res.exit_code == 0 and res.output == "" and (tmp_path / "x.csv").exists()


def test_verbose_shows_every_warning_with_its_origin_and_the_time(tmp_path):
    res = CliRunner().invoke(app, ["--verbose", *DEPRECATED, "--out", str(tmp_path / "x.csv")])
    assert res.exit_code == 0, res.output
    lines = [line for line in res.stderr.splitlines() if line.startswith("warning: ")]
    assert lines and all("(FutureWarning, " in line and ".py:" in line for line in lines), res.stderr
    assert re.search(r"^ddm: indicators done in \d+\.\d s$", res.stderr, re.M)
    assert "done in" not in CliRunner().invoke(app, [*DEPRECATED, "--out", str(tmp_path / "y.csv")]).stderr


@pytest.mark.filterwarnings("default::ddmgeo.errors.DDMGeoWarning")  # shown as lines by the CLI, not raised
def test_quiet_keeps_warnings_that_are_not_ddmgeos(capsys):
    import warnings

    from ddmgeo.cli import _warnings
    from ddmgeo.errors import DataIntegrityWarning

    with _warnings(quiet=True, verbose=False):
        warnings.warn_explicit("from elsewhere", RuntimeWarning, "/elsewhere/module.py", 1)
        warnings.warn_explicit("ours", DataIntegrityWarning, "/elsewhere/module.py", 2)
    assert capsys.readouterr().err == "warning: RuntimeWarning: from elsewhere\n"
    with _warnings(quiet=False, verbose=False):
        warnings.warn_explicit("ours", DataIntegrityWarning, "/elsewhere/module.py", 2)
    assert capsys.readouterr().err == "warning: ours\n"


def test_quiet_turns_off_the_progress_of_profile_all(monkeypatch, tmp_path):
    import pandas as pd

    from ddmgeo import profiles

    calls = []

    def build_all(out, **kwargs):
        calls.append(kwargs["progress"])
        return pd.DataFrame({"code": ["DC36"], "name": ["Waterberg"], "status": ["ok"], "error": [""]})

    monkeypatch.setattr(profiles, "build_all", build_all)
    loud = CliRunner().invoke(app, ["profile", "--all", "--out", str(tmp_path)])
    quiet = CliRunner().invoke(app, ["-q", "profile", "--all", "--out", str(tmp_path)])
    assert loud.exit_code == quiet.exit_code == 0, loud.output + quiet.output
    assert calls == [None, False]  # None: a bar on a terminal, a line per area otherwise
    assert "built 1 of 1 profiles" in loud.output and quiet.output == ""


# ----------------------------------------------------------------------------- more exit codes


@pytest.mark.parametrize(
    "args",
    [
        ["--quiet", "--verbose", "districts"],  # options that exclude each other
        ["districts", "--vintage", "1999"],  # a vintage that does not exist
        ["indicators", "population", "--level", "galaxy"],  # a level that does not exist
        ["map", "population", "--out", "m.png", "--k", "zero"],  # not a number
        ["catalogue", "--theme", "transport"],  # neither a theme nor a One Plan area
        ["zonal", "nosuch.tif", "--out", "z.csv"],  # neither a file nor a dataset
        ["data", "list", "--bogus"],  # an unknown option
    ],
    ids=" ".join,
)
def test_bad_option_values_exit_2(tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2, res.output
    errors = [line for line in res.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "Traceback" not in res.output, res.output


@pytest.mark.parametrize("error", ["DataNotAvailableError", "DataIntegrityError", "NotComparableError", "MissingDependencyError"])
def test_failed_work_exits_1_with_a_short_message(monkeypatch, error):
    import ddmgeo
    from ddmgeo import errors

    def fails(*args, **kwargs):
        raise getattr(errors, error)("The table you asked for is not on this machine.\nRun `ddm data fetch x`.")

    monkeypatch.setattr(ddmgeo.names, "lineage", fails)
    monkeypatch.setitem(vars(ddmgeo), "lineage", fails)
    res = CliRunner().invoke(app, ["lineage", "EC103"])
    assert res.exit_code == 1
    assert res.output == "error: The table you asked for is not on this machine. Run `ddm data fetch x`.\n"


def test_readme_and_docs_mention_shell_completion():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for page in ("README.md", "docs/cli.md"):
        text = (root / page).read_text(encoding="utf-8")
        assert "ddm --install-completion" in text and "--quiet" in text and "--verbose" in text, page
