"""Compile one piece of a model in a second process while this one compiles another.

A first compile of a model is two numba callbacks (the log density with its gradient, and
the expansion of a draw), each compiled on one core. :func:`start` forks a child that
compiles one of them into the disk cache while the parent compiles the other; the parent
then reads the child's piece from the cache. On a machine with one core, without
``os.fork`` (Windows) or off Linux (macOS forks unsafely), with ``MMM_COMPILE_BESIDE=0``,
or when the child fails or hangs, the parent compiles the piece itself: the result is the
same compiled code either way.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Beside", "enabled", "start"]

#: How long the parent waits for the child once its own piece is compiled, at least (s).
MIN_WAIT_S = 30.0


def enabled() -> bool:
    """Whether a piece may be compiled in a second process here.

    Returns
    -------
    bool
        True on Linux with at least two usable cores and ``MMM_COMPILE_BESIDE`` not ``0``.
    """
    if os.environ.get("MMM_COMPILE_BESIDE", "1").strip() == "0":
        return False
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    return len(os.sched_getaffinity(0)) > 1


@dataclass
class Beside:
    """A child process compiling one piece (:func:`start`).

    Attributes
    ----------
    pid : int
        The child's process id.
    started : float
        ``time.monotonic()`` when it was forked.
    """

    pid: int
    started: float

    def wait(self, timeout_s: float) -> bool:
        """Wait up to ``timeout_s`` seconds for the child; kill it past that.

        Returns
        -------
        bool
            True when the child finished its task without an error.
        """
        deadline = time.monotonic() + max(timeout_s, 0.0)
        while True:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status) == 0
            if time.monotonic() >= deadline:
                os.kill(self.pid, 9)
                os.waitpid(self.pid, 0)
                return False
            time.sleep(0.05)

    def join(self, parent_s: float) -> bool:
        """Wait for the child once the parent spent ``parent_s`` seconds on its own piece:
        as long again, at least :data:`MIN_WAIT_S` (the child's piece is the smaller).

        Returns
        -------
        bool
            True when the child finished its task without an error.
        """
        return self.wait(max(MIN_WAIT_S, parent_s))


def start(task: Callable[[], object]) -> Beside | None:
    """Run ``task`` in a forked child; None when :func:`enabled` says no or the fork fails.

    The fork happens while this process holds numba's compiler lock, so that no other
    thread of it is inside numba (the child would inherit that lock held and wait
    forever). The child runs ``task`` with its output sent to ``/dev/null`` and warnings
    off (the parent reports its own), and leaves with ``os._exit``: 0 when ``task``
    returned, 1 when it raised.

    Parameters
    ----------
    task : callable
        Compiles the piece into a disk cache the parent reads afterwards.

    Returns
    -------
    Beside or None
    """
    if not enabled():
        return None
    from numba.core.compiler_lock import global_compiler_lock

    with global_compiler_lock:
        try:
            pid = os.fork()
        except OSError:
            return None
        if pid == 0:  # pragma: no cover - runs in the child, which never returns
            _run_child(task)
    return Beside(pid=pid, started=time.monotonic())


def _run_child(task: Callable[[], object]) -> None:  # pragma: no cover - child only
    code = 1
    try:
        import warnings

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        warnings.simplefilter("ignore")
        task()
        code = 0
    except BaseException:  # noqa: BLE001, S110 - the parent compiles the piece itself
        pass
    finally:
        os._exit(code)
