"""Experiments beside the model: lift and ROAS before and after calibration, disagreement flags."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mmm.analysis.engine import draw_index
from mmm.calibration.lift import lift_response, prepare_lift
from mmm.model.build import prepare_inputs

#: |model - experiment| above this many combined standard errors flags a disagreement.
DISAGREE_Z = 2.0


def channel_roas(fit, outcome: str, channel: str, audience=None, geo=None) -> np.ndarray:
    """Direct return per currency unit of a channel's cells, per posterior draw.

    Spend-weighted over the channel's series (restricted to ``audience``) and geos
    (restricted to ``geo``): total direct contribution over the data divided by spend.

    Returns
    -------
    ndarray, dims (sample,)
        Currency per currency (revenue) or units per currency (counts).
    """
    ds = fit.dataset
    roas = fit.draws("roas_direct").sel(outcome=outcome)  # (sample, geo, series)
    spend = ds.spend.sum("date")  # (geo, series)
    ch = np.asarray([str(c) for c in ds.spend.coords["channel"].values])
    au = np.asarray([str(a) for a in ds.spend.coords["audience"].values])
    s_sel = ch == channel
    if audience is not None:
        s_sel &= au == audience
    geos = np.asarray([str(g) for g in ds.geos])
    g_sel = np.ones(len(geos), bool) if geo is None else geos == geo
    sp = np.asarray(spend.values, float)[np.ix_(g_sel, s_sel)]
    r = np.asarray(roas.values, float)[:, g_sel][:, :, s_sel]
    return (r * sp[None]).sum(axis=(1, 2)) / max(sp.sum(), 1e-12)


def _interval(d: np.ndarray, prob: float) -> tuple[float, float, float, float]:
    lo, hi = np.quantile(d, [(1 - prob) / 2, (1 + prob) / 2])
    return float(np.median(d)), float(lo), float(hi), float(np.std(d))


def calibration_table(
    after=None,
    *,
    before=None,
    experiments=None,
    prob: float = 0.9,
    max_draws: int | None = 1000,
) -> pd.DataFrame:
    """Each experiment beside the model's estimate before and after calibration.

    Parameters
    ----------
    after : FitResult, optional
        The fit calibrated with the experiments (its ``experiments`` are used unless
        ``experiments`` is given); its columns are NaN when omitted.
    before : FitResult, optional
        The same model fitted without the experiments; its columns are NaN when omitted.
    experiments : pandas.DataFrame, optional
        Checked experiments table.
    prob : float
        Mass of the central intervals.
    max_draws : int, optional
        Thin the posterior to at most this many draws.

    Returns
    -------
    pandas.DataFrame
        One row per experiment: ``name, channel, audience, geo, outcome, start, end, readout_end,
        spend, spend_change, lift, lift_se, lift_per_spend`` (the experiment's incremental
        return per currency of ``spend_change``), and for ``when`` in ``before``/``after``:
        ``lift_{when}`` / ``_lower`` / ``_upper`` (model lift, outcome units),
        ``roas_{when}`` / ``_lower`` / ``_upper`` (channel direct return over the data),
        ``z_{when}`` = (model mean - lift) / sqrt(lift_se^2 + model sd^2) and
        ``disagree_{when}`` (``|z| > 2``).
    """
    ex = experiments
    for f in (after, before):
        if ex is None and f is not None:
            ex = f.experiments
    if ex is None:
        raise ValueError("the fit was not calibrated with experiments; pass `experiments`.")
    rows = []
    fits = {"after": after, "before": before}
    pred = {w: predicted_lift(f, ex, max_draws=max_draws) for w, f in fits.items() if f is not None}
    for i, r in enumerate(ex.itertuples(index=False)):
        rec = {
            "name": r.name,
            "channel": r.channel,
            "audience": r.audience,
            "geo": r.geo,
            "outcome": r.outcome,
            "start": r.start,
            "end": r.end,
            "readout_end": r.readout_end,
            "spend": r.spend,
            "spend_change": r.spend_change,
            "lift": r.lift,
            "lift_se": r.lift_se,
            "lift_per_spend": r.lift / r.spend_change,
        }
        for when in ("before", "after"):
            f = fits[when]
            if f is None:
                for k in ("lift", "roas"):
                    for sfx in ("", "_lower", "_upper"):
                        rec[f"{k}_{when}{sfx}"] = np.nan
                rec[f"z_{when}"] = np.nan
                rec[f"disagree_{when}"] = False
                continue
            med, lo, hi, sd = _interval(pred[when][:, i], prob)
            rec[f"lift_{when}"], rec[f"lift_{when}_lower"], rec[f"lift_{when}_upper"] = med, lo, hi
            z = (float(pred[when][:, i].mean()) - r.lift) / np.sqrt(r.lift_se**2 + sd**2)
            rec[f"z_{when}"] = float(z)
            rec[f"disagree_{when}"] = bool(abs(z) > DISAGREE_Z)
            roas = channel_roas(f, r.outcome, r.channel, r.audience, r.geo)
            m, lo, hi, _ = _interval(roas, prob)
            rec[f"roas_{when}"], rec[f"roas_{when}_lower"], rec[f"roas_{when}_upper"] = m, lo, hi
        rows.append(rec)
    return pd.DataFrame(rows)


def calibration_records(table: pd.DataFrame) -> list[dict]:
    """JSON-ready records of :func:`calibration_table` (dates as ISO text, NaN as None)."""
    out = []
    for rec in table.to_dict("records"):
        clean = {}
        for k, v in rec.items():
            if isinstance(v, pd.Timestamp):
                v = v.strftime("%Y-%m-%d")
            elif isinstance(v, bool | np.bool_):
                v = bool(v)
            elif isinstance(v, float | np.floating):
                v = None if not np.isfinite(v) else float(f"{float(v):.6g}")
            clean[k] = v
        out.append(clean)
    return out


def disagreement_warnings(records: list[dict]) -> list[str]:
    """Plain-language warnings for experiments the calibrated model disagrees with."""
    msgs = []
    for r in records:
        if r.get("disagree_after"):
            msgs.append(
                f"The model and experiment {r['name']} ({r['channel']}, {r['start']} to "
                f"{r['end']}) disagree strongly even after calibration: the experiment measured "
                f"{r['lift']:,.0f} (standard error {r['lift_se']:,.0f}), the model gives "
                f"{r['lift_after']:,.0f}. Check the test's set-up (dates, spend change, "
                "outcome) or what the model leaves out."
            )
        elif r.get("disagree_before"):
            msgs.append(
                f"Before calibration the model disagreed strongly with experiment {r['name']} "
                f"({r['channel']}): {r['lift_before']:,.0f} against {r['lift']:,.0f} measured."
            )
    return msgs


def calibration_summary(fit, *, before=None, prob: float = 0.9) -> dict | None:
    """The ``calibration`` entry of ``summary.json``; None without experiments or priors.

    With ``fit.spec.likelihood.use_experiments`` the fit is the calibrated one ("after") and
    ``before`` the uncalibrated one; otherwise the fit is shown as "before" only.
    """
    from mmm.calibration.priors import calibrated_channels

    priors = calibrated_channels(fit.spec)
    if fit.experiments is None and not priors:
        return None
    active = bool(fit.spec.likelihood.use_experiments)
    recs: list[dict] = []
    if fit.experiments is not None:
        if active:
            table = calibration_table(fit, before=before, prob=prob)
        else:
            table = calibration_table(None, before=fit, prob=prob)
        recs = calibration_records(table)
    return {
        "active": active,
        "experiments": recs,
        "priors": priors,
        "warnings": disagreement_warnings(recs),
        "disagree_z": DISAGREE_Z,
    }


def predicted_lift(fit, experiments: pd.DataFrame, *, max_draws: int | None = None) -> np.ndarray:
    """The fitted model's lift for each experiment, per posterior draw.

    Computed in NumPy from the saved fit (no live model), with the same formula as the
    likelihood term.

    Parameters
    ----------
    fit : FitResult
    experiments : pandas.DataFrame
        Checked experiments table.
    max_draws : int, optional
        Use at most this many draws (evenly thinned).

    Returns
    -------
    ndarray, dims (sample, experiment)
        Outcome units (currency or counts).
    """
    inp = prepare_inputs(fit.spec, fit.dataset)
    lift = prepare_lift(experiments, fit.dataset, fit.spec, fit.design)
    sat = fit.spec.saturation_transform()
    ci = inp.channel_index
    w = fit.draws("adstock_weights").values  # (n, channel, lag)
    beta = fit.draws("beta").values  # (n, outcome, geo, series)
    pars = {p: fit.draws(f"saturation_{p}").values for p in sat.param_names}
    sel = draw_index(fit, max_draws)
    scale = fit.design.outcome_scale.T[:, :, None]  # (outcome, geo, 1)
    out = np.empty((len(sel), len(lift.names)))
    for j, i in enumerate(sel):
        out[j] = lift_response(
            lift.x_lag,
            lift.x_lag_cf,
            lift.mask,
            lift.outcome_onehot,
            w[i][ci],
            sat,
            {p: v[i][ci] for p, v in pars.items()},
            beta[i] * scale,
            xp=np,
        )
    return out
