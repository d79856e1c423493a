"""The 2011 -> 2016 lineage table: complete, consistent with the gazetteer, and queryable."""

from __future__ import annotations

import pytest

import ddmgeo
from ddmgeo.errors import UnknownAreaError, VintageError


@pytest.fixture(scope="module")
def table():
    return ddmgeo.lineage()


def test_every_code_of_both_vintages_appears(table):
    for level in ("district", "municipality"):
        old = set(ddmgeo.areas_table(level, vintage=2011).code)
        new = set(ddmgeo.areas_table(level, vintage=2016).code)
        rows = table[table.level == level]
        assert set(rows.old_code) == old
        assert set(rows.new_code) == new


def test_names_agree_with_gazetteer(table):
    for vintage, code_col, name_col in ((2011, "old_code", "old_name"), (2016, "new_code", "new_name")):
        for level in ("district", "municipality"):
            names = ddmgeo.areas_table(level, vintage=vintage).set_index("code").name
            rows = table[table.level == level]
            mismatched = rows[rows[name_col].str.lower() != rows[code_col].map(names).str.lower()]
            assert mismatched.empty, mismatched[[code_col, name_col]].head().to_string()


def test_shares_are_fractions_and_sum_close_to_one(table):
    assert table.share_of_old.between(0, 1).all() and table.share_of_new.between(0, 1).all()
    per_old = table.groupby(["level", "old_code"]).share_of_old.sum()
    assert per_old.between(0.9, 1.01).all(), per_old[~per_old.between(0.9, 1.01)]


def test_retired_codes_are_merged_or_split(table):
    m = table[table.level == "municipality"]
    retired = set(ddmgeo.areas_table("municipality", vintage=2011).code) - set(ddmgeo.areas_table("municipality").code)
    assert len(retired) == 35
    changes = m[m.old_code.isin(retired)].change
    assert changes.str.contains("merged|split").all()


@pytest.mark.parametrize(
    "code, name_2011, new_code, change",
    [
        ("DC10", "Cacadu", "DC10", "renamed"),
        ("DC4", "Eden", "DC4", "renamed"),
        ("DC28", "Uthungulu", "DC28", "renamed"),
        ("EC103", "Ikwezi", "EC101", "merged"),
        ("FS164", "Naledi", "MAN", "merged"),
        ("KZN215", "Ezingoleni", "KZN216", "merged"),
    ],
)
def test_known_changes(code, name_2011, new_code, change):
    rows = ddmgeo.lineage(code)
    main = rows.loc[rows.share_of_old.idxmax()]
    assert main.old_name == name_2011 and main.new_code == new_code and change in main.change


def test_rename_years_have_sources(table):
    renamed = table[table.change.str.contains("renamed") & (table.level == "district")]
    assert set(renamed.old_code) >= {"DC10", "DC4", "DC8", "DC28", "DC43"}
    dated = renamed[renamed.year != ""]
    assert (dated.source.str.contains("http")).all()


def test_backward_lookup():
    rows = ddmgeo.lineage("EC101", vintage=2016)
    assert set(rows.old_code) == {"EC101", "EC103", "EC107"}
    assert set(ddmgeo.lineage("Dr Beyers Naude", vintage=2016).old_code) == {"EC101", "EC103", "EC107"}


def test_lookup_by_name_and_errors():
    assert set(ddmgeo.lineage("Ikwezi").new_code) == {"EC101"}
    with pytest.raises(UnknownAreaError):
        ddmgeo.lineage("Atlantis")
    with pytest.raises(VintageError):
        ddmgeo.lineage("DC10", vintage=1999)
