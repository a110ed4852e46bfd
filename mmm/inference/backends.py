"""Compile back ends of the nutpie sampler and their on-disk caches.

nutpie compiles the model's log density and gradient with one of two pytensor back ends:

* ``"numba"`` (the default): fast sampling; compiling takes a minute or two on a large
  model, once per model structure and machine: the compiled callbacks are kept in
  numba's on-disk cache under a key that is the same in every process
  (:mod:`mmm.inference.numba_cache`), so a later process with the same model structure,
  whatever its data, reads them in seconds;
* ``"jax"``: the log density and its gradient (JAX autodiff) are compiled by XLA, which
  compiles the same graph many times faster, and the compiled executables are kept in
  JAX's persistent compilation cache, so a later process with the same model structure
  reads them from disk instead of compiling. Sampling calls the compiled function from
  Python once per gradient evaluation, which is slower per draw than numba.

The cache folder is ``$MMM_CACHE_DIR/jax`` when the environment variable is set, else
``mmm/jax`` under the user's cache folder (``$XDG_CACHE_HOME``, default ``~/.cache``).
A JAX cache folder configured by the user (``JAX_COMPILATION_CACHE_DIR`` or
``jax.config``) is kept. Nothing is configured at import: :func:`compile_model` sets the
cache up when a fit first needs it. JAX loads compiled code from this folder and runs it, so it must
be writable only by its user (as the default is).
"""

from __future__ import annotations

import warnings
from pathlib import Path

from mmm.inference.cache_paths import cache_dir

#: back ends :class:`~mmm.spec.SamplerConfig` accepts for ``sampler="nutpie"``
BACKENDS = ("numba", "jax")

# persistent-cache events seen by this process (JAX's monitoring events)
_JAX_EVENTS = {"hits": 0, "misses": 0}
_LISTENING = False


def numba_flags(**flags):
    """pytensor settings for every numba compile of a model: fast-math flags off.

    With them (pytensor's default) a model compiled afresh and the same model read from
    the compile cache gave different floating-point results, so the first fit on a machine
    drew a different chain from the same seed than every later one (LLVM can contract and
    reorder across the parts it compiles together, not across parts loaded from the
    cache). ``flags``: further pytensor config flags, e.g. ``mode="NUMBA"``.
    """
    import pytensor

    return pytensor.config.change_flags(numba__fastmath=False, **flags)


def _on_jax_event(event: str, **kwargs) -> None:
    if event == "/jax/compilation_cache/cache_hits":
        _JAX_EVENTS["hits"] += 1
    elif event == "/jax/compilation_cache/cache_misses":
        _JAX_EVENTS["misses"] += 1


def configure_jax_cache() -> Path:
    """Switch JAX's persistent compilation cache on (idempotent) and return its folder.

    Every compiled executable is stored (no minimum compile time or size). A cache folder
    the user configured for JAX is kept; otherwise :func:`cache_dir` ``("jax")`` is used.

    Returns
    -------
    pathlib.Path
        The cache folder in use.
    """
    global _LISTENING
    import jax
    from jax import monitoring
    from jax.experimental.compilation_cache import compilation_cache as cc

    current = jax.config.jax_compilation_cache_dir
    if current:
        path = Path(current)
    else:
        path = cache_dir("jax")
        path.mkdir(parents=True, exist_ok=True)
        jax.config.update("jax_compilation_cache_dir", str(path))
        cc.reset_cache()  # in case JAX compiled (and decided "no cache") before
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    if not _LISTENING:
        monitoring.register_event_listener(_on_jax_event)
        _LISTENING = True
    return path


def jax_cache_events() -> dict[str, int]:
    """Persistent-cache hits and misses of JAX compilations in this process so far.

    Returns
    -------
    dict
        ``{"hits": int, "misses": int}``; a miss is a compilation written to the cache.
    """
    return dict(_JAX_EVENTS)


def compile_cache_events(backend: str = "numba") -> dict[str, int]:
    """Disk-cache hits and misses of ``backend``'s compilations in this process so far.

    Parameters
    ----------
    backend : {"numba", "jax"}

    Returns
    -------
    dict
        ``{"hits": int, "misses": int}``: for numba the model callbacks read from disk
        or compiled (two per model; with ``"beside"``, the misses compiled in a second
        process, :func:`mmm.inference.numba_cache.cache_events`), for JAX its
        compilation-cache events.
    """
    if backend == "numba":
        from mmm.inference.numba_cache import cache_events

        return cache_events()
    return jax_cache_events()


def compile_model(model, backend: str = "numba"):
    """Compile a PyMC model for nutpie with ``backend`` (see :data:`BACKENDS`).

    With ``"jax"`` the persistent cache is configured first and the log density,
    gradient and draw expansion are evaluated once at the initial point, so their XLA
    compilation (or cache read) happens here rather than inside sampling.

    Parameters
    ----------
    model : pymc.Model
    backend : {"numba", "jax"}

    Returns
    -------
    nutpie compiled model
    """
    import nutpie

    if backend == "numba":
        from mmm.inference.numba_cache import Uncacheable, compile_cached

        with numba_flags():
            try:
                return compile_cached(model)
            except Uncacheable as exc:
                # compiled as nutpie does, without the disk cache (said once per model)
                warnings.warn(
                    f"the compiled model cannot be kept on disk ({exc}); compiling it in full",
                    stacklevel=2,
                )
                return nutpie.compile_pymc_model(model)
    if backend != "jax":
        raise ValueError(f"backend={backend!r}; choose one of {BACKENDS}.")
    import numpy as np

    from mmm.transforms.carryover_op import register_jax

    configure_jax_cache()
    register_jax()
    # nutpie freezes the model's data into constants of the JAX graph (its JAX path
    # cannot take data used as shapes as inputs): a compiled model serves one dataset
    compiled = nutpie.compile_pymc_model(model, backend="jax", gradient_backend="jax")
    x0 = np.zeros(compiled.n_dim)
    compiled._make_logp_func()(x0, **compiled._shared_data)
    compiled._make_expand_func(0, 0, 0)(x0, **compiled._shared_data)
    return compiled


def compiled_key(backend: str, structure_key: str, data: dict) -> str:
    """Key of a compiled model in the in-process cache of :mod:`mmm.inference.fit`.

    numba keeps the data as inputs (swapped in by :func:`with_data`), so its key is the
    model structure; JAX compiles the data in as constants, so its key adds a digest of
    the data values.

    Parameters
    ----------
    backend : {"numba", "jax"}
    structure_key : str
        Spec and shapes of the model.
    data : dict
        ``{shared variable name: array}`` of the model.

    Returns
    -------
    str
    """
    if backend == "numba":
        return f"numba:{structure_key}"
    import hashlib

    import numpy as np

    h = hashlib.sha256()
    for name in sorted(data):
        arr = np.ascontiguousarray(data[name])
        h.update(f"{name}:{arr.dtype}:{arr.shape}".encode())
        h.update(arr.tobytes())
    return f"{backend}:{structure_key}:{h.hexdigest()}"


def with_model_data(compiled, model):
    """``compiled`` (a model of the same structure) with ``model``'s data and starting points.

    Parameters
    ----------
    compiled : nutpie compiled model
    model : pymc.Model

    Returns
    -------
    nutpie compiled model
    """
    import dataclasses

    from mmm.inference.numba_cache import initial_point_function

    updated = with_data(compiled, {v.name: v.get_value() for v in model.data_vars})
    init = initial_point_function(model, compiled._shapes)
    return dataclasses.replace(updated, initial_point_func=init)


def with_data(compiled, updates: dict):
    """``compiled`` with its data replaced by ``updates`` (names it does not use skipped).

    Parameters
    ----------
    compiled : nutpie compiled model
    updates : dict
        ``{shared variable name: array}``.

    Returns
    -------
    nutpie compiled model
    """
    known = getattr(compiled, "shared_data", None)
    if known is None:  # the JAX back end's model keeps its data as JAX arrays
        known = getattr(compiled, "_shared_data", None)
        if known is not None:
            import jax.numpy as jnp

            updates = {k: jnp.asarray(v) for k, v in updates.items() if k in known}
    updates = {k: v for k, v in updates.items() if known is None or k in known}
    return compiled.with_data(**updates)
