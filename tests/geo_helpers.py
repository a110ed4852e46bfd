"""A small geo dataset from the simulator and a fit holding its TRUE returns (no MCMC).

``truth_fit`` puts the simulator's true return of every (outcome, geo, series) into a
:func:`mmm.analysis.known.fit_from_params` fit (``roas`` is, by the model's
parameterisation, exactly the contribution over the data divided by spend), so per-geo
tables of the analysis can be checked against the simulator's own numbers. The draws
scale every return by the same factor ``exp(z)``, ``z`` symmetric around 0 with an odd
count, so medians are the truth exactly and intervals are not degenerate.
"""

from __future__ import annotations

import warnings

import numpy as np

SERIES = [
    "paid_search|prospecting",
    "paid_social|near_store",
    "paid_social|prospecting",
    "online_video|prospecting",
]
N_DRAWS = 21
#: geo names as they appear in the tables; one holds characters HTML must escape
RENAME = {"geo_01": "north", "geo_02": "<b>south</b> & co", "geo_03": "west"}


def geo_sim(seed: int = 3):
    """3 geos (geo_01 without shops), 104 weeks, 4 series incl. near-store and broad."""
    from mmm.data.simulate import default_catalogue, simulate

    cat = default_catalogue()
    cat = cat[(cat["channel"] + "|" + cat["audience"]).isin(SERIES)].reset_index(drop=True)
    return simulate(geos=3, n_periods=104, seed=seed, catalogue=cat)


def geo_dataset(sim, rename: dict | None = None):
    """The simulation's tables as a Dataset, geos renamed by ``rename``."""
    from mmm.data import load_dataset

    ren = rename or {}

    def tab(df):
        if df is None:
            return None
        df = df.copy()
        df["geo"] = df["geo"].map(lambda g: ren.get(g, g))
        return df

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_dataset(
            tab(sim.media),
            tab(sim.outcomes),
            sim.channels,
            controls=tab(sim.controls),
            geos=tab(sim.geos),
        )


def true_totals(sim):
    """Truth per (geo, outcome, series) summed over dates and paths, and spend (geo, series)."""
    c = sim.truth.contributions.sum(("date", "path")).transpose("geo", "outcome", "series")
    sp = sim.truth.spend.sum("date").transpose("geo", "series")
    return c, sp


def truth_fit(sim, rename: dict | None = None):
    """fit_from_params with the simulator's true total return per (outcome, geo, series)."""
    from mmm.analysis.known import fit_from_params
    from mmm.spec import MediaSpec, ModelSpec, OutcomeSpec, StageSpec

    ds = geo_dataset(sim, rename)
    spec = ModelSpec(
        outcomes=(OutcomeSpec("online_sales", "revenue"), OutcomeSpec("store_visits", "count")),
        mediator=None,
        media=MediaSpec(
            stages=(
                ("awareness", StageSpec("geometric", 4)),
                ("conversion", StageSpec("geometric", 4)),
            ),
            hill_slope=1.0,
        ),
    )
    c, sp = true_totals(sim)
    back = {v: k for k, v in (rename or {}).items()}
    sim_geos = [back.get(g, g) for g in ds.geos]  # the dataset sorts geos by name
    c = c.sel(outcome=["online_sales", "store_visits"], series=list(ds.series), geo=sim_geos)
    sp = sp.sel(series=list(ds.series), geo=sim_geos)
    with np.errstate(invalid="ignore", divide="ignore"):
        roas = np.where(sp.values[:, None, :] > 0, c.values / sp.values[:, None, :], 0.0)
    roas = np.transpose(roas, (1, 0, 2))  # (outcome, geo, series)
    z = np.linspace(-0.2, 0.2, N_DRAWS)
    n_ch = len(ds.channels)
    w = 0.5 ** np.arange(4)
    params = {
        "adstock_weights": np.broadcast_to(w / w.sum(), (n_ch, 4)),
        "saturation_half": np.ones(n_ch),
        "roas": roas[None] * np.exp(z)[:, None, None, None],
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_from_params(spec, ds, params=params)
