"""nutpie's two C callbacks (log density with gradient, expansion of a draw), generated as
source that numba compiles and caches on disk under a key of ours.

The generated callback reads each data array from the user data (address, then shape),
calls PyTensor's numba function of the graph, and returns nutpie's status codes.
:func:`cfunc` compiles one (or reads it from numba's cache); :func:`cached_cfunc` only
reads it. The cache files lie in :func:`mmm.inference.cache_paths.cache_dir` ``("numba")``.
"""

from __future__ import annotations

import functools
import os
import weakref

import numpy as np

from mmm.inference.graph_key import digest

#: Bump when the generated callbacks change: it is part of every key.
CALLBACK_VERSION = 5


def logp_source(n_dim: int, arrays: list[tuple[int, int, str]], n_slots: int) -> str:
    """Source of the log-density callback: ``arrays`` are the data arrays it reads
    (:func:`array_slots`), ``n_slots`` the length of the user data.

    The results are copied element by element, not by slice assignment: numba's slice
    assignment brings its shape-mismatch error with a formatted message, whose string
    functions numba compiles anew in every process that compiles a model (about 4 s of the
    demo's compile).
    """
    args, lines = _unpack(arrays)
    return f"""
def mmm_logp_callback(dim, x_, out_, logp_, user_data_):
    if dim != {n_dim}:
        return -1
    u = numba.carray(user_data_, ({n_slots},), np.uint64)
    x = numba.carray(x_, ({n_dim},))
    out = numba.carray(out_, ({n_dim},))
    logp = numba.carray(logp_, ())
{lines}
    try:
        logp_val, grad = inner(x{args})
    except Exception:
        return 1
    if grad.shape[0] != {n_dim}:
        return -1
    logp[()] = logp_val
    finite = True
    for i in range({n_dim}):
        out[i] = grad[i]
        finite = finite and np.isfinite(grad[i])
    if not finite:
        return 3
    if not np.isfinite(logp_val):
        return 4
    return 0
"""


def expand_source(
    n_dim: int, n_expanded: int, arrays: list[tuple[int, int, str]], n_slots: int
) -> str:
    """Source of the expansion callback (arguments as for :func:`logp_source`)."""
    args, lines = _unpack(arrays)
    return f"""
def mmm_expand_callback(dim, expanded, x_, out_, user_data_):
    if dim != {n_dim}:
        return -1
    if expanded != {n_expanded}:
        return -1
    u = numba.carray(user_data_, ({n_slots},), np.uint64)
    x = numba.carray(x_, ({n_dim},))
    out = numba.carray(out_, ({n_expanded},))
{lines}
    try:
        (values,) = inner(x{args})
    except Exception:
        return -2
    if values.shape[0] != {n_expanded}:
        return -1
    for i in range({n_expanded}):
        out[i] = values[i]
    return 0
"""


def _unpack(arrays: list[tuple[int, int, str]]) -> tuple[str, str]:
    """Source lines reading each data array (address, then shape) from the user data."""
    lines, args = [], []
    for i, (offset, ndim, dtype) in enumerate(arrays):
        shape = ", ".join(f"np.intp(u[{offset + 1 + k}])" for k in range(ndim))
        shape = f"({shape},)" if ndim == 1 else f"({shape})"
        lines.append(f"    d{i} = numba.carray(_as_pointer(u[{offset}]), {shape}, np.{dtype})")
        args.append(f", d{i}")
    return "".join(args), "\n".join(lines)


def array_slots(names: list[str], shared: dict) -> list[tuple[int, int, str]]:
    """Per data array (in :func:`user_data`'s order): its offset there, rank and dtype."""
    out, offset = [], 0
    for name in names:
        arr = shared[name]
        out.append((offset, arr.ndim, arr.dtype.name))
        offset += 1 + arr.ndim
    return out


def user_data(names: list[str], shared: dict) -> np.ndarray:
    """The callbacks' user data: per data array its address and shape (uint64)."""
    slots: list[int] = []
    for name in names:
        arr = shared[name]
        slots.append(arr.ctypes.data)
        slots.extend(int(s) for s in arr.shape)
    return np.array(slots or [0], dtype=np.uint64)


# generated callbacks -> their cache key (read by the locator below)
_KEYS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@functools.lru_cache(maxsize=1)
def _register_locator() -> None:
    """Put this module's cache locator first in numba's list (once, at the first compile).

    numba asks each locator in turn where a function's cache lies; ours answers for the
    generated callbacks only, with :func:`mmm.inference.cache_paths.cache_dir` ``("numba")``
    as the folder and the model key as the name.
    """
    from numba.core.caching import CacheImpl, _CacheLocator

    from mmm.inference.cache_paths import cache_dir

    class ModelCallbackLocator(_CacheLocator):  # type: ignore[misc]  # numba is untyped
        def __init__(self, py_func, py_file, key):
            self._py_file = py_file
            self._key = key
            self._path = str(cache_dir("numba"))

        def ensure_cache_path(self):
            os.makedirs(self._path, exist_ok=True)

        def get_cache_path(self):
            return self._path

        def get_source_stamp(self):
            return CALLBACK_VERSION

        def get_disambiguator(self):
            return self._key

        @classmethod
        def from_function(cls, py_func, py_file):
            key = _KEYS.get(py_func)
            return None if key is None else cls(py_func, py_file, key)

    CacheImpl._locator_classes.insert(0, ModelCallbackLocator)


def graph_function(fn):
    """The numba function of a PyTensor function compiled in numba mode, without
    PyTensor's entry point.

    PyTensor's entry point (``fn.vm.jit_fn``) is a second numba function that only
    forwards its arguments to the graph's own. numba links every function it calls into
    its own code and optimises the whole again, so each layer between the callback and the
    graph costs a full optimisation of the model's code on a first compile; calling the
    graph's function directly saves one.
    """
    jit_fn = fn.vm.jit_fn
    inner = getattr(jit_fn, "py_func", None)
    inner = None if inner is None else inner.__globals__.get("jitable_func")
    return inner if hasattr(inner, "py_func") else jit_fn


def cfunc(source: str, inner, key: str, sig):
    """A C callback compiled from ``source``, which calls ``inner``; cached under ``key``.

    The ``try`` in the source holds the one call of the graph's function only: numba's
    control flow for a ``try`` around many statements grows too large to compile, and a
    second function for the rest would cost one more optimisation of the whole model's
    code (see :func:`graph_function`). The graph's function is called, not inlined: an
    error raised inside inlined code crashes the process instead of reaching the
    ``except``. What the callback calls and Python never does (the graph's operations,
    and PyTensor's function of the graph where it has no Python entry point) is compiled as
    code to link only (:mod:`mmm.inference._numba_link`, which checks the entry point).
    """
    import numba

    from mmm.inference._numba_link import linked_only

    callback = _define(source, inner, key)
    with linked_only(getattr(inner, "py_func", None)):
        return numba.cfunc(sig, cache=True, error_model="numpy")(callback)


def _define(src: str, inner, key: str):
    """The Python function defined by ``src`` (one ``def``) calling ``inner``, known to
    numba's cache locator under ``key``."""
    import numba

    from mmm.inference._numba_intrinsics import as_pointer

    _register_locator()
    # a cached function's globals are rebuilt from its module on load: name a real one
    env = {
        "__name__": __name__,
        "numba": numba,
        "np": np,
        "_as_pointer": as_pointer,
        "inner": inner,
    }
    name = src.split("(")[0].split()[-1]
    scope: dict = {}
    exec(compile(src, "<mmm-callback>", "exec"), env, scope)  # noqa: S102 - our own source
    callback = scope[name]
    _KEYS[callback] = digest("mmm-callback", key, src)
    return callback


def signatures():
    """numba signatures of the two callbacks (log density with gradient, expansion)."""
    import numba

    t = numba.types
    ptr = t.CPointer(t.double)
    return (
        t.int64(t.uint64, ptr, ptr, ptr, t.voidptr),
        t.int64(t.uint64, t.uint64, ptr, ptr, t.voidptr),
    )


def cached_cfunc(source: str, key: str, sig):
    """The C callback compiled from ``source`` under ``key``, read from numba's disk cache;
    None when it is not there. Never compiles: the graph's function it would call is not
    built (see :class:`Layout`)."""
    from numba.core import sigutils
    from numba.core.ccallback import CFunc
    from numba.core.compiler_lock import global_compiler_lock

    callback = _define(source, None, key)
    args, ret = sigutils.normalize_signature(sig)
    try:
        with global_compiler_lock:
            # numba's own cfunc(cache=True) compiles on a miss; this reads the cache only
            cf = CFunc(callback, (args, ret), locals={}, options={"error_model": "numpy"})
            cf.enable_caching()
            cres = cf._cache.load_overload(cf._sig, cf._targetdescr.target_context)
            if cres is None:
                return None
            cf._library = cres.library
            cf._wrapper_name = cres.fndesc.llvm_cfunc_wrapper_name
            cf._wrapper_address = cf._library.get_pointer_to_function(cf._wrapper_name)
            cf._cache_hits += 1
    except AttributeError:  # another numba's internals: take the PyTensor path
        return None
    return cf
