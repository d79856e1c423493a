"""MkDocs hooks of the ddmgeo site (``mkdocs.yml``: ``hooks: [tools/mkdocs_hooks.py]``).

* ``<!-- include: FILE -->`` or ``<!-- include: FILE#Section title -->`` in a page is replaced by that
  file of the repository (or one ``##`` section of it, up to the next ``##`` heading; ``#(intro)``: the
  text before the first ``##`` heading), so the home page,
  the gallery, the changelog and the contributing guide are the README's and the root files' own text;
  links to ``docs/...`` are made relative to the site.
* ``<!-- ddm-cli -->`` is replaced by the reference of every ``ddm`` command, generated from the typer
  app (``python -m typer ddmgeo.cli utils docs``), so the page cannot drift from ``ddm --help``.
* The notebooks in ``notebooks/`` are added to the site as ``notebooks/*.ipynb`` (mkdocs-jupyter renders
  them without executing them).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

REPO = Path(__file__).resolve().parent.parent
_INCLUDE = re.compile(r"<!--\s*include:\s*([^#>\s]+)(?:#([^>]+?))?\s*-->")


def _section(text: str, title: str, source: str) -> str:
    """The ``## title`` section of *text*, heading included, up to the next ``##`` heading.

    ``(intro)`` is the text between the ``#`` title and the first ``##`` heading.
    """
    lines = text.splitlines()
    if title.strip() == "(intro)":
        end = next((i for i, line in enumerate(lines) if line.startswith("## ")), len(lines))
        return "\n".join(line for line in lines[:end] if not line.startswith("# "))
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == f"## {title.strip()}")
    except StopIteration:
        raise ValueError(f"{source} has no section '## {title.strip()}'") from None
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return "\n".join(lines[start:end])


def _include(match: re.Match) -> str:
    name, title = match.group(1), match.group(2)
    text = (REPO / name).read_text(encoding="utf-8")
    if title:
        text = _section(text, title, name)
    return text.replace("](docs/", "](")


def _cli_reference() -> str:
    command = [sys.executable, "-m", "typer", "ddmgeo.cli", "utils", "docs", "--name", "ddm", "--title", "Commands"]
    out = subprocess.run(command, capture_output=True, text=True, check=True, cwd=REPO)
    return out.stdout


def on_page_markdown(markdown: str, page, config, files) -> str:
    """Fill the include and CLI markers of a page."""
    markdown = _INCLUDE.sub(_include, markdown)
    if "<!-- ddm-cli -->" in markdown:
        markdown = markdown.replace("<!-- ddm-cli -->", _cli_reference())
    return markdown


@event_priority(100)  # before mkdocs-jupyter turns .ipynb files into pages
def on_files(files: Files, config) -> Files:
    """Add the repository's notebooks (outside docs/) to the site."""
    for notebook in sorted((REPO / "notebooks").glob("*.ipynb")):
        files.append(
            File(
                f"notebooks/{notebook.name}",
                src_dir=str(REPO),
                dest_dir=config["site_dir"],
                use_directory_urls=config["use_directory_urls"],
            )
        )
    return files
