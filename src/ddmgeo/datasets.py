"""Find, download and verify the registered data files.

A registered file is looked for in this order, and every copy found is
checked against the registry's SHA-256 before it is used:

1. an explicit ``path=`` (a file, or a folder laid out like the data folder);
2. ``$DDMGEO_DATA_DIR/<registry path>``;
3. the user cache (``$DDMGEO_CACHE_DIR`` or ``pooch.os_cache("ddmgeo")``);
4. a download from the commit-pinned URL with :mod:`pooch`, unless offline.

A copy whose hash does not match is never used: a bad file in the cache is
deleted and fetched again; a bad file elsewhere raises
:class:`~ddmgeo.errors.DataIntegrityError`.

Examples
--------
>>> from ddmgeo import datasets
>>> datasets.fetch("mdb2020_openup").as_posix()
'...boundaries/openup_2021_demarcation/2021-demarcation.zip'
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from . import _registry, settings
from .errors import DataIntegrityError, DataNotAvailableError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["build", "fetch", "list_datasets", "locate", "sha256sum", "verify"]

log = logging.getLogger(__name__)

_HASH_MEMO: dict[tuple[str, int, int], str] = {}
_CHUNK = 1 << 20


def sha256sum(path: str | os.PathLike) -> str:
    """SHA-256 hex digest of a file (memoised on path, size and mtime)."""
    p = Path(path)
    st = p.stat()
    key = (str(p.resolve()), st.st_size, st.st_mtime_ns)
    digest = _HASH_MEMO.get(key)
    if digest is None:
        h = hashlib.sha256()
        with open(p, "rb") as fh:
            for chunk in iter(lambda: fh.read(_CHUNK), b""):
                h.update(chunk)
        digest = _HASH_MEMO[key] = h.hexdigest()
    return digest


def _git_blob_id(path: Path) -> str:
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _check(ds: _registry.Dataset, path: Path) -> str | None:
    """None when *path* is the registered file, else a description of the mismatch."""
    if ds.sha256:
        got = sha256sum(path)
        return None if got == ds.sha256 else f"sha256 {got}, registry expects {ds.sha256}"
    if ds.git_blob:
        got = _git_blob_id(path)
        if got != ds.git_blob:
            return f"git blob id {got}, registry expects {ds.git_blob}"
        log.warning(
            "%s verified by git blob id; its sha256 is %s: record it in the registry",
            ds.name,
            sha256sum(path),
        )
        return None
    return "no sha256 or git blob id registered, so it cannot be verified"


def _candidates(ds: _registry.Dataset, path: str | os.PathLike | None) -> list[tuple[str, Path]]:
    out: list[tuple[str, Path]] = []
    if path is not None:
        p = Path(path).expanduser()
        out.append(("explicit path", p / ds.path if p.is_dir() else p))
    root = settings.data_dir()
    if root is not None:
        out.append(("DDMGEO_DATA_DIR", root / ds.path))
    return out


def locate(name: str, *, path: str | os.PathLike | None = None) -> Path | None:
    """Where the verified file of dataset *name* is on this machine, without downloading or building.

    Parameters
    ----------
    name : str
        Registry name (see :func:`list_datasets`).
    path : path-like, optional
        An explicit file, or a folder laid out like the data folder.

    Returns
    -------
    pathlib.Path or None
        None when no copy is present. A copy that fails verification raises
        :class:`~ddmgeo.errors.DataIntegrityError` (in the cache it is deleted instead).
    """
    return _locate(_registry.get(name), path)


def _locate(ds: _registry.Dataset, path: str | os.PathLike | None = None) -> Path | None:
    for origin, candidate in _candidates(ds, path):
        if candidate.is_file():
            problem = _check(ds, candidate)
            if problem:
                raise DataIntegrityError(
                    f"{origin} file {candidate} is not the registered {ds.name!r} ({problem}); "
                    f"it was not used. Replace it with the file from {ds.url or ds.source}, "
                    + ("or unset DDMGEO_DATA_DIR to use the user cache." if origin == "DDMGEO_DATA_DIR" else "or pass another path.")
                )
            log.info("%s: using %s (%s)", ds.name, candidate, origin)
            return candidate
        if origin == "explicit path":
            raise DataNotAvailableError(f"No file for dataset {ds.name!r} at the explicit path {candidate}.")
    cached = settings.cache_dir() / ds.path
    if cached.is_file():
        problem = _check(ds, cached)
        if problem is None:
            log.info("%s: using %s (user cache)", ds.name, cached)
            return cached
        log.warning("cached %s is corrupt (%s): deleting it", cached, problem)
        cached.unlink()
    return None


def not_available_text(ds: _registry.Dataset, reason: str) -> str:
    """At most three lines: what is missing and why, the one command that fixes it, and a restrictive licence."""
    if ds.recipe:
        fix = f"`ddm data build {ds.name}` with internet access (it builds it from its pinned upstream files)"
    elif ds.url:
        fix = f"`ddm data fetch {ds.name}` with internet access (it downloads {ds.url})"
    else:
        fix = "no download exists"
    lines = [
        f"Dataset {ds.name!r} ({ds.title.split(':')[0].split(' (')[0]}) is not on this machine: {reason}.",
        f"Fix: run {fix}, or `export DDMGEO_DATA_DIR=/path/to/data` (a folder holding {ds.path}).",
    ]
    if ds.noncommercial:
        lines.append(f"Licence: {ds.licence}")
    return "\n".join(lines)


def _not_available(ds: _registry.Dataset, reason: str) -> DataNotAvailableError:
    return DataNotAvailableError(not_available_text(ds, reason))


def _download(ds: _registry.Dataset) -> Path:
    if not ds.url:
        raise _not_available(ds, "it has no download and no recipe")
    if settings.offline():
        raise _not_available(ds, "DDMGEO_OFFLINE is set, so nothing is downloaded")
    if not (ds.sha256 or ds.git_blob):
        raise _not_available(ds, "it has no pinned checksum, so ddmgeo will not download it")
    import pooch
    import requests

    target = settings.cache_dir() / ds.path
    target.parent.mkdir(parents=True, exist_ok=True)
    known = f"sha256:{ds.sha256}" if ds.sha256 else None
    try:
        got = _retrieve(pooch, requests, ds.url, known, target)
    except ValueError as exc:  # pooch: hash mismatch; the bad download is already removed
        raise DataIntegrityError(
            f"Download of {ds.name!r} from {ds.url} does not match the registered sha256 ({exc}); "
            "it was discarded. The upstream file changed or the download was corrupted: try again, "
            "or report the registry entry."
        ) from exc
    except (requests.exceptions.RequestException, OSError) as exc:
        raise _not_available(ds, f"the download from {ds.url} failed ({type(exc).__name__})") from exc
    problem = _check(ds, got)
    if problem:
        got.unlink(missing_ok=True)
        raise DataIntegrityError(f"Download of {ds.name!r} from {ds.url} failed verification ({problem}); it was discarded.")
    return got


_ATTEMPTS = 3


def _retrieve(pooch, requests, url: str, known: str | None, target: Path) -> Path:
    """pooch.retrieve with retries on dropped connections (not on a checksum mismatch).

    pooch downloads to a temporary file in the target folder and renames it when complete and verified,
    so an interrupted download leaves nothing that is used later.
    """
    import time

    for attempt in range(1, _ATTEMPTS + 1):
        try:
            return Path(pooch.retrieve(url, known_hash=known, fname=target.name, path=target.parent, progressbar=False))
        except requests.exceptions.RequestException:
            if attempt == _ATTEMPTS:
                raise
            log.warning("download of %s failed (attempt %d of %d); retrying", url, attempt, _ATTEMPTS)
            time.sleep(2 ** (attempt - 1))
    raise AssertionError("unreachable")  # pragma: no cover


def fetch(name: str, *, path: str | os.PathLike | None = None, to: str | os.PathLike | None = None) -> Path:
    """Path to the verified file of dataset *name*, downloading it if needed.

    Companion files listed in the entry's ``requires`` (shapefile parts,
    raster headers) are fetched too and placed beside it.

    Parameters
    ----------
    name : str
        Registry name (see :func:`list_datasets`).
    path : path-like, optional
        An explicit file, or a folder laid out like the data folder; searched first.
    to : path-like, optional
        Also copy the verified file into this folder, keeping the registry layout
        (``ddm data fetch --to DIR`` builds a data folder to use as ``DDMGEO_DATA_DIR``).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    DataNotAvailableError
        The file is absent and cannot be downloaded (offline, derived, network error).
    DataIntegrityError
        A copy or download does not match the registered checksum.

    Examples
    --------
    >>> import ddmgeo
    >>> ddmgeo.datasets.fetch("mdb2020_openup").name
    '2021-demarcation.zip'
    """
    return fetch_file(_registry.get(name), path=path, to=to)


def fetch_file(ds: _registry.Dataset, *, path: str | os.PathLike | None = None, to: str | os.PathLike | None = None) -> Path:
    """:func:`fetch` for a registry record (also the upstream inputs of derived datasets)."""
    found = _locate(ds, path)
    if found is None and ds.recipe:
        from . import _recipes

        found = _recipes.build(ds)
    elif found is None:
        found = _download(ds)
    if to is not None:
        dest = Path(to).expanduser() / ds.path
        if dest.resolve() != found.resolve():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(found, dest)
    for req in ds.requires:
        companion = fetch(req, path=path, to=to)
        beside = found.parent / _registry.get(req).filename
        if not beside.exists():
            shutil.copyfile(companion, beside)
    return found


def build(name: str, *, to: str | os.PathLike | None = None) -> Path:
    """Build derived dataset *name* from its pinned upstream files (into the cache, or folder *to*).

    Unlike :func:`fetch`, the recipe runs even when a copy is already present, and the
    output is checked against the registered sha256.

    Parameters
    ----------
    name : str
        A dataset whose registry entry has a ``recipe`` (``ddm data list`` shows them as "built").
    to : path-like, optional
        A folder laid out like ``DDMGEO_DATA_DIR``; default the user cache.

    Examples
    --------
    >>> from ddmgeo import datasets
    >>> datasets.build("wazimap_geographies").name            # doctest: +SKIP
    'wazimap_geographies.csv'
    """
    from . import _recipes

    ds = _registry.get(name)
    if not ds.recipe:
        how = f"download it with `ddm data fetch {name}`" if ds.url else "it has no recipe"
        raise DataNotAvailableError(f"Dataset {name!r} is not built from upstream files: {how}.")
    return _recipes.build(ds, to=to)


def list_datasets(*, group: str | None = None) -> pd.DataFrame:
    """Every registered dataset, with whether a verified copy is on this machine.

    Presence is decided by locating the file (hashing it once per process);
    nothing is downloaded.

    Parameters
    ----------
    group : str, optional
        Only one registry group: ``boundaries``, ``indicators``, ``points``, ``rasters``, ``layers``.

    Returns
    -------
    pandas.DataFrame
        Columns ``name, group, title, vintage, how, in_core, present, where, licence, attribution, url, sha256``:
        ``how`` is ``download`` (a pinned URL), ``built`` (from pinned upstream files by a recipe)
        or ``none``; ``in_core`` says whether the embedded core holds what ddmgeo makes of it, so
        the main jobs need no copy of the file.

    Raises
    ------
    UnknownDatasetError
        *group* is not a registry group.
    """
    import pandas as pd

    if group is not None:
        groups = sorted({ds.group for ds in _registry.datasets().values()})
        if group not in groups:
            from .errors import UnknownDatasetError

            raise UnknownDatasetError(f"No dataset group {group!r} in the registry: use one of {', '.join(groups)} (or no group for all).")
    from . import _core

    embedded = set(_core.manifest().get("datasets", {}))
    vintages: dict[str, list[int]] = {}
    for layer in _registry.layers():
        vintages.setdefault(layer.dataset, []).append(layer.vintage)
    rows = []
    for ds in _registry.datasets().values():
        if group is not None and ds.group != group:
            continue
        try:
            found = locate(ds.name)
            where, present = (str(found), True) if found else ("", False)
        except DataIntegrityError as exc:
            where, present = f"CORRUPT: {exc}", False
        rows.append(
            {
                "name": ds.name,
                "group": ds.group,
                "title": ds.title,
                "vintage": ",".join(str(v) for v in sorted(set(vintages.get(ds.name, [])))),
                "how": ds.how,
                "in_core": ds.name in embedded,
                "present": present,
                "where": where,
                "licence": ds.licence,
                "attribution": ds.attribution,
                "url": ds.url,
                "sha256": ds.sha256,
            }
        )
    return pd.DataFrame(rows)


def verify(*, path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Re-hash every present copy of every registered file.

    Unlike :func:`locate`, nothing is deleted and the in-process hash memo is
    bypassed: every file is read again.

    Returns
    -------
    pandas.DataFrame
        One row per copy found: ``name, where, status`` (``ok`` or ``MISMATCH: ...``).
    """
    import pandas as pd

    _HASH_MEMO.clear()
    rows = []
    for ds in _registry.datasets().values():
        places = _candidates(ds, path) + [("cache", settings.cache_dir() / ds.path)]
        for origin, candidate in places:
            if candidate.is_file():
                problem = _check(ds, candidate)
                rows.append(
                    {"name": ds.name, "origin": origin, "where": str(candidate), "status": "ok" if problem is None else f"MISMATCH: {problem}"}
                )
    return pd.DataFrame(rows, columns=["name", "origin", "where", "status"])
