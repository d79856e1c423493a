"""Recipes for the datasets converted from OpenUpSA/wazimap-za's PostgreSQL dumps.

Each recipe reads the ``COPY ... FROM stdin;`` block of its pinned ``sql/**.sql`` inputs (see
:mod:`._pgdump`) and writes a tidy CSV (UTF-8, ``\\n`` line ends, minimal quoting, null as an
empty field). Counts are written exactly as upstream has them; only the documented changes are
made (rows kept, columns renamed, labels added, marginals of a cross-tab, rounding, sort order).

Rows are sorted by demarcation, indicator, geography level (country, province, district,
municipality, ward) and code, as plain strings (``DC1 < DC10 < DC2``). The sort is stable, so
the categories of one geography keep their upstream order, except where a recipe says otherwise
(the marginals of the electricity cross-tab, and the income-poverty file, sort their categories).

The ``universe`` labels of the Census 2011 and Community Survey 2016 tables are the data
gatherers' wording; each is checked against the universe the upstream fixture
``fixtures/census/wazimap_django_models.json`` gives the table (``Population``,
``Households``, ...), so a table the fixture describes differently stops the build.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataIntegrityError
from ._pgdump import CopyBlock, read_copy

__all__ = [
    "census2011_indicators",
    "census2011_indicators_more",
    "census2011_ward_population",
    "cs2016_indicators",
    "geographies",
    "income_poverty_ubpl",
    "youth_explorer_mpi",
]

FIXTURE = "fixtures/census/wazimap_django_models.json"
LEVELS = ("country", "province", "district", "municipality", "ward")
LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}
AREA_LEVELS = frozenset(LEVELS[:4])  # everything but wards
GEO = ("geo_level", "geo_code", "geo_version")
GEO_COLUMNS = frozenset(GEO)
TIDY_HEADER = (
    "geo_level", "geo_code", "demarcation", "year", "source", "table", "universe", "indicator", "category", "value"
)

Cell = str | None
Row = tuple[Cell, ...]


@dataclass(frozen=True)
class Table:
    """How one upstream census table becomes rows of a tidy indicators file.

    Attributes
    ----------
    indicators : tuple of str
        Indicator name of each category column, in upstream column order; a table with several
        category columns (a cross-tab) gives one marginal per column, unless *joint*.
    universe : str
        The ``universe`` label written to the file.
    fixture_universe : str
        The universe the upstream fixture gives the table; checked, not written. ``""``: the
        fixture does not describe the table (checked too).
    joint : bool
        Write a cross-tab whole, as one indicator whose category joins the category columns with
        ``|`` in upstream column order (``Female|Black African``), instead of one marginal per column.
    """

    indicators: tuple[str, ...]
    universe: str
    fixture_universe: str
    joint: bool = False


PERSONS, HOUSEHOLDS = "Population", "Households"

CENSUS2011 = {
    "population": Table(("population",), "persons", PERSONS),
    "gender": Table(("sex",), "persons", PERSONS),
    "ageincompletedyearssimplified": Table(("age_broad",), "persons", PERSONS),
    "officialemploymentstatus": Table(
        ("employment_status_official",),
        "persons aged 15+ (working age 15-64 classified; others Not applicable)",
        "Individuals 15 and older",
    ),
    "sourceofwater": Table(("water_source",), "persons (by their household's main source of water)", PERSONS),
    "toiletfacilities": Table(("toilet_facility",), "persons (by their household's toilet facility)", PERSONS),
    "refusedisposal": Table(("refuse_disposal",), "persons (by their household's refuse disposal)", PERSONS),
    "energyorfuelforlighting": Table(
        ("lighting_energy",), "persons (by their household's energy/fuel for lighting)", PERSONS
    ),
    "electricityforcooking_electricityforheating_electr": Table(
        ("electricity_for_cooking", "electricity_for_heating", "electricity_for_lighting"), "households", HOUSEHOLDS
    ),
    "tenurestatus": Table(
        ("tenure_status",), "households (geo_version 2016 rows add Unspecified/Not applicable)", HOUSEHOLDS
    ),
    "employedindividualmonthlyincome": Table(
        ("employed_monthly_income",), "employed persons aged 15-64", "Employed individuals"
    ),
    "accesstointernet": Table(
        ("internet_access",), "households (geo_version 2016 rows add institution categories)", HOUSEHOLDS
    ),
    "typeofdwelling": Table(("dwelling_type",), "households", HOUSEHOLDS),
}

#: the further Census 2011 tables of ``census2011_indicators_more`` (cross-tabs written whole)
CENSUS2011_MORE = {
    "populationgroup": Table(("population_group",), "persons", PERSONS),
    "gender_populationgroup": Table(("population_group_sex",), "persons", PERSONS, joint=True),
    "energyorfuelforcooking": Table(
        ("cooking_energy",), "persons (by their household's energy/fuel for cooking)", PERSONS
    ),
    "typeofsector": Table(
        ("employment_sector_type",), "workers aged 15+ (everyone else Not applicable)", "Workers 15 and older"
    ),
    "population_employment_sector_gender": Table(
        ("employment_sector_sex",), "employed persons aged 15-64 (official definition)", "", joint=True
    ),
    "youth_labour_force_official_age_group_gender": Table(
        ("youth_labour_force_official",), "persons aged 15-24 in the labour force (official definition)", "", joint=True
    ),
    "youth_labour_force_expanded_age_group_gender": Table(
        ("youth_labour_force_expanded",), "persons aged 15-24 in the labour force (Stats SA's expanded definition)", "", joint=True
    ),
}

CS2016 = {
    "gender_2016": Table(("sex",), "persons", PERSONS),
    "agegroupsin5years_2016": Table(("age_group_5yr",), "persons", PERSONS),
    "sourceofwater_2016": Table(
        ("water_source",), "persons (by their household's main source of drinking water)", PERSONS
    ),
    "toiletfacilities_2016": Table(("toilet_facility",), "persons (by their household's toilet facility)", PERSONS),
    "refusedisposal_2016": Table(("refuse_disposal",), "persons (by their household's refuse disposal)", PERSONS),
    "accesstoelectricity_2016": Table(
        ("electricity_access",), "persons (by their household's access to electricity)", PERSONS
    ),
    "typeofdwelling_2016": Table(("dwelling_type",), "households", HOUSEHOLDS),
    "tenurestatus_2016": Table(("tenure_status",), "households", HOUSEHOLDS),
    "highesteducationallevel20_2016": Table(
        ("education_highest_20plus",), "persons aged 20+", "Individuals 20 and older"
    ),
}


# --- shared helpers -----------------------------------------------------------------------------


def _input(inputs: Mapping[str, Path], key: str) -> Path:
    """The local file of input *key* (its path inside the upstream repository)."""
    try:
        return Path(inputs[key])
    except KeyError:
        raise DataIntegrityError(f"the recipe needs the upstream file {key!r}, which is not among its inputs") from None


def _write_csv(out: Path, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> None:
    """Write *rows* under *header*: UTF-8, ``\\n`` line ends, minimal quoting, ``None`` as empty."""
    with Path(out).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _column(block: CopyBlock, name: str) -> int:
    """Index of column *name* in *block*, or a clear error naming the table."""
    try:
        return block.columns.index(name)
    except ValueError:
        columns = ", ".join(block.columns)
        raise DataIntegrityError(f"table {block.table!r} has no column {name!r} (columns: {columns})") from None


def _sort_key(demarcation: int, indicator: int, level: int, code: int, *more: int) -> Callable[[Row], tuple]:
    """A sort key on (demarcation, indicator, level rank, code, *more*), given the column positions."""

    def key(row: Row) -> tuple:
        return (row[demarcation], row[indicator], LEVEL_RANK[row[level]], row[code], *(row[i] for i in more))

    return key


# --- the upstream fixture -----------------------------------------------------------------------


def fixture_universes(path: Path) -> dict[str, str]:
    """The universe of each database table, from wazimap's Django fixture.

    A ``wazimap.dbtable`` is tied to its data table (``fieldtable`` or ``simpletable``) by a
    ``*tablerelease`` record; the data table carries the universe.

    Parameters
    ----------
    path : pathlib.Path
        ``fixtures/census/wazimap_django_models.json``.

    Returns
    -------
    dict
        Database table name (``gender_2016``) -> universe (``Population``).
    """
    records = json.loads(Path(path).read_text(encoding="utf-8"))
    by_model: dict[str, dict[object, dict]] = {}
    for rec in records:
        by_model.setdefault(rec["model"], {})[rec["pk"]] = rec["fields"]
    db_names = {pk: f["name"] for pk, f in by_model.get("wazimap.dbtable", {}).items()}
    universes: dict[str, str] = {}
    for kind in ("field", "simple"):
        tables = by_model.get(f"wazimap.{kind}table", {})
        for link in by_model.get(f"wazimap.{kind}tablerelease", {}).values():
            name, table = db_names.get(link["db_table"]), tables.get(link["data_table"])
            if name and table:
                universes[name] = table["universe"]
    return universes


def _check_universes(spec: Mapping[str, Table], universes: Mapping[str, str]) -> None:
    """Stop if the fixture's universe of a table is not the one the spec's label was written for."""
    wrong = [
        f"{name}: fixture says {universes.get(name)!r}, label written for {t.fixture_universe or None!r}"
        for name, t in spec.items()
        if universes.get(name) != (t.fixture_universe or None)
    ]
    if wrong:
        raise DataIntegrityError("the upstream fixture gives other universes than expected: " + "; ".join(wrong))


# --- Census 2011 / CS 2016 tidy indicators --------------------------------------------------------


def _category_columns(block: CopyBlock, value: str) -> list[str]:
    """The category columns of a census table: all but the geography and the count column."""
    return [c for c in block.columns if c not in GEO_COLUMNS and c != value]


def _single_rows(block: CopyBlock, head: tuple[str, ...], table: Table, value: str) -> Iterator[Row]:
    """Tidy rows of a table with one category column (or none: the simple population table)."""
    level, code, version, count = (_column(block, c) for c in (*GEO, value))
    fields = _category_columns(block, value)
    category = _column(block, fields[0]) if fields else None
    for r in block.rows:
        if r[level] in AREA_LEVELS:
            label = r[category] if category is not None else ""
            yield (r[level], r[code], r[version], *head, table.universe, table.indicators[0], label, r[count])


def _add(total: int | None, count: Cell) -> int | None:
    """*total* + *count*; a null count makes the sum null."""
    return None if total is None or count is None else total + int(count)


def _marginal_rows(block: CopyBlock, head: tuple[str, ...], table: Table, field: str, indicator: str) -> Iterator[Row]:
    """Rows of one marginal of a cross-tab: counts summed over the other category columns.

    Geographies keep their upstream order; within a geography the categories are sorted.
    """
    level, code, version, count, cat = (_column(block, c) for c in (*GEO, "total", field))
    sums: dict[tuple[Cell, Cell, Cell], dict[Cell, int | None]] = {}
    for r in block.rows:
        if r[level] in AREA_LEVELS:
            cells = sums.setdefault((r[level], r[code], r[version]), {})
            cells[r[cat]] = _add(cells.get(r[cat], 0), r[count])
    for (lvl, geo, ver), cells in sums.items():
        for label in sorted(cells, key=lambda c: (c is None, c or "")):
            total = cells[label]
            yield (lvl, geo, ver, *head, table.universe, indicator, label, None if total is None else str(total))


def _joint_rows(block: CopyBlock, head: tuple[str, ...], table: Table, fields: list[str], value: str) -> Iterator[Row]:
    """Rows of a cross-tab written whole: the category joins the category columns with ``|``."""
    level, code, version, count = (_column(block, c) for c in (*GEO, value))
    cats = [_column(block, f) for f in fields]
    for r in block.rows:
        if r[level] in AREA_LEVELS:
            if any(r[i] is None for i in cats):
                raise DataIntegrityError(f"table {block.table!r} has a null category in a row of {r[code]}")
            label = "|".join(r[i] for i in cats)  # type: ignore[misc]
            yield (r[level], r[code], r[version], *head, table.universe, table.indicators[0], label, r[count])


def _table_rows(block: CopyBlock, table: Table, year: str, source: str) -> Iterator[Row]:
    """Tidy rows of one census table (one indicator per category column, or one for a joint cross-tab)."""
    value = "population" if "population" in block.columns else "total"
    fields = _category_columns(block, value)
    head = (year, source, block.table)
    if table.joint:
        yield from _joint_rows(block, head, table, fields, value)
        return
    if len(fields) <= 1:
        yield from _single_rows(block, head, table, value)
        return
    if len(fields) != len(table.indicators):
        raise DataIntegrityError(
            f"table {block.table!r} has {len(fields)} category columns, expected {len(table.indicators)}"
        )
    for field, indicator in zip(fields, table.indicators):
        yield from _marginal_rows(block, head, table, field, indicator)


def _tidy_indicators(inputs: Mapping[str, Path], out: Path, spec: Mapping[str, Table], year: str, source: str) -> None:
    """Read every ``.sql`` input, check it against *spec* and the fixture, and write the tidy file."""
    _check_universes(spec, fixture_universes(_input(inputs, FIXTURE)))
    blocks = [read_copy(path) for key, path in sorted(inputs.items()) if key.endswith(".sql")]
    found = {b.table for b in blocks}
    if found != set(spec):
        raise DataIntegrityError(
            f"expected the tables {sorted(spec)}, the inputs hold {sorted(found)} "
            f"(missing: {sorted(set(spec) - found)}, unexpected: {sorted(found - set(spec))})"
        )
    rows = [row for b in blocks for row in _table_rows(b, spec[b.table], year, source)]
    rows.sort(key=_sort_key(2, 7, 0, 1))
    _write_csv(out, TIDY_HEADER, rows)


def census2011_indicators(inputs: Mapping[str, Path], out: Path) -> None:
    """Build ``indicators/census2011_indicators.csv`` from 13 Census 2011 dumps and the fixture.

    Parameters
    ----------
    inputs : mapping of str to pathlib.Path
        The ``sql/**.sql`` dumps and ``fixtures/census/wazimap_django_models.json``, keyed by
        their path in OpenUpSA/wazimap-za.
    out : pathlib.Path
        The CSV to write.
    """
    _tidy_indicators(inputs, out, CENSUS2011, year="2011", source="census2011")


def census2011_indicators_more(inputs: Mapping[str, Path], out: Path) -> None:
    """Build ``indicators/census2011_indicators_more.csv`` from 7 further Census 2011 dumps and the fixture.

    Population group, sex x population group, energy for cooking, type of sector, employed
    persons by sector and sex, and the youth (15-24) labour force on the official and the
    expanded definition by age group and sex. Cross-tabs are written whole (category
    ``Female|Black African``, ``unemployed|15-19|Male``), in the schema of
    ``census2011_indicators``.

    Parameters
    ----------
    inputs : mapping of str to pathlib.Path
        The ``sql/**.sql`` dumps and ``fixtures/census/wazimap_django_models.json``, keyed by
        their path in OpenUpSA/wazimap-za.
    out : pathlib.Path
        The CSV to write.
    """
    _tidy_indicators(inputs, out, CENSUS2011_MORE, year="2011", source="census2011")


def cs2016_indicators(inputs: Mapping[str, Path], out: Path) -> None:
    """Build ``indicators/cs2016_indicators.csv`` from 9 Community Survey 2016 dumps and the fixture.

    Parameters
    ----------
    inputs : mapping of str to pathlib.Path
        The ``sql/census/*_2016.sql`` dumps and ``fixtures/census/wazimap_django_models.json``.
    out : pathlib.Path
        The CSV to write.
    """
    _tidy_indicators(inputs, out, CS2016, year="2016", source="cs2016")


# --- other wazimap files --------------------------------------------------------------------------


def census2011_ward_population(inputs: Mapping[str, Path], out: Path) -> None:
    """Build ``indicators/census2011_ward_population.csv``: the ward rows of ``population.sql``.

    Parameters
    ----------
    inputs : mapping of str to pathlib.Path
        ``sql/census/population.sql``.
    out : pathlib.Path
        The CSV to write (columns geo_level, geo_code, demarcation, year, indicator, value).
    """
    block = read_copy(_input(inputs, "sql/census/population.sql"), "population")
    level, code, version, count = (_column(block, c) for c in (*GEO, "population"))
    rows = [(r[level], r[code], r[version], "2011", "population", r[count]) for r in block.rows if r[level] == "ward"]
    rows.sort(key=lambda r: (r[2], r[1]))
    _write_csv(out, ("geo_level", "geo_code", "demarcation", "year", "indicator", "value"), rows)


def round_half_even_scaled(text: Cell, decimals: int = 4) -> Cell:
    """*text* as a float rounded to *decimals* places, written as Python writes floats.

    Rounds like ``numpy.round`` (and so ``pandas.Series.round``): scale by ``10**decimals``,
    round half to even, scale back; ``"21587.3427499999998"`` -> ``"21587.3428"``,
    ``"17702.0000000"`` -> ``"17702.0"``. ``None`` stays ``None``.
    """
    if text is None:
        return None
    scale = 10.0**decimals
    return repr(round(float(text) * scale) / scale)


def geographies(inputs: Mapping[str, Path], out: Path) -> None:
    """Build ``indicators/wazimap_geographies.csv`` from table ``wazimap_geography`` of ``00_demarcation.sql``.

    The ``id`` column is dropped, ``version`` becomes ``demarcation`` and ``square_kms`` is
    rounded to 4 decimals.

    Parameters
    ----------
    inputs : mapping of str to pathlib.Path
        ``sql/census/00_demarcation.sql``.
    out : pathlib.Path
        The CSV to write.
    """
    block = read_copy(_input(inputs, "sql/census/00_demarcation.sql"), "wazimap_geography")
    names = ("geo_level", "geo_code", "version", "name", "long_name", "parent_level", "parent_code", "square_kms")
    idx = [_column(block, c) for c in names]
    area = idx[-1]
    rows = [tuple(round_half_even_scaled(r[i]) if i == area else r[i] for i in idx) for r in block.rows]
    rows.sort(key=lambda r: (r[2], LEVEL_RANK[r[0]], r[1]))
    _write_csv(out, ("geo_level", "geo_code", "demarcation", *names[3:]), rows)


YOUTH = (  # (input, table, column, indicator)
    ("sql/youth/youth_mpi_score.sql", "youth_mpi_score", "youth_mpi_score", "youth_mpi_score"),
    ("sql/youth/youth_population.sql", "youth_population", "youth_pop", "youth_population_15_24"),
    ("sql/youth/youth_population.sql", "youth_population", "total_pop", "total_population"),
)


def youth_explorer_mpi(inputs: Mapping[str, Path], out: Path) -> None:
    """Build ``indicators/youth_explorer_mpi_2011.csv``: the Youth Explorer MPI and populations, stacked long.

    Parameters
    ----------
    inputs : mapping of str to pathlib.Path
        ``sql/youth/youth_mpi_score.sql`` and ``sql/youth/youth_population.sql``.
    out : pathlib.Path
        The CSV to write (columns geo_level, geo_code, demarcation, year, source, indicator, value).
    """
    rows: list[Row] = []
    for key, table, column, indicator in YOUTH:
        block = read_copy(_input(inputs, key), table)
        level, code, version, value = (_column(block, c) for c in (*GEO, column))
        head = ("2011", "youth_explorer_census2011", indicator)
        rows += [(r[level], r[code], r[version], *head, r[value]) for r in block.rows]
    rows.sort(key=_sort_key(2, 5, 0, 1))
    _write_csv(out, ("geo_level", "geo_code", "demarcation", "year", "source", "indicator", "value"), rows)


def income_poverty_ubpl(inputs: Mapping[str, Path], out: Path) -> None:
    """Build ``indicators/census2011_income_poverty_ubpl.csv`` from ``youth_income_poverty_age_group.sql``.

    Keeps the country, province, district and municipality rows of the 2011 demarcation, sorted
    by level and code, then category and age group.

    Parameters
    ----------
    inputs : mapping of str to pathlib.Path
        ``sql/youth/youth_income_poverty_age_group.sql``.
    out : pathlib.Path
        The CSV to write (the tidy columns plus ``age_group`` before ``value``).
    """
    block = read_copy(_input(inputs, "sql/youth/youth_income_poverty_age_group.sql"), "youth_income_poverty_age_group")
    names = ("geo_level", "geo_code", "geo_version", "income poverty", "age group", "total")
    level, code, version, poverty, age, count = (_column(block, c) for c in names)
    head = ("2011", "census2011", block.table, "persons in households with known income", "income_poverty_ubpl")
    rows = [
        (r[level], r[code], r[version], *head, r[poverty], r[age], r[count])
        for r in block.rows
        if r[level] in AREA_LEVELS and r[version] == "2011"
    ]
    rows.sort(key=_sort_key(2, 7, 0, 1, 8, 9))
    _write_csv(out, (*TIDY_HEADER[:-1], "age_group", "value"), rows)
