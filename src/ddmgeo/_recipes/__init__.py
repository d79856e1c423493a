"""Build derived datasets from their pinned upstream files.

A derived dataset (``url = ""`` in the registry) names its ``inputs`` (commit-pinned
URLs with their sha256, or other registered datasets) and a ``recipe``: a function
``module.function`` in this package, called as ``function(inputs, out)`` where
*inputs* maps each input's key (its path inside the upstream repository, or the
dataset name) to a verified local file and *out* is the file to write.

Recipes are deterministic: the same inputs give byte-identical output on any
machine, so the output is checked against the registry's sha256 like a download.
The output is written to a temporary file and renamed into place only once it is
verified, so an interrupted or wrong build never leaves a file that looks complete.

Inputs are found like any registered file: ``$DDMGEO_DATA_DIR/raw/...`` (the shared
data's ``raw/`` folder), the cache (``<cache>/raw/...``), else downloaded with pooch.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Mapping
from importlib import import_module
from pathlib import Path

from .. import _registry, settings
from ..errors import DataIntegrityError, DataNotAvailableError

__all__ = ["build", "input_dataset", "recipe_function"]

log = logging.getLogger(__name__)

Recipe = Callable[[Mapping[str, Path], Path], None]


def recipe_function(ds: _registry.Dataset) -> Recipe:
    """The function that builds *ds* (``recipe = "module.function"`` in its registry entry)."""
    module, _, func = ds.recipe.rpartition(".")
    if not module:
        raise ValueError(f"dataset {ds.name!r}: recipe {ds.recipe!r} is not 'module.function'")
    return getattr(import_module(f"{__name__}.{module}"), func)


def input_dataset(ds: _registry.Dataset, item: _registry.Input) -> _registry.Dataset:
    """A URL input seen as a registered file, so it is located, downloaded and verified like one."""
    return _registry.Dataset(
        name=f"{ds.name}:{item.key}",
        group="raw",
        title=f"upstream file {item.key} of {ds.name}",
        path=item.path,
        url=item.url,
        sha256=item.sha256,
        size=item.size,
        licence=ds.licence,
        attribution=ds.attribution,
    )


def _gather(ds: _registry.Dataset) -> dict[str, Path]:
    from .. import datasets

    found: dict[str, Path] = {}
    missing: list[str] = []
    first_error: Exception | None = None
    for item in ds.inputs:
        try:
            if item.dataset:
                found[item.key] = datasets.fetch(item.dataset)
            else:
                found[item.key] = datasets.fetch_file(input_dataset(ds, item))
        except DataNotAvailableError as exc:
            missing.append(item.key)
            first_error = first_error or exc
    if missing:
        what = missing[0] if len(missing) == 1 else f"{len(missing)} of its {len(ds.inputs)} upstream files ({missing[0]}, ...)"
        raise DataNotAvailableError(datasets.not_available_text(ds, f"{what} could not be had: {_reason(first_error)}")) from first_error
    return found


def _reason(exc: Exception | None) -> str:
    text = str(exc) if exc else ""
    return text.split(": ", 1)[-1].split("\n")[0] if "offline" not in text.lower() else "DDMGEO_OFFLINE is set"


def build(ds: _registry.Dataset, *, to: str | os.PathLike | None = None) -> Path:
    """Build derived dataset *ds* into the cache (or into folder *to*, laid out like a data folder).

    Returns
    -------
    pathlib.Path
        The verified output file.

    Raises
    ------
    DataNotAvailableError
        An input is neither present nor downloadable (offline, no network).
    DataIntegrityError
        An input, or the recipe's output, does not match its registered sha256.
    """
    from ..datasets import sha256sum

    if not ds.recipe:
        raise DataNotAvailableError(f"Dataset {ds.name!r} has no recipe, so ddmgeo cannot build it.")
    inputs = _gather(ds)
    root = Path(to).expanduser() if to is not None else settings.cache_dir()
    target = root / ds.path
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".building")
    os.close(fd)
    try:
        log.info("building %s with recipe %s from %d input(s)", ds.name, ds.recipe, len(inputs))
        recipe_function(ds)(inputs, Path(tmp))
        got = sha256sum(tmp)
        if ds.sha256 and got != ds.sha256:
            raise DataIntegrityError(
                f"The recipe {ds.recipe} built {ds.name!r} with sha256 {got}, but the registry expects {ds.sha256}; "
                "the output was discarded. An upstream file or a library that reads it changed: report it with `ddm --version`."
            )
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target
