"""The wards of a municipality: codes, names and areas of a ward demarcation, from Wazimap's geography table.

The gazetteer (:func:`ddmgeo.areas_table`) holds provinces, districts and municipalities; wards come
from the registered ``wazimap_geographies`` table, which lists the wards of the 2011 and 2016
demarcations with their municipality and the MDB's area. The 2021 wards have geometry
(:func:`ddmgeo.boundaries`) but no census figures in ddmgeo's data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import settings
from .errors import DataNotAvailableError, UnknownAreaError

if TYPE_CHECKING:
    import pandas as pd

DATASET = "wazimap_geographies"
DEMARCATIONS = (2011, 2016)


def _key() -> str:
    from . import _registry

    ds = _registry.get(DATASET)
    return f"wards-{(ds.sha256 or ds.git_blob)[:16]}-v{settings.CACHE_FORMAT_VERSION}"


def _build() -> "pd.DataFrame":
    import pandas as pd

    from . import datasets

    raw = pd.read_csv(datasets.fetch(DATASET), dtype=str, keep_default_na=False)
    w = raw[raw["geo_level"] == "ward"]
    number = w["name"].str.extract(r"Ward (\d+)", expand=False)
    return pd.DataFrame(
        {
            "code": w["geo_code"].to_numpy(),
            "demarcation": w["demarcation"].astype(int).to_numpy(),
            "municipality": w["parent_code"].to_numpy(),
            "ward": pd.to_numeric(number, errors="coerce").astype("Int64").to_numpy(),
            "area_km2": pd.to_numeric(w["square_kms"], errors="coerce").to_numpy(),
        }
    )


def wards_of(municipality: str, *, demarcation: int = 2016) -> "pd.DataFrame":
    """The wards of one municipality (a metro or a local municipality) in a ward demarcation.

    Parameters
    ----------
    municipality : str
        Municipality code of the 2016 code set (``"CPT"``, ``"LIM361"``).
    demarcation : {2016, 2011}, default 2016
        The ward demarcation: 2016 (the 2016 local elections, 4,392 wards) or 2011 (4,277 wards).

    Returns
    -------
    pandas.DataFrame
        ``code`` (8-digit MDB ward code), ``ward`` (its number in the municipality), ``area_km2``
        (the MDB's area), sorted by ward number.

    Examples
    --------
    >>> from ddmgeo._wards import wards_of
    >>> len(wards_of("CPT"))
    116
    """
    from ._cache import stored

    if demarcation not in DEMARCATIONS:
        raise DataNotAvailableError(
            f"Wards of the {demarcation} demarcation are not in ddmgeo's data: the ward table "
            f"({DATASET}) has the {' and '.join(map(str, DEMARCATIONS))} demarcations."
        )
    table = stored(_key(), _build, copy=False)
    mine = table[(table["demarcation"] == demarcation) & (table["municipality"] == municipality)]
    if mine.empty:
        raise UnknownAreaError(
            f"No wards of {municipality!r} in the {demarcation} ward demarcation: give a municipality code of the "
            "2016 code set (a metro such as 'CPT' or a local municipality such as 'LIM361')."
        )
    return mine.sort_values("ward")[["code", "ward", "area_km2"]].reset_index(drop=True)
