"""ddmgeo: geography for South Africa's District Development Model.

The 52 district and metropolitan spaces, their municipalities, provinces and
wards, with codes, names and former names resolved, and the data registry that
finds, downloads and verifies the real data behind them.

``import ddmgeo`` reads no file and opens no connection; the functions below
load their modules (and geopandas) on first use.

Examples
--------
>>> import ddmgeo
>>> ddmgeo.resolve("Cacadu")        # former name of Sarah Baartman (a FormerNameWarning says so)
'DC10'
>>> gdf = ddmgeo.districts()        # the 52 DDM spaces
>>> len(gdf)
52
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> (module, attribute); attribute None means the module itself
_LAZY: dict[str, tuple[str, str | None]] = {
    "boundaries": ("ddmgeo.areas", "boundaries"),
    "districts": ("ddmgeo.areas", "districts"),
    "areas_table": ("ddmgeo.areas", "areas_table"),
    "resolve": ("ddmgeo.names", "resolve"),
    "lineage": ("ddmgeo.names", "lineage"),
    "read_table": ("ddmgeo.tables", "read_table"),
    "join": ("ddmgeo.tables", "join"),
    "JoinReport": ("ddmgeo.tables", "JoinReport"),
    "metadata": ("ddmgeo._meta", "metadata"),
    "Metadata": ("ddmgeo._meta", "Metadata"),
    "Report": ("ddmgeo._meta", "Report"),
    "areas": ("ddmgeo.areas", None),
    "indicators": ("ddmgeo.indicators", None),
    "maps": ("ddmgeo.maps", None),
    "overlays": ("ddmgeo.overlays", None),
    "monitoring": ("ddmgeo.monitoring", None),
    "profiles": ("ddmgeo.profiles", None),
    "budget": ("ddmgeo.budget", None),
    "io": ("ddmgeo.io", None),
    "profile": ("ddmgeo.profiles", "profile"),
    "names": ("ddmgeo.names", None),
    "tables": ("ddmgeo.tables", None),
    "datasets": ("ddmgeo.datasets", None),
    "errors": ("ddmgeo.errors", None),
    "settings": ("ddmgeo.settings", None),
}

__all__ = ["__version__", *_LAZY]

if TYPE_CHECKING:  # pragma: no cover
    # explicit re-exports (`name as name`): __all__ is built from _LAZY, which linters cannot read
    from . import areas as areas
    from . import budget as budget
    from . import datasets as datasets
    from . import errors as errors
    from . import indicators as indicators
    from . import maps as maps
    from . import names as names
    from . import overlays as overlays
    from . import profiles as profiles
    from . import settings as settings
    from . import tables as tables
    from ._meta import Metadata as Metadata
    from ._meta import Report as Report
    from ._meta import metadata as metadata
    from .areas import areas_table as areas_table
    from .areas import boundaries as boundaries
    from .areas import districts as districts
    from .names import lineage as lineage
    from .names import resolve as resolve
    from .profiles import profile as profile
    from .tables import JoinReport as JoinReport
    from .tables import join as join
    from .tables import read_table as read_table


def __getattr__(name: str) -> Any:
    try:
        module_name, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'ddmgeo' has no attribute {name!r}") from None
    module = import_module(module_name)
    value = module if attr is None else getattr(module, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
