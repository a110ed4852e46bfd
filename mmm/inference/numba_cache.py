"""A compiled model kept on disk, so that a new process does not compile it again.

nutpie samples a PyMC model through two C callbacks (the log density with its gradient,
and the expansion of a draw into every traced variable) that numba compiles from
PyTensor's graph. nutpie's own callbacks close over Python objects and cannot be cached,
and PyTensor's key for the rewritten graph changes from one process to the next (its
rewrites choose in-place patterns in an order that follows object identities), so every
new process used to compile the whole model again: most of a cold fit's time.

This module builds the two callbacks itself (their generated source and numba's cache of
them: :mod:`mmm.inference.numba_callbacks`), under a key that is the same in every process
for the same model (:func:`model_key`, over :func:`mmm.inference.graph_key.graph_key`): a SHA-256 of the
model's graph *before* rewriting (every operation with its parameters, every constant's
bytes, every data variable's name and type, in the order PyMC builds them), the shapes
of the free variables, the traced variables' names, and the versions of the packages
that compile it. Data (``pm.Data``) are inputs of the callbacks, never constants, so one
compiled model serves every dataset of the same structure (``with_data``). A graph holding
anything the key cannot describe exactly (an operation whose parameters print an object
address) is compiled as before, without the disk cache.

The compiled callbacks lie in ``$MMM_CACHE_DIR/numba`` (else ``~/.cache/mmm/numba``, see
:func:`mmm.inference.cache_paths.cache_dir`), in numba's own format, one index and one code
file per callback; numba checks the machine and CPU they were compiled for. Beside them, a
small JSON file per model (:class:`Layout`: the data each callback reads, in order, and the
traced variables' names and shapes) lets a later process read the model without PyTensor
rewriting its graph at all; without that file, or with a callback missing, the model is
built through PyTensor as on a first compile. Deleting the folder only costs the next fit
its compile. PyTensor keeps its own cache of the pieces (``pytensor.config.base_compiledir``),
which makes a first compile faster too.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, replace
from importlib.metadata import PackageNotFoundError, version

import numpy as np

from mmm.inference.graph_key import Uncacheable, digest, graph_key
from mmm.inference.numba_callbacks import (
    CALLBACK_VERSION,
    array_slots,
    cached_cfunc,
    cfunc,
    expand_source,
    graph_function,
    logp_source,
    signatures,
    user_data,
)

__all__ = [
    "Layout",
    "Uncacheable",
    "cache_events",
    "compile_cached",
    "initial_point_function",
    "model_key",
    "pytensor_functions",
]

_PACKAGES = ("nutpie", "pymc", "pytensor", "numba", "llvmlite", "numpy")
_CONFIG = (
    "floatX",
    "cast_policy",
    "optimizer",
    "optimizer_excluding",
    "optimizer_including",
    "optimizer_requiring",
    "numba__fastmath",
)


def _versions() -> str:
    out = []
    for name in _PACKAGES:
        try:
            out.append(f"{name}={version(name)}")
        except PackageNotFoundError:
            out.append(f"{name}=none")
    return ",".join(out)


def _rv_shape(rv) -> tuple[int, ...] | None:
    """Shape of the random variable ``rv`` as its graph gives it without compiling: its
    static shape, else the size of a univariate variable given by the model's dims (their
    lengths are data variables) or by constants; None when the graph does not tell."""
    from pytensor.compile.sharedvalue import SharedVariable
    from pytensor.graph.basic import Constant
    from pytensor.tensor.basic import MakeVector
    from pytensor.tensor.random.op import RandomVariable

    if None not in rv.type.shape:
        return tuple(int(n) for n in rv.type.shape)
    node = rv.owner
    if node is None or not isinstance(node.op, RandomVariable) or node.op.ndim_supp != 0:
        return None
    size = node.op.size_param(node)
    if size.owner is None or not isinstance(size.owner.op, MakeVector):
        return None
    lengths = []
    for n in size.owner.inputs:
        if isinstance(n, SharedVariable):
            lengths.append(int(n.get_value(borrow=True)))
        elif isinstance(n, Constant):
            lengths.append(int(n.data))
        else:
            return None
    return tuple(lengths) if len(lengths) == rv.ndim else None


def _value_shape(model, rv) -> tuple[int, ...] | None:
    """Shape of the value of the free variable ``rv`` on the sampler's scale, without
    compiling: the static shape of its transform applied to a value of its shape (as PyMC
    makes the value variable); None when the graph does not tell."""
    import pytensor.tensor as pt

    shape = _rv_shape(rv)
    transform = model.rvs_to_transforms.get(rv)
    if shape is None or transform is None:
        return shape
    x = pt.tensor(dtype=rv.type.dtype, shape=shape)
    out = transform.forward(x, *rv.owner.inputs).type.shape
    return None if None in out else tuple(int(n) for n in out)


def _free_shapes(model) -> list[tuple[str, tuple[int, ...]]]:
    """Name and shape of each free variable's value, in the model's order: read from the
    graph (:func:`_value_shape`), which compiles nothing, else from
    ``model.initial_point()``, which compiles a function; both give the same shapes."""
    names = [model.rvs_to_values[rv].name for rv in model.free_RVs]
    shapes = [_value_shape(model, rv) for rv in model.free_RVs]
    known = [s for s in shapes if s is not None]
    if len(known) < len(shapes):
        point = model.initial_point()
        known = [np.shape(point[n]) for n in names]
    return list(zip(names, known, strict=True))


def model_key(model, var_names=None) -> str:
    """Key of the compiled callbacks of ``model``: the same in every process.

    Raises
    ------
    Uncacheable
        When the graph holds something the key cannot describe exactly.
    """
    import pytensor

    values = [model.rvs_to_values[rv] for rv in model.free_RVs]
    traced = list(model.unobserved_value_vars)
    outputs = [model.logp(jacobian=True), *traced]
    parts = [
        f"callbacks v{CALLBACK_VERSION}",
        _versions(),
        # settings that change how PyTensor rewrites or numba compiles the same graph
        *(f"{name}={getattr(pytensor.config, name, None)!r}" for name in _CONFIG),
        f"free={_free_shapes(model)}",
        f"traced={[v.name for v in traced]}",
        f"var_names={None if var_names is None else sorted(var_names)}",
        graph_key(outputs, values),
    ]
    return digest(*parts)


# callbacks read from disk (hits) and compiled and written there (misses) in this process
_EVENTS = {"hits": 0, "misses": 0, "beside": 0}


def cache_events() -> dict[str, int]:
    """Callbacks of this process read from the disk cache (hits) or compiled (misses).

    Returns
    -------
    dict
        ``{"hits": int, "misses": int, "beside": int}``; a model has two callbacks.
        ``beside``: of the misses, those compiled in a second process while this one
        compiled the other (:mod:`mmm.inference.compile_beside`).
    """
    return dict(_EVENTS)


@functools.lru_cache(maxsize=1)
def _model_class():
    """nutpie's compiled PyMC model, with data swapped into this module's user data."""
    from nutpie.compile_pymc import CompiledPyMCModel

    @dataclass(frozen=True)
    class CachedPyMCModel(CompiledPyMCModel):  # type: ignore[misc]  # nutpie is untyped
        data_names: tuple[str, ...] = ()

        def with_data(self, **updates):
            shared = dict(self.shared_data)
            for name, value in updates.items():
                if name not in shared:
                    raise KeyError(f"unknown data variable: {name}")
                old = shared[name]
                new = np.array(value, dtype=old.dtype, order="C", copy=True)
                if new.shape != old.shape:
                    # the model's data have static shapes (mmm.transforms.model_data): the compiled
                    # code is specialised to them
                    raise ValueError(
                        f"data variable {name} must have shape {old.shape}, not {new.shape}"
                    )
                new.flags.writeable = False
                shared[name] = new
            # the fields come from nutpie's (untyped) compiled model
            return replace(  # type: ignore[call-arg]
                self, shared_data=shared, user_data=user_data(list(self.data_names), shared)
            )

    return CachedPyMCModel


def _check_cache_folder() -> None:
    """Raise :class:`Uncacheable` unless the cache folder can be created and written."""
    import tempfile

    from mmm.inference.cache_paths import cache_dir

    path = cache_dir("numba")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise Uncacheable(f"the cache folder {path} cannot be written ({exc.strerror})") from None


@dataclass(frozen=True)
class Layout:
    """What a compiled model needs besides its two callbacks, kept as JSON beside them so
    that a later process reads the model without PyTensor rewriting and compiling its
    graph (about 2-5 s of every fit with the model on disk).

    Attributes
    ----------
    n_dim, n_expanded : int
        Length of a draw on the sampler's scale, and of its expansion into the traced
        variables.
    logp_data, expand_data : tuple of str
        The data variables each callback reads, in the order of its arguments.
    names : tuple of str
        The traced variables, in the expansion's order.
    slices : tuple of (int, int)
        Start and stop of each traced variable in the expansion.
    shapes : tuple of tuple of int
        Shape of each traced variable.
    """

    n_dim: int
    n_expanded: int
    logp_data: tuple[str, ...]
    expand_data: tuple[str, ...]
    names: tuple[str, ...]
    slices: tuple[tuple[int, int], ...]
    shapes: tuple[tuple[int, ...], ...]

    @property
    def data_names(self) -> list[str]:
        """The data variables of both callbacks, in the user data's order."""
        return list(dict.fromkeys([*self.logp_data, *self.expand_data]))

    @property
    def shape_info(self) -> tuple[list[str], list[slice], list[tuple[int, ...]]]:
        """nutpie's ``shape_info``: names, slices and shapes of the traced variables."""
        return (
            list(self.names),
            [slice(a, b) for a, b in self.slices],
            [tuple(s) for s in self.shapes],
        )

    def to_json(self) -> str:
        """The layout as JSON text."""
        return json.dumps(
            {f: getattr(self, f) for f in self.__dataclass_fields__}, separators=(",", ":")
        )

    @classmethod
    def from_json(cls, text: str) -> Layout:
        """The layout written by :meth:`to_json`; ``ValueError`` for anything else."""
        try:
            d = json.loads(text)
            return cls(
                n_dim=int(d["n_dim"]),
                n_expanded=int(d["n_expanded"]),
                logp_data=tuple(str(n) for n in d["logp_data"]),
                expand_data=tuple(str(n) for n in d["expand_data"]),
                names=tuple(str(n) for n in d["names"]),
                slices=tuple((int(a), int(b)) for a, b in d["slices"]),
                shapes=tuple(tuple(int(n) for n in s) for s in d["shapes"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a compiled model's layout ({exc})") from None


def _layout_path(key: str):
    from mmm.inference.cache_paths import cache_dir

    return cache_dir("numba") / f"mmm-model-{key[:32]}.json"


def _read_layout(key: str) -> Layout | None:
    """The layout kept for ``key``; None when there is none or it cannot be read (the
    model is then compiled, or read through PyTensor's graph, as without it)."""
    try:
        return Layout.from_json(_layout_path(key).read_text())
    except (OSError, ValueError):
        return None


def _write_layout(key: str, layout: Layout) -> None:
    """Write the layout for ``key`` (atomically: a reader sees all of it or nothing)."""
    from mmm.inference.cache_paths import write_atomic

    write_atomic(_layout_path(key), layout.to_json())


def _data_arrays(variables: dict, names: list[str]) -> dict[str, np.ndarray]:
    """Read-only C-ordered copies of the data variables ``names`` (of ``variables``:
    ``{name: shared variable}``), by name, in that order."""
    shared: dict[str, np.ndarray] = {}
    for name in names:
        arr = np.array(variables[name].get_value(), order="C", copy=True)
        arr.flags.writeable = False
        shared[name] = arr
    return shared


def _sources(layout: Layout, shared: dict) -> tuple[str, str]:
    """Source of the two callbacks for ``layout``; ``shared``: the data arrays in user-data
    order."""
    names = list(shared)
    by_name = dict(zip(names, array_slots(names, shared), strict=True))
    n_slots = user_data(names, shared).size
    return (
        logp_source(layout.n_dim, [by_name[n] for n in layout.logp_data], n_slots),
        expand_source(
            layout.n_dim, layout.n_expanded, [by_name[n] for n in layout.expand_data], n_slots
        ),
    )


def _callbacks(key: str, layout: Layout, shared: dict, logp_pt, expand_pt):
    """The two C callbacks (log density with gradient, draw expansion), from the disk cache
    or compiled into it, and how many came from the cache; ``shared``: the data arrays in
    user-data order.

    The expansion is compiled in a second process beside the log density
    (:mod:`mmm.inference.compile_beside`) and read back from the cache; where that cannot
    run or fails, here after the log density.
    """
    import time

    from mmm.inference import compile_beside
    from mmm.inference.warm_pieces import compile_from_end

    logp_src, expand_src = _sources(layout, shared)
    logp_sig, expand_sig = signatures()
    expand_inner = graph_function(expand_pt)

    def compile_expand():
        return cfunc(expand_src, expand_inner, key, expand_sig)

    expand_c = cached_cfunc(expand_src, key, expand_sig)
    hits = int(expand_c is not None)
    child = None
    if expand_c is None:
        child = compile_beside.start(
            compile_expand,
            # first the log density's operations from the graph's end, into PyTensor's
            # cache, where this process finds them when its compile gets there; the
            # expansion once this process has compiled the log density
            first=compile_from_end(logp_pt.maker.fgraph),
        )
    t0 = time.monotonic()
    try:
        logp_c = cfunc(logp_src, graph_function(logp_pt), key, logp_sig)
    except BaseException:
        if child is not None:
            child.wait(0.0)  # stops it
        raise
    hits += logp_c.cache_hits
    if child is not None and child.join(time.monotonic() - t0):
        expand_c = cached_cfunc(expand_src, key, expand_sig)
        _EVENTS["beside"] += expand_c is not None
    if expand_c is None:
        expand_c = compile_expand()
    return logp_c, expand_c, hits


def _data_variables(model) -> dict:
    """The model's data variables (and shared dim lengths), by name."""
    from pytensor.compile.sharedvalue import SharedVariable

    out = {v.name: v for v in model.data_vars}
    for v in model.dim_lengths.values():
        if isinstance(v, SharedVariable) and v.name:
            out.setdefault(v.name, v)
    return out


def _from_layout(model, key: str, layout: Layout):
    """``model`` compiled from its layout and the callbacks on disk; None when a callback
    is not on disk or the model lacks a data variable of the layout."""
    variables = _data_variables(model)
    names = layout.data_names
    if any(n not in variables for n in names):
        return None
    shared = _data_arrays(variables, names)
    logp_sig, expand_sig = signatures()
    logp_src, expand_src = _sources(layout, shared)
    logp_c = cached_cfunc(logp_src, key, logp_sig)
    expand_c = cached_cfunc(expand_src, key, expand_sig) if logp_c is not None else None
    if expand_c is None:
        return None
    _EVENTS["hits"] += 2
    return _assemble(model, layout, shared, logp_c, expand_c, None, None)


def _assemble(model, layout: Layout, shared: dict, logp_c, expand_c, logp_pt, expand_pt):
    from nutpie.compile_pymc import _prepare_dims_and_coords

    names = list(shared)
    shape_info = layout.shape_info
    dims, coords = _prepare_dims_and_coords(model, shape_info)
    shapes = {name: tuple(shape) for name, _, shape in zip(*shape_info, strict=True)}
    return _model_class()(
        _n_dim=layout.n_dim,
        dims=dims,
        _coords=coords,
        _shapes=shapes,
        compiled_logp_func=logp_c,
        compiled_expand_func=expand_c,
        initial_point_func=initial_point_function(model, shapes),
        shared_data=shared,
        user_data=user_data(names, shared),
        n_expanded=layout.n_expanded,
        shape_info=shape_info,
        # PyTensor's functions of the graph (None when read from the layout: sampling
        # uses the callbacks only)
        logp_func=logp_pt,
        expand_func=expand_pt,
        data_names=tuple(names),
    )


def initial_point_function(model, shapes: dict):
    """nutpie's initial-point function of ``model``: its support points, jittered, on the
    sampler's (unconstrained) scale, as one flat array per seed.

    Built from the model it is given, so that it reads that model's data: prior medians
    that are model data (``log_prior_roas`` ...) set the starting points, and a compiled
    model reused for other data must start from the other data's points, or the draws of
    a fit would depend on which fit the process ran before it.

    Parameters
    ----------
    model : pymc.Model
    shapes : dict
        ``{value variable name: shape}`` of at least the free variables (a compiled
        model's ``_shapes``).

    Returns
    -------
    callable
        ``seed -> ndarray`` of the free variables' values, in the model's order.
    """
    import pymc as pm
    from nutpie.compile_pymc import _rv_dict_to_flat_array_wrapper, _wrap_with_lock

    fn = pm.initial_point.make_initial_point_fn(
        model=model,
        default_strategy="support_point",
        jitter_rvs=set(model.free_RVs),
        return_transformed=True,
    )
    names = [model.rvs_to_values[rv].name for rv in model.free_RVs]
    return _rv_dict_to_flat_array_wrapper(
        _wrap_with_lock(fn), names=names, shapes=[tuple(shapes[n]) for n in names]
    )


def pytensor_functions(model, var_names=None):
    """nutpie's PyTensor functions of ``model`` in numba mode, as the callbacks wrap them.

    Returns
    -------
    tuple
        ``(n_dim, n_expanded, logp_fn, expand_fn, shape_info)``: the log density with its
        gradient and the expansion of a draw (PyTensor functions whose ``maker.fgraph`` is
        the rewritten graph), and nutpie's names, slices and shapes of the traced variables.
    """
    from nutpie.compile_pymc import _make_functions

    n_dim, n_expanded, logp_pt, expand_pt, _, shape_info = _make_functions(
        model,
        mode="NUMBA",
        compute_grad=True,
        join_expanded=True,
        # replaced by the one definition of the starting points (initial_point_function)
        pymc_initial_point_fn=lambda seed: {},
        var_names=var_names,
    )
    return n_dim, n_expanded, logp_pt, expand_pt, shape_info


def compile_cached(model, *, var_names=None):
    """nutpie's compiled model, its two callbacks read from (or written to) the disk cache.

    Parameters
    ----------
    model : pymc.Model
    var_names : iterable of str, optional
        Variables to trace besides the free ones (nutpie's ``var_names``).

    Returns
    -------
    nutpie compiled model
        A ``nutpie.compile_pymc.CompiledPyMCModel`` whose ``with_data`` swaps the data
        arrays in. Whether the callbacks came from disk: :func:`cache_events`.

    Raises
    ------
    Uncacheable
        When the model's graph holds something :func:`model_key` cannot describe exactly,
        or the cache folder cannot be written (nothing is compiled then).
    """
    _check_cache_folder()
    key = model_key(model, var_names)
    layout = _read_layout(key)
    if layout is not None:
        compiled = _from_layout(model, key, layout)
        if compiled is not None:
            return compiled
    n_dim, n_expanded, logp_pt, expand_pt, shape_info = pytensor_functions(model, var_names)
    names, slices, shapes = shape_info
    layout = Layout(
        n_dim=int(n_dim),
        n_expanded=int(n_expanded),
        logp_data=tuple(v.name for v in logp_pt.get_shared()),
        expand_data=tuple(v.name for v in expand_pt.get_shared()),
        names=tuple(names),
        slices=tuple((int(sl.start), int(sl.stop)) for sl in slices),
        shapes=tuple(tuple(int(n) for n in shape) for shape in shapes),
    )
    variables = {v.name: v for v in [*logp_pt.get_shared(), *expand_pt.get_shared()]}
    shared = _data_arrays(variables, layout.data_names)
    logp_c, expand_c, hits = _callbacks(key, layout, shared, logp_pt, expand_pt)
    _EVENTS["hits"] += hits
    _EVENTS["misses"] += 2 - hits
    _write_layout(key, layout)
    return _assemble(model, layout, shared, logp_c, expand_c, logp_pt, expand_pt)
