"""Simulated customer journeys with a known causal truth.

Every user is exposed to each channel ``c`` with probability ``reach[c]`` (independently)
and converts with probability

``p(S) = 1 - (1 - base_rate) * prod_{c in S} (1 - effect[c])``

where ``S`` is the set of channels that touched the user. The *true incremental
conversions* of channel ``c`` are the exact counterfactual on the simulated population:
remove ``c`` from every journey and recompute the expected conversions,

``Δ_c = sum_{users touched by c} [p(S) - p(S without c)]``,

and the true incremental shares are ``Δ_c / sum(Δ)``. Order does not change ``p``, so the
truth is the same for every ordering; the orderings are realistic for omnichannel retail:
users who touched the store and online channels either research online and buy in store
(online touches, then ``store_visit``, then a store conversion) or showroom (``store_visit``
first, online touches after, then an online conversion).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mmm.errors import DataError

DEFAULT_EFFECTS: dict[str, float] = {
    "display": 0.010,
    "paid_social": 0.020,
    "paid_search": 0.045,
    "email": 0.030,
    "direct": 0.025,
    "store_visit": 0.080,
}
DEFAULT_REACH: dict[str, float] = {
    "display": 0.55,
    "paid_social": 0.45,
    "paid_search": 0.30,
    "email": 0.25,
    "direct": 0.20,
    "store_visit": 0.15,
}
_NS_PER_DAY = 86_400 * 1_000_000_000


@dataclass(frozen=True, eq=False)
class SimulatedJourneys:
    """Simulated events and their truth.

    Attributes
    ----------
    events : pandas.DataFrame
        Columns ``journey_id`` (int), ``timestamp``, ``channel`` (empty on pure conversion
        rows), ``conversion`` (0/1), ``value`` (currency units, on conversion rows),
        ``conversion_type`` (``online`` / ``store`` on conversion rows) and ``audience``.
    truth : pandas.DataFrame
        One row per channel: ``channel``, ``effect`` (added conversion probability when
        alone), ``reach`` (exposure probability), ``exposed_users``,
        ``incremental_conversions`` (``Δ_c``, expected count) and ``true_share``.
    expected_conversions : float
        Expected conversions of the simulated users (``sum p(S)``).
    base_rate : float
        Conversion probability without any touch.
    seed : int
    """

    events: pd.DataFrame
    truth: pd.DataFrame
    expected_conversions: float
    base_rate: float
    seed: int


def simulate_journeys(
    *,
    n_users: int,
    channels: Sequence[str] | None = None,
    seed: int,
    effects: Mapping[str, float] | None = None,
    reach: Mapping[str, float] | None = None,
    base_rate: float = 0.002,
    extra_touches: float = 0.6,
    ropo_share: float = 0.6,
    store_channel: str = "store_visit",
    window_days: float = 21.0,
    start: str = "2025-01-01",
    period_days: float = 90.0,
    value_mean: float = 150.0,
    audiences: Sequence[str] = ("all",),
) -> SimulatedJourneys:
    """Simulate journeys whose channels have known incremental effects.

    Parameters
    ----------
    n_users : int, keyword-only
        Number of users (one journey each).
    channels : sequence of str, optional, keyword-only
        Channel names; default the six of ``DEFAULT_EFFECTS``.
    seed : int, keyword-only
        Random seed.
    effects : mapping, optional, keyword-only
        Channel -> added conversion probability when touched alone (0 to 1). Required for
        channels not in ``DEFAULT_EFFECTS``.
    reach : mapping, optional, keyword-only
        Channel -> probability that a user is touched (0 to 1). Channels not given and not
        in ``DEFAULT_REACH`` get 0.3.
    base_rate : float, keyword-only
        Conversion probability with no touch. Such conversions appear as conversion rows
        without a touch.
    extra_touches : float, keyword-only
        Mean number of repeat touches per exposed channel (Poisson), on top of one.
    ropo_share : float, keyword-only
        Among users touched by ``store_channel`` and an online channel, the share who research
        online and buy in store; the others showroom and buy online.
    store_channel : str, keyword-only
        The offline touchpoint.
    window_days : float, keyword-only
        Touches fall within this many days of the user's first touch.
    start : str, keyword-only
        First possible date.
    period_days : float, keyword-only
        Users' first touches are spread over this many days.
    value_mean : float, keyword-only
        Mean conversion value (log-normal, currency units).
    audiences : sequence of str, keyword-only
        Users are spread evenly at random over these audiences.

    Returns
    -------
    SimulatedJourneys
    """
    channels = list(DEFAULT_EFFECTS if channels is None else channels)
    effects = dict(DEFAULT_EFFECTS if effects is None else effects)
    reach = dict(DEFAULT_REACH if reach is None else reach)
    missing = [c for c in channels if c not in effects]
    if missing:
        raise DataError(f"effects has no entry for channel(s) {', '.join(missing)}; give each one")
    e = np.array([float(effects[c]) for c in channels])
    q = np.array([float(reach.get(c, 0.3)) for c in channels])
    if np.any((e < 0) | (e >= 1)) or np.any((q < 0) | (q > 1)) or not 0 <= base_rate < 1:
        raise DataError("effects must be in [0, 1), reach in [0, 1] and base_rate in [0, 1)")
    if n_users < 1:
        raise DataError(f"n_users must be at least 1, got {n_users}")
    rng = np.random.default_rng(seed)
    n_ch = len(channels)
    exposed = rng.random((n_users, n_ch)) < q
    no_touch = (1.0 - base_rate) * np.prod(np.where(exposed, 1.0 - e, 1.0), axis=1)
    p = 1.0 - no_touch
    converts = rng.random(n_users) < p
    delta = (exposed * (no_touch[:, None] * e / (1.0 - e))).sum(axis=0)
    truth = pd.DataFrame(
        {
            "channel": channels,
            "effect": e,
            "reach": q,
            "exposed_users": exposed.sum(axis=0),
            "incremental_conversions": delta,
            "true_share": delta / delta.sum() if delta.sum() > 0 else np.nan,
        }
    )

    # touches: one per exposed (user, channel) plus Poisson repeats
    user, chan = np.nonzero(exposed)
    repeats = 1 + rng.poisson(extra_touches, size=user.size)
    user = np.repeat(user, repeats)
    chan = np.repeat(chan, repeats)
    first_day = rng.uniform(0.0, period_days, size=n_users)
    day = first_day[user] + rng.uniform(0.0, window_days, size=user.size)
    store_code = channels.index(store_channel) if store_channel in channels else -1
    is_store = chan == store_code
    online_max = np.full(n_users, -np.inf)
    online_min = np.full(n_users, np.inf)
    np.maximum.at(online_max, user[~is_store], day[~is_store])
    np.minimum.at(online_min, user[~is_store], day[~is_store])
    has_online = np.isfinite(online_max)
    has_store = np.zeros(n_users, dtype=bool)
    has_store[user[is_store]] = True
    mixed = has_store & has_online
    ropo = mixed & (rng.random(n_users) < ropo_share)
    show = mixed & ~ropo
    move_ropo = is_store & ropo[user]
    day[move_ropo] = online_max[user[move_ropo]] + rng.uniform(0.05, 1.0, size=move_ropo.sum())
    move_show = is_store & show[user]
    day[move_show] = online_min[user[move_show]] - rng.uniform(0.05, 1.0, size=move_show.sum())

    last = np.full(n_users, -np.inf)
    np.maximum.at(last, user, day)
    touched = np.isfinite(last)
    in_store = ropo | (has_store & ~has_online)
    conv_user = np.flatnonzero(converts)
    delay = np.where(in_store[conv_user], 1.0 / 48.0, rng.exponential(0.5, size=conv_user.size))
    conv_day = np.where(touched[conv_user], last[conv_user], first_day[conv_user]) + delay
    sigma = 0.5
    value = rng.lognormal(np.log(value_mean) - sigma**2 / 2, sigma, size=conv_user.size)
    audience_of = np.asarray(list(audiences), dtype=object)[
        rng.integers(0, len(audiences), size=n_users)
    ]

    n_t, n_c = user.size, conv_user.size
    origin = np.datetime64(pd.Timestamp(start).to_datetime64(), "ns")
    all_day = np.concatenate([day, conv_day])
    stamps = origin + (all_day * _NS_PER_DAY).astype("timedelta64[ns]")
    channel_names = np.asarray(channels, dtype=object)
    ctype = np.where(in_store[conv_user], "store", "online").astype(object)
    ids = np.concatenate([user, conv_user])
    events = pd.DataFrame(
        {
            "journey_id": ids,
            "timestamp": stamps,
            "channel": pd.array(
                np.concatenate([channel_names[chan], np.full(n_c, None, dtype=object)]),
                dtype="str",
            ),
            "conversion": np.concatenate([np.zeros(n_t, np.int8), np.ones(n_c, np.int8)]),
            "value": np.concatenate([np.full(n_t, np.nan), value]),
            "conversion_type": pd.array(
                np.concatenate([np.full(n_t, None, dtype=object), ctype]), dtype="str"
            ),
            "audience": pd.array(audience_of[ids], dtype="str"),
        }
    )
    order = np.lexsort((events["conversion"].to_numpy(), stamps, ids))
    events = events.iloc[order].reset_index(drop=True)
    return SimulatedJourneys(
        events=events,
        truth=truth,
        expected_conversions=float(p.sum()),
        base_rate=float(base_rate),
        seed=int(seed),
    )
