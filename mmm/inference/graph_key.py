"""A key of a PyTensor graph that is the same in every process.

PyTensor's own key of a rewritten graph follows object identities, so it differs from one
process to the next. :func:`graph_key` hashes the graph *before* rewriting instead: every
operation with every parameter it is compared by, every constant's bytes, every data
variable's name, type and shape, wired alike. Anything it cannot describe exactly (an
operation without declared parameters, a parameter that prints an object address) raises
:class:`Uncacheable`, so that nothing is cached under a key that could collide.
"""

from __future__ import annotations

import functools
import hashlib
import re
import sys
import types
from pathlib import Path

import numpy as np

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


class Uncacheable(Exception):
    """The graph holds something the key cannot describe exactly."""


def digest(*parts: str) -> str:
    """SHA-256 (hex) of ``parts``, each followed by a separator byte."""
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode())
        h.update(b"\x1f")
    return h.hexdigest()


def _array_sig(a) -> str:
    if a is None:  # a NoneConst (e.g. an absent size): its bytes would be an address
        return "none"
    a = np.ascontiguousarray(np.asarray(a))
    if a.dtype.hasobject:  # the bytes of an object array are addresses
        raise Uncacheable(f"constant of Python objects ({a.dtype}, shape {a.shape})")
    return f"array({a.dtype.str},{a.shape},{hashlib.sha256(a.tobytes()).hexdigest()})"


def _value_sig(v) -> str:
    """Exact text of an operation's parameter (recursing into operations and containers)."""
    from pytensor.graph.op import Op
    from pytensor.scalar.basic import ScalarOp

    if isinstance(v, Op | ScalarOp):
        return op_signature(v)
    if isinstance(v, np.ndarray | np.generic):
        return _array_sig(v)
    if isinstance(v, list | tuple):
        inner = ",".join(_value_sig(x) for x in v)
        return f"{type(v).__name__}({inner})"
    if isinstance(v, dict) or type(v).__name__ == "frozendict":
        items = ",".join(f"{_value_sig(k)}:{_value_sig(x)}" for k, x in sorted(v.items(), key=repr))
        return f"dict({items})"
    if getattr(v, "__props__", None) is not None:  # pytensor's parameter objects
        return _props_sig(v)
    if isinstance(v, types.FunctionType | types.BuiltinFunctionType):
        return f"function:{v.__module__}.{v.__qualname__}"
    text = repr(v)
    if _ADDRESS.search(text):
        raise Uncacheable(f"parameter {text[:80]!r} prints an object address")
    return f"{type(v).__module__}.{type(v).__qualname__}:{text}"


def _props_sig(obj) -> str:
    cls = f"{type(obj).__module__}.{type(obj).__qualname__}"
    return f"{cls}(" + ",".join(f"{p}={_value_sig(getattr(obj, p))}" for p in obj.__props__) + ")"


def op_signature(op) -> str:
    """Exact text of an operation: its class and every parameter PyTensor compares it by.

    Operations declare those parameters in ``__props__``; scalar operations (inside
    ``Elemwise``) compare by class, output-type rule and ``bool`` flag instead. An
    operation with an inner graph (a ``Composite`` scalar operation, say) adds its inner
    graph's key.

    Raises
    ------
    Uncacheable
        For an operation that neither declares its parameters nor is a scalar operation:
        its printed form may not tell two different operations apart.
    """
    from pytensor.scalar.basic import ScalarOp

    cls = f"{type(op).__module__}.{type(op).__qualname__}"
    if getattr(op, "__props__", None) is not None:
        sig = _props_sig(op)
    elif isinstance(op, ScalarOp):
        rule = _value_sig(getattr(op, "output_types_preference", None))
        sig = f"{cls}(rule={rule},bool={getattr(op, 'bool', None)!r},name={op.name!r})"
    else:
        raise Uncacheable(f"operation {cls} declares no parameters")
    if getattr(op, "fgraph", None) is not None and hasattr(op, "inputs"):
        sig += f"[{graph_key(op.outputs, op.inputs)}]"
    if cls.startswith("mmm."):  # our own operations: their kernels are in our source
        sig += f"[source={_source_digest(type(op).__module__)}]"
    return sig


@functools.cache
def _source_digest(module: str) -> str:
    """SHA-256 of a module's source file: an operation whose kernel changed gets a new key
    (package versions cover PyTensor's operations, not ours)."""
    return hashlib.sha256(Path(str(sys.modules[module].__file__)).read_bytes()).hexdigest()[:16]


def _root_sig(var, inputs: dict) -> str:
    from pytensor.compile.sharedvalue import SharedVariable
    from pytensor.graph.basic import Constant

    if var in inputs:
        return f"input{inputs[var]}:{var.type}"
    if isinstance(var, Constant):
        return f"const:{var.type}:{_array_sig(var.data)}"
    if isinstance(var, SharedVariable):
        # the value is an input of the compiled code; its shape is part of the structure
        return f"shared:{var.name}:{var.type}:{np.shape(var.get_value(borrow=True))}"
    if var.name is None:
        raise Uncacheable(f"unnamed free input of type {var.type}")
    return f"free:{var.name}:{var.type}"


def graph_key(outputs, inputs=()) -> str:
    """SHA-256 of the graph from ``inputs`` (by position) to ``outputs`` (in order).

    Two graphs get the same key when they compute the same operations, with the same
    parameters and constants, on the same inputs and data variables, wired alike.
    """
    from pytensor.graph.traversal import toposort

    pos = {v: i for i, v in enumerate(inputs)}
    sig: dict = {}
    for node in toposort(list(outputs), blockers=list(inputs)):
        args = []
        for v in node.inputs:
            if v not in sig:
                sig[v] = digest(_root_sig(v, pos))
            args.append(sig[v])
        node_sig = digest(op_signature(node.op), *args)
        for j, out in enumerate(node.outputs):
            sig[out] = digest(node_sig, str(j), str(out.type))
    for v in outputs:
        if v not in sig:
            sig[v] = digest(_root_sig(v, pos))
    return digest("graph", *(sig[v] for v in outputs))
