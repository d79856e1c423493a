"""The examples in ddmgeo's docstrings run and show what they print.

Every module of ``src/ddmgeo`` is searched with :class:`doctest.DocTestFinder`; each docstring with an
example that is not marked ``# doctest: +SKIP`` is one test, run against the real data
(``DDMGEO_DATA_DIR``) in an empty working folder, with ``ELLIPSIS`` and ``NORMALIZE_WHITESPACE``.
Examples stay skipped only when they are slow (whole-country rasters and point layers, maps, profiles),
need the network, or read a user's file that is not shipped (``budgets.xlsx``).
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import types
import warnings

import pytest

import ddmgeo
from ddmgeo.errors import DDMGeoWarning, FormerNameWarning, GeometryRepairedWarning

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

#: the number of examples that run (not skipped); a floor, so an example is not skipped again unnoticed
RUNNING_AT_LEAST = 194


def _modules() -> list[types.ModuleType]:
    names = ["ddmgeo"] + sorted(m.name for m in pkgutil.walk_packages(ddmgeo.__path__, "ddmgeo."))
    return [importlib.import_module(n) for n in names]


def _runs(test: doctest.DocTest) -> int:
    return sum(1 for ex in test.examples if not ex.options.get(doctest.SKIP))


def _doctests() -> list[doctest.DocTest]:
    finder = doctest.DocTestFinder()
    found = [t for mod in _modules() for t in finder.find(mod, mod.__name__)]
    return sorted((t for t in found if _runs(t)), key=lambda t: t.name)


DOCTESTS = _doctests()


def run_doctest(test: doctest.DocTest) -> tuple[int, str, list[str]]:
    """Run one docstring's examples.

    Returns the number that failed, doctest's report of them, and the ddmgeo warnings they raised that the
    docstring does not name (an example may warn, e.g. ``resolve("Eden")``, when its docstring says which
    warning; the repairs of the source layers are expected everywhere).
    """
    report: list[str] = []
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = runner.run(test, out=report.append, clear_globs=True)
    unnamed = sorted(
        {
            f"{w.category.__name__}: {w.message}"
            for w in caught
            if issubclass(w.category, DDMGeoWarning)
            and not issubclass(w.category, GeometryRepairedWarning)
            and w.category.__name__ not in (test.docstring or "")
        }
    )
    return result.failed, "".join(report), unnamed


@pytest.mark.parametrize("test", DOCTESTS, ids=[t.name for t in DOCTESTS])
def test_docstring_examples(test, shared_data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an example that writes a file writes it here
    failed, report, unnamed = run_doctest(test)
    if failed and "MissingDependencyError" in report:
        pytest.skip(f"{test.name} needs an optional extra that is not installed:\n{report}")
    assert failed == 0, f"{failed} example(s) of {test.name} failed:\n{report}"
    assert not unnamed, f"the examples of {test.name} raise warnings their docstring does not mention: {unnamed}"


def test_the_examples_that_can_run_do_run():
    running = sum(_runs(t) for t in DOCTESTS)
    assert running >= RUNNING_AT_LEAST, f"only {running} docstring examples run (at least {RUNNING_AT_LEAST} did): was one marked +SKIP?"


def _synthetic(text: str) -> doctest.DocTest:
    return doctest.DocTestParser().get_doctest(text, {}, "synthetic", "synthetic.py", 0)


@pytest.mark.parametrize(
    "text, failed",
    [
        (">>> 1 + 1\n2\n", 0),
        (">>> 1 + 1\n3\n", 1),  # a wrong shown output is a failure
        (">>> [1, 2, 3, 4]\n[1, ..., 4]\n", 0),  # ELLIPSIS
        (">>> 1 / 0\n", 1),  # an exception nobody expected
        (">>> 1 / 0  # doctest: +SKIP\n", 0),
    ],
)
def test_the_runner_reports_wrong_examples(text, failed):
    n, report, unnamed = run_doctest(_synthetic(text))
    assert n == failed
    assert ("Failed example" in report) == bool(failed)
    assert unnamed == []


def _warn():
    warnings.warn("a synthetic warning", FormerNameWarning, stacklevel=2)


@pytest.mark.parametrize(
    "docstring, unnamed",
    [
        ("", ["FormerNameWarning: a synthetic warning"]),  # a warning the docstring does not mention
        ("Resolved names are reported in a FormerNameWarning.", []),
    ],
)
def test_the_runner_reports_warnings_the_docstring_does_not_name(docstring, unnamed):
    test = _synthetic(f"{docstring}\n>>> warn()\n")
    test.globs["warn"] = _warn
    assert run_doctest(test)[2] == unnamed
