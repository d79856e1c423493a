"""Move counts between boundary vintages through the lineage table (areal weighting).

Each 2011 municipality's count is split over the 2016 municipalities it overlaps, in
proportion to the overlapping area (``share_of_old`` in ``data/boundaries/lineage.csv``,
renormalised to sum to one so nothing is lost to the slivers the lineage table drops).
Whole-municipality moves (renames, merges) therefore move whole counts; real boundary
changes move the area-weighted part. Intensive values are never moved: they are
recomputed from moved counts.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from ..errors import VintageError

if TYPE_CHECKING:
    import pandas as pd


@lru_cache(maxsize=8)
def weights(level: str = "municipality", from_vintage: int = 2011, to_vintage: int = 2016, method: str = "area") -> "pd.DataFrame":
    """Crosswalk weights ``old_code, new_code, weight`` (each old code's weights sum to 1).

    ``method="area"`` shares each old area by the area of its overlaps (the lineage table's
    ``share_of_old``); ``method="population"`` by the people living in each overlap, estimated from
    the WorldPop 2020 population-density surface (registered as ``worldpop_density_2020``; ~20 km
    cells, so it only refines overlaps of tens of kilometres). An old area whose overlaps hold no
    estimated people falls back to area.
    """
    from ..names import _lineage_table

    if (from_vintage, to_vintage) != (2011, 2016):
        raise VintageError(f"ddmgeo's lineage table runs from 2011 to 2016; it cannot move {from_vintage} codes to {to_vintage}.")
    if method not in ("area", "population"):
        raise VintageError(f"Unknown crosswalk weighting {method!r}: use 'area' or 'population'.")
    lin = _lineage_table()
    lin = lin[lin.level == level][["old_code", "new_code", "share_of_old"]].copy().reset_index(drop=True)
    lin["weight"] = lin.share_of_old / lin.groupby("old_code").share_of_old.transform("sum")
    if method == "population":
        pop = _piece_population(level)
        lin["people"] = [pop.get((o, n), 0.0) for o, n in zip(lin.old_code, lin.new_code)]
        total = lin.groupby("old_code").people.transform("sum")
        lin["weight"] = (lin.people / total).where(total > 0, lin.weight)
    return lin[["old_code", "new_code", "weight"]].reset_index(drop=True)


@lru_cache(maxsize=8)
def crosswalk(level: str = "municipality", from_vintage: int = 2011, to_vintage: int = 2016, method: str = "area"):
    """The crosswalk as sparse matrices: (old codes, new codes, W, W_other) with ``new = W @ old``.

    ``W_other`` keeps only the links between different codes (what moved to another code). Built once
    per process, so moving a table is one sparse product whatever its number of columns.
    """
    from scipy import sparse

    w = weights(level, from_vintage, to_vintage, method)
    old_codes = tuple(sorted(set(w.old_code)))
    new_codes = tuple(sorted(set(w.new_code)))
    oi = {c: i for i, c in enumerate(old_codes)}
    ni = {c: i for i, c in enumerate(new_codes)}
    rows = np.array([ni[c] for c in w.new_code])
    cols = np.array([oi[c] for c in w.old_code])
    vals = w.weight.to_numpy(dtype=float)
    shape = (len(new_codes), len(old_codes))
    W = sparse.csr_matrix((vals, (rows, cols)), shape=shape)
    moved = (w.old_code != w.new_code).to_numpy()
    W_other = sparse.csr_matrix((vals[moved], (rows[moved], cols[moved])), shape=shape)
    return old_codes, new_codes, W, W_other


def _piece_population(level: str) -> dict:
    """Estimated people in each (2011 area, 2016 area) overlap of the lineage table."""
    import geopandas as gpd
    import shapely

    from .. import settings
    from .._zonal import population_from_density
    from ..areas import boundaries
    from ..names import _lineage_table

    lin = _lineage_table()
    lin = lin[lin.level == level]
    old = boundaries(level, vintage=2011).set_index("code").geometry
    new = boundaries(level, vintage=2016).set_index("code").geometry
    pieces = shapely.intersection(np.asarray(old.reindex(lin.old_code).values), np.asarray(new.reindex(lin.new_code).values))
    codes = [f"{o}>{n}" for o, n in zip(lin.old_code, lin.new_code)]
    areas = gpd.GeoDataFrame({"code": codes}, geometry=pieces, crs=settings.STORAGE_CRS)
    areas = areas[~areas.geometry.is_empty & areas.geometry.notna()]
    areas["geometry"] = shapely.make_valid(np.asarray(areas.geometry.values))
    people = population_from_density("worldpop_density_2020", areas=areas).set_index("code")["population"]
    return {tuple(k.split(">")): float(v) for k, v in people.items()}


def move_counts(rows: "pd.DataFrame", *, from_vintage: int, to_vintage: int) -> tuple["pd.DataFrame", float]:
    """Move municipality counts (columns level, code, value) to the other vintage.

    Returns the moved rows (municipality rows, plus the national row when present,
    which no demarcation changes) and the share of the total that ended up under
    a different code than it started with.
    """
    import pandas as pd

    w = weights("municipality", from_vintage, to_vintage)
    munis = rows[rows.level == "municipality"]
    unknown = sorted(set(munis.code) - set(w.old_code))
    if unknown:
        raise VintageError(f"codes {unknown[:10]} are not municipalities of the {from_vintage} demarcation; cannot move them.")
    merged = munis.merge(w, left_on="code", right_on="old_code", how="left")
    merged["moved"] = merged["value"] * merged["weight"]
    new = merged.groupby("new_code")["moved"].sum(min_count=1)
    # a missing old value leaves every area it feeds missing
    incomplete = merged[merged["value"].isna()].new_code.unique()
    new[new.index.isin(incomplete)] = float("nan")
    total = munis["value"].sum()
    shifted = float(merged.loc[merged.old_code != merged.new_code, "moved"].sum())
    out = pd.DataFrame({"level": "municipality", "code": new.index, "value": new.values})
    national = rows[rows.level == "country"]
    return pd.concat([out, national[["level", "code", "value"]]], ignore_index=True), (shifted / total if total else 0.0)
