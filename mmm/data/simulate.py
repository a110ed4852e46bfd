r"""Ground-truth simulator: weekly or daily media, controls and outcomes with every true
effect known.

:func:`simulate` draws a data set for a luxury fashion brand that sells online and in
stores, together with a :class:`SimulationTruth` holding the exact contribution of each
media series to each outcome. Models are checked by fitting them to simulated data and
comparing estimates with the truth.

Generative process
------------------
Indices: week :math:`t = 0 \dots T-1` (dates Monday-start, frequency ``"W-MON"``; days
with ``freq="D"``, see *Daily data* below for what changes), geo
:math:`g`, media series :math:`s` (one (channel, audience) pair, label
``"channel|audience"``) of channel :math:`c(s)`, outcome :math:`k \in` {``online_sales``
(euros), ``store_visits`` (visits), ``brand_search`` (branded searches)}. Random draws
come from independent streams spawned from ``seed`` (calendar, parameters, spend, geos,
impressions, noise), so the national spend is the same whatever ``geos`` and
``noise_scale`` are, and ``confounded`` changes the data only through the demand terms
below (the unobserved demand shock has its own stream, used only when ``confounded > 0``).

1. Calendar controls (national, repeated in every geo).

   * ``holiday`` = 1 in the Black Friday week (the week holding the Friday after the fourth
     Thursday of November) and in the two Christmas gift weeks (Mondays from 11 to 24
     December), else 0.
   * ``promo`` = 1 in the January sales (Mondays from 8 January to 4 February), the summer
     sales (Mondays from 24 June to 21 July) and two private-sale weeks per calendar year
     (one drawn in March-May, one in September-October), else 0.
   * ``price_index`` (list price, 1 = first week) = cumulative January list-price increases
     of 2-5 % plus an AR(1) currency wobble :math:`u_t = 0.8 u_{t-1} + N(0, 0.005^2)`.

2. Baseline shape of each outcome (relative to its intercept), with
   :math:`\tau_t` = years since ``start`` and :math:`\phi_t` = years since 2000-01-03
   (calendar phase of the yearly seasonality):

   .. math::

      S_k(t) = 1 + g_k \tau_t + \sum_{j=1}^{2} \big(a_{kj} \sin 2\pi j \phi_t
               + b_{kj} \cos 2\pi j \phi_t\big) + h_k\,\mathrm{holiday}_t
               + p_k\,\mathrm{promo}_t + e_k (\mathrm{price\_index}_t - 1)

   i.e. intercept + linear trend + Fourier seasonality of order 2 + holiday effects +
   promotion effect + price effect (elasticity :math:`e_k < 0`), all in multiples of the
   intercept.

3. Carry-over, per channel (shared by all audiences of the channel), on spend
   :math:`x_{g,s,t}` in euros, with spend before the first week taken as zero (the first
   weeks therefore carry less adstock than they would in a longer history):

   .. math::

      A_{g,s,t} = \sum_{l=0}^{L-1} w_l\,x_{g,s,t-l},\qquad \sum_l w_l = 1,

   geometric for conversion channels (:math:`w_l \propto \alpha^l`, :math:`\alpha \sim
   U(0.1, 0.4)`, :math:`L = 8`), delayed for awareness channels (:math:`w_l \propto
   \alpha^{(l-\theta)^2}`, :math:`\alpha \sim U(0.5, 0.8)`, peak lag :math:`\theta \sim
   U(1, 3)` weeks, :math:`L = 13`).

4. Saturation, per channel, of adstocked spend in multiples of the series' mean weekly
   spend in that geo :math:`\bar x_{g,s}` (mean over all simulated weeks, zeros included):

   .. math::

      H_{g,s,t} = \frac{z^{n}}{z^{n} + K^{n}},\quad z = A_{g,s,t} / \bar x_{g,s},\quad
      K \sim U(0.5, 2),\ n \sim U(1, 2).

5. Mediator (branded search), awareness series only:

   .. math::

      \mathrm{brand\_search}_{g,t} = B^m_{g,t} + \sum_{s \in \mathrm{aware}}
          \gamma_{g,s} H_{g,s,t} + \varepsilon^m_{g,t},\qquad
      B^m_{g,t} = I^m_g\,S_m(t).

6. Outcomes :math:`k \in` {online_sales, store_visits}:

   .. math::

      y_{k,g,t} = \underbrace{I^k_g S_k(t) + \delta_{k,g}\,(B^m_{g,t}
          + \varepsilon^m_{g,t})}_{\text{baseline}}
        + \sum_s \beta_{k,g,s} H_{g,s,t}
        + \sum_{s \in \mathrm{aware}} \delta_{k,g}\,\gamma_{g,s} H_{g,s,t}
        + \varepsilon^k_{g,t}.

   The direct contribution of series *s* to *k* is :math:`\beta_{k,g,s} H_{g,s,t}`; the
   mediated one is :math:`\delta_{k,g}\gamma_{g,s} H_{g,s,t}`, i.e. it uses the expected
   (noiseless) media response of the mediator. The mediator's own baseline and noise,
   passed on through :math:`\delta_{k,g}`, are part of the outcome's baseline. For
   ``brand_search`` itself the contribution of series *s* is :math:`\gamma_{g,s}
   H_{g,s,t}` on the ``direct`` path.

7. Noise: :math:`\varepsilon^k_{g,t} \sim N(0, \sigma_{k,g}^2)`,
   :math:`\sigma_{k,g} = 0.05 \times \mathrm{noise\_scale} \times` the mean over weeks of
   the outcome's noiseless baseline in that geo. Outcomes stay floats (store visits are
   not rounded). The draws are kept in :attr:`SimulationTruth.noise`.

Magnitudes
----------
Effects are set from target returns so that the realised returns over the simulated
period are known exactly:

* online sales, direct ROAS: conversion series U(1.5, 4.5) (U(3, 6) for the
  ``retargeting`` and ``vic`` audiences); awareness series U(0.2, 0.6) (U(0.1, 0.3) for
  ``near_store``); mediated ROAS of awareness series U(0.3, 1.2). Total ROAS therefore
  spans about 0.4-6.
* store visits per euro, direct: a channel level :math:`v_c` (conversion U(0.03, 0.06),
  awareness U(0.03, 0.07)); broad audiences get :math:`v_c \times U(0.9, 1.1)`, the
  ``near_store`` audience :math:`v_c \times U(2.7, 3.3)` (about 3x per euro). Mediated
  visits per euro = :math:`\delta_{\mathrm{store}}` (U(0.05, 0.1) visits per search) x
  searches per euro. Cost per visit therefore spans about 4-40 euros.
* each :math:`\beta` (and :math:`\gamma`) is the target return times the series' total
  spend divided by :math:`\sum_{g,t} r_{g} H_{g,s,t}`, where :math:`r_g` is the geo
  allocation factor below (1 for national data).
* media explain a share drawn from U(0.25, 0.35) of the noiseless online sales; a share
  U(0.30, 0.45) of the online baseline comes through branded search (this sets
  :math:`\delta_{\mathrm{online}}` in euros per search); the rest is the intercept
  :math:`I^{\mathrm{online}}`. Branded search has a base level of 200,000 searches a week
  and store visits an own intercept of 40,000 visits a week (national).

Spend
-----
Per series, national, then scaled to the catalogue's mean weekly spend and rounded to
cents:

* conversion series (steady): :math:`x_t \propto \exp(0.3 z_t)`,
  :math:`z_t = \rho D_t + \sqrt{1-\rho^2}\,\eta_t`, :math:`\eta_t \sim N(0,1)` i.i.d.,
  :math:`D_t` the demand index and :math:`\rho` = ``confounded``; about 3 % of weeks are
  dark (zero spend). With :math:`\rho = 0`, :math:`D_t` is the standardised national
  noiseless baseline (a weighted mix of the online-sales and branded-search shapes). With
  :math:`\rho > 0` an *unobserved demand shock* :math:`u_t` (AR(1), coefficient 0.8,
  standardised to mean 0 and variance 1 over the simulated weeks) multiplies the
  online-sales and store-visit baseline shapes by :math:`1 + 0.1\,\rho\,u_t` and enters
  the demand index, :math:`D_t = \mathrm{std}(\mathrm{std}(\text{baseline mix}) + u_t)`.
  The shock is in no control column, so a model that reads spend as causal credits part
  of it to the conversion channels and overstates their returns (the bias that
  experiments correct, see ``docs/calibration.md``); :math:`u_t` is kept in
  ``truth.params["demand_shock"]`` (zeros when :math:`\rho = 0`).
* awareness series (flighting): bursts of 3-6 weeks on, 2-6 weeks off (zero spend), a
  weekly level :math:`\exp(0.2\,N(0,1))`, 1.6x heavier from October to December.

Daily data
----------
``freq="D"`` simulates days (frequency ``"D"``, any start day) with the same steps and
the same meaning of every parameter, written per day; the truth (``truth.roas``,
contributions, parameters) is laid out as for weekly data, with ``params["freq"]``
recording the frequency. What changes:

* Calendar: ``holiday`` = 1 on the four days from Black Friday to Cyber Monday and on the
  Christmas gift days (11 to 24 December); ``promo`` = 1 on the days of the January sales
  (8 January to 4 February) and the summer sales (24 June to 21 July) and on two private
  sales of seven days per calendar year (each starting on a day drawn in March-May and in
  September-October that is neither a holiday nor a promotion); the currency wobble is
  AR(1) per day with the weekly persistence (:math:`0.8^{1/7}` a day) and the same
  stationary spread.
* Day of week: the baseline shape gains a term :math:`w_k(\mathrm{dow}_t)` in multiples
  of the intercept, summing to zero over the seven days: a typical profile per outcome
  (online sales high on Sunday and Monday, shops busiest on Saturday, branded search
  early in the week) plus :math:`N(0, 0.02)` per day, centred, drawn from a stream of its
  own (``params["baseline"][k]["weekday"]``, Monday first).
* Carry-over in days: the kernels of step 3 are drawn as for weeks and written per day,
  geometric :math:`\alpha_{\mathrm{day}} = \alpha^{1/7}` (half-lives of 2.1 to 5.3
  days), delayed :math:`\theta_{\mathrm{day}} = 7\theta` (peak 7 to 21 days after
  spend) and :math:`\alpha_{\mathrm{day}} = \alpha^{1/49}`, so a day's weight equals
  the weekly kernel at the same time after spend; :math:`L = 28` days (conversion) and
  63 days (awareness). Saturation is in multiples of the mean daily spend.
* Spend: the catalogue's weekly mean spend is spread over the seven days (mean daily spend
  = ``mean_spend / 7``); conversion series draw :math:`\eta_t = \sqrt{0.8}\,\eta^{w}_{
  \lfloor t/7 \rfloor} + \sqrt{0.2}\,\eta^{d}_t` (a budget level per week of the data
  plus daily pacing, both i.i.d. N(0, 1)), so that spend varies on the time scale of its
  carry-over; awareness flights last 14-42 days on and 7-42 days off, with a level per day.
* Levels and noise: branded search has a base level of 200,000 / 7 searches a day and
  store visits an intercept of 40,000 / 7 a day; the noise sd is :math:`0.05 \sqrt{7}`
  (about 13 %) x ``noise_scale`` x the mean daily baseline, so that a week's sum is about
  as noisy as a week of the weekly simulator. The unobserved demand shock (with
  ``confounded > 0``) is AR(1) with coefficient :math:`0.8^{1/7}` a day.

Geos
----
With ``geos = n > 0``: population :math:`P_g` (log-normal around 1.2 million), shops
:math:`N_g` (the smallest quarter of geos, at least one when :math:`n \ge 2`, have none;
the others :math:`\max(1, \mathrm{round}(P_g / 800{,}000))`). Shares:
:math:`w_g = P_g / \sum P` (population), :math:`u_g \propto w_g (1 + N_g)` (store access
of broad audiences and the store baseline: residents of geos without shops still travel
to shops elsewhere) and :math:`u^{\mathrm{near}}_g = N_g / \sum N` (``near_store``
audiences drive store visits only where there are shops). Each week, national spend is
split across geos in proportion to :math:`w_g \exp(0.15\,N(0,1))`, to the cent (largest
remainder), so geo spend sums exactly to the national spend. Geo effects scatter around
the national mean: :math:`r_g = \text{share}_g \times \exp(0.15\,N(0,1))` for every
(outcome, series, geo) (share :math:`w_g` for online sales and branded search,
:math:`u_g` or :math:`u^{\mathrm{near}}_g` for store visits);
:math:`\delta_{\mathrm{store},g} = \delta_{\mathrm{store}} u_g / w_g`; intercepts are
split by the same shares times :math:`\exp(0.1\,N(0,1))`, renormalised to the national
level. National data use the single geo ``"all"``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mmm.data._sim_calendar import (
    _controls,
    _controls_daily,
    _shape,
    _shape_params,
    _weekday_params,
)
from mmm.data._sim_catalogue import _check_catalogue, default_catalogue
from mmm.data._sim_constants import (
    OUTCOMES,
    PATHS,
)
from mmm.data._sim_draws import (
    _channel_params,
    _national_spend,
    _targets,
)
from mmm.data._sim_effects import (
    _baseline_and_noise,
    _contributions,
    _demand_index,
    _media_response,
    _Shares,
    _split_geos,
    _tables,
    _true_effects,
    _truth_arrays,
    _truth_params,
)
from mmm.data._sim_truth import Simulation, SimulationTruth

__all__ = [
    "OUTCOMES",
    "PATHS",
    "Simulation",
    "SimulationTruth",
    "default_catalogue",
    "simulate",
]


#: Simulated frequencies: pandas frequency of the dates and days per period.
FREQS = {"W": ("W-MON", 7), "D": ("D", 1)}


def _check_args(n_periods, start, geos, seed, confounded, noise_scale, freq) -> pd.Timestamp:
    def is_int(v):
        return isinstance(v, int | np.integer) and not isinstance(v, bool)

    problems = []
    if freq not in FREQS:
        problems.append(f"freq={freq!r} must be 'W' (weekly) or 'D' (daily).")
    unit = "days" if freq == "D" else "weeks"
    if not is_int(n_periods) or n_periods < 2:
        problems.append(f"n_periods={n_periods!r} must be an integer >= 2 ({unit}).")
    if not is_int(geos) or geos < 0:
        problems.append(f"geos={geos!r} must be an integer >= 0 (0 = national data).")
    if not is_int(seed) or seed < 0:
        problems.append(f"seed={seed!r} must be a non-negative integer.")
    if not isinstance(confounded, int | float) or not 0.0 <= float(confounded) <= 1.0:
        problems.append(f"confounded={confounded!r} must be a number in [0, 1].")
    if not isinstance(noise_scale, int | float) or not np.isfinite(noise_scale) or noise_scale < 0:
        problems.append(f"noise_scale={noise_scale!r} must be a finite number >= 0.")
    ts = None
    try:
        ts = pd.Timestamp(start)
    except (TypeError, ValueError):
        problems.append(f"start={start!r} is not a date; give an ISO date such as '2023-01-02'.")
    if ts is not None and ts != ts.normalize():
        problems.append(f"start={start!r} has a time of day; give a date such as '2023-01-02'.")
    elif ts is not None and freq != "D" and ts.weekday() != 0:
        problems.append(
            f"start={start!r} is a {ts.day_name()}; weeks start on Monday (freq 'W-MON'). "
            "Give a Monday, e.g. '2023-01-02'."
        )
    if problems:
        raise ValueError("simulate: " + " ".join(problems))
    return ts


def simulate(
    *,
    n_periods: int = 156,
    start: str = "2023-01-02",
    geos: int = 0,
    seed: int = 0,
    confounded: float = 0.0,
    noise_scale: float = 1.0,
    catalogue: pd.DataFrame | None = None,
    freq: str = "W",
) -> Simulation:
    """Simulate weekly or daily media, controls and outcomes with known true effects.

    The generative process is described equation by equation in the docstring of
    :mod:`mmm.data.simulate`.

    Parameters
    ----------
    n_periods : int, default 156
        Number of periods (>= 2): weeks, or days with ``freq="D"``.
    start : str, default "2023-01-02"
        First period (ISO date): a Monday for weekly data, any day for daily data.
    geos : int, default 0
        0 for national data (single geo ``"all"``); ``n > 0`` for ``n`` geos named
        ``geo_01`` ... with population and shops.
    seed : int, default 0
        Seed of every random draw; the same arguments give identical results.
    confounded : float, default 0.0
        In [0, 1]: correlation strength between the (log) spend of conversion series and
        the demand index. Above 0 the demand also holds an unobserved shock that moves the
        online-sales and store-visit baselines (absent from the controls), so spend
        follows demand the model cannot see. 0 = spend independent of demand.
    noise_scale : float, default 1.0
        Multiplies the noise standard deviations (5 % of each outcome's baseline level a
        week); 0 gives noiseless outcomes.
    catalogue : pandas.DataFrame, optional
        Media series to simulate (ordered by channel as first listed, then by audience
        name, as in :class:`mmm.data.Dataset`): columns ``channel``, ``audience``, ``stage`` and
        optionally ``mean_spend`` (euros a week, national), ``cpm`` (euros per thousand
        impressions), ``description``. Defaults to :func:`default_catalogue`. An audience
        named ``near_store`` drives about 3x the store visits per euro of the channel's
        other audiences. Optional columns set true returns instead of drawing them
        (an empty cell draws as usual): ``online_roas`` (direct online euros per euro),
        ``online_mediated_roas`` (awareness series only: online euros per euro through
        branded search), ``store_visits_per_euro`` (direct visits per euro). They are the
        realised returns over the simulated period, in ``truth.roas``; the other draws of
        the seed (spend, calendar, other series' online returns) stay as they were.
    freq : {"W", "D"}, default "W"
        ``"W"``: weekly data (dates Monday-start). ``"D"``: daily data, with day-of-week
        patterns, holiday days, daily flights and carry-over in days (module docstring,
        *Daily data*).

    Returns
    -------
    Simulation
        Tables in the input format of :func:`mmm.data.load_dataset` and the truth.

    Raises
    ------
    ValueError
        An argument is out of range (the message names it and what is allowed).
    mmm.errors.DataError
        The catalogue is malformed (every problem listed, with rows).

    Examples
    --------
    >>> sim = simulate(seed=1, n_periods=52)
    >>> dict(sim.truth.contributions.sizes)
    {'date': 52, 'geo': 1, 'outcome': 3, 'series': 11, 'path': 2}
    >>> len(sim.media) == 52 * 11
    True
    >>> simulate(seed=1, n_periods=28, freq="D").outcomes["date"].iloc[:2].dt.day_name().tolist()
    ['Monday', 'Tuesday']
    """
    start_ts = _check_args(n_periods, start, geos, seed, confounded, noise_scale, freq)
    cat = _check_catalogue(catalogue if catalogue is not None else default_catalogue())
    args: dict[str, Any] = {
        "seed": int(seed),
        "n_periods": int(n_periods),
        "start": str(start_ts.date()),
        "geos": int(geos),
        "confounded": float(confounded),
        "noise_scale": float(noise_scale),
        "freq": freq,
    }
    return _simulate(cat, start_ts, args)


def _simulate(cat: pd.DataFrame, start_ts: pd.Timestamp, args: dict[str, Any]) -> Simulation:
    """The steps of :func:`simulate` on checked arguments (``args``: its keyword values)."""
    seed, geos, confounded = args["seed"], args["geos"], args["confounded"]
    daily = args["freq"] == "D"
    dates = pd.date_range(start_ts, periods=args["n_periods"], freq=FREQS[args["freq"]][0])
    streams = np.random.SeedSequence(seed).spawn(6)
    rng_cal, rng_par, rng_spend, rng_geo, rng_imp, rng_noise = (
        np.random.default_rng(s) for s in streams
    )

    # 1-2. calendar and baseline shapes
    controls = _controls_daily(dates, rng_cal) if daily else _controls(dates, rng_cal)
    chan = _channel_params(cat, rng_par, daily)
    targets = _targets(cat, chan, rng_par)
    shape_p = _shape_params(rng_par)
    if daily:  # the day-of-week effects have a stream of their own
        rng_day = np.random.default_rng(np.random.SeedSequence(seed).spawn(8)[7])
        for k, v in _weekday_params(rng_day).items():
            shape_p[k]["weekday"] = v
    shapes = {k: _shape(shape_p[k], dates, controls) for k in OUTCOMES}
    shares = _Shares(
        media=float(rng_par.uniform(0.25, 0.35)),
        mediator=float(rng_par.uniform(0.30, 0.45)),
        delta_store=float(rng_par.uniform(0.05, 0.10)),
    )
    demand, shock = _demand_index(shapes, shares.mediator, confounded, seed, daily)

    # spend (national, cents) and geo split
    nat_cents = _national_spend(cat, dates, demand, confounded, rng_spend, daily)  # (S, T)
    geo, cents = _split_geos(nat_cents, geos, rng_geo)
    spend = cents.astype(float) / 100.0  # (G, S, T) euros

    # 3-6. transforms, true effects and levels, contributions, baselines and noise
    response = _media_response(spend, cat, chan)
    effects = _true_effects(
        cat,
        targets,
        geo,
        geos,
        response,
        spend,
        shapes,
        shares,
        rng_geo,
        periods_a_week=7 if daily else 1,
    )
    contrib = _contributions(effects, response)
    # daily noise: sqrt(7) x the weekly share, so that a week's sum is as noisy as a week
    noise_scale = args["noise_scale"] * (np.sqrt(7.0) if daily else 1.0)
    baseline, noise, sd = _baseline_and_noise(effects, shapes, noise_scale, rng_noise)
    expected = baseline + contrib.sum(axis=(3, 4))

    arrays = _truth_arrays(
        dates, geo, cat, targets["labels"], contrib, baseline, expected, noise, spend
    )
    params: dict[str, Any] = {
        k: args[k] for k in ("seed", "n_periods", "start", "geos", "confounded")
    } | {
        "demand_shock": shock.tolist(),
        "noise_scale": args["noise_scale"],
        "channels": chan,
    }
    params |= _truth_params(cat, targets, effects, geo, sd, shape_p, shares)
    params["freq"] = args["freq"]
    truth = SimulationTruth(**arrays, params=params)
    return _tables(dates, geo, cat, chan, spend, expected + noise, controls, rng_imp, truth)
