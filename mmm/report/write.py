"""Write the planner report of a run folder in several formats from one computed context.

HTML is the planner's report (self-contained, charts embedded); Markdown carries the same
numbers without charts for CI logs and pull requests; PDF is the HTML printed by a headless
Chromium (through Playwright) when both are installed.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from mmm.errors import MMMError
from mmm.report.build import _env, build_context, render
from mmm.report.run import RunFolder

MARKDOWN_TEMPLATE = "report.md.j2"
FORMATS = ("html", "md", "pdf")

_MD_SPECIAL = re.compile(r"([\\|*`<>\[\]])")


def md_escape(text) -> str:
    """Escape ``text`` for a Markdown table cell or paragraph (one line, no markup).

    Pipes, backslashes, emphasis and code markers, brackets and angle brackets are
    backslash-escaped, so names from user data can never break a table or inject HTML.
    """
    s = "" if text is None else str(text)
    s = " ".join(s.splitlines())
    return _MD_SPECIAL.sub(r"\\\1", s)


def render_markdown(context: dict) -> str:
    """Render a report context (from :func:`mmm.report.build.build_context`) as Markdown."""
    env = _env()
    env.autoescape = False
    env.filters["md"] = md_escape
    text = env.get_template(MARKDOWN_TEMPLATE).render(**context)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def find_chromium() -> str | None:
    """Path of a Chromium executable (``MMM_CHROMIUM`` first, then PATH), or None."""
    env = os.environ.get("MMM_CHROMIUM")
    if env:
        return env
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


#: True in the page once every interactive chart has been drawn (or has failed to draw).
CHARTS_DRAWN = (
    "Array.from(document.querySelectorAll('div.vega'))"
    ".every(d => d.dataset.drawn || d.dataset.error)"
)


def html_to_pdf(html_path, pdf_path) -> Path:
    """Print a self-contained HTML file to PDF (A4) with headless Chromium via Playwright.

    Raises
    ------
    MMMError
        When Playwright or a Chromium executable is not installed; the message says how to
        install them.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as err:
        raise MMMError(
            "PDF output needs Playwright: pip install playwright (or 'mmm[dev]'), "
            "and a Chromium browser (apt-get install chromium)."
        ) from err
    exe = find_chromium()
    if exe is None:
        raise MMMError(
            "PDF output needs a Chromium browser on PATH: apt-get install chromium "
            "(or drop --pdf; the HTML and Markdown reports do not need it)."
        )
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(html_path.as_uri())
            # the interactive charts draw after the load event: print once all are drawn
            page.wait_for_function(CHARTS_DRAWN, timeout=120_000)
            page.emulate_media(media="print")
            # the analysts' details blocks are printed open
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            page.pdf(
                path=str(pdf_path),
                format="A4",
                print_background=True,
                margin={"top": "12mm", "bottom": "12mm", "left": "10mm", "right": "10mm"},
            )
        finally:
            browser.close()
    return pdf_path


def write_report(
    run_dir,
    *,
    formats=("html", "md"),
    out_dir=None,
    value_per_visit: float | None = None,
    currency: str = "€",
    recommendation: str | None = None,
    strict: bool | None = None,
) -> dict[str, Path]:
    """Write the report of a run folder in each of ``formats`` (``html``, ``md``, ``pdf``).

    Parameters
    ----------
    run_dir : path
        A run folder written by ``mmm fit``.
    formats : sequence of str
        Any of ``"html"``, ``"md"``, ``"pdf"``; the numbers are computed once for all.
        ``pdf`` prints the HTML, so the HTML is written too.
    out_dir : path, optional
        Folder for ``report.html`` / ``report.md`` / ``report.pdf``; defaults to the run
        folder.
    value_per_visit, currency, recommendation, strict
        As in :func:`mmm.report.build_report`.

    Returns
    -------
    dict
        Format -> written path.
    """
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise MMMError(f"unknown report format(s) {unknown}; choose from {list(FORMATS)}")
    run = RunFolder.open(run_dir, recommendation=recommendation)
    ctx = build_context(run, value_per_visit=value_per_visit, currency=currency, strict=strict)
    folder = Path(out_dir) if out_dir is not None else run.path
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    if "html" in formats or "pdf" in formats:
        paths["html"] = run.report_file("html", folder)
        paths["html"].write_text(render(ctx), encoding="utf-8")
    if "md" in formats:
        paths["md"] = run.report_file("md", folder)
        paths["md"].write_text(render_markdown(ctx), encoding="utf-8")
    if "pdf" in formats:
        paths["pdf"] = html_to_pdf(paths["html"], run.report_file("pdf", folder))
    return paths
