"""Read a run folder: the saved fit and the JSON/TOML files written next to it."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from mmm.errors import NotFittedError
from mmm.optimize.store import DEFAULT_NAME


def _read_json(path: Path) -> dict | None:
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise NotFittedError(f"{path} is not valid JSON ({exc}); rewrite it or refit.") from exc


def _created(rec: dict) -> str:
    settings = rec.get("settings") if isinstance(rec.get("settings"), dict) else {}
    return str(settings.get("created") or "")


def read_recommendation(run_dir, name: str | None = None) -> tuple[dict | None, Path | None]:
    """The optimizer's recommendation stored in a run folder, and the file it came from.

    Recommendations live in ``RUN/recommendations/<name>/recommendation.json``; older run
    folders hold one ``RUN/recommendation.json``.

    Parameters
    ----------
    run_dir : path
        The run folder.
    name : str, optional
        Which recommendation (the folder name under ``recommendations/``; an older run
        folder's top-level ``recommendation.json`` is the one named ``recommended``).
        ``None`` takes ``recommended`` when it is stored, else the newest by
        ``settings.created``.

    Returns
    -------
    (dict or None, Path or None)
        The parsed JSON and its path; ``(None, None)`` when the run holds none.

    Raises
    ------
    NotFittedError
        When ``name`` is given and no such recommendation exists (the message lists the
        stored names), or a file is not valid JSON.
    """
    root = Path(run_dir)
    folder = root / "recommendations"
    legacy = root / "recommendation.json"
    if name is None and (
        (folder / DEFAULT_NAME / "recommendation.json").exists() or legacy.exists()
    ):
        name = DEFAULT_NAME
    if name is not None:
        p = folder / str(name) / "recommendation.json"
        if not p.exists() and name == DEFAULT_NAME and legacy.exists():
            return _read_json(legacy), legacy
        if not p.exists():
            have = sorted(q.parent.name for q in folder.glob("*/recommendation.json"))
            if legacy.exists():
                have = sorted({*have, DEFAULT_NAME})
            raise NotFittedError(
                f"{root} holds no recommendation named {name!r} "
                f"(stored: {', '.join(have) if have else 'none'}); run "
                f"`mmm optimize {root} --name {name}` first or pick a stored one."
            )
        return _read_json(p), p
    found = []
    for p in sorted(folder.glob("*/recommendation.json")):
        rec = _read_json(p)
        if isinstance(rec, dict):
            found.append((_created(rec), p.parent.name, rec, p))
    if found:
        _, _, rec, p = max(found, key=lambda t: (t[0], t[1]))
        return rec, p
    return None, None


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
    recommendation_name: str | None = None

    @classmethod
    def open(cls, run_dir, *, recommendation: str | None = None) -> RunFolder:
        """Check that ``run_dir`` holds a saved fit and return the folder.

        ``recommendation`` names the stored recommendation to show (default: ``recommended``
        when stored, else the newest).
        """
        p = Path(run_dir)
        if not p.is_dir():
            raise NotFittedError(f"{p} is not a folder; pass a run folder written by `mmm fit`.")
        for need in ("fit.nc", "fit.json"):
            if not (p / need).exists():
                raise NotFittedError(
                    f"{p} is not a run folder: {need} is missing. Run `mmm fit` to create one."
                )
        run = cls(p, recommendation_name=recommendation)
        if recommendation is not None:
            run.recommendation  # noqa: B018 - fail early on an unknown name
        return run

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
    def _recommendation(self) -> tuple[dict | None, Path | None]:
        try:
            return read_recommendation(self.path, self.recommendation_name)
        except NotFittedError as exc:
            if self.recommendation_name is not None or "not valid JSON" not in str(exc):
                raise
            self.warnings.append(f"The budget recommendation could not be read ({exc}).")
            return None, None

    @property
    def recommendation(self) -> dict | None:
        """The recommendation shown (see :func:`read_recommendation`), or None."""
        return self._recommendation[0]

    @property
    def recommendation_path(self) -> Path | None:
        """The file :attr:`recommendation` was read from, or None."""
        return self._recommendation[1]

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
