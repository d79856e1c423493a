"""Griffe extension of the ddmgeo docs: Sphinx roles in docstrings shown as code.

The numpydoc docstrings cross-reference with Sphinx roles (``:func:`~ddmgeo.maps.choropleth```),
which Markdown would show literally as ``:func:choropleth``. This extension (``mkdocs.yml``:
``extensions: [tools/griffe_rst_roles.py]``) rewrites each role as inline code: the last part of the
name with ``~``, else the name as written.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:func|meth|class|exc|data|attr|mod|obj|const):`(~?)([^`]+)`")


def _as_code(match: re.Match) -> str:
    tilde, target = match.group(1), match.group(2).strip()
    return f"`{target.rsplit('.', 1)[-1] if tilde else target}`"


def plain(text: str) -> str:
    """*text* with every Sphinx role written as inline code."""
    return _ROLE.sub(_as_code, text)


class RstRoles(griffe.Extension):
    """Rewrite the Sphinx roles of every docstring as inline code."""

    def _rewrite(self, obj: Any) -> None:
        if getattr(obj, "docstring", None) is not None:
            obj.docstring.value = plain(obj.docstring.value)

    def on_object(self, *, obj: Any, **kwargs: Any) -> None:  # griffe >= 1.5
        self._rewrite(obj)

    def on_instance(self, *, obj: Any, **kwargs: Any) -> None:  # older griffe
        self._rewrite(obj)
