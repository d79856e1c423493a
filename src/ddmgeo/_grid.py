"""Exact polygon coverage of a regular grid, in pure numpy.

The one algorithm behind both the point locator and fractional zonal statistics.
Every ring of every polygon is cut at the grid's column and row lines (no sorting:
crossings are generated in order along each segment); each piece lies in one cell and
adds its signed vertical extent ``D`` to every cell right of it, and the part ``E`` of
it that lies right of the piece to its own cell (the accumulation scheme of exact
anti-aliased font rasterisers). A running sum along each row then gives, for every
cell, the exact fraction of its area inside the polygon (Green's theorem: holes and
multipolygons come out right, a cell crossed by several rings too).

Only cells a boundary passes through are listed; the cells between two listed cells
of a row are wholly inside (fraction exactly 1) or wholly outside, so a polygon is
described by

* ``cells``: ``area, row, col, frac`` for listed cells with ``frac > 0``, and
* ``runs``: ``area, row, c0, c1`` for the half-open column ranges wholly inside.

The cost grows with the length of the boundaries measured in cells, not with the
number of cells inside, so a 60-million-cell raster over the districts takes well
under a second. For a set of areas that partition a region, the fractions of the
areas in any cell add up to the fraction of the region (to rounding, ~1e-15), which is
what makes zonal sums conserve totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

#: Most pieces cut in one batch (bounds memory: ~100 bytes per piece).
_CHUNK_PIECES = 250_000


@dataclass(frozen=True)
class Grid:
    """A north-up (or south-up) regular grid: ``x = x0 + col*dx``, ``y = y0 + row*dy``.

    ``dy`` is negative for the usual north-up raster; rotated grids are not supported.
    """

    x0: float
    y0: float
    dx: float
    dy: float
    height: int
    width: int

    @classmethod
    def from_transform(cls, transform, height: int, width: int) -> "Grid":
        """From an affine transform (rasterio's ``Affine`` or its 6 coefficients a, b, c, d, e, f)."""
        a, b, c, d, e, f = tuple(transform)[:6]
        if b != 0 or d != 0:
            raise ValueError("Rotated or sheared rasters are not supported: warp the raster to a north-up grid first (gdalwarp).")
        return cls(float(c), float(f), float(a), float(e), int(height), int(width))

    @property
    def key(self) -> str:
        return f"{self.x0!r}_{self.y0!r}_{self.dx!r}_{self.dy!r}_{self.height}_{self.width}"

    def cell_of(self, x: "np.ndarray", y: "np.ndarray") -> tuple["np.ndarray", "np.ndarray"]:
        """Row and column (int64, may fall outside the grid) of coordinates."""
        import numpy as np

        col = np.floor((x - self.x0) / self.dx)
        row = np.floor((y - self.y0) / self.dy)
        bad = ~(np.isfinite(col) & np.isfinite(row))
        col[bad] = -1
        row[bad] = -1
        return row.astype(np.int64), col.astype(np.int64)


@dataclass
class Coverage:
    """Exact coverage of a grid by numbered polygons (see the module notes)."""

    grid: Grid
    n_areas: int
    cell_area: "np.ndarray | None"  # int32 (None: built with fractions=False)
    cell_row: "np.ndarray | None"  # int32
    cell_col: "np.ndarray | None"  # int32
    cell_frac: "np.ndarray | None"  # float64 in (0, 1]
    run_area: "np.ndarray"  # int32
    run_row: "np.ndarray"  # int32
    run_c0: "np.ndarray"  # int32
    run_c1: "np.ndarray"  # int32 (exclusive)
    listed_area: "np.ndarray | None" = None  # int32: every listed cell, frac 0 included (for the locator)
    listed_row: "np.ndarray | None" = None
    listed_col: "np.ndarray | None" = None

    def arrays(self) -> dict:
        import numpy as np

        g = self.grid
        out = {k: v for k, v in self.__dict__.items() if k not in ("grid", "n_areas") and v is not None}
        out["grid"] = np.array([g.x0, g.y0, g.dx, g.dy, g.height, g.width], dtype=np.float64)
        out["n_areas"] = np.array(self.n_areas)
        return out

    @classmethod
    def from_arrays(cls, a: dict) -> "Coverage":
        g = a["grid"]
        grid = Grid(float(g[0]), float(g[1]), float(g[2]), float(g[3]), int(g[4]), int(g[5]))
        kw = {k: v for k, v in a.items() if k not in ("grid", "n_areas")}
        return cls(grid=grid, n_areas=int(a["n_areas"]), **kw)


def _oriented_parts(geoms: "np.ndarray") -> tuple["np.ndarray", "np.ndarray"]:
    """Polygon parts with exteriors counter-clockwise and holes clockwise, and their area index."""
    import numpy as np
    import shapely

    parts, idx = shapely.get_parts(np.asarray(geoms, dtype=object), return_index=True)
    keep = shapely.get_type_id(parts) == 3
    parts, idx = parts[keep], idx[keep]
    if hasattr(shapely, "orient_polygons"):  # shapely >= 2.1
        parts = shapely.orient_polygons(parts, exterior_cw=False)
    else:  # pragma: no cover - shapely 2.0
        from shapely.geometry.polygon import orient

        parts = np.array([orient(p, 1.0) for p in parts], dtype=object)
    return parts, idx


def _segments(geoms: "np.ndarray", grid: Grid):
    """Ring segments in grid units (u = column, v = row coordinates) and their area index."""
    import numpy as np
    import shapely

    parts, part_area = _oriented_parts(geoms)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    xy, coord_ring = shapely.get_coordinates(rings, return_index=True)
    u = (xy[:, 0] - grid.x0) / grid.dx
    v = (xy[:, 1] - grid.y0) / grid.dy
    same = coord_ring[:-1] == coord_ring[1:]
    area = part_area[ring_part[coord_ring[:-1][same]]].astype(np.int64)
    return u[:-1][same], v[:-1][same], u[1:][same], v[1:][same], area


def _split(a0, b0, a1, b1, limit: int):
    """Cut segments at the integer lines ``a = k`` (0 <= k <= limit) they cross, in order along each segment.

    Returns the pieces' ``a0, b0, a1, b1`` and the index of the segment each came from;
    crossing points lie exactly on their line (``a == k``).
    """
    import numpy as np

    lo = np.minimum(a0, a1)
    hi = np.maximum(a0, a1)
    k0 = np.maximum(np.floor(lo) + 1, 0)
    k1 = np.minimum(np.ceil(hi) - 1, limit)
    n = np.clip(k1 - k0 + 1, 0, None)
    n[~np.isfinite(n)] = 0
    n = n.astype(np.int64)
    m = n + 1
    seg = np.repeat(np.arange(len(a0)), m)
    j = np.arange(int(m.sum())) - np.repeat(np.cumsum(m) - m, m)  # piece number within its segment
    nn = n[seg]
    up = (a1 > a0)[seg]
    first, last = k0[seg], k1[seg]

    def line(i):  # the i-th line crossed along the segment
        return np.where(up, first + i, last - i)

    sa0, sb0, sa1, sb1 = a0[seg], b0[seg], a1[seg], b1[seg]
    slope = (sb1 - sb0) / np.where(sa1 != sa0, sa1 - sa0, 1.0)
    ka = line(j - 1)
    kb = line(j)
    start = j > 0
    stop = j < nn
    pa0 = np.where(start, ka, sa0)
    pb0 = np.where(start, sb0 + (ka - sa0) * slope, sb0)
    pa1 = np.where(stop, kb, sa1)
    pb1 = np.where(stop, sb0 + (kb - sa0) * slope, sb1)
    return pa0, pb0, pa1, pb1, seg


def _pieces_chunk(u0, v0, u1, v1, area, grid: Grid):
    """Cell entries of one batch of segments: ``key`` (area, row, col + 1) and the sums ``D``, ``E``.

    ``D`` is the signed vertical extent of the pieces in the cell, ``E`` the part of it
    that covers the cell itself (the rest covers every cell to its right). Pieces left of
    the grid are keyed to column -1 (``col + 1 == 0``): they only carry ``D`` rightwards.
    """
    import numpy as np

    H, W = grid.height, grid.width
    ua, va, ub, vb, seg = _split(u0, v0, u1, v1, W)  # cut at column lines
    va, ua, vb, ub, seg2 = _split(va, ua, vb, ub, H)  # then at row lines
    seg = seg[seg2]
    r = np.floor(0.5 * (va + vb))
    um = 0.5 * (ua + ub)
    c = np.floor(um)
    d = vb - va
    if grid.dx * grid.dy > 0:  # a south-up or east-to-west grid mirrors the rings' orientation
        d = -d
    keep = (r >= 0) & (r < H) & (c < W)
    r, c, um, d, ar = r[keep].astype(np.int64), c[keep], um[keep], d[keep], area[seg[keep]]
    left = c < 0
    c = np.where(left, -1, c).astype(np.int64)
    e = np.where(left, 0.0, d * (1.0 - (um - c)))
    key = (ar * H + r) * (W + 1) + (c + 1)
    uk, inv = np.unique(key, return_inverse=True)
    inv = inv.ravel()
    return uk, np.bincount(inv, weights=d, minlength=len(uk)), np.bincount(inv, weights=e, minlength=len(uk))


def coverage(geoms: "np.ndarray", grid: Grid, *, listed: bool = False, fractions: bool = True) -> Coverage:
    """Exact coverage of *grid* by each polygon of *geoms* (already in the grid's CRS).

    Parameters
    ----------
    geoms : array of shapely Polygon/MultiPolygon
        Area ``i`` is ``geoms[i]``; other geometry types and empties cover nothing.
    grid : Grid
    listed : bool, default False
        Also return every listed cell (``listed_area, listed_row, listed_col``), with
        fraction 0 included: the cells a boundary passes through or touches.
    fractions : bool, default True
        Return the boundary cells' coverage fractions (``cell_*``); the locator needs only the runs
        and the listed cells, and skips sorting them.

    Returns
    -------
    Coverage
    """
    import numpy as np

    H, W = grid.height, grid.width
    n = len(geoms)
    if n * (H + 1) * (W + 1) >= 2**62:
        raise ValueError(f"Grid of {H} x {W} cells with {n} areas is too large to index.")
    u0, v0, u1, v1, area = _segments(geoms, grid)
    # batch segments so that no batch cuts more than _CHUNK_PIECES pieces
    lo_u = np.maximum(np.minimum(u0, u1), -1)
    hi_u = np.minimum(np.maximum(u0, u1), W + 1)
    lo_v = np.maximum(np.minimum(v0, v1), -1)
    hi_v = np.minimum(np.maximum(v0, v1), H + 1)
    est = np.clip(hi_u - lo_u, 0, None) + np.clip(hi_v - lo_v, 0, None) + 2
    est[~np.isfinite(est)] = 2
    bounds = np.searchsorted(np.cumsum(est), np.arange(1, int(est.sum() // _CHUNK_PIECES) + 1) * _CHUNK_PIECES)
    # cut batches only where the area changes: their keys (area-major) are then disjoint and ascending
    starts = np.flatnonzero(np.diff(area)) + 1
    bounds = starts[np.minimum(np.searchsorted(starts, bounds), len(starts) - 1)] if len(starts) else np.empty(0, np.int64)
    edges = np.unique(np.concatenate([[0], bounds, [len(u0)]]).astype(np.int64))
    keys, ds, es = [], [], []
    for start, stop in zip(edges[:-1], edges[1:]):
        k, dd, ee = _pieces_chunk(u0[start:stop], v0[start:stop], u1[start:stop], v1[start:stop], area[start:stop], grid)
        keys.append(k)
        ds.append(dd)
        es.append(ee)
    key = np.concatenate(keys) if keys else np.empty(0, np.int64)
    dsum = np.concatenate(ds) if ds else np.empty(0, np.float64)
    esum = np.concatenate(es) if es else np.empty(0, np.float64)

    col = key % (W + 1) - 1  # -1: left of the grid
    grp = key // (W + 1)  # area * H + row
    cs = np.cumsum(dsum)
    first = np.ones(len(key), bool)
    first[1:] = grp[1:] != grp[:-1]
    start_idx = np.maximum.accumulate(np.where(first, np.arange(len(key)), 0))
    base = np.where(start_idx > 0, cs[start_idx - 1], 0.0)
    s_incl = cs - base  # coverage of the cells right of this one, up to the next listed cell
    s_cell = s_incl - dsum + esum  # coverage of this cell
    s_cell[np.abs(s_cell) < 1e-12] = 0.0
    frac = np.clip(s_cell, 0.0, 1.0)

    # runs: cells after a listed cell up to the next listed one of the same (area, row), or the grid's end
    nxt_col = np.empty(len(key), np.int64)
    nxt_col[:-1] = col[1:]
    last = np.ones(len(key), bool)
    last[:-1] = first[1:]
    nxt_col[last] = W
    run = (s_incl > 0.5) & (nxt_col > col + 1)
    area_of = (grp // H).astype(np.int32)
    row_of = (grp % H).astype(np.int32)
    cell = col >= 0
    # row-major order (stable: areas in order within a cell); one integer key sorts faster than lexsort
    order_runs = np.argsort(row_of[run].astype(np.int64) * (W + 1) + col[run], kind="stable")
    cells = {}
    if fractions:
        pos = (frac > 0) & cell
        order_cells = np.argsort(row_of[pos].astype(np.int64) * (W + 1) + col[pos], kind="stable")
        cells = {
            "cell_area": area_of[pos][order_cells],
            "cell_row": row_of[pos][order_cells],
            "cell_col": col[pos].astype(np.int32)[order_cells],
            "cell_frac": frac[pos][order_cells],
        }
    return Coverage(
        grid=grid,
        n_areas=n,
        cell_area=cells.get("cell_area"),
        cell_row=cells.get("cell_row"),
        cell_col=cells.get("cell_col"),
        cell_frac=cells.get("cell_frac"),
        run_area=area_of[run][order_runs],
        run_row=row_of[run][order_runs],
        run_c0=(col[run] + 1).astype(np.int32)[order_runs],
        run_c1=nxt_col[run].astype(np.int32)[order_runs],
        listed_area=area_of[cell] if listed else None,
        listed_row=row_of[cell] if listed else None,
        listed_col=col[cell].astype(np.int32) if listed else None,
    )
