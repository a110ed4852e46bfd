"""Over time: posterior-predictive fit, decomposition waterfall, media per channel."""

from __future__ import annotations

from mmm.analysis.validation import predictive_checks, predictive_table
from mmm.report import charts

MAX_DRAWS = 200


def weekly_section(ctx: dict, *, fit) -> tuple[list, dict]:
    """Fit, decomposition and media over time: the charts, and per outcome the fit's
    quality (:func:`mmm.analysis.validation.predictive_checks`: R², MAPE, coverage)."""
    table = predictive_table(fit, prob=ctx["prob"], max_draws=MAX_DRAWS, seed=0)
    checks = predictive_checks(table)
    quality = {r["outcome"]: r for r in checks.to_dict("records")}
    out = charts.predictive_charts(ctx, fit=fit, table=table, quality=quality)
    out.extend(charts.waterfall_charts(ctx, fit=fit))
    out.extend(charts.media_over_time_charts(ctx, fit=fit))
    return out, quality
