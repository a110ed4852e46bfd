"""Markov-chain attribution of order 1 to 4 with exact removal effects.

The journeys are read as walks of an absorbing Markov chain: ``(start)`` leads to a first
state, states lead to one another, and the last state leads to ``(conversion)`` or
``(null)``. In a chain of order ``k`` a state is the tuple of the last ``k`` channels (fewer at
the start of a path). Transition probabilities are the empirical transition frequencies,
each path weighted by its journeys (``conversions + nulls``) for the transitions inside it,
by ``conversions`` for its exit to ``(conversion)`` and by ``nulls`` for its exit to
``(null)``.

The probability of conversion from ``(start)`` is the absorption probability
``P = s · (I - Q)^-1 r`` (``Q`` transient-to-transient probabilities, ``r`` transient-to-
conversion probabilities, ``s`` start distribution), found with a sparse LU solve. The
*removal effect* of a channel is ``1 - P_without / P`` where ``P_without`` is the same
probability when every state that contains the channel sends its journeys to ``(null)``.
No simulation is involved: the numbers are exact up to floating point.

Removal effects measure how much the observed paths *depend on* a channel in this
chain — path dependence — not what the channel caused.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from mmm.errors import DataError
from mmm.journeys.heuristics import allocation_matrix
from mmm.journeys.paths import PathTable

MAX_ORDER = 4
START, CONVERSION, NULL = "(start)", "(conversion)", "(null)"


@dataclass(frozen=True, eq=False)
class MarkovStructure:
    """States and transitions of the paths for one order, independent of the counts.

    Attributes
    ----------
    order : int
        Chain order (1 to 4).
    n_channels : int
        Number of channels.
    digits : numpy.ndarray
        ``(n_states, order)`` int64; ``digits[s, j]`` is 1 + the channel ``j`` steps back in
        state ``s`` (0 where the path was shorter).
    pair_from, pair_to : numpy.ndarray
        ``(n_pairs,)`` int64 states of each distinct state-to-state transition.
    trans_pair, trans_path : numpy.ndarray
        ``(n_transitions,)`` the distinct transition and the path of every transition inside
        a path.
    first_state, last_state : numpy.ndarray
        ``(n_paths,)`` int64 first and last state of every path.
    """

    order: int
    n_channels: int
    digits: np.ndarray
    pair_from: np.ndarray
    pair_to: np.ndarray
    trans_pair: np.ndarray
    trans_path: np.ndarray
    first_state: np.ndarray
    last_state: np.ndarray

    @property
    def n_states(self) -> int:
        """Number of transient states."""
        return int(self.digits.shape[0])

    def states_with(self, channel: int) -> np.ndarray:
        """``(n_states,)`` bool: states that contain ``channel``."""
        return np.any(self.digits == channel + 1, axis=1)


def check_order(order: int) -> int:
    """Validate a Markov order (an integer from 1 to 4)."""
    if isinstance(order, bool) or not isinstance(order, int | np.integer):
        raise DataError(f"markov order must be an integer from 1 to {MAX_ORDER}, got {order!r}")
    if not 1 <= int(order) <= MAX_ORDER:
        raise DataError(f"markov order must be from 1 to {MAX_ORDER}, got {order}")
    return int(order)


def markov_structure(paths: PathTable, *, order: int = 1) -> MarkovStructure:
    """States and transitions of ``paths`` for a chain of ``order`` (vectorised).

    Parameters
    ----------
    paths : PathTable
    order : int, keyword-only
        1 to 4.
    """
    order = check_order(order)
    n_ch = paths.n_channels
    base = n_ch + 1
    if base**order >= 2**62:
        raise DataError(
            f"{n_ch} channels are too many for an order-{order} chain; group channels or "
            "lower the order"
        )
    tokens = paths.tokens.astype(np.int64)
    pos = paths.position
    code = tokens + 1
    for lag in range(1, order):
        shifted = np.zeros_like(code)
        shifted[lag:] = tokens[:-lag] + 1
        code = code + np.where(pos >= lag, shifted, 0) * base**lag
    state, uniques = pd.factorize(code, sort=True)
    state = state.astype(np.int64)
    digits = np.stack([(uniques // base**j) % base for j in range(order)], axis=1)
    last = paths.offsets[1:] - 1
    inner = np.ones(tokens.size, dtype=bool)
    inner[last] = False
    src = np.flatnonzero(inner)
    n_states = uniques.size
    pair_code = state[src] * n_states + state[src + 1]
    pair, pair_uniques = pd.factorize(pair_code, sort=True)
    return MarkovStructure(
        order=order,
        n_channels=n_ch,
        digits=digits.astype(np.int64),
        pair_from=(pair_uniques // n_states).astype(np.int64),
        pair_to=(pair_uniques % n_states).astype(np.int64),
        trans_pair=pair.astype(np.int64),
        trans_path=paths.path_of_token[src],
        first_state=state[paths.offsets[:-1]],
        last_state=state[last],
    )


@dataclass(frozen=True, eq=False)
class MarkovChain:
    """Absorbing Markov chain estimated from paths.

    Attributes
    ----------
    structure : MarkovStructure
    transient : scipy.sparse.csr_matrix
        ``(n_states, n_states)`` transition probabilities between states.
    to_conversion, to_null : numpy.ndarray
        ``(n_states,)`` probabilities of leaving each state to ``(conversion)`` / ``(null)``.
    start : numpy.ndarray
        ``(n_states,)`` probability of each first state.
    """

    structure: MarkovStructure
    transient: sp.csr_matrix
    to_conversion: np.ndarray
    to_null: np.ndarray
    start: np.ndarray

    def conversion_probability(self, removed: np.ndarray | None = None) -> float:
        """Probability of reaching ``(conversion)`` from ``(start)``.

        Parameters
        ----------
        removed : numpy.ndarray, optional
            ``(n_states,)`` bool: states whose journeys go to ``(null)`` instead.
        """
        keep = np.ones(self.start.size, dtype=bool) if removed is None else ~removed
        if not keep.any():
            return 0.0
        idx = np.flatnonzero(keep)
        q = self.transient[idx][:, idx]
        a = (sp.identity(idx.size, format="csc") - q).tocsc()
        h = spla.splu(a).solve(self.to_conversion[idx])
        return float(self.start[idx] @ h)

    def removal_effects(self) -> tuple[float, np.ndarray]:
        """Conversion probability and ``(n_channels,)`` removal effects ``1 - P_c / P``."""
        p_full = self.conversion_probability()
        if p_full <= 0:
            raise DataError("the paths have no conversions; removal effects are undefined")
        effects = np.empty(self.structure.n_channels)
        for c in range(self.structure.n_channels):
            p_c = self.conversion_probability(self.structure.states_with(c))
            effects[c] = 1.0 - p_c / p_full
        # removing states can only lower the absorption probability; clear rounding noise
        effects[(effects < 0) & (effects > -1e-12)] = 0.0
        return p_full, effects


def fit_chain(
    structure: MarkovStructure, conversions: np.ndarray, nulls: np.ndarray
) -> MarkovChain:
    """Estimate transition probabilities from path counts on a fixed structure."""
    journeys = conversions + nulls
    n = structure.n_states
    pair_counts = np.bincount(
        structure.trans_pair,
        weights=journeys[structure.trans_path],
        minlength=structure.pair_from.size,
    )
    start = np.bincount(structure.first_state, weights=journeys, minlength=n)
    to_conv = np.bincount(structure.last_state, weights=conversions, minlength=n)
    to_null = np.bincount(structure.last_state, weights=nulls, minlength=n)
    out = np.bincount(structure.pair_from, weights=pair_counts, minlength=n) + to_conv + to_null
    safe = np.where(out > 0, out, 1.0)
    transient = sp.csr_matrix(
        (pair_counts / safe[structure.pair_from], (structure.pair_from, structure.pair_to)),
        shape=(n, n),
    )
    total = start.sum()
    return MarkovChain(
        structure=structure,
        transient=transient,
        to_conversion=to_conv / safe,
        to_null=to_null / safe,
        start=start / total if total > 0 else start,
    )


def fit_markov(paths: PathTable, *, order: int = 1) -> MarkovChain:
    """Estimate the absorbing Markov chain of ``order`` from ``paths``."""
    structure = markov_structure(paths, order=order)
    return fit_chain(structure, paths.conversions, paths.nulls)


def removal_effects(paths: PathTable, *, order: int = 1) -> pd.DataFrame:
    """Exact removal effects of every channel.

    Parameters
    ----------
    paths : PathTable
    order : int, keyword-only
        Chain order, 1 to 4.

    Returns
    -------
    pandas.DataFrame
        One row per channel: ``channel``, ``removal_effect`` (1 - P_without / P, a fraction
        from 0 to 1), ``conversion_probability_without`` (P_without), ``conversion_probability``
        (P, the same on every row) and ``share`` (removal effect over the sum of removal
        effects).
    """
    chain = fit_markov(paths, order=order)
    p_full, effects = chain.removal_effects()
    total = effects.sum()
    return pd.DataFrame(
        {
            "channel": list(paths.channels),
            "removal_effect": effects,
            "conversion_probability_without": p_full * (1.0 - effects),
            "conversion_probability": p_full,
            "share": effects / total if total > 0 else np.full(effects.size, np.nan),
        }
    )


def removal_share_credit(
    effects: np.ndarray, total_conversions: float, total_value: float
) -> tuple[np.ndarray, np.ndarray]:
    """Credit totals in proportion to removal effects (rule ``removal_share``)."""
    share = effects / effects.sum()
    return share * total_conversions, share * total_value


def distinct_channels(paths: PathTable) -> sp.csr_matrix:
    """``(n_paths, n_channels)`` 0/1 matrix: which channels each path touches."""
    d = allocation_matrix(paths, np.ones(paths.tokens.size))
    d.data[:] = 1.0
    return d


def removal_split_credit(
    effects: np.ndarray,
    incidence: sp.csr_matrix,
    conversions: np.ndarray,
    value: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Split each path's conversions over its distinct channels by removal effect.

    Rule ``removal_split``: path ``p`` gives channel ``c`` on it
    ``conversions_p * RE_c / sum(RE of the channels on p)``. A path whose channels all have a
    removal effect of 0 (only possible through rounding) is split evenly.
    """
    denom = incidence @ effects
    counts = np.asarray(incidence.sum(axis=1)).ravel()
    even = denom <= 0
    factor = np.where(even, 0.0, conversions / np.where(even, 1.0, denom))
    credit = effects * (incidence.T @ factor)
    if even.any():
        credit += incidence.T @ np.where(even, conversions / counts, 0.0)
    credit_value = None
    if value is not None:
        factor_v = np.where(even, 0.0, value / np.where(even, 1.0, denom))
        credit_value = effects * (incidence.T @ factor_v)
        if even.any():
            credit_value += incidence.T @ np.where(even, value / counts, 0.0)
    return credit, credit_value


def transition_matrix(paths: PathTable) -> pd.DataFrame:
    """First-order transition probabilities as a labelled table.

    Returns
    -------
    pandas.DataFrame
        Rows ``(start)`` and every channel, columns every channel plus ``(conversion)`` and
        ``(null)``; each row adds up to 1 (a fraction).
    """
    chain = fit_markov(paths, order=1)
    s = chain.structure
    n = paths.n_channels
    dense = np.zeros((n + 1, n + 2))
    state_channel = s.digits[:, 0] - 1
    dense[0, state_channel] = chain.start
    block = chain.transient.toarray()
    dense[1 + state_channel[:, None], state_channel[None, :]] = block
    dense[1 + state_channel, n] = chain.to_conversion
    dense[1 + state_channel, n + 1] = chain.to_null
    labels = list(paths.channels)
    return pd.DataFrame(dense, index=[START, *labels], columns=[*labels, CONVERSION, NULL])
