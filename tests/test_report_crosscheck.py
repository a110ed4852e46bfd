"""The report's cross-check section: the model's direct returns beside a plain OLS regression."""

from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from test_report import write_known_run

    return write_known_run(tmp_path_factory.mktemp("crosscheck") / "run")


@pytest.fixture(scope="module")
def context(run):
    from mmm.inference import FitResult
    from mmm.report.crosscheck import crosscheck_context
    from mmm.run_folder import RunFolder

    fit = FitResult.load(run)
    summary = RunFolder(run).read_summary(required=True)
    kinds = {o.name: o.kind for o in fit.spec.outcomes}
    return fit, summary, crosscheck_context(fit, summary, kinds=kinds, currency="€")


def test_rows_carry_the_regression_and_the_model_numbers(context):
    from mmm.analysis.frequentist import frequentist_baseline
    from mmm.report import fmt
    from mmm.report.crosscheck import ROUND_TOL

    fit, summary, cc = context
    ols = frequentist_baseline(fit, prob=0.9, glsar=False).table.set_index(["outcome", "series"])
    model = {(r.outcome, r.channel, r.audience): r for r in summary.roas if r.path == "direct"}
    assert len(cc["rows"]) == len(fit.spec.outcome_names) * len(fit.dataset.series)
    for r in cc["rows"]:
        o, key = r["outcome"], f"{r['channel']}|{r['audience']}"
        scale = 1.0 if o == "online_sales" else 1000.0  # visits shown per €1,000
        e, m = ols.loc[(o, key)], model[(o, r["channel"], r["audience"])]
        assert r["ols"] == fmt.ratio(e["roas"] * scale)
        assert (
            r["ols_range"] == f"{fmt.ratio(e['lower'] * scale)} – {fmt.ratio(e['upper'] * scale)}"
        )
        assert r["model"] == fmt.ratio(m.median * scale)
        # overlap of the two intervals, by hand
        tol = ROUND_TOL * max(abs(m.lower), abs(m.upper))  # summary keeps 6 digits
        assert r["overlap"] == (e["lower"] <= m.upper + tol and m.lower - tol <= e["upper"])
        assert r["negative"] == (e["roas"] < 0)
    for o in cc["outcomes"]:
        mine = [r for r in cc["rows"] if r["outcome"] == o["name"]]
        assert o["n"] == len(mine) == len(fit.dataset.series)
        assert o["n_overlap"] == sum(r["overlap"] for r in mine)
        assert o["n_negative"] == sum(r["negative"] for r in mine)
    units = {o["name"]: o["unit"] for o in cc["outcomes"]}
    assert units == {
        "online_sales": "online sales per €1",
        "store_visits": "store visits per €1,000",
    }


def test_overlap_flags_both_ways(context):
    # the known fit's draws are close to the truth while OLS on 40 noisy weeks is not: the
    # flags must not all agree by construction, so check that both values are reachable
    from mmm.report.crosscheck import crosscheck_context
    from mmm.run_summary import RunSummary

    fit, summary, _ = context
    far = summary.to_dict()
    for r in far["roas"]:
        if r["path"] == "direct" and r["outcome"] == "online_sales":
            r["median"], r["lower"], r["upper"] = 1e6, 1e6 - 1, 1e6 + 1
    far = RunSummary.from_dict(far)
    kinds = {o.name: o.kind for o in fit.spec.outcomes}
    cc = crosscheck_context(fit, far, kinds=kinds, currency="€")
    online = [r for r in cc["rows"] if r["outcome"] == "online_sales"]
    assert not any(r["overlap"] for r in online)
    assert cc["outcomes"][0]["n_overlap"] == 0


def test_html_and_markdown_show_the_section(run):
    from mmm.report.write import write_report

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        paths = write_report(run, formats=("html", "md"))
    html = paths["html"].read_text()
    sec = html[html.index('<section id="crosscheck"') :]
    sec = sec[: sec.index("</section>")]
    body = sec[sec.index("<tbody>") : sec.index("</tbody>")]
    assert body.count("<tr>") == 2 * 3  # 2 outcomes x 3 media lines
    assert 'href="#crosscheck"' in html
    assert re.search(r"overlap for \d of 3 lines", sec)
    md = paths["md"].read_text()
    part = md[md.index("## Cross-check") : md.index("## Model health")]
    rows = [ln for ln in part.splitlines() if ln.startswith("| online") or ln.startswith("| store")]
    assert len(rows) == 6
    assert all(ln.count("|") == 7 for ln in rows)


def test_on_exact_data_the_regression_matches_the_true_model():
    """Outcomes made without noise by a fit with the regression's own shapes: the model's
    returns (the true ones) and the regression's agree to display precision, all overlap."""
    from analysis_helpers import dataset, params, spec, with_outcomes

    import mmm.analysis as A
    from mmm.analysis.known import fit_from_params
    from mmm.report.crosscheck import crosscheck_context
    from mmm.runs import build_summary

    p = params(alphas=(0.3, 0.6), half=(1.0, 1.0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f0 = fit_from_params(spec(), dataset(), params=p)
        f1 = fit_from_params(spec(), with_outcomes(A.expected(f0).values[0, :, 0]), params=p)
        summary = build_summary(f0)
    kinds = {o.name: o.kind for o in f1.spec.outcomes}
    cc = crosscheck_context(f1, summary, kinds=kinds, currency="€")
    assert all(r["overlap"] and not r["negative"] for r in cc["rows"])
    assert all(r["ols"] == r["model"] for r in cc["rows"])
    assert all(o["r2"] == "100.0%" for o in cc["outcomes"])
    assert {(o["alpha_awareness"], o["alpha_conversion"]) for o in cc["outcomes"]} == {(0.6, 0.3)}
