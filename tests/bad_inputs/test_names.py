"""Bad names, codes, levels and vintages: ddmgeo.resolve, lineage, areas_table, boundaries."""

from __future__ import annotations

import warnings

import pytest

import ddmgeo
from ddmgeo.errors import AmbiguousAreaError, DataNotAvailableError, FormerNameWarning, UnknownAreaError, VintageError

from ._support import HOSTILE, RLO, ZWSP, Case, expect, params

CLOSEST = r"Check the spelling, pass the MDB code"

CASES = [
    Case("unknown-name", lambda: ddmgeo.resolve("Atlantis"), UnknownAreaError, (r"'Atlantis' matches no area of the 2016 demarcation", CLOSEST)),
    Case("typo-lists-closest", lambda: ddmgeo.resolve("Watreberg"), UnknownAreaError, (r"Closest matches: Waterberg \(DC36, district\)",)),
    Case("ambiguous-name", lambda: ddmgeo.resolve("Emalahleni"), AmbiguousAreaError, (r"EC136", r"MP312", r"add the province, e\.g\. 'Emalahleni \(")),
    Case("empty-string", lambda: ddmgeo.resolve("   "), UnknownAreaError, (r"empty name", r"fill in the area's name or code")),
    Case("none", lambda: ddmgeo.resolve(None), UnknownAreaError, (r"missing value \(None/NaN\)", r"fill in")),
    Case("nan", lambda: ddmgeo.resolve(float("nan")), UnknownAreaError, (r"missing value \(None/NaN\)",)),
    Case("number-not-code", lambda: ddmgeo.resolve(36), UnknownAreaError, (r"'36' matches no area", r"Waterberg \(DC36")),
    Case("emoji-only", lambda: ddmgeo.resolve("\U0001f3de"), UnknownAreaError, (r"matches no area", CLOSEST)),
    Case("arabic-script", lambda: ddmgeo.resolve("واتربرج"), UnknownAreaError, (r"matches no area",)),
    Case("script-tag", lambda: ddmgeo.resolve(HOSTILE), UnknownAreaError, (r"matches no area",)),
    Case("bad-province-hint", lambda: ddmgeo.resolve("Emalahleni (XX)"), UnknownAreaError, (r"'XX' is not a province name or code", r"'Emalahleni \(MP\)'")),
    Case("hint-wrong-province", lambda: ddmgeo.resolve("Waterberg (WC)"), UnknownAreaError, (r"no area of that name lies in province WC",)),
    Case("2016-code-as-2011", lambda: ddmgeo.resolve("EC129", vintage=2011), UnknownAreaError, (r"'EC129' matches no area of the 2011 demarcation", r"choose the vintage")),
    Case("municipality-as-district", lambda: ddmgeo.resolve("Lephalale", level="district"), UnknownAreaError, (r"Lephalale \(LIM362, municipality\), not a district", r"lies in Waterberg \(DC36")),
    Case("district-as-municipality", lambda: ddmgeo.resolve("Waterberg", level="municipality"), UnknownAreaError, (r"Waterberg \(DC36, district\), not a municipality",)),
    Case("name-as-ward", lambda: ddmgeo.resolve("Waterberg", level="ward", vintage=2021), UnknownAreaError, (r"not a ward code of the 2021 vintage", r"8-digit MDB ids")),
    Case("unknown-level", lambda: ddmgeo.resolve("Waterberg", level="region"), VintageError, (r"Unknown level 'region'", r"province, district, municipality, ward")),
    Case("unknown-vintage", lambda: ddmgeo.resolve("Waterberg", vintage=2019), VintageError, (r"Unknown boundary vintage 2019", r"use 2016")),
    Case("vintage-as-text", lambda: ddmgeo.resolve("Waterberg", vintage="last year"), VintageError, (r"Unknown boundary vintage 'last year'",)),
    Case("errors-option", lambda: ddmgeo.resolve("Waterberg", errors="ignore"), ValueError, (r"errors must be 'raise' or 'coerce', not 'ignore'",)),
    Case(
        "list-reports-every-row",
        lambda: ddmgeo.resolve(["Waterberg", "Atlantis", None, "Emalahleni"]),
        UnknownAreaError,
        (r"3 value\(s\) could not be resolved", r"row 1: 'Atlantis'", r"row 3: 'Emalahleni' fits more than one", r"rows 2: missing value", r"errors='coerce'"),
    ),
    Case("lineage-unknown-code", lambda: ddmgeo.lineage("XX999"), UnknownAreaError, (r"'XX999' matches no area of the 2011 demarcation",)),
    Case("lineage-2016-code-as-2011", lambda: ddmgeo.lineage("EC129", vintage=2011), UnknownAreaError, (r"2011 demarcation", r"Closest matches")),
    Case("lineage-empty", lambda: ddmgeo.lineage(""), UnknownAreaError, (r"empty name",)),
    Case("areas-table-ward", lambda: ddmgeo.areas_table("ward"), VintageError, (r"for wards use ddmgeo\.boundaries\('ward', vintage=2021\)",)),
    Case("areas-table-level", lambda: ddmgeo.areas_table("county"), VintageError, (r"Unknown level 'county'",)),
    Case("areas-table-vintage", lambda: ddmgeo.areas_table("district", vintage=1994), VintageError, (r"Unknown boundary vintage 1994",)),
    Case("boundaries-level", lambda: ddmgeo.boundaries("region"), VintageError, (r"Unknown level 'region'",)),
    Case("boundaries-vintage", lambda: ddmgeo.boundaries("district", vintage=2001), VintageError, (r"Unknown boundary vintage 2001",)),
    Case("boundaries-resolution", lambda: ddmgeo.boundaries("district", resolution="high"), VintageError, (r"Unknown resolution 'high': use 'generalised' or 'full'",)),
    Case("boundaries-2016-wards", lambda: ddmgeo.boundaries("ward", vintage=2016), DataNotAvailableError, (r"Ward geometry of the 2016 vintage is not available", r"vintage=2021")),
    Case("boundaries-full-municipalities", lambda: ddmgeo.boundaries("municipality", resolution="full"), DataNotAvailableError, (r"No full municipality geometry", r"2016 districts only")),
    Case("boundaries-full-offline", lambda: ddmgeo.boundaries("district", resolution="full"), DataNotAvailableError, (r"mdb2016_districts_full", r"DDMGEO_OFFLINE is set", r"DDMGEO_DATA_DIR")),
]


@pytest.mark.parametrize("case", params(CASES))
def test_bad_name(case, shared_data):
    expect(case)


# Unicode that changes nothing a planner meant: the right code, never a near miss
@pytest.mark.parametrize(
    "text, code",
    [
        pytest.param("Wätérbérg", "DC36", id="accents"),
        pytest.param(f"Water{ZWSP}berg", "DC36", id="zero-width-space"),
        pytest.param(f"{RLO}Waterberg", "DC36", id="right-to-left-override"),
        pytest.param("Water\u00a0berg District Municipality", "DC36", id="no-break-space"),
        pytest.param("ＷＡＴＥＲＢＥＲＧ", "DC36", id="fullwidth"),
        pytest.param("Waterberg \U0001f3de", "DC36", id="trailing-emoji"),
        pytest.param(f"dc{ZWSP}36", "DC36", id="code-with-zero-width-space"),
        pytest.param("Sol Plaatjé", "NC091", id="accented-official-name"),
    ],
)
def test_unicode_names_resolve_exactly(text, code):
    assert ddmgeo.resolve(text) == code


def test_old_code_is_moved_and_said(shared_data):
    """A 2011 code given for 2016 resolves to its successor with a FormerNameWarning that says so."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert ddmgeo.resolve("EC103") == "EC101"
    notes = [str(w.message) for w in caught if issubclass(w.category, FormerNameWarning)]
    assert notes and "EC103" in notes[0] and "EC101" in notes[0] and "merged" in notes[0]


def test_coerce_lists_what_became_none():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert ddmgeo.resolve(["Waterberg", "Atlantis"], errors="coerce") == ["DC36", None]
    assert any("row 1: 'Atlantis'" in str(w.message) for w in caught)
