"""What a ddmgeo table says about itself: one typed view of its metadata, and one report convention.

Metadata. Every table ddmgeo returns carries a dict of plain, JSON-friendly values in
``frame.attrs["ddmgeo"]`` (the cache and the core store it as JSON beside the data; pandas carries
it through copies and selections; the report of :func:`ddmgeo.overlays.count_points` is the one
object in it). This module is the only code that reads or writes that dict: producers write with
:func:`attach`, :func:`update` and :func:`carry`; everything else reads with :func:`read` (public as
:func:`ddmgeo.metadata`), which returns a :class:`Metadata`: the fields most tables share, typed
(``level``, ``vintage``, ``indicators``, ``report``, ``notes``, ``dataset``, ``datasets``,
``sources``), and what one producer alone records in ``extra``. A frame without metadata reads as
an empty :class:`Metadata`, never an error.

Reports. A function returns its frame; what it noticed on the way (points outside every area,
rows without coordinates, a file's encoding) is a :class:`Report` at ``metadata(frame).report``.
A function that returns several frames returns a result object with a ``.report``
(:func:`ddmgeo.budget.spatialise`: the result is its own report). A function that returns a
``(frame, report)`` pair (:func:`ddmgeo.read_table`, :func:`ddmgeo.join`,
:func:`ddmgeo.monitoring.track`) keeps doing so: its report holds tables, and the stored metadata
of a frame a user goes on to save must stay JSON-serialisable (``DataFrame.to_parquet`` writes
``attrs`` as JSON). Every report prints as a human summary (``str(report)``,
:meth:`Report.summary`), has a one-line :meth:`Report.headline` and lists its ``notes``.

Examples
--------
>>> import ddmgeo, pandas as pd
>>> from ddmgeo import overlays
>>> t = overlays.count_points(pd.DataFrame({"lon": [28.05, None], "lat": [-26.2, None]}))
>>> meta = ddmgeo.metadata(t)
>>> meta.level, meta.vintage, isinstance(meta.report, ddmgeo.Report)
('district', 2016, True)
>>> print(meta.report.headline())
2 points: 1 placed in district 2016 areas, 0 outside every area, 1 without usable coordinates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

__all__ = ["Metadata", "Report", "TextReport", "attach", "carry", "from_attrs", "read", "update"]

#: the key of ``frame.attrs`` that holds ddmgeo's metadata
KEY = "ddmgeo"

F = TypeVar("F")

_EMPTY: Mapping[str, Any] = {}


class Report:
    """What a function noticed: the base of every ddmgeo report.

    A report is a record of what happened, made once: copies of a frame share it (a deep copy of a
    report is the report itself, so pandas carrying ``attrs`` through every selection stays cheap and
    tables cut from one frame still concatenate with their metadata).

    Subclasses give :meth:`summary` (the report as text, the headline first) and ``notes``; the
    rest follows from those.
    """

    #: anything else worth knowing, as sentences
    notes: Sequence[str] = ()

    def summary(self) -> str:
        """The report as text: the headline, then every problem and note."""
        raise NotImplementedError

    def headline(self) -> str:
        """One line: the first line of :meth:`summary`."""
        text = self.summary()
        return text.splitlines()[0] if text else ""

    def __str__(self) -> str:
        return self.summary()

    def __deepcopy__(self, memo: dict) -> Report:
        return self

    def _repr_html_(self) -> str:
        import html

        return f"<pre class='ddmgeo-report'>{html.escape(self.summary())}</pre>"


class TextReport(Report):
    """A report that is only its text (the counts of ``count_points(..., engine="dask")``)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def summary(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"<TextReport: {self.headline()}>"


# stored key -> Metadata field, for the fields most tables share
_COMMON = ("level", "vintage", "indicators", "report", "notes", "dataset", "datasets", "sources")


def _texts(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value else ()
    return tuple(str(v) for v in value)


@dataclass(frozen=True)
class Metadata:
    """The metadata of a ddmgeo table (see :func:`ddmgeo.metadata`).

    Attributes
    ----------
    level : str or None
        The level of the table's areas (``"district"``, ``"municipality"``, ``"province"``, ``"ward"``).
    vintage : int or None
        The boundary vintage its codes belong to.
    indicators : mapping
        Per value column: ``label``, ``unit``, ``higher_is``, ``year``, ``source``, ``notes`` (what a
        map legend, a workbook's definitions sheet and a profile print).
    report : Report or None
        What the function that made the table noticed (see :class:`Report`).
    notes : tuple of str
        Notes about the whole table.
    dataset : str or None
        The registered dataset the table was read from.
    datasets : tuple of str
        The registered datasets it was made from.
    sources : tuple of str
        The sources of its values.
    extra : mapping
        What one producer alone records (``geometry`` and ``attribution`` of boundaries, ``raster`` and
        ``no_cells`` of zonal statistics, ``points`` of a point layer, ``start`` and ``end`` of a change
        table, ...), by the names it stores them under.
    """

    level: str | None = None
    vintage: int | None = None
    indicators: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    report: Report | None = None
    notes: tuple[str, ...] = ()
    dataset: str | None = None
    datasets: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)
    _stored: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)

    def __bool__(self) -> bool:
        return bool(self._stored) if self._stored is not None else bool(self.as_dict())

    def get(self, key: str, default: Any = None) -> Any:
        """The value stored under *key* (a shared field or an ``extra`` one), else *default*."""
        return (self._stored if self._stored is not None else self.as_dict()).get(key, default)

    def as_dict(self) -> dict[str, Any]:
        """The metadata as stored: a plain dict (a copy), shared fields and ``extra`` keys alike."""
        if self._stored is not None:
            return dict(self._stored)
        out: dict[str, Any] = {}
        for name in _COMMON:
            value = getattr(self, name)
            if value is not None and not (isinstance(value, (tuple, Mapping)) and not value):
                out[name] = list(value) if isinstance(value, tuple) else dict(value) if isinstance(value, Mapping) else value
        out.update(self.extra)
        return out


def _vintage(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def from_attrs(attrs: Mapping[str, Any] | None) -> Metadata:
    """The :class:`Metadata` in an ``attrs`` mapping (a frame's, or one stored as JSON by the cache or core)."""
    stored = (attrs or _EMPTY).get(KEY)
    if not isinstance(stored, Mapping) or not stored:
        return Metadata()
    report = stored.get("report")
    if isinstance(report, str):
        report = TextReport(report)
    indicators = stored.get("indicators")
    return Metadata(
        level=stored.get("level"),
        vintage=_vintage(stored.get("vintage")),
        indicators=indicators if isinstance(indicators, Mapping) else {},
        report=report if isinstance(report, Report) else None,
        notes=_texts(stored.get("notes")),
        dataset=stored.get("dataset"),
        datasets=_texts(stored.get("datasets")),
        sources=_texts(stored.get("sources")),
        extra={k: v for k, v in stored.items() if k not in _COMMON},
        _stored=stored,
    )


def read(frame: object) -> Metadata:
    """The :class:`Metadata` of *frame* (empty for a frame, or any object, without ddmgeo metadata)."""
    return from_attrs(getattr(frame, "attrs", None))


def metadata(frame: object) -> Metadata:
    """What a ddmgeo table says about itself: its level, vintage, indicators, report and notes.

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        A table returned by ddmgeo (any other object gives an empty :class:`Metadata`).

    Returns
    -------
    Metadata
        The shared fields typed (``level``, ``vintage``, ``indicators``, ``report``, ``notes``,
        ``dataset``, ``datasets``, ``sources``) and the rest in ``extra``. ``report`` is the
        :class:`Report` of what the function that made the table noticed. The metadata is stored,
        JSON-friendly, in ``frame.attrs["ddmgeo"]``; this is the typed view of it.

    Examples
    --------
    >>> import ddmgeo
    >>> from ddmgeo import indicators
    >>> meta = ddmgeo.metadata(indicators.get("population", level="province"))
    >>> meta.level, meta.vintage, meta.indicators["population"]["unit"]
    ('province', 2016, 'persons')
    >>> ddmgeo.metadata(ddmgeo.districts()).extra["geometry"]
    'MDB 2020 delimitation (2016 codes), generalised by OpenUp; districts dissolved from its municipalities'
    >>> ddmgeo.metadata(None).report is None
    True
    """
    return read(frame)


def attach(frame: F, meta: Metadata | Mapping[str, Any] | None = None, /, **fields: Any) -> F:
    """Set *frame*'s metadata (replacing any) to *meta* with *fields* over it; return *frame*."""
    stored = meta.as_dict() if isinstance(meta, Metadata) else dict(meta or _EMPTY)
    stored.update(fields)
    frame.attrs[KEY] = stored  # type: ignore[attr-defined]
    return frame


def update(frame: F, /, **fields: Any) -> F:
    """Add *fields* to *frame*'s metadata (keeping the rest); return *frame*."""
    attrs = frame.attrs  # type: ignore[attr-defined]
    attrs[KEY] = {**(attrs.get(KEY) or _EMPTY), **fields}
    return frame


def carry(source: object, target: F, /, **fields: Any) -> F:
    """Give *target* the metadata of *source* (a copy), with *fields* over it; return *target*."""
    return attach(target, read(source).as_dict(), **fields)
