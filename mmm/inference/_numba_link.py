"""Compile PyTensor's function of the graph as code to link into a callback only.

numba builds every function it compiles into machine code: it optimises the function's
module (with every function it calls linked in) and emits it. The function of the graph
is called by one of our C callbacks only, never from Python (PyTensor compiles it without
a Python entry point), and the callback links its code and optimises and emits the whole
again. So, while the callback compiles, :func:`linked_only` keeps the function of the graph
as linked code: its module is linked with what it calls, and neither optimised nor emitted.
That saves a full optimisation and emission of the model's code per callback (about 7 s of
the demo's log density on a first compile); the callback's own optimisation of the whole is
unchanged.

numba's internals change between versions: where the parts used here are missing,
:func:`linked_only` compiles as numba does.
"""

from __future__ import annotations

import contextlib


@contextlib.contextmanager
def linked_only(py_func):
    """While in the block, numba compiles ``py_func`` (the Python function of a numba
    dispatcher that only other numba code calls) into linkable code only."""
    import numba.core.codegen as codegen
    import numba.core.cpu as cpu
    import numba.core.typed_passes as typed_passes
    from numba.core.compiler_lock import global_compiler_lock

    targets = (
        (typed_passes.NativeLowering, "run_pass"),
        (codegen.CPUCodeLibrary, "finalize"),
        (cpu.CPUContext, "get_executable"),
    )
    if not all(hasattr(cls, name) for cls, name in targets) or not hasattr(
        codegen.CPUCodeLibrary, "_get_module_for_linking"
    ):
        yield
        return
    run_pass, finalize, get_executable = (getattr(cls, name) for cls, name in targets)
    envs: list = []  # (codegen, name, environment) of each function kept as linked code

    def marking_run_pass(self, state):
        if state.func_id.func is py_func:
            if state.library is None:  # as numba's own pass creates it
                state.library = state.targetctx.codegen().create_library(
                    state.func_id.func_qualname
                )
                state.library.enable_object_caching()
            state.library._mmm_linked_only = True
        return run_pass(self, state)

    def linking_finalize(self):
        if not getattr(self, "_mmm_linked_only", False):
            return finalize(self)
        _link(self)
        return None

    def no_entry_point(self, library, fndesc, env):
        if not getattr(library, "_mmm_linked_only", False):
            return get_executable(self, library, fndesc, env)
        from numba import _dynfunc

        library._ensure_finalized()
        # no machine code, so no entry point; its environment is set in the code that
        # links it, once that is emitted
        envs.append((library.codegen, self.get_env_name(fndesc), env))
        name = fndesc.qualname.split(".")[-1]
        return _dynfunc.make_function(
            fndesc.lookup_module(), name, "linked only", 0, env, (library,)
        )

    # every numba compile holds this lock: no other thread compiles while patched
    with global_compiler_lock:
        patched = (marking_run_pass, linking_finalize, no_entry_point)
        for (cls, name), fn in zip(targets, patched, strict=True):
            setattr(cls, name, fn)
        try:
            yield
            for code, name, env in envs:
                if code._engine.is_symbol_defined(name):
                    code.set_env(name, env)
        finally:
            for (cls, name), fn in zip(targets, (run_pass, finalize, get_executable), strict=True):
                setattr(cls, name, fn)


def _link(library) -> None:
    """Finalize ``library`` as linkable code: what it calls is linked in, as numba's own
    finalize does, and nothing is optimised or emitted."""
    from numba.core.compiler_lock import require_global_compiler_lock

    require_global_compiler_lock()
    library._raise_if_finalized()
    seen: set = set()
    for other in library._linking_libraries:
        if other not in seen:
            library._reload_init.update(other._reload_init)
            seen.add(other)
            library._final_module.link_in(other._get_module_for_linking(), preserve=True)
    library._finalize_dynamic_globals()
    library._verify_declare_only_symbols()
    library._finalized = True
