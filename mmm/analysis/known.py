"""A :class:`~mmm.inference.fit.FitResult` built from given parameter values, no sampling.

Analysis functions only read a fit's posterior, spec, design and data, so a fit whose
"posterior" holds chosen values behaves exactly like a sampled one. Uses: checking the
analysis against hand-computed numbers, what-if questions with known parameters (for
example the simulator's truth), and cheap stand-ins for a real fit in backtests.
"""

from __future__ import annotations

import numpy as np

#: Dims of every posterior variable the analysis reads.
VAR_DIMS: dict[str, tuple[str, ...]] = {
    "adstock_weights": ("channel", "lag"),
    "saturation_half": ("channel",),
    "saturation_slope": ("channel",),
    "saturation_lam": ("channel",),
    "saturation_vmax": ("channel",),
    "saturation_k": ("channel",),
    "roas": ("outcome", "geo", "series"),
    "beta": ("outcome", "geo", "series"),
    "intercept": ("geo", "outcome"),
    "trend_slope": ("geo", "outcome"),
    "trend_changes": ("outcome", "changepoint"),
    "season_coef": ("outcome", "fourier"),
    "control_coef": ("outcome", "control"),
    "sigma": ("outcome",),
    "mediator_roas": ("aw_series",),
    "gamma": ("geo", "aw_series"),
    "delta": ("outcome",),
}


def likelihood_var_dims(spec) -> dict[str, tuple[str, ...]]:
    """Scalar parameters of the outcomes' likelihoods: ``nu_<outcome>`` (Student-t degrees
    of freedom) and ``nb_alpha_<outcome>`` (negative-binomial dispersion).

    Parameters
    ----------
    spec : ModelSpec
        Its outcomes' ``likelihood`` (``normal``, ``student_t`` or
        ``negative_binomial``) decides which variables exist.

    Returns
    -------
    dict of str -> tuple of str
        Variable name to its dims, always ``()`` (one scalar per draw), in the order of
        the spec's outcomes; empty when every outcome is normal. Extends
        :data:`VAR_DIMS`.
    """
    from mmm.transforms import get_likelihood

    out: dict[str, tuple[str, ...]] = {}
    for o in spec.outcomes:
        lk = get_likelihood(o.likelihood, where=f"outcomes[{o.name}].likelihood")
        out.update(dict.fromkeys(lk.param_names(o.name), ()))
    return out


def _as_draws(name: str, value, shape: tuple[int, ...]) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.shape == shape:
        return arr[None]
    if arr.ndim == len(shape) + 1 and arr.shape[1:] == shape:
        return arr
    try:
        return np.broadcast_to(arr, shape)[None].copy()
    except ValueError as exc:
        raise ValueError(
            f"parameter {name!r} has shape {arr.shape}; expected {shape} (one value per "
            f"coordinate) or (draw, {', '.join(map(str, shape))})."
        ) from exc


def fit_from_params(spec, dataset, *, params: dict, method: str = "fixed"):
    """A FitResult whose posterior holds the given parameter values.

    Parameters
    ----------
    spec : ModelSpec
    dataset : Dataset
        The data the "fit" belongs to (scaling constants are computed from it as in a
        real fit).
    params : dict of str -> array_like
        Values by posterior variable name (see :data:`VAR_DIMS` for dims), in the
        model's scaled space. Each value has the variable's shape, or a leading ``draw``
        axis for several draws (all variables with a draw axis must agree on its
        length); scalars are broadcast. Required: ``adstock_weights`` (channel, lag;
        normalised lag weights) and the saturation parameters of ``spec`` (e.g.
        ``saturation_half`` in multiples of the series' typical spend); ``beta``
        (outcome, geo, series; scaled effect at full saturation) or ``roas``
        (outcome, geo, series; direct return per currency unit over the data, converted
        to ``beta`` as the model does). With a mediator: ``delta`` and ``gamma`` or
        ``mediator_roas``. Baseline terms default to 0, ``sigma`` to 0.05.
    method : str
        Recorded as the diagnostics' method.

    Returns
    -------
    FitResult
        One chain; ``draw`` as many as given (1 when every value is a single point).
    """
    from mmm.model.build import prepare_inputs

    inp = prepare_inputs(spec, dataset)
    coords = {k: list(v) for k, v in inp.coords.items() if k != "date"}
    sizes = {k: len(v) for k, v in coords.items()}
    var_dims = dict(VAR_DIMS) | likelihood_var_dims(spec)
    p = _complete_params(params, spec, sizes, var_dims)
    draws = {n: _as_draws(n, v, tuple(sizes[d] for d in var_dims[n])) for n, v in p.items()}
    n_draw = max(a.shape[0] for a in draws.values())
    for n, a in draws.items():
        if a.shape[0] not in (1, n_draw):
            raise ValueError(f"parameter {n!r} has {a.shape[0]} draws; others have {n_draw}.")
        draws[n] = np.broadcast_to(a, (n_draw, *a.shape[1:])).copy()
    _add_effects(draws, spec, inp, n_draw)
    return _known_fit(spec, dataset, inp, draws, var_dims, coords, n_draw=n_draw, method=method)


def _complete_params(params: dict, spec, sizes: dict[str, int], var_dims: dict) -> dict:
    """``params`` checked against the spec (a ValueError names what is unknown or missing),
    with zero defaults for the baseline terms the spec has and without those it lacks."""
    p = dict(params)
    unknown = sorted(set(p) - set(var_dims))
    if unknown:
        raise ValueError(f"unknown parameter(s) {unknown}; known: {sorted(var_dims)}.")
    for n in likelihood_var_dims(spec):  # scalars of Student-t / negative binomial outcomes
        if n not in p:
            raise ValueError(f"fit_from_params needs {n!r} for this spec's likelihoods.")
    sat = spec.saturation_transform()
    need = ["adstock_weights"] + [f"saturation_{n}" for n in sat.param_names]
    missing = [n for n in need if n not in p]
    if "beta" not in p and "roas" not in p:
        missing.append("beta or roas")
    if missing:
        raise ValueError(f"fit_from_params needs {missing}.")
    defaults = {
        "intercept": 0.0,
        "trend_slope": 0.0,
        "season_coef": 0.0,
        "control_coef": 0.0,
        "sigma": 0.05,
        "trend_changes": 0.0,
    }
    for k, v in defaults.items():
        p.setdefault(k, v)
    if spec.baseline.trend == "none":
        p.pop("trend_slope")
    if spec.baseline.trend != "piecewise" or not sizes["changepoint"]:
        p.pop("trend_changes")
    if not sizes["fourier"]:
        p.pop("season_coef")
    if not sizes["control"]:
        p.pop("control_coef")
    return p


def _add_effects(draws: dict[str, np.ndarray], spec, inp, n_draw: int) -> None:
    """Add ``beta`` (from ``roas``) and ``gamma`` (from ``mediator_roas``) to ``draws`` where
    they are not given, from the media response on the fitted data."""
    from mmm.transforms.response import media_response

    sat = spec.saturation_transform()
    # f on the fitted data, per draw: (draw, date, geo, series)
    ci = inp.channel_index
    sat_names = [f"saturation_{n}" for n in sat.param_names]
    f = np.stack(
        [
            media_response(
                inp.x,
                draws["adstock_weights"][i][ci],
                {n.removeprefix("saturation_"): draws[n][i][ci] for n in sat_names},
                sat,
                xp=np,
            )
            for i in range(n_draw)
        ]
    )
    sum_f = np.maximum(f.sum(axis=1), 1e-12)  # (draw, geo, series)
    active = inp.spend_total > 0
    ys = inp.design.outcome_scale  # (geo, outcome)
    if "beta" not in draws:
        r = draws["roas"]  # (draw, outcome, geo, series)
        draws["beta"] = np.where(
            active[None, None],
            r * inp.spend_total[None, None] / (ys.T[None, :, :, None] * sum_f[:, None]),
            0.0,
        )
    if spec.mediator is not None and len(inp.awareness_series):
        aw = inp.awareness_series
        if "gamma" not in draws:
            if "mediator_roas" not in draws:
                raise ValueError("a spec with a mediator needs `gamma` or `mediator_roas`.")
            mr = draws["mediator_roas"]  # (draw, aw)
            ms = inp.design.mediator_scale
            assert ms is not None  # a design with a mediator has its scale
            draws["gamma"] = np.where(
                active[None][:, :, aw],
                mr[:, None]
                * inp.spend_total[None][:, :, aw]
                / (ms[None, :, None] * sum_f[:, :, aw]),
                0.0,
            )
        if "delta" not in draws:
            raise ValueError("a spec with a mediator needs `delta`.")


def _known_fit(
    spec, dataset, inp, draws: dict, var_dims: dict, coords: dict, *, n_draw: int, method: str
):
    """A one-chain FitResult whose posterior is ``draws``, without sampler diagnostics."""
    import arviz as az
    import xarray as xr

    from mmm.inference.diagnostics import Diagnostics
    from mmm.inference.fit import FitResult
    from mmm.spec import SamplerConfig

    post = xr.Dataset(
        {
            n: (("chain", "draw", *var_dims[n]), a[None])
            for n, a in draws.items()
            if spec.mediator is not None or n not in ("gamma", "delta", "mediator_roas")
        },
        coords={"chain": [0], "draw": np.arange(n_draw)}
        | {d: coords[d] for n in draws for d in var_dims[n]},
    )
    idata = az.InferenceData(posterior=post)
    diag = Diagnostics(
        max_rhat=float("nan"),
        min_ess_bulk=float("nan"),
        min_ess_tail=float("nan"),
        divergences=0,
        min_bfmi=float("nan"),
        n_draws=n_draw,
        n_chains=1,
        method=method,
    )
    return FitResult(
        spec=spec,
        dataset=dataset,
        idata=idata,
        design=inp.design,
        sampler=SamplerConfig(draws=n_draw, chains=1),
        diagnostics=diag,
        provenance={
            "data_fingerprint": dataset.fingerprint,
            "spec_hash": spec.hash(),
            "source": "fit_from_params",
        },
    )
