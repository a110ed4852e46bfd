"""Helpers of the journey-attribution tests: credit per channel of one method, compared."""

from __future__ import annotations

import pandas as pd
import pytest


def credit(result: pd.DataFrame, method: str, column: str = "conversions") -> dict[str, float]:
    sub = result[result["method"] == method]
    return dict(zip(sub["channel"], sub[column], strict=True))


def assert_credit(got: dict[str, float], expected: dict[str, float], tol: float = 1e-12) -> None:
    assert set(got) == set(expected), (got, expected)
    for c, v in expected.items():
        assert got[c] == pytest.approx(float(v), abs=tol, rel=tol), (c, got[c], v)
