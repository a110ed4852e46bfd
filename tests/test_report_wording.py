"""Planner text names the data's unit of time (weeks, days), never "periods"."""

from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.mark.parametrize(
    ("start", "end", "n", "word"),
    [
        ("2025-12-29", "2026-03-23", 13, "weeks"),
        ("2025-12-29", "2025-12-29", 1, "period"),  # one date: the spacing is unknown
        ("2025-01-01", "2025-01-10", 10, "days"),
        ("2025-01-01", "2025-12-01", 12, "months"),
        ("2025-01-01", "2025-01-04", 2, "periods"),  # three days apart: no known frequency
        (None, None, None, "periods"),
    ],
)
def test_plan_period_word(start, end, n, word):
    from mmm.report.fmt import plan_period_word

    assert plan_period_word(start, end, n) == word


def test_report_text_says_weeks_not_periods(tmp_path):
    from test_report import write_known_run

    from mmm.report.write import write_report

    run = write_known_run(tmp_path / "run")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        paths = write_report(run, formats=("html", "md"), strict=True)
    html = paths["html"].read_text(encoding="utf-8")
    # planner text only: drop the inlined chart library and the chart specifications
    text = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    assert "Only 40 weeks of data" in text
    # "the period" (the fitted date range) is fine; "periods" as a unit of time is not
    assert re.findall(r"\bperiods\b[^.]{0,40}", text) == []
    assert re.findall(r"\d+ periods?\b|per period\b", text) == []
    md = paths["md"].read_text(encoding="utf-8")
    assert re.findall(r"\bperiods\b[^.]{0,40}|\d+ periods?\b|per period\b", md) == []
