"""Point-in-area lookup: a label grid for the interior, exact shapely tests near boundaries.

The areas are covered once by a fine regular grid; :mod:`._grid` lists every cell a
boundary passes through or touches. A cell no boundary reaches gets the index of its
area (or "outside"), and a point in it is placed by one array lookup. A listed cell
keeps its candidate areas (those whose boundary reaches it, and the one that covers it
wholly, if any); a point in it is tested with shapely (prepared ``intersects_xy``)
against those candidates only. Points within 1e-9 of a cell's edge (where rounding
could put them in the neighbouring cell) and cells where areas overlap are tested
against every area with an STRtree.

Boundary rule: a point goes to the **first area, in area order, whose closure contains
it** (predicate ``intersects``). A point strictly inside one area therefore gets exactly
what ``geopandas.sjoin(predicate="within")`` gives; a point on an edge shared by two
areas (or in an overlap of two areas) goes to the one listed first (ddmgeo's boundaries
are in natural code order), never to both and never to none.

The structure is cached in memory and as a compressed ``.npz`` in the user cache, keyed
by the areas' identity (source checksum for ddmgeo's boundaries, a hash of the geometry
otherwise) and the grid size.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ._area_sets import AreaSet, cache_file, load_arrays, save_arrays
from ._grid import Grid, coverage

if TYPE_CHECKING:
    import numpy as np

#: Cells along the longer side of the label grid (more cells: fewer exact tests, more memory);
#: layers of fewer than 50 areas use :data:`SMALL_GRID_SIZE`.
GRID_SIZE = 4096
SMALL_GRID_SIZE = 1024

#: Points located per pass, at least (bounds the temporary arrays, about 100 bytes per point, and keeps them
#: in cache); layers of many areas take 256 points per area per pass, as each pass loops over the areas tested.
LOCATE_CHUNK = 65_536

#: Distance (in cells) from a cell edge within which a point is tested against every area.
_EDGE_EPS = 1e-9

_MEMO: dict[str, "Locator"] = {}

#: Held around the GEOS calls on the shared, prepared geometries (see :meth:`Locator.locate`) and while a
#: locator is built or loaded and its geometries prepared.
_GEOS_LOCK = threading.RLock()

_OUTSIDE, _LISTED, _OVERLAP = 0, -1, -2


@dataclass(eq=False)
class Locator:
    """Label grid and candidate lists of an :class:`AreaSet` (see the module notes)."""

    grid: Grid
    labels: "np.ndarray"  # (H, W) int16/int32: 0 outside, k + 1 wholly in area k, -1 listed, -2 overlap
    cells: "np.ndarray"  # int64, sorted flat ids of listed cells
    offsets: "np.ndarray"  # int64, len(cells) + 1
    cand: "np.ndarray"  # int32 candidate area per listed cell, ascending within a cell
    cand_full: "np.ndarray"  # bool: the candidate covers the cell wholly (no test needed)
    geometry: "np.ndarray"
    _tree: object = None

    @property
    def tree(self):
        import shapely

        if self._tree is None:
            self._tree = shapely.STRtree(self.geometry)
        return self._tree

    def arrays(self) -> dict:
        import numpy as np

        g = self.grid
        return {
            "grid": np.array([g.x0, g.y0, g.dx, g.dy, g.height, g.width], dtype=np.float64),
            "labels": self.labels,
            "cells": self.cells,
            "offsets": self.offsets,
            "cand": self.cand,
            "cand_full": self.cand_full,
        }

    def locate(self, x: "np.ndarray", y: "np.ndarray") -> tuple["np.ndarray", int]:
        """Area index of each coordinate (-1: in no area or NaN) and how many points lay on a shared boundary.

        ``x, y`` are in the areas' CRS. Long inputs are taken in passes (see :data:`LOCATE_CHUNK`), which
        bounds the temporary arrays (a dozen per point) whatever the input's length. Callers may use one
        locator from several threads (dask's threaded scheduler does): the exact GEOS tests run under a
        lock, as prepared geometries are not thread-safe (libgeos/geos#825); the array work runs in parallel.
        """
        import numpy as np

        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        chunk = max(LOCATE_CHUNK, 256 * len(self.geometry))
        if len(x) <= chunk:
            return self._locate(x, y)
        out = np.empty(len(x), dtype=np.int64)
        ties = 0
        for s in range(0, len(x), chunk):
            out[s : s + chunk], t = self._locate(x[s : s + chunk], y[s : s + chunk])
            ties += t
        return out, ties

    def _locate(self, x: "np.ndarray", y: "np.ndarray") -> tuple["np.ndarray", int]:
        import numpy as np
        import shapely

        g = self.grid
        n = len(x)
        out = np.full(n, -1, dtype=np.int64)
        u = (x - g.x0) / g.dx
        v = (y - g.y0) / g.dy
        col = np.floor(u)
        row = np.floor(v)
        inside = (col >= 0) & (col < g.width) & (row >= 0) & (row < g.height)  # NaN compares False
        ii = np.flatnonzero(inside)
        fu = u[ii] - col[ii]
        fv = v[ii] - row[ii]
        edge = (fu < _EDGE_EPS) | (fu > 1 - _EDGE_EPS) | (fv < _EDGE_EPS) | (fv > 1 - _EDGE_EPS)
        flat_i = (row[ii] * g.width + col[ii]).astype(np.int64)
        lab_i = self.labels.ravel()[flat_i].astype(np.int64)
        lab_i[edge] = _OVERLAP
        wholly = lab_i > 0
        out[ii[wholly]] = lab_i[wholly] - 1
        lab = np.zeros(n, dtype=np.int64)
        lab[ii] = lab_i
        ties = 0

        listed = np.flatnonzero(lab == _LISTED)
        if len(listed):
            flat = (row[listed] * g.width + col[listed]).astype(np.int64)
            pos = np.searchsorted(self.cells, flat)
            start, stop = self.offsets[pos], self.offsets[pos + 1]
            k = stop - start
            pt = np.repeat(np.arange(len(listed)), k)
            ci = np.arange(int(k.sum())) - np.repeat(np.cumsum(k) - k, k) + np.repeat(start, k)
            area = self.cand[ci].astype(np.int64)
            ok = self.cand_full[ci].copy()
            test = np.flatnonzero(~ok)
            if len(test):
                ta = area[test]
                order = np.argsort(ta, kind="stable")
                test, ta = test[order], ta[order]
                cut = np.flatnonzero(np.diff(ta)) + 1
                px, py = x[listed][pt[test]], y[listed][pt[test]]
                hit = np.zeros(len(test), bool)
                with _GEOS_LOCK:
                    for s, e in zip(np.r_[0, cut], np.r_[cut, len(test)]):
                        hit[s:e] = shapely.intersects_xy(self.geometry[ta[s]], px[s:e], py[s:e])
                ok[test] = hit
            if ok.any():
                okp, oka = pt[ok], area[ok]  # already ordered by point, then area
                first = np.ones(len(okp), bool)
                first[1:] = okp[1:] != okp[:-1]
                out[listed[okp[first]]] = oka[first]
                ties += int(len(np.unique(okp[~first])))

        exact = np.flatnonzero(lab == _OVERLAP)
        if len(exact):
            with _GEOS_LOCK:
                pi, ai = self.tree.query(shapely.points(x[exact], y[exact]), predicate="intersects")
            if len(pi):
                order = np.lexsort((ai, pi))
                pi, ai = pi[order], ai[order]
                first = np.ones(len(pi), bool)
                first[1:] = pi[1:] != pi[:-1]
                out[exact[pi[first]]] = ai[first]
                ties += int(len(np.unique(pi[~first])))
        return out, ties


def _build(areas: AreaSet, size: int) -> Locator:
    import numpy as np
    import shapely

    geoms = areas.geometry
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    span = max(xmax - xmin, ymax - ymin)
    if not np.isfinite(span) or span <= 0:
        span = 1.0
        xmin, ymin, xmax, ymax = 0.0, 0.0, 1.0, 1.0
    cell = span / (size - 4)
    width = int(np.ceil((xmax - xmin) / cell)) + 4
    height = int(np.ceil((ymax - ymin) / cell)) + 4
    grid = Grid(float(xmin - 2 * cell), float(ymax + 2 * cell), float(cell), float(-cell), height, width)
    cov = coverage(geoms, grid, listed=True, fractions=False)
    H, W = height, width
    # label k + 1 on the cells of every run of area k: difference arrays along each row, summed in place in the
    # final dtype (one array; in a VM first-touch page faults of a few 50 MB temporaries cost more than the sums).
    # int16 sums wrap where runs overlap, but modular sums are exact wherever the true label fits, and overlap
    # cells are marked below.
    dtype = np.int16 if len(geoms) < 32_000 else np.int32
    row0 = cov.run_row.astype(np.int64) * W
    val = (cov.run_area.astype(np.int64) + 1).astype(dtype)
    lab = np.zeros(H * W, dtype)
    np.add.at(lab, row0 + cov.run_c0, val)
    inner = cov.run_c1 < W  # a run to the grid's edge needs no end mark
    np.add.at(lab, (row0 + cov.run_c1)[inner], -val[inner])
    labels = lab.reshape(H, W)
    np.cumsum(labels, axis=1, dtype=dtype, out=labels)
    # runs of two areas on the same cells (overlapping polygons): those cells are decided exactly
    rr, c0, c1 = cov.run_row, cov.run_c0, cov.run_c1  # coverage() returns runs in row-major order
    overlap_rows = []
    if len(rr):
        row_start = np.r_[True, rr[1:] != rr[:-1]]
        grp = np.cumsum(row_start) - 1
        prev = np.r_[-1, c1[:-1]].astype(np.int64)
        prev[row_start] = -1
        # running max per row: shift row groups apart so one accumulate serves all rows
        big = np.int64(W + 2)
        end_max = np.maximum.accumulate(prev + grp * big) - grp * big
        hit = np.flatnonzero(c0 < end_max)
        overlap_rows = [(int(rr[i]), int(c0[i]), int(min(end_max[i], c1[i]))) for i in hit]
    for r_, a_, b_ in overlap_rows:
        labels[r_, a_:b_] = _OVERLAP
    # candidates of listed cells: the listed areas, plus the area that wholly covers the cell
    lflat = cov.listed_row.astype(np.int64) * W + cov.listed_col
    keep = labels.ravel()[lflat] != _OVERLAP
    lflat, larea = lflat[keep], cov.listed_area[keep].astype(np.int64)
    mark = np.zeros(H * W, bool)  # the distinct listed cells, sorted: a bitmap is cheaper than np.unique
    mark[lflat] = True
    cells = np.flatnonzero(mark)
    run_lab = labels.ravel()[cells].astype(np.int64)
    has_run = run_lab > 0
    pair_cell = np.concatenate([lflat, cells[has_run]])
    pair_area = np.concatenate([larea, run_lab[has_run] - 1])
    pair_full = np.concatenate([np.zeros(len(lflat), bool), np.ones(int(has_run.sum()), bool)])
    order = np.lexsort((~pair_full, pair_area, pair_cell))
    pair_cell, pair_area, pair_full = pair_cell[order], pair_area[order], pair_full[order]
    dup = np.zeros(len(pair_cell), bool)
    dup[1:] = (pair_cell[1:] == pair_cell[:-1]) & (pair_area[1:] == pair_area[:-1])
    pair_cell, pair_area, pair_full = pair_cell[~dup], pair_area[~dup], pair_full[~dup]
    offsets = np.searchsorted(pair_cell, cells, side="left")
    offsets = np.append(offsets, len(pair_cell)).astype(np.int64)
    labels.ravel()[cells] = _LISTED
    return Locator(grid, labels, cells, offsets, pair_area.astype(np.int32), pair_full, geoms)


def locator(areas: AreaSet, *, size: int | None = None) -> Locator:
    """The (cached) :class:`Locator` of *areas*."""
    import shapely

    if size is None:
        size = GRID_SIZE if len(areas) >= 50 else SMALL_GRID_SIZE
    key = f"{areas.key}-{size}"
    hit = _MEMO.get(key)
    if hit is not None:
        return hit
    with _GEOS_LOCK:  # dask threads may ask for the same locator at once: build and prepare it once
        hit = _MEMO.get(key)
        if hit is not None:
            return hit
        path = cache_file("locator", key)
        a = load_arrays(path)
        if a is not None:
            g = a["grid"]
            grid = Grid(float(g[0]), float(g[1]), float(g[2]), float(g[3]), int(g[4]), int(g[5]))
            loc = Locator(grid, a["labels"], a["cells"], a["offsets"], a["cand"], a["cand_full"], areas.geometry)
        else:
            loc = _build(areas, size)
            save_arrays(path, loc.arrays(), background=True)  # the caller's answer does not wait for zlib
        shapely.prepare(areas.geometry)
        if len(_MEMO) >= 4:
            _MEMO.pop(next(iter(_MEMO)))
        _MEMO[key] = loc
    return loc
