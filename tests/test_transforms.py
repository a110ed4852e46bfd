"""Tests of mmm.transforms: one shared battery over every registered transform, then
hand-computed values of each kernel, the weight summaries, the registry and the errors.

PyTensor graphs are compiled in FAST_COMPILE mode (Python implementations, no C
compilation) to keep the file fast; a slow test repeats the comparison with the C and
Numba backends that sampling uses.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from scipy import stats

from mmm.errors import DataError, SpecError
from mmm.names import STAGES
from mmm.transforms import (
    ADSTOCKS,
    SATURATIONS,
    Adstock,
    DelayedAdstock,
    GeometricAdstock,
    HillSaturation,
    LogisticSaturation,
    MichaelisMentenSaturation,
    Saturation,
    WeibullAdstock,
    adstock_from_dict,
    convolve_adstock,
    delayed_weights,
    geometric_weights,
    get_adstock,
    get_saturation,
    half_life,
    hill,
    logistic,
    mean_lag,
    michaelis_menten,
    saturation_from_dict,
    weibull_weights,
)

MODE = "FAST_COMPILE"
TOL = {"rtol": 1e-10, "atol": 1e-10}

# every registered name, plus the non-default options of the saturations
ADSTOCK_CASES = {name: get_adstock(name) for name in sorted(ADSTOCKS)}
ADSTOCK_CASES["geometric_raw"] = get_adstock("geometric", l_max=5, normalize=False)
ADSTOCK_CASES["weibull_cdf_raw"] = get_adstock("weibull_cdf", l_max=6, normalize=False)
SATURATION_CASES = {name: get_saturation(name) for name in sorted(SATURATIONS)}
SATURATION_CASES["hill_fixed_slope"] = get_saturation("hill", slope=1.0)
SATURATION_CASES["michaelis_menten_free_vmax"] = get_saturation("michaelis_menten", vmax=None)
ALL_CASES = {**ADSTOCK_CASES, **SATURATION_CASES}

# parameter values per transform parameter: one distinct value per (geo, series) cell
PARAM_GRID = {
    "alpha": [[0.1, 0.5, 0.9], [0.3, 0.7, 1.0]],
    "theta": [[0.0, 1.5, 3.0], [0.7, 2.2, 5.0]],
    "shape": [[0.6, 1.0, 2.5], [1.4, 3.0, 0.9]],
    "scale": [[0.8, 2.0, 4.0], [1.3, 3.1, 6.0]],
    "half": [[0.3, 1.0, 2.5], [0.8, 1.7, 4.0]],
    "slope": [[0.5, 1.0, 2.0], [3.0, 1.5, 0.8]],
    "lam": [[0.2, 1.0, 3.0], [0.6, 5.0, 1.5]],
    "k": [[0.2, 1.0, 3.0], [0.6, 5.0, 1.5]],
    "vmax": [[0.5, 1.0, 2.0], [3.0, 1.5, 0.8]],
}
N_DATES, N_GEO, N_SERIES = 12, 2, 3


def _params(transform) -> dict[str, np.ndarray]:
    return {n: np.array(PARAM_GRID[n], dtype=np.float64) for n in transform.param_names}


def _spend(seed: int) -> np.ndarray:
    """Non-negative spend (date, geo, series) with some zero weeks."""
    rng = np.random.default_rng(seed)
    x = rng.gamma(2.0, 0.5, size=(N_DATES, N_GEO, N_SERIES))
    x[rng.random(x.shape) < 0.3] = 0.0
    return x


def _is_adstock(transform) -> bool:
    return isinstance(transform, Adstock) and hasattr(transform, "l_max")


def _compile(transform, x_ndim: int, param_ndim: int, *, mode=MODE):
    """Compile transform.apply in PyTensor; returns f(x, **params) and the symbolic pieces."""
    x = pt.tensor("x", shape=(None,) * x_ndim, dtype="float64")
    params = {
        n: pt.tensor(f"p_{n}", shape=(None,) * param_ndim, dtype="float64")
        for n in transform.param_names
    }
    y = transform.apply(x, params, xp=pt)
    fn = pytensor.function([x, *params.values()], y, mode=mode)

    def call(x_val, p_val):
        return fn(x_val, *[p_val[n] for n in transform.param_names])

    return call


# --------------------------------------------------------------------------------------
# Shared battery: every registered transform
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(ALL_CASES))
class TestBattery:
    def test_satisfies_protocol(self, case):
        t = ALL_CASES[case]
        assert isinstance(t, Adstock | Saturation)
        assert len(t.param_names) >= 1
        assert all(n in PARAM_GRID for n in t.param_names)

    def test_shape_kept(self, case):
        t = ALL_CASES[case]
        x = _spend(1)
        assert t.apply(x, _params(t)).shape == x.shape
        # one value per series, shared by the geos
        per_series = {n: v[0] for n, v in _params(t).items()}
        assert t.apply(x, per_series).shape == x.shape

    def test_zero_in_zero_out(self, case):
        t = ALL_CASES[case]
        x = np.zeros((N_DATES, N_GEO, N_SERIES))
        y = t.apply(x, _params(t))
        np.testing.assert_array_equal(y, np.zeros_like(x))
        y_pt = _compile(t, 3, 2)(x, _params(t))
        np.testing.assert_array_equal(y_pt, np.zeros_like(x))

    def test_numpy_matches_pytensor(self, case):
        t = ALL_CASES[case]
        x = _spend(2)
        expected = t.apply(x, _params(t))
        got = _compile(t, 3, 2)(x, _params(t))
        assert np.all(np.isfinite(expected))
        np.testing.assert_allclose(got, expected, **TOL)

    def test_vectorised_equals_loop_over_series(self, case):
        t = ALL_CASES[case]
        x = _spend(3)
        params = _params(t)
        y = t.apply(x, params)
        for g in range(N_GEO):
            for s in range(N_SERIES):
                one = {n: float(v[g, s]) for n, v in params.items()}
                col = x[:, g, s]
                if _is_adstock(t):
                    expected = t.apply(col, one)
                else:
                    expected = np.array([t.apply(float(xi), one) for xi in col])
                np.testing.assert_allclose(y[:, g, s], expected, **TOL)

    def test_monotone_and_non_negative(self, case):
        t = ALL_CASES[case]
        params = _params(t)
        if _is_adstock(t):
            # a non-negative impulse gives a non-negative response equal to the weights
            x = np.zeros((N_DATES, N_GEO, N_SERIES))
            x[2] = 3.0
            y = t.apply(x, params)
            assert np.all(y >= 0)
            w = t.weights(params)
            np.testing.assert_array_equal(y[:2], 0.0)
            n = min(t.l_max, N_DATES - 2)
            np.testing.assert_allclose(y[2 : 2 + n], 3.0 * np.moveaxis(w[..., :n], -1, 0), **TOL)
            # adstock is linear in x
            a, b = _spend(4), _spend(5)
            np.testing.assert_allclose(
                t.apply(a + 2.0 * b, params), t.apply(a, params) + 2.0 * t.apply(b, params), **TOL
            )
        else:
            grid = np.linspace(0.0, 8.0, 161)[:, None, None] * np.ones((1, N_GEO, N_SERIES))
            y = t.apply(grid, params)
            assert np.all(np.diff(y, axis=0) >= 0)
            assert np.all(np.diff(y, axis=0)[:20] > 0)  # strictly rising near 0
            assert np.all(y[1:] > 0)

    def test_gradient_finite_with_zero_input(self, case):
        t = ALL_CASES[case]
        x = pt.tensor("x", shape=(None, None, None), dtype="float64")
        params = {n: pt.matrix(f"p_{n}", dtype="float64") for n in t.param_names}
        y = t.apply(x, params, xp=pt)
        grads = pytensor.grad(y.sum(), [x, *params.values()])
        fn = pytensor.function([x, *params.values()], grads, mode=MODE)
        x_val = _spend(6)
        x_val[:4] = 0.0
        for g in fn(x_val, *_params(t).values()):
            assert np.all(np.isfinite(g))

    def test_to_dict_round_trip(self, case):
        t = ALL_CASES[case]
        d = t.to_dict()
        # plain JSON (and TOML: no None values) survives
        assert None not in d.values()
        d2 = json.loads(json.dumps(d))
        back = adstock_from_dict(d2) if _is_adstock(t) else saturation_from_dict(d2)
        assert back == t
        assert type(back) is type(t)
        assert back.to_dict() == d

    def test_default_priors_name_every_parameter_and_build_in_pymc(self, case, pm):
        t = ALL_CASES[case]
        priors_list = (
            [t.default_priors(s) for s in STAGES] if _is_adstock(t) else [t.default_priors()]
        )
        for priors in priors_list:
            assert set(priors) == set(t.param_names)
            draws = {}
            for n, spec in priors.items():
                draws[n] = _draw_prior(pm, spec, (N_GEO, N_SERIES), seed=11)
            y = t.apply(_spend(7), draws)  # draws lie in the kernels' domains
            assert np.all(np.isfinite(y))
        # copies: changing one does not change the next
        priors_list[0][t.param_names[0]]["dist"] = "Changed"
        again = t.default_priors(STAGES[0]) if _is_adstock(t) else t.default_priors()
        assert again[t.param_names[0]]["dist"] != "Changed"


def _draw_prior(pm, spec: dict, shape, seed: int) -> np.ndarray:
    """Draws of a default prior through PyMC itself: the law PyMC builds from the dict's
    parameters, moved and stretched as the model does (``shift + factor * law``)."""
    from mmm.transforms.prior_spec import split_prior

    p = split_prior(spec)
    law = getattr(pm, p.dist).dist(**p.params, shape=shape)
    return p.shift + p.factor * pm.draw(law, random_seed=seed)


@pytest.fixture(scope="module")
def pm():
    import pymc

    return pymc


@pytest.mark.parametrize("case", sorted(ADSTOCK_CASES))
def test_adstock_weights_shape_sign_and_sum(case):
    t = ADSTOCK_CASES[case]
    w = t.weights(_params(t))
    assert w.shape == (N_GEO, N_SERIES, t.l_max)
    assert np.all(w >= 0)
    if t.normalize:
        np.testing.assert_allclose(w.sum(axis=-1), 1.0, **TOL)
    ins = {n: pt.matrix(f"p_{n}", dtype="float64") for n in t.param_names}
    w_fn = pytensor.function(list(ins.values()), t.weights(ins, xp=pt), mode=MODE)
    np.testing.assert_allclose(w_fn(*_params(t).values()), w, **TOL)


@pytest.mark.parametrize("case", sorted(ADSTOCK_CASES))
def test_awareness_priors_carry_over_longer_than_conversion(case, pm):
    t = ADSTOCK_CASES[case]
    mean_lags = {}
    for stage in STAGES:
        draws = {}
        for n, spec in t.default_priors(stage).items():
            draws[n] = _draw_prior(pm, spec, 400, seed=5)
        mean_lags[stage] = float(np.mean(mean_lag(t.weights(draws))))
    assert mean_lags["awareness"] > mean_lags["conversion"] + 0.5


# --------------------------------------------------------------------------------------
# Hand-computed values
# --------------------------------------------------------------------------------------


def test_geometric_weights_by_hand():
    np.testing.assert_allclose(geometric_weights(0.5, l_max=3), [4 / 7, 2 / 7, 1 / 7], **TOL)
    np.testing.assert_allclose(
        geometric_weights(0.5, l_max=3, normalize=False), [1.0, 0.5, 0.25], **TOL
    )
    # alpha = 0: all weight at lag 0
    np.testing.assert_allclose(geometric_weights(0.0, l_max=3), [1.0, 0.0, 0.0], **TOL)
    # one value per series -> one row per series
    w = geometric_weights(np.array([0.5, 0.0]), l_max=3)
    np.testing.assert_allclose(w, [[4 / 7, 2 / 7, 1 / 7], [1.0, 0.0, 0.0]], **TOL)


def test_delayed_weights_by_hand():
    # alpha^((l - 1)^2) for l = 0, 1, 2 -> 0.5, 1, 0.5
    np.testing.assert_allclose(
        delayed_weights(0.5, 1.0, l_max=3, normalize=False), [0.5, 1.0, 0.5], **TOL
    )
    np.testing.assert_allclose(delayed_weights(0.5, 1.0, l_max=3), [0.25, 0.5, 0.25], **TOL)
    # theta = 0 is the geometric curve in l^2: 1, 0.5, 0.5^4
    np.testing.assert_allclose(
        delayed_weights(0.5, 0.0, l_max=3, normalize=False), [1.0, 0.5, 0.0625], **TOL
    )


def test_weibull_cdf_weights_by_hand():
    # shape 1, scale 1: survival exp(-j); w = [1, e^-1, e^-1 * e^-2]
    np.testing.assert_allclose(
        weibull_weights(1.0, 1.0, l_max=3, kind="cdf", normalize=False),
        [1.0, math.exp(-1.0), math.exp(-3.0)],
        **TOL,
    )
    # Robyn's construction with scipy's Weibull: cumprod of [1, 1 - CDF(1), ..., 1 - CDF(L-1)]
    k, s, L = 1.7, 2.5, 7
    survival = stats.weibull_min.sf(np.arange(1, L), k, scale=s)
    expected = np.cumprod(np.concatenate([[1.0], survival]))
    got = weibull_weights(k, s, l_max=L, kind="cdf", normalize=False)
    np.testing.assert_allclose(got, expected, **TOL)
    np.testing.assert_allclose(
        weibull_weights(k, s, l_max=L, kind="cdf"), expected / expected.sum(), **TOL
    )
    # one lag: the single weight is 1
    np.testing.assert_allclose(weibull_weights(k, s, l_max=1, kind="cdf"), [1.0], **TOL)


def test_weibull_pdf_weights_by_hand():
    # shape 2, scale 2: pdf(u) = (u / 2) exp(-(u / 2)^2) at u = 1, 2, 3
    expected = np.array([0.5 * math.exp(-0.25), math.exp(-1.0), 1.5 * math.exp(-2.25)])
    np.testing.assert_allclose(
        weibull_weights(2.0, 2.0, l_max=3, kind="pdf", normalize=False), expected, **TOL
    )
    np.testing.assert_allclose(
        weibull_weights(2.0, 2.0, l_max=3, kind="pdf"), expected / expected.sum(), **TOL
    )
    k, s, L = 0.8, 3.3, 9
    np.testing.assert_allclose(
        weibull_weights(k, s, l_max=L, normalize=False),
        stats.weibull_min.pdf(np.arange(1, L + 1), k, scale=s),
        **TOL,
    )


@pytest.mark.parametrize("backend", ["numpy", "pytensor"])
def test_convolve_by_hand(backend):
    def conv(x, w):
        if backend == "numpy":
            return convolve_adstock(np.asarray(x), np.asarray(w))
        xs = pt.tensor("x", shape=(None,) * np.ndim(x), dtype="float64")
        ws = pt.specify_shape(pt.tensor("w", shape=(None,) * np.ndim(w)), np.shape(w))
        fn = pytensor.function([xs, ws], convolve_adstock(xs, ws, xp=pt), mode=MODE)
        return fn(np.asarray(x, dtype=float), np.asarray(w, dtype=float))

    w = [4 / 7, 2 / 7, 1 / 7]
    np.testing.assert_allclose(conv([1.0, 0.0, 0.0, 2.0], w), [4 / 7, 2 / 7, 1 / 7, 8 / 7], **TOL)
    # overlapping carry-over: y3 = 2 * 0.5 + 0 * 0.3 + 1 * 0.2
    np.testing.assert_allclose(
        conv([1.0, 1.0, 0.0, 2.0], [0.5, 0.3, 0.2]), [0.5, 0.8, 0.5, 1.2], **TOL
    )
    # fewer dates than lags: nothing before the first date
    np.testing.assert_allclose(conv([1.0, 2.0], [0.5, 0.3, 0.2]), [0.5, 1.3], **TOL)
    # two series with their own weights
    x = [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]
    np.testing.assert_allclose(
        conv(x, [[0.5, 0.5], [0.9, 0.1]]), [[0.5, 0.0], [0.5, 0.9], [0.0, 0.1]], **TOL
    )


def test_hill_by_hand():
    assert float(hill(1.0, 1.0, 2.0)) == pytest.approx(0.5, abs=1e-15)
    assert float(hill(2.0, 1.0, 2.0)) == pytest.approx(4 / 5, abs=1e-15)
    assert float(hill(1.0, 2.0, 1.0)) == pytest.approx(1 / 3, abs=1e-15)
    assert float(hill(0.0, 2.0, 0.5)) == 0.0
    # small input keeps its relative precision: 1e-6 / (1 + 1e-6)
    assert float(hill(1e-3, 1.0, 2.0)) == pytest.approx(1e-6 / (1 + 1e-6), rel=1e-12)
    # no overflow for huge x / half or steep slopes
    assert float(hill(1e300, 1.0, 5.0)) == 1.0
    assert float(hill(1e-300, 1.0, 50.0)) == 0.0
    # broadcasting: x (date, series) against one half per series
    y = hill(np.array([[1.0, 1.0], [3.0, 1.0]]), np.array([1.0, 3.0]), 1.0)
    np.testing.assert_allclose(y, [[0.5, 0.25], [0.75, 0.25]], **TOL)


def test_logistic_by_hand():
    e2 = math.exp(-2.0)
    assert float(logistic(1.0, 2.0)) == pytest.approx((1 - e2) / (1 + e2), abs=1e-15)
    assert float(logistic(0.5, 4.0)) == pytest.approx((1 - e2) / (1 + e2), abs=1e-15)
    e3 = math.exp(-3.0)
    assert float(logistic(3.0, 1.0)) == pytest.approx((1 - e3) / (1 + e3), abs=1e-15)
    assert float(logistic(0.0, 1.0)) == 0.0
    assert float(logistic(1e6, 1.0)) == 1.0


def test_michaelis_menten_by_hand():
    assert float(michaelis_menten(3.0, 2.0, 1.0)) == pytest.approx(1.5, abs=1e-15)
    assert float(michaelis_menten(1.0, 2.0, 1.0)) == pytest.approx(1.0, abs=1e-15)
    # the registered class fixes vmax = 1 by default
    assert float(MichaelisMentenSaturation().apply(3.0, {"k": 1.0})) == pytest.approx(0.75)
    assert HillSaturation(slope=1.0).apply(3.0, {"half": 1.0}) == pytest.approx(0.75)


def _hill_grad_fn():
    x, half, slope = pt.dscalar("x"), pt.dscalar("half"), pt.dscalar("slope")
    y = hill(x, half, slope, xp=pt)
    return pytensor.function([x, half, slope], [y, *pytensor.grad(y, [x, half, slope])], mode=MODE)


@pytest.mark.parametrize("slope", [0.3, 1.0, 2.0, 7.0])
def test_hill_gradient_finite_at_zero(slope):
    y, dx, dhalf, dslope = _hill_grad_fn()(0.0, 1.3, slope)
    assert y == 0.0
    assert np.isfinite([dx, dhalf, dslope]).all()
    # y is identically 0 at x = 0 whatever half and slope
    assert dhalf == 0.0 and dslope == 0.0


def test_hill_gradient_by_hand():
    fn = _hill_grad_fn()
    # y = x^2 / (x^2 + 1): dy/dx = 2x / (x^2 + 1)^2 = 0.5 at x = 1; y depends on x / half
    # so dy/dhalf = -(x / half^2) f' = -0.5; dy/dslope = y (1 - y) log(x / half) = 0
    y, dx, dhalf, dslope = fn(1.0, 1.0, 2.0)
    assert (y, dx, dhalf, dslope) == pytest.approx((0.5, 0.5, -0.5, 0.0), abs=1e-12)
    # x = 2, half = 1, slope = 1: y = 2/3, dy/dslope = y (1 - y) log 2 = (2/9) log 2
    y, dx, dhalf, dslope = fn(2.0, 1.0, 1.0)
    assert y == pytest.approx(2 / 3, abs=1e-12)
    assert dx == pytest.approx(1 / 9, abs=1e-12)  # half / (x + half)^2
    assert dslope == pytest.approx(2 / 9 * math.log(2.0), abs=1e-12)


# --------------------------------------------------------------------------------------
# Weight summaries
# --------------------------------------------------------------------------------------


def test_half_life_by_hand():
    # alpha = 0.5, l_max = 3: C_0 = 4/7 >= 0.5, so half of the effect lands at lag 0
    assert float(half_life(geometric_weights(0.5, l_max=3))) == 0.0
    # alpha = 0.8: w = [1, 0.8, 0.64] / 2.44, C_0 = 1/2.44 < 0.5 <= C_1 = 1.8/2.44
    # -> 0 + (0.5 - 1/2.44) / (0.8/2.44) = (1.22 - 1) / 0.8 = 0.275
    assert float(half_life(geometric_weights(0.8, l_max=3))) == pytest.approx(0.275, abs=1e-12)
    # C = [0.2, 0.4, 1.0] -> 1 + 0.1 / 0.6
    assert float(half_life([0.2, 0.2, 0.6])) == pytest.approx(1 + 1 / 6, abs=1e-12)
    # unnormalised input and batches
    got = half_life([[2.0, 2.0, 6.0], [1.0, 0.0, 0.0]])
    np.testing.assert_allclose(got, [1 + 1 / 6, 0.0], **TOL)


def test_mean_lag_by_hand():
    assert float(mean_lag(geometric_weights(0.5, l_max=3))) == pytest.approx(4 / 7, abs=1e-12)
    np.testing.assert_allclose(mean_lag([[0.0, 0.0, 5.0], [1.0, 0.0, 1.0]]), [2.0, 1.0], **TOL)


def test_summaries_reject_bad_weights():
    with pytest.raises(SpecError, match="finite and >= 0"):
        half_life([0.5, -0.1, 0.6])
    with pytest.raises(SpecError, match="sum to 0"):
        mean_lag([0.0, 0.0])


# --------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------


def test_registry_names():
    assert set(ADSTOCKS) == {"geometric", "delayed", "weibull_pdf", "weibull_cdf"}
    assert set(SATURATIONS) == {"hill", "logistic", "michaelis_menten"}
    assert get_adstock("weibull_cdf").name == "weibull_cdf"
    assert get_adstock("weibull_pdf", l_max=4) == WeibullAdstock(l_max=4, kind="pdf")
    assert get_adstock("geometric") == GeometricAdstock(l_max=8, normalize=True)
    assert get_adstock("delayed").l_max == 13
    assert isinstance(get_saturation("logistic"), LogisticSaturation)
    for name, cls in ADSTOCKS.items():
        assert get_adstock(name).name == name and isinstance(get_adstock(name), cls)
    for name, cls in SATURATIONS.items():
        assert get_saturation(name).name == name and isinstance(get_saturation(name), cls)


def test_registry_unknown_name_lists_valid_names():
    with pytest.raises(SpecError) as err:
        get_adstock("exponential")
    for name in ADSTOCKS:
        assert name in str(err.value)
    assert "exponential" in str(err.value)
    with pytest.raises(SpecError) as err:
        get_saturation("tanh")
    for name in SATURATIONS:
        assert name in str(err.value)


def test_registry_rejects_bad_options():
    with pytest.raises(SpecError, match="lmax"):
        get_adstock("geometric", lmax=4)
    with pytest.raises(SpecError, match="kind='cdf'"):
        get_adstock("weibull_cdf", kind="pdf")
    with pytest.raises(SpecError, match="'name' key"):
        adstock_from_dict({"l_max": 4})
    with pytest.raises(SpecError, match="slope"):
        get_saturation("hill", slope=-1.0)


def test_saturation_parameter_options():
    assert HillSaturation().param_names == ("half", "slope")
    assert HillSaturation(slope=1.0).param_names == ("half",)
    assert HillSaturation(slope="estimate") == HillSaturation()
    assert MichaelisMentenSaturation().param_names == ("k",)
    assert MichaelisMentenSaturation(vmax=None).param_names == ("vmax", "k")
    assert set(HillSaturation(slope=2.0).default_priors()) == {"half"}
    assert DelayedAdstock().param_names == ("alpha", "theta")


def test_estimated_hill_slope_prior_is_above_one():
    """The slope prior is 1 + LogNormal(log 0.5, 0.4): median 1.5 and mean
    1 + 0.5 exp(0.4^2 / 2) (the regression baseline's fixed shape takes the median), the same
    in the PyMC model (the variable ``slope_excess`` plus 1) and the SciPy prior draws."""
    import pymc as pm

    from mmm.analysis.frequentist import _prior_median
    from mmm.analysis.priors import scipy_prior

    d = HillSaturation().default_priors()["slope"]
    want = 1 + 0.5 * math.exp(0.4**2 / 2)  # 1.5416
    assert _prior_median(d) == pytest.approx(1.5, rel=1e-12)
    draws = scipy_prior(d).rvs(size=20_000, random_state=np.random.default_rng(0))
    assert draws.min() > 1.0
    assert draws.mean() == pytest.approx(want, abs=0.01)
    assert scipy_prior(d).ppf(0.05) == pytest.approx(1 + 0.5 * math.exp(-1.6449 * 0.4), rel=1e-4)
    from mmm.model.build import _prior

    with pm.Model() as m:  # the model's own prior builder
        got = pm.draw(_prior(pm, "slope", d, None), draws=20_000, random_seed=1)
    assert [v.name for v in m.free_RVs] == ["slope_excess"]
    assert got.min() > 1.0
    assert got.mean() == pytest.approx(want, abs=0.01)


@pytest.mark.parametrize(
    ("l_max", "period_days", "upper", "a", "b"),
    [
        # weekly default: U = 13 / 2 = 6.5 weeks; mean 2 = 6.5 a / (a + b), sd 1
        (13, 7.0, 6.5, 2.46, 5.54),
        # daily default: 56 days = 8 weeks, U = 4; mean capped at U / 2, sd at U / 4
        (56, 1.0, 4.0, 1.5, 1.5),
    ],
)
def test_delayed_peak_lag_prior_is_bounded_by_half_the_window(l_max, period_days, upper, a, b):
    """The awareness peak lag is U * Beta(a, b) weeks, U half the window in weeks: mean 2
    and sd 1 (hand-computed Beta parameters), no mass beyond U, the same law in the PyMC
    model (the variable ``theta_unit`` stretched by U) and in the SciPy prior draws."""
    import pymc as pm

    from mmm.analysis.priors import scipy_prior
    from mmm.model.build import _prior

    d = DelayedAdstock(l_max=l_max).default_priors("awareness", period_days=period_days)["theta"]
    assert d == {"dist": "Beta", "alpha": a, "beta": b, "factor": upper}
    sd = upper * math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
    assert upper * a / (a + b) == pytest.approx(2.0, abs=0.01)
    assert sd == pytest.approx(1.0, abs=0.01)
    rv = scipy_prior(d)
    assert rv.ppf(1.0) == pytest.approx(upper) and rv.ppf(0.0) == 0.0
    draws = rv.rvs(size=20_000, random_state=np.random.default_rng(0))
    assert draws.mean() == pytest.approx(2.0, abs=0.03)
    assert draws.std() == pytest.approx(1.0, abs=0.03)
    with pm.Model() as m:
        got = pm.draw(_prior(pm, "theta", d, None), draws=20_000, random_seed=1)
    assert [v.name for v in m.free_RVs] == ["theta_unit"]
    assert 0.0 < got.min() and got.max() < upper
    assert got.mean() == pytest.approx(2.0, abs=0.03)
    assert got.std() == pytest.approx(1.0, abs=0.03)


def test_bounded_lag_prior_rejects_a_bound_that_is_not_positive():
    from mmm.transforms.prior_spec import bounded_lag_prior, split_prior

    with pytest.raises(ValueError, match="upper must be positive"):
        bounded_lag_prior(2.0, 1.0, 0.0)
    with pytest.raises(ValueError, match="factor must be positive"):
        split_prior({"dist": "Beta", "alpha": 2.0, "beta": 2.0, "factor": -1.0})


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------


def test_parameter_domains_are_checked_for_numpy():
    with pytest.raises(SpecError, match=r"'alpha' must lie in \[0.0, 1.0\].*1.5"):
        geometric_weights(np.array([0.5, 1.5]), l_max=3)
    with pytest.raises(SpecError, match="'theta'"):
        delayed_weights(0.5, -1.0, l_max=3)
    with pytest.raises(SpecError, match="'scale'"):
        weibull_weights(1.0, 0.0, l_max=3)
    with pytest.raises(SpecError, match="'half'"):
        hill(1.0, np.nan, 1.0)
    with pytest.raises(SpecError, match="kind"):
        weibull_weights(1.0, 1.0, l_max=3, kind="survival")
    with pytest.raises(SpecError, match="l_max"):
        geometric_weights(0.5, l_max=0)
    with pytest.raises(SpecError, match="l_max"):
        GeometricAdstock(l_max=2.5)


def test_saturation_rejects_negative_input_names_positions():
    with pytest.raises(DataError, match=r"positions \[\(1,\)\]"):
        hill(np.array([1.0, -2.0, 3.0]), 1.0, 1.0)
    # NaN is not replaced: it propagates
    assert np.isnan(hill(np.array([np.nan]), 1.0, 1.0)[0])
    assert np.isnan(logistic(np.array([np.nan]), 1.0)[0])


def test_params_must_match_param_names():
    with pytest.raises(SpecError, match=r"missing \['theta'\], unexpected \['beta'\]"):
        DelayedAdstock().apply(np.ones((3, 1)), {"alpha": [0.5], "beta": [1.0]})
    with pytest.raises(SpecError, match="missing"):
        HillSaturation(slope=1.0).apply(np.ones(3), {"slope": 1.0})


def test_convolve_shape_errors():
    with pytest.raises(SpecError, match="do not broadcast"):
        convolve_adstock(np.ones((5, 3)), np.ones((2, 4)))
    with pytest.raises(SpecError, match="series dims"):
        convolve_adstock(np.ones(5), np.ones((2, 4)))
    w = pt.matrix("w")  # lag length unknown
    with pytest.raises(SpecError, match="not known statically"):
        convolve_adstock(pt.matrix("x"), w, xp=pt)


def test_unknown_array_module():
    with pytest.raises(SpecError, match="numpy or pytensor.tensor"):
        geometric_weights(0.5, l_max=3, xp=math)


def test_classes_are_frozen_and_keyword_only():
    t = GeometricAdstock()
    with pytest.raises(AttributeError):
        t.l_max = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        GeometricAdstock(4)  # type: ignore[misc]


# --------------------------------------------------------------------------------------
# Compiled backends used by the samplers
# --------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["FAST_RUN", "NUMBA"])
def test_compiled_backends_match_numpy(mode):
    pytest.importorskip("numba")
    x_val = _spend(8)
    for case in sorted(ALL_CASES):
        t = ALL_CASES[case]
        got = _compile(t, 3, 2, mode=mode)(x_val, _params(t))
        np.testing.assert_allclose(got, t.apply(x_val, _params(t)), **TOL)


class TestPerPeriod:
    """Carry-over parameters written for weeks, converted to the data's periods."""

    def test_weekly_values_are_unchanged(self):
        from mmm.transforms import get_adstock

        for name, params in (
            ("geometric", {"alpha": 0.4}),
            ("delayed", {"alpha": 0.6, "theta": 2.0}),
            ("weibull_pdf", {"shape": 2.0, "scale": 4.0}),
        ):
            assert get_adstock(name).per_period(params, 7.0) == params

    def test_daily_values_by_hand(self):
        from mmm.transforms import get_adstock

        g = get_adstock("geometric").per_period({"alpha": 0.5}, 1.0)
        assert g["alpha"] == pytest.approx(0.5 ** (1 / 7))  # 0.905724
        d = get_adstock("delayed").per_period({"alpha": 0.6, "theta": 2.0}, 1.0)
        assert d["theta"] == pytest.approx(14.0)
        assert d["alpha"] == pytest.approx(0.6 ** (1 / 49))
        w = get_adstock("weibull_cdf").per_period({"shape": 1.5, "scale": 4.0}, 1.0)
        assert w == pytest.approx({"shape": 1.5, "scale": 28.0})

    def test_daily_kernels_carry_over_as_the_weekly_ones_in_calendar_time(self):
        """Seven daily lags later the geometric weight has fallen by the weekly retention,
        and the delayed kernel peaks seven times as many periods after the spend."""
        from mmm.transforms import get_adstock

        geo = get_adstock("geometric", l_max=15, normalize=False)
        wd = geo.weights(geo.per_period({"alpha": 0.3}, 1.0))
        assert wd[7] / wd[0] == pytest.approx(0.3)
        assert wd[14] / wd[7] == pytest.approx(0.3)
        dl = get_adstock("delayed", l_max=40, normalize=False)
        wk = dl.weights({"alpha": 0.7, "theta": 2.0})
        dy = dl.weights(dl.per_period({"alpha": 0.7, "theta": 2.0}, 1.0))
        assert int(np.argmax(dy)) == 7 * int(np.argmax(wk)) == 14
        assert dy[21] == pytest.approx(wk[3])  # three weeks after the spend, either way

    def test_unknown_parameters_fail_loudly(self):
        from mmm.errors import SpecError
        from mmm.transforms import get_adstock

        with pytest.raises(SpecError, match="alpha"):
            get_adstock("geometric").per_period({"beta": 0.5}, 1.0)
