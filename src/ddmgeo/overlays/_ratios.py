"""Rates of overlay results: per km² (:func:`density`) and per person (:func:`per_capita`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _meta, settings
from .._area_sets import resolve_areas
from ..errors import TableError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd


def _check(table: "pd.DataFrame", column: str) -> None:
    if "code" not in table.columns:
        raise TableError("The table needs a 'code' column (every overlay result has one).")
    if column not in table.columns:
        raise TableError(f"Column {column!r} is not in the table; it has {list(table.columns)}.")


def density(
    table: "pd.DataFrame",
    column: str,
    *,
    level: str | None = None,
    vintage: int | None = None,
    areas: "gpd.GeoDataFrame | None" = None,
) -> "pd.DataFrame":
    """Add ``<column>_per_km2``: the column divided by each area's size (equal-area km²).

    Parameters
    ----------
    table : DataFrame
        Keyed by ``code`` (a :func:`count_points` or :func:`line_length` result).
    column : str
    level, vintage, areas : optional
        The areas the codes belong to (default: those recorded in the table's attrs,
        else districts of 2016).

    Returns
    -------
    pandas.DataFrame
        A copy with ``area_km2`` (if absent) and ``<column>_per_km2``.

    Examples
    --------
    >>> from ddmgeo import overlays
    >>> t = overlays.density(overlays.count_points("dsfsi_hospitals"), "n")
    >>> t[["code", "n", "n_per_km2"]].head(2).round(4)
      code   n  n_per_km2
    0  BUF  15     0.0055
    1  CPT  73     0.0302
    """
    import numpy as np
    import pandas as pd

    _check(table, column)
    meta = _meta.read(table)
    A = resolve_areas(level or meta.level or "district", vintage or meta.vintage or settings.DEFAULT_VINTAGE, areas)
    from ._vector import _area_km2

    size = pd.Series(_area_km2(A), index=A.codes)
    out = table.copy()
    out.attrs = dict(table.attrs)
    km2 = out["code"].map(size)
    unknown = sorted(set(out.loc[km2.isna() & out["code"].notna(), "code"]))
    if unknown:
        raise TableError(f"Codes {unknown[:10]} are not {A.label} areas: pass the level= (or areas=) the table was made for.")
    if "area_km2" not in out.columns:
        out["area_km2"] = km2.to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        out[f"{column}_per_km2"] = pd.to_numeric(out[column], errors="coerce").to_numpy(float) / km2.to_numpy(float)
    return out


def per_capita(
    table: "pd.DataFrame",
    column: str,
    *,
    level: str | None = None,
    year: int | None = None,
    vintage: int | None = None,
    per: int = 100_000,
    population: "pd.DataFrame | None" = None,
) -> "pd.DataFrame":
    """Add ``population`` and ``<column>_per_<per>`` (e.g. hospitals per 100,000 people).

    Parameters
    ----------
    table : DataFrame
        Keyed by ``code``.
    column : str
    level : str, optional
        The table's level (default: from its attrs, else district).
    year : int, optional
        Population year (default: the latest of ``indicators.get("population")``).
    per : int, default 100000
        ``1`` gives ``<column>_per_capita``.
    population : DataFrame, optional
        Your own ``code, population`` table (e.g. :func:`population_from_density`),
        instead of the indicator.

    Returns
    -------
    pandas.DataFrame
        A copy with ``population`` and the rate; areas without a population get NaN.

    Examples
    --------
    >>> from ddmgeo import overlays
    >>> t = overlays.per_capita(overlays.count_points("dsfsi_hospitals"), "n", year=2016)
    >>> t[["code", "n", "population", "n_per_100000"]].head(2).round(2)
      code   n  population  n_per_100000
    0  BUF  15    834997.0          1.80
    1  CPT  73   4005016.0          1.82
    """
    import numpy as np
    import pandas as pd

    _check(table, column)
    meta = _meta.read(table)
    lvl = level or meta.level or "district"
    v = vintage or meta.vintage or settings.DEFAULT_VINTAGE
    if population is None:
        from .. import indicators

        population = indicators.get("population", level=lvl, year=year, vintage=v)
    if "code" not in population.columns or "population" not in population.columns:
        raise TableError("population= needs 'code' and 'population' columns.")
    pop = population.drop_duplicates("code").set_index("code")["population"]
    unknown = sorted(set(table["code"].dropna()) - set(pop.index))
    if unknown:
        raise TableError(f"Codes {unknown[:10]} have no population at level {lvl!r}: pass the level= the table was made for, or population= with those codes.")
    out = table.copy()
    out.attrs = dict(table.attrs)
    out["population"] = out["code"].map(pop).to_numpy(float)
    name = f"{column}_per_capita" if per == 1 else f"{column}_per_{per}"
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = pd.to_numeric(out[column], errors="coerce").to_numpy(float) / out["population"].to_numpy(float) * per
    rate[out["population"].to_numpy(float) <= 0] = np.nan
    out[name] = rate
    return out
