"""Self-contained interactive maps with folium.

Leaflet itself is inlined (``_vendor/``), so a saved map opens with no internet
access; with ``tiles=None`` nothing external is needed at all. Every string that
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
from .._optional import needs
from ._static import _class_of, _cmap_for, _prepare, _source_text, classify, format_value, legend_entries

if TYPE_CHECKING:
    import folium

_VENDOR = Path(__file__).resolve().parent / "_vendor"
NO_DATA_FILL = "#d9d9d9"


@lru_cache(maxsize=1)
def _inline_assets() -> tuple[str, str]:
    js = base64.b64encode((_VENDOR / "leaflet.js").read_bytes()).decode("ascii")
    css = base64.b64encode((_VENDOR / "leaflet.css").read_bytes()).decode("ascii")
    return f"data:text/javascript;base64,{js}", f"data:text/css;base64,{css}"


def _hex(colour) -> str:
    from matplotlib.colors import to_hex

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
    tiles: str | None = "cartodbpositron",
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
    tiles : str or None, default "cartodbpositron"
        A folium tile set; ``None`` for no background (the map then needs nothing from
        the internet: Leaflet is inlined).
    layers : dict, optional
        ``{"Hospitals": points_gdf, ...}``: GeoDataFrames shown as toggleable layers; a
        ``name`` column, if present, is used in their tooltips.

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
    import folium

    js, css = _inline_assets()
    if tolerance is None and level == "ward":
        tolerance = 200.0  # users zoom into interactive maps: keep ward outlines close to the source
    if column is None:
        from ._cartographic import cartographic

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
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], tiles=None, control_scale=True, prefer_canvas=True, zoom_snap=0.25)
    m.default_js = [("leaflet", js)]
    m.default_css = [("leaflet_css", css)]
    if tiles:
        try:
            background = folium.TileLayer(tiles, name="Background", control=True)
        except ValueError as exc:  # folium: "Custom tiles must have an attribution."
            raise ValueError(
                f"tiles={tiles!r} is not a tile set folium knows: use 'cartodbpositron' (default), 'openstreetmap', "
                "'cartodbdark_matter', or None for a map that needs no internet."
            ) from exc
        background.add_to(m)
    aliases = {"name": "Area", "code": "Code", "_value": html.escape(label), "_source": "Source"}
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
        tooltip=folium.GeoJsonTooltip(fields=props, aliases=[aliases[p] for p in props], sticky=True),
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
    import folium
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
        for _, row in g.iterrows():
            tip = html.escape(str(row[label_col])) if label_col else html.escape(name)
            folium.CircleMarker([row.geometry.y, row.geometry.x], radius=4, color="#b2182b", fill=True, fill_opacity=0.8, weight=1, tooltip=tip).add_to(group)
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
