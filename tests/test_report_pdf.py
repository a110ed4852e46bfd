"""The PDF report: the recommendation on the first pages, no page ending on a heading.

Prints the report of a known-parameter fit with a recommendation (as ``mmm demo`` makes
it) with headless Chromium and reads the text of each page with pypdf.
"""

from __future__ import annotations

import html as _html
import re
import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def pdf(tmp_path_factory):
    pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    pypdf = pytest.importorskip("pypdf", reason="pypdf not installed (pip install 'mmm[dev]')")
    from test_report import write_known_run

    from mmm.inference.fit import FitResult
    from mmm.optimize.cli import run_optimize_cli
    from mmm.report.write import find_chromium, write_report

    if find_chromium() is None:
        pytest.skip("no Chromium on PATH: the PDF version cannot be printed here")
    run = write_known_run(tmp_path_factory.mktemp("pdf") / "run")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = FitResult.load(run).dataset
        budget = float(ds.spend.isel(date=slice(-13, None)).sum())
        run_optimize_cli(run, budget=budget, horizon=13, value_per_visit=25.0, max_change=0.5)
        paths = write_report(run, formats=("pdf",), strict=True)
    pages = [p.extract_text() for p in pypdf.PdfReader(paths["pdf"]).pages]
    html = paths["html"].read_text(encoding="utf-8")
    return {"pages": pages, "html": html}


def _norm(text: str) -> str:
    text = text.replace("\ufb00", "ff").replace("\ufb01", "fi").replace("\ufb02", "fl")
    return re.sub(r"\s+", " ", text).strip()


def _headings(html: str) -> list[str]:
    found = re.findall(r"<h([1-4])[^>]*>(.*?)</h\1>", html, re.S)
    return [_norm(_html.unescape(re.sub(r"<[^>]+>", "", t))) for _, t in found]


def test_budget_recommendation_is_on_the_first_pages(pdf):
    pages = [_norm(p) for p in pdf["pages"]]
    assert len(pages) >= 4
    first = next(i for i, p in enumerate(pages) if "Budget recommendation: the next 13 weeks" in p)
    assert first + 1 <= 3, f"the budget section starts on page {first + 1}"
    assert "Money to move" in " ".join(pages[:3])


def test_no_page_ends_with_a_heading(pdf):
    heads = _headings(pdf["html"])
    assert "Budget recommendation: the next 13 weeks" in heads and len(heads) > 10
    for i, page in enumerate(pdf["pages"][:-1]):
        text = _norm(page)
        ending = [h for h in heads if h and text.endswith(h)]
        assert ending == [], f"page {i + 1} ends with the heading {ending}"


def test_print_has_no_sorting_hints(pdf):
    text = _norm(" ".join(pdf["pages"])).lower()
    assert "click" not in text and "sort by" not in text
    # the screen shows the hint
    assert "Click a column heading to sort" in pdf["html"]
