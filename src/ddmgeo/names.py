"""Resolve area codes and names as planners write them, and trace codes across vintages.

Names are compared by a key that ignores case, accents, punctuation, spaces
and words such as "District Municipality", "Local Municipality", "Metro",
"DM" or "LM" (so ``"O.R. Tambo DM"``, ``"OR Tambo"`` and ``"ortambo"`` agree).
Besides codes and official names, :func:`resolve` knows the spellings, place
names and abbreviations in ``data/boundaries/aliases.csv``, the renames and
disestablishments since 2000 in ``data/boundaries/name_history.csv`` (with
their dates and sources) and the former names and retired codes of the 2011
demarcation in ``data/boundaries/lineage.csv``.

A name may carry a province hint to settle ambiguity: ``"Emalahleni (MP)"``
or ``"Emalahleni, Mpumalanga"``.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from . import settings
from ._normalise import implied_level, split_hint
from ._normalise import key as _key
from ._vintage import boundary_vintage, code_vintage
from .errors import AmbiguousAreaError, FormerNameWarning, SplitAreaError, UnknownAreaError, VintageError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["lineage", "resolve"]

# lower tier wins: a current code or name beats a spelling, which beats a former name
_TIER = {"code": 0, "name": 0, "spelling": 1, "abbreviation": 1, "later_name": 1, "place": 2, "former_name": 3, "retired_code": 3, "split": 3}
_WARNED_KINDS = ("former_name", "retired_code")


@dataclass(frozen=True)
class _Entry:
    code: str
    level: str
    kind: str
    label: str  # what the user is told ("Sarah Baartman (DC10, district)")
    note: str = ""
    province: str = ""  # of the area the entry resolves to (suggestions prefer the province asked)
    successors: tuple[str, ...] = ()  # of a split area: the codes it was divided between


def _label(code: str, name: str, level: str) -> str:
    return f"{name} ({code}, {level})"


@lru_cache(maxsize=4)
def _index(vintage: int) -> tuple[dict[str, list[_Entry]], dict[str, str]]:
    """key -> entries, and province key -> province code, for one code vintage."""
    import pandas as pd

    from .areas import areas_table

    table = areas_table(vintage=vintage)
    names = {(r.code, r.level): r.name for r in table.itertuples()}
    province_of = {r.code: r.province_code for r in table.itertuples()}
    index: dict[str, list[_Entry]] = {}

    def add(text: str, entry: _Entry) -> None:
        k = _key(text)
        if not k:
            return
        if not entry.province:
            entry = replace(entry, province=province_of.get(entry.code, ""))
        bucket = index.setdefault(k, [])
        if entry not in bucket:
            bucket.append(entry)

    for r in table.itertuples():
        label = _label(r.code, r.name, r.level)
        add(r.code, _Entry(r.code, r.level, "code", label))
        add(r.name, _Entry(r.code, r.level, "name", label))
        add(r.official_name, _Entry(r.code, r.level, "name", label))

    data = settings.package_data_dir() / "boundaries"
    aliases = pd.read_csv(data / "aliases.csv", dtype=str, keep_default_na=False, comment="#")
    for r in aliases.itertuples():
        if r.vintage and int(r.vintage) != vintage:
            continue
        if (r.code, r.level) not in names:
            raise VintageError(f"aliases.csv: {r.alias!r} points to {r.code} ({r.level}), which the {vintage} gazetteer does not hold.")
        note = f"{r.alias!r} is a {r.kind.replace('_', ' ')} of {names[(r.code, r.level)]} ({r.code})"
        if r.year:
            note += f", renamed {r.year}"
        # a metro is a district space and a municipality with one code: its aliases serve both levels
        levels = ("district", "municipality") if r.code in settings.METRO_CODES else (r.level,)
        for level in levels:
            add(r.alias, _Entry(r.code, level, r.kind, _label(r.code, names[(r.code, level)], level), note))

    if vintage == 2016:
        for text, old_code, level in _names_2011():
            for target, note in _successors(old_code, level, names):
                kind = "former_name" if _key(text) != _key(old_code) else "retired_code"
                if kind == "retired_code" and _key(old_code) in index and any(e.kind == "code" for e in index[_key(old_code)]):
                    continue  # the code still exists in 2016: it means the 2016 area
                add(text, _Entry(target, level, kind, _label(target, names[(target, level)], level), note.format(text=text)))
    for text, entry in _history_entries(names):  # after the 2011 names, whose notes say what the 2011 area became
        add(text, entry)

    provinces: dict[str, str] = {}
    for k, entries in index.items():
        codes = {e.code for e in entries if e.level == "province"}
        if len(codes) == 1:
            provinces[k] = codes.pop()
    return index, provinces


def _names_2011() -> list[tuple[str, str, str]]:
    """(name or code as written, 2011 code, level) for every 2011 district and municipality."""
    import pandas as pd

    from .areas import areas_table

    t = areas_table(vintage=2011)
    t = t[t.level != "province"]
    out = [(text, r.code, r.level) for r in t.itertuples() for text in (r.code, r.name, r.official_name)]
    aliases = pd.read_csv(settings.package_data_dir() / "boundaries" / "aliases.csv", dtype=str, keep_default_na=False, comment="#")
    out += [(r.alias, r.code, r.level) for r in aliases.itertuples() if r.vintage == "2011"]
    return out


@lru_cache(maxsize=1)
def _history_table() -> "pd.DataFrame":
    """data/boundaries/name_history.csv: renames and disestablishments since 2000, with dates and sources."""
    import pandas as pd

    path = settings.package_data_dir() / "boundaries" / "name_history.csv"
    with open(path, encoding="utf-8") as f:
        skip = sum(1 for _ in iter(lambda: f.readline().startswith("#"), False))
    return pd.read_csv(path, dtype=str, keep_default_na=False, skiprows=skip)


def _when(value: str, year: str = "") -> str:
    """'on 1 February 2010', 'in 2008' or '(date not in the sources)' for a valid_to cell (or a lineage year)."""
    text = value or year
    if not text:
        return "(date not in the sources)"
    try:
        d = date.fromisoformat(text)
    except ValueError:
        return f"in {text}"
    return f"on {d.day} {d:%B %Y}"


def _history_entries(names: dict[tuple[str, str], str]) -> list[tuple[str, _Entry]]:
    """(text, entry) for the former names, former codes and later names of name_history.csv
    whose successors the gazetteer *names* holds."""
    lineage_years = {(r.old_code, _key(r.old_name)): r.year for r in _lineage_table().itertuples() if "renamed" in r.change}
    out: list[tuple[str, _Entry]] = []
    for r in _history_table().itertuples():
        successors = tuple(r.successor_codes.split(";"))
        levels = [lv for lv in ((r.level, "municipality") if r.level == "district" else (r.level,))
                  if all((c, lv) in names for c in successors)
                  and (lv == r.level or all(c in settings.METRO_CODES for c in successors))]
        if not levels:
            continue
        when = _when(r.valid_to, lineage_years.get((r.code, _key(r.name)), ""))
        for level in levels:
            now = [f"{names[(c, level)]} ({c})" for c in successors]
            labels = [_label(c, names[(c, level)], level) for c in successors]
            if r.change == "split":
                note = f"{r.name} ({r.code}, {r.level}) was disestablished {when} and split between {', '.join(now[:-1])} and {now[-1]}"
                entry = _Entry(r.code, level, "split", f"{r.name} ({r.code}, {r.level}, disestablished)", note, successors=successors)
                out += [(r.name, entry), (r.code, entry)]
                continue
            (code,), (label,) = successors, labels
            if r.change == "disestablished":
                note = f"{{text!r}} ({r.code} {r.name}) was disestablished {when} and became part of {now[0]}"
                texts = [(r.name, "former_name"), (r.code, "retired_code")]
            elif r.change == "recoded":
                note = f"{{text!r}} is the former code of {now[0]}, replaced {when}"
                texts = [(r.code, "retired_code")]
            else:
                note = f"{{text!r}} is the former name of {now[0]}, renamed {when}"
                texts = [(r.name, "former_name")]
                if _key(r.successor_names) != _key(names[(code, level)]):  # renamed after this gazetteer was drawn
                    since = when[3:] if when.startswith(("on ", "in ")) else "a date not in the sources"
                    later = f"{r.successor_names!r} is the name of {code} since {since}; this demarcation calls it {names[(code, level)]}"
                    out.append((r.successor_names, _Entry(code, level, "later_name", label, later)))
            formerly = f"{label[:-1]}; formerly {r.name})"  # the label a suggestion shows
            out += [(text, _Entry(code, level, kind, formerly, note.format(text=text))) for text, kind in texts]
    return out


@lru_cache(maxsize=1)
def _lineage_by_old() -> dict[tuple[str, str], list]:
    """Lineage rows grouped by (old code, level), as plain tuples."""
    out: dict[tuple[str, str], list] = {}
    for r in _lineage_table().itertuples(index=False):
        out.setdefault((r.old_code, r.level), []).append(r)
    return out


def _successors(old_code: str, level: str, names: dict) -> list[tuple[str, str]]:
    """The 2016 area(s) a 2011 area mainly became, with a note ('{text}' is filled in by the caller)."""
    rows = _lineage_by_old().get((old_code, level), [])
    main = [r for r in rows if r.share_of_old >= 0.5]
    out = []
    for r in main or rows:
        new_name = names.get((r.new_code, level))
        if new_name is None:
            continue
        when = f", {r.year}" if r.year else ""
        if r.old_code == r.new_code:
            note = f"{{text!r}} is the 2011 name of {r.new_code} {new_name} ({r.change.replace(';', ', ')}{when})"
        else:
            note = f"{{text!r}} ({r.old_code} {r.old_name}, 2011) became part of {r.new_code} {new_name} ({r.change.replace(';', ', ')}{when})"
        out.append((r.new_code, note))
    return out


@lru_cache(maxsize=1)
def _lineage_table() -> "pd.DataFrame":
    import pandas as pd

    path = settings.package_data_dir() / "boundaries" / "lineage.csv"
    # year is text: a row that combines changes may carry two ("2013;2016")
    return pd.read_csv(path, dtype={"old_code": str, "new_code": str, "year": str}, keep_default_na=False)


def _province_of(code: str, level: str, vintage: int) -> str | None:
    from .areas import areas_table

    t = areas_table(vintage=vintage)
    hit = t[(t.code == code) & (t.level == level)]
    return None if hit.empty else hit["province_code"].iloc[0]


def _suggest(k: str, index: dict[str, list[_Entry]], level: str | None, province: str | None) -> tuple[list[str], str]:
    """Up to five close matches, preferring the level and province asked, and a note when they lie elsewhere."""
    close = difflib.get_close_matches(k, list(index), n=12, cutoff=0.6)
    found = [e for kk in close for e in index[kk]]
    tries = [(level, province, "")]
    if province is not None:
        tries.append((level, None, f"none in {province}; closest elsewhere"))
    if level is not None:
        tries.append((None, None, f"no {level} is close; closest of other levels"))
    for lv, pv, note in tries:
        out = list(dict.fromkeys(e.label for e in found if lv in (None, e.level) and pv in (None, e.province)))
        if out:
            return out[:5], note
    return [], ""


class _Resolver:
    def __init__(self, level: str | None, vintage: int):
        self.level = level
        self.vintage = vintage
        self.index, self.provinces = _index(vintage)
        self.former: list[str] = []

    def one(self, value: object) -> str:
        text = str(value).strip()
        if not text:
            raise UnknownAreaError("An empty name cannot be resolved: fill in the area's name or code.", value=value)
        entries = self._lookup(text)
        hint = None
        name, hint_text = split_hint(text)
        if entries is None:
            if hint_text is not None:
                hint = self.provinces.get(_key(hint_text))
                entries = self._lookup(name)
                if hint is None and entries is not None:
                    raise UnknownAreaError(
                        f"{text!r}: {hint_text!r} is not a province name or code; write the hint as a province, "
                        "e.g. 'Emalahleni (MP)' or 'Emalahleni, Mpumalanga'.",
                        value=value,
                    )
        if entries is None:
            province = self.provinces.get(_key(hint_text)) if hint_text else None
            suggestions, elsewhere = _suggest(_key(name), self.index, self.level or implied_level(name), province)
            where = f" at level {self.level!r}" if self.level else ""
            hint_msg = f" Closest matches{f' ({elsewhere})' if elsewhere else ''}: {'; '.join(suggestions)}." if suggestions else ""
            other, parents = self._other_levels(text)
            if other:  # the name is right but the level is not: say what it is and what contains it
                hint_msg = f" It is {'; '.join(other)}, not a {self.level}" + (f"; it lies in {'; '.join(parents)}." if parents else ".")
                suggestions = parents or suggestions
            raise UnknownAreaError(
                f"{text!r} matches no area of the {self.vintage} demarcation{where}.{hint_msg} "
                "Check the spelling, pass the MDB code, or choose the vintage the name belongs to "
                "(ddmgeo.lineage shows what old codes became).",
                value=value,
                suggestions=tuple(suggestions),
            )
        if hint is not None:
            entries = [e for e in entries if _province_of(e.code, e.level, self.vintage) == hint or e.code == hint]
            if not entries:
                raise UnknownAreaError(f"{text!r}: no area of that name lies in province {hint}.", value=value)
        best = min(_TIER[e.kind] for e in entries)
        top = [e for e in entries if _TIER[e.kind] == best]
        codes = sorted({e.code for e in top})
        if len(codes) > 1:
            labels = sorted({e.label for e in top})
            raise AmbiguousAreaError(
                f"{text!r} fits more than one area of the {self.vintage} demarcation: {'; '.join(labels)}. "
                "Pass the code, choose level=..., or add the province, e.g. "
                f"'{split_hint(text)[0]} ({_province_of(top[0].code, top[0].level, self.vintage)})'.",
                value=value,
                candidates=tuple(labels),
            )
        chosen = top[0]
        if chosen.kind == "split":
            raise SplitAreaError(
                f"{text!r}: {chosen.note}. Name the successor the value belongs to.",
                value=value,
                candidates=tuple(
                    next(e.label for e in self.index[_key(c)] if e.code == c and e.level == chosen.level and e.kind == "code")
                    for c in chosen.successors
                ),
                successors=chosen.successors,
            )
        if chosen.kind in _WARNED_KINDS:
            self.former.append(chosen.note)
        return chosen.code

    def _other_levels(self, text: str) -> tuple[list[str], list[str]]:
        """When *text* names areas of other levels than ``self.level``: their labels, and the areas of
        ``self.level`` that contain them (a municipality's district space, ...)."""
        if self.level is None:
            return [], []
        entries = self.index.get(_key(text)) or self.index.get(_key(split_hint(text)[0])) or []
        entries = [e for e in entries if e.level != self.level]
        if not entries:
            return [], []
        from .areas import areas_table

        table = areas_table(vintage=self.vintage)
        by_code = {(r.code, r.level): r for r in table.itertuples()}
        parents: list[str] = []
        for e in entries:
            r = by_code.get((e.code, e.level))
            up = {"district": getattr(r, "district_code", None), "province": getattr(r, "province_code", None)}.get(self.level)
            p = by_code.get((up, self.level)) if up else None
            if p is not None and _label(p.code, p.name, self.level) not in parents:
                parents.append(_label(p.code, p.name, self.level))
        return sorted({e.label for e in entries}), parents

    def _lookup(self, text: str) -> list[_Entry] | None:
        entries = self.index.get(_key(text))
        if entries and self.level is not None:
            entries = [e for e in entries if e.level == self.level]
        return entries or None

    def warn(self) -> None:
        if self.former:
            notes = sorted(set(self.former))
            warnings.warn(
                "Resolved through former names or retired codes: " + "; ".join(notes[:10]) + (" ..." if len(notes) > 10 else ""),
                FormerNameWarning,
                stacklevel=3,
            )


def _ward_codes(vintage: int) -> set[str]:
    import pyogrio

    from . import datasets

    if vintage == 2016:
        df = pyogrio.read_dataframe(datasets.fetch("mdb2016_ward_attributes"), read_geometry=False, columns=["WardID"])
        return set(df["WardID"].astype(str))
    if vintage == 2021:
        from .areas import boundaries

        return set(boundaries("ward", vintage=2021)["code"])
    raise VintageError("Ward codes can be checked for the 2016 and 2021 vintages only.")


def resolve(
    value,
    *,
    level: str | None = None,
    vintage: int = settings.DEFAULT_VINTAGE,
    errors: Literal["raise", "coerce"] = "raise",
):
    """The MDB code of each area name or code, written the way people write them.

    Parameters
    ----------
    value : str or list-like of str
        A code (``"DC36"``, ``"dc36"``), a name in any case, with or without
        accents, punctuation, "District Municipality", "Local Municipality",
        "Metro", "DM" or "LM", a common spelling or place name
        (``"Oliver Tambo"``, ``"Joburg"``, ``"Durban"``), a province name or
        abbreviation (``"GP"``, ``"Limpopo"``), a former name
        (``"Cacadu"``, ``"Eden"``) or a retired 2011 code. A trailing province
        hint settles ambiguity: ``"Emalahleni (MP)"``.
    level : {"province", "district", "municipality", "ward"}, optional
        Only areas of this level. Metros are both districts and municipalities
        with one code, so they are never ambiguous between the two.
    vintage : {2016, 2011, 2021}, default 2016
        The demarcation whose codes are returned. Former names and retired
        2011 codes are understood with ``vintage=2016`` and reported in a
        :class:`~ddmgeo.errors.FormerNameWarning`.
    errors : {"raise", "coerce"}, default "raise"
        With ``"coerce"`` unresolvable values become None (missing values
        always do) and are listed in a warning instead of raising.

    Returns
    -------
    str, list of str or pandas.Series
        A code for a scalar; for a list-like, codes aligned with the input
        (a Series keeps its index).

    Raises
    ------
    UnknownAreaError
        A value matches nothing; the message lists the closest matches (all
        failing values of a list are reported at once, with their positions).
    AmbiguousAreaError
        A value fits several areas; the message lists them.

    Examples
    --------
    >>> import ddmgeo
    >>> ddmgeo.resolve("Eden")
    'DC4'
    >>> ddmgeo.resolve(["OR Tambo DM", "city of joburg", "Cacadu"])
    ['DC15', 'JHB', 'DC10']
    """
    import pandas as pd

    if level is not None and level not in settings.LEVELS:
        raise VintageError(f"Unknown level {level!r}: use one of {', '.join(settings.LEVELS)} or None.")
    if errors not in ("raise", "coerce"):
        raise ValueError(f"errors must be 'raise' or 'coerce', not {errors!r}.")
    v = code_vintage(vintage)
    scalar = isinstance(value, str) or not isinstance(value, Iterable)

    if level == "ward":
        wards = _ward_codes(boundary_vintage(vintage))

        def one(x: object) -> str:
            code = str(x).strip()
            if code.endswith(".0"):
                code = code[:-2]
            if code not in wards:
                raise UnknownAreaError(f"{x!r} is not a ward code of the {vintage} vintage: ward codes are 8-digit MDB ids such as '79800001'.", value=x)
            return code

        resolver = None
    else:
        resolver = _Resolver(level, v)
        one = resolver.one

    if scalar:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            if errors == "coerce":
                return None
            raise UnknownAreaError("A missing value (None/NaN) cannot be resolved: fill in the area's name or code.", value=value)
        try:
            out = one(value)
        except (UnknownAreaError, AmbiguousAreaError):
            if errors == "raise":
                raise
            warnings.warn(f"Could not resolve {value!r}; returned None.", stacklevel=2)
            out = None
        if resolver is not None:
            resolver.warn()
        return out

    series = value if isinstance(value, pd.Series) else pd.Series(list(value), dtype=object)
    results: dict[object, str | None] = {}
    failures: list[str] = []
    for item in pd.unique(series.astype(object)):
        if item is None or (not isinstance(item, str) and pd.isna(item)):
            results[item] = None
            continue
        try:
            results[item] = one(item)
        except (UnknownAreaError, AmbiguousAreaError) as exc:
            results[item] = None
            positions = [str(p) for p in series.index[series.astype(object) == item][:5]]
            failures.append(f"row {', '.join(positions)}: {exc}")
    missing = series.isna()
    if failures or (missing.any() and errors == "raise"):
        if missing.any():
            failures.append(f"rows {', '.join(map(str, series.index[missing][:10]))}: missing value (None/NaN)")
        message = f"{len(failures)} value(s) could not be resolved:\n  " + "\n  ".join(failures)
        if errors == "raise":
            raise UnknownAreaError(message + "\nFix these values, or pass errors='coerce' to get None for them.")
        warnings.warn(message, stacklevel=2)
    if resolver is not None:
        resolver.warn()
    codes = [None if (x is None or (not isinstance(x, str) and pd.isna(x))) else results[x] for x in series.astype(object)]
    if isinstance(value, pd.Series):
        return pd.Series(codes, index=series.index, name="code", dtype=object)
    return codes


def lineage(code: str | None = None, *, vintage: int = 2011) -> "pd.DataFrame":
    """What an area of one vintage became (or came from) in the other.

    The lineage table records, for every 2011 district and municipality, the
    2016 areas it overlaps, with the kind of change (``unchanged``,
    ``renamed``, ``boundary_changed``, ``merged``, ``split``), the shares of
    the old and new areas involved, the year and the source of the fact.

    Parameters
    ----------
    code : str, optional
        A code or name of the given *vintage*; the whole table when omitted.
    vintage : {2011, 2016}, default 2011
        2011: what the 2011 area became in 2016. 2016: which 2011 areas the
        2016 area came from.

    Returns
    -------
    pandas.DataFrame
        Columns ``level, old_code, old_name, old_vintage, new_code, new_name,
        new_vintage, change, share_of_old, share_of_new, year, source``.

    Examples
    --------
    >>> import ddmgeo
    >>> ddmgeo.lineage("KZN215")[["old_name", "new_code", "change"]]
         old_name new_code  change
    0  Ezingoleni   KZN216  merged
    """
    table = _lineage_table()
    if code is None:
        return table.copy()
    v = code_vintage(vintage)
    if v not in (2011, 2016):
        raise VintageError("lineage runs between the 2011 and 2016 vintages: pass vintage=2011 or vintage=2016.")
    column = "old_code" if v == 2011 else "new_code"
    text = str(code).strip()
    hits = table[table[column] == text.upper()]
    if hits.empty:
        resolved = resolve(text, vintage=v)
        hits = table[table[column] == resolved]
    return hits.reset_index(drop=True)
