"""Batch files (TOML): many runs of ``mmm fit`` described in one place.

::

    [common]                       # merged into every run's config
    sampler = { draws = 500, tune = 500, chains = 2 }

    [[runs]]
    name = "brand_a-de"            # folder name of the run
    config = "brand_a/de.toml"     # a usual run config (paths relative to that file)
    model = { roas_prior_sigma = 0.5 }   # optional overrides: data, model, sampler, optimizer

    [[runs]]
    name = "backtest"
    config = "brand_a/de.toml"
    origins = ["2025-03-30", "2025-06-29"]   # one run per origin, fitted on weeks <= origin

    [[runs]]
    name = "prior"
    config = "brand_a/de.toml"
    variants = [
      { name = "tight", model = { roas_prior_sigma = 0.5 } },
      { name = "wide", model = { roas_prior_sigma = 2.0 } },
    ]

A run's config is its config file (if any), then ``[common]``, then the run's own
overrides, then the variant's, each merged key by key (a model option named flat,
``roas_prior_sigma``, or in its group, ``priors = { roas_prior_sigma = ... }``, is the
same key). Data paths in the batch file are relative to the batch file. Structural
mistakes in the batch file raise :class:`~mmm.errors.ConfigError` naming the key;
problems of one run's own inputs (a missing config or data file, an invalid config) fail
that run only.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from mmm.config import read_toml
from mmm.errors import ConfigError
from mmm.spec import nest_flat_options

__all__ = ["RunSpec", "load_batch", "parse_batch", "fingerprint", "resolve_config"]

SECTIONS = ("data", "model", "sampler", "optimizer")
RUN_KEYS = ("name", "config", "origins", "variants", *SECTIONS)
VARIANT_KEYS = ("name", *SECTIONS)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


@dataclass(frozen=True)
class RunSpec:
    """One fit of a batch.

    Parameters
    ----------
    name : str
        Name of the run and of its folder under the batch output (letters, digits,
        ``_ . -``).
    config : str, path or dict, optional
        A run config file (TOML, as for ``mmm fit``), or a config as a dict of sections.
        Relative data paths of a file are relative to the file; of a dict, to the
        current folder.
    overrides : dict
        Sections (``data``, ``model``, ``sampler``, ``optimizer``) merged key by key over
        the config. Relative data paths here are relative to the current folder
        (:func:`load_batch` makes those of a batch file absolute).
    origin : str, optional
        Backtest origin (ISO date): the run is fitted on the rows dated on or before it
        of the time-indexed tables (media, outcomes, controls).
    """

    name: str
    config: str | Path | dict | None = None
    overrides: dict = field(default_factory=dict)
    origin: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise ConfigError(
                f"run name {self.name!r} is not allowed: use 1-100 letters, digits, '_', '.' "
                "or '-', starting with a letter or digit (it names the run folder)."
            )
        if self.origin is not None:
            _check_origin(self.origin, f"run {self.name!r}")


def _check_origin(value, where: str) -> None:
    if not isinstance(value, str) or not re.match(r"^\d{4}-\d{2}-\d{2}$", value):
        raise ConfigError(f"{where}: origin {value!r} must be an ISO date string 'YYYY-MM-DD'.")
    try:
        pd.Timestamp(value)
    except ValueError as exc:
        raise ConfigError(f"{where}: origin {value!r} is not a valid date ({exc}).") from exc


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _merge_config(base: dict, over: dict) -> dict:
    """Config sections ``over`` merged key by key over ``base``. The ``model`` sections are
    first put in the grouped form (old flat keys moved into their groups), so an override
    replaces the same option whether either side names it flat or grouped."""

    def grouped(raw: dict) -> dict:
        model = raw.get("model")
        return {**raw, "model": nest_flat_options(model)} if isinstance(model, dict) else raw

    return _merge(grouped(base), grouped(over))


def _absolute_data(raw: dict, base: Path) -> dict:
    """A copy of ``raw`` whose ``data`` paths are absolute (relative ones resolved on ``base``)."""
    out = dict(raw)
    data = raw.get("data")
    if isinstance(data, dict):
        out["data"] = {
            k: (
                str((base / v).resolve()) if isinstance(v, str) and not Path(v).is_absolute() else v
            )
            for k, v in data.items()
        }
    return out


def _sections(entry: dict, where: str, source: str, base: Path) -> dict:
    over = {}
    for sec in SECTIONS:
        if sec in entry:
            if not isinstance(entry[sec], dict):
                raise ConfigError(f"{source}: [{where}.{sec}] must be a table of config keys.")
            over[sec] = entry[sec]
    return _absolute_data(over, base)


def _common_sections(raw: dict, source: str, base: Path) -> dict:
    """The batch's ``[common]`` config sections (its other top-level keys checked)."""
    for k in raw:
        if k not in ("common", "runs"):
            raise ConfigError(f"{source}: [{k}] is not a known key; allowed: 'common', 'runs'.")
    common = raw.get("common", {})
    if not isinstance(common, dict):
        raise ConfigError(f"{source}: [common] must be a table of config sections.")
    for k in common:
        if k not in SECTIONS:
            raise ConfigError(
                f"{source}: [common.{k}] is not a config section; allowed: {list(SECTIONS)}."
            )
    common = _sections(common, "common", source, base)
    return common


def _expand_run(entry, where: str, common: dict, source: str, base: Path) -> list[RunSpec]:
    """The run specs of one ``[[runs]]`` entry: one per variant and origin."""
    specs: list[RunSpec] = []
    if not isinstance(entry, dict):
        raise ConfigError(f"{source}: [{where}] must be a table.")
    for k in entry:
        if k not in RUN_KEYS:
            raise ConfigError(
                f"{source}: [{where}.{k}] is not a known key; allowed: {list(RUN_KEYS)}."
            )
    name = entry.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(
            f"{source}: [{where}.name] {name!r} must be 1-100 letters, digits, '_', '.' or "
            "'-' (it names the run folder)."
        )
    config = entry.get("config")
    if config is not None:
        if not isinstance(config, str):
            raise ConfigError(f"{source}: [{where}.config] must be a file path string.")
        config = str((base / config).resolve()) if not Path(config).is_absolute() else config
    elif "data" not in entry and "data" not in common:
        raise ConfigError(
            f'{source}: [{where}] needs a config file (config = "...toml") or a data table.'
        )
    own = _merge_config(common, _sections(entry, where, source, base))
    origins = entry.get("origins", [None])
    if not isinstance(origins, list) or not origins:
        raise ConfigError(f"{source}: [{where}.origins] must be a non-empty list of dates.")
    for o in origins:
        if o is not None:
            _check_origin(o, f"{source}: [{where}.origins]")
    variants = entry.get("variants", [{}])
    if not isinstance(variants, list) or not variants:
        raise ConfigError(f"{source}: [{where}.variants] must be a non-empty list of tables.")
    for j, var in enumerate(variants):
        vwhere = f"{where}.variants[{j}]"
        if not isinstance(var, dict):
            raise ConfigError(f"{source}: [{vwhere}] must be a table.")
        for k in var:
            if k not in VARIANT_KEYS:
                raise ConfigError(
                    f"{source}: [{vwhere}.{k}] is not a known key; allowed: {list(VARIANT_KEYS)}."
                )
        vname = var.get("name")
        if "variants" in entry and (not isinstance(vname, str) or not _NAME.match(vname)):
            raise ConfigError(
                f"{source}: [{vwhere}.name] {vname!r} must be 1-100 letters, digits, '_', "
                "'.' or '-'."
            )
        over = _merge_config(own, _sections(var, vwhere, source, base))
        for o in origins:
            parts = [name] + ([vname] if vname else []) + ([o] if o else [])
            specs.append(RunSpec(name="-".join(parts), config=config, overrides=over, origin=o))
    return specs


def parse_batch(raw: dict, *, base: Path | None = None, source: str = "batch") -> list[RunSpec]:
    """Validate a batch dictionary (as read from TOML) and expand it into run specs.

    Parameters
    ----------
    raw : dict
        Top-level keys ``common`` (optional table) and ``runs`` (array of tables).
    base : pathlib.Path, optional
        Folder that relative paths are relative to (the batch file's folder).
    source : str
        Name of the batch file, used in error messages.

    Returns
    -------
    list of RunSpec
        One per run, origins and variants expanded (``NAME-VARIANT-ORIGIN``).
    """
    base = (base or Path(".")).resolve()
    common = _common_sections(raw, source, base)
    runs = raw.get("runs")
    if not isinstance(runs, list) or not runs:
        raise ConfigError(
            f"{source}: [[runs]] is missing; list at least one run with name and config."
        )
    specs: list[RunSpec] = []
    for i, entry in enumerate(runs):
        specs += _expand_run(entry, f"runs[{i}]", common, source, base)
    seen: dict[str, int] = {}
    for s in specs:
        seen[s.name] = seen.get(s.name, 0) + 1
    dup = sorted(n for n, c in seen.items() if c > 1)
    if dup:
        raise ConfigError(f"{source}: run names must be unique; repeated: {dup}.")
    return specs


def load_batch(path) -> list[RunSpec]:
    """Read and validate a batch file (TOML); see the module docstring for the format."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"batch file {p} does not exist.")
    return parse_batch(read_toml(p), base=p.parent, source=str(p))


def resolve_config(spec: RunSpec) -> dict:
    """The run's raw config (sections as dicts, absolute data paths), ready for parse_config.

    Raises
    ------
    ConfigError
        When the config file is missing or not valid TOML.
    """
    cfg = spec.config
    if cfg is None:
        raw: dict = {}
    elif isinstance(cfg, dict):
        raw = _absolute_data(cfg, Path.cwd())
    else:
        p = Path(cfg)
        if not p.is_file():
            raise ConfigError(f"run {spec.name!r}: config file {p} does not exist.")
        raw = _absolute_data(read_toml(p, label=f"run {spec.name!r}: "), p.parent.resolve())
    return _merge_config(raw, _absolute_data(spec.overrides, Path.cwd()))


def fingerprint(resolved: dict, data_sha256: dict, origin: str | None) -> str:
    """SHA-256 of everything a run's result depends on: resolved config, data bytes, origin.

    Parameters
    ----------
    resolved : dict
        ``RunConfig.canonical()`` (absolute data paths, every default filled in, the model
        in its flat form).
    data_sha256 : dict
        SHA-256 of each data file, by role.
    origin : str or None
        Backtest origin.
    """
    blob = json.dumps(
        {"config": resolved, "data": data_sha256, "origin": origin}, sort_keys=True, default=str
    )
    return hashlib.sha256(blob.encode()).hexdigest()
