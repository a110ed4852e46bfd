r"""The lift-test likelihood: the model's own incremental effect for each experiment.

For experiment :math:`e` on the cells :math:`C_e` (its channel's series, restricted to its
audience and geo), outcome :math:`k_e` and window :math:`W_e` (dates from ``start`` to
``end``), the spend of the tested cells is reduced in the window by the fraction

.. math::

    r_e = \frac{\mathrm{spend\_change}_e}{\sum_{t \in W_e, (g,s) \in C_e} x_{t,g,s}}

of the data's spend there (proportionally in every date and cell), giving the
counterfactual spend :math:`\tilde x = x\,(1 - r_e\,1[t \in W_e, (g,s) \in C_e])`.
The model's incremental outcome is its media contribution with the data's spend minus
that with the counterfactual spend, summed over the reading :math:`R_e` (``start`` to
``readout_end``; by default the test window itself):

.. math::

    \mathrm{lift}^{\mathrm{model}}_e = \sum_{t \in R_e} \sum_{(g,s) \in C_e}
        \beta_{k_e,g,s}\,\mathrm{scale}_{g,k_e}
        \Big[\mathrm{sat}_c\big(\textstyle\sum_l w_{c,l}\,x_{t-l,g,s}\big)
           - \mathrm{sat}_c\big(\textstyle\sum_l w_{c,l}\,\tilde x_{t-l,g,s}\big)\Big]

with the model's own carry-over weights :math:`w`, saturation and effects :math:`\beta`
(outcome units through ``scale``). Carry-over *from* before the window is the same in
both terms and cancels; carry-over *after* the reading is not counted, as the test does
not observe it (a reading with a cool-down, ``readout_end`` after ``end``, counts it). Each experiment adds

.. math::

    \mathrm{lift}_e \sim \mathrm{Normal}(\mathrm{lift}^{\mathrm{model}}_e,\ \mathrm{se}_e)

to the likelihood. The change runs through the saturation curve, so a test at low spend
informs the whole curve. All experiment arrays are model data (``pm.Data``) with dims
``(experiment, window, geo, series, lag)``; the graph is vectorised over experiments.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mmm.calibration.experiments import cell_mask
from mmm.transforms.model_data import model_data


@dataclass(frozen=True)
class LiftInputs:
    """The arrays the lift term is built from.

    Attributes
    ----------
    names : list of str
        Experiment names (coordinate ``experiment``).
    x_lag : ndarray, dims (experiment, window, geo, series, lag)
        Lag-stacked scaled spend at the reading's dates, ``start`` to ``readout_end``
        (zero-padded).
    x_lag_cf : ndarray, same dims
        The same with the counterfactual spend.
    mask : ndarray, dims (experiment, window)
        1 for a date of the reading, 0 for padding.
    outcome_onehot : ndarray, dims (experiment, outcome)
    measured, se : ndarray, dims (experiment,)
        Measured lift and its standard error (outcome units).
    fraction : ndarray, dims (experiment,)
        Share ``r_e`` of the data's window spend on the tested cells that the test changed.
    active : float
        1 adds the likelihood term; 0 keeps only ``lift_model`` (the uncalibrated model,
        same compiled structure, so a fit before and after calibration compiles once).
    """

    names: list
    x_lag: np.ndarray
    x_lag_cf: np.ndarray
    mask: np.ndarray
    outcome_onehot: np.ndarray
    measured: np.ndarray
    se: np.ndarray
    fraction: np.ndarray
    active: float = 1.0

    def structure(self) -> dict:
        """Shapes that fix the compiled model (everything else is swappable data)."""
        return {"lift_x": list(self.x_lag.shape)}


def prepare_lift(
    experiments: pd.DataFrame, dataset, spec, design, *, active: bool = True
) -> LiftInputs:
    """Build :class:`LiftInputs` for ``experiments`` on ``dataset``.

    Parameters
    ----------
    experiments : pandas.DataFrame
        Output of :func:`~mmm.calibration.experiments.load_experiments`, checked with
        :func:`~mmm.calibration.experiments.check_experiments`.
    dataset : Dataset
    spec : ModelSpec
    design : Design
        Scaling constants of the fit (spend is divided by ``design.spend_scale``).
    active : bool
        Whether the experiments enter the likelihood (``spec.likelihood.use_experiments``).
    """
    from mmm.calibration.experiments import window_spend
    from mmm.transforms import lag_stack

    x = np.asarray(dataset.spend.values, dtype=float) / design.spend_scale  # (T, G, S)
    L = max(st.l_max for _, st in spec.media.stages)
    data_spend = window_spend(experiments, dataset)
    frac = experiments["spend_change"].to_numpy(float) / data_spend
    rows = list(experiments.itertuples(index=False))
    wins = [cell_mask(r, dataset) for r in rows]
    dates = pd.DatetimeIndex(dataset.dates)
    reads = [np.asarray((dates >= r.start) & (dates <= r.readout_end)) for r in rows]
    W = max(int(rd.sum()) for rd in reads)
    E = len(experiments)
    T, G, S = x.shape
    x_lag = np.zeros((E, W, G, S, L))
    x_cf = np.zeros((E, W, G, S, L))
    mask = np.zeros((E, W))
    full = lag_stack(x, L)  # (T, G, S, L)
    for e, (t, g, s) in enumerate(wins):
        idx = np.flatnonzero(reads[e])
        cells = g[:, None] & s[None, :]
        reduce = 1.0 - frac[e] * (t[:, None, None] & cells[None])
        cf = lag_stack(x * reduce, L)
        x_lag[e, : len(idx)] = full[idx]
        x_cf[e, : len(idx)] = cf[idx]
        mask[e, : len(idx)] = 1.0
    outs = list(spec.outcome_names)
    onehot = np.zeros((E, len(outs)))
    onehot[np.arange(E), [outs.index(o) for o in experiments["outcome"]]] = 1.0
    return LiftInputs(
        names=[str(n) for n in experiments["name"]],
        x_lag=x_lag,
        x_lag_cf=x_cf,
        mask=mask,
        outcome_onehot=onehot,
        measured=experiments["lift"].to_numpy(float),
        se=experiments["lift_se"].to_numpy(float),
        fraction=frac,
        active=1.0 if active else 0.0,
    )


def lift_response(x_lag, x_lag_cf, mask, onehot, weights_s, sat, sat_params_s, beta_raw, *, xp):
    """Model lift per experiment (outcome units), dims (experiment,).

    Parameters
    ----------
    x_lag, x_lag_cf : array, dims (experiment, window, geo, series, lag)
    mask : array, dims (experiment, window)
    onehot : array, dims (experiment, outcome)
    weights_s : array, dims (series, lag)
        Carry-over weights of each series' channel.
    sat : Saturation
    sat_params_s : dict of str -> array, dims (series,)
    beta_raw : array, dims (outcome, geo, series)
        Effect at full saturation in outcome units (``beta * outcome_scale``).
    xp : module
        ``numpy`` or ``pytensor.tensor``.
    """
    from mmm.transforms.response import media_response_lagged

    w = weights_s[None, None, None]
    df = media_response_lagged(x_lag, w, sat_params_s, sat, xp=xp) - media_response_lagged(
        x_lag_cf, w, sat_params_s, sat, xp=xp
    )
    df = (df * mask[:, :, None, None]).sum(axis=1)  # (E, G, S)
    per = xp.tensordot(onehot, beta_raw, axes=[[1], [0]])  # (E, G, S)
    return (df * per).sum(axis=(1, 2))


def add_lift_likelihood(model, spec, inputs, lift: LiftInputs) -> None:
    """Add the lift-test likelihood to ``model`` (called inside :func:`build_model`).

    Reads the model's ``adstock_weights``, ``saturation_*``, ``beta`` and
    ``outcome_scale``; adds data ``lift_*``, the deterministic ``lift_model``
    (experiment,) and the potential ``lift_loglik``: the Normal log-density of the
    measured lifts times ``lift_active`` (0 leaves the posterior uncalibrated).
    """
    import pymc as pm
    import pytensor.tensor as pt

    ci = inputs.channel_index
    onehot = np.zeros((len(ci), len(inputs.coords["channel"])))
    onehot[np.arange(len(ci)), ci] = 1.0
    to_series = pt.as_tensor_variable(onehot)
    sat = spec.saturation_transform()
    with model:
        model.add_coord("experiment", lift.names)
        model.add_coord("window", np.arange(lift.mask.shape[1]))
        dims = ("experiment", "window", "geo", "series", "lag")
        xl = model_data(pm, "lift_spend_lagged", lift.x_lag, dims=dims)
        xc = model_data(pm, "lift_spend_lagged_cf", lift.x_lag_cf, dims=dims)
        mk = model_data(pm, "lift_window", lift.mask, dims=("experiment", "window"))
        oh = model_data(pm, "lift_outcome", lift.outcome_onehot, dims=("experiment", "outcome"))
        meas = model_data(pm, "lift_measured", lift.measured, dims="experiment")
        se = model_data(pm, "lift_se", lift.se, dims="experiment")
        w_s = pt.dot(to_series, model["adstock_weights"])
        params = {p: pt.dot(to_series, model[f"saturation_{p}"]) for p in sat.param_names}
        beta_raw = model["beta"] * model["outcome_scale"].T[:, :, None]
        mu = lift_response(xl, xc, mk, oh, w_s, sat, params, beta_raw, xp=pt)
        mu = pm.Deterministic("lift_model", mu, dims="experiment")
        active = model_data(pm, "lift_active", lift.active)
        loglik = pm.logp(pm.Normal.dist(mu=mu, sigma=se), meas).sum()
        pm.Potential("lift_loglik", active * loglik)
