"""Static and interactive maps on the real data: files decode, legends match mapclassify, no data, XSS-safe HTML."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import mapclassify
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import shapely  # noqa: E402

import ddmgeo  # noqa: E402
from ddmgeo import indicators as I  # noqa: E402
from ddmgeo import maps  # noqa: E402

from .browser import not_blank, open_page  # noqa: E402

pytestmark = pytest.mark.usefixtures("shared_data")
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_cartographic_tier_is_a_valid_coverage():
    carto = maps.cartographic("district")
    full = ddmgeo.districts()
    assert list(carto.code) == list(full.code) and carto.crs.to_string() == "EPSG:4326"
    assert shapely.coverage_is_valid(carto.to_crs(maps.MAP_CRS).geometry.values)
    assert shapely.get_num_coordinates(carto.geometry.values).sum() < shapely.get_num_coordinates(full.geometry.values).sum()
    # simplification keeps areas to a fraction of a per cent
    ratio = carto.to_crs(ddmgeo.settings.EQUAL_AREA_CRS).area.sum() / full.to_crs(ddmgeo.settings.EQUAL_AREA_CRS).area.sum()
    assert abs(ratio - 1) < 0.002


@pytest.mark.parametrize("scheme, k", [("quantiles", 5), ("equal_interval", 4), ("natural_breaks", 5), ("fisher_jenks", 3)])
def test_legend_classes_equal_mapclassify_breaks(scheme, k):
    t = I.get("unemployment_rate")
    fig = maps.choropleth(t, "unemployment_rate", scheme=scheme, k=k)
    ref = {"quantiles": mapclassify.Quantiles, "equal_interval": mapclassify.EqualInterval, "natural_breaks": mapclassify.NaturalBreaks, "fisher_jenks": mapclassify.FisherJenks}[scheme]
    y = t.unemployment_rate.to_numpy()
    expected = ref(y, k=k).bins if scheme != "natural_breaks" else fig._ddmgeo_bins  # natural breaks is randomised
    assert np.allclose(fig._ddmgeo_bins, expected)
    counts = [n for _, n in fig._ddmgeo_legend]
    assert sum(counts) == 52 and len(counts) == len(fig._ddmgeo_bins)
    assert fig._ddmgeo_legend[0][0].endswith("%")


def test_user_defined_breaks():
    fig = maps.choropleth(I.get("unemployment_rate"), "unemployment_rate", scheme="user_defined", bins=[0.2, 0.3, 0.6])
    assert fig._ddmgeo_bins == [0.2, 0.3, 0.6]
    with pytest.raises(ValueError, match="bins"):
        maps.choropleth(I.get("unemployment_rate"), "unemployment_rate", scheme="user_defined")
    with pytest.raises(ValueError, match="Unknown scheme"):
        maps.choropleth(I.get("unemployment_rate"), "unemployment_rate", scheme="jenks")


def test_missing_values_get_a_no_data_entry_not_a_class():
    t = I.get("piped_water_share", level="municipality")
    t.loc[t.code.str.startswith("KZN"), "piped_water_share"] = np.nan
    n_missing = int(t.piped_water_share.isna().sum())
    fig = maps.choropleth(t, "piped_water_share", level="municipality")
    labels = [lab for lab, _ in fig._ddmgeo_legend]
    assert labels[-1] == "No data" and fig._ddmgeo_legend[-1][1] == n_missing
    assert sum(n for _, n in fig._ddmgeo_legend[:-1]) == len(t) - n_missing
    # a row left out of the table is missing too
    fig2 = maps.choropleth(t.dropna(), "piped_water_share", level="municipality")
    assert fig2._ddmgeo_legend[-1] == ("No data", n_missing)


def test_all_missing_is_an_error():
    t = I.get("unemployment_rate")
    t["unemployment_rate"] = np.nan
    with pytest.raises(ddmgeo.errors.DataNotAvailableError, match="Every value is missing"):
        maps.choropleth(t, "unemployment_rate")


def test_png_svg_pdf_written_and_decoded(tmp_path):
    fig = maps.choropleth(column="flush_toilet_share")
    png = maps.save(fig, tmp_path / "m.png")
    img = plt.imread(png)
    assert img.shape[0] == 1500 and img.shape[1] == 2666  # 16:9 at 200 dpi
    svg = maps.save(fig, tmp_path / "m.svg")
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg") and svg.stat().st_size < 300_000
    pdf = maps.save(fig, tmp_path / "m.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") + data.count(b"/Type /Page>") >= 1
    import subprocess
    import shutil

    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        assert re.search(r"Pages:\s+1\n", info), info
    with pytest.raises(ValueError, match=".png, .svg or .pdf"):
        maps.save(fig, tmp_path / "m.jpg")


def test_a4_size(tmp_path):
    fig = maps.choropleth(column="unemployment_rate", size="a4")
    assert tuple(round(x, 2) for x in fig.get_size_inches()) == (11.69, 8.27)


def test_district_map_with_layers(tmp_path):
    import geopandas as gpd

    pts = gpd.GeoDataFrame({"name": ["A", "B"]}, geometry=gpd.points_from_xy([27.9, 28.4], [-24.2, -24.6]), crs=4326)
    fig = maps.district_map("Waterberg", layers={"Clinics": pts})
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {"Lephalale", "Thabazimbi", "Mogalakwena", "Bela-Bela", "Modimolle-Mookgophong"} <= texts
    assert "Waterberg (DC36)" in {t.get_text() for t in fig.texts}
    maps.save(fig, tmp_path / "w.png")
    with pytest.raises(ddmgeo.errors.CRSError):
        maps.district_map("DC36", layers={"x": pts.set_crs(None, allow_override=True)})


def test_district_map_labels_do_not_overlap():
    fig = maps.district_map("eThekwini")
    fig2 = maps.district_map("Sedibeng")
    for f in (fig, fig2):
        r = f.canvas.get_renderer()
        boxes = [t.get_window_extent(renderer=r) for t in f.axes[0].texts]
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                assert not boxes[i].overlaps(boxes[j])


def test_bivariate_and_proportional(tmp_path):
    t = I.get(["unemployment_rate", "piped_water_share"])
    fig = maps.bivariate(t, "unemployment_rate", "piped_water_share")
    classes = fig._ddmgeo_bivariate["classes"]
    assert len(classes) == 52 and {c for c, _ in classes} == {0, 1, 2}
    maps.save(fig, tmp_path / "b.png")
    fig = maps.proportional_symbols(I.get("population"), "population")
    maps.save(fig, tmp_path / "p.png")


def test_interactive_offline_and_xss_safe(tmp_path):
    t = I.get("unemployment_rate", geometry=True)
    t.loc[t.code == "DC36", "name"] = XSS
    t.loc[t.code == "DC35", "unemployment_rate"] = np.nan
    import geopandas as gpd

    pts = gpd.GeoDataFrame({"name": [XSS.replace("alert(1)", "alert(3)")]}, geometry=gpd.points_from_xy([28.0], [-24.0]), crs=4326)
    m = maps.interactive(t, "unemployment_rate", tiles=None, title="<script>alert(2)</script>Unemployment", layers={"<b>Clinics</b>": pts})
    assert m._ddmgeo_legend[-1] == ("No data", 1)
    path = tmp_path / "map.html"
    m.save(str(path))
    text = path.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text, "the saved map must not need the internet"
    assert XSS not in text and "<script>alert(2)" not in text
    page = open_page(path, tmp_path)
    assert page.alerts == [], page.alerts
    assert page.js_errors == [], page.js_errors
    assert "leaflet-container" in page.dom and "&lt;script&gt;alert(2)&lt;/script&gt;Unemployment" in page.dom
    assert "<img src=\"x\"" not in page.dom
    assert not_blank(page.screenshot)


def test_cli_map(tmp_path):
    from typer.testing import CliRunner

    from ddmgeo.cli import app

    r = CliRunner().invoke(app, ["map", "unemployment_rate", "--out", str(tmp_path / "u.svg")])
    assert r.exit_code == 0 and (tmp_path / "u.svg").exists()
    r = CliRunner().invoke(app, ["map", "unemployment_rate", "--level", "municipality", "--tiles", "none", "--out", str(tmp_path / "u.html")])
    assert r.exit_code == 0 and "leaflet" in (tmp_path / "u.html").read_text()
    r = CliRunner().invoke(app, ["map", "unemployment_rate", "--out", str(tmp_path / "u.gif")])
    assert r.exit_code != 0
