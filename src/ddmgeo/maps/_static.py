"""Slide-ready static maps with matplotlib: choropleths, district maps, bivariate and proportional symbols."""

from __future__ import annotations

import datetime as _dt
import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import __version__, _draw, _meta, settings
from .._cartographic import MAP_CRS, projected
from .._format import NO_DATA_LABEL, format_value
from .._optional import needs, require
from ..errors import DataNotAvailableError, DDMGeoWarning, RawCountWarning, TableError

if TYPE_CHECKING:
    from pathlib import Path

    import geopandas as gpd
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_PLURAL = {"district": "District spaces", "municipality": "Municipalities", "province": "Provinces", "ward": "Wards"}
SIZES = {"slide": (13.333, 7.5), "a4": (11.69, 8.27), "a4-portrait": (8.27, 11.69)}
# matplotlib keyword arguments of a no-data patch (Any: each keyword has its own type)
log = logging.getLogger(__name__)

NO_DATA: dict[str, Any] = dict(facecolor="#f4f4f4", edgecolor="#9a9a9a", hatch="////", linewidth=0.3)
INK = "#222222"
#: the subtitle's words for each classification scheme
SCHEME_TEXT = {
    "quantiles": "quantile classes (about as many areas in each)",
    "equal_interval": "equal-interval classes",
    "natural_breaks": "natural-breaks classes",
    "fisher_jenks": "Fisher-Jenks classes",
    "user_defined": "classes with the given bounds",
}
#: layout of a map figure (fractions of the figure): the map on the left, legend and inset on the right
MAP_BOX = (0.005, 0.05, 0.6, 0.84)
LEGEND_ANCHOR = (0.615, 0.66)
INSET_BOX = (0.64, 0.08, 0.2, 0.36)
# 3 x 3 bivariate palette ("DkViolet" of the R package biscale); rows: y class low->high, columns: x class
# low->high. Chosen because its nine colours stay apart for colour-blind readers: under a simulated
# deuteranopia (Machado et al. 2009) the closest two differ by 18.7 CIELAB units (13.0 for protanopia),
# where the purple-blue palette used before dropped to 5.7 (tests/test_maps.py checks it).
BIVARIATE = (("#cabed0", "#89a1c8", "#4885c1"), ("#bc7c8f", "#806a8a", "#435786"), ("#ae3a4e", "#77324c", "#3f2949"))


# ----------------------------------------------------------------------------- data


@dataclass
class _Layer:
    frame: "gpd.GeoDataFrame"  # in MAP_CRS, with the value column
    column: str
    label: str
    unit: str
    higher_is: str
    year: object
    source: str
    kind: str = ""  # the catalogue's kind (count, share, rate, ...) when known


def _indicator_meta(column: str, attrs: dict) -> tuple[str, str, str, object, str, str]:
    meta = _meta.from_attrs(attrs).indicators.get(column)
    if meta:
        return meta["label"], meta["unit"], meta.get("higher_is", "neutral"), meta.get("year"), meta.get("source", ""), meta.get("kind", "")
    try:
        from .._catalogue import first

        d = first(column)
        return d.label, d.unit, d.higher_is, None, d.dataset, d.kind
    except KeyError:
        return column.replace("_", " "), "", "neutral", None, "", ""


def _prepare(data, column: str, level: str, vintage: int, tolerance: float | None, *, points: bool = False) -> _Layer:
    import geopandas as gpd
    import pandas as pd

    if data is None:
        from .. import indicators

        data = indicators.get(column, level=level, vintage=vintage)
    attrs = getattr(data, "attrs", {}) or {}
    if column not in data.columns:
        raise TableError(f"Column {column!r} is not in the data; it has {list(data.columns)}. Pass column= one of them.")
    label, unit, higher, year, source, kind = _indicator_meta(column, attrs)
    if isinstance(data, gpd.GeoDataFrame) and _has_geometry(data):  # the caller's own geometry
        frame = _own_geometry(data, points=points).to_crs(MAP_CRS)
        frame[column] = _numbers(frame, column)
    else:
        if "code" not in data.columns:
            raise TableError("The table needs a 'code' column (ddmgeo.read_table adds one from area names).")
        base = projected(level, vintage, tolerance)
        values = pd.DataFrame(data)[["code", column]]
        if values["code"].duplicated().any():
            dup = sorted(values.loc[values["code"].duplicated(), "code"].unique())[:5]
            raise TableError(f"Codes {dup} appear more than once; a map needs one value per area (aggregate first).")
        values[column] = _numbers(values, column)
        known = set(base["code"])
        unknown = sorted(set(values["code"].dropna().astype(str)) - known)
        if unknown and len(unknown) == values["code"].nunique():
            raise TableError(
                f"None of the table's codes are {level} areas of the {vintage} boundaries (e.g. {unknown[:5]}): pass the "
                "level= (and vintage=) the codes belong to, or resolve area names with ddmgeo.read_table."
            )
        if unknown:
            warnings.warn(
                f"{len(unknown)} code(s) of the table are not {level} areas of the {vintage} boundaries and are not drawn: "
                f"{unknown[:10]}. Pass the level= and vintage= of the codes; move 2011 codes to 2016 with "
                "ddmgeo.indicators.harmonise.",
                DDMGeoWarning,
                stacklevel=4,
            )
        frame = base.drop(columns=[column], errors="ignore").merge(values, on="code", how="left")
    frame[column] = pd.to_numeric(frame[column])
    return _Layer(frame, column, label, unit, higher, year, source, kind)


def _has_geometry(data: "gpd.GeoDataFrame") -> bool:
    import shapely

    geoms = np.asarray(data.geometry.values)
    return bool((~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)).any())


def _numbers(table: "pd.DataFrame", column: str) -> "pd.Series":
    """The column as finite numbers (NaN = no data); TableError naming the areas whose cells are text or infinite."""
    import pandas as pd

    raw = table[column]
    where = table["code"] if "code" in table.columns else pd.Series(table.index, index=table.index)
    if pd.api.types.is_bool_dtype(raw):
        raise TableError(f"Column {column!r} holds true/false values, not numbers: map a count or a share.")
    values = pd.to_numeric(raw, errors="coerce") if not pd.api.types.is_numeric_dtype(raw) else raw.astype(float)
    text = raw.notna() & values.isna() & ~raw.astype(str).str.strip().isin(("", "nan", "NaN", "None"))
    if text.any():
        shown = ", ".join(f"{w} {v!r}" for w, v in zip(where[text][:5], raw[text][:5]))
        raise TableError(
            f"Column {column!r} holds values that are not numbers ({shown}{' ...' if text.sum() > 5 else ''}): they would "
            "be drawn as 'No data'. Read the table with ddmgeo.read_table (it reads '1 234', 'R 3,2 mil', '12%') or "
            "convert the column with pd.to_numeric, leaving missing values blank."
        )
    infinite = np.isinf(values.to_numpy(dtype=float))
    if infinite.any():
        shown = ", ".join(f"{w} {v!r}" for w, v in zip(where[infinite][:5], raw[infinite][:5]))
        raise TableError(f"Column {column!r} has values that are not finite ({shown}): replace them with the real values, or NaN for no data.")
    return values.astype(float)


def _own_geometry(data: "gpd.GeoDataFrame", *, points: bool = False) -> "gpd.GeoDataFrame":
    """The caller's polygons (or points, for symbols), checked: a CRS, coordinates that fit it, no empty rows and
    no other geometry type; invalid polygons repaired."""
    import shapely

    from ..errors import CRSError, GeometryRepairedWarning

    if data.crs is None:
        raise CRSError("The GeoDataFrame has no CRS: set it (gdf.set_crs(...)) before mapping.")
    geoms = np.asarray(data.geometry.values)
    label = data["code"].astype(str).to_numpy() if "code" in data.columns else np.asarray([f"row {i}" for i in data.index])
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if empty.any():
        raise TableError(
            f"{int(empty.sum())} area(s) have no geometry ({', '.join(label[empty][:5])}): there is nothing to draw for them. "
            "Drop those rows, or map the table by code on ddmgeo's boundaries (pass a DataFrame with a 'code' column)."
        )
    types = shapely.get_type_id(geoms)
    wrong = ~np.isin(types, (0, 3, 6) if points else (3, 6))
    if wrong.any():
        kinds = sorted({shapely.get_type_id(g) for g in geoms[wrong]})
        names = {0: "Point", 1: "LineString", 2: "LinearRing", 4: "MultiPoint", 5: "MultiLineString", 7: "GeometryCollection"}
        raise TableError(
            f"This map draws {'points or polygons' if points else 'polygons'}; {', '.join(label[wrong][:5])} are "
            f"{[names.get(k, k) for k in kinds]}. Map points with maps.proportional_symbols, or add other features as a "
            "layer of maps.district_map / maps.interactive."
        )
    if data.crs.is_geographic:
        x0, y0, x1, y1 = shapely.total_bounds(geoms)
        if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
            raise CRSError(
                f"The GeoDataFrame says it is in {data.crs.to_string()} (longitude/latitude) but its coordinates reach "
                f"({x0:.6g}, {y0:.6g}) to ({x1:.6g}, {y1:.6g}): they are projected (metres). Set the CRS they are really in "
                "with gdf.set_crs(..., allow_override=True)."
            )
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        data = data.copy()
        data.loc[bad, data.geometry.name] = shapely.make_valid(geoms[bad], method="structure", keep_collapsed=False)
        warnings.warn(
            f"{int(bad.sum())} invalid polygon(s) were repaired with shapely.make_valid before mapping (none dropped): "
            f"{', '.join(label[bad][:10])}",
            GeometryRepairedWarning,
            stacklevel=5,
        )
    return data


# ----------------------------------------------------------------------------- formatting


def _cmap_for(higher_is: str, cmap: str | None):
    matplotlib = require("matplotlib")

    name = cmap or {"worse": "OrRd", "better": "YlGnBu"}.get(higher_is, "Blues")
    return matplotlib.colormaps[name]


# ----------------------------------------------------------------------------- classification


def _quietly(classifier, y: np.ndarray, **kwargs):
    """A mapclassify classifier of *y*, without mapclassify's own notices ("Not enough unique values in array
    to form 3 classes. Setting k to 2."): they speak of its internals, and ddmgeo's maps say in their legend
    or notes how many classes they drew."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return classifier(y, **kwargs)


def classify(values: "pd.Series", scheme: str, k: int, bins: Sequence[float] | None):
    """mapclassify classes of the non-missing values."""
    mapclassify = require("mapclassify", "maps", "to classify map values")

    y = values.dropna().to_numpy(dtype=float)
    if len(y) == 0:
        raise DataNotAvailableError("Every value is missing: there is nothing to classify (the map would be all 'No data').")
    schemes = {
        "quantiles": "Quantiles",
        "equal_interval": "EqualInterval",
        "natural_breaks": "NaturalBreaks",
        "fisher_jenks": "FisherJenks",
        "user_defined": "UserDefined",
    }
    if scheme not in schemes:
        raise ValueError(f"Unknown scheme {scheme!r}: use one of {', '.join(schemes)}.")
    if scheme == "user_defined":
        if not bins:
            raise ValueError("scheme='user_defined' needs bins=[upper bound of each class, ...].")
        b = np.asarray(list(bins), dtype=float)
        if not np.isfinite(b).all() or (np.diff(b) <= 0).any():
            raise ValueError(f"bins={list(bins)!r}: give the upper bound of each class in increasing order, e.g. [0.1, 0.2, 0.5].")
        return mapclassify.UserDefined(y, bins=list(bins))
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k={k!r}: the number of classes is a whole number of at least 1 (5 by default).")
    k = max(1, min(int(k), len(np.unique(y))))
    return _quietly(mapclassify.classify, y, scheme=schemes[scheme], k=k)


def _class_of(values: "pd.Series", classifier) -> np.ndarray:
    """Class index per row (-1 for missing)."""
    out = np.full(len(values), -1, dtype=int)
    ok = values.notna().to_numpy()
    out[ok] = classifier.find_bin(values.to_numpy(dtype=float)[ok])
    return out


def legend_entries(classifier, values: "pd.Series", unit: str) -> list[tuple[str, int]]:
    """(label, count) per class, with value ranges; then the No-data entry when values are missing."""
    bins = list(classifier.bins)
    lows = [float(np.nanmin(values))] + bins[:-1]
    counts = np.bincount(_class_of(values, classifier)[values.notna().to_numpy()], minlength=len(bins))
    def label(lo, hi) -> str:
        a, b = format_value(lo, unit), format_value(hi, unit)
        return a if a == b else f"{a} – {b}"  # a class of equal values (e.g. zero spend) shows the value once

    entries = [(label(lo, hi), int(n)) for lo, hi, n in zip(lows, bins, counts)]
    n_missing = int(values.isna().sum())
    if n_missing:
        entries.append((NO_DATA_LABEL, n_missing))
    return entries


# ----------------------------------------------------------------------------- furniture


def _figure(size: str | tuple[float, float], ax: "Axes | None") -> tuple["Figure", "Axes"]:
    plt = require("matplotlib.pyplot")

    if ax is not None:
        return ax.figure, ax
    figsize = SIZES.get(size, size) if isinstance(size, str) else size
    if isinstance(figsize, str):
        raise ValueError(f"Unknown size {size!r}: use 'slide', 'a4', 'a4-portrait' or (width, height) in inches.")
    fig = plt.figure(figsize=figsize)
    ax = fig.add_axes(MAP_BOX)
    return fig, ax


#: how neighbouring countries are drawn behind South Africa's areas (a warm grey, apart from the areas' greys)
COUNTRY = dict(facecolor="#f1eee6", edgecolor="#aaa499", linewidth=0.5)


def _finish_axes(ax: "Axes", *, countries: bool = True) -> list[str]:
    """Turn the axes into a map frame; draw the neighbouring countries in view behind the areas.

    Returns the names of the countries drawn (for a legend entry)."""
    ax.set_axis_off()
    ax.set_aspect("equal")
    ax.apply_aspect()  # the frame's final size, so that a country's name is kept only where it fits
    drawn = _countries(ax) if countries else []
    remember(ax.figure, countries=drawn)
    return drawn


def _countries(ax: "Axes") -> list[str]:
    """Draw the neighbouring countries inside the current view, keeping the view, and name those that have room."""
    import shapely
    from shapely.ops import polylabel

    from .._cartographic import neighbours

    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    try:
        shapes = neighbours().to_crs(MAP_CRS)
    except DataNotAvailableError as exc:  # a backdrop: the map stands without it, and the log says why
        log.info("neighbouring countries not drawn: %s", exc)
        return []
    view = shapely.box(x0, y0, x1, y1)
    shown = shapes.set_geometry(shapely.intersection(shapes.geometry.values, view))
    shown = shown[~shown.geometry.is_empty].reset_index(drop=True)
    land = shown[shown["kind"] == "land"]
    _draw.polygons(ax, land.geometry.values, facecolor=COUNTRY["facecolor"], zorder=0)
    _draw.lines(ax, shown.geometry.values[shown["kind"] == "border"], color=COUNTRY["edgecolor"], linewidth=COUNTRY["linewidth"], zorder=0.5)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    renderer, frame = ax.figure.canvas.get_renderer(), ax.get_window_extent()
    for name, geom in zip(land["name"], land.geometry.values):
        part = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
        if part.area < 0.004 * view.area:  # a sliver at the frame's edge stays unnamed
            continue
        spot = polylabel(part, tolerance=1000.0)  # the point farthest from the edges, frame included
        text = ax.text(spot.x, spot.y, name.upper(), ha="center", va="center", fontsize=7, color="#8f8a80", style="italic", zorder=1)
        box = text.get_window_extent(renderer=renderer)
        if not (frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1):
            text.remove()
    return land["name"].tolist()


def scale_bar(ax: "Axes", *, location: tuple[float, float] = (0.05, 0.05)) -> None:
    """A scale bar of a round length about a fifth of the map's width (axes in metres)."""
    Rectangle = require("matplotlib.patches").Rectangle

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    target = (x1 - x0) / 5
    nice = 10 ** math.floor(math.log10(target))
    length = max(m * nice for m in (1, 2, 5) if m * nice <= target)
    x = x0 + location[0] * (x1 - x0)
    y = y0 + location[1] * (y1 - y0)
    h = (y1 - y0) * 0.008
    ax.add_patch(Rectangle((x, y), length / 2, h, facecolor=INK, edgecolor=INK, lw=0.6, zorder=10))
    ax.add_patch(Rectangle((x + length / 2, y), length / 2, h, facecolor="white", edgecolor=INK, lw=0.6, zorder=10))
    km = length / 1000
    ax.text(x, y + 2.2 * h, "0", ha="center", va="bottom", fontsize=7, color=INK, zorder=10)
    ax.text(x + length, y + 2.2 * h, f"{km:g} km", ha="center", va="bottom", fontsize=7, color=INK, zorder=10)


def north_arrow(ax: "Axes", *, location: tuple[float, float] = (0.95, 0.9)) -> None:
    ax.annotate(
        "N",
        xy=location,
        xytext=(location[0], location[1] - 0.08),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=10,
        fontweight="bold",
        color=INK,
        arrowprops=dict(facecolor=INK, edgecolor=INK, width=3, headwidth=9, headlength=9),
        zorder=10,
    )


def source_line(fig: "Figure", source: str) -> None:
    today = _dt.date.today().isoformat()
    text = f"Source: {source}. " if source else ""
    text += f"Boundaries © Municipal Demarcation Board (generalised). Map: ddmgeo {__version__}, {today}."
    fig.text(0.01, 0.015, text, fontsize=7, color="#555555", ha="left", va="bottom", wrap=True)


def _title(fig: "Figure", title: str, subtitle: str | None = None) -> None:
    import textwrap

    width = int(95 * fig.get_figwidth() / 13.333)
    title = "\n".join(textwrap.wrap(title, width)[:2])
    wrapped = "\n" in title
    fig.text(0.01, 0.965, title, fontsize=14 if wrapped else 17, fontweight="bold", color=INK, ha="left", va="top")
    if subtitle:
        fig.text(0.01, 0.87 if wrapped else 0.915, subtitle, fontsize=10, color="#444444", ha="left", va="top")


def _legend(fig: "Figure", handles, title: str, *, anchor=LEGEND_ANCHOR) -> None:
    leg = fig.legend(handles=handles, title=title, loc="center left", bbox_to_anchor=anchor, frameon=False, fontsize=10, title_fontsize=11, alignment="left")
    leg.get_title().set_fontweight("bold")


def _plot_classes(ax, frame, classes: np.ndarray, colours: list) -> None:
    geoms = frame.geometry.values
    have = classes >= 0
    _draw.polygons(ax, geoms[have], facecolors=[colours[c] for c in classes[have]], edgecolor="white", linewidth=0.3)
    if (~have).any():
        _draw.polygons(ax, geoms[~have], **NO_DATA)


def _outlines(ax, level: str, vintage: int, *, tolerance: float | None = None, lw: float = 0.9) -> None:
    if level in ("district", "municipality", "ward"):
        prov = projected("province", vintage if level != "ward" else settings.DEFAULT_VINTAGE, tolerance)
        _draw.lines(ax, prov.geometry.values, color="#3a3a3a", linewidth=lw)


def _patches(colours, entries):
    Patch = require("matplotlib.patches").Patch

    handles = [Patch(facecolor=c, edgecolor="#777777", linewidth=0.4, label=f"{lab}  ({n})") for c, (lab, n) in zip(colours, entries)]
    if len(entries) > len(colours):  # the No-data entry
        lab, n = entries[-1]
        handles.append(Patch(label=f"{lab}  ({n})", **NO_DATA))
    return handles


def _gauteng_inset(fig, main_ax, frame, classes, colours, level: str, vintage: int) -> None:
    """Gauteng's three metros and two districts are too small at national scale: show them enlarged."""
    Rectangle = require("matplotlib.patches").Rectangle

    prov = projected("province", vintage, None)
    gt = prov.loc[prov.code == "GT"]
    if gt.empty:
        return
    xmin, ymin, xmax, ymax = gt.total_bounds
    pad = 0.05 * (xmax - xmin)
    inset = fig.add_axes(INSET_BOX)
    sel = frame.cx[xmin:xmax, ymin:ymax]
    idx = frame.index.get_indexer(sel.index)
    _plot_classes(inset, sel, classes[idx], colours)
    _draw.lines(inset, gt.geometry.values, color="#3a3a3a", linewidth=0.9)
    inset.set_xlim(xmin - pad, xmax + pad)
    inset.set_ylim(ymin - pad, ymax + pad)
    inset.set_aspect("equal")
    inset.set_xticks([])
    inset.set_yticks([])
    for s in inset.spines.values():
        s.set_edgecolor("#777777")
        s.set_linewidth(0.6)
    inset.set_title("Gauteng (enlarged)", fontsize=9, loc="left", color=INK)
    _label_areas(inset, sel.assign(_ink=_ink_on(colours, classes[idx])), clip=(xmin - pad, ymin - pad, xmax + pad, ymax + pad), fontsize=7, color=INK, fit=True)
    main_ax.add_patch(Rectangle((xmin - pad, ymin - pad), xmax - xmin + 2 * pad, ymax - ymin + 2 * pad, fill=False, edgecolor="#777777", lw=0.6))


# ----------------------------------------------------------------------------- public makers


@needs("matplotlib", "mapclassify", extra="maps", purpose="to draw static maps")
def choropleth(
    data=None,
    column: str | None = None,
    *,
    level: str = "district",
    vintage: int = settings.DEFAULT_VINTAGE,
    scheme: str = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    cmap: str | None = None,
    title: str | None = None,
    legend_title: str | None = None,
    source: str | None = None,
    size: str | tuple[float, float] = "slide",
    inset: bool = True,
    provinces: bool = True,
    tolerance: float | None = None,
    area: str | None = None,
    labels: bool | None = None,
    ax: "Axes | None" = None,
) -> "Figure":
    """A choropleth of one indicator for a level of areas, ready for a slide.

    Parameters
    ----------
    data : DataFrame, GeoDataFrame or None
        A table keyed by ``code`` (joined to the cartographic boundaries of *level*; areas
        without a row are drawn as "No data"), a GeoDataFrame with its own geometry, or
        None to fetch the catalogue indicator *column* with :func:`ddmgeo.indicators.get`.
    column : str
        The column (or catalogue id) to map.
    scheme : {"quantiles", "equal_interval", "natural_breaks", "fisher_jenks", "user_defined"}
        mapclassify scheme; ``user_defined`` takes ``bins`` (upper bounds).
    k : int, default 5
        Number of classes.
    cmap : str, optional
        Matplotlib colormap; by default darker means worse for ``higher_is=worse``
        indicators (OrRd), better for ``better`` (YlGnBu), more for neutral (Blues).
    size : "slide" (16:9, default), "a4", "a4-portrait" or (width, height) inches.
    inset : bool, default True
        Add an enlarged Gauteng inset on national maps of districts or municipalities.
    area : str, optional
        A province or district space (anything :func:`ddmgeo.resolve` accepts) as the extent: only
        its areas are classified and drawn, neighbours in grey for context.
    labels : bool, optional
        Name the areas on the map (labels that do not fit their area are left out). Default: on for
        district spaces and for maps of one province or district, off for the 213 municipalities.

    Warns
    -----
    RawCountWarning
        The column is a count (population, households): big areas look important whatever the
        count; map a share or a density, or use :func:`proportional_symbols`.

    Returns
    -------
    matplotlib.figure.Figure
        Legend with class ranges (units) and counts; missing values hatched and labelled
        "No data", never a class; province outlines, scale bar, north arrow and source line.

    Examples
    --------
    >>> from ddmgeo import maps
    >>> fig = maps.choropleth(column="unemployment_rate")          # doctest: +SKIP
    >>> maps.save(fig, "unemployment.png")                          # doctest: +SKIP
    """
    if column is None:
        raise ValueError("Name the column (or catalogue indicator id) to map: column='unemployment_rate'.")
    layer = _prepare(data, column, level, vintage, tolerance)
    frame = layer.frame.reset_index(drop=True)
    context = None
    where = None
    if area is not None:
        frame, context, where = _within(frame, area, level, vintage)
    values = frame[column]
    classifier = classify(values, scheme, k, bins)
    classes = _class_of(values, classifier)
    cm = _cmap_for(layer.higher_is, cmap)
    n = len(classifier.bins)
    colours = [cm(0.15 + 0.8 * i / max(n - 1, 1)) for i in range(n)]
    fig, ax_ = _figure(size, ax)
    if layer.kind == "count":  # once the arguments are known to be good: a call refused for them does not warn first
        warnings.warn(
            f"{column} is a count: shaded areas compare sizes of places, not conditions. Map a share or a density "
            f"(e.g. divide by population or area_km2), or draw ddmgeo.maps.proportional_symbols(..., column={column!r}).",
            RawCountWarning,
            stacklevel=3,
        )
    if context is not None:
        _draw.polygons(ax_, context.geometry.values, facecolor="#ececec", edgecolor="white", linewidth=0.5)
    _plot_classes(ax_, frame, classes, colours)
    if where is not None:
        _draw.lines(ax_, where.geometry.values, color=INK, linewidth=1.4, zorder=3)
        _fit_view(ax_, where)
    elif provinces:
        _outlines(ax_, level, vintage, tolerance=None)
    _finish_axes(ax_)
    national = where is None and level in ("district", "municipality") and "code" in frame and frame["code"].nunique() > 40
    with_inset = ax is None and inset and national
    if "name" in frame and (labels if labels is not None else (level == "district" or where is not None)):
        inked = frame.assign(_ink=_ink_on(colours, classes))
        named = inked[inked["province_code"] != "GT"] if with_inset and "province_code" in frame else inked  # Gauteng is named in its inset
        _label_areas(ax_, named, fontsize=7 if where is None else 9, color=INK, fit=True)
    scale_bar(ax_)
    north_arrow(ax_)
    entries = legend_entries(classifier, values, layer.unit)
    if ax is None:
        year = f", {layer.year}" if layer.year else ""
        place = f" of {where['name'].iloc[0]}" if where is not None else ""
        heading = title or f"{layer.label}{year}" + (f" – {where['name'].iloc[0]}" if where is not None else "")
        _title(fig, heading, f"{_PLURAL.get(level, level)}{place}, {vintage} demarcation; {SCHEME_TEXT.get(scheme, scheme.replace('_', ' ') + ' classes')}")
        _legend(fig, _patches(colours, entries), legend_title or _unit_title(layer))
        source_line(fig, source or _source_text(layer.source))
        if with_inset:
            _gauteng_inset(fig, ax_, frame, classes, colours, level, vintage)
    remember(fig, legend=entries, bins=list(classifier.bins))  # for tests and reports: what the legend says
    return fig


def _within(frame: "gpd.GeoDataFrame", area: str, level: str, vintage: int) -> tuple["gpd.GeoDataFrame", "gpd.GeoDataFrame", "gpd.GeoDataFrame"]:
    """The areas of *frame* inside *area* (a province or district space), the others for context, and *area*'s outline."""
    from ..errors import UnknownAreaError
    from ..names import resolve

    code = resolve(area, vintage=vintage)
    for outer in ("province", "district"):
        shapes = projected(outer, vintage, None)
        where = shapes[shapes.code == code]
        if not where.empty:
            break
    else:
        raise UnknownAreaError(f"area={area!r} ({code}) is neither a province nor a district space: a map's extent is one of those.", value=area)
    column = f"{outer}_code"
    if level == outer:
        inside = np.zeros(len(frame), bool)
    elif column in frame:
        inside = (frame[column] == code).to_numpy()
    else:  # the caller's own geometry: the parents come from the codes
        parents = dict(zip(*projected(level, vintage, None)[["code", column]].to_numpy().T)) if "code" in frame else {}
        inside = (frame["code"].map(parents) == code).to_numpy() if parents else np.zeros(len(frame), bool)
    if not inside.any():  # (a district on a map of districts would be one patch of colour)
        raise TableError(f"No {level} areas lie in {where['name'].iloc[0]} ({code}): map a finer level, e.g. level='municipality'.")
    return frame[inside].reset_index(drop=True), frame[~inside], where


def _fit_view(ax, where: "gpd.GeoDataFrame", pad: float = 0.06) -> None:
    """Zoom *ax* to *where*, keeping the axes' aspect (the neighbours fill the margins)."""
    x0, y0, x1, y1 = where.total_bounds
    box = ax.get_position()
    fw, fh = ax.figure.get_size_inches()
    aspect = (box.width * fw) / (box.height * fh)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_w = max(x1 - x0, (y1 - y0) * aspect) * (0.5 + pad)
    ax.set_xlim(cx - half_w, cx + half_w)
    ax.set_ylim(cy - half_w / aspect, cy + half_w / aspect)
    ax.set_autoscale_on(False)


def remember(fig: Figure, **facts: object) -> None:
    """Keep what a map shows on its figure (``fig._ddmgeo_legend``, ``_ddmgeo_bins`` ...), for tests and reports."""
    for name, value in facts.items():
        setattr(fig, f"_ddmgeo_{name}", value)


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def _unit_title(layer: _Layer) -> str:
    if layer.unit == "proportion":
        return "Per cent"
    return layer.unit[:1].upper() + layer.unit[1:] if layer.unit else layer.label


def _source_text(source: str) -> str:
    if not source:
        return ""
    from .. import _registry

    names = []
    for s in source.split(";"):
        try:
            names.append(_registry.get(s).attribution)
        except KeyError:
            names.append(s)
    return "; ".join(dict.fromkeys(names))


@needs("matplotlib", "mapclassify", extra="maps", purpose="to draw static maps")
def district_map(
    area: str,
    *,
    layers: dict | None = None,
    vintage: int = settings.DEFAULT_VINTAGE,
    title: str | None = None,
    size: str | tuple[float, float] = "slide",
    source: str | None = None,
) -> "Figure":
    """One district space with its municipalities, neighbours greyed, and optional layers.

    Parameters
    ----------
    area : str
        Anything :func:`ddmgeo.resolve` accepts for a district space ("Waterberg", "DC36", "Cacadu").
    layers : dict, optional
        ``{"Hospitals": points_gdf, "Rivers": lines_gdf, ...}``: GeoDataFrames (any CRS) drawn
        over the district, points as markers, lines as lines, polygons translucent. Only the points
        inside the district space are drawn and counted in the legend ("Hospitals (16)"), so a
        national layer can be passed as it is.

    Examples
    --------
    >>> from ddmgeo import maps
    >>> fig = maps.district_map("Waterberg")                         # doctest: +SKIP
    """
    import geopandas as gpd
    import shapely

    Line2D = require("matplotlib.lines").Line2D
    Patch = require("matplotlib.patches").Patch

    from ..names import resolve

    figsize = SIZES.get(size, size) if isinstance(size, str) else size
    if isinstance(figsize, str) or len(figsize) != 2:
        raise ValueError(f"Unknown size {size!r}: use 'slide', 'a4', 'a4-portrait' or (width, height) in inches.")
    code = resolve(area, level="district", vintage=vintage)
    districts = projected("district", vintage, 0.0)
    munis = projected("municipality", vintage, 0.0)
    target = districts[districts.code == code]
    own = munis[munis.district_code == code]
    xmin, ymin, xmax, ymax = target.total_bounds
    w, h = xmax - xmin, ymax - ymin
    figsize = SIZES.get(size, size) if isinstance(size, str) else size
    aspect = MAP_BOX[2] * figsize[0] / (MAP_BOX[3] * figsize[1])
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    half_w = max(w, h * aspect) * 0.56
    half_h = half_w / aspect
    fig, ax = _figure(size, None)
    view = districts.cx[cx - half_w : cx + half_w, cy - half_h : cy + half_h]
    _draw.polygons(ax, view[view.code != code].geometry.values, facecolor="#ececec", edgecolor="white", linewidth=0.8)
    palette = ["#fde9c9", "#d7ecd9", "#dbe4f3", "#f6d8df", "#e6dcf1", "#d9f0ee", "#f9f1c8", "#eadfd3"]
    own = own.reset_index(drop=True)
    _draw.polygons(ax, own.geometry.values, facecolors=[palette[i % len(palette)] for i in range(len(own))], edgecolor="#6b6b6b", linewidth=0.6)
    _draw.lines(ax, target.geometry.values, color=INK, linewidth=1.8, zorder=3)
    metro = target["category"].iloc[0] == "A"
    handles = [
        Patch(facecolor=palette[0], edgecolor="#6b6b6b", label="Metropolitan municipality" if metro else "Local municipality"),
        Patch(facecolor="#ececec", edgecolor="white", label="Neighbouring district space"),
    ]
    shape = shapely.union_all(target.geometry.values)
    shapely.prepare(shape)
    country = shapely.union_all(districts.geometry.values).envelope.buffer(50_000) if layers else None
    markers = iter(["o", "s", "^", "D", "v", "P"])
    colours = iter(["#c0392b", "#2c7fb8", "#1b7837", "#8e44ad", "#d35400", "#34495e"])
    for name, gdf in (layers or {}).items():
        if not isinstance(gdf, gpd.GeoDataFrame):
            raise TypeError(f"layer {name!r} must be a GeoDataFrame, not {type(gdf).__name__}.")
        if gdf.crs is None:
            from ..errors import CRSError

            raise CRSError(f"layer {name!r} has no CRS: set it with .set_crs(...) (e.g. EPSG:4326 for lon/lat).")
        whole = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty].to_crs(MAP_CRS)
        families = sorted({t.replace("Multi", "").replace("LinearRing", "LineString") for t in whole.geom_type})
        if len(families) > 1:
            raise TableError(f"layer {name!r} mixes {', '.join(families)} geometries: pass one layer per kind, e.g. layers={{'{name} (points)': gdf[gdf.geom_type == 'Point'], ...}}.")
        away = ~shapely.intersects(country, whole.geometry.values) if len(whole) else np.zeros(0, bool)
        if len(whole) and away.mean() > 0.5:  # most of the layer lies outside South Africa: a CRS or axis-order slip
            warnings.warn(
                f"layer {name!r}: {int(away.sum())} of {len(whole)} features are not drawn (they lie outside South Africa). Check the layer's CRS "
                "and whether longitude and latitude are swapped.",
                DDMGeoWarning,
                stacklevel=2,
            )
        kind = whole.geom_type.iloc[0] if len(whole) else "Point"
        if "Point" in kind:  # points: only those inside the district space are drawn and counted
            g = whole[shapely.intersects_xy(shape, whole.geometry.x.to_numpy(), whole.geometry.y.to_numpy())]
        else:
            g = whole.cx[cx - half_w : cx + half_w, cy - half_h : cy + half_h]
        colour = next(colours, "#333333")
        if "Point" in kind:
            marker = next(markers, "o")
            few = len(g) < 100  # a sparse layer (hospitals) is drawn larger and above a dense one (schools)
            ax.scatter(g.geometry.x, g.geometry.y, color=colour, s=30 if few else 14, marker=marker, edgecolor="white", linewidth=0.5, zorder=6 if few else 5)
            handles.append(Line2D([], [], marker=marker, color="none", markerfacecolor=colour, markeredgecolor="white", markersize=7, label=f"{name} ({len(g)})"))
        elif "Line" in kind:
            _draw.lines(ax, g.geometry.values, color=colour, linewidth=1.2, zorder=4)
            handles.append(Line2D([], [], color=colour, linewidth=1.5, label=name))
        else:
            _draw.polygons(ax, g.geometry.values, facecolor=colour, alpha=0.35, edgecolor=colour, linewidth=0.6, zorder=3)
            handles.append(Patch(facecolor=colour, alpha=0.35, edgecolor=colour, label=name))
    ax.set_xlim(cx - half_w, cx + half_w)
    ax.set_ylim(cy - half_h, cy + half_h)
    if _finish_axes(ax):
        handles.insert(2, Patch(label="Neighbouring country", **COUNTRY))
    _label_areas(ax, own, fontsize=9, color=INK, weight="bold")
    neighbours = view[(view.code != code)]
    _label_areas(ax, neighbours, fontsize=8, color="#8a8a8a", style="italic", clip=(cx - half_w, cy - half_h, cx + half_w, cy + half_h))
    scale_bar(ax)
    north_arrow(ax)
    name = target["name"].iloc[0]
    cat = "metropolitan municipality" if metro else "district municipality"
    area_km2 = target["area_km2"].iloc[0]
    area_text = f"{area_km2:,.0f}".replace(",", "\u202f")
    _title(fig, title or f"{name} ({code})", f"{cat.capitalize()}, {settings.PROVINCES[target['province_code'].iloc[0]]}; {len(own)} municipalit{'y' if len(own) == 1 else 'ies'}; {area_text} km²")
    _legend(fig, handles, "Legend")
    source_line(fig, source or "")
    return fig


def _ink_on(colours, classes: np.ndarray) -> list[str]:
    """A label colour per area that reads on its fill: white on dark classes, ink on light ones and on no data
    (text stays text in SVG and PDF, unlike a halo drawn with path effects)."""
    to_rgb = require("matplotlib.colors").to_rgb

    def dark(c) -> bool:
        r, g, b = to_rgb(c)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.42

    return ["white" if k >= 0 and dark(colours[k]) else INK for k in classes]


def _label_areas(ax, frame, *, clip=None, fit: bool = False, **text_kw) -> int:
    """Label areas at a point inside each, nudging a label up or down (or skipping it) rather than overlap another.

    With ``fit=True`` a label much wider than its area is skipped (small areas stay unlabelled rather
    than covered). An ``_ink`` column, when present, gives each label its colour. Returns the number of
    labels placed."""
    ScaledTranslation = require("matplotlib.transforms").ScaledTranslation

    if "name" not in frame:
        return 0
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    placed = []
    order = frame.assign(_a=frame.geometry.area).sort_values("_a", ascending=False)
    for _, row in order.iterrows():
        pt = row.geometry.representative_point()
        if clip is not None:
            x0, y0, x1, y1 = clip
            inside = x0 + 0.04 * (x1 - x0) < pt.x < x1 - 0.04 * (x1 - x0) and y0 + 0.04 * (y1 - y0) < pt.y < y1 - 0.04 * (y1 - y0)
            if not inside:
                continue
        label = str(row["name"])
        if fit and len(label) > 12 and " " in label:  # two short lines fit an area better than one long one
            cut = min((i for i, ch in enumerate(label) if ch == " "), key=lambda i: abs(i - len(label) / 2))
            label = label[:cut] + "\n" + label[cut + 1 :]
        if fit:
            gx0, gy0, gx1, gy1 = row.geometry.bounds
            (dx0, dy0), (dx1, dy1) = ax.transData.transform([(gx0, gy0), (gx1, gy1)])
        for dy in (0, 1, -1, 2, -2):
            kw = dict(text_kw, color=row["_ink"]) if "_ink" in row else text_kw
            t = ax.text(pt.x, pt.y, label, ha="center", va="center", zorder=8, clip_on=True, **kw)
            if dy:
                t.set_position((pt.x, pt.y))
                t.set_transform(ax.transData + ScaledTranslation(0, dy * 0.16, fig.dpi_scale_trans))
            bb = t.get_window_extent(renderer=renderer).expanded(1.05, 1.15)
            if fit and (bb.width > 1.5 * (dx1 - dx0) or bb.height > 1.5 * (dy1 - dy0)):
                t.remove()
                break
            if not any(bb.overlaps(p) for p in placed):
                placed.append(bb)
                break
            t.remove()
    return len(placed)


@needs("matplotlib", "mapclassify", extra="maps", purpose="to draw static maps")
def bivariate(
    data,
    x: str,
    y: str,
    *,
    level: str = "district",
    vintage: int = settings.DEFAULT_VINTAGE,
    title: str | None = None,
    x_label: str | None = None,
    y_label: str | None = None,
    source: str | None = None,
    size: str | tuple[float, float] = "slide",
) -> "Figure":
    """A 3 x 3 bivariate choropleth of two indicators (tertiles of each), e.g. need against spend.

    Examples
    --------
    >>> from ddmgeo import indicators, maps
    >>> t = indicators.get(["unemployment_rate", "piped_water_share"])     # doctest: +SKIP
    >>> fig = maps.bivariate(t, "unemployment_rate", "piped_water_share")  # doctest: +SKIP
    """
    mapclassify = require("mapclassify")
    import pandas as pd
    Patch = require("matplotlib.patches").Patch
    Rectangle = require("matplotlib.patches").Rectangle

    lx = _prepare(data, x, level, vintage, None)
    frame = lx.frame.reset_index(drop=True)
    if y not in data.columns:
        raise TableError(f"Column {y!r} is not in the data; it has {list(data.columns)}.")
    ly_label, ly_unit, _, ly_year, *_ = _indicator_meta(y, getattr(data, "attrs", {}) or {})
    if "code" in data.columns:
        ys = pd.DataFrame(data)[["code", y]].copy()
        ys[y] = _numbers(ys, y)
        frame = frame.merge(ys, on="code", how="left")
    else:
        frame[y] = _numbers(frame, y)
    ok = frame[x].notna() & frame[y].notna()
    cx = np.full(len(frame), -1)
    cy = np.full(len(frame), -1)
    if ok.sum() < 3:
        raise DataNotAvailableError("A bivariate map needs at least 3 areas with both values.")
    qx = _quietly(mapclassify.Quantiles, frame.loc[ok, x].to_numpy(float), k=3)  # fewer classes are noted on the map
    qy = _quietly(mapclassify.Quantiles, frame.loc[ok, y].to_numpy(float), k=3)
    cx[ok.to_numpy()] = qx.yb
    cy[ok.to_numpy()] = qy.yb
    fig, ax = _figure(size, None)
    have = cx >= 0
    _draw.polygons(ax, frame.geometry.values[have], facecolors=[BIVARIATE[i][j] for i, j in zip(cy[have], cx[have])], edgecolor="white", linewidth=0.3)
    if (~have).any():
        _draw.polygons(ax, frame.geometry.values[~have], **NO_DATA)
    _outlines(ax, level, vintage)
    _finish_axes(ax)
    scale_bar(ax)
    north_arrow(ax)
    # legend: a 3 x 3 key
    key = fig.add_axes((0.68, 0.45, 0.14, 0.25))
    for i in range(3):
        for j in range(3):
            key.add_patch(Rectangle((j, i), 1, 1, facecolor=BIVARIATE[i][j], edgecolor="white"))
    key.set_xlim(0, 3)
    key.set_ylim(0, 3)
    key.set_xticks([0.5, 1.5, 2.5], ["low", "mid", "high"], fontsize=8)
    key.set_yticks([0.5, 1.5, 2.5], ["low", "mid", "high"], fontsize=8)
    key.set_xlabel(_wrap(f"{x_label or lx.label} →", 34), fontsize=9)
    key.set_ylabel(_wrap(f"{y_label or ly_label} →", 34), fontsize=9)
    key.set_aspect("equal")
    for s in key.spines.values():
        s.set_visible(False)
    xr = ", ".join(f"{format_value(b, lx.unit)}" for b in qx.bins[:2])
    yr = ", ".join(f"{format_value(b, ly_unit)}" for b in qy.bins[:2])
    # many equal values (e.g. areas with no spend) leave fewer than three classes: say so
    # (mapclassify keeps k=3 when it falls back to fewer classes: count the breaks)
    if len(qx.bins) < 3:
        xr += f" (only {len(qx.bins)} classes: many equal values)"
    if len(qy.bins) < 3:
        yr += f" (only {len(qy.bins)} classes: many equal values)"
    fig.text(0.68, 0.36, _wrap(f"Tertile breaks of {x_label or lx.label}: {xr}", 50) + "\n" + _wrap(f"Tertile breaks of {y_label or ly_label}: {yr}", 50), fontsize=8, color="#444444", va="top")
    if (cx == -1).any():
        fig.legend(handles=[Patch(label=f"{NO_DATA_LABEL} ({int((cx == -1).sum())})", **NO_DATA)], loc="upper left", bbox_to_anchor=(0.68, 0.33), frameon=False, fontsize=9)
    if lx.year and ly_year and str(lx.year) != str(ly_year):  # different years: the title says which is which
        heading = f"{lx.label} ({lx.year}) and {ly_label} ({ly_year})"
    else:
        year = lx.year or ly_year
        heading = f"{lx.label} and {ly_label}" + (f", {year}" if year else "")
    _title(fig, title or heading, f"{_PLURAL.get(level, level)}, tertiles of each (3 × 3 classes)")
    y_source = _meta.read(data).indicators.get(y, {}).get("source", "")
    source_line(fig, source or _source_text(";".join(s for s in dict.fromkeys(lx.source.split(";") + y_source.split(";")) if s)))
    remember(fig, bivariate={"x_bins": list(qx.bins), "y_bins": list(qy.bins), "classes": list(zip(cx.tolist(), cy.tolist()))})
    return fig


@needs("matplotlib", "mapclassify", extra="maps", purpose="to draw static maps")
def proportional_symbols(
    data,
    column: str,
    *,
    level: str = "district",
    vintage: int = settings.DEFAULT_VINTAGE,
    title: str | None = None,
    colour: str = "#2c7fb8",
    max_size: float = 1800.0,
    source: str | None = None,
    size: str | tuple[float, float] = "slide",
) -> "Figure":
    """Circles whose area is proportional to a value (e.g. rand), at area centres or at points.

    ``data`` is a table keyed by ``code`` (circles at a point inside each area) or a
    GeoDataFrame of points. Zero values get no circle; missing values are listed as "No data".

    Examples
    --------
    >>> from ddmgeo import maps
    >>> fig = maps.proportional_symbols(budget_by_district, "total")   # doctest: +SKIP
    """
    Line2D = require("matplotlib.lines").Line2D

    layer = _prepare(data, column, level, vintage, None, points=True)
    frame = layer.frame.reset_index(drop=True)
    fig, ax = _figure(size, None)
    base = projected(level if level in ("district", "municipality", "province") else "district", vintage, None)
    _draw.polygons(ax, base.geometry.values, facecolor="#f0f0f0", edgecolor="white", linewidth=0.4)
    _outlines(ax, "district", vintage)
    pts = frame.geometry.representative_point() if not (frame.geom_type == "Point").all() else frame.geometry
    vals = frame[column].to_numpy(dtype=float)
    negative = np.nan_to_num(vals) < 0
    if negative.any():
        where = frame["code"].to_numpy()[negative][:5] if "code" in frame.columns else np.flatnonzero(negative)[:5]
        raise TableError(
            f"Column {column!r} has negative values ({', '.join(f'{w} {v:g}' for w, v in zip(where, vals[negative]))}): a circle's "
            "area cannot show a negative amount. Map the column with maps.choropleth, or the positive and negative parts separately."
        )
    vmax = np.nanmax(np.abs(vals)) if np.isfinite(vals).any() else 0
    if vmax <= 0:
        raise DataNotAvailableError(f"Every value of {column!r} is zero or missing: there is nothing to draw.")
    sizes = max_size * np.abs(np.nan_to_num(vals)) / vmax
    ax.scatter(pts.x, pts.y, s=sizes, color=colour, alpha=0.6, edgecolor="white", linewidth=0.6, zorder=5)
    _finish_axes(ax)
    scale_bar(ax)
    north_arrow(ax)
    refs = [vmax, vmax / 4, vmax / 16]
    handles = [
        Line2D([], [], marker="o", color="none", markerfacecolor=colour, markeredgecolor="white", alpha=0.6, markersize=math.sqrt(max_size * r / vmax), label=format_value(r, layer.unit))
        for r in refs
    ]
    n_missing = int(np.isnan(vals).sum())
    if n_missing:
        Patch = require("matplotlib.patches").Patch

        handles.append(Patch(label=f"{NO_DATA_LABEL} ({n_missing})", **NO_DATA))
    leg = fig.legend(handles=handles, title=_unit_title(layer), loc="center left", bbox_to_anchor=(0.66, 0.5), frameon=False, fontsize=10, title_fontsize=11, labelspacing=2.4, borderpad=1.5, handletextpad=2.0)
    leg.get_title().set_fontweight("bold")
    _title(fig, title or layer.label, "Circle area proportional to the value")
    source_line(fig, source or _source_text(layer.source))
    return fig


@needs("matplotlib", extra="maps", purpose="to save static maps")
def save(fig: "Figure", path, *, dpi: int = 200) -> "Path":
    """Write a map to PNG (``dpi``, default 200), SVG (text kept as text) or PDF, by the file's suffix.

    Examples
    --------
    >>> from ddmgeo import maps
    >>> maps.save(fig, "waterberg.svg")                 # doctest: +SKIP
    """
    from pathlib import Path

    matplotlib = require("matplotlib")

    Figure = require("matplotlib.figure").Figure

    if not isinstance(fig, Figure):
        raise TypeError(f"save() takes the matplotlib Figure a ddmgeo map function returns, not {type(fig).__name__}; for an interactive map use m.save('map.html').")
    p = Path(path)
    fmt = p.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg", "pdf"):
        raise ValueError(f"Cannot save a map as {p.name!r}: use .png, .svg or .pdf.")
    p.parent.mkdir(parents=True, exist_ok=True)
    # no timestamps and a fixed SVG id salt: the same map gives the same file, so outputs can be diffed
    metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None}, "png": {}}[fmt]
    with matplotlib.rc_context({"svg.fonttype": "none", "pdf.fonttype": 42, "svg.hashsalt": "ddmgeo"}):
        fig.savefig(p, dpi=dpi, format=fmt, facecolor="white", metadata=metadata)
    return p
