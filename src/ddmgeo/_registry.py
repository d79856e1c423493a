"""Read the data registry (``data/*/registry.toml``) into plain records.

The registry is metadata, not code: a new dataset is a new ``[[dataset]]``
table, a new geometry layer a new ``[[layer]]`` table.
"""

from __future__ import annotations

import re
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
class Input:
    """One upstream file a derived dataset is built from: a pinned URL and its sha256, or another dataset.

    A URL input's local copy lives at :attr:`path` under ``$DDMGEO_DATA_DIR`` or the cache
    (``raw/<owner>__<repo>/<commit>/<path in the repository>``, the layout of the shared data's ``raw/``).
    """

    url: str = ""
    sha256: str = ""
    size: int | None = None
    dataset: str = ""

    @property
    def key(self) -> str:
        """The name a recipe knows this input by: the path inside its repository, or the dataset name."""
        if self.dataset:
            return self.dataset
        return _raw_parts(self.url)[3]

    @property
    def path(self) -> str:
        """Where the file sits under a data folder or the cache (``raw/...``)."""
        if self.dataset:
            raise ValueError("a dataset input has no raw path of its own")
        owner, repo, commit, inner = _raw_parts(self.url)
        return f"raw/{owner}__{repo}/{commit}/{inner}"


_RAW_URL = re.compile(r"^https://raw\.githubusercontent\.com/(?P<owner>[^/]+)/(?P<repo>[^/]+)/(?P<commit>[0-9a-f]{40})/(?P<path>.+)$")


def _raw_parts(url: str) -> tuple[str, str, str, str]:
    from urllib.parse import unquote

    m = _RAW_URL.match(url)
    if not m:
        raise ValueError(f"input URL {url!r} is not a commit-pinned raw.githubusercontent.com URL")
    return m["owner"], m["repo"], m["commit"], unquote(m["path"])


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
    recipe: str = ""
    inputs: tuple[Input, ...] = ()
    inputs_table: str = ""
    noncommercial: bool = False

    @property
    def filename(self) -> str:
        return Path(self.path).name

    @property
    def how(self) -> str:
        """How the file is obtained: ``download``, ``built`` (from pinned upstream files) or ``none``."""
        if self.url:
            return "download"
        return "built" if self.recipe else "none"


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
            entry["inputs"] = _inputs(file, entry)
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
        for item in ds.inputs:
            if item.dataset and item.dataset not in datasets:
                raise ValueError(f"dataset {ds.name!r} is built from unknown dataset {item.dataset!r}")
        for req in ds.requires:
            if req not in datasets:
                raise ValueError(f"dataset {ds.name!r} requires unknown dataset {req!r}")
    return datasets, tuple(layers)


_INPUT_FIELDS = set(Input.__dataclass_fields__)


def _inputs(file: Path, entry: dict) -> tuple[Input, ...]:
    """The entry's ``inputs`` (inline tables) followed by the rows of its ``inputs_table`` (a CSV in ``data/``)."""
    import csv

    rows = [dict(r) for r in entry.get("inputs", ())]
    if entry.get("inputs_table"):
        with open(package_data_dir() / entry["inputs_table"], newline="", encoding="utf-8") as fh:
            rows += [{k: v for k, v in r.items() if v} for r in csv.DictReader(fh)]
    out = []
    for row in rows:
        unknown = set(row) - _INPUT_FIELDS
        if unknown:
            raise ValueError(f"{file}: an input of {entry.get('name')!r} has unknown fields {sorted(unknown)}")
        if "size" in row:
            row["size"] = int(row["size"])
        item = Input(**row)
        if not item.dataset and not (item.url and item.sha256):
            raise ValueError(f"{file}: every input of {entry.get('name')!r} needs a url and a sha256, or a dataset")
        if not item.dataset:
            _ = item.path  # a URL that does not name a pinned commit is refused here
        out.append(item)
    if out and not entry.get("recipe"):
        raise ValueError(f"{file}: dataset {entry.get('name')!r} lists inputs but no recipe")
    return tuple(out)


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
