"""Read a run folder for the report: :class:`RunFolder` is
:class:`mmm.run_folder.RunFolder` (the layout, the files written next to the fit, read
lazily, problems noted in ``warnings``) with the saved fit and its headline summary, read
once and cached."""

from __future__ import annotations

from functools import cached_property

from mmm.errors import RunFolderError
from mmm.inference.fit import FitResult
from mmm.run_folder import BACKTEST_FILE, SUMMARY_FILE, read_recommendation
from mmm.run_folder import RunFolder as _Layout
from mmm.run_summary import RunSummary
from mmm.runs import build_summary, complete_summary, missing_entries

__all__ = ["RunFolder", "read_recommendation"]


class RunFolder(_Layout):
    """A run folder as the report reads it: the layout plus the fit and its summary."""

    @cached_property
    def fit(self) -> FitResult:
        """The saved :class:`~mmm.inference.fit.FitResult` (no live model)."""
        return FitResult.load(self.path)

    @cached_property
    def summary(self) -> RunSummary:
        """``summary.json``, typed (recomputed from the fit, with a warning, when missing;
        entries an older schema lacks are computed by :func:`mmm.runs.complete_summary`,
        with a warning).

        Raises
        ------
        mmm.errors.RunFolderError
            The file cannot be read or lacks a key (the message names it).
        """
        s = self.read_summary()
        if s is None:
            self.warnings.append(
                f"{SUMMARY_FILE} was missing; the headline numbers were recomputed from the fit."
            )
            return build_summary(self.fit)
        if not missing_entries(s):
            return s  # current: the fit is not read for it
        s, added = complete_summary(s, self.fit)
        if added:
            self.warnings.append(
                f"{SUMMARY_FILE} was written by an older version of mmm without "
                f"{', '.join(added)}; those numbers were computed from the fit. Refit with "
                "`mmm fit` to store them."
            )
        return s

    @cached_property
    def backtest(self) -> dict | None:
        """``backtest.json`` when it belongs to this fit (else None, with a warning)."""
        try:
            b = self._json(self.backtest_file, "run `mmm backtest` again")
        except RunFolderError as exc:
            self.warnings.append(f"{BACKTEST_FILE} could not be read ({exc}).")
            return None
        if b is None:
            return None
        prov = self.fit.provenance
        if (b.get("data_fingerprint"), b.get("spec_hash")) != (
            prov.get("data_fingerprint"),
            prov.get("spec_hash"),
        ):
            self.warnings.append(
                f"{BACKTEST_FILE} belongs to an earlier fit in this folder (other data or "
                "model); it is not shown. Run `mmm backtest` again."
            )
            return None
        return b
