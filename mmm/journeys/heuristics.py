"""Path-position heuristics: first touch, last touch, last non-direct, linear, position-based,
time decay.

Each rule gives every touch of a path a weight; the weights of a path add up to 1 and its
conversions (and value) are split by them. The rules describe where a touch sits in the
path, not what it caused: they measure *path position*, not incrementality.

The position rules are stored as a sparse ``(n_paths, n_channels)`` allocation matrix ``A``
(row ``p`` holds the share of path ``p`` that goes to each channel), so credited conversions
are ``conversions @ A`` and a bootstrap replicate costs one sparse product.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from mmm.errors import DataError
from mmm.journeys.paths import PathTable, TouchTiming


def allocation_matrix(paths: PathTable, weights: np.ndarray) -> sp.csr_matrix:
    """Sparse ``(n_paths, n_channels)`` matrix from per-touch weights (duplicates summed)."""
    matrix = sp.csr_matrix(
        (weights, paths.tokens, paths.offsets),
        shape=(paths.n_paths, paths.n_channels),
        copy=True,
    )
    matrix.sum_duplicates()
    return matrix


def first_touch_weights(paths: PathTable) -> np.ndarray:
    """``(n_touches,)`` weight 1 on the first touch of every path, 0 elsewhere."""
    w = np.zeros(paths.tokens.size)
    w[paths.offsets[:-1]] = 1.0
    return w


def last_touch_weights(paths: PathTable) -> np.ndarray:
    """``(n_touches,)`` weight 1 on the last touch of every path, 0 elsewhere."""
    w = np.zeros(paths.tokens.size)
    w[paths.offsets[1:] - 1] = 1.0
    return w


def last_non_direct_weights(
    paths: PathTable, *, direct_channels: Sequence[str] = ("direct",)
) -> np.ndarray:
    """``(n_touches,)`` weight 1 on the last touch that is not a direct channel.

    A path made only of direct touches keeps its last touch. Names in ``direct_channels``
    that do not occur in the paths are ignored.
    """
    direct = np.isin(
        paths.tokens, [i for i, c in enumerate(paths.channels) if c in direct_channels]
    )
    index = np.arange(paths.tokens.size, dtype=np.int64)
    last_nd = np.maximum.reduceat(np.where(direct, -1, index), paths.offsets[:-1])
    chosen = np.where(last_nd >= 0, last_nd, paths.offsets[1:] - 1)
    w = np.zeros(paths.tokens.size)
    w[chosen] = 1.0
    return w


def linear_weights(paths: PathTable) -> np.ndarray:
    """``(n_touches,)`` weight ``1 / length`` on every touch of a path."""
    return 1.0 / paths.lengths[paths.path_of_token]


def position_weights(
    paths: PathTable, *, shape: tuple[float, float, float] = (0.4, 0.2, 0.4)
) -> np.ndarray:
    """``(n_touches,)`` U-shaped (position-based) weights.

    Parameters
    ----------
    shape : (first, middle, last), keyword-only
        Shares of the first touch, of all middle touches together (split evenly) and of the
        last touch, for paths of three touches or more; they must add up to 1. A path of two
        touches splits ``first : last`` in proportion (``0.4, 0.4`` gives 50 / 50); a path of
        one touch gives it everything.
    """
    first, middle, last = (float(x) for x in shape)
    length = paths.lengths[paths.path_of_token]
    pos = paths.position
    w = np.where(pos == 0, first, np.where(pos == length - 1, last, 0.0))
    mid = (pos > 0) & (pos < length - 1)
    w[mid] = middle / (length[mid] - 2)
    two = length == 2
    w[two] = np.where(pos[two] == 0, first, last) / (first + last)
    w[length == 1] = 1.0
    return w


def check_position_shape(shape: Sequence[float]) -> tuple[float, float, float]:
    """Validate a (first, middle, last) U shape; raise DataError naming the fix."""
    try:
        first, middle, last = (float(x) for x in shape)
    except (TypeError, ValueError) as err:
        raise DataError(
            f"position_weights must be three numbers (first, middle, last), got {shape!r}"
        ) from err
    values = np.array([first, middle, last])
    if np.any(~np.isfinite(values)) or np.any(values < 0) or abs(values.sum() - 1) > 1e-9:
        raise DataError(
            f"position_weights {shape!r} must be three shares of 0 or more that add up to 1, "
            "e.g. (0.4, 0.2, 0.4)"
        )
    if first + last <= 0:
        raise DataError(
            f"position_weights {shape!r} give nothing to the first and last touches, so a "
            "two-touch path has no credit to split; give them a positive share"
        )
    return first, middle, last


def time_decay_credit(
    timing: TouchTiming,
    n_channels: int,
    *,
    half_life_days: float,
    journey_scale: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Credit conversions to touches by exponential decay before the conversion.

    A touch ``d`` days before the conversion weighs ``2 ** (-d / half_life_days)``; each
    converting journey's conversion (and value) is split in proportion to its touches'
    weights.

    Parameters
    ----------
    timing : TouchTiming
        Touches of the converting journeys.
    n_channels : int
        Number of channels (length of the outputs).
    half_life_days : float, keyword-only
        Days after which a touch's weight halves; positive.
    journey_scale : numpy.ndarray, optional
        ``(n_journeys,)`` multiplier of each journey's conversion (bootstrap weights).

    Returns
    -------
    conversions, value : numpy.ndarray
        ``(n_channels,)`` credited conversions and value (currency units).
    """
    if not (np.isfinite(half_life_days) and half_life_days > 0):
        raise DataError(f"half_life_days must be a positive number, got {half_life_days!r}")
    offsets = timing.journey_offsets
    # subtract each journey's smallest delay first so that weights never underflow to 0
    d_min = np.minimum.reduceat(timing.days_before, offsets[:-1])
    lengths = np.diff(offsets)
    rel = timing.days_before - np.repeat(d_min, lengths)
    w = np.exp2(-rel / half_life_days)
    total = np.add.reduceat(w, offsets[:-1])
    share = w / np.repeat(total, lengths)
    conv = np.ones(timing.n_journeys) if journey_scale is None else journey_scale
    value = timing.value * conv
    credit_conv = np.bincount(
        timing.channel, weights=share * np.repeat(conv, lengths), minlength=n_channels
    )
    credit_value = np.bincount(
        timing.channel, weights=share * np.repeat(value, lengths), minlength=n_channels
    )
    return credit_conv, credit_value
