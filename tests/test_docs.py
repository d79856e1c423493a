"""The documentation site builds with warnings as errors, so a docstring that breaks it fails the suite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

pytest.importorskip("mkdocs", reason="the docs extra is not installed (pip install -e '.[docs]')")
pytest.importorskip("mkdocstrings_handlers.python", reason="the docs extra is not installed (pip install -e '.[docs]')")
pytest.importorskip("mkdocs_jupyter", reason="the docs extra is not installed (pip install -e '.[docs]')")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=REPO, capture_output=True, text=True, env=env, timeout=600,
    )
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{done.stdout}\n{done.stderr}"
    return out


def test_site_builds_strictly(site):
    assert (site / "index.html").is_file()


@pytest.mark.parametrize("module", ["ddmgeo", "indicators", "maps", "overlays", "budget", "monitoring", "profiles", "datasets", "io", "errors", "settings"])
def test_api_pages(site, module):
    page = (site / "api" / module / "index.html").read_text(encoding="utf-8")
    assert "doc-heading" in page and ":func:" not in page


def test_api_reference_documents_the_top_level(site):
    page = (site / "api" / "ddmgeo" / "index.html").read_text(encoding="utf-8")
    for name in ("boundaries", "districts", "areas_table", "resolve", "lineage", "read_table", "join"):
        assert f'id="ddmgeo.{name}"' in page, name


def test_gallery_notebooks_and_cli(site):
    for png in (REPO / "docs" / "gallery").glob("*.png"):
        assert (site / "gallery" / png.name).is_file(), png.name
    gallery = (site / "gallery" / "index.html").read_text(encoding="utf-8")
    assert "gallery/unemployment_districts.png" in gallery or "unemployment_districts.png" in gallery
    for nb in (REPO / "notebooks").glob("*.ipynb"):
        page = (site / "notebooks" / nb.stem / "index.html").read_text(encoding="utf-8")
        # executed when the site is built: the page shows the notebook's outputs, figures included
        assert "jp-OutputArea-output" in page and "data:image/png" in page, nb.name
    cli = (site / "cli" / "index.html").read_text(encoding="utf-8")
    assert "ddm data list" in cli and "--install-completion" in cli and "Exit codes" in cli
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "A short tour" in home and "Quickstart" in home
