"""Frozen baselines: indicator values saved with their metadata and a checksum over both.

A baseline is the tidy table of :func:`baseline` with its metadata (:func:`ddmgeo.metadata`) holding what it is
(level, vintage, each indicator's year, source, unit and notes) and a SHA-256 digest of that
metadata together with every value. CSV files keep the metadata in a sidecar
``<name>.meta.json``; Parquet files in the file's key-value metadata. A file whose metadata is
missing, unreadable or does not match its values is refused.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__, _meta, settings
from .._numbers import read_year
from ..errors import DataIntegrityError

if TYPE_CHECKING:
    import os

    import pandas as pd

FORMAT = "ddmgeo-baseline/1"
#: the columns of a baseline, in order
COLUMNS = ("code", "name", "indicator", "year", "value", "numerator", "denominator", "unit", "source", "vintage")
_TEXT = ("code", "name", "indicator", "unit", "source")
_INT = ("year", "vintage")
_FLOAT = ("value", "numerator", "denominator")
PARQUET_KEY = b"ddmgeo.baseline"


def baseline(
    ids: str | Iterable[str],
    *,
    level: str = "district",
    year: int | None = None,
    vintage: int = settings.DEFAULT_VINTAGE,
) -> "pd.DataFrame":
    """Freeze indicator values as a baseline for later comparison.

    Parameters
    ----------
    ids : str or list of str
        Catalogue ids (:func:`ddmgeo.indicators.catalogue`).
    level : str, default "district"
        Any level :func:`ddmgeo.indicators.get` serves.
    year : int, optional
        The baseline year; by default each indicator's latest year.
    vintage : int, default 2016
        Boundary vintage of the codes (values of other vintages are moved to it, as in ``get``).

    Returns
    -------
    pandas.DataFrame
        ``code, name, indicator, year, value, numerator, denominator, unit, source, vintage``;
        its metadata (:func:`ddmgeo.metadata`) holds the level, vintage, per-indicator label, kind, unit,
        ``higher_is``, year, source and notes, when it was made, by which ddmgeo, and its ``digest``.
        Save it with :func:`save_baseline`: the saved file is refused if it is changed later.

    Examples
    --------
    >>> from ddmgeo import monitoring
    >>> b = monitoring.baseline(["population", "informal_dwelling_share"], year=2016)
    >>> len(b), b.indicator.unique().tolist()      # 52 district spaces x 2 indicators
    (104, ['population', 'informal_dwelling_share'])
    >>> monitoring.save_baseline(b, "baseline_2016.csv").name
    'baseline_2016.csv'
    """
    from .. import indicators

    t = indicators.get(ids, level=level, year=None if year is None else read_year(year), vintage=vintage, output="tidy")
    out = _typed(t[list(COLUMNS)].reset_index(drop=True))
    info = _meta.read(t)
    meta = {
        "format": FORMAT,
        "created": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        "ddmgeo_version": __version__,
        "level": level,
        "vintage": int(info.get("vintage")),
        "year_requested": None if year is None else int(year),
        "rows": len(out),
        "indicators": {
            i: {k: m[k] for k in ("label", "kind", "unit", "higher_is", "year", "source", "notes")} for i, m in info.indicators.items()
        },
    }
    meta["indicators"] = json.loads(json.dumps(meta["indicators"], default=_plain))
    meta["digest"] = _digest(out, meta)
    _meta.attach(out, meta)
    return out


def save_baseline(table: "pd.DataFrame", path: "str | os.PathLike[str]") -> Path:
    """Write a baseline to CSV (with a ``<name>.meta.json`` sidecar) or Parquet (metadata inside).

    Parameters
    ----------
    table : pandas.DataFrame
        A table made by :func:`baseline` (or read by :func:`load_baseline`), unchanged.
    path : str or path
        ``.csv`` or ``.parquet``.

    Returns
    -------
    pathlib.Path
        The file written (for CSV, the sidecar sits beside it).

    Raises
    ------
    DataIntegrityError
        The table has no baseline metadata, or was changed after it was made (a baseline is frozen).

    Examples
    --------
    >>> from ddmgeo import monitoring
    >>> monitoring.save_baseline(monitoring.baseline("population"), "population.parquet").name
    'population.parquet'
    """
    p = Path(path)
    kind = _kind(p)
    meta = _meta.read(table).as_dict()
    if meta.get("format") != FORMAT:
        raise DataIntegrityError(
            "This table is not a baseline (it has no baseline metadata, see ddmgeo.metadata(table)): make one with "
            "ddmgeo.monitoring.baseline(ids, year=...) and save that."
        )
    if list(table.columns) != list(COLUMNS):
        raise DataIntegrityError(f"A baseline has the columns {list(COLUMNS)}; this table has {list(table.columns)}. Save the table baseline() returned.")
    frame = _typed(table.reset_index(drop=True))
    if _digest(frame, meta) != meta.get("digest"):
        raise DataIntegrityError(
            "This baseline was changed after it was made (its values no longer match its checksum); a baseline is frozen. "
            "Make a new one with ddmgeo.monitoring.baseline(...) rather than editing it."
        )
    p.parent.mkdir(parents=True, exist_ok=True)
    if kind == "csv":
        frame.to_csv(p, index=False)
        _sidecar(p).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        arrow = pa.Table.from_pandas(frame, preserve_index=False)
        schema_meta = dict(arrow.schema.metadata or {})
        schema_meta[PARQUET_KEY] = json.dumps(meta, ensure_ascii=False).encode("utf-8")
        pq.write_table(arrow.replace_schema_metadata(schema_meta), p)
    return p


def load_baseline(path: "str | os.PathLike[str]") -> "pd.DataFrame":
    """Read a baseline written by :func:`save_baseline`, checking its metadata and values.

    Returns
    -------
    pandas.DataFrame
        The baseline as :func:`baseline` returned it, with its metadata (:func:`ddmgeo.metadata`).

    Raises
    ------
    FileNotFoundError
        There is no such file.
    DataIntegrityError
        The metadata is missing (a CSV without its ``.meta.json``, a Parquet file without
        ddmgeo's key) or unreadable, or the values or metadata were altered after saving.

    Examples
    --------
    >>> import ddmgeo
    >>> from ddmgeo import monitoring
    >>> monitoring.save_baseline(monitoring.baseline("population", year=2016), "baseline_2016.csv").name
    'baseline_2016.csv'
    >>> b = monitoring.load_baseline("baseline_2016.csv")
    >>> ddmgeo.metadata(b).indicators["population"]["year"]
    2016
    """
    import pandas as pd

    p = Path(path)
    kind = _kind(p)
    if not p.is_file():
        raise FileNotFoundError(f"No baseline file {str(p)!r}.")
    if kind == "csv":
        side = _sidecar(p)
        if not side.is_file():
            raise DataIntegrityError(
                f"{p.name} has no metadata file {side.name} beside it, so what its values are (years, sources, vintage) "
                "cannot be checked. Keep the two files together (save_baseline writes both), or make a new baseline."
            )
        try:
            meta = json.loads(side.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DataIntegrityError(f"The metadata file {side.name} is not valid JSON ({exc}); restore it or make a new baseline.") from None
        text = {c: str for c in _TEXT}
        try:
            frame = pd.read_csv(p, dtype=text, keep_default_na=False, na_values={c: [""] for c in _FLOAT})
        except (UnicodeDecodeError, ValueError) as exc:  # pandas' ParserError is a ValueError
            raise DataIntegrityError(
                f"{p.name} is not a baseline CSV ({type(exc).__name__}: {exc}); restore the file save_baseline wrote, or make a new baseline."
            ) from None
    else:
        import pyarrow.parquet as pq

        try:
            arrow = pq.read_table(p)
        except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
            raise DataIntegrityError(
                f"{p.name} is not a Parquet file ({type(exc).__name__}: {exc}); restore the file save_baseline wrote, or make a new baseline."
            ) from None
        raw = (arrow.schema.metadata or {}).get(PARQUET_KEY)
        if raw is None:
            raise DataIntegrityError(
                f"{p.name} has no ddmgeo baseline metadata (Parquet key {PARQUET_KEY.decode()!r}), so what its values are "
                "cannot be checked. Save baselines with ddmgeo.monitoring.save_baseline, or make a new one."
            )
        try:
            meta = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DataIntegrityError(f"The baseline metadata of {p.name} is not valid JSON ({exc}); make a new baseline.") from None
        frame = arrow.to_pandas()
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise DataIntegrityError(f"The metadata of {p.name} is not ddmgeo baseline metadata (format {FORMAT!r}); make a new baseline.")
    if list(frame.columns) != list(COLUMNS):
        raise DataIntegrityError(f"{p.name} has the columns {list(frame.columns)}, not a baseline's {list(COLUMNS)}: it was altered after saving.")
    try:
        frame = _typed(frame)
    except (TypeError, ValueError) as exc:
        raise DataIntegrityError(f"{p.name} has values that are not what a baseline holds ({exc}): it was altered after saving.") from None
    found = _digest(frame, meta)
    if found != meta.get("digest"):
        raise DataIntegrityError(
            f"{p.name} was altered after it was saved: its values or metadata no longer match the checksum recorded when it was "
            f"made ({str(meta.get('digest'))[:19]}..., now {found[:19]}...). Restore the original file"
            f"{' and its ' + _sidecar(p).name if kind == 'csv' else ''}, or make a new baseline."
        )
    _meta.attach(frame, meta)
    return frame


# ----------------------------------------------------------------------------- helpers


def _kind(p: Path) -> str:
    suffix = p.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    raise ValueError(f"A baseline is saved as .csv (with a .meta.json sidecar) or .parquet, not {p.name!r}.")


def _sidecar(p: Path) -> Path:
    return p.with_name(p.stem + ".meta.json")


def _typed(frame: "pd.DataFrame") -> "pd.DataFrame":
    """The baseline columns with one set of dtypes, whatever file they were read from."""
    import pandas as pd

    out = pd.DataFrame(index=range(len(frame)))
    for c in COLUMNS:
        col = frame[c].reset_index(drop=True)
        if c in _TEXT:
            if col.isna().any():
                raise ValueError(f"column {c!r} has empty cells")
            out[c] = col.astype(str)
        elif c in _INT:
            out[c] = pd.to_numeric(col, errors="raise").astype("int64")
        else:
            out[c] = pd.to_numeric(col, errors="raise").astype("float64")
    return out


def _number(v: float) -> str:
    return "" if v is None or math.isnan(v) else format(float(v), ".12g")


def _digest(frame: "pd.DataFrame", meta: dict) -> str:
    """SHA-256 over the metadata (without its digest) and every value, in a form CSV and Parquet both keep."""
    h = hashlib.sha256()
    head = {k: v for k, v in meta.items() if k != "digest"}
    h.update(json.dumps(head, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode())
    h.update(b"\x1e")
    cols = [frame[c].tolist() for c in COLUMNS]
    for values in zip(*cols):
        fields = []
        for c, v in zip(COLUMNS, values):
            fields.append(_number(v) if c in _FLOAT else str(int(v)) if c in _INT else str(v))
        h.update("\x1f".join(fields).encode("utf-8"))
        h.update(b"\n")
    return "sha256:" + h.hexdigest()


def _plain(v):
    """JSON for numpy scalars in the metadata."""
    try:
        return v.item()
    except AttributeError:
        return str(v)
