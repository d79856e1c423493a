"""Optional dependencies: import them, or say which ddmgeo extra installs them.

Every import of a dependency outside the core (``[project.optional-dependencies]`` in
``pyproject.toml``) goes through :func:`require`, directly or through the :func:`needs`
decorator of a public function, so a missing package stops with a
:class:`~ddmgeo.errors.MissingDependencyError` that says ``pip install "ddmgeo[<extra>]"``
instead of a bare ``ModuleNotFoundError``.
"""

from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Callable
from importlib import import_module
from types import ModuleType
from typing import Any, TypeVar

from .errors import MissingDependencyError

__all__ = ["EXTRAS", "PURPOSES", "install_hint", "needs", "require"]

F = TypeVar("F", bound=Callable[..., Any])

#: The extra that installs each optional module (keep in step with pyproject.toml).
#: Module names; the distribution differs for dask_geopandas (dask-geopandas) and pptx (python-pptx).
EXTRAS: dict[str, str] = {
    "matplotlib": "maps",
    "mapclassify": "maps",
    "folium": "interactive",
    "rasterio": "raster",
    "esda": "spatial",
    "libpysal": "spatial",
    "jinja2": "report",
    "weasyprint": "report",
    "tqdm": "report",
    "pptx": "report",
    "openpyxl": "excel",
    "xlrd": "excel",
    "dask": "dask",
    "dask_geopandas": "dask",
    "py7zr": "build",
    "rdata": "build",
}


#: What each extra is for, as read after "is needed" (the default purpose of :func:`require`).
PURPOSES: dict[str, str] = {
    "maps": "to draw maps",
    "interactive": "to make interactive maps",
    "raster": "to read rasters",
    "spatial": "for local spatial statistics (hotspots)",
    "report": "to build profiles, decks and their progress bars",
    "excel": "to read and write Excel workbooks",
    "build": "to build datasets from their upstream files",
    "dask": "for engine='dask'",
}


def install_hint(extra: str) -> str:
    """The pip command that installs a ddmgeo extra, e.g. ``pip install "ddmgeo[maps]"``."""
    return f'pip install "ddmgeo[{extra}]"'


def require(module: str, extra: str | None = None, purpose: str | None = None) -> ModuleType:
    """Import and return an optional module, or raise an error naming the extra that installs it.

    Every import of an optional module in ddmgeo is a call of this function (or of :func:`needs`);
    ``tests/test_optional.py`` checks that no ``import`` statement of one is left outside
    ``if TYPE_CHECKING:``. ``require("matplotlib.patches").Patch`` stands for
    ``from matplotlib.patches import Patch``.

    Warnings raised while the module is imported are not shown: they are the dependency's notices about
    its own setup (tqdm's "IProgress not found" when esda is imported in Jupyter), not about the user's data.

    Parameters
    ----------
    module : str
        The dotted module name, e.g. ``"matplotlib.pyplot"``.
    extra : str, optional
        The ddmgeo extra that installs it, e.g. ``"maps"`` (default: :data:`EXTRAS` of its package).
    purpose : str, optional
        What it is needed for, read after "is needed", e.g. ``"to draw static maps"``
        (default: :data:`PURPOSES` of the extra).

    Returns
    -------
    types.ModuleType
        The imported module.

    Raises
    ------
    ddmgeo.errors.MissingDependencyError
        The module (or a module it needs) cannot be imported.
    """
    cached = sys.modules.get(module)  # imported already (drawing code asks often); None: hidden, so fall through
    if cached is not None:
        return cached
    top = module.partition(".")[0]
    extra = extra or EXTRAS[top]
    purpose = purpose or PURPOSES.get(extra, f"for ddmgeo[{extra}]")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return import_module(module)
    except MissingDependencyError:
        raise
    except ImportError as exc:
        missing = (exc.name or top).partition(".")[0]
        if missing in EXTRAS:  # the module, or another optional module it imports (esda needs libpysal)
            top = missing
        why = "is not installed" if missing == top else f"could not be imported ({exc})"
        message = f"{top} is needed {purpose} but {why}: {install_hint(extra)}"
        raise MissingDependencyError(message, module=top, extra=extra) from exc


def needs(*modules: str, extra: str, purpose: str) -> Callable[[F], F]:
    """Decorate a public function so that it checks its optional modules before any work.

    Parameters
    ----------
    *modules : str
        The modules the function imports.
    extra : str
        The ddmgeo extra that installs them.
    purpose : str
        What they are needed for (see :func:`require`).

    Returns
    -------
    Callable
        A decorator; the decorated function keeps its name, signature and docstring.
    """

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for module in modules:
                require(module, extra, purpose)
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
