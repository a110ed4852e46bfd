"""The headline results of a fit, as one typed and frozen value: :class:`RunSummary`.

:func:`mmm.runs.build_summary` builds it, :meth:`mmm.run_folder.RunFolder.write_summary`
writes it as the run folder's summary file and
:meth:`~mmm.run_folder.RunFolder.read_summary` reads it back (older files are first
brought to the current schema by :func:`mmm.run_folder.migrate_summary`); the report, the
planner tables, ``mmm reproduce`` and ``mmm batch`` read their numbers through it.

``to_dict`` gives the JSON object the file holds and ``from_dict`` reads one back, so that
``RunSummary.from_dict(d).to_dict() == d`` for every summary in the current schema. A
missing key, a key that is not expected (misspelt, renamed, or written by a newer
version) or a list or object where the other is expected raises :class:`SummaryError`
naming the key, e.g. ``roas[3].median``; the run folder adds the file's path.

Numbers are as stored: original units, 6 significant digits, ``None`` where a value is
undefined (a return without spend, a share of a zero total).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from mmm.errors import MMMError

if TYPE_CHECKING:  # importing mmm.inference loads the fit and pandas; kept out of `mmm --help`
    from mmm.inference.diagnostics import Diagnostics

#: Schema of the summary this version writes. 1.1 added ``media_totals`` and
#: ``audiences`` (summaries of schema 1.0 read back with None there); 1.2 the mediated
#: share and the identification of each awareness path (None in older summaries); 1.3
#: ``best_odds``, each line's chance of the best return (None in older summaries).
SUMMARY_SCHEMA_VERSION = "1.3"

#: A stored number: None where it is undefined.
Number = float | None

R = TypeVar("R", bound="_Record")


class SummaryError(MMMError, ValueError):
    """A summary lacks a key, has one it should not, or holds the wrong kind of value.

    ``key`` is the key's path in the summary (``roas[3].median``), ``problem`` what is
    wrong with it (``is missing``).
    """

    def __init__(self, key: str, problem: str) -> None:
        self.key, self.problem = key, problem
        super().__init__(f"key {key!r} {problem}")


def _path(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _object(d: Any, where: str) -> Mapping:
    if not isinstance(d, Mapping):
        raise SummaryError(where or "(the whole summary)", "is not a JSON object")
    return d


def _list(d: Mapping, key: str, where: str) -> list:
    v = d[key]
    if not isinstance(v, list):
        raise SummaryError(_path(where, key), "is not a list")
    return v


def _keys(d: Mapping, where: str, required, optional=()) -> None:
    """Raise unless ``d`` holds every key of ``required`` and no key outside both."""
    for k in required:
        if k not in d:
            raise SummaryError(_path(where, k), "is missing")
    allowed = set(required) | set(optional)
    for k in d:
        if k not in allowed:
            raise SummaryError(
                _path(where, str(k)),
                "is not expected (a misspelt or renamed key, or one written by a newer "
                "version of mmm)",
            )


def _frozen_map(d: Mapping, where: str) -> Mapping:
    return MappingProxyType(dict(_object(d, where)))


class _Record:
    """A flat record: one key per field; the ``_count_only`` fields are written for
    count outcomes only (``kind == "count"``)."""

    _count_only: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def _names(cls, kind) -> list[str]:
        names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
        return names if kind == "count" else [n for n in names if n not in cls._count_only]

    @classmethod
    def from_dict(cls: type[R], d: Mapping, *, where: str = "") -> R:
        """The record ``d`` (a JSON object) as read from a summary.

        Raises
        ------
        SummaryError
            ``d`` lacks a key or has one that is not expected; ``where`` is its path.
        """
        d = _object(d, where)
        names = cls._names(d.get("kind"))
        _keys(d, where, names)
        return cls(**{n: d[n] for n in names})

    def to_dict(self) -> dict:
        """The record as stored (JSON-ready)."""
        return {n: getattr(self, n) for n in self._names(getattr(self, "kind", None))}


# The bases below hold fields that several records share. A record's fields are those of
# its bases first, then its own (the stored keys are sorted, so the file does not change);
# the records take keyword arguments only.


@dataclass(frozen=True, kw_only=True)
class _Estimate(_Record):
    """A posterior ``mean`` and ``median`` with the central interval ``lower`` ..
    ``upper`` of probability ``interval``."""

    mean: Number
    median: Number
    lower: Number
    upper: Number
    interval: float


@dataclass(frozen=True, kw_only=True)
class _CostPerUnit(_Record):
    """Cost per incremental unit (currency per unit): median and central interval,
    written for count outcomes only (None for others)."""

    cost_per_unit_median: Number = None
    cost_per_unit_lower: Number = None
    cost_per_unit_upper: Number = None

    _count_only: ClassVar[tuple[str, ...]] = (
        "cost_per_unit_median",
        "cost_per_unit_lower",
        "cost_per_unit_upper",
    )


@dataclass(frozen=True, kw_only=True)
class _AllMedia(_CostPerUnit):
    """All media together on one outcome: ``spend`` (currency), the ``observed`` outcome
    total, the media-driven units (``contribution_*``), their share of ``observed``
    (``share_median``) and the units per currency (``per_spend_*``), each ``*`` a
    median and central interval of probability ``interval``."""

    outcome: str
    kind: str
    spend: Number
    observed: Number
    contribution_median: Number
    contribution_lower: Number
    contribution_upper: Number
    share_median: Number
    per_spend_median: Number
    per_spend_lower: Number
    per_spend_upper: Number
    interval: float


@dataclass(frozen=True, kw_only=True)
class ReturnRecord(_Estimate):
    """Return per unit of spend of one line on one outcome (a ``roas`` record).

    ``mean``, ``median``, ``lower``, ``upper``: outcome units per currency unit (ROAS for
    revenue, units per currency for counts) over the fitted period, central interval of
    probability ``interval``; ``spend`` in currency; ``path`` is ``direct``,
    ``mediated`` or ``total``; ``geo`` is ``"all"`` for the totals across geos. Count
    outcomes also carry ``cost_per_unit`` (currency per incremental unit) and its
    interval; revenue records have None there.
    """

    outcome: str
    kind: str
    channel: str
    audience: str
    geo: str
    path: str
    spend: Number
    cost_per_unit: Number = None
    cost_per_unit_lower: Number = None
    cost_per_unit_upper: Number = None

    _count_only: ClassVar[tuple[str, ...]] = (
        "cost_per_unit",
        "cost_per_unit_lower",
        "cost_per_unit_upper",
    )


@dataclass(frozen=True, kw_only=True)
class ContributionRecord(_Estimate):
    """One line's contribution to one outcome over the fitted period (outcome units:
    currency for revenue), by ``path`` and ``geo`` as in :class:`ReturnRecord`."""

    outcome: str
    channel: str
    audience: str
    geo: str
    path: str


@dataclass(frozen=True)
class BestOdds(_Record):
    """Posterior chance that one line has the highest total-path return on one outcome,
    all geos together, among the lines with spend
    (:func:`mmm.analysis.ranking.best_odds`); for a count outcome the highest return is
    the lowest cost per unit. The chances of an outcome's lines add up to 1 but for
    draws in which two lines tie for first."""

    outcome: str
    channel: str
    audience: str
    p_first: Number


@dataclass(frozen=True, kw_only=True)
class GeoRecord(_AllMedia):
    """All media together in one geo (or ``"all"``) on one outcome
    (:func:`mmm.analysis.geo.geo_table`).

    ``spend`` currency; ``population``, ``shops`` None where unknown; ``observed`` the
    outcome's total; ``contribution_*`` media-driven units; ``share_median`` of the
    observed total; ``per_spend_*`` units per currency; ``cost_per_unit_*`` currency per
    incremental unit (count outcomes only).
    """

    geo: str
    population: Number
    shops: Number
    contribution_mean: Number


@dataclass(frozen=True, kw_only=True)
class MediaTotal(_AllMedia):
    """All media together on one outcome over the fitted period, across geos
    (:func:`mmm.analysis.returns.media_totals`).

    ``spend``: media spend (currency); ``observed``: the outcome's total;
    ``contribution_*``: media-driven units; ``share_*``: fraction of ``observed``;
    ``per_spend_*``: units per currency; ``cost_per_unit_*``: currency per incremental
    unit (count outcomes only). Each a posterior median and central interval of the
    per-draw quantity.
    """

    share_lower: Number
    share_upper: Number


@dataclass(frozen=True, kw_only=True)
class AudienceCost(_CostPerUnit):
    """Cost per incremental unit of a count outcome for one audience, all channels that
    buy it together (:func:`mmm.analysis.online_store.audience_costs`).

    ``spend`` currency; ``contribution_median`` units driven; ``cost_per_unit_*`` the
    median and interval of the per-draw cost (currency per unit).
    """

    outcome: str
    audience: str
    spend: Number
    contribution_median: Number
    interval: float

    _count_only: ClassVar[tuple[str, ...]] = ()  # count outcomes only: always written


@dataclass(frozen=True)
class AwarenessPath(_Record):
    """An awareness channel's mean effect on an outcome, split into the part that goes
    directly to it and the part through the mediator (outcome units).

    ``mediated_share`` (median, with ``share_lower`` / ``share_upper``: fraction of the
    total through the mediator), ``correlation`` (posterior correlation of the two
    paths) and ``weakly_identified`` (the data do not separate the paths; see
    :func:`mmm.analysis.funnel.path_identification`) are None in summaries of schema
    1.1 and older.
    """

    outcome: str
    channel: str
    direct: Number
    mediated: Number
    mediated_share: Number = None
    share_lower: Number = None
    share_upper: Number = None
    correlation: Number = None
    weakly_identified: bool | None = None


@dataclass(frozen=True)
class Funnel:
    """Awareness vs conversion.

    ``spend_share``: stage -> share of media spend; ``outcome_share``: outcome ->
    stage -> share of media's mean effect (fractions); ``awareness_paths``: direct vs
    mediated effect of each awareness channel.
    """

    spend_share: Mapping[str, Number]
    outcome_share: Mapping[str, Mapping[str, Number]]
    awareness_paths: tuple[AwarenessPath, ...]

    _KEYS: ClassVar[tuple[str, ...]] = ("spend_share", "outcome_share", "awareness_paths")

    @classmethod
    def from_dict(cls, d: Mapping, *, where: str = "funnel") -> Funnel:
        """The ``funnel`` object of a summary (see :meth:`RunSummary.from_dict`)."""
        d = _object(d, where)
        _keys(d, where, cls._KEYS)
        shares = _object(d["outcome_share"], _path(where, "outcome_share"))
        return cls(
            spend_share=_frozen_map(d["spend_share"], _path(where, "spend_share")),
            outcome_share=MappingProxyType(
                {o: _frozen_map(v, _path(where, f"outcome_share.{o}")) for o, v in shares.items()}
            ),
            awareness_paths=tuple(
                AwarenessPath.from_dict(p, where=f"{where}.awareness_paths[{i}]")
                for i, p in enumerate(_list(d, "awareness_paths", where))
            ),
        )

    def to_dict(self) -> dict:
        """The ``funnel`` object as stored."""
        return {
            "spend_share": dict(self.spend_share),
            "outcome_share": {o: dict(v) for o, v in self.outcome_share.items()},
            "awareness_paths": [p.to_dict() for p in self.awareness_paths],
        }


@dataclass(frozen=True)
class ExperimentRecord(_Record):
    """One lift test beside the model before and after calibration
    (:func:`mmm.calibration.report.calibration_table`; dates as ISO text).

    ``lift``, ``lift_se``: measured (outcome units); ``lift_per_spend``: measured
    return per currency of ``spend_change``; per ``before`` / ``after``: the model's
    lift with its interval, the channel's direct return with its interval, ``z`` and
    whether they disagree. None where that fit is not there.
    """

    name: str
    channel: str
    audience: str | None
    geo: str | None
    outcome: str
    start: str
    end: str
    readout_end: str | None
    spend: Number
    spend_change: Number
    lift: Number
    lift_se: Number
    lift_per_spend: Number
    lift_before: Number
    lift_before_lower: Number
    lift_before_upper: Number
    roas_before: Number
    roas_before_lower: Number
    roas_before_upper: Number
    z_before: Number
    disagree_before: bool
    lift_after: Number
    lift_after_lower: Number
    lift_after_upper: Number
    roas_after: Number
    roas_after_lower: Number
    roas_after_upper: Number
    z_after: Number
    disagree_after: bool


@dataclass(frozen=True)
class PriorRecord(_Record):
    """A past-study prior on a channel's return (:func:`mmm.calibration.priors.calibrated_channels`):
    ``median`` return per currency, ``cost_per_unit`` when it was given as a cost,
    ``sigma`` of the log-normal prior."""

    channel: str
    outcome: str
    median: Number
    cost_per_unit: Number
    sigma: Number


@dataclass(frozen=True)
class Calibration:
    """The experiments and past-study priors a fit was calibrated with
    (:func:`mmm.calibration.report.calibration_summary`).

    ``active``: whether the experiments were used in the fit (else only shown beside
    it); ``warnings``: plain-language disagreements; ``disagree_z``: the threshold.
    """

    active: bool
    experiments: tuple[ExperimentRecord, ...]
    priors: tuple[PriorRecord, ...]
    warnings: tuple[str, ...]
    disagree_z: Number

    _KEYS: ClassVar[tuple[str, ...]] = (
        "active",
        "experiments",
        "priors",
        "warnings",
        "disagree_z",
    )

    @classmethod
    def from_dict(cls, d: Mapping, *, where: str = "calibration") -> Calibration:
        """The ``calibration`` object of a summary."""
        d = _object(d, where)
        _keys(d, where, cls._KEYS)
        return cls(
            active=d["active"],
            experiments=tuple(
                ExperimentRecord.from_dict(r, where=f"{where}.experiments[{i}]")
                for i, r in enumerate(_list(d, "experiments", where))
            ),
            priors=tuple(
                PriorRecord.from_dict(r, where=f"{where}.priors[{i}]")
                for i, r in enumerate(_list(d, "priors", where))
            ),
            warnings=tuple(_list(d, "warnings", where)),
            disagree_z=d["disagree_z"],
        )

    def to_dict(self) -> dict:
        """The ``calibration`` object as stored."""
        return {
            "active": self.active,
            "experiments": [r.to_dict() for r in self.experiments],
            "priors": [p.to_dict() for p in self.priors],
            "warnings": list(self.warnings),
            "disagree_z": self.disagree_z,
        }


def _records(d: Mapping, key: str, cls: type[R]) -> tuple[R, ...]:
    return tuple(cls.from_dict(r, where=f"{key}[{i}]") for i, r in enumerate(_list(d, key, "")))


@dataclass(frozen=True)
class RunSummary:
    """The headline results of a fit: what the run folder's summary file holds.

    Attributes
    ----------
    schema_version : str
        Schema of the summary (:data:`SUMMARY_SCHEMA_VERSION` once read or built).
    data_fingerprint : str
        Fingerprint of the fitted data (:attr:`mmm.data.Dataset.fingerprint`).
    outcomes : tuple of str
        The model's outcomes, in order.
    diagnostics : mmm.inference.diagnostics.Diagnostics
        Sampler health of the fit.
    roas : tuple of ReturnRecord
        Return per line, outcome, path and geo (``"all"`` first, then each geo of a fit
        with several).
    contributions : tuple of ContributionRecord
        Contribution per line, outcome, path and geo.
    funnel : Funnel
        Awareness vs conversion shares.
    media_totals : tuple of MediaTotal or None
        All media per outcome (the report's headline); None in a summary of schema 1.0.
    audiences : tuple of AudienceCost or None
        Cost per incremental unit of count outcomes by audience; None in schema 1.0.
    geos : tuple of GeoRecord or None
        All media per geo; None for a fit with one geo.
    best_odds : tuple of BestOdds or None
        Each line's chance of the best return per outcome (empty with fewer than two
        lines with spend); None in a summary of schema 1.2 and older.
    calibration : Calibration or None
        Experiments and priors; None for a fit calibrated with neither.
    """

    schema_version: str
    data_fingerprint: str
    outcomes: tuple[str, ...]
    diagnostics: Diagnostics
    roas: tuple[ReturnRecord, ...]
    contributions: tuple[ContributionRecord, ...]
    funnel: Funnel
    media_totals: tuple[MediaTotal, ...] | None = None
    audiences: tuple[AudienceCost, ...] | None = None
    geos: tuple[GeoRecord, ...] | None = None
    calibration: Calibration | None = None
    best_odds: tuple[BestOdds, ...] | None = None

    REQUIRED: ClassVar[tuple[str, ...]] = (
        "schema_version",
        "data_fingerprint",
        "outcomes",
        "diagnostics",
        "roas",
        "contributions",
        "funnel",
    )
    #: keys written only when they apply (``media_totals``, ``audiences``: not in 1.0;
    #: ``best_odds``: not before 1.3)
    OPTIONAL: ClassVar[tuple[str, ...]] = (
        "media_totals",
        "audiences",
        "geos",
        "calibration",
        "best_odds",
    )

    # ---------------------------------------------------------------- reading
    @classmethod
    def from_dict(cls, d: Mapping) -> RunSummary:
        """The summary ``d`` (the JSON object, in the current schema) as a typed value.

        Raises
        ------
        SummaryError
            A key is missing or not expected, or a value is not the list or object it
            should be; the error names the key. Records per geo without the ``geos``
            totals also raise (a summary cut short).
        """
        from mmm.inference.diagnostics import Diagnostics

        d = _object(d, "")
        _keys(d, "", cls.REQUIRED, cls.OPTIONAL)
        diag = _object(d["diagnostics"], "diagnostics")
        _keys(diag, "diagnostics", [f.name for f in fields(Diagnostics)])
        out = cls(
            schema_version=d["schema_version"],
            data_fingerprint=d["data_fingerprint"],
            outcomes=tuple(_list(d, "outcomes", "")),
            diagnostics=Diagnostics.from_dict(dict(diag)),
            roas=_records(d, "roas", ReturnRecord),
            contributions=_records(d, "contributions", ContributionRecord),
            funnel=Funnel.from_dict(d["funnel"]),
            media_totals=(_records(d, "media_totals", MediaTotal) if "media_totals" in d else None),
            audiences=_records(d, "audiences", AudienceCost) if "audiences" in d else None,
            geos=_records(d, "geos", GeoRecord) if "geos" in d else None,
            calibration=Calibration.from_dict(d["calibration"]) if "calibration" in d else None,
            best_odds=_records(d, "best_odds", BestOdds) if "best_odds" in d else None,
        )
        if out.geos is None and any(r.geo != "all" for r in out.roas):
            raise SummaryError("geos", "is missing although the records are broken down by geo")
        return out

    def to_dict(self) -> dict:
        """The summary as the JSON object the file holds (``from_dict``'s inverse)."""
        out = {
            "schema_version": self.schema_version,
            "data_fingerprint": self.data_fingerprint,
            "outcomes": list(self.outcomes),
            "diagnostics": self.diagnostics.to_dict(),
            "roas": [r.to_dict() for r in self.roas],
            "contributions": [r.to_dict() for r in self.contributions],
            "funnel": self.funnel.to_dict(),
        }
        if self.media_totals is not None:
            out["media_totals"] = [r.to_dict() for r in self.media_totals]
        if self.audiences is not None:
            out["audiences"] = [r.to_dict() for r in self.audiences]
        if self.geos is not None:
            out["geos"] = [r.to_dict() for r in self.geos]
        if self.calibration is not None:
            out["calibration"] = self.calibration.to_dict()
        if self.best_odds is not None:
            out["best_odds"] = [r.to_dict() for r in self.best_odds]
        return out

    # ---------------------------------------------------------------- views
    @property
    def interval(self) -> float:
        """Probability of the central intervals (that of the first record; 0.9 when the
        summary has none)."""
        records: tuple[ReturnRecord | ContributionRecord, ...] = (*self.roas, *self.contributions)
        for r in records:
            if r.interval is not None:
                return float(r.interval)
        return 0.9

    def returns(self, *, path: str | None = "total", geo: str | None = "all"):
        """The ``roas`` records of ``path`` and ``geo`` (None: every one), in order."""
        return [
            r
            for r in self.roas
            if (path is None or r.path == path) and (geo is None or r.geo == geo)
        ]

    def odds_of_best(self) -> dict[tuple[str, str, str], float | None]:
        """(outcome, channel, audience) -> chance of the best return (``best_odds``);
        empty when the summary has none."""
        return {(r.outcome, r.channel, r.audience): r.p_first for r in self.best_odds or ()}

    def contributions_of(self, *, path: str | None = "total", geo: str | None = "all"):
        """The ``contributions`` records of ``path`` and ``geo`` (None: every one)."""
        return [
            r
            for r in self.contributions
            if (path is None or r.path == path) and (geo is None or r.geo == geo)
        ]
