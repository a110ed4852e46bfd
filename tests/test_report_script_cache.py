"""The report's chart script (Vega, Vega-Lite and vega-embed, built by vl-convert) is kept
once per machine and version on disk, and read from there by later reports."""

from __future__ import annotations

import pytest

pytest.importorskip("vl_convert")


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """An empty cache folder and no bundle kept in this process."""
    from mmm.report import interactive

    monkeypatch.setenv("MMM_CACHE_DIR", str(tmp_path / "cache"))
    interactive.javascript.cache_clear()
    yield tmp_path / "cache" / "report"
    interactive.javascript.cache_clear()


def _refuse(*args, **kwargs):
    raise AssertionError("vl-convert was asked to build the bundle again")


def test_the_bundle_is_built_once_then_read_from_disk(fresh, monkeypatch):
    import vl_convert

    from mmm.report import interactive

    built = interactive.javascript()
    assert "window.vegaEmbed=" in built and len(built) > 100_000
    (kept,) = fresh.glob("vega-bundle-*.js")
    assert kept.read_text(encoding="utf-8") == built
    interactive.javascript.cache_clear()
    monkeypatch.setattr(vl_convert, "javascript_bundle", _refuse)
    assert interactive.javascript() == built


def test_a_damaged_file_is_built_again(fresh, monkeypatch):
    from mmm.report import interactive

    built = interactive.javascript()
    (kept,) = fresh.glob("vega-bundle-*.js")
    kept.write_text(built[: len(built) // 2], encoding="utf-8")  # cut before the end
    interactive.javascript.cache_clear()
    assert interactive.javascript() == built
    assert kept.read_text(encoding="utf-8") == built


def test_a_cache_folder_that_cannot_be_written_only_costs_time(fresh, monkeypatch):
    from mmm.report import interactive

    fresh.parent.mkdir(parents=True)
    fresh.write_text("a file where the folder should be")  # mkdir fails
    built = interactive.javascript()
    assert "window.vegaEmbed=" in built
    assert fresh.is_file()


def test_a_failed_write_leaves_neither_the_file_nor_a_part_of_it(tmp_path, monkeypatch):
    import os

    from mmm.inference.cache_paths import write_atomic

    target = tmp_path / "kept" / "bundle.js"
    write_atomic(target, "first")

    def no_room(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_room)
    with pytest.raises(OSError, match="No space"):
        write_atomic(target, "second")
    assert target.read_text(encoding="utf-8") == "first"
    assert sorted(p.name for p in target.parent.iterdir()) == ["bundle.js"]
