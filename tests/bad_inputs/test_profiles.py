"""District profiles asked for areas, sections and formats that do not exist: ddmgeo.profile, build_all."""

from __future__ import annotations

import pytest

import ddmgeo
from ddmgeo import profiles
from ddmgeo.errors import AmbiguousAreaError, UnknownAreaError, VintageError

from ._support import HOSTILE, Case, expect, params

pytestmark = pytest.mark.usefixtures("shared_data")

CASES = [
    Case("unknown-area", lambda tmp: ddmgeo.profile("Atlantis"), UnknownAreaError, (r"'Atlantis' matches no area of the 2016 demarcation", r"Check the spelling")),
    Case("municipality-name-as-district", lambda tmp: ddmgeo.profile("Lephalale", level="district"), UnknownAreaError, (r"Lephalale \(LIM362, municipality\), not a district; it lies in Waterberg \(DC36",)),
    Case("ambiguous-municipality-name", lambda tmp: ddmgeo.profile("Emalahleni"), AmbiguousAreaError, (r"EC136", r"MP312", r"add the province")),
    Case("province-name-as-district", lambda tmp: ddmgeo.profile("Limpopo", level="district"), UnknownAreaError, (r"Limpopo \(LIM, province\), not a district",)),
    Case("ward-level", lambda tmp: ddmgeo.profile("Waterberg", level="ward"), VintageError, (r"Profiles are made for district spaces, municipalities and provinces", r"not 'ward'")),
    Case("hostile-name", lambda tmp: ddmgeo.profile(HOSTILE), UnknownAreaError, (r"matches no area",)),
    Case("unknown-section", lambda tmp: ddmgeo.profile("Waterberg", sections=["weather"]), ValueError, (r"Unknown section\(s\) \['weather'\]; use some of",)),
    Case("unknown-vintage", lambda tmp: ddmgeo.profile("Waterberg", vintage=2019), VintageError, (r"Unknown boundary vintage 2019",)),
    Case("vintage-2011", lambda tmp: ddmgeo.profile("Eden", vintage=2011), VintageError, (r"Profiles are built on the 2016 boundaries", r"pass vintage=2016")),
    Case("build-all-format", lambda tmp: profiles.build_all(tmp, fmt="docx"), ValueError, (r"fmt must be one of \['html', 'md', 'pdf'\], not 'docx'",)),
    Case("build-all-unknown-area", lambda tmp: profiles.build_all(tmp, areas=["Waterberg", "Atlantis"]), UnknownAreaError, (r"'Atlantis' matches no area",)),
]


@pytest.mark.parametrize("case", params(CASES))
def test_bad_profile_request(case, tmp_path):
    expect(case, tmp_path)


def test_former_name_still_builds_the_2016_profile():
    """'Eden' (renamed Garden Route in 2016) is understood: the profile is of DC4, not an error."""
    p = ddmgeo.profile("Eden", sections=[])
    assert p.code == "DC4" and p.name == "Garden Route"
