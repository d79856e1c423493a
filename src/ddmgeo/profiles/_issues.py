"""The key issues of an area, drafted from the data: where it is furthest behind, what changed most, need and spend.

Each issue is a finding (a number against its comparators, with its year and source), never a
policy recommendation: drawing those is the work of the One Plan's partners.
"""

from __future__ import annotations

from .._format import format_value, is_missing
from ..errors import DataNotAvailableError, DDMGeoError, NotComparableError
from ._content import Context, Section, first_line, meta, value

#: at most this many findings of each kind
TOP = 5


def _candidates() -> list[str]:
    """Shares and rates with a direction that matters (higher is better, or worse)."""
    from .. import _catalogue

    out = []
    for ind, defs in _catalogue.definitions().items():
        d = defs[0]
        if d.kind in ("share", "rate") and d.higher_is in ("better", "worse"):
            out.append(ind)
    return out


def behind(ctx: Context) -> list[tuple[float, str]]:
    """(score, finding) for the indicators where the area is worse than every comparator, furthest behind first.

    The score is the smallest of the gaps to the comparators, in units of the spread of the area's peers,
    so a gap counts more where areas are usually alike.
    """
    from .._catalogue import first

    s = ctx.subject
    found = []
    for ind in _candidates():
        try:
            own = ctx.use([ind], s.level)
            year = meta(own, ind)["year"]
            refs = [(label.split(" (")[0], value(ctx.use([ind], lv, year), code, ind)) for lv, code, label in s.comparators]
        except (DataNotAvailableError, DDMGeoError):
            continue
        v = value(own, s.code, ind)
        spread = float(own[ind].std())
        if is_missing(v) or not spread or any(is_missing(r) for _, r in refs):
            continue
        sign = 1.0 if first(ind).higher_is == "worse" else -1.0
        gaps = [sign * (v - r) / spread for _, r in refs]
        if min(gaps) <= 0:
            continue
        unit = meta(own, ind)["unit"]
        against = " and ".join(f"{format_value(r, unit)} in {name}" for name, r in refs)
        found.append((min(gaps), f"{meta(own, ind)['label']}: {format_value(v, unit)} ({year}), against {against}."))
    return sorted(found, key=lambda x: -x[0])[:TOP]


CHANGES = ("formal_dwelling_share", "informal_dwelling_share", "water_scheme_household_share", "flush_toilet_household_share", "no_toilet_share", "cooking_electricity_share")


def changes(ctx: Context) -> list[str]:
    """The largest changes between Census 2011 and Census 2022 (same boundaries), largest first."""
    s = ctx.subject
    rows = []
    for ind in CHANGES:
        try:
            c = ctx.change(ind, start=2011, end=2022)
        except (DataNotAvailableError, NotComparableError, DDMGeoError):
            continue
        r = c[c.code == s.code].iloc[0]
        if is_missing(r.change):
            continue
        rows.append((abs(r.change), r))
    out = []
    for _, r in sorted(rows, key=lambda x: -x[0])[:3]:
        verb = "rose" if r.change > 0 else "fell"
        better = {"improved": "an improvement", "worsened": "a deterioration"}.get(str(r.direction), "")
        out.append(
            f"{_label(str(r.indicator))} {verb} from {format_value(r.start_value, r.unit)} to {format_value(r.end_value, r.unit)} between 2011 and 2022"
            + (f", {better}" if better else "")
            + " (Census 2011 and 2022 on the 2022 boundaries)."
        )
    return out


def _label(ind: str) -> str:
    from .._catalogue import first

    label = first(ind).label
    return label[0].upper() + label[1:]


def need_and_spend(ctx: Context) -> list[str]:
    """Where the national projects' spend per person stands against need (households without a toilet)."""
    from .. import budget
    from ._sections import _national_projects

    s = ctx.subject
    r = _national_projects(s.level, s.vintage)
    rep = budget.reprioritise(r, "no_toilet_share")
    t = rep.table.set_index("code")
    row = t.loc[s.code]
    n = len(t)
    need = f"ranks {int(row.need_rank)} of {n} on need (households without a toilet, 2022)"
    spend = f"{format_value(row.per_capita, 'rand')} per person of the 2019/20 national large projects"
    gap = f"{format_value(abs(row.gap), 'rand')} {'below' if row.gap < 0 else 'above'} a need-proportional share"
    return [f"{s.name} {need} and has {spend}: {gap}."]


def issues(ctx: Context) -> Section:
    """The key issues section: findings only, each with its year and comparators."""
    from ._sections import TITLES

    s = Section("issues", TITLES["issues"])
    found = behind(ctx)
    if found:
        s.paragraphs.append(f"Where {ctx.subject.name} is furthest behind " + " and ".join(c[2].split(" (")[0] for c in ctx.subject.comparators) + ":")
        s.paragraphs.extend(f"• {text}" for _, text in found)
    else:
        s.paragraphs.append(f"{ctx.subject.name} is not behind all of its comparators on any of the shares and rates in ddmgeo's data.")
    moved = changes(ctx)
    if moved:
        s.paragraphs.append("The largest changes between the censuses:")
        s.paragraphs.extend(f"• {text}" for text in moved)
    try:
        s.paragraphs.extend(f"• {text}" for text in need_and_spend(ctx))
    except (DataNotAvailableError, DDMGeoError) as exc:
        s.not_available.append(f"Need against spend: {first_line(exc)}")
    s.paragraphs.append("These are findings from the data; the recommendations that follow from them are for the One Plan's partners to draw.")
    return s
