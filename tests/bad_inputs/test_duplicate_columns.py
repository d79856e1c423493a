"""Tables with a column name given twice: read_table, join, budget.spatialise, indicators.aggregate, monitoring.track.

A name that picks two columns cannot say which holds the amounts, areas or values: the table is refused
with a ``TableError`` naming the duplicated names and their column numbers, and the fix (rename the copies
in the file's header, or for a DataFrame rename or drop them), never a pandas traceback and never a value
read from whichever copy came first. Columns merely alike (``District`` and ``district``) are kept.
"""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

import ddmgeo
from ddmgeo import budget, indicators, monitoring
from ddmgeo.cli import app
from ddmgeo.errors import TableError

from ._support import Case, expect, params

pytestmark = pytest.mark.usefixtures("shared_data")

CSV = "district,amount,amount\nWaterberg,1,2\nVhembe,3,4\n"
THREE = "district,x,note,x,note,x\nWaterberg,1,a,2,b,3\n"


def _frame():
    return pd.DataFrame([["Waterberg", 1, 2], ["Vhembe", 3, 4]], columns=["district", "amount", "amount"])


def _csv(tmp, text=CSV, name="t.csv"):
    path = tmp / name
    path.write_text(text)
    return path


def _xlsx(tmp):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["District", "Amount", "Amount"])
    ws.append(["Waterberg", 1, 2])
    path = tmp / "t.xlsx"
    wb.save(path)
    return path


def _munis():
    m = indicators.get(["unemployed", "labour_force"], level="municipality")
    return pd.concat([m, m[["unemployed"]]], axis=1)


def _tidy():
    t = indicators.get(["unemployed", "labour_force"], level="municipality", output="tidy")
    return pd.concat([t, t[["value"]]], axis=1)


def _targets():
    return pd.DataFrame(
        [["Waterberg", "formal_dwelling_share", 0.95, 2030, 2031]], columns=["district", "indicator", "target", "target_year", "target_year"]
    )


FILE_FIX = r"rename the copies in the header on line \d+ \('amount' -> 'amount 2023' and 'amount 2024'\) or delete the columns not needed"
FRAME_FIX = r"assign df\.columns\) or drop them \(df\.loc\[:, ~df\.columns\.duplicated\(\)\] keeps the first of each\)"

CASES = [
    Case("read-table-csv", lambda tmp: ddmgeo.read_table(_csv(tmp)), TableError, (r"t\.csv has column names given more than once: 'amount' in columns 2 and 3", FILE_FIX)),
    Case("read-table-tsv", lambda tmp: ddmgeo.read_table(_csv(tmp, CSV.replace(",", "\t"), "t.tsv")), TableError, (r"'amount' in columns 2 and 3",)),
    Case("read-table-xlsx", lambda tmp: ddmgeo.read_table(_xlsx(tmp)), TableError, (r"t\.xlsx has column names given more than once: 'Amount' in columns 2 and 3", r"header on line 1")),
    Case(
        "read-table-several",
        lambda tmp: ddmgeo.read_table(_csv(tmp, THREE)),
        TableError,
        (r"'x' in columns 2, 4 and 6; 'note' in columns 3 and 5",),
    ),
    Case("read-table-frame", lambda tmp: ddmgeo.read_table(_frame()), TableError, (r"the DataFrame has column names given more than once: 'amount' in columns 2 and 3", FRAME_FIX)),
    Case("join-frame", lambda tmp: ddmgeo.join(ddmgeo.districts(), _munis()), TableError, (r"'unemployed' in columns \d+ and \d+",)),
    Case("join-file", lambda tmp: ddmgeo.join(ddmgeo.districts(), _csv(tmp)), TableError, (r"'amount' in columns 2 and 3",)),
    Case("spatialise-csv", lambda tmp: budget.spatialise(_csv(tmp), amount="amount"), TableError, (r"t\.csv has column names given more than once: 'amount' in columns 2 and 3", FILE_FIX)),
    Case("spatialise-xlsx", lambda tmp: budget.spatialise(_xlsx(tmp), amount="Amount"), TableError, (r"'Amount' in columns 2 and 3",)),
    Case("spatialise-frame", lambda tmp: budget.spatialise(_frame(), amount="amount"), TableError, (r"the project table has column names given more than once: 'amount'", FRAME_FIX)),
    Case(
        "spatialise-duplicate-not-the-amount",
        lambda tmp: budget.spatialise(_csv(tmp, "district,amount,note,note\nWaterberg,1,a,b\n"), amount="amount"),
        TableError,
        (r"'note' in columns 3 and 4",),
    ),
    Case("aggregate-wide", lambda tmp: indicators.aggregate(_munis(), to="district"), TableError, (r"the table to aggregate has column names given more than once: 'unemployed' in columns", FRAME_FIX.replace("amount", "unemployed"))),
    Case("aggregate-tidy", lambda tmp: indicators.aggregate(_tidy(), to="province"), TableError, (r"'value' in columns \d+ and \d+",)),
    Case("track-frame", lambda tmp: monitoring.track(_targets()), TableError, (r"'target_year' in columns 4 and 5",)),
]


@pytest.mark.parametrize("case", params(CASES))
def test_duplicated_column_names_are_refused(case, tmp_path):
    err = expect(case, tmp_path)
    assert "Traceback" not in str(err) and "\n" not in str(err)


def test_columns_alike_but_not_equal_are_kept(tmp_path):
    table, report = ddmgeo.read_table(_csv(tmp_path, "District,district,amount\nWaterberg,Waterberg,1\n"))
    assert list(table.columns)[:3] == ["District", "district", "amount"] and table["code"].tolist() == ["DC36"]


def test_blank_header_cells_are_not_duplicates(tmp_path):
    table, _ = ddmgeo.read_table(_csv(tmp_path, "district,,amount,,total\nWaterberg,x,1,y,2\n"))
    assert table["amount"].tolist() == [1] and table["total"].tolist() == [2] and len(table.columns) == 7


def test_the_command_line_says_it_in_one_line(tmp_path):
    res = CliRunner().invoke(app, ["spatialise", str(_csv(tmp_path)), "--amount", "amount", "--out", str(tmp_path / "o.csv")])
    assert res.exit_code == 1, res.output
    errors = [line for line in res.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "'amount' in columns 2 and 3" in errors[0] and "Traceback" not in res.output
    assert not (tmp_path / "o.csv").exists()
