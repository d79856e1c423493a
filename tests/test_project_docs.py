"""The changelog and the contributing guide: present, in shape, linked from the documentation site."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _read(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


def test_changelog_follows_keep_a_changelog():
    text = _read("CHANGELOG.md")
    assert text.startswith("# Changelog\n") and "keepachangelog.com" in text
    versions = re.findall(r"^## \[([^\]]+)\]", text, re.M)
    assert versions and versions[0] == "Unreleased"
    allowed = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
    sections = re.findall(r"^### (.+)$", text, re.M)
    assert sections and set(sections) <= allowed, sections
    assert not re.search(r"\b[0-9a-f]{7,40}\b", text), "no commit hashes in the changelog"
    for feature in ("catalogue(", "one_plan_area", "--quiet", "MissingDependencyError", "embedded core"):
        assert feature in text.lower() or feature in text, feature


def test_contributing_says_how_to_work_here():
    text = _read("CONTRIBUTING.md")
    for needed in (
        'pip install -e ".[dev]"',
        "DDMGEO_DATA_DIR=",
        "python -m pytest",
        "python tools/build_core.py",
        "ruff check",
        "mypy",
        ".ci/docs",
        "benchmarks/",
        "No timing assertions",
        "Never commit data files",
        "never edit a downloaded or derived dataset by hand",
    ):
        assert needed in text, needed
    assert (ROOT / "tools" / "build_core.py").is_file() and (ROOT / ".ci" / "docs").is_file()


def test_both_are_in_the_documentation_site():
    nav = _read("mkdocs.yml")
    assert "Changelog: changelog.md" in nav and "Contributing: contributing.md" in nav
    assert "CHANGELOG.md" in nav and "CONTRIBUTING.md" in nav  # watched by `mkdocs serve`
    # the site's pages are the root files themselves (tools/mkdocs_hooks.py fills the include markers)
    assert "<!-- include: CHANGELOG.md -->" in _read("docs/changelog.md")
    assert "<!-- include: CONTRIBUTING.md -->" in _read("docs/contributing.md")
