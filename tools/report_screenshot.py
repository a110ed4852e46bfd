"""Screenshot of the report's budget section for the README (docs/img/report_budget.png).

Builds the report of the known-parameter fit that the browser test uses (no sampling),
with a recommendation made as ``mmm demo`` makes it (last 13 weeks' budget, 25 per store
visit, +/-50 % per line), and photographs its budget section in headless Chromium.

    python tools/report_screenshot.py [OUT.png]
"""

from __future__ import annotations

import sys
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def main(out: Path) -> Path:
    from playwright.sync_api import sync_playwright
    from test_report import write_known_run

    from mmm.inference.fit import FitResult
    from mmm.optimize.cli import run_optimize_cli
    from mmm.report import build_report
    from mmm.report.write import find_chromium

    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = write_known_run(Path(tmp) / "run")
        ds = FitResult.load(run).dataset
        budget = float(ds.spend.isel(date=slice(-13, None)).sum())
        run_optimize_cli(run, budget=budget, horizon=13, value_per_visit=25.0, max_change=0.5)
        html = build_report(run, strict=True)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=find_chromium(), args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto(html.resolve().as_uri(), wait_until="load")
            page.wait_for_function(
                "Array.from(document.querySelectorAll('div.vega')).every(d => d.dataset.drawn)"
            )
            out.parent.mkdir(parents=True, exist_ok=True)
            page.locator("section#budget").screenshot(path=str(out))
            browser.close()
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "img" / "report_budget.png"
    print(main(target))
