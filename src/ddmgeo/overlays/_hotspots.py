"""Local spatial clusters of a per-area value (Getis-Ord Gi*, local Moran's I) with esda/libpysal."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Literal

from .. import _meta, settings
from .._area_sets import resolve_areas
from .._optional import require
from ..errors import DDMGeoWarning, TableError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

_MORAN_LABELS = {1: "hot", 2: "low-high", 3: "cold", 4: "high-low"}


def _local_statistic(method: str, y, w, *, permutations: int, seed, alpha: float):
    """Statistic, pseudo p-value and label of each area: Gi* (hot, cold) or local Moran (high-high, ...)."""
    import numpy as np

    esda = require("esda", "spatial", "for hotspots")
    lw = require("libpysal.weights", "spatial", "for hotspots")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", DeprecationWarning)  # esda's notices about its future defaults
        if method == "gi_star":
            wg = lw.fill_diagonal(w, 1.0)  # Gi*: each area is its own neighbour, binary weights
            g = esda.G_Local(y, wg, transform="B", star=None, permutations=permutations, seed=seed)
            s, pv = np.asarray(g.Zs, float), np.asarray(g.p_sim, float)
            return s, pv, np.where(pv < alpha, np.where(s > 0, "hot", "cold"), "not significant")
        w.transform = "r"
        m = esda.Moran_Local(y, w, permutations=permutations, seed=seed)
        s, pv = np.asarray(m.Is, float), np.asarray(m.p_sim, float)
        return s, pv, np.array([_MORAN_LABELS.get(int(q), "not significant") if pp < alpha else "not significant" for q, pp in zip(m.q, pv)], dtype=object)


def hotspots(
    table: "pd.DataFrame",
    column: str,
    *,
    level: str = "district",
    vintage: int = settings.DEFAULT_VINTAGE,
    areas: "gpd.GeoDataFrame | None" = None,
    method: Literal["gi_star", "local_moran"] = "gi_star",
    permutations: int = 999,
    seed: int | None = 12345,
    alpha: float = 0.05,
) -> "pd.DataFrame":
    """Where high (hot) and low (cold) values of a column cluster among neighbouring areas.

    Neighbours share an edge or a corner (queen contiguity); an area with none (an
    island) is joined to its nearest area. Significance is a conditional-permutation
    pseudo p-value, so results repeat for the same ``seed``.

    Parameters
    ----------
    table : DataFrame
        Keyed by ``code`` (an indicator table or an overlay result).
    column : str
        Numeric column; areas where it is missing are left out and labelled "no data".
    level, vintage, areas :
        The areas the codes belong to.
    method : {"gi_star", "local_moran"}, default "gi_star"
        ``gi_star``: Getis-Ord Gi* (the area itself included); ``statistic`` is its
        z-score. ``local_moran``: local Moran's I; ``statistic`` is I.
    permutations : int, default 999
    seed : int, optional
    alpha : float, default 0.05
        Significance level for the labels.

    Returns
    -------
    pandas.DataFrame
        ``code, name, value, statistic, p_value, label`` for every area. ``label`` is
        ``hot``/``cold``/``not significant`` (Gi*: sign of the z-score), and for local
        Moran also ``high-low``/``low-high`` (outliers); ``no data`` where the value is
        missing. Map ``statistic`` with :func:`ddmgeo.maps.choropleth`.

    Raises
    ------
    ddmgeo.errors.MissingDependencyError
        esda/libpysal are not installed (``pip install "ddmgeo[spatial]"``).

    Examples
    --------
    >>> from ddmgeo import indicators, overlays
    >>> t = indicators.get("unemployment_rate", level="municipality")               # doctest: +SKIP
    >>> h = overlays.hotspots(t, "unemployment_rate", level="municipality")          # doctest: +SKIP
    >>> h.label.value_counts()                                                       # doctest: +SKIP
    """
    import numpy as np
    import pandas as pd

    require("esda", "spatial", "for hotspots")  # fail first, naming the extra
    lw = require("libpysal.weights", "spatial", "for hotspots")
    if method not in ("gi_star", "local_moran"):
        raise ValueError(f"method={method!r}: use 'gi_star' (Getis-Ord Gi*) or 'local_moran'.")
    if "code" not in table.columns or column not in table.columns:
        raise TableError(f"The table needs 'code' and {column!r} columns; it has {list(table.columns)}.")
    if table["code"].duplicated().any():
        raise TableError("Each area must appear once in the table: aggregate it first.")
    A = resolve_areas(level, vintage, areas)
    raw = table.set_index("code")[column]
    values = pd.to_numeric(raw, errors="coerce")
    text = raw.notna() & values.isna()
    if text.any():
        shown = ", ".join(f"{c}: {v!r}" for c, v in raw[text].head(5).items())
        raise TableError(f"Column {column!r} holds text, not numbers ({shown}); convert it first (pd.to_numeric, or ddmgeo.read_table).")
    values = values.reindex(A.codes)
    unknown = sorted(set(table["code"]) - set(A.codes))
    if unknown:
        raise TableError(f"Codes {unknown[:10]} are not {A.label} areas: pass the level= (or areas=) of the table.")
    ok = values.notna().to_numpy()
    if ok.sum() < 3:
        raise ValueError(f"{column!r} has {int(ok.sum())} non-missing values: hotspots need at least 3 areas with data.")
    import geopandas as gpd

    gdf = gpd.GeoDataFrame({"code": A.codes[ok]}, geometry=A.geometry[ok], crs=A.crs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # libpysal warns about islands, handled just below
        w = lw.Queen.from_dataframe(gdf, use_index=False)
        if w.islands:
            knn = lw.KNN.from_dataframe(gdf.set_geometry(gdf.representative_point()), k=1)
            w = lw.attach_islands(w, knn)
    if w.islands:  # pragma: no cover - attach_islands leaves none
        warnings.warn(f"{len(w.islands)} areas have no neighbour and are not tested.", DDMGeoWarning, stacklevel=2)
    stat = np.full(len(A), np.nan)
    p = np.full(len(A), np.nan)
    label = np.full(len(A), "no data", dtype=object)
    stat[ok], p[ok], label[ok] = _local_statistic(method, values.to_numpy(float)[ok], w, permutations=permutations, seed=seed, alpha=alpha)
    out = A.frame()
    out["value"] = values.to_numpy(float)
    out["statistic"] = stat
    out["p_value"] = p
    out["label"] = label
    _meta.attach(out, {
        "areas": A.label,
        "level": A.level,
        "vintage": A.vintage,
        "method": method,
        "permutations": permutations,
        "seed": seed,
        "alpha": alpha,
        "column": column,
        "indicators": {
            "statistic": {
                "label": f"{'Gi* z-score' if method == 'gi_star' else 'Local Moran I'} of {column}",
                "unit": "",
                "higher_is": "neutral",
                "source": "",
            }
        },
    })
    return out
