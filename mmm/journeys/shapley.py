"""Set-based Shapley attribution over the full channel set.

The players are the channels. Journeys are grouped by their channel *set* ``U`` (order and
repeats ignored); ``n(U)`` journeys have set ``U`` and ``conv(U)`` of them converted. Two
characteristic functions are offered, both over all subsets ``S`` of the channels:

``"rate"`` (default, the counterfactual game)
    ``v(S) = sum_U n(U) * CR(U ∩ S)``: the conversions expected if every journey kept only
    its touches from channels in ``S``, where ``CR(T) = conv(T) / n(T)`` is the conversion
    rate of the journeys whose channel set is exactly ``T`` (the approach of Dalessandro et
    al. 2012 and Zhao et al. 2018 with conversion rates). A set ``T`` no journey has
    exactly is given the pooled rate of the journeys whose set is a subset of ``T`` (0 when
    there is none); ``CR(∅) = 0`` because journeys without any touch are not in path data.
    ``v(N)`` is the total number of conversions, so the credits add up to it. Credit can be
    negative where adding a channel lowers the observed conversion rate.

``"count"`` (Zhao et al. 2018, "simplified" set-based Shapley)
    ``v(S) = sum of conversions of journeys whose channel set is a subset of S``. Its
    Shapley value splits every journey's conversions evenly among its distinct channels.

Both are sums of unanimity games, so the Shapley value is
``phi_c = sum_{W ∋ c} d(W) / |W|`` with Harsanyi dividends ``d``. For up to
``exact_max_channels`` channels the dividends of all ``2^n`` subsets are found with fast
zeta / Möbius transforms over bitmasks (exact, ``O(n 2^n)``). Beyond, the ``"rate"`` game is
estimated by Monte-Carlo sampling of channel orderings (seeded; every sampled ordering
credits exactly ``v(N)``); the ``"count"`` game has a closed form for any number of
channels. Journeys are never truncated.

The result is incremental credit under this cooperative game: it equals a channel's causal
effect only if the conversion rates of channel sets are causal (no selection into
exposure).
"""

from __future__ import annotations

import numpy as np

from mmm.errors import DataError
from mmm.journeys.paths import PathTable

RULES = ("rate", "count")
MAX_SAMPLED_CHANNELS = 63


def channel_sets(paths: PathTable) -> np.ndarray:
    """``(n_paths,)`` uint64 bitmask of the distinct channels on each path (bit ``c``)."""
    if paths.n_channels > MAX_SAMPLED_CHANNELS:
        raise DataError(
            f"Shapley attribution supports at most {MAX_SAMPLED_CHANNELS} channels, the paths "
            f"have {paths.n_channels}; group channels (e.g. campaigns into channels) first"
        )
    bits = np.left_shift(np.uint64(1), paths.tokens.astype(np.uint64))
    return np.bitwise_or.reduceat(bits, paths.offsets[:-1])


def _popcount(n_bits: int) -> np.ndarray:
    size = np.zeros(1 << n_bits, dtype=np.int64)
    for i in range(n_bits):
        size[1 << i : 1 << (i + 1)] = size[: 1 << i] + 1
    return size


def _subset_sum(f: np.ndarray, n: int, *, inverse: bool = False) -> np.ndarray:
    """Zeta (``g(S) = sum_{T ⊆ S} f(T)``) or Möbius (``inverse``) transform over bitmasks."""
    g = f.copy()
    for i in range(n):
        view = g.reshape(-1, 2, 1 << i)
        if inverse:
            view[:, 1, :] -= view[:, 0, :]
        else:
            view[:, 1, :] += view[:, 0, :]
    return g


def _superset_sum(f: np.ndarray, n: int) -> np.ndarray:
    """``g(S) = sum_{T ⊇ S} f(T)`` over bitmasks."""
    g = f.copy()
    for i in range(n):
        view = g.reshape(-1, 2, 1 << i)
        view[:, 0, :] += view[:, 1, :]
    return g


def _shapley_from_dividends(dividends: np.ndarray, n: int) -> np.ndarray:
    size = _popcount(n)
    share = np.zeros_like(dividends)
    share[1:] = dividends[1:] / size[1:]
    return np.array([share.reshape(-1, 2, 1 << c)[:, 1, :].sum() for c in range(n)])


def _rates(amount: np.ndarray, journeys: np.ndarray, n: int) -> np.ndarray:
    """``CR(T)`` for every subset: exact-set rate, else pooled subset rate, else 0."""
    sub_amount = _subset_sum(amount, n)
    sub_journeys = _subset_sum(journeys, n)
    rate = np.zeros_like(amount)
    exact = journeys > 0
    rate[exact] = amount[exact] / journeys[exact]
    pooled = ~exact & (sub_journeys > 0)
    rate[pooled] = sub_amount[pooled] / sub_journeys[pooled]
    rate[0] = 0.0
    return rate


def shapley_exact(
    sets: np.ndarray,
    journeys: np.ndarray,
    amounts: list[np.ndarray],
    n_channels: int,
    *,
    rule: str = "rate",
) -> list[np.ndarray]:
    """Exact Shapley credit of each amount (conversions, value) by bitmask transforms.

    Parameters
    ----------
    sets : numpy.ndarray
        ``(n_paths,)`` uint64 channel-set bitmasks.
    journeys : numpy.ndarray
        ``(n_paths,)`` journeys per path (``conversions + nulls``).
    amounts : list of numpy.ndarray
        ``(n_paths,)`` quantities to credit, e.g. conversions and value.
    n_channels : int
        Number of players; ``2 ** n_channels`` subsets are held in memory.
    rule : {"rate", "count"}, keyword-only

    Returns
    -------
    list of numpy.ndarray
        ``(n_channels,)`` credit of each amount; each adds up to the amount's total.
    """
    size = 1 << n_channels
    idx = sets.astype(np.int64)
    n_by_set = np.bincount(idx, weights=journeys, minlength=size)
    covered = _superset_sum(n_by_set, n_channels)
    out = []
    for amount in amounts:
        by_set = np.bincount(idx, weights=amount, minlength=size)
        if rule == "count":
            dividends = by_set
        else:
            dividends = _subset_sum(_rates(by_set, n_by_set, n_channels), n_channels, inverse=True)
            dividends = dividends * covered
        out.append(_shapley_from_dividends(dividends, n_channels))
    return out


def shapley_count_closed_form(
    paths_sets: np.ndarray, amounts: list[np.ndarray], n_channels: int
) -> list[np.ndarray]:
    """``"count"`` game for any number of channels: even split over distinct channels."""
    bits = np.left_shift(np.uint64(1), np.arange(n_channels, dtype=np.uint64))
    member = (paths_sets[:, None] & bits[None, :]) != 0
    k = member.sum(axis=1)
    return [(member * (a / k)[:, None]).sum(axis=0) for a in amounts]


class _RateLookup:
    """Conversion rate of arbitrary channel sets (uint64 bitmasks) with the fallback rule."""

    def __init__(self, codes: np.ndarray, journeys: np.ndarray, amounts: np.ndarray) -> None:
        self.codes = codes  # sorted unique observed sets
        self.journeys = journeys
        self.amounts = amounts  # (n_sets, k)
        self.rates = amounts / journeys[:, None]
        self.cache_codes = np.zeros(0, dtype=np.uint64)
        self.cache_rates = np.zeros((0, amounts.shape[1]))

    def _pooled(self, queries: np.ndarray) -> np.ndarray:
        out = np.zeros((queries.size, self.amounts.shape[1]))
        chunk = max(1, 2_000_000 // max(1, self.codes.size))
        for lo in range(0, queries.size, chunk):
            q = queries[lo : lo + chunk]
            inside = (self.codes[None, :] & ~q[:, None]) == 0
            n = inside.astype(np.float64) @ self.journeys
            amt = inside.astype(np.float64) @ self.amounts
            with np.errstate(invalid="ignore", divide="ignore"):
                out[lo : lo + chunk] = np.where(n[:, None] > 0, amt / n[:, None], 0.0)
        return out

    def __call__(self, queries: np.ndarray) -> np.ndarray:
        out = np.zeros((queries.size, self.amounts.shape[1]))
        pos = np.searchsorted(self.codes, queries)
        pos_c = np.minimum(pos, self.codes.size - 1)
        hit = self.codes[pos_c] == queries
        out[hit] = self.rates[pos_c[hit]]
        miss = ~hit & (queries != 0)
        if miss.any():
            uniq, inv = np.unique(queries[miss], return_inverse=True)
            cpos = np.searchsorted(self.cache_codes, uniq)
            cpos_c = np.minimum(cpos, max(self.cache_codes.size - 1, 0))
            known = (
                self.cache_codes[cpos_c] == uniq
                if self.cache_codes.size
                else np.zeros(uniq.size, dtype=bool)
            )
            vals = np.zeros((uniq.size, self.amounts.shape[1]))
            if known.any():
                vals[known] = self.cache_rates[cpos_c[known]]
            if (~known).any():
                new = uniq[~known]
                new_vals = self._pooled(new)
                vals[~known] = new_vals
                codes = np.concatenate([self.cache_codes, new])
                rates = np.concatenate([self.cache_rates, new_vals])
                order = np.argsort(codes)
                self.cache_codes, self.cache_rates = codes[order], rates[order]
            out[miss] = vals[inv]
        return out


def shapley_sampled(
    sets: np.ndarray,
    journeys: np.ndarray,
    amounts: list[np.ndarray],
    n_channels: int,
    *,
    n_permutations: int,
    seed: int,
) -> list[np.ndarray]:
    """Monte-Carlo Shapley credit of the ``"rate"`` game from random channel orderings.

    Every ordering credits each journey ``n(U) * (CR(U ∩ (B ∪ c)) - CR(U ∩ B))`` to channel
    ``c`` (``B`` the channels before ``c``), so each ordering adds up to the total exactly;
    the estimate is the mean over ``n_permutations`` orderings drawn with ``seed``.
    """
    codes, inverse = np.unique(sets, return_inverse=True)
    n_sets = np.bincount(inverse, weights=journeys, minlength=codes.size)
    amt = np.stack([np.bincount(inverse, weights=a, minlength=codes.size) for a in amounts], 1)
    observed = n_sets > 0
    codes, n_sets, amt = codes[observed], n_sets[observed], amt[observed]
    lookup = _RateLookup(codes, n_sets, amt)
    bits = np.left_shift(np.uint64(1), np.arange(n_channels, dtype=np.uint64))
    member = (codes[:, None] & bits[None, :]) != 0
    pair_set, pair_channel = np.nonzero(member)
    rng = np.random.default_rng(seed)
    total = np.zeros((n_channels, amt.shape[1]))
    for _ in range(n_permutations):
        perm = rng.permutation(n_channels)
        cum = np.bitwise_or.accumulate(bits[perm])
        before = np.zeros(n_channels, dtype=np.uint64)
        before[perm[1:]] = cum[:-1]
        qa = codes[pair_set] & before[pair_channel]
        qb = qa | bits[pair_channel]
        marginal = (lookup(qb) - lookup(qa)) * n_sets[pair_set][:, None]
        for k in range(amt.shape[1]):
            total[:, k] += np.bincount(pair_channel, weights=marginal[:, k], minlength=n_channels)
    total /= n_permutations
    return [total[:, k] for k in range(amt.shape[1])]


def shapley_credit(
    paths: PathTable,
    *,
    conversions: np.ndarray | None = None,
    nulls: np.ndarray | None = None,
    value: np.ndarray | None = None,
    rule: str = "rate",
    exact_max_channels: int = 15,
    n_permutations: int = 2000,
    seed: int = 0,
    sets: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Shapley credit of conversions and value per channel.

    Parameters
    ----------
    paths : PathTable
    conversions, nulls, value : numpy.ndarray, optional, keyword-only
        ``(n_paths,)`` counts to use instead of the table's (bootstrap replicates).
    rule : {"rate", "count"}, keyword-only
        Characteristic function (see the module notes).
    exact_max_channels : int, keyword-only
        Largest number of channels solved exactly (memory ``~ 2 ** n`` floats).
    n_permutations : int, keyword-only
        Sampled orderings beyond ``exact_max_channels`` (``"rate"`` rule only).
    seed : int, keyword-only
        Seed of the sampled orderings.
    sets : numpy.ndarray, optional, keyword-only
        Precomputed :func:`channel_sets` of ``paths``.

    Returns
    -------
    conversions, value : numpy.ndarray
        ``(n_channels,)`` credited conversions and value (``None`` when values are unknown).
    """
    if rule not in RULES:
        raise DataError(f"shapley rule must be one of {', '.join(RULES)}, got {rule!r}")
    conv = paths.conversions if conversions is None else conversions
    nul = paths.nulls if nulls is None else nulls
    val = paths.value if value is None else value
    sets = channel_sets(paths) if sets is None else sets
    amounts = [conv] if val is None else [conv, val]
    n = paths.n_channels
    if rule == "count" and n > exact_max_channels:
        credit = shapley_count_closed_form(sets, amounts, n)
    elif n <= exact_max_channels:
        credit = shapley_exact(sets, conv + nul, amounts, n, rule=rule)
    else:
        if n_permutations < 1:
            raise DataError(f"n_permutations must be at least 1, got {n_permutations}")
        credit = shapley_sampled(
            sets, conv + nul, amounts, n, n_permutations=n_permutations, seed=seed
        )
    return credit[0], (credit[1] if val is not None else None)
