"""The Municipal Money recipes on tiny synthetic profiles (no real data needed)."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

from ddmgeo._recipes import municipal_money as mm

PREFIX = "scorecard/materialised/profiles"


def _yearly(*values: dict) -> dict:
    return {"values": list(values)}


def _profile() -> dict:
    """A minimal profile: every block present, a few values in each, personal data that must not leak."""
    empty = _yearly()
    return {
        "audit_opinions": {
            "values": [
                {"date": 2019, "rating": "unqualified", "report_url": "http://x/r.pdf", "result": "Unqualified - No findings"},
                {"date": 2018, "rating": "outstanding", "report_url": None, "result": "Outstanding"},
            ]
        },
        "demarcation": {"land_gained": [], "land_lost": []},
        "indicators": {
            "cap_budget_diff": _yearly(
                {"date": 2018, "overunder": "under", "rating": "bad", "result": -24.85},
                {"date": 2017, "overunder": None, "rating": None, "result": None},
            ),
            "op_budget_diff": empty,
            "cash_at_year_end": _yearly({"date": 2018, "rating": "good", "result": 1825496589.0}),
            "cash_coverage": _yearly({"date": 2018, "rating": "bad", "result": 0}),
            "expenditure_trends_contracting": _yearly({"date": 2018, "rating": "", "result": 0.05}),
            "expenditure_trends_staff": empty,
            "rep_maint_perc_ppe": empty,
            "wasteful_exp": _yearly({"date": 2019, "rating": None, "result": None}),
            "current_debtors_collection_rate": _yearly(
                {
                    "amount_type": "ACT",
                    "billing": [1.0, 2.0, 3.5],
                    "receipts": [1.0, 1.0, 1.0],
                    "date": "2019q4",
                    "month": 12,
                    "quarter": 4,
                    "rating": "bad",
                    "result": 92.43,
                    "year": 2019,
                },
                {"billing": None, "receipts": None, "date": "2019q3", "quarter": 3, "rating": "bad", "result": None, "year": 2019},
            ),
            "current_ratio": _yearly(
                {
                    "amount_type": "ACT",
                    "assets": 30.0,
                    "liabilities": 15.0,
                    "date": "2018q4",
                    "month": 12,
                    "quarter": 4,
                    "rating": "good",
                    "result": 2,
                    "year": 2018,
                }
            ),
            "liquidity_ratio": empty,
            "expenditure_functional_breakdown": _yearly(
                {"amount": 88.0, "date": "2015", "item": "Electricity ", "percent": 1.69},
            ),
            "revenue_breakdown": _yearly(
                {"amount": 100.0, "amount_type": "ORGB", "date": "2019 budget", "item": "Fines", "percent": 0},
                {"amount": None, "amount_type": "AUDA", "date": "2018", "item": None, "percent": None},
            ),
            "revenue_sources": {
                "government": {"amount": 5.0, "percent": 35.4, "items": []},
                "local": {
                    "amount": 7.0,
                    "percent": 64.6,
                    "items": [
                        {
                            "amount.sum": 7.0,
                            "amount_type.code": "AUDA",
                            "financial_year_end.year": 2018,
                            "item.code": "1800",
                            "item.label": "Gain On Disposal Of Property, Plant & Equipment",
                        }
                    ],
                },
                "rating": "ave",
                "ref": {"title": "t", "url": "u"},
                "year": 2018,
            },
        },
        "mayoral_staff": {"officials": [{"name": "Secret Person", "email": "secret@example.org"}]},
        "muni_contact": {"phone_number": "000 000 0000"},
    }


GEO = ["municipality", "WC011", "B", "2016"]
SRC = "municipal_money_scorecard"

EXPECTED = [
    GEO + ["2018", "FY2018", SRC, "cap_budget_diff", "", "", "percent", "-24.85", "bad", "overunder=under"],
    GEO + ["2018", "FY2018", SRC, "cash_at_year_end", "", "", "rand", "1825496589.0", "good", ""],
    GEO + ["2018", "FY2018", SRC, "cash_coverage", "", "", "months", "0", "bad", ""],
    GEO + ["2018", "FY2018", SRC, "expenditure_trends_contracting", "", "", "percent", "0.05", "", ""],
    GEO + ["2019", "2019q4", SRC, "current_debtors_collection_rate", "", "ACT", "percent", "92.43", "bad", ""],
    GEO + ["2019", "2019q4", SRC, "current_debtors_collection_rate__billing", "", "ACT", "rand", "6.5", "",
           "sum of the 3 monthly values in the quarter"],
    GEO + ["2019", "2019q4", SRC, "current_debtors_collection_rate__receipts", "", "ACT", "rand", "3.0", "",
           "sum of the 3 monthly values in the quarter"],
    GEO + ["2018", "2018q4", SRC, "current_ratio", "", "ACT", "ratio", "2", "good", ""],
    GEO + ["2018", "2018q4", SRC, "current_ratio__assets", "", "ACT", "rand", "30.0", "", ""],
    GEO + ["2018", "2018q4", SRC, "current_ratio__liabilities", "", "ACT", "rand", "15.0", "", ""],
    GEO + ["2015", "FY2015", SRC, "expenditure_functional_breakdown", "Electricity", "", "rand", "88.0", "", "percent=1.69"],
    GEO + ["2019", "FY2019 budget", SRC, "revenue_breakdown", "Fines", "ORGB", "rand", "100.0", "", "percent=0"],
    GEO + ["2018", "FY2018", SRC, "revenue_sources_local", "1800 Gain On Disposal Of Property, Plant & Equipment", "AUDA",
           "rand", "7.0", "", ""],
    GEO + ["2019", "FY2019", SRC, "audit_opinion", "Unqualified - No findings", "", "text", "", "unqualified", "http://x/r.pdf"],
    GEO + ["2018", "FY2018", SRC, "audit_opinion", "Outstanding", "", "text", "", "outstanding", ""],
]  # fmt: skip


def _inputs(tmp_path: Path, profiles: dict[str, dict]) -> dict[str, Path]:
    inputs = {}
    for code, profile in profiles.items():
        path = tmp_path / f"{code}.json"
        path.write_text(json.dumps(profile, indent=4, sort_keys=True))
        inputs[f"{PREFIX}/{code}.json"] = path
    return inputs


def test_one_profile_gives_the_expected_rows():
    rows = list(mm._rows_of_profile("WC011", "B", _profile()))
    assert rows == EXPECTED
    assert all(len(r) == len(mm.COLUMNS) for r in rows)


def test_a_district_is_geo_level_district():
    rows = list(mm._rows_of_profile("DC1", "C", _profile()))
    assert {tuple(r[:4]) for r in rows} == {("district", "DC1", "C", "2016")}


def test_personal_data_are_not_taken():
    rows = list(mm._rows_of_profile("WC011", "B", _profile()))
    text = repr(rows)
    assert "Secret" not in text and "secret@" not in text and "000 000" not in text


def test_scorecard_keeps_2016_codes_in_code_order(tmp_path):
    p = _profile()
    inputs = _inputs(tmp_path, {"WC011": p, "DC1": p, "BUF": p, "EC103": p})  # EC103: disestablished in 2016
    inputs["README.md"] = tmp_path / "ignored"
    out = tmp_path / "out.csv"
    mm.scorecard(inputs, out)
    data = out.read_bytes()
    assert b"\r" not in data and data.endswith(b"\n")
    with out.open(newline="", encoding="utf-8") as f:
        table = list(csv.reader(f))
    assert tuple(table[0]) == mm.COLUMNS
    codes = list(dict.fromkeys(r[1] for r in table[1:]))
    assert codes == ["BUF", "DC1", "WC011"]
    assert {(r[0], r[1], r[2]) for r in table[1:]} == {
        ("municipality", "BUF", "A"),
        ("district", "DC1", "C"),
        ("municipality", "WC011", "B"),
    }
    assert [r for r in table[1:] if r[1] == "WC011"] == EXPECTED
    # an item with a comma is quoted, nothing else is
    assert b'"1800 Gain On Disposal Of Property, Plant & Equipment"' in data
    assert data.count(b'"') == 2 * 3


def test_sources_lists_every_profile_with_git_blob_and_sha256(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_bytes(b"")
    b.write_bytes(b"hello\n")
    inputs = {f"{PREFIX}/ZZ1.json": b, f"{PREFIX}/EC103.json": a, "elsewhere/x.json": a}
    out = tmp_path / "sources.csv"
    mm.sources(inputs, out)
    assert out.read_text(encoding="utf-8") == (
        "path,blob,sha256,bytes\n"
        f"{PREFIX}/EC103.json,e69de29bb2d1d6434b8b29ae775ad8c2e48c5391,{hashlib.sha256(b'').hexdigest()},0\n"
        f"{PREFIX}/ZZ1.json,ce013625030ba8dba906f756967f9e9ca394464a,{hashlib.sha256(b'hello' + bytes([10])).hexdigest()},6\n"
    )


def test_git_blob_id_is_gits():
    # `printf 'hello\n' | git hash-object --stdin`
    assert mm._git_blob_id(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"
