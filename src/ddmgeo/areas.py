"""Boundaries of the 52 district spaces, their municipalities, provinces and wards.

Every layer comes back with the same normalised columns, valid geometry in
EPSG:4326 and metadata (:func:`ddmgeo.metadata`) saying which geometry the user got:

========================  =========================================================
``code``                  MDB code (``DC36``, ``JHB``, ``LIM362``, ``GT``, ward id)
``name``                  short name (``Waterberg``, ``Lephalale``)
``official_name``         the full name (``Waterberg District Municipality``)
``province_code``         ``EC FS GT KZN LIM MP NC NW WC``
``district_code``         the district space (metros: their own code); not on provinces
``municipality_code``     wards only
``category``              ``A`` metro, ``B`` local, ``C`` district; None for provinces and wards
``area_km2``              area in the equal-area CRS (:data:`ddmgeo.settings.EQUAL_AREA_CRS`)
========================  =========================================================

Vintages are named by the demarcation whose **codes** a layer carries. The
default, ``vintage=2016``, is the code set every indicator table uses; its
geometry is the MDB 2020 delimitation, which carries exactly the 2016 codes
and hierarchy. ``vintage=2011`` is the 2011 demarcation (234 municipalities).
``vintage=2021`` names the same 2020 delimitation, and is the only vintage
with ward geometry (the 2021 wards).

By default (``nested=True``) districts and provinces are the dissolved
municipalities, so the hierarchy nests exactly (the source layers were
generalised separately and differ by up to 1.7 % of a district's area);
``nested=False`` gives the MDB's own district and province layers.
"""

from __future__ import annotations

import logging
import warnings
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from . import _meta, _registry, settings
from ._vintage import boundary_vintage, code_vintage
from .errors import DataIntegrityError, DataNotAvailableError, GeometryRepairedWarning, VintageError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = ["areas_table", "boundaries", "districts"]

log = logging.getLogger(__name__)

# Levels are plain str, checked at run time by one owner (areas._check_level / the indicator engine), whose
# error names the valid ones: a Literal here would make every internal caller cast a str it already checked.
Level = str

_COLUMNS = ["code", "name", "official_name", "province_code", "district_code", "municipality_code", "category", "area_km2"]


def _check_level(level: str) -> str:
    if level not in settings.LEVELS:
        raise VintageError(f"Unknown level {level!r}: use one of {', '.join(settings.LEVELS)}.")
    return level


def _check_vintage(vintage: int | str) -> int:
    """The boundary geometry year of *vintage* (see :mod:`ddmgeo._vintage`, the one owner)."""
    return boundary_vintage(vintage)


@lru_cache(maxsize=1)
def _gazetteer() -> "pd.DataFrame":
    import pandas as pd

    path = settings.package_data_dir() / "boundaries" / "areas.csv"
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def areas_table(level: Level | None = None, *, vintage: int = settings.DEFAULT_VINTAGE) -> "pd.DataFrame":
    """The gazetteer: codes, names and parents of every area of a vintage, without geometry.

    Reads only ddmgeo's own fact table (``data/boundaries/areas.csv``), so it
    works with no data downloaded.

    Parameters
    ----------
    level : {"province", "district", "municipality"}, optional
        One level; all three when omitted.
    vintage : {2016, 2011, 2021}, default 2016

    Returns
    -------
    pandas.DataFrame
        Columns ``level, code, name, official_name, district_code, province_code, category, source``.

    Examples
    --------
    >>> import ddmgeo
    >>> t = ddmgeo.areas_table("district")
    >>> len(t), sorted(t.category.value_counts().items())
    (52, [('A', 8), ('C', 44)])
    """
    v = _check_vintage(vintage)
    if level is not None and _check_level(level) == "ward":
        raise VintageError("The gazetteer holds provinces, districts and municipalities; for wards use ddmgeo.boundaries('ward', vintage=2021).")
    g = _gazetteer()
    out = g[g["vintage"] == str(code_vintage(v))]
    if level is not None:
        out = out[out["level"] == level]
    out = out.drop(columns="vintage").reset_index(drop=True)
    out["category"] = out["category"].replace("", None)
    out["district_code"] = out["district_code"].replace("", None)
    return out


def _gazetteer_hash() -> str:
    from .datasets import sha256sum

    return sha256sum(settings.package_data_dir() / "boundaries" / "areas.csv")[:10]


def _layer(level: str, vintage: int, resolution: str) -> _registry.Layer:
    codes = code_vintage(vintage) if level != "ward" else vintage
    for layer in _registry.layers():
        if layer.level == level and layer.vintage == codes and layer.resolution == resolution:
            return layer
    if level == "ward":
        raise DataNotAvailableError(
            f"Ward geometry of the {vintage} vintage is not available: ddmgeo has the 2021 wards "
            "(ddmgeo.boundaries('ward', vintage=2021)). The MDB 2016 ward shapefile (MunicipalWards2016.shp, 57.9 MB, "
            "Git LFS in j-norwood-young/SA-Maps) or the OpenUp 2016 layer 'Wards_2016_geomfix' would fill this; "
            "the 2016 ward attribute table is registered as 'mdb2016_ward_attributes'."
        )
    available = sorted({(lay.level, lay.vintage) for lay in _registry.layers() if lay.resolution == resolution})
    raise DataNotAvailableError(
        f"No {resolution} {level} geometry of the {vintage} vintage is registered. Registered {resolution} layers: "
        + ", ".join(f"{lv} {v}" for lv, v in available)
        + ". Full-resolution geometry is registered for the 2016 districts only (MDB shapefile, Git LFS)."
    )


def _read_source(layer: _registry.Layer) -> tuple["gpd.GeoDataFrame", _registry.Dataset]:
    import pyogrio

    from . import datasets

    ds = _registry.get(layer.dataset)
    path = datasets.fetch(ds.name)
    src = f"/vsizip/{path}/{layer.member}" if layer.member else str(path)
    if src.endswith(".shp") and not layer.member:
        # an LFS-served .shp comes without its .shx; GDAL can rebuild it
        pyogrio.set_gdal_config_options({"SHAPE_RESTORE_SHX": "YES"})
    gdf = pyogrio.read_dataframe(src, encoding=layer.encoding or None)
    if gdf.crs is None:
        if not layer.crs:
            raise DataIntegrityError(f"{src} has no CRS and the registry gives none for it; add `crs` to its [[layer]] entry.")
        gdf = gdf.set_crs(layer.crs)
    return gdf, ds


@lru_cache(maxsize=8)
def mdb_area_km2(level: str, vintage: int = settings.DEFAULT_VINTAGE) -> "pd.Series":
    """The MDB's own area of every area of a level (km², by code), from its layer's area attribute.

    The OpenUp copies of the MDB 2020 delimitation keep the MDB's ``Area`` (hectares) of the
    unsimplified polygons (City of Johannesburg 1,642.6 km², where the generalised polygon
    gives 1,595 km²). Empty when the layer has no such attribute (the 2011 layer), so callers
    fall back to the geometry's area and say so.

    Parameters
    ----------
    level : {"province", "district", "municipality", "ward"}
    vintage : int, default 2016
        2016 (and 2021, the same delimitation) for provinces, districts and municipalities;
        2021 for wards.

    Returns
    -------
    pandas.Series
        Area in km² indexed by code (float); empty if the layer has no area attribute.
    """
    import pandas as pd
    import pyogrio

    from . import datasets

    layer = _layer(_check_level(level), _check_vintage(vintage), "generalised")
    column = layer.columns.get("area_ha")
    if not column:
        return pd.Series(dtype=float)
    path = datasets.fetch(layer.dataset)
    src = f"/vsizip/{path}/{layer.member}" if layer.member else str(path)
    raw = pyogrio.read_dataframe(src, columns=[layer.columns["code"], column], read_geometry=False, encoding=layer.encoding or None)
    codes = raw[layer.columns["code"]].astype(str).str.strip()
    if codes.duplicated().any():
        raise DataIntegrityError(f"{layer.dataset}: codes {sorted(codes[codes.duplicated()])} occur more than once in {layer.member}.")
    return pd.Series(pd.to_numeric(raw[column], errors="raise").astype(float).to_numpy() / 100.0, index=codes.to_numpy(), name="area_km2")


def _repair(gdf: "gpd.GeoDataFrame") -> list[str]:
    """Make invalid polygons valid in place (never dropping a row); return the repaired codes."""
    import shapely

    geoms = gdf.geometry.values
    bad = ~shapely.is_valid(geoms)
    if not bad.any():
        return []
    fixed = shapely.make_valid(geoms[bad], method="structure", keep_collapsed=False)
    gdf.loc[bad, gdf.geometry.name] = fixed
    still = ~shapely.is_valid(gdf.geometry.values) | gdf.geometry.is_empty.values
    if still.any():
        raise DataIntegrityError(f"Could not repair the geometry of {list(gdf.loc[still, 'code'])}.")
    codes = sorted(gdf.loc[bad, "code"].astype(str))
    return codes


def _normalise(level: str, vintage: int, resolution: str, nested: bool) -> "gpd.GeoDataFrame":
    import geopandas as gpd

    dissolve = level in ("district", "province") and (nested or vintage == 2011) and resolution == "generalised"
    layer = _layer("municipality" if dissolve else level, vintage, resolution)
    raw, ds = _read_source(layer)
    cols = layer.columns
    gdf = gpd.GeoDataFrame({"code": raw[cols["code"]].astype(str).str.strip()}, geometry=raw.geometry.values, crs=raw.crs)
    if gdf["code"].duplicated().any():
        dup = sorted(gdf.loc[gdf["code"].duplicated(), "code"])
        raise DataIntegrityError(f"{ds.name}: codes {dup} occur more than once in {layer.member or ds.path}.")
    if level == "ward":
        gdf["municipality_code"] = raw[cols["municipality"]].astype(str).str.strip().values
    repaired = _repair(gdf)
    if repaired:
        warnings.warn(
            f"{len(repaired)} invalid {layer.level} polygon(s) in {layer.member or ds.path} were repaired with "
            f"shapely.make_valid (none dropped): {', '.join(repaired[:12])}{' ...' if len(repaired) > 12 else ''}",
            GeometryRepairedWarning,
            stacklevel=6,  # the caller of ddmgeo.boundaries()
        )
    gdf = gdf.to_crs(settings.STORAGE_CRS)

    codes = code_vintage(vintage)
    if level == "ward":
        munis = areas_table("municipality", vintage=codes).set_index("code")
        unknown = sorted(set(gdf["municipality_code"]) - set(munis.index))
        if unknown:
            raise DataIntegrityError(f"Wards of {ds.name} name municipalities {unknown} that the {codes} gazetteer does not hold.")
        gdf["name"] = gdf["code"]
        gdf["official_name"] = "Ward " + gdf["code"]
        gdf["district_code"] = gdf["municipality_code"].map(munis["district_code"])
        gdf["province_code"] = gdf["municipality_code"].map(munis["province_code"])
        gdf["category"] = None
    else:
        table = areas_table(level, vintage=codes).set_index("code")
        if dissolve:
            munis = areas_table("municipality", vintage=codes).set_index("code")
            missing = sorted(set(gdf["code"]) - set(munis.index))
            if missing:
                raise DataIntegrityError(f"{ds.name}: municipalities {missing} are not in the {codes} gazetteer.")
            key = "district_code" if level == "district" else "province_code"
            gdf["code"] = gdf["code"].map(munis[key])
            gdf = gdf.dissolve(by="code", as_index=False)[["code", "geometry"]]
        layer_codes, table_codes = set(gdf["code"]), set(table.index)
        if layer_codes != table_codes:
            raise DataIntegrityError(
                f"The {level} layer of {ds.name} and ddmgeo's {codes} gazetteer disagree: "
                f"only in the layer {sorted(layer_codes - table_codes)}, only in the gazetteer {sorted(table_codes - layer_codes)}."
            )
        for col in ("name", "official_name", "province_code", "district_code", "category"):
            gdf[col] = gdf["code"].map(table[col])
        if level == "province":
            gdf["district_code"] = None
        gdf["municipality_code"] = None
    gdf["area_km2"] = gdf.geometry.to_crs(settings.EQUAL_AREA_CRS).area / 1e6
    keep = [c for c in _COLUMNS if c != "municipality_code" or level == "ward"]
    if level == "province":
        keep.remove("district_code")
    gdf = gdf[keep + ["geometry"]].sort_values("code", key=_code_sort_key).reset_index(drop=True)
    gdf = gpd.GeoDataFrame(gdf, geometry="geometry", crs=settings.STORAGE_CRS)
    _meta.attach(
        gdf,
        level=level,
        vintage=vintage,
        resolution=resolution,
        nested=bool(dissolve),
        geometry=layer.geometry + (f"; {level}s dissolved from its municipalities" if dissolve else ""),
        dataset=ds.name,
        sha256=ds.sha256,
        attribution=ds.attribution,
        licence=ds.licence,
        repaired=repaired,
    )
    return gdf


def _code_sort_key(codes: "pd.Series") -> "pd.Series":
    """Sort DC2 before DC10 and EC101 before EC1010-style codes: natural order."""
    return codes.str.replace(r"(\d+)", lambda m: m.group(1).zfill(8), regex=True)


def boundaries(
    level: Level = "district",
    *,
    vintage: int = settings.DEFAULT_VINTAGE,
    resolution: Literal["generalised", "full"] = "generalised",
    nested: bool = True,
) -> "gpd.GeoDataFrame":
    """Boundaries of one level of South Africa's municipal hierarchy.

    Parameters
    ----------
    level : {"district", "province", "municipality", "ward"}, default "district"
        ``district`` gives the 52 DDM spaces (44 district municipalities and
        8 metros), ``municipality`` every local and metropolitan municipality,
        ``ward`` the wards (2021 vintage only).
    vintage : {2016, 2011, 2021}, default 2016
        The demarcation whose codes the layer carries (see the module notes on
        which geometry each gives).
    resolution : {"generalised", "full"}, default "generalised"
        ``full`` downloads the MDB's full-resolution shapefile where one is
        registered (2016 districts); offline it raises
        :class:`~ddmgeo.errors.DataNotAvailableError`.
    nested : bool, default True
        Build districts and provinces by dissolving the municipalities, so the
        levels nest exactly. ``False`` reads the MDB's own (separately
        generalised) layers; the 2011 vintage is always dissolved.

    Returns
    -------
    geopandas.GeoDataFrame
        Normalised columns (module notes), EPSG:4326, valid geometry, one row
        per area, natural code order. Its metadata (:func:`ddmgeo.metadata`) records the dataset,
        its checksum, the geometry description and any repaired polygons.

    Raises
    ------
    VintageError
        Unknown level or vintage.
    DataNotAvailableError
        The data is not on this machine and cannot be downloaded now.
    DataIntegrityError
        A source file does not match its registered checksum.

    Examples
    --------
    >>> import ddmgeo
    >>> munis = ddmgeo.boundaries("municipality")
    >>> len(munis), munis.crs.to_string()
    (213, 'EPSG:4326')
    """
    from ._cache import cached_layer

    level = _check_level(level)
    v = _check_vintage(vintage)
    if resolution not in ("generalised", "full"):
        raise VintageError(f"Unknown resolution {resolution!r}: use 'generalised' or 'full'.")
    if level == "ward" and v != 2021:
        _layer("ward", v, resolution)  # raises DataNotAvailableError with what would fill the gap
    return cached_layer(layer_key(level, v, resolution=resolution, nested=nested), lambda: _normalise(level, v, resolution, nested))


def layer_key(level: str, vintage: int, *, resolution: str = "generalised", nested: bool = True) -> str:
    """The store key of a normalised layer: level, vintage, geometry and the source's registered checksum.

    Computed from the registry alone, so callers can name a layer without loading it.
    """
    dissolve = level in ("district", "province") and (nested or vintage == 2011) and resolution == "generalised"
    layer = _layer("municipality" if dissolve else level, vintage, resolution)
    ds = _registry.get(layer.dataset)
    checksum = (ds.sha256 or ds.git_blob)[:16]
    return f"{level}-{vintage}-{resolution}-{'nested' if dissolve else 'source'}-{checksum}-{_gazetteer_hash()}-v{settings.CACHE_FORMAT_VERSION}"


def districts(*, vintage: int = settings.DEFAULT_VINTAGE, **kwargs) -> "gpd.GeoDataFrame":
    """The 52 district and metropolitan spaces of the DDM (44 category C + 8 category A).

    Shortcut for ``boundaries("district", vintage=vintage, **kwargs)``.

    Examples
    --------
    >>> import ddmgeo
    >>> d = ddmgeo.districts()
    >>> d.loc[d.code == "DC36", "name"].item()
    'Waterberg'
    """
    return boundaries("district", vintage=vintage, **kwargs)


def codes_of(level: str, vintage: int) -> tuple[str, ...]:
    """Every area code of a level (natural order), for the levels indicators are asked at: ``country`` (ZA),
    ``district_municipality`` (the 44 DC codes), provinces, districts and municipalities."""
    if level == "country":
        return ("ZA",)
    if level == "ward":
        raise DataNotAvailableError("ward codes come from the ward tables, not the gazetteer")
    if level == "district_municipality":
        t = areas_table("district", vintage=vintage)
        return tuple(c for c in t.code if c.startswith("DC"))

    t = areas_table(level, vintage=vintage)
    return tuple(t.code.iloc[_code_sort_key(t.code).argsort()].tolist())


def names_of(level: str, vintage: int, codes=()) -> dict[str, str]:
    """Code -> name at *level*: every area of the gazetteer (memoised; shared, do not change it), South Africa for
    ``country``, "... District Municipality" for ``district_municipality``, a ward named by its code (*codes*)."""
    if level == "country":
        return {"ZA": "South Africa"}
    if level in ("ward",):
        return {c: c for c in codes}
    return _name_map(level, code_vintage(vintage))


@lru_cache(maxsize=32)
def _name_map(level: str, vintage: int) -> dict[str, str]:
    """Code -> name of every area of a level (the gazetteer, read once per level and vintage)."""
    t = areas_table("district" if level == "district_municipality" else level, vintage=vintage)
    names = dict(zip(t.code, t.name))
    if level == "district_municipality":
        names = {c: f"{n} District Municipality" for c, n in names.items()}
    return names
