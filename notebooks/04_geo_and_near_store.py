# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Geos, shops and near-store targeting
#
# Store visits happen where the shops are. `mmm` fits one model over all regions (geos):
# each channel's return per geo is pooled towards its national value, geo baselines are
# pooled around the geo's size (population, and shops for store visits), and audiences
# targeted at people near a shop drive store visits only in geos that have shops (in
# proportion to their share of shops). This notebook simulates five regions (one without
# a shop), fits the geo model, reads the returns per geo, compares near-store with broad
# targeting, and splits next quarter's budget by geo under geo limits.

# %%
import os
import warnings

import numpy as np
import pandas as pd

from mmm.analysis.geo import geo_table
from mmm.analysis.online_store import near_store_vs_broad
from mmm.data.simulate import simulate
from mmm.errors import ConvergenceWarning, DataWarning
from mmm.inference import fit
from mmm.optimize import Bound, Constraints, change, optimize_budget
from mmm.spec import ModelSpec, SamplerConfig

DRAWS = int(os.environ.get("MMM_NOTEBOOK_DRAWS", "300"))
warnings.simplefilter("ignore", DataWarning)

# %% [markdown]
# ## 1. Five simulated regions with known truth
#
# The geo table carries each region's population and number of shops; `near_store`
# audiences are the ones targeted within about 10 km of a shop.

# %%
catalogue = pd.DataFrame(
    [
        ("paid_search", "prospecting", "conversion", 60_000.0),
        ("paid_social", "prospecting", "awareness", 50_000.0),
        ("paid_social", "near_store", "awareness", 30_000.0),
        ("display", "near_store", "awareness", 20_000.0),
    ],
    columns=["channel", "audience", "stage", "mean_spend"],
)
sim = simulate(seed=7, n_periods=104, geos=5, catalogue=catalogue)
dataset = sim.to_dataset()
sim.geos

# %% [markdown]
# With your own data, the geo table is one CSV (`geo, population, shops`, optionally
# `near_store_population`) passed as `load_dataset(..., geos="geos.csv")` or
# `mmm fit ... --geos geos.csv`; media bought nationally are rows with `geo = national`,
# spread over the regions by population.

# %% [markdown]
# ## 2. Fit the geo model

# %%
spec = ModelSpec(mediator="brand_search")  # shop context on by default for store visits
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    result = fit(
        spec,
        dataset,
        sampler=SamplerConfig(draws=DRAWS, tune=DRAWS, chains=2, seed=1, progress=False),
    )
result.diagnostics

# %% [markdown]
# ## 3. Returns per region
#
# One row per geo and outcome: spend, what media drove there (with its interval), the
# return per euro for online sales and the cost per extra store visit. The `all` row adds
# the regions up draw by draw.

# %%
per_geo = geo_table(result)
per_geo

# %% [markdown]
# The region without a shop still buys online, but its store visits from media come only
# from broad audiences (its residents travel to shops elsewhere): near-store targeting
# there buys no store visits.

# %%
shops = sim.geos.set_index("geo")["shops"]
no_shop = shops.index[shops == 0][0]
roas = result.draws("roas_direct").sel(outcome="store_visits", geo=no_shop)
near_series = [s for s in roas.coords["series"].values if s.endswith("|near_store")]
print(no_shop, "near-store visits per euro:", float(np.abs(roas.sel(series=near_series)).max()))
assert float(np.abs(roas.sel(series=near_series)).max()) == 0.0

# %% [markdown]
# ## 4. Near-store vs broad targeting
#
# Cost per extra store visit of near-store and broad audiences, nationally and per geo,
# with the probability that near-store is the cheaper of the two.

# %%
nvb = near_store_vs_broad(result, by_geo=True)
nvb

# %% [markdown]
# Compare with the simulator's truth: near-store audiences bring about three times the
# store visits per euro of broad ones where there are shops.

# %%
truth = sim.truth.roas.sel(outcome="store_visits", path="total")
print(truth.to_series().round(4))

# %% [markdown]
# ## 5. Next quarter's budget, by geo
#
# The optimizer decides every (geo, channel x audience) cell. Here each cell may move by
# at most 40 %, and the region without a shop keeps at least 80 % of its current spend
# (for example a commitment to the online business there).

# %%
constraints = Constraints(default=change(0.4), geos={no_shop: Bound(0.8, None, relative=True)})
rec = optimize_budget(
    result, horizon=13, value_per_visit=25.0, constraints=constraints, max_draws=200
)
rec.geos

# %%
rec.summary
