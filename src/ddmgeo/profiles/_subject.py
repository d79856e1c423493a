"""The area a profile is about: its level, its parts, its parent areas and the peers it is ranked among."""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import settings
from ..errors import VintageError

#: how many peers each level has, for "of the 52 district spaces"
PEERS = {"district": "district spaces", "municipality": "municipalities", "province": "provinces"}


@dataclass(frozen=True)
class Subject:
    """One district space, municipality or province, with the areas around it.

    Attributes
    ----------
    code, name, level, category
        The area (``category``: A metro, B local, C district municipality; None for a province).
    province, province_name
        Its province (a province is its own).
    district
        The district space a municipality lies in (a district space is its own; None for a province).
    vintage
        Boundary vintage of the codes.
    parts
        The areas it is made of, as ``(level, codes)``: a district's local municipalities, a
        province's district spaces; empty for a metro or a local municipality (their wards are
        shown where ward data exists).
    comparators
        ``(level, code, label)`` of the areas it is compared with, nearest first (its district,
        its province, South Africa).
    """

    code: str
    name: str
    level: str
    category: str | None
    province: str
    province_name: str
    district: str | None
    vintage: int
    parts: tuple[str, tuple[str, ...]] = ("", ())
    comparators: tuple[tuple[str, str, str], ...] = field(default_factory=tuple)

    @property
    def kind(self) -> str:
        """'district municipality', 'metropolitan municipality', 'local municipality' or 'province'."""
        if self.level == "province":
            return "province"
        return {"A": "metropolitan municipality", "B": "local municipality", "C": "district municipality"}.get(self.category or "", self.level)

    @property
    def peers(self) -> str:
        """What it is ranked among: '52 district spaces', '213 municipalities', '9 provinces'."""
        from ..areas import codes_of

        return f"{len(codes_of(self.level, self.vintage))} {PEERS[self.level]}"

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_metro(self) -> bool:
        return self.category == "A"


def subject(code: str, level: str, vintage: int) -> Subject:
    """The :class:`Subject` of an area code at a level (a metro is profiled as a district space)."""
    from ..areas import areas_table

    if level not in PEERS:
        raise VintageError(f"Profiles are made for district spaces, municipalities and provinces, not {level!r}.")
    row = areas_table(level, vintage=vintage).set_index("code").loc[code]
    province = code if level == "province" else str(row["province_code"])
    prov_name = settings.PROVINCES[province]
    country = ("country", "ZA", "South Africa")
    if level == "province":
        d = areas_table("district", vintage=vintage)
        parts = ("district", tuple(d.code[d.province_code == code]))
        return Subject(code, str(row["name"]), level, None, province, prov_name, None, vintage, parts, (country,))
    category = row["category"] if isinstance(row["category"], str) else None
    if level == "district":
        m = areas_table("municipality", vintage=vintage)
        locals_ = tuple(m.code[(m.district_code == code) & (m.code != code)])
        parts = ("municipality", locals_) if locals_ else ("", ())
        comps: tuple[tuple[str, str, str], ...] = (("province", province, f"{prov_name} ({province})"), country)
        return Subject(code, str(row["name"]), level, category, province, prov_name, code, vintage, parts, comps)
    district = str(row["district_code"])
    if category == "A":  # a metro is a district space of its own: profile it as one
        return subject(code, "district", vintage)
    dname = areas_table("district", vintage=vintage).set_index("code").at[district, "name"]
    comps = (("district", district, f"{dname} ({district})"), ("province", province, f"{prov_name} ({province})"), country)
    return Subject(code, str(row["name"]), level, category, province, prov_name, district, vintage, ("", ()), comps)


def level_of(code: str, vintage: int) -> str:
    """The profile level of a resolved code: province, district (metros included) or municipality."""
    from ..areas import areas_table

    t = areas_table(vintage=vintage)
    levels = set(t.level[t.code == code])
    for level in ("province", "district", "municipality"):
        if level in levels:
            return level
    raise VintageError(f"{code!r} is not a province, district space or municipality of the {vintage} demarcation.")
