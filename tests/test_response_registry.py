"""Every registered transform and likelihood: its NumPy, PyTensor and derivative forms agree.

The model graph, the analysis engine, calibration and the optimizer all evaluate the
media response and the likelihoods through :mod:`mmm.transforms`; these tests check, for
each registered name (so a new one is checked as soon as it is registered), that

* the NumPy and the PyTensor evaluation of the same kernel agree to 1e-8 on random
  inputs and parameters drawn from the transform's own default priors;
* the analytic derivative in the input agrees with ``pytensor.grad`` of the kernel and
  with a central finite difference to 1e-8 (relative), and the optimizer's gradient in
  spend with ``pytensor.grad`` of the same response;
* the one-pass ``value_and_derivative`` (the optimizer's) equals ``apply`` and
  ``derivative`` (bit for bit with NumPy, 1e-8 with PyTensor and against ``pytensor.grad``);
* each likelihood's NumPy / SciPy log-density equals ``pymc.logp`` of the variable it adds
  to the graph, and its noise draws have the distribution's mean and variance;
* an unknown name fails with the list of valid names in the spec, the graph, the engine
  and the optimizer.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
import pytest
from analysis_helpers import dataset, params, spec
from scipy import stats

from mmm.errors import DataError, SpecError
from mmm.spec import ModelSpec, OutcomeSpec, StageSpec
from mmm.transforms import (
    ADSTOCKS,
    LIKELIHOODS,
    SATURATIONS,
    get_adstock,
    get_likelihood,
    get_saturation,
    lag_stack,
)
from mmm.transforms.response import media_response, media_response_lagged

RTOL = 1e-8
N_SERIES = 4

#: every registered saturation with its default options, plus the fixed / estimated
#: variants of the options that change the parameters
SATURATION_CASES = [(name, {}) for name in SATURATIONS] + [
    ("hill", {"slope": 1.0}),
    ("hill", {"slope": 2.5}),
    ("michaelis_menten", {"vmax": "estimate"}),
]


def _prior_draws(priors: dict, size: int, seed: int) -> dict[str, np.ndarray]:
    """Draws of each parameter from its default prior (the package's SciPy form of the
    spec's priors, a ``shift`` included)."""
    from mmm.analysis.priors import scipy_prior

    out = {}
    for j, (name, d) in enumerate(priors.items()):
        draws = scipy_prior(d).rvs(size=size, random_state=np.random.default_rng(seed + j))
        out[name] = np.asarray(draws, dtype=float)
    return out


def _compile(outputs, inputs):
    return pytensor.function(inputs, outputs, mode="FAST_COMPILE", on_unused_input="ignore")


def _symbolic_params(names):
    return {n: pt.dvector(n) for n in names}


def _x_grid(rng, n_dates: int = 30) -> np.ndarray:
    """Media input (date, series): zeros, small and large values on the model's scale."""
    x = rng.gamma(1.5, 1.0, size=(n_dates, N_SERIES))
    x[rng.random(x.shape) < 0.15] = 0.0
    x[0, 0] = 40.0
    return x


# --------------------------------------------------------------------------------------
# Saturations
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "options"), SATURATION_CASES)
def test_saturation_numpy_pytensor_and_derivatives_agree(name, options):
    sat = get_saturation(name, **options)
    rng = np.random.default_rng(0)
    x = _x_grid(rng)
    par = _prior_draws(sat.default_priors(), N_SERIES, seed=1)
    assert set(par) == set(sat.param_names)

    xs = pt.dmatrix("x")
    ps = _symbolic_params(sat.param_names)
    f_sym = sat.apply(xs, ps, xp=pt)
    d_sym = sat.derivative(xs, ps, xp=pt)
    grad_sym = pytensor.grad(f_sym.sum(), xs)  # elementwise kernel: the derivative itself
    fv_sym, dv_sym = sat.value_and_derivative(xs, ps, xp=pt)
    fn = _compile([f_sym, d_sym, grad_sym, fv_sym, dv_sym], [xs, *ps.values()])
    f_pt, d_pt, g_pt, fv_pt, dv_pt = fn(x, *[par[n] for n in sat.param_names])

    f_np = sat.apply(x, par, xp=np)
    d_np = sat.derivative(x, par, xp=np)
    np.testing.assert_allclose(f_np, f_pt, rtol=RTOL, atol=0)
    np.testing.assert_allclose(d_np, d_pt, rtol=RTOL, atol=0)
    assert np.all(np.isfinite(d_np[x > 0])) and np.all(d_np >= 0)

    pos = x > 0
    np.testing.assert_allclose(d_np[pos], g_pt[pos], rtol=RTOL, atol=0)

    # one pass, shared intermediates: the same numbers as the two separate kernels
    fv_np, dv_np = sat.value_and_derivative(x, par, xp=np)
    np.testing.assert_array_equal(fv_np, f_np)
    np.testing.assert_array_equal(dv_np, d_np)
    fu_np, du_np = sat.value_and_derivative(x, par, xp=np, check=False)
    np.testing.assert_array_equal(fu_np, f_np)
    np.testing.assert_array_equal(du_np, d_np)
    np.testing.assert_allclose(fv_np, fv_pt, rtol=RTOL, atol=0)
    np.testing.assert_allclose(dv_np, dv_pt, rtol=RTOL, atol=0)
    np.testing.assert_allclose(fv_pt, f_pt, rtol=RTOL, atol=0)
    np.testing.assert_allclose(dv_np[pos], g_pt[pos], rtol=RTOL, atol=0)

    # central finite difference where the curve is well conditioned (input not tiny)
    ok = x > 1e-2
    h = 1e-5 * np.where(ok, x, 1.0)
    fd = (sat.apply(x + h, par) - sat.apply(np.where(ok, x - h, x), par)) / (2 * h)
    big = ok & (d_np > 1e-3 * np.max(d_np))
    assert big.sum() > x.size // 2
    np.testing.assert_allclose(d_np[big], fd[big], rtol=RTOL, atol=0)


def test_saturation_derivative_at_zero_input_is_the_limit():
    half = np.array([0.5, 1.0, 2.0])
    for slope, want in ((2.0, 0.0), (1.0, 1.0 / half), (0.5, np.inf)):
        got = get_saturation("hill", slope=slope).derivative(np.zeros(3), {"half": half})
        np.testing.assert_array_equal(got, np.broadcast_to(want, 3))
    lam = np.array([0.5, 2.0])
    np.testing.assert_allclose(
        get_saturation("logistic").derivative(np.zeros(2), {"lam": lam}), lam / 2, rtol=1e-15
    )
    k = np.array([0.5, 2.0])
    np.testing.assert_allclose(
        get_saturation("michaelis_menten").derivative(np.zeros(2), {"k": k}), 1 / k, rtol=1e-15
    )


@pytest.mark.parametrize("name", list(SATURATIONS))
def test_saturation_derivative_checks_its_input(name):
    sat = get_saturation(name)
    par = _prior_draws(sat.default_priors(), 2, seed=3)
    with pytest.raises(DataError, match="must be >= 0"):
        sat.derivative(np.array([[-1.0, 1.0]]), par)
    with pytest.raises(DataError, match="value_and_derivative: x .* must be >= 0"):
        sat.value_and_derivative(np.array([[-1.0, 1.0]]), par)
    first = sat.param_names[0]
    bad = {**par, first: np.array([par[first][0], -0.5])}
    with pytest.raises(SpecError, match=rf"parameter '{first}'.*-0\.5"):
        sat.value_and_derivative(np.ones((1, 2)), bad)
    # check=False skips the checks (callers that validated once): no error raised
    with np.errstate(invalid="ignore"):
        sat.value_and_derivative(np.ones((1, 2)), bad, check=False)


def test_hill_value_at_extreme_log_odds_is_the_branch_form():
    """The NumPy Hill value (one exponential shared with the derivative) is the sigmoid's
    branch form, bit for bit, from deep in the lower tail to deep in the upper one."""
    x = np.concatenate([[0.0], np.logspace(-300, 300, 2001)])
    half, slope = 1.3, 2.0
    z = slope * (np.log(np.where(x == 0, 1.0, x)) - np.log(half))
    with np.errstate(over="ignore"):
        branch = np.where(
            z >= 0,
            1.0 / (1.0 + np.exp(-np.where(z >= 0, z, 0.0))),
            np.exp(np.where(z >= 0, 0.0, z)) / (1.0 + np.exp(np.where(z >= 0, 0.0, z))),
        )
    want = np.where(x == 0, 0.0, branch)
    f, d = get_saturation("hill").value_and_derivative(x, {"half": half, "slope": slope})
    np.testing.assert_array_equal(f, want)
    assert f[0] == 0.0 and f[-1] == 1.0 and np.all(np.diff(f) >= 0)
    assert np.all(np.isfinite(d)) and d[0] == 0.0


# --------------------------------------------------------------------------------------
# Adstocks and the media response
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(ADSTOCKS))
@pytest.mark.parametrize("stage", ["awareness", "conversion"])
def test_adstock_weights_and_media_response_agree(name, stage):
    ad = get_adstock(name, l_max=6)
    sat = get_saturation("hill")
    rng = np.random.default_rng(4)
    x = _x_grid(rng)
    ap = _prior_draws(ad.default_priors(stage), N_SERIES, seed=5)
    sp = _prior_draws(sat.default_priors(), N_SERIES, seed=6)

    a_sym = _symbolic_params(ad.param_names)
    s_sym = _symbolic_params(sat.param_names)
    xs = pt.dmatrix("x")
    w_sym = ad.weights(a_sym, xp=pt)
    f_sym = media_response(xs, w_sym, s_sym, sat, xp=pt)
    fn = _compile(
        [w_sym, ad.apply(xs, a_sym, xp=pt), f_sym], [xs, *a_sym.values(), *s_sym.values()]
    )
    w_pt, conv_pt, f_pt = fn(x, *[ap[n] for n in ad.param_names], *[sp[n] for n in sat.param_names])

    w_np = ad.weights(ap)
    assert w_np.shape == (N_SERIES, 6)
    np.testing.assert_allclose(w_np, w_pt, rtol=RTOL, atol=1e-300)
    np.testing.assert_allclose(w_np.sum(axis=-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(ad.apply(x, ap), conv_pt, rtol=RTOL, atol=1e-300)
    f_np = media_response(x, w_np, sp, sat)
    np.testing.assert_allclose(f_np, f_pt, rtol=RTOL, atol=1e-300)
    # the lag-stacked layout of the graph and the lift term is the same sum
    f_lag = media_response_lagged(lag_stack(x, 6), w_np[None], sp, "hill")
    np.testing.assert_allclose(f_lag, f_np, rtol=1e-12, atol=1e-300)
    # by hand at one date: sum_l w_l x[t - l], then the Hill curve
    t, s = 9, 2
    a = sum(w_np[s, lag] * x[t - lag, s] for lag in range(6))
    want = a ** sp["slope"][s] / (a ** sp["slope"][s] + sp["half"][s] ** sp["slope"][s])
    assert f_np[t, s] == pytest.approx(want, rel=1e-12)


def _draw_response(sat_name, options, adstock_name, seed):
    """A DrawResponse (the optimizer's) with random parameters for 3 draws, 2 geos."""
    from mmm.optimize.response import DrawResponse

    sat = get_saturation(sat_name, **options)
    ad = get_adstock(adstock_name, l_max=5)
    n_draws, n_geo = 3, 2
    ap = _prior_draws(ad.default_priors("awareness"), n_draws * N_SERIES, seed=seed)
    sp = _prior_draws(sat.default_priors(), n_draws * N_SERIES, seed=seed + 10)
    weights = ad.weights(ap).reshape(n_draws, N_SERIES, 5)
    sat_params = {k: v.reshape(n_draws, N_SERIES) for k, v in sp.items()}
    rng = np.random.default_rng(seed)
    coef = rng.uniform(0.5, 2.0, size=(n_draws, 2, n_geo, N_SERIES))
    spend_scale = rng.uniform(50.0, 200.0, size=(n_geo, N_SERIES))
    return DrawResponse(
        weights=weights,
        sat_params=sat_params,
        saturation=sat,
        coef=coef,
        coef_paths=np.stack([coef, np.zeros_like(coef)], axis=-1),
        spend_scale=spend_scale,
        index=np.arange(n_draws),
    )


@pytest.mark.parametrize(("sat_name", "options"), SATURATION_CASES)
@pytest.mark.parametrize("adstock_name", ["geometric", "weibull_pdf"])
def test_optimizer_gradient_in_spend_matches_pytensor_grad(sat_name, options, adstock_name):
    """The optimizer's value and gradient in spend (analytic, through the adjoint of the
    carry-over) equal the same response built in PyTensor and differentiated by it."""
    dr = _draw_response(sat_name, options, adstock_name, seed=7)
    rng = np.random.default_rng(8)
    n_t, n_g = 20, 2
    spend = rng.uniform(20.0, 300.0, size=(n_t, n_g, N_SERIES))
    spend[3:6, 0, 1] = 0.0
    window = np.zeros(n_t, bool)
    window[4:16] = True
    coef_value = dr.coef.sum(axis=1)  # (sample, geo, series)
    draw_w = np.array([0.2, 0.5, 0.3])
    vals, _, grad = dr.value_and_grad(spend, coef_value, window, lambda v: draw_w, slice(0, n_t))

    # the same quantity in PyTensor: sum_d draw_w[d] * sum_{t in window, g, s} coef * f
    xs = pt.dtensor3("spend")
    total = 0.0
    per_draw = []
    for d in range(dr.n_draws):
        x = xs / dr.spend_scale  # (date, geo, series)
        w = pt.as_tensor_variable(dr.weights[d])[None]  # (1, series, lag)
        par = {k: pt.as_tensor_variable(v[d]) for k, v in dr.sat_params.items()}
        f = media_response(x, w, par, dr.saturation, xp=pt)  # (date, geo, series)
        v = (f[np.flatnonzero(window)] * coef_value[d][None]).sum()
        per_draw.append(v)
        total = total + draw_w[d] * v
    fn = _compile([pt.stack(per_draw), pytensor.grad(total, xs)], [xs])
    vals_pt, grad_pt = fn(spend)
    np.testing.assert_allclose(vals, vals_pt, rtol=RTOL)
    np.testing.assert_allclose(grad, grad_pt, rtol=RTOL, atol=1e-12 * np.abs(grad_pt).max())
    # contributions / media of the optimizer: the engine's media response
    f_dr = dr.media(spend, window)  # (sample, date, geo, series)
    f_eng = media_response(
        (spend / dr.spend_scale)[:, None],
        dr.weights[:, None],
        {k: v[:, None] for k, v in dr.sat_params.items()},
        dr.saturation,
    )  # (date, sample, geo, series)
    np.testing.assert_allclose(f_dr, np.moveaxis(f_eng, 1, 0)[:, window], rtol=1e-12)


def test_optimizer_checks_parameters_once_and_spend_per_evaluation():
    """A DrawResponse checks its saturation parameters when made (the evaluations skip
    the kernels' checks) and rejects negative spend, naming where it is."""
    dr = _draw_response("hill", {}, "geometric", seed=7)
    bad = {**dr.sat_params, "half": dr.sat_params["half"].copy()}
    bad["half"][1, 2] = 0.0
    with pytest.raises(SpecError, match=r"parameter 'half'.*positions \[\(1, 2\)\]"):
        dataclasses.replace(dr, sat_params=bad)
    with pytest.raises(SpecError, match="weights must be finite and >= 0"):
        dataclasses.replace(dr, weights=-dr.weights)
    spend = np.full((8, 2, N_SERIES), 100.0)
    spend[5, 1, 3] = -1.0
    with pytest.raises(DataError, match=r"negative, the first at .* \[\(5, 1, 3\)\]"):
        dr.contributions(spend)
    window = np.ones(8, bool)
    with pytest.raises(DataError, match="Spend must be >= 0"):
        dr.value_and_grad(spend, dr.coef.sum(axis=1), window, lambda v: v * 0, slice(0, 8))


def test_optimizer_gradient_is_finite_at_zero_spend_with_slope_below_one():
    """Hill slope < 1 has an infinite derivative at no input: the optimizer takes it at
    1e-12 instead (only then is the mend applied)."""
    dr = _draw_response("hill", {"slope": 0.5}, "geometric", seed=9)
    assert dr._cache["inf_at_zero"]
    assert not _draw_response("hill", {"slope": 1.0}, "geometric", seed=9)._cache["inf_at_zero"]
    a = np.zeros((N_SERIES, dr.n_draws, 1))
    par = {"half": dr.sat_params["half"].T[:, :, None]}
    f, df = dr.saturate(a, par, grad=True)
    np.testing.assert_array_equal(f, 0.0)
    want = dr.saturation.derivative(np.full_like(a, 1e-12), par)
    np.testing.assert_array_equal(df, want)
    assert np.all(np.isfinite(df)) and np.all(df > 1e5)


# --------------------------------------------------------------------------------------
# Likelihoods
# --------------------------------------------------------------------------------------


def _likelihood_values(lk, rng, shape):
    mu_scaled = rng.uniform(0.5, 1.5, size=shape)
    scale = np.array([80.0, 120.0])  # per geo (last axis)
    sigma = 0.1
    par = {p: v[0] for p, v in _prior_draws(lk.default_priors(), 1, seed=11).items()}
    y = mu_scaled * scale * (1 + 0.1 * rng.standard_normal(shape))
    if lk.name == "negative_binomial":
        y = np.maximum(np.round(y), 0)
    return mu_scaled, scale, sigma, par, y


@pytest.mark.parametrize("name", list(LIKELIHOODS))
def test_likelihood_logpdf_equals_the_graph_logp(name):
    lk = get_likelihood(name)
    rng = np.random.default_rng(10)
    shape = (6, 2)
    mu_s, scale, sigma, par, y = _likelihood_values(lk, rng, shape)
    with pm.Model(coords={"date": range(6), "geo": ["a", "b"]}) as model:
        obs = lk.observe(
            pm,
            pt,
            name="y_obs_sales",
            outcome="sales",
            mu=pt.as_tensor_variable(mu_s),
            sigma=pt.as_tensor_variable(sigma),
            y=pm.Data("y_scaled", y / scale, dims=("date", "geo")),
            raw=y,
            scale=pt.as_tensor_variable(scale)[None],
            dims=("date", "geo"),
        )
    assert sorted(v.name for v in model.free_RVs) == sorted(lk.param_names("sales"))
    point = {
        model.rvs_to_values[model[var]].name: np.log(par[p])  # all positive: log transform
        for p, var in zip(lk.priors, lk.param_names("sales"), strict=True)
    }
    graph = model.compile_fn(model.logp(vars=[obs], sum=False)[0], inputs=model.value_vars)(point)
    got = lk.logpdf(y, mu_s * scale, sigma, scale[None], par)
    np.testing.assert_allclose(got, graph, rtol=1e-10)


@pytest.mark.parametrize("name", list(LIKELIHOODS))
def test_likelihood_draws_have_the_distribution_moments(name):
    lk = get_likelihood(name)
    rng = np.random.default_rng(12)
    mu = np.full((20000, 2), 100.0)
    scale = np.array([50.0, 200.0])
    sigma = 0.1
    par = {"nu": 6.0, "nb_alpha": 15.0}
    par = {p: par[p] for p in lk.priors}
    draws = lk.draw(rng, mu, sigma, scale, par)
    assert draws.shape == mu.shape
    if name == "negative_binomial":
        want_var = 100.0 + 100.0**2 / 15.0 + 0 * scale
        assert np.all(draws == np.round(draws))
    elif name == "student_t":
        want_var = (sigma * scale) ** 2 * 6.0 / 4.0
    else:
        want_var = (sigma * scale) ** 2
    assert np.all(np.abs(draws.mean(axis=0) - 100.0) < 4 * np.sqrt(want_var / 20000))
    np.testing.assert_allclose(draws.var(axis=0), want_var, rtol=0.06)


@pytest.mark.parametrize("name", list(LIKELIHOODS))
def test_likelihood_in_original_units_is_a_distribution_of_the_outcome(name):
    """The log-density in the outcome's own units (what the fit's ``log_likelihood`` holds)
    integrates (sums, for counts) to 1 over the outcome, whatever the outcome's scale."""
    lk = get_likelihood(name)
    par = {p: {"nu": 5.0, "nb_alpha": 8.0}[p] for p in lk.priors}
    mu, sigma, scale = 40.0, 0.25, 30.0  # sd of the outcome: 7.5 in its units
    if lk.discrete:
        y = np.arange(0.0, 400.0)
        total = np.exp(lk.logpdf_original(y, mu, sigma, scale, par)).sum()
    else:
        y = np.linspace(mu - 4000.0, mu + 4000.0, 400001)
        dens = np.exp(lk.logpdf_original(y, mu, sigma, scale, par))
        total = float(np.sum(dens) * (y[1] - y[0]))
    assert total == pytest.approx(1.0, abs=2e-3)


def test_normal_logpdf_by_hand():
    got = get_likelihood("normal").logpdf(np.array([12.0]), np.array([10.0]), 0.2, 10.0, {})
    want = stats.norm.logpdf(1.2, 1.0, 0.2)
    assert got[0] == pytest.approx(want, rel=1e-14)


# --------------------------------------------------------------------------------------
# Unknown names fail loudly, with the valid names
# --------------------------------------------------------------------------------------


def test_unknown_names_fail_in_the_spec():
    with pytest.raises(SpecError, match="negative_binomial, normal, student_t"):
        get_likelihood("poisson")
    with pytest.raises(SpecError, match="choose one of normal, student_t, negative_binomial"):
        OutcomeSpec("sales", "revenue", "poisson")
    with pytest.raises(SpecError, match="hill, logistic, michaelis_menten"):
        ModelSpec(media={"saturation": "gompertz"})
    with pytest.raises(SpecError, match="delayed, geometric, weibull_cdf, weibull_pdf"):
        ModelSpec(media={"stages": (("awareness", StageSpec("hyperbolic", 8)),)})


def _bypass(obj, **values):
    """A copy of a frozen spec object with fields set without its validation (as a
    hand-edited or future fit file could hold)."""
    obj = dataclasses.replace(obj)
    for k, v in values.items():
        object.__setattr__(obj, k, v)
    return obj


def test_unknown_likelihood_fails_in_the_graph_and_the_engine():
    from mmm.analysis.engine import observation_draws
    from mmm.analysis.known import fit_from_params, likelihood_var_dims
    from mmm.model.build import build_model

    sp = spec(mediator=None)
    bad = _bypass(sp, outcomes=(_bypass(sp.outcomes[0], likelihood="poisson"), sp.outcomes[1]))
    ds = dataset()
    with pytest.raises(SpecError, match=r"outcomes\[online_sales\].likelihood='poisson'.*normal"):
        build_model(bad, ds)
    with pytest.raises(SpecError, match="poisson"):
        likelihood_var_dims(bad)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_from_params(sp, ds, params=params(mediator=False))
    fit_bad = dataclasses.replace(fit, spec=bad)
    mu = np.ones((1, len(ds.dates), 1, 2))
    with pytest.raises(SpecError, match="choose one of negative_binomial, normal, student_t"):
        observation_draws(fit_bad, mu, np.array([0]), np.random.default_rng(0))


def test_unknown_saturation_fails_in_the_engine_and_the_optimizer():
    from mmm.analysis.engine import contributions
    from mmm.analysis.known import fit_from_params
    from mmm.optimize.response import DrawResponse

    sp = spec(mediator=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_from_params(sp, dataset(), params=params(mediator=False))
    fit_bad = dataclasses.replace(
        fit, spec=_bypass(sp, media=_bypass(sp.media, saturation="gompertz"))
    )
    with pytest.raises(SpecError, match="Valid saturation names: hill, logistic"):
        DrawResponse.from_fit(fit_bad)
    with pytest.raises(SpecError, match="Valid saturation names: hill, logistic"):
        contributions(fit_bad)
