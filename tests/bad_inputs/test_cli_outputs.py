"""Output paths a ``ddm`` command cannot honour: its own input, a suffix it does not write, two outputs in one file.

Each is a usage error (exit 2, the usage line and one ``error:`` line) raised before any work: the input is
untouched and nothing is written. The suffixes a command writes come from one table, ``ddmgeo.cli.WRITES``,
and the message lists them.
"""

from __future__ import annotations

import os
import re
import shutil

import pytest

from ddmgeo import cli

from .test_cli import clean, run

pytestmark = pytest.mark.usefixtures("shared_data")

BUDGET = "district,x\nWaterberg,1\nVhembe,2\n"
POINTS = "name,lon,lat\nA,28.0,-24.0\nB,29.0,-25.0\n"


@pytest.fixture()
def files(tmp_path):
    (tmp_path / "budget.csv").write_text(BUDGET)
    (tmp_path / "points.csv").write_text(POINTS)
    (tmp_path / "link.csv").symlink_to(tmp_path / "budget.csv")
    os.link(tmp_path / "points.csv", tmp_path / "hard.csv")
    (tmp_path / "sub").mkdir()
    return tmp_path


# --------------------------------------------------------------------------- never over an input

# (id, arguments (f: the files folder), the input file that must survive)
OVER_INPUT = [
    ("spatialise-out-is-input", lambda f: ["spatialise", f / "budget.csv", "--amount", "x", "--out", f / "budget.csv"], "budget.csv"),
    ("spatialise-out-via-dots", lambda f: ["spatialise", f / "budget.csv", "--amount", "x", "--out", f / "sub" / ".." / "budget.csv"], "budget.csv"),
    ("spatialise-out-via-symlink", lambda f: ["spatialise", f / "budget.csv", "--amount", "x", "--out", f / "link.csv"], "budget.csv"),
    ("spatialise-input-via-symlink", lambda f: ["spatialise", f / "link.csv", "--amount", "x", "--out", f / "budget.csv"], "budget.csv"),
    (
        "spatialise-unallocated-is-input",
        lambda f: ["spatialise", f / "budget.csv", "--amount", "x", "--out", f / "o.csv", "--unallocated", f / "budget.csv"],
        "budget.csv",
    ),
    (
        "spatialise-unallocated-via-symlink",
        lambda f: ["spatialise", f / "budget.csv", "--amount", "x", "--out", f / "o.csv", "--unallocated", f / "link.csv"],
        "budget.csv",
    ),
    (
        "spatialise-allocations-is-input",
        lambda f: ["spatialise", f / "budget.csv", "--amount", "x", "--out", f / "o.csv", "--allocations", f / "budget.csv"],
        "budget.csv",
    ),
    ("points-out-is-input", lambda f: ["points", f / "points.csv", "--out", f / "points.csv"], "points.csv"),
    ("points-out-is-hard-link", lambda f: ["points", f / "points.csv", "--out", f / "hard.csv"], "points.csv"),
]


@pytest.mark.parametrize("name, args, keep", [pytest.param(*c, id=c[0]) for c in OVER_INPUT])
def test_an_output_naming_an_input_is_refused_before_any_work(name, args, keep, files):
    before = {p.name: p.read_bytes() for p in files.iterdir() if p.is_file()}
    message = clean(run(*args(files)), "usage", 2)
    assert "never writes over its own input" in message and "choose another output file" in message, message
    assert (files / keep).read_text() in (BUDGET, POINTS)
    after = {p.name: p.read_bytes() for p in files.iterdir() if p.is_file()}
    assert after == before, "a refused command wrote a file"


def test_an_output_naming_a_registered_input_is_refused(tmp_path, monkeypatch):
    """``ddm points dsfsi_hospitals --out`` the very file the registry name reads (in a copy of the data folder)."""
    from ddmgeo import _registry, datasets

    ds = _registry.get("dsfsi_hospitals")
    source = datasets.locate("dsfsi_hospitals")
    assert source is not None
    data = tmp_path / "data"
    (data / ds.path).parent.mkdir(parents=True)
    shutil.copyfile(source, data / ds.path)
    monkeypatch.setenv("DDMGEO_DATA_DIR", str(data))
    original = (data / ds.path).read_bytes()
    message = clean(run("points", "dsfsi_hospitals", "--out", data / ds.path), "usage", 2)
    assert "is the input FILE" in message
    assert (data / ds.path).read_bytes() == original


def test_two_outputs_naming_one_file_are_refused(files):
    message = clean(run("spatialise", files / "budget.csv", "--amount", "x", "--out", files / "o.csv", "--unallocated", files / "o.csv"), "usage", 2)
    assert "--out and --unallocated both name" in message
    assert not (files / "o.csv").exists()


def test_an_output_beside_the_input_is_written(files):
    res = run("spatialise", files / "budget.csv", "--amount", "x", "--out", files / "per_district.csv", "--unallocated", files / "left.csv")
    assert res.exit_code == 0, res.output
    assert (files / "budget.csv").read_text() == BUDGET and (files / "per_district.csv").is_file()


# --------------------------------------------------------------------------- suffixes a command cannot write

# (id, arguments (f: the files folder), the option, the file name refused)
WRONG_SUFFIX = [
    ("map-parquet", lambda f: ["map", "population", "--out", f / "m.parquet"], "--out", "m.parquet"),
    ("map-no-suffix", lambda f: ["map", "population", "--out", f / "m"], "--out", "m"),
    ("profile-docx", lambda f: ["profile", "Waterberg", "--out", f / "p.docx"], "--out", "p.docx"),
    ("profile-no-suffix", lambda f: ["profile", "Waterberg", "--out", f / "waterberg"], "--out", "waterberg"),
    ("profile-csv", lambda f: ["profile", "Waterberg", "--out", f / "p.csv"], "--out", "p.csv"),
    ("deck-pdf", lambda f: ["deck", "Waterberg", "--out", f / "w.pdf"], "--out", "w.pdf"),
    ("districts-xlsx", lambda f: ["districts", "--out", f / "d.xlsx"], "--out", "d.xlsx"),
    ("boundaries-png", lambda f: ["boundaries", "province", "--out", f / "b.png"], "--out", "b.png"),
    ("indicators-docx", lambda f: ["indicators", "population", "--out", f / "i.docx"], "--out", "i.docx"),
    ("indicators-geojson", lambda f: ["indicators", "population", "--out", f / "i.geojson"], "--out", "i.geojson"),
    ("change-out-png", lambda f: ["change", "population", "--out", f / "c.png"], "--out", "c.png"),
    ("change-map-html", lambda f: ["change", "population", "--out", f / "c.csv", "--map", f / "c.html"], "--map", "c.html"),
    ("spatialise-out-parquet", lambda f: ["spatialise", f / "budget.csv", "--amount", "x", "--out", f / "o.parquet"], "--out", "o.parquet"),
    ("spatialise-out-txt", lambda f: ["spatialise", f / "budget.csv", "--amount", "x", "--out", f / "o.txt"], "--out", "o.txt"),
    ("spatialise-map-jpg", lambda f: ["spatialise", f / "budget.csv", "--amount", "x", "--out", f / "o.csv", "--map", f / "m.jpg"], "--map", "m.jpg"),
    (
        "spatialise-unallocated-xlsx",
        lambda f: ["spatialise", f / "budget.csv", "--amount", "x", "--out", f / "o.csv", "--unallocated", f / "u.xlsx"],
        "--unallocated", "u.xlsx",
    ),
    (
        "spatialise-allocations-parquet",
        lambda f: ["spatialise", f / "budget.csv", "--amount", "x", "--out", f / "o.csv", "--allocations", f / "a.parquet"],
        "--allocations", "a.parquet",
    ),
    ("zonal-xlsx", lambda f: ["zonal", "worldpop_density_2020", "--out", f / "z.xlsx"], "--out", "z.xlsx"),
    ("points-gpkg", lambda f: ["points", f / "points.csv", "--out", f / "p.gpkg"], "--out", "p.gpkg"),
]


def _command(args: list) -> str:
    return str(args[0])


@pytest.mark.parametrize("name, args, option, refused", [pytest.param(*c, id=c[0]) for c in WRONG_SUFFIX])
def test_a_suffix_the_command_cannot_write_is_a_usage_error(name, args, option, refused, files):
    argv = args(files)
    before = sorted(p.name for p in files.rglob("*"))
    message = clean(run(*argv), "usage", 2)
    suffixes = cli.WRITES[_command(argv)][option]
    assert f"cannot write {refused}:" in message, message
    assert f"`ddm {_command(argv)} {option}` writes" in message, message
    for suffix in suffixes:
        assert re.search(re.escape(suffix) + r"\b", message), f"{suffix} not listed: {message}"
    assert sorted(p.name for p in files.rglob("*")) == before, "a refused command wrote a file"


def test_profile_format_and_suffix_must_agree(files):
    message = clean(run("profile", "Waterberg", "--format", "pdf", "--out", files / "p.html"), "usage", 2)
    assert "--format pdf but --out p.html is a .html file" in message and "name it with .pdf" in message
    assert not (files / "p.html").exists()


def test_every_command_with_an_output_is_in_the_table():
    """Every option of a command that names an output file is listed in ``cli.WRITES`` (and nothing else is)."""
    import typer.main

    group = typer.main.get_command(cli.app)
    found = {}
    for name, command in group.commands.items():
        if name == "data":
            continue
        for param in command.params:
            opts = [o for o in getattr(param, "opts", []) if o in ("--out", "--map", "--unallocated", "--allocations")]
            if opts:
                found.setdefault(name, set()).add(opts[0])
    assert found == {c: set(o) for c, o in cli.WRITES.items()}


@pytest.mark.parametrize("command, option", [(c, o) for c, opts in cli.WRITES.items() for o in opts])
def test_writable_accepts_each_listed_suffix_in_any_case(command, option, tmp_path):
    for suffix in cli.WRITES[command][option]:
        assert cli.writable(command, option, tmp_path / f"x{suffix.upper()}") == suffix
