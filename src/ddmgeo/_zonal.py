"""Zonal statistics of a raster per area, exact and conserving totals.

The areas are reprojected to the raster's CRS (the raster is never resampled) and
turned once into a coverage structure (:mod:`._grid`): for each area, the runs of
cells wholly inside it and the boundary cells with the exact fraction inside. The
raster is then read in row windows (a raster larger than memory works) and reduced
with ``numpy.ufunc.reduceat`` over the runs plus a weighted ``bincount`` over the
boundary cells. The structure is cached per (areas, raster grid, coverage mode) in
memory and on disk, so a second raster on the same grid costs one read.

Shared kernel (a root-level private module) below both packages that need it:
:mod:`ddmgeo.overlays` publishes these functions, and :mod:`ddmgeo.indicators` weights the
2011 -> 2016 crosswalk with :func:`population_from_density`.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal

from . import _meta, settings
from ._area_sets import AreaSet, cache_file, load_arrays, resolve_areas, save_arrays
from ._grid import Coverage, Grid, coverage
from ._optional import require
from .errors import CRSError, DDMGeoWarning

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np
    import pandas as pd

STATS = ("sum", "mean", "count", "min", "max")

#: Raster cells read per window (the float64 working copies of a window stay near 16 MB).
WINDOW_CELLS = 2_000_000

#: Threads reading and reducing the windows of a raster file (each with its own dataset handle).
THREADS = 2


_MEMO: dict[str, Coverage] = {}
_MEMO_SIZE = 6


@contextmanager
def _open(raster: Any) -> Iterator[tuple[Any, str, str | None]]:
    """A rasterio dataset, a description of it, and its registry name (if it is one)."""
    rasterio = require("rasterio", "raster", "to read rasters")
    if hasattr(raster, "read") and hasattr(raster, "transform"):
        yield raster, str(getattr(raster, "name", "dataset")), _registered_name(getattr(raster, "name", ""))
        return
    path = os.fspath(raster)
    name = None
    if not os.path.exists(path):
        from . import _registry, datasets
        from .errors import UnknownDatasetError

        try:
            _registry.get(path)
        except (UnknownDatasetError, KeyError):
            raise FileNotFoundError(f"{path!r} is neither a raster file nor a registered dataset (see `ddm data list --group rasters`).") from None
        name = path
        path = str(datasets.fetch(name))
    try:
        with rasterio.Env(GTIFF_DIRECT_IO=True):  # read at open: uncompressed GeoTIFFs then go straight into our buffers
            ds = rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        from .errors import TableError
        from .tables import _sniff

        with open(path, "rb") as fh:
            what = _sniff(fh.read(4096))[1]
        raise TableError(f"{os.path.basename(path)} cannot be read as a raster ({exc}); its content looks like {what}. Pass a GeoTIFF or another GDAL raster.") from None
    with ds:
        yield ds, path, name or _registered_name(path)


def _registered_name(path: str) -> str | None:
    if not path:
        return None
    try:
        from . import _registry

        base = os.path.basename(str(path))
        for ds in _registry.datasets().values():
            if ds.group == "rasters" and os.path.basename(ds.path) == base:
                return ds.name
    except Exception:  # the registry is a convenience here, never a failure
        return None
    return None


def _is_density(name: str | None) -> bool:
    if not name:
        return False
    from . import _registry

    ds = _registry.get(name)
    text = f"{ds.name} {ds.title} {ds.notes}".lower()
    return "density" in text or "per km" in text


#: projections in which longitude is linear in x and latitude a function of y alone: a cell is a
#: longitude/latitude rectangle, so its area is exact on the ellipsoid (Web Mercator, World Mercator, Plate Carree)
_CYLINDRICAL = frozenset(
    {
        "Popular Visualisation Pseudo Mercator",
        "Mercator (variant A)",
        "Mercator (variant B)",
        "Mercator (variant C)",
        "Mercator (Spherical)",
        "Equidistant Cylindrical",
        "Equidistant Cylindrical (Spherical)",
    }
)


def _band_km2(lat_deg: "np.ndarray", dlon_deg: float, geod) -> "np.ndarray":
    """Area (km²) on the ellipsoid of *geod* between consecutive latitudes, for a longitude width *dlon_deg*."""
    import numpy as np

    ra, rb = geod.a, geod.b
    ecc = np.sqrt(1 - (rb / ra) ** 2)
    lat = np.radians(np.clip(lat_deg, -90, 90))

    def band(phi):  # area from the equator to latitude phi, per radian of longitude
        s = np.sin(phi)
        if ecc == 0:
            return ra**2 * s
        return rb**2 * (s / (2 * (1 - ecc**2 * s**2)) + np.log((1 + ecc * s) / (1 - ecc * s)) / (4 * ecc))

    q = band(lat)
    return np.abs(q[1:] - q[:-1]) * np.radians(abs(dlon_deg)) / 1e6


def _is_equal_area(c, transform, height: int, width: int) -> bool:
    """Whether a projected CRS keeps areas over the grid (areal scale 1 at its corners, edges and centre)."""
    import numpy as np
    from pyproj import Proj, Transformer

    a, _, x0, _, e, y0 = tuple(transform)[:6]
    fx, fy = np.meshgrid([0.0, 0.5, 1.0], [0.0, 0.5, 1.0])
    xs, ys = (x0 + fx * a * width).ravel(), (y0 + fy * e * height).ravel()
    try:
        lon, lat = Transformer.from_crs(c, c.geodetic_crs, always_xy=True).transform(xs, ys)
        ok = np.isfinite(lon) & np.isfinite(lat)
        if not ok.any():
            return False
        scale = np.asarray(Proj(c).get_factors(lon[ok], lat[ok]).areal_scale, dtype=float)
    except Exception:  # a projection PROJ cannot differentiate: not known to keep areas
        return False
    return bool(np.isfinite(scale).all() and np.abs(scale - 1).max() < 1e-6)


def cell_areas_km2(transform, height: int, crs: Any, width: int | None = None) -> "np.ndarray":
    """Area (km²) of the cells of each row of a grid, true on the ellipsoid.

    * geographic CRS: exact on the ellipsoid (each cell is a longitude/latitude rectangle);
    * equal-area projection (ESRI:102022, EPSG:6933, Equal Earth, ...; checked numerically over the
      grid): the nominal cell area ``|dx * dy|``;
    * cylindrical projection whose rows are parallels (Web Mercator EPSG:3857, World Mercator, Plate
      Carree): each row's cells are longitude/latitude rectangles, so exact on the ellipsoid as well;
    * any other projection (UTM, Transverse Mercator, Lambert conformal, ...): refused with a
      :class:`~ddmgeo.errors.CRSError`, because there the nominal area is not the area of the ground
      (Web Mercator's would make Cape Town 45 % larger) and cell areas vary along a row.
    """
    import numpy as np
    from pyproj import CRS, Transformer

    c = CRS.from_user_input(crs)
    a, _, x0, _, e, f = tuple(transform)[:6]
    if c.is_geographic:
        return _band_km2(f + e * np.arange(height + 1), a, c.get_geod())
    unit = c.axis_info[0].unit_conversion_factor if c.axis_info else 1.0
    method = c.coordinate_operation.method_name if c.coordinate_operation is not None else ""
    if method in _CYLINDRICAL:
        to_geo = Transformer.from_crs(c, c.geodetic_crs, always_xy=True)
        ys = f + e * np.arange(height + 1)
        _, lat = to_geo.transform(np.full(height + 1, x0 + a / 2), ys)
        lon0, _ = to_geo.transform(np.array([x0, x0 + a]), np.array([0.0, 0.0]))
        return _band_km2(np.asarray(lat, dtype=float), float(lon0[1] - lon0[0]), c.geodetic_crs.get_geod())
    if _is_equal_area(c, transform, height, width if width is not None else 1):
        return np.full(height, abs(a * e) * unit**2 / 1e6)
    name = c.name or c.to_string()
    raise CRSError(
        f"The raster is in {name} ({c.to_string()}, {method or 'a projection'}), which does not keep areas: its nominal "
        f"cell area ({abs(a * e) * unit**2:,.0f} m²) is not the area on the ground and varies from cell to cell, so cell "
        "areas (weights='area', densities) would be wrong. Reproject the raster to an equal-area CRS "
        f"(gdalwarp -t_srs {settings.EQUAL_AREA_CRS} IN.tif OUT.tif) or to EPSG:4326, or leave weights out."
    )


def _centre_structure(cov: Coverage, geoms: "np.ndarray", grid: Grid) -> Coverage:
    """Cells whose centre lies in an area (boundary cells tested exactly; ties to the first area)."""
    import numpy as np
    import shapely

    xc = grid.x0 + (cov.cell_col + 0.5) * grid.dx
    yc = grid.y0 + (cov.cell_row + 0.5) * grid.dy
    inside = np.zeros(len(xc), bool)
    order = np.argsort(cov.cell_area, kind="stable")
    a_sorted = cov.cell_area[order]
    cut = np.flatnonzero(np.diff(a_sorted)) + 1
    shapely.prepare(geoms)
    for s, e in zip(np.r_[0, cut], np.r_[cut, len(order)]):
        if e > s:
            sel = order[s:e]
            inside[sel] = shapely.intersects_xy(geoms[a_sorted[s]], xc[sel], yc[sel])
    area, row, col = cov.cell_area[inside], cov.cell_row[inside], cov.cell_col[inside]
    # a centre on an edge shared by two areas goes to the first of them
    o = np.lexsort((area, col, row))
    area, row, col = area[o], row[o], col[o]
    dup = np.zeros(len(area), bool)
    dup[1:] = (row[1:] == row[:-1]) & (col[1:] == col[:-1])
    area, row, col = area[~dup], row[~dup], col[~dup]
    # an area holding no cell centre takes the cell under its representative point
    has = np.zeros(cov.n_areas, bool)
    has[area] = True
    has[cov.run_area] = True
    extra = []
    for k in np.flatnonzero(~has):
        if geoms[k] is None or shapely.is_empty(geoms[k]):
            continue
        p = shapely.point_on_surface(geoms[k])
        r, c = grid.cell_of(np.array([shapely.get_x(p)]), np.array([shapely.get_y(p)]))
        if 0 <= r[0] < grid.height and 0 <= c[0] < grid.width:
            extra.append((k, int(r[0]), int(c[0])))
    if extra:
        ek, er, ec = (np.array(v, dtype=np.int32) for v in zip(*extra))
        area, row, col = np.concatenate([area, ek]), np.concatenate([row, er]), np.concatenate([col, ec])
    o = np.lexsort((col, row))
    return Coverage(
        grid=grid,
        n_areas=cov.n_areas,
        cell_area=area[o].astype(np.int32),
        cell_row=row[o].astype(np.int32),
        cell_col=col[o].astype(np.int32),
        cell_frac=np.ones(len(o)),
        run_area=cov.run_area,
        run_row=cov.run_row,
        run_c0=cov.run_c0,
        run_c1=cov.run_c1,
    )


def structure(areas: AreaSet, grid: Grid, crs: Any, mode: str) -> Coverage:
    """The cached coverage structure of *areas* on a raster grid (``mode`` "fractional" or "centre")."""
    from pyproj import CRS

    wkt = CRS.from_user_input(crs).to_wkt()
    key = hashlib.sha256(f"{areas.key}|{grid.key}|{wkt}|{mode}".encode()).hexdigest()[:24]
    hit = _MEMO.get(key)
    if hit is not None:
        return hit
    path = cache_file(f"zonal-{mode}", key)
    arrays = load_arrays(path)
    if arrays is not None:
        cov = Coverage.from_arrays(arrays)
    else:
        geoms = areas.to_crs(crs)
        cov = coverage(geoms, grid)
        if mode == "centre":
            cov = _centre_structure(cov, geoms, grid)
        save_arrays(path, cov.arrays(), compress=False)
    while len(_MEMO) >= _MEMO_SIZE:
        _MEMO.pop(next(iter(_MEMO)))
    _MEMO[key] = cov
    return cov


#: values that rasters use to mean "no data" when they forget to declare it
_SENTINELS = {-9999.0, -3.4028234663852886e38, -99999.0, -32768.0}

#: the cell types zonal statistics read (GDAL's complex types and anything else are refused)
_DTYPES = ("uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64", "float32", "float64")


def _check_dtype(ds, band: int, described: str) -> None:
    """RasterError for a band whose cells are not real numbers (complex, or a type numpy cannot hold)."""
    from .errors import RasterError

    dtype = str(ds.dtypes[band - 1])
    if dtype not in _DTYPES:
        raise RasterError(
            f"Band {band} of the raster {described} holds cells of type {dtype}, which zonal statistics cannot sum "
            f"(they read {', '.join(_DTYPES)}). Convert the band to real numbers first, e.g. "
            "gdal_translate -ot Float64 IN.tif OUT.tif (for complex cells take the magnitude or the real part)."
        )


def _nodata_tolerance(nd: float) -> float:
    """How far a cell may lie from the declared nodata and still be it: float rounding of the declaration.

    A nodata written at float32 precision (-3.4028235e38 for -3.4028234663852886e38, the float32 minimum) or
    with a dozen digits differs from the cells by float rounding only; ordinary values (-9999) by a few
    float32 steps.
    """
    import numpy as np

    if not np.isfinite(nd):
        return 0.0
    return abs(nd) * (1e-5 if abs(nd) >= 1e30 else 4 * float(np.finfo(np.float32).eps))


def _sentinel_of(value: float) -> float | None:
    """The nodata sentinel *value* is (to float32 rounding), or None."""
    import numpy as np

    if not np.isfinite(value):
        return None
    for s in _SENTINELS:
        if abs(value - s) <= _nodata_tolerance(s):
            return s
    return None


def _valid_mask(ds, band: int, data: "np.ndarray", window, found: dict | None = None) -> "np.ndarray | None":
    """Valid cells of a block: not nodata (to float rounding), not masked, not NaN (None: all valid).

    *found* collects what the caller reports: ``near_nodata`` {cell value: cells} for cells that equal the
    declared nodata only to float rounding (left out), and ``sentinel`` (the usual nodata value, such as
    -9999, held by cells while the raster declares no nodata or NaN as its nodata: counted as data).
    """
    import numpy as np
    MaskFlags = require("rasterio.enums").MaskFlags

    flags = ds.mask_flag_enums[band - 1]
    nd = ds.nodata if MaskFlags.nodata in flags else None
    is_float = data.dtype.kind == "f"
    if nd is None and MaskFlags.all_valid not in flags:  # an internal mask or alpha band
        valid = ds.read_masks(band, window=window) > 0
        if is_float:
            valid &= ~np.isnan(data)
        return None if valid.all() else valid
    if not data.size:
        return None
    if nd is None or np.isnan(nd):
        # no nodata, or NaN declared as nodata: NaN cells are left out; a sentinel among the cells is reported
        mn = data.min()
        nan = is_float and bool(np.isnan(mn))
        valid = ~np.isnan(data) if nan else None
        if nan and valid is not None and valid.any():
            mn = data[valid].min()
        if found is not None and np.isfinite(mn) and _sentinel_of(float(mn)) is not None:
            found["sentinel"] = float(mn)
            found["nodata"] = None if nd is None else float(nd)
        return valid
    nd = float(nd)
    if not is_float:
        info = np.iinfo(data.dtype)
        if not (info.min <= nd <= info.max and float(nd).is_integer()):
            return None  # a nodata value no cell of this type can hold
        valid = data != data.dtype.type(int(nd))
        return None if valid.all() else valid
    tol = _nodata_tolerance(nd)
    # fast path: one min and one max pass tell whether the block holds nodata or NaN at all
    mn, mx = data.min(), data.max()
    if not np.isnan(mn) and (float(mn) > nd + tol or float(mx) < nd - tol):
        return None
    with np.errstate(invalid="ignore", over="ignore"):
        wide = data.astype(np.float64, copy=False)
        exact = wide == nd
        near = np.abs(wide - nd) <= tol if tol else exact
    if found is not None:
        loose = near & ~exact
        if loose.any():
            for v, k in zip(*np.unique(wide[loose], return_counts=True)):
                found.setdefault("near_nodata", {})
                found["near_nodata"][float(v)] = found["near_nodata"].get(float(v), 0) + int(k)
    valid = ~(near | np.isnan(data))
    return None if valid.all() else valid


def _empty_acc(n: int) -> dict:
    import numpy as np

    return {
        "sum": np.zeros(n),
        "wsum": np.zeros(n),
        "count": np.zeros(n),
        "min": np.full(n, np.inf),
        "max": np.full(n, -np.inf),
        "sentinel": np.zeros(n),
        "found": {},
    }


def _merge_found(into: dict, part: dict) -> None:
    """Add what one part of a raster reported (:func:`_valid_mask`) to the whole's report."""
    for k, v in part.items():
        if k == "near_nodata":
            d = into.setdefault("near_nodata", {})
            for value, cells in v.items():
                d[value] = d.get(value, 0) + cells
        else:
            into[k] = v


def _blocks(cov: Coverage, block_h: int = 1) -> tuple[list[tuple[int, int]], int, int]:
    """Row windows covering the structure, and its column range."""
    import numpy as np

    rows = np.concatenate([cov.run_row, cov.cell_row])
    if len(rows) == 0:
        return [], 0, 0
    c_lo = int(min(cov.run_c0.min(initial=cov.grid.width), cov.cell_col.min(initial=cov.grid.width)))
    c_hi = int(max(cov.run_c1.max(initial=0), cov.cell_col.max(initial=-1) + 1))
    r_lo, r_hi = int(rows.min()), int(rows.max()) + 1
    step = max(1, WINDOW_CELLS // max(c_hi - c_lo, 1))
    if 1 < block_h <= 4096:
        step = max(block_h, step // block_h * block_h)
        r_first = r_lo // block_h * block_h
        return [(max(r0, r_lo), min(r0 + step, r_hi)) for r0 in range(r_first, r_hi, step)], c_lo, c_hi
    return [(r0, min(r0 + step, r_hi)) for r0 in range(r_lo, r_hi, step)], c_lo, c_hi


def _reduce_blocks(ds, band: int, cov: Coverage, want: set, row_area, blocks, c_lo: int, c_hi: int) -> dict:
    """Per-area sum, weight (count or km²), count, min and max of the valid cells of some row windows."""
    import numpy as np
    Window = require("rasterio.windows").Window

    n = cov.n_areas
    acc = _empty_acc(n)
    need_min, need_max = "min" in want, "max" in want
    cw = c_hi - c_lo
    dtype = np.dtype(ds.dtypes[band - 1])
    hmax = max((r1 - r0 for r0, r1 in blocks), default=0)
    raw_buf = np.empty(hmax * cw, dtype)
    val_buf = np.empty(hmax * cw + 1)  # one spare cell: reduceat indices may equal the window size
    tmp_buf = np.empty(hmax * cw + 1)
    for r0, r1 in blocks:
        rs = slice(*np.searchsorted(cov.run_row, [r0, r1]))
        cs = slice(*np.searchsorted(cov.cell_row, [r0, r1]))
        if rs.start == rs.stop and cs.start == cs.stop:
            continue
        h = r1 - r0
        size = h * cw
        window = Window(c_lo, r0, cw, h)
        data = raw_buf[:size].reshape(h, cw)
        ds.read(band, window=window, out=data)
        found: dict = {}
        valid = _valid_mask(ds, band, data, window, found)
        _merge_found(acc["found"], found)
        flagged = None
        if "sentinel" in found:  # cells holding the usual nodata value, counted as data: counted per area for the report
            flagged = data == data.dtype.type(found["sentinel"])
            if valid is not None:
                flagged &= valid
        vals = val_buf[: size + 1]
        vals[size] = 0.0
        v2 = vals[:size].reshape(h, cw)
        if valid is None:
            np.copyto(v2, data)
        else:
            v2[...] = 0.0
            np.copyto(v2, data, where=valid)
        wrow = None if row_area is None else row_area[r0:r1, None]
        if wrow is not None:
            np.multiply(v2, wrow, out=v2)
        if rs.stop > rs.start:
            ra = cov.run_area[rs]
            rrow = cov.run_row[rs]
            base = (rrow.astype(np.int64) - r0) * cw
            idx = np.empty(2 * len(ra), np.int64)
            idx[0::2] = base + cov.run_c0[rs] - c_lo
            idx[1::2] = base + cov.run_c1[rs] - c_lo
            acc["sum"] += np.bincount(ra, weights=np.add.reduceat(vals, idx)[0::2], minlength=n)
            if valid is None:
                cnt = (cov.run_c1[rs] - cov.run_c0[rs]).astype(np.float64)
            else:
                t = tmp_buf[: size + 1]
                t[size] = 0.0
                np.copyto(t[:size].reshape(h, cw), valid)
                cnt = np.add.reduceat(t, idx)[0::2]
            acc["count"] += np.bincount(ra, weights=cnt, minlength=n)
            acc["wsum"] += np.bincount(ra, weights=cnt if row_area is None else cnt * row_area[rrow], minlength=n)
            if flagged is not None:
                t = tmp_buf[: size + 1]
                t[size] = 0.0
                np.copyto(t[:size].reshape(h, cw), flagged)
                acc["sentinel"] += np.bincount(ra, weights=np.add.reduceat(t, idx)[0::2], minlength=n)
            for stat, ufunc, fill in (("min", np.minimum, np.inf), ("max", np.maximum, -np.inf)):
                if not (need_min if stat == "min" else need_max):
                    continue
                t = tmp_buf[: size + 1]
                t[size] = fill
                t2 = t[:size].reshape(h, cw)
                np.copyto(t2, data)
                if valid is not None:
                    t2[~valid] = fill
                red = ufunc.reduceat(t, idx)[0::2]
                ok = cnt > 0
                ufunc.at(acc[stat], ra[ok], red[ok])
        if cs.stop > cs.start:
            ca = cov.cell_area[cs]
            rr = cov.cell_row[cs].astype(np.int64) - r0
            cc = cov.cell_col[cs].astype(np.int64) - c_lo
            f = cov.cell_frac[cs]
            v = v2[rr, cc]
            ok = np.ones(len(f), bool) if valid is None else valid[rr, cc]
            fo = np.where(ok, f, 0.0)
            acc["sum"] += np.bincount(ca, weights=v * fo, minlength=n)
            acc["count"] += np.bincount(ca, weights=fo, minlength=n)
            acc["wsum"] += np.bincount(ca, weights=fo if row_area is None else fo * row_area[cov.cell_row[cs]], minlength=n)
            if flagged is not None:
                acc["sentinel"] += np.bincount(ca, weights=np.where(flagged[rr, cc], f, 0.0), minlength=n)
            sel = ok & (f > 0)
            if need_min or need_max:
                raw = data[rr, cc].astype(np.float64)
                if need_min:
                    np.minimum.at(acc["min"], ca[sel], raw[sel])
                if need_max:
                    np.maximum.at(acc["max"], ca[sel], raw[sel])
    return acc


def _reduce(ds, path: str | None, band: int, cov: Coverage, want: set, row_area) -> dict:
    """:func:`_reduce_blocks` over the whole structure, in row windows aligned to the raster's blocks.

    A raster file is read by :data:`THREADS` threads, each with its own dataset handle
    (numpy and GDAL release the GIL); a dataset object passed in is read by one.
    """
    block_h = ds.block_shapes[band - 1][0] if ds.block_shapes else 1
    blocks, c_lo, c_hi = _blocks(cov, block_h)
    workers = min(THREADS, os.cpu_count() or 1, len(blocks))
    if workers <= 1 or path is None:
        return _reduce_blocks(ds, band, cov, want, row_area, blocks, c_lo, c_hi)
    rasterio = require("rasterio")
    from concurrent.futures import ThreadPoolExecutor

    def work(part):
        with rasterio.Env(GTIFF_DIRECT_IO=True):
            own = rasterio.open(path)
        with own:
            return _reduce_blocks(own, band, cov, want, row_area, part, c_lo, c_hi)

    half = (len(blocks) + 1) // 2 if workers == 2 else None
    parts = [blocks[:half], blocks[half:]] if half else [blocks[i::workers] for i in range(workers)]
    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(work, parts))
    return _add(results, cov.n_areas)


def _add(results, n: int) -> dict:
    """The per-area accumulators of several parts of a raster, added up."""
    import numpy as np

    acc = _empty_acc(n)
    for r in results:
        for k in ("sum", "wsum", "count", "sentinel"):
            acc[k] += r[k]
        _merge_found(acc["found"], r["found"])
        acc["min"] = np.minimum(acc["min"], r["min"])
        acc["max"] = np.maximum(acc["max"], r["max"])
    return acc


def _tiles(blocks: list[tuple[int, int]], tile_rows: int | None) -> list[list[tuple[int, int]]]:
    """The row windows as dask tiles, each cut to at most ``tile_rows`` rows (None: one window per tile)."""
    if tile_rows is None:
        return [[b] for b in blocks]
    cut = [(r, min(r + tile_rows, r1)) for r0, r1 in blocks for r in range(r0, r1, tile_rows)]
    return [[b] for b in cut]


def _reduce_tile(path: str, band: int, cov: Coverage, want: set, row_area, tile, c_lo: int, c_hi: int) -> dict:
    """One dask task: open the raster file and reduce one tile of row windows."""
    rasterio = require("rasterio")

    with rasterio.open(path) as ds:
        return _reduce_blocks(ds, band, cov, want, row_area, tile, c_lo, c_hi)


def _reduce_dask(ds, path: str | None, band: int, cov: Coverage, want: set, row_area, tile_rows: int | None) -> tuple[dict, int]:
    """:func:`_reduce_blocks` tile by tile as dask tasks (the active scheduler: threads, processes or a cluster).

    Each task opens the file itself and holds one tile, so the memory used is a tile per
    worker whatever the raster's size; the partial sums are added as in the threaded path.
    """
    dask = require("dask", "dask", "for engine='dask'")
    if path is None:
        raise ValueError(
            "engine='dask' reads the raster by file path (every task opens its own handle): pass the path or "
            "registry name rather than an open dataset, or use engine='memory'."
        )
    block_h = ds.block_shapes[band - 1][0] if ds.block_shapes else 1
    blocks, c_lo, c_hi = _blocks(cov, block_h)
    tiles = _tiles(blocks, None if tile_rows is None else int(tile_rows))
    # the coverage structure and cell areas enter the graph once, not once per task
    shared_cov = dask.delayed(cov, traverse=False)
    shared_area = dask.delayed(row_area, traverse=False)
    tasks = [dask.delayed(_reduce_tile)(path, band, shared_cov, want, shared_area, t, c_lo, c_hi) for t in tiles]
    return _add(dask.compute(*tasks), cov.n_areas), len(tiles)


def zonal_stats(
    raster: Any,
    *,
    level: str = "district",
    stats: Sequence[str] = STATS,
    coverage: Literal["fractional", "centre"] = "fractional",
    vintage: int = settings.DEFAULT_VINTAGE,
    band: int = 1,
    weights: Literal["area"] | None = None,
    areas: Any = None,
    engine: Literal["memory", "dask"] = "memory",
    tile_rows: int | None = None,
) -> "pd.DataFrame":
    """Statistics of a raster's cells in every area of a level.

    Parameters
    ----------
    raster : path, registry name or rasterio dataset
        Any CRS and size: the areas are reprojected to the raster's CRS (the raster is
        never resampled) and the raster is read in row windows of about
        :data:`WINDOW_CELLS` cells, so one larger than memory works. Cells that are the
        band's nodata value (to float rounding: -3.4028235e38 for a declared
        -3.4028234663852886e38, noted), masked (internal mask / alpha) or NaN are left out.
        A usual nodata sentinel (-9999, ...) among the cells of a raster that declares no
        nodata, or NaN as its nodata, is counted as data with a warning naming the areas.
        Bands of complex or other non-real cells raise :class:`~ddmgeo.errors.RasterError`.
    level, vintage, areas :
        Which areas (ddmgeo's boundaries, or ``areas=`` a GeoDataFrame with ``code``).
    stats : sequence of {"sum", "mean", "count", "min", "max"}
    coverage : {"fractional", "centre"}, default "fractional"
        ``fractional``: every cell counts with the exact fraction of its area inside
        the area, so the sums over areas that partition a region add up to the raster
        total inside it (to ~1e-12), and an area smaller than a cell still gets a value.
        ``centre``: a cell counts wholly for the area holding its centre (a centre on a
        shared edge goes to the first area); an area holding no centre takes the cell
        under its representative point, so it too gets a value (that cell then counts
        twice, so centre sums do not conserve totals).
    band : int, default 1
    weights : {"area"}, optional
        ``"area"`` multiplies each cell by its area in km² (exact on the ellipsoid for a
        geographic raster, an equal-area projection, or a cylindrical one such as Web
        Mercator, see :func:`cell_areas_km2`; other projections are refused with a
        :class:`~ddmgeo.errors.CRSError`): use it for **densities** (persons/km²), so ``sum``
        is a count and ``mean`` the area-weighted mean density. Summing a registered
        density raster without it warns.
    engine : {"memory", "dask"}, default "memory"
        ``"memory"`` reduces the row windows on two threads. ``"dask"`` (optional extra
        ``dask``) makes every tile of rows a dask task run by the active scheduler
        (threads, processes or a ``dask.distributed`` cluster); each task opens the
        file and holds one tile, and the per-area results equal the in-memory engine's
        (sums to floating-point rounding). Needs a file path or registry name.
    tile_rows : int, optional
        Rows per dask tile (default: the in-memory engine's windows of about
        :data:`WINDOW_CELLS` cells); smaller tiles bound each task's memory further.

    Returns
    -------
    pandas.DataFrame
        ``code, name`` and the statistics, one row per area in area order:
        ``sum`` = Σ value × fraction (× cell area), ``count`` = Σ fraction of valid
        (non-nodata) cells, ``mean`` = sum / count (or / covered km² with weights),
        ``min``/``max`` over the valid cells touching the area. An area with no valid
        cell has ``count`` 0 and NaN elsewhere. ``coverage_share`` (0-1) is the share of
        the area inside the raster's extent and on valid cells: below 1 the statistics
        describe the covered part only, and ``ddmgeo.metadata(table).notes`` names those areas.
        Its metadata (:func:`ddmgeo.metadata`, ``extra``) records the raster, band, CRS, coverage and weights, the notes,
        the warnings given and ``sentinel_cells`` (area code -> cells holding a sentinel).

    Examples
    --------
    >>> from ddmgeo import overlays
    >>> pop = overlays.zonal_stats("worldpop_density_2020", weights="area", stats=["sum"])   # doctest: +SKIP
    >>> round(pop["sum"].sum() / 1e6, 1)                                                     # doctest: +SKIP
    """

    _check_zonal_options(stats, coverage, weights, engine, tile_rows)
    A = resolve_areas(level, vintage, areas)
    with _open(raster) as (ds, described, name):
        if not 1 <= band <= ds.count:
            raise ValueError(f"band={band}: the raster has bands 1 to {ds.count}.")
        if ds.crs is None:
            raise CRSError(f"The raster {described} has no CRS: assign one (rasterio or gdal_edit.py -a_srs EPSG:4326) before zonal statistics.")
        if weights is None and "sum" in stats and _is_density(name):
            warnings.warn(
                f"{name} holds densities (per km²): their plain sum is not a count. Pass weights='area' "
                "(`ddm zonal --area-weighted`; or overlays.population_from_density) to multiply each cell by its area first.",
                DDMGeoWarning,
                stacklevel=2,
            )
        _check_dtype(ds, band, described)
        grid = Grid.from_transform(ds.transform, ds.height, ds.width)
        cov = structure(A, grid, ds.crs, coverage)
        row_area = cell_areas_km2(ds.transform, ds.height, ds.crs, ds.width) if weights == "area" else None
        path = described if (isinstance(raster, (str, os.PathLike)) and os.path.isfile(described)) else None
        tiles = None
        if engine == "dask":
            acc, tiles = _reduce_dask(ds, path, band, cov, set(stats), row_area, tile_rows)
        else:
            acc = _reduce(ds, path, band, cov, set(stats), row_area)
        crs_text = ds.crs.to_string()
        extent = _extent_share(A, ds)
    out = A.frame()
    count = acc["count"]
    empty = count <= 0
    share = coverage_share(cov, count, extent)
    notes = _notes(acc, A, share, described)
    for note in notes["warn"]:
        warnings.warn(note, DDMGeoWarning, stacklevel=2)
    for s in stats:
        out[s] = _statistic(acc, s, coverage, empty)
    out["coverage_share"] = share
    _meta.attach(out, _zonal_attrs(described, name, band, crs_text, coverage, weights, A, empty, notes, engine, tiles, stats))
    return out


def _zonal_attrs(described: str, name, band: int, crs_text: str, coverage: str, weights, A: AreaSet, empty, notes: dict, engine: str, tiles, stats) -> dict:
    """What a zonal result stands on: the raster, band, CRS, rules, areas, notes and the label of each column."""
    label = name or os.path.basename(described)
    attrs = {
        "raster": described,
        "dataset": name,
        "band": band,
        "crs": crs_text,
        "coverage": coverage,
        "weights": weights,
        "areas": A.label,
        "level": A.level,
        "vintage": A.vintage,
        "no_cells": [str(c) for c in A.codes[empty]],
        "notes": notes["note"],
        "warnings": notes["warn"],
        "sentinel_cells": notes["sentinel_cells"],
        "engine": engine,
        "tiles": tiles,
        "indicators": {
            s: {"label": f"{s} of {label}" + (" × cell area (km²)" if weights == "area" and s == "sum" else ""), "unit": "", "higher_is": "neutral", "source": label}
            for s in stats
        },
    }
    attrs["indicators"]["coverage_share"] = {
        "label": f"Share of the area covered by valid cells of {label}", "unit": "share", "higher_is": "neutral", "source": label,
    }
    return attrs


def _check_zonal_options(stats, coverage: str, weights, engine: str, tile_rows) -> None:
    import numpy as np

    unknown = [s for s in stats if s not in STATS]
    if unknown or not stats:
        raise ValueError(f"Unknown statistics {unknown}: choose from {', '.join(STATS)}.")
    if coverage not in ("fractional", "centre"):
        raise ValueError(f"coverage={coverage!r}: use 'fractional' (exact cell fractions) or 'centre' (cell centres).")
    if weights not in (None, "area"):
        raise ValueError(f"weights={weights!r}: use None or 'area' (multiply each cell by its area in km², for densities).")
    if engine not in ("memory", "dask"):
        raise ValueError(f"engine must be 'memory' or 'dask', not {engine!r}.")
    if tile_rows is not None and (isinstance(tile_rows, bool) or not isinstance(tile_rows, (int, np.integer)) or tile_rows < 1):
        raise ValueError(f"tile_rows must be a whole number of raster rows >= 1, not {tile_rows!r}.")
    if tile_rows is not None and engine != "dask":
        raise ValueError("tile_rows sets the rows of a dask tile: pass engine='dask' with it, or leave it out.")


def _statistic(acc: dict, s: str, coverage: str, empty: "np.ndarray") -> "np.ndarray":
    """One statistic per area from the accumulators (NaN for areas without cells, except the count)."""
    import numpy as np

    if s == "sum":
        col = acc["sum"].copy()
    elif s == "count":
        return acc["count"].copy() if coverage == "fractional" else np.rint(acc["count"]).astype(np.int64)
    elif s == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            col = acc["sum"] / acc["wsum"]
    else:
        col = acc[s].copy()
    col = col.astype(float)
    col[empty] = np.nan
    return col


def _extent_share(A: AreaSet, ds) -> "np.ndarray":
    """Share of each area's surface (in the raster's CRS) inside the raster's extent."""
    import numpy as np
    import shapely

    geoms = A.to_crs(ds.crs)
    left, bottom, right, top = tuple(ds.bounds)
    b = shapely.bounds(geoms)
    share = np.ones(len(geoms))
    out = ~((b[:, 0] >= left) & (b[:, 1] >= bottom) & (b[:, 2] <= right) & (b[:, 3] <= top))
    if out.any():
        part = geoms[out]
        whole = shapely.area(part)
        inside = shapely.area(shapely.clip_by_rect(part, left, bottom, right, top))
        with np.errstate(invalid="ignore", divide="ignore"):
            share[out] = np.where(whole > 0, inside / whole, 0.0)
    return share


def coverage_share(cov: Coverage, count: "np.ndarray", extent: "np.ndarray") -> "np.ndarray":
    """Share (0-1) of each area covered by valid raster cells: its share inside the raster's extent times
    the share of its cells (by coverage fraction) that are valid, not nodata, masked or NaN."""
    import numpy as np

    n = cov.n_areas
    cells = np.zeros(n)  # (bincount of no runs is an integer array)
    cells += np.bincount(cov.run_area, weights=(cov.run_c1 - cov.run_c0).astype(np.float64), minlength=n)
    cells += np.bincount(cov.cell_area, weights=cov.cell_frac, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        valid = np.where(cells > 0, count / cells, 0.0)
    share = np.clip(extent * valid, 0.0, 1.0)
    share[share > 1 - 1e-9] = 1.0  # rounding of the fractions' sums
    return share


def _pct(x: float) -> str:
    return f"{x:.0%}" if 0.01 <= x <= 0.99 or x in (0.0, 1.0) else f"{x:.2%}"


def _notes(acc: dict, A: AreaSet, share: "np.ndarray", described: str) -> dict:
    """What the caller must know about the numbers: warnings (cells that may be misread) and notes."""
    import numpy as np

    found = acc["found"]
    warn: list[str] = []
    note: list[str] = []
    sentinel_cells: dict[str, float] = {}
    if "sentinel" in found:
        v = found["sentinel"]
        hit = np.flatnonzero(acc["sentinel"] > 0)
        sentinel_cells = {str(A.codes[k]): float(acc["sentinel"][k]) for k in hit}
        where = ", ".join(f"{c} ({n:g} cells)" for c, n in list(sentinel_cells.items())[:10]) + (" ..." if len(hit) > 10 else "")
        declared = "declares no nodata value" if found.get("nodata") is None else "declares NaN as its nodata value"
        warn.append(
            f"{os.path.basename(described)} {declared} but holds {v:g}, the usual nodata sentinel, and it is being counted as "
            f"data{': in ' + where if where else ''} (ddmgeo.metadata(table).extra['sentinel_cells']). If it means no data, declare it "
            f"(gdal_edit.py -a_nodata {v:g} FILE, or open it with rasterio and set nodata=; NaN cells are always left out) and run again."
        )
    for v, n in sorted(found.get("near_nodata", {}).items()):
        note.append(
            f"{n} cells hold {v!r}, the declared nodata value to float rounding: they are left out as nodata."
        )
    part = np.flatnonzero(share < 0.999)
    if len(part):
        shown = ", ".join(f"{A.codes[k]} ({_pct(float(share[k]))})" for k in part[:10]) + (" ..." if len(part) > 10 else "")
        note.append(
            f"{len(part)} of {len(share)} areas are only partly covered by valid cells of {os.path.basename(described)}: {shown}. "
            "Their statistics describe the covered part only (a sum leaves the rest out); see the coverage_share column."
        )
    return {"warn": warn, "note": note, "sentinel_cells": sentinel_cells}


def population_from_density(
    raster: Any = "worldpop_density_2020",
    *,
    level: str = "district",
    vintage: int = settings.DEFAULT_VINTAGE,
    coverage: Literal["fractional", "centre"] = "fractional",
    areas: Any = None,
) -> "pd.DataFrame":
    """People per area from a population-density raster (persons per km²).

    Each cell's density is multiplied by the cell's area (km², on the ellipsoid) and by
    the fraction of the cell inside the area, then summed: ``zonal_stats(raster,
    weights="area")``.

    Returns
    -------
    pandas.DataFrame
        ``code, name, population, density_km2`` (area-weighted mean persons/km²).

    Examples
    --------
    >>> from ddmgeo import overlays
    >>> pop = overlays.population_from_density(level="province")      # doctest: +SKIP
    >>> pop.nlargest(1, "population").code.item()                      # doctest: +SKIP
    'GT'
    """
    t = zonal_stats(raster, level=level, vintage=vintage, areas=areas, stats=("sum", "mean"), coverage=coverage, weights="area")
    out = t.rename(columns={"sum": "population", "mean": "density_km2"})
    meta = _meta.read(t).as_dict()
    src = meta.get("dataset") or os.path.basename(meta.get("raster", ""))
    meta["indicators"] = {
        "population": {"label": f"Population ({src}, density × cell area)", "unit": "people", "higher_is": "neutral", "source": src},
        "density_km2": {"label": f"Population density ({src})", "unit": "people/km²", "higher_is": "neutral", "source": src},
        "coverage_share": meta["indicators"]["coverage_share"],
    }
    _meta.attach(out, meta)
    return out


def raster_cells(raster: Any, *, band: int = 1, weights: Literal["area"] | None = None) -> "gpd.GeoDataFrame":
    """The valid cells of a raster as points at their centres, in EPSG:4326.

    Useful as origins for :func:`nearest` ("how many people live more than 25 km from a
    hospital": ``weights="area"`` turns a density raster into people per cell). Every
    valid cell becomes a row, so keep it to coarse rasters (the WorldPop layer has
    ~180,000 cells).

    Parameters
    ----------
    raster : path, registry name or rasterio dataset
    band : int, default 1
    weights : {"area"}, optional
        Multiply each value by its cell area in km² (densities -> counts).

    Returns
    -------
    geopandas.GeoDataFrame
        ``row, col, value`` and point geometry.

    Examples
    --------
    >>> from ddmgeo import overlays
    >>> people = overlays.raster_cells("worldpop_density_2020", weights="area")    # doctest: +SKIP
    >>> d = overlays.nearest(people, "dsfsi_hospitals", max_distance=300)          # doctest: +SKIP
    >>> overlays.distance_summary(d, threshold_km=25, weights=people["value"])     # doctest: +SKIP
    """
    import geopandas as gpd
    import numpy as np
    import shapely

    with _open(raster) as (ds, described, _name):
        if ds.crs is None:
            raise CRSError(f"The raster {described} has no CRS: assign one before using its cells.")
        _check_dtype(ds, band, described)
        data = ds.read(band)
        found: dict = {}
        valid = _valid_mask(ds, band, data, None, found)
        if "sentinel" in found:
            flagged = data == data.dtype.type(found["sentinel"])
            n_flag = int(flagged.sum() if valid is None else (flagged & valid).sum())
            declared = "declares no nodata value" if found.get("nodata") is None else "declares NaN as its nodata value"
            warnings.warn(
                f"{os.path.basename(described)} {declared} but {n_flag} cells hold {found['sentinel']:g}, the usual nodata sentinel: "
                f"they are kept as data. If it means no data, declare it (gdal_edit.py -a_nodata {found['sentinel']:g} FILE) and run again.",
                DDMGeoWarning,
                stacklevel=2,
            )
        rows, cols = np.nonzero(np.ones(data.shape, bool) if valid is None else valid)
        t = ds.transform
        x = t.c + (cols + 0.5) * t.a
        y = t.f + (rows + 0.5) * t.e
        vals = data[rows, cols].astype(np.float64)
        if weights == "area":
            vals = vals * cell_areas_km2(t, ds.height, ds.crs, ds.width)[rows]
        elif weights is not None:
            raise ValueError(f"weights={weights!r}: use None or 'area'.")
        gdf = gpd.GeoDataFrame({"row": rows, "col": cols, "value": vals}, geometry=shapely.points(x, y), crs=ds.crs)
    return gdf.to_crs(settings.STORAGE_CRS)
