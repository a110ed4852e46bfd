"""Lift tests of simulated data, read off the simulator's known truth.

:func:`true_lift` recomputes the simulator's media response with the spend of the tested
cells reduced during the window, exactly as the data were generated (carry-over in
currency, saturation on the series' mean weekly spend, the true effects), so the lift of
a test is known without noise. :func:`experiment_from_truth` turns it into a row of the
experiments table with a stated standard error (and optional measurement noise).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mmm.names import series_label


def true_lift(
    sim,
    *,
    channel: str,
    start,
    end,
    fraction: float,
    outcome: str,
    audience: str | None = None,
    geo: str | None = None,
    readout_end=None,
) -> tuple[float, float]:
    """True incremental outcome of reducing a channel's spend in a window.

    Parameters
    ----------
    sim : Simulation
        Output of :func:`mmm.data.simulate.simulate`.
    channel, audience, geo : str
        Tested cells (``None``: every audience / geo).
    start, end : date-like
        First and last week of the test (inclusive).
    fraction : float
        Share of the cells' spend withheld in the window (1 = holdout).
    outcome : str
        ``online_sales`` or ``store_visits`` (direct and mediated paths both count).
    readout_end : date-like, optional
        Last week of the outcome reading (default ``end``): weeks after ``end`` count the
        carry-over of the withheld spend.

    Returns
    -------
    lift : float
        Outcome units, summed over the window's weeks.
    spend_change : float
        Currency withheld.
    """
    from mmm.data._sim_kernels import _convolve, _delayed_weights, _geometric_weights, _hill

    t = sim.truth
    p = t.params
    dates = pd.DatetimeIndex(t.spend.coords["date"].values)
    win = np.asarray((dates >= pd.Timestamp(start)) & (dates <= pd.Timestamp(end)))
    last = pd.Timestamp(end if readout_end is None else readout_end)
    read = np.asarray((dates >= pd.Timestamp(start)) & (dates <= last))
    geos = [str(g) for g in t.spend.coords["geo"].values]
    lift = change = 0.0
    ch = p["channels"][channel]
    if ch["adstock"] == "geometric":
        w = _geometric_weights(ch["alpha"], ch["l_max"])
    else:
        w = _delayed_weights(ch["alpha"], ch["theta"], ch["l_max"])
    for lab, info in p["series"].items():
        if info["channel"] != channel or (audience is not None and info["audience"] != audience):
            continue
        for g in geos:
            if geo is not None and g != geo:
                continue
            x = t.spend.sel(series=lab, geo=g).values.astype(float)
            mean = x.mean()
            if mean <= 0:
                continue
            x_cf = x * (1.0 - fraction * win)
            dh = _hill(_convolve(x, w) / mean, ch["half"], ch["slope"])
            dh = dh - _hill(_convolve(x_cf, w) / mean, ch["half"], ch["slope"])
            eff = p["beta"][outcome][lab][g]
            if lab in p["gamma_m"]:
                eff += p["delta"][outcome][g] * p["gamma_m"][lab][g]
            lift += float(eff * dh[read].sum())
            change += float((x - x_cf)[win].sum())
    if change <= 0:
        raise ValueError(f"no spend of {series_label(channel, audience or '*')} in the window.")
    return lift, change


def experiment_from_truth(
    sim,
    *,
    name: str,
    channel: str,
    start,
    end,
    fraction: float,
    outcome: str = "online_sales",
    rel_se: float = 0.1,
    noise: bool = False,
    seed: int = 0,
    audience: str | None = None,
    geo: str | None = None,
    readout_end=None,
) -> dict:
    """One experiments-table row whose lift is the simulator's true lift.

    ``lift_se = rel_se * |true lift|``; with ``noise=True`` the reported lift is the true
    lift plus a Normal(0, lift_se) draw (seeded), as a real test would measure it.
    """
    lift, change = true_lift(
        sim,
        channel=channel,
        start=start,
        end=end,
        fraction=fraction,
        outcome=outcome,
        audience=audience,
        geo=geo,
        readout_end=readout_end,
    )
    se = rel_se * abs(lift)
    measured = lift + (np.random.default_rng(seed).normal(0.0, se) if noise else 0.0)
    t = sim.truth.spend
    dates = pd.DatetimeIndex(t.coords["date"].values)
    win = (dates >= pd.Timestamp(start)) & (dates <= pd.Timestamp(end))
    sel = t.sel(
        series=[
            s
            for s in t.coords["series"].values
            if sim.truth.params["series"][str(s)]["channel"] == channel
            and (audience is None or sim.truth.params["series"][str(s)]["audience"] == audience)
        ]
    )
    if geo is not None:
        sel = sel.sel(geo=[geo])
    spend = float(sel.values[np.asarray(win)].sum())
    return {
        "name": name,
        "channel": channel,
        "audience": audience,
        "geo": geo,
        "outcome": outcome,
        "start": pd.Timestamp(start),
        "end": pd.Timestamp(end),
        "readout_end": pd.Timestamp(end if readout_end is None else readout_end),
        "spend": spend,
        "spend_change": change,
        "lift": measured,
        "lift_se": se,
    }
