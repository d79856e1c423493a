"""District diagnostic profiles on the real data."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

import ddmgeo
from ddmgeo import indicators as I
from ddmgeo import profiles
from ddmgeo._format import format_value

from .browser import not_blank, open_page

pytestmark = pytest.mark.usefixtures("shared_data")


@pytest.fixture(scope="module")
def eth():
    return ddmgeo.profile("eThekwini")


@pytest.fixture(scope="module")
def alfred_nzo():
    return ddmgeo.profile("Alfred Nzo District Municipality")


def test_sections_present_in_order(alfred_nzo):
    assert [s.id for s in alfred_nzo.sections] == list(profiles.SECTIONS)
    html = alfred_nzo.to_html()
    positions = [html.index(f'id="{s}"') for s in profiles.SECTIONS]
    assert positions == sorted(positions)


def test_renamed_district_built_by_its_old_name():
    p = ddmgeo.profile("Eden")  # Garden Route since 2018
    assert p.code == "DC4" and p.name == "Garden Route"
    assert ddmgeo.profile("Cacadu", sections=["spatial"]).code == "DC10"


def test_numbers_in_html_equal_library_values(alfred_nzo):
    html = alfred_nzo.to_html()
    t = I.get(["population", "unemployment_rate", "piped_water_share"], year=None).set_index("code")
    pop16 = I.get("population", year=2016).set_index("code").at["DC44", "population"]
    assert format_value(pop16, "persons") in html
    assert format_value(t.at["DC44", "unemployment_rate"], "proportion") in html
    assert format_value(t.at["DC44", "piped_water_share"], "proportion") in html
    # the municipal breakdown shows each municipality's value
    m = I.get("piped_water_share", level="municipality").set_index("code")
    for code in ddmgeo.areas_table("municipality").query("district_code == 'DC44'").code:
        assert format_value(m.at[code, "piped_water_share"], "proportion") in html


def test_ranks_agree_with_sorting(alfred_nzo):
    t = I.get(["unemployment_rate", "population"]).set_index("code")
    k = {f.id: f for f in alfred_nzo.key_figures}
    ur = k["unemployment_rate"]
    by_high = int((t.unemployment_rate > t.at["DC44", "unemployment_rate"]).sum()) + 1
    by_low = int((t.unemployment_rate < t.at["DC44", "unemployment_rate"]).sum()) + 1
    assert ur.rank == min(by_high, by_low)
    assert ("highest" in ur.rank_text) == (by_high <= by_low)
    sorted_codes = t.sort_values("unemployment_rate", ascending=False).index.tolist()
    if "highest" in ur.rank_text:
        assert sorted_codes.index("DC44") + 1 == ur.rank
    assert f"{ur.rank_text.split()[0]} {ur.rank_text.split()[1]} of the 52 district spaces" in ur.sentence


def test_metro_profile(eth):
    assert eth.category == "A" and eth.code == "ETH"
    assert any("single municipality" in p for p in eth.section("services").paragraphs)
    assert "KwaZulu-Natal" in eth.to_html()


def test_missing_data_says_not_available(eth):
    html = eth.to_html()
    assert html.count("Not available:") >= 4
    infra = eth.section("infrastructure")
    assert infra.not_available and any("roads" in n for n in infra.not_available)


def test_infrastructure_section_uses_overlays_and_budget(eth):
    from ddmgeo import budget, overlays

    infra = eth.section("infrastructure")
    facilities = infra.tables[0].frame.set_index("Facilities")
    hospitals = overlays.count_points("dsfsi_hospitals", level="district").set_index("code").at["ETH", "n"]
    assert facilities.iloc[0]["eThekwini"] == f"{hospitals:,}".replace(",", "\u202f")
    r = budget.spatialise(ddmgeo.datasets.fetch("infrastructure_projects_br2019"), amount="amount_fy2019_mtef")
    placed = r.by_area.set_index("code").at["ETH", "n_projects"]
    assert f"{placed} lie" in infra.paragraphs[0] or f"{placed} lies" in infra.paragraphs[0]


def test_monitoring_section_uses_the_monitoring_module(eth):
    from ddmgeo import monitoring

    t = eth.section("monitoring").tables[0].frame
    direct = monitoring.profile_table("ETH", ids=["population"], start=2011, end=2016)
    assert t.iloc[0].tolist() == direct.iloc[0].tolist()


def test_sources_list_every_dataset_used(eth):
    used = set(eth.sources["Registry name"])
    assert {"cs2016_indicators", "census2011_indicators", "mdb2020_openup", "census2011_income_poverty_ubpl", "municipal_money_scorecard_2020q3"} <= used
    assert eth.sources["Licence"].str.len().gt(0).all()


def test_html_escapes_names(alfred_nzo, tmp_path):
    import copy

    p = copy.deepcopy(alfred_nzo)
    p.name = "<script>alert('x')</script>Nzo"
    p.sections[0].paragraphs.append('<img src=x onerror="alert(1)">')
    html = p.to_html()
    assert "<script>alert('x')" not in html and "&lt;script&gt;" in html
    assert '<img src=x onerror="alert(1)">' not in html
    path = tmp_path / "p.html"
    path.write_text(html, encoding="utf-8")
    page = open_page(path, tmp_path, size=(1000, 2000))
    assert page.alerts == [] and page.js_errors == []
    assert not_blank(page.screenshot)


def test_markdown_with_images(eth, tmp_path):
    path = eth.to_markdown(tmp_path / "eth.md")
    text = path.read_text()
    assert text.startswith("# eThekwini (ETH)")
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert images and all((tmp_path / i).exists() for i in images)
    assert "| Area |" in text and "> **Not available:**" in text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_has_every_section(eth, tmp_path):
    pytest.importorskip("weasyprint")
    pdf = eth.to_pdf(tmp_path / "eth.pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    headings = [f"{i}. {s.title}" for i, s in enumerate(eth.sections, 1)]
    found = [h for h in headings if h.split(" and ")[0].split(",")[0] in text]
    assert len(found) == len(profiles.SECTIONS) == 9
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) >= 5


def test_unknown_section_and_area():
    with pytest.raises(ValueError, match="Unknown section"):
        ddmgeo.profile("DC36", sections=["weather"])
    with pytest.raises(ddmgeo.errors.UnknownAreaError):
        ddmgeo.profile("Atlantis")
    with pytest.raises(ddmgeo.errors.UnknownAreaError):
        ddmgeo.profile("Lephalale")  # a municipality, not a district space


def test_all_52_build_with_index(tmp_path):
    result = profiles.build_all(tmp_path / "all", jobs=2, progress=False)
    assert len(result) == 52 and (result.status == "ok").all(), result[result.status != "ok"].error.tolist()
    index = (tmp_path / "all" / "index.html").read_text()
    assert index.count('href="') == 52 and "52 profiles built, 0 failed" in index
    assert all((tmp_path / "all" / f"{c}.html").exists() for c in result.code)


def test_build_all_continues_past_a_failure(tmp_path, monkeypatch):
    from ddmgeo.profiles import _batch

    real = _batch._one

    def flaky(code, out_dir, fmt, vintage):
        if code == "DC36":
            return {"code": code, "name": "", "status": "failed", "error": "RuntimeError: boom", "file": ""}
        return real(code, out_dir, fmt, vintage)

    monkeypatch.setattr(_batch, "_one", flaky)
    result = profiles.build_all(tmp_path / "some", areas=["DC36", "DC35", "BUF"], progress=False)
    assert list(result.code) == ["DC36", "DC35", "BUF"] and list(result.status) == ["failed", "ok", "ok"]
    index = (tmp_path / "some" / "index.html").read_text()
    assert "1 failed" in index and "boom" in index


def test_cli_profile(tmp_path):
    from typer.testing import CliRunner

    from ddmgeo.cli import app

    r = CliRunner().invoke(app, ["profile", "Waterberg", "--out", str(tmp_path / "w.html")])
    assert r.exit_code == 0, r.output
    assert "Waterberg" in (tmp_path / "w.html").read_text()
    r = CliRunner().invoke(app, ["profile", "Atlantis", "--out", str(tmp_path / "x.html")])
    assert r.exit_code == 2 and "matches no area" in r.output
    r = CliRunner().invoke(app, ["profile", "--out", str(tmp_path / "x.html")])
    assert r.exit_code != 0


def test_profiles_are_deterministic(tmp_path):
    a = ddmgeo.profile("Waterberg").to_html()
    from ddmgeo.indicators import _engine

    _engine.clear_memo()
    b = ddmgeo.profile("Waterberg").to_html()
    assert a == b


def test_maps_are_deterministic(tmp_path):
    from ddmgeo import maps

    for suffix in (".svg", ".pdf", ".png"):
        maps.save(maps.choropleth(column="unemployment_rate"), tmp_path / f"a{suffix}")
        maps.save(maps.choropleth(column="unemployment_rate"), tmp_path / f"b{suffix}")
        assert (tmp_path / f"a{suffix}").read_bytes() == (tmp_path / f"b{suffix}").read_bytes(), suffix
