"""Render a Profile as HTML (Jinja2, autoescaped), Markdown or PDF (WeasyPrint, print-ready A4)."""

from __future__ import annotations

import html
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from .._optional import require

if TYPE_CHECKING:
    import pandas as pd

    from . import Profile

TEMPLATES = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def environment():
    jinja2 = require("jinja2", "report", "to render profiles as HTML")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.globals["column_kinds"] = column_kinds
    return env


_NUMBER = re.compile(r"^[\s\u202f\u00a0]*(?:R\s?)?[+\-\u2212\u00b1]?[\d\s\u202f\u00a0.,]+(?:\s?(?:%|bn|m|points|km²))?(?:\s?\(.*\))?[\s]*$")


def column_kinds(frame: "pd.DataFrame") -> list[str]:
    """'num' for a column of numbers (right-aligned), 'text' otherwise (left-aligned); blanks and 'No data' do not count."""
    kinds = []
    for col in frame.columns:
        cells = [str(v) for v in frame[col] if str(v) not in ("", "No data", "not available", "nan")]
        kinds.append("num" if cells and all(_NUMBER.match(c) for c in cells) else "text")
    return kinds


@lru_cache(maxsize=1)
def css() -> str:
    return (TEMPLATES / "profile.css").read_text(encoding="utf-8")


def render_html(p: "Profile", *, standalone: bool = True) -> str:
    return environment().get_template("profile.html.j2").render(p=p, css=css(), version=__version__, standalone=standalone)


def _md_escape(text) -> str:
    """Text safe in Markdown: HTML escaped, table pipes escaped."""
    return html.escape(str(text), quote=False).replace("|", "\\|")


def _md_table(frame) -> list[str]:
    cols = [_md_escape(c) for c in frame.columns]
    align = ["---:" if k == "num" else "---" for k in column_kinds(frame)]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join(align) + "|"]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(_md_escape(v) for v in row) + " |")
    return lines


def render_markdown(p: "Profile", path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    assets = path.with_name(f"{path.stem}_files")
    out = [f"# {_md_escape(p.name)} ({_md_escape(p.code)}): diagnostic profile", ""]
    where = "" if p.level == "province" else f" · {_md_escape(p.province_name)}"
    out += [f"*{_md_escape(p.kind.capitalize())}{where} · {_md_escape(p.vintage)} boundaries · generated {_md_escape(p.generated)} with ddmgeo {__version__}*", ""]
    out += [f"*{_md_escape(p.attribution)}*", ""]
    for i, s in enumerate(p.sections, 1):
        out += [f"## {i}. {_md_escape(s.title)}", ""]
        for para in s.paragraphs:
            out += [_md_escape(para), ""]
        for f in s.figures:
            assets.mkdir(parents=True, exist_ok=True)
            (assets / f"{f.id}.svg").write_text(f.svg, encoding="utf-8")
            out += [f"![{_md_escape(f.alt)}]({assets.name}/{f.id}.svg)", ""]
            if f.caption:
                out += [f"*{_md_escape(f.caption)}*", ""]
        for t in s.tables:
            out += [f"**{_md_escape(t.title)}**", ""] + _md_table(t.frame) + [""]
            if t.note:
                out += [f"*{_md_escape(t.note)}*", ""]
        for n in s.not_available:
            out += [f"> **Not available:** {_md_escape(n)}", ""]
    path.write_text("\n".join(out), encoding="utf-8")
    return path


def render_pdf(p: "Profile", path: Path) -> Path:
    weasyprint = require("weasyprint", "report", "to write PDF profiles (with the Pango system library)")
    import logging

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    path.parent.mkdir(parents=True, exist_ok=True)
    weasyprint.HTML(string=render_html(p), base_url=str(path.parent)).write_pdf(path)
    return path
