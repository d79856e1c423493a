"""The figures of a profile, as inline SVG: where the area lies, its parts, its people and its services.

Every figure is drawn with matplotlib on the cartographic boundaries (:mod:`ddmgeo.maps`) and
written as deterministic SVG (fixed hash salt, no date), so the same profile gives the same bytes.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import numpy as np

from .._format import number
from .._optional import require
from ._content import Figure

if TYPE_CHECKING:
    import pandas as pd

    from ._content import Context

INK = "#222222"
FOCUS = "#c0392b"


def _subplots(nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float]):
    """A figure and its axes, without pyplot (no global figure manager, no GUI backend chosen)."""
    MplFigure = require("matplotlib.figure").Figure

    fig = MplFigure(figsize=figsize)
    return fig, fig.subplots(nrows, ncols)


def _mappable(*, norm, cmap):
    ScalarMappable = require("matplotlib.cm").ScalarMappable

    return ScalarMappable(norm=norm, cmap=cmap)


def png(figure: Figure, *, dpi: int = 200) -> bytes:
    """The figure re-drawn as PNG (for slide decks and workbooks)."""
    if figure.draw is None:
        raise ValueError(f"figure {figure.id!r} cannot be re-drawn")
    fig: Any = figure.draw()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", facecolor="white", metadata={"Software": None})
    return buf.getvalue()


def svg(fig) -> str:
    """The figure as SVG text (fonts as text, fixed ids), cropped to what is drawn."""
    matplotlib = require("matplotlib")

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "ddmgeo"}):
        fig.savefig(buf, format="svg", bbox_inches=_tight_bbox(fig), facecolor="white", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg") :]


def _tight_bbox(fig):
    """The drawn extent of *fig* in inches, padded as ``bbox_inches="tight"`` pads it.

    Measured with an Agg renderer instead of the dry-run draw that ``bbox_inches="tight"`` makes,
    which halves the time of writing a figure (the extent differs by under a point).
    """
    matplotlib = require("matplotlib")
    RendererAgg = require("matplotlib.backends.backend_agg").RendererAgg

    renderer = RendererAgg(fig.bbox.width, fig.bbox.height, fig.dpi)
    return fig.get_tightbbox(renderer).padded(matplotlib.rcParams["savefig.pad_inches"])


def _layer(level: str, ctx: "Context", tolerance: float | None = None) -> "pd.DataFrame":
    from ..maps._cartographic import projected

    return projected(level, ctx.subject.vintage, tolerance)


def _bare(ax) -> None:
    ax.set_aspect("equal")
    ax.set_axis_off()


def locator(ctx: "Context") -> Figure:
    """South Africa's district spaces, the area's province shaded, the area in red."""
    from ..maps import _draw

    s = ctx.subject
    d = _layer("district", ctx)
    p = _layer("province", ctx)

    def draw():
        fig, ax = _subplots(figsize=(4.2, 3.6))
        _draw.polygons(ax, d.geometry.values, facecolor="#e6e6e6", edgecolor="white", linewidth=0.4)
        _draw.polygons(ax, p[p.code == s.province].geometry.values, facecolor="#cfd9e6", edgecolor="none")
        own = _layer(s.level, ctx, 0.0)
        _draw.polygons(ax, own[own.code == s.code].geometry.values, facecolor=FOCUS, edgecolor="#7b241c", linewidth=0.6, zorder=3)
        _draw.lines(ax, p.geometry.values, color="#555555", linewidth=0.5)
        _bare(ax)
        return fig

    where = f"in {s.province_name}" if s.level != "province" else "in South Africa"
    return Figure("locator", "Location", svg(draw()), f"Map of South Africa locating {s.name} {where}", f"{s.name} (red) {where}.", width="half", draw=draw)


def parts_map(ctx: "Context") -> Figure:
    """The area with its parts labelled (or, for a local municipality, among its district's municipalities)."""
    from ..maps import _draw

    s = ctx.subject
    level, codes = s.parts
    if not codes:  # a metro or a local municipality: show it among its neighbours
        level = "municipality"
        munis = _layer("municipality", ctx, 0.0)
        codes = tuple(munis.code[munis.district_code == s.district]) if s.level == "municipality" else (s.code,)
    layer = _layer(level, ctx, 0.0)
    mine = layer[layer.code.isin(codes)]
    xmin, ymin, xmax, ymax = (mine[mine.code == s.code] if s.code in set(mine.code) else mine).total_bounds
    pad = 0.08 * max(xmax - xmin, ymax - ymin)

    def draw():
        fig, ax = _subplots(figsize=(7.5, 5.2))
        _draw.polygons(ax, layer.geometry.values, facecolor="#f0f0f0", edgecolor="#c8c8c8", linewidth=0.4)
        colours = [FOCUS if c == s.code else "#f6d7b0" for c in mine.code]
        _draw.polygons(ax, mine.geometry.values, facecolors=colours, edgecolor="#555555", linewidth=0.6, zorder=2)
        for geom, name in zip(mine.geometry, mine["name"]):
            pt = geom.representative_point()
            ax.text(pt.x, pt.y, name, ha="center", va="center", fontsize=7, color=INK, zorder=4)
        ax.set_xlim(xmin - pad, xmax + pad)
        ax.set_ylim(ymin - pad, ymax + pad)
        _bare(ax)
        return fig

    what = {"municipality": "municipalities", "district": "district spaces"}[level]
    alt = f"Map of {s.name} and its {what}" if s.parts[1] else f"Map of {s.name} among the {what} around it"
    return Figure("parts", f"{s.name} and its {what}" if s.parts[1] else f"{s.name} and its neighbours", svg(draw()), alt, width="half", draw=draw)


def age_chart(ctx: "Context", shares: "pd.DataFrame") -> Figure:
    """Bars of the age groups' shares of the population: the area against its province and the country.

    *shares*: index = age group labels, columns = area labels, values = shares (0-1).
    """
    def draw():
        fig, ax = _subplots(figsize=(7, 3.2))
        y = np.arange(len(shares.index))
        height = 0.8 / len(shares.columns)
        colours = [FOCUS, "#2c7fb8", "#555555", "#999999"]
        for i, col in enumerate(shares.columns):
            ax.barh(y + i * height, 100 * shares[col].to_numpy(dtype=float), height=height, color=colours[i % len(colours)], label=col)
        ax.set_yticks(y + height * (len(shares.columns) - 1) / 2, list(shares.index), fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel("Per cent of all persons", fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        ax.legend(frameon=False, fontsize=7, loc="lower right")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        return fig

    return Figure("ages", "Age groups", svg(draw()), f"Bar chart of the age groups of {ctx.subject.name}'s population against its comparators", width="half", draw=draw)


def dot_chart(ctx: "Context", values: "pd.DataFrame", labels: dict, *, xlabel: str, id: str = "services-chart") -> Figure:
    """Each indicator (row) for the area (red), its comparators and its parts (grey dots), in per cent."""
    ids = list(labels)

    def draw():
        fig, ax = _subplots(figsize=(7.5, 0.5 * len(ids) + 1.4))
        y = np.arange(len(ids))[::-1]
        focus = ctx.subject.label
        comps = [c[2] for c in ctx.subject.comparators]
        parts = [r for r in values.index if r not in (focus, *comps)]
        for r in parts:
            ax.scatter(100 * values.loc[r, ids].to_numpy(dtype=float), y, s=16, color="#bbbbbb", zorder=2)
        styles = [(focus, FOCUS, "o", 60)] + [(c, colour, marker, size) for c, (colour, marker, size) in zip(comps, [("#2c7fb8", "D", 40), ("#555555", "s", 36), ("#222222", "|", 120)][-len(comps) :])]
        for r, colour, marker, size in styles:
            if r in values.index:
                ax.scatter(100 * values.loc[r, ids].to_numpy(dtype=float), y, s=size, color=colour, marker=marker, zorder=3, label=r)
        if parts:
            ax.scatter([], [], s=16, color="#bbbbbb", label="Its parts")
        ax.set_yticks(y, [labels[i] for i in ids], fontsize=8)
        ax.set_xlim(0, 100)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.grid(axis="x", color="#eeeeee")
        ax.legend(frameon=False, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=4)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        return fig

    return Figure(id, "Services compared", svg(draw()), f"Dot chart of service access in {ctx.subject.name}, its comparators and its parts", draw=draw)


def small_multiples(ctx: "Context", table: "pd.DataFrame", labels: dict, *, legend: str) -> Figure | None:
    """One small map per indicator of the area's parts shaded 0-100 %; None when it has fewer than two parts."""
    level, codes = ctx.subject.parts
    if len(codes) < 2:
        return None
    colormaps = require("matplotlib").colormaps
    Normalize = require("matplotlib.colors").Normalize

    from ..maps import _draw

    layer = _layer(level, ctx, 0.0)
    layer = layer[layer.code.isin(codes)].reset_index(drop=True)
    t = table.set_index("code")
    cmap, norm = colormaps["YlGnBu"], Normalize(0, 100)

    def draw():
        fig, axes = _subplots(1, len(labels), figsize=(10, 2.6))
        for ax, ind in zip(np.atleast_1d(axes), labels):
            vals = 100 * t[ind].reindex(layer.code).to_numpy(dtype=float)
            colours = ["#f4f4f4" if np.isnan(x) else cmap(norm(x)) for x in vals]
            _draw.polygons(ax, layer.geometry.values, facecolors=colours, edgecolor="#666666", linewidth=0.4)
            _bare(ax)
            ax.set_title(labels[ind], fontsize=8)
        sm = _mappable(norm=norm, cmap=cmap)
        cbar = fig.colorbar(sm, ax=axes, orientation="horizontal", fraction=0.06, pad=0.04, aspect=50)
        cbar.set_label(legend, fontsize=8)
        cbar.ax.tick_params(labelsize=7)
        return fig

    return Figure("services-maps", "Services by part of the area", svg(draw()), f"Small maps of {ctx.subject.name}'s parts shaded by access to each service", draw=draw)


def growth_map(ctx: "Context", rates: "pd.Series", *, years: str) -> Figure | None:
    """The parts shaded by average annual growth (per cent per year), labelled; None with fewer than two parts."""
    level, codes = ctx.subject.parts
    if len(codes) < 2:
        return None
    colormaps = require("matplotlib").colormaps
    TwoSlopeNorm = require("matplotlib.colors").TwoSlopeNorm

    from ..maps import _draw

    layer = _layer(level, ctx, 0.0)
    layer = layer[layer.code.isin(codes)].reset_index(drop=True)
    rate = rates.reindex(layer.code).to_numpy(dtype=float)
    lim = max(float(np.nanmax(np.abs(rate))) if np.isfinite(rate).any() else 0.5, 0.5)
    norm = TwoSlopeNorm(vmin=-lim, vcenter=0, vmax=lim)
    cmap = colormaps["PuOr"]

    def draw():
        fig, ax = _subplots(figsize=(5.5, 4))
        _draw.polygons(ax, layer.geometry.values, facecolors=["#f4f4f4" if np.isnan(x) else cmap(norm(x)) for x in rate], edgecolor="#555555", linewidth=0.5)
        for geom, name, x in zip(layer.geometry, layer["name"], rate):
            pt = geom.representative_point()
            ax.text(pt.x, pt.y, f"{name}\n{number(x, 1, sign=True)} % a year" if np.isfinite(x) else name, ha="center", va="center", fontsize=7)
        _bare(ax)
        cbar = fig.colorbar(_mappable(norm=norm, cmap=cmap), ax=ax, fraction=0.04, pad=0.02)
        cbar.set_label(f"Population growth, per cent per year, {years}", fontsize=8)
        return fig

    return Figure("growth-map", "Population growth by part of the area", svg(draw()), f"Map of {ctx.subject.name}'s parts shaded by annual population growth {years}", width="half", draw=draw)
