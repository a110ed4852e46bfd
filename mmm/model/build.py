"""Build the omnichannel PyMC model from a spec and a dataset.

The model, for outcome ``k`` in geo ``g`` at date ``t`` (all in the scaled space of
:mod:`mmm.model.design`)::

    y[t,g,k] = intercept[g,k] + trend[t,g,k] + season[t,k] + controls[t,g,k]
               + sum_s beta[k,g,s] * f[t,g,s]                (direct media)
               + delta[k] * m[t,g]                           (mediator, if declared)
               + noise

    m[t,g]   = baseline_m[t,g] + sum_{s awareness} gamma[g,s] * f[t,g,s] + noise_m

``f`` is the adstocked, saturated spend (:mod:`mmm.transforms.response`); carry-over and
saturation shapes belong to the channel and are shared by its audiences and outcomes.

Effects are parameterised by their return per currency unit (ROAS for revenue, units per
currency for counts), as in business priors::

    beta[k,g,s] = roas[k,g,s] * spend[g,s] / (outcome_scale[g,k] * sum_t f[t,g,s])

so ``roas`` is exactly the direct contribution over the fitted period divided by spend.
``log roas`` is partially pooled across the audiences of a channel (and across geos), and
an audience bought in several channels (near-store, retargeting) has an effect shared by
them (:func:`shared_audience_design`).
Controls, the mediator and the media terms enter centred on their means over dates; the
sampled level is the baseline at average conditions and the reported ``intercept`` is the
level at zero controls, mediator and media, so the equation above holds as written.
The mediated effect of an awareness series on outcome ``k`` is
``delta[k] * gamma[g,s] * f[t,g,s]`` (in scaled units).

Geo data (see :mod:`mmm.model.geo` for the equations): with more than one geo the
per-geo return is::

    roas[k,g,s] = exp(log_roas[k,s] + geo_sd[k] * z[k,g,s]) * access[k,g,s]

where ``access`` carries the shop context of store outcomes (near-store audiences act
only where there are shops; broad audiences' store returns scale with
``exp(eta[k] * log(1 + shops))``), and geo intercepts are pooled around the geo's share
of population (and shops, for store outcomes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mmm.errors import SpecError
from mmm.model.design import Design, make_design
from mmm.model.geo import GeoContext, access_weights, geo_context
from mmm.names import AWARENESS, STAGES
from mmm.transforms.model_data import model_data

#: Prior sd of a shared audience effect on the log return (a factor of e^1 = 2.7 at 2 sd).
SHARED_AUDIENCE_SD = 0.5
#: Prior sd of a series' own deviation (beyond the shared audience effects) on the log
#: return, per residual contrast, when shared audience effects are estimated.
AUDIENCE_RESIDUAL_SD = 0.3
#: Prior sd of an awareness series' deviation from the common log return per euro on the
#: mediator, per contrast: the marginal sd the former HalfNormal(0.5) spread implied.
MEDIATOR_DEV_SD = 0.5
#: Prior scale of the learnt spread of the audiences' log returns within a channel
#: (``log_roas_audience_sd ~ HalfNormal(AUDIENCE_SD_PRIOR)``), without shared effects.
AUDIENCE_SD_PRIOR = 0.3


@dataclass(frozen=True)
class ModelInputs:
    """The arrays the model is built from (NumPy), with their coordinates."""

    design: Design
    coords: dict
    x: np.ndarray  # (date, geo, series) scaled spend
    y: np.ndarray  # (date, geo, outcome) scaled outcomes
    y_raw: np.ndarray  # (date, geo, outcome) original units
    m: np.ndarray | None  # (date, geo) scaled mediator
    z: np.ndarray  # (date, geo, control) scaled controls
    fourier: np.ndarray  # (date, fourier)
    t: np.ndarray  # (date,)
    trend_basis: np.ndarray  # (date, changepoint)
    spend_total: np.ndarray  # (geo, series) currency
    channel_index: np.ndarray  # (series,) -> channel
    channel_stage: np.ndarray  # (channel,) stage names
    awareness_series: np.ndarray  # indices of awareness series
    shared_audience: np.ndarray  # (series, shared_audience) centred indicators
    log_prior_roas: np.ndarray  # (outcome, channel)
    log_prior_mediator: float
    geo: GeoContext
    log_prior_roas_sigma: np.ndarray | None = None  # (outcome, channel); None = spec's sigma


def _default_log_roas(spec, dataset, channels: list[str], y_raw, spend) -> np.ndarray:
    """Prior median of the log return (outcome, channel): the catalogue's ``roas_prior`` for
    money outcomes where given, else the media share prior of the outcome per unit of all
    spend."""
    outcomes = list(spec.outcome_names)
    total_spend = max(spend.sum(), 1e-12)
    log_prior = np.zeros((len(outcomes), len(channels)))
    for k, o in enumerate(outcomes):
        default = spec.priors.media_share_prior * y_raw[..., k].sum() / total_spend
        default = max(default, 1e-12)
        for c, ch in enumerate(channels):
            med = default
            if spec.outcome(o).kind == "revenue" and "roas_prior" in dataset.channels:
                rp = dataset.channels.loc[dataset.channels["channel"] == ch, "roas_prior"]
                if len(rp) and pd.notna(rp.iloc[0]):
                    med = float(rp.iloc[0])
            log_prior[k, c] = np.log(med)
    return log_prior


def _mediator_log_roas(spec, dataset, spend, aw) -> float:
    """Log of the default prior median of the mediator's return per currency unit of
    awareness spend (``aw``: the awareness series): ``media_share_prior`` of the
    mediator over the awareness spend."""
    mraw = np.asarray(dataset.outcomes.sel(outcome=spec.mediator).values, float)
    aw_spend = max(spend[..., aw].sum(), 1e-12) if len(aw) else 1.0
    return float(np.log(max(spec.priors.media_share_prior * mraw.sum() / aw_spend, 1e-12)))


def prepare_inputs(spec, dataset) -> ModelInputs:
    """Turn a dataset into the model's scaled arrays and coordinates."""
    design = make_design(spec, dataset)
    outcomes = list(spec.outcome_names)
    spend = np.asarray(dataset.spend.values, dtype=float)
    x = spend / design.spend_scale
    y_raw = np.asarray(dataset.outcomes.sel(outcome=outcomes).values, dtype=float)
    y = y_raw / design.outcome_scale[None]
    m = None
    if spec.mediator is not None:
        assert design.mediator_scale is not None  # the design scales the spec's mediator
        m = np.asarray(dataset.outcomes.sel(outcome=spec.mediator).values, dtype=float)
        m = m / design.mediator_scale[None]
    if design.control_names:
        zr = np.asarray(dataset.controls.sel(control=list(design.control_names)).values, float)
        z = design.scale_controls(zr)
    else:
        z = np.zeros((len(dataset.dates), len(dataset.geos), 0))
    dates = pd.DatetimeIndex(dataset.dates)

    channels = [str(c) for c in dataset.channels["channel"]]
    stages = {str(r.channel): str(r.stage) for r in dataset.channels.itertuples()}
    series_channel = [str(c) for c in dataset.spend.coords["channel"].values]
    ch_idx = np.array([channels.index(c) for c in series_channel], dtype=int)
    ch_stage = np.array([stages[c] for c in channels])
    aw = np.flatnonzero(ch_stage[ch_idx] == AWARENESS)
    series_audience = [str(a) for a in dataset.spend.coords["audience"].values]
    shared, shared_names = shared_audience_design(ch_idx, series_audience)

    spend_total = spend.sum(axis=0)  # (geo, series)
    log_prior = _default_log_roas(spec, dataset, channels, y_raw, spend)
    # priors from past studies (spec.priors.roas_priors) override the defaults
    from mmm.calibration.priors import apply_roas_priors

    log_prior, log_prior_sd = apply_roas_priors(spec, channels, log_prior)
    log_prior_m = _mediator_log_roas(spec, dataset, spend, aw) if m is not None else 0.0

    max_lag = max(st.l_max for _, st in spec.media.stages)
    coords = {
        "date": dates,
        "geo": [str(g) for g in dataset.geos],
        "series": [str(s) for s in dataset.series],
        "channel": channels,
        "outcome": outcomes,
        "lag": np.arange(max_lag),
        "fourier": design.seasonal_names(),
        "control": list(design.control_names),
        "changepoint": np.arange(len(design.changepoints)),
        "aw_series": [str(dataset.series[i]) for i in aw],
        "shared_audience": shared_names,
    }
    for stage in STAGES:
        coords[f"channel_{stage}"] = [c for c in channels if stages[c] == stage]
    geo = geo_context(spec, dataset, y_raw)
    coords["store_outcome"] = [o for o, st in zip(outcomes, geo.store_outcome, strict=True) if st]
    return ModelInputs(
        design=design,
        coords=coords,
        x=x,
        y=y,
        y_raw=y_raw,
        m=m,
        z=z,
        fourier=design.fourier(dates),
        t=design.time_index(dates),
        trend_basis=design.trend_basis(dates),
        spend_total=spend_total,
        channel_index=ch_idx,
        channel_stage=ch_stage,
        awareness_series=aw,
        shared_audience=shared,
        log_prior_roas=log_prior,
        log_prior_mediator=log_prior_m,
        log_prior_roas_sigma=log_prior_sd,
        geo=geo,
    )


def _prior(pm, name: str, d: dict, dims):
    """The prior ``d`` (``{"dist": PyMC name, **parameters}``, see
    :mod:`mmm.transforms.prior_spec`) as the variable ``name``. A moved or stretched law
    (``shift + factor * law``) is the deterministic ``name`` over the sampled law
    ``<name>_excess`` (a shift only) or ``<name>_unit`` (a factor)."""
    from mmm.transforms.prior_spec import split_prior

    p = split_prior(d)
    try:
        cls = getattr(pm, p.dist)
    except AttributeError as exc:
        raise SpecError(f"prior for {name!r} names unknown distribution {p.dist!r}.") from exc
    if not p.affine:
        return cls(name, **p.params, dims=dims)
    if p.factor == 1.0:
        return pm.Deterministic(
            name, p.shift + cls(f"{name}_excess", **p.params, dims=dims), dims=dims
        )
    law = cls(f"{name}_unit", **p.params, dims=dims)
    return pm.Deterministic(name, p.shift + p.factor * law, dims=dims)


def _baseline(pm, pt, inp: ModelInputs, spec, *, prefix: str, dims_out: tuple):
    """Intercept + trend + seasonality + controls; dims (date, geo) + dims_out.

    Controls enter centred on their mean over dates, so the sampled level
    ``{prefix}intercept_centered`` is the baseline at average controls and is nearly
    uncorrelated with the control coefficients (the caller centres the media and
    mediator terms the same way and adds their means to ``shift``). Returns
    ``(mu, level, shift)`` where the reported ``intercept`` (the baseline at zero
    controls, as in the module docstring) is ``level - shift``.
    """
    extra = dims_out  # () for the mediator, ("outcome",) for outcomes
    sfx = "" if not prefix else f"{prefix}_"
    if extra and inp.geo.pooled_baseline:
        # geo levels pooled around the geo's expected share (mmm.model.geo)
        ratio = model_data(pm, f"{sfx}geo_size_ratio", inp.geo.size_ratio, dims=("geo", *extra))
        lvl_mu = pm.Normal(f"{sfx}level_mu", 0.5, 1.0, dims=extra)
        lvl_sd = pm.HalfNormal(f"{sfx}level_sd", 0.3, dims=extra)
        lvl = pm.Normal(f"{sfx}level", lvl_mu[None], lvl_sd[None], dims=("geo", *extra))
        level = ratio * lvl
    else:
        level = pm.Normal(f"{sfx}intercept_centered", 0.5, 1.0, dims=("geo", *extra))
    shift = pt.zeros((len(inp.coords["geo"]), *[len(inp.coords[d]) for d in extra]))
    mu = level[None]
    t = model_data(pm, f"{sfx}t", inp.t, dims="date")
    if spec.baseline.trend in ("linear", "piecewise"):
        slope = pm.Normal(f"{sfx}trend_slope", 0.0, 0.5, dims=("geo", *extra))
        tt = (t - 0.5)[:, None] if not extra else (t - 0.5)[:, None, None]
        mu = mu + tt * slope[None]
    if spec.baseline.trend == "piecewise" and inp.trend_basis.shape[1]:
        tb = model_data(pm, f"{sfx}trend_basis", inp.trend_basis, dims=("date", "changepoint"))
        k = pm.Laplace(f"{sfx}trend_changes", 0.0, 0.2, dims=(*extra, "changepoint"))
        if extra:
            mu = mu + pt.dot(tb, k.T)[:, None, :]
        else:
            mu = mu + pt.dot(tb, k)[:, None]
    if inp.fourier.shape[1]:
        fo = model_data(pm, f"{sfx}fourier_features", inp.fourier, dims=("date", "fourier"))
        coef = pm.Normal(f"{sfx}season_coef", 0.0, 0.3, dims=(*extra, "fourier"))
        if extra:
            mu = mu + pt.dot(fo, coef.T)[:, None, :]
        else:
            mu = mu + pt.dot(fo, coef)[:, None]
    if inp.z.shape[2]:
        z = model_data(pm, f"{sfx}controls_scaled", inp.z, dims=("date", "geo", "control"))
        gam = pm.Normal(f"{sfx}control_coef", 0.0, 0.3, dims=(*extra, "control"))
        zbar = z.mean(axis=0)  # (geo, control), from the data so cached models stay right
        g = gam.T if extra else gam
        mu = mu + pt.tensordot(z - zbar[None], g, axes=[[2], [0]])
        shift = shift + pt.tensordot(zbar, g, axes=[[1], [0]])
    return mu, level, shift


def _shop_access(pm, pt, inp: ModelInputs, spec):
    """Shop access of each effect, dims (outcome, geo, series) (see :mod:`mmm.model.geo`)."""
    g = inp.geo
    n_st = len(inp.coords["store_outcome"])
    # store outcome -> outcome as a constant one-hot matrix
    sel = np.zeros((len(inp.coords["outcome"]), n_st))
    sel[np.flatnonzero(g.store_outcome), np.arange(n_st)] = 1.0
    sel = pt.as_tensor_variable(sel)
    eta = pm.Normal("shop_elasticity", 0.0, 1.0, dims="store_outcome")
    if spec.media.shop_effects == "estimate":
        leak = pt.dot(sel, pm.Beta("near_store_leak", 1.0, 3.0, dims="store_outcome"))
    else:
        leak = pt.zeros(len(inp.coords["outcome"]))
    access = access_weights(
        model_data(pm, "store_outcome_mask", g.store_outcome.astype(float), dims="outcome"),
        model_data(pm, "near_store_mask", g.near_series.astype(float), dims="series"),
        model_data(pm, "population_share", g.population_share, dims="geo"),
        model_data(pm, "near_store_access", g.near_access, dims="geo"),
        model_data(pm, "shop_index", g.shop_index, dims="geo"),
        leak=leak,
        eta=pt.dot(sel, eta),
        xp=pt,
    )
    return pm.Deterministic("shop_access", access, dims=("outcome", "geo", "series"))


def zero_sum_contrasts(group_index, groups) -> tuple[np.ndarray, list[str]]:
    """Orthonormal zero-sum contrasts of the members of each group.

    For a group with ``n >= 2`` members, ``n - 1`` Helmert contrasts: contrast ``j``
    (1-based) puts ``1 / sqrt(j (j + 1))`` on the group's first ``j`` members and
    ``-j / sqrt(j (j + 1))`` on member ``j + 1``. Groups with one member get none. Used
    for the audiences of a channel (members: series) and for the awareness series of the
    mediator equation (one group).

    Parameters
    ----------
    group_index : array of int, dims (member,)
        Group of each member (e.g. the channel of each series), as positions in ``groups``.
    groups : list of str
        Group names.

    Returns
    -------
    basis : numpy.ndarray, dims (member, contrast)
        Columns orthonormal and each summing to zero within every group, so
        ``z @ basis.T`` maps independent Normal(0, 1) draws to deviations that sum to zero
        per group, each with variance ``(n - 1) / n``.
    names : list of str
        ``"<group>:<j>"`` per contrast.
    """
    ci = np.asarray(group_index)
    cols, names = [], []
    for c, name in enumerate(groups):
        members = np.flatnonzero(ci == c)
        for j in range(1, len(members)):
            v = np.zeros(len(ci))
            v[members[:j]] = 1.0 / np.sqrt(j * (j + 1))
            v[members[j]] = -j / np.sqrt(j * (j + 1))
            cols.append(v)
            names.append(f"{name}:{j}")
    basis = np.stack(cols, axis=1) if cols else np.zeros((len(ci), 0))
    return basis, names


def shared_audience_design(channel_index, audiences) -> tuple[np.ndarray, list[str]]:
    """Design of the audience effects shared by the channels an audience is bought in.

    An audience is *shared* when it is bought in two or more channels that have two or
    more audiences each (only there can its effect be told apart from its channel's). Its
    effect ``a`` enters the log return of each of its series as ``a`` minus the mean of
    the shared effects over the series of that channel, so a channel's mean log return
    over its audiences is unchanged and the channel prior keeps its meaning.

    Parameters
    ----------
    channel_index : array of int, dims (series,)
        Channel of each series, as positions in the channel list.
    audiences : list of str, dims (series,)
        Audience label of each series.

    Returns
    -------
    design : numpy.ndarray, dims (series, shared_audience)
        Indicator of the series' audience minus its mean over the channel's series
        (zero rows for channels with one audience).
    names : list of str
        The shared audiences, in order of first appearance.
    """
    ci = np.asarray(channel_index, dtype=int)
    aud = np.asarray(audiences, dtype=object)
    multi = np.bincount(ci)[ci] >= 2  # series of channels with two or more audiences
    names = [a for a in dict.fromkeys(audiences) if len(set(ci[multi & (aud == a)])) >= 2]
    ind = (aud[:, None] == np.array(names, dtype=object)[None, :]).astype(float)
    # subtract each channel's mean indicator: the channel-averaging matrix times ind
    same = (ci[:, None] == ci[None, :]).astype(float)
    return ind - (same / same.sum(axis=1, keepdims=True)) @ ind, names


def residual_contrasts(basis, shared) -> np.ndarray:
    """An orthonormal basis of the contrasts that no shared audience effect can produce.

    The shared audience effects (:func:`shared_audience_design`) move series' log returns
    only within their channels, i.e. inside the span of the audience contrasts
    (:func:`zero_sum_contrasts`). Deviations of their own along those directions would
    duplicate them: the same audience difference could be carried by the shared effect or
    by the channel's own deviations (with a larger spread), a ridge on which NUTS diverged.
    The series' own deviations therefore use the part of the contrast space orthogonal to
    the shared effects' directions.

    Parameters
    ----------
    basis : numpy.ndarray, dims (series, contrast)
        Orthonormal zero-sum contrasts of the audiences of each channel.
    shared : numpy.ndarray, dims (series, shared_audience)
        Shared audience design.

    Returns
    -------
    numpy.ndarray, dims (series, residual_contrast)
        Orthonormal columns orthogonal to every column of ``shared``, spanning with them
        the space of ``basis``; ``basis`` itself when there is no shared audience.
    """
    basis = np.asarray(basis, dtype=float)
    shared = np.asarray(shared, dtype=float)
    if shared.size == 0 or not np.any(shared):
        return basis
    q, sv, _ = np.linalg.svd(shared, full_matrices=False)
    q = q[:, sv > 1e-10 * sv.max()]
    rest = basis - q @ (q.T @ basis)
    u, sv, _ = np.linalg.svd(rest, full_matrices=False)
    u = u[:, sv > 1e-10]
    # a fixed sign per column (first clearly non-zero entry positive)
    first = np.argmax(np.abs(u) > 1e-8, axis=0)
    return u * np.sign(u[first, np.arange(u.shape[1])])[None, :]


def build_model(spec, dataset, *, inputs: ModelInputs | None = None, lift=None):
    """Build the PyMC model.

    Parameters
    ----------
    spec : ModelSpec
    dataset : Dataset
    inputs : ModelInputs, optional
        Precomputed :func:`prepare_inputs` output.
    lift : mmm.calibration.lift.LiftInputs, optional
        Experiments to add as lift-test likelihood terms (see ``docs/calibration.md``).

    Returns
    -------
    pymc.Model
        Every variable has named dims (date, geo, series, channel, outcome, ...).
    """
    import pymc as pm
    import pytensor.tensor as pt

    inp = inputs if inputs is not None else prepare_inputs(spec, dataset)
    with pm.Model(coords=inp.coords) as model:
        spend_total = model_data(pm, "spend_total", inp.spend_total, dims=("geo", "series"))
        yscale = model_data(pm, "outcome_scale", inp.design.outcome_scale, dims=("geo", "outcome"))
        weights = _adstock_weights(pm, pt, spec, inp)

        ci = inp.channel_index
        # channel -> series maps as constant one-hot matrices: a dot product compiles and
        # differentiates faster than integer indexing
        onehot = np.zeros((len(ci), len(inp.coords["channel"])))
        onehot[np.arange(len(ci)), ci] = 1.0
        to_series = pt.as_tensor_variable(onehot)
        f = _media_response(pm, pt, spec, inp, weights, to_series)  # (date, geo, series)
        sum_f = pt.maximum(f.sum(axis=0), 1e-12)  # (geo, series)

        # direct returns, partially pooled
        roas_geo = _direct_returns(pm, pt, model, spec, inp, to_series)
        roas = pm.Deterministic("roas_direct", roas_geo, dims=("outcome", "geo", "series"))
        # series without spend in a geo get beta = 0 through spend_total = 0
        beta = pm.Deterministic(
            "beta",
            roas * spend_total[None] / (yscale.T[:, :, None] * sum_f[None]),
            dims=("outcome", "geo", "series"),
        )
        media = (f[:, :, None, :] * beta.dimshuffle("x", 1, 0, 2)).sum(axis=-1)  # (date, geo, K)

        # --- calibration: lift tests on the model's own incremental effect (mmm.calibration)
        if lift is not None:
            from mmm.calibration.lift import add_lift_likelihood

            add_lift_likelihood(model, spec, inp, lift)
        # --- end calibration

        base, level, shift = _baseline(pm, pt, inp, spec, prefix="", dims_out=("outcome",))
        # media enter centred on their mean over dates, like the controls: the sampled
        # level is then the baseline at average media and does not trade off against the
        # returns (a larger return no longer has to be offset by a lower intercept)
        media_bar = media.mean(axis=0)  # (geo, outcome)
        mu = base + media - media_bar[None]
        shift = shift + media_bar

        # mediator path
        if spec.mediator is not None:
            mu, shift = _mediator_path(pm, pt, model, spec, inp, f, spend_total, mu, shift)
        pm.Deterministic("intercept", level - shift, dims=("geo", "outcome"))
        _observe(pm, pt, spec, inp, mu, yscale)
    return model


def _adstock_weights(pm, pt, spec, inp: ModelInputs):
    """Carry-over weights (channel, lag), each funnel stage with its own adstock and priors."""
    from mmm.transforms import get_adstock

    L = len(inp.coords["lag"])
    blocks, order = [], []
    for stage in STAGES:
        chans = inp.coords[f"channel_{stage}"]
        if not chans:
            continue
        st = spec.stage(stage)
        ad = get_adstock(st.adstock, l_max=st.l_max)
        params = _adstock_params(pm, pt, ad, stage, inp.design.period_days)
        w = ad.weights(params, xp=pt)
        if st.l_max < L:
            w = pt.concatenate([w, pt.zeros((len(chans), L - st.l_max))], axis=1)
        blocks.append(w)
        order += [inp.coords["channel"].index(c) for c in chans]
    w_all = pt.concatenate(blocks, axis=0) if len(blocks) > 1 else blocks[0]
    perm = np.argsort(np.array(order))
    weights = pm.Deterministic("adstock_weights", w_all[perm], dims=("channel", "lag"))

    return weights


def _adstock_params(pm, pt, ad, stage: str, period_days: float) -> dict:
    """The carry-over parameters of a stage's channels, ``adstock_<stage>_<param>``, in the
    data's periods. The priors are written for weeks; on data of other periods (daily) the
    weekly values are sampled (``adstock_<stage>_<param>_weekly``) and converted, so that a
    prior means the same carry-over in calendar time (weekly data: the graph as ever)."""
    dims = f"channel_{stage}"
    priors = ad.default_priors(stage, period_days=period_days)
    if period_days == 7.0:
        return {p: _prior(pm, f"adstock_{stage}_{p}", d, dims) for p, d in priors.items()}
    weekly = {p: _prior(pm, f"adstock_{stage}_{p}_weekly", d, dims) for p, d in priors.items()}
    return {
        p: pm.Deterministic(f"adstock_{stage}_{p}", v, dims=dims)
        for p, v in ad.per_period(weekly, period_days, xp=pt).items()
    }


def _media_response(pm, pt, spec, inp: ModelInputs, weights, to_series):
    """Saturated carry-over of spend (date, geo, series), the saturation's parameters
    per channel."""
    from mmm.transforms.response import media_response

    sat = spec.saturation_transform()
    sat_params = {
        p: _prior(pm, f"saturation_{p}", d, "channel") for p, d in sat.default_priors().items()
    }
    # carry-over is one operation on the spend itself (mmm.transforms.carryover_op): no
    # lagged copies of the spend in memory, and its gradient in the weights in one pass
    x = model_data(pm, "spend_scaled", inp.x, dims=("date", "geo", "series"))
    return media_response(
        x,
        pt.dot(to_series, weights),
        {p: pt.dot(to_series, v) for p, v in sat_params.items()},
        sat,
        xp=pt,
    )


def _direct_returns(pm, pt, model, spec, inp: ModelInputs, to_series):
    """Direct returns (outcome, geo, series): a channel mean, audience deviations within the
    channel (and shared audience effects), geo deviations and the shops' access."""
    K = len(spec.outcome_names)
    lp = model_data(pm, "log_prior_roas", inp.log_prior_roas, dims=("outcome", "channel"))
    sd_c = spec.priors.roas_prior_sigma
    if inp.log_prior_roas_sigma is not None:
        sd_c = model_data(
            pm, "log_prior_roas_sigma", inp.log_prior_roas_sigma, dims=("outcome", "channel")
        )
    mu_c = pm.Normal("log_roas_channel", lp, sd_c, dims=("outcome", "channel"))
    # audiences deviate from their channel only where a channel has two or more
    # audiences: a lone series' deviation would only trade off against the channel mean
    basis, contrasts = zero_sum_contrasts(inp.channel_index, inp.coords["channel"])
    if spec.media.audience_pooling and contrasts:
        # the audiences' deviations sum to zero within each channel, so the channel
        # term is their mean and does not trade off against them (a ridge that made
        # the sampler diverge); free coordinates are orthonormal contrasts
        shared = spec.media.shared_audiences and inp.shared_audience.shape[1]
        if shared:
            # the series' own deviations leave out the directions of the shared
            # audience effects (residual_contrasts), with a fixed prior scale: the few
            # contrasts left (one on the demo catalogue) cannot inform a spread, and a
            # sampled spread times one deviation is a ridge of its own
            basis = residual_contrasts(basis, inp.shared_audience)
            contrasts = [f"residual:{j}" for j in range(1, basis.shape[1] + 1)]
            sd_a = pt.as_tensor_variable(np.full(K, AUDIENCE_RESIDUAL_SD))
        else:
            sd_a = pm.HalfNormal("log_roas_audience_sd", AUDIENCE_SD_PRIOR, dims="outcome")
        model.add_coord("audience_contrast", contrasts)
        z_a = pm.Normal("log_roas_audience_z", 0.0, 1.0, dims=("outcome", "audience_contrast"))
        dev = pt.dot(z_a, pt.as_tensor_variable(basis.T))  # (outcome, series)
        log_r = pt.dot(mu_c, to_series.T) + sd_a[:, None] * dev
        if shared:
            # an audience bought in several channels (near-store people, retargeted
            # visitors) answers alike in each: its effect is learnt from all of them
            a_sh = pm.Normal(
                "log_roas_audience_shared",
                0.0,
                SHARED_AUDIENCE_SD,
                dims=("outcome", "shared_audience"),
            )
            log_r = log_r + pt.dot(a_sh, pt.as_tensor_variable(inp.shared_audience.T))
    else:
        log_r = pt.dot(mu_c, to_series.T)
    G = len(inp.coords["geo"])
    if G > 1 and spec.media.geo_pooling:
        sd_g = pm.HalfNormal("log_roas_geo_sd", 0.3, dims="outcome")
        z_g = pm.Normal("log_roas_geo_z", 0.0, 1.0, dims=("outcome", "geo", "series"))
        log_rg = log_r[:, None, :] + sd_g[:, None, None] * z_g
    else:
        log_rg = pt.repeat(log_r[:, None, :], G, axis=1)
    if inp.geo.shops:
        roas_geo = pt.exp(log_rg) * _shop_access(pm, pt, inp, spec)
    else:
        roas_geo = pt.exp(log_rg)
    return roas_geo


def _mediator_path(pm, pt, model, spec, inp: ModelInputs, f, spend_total, mu, shift):
    """The mediator's own baseline, media and likelihood, and its effect ``delta`` on the
    outcomes: ``mu`` and ``shift`` with the mediator's terms added."""
    m_obs = model_data(pm, "mediator_scaled", inp.m, dims=("date", "geo"))
    mb, m_level, m_shift = _baseline(pm, pt, inp, spec, prefix="mediator", dims_out=())
    if len(inp.awareness_series):
        m_media = _mediator_media(pm, pt, model, spec, inp, f, spend_total)
        m_media_bar = m_media.mean(axis=0)
        mb = mb + m_media - m_media_bar[None]
        m_shift = m_shift + m_media_bar
    pm.Deterministic("mediator_intercept", m_level - m_shift, dims="geo")
    sig_m = pm.HalfNormal("mediator_sigma", spec.likelihood.noise_prior)
    pm.Normal("mediator_obs", mb, sig_m, observed=m_obs, dims=("date", "geo"))
    delta = pm.HalfNormal("delta", 0.5, dims="outcome")
    # centred like the controls: the level and delta are then nearly uncorrelated
    m_bar = m_obs.mean(axis=0)  # (geo,)
    mu = mu + (m_obs - m_bar[None])[:, :, None] * delta[None, None, :]
    shift = shift + m_bar[:, None] * delta[None, :]
    return mu, shift


def _mediator_media(pm, pt, model, spec, inp: ModelInputs, f, spend_total):
    """The awareness series' effect on the mediator (date, geo), from their returns in
    mediator units per currency unit."""
    aw = inp.awareness_series
    mscale = model_data(pm, "mediator_scale", inp.design.mediator_scale, dims="geo")
    # the prior median comes from the data: model data, so a compiled model
    # reused for new data of the same shape uses the new data's prior
    lpm = model_data(pm, "log_prior_mediator_roas", inp.log_prior_mediator)
    lm = pm.Normal("log_mediator_roas_mu", lpm, spec.priors.roas_prior_sigma)
    log_m = lm * pt.ones(len(aw))
    sel = np.zeros((len(inp.coords["series"]), len(aw)))
    sel[aw, np.arange(len(aw))] = 1.0
    if len(aw) > 1:
        # deviations sum to zero over the awareness series (as for audiences),
        # and the returns are scaled so that their spend-weighted mean is
        # exp(mu): mu is the searches per euro of all awareness spend, which
        # the data pin down, and no longer trades off against the spread (a
        # wider spread lowered the mean log return: a curved ridge on which
        # the sampler diverged)
        basis_m, names_m = zero_sum_contrasts(np.zeros(len(aw), dtype=int), ["aw"])
        model.add_coord("aw_contrast", names_m)
        # a fixed prior scale, not a learnt spread: a few contrasts (6 on the 50-geo
        # benchmark) barely inform a spread, and with much data a sampled spread times
        # its deviations is a funnel (the 50-geo fit's one divergence sat at the
        # spread's 99.6th percentile with the deviations squeezed to their edges)
        z_m = pm.Normal("log_mediator_roas_z", 0.0, 1.0, dims="aw_contrast")
        dev = MEDIATOR_DEV_SD * pt.dot(pt.as_tensor_variable(basis_m), z_m)
        aw_spend = pt.dot(spend_total, pt.as_tensor_variable(sel)).sum(axis=0)
        share = aw_spend / pt.maximum(aw_spend.sum(), 1e-12)
        log_m = log_m + dev - pt.log(pt.dot(share, pt.exp(dev)))
    mroas = pm.Deterministic("mediator_roas", pt.exp(log_m), dims="aw_series")
    f_aw = pt.tensordot(f, pt.as_tensor_variable(sel), axes=[[2], [0]])
    gamma = pm.Deterministic(
        "gamma",
        # spend_total stays model data, so a cached compiled model refitted
        # on new data of the same shape uses the new totals
        mroas[None]
        * pt.dot(spend_total, pt.as_tensor_variable(sel))
        / (mscale[:, None] * pt.maximum(f_aw.sum(axis=0), 1e-12)),
        dims=("geo", "aw_series"),
    )
    m_media = (f_aw * gamma[None]).sum(axis=-1)  # (date, geo)
    return m_media


def _observe(pm, pt, spec, inp: ModelInputs, mu, yscale) -> None:
    """The outcomes' likelihoods: one vectorised variable when every outcome is normal."""
    from mmm.transforms import get_likelihood

    y = model_data(pm, "y_scaled", inp.y, dims=("date", "geo", "outcome"))
    sigma = pm.HalfNormal("sigma", spec.likelihood.noise_prior, dims="outcome")
    liks = [
        get_likelihood(o.likelihood, where=f"outcomes[{o.name}].likelihood") for o in spec.outcomes
    ]
    if all(lk.name == "normal" for lk in liks):
        # every outcome normal: one vectorised observed variable
        liks[0].observe(
            pm,
            pt,
            name="y_obs",
            outcome="",
            mu=mu,
            sigma=sigma[None, None, :],
            y=y,
            raw=inp.y_raw,
            scale=yscale[None],
            dims=("date", "geo", "outcome"),
        )
    else:
        for k, (o, lk) in enumerate(zip(spec.outcomes, liks, strict=True)):
            lk.observe(
                pm,
                pt,
                name=f"y_obs_{o.name}",
                outcome=o.name,
                mu=mu[:, :, k],
                sigma=sigma[k],
                y=y[:, :, k],
                raw=inp.y_raw[:, :, k],
                scale=yscale[None, :, k],
                dims=("date", "geo"),
            )
