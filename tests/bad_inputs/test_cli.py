"""Every ``ddm`` command given bad input: the right exit code, one clear line, never a traceback.

Exit 2 for a usage error (a bad option, a value that is not allowed, a name that cannot be resolved),
exit 1 when the command line was fine but the work failed (data not available, a file whose content is
wrong, rows that could not be placed). An error is one line starting ``error:``; a usage error also shows
the command's usage line; ``resolve`` reports each failed name on its own line.
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


def clean(res, kind: str = "error", code: int | None = None) -> str:
    """The failure is clean: the exit code, no traceback, no escaped exception, one ``error:`` line; returns the message."""
    out = res.output
    assert res.exit_code != 0, out
    if code is not None:
        assert res.exit_code == code, f"exit {res.exit_code}, expected {code}:\n{out}"
    assert "Traceback" not in out, out
    assert res.exception is None or isinstance(res.exception, SystemExit), f"{type(res.exception).__name__}: {res.exception}\n{out}"
    errors = [line for line in out.splitlines() if line.startswith("error: ")]
    if kind in ("error", "usage"):
        assert len(errors) == 1, out
        if kind == "usage":
            assert "Usage: ddm" in out and "--help" in errors[0], out
        return errors[0]
    assert len(errors) <= 1, out
    return out


_CLI = "cli.py (not editable here)"

CASES = [
    # command, arguments (f: the files folder), kind, fragment of the message, exit code
    ("resolve-unknown", lambda f: ["resolve", "Atlantis"], "report", "'Atlantis' matches no area", 2),
    ("resolve-emoji", lambda f: ["resolve", "\U0001f3de"], "report", "matches no area", 2),
    ("resolve-hostile", lambda f: ["resolve", HOSTILE], "report", "matches no area", 2),
    ("resolve-level", lambda f: ["resolve", "Waterberg", "--level", "county"], "error", "Unknown level 'county'", 2),
    ("resolve-vintage", lambda f: ["resolve", "Waterberg", "--vintage", "1999"], "error", "Unknown boundary vintage 1999", 2),
    ("lineage-unknown", lambda f: ["lineage", "XX999"], "error", "'XX999' matches no area of the 2011 demarcation", 2),
    ("lineage-vintage", lambda f: ["lineage", "EC103", "--vintage", "1999"], "error", "Unknown boundary vintage 1999", 2),
    ("districts-vintage", lambda f: ["districts", "--vintage", "1999"], "error", "Unknown boundary vintage 1999", 2),
    ("districts-out-xlsx", lambda f: ["districts", "--out", f / "d.xlsx"], "usage", "cannot write d.xlsx", 2),
    ("districts-vintage-text", lambda f: ["districts", "--vintage", "twenty"], "usage", "Invalid value for '--vintage'", 2),
    ("boundaries-level", lambda f: ["boundaries", "county", "--out", f / "b.gpkg"], "error", "Unknown level 'county'", 2),
    ("boundaries-resolution", lambda f: ["boundaries", "district", "--resolution", "high", "--out", f / "b.gpkg"], "error", "Unknown resolution 'high'", 2),
    ("boundaries-2016-wards", lambda f: ["boundaries", "ward", "--vintage", "2016", "--out", f / "w.gpkg"], "error", "`ddm boundaries ward --vintage 2021 --out FILE`", 1),
    ("indicators-unknown", lambda f: ["indicators", "unemploymentrate"], "error", "Did you mean 'unemployment_rate'", 2),
    ("indicators-level", lambda f: ["indicators", "population", "--level", "county"], "error", "Unknown level 'county'", 2),
    ("indicators-year", lambda f: ["indicators", "population", "--year", "1990"], "error", "years available: 2011, 2016", 1),
    ("indicators-theme", lambda f: ["indicators", "--theme", "weather"], "error", "Unknown theme 'weather'", 2),
    ("indicators-out-docx", lambda f: ["indicators", "population", "--out", f / "x.docx"], "usage", "cannot write x.docx", 2),
    ("profile-unknown", lambda f: ["profile", "Atlantis", "--out", f / "p.html"], "error", "'Atlantis' matches no area", 2),
    ("profile-ambiguous", lambda f: ["profile", "Emalahleni", "--out", f / "p.html"], "error", "fits more than one area", 2),
    ("profile-vintage-2011", lambda f: ["profile", "Waterberg", "--vintage", "2011", "--out", f / "p.html"], "error", "pass --vintage 2016", 2),
    ("profile-area-and-all", lambda f: ["profile", "Waterberg", "--all", "--out", f / "p"], "usage", "give one AREA or --all", 2),
    ("profile-format", lambda f: ["profile", "Waterberg", "--format", "docx", "--out", f / "p.docx"], "usage", "unknown format 'docx'", 2),
    ("map-unknown", lambda f: ["map", "nope", "--out", f / "m.png"], "error", "No indicator 'nope'", 2),
    ("map-out-jpg", lambda f: ["map", "population", "--out", f / "m.jpg"], "usage", "cannot write m.jpg", 2),
    ("map-scheme", lambda f: ["map", "population", "--out", f / "m.png", "--scheme", "jenks"], "error", "Unknown scheme 'jenks'", 2),
    ("map-size", lambda f: ["map", "population", "--out", f / "m.png", "--size", "huge"], "error", "Unknown size 'huge'", 2),
    ("map-k-zero", lambda f: ["map", "population", "--out", f / "m.png", "--k", "0"], "error", "k=0: the number of classes", 2),
    ("map-tiles", lambda f: ["map", "population", "--out", f / "m.html", "--tiles", "googlemaps"], "error", "tiles='googlemaps' is not a tile set", 2),
    ("spatialise-missing-file", lambda f: ["spatialise", f / "nope.csv", "--amount", "x", "--out", f / "o.csv"], "error", "No project table at", 2),
    ("spatialise-amount-column", lambda f: ["spatialise", f / "budget.csv", "--amount", "rand", "--out", f / "o.csv"], "error", "No amount column 'rand'", 2),
    ("spatialise-level", lambda f: ["spatialise", f / "budget.csv", "--amount", "x", "--level", "ward", "--out", f / "o.csv"], "error", "level must be 'district'", 2),
    ("spatialise-unplaced-row", lambda f: ["spatialise", f / "budget.csv", "--amount", "x", "--out", f / "o.csv"], "report", "'Atlantis' matches no area", 1),
    ("spatialise-enormous-amount", lambda f: ["spatialise", f / "huge.csv", "--amount", "x", "--out", f / "o.csv"], "report", "larger than R 1,000,000,000,000,000", 1),
    ("zonal-no-crs", lambda f: ["zonal", f / "nocrs.tif", "--out", f / "z.csv"], "error", "has no CRS: assign one", 1),
    ("zonal-missing", lambda f: ["zonal", f / "nope.tif", "--out", f / "z.csv"], "error", "neither a raster file nor a registered dataset", 2),
    ("zonal-statistic", lambda f: ["zonal", "worldpop_density_2020", "--stats", "median", "--out", f / "z.csv"], "error", "Unknown statistics ['median']", 2),
    ("points-missing", lambda f: ["points", f / "nope.csv", "--out", f / "p.csv"], "error", "neither a file nor a registered dataset", 2),
    ("points-no-coordinates", lambda f: ["points", f / "nocols.csv", "--out", f / "p.csv"], "error", "Found no longitude column among ['a', 'b']", 1),
    ("points-weight-missing", lambda f: ["points", "dsfsi_hospitals", "--weight", "beds", "--out", f / "p.csv"], "error", "Column 'beds' is not in the points", 1),
    ("data-fetch-unknown", lambda f: ["data", "fetch", "mdb2020_openup", "census2022"], "error", "No dataset 'census2022'", 2),
    ("data-build-unknown", lambda f: ["data", "build", "census2022"], "error", "No dataset 'census2022'", 2),
    ("data-build-not-built", lambda f: ["data", "build", "mdb2020_openup"], "usage", "`ddm data fetch mdb2020_openup`", 2),
    ("root-option", lambda f: ["--colour", "districts"], "usage", "No such option: --colour", 2),
    ("quiet-and-verbose", lambda f: ["--quiet", "--verbose", "districts"], "usage", "use --quiet or --verbose, not both", 2),
    ("data-fetch-nothing", lambda f: ["data", "fetch"], "usage", "name datasets or pass --all", 2),
    ("data-list-group", lambda f: ["data", "list", "--group", "roads"], "error", "No dataset group 'roads'", 2),
    ("unknown-command", lambda f: ["frobnicate"], "usage", "No such command 'frobnicate'", 2),
    # files whose content is not what their name says
    pytest.param(
        "spatialise-zip-named-csv", lambda f: ["spatialise", f / "zipped.csv", "--amount", "x", "--out", f / "o.csv"], "error", "ZIP", 1,
        id="spatialise-zip-named-csv",
    ),
    pytest.param(
        "spatialise-html-named-xlsx", lambda f: ["spatialise", f / "page.xlsx", "--amount", "x", "--out", f / "o.csv"], "error", "HTML", 1,
        id="spatialise-html-named-xlsx",
    ),
    pytest.param(
        "points-png-named-geojson", lambda f: ["points", f / "image.geojson", "--out", f / "p.csv"], "error", "PNG", 1,
        id="points-png-named-geojson",
    ),
    pytest.param(
        "points-html-named-xlsx", lambda f: ["points", f / "page.xlsx", "--out", f / "p.csv"], "error", "HTML", 1,
        id="points-html-named-xlsx",
    ),
    pytest.param(
        "zonal-png-named-tif", lambda f: ["zonal", f / "image.tif", "--out", f / "z.csv"], "error", "PNG|not a (GeoTIFF|raster)", 1,
        id="zonal-png-named-tif",
    ),
]


def _param(case):
    return case if hasattr(case, "marks") else pytest.param(*case, id=case[0])


@pytest.mark.parametrize("name, args, kind, fragment, code", [_param(c) for c in CASES])
def test_command_fails_cleanly(name, args, kind, fragment, code, files):
    import re

    message = clean(run(*args(files)), kind, code)
    assert re.search(fragment if "|" in fragment else re.escape(fragment), message), message


def test_data_verify_names_the_wrong_file(tmp_path, monkeypatch):
    from ddmgeo import _registry

    ds = _registry.get("mdb2020_openup")
    bad = tmp_path / ds.path
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"<html>not the boundaries</html>")
    monkeypatch.setenv("DDMGEO_DATA_DIR", str(tmp_path))
    res = run("data", "verify")
    out = clean(res, "report", 1)
    assert "mdb2020_openup" in out and "MISMATCH: sha256" in out and "mismatched" in out
