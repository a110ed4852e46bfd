"""Design of the model: scaling constants and baseline features as plain NumPy.

Everything here is a pure function of the dataset (and, for future dates, of the
stored :class:`Design`), so analysis and forecasting rebuild the exact arrays the
model saw without a live PyMC model.

Scaling
-------
* spend of series ``s`` in geo ``g`` is divided by ``spend_scale[g, s]``: its mean over
  the dates with positive spend in that geo (the national mean over (date, geo) cells
  where the geo never bought the series), so saturation parameters are in multiples of a
  typical week's spend in each geo and a large geo saturates at a larger spend than a
  small one, as a curve per head would (saved fits of earlier versions hold one scale per
  series, ``spend_scale[s]``, and load as they were);
* outcome ``k`` in geo ``g`` is divided by ``outcome_scale[g, k]``: its mean over dates;
* the mediator in geo ``g`` is divided by ``mediator_scale[g]``;
* controls are centred and divided by their standard deviation (constant columns by 1).

Time
----
``t`` runs from 0 at the first training date to 1 at the last (linear in periods) and
extends beyond 1 for future dates. Yearly seasonality uses Fourier terms of the day of
year, ``sin(2 pi j doy / 365.25)`` and ``cos(...)`` for ``j = 1..order``.

Day of week
-----------
On daily data (one day per period) the seasonal features also hold six day-of-week
columns: the orthonormal zero-sum (Helmert) contrasts of the seven days, Monday first, read
at each date's weekday (:func:`weekday_contrasts`). Their coefficients give day effects
that sum to zero over a week, so they do not trade off against the level; weekly data have
no such columns.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mmm.errors import SpecError


@dataclass(frozen=True)
class Design:
    """Constants that map data to the model's scaled space (all NumPy / lists).

    Attributes
    ----------
    spend_scale : ndarray, dims (geo, series)
    outcome_scale : ndarray, dims (geo, outcome)
    mediator_scale : ndarray or None, dims (geo,)
    control_names : tuple of str
    control_center, control_scale : ndarray, dims (control,)
    first_date : pandas.Timestamp
    period_days : float
        Length of one period in days (7 for weekly data).
    n_train : int
        Number of training periods (t = 1 at the last one).
    yearly_order : int
    changepoints : ndarray
        Positions of the piecewise-trend changepoints on the t scale.
    day_of_week : bool
        Whether the seasonal features hold the six day-of-week contrasts (daily data;
        False for fits saved before daily support).
    """

    spend_scale: np.ndarray
    outcome_scale: np.ndarray
    mediator_scale: np.ndarray | None
    control_names: tuple[str, ...]
    control_center: np.ndarray
    control_scale: np.ndarray
    first_date: pd.Timestamp
    period_days: float
    n_train: int
    yearly_order: int
    changepoints: np.ndarray
    day_of_week: bool = False

    # -------------------------------------------------------------- features
    def time_index(self, dates: pd.DatetimeIndex) -> np.ndarray:
        """``t`` for each date, dims (date,): 0 at the first training date, 1 at the last."""
        steps = (pd.DatetimeIndex(dates) - self.first_date) / pd.Timedelta(days=self.period_days)
        return np.asarray(steps, dtype=float) / max(self.n_train - 1, 1)

    def fourier(self, dates: pd.DatetimeIndex) -> np.ndarray:
        """Seasonal features, dims (date, fourier): ``2 * yearly_order`` yearly Fourier
        columns, then, with ``day_of_week``, the six day-of-week contrasts."""
        dates = pd.DatetimeIndex(dates)
        doy = (dates - pd.Timestamp("2000-01-01")).days.to_numpy(dtype=float)
        cols = []
        for j in range(1, self.yearly_order + 1):
            ang = 2 * np.pi * j * doy / 365.25
            cols += [np.sin(ang), np.cos(ang)]
        if self.day_of_week:
            cols += list(weekday_contrasts()[dates.day_of_week.to_numpy()].T)
        if not cols:
            return np.zeros((len(dates), 0))
        return np.stack(cols, axis=1)

    def seasonal_names(self) -> list[str]:
        """Names of the columns of :meth:`fourier`: ``sin_1``, ``cos_1``, ... then
        ``weekday_1`` ... ``weekday_6``."""
        names = [f"{f}_{j}" for j in range(1, self.yearly_order + 1) for f in ("sin", "cos")]
        return names + (WEEKDAY_NAMES if self.day_of_week else [])

    def trend_basis(self, dates: pd.DatetimeIndex) -> np.ndarray:
        """Piecewise-linear basis ``max(0, t - c_j)``, dims (date, changepoint)."""
        t = self.time_index(dates)
        return np.maximum(0.0, t[:, None] - self.changepoints[None, :])

    def scale_controls(self, controls: np.ndarray) -> np.ndarray:
        """Centre and scale raw controls, dims (date, geo, control)."""
        if controls.shape[-1] == 0:
            return controls.astype(float)
        return (controls - self.control_center) / self.control_scale

    # --------------------------------------------------------- serialisation
    def to_dict(self) -> dict:
        """Plain dict for JSON (arrays as lists, dates as ISO strings)."""
        return {
            "spend_scale": self.spend_scale.tolist(),
            "outcome_scale": self.outcome_scale.tolist(),
            "mediator_scale": None if self.mediator_scale is None else self.mediator_scale.tolist(),
            "control_names": list(self.control_names),
            "control_center": self.control_center.tolist(),
            "control_scale": self.control_scale.tolist(),
            "first_date": self.first_date.isoformat(),
            "period_days": self.period_days,
            "n_train": self.n_train,
            "yearly_order": self.yearly_order,
            "changepoints": self.changepoints.tolist(),
            "day_of_week": self.day_of_week,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Design:
        """Inverse of :meth:`to_dict`."""
        return cls(
            spend_scale=np.asarray(d["spend_scale"], dtype=float),
            outcome_scale=np.asarray(d["outcome_scale"], dtype=float),
            mediator_scale=None
            if d["mediator_scale"] is None
            else np.asarray(d["mediator_scale"], dtype=float),
            control_names=tuple(d["control_names"]),
            control_center=np.asarray(d["control_center"], dtype=float),
            control_scale=np.asarray(d["control_scale"], dtype=float),
            first_date=pd.Timestamp(d["first_date"]),
            period_days=float(d["period_days"]),
            n_train=int(d["n_train"]),
            yearly_order=int(d["yearly_order"]),
            changepoints=np.asarray(d["changepoints"], dtype=float),
            day_of_week=bool(d.get("day_of_week", False)),
        )


#: Names of the day-of-week contrasts among the seasonal features.
WEEKDAY_NAMES = [f"weekday_{j}" for j in range(1, 7)]


def weekday_contrasts() -> np.ndarray:
    """Orthonormal zero-sum contrasts of the seven days, dims (weekday, contrast) = (7, 6).

    Row ``d`` is weekday ``d`` (0 = Monday). Contrast ``j`` (1-based) puts
    ``1 / sqrt(j (j + 1))`` on the first ``j`` days and ``-j / sqrt(j (j + 1))`` on day
    ``j + 1``, so every column sums to zero over the week and the columns are orthonormal:
    coefficients ``c`` give day effects ``weekday_contrasts() @ c`` that sum to zero, and
    independent Normal(0, s) coefficients give each day's effect the same prior spread
    ``s * sqrt(6 / 7)``.
    """
    out = np.zeros((7, 6))
    for j in range(1, 7):
        out[:j, j - 1] = 1.0 / np.sqrt(j * (j + 1))
        out[j, j - 1] = -j / np.sqrt(j * (j + 1))
    return out


def _period_days(dates: pd.DatetimeIndex) -> float:
    if len(dates) < 2:
        return 7.0
    return float(np.median(np.diff(dates.values).astype("timedelta64[s]").astype(float)) / 86400)


def make_design(spec, dataset) -> Design:
    """Compute the scaling constants and feature settings of ``spec`` on ``dataset``."""
    spend = np.asarray(dataset.spend.values, dtype=float)  # (date, geo, series)
    pos = np.where(spend > 0, spend, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices: handled below
        national = np.nanmean(pos.reshape(-1, spend.shape[-1]), axis=0)  # (series,)
        national = np.where(np.isfinite(national) & (national > 0), national, 1.0)
        scale = np.nanmean(pos, axis=0)  # (geo, series)
    scale = np.where(np.isfinite(scale) & (scale > 0), scale, national[None, :])

    missing = [o for o in spec.outcome_names if o not in dataset.outcome_names]
    if spec.mediator is not None and spec.mediator not in dataset.outcome_names:
        missing.append(spec.mediator)
    if missing:
        raise SpecError(
            f"the spec names outcome(s) {missing} that the data does not have; the outcomes "
            f"table has {list(dataset.outcome_names)}. Fix the spec or the outcomes file."
        )
    y = dataset.outcomes.sel(outcome=list(spec.outcome_names)).values.astype(float)
    oscale = np.abs(y).mean(axis=0)  # (geo, outcome)
    oscale = np.where(oscale > 0, oscale, 1.0)
    mscale = None
    if spec.mediator is not None:
        m = dataset.outcomes.sel(outcome=spec.mediator).values.astype(float)
        mscale = np.abs(m).mean(axis=0)
        mscale = np.where(mscale > 0, mscale, 1.0)

    cnames: tuple[str, ...] = ()
    if dataset.controls is not None:
        available = tuple(str(c) for c in dataset.controls.coords["control"].values)
        if spec.baseline.controls is None:
            cnames = available
        else:
            bad = [c for c in spec.baseline.controls if c not in available]
            if bad:
                raise SpecError(
                    f"controls {bad} are not in the controls table (it has {list(available)})."
                )
            cnames = tuple(spec.baseline.controls)
    elif spec.baseline.controls:
        raise SpecError(
            f"the spec asks for controls {list(spec.baseline.controls)} but no controls table was given."
        )
    if cnames:
        c = dataset.controls.sel(control=list(cnames)).values.astype(float)
        center = c.reshape(-1, len(cnames)).mean(axis=0)
        sd = c.reshape(-1, len(cnames)).std(axis=0)
        sd = np.where(sd > 0, sd, 1.0)
    else:
        center = np.zeros(0)
        sd = np.ones(0)

    dates = pd.DatetimeIndex(dataset.dates)
    n_cp = spec.baseline.n_changepoints if spec.baseline.trend == "piecewise" else 0
    changepoints = np.linspace(0, 1, n_cp + 2)[1:-1] if n_cp else np.zeros(0)
    period_days = _period_days(dates)
    return Design(
        spend_scale=scale,
        outcome_scale=oscale,
        mediator_scale=mscale,
        control_names=cnames,
        control_center=center,
        control_scale=sd,
        first_date=dates[0],
        period_days=period_days,
        n_train=len(dates),
        yearly_order=spec.baseline.yearly_order,
        changepoints=changepoints,
        # daily data: day-of-week effects on every outcome's (and the mediator's) baseline
        day_of_week=period_days == 1.0,
    )
