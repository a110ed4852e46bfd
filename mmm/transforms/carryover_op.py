"""Carry-over as one PyTensor operation, with its gradient, for every back end.

The model's carry-over is the sum of :func:`~mmm.transforms.adstock.convolve_adstock`::

    y[t, m] = sum_l w[m, l] * x[t - l, m]        (x before the first date is 0)

for each series ``m`` (every cell of the dims after ``date``). Written with PyTensor's own
operations it needs either ``l_max`` shifted copies of ``x`` or the spend stacked by lag
(``date x geo x series x lag`` values, 1.2 million on 50 geos), and its gradient in the
weights runs over that stack again: memory traffic that was about half of a 50-geo
gradient. :class:`Carryover` computes the sum directly from ``x`` (which stays in the
processor's cache) and :class:`CarryoverWeightGrad` its derivative in the weights,

    dw[m, l] = sum_t g[t, m] * x[t - l, m],

each in one pass. Both are linear in each input, so their derivatives are these two
operations again (a derivative in ``x`` is a carry-over backwards in time): the graph can
be differentiated any number of times.

Each operation has one definition in NumPy (:mod:`mmm.transforms.carryover`, run by
``perform`` on PyTensor's C and Python back ends; the forward one is what
:func:`~mmm.transforms.adstock.convolve_adstock` evaluates in NumPy), a numba kernel for the
default sampler and a JAX one for the JAX back ends (:func:`register_jax`, called by those
back ends before they compile); the tests hold the three to the same numbers and to
finite differences. Build the graph with :func:`carryover`, not with the classes.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pytensor.tensor as pt
from pytensor.graph.basic import Apply
from pytensor.graph.op import Op
from pytensor.scalar import upcast

from mmm.errors import SpecError
from mmm.transforms.carryover import carryover_numpy, weight_grad_numpy

__all__ = [
    "Carryover",
    "CarryoverWeightGrad",
    "carryover",
    "register_jax",
]


def _kernel_salt() -> int:
    """An integer from this file's source: a changed kernel gets new cache keys."""
    text = Path(__file__).read_bytes()
    return int(hashlib.sha256(text).hexdigest()[:12], 16)


class Carryover(Op):
    """``y[t, ...] = sum_l w[..., l] * x[t - l, ...]``; ``x`` (date, ...), ``w`` (..., lag)
    with the same dims after ``date`` (see :func:`carryover`, which broadcasts them)."""

    __props__ = ()

    def make_node(self, *inputs):  # noqa: D102 (PyTensor's Op interface)
        _register_numba()
        x, w = (pt.as_tensor_variable(v) for v in inputs)
        if x.ndim < 1 or w.ndim != x.ndim:
            raise SpecError(
                f"Carryover: x (date, ...) and w (..., lag) need the same number of dims; "
                f"received {x.ndim} and {w.ndim}."
            )
        if w.type.shape[-1] is None:
            raise SpecError("Carryover: the lag length of w (last axis) must be static.")
        for i, (a, b) in enumerate(zip(x.type.shape[1:], w.type.shape[:-1], strict=True)):
            if a is not None and b is not None and a != b:
                raise SpecError(
                    f"Carryover: dim {i + 1} of x has length {a} but dim {i} of w has {b}; "
                    "build the graph with carryover(), which broadcasts them."
                )
        dtype = upcast(x.dtype, w.dtype)
        return Apply(self, [x, w], [pt.tensor(dtype=dtype, shape=x.type.shape)])

    def perform(self, node, inputs, outputs):  # noqa: D102
        x, w = inputs
        y = carryover_numpy(x, w)
        outputs[0][0] = np.asarray(y, dtype=node.outputs[0].dtype)

    def infer_shape(self, fgraph, node, shapes):  # noqa: D102
        return [shapes[0]]

    def L_op(self, inputs, outputs, output_grads):  # noqa: D102
        x, w = inputs
        (g,) = output_grads
        l_max = w.type.shape[-1]
        backwards = self.make_node(g[::-1], w).outputs[0][::-1]  # the carry-over reversed
        return [backwards, CarryoverWeightGrad(l_max).make_node(x, g).outputs[0]]


class CarryoverWeightGrad(Op):
    """``dw[..., l] = sum_t g[t, ...] * x[t - l, ...]`` for ``l < l_max``; ``x`` and ``g``
    (date, ...) of the same shape."""

    __props__ = ("l_max",)

    def __init__(self, l_max: int):
        self.l_max = int(l_max)

    def make_node(self, *inputs):  # noqa: D102
        _register_numba()
        x, g = (pt.as_tensor_variable(v) for v in inputs)
        if x.ndim < 1 or g.ndim != x.ndim:
            raise SpecError(
                f"CarryoverWeightGrad: x and g need the same dims; received {x.ndim} and {g.ndim}."
            )
        for i, (a, b) in enumerate(zip(x.type.shape, g.type.shape, strict=True)):
            if a is not None and b is not None and a != b:
                raise SpecError(
                    f"CarryoverWeightGrad: dim {i} of x has length {a} but of g {b}; "
                    "x and g must have the same shape."
                )
        dtype = upcast(x.dtype, g.dtype)
        shape = (*x.type.shape[1:], self.l_max)
        return Apply(self, [x, g], [pt.tensor(dtype=dtype, shape=shape)])

    def perform(self, node, inputs, outputs):  # noqa: D102
        x, g = inputs
        out = weight_grad_numpy(x, g, self.l_max)
        outputs[0][0] = np.asarray(out, dtype=node.outputs[0].dtype)

    def infer_shape(self, fgraph, node, shapes):  # noqa: D102
        return [(*shapes[0][1:], self.l_max)]

    def L_op(self, inputs, outputs, output_grads):  # noqa: D102
        x, g = inputs
        (gw,) = output_grads
        forward = Carryover()
        return [
            forward.make_node(g[::-1], gw).outputs[0][::-1],
            forward.make_node(x, gw).outputs[0],
        ]


def carryover(x, weights):
    """Carry-over of ``x`` (date, ...) with lag weights broadcasting against its dims.

    Parameters
    ----------
    x : TensorVariable, dims (date, *series_dims)
    weights : TensorVariable, dims (*series_dims, lag)
        Leading dims broadcast against ``x.shape[1:]``; the lag length must be static.

    Returns
    -------
    TensorVariable, dims (date, *broadcast(series_dims))
        ``sum_l weights[..., l] * x[t - l, ...]``, as
        :func:`~mmm.transforms.adstock.convolve_adstock` gives in NumPy.
    """
    x = pt.as_tensor_variable(x)
    weights = pt.as_tensor_variable(weights)
    l_max = weights.type.shape[-1]
    if l_max is None:
        raise SpecError(
            "carryover: the lag length of the weights (last axis) is not known statically. "
            "Build them with the kernels of mmm.transforms or wrap them in "
            "pytensor.tensor.specify_shape."
        )
    if weights.ndim > x.ndim:
        raise SpecError(
            f"carryover: weights have {weights.ndim - 1} series dims but x only {x.ndim - 1}; "
            "give x the series dims, e.g. x of shape (date, series)."
        )
    we = weights
    while we.ndim < x.ndim:
        we = pt.shape_padleft(we)
    # the common dims after date: static where known, else the larger of the two
    dims = []
    for i, (a, b) in enumerate(zip(x.type.shape[1:], we.type.shape[:-1], strict=True)):
        if a is not None and b is not None:
            dims.append(max(a, b))
        else:
            dims.append(pt.maximum(x.shape[i + 1], we.shape[i]))
    xe, static = x, tuple(d if isinstance(d, int) else None for d in dims)
    if x.type.shape[1:] != static or None in static:
        xe = pt.broadcast_to(x, (x.shape[0], *dims))
    if we.type.shape[:-1] != static or None in static:
        we = pt.broadcast_to(we, (*dims, l_max))
    return Carryover().make_node(xe, we).outputs[0]


@functools.cache
def _register_numba() -> None:
    """Give both operations their numba kernels (once per process, when the first node of
    either is made)."""
    from pytensor.link.numba.dispatch import basic as nb

    salt = _kernel_salt()

    @nb.numba_njit
    def forward(x, w):
        T = x.shape[0]
        L = w.shape[-1]
        M = w.size // L
        xf = np.ascontiguousarray(x).reshape((T, M))
        wt = np.ascontiguousarray(w).reshape((M, L)).T.copy()  # (L, M): rows contiguous
        y = np.zeros((T, M), dtype=np.float64)
        for t in range(T):
            for lag in range(min(L, t + 1)):
                for m in range(M):
                    y[t, m] += wt[lag, m] * xf[t - lag, m]
        return y.reshape(x.shape)

    @nb.register_funcify_default_op_cache_key(Carryover)
    def _carryover(op, node, **kwargs):
        return forward, salt

    @nb.register_funcify_default_op_cache_key(CarryoverWeightGrad)
    def _weight_grad(op, node, **kwargs):
        L = op.l_max

        @nb.numba_njit
        def weight_grad(x, g):
            T = x.shape[0]
            M = 1
            for d in x.shape[1:]:
                M *= d
            xf = np.ascontiguousarray(x).reshape((T, M))
            gf = np.ascontiguousarray(g).reshape((T, M))
            acc = np.zeros((L, M), dtype=np.float64)
            for t in range(T):
                for lag in range(min(L, t + 1)):
                    for m in range(M):
                        acc[lag, m] += gf[t, m] * xf[t - lag, m]
            return acc.T.copy().reshape(x.shape[1:] + (L,))

        return weight_grad, salt


@functools.cache
def register_jax() -> None:
    """Give both operations their JAX implementations (imports JAX; once per process).

    Called by the JAX back ends (``SamplerConfig(backend="jax")`` and the NumPyro sampler)
    before they compile a model.
    """
    import jax.numpy as jnp
    from pytensor.link.jax.dispatch import jax_funcify

    def shifted(x: Any, lag: int) -> Any:
        if lag == 0:
            return x
        pad = jnp.zeros((lag, *x.shape[1:]), dtype=x.dtype)
        return jnp.concatenate([pad, x[: x.shape[0] - lag]], axis=0)

    @jax_funcify.register(Carryover)
    def _carryover(op, **kwargs):
        def forward(x, w):
            L = w.shape[-1]
            y = jnp.zeros(x.shape, dtype=jnp.result_type(x, w))
            for lag in range(min(L, x.shape[0])):
                y = y + w[..., lag] * shifted(x, lag)
            return y

        return forward

    @jax_funcify.register(CarryoverWeightGrad)
    def _weight_grad(op, **kwargs):
        L = op.l_max

        def weight_grad(x, g):
            T = x.shape[0]
            cols = [
                jnp.sum(g[lag:] * x[: T - lag], axis=0) if lag < T else jnp.zeros(x.shape[1:])
                for lag in range(L)
            ]
            return jnp.stack(cols, axis=-1)

        return weight_grad
