"""The profile's figures written as SVG directly (ddmgeo.profiles._svg): known answers on tiny inputs, and the real figures."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from shapely.geometry import LineString, Polygon

from ddmgeo.profiles import _svg


@pytest.mark.parametrize(
    ("lo", "hi", "ticks"),
    [
        (0.0, 36.7, [0, 5, 10, 15, 20, 25, 30, 35]),
        (0.0, 100.0, [0, 20, 40, 60, 80, 100]),
        (-2.43, 2.43, [-2, -1, 0, 1, 2]),
        (0.0, 1.0, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
    ],
)
def test_ticks_are_those_matplotlib_chooses(lo, hi, ticks):
    assert _svg.tick_values(lo, hi) == pytest.approx(ticks)


@pytest.mark.parametrize(("value", "label"), [(-2.0, "\u22122"), (0.0, "0"), (-0.0, "0"), (2.5, "2.5"), (100.0, "100")])
def test_tick_labels_use_a_true_minus(value, label):
    assert _svg.tick_label(value) == label


@pytest.fixture
def frame():
    """Metres (0-10, 0-10) onto a 100 x 100 point box: 10 points a metre, y downwards."""
    return _svg.MapFrame.fit((0.0, 0.0, 10.0, 10.0), 0.0, 0.0, 100.0, 100.0)


def test_a_polygon_with_a_hole_is_two_closed_subpaths(frame):
    square = Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], holes=[[(2, 2), (2, 4), (4, 4), (4, 2)]])
    assert _svg.path_data(square, frame) == "M0 100 100 100 100 0 0 0 0 100ZM20 80 20 60 40 60 40 80 20 80Z"


def test_points_closer_than_a_tenth_of_a_point_are_one(frame):
    line = LineString([(0, 0), (0.001, 0.001), (10, 10)])
    assert _svg.path_data(line, frame, closed=False) == "M0 100 100 0"


def test_a_frame_keeps_the_aspect_and_is_anchored():
    wide = _svg.MapFrame.fit((0.0, 0.0, 20.0, 10.0), 0.0, 0.0, 100.0, 100.0)
    assert (wide.width, wide.height, wide.top) == (100.0, 50.0, 25.0)
    right = _svg.MapFrame.fit((0.0, 0.0, 10.0, 20.0), 0.0, 0.0, 100.0, 100.0, anchor=(1.0, 0.5))
    assert (right.left, right.width) == (50.0, 50.0)


def test_the_picture_is_what_is_drawn_plus_a_tenth_of_an_inch():
    c = _svg.Canvas("t")
    c.rect(5, 5, 10, 20, fill="#000000")
    svg = c.svg()
    assert 'width="24.4pt" height="34.4pt" viewBox="-2.2 -2.2 24.4 34.4"' in svg
    assert ET.fromstring(svg).tag.endswith("svg")


def test_text_is_escaped():
    c = _svg.Canvas("t")
    c.text(0, 0, '<script>alert("x")</script> & co', 7)
    svg = c.svg()
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&amp; co" in svg
    ET.fromstring(svg)


def test_ids_carry_the_canvas_name():
    a, b = _svg.Canvas("growth-map-DC36"), _svg.Canvas("services-maps-DC36")
    assert a.clip(0, 0, 1, 1) != b.clip(0, 0, 1, 1)
    _svg.colourbar(a, lambda v: "#000000", 0.0, 1.0, x=0, y=0, length=100, thickness=5, vertical=True, label="x", tick_size=7)
    assert 'id="growth-map-DC36-bar1"' in a.svg()


def test_a_bar_is_as_long_as_its_value_on_the_axis():
    svg = _svg.bars("t", ["only"], [("area", [10.0], "#c0392b")], figsize=(7, 3.2), xlabel="Per cent")
    rects = [r for r in re.findall(r"<rect ([^>]*)/>", svg) if 'fill="#c0392b"' in r]
    width = float(re.search(r'width="([\d.]+)"', rects[0]).group(1))
    axis = 0.775 * 7 * 72  # the default axes box; the axis ends 5 % beyond the largest bar
    assert width == pytest.approx(axis / 1.05, abs=0.1)


@pytest.fixture(scope="module")
def waterberg():
    import ddmgeo

    return ddmgeo.profile("Waterberg")


def test_the_profile_figures_are_svg_with_unique_ids(waterberg):
    figures = [f for s in waterberg.sections for f in s.figures]
    assert {f.id for f in figures} >= {"locator", "parts", "ages", "services-chart"}
    ids = []
    for f in figures:
        root = ET.fromstring(f.svg)
        assert root.tag.endswith("svg") and "matplotlib" not in f.svg.lower()
        ids += [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids)), "figures of one page share its id space"
    parts = next(f for f in figures if f.id == "parts")
    assert all(name in parts.svg for name in ("Lephalale", "Thabazimbi", "Bela-Bela", "Mogalakwena", "Modimolle-Mookgophong"))


def test_the_same_profile_gives_the_same_figures(waterberg):
    import ddmgeo

    again = ddmgeo.profile("Waterberg")
    assert [f.svg for s in again.sections for f in s.figures] == [f.svg for s in waterberg.sections for f in s.figures]


def test_figures_still_redraw_as_png(waterberg):
    from ddmgeo.profiles._figures import png

    ages = next(f for s in waterberg.sections for f in s.figures if f.id == "ages")
    assert png(ages, dpi=50).startswith(b"\x89PNG")


def test_an_html_profile_builds_no_matplotlib_figure(tmp_path):
    """A cold profile from the embedded core does not import matplotlib's figure machinery."""
    code = "import sys, ddmgeo; ddmgeo.profile('Waterberg').to_html(sys.argv[1]); print('matplotlib.figure' in sys.modules)"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DDMGEO_")}
    env.update(DDMGEO_OFFLINE="1", DDMGEO_CACHE_DIR=str(tmp_path / "cache"), MPLBACKEND="Agg")
    run = subprocess.run([sys.executable, "-c", code, str(tmp_path / "w.html")], env=env, capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "False"
    assert "<svg" in (tmp_path / "w.html").read_text(encoding="utf-8")
