"""Safe outputs: hostile text never runs in a browser, and the same inputs give the same bytes.

Every HTML output (a district profile, the all-profiles index, an interactive map, a static map's SVG as
profiles inline it) is rendered in real headless Chromium with names, titles, layer names, paragraphs and
error texts replaced by script: the test fails if any alert fires or the console reports an error, and
the screenshot must not be blank. Determinism: indicator and budget tables are byte-identical across two
processes with different hash seeds (profiles and maps have their own determinism tests in
tests/test_profiles.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import pandas as pd
import pytest

from tests.browser import not_blank, open_page

from ._support import HOSTILE, IMG, RLO, ZWSP

pytestmark = pytest.mark.usefixtures("shared_data")

ATTR = '"><svg onload=alert(3)>'
CLOSE = "</script><script>alert(4)</script>"
EVIL = [HOSTILE, IMG, ATTR, CLOSE, f"{RLO}evil{ZWSP} \U0001f3de", "O'Reilly & \"Sons\""]


def _safe(page, html_text: str) -> None:
    assert page.alerts == [], f"script ran: {page.alerts}"
    assert page.js_errors == [], f"console errors: {page.js_errors}"
    assert not_blank(page.screenshot), "the page rendered blank"
    for raw in (HOSTILE, IMG, ATTR, CLOSE):
        assert raw not in html_text, f"unescaped {raw!r} in the HTML"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.dom  # shown as text, not dropped


@pytest.fixture(scope="module")
def hostile_profile():
    import ddmgeo

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = ddmgeo.profile("Waterberg")
    p.name = HOSTILE
    p.province_name = ATTR
    p.generated = IMG
    s = p.sections[1]
    s.title = CLOSE
    s.paragraphs.append(f"A planner's note {IMG} and {HOSTILE}.")
    s.not_available.append(f"{ATTR} not available")
    for f in s.figures:
        f.title, f.caption, f.alt = HOSTILE, IMG, ATTR
    for t in s.tables:
        t.title, t.note = IMG, CLOSE
        t.frame = t.frame.copy()
        t.frame.iloc[0, 0] = HOSTILE
        t.frame.columns = [IMG, *t.frame.columns[1:]]
    for k in p.key_figures[:1]:
        k.label, k.display = HOSTILE, IMG
    return p


def test_profile_with_hostile_text(hostile_profile, tmp_path):
    path = tmp_path / "profile.html"
    hostile_profile.to_html(path)
    text = path.read_text(encoding="utf-8")
    _safe(open_page(path, tmp_path), text)


def test_profile_markdown_escapes_hostile_text(hostile_profile, tmp_path):
    text = hostile_profile.to_markdown(tmp_path / "profile.md").read_text(encoding="utf-8")
    assert HOSTILE not in text and IMG not in text and "&lt;script&gt;" in text


def test_index_with_hostile_names_and_errors(tmp_path):
    from ddmgeo.profiles._batch import write_index

    result = pd.DataFrame(
        [
            {"code": "DC36", "name": HOSTILE, "status": "ok", "error": "", "file": "DC36.html", "population": 1e300, "households": float("inf"),
             "unemployment_rate": 0.1, "income_poverty_rate": float("nan"), "piped_water_share": 0.3, "service_index": 50.0},
            {"code": "DC35", "name": IMG, "status": "failed", "error": f"ValueError: {CLOSE} {ATTR}", "file": ""},
            {"code": "DC34", "name": EVIL[4], "status": "failed", "error": EVIL[5], "file": ""},
        ]
    )
    path = write_index(tmp_path, result, fmt="html", vintage=2016)
    text = path.read_text(encoding="utf-8")
    _safe(open_page(path, tmp_path), text)
    assert "1e+300" in text and "\u221e" in text  # enormous values readable, not 300 digits


def test_interactive_map_with_hostile_names_title_and_layers(tmp_path):
    import geopandas as gpd
    import numpy as np
    from shapely.geometry import Point

    import ddmgeo
    from ddmgeo import maps

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = ddmgeo.districts()[["code", "name", "geometry"]].copy()
    d["name"] = [EVIL[i % len(EVIL)] for i in range(len(d))]
    d.loc[0, "code"] = ATTR
    d["value"] = np.arange(len(d), dtype=float)
    d.loc[1, "value"] = np.nan
    d.attrs["ddmgeo"] = {"indicators": {"value": {"label": f"Label {IMG}", "unit": "", "higher_is": "neutral", "year": CLOSE, "source": f"source {HOSTILE}"}}}
    points = gpd.GeoDataFrame({"name": [IMG, HOSTILE, CLOSE]}, geometry=[Point(28, -24), Point(29, -25), Point(30, -26)], crs=4326)
    lines = gpd.GeoDataFrame({"name": [ATTR]}, geometry=[Point(27, -27).buffer(0.5).exterior], crs=4326)
    m = maps.interactive(d, "value", tiles=None, title=HOSTILE + IMG, layers={HOSTILE: points, IMG: lines})
    path = tmp_path / "map.html"
    m.save(str(path))
    text = path.read_text(encoding="utf-8")
    _safe(open_page(path, tmp_path), text)


def test_interactive_map_with_odd_layers_has_no_console_errors(tmp_path):
    """Missing and empty geometries, a LinearRing (not GeoJSON), an empty layer: listed, never a broken page."""
    import geopandas as gpd
    from shapely.geometry import LineString, Point, Polygon

    from ddmgeo import maps
    from ddmgeo.errors import DDMGeoWarning

    layers = {
        HOSTILE: gpd.GeoDataFrame({"name": [IMG, CLOSE, ATTR]}, geometry=[Point(28, -24), None, Point()], crs=4326),
        "ring": gpd.GeoDataFrame({"name": [HOSTILE]}, geometry=[Point(27, -27).buffer(0.5).exterior], crs=4326),
        "mixed": gpd.GeoDataFrame({"name": [IMG, CLOSE]}, geometry=[Point(28, -24), LineString([(28, -24), (29, -25)])], crs=4326),
        "empty polygon": gpd.GeoDataFrame({"name": [ATTR, IMG]}, geometry=[Polygon(), Point(30, -28).buffer(0.3)], crs=4326),
        IMG: gpd.GeoDataFrame({"name": []}, geometry=[], crs=4326),
    }
    with pytest.warns(DDMGeoWarning, match="have no geometry and are not drawn"):
        m = maps.interactive(level="province", tiles=None, title=HOSTILE, layers=layers)
    path = tmp_path / "layers.html"
    m.save(str(path))
    _safe(open_page(path, tmp_path), path.read_text(encoding="utf-8"))


def test_interactive_boundaries_map_with_hostile_title(tmp_path):
    from ddmgeo import maps

    m = maps.interactive(level="province", tiles=None, title=CLOSE + HOSTILE)
    path = tmp_path / "provinces.html"
    m.save(str(path))
    _safe(open_page(path, tmp_path), path.read_text(encoding="utf-8"))


def test_static_map_svg_inlined_with_hostile_text(tmp_path):
    """Profiles inline SVG maps as they are: matplotlib must escape titles, legends and source lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ddmgeo import maps

    table = pd.DataFrame({"code": ["DC36", "DC35", "DC34"], "v": [1.0, 2.0, 3.0]})
    fig = maps.choropleth(table, "v", title=HOSTILE + IMG, legend_title=CLOSE, source=ATTR)
    svg = maps.save(fig, tmp_path / "map.svg").read_text(encoding="utf-8")
    plt.close(fig)
    page = tmp_path / "inline.html"
    page.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>map</title></head><body>{svg[svg.index('<svg'):]}</body></html>", encoding="utf-8")
    _safe(open_page(page, tmp_path), page.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- determinism

_INDICATORS = """
import sys, warnings
warnings.simplefilter("ignore")
from ddmgeo import indicators
t = indicators.get(["population", "unemployment_rate", "piped_water_share", "income_poverty_rate", "household_size"], level="municipality")
sys.stdout.buffer.write(t.to_csv(index=False).encode())
d = indicators.aggregate(indicators.get(["unemployed", "labour_force", "unemployment_rate"], level="municipality", output="tidy"), to="province")
sys.stdout.buffer.write(d.to_csv(index=False).encode())
"""

_BUDGET = """
import sys, warnings
warnings.simplefilter("ignore")
import pandas as pd
from ddmgeo import budget
table = pd.DataFrame({
    "project": ["A", "B", "C", "D", "E", "F", "G", "H", "A"],
    "district": ["Waterberg", "Limpopo", "national", "DC36; DC35; Vhembe", "Eden", "Atlantis", None, "Emalahleni", "Vhembe"],
    "lon": [None, None, None, None, None, None, -24.0, None, None],
    "lat": [None, None, None, None, None, None, 28.0, None, None],
    "rand": ["1 000 000,01", "R 2 500 000", "999 999 999.99", "(1 234,56)", "333,33", "5", "7", "1e300", "0,01"],
    "dept": ["Health", "Water", "Roads", "Health", "Water", "Roads", "Health", "Water", "Roads"],
})
r = budget.spatialise(table, amount="rand", id="project", by="dept")
for frame in (r.allocations, r.by_area, r.unallocated, r.issues):
    sys.stdout.buffer.write(frame.to_csv(index=False).encode())
"""


def _run(code: str, seed: int) -> bytes:
    env = dict(os.environ, PYTHONHASHSEED=str(seed))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, env=env, timeout=600)
    assert out.returncode == 0, out.stderr.decode(errors="replace")[-2000:]
    return out.stdout


@pytest.mark.parametrize("code", [pytest.param(_INDICATORS, id="indicators-get-and-aggregate"), pytest.param(_BUDGET, id="budget-spatialise")])
def test_same_inputs_give_byte_identical_tables(code):
    first, second = _run(code, 1), _run(code, 2)
    assert len(first) > 1000
    assert first == second, "the same inputs gave different bytes in two processes"


def test_same_inputs_give_byte_identical_tables_in_one_process():
    from ddmgeo import indicators

    a = indicators.get(["population", "unemployment_rate"], level="district").to_csv(index=False).encode()
    b = indicators.get(["population", "unemployment_rate"], level="district").to_csv(index=False).encode()
    assert a == b
