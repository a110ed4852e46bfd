"""Response curves for the report, computed by :mod:`mmm.analysis.curves`.

The curves (:func:`mmm.analysis.curves.response_curves`, each line's spend scaled from 0
to 2.5 times today's), their table (:func:`~mmm.analysis.curves.curve_table`) and the
points marked on them (:func:`~mmm.analysis.curves.curve_points`) come from the analysis
package; the report only reshapes the points for its charts. A failure is the section's
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
    " The open triangle marks the point of diminishing returns: beyond it, each extra euro "
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
    (DataFrame, dict, str)
        Tidy curve table (:func:`mmm.analysis.curves.curve_table`: outcome, channel,
        audience, spend, median, lower, upper, ...); per-curve points
        (``diminishing_spend``, ``marginal_at_current``, ...); a note for the reader.
    """
    from mmm.analysis.curves import curve_points, curve_table
    from mmm.analysis.curves import response_curves as curves_of

    curves = curves_of(fit, multipliers=MULTIPLIERS, max_draws=MAX_DRAWS)
    points = _points(curve_points(curves, prob=prob, revenue_outcomes=tuple(revenue_outcomes)))
    return curve_table(curves, prob=prob), points, NOTE + (NOTE_POINTS if points else "")
