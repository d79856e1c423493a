"""Column roles: which column of a table holds the area's name or code, the province, the coordinates.

One vocabulary for every reader (``read_table``, ``read_points``, ``count_points``, ``spatialise``,
``track``): headers are split into words (case, accents, punctuation and spacing ignored, so
"District / Metro", "Local Municipality (LM)", "DM name", "Muni", "MDB code" and "GIS_Longitude"
are all read), and a header plays a role when its words say so:

* ``lon`` / ``lat``: lon, long, longitude, lng (then x) / lat, latitude (then y), else a header ending
  in "longitude" / "latitude";
* ``province``: a header with the word province or prov (and no district or municipality word);
* ``code``: the word code (or geo code, MDB code...) with nothing but area words besides;
* ``name``: only area words (district, municipality, muni, metro, local, LM, DM, area, region,
  location, place...) and, optionally, "name".

Area-name columns are returned finest first (a municipality column before a district column), so a
row placed by its text uses the most precise area it names.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._normalise import fold, tokens

LON_NAMES = (("lon", "long", "longitude", "lng"), ("x",))  # a group is tried only when the one before found nothing
LAT_NAMES = (("lat", "latitude"), ("y",))
# words that say "this column names an area", finest level first
_MUNICIPAL = {"municipality", "municipal", "muni", "munic", "local", "lm", "locality", "town", "city"}
_DISTRICT = {"district", "dm", "dc", "metro", "metropolitan", "metropole"}
_GENERIC = {"area", "region", "location", "place", "geography", "geo", "space"}
_AREA_WORDS = _MUNICIPAL | _DISTRICT | _GENERIC
_FILLER = {"name", "names", "of", "the", "and", "or", "mdb", "sa"}
_PROVINCE = {"province", "prov", "provinsie", "provincial"}


def words(header: object) -> list[str]:
    """The words of a header: ``"District / Metro"`` -> ``["district", "metro"]``."""
    return tokens(str(header))


def role(header: object) -> str | None:
    """``"code"``, ``"name"``, ``"province"`` or None for one header (coordinates: :func:`coordinate_candidates`).

    >>> [role(h) for h in ("District / Metro", "Local Municipality (LM)", "DM name", "Muni", "MDB code", "Province", "Project")]
    ['name', 'name', 'name', 'name', 'code', 'province', None]
    """
    w = set(words(header))
    if not w:
        return None
    if w & _PROVINCE and not w & (_MUNICIPAL | _DISTRICT):
        return "province" if w <= _PROVINCE | _FILLER | {"code"} else None
    if "code" in w and w - {"code"} <= _AREA_WORDS | _FILLER:
        return "code"
    if w & _AREA_WORDS and w <= _AREA_WORDS | _FILLER:
        return "name"
    return None


def _fineness(header: object) -> int:
    w = set(words(header))
    return 0 if w & _MUNICIPAL else (1 if w & _DISTRICT else 2)


def columns_with_role(columns: Sequence, wanted: str, *, finest_first: bool = True, generic: bool = True) -> list:
    """The columns whose header plays *wanted*, in the table's order or (area names and codes) finest first.

    ``generic=False`` leaves out headers made only of generic place words (region, location, place):
    a reader that can check a column's content then takes them only when their cells are area names."""
    hits = [c for c in columns if role(c) == wanted and (generic or set(words(c)) & (_MUNICIPAL | _DISTRICT | _PROVINCE | {"code", "area"}))]
    if finest_first and wanted in ("name", "code"):
        hits.sort(key=_fineness)
    return hits


def coordinate_candidates(columns: Sequence, axis: str) -> list:
    """The columns that could hold the longitude (``axis="lon"``) or latitude (``"lat"``): the first group of
    names with a match (ignoring case and surrounding space), else every column whose name ends in
    ``longitude`` / ``latitude`` (GIS_Longitude, "gps latitude")."""
    groups, suffix = (LON_NAMES, "longitude") if axis == "lon" else (LAT_NAMES, "latitude")
    lowered: dict[str, list] = {}
    for c in columns:
        lowered.setdefault(fold(str(c)).strip(), []).append(c)
    for names in groups:
        hits = [c for n in names for c in lowered.get(n, [])]
        if hits:
            return hits
    return [c for c in columns if fold(str(c)).strip().replace(" ", "_").endswith(suffix)]


def describe(table, columns: Sequence | None = None, *, resolved: dict | None = None) -> str:
    """What each column looks like, for an error that must say why no column was recognised:
    ``'Project' (text), 'Rand' (numbers), 'Where' (text, 40 % area names)``."""
    import pandas as pd

    parts = []
    for c in columns if columns is not None else list(table.columns):
        col = table[c]
        if pd.api.types.is_numeric_dtype(col.dtype):
            kind = "numbers"
        elif col.isna().all() or (col.astype(str).str.strip() == "").all():
            kind = "empty"
        else:
            kind = "text"
        share = (resolved or {}).get(c)
        parts.append(f"{c!r} ({kind}" + (f", {share:.0%} area names or codes" if share is not None else "") + ")")
    return ", ".join(parts)
