"""Turn area names as people write them into comparison keys."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# words that say what kind of area a name is, not which one; dropped at the ends of a name
_KIND_WORDS = {
    "municipality",
    "municipal",
    "district",
    "local",
    "metropolitan",
    "metro",
    "dm",
    "lm",
    "mm",
    "dc",
    "province",
    "provincial",
}
_LEADING = ("local municipality of", "the")
# kind words that say which level a name is of ("Metro" does not: a metro is a district space and a municipality)
_LEVEL_WORDS = {"district": "district", "dm": "district", "local": "municipality", "lm": "municipality"}
_TOKEN = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case ASCII: accents removed, '&' read as 'and', apostrophes dropped."""
    text = str(text)
    if not text.isascii():  # ASCII has no accents to remove (and NFKD leaves it as it is)
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("&", " and ").replace("'", "").replace("\u2019", "")
    return text.lower()


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(fold(text))


def key(text: str) -> str:
    """Comparison key of a name: case, accents, punctuation, spaces and kind words ignored.

    >>> key("O.R. Tambo District Municipality") == key("OR Tambo DM") == key("ortambo")
    True
    >>> key("uMgungundlovu") == key("Umgungundlovu")
    True
    """
    return _key(text) if isinstance(text, str) else _key.__wrapped__(text)


@lru_cache(maxsize=16384)  # the gazetteer's names, aliases and former names are keyed again and again
def _key(text: str) -> str:
    toks = tokens(text)
    joined = " ".join(toks)
    for lead in _LEADING:
        if joined.startswith(lead + " ") and len(toks) > len(lead.split()):
            toks = toks[len(lead.split()) :]
            joined = " ".join(toks)
    # strip kind words from the end (and a leading one), but never the whole name
    while len(toks) > 1 and toks[-1] in _KIND_WORDS:
        toks.pop()
    while len(toks) > 1 and toks[0] in _KIND_WORDS and toks[0] != "dc":
        toks.pop(0)
    return "".join(toks)


def implied_level(text: str) -> str | None:
    """The level a name's own kind words state ("Ukhahlamba DM" -> "district"), or None.

    >>> implied_level("Ukhahlamba District Municipality"), implied_level("Mbizana LM"), implied_level("Tshwane Metro")
    ('district', 'municipality', None)
    """
    toks = tokens(text)
    while toks and toks[-1] in _KIND_WORDS:
        level = _LEVEL_WORDS.get(toks.pop())
        if level:
            return level
    return None


_HINT = re.compile(r"^(?P<name>.+?)\s*(?:\((?P<paren>[^)]*)\)|,\s*(?P<comma>[^,]+))\s*$")


def split_hint(text: str) -> tuple[str, str | None]:
    """Split ``"Emalahleni (MP)"`` or ``"Emalahleni, Mpumalanga"`` into name and hint."""
    m = _HINT.match(str(text).strip())
    if not m:
        return str(text), None
    return m.group("name"), (m.group("paren") or m.group("comma")).strip()
