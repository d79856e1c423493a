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
