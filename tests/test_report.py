"""The planner report: content checked against summary.json and the posterior, per section."""

from __future__ import annotations

import base64
import json
import re
import shutil
import sys
import warnings
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

SECTIONS = (
    "headline",
    "budget",
    "roas",
    "funnel",
    "online-to-store",
    "over-time",
    "curves",
    "crosscheck",
    "health",
    "data",
    "methods",
)
HEALTHY = {
    "divergences": 0,
    "max_rhat": 1.002,
    "method": "nuts",
    "min_bfmi": 0.9,
    "min_ess_bulk": 1500.0,
    "min_ess_tail": 1200.0,
    "n_chains": 4,
    "n_draws": 500,
}


class Page(HTMLParser):
    """Minimal DOM summary: sections, headings, tables (cells with attributes), images."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.sections: list[str] = []
        self.h2: dict[str, str] = {}
        self.tables: dict[str, dict] = {}
        self.images: list[dict] = []
        self.ids: dict[str, str] = {}
        self._stack: list[tuple[str, dict]] = []
        self._table: dict | None = None
        self._cell: dict | None = None
        self._row: list | None = None
        self._text_for: list[tuple[str, list]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self.sections.append(a.get("id"))
        if tag == "img":
            self.images.append(a)
        if tag == "table":
            self._table = {"attrs": a, "caption": "", "rows": [], "head": []}
            self.tables[a.get("id", f"table{len(self.tables)}")] = self._table
        if self._table is not None and tag == "tr":
            self._row = []
            self._row_attrs = a
        if self._table is not None and tag in ("td", "th"):
            self._cell = {"attrs": a, "text": ""}
        if "id" in a or tag in ("h2", "caption"):
            self._text_for.append((a.get("id") or tag, []))
        self._stack.append((tag, a))

    def handle_endtag(self, tag):
        while self._stack:
            t, a = self._stack.pop()
            if "id" in a or t in ("h2", "caption"):
                key, buf = self._text_for.pop()
                text = " ".join("".join(buf).split())
                if "id" in a:
                    self.ids[a["id"]] = text
                if t == "h2" and self.sections:
                    self.h2[self.sections[-1]] = text
                if t == "caption" and self._table is not None:
                    self._table["caption"] = text
            if t in ("td", "th") and self._cell is not None and self._row is not None:
                self._cell["text"] = " ".join(self._cell["text"].split())
                self._row.append(self._cell)
                self._cell = None
            if t == "tr" and self._row is not None and self._table is not None:
                target = (
                    "head" if all(c["attrs"].get("scope") == "col" for c in self._row) else "rows"
                )
                if target == "rows":
                    self._table["rows"].append({"attrs": self._row_attrs, "cells": self._row})
                else:
                    self._table["head"] = self._row
                self._row = None
            if t == "table":
                self._table = None
            if t == tag:
                break

    def handle_data(self, data):
        for _, buf in self._text_for:
            buf.append(data)
        if self._cell is not None:
            self._cell["text"] += data


def _known_fit():
    import analysis_helpers as ah

    from mmm.analysis.known import fit_from_params

    rng = np.random.default_rng(0)
    p = ah.params()
    n = 200
    p["beta"] = p["beta"][None] * rng.lognormal(0, 0.25, size=(n, *p["beta"].shape))
    p["gamma"] = p["gamma"][None] * rng.lognormal(0, 0.25, size=(n, *p["gamma"].shape))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_from_params(ah.spec(), ah.dataset(), params=p)


def _set_diagnostics(run: Path, diag: dict) -> None:
    m = json.loads((run / "manifest.json").read_text())
    m["diagnostics"] = diag
    (run / "manifest.json").write_text(json.dumps(m))


def write_known_run(run: Path) -> Path:
    """Write a run folder of :func:`_known_fit` at ``run``, marked healthy."""
    from mmm.runs import write_run

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write_run(_known_fit(), run)
    _set_diagnostics(run, HEALTHY)
    return run


@pytest.fixture(scope="module")
def base_run(tmp_path_factory):
    """A run folder of a fit with known parameters (200 draws), marked healthy."""
    return write_known_run(tmp_path_factory.mktemp("report") / "run")


@pytest.fixture(scope="module")
def healthy(base_run):
    from mmm.report import build_report

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = build_report(base_run)
    html = path.read_text()
    return {
        "path": path,
        "html": html,
        "page": Page(html),
        "summary": json.loads((base_run / "summary.json").read_text()),
    }


@pytest.fixture(scope="module")
def troubled(base_run, tmp_path_factory):
    """Same fit: 25 divergences, a recommendation, a value per visit, a hostile name."""
    from mmm.report import build_report

    run = tmp_path_factory.mktemp("report2") / "run"
    shutil.copytree(base_run, run)
    _set_diagnostics(run, {**HEALTHY, "divergences": 25, "n_chains": 2, "n_draws": 500})
    s = json.loads((run / "summary.json").read_text())
    for r in s["roas"]:
        if r["channel"] == "search":
            r["channel"] = "<b>search</b> & co"
    (run / "summary.json").write_text(json.dumps(s))
    # a recommendation as older versions stored it: top level, no schema version
    from plan_helpers import allocation_row, recommendation

    rec = recommendation()
    del rec["schema_version"]
    rec["allocation"] = [
        allocation_row("search|all", 40000.0, 30000.0),
        allocation_row("social|broad", 40000.0, 52000.0),
    ]
    rec["summary"]["uplift"] = {"mean": 1200.0, "median": 1150.0, "lower": 300.0, "upper": 2100.0}
    (run / "recommendation.json").write_text(json.dumps(rec))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = build_report(run, out=run / "custom" / "r.html", value_per_visit=5.0)
    html = path.read_text()
    return {"path": path, "html": html, "page": Page(html), "run": run}


# ---------------------------------------------------------------------- structure


def test_report_is_written_into_the_run_folder(healthy, base_run):
    assert healthy["path"] == base_run / "report.html"
    assert healthy["html"].startswith("<!DOCTYPE html>")


def test_every_section_is_present_with_a_heading(healthy):
    page = healthy["page"]
    assert list(page.sections) == list(SECTIONS)
    for s in SECTIONS:
        assert page.h2.get(s), f"section {s} has no heading"


def test_self_contained_no_external_resources(healthy):
    html = healthy["html"]
    for needle in ('src="http', "src='http", 'href="http', "url(http", "@import", "<link"):
        assert needle not in html
    page = healthy["page"]
    assert len(page.images) >= 1
    # the interactive charts: a Vega-Lite spec with inline data, drawn by the inlined library
    specs = re.findall(
        r'<script type="application/json" id="(chart-[0-9a-f]+)-spec">(.*?)</script>', html, re.S
    )
    assert len(specs) >= 8
    for cid, text in specs:
        spec = json.loads(text)
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
        datasets = spec.get("datasets", {})
        assert datasets and all(len(v) > 0 for v in datasets.values()), cid
        assert "url" not in json.dumps(spec.get("data", {})), cid
        assert f'id="{cid}" role="img" aria-label="' in html
    assert html.count("window.vegaEmbed") >= 1
    for img in page.images:
        assert img["src"].startswith("data:image/png;base64,")
        raw = base64.b64decode(img["src"].split(",", 1)[1])
        assert raw[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(img["alt"]) > 40, "alt text must describe the chart"


def test_every_table_has_a_caption(healthy):
    tables = healthy["page"].tables
    assert {"roas-table", "funnel-table", "health-table", "data-table"} <= set(tables)
    for tid, t in tables.items():
        assert t["caption"], f"{tid} has no caption"


# ---------------------------------------------------------------------- numbers


def test_roas_table_equals_summary_json(healthy):
    summary = healthy["summary"]
    recs = {
        (r["outcome"], r["channel"], r["audience"]): r
        for r in summary["roas"]
        if r["path"] == "total"
    }
    rows = healthy["page"].tables["roas-table"]["rows"]
    assert len(rows) == len({(c, a) for _, c, a in recs})
    seen = 0
    for row in rows:
        ch, au = row["attrs"]["data-channel"], row["attrs"]["data-audience"]
        cells = {c["attrs"].get("data-col"): c for c in row["cells"]}
        roas = recs[("online_sales", ch, au)]
        assert float(cells["roas:online_sales"]["attrs"]["data-value"]) == roas["median"]
        assert float(cells["roas:online_sales"]["attrs"]["data-lower"]) == roas["lower"]
        assert float(cells["roas:online_sales"]["attrs"]["data-upper"]) == roas["upper"]
        assert float(cells["spend"]["attrs"]["data-value"]) == roas["spend"]
        visits = recs[("store_visits", ch, au)]
        assert float(cells["cost:store_visits"]["attrs"]["data-value"]) == visits["cost_per_unit"]
        # the visible text shows the same number
        from mmm.report import fmt

        assert cells["roas:online_sales"]["text"].startswith(fmt.ratio(roas["median"]))
        assert cells["cost:store_visits"]["text"].startswith(fmt.money(visits["cost_per_unit"]))
        seen += 1
    assert seen == 3


def test_roas_table_agrees_with_roas_table_of_the_fit(healthy, base_run):
    from mmm.analysis.returns import roas_table
    from mmm.inference.fit import FitResult

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = FitResult.load(base_run)
    df = roas_table(fit)
    df = df[(df["path"] == "total") & (df["outcome"] == "online_sales")]
    rows = healthy["page"].tables["roas-table"]["rows"]
    shown = {
        (r["attrs"]["data-channel"], r["attrs"]["data-audience"]): float(
            next(c for c in r["cells"] if c["attrs"].get("data-col") == "roas:online_sales")[
                "attrs"
            ]["data-value"]
        )
        for r in rows
    }
    for r in df.itertuples():
        assert shown[(r.channel, r.audience)] == pytest.approx(r.median, rel=1e-5)
    # ranked by online ROAS, highest first
    order = [shown[(r["attrs"]["data-channel"], r["attrs"]["data-audience"])] for r in rows]
    assert order == sorted(order, reverse=True)


def test_headline_gives_media_totals_as_intervals_in_words(healthy, base_run):
    from mmm.analysis.returns import contribution_totals
    from mmm.inference.fit import FitResult
    from mmm.report import fmt

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = FitResult.load(base_run)
    tot = contribution_totals(fit).sel(path="total").sum("series")
    text = healthy["page"].ids["headline"]
    for o, f in (("online_sales", fmt.money), ("store_visits", fmt.count)):
        d = tot.sel(outcome=o).values
        lo, med, hi = np.quantile(d, 0.05), np.median(d), np.quantile(d, 0.95)
        expect = f"Media drove between {f(lo)} and {f(hi)}, most likely about {f(med)} of "
        assert expect + o.replace("_", " ") in text
    assert "Awareness channels took" in text
    assert "checks passed" in text


def test_headline_says_how_likely_the_best_line_is_the_best(healthy, base_run):
    """The chance printed beside the best (cheapest) line equals the share of posterior
    draws in which that line's return per euro is the highest, counted here by hand."""
    import re

    from mmm.analysis.returns import roas_draws
    from mmm.inference.fit import FitResult
    from mmm.report.build import _label

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = FitResult.load(base_run)
    r = roas_draws(fit, max_draws=1000).sel(path="total")
    labels = {
        _label(c, a): i
        for i, (c, a) in enumerate(zip(r["channel"].values, r["audience"].values, strict=True))
    }
    said = re.findall(
        r"came from (.+?) \([^;]*; (over 99|under 1|\d+)% chance that it is "
        r"the (best|cheapest) of the (\d+) lines\)",
        healthy["page"].ids["headline"],
    )
    assert [s[2] for s in said] == ["best", "cheapest"]
    for o, (label, pct, _, n) in zip(("online_sales", "store_visits"), said, strict=True):
        v = r.sel(outcome=o).transpose("sample", "series").values
        first = np.bincount(np.argmax(v, axis=1), minlength=v.shape[1]) / v.shape[0]
        p = first[labels[label]]
        want = "over 99" if p > 0.99 else "under 1" if p < 0.01 else f"{p * 100:.0f}"
        assert (pct, int(n)) == (want, v.shape[1]), (o, label, p)


def test_funnel_table_equals_summary(healthy):
    funnel = healthy["summary"]["funnel"]
    rows = healthy["page"].tables["funnel-table"]["rows"]
    got = {
        r["cells"][0]["text"]: [float(c["attrs"]["data-value"]) for c in r["cells"][1:]]
        for r in rows
    }
    for st in ("awareness", "conversion"):
        want = [funnel["spend_share"][st]] + [
            funnel["outcome_share"][o][st] for o in funnel["outcome_share"]
        ]
        assert got[st] == want
    paths = healthy["page"].tables["paths-table"]["rows"]
    assert len(paths) == len(funnel["awareness_paths"])
    for row, p in zip(paths, funnel["awareness_paths"], strict=True):
        assert float(row["cells"][4]["attrs"]["data-value"]) == p["mediated_share"]
        assert row["cells"][5]["text"] == (
            "! not separated by the data" if p["weakly_identified"] else "separated"
        )


def test_a_split_the_data_do_not_separate_is_flagged(base_run, tmp_path):
    """A weakly identified awareness split is marked in its row, with a note that says to
    read the total; without one, no note."""
    from mmm.report import build_report

    run = tmp_path / "run"
    shutil.copytree(base_run, run)
    s = json.loads((run / "summary.json").read_text())
    paths = s["funnel"]["awareness_paths"]
    assert paths and not any(p["weakly_identified"] for p in paths)
    paths[0] = {**paths[0], "correlation": -0.8, "weakly_identified": True}
    (run / "summary.json").write_text(json.dumps(s))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        page = Page(build_report(run).read_text())
    rows = page.tables["paths-table"]["rows"]
    assert [r["cells"][5]["text"] for r in rows][:2] == [
        "! not separated by the data",
        "separated",
    ]
    assert "Read their total effect" in page.ids["split-weak"]


def test_audience_costs_equal_summary(healthy):
    """The cost per extra visit by audience is the summary's (per-draw cost, not a ratio of
    medians), cheapest first."""
    from mmm.report import fmt

    want = {fmt.pretty(a["audience"]): a for a in healthy["summary"]["audiences"]}
    rows = healthy["page"].tables["audience-table"]["rows"]
    got = [(r["cells"][0]["text"], float(r["cells"][3]["attrs"]["data-value"])) for r in rows]
    assert sorted(t for t, _ in got) == sorted(want)
    assert [c for _, c in got] == sorted(c for _, c in got)
    for text, cost in got:
        assert cost == want[text]["cost_per_unit_median"]
        assert rows[[t for t, _ in got].index(text)]["cells"][1]["text"] == fmt.money(
            want[text]["spend"]
        )


# ---------------------------------------------------------------------- health


def test_health_passes_when_diagnostics_are_clean(healthy):
    verdict = healthy["page"].ids["health-verdict"]
    assert verdict.startswith("PASS")
    assert "The model's checks passed" in verdict
    assert all(
        "PASS" in r["cells"][1]["text"] for r in healthy["page"].tables["health-table"]["rows"]
    )


def test_health_reports_divergences_and_what_to_do(troubled):
    verdict = troubled["page"].ids["health-verdict"]
    assert verdict.startswith("FAIL")
    assert "Do not base decisions on this fit yet" in verdict
    rows = troubled["page"].tables["health-table"]["rows"]
    div = next(r for r in rows if r["cells"][0]["text"] == "Divergent transitions")
    assert "FAIL" in div["cells"][1]["text"]
    assert "25 divergent transitions out of 1000 draws" in div["cells"][2]["text"]
    assert "target_accept" in div["cells"][4]["text"]
    assert "checks passed" not in troubled["html"]


@pytest.mark.parametrize(
    ("change", "status", "phrase"),
    [
        ({}, "PASS", "checks passed"),
        ({"divergences": 3}, "REVIEW", "Review before acting"),
        ({"max_rhat": 1.03}, "REVIEW", "agreement between chains"),
        ({"max_rhat": 1.2}, "FAIL", "agreement between chains"),
        ({"min_ess_bulk": 50.0}, "FAIL", "effective draws for typical values"),
        ({"min_bfmi": 0.1}, "REVIEW", "energy"),
        ({"max_rhat": None, "n_chains": 1}, "REVIEW", "agreement between chains"),
        ({"method": "advi"}, "REVIEW", "fitting method"),
    ],
)
def test_health_verdicts(change, status, phrase):
    from mmm.report.health import assess

    h = assess({**HEALTHY, **change})
    assert h.status == status
    assert phrase in h.headline


def test_health_without_diagnostics_asks_for_review():
    from mmm.report.health import assess

    h = assess(None)
    assert h.status == "REVIEW" and "missing" in h.checks[0].value


# ---------------------------------------------------------------------- budget and extras


def test_budget_note_when_not_optimised(healthy):
    note = healthy["page"].ids["budget-missing"]
    assert "Not computed yet" in note and "mmm optimize" in note and "--budget" in note
    assert "budget-table" not in healthy["page"].tables


def test_budget_recommendation_is_shown(troubled):
    rows = troubled["page"].tables["budget-table"]["rows"]
    got = [
        (
            r["cells"][0]["text"],
            float(r["cells"][1]["attrs"]["data-value"]),
            float(r["cells"][2]["attrs"]["data-value"]),
            r["cells"][3]["text"],
        )
        for r in rows
    ]
    assert got == [
        ("Search", 40000.0, 30000.0, "-25%"),
        ("Social · broad", 40000.0, 52000.0, "+30%"),
    ]
    assert "between €300 and €2.10k, most likely about €1.15k" in troubled["page"].ids["headline"]
    assert troubled["path"].name == "r.html"


def test_value_per_visit_adds_a_combined_value(troubled):
    from mmm.analysis.returns import roas_draws
    from mmm.inference.fit import FitResult

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = FitResult.load(troubled["run"])
    r = roas_draws(fit).sel(path="total")
    val = r.sel(outcome="online_sales") + 5.0 * r.sel(outcome="store_visits")
    rows = troubled["page"].tables["roas-table"]["rows"]
    for row in rows:
        if row["attrs"]["data-channel"] != "social":
            continue
        au = row["attrs"]["data-audience"]
        cell = next(c for c in row["cells"] if c["attrs"].get("data-col") == "combined")
        want = float(np.median(val.sel(series=f"social|{au}").values))
        assert float(cell["attrs"]["data-value"]) == pytest.approx(want, rel=1e-9)


def test_names_from_data_are_escaped(troubled):
    html = troubled["html"]
    assert "<b>search</b>" not in html
    assert "&lt;b&gt;search&lt;/b&gt; &amp; co" in html


def test_response_curves_are_those_of_the_analysis_package(base_run):
    import mmm.analysis as A
    from mmm.inference.fit import FitResult
    from mmm.report import curves

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = FitResult.load(base_run)
    res, table, points, note = curves.response_curves(
        fit, prob=0.9, revenue_outcomes=("online_sales",)
    )
    again = A.response_curves(fit, multipliers=curves.MULTIPLIERS, max_draws=curves.MAX_DRAWS)
    np.testing.assert_array_equal(res["contribution"].values, again["contribution"].values)
    df = A.curve_table(res, prob=0.9)
    c = res["contribution"].sel(outcome="online_sales", series="search|all")
    c = c.transpose("sample", "point").values
    g = df[(df["outcome"] == "online_sales") & (df["channel"] == "search")]
    np.testing.assert_allclose(g["median"], np.median(c, axis=0), rtol=1e-12)
    np.testing.assert_allclose(g["lower"], np.quantile(c, 0.05, axis=0), rtol=1e-12)
    np.testing.assert_allclose(g["spend"], res["spend"].sel(series="search|all").values)
    # zero spend gives zero effect and the curve rises with spend
    assert g["median"].iloc[0] == 0.0
    assert np.all(np.diff(g["median"].to_numpy()) > 0)
    assert {"diminishing_spend", "marginal_at_current"} <= set(
        points[("online_sales", "search", "all")]
    )
    row = table[
        (table["outcome"] == "online_sales")
        & (table["series"] == "search|all")
        & (table["quantity"] == "diminishing_spend")
    ]
    dim = points[("online_sales", "search", "all")]["diminishing_spend"]
    assert (dim["median"], dim["lower"], dim["upper"]) == tuple(
        row[["median", "lower", "upper"]].iloc[0]
    )
    assert "point of diminishing returns" in note


def test_the_curves_chart_is_the_plotting_package_figure(monkeypatch, base_run):
    """The report draws no curves itself: each outcome's chart is
    mmm.plotting.plot_response_curves of the report's curves and points, embedded."""
    import mmm.plotting
    from mmm.report.build import build_context
    from mmm.report.run import RunFolder

    calls = []
    draw = mmm.plotting.plot_response_curves

    def spy(curves, **kw):
        calls.append(kw)
        return draw(curves, **kw)

    monkeypatch.setattr(mmm.plotting, "plot_response_curves", spy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ctx = build_context(RunFolder.open(base_run), strict=True)
    assert [k["outcome"] for k in calls] == ["online_sales", "store_visits"]
    assert [k["kind"] for k in calls] == ["revenue", "count"]
    assert all(k["prob"] == 0.9 and k["currency"] == "€" for k in calls)
    charts = ctx["charts"]["curves"]
    assert [c.kind for c in charts] == ["curves", "curves"]
    assert all(c.src.startswith("data:image/png;base64,") and c.width == 1000 for c in charts)


def test_a_failing_curve_computation_fails_the_section(monkeypatch, base_run):
    """No curves drawn by the report itself: an error in the analysis is the section's."""
    import mmm.analysis.curves as ac
    from mmm.report.build import build_context
    from mmm.report.run import RunFolder

    def broken(*a, **k):
        raise RuntimeError("curve points broke")

    monkeypatch.setattr(ac, "curve_points", broken)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match="curve points broke"):
            build_context(RunFolder.open(base_run), strict=True)
        ctx = build_context(RunFolder.open(base_run), strict=False)
    assert ctx["failed"] == {"curves": "Response curves: RuntimeError: curve points broke"}
    assert ctx["charts"]["curves"] == [] and ctx["marginal"] == []


def test_not_a_run_folder(tmp_path):
    from mmm.errors import NotFittedError
    from mmm.report import build_report

    with pytest.raises(NotFittedError, match="fit.nc is missing"):
        build_report(tmp_path)


@pytest.mark.parametrize(
    ("fn", "x", "want"),
    [
        ("money", 1234567.0, "€1.23M"),
        ("money", 950.0, "€950"),
        ("money", None, "–"),
        ("count", 41800.0, "41.8k"),
        ("ratio", 2.345, "2.35"),
        ("pct", 0.364, "36%"),
    ],
)
def test_formatting(fn, x, want):
    from mmm.report import fmt

    assert getattr(fmt, fn)(x) == want


def test_interval_words():
    from mmm.report import fmt

    s = fmt.interval_words(14.1e6, 10.2e6, 18.3e6, fmt.money)
    assert s == "between €10.2M and €18.3M, most likely about €14.1M"
    assert fmt.interval_words(None, 1, 2, fmt.money) == "not estimable from this fit"


def test_methods_state_the_curve_and_audience_settings_of_the_fit(healthy, base_run, tmp_path):
    """The methods section describes the fitted spec: a fixed slope by its value, and the
    audience effects shared across channels only where the spec has them."""
    from mmm.report import build_report

    alike = "is expected to answer alike in each"
    text = " ".join(healthy["html"].split())
    assert "hill curve, slope 1.0" in text  # the known fit's concave curves
    assert alike in text
    run = tmp_path / "run"
    shutil.copytree(base_run, run)
    meta = json.loads((run / "fit.json").read_text())
    found = []

    def switch_off(d):
        for k, v in d.items():
            if k == "shared_audiences":
                d[k] = False
                found.append(k)
            elif isinstance(v, dict):
                switch_off(v)

    switch_off(meta)
    assert found
    (run / "fit.json").write_text(json.dumps(meta))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        html = build_report(run).read_text()
    text = " ".join(html.split())
    assert alike not in text
    assert "share information (partial pooling)." in text
