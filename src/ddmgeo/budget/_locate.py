"""Where each budget row lands: coordinates, codes, names, several areas, provinces, "national"."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from .._normalise import tokens

if TYPE_CHECKING:
    pass

NATIONAL = {"national", "nationwide", "countrywide", "southafrica", "rsa", "za", "allprovinces", "wholecountry", "nationalprogramme"}
PROVINCE_WIDE = {"provincewide", "provincial", "allprovince", "wholeprovince", "provincewideallareas", "alldistricts", "allmunicipalities"}
_SPLIT = re.compile(r"\s*(?:;|\||/|,|\band\b|&)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Target:
    """Where a text location sends money: the areas of the target level and how it was read."""

    codes: tuple[str, ...]
    rule: str
    spread: bool = False  # the amount is shared among several areas by the split rule
    note: str = ""


class LocationProblem(ValueError):
    """A location that cannot be placed; the message is the reason shown in the report."""

    def __init__(self, reason: str, suggestions: tuple = ()):
        super().__init__(reason)
        self.suggestions = tuple(suggestions)


def coordinate_column(columns, axis: str) -> str | None:
    """The longitude (``axis="lon"``) or latitude (``"lat"``) column by ddmgeo's column vocabulary
    (:mod:`ddmgeo._columns`, as :func:`ddmgeo.overlays.read_points` reads them), or None when there is
    none: a budget table may place its rows by name instead.

    Raises BudgetError when several columns could be it."""
    from .._columns import coordinate_candidates
    from ..errors import BudgetError

    what = {"lon": "longitude", "lat": "latitude"}[axis]
    hits = coordinate_candidates(list(columns), axis)
    if len(hits) > 1:
        raise BudgetError(f"Several columns could hold the {what}: {hits}; name the two to use with location=['<longitude column>', '<latitude column>'].")
    return hits[0] if hits else None


@lru_cache(maxsize=4)
def _hierarchy(vintage: int):
    from ..areas import areas_table

    t = areas_table(vintage=vintage)
    levels: dict[str, set[str]] = {}
    for r in t.itertuples():
        levels.setdefault(r.code, set()).add(r.level)
    m = t[t.level == "municipality"]
    d = t[t.level == "district"]
    return {
        "levels": levels,
        "muni_district": dict(zip(m.code, m.district_code)),
        "district_province": dict(zip(d.code, d.province_code)),
        "munis_of_district": m.groupby("district_code").code.apply(tuple).to_dict(),
        "districts_of_province": d.groupby("province_code").code.apply(tuple).to_dict(),
        "munis_of_province": m.groupby("province_code").code.apply(tuple).to_dict(),
        "provinces": tuple(t[t.level == "province"].code),
    }


def province_of(code: str, vintage: int) -> str | None:
    """The province an area of any level lies in (None for an unknown code)."""
    h = _hierarchy(vintage)
    own = h["levels"].get(code, set())
    if "province" in own:
        return code
    if "district" in own:
        return h["district_province"].get(code)
    if "municipality" in own:
        return h["district_province"].get(h["muni_district"].get(code))
    return None


def to_level(code: str, level: str, vintage: int) -> tuple[tuple[str, ...], bool, str]:
    """The areas of *level* that an area *code* (any level) covers: (codes, spread?, how)."""
    h = _hierarchy(vintage)
    own = h["levels"].get(code, set())
    if level in own:
        return (code,), False, "as given"
    if level == "district":
        if "municipality" in own:
            return (h["muni_district"][code],), False, "municipality in its district"
        if "province" in own:
            return h["districts_of_province"][code], True, "spread over the province's district spaces"
    if level == "municipality":
        if "district" in own:
            return h["munis_of_district"][code], True, "spread over the district's municipalities"
        if "province" in own:
            return h["munis_of_province"][code], True, "spread over the province's municipalities"
    if level == "province":
        if "municipality" in own:
            return (h["district_province"][h["muni_district"][code]],), False, "municipality in its province"
        if "district" in own:
            return (h["district_province"][code],), False, "district in its province"
    raise LocationProblem(f"area {code} cannot be placed at level {level!r}")


def all_of_level(level: str, vintage: int) -> tuple[str, ...]:
    from ..areas import codes_of

    return codes_of(level, vintage)


def resolve_text(text: str, province: str | None, level: str, vintage: int, *, successors: str = "unallocated") -> Target:
    """Read one location cell (cached by the caller): a code, a name, a list, a province, or national.

    A split area (Motheo) is a problem naming its successors, or with ``successors="spread"`` all of them."""
    from ..errors import AmbiguousAreaError, UnknownAreaError

    k = "".join(tokens(text))  # plain letters and digits: "province-wide" -> "provincewide"
    if k in NATIONAL:
        return Target(all_of_level(level, vintage), "national: spread over every area", True)
    if k in PROVINCE_WIDE:
        if not province:
            raise LocationProblem(f"{text!r} is province-wide but the row names no province; fill the province column")
        wide, _, how = to_level(province, level, vintage)
        return Target(wide, f"province-wide ({province}): {how}", True)

    try:
        pieces = [(text, *_one(text, province, vintage, successors))]
    except (UnknownAreaError, AmbiguousAreaError) as first_error:
        parts = [p for p in _SPLIT.split(text) if p.strip()]
        if len(parts) < 2:
            raise LocationProblem(_reason(first_error), getattr(first_error, "suggestions", ()) or getattr(first_error, "candidates", ())) from None
        pieces = []
        failed = []
        for p in parts:
            try:
                pieces.append((p, *_one(p, province, vintage, successors)))
            except (UnknownAreaError, AmbiguousAreaError) as exc:
                failed.append(f"{p!r}: {_reason(exc)}")
        if failed:
            raise LocationProblem("in a list of areas, " + "; ".join(failed)) from None
    codes: list[str] = []
    spread = len(pieces) > 1
    hows = []
    notes = [_contradiction(text, found, province, vintage) for text, found, _ in pieces]
    notes.append(_own_province(pieces, vintage))
    for _, found, kind in pieces:
        for code in found:
            cs, sp, how = to_level(code, level, vintage)
            spread = spread or sp or len(found) > 1
            hows.append(how if how != "as given" else kind)
            for c in cs:
                if c not in codes:
                    codes.append(c)
    rule = ("several areas: " if len(pieces) > 1 else "") + ", ".join(dict.fromkeys(hows))
    return Target(tuple(codes), rule, spread, "; ".join(n for n in notes if n))


def _contradiction(text: str, found: tuple[str, ...], province: str | None, vintage: int) -> str:
    """A note when the row's province is not the province of the area its text names (placed by the name)."""
    if not province or len(found) != 1 or found[0] == province:
        return ""
    own = province_of(found[0], vintage)
    if own is None or own == province:
        return ""
    return f"the province column says {province}, but {text!r} ({found[0]}) lies in {own}: placed by the name; correct the name or the province"


def _own_province(pieces: list, vintage: int) -> str:
    """A note when a list names a province and also areas inside it (those are counted once, within the province)."""
    provinces = {found[0] for _, found, _ in pieces if len(found) == 1 and province_of(found[0], vintage) == found[0]}
    inside = [text for text, found, _ in pieces if len(found) == 1 and found[0] not in provinces and province_of(found[0], vintage) in provinces]
    if not inside:
        return ""
    return f"the list names {', '.join(map(repr, inside))} and also its province ({', '.join(sorted(provinces))}): spread over the province, each area once"


def _one(piece: str, province: str | None, vintage: int, successors: str) -> tuple[tuple[str, ...], str]:
    """The code(s) one name or code stands for, and how it was read; a province column settles ambiguity
    and steers suggestions, a split area gives its successors when they are to be spread over."""
    from ..errors import AmbiguousAreaError, FormerNameWarning, SplitAreaError, UnknownAreaError
    from ..names import resolve

    hinted = f"{piece} ({province})" if province and "(" not in piece else piece
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            try:
                code = resolve(piece, vintage=vintage)
            except SplitAreaError:
                raise
            except (AmbiguousAreaError, UnknownAreaError):
                if hinted == piece:
                    raise
                code = resolve(hinted, vintage=vintage)  # settles ambiguity; suggestions from the row's province
        except SplitAreaError as exc:
            if successors != "spread":
                raise
            return exc.successors, f"disestablished {piece}: spread over its successors"
    former = [str(w.message) for w in caught if issubclass(w.category, FormerNameWarning)]
    return (code,), ("former name or retired code" if former else "name or code")


def _reason(exc: Exception) -> str:
    from ..errors import SplitAreaError

    text = str(exc)
    if isinstance(exc, SplitAreaError):
        return text.removesuffix(".") + ", or pass successors='spread' to spread the row over them"
    if "fits more than one" in text:
        return text.split(". Pass the code")[0]
    if "matches no area" in text:
        return text.split(" Check the spelling")[0]
    return text
