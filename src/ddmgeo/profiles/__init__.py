"""Diagnostic profiles of any district space, municipality or province, as HTML, PDF or Markdown.

Sections follow the COGTA district profile template: executive summary; introduction and
spatial status; social development (population, population group, gender and age, households,
health, poverty, education); drivers of the economy; service delivery; governance and
management; projects; key issues; impact monitoring; sources. Every number says its year and
source and leads with the latest year the data holds (Census 2022 where it has the figure); a
section ddmgeo has no data for says "not available" and names what would fill it.

Examples
--------
>>> import ddmgeo
>>> p = ddmgeo.profile("Waterberg")                 # doctest: +SKIP
>>> p.to_html("waterberg.html")                     # doctest: +SKIP
>>> ddmgeo.profile("Lephalale").level               # a local municipality   # doctest: +SKIP
'municipality'
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .. import settings
from .._optional import require
from ._content import Figure, KeyFigure, Section, Table
from ._sections import SECTIONS

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DistrictProfile", "Figure", "KeyFigure", "Profile", "SECTIONS", "Section", "Table", "build_all", "profile"]

#: the statement Stats SA's terms ask of anyone who processes its data
ATTRIBUTION = (
    "Statistics: Statistics South Africa (Census 2011, Community Survey 2016, Census 2022, mid-year estimates), National Treasury and the other "
    "sources listed under Sources and notes; boundaries © Municipal Demarcation Board. The analysis is the user's own, made with ddmgeo; "
    "it is not the work or the view of Stats SA or of the other data providers."
)


@dataclass
class Profile:
    """The content of one area's profile, usable without rendering.

    Attributes
    ----------
    code, name, level, province, province_name, category, vintage
        The area (``level``: district, municipality or province).
    sections : list of Section
        In profile order; each has ``paragraphs``, ``tables`` (display frames and the numbers
        behind them), ``figures`` (SVG), ``not_available`` notes and ``sources``.
    key_figures : list of KeyFigure
        The executive summary's numbers with ranks and comparisons.
    """

    code: str
    name: str
    level: str
    province: str
    province_name: str
    category: str | None
    vintage: int
    kind: str
    sections: list[Section]
    key_figures: list[KeyFigure]
    generated: str = field(default_factory=lambda: _dt.date.today().isoformat())
    attribution: str = ATTRIBUTION

    @property
    def sources(self) -> "pd.DataFrame":
        return self.section("sources").tables[0].frame

    def section(self, id: str) -> Section:
        for s in self.sections:
            if s.id == id:
                return s
        raise KeyError(f"No section {id!r}; sections: {[s.id for s in self.sections]}")

    @property
    def key_table(self) -> "pd.DataFrame":
        """The key figures as a display table: indicator, unit, year, value, rank and the comparison."""
        import pandas as pd

        return pd.DataFrame(
            [{"Indicator": k.label, "Unit": "%" if k.unit == "proportion" else k.unit, "Year": k.year, self.name: k.display, "Rank": k.rank_text, "Compared with its comparators": k.judgement} for k in self.key_figures]
        )

    @property
    def title(self) -> str:
        return f"{self.name} ({self.code}): diagnostic profile"

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
        """Write a print-ready A4 PDF (cover, running header, page numbers) with WeasyPrint."""
        from ._render import render_pdf

        return render_pdf(self, Path(path))

    def to_pptx(self, path) -> Path:
        """Write a 16:9 slide deck: title, key figures, the maps and charts, key issues, sources."""
        from ._deck import to_pptx

        return to_pptx(self, Path(path))

    def to_xlsx(self, path) -> Path:
        """Write a workbook: one sheet per table with the numbers behind it, plus definitions and notes."""
        from ._deck import to_xlsx

        return to_xlsx(self, Path(path))

    def _repr_html_(self) -> str:
        return self.to_html(standalone=False)

    def __repr__(self) -> str:
        return f"<Profile {self.level} {self.code} {self.name}: {len(self.sections)} sections>"


#: the name earlier versions gave the class (profiles were of district spaces only)
DistrictProfile = Profile


def _write(path, text: str) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def profile(
    area: str,
    *,
    level: str | None = None,
    vintage: int = settings.DEFAULT_VINTAGE,
    sections: Sequence[str] | None = None,
) -> Profile:
    """Build the diagnostic profile of one district space, municipality or province.

    Parameters
    ----------
    area : str
        Anything :func:`ddmgeo.resolve` accepts: "Waterberg", "DC36", "Lephalale", "eThekwini",
        "Limpopo", "Eden" (a former name).
    level : {"district", "municipality", "province"}, optional
        Which kind of area *area* names, when the name alone is ambiguous; by default the
        level of the code it resolves to (a metro is profiled as a district space).
    vintage : int, default 2016
        Boundary vintage of the codes.
    sections : list of str, optional
        Subset of ``SECTIONS`` (the executive summary and sources are always included).

    Returns
    -------
    Profile

    Examples
    --------
    >>> import ddmgeo
    >>> p = ddmgeo.profile("Alfred Nzo")                          # doctest: +SKIP
    >>> [s.id for s in p.sections][:3]                             # doctest: +SKIP
    ['summary', 'spatial', 'social']
    """
    import warnings

    from ..areas import _check_vintage
    from ..errors import FormerNameWarning, VintageError
    from ..names import resolve
    from . import _issues, _sections, _subject
    from ._content import Context

    if _check_vintage(vintage) == 2011:
        raise VintageError(
            "Profiles are built on the 2016 boundaries (Census 2022, the Community Survey 2016 and most indicators exist on them): "
            "pass vintage=2016. A 2011 name or code such as 'Eden' or 'DC4' is still understood and resolved to its 2016 area."
        )
    if level is not None and level not in _subject.PEERS:
        raise VintageError(f"Profiles are made for district spaces, municipalities and provinces: level must be 'district', 'municipality' or 'province', not {level!r}.")
    _use_agg()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FormerNameWarning)
        code = resolve(area, level=level, vintage=vintage)
    chosen = level or _subject.level_of(code, vintage)
    wanted = list(SECTIONS) if sections is None else ["summary", *[s for s in sections if s not in ("summary", "sources")], "sources"]
    unknown = [s for s in wanted if s not in SECTIONS]
    if unknown:
        raise ValueError(f"Unknown section(s) {unknown}; use some of {list(SECTIONS)}.")
    ctx = Context(_subject.subject(code, chosen, vintage))
    summary, key = _sections.summary(ctx)
    built = [summary]
    for sid in SECTIONS[1:-1]:
        if sid in wanted:
            built.append(_issues.issues(ctx) if sid == "issues" else _sections.BUILDERS[sid](ctx))
    built.append(_sections.sources(ctx))
    errata = [p for p in built[-1].paragraphs if p.startswith("Erratum (")]
    if errata:
        codes = ", ".join(p[len("Erratum (") : p.index(")")] for p in errata)
        summary.paragraphs.append(f"Census 2022 figures of {codes} are Stats SA's first release, revised later (erratum, not applied here): see Sources and notes.")
    s = ctx.subject
    return Profile(s.code, s.name, s.level, s.province, s.province_name, s.category, s.vintage, s.kind, built, key)


def _use_agg() -> None:
    """Check that matplotlib is installed; the figures are bare ``Figure`` objects, so no backend is chosen."""
    require("matplotlib", "report", "to draw the figures of a profile")


def build_all(
    out_dir,
    *,
    fmt: str = "html",
    areas: Iterable[str] | None = None,
    level: str = "district",
    province: str | None = None,
    vintage: int = settings.DEFAULT_VINTAGE,
    jobs: int = 1,
    progress: bool | None = None,
) -> "pd.DataFrame":
    """Build many profiles into *out_dir*, with an ``index.html`` of every profile in the folder.

    An area that fails does not stop the others; the returned table (also summarised in the
    index) has one row per area of this run with ``status`` and ``error``. A later run into the
    same folder adds to its index.

    Parameters
    ----------
    fmt : {"html", "pdf", "md"}
    areas : list of str, optional
        Areas to build (names or codes of any level); default every area of *level*.
    level : {"district", "municipality", "province"}, default "district"
        With no *areas*: all 52 district spaces, 213 municipalities or 9 provinces.
    province : str, optional
        With no *areas*: only those in this province ("LIM", "Limpopo").
    jobs : int, default 1
        Worker processes.
    progress : bool, optional
        A progress bar in a terminal or Jupyter, one line per area otherwise; ``False`` for none.

    Examples
    --------
    >>> from ddmgeo import profiles
    >>> profiles.build_all("profiles/", province="LIM", jobs=2)        # doctest: +SKIP
    """
    from ._batch import build_all as _build_all

    return _build_all(Path(out_dir), fmt=fmt, areas=areas, level=level, province=province, vintage=vintage, jobs=jobs, progress=progress)
