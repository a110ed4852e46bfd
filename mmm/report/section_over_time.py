"""Over time: posterior-predictive fit, decomposition waterfall, media per channel."""

from __future__ import annotations

from mmm.analysis.validation import fit_quality
from mmm.report import charts, numbers


def weekly_section(ctx: dict, *, fit) -> tuple[list, dict, dict]:
    """Fit, decomposition and media over time: charts, the split and the fit quality."""
    split = numbers.weekly_split(fit)
    quality = {
        o: fit_quality(split[o]["observed"], split[o]["fitted"]) for o in fit.spec.outcome_names
    }
    out = charts.predictive_charts(ctx, fit=fit)
    out.extend(charts.waterfall_charts(ctx, fit=fit))
    out.extend(charts.media_over_time_charts(ctx, fit=fit))
    return out, split, quality
