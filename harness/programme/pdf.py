"""A page to PDF (or PNG) with a real browser engine: headless Chromium, run once per document.

Chromium is found as `$ODOO_CHAOS_CHROMIUM`, else `chromium`, `chromium-browser`, `google-chrome` on
the PATH (Debian: `apt-get install chromium`). Each call gets a fresh profile directory and every
background service off (no network: the pages are self-contained), and `--no-sandbox` because CI
runs as root. The page's own CSS sets the paper (`@page`) and the page breaks.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from harness.core.errors import HarnessError

CHROMIUM_ENV = "ODOO_CHAOS_CHROMIUM"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT = 180.0


class RenderError(HarnessError):
    """No browser engine, or it failed to render."""


def find_chromium() -> str | None:
    configured = os.environ.get(CHROMIUM_ENV)
    if configured:
        return configured if Path(configured).is_file() else shutil.which(configured)
    return next((found for name in CANDIDATES if (found := shutil.which(name))), None)


def _run(page: Path, output_flags: list[str], what: str, window: str | None = None) -> None:
    chromium = find_chromium()
    if chromium is None:
        raise RenderError(
            f"no headless Chromium to render the {what} (install Debian's `chromium`, "
            f"or set {CHROMIUM_ENV}; `odoo-chaos audit --no-pdf` skips the PDF)"
        )
    with tempfile.TemporaryDirectory(prefix="odoo-chaos-chromium-") as profile:
        command = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            *([f"--window-size={window}"] if window else []),
            *output_flags,
            page.resolve().as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise RenderError(f"Chromium did not finish the {what} within {TIMEOUT:.0f} s") from None
        except OSError as exc:
            raise RenderError(f"{chromium}: cannot run it ({exc.strerror or exc})") from None
    if done.returncode != 0:
        last = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["no output"])[-1]
        raise RenderError(f"Chromium failed to render the {what} (exit {done.returncode}): {last}")


def html_to_pdf(page: Path, pdf: Path) -> Path:
    """Print `page` to `pdf` (no header or footer: the page carries its own)."""
    pdf.unlink(missing_ok=True)
    _run(page, ["--no-pdf-header-footer", f"--print-to-pdf={pdf.resolve()}"], "PDF")
    if not pdf.is_file() or pdf.stat().st_size == 0:
        raise RenderError(f"Chromium wrote no PDF to {pdf}")
    return pdf


def html_to_png(page: Path, png: Path, window: str = "1200,1600") -> Path:
    """A screenshot of the top of `page` (`window` is width,height in CSS pixels)."""
    png.unlink(missing_ok=True)
    _run(page, [f"--screenshot={png.resolve()}"], "screenshot", window=window)
    if not png.is_file():
        raise RenderError(f"Chromium wrote no screenshot to {png}")
    return png
