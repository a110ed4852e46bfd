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
# # Quick start: demo data -> fit -> contributions -> budget
#
# The demo brand is a simulated luxury fashion house: three years of weekly spend on seven
# channels (eleven channel x audience series), online sales, store visits and branded
# search. Because it is simulated, the true return of every channel is known, so we can
# see how close the model gets.
#
# `MMM_NOTEBOOK_DRAWS` sets the number of posterior draws (and tuning steps) per chain.
# The default is small so that the notebook runs in a few minutes; use 1000 for real work.

# %%
import os
from pathlib import Path

DRAWS = int(os.environ.get("MMM_NOTEBOOK_DRAWS", "200"))
# later notebooks read the fit written here (the same folder by default)
RUN = Path(os.environ.get("MMM_NOTEBOOK_RUN", "runs/notebook-demo"))

# %% [markdown]
# ## 1. Data
#
# `load_demo()` returns a validated, read-only `Dataset`: spend is an xarray with dims
# `(date, geo, series)`, outcomes `(date, geo, outcome)`.

# %%
from mmm.data import summarize
from mmm.datasets import load_demo

ds = load_demo()
print(summarize(ds).to_text())

# %% [markdown]
# ## 2. Fit
#
# `default_spec_for` fits every outcome except the mediator; online sales are revenue (the
# model reports ROAS) and store visits a count (visits per euro, cost per visit).
# Brand search is the mediator: awareness spend drives it and it drives sales.

# %%
from mmm.inference import fit
from mmm.spec import SamplerConfig, default_spec_for

spec = default_spec_for(ds, mediator="brand_search")
sampler = SamplerConfig(draws=DRAWS, tune=DRAWS, chains=2, seed=1)
result = fit(spec, ds, sampler=sampler)
print(result.diagnostics.problems() or "all health checks passed")

# %% [markdown]
# ## 3. Contributions and returns
#
# `roas_table` gives the return per euro of every channel and audience with a 90 %
# interval; `path == "total"` adds the direct effect and the effect through brand search.

# %%
from mmm.analysis import roas_table

roas = roas_table(result)
online = roas.query("path == 'total' and outcome == 'online_sales'")
online[["channel", "audience", "spend", "median", "lower", "upper"]].round(2)

# %% [markdown]
# The simulation knows the truth, so we can put it beside the estimate.

# %%
truth = load_demo(as_dataset=False).truth
true_roas = truth.roas.sel(outcome="online_sales", path="total").to_series()
compare = online.set_index("series")[["median", "lower", "upper"]]
compare["true"] = true_roas
compare.round(2)

# %%
import mmm.analysis as A
import mmm.plotting as P

totals = A.component_totals(result)
fig = P.plot_waterfall(totals, outcome="online_sales")

# %% [markdown]
# ## 4. Next quarter's budget
#
# Same budget as the last 13 weeks, every series within +/-30 % of its current spend; a
# store visit is worth 25 euros.

# %%
from mmm.optimize import Constraints, change, optimize_budget

budget = float(ds.spend.isel(date=slice(-13, None)).sum())
rec = optimize_budget(
    result,
    budget=budget,
    horizon=13,
    value_per_visit=25.0,
    constraints=Constraints(default=change(0.3)),
)
rec.allocation[["channel", "audience", "current", "recommended", "change_pct"]].round(2)

# %%
s = rec.summary
print(s["uplift"])
print(f"probability that the plan beats the current one: {s['prob_better']:.0%}")

# %% [markdown]
# ## 5. Save
#
# A run folder holds the posterior (NetCDF), the spec, the data and a manifest; later
# notebooks and the planner report read it without refitting.

# %%
from mmm.runs import write_run

paths = write_run(result, RUN)
sorted(p.name for p in RUN.iterdir())
