"""The model spec's groups (media, baseline, likelihood, priors): the grouped and the old
flat form read the same, mistakes name the key and its group, and hashes are those of
specs written before the groups."""

from __future__ import annotations

import json
import tomllib

import pytest
from analysis_helpers import known_fit

from mmm.config import TEMPLATE, dump_toml, parse_config
from mmm.errors import ConfigError, SpecError
from mmm.spec import (
    GROUP_OF,
    GROUPS,
    BaselineSpec,
    LikelihoodSpec,
    MediaSpec,
    ModelSpec,
    OutcomeSpec,
    PriorSpec,
    StageSpec,
    default_spec_for,
    nest_flat_options,
)

#: a spec with every option away from its default, in the flat form of ``to_dict`` before
#: the groups (as saved fits' ``spec`` and old configs hold it)
FLAT = {
    "outcomes": [
        {"name": "sales", "kind": "revenue", "likelihood": "student_t"},
        {"name": "store_visits", "kind": "count", "likelihood": "normal"},
    ],
    "mediator": "brand_search",
    "stages": {
        "awareness": {"adstock": "geometric", "l_max": 6},
        "conversion": {"adstock": "geometric", "l_max": 8},
    },
    "saturation": "hill",
    "hill_slope": 1.0,
    "trend": "piecewise",
    "n_changepoints": 6,
    "yearly_order": 3,
    "controls": ["price"],
    "audience_pooling": False,
    "shared_audiences": False,
    "roas_prior_sigma": 0.5,
    "roas_priors": {"tv": {"sales": {"median": 2.0, "sigma": 0.3}}},
    "use_experiments": False,
    "media_share_prior": 0.3,
    "geo_pooling": False,
    "noise_prior": 0.5,
    "store_outcomes": ["store_visits"],
    "near_store_audiences": ["near", "close"],
    "shop_effects": "estimate",
    "geo_baseline": "free",
    "extra": {"n": {"a": 1}, "note": "x"},
}

# ModelSpec.hash() computed on main before the options were grouped (commit 32c5363):
# saved runs and compiled-model caches key on it, so it must not change
HASH_DEFAULT = "6a9eed6be87b1ca1cebe34c2e60b6d82e4579bf080f397bab25728946431cb28"
HASH_FLAT = "328edbe1d4ee7d3b2ad4675aad06715e657b115d8d05c712977b48c3cd596413"
# RunConfig.hash() of FLAT_CONFIG (below) with the data at /x, computed on main likewise
CONFIG_HASH = "57b9521f196a930e51a31f5317fbc3612d9f1b99bc8a880e7c5eb694ff15b0d0"


def _grouped(flat: dict) -> dict:
    out: dict = {k: flat[k] for k in ("outcomes", "mediator", "extra")}
    for key, group in GROUP_OF.items():
        out.setdefault(group, {})[key] = flat[key]
    return out


def test_hash_is_the_one_of_specs_before_the_groups():
    assert ModelSpec().hash() == HASH_DEFAULT
    assert ModelSpec.from_dict(FLAT).hash() == HASH_FLAT
    assert ModelSpec.from_dict(_grouped(FLAT)).hash() == HASH_FLAT
    assert ModelSpec.from_dict(FLAT).to_flat_dict() == FLAT


def test_grouped_and_flat_forms_give_the_same_spec():
    flat, grouped = ModelSpec.from_dict(FLAT), ModelSpec.from_dict(_grouped(FLAT))
    assert flat == grouped
    assert flat.media.hill_slope == 1.0 and flat.baseline.trend == "piecewise"
    assert flat.likelihood.noise_prior == 0.5 and flat.priors.media_share_prior == 0.3
    # a mix of both forms reads the same too
    mixed = {k: v for k, v in FLAT.items() if GROUP_OF.get(k) != "media"}
    mixed["media"] = _grouped(FLAT)["media"]
    assert ModelSpec.from_dict(mixed) == flat


def test_to_dict_is_grouped_and_round_trips():
    spec = ModelSpec.from_dict(FLAT)
    d = spec.to_dict()
    assert list(d) == [
        "outcomes",
        "mediator",
        "media",
        "baseline",
        "likelihood",
        "priors",
        "extra",
    ]
    assert set(d["media"]) == {k for k, g in GROUP_OF.items() if g == "media"}
    assert d["priors"]["roas_priors"] == FLAT["roas_priors"]
    back = ModelSpec.from_dict(json.loads(json.dumps(d)))
    assert back == spec and back.hash() == spec.hash()
    assert ModelSpec.from_dict(ModelSpec().to_dict()) == ModelSpec()


def test_groups_accept_dicts_and_validate_their_own_options():
    spec = ModelSpec(media={"saturation": "logistic"}, baseline={"trend": "none"})
    assert spec.media == MediaSpec(saturation="logistic")
    assert spec.baseline == BaselineSpec(trend="none")
    with pytest.raises(SpecError, match="yearly_order=11"):
        BaselineSpec(yearly_order=11)
    with pytest.raises(SpecError, match="use_experiments"):
        LikelihoodSpec(use_experiments="yes")
    with pytest.raises(SpecError, match="roas_prior_sigma"):
        PriorSpec(roas_prior_sigma=0)
    # the outcomes of roas_priors and store_outcomes are checked against the spec's
    PriorSpec(roas_priors={"tv": {"footfall": {"median": 1.0}}})
    with pytest.raises(SpecError, match="not a modelled outcome"):
        ModelSpec(priors={"roas_priors": {"tv": {"footfall": {"median": 1.0}}}})
    with pytest.raises(SpecError, match="store_outcomes"):
        ModelSpec(media=MediaSpec(store_outcomes=("footfall",)))
    with pytest.raises(SpecError, match="group 'media' must be a MediaSpec"):
        ModelSpec(media="hill")


def test_a_key_given_flat_and_grouped_is_refused():
    with pytest.raises(SpecError) as err:
        ModelSpec.from_dict({"trend": "none", "baseline": {"trend": "linear"}})
    msg = str(err.value)
    assert "'trend'" in msg and "both as a flat key and in group 'baseline'" in msg
    assert "trend, n_changepoints, yearly_order, controls, geo_baseline" in msg


def test_unknown_keys_name_the_group_and_the_allowed_keys():
    with pytest.raises(SpecError) as err:
        ModelSpec.from_dict({"media": {"saturaton": "hill"}})
    msg = str(err.value)
    assert "'saturaton' in group 'media'" in msg
    assert "allowed in media: stages, saturation, hill_slope" in msg
    with pytest.raises(SpecError, match="'trend' belongs to group 'baseline'"):
        ModelSpec.from_dict({"media": {"trend": "none"}})
    with pytest.raises(SpecError) as err:
        ModelSpec.from_dict({"tren": "none"})
    msg = str(err.value)
    assert "'tren' (top level of the model)" in msg
    assert "outcomes, mediator, extra" in msg and "baseline (trend, n_changepoints" in msg
    with pytest.raises(SpecError, match="'seasonality' in group 'baseline'"):
        ModelSpec(baseline={"seasonality": 2})


def test_group_of_is_the_table_of_every_option():
    assert set(GROUP_OF.values()) == set(GROUPS)
    assert len(GROUP_OF) == 19
    assert GROUP_OF["hill_slope"] == "media" and GROUP_OF["use_experiments"] == "likelihood"
    assert nest_flat_options({"trend": "none", "media": {"saturation": "hill"}}) == {
        "baseline": {"trend": "none"},
        "media": {"saturation": "hill"},
    }


def test_replace_routes_flat_names_to_their_group():
    spec = ModelSpec(media={"saturation": "hill", "geo_pooling": False})
    out = spec.replace(hill_slope=1.0, trend="none", mediator="brand_search")
    assert out.media == MediaSpec(geo_pooling=False, hill_slope=1.0)  # the rest is kept
    assert out.baseline == BaselineSpec(trend="none")
    assert out.mediator == "brand_search" and spec.media.hill_slope == "estimate"
    assert spec.replace(likelihood={"noise_prior": 0.3}).likelihood == LikelihoodSpec(0.3)
    assert spec.replace() == spec
    with pytest.raises(SpecError, match="'hill_slop'"):
        spec.replace(hill_slop=1.0)
    with pytest.raises(SpecError, match="both as a flat key and in group 'media'"):
        spec.replace(saturation="logistic", media=MediaSpec())
    with pytest.raises(SpecError, match="trend"):
        spec.replace(trend="cubic")


def test_default_spec_for_takes_flat_and_grouped_overrides(demo_sim):
    ds = demo_sim.to_dataset()
    flat = default_spec_for(ds, mediator="brand_search", trend="none", hill_slope=1.0)
    grouped = default_spec_for(
        ds, mediator="brand_search", baseline=BaselineSpec(trend="none"), media={"hill_slope": 1.0}
    )
    assert flat == grouped
    assert flat.baseline.trend == "none" and flat.media.hill_slope == 1.0
    with pytest.raises(SpecError, match="'tren'"):
        default_spec_for(ds, tren="none")


def test_default_spec_for_daily_data_keeps_daily_lags_with_a_media_dict():
    class Daily:
        outcome_names = ("online_sales",)
        freq = "D"

    assert default_spec_for(Daily()).stage("awareness").l_max == 56
    assert (
        default_spec_for(Daily(), media={"saturation": "logistic"}).stage("awareness").l_max == 56
    )
    mine = {"awareness": StageSpec("geometric", 30)}
    assert default_spec_for(Daily(), stages=mine).stage("awareness").l_max == 30
    assert default_spec_for(Daily(), media=MediaSpec()).stage("awareness").l_max == 13


# ---------------------------------------------------------------------- config files

FLAT_CONFIG = """\
[data]
media = "m.csv"
outcomes = "o.csv"
channels = "c.csv"

[model]
outcomes = [{ name = "online_sales", kind = "revenue" }, { name = "store_visits", kind = "count" }]
saturation = "logistic"
trend = "none"
yearly_order = 1
use_experiments = false
roas_prior_sigma = 0.7

[model.roas_priors.paid_search]
online_sales = { median = 2.5, sigma = 0.3 }

[model.stages.awareness]
adstock = "geometric"
l_max = 6
"""

GROUPED_CONFIG = """\
[data]
media = "m.csv"
outcomes = "o.csv"
channels = "c.csv"

[model]
outcomes = [{ name = "online_sales", kind = "revenue" }, { name = "store_visits", kind = "count" }]

[model.media]
saturation = "logistic"

[model.media.stages.awareness]
adstock = "geometric"
l_max = 6

[model.baseline]
trend = "none"
yearly_order = 1

[model.likelihood]
use_experiments = false

[model.priors]
roas_prior_sigma = 0.7

[model.priors.roas_priors.paid_search]
online_sales = { median = 2.5, sigma = 0.3 }
"""


def test_old_flat_and_grouped_configs_give_the_same_spec():
    old = parse_config(tomllib.loads(FLAT_CONFIG))
    new = parse_config(tomllib.loads(GROUPED_CONFIG))
    assert old.model == new.model and old.model.hash() == new.model.hash()
    assert old.hash() == new.hash()
    assert new.model.stage("awareness") == StageSpec("geometric", 6)
    assert new.model.priors.roas_prior_sigma == 0.7 and not new.model.likelihood.use_experiments


def test_config_hash_is_the_one_of_configs_before_the_groups():
    raw = tomllib.loads(
        FLAT_CONFIG.replace('"m.csv"', '"/x/m.csv"')
        .replace('"o.csv"', '"/x/o.csv"')
        .replace('"c.csv"', '"/x/c.csv"')
    )
    # run manifests record the config hash; batch fingerprints are computed the same way
    assert parse_config(raw).hash() == CONFIG_HASH
    grouped = GROUPED_CONFIG.replace('"m.csv"', '"/x/m.csv"')
    grouped = grouped.replace('"o.csv"', '"/x/o.csv"').replace('"c.csv"', '"/x/c.csv"')
    assert parse_config(tomllib.loads(grouped)).hash() == CONFIG_HASH


def test_a_resolved_config_round_trips_through_toml():
    cfg = parse_config(tomllib.loads(GROUPED_CONFIG))
    text = dump_toml(cfg.resolved())
    assert "[model.media.stages.awareness]" in text and "[model.priors.roas_priors" in text
    again = parse_config(tomllib.loads(text))
    assert again.model == cfg.model and again.hash() == cfg.hash()


def test_config_hash_changes_with_an_option_given_in_its_group():
    """The hash is computed on the flat form, yet sees every option of every group."""
    cfg = parse_config(tomllib.loads(GROUPED_CONFIG))
    for old, new in (
        ('trend = "none"', 'trend = "linear"'),
        ("[model.media]", "[model.media]\nhill_slope = 1.0"),
    ):
        assert old in GROUPED_CONFIG
        other = parse_config(tomllib.loads(GROUPED_CONFIG.replace(old, new, 1)))
        assert other.model != cfg.model
        assert other.hash() != cfg.hash()
        assert other.model.hash() != cfg.model.hash()


def test_the_template_is_grouped_and_parses():
    raw = tomllib.loads(TEMPLATE)
    assert set(raw["model"]) == {
        "outcomes",
        "mediator",
        "media",
        "baseline",
        "likelihood",
        "priors",
    }
    cfg = parse_config(raw)
    assert cfg.model.stage("awareness") == StageSpec("delayed", 13)
    assert cfg.model.outcomes[1] == OutcomeSpec("store_visits", "count")


def test_config_errors_name_the_group():
    bad = GROUPED_CONFIG.replace('trend = "none"', 'trend = "none"\nseasons = 2')
    with pytest.raises(ConfigError, match=r"\[model\].*'seasons' in group 'baseline'"):
        parse_config(tomllib.loads(bad))
    both = FLAT_CONFIG.replace(
        "[model.roas_priors", '[model.baseline]\ntrend = "linear"\n\n[model.roas_priors'
    )
    with pytest.raises(ConfigError, match="'trend' is given both"):
        parse_config(tomllib.loads(both))


# ---------------------------------------------------------------------- saved fits


def test_a_fit_saved_with_the_flat_spec_still_loads(tmp_path):
    from mmm.inference.fit import FitResult

    fit = known_fit()
    d = fit.save(tmp_path / "fit")
    meta = json.loads((d / "fit.json").read_text())
    assert "media" in meta["spec"]  # saved in the grouped form
    meta["spec"] = fit.spec.to_flat_dict()  # as fits saved before the groups hold it
    (d / "fit.json").write_text(json.dumps(meta))
    loaded = FitResult.load(d)
    assert loaded.spec == fit.spec and loaded.spec.hash() == fit.spec.hash()
