"""One resolution of settings: the config file, then the command-line flags given.

No model is fitted here: the CLI's fitting step is replaced by a stub that records the
config it receives, which is the config the run folder records (``config.toml``).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from mmm.config import RunConfig, load_config, parse_config, with_overrides
from mmm.errors import ConfigError
from mmm.spec import ModelSpec, OutcomeSpec, SamplerConfig

CONFIG = """\
[data]
media = "media.csv"
outcomes = "outcomes.csv"
channels = "channels.csv"

[model]
outcomes = [
  { name = "online_sales", kind = "revenue" },
  { name = "store_visits", kind = "count" },
  { name = "brand_search", kind = "count" },
]
saturation = "logistic"
trend = "none"
yearly_order = 1

[sampler]
draws = 321
tune = 123
chains = 3
seed = 11
"""


@pytest.fixture
def config_path(tmp_path):
    p = tmp_path / "config.toml"
    p.write_text(CONFIG)
    return p


def test_flags_given_override_the_file_and_flags_left_out_keep_it(config_path):
    cfg = load_config(config_path)
    assert with_overrides(cfg) == cfg
    assert with_overrides(cfg, seed=None, draws=None) == cfg
    out = with_overrides(cfg, seed=7, chains=2)
    assert (out.sampler.seed, out.sampler.chains) == (7, 2)
    assert (out.sampler.draws, out.sampler.tune) == (321, 123)  # the file's
    assert out.model == cfg.model and out.data == cfg.data
    # the resolved config (what the run folder records) carries the override
    assert out.resolved()["sampler"]["seed"] == 7


def test_bad_or_unknown_flags_are_named(config_path):
    cfg = load_config(config_path)
    with pytest.raises(ConfigError, match="draws=0"):
        with_overrides(cfg, draws=0)
    with pytest.raises(ConfigError, match=r"unknown sampler flag\(s\) \['warmup'\]"):
        with_overrides(cfg, warmup=5)


@pytest.fixture
def captured(monkeypatch):
    """Replace the CLI's fitting step; record the config and mediator it is given."""
    import mmm.cli.fit as cli

    seen = {}

    class Stop(Exception):
        pass

    def fake_run_fit(cfg, out, *, mediator_hint=None, **_ignored):
        seen["cfg"], seen["mediator"] = cfg, mediator_hint
        raise Stop

    monkeypatch.setattr(cli, "run_fit", fake_run_fit)
    seen["stop"] = Stop
    return seen


def _invoke(args, captured):
    from mmm.cli import app

    typer_testing = pytest.importorskip("typer.testing")
    res = typer_testing.CliRunner().invoke(app, args)
    assert isinstance(res.exception, captured["stop"]), res.output
    return captured["cfg"], captured["mediator"]


@pytest.mark.parametrize(
    "flags, expected",
    [
        ([], {"seed": 11, "draws": 321, "tune": 123, "chains": 3}),
        (["--seed", "7"], {"seed": 7, "draws": 321, "tune": 123, "chains": 3}),
        (
            ["--draws", "50", "--tune", "60", "--chains", "1"],
            {"seed": 11, "draws": 50, "tune": 60, "chains": 1},
        ),
    ],
)
def test_mmm_fit_config_with_sampler_flags(config_path, tmp_path, captured, flags, expected):
    cfg, _ = _invoke(["fit", str(config_path), "--out", str(tmp_path / "run"), *flags], captured)
    got = {k: getattr(cfg.sampler, k) for k in expected}
    assert got == expected


def test_mmm_fit_without_config_uses_the_flags_or_the_documented_defaults(tmp_path, captured):
    from mmm.cli.fit import FIT_DEFAULTS

    files = ["--media", "m.csv", "--outcomes", "o.csv", "--channels", "c.csv"]
    cfg, _ = _invoke(["fit", *files, "--out", str(tmp_path / "r")], captured)
    assert {k: getattr(cfg.sampler, k) for k in FIT_DEFAULTS} == FIT_DEFAULTS
    cfg, _ = _invoke(["fit", *files, "--out", str(tmp_path / "r"), "--seed", "7"], captured)
    assert cfg.sampler.seed == 7 and cfg.sampler.draws == FIT_DEFAULTS["draws"]


def test_mmm_fit_passes_the_mediator_flag_on(config_path, tmp_path, captured):
    _, med = _invoke(
        ["fit", str(config_path), "--out", str(tmp_path / "run"), "--mediator", "brand_search"],
        captured,
    )
    assert med == "brand_search"


class _DS:
    """The one attribute of a Dataset that resolve_model reads."""

    def __init__(self, names):
        self.outcome_names = list(names)


def _cfg(model: ModelSpec) -> RunConfig:
    raw = {"data": {"media": "m.csv", "outcomes": "o.csv", "channels": "c.csv"}}
    return replace(parse_config(raw), model=model, sampler=SamplerConfig(seed=3))


def test_mediator_flag_changes_the_mediator_and_keeps_the_configured_model():
    from mmm.pipeline import resolve_model

    spec = ModelSpec(
        outcomes=(
            OutcomeSpec("online_sales", "revenue"),
            OutcomeSpec("store_visits", "count"),
            OutcomeSpec("brand_search", "count"),
        ),
        media={"saturation": "logistic"},
        baseline={"trend": "none", "yearly_order": 1},
    )
    ds = _DS(["online_sales", "store_visits", "brand_search"])
    out = resolve_model(_cfg(spec), ds, mediator_hint="brand_search").model
    assert out.mediator == "brand_search"
    assert out.outcome_names == ("online_sales", "store_visits")
    # nothing else of the configured model changed
    assert out == replace(spec, mediator="brand_search", outcomes=spec.outcomes[:2])
    # without the flag the configured model is kept as it is (brand_search is an outcome)
    assert resolve_model(_cfg(spec), ds).model == spec


def test_mediator_flag_on_the_only_outcome_is_refused():
    from mmm.pipeline import resolve_model

    spec = ModelSpec(outcomes=(OutcomeSpec("online_sales", "revenue"),))
    with pytest.raises(ConfigError, match="only outcome"):
        resolve_model(_cfg(spec), _DS(["online_sales"]), mediator_hint="online_sales")


def test_outcomes_from_the_data_keep_the_other_configured_settings():
    """A config whose outcomes are the defaults, on data with other outcome columns: the
    outcomes come from the data; saturation, trend and seasonality stay as configured."""
    from mmm.pipeline import resolve_model

    spec = ModelSpec().replace(saturation="logistic", trend="none", yearly_order=1)
    out = resolve_model(_cfg(spec), _DS(["revenue", "shop_visits"])).model
    assert out.outcome_names == ("revenue", "shop_visits")
    assert (out.media.saturation, out.baseline.trend, out.baseline.yearly_order) == (
        "logistic",
        "none",
        1,
    )
