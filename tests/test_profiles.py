"""Diagnostic profiles of district spaces, metros, municipalities and provinces, on the real data."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
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


@pytest.fixture(scope="module")
def lephalale():
    return ddmgeo.profile("Lephalale")


@pytest.fixture(scope="module")
def limpopo():
    return ddmgeo.profile("Limpopo")


def test_sections_follow_the_template_in_order(alfred_nzo):
    assert [s.id for s in alfred_nzo.sections] == list(profiles.SECTIONS)
    titles = [s.title for s in alfred_nzo.sections]
    assert titles[:3] == ["Executive summary", "Introduction and spatial status", "Social development"]
    assert "Key issues" in titles and "Drivers of the economy" in titles and "Governance and management" in titles
    html = alfred_nzo.to_html()
    positions = [html.index(f'id="{s}"') for s in profiles.SECTIONS]
    assert positions == sorted(positions)


@pytest.mark.parametrize(("area", "level", "code", "kind"), [
    ("Waterberg", "district", "DC36", "district municipality"),
    ("eThekwini", "district", "ETH", "metropolitan municipality"),
    ("Lephalale", "municipality", "LIM362", "local municipality"),
    ("Limpopo", "province", "LIM", "province"),
])
def test_any_area_gets_a_profile(area, level, code, kind):
    p = ddmgeo.profile(area, sections=["spatial"])
    assert (p.level, p.code, p.kind) == (level, code, kind)


def test_renamed_district_built_by_its_old_name():
    p = ddmgeo.profile("Eden", sections=[])  # Garden Route since 2018
    assert p.code == "DC4" and p.name == "Garden Route"


def test_profiles_lead_with_census_2022(alfred_nzo):
    k = {f.id: f for f in alfred_nzo.key_figures}
    pop22 = I.get("population", level="district", year=2022).set_index("code").at["DC44", "population"]
    assert k["population"].year == 2022 and k["population"].value == pop22
    assert k["households"].year == 2022
    html = alfred_nzo.to_html()
    assert format_value(pop22, "persons") in html


def test_waterberg_population_2022_is_the_published_figure():
    p = ddmgeo.profile("Waterberg", sections=[])
    assert {k.id: k for k in p.key_figures}["population"].value == 762_862


def test_numbers_in_html_equal_library_values(alfred_nzo):
    html = alfred_nzo.to_html()
    t = I.get(["unemployment_rate", "water_scheme_household_share"], level="district").set_index("code")
    assert format_value(t.at["DC44", "unemployment_rate"], "proportion") in html
    assert format_value(t.at["DC44", "water_scheme_household_share"], "proportion") in html
    m = I.get("water_scheme_household_share", level="municipality", year=2022).set_index("code")
    for code in ddmgeo.areas_table("municipality").query("district_code == 'DC44'").code:
        assert format_value(m.at[code, "water_scheme_household_share"], "proportion") in html


def test_ranks_count_from_the_best(alfred_nzo):
    t = I.get("unemployment_rate").set_index("code")
    ur = {f.id: f for f in alfred_nzo.key_figures}["unemployment_rate"]
    assert ur.rank == int((t.unemployment_rate < t.at["DC44", "unemployment_rate"]).sum()) + 1  # lower is better
    assert ur.rank_text == f"{ur.rank}{ur.rank_text[len(str(ur.rank)):]}" and ur.rank_text.endswith("best")
    assert "of the 52 district spaces" in ur.sentence


def test_summary_says_better_or_worse_in_the_direction_that_matters(alfred_nzo):
    k = {f.id: f for f in alfred_nzo.key_figures}
    d = I.get("unemployment_rate").set_index("code").at["DC44", "unemployment_rate"]
    prov = I.get("unemployment_rate", level="province").set_index("code").at["EC", "unemployment_rate"]
    nat = I.get("unemployment_rate", level="country").set_index("code").at["ZA", "unemployment_rate"]
    expected = {(True, True): "better", (False, False): "worse"}.get((d < prov, d < nat), "mixed")
    assert k["unemployment_rate"].judgement == expected
    word = "better than Eastern Cape" if d < prov else "worse than Eastern Cape"
    assert word in k["unemployment_rate"].sentence
    assert not any(re.search(r"\d+(st|nd|rd|th) (lowest|highest)", p) for p in alfred_nzo.section("summary").paragraphs)
    assert any(p.startswith("Compared with Eastern Cape and South Africa") for p in alfred_nzo.section("summary").paragraphs)


def test_metro_profile_has_no_parts(eth):
    assert eth.category == "A" and eth.code == "ETH"
    rows = eth.section("spatial").tables[0].frame["Area"].tolist()
    assert rows == ["eThekwini (ETH)", "KwaZulu-Natal (KZN)", "South Africa"]  # not listed as its own sub-area


def _ward_populations(municipality: str) -> dict[str, float]:
    """Census 2011 population of a municipality's 2016 wards, read straight from the two registered files."""
    import pandas as pd

    from ddmgeo import datasets

    geo = pd.read_csv(datasets.fetch("wazimap_geographies"), dtype=str)
    wards = geo[(geo.geo_level == "ward") & (geo.demarcation == "2016") & (geo.parent_code == municipality)].geo_code
    pop = pd.read_csv(datasets.fetch("census2011_ward_population"), dtype={"geo_code": str})
    pop = pop[(pop.demarcation == 2016) & pop.geo_code.isin(set(wards))]
    assert len(pop) == len(wards)
    return dict(zip(pop.geo_code, pop.value.astype(float)))


@pytest.mark.parametrize(("fixture", "code", "wards"), [("eth", "ETH", 110), ("lephalale", "LIM362", 13)])
def test_metro_and_municipal_profiles_show_their_wards(fixture, code, wards, request):
    p = request.getfixturevalue(fixture)
    truth = _ward_populations(code)
    assert len(truth) == wards
    table = next(t for t in p.section("spatial").tables if t.title.startswith("Wards by population"))
    shown = table.values
    assert len(shown) == 10  # the five largest and the five smallest
    codes = [re.search(r"\((\d{8})\)", w).group(1) for w in shown.index]
    assert [truth[c] for c in codes] == shown["population"].tolist()
    ordered = sorted(truth.values(), reverse=True)
    assert shown["population"].tolist() == ordered[:5] + ordered[-5:]
    assert f"has {wards} wards (2016 ward demarcation)" in " ".join(p.section("spatial").paragraphs)
    assert "Census 2011" in table.note and "not mapped" in table.note


def _scorecard(indicator: str, year: int) -> dict[str, float]:
    import pandas as pd

    from ddmgeo import datasets

    f = pd.read_csv(datasets.fetch("municipal_money_scorecard_2020q3"), dtype=str)
    f = f[(f.indicator == indicator) & (f.financial_year == str(year))]
    return dict(zip(f.geo_code, f.value.astype(float)))


def test_district_finances_list_the_district_municipality_and_its_locals():
    p = ddmgeo.profile("Waterberg")
    t = next(t for t in p.section("governance").tables if t.title.startswith("Finances"))
    codes = [re.search(r"\((\w+)\)$", r).group(1) for r in t.values.index]
    assert codes == ["DC36", "LIM361", "LIM362", "LIM366", "LIM367", "LIM368"]
    for ind, col in [("cash_coverage", "Cash coverage (months, 2017/18)"), ("cap_budget_diff", "Capital budget over/under-spending (%, 2017/18)")]:
        truth = _scorecard(ind, 2018)
        got = t.values[col]
        for code, v in zip(codes, got):
            assert (v == truth[code]) if code in truth else np.isnan(v), (code, ind)
    assert "Thabazimbi (LIM361) reported no figures" in t.note  # Municipal Money has no 2017/18 figures for it


def test_metro_finances_are_the_metros_own(eth):
    t = next(t for t in eth.section("governance").tables if t.title.startswith("Finances"))
    assert list(t.values.index) == ["eThekwini (ETH)"]
    assert t.values.iloc[0]["Cash coverage (months, 2017/18)"] == _scorecard("cash_coverage", 2018)["ETH"]
    assert not any("Cash coverage" in n for n in eth.section("governance").not_available)


def test_province_profile_says_finances_are_per_municipality(limpopo):
    assert not any(t.title.startswith("Finances") for t in limpopo.section("governance").tables)
    assert any(n.startswith("Municipal finances: reported per municipality") for n in limpopo.section("governance").not_available)


def test_a_district_profile_has_no_ward_table(alfred_nzo):
    assert not any(t.title.startswith("Wards") for t in alfred_nzo.section("spatial").tables)


def test_municipal_profile_is_compared_with_its_district(lephalale):
    rows = lephalale.section("spatial").tables[0].frame["Area"].tolist()
    assert rows == ["Lephalale (LIM362)", "Waterberg (DC36)", "Limpopo (LIM)", "South Africa"]
    k = {f.id: f for f in lephalale.key_figures}
    assert "of the 213 municipalities" in k["unemployment_rate"].sentence


def test_province_profile_lists_its_districts(limpopo):
    rows = limpopo.section("spatial").tables[0].frame["Area"].tolist()
    assert rows[:5] == ["Mopani (DC33)", "Vhembe (DC34)", "Capricorn (DC35)", "Waterberg (DC36)", "Sekhukhune (DC47)"]
    assert rows[-1] == "South Africa"
    assert {f.id: f for f in limpopo.key_figures}["population"].sentence.endswith("of the 9 provinces.")


def test_population_group_and_economy_sections(alfred_nzo):
    social = alfred_nzo.section("social")
    assert any(t.title.startswith("Population group") for t in social.tables)
    economy = alfred_nzo.section("economy")
    cols = " ".join(economy.tables[0].frame.columns)
    assert "Informal-sector share" in cols or "informal" in cols.lower()


def test_key_issues_are_findings_with_comparators(alfred_nzo):
    issues = alfred_nzo.section("issues")
    bullets = [p for p in issues.paragraphs if p.startswith("• ")]
    assert bullets, issues.paragraphs
    assert any("against" in b and "South Africa" in b for b in bullets)
    assert issues.paragraphs[-1].startswith("These are findings from the data")
    for b in bullets:
        assert not re.search(r"\b(should|must|recommend)\b", b, re.I)


def test_missing_data_says_not_available(eth):
    html = eth.to_html()
    assert html.count("Not available:") >= 4
    services = eth.section("services")
    assert any("Roads and transport" in n for n in services.not_available)


def test_every_header_says_its_unit_and_year(alfred_nzo):
    for section in alfred_nzo.sections:
        for t in section.tables:
            if t.units:  # comparison tables
                for col in t.frame.columns[1:]:
                    assert re.search(r"\(([^()]*, )?\d{4}(/\d{2})?\)$", col), (t.title, col)  # a year or a financial year (2017/18)


def test_health_and_projects_use_overlays_and_budget(eth):
    from ddmgeo import budget, overlays

    health = next(t for t in eth.section("social").tables if t.title == "Health facilities").frame.set_index("Facilities")
    hospitals = overlays.count_points("dsfsi_hospitals", level="district").set_index("code").at["ETH", "n"]
    assert health.iloc[0]["Number"] == format_value(hospitals, "count")
    assert any("WHO-KEMRI" in f for f in health.index)  # clinics are counted
    r = budget.spatialise(ddmgeo.datasets.fetch("infrastructure_projects_br2019"), amount="amount_fy2019_mtef")
    placed = r.by_area.set_index("code").at["ETH", "n_projects"]
    text = eth.section("projects").paragraphs[0]
    assert f"{placed} lie" in text or f"{placed} lies" in text


def test_monitoring_compares_2011_and_2022_on_the_same_boundaries(eth):
    from ddmgeo import monitoring

    t = eth.section("monitoring").tables[0]
    assert "Census 2022" in t.title and "re-based" in t.note
    c = monitoring.change("population", start=2011, end=2022, level="district").set_index("code").loc["ETH"]
    row = t.frame.set_index("Indicator").loc["Population"]
    assert row["Baseline 2011"] == format_value(c.start_value, "persons") and row["Latest 2022"] == format_value(c.end_value, "persons")


def test_sources_list_every_dataset_used(eth):
    used = set(", ".join(eth.sources["Registry names"]).split(", "))
    assert {"cs2016_indicators", "census2011_indicators", "mdb2020_openup", "census2011_income_poverty_ubpl", "municipal_money_scorecard_2020q3"} <= used
    assert any(n.startswith("census2022_") for n in used)


def test_attribution_says_the_analysis_is_the_users(alfred_nzo):
    html = alfred_nzo.to_html()
    assert "The analysis is the user's own" in html.replace("&#39;", "'")
    assert "the analysis is ddmgeo's" not in html


@pytest.mark.parametrize("area", ["City of Mbombela", "Ehlanzeni", "Mpumalanga"])
def test_the_census_2022_erratum_is_carried(area):
    p = ddmgeo.profile(area, sections=[])
    text = " ".join(p.section("sources").paragraphs + p.section("summary").paragraphs)
    assert "MP326" in text and "erratum" in text


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
    assert "| Area |" in text and "> **Not available:**" in text and "---:" in text


def test_numbers_are_right_aligned_and_text_left(alfred_nzo):
    html = alfred_nzo.to_html()
    assert '<td class="num">' in html and '<td class="text">' in html
    assert re.search(r'<th class="text">Area</th>', html)


def _pages(pdf: Path, tmp_path: Path, dpi: int = 30) -> list[np.ndarray]:
    from PIL import Image

    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(tmp_path / "page")], check=True)
    return [np.asarray(Image.open(p).convert("L")) for p in sorted(tmp_path.glob("page-*.png"))]


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
@pytest.mark.parametrize("area", ["Waterberg", "City of Cape Town", "Lephalale", "Gert Sibande"])
def test_pdf_is_print_ready(area, tmp_path):
    """At most 12 A4 pages, a cover, page numbers, and nothing printed in the side margins."""
    pytest.importorskip("weasyprint")
    pdf = ddmgeo.profile(area).to_pdf(tmp_path / "p.pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    n = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert 5 <= n <= 12, n
    assert "(A4)" in info
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    assert "diagnostic profile" in pages[0].lower() and "Executive summary" in pages[0]  # the cover, with its contents list
    assert f"Page 2 of {n}" in pages[1] and f"Page {n} of {n}" in pages[n - 1]
    assert "Page 1 of" not in pages[0]  # the cover carries no running header or number
    images = _pages(pdf, tmp_path)
    for i, img in enumerate(images, 1):
        h, w = img.shape
        margin = int(w * 10 / 210)  # 10 mm of the 14 mm side margins
        assert img[:, :margin].min() > 200 and img[:, -margin:].min() > 200, f"page {i} prints into the side margin"
    assert (images[1] < 128).mean() > 0.005  # the first content page is not blank


def test_unknown_section_and_area():
    with pytest.raises(ValueError, match="Unknown section"):
        ddmgeo.profile("DC36", sections=["weather"])
    with pytest.raises(ddmgeo.errors.UnknownAreaError):
        ddmgeo.profile("Atlantis")


# ----------------------------------------------------------------------------- many profiles


def test_all_52_build_with_index(tmp_path):
    result = profiles.build_all(tmp_path / "all", jobs=2, progress=False)
    assert len(result) == 52 and (result.status == "ok").all(), result[result.status != "ok"].error.tolist()
    index = (tmp_path / "all" / "index.html").read_text()
    assert index.count('href="') == 52 and "52 profiles built, 0 failed" in index
    assert all((tmp_path / "all" / f"{c}.html").exists() for c in result.code)


def test_a_province_subset_and_a_second_run_keep_the_index_complete(tmp_path):
    out = tmp_path / "lim"
    first = profiles.build_all(out, province="LIM", progress=False)
    assert list(first.code) == ["DC33", "DC34", "DC35", "DC36", "DC47"]
    profiles.build_all(out, areas=["Lephalale", "Limpopo"], progress=False)
    index = (out / "index.html").read_text()
    assert index.count('href="') == 7 and "7 profiles built" in index
    doc = json.loads((out / "index.json").read_text())
    assert {r["code"] for r in doc["profiles"]} == {"DC33", "DC34", "DC35", "DC36", "DC47", "LIM362", "LIM"}


def test_build_all_continues_past_a_failure(tmp_path, monkeypatch):
    from ddmgeo.profiles import _batch

    real = _batch._one

    def flaky(code, out_dir, fmt, vintage):
        if code == "DC36":
            return {"code": code, "name": "", "status": "failed", "error": "RuntimeError: boom", "file": "", "seconds": 0}
        return real(code, out_dir, fmt, vintage)

    monkeypatch.setattr(_batch, "_one", flaky)
    result = profiles.build_all(tmp_path / "some", areas=["DC36", "DC35", "BUF"], progress=False)
    assert list(result.code) == ["DC36", "DC35", "BUF"] and list(result.status) == ["failed", "ok", "ok"]
    index = (tmp_path / "some" / "index.html").read_text()
    assert "1 failed" in index and "boom" in index


def _ddm() -> list[str]:
    exe = shutil.which("ddm")
    return [exe] if exe else [sys.executable, "-m", "ddmgeo.cli"]


def test_progress_is_one_line_per_area_when_redirected(tmp_path):
    run = subprocess.run([*_ddm(), "profile", "--all", "--province", "NC", "--out", str(tmp_path / "nc")], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    lines = [l for l in run.stderr.splitlines() if l.startswith("[")]
    assert len(lines) == 5 and lines[0].startswith("[1/5] DC6 Namakwa: ok") and lines[-1].startswith("[5/5] DC45")


def test_ctrl_c_stops_within_seconds_with_exit_130(tmp_path):
    proc = subprocess.Popen([*_ddm(), "profile", "--all", "--out", str(tmp_path / "all"), "--jobs", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and not list((tmp_path / "all").glob("*.html")):
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGINT)
    start = time.time()
    proc.wait(timeout=30)
    assert time.time() - start < 5
    assert proc.returncode == 130


def test_cli_profile(tmp_path):
    from typer.testing import CliRunner

    from ddmgeo.cli import app

    r = CliRunner().invoke(app, ["profile", "Waterberg", "--out", str(tmp_path / "w.html")])
    assert r.exit_code == 0, r.output
    assert "Waterberg" in (tmp_path / "w.html").read_text()
    r = CliRunner().invoke(app, ["profile", "Lephalale", "--out", str(tmp_path / "l.html")])
    assert r.exit_code == 0 and "Lephalale" in (tmp_path / "l.html").read_text()
    r = CliRunner().invoke(app, ["profile", "Atlantis", "--out", str(tmp_path / "x.html")])
    assert r.exit_code == 2 and "matches no area" in r.output
    r = CliRunner().invoke(app, ["profile", "--out", str(tmp_path / "x.html")])
    assert r.exit_code != 0


def test_profiles_are_deterministic():
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


# ----------------------------------------------------------------------------- decks and workbooks


@pytest.mark.parametrize("area", ["Waterberg", "City of Cape Town", "Lephalale"])
def test_deck_reads_back_with_its_slides(area, tmp_path):
    pptx = pytest.importorskip("pptx")
    from pptx.util import Pt

    p = ddmgeo.profile(area)
    path = p.to_pptx(tmp_path / "deck.pptx")
    deck = pptx.Presentation(str(path))
    assert deck.slide_width / deck.slide_height == pytest.approx(16 / 9, rel=1e-3)
    slides = list(deck.slides)
    texts = [" ".join(sh.text_frame.text for sh in s.shapes if sh.has_text_frame) for s in slides]
    assert p.name in texts[0] and "diagnostic profile" in texts[0]
    assert texts[1].startswith("Key figures") and all(f.display in texts[1] for f in p.key_figures[:6])
    pictures = [s for s in slides if any(sh.shape_type == 13 for sh in s.shapes)]
    assert len(pictures) == sum(len(sec.figures) for sec in p.sections)
    assert any(t.startswith("Key issues") for t in texts) and texts[-1].startswith("Sources")
    for s in slides:  # readable on a projector: nothing below 12 pt
        for sh in s.shapes:
            if sh.has_text_frame:
                for para in sh.text_frame.paragraphs:
                    for run in para.runs:
                        assert run.font.size is None or run.font.size >= Pt(12)
        for sh in s.shapes:  # everything on the slide
            assert sh.left >= 0 and sh.top >= 0 and sh.left + sh.width <= deck.slide_width and sh.top + sh.height <= deck.slide_height


@pytest.mark.parametrize("area", ["Waterberg", "City of Cape Town", "Lephalale"])
def test_workbook_holds_numbers_with_formats(area, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    p = ddmgeo.profile(area)
    wb = openpyxl.load_workbook(p.to_xlsx(tmp_path / "p.xlsx"))
    assert wb.sheetnames[-2:] == ["definitions", "notes"]
    ws = wb["Area and people"]
    header = [c.value for c in ws[1]]
    col = next(i for i, h in enumerate(header) if h.startswith("Youth (15-34) share"))
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == f"{p.name} ({p.code})")
    t = I.get("youth_share", level=p.level, year=2022).set_index("code")
    assert row[col].value == pytest.approx(t.at[p.code, "youth_share"]) and row[col].number_format == "0.0%"
    pop = next(i for i, h in enumerate(header) if h.startswith("Population (persons"))
    assert isinstance(row[pop].value, (int, float)) and row[pop].number_format == "#,##0"
    notes = " ".join(str(c.value) for c in wb["notes"]["A"])
    assert "the user's own" in notes
