"""The report in a real headless Chromium: loads offline, no console errors, images render.

Needs the ``playwright`` Python package and a Chromium binary: ``chromium`` on PATH
(Debian: ``apt-get install chromium``), ``MMM_CHROMIUM=/path/to/chrome``, or a browser
installed by ``playwright install chromium``. Skipped with the reason when neither is there.
Set ``MMM_REPORT_SCREENSHOT=path.png`` to keep the first-screen screenshot.
"""

from __future__ import annotations

import os
import shutil
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

pytestmark = pytest.mark.browser


def _chromium() -> str | None:
    """A Chromium executable for Playwright, or None to use Playwright's own download."""
    from mmm.report.write import find_chromium

    return find_chromium()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip(
        "playwright.sync_api",
        reason="the playwright package is not installed (pip install playwright)",
    )
    exe = _chromium()
    with sync_api.sync_playwright() as pw:
        try:
            b = pw.chromium.launch(
                executable_path=exe,
                args=["--no-sandbox", "--disable-dev-shm-usage"],
            )
        except Exception as exc:  # noqa: BLE001 - no browser on this machine
            pytest.skip(
                "no headless Chromium could be started "
                f"({'executable ' + exe if exe else 'no chromium on PATH'}: "
                f"{str(exc).splitlines()[0]}); install it with `apt-get install chromium` "
                "or `playwright install chromium`"
            )
        yield b
        b.close()


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    from test_report import HEALTHY, _known_fit, _set_diagnostics

    from mmm.optimize.cli import run_optimize_cli
    from mmm.report import build_report
    from mmm.runs import write_run

    run = tmp_path_factory.mktemp("browser") / "run"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = _known_fit()
        write_run(fit, run)
        _set_diagnostics(run, HEALTHY)
        budget = float(fit.dataset.spend.isel(date=slice(-13, None)).sum())
        run_optimize_cli(run, budget=budget, horizon=13, value_per_visit=25.0, max_change=0.5)
        return build_report(run)


#: true once every interactive chart has been drawn (or has failed)
DRAWN = (
    "Array.from(document.querySelectorAll('div.vega'))"
    ".every(d => d.dataset.drawn || d.dataset.error)"
)

#: Per chart: size of its SVG, number of drawn marks, visible text labels that overlap;
#: per section: overlapping text blocks (headings, paragraphs, cells, captions, charts).
LAYOUT = """() => {
  const box = e => e.getBoundingClientRect();
  const hit = (a, b) => a.left + 1 < b.right && b.left + 1 < a.right
    && a.top + 1 < b.bottom && b.top + 1 < a.bottom;
  const shown = t => t.textContent.trim() && box(t).width > 0
    && !t.closest("[opacity='0']") && getComputedStyle(t).opacity !== "0";
  const pairs = els => {
    const out = [];
    for (let i = 0; i < els.length; i++) for (let j = i + 1; j < els.length; j++)
      if (!els[i].contains(els[j]) && !els[j].contains(els[i]) && hit(box(els[i]), box(els[j])))
        out.push([els[i].textContent.slice(0, 60), els[j].textContent.slice(0, 60)]);
    return out;
  };
  const charts = Array.from(document.querySelectorAll("div.vega")).map(el => {
    const svg = el.querySelector("svg");
    const r = svg ? box(svg) : {width: 0, height: 0};
    const marks = svg ? svg.querySelectorAll(
      "g.mark-rect path, g.mark-area path, g.mark-line path, g.mark-symbol path, g.mark-rule line"
    ).length : 0;
    const texts = svg ? Array.from(svg.querySelectorAll("text")).filter(shown) : [];
    return {id: el.id, kind: el.closest("figure").dataset.kind, width: r.width,
            height: r.height, marks: marks, labels: texts.length,
            error: el.dataset.error || null, overlaps: pairs(texts)};
  });
  const sel = "h1,h2,h3,h4,p,li,figcaption,th,td,caption,summary,dt,dd,div.vega";
  const sections = {};
  document.querySelectorAll("header, section").forEach(sec => {
    const els = Array.from(sec.querySelectorAll(sel)).filter(e => {
      const r = box(e);
      return r.width > 0 && r.height > 0 && !e.querySelector(sel)
        && (e.textContent.trim() || e.matches("div.vega"));
    });
    sections[sec.id || sec.tagName] = pairs(els);
  });
  return {charts: charts, sections: sections};
}"""


def test_every_chart_is_drawn_offline_without_overlapping_text(browser, report):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors, requests = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    # any request that leaves the file fails the page load
    page.route("http*://**", lambda route: route.abort())
    page.goto(report.resolve().as_uri(), wait_until="load")
    page.wait_for_function(DRAWN, timeout=60_000)
    assert errors == []
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
    layout = page.evaluate(LAYOUT)
    charts = layout["charts"]
    kinds = {c["kind"] for c in charts}
    for kind in (
        "budget",
        "ranked",
        "line-shares",
        "predictive-fit",
        "waterfall",
        "media-over-time",
        "carryover",
    ):
        assert kind in kinds, (kind, kinds)
    for c in charts:
        assert c["error"] is None, c
        assert c["width"] > 200 and c["height"] > 100, c
        assert c["marks"] >= 3, c
        assert c["labels"] >= 3, c
        assert c["overlaps"] == [], c
    assert {k: v for k, v in layout["sections"].items() if v} == {}
    # hovering a bar of the budget chart shows its amount in a tooltip
    budget = page.locator("#budget div.vega svg g.mark-rect path").first
    budget.hover()
    tip = page.locator("#vg-tooltip-element")
    tip.wait_for(state="visible", timeout=5_000)
    assert "€" in tip.inner_text()
    page.close()


def test_report_renders_in_headless_chromium(browser, report, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors, requests = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(report.resolve().as_uri(), wait_until="load")
    page.wait_for_function(DRAWN, timeout=60_000)

    assert errors == []
    # only the file itself and embedded data: URIs; nothing from the network
    assert all(u.startswith(("file:", "data:")) for u in requests), requests

    headline = page.locator("#headline")
    assert headline.is_visible()
    assert "Media drove between" in headline.inner_text()
    assert page.locator("h1").inner_text() == "Media mix report"
    for sid in (
        "roas",
        "funnel",
        "online-to-store",
        "curves",
        "budget",
        "crosscheck",
        "health",
        "data",
        "methods",
    ):
        assert page.locator(f"section#{sid} h2").count() == 1

    n_img = page.locator("img").count()
    assert n_img >= 1
    broken = page.evaluate(
        "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0))"
        ".map(i => i.alt)"
    )
    assert broken == []
    assert page.evaluate("Array.from(document.images).every(i => i.alt.length > 0)")

    # sorting the ROAS table by spend (a real click) puts the cheapest line first
    spend = page.locator("#roas-table tbody td[data-col=spend]")
    page.locator("#roas-table thead th", has_text="Spend").locator("button").click()
    values = [float(v) for v in spend.evaluate_all("els => els.map(e => e.dataset.value)")]
    assert values == sorted(values)
    assert page.locator("#roas-table thead th[aria-sort=ascending]").count() == 1
    page.locator("#roas-table thead th", has_text="Spend").locator("button").click()
    values = [float(v) for v in spend.evaluate_all("els => els.map(e => e.dataset.value)")]
    assert values == sorted(values, reverse=True)
    page.reload()

    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot))
    from PIL import Image

    im = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert im.shape == (900, 1280)
    assert im.std() > 10, "the screenshot is blank"
    assert (im < 100).mean() > 0.005, "no dark text on the first screen"
    keep = os.environ.get("MMM_REPORT_SCREENSHOT")
    if keep:
        Path(keep).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, keep)
    page.close()


@pytest.fixture(scope="module")
def geo_report(tmp_path_factory):
    from geo_helpers import RENAME, geo_sim, truth_fit

    from mmm.report import build_report
    from mmm.runs import write_run

    run = tmp_path_factory.mktemp("browser_geo") / "run"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write_run(truth_fit(geo_sim(), RENAME), run)
        return build_report(run)


def test_geo_report_renders_in_headless_chromium(browser, geo_report):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(geo_report.resolve().as_uri(), wait_until="load")
    assert errors == []
    assert page.locator("section#geos h2").count() == 1
    # the geo name with markup characters shows as text, not as markup
    assert page.locator("#geo-table tbody td", has_text="<b>south</b> & co").count() == 1
    assert page.locator("#geo-table b").count() == 0
    chart = page.locator("section#geos img")
    assert chart.count() == 1
    assert chart.evaluate("i => i.complete && i.naturalWidth > 0")
    # sorting the geo table by spend (a real click) orders the rows
    page.locator("#geo-table thead th", has_text="Spend").locator("button").click()
    spend = page.locator("#geo-table tbody td[data-value]:nth-child(4)")
    values = [float(v) for v in spend.evaluate_all("els => els.map(e => e.dataset.value)")]
    assert values == sorted(values)
    page.close()
