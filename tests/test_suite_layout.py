"""The test suite's own wiring: modules that share the demo fit run on one worker."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import BRAND_FIT_MODULES, DEMO_FIT_MODULES, _scope

HERE = Path(__file__).resolve().parent


def test_every_module_using_the_demo_fit_is_grouped():
    """A module that requests ``demo_fit`` / ``demo_run`` but is missing from
    ``DEMO_FIT_MODULES`` would fit the demo model a second time on the other worker."""
    uses = {
        p.stem
        for p in HERE.glob("test_*.py")
        # a test or fixture taking the fixture as an argument
        if re.search(r"def \w+\([^)]*\bdemo_(fit|run)\b", p.read_text(encoding="utf-8"))
    }
    assert uses == DEMO_FIT_MODULES


def test_every_module_using_the_brand_fits_is_grouped():
    """The five brand fits are made once, on one worker, for every module that reads them."""
    uses = {
        p.stem
        for p in HERE.glob("test_*.py")
        if re.search(r"def \w+\([^)]*\bbrand_fits\b", p.read_text(encoding="utf-8"))
    }
    assert uses == BRAND_FIT_MODULES


def test_scope_groups_demo_modules_and_keeps_other_modules_apart():
    assert _scope("tests/test_model.py::test_x") == "demo_fit"
    assert _scope("tests/test_recovery.py::test_y[a-b]") == "demo_fit"
    assert _scope("tests/test_split_recovery.py::test_w") == "brand_fits"
    assert _scope("tests/test_health_defaults.py::test_v") == "brand_fits"
    assert _scope("tests/test_batch.py::test_z") == "tests/test_batch.py"
    assert _scope("tests/test_batch.py::TestK::test_z") == "tests/test_batch.py"
