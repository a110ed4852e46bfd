"""Result objects of the simulator: the tables with their ground truth, and JSON round-trips."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

if TYPE_CHECKING:  # pragma: no cover
    import os

    from mmm.data.dataset import Dataset


# --------------------------------------------------------------------------------------
# Result objects
# --------------------------------------------------------------------------------------


def _array_to_json(da: xr.DataArray) -> dict:
    coords = {}
    for name, coord in da.coords.items():
        values = coord.values
        if np.issubdtype(values.dtype, np.datetime64):
            data = [str(v)[:10] for v in values.astype("datetime64[D]")]
            kind = "date"
        else:
            data = values.tolist()
            kind = "value"
        coords[str(name)] = {"dims": list(coord.dims), "kind": kind, "data": data}
    return {
        "name": da.name,
        "dims": list(da.dims),
        "coords": coords,
        "data": np.asarray(da.values, dtype=float).tolist(),
    }


def _array_from_json(d: dict) -> xr.DataArray:
    coords = {}
    for name, c in d["coords"].items():
        if c["kind"] == "date":
            values = pd.DatetimeIndex(c["data"]).values.astype("datetime64[ns]")
        else:
            values = np.asarray(c["data"])
            if values.dtype.kind in "UO" or values.size == 0:
                values = np.asarray(c["data"], dtype=object)
        coords[name] = (tuple(c["dims"]), values)
    return xr.DataArray(
        np.asarray(d["data"], dtype=float), dims=tuple(d["dims"]), coords=coords, name=d["name"]
    )


_TRUTH_ARRAYS = ("contributions", "baseline", "expected", "spend", "roas", "noise")


@dataclass(frozen=True, eq=False)
class SimulationTruth:
    """Everything the simulator knows: true contributions, baseline, returns and parameters.

    Attributes
    ----------
    contributions : xarray.DataArray
        Dims ``(date, geo, outcome, series, path)``; original units of each outcome
        (euros, visits, searches) per period (week, or day for daily data). ``path`` is ``"direct"`` or ``"mediated"``
        (through ``brand_search``). ``series`` labels are ``"channel|audience"`` with
        non-index coords ``channel`` and ``audience``. For ``brand_search`` the media
        effect is on the ``direct`` path and the mediated path is zero.
    baseline : xarray.DataArray
        Dims ``(date, geo, outcome)``: everything that is not media (intercept, trend,
        seasonality, holidays, controls and, for online sales and store visits, the
        mediator's non-media part including its noise, times ``delta``).
    expected : xarray.DataArray
        Dims ``(date, geo, outcome)``: ``baseline + contributions.sum(("series", "path"))``;
        the outcome without its own noise.
    spend : xarray.DataArray
        Dims ``(date, geo, series)``; euros a period (week or day).
    roas : xarray.DataArray
        Dims ``(outcome, series, path)`` with ``path`` in ``("direct", "mediated",
        "total")``: contributions summed over date and geo divided by spend summed over
        date and geo. Euros per euro for online sales, visits per euro for store visits,
        searches per euro for branded search.
    params : dict
        JSON-ready parameters: ``seed`` and the other arguments (``freq`` included);
        ``channels`` (per channel:
        ``stage``, ``adstock`` ``"geometric"``/``"delayed"``, ``alpha``, ``theta`` (None for
        geometric), ``l_max``, ``half`` in multiples of mean spend, ``slope``); ``series``
        (per label: ``channel``, ``audience``, ``stage``, ``mean_spend``, ``cpm``);
        ``target_roas``; ``beta`` (outcome -> series -> geo -> effect at full saturation,
        outcome units a period); ``gamma_m`` (awareness series -> geo -> searches a period);
        ``delta`` (outcome -> geo -> outcome units per branded search); ``noise_sd``
        (outcome -> geo); ``baseline`` (per outcome: ``intercept`` per geo and the shape
        coefficients of the module docstring); ``geography`` (per geo: ``population``,
        ``shops`` and the shares); ``near_store_ratio``; ``media_share``;
        ``mediator_share``.
    noise : xarray.DataArray
        Dims ``(date, geo, outcome)``: the noise draws, so that the observed outcome equals
        ``expected + noise``.
    """

    contributions: xr.DataArray
    baseline: xr.DataArray
    expected: xr.DataArray
    spend: xr.DataArray
    roas: xr.DataArray
    params: dict
    noise: xr.DataArray

    def to_json(self) -> dict:
        """Plain JSON-serialisable form (lists, floats, strings; dates as ISO strings).

        Floats are Python floats, so ``json.dumps`` writes them in their shortest
        round-trip form and :meth:`from_json` restores them bit for bit.
        """
        out: dict[str, Any] = {"format": "mmm.SimulationTruth", "version": 1}
        for name in _TRUTH_ARRAYS:
            out[name] = _array_to_json(getattr(self, name))
        out["params"] = self.params
        return out

    @classmethod
    def from_json(cls, data: dict) -> SimulationTruth:
        """Inverse of :meth:`to_json`."""
        if not isinstance(data, dict) or data.get("format") != "mmm.SimulationTruth":
            raise ValueError(
                "from_json expects the dictionary written by SimulationTruth.to_json "
                "(key 'format' = 'mmm.SimulationTruth'); got something else."
            )
        arrays = {name: _array_from_json(data[name]) for name in _TRUTH_ARRAYS}
        return cls(params=data["params"], **arrays)


@dataclass(frozen=True, eq=False)
class Simulation:
    """A simulated data set (tables in the loader's input format) and its truth.

    Attributes
    ----------
    media : pandas.DataFrame
        Long table, one row per (date, geo, channel, audience): ``spend`` (euros a week)
        and ``impressions`` (count); a row per week, or per day with ``freq="D"``.
    outcomes : pandas.DataFrame
        One row per (date, geo): ``online_sales`` (euros), ``store_visits`` (visits),
        ``brand_search`` (searches).
    controls : pandas.DataFrame
        One row per (date, geo): ``price_index`` (1 = first week), ``promo`` and
        ``holiday`` (0/1).
    channels : pandas.DataFrame
        One row per channel: ``channel``, ``stage``, ``max_lag`` (periods: weeks or days), ``roas_prior``
        (NaN: no prior), ``description``.
    geos : pandas.DataFrame or None
        ``geo``, ``population``, ``shops``; None for national data.
    truth : SimulationTruth
    """

    media: pd.DataFrame
    outcomes: pd.DataFrame
    controls: pd.DataFrame
    channels: pd.DataFrame
    geos: pd.DataFrame | None
    truth: SimulationTruth

    def write(self, directory: str | os.PathLike) -> dict[str, Path]:
        """Write the tables as CSV and the truth as JSON.

        Parameters
        ----------
        directory : str or path-like
            Created if missing. Files ``media.csv``, ``outcomes.csv``, ``controls.csv``,
            ``channels.csv``, ``geos.csv`` (geo data only) and ``truth.json`` are
            overwritten.

        Returns
        -------
        dict of str to pathlib.Path
            Keys ``"media"``, ``"outcomes"``, ``"controls"``, ``"channels"``, (``"geos"``),
            ``"truth"``.

        Notes
        -----
        Floats are written in their shortest round-trip form, dates as ``YYYY-MM-DD`` and
        lines end with ``\\n``; the same simulation gives byte-identical files.
        """
        root = Path(directory)
        root.mkdir(parents=True, exist_ok=True)
        tables = {
            "media": self.media,
            "outcomes": self.outcomes,
            "controls": self.controls,
            "channels": self.channels,
        }
        if self.geos is not None:
            tables["geos"] = self.geos
        paths: dict[str, Path] = {}
        for name, table in tables.items():
            path = root / f"{name}.csv"
            table.to_csv(path, index=False, lineterminator="\n", date_format="%Y-%m-%d")
            paths[name] = path
        path = root / "truth.json"
        path.write_text(json.dumps(self.truth.to_json(), allow_nan=False), encoding="utf-8")
        paths["truth"] = path
        return paths

    def to_dataset(self) -> Dataset:
        """The tables loaded through :func:`mmm.data.load_dataset`.

        Returns
        -------
        mmm.data.Dataset
            Validated dataset with dims ``(date, geo, series)`` for spend and
            ``(date, geo, outcome)`` for the observed outcomes.
        """
        from mmm.data import load_dataset

        return load_dataset(
            self.media, self.outcomes, self.channels, controls=self.controls, geos=self.geos
        )
