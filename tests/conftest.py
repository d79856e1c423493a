"""Shared fixtures: real data through DDMGEO_DATA_DIR, and a private cache per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _shared_data() -> Path | None:
    env = os.environ.get("DDMGEO_DATA_DIR")
    if env:
        return Path(env)
    guess = REPO.parent / "shared" / "data"
    return guess if guess.is_dir() else None


SHARED = _shared_data()


@pytest.fixture(scope="session", autouse=True)
def _environment(tmp_path_factory):
    """Point ddmgeo at the real data and at a fresh cache; never download in tests."""
    cache = tmp_path_factory.mktemp("ddmgeo-cache")
    old = {k: os.environ.get(k) for k in ("DDMGEO_DATA_DIR", "DDMGEO_CACHE_DIR", "DDMGEO_OFFLINE")}
    if SHARED is not None:
        os.environ["DDMGEO_DATA_DIR"] = str(SHARED)
    os.environ["DDMGEO_CACHE_DIR"] = str(cache)
    os.environ["DDMGEO_OFFLINE"] = "1"
    yield
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real data folder; tests that need it fail loudly in CI if it is missing."""
    if SHARED is None or not SHARED.is_dir():
        if os.environ.get("CI"):
            pytest.fail("DDMGEO_DATA_DIR is not set and ../shared/data does not exist")
        pytest.skip("real data not available: set DDMGEO_DATA_DIR")
    return SHARED


@pytest.fixture(scope="session")
def registry_downloads(shared_data, tmp_path_factory) -> Path:
    """A data folder with the registered upstream files the shared data does not hold, downloaded once.

    They come from the package registries CI reaches (npm's world-atlas) and are sha256-verified; the
    only download of a test session. Fails loudly in CI when they cannot be had; skips elsewhere.
    """
    from ddmgeo import _registry, datasets
    from ddmgeo.errors import DataNotAvailableError

    root = tmp_path_factory.mktemp("registry-downloads")
    offline = os.environ.pop("DDMGEO_OFFLINE", None)
    try:
        for ds in _registry.datasets().values():
            if ds.url.startswith(("https://registry.npmjs.org/", "https://files.pythonhosted.org/")) and not (shared_data / ds.path).exists():
                datasets.fetch(ds.name, to=root)
    except DataNotAvailableError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"a registered upstream file could not be downloaded: {exc}")
        pytest.skip(f"a registered upstream file could not be downloaded: {exc}")
    finally:
        if offline is not None:
            os.environ["DDMGEO_OFFLINE"] = offline
    return root


@pytest.fixture()
def isolated_cache(tmp_path, monkeypatch):
    """An empty user cache and no data dir, for registry tests."""
    from ddmgeo import _cache

    cache = tmp_path / "cache"
    monkeypatch.setenv("DDMGEO_CACHE_DIR", str(cache))
    monkeypatch.delenv("DDMGEO_DATA_DIR", raising=False)
    _cache.clear_memo()
    yield cache
    _cache.clear_memo()
