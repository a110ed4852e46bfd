"""One entry point for every attribution method, with bootstrap intervals, as tidy tables."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mmm.errors import DataError, SpecError
from mmm.journeys import heuristics as heur
from mmm.journeys import markov, shapley
from mmm.journeys.paths import PathTable

POSITION = "path position heuristic"
REMOVAL = "path dependence (removal effect)"
GAME = "incremental credit under set-based cooperative game"

#: Every method name and what its credit measures.
MEASURES: dict[str, str] = {
    "first_touch": POSITION,
    "last_touch": POSITION,
    "last_non_direct": POSITION,
    "linear": POSITION,
    "time_decay": POSITION,
    "position_based": POSITION,
    "markov_removal_share": REMOVAL,
    "markov_removal_split": REMOVAL,
    "shapley": GAME,
}
METHODS = tuple(MEASURES)
ALIASES = {"markov": "markov_removal_share"}
COLUMNS = [
    "method",
    "channel",
    "conversions",
    "value",
    "share",
    "lower",
    "upper",
    "measures",
]


@dataclass(frozen=True)
class AttributionOptions:
    """Options of :func:`attribute` (see there)."""

    markov_order: int = 1
    direct_channels: tuple[str, ...] = ("direct",)
    position_weights: tuple[float, float, float] = (0.4, 0.2, 0.4)
    half_life_days: float = 7.0
    shapley_rule: str = "rate"
    shapley_exact_max_channels: int = 15
    shapley_permutations: int = 2000
    seed: int = 0


def resolve_methods(methods: Sequence[str] | str) -> list[str]:
    """Canonical method names; raise SpecError naming the valid ones for unknown names."""
    if isinstance(methods, str):
        methods = [methods]
    out: list[str] = []
    unknown = []
    for m in methods:
        name = ALIASES.get(str(m).strip(), str(m).strip())
        if name not in MEASURES:
            unknown.append(repr(m))
        elif name not in out:
            out.append(name)
    if unknown:
        raise SpecError(
            f"unknown attribution method(s) {', '.join(unknown)}; choose from "
            f"{', '.join(METHODS)} (or 'markov' for markov_removal_share)"
        )
    if not out:
        raise SpecError(f"give at least one attribution method from {', '.join(METHODS)}")
    return out


def _method_function(
    method: str, paths: PathTable, opts: AttributionOptions
) -> Callable[..., tuple[np.ndarray, np.ndarray | None]]:
    """A function ``(conversions, nulls, value, journey_scale) -> (credit, value credit)``.

    Everything that depends only on the path structure is computed once here, so bootstrap
    replicates only redo the count-dependent part.
    """
    n = paths.n_channels
    if method in ("first_touch", "last_touch", "last_non_direct", "linear", "position_based"):
        if method == "first_touch":
            w = heur.first_touch_weights(paths)
        elif method == "last_touch":
            w = heur.last_touch_weights(paths)
        elif method == "last_non_direct":
            w = heur.last_non_direct_weights(paths, direct_channels=opts.direct_channels)
        elif method == "linear":
            w = heur.linear_weights(paths)
        else:
            w = heur.position_weights(paths, shape=opts.position_weights)
        alloc_t = heur.allocation_matrix(paths, w).T.tocsr()

        def run(conv, nulls, value, journey_scale):
            return alloc_t @ conv, (alloc_t @ value if value is not None else None)

        return run
    if method == "time_decay":
        timing = paths.timing
        if timing is None:
            raise DataError(
                "time_decay needs the time of every touch, which aggregated paths do not "
                "carry; give event rows (id, timestamp, channel, conversion) instead",
                source=paths.source,
            )

        def run(conv, nulls, value, journey_scale):
            c, v = heur.time_decay_credit(
                timing, n, half_life_days=opts.half_life_days, journey_scale=journey_scale
            )
            return c, (v if paths.has_value else None)

        return run
    if method.startswith("markov"):
        structure = markov.markov_structure(paths, order=opts.markov_order)
        incidence = markov.distinct_channels(paths) if method == "markov_removal_split" else None

        def run(conv, nulls, value, journey_scale):
            chain = markov.fit_chain(structure, conv, nulls)
            _, effects = chain.removal_effects()
            if incidence is None:
                total_value = float(value.sum()) if value is not None else 0.0
                c, v = markov.removal_share_credit(effects, float(conv.sum()), total_value)
                return c, (v if value is not None else None)
            return markov.removal_split_credit(effects, incidence, conv, value)

        return run
    if method == "shapley":
        sets = shapley.channel_sets(paths)

        def run(conv, nulls, value, journey_scale):
            return shapley.shapley_credit(
                paths,
                conversions=conv,
                nulls=nulls,
                value=value,
                rule=opts.shapley_rule,
                exact_max_channels=opts.shapley_exact_max_channels,
                n_permutations=opts.shapley_permutations,
                seed=opts.seed,
                sets=sets,
            )

        return run
    raise SpecError(f"unknown method {method!r}")  # pragma: no cover - resolved earlier


def bootstrap_counts(
    paths: PathTable, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """One bootstrap replicate of the path counts.

    Journeys are resampled with replacement: ``N = round(total journeys)`` draws from the
    ``2 * n_paths`` categories (path, converted) and (path, did not convert) with
    probabilities proportional to their counts (one multinomial draw). Counts are rescaled
    by ``total / N`` so fractional tables keep their scale; a path's value follows its
    conversions.

    Returns
    -------
    conversions, nulls, value, journey_scale
        ``(n_paths,)`` replicate counts and value, and the ``(n_timing_journeys,)``
        multiplier of each converting journey's conversion (None without timing).
    """
    conv, nulls = paths.conversions, paths.nulls
    total = float(conv.sum() + nulls.sum())
    draws = max(int(round(total)), 1)
    probs = np.concatenate([conv, nulls]) / total
    probs = probs / probs.sum()
    counts = rng.multinomial(draws, probs).astype(np.float64) * (total / draws)
    m = conv.size
    new_conv, new_nulls = counts[:m], counts[m:]
    ratio = np.divide(new_conv, conv, out=np.zeros(m), where=conv > 0)
    new_value = paths.value * ratio if paths.value is not None else None
    scale = ratio[paths.timing.path_index] if paths.timing is not None else None
    return new_conv, new_nulls, new_value, scale


def attribute(
    paths: PathTable,
    *,
    methods: Sequence[str] | str = ("last_touch", "linear", "markov_removal_share", "shapley"),
    markov_order: int = 1,
    direct_channels: Sequence[str] = ("direct",),
    position_weights: tuple[float, float, float] = (0.4, 0.2, 0.4),
    half_life_days: float = 7.0,
    shapley_rule: str = "rate",
    shapley_exact_max_channels: int = 15,
    shapley_permutations: int = 2000,
    n_bootstrap: int = 0,
    interval: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Credit conversions and value to channels by one or more methods.

    Parameters
    ----------
    paths : PathTable
        From :func:`~mmm.journeys.paths_from_frame` or :func:`~mmm.journeys.build_journeys`.
    methods : sequence of str, keyword-only
        Any of ``first_touch``, ``last_touch``, ``last_non_direct``, ``linear``,
        ``time_decay`` (needs event data), ``position_based``, ``markov_removal_share``
        (alias ``markov``), ``markov_removal_split``, ``shapley``.
    markov_order : int, keyword-only
        Order of the Markov chain, 1 to 4.
    direct_channels : sequence of str, keyword-only
        Channels skipped by ``last_non_direct``.
    position_weights : (first, middle, last), keyword-only
        U shape of ``position_based``; adds up to 1.
    half_life_days : float, keyword-only
        Half-life of ``time_decay`` in days before the conversion.
    shapley_rule : {"rate", "count"}, keyword-only
        Characteristic function of ``shapley`` (see :mod:`mmm.journeys.shapley`).
    shapley_exact_max_channels : int, keyword-only
        Up to this many channels Shapley is exact (at most 24); beyond it is sampled.
    shapley_permutations : int, keyword-only
        Orderings sampled beyond ``shapley_exact_max_channels``.
    n_bootstrap : int, keyword-only
        Bootstrap replicates (journeys resampled with replacement); 0 for no intervals.
    interval : float, keyword-only
        Probability of the percentile interval (e.g. 0.95).
    seed : int, keyword-only
        Seed of the bootstrap and of sampled Shapley orderings.

    Returns
    -------
    pandas.DataFrame
        One row per (method, channel): ``method``; ``channel``; ``conversions`` credited
        (count; per method they add up to the total conversions of ``paths``); ``value``
        credited (currency units; NaN when values are unknown); ``share`` of conversions (a
        fraction; adds up to 1 per method); ``lower`` and ``upper``, the bootstrap percentile
        interval of ``share`` with probability ``interval`` (NaN without bootstrap);
        ``measures``, what the method measures. ``attrs`` records the options,
        ``interval``, ``n_bootstrap`` and ``bootstrap_without_conversions`` (replicates that
        drew no conversion at all; they are left out of the intervals).

    Raises
    ------
    SpecError
        Unknown method or invalid option.
    DataError
        ``time_decay`` on aggregated paths without touch times.
    """
    names = resolve_methods(methods)
    if isinstance(n_bootstrap, bool) or not isinstance(n_bootstrap, int | np.integer):
        raise SpecError(f"n_bootstrap must be a whole number, got {n_bootstrap!r}")
    if n_bootstrap < 0:
        raise SpecError(f"n_bootstrap must be 0 or more, got {n_bootstrap}")
    if not (0 < interval < 1):
        raise SpecError(f"interval must be a probability between 0 and 1, got {interval!r}")
    if not 1 <= shapley_exact_max_channels <= 24:
        raise SpecError(
            "shapley_exact_max_channels must be from 1 to 24 (2^n subsets are held in memory), "
            f"got {shapley_exact_max_channels}"
        )
    if shapley_rule not in shapley.RULES:
        raise SpecError(
            f"shapley_rule must be one of {', '.join(shapley.RULES)}, got {shapley_rule!r}"
        )
    opts = AttributionOptions(
        markov_order=markov.check_order(markov_order),
        direct_channels=tuple(direct_channels),
        position_weights=heur.check_position_shape(position_weights),
        half_life_days=float(half_life_days),
        shapley_rule=shapley_rule,
        shapley_exact_max_channels=int(shapley_exact_max_channels),
        shapley_permutations=int(shapley_permutations),
        seed=int(seed),
    )
    if paths.total_conversions <= 0:
        raise DataError("the paths have no conversions; there is nothing to attribute")
    runs = {m: _method_function(m, paths, opts) for m in names}
    n = paths.n_channels
    point = {m: runs[m](paths.conversions, paths.nulls, paths.value, None) for m in names}
    lower = {m: np.full(n, np.nan) for m in names}
    upper = {m: np.full(n, np.nan) for m in names}
    empty = 0
    if n_bootstrap > 0:
        rng = np.random.default_rng(seed)
        shares = {m: np.empty((n_bootstrap, n)) for m in names}
        for b in range(n_bootstrap):
            conv, nulls, value, scale = bootstrap_counts(paths, rng)
            if conv.sum() <= 0:  # a replicate without any conversion has no shares
                empty += 1
                for m in names:
                    shares[m][b] = np.nan
                continue
            for m in names:
                credit, _ = runs[m](conv, nulls, value, scale)
                total = credit.sum()
                shares[m][b] = credit / total if total > 0 else np.nan
        if empty == n_bootstrap:
            raise DataError(
                f"none of the {n_bootstrap} bootstrap replicates has a conversion (the paths "
                f"hold {paths.total_conversions:g} conversions); use more data or no bootstrap",
                source=paths.source,
            )
        alpha = (1.0 - interval) / 2.0
        for m in names:
            lower[m] = np.nanquantile(shares[m], alpha, axis=0)
            upper[m] = np.nanquantile(shares[m], 1.0 - alpha, axis=0)
    total_conv = paths.total_conversions
    frames = []
    for m in names:
        credit, credit_value = point[m]
        frames.append(
            pd.DataFrame(
                {
                    "method": m,
                    "channel": list(paths.channels),
                    "conversions": credit,
                    "value": credit_value if credit_value is not None else np.nan,
                    "share": credit / total_conv,
                    "lower": lower[m],
                    "upper": upper[m],
                    "measures": MEASURES[m],
                }
            )
        )
    result = pd.concat(frames, ignore_index=True)[COLUMNS]
    result.attrs.update(
        {
            "interval": float(interval) if n_bootstrap > 0 else None,
            "n_bootstrap": int(n_bootstrap),
            "bootstrap_without_conversions": empty,
            "markov_order": opts.markov_order,
            "half_life_days": opts.half_life_days,
            "position_weights": list(opts.position_weights),
            "shapley_rule": opts.shapley_rule,
            "seed": opts.seed,
        }
    )
    return result


def top_paths(
    paths: PathTable, *, n: int = 20, separator: str = " > ", by: str = "conversions"
) -> pd.DataFrame:
    """The most frequent paths, identical paths added together.

    Parameters
    ----------
    paths : PathTable
    n : int, keyword-only
        Number of paths to return.
    separator : str, keyword-only
        Text between channels in the ``path`` column.
    by : {"conversions", "journeys", "value"}, keyword-only
        Ranking column.

    Returns
    -------
    pandas.DataFrame
        ``path``, ``length`` (touches), ``journeys``, ``conversions``, ``nulls``,
        ``conversion_rate`` (a fraction), ``value`` (currency units, NaN if unknown),
        ``share_of_conversions`` (a fraction) and, when known, ``store_conversions``.
    """
    from mmm.journeys.paths import sequence_groups

    if by not in ("conversions", "journeys", "value"):
        raise SpecError(f"by must be 'conversions', 'journeys' or 'value', got {by!r}")
    group, rep = sequence_groups(paths.offsets, paths.tokens)
    g = rep.size

    def add(a):
        return np.bincount(group, weights=a, minlength=g)

    conv, nulls = add(paths.conversions), add(paths.nulls)
    journeys = conv + nulls
    value = add(paths.value) if paths.value is not None else np.full(g, np.nan)
    key = {"conversions": conv, "journeys": journeys, "value": value}[by]
    order = np.lexsort((np.arange(g), -np.nan_to_num(key, nan=-np.inf)))[: max(int(n), 0)]
    rows = rep[order]
    frame = pd.DataFrame(
        {
            "path": paths.path_strings(rows, separator=separator),
            "length": paths.lengths[rows],
            "journeys": journeys[order],
            "conversions": conv[order],
            "nulls": nulls[order],
            "conversion_rate": np.divide(
                conv[order],
                journeys[order],
                out=np.full(order.size, np.nan),
                where=journeys[order] > 0,
            ),
            "value": value[order],
            "share_of_conversions": conv[order] / paths.total_conversions,
        }
    )
    if paths.store_conversions is not None:
        frame["store_conversions"] = add(paths.store_conversions)[order]
    return frame


def journey_patterns(
    paths: PathTable, *, store_channels: Sequence[str] = ("store_visit",)
) -> pd.DataFrame:
    """Journeys and conversions by online / offline pattern.

    Patterns: ``online only`` (no store touch), ``store only`` (only store touches),
    ``research online, purchase offline`` (online touches, and the path ends with a store
    touch) and ``showrooming`` (a store touch, and the path ends with an online touch). When
    the paths say where conversions happened, online and store conversions are split.

    Returns
    -------
    pandas.DataFrame
        ``pattern``, ``journeys``, ``conversions``, ``store_conversions`` (NaN if unknown),
        ``online_conversions`` (NaN if unknown).
    """
    store_codes = [i for i, c in enumerate(paths.channels) if c in set(store_channels)]
    is_store = np.isin(paths.tokens, store_codes)
    idx = np.arange(paths.tokens.size, dtype=np.int64)
    starts = paths.offsets[:-1]
    last_store = np.maximum.reduceat(np.where(is_store, idx, -1), starts)
    last_online = np.maximum.reduceat(np.where(~is_store, idx, -1), starts)
    any_store = last_store >= 0
    any_online = last_online >= 0
    labels = np.select(
        [~any_store, ~any_online, last_store > last_online],
        ["online only", "store only", "research online, purchase offline"],
        default="showrooming",
    )
    order = ["online only", "store only", "research online, purchase offline", "showrooming"]
    frame = pd.DataFrame(
        {
            "pattern": labels,
            "journeys": paths.journeys,
            "conversions": paths.conversions,
            "store_conversions": (
                paths.store_conversions if paths.store_conversions is not None else np.nan
            ),
        }
    )
    out = frame.groupby("pattern", sort=False).sum(min_count=1).reindex(order, fill_value=0.0)
    out = out.reset_index()
    if paths.store_conversions is None:
        out["store_conversions"] = np.nan
    out["online_conversions"] = out["conversions"] - out["store_conversions"]
    return out
