"""The store of normalised products: layers, indicator facts and the indicator cube, as Arrow IPC files.

A product is built once (read, repaired, renamed, dissolved, summed) and stored under a
*key* that holds the registered checksum of every source it was made from, the hashes of
ddmgeo's own fact tables it used and :data:`~ddmgeo.settings.CACHE_FORMAT_VERSION`, so a
changed source or format never serves a stale product. It is looked up in this order:

1. this process's memo (callers receive copies);
2. the embedded core shipped inside the package (:mod:`ddmgeo._core`), for the keys it holds;
3. the user cache, ``<cache>/normalised/<key>.arrow`` (Arrow IPC) with a JSON sidecar holding its
   ``attrs``, the file's sha256 and the sha256 of the ``attrs``;
4. the *build* function, whose result is written to the cache.

Every stored file is verified on read: a cache file (or its ``attrs``) whose sha256 differs from
its sidecar (one flipped bit is enough) is deleted and rebuilt with a
:class:`~ddmgeo.errors.DataIntegrityWarning`, never served; when it cannot be rebuilt (the source
data is gone) the build's own error is raised. A corrupt core member is skipped with a warning.
Other cache files (the overlays' label grids and coverage structures) are sealed with a
``<file>.sha256`` sidecar by :func:`seal` and checked by :func:`verified` the same way. A layer read back is the same object as the one built: storage CRS
``EPSG:4326``, dtypes, column order and ``attrs``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from . import settings

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

_MEMO: dict[str, "pd.DataFrame"] = {}


def cache_path(key: str) -> Path:
    """Where the product *key* is stored in the user cache."""
    return settings.cache_dir() / "normalised" / f"{key}{SUFFIX}"


#: suffix of stored products: Arrow IPC files (read without copying; the core's zip deflates them)
SUFFIX = ".arrow"


def to_bytes(frame: "pd.DataFrame") -> bytes:
    """The Arrow IPC bytes of a frame or GeoDataFrame (geometry as WKB, its CRS in the schema metadata).

    Deterministic for the same frame. Arrow IPC rather than Parquet: reading it maps the columns
    instead of decoding pages, which keeps a cold start fast and its memory small.
    """
    import pyarrow as pa
    import pyarrow.ipc as ipc

    column = _geometry_column(frame)
    plain = frame.drop(columns=column) if column else frame
    table = pa.Table.from_pandas(plain, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    if column:
        import shapely

        position = list(frame.columns).index(column)
        table = table.add_column(position, column, pa.array(shapely.to_wkb(frame[column].values), type=pa.binary()))
        crs = frame.crs.to_json() if frame.crs is not None else ""
        info = {"geometry": column, "crs": crs}
        if frame.crs is not None and frame.crs.srs and frame.crs.srs != crs:
            info["srs"] = frame.crs.srs  # the text the CRS was made from ("EPSG:4326"): what str(crs) shows
        meta[b"ddmgeo"] = json.dumps(info).encode()
    table = table.replace_schema_metadata(meta)
    sink = pa.BufferOutputStream()
    with ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _geometry_column(frame: "pd.DataFrame") -> str | None:
    if hasattr(frame, "geometry") and getattr(frame, "_geometry_column_name", None) in frame.columns:
        return frame._geometry_column_name
    return None


def from_bytes(data: bytes, attrs: dict, *, geo: bool) -> "pd.DataFrame":
    """A frame (GeoDataFrame when *geo*) from the bytes :func:`to_bytes` wrote, with *attrs* restored.

    A layer comes back with the same CRS object a fresh build has (``str(crs) == "EPSG:4326"``).
    """
    import pyarrow as pa
    import pyarrow.ipc as ipc

    table = ipc.open_file(pa.BufferReader(data)).read_all()
    meta = json.loads((table.schema.metadata or {}).get(b"ddmgeo", b"{}"))
    column = meta.get("geometry")
    if column:
        frame = _geo_frame(table, column, meta.get("crs") or None, meta.get("srs") or None)
    else:
        frame = table.to_pandas()
    frame.attrs.update(json.loads(json.dumps(attrs, default=str)))
    return frame


def _geo_frame(table, column: str, crs_json: str | None, srs: str | None = None) -> "pd.DataFrame":
    import geopandas as gpd
    import shapely

    crs = None if crs_json is None else _crs(crs_json, srs)
    names = table.column_names
    geometry = shapely.from_wkb(table.column(column).to_numpy(zero_copy_only=False))
    frame = table.drop([column]).to_pandas()
    frame.insert(names.index(column), column, geometry)
    return gpd.GeoDataFrame(frame, geometry=column, crs=crs)


def _crs(crs_json: str, srs: str | None):
    """The CRS stored as PROJJSON, as the object a fresh build holds: ``str()`` is ``EPSG:4326``, not a JSON document."""
    from pyproj import CRS

    crs = CRS.from_json(crs_json)
    storage = settings.crs(settings.STORAGE_CRS)
    if crs.equals(storage):
        return storage
    for text in (srs, f"EPSG:{crs.to_epsg()}" if crs.to_epsg() else None):
        if text:
            try:
                named = settings.crs(text)
            except Exception:  # a text pyproj no longer reads: keep the PROJJSON
                continue
            if named.equals(crs):
                return named
    return crs


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _attrs_sha(attrs: object) -> str:
    """The sha256 of *attrs* as the sidecar stores them (canonical JSON)."""
    return _sha(json.dumps(attrs, sort_keys=True, default=str).encode())


def _corrupt(path: Path, what: str) -> None:
    import warnings

    from .errors import DataIntegrityWarning

    log.warning("cached %s %s: deleting and rebuilding it", path, what)
    warnings.warn(f"the cached {path.name} {what}: it was not used and is rebuilt", DataIntegrityWarning, stacklevel=5)


def _read_cache(key: str, *, geo: bool) -> "pd.DataFrame | None":
    path = cache_path(key)
    meta = path.with_suffix(".json")
    if not (path.is_file() and meta.is_file()):  # the sidecar is written last: no sidecar, no valid product
        return None
    try:
        side = json.loads(meta.read_text(encoding="utf-8"))
        data = path.read_bytes()
        attrs = side.get("attrs", {})
        if _sha(data) != side.get("sha256"):
            _corrupt(path, "does not match the sha256 its sidecar records")
            _discard(path)
            return None
        if _attrs_sha(attrs) != side.get("attrs_sha256"):
            _corrupt(path, "has attrs that do not match the sha256 its sidecar records")
            _discard(path)
            return None
    except Exception as exc:  # a truncated or foreign sidecar: rebuild it
        _corrupt(path, f"has an unreadable sidecar ({type(exc).__name__}: {exc})")
        _discard(path)
        return None
    try:
        return from_bytes(data, attrs, geo=geo)
    except Exception as exc:  # pragma: no cover - the bytes matched their sha256, so written so by a broken build
        log.warning("unreadable cache file %s (%s): rebuilding it", path, exc)
        _discard(path)
        return None


def _discard(path: Path) -> None:
    for p in (path.with_suffix(".json"), path):
        try:
            p.unlink()
        except OSError:
            pass


def _write_cache(key: str, frame: "pd.DataFrame") -> None:
    path = cache_path(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = to_bytes(frame)
        attrs = json.loads(json.dumps(frame.attrs, default=str))
        side = {"sha256": _sha(data), "attrs": attrs, "attrs_sha256": _attrs_sha(attrs)}
        # both files go through temporary names and are renamed into place: a reader, or another
        # process building the same product, never sees half a file; the sidecar comes last
        atomic_write(path, lambda tmp: Path(tmp).write_bytes(data))
        atomic_write(path.with_suffix(".json"), lambda tmp: Path(tmp).write_text(json.dumps(side, default=str), encoding="utf-8"))
    except OSError as exc:  # read-only cache: work without it
        log.info("could not write cache file %s: %s", path, exc)


def atomic_write(path: Path, write: Callable[[str], object]) -> None:
    """Write through a temporary file in the same folder, then rename it over *path*."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def sidecar(path: Path) -> Path:
    """The checksum sidecar of a cache file: ``<file>.sha256``."""
    return path.with_name(path.name + ".sha256")


def file_sha256(path: Path) -> str:
    """The sha256 of a file, read in chunks (never memoised: a cache file is checked each time it is read)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def seal(path: Path, tmp: str | os.PathLike | None = None) -> None:
    """Record the sha256 of cache file *path* in its sidecar (:func:`verified` checks it on read).

    *tmp* is the file's temporary name when it is sealed before being renamed into place; the
    sidecar is written atomically, and only after *path* itself is in place.
    """
    digest = file_sha256(Path(tmp) if tmp is not None else path)
    if tmp is not None:
        try:  # a reader between the rename and the new sidecar finds no sidecar (rebuild), never the old one
            sidecar(path).unlink()
        except OSError:
            pass
        os.replace(tmp, path)
    atomic_write(sidecar(path), lambda t: Path(t).write_text(digest + "\n", encoding="ascii"))


def verified(path: Path) -> bool:
    """Whether cache file *path* is present and matches its sidecar; a file that does not is deleted (with a warning).

    A file without a sidecar (written by an older ddmgeo, or its writer stopped before sealing it)
    counts as absent and is rebuilt.
    """
    side = sidecar(path)
    if not path.is_file():
        return False
    try:
        recorded = side.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        recorded = None
    if recorded is None:  # not sealed (yet): rebuilt, and the rebuild replaces it
        return False
    if recorded and file_sha256(path) == recorded:
        return True
    _corrupt(path, "does not match the sha256 its sidecar records")
    for p in (side, path):
        try:
            p.unlink()
        except OSError:
            pass
    return False


def stored(key: str, build: Callable[[], "pd.DataFrame"], *, geo: bool = False, copy: bool = True) -> "pd.DataFrame":
    """The product stored under *key*: from the memo, the core or the cache, else built and cached.

    Parameters
    ----------
    key : str
        Names the product and everything it was made from (see the module notes).
    build : callable
        Makes the product when no stored copy exists.
    geo : bool, default False
        The product is a GeoDataFrame.
    copy : bool, default True
        Return a copy (callers may change it); ``False`` for read-only internal use.
    """
    from . import _core

    frame = _MEMO.get(key)
    if frame is None:
        frame = _core.read(key, geo=geo)
        if frame is None:
            frame = _read_cache(key, geo=geo)
        if frame is None:
            frame = build()
            _write_cache(key, frame)
        _MEMO[key] = frame
    if not copy:
        return frame
    out = frame.copy()
    out.attrs = json.loads(json.dumps(frame.attrs, default=str))
    return out


def cached_layer(key: str, build: Callable[[], "pd.DataFrame"]) -> "pd.DataFrame":
    """The geometry layer stored under *key* (a copy), building and storing it on first use."""
    return stored(key, build, geo=True)


def clear_memo() -> None:
    """Forget products held in memory (the files stay)."""
    _MEMO.clear()
