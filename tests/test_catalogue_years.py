"""Every year and level the catalogue declares for a table-read indicator is one the data gives.

A catalogue row that promises a year or a level its table lacks makes a default ``get`` fail
(``capital_budget_variance`` once declared 2016-2019 while Municipal Money has 2015-2018) or a
profile say "not available" for a figure that exists.
"""

from __future__ import annotations

import pytest

from ddmgeo import indicators
from ddmgeo import _catalogue

pytestmark = pytest.mark.usefixtures("shared_data")

DIRECT = [(d.id, d) for defs in _catalogue.definitions().values() for d in defs if d.dataset and d.dataset != _catalogue.AREA_DATASET]


@pytest.mark.parametrize(("ind", "d"), DIRECT, ids=[f"{i}@{d.dataset}" for i, d in DIRECT])
def test_declared_years_and_levels_are_in_the_data(ind, d):
    for level in d.levels:
        for year in d.years:
            t = indicators.get(ind, level=level, year=year)
            assert t.attrs["ddmgeo"]["indicators"][ind]["year"] == year
            assert t[ind].notna().any(), f"{ind} at {level} {year}: every value missing"
        # the default year is the latest any definition of the id gives at the level
        latest = max((o.default_year or max(o.years)) for o in _catalogue.definitions()[ind] if level in o.levels)
        assert indicators.get(ind, level=level).attrs["ddmgeo"]["indicators"][ind]["year"] == latest
