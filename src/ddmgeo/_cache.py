"""GeoParquet cache of normalised layers, keyed by the source file's registered checksum.

A layer is normalised once (read, repaired, renamed, dissolved) and written to
``<cache>/normalised/<key>.parquet`` with a JSON sidecar for its ``attrs``; the
key holds the source's registered sha256, the gazetteer's hash and
:data:`~ddmgeo.settings.CACHE_FORMAT_VERSION`, so a changed source or format
never serves a stale layer. A cache file that cannot be read is rebuilt.
Within one process, loads are memoised and callers receive copies.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from . import settings

if TYPE_CHECKING:
    import geopandas as gpd

log = logging.getLogger(__name__)

_MEMO: dict[str, "gpd.GeoDataFrame"] = {}


def cache_path(key: str) -> Path:
    return settings.cache_dir() / "normalised" / f"{key}.parquet"


def _read(path: Path) -> "gpd.GeoDataFrame | None":
    import geopandas as gpd

    meta = path.with_suffix(".json")
    if not (path.is_file() and meta.is_file()):  # the sidecar is written first: no sidecar, no valid layer
        return None
    try:
        gdf = gpd.read_parquet(path)
        gdf.attrs.update(json.loads(meta.read_text(encoding="utf-8")))
        return gdf
    except Exception as exc:  # a truncated or foreign file: rebuild it
        log.warning("unreadable layer cache %s (%s): rebuilding it", path, exc)
        return None


def _write(path: Path, gdf: "gpd.GeoDataFrame") -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # both files are written to temporary names and renamed into place (atomic): a reader, or another
        # process building the same layer, never sees half a file
        atomic_write(path.with_suffix(".json"), lambda tmp: Path(tmp).write_text(json.dumps(gdf.attrs, default=str), encoding="utf-8"))
        atomic_write(path, lambda tmp: gdf.to_parquet(tmp, index=False))
    except OSError as exc:  # read-only cache: work without it
        log.info("could not write layer cache %s: %s", path, exc)


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


def cached_layer(key: str, build: Callable[[], "gpd.GeoDataFrame"]) -> "gpd.GeoDataFrame":
    """The layer stored under *key*, building and storing it on first use."""
    gdf = _MEMO.get(key)
    if gdf is None:
        path = cache_path(key)
        gdf = _read(path)
        if gdf is None:
            gdf = build()
            _write(path, gdf)
        _MEMO[key] = gdf
    out = gdf.copy()
    out.attrs = json.loads(json.dumps(gdf.attrs, default=str))
    return out


def clear_memo() -> None:
    """Forget layers held in memory (the files stay)."""
    _MEMO.clear()
