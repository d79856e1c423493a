"""Every ``ddm`` command given bad input: a non-zero exit, one clear line, never a traceback.

A ddmgeo error is one line starting ``error:``; a bad option is click's usage error (``Invalid value``);
``resolve`` and ``data fetch`` report each failed name on its own line.
"""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
from typer.testing import CliRunner

from ddmgeo.cli import app

from ._support import HOSTILE

pytestmark = pytest.mark.usefixtures("shared_data")

runner = CliRunner()


@pytest.fixture()
def files(tmp_path):
    import rasterio
    from affine import Affine

    (tmp_path / "budget.csv").write_text("district,x\nWaterberg,1\nAtlantis,2\n")
    (tmp_path / "huge.csv").write_text(f"district,x\nWaterberg,{10**30}\nVhembe,5\n")
    with zipfile.ZipFile(tmp_path / "zipped.csv", "w") as z:
        z.writestr("budget.csv", "district,x\nWaterberg,1\n")
    (tmp_path / "page.xlsx").write_text("<!DOCTYPE html><html><body>Sign in</body></html>")
    (tmp_path / "image.geojson").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (tmp_path / "image.tif").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (tmp_path / "nocols.csv").write_text("a,b\n1,2\n")
    with rasterio.open(tmp_path / "nocrs.tif", "w", driver="GTiff", height=4, width=4, count=1, dtype="float32", transform=Affine(0.5, 0, 27, 0, -0.5, -23)) as dst:
        dst.write(np.ones((4, 4), "float32"), 1)
    return tmp_path


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def clean(res, kind: str = "error") -> str:
    """The failure is clean: non-zero exit, no traceback, no escaped exception; returns the message."""
    out = res.output
    assert res.exit_code != 0, out
    assert "Traceback" not in out, out
    assert res.exception is None or isinstance(res.exception, SystemExit), f"{type(res.exception).__name__}: {res.exception}\n{out}"
    if kind == "error":
        lines = [line for line in out.splitlines() if line.startswith("error: ")]
        assert len(lines) == 1, out
        return lines[0]
    if kind == "usage":
        assert "Usage: ddm" in out and "Error" in out, out
        return " ".join(out.split())  # click wraps its box: compare on one line
    return out


_CLI = "cli.py (not editable here)"

CASES = [
    # command, arguments (f: the files folder), kind, fragment of the message
    ("resolve-unknown", lambda f: ["resolve", "Atlantis"], "report", "'Atlantis' matches no area"),
    ("resolve-emoji", lambda f: ["resolve", "\U0001f3de"], "report", "matches no area"),
    ("resolve-hostile", lambda f: ["resolve", HOSTILE], "report", "matches no area"),
    ("resolve-level", lambda f: ["resolve", "Waterberg", "--level", "county"], "report", "Unknown level 'county'"),
    ("resolve-vintage", lambda f: ["resolve", "Waterberg", "--vintage", "1999"], "report", "Unknown boundary vintage 1999"),
    ("lineage-unknown", lambda f: ["lineage", "XX999"], "error", "'XX999' matches no area of the 2011 demarcation"),
    ("lineage-vintage", lambda f: ["lineage", "EC103", "--vintage", "1999"], "error", "Unknown boundary vintage 1999"),
    ("districts-vintage", lambda f: ["districts", "--vintage", "1999"], "error", "Unknown boundary vintage 1999"),
    ("districts-out-xlsx", lambda f: ["districts", "--out", f / "d.xlsx"], "usage", "cannot write d.xlsx"),
    ("districts-vintage-text", lambda f: ["districts", "--vintage", "twenty"], "usage", "Invalid value for '--vintage'"),
    ("boundaries-level", lambda f: ["boundaries", "county", "--out", f / "b.gpkg"], "error", "Unknown level 'county'"),
    ("boundaries-resolution", lambda f: ["boundaries", "district", "--resolution", "high", "--out", f / "b.gpkg"], "error", "Unknown resolution 'high'"),
    ("boundaries-2016-wards", lambda f: ["boundaries", "ward", "--vintage", "2016", "--out", f / "w.gpkg"], "error", "vintage=2021"),
    ("indicators-unknown", lambda f: ["indicators", "unemploymentrate"], "error", "Did you mean 'unemployment_rate'"),
    ("indicators-level", lambda f: ["indicators", "population", "--level", "county"], "error", "Unknown level 'county'"),
    ("indicators-year", lambda f: ["indicators", "population", "--year", "1990"], "error", "years available: 2011, 2016"),
    ("indicators-theme", lambda f: ["indicators", "--theme", "weather"], "error", "Unknown theme 'weather'"),
    ("indicators-out-docx", lambda f: ["indicators", "population", "--out", f / "x.docx"], "usage", "cannot write x.docx"),
    ("profile-unknown", lambda f: ["profile", "Atlantis", "--out", f / "p.html"], "error", "'Atlantis' matches no area"),
    ("profile-municipality", lambda f: ["profile", "Lephalale", "--out", f / "p.html"], "error", "it lies in Waterberg (DC36"),
    ("profile-vintage-2011", lambda f: ["profile", "Waterberg", "--vintage", "2011", "--out", f / "p.html"], "error", "pass vintage=2016"),
    ("profile-area-and-all", lambda f: ["profile", "Waterberg", "--all", "--out", f / "p"], "usage", "give one AREA or --all"),
    ("profile-format", lambda f: ["profile", "Waterberg", "--format", "docx", "--out", f / "p.docx"], "usage", "unknown format 'docx'"),
    ("map-unknown", lambda f: ["map", "nope", "--out", f / "m.png"], "error", "No indicator 'nope'"),
    ("map-out-jpg", lambda f: ["map", "population", "--out", f / "m.jpg"], "usage", "cannot write m.jpg"),
    ("map-scheme", lambda f: ["map", "population", "--out", f / "m.png", "--scheme", "jenks"], "error", "Unknown scheme 'jenks'"),
    ("map-size", lambda f: ["map", "population", "--out", f / "m.png", "--size", "huge"], "error", "Unknown size 'huge'"),
    ("map-k-zero", lambda f: ["map", "population", "--out", f / "m.png", "--k", "0"], "error", "k=0: the number of classes"),
    ("map-tiles", lambda f: ["map", "population", "--out", f / "m.html", "--tiles", "googlemaps"], "error", "tiles='googlemaps' is not a tile set"),
    ("spatialise-missing-file", lambda f: ["spatialise", f / "nope.csv", "--amount", "x", "--out", f / "o.csv"], "error", "No project table at"),
    ("spatialise-amount-column", lambda f: ["spatialise", f / "budget.csv", "--amount", "rand", "--out", f / "o.csv"], "error", "No amount column 'rand'"),
    ("spatialise-level", lambda f: ["spatialise", f / "budget.csv", "--amount", "x", "--level", "ward", "--out", f / "o.csv"], "error", "level must be 'district'"),
    ("spatialise-unplaced-row", lambda f: ["spatialise", f / "budget.csv", "--amount", "x", "--out", f / "o.csv"], "report", "'Atlantis' matches no area"),
    ("spatialise-enormous-amount", lambda f: ["spatialise", f / "huge.csv", "--amount", "x", "--out", f / "o.csv"], "report", "larger than R 1,000,000,000,000,000"),
    ("zonal-no-crs", lambda f: ["zonal", f / "nocrs.tif", "--out", f / "z.csv"], "error", "has no CRS: assign one"),
    ("zonal-missing", lambda f: ["zonal", f / "nope.tif", "--out", f / "z.csv"], "error", "neither a raster file nor a registered dataset"),
    ("zonal-statistic", lambda f: ["zonal", "worldpop_density_2020", "--stats", "median", "--out", f / "z.csv"], "error", "Unknown statistics ['median']"),
    ("points-missing", lambda f: ["points", f / "nope.csv", "--out", f / "p.csv"], "error", "neither a file nor a registered dataset"),
    ("points-no-coordinates", lambda f: ["points", f / "nocols.csv", "--out", f / "p.csv"], "error", "Found no longitude column among ['a', 'b']"),
    ("points-weight-missing", lambda f: ["points", "dsfsi_hospitals", "--weight", "beds", "--out", f / "p.csv"], "error", "Column 'beds' is not in the points"),
    ("data-fetch-unknown", lambda f: ["data", "fetch", "census2022"], "report", "No dataset 'census2022'"),
    ("data-fetch-nothing", lambda f: ["data", "fetch"], "usage", "name datasets or pass --all"),
    ("data-list-group", lambda f: ["data", "list", "--group", "roads"], "error", "No dataset group 'roads'"),
    ("unknown-command", lambda f: ["frobnicate"], "usage", "No such command 'frobnicate'"),
    # files whose content is not what their name says
    pytest.param(
        "spatialise-zip-named-csv", lambda f: ["spatialise", f / "zipped.csv", "--amount", "x", "--out", f / "o.csv"], "error", "ZIP",
        id="spatialise-zip-named-csv",
    ),
    pytest.param(
        "spatialise-html-named-xlsx", lambda f: ["spatialise", f / "page.xlsx", "--amount", "x", "--out", f / "o.csv"], "error", "HTML",
        id="spatialise-html-named-xlsx",
    ),
    pytest.param(
        "points-png-named-geojson", lambda f: ["points", f / "image.geojson", "--out", f / "p.csv"], "error", "PNG",
        id="points-png-named-geojson",
    ),
    pytest.param(
        "points-html-named-xlsx", lambda f: ["points", f / "page.xlsx", "--out", f / "p.csv"], "error", "HTML",
        id="points-html-named-xlsx",
    ),
    pytest.param(
        "zonal-png-named-tif", lambda f: ["zonal", f / "image.tif", "--out", f / "z.csv"], "error", "PNG|not a (GeoTIFF|raster)",
        id="zonal-png-named-tif",
    ),
]


def _param(case):
    return case if hasattr(case, "marks") else pytest.param(*case, id=case[0])


@pytest.mark.parametrize("name, args, kind, fragment", [_param(c) for c in CASES])
def test_command_fails_cleanly(name, args, kind, fragment, files):
    import re

    message = clean(run(*args(files)), kind)
    assert re.search(fragment if "|" in fragment else re.escape(fragment), message), message


def test_data_verify_names_the_wrong_file(tmp_path, monkeypatch):
    from ddmgeo import _registry

    ds = _registry.get("mdb2020_openup")
    bad = tmp_path / ds.path
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"<html>not the boundaries</html>")
    monkeypatch.setenv("DDMGEO_DATA_DIR", str(tmp_path))
    res = run("data", "verify")
    out = clean(res, "report")
    assert "mdb2020_openup" in out and "MISMATCH: sha256" in out and "mismatched" in out
