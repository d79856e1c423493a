"""The figures of a profile, as inline SVG: where the area lies, its parts, its people and its services.

Every figure is drawn on the cartographic boundaries (:mod:`ddmgeo.maps`). The SVG of the HTML,
Markdown and PDF profiles is written directly (:mod:`ddmgeo.profiles._svg`: deterministic, no
matplotlib figure); each figure's ``draw`` re-draws it with matplotlib for the PNG of a slide deck
or a workbook, with the same layout and colours.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from .._format import number
from .._optional import require
from . import _svg
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


def _layer(level: str, ctx: "Context", tolerance: float | None = None) -> "pd.DataFrame":
    from .._cartographic import projected

    return projected(level, ctx.subject.vintage, tolerance)


def _bare(ax) -> None:
    ax.set_aspect("equal")
    ax.set_axis_off()


def locator(ctx: "Context") -> Figure:
    """South Africa's district spaces, the area's province shaded, the area in red."""
    s = ctx.subject
    d = _layer("district", ctx)
    p = _layer("province", ctx)
    own = _layer(s.level, ctx, 0.0)
    province = p[p.code == s.province].geometry.values
    area = own[own.code == s.code].geometry.values

    def draw():
        from .. import _draw

        fig, ax = _subplots(figsize=(4.2, 3.6))
        _draw.polygons(ax, d.geometry.values, facecolor="#e6e6e6", edgecolor="white", linewidth=0.4)
        _draw.polygons(ax, province, facecolor="#cfd9e6", edgecolor="none")
        _draw.polygons(ax, area, facecolor=FOCUS, edgecolor="#7b241c", linewidth=0.6, zorder=3)
        _draw.lines(ax, p.geometry.values, color="#555555", linewidth=0.5)
        _bare(ax)
        return fig

    def picture() -> str:
        c = _svg.Canvas(f"locator-{s.code}")
        frame = _svg.MapFrame.fit(_svg.limits(d.total_bounds), *_svg.axes_box((4.2, 3.6)))
        _svg.polygons(c, d.geometry.values, frame, fills="#e6e6e6", stroke="#ffffff", width=0.4)
        _svg.polygons(c, province, frame, fills="#cfd9e6")
        _svg.polygons(c, area, frame, fills=FOCUS, stroke="#7b241c", width=0.6)
        _svg.outlines(c, p.geometry.values, frame, stroke="#555555", width=0.5)
        return c.svg()

    where = f"in {s.province_name}" if s.level != "province" else "in South Africa"
    return Figure("locator", "Location", picture(), f"Map of South Africa locating {s.name} {where}", f"{s.name} (red) {where}.", width="half", draw=draw)


def parts_map(ctx: "Context") -> Figure:
    """The area with its parts labelled (or, for a local municipality, among its district's municipalities)."""
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
    colours = [FOCUS if c == s.code else "#f6d7b0" for c in mine.code]
    labels = [(geom.representative_point(), name) for geom, name in zip(mine.geometry, mine["name"])]

    def draw():
        from .. import _draw

        fig, ax = _subplots(figsize=(7.5, 5.2))
        _draw.polygons(ax, layer.geometry.values, facecolor="#f0f0f0", edgecolor="#c8c8c8", linewidth=0.4)
        _draw.polygons(ax, mine.geometry.values, facecolors=colours, edgecolor="#555555", linewidth=0.6, zorder=2)
        for pt, name in labels:
            ax.text(pt.x, pt.y, name, ha="center", va="center", fontsize=7, color=INK, zorder=4)
        ax.set_xlim(xmin - pad, xmax + pad)
        ax.set_ylim(ymin - pad, ymax + pad)
        _bare(ax)
        return fig

    def picture() -> str:
        c = _svg.Canvas(f"parts-{s.code}")
        frame = _svg.MapFrame.fit((xmin - pad, ymin - pad, xmax + pad, ymax + pad), *_svg.axes_box((7.5, 5.2)))
        clip = c.clip(frame.left, frame.top, frame.width, frame.height)
        around = layer.geometry.values
        _svg.polygons(c, around[frame.contains(shapely.bounds(around))], frame, fills="#f0f0f0", stroke="#c8c8c8", width=0.4, clip=clip)
        _svg.polygons(c, mine.geometry.values, frame, fills=colours, stroke="#555555", width=0.6, clip=clip)
        for pt, name in labels:
            x, y = frame.points(np.array([[pt.x, pt.y]]))[0]
            c.text(x, y, name, 7, colour=INK)
        return c.svg()

    what = {"municipality": "municipalities", "district": "district spaces"}[level]
    alt = f"Map of {s.name} and its {what}" if s.parts[1] else f"Map of {s.name} among the {what} around it"
    return Figure("parts", f"{s.name} and its {what}" if s.parts[1] else f"{s.name} and its neighbours", picture(), alt, width="half", draw=draw)


def age_chart(ctx: "Context", shares: "pd.DataFrame") -> Figure:
    """Bars of the age groups' shares of the population: the area against its province and the country.

    *shares*: index = age group labels, columns = area labels, values = shares (0-1).
    """
    colours = [FOCUS, "#2c7fb8", "#555555", "#999999"]
    series = [(str(col), 100 * shares[col].to_numpy(dtype=float), colours[i % len(colours)]) for i, col in enumerate(shares.columns)]
    groups = [str(g) for g in shares.index]

    def draw():
        fig, ax = _subplots(figsize=(7, 3.2))
        y = np.arange(len(groups))
        height = 0.8 / len(series)
        for i, (label, vals, colour) in enumerate(series):
            ax.barh(y + i * height, vals, height=height, color=colour, label=label)
        ax.set_yticks(y + height * (len(series) - 1) / 2, groups, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel("Per cent of all persons", fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        ax.legend(frameon=False, fontsize=7, loc="lower right")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        return fig

    picture = _svg.bars(f"ages-{ctx.subject.code}", groups, series, figsize=(7, 3.2), xlabel="Per cent of all persons")
    return Figure("ages", "Age groups", picture, f"Bar chart of the age groups of {ctx.subject.name}'s population against its comparators", width="half", draw=draw)


def dot_chart(ctx: "Context", values: "pd.DataFrame", labels: dict, *, xlabel: str, id: str = "services-chart") -> Figure:
    """Each indicator (row) for the area (red), its comparators and its parts (grey dots), in per cent."""
    ids = list(labels)
    focus = ctx.subject.label
    comps = [c[2] for c in ctx.subject.comparators]
    parts = [r for r in values.index if r not in (focus, *comps)]
    styles = [(focus, FOCUS, "o", 60)] + [(c, colour, marker, size) for c, (colour, marker, size) in zip(comps, [("#2c7fb8", "D", 40), ("#555555", "s", 36), ("#222222", "|", 120)][-len(comps) :])]
    # (legend label or None, values, colour, marker, size): the parts in grey first, then the area and its comparators
    series: list[tuple[str | None, np.ndarray, str, str, float]] = [(None, 100 * values.loc[r, ids].to_numpy(dtype=float), "#bbbbbb", "o", 16) for r in parts]
    series += [(r, 100 * values.loc[r, ids].to_numpy(dtype=float), colour, marker, size) for r, colour, marker, size in styles if r in values.index]
    if parts:
        series.append(("Its parts", np.array([]), "#bbbbbb", "o", 16))
    rows = [labels[i] for i in ids]
    figsize = (7.5, 0.5 * len(ids) + 1.4)

    def draw():
        fig, ax = _subplots(figsize=figsize)
        y = np.arange(len(ids))[::-1]
        for label, vals, colour, marker, size in series:
            ax.scatter(vals, y[: len(vals)], s=size, color=colour, marker=marker, zorder=2 if label is None else 3, label=label)
        ax.set_yticks(y, rows, fontsize=8)
        ax.set_xlim(0, 100)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.grid(axis="x", color="#eeeeee")
        ax.legend(frameon=False, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=4)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        return fig

    picture = _svg.dots(f"{id}-{ctx.subject.code}", rows, series, figsize=figsize, xlabel=xlabel)
    return Figure(id, "Services compared", picture, f"Dot chart of service access in {ctx.subject.name}, its comparators and its parts", draw=draw)


def small_multiples(ctx: "Context", table: "pd.DataFrame", labels: dict, *, legend: str) -> Figure | None:
    """One small map per indicator of the area's parts shaded 0-100 %; None when it has fewer than two parts."""
    level, codes = ctx.subject.parts
    if len(codes) < 2:
        return None
    colormaps = require("matplotlib").colormaps
    Normalize = require("matplotlib.colors").Normalize

    layer = _layer(level, ctx, 0.0)
    layer = layer[layer.code.isin(codes)].reset_index(drop=True)
    t = table.set_index("code")
    cmap, norm = colormaps["YlGnBu"], Normalize(0, 100)
    shades = {ind: ["#f4f4f4" if np.isnan(x) else cmap(norm(x)) for x in 100 * t[ind].reindex(layer.code).to_numpy(dtype=float)] for ind in labels}

    def draw():
        from .. import _draw

        fig, axes = _subplots(1, len(labels), figsize=(10, 2.6))
        for ax, ind in zip(np.atleast_1d(axes), labels):
            _draw.polygons(ax, layer.geometry.values, facecolors=shades[ind], edgecolor="#666666", linewidth=0.4)
            _bare(ax)
            ax.set_title(labels[ind], fontsize=8)
        sm = _mappable(norm=norm, cmap=cmap)
        cbar = fig.colorbar(sm, ax=axes, orientation="horizontal", fraction=0.06, pad=0.04, aspect=50)
        cbar.set_label(legend, fontsize=8)
        cbar.ax.tick_params(labelsize=7)
        return fig

    def picture() -> str:
        # the layout of fig.colorbar(ax=axes, orientation="horizontal", fraction=0.06, pad=0.04, aspect=50)
        c = _svg.Canvas(f"services-maps-{ctx.subject.code}")
        left, top, width, height = _svg.axes_box((10, 2.6))
        n = len(labels)
        each = width / (n + 0.2 * (n - 1))
        maps_h = (1 - 0.06 - 0.04) * height
        bounds = _svg.limits(layer.total_bounds)
        for i, ind in enumerate(labels):
            frame = _svg.MapFrame.fit(bounds, left + i * 1.2 * each, top, each, maps_h, anchor=(0.5, 1.0))
            _svg.polygons(c, layer.geometry.values, frame, fills=[_svg.hex_colour(x) for x in shades[ind]], stroke="#666666", width=0.4)
            c.text(frame.left + frame.width / 2, frame.top - 6, labels[ind], 8, valign="bottom")
        thick = 0.06 * height
        length = min(width, 50 * thick)
        _svg.colourbar(c, lambda v: _svg.hex_colour(cmap(norm(v))), 0.0, 100.0, x=left + (width - length) / 2, y=top + maps_h + 0.04 * height, length=length, thickness=thick, vertical=False, label=legend, tick_size=7)
        return c.svg()

    return Figure("services-maps", "Services by part of the area", picture(), f"Small maps of {ctx.subject.name}'s parts shaded by access to each service", draw=draw)


def growth_map(ctx: "Context", rates: "pd.Series", *, years: str) -> Figure | None:
    """The parts shaded by average annual growth (per cent per year), labelled; None with fewer than two parts."""
    level, codes = ctx.subject.parts
    if len(codes) < 2:
        return None
    colormaps = require("matplotlib").colormaps
    TwoSlopeNorm = require("matplotlib.colors").TwoSlopeNorm

    layer = _layer(level, ctx, 0.0)
    layer = layer[layer.code.isin(codes)].reset_index(drop=True)
    rate = rates.reindex(layer.code).to_numpy(dtype=float)
    lim = max(float(np.nanmax(np.abs(rate))) if np.isfinite(rate).any() else 0.5, 0.5)
    norm = TwoSlopeNorm(vmin=-lim, vcenter=0, vmax=lim)
    cmap = colormaps["PuOr"]
    shades = ["#f4f4f4" if np.isnan(x) else cmap(norm(x)) for x in rate]
    labels = [(geom.representative_point(), f"{name}\n{number(x, 1, sign=True)} % a year" if np.isfinite(x) else name) for geom, name, x in zip(layer.geometry, layer["name"], rate)]
    title = f"Population growth, per cent per year, {years}"

    def draw():
        from .. import _draw

        fig, ax = _subplots(figsize=(5.5, 4))
        _draw.polygons(ax, layer.geometry.values, facecolors=shades, edgecolor="#555555", linewidth=0.5)
        for pt, text in labels:
            ax.text(pt.x, pt.y, text, ha="center", va="center", fontsize=7)
        _bare(ax)
        cbar = fig.colorbar(_mappable(norm=norm, cmap=cmap), ax=ax, fraction=0.04, pad=0.02)
        cbar.set_label(title, fontsize=8)
        return fig

    def picture() -> str:
        # the layout of fig.colorbar(ax=ax, fraction=0.04, pad=0.02): the map on the right of its room, the bar beside it
        c = _svg.Canvas(f"growth-map-{ctx.subject.code}")
        left, top, width, height = _svg.axes_box((5.5, 4))
        frame = _svg.MapFrame.fit(_svg.limits(layer.total_bounds), left, top, (1 - 0.04 - 0.02) * width, height, anchor=(1.0, 0.5))
        _svg.polygons(c, layer.geometry.values, frame, fills=[_svg.hex_colour(x) for x in shades], stroke="#555555", width=0.5)
        for pt, text in labels:
            x, y = frame.points(np.array([[pt.x, pt.y]]))[0]
            c.text(x, y, text, 7)
        thick = min(0.04 * width, height / 20)
        _svg.colourbar(c, lambda v: _svg.hex_colour(cmap(norm(v))), -lim, lim, x=left + (1 - 0.04) * width, y=top, length=height, thickness=thick, vertical=True, label=title, tick_size=10)
        return c.svg()

    return Figure("growth-map", "Population growth by part of the area", picture(), f"Map of {ctx.subject.name}'s parts shaded by annual population growth {years}", width="half", draw=draw)
