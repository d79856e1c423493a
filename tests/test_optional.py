"""Every optional dependency, when it is missing, is named with the extra that installs it.

Each case hides one module (``sys.modules[name] = None``, which makes ``import name`` fail as if it
were not installed) and calls a public function that needs it: the error is
:class:`ddmgeo.errors.MissingDependencyError` saying ``pip install "ddmgeo[<extra>]"``, and on the
command line one ``error:`` line with exit code 1.
"""

from __future__ import annotations

import ast
import io
import re
import sys
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ddmgeo
from ddmgeo._optional import EXTRAS, PURPOSES, require
from ddmgeo.errors import DDMGeoError, MissingDependencyError

REPO = Path(__file__).resolve().parent.parent


def hide(monkeypatch, name: str) -> None:
    """Make *name* (and its imported submodules) unimportable for the rest of the test."""
    for key in [k for k in sys.modules if k == name or k.startswith(name + ".")] + [name]:
        monkeypatch.setitem(sys.modules, key, None)


def expect_missing(call, module: str, extra: str) -> MissingDependencyError:
    with pytest.raises(MissingDependencyError) as info:
        call()
    err = info.value
    assert err.module == module and err.extra == extra
    assert f'pip install "ddmgeo[{extra}]"' in str(err) and module in str(err)
    assert isinstance(err, ImportError) and isinstance(err, DDMGeoError)
    return err


# ----------------------------------------------------------------------------- the helper


def test_require_returns_the_module():
    import json

    assert require("json", "none", "for nothing") is json


def test_require_names_the_extra(monkeypatch):
    hide(monkeypatch, "mapclassify")
    err = expect_missing(lambda: require("mapclassify", "maps", "to classify map values"), "mapclassify", "maps")
    assert str(err) == 'mapclassify is needed to classify map values but is not installed: pip install "ddmgeo[maps]"'
    assert isinstance(err.__cause__, ImportError)


def test_require_does_not_show_the_notices_a_dependency_raises_on_import(monkeypatch, tmp_path):
    # like tqdm.auto imported by esda in Jupyter without ipywidgets: "IProgress not found ..."
    (tmp_path / "noisy_dependency.py").write_text("import warnings\nwarnings.warn('IProgress not found', UserWarning)\nVALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "noisy_dependency", raising=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = require("noisy_dependency", "spatial")
    assert module.VALUE == 1
    assert [str(w.message) for w in caught] == []


def test_require_of_a_submodule_names_the_package(monkeypatch):
    hide(monkeypatch, "dask")
    expect_missing(lambda: require("dask.dataframe", "dask", "for engine='dask'"), "dask", "dask")


def _pyproject_extras() -> dict[str, list[str]]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]


def _distributions(extra: str, extras: dict[str, list[str]]) -> set[str]:
    """The distributions an extra installs, self-references (ddmgeo[maps]) followed."""
    out: set[str] = set()
    for req in extras[extra]:
        name = re.split(r"[<>=!~;\[ ]", req, maxsplit=1)[0].lower().replace("_", "-")
        if name == "ddmgeo":
            for inner in re.search(r"\[(.*)\]", req).group(1).split(","):
                out |= _distributions(inner.strip(), extras)
        else:
            out.add(name)
    return out


#: distribution names that are not the module name
DISTRIBUTIONS = {"pptx": "python-pptx"}


def _distribution(module: str) -> str:
    return DISTRIBUTIONS.get(module, module.replace("_", "-"))


def test_every_extra_named_installs_the_module():
    extras = _pyproject_extras()
    for module, extra in EXTRAS.items():
        assert extra in extras, f"{module}: extra {extra!r} is not in pyproject.toml"
        assert _distribution(module) in _distributions(extra, extras), f"ddmgeo[{extra}] does not install {module}"


def _sources() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text(encoding="utf-8")) for path in sorted((REPO / "src" / "ddmgeo").rglob("*.py"))}


def _type_checking_nodes(tree: ast.Module) -> set[int]:
    """The ids of the nodes under ``if TYPE_CHECKING:`` (imports for annotations only, never run)."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            out |= {id(n) for sub in node.body for n in ast.walk(sub)}
    return out


def _require_calls() -> set[tuple[str, str | None]]:
    """(module, extra) of every require() call in src/ with a literal module (extra None: EXTRAS's default)."""
    calls = set()
    for tree in _sources().values():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and ast.unparse(node.func).endswith("require") and node.args):
                continue
            if isinstance(node.args[0], ast.Constant):
                extra = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "extra"), None)
                calls.add((node.args[0].value, extra.value if isinstance(extra, ast.Constant) else None))
            elif isinstance(node.args[0], ast.IfExp):  # require("openpyxl" if ... else "xlrd", "excel", ...)
                for branch in (node.args[0].body, node.args[0].orelse):
                    calls.add((branch.value, node.args[1].value if len(node.args) > 1 else None))
    return calls


def _needs_modules() -> set[tuple[str, str]]:
    """(module, extra) of every @needs(...) decorator in src/."""
    out = set()
    for tree in _sources().values():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("needs"):
                extra = next(k.value.value for k in node.keywords if k.arg == "extra")
                out |= {(a.value, extra) for a in node.args}
    return out


def test_no_optional_module_is_imported_outside_require():
    """Every optional module is imported through require()/needs(), so that a missing one names its extra."""
    found = []
    for path, tree in _sources().items():
        if path.name == "_optional.py":
            continue
        skip = _type_checking_nodes(tree)
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            found += [f"{path.relative_to(REPO)}:{node.lineno}: {ast.unparse(node)}" for n in names if n.partition(".")[0] in EXTRAS]
            # importlib.import_module("folium") would slip past the check above
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("import_module") and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and str(arg.value).partition(".")[0] in EXTRAS:
                    found.append(f"{path.relative_to(REPO)}:{node.lineno}: {ast.unparse(node)}")
    assert not found, "import these through ddmgeo._optional.require():\n" + "\n".join(found)


def test_every_optional_import_in_src_is_in_extras():
    """A module imported through require() or needs() anywhere in src/ is known to EXTRAS, and the extra named installs it."""
    extras = _pyproject_extras()
    calls = _require_calls() | _needs_modules()
    assert len(calls) > 20, "the require() calls were not found"
    for module, extra in sorted(calls, key=str):
        top = module.partition(".")[0]
        assert top in EXTRAS, f"require({module!r}, ...): add {top!r} to ddmgeo._optional.EXTRAS"
        extra = extra or EXTRAS[top]
        assert _distribution(top) in _distributions(extra, extras), f"require({module!r}, {extra!r}): ddmgeo[{extra}] does not install it"


def test_every_module_of_extras_is_used_in_src():
    """The other way round: every EXTRAS module is imported somewhere in src/, and every distribution of a
    user-facing extra is an EXTRAS module (nothing installed that ddmgeo does not use)."""
    used = {module.partition(".")[0] for module, _ in _require_calls() | _needs_modules()}
    assert set(EXTRAS) <= used, f"in EXTRAS but never imported: {sorted(set(EXTRAS) - used)}"
    extras = _pyproject_extras()
    # notebooks: JupyterLab runs the analyst notebooks (notebooks/*.ipynb), not ddmgeo itself
    by_notebooks = {"jupyterlab"}
    user_facing = [e for e in extras if e not in ("all", "test", "docs", "bench", "lint", "dev")]
    installed = set().union(*(_distributions(e, extras) for e in user_facing))
    assert installed - by_notebooks == {_distribution(m) for m in EXTRAS}, "a distribution of an extra is not used in src/"
    assert _distributions("notebooks", extras) & by_notebooks == by_notebooks
    assert set(PURPOSES) == set(EXTRAS.values())


def test_require_defaults_to_the_extra_of_extras(monkeypatch):
    hide(monkeypatch, "matplotlib")
    err = expect_missing(lambda: require("matplotlib.patches"), "matplotlib", "maps")
    assert str(err) == 'matplotlib is needed to draw maps but is not installed: pip install "ddmgeo[maps]"'
    import json

    assert require("json", "none") is json  # an explicit extra needs no EXTRAS entry


def test_all_is_user_facing_and_dev_has_the_tools():
    extras = _pyproject_extras()
    tools = {"pytest", "hypothesis", "pytest-xdist", "nbmake", "ipykernel", "mkdocs", "mkdocstrings", "rasterstats", "tobler"}
    assert not (_distributions("all", extras) & tools), "[all] pulls in test, docs or benchmark tools"
    assert {_distribution(m) for m in EXTRAS} <= _distributions("all", extras)
    assert {"pytest", "hypothesis", "pytest-xdist", "nbmake", "mkdocs"} <= _distributions("dev", extras)


# ----------------------------------------------------------------------------- each dependency, hidden


@pytest.fixture()
def district_table(shared_data):
    return ddmgeo.indicators.get("unemployment_rate", level="district")


@pytest.mark.parametrize("module", ["matplotlib", "mapclassify"])
def test_static_maps(monkeypatch, district_table, module):
    hide(monkeypatch, module)
    expect_missing(lambda: ddmgeo.maps.choropleth(district_table, "unemployment_rate"), module, "maps")


def test_classify(monkeypatch):
    import pandas as pd

    hide(monkeypatch, "mapclassify")
    expect_missing(lambda: ddmgeo.maps.classify(pd.Series([1.0, 2.0, 3.0]), "quantiles", 3, None), "mapclassify", "maps")


def test_interactive_maps(monkeypatch, district_table):
    hide(monkeypatch, "folium")
    expect_missing(lambda: ddmgeo.maps.interactive(district_table, "unemployment_rate", tiles=None), "folium", "interactive")


def test_change_maps(monkeypatch, shared_data):
    table = ddmgeo.monitoring.change("informal_dwelling_share", start=2011, end=2016)
    hide(monkeypatch, "matplotlib")
    expect_missing(lambda: ddmgeo.maps.change_map(table, "informal_dwelling_share"), "matplotlib", "maps")


def test_zonal_stats(monkeypatch, shared_data):
    hide(monkeypatch, "rasterio")
    expect_missing(lambda: ddmgeo.overlays.zonal_stats("worldpop_density_2020", level="district"), "rasterio", "raster")


@pytest.mark.parametrize("module", ["esda", "libpysal"])
def test_hotspots(monkeypatch, district_table, module):
    hide(monkeypatch, module)
    expect_missing(lambda: ddmgeo.overlays.hotspots(district_table, "unemployment_rate"), module, "spatial")


def test_count_points_with_dask(monkeypatch, shared_data, tmp_path):
    points = tmp_path / "points.csv"
    points.write_text("lon,lat\n28.0,-24.0\n")
    hide(monkeypatch, "dask")
    expect_missing(lambda: ddmgeo.overlays.count_points(str(points), engine="dask"), "dask", "dask")


def test_geoparquet_with_dask(monkeypatch, shared_data, tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    path = tmp_path / "points.parquet"
    gpd.GeoDataFrame({"n": [1]}, geometry=[Point(28.0, -24.0)], crs="EPSG:4326").to_parquet(path)
    pytest.importorskip("dask.dataframe")
    hide(monkeypatch, "dask_geopandas")
    expect_missing(lambda: ddmgeo.overlays.count_points(str(path), engine="dask"), "dask_geopandas", "dask")


def test_read_table_xlsx(monkeypatch, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.append(["district", "budget"])
    book.active.append(["Waterberg", 1])
    book.save(tmp_path / "x.xlsx")
    hide(monkeypatch, "openpyxl")
    expect_missing(lambda: ddmgeo.read_table(tmp_path / "x.xlsx"), "openpyxl", "excel")


def test_read_table_xls(monkeypatch, tmp_path):
    (tmp_path / "x.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    hide(monkeypatch, "xlrd")
    expect_missing(lambda: ddmgeo.read_table(tmp_path / "x.xls"), "xlrd", "excel")


@pytest.mark.parametrize(
    "dataset, module",
    [("who_kemri_health_facilities", "rdata"), ("ne10m_lakes_za", "py7zr"), ("dbe_schools_2017q1", "openpyxl")],
)
def test_build(monkeypatch, shared_data, tmp_path, dataset, module):
    hide(monkeypatch, module)
    expect_missing(lambda: ddmgeo.datasets.build(dataset, to=tmp_path), module, "build")
    assert not any(p.is_file() for p in tmp_path.rglob("*")), "a failed build left a file behind"


# ----------------------------------------------------------------------------- profiles


@pytest.fixture(scope="module")
def waterberg():
    from tests.conftest import SHARED

    if SHARED is None:
        pytest.skip("real data not available: set DDMGEO_DATA_DIR")
    return ddmgeo.profile("Waterberg")


def test_profile_needs_matplotlib(monkeypatch, shared_data):
    hide(monkeypatch, "matplotlib")
    with pytest.raises(MissingDependencyError, match=r'pip install "ddmgeo\[(report|maps)\]"'):
        ddmgeo.profile("Waterberg")


def test_profile_html_needs_jinja2(monkeypatch, waterberg, tmp_path):
    from ddmgeo.profiles import _render

    _render.environment.cache_clear()  # built once per process, with jinja2
    hide(monkeypatch, "jinja2")
    try:
        expect_missing(lambda: waterberg.to_html(tmp_path / "w.html"), "jinja2", "report")
    finally:
        _render.environment.cache_clear()


def test_profile_pdf_needs_weasyprint(monkeypatch, waterberg, tmp_path):
    hide(monkeypatch, "weasyprint")
    expect_missing(lambda: waterberg.to_pdf(tmp_path / "w.pdf"), "weasyprint", "report")


def test_profile_progress_bar_needs_tqdm(monkeypatch, shared_data, tmp_path):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", Terminal())
    hide(monkeypatch, "tqdm")
    expect_missing(lambda: ddmgeo.profiles.build_all(tmp_path, areas=["DC36"], progress=True), "tqdm", "report")


# ----------------------------------------------------------------------------- the command line


@pytest.mark.parametrize(
    "module, extra, args",
    [
        ("mapclassify", "maps", ["map", "population", "--out", "m.png"]),
        ("folium", "interactive", ["map", "population", "--out", "m.html", "--tiles", "none"]),
        ("rasterio", "raster", ["zonal", "worldpop_density_2020", "--out", "z.csv"]),
        ("openpyxl", "excel", ["indicators", "population", "--out", "v.xlsx"]),
        ("rdata", "build", ["data", "build", "who_kemri_health_facilities", "--to", "built"]),
    ],
)
def test_cli_names_the_extra(monkeypatch, shared_data, tmp_path, module, extra, args):
    monkeypatch.chdir(tmp_path)
    hide(monkeypatch, module)
    from ddmgeo.cli import app

    res = CliRunner().invoke(app, args)
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output
    errors = [line for line in res.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, res.output
    assert f'pip install "ddmgeo[{extra}]"' in res.output and "ModuleNotFoundError" not in res.output


# ----------------------------------------------------------------------------- every module, one public call each


def _points_csv(tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("lon,lat\n28.0,-24.0\n")
    return str(path)


def _points_parquet(tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    pytest.importorskip("dask.dataframe")  # so that dask_geopandas is the one missing
    path = tmp_path / "points.parquet"
    gpd.GeoDataFrame({"n": [1]}, geometry=[Point(28.0, -24.0)], crs="EPSG:4326").to_parquet(path)
    return str(path)


def _xls(tmp_path):
    (tmp_path / "x.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    return tmp_path / "x.xls"


def _district_values():
    return ddmgeo.indicators.get("unemployment_rate", level="district")  # the embedded core: no data needed


#: module -> a public call that needs it: (needs, call). needs: "data" (the shared data), "profile" (a
#: built profile, passed as the second argument) or "" (nothing).
EVERY_MODULE = {
    "matplotlib": ("", lambda tmp, _: ddmgeo.maps.save(None, tmp / "m.png")),
    "mapclassify": ("", lambda tmp, _: ddmgeo.maps.bivariate(_district_values(), "unemployment_rate", "unemployment_rate")),
    "folium": ("", lambda tmp, _: ddmgeo.maps.interactive(_district_values(), "unemployment_rate", tiles=None)),
    "rasterio": ("", lambda tmp, _: ddmgeo.overlays.raster_cells(tmp / "no.tif")),
    "esda": ("", lambda tmp, _: ddmgeo.overlays.hotspots(_district_values(), "unemployment_rate")),
    "libpysal": ("", lambda tmp, _: ddmgeo.overlays.hotspots(_district_values(), "unemployment_rate")),
    "jinja2": ("profile", lambda tmp, p: p.to_html(tmp / "p.html")),
    "weasyprint": ("profile", lambda tmp, p: p.to_pdf(tmp / "p.pdf")),
    "pptx": ("profile", lambda tmp, p: p.to_pptx(tmp / "p.pptx")),
    "tqdm": ("data", lambda tmp, _: ddmgeo.profiles.build_all(tmp, areas=["DC36"], progress=True)),
    "openpyxl": ("", lambda tmp, _: ddmgeo.io.to_workbook(_district_values(), tmp / "v.xlsx")),
    "xlrd": ("", lambda tmp, _: ddmgeo.read_table(_xls(tmp))),
    "dask": ("", lambda tmp, _: ddmgeo.overlays.count_points(_points_csv(tmp), engine="dask")),
    "dask_geopandas": ("", lambda tmp, _: ddmgeo.overlays.count_points(_points_parquet(tmp), engine="dask")),
    "py7zr": ("data", lambda tmp, _: ddmgeo.datasets.build("ne10m_lakes_za", to=tmp)),
    "rdata": ("data", lambda tmp, _: ddmgeo.datasets.build("who_kemri_health_facilities", to=tmp)),
}


def test_every_optional_module_has_a_case():
    assert set(EVERY_MODULE) == set(EXTRAS)


@pytest.mark.parametrize("module", sorted(EVERY_MODULE))
def test_every_optional_module_names_its_extra(monkeypatch, request, tmp_path, module):
    what, call = EVERY_MODULE[module]
    profile = None
    if what == "data":
        request.getfixturevalue("shared_data")
    elif what == "profile":
        profile = request.getfixturevalue("waterberg")
    if module == "tqdm":  # a progress bar is drawn on a terminal only
        class Terminal(io.StringIO):
            def isatty(self) -> bool:
                return True

        monkeypatch.setattr(sys, "stderr", Terminal())
    if module == "jinja2":
        from ddmgeo.profiles import _render

        _render.environment.cache_clear()  # built once per process, with jinja2
        request.addfinalizer(_render.environment.cache_clear)
    hide(monkeypatch, module)
    expect_missing(lambda: call(tmp_path, profile), module, EXTRAS[module])
