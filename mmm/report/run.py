"""Read a run folder for the report: :class:`RunFolder` is
:class:`mmm.run_folder.RunFolder` (the layout, the files written next to the fit, read
lazily, problems noted in ``warnings``) with the saved fit and its headline summary, read
once and cached."""

from __future__ import annotations

from functools import cached_property

from mmm.inference.fit import FitResult
from mmm.run_folder import SUMMARY_FILE, read_recommendation
from mmm.run_folder import RunFolder as _Layout
from mmm.runs import build_summary

__all__ = ["RunFolder", "read_recommendation"]


class RunFolder(_Layout):
    """A run folder as the report reads it: the layout plus the fit and its summary."""

    @cached_property
    def fit(self) -> FitResult:
        """The saved :class:`~mmm.inference.fit.FitResult` (no live model)."""
        return FitResult.load(self.path)

    @cached_property
    def summary(self) -> dict:
        """``summary.json`` (recomputed from the fit, with a warning, when missing)."""
        s = self.read_summary()
        if s is None:
            self.warnings.append(
                f"{SUMMARY_FILE} was missing; the headline numbers were recomputed from the fit."
            )
            s = build_summary(self.fit)
        return s
