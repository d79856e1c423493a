"""resolve(): codes and names as planners write them, former names, ambiguity, errors."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import ddmgeo
from ddmgeo.errors import AmbiguousAreaError, FormerNameWarning, UnknownAreaError, VintageError

# (as written, expected 2016 code) — real spellings from budget tables, profiles and facility lists
SPELLINGS = [
    ("DC36", "DC36"),
    ("dc36", "DC36"),
    (" DC 36 ", "DC36"),
    ("Waterberg", "DC36"),
    ("WATERBERG DISTRICT MUNICIPALITY", "DC36"),
    ("Waterberg DM", "DC36"),
    ("waterberg district", "DC36"),
    ("O.R. Tambo", "DC15"),
    ("OR Tambo", "DC15"),
    ("O.R.Tambo District Municipality", "DC15"),
    ("Oliver Tambo", "DC15"),
    ("uMgungundlovu", "DC22"),
    ("Umgungundlovu District Municipality", "DC22"),
    ("UMGUNGUNDLOVU", "DC22"),
    ("uThukela", "DC23"),
    ("King Cetshwayo", "DC28"),
    ("ZF Mgcawu", "DC8"),
    ("Z.F. Mgcawu District", "DC8"),
    ("Dr Kenneth Kaunda", "DC40"),
    ("Kenneth Kaunda District Municipality", "DC40"),
    ("Dr Ruth Segomotsi Mompati", "DC39"),
    ("Thabo Mofutsanyana", "DC19"),
    ("City of Johannesburg Metropolitan Municipality", "JHB"),
    ("Joburg", "JHB"),
    ("City of Tshwane Metro", "TSH"),
    ("eThekwini", "ETH"),
    ("Ethekwini Metropolitan Municipality", "ETH"),
    ("Durban", "ETH"),
    ("Nelson Mandela Bay Metro", "NMA"),
    ("Cape Town", "CPT"),
    ("Mangaung Metro", "MAN"),
    ("Buffalo City Metropolitan Municipality", "BUF"),
    ("Lephalale Local Municipality", "LIM362"),
    ("lephalale lm", "LIM362"),
    ("Local Municipality of Madibeng", "NW372"),
    ("Madibeng", "NW372"),
    ("Khâi-Ma", "NC067"),
    ("Khai Ma", "NC067"),
    ("!Kheis", "NC084"),
    ("Kai !Garib", "NC082"),
    ("The Msunduzi", "KZN225"),
    ("Msunduzi Local Municipality", "KZN225"),
    ("Pietermaritzburg", "KZN225"),
    ("Dr Nkosazana Dlamini Zuma", "KZN436"),
    ("City of Mbombela", "MP326"),
    ("Mbombela", "MP326"),
    ("Polokwane", "LIM354"),
    ("Sol Plaatje", "NC091"),
    ("JB Marks", "NW405"),
    ("Ray Nkonyeni", "KZN216"),
    ("Limpopo", "LIM"),
    ("LP", "LIM"),
    ("Gauteng", "GT"),
    ("GP", "GT"),
    ("KwaZulu-Natal", "KZN"),
    ("Kwazulu Natal", "KZN"),
    ("KZN", "KZN"),
    ("North West", "NW"),
    ("North-West Province", "NW"),
    ("Western Cape", "WC"),
    ("Emalahleni (MP)", "MP312"),
    ("Emalahleni, Eastern Cape", "EC136"),
]

# (former name, code, changed in) — districts renamed since 2011; the 2011 names are in the MDB 2011 table
# (the long form "Bojanala Platinum" is a former name too: data/boundaries/name_history.csv, tests/test_name_history.py)
FORMER = [("Cacadu", "DC10"), ("Eden", "DC4"), ("Sisonke", "DC43"), ("Siyanda", "DC8"), ("Uthungulu", "DC28"), ("Hibiscus Coast", "KZN216"), ("Bojanala Platinum", "DC37")]


@pytest.mark.parametrize("text, code", SPELLINGS)
def test_spellings(text, code):
    assert ddmgeo.resolve(text) == code


@pytest.mark.parametrize("text, code", FORMER)
def test_former_names(text, code):
    with pytest.warns(FormerNameWarning, match=text):
        assert ddmgeo.resolve(text) == code


def test_enough_real_spellings():
    assert len(SPELLINGS) + len(FORMER) >= 40


def test_retired_code_resolves_to_successor_with_warning():
    # KZN215 Ezinqoleni merged into KZN216 (Ray Nkonyeni) in 2016
    with pytest.warns(FormerNameWarning, match="KZN215"):
        assert ddmgeo.resolve("KZN215") == "KZN216"
    with pytest.warns(FormerNameWarning):
        assert ddmgeo.resolve("Ezinqoleni") == "KZN216"


def test_merged_into_metro():
    # Naledi (FS164) was absorbed by Mangaung in 2016; in 2016 "Naledi" is the North West municipality
    assert ddmgeo.resolve("Naledi") == "NW392"
    with pytest.warns(FormerNameWarning):
        assert ddmgeo.resolve("FS164") == "MAN"


def test_2011_vintage_names():
    assert ddmgeo.resolve("Cacadu", vintage=2011) == "DC10"
    assert ddmgeo.resolve("Ikwezi", vintage=2011) == "EC103"
    with pytest.raises(AmbiguousAreaError):
        ddmgeo.resolve("Naledi", vintage=2011)
    assert ddmgeo.resolve("Naledi (FS)", vintage=2011) == "FS164"


def test_ambiguous_lists_candidates():
    with pytest.raises(AmbiguousAreaError) as info:
        ddmgeo.resolve("Emalahleni")
    msg = str(info.value)
    assert "EC136" in msg and "MP312" in msg and "(MP)" in msg or "(EC)" in msg
    assert len(info.value.candidates) == 2


def test_ambiguous_across_levels_in_2011():
    # Pixley ka Seme: a Northern Cape district (DC7) and, in 2011, a Mpumalanga municipality (MP304)
    with pytest.raises(AmbiguousAreaError, match="DC7.*MP304|MP304.*DC7"):
        ddmgeo.resolve("Pixley ka Seme", vintage=2011)
    assert ddmgeo.resolve("Pixley ka Seme", level="district", vintage=2011) == "DC7"
    assert ddmgeo.resolve("Pixley ka Seme", level="municipality", vintage=2011) == "MP304"


def test_metro_is_not_ambiguous_between_levels():
    assert ddmgeo.resolve("Johannesburg") == "JHB"
    assert ddmgeo.resolve("Johannesburg", level="municipality") == "JHB"
    assert ddmgeo.resolve("Johannesburg", level="district") == "JHB"


def test_level_filter():
    assert ddmgeo.resolve("Waterberg", level="district") == "DC36"
    with pytest.raises(UnknownAreaError, match="level 'municipality'"):
        ddmgeo.resolve("Waterberg", level="municipality")


def test_unknown_lists_closest_matches():
    with pytest.raises(UnknownAreaError) as info:
        ddmgeo.resolve("Waterburg")
    assert "Waterberg (DC36, district)" in str(info.value)
    assert info.value.suggestions[0].startswith("Waterberg")
    with pytest.raises(KeyError):  # UnknownAreaError is a KeyError
        ddmgeo.resolve("Atlantis")


def test_bad_province_hint():
    with pytest.raises(UnknownAreaError, match="not a province"):
        ddmgeo.resolve("Emalahleni (Narnia)")
    with pytest.raises(UnknownAreaError, match="province WC"):
        ddmgeo.resolve("Emalahleni (WC)")


def test_list_input_keeps_order_and_length():
    values = ["OR Tambo", "dc36", "Joburg", "OR Tambo", "Limpopo"]
    assert ddmgeo.resolve(values) == ["DC15", "DC36", "JHB", "DC15", "LIM"]
    assert ddmgeo.resolve(tuple(values)) == ["DC15", "DC36", "JHB", "DC15", "LIM"]


def test_series_input_keeps_index():
    s = pd.Series(["Waterberg", "Capricorn", "Vhembe"], index=[10, 20, 30])
    out = ddmgeo.resolve(s)
    assert isinstance(out, pd.Series) and list(out.index) == [10, 20, 30]
    assert list(out) == ["DC36", "DC35", "DC34"]


def test_list_reports_every_failure_with_its_row():
    with pytest.raises(UnknownAreaError) as info:
        ddmgeo.resolve(["Waterberg", "Atlantis", "Emalahleni", None])
    msg = str(info.value)
    assert "row 1" in msg and "Atlantis" in msg and "row 2" in msg and "Emalahleni" in msg and "rows 3" in msg
    assert "errors='coerce'" in msg


def test_coerce_gives_none_and_warns():
    with pytest.warns(UserWarning, match="Atlantis"):
        out = ddmgeo.resolve(["Waterberg", "Atlantis", None], errors="coerce")
    assert out == ["DC36", None, None]


def test_scalar_missing_and_empty():
    with pytest.raises(UnknownAreaError, match="missing"):
        ddmgeo.resolve(None)
    with pytest.raises(UnknownAreaError, match="empty"):
        ddmgeo.resolve("   ")
    assert ddmgeo.resolve(float("nan"), errors="coerce") is None


def test_bad_arguments():
    with pytest.raises(VintageError):
        ddmgeo.resolve("Waterberg", vintage=1999)
    with pytest.raises(VintageError):
        ddmgeo.resolve("Waterberg", level="county")
    with pytest.raises(ValueError):
        ddmgeo.resolve("Waterberg", errors="ignore")


def test_ward_codes(shared_data):
    assert ddmgeo.resolve("79800001", level="ward") == "79800001"
    assert ddmgeo.resolve(["21001001"], level="ward", vintage=2021) == ["21001001"]
    with pytest.raises(UnknownAreaError, match="8-digit"):
        ddmgeo.resolve("99999999", level="ward")


def test_many_names_resolve_quickly_and_consistently():
    names = [t for t, _ in SPELLINGS] * 160
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = ddmgeo.resolve(names)
    assert out == [c for _, c in SPELLINGS] * 160
