"""A piece of the model compiled in a second process: the child's work reaches the parent
through the disk cache, and a child that fails or hangs costs nothing but the parent's own
compile of that piece."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest
from model_helpers import tiny_model

from mmm.inference import compile_beside

needs_fork = pytest.mark.skipif(
    not compile_beside.enabled(), reason="needs Linux, os.fork and two usable cores"
)


@needs_fork
def test_the_child_runs_the_task_and_reports_success(tmp_path):
    out = tmp_path / "done.txt"
    child = compile_beside.start(lambda: out.write_text(str(os.getpid())))
    assert child is not None and child.pid != os.getpid()
    assert child.wait(60.0) is True
    assert int(out.read_text()) == child.pid  # written by the child, not by this process


@needs_fork
def test_the_child_stops_its_first_work_when_asked_then_runs_the_task(tmp_path):
    """``first`` runs until the parent asks for the piece (``join``); the task runs after
    it and its success is what the parent hears."""
    log = tmp_path / "log.txt"

    def first(stop_asked):
        while not stop_asked():
            time.sleep(0.01)
        log.write_text("stopped")

    child = compile_beside.start(lambda: log.write_text(log.read_text() + ",task"), first=first)
    assert child is not None
    time.sleep(0.2)
    assert not log.exists()  # still busy with its first work
    assert child.join(0.0) is True
    assert log.read_text() == "stopped,task"


@needs_fork
def test_a_failing_child_reports_failure(tmp_path):
    def task():
        raise RuntimeError("cannot compile")

    child = compile_beside.start(task)
    assert child is not None
    assert child.wait(60.0) is False


@needs_fork
def test_a_hanging_child_is_killed_at_the_deadline():
    child = compile_beside.start(lambda: time.sleep(600))
    assert child is not None
    assert child.wait(0.3) is False
    with pytest.raises(ChildProcessError):  # reaped: no such child any more
        os.waitpid(child.pid, os.WNOHANG)


def test_switched_off_by_the_environment(monkeypatch):
    monkeypatch.setenv("MMM_COMPILE_BESIDE", "0")
    assert compile_beside.enabled() is False
    assert compile_beside.start(lambda: None) is None


def _expand(compiled, point: np.ndarray) -> np.ndarray:
    import ctypes

    p = ctypes.POINTER(ctypes.c_double)
    out = np.zeros(compiled.n_expanded)
    rc = compiled.compiled_expand_func.ctypes(
        compiled.n_dim,
        compiled.n_expanded,
        point.ctypes.data_as(p),
        out.ctypes.data_as(p),
        compiled.user_data.ctypes.data,
    )
    assert rc == 0
    return out


def _compile(tmp_path, monkeypatch, name: str):
    from mmm.inference.backends import numba_flags
    from mmm.inference.numba_cache import cache_events, compile_cached

    monkeypatch.setenv("MMM_CACHE_DIR", str(tmp_path / name))
    before = cache_events()
    with numba_flags():
        compiled = compile_cached(
            tiny_model(np.random.default_rng(2).normal(size=10), deterministic=True)
        )
    after = cache_events()
    return compiled, {k: after[k] - before[k] for k in after}


@needs_fork
def test_the_expansion_compiled_beside_is_the_one_compiled_here(tmp_path, monkeypatch):
    """The expansion comes from the child (one of the two misses, counted as beside) and
    expands a draw exactly as the one compiled in this process; a child that fails leaves
    the parent to compile it, with the same result."""
    point = np.array([0.4, -0.3])  # a, log(s)
    beside, events = _compile(tmp_path, monkeypatch, "beside")
    assert events == {"hits": 0, "misses": 2, "beside": 1}
    monkeypatch.setenv("MMM_COMPILE_BESIDE", "0")
    here, events = _compile(tmp_path, monkeypatch, "here")
    assert events == {"hits": 0, "misses": 2, "beside": 0}
    monkeypatch.delenv("MMM_COMPILE_BESIDE")
    expect = _expand(here, point)
    # the traced values: a, log(s), s = exp(-0.3), and the deterministic 2 a
    assert sorted(expect.tolist()) == pytest.approx(sorted([0.4, -0.3, np.exp(-0.3), 0.8]))
    np.testing.assert_array_equal(_expand(beside, point), expect)

    real_start = compile_beside.start

    def failing(task):
        raise RuntimeError("the child cannot compile")

    def failing_start(task, first=None):
        return real_start(lambda: failing(task), first=first)

    monkeypatch.setattr(compile_beside, "start", failing_start)
    fallback, events = _compile(tmp_path, monkeypatch, "fallback")
    assert events == {"hits": 0, "misses": 2, "beside": 0}
    np.testing.assert_array_equal(_expand(fallback, point), expect)


@needs_fork
def test_a_failed_compile_stops_the_child(tmp_path, monkeypatch):
    """When the log density fails to compile, the error reaches the caller and the child
    is stopped and reaped, not left running."""
    from mmm.inference import numba_cache
    from mmm.inference.backends import numba_flags

    monkeypatch.setenv("MMM_CACHE_DIR", str(tmp_path))
    real_start, real_cfunc, children = compile_beside.start, numba_cache.cfunc, []

    def start(task, first=None):
        child = real_start(task, first=first)
        children.append(child)
        return child

    def cfunc(source, inner, key, sig):
        if "mmm_logp_callback" in source:
            raise RuntimeError("the log density cannot be compiled")
        return real_cfunc(source, inner, key, sig)

    monkeypatch.setattr(compile_beside, "start", start)
    monkeypatch.setattr(numba_cache, "cfunc", cfunc)
    with numba_flags(), pytest.raises(RuntimeError, match="cannot be compiled"):
        numba_cache.compile_cached(tiny_model(np.zeros(8)))
    (child,) = children
    with pytest.raises(ChildProcessError):  # reaped: no such child any more
        os.waitpid(child.pid, os.WNOHANG)
