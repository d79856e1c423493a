"""A table's metadata: the typed view (ddmgeo.metadata), its writers, its storage, and the report convention."""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest

import ddmgeo
from ddmgeo import _cache, _core, _meta
from ddmgeo.budget import SpatialisedBudget
from ddmgeo.monitoring import TrackReport
from ddmgeo.overlays import PointsReport
from ddmgeo.tables import JoinReport

INDICATORS = {"value": {"label": "A value", "unit": "count", "higher_is": "neutral", "year": 2016, "source": "test", "notes": ""}}


def _frame() -> pd.DataFrame:
    frame = pd.DataFrame({"code": ["DC36", "DC35"], "value": [1.0, 2.0]})
    return _meta.attach(frame, level="district", vintage=2016, indicators=INDICATORS, notes=["a note"], datasets=["test_set"], raster="x.tif", no_cells=[])


@pytest.fixture
def cache_only(tmp_path, monkeypatch):
    """An empty user cache and no embedded core: products are built once, then read from the cache."""
    monkeypatch.setenv("DDMGEO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(_core, "read", lambda key, geo=False: None)
    _cache.clear_memo()
    yield tmp_path / "cache"
    _cache.clear_memo()


def test_metadata_survives_the_cache(cache_only):
    built = _cache.stored("test-meta", _frame)
    _cache.clear_memo()
    back = _cache.stored("test-meta", lambda: pytest.fail("read from the cache, not rebuilt"))
    assert back.attrs == built.attrs
    meta = _meta.read(back)
    assert meta == _meta.read(built)
    assert (meta.level, meta.vintage, meta.notes, meta.datasets) == ("district", 2016, ("a note",), ("test_set",))
    assert meta.indicators["value"]["label"] == "A value" and meta.extra == {"raster": "x.tif", "no_cells": []}


def test_metadata_survives_the_core_json():
    frame = _frame()
    stored = json.loads(json.dumps(frame.attrs, default=str))  # what the core's manifest keeps
    back = _cache.from_bytes(_cache.to_bytes(frame), stored, geo=False)
    assert _meta.read(back) == _meta.read(frame) and _meta.from_attrs(stored).datasets == ("test_set",)


def test_a_frame_without_metadata_reads_as_empty():
    for thing in (pd.DataFrame({"a": [1]}), None, object(), pd.DataFrame().assign(), _with_attrs({"ddmgeo": "junk"}), _with_attrs({"other": 1})):
        meta = ddmgeo.metadata(thing)
        assert meta == _meta.Metadata() and not meta
        assert meta.report is None and meta.level is None and meta.indicators == {} and meta.get("level", "none") == "none"


def _with_attrs(attrs: dict) -> pd.DataFrame:
    frame = pd.DataFrame({"a": [1]})
    frame.attrs.update(attrs)
    return frame


def test_the_typed_view_of_what_producers_store():
    frame = _with_attrs({"ddmgeo": {"vintage": np.int64(2016), "notes": "one note", "report": "3 points: 3 placed.", "start": 2011}})
    meta = ddmgeo.metadata(frame)
    assert meta.vintage == 2016 and type(meta.vintage) is int
    assert meta.notes == ("one note",)
    assert isinstance(meta.report, ddmgeo.Report) and str(meta.report) == "3 points: 3 placed."  # the dask engine's text
    assert meta.extra == {"start": 2011} and meta.get("start") == 2011
    assert meta.as_dict() == frame.attrs["ddmgeo"] and meta.as_dict() is not frame.attrs["ddmgeo"]


def test_the_writers_keep_the_stored_dict_plain_and_unshared():
    source = _frame()
    target = _meta.carry(source, pd.DataFrame({"code": ["DC36"]}), vintage=2011)
    assert target.attrs["ddmgeo"]["vintage"] == 2011 and source.attrs["ddmgeo"]["vintage"] == 2016
    _meta.update(target, extra_key=1)
    assert target.attrs["ddmgeo"]["level"] == "district" and "extra_key" not in source.attrs["ddmgeo"]
    made = _meta.attach(pd.DataFrame(), _meta.Metadata(level="ward", notes=("n",), extra={"k": 1}))
    assert made.attrs["ddmgeo"] == {"level": "ward", "notes": ["n"], "k": 1}
    assert type(made.attrs["ddmgeo"]) is dict and json.loads(json.dumps(made.attrs)) == made.attrs


@pytest.mark.parametrize("cls", [PointsReport, TrackReport, JoinReport, SpatialisedBudget])
def test_every_report_is_a_report(cls):
    assert issubclass(cls, ddmgeo.Report)
    for name in ("summary", "headline", "notes", "_repr_html_"):
        assert hasattr(cls, name) or name in cls.__dataclass_fields__


def test_a_report_prints_its_summary_and_heads_it():
    _, report = ddmgeo.read_table(pd.DataFrame({"district": ["Waterberg", "Atlantis"], "v": [1, 2]}))
    assert isinstance(report, ddmgeo.Report)
    assert str(report) == report.summary() and report.summary().splitlines()[0] == report.headline()
    points = PointsReport(n_points=2, n_assigned=2, outside=pd.DataFrame(), no_coordinates=pd.DataFrame(), areas="district 2016")
    assert str(points).startswith(points.headline()) and points.headline().startswith("2 points: 2 placed")


def test_copies_of_a_frame_share_its_report():
    t = ddmgeo.overlays.count_points(pd.DataFrame({"lon": [28.05, 27.9, None], "lat": [-26.2, -26.1, None]}))
    report = ddmgeo.metadata(t).report
    assert isinstance(report, PointsReport) and report is t.attrs["ddmgeo"]["report"]
    assert copy.deepcopy(report) is report
    assert ddmgeo.metadata(t.copy()).report is report and ddmgeo.metadata(t[t.n > 0]).report is report
    joined = pd.concat([t.iloc[:10], t.iloc[10:]])  # slices of one table still agree on their metadata
    assert ddmgeo.metadata(joined).report is report


def test_the_spatialised_budget_is_its_own_report():
    t = pd.DataFrame({"project": ["A"], "where": ["Waterberg"], "rand": [1_000]})
    result = ddmgeo.budget.spatialise(t, amount="rand", location="where")
    assert result.report is result and isinstance(result, ddmgeo.Report)
    assert result.headline() == result.summary().splitlines()[0] and list(result.notes) == ([result.population_note] if result.population_note else [])
