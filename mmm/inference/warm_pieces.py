"""Compile a graph's operations from its end, into PyTensor's cache of compiled pieces.

On a first compile numba compiles each operation of the log density's graph in the order
the graph runs them (PyTensor's function of the graph calls them one after the other, and
numba compiles a function the first time it types a call to it). :func:`compile_from_end`
compiles the same operations from the other end, a slice of the graph at a time, in a
second process (:mod:`mmm.inference.compile_beside`): each operation's compiled code goes
to PyTensor's cache on disk, where the first process finds it when its own compile
reaches that operation, so the two processes meet in the middle.

A slice is typed by numba as a function of its own (typing a call compiles the function
called; the slice's own code is never built). Its inputs are typed as the whole graph
hands them over: C-ordered arrays, or any layout where the whole graph hands over a view
(a dimension shuffle or a slice, :func:`_layout`), so that its operations get the types
they get in the whole graph. Where that guess is wrong, an operation is compiled twice,
once per type, and nothing else changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["compile_from_end", "graph_slices"]


def graph_slices(fgraph, n_slices: int) -> list[list]:
    """The nodes of ``fgraph`` in the order they run, cut into ``n_slices`` slices of
    nearly equal length (fewer when the graph has fewer nodes).

    Returns
    -------
    list of list of Apply
    """
    nodes = list(fgraph.toposort())
    n = max(1, min(n_slices, len(nodes)))
    bounds = [round(i * len(nodes) / n) for i in range(n + 1)]
    return [nodes[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]


def _slice_graph(fgraph, nodes):
    """A function graph of ``nodes`` alone: its inputs the non-constant variables they
    read from outside the slice, its outputs what they make that is read outside it (or
    is an output of ``fgraph``). None when the slice makes nothing read outside it."""
    from pytensor.graph.basic import Constant
    from pytensor.graph.fg import FunctionGraph

    inside = set(nodes)
    made = {out for node in nodes for out in node.outputs}
    inputs: list = []
    for node in nodes:
        for var in node.inputs:
            if var not in made and not isinstance(var, Constant) and var not in inputs:
                inputs.append(var)
    # a graph output is read by fgraph's own output node, which is outside every slice
    outputs = [
        out
        for node in nodes
        for out in node.outputs
        if any(client not in inside for client, _ in fgraph.clients[out])
    ]
    if not outputs:
        return None
    return FunctionGraph(inputs, outputs, clone=True), inputs


def _layout(var) -> str:
    """numba's layout of ``var`` in PyTensor's function of the whole graph: a view (a
    dimension shuffle or a slice) is typed as any layout ("A"), a new array as C-ordered."""
    from pytensor.tensor.elemwise import DimShuffle
    from pytensor.tensor.subtensor import Subtensor

    owner = var.owner
    if owner is not None and isinstance(owner.op, DimShuffle | Subtensor):
        return "A"
    return "C"


def _compile_slice(fgraph, nodes) -> None:
    """Compile the operations of the slice ``nodes`` of ``fgraph``, its inputs typed as in
    the whole graph (their code goes to PyTensor's cache)."""
    from pytensor.link.numba.dispatch.basic import get_numba_type, numba_funcify_and_cache_key

    found = _slice_graph(fgraph, nodes)
    if found is None:
        return
    sub, originals = found
    fn: Any = numba_funcify_and_cache_key(sub)[0]  # a numba dispatcher
    args = tuple(get_numba_type(var.type, layout=_layout(var)) for var in originals)
    try:
        _type_only(fn.py_func, args)
    except Exception:  # noqa: BLE001 - numba's own compile of the slice instead
        # the slice's own function is not kept on disk (nothing would read it again)
        fn.compile(args)


def _type_only(py_func, args) -> None:
    """numba's type inference of ``py_func`` for ``args``, without compiling it: typing
    a call compiles the function called (an operation's, into PyTensor's cache), which
    is all the work wanted here; the slice's own code would be thrown away."""
    from numba.core import compiler, typed_passes
    from numba.core.compiler_lock import global_compiler_lock
    from numba.core.registry import cpu_target

    with global_compiler_lock:
        typing, target = cpu_target.typing_context, cpu_target.target_context
        typing.refresh()
        target.refresh()
        interp = compiler.run_frontend(py_func)
        typed_passes.type_inference_stage(typing, target, interp, args, None)


def compile_from_end(fgraph, n_slices: int = 12, keep: int = 2):
    """Work for a second process: compile ``fgraph``'s operations slice by slice from the
    last slice back, leaving the first ``keep`` slices to the process that compiles the
    whole graph, until told to stop. A slice that fails to compile is skipped.

    Parameters
    ----------
    fgraph : FunctionGraph
        The rewritten graph (``maker.fgraph`` of PyTensor's function in numba mode).
    n_slices : int
        Slices the graph is cut into.
    keep : int
        Leading slices not compiled here.

    Returns
    -------
    callable
        ``work(stop_asked)``, to run in the second process: returns once every slice is
        compiled or ``stop_asked()`` is True before a slice.
    """

    def work(stop_asked: Callable[[], bool]) -> None:
        from mmm.inference._numba_link import linked_only

        slices = graph_slices(fgraph, n_slices)
        for nodes in reversed(slices[keep:]):
            if stop_asked():
                return
            try:
                with linked_only():  # the operations are kept as code, as in the callbacks
                    _compile_slice(fgraph, nodes)
            except Exception:  # noqa: BLE001, S112 - the whole graph's compile does it then
                continue

    return work
