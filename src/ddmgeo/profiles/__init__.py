"""District diagnostic profiles: a One-Plan-shaped profile of any of the 52 spaces, as HTML, PDF or Markdown.

Sections follow the DDM profile and One Plan: executive summary; introduction and
spatial status; social development and demographics; economic positioning; service
delivery; infrastructure, budget spatialisation and spatial restructuring; governance
and finance; impact monitoring; sources. Every number carries its source and year; a
section ddmgeo has no data for says "not available" and names what would fill it.

Examples
--------
>>> import ddmgeo
>>> p = ddmgeo.profile("Waterberg")                 # doctest: +SKIP
>>> p.to_html("waterberg.html")                     # doctest: +SKIP
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from .. import __version__, settings
from ._content import SECTIONS, Figure, KeyFigure, Section, Table

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DistrictProfile", "Figure", "KeyFigure", "SECTIONS", "Section", "Table", "build_all", "profile"]


@dataclass
class DistrictProfile:
    """The content of one district space's profile, usable without rendering.

    Attributes
    ----------
    code, name, province, province_name, category, vintage
        The district space.
    sections : list of Section
        In profile order; each has ``paragraphs``, ``tables`` (display DataFrames and the
        numbers behind them), ``figures`` (SVG), ``not_available`` notes and ``sources``.
    key_figures : list of KeyFigure
        The executive summary's numbers with ranks and comparisons.
    sources : pandas.DataFrame
        Every dataset used, with years, attribution and licence.
    """

    code: str
    name: str
    province: str
    province_name: str
    category: str
    vintage: int
    sections: list[Section]
    key_figures: list[KeyFigure]
    generated: str = field(default_factory=lambda: _dt.date.today().isoformat())

    @property
    def sources(self) -> "pd.DataFrame":
        return self.section("sources").tables[0].frame

    def section(self, id: str) -> Section:
        for s in self.sections:
            if s.id == id:
                return s
        raise KeyError(f"No section {id!r}; sections: {[s.id for s in self.sections]}")

    @property
    def title(self) -> str:
        return f"{self.name} ({self.code}): district diagnostic profile"

    def to_html(self, path=None, *, standalone: bool = True) -> str:
        """Render one self-contained HTML file (inline CSS, SVG charts and maps); write it if *path* is given."""
        from ._render import render_html

        text = render_html(self, standalone=standalone)
        if path is not None:
            _write(path, text)
        return text

    def to_markdown(self, path) -> Path:
        """Write Markdown with the figures as SVG files in a ``<stem>_files`` folder beside it."""
        from ._render import render_markdown

        return render_markdown(self, Path(path))

    def to_pdf(self, path) -> Path:
        """Write a PDF with WeasyPrint (pure Python; no browser needed)."""
        from ._render import render_pdf

        return render_pdf(self, Path(path))

    def _repr_html_(self) -> str:
        return self.to_html(standalone=False)

    def __repr__(self) -> str:
        return f"<DistrictProfile {self.code} {self.name}: {len(self.sections)} sections>"


def _write(path, text: str) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def profile(area: str, *, vintage: int = settings.DEFAULT_VINTAGE, sections: Sequence[str] | None = None) -> DistrictProfile:
    """Build the diagnostic profile of one district or metropolitan space.

    Parameters
    ----------
    area : str
        Anything :func:`ddmgeo.resolve` accepts: "Waterberg", "DC36", "eThekwini", "Eden" (former name).
    vintage : int, default 2016
        Boundary vintage of the codes (the profile's figures are on these boundaries).
    sections : list of str, optional
        Subset of ``SECTIONS`` (the executive summary and sources are always included).

    Returns
    -------
    DistrictProfile

    Examples
    --------
    >>> import ddmgeo
    >>> p = ddmgeo.profile("Alfred Nzo")                          # doctest: +SKIP
    >>> [s.id for s in p.sections][:3]                             # doctest: +SKIP
    ['summary', 'spatial', 'demographics']
    """
    import warnings

    import matplotlib

    from ..errors import FormerNameWarning
    from ..names import resolve
    from . import _content

    from ..areas import _check_vintage
    from ..errors import VintageError

    if _check_vintage(vintage) == 2011:
        raise VintageError(
            "Profiles are built on the 2016 boundaries (the Community Survey 2016 and most indicators exist on them only): "
            "pass vintage=2016. A 2011 name or code such as 'Eden' or 'DC4' is still understood and resolved to its 2016 district space."
        )
    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline", "svg", "pdf"):
        matplotlib.use("Agg")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FormerNameWarning)
        code = resolve(area, level="district", vintage=vintage)
    wanted = list(SECTIONS) if sections is None else ["summary", *[s for s in sections if s not in ("summary", "sources")], "sources"]
    unknown = [s for s in wanted if s not in SECTIONS]
    if unknown:
        raise ValueError(f"Unknown section(s) {unknown}; use some of {list(SECTIONS)}.")
    ctx = _content.make_context(code, vintage)
    summary, key = _content.executive_summary(ctx)
    built = [summary]
    for sid in SECTIONS[1:-1]:
        if sid in wanted:
            built.append(_content.BUILDERS[sid](ctx))
    built.append(_content.sources_section(ctx))
    return DistrictProfile(ctx.code, ctx.name, ctx.province, ctx.province_name, ctx.category, ctx.vintage, built, key)


def build_all(
    out_dir,
    *,
    fmt: str = "html",
    areas: Iterable[str] | None = None,
    vintage: int = settings.DEFAULT_VINTAGE,
    jobs: int = 1,
    progress: bool | None = None,
) -> "pd.DataFrame":
    """Build the profiles of all 52 spaces (or *areas*) into *out_dir*, with an ``index.html``.

    A district that fails does not stop the others; the returned table (also summarised in
    the index) has one row per area with ``status`` and ``error``.

    Parameters
    ----------
    fmt : {"html", "pdf", "md"}
    jobs : int, default 1
        Worker processes.
    progress : bool, optional
        A tqdm progress bar; by default only when stderr is a terminal.
    """
    from ._batch import build_all as _build_all

    return _build_all(Path(out_dir), fmt=fmt, areas=areas, vintage=vintage, jobs=jobs, progress=progress)
