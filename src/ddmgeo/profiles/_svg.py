"""The profile's figures written as SVG text directly: maps from shapely geometry, bar and dot charts.

They are laid out as matplotlib lays out the figures of :mod:`ddmgeo.profiles._figures` (sizes in
points, the default axes box, DejaVu Sans text, the same colours, ticks from matplotlib's own
locator, a 0.1 inch margin around what is drawn), without building a matplotlib figure: a cold
``ddm profile`` does not import matplotlib's figure machinery, and writing a figure takes
milliseconds. Coordinates are rounded to a tenth of a point; the same input gives the same bytes.
The PNG versions of the figures (slide decks, workbooks) are still drawn with matplotlib.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

from .._optional import require

FONT = "'DejaVu Sans', 'Bitstream Vera Sans', Verdana, Arial, Helvetica, sans-serif"
PAD = 7.2  # savefig.pad_inches (0.1 inch) around what is drawn
TICK = 3.5  # tick length and the gap between a tick and its label (points)
AXES = (0.125, 0.11, 0.9, 0.88)  # matplotlib's default axes box: left, bottom, right, top (figure fractions)
MARGIN = 0.05  # axes.xmargin / axes.ymargin: data limits widened by 5 % on each side
SPINE = 0.8


def _num(v: float) -> str:
    return f"{round(float(v), 1):g}"


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def text_width(text: str, size: float) -> float:
    """Approximate advance width of *text* in DejaVu Sans at *size* points (for layout only)."""
    narrow = sum(ch in "ijlI.,:;'|!() " for ch in text)
    wide = sum(ch in "mwMW%" for ch in text)
    return size * (0.61 * (len(text) - narrow - wide) + 0.32 * narrow + 0.9 * wide)


def tick_values(lo: float, hi: float) -> list[float]:
    """The ticks matplotlib's automatic locator puts between *lo* and *hi* (at most 9 intervals)."""
    MaxNLocator = require("matplotlib.ticker").MaxNLocator

    eps = 1e-9 * max(abs(lo), abs(hi), 1.0)
    return [float(t) for t in MaxNLocator(nbins=9, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi) if lo - eps <= t <= hi + eps]


def tick_label(v: float) -> str:
    """A tick label as matplotlib's scalar formatter writes it (a true minus sign)."""
    text = f"{round(v, 10):g}"
    return "0" if text == "-0" else text.replace("-", "\u2212")


def hex_colour(rgba) -> str:
    return require("matplotlib.colors").to_hex(rgba)


@dataclass
class Canvas:
    """SVG elements in points (y downwards), with the extent of what is drawn.

    *name* prefixes the ids of its clip paths and gradients: the SVGs of one HTML page share one id space.
    """

    name: str = "figure"
    items: list[str] = field(default_factory=list)
    defs: list[str] = field(default_factory=list)
    box: list[float] = field(default_factory=lambda: [np.inf, np.inf, -np.inf, -np.inf])

    def extend(self, x0: float, y0: float, x1: float, y1: float) -> None:
        b = self.box
        b[0], b[1], b[2], b[3] = min(b[0], x0, x1), min(b[1], y0, y1), max(b[2], x0, x1), max(b[3], y0, y1)

    def add(self, element: str) -> None:
        self.items.append(element)

    def rect(self, x: float, y: float, w: float, h: float, *, fill: str, stroke: str = "none", width: float = 0.0) -> None:
        self.add(f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{_num(h)}" fill="{fill}"' + (f' stroke="{stroke}" stroke-width="{width:g}"' if stroke != "none" else "") + "/>")
        self.extend(x, y, x + w, y + h)

    def line(self, x0: float, y0: float, x1: float, y1: float, *, stroke: str = "#000000", width: float = SPINE) -> None:
        self.add(f'<line x1="{_num(x0)}" y1="{_num(y0)}" x2="{_num(x1)}" y2="{_num(y1)}" stroke="{stroke}" stroke-width="{width:g}"/>')
        self.extend(x0, y0, x1, y1)

    def text(self, x: float, y: float, text: str, size: float, *, anchor: str = "middle", valign: str = "center", colour: str = "#000000", rotate: bool = False) -> None:
        """Text at (x, y): *anchor* start/middle/end along the text, *valign* top/center/baseline/bottom across it."""
        lines = str(text).split("\n")
        step = 1.2 * size
        height = step * (len(lines) - 1) + size
        first = {"top": 0.76 * size, "center": 0.38 * size - (height - size) / 2, "baseline": 0.0, "bottom": -0.24 * size - step * (len(lines) - 1)}[valign]
        width = max(text_width(t, size) for t in lines)
        shift = {"start": 0.0, "middle": -width / 2, "end": -width}[anchor]
        attrs = f'font-size="{size:g}" text-anchor="{anchor}" fill="{colour}"'
        if rotate:  # reads upwards: the text runs along -y, its baseline to the right of x
            tspans = "".join(f'<tspan x="0" y="{_num(first + i * step)}">{_esc(t)}</tspan>' for i, t in enumerate(lines))
            self.add(f'<text transform="translate({_num(x)} {_num(y)}) rotate(-90)" {attrs}>{tspans}</text>')
            self.extend(x + first - 0.76 * size, y + shift, x + first + 0.24 * size + step * (len(lines) - 1), y + shift + width)
            return
        tspans = "".join(f'<tspan x="{_num(x)}" y="{_num(y + first + i * step)}">{_esc(t)}</tspan>' for i, t in enumerate(lines))
        self.add(f"<text {attrs}>{tspans}</text>")
        self.extend(x + shift, y + first - 0.76 * size, x + shift + width, y + first + 0.24 * size + step * (len(lines) - 1))

    def clip(self, x: float, y: float, w: float, h: float) -> str:
        """A clip rectangle's id (the clipped drawing counts only within it)."""
        cid = f"{self.name}-clip{len(self.defs)}"
        self.defs.append(f'<clipPath id="{cid}"><rect x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{_num(h)}"/></clipPath>')
        self.extend(x, y, x + w, y + h)
        return cid

    def svg(self) -> str:
        x0, y0, x1, y1 = self.box
        x0, y0, w, h = x0 - PAD, y0 - PAD, x1 - x0 + 2 * PAD, y1 - y0 + 2 * PAD
        defs = f"<defs>{''.join(self.defs)}</defs>" if self.defs else ""
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{_num(w)}pt" height="{_num(h)}pt" viewBox="{_num(x0)} {_num(y0)} {_num(w)} {_num(h)}">'
            f'{defs}<rect x="{_num(x0)}" y="{_num(y0)}" width="{_num(w)}" height="{_num(h)}" fill="#ffffff"/>'
            f'<g font-family="{FONT}" stroke-linejoin="round" stroke-linecap="butt">{"".join(self.items)}</g></svg>'
        )


# ----------------------------------------------------------------------------- maps


@dataclass
class MapFrame:
    """Projected metres to points: the data limits fitted in an axes box with equal aspect, centred."""

    x0: float
    y1: float
    k: float
    left: float
    top: float
    width: float
    height: float

    @classmethod
    def fit(cls, limits: Sequence[float], left: float, top: float, width: float, height: float, *, anchor: tuple[float, float] = (0.5, 0.5)) -> "MapFrame":
        """The limits in the box (left, top, width, height), placed at *anchor* (0-1 across, 0-1 down) of the room left."""
        xmin, ymin, xmax, ymax = limits
        dx, dy = max(xmax - xmin, 1e-9), max(ymax - ymin, 1e-9)
        k = min(width / dx, height / dy)
        w, h = dx * k, dy * k
        return cls(xmin, ymax, k, left + (width - w) * anchor[0], top + (height - h) * anchor[1], w, h)

    def contains(self, bounds: np.ndarray) -> np.ndarray:
        """Which of the geometries with these bounds (rows of xmin, ymin, xmax, ymax) reach into the frame."""
        xmax, ymin = self.x0 + self.width / self.k, self.y1 - self.height / self.k
        return (bounds[:, 0] <= xmax) & (bounds[:, 2] >= self.x0) & (bounds[:, 1] <= self.y1) & (bounds[:, 3] >= ymin)

    def points(self, xy: np.ndarray) -> np.ndarray:
        out = np.empty_like(xy, dtype=float)
        out[:, 0] = self.left + (xy[:, 0] - self.x0) * self.k
        out[:, 1] = self.top + (self.y1 - xy[:, 1]) * self.k
        return np.round(out, 1)


def limits(bounds: Sequence[float], margin: float = MARGIN) -> tuple[float, float, float, float]:
    """Data limits as matplotlib's autoscaling sets them: the bounds widened by *margin* of their range."""
    xmin, ymin, xmax, ymax = (float(b) for b in bounds)
    mx, my = margin * (xmax - xmin), margin * (ymax - ymin)
    return xmin - mx, ymin - my, xmax + mx, ymax + my


def path_data(geom, frame: MapFrame, *, closed: bool = True) -> str:
    """The SVG path of a (multi)polygon's rings (or of a line's parts when not *closed*)."""
    if geom is None or geom.is_empty:
        return ""
    parts = shapely.get_parts(geom)
    rings = shapely.get_rings(parts) if closed else parts
    coords, index = shapely.get_coordinates(rings, return_index=True)
    if not len(coords):
        return ""
    pts = frame.points(coords)
    out = []
    for ring in np.split(np.arange(len(pts)), np.flatnonzero(np.diff(index)) + 1):
        p = pts[ring]
        keep = np.ones(len(p), dtype=bool)
        keep[1:] = (p[1:] != p[:-1]).any(axis=1)
        p = p[keep]
        if len(p) < (3 if closed else 2):
            continue
        body = " ".join(f"{x:g} {y:g}" for x, y in p.tolist())
        out.append(f"M{body}{'Z' if closed else ''}")
    return "".join(out)


def polygons(canvas: Canvas, geoms, frame: MapFrame, *, fills: Sequence[str] | str, stroke: str = "none", width: float = 0.0, clip: str | None = None) -> None:
    """One path per geometry (holes by the even-odd rule), in a group with the shared stroke."""
    geoms = list(geoms)
    colours = [fills] * len(geoms) if isinstance(fills, str) else list(fills)
    paths = []
    for g, fill in zip(geoms, colours):
        d = path_data(g, frame)
        if d:
            paths.append(f'<path d="{d}" fill="{fill}"/>')
    if not paths:
        return
    stroke_attrs = f' stroke="{stroke}" stroke-width="{width:g}"' if stroke != "none" else ""
    clip_attr = f' clip-path="url(#{clip})"' if clip else ""
    canvas.add(f'<g fill-rule="evenodd"{stroke_attrs}{clip_attr}>{"".join(paths)}</g>')
    if not clip:
        canvas.extend(frame.left, frame.top, frame.left + frame.width, frame.top + frame.height)


def outlines(canvas: Canvas, geoms, frame: MapFrame, *, stroke: str, width: float) -> None:
    """The boundaries of polygons as lines."""
    d = "".join(path_data(g.boundary, frame, closed=False) for g in geoms if g is not None and not g.is_empty)
    if d:
        canvas.add(f'<path d="{d}" fill="none" stroke="{stroke}" stroke-width="{width:g}"/>')


def axes_box(figsize: tuple[float, float]) -> tuple[float, float, float, float]:
    """matplotlib's default axes box of a figure of *figsize* inches: left, top, width, height in points."""
    w, h = 72 * figsize[0], 72 * figsize[1]
    left, bottom, right, top = AXES
    return left * w, (1 - top) * h, (right - left) * w, (top - bottom) * h


def colourbar(canvas: Canvas, colour: Callable[[float], str], lo: float, hi: float, *, x: float, y: float, length: float, thickness: float, vertical: bool, label: str, tick_size: float, label_size: float = 8) -> None:
    """A colour bar from *lo* to *hi* (a gradient), its ticks and its label."""
    gid = f"{canvas.name}-bar{len(canvas.defs)}"
    stops = "".join(f'<stop offset="{i / 32:g}" stop-color="{colour(lo + (hi - lo) * i / 32)}"/>' for i in range(33))
    direction = 'x1="0" y1="1" x2="0" y2="0"' if vertical else 'x1="0" y1="0" x2="1" y2="0"'
    canvas.defs.append(f'<linearGradient id="{gid}" {direction}>{stops}</linearGradient>')
    w, h = (thickness, length) if vertical else (length, thickness)
    canvas.rect(x, y, w, h, fill=f"url(#{gid})")
    canvas.add(f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{_num(h)}" fill="none" stroke="#000000" stroke-width="{SPINE:g}"/>')
    far = 0.0
    for t in tick_values(lo, hi):
        at = (t - lo) / (hi - lo) * length
        if vertical:
            ty = y + h - at
            canvas.line(x + w, ty, x + w + TICK, ty)
            canvas.text(x + w + 2 * TICK, ty, tick_label(t), tick_size, anchor="start")
            far = max(far, text_width(tick_label(t), tick_size))
        else:
            tx = x + at
            canvas.line(tx, y + h, tx, y + h + TICK)
            canvas.text(tx, y + h + 2 * TICK, tick_label(t), tick_size, valign="top")
    if vertical:
        canvas.text(x + w + 2 * TICK + far + 4 + 0.76 * label_size, y + h / 2, label, label_size, rotate=True, valign="bottom")
    else:
        canvas.text(x + w / 2, y + h + 2 * TICK + tick_size + 4, label, label_size, valign="top")


# ----------------------------------------------------------------------------- charts


def _legend(canvas: Canvas, entries: list[tuple[str, Callable[[float, float], None]]], *, x: float, y: float, size: float, anchor: str, columns: int = 1) -> None:
    """Legend entries (a handle drawn by its function at its centre, then the label), frameless.

    (x, y) is the legend's corner named by *anchor*: "lower right" or "upper center".
    """
    handle, gap, row = 2.0 * size, 0.8 * size, 1.2 * size
    widths = [handle + gap + text_width(label, size) for label, _ in entries]
    ncol = min(columns, len(entries))
    nrow = -(-len(entries) // ncol)
    col_w = [max(widths[i] for i in range(c, len(entries), ncol)) for c in range(ncol)]
    total_w = sum(col_w) + 2.0 * size * (ncol - 1) + 0.8 * size
    total_h = nrow * row + (nrow - 1) * 0.5 * size + 0.8 * size
    left = x - total_w if anchor == "lower right" else x - total_w / 2
    top = y - total_h if anchor == "lower right" else y
    for i, (label, draw) in enumerate(entries):
        r, c = divmod(i, ncol)
        ex = left + 0.4 * size + sum(col_w[:c]) + 2.0 * size * c
        ey = top + 0.4 * size + r * 1.7 * size + row / 2
        draw(ex + handle / 2, ey)
        canvas.text(ex + handle + gap, ey, label, size, anchor="start")


def _spines(canvas: Canvas, left: float, top: float, width: float, height: float) -> None:
    canvas.line(left, top, left, top + height)
    canvas.line(left, top + height, left + width, top + height)


def _scale(lo: float, hi: float, start: float, length: float, *, flip: bool = False) -> Callable[[float], float]:
    span = (hi - lo) or 1.0
    if flip:
        return lambda v: start + length - (v - lo) / span * length
    return lambda v: start + (v - lo) / span * length


def bars(name: str, groups: Sequence[str], series: Sequence[tuple[str, Sequence[float], str]], *, figsize: tuple[float, float], xlabel: str, label_size: float = 8, tick_size: float = 7) -> str:
    """Horizontal grouped bars (a group per row, top to bottom; a bar per series), legend at the lower right."""
    left, top, width, height = axes_box(figsize)
    c = Canvas(name)
    n, m = len(groups), max(len(series), 1)
    bar = 0.8 / m
    lo_y, hi_y = -bar / 2, (n - 1) + (m - 1) * bar + bar / 2
    pad_y = MARGIN * (hi_y - lo_y)
    y_of = _scale(lo_y - pad_y, hi_y + pad_y, top, height)  # inverted axis: the first group at the top
    values = [float(v) for _, vals, _ in series for v in vals if np.isfinite(v)]
    hi_x = max(values + [0.0]) * (1 + MARGIN) or 1.0
    x_of = _scale(0.0, hi_x, left, width)
    for i, (_, vals, colour) in enumerate(series):
        for g, v in enumerate(vals):
            if np.isfinite(v) and v > 0:
                centre = g + i * bar
                c.rect(left, y_of(centre - bar / 2), x_of(v) - left, y_of(centre + bar / 2) - y_of(centre - bar / 2), fill=colour)
    for g, name in enumerate(groups):
        ty = y_of(g + bar * (m - 1) / 2)
        c.line(left - TICK, ty, left, ty)
        c.text(left - 2 * TICK, ty, name, label_size, anchor="end")
    for t in tick_values(0.0, hi_x):
        tx = x_of(t)
        c.line(tx, top + height, tx, top + height + TICK)
        c.text(tx, top + height + 2 * TICK, tick_label(t), tick_size, valign="top")
    c.text(left + width / 2, top + height + 2 * TICK + tick_size + 4, xlabel, label_size, valign="top")
    _spines(c, left, top, width, height)
    c.extend(left, top, left + width, top + height)

    def swatch(colour: str) -> Callable[[float, float], None]:
        return lambda x, y: c.rect(x - tick_size, y - 0.35 * tick_size, 2 * tick_size, 0.7 * tick_size, fill=colour)

    entries = [(label, swatch(colour)) for label, _, colour in series]
    _legend(c, entries, x=left + width - 0.5 * tick_size, y=top + height - 0.5 * tick_size, size=tick_size, anchor="lower right")
    return c.svg()


def marker(canvas: Canvas, x: float, y: float, shape: str, size: float, colour: str) -> None:
    """A scatter marker of area *size* (square points), as matplotlib draws 'o', 'D', 's' and '|' (with its 1.5 pt edge)."""
    r = np.sqrt(size) / 2
    edge = 0.75
    if shape == "o":
        canvas.add(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{r + edge:.2f}" fill="{colour}"/>')
    elif shape == "s":
        canvas.add(f'<rect x="{_num(x - r - edge)}" y="{_num(y - r - edge)}" width="{2 * (r + edge):.2f}" height="{2 * (r + edge):.2f}" fill="{colour}"/>')
    elif shape == "D":
        d = r * np.sqrt(2) + edge * np.sqrt(2)
        canvas.add(f'<path d="M{_num(x)} {_num(y - d)}L{_num(x + d)} {_num(y)}L{_num(x)} {_num(y + d)}L{_num(x - d)} {_num(y)}Z" fill="{colour}"/>')
    else:  # "|"
        canvas.add(f'<line x1="{_num(x)}" y1="{_num(y - r)}" x2="{_num(x)}" y2="{_num(y + r)}" stroke="{colour}" stroke-width="1.5"/>')


def dots(name: str, rows: Sequence[str], series: Sequence[tuple[str | None, Any, str, str, float]], *, figsize: tuple[float, float], xlabel: str, legend_columns: int = 4) -> str:
    """Rows of dots on a 0-100 axis (the first row at the top); series: (legend label or None, values, colour, marker, size)."""
    left, top, width, height = axes_box(figsize)
    c = Canvas(name)
    n = len(rows)
    lo_y, hi_y = 0.0, float(max(n - 1, 0))
    pad_y = MARGIN * (hi_y - lo_y) if n > 1 else 0.5
    y_of = _scale(lo_y - pad_y, hi_y + pad_y, top, height, flip=True)
    x_of = _scale(0.0, 100.0, left, width)
    ticks = tick_values(0.0, 100.0)
    for t in ticks:
        c.line(x_of(t), top, x_of(t), top + height, stroke="#eeeeee")
    for _, vals, colour, shape, size in series:
        for r, v in enumerate(vals):
            if np.isfinite(v):
                marker(c, x_of(float(v)), y_of(n - 1 - r), shape, size, colour)
    for r, name in enumerate(rows):
        ty = y_of(n - 1 - r)
        c.line(left - TICK, ty, left, ty)
        c.text(left - 2 * TICK, ty, name, 8, anchor="end")
    for t in ticks:
        c.line(x_of(t), top + height, x_of(t), top + height + TICK)
        c.text(x_of(t), top + height + 2 * TICK, tick_label(t), 10, valign="top")
    c.text(left + width / 2, top + height + 2 * TICK + 10 + 4, xlabel, 8, valign="top")
    _spines(c, left, top, width, height)
    c.extend(left, top, left + width, top + height)

    def handle(colour: str, shape: str, size: float) -> Callable[[float, float], None]:
        return lambda x, y: marker(c, x, y, shape, size, colour)

    entries = [(label, handle(colour, shape, size)) for label, _, colour, shape, size in series if label]
    _legend(c, entries, x=left + width / 2, y=top + height + 0.25 * height, size=7, anchor="upper center", columns=legend_columns)
    return c.svg()
