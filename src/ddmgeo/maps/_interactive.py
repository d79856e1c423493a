"""Self-contained interactive maps with folium.

Leaflet and Leaflet.markercluster are inlined (``_vendor/``), so a saved map opens
with no internet access; by default (``tiles=None``) nothing external is needed at
all, and background tiles are drawn only when asked for. Every string that
comes from data or from the caller (names, titles, tooltip values, layer names) is
HTML-escaped before it reaches the page.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .. import settings
from .._optional import needs, require
from ._static import _class_of, _cmap_for, _prepare, _source_text, classify, format_value, legend_entries

if TYPE_CHECKING:
    import folium

_VENDOR = Path(__file__).resolve().parent / "_vendor"
NO_DATA_FILL = "#d9d9d9"
#: point layers larger than this are clustered (one marker per cluster until zoomed in), keeping the file small
CLUSTER_ABOVE = 1000
#: tooltips wrap at this width (px), so a long name or source never covers the map
TOOLTIP_STYLE = "max-width:320px;white-space:normal;font:12px/1.3 sans-serif;"
#: tile sets folium knows without an API key (CartoDB now asks for one; folium warns when it is used)
KEYLESS_TILES = ("openstreetmap",)


@lru_cache(maxsize=4)
def _inline(name: str, mime: str) -> str:
    """A vendored file as a data: URI (the saved page then needs nothing from a CDN)."""
    return f"data:{mime};base64," + base64.b64encode((_VENDOR / name).read_bytes()).decode("ascii")


def _inline_assets() -> tuple[str, str]:
    return _inline("leaflet.js", "text/javascript"), _inline("leaflet.css", "text/css")


def _hex(colour) -> str:
    to_hex = require("matplotlib.colors").to_hex

    return to_hex(colour)


def _legend_html(title: str, entries: list[tuple[str, int]], colours: list[str], source: str) -> str:
    rows = []
    for i, (label, n) in enumerate(entries):
        colour = colours[i] if i < len(colours) else NO_DATA_FILL
        pattern = "" if i < len(colours) else "background-image:repeating-linear-gradient(45deg,#999 0 1px,transparent 1px 5px);"
        rows.append(
            f'<div style="display:flex;align-items:center;margin:2px 0">'
            f'<span style="display:inline-block;width:18px;height:12px;margin-right:6px;border:1px solid #777;background:{colour};{pattern}"></span>'
            f"{html.escape(label)} ({n})</div>"
        )
    src = f'<div style="margin-top:6px;color:#555;font-size:10px;max-width:220px">{html.escape(source)}</div>' if source else ""
    return (
        '<div class="ddmgeo-legend" style="position:absolute;bottom:24px;right:12px;z-index:1000;background:rgba(255,255,255,.92);'
        'padding:8px 10px;border-radius:4px;font:12px/1.3 sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3)">'
        f"<b>{html.escape(title)}</b>{''.join(rows)}{src}</div>"
    )


@needs("folium", "matplotlib", "mapclassify", extra="interactive", purpose="to make interactive maps")
def interactive(
    data=None,
    column: str | None = None,
    *,
    level: str = "district",
    vintage: int = settings.DEFAULT_VINTAGE,
    scheme: str = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    cmap: str | None = None,
    tiles: str | None = None,
    title: str | None = None,
    layers: dict | None = None,
    tolerance: float | None = None,
) -> "folium.Map":
    """An interactive map: a classified choropleth (or plain boundaries) with tooltips and overlay layers.

    Parameters
    ----------
    data, column
        As for :func:`ddmgeo.maps.choropleth`; with ``column=None`` the boundaries of
        *level* are drawn without values.
    tiles : str or None, default None
        No background: the map needs nothing from the internet (Leaflet is inlined).
        ``"openstreetmap"`` (or another folium tile set) adds background tiles, fetched
        from the internet when the page is opened.
    layers : dict, optional
        ``{"Hospitals": points_gdf, ...}``: GeoDataFrames shown as toggleable layers; a
        ``name`` column, if present, is used in their tooltips. Point layers of more than
        :data:`CLUSTER_ABOVE` points are clustered (all 24,813 schools make a file of
        about 1.3 MB).

    Returns
    -------
    folium.Map
        ``.save("map.html")`` writes one self-contained file.

    Examples
    --------
    >>> from ddmgeo import maps
    >>> m = maps.interactive(column="unemployment_rate", tiles=None)   # doctest: +SKIP
    >>> m.save("unemployment.html")                                     # doctest: +SKIP
    """
    folium = require("folium")

    js, css = _inline_assets()
    if tolerance is None and level == "ward":
        tolerance = 200.0  # users zoom into interactive maps: keep ward outlines close to the source
    if column is None:
        from .._cartographic import cartographic

        frame = cartographic(level, vintage=vintage, tolerance=tolerance).copy()
        label, colours, entries, source = level.title(), [], [], ""
        frame["_fill"] = "#c6dbef"
        frame["_value"] = ""
    else:
        layer = _prepare(data, column, level, vintage, tolerance)
        frame = layer.frame.to_crs(settings.STORAGE_CRS).reset_index(drop=True)
        values = frame[column]
        classifier = classify(values, scheme, k, bins)
        classes = _class_of(values, classifier)
        cm = _cmap_for(layer.higher_is, cmap)
        n = len(classifier.bins)
        colours = [_hex(cm(0.15 + 0.8 * i / max(n - 1, 1))) for i in range(n)]
        frame["_fill"] = [colours[c] if c >= 0 else NO_DATA_FILL for c in classes]
        frame["_value"] = [format_value(v, layer.unit) for v in values]
        entries = legend_entries(classifier, values, layer.unit)
        label, source = layer.label, _source_text(layer.source)
        if layer.year:
            label = f"{label}, {layer.year}"
    if column is not None:
        frame["_source"] = f"{source} ({layer.year})" if layer.year and source else (source or "")
    # escape every text property: folium renders tooltip fields as HTML
    props = [c for c in ("name", "code", "_value", "_source") if c in frame.columns and (c != "_source" or frame[c].astype(bool).any())]
    show = frame[props + ["_fill", "geometry"]].copy()
    for c in props:
        show[c] = show[c].map(lambda v: html.escape(str(v)) if v is not None else "")
    minx, miny, maxx, maxy = show.total_bounds
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], tiles=None, control_scale=False, prefer_canvas=True, zoom_snap=0.25)
    _metric_scale().add_to(m)
    m.default_js = [("leaflet", js)]
    m.default_css = [("leaflet_css", css)]
    if tiles:
        _background(tiles).add_to(m)
    aliases = {"name": "Area", "code": "Code", "_value": html.escape(label), "_source": "Source"}
    tips = [p for p in props if p != "_source"]  # the source is in the legend: tooltips stay short
    folium.GeoJson(
        show,
        name=html.escape(label),
        style_function=lambda f: {
            "fillColor": f["properties"]["_fill"],
            "color": "#ffffff",
            "weight": 0.8,
            "fillOpacity": 0.85,
            "dashArray": "3" if f["properties"]["_fill"] == NO_DATA_FILL else None,
        },
        highlight_function=lambda f: {"weight": 2.5, "color": "#222222"},
        tooltip=folium.GeoJsonTooltip(fields=tips, aliases=[aliases[p] for p in tips], sticky=True, style=TOOLTIP_STYLE),
    ).add_to(m)
    for name, gdf in (layers or {}).items():
        _add_layer(m, str(name), gdf)
    if column is not None:
        m.get_root().html.add_child(folium.Element(_legend_html(title or label, entries, colours, source)))
    if title:
        m.get_root().html.add_child(
            folium.Element(
                '<div style="position:absolute;top:10px;left:56px;z-index:1000;background:rgba(255,255,255,.92);padding:4px 10px;'
                f'border-radius:4px;font:bold 15px sans-serif">{html.escape(title)}</div>'
            )
        )
    folium.LayerControl(collapsed=False).add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    m._ddmgeo_legend = entries
    return m


def _add_layer(m, name: str, gdf) -> None:
    folium = require("folium")
    import geopandas as gpd
    import numpy as np
    import shapely

    from ..errors import CRSError

    if not isinstance(gdf, gpd.GeoDataFrame):
        raise TypeError(f"layer {name!r} must be a GeoDataFrame, not {type(gdf).__name__}.")
    if gdf.crs is None:
        raise CRSError(f"layer {name!r} has no CRS: set it with .set_crs(...) (EPSG:4326 for lon/lat).")
    g = gdf.to_crs(settings.STORAGE_CRS)
    ring = (g.geom_type == "LinearRing").to_numpy()
    if ring.any():  # GeoJSON has no LinearRing (Leaflet: "Invalid GeoJSON object"): draw it as the closed line it is
        g = g.copy()
        g.loc[ring, g.geometry.name] = [shapely.LineString(r.coords) for r in g.geometry.values[ring]]
    group = folium.FeatureGroup(name=html.escape(name))
    geoms = np.asarray(g.geometry.values)
    drawable = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not drawable.all():
        import warnings

        from ..errors import DDMGeoWarning

        warnings.warn(f"layer {name!r}: {int((~drawable).sum())} of {len(g)} features have no geometry and are not drawn.", DDMGeoWarning, stacklevel=3)
        g = g[drawable]
    if not len(g):  # an empty layer is listed (so its absence is visible), with nothing in it
        group.add_to(m)
        return
    label_col = next((c for c in ("name", "Name", "project_name", "FacilityName") if c in g.columns), None)
    if len(g) and (g.geom_type == "Point").all():
        tips = [html.escape(str(v)) for v in (g[label_col] if label_col else [name] * len(g))]
        if len(g) > CLUSTER_ABOVE:
            _cluster(g, tips, name).add_to(m)
            return
        for point, tip in zip(g.geometry.values, tips):
            folium.CircleMarker([point.y, point.x], radius=4, color="#b2182b", fill=True, fill_opacity=0.8, weight=1, tooltip=tip).add_to(group)
    else:
        keep = [label_col] if label_col else []
        shown = g[keep + ["geometry"]].copy()
        if label_col:
            shown[label_col] = shown[label_col].map(lambda v: html.escape(str(v)))
        folium.GeoJson(
            shown,
            style_function=lambda f: {"color": "#2166ac", "weight": 1.5, "fillOpacity": 0.2},
            tooltip=folium.GeoJsonTooltip(fields=keep) if keep else None,
        ).add_to(group)
    group.add_to(m)


def _background(tiles: str):
    """A folium tile layer, refusing names folium does not know and sets that need an API key."""
    import warnings

    folium = require("folium")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            layer = folium.TileLayer(tiles, name="Background", control=True)
        except ValueError as exc:  # folium: "Custom tiles must have an attribution."
            raise ValueError(f"tiles={tiles!r} is not a tile set folium knows: use 'openstreetmap', or None for a map that needs no internet.") from exc
    if any("API key" in str(w.message) for w in caught):
        raise ValueError(f"tiles={tiles!r} now needs an API key from its provider: use 'openstreetmap', or None for a map that needs no internet.")
    return layer


def _cluster(points, tips: list[str], name: str):
    """A clustered point layer (Leaflet.markercluster, inlined): one row of [lat, lon, tooltip] per point."""
    FastMarkerCluster = require("folium.plugins").FastMarkerCluster

    data = [[round(p.y, 5), round(p.x, 5), t] for p, t in zip(points.geometry.values, tips)]
    callback = (
        "function (row) { return L.circleMarker(new L.LatLng(row[0], row[1]), "
        "{radius: 4, color: '#b2182b', weight: 1, fillOpacity: 0.8}).bindTooltip(row[2]); }"
    )
    layer = FastMarkerCluster(data, callback=callback, name=html.escape(name), chunkedLoading=True)
    layer.default_js = [("markerclusterjs", _inline("leaflet.markercluster.js", "text/javascript"))]
    layer.default_css = [
        ("markerclustercss", _inline("MarkerCluster.css", "text/css")),
        ("markerclusterdefaultcss", _inline("MarkerCluster.Default.css", "text/css")),
    ]
    return layer


@lru_cache(maxsize=1)
def _metric_scale_class():
    folium_map = require("folium.map")  # folium's own MacroElement and Template (from branca and jinja2)
    MacroElement, Template = folium_map.MacroElement, folium_map.Template

    class MetricScale(MacroElement):
        """A scale bar in metres and kilometres only (Leaflet's default adds miles and feet), and the zoom range
        (a map without tiles has none, which clustered layers need)."""

        _template = Template(
            "{% macro script(this, kwargs) %}{{ this._parent.get_name() }}.setMaxZoom(18);"
            "L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});{% endmacro %}"
        )

    return MetricScale


def _metric_scale():
    """The scale-and-zoom element of a map (its class is built once, on first use: folium is imported lazily)."""
    return _metric_scale_class()()
