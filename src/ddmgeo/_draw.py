"""Draw shapely geometries on matplotlib axes as single collections.

``GeoDataFrame.plot`` calls ``plt.draw()`` after every call, redrawing the whole
figure each time; a slide map with classes, outlines and an inset made ten such
calls, so drawing alone cost ~0.6 s. Building one ``PathCollection`` per style
(polygons, with holes) and one ``LineCollection`` per outline draws the same
shapes once, at save time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import shapely

from ._optional import require

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def _polygon_path(geom):
    Path = require("matplotlib.path").Path

    verts, codes = [], []
    for poly in getattr(geom, "geoms", [geom]):
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)
            if len(xy) < 3:
                continue
            verts.append(xy)
            c = np.full(len(xy), Path.LINETO, dtype=np.uint8)
            c[0] = Path.MOVETO
            c[-1] = Path.CLOSEPOLY
            codes.append(c)
    if not verts:
        return None
    return Path(np.concatenate(verts), np.concatenate(codes))


def polygons(ax: "Axes", geoms: Iterable, *, facecolor="none", facecolors=None, edgecolor="none", linewidth=0.3, hatch=None, alpha=None, zorder=1):
    """Add polygons as a single PathCollection: one ``facecolor``, or ``facecolors`` (one per geometry)."""
    PathCollection = require("matplotlib.collections").PathCollection

    geoms = list(geoms)
    paths, keep = [], []
    for i, g in enumerate(geoms):
        p = _polygon_path(g)
        if p is not None:
            paths.append(p)
            keep.append(i)
    if not paths:
        return None
    fc = facecolor if facecolors is None else [facecolors[i] for i in keep]
    coll = PathCollection(paths, facecolors=fc, edgecolors=edgecolor, linewidths=linewidth, hatch=hatch, alpha=alpha, zorder=zorder)
    ax.add_collection(coll)
    ax.autoscale_view()
    return coll


def lines(ax: "Axes", geoms: Iterable, *, color="#333333", linewidth=0.8, zorder=2):
    """Add (multi)lines or polygon boundaries as a single LineCollection."""
    LineCollection = require("matplotlib.collections").LineCollection

    segs = []
    for g in geoms:
        if g is None or g.is_empty:
            continue
        b = g.boundary if g.geom_type in ("Polygon", "MultiPolygon") else g
        for part in getattr(b, "geoms", [b]):
            xy = np.asarray(shapely.get_coordinates(part))
            if len(xy) > 1:
                segs.append(xy)
    if not segs:
        return None
    coll = LineCollection(segs, colors=color, linewidths=linewidth, zorder=zorder)
    ax.add_collection(coll)
    ax.autoscale_view()
    return coll
