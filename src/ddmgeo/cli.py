"""The ``ddm`` command line.

Examples
--------
.. code-block:: console

    $ ddm districts                       # the 52 district spaces
    $ ddm resolve "OR Tambo" Cacadu Joburg
    $ ddm boundaries municipality --out munis.gpkg
    $ ddm data list
    $ ddm data fetch --all --to ./ddm-data
    $ ddm data build cs2016_indicators
    $ ddm data verify
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from .errors import DDMGeoError

app = typer.Typer(
    name="ddm",
    help="ddmgeo: boundaries, names and data for South Africa's District Development Model (52 district spaces).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="List, fetch, build and verify the registered datasets.", no_args_is_help=True)
app.add_typer(data_app, name="data")

_DEBUG = {"on": False}


def _version(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"ddmgeo {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
    debug: bool = typer.Option(False, "--debug", help="Show the full traceback of an unexpected error."),
) -> None:
    """ddmgeo: boundaries, indicators, profiles, maps and budgets for the DDM's 52 district spaces.

    Example: ddm profile Waterberg --out waterberg.html
    """
    _DEBUG["on"] = debug


def _fail(exc: Exception) -> None:
    typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def _print_table(df, *, columns: list[str] | None = None) -> None:
    import pandas as pd

    with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 200, "display.max_colwidth", 60):
        typer.echo((df[columns] if columns else df).to_string(index=False))


def _write_table(table, out: Path) -> None:
    """A table (no geometry) to .csv, .xlsx or .parquet, by the file's suffix."""
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".parquet"):
        raise typer.BadParameter(f"cannot write {out.name}: use .csv, .xlsx or .parquet", param_hint="--out")
    out.parent.mkdir(parents=True, exist_ok=True)
    {".csv": lambda: table.to_csv(out, index=False), ".xlsx": lambda: table.to_excel(out, index=False), ".parquet": lambda: table.to_parquet(out, index=False)}[suffix]()


def _write(gdf, out: Path) -> None:
    suffix = out.suffix.lower()
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".parquet":
        gdf.to_parquet(out, index=False)
    elif suffix in (".gpkg", ".geojson", ".json", ".shp", ".fgb"):
        gdf.to_file(out, engine="pyogrio")
    elif suffix == ".csv":
        gdf.drop(columns="geometry").to_csv(out, index=False)
    else:
        raise typer.BadParameter(f"cannot write {out.name}: use .gpkg, .geojson, .parquet, .fgb, .shp or .csv", param_hint="--out")
    typer.echo(f"wrote {len(gdf)} rows to {out}")


@app.command()
def districts(
    vintage: int = typer.Option(2016, help="Boundary vintage: 2016 (default), 2011 or 2021."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Also write them (.gpkg, .geojson, .parquet, .fgb, .shp, .csv)."),
) -> None:
    """List the 52 DDM district and metropolitan spaces.

    Example: ddm districts --out districts.gpkg
    """
    import ddmgeo

    try:
        gdf = ddmgeo.districts(vintage=vintage)
        munis = ddmgeo.areas_table("municipality", vintage=vintage)
    except DDMGeoError as exc:
        _fail(exc)
    table = gdf.drop(columns="geometry").copy()
    n = munis.groupby("district_code").size()  # a metro counts as its own (single) municipality
    table["municipalities"] = table["code"].map(n).fillna(0).astype(int)
    table["area_km2"] = table["area_km2"].round(0).astype(int)
    _print_table(table, columns=["code", "name", "province_code", "category", "municipalities", "area_km2"])
    meta = gdf.attrs.get("ddmgeo", {})
    typer.echo(
        f"\n{len(gdf)} district spaces ({(gdf.category == 'C').sum()} districts, {(gdf.category == 'A').sum()} metros); "
        f"geometry: {meta.get('geometry', '?')}.\n{meta.get('attribution', '')}"
    )
    if out is not None:
        _write(gdf, out)


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

    try:
        gdf = ddmgeo.boundaries(level, vintage=vintage, resolution=resolution)
    except DDMGeoError as exc:
        _fail(exc)
    _write(gdf, out)


@app.command()
def indicators(
    ids: List[str] = typer.Argument(None, help="Indicator ids; none to list the catalogue."),
    level: str = typer.Option("district", help="country, province, district or municipality."),
    year: Optional[int] = typer.Option(None, help="Reference year (default: each indicator's latest)."),
    vintage: int = typer.Option(2016, help="Boundary vintage."),
    theme: Optional[str] = typer.Option(None, help="With no ids: list one theme only."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the values (.csv, .xlsx, .parquet)."),
) -> None:
    """List the indicator catalogue, or get indicator values for every area of a level.

    Example: ddm indicators unemployment_rate piped_water_share --level municipality --out values.csv
    """
    from . import indicators as ind

    try:
        if not ids:
            cat = ind.catalogue(theme=theme)
            _print_table(cat, columns=["id", "theme", "kind", "unit", "year", "label"])
            typer.echo(f"\n{len(cat)} indicators.")
            return
        table = ind.get(ids, level=level, year=year, vintage=vintage)
    except (DDMGeoError, ValueError) as exc:
        _fail(exc)
    if out is None:
        _print_table(table)
    else:
        _write_table(table, out)
        typer.echo(f"wrote {len(table)} rows x {len(ids)} indicators to {out}")
    meta = table.attrs["ddmgeo"]["indicators"]
    for i, m in meta.items():
        typer.echo(f"{i}: {m['label']} ({m['year']}, {m['source']}){'; ' + m['notes'] if m['notes'] else ''}")


@app.command()
def profile(
    area: Optional[str] = typer.Argument(None, help="A district space: code, name or former name (e.g. Waterberg, DC36, Eden)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output file (one profile) or folder (--all)."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f", help="html, pdf or md (default: from the --out suffix, else html)."),
    all_: bool = typer.Option(False, "--all", help="Build all 52 profiles into the --out folder, with an index.html."),
    vintage: int = typer.Option(2016, help="Boundary vintage."),
    jobs: int = typer.Option(1, "--jobs", "-j", help="Worker processes for --all."),
) -> None:
    """Build a district diagnostic profile (HTML, PDF or Markdown), or all 52 with --all.

    Example: ddm profile Waterberg --out waterberg.html   (or: ddm profile --all --out profiles/ --jobs 2)
    """
    import warnings

    from . import profiles

    if all_ == (area is not None):
        raise typer.BadParameter("give one AREA or --all (not both)")
    kind = fmt or {".pdf": "pdf", ".md": "md", ".html": "html", ".htm": "html"}.get(out.suffix.lower(), "html")
    if kind not in ("html", "pdf", "md"):
        raise typer.BadParameter(f"unknown format {kind!r}: use html, pdf or md", param_hint="--format")
    if all_:
        result = profiles.build_all(out, fmt=kind, vintage=vintage, jobs=jobs)
        failed = result[result.status != "ok"]
        typer.echo(f"built {len(result) - len(failed)} of {len(result)} profiles in {out} (index: {out / 'index.html'})")
        if len(failed):
            for r in failed.itertuples():
                typer.secho(f"FAILED {r.code} {r.name}: {r.error}", fg=typer.colors.RED, err=True)
            raise typer.Exit(code=1)
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p = profiles.profile(area, vintage=vintage)
            {"html": p.to_html, "pdf": p.to_pdf, "md": p.to_markdown}[kind](out)
    except DDMGeoError as exc:
        _fail(exc)
    typer.echo(f"wrote {out} ({p.name}, {p.code})")


@app.command()
def spatialise(
    file: Path = typer.Argument(..., help="Project or budget table: .csv, .xlsx, .gpkg or .geojson."),
    amount: str = typer.Option(..., help="Column of amounts in rand."),
    out: Path = typer.Option(..., "--out", "-o", help="Per-area totals (.csv or .xlsx)."),
    level: str = typer.Option("district", help="district, municipality or province."),
    split: str = typer.Option("population", help="population, equal, area, or a column of per-row shares."),
    location: Optional[List[str]] = typer.Option(None, help="Location column(s), in order (default: found by name)."),
    id: Optional[str] = typer.Option(None, "--id", help="Project id column (duplicates are reported)."),
    by: Optional[List[str]] = typer.Option(None, help="Category column(s) to split totals by."),
    tag: Optional[List[str]] = typer.Option(None, help="Tag column and target group, e.g. gender_responsive=women or youth_share=youth."),
    fix_swapped: bool = typer.Option(False, help="Use points whose lon/lat are evidently swapped."),
    allow_suffixes: bool = typer.Option(False, help="Read scale words in amounts (1.2m, R 3 bn)."),
    map_: Optional[Path] = typer.Option(None, "--map", help="Also write a spend-per-capita map (.png/.svg/.pdf)."),
    unallocated: Optional[Path] = typer.Option(None, help="Write the rows that could not be placed (.csv)."),
    allocations: Optional[Path] = typer.Option(None, help="Write the audit trail: one row per (project, area) (.csv)."),
    allow_unallocated: bool = typer.Option(False, help="Exit 0 even when some rows could not be placed."),
) -> None:
    """Place a project or budget table in the district spaces, exactly to the cent.

    Example: ddm spatialise projects.xlsx --amount "Budget 2024/25" --out per_district.csv --map spend.png
    """
    import warnings

    from . import budget

    tags = {}
    for t in tag or []:
        col, sep, group = t.partition("=")
        if not sep:
            raise typer.BadParameter(f"--tag {t!r}: write COLUMN=GROUP, e.g. gender_responsive=women", param_hint="--tag")
        tags[col] = group

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = budget.spatialise(
                file, amount=amount, level=level, split=split, location=location or None, id=id, by=by or None,
                fix_swapped=fix_swapped, allow_suffixes=allow_suffixes, tags=tags or None,
            )
    except (DDMGeoError, FileNotFoundError) as exc:
        _fail(exc)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame = result.by_area
    if out.suffix.lower() == ".xlsx":
        frame.to_excel(out, index=False)
    else:
        frame.to_csv(out, index=False)
    if unallocated is not None:
        result.unallocated.to_csv(unallocated, index=False)
    if allocations is not None:
        result.allocations.to_csv(allocations, index=False)
    if map_ is not None:
        from . import maps

        maps.save(result.map_per_capita(), map_)
    typer.echo(result.summary())
    typer.echo(f"wrote {out}")
    if len(result.unallocated) and not allow_unallocated:
        typer.secho(f"{len(result.unallocated)} row(s) could not be placed (see --unallocated); pass --allow-unallocated to accept.", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1)


@app.command()
def change(
    ids: List[str] = typer.Argument(..., help="Indicator ids to compare between two years (also development_index, service_index)."),
    start: int = typer.Option(2011, help="Baseline year."),
    end: int = typer.Option(2016, help="Latest year."),
    level: str = typer.Option("district", help="district, municipality or province."),
    vintage: int = typer.Option(2016, help="Boundary vintage (both years are put on it)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the change table (.csv, .xlsx, .parquet)."),
    map_: Optional[Path] = typer.Option(None, "--map", help="Also write a change map of the first indicator (.png/.svg/.pdf)."),
) -> None:
    """Change between two years on the same boundaries: absolute, relative, percentage points, direction and ranks.

    Example: ddm change informal_dwelling_share --start 2011 --end 2016 --out change.csv --map change.png
    """
    from . import maps, monitoring

    try:
        table = monitoring.change(ids, start=start, end=end, level=level, vintage=vintage)
    except (DDMGeoError, ValueError) as exc:
        _fail(exc)
    if out is None:
        _print_table(table, columns=[c for c in ("code", "name", "indicator", "start_value", "end_value", "change", "direction", "rank_movement") if c in table.columns])
    else:
        _write_table(table, out)
        typer.echo(f"wrote {len(table)} rows to {out}")
    if map_ is not None:
        maps.save(maps.change_map(table, ids[0]), map_)
        typer.echo(f"wrote {map_}")
    counts = table.groupby("direction").size().to_dict() if "direction" in table.columns else {}
    typer.echo("; ".join(f"{k}: {v}" for k, v in counts.items()))


@app.command("map")
def map_(
    indicator: str = typer.Argument(..., help="A catalogue indicator id (see ddmgeo.indicators.catalogue())."),
    out: Path = typer.Option(..., "--out", "-o", help="Output: .png, .svg, .pdf (static) or .html (interactive)."),
    level: str = typer.Option("district", help="district, municipality or province."),
    year: Optional[int] = typer.Option(None, help="Reference year (default: the indicator's latest)."),
    vintage: int = typer.Option(2016, help="Boundary vintage."),
    scheme: str = typer.Option("quantiles", help="quantiles, equal_interval, natural_breaks, fisher_jenks."),
    k: int = typer.Option(5, help="Number of classes."),
    size: str = typer.Option("slide", help="slide (16:9) or a4."),
    tiles: str = typer.Option("cartodbpositron", help="Background tiles of an .html map; 'none' for a map that needs no internet."),
    dpi: int = typer.Option(200, help="PNG resolution."),
) -> None:
    """Map one indicator: a slide-ready PNG/SVG/PDF or a self-contained interactive HTML.

    Example: ddm map unemployment_rate --level municipality --out unemployment.png
    """
    from . import indicators, maps

    suffix = out.suffix.lower()
    if suffix not in (".png", ".svg", ".pdf", ".html"):
        raise typer.BadParameter(f"cannot write {out.name}: use .png, .svg, .pdf or .html", param_hint="--out")
    try:
        table = indicators.get(indicator, level=level, year=year, vintage=vintage)
        if suffix == ".html":
            m = maps.interactive(table, indicator, level=level, vintage=vintage, scheme=scheme, k=k, tiles=None if tiles.lower() == "none" else tiles)
            out.parent.mkdir(parents=True, exist_ok=True)
            m.save(str(out))
        else:
            fig = maps.choropleth(table, indicator, level=level, vintage=vintage, scheme=scheme, k=k, size=size)
            maps.save(fig, out, dpi=dpi)
    except (DDMGeoError, ValueError, KeyError) as exc:
        _fail(exc)
    typer.echo(f"wrote {out}")


@app.command()
def resolve(
    names: List[str] = typer.Argument(..., help="Codes or names, as people write them."),
    level: Optional[str] = typer.Option(None, help="Only this level: province, district, municipality, ward."),
    vintage: int = typer.Option(2016, help="Vintage of the returned codes."),
) -> None:
    """Print the MDB code of each name (former names and spellings included).

    Example: ddm resolve "OR Tambo" Cacadu "Emalahleni (MP)"
    """
    import warnings

    import ddmgeo

    failed = False
    for name in names:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                code = ddmgeo.resolve(name, level=level, vintage=vintage)
            except DDMGeoError as exc:
                typer.secho(f"{name}\t-\t{exc}", fg=typer.colors.RED, err=True)
                failed = True
                continue
        notes = "; ".join(str(w.message) for w in caught)
        typer.echo(f"{name}\t{code}" + (f"\t({notes})" if notes else ""))
    if failed:
        raise typer.Exit(code=1)


@app.command()
def lineage(
    code: str = typer.Argument(..., help="A code or name."),
    vintage: int = typer.Option(2011, help="2011: what the area became; 2016: what it came from."),
) -> None:
    """Show what a 2011 area became in 2016 (or where a 2016 area came from).

    Example: ddm lineage EC103
    """
    import ddmgeo

    try:
        table = ddmgeo.lineage(code, vintage=vintage)
    except DDMGeoError as exc:
        _fail(exc)
    if table.empty:
        _fail(ValueError(f"no lineage rows for {code!r}"))
    _print_table(table, columns=["level", "old_code", "old_name", "new_code", "new_name", "change", "share_of_old", "share_of_new", "year"])


def _write_overlay_table(table, out: Path) -> None:
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise typer.BadParameter(f"cannot write {out.name}: use .csv or .parquet", param_hint="--out")
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False) if suffix == ".csv" else table.to_parquet(out, index=False)
    typer.echo(f"wrote {len(table)} rows to {out}")


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
    tile_rows: Optional[int] = typer.Option(None, help="Rows per dask tile (engine dask)."),
) -> None:
    """Statistics of a raster per area (exact fractional coverage), written as a table keyed by code."""
    from . import overlays

    try:
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
    except (DDMGeoError, ValueError, KeyError, OSError, ImportError) as exc:
        _fail(exc)
    _write_overlay_table(table, out)
    empty = table.attrs["ddmgeo"]["no_cells"]
    if empty:
        typer.echo(f"{len(empty)} area(s) have no valid raster cell: {', '.join(empty[:10])}{' ...' if len(empty) > 10 else ''}")


@app.command()
def points(
    file: str = typer.Argument(..., help="Points: .csv (lon/lat columns), .geojson, .gpkg, ... or a registry name, e.g. dsfsi_hospitals."),
    out: Path = typer.Option(..., "--out", "-o", help="Output table: .csv or .parquet (every area, keyed by code)."),
    level: str = typer.Option("district", help="district, municipality, province or ward."),
    vintage: int = typer.Option(2016, help="Boundary vintage (wards: 2021)."),
    weight: Optional[List[str]] = typer.Option(None, "--weight", "-w", help="A numeric column to sum per area (repeatable)."),
    by: Optional[str] = typer.Option(None, help="A category column to split the counts by."),
    lon: Optional[str] = typer.Option(None, help="Longitude column (default: found by name)."),
    lat: Optional[str] = typer.Option(None, help="Latitude column (default: found by name)."),
) -> None:
    """Count points per area (and sum weight columns); report points outside every area or without coordinates."""
    from . import overlays

    try:
        table = overlays.count_points(file, level=level, vintage=vintage, weights=weight or None, by=by, lon=lon, lat=lat)
    except (DDMGeoError, ValueError, KeyError, OSError) as exc:
        _fail(exc)
    _write_overlay_table(table, out)
    report = table.attrs["ddmgeo"]["report"]
    typer.echo(str(report))
    typer.echo(
        f"{len(report.outside):,} point(s) outside every area and {len(report.no_coordinates):,} row(s) without usable "
        "coordinates were not counted (listed above)."
    )


@data_app.command("list")
def data_list(group: Optional[str] = typer.Option(None, help="Only one group: boundaries, indicators, points, rasters, layers.")) -> None:
    """Every registered dataset: how it is obtained, whether the core holds it, whether it is on this machine."""
    from . import datasets

    try:
        table = datasets.list_datasets(group=group)
    except DDMGeoError as exc:
        _fail(exc)
    yes_no = {True: "yes", False: "no"}
    table = table.assign(present=table["present"].map(yes_no), in_core=table["in_core"].map(yes_no))
    table["licence"] = table["licence"].map(lambda t: t if len(t) <= 40 else t[:39] + "…")
    _print_table(table.rename(columns={"in_core": "core"}), columns=["name", "how", "core", "present", "licence"])
    typer.echo(
        f"\n{int((table.present == 'yes').sum())} of {len(table)} present; {int((table.in_core == 'yes').sum())} in the embedded core. "
        "how: download = a pinned URL (`ddm data fetch NAME`), built = from pinned upstream files (`ddm data build NAME`)."
    )


@data_app.command("fetch")
def data_fetch(
    names: List[str] = typer.Argument(None, help="Dataset names (see `ddm data list`)."),
    all_: bool = typer.Option(False, "--all", help="Every registered dataset (downloaded, or built from its upstream files)."),
    to: Optional[Path] = typer.Option(None, "--to", help="Also copy the files here, laid out as a DDMGEO_DATA_DIR."),
) -> None:
    """Download or build, and verify, datasets; with --to, assemble a data folder.

    Example: ddm data fetch --all --to ./ddm-data
    """
    from . import _registry, datasets

    if all_ == bool(names):
        raise typer.BadParameter("name datasets or pass --all (not both)")
    chosen = list(_registry.datasets()) if all_ else names
    failures = []
    for name in chosen:
        try:
            path = datasets.fetch(name, to=to)
            typer.echo(f"ok\t{name}\t{path}")
        except DDMGeoError as exc:
            failures.append((name, exc))
    _report_failures(failures, len(chosen), "fetched")


def _report_failures(failures: list, n: int, verb: str) -> None:
    """One line per dataset that could not be had (its reason), then exit 1."""
    for name, exc in failures:
        first = str(exc).splitlines()[0]
        reason = first.split(" is not on this machine: ", 1)[-1]
        typer.secho(f"FAILED\t{name}\t{reason}", fg=typer.colors.RED, err=True)
    if failures:
        typer.secho(f"{len(failures)} of {n} datasets could not be {verb}: connect to the internet, or set DDMGEO_DATA_DIR.", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1)


@data_app.command("build")
def data_build(
    names: List[str] = typer.Argument(None, help="Derived datasets to build (`ddm data list` marks them 'built')."),
    all_: bool = typer.Option(False, "--all", help="Every dataset that is built from upstream files."),
    to: Optional[Path] = typer.Option(None, "--to", help="Build into this folder (laid out as a DDMGEO_DATA_DIR) instead of the cache."),
) -> None:
    """Build derived datasets from their pinned upstream files and check them against the registry.

    Example: ddm data build cs2016_indicators
    """
    from . import _registry, datasets

    if all_ == bool(names):
        raise typer.BadParameter("name datasets or pass --all (not both)")
    chosen = [n for n, ds in _registry.datasets().items() if ds.recipe] if all_ else names
    failures = []
    for name in chosen:
        try:
            path = datasets.build(name, to=to)
            typer.echo(f"built\t{name}\t{path}")
        except DDMGeoError as exc:
            failures.append((name, exc))
    _report_failures(failures, len(chosen), "built")


@data_app.command("export")
def data_export(
    levels: List[str] = typer.Argument(..., help="Levels to export: province, district, municipality, ward."),
    to: Path = typer.Option(Path("."), "--to", help="Output folder."),
    fmt: str = typer.Option("geoparquet", "--format", help="geoparquet (for DuckDB, Sedona, BigQuery) or gpkg."),
    vintage: int = typer.Option(2016, help="Boundary vintage."),
) -> None:
    """Export boundaries for other engines.

    Example: ddm data export district municipality --format geoparquet --to export/
    """
    from . import areas, io

    if fmt not in ("geoparquet", "gpkg"):
        raise typer.BadParameter(f"unknown format {fmt!r}: use geoparquet or gpkg", param_hint="--format")
    for level in levels:
        try:
            if fmt == "geoparquet":
                path = io.to_geoparquet(level, to / f"{level}_{vintage}.parquet", vintage=vintage)
            else:
                path = to / f"{level}_{vintage}.gpkg"
                to.mkdir(parents=True, exist_ok=True)
                areas.boundaries(level, vintage=2021 if level == "ward" else vintage).to_file(path, engine="pyogrio")
        except (DDMGeoError, ValueError) as exc:
            _fail(exc)
        typer.echo(f"wrote {path}")


@data_app.command("verify")
def data_verify() -> None:
    """Re-hash every present file; exit 1 on any mismatch."""
    from . import datasets

    table = datasets.verify()
    if table.empty:
        typer.echo("no registered file is present (set DDMGEO_DATA_DIR or run `ddm data fetch`).")
        return
    _print_table(table)
    bad = table[table.status != "ok"]
    typer.echo(f"\n{len(table) - len(bad)} ok, {len(bad)} mismatched.")
    if len(bad):
        raise typer.Exit(code=1)


def main() -> None:
    """Entry point of the ``ddm`` console script: one clear line for an error, a traceback only with --debug."""
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # an unexpected error: say it in one line
        if _DEBUG["on"] or "--debug" in sys.argv:
            raise
        typer.secho(f"error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", fg=typer.colors.RED, err=True)
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    main()
