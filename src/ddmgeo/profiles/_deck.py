"""A profile as a 16:9 slide deck (python-pptx) and as a workbook: what a planner takes into a working session.

The deck has a title slide, the key figures, one slide per map or chart of the profile, the key
issues and the sources; text is set at sizes that stay readable on a projector (titles 30 pt, body
at least 16 pt, figure captions 14 pt). The workbook has one sheet per table of the profile, with
the numbers behind it (shares as fractions in a percentage format), plus definitions and notes.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from .._optional import require

if TYPE_CHECKING:
    from . import Profile

WIDTH_IN, HEIGHT_IN = 13.333, 7.5
TITLE_PT, BODY_PT, SMALL_PT, CAPTION_PT = 30, 18, 16, 14
RED, GREEN, AMBER, GREY, INK = (0xC0, 0x39, 0x2B), (0x2E, 0x7D, 0x32), (0xE0, 0xA1, 0x00), (0x77, 0x77, 0x77), (0x22, 0x22, 0x22)
CARDS_PER_SLIDE = 6


def to_pptx(p: "Profile", path: str | Path) -> Path:
    """Write the profile's slide deck to *path* (``.pptx``)."""
    Presentation = require("pptx", "report", "to write slide decks").Presentation
    Inches = require("pptx.util").Inches

    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(WIDTH_IN), Inches(HEIGHT_IN)
    _title_slide(deck, p)
    for start in range(0, len(p.key_figures), CARDS_PER_SLIDE):
        _cards_slide(deck, p, p.key_figures[start : start + CARDS_PER_SLIDE], part=start // CARDS_PER_SLIDE + 1)
    for section in p.sections:
        for figure in section.figures:
            _figure_slide(deck, p, section.title, figure)
    issues = p.section("issues") if "issues" in [s.id for s in p.sections] else None
    if issues is not None:
        _bullets_slide(deck, p, "Key issues", [t[2:] for t in issues.paragraphs if t.startswith("• ")] or issues.paragraphs[:1], note=issues.paragraphs[-1])
    _sources_slide(deck, p)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    deck.save(str(out))
    return out


def _blank(deck):
    return deck.slides.add_slide(deck.slide_layouts[6])


def _text(slide, left: float, top: float, width: float, height: float, text: str, *, size: int, bold: bool = False, colour=INK, wrap: bool = True):
    RGBColor = require("pptx.dml.color").RGBColor
    Inches = require("pptx.util").Inches
    Pt = require("pptx.util").Pt

    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    frame = box.text_frame
    frame.word_wrap = wrap
    run = frame.paragraphs[0].add_run()
    run.text = text
    run.font.size, run.font.bold = Pt(size), bold
    run.font.color.rgb = RGBColor(*colour)
    return frame


def _heading(slide, p: "Profile", title: str) -> None:
    _text(slide, 0.5, 0.3, 12.3, 0.9, title, size=TITLE_PT, bold=True)
    _text(slide, 0.5, 6.95, 12.3, 0.4, f"{p.name} ({p.code}) · diagnostic profile · ddmgeo", size=12, colour=GREY)


def _title_slide(deck, p: "Profile") -> None:
    s = _blank(deck)
    _text(s, 0.8, 1.2, 11.7, 0.6, "District Development Model · diagnostic profile", size=SMALL_PT, colour=RED)
    _text(s, 0.8, 1.9, 11.7, 1.4, f"{p.name} ({p.code})", size=44, bold=True)
    where = "" if p.level == "province" else f" in {p.province_name}"
    _text(s, 0.8, 3.3, 11.7, 0.8, f"{p.kind.capitalize()}{where} · {p.vintage} boundaries · {p.generated}", size=BODY_PT, colour=GREY)
    _text(s, 0.8, 5.2, 11.7, 1.6, p.attribution, size=12, colour=GREY)


def _cards_slide(deck, p: "Profile", figures, *, part: int) -> None:
    RGBColor = require("pptx.dml.color").RGBColor
    MSO_SHAPE = require("pptx.enum.shapes").MSO_SHAPE
    Inches = require("pptx.util").Inches
    Pt = require("pptx.util").Pt

    s = _blank(deck)
    _heading(s, p, "Key figures" if part == 1 else f"Key figures ({part})")
    colours = {"better": GREEN, "worse": RED, "mixed": AMBER}
    for i, k in enumerate(figures):
        left, top = 0.5 + (i % 3) * 4.15, 1.45 + (i // 3) * 2.7
        card = s.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, Inches(left), Inches(top), Inches(3.95), Inches(2.45))
        card.fill.solid()
        card.fill.fore_color.rgb = RGBColor(0xFA, 0xFA, 0xFA)
        card.line.color.rgb = RGBColor(*colours.get(k.judgement, (0xDD, 0xDD, 0xDD)))
        card.line.width = Pt(3)
        _text(s, left + 0.2, top + 0.1, 3.6, 0.8, k.label, size=SMALL_PT, colour=GREY)
        _text(s, left + 0.2, top + 0.85, 3.6, 0.8, k.display, size=32, bold=True)
        verdict = f" · {k.judgement} than its comparators" if k.judgement in ("better", "worse") else (" · between its comparators" if k.judgement == "mixed" else "")
        _text(s, left + 0.2, top + 1.65, 3.6, 0.7, f"{k.year} · {k.rank_text}{verdict}", size=CAPTION_PT, colour=GREY)


def _figure_slide(deck, p: "Profile", section: str, figure) -> None:
    Inches = require("pptx.util").Inches

    from ._figures import png

    s = _blank(deck)
    _heading(s, p, figure.title)
    data = png(figure, dpi=170)
    picture = s.shapes.add_picture(io.BytesIO(data), Inches(0.5), Inches(1.3), height=Inches(5.1))
    if picture.width > Inches(12.3):  # a wide figure: fit the width instead
        ratio = Inches(12.3) / picture.width
        picture.width, picture.height = Inches(12.3), int(picture.height * ratio)
    picture.left = int((Inches(WIDTH_IN) - picture.width) / 2)
    caption = figure.caption or f"{section}."
    _text(s, 0.5, 6.45, 12.3, 0.5, caption, size=CAPTION_PT, colour=GREY)


def _bullets_slide(deck, p: "Profile", title: str, lines: list[str], *, note: str = "") -> None:
    Pt = require("pptx.util").Pt

    s = _blank(deck)
    _heading(s, p, title)
    frame = _text(s, 0.6, 1.3, 12.1, 5.0, "", size=BODY_PT)
    for i, line in enumerate(lines[:8]):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.text = f"• {line}"
        para.font.size = Pt(BODY_PT if len(lines) <= 6 else SMALL_PT)
        para.space_after = Pt(8)
    if note:
        _text(s, 0.6, 6.35, 12.1, 0.6, note, size=CAPTION_PT, colour=GREY)


def _sources_slide(deck, p: "Profile") -> None:
    frame = p.sources
    lines = [f"{r['Source (attribution)']} ({r['Years used']})" for r in frame.to_dict("records")]
    _bullets_slide(deck, p, "Sources", lines, note="The analysis is the user's own, made with ddmgeo; `ddm data list` gives each dataset's licence.")


def to_xlsx(p: "Profile", path: str | Path) -> Path:
    """Write the profile's tables as a workbook: one sheet per table with the numbers behind it."""
    import pandas as pd

    from ..io import to_workbook

    sheets: dict[str, pd.DataFrame] = {}
    units: dict[str, str] = {}
    notes = [p.title, p.attribution]
    for section in p.sections:
        for t in section.tables:
            name = _sheet_name(t.title, sheets)
            if t.values is not None and t.units:
                frame = t.values.copy()
                frame.columns = list(t.frame.columns[1:])
                frame.insert(0, "Area", frame.index)
                sheets[name] = frame.reset_index(drop=True)
                units.update(t.units)
            else:
                sheets[name] = t.frame
            if t.note:
                notes.append(f"{name}: {t.note}")
        notes += [f"{section.title}: not available: {n}" for n in section.not_available]
    return to_workbook(sheets, path, units=units, notes=notes)


def _sheet_name(title: str, taken: dict) -> str:
    """An Excel sheet name (at most 31 characters, no []:*?/\\), unique in the workbook."""
    base = "".join("-" if c in "[]:*?/\\" else c for c in title)[:28].strip()
    name, i = base, 2
    while name in taken:
        name, i = f"{base[:26]} {i}", i + 1
    return name
