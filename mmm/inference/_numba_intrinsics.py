"""numba intrinsics of the cached callbacks (:mod:`mmm.inference.numba_cache`).

Imported only when a numba callback is compiled: defining an intrinsic imports numba.
"""

from __future__ import annotations

from numba.core import cgutils, types
from numba.extending import intrinsic


@intrinsic
def as_pointer(typingctx, address):
    """``void*`` from an integer address (a data array's, stored in the user data)."""
    sig = types.voidptr(address)

    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], cgutils.voidptr_t)

    return sig, codegen
