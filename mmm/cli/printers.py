"""What the commands print: fit results, calibration, plans, scenario comparisons, backtests.

Every line goes through :func:`mmm.cli.core.say` (stdout, silent with ``--quiet``) or
:func:`mmm.cli.core.err` (stderr). Amounts of the scenario tables use the package's one
number format (:mod:`mmm.report.fmt`).
"""

from __future__ import annotations

from pathlib import Path

from mmm.cli.core import EXIT_HEALTH, EXIT_OK, err, say


# ------------------------------------------------------------------------ fit
def print_calibration(run) -> None:
    """The lift tests of a calibrated fit (``run``, a :class:`~mmm.run_folder.RunFolder`):
    measured lift, model before and after."""
    summary = run.read_summary(required=True)
    cal = summary.calibration if summary is not None else None
    if cal is None or not cal.experiments:
        return
    say("")
    say(
        f"{'experiment':14s} {'channel':18s} {'measured lift':>14s} {'model before':>14s} {'model after':>14s}"
    )

    def num(v):
        return f"{v:14,.0f}" if v is not None else f"{'-':>14s}"

    for r in cal.experiments:
        say(f"{r.name:14s} {r.channel:18s} {num(r.lift)} {num(r.lift_before)} {num(r.lift_after)}")
    for w in cal.warnings:
        err(f"warning: {w}")


def print_roas(result) -> None:
    """Return per unit of spend (and cost per unit of counts) per outcome and line."""
    from mmm.analysis.returns import roas_table

    t = roas_table(result, max_draws=500)
    t = t[t["path"] == "total"]
    say("")
    say(
        f"{'outcome':14s} {'channel':22s} {'audience':12s} {'spend':>12s} {'return/EUR':>11s} {'90% interval':>19s} {'cost/unit':>10s}"
    )
    for r in t.itertuples():
        cpu = f"{r.cost_per_unit:10.2f}" if r.kind == "count" else f"{'':10s}"
        say(
            f"{r.outcome:14s} {r.channel:22s} {r.audience:12s} {r.spend:12,.0f} {r.median:11.3f} "
            f"{r.lower:9.3f}..{r.upper:<9.3f} {cpu}"
        )


def print_geos(result) -> None:
    """Per-geo totals of a fit with several geos: spend, return and cost per unit."""
    if len(result.dataset.geos) < 2:
        return
    from mmm.analysis.geo import geo_table

    t = geo_table(result, max_draws=500)
    kinds = {o.name: o.kind for o in result.spec.outcomes}
    rev = next((o for o, k in kinds.items() if k == "revenue"), None)
    cnt = next((o for o, k in kinds.items() if k == "count"), None)
    say("")
    head = f"{'geo':22s} {'spend':>12s}"
    head += f" {'return/EUR':>11s}" if rev else ""
    head += f" {'cost/' + cnt:>20s}" if cnt else ""
    say(head)
    for g in t["geo"].drop_duplicates():
        rows = t[t["geo"] == g].set_index("outcome")
        line = f"{str(g)[:22]:22s} {rows['spend'].iloc[0]:12,.0f}"
        if rev:
            line += f" {rows.loc[rev, 'per_spend_median']:11.3f}"
        if cnt:
            line += f" {rows.loc[cnt, 'cost_per_unit_median']:20.2f}"
        say(line)


def print_health(diagnostics) -> list[str]:
    """The fit's checks that are not PASS under the health policy (:mod:`mmm.inference.health`,
    the report's), on stderr; nothing when the fit is healthy. Returns their messages."""
    probs = diagnostics.problems()
    if probs:
        err(f"model health check failed ({diagnostics.health().status}):")
        for p in probs:
            err(f"  - {p}")
    return probs


def health_exit_code(diagnostics, *, strict: bool = True) -> int:
    """Print the fit's health checks that are not PASS (:func:`print_health`) and return the
    exit code: 3 when there are any and ``strict``, else 0."""
    return EXIT_HEALTH if print_health(diagnostics) and strict else EXIT_OK


# ------------------------------------------------------------- recommendation
def _amounts(currency: str):
    """Whole currency amounts of the allocation table (``€1,234``, ``+€56`` with sign)."""
    from mmm.report import fmt

    def amount(x, sign=False):
        if not fmt.is_number(x):
            return "–"
        x = float(x)
        text = f"{currency}{abs(x):,.0f}"
        return ("-" if x < 0 else "+" if sign and x > 0 else "") + text

    return amount


def _ratio(x) -> str:
    from mmm.report import fmt

    return f"{float(x):.2f}" if fmt.is_number(x) else "–"


def print_recommendation(paths, currency: str = "€") -> None:
    """The allocation table, the settings and the expected uplift of a stored recommendation."""
    from mmm.report import fmt
    from mmm.run_folder import RunFolder

    path = Path(paths["json"])  # RUN/recommendations/NAME/recommendation.json
    stored, _ = RunFolder(path.parents[2]).read_recommendation(path.parent.name)
    assert stored is not None  # a stored name reads or raises
    rec = stored.to_dict()
    s, st = rec.get("summary", {}), rec.get("settings", {})
    obj = st.get("objective") or "value"
    amount = _amounts(currency)
    limit = st.get("max_change")
    say("")
    say(
        f"plan {st.get('name', '')!r}: {st.get('plan_start', '?')} to {st.get('plan_end', '?')} "
        f"({st.get('horizon', '?')} "
        f"{fmt.plan_period_word(st.get('plan_start'), st.get('plan_end'), st.get('horizon'))}), "
        f"budget {amount(s.get('budget'))}, objective "
        f"{s.get('objective_label') or obj}, "
        + (
            f"each line within +/-{float(limit) * 100:g}%"
            if fmt.is_number(limit)
            else "no per-line change limit"
        )
    )
    _print_allocation(rec, currency, is_money=obj == "value" or s.get("objective") == "value")
    _print_geo_split(rec, currency)


def _print_allocation(rec: dict, currency: str, *, is_money: bool) -> None:
    """Current vs recommended spend per line with marginal returns, then the uplift."""
    from mmm.optimize.cli import allocation_table
    from mmm.report import fmt

    amount, s = _amounts(currency), rec.get("summary", {})
    tab = allocation_table(rec)
    width = max([len("line"), *(len(x) for x in tab["line"])]) + 2
    head = ["current", "recommended", "change", "change %", "marg. before", "marg. after"]
    say(f"{'line':{width}s}" + "".join(f"{h:>14s}" for h in head) + "  binding limit")
    for r in tab.itertuples():
        pct = f"{r.change_pct:+.1f}%" if fmt.is_number(r.change_pct) else "new"
        cells = [
            amount(r.current),
            amount(r.recommended),
            amount(r.change, sign=True),
            pct,
            _ratio(r.marginal_current),
            _ratio(r.marginal_recommended),
        ]
        say(f"{r.line:{width}s}" + "".join(f"{c:>14s}" for c in cells) + f"  {r.limit}".rstrip())
    tot = [amount(tab["current"].sum()), amount(tab["recommended"].sum())]
    tot.append(amount(tab["recommended"].sum() - tab["current"].sum(), sign=True))
    say(f"{'total':{width}s}" + "".join(f"{c:>14s}" for c in tot))
    unit = f"value per extra {currency}1" if is_money else "outcome per extra 1"
    say(f"marg.: {unit} spent on the line, at the current and at the recommended plan")
    up = s.get("uplift") or {}
    if isinstance(up, dict) and "mean" in up:
        val = amount if is_money else fmt.count
        say(
            f"expected uplift vs current plan: {val(up['mean'])} "
            f"({val(up.get('lower'))} .. {val(up.get('upper'))}, "
            f"{s.get('interval', 0.9):.0%} interval)"
        )
    if fmt.is_number(s.get("prob_better")):
        say(f"probability the recommendation beats the current plan: {s['prob_better']:.0%}")
    elif "prob_better" in s:
        say("the recommendation is the current plan: no chance to beat it is defined")
    if fmt.is_number(s.get("budget_shadow_price")):
        say(
            f"each extra {currency}1 of budget would add about "
            f"{_ratio(s['budget_shadow_price'])} of value"
        )


def _print_geo_split(rec: dict, currency: str) -> None:
    """Current and recommended spend per geo (plans of several geos only)."""
    amount = _amounts(currency)
    geos: dict[str, list[float]] = {}
    for a in rec.get("allocation", []):
        pair = geos.setdefault(str(a.get("geo")), [0.0, 0.0])
        pair[0] += a.get("current") or 0.0
        pair[1] += a.get("recommended") or 0.0
    if len(geos) > 1:
        say(f"{'geo':22s} {'current':>14s} {'recommended':>14s}")
        for g, (c, r) in geos.items():
            say(f"{g[:22]:22s} {amount(c):>14s} {amount(r):>14s}")


# ------------------------------------------------------------------ scenarios
def print_scenarios(result: dict, currency: str = "€") -> None:
    """The stored comparison as two tables: outcomes per plan, spend per line and plan."""
    from mmm.report import fmt

    st = result.get("settings") or {}
    pct = f"{float(st.get('interval', 0.9)):.0%}"
    say("")
    say(
        f"scenarios {st.get('name', '')!r}: {st.get('plan_start', '?')} to "
        f"{st.get('plan_end', '?')} ({st.get('horizon', '?')} "
        f"{fmt.plan_period_word(st.get('plan_start'), st.get('plan_end'), st.get('horizon'))}), "
        "objective "
        f"{st.get('objective_label') or st.get('objective')}, {pct} intervals"
    )
    _print_scenario_outcomes(result, currency)
    _print_scenario_spend(result, currency)
    for lo in st.get("left_out") or ():
        say(f"left out: recommendation {lo['plan']!r} ({lo['why']}); compare it with --horizon")


def _scenario_number(currency: str, kinds: dict):
    """Formatter of outcome ``o``'s amounts: money for value and revenue, else a count."""
    from mmm.report import fmt

    def num(x, o):
        if o == "value" or kinds.get(o) == "revenue":
            return fmt.money(x, currency)
        return fmt.count(x)

    return num


def _print_scenario_outcomes(result: dict, currency: str) -> None:
    """Spend, expected outcomes with intervals and chance to beat the current plan."""
    from mmm.report import fmt

    st = result.get("settings") or {}
    num = _scenario_number(currency, st.get("outcome_kinds") or {})
    plans = result.get("plans") or []
    metrics = [m for m in (plans[0]["outcomes"] if plans else {}) if m != "value"] + ["value"]
    head = ["plan", "spend", *[fmt.pretty(m) for m in metrics], "beats current"]
    body = []
    for p in plans:
        cells = [p["plan"], fmt.money(p["spend"], currency)]
        for m in metrics:
            o = p["outcomes"][m]
            cells.append(f"{num(o['mean'], m)} ({num(o['lower'], m)} .. {num(o['upper'], m)})")
        pb = p.get("prob_better")
        cells.append(fmt.prob(pb) if fmt.is_number(pb) else "—")
        body.append(cells)
    widths = [max(len(r[k]) for r in [head, *body]) for k in range(len(head))]

    def row(cells):
        return f"{cells[0]:{widths[0]}s}" + "".join(
            f"  {c:>{w}s}" for c, w in zip(cells[1:], widths[1:], strict=True)
        )

    say(row(head))
    for cells in body:
        say(row(cells))
    say(
        "beats current: share of posterior draws where the plan's value is higher than the "
        "current plan's ('—': the same draws, no chance to tell)"
    )


def _print_scenario_spend(result: dict, currency: str) -> None:
    """Spend per line (rows) and plan (columns)."""
    from mmm.names import display_name
    from mmm.report import fmt

    names = [p["plan"] for p in result.get("plans") or []]
    lines = result.get("lines") or []
    lw = max([len("line"), *(len(display_name(r["channel"], r["audience"])) for r in lines)]) + 2
    say("")
    say(f"{'line':{lw}s}" + "".join(f"{n[:14]:>15s}" for n in names))
    for r in lines:
        say(
            f"{display_name(r['channel'], r['audience']):{lw}s}"
            + "".join(f"{fmt.money(r['spend'].get(n), currency):>15s}" for n in names)
        )


# ------------------------------------------------------------------- backtest
def print_backtest(res: dict) -> None:
    """One row per fold and outcome: scores of the forecast and of a flat forecast."""
    say(
        f"{'fold':>4}  {'outcome':<16} {'trained to':<11} {'predicted':<23} {'MAPE':>6} "
        f"{'flat':>6} {'R2':>6} {'in range':>8}"
    )

    def num(x, spec: str, width: int) -> str:  # undefined scores (e.g. MAPE of zeros) are null
        return f"{x:>{width}{spec}}" if isinstance(x, (int, float)) else f"{'-':>{width}}"

    for r in res["folds"]:
        say(
            f"{r['fold']:>4}  {r['outcome']:<16} {r['train_end']:<11} "
            f"{r['test_start'] + '..' + r['test_end']:<23} {num(r['mape'], '.1%', 6)} "
            f"{num(r['naive_mape'], '.1%', 6)} {num(r['r2'], '.2f', 6)} "
            f"{num(r['coverage'], '.0%', 8)}"
        )
    say(
        f"MAPE: mean absolute percentage error of the model's forecast; flat: the same for a "
        f"forecast at the training average; in range: share of periods inside the "
        f"{res['folds'][0]['interval']:.0%} interval."
    )
    if res["experiments_left_out"]:
        say(
            f"{res['experiments_left_out']} lift test(s) read out after a training window were "
            "left out of that window's refit."
        )
