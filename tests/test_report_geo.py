"""The report's geo section on a fit with several geos (true returns, no MCMC), and its
absence on a national fit."""

from __future__ import annotations

import html as _html
import json
import re
import warnings

import pytest
from geo_helpers import RENAME, geo_sim, truth_fit

from mmm.optimize.cli import run_optimize_cli
from mmm.report import build_report
from mmm.runs import write_run

SOUTH = RENAME["geo_02"]  # a name with characters HTML must escape


@pytest.fixture(scope="module")
def geo_report(tmp_path_factory):
    fit = truth_fit(geo_sim(), RENAME)
    run = tmp_path_factory.mktemp("georeport") / "run"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write_run(fit, run)
        run_optimize_cli(
            run,
            budget=float(fit.dataset.spend.isel(date=slice(-8, None)).sum()),
            horizon=8,
            value_per_visit=20.0,
            max_draws=None,
            max_change=0.5,
        )
        path = build_report(run)
    return {
        "html": path.read_text(),
        "run": run,
        "fit": fit,
        "summary": json.loads((run / "summary.json").read_text()),
        "rec": json.loads(
            (run / "recommendations" / "recommended" / "recommendation.json").read_text()
        ),
    }


def _section(html: str, sid: str) -> str:
    m = re.search(rf'<section id="{sid}".*?</section>', html, re.S)
    assert m, f"section {sid} missing"
    return m.group(0)


def _table(html: str, tid: str) -> list[list[str]]:
    """Visible text of each body row's cells (ranges dropped)."""
    m = re.search(
        rf'<table id="{tid}"[^>]*>.*?<tbody>(.*?)</tbody>(?:\s*<tfoot>(.*?)</tfoot>)?', html, re.S
    )
    assert m, f"table {tid} missing"
    rows = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", m.group(1) + (m.group(2) or ""), re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)
        rows.append(
            [
                _html.unescape(re.sub(r'<span class="range">.*?</span>|<[^>]+>', "", c))
                for c in cells
            ]
        )
    return rows


def test_geo_section_lists_every_geo_and_the_total(geo_report):
    from mmm.report import fmt

    sec = _section(geo_report["html"], "geos")
    rows = _table(sec, "geo-table")
    fit = geo_report["fit"]
    assert [r[0] for r in rows] == [*fit.dataset.geos, "all geos"]
    recs = {(r["geo"], r["outcome"]): r for r in geo_report["summary"]["geos"]}
    # columns: geo, shops, population, spend, sales driven, return, visits driven, cost/visit
    for r in rows:
        g = "all" if r[0] == "all geos" else r[0]
        sales, visits = recs[(g, "online_sales")], recs[(g, "store_visits")]
        assert r[1] == fmt.count(sales["shops"])
        assert r[3] == fmt.money(sales["spend"])
        assert r[4] == fmt.money(sales["contribution_median"])
        assert r[5] == fmt.ratio(sales["per_spend_median"])
        assert r[6] == fmt.count(visits["contribution_median"])
        assert r[7] == fmt.money(visits["cost_per_unit_median"])
    assert 'href="#geos"' in geo_report["html"]


def test_cost_per_visit_chart_ranks_geos_cheapest_first(geo_report):
    sec = _section(geo_report["html"], "geos")
    alt = _html.unescape(
        re.search(r'<img src="data:image/png;base64,[^"]+" alt="([^"]+)"', sec).group(1)
    )
    assert alt.startswith("Bar chart ranking geos by cost per extra store visit")
    recs = [
        r
        for r in geo_report["summary"]["geos"]
        if r["outcome"] == "store_visits" and r["geo"] != "all"
    ]
    order = [r["geo"] for r in sorted(recs, key=lambda r: r["cost_per_unit_median"])]
    pos = [alt.index(g) for g in order]
    assert pos == sorted(pos)


def test_geo_names_are_escaped(geo_report):
    html = geo_report["html"]
    assert "<b>south</b>" not in html
    assert _html.escape(SOUTH) in html


def test_near_store_vs_broad_per_geo(geo_report):
    from mmm.analysis.online_store import near_store_vs_broad
    from mmm.report import fmt

    rows = _table(_section(geo_report["html"], "geos"), "geo-near-store-table")
    nd = near_store_vs_broad(geo_report["fit"], by_geo=True).query("scope == 'all'")
    nd = nd.set_index(["geo", "group"])
    assert [r[0] for r in rows] == [*geo_report["fit"].dataset.geos, "all geos"]
    for r in rows:
        g = "all" if r[0] == "all geos" else r[0]
        assert r[2] == fmt.money(nd.loc[(g, "near_store"), "cost_per_visit_median"])
        assert r[3] == fmt.money(nd.loc[(g, "broad"), "cost_per_visit_median"])


def test_geo_budget_table_matches_the_recommendation(geo_report):
    from mmm.report import fmt

    rows = _table(_section(geo_report["html"], "geos"), "geo-budget-table")
    alloc = geo_report["rec"]["allocation"]
    for r in rows:
        cur = sum(a["current"] for a in alloc if a["geo"] == r[0])
        new = sum(a["recommended"] for a in alloc if a["geo"] == r[0])
        assert r[1] == fmt.money(cur) and r[2] == fmt.money(new)
    assert [r[0] for r in rows] == list(geo_report["fit"].dataset.geos)


def test_national_report_has_no_geo_section(tmp_path):
    from test_report import _known_fit

    run = tmp_path / "run"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write_run(_known_fit(), run)
        html = build_report(run).read_text()
    assert 'id="geos"' not in html and 'href="#geos"' not in html


def test_channel_table_shows_totals_across_geos_once(geo_report):
    from mmm.report import fmt

    rows = _table(geo_report["html"], "roas-table")
    fit = geo_report["fit"]
    assert len(rows) == len(fit.dataset.series)
    spend = fit.dataset.spend.sum(("date", "geo"))
    assert sorted(r[3] for r in rows) == sorted(fmt.money(float(v)) for v in spend.values)


def test_markdown_report_has_the_geo_table(geo_report, tmp_path):
    from mmm.report import fmt
    from mmm.report.write import md_escape, write_report

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        md = write_report(geo_report["run"], formats=("md",), out_dir=tmp_path)["md"].read_text()
    assert "## By geo" in md
    sec = md.split("## By geo", 1)[1].split("\n## ", 1)[0]
    recs = {(r["geo"], r["outcome"]): r for r in geo_report["summary"]["geos"]}
    for g in [*geo_report["fit"].dataset.geos, "all"]:
        label = "all geos" if g == "all" else md_escape(g)  # names are escaped
        row = next(line for line in sec.splitlines() if line.startswith(f"| {label} |"))
        sales, visits = recs[(g, "online_sales")], recs[(g, "store_visits")]
        assert f"| {fmt.money(sales['spend'])} |" in row
        assert f"| {fmt.ratio(sales['per_spend_median'])} |" in row
        assert f"| {fmt.money(visits['cost_per_unit_median'])} |" in row
