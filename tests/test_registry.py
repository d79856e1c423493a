"""The data registry: resolution order, verification, offline behaviour, downloads."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest

from ddmgeo import _registry, datasets
from ddmgeo.errors import DataIntegrityError, DataNotAvailableError, UnknownDatasetError

SMALL = "mdb2016_district_attributes_cpg"  # 5 bytes, "UTF-8"


def test_every_entry_is_complete():
    ds = _registry.datasets()
    assert len(ds) >= 40
    groups = {d.group for d in ds.values()}
    assert groups == {"boundaries", "indicators", "points", "rasters", "layers"}
    for d in ds.values():
        assert d.path and d.title and d.licence and d.attribution, d.name
        assert d.sha256 or d.git_blob, f"{d.name} has no checksum"
        if d.sha256:
            assert len(d.sha256) == 64 and int(d.sha256, 16) >= 0, d.name
        assert d.url or d.derived_from, f"{d.name}: neither a URL nor how it was derived"
        if d.url:  # pinned: the URL names a full 40-hex commit, or one version of a package on npm (never republished)
            npm = re.fullmatch(r"https://registry\.npmjs\.org/([a-z0-9-]+)/-/\1-\d+\.\d+\.\d+\.tgz", d.url)
            assert d.url.startswith("https://") and (re.search(r"/[0-9a-f]{40}/", d.url) or npm), d.name


def test_registered_layers_point_at_datasets():
    levels = {(l.level, l.vintage, l.resolution) for l in _registry.layers()}
    assert ("municipality", 2016, "generalised") in levels
    assert ("municipality", 2011, "generalised") in levels
    assert ("district", 2016, "full") in levels


def test_shared_data_matches_registry(shared_data):
    """Every registered file present in the shared data has the registered checksum."""
    table = datasets.verify()
    assert not table.empty
    assert (table["status"] == "ok").all(), table[table.status != "ok"].to_string()
    present = set(table["name"])
    assert {"mdb2020_openup", "mdb2011_municipalities", "wazimap_geographies"} <= present


def test_unknown_dataset_suggests_names():
    with pytest.raises(UnknownDatasetError, match="mdb2020_openup"):
        datasets.fetch("mdb2020_openp")


def _fake_data_dir(tmp_path: Path, name: str, content: bytes | None = None) -> Path:
    ds = _registry.get(name)
    root = tmp_path / "data"
    target = root / ds.path
    target.parent.mkdir(parents=True)
    if content is None:
        shutil.copyfile(Path(__import__("os").environ["DDMGEO_DATA_DIR"]) / ds.path, target)
    else:
        target.write_bytes(content)
    return root


def test_resolution_order_explicit_path_first(shared_data, tmp_path, monkeypatch):
    ds = _registry.get(SMALL)
    explicit = tmp_path / "explicit.cpg"
    explicit.write_bytes((shared_data / ds.path).read_bytes())
    assert datasets.fetch(SMALL, path=explicit) == explicit
    # a folder laid out like the data folder works too
    assert datasets.fetch(SMALL, path=shared_data) == shared_data / ds.path


def test_resolution_order_data_dir_before_cache(shared_data, isolated_cache, monkeypatch):
    ds = _registry.get(SMALL)
    cached = isolated_cache / ds.path
    cached.parent.mkdir(parents=True)
    cached.write_bytes((shared_data / ds.path).read_bytes())
    assert datasets.fetch(SMALL) == cached  # no data dir: the cache
    monkeypatch.setenv("DDMGEO_DATA_DIR", str(shared_data))
    assert datasets.fetch(SMALL) == shared_data / ds.path


def test_corrupt_file_in_data_dir_is_never_used(tmp_path, monkeypatch, isolated_cache):
    root = _fake_data_dir(tmp_path, SMALL, b"UTF-9")
    monkeypatch.setenv("DDMGEO_DATA_DIR", str(root))
    with pytest.raises(DataIntegrityError) as info:
        datasets.fetch(SMALL)
    msg = str(info.value)
    assert "DDMGEO_DATA_DIR" in msg and "sha256" in msg and "not used" in msg and SMALL in msg


def test_corrupt_explicit_path_is_never_used(tmp_path):
    bad = tmp_path / "x.cpg"
    bad.write_bytes(b"latin")
    with pytest.raises(DataIntegrityError, match="explicit path"):
        datasets.fetch(SMALL, path=bad)


def test_missing_explicit_path(tmp_path):
    with pytest.raises(DataNotAvailableError, match="explicit path"):
        datasets.fetch(SMALL, path=tmp_path / "nope.cpg")


def test_corrupt_cache_is_deleted_then_offline_error(isolated_cache, monkeypatch):
    ds = _registry.get(SMALL)
    cached = isolated_cache / ds.path
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"bad!!")
    monkeypatch.setenv("DDMGEO_OFFLINE", "1")
    with pytest.raises(DataNotAvailableError) as info:
        datasets.fetch(SMALL)
    assert not cached.exists(), "a corrupt cached file must be removed"
    msg = str(info.value)
    assert SMALL in msg and ds.url in msg and "DDMGEO_DATA_DIR" in msg and "DDMGEO_OFFLINE" in msg


def test_derived_dataset_without_network_names_its_build_command(isolated_cache, monkeypatch):
    """A derived dataset is built from its upstream files; when they cannot be downloaded, the error says how to get it."""
    import pooch
    import requests

    monkeypatch.delenv("DDMGEO_OFFLINE", raising=False)
    monkeypatch.setattr("time.sleep", lambda s: None)

    def fake_retrieve(*args, **kwargs):
        raise requests.exceptions.ConnectionError("Name or service not known")

    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    with pytest.raises(DataNotAvailableError) as err:
        datasets.fetch("census2011_indicators")
    text = str(err.value)
    assert len(text.splitlines()) <= 3
    assert "14 of its 14 upstream files" in text and "ddm data build census2011_indicators" in text


def test_download_verifies_sha256(isolated_cache, monkeypatch):
    """A download goes through pooch with the pinned hash; a mismatch is DataIntegrityError."""
    import pooch

    monkeypatch.delenv("DDMGEO_OFFLINE", raising=False)
    calls = {}

    def fake_retrieve(url, known_hash, fname, path, progressbar):
        calls.update(url=url, known_hash=known_hash)
        raise ValueError("SHA256 hash of downloaded file does not match the known hash")

    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    with pytest.raises(DataIntegrityError, match="does not match"):
        datasets.fetch(SMALL)
    ds = _registry.get(SMALL)
    assert calls == {"url": ds.url, "known_hash": f"sha256:{ds.sha256}"}


def test_download_success_lands_in_cache(isolated_cache, monkeypatch, shared_data):
    import pooch

    monkeypatch.delenv("DDMGEO_OFFLINE", raising=False)
    ds = _registry.get(SMALL)

    def fake_retrieve(url, known_hash, fname, path, progressbar):
        out = Path(path) / fname
        out.write_bytes((shared_data / ds.path).read_bytes())
        assert hashlib.sha256(out.read_bytes()).hexdigest() == known_hash.split(":")[1]
        return str(out)

    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    got = datasets.fetch(SMALL)
    assert got == isolated_cache / ds.path and got.read_bytes() == b"UTF-8"


def test_network_failure_is_data_not_available(isolated_cache, monkeypatch):
    import pooch
    import requests

    monkeypatch.delenv("DDMGEO_OFFLINE", raising=False)

    def fake_retrieve(*args, **kwargs):
        raise requests.exceptions.ConnectionError("Name or service not known")

    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    monkeypatch.setattr("time.sleep", lambda s: None)
    with pytest.raises(DataNotAvailableError, match="download from .* failed .ConnectionError"):
        datasets.fetch(SMALL)


def test_dropped_connections_are_retried(isolated_cache, monkeypatch, shared_data):
    import pooch
    import requests

    monkeypatch.delenv("DDMGEO_OFFLINE", raising=False)
    monkeypatch.setattr("time.sleep", lambda s: None)
    ds = _registry.get(SMALL)
    calls = []

    def flaky(url, known_hash, fname, path, progressbar):
        calls.append(url)
        if len(calls) < 3:
            raise requests.exceptions.ConnectionError("connection reset by peer")
        out = Path(path) / fname
        out.write_bytes((shared_data / ds.path).read_bytes())
        return str(out)

    monkeypatch.setattr(pooch, "retrieve", flaky)
    assert datasets.fetch(SMALL).read_bytes() == b"UTF-8" and len(calls) == 3


def test_offline_never_touches_the_network(isolated_cache, monkeypatch):
    import pooch

    monkeypatch.setenv("DDMGEO_OFFLINE", "1")

    def boom(*a, **k):
        raise AssertionError("network used while DDMGEO_OFFLINE=1")

    monkeypatch.setattr(pooch, "retrieve", boom)
    with pytest.raises(DataNotAvailableError, match="DDMGEO_OFFLINE"):
        datasets.fetch(SMALL)


def test_read_only_data_dir_works(tmp_path, monkeypatch, isolated_cache, shared_data):
    import stat

    root = tmp_path / "data"
    for name in ("mdb2016_district_attributes", "mdb2016_district_attributes_cpg"):
        rel = _registry.get(name).path
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes((shared_data / rel).read_bytes())
    before = sorted((str(p), p.stat().st_mtime_ns) for p in root.rglob("*"))
    for p in sorted(root.rglob("*"), reverse=True):
        p.chmod(stat.S_IREAD | (stat.S_IEXEC if p.is_dir() else 0))
    root.chmod(stat.S_IREAD | stat.S_IEXEC)
    monkeypatch.setenv("DDMGEO_DATA_DIR", str(root))
    try:
        got = datasets.fetch("mdb2016_district_attributes")
        assert got.parent.is_relative_to(root) and got.read_bytes()[:1]
        # nothing was written into the data folder (root can write anyway, so check it did not)
        assert sorted((str(p), p.stat().st_mtime_ns) for p in root.rglob("*")) == before
    finally:
        for p in [root, *root.rglob("*")]:
            p.chmod(stat.S_IRWXU)


def test_unwritable_cache_dir_still_works_and_stays_untouched(tmp_path, monkeypatch, shared_data):
    """A cache folder the user cannot write (a shared machine, a read-only home): every feature still
    answers, from the core and the data folder, and nothing is written (CI runs this without root's
    power to write anywhere, so the permission is real there)."""
    import os
    import stat

    import pandas as pd

    import ddmgeo
    from ddmgeo import _cache, overlays

    cache = tmp_path / "cache"
    cache.mkdir()
    cache.chmod(stat.S_IREAD | stat.S_IEXEC)
    monkeypatch.setenv("DDMGEO_CACHE_DIR", str(cache))
    monkeypatch.setenv("DDMGEO_DATA_DIR", str(shared_data))
    _cache.clear_memo()
    try:
        try:  # root (with its capabilities) writes anyway; CI runs this test without them, where this fails
            (cache / "probe").write_text("x")
            (cache / "probe").unlink()
            enforced = False
        except PermissionError:
            enforced = True
        assert enforced or os.geteuid() == 0
        munis = ddmgeo.boundaries("municipality")
        assert len(munis) == 213
        pop = ddmgeo.indicators.get("population", level="district")
        assert pop["population"].notna().all()
        codes = overlays.assign_points(pd.DataFrame({"lon": [28.05], "lat": [-26.2]}), level="district")
        assert codes.tolist() == ["JHB"]
        if enforced:
            assert list(cache.rglob("*")) == []  # nothing could be, and nothing was, written
    finally:
        cache.chmod(stat.S_IRWXU)
        _cache.clear_memo()


def test_two_processes_fetching_at_once(isolated_cache, tmp_path, shared_data):
    """Two processes building the same cached layer at once both succeed (atomic renames)."""
    import os
    import subprocess
    import sys

    code = "import warnings; warnings.simplefilter('ignore'); import ddmgeo; print(len(ddmgeo.boundaries('municipality')))"
    env = dict(os.environ, DDMGEO_CACHE_DIR=str(isolated_cache), DDMGEO_DATA_DIR=str(shared_data))
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert [o[0].strip() for o in outs] == ["213", "213"]
    assert not list(isolated_cache.rglob("*.tmp"))


def test_git_blob_pinned_download_is_verified(isolated_cache, monkeypatch):
    """Entries pinned by git blob id only (no sha256 yet) are checked with the blob id."""
    import pooch

    monkeypatch.delenv("DDMGEO_OFFLINE", raising=False)

    def fake_retrieve(url, known_hash, fname, path, progressbar):
        assert known_hash is None
        out = Path(path) / fname
        out.write_bytes(b"not the 2016 zip")
        return str(out)

    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    with pytest.raises(DataIntegrityError, match="git blob id"):
        datasets.fetch("mdb2016_openup")
    assert not (isolated_cache / _registry.get("mdb2016_openup").path).exists()


def test_fetch_to_builds_a_data_folder(shared_data, tmp_path):
    out = tmp_path / "mirror"
    datasets.fetch("mdb2016_district_attributes", to=out)
    ds = _registry.get("mdb2016_district_attributes")
    assert (out / ds.path).read_bytes() == (shared_data / ds.path).read_bytes()
    # the companion .cpg named in `requires` comes along
    assert (out / _registry.get("mdb2016_district_attributes_cpg").path).exists()


def test_list_datasets_reports_presence(shared_data):
    table = datasets.list_datasets()
    assert {"name", "group", "vintage", "present", "licence", "attribution", "url", "sha256"} <= set(table.columns)
    row = table.set_index("name").loc["mdb2020_openup"]
    assert row.present and row.vintage == "2016,2021"
    assert not table.set_index("name").loc["mdb2016_districts_full"].present


def test_verify_reports_mismatch(tmp_path, monkeypatch, isolated_cache):
    root = _fake_data_dir(tmp_path, SMALL, b"UTF-9")
    monkeypatch.setenv("DDMGEO_DATA_DIR", str(root))
    table = datasets.verify()
    assert len(table) == 1 and table.iloc[0]["status"].startswith("MISMATCH")
