"""Export boundaries and results as GeoParquet, for joins at any scale in DuckDB, Apache Sedona or BigQuery.

Examples
--------
>>> import ddmgeo
>>> ddmgeo.io.to_geoparquet("district", "districts.parquet").name
'districts.parquet'
>>> ddmgeo.io.to_geoparquet(ddmgeo.indicators.get("population"), "pop.parquet").name
'pop.parquet'
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from . import _meta, settings
from ._optional import require
from .errors import CRSError, DDMGeoWarning

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = ["to_geopackage", "to_geoparquet", "to_workbook"]


def to_geoparquet(data, path, *, level: str | None = None, vintage: int = settings.DEFAULT_VINTAGE) -> Path:
    """Write boundaries, or a table keyed by ``code`` with the boundaries' geometry, as GeoParquet.

    Parameters
    ----------
    data : str, DataFrame or GeoDataFrame
        A level name (``"district"``, ``"municipality"``, ``"province"``, ``"ward"``) for the
        boundaries themselves; a GeoDataFrame (written as it is, in EPSG:4326); or a DataFrame with a
        ``code`` column, joined to the boundaries of ``level`` (default: the level in its
        metadata, :func:`ddmgeo.metadata`, else ``"district"``) — every area kept, missing values stay missing.
    path : path-like
        Output file (``.parquet``). Written with a bounding-box covering column (GeoParquet 1.1), so
        DuckDB and Sedona can prune row groups.

    Returns
    -------
    pathlib.Path
    """
    import geopandas as gpd
    import pandas as pd

    from .areas import boundaries

    if isinstance(data, str):
        gdf = boundaries(data, vintage=2021 if data == "ward" else vintage)
    elif isinstance(data, gpd.GeoDataFrame):
        if data.crs is None:
            raise CRSError("The GeoDataFrame has no CRS: set it (gdf.set_crs(...)) before exporting.")
        gdf = data.to_crs(settings.STORAGE_CRS)
    elif isinstance(data, pd.DataFrame):
        if "code" not in data.columns:
            raise KeyError("A table to export needs a 'code' column (ddmgeo.read_table adds one from area names).")
        lvl = level or _meta.read(data).level or "district"
        b = boundaries(lvl, vintage=2021 if lvl == "ward" else vintage)[["code", "geometry"]]
        extra = [c for c in data.columns if c != "geometry"]
        gdf = gpd.GeoDataFrame(b.merge(pd.DataFrame(data)[extra], on="code", how="left"), geometry="geometry", crs=b.crs)
    else:
        raise TypeError(f"Cannot export a {type(data).__name__}: pass a level name, a DataFrame keyed by code, or a GeoDataFrame.")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    gdf = gdf.copy()
    gdf.attrs = {}
    try:
        gdf.to_parquet(out, index=False, write_covering_bbox=True)
    except TypeError:  # geopandas < 1.0
        gdf.to_parquet(out, index=False)
    return out


#: Excel number formats by unit: percentages stay numbers (0.281 shown as 28.1 %)
_EXCEL_FORMATS = {
    "proportion": "0.0%",
    "share": "0.0%",
    "rand": '"R" #,##0',
    "persons": "#,##0",
    "households": "#,##0",
    "count": "#,##0",
    "municipalities": "#,##0",
    "km²": "#,##0.0",
}


def to_workbook(
    data,
    path,
    *,
    units: dict | None = None,
    definitions: "pd.DataFrame | None" = None,
    notes: list[str] | None = None,
) -> Path:
    """Write a table (or several) as an Excel workbook: data sheets, a definitions sheet and a notes sheet.

    Numbers stay numbers: shares are written as fractions with a percentage format, counts
    and amounts with thousands separators, so the sheet can be computed on. Catalogue
    indicator columns get a label with their unit and year, and a row in the definitions sheet
    (id, definition, unit, year, source, notes, licence).

    Parameters
    ----------
    data : DataFrame or dict of str to DataFrame
        One table (sheet "data"), or sheet name -> table. Tables from
        :func:`ddmgeo.indicators.get` carry their metadata (:func:`ddmgeo.metadata`).
    path : path-like
        The ``.xlsx`` file.
    units : dict, optional
        Column -> unit for columns without catalogue metadata (``"proportion"``, ``"rand"``, ...).
    definitions : DataFrame, optional
        Extra rows for the definitions sheet.
    notes : list of str, optional
        Lines for the notes sheet (sources, caveats, errata).

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import ddmgeo
    >>> t = ddmgeo.indicators.get(["population", "unemployment_rate"])
    >>> ddmgeo.io.to_workbook(t, "districts.xlsx").name
    'districts.xlsx'
    """
    import pandas as pd

    from . import _optional

    _optional.require("openpyxl", "excel", "to write Excel workbooks")
    sheets = {"data": data} if isinstance(data, pd.DataFrame) else dict(data)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            labelled, formats, defs = _labelled(frame, units or {})
            rows += [dict(d, sheet=name[:31]) for d in defs]
            labelled.to_excel(writer, sheet_name=name[:31], index=False)
            _format_sheet(writer.sheets[name[:31]], labelled, formats)
        table = pd.DataFrame(rows, columns=["sheet", "column", "id", "definition", "unit", "year", "source", "notes", "licence"])
        if definitions is not None:
            table = pd.concat([table, definitions], ignore_index=True)
        table.to_excel(writer, sheet_name="definitions", index=False)
        _format_sheet(writer.sheets["definitions"], table, {}, wrap=True)
        pd.DataFrame({"notes": list(notes or []) + [_ATTRIBUTION]}).to_excel(writer, sheet_name="notes", index=False)
        _format_sheet(writer.sheets["notes"], None, {}, wrap=True)
    return out


_ATTRIBUTION = (
    "Statistics: Statistics South Africa and the other sources in the definitions sheet, used under their terms; "
    "boundaries © Municipal Demarcation Board. The analysis is the user's own, made with ddmgeo."
)


def _labelled(frame: "pd.DataFrame", units: dict) -> tuple["pd.DataFrame", dict, list[dict]]:
    """The frame with labelled headers, the Excel format of each header, and the definition rows."""
    import pandas as pd

    attrs = _meta.read(frame)
    meta = attrs.indicators
    out = pd.DataFrame(frame).copy()
    if "geometry" in out.columns:
        out = out.drop(columns="geometry")
    rename, formats, defs = {}, {}, []
    for col in out.columns:
        m = meta.get(col)
        unit = (m or {}).get("unit") or units.get(col, "")
        header = col
        if m:
            u = {"proportion": "%"}.get(unit, unit)
            header = f"{m['label']} ({u}, {m['year']})" if u else f"{m['label']} ({m['year']})"
            defs.append({"column": header, "id": col, "definition": _definition(col, m.get("year"), attrs.get("level", "district")), "unit": unit, "year": m.get("year"), "source": m.get("source", ""), "notes": m.get("notes", ""), "licence": _licence(m.get("source", ""))})
        elif unit:
            defs.append({"column": col, "id": col, "definition": "", "unit": unit})
        rename[col] = header
        if unit in _EXCEL_FORMATS:
            formats[header] = _EXCEL_FORMATS[unit]
    return out.rename(columns=rename), formats, defs


def _definition(ind: str, year, level: str) -> str:
    """The catalogue's definition of the source that gave the figures (its notes, else its label)."""
    from ._catalogue import choose
    from .errors import DDMGeoError

    try:
        d = choose(ind, int(year) if year else None, level)
    except (KeyError, ValueError, TypeError, DDMGeoError):
        return ""
    return d.notes or d.label


def _licence(sources: str) -> str:
    from . import _registry

    out = []
    for name in [s for s in str(sources).split(";") if s]:
        try:
            out.append(_registry.get(name).licence)
        except KeyError:
            continue
    return " | ".join(dict.fromkeys(out))


def _format_sheet(ws, frame: "pd.DataFrame | None", formats: dict, *, wrap: bool = False) -> None:
    """Bold header, frozen first row, column widths, number formats; long text wrapped."""
    Alignment = require("openpyxl.styles").Alignment
    Font = require("openpyxl.styles").Font

    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    for column in ws.iter_cols(min_row=1, max_row=ws.max_row):
        header = column[0].value
        fmt = formats.get(header)
        width = min(max(len(str(c.value or "")) for c in column[: min(len(column), 200)]) + 2, 60 if wrap else 40)
        ws.column_dimensions[column[0].column_letter].width = max(width, 10)
        for c in column[1:]:
            if fmt is not None:
                c.number_format = fmt
            if wrap:
                c.alignment = Alignment(wrap_text=True, vertical="top")


def to_geopackage(layers: "Mapping[str, gpd.GeoDataFrame]", path, *, replace: bool = False) -> list[str]:
    """Write one or several layers into a GeoPackage, keeping the file's other layers.

    A GeoPackage holds many layers (boundaries of several levels, placed projects and the
    rows left unallocated, ...). Each layer of *layers* is written under its name, replacing a
    layer of that name; the file's other layers stay unless ``replace=True`` starts a new file.

    Parameters
    ----------
    layers : dict of str to GeoDataFrame
        Layer name -> layer (stored in its own CRS; ddmgeo's layers are EPSG:4326).
    path : str or Path
        The ``.gpkg`` file.
    replace : bool, default False
        Remove the file first, so that it holds only *layers*.

    Returns
    -------
    list of str
        The names of every layer the file now holds.

    Examples
    --------
    >>> import ddmgeo
    >>> ddmgeo.io.to_geopackage({"district_2016": ddmgeo.districts(),
    ...                          "province_2016": ddmgeo.boundaries("province")}, "ddm.gpkg")  # doctest: +SKIP
    ['district_2016', 'province_2016']
    """
    import pyogrio

    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise ValueError(f"{path.name}: a GeoPackage file name ends in .gpkg")
    if not layers:
        raise ValueError("no layer to write: give at least one {name: GeoDataFrame}")
    bad = [name for name in layers if not name or not str(name).strip()]
    if bad:
        raise ValueError("every layer needs a non-empty name")
    path.parent.mkdir(parents=True, exist_ok=True)
    if replace and path.exists():
        path.unlink()
    for name, gdf in layers.items():
        gdf.to_file(path, layer=str(name), driver="GPKG", engine="pyogrio")
    return [str(n) for n in pyogrio.list_layers(path)[:, 0]]


_LAUNDERED = re.compile(r"Normalized/laundered field name: '(.*)' to '(.*)'")
_TRUNCATED = "Column names longer than 10 characters will be truncated"


def _write_vector(gdf: "gpd.GeoDataFrame", path) -> Path:
    """Write a layer with pyogrio (``.geojson``, ``.json``, ``.fgb``, ``.shp``) and say what the format changed.

    A shapefile keeps field names of at most 10 characters: GDAL truncates and renames longer ones
    (``province_code`` -> ``province_c``, a second one ``province_1``) and warns once per field. Those
    warnings are replaced by one :class:`~ddmgeo.errors.DDMGeoWarning` listing every old -> new name,
    so the renamed columns can be found; any other warning is passed on as it came.
    """
    out = Path(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gdf.to_file(out, engine="pyogrio")
    renamed: list[tuple[str, str]] = []
    for w in caught:
        text = str(w.message)
        m = _LAUNDERED.search(text)
        if m:
            renamed.append((m.group(1), m.group(2)))
        elif not text.startswith(_TRUNCATED):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if renamed:
        pairs = "; ".join(f"{old!r} -> {new!r}" for old, new in renamed)
        warnings.warn(
            f"{out.name}: a shapefile keeps field names of at most 10 characters, so {len(renamed)} field(s) were renamed: "
            f"{pairs}. Write .gpkg or .parquet to keep the names as they are.",
            DDMGeoWarning,
            stacklevel=2,
        )
    return out
