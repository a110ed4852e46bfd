"""Assemble the planner report of a run folder and render it to one self-contained HTML file."""

from __future__ import annotations

import datetime as _dt
import os
from functools import partial
from pathlib import Path

from mmm.names import display_name
from mmm.plan_results import StoredRecommendation
from mmm.report import charts, fmt, interactive, numbers
from mmm.report.budget import budget_context
from mmm.report.calibration import calibration_context
from mmm.report.crosscheck import backtest_context, crosscheck_context
from mmm.report.geo import geo_context
from mmm.report.health import assess
from mmm.report.run import RunFolder
from mmm.report.section_funnel import carryover_section, funnel_charts
from mmm.report.section_headline import geo_headline, headline_section
from mmm.report.section_lines import curves_section, headroom_section, marginal_rows
from mmm.report.section_over_time import weekly_section
from mmm.report.section_stores import near_store_section, online_store_section
from mmm.run_summary import RunSummary

TEMPLATE = "report.html.j2"


def _env():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pretty"] = fmt.pretty
    env.filters["pct"] = fmt.pct
    env.filters["ratio"] = fmt.ratio
    env.filters["count"] = fmt.count
    env.filters["prob"] = fmt.prob
    return env


#: Set to 1 to make a failing section fail the whole report build (the tests set it).
STRICT_ENV = "MMM_REPORT_STRICT"


def _strict_default() -> bool:
    return os.environ.get(STRICT_ENV, "").strip().lower() in ("1", "true", "yes", "on")


class Sections:
    """Run the builders of the report's optional sections and record the ones that fail.

    A section whose data are legitimately absent returns ``None`` (or an empty value) and the
    template says so. A builder that raises fails the build when ``strict``; otherwise the
    report shows a notice naming the section and the error, never a silently missing section.
    """

    def __init__(self, strict: bool):
        self.strict = strict
        self.failed: dict[str, str] = {}

    def build(self, key: str, title: str, fn, *args, **kwargs):
        """``fn(*args, **kwargs)``; on an exception: re-raise when strict, else note it."""
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            if self.strict:
                raise
            self.failed[key] = f"{title}: {type(exc).__name__}: {exc}"
            return None


def _value_fmt(kind: str, currency: str):
    return partial(fmt.money, currency=currency) if kind == "revenue" else fmt.count


def _label(c: str, a: str) -> str:
    return display_name(c, a)


def _stage_channels(rows: list[dict]) -> dict[str, list[str]]:
    """Channels of each funnel stage, as the fit classifies them (display names)."""
    out: dict[str, list[str]] = {}
    for r in rows:
        out.setdefault(r["stage"], [])
        name = display_name(r["channel"], r["audience"])
        if name not in out[r["stage"]]:
            out[r["stage"]].append(name)
    return out


# ---------------------------------------------------------------------- section builders


def budget_section(ctx: dict, rec: StoredRecommendation | None, *, freq) -> dict | None:
    """The budget recommendation in sentences and tables, with its chart."""
    budget = budget_context(rec, currency=ctx["currency"], kinds=ctx["kinds"], freq=freq)
    if budget and budget.get("rows"):
        budget["chart"] = charts.budget_chart(ctx, budget["rows"])
    return budget


def scenarios_section(ctx: dict, *, run_dir, kinds) -> list[dict] | None:
    """The plan comparisons stored by ``mmm scenarios`` (``RUN/scenarios/*.json``), as tables."""
    from mmm.optimize.scenarios import read_scenarios
    from mmm.report.scenarios import scenarios_context

    return scenarios_context(
        read_scenarios(run_dir), currency=ctx["currency"], kinds=kinds, freq=ctx["freq"]
    )


# ---------------------------------------------------------------------- the whole context


def build_context(
    run: RunFolder,
    *,
    value_per_visit: float | None = None,
    currency: str = "€",
    strict: bool | None = None,
) -> dict:
    """Everything the template shows, as plain values (numbers already in words).

    Parameters
    ----------
    run : RunFolder
        The run folder.
    value_per_visit : float, optional
        Value of one store visit; default ``[optimizer].value_per_visit`` of the config, else
        the value the shown recommendation was made with.
    currency : str
        Currency symbol.
    strict : bool, optional
        Raise when a section's builder fails instead of showing a notice in the report;
        default: the ``MMM_REPORT_STRICT`` environment variable.
    """
    sections = Sections(_strict_default() if strict is None else strict)
    fit, summary, rec = run.fit, run.summary, run.recommendation
    kinds = numbers.outcome_kinds(fit)
    stages = numbers.series_stage(fit)
    prob = summary.interval
    value_per_visit, vpv_source = _value_per_visit(run, rec, kinds, value_per_visit)
    data = numbers.data_summary(fit)
    ctx = _base_context(currency, kinds, prob, data.get("freq"))
    totals = {t.outcome: t for t in summary.media_totals or ()}
    draws = numbers.return_draws(fit)
    rows = _return_rows(fit, summary, stages, kinds, draws, value_per_visit, prob)
    health = assess(run.diagnostics)

    headline = headline_section(ctx, fit=fit, summary=summary, data=data, totals=totals, rows=rows)
    budget = sections.build(
        "budget", "Budget recommendation", budget_section, ctx, rec, freq=data.get("freq")
    )
    ctx["budget_value_fmt"] = budget["value_fmt"] if budget else ctx["money"]
    lines = _chart_sections(sections, ctx, rec, fit=fit, summary=summary, rows=rows, data=data)
    stores = _store_and_geo_sections(
        sections, ctx, run, fit=fit, summary=summary, rows=rows, value_per_visit=value_per_visit
    )
    more = (geo_headline(ctx, stores["geo"]), (budget or {}).get("sentence"))
    headline += [line for line in more if line] + [health.headline]
    checks = _check_sections(sections, ctx, run, fit=fit, summary=summary)
    return {
        **{k: v for k, v in ctx.items() if k != "budget_value_fmt"},
        **_run_fields(run, data),
        **_page_fields(),
        "prob_pct": fmt.pct(prob),
        "headline": headline,
        "outcomes": list(fit.spec.outcome_names),
        "rows": rows,
        "totals": totals,
        "funnel": summary.funnel,
        "stage_channels": _stage_channels(rows),
        "mediator": fit.spec.mediator,
        "value_per_visit": value_per_visit,
        "value_per_visit_source": vpv_source,
        **lines,
        **stores,
        **checks,
        "budget": budget,
        "health": health,
        "failed": sections.failed,
        "data": data,
        "spec": fit.spec,
        "value_fmt": {o: _value_fmt(k, currency) for o, k in kinds.items()},
    }


def _value_per_visit(
    run: RunFolder, rec: StoredRecommendation | None, kinds: dict, value_per_visit: float | None
) -> tuple[float | None, str | None]:
    """The value of one store visit and where it came from: the option, the config's
    ``[optimizer].value_per_visit`` or the shown recommendation (None when none says)."""
    if value_per_visit is not None:
        return value_per_visit, "option"
    v = run.config.get("optimizer", {}).get("value_per_visit")
    if fmt.is_number(v) and float(v) > 0:
        return float(v), "config"
    value_per_visit = rec.value_per_visit(kinds) if rec is not None else None
    return value_per_visit, "recommendation" if value_per_visit else None


def _base_context(currency: str, kinds: dict, prob: float, freq) -> dict:
    """What every section reads: currency and its formatter, outcome kinds, interval level,
    the data's period words."""
    return {
        "currency": currency,
        "money": partial(fmt.money, currency=currency),
        "kinds": kinds,
        "prob": prob,
        "revenue": [o for o, k in kinds.items() if k == "revenue"],
        "counts": [o for o, k in kinds.items() if k == "count"],
        "period": fmt.period_word(freq, 1),
        "periods": fmt.period_word(freq),
        "freq": freq,
    }


def _return_rows(
    fit, summary: RunSummary, stages, kinds: dict, draws, value_per_visit: float | None, prob: float
) -> list[dict]:
    """One row per channel and audience with its returns (and combined value when a visit
    has a value), best return on the first money outcome first."""
    rows = numbers.roas_rows(summary, stages)
    combined = (
        numbers.combined_value(fit, draws, value_per_visit, prob=prob) if value_per_visit else None
    )
    for r in rows:
        r["label"] = _label(r["channel"], r["audience"])
        r["combined"] = combined.get((r["channel"], r["audience"])) if combined else None
    revenue = [o for o, k in kinds.items() if k == "revenue"]
    first = revenue[0] if revenue else None
    rows.sort(key=lambda r: -(numbers.outcome_value(r, first, "median") or 0.0) if first else 0)
    return rows


def _chart_sections(
    sections: Sections,
    ctx: dict,
    rec: StoredRecommendation | None,
    *,
    fit,
    summary,
    rows,
    data,
) -> dict:
    """The charts (returns, funnel, over time, curves, carry-over) and the per-line sections
    that go with them (return on the next euro, headroom, carry-over), with the fit's
    in-sample quality."""
    current = {(s["channel"], s["audience"]): s["spend"] for s in data["series"]}
    figs: dict[str, list] = {"roas": [], "funnel": [], "weekly": [], "curves": [], "carry": []}
    figs["roas"] = (
        sections.build(
            "roas", "Return per channel chart", charts.roas_charts, ctx, fit=fit, rows=rows
        )
        or []
    )
    figs["funnel"] = (
        sections.build(
            "funnel", "Awareness vs conversion charts", funnel_charts, ctx, fit=fit, summary=summary
        )
        or []
    )
    weekly = sections.build("over-time", "Over time", weekly_section, ctx, fit=fit)
    figs["weekly"], quality = weekly if weekly else ([], None)
    curves = sections.build("curves", "Response curves", curves_section, ctx, fit=fit)
    figs["curves"] = curves["charts"] if curves else []
    marginal = (
        sections.build(
            "marginal",
            "Return on the next euro",
            marginal_rows,
            ctx,
            fit=fit,
            rows=rows,
            points=curves["points"],
            current=current,
        )
        if curves
        else None
    ) or []
    headroom = sections.build(
        "headroom", "Headroom at the plan's spend", headroom_section, ctx, rec
    )
    carry = sections.build("carryover", "Carry-over", carryover_section, ctx, fit=fit) or []
    figs["carry"] = (
        sections.build("carryover-chart", "Carry-over chart", charts.carryover_charts, ctx, fit=fit)
        or []
    )
    outcomes = fit.spec.outcome_names
    return {
        "charts": figs,
        "curves_note": curves["note"] if curves else "",
        "marginal": marginal,
        "headroom": headroom,
        "carry": carry,
        "quality": quality or {o: {"r2": None, "mape": None} for o in outcomes},
    }


def _store_and_geo_sections(
    sections: Sections, ctx: dict, run: RunFolder, *, fit, summary, rows, value_per_visit
) -> dict:
    """Near-store against broad audiences, online against store (``o2s``, ``by_audience``),
    and the geos."""
    near = sections.build("near-store", "Near-store vs broad", near_store_section, ctx, fit=fit)
    o2s = online_store_section(
        ctx, fit=fit, summary=summary, rows=rows, value_per_visit=value_per_visit
    )
    geo = sections.build(
        "geos",
        "By geo",
        geo_context,
        run,
        kinds=ctx["kinds"],
        prob=ctx["prob"],
        currency=ctx["currency"],
    )
    return {"near": near, "o2s": o2s["o2s"], "by_audience": o2s["by_audience"], "geo": geo}


def _check_sections(sections: Sections, ctx: dict, run: RunFolder, *, fit, summary) -> dict:
    """The sections that check the fit: calibration against lift tests, the cross-check
    with a frequentist baseline, the out-of-sample backtest, and the stored scenarios."""
    kinds = ctx["kinds"]
    return {
        "calibration": sections.build(
            "calibration",
            "Calibration",
            calibration_context,
            summary,
            money=ctx["money"],
            kinds=kinds,
        ),
        "crosscheck": sections.build(
            "crosscheck",
            "Cross-check",
            crosscheck_context,
            fit,
            summary,
            kinds=kinds,
            currency=ctx["currency"],
        ),
        "backtest": sections.build(
            "backtest", "Out-of-sample check", backtest_context, run.backtest
        ),
        "scenarios": sections.build(
            "scenarios", "Scenarios", scenarios_section, ctx, run_dir=run.path, kinds=kinds
        ),
    }


def _page_fields() -> dict:
    """The page's title, the time it was made, the formatters and the charts' scripts."""
    return {
        "title": "Media mix report",
        "generated": _dt.datetime.now().strftime("%d %b %Y %H:%M"),
        "fmt": fmt,
        "has_interactive": True,
        "vega_js": interactive.javascript(),
    }


def _run_fields(run: RunFolder, data: dict) -> dict:
    """The run folder's name and path, the file and name of the shown recommendation, the
    sampler's settings and diagnostics, the manifest, and the warnings of folder and data."""
    rec_path = run.recommendation_path
    return {
        "diag": run.diagnostics or {},
        "sampler": run.fit_meta.get("sampler", {}),
        "manifest": run.manifest,
        "warnings": list(run.warnings) + data["warnings"],
        "run_name": run.path.resolve().name,
        "run_path": str(run.path.resolve()),
        "recommendation_file": (
            str(rec_path.resolve().relative_to(run.path.resolve())) if rec_path else None
        ),
        "recommendation_name": run.recommendation_name
        or (rec_path.parent.name if rec_path and rec_path.parent.name != run.path.name else None),
    }


def render(context: dict, template: str = TEMPLATE) -> str:
    """Render ``context`` with the packaged template."""
    return _env().get_template(template).render(**context)


def build_report(
    run_dir,
    *,
    out=None,
    value_per_visit: float | None = None,
    currency: str = "€",
    recommendation: str | None = None,
    strict: bool | None = None,
) -> Path:
    """Write the planner report of a run folder as one self-contained HTML file.

    Parameters
    ----------
    run_dir : path
        A run folder written by :func:`mmm.runs.write_run` (``mmm fit``).
    out : path, optional
        Where to write; defaults to ``RUN_DIR/report.html``.
    value_per_visit : float, optional
        Currency value of one store visit, to rank channels on both outcomes at once;
        defaults to ``[optimizer].value_per_visit`` of the run's config when positive.
    currency : str
        Currency symbol used in the text.
    recommendation : str, optional
        Name of the stored recommendation to show (``RUN_DIR/recommendations/NAME``);
        default ``recommended`` when stored, else the newest.
    strict : bool, optional
        Fail when a section cannot be built instead of showing a notice; default the
        ``MMM_REPORT_STRICT`` environment variable.

    Returns
    -------
    Path
        The written file.
    """
    run = RunFolder.open(run_dir, recommendation=recommendation)
    ctx = build_context(run, value_per_visit=value_per_visit, currency=currency, strict=strict)
    html = render(ctx)
    path = Path(out) if out is not None else run.report_file("html")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
