"""The shape of the package, read statically (``ast`` over ``src/ddmgeo``; no imports, no data).

Units. Each subpackage (``ddmgeo.indicators``, ``ddmgeo.overlays``, ``ddmgeo.budget``,
``ddmgeo.maps``, ``ddmgeo.monitoring``, ``ddmgeo.profiles``, ``ddmgeo._recipes``) is one unit,
and so is each public top-level module (``ddmgeo.areas``, ``ddmgeo.names``, ``ddmgeo.tables``, ...).

The shared kernel. Root-level private modules (``ddmgeo._cache``, ``ddmgeo._numbers``,
``ddmgeo._format``, ``ddmgeo._zonal``, ...) are the shared kernel: every package MAY import
them and their names, private or not. A helper two packages need goes there (or into the public
API of the package that owns it), never into one package's private module that the other reaches into.

Rules checked:

* no import circle between units (imports inside functions count; imports under
  ``if TYPE_CHECKING:`` do not, they never run). The kernel is not a unit of this graph;
* no import of a private module or private name of a subpackage (a name starting with ``_``
  below ``ddmgeo.<package>``) from outside that subpackage;
* functions longer than :data:`MAX_FUNCTION_LINES` lines (docstring included) are listed;
* only :data:`METADATA_KERNEL` (``ddmgeo._meta``) touches a table's ``attrs["ddmgeo"]``: everything
  else reads it with ``_meta.read`` / ``ddmgeo.metadata`` and writes it with ``_meta.attach``,
  ``update`` or ``carry`` (and docstrings point users to ``ddmgeo.metadata``).
"""

from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path


SRC = Path(__file__).resolve().parents[1] / "src" / "ddmgeo"
MAX_FUNCTION_LINES = 120
METADATA_KERNEL = "ddmgeo._meta"

# Known import circles between units, each a frozenset of units, with why it stands. Shrink this; never grow it.
KNOWN_CIRCLES: dict[frozenset[str], str] = {
    frozenset({"ddmgeo.areas", "ddmgeo.datasets", "ddmgeo._recipes"}): (
        "datasets.fetch builds a derived dataset with its recipe, and recipes fetch their inputs "
        "(datasets.fetch_file, sha256sum) and read the gazetteer (areas.areas_table)"
    ),
}

# Cross-package imports of private names that predate this test: (importing module, imported dotted name).
# Shrink this (move the helper to a root-level ddmgeo._module or make it public in its package); never grow it.
KNOWN_PRIVATE_IMPORTS: frozenset[tuple[str, str]] = frozenset(
    {
        ("ddmgeo._core", "ddmgeo.indicators._cube"),
        ("ddmgeo.budget._dask", "ddmgeo.overlays._dask._column"),
        ("ddmgeo.budget._dask", "ddmgeo.overlays._dask._read"),
        ("ddmgeo.maps._change", "ddmgeo.monitoring._change.TOLERANCE"),
        ("ddmgeo.maps._change", "ddmgeo.monitoring._change.index_scale"),
        ("ddmgeo.profiles._content", "ddmgeo.indicators._engine.shared"),
        ("ddmgeo.profiles._sections", "ddmgeo.indicators._errata"),
        ("ddmgeo.profiles._sections", "ddmgeo.monitoring._profile.change_text"),
        ("ddmgeo.profiles._sections", "ddmgeo.monitoring._profile.rank_text"),
    }
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


@lru_cache(maxsize=1)
def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def _is_package(top: str) -> bool:
    return (SRC / top).is_dir()


def _unit(module: str) -> str:
    """ddmgeo.<package> for a module of a subpackage, else the top-level module itself."""
    parts = module.split(".")
    return ".".join(parts[:2])


def _is_kernel(unit: str) -> bool:
    parts = unit.split(".")
    return len(parts) == 2 and parts[1].startswith("_") and not _is_package(parts[1])


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(module: str, path: Path) -> list[tuple[int, str, str | None]]:
    """(line, imported module, imported name or None) of every ddmgeo import that runs."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    mods = _modules()
    out: list[tuple[int, str, str | None]] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child.test):
                for stmt in child.orelse:
                    visit_one(stmt)
                continue
            visit_one(child)

    def visit_one(node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            out.extend((node.lineno, a.name, None) for a in node.names if a.name.split(".")[0] == "ddmgeo")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "ddmgeo":
                return
            for a in node.names:
                full = f"{target}.{a.name}"
                out.append((node.lineno, full, None) if full in mods else (node.lineno, target, a.name))
        else:
            visit(node)

    visit(tree)
    return out


@lru_cache(maxsize=1)
def _edges() -> dict[str, dict[str, list[str]]]:
    """unit -> imported unit -> ["module:line -> target", ...], kernel units left out."""
    edges: dict[str, dict[str, list[str]]] = {}
    for module, path in _modules().items():
        for line, target, name in _imports(module, path):
            a, b = _unit(module), _unit(target)
            if a == b or _is_kernel(a) or _is_kernel(b) or b == "ddmgeo":
                continue
            edges.setdefault(a, {}).setdefault(b, []).append(f"{module}:{line} -> {target}{'.' + name if name else ''}")
    return edges


def _circles(edges: dict[str, dict[str, list[str]]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one unit (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for v in sorted(edges):
        if v not in index:
            connect(v)
    return found


def _private_imports() -> set[tuple[str, str]]:
    """(importing module, dotted name) for every private module or name of a subpackage imported from outside it."""
    out = set()
    for module, path in _modules().items():
        for _line, target, name in _imports(module, path):
            parts = target.split(".")
            if len(parts) < 2 or not _is_package(parts[1]) or _unit(module) == _unit(target):
                continue
            private = any(p.startswith("_") for p in parts[2:]) or (name is not None and name.startswith("_"))
            if private:
                out.add((module, target + (f".{name}" if name else "")))
    return out


def test_the_scan_sees_the_packages():
    edges = _edges()
    assert {"ddmgeo.indicators", "ddmgeo.profiles", "ddmgeo.budget", "ddmgeo.maps"} <= set(edges)
    assert "ddmgeo.areas" in edges["ddmgeo.indicators"]


def test_no_import_circle_between_packages():
    edges = _edges()
    circles = _circles(edges)
    new = [c for c in circles if c not in KNOWN_CIRCLES]
    detail = []
    for c in new:
        for a in sorted(c):
            for b in sorted(c):
                if b in edges.get(a, {}):
                    detail.append(f"  {a} -> {b}: {edges[a][b][:3]}")
    assert not new, "import circles between packages:\n" + "\n".join(detail)
    stale = [sorted(c) for c in KNOWN_CIRCLES if c not in circles]
    assert not stale, f"circles no longer there: remove them from KNOWN_CIRCLES: {stale}"


def test_indicators_and_overlays_do_not_import_each_other_both_ways():
    edges = _edges()
    both = "ddmgeo.overlays" in edges.get("ddmgeo.indicators", {}) and "ddmgeo.indicators" in edges.get("ddmgeo.overlays", {})
    assert not both


def test_no_private_import_across_packages():
    found = _private_imports()
    print(f"cross-package private imports: {len(found)} (known: {len(KNOWN_PRIVATE_IMPORTS)})")
    new = sorted(found - KNOWN_PRIVATE_IMPORTS)
    assert not new, "private names imported from another package (use a root-level ddmgeo._module or the package's API):\n" + "\n".join(f"  {m} imports {t}" for m, t in new)
    stale = sorted(KNOWN_PRIVATE_IMPORTS - found)
    assert not stale, f"fixed: remove from KNOWN_PRIVATE_IMPORTS: {stale}"


def test_the_kernel_is_the_root_level_private_modules():
    assert _is_kernel("ddmgeo._cache") and _is_kernel("ddmgeo._numbers") and _is_kernel("ddmgeo._zonal")
    assert not _is_kernel("ddmgeo._recipes") and not _is_kernel("ddmgeo.indicators") and not _is_kernel("ddmgeo.areas")


def _long_functions() -> list[str]:
    out = []
    for module, path in _modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = (node.end_lineno or node.lineno) - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    out.append(f"{module}.{node.name} ({n} lines)")
    return sorted(out)


LONG_FUNCTIONS = _long_functions()


def test_no_function_longer_than_the_limit():
    assert not LONG_FUNCTIONS, f"functions longer than {MAX_FUNCTION_LINES} lines (split them into named steps): {', '.join(LONG_FUNCTIONS)}"


_METADATA_TEXT = ('attrs["ddmgeo"]', "attrs['ddmgeo']", 'attrs.get("ddmgeo"', "attrs.get('ddmgeo'")


def _metadata_touches(source: str) -> list[int]:
    """Lines of *source* that read or write ``attrs["ddmgeo"]`` themselves (text, or code spelling it another way)."""
    lines = {n for n, text in enumerate(source.splitlines(), 1) if any(t in text for t in _METADATA_TEXT)}

    def is_key(node: ast.AST | None) -> bool:
        return isinstance(node, ast.Constant) and node.value == "ddmgeo"

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Subscript) and is_key(node.slice):
            lines.add(node.lineno)  # x["ddmgeo"], whatever x is
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("get", "setdefault", "pop") and node.args and is_key(node.args[0]):
            lines.add(node.lineno)  # (... or {}).get("ddmgeo")
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Attribute) and t.attr == "attrs" for t in node.targets):
            if isinstance(node.value, ast.Dict) and any(is_key(k) for k in node.value.keys):
                lines.add(node.lineno)  # frame.attrs = {"ddmgeo": ...}
    return sorted(lines)


def test_the_metadata_scan_finds_every_spelling():
    found = _metadata_touches(
        'a = t.attrs["ddmgeo"]\n'
        "b = (getattr(t, 'attrs', {}) or {}).get('ddmgeo') or {}\n"
        'attrs = t.attrs\nc = attrs["ddmgeo"]\n'
        't.attrs = {"ddmgeo": {}}\n'
        't.attrs.setdefault("ddmgeo", {})\n'
        'doc = {"ddmgeo": "0.1"}\n'
        'meta = _meta.read(t)\n'
    )
    assert found == [1, 2, 4, 5, 6]


def test_only_the_metadata_kernel_touches_attrs_ddmgeo():
    assert METADATA_KERNEL in _modules()
    found = {
        module: lines
        for module, path in _modules().items()
        if module != METADATA_KERNEL and (lines := _metadata_touches(path.read_text(encoding="utf-8")))
    }
    assert not found, "attrs['ddmgeo'] touched outside ddmgeo._meta (use _meta.read / attach / update / carry, or ddmgeo.metadata in docstrings):\n" + "\n".join(
        f"  {m}: lines {lines}" for m, lines in sorted(found.items())
    )
