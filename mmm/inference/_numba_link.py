"""Compile the code a callback links in without emitting it on its own.

numba turns every function it compiles into machine code: it optimises the function's
module, with everything it calls linked in, and emits it. The graph's operations and
PyTensor's function of the graph are never called from Python (PyTensor compiles them
without a Python or C entry point): only our C callbacks run them, and a callback links
their code into its own, optimises the whole and emits it. So, while a callback compiles,
:func:`linked_only` changes what numba does with a function that has no entry point:

* it is optimised as before, and not emitted; it is kept in numba's disk cache as its
  optimised code (bitcode) instead of machine code, and read back from there the same way;
* PyTensor's function of the graph (``graph_func``) is not optimised either: only the
  callback runs it, and the callback optimises the whole.

The callback itself is compiled as numba does, from the same code as before, so it runs
the same machine code (the same draws). The environments of the functions kept as code
(numba's per-function Python objects, which code that needs Python objects at run time
reads, such as object mode) are set once the callback that holds them is emitted. numba's
internals change between versions: where the parts used here are missing,
:func:`linked_only` compiles as numba does.

A function kept as code in the disk cache is read by numba's own loader too (outside this
block, for example by PyTensor's numba mode): numba then emits it when it reads it.
"""

from __future__ import annotations

import contextlib
import inspect

_LINK = "link"  # linked with what it calls: neither optimised nor emitted
_OPTIMISE = "optimise"  # optimised, not emitted


@contextlib.contextmanager
def linked_only(graph_func=None):
    """While in the block, numba compiles functions without an entry point as code for
    linking only; ``graph_func`` (a Python function) is not optimised either. A function
    with an entry point (Python may call it) is compiled as numba does, ``graph_func``
    included."""
    from numba.core.compiler_lock import global_compiler_lock

    targets = _targets()
    if targets is None:
        yield
        return
    # as defined (a class method stays one), and whether on the class itself or inherited
    originals = [inspect.getattr_static(cls, name) for cls, name in targets]
    owned = [name in vars(cls) for cls, name in targets]
    envs: list = []  # (codegen, name, environment) not set yet: no machine code holds it
    patched = _replacements(graph_func, originals, envs)
    # every numba compile holds this lock: no other thread compiles while patched
    with global_compiler_lock:
        for (cls, name), fn in zip(targets, patched, strict=True):
            setattr(cls, name, fn)
        try:
            yield
        finally:
            for (cls, name), fn, own in zip(targets, originals, owned, strict=True):
                if own:
                    setattr(cls, name, fn)
                else:
                    delattr(cls, name)
        set_env = originals[-1]
        for code, name, env in envs:
            if code._engine.is_symbol_defined(name):
                set_env(code, name, env)


def _targets():
    """The numba methods replaced in the block, as (class, name); None where this numba
    lacks one of them or of the parts the replacements call."""
    import numba.core.codegen as codegen
    import numba.core.typed_passes as typed_passes

    targets = (
        (typed_passes.NativeLowering, "run_pass"),
        (codegen.CPUCodeLibrary, "finalize"),
        (codegen.CPUCodeLibrary, "serialize_using_object_code"),
        (codegen.CPUCodeLibrary, "_unserialize"),
        (codegen.JITCPUCodegen, "set_env"),
    )
    needed = ("_get_module_for_linking", "serialize_using_bitcode", "_optimize_final_module")
    if not all(hasattr(cls, name) for cls, name in targets) or not all(
        hasattr(codegen.CPUCodeLibrary, name) for name in needed
    ):
        return None
    return targets


def _replacements(graph_func, originals: list, envs: list) -> tuple:
    """The replacements of :func:`_targets`' methods, calling ``originals`` for what is
    left to numba; environments that cannot be set yet are appended to ``envs``."""
    run_pass, finalize, serialize, unserialize, set_env = originals

    def marking_run_pass(self, state):
        flags = state.flags
        # only a function without an entry point: nothing but linked code may call it
        if flags.no_cpython_wrapper and flags.no_cfunc_wrapper and not flags.no_compile:
            if state.library is None:  # as numba's own pass creates it
                state.library = state.targetctx.codegen().create_library(
                    state.func_id.func_qualname
                )
                state.library.enable_object_caching()
            mode = _LINK if state.func_id.func is graph_func else _OPTIMISE
            state.library._mmm_linked_only = mode
        return run_pass(self, state)

    def linking_finalize(self):
        mode = getattr(self, "_mmm_linked_only", None)
        if mode is None:
            return finalize(self)
        _link(self, optimise=mode == _OPTIMISE)
        return None

    def as_bitcode(self):
        if getattr(self, "_mmm_linked_only", None) is None:
            return serialize(self)
        return self.serialize_using_bitcode()

    def reading_unserialize(cls, code, state):
        name, kind, data = state
        if kind != "bitcode":
            return unserialize.__func__(cls, code, state)
        import llvmlite.binding as ll  # type: ignore[import-untyped]

        library = code.create_library(name)
        library._final_module = ll.parse_bitcode(data)
        library._mmm_linked_only = _OPTIMISE
        library._finalize_dynamic_globals()
        library._finalized = True
        return library

    def deferring_set_env(self, env_name, env):
        if self._engine.is_symbol_defined(env_name):
            return set_env(self, env_name, env)
        envs.append((self, env_name, env))
        return None

    return (
        marking_run_pass,
        linking_finalize,
        as_bitcode,
        classmethod(reading_unserialize),
        deferring_set_env,
    )


def _link(library, *, optimise: bool) -> None:
    """Finalize ``library`` as code for linking: what it calls is linked in and, with
    ``optimise``, the whole optimised, as numba's own finalize does; nothing is emitted."""
    from numba.core.compiler_lock import require_global_compiler_lock

    require_global_compiler_lock()
    library._raise_if_finalized()
    seen: set = set()
    for other in library._linking_libraries:
        if other not in seen:
            library._reload_init.update(other._reload_init)
            seen.add(other)
            library._final_module.link_in(other._get_module_for_linking(), preserve=True)
    if optimise:
        library._optimize_final_module()
        library._final_module.verify()
    library._finalize_dynamic_globals()
    library._verify_declare_only_symbols()
    library._finalized = True
