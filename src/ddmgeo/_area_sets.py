"""The areas an overlay summarises to: a boundary level, or the caller's own GeoDataFrame.

Every overlay function takes either ``level=``/``vintage=`` (ddmgeo's boundaries) or
``areas=`` (any GeoDataFrame with a ``code`` column and a CRS). Both become an
:class:`AreaSet`: codes, names and geometry in the areas' own CRS, plus a ``key`` that
identifies the geometry exactly (registered source checksum for ddmgeo's boundaries, a
hash of the WKB otherwise) for the caches of the point locator and of zonal statistics.

Shared kernel (a root-level private module): used by :mod:`ddmgeo.overlays`, by the zonal
statistics of :mod:`ddmgeo._zonal` and by :mod:`ddmgeo.budget`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _meta, settings
from .errors import CRSError, TableError

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np
    import pandas as pd

log = logging.getLogger(__name__)

#: Bump to invalidate every overlay cache file (label grids, coverage structures).
OVERLAY_CACHE_VERSION = 1


@dataclass(eq=False)
class AreaSet:
    """Areas to summarise to, in their own CRS, in the order results are reported."""

    codes: "np.ndarray"  # object array of str
    names: "np.ndarray"  # object array (None where unknown)
    geometry: "np.ndarray"  # shapely geometries, valid polygons / multipolygons
    crs: Any  # pyproj.CRS
    key: str  # identifies codes + geometry + CRS exactly
    label: str  # "district 2016", "3 areas (user)" ...
    level: str | None = None
    vintage: int | None = None
    area_km2: "np.ndarray | None" = None
    _projected: dict = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.codes)

    def frame(self) -> "pd.DataFrame":
        """``code, name`` in area order: the skeleton of every result table."""
        import pandas as pd

        return pd.DataFrame({"code": self.codes, "name": self.names})

    def to_crs(self, crs: Any) -> "np.ndarray":
        """The geometry transformed to *crs* (the same array when it is the areas' CRS)."""
        import geopandas as gpd
        import numpy as np
        from pyproj import CRS

        target = CRS.from_user_input(crs)
        if target == self.crs:
            return self.geometry
        key = target.to_wkt()
        if key not in self._projected:
            if len(self._projected) >= 4:
                self._projected.pop(next(iter(self._projected)))
            self._projected[key] = np.asarray(gpd.GeoSeries(self.geometry, crs=self.crs).to_crs(target).values)
        return self._projected[key]


_MEMO: dict[tuple, AreaSet] = {}


def resolve_areas(level: str | None = "district", vintage: int = settings.DEFAULT_VINTAGE, areas: "gpd.GeoDataFrame | None" = None) -> AreaSet:
    """The :class:`AreaSet` for ``areas=`` when given, else for ddmgeo's ``level``/``vintage`` boundaries."""
    if areas is not None:
        return _user_areas(areas)
    from .areas import _check_level, _check_vintage

    lvl = _check_level(level or "district")
    v = _check_vintage(vintage)
    memo_key = (lvl, v)
    hit = _MEMO.get(memo_key)
    if hit is not None:
        return hit
    from . import areas as _areas_mod

    gdf = _areas_mod.boundaries(lvl, vintage=v)
    meta = _meta.read(gdf)
    ident = "|".join(
        str(x)
        for x in (lvl, v, meta.get("dataset"), meta.get("sha256"), meta.get("resolution"), meta.get("nested"), len(gdf), ",".join(gdf["code"]), settings.CACHE_FORMAT_VERSION)
    )
    import numpy as np

    out = AreaSet(
        codes=gdf["code"].to_numpy(dtype=object),
        names=gdf["name"].to_numpy(dtype=object),
        geometry=np.asarray(gdf.geometry.values),
        crs=gdf.crs,
        key=f"{lvl}-{v}-" + hashlib.sha256(ident.encode()).hexdigest()[:20],
        label=f"{lvl} {v}",
        level=lvl,
        vintage=v,
        area_km2=gdf["area_km2"].to_numpy(dtype=float),
    )
    _MEMO[memo_key] = out
    return out


def _user_areas(areas: "gpd.GeoDataFrame") -> AreaSet:
    import geopandas as gpd
    import numpy as np
    import shapely

    if not isinstance(areas, gpd.GeoDataFrame):
        raise TypeError(f"areas= must be a GeoDataFrame with a 'code' column, not {type(areas).__name__}; or pass level= instead.")
    if "code" not in areas.columns:
        raise TableError(f"areas= needs a 'code' column naming each area; it has {list(areas.columns)}.")
    if areas.crs is None:
        raise CRSError("areas= has no CRS: set it with areas.set_crs(...) (EPSG:4326 for longitude/latitude).")
    codes = areas["code"].astype(str).to_numpy(dtype=object)
    if len(set(codes)) != len(codes):
        dup = sorted({c for c in codes if (codes == c).sum() > 1})[:10]
        raise TableError(f"areas= has codes {dup} more than once: dissolve them first (areas.dissolve(by='code', as_index=False)).")
    geoms = np.asarray(areas.geometry.values)
    bad_type = ~np.isin(shapely.get_type_id(geoms), (3, 6))  # Polygon, MultiPolygon
    if bad_type.any():
        raise TableError(f"areas= must hold polygons; rows {list(np.flatnonzero(bad_type)[:10])} are {sorted(set(shapely.get_type_id(geoms[bad_type]).tolist()))} (shapely type ids) or missing.")
    empty = shapely.is_empty(geoms)
    if empty.any():
        raise TableError(f"areas= has empty geometry for {list(codes[empty][:10])}: give every area a polygon, or drop those rows.")
    if areas.crs.is_geographic:
        minx, miny, maxx, maxy = shapely.total_bounds(geoms)
        if minx < -180.5 or maxx > 180.5 or miny < -90.5 or maxy > 90.5:
            raise CRSError(
                f"areas= is labelled {areas.crs.to_string()} (degrees) but its coordinates reach {minx:.0f}..{maxx:.0f}, {miny:.0f}..{maxy:.0f}: "
                "they look like metres. Set the CRS they are really in (areas.set_crs(..., allow_override=True))."
            )
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        geoms = geoms.copy()
        geoms[invalid] = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
    names = areas["name"].to_numpy(dtype=object) if "name" in areas.columns else np.full(len(areas), None, dtype=object)
    h = hashlib.sha256()
    h.update(areas.crs.to_wkt().encode())
    h.update("\x00".join(codes).encode())
    for wkb in shapely.to_wkb(geoms, hex=False):
        h.update(wkb)
    return AreaSet(codes=codes, names=names, geometry=geoms, crs=areas.crs, key="user-" + h.hexdigest()[:24], label=f"{len(codes)} areas (areas=)")


# ----------------------------------------------------------------------------- cache files


def cache_file(kind: str, key: str, suffix: str = ".npz") -> Path:
    """``<cache>/overlays/<kind>-<key>-v<version>.npz``."""
    return settings.cache_dir() / "overlays" / f"{kind}-{key}-v{OVERLAY_CACHE_VERSION}{suffix}"


_PENDING: "dict[Path, threading.Thread]" = {}  # cache files being written in the background
_PENDING_LOCK = threading.Lock()


def load_arrays(path: Path) -> "dict[str, np.ndarray] | None":
    """Arrays saved by :func:`save_arrays`, or None when absent, unreadable or not matching their sha256 (then rebuilt).

    A write of *path* still running in the background is waited for first."""
    import numpy as np

    with _PENDING_LOCK:
        writing = _PENDING.get(path)
    if writing is not None:
        writing.join()
    from ._cache import verified

    if not verified(path):  # absent, not sealed, or not matching its sha256 sidecar (then deleted): rebuild
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except Exception as exc:  # truncated or foreign: rebuild
        log.warning("unreadable overlay cache %s (%s): rebuilding it", path, exc)
        return None


def save_arrays(path: Path, arrays: "dict[str, np.ndarray]", *, compress: bool = True, background: bool = False) -> None:
    """Write arrays atomically (``compress=False``: faster to write, larger); a read-only cache only costs speed.

    ``background=True`` writes from a (non-daemon) thread, so the caller goes on with its answer while zlib,
    which releases the GIL, packs the file; the interpreter still finishes the write before it exits, and
    :func:`load_arrays` of the same path waits for it. The arrays must not be changed afterwards."""
    if not background:
        _write_arrays(path, arrays, compress)
        return
    thread = threading.Thread(target=_write_arrays, args=(path, arrays, compress), name=f"ddmgeo-cache-{path.name}")
    with _PENDING_LOCK:
        _PENDING[path] = thread
    thread.start()


def _write_arrays(path: Path, arrays: "dict[str, np.ndarray]", compress: bool) -> None:
    import numpy as np

    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp.npz")
        os.close(fd)
        # an .npz that np.load reads; deflate level 1 packs label grids ~50x at a fraction of the default's cost
        method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        with zipfile.ZipFile(tmp, "w", compression=method, compresslevel=1 if compress else None) as zf:
            for name, arr in arrays.items():
                with zf.open(f"{name}.npy", "w", force_zip64=True) as fh:
                    np.lib.format.write_array(fh, np.asanyarray(arr), allow_pickle=False)
        from ._cache import seal

        seal(path, tmp)  # hashed, renamed into place, then its sha256 sidecar (checked by load_arrays)
    except OSError as exc:
        log.info("could not write overlay cache %s: %s", path, exc)
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)
    finally:
        with _PENDING_LOCK:
            if _PENDING.get(path) is threading.current_thread():
                del _PENDING[path]
