"""Optional dependencies: import them, or say which ddmgeo extra installs them.

Every import of a dependency outside the core (``[project.optional-dependencies]`` in
``pyproject.toml``) goes through :func:`require`, directly or through the :func:`needs`
decorator of a public function, so a missing package stops with a
:class:`~ddmgeo.errors.MissingDependencyError` that says ``pip install "ddmgeo[<extra>]"``
instead of a bare ``ModuleNotFoundError``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from importlib import import_module
from types import ModuleType
from typing import Any, TypeVar

from .errors import MissingDependencyError

__all__ = ["EXTRAS", "needs", "require"]

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


def install_hint(extra: str) -> str:
    """The pip command that installs a ddmgeo extra, e.g. ``pip install "ddmgeo[maps]"``."""
    return f'pip install "ddmgeo[{extra}]"'


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import and return an optional module, or raise an error naming the extra that installs it.

    Parameters
    ----------
    module : str
        The dotted module name, e.g. ``"matplotlib.pyplot"``.
    extra : str
        The ddmgeo extra that installs it, e.g. ``"maps"``.
    purpose : str
        What it is needed for, read after "is needed", e.g. ``"to draw static maps"``.

    Returns
    -------
    types.ModuleType
        The imported module.

    Raises
    ------
    ddmgeo.errors.MissingDependencyError
        The module (or a module it needs) cannot be imported.
    """
    try:
        return import_module(module)
    except MissingDependencyError:
        raise
    except ImportError as exc:
        top = module.partition(".")[0]
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
