"""Open an HTML file in real headless Chromium: the DOM after scripts ran, console errors, a screenshot.

Alerts and script errors are made visible: a copy of the page gets a first script
that records ``alert``/``confirm``/``prompt`` calls and uncaught errors into the
document title, which ``--dump-dom`` then shows.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]

PROBE = (
    "<script>(function(){var t=function(k,m){document.title=(document.title||'')+' |'+k+':'+m;};"
    "window.alert=function(m){t('ALERT',m)};window.confirm=function(m){t('ALERT',m);return false};"
    "window.prompt=function(m){t('ALERT',m);return null};"
    "window.addEventListener('error',function(e){t('JSERROR',e.message)});})();</script>"
)


@dataclass
class Page:
    dom: str
    title: str
    console: str
    screenshot: Path

    @property
    def alerts(self) -> list[str]:
        return re.findall(r"\|ALERT:([^|<]*)", self.title)

    @property
    def js_errors(self) -> list[str]:
        errs = re.findall(r"\|JSERROR:([^|<]*)", self.title)
        errs += [l for l in self.console.splitlines() if "Uncaught" in l]
        return errs


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("headless Chromium is required in CI (.ci/run installs the Debian package 'chromium')")
        pytest.skip("chromium is not installed")
    return exe


def open_page(html_path: Path, tmp_path: Path, *, size=(1280, 800)) -> Page:
    exe = chromium()
    text = Path(html_path).read_text(encoding="utf-8")
    probed = re.sub(r"(<head[^>]*>)", lambda m: m.group(1) + PROBE, text, count=1, flags=re.I)
    if probed == text:
        probed = PROBE + text
    page = tmp_path / f"probed-{Path(html_path).name}"
    page.write_text(probed, encoding="utf-8")
    profile = tmp_path / "chromium-profile"
    common = FLAGS + [f"--user-data-dir={profile}", f"--window-size={size[0]},{size[1]}", "--virtual-time-budget=5000", "--enable-logging=stderr", "--v=0"]
    url = page.resolve().as_uri()
    dom = subprocess.run([exe, *common, "--dump-dom", url], capture_output=True, text=True, timeout=120)
    shot = tmp_path / f"{Path(html_path).stem}.png"
    subprocess.run([exe, *common, f"--screenshot={shot}", url], capture_output=True, text=True, timeout=120)
    title = re.search(r"<title>(.*?)</title>", dom.stdout, re.S)
    console = "\n".join(l for l in dom.stderr.splitlines() if "CONSOLE" in l or "Uncaught" in l)
    return Page(dom=dom.stdout, title=title.group(1) if title else "", console=console, screenshot=shot)


def not_blank(png: Path) -> bool:
    """True when the screenshot has real content (more than a few distinct colours)."""
    import matplotlib.image as mpimg
    import numpy as np

    img = mpimg.imread(png)
    flat = (img[..., :3] * 255).astype(int).reshape(-1, 3)
    return len(np.unique(flat, axis=0)) > 20 and float(img[..., :3].std()) > 0.02
