"""The carry-over operation (mmm.transforms.carryover_op): the same numbers on every back end
as the NumPy definition, hand-computed values, and derivatives against finite differences."""

from __future__ import annotations

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from mmm.errors import SpecError
from mmm.transforms.adstock import convolve_adstock
from mmm.transforms.carryover import weight_grad_numpy
from mmm.transforms.carryover_op import (
    Carryover,
    CarryoverWeightGrad,
    carryover,
)

MODES = ["NUMBA", "FAST_RUN", "FAST_COMPILE"]  # numba kernel, C back end, NumPy perform
TOL = {"rtol": 1e-10, "atol": 1e-12}


def _data(T=9, G=3, S=4, L=5, seed=3):
    rng = np.random.default_rng(seed)
    return rng.gamma(2.0, 1.0, (T, G, S)), rng.random((S, L)), rng.normal(size=(T, G, S))


def _loss_numpy(x, w, c):
    """A non-linear scalar of the carry-over, so the derivatives are not trivial."""
    return float(np.sum(c * np.sin(convolve_adstock(x, w))))


def _finite_difference(f, v, eps=1e-6):
    out = np.zeros_like(v)
    for idx in np.ndindex(v.shape):
        d = np.zeros_like(v)
        d[idx] = eps
        out[idx] = (f(v + d) - f(v - d)) / (2 * eps)
    return out


def test_weight_gradient_by_hand():
    # dw[l] = sum_t g[t] x[t - l]: dw[0] = 1*1 + 0*2 + 1*0 = 1, dw[1] = 0*1 + 1*2 = 2,
    # dw[2] = 1*1 = 1
    x = np.array([1.0, 2.0, 0.0])
    g = np.array([1.0, 0.0, 1.0])
    np.testing.assert_array_equal(weight_grad_numpy(x, g, 3), [1.0, 2.0, 1.0])
    # a lag beyond the dates sees no spend
    np.testing.assert_array_equal(weight_grad_numpy(x, g, 5), [1.0, 2.0, 1.0, 0.0, 0.0])


@pytest.mark.parametrize("mode", MODES)
def test_forward_and_derivatives_match_numpy(mode):
    x, w, c = _data()
    xs = pt.tensor("x", shape=(None, 3, 4))
    ws = pt.tensor("w", shape=(4, 5))
    y = carryover(xs, ws)
    gw, gx = pytensor.grad(pt.sum(c * pt.sin(y)), [ws, xs])
    fn = pytensor.function([xs, ws], [y, gw, gx], mode=mode)
    got_y, got_gw, got_gx = fn(x, w)
    np.testing.assert_allclose(got_y, convolve_adstock(x, w), **TOL)
    np.testing.assert_allclose(
        got_gw, _finite_difference(lambda v: _loss_numpy(x, v, c), w), rtol=1e-6, atol=1e-7
    )
    np.testing.assert_allclose(
        got_gx, _finite_difference(lambda v: _loss_numpy(v, w, c), x), rtol=1e-6, atol=1e-7
    )


@pytest.mark.parametrize("mode", ["NUMBA", "FAST_RUN"])
def test_short_series_and_broadcast_weights(mode):
    """Fewer dates than lags, no dates at all, and one set of weights for every series."""
    rng = np.random.default_rng(0)
    xs = pt.tensor("x", shape=(None, 2))
    w = rng.random((2, 6))
    fn = pytensor.function([xs], carryover(xs, pt.as_tensor_variable(w)), mode=mode)
    x = rng.random((3, 2))
    np.testing.assert_allclose(fn(x), convolve_adstock(x, w), **TOL)
    assert fn(np.zeros((0, 2))).shape == (0, 2)
    w1 = np.array([0.5, 0.3, 0.2])
    fn1 = pytensor.function([xs], carryover(xs, pt.as_tensor_variable(w1)), mode=mode)
    np.testing.assert_allclose(fn1(x), convolve_adstock(x, w1), **TOL)


@pytest.mark.parametrize("mode", ["NUMBA", "FAST_RUN"])
def test_second_derivatives_against_finite_differences(mode):
    """The weight gradient is differentiable too (its derivatives are carry-overs)."""
    x, _, c = _data(T=6, G=2, S=2, L=3)
    rng = np.random.default_rng(1)
    pytensor.gradient.verify_grad(
        lambda a, b: CarryoverWeightGrad(3)(a, b), [x, c], rng=rng, mode=mode
    )
    pytensor.gradient.verify_grad(
        lambda a, b: carryover(a, b), [x, rng.random((2, 2, 3))], rng=rng, mode=mode
    )


def test_jax_matches_numpy():
    jax = pytest.importorskip("jax")
    from mmm.transforms.carryover_op import register_jax

    jax.config.update("jax_enable_x64", True)
    register_jax()
    x, w, c = _data()
    xs = pt.tensor("x", shape=(9, 3, 4))
    ws = pt.tensor("w", shape=(4, 5))
    y = carryover(xs, ws)
    gw = pytensor.grad(pt.sum(c * pt.sin(y)), ws)
    got_y, got_gw = pytensor.function([xs, ws], [y, gw], mode="JAX")(x, w)
    np.testing.assert_allclose(got_y, convolve_adstock(x, w), **TOL)
    # the weights are shared by the geos: their gradient sums the geos' ones
    dy = c * np.cos(convolve_adstock(x, w))
    np.testing.assert_allclose(got_gw, weight_grad_numpy(x, dy, 5).sum(axis=0), **TOL)


def test_bad_shapes_name_the_fix():
    with pytest.raises(SpecError, match="series dims"):
        carryover(pt.vector("x"), pt.tensor("w", shape=(2, 3)))
    with pytest.raises(SpecError, match="statically"):
        carryover(pt.matrix("x"), pt.matrix("w"))
    with pytest.raises(SpecError, match="same number of dims"):
        Carryover()(pt.matrix("x"), pt.vector("w"))
    with pytest.raises(SpecError, match="must be static"):
        Carryover()(pt.matrix("x"), pt.matrix("w"))
    with pytest.raises(SpecError, match="length 3 but dim 0 of w has 2"):
        Carryover()(pt.tensor("x", shape=(5, 3)), pt.tensor("w", shape=(2, 4)))
    with pytest.raises(SpecError, match="same dims"):
        CarryoverWeightGrad(3)(pt.matrix("x"), pt.vector("g"))
    with pytest.raises(SpecError, match="dim 1 of x has length 3 but of g 2"):
        CarryoverWeightGrad(3)(pt.tensor("x", shape=(5, 3)), pt.tensor("g", shape=(5, 2)))


def test_the_model_holds_the_spend_once_and_one_carry_over(demo_sim):
    """The model reads the spend by date (no lag-stacked copy) and carries it over with
    the one operation; a changed kernel changes the compiled model's disk-cache key."""
    from pytensor.graph.basic import io_toposort

    from mmm.inference.graph_key import op_signature
    from mmm.model.build import build_model
    from mmm.spec import ModelSpec

    ds = demo_sim.to_dataset()
    model = build_model(ModelSpec(mediator="brand_search"), ds)
    shapes = {v.name: v.get_value().shape for v in model.data_vars}
    assert shapes["spend_scaled"] == (ds.n_dates, len(ds.geos), len(ds.series))
    assert all(len(s) < 4 for s in shapes.values())
    ops = {type(n.op) for n in io_toposort([], [model.logp()])}
    assert Carryover in ops
    assert "source=" in op_signature(Carryover())
