"""The data registry given wrong names, wrong files and empty places: ddmgeo.datasets."""

from __future__ import annotations

import zipfile

import pytest

from ddmgeo import datasets
from ddmgeo.errors import DataIntegrityError, DataNotAvailableError, UnknownDatasetError

from ._support import Case, expect, params


def _png(path):
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    return path


def _zip(path):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("Muni_2020.shp", b"not a shapefile")
    return path


CASES = [
    Case("fetch-misspelt", lambda tmp: datasets.fetch("mdb2020_openupp"), UnknownDatasetError, (r"No dataset 'mdb2020_openupp'", r"Did you mean 'mdb2020_openup'", r"ddm data list")),
    Case("locate-unknown", lambda tmp: datasets.locate("census2022"), UnknownDatasetError, (r"No dataset 'census2022'", r"list_datasets")),
    Case("fetch-explicit-missing", lambda tmp: datasets.fetch("mdb2020_openup", path=tmp / "nope.zip"), DataNotAvailableError, (r"No file for dataset 'mdb2020_openup' at the explicit path",)),
    Case(
        "fetch-png-named-zip",
        lambda tmp: datasets.fetch("mdb2020_openup", path=_png(tmp / "2021-demarcation.zip")),
        DataIntegrityError,
        (r"is not the registered 'mdb2020_openup'", r"sha256 [0-9a-f]{64}, registry expects", r"it was not used", r"Replace it with the file from https://"),
    ),
    Case(
        "fetch-other-zip",
        lambda tmp: datasets.fetch("mdb2020_openup", path=_zip(tmp / "other.zip")),
        DataIntegrityError,
        (r"not the registered 'mdb2020_openup'", r"not used"),
    ),
    Case("list-unknown-group", lambda tmp: datasets.list_datasets(group="roads"), UnknownDatasetError, (r"No dataset group 'roads'", r"boundaries", r"rasters")),
]


@pytest.mark.parametrize("case", params(CASES))
def test_bad_dataset_request(case, tmp_path, shared_data):
    expect(case, tmp_path)


def test_derived_dataset_offline_without_data_dir(isolated_cache):
    """Not on the machine and offline: the message names the dataset, the folder to provide and the command, in three lines at most."""
    with pytest.raises(DataNotAvailableError) as info:
        datasets.fetch("census2011_indicators")
    msg = str(info.value)
    assert "'census2011_indicators'" in msg and "DDMGEO_OFFLINE is set" in msg
    assert "export DDMGEO_DATA_DIR" in msg and "ddm data build census2011_indicators" in msg
    assert len(msg.splitlines()) <= 3


def test_corrupt_cached_copy_is_deleted_not_used(isolated_cache):
    """A bad file in the cache is never served: locate deletes it and reports nothing present."""
    from ddmgeo import _registry

    ds = _registry.get("mdb2020_openup")
    bad = isolated_cache / ds.path
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_bytes(b"<html>rate limited</html>")
    assert datasets.locate("mdb2020_openup") is None
    assert not bad.exists()


def test_verify_reports_the_wrong_file(tmp_path, shared_data):
    """verify() lists a wrong copy as a MISMATCH row with both checksums, never as ok."""
    table = datasets.verify(path=_png(tmp_path / "fake.zip"))
    wrong = table[table["where"] == str(tmp_path / "fake.zip")]
    assert len(wrong) and wrong["status"].str.startswith("MISMATCH: ").all() and wrong["status"].str.contains("expects").all()
