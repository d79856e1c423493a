"""Municipal Money (National Treasury) scorecard: 292 upstream profile JSONs to one tidy CSV.

Upstream: ``OpenUpSA/municipal-data`` @ ``2b665aa27cabd21a1ab1a6defd264fc8b310831f``,
``scorecard/materialised/profiles/<CODE>.json`` (one profile per municipality, including
35 codes disestablished in 2016).

Two recipes:

* :func:`scorecard` keeps the 257 profiles whose code is in the 2016 demarcation
  (205 B + 8 A + 44 C, from ddmgeo's own gazetteer) and writes one row per
  indicator x period x item. Personal data (``mayoral_staff``, ``muni_contact``) are not read.
* :func:`sources` writes the provenance manifest: path, git blob id, sha256 and size of
  every one of the 292 profiles.

Conversion rules (these reproduce the registered file byte for byte):

* profiles in code order; within a profile the indicator blocks in the fixed order of
  ``_YEARLY``, ``_QUARTERLY``, the two breakdowns, ``revenue_sources``, audit opinions;
  values within a block in upstream (JSON) order;
* a yearly or quarterly value whose ``result`` is null is dropped, with its rand
  components; a breakdown entry whose ``item`` is null is dropped;
* numbers are written as Python's ``str`` of the parsed JSON value (JSON ``1825496589.0``
  stays ``1825496589.0``, JSON ``0`` stays ``0``), nulls as empty fields;
* ``financial_year`` is the upstream ``date`` (yearly), ``year`` (quarterly) or the year
  of ``"2019 budget"``; ``period`` is ``FY<date>`` for yearly values and the upstream
  quarter label (``2019q4``) for quarterly ones;
* quarterly ``billing`` / ``receipts`` (lists of monthly values) are summed;
* breakdown items are stripped of surrounding spaces (upstream ``"Electricity "``);
* ``note`` holds ``overunder=...`` (budget differences), ``percent=...`` (breakdowns),
  the sum remark (billing, receipts) or the audit report URL.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

__all__ = ["scorecard", "sources"]

PROFILE_DIR = "scorecard/materialised/profiles"
SOURCE = "municipal_money_scorecard"
DEMARCATION = "2016"

COLUMNS = (
    "geo_level",
    "geo_code",
    "category",
    "demarcation",
    "financial_year",
    "period",
    "source",
    "indicator",
    "item",
    "amount_type",
    "unit",
    "value",
    "rating",
    "note",
)

#: Yearly indicators (``date`` = financial year) and their units, in output order.
_YEARLY: tuple[tuple[str, str], ...] = (
    ("cap_budget_diff", "percent"),
    ("op_budget_diff", "percent"),
    ("cash_at_year_end", "rand"),
    ("cash_coverage", "months"),
    ("expenditure_trends_contracting", "percent"),
    ("expenditure_trends_staff", "percent"),
    ("rep_maint_perc_ppe", "percent"),
    ("wasteful_exp", "percent"),
)

#: Quarterly indicators, their units and their rand components, in output order.
_QUARTERLY: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("current_debtors_collection_rate", "percent", ("billing", "receipts")),
    ("current_ratio", "ratio", ("assets", "liabilities")),
    ("liquidity_ratio", "ratio", ("cash", "call_investment_deposits", "liabilities")),
)

#: Breakdowns by item (rand amounts, with the item's share in ``note``), in output order.
_BREAKDOWNS: tuple[str, ...] = ("expenditure_functional_breakdown", "revenue_breakdown")

Row = list[str]


# ---------------------------------------------------------------------------------------
# recipes


def scorecard(inputs: Mapping[str, Path], out: Path) -> None:
    """Write the tidy scorecard of the 257 municipalities of the 2016 demarcation.

    Parameters
    ----------
    inputs : mapping of str to pathlib.Path
        Upstream profiles keyed by their path in the repository
        (``scorecard/materialised/profiles/<CODE>.json``); other keys are ignored.
    out : pathlib.Path
        The CSV to write (UTF-8, ``\\n`` line endings, minimal quoting).

    Notes
    -----
    Profiles whose code is not a 2016 district or municipality (the 35 disestablished
    2011 codes) are skipped.
    """
    categories = _categories_2016()
    profiles = {code: path for code, path in _profiles(inputs).items() if code in categories}
    rows: list[Row] = []
    for code in sorted(profiles):
        profile = json.loads(profiles[code].read_bytes())
        rows.extend(_rows_of_profile(code, categories[code], profile))
    _write_csv(out, COLUMNS, rows)


def sources(inputs: Mapping[str, Path], out: Path) -> None:
    """Write the manifest of all profile JSONs: path, git blob id, sha256 and bytes.

    Parameters
    ----------
    inputs : mapping of str to pathlib.Path
        Upstream profiles keyed by their path in the repository; other keys are ignored.
    out : pathlib.Path
        The CSV to write, one row per profile, sorted by path.
    """
    rows = [_source_row(key, inputs[key]) for key in sorted(inputs) if _profile_code(key)]
    _write_csv(out, ("path", "blob", "sha256", "bytes"), rows)


# ---------------------------------------------------------------------------------------
# inputs


def _profile_code(key: str) -> str | None:
    """The municipal code of a profile key (``.../profiles/BUF.json`` -> ``BUF``), else None."""
    p = PurePosixPath(key)
    if str(p.parent) == PROFILE_DIR and p.suffix == ".json":
        return p.stem
    return None


def _profiles(inputs: Mapping[str, Path]) -> dict[str, Path]:
    """The profile files among *inputs*, keyed by municipal code."""
    return {code: path for key, path in inputs.items() if (code := _profile_code(key))}


def _categories_2016() -> dict[str, str]:
    """Category (A, B or C) of every district and municipality code of the 2016 demarcation."""
    from ..areas import areas_table

    t = areas_table(vintage=2016)
    t = t[t["level"].isin(["district", "municipality"])]
    return dict(zip(t["code"], t["category"]))


def _source_row(key: str, path: Path) -> Row:
    """Manifest row of one upstream file: key, git blob id, sha256, size."""
    data = path.read_bytes()
    return [key, _git_blob_id(data), hashlib.sha256(data).hexdigest(), str(len(data))]


def _git_blob_id(data: bytes) -> str:
    """Git's object id of a blob with content *data* (sha1 of ``b"blob <size>\\0" + data``)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


# ---------------------------------------------------------------------------------------
# conversion


def _rows_of_profile(code: str, category: str, profile: Mapping[str, Any]) -> Iterator[Row]:
    """All output rows of one profile, in output order.

    Parameters
    ----------
    code : str
        Municipal code (``BUF``, ``DC10``, ``WC011``).
    category : {"A", "B", "C"}
        Municipal category; C (district) gives ``geo_level=district``.
    profile : mapping
        The parsed profile JSON (only ``indicators`` and ``audit_opinions`` are read).

    Yields
    ------
    list of str
        One row per indicator x period x item, in the order of :data:`COLUMNS`.
    """
    head = ["district" if category == "C" else "municipality", code, category, DEMARCATION]
    for tail in _facts_of_profile(profile):
        yield head + tail


def _facts_of_profile(profile: Mapping[str, Any]) -> Iterator[Row]:
    """The rows of one profile without the geography columns (``financial_year`` ... ``note``)."""
    indicators = profile["indicators"]
    for name, unit in _YEARLY:
        for v in indicators[name]["values"]:
            yield from _yearly_rows(name, unit, v)
    for name, unit, parts in _QUARTERLY:
        for v in indicators[name]["values"]:
            yield from _quarterly_rows(name, unit, parts, v)
    for name in _BREAKDOWNS:
        for v in indicators[name]["values"]:
            yield from _breakdown_rows(name, v)
    yield from _revenue_source_rows(indicators["revenue_sources"])
    for v in profile["audit_opinions"]["values"]:
        yield from _audit_rows(v)


def _fact(
    financial_year: Any,
    period: str,
    indicator: str,
    unit: str,
    value: Any,
    *,
    item: str = "",
    amount_type: str | None = None,
    rating: str | None = None,
    note: str = "",
) -> Row:
    """One row from ``financial_year`` to ``note``."""
    return [
        str(financial_year),
        period,
        SOURCE,
        indicator,
        item,
        amount_type or "",
        unit,
        _text(value),
        rating or "",
        note,
    ]


def _yearly_rows(name: str, unit: str, v: Mapping[str, Any]) -> Iterator[Row]:
    """The row of one yearly value (``date`` is the financial year); none if its result is null."""
    if v["result"] is None:
        return
    note = f"overunder={v['overunder']}" if "overunder" in v else ""
    yield _fact(v["date"], f"FY{v['date']}", name, unit, v["result"], rating=v["rating"], note=note)


def _quarterly_rows(name: str, unit: str, parts: tuple[str, ...], v: Mapping[str, Any]) -> Iterator[Row]:
    """The ratio of one quarter and its rand components; none if the ratio is null.

    Monthly components (lists: ``billing``, ``receipts``) are summed over the quarter.
    """
    if v["result"] is None:
        return
    year, period, amount_type = v["year"], v["date"], v.get("amount_type")
    yield _fact(year, period, name, unit, v["result"], amount_type=amount_type, rating=v["rating"])
    for part in parts:
        x = v.get(part)
        if x is None:
            continue
        note = ""
        if isinstance(x, list):
            note = f"sum of the {len(x)} monthly values in the quarter"
            x = sum(x)
        yield _fact(year, period, f"{name}__{part}", "rand", x, amount_type=amount_type, note=note)


def _breakdown_rows(name: str, v: Mapping[str, Any]) -> Iterator[Row]:
    """The row of one breakdown item (``date`` ``"2018"`` or ``"2019 budget"``); none if the item is null."""
    if v["item"] is None:
        return
    date = str(v["date"])
    yield _fact(
        date.split()[0],
        f"FY{date}",
        name,
        "rand",
        v["amount"],
        item=v["item"].strip(),
        amount_type=v.get("amount_type"),
        note=f"percent={_text(v['percent'])}",
    )


def _revenue_source_rows(block: Mapping[str, Any]) -> Iterator[Row]:
    """Government and local revenue by mSCOA item (``item`` = code and label)."""
    for kind in ("government", "local"):
        for v in block[kind]["items"]:
            year = v["financial_year_end.year"]
            yield _fact(
                year,
                f"FY{year}",
                f"revenue_sources_{kind}",
                "rand",
                v["amount.sum"],
                item=f"{v['item.code']} {v['item.label']}",
                amount_type=v["amount_type.code"],
            )


def _audit_rows(v: Mapping[str, Any]) -> Iterator[Row]:
    """The audit opinion of one year: the opinion text as ``item``, the report URL as ``note``."""
    date = v["date"]
    url = v["report_url"] or ""
    yield _fact(date, f"FY{date}", "audit_opinion", "text", None, item=v["result"], rating=v["rating"], note=url)


def _text(value: Any) -> str:
    """A JSON scalar as written in the CSV: ``str`` of the parsed value, null as empty."""
    return "" if value is None else str(value)


def _write_csv(out: Path, header: tuple[str, ...], rows: list[Row]) -> None:
    """Write *rows* under *header* as UTF-8 CSV with ``\n`` line endings and minimal quoting."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    Path(out).write_bytes(buf.getvalue().encode("utf-8"))
