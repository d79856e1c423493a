"""Reading points: GeoDataFrames, tables with longitude/latitude columns, files and registry names.

Rows whose coordinates are missing, not numbers or out of range are **kept** with a
``None`` geometry; why each one has no geometry is recorded in
``ddmgeo.metadata(frame).extra["points"]["no_coordinates"]`` (row position -> reason) so that
:func:`ddmgeo.overlays.count_points` can list them in its report.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import _meta, settings
from .._columns import LAT_NAMES, LON_NAMES, coordinate_candidates
from .._numbers import parse_coordinates
from .._optional import require
from ..errors import CRSError, TableError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

_VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".fgb", ".parquet", ".geoparquet", ".kml", ".gml")
_TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xls")


def _find_column(columns: list[str], axis: str, what: str, option: str) -> str:
    """The one longitude (``axis="lon"``) or latitude column by ddmgeo's column vocabulary, or the fix."""
    hits = coordinate_candidates(columns, axis)
    names = tuple(n for g in (LON_NAMES if axis == "lon" else LAT_NAMES) for n in g)
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise TableError(
            f"Found no {what} column among {list(columns)}: name it {option}='...' "
            f"(columns called {', '.join(names)} or ending in '{what}' are found automatically, ignoring case)."
        )
    raise TableError(f"Several columns could hold the {what}: {hits}; choose one with {option}='...'.")


def _reasons(lon_raw, lat_raw, lon, lat, lon_bad, lat_bad, geographic: bool) -> dict[int, str]:
    import numpy as np

    out: dict[int, str] = {}
    lon_a, lat_a = lon.to_numpy(), lat.to_numpy()
    missing = np.isnan(lon_a) | np.isnan(lat_a)
    for pos in np.flatnonzero(missing | lon_bad.to_numpy() | lat_bad.to_numpy()):
        parts = []
        if lon_bad.iloc[pos]:
            parts.append(f"longitude {lon_raw.iloc[pos]!r} is not a number")
        if lat_bad.iloc[pos]:
            parts.append(f"latitude {lat_raw.iloc[pos]!r} is not a number")
        if not parts:
            parts.append("no coordinates" if (np.isnan(lon_a[pos]) and np.isnan(lat_a[pos])) else ("no longitude" if np.isnan(lon_a[pos]) else "no latitude"))
        out[int(pos)] = "; ".join(parts)
    if geographic:
        bad = ~missing & ((np.abs(lon_a) > 180) | (np.abs(lat_a) > 90))
        for pos in np.flatnonzero(bad):
            out[int(pos)] = f"coordinates out of range (lon {lon_a[pos]}, lat {lat_a[pos]}): are longitude and latitude swapped or projected?"
    return out


#: what the first bytes of a file of each kind look like (tables._sniff's descriptions)
_EXPECTED = {".csv": "text", ".tsv": "text", ".txt": "text", ".geojson": "text", ".json": "text", ".xlsx": "xlsx", ".xls": "xls", ".gpkg": "an SQLite database", ".parquet": "a Parquet file", ".geoparquet": "a Parquet file"}


def _check_content(p: Path, suffix: str) -> None:
    """Refuse a file whose content is not what its name says (a ZIP named .csv, an HTML page named .xlsx ...)."""
    from ..tables import _sniff

    expected = _EXPECTED.get(suffix)
    if expected is None:
        return
    with open(p, "rb") as f:
        head = f.read(4096)
    # a ZIP (an .xlsx workbook) is told apart by its member list, at the end of the file: read all of it
    kind, what = _sniff(p.read_bytes() if head.startswith(b"PK\x03\x04") else head)
    ok = kind == expected if expected in ("text", "xlsx", "xls") else what.startswith(expected)
    if not ok:
        raise TableError(f"{p.name} is named {suffix} but its content looks like {what}: check that the right file was saved or downloaded.")


def _read_table_file(p: Path, suffix: str, sheet: str | int | None, notes: list[str]) -> "pd.DataFrame":
    """A point table (.csv, .tsv, .txt, .xlsx, .xls) read by the rules of :func:`ddmgeo.read_table`.

    Text: UTF-8, UTF-16 (with its BOM) or Windows-1252, Excel's ``sep=;`` line and title rows above the
    header, delimiter detected (:func:`ddmgeo.tables._layout`); the cells are then parsed by pandas, so
    columns of numbers are numbers. Workbooks: the sheet by :func:`ddmgeo.tables._pick_sheet`'s rule
    (a workbook with several visible sheets needs ``sheet=``), read by read_table's own loader.
    """
    import io

    import pandas as pd

    from ..tables import _decode, _layout, _load, check_unique_columns

    if suffix in (".xlsx", ".xls"):
        require("openpyxl" if suffix == ".xlsx" else "xlrd", "excel", "to read points from Excel workbooks")
        frame, _, _, more, _ = _load(p, sheet)
        notes += more
        return frame.reset_index(drop=True).infer_objects()
    if sheet is not None:
        raise TableError(f"{p.name} is a text file, not a workbook: it has no sheets, so sheet={sheet!r} cannot be honoured. Leave sheet= (--sheet) out.")
    text, encoding = _decode(p.read_bytes(), p.name)
    delimiter, skip, more = _layout(text, suffix)
    notes += more
    if encoding in ("cp1252", "utf-16"):
        notes.append(f"the file is not UTF-8: read as {'Windows-1252 (cp1252)' if encoding == 'cp1252' else 'UTF-16'}")
    try:
        first = pd.read_csv(io.StringIO(text), sep=delimiter, skiprows=skip, nrows=1, header=None, dtype=str)
        if len(first):  # pandas would rename a second 'lon' to 'lon.1' and read the first silently
            check_unique_columns([None if pd.isna(c) else str(c).strip() for c in first.iloc[0]], p.name, header_line=skip + 1)
        return pd.read_csv(io.StringIO(text), sep=delimiter, skiprows=skip)
    except pd.errors.EmptyDataError:
        raise TableError(f"{p.name} holds no table: it is empty or every line is blank.") from None
    except pd.errors.ParserError as exc:
        raise TableError(
            f"{p.name} cannot be read as a table of points ({exc}): a row has more cells than the header, often an "
            f"unquoted {delimiter!r} inside a value; quote such values or remove the extra separators."
        ) from None


def _read_path(data: str | os.PathLike, sheet: str | int | None = None, notes: list[str] | None = None) -> "pd.DataFrame":
    """The table or layer a path or registry name holds; what was noticed while reading it goes to *notes*."""
    import pandas as pd

    notes = [] if notes is None else notes
    p = Path(data).expanduser()
    if not p.exists():
        from .. import _registry, datasets
        from ..errors import UnknownDatasetError

        name = str(data)
        try:
            _registry.get(name)
        except (UnknownDatasetError, KeyError):
            raise FileNotFoundError(f"{name!r} is neither a file nor a registered dataset (see `ddm data list`).") from None
        p = datasets.fetch(name)
    suffix = p.suffix.lower()
    _check_content(p, suffix)
    if sheet is not None and suffix not in _TABLE_SUFFIXES:
        raise TableError(f"{p.name} is not a workbook: sheet={sheet!r} (--sheet) applies to .xlsx and .xls files only; leave it out.")
    if suffix in _VECTOR_SUFFIXES:
        import geopandas as gpd

        if suffix in (".parquet", ".geoparquet"):
            try:
                return gpd.read_parquet(p)
            except ValueError:  # a plain parquet table
                return pd.read_parquet(p)
        return gpd.read_file(p, engine="pyogrio")
    if suffix in _TABLE_SUFFIXES:
        return _read_table_file(p, suffix, sheet, notes)
    raise TableError(f"Cannot read points from {p.name}: use .csv, .tsv, .xlsx, .geojson, .gpkg, .shp, .fgb or .parquet.")


def with_crs(gdf: "gpd.GeoDataFrame", crs: Any) -> "gpd.GeoDataFrame":
    """*gdf* with a CRS: its own, else *crs*; without either, the CRSError that says how to set one."""
    if gdf.crs is not None:
        return gdf
    if crs is None:
        raise CRSError(
            "The points have no CRS: set it with gdf.set_crs('EPSG:4326') (longitude/latitude) or pass crs=, "
            "so ddmgeo does not guess."
        )
    return gdf.set_crs(crs)


def _own_points(data: "gpd.GeoDataFrame", crs: Any, source: str | None, notes: list[str]) -> "gpd.GeoDataFrame":
    """A GeoDataFrame of points in EPSG:4326, with why each row without a usable point has none."""
    import numpy as np
    import shapely
    from pyproj import CRS

    gdf = with_crs(data.copy(), crs)
    if crs is not None and data.crs is not None and CRS.from_user_input(crs) != gdf.crs:
        raise CRSError(f"crs={crs!r} contradicts the GeoDataFrame's own CRS {gdf.crs.to_string()}: drop crs= or fix the data.")
    geoms = gdf.geometry.values
    types = shapely.get_type_id(np.asarray(geoms))
    wrong = ~np.isin(types, (-1, 0)) & ~shapely.is_empty(np.asarray(geoms))
    if wrong.any():
        kinds = sorted(set(gdf.geometry[wrong].geom_type))
        raise TableError(
            f"{int(wrong.sum())} geometries are {kinds}, not points: for lines use line_length, for polygons overlap, "
            "or pass gdf.representative_point() to place each feature by one point."
        )
    if not gdf.crs.equals(CRS.from_user_input(settings.STORAGE_CRS)):
        gdf = gdf.to_crs(settings.STORAGE_CRS)
    empty = np.asarray(gdf.geometry.isna() | gdf.geometry.is_empty)
    xy = shapely.get_coordinates(np.asarray(gdf.geometry.values)[~empty]) if (~empty).any() else np.empty((0, 2))
    bad_xy = np.zeros(len(gdf), bool)
    bad_xy[np.flatnonzero(~empty)] = ~np.isfinite(xy).all(axis=1)
    reasons = {int(i): "empty or missing geometry" for i in np.flatnonzero(empty)}
    reasons.update({int(i): "coordinates not finite after the CRS transformation" for i in np.flatnonzero(bad_xy)})
    if bad_xy.any():
        gdf.loc[bad_xy, gdf.geometry.name] = None
    _meta.update(gdf, points={"source": source, "lon": None, "lat": None, "rows": len(gdf), "no_coordinates": reasons, "notes": notes})
    return gdf


def read_points(
    data: "pd.DataFrame | gpd.GeoDataFrame | str | os.PathLike",
    *,
    lon: str | None = None,
    lat: str | None = None,
    crs: Any = None,
    sheet: str | int | None = None,
) -> "gpd.GeoDataFrame":
    """Points as a GeoDataFrame in EPSG:4326, one row per input row, nothing dropped.

    Parameters
    ----------
    data : GeoDataFrame, DataFrame, path or registry name
        A GeoDataFrame of points (it must have a CRS, or pass ``crs=``; another CRS is
        transformed to EPSG:4326), a DataFrame with longitude/latitude columns, a file
        (.csv, .tsv, .xlsx, .geojson, .gpkg, .shp, .fgb, .parquet) or the name of a
        registered point dataset (``dsfsi_hospitals``, ``dbe_schools_2017q1``, ...).
    lon, lat : str, optional
        The coordinate columns of a table. By default found by name, ignoring case:
        ``lon/long/longitude/lng/x`` and ``lat/latitude/y``, else one column ending in
        ``longitude``/``latitude`` (``GIS_Longitude``).
    crs : optional
        CRS of the coordinates of a table (default EPSG:4326), or the CRS to give a
        GeoDataFrame that has none.
    sheet : str or int, optional
        The sheet of a workbook, by name or 0-based position. Without it a workbook is read
        from its only visible sheet; one with several visible sheets raises a TableError listing
        them. Text files are read as :func:`ddmgeo.read_table` reads them (UTF-8, UTF-16 or
        Windows-1252; Excel's ``sep=;`` line and title rows above the header skipped); what was
        noticed is in ``ddmgeo.metadata(pts).extra["points"]["notes"]`` and the :class:`PointsReport`.

    Returns
    -------
    geopandas.GeoDataFrame
        The input's columns and index plus ``geometry`` in EPSG:4326. Rows with missing,
        non-numeric or out-of-range coordinates keep a ``None`` geometry; their reasons
        are in ``ddmgeo.metadata(pts).extra["points"]["no_coordinates"]`` (row position -> reason),
        which :func:`count_points` reports.

    Raises
    ------
    CRSError
        A GeoDataFrame without CRS (and no ``crs=``), or a ``crs=`` that contradicts it.
    TableError
        No (or several candidate) coordinate columns; geometries that are not points.

    Examples
    --------
    >>> import ddmgeo, pandas as pd
    >>> from ddmgeo.overlays import read_points
    >>> pts = read_points(pd.DataFrame({"Long": [28.05, "various"], "Lat": [-26.2, None]}))
    >>> pts.geometry.isna().tolist(), ddmgeo.metadata(pts).extra["points"]["no_coordinates"]
    ([False, True], {1: "longitude 'various' is not a number"})
    """
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import shapely
    from pyproj import CRS

    source = None
    notes: list[str] = []
    if isinstance(data, (str, os.PathLike)):
        source = str(data)
        data = _read_path(data, sheet, notes)
    elif sheet is not None:
        raise TableError(f"sheet={sheet!r} names a sheet of a workbook file, but the points are a {type(data).__name__}: leave sheet= out.")
    if isinstance(data, gpd.GeoDataFrame) and lon is None and lat is None:
        return _own_points(data, crs, source, notes)

    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"Points must be a GeoDataFrame, a DataFrame with lon/lat columns, a file or a registry name, not {type(data).__name__}.")
    frame = pd.DataFrame(data).copy()
    if isinstance(data, gpd.GeoDataFrame):
        frame = frame.drop(columns=[data.geometry.name])
    cols = list(frame.columns)
    lon_col = lon if lon is not None else _find_column(cols, "lon", "longitude", "lon")
    lat_col = lat if lat is not None else _find_column(cols, "lat", "latitude", "lat")
    for c, opt in ((lon_col, "lon"), (lat_col, "lat")):
        if c not in frame.columns:
            raise TableError(f"{opt}={c!r} is not a column; the table has {cols}.")
    if lon_col == lat_col:
        raise TableError(f"The longitude and latitude column are the same ({lon_col!r}): name both with lon= and lat=.")
    src_crs = CRS.from_user_input(crs if crs is not None else settings.STORAGE_CRS)
    x, x_bad = parse_coordinates(frame[lon_col])
    y, y_bad = parse_coordinates(frame[lat_col])
    reasons = _reasons(frame[lon_col], frame[lat_col], x, y, x_bad, y_bad, src_crs.is_geographic)
    ok = np.ones(len(frame), bool)
    ok[list(reasons)] = False
    xs, ys = x.to_numpy(float), y.to_numpy(float)
    if not src_crs.equals(CRS.from_user_input(settings.STORAGE_CRS)):
        from pyproj import Transformer

        t = Transformer.from_crs(src_crs, settings.STORAGE_CRS, always_xy=True)
        xs, ys = np.array(xs), np.array(ys)
        xs[ok], ys[ok] = t.transform(xs[ok], ys[ok])
        fin = np.isfinite(xs) & np.isfinite(ys)
        for pos in np.flatnonzero(ok & ~fin):
            reasons[int(pos)] = f"coordinates ({x.iloc[pos]}, {y.iloc[pos]}) cannot be transformed from {src_crs.to_string()}"
        ok &= fin
    geoms = np.full(len(frame), None, dtype=object)
    if ok.any():
        geoms[ok] = shapely.points(xs[ok], ys[ok])
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, index=frame.index, crs=settings.STORAGE_CRS), crs=settings.STORAGE_CRS)
    _meta.attach(gdf, points={"source": source, "lon": str(lon_col), "lat": str(lat_col), "rows": len(gdf), "no_coordinates": dict(sorted(reasons.items())), "notes": notes})
    return gdf


def _first_rows(table: "pd.DataFrame", attr: str, header: str, rest) -> list[str]:
    """A report listing: *header*, the first 10 rows as ``row, index, rest(row)``, and how many more."""
    if not len(table):
        return []
    lines = [header + ":"] + [f"  {r.row}\t{r.index}\t{rest(r)}" for r in table.head(10).itertuples(index=False)]
    if len(table) > 10:
        lines.append(f"  ... and {len(table) - 10:,} more (report.{attr})")
    return lines


@dataclass(eq=False)
class PointsReport(_meta.Report):
    """What happened to every point of :func:`count_points`: nothing is dropped silently.

    Attributes
    ----------
    n_points : int
        Rows of the input.
    n_assigned : int
        Points placed in an area (each in exactly one).
    outside : pandas.DataFrame
        Points with coordinates that lie in no area: ``row`` (0-based position),
        ``index`` (the input's index label), ``lon``, ``lat`` (EPSG:4326).
    no_coordinates : pandas.DataFrame
        Rows without usable coordinates: ``row``, ``index``, ``reason``.
    on_boundary : int
        Points on the boundary of two or more areas, given to the first of them in
        area order (the documented tie rule).
    missing_weights : dict
        Per weight column, how many assigned points had no value (not counted in the sum).
    areas : str
        Which areas (``"district 2016"``, ``"9 areas (areas=)"``).
    snapped : pandas.DataFrame
        Points just outside the (generalised) boundaries placed in the nearest area within
        ``snap_km``: ``row``, ``index``, ``lon``, ``lat``, ``code``, ``distance_km``.
    notes : list of str
        What was noticed while reading a point file: its encoding, a title row or Excel's
        ``sep=`` line skipped, the sheet read.
    """

    n_points: int
    n_assigned: int
    outside: "pd.DataFrame"
    no_coordinates: "pd.DataFrame"
    on_boundary: int = 0
    missing_weights: dict = field(default_factory=dict)
    areas: str = ""
    snapped: pd.DataFrame | None = None
    notes: list = field(default_factory=list)

    def summary(self) -> str:
        """The report as text: the counts, then the first rows of each list."""
        lines = [
            f"{self.n_points:,} points: {self.n_assigned:,} placed in {self.areas} areas, "
            f"{len(self.outside):,} outside every area, {len(self.no_coordinates):,} without usable coordinates"
            + (f"; {self.on_boundary:,} on a shared boundary (given to the first area in code order)" if self.on_boundary else "")
            + (f"; {len(self.snapped):,} just outside the boundaries placed in the nearest area" if self.snapped is not None and len(self.snapped) else "")
            + "."
        ]
        for col, n in self.missing_weights.items():
            if n:
                lines.append(f"{n:,} placed points have no value in {col!r} (left out of its sum).")
        lines += [f"Note: {n}" for n in self.notes]
        lines += _first_rows(self.outside, "outside", "Outside every area (row, index, lon, lat)", lambda r: f"{r.lon:.5f}\t{r.lat:.5f}")
        lines += _first_rows(self.no_coordinates, "no_coordinates", "Without coordinates (row, index, reason)", lambda r: r.reason)
        if self.snapped is not None:
            lines += _first_rows(self.snapped, "snapped", "Snapped to the nearest area (row, index, code, km)", lambda r: f"{r.code}\t{r.distance_km:.1f}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"PointsReport(n_points={self.n_points}, n_assigned={self.n_assigned}, outside={len(self.outside)}, "
            f"no_coordinates={len(self.no_coordinates)}, on_boundary={self.on_boundary})"
        )
