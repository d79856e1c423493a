"""The embedded core: what the main jobs need, shipped inside the package so they run with nothing set up.

The core is one file, ``ddmgeo/_embedded/core.zip``, built by ``tools/build_core.py`` from the
registered datasets (never by hand). It holds normalised products under the same keys the user
cache uses (:mod:`ddmgeo._cache`): the province, district and municipality boundaries of the
default vintage (generalised, nested) and their cartographic versions, the tidy facts of the
indicator tables (provinces to municipalities; ward-only tables stay on demand) and the indicator
cube. ``manifest.json`` records each member's sha256 and ``attrs``, and the sha256 of every
registered dataset the core was built from.

A member is used only when its key matches what ddmgeo asks for (the key holds the source
checksums), and only after its sha256 is checked: a corrupt member is skipped with a
:class:`~ddmgeo.errors.DataIntegrityWarning` and the product is built from the data instead.
Nothing under a non-commercial licence goes into the core.
"""

from __future__ import annotations

import hashlib
import json
import logging
import warnings
import zipfile
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CORE_FILE", "MAX_BYTES", "build", "manifest", "read"]

log = logging.getLogger(__name__)

#: The core shipped with the package.
CORE_FILE = Path(__file__).resolve().parent / "_embedded" / "core.zip"

#: The core may not grow beyond this (8 MB).
MAX_BYTES = 8_000_000

CORE_FORMAT = 2


@lru_cache(maxsize=1)
def manifest() -> dict:
    """The core's manifest (``{}`` when no core is installed)."""
    if not CORE_FILE.is_file():
        return {}
    try:
        with zipfile.ZipFile(CORE_FILE) as zf:
            doc = json.loads(zf.read("manifest.json"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        _warn(f"the embedded core {CORE_FILE} cannot be read ({exc}); ddmgeo works from the data instead")
        return {}
    if doc.get("format") != CORE_FORMAT:
        return {}
    return doc


def _warn(text: str) -> None:
    from .errors import DataIntegrityWarning

    warnings.warn(text, DataIntegrityWarning, stacklevel=4)


def keys() -> list[str]:
    """The product keys the core holds."""
    return sorted(manifest().get("members", {}))


def read(key: str, *, geo: bool = False) -> "pd.DataFrame | None":
    """The product *key* from the core, verified, or None when the core does not hold it (or it is corrupt)."""
    entry = manifest().get("members", {}).get(key)
    if entry is None:
        return None
    from ._cache import SUFFIX, from_bytes

    try:
        with zipfile.ZipFile(CORE_FILE) as zf:
            data = zf.read(f"{key}{SUFFIX}")
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        _warn(f"the embedded core's {key} cannot be read ({exc}): it was not used")
        return None
    got = hashlib.sha256(data).hexdigest()
    if got != entry["sha256"]:
        _warn(f"the embedded core's {key} is corrupt (sha256 {got}, manifest {entry['sha256']}): it was not used; reinstall ddmgeo")
        return None
    return from_bytes(data, entry.get("attrs", {}), geo=geo)


# ----------------------------------------------------------------------------- building


def _products() -> Iterable[tuple[str, "pd.DataFrame"]]:
    """Every (key, frame) the core holds, built from the registered datasets."""
    from . import _cache, _cartographic, _sources, areas
    from .indicators import _cube

    wanted: list[tuple[str, bool]] = []
    for level in ("province", "district", "municipality"):
        areas.boundaries(level)
        for tol in (None, 0.0):
            _cartographic.cartographic(level, tolerance=tol)
    for dataset in _sources.core_datasets():
        _sources.facts(dataset)
    _cube.cube()  # built here from the facts: the stored cube is not asked for
    _cartographic.neighbours()
    for key, frame in sorted(_cache._MEMO.items()):
        if key.startswith(("province-", "district-", "municipality-", "carto-", "neighbours-", "facts-", "cube-")):
            wanted.append((key, "geometry" in frame.columns))
    for key, _geo in wanted:
        yield key, _cache._MEMO[key]


def build(out: str | Path) -> dict:
    """Build the core from the registered datasets into *out* (a ``.zip``); return its manifest.

    The data must be reachable (``$DDMGEO_DATA_DIR`` or the cache); nothing is taken from an
    existing core. Raises :class:`ValueError` when the result exceeds :data:`MAX_BYTES`.
    """
    from . import _cache, _registry
    from ._cache import SUFFIX

    out = Path(out)
    _cache.clear_memo()
    manifest.cache_clear()
    global CORE_FILE
    saved, CORE_FILE = CORE_FILE, out.with_suffix(".absent")  # never read the core being replaced
    try:
        members: dict[str, dict] = {}
        blobs: dict[str, bytes] = {}
        for key, frame in _products():
            data = _cache.to_bytes(frame)
            blobs[key] = data
            members[key] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "attrs": json.loads(json.dumps(frame.attrs, default=str))}
    finally:
        CORE_FILE = saved
        manifest.cache_clear()
    used = _datasets_used(members)
    doc = {"format": CORE_FORMAT, "datasets": {n: _registry.get(n).sha256 or _registry.get(n).git_blob for n in used}, "members": members}
    for name in used:
        if _registry.get(name).noncommercial:
            raise ValueError(f"{name} is under a non-commercial licence and may not go into the core")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
        for key in sorted(blobs):
            info = zipfile.ZipInfo(f"{key}{SUFFIX}", date_time=(2020, 1, 1, 0, 0, 0))
            zf.writestr(info, blobs[key], compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
        info = zipfile.ZipInfo("manifest.json", date_time=(2020, 1, 1, 0, 0, 0))
        zf.writestr(info, json.dumps(doc, indent=1, sort_keys=True), compress_type=zipfile.ZIP_DEFLATED)
    size = tmp.stat().st_size
    if size > MAX_BYTES:
        tmp.unlink()
        raise ValueError(f"the core would be {size:,} bytes, more than the {MAX_BYTES:,} allowed")
    tmp.replace(out)
    return doc


def _datasets_used(members: dict) -> list[str]:
    """Registered datasets the members were made from (from their keys and attrs)."""
    from . import _meta, _registry

    names = set()
    for key, entry in members.items():
        meta = _meta.from_attrs(entry.get("attrs", {}))
        for name in meta.datasets or [meta.dataset]:
            if name:
                names.add(name)
        if key.startswith("facts-"):
            names.add(next(n for n in _registry.datasets() if key.startswith(f"facts-{n}-")))
    return sorted(names)
