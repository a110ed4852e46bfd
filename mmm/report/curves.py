"""Response curves for the report, computed by :mod:`mmm.analysis.curves`.

The curves (:func:`mmm.analysis.curves.response_curves`, each line's spend scaled from 0
to 2.5 times today's) and the points marked on them
(:func:`~mmm.analysis.curves.curve_points`) come from the analysis package, their chart
from :func:`mmm.plotting.plot_response_curves`; the report only reshapes the points for
its tables. A failure is the section's
(an error in tests, a notice in the report), never a curve the report draws itself.
"""

from __future__ import annotations

import numpy as np

MULTIPLIERS = np.round(np.linspace(0.0, 2.5, 26), 10)
MAX_DRAWS = 300
NOTE = (
    "Each curve scales that line's spend in every period (keeping its timing) and shows the "
    "total effect over the fitted period."
)
NOTE_POINTS = (
    " The open diamond marks the point of diminishing returns: beyond it, each extra euro "
    "brings back less than half of what the first euros did."
)


def _points(table) -> dict:
    """(outcome, channel, audience) -> quantity -> {median, lower, upper} of a
    :func:`~mmm.analysis.curves.curve_points` table."""
    out: dict = {}
    for r in table.itertuples():
        key = (str(r.outcome), str(r.channel), str(r.audience))
        out.setdefault(key, {})[str(r.quantity)] = {
            "median": r.median,
            "lower": r.lower,
            "upper": r.upper,
        }
    return out


def response_curves(fit, *, prob: float, revenue_outcomes=()):
    """Curves, marked points and a note saying how they were made.

    Returns
    -------
    (xarray.Dataset, DataFrame, dict, str)
        The curves (:func:`mmm.analysis.curves.response_curves` at :data:`MULTIPLIERS`);
        their points (:func:`mmm.analysis.curves.curve_points`: ``diminishing_spend``,
        ``marginal_at_current``, ...) as a table and as (outcome, channel, audience) ->
        quantity -> {median, lower, upper}; a note for the reader.
    """
    from mmm.analysis.curves import curve_points
    from mmm.analysis.curves import response_curves as curves_of

    curves = curves_of(fit, multipliers=MULTIPLIERS, max_draws=MAX_DRAWS)
    table = curve_points(curves, prob=prob, revenue_outcomes=tuple(revenue_outcomes))
    points = _points(table)
    return curves, table, points, NOTE + (NOTE_POINTS if points else "")
