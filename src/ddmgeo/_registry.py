"""Read the data registry (``data/*/registry.toml``) into plain records.

The registry is metadata, not code: a new dataset is a new ``[[dataset]]``
table, a new geometry layer a new ``[[layer]]`` table.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .errors import UnknownDatasetError
from .settings import package_data_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


@dataclass(frozen=True)
class Dataset:
    """One registered file: where it lives, how to fetch it and how to check it."""

    name: str
    group: str
    title: str
    path: str
    url: str = ""
    sha256: str = ""
    git_blob: str = ""
    size: int | None = None
    licence: str = ""
    attribution: str = ""
    source: str = ""
    notes: str = ""
    derived_from: str = ""
    requires: tuple[str, ...] = ()

    @property
    def filename(self) -> str:
        return Path(self.path).name


@dataclass(frozen=True)
class Layer:
    """How one geometry layer of a dataset maps onto ddmgeo's normalised columns."""

    dataset: str
    level: str
    vintage: int
    resolution: str
    geometry: str
    member: str = ""
    encoding: str = "utf-8"
    crs: str = ""
    columns: dict[str, str] = field(default_factory=dict)


_DATASET_FIELDS = set(Dataset.__dataclass_fields__)
_LAYER_FIELDS = set(Layer.__dataclass_fields__)


def _registry_files() -> list[Path]:
    root = package_data_dir()
    return sorted(root.glob("*/registry.toml"))


@lru_cache(maxsize=1)
def _load() -> tuple[dict[str, Dataset], tuple[Layer, ...]]:
    datasets: dict[str, Dataset] = {}
    layers: list[Layer] = []
    for file in _registry_files():
        with open(file, "rb") as fh:
            doc = tomllib.load(fh)
        for entry in doc.get("dataset", []):
            unknown = set(entry) - _DATASET_FIELDS
            if unknown:
                raise ValueError(f"{file}: dataset {entry.get('name')!r} has unknown fields {sorted(unknown)}")
            entry = dict(entry)
            entry["requires"] = tuple(entry.get("requires", ()))
            ds = Dataset(**entry)
            if ds.name in datasets:
                raise ValueError(f"{file}: dataset name {ds.name!r} is registered twice")
            datasets[ds.name] = ds
        for entry in doc.get("layer", []):
            unknown = set(entry) - _LAYER_FIELDS
            if unknown:
                raise ValueError(f"{file}: layer of {entry.get('dataset')!r} has unknown fields {sorted(unknown)}")
            layers.append(Layer(**entry))
    for layer in layers:
        if layer.dataset not in datasets:
            raise ValueError(f"registry layer refers to unknown dataset {layer.dataset!r}")
    for ds in datasets.values():
        for req in ds.requires:
            if req not in datasets:
                raise ValueError(f"dataset {ds.name!r} requires unknown dataset {req!r}")
    return datasets, tuple(layers)


def datasets() -> dict[str, Dataset]:
    """All registered datasets by name."""
    return _load()[0]


def layers() -> tuple[Layer, ...]:
    """All registered geometry layers."""
    return _load()[1]


def get(name: str) -> Dataset:
    """The dataset called *name*, or :class:`UnknownDatasetError` with close names."""
    all_ = datasets()
    try:
        return all_[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, list(all_), n=5, cutoff=0.4)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise UnknownDatasetError(
            f"No dataset {name!r} in the ddmgeo registry.{hint} "
            "`ddm data list` (or ddmgeo.datasets.list_datasets()) shows every registered dataset."
        ) from None
