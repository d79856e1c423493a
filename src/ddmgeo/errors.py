"""The exceptions and warnings ddmgeo raises.

Every class subclasses the builtin a caller would naturally catch
(``KeyError`` for an unknown area, ``OSError`` for missing data, ...), so code
written against plain Python keeps working, while ``except ddmgeo.errors.DDMGeoError``
catches everything ddmgeo raises on purpose.

Messages say what was wrong and what to do about it.
"""

from __future__ import annotations

__all__ = [
    "AmbiguousAreaError",
    "BudgetError",
    "CRSError",
    "DDMGeoError",
    "DDMGeoWarning",
    "DataIntegrityError",
    "DataIntegrityWarning",
    "DataNotAvailableError",
    "FormerNameWarning",
    "GeometryRepairedWarning",
    "MissingDependencyError",
    "RawCountWarning",
    "SplitAreaError",
    "TableError",
    "UnknownAreaError",
    "UnknownDatasetError",
    "UnknownIndicatorError",
    "UnmatchedRowsError",
    "AggregationError",
    "VintageError",
    "NotComparableError",
    "RasterError",
    "YearError",
]


class DDMGeoError(Exception):
    """Base class of every error ddmgeo raises on purpose."""


class DataNotAvailableError(DDMGeoError, OSError):
    """A dataset is not on this machine and cannot be downloaded now.

    Raised offline (``DDMGEO_OFFLINE=1`` or no network) when a registered file is
    neither at an explicit path, in ``$DDMGEO_DATA_DIR`` nor in the user cache, and
    when a feature needs data that ddmgeo does not have at all (the message then
    names what would fill the gap).
    """


class MissingDependencyError(DDMGeoError, ImportError):
    """An optional dependency is not installed; the message names the extra that installs it.

    ``module`` is the missing module and ``extra`` the ddmgeo extra to install
    (``pip install "ddmgeo[<extra>]"``). Raised by :func:`ddmgeo._optional.require`.
    """

    def __init__(self, message: str, *, module: str = "", extra: str = ""):
        super().__init__(message, name=module or None)
        self.module = module
        self.extra = extra


class DataIntegrityError(DDMGeoError, OSError):
    """A file's checksum does not match the registry: the file is never used."""


class UnknownDatasetError(DDMGeoError, KeyError):
    """A dataset name is not in the registry."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class UnknownAreaError(DDMGeoError, KeyError):
    """A code or name matches no area; the message lists the closest matches."""

    def __init__(self, message: str, *, value: object = None, suggestions: tuple = ()):
        super().__init__(message)
        self.value = value
        self.suggestions = tuple(suggestions)

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class AmbiguousAreaError(DDMGeoError, ValueError):
    """A name fits more than one area or level; the message lists the candidates."""

    def __init__(self, message: str, *, value: object = None, candidates: tuple = ()):
        super().__init__(message)
        self.value = value
        self.candidates = tuple(candidates)


class SplitAreaError(AmbiguousAreaError):
    """A name or code of an area that was disestablished and split between several successors.

    ``successors`` holds their codes (``candidates`` their labels); name the successor the value
    belongs to, or let the caller spread over them where it offers that (``spatialise(successors="spread")``).
    """

    def __init__(self, message: str, *, value: object = None, candidates: tuple = (), successors: tuple = ()):
        super().__init__(message, value=value, candidates=candidates)
        self.successors = tuple(successors)


class UnknownIndicatorError(DDMGeoError, KeyError):
    """An indicator id is not in the catalogue; the message lists close ids."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class AggregationError(DDMGeoError, ValueError):
    """Values that cannot be combined as asked (a median summed, a rate without its counts, ...)."""


class TableError(DDMGeoError, ValueError):
    """A user table cannot be read or joined as it stands; the message names the line and the fix.

    Raised for a file whose content is not what its extension says, a table with no column of
    area names, numbers that are not numbers or read two ways, and areas given twice in a join.
    ``report`` holds the :class:`~ddmgeo.tables.JoinReport` when one was built.
    """

    def __init__(self, message: str, *, report: object = None):
        super().__init__(message)
        self.report = report


class UnmatchedRowsError(TableError):
    """A strict join (``strict=True``) left table rows unmatched or boundary rows without data."""


class CRSError(DDMGeoError, ValueError):
    """Geometry without a CRS, or in a CRS that cannot be used for the operation."""


class RasterError(DDMGeoError, ValueError):
    """A raster whose cells cannot be summarised as they are (a complex or other unsupported cell type);
    the message names the band, the type and how to convert it."""


class VintageError(DDMGeoError, ValueError):
    """A boundary vintage or level that ddmgeo does not know, or codes of the wrong vintage."""


class YearError(DDMGeoError, ValueError):
    """A year that is not a whole calendar year (``"2016/17"``, ``2016.5``, ``"next year"``) or not a plausible one (``20300``).

    ``parameter`` names the argument or column it was given in and ``value`` is what was given. A year
    written as text is accepted when it is a whole number (``"2016"``); see :func:`ddmgeo._numbers.read_year`.
    """

    def __init__(self, message: str, *, parameter: str = "", value: object = None):
        super().__init__(message)
        self.parameter = parameter
        self.value = value


class NotComparableError(DDMGeoError, ValueError):
    """An indicator cannot be compared between two years (definition changed, or not collected in one of them).

    The message gives the reason from ``data/indicators/comparability.csv`` or the years the indicator has.
    ``indicator``, ``start``, ``end`` and ``reason`` say which comparison was refused.
    """

    def __init__(self, message: str, *, indicator: str | None = None, start: int | None = None, end: int | None = None, reason: str = ""):
        super().__init__(message)
        self.indicator = indicator
        self.start = start
        self.end = end
        self.reason = reason


class BudgetError(DDMGeoError, ValueError):
    """A budget table or option that cannot be used as given (also ``ddmgeo.budget.BudgetError``)."""


class DDMGeoWarning(UserWarning):
    """Base class of ddmgeo's warnings."""


class FormerNameWarning(DDMGeoWarning):
    """A name was resolved through a former name or a retired code (see ``ddmgeo.lineage``)."""


class RawCountWarning(DDMGeoWarning):
    """A count (population, households) was shaded as a choropleth: big areas look important whatever the
    count. Map a share or a density, or draw proportional symbols."""


class DataIntegrityWarning(DDMGeoWarning):
    """A stored product (a cache file, a member of the embedded core) failed its checksum and was not used."""


class GeometryRepairedWarning(DDMGeoWarning):
    """Invalid source polygons were repaired with ``shapely.make_valid`` (none were dropped)."""
