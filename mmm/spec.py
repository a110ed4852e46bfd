"""Model specification: a frozen, validated, serialisable description of the model.

A :class:`ModelSpec` holds every modelling choice (outcomes, mediator, and the groups
media, baseline, likelihood and priors) and nothing about data or fitted state. It
round-trips through plain dictionaries (``to_dict`` / ``from_dict``), hence through TOML
and JSON; ``from_dict`` also reads the flat form written before the groups.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any

from mmm.errors import SpecError
from mmm.names import AWARENESS, CONVERSION, STAGES
from mmm.transforms import get_adstock, get_saturation
from mmm.transforms.likelihood import LIKELIHOODS as _LIKELIHOOD_REGISTRY

#: Registered likelihood names (:data:`mmm.transforms.likelihood.LIKELIHOODS`).
LIKELIHOODS = tuple(_LIKELIHOOD_REGISTRY)
OUTCOME_KINDS = ("revenue", "count")
TRENDS = ("none", "linear", "piecewise")
SAMPLERS = ("nutpie", "pymc", "numpyro")
NUTPIE_BACKENDS = ("numba", "jax")  # mmm.inference.backends.BACKENDS
QUICK_METHODS = ("map", "advi", "pathfinder")
SHOP_EFFECTS = ("shops", "estimate", "ignore")
GEO_BASELINES = ("size", "free")


def _check_choice(key: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise SpecError(f"{key}={value!r} is not allowed; choose one of {', '.join(allowed)}.")


def _freeze(d: dict | None) -> tuple:
    """Turn a (possibly nested) dict into a sorted tuple of pairs so the spec stays hashable."""
    if not d:
        return ()
    out = []
    for k in sorted(d):
        v = d[k]
        out.append((k, _freeze(v) if isinstance(v, dict) else v))
    return tuple(out)


def _thaw(t: tuple) -> dict:
    out: dict[str, Any] = {}
    for k, v in t:
        out[k] = _thaw(v) if isinstance(v, tuple) and v and isinstance(v[0], tuple) else v
    return out


_ROAS_PRIOR_KEYS = ("median", "cost_per_unit", "sigma")


def _positive(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v > 0


def check_roas_priors(priors: dict, outcomes=None) -> None:
    """Check the shape and values of ``PriorSpec.roas_priors`` (channels are checked on data).

    ``outcomes``: the modelled outcomes the priors must name (None: not checked).

    Raises
    ------
    SpecError
        Naming the channel, outcome and key at fault and what is allowed.
    """
    if not isinstance(priors, dict):
        raise SpecError(
            "roas_priors must map channel -> {outcome: {median | cost_per_unit, sigma}}."
        )
    for ch, per in priors.items():
        if not isinstance(per, dict) or not per:
            raise SpecError(
                f"roas_priors[{ch!r}] must map outcomes to {{median = m, sigma = s}} or "
                f"{{cost_per_unit = c, sigma = s}}; got {per!r}."
            )
        for out, d in per.items():
            where = f"roas_priors[{ch!r}][{out!r}]"
            if outcomes is not None and out not in outcomes:
                raise SpecError(
                    f"{where}: {out!r} is not a modelled outcome; use one of {list(outcomes)}."
                )
            if not isinstance(d, dict):
                raise SpecError(f"{where} must be {{median = m, sigma = s}}; got {d!r}.")
            unknown = sorted(set(d) - set(_ROAS_PRIOR_KEYS))
            if unknown:
                raise SpecError(
                    f"{where}: unknown key(s) {unknown}; allowed: {list(_ROAS_PRIOR_KEYS)}."
                )
            given = [k for k in ("median", "cost_per_unit") if k in d]
            if len(given) != 1:
                raise SpecError(f"{where}: give exactly one of 'median' and 'cost_per_unit'.")
            for k in (*given, "sigma"):
                if k in d and not _positive(d[k]):
                    raise SpecError(f"{where}.{k}={d[k]!r} must be a positive number.")


@dataclass(frozen=True)
class OutcomeSpec:
    """How one outcome is modelled.

    Parameters
    ----------
    name : str
        Column of the outcomes table.
    kind : {"revenue", "count"}
        ``revenue`` outcomes report ROAS (currency per currency); ``count`` outcomes
        (store visits) report units per currency and cost per unit.
    likelihood : {"normal", "student_t", "negative_binomial"}
        Observation model. ``negative_binomial`` needs non-negative integer counts.
    """

    name: str
    kind: str = "revenue"
    likelihood: str = "normal"

    def __post_init__(self) -> None:
        if not self.name or not isinstance(self.name, str):
            raise SpecError("outcome name must be a non-empty string.")
        _check_choice(f"outcomes[{self.name}].kind", self.kind, OUTCOME_KINDS)
        _check_choice(f"outcomes[{self.name}].likelihood", self.likelihood, LIKELIHOODS)


@dataclass(frozen=True)
class StageSpec:
    """Carry-over choice for one funnel stage (awareness or conversion)."""

    adstock: str = "geometric"
    l_max: int = 8

    def __post_init__(self) -> None:
        if not isinstance(self.l_max, int) or not 1 <= self.l_max <= 104:
            raise SpecError(f"l_max={self.l_max!r} must be an integer between 1 and 104.")


@dataclass(frozen=True)
class SamplerConfig:
    """Settings of the posterior sampler. Every default is recorded with the fit.

    ``progress`` (default on, for interactive use) shows the sampler's progress bar (in a
    notebook, nutpie's own) and prints the stages of the fit with their elapsed time to
    standard error (``compiling the model ...``, ``compiled in 12.3 s``, ``sampling 4
    chains x 1000 draws ...``, ``sampled in 30.1 s``); switch it off in scripts and tests.

    ``backend`` chooses how nutpie compiles the model (``sampler="nutpie"`` only; see
    :mod:`mmm.inference.backends`): ``"numba"`` (default) compiles slowly, in every new
    process, and samples fast; ``"jax"`` compiles several times faster, keeps the compiled
    model in an on-disk cache that later processes read, and samples more slowly per draw.
    """

    sampler: str = "nutpie"
    draws: int = 1000
    tune: int = 1000
    chains: int = 4
    target_accept: float = 0.9
    seed: int = 0
    progress: bool = True
    backend: str = "numba"

    def __post_init__(self) -> None:
        _check_choice("sampler", self.sampler, SAMPLERS)
        _check_choice("backend", self.backend, NUTPIE_BACKENDS)
        if self.backend != "numba" and self.sampler != "nutpie":
            raise SpecError(
                f"backend={self.backend!r} applies to sampler='nutpie' only; "
                f"sampler={self.sampler!r} compiles its own way. Remove backend or use nutpie."
            )
        for k in ("draws", "tune", "chains"):
            v = getattr(self, k)
            if not isinstance(v, int) or v < (1 if k != "tune" else 0):
                raise SpecError(f"{k}={v!r} must be a positive integer.")
        if not 0.5 <= self.target_accept < 1:
            raise SpecError(f"target_accept={self.target_accept!r} must be in [0.5, 1).")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise SpecError(f"seed={self.seed!r} must be a non-negative integer.")

    def to_dict(self) -> dict:
        """Plain dict of the settings (TOML / JSON)."""
        return dataclasses.asdict(self)


def _saturation(saturation: str, hill_slope: float | str):
    """The saturation object of a family and Hill slope (validates both)."""
    if saturation == "hill":
        return get_saturation("hill", slope=hill_slope)
    return get_saturation(saturation)


def _check_bool(key: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise SpecError(f"{key}={value!r} must be true or false.")


def _stages(value: tuple | dict) -> tuple:
    """``((stage, StageSpec), ...)`` in :data:`~mmm.names.STAGES` order, from a dict or pairs
    (StageSpec or dict values); a stage left out gets the :class:`StageSpec` defaults."""
    stages = dict(value)
    for k in stages:
        _check_choice("stages key", k, STAGES)
    out = []
    for s in STAGES:
        st = stages.get(s, StageSpec())
        if isinstance(st, dict):
            st = StageSpec(**st)
        get_adstock(st.adstock, l_max=st.l_max)  # validates the name
        out.append((s, st))
    return tuple(out)


@dataclass(frozen=True)
class MediaSpec:
    """How spend becomes effect: carry-over, saturation, pooling and shop context.

    Parameters
    ----------
    stages : dict
        ``{"awareness": StageSpec, "conversion": StageSpec}``: adstock family and longest lag.
        Awareness channels get longer carry-over priors.
    saturation : str
        Saturation family shared by all channels (``hill``, ``logistic``, ``michaelis_menten``).
    hill_slope : float or "estimate"
        Slope of the Hill curve: ``"estimate"`` (default) learns it per channel (prior
        1 + LogNormal(log 0.5, 0.4), median 1.5: nearly concave near 1, S-shaped above); a number
        fixes it (1 gives a concave curve). A fixed slope of 1 forces the elasticity at
        the current spend below 1, so the return over all spend is read as at least the
        marginal one: on simulated S-shaped responses that overstated conversion returns
        (see ``docs/model.md``, section 3).
    audience_pooling : bool
        Partially pool (channel, audience) effects within a channel.
    shared_audiences : bool
        With audience pooling, give an audience bought in several channels one effect
        learnt from all of them (``log_roas_audience_shared``); the series' own deviations
        then keep only the directions the shared effects cannot reach, with a fixed prior
        scale (``docs/model.md``, section 4). ``false`` gives the audience model of fits
        made before 2026-12-03 (with ``hill_slope = 1.0``, also their slope).
    geo_pooling : bool
        Partially pool per-geo effects towards the national effect (geo data only).
    store_outcomes : tuple of str or None
        Outcomes that happen in shops (store visits), whose media effects depend on the
        shops of each geo. ``None``: the ``count`` outcomes whose name contains ``store``.
    near_store_audiences : tuple of str
        Audience labels targeted at people near a shop (e.g. within 10 km).
    shop_effects : {"shops", "estimate", "ignore"}
        How store-outcome effects depend on the geo table's shops (geo data with a
        ``shops`` column only; see :mod:`mmm.model.geo`). ``shops``: near-store audiences
        drive store visits in proportion to the geo's shops (or ``near_store_population``),
        none where a geo has no shop; ``estimate``: as ``shops`` plus an estimated share
        not tied to shops, so the data decide; ``ignore``: no shop context.
    """

    stages: tuple | dict = (
        # awareness works with a delay (peak a few weeks after spend): with geometric decay
        # the model overstated awareness returns on simulated truth and its budget advice
        # lost value; the delayed kernel recovers them
        (AWARENESS, StageSpec("delayed", 13)),
        (CONVERSION, StageSpec("geometric", 8)),
    )
    saturation: str = "hill"
    hill_slope: float | str = "estimate"
    audience_pooling: bool = True
    shared_audiences: bool = True
    geo_pooling: bool = True
    store_outcomes: tuple[str, ...] | None = None
    near_store_audiences: tuple[str, ...] = ("near_store",)
    shop_effects: str = "shops"

    def __post_init__(self) -> None:
        object.__setattr__(self, "stages", _stages(self.stages))
        _saturation(self.saturation, self.hill_slope)
        _check_bool("shared_audiences", self.shared_audiences)
        _check_choice("shop_effects", self.shop_effects, SHOP_EFFECTS)
        object.__setattr__(self, "near_store_audiences", tuple(self.near_store_audiences))
        if self.store_outcomes is not None:
            object.__setattr__(self, "store_outcomes", tuple(self.store_outcomes))

    def to_dict(self) -> dict:
        """Plain dict of the group's options (TOML / JSON)."""
        return {
            "stages": {s: dataclasses.asdict(st) for s, st in self.stages},
            "saturation": self.saturation,
            "hill_slope": self.hill_slope,
            "audience_pooling": self.audience_pooling,
            "shared_audiences": self.shared_audiences,
            "geo_pooling": self.geo_pooling,
            "store_outcomes": None if self.store_outcomes is None else list(self.store_outcomes),
            "near_store_audiences": list(self.near_store_audiences),
            "shop_effects": self.shop_effects,
        }


@dataclass(frozen=True)
class BaselineSpec:
    """What the outcomes do without media: trend, seasonality, controls, geo levels.

    Parameters
    ----------
    trend : {"none", "linear", "piecewise"}
    n_changepoints : int
        Changepoints of the piecewise trend.
    yearly_order : int
        Fourier order of yearly seasonality (0 switches it off).
    controls : tuple of str or None
        Control columns to use; ``None`` uses all controls in the data.
    geo_baseline : {"size", "free"}
        ``size``: geo intercepts partially pooled around the geo's expected share
        (population, and shops for store outcomes); ``free``: independent intercepts.
    """

    trend: str = "linear"
    n_changepoints: int = 4
    yearly_order: int = 2
    controls: tuple[str, ...] | None = None
    geo_baseline: str = "size"

    def __post_init__(self) -> None:
        _check_choice("trend", self.trend, TRENDS)
        if not isinstance(self.yearly_order, int) or not 0 <= self.yearly_order <= 10:
            raise SpecError(f"yearly_order={self.yearly_order!r} must be an integer in 0..10.")
        if not isinstance(self.n_changepoints, int) or not 1 <= self.n_changepoints <= 50:
            raise SpecError(f"n_changepoints={self.n_changepoints!r} must be in 1..50.")
        if self.controls is not None:
            object.__setattr__(self, "controls", tuple(self.controls))
        _check_choice("geo_baseline", self.geo_baseline, GEO_BASELINES)

    def to_dict(self) -> dict:
        """Plain dict of the group's options (TOML / JSON)."""
        return {
            "trend": self.trend,
            "n_changepoints": self.n_changepoints,
            "yearly_order": self.yearly_order,
            "controls": list(self.controls) if self.controls is not None else None,
            "geo_baseline": self.geo_baseline,
        }


@dataclass(frozen=True)
class LikelihoodSpec:
    """The observation noise's scale and whether lift tests add their likelihood term (each
    outcome's likelihood family is :attr:`OutcomeSpec.likelihood`).

    Parameters
    ----------
    noise_prior : float
        Scale of the half-normal priors on the noise of each outcome and of the mediator,
        in the model's scaled units (1 = the outcome's mean).
    use_experiments : bool
        Add the lift-test likelihood when experiments are given to the fit (switch it off
        to fit the same data uncalibrated).
    """

    noise_prior: float = 0.2
    use_experiments: bool = True

    def __post_init__(self) -> None:
        _check_bool("use_experiments", self.use_experiments)

    def to_dict(self) -> dict:
        """Plain dict of the group's options (TOML / JSON)."""
        return {"noise_prior": self.noise_prior, "use_experiments": self.use_experiments}


@dataclass(frozen=True)
class PriorSpec:
    """Priors on the media returns.

    Parameters
    ----------
    roas_prior_sigma : float
        Spread of the prior on the log return per currency unit of each channel:
        ``log roas_channel ~ Normal(log m, roas_prior_sigma)``. The median ``m`` is the
        channel's ``roas_prior`` from the catalogue (revenue outcomes) or else the data
        default ``media_share_prior * sum(outcome) / sum(all spend)``.
    roas_priors : dict
        Priors from past studies, overriding the above per channel and outcome:
        ``{channel: {outcome: {"median": m, "sigma": s}}}`` with ``median`` the return per
        currency unit (ROAS for revenue, units per currency for counts), or
        ``{"cost_per_unit": c, "sigma": s}`` for count outcomes (cost per visit; the
        median return is ``1 / c``). ``sigma`` (log scale) defaults to ``roas_prior_sigma``.
        See ``docs/calibration.md``.
    media_share_prior : float
        Share of each outcome that the default ROAS prior attributes to media.
    """

    roas_prior_sigma: float = 1.0
    roas_priors: tuple = field(default=())
    media_share_prior: float = 0.2

    def __post_init__(self) -> None:
        if not self.roas_prior_sigma > 0:
            raise SpecError("roas_prior_sigma must be positive.")
        if not 0 < self.media_share_prior < 1:
            raise SpecError("media_share_prior must be in (0, 1).")
        if isinstance(self.roas_priors, dict):
            object.__setattr__(self, "roas_priors", _freeze(self.roas_priors))
        check_roas_priors(_thaw(self.roas_priors))  # the outcomes: ModelSpec checks them

    def to_dict(self) -> dict:
        """Plain dict of the group's options (TOML / JSON)."""
        return {
            "roas_prior_sigma": self.roas_prior_sigma,
            "roas_priors": _thaw(self.roas_priors),
            "media_share_prior": self.media_share_prior,
        }


#: The groups of model options: ``ModelSpec`` field (and ``[model.<group>]`` table) -> class.
GROUPS: dict[str, type[Any]] = {
    "media": MediaSpec,
    "baseline": BaselineSpec,
    "likelihood": LikelihoodSpec,
    "priors": PriorSpec,
}
#: Options of ``ModelSpec`` outside the groups.
TOP_KEYS = ("outcomes", "mediator", "extra")
#: Each option of a group -> its group: the one table that routes the flat keys of
#: configs, saved fits and run folders written before the groups (``trend = "none"`` at
#: the top of ``[model]``) and the flat names of :meth:`ModelSpec.replace` and
#: :func:`default_spec_for`.
GROUP_OF: dict[str, str] = {f.name: g for g, cls in GROUPS.items() for f in dataclasses.fields(cls)}


def _allowed_in(group: str) -> str:
    return ", ".join(f.name for f in dataclasses.fields(GROUPS[group]))


def _group(name: str, value: Any) -> Any:
    """The sub-spec of group ``name`` from itself or a dict of its options."""
    cls = GROUPS[name]
    if isinstance(value, cls):
        return value
    if not isinstance(value, dict):
        raise SpecError(
            f"model option group {name!r} must be a {cls.__name__} or a table of its options "
            f"({_allowed_in(name)}); got {value!r}."
        )
    for key in value:
        if GROUP_OF.get(key) != name:
            elsewhere = GROUP_OF.get(key)
            hint = f" ({key!r} belongs to group {elsewhere!r})" if elsewhere else ""
            raise SpecError(
                f"unknown model option {key!r} in group {name!r}{hint}; "
                f"allowed in {name}: {_allowed_in(name)}."
            )
    return cls(**value)


def _check_top_keys(options: dict) -> None:
    """SpecError for a key of ``options`` (flat keys already nested) that is unknown, or
    a flat key that its group also gives."""
    for key in options:
        group = GROUP_OF.get(key)
        if group is not None:
            raise SpecError(
                f"model option {key!r} is given both as a flat key and in group {group!r}; "
                f"give it once, in {group} (allowed in {group}: {_allowed_in(group)})."
            )
        if key not in TOP_KEYS and key not in GROUPS:
            groups = "; ".join(f"{g} ({_allowed_in(g)})" for g in GROUPS)
            raise SpecError(
                f"unknown model option {key!r} (top level of the model); allowed: "
                f"{', '.join(TOP_KEYS)}, and the groups {groups}, whose options may also be "
                "given flat at the top level."
            )


def nest_flat_options(options: dict) -> dict:
    """``options`` with each flat key moved into its group (:data:`GROUP_OF`).

    ``{"trend": "none", "media": {"saturation": "hill"}}`` becomes ``{"baseline":
    {"trend": "none"}, "media": {"saturation": "hill"}}``. Lenient: a key that is
    unknown, or that its group also gives, stays where it is, for
    :meth:`ModelSpec.from_dict` to report. The input is not changed.
    """
    out = {k: dict(v) if k in GROUPS and isinstance(v, dict) else v for k, v in options.items()}
    for key, value in options.items():
        group = GROUP_OF.get(key)
        if group is None:
            continue
        table = out.setdefault(group, {})
        if isinstance(table, dict) and key not in table:
            table[key] = value
            del out[key]
    return out


@dataclass(frozen=True)
class ModelSpec:
    """Everything the model assumes, apart from data.

    The options are grouped: ``media`` (:class:`MediaSpec`), ``baseline``
    (:class:`BaselineSpec`), ``likelihood`` (:class:`LikelihoodSpec`) and ``priors``
    (:class:`PriorSpec`). Each group may be given as its sub-spec or as a dict of its
    options, e.g. ``ModelSpec(media={"saturation": "logistic"})`` (options left out take
    their defaults; an unknown one raises :class:`~mmm.errors.SpecError`). Read an option
    through its group (``spec.media.saturation``); change options with :meth:`replace`,
    which also takes their flat names (``spec.replace(trend="none")``).
    :meth:`from_dict` reads the grouped form and the flat form of specs written before the
    groups (:data:`GROUP_OF` maps each flat key to its group).

    Parameters
    ----------
    outcomes : tuple of OutcomeSpec
        Outcomes fitted jointly (e.g. online sales and store visits).
    mediator : str or None
        A mid-funnel series (e.g. ``brand_search``) that awareness spend drives and that
        drives the outcomes; both paths (direct and mediated) are estimated.
    media : MediaSpec
        Carry-over, saturation, pooling and shop context of the media effects.
    baseline : BaselineSpec
        Trend, seasonality, controls and geo intercepts.
    likelihood : LikelihoodSpec
        Noise prior and whether lift tests enter the likelihood.
    priors : PriorSpec
        Priors on the media returns.
    extra : dict
        Free-form options kept with the spec (stored and hashed; unused by the default
        model).
    """

    outcomes: tuple[OutcomeSpec, ...] = (
        OutcomeSpec("online_sales", "revenue"),
        OutcomeSpec("store_visits", "count"),
    )
    mediator: str | None = None
    media: MediaSpec = field(default_factory=MediaSpec)
    baseline: BaselineSpec = field(default_factory=BaselineSpec)
    likelihood: LikelihoodSpec = field(default_factory=LikelihoodSpec)
    priors: PriorSpec = field(default_factory=PriorSpec)
    extra: tuple = field(default=())

    def __post_init__(self) -> None:
        if not self.outcomes:
            raise SpecError("a model needs at least one outcome in `outcomes`.")
        outs = tuple(o if isinstance(o, OutcomeSpec) else OutcomeSpec(**o) for o in self.outcomes)
        object.__setattr__(self, "outcomes", outs)
        names = [o.name for o in outs]
        if len(set(names)) != len(names):
            raise SpecError(f"outcomes are repeated: {names}.")
        if self.mediator is not None and self.mediator in names:
            raise SpecError(
                f"mediator {self.mediator!r} is also listed as an outcome; a mediator is "
                "modelled on its own equation, remove it from `outcomes`."
            )
        for group in GROUPS:
            object.__setattr__(self, group, _group(group, getattr(self, group)))
        stores = self.media.store_outcomes
        if stores is not None:
            bad = [o for o in stores if o not in names]
            if bad:
                raise SpecError(
                    f"store_outcomes {bad} are not outcomes of the spec ({names}); list "
                    "outcomes that happen in shops, or leave store_outcomes unset."
                )
        check_roas_priors(_thaw(self.priors.roas_priors), self.outcome_names)
        if isinstance(self.extra, dict):
            object.__setattr__(self, "extra", _freeze(self.extra))

    # ------------------------------------------------------------------ access
    def saturation_transform(self):
        """The saturation object (``mmm.transforms``) this spec uses."""
        return _saturation(self.media.saturation, self.media.hill_slope)

    @property
    def outcome_names(self) -> tuple[str, ...]:
        """Names of the outcomes, in spec order."""
        return tuple(o.name for o in self.outcomes)

    @property
    def store_outcome_names(self) -> tuple[str, ...]:
        """Outcomes that happen in shops (see ``MediaSpec.store_outcomes``)."""
        if self.media.store_outcomes is not None:
            return self.media.store_outcomes
        return tuple(o.name for o in self.outcomes if o.kind == "count" and "store" in o.name)

    def stage(self, stage: str) -> StageSpec:
        """The carry-over choice of funnel stage ``stage``."""
        return dict(self.media.stages)[stage]

    def outcome(self, name: str) -> OutcomeSpec:
        """The :class:`OutcomeSpec` of outcome ``name``; SpecError if absent."""
        for o in self.outcomes:
            if o.name == name:
                return o
        raise SpecError(f"outcome {name!r} is not in the spec; known: {self.outcome_names}.")

    # ------------------------------------------------------------------ change
    def replace(self, **changes) -> ModelSpec:
        """A copy with ``changes`` applied, validated like a new spec.

        Options are named flat (``spec.replace(hill_slope=1.0, trend="none")``, each
        changed in its group, the group's other options kept) or by group
        (``media=MediaSpec(...)`` or a dict, which replaces the whole group; options it
        leaves out take their defaults), or are top-level (``outcomes``, ``mediator``,
        ``extra``).

        Raises
        ------
        SpecError
            An unknown name, a flat name whose whole group is also given, or an invalid
            value.
        """
        _check_top_keys({k: v for k, v in changes.items() if GROUP_OF.get(k) in changes})
        _check_top_keys({k: v for k, v in changes.items() if k not in GROUP_OF})
        kw = {k: v for k, v in changes.items() if k not in GROUP_OF}
        for group in GROUPS:
            flat = {k: v for k, v in changes.items() if GROUP_OF.get(k) == group}
            if flat:
                kw[group] = dataclasses.replace(getattr(self, group), **flat)
        return dataclasses.replace(self, **kw)

    # --------------------------------------------------------------- serialise
    def to_dict(self) -> dict:
        """Plain dict of every option, grouped (TOML / JSON); inverse of :meth:`from_dict`."""
        return {
            "outcomes": [dataclasses.asdict(o) for o in self.outcomes],
            "mediator": self.mediator,
            **{group: getattr(self, group).to_dict() for group in GROUPS},
            "extra": _thaw(self.extra),
        }

    def to_flat_dict(self) -> dict:
        """Every option at the top level: the ``to_dict`` form of specs before the groups.

        The canonical form that hashes are computed on (:meth:`hash`, the config hash and
        batch fingerprints), so those of saved runs, batch folders and cached compiled
        models stay valid. :meth:`from_dict` reads it back.
        """
        d = self.to_dict()
        flat = {"outcomes": d["outcomes"], "mediator": d["mediator"]}
        for group in GROUPS:
            flat.update(d[group])
        flat["extra"] = d["extra"]
        return flat

    @classmethod
    def from_dict(cls, d: dict) -> ModelSpec:
        """Build a spec from a plain dict (as read from TOML / JSON).

        Reads the grouped form of :meth:`to_dict` and the flat form of specs written before
        the groups (``{"trend": "none", ...}``), or a mix of both.

        Raises
        ------
        SpecError
            An unknown key (at the top level or in a group) or a key given both flat and in
            its group, naming the key, its group and the allowed keys.
        """
        kw = nest_flat_options(d)
        _check_top_keys(kw)
        if "outcomes" in kw:
            kw["outcomes"] = tuple(
                OutcomeSpec(**o) if isinstance(o, dict) else OutcomeSpec(o) for o in kw["outcomes"]
            )
        return cls(**kw)

    def hash(self) -> str:
        """SHA-256 of the canonical JSON form (stable across runs and machines).

        Computed on the flat form of specs before the groups, so a spec hashes as it did.
        """
        blob = json.dumps(self.to_flat_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()


#: Carry-over of daily data (lags in days): conversion channels up to three weeks,
#: awareness channels (delayed peak) up to eight weeks.
DAILY_STAGES = (
    (AWARENESS, StageSpec("delayed", 56)),
    (CONVERSION, StageSpec("geometric", 21)),
)


def default_spec_for(dataset, *, mediator: str | None = None, **overrides) -> ModelSpec:
    """A sensible spec for a dataset: every outcome except the mediator.

    Outcomes whose name contains ``visit``, ``count``, ``order`` or ``transaction`` are
    treated as counts; others as revenue. On daily data (``dataset.freq == "D"``) the
    carry-over lags are counted in days (:data:`DAILY_STAGES`) unless ``stages`` is given
    (flat, or in a ``media`` dict) or ``media`` is given as a :class:`MediaSpec`; other
    frequencies keep the weekly defaults of :class:`MediaSpec`.

    ``overrides`` are options as :meth:`ModelSpec.replace` takes them: flat names
    (``trend="none"``, routed to their group by :data:`GROUP_OF`), whole groups
    (``media=MediaSpec(...)`` or a dict) or ``extra``.
    """
    names = [o for o in dataset.outcome_names if o != mediator]
    outs = []
    for n in names:
        low = n.lower()
        kind = (
            "count"
            if any(w in low for w in ("visit", "count", "order", "transaction", "conversion"))
            else "revenue"
        )
        outs.append(OutcomeSpec(n, kind))
    if getattr(dataset, "freq", None) == "D":
        media = overrides.get("media")
        if isinstance(media, dict):
            overrides["media"] = {"stages": DAILY_STAGES, **media}
        elif media is None:
            overrides.setdefault("stages", DAILY_STAGES)
    return ModelSpec(outcomes=tuple(outs), mediator=mediator).replace(**overrides)
