"""Render a DistrictProfile as HTML (Jinja2, autoescaped), Markdown or PDF (WeasyPrint)."""

from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__

if TYPE_CHECKING:
    from . import DistrictProfile

TEMPLATES = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def environment():
    try:
        import jinja2
    except ImportError as exc:  # pragma: no cover - jinja2 is in the report extra
        raise ImportError('Profiles need Jinja2: pip install "ddmgeo[report]"') from exc
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True)


@lru_cache(maxsize=1)
def css() -> str:
    return (TEMPLATES / "profile.css").read_text(encoding="utf-8")


def render_html(p: "DistrictProfile", *, standalone: bool = True) -> str:
    return environment().get_template("profile.html.j2").render(p=p, css=css(), version=__version__, standalone=standalone)


def _md_escape(text) -> str:
    """Text safe in Markdown: HTML escaped, table pipes escaped."""
    return html.escape(str(text), quote=False).replace("|", "\\|")


def _md_table(frame) -> list[str]:
    cols = [_md_escape(c) for c in frame.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join(["---"] + ["---:"] * (len(cols) - 1)) + "|"]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(_md_escape(v) for v in row) + " |")
    return lines


def render_markdown(p: "DistrictProfile", path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    assets = path.with_name(f"{path.stem}_files")
    out = [f"# {_md_escape(p.name)} ({_md_escape(p.code)}): district diagnostic profile", ""]
    kind = "Metropolitan municipality" if p.category == "A" else "District municipality"
    out += [f"*{kind} · {_md_escape(p.province_name)} · {_md_escape(p.vintage)} boundaries · generated {_md_escape(p.generated)} with ddmgeo {__version__}*", ""]
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


def render_pdf(p: "DistrictProfile", path: Path) -> Path:
    try:
        import weasyprint
    except ImportError as exc:  # pragma: no cover
        raise ImportError('PDF profiles need WeasyPrint: pip install "ddmgeo[report]" (and the Pango system library)') from exc
    import logging

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    path.parent.mkdir(parents=True, exist_ok=True)
    weasyprint.HTML(string=render_html(p), base_url=str(path.parent)).write_pdf(path)
    return path
