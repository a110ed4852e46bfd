"""Compile one piece of a model in a second process while this one compiles another.

A first compile of a model is two numba callbacks (the log density with its gradient, and
the expansion of a draw), each compiled on one core. :func:`start` forks a child that
compiles one of them into the disk cache while the parent compiles the other; the parent
then reads the child's piece from the cache. Before its piece the child may do work that
shortens the parent's own compile (:mod:`mmm.inference.warm_pieces`), until the parent
asks for the piece. On a machine with one core, without
``os.fork`` (Windows) or off Linux (macOS forks unsafely), with ``MMM_COMPILE_BESIDE=0``,
or when the child fails or hangs, the parent compiles the piece itself: the result is the
same compiled code either way.
"""

from __future__ import annotations

import os
import signal
import sys
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
    ready_fd : int
        The read end of the pipe on which the child says that its piece is compiled.
    stop_fd : int
        The write end of the pipe on which this process asks the child to stop its
        preparatory work and compile its piece.
    """

    pid: int
    ready_fd: int
    stop_fd: int

    def wait(self, timeout_s: float) -> bool:
        """Ask the child for its piece and wait up to ``timeout_s`` seconds for it, then
        stop the child.

        Returns
        -------
        bool
            True when the child compiled its piece without an error.
        """
        import select

        ready = False
        try:
            try:
                os.write(self.stop_fd, b"s")
            except OSError:  # the child has left already
                pass
            readable, _, _ = select.select([self.ready_fd], [], [], max(timeout_s, 0.0))
            ready = bool(readable) and os.read(self.ready_fd, 1) == b"1"
        finally:
            os.close(self.ready_fd)
            os.close(self.stop_fd)
            self._stop()
        return ready

    def _stop(self) -> None:
        pid, _ = os.waitpid(self.pid, os.WNOHANG)
        if not pid:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)

    def join(self, parent_s: float) -> bool:
        """Wait for the child once the parent spent ``parent_s`` seconds on its own piece:
        as long again, at least :data:`MIN_WAIT_S` (the child's piece is the smaller).

        Returns
        -------
        bool
            True when the child compiled its piece without an error.
        """
        return self.wait(max(MIN_WAIT_S, parent_s))


def start(
    task: Callable[[], object],
    first: Callable[[Callable[[], bool]], object] | None = None,
) -> Beside | None:
    """Run ``task`` in a forked child; None when :func:`enabled` says no or the fork fails.

    The fork happens while this process holds numba's compiler lock, so that no other
    thread of it is inside numba (the child would inherit that lock held and wait
    forever). The child sends its output to ``/dev/null`` and turns warnings off (the
    parent reports its own); runs ``first`` (work that helps the parent's own compile),
    which should return as soon as the callable it is given says that the parent asked
    for the piece (:meth:`Beside.join`); then runs ``task``, says on a pipe whether
    ``task`` succeeded, and leaves with ``os._exit``.

    Parameters
    ----------
    task : callable
        Compiles the piece into a disk cache the parent reads afterwards.
    first : callable, optional
        ``first(stop_asked)``: work into a cache the parent reads while it compiles;
        ``stop_asked()`` is True once the parent waits for the piece.

    Returns
    -------
    Beside or None
    """
    if not enabled():
        return None
    from numba.core.compiler_lock import global_compiler_lock

    ready_r, ready_w = os.pipe()
    stop_r, stop_w = os.pipe()
    with global_compiler_lock:
        try:
            pid = os.fork()
        except OSError:
            for fd in (ready_r, ready_w, stop_r, stop_w):
                os.close(fd)
            return None
        if pid == 0:  # pragma: no cover - runs in the child, which never returns
            os.close(ready_r)
            os.close(stop_w)
            _run_child(task, first, ready_w, stop_r)
    os.close(ready_w)
    os.close(stop_r)
    return Beside(pid=pid, ready_fd=ready_r, stop_fd=stop_w)


def _stop_asked(fd: int) -> Callable[[], bool]:  # pragma: no cover - child only
    import select

    def asked() -> bool:
        readable, _, _ = select.select([fd], [], [], 0.0)
        return bool(readable)

    return asked


def _run_child(task, first, ready_fd: int, stop_fd: int) -> None:  # pragma: no cover
    try:
        import warnings

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        warnings.simplefilter("ignore")
        if first is not None:
            try:
                first(_stop_asked(stop_fd))
            except BaseException:  # noqa: BLE001, S110 - only a help to the parent
                pass
        ok = True
        try:
            task()
        except BaseException:  # noqa: BLE001 - the parent compiles the piece itself
            ok = False
        os.write(ready_fd, b"1" if ok else b"0")
    except BaseException:  # noqa: BLE001, S110 - the parent compiles the piece itself
        pass
    finally:
        os._exit(0)
