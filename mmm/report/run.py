"""Read a run folder: the saved fit and the JSON/TOML files written next to it."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from mmm.errors import NotFittedError


def _read_json(path: Path) -> dict | None:
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise NotFittedError(f"{path} is not valid JSON ({exc}); rewrite it or refit.") from exc


@dataclass
class RunFolder:
    """The files of one run folder, read lazily.

    Attributes
    ----------
    path : Path
    summary : dict
        ``summary.json`` (recomputed from the fit when the file is missing).
    manifest : dict
        ``manifest.json`` (empty when missing).
    config : dict
        ``config.toml`` (empty when missing).
    recommendation : dict or None
        ``recommendation.json`` written by the optimizer, if any.
    backtest : dict or None
        ``backtest.json`` written by ``mmm backtest``, if any and if it belongs to this fit.
    warnings : list of str
        Problems met while reading, shown in the report.
    """

    path: Path
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, run_dir) -> RunFolder:
        """Check that ``run_dir`` holds a saved fit and return the folder."""
        p = Path(run_dir)
        if not p.is_dir():
            raise NotFittedError(f"{p} is not a folder; pass a run folder written by `mmm fit`.")
        for need in ("fit.nc", "fit.json"):
            if not (p / need).exists():
                raise NotFittedError(
                    f"{p} is not a run folder: {need} is missing. Run `mmm fit` to create one."
                )
        return cls(p)

    @cached_property
    def fit(self):
        """The saved :class:`~mmm.inference.fit.FitResult` (no live model)."""
        from mmm.inference.fit import FitResult

        return FitResult.load(self.path)

    @cached_property
    def summary(self) -> dict:
        s = _read_json(self.path / "summary.json")
        if s is None:
            from mmm.runs import build_summary

            self.warnings.append(
                "summary.json was missing; the headline numbers were recomputed from the fit."
            )
            s = build_summary(self.fit)
        return s

    @cached_property
    def manifest(self) -> dict:
        m = _read_json(self.path / "manifest.json")
        if m is None:
            self.warnings.append("manifest.json is missing: provenance details are incomplete.")
            return {}
        return m

    @cached_property
    def fit_meta(self) -> dict:
        return _read_json(self.path / "fit.json") or {}

    @cached_property
    def config(self) -> dict:
        p = self.path / "config.toml"
        if not p.exists():
            return {}
        try:
            return tomllib.loads(p.read_text())
        except tomllib.TOMLDecodeError as exc:
            self.warnings.append(f"config.toml could not be read ({exc}).")
            return {}

    @cached_property
    def recommendation(self) -> dict | None:
        p = self.path / "recommendation.json"
        if not p.exists():
            return None
        try:
            return json.loads(p.read_text())
        except json.JSONDecodeError as exc:
            self.warnings.append(f"recommendation.json could not be read ({exc}).")
            return None

    @property
    def diagnostics(self) -> dict | None:
        """Sampler diagnostics: the manifest's, else the fit's own record."""
        return self.manifest.get("diagnostics") or self.fit_meta.get("diagnostics")

    @cached_property
    def backtest(self) -> dict | None:
        p = self.path / "backtest.json"
        if not p.exists():
            return None
        try:
            b = json.loads(p.read_text())
        except json.JSONDecodeError as exc:
            self.warnings.append(f"backtest.json could not be read ({exc}).")
            return None
        prov = self.fit.provenance
        if (b.get("data_fingerprint"), b.get("spec_hash")) != (
            prov.get("data_fingerprint"),
            prov.get("spec_hash"),
        ):
            self.warnings.append(
                "backtest.json belongs to an earlier fit in this folder (other data or model); "
                "it is not shown. Run `mmm backtest` again."
            )
            return None
        return b
