"""Run configuration files (TOML): data, model, sampler, optimizer in one place.

A config fully describes a run. Paths are relative to the config file's folder.
Every key is validated; an unknown or malformed key raises :class:`ConfigError`
naming the key, what is allowed and what was received.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NoReturn

from mmm.errors import ConfigError, SpecError
from mmm.spec import ModelSpec, SamplerConfig

TEMPLATE = """\
# mmm run configuration. Paths are relative to this file.
# Fit with:  mmm fit config.toml --out runs/my-run

[data]
media = "media.csv"          # long table: date, channel, audience, geo, spend[, impressions]
outcomes = "outcomes.csv"    # date[, geo], one column per outcome
channels = "channels.csv"    # channel, stage (awareness | conversion)[, max_lag, roas_prior]
# controls = "controls.csv"  # date[, geo], numeric columns (price, promotions, holidays)
# geos = "geos.csv"          # geo, population, shops
# experiments = "experiments.csv"  # lift tests to calibrate with (docs/calibration.md)

[model]
# outcomes fitted jointly; kind = revenue (ROAS) or count (cost per unit)
outcomes = [
  { name = "online_sales", kind = "revenue" },
  { name = "store_visits", kind = "count" },
]
mediator = "brand_search"    # mid-funnel series driven by awareness spend; remove if none

[model.media]
saturation = "hill"          # hill | logistic | michaelis_menten

[model.media.stages.awareness]
adstock = "delayed"          # peak a few weeks after spend; geometric | delayed | weibull_pdf | weibull_cdf
l_max = 13                   # longest carry-over in periods

[model.media.stages.conversion]
adstock = "geometric"
l_max = 8

[model.baseline]
trend = "linear"             # none | linear | piecewise
yearly_order = 2             # Fourier order of yearly seasonality (0 = off)

[model.likelihood]
use_experiments = true       # add [data] experiments to the likelihood (false: fit uncalibrated)

[model.priors]
media_share_prior = 0.2      # share of each outcome the default ROAS prior gives to media
roas_prior_sigma = 1.0       # spread of the ROAS prior on the log scale

# priors from past studies, per channel and outcome (ROAS, or cost per visit for counts)
# [model.priors.roas_priors.paid_search]
# online_sales = { median = 2.5, sigma = 0.3 }
# store_visits = { cost_per_unit = 12.0, sigma = 0.4 }

[sampler]
sampler = "nutpie"           # nutpie | pymc | numpyro
# backend = "jax"            # nutpie's compiler: numba (default) | jax (fast compile, cached on disk)
draws = 1000
tune = 1000
chains = 4
target_accept = 0.9
seed = 1

[optimizer]
# budget = 1_000_000         # total budget over the horizon (currency)
horizon = 13                 # periods to plan
# value_per_visit = 25.0     # what one store visit is worth (currency). Set it when an outcome
#                            # counts store visits: `mmm optimize` refuses to plan without it
#                            # (or --value-per-visit / --objective online_sales), since visits
#                            # valued at 0 would make it cut the lines that bring people to shops.
# currency = "€"             # symbol before the amounts `mmm optimize` prints (default €)
"""

DATA_KEYS = ("media", "outcomes", "channels", "controls", "geos", "experiments")
OPT_KEYS = (
    "budget",
    "horizon",
    "value_per_visit",
    "bounds",
    "min_awareness_share",
    "risk",
    "currency",
)


@dataclass(frozen=True)
class RunConfig:
    """A parsed, validated run configuration."""

    data: dict
    model: ModelSpec
    sampler: SamplerConfig
    optimizer: dict = field(default_factory=dict)
    source: str | None = None

    def resolved(self) -> dict:
        """The fully resolved config as a plain dict (absolute paths, all defaults)."""
        return {
            "data": {k: str(v) for k, v in self.data.items()},
            "model": self.model.to_dict(),
            "sampler": self.sampler.to_dict(),
            "optimizer": dict(self.optimizer),
        }

    def canonical(self) -> dict:
        """:meth:`resolved` with the model in its flat form (``ModelSpec.to_flat_dict``),
        what hashes and batch fingerprints are computed on: the same as before the model's
        options were grouped, so those of existing runs stay valid."""
        return {**self.resolved(), "model": self.model.to_flat_dict()}

    def hash(self) -> str:
        """SHA-256 of the canonical config as JSON (stable across runs and machines)."""
        blob = json.dumps(self.canonical(), sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()


def _fail(path, key: str, msg: str) -> NoReturn:
    where = f"{path}: " if path else ""
    raise ConfigError(f"{where}[{key}] {msg}")


def parse_config(raw: dict, *, base: Path | None = None, source: str | None = None) -> RunConfig:
    """Validate a config dictionary (as read from TOML)."""
    base = base or Path(".")
    allowed = {"data", "model", "sampler", "optimizer"}
    for k in raw:
        if k not in allowed:
            _fail(source, k, f"is not a known section; allowed sections: {sorted(allowed)}.")
    data_raw = raw.get("data")
    if not isinstance(data_raw, dict):
        _fail(source, "data", "section is missing; it needs media, outcomes and channels paths.")
    data = {}
    for k, v in data_raw.items():
        if k not in DATA_KEYS:
            _fail(source, f"data.{k}", f"is not a known key; allowed: {list(DATA_KEYS)}.")
        if not isinstance(v, str):
            _fail(source, f"data.{k}", f"must be a file path string, got {v!r}.")
        p = Path(v)
        data[k] = p if p.is_absolute() else (base / p).resolve()
    for need in ("media", "outcomes", "channels"):
        if need not in data:
            _fail(source, f"data.{need}", "is required (a CSV or Parquet file path).")
    try:
        model = ModelSpec.from_dict(raw.get("model", {}))
    except (SpecError, TypeError) as exc:
        _fail(source, "model", str(exc))
    try:
        sampler = SamplerConfig(**raw.get("sampler", {}))
    except TypeError as exc:
        _fail(
            source,
            "sampler",
            f"has an unknown key ({exc}); allowed: sampler, backend, draws, tune, chains, target_accept, seed, progress.",
        )
    except SpecError as exc:
        _fail(source, "sampler", str(exc))
    opt = dict(raw.get("optimizer", {}))
    for k in opt:
        if k not in OPT_KEYS:
            _fail(source, f"optimizer.{k}", f"is not a known key; allowed: {list(OPT_KEYS)}.")
    return RunConfig(data=data, model=model, sampler=sampler, optimizer=opt, source=source)


#: sampler settings a command-line flag may override (``mmm fit --seed/--draws/...``)
SAMPLER_FLAGS = ("seed", "draws", "tune", "chains")


def with_overrides(cfg: RunConfig, **flags) -> RunConfig:
    """The config with command-line sampler flags over its file's values.

    One rule for every command: a flag that was given (not None) replaces the config
    file's value; a flag left out keeps it. The result is what the run records in its
    ``config.toml``, so ``mmm reproduce`` refits with the same settings. (``--mediator``
    needs the data and is applied by :func:`mmm.pipeline.resolve_model`, by the same
    rule: it changes the configured model's mediator, nothing else.)

    Parameters
    ----------
    cfg : RunConfig
    **flags
        ``seed``, ``draws``, ``tune``, ``chains``, each None when not given.

    Returns
    -------
    RunConfig

    Raises
    ------
    mmm.errors.ConfigError
        An unknown flag, or a value the sampler refuses (named, with the allowed range).
    """
    unknown = sorted(set(flags) - set(SAMPLER_FLAGS))
    if unknown:
        raise ConfigError(f"unknown sampler flag(s) {unknown}; allowed: {list(SAMPLER_FLAGS)}.")
    given = {k: v for k, v in flags.items() if v is not None}
    if not given:
        return cfg
    try:
        return replace(cfg, sampler=replace(cfg.sampler, **given))
    except SpecError as exc:
        raise ConfigError(f"command-line sampler setting: {exc}") from None


def load_config(path) -> RunConfig:
    """Read and validate a TOML config file."""
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"config file {p} does not exist; create one with `mmm init DIR`.")
    return parse_config(read_toml(p), base=p.parent, source=str(p))


def read_toml(path, *, label: str = "") -> dict:
    """Parse a TOML file; invalid TOML raises ConfigError naming the file (after ``label``)."""
    p = Path(path)
    try:
        return tomllib.loads(p.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{label}{p}: is not valid TOML ({exc}).") from exc


def dump_toml(d: dict) -> str:
    """Write a nested dict of scalars / lists / dicts as TOML (enough for resolved configs)."""
    lines: list[str] = []

    def val(v) -> str:
        if v is None:
            return '""'
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float):
            return repr(v)
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list | tuple):
            return "[" + ", ".join(val(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {val(x)}" for k, x in v.items()) + " }"
        return json.dumps(str(v))

    def section(prefix: str, d: dict) -> None:
        scalars = {k: v for k, v in d.items() if not isinstance(v, dict) and v is not None}
        subs = {k: v for k, v in d.items() if isinstance(v, dict) and v}
        if prefix:
            lines.append(f"[{prefix}]")
        for k, v in scalars.items():
            lines.append(f"{k} = {val(v)}")
        lines.append("")
        for k, v in subs.items():
            section(f"{prefix}.{k}" if prefix else k, v)

    section("", d)
    return "\n".join(lines).strip() + "\n"
