"""Lines, polygons and distances per area: :func:`line_length`, :func:`overlap`, :func:`nearest`."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .. import _meta, settings
from .._area_sets import AreaSet, resolve_areas
from ..errors import CRSError, TableError

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np
    import pandas as pd

_LINES = (1, 2, 5)  # LineString, LinearRing, MultiLineString
_POLYGONS = (3, 6)  # Polygon, MultiPolygon


def read_layer(data: Any, *, what: str) -> "gpd.GeoDataFrame":
    """A GeoDataFrame with a CRS from a GeoDataFrame, a vector file or a registry name."""
    import geopandas as gpd

    if isinstance(data, (str, os.PathLike)):
        from pathlib import Path

        p = Path(data).expanduser()
        if not p.exists():
            from .. import _registry, datasets
            from ..errors import UnknownDatasetError

            try:
                _registry.get(str(data))
            except (UnknownDatasetError, KeyError):
                raise FileNotFoundError(f"{str(data)!r} is neither a file nor a registered dataset (see `ddm data list`).") from None
            p = datasets.fetch(str(data))
        data = gpd.read_file(p, engine="pyogrio")
    if not isinstance(data, gpd.GeoDataFrame):
        raise TypeError(f"{what} must be a GeoDataFrame, a vector file or a registry name, not {type(data).__name__}.")
    if data.crs is None:
        raise CRSError(f"The {what} have no CRS: set it with gdf.set_crs(...) (EPSG:4326 for longitude/latitude) so ddmgeo does not guess.")
    return data


def _check_types(geoms: "np.ndarray", allowed: tuple, what: str, hint: str) -> None:
    import numpy as np
    import shapely

    types = shapely.get_type_id(geoms)
    bad = ~np.isin(types, (-1, *allowed)) & ~shapely.is_empty(geoms)
    if bad.any():
        kinds = sorted({shapely.get_type_id(g) for g in geoms[bad]})
        names = {0: "Point", 3: "Polygon", 4: "MultiPoint", 6: "MultiPolygon", 7: "GeometryCollection", 1: "LineString", 5: "MultiLineString"}
        raise TableError(f"{int(bad.sum())} {what} are {[names.get(k, k) for k in kinds]}: {hint}")


def _area_km2(A: AreaSet, projected: "np.ndarray | None" = None) -> "np.ndarray":
    import shapely

    if A.area_km2 is not None:
        return A.area_km2
    geoms = projected if projected is not None else A.to_crs(settings.EQUAL_AREA_CRS)
    return shapely.area(geoms) / 1e6


def line_length(
    lines: Any,
    *,
    level: str = "district",
    vintage: int = settings.DEFAULT_VINTAGE,
    areas: "gpd.GeoDataFrame | None" = None,
) -> "pd.DataFrame":
    """Kilometres of lines (rivers, roads, pipelines, any user layer) inside each area.

    Lines are cut at the area boundaries and measured in
    :data:`~ddmgeo.settings.DISTANCE_CRS` (EPSG:9221, parallels inside the country).
    ddmgeo has no roads or railways layer: pass your own (e.g. Natural Earth roads).

    Parameters
    ----------
    lines : GeoDataFrame, vector file or registry name
        LineStrings / MultiLineStrings with a CRS (``ne10m_rivers_za``).
    level, vintage, areas :
        Which areas (``areas=``: your own polygons with a ``code`` column).

    Returns
    -------
    pandas.DataFrame
        ``code, name, length_km, km_per_km2`` for every area (0 where no line).
        Its metadata (:func:`ddmgeo.metadata`, ``extra``) gives ``total_km`` (whole layer) and ``outside_km`` (the
        part in no area). A line running exactly along a shared boundary counts in both
        areas.

    Examples
    --------
    >>> from ddmgeo import overlays
    >>> rivers = overlays.line_length("ne10m_rivers_za", level="district")
    >>> round(rivers.length_km.sum())
    5870
    """
    import numpy as np
    import shapely

    A = resolve_areas(level, vintage, areas)
    gdf = read_layer(lines, what="lines")
    geoms = np.asarray(gdf.geometry.to_crs(settings.DISTANCE_CRS).values)
    _check_types(geoms, _LINES, "features", "line_length measures lines; use overlap for polygons and count_points for points.")
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    ageoms = A.to_crs(settings.DISTANCE_CRS)
    tree = shapely.STRtree(ageoms)
    li, ai = tree.query(geoms, predicate="intersects")
    lengths = shapely.length(shapely.intersection(geoms[li], ageoms[ai])) / 1000.0 if len(li) else np.empty(0)
    out = A.frame()
    out["length_km"] = np.bincount(ai, weights=lengths, minlength=len(A))
    with np.errstate(invalid="ignore", divide="ignore"):
        out["km_per_km2"] = out["length_km"].to_numpy() / _area_km2(A)
    total = float(shapely.length(geoms).sum() / 1000.0)
    _meta.attach(out, {
        "areas": A.label,
        "level": A.level,
        "vintage": A.vintage,
        "crs": settings.DISTANCE_CRS,
        "total_km": total,
        "outside_km": max(total - float(lengths.sum()), 0.0),
        "indicators": {
            "length_km": {"label": "Length of lines", "unit": "km", "higher_is": "neutral", "source": ""},
            "km_per_km2": {"label": "Line density", "unit": "km/km²", "higher_is": "neutral", "source": ""},
        },
    })
    return out


def overlap(
    polygons: Any,
    *,
    level: str = "district",
    vintage: int = settings.DEFAULT_VINTAGE,
    areas: "gpd.GeoDataFrame | None" = None,
) -> "pd.DataFrame":
    """Area (km²) and share of each area covered by a polygon layer (urban extent, protected areas, land claims).

    The layer is first dissolved (``union_all``), so land covered by two overlapping
    polygons counts once; areas are measured in :data:`~ddmgeo.settings.EQUAL_AREA_CRS`.
    ddmgeo has no protected-areas layer: pass your own (e.g. DFFE SAPAD).

    Parameters
    ----------
    polygons : GeoDataFrame, vector file or registry name
        Polygons / MultiPolygons with a CRS (``ne50m_urban_areas_za``).
    level, vintage, areas :
        Which areas.

    Returns
    -------
    pandas.DataFrame
        ``code, name, area_km2, covered_km2, share`` (0–1) for every area.
        Its metadata (:func:`ddmgeo.metadata`, ``extra``) gives the layer's dissolved ``total_km2`` and ``outside_km2``.

    Examples
    --------
    >>> from ddmgeo import overlays
    >>> urban = overlays.overlap("ne50m_urban_areas_za")
    >>> round(float(urban.set_index("code").loc["JHB", "share"]), 2)
    0.84
    """
    import numpy as np
    import shapely

    A = resolve_areas(level, vintage, areas)
    gdf = read_layer(polygons, what="polygons")
    geoms = np.asarray(gdf.geometry.to_crs(settings.EQUAL_AREA_CRS).values)
    _check_types(geoms, _POLYGONS, "features", "overlap measures polygons; use line_length for lines and count_points for points.")
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    geoms = shapely.make_valid(geoms)
    dissolved = shapely.union_all(geoms) if len(geoms) else shapely.Polygon()
    parts = shapely.get_parts(dissolved)
    parts = parts[np.isin(shapely.get_type_id(parts), _POLYGONS)]
    ageoms = A.to_crs(settings.EQUAL_AREA_CRS)
    tree = shapely.STRtree(parts)
    ai, pi = tree.query(ageoms, predicate="intersects")
    inter = shapely.area(shapely.intersection(ageoms[ai], parts[pi])) / 1e6 if len(ai) else np.empty(0)
    out = A.frame()
    area = _area_km2(A, ageoms if A.area_km2 is None else None)
    out["area_km2"] = area
    out["covered_km2"] = np.bincount(ai, weights=inter, minlength=len(A))
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share"] = np.clip(out["covered_km2"].to_numpy() / area, 0.0, 1.0)
    total = float(shapely.area(parts).sum() / 1e6)
    _meta.attach(out, {
        "areas": A.label,
        "level": A.level,
        "vintage": A.vintage,
        "crs": settings.EQUAL_AREA_CRS,
        "total_km2": total,
        "outside_km2": max(total - float(inter.sum()), 0.0),
        "indicators": {
            "covered_km2": {"label": "Area covered", "unit": "km²", "higher_is": "neutral", "source": ""},
            "share": {"label": "Share of area covered", "unit": "share", "higher_is": "neutral", "source": ""},
        },
    })
    return out


def nearest(
    origins: Any,
    destinations: Any,
    *,
    max_distance: float | None = None,
    level: str = "district",
    vintage: int = settings.DEFAULT_VINTAGE,
    areas: "gpd.GeoDataFrame | None" = None,
) -> "pd.DataFrame":
    """Distance (km) from each origin to its nearest destination, and the origin's area.

    Distances are straight-line, in :data:`~ddmgeo.settings.DISTANCE_CRS`
    (EPSG:9221), to the nearest destination geometry (points, lines or polygons: a
    road layer gives the distance to the nearest road). Summarise per area with
    :func:`distance_summary`.

    Parameters
    ----------
    origins : GeoDataFrame, DataFrame with lon/lat, path or registry name
        Where people or places are (schools, settlements, population cells from
        :func:`raster_cells`).
    destinations : GeoDataFrame, DataFrame with lon/lat, path or registry name
        Services (``dsfsi_hospitals``) or any layer with a CRS.
    max_distance : float, optional
        Search radius in km: origins with nothing closer get NaN (faster on big layers).
    level, vintage, areas :
        The areas whose ``code`` each origin gets (for :func:`distance_summary`).

    Returns
    -------
    pandas.DataFrame
        Indexed like *origins*: ``code`` (area of the origin, None outside),
        ``distance_km`` (NaN: no coordinates, or nothing within ``max_distance``) and
        ``destination`` (the index label of the nearest destination).

    Examples
    --------
    >>> from ddmgeo import overlays
    >>> d = overlays.nearest("dbe_schools_2017q1", "dsfsi_hospitals", max_distance=200)
    >>> overlays.distance_summary(d, threshold_km=25).head(3).round(1)
      code               name    n  mean_km  median_km  max_km  share_beyond
    0  BUF       Buffalo City  404      8.2        5.3    34.3           0.1
    1  CPT  City of Cape Town  918      2.3        1.9    13.9           0.0
    2  DC1         West Coast  137     17.1       14.3   120.9           0.2
    """
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import shapely

    from ._count import _place
    from ._points import _read_path, read_points

    A = resolve_areas(level, vintage, areas)
    placed = _place(origins, A)
    o_gdf = gpd.GeoSeries(shapely.points(placed.lon, placed.lat), crs=settings.STORAGE_CRS)
    o_geoms = np.asarray(o_gdf.to_crs(settings.DISTANCE_CRS).values)
    o_ok = np.isfinite(placed.lon) & np.isfinite(placed.lat)
    if isinstance(destinations, (str, os.PathLike)):
        destinations = _read_path(destinations)  # a table (lon/lat) or a vector layer
    if isinstance(destinations, gpd.GeoDataFrame):
        dest = read_layer(destinations, what="destinations")
    else:
        dest = read_points(destinations)
    d_geoms = np.asarray(dest.geometry.to_crs(settings.DISTANCE_CRS).values)
    d_ok = ~(shapely.is_missing(d_geoms) | shapely.is_empty(d_geoms))
    d_pos = np.flatnonzero(d_ok)
    dist = np.full(len(o_geoms), np.nan)
    which = np.full(len(o_geoms), -1, dtype=np.int64)
    if len(d_pos) and o_ok.any():
        tree = shapely.STRtree(d_geoms[d_pos])
        oi = np.flatnonzero(o_ok)
        kw = {"max_distance": max_distance * 1000.0} if max_distance is not None else {}
        (qi, ti), dd = tree.query_nearest(o_geoms[oi], return_distance=True, all_matches=False, **kw)
        dist[oi[qi]] = dd / 1000.0
        which[oi[qi]] = d_pos[ti]
    dest_labels = np.empty(len(which), dtype=object)
    has = which >= 0
    dest_labels[has] = dest.index.to_numpy()[which[has]]
    codes = np.empty(len(which), dtype=object)
    inside = placed.area_idx >= 0
    codes[inside] = A.codes[placed.area_idx[inside]]
    out = pd.DataFrame(
        {
            "code": pd.Series(codes, index=placed.index, dtype=object),
            "distance_km": pd.Series(dist, index=placed.index),
            "destination": pd.Series(dest_labels, index=placed.index, dtype=object),
        }
    )
    _meta.attach(out, {
        "areas": A.label,
        "level": A.level,
        "vintage": A.vintage,
        "crs": settings.DISTANCE_CRS,
        "max_distance_km": max_distance,
        "no_coordinates": len(placed.reasons),
        "outside": int((~inside & o_ok).sum()),
    })
    return out


def _weighted_median(values: "np.ndarray", weights: "np.ndarray") -> float:
    import numpy as np

    if len(values) == 0 or weights.sum() <= 0:
        return float("nan")
    o = np.argsort(values)
    v, w = values[o], weights[o]
    cw = np.cumsum(w)
    return float(v[np.searchsorted(cw, 0.5 * cw[-1])])


def distance_summary(
    distances: "pd.DataFrame",
    *,
    threshold_km: float = 10.0,
    weights: "str | Sequence[float] | pd.Series | None" = None,
    level: str | None = None,
    vintage: int | None = None,
    areas: "gpd.GeoDataFrame | None" = None,
) -> "pd.DataFrame":
    """Per-area summary of :func:`nearest`: mean, median and share of origins beyond a distance.

    Parameters
    ----------
    distances : DataFrame
        The result of :func:`nearest` (``code``, ``distance_km``).
    threshold_km : float, default 10
        Distance counted as "far"; origins with nothing within ``max_distance`` count as
        beyond it (an error when ``threshold_km`` exceeds that ``max_distance``).
    weights : str, sequence or Series, optional
        Weight of each origin (e.g. people per population cell): a column of *distances*
        or values aligned with it. Default: every origin counts once.
    level, vintage, areas : optional
        The areas to list (default: those :func:`nearest` used).

    Returns
    -------
    pandas.DataFrame
        ``code, name, n, mean_km, median_km, max_km, share_beyond`` for every area
        (``n`` 0 and NaN statistics where it has no origin).

    Examples
    --------
    >>> from ddmgeo import overlays
    >>> d = overlays.nearest("dbe_schools_2017q1", "dsfsi_hospitals")
    >>> s = overlays.distance_summary(d, threshold_km=25)
    >>> s.nlargest(1, "share_beyond")[["code", "name", "n", "share_beyond"]].round(2)
      code            name   n  share_beyond
    8  DC7  Pixley ka Seme  92          0.76
    """
    import numpy as np
    import pandas as pd

    missing = [c for c in ("code", "distance_km") if c not in getattr(distances, "columns", [])]
    if missing:
        raise TableError(f"distance_summary() takes the result of ddmgeo.overlays.nearest(...); this table lacks {missing}.")
    meta = _meta.read(distances).as_dict()
    if areas is None and level is None and meta.get("areas") and meta.get("level") is None:
        raise ValueError("nearest() used your own areas (areas=): pass the same areas= to distance_summary.")
    A = resolve_areas(level or meta.get("level") or "district", vintage or meta.get("vintage") or settings.DEFAULT_VINTAGE, areas)
    maxd = meta.get("max_distance_km")
    if maxd is not None and threshold_km > maxd:
        raise ValueError(
            f"threshold_km={threshold_km} exceeds the max_distance={maxd} km that nearest() searched: origins with nothing "
            "within it cannot be classed; rerun nearest() with a larger max_distance."
        )
    if weights is None:
        w = np.ones(len(distances))
    elif isinstance(weights, str):
        if weights not in distances.columns:
            raise TableError(f"weights={weights!r} is not a column of the distances table; it has {list(distances.columns)}.")
        w = pd.to_numeric(distances[weights], errors="coerce").to_numpy(float)
    else:
        w = np.asarray(weights, dtype=float)
        if len(w) != len(distances):
            raise ValueError(f"weights has {len(w)} values for {len(distances)} origins.")
    w = np.where(np.isnan(w), 0.0, w)
    pos = {c: i for i, c in enumerate(A.codes)}
    codes = distances["code"].to_numpy(dtype=object)
    idx = np.array([pos.get(c, -1) for c in codes], dtype=np.int64)
    d = distances["distance_km"].to_numpy(float)
    sel = idx >= 0
    n = len(A)
    far = np.isnan(d) | (d > threshold_km)
    known = ~np.isnan(d)
    out = A.frame()
    out["n"] = np.bincount(idx[sel], minlength=n).astype(np.int64)
    wk = np.bincount(idx[sel & known], weights=w[sel & known], minlength=n)
    wt = np.bincount(idx[sel], weights=w[sel], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["mean_km"] = np.bincount(idx[sel & known], weights=(w * np.nan_to_num(d))[sel & known], minlength=n) / wk
        out["share_beyond"] = np.bincount(idx[sel & far], weights=w[sel & far], minlength=n) / wt
    med = np.full(n, np.nan)
    mx = np.full(n, np.nan)
    ks = sel & known
    order = np.argsort(idx[ks], kind="stable")
    ii, dd, ww = idx[ks][order], d[ks][order], w[ks][order]
    cut = np.flatnonzero(np.diff(ii)) + 1
    for s, e in zip(np.r_[0, cut], np.r_[cut, len(ii)]):
        if e > s:
            med[ii[s]] = _weighted_median(dd[s:e], ww[s:e])
            mx[ii[s]] = dd[s:e].max()
    out["median_km"] = med
    out["max_km"] = mx
    out = out[["code", "name", "n", "mean_km", "median_km", "max_km", "share_beyond"]]
    _meta.attach(out, {
        "areas": A.label,
        "threshold_km": threshold_km,
        "weights": weights if isinstance(weights, str) else (None if weights is None else "given"),
        "indicators": {
            "mean_km": {"label": "Mean distance to the nearest destination", "unit": "km", "higher_is": "worse", "source": ""},
            "median_km": {"label": "Median distance to the nearest destination", "unit": "km", "higher_is": "worse", "source": ""},
            "share_beyond": {"label": f"Share beyond {threshold_km:g} km", "unit": "share", "higher_is": "worse", "source": ""},
        },
    })
    return out
