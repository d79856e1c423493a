"""The one place for ddmgeo's constants and environment-driven settings.

Environment variables (read when a function needs them, never at import):

``DDMGEO_DATA_DIR``
    A folder laid out like the registry's ``path`` entries (for example a copy
    of the project's shared data); searched before the user cache.
``DDMGEO_CACHE_DIR``
    Overrides the user cache folder (default ``pooch.os_cache("ddmgeo")``).
``DDMGEO_OFFLINE``
    ``1``/``true``/``yes`` forbids downloads: a missing file raises
    :class:`~ddmgeo.errors.DataNotAvailableError` instead.
``DDMGEO_NUMBER_STYLE``
    ``statssa`` (default): a space between thousands and a decimal comma, as Stats SA
    publishes (``62 027 503``, ``29,8 %``); ``point``: the space and a decimal point
    (``29.8 %``). Used by every table, map, profile, deck and CLI output.

Coordinate reference systems
----------------------------
Storage and output use :data:`STORAGE_CRS` (EPSG:4326, what the Municipal
Demarcation Board and every shared layer publish). Areas and area-weighted
overlays are computed in :data:`EQUAL_AREA_CRS`, **ESRI:102022** (Africa
Albers Equal Area Conic: central meridian 25 °E, standard parallels 20 °N and
23 °S). Any equal-area projection gives the same areas; ESRI:102022 is chosen
over EPSG:9221 (Hartebeesthoek94 / ZAF BSU Albers 25E, parallels 22 °S and
38 °S) because it is the CRS in which the shared data's published area checks
(and the 1,221,037 km² national total) were computed, so ddmgeo reproduces
them to the square kilometre, and because EPSG:9221 is missing from the older
PROJ databases some analysts' GDAL/QGIS installs still carry. Distances use
:data:`DISTANCE_CRS` (EPSG:9221), whose parallels sit inside the country and
keep scale error small across it.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

#: CRS in which every GeoDataFrame ddmgeo returns is stored.
STORAGE_CRS = "EPSG:4326"

#: Equal-area CRS used for every area (and area-weighted) computation.
EQUAL_AREA_CRS = "ESRI:102022"

#: Projected CRS for distances and buffers inside South Africa.
DISTANCE_CRS = "EPSG:9221"

#: Version of the normalised-layer format; bump to invalidate GeoParquet caches.
CACHE_FORMAT_VERSION = 3

#: Boundary vintages ddmgeo knows: the demarcation whose *codes* a layer carries.
VINTAGES = (2011, 2016, 2021)

#: The default vintage: the 2016 demarcation, whose codes every indicator table uses.
DEFAULT_VINTAGE = 2016

#: Levels of the hierarchy, coarsest first.
LEVELS = ("province", "district", "municipality", "ward")

#: The eight metropolitan municipalities (category A): district spaces and municipalities at once.
METRO_CODES = ("BUF", "CPT", "EKU", "ETH", "JHB", "MAN", "NMA", "TSH")

#: The nine provinces, code -> name.
PROVINCES = {
    "EC": "Eastern Cape",
    "FS": "Free State",
    "GT": "Gauteng",
    "KZN": "KwaZulu-Natal",
    "LIM": "Limpopo",
    "MP": "Mpumalanga",
    "NC": "Northern Cape",
    "NW": "North West",
    "WC": "Western Cape",
}

_TRUE = {"1", "true", "yes", "on"}

#: number styles: (thousands separator, decimal symbol); the separator is a no-break space
NUMBER_STYLES = {"statssa": ("\u00a0", ","), "point": ("\u00a0", ".")}

#: the style used when DDMGEO_NUMBER_STYLE is not set
DEFAULT_NUMBER_STYLE = "statssa"


def number_style() -> tuple[str, str]:
    """(thousands separator, decimal symbol) of the configured number style (``$DDMGEO_NUMBER_STYLE``)."""
    name = os.environ.get("DDMGEO_NUMBER_STYLE", "").strip().lower() or DEFAULT_NUMBER_STYLE
    try:
        return NUMBER_STYLES[name]
    except KeyError:
        from .errors import DDMGeoError

        raise DDMGeoError(f"DDMGEO_NUMBER_STYLE={name!r} is not a number style: use one of {', '.join(NUMBER_STYLES)}.") from None


def crs(name: str):
    """The :class:`pyproj.CRS` for *name* (one of the constants above), parsed once per process.

    Passing the same CRS object to ``set_crs``/``to_crs`` spares pyproj parsing the
    definition again on every call.
    """
    return _crs(name)


@lru_cache(maxsize=16)
def _crs(name: str):
    from pyproj import CRS

    return CRS.from_user_input(name)


def package_data_dir() -> Path:
    """Folder of ddmgeo's own registries and fact tables (the repository's ``data/``).

    A wheel carries them as ``ddmgeo/_data``; an editable install reads the
    repository's ``data/`` folder.
    """
    here = Path(__file__).resolve().parent
    shipped = here / "_data"
    if shipped.is_dir():
        return shipped
    return here.parent.parent / "data"


def data_dir() -> Path | None:
    """The folder named by ``$DDMGEO_DATA_DIR``, or None when it is not set."""
    value = os.environ.get("DDMGEO_DATA_DIR", "").strip()
    return Path(value).expanduser() if value else None


def cache_dir() -> Path:
    """The user cache: ``$DDMGEO_CACHE_DIR`` or ``pooch.os_cache("ddmgeo")``."""
    value = os.environ.get("DDMGEO_CACHE_DIR", "").strip()
    if value:
        return Path(value).expanduser()
    import pooch

    return Path(pooch.os_cache("ddmgeo"))


def offline() -> bool:
    """True when ``$DDMGEO_OFFLINE`` forbids downloads."""
    return os.environ.get("DDMGEO_OFFLINE", "").strip().lower() in _TRUE
