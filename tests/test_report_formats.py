"""Markdown and PDF versions of the planner report: same numbers as summary.json, safe names."""

from __future__ import annotations

import json
import re
import shutil
import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A healthy run folder of a known-parameter fit with a hostile channel name."""
    from test_report import write_known_run

    return write_known_run(tmp_path_factory.mktemp("formats") / "run")


@pytest.fixture(scope="module")
def written(run):
    from mmm.report.write import write_report

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        paths = write_report(run, formats=("html", "md"), value_per_visit=5.0)
    return paths


def test_md_escape_by_hand():
    from mmm.report.write import md_escape

    assert md_escape("a|b") == "a\\|b"
    assert md_escape("<b>x</b> & *y*") == "\\<b\\>x\\</b\\> & \\*y\\*"
    assert md_escape("line1\nline2") == "line1 line2"
    assert md_escape(None) == ""
    assert md_escape("back\\slash [l](u) `c`") == "back\\\\slash \\[l\\](u) \\`c\\`"


def test_markdown_sections_and_health(written):
    md = written["md"].read_text()
    for h in (
        "# Media mix report",
        "## Summary: what media did",
        "## Return per channel and audience",
        "## Awareness vs conversion",
        "## Budget recommendation",
        "## Model health",
        "## Data",
    ):
        assert h in md, h
    assert "**Model health: PASS.**" in md
    assert "<img" not in md and "data:image" not in md  # no charts in the CI version
    # every table row has as many cells as its header
    lines = md.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("|---") or line.startswith("|--"):
            n = lines[i - 1].count(" |")
            j = i + 1
            while j < len(lines) and lines[j].startswith("| "):
                assert len(re.findall(r"(?<!\\)\|", lines[j])) == n + 1, lines[j]
                j += 1


def test_markdown_roas_matches_summary(written, run):
    """Each revenue ROAS cell is summary.json's median and interval, formatted."""
    from mmm.report import fmt

    md = written["md"].read_text()
    s = json.loads((run / "summary.json").read_text())
    recs = [r for r in s["roas"] if r["outcome"] == "online_sales" and r["path"] == "total"]
    assert recs
    for r in recs:
        row = next(
            line
            for line in md.splitlines()
            if line.startswith(f"| {fmt.pretty(r['channel'])} | {fmt.pretty(r['audience'])} |")
        )
        cell = f"{fmt.ratio(r['median'])} ({fmt.interval_short(r['lower'], r['upper'], fmt.ratio)})"
        assert cell in row


def test_markdown_escapes_user_names(run, tmp_path):
    from mmm.report.write import write_report

    hostile = tmp_path / "run"
    shutil.copytree(run, hostile)
    s = json.loads((hostile / "summary.json").read_text())
    for r in s["roas"]:
        r["channel"] = "<b>evil</b>|chan"
    (hostile / "summary.json").write_text(json.dumps(s))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        md = write_report(hostile, formats=("md",))["md"].read_text()
    assert "<b>" not in md
    assert "\\<b\\>evil\\</b\\>\\|chan" in md


def test_unknown_format_is_an_input_error(run):
    from mmm.errors import MMMError
    from mmm.report.write import write_report

    with pytest.raises(MMMError, match="unknown report format"):
        write_report(run, formats=("docx",))


def test_cli_report_prints_markdown(run, capsys):
    from mmm.cli import main

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["report", str(run), "--print-md"]) == 0
    out = capsys.readouterr().out
    assert "## Return per channel and audience" in out
    assert out.startswith("building the report")  # progress before the slow part
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["report", str(run), "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    assert (run / "report.html").exists() and (run / "report.md").exists()
    assert main(["report", str(run), "-f", "docx"]) == 2


@pytest.mark.browser
def test_pdf_version(run, tmp_path):
    pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    from mmm.report.write import find_chromium, write_report

    if find_chromium() is None:
        pytest.skip("no Chromium on PATH: the PDF version cannot be printed here")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        paths = write_report(run, formats=("pdf",), out_dir=tmp_path)
    data = paths["pdf"].read_bytes()
    assert data.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert pages >= 2  # the whole report, not a blank first page
    assert (tmp_path / "report.html").exists()
