"""The ``ddm`` command line.

Exit codes: 0 when the work was done; 2 for a usage error (an unknown option or command, a
value that is not allowed, a name you typed that ddmgeo cannot resolve: an area, indicator,
dataset, theme or file); 1 when the command line was fine but the work failed (data not
available, a file whose content is wrong, a missing optional dependency, a failed build,
fetch or profile, rows that could not be placed) or for an unexpected error. Every error is
one ``error:`` line (a traceback only with ``--debug``).

Examples
--------
.. code-block:: console

    $ ddm districts                       # the 52 district spaces
    $ ddm resolve "OR Tambo" Cacadu Joburg
    $ ddm boundaries municipality --out munis.gpkg
    $ ddm catalogue --theme services
    $ ddm catalogue piped water          # indicators whose id, label or definition hold both words
    $ ddm data list
    $ ddm data fetch --all --to ./ddm-data
    $ ddm data build cs2016_indicators
    $ ddm data verify
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import sys
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import typer
import typer.core

from . import _meta
from .errors import (
    AggregationError,
    AmbiguousAreaError,
    BudgetError,
    CRSError,
    DataIntegrityError,
    DataNotAvailableError,
    DDMGeoError,
    MissingDependencyError,
    NotComparableError,
    TableError,
    UnknownAreaError,
    UnknownDatasetError,
    UnknownIndicatorError,
    VintageError,
    YearError,
)

__all__ = ["WRITES", "app", "exit_code", "for_cli", "main", "writable"]

#: exit code of a usage error (click's own) and of failed work
USAGE, FAILED = 2, 1

#: errors about the work, not the command line (checked first: several subclass ValueError)
_WORK_ERRORS = (DataNotAvailableError, DataIntegrityError, NotComparableError, TableError, CRSError, MissingDependencyError, AggregationError)
#: errors about what was typed: a name that cannot be resolved, a value that is not allowed
_USAGE_ERRORS = (UnknownAreaError, AmbiguousAreaError, UnknownIndicatorError, UnknownDatasetError, VintageError, YearError, BudgetError)
#: builtin errors that mean a bad argument when ddmgeo raises them on purpose
_ARGUMENT_ERRORS = (ValueError, KeyError, TypeError, FileNotFoundError)

_PACKAGE = os.path.dirname(os.path.abspath(__file__))

#: click's exception base, as typer ships it (its own copy of click from typer 0.20, click itself before)
_CLICK_ERROR: type[Exception] = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")

#: options of the command being run (set by the root group for the length of the command)
_RUN: dict[str, bool] = {"quiet": False}


def _raised_by_ddmgeo(exc: BaseException) -> bool:
    """Whether ddmgeo raised *exc* on purpose (its own class, or a builtin raised in ddmgeo's code)."""
    if isinstance(exc, DDMGeoError):
        return True
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and os.path.abspath(frames[-1].filename).startswith(_PACKAGE + os.sep) and type(exc).__module__ == "builtins"


def exit_code(exc: BaseException) -> int:
    """The exit code of an error: 2 for a usage error, 1 for failed work (see the module docstring).

    Parameters
    ----------
    exc : BaseException
        The error a command raised.

    Returns
    -------
    int
        ``2`` (usage) or ``1`` (failed work, or an unexpected error).
    """
    if isinstance(exc, _CLICK_ERROR):  # click's usage errors (and the rare ClickException with its own code)
        return getattr(exc, "exit_code", USAGE)
    if isinstance(exc, _WORK_ERRORS):
        return FAILED
    if isinstance(exc, _USAGE_ERRORS):
        return USAGE
    if isinstance(exc, _ARGUMENT_ERRORS) and _raised_by_ddmgeo(exc):
        return USAGE
    return FAILED


# Python calls in error messages, and the ddm command that does the same (the user is on the command line)
_CALL = r"`?(?:ddmgeo\.)?"
_NAME = r"\(\s*['\"]([\w.-]+)['\"]\s*\)`?"
_TRANSLATIONS: tuple[tuple[str, str], ...] = (
    # "`ddm data list` (or ddmgeo.datasets.list_datasets())": the ddm command is already there
    (r"(`ddm [^`]+`)\s*\((?:or )?(?:ddmgeo\.)?[\w.]+\([^()]*\)\)", r"\1"),
    (_CALL + r"datasets\.list_datasets\(\)`?", "`ddm data list`"),
    (_CALL + r"datasets\.fetch" + _NAME, r"`ddm data fetch \1`"),
    (_CALL + r"datasets\.build" + _NAME, r"`ddm data build \1`"),
    (_CALL + r"indicators\.catalogue\(\)`?", "`ddm catalogue`"),
    (_CALL + r"boundaries\(\s*['\"](\w+)['\"],\s*vintage=(\d{4})\s*\)`?", r"`ddm boundaries \1 --vintage \2 --out FILE`"),
    (_CALL + r"lineage" + _NAME, r"`ddm lineage \1`"),
    (r"`?ddmgeo\.lineage\b(?!\()`?", "`ddm lineage`"),
    (r"\bvintage=(\d{4})\b", r"--vintage \1"),
)


def for_cli(message: str) -> str:
    """An error message for the command line: one line, with ``ddm`` commands for the Python calls it suggests.

    Parameters
    ----------
    message : str
        The message of a ddmgeo error (possibly several lines).

    Returns
    -------
    str
        The message on one line, ``ddmgeo.datasets.fetch("x")`` shown as ```ddm data fetch x```,
        ``ddmgeo.indicators.catalogue()`` as ```ddm catalogue``` and so on.
    """
    text = " ".join(line.strip() for line in str(message).splitlines() if line.strip())
    for pattern, replacement in _TRANSLATIONS:
        text = re.sub(pattern, replacement, text)
    return text


def _message(exc: BaseException) -> str:
    """The text of an error: its message, or its type and message for an unexpected one."""
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    if _raised_by_ddmgeo(exc):
        return for_cli(text)
    return f"{type(exc).__name__}: {for_cli(text)} (run with --debug for the traceback)"


def _error(text: str, code: int = FAILED) -> NoReturn:
    """Print one ``error:`` line on stderr and exit with *code*."""
    typer.secho(f"error: {text}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=code)


@contextlib.contextmanager
def _logging(verbose: bool) -> Iterator[None]:
    """With --verbose, ddmgeo's INFO messages go to stderr for the length of the command."""
    if not verbose:
        yield
        return
    logger = logging.getLogger("ddmgeo")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


def _from_ddmgeo(category: type[Warning], filename: str) -> bool:
    """Whether a warning is ddmgeo's: one of its classes, or issued in its code."""
    from .errors import DDMGeoWarning

    return issubclass(category, DDMGeoWarning) or os.path.abspath(filename).startswith(_PACKAGE + os.sep)


@contextlib.contextmanager
def _warnings(quiet: bool, verbose: bool) -> Iterator[None]:
    """Warnings as ``warning:`` lines on stderr for the length of a command.

    Default: each distinct warning once, as one line (ddmgeo's with ``ddm`` commands for the Python calls
    they suggest). --quiet: ddmgeo's warnings are not shown (others still are). --verbose: every
    occurrence, with its class and where it was raised.
    """
    import warnings

    seen: set[tuple[type[Warning], str]] = set()

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        ours = _from_ddmgeo(category, filename)
        if quiet and ours:
            return
        text = for_cli(str(message))
        if not verbose:  # the same warning raised at several places in the code is one line
            if (category, text) in seen:
                return
            seen.add((category, text))
        if verbose:
            text += f" ({category.__name__}, {os.path.basename(filename)}:{lineno})"
        elif not ours:
            text = f"{category.__name__}: {text}"
        typer.secho(f"warning: {text}", fg=typer.colors.YELLOW, err=True)

    with warnings.catch_warnings():
        warnings.showwarning = show
        if verbose:
            warnings.simplefilter("always")
        yield


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that flushing it at exit raises nothing more."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _click_error(exc: Exception) -> NoReturn:
    """A usage error as the usage line and one ``error:`` line (click would draw a box)."""
    if type(exc).__name__ == "NoArgsIsHelpError":  # `ddm data` alone: click prints the help
        raise exc
    code = getattr(exc, "exit_code", USAGE)
    ctx = getattr(exc, "ctx", None)
    hint = ""
    if ctx is not None and code == USAGE:
        typer.echo(ctx.get_usage(), err=True)
        hint = f" (see `{ctx.command_path} --help`)"
    _error(for_cli(exc.format_message()) + hint, code)


class _Group(typer.core.TyperGroup):
    """The root command: --verbose logging around every command, and every error as one ``error:`` line."""

    def make_context(self, info_name: str | None, args: list[str], parent: typer.Context | None = None, **extra: Any) -> typer.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except _CLICK_ERROR as exc:  # a bad option of ddm itself
            _click_error(exc)
            raise  # pragma: no cover - _click_error always raises

    def invoke(self, ctx: typer.Context) -> Any:
        quiet, verbose = bool(ctx.params.get("quiet")), bool(ctx.params.get("verbose"))
        _RUN["quiet"] = quiet
        started = time.perf_counter()
        with _logging(verbose), _warnings(quiet, verbose):
            try:
                result = super().invoke(ctx)
                if verbose and ctx.invoked_subcommand:
                    typer.echo(f"ddm: {ctx.invoked_subcommand} done in {time.perf_counter() - started:.1f} s", err=True)
                return result
            except _CLICK_ERROR as exc:
                _click_error(exc)
            except (typer.Exit, typer.Abort):
                raise
            except KeyboardInterrupt:
                _error("interrupted", 130)
            except BrokenPipeError:  # the reader went away (`ddm data list | head`): stop quietly, as Unix tools do
                _silence_stdout()
                raise typer.Exit(code=141) from None
            except Exception as exc:
                if ctx.params.get("debug"):
                    raise
                _error(_message(exc), exit_code(exc))
            finally:
                _RUN["quiet"] = False


app = typer.Typer(
    name="ddm",
    cls=_Group,
    help="ddmgeo: boundaries, names and data for South Africa's District Development Model (52 district spaces).",
    epilog="Exit codes: 0 done; 1 the work failed (data not available, a failed build or profile); 2 a usage error.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="List, fetch, build, export and verify the registered datasets.", no_args_is_help=True)
app.add_typer(data_app, name="data")


def _version(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"ddmgeo {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only what was asked for: no 'wrote ...' lines, progress or ddmgeo warnings."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Also print ddmgeo's progress messages (INFO logging), every warning with its origin, and the time taken, on stderr."),
    debug: bool = typer.Option(False, "--debug", help="Show the full traceback of an error."),
) -> None:
    """ddmgeo: boundaries, indicators, profiles, maps and budgets for the DDM's 52 district spaces.

    Exit codes: 0 done, 1 the work failed, 2 a usage error. Example: ddm profile Waterberg --out waterberg.html
    """
    if quiet and verbose:
        raise typer.BadParameter("use --quiet or --verbose, not both", param_hint="--quiet")


def _info(message: str) -> None:
    """A line about what was done ("wrote ..."): printed unless --quiet."""
    if not _RUN["quiet"]:
        typer.echo(message)


# ----------------------------------------------------------------------------- completion


def _complete(candidates: Iterator[str] | list[str], incomplete: str) -> list[str]:
    low = incomplete.lower()
    return sorted({c for c in candidates if c.lower().startswith(low)})


def _complete_dataset(incomplete: str) -> list[str]:
    try:
        from . import _registry

        return _complete(list(_registry.datasets()), incomplete)
    except Exception:  # completion must never fail the shell
        return []


def _complete_indicator(incomplete: str) -> list[str]:
    try:
        from . import indicators

        return _complete(list(indicators.catalogue()["id"]), incomplete)
    except Exception:
        return []


def _complete_district(incomplete: str) -> list[str]:
    try:
        import ddmgeo

        table = ddmgeo.areas_table("district")
        return _complete([*table["code"], *table["name"]], incomplete)
    except Exception:
        return []


# ----------------------------------------------------------------------------- output


def _print_table(df, *, columns: list[str] | None = None) -> None:
    import pandas as pd

    with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 200, "display.max_colwidth", 60):
        typer.echo((df[columns] if columns else df).to_string(index=False))


def _terminal_width() -> int:
    """The terminal's width ($COLUMNS first), 80 when there is no terminal."""
    return shutil.get_terminal_size(fallback=(80, 24)).columns


def _print_fitted(table, columns: list[str], *, shrink: str, least: int = 0, droppable: tuple[str, ...] = ()) -> None:
    """Left-aligned columns that fit the terminal: the *shrink* column is cut (with …) to what is left, but not below *least*.

    When even that does not fit, the *droppable* columns are left out, in their order, until it does.
    """
    cells = {c: ["" if v is None or v != v else str(v) for v in table[c]] for c in columns}  # v != v: NaN
    widths = {c: max([len(c), *map(len, cells[c])]) for c in columns}

    def room() -> int:
        return _terminal_width() - sum(w for c, w in widths.items() if c != shrink) - 2 * (len(widths) - 1)

    for column in droppable:
        if room() >= max(len(shrink), least):
            break
        del widths[column], cells[column]
    columns = [c for c in columns if c in widths]
    room = room()
    widths[shrink] = min(widths[shrink], max(len(shrink), least, room))
    cut = widths[shrink]
    cells[shrink] = [v if len(v) <= cut else v[: cut - 1] + "…" for v in cells[shrink]]
    lines = ["  ".join(c.ljust(widths[c]) for c in columns)]
    lines += ["  ".join(cells[c][i].ljust(widths[c]) for c in columns) for i in range(len(table))]
    typer.echo("\n".join(line.rstrip() for line in lines))


#: what each command's output options can write, by suffix: anything else is a usage error (exit 2) before any
#: work, never a file in another format under the name given; the writers below take their suffixes from here
_LAYER_SUFFIXES = (".gpkg", ".geojson", ".json", ".parquet", ".fgb", ".shp", ".csv")
_TABLE_SUFFIXES = (".csv", ".xlsx", ".parquet")
_STATIC_MAP_SUFFIXES = (".png", ".svg", ".pdf")
WRITES: dict[str, dict[str, tuple[str, ...]]] = {
    "districts": {"--out": _LAYER_SUFFIXES},
    "boundaries": {"--out": _LAYER_SUFFIXES},
    "indicators": {"--out": _TABLE_SUFFIXES},
    "change": {"--out": _TABLE_SUFFIXES, "--map": _STATIC_MAP_SUFFIXES},
    "profile": {"--out": (".html", ".htm", ".pdf", ".md", ".pptx", ".xlsx")},
    "deck": {"--out": (".pptx",)},
    "map": {"--out": (*_STATIC_MAP_SUFFIXES, ".html")},
    "spatialise": {"--out": (".csv", ".xlsx"), "--map": _STATIC_MAP_SUFFIXES, "--unallocated": (".csv",), "--allocations": (".csv",)},
    "zonal": {"--out": (".csv", ".parquet")},
    "points": {"--out": (".csv", ".parquet")},
}
#: a word on what the output is, where the suffixes alone do not say it
_WRITES_NOTE = {("deck", "--out"): "a deck is a .pptx file", ("map", "--out"): ".html is the interactive map"}


def _suffixes_text(suffixes: tuple[str, ...]) -> str:
    return suffixes[0] if len(suffixes) == 1 else f"{', '.join(suffixes[:-1])} or {suffixes[-1]}"


def writable(command: str, option: str, out: Path) -> str:
    """The lower-case suffix of *out* if ``ddm COMMAND OPTION`` can write it, else a usage error listing those it can.

    Parameters
    ----------
    command, option : str
        A command and one of its output options (a key of :data:`WRITES`).
    out : pathlib.Path
        The path given.

    Returns
    -------
    str
        The suffix, e.g. ``".gpkg"``.
    """
    suffixes = WRITES[command][option]
    suffix = out.suffix.lower()
    if suffix not in suffixes:
        note = _WRITES_NOTE.get((command, option))
        raise typer.BadParameter(
            f"cannot write {out.name}: `ddm {command} {option}` writes {_suffixes_text(suffixes)}"
            + (f" ({note})" if note else "")
            + "; give the file one of these suffixes",
            param_hint=option,
        )
    return suffix


def _input_files(value: str | Path) -> list[Path]:
    """The files an input argument reads: the path itself, or where a registered dataset is kept (data folder, cache)."""
    p = Path(value).expanduser()
    if p.exists() or p.is_symlink():
        return [p]
    from . import _registry

    try:
        ds = _registry.get(str(value))
    except (KeyError, ValueError):
        return [p]
    from . import settings
    from .datasets import _candidates

    return [c for _, c in _candidates(ds, None)] + [settings.cache_dir() / ds.path]


def _same_file(a: Path, b: Path) -> bool:
    """Whether *a* and *b* are one file (the same resolved path, through symlinks and hard links)."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.expanduser().resolve() == b.expanduser().resolve()


def _check_outputs(command: str, outputs: dict[str, Path | None], *, inputs: dict[str, Any] | None = None) -> None:
    """Before any work: every output of ``ddm COMMAND`` has a suffix it can write, none is one of its inputs, no two are one file.

    *outputs* maps an option (``--out``) to its path (None when not given); *inputs* maps an argument's
    name (``FILE``) to the path or registry name given. Every problem is a usage error (exit 2).
    """
    given = {opt: path for opt, path in outputs.items() if path is not None}
    for option, path in given.items():
        writable(command, option, path)
    for name, value in (inputs or {}).items():
        if value is None:
            continue
        for source in _input_files(value):
            for option, path in given.items():
                if _same_file(path, source):
                    raise typer.BadParameter(
                        f"{path} is the input {name} ({source.resolve()}): ddm never writes over its own input; "
                        "choose another output file",
                        param_hint=option,
                    )
    seen: list[tuple[str, Path]] = []
    for option, path in given.items():
        for other, earlier in seen:
            if _same_file(path, earlier):
                raise typer.BadParameter(f"{other} and {option} both name {path}: one would overwrite the other; give each its own file", param_hint=option)
        seen.append((option, path))


def _need_openpyxl(out: Path) -> None:
    if out.suffix.lower() == ".xlsx":
        from ._optional import require

        require("openpyxl", "excel", f"to write {out.name}")


def _write_table(table, out: Path, command: str) -> None:
    """A table (no geometry) to .csv, .xlsx or .parquet, by the file's suffix."""
    suffix = writable(command, "--out", out)
    _need_openpyxl(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".xlsx":  # a workbook: labelled columns, numbers with formats, a definitions and a notes sheet
        from .io import to_workbook

        to_workbook(table, out)
        return
    {".csv": lambda: table.to_csv(out, index=False), ".parquet": lambda: table.to_parquet(out, index=False)}[suffix]()


def _write(gdf, out: Path, command: str, *, layer: str | None = None) -> None:
    """A layer to a file by its suffix; a GeoPackage keeps its other layers (*layer* names this one)."""
    suffix = writable(command, "--out", out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".parquet":
        gdf.to_parquet(out, index=False)
    elif suffix == ".gpkg":
        from .io import to_geopackage

        name = layer or out.stem
        held = to_geopackage({name: gdf}, out)
        others = [n for n in held if n != name]
        _info(f"wrote layer {name!r} ({len(gdf)} rows) to {out}" + (f"; the file also holds {', '.join(others)}" if others else ""))
        return
    elif suffix in (".geojson", ".json", ".shp", ".fgb"):
        from .io import _write_vector

        _write_vector(gdf, out)  # a shapefile's renamed fields: one DDMGeoWarning listing old -> new
    else:  # .csv
        gdf.drop(columns="geometry").to_csv(out, index=False)
    _info(f"wrote {len(gdf)} rows to {out}")


# ----------------------------------------------------------------------------- areas


@app.command()
def districts(
    vintage: int = typer.Option(2016, help="Boundary vintage: 2016 (default), 2011 or 2021."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Also write them (.gpkg, .geojson, .parquet, .fgb, .shp, .csv)."),
) -> None:
    """List the 52 DDM district and metropolitan spaces.

    Example: ddm districts --out districts.gpkg
    """
    import ddmgeo

    _check_outputs("districts", {"--out": out})
    gdf = ddmgeo.districts(vintage=vintage)
    munis = ddmgeo.areas_table("municipality", vintage=vintage)
    table = gdf.drop(columns="geometry").copy()
    n = munis.groupby("district_code").size()  # a metro counts as its own (single) municipality
    table["municipalities"] = table["code"].map(n).fillna(0).astype(int)
    table["area_km2"] = table["area_km2"].round(0).astype(int)
    _print_table(table, columns=["code", "name", "province_code", "category", "municipalities", "area_km2"])
    meta = _meta.read(gdf).as_dict()
    typer.echo(
        f"\n{len(gdf)} district spaces ({(gdf.category == 'C').sum()} districts, {(gdf.category == 'A').sum()} metros); "
        f"geometry: {meta.get('geometry', '?')}.\n{meta.get('attribution', '')}"
    )
    if out is not None:
        _write(gdf, out, "districts", layer=f"district_{vintage}")


@app.command()
def boundaries(
    level: str = typer.Argument("district", help="province, district, municipality or ward."),
    vintage: int = typer.Option(2016, help="Boundary vintage: 2016 (default), 2011 or 2021 (wards)."),
    resolution: str = typer.Option("generalised", help="generalised (default) or full (download)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output file (.gpkg, .geojson, .parquet, .fgb, .shp, .csv)."),
) -> None:
    """Write the boundaries of one level to a file.

    Example: ddm boundaries municipality --out munis.gpkg
    """
    import ddmgeo

    _check_outputs("boundaries", {"--out": out})
    _write(ddmgeo.boundaries(level, vintage=vintage, resolution=resolution), out, "boundaries", layer=f"{level}_{vintage}")


@app.command()
def resolve(
    names: list[str] = typer.Argument(..., help="Codes or names, as people write them."),
    level: str | None = typer.Option(None, help="Only this level: province, district, municipality, ward."),
    vintage: int = typer.Option(2016, help="Vintage of the returned codes."),
) -> None:
    """Print the MDB code of each name (former names and spellings included); exit 2 if a name matches nothing.

    Example: ddm resolve "OR Tambo" Cacadu "Emalahleni (MP)"
    """
    import warnings

    import ddmgeo

    failed = 0
    for name in names:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                code = ddmgeo.resolve(name, level=level, vintage=vintage)
            except (UnknownAreaError, AmbiguousAreaError) as exc:
                typer.secho(f"{name}\t-\t{for_cli(str(exc))}", fg=typer.colors.RED, err=True)
                failed += 1
                continue
        notes = "; ".join(str(w.message) for w in caught)
        typer.echo(f"{name}\t{code}" + (f"\t({notes})" if notes else ""))
    if failed:
        _error(f"{failed} of {len(names)} name(s) could not be resolved (listed above)", USAGE)


@app.command()
def lineage(
    code: str = typer.Argument(..., help="A code or name."),
    vintage: int = typer.Option(2011, help="2011: what the area became; 2016: what it came from."),
) -> None:
    """Show what a 2011 area became in 2016 (or where a 2016 area came from).

    Example: ddm lineage EC103
    """
    import ddmgeo

    table = ddmgeo.lineage(code, vintage=vintage)
    if table.empty:
        _error(f"no lineage rows for {code!r}", FAILED)
    _print_table(table, columns=["level", "old_code", "old_name", "new_code", "new_name", "change", "share_of_old", "share_of_new", "year"])


# ----------------------------------------------------------------------------- indicators


def _print_catalogue(theme: str | None, search: str | None = None) -> None:
    from . import indicators as ind

    cat = ind.catalogue(search, theme=theme)
    if search is not None and cat.empty:
        within = f" in theme {theme!r}" if theme else ""
        typer.echo(f"No indicator matches {search!r}{within}: every word must occur in the id, label or definition. `ddm catalogue` lists them all.")
        return
    from ._numbers import parse_years

    latest = cat.assign(year=[str(max(parse_years(y))) if parse_years(y) else "" for y in cat["year"]])
    # on a narrow terminal (80 columns) the unit, then the theme, make room for the label
    _print_fitted(latest, ["id", "theme", "kind", "unit", "year", "label"], shrink="label", least=24, droppable=("unit", "theme"))
    typer.echo(f"\n{len(cat)} indicators. Values: ddm indicators ID ... --level LEVEL")


_THEME_HELP = "Only one theme (demographics, economy, spatial, infrastructure, services, governance) or its One Plan area, e.g. 'Economic positioning'."


def _complete_theme(incomplete: str) -> list[str]:
    from .indicators import ONE_PLAN_AREAS

    return _complete([*ONE_PLAN_AREAS, *ONE_PLAN_AREAS.values()], incomplete)


@app.command()
def catalogue(
    search: list[str] | None = typer.Argument(None, help="Words to find in the ids, labels and definitions (all must occur), e.g. piped water."),
    theme: str | None = typer.Option(None, help=_THEME_HELP, autocompletion=_complete_theme),
) -> None:
    """List the indicator catalogue: id, theme, kind, unit, latest year and label (with words: the indicators that match).

    Example: ddm catalogue piped water   (or: ddm catalogue --theme "Integrated service provision")
    """
    _print_catalogue(theme, " ".join(search) if search else None)


@app.command()
def indicators(
    ids: list[str] = typer.Argument(None, help="Indicator ids (see `ddm catalogue`); none to list the catalogue.", autocompletion=_complete_indicator),
    level: str = typer.Option("district", help="country, province, district or municipality."),
    year: int | None = typer.Option(None, help="Reference year (default: each indicator's latest)."),
    vintage: int = typer.Option(2016, help="Boundary vintage."),
    theme: str | None = typer.Option(None, help="With no ids: list one theme (or One Plan area) only.", autocompletion=_complete_theme),
    search: str | None = typer.Option(None, "--search", "-s", help="With no ids: list the indicators whose id, label or definition hold every word, e.g. 'piped water'."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the values (.csv, .xlsx, .parquet)."),
) -> None:
    """Get indicator values for every area of a level (with no ids: list the catalogue, as `ddm catalogue`).

    Example: ddm indicators unemployment_rate piped_water_share --level municipality --out values.csv   (or: ddm indicators --search water)
    """
    from . import indicators as ind

    if not ids:
        _print_catalogue(theme, search)
        return
    if search is not None or theme is not None:
        raise typer.BadParameter("--search and --theme list the catalogue: give them without indicator ids", param_hint="--search/--theme")
    _check_outputs("indicators", {"--out": out})
    table = ind.get(ids, level=level, year=year, vintage=vintage)
    if out is None:
        _print_table(table)
    else:
        _write_table(table, out, "indicators")
        _info(f"wrote {len(table)} rows x {len(ids)} indicators to {out}")
    meta = _meta.read(table).indicators
    for i, m in meta.items():
        _info(f"{i}: {m['label']} ({m['year']}, {m['source']}){'; ' + m['notes'] if m['notes'] else ''}")


@app.command()
def change(
    ids: list[str] = typer.Argument(..., help="Indicator ids to compare between two years (also development_index, service_index)."),
    start: int = typer.Option(2011, help="Baseline year."),
    end: int = typer.Option(2016, help="Latest year."),
    level: str = typer.Option("district", help="district, municipality or province."),
    vintage: int = typer.Option(2016, help="Boundary vintage (both years are put on it)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the change table (.csv, .xlsx, .parquet)."),
    map_: Path | None = typer.Option(None, "--map", help="Also write a change map of the first indicator (.png/.svg/.pdf)."),
) -> None:
    """Change between two years on the same boundaries: absolute, relative, percentage points, direction and ranks.

    Example: ddm change informal_dwelling_share --start 2011 --end 2016 --out change.csv --map change.png
    """
    from . import maps, monitoring

    _check_outputs("change", {"--out": out, "--map": map_})
    table = monitoring.change(ids, start=start, end=end, level=level, vintage=vintage)
    if out is None:
        _print_table(table, columns=[c for c in ("code", "name", "indicator", "start_value", "end_value", "change", "direction", "rank_movement") if c in table.columns])
    else:
        _write_table(table, out, "change")
        _info(f"wrote {len(table)} rows to {out}")
    if map_ is not None:
        maps.save(maps.change_map(table, ids[0]), map_)
        _info(f"wrote {map_}")
    counts = table.groupby("direction").size().to_dict() if "direction" in table.columns else {}
    _info("; ".join(f"{k}: {v}" for k, v in counts.items()))


# ----------------------------------------------------------------------------- profiles and maps


@app.command()
def profile(
    area: str | None = typer.Argument(None, help="A district space, municipality or province: code, name or former name (e.g. Waterberg, DC36, Lephalale, Limpopo, Eden).", autocompletion=_complete_district),
    out: Path = typer.Option(..., "--out", "-o", help="Output file (one profile) or folder (--all)."),
    fmt: str | None = typer.Option(None, "--format", "-f", help="html, pdf, md, pptx or xlsx (default: from the --out suffix, else html)."),
    all_: bool = typer.Option(False, "--all", help="Build every profile of a level (default: the 52 district spaces) into the --out folder, with an index.html."),
    level: str | None = typer.Option(None, help="With AREA: the kind of area it names when the name is ambiguous; with --all: district (default), municipality or province."),
    province: str | None = typer.Option(None, help="With --all: only the areas of this province (e.g. NC, Limpopo)."),
    vintage: int = typer.Option(2016, help="Boundary vintage."),
    jobs: int = typer.Option(1, "--jobs", "-j", help="Worker processes for --all."),
) -> None:
    """Build the diagnostic profile of an area (HTML, PDF, Markdown, a slide deck or a workbook), or many with --all.

    Example: ddm profile Waterberg --out waterberg.html   (or: ddm profile --all --province LIM --out profiles/ --jobs 2)
    """
    import warnings

    from . import profiles

    if all_ == (area is not None):
        raise typer.BadParameter("give one AREA or --all (not both)")
    if fmt is not None and fmt not in _PROFILE_FORMATS:
        raise typer.BadParameter(f"unknown format {fmt!r}: use html, pdf, md, pptx or xlsx", param_hint="--format")
    if all_:  # --out is a folder; the format is --format, else html
        kind = fmt or "html"
    else:
        kind = _PROFILE_SUFFIXES[writable("profile", "--out", out)]
        if fmt is not None and fmt != kind:
            wanted = _suffixes_text(tuple(s for s, k in _PROFILE_SUFFIXES.items() if k == fmt))
            raise typer.BadParameter(f"--format {fmt} but --out {out.name} is a {out.suffix.lower()} file: name it with {wanted}, or leave out --format", param_hint="--format")
    if all_:
        if kind in ("pptx", "xlsx"):
            raise typer.BadParameter("--all builds html, pdf or md profiles with an index; make decks and workbooks one area at a time", param_hint="--format")
        _profile_all(out, kind, level=level or "district", province=province, vintage=vintage, jobs=jobs)
        return
    if province is not None:
        raise typer.BadParameter("--province chooses the profiles of --all; name one AREA without it", param_hint="--province")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = profiles.profile(area, level=level, vintage=vintage)  # type: ignore[arg-type]
        {"html": p.to_html, "pdf": p.to_pdf, "md": p.to_markdown, "pptx": p.to_pptx, "xlsx": p.to_xlsx}[kind](out)
    _info(f"wrote {out} ({p.name}, {p.code})")


_PROFILE_SUFFIXES = {".html": "html", ".htm": "html", ".pdf": "pdf", ".md": "md", ".pptx": "pptx", ".xlsx": "xlsx"}
_PROFILE_FORMATS = ("html", "pdf", "md", "pptx", "xlsx")


@app.command()
def deck(
    area: str = typer.Argument(..., help="A district space, municipality or province (e.g. Waterberg, Lephalale, Limpopo).", autocompletion=_complete_district),
    out: Path = typer.Option(..., "--out", "-o", help="The slide deck (.pptx)."),
    level: str | None = typer.Option(None, help="The kind of area AREA names when the name is ambiguous: district, municipality or province."),
    vintage: int = typer.Option(2016, help="Boundary vintage."),
) -> None:
    """A 16:9 slide deck of an area's profile: title, key figures, maps and charts, key issues, sources.

    Example: ddm deck Waterberg --out waterberg.pptx
    """
    import warnings

    from . import profiles

    _check_outputs("deck", {"--out": out})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = profiles.profile(area, level=level, vintage=vintage)  # type: ignore[arg-type]
        p.to_pptx(out)
    _info(f"wrote {out} ({p.name}, {p.code}: {len(p.key_figures)} key figures, {sum(len(s.figures) for s in p.sections)} maps and charts)")


def _profile_all(out: Path, kind: str, *, level: str, province: str | None, vintage: int, jobs: int) -> None:
    """Every profile of *level* (in *province*) into *out*; one FAILED line per failure, then exit 1."""
    from . import profiles

    progress = False if _RUN["quiet"] else None  # None: a bar on a terminal, a line per area otherwise
    result = profiles.build_all(out, fmt=kind, level=level, province=province, vintage=vintage, jobs=jobs, progress=progress)
    failed = result[result.status != "ok"]
    _info(f"built {len(result) - len(failed)} of {len(result)} profiles in {out} (index: {out / 'index.html'})")
    for r in failed.itertuples():
        typer.secho(f"FAILED {r.code} {r.name}: {for_cli(str(r.error))}", fg=typer.colors.RED, err=True)
    if len(failed):
        _error(f"{len(failed)} of {len(result)} profiles could not be built (listed above)", FAILED)


def _check_palette(name: str) -> None:
    """A usage error naming some colormaps when *name* is not one matplotlib knows."""
    from ._optional import require

    if name not in require("matplotlib").colormaps:
        some = ", ".join(["Blues", "Greens", "OrRd", "YlGnBu", "viridis", "cividis", "RdBu"])
        raise typer.BadParameter(f"{name!r} is not a matplotlib colormap; try one of {some} (names are case-sensitive)", param_hint="--palette")


@app.command("map")
def map_(
    indicator: str = typer.Argument(..., help="A catalogue indicator id (see `ddm catalogue`).", autocompletion=_complete_indicator),
    out: Path = typer.Option(..., "--out", "-o", help="Output: .png, .svg, .pdf (static) or .html (interactive)."),
    level: str = typer.Option("district", help="district, municipality or province."),
    year: int | None = typer.Option(None, help="Reference year (default: the indicator's latest)."),
    vintage: int = typer.Option(2016, help="Boundary vintage."),
    scheme: str = typer.Option("quantiles", help="quantiles, equal_interval, natural_breaks, fisher_jenks."),
    k: int = typer.Option(5, help="Number of classes."),
    size: str = typer.Option("slide", help="slide (16:9) or a4."),
    tiles: str = typer.Option("none", help="Background tiles of an .html map, e.g. openstreetmap (fetched when the page opens); the default 'none' needs no internet."),
    dpi: int = typer.Option(200, help="PNG resolution."),
    title: str | None = typer.Option(None, "--title", help="Title of a static map (default: the indicator's label and year)."),
    palette: str | None = typer.Option(None, "--palette", help="A matplotlib colormap, e.g. Blues, viridis (default: by whether higher is better or worse)."),
    area: str | None = typer.Option(None, "--area", help="A province or district space as the map's extent, e.g. Limpopo or Waterberg."),
) -> None:
    """Map one indicator: a slide-ready PNG/SVG/PDF or a self-contained interactive HTML.

    Example: ddm map unemployment_rate --level municipality --area Limpopo --out unemployment.png
    """
    from . import indicators, maps

    _check_outputs("map", {"--out": out})
    suffix = out.suffix.lower()
    if palette is not None:
        _check_palette(palette)
    table = indicators.get(indicator, level=level, year=year, vintage=vintage)
    if suffix == ".html":
        if title or area:
            raise typer.BadParameter("--title and --area apply to static maps (.png, .svg, .pdf)", param_hint="--title/--area")
        m = maps.interactive(table, indicator, level=level, vintage=vintage, scheme=scheme, k=k, tiles=None if tiles.lower() == "none" else tiles)
        out.parent.mkdir(parents=True, exist_ok=True)
        m.save(str(out))
    else:
        fig = maps.choropleth(table, indicator, level=level, vintage=vintage, scheme=scheme, k=k, size=size, title=title, cmap=palette, area=area)
        maps.save(fig, out, dpi=dpi)
    _info(f"wrote {out}")


# ----------------------------------------------------------------------------- budgets and overlays


def _tags(tag: list[str] | None) -> dict[str, str]:
    """--tag COLUMN=GROUP options as a mapping."""
    tags = {}
    for t in tag or []:
        col, sep, group = t.partition("=")
        if not sep:
            raise typer.BadParameter(f"--tag {t!r}: write COLUMN=GROUP, e.g. gender_responsive=women", param_hint="--tag")
        tags[col] = group
    return tags


@app.command()
def spatialise(
    file: Path = typer.Argument(..., help="Project or budget table: .csv, .xlsx, .gpkg or .geojson."),
    amount: str = typer.Option(..., help="Column of amounts in rand."),
    out: Path = typer.Option(..., "--out", "-o", help="Per-area totals (.csv or .xlsx)."),
    level: str = typer.Option("district", help="district, municipality or province."),
    split: str = typer.Option("population", help="population, equal, area, or a column of per-row shares."),
    location: list[str] | None = typer.Option(None, help="Location column(s), in order (default: found by name)."),
    id: str | None = typer.Option(None, "--id", help="Project id column (duplicates are reported)."),
    by: list[str] | None = typer.Option(None, help="Category column(s) to split totals by."),
    tag: list[str] | None = typer.Option(None, help="Tag column and target group, e.g. gender_responsive=women or youth_share=youth."),
    fix_swapped: bool = typer.Option(False, help="Use points whose lon/lat are evidently swapped."),
    allow_suffixes: bool = typer.Option(False, help="Read scale words in amounts (1.2m, R 3 bn)."),
    map_: Path | None = typer.Option(None, "--map", help="Also write a spend-per-capita map (.png/.svg/.pdf)."),
    unallocated: Path | None = typer.Option(None, help="Write the rows that could not be placed (.csv)."),
    allocations: Path | None = typer.Option(None, help="Write the audit trail: one row per (project, area) (.csv)."),
    allow_unallocated: bool = typer.Option(False, help="Exit 0 even when some rows could not be placed."),
    sheet: str | None = typer.Option(None, help="The workbook sheet to read, by name or 0-based position (needed when several sheets are visible)."),
) -> None:
    """Place a project or budget table in the district spaces, exactly to the cent.

    Example: ddm spatialise projects.xlsx --amount "Budget 2024/25" --out per_district.csv --map spend.png
    """
    import warnings

    from . import budget

    tags = _tags(tag)
    _check_outputs(
        "spatialise", {"--out": out, "--map": map_, "--unallocated": unallocated, "--allocations": allocations}, inputs={"FILE": file}
    )
    _need_openpyxl(out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = budget.spatialise(
            file, amount=amount, level=level, split=split, location=location or None, id=id, by=by or None,
            fix_swapped=fix_swapped, allow_suffixes=allow_suffixes, tags=tags or None, sheet=sheet,
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    frame = result.by_area
    frame.to_excel(out, index=False) if out.suffix.lower() == ".xlsx" else frame.to_csv(out, index=False)
    if unallocated is not None:
        result.unallocated.to_csv(unallocated, index=False)
    if allocations is not None:
        result.allocations.to_csv(allocations, index=False)
    if map_ is not None:
        from . import maps

        maps.save(result.map_per_capita(), map_)
    _info(result.summary())
    _info(f"wrote {out}")
    if len(result.unallocated) and not allow_unallocated:
        _error(f"{len(result.unallocated)} row(s) could not be placed (see --unallocated); pass --allow-unallocated to accept.", FAILED)


def _write_overlay_table(table, out: Path, command: str) -> None:
    suffix = writable(command, "--out", out)
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False) if suffix == ".csv" else table.to_parquet(out, index=False)
    _info(f"wrote {len(table)} rows to {out}")


@app.command()
def zonal(
    raster: str = typer.Argument(..., help="A raster file (any CRS) or a registry name, e.g. worldpop_density_2020."),
    out: Path = typer.Option(..., "--out", "-o", help="Output table: .csv or .parquet (one row per area, keyed by code)."),
    level: str = typer.Option("district", help="district, municipality, province or ward."),
    vintage: int = typer.Option(2016, help="Boundary vintage (wards: 2021)."),
    stats: str = typer.Option("sum,mean,count,min,max", help="Comma-separated statistics: sum, mean, count, min, max."),
    coverage: str = typer.Option("fractional", help="fractional (exact cell fractions; totals conserved) or centre."),
    band: int = typer.Option(1, help="Raster band."),
    area_weighted: bool = typer.Option(False, "--area-weighted", help="Multiply each cell by its area in km² (densities: sum becomes a count)."),
    engine: str = typer.Option("memory", help="memory, or dask (tiles of rows as dask tasks; needs the dask extra)."),
    tile_rows: int | None = typer.Option(None, help="Rows per dask tile (engine dask)."),
) -> None:
    """Statistics of a raster per area (exact fractional coverage), written as a table keyed by code.

    Example: ddm zonal worldpop_density_2020 --level district --out density.csv
    """
    from . import overlays

    _check_outputs("zonal", {"--out": out}, inputs={"RASTER": raster})
    table = overlays.zonal_stats(
        raster,
        level=level,
        vintage=vintage,
        stats=[s.strip() for s in stats.split(",") if s.strip()],
        coverage=coverage,
        band=band,
        weights="area" if area_weighted else None,
        engine=engine,
        tile_rows=tile_rows,
    )
    _write_overlay_table(table, out, "zonal")
    zonal = _meta.read(table)
    empty = zonal.extra["no_cells"]
    if empty:
        _info(f"{len(empty)} area(s) have no valid raster cell: {', '.join(empty[:10])}{' ...' if len(empty) > 10 else ''}")
    for note in zonal.notes:
        _info(note)


@app.command()
def points(
    file: str = typer.Argument(..., help="Points: .csv (lon/lat columns), .geojson, .gpkg, ... or a registry name, e.g. dsfsi_hospitals."),
    out: Path = typer.Option(..., "--out", "-o", help="Output table: .csv or .parquet (every area, keyed by code)."),
    level: str = typer.Option("district", help="district, municipality, province or ward."),
    vintage: int = typer.Option(2016, help="Boundary vintage (wards: 2021)."),
    weight: list[str] | None = typer.Option(None, "--weight", "-w", help="A numeric column to sum per area (repeatable)."),
    by: str | None = typer.Option(None, help="A category column to split the counts by."),
    lon: str | None = typer.Option(None, help="Longitude column (default: found by name)."),
    lat: str | None = typer.Option(None, help="Latitude column (default: found by name)."),
    snap_km: float | None = typer.Option(None, "--snap-km", help="Place points just outside the boundaries in the nearest area within this distance (default 5 km; 0: off)."),
    sheet: str | None = typer.Option(None, help="The workbook sheet to read, by name or 0-based position (needed when several sheets are visible)."),
) -> None:
    """Count points per area (and sum weight columns); report points outside every area or without coordinates.

    Example: ddm points dsfsi_hospitals --level district --out hospitals.csv
    """
    from . import overlays

    _check_outputs("points", {"--out": out}, inputs={"FILE": file})
    table = overlays.count_points(file, level=level, vintage=vintage, weights=weight or None, by=by, lon=lon, lat=lat, snap_km=snap_km, sheet=sheet)
    _write_overlay_table(table, out, "points")
    report = _meta.read(table).report
    assert isinstance(report, overlays.PointsReport)  # count_points always reports
    _info(str(report))
    _info(
        f"{len(report.outside):,} point(s) outside every area and {len(report.no_coordinates):,} row(s) without usable "
        "coordinates were not counted (listed above)."
    )


# ----------------------------------------------------------------------------- data


@data_app.command("list")
def data_list(group: str | None = typer.Option(None, help="Only one group: boundaries, indicators, points, rasters, layers.")) -> None:
    """Every registered dataset: how it is obtained, whether the core holds it, whether it is on this machine.

    Example: ddm data list --group points
    """
    from . import datasets

    table = datasets.list_datasets(group=group)
    yes_no = {True: "yes", False: "no"}
    table = table.assign(present=table["present"].map(yes_no), core=table["in_core"].map(yes_no))
    _print_fitted(table, ["name", "how", "core", "present", "licence"], shrink="licence")
    typer.echo(
        f"\n{int((table.present == 'yes').sum())} of {len(table)} present; {int((table.core == 'yes').sum())} in the embedded core.\n"
        "how: download = from a pinned URL (`ddm data fetch NAME`),\n"
        "     built = from pinned upstream files (`ddm data build NAME`).\n"
        "Full licences and attributions: data/*/registry.toml."
    )


def _chosen(names: list[str] | None, all_: bool, *, built: bool) -> list[str]:
    """The datasets a fetch or build names (or all of them), every name checked before any work (exit 2 if one is unknown)."""
    from . import _registry

    if all_ == bool(names):
        raise typer.BadParameter("name datasets or pass --all (not both)")
    registry = _registry.datasets()
    if all_:
        return [n for n, ds in registry.items() if ds.recipe] if built else list(registry)
    for name in names:
        ds = _registry.get(name)  # UnknownDatasetError (usage) with close names
        if built and not ds.recipe:
            how = f"download it with `ddm data fetch {name}`" if ds.url else "it has no recipe"
            raise typer.BadParameter(f"{name!r} is not built from upstream files: {how}", param_hint="NAMES")
    return list(names)


@data_app.command("fetch")
def data_fetch(
    names: list[str] = typer.Argument(None, help="Dataset names (see `ddm data list`).", autocompletion=_complete_dataset),
    all_: bool = typer.Option(False, "--all", help="Every registered dataset (downloaded, or built from its upstream files)."),
    to: Path | None = typer.Option(None, "--to", help="Also copy the files here, laid out as a DDMGEO_DATA_DIR."),
) -> None:
    """Download or build, and verify, datasets; with --to, assemble a data folder.

    Example: ddm data fetch --all --to ./ddm-data
    """
    from . import datasets

    chosen = _chosen(names, all_, built=False)
    failures = []
    for name in chosen:
        try:
            _info(f"ok\t{name}\t{datasets.fetch(name, to=to)}")
        except DDMGeoError as exc:
            failures.append((name, exc))
    _report_failures(failures, len(chosen), "fetched")


@data_app.command("build")
def data_build(
    names: list[str] = typer.Argument(None, help="Derived datasets to build (`ddm data list` marks them 'built').", autocompletion=_complete_dataset),
    all_: bool = typer.Option(False, "--all", help="Every dataset that is built from upstream files."),
    to: Path | None = typer.Option(None, "--to", help="Build into this folder (laid out as a DDMGEO_DATA_DIR) instead of the cache."),
) -> None:
    """Build derived datasets from their pinned upstream files and check them against the registry.

    Example: ddm data build cs2016_indicators
    """
    from . import datasets

    chosen = _chosen(names, all_, built=True)
    failures = []
    for name in chosen:
        try:
            _info(f"built\t{name}\t{datasets.build(name, to=to)}")
        except DDMGeoError as exc:
            failures.append((name, exc))
    _report_failures(failures, len(chosen), "built")


def _report_failures(failures: list, n: int, verb: str) -> None:
    """One FAILED line per dataset that could not be had (its reason), then one ``error:`` line and exit 1."""
    for name, exc in failures:
        first = for_cli(str(exc).splitlines()[0])
        reason = first.split(" is not on this machine: ", 1)[-1]
        typer.secho(f"FAILED\t{name}\t{reason}", fg=typer.colors.RED, err=True)
    if failures:
        _error(f"{len(failures)} of {n} datasets could not be {verb}: connect to the internet, or set DDMGEO_DATA_DIR.", FAILED)


@data_app.command("export")
def data_export(
    levels: list[str] = typer.Argument(..., help="Levels to export: province, district, municipality, ward."),
    to: Path = typer.Option(Path("."), "--to", help="Output folder."),
    fmt: str = typer.Option("geoparquet", "--format", help="geoparquet (for DuckDB, Sedona, BigQuery) or gpkg."),
    vintage: int = typer.Option(2016, help="Boundary vintage."),
) -> None:
    """Export boundaries for other engines.

    GeoParquet writes a file per level; gpkg writes one GeoPackage, boundaries_VINTAGE.gpkg, with a
    layer per level (LEVEL_VINTAGE), keeping the layers a previous export put there.

    Example: ddm data export district municipality --format geoparquet --to export/
    """
    from . import areas, io

    if fmt not in ("geoparquet", "gpkg"):
        raise typer.BadParameter(f"unknown format {fmt!r}: use geoparquet or gpkg", param_hint="--format")
    for level in levels:
        if fmt == "geoparquet":
            path = io.to_geoparquet(level, to / f"{level}_{vintage}.parquet", vintage=vintage)
        else:  # one GeoPackage, a layer per level
            path = to / f"boundaries_{vintage}.gpkg"
            v = 2021 if level == "ward" else vintage
            io.to_geopackage({f"{level}_{v}": areas.boundaries(level, vintage=v)}, path)
        _info(f"wrote {path}" + (f" (layer {level}_{2021 if level == 'ward' else vintage})" if fmt == "gpkg" else ""))


@data_app.command("verify")
def data_verify() -> None:
    """Re-hash every present file; exit 1 on any mismatch.

    Example: ddm data verify
    """
    from . import datasets

    table = datasets.verify()
    if table.empty:
        typer.echo("no registered file is present (set DDMGEO_DATA_DIR or run `ddm data fetch`).")
        return
    _print_table(table)
    bad = table[table.status != "ok"]
    typer.echo(f"\n{len(table) - len(bad)} ok, {len(bad)} mismatched.")
    if len(bad):
        _error(f"{len(bad)} file(s) do not match the registry: {', '.join(bad['name'].astype(str)[:10])}", FAILED)


def main() -> None:
    """Entry point of the ``ddm`` console script: one clear line for an error, a traceback only with --debug."""
    try:
        app()
    except SystemExit:
        raise
    except Exception as exc:  # pragma: no cover - raised outside a command (the group turns the rest into one line)
        if "--debug" in sys.argv:
            raise
        typer.secho(f"error: {_message(exc)}", fg=typer.colors.RED, err=True)
        sys.exit(exit_code(exc))


if __name__ == "__main__":  # pragma: no cover
    main()
