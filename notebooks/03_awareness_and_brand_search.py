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
# # Awareness vs conversion, and the brand-search mediator
#
# Awareness channels (video, social, display) rarely close a sale in the week they run.
# They make people search for the brand later, and branded search then converts. A model
# that only links spend to sales in the same week credits the search ad, not the video
# that caused the search. `mmm` estimates both paths:
#
# * **direct**: awareness spend -> sales;
# * **mediated**: awareness spend -> brand search -> sales.
#
# This notebook reads the demo fit written by `01_quick_start` (the folder in
# `MMM_NOTEBOOK_RUN`); if it is missing, it fits the demo first (a few minutes).

# %%
import os
from pathlib import Path

DRAWS = int(os.environ.get("MMM_NOTEBOOK_DRAWS", "200"))
RUN = Path(os.environ.get("MMM_NOTEBOOK_RUN", "runs/notebook-demo"))

if not (RUN / "fit.nc").exists():  # no shared fit yet: fit the demo as 01_quick_start does
    from mmm.datasets import load_demo
    from mmm.inference import fit
    from mmm.runs import write_run
    from mmm.spec import SamplerConfig, default_spec_for

    _ds = load_demo()
    _spec = default_spec_for(_ds, mediator="brand_search")
    write_run(
        fit(_spec, _ds, sampler=SamplerConfig(draws=DRAWS, tune=DRAWS, chains=2, seed=1)), RUN
    )

# %%
import mmm.analysis as A
import mmm.plotting as P
from mmm.inference.fit import FitResult

result = FitResult.load(RUN)  # the posterior and everything needed to analyse it
print("mediator:", result.spec.mediator)
result.dataset.channels[["channel", "stage"]]

# %% [markdown]
# ## 1. Each stage's share of spend vs its share of the effect
#
# A stage with a larger share of the effect than of the spend earns more per euro than
# the other stage, on that outcome.

# %%
funnel = A.funnel_shares(result)
funnel[
    [
        "outcome",
        "stage",
        "spend_share",
        "effect_share_median",
        "effect_share_lower",
        "effect_share_upper",
    ]
].round(3)

# %%
fig = P.plot_funnel(funnel)

# %% [markdown]
# ## 2. Direct and mediated paths of each awareness series
#
# `mediated_share` is the fraction of an awareness series' effect on online sales that
# goes through brand search.

# %%
paths = A.awareness_paths(result)
online = paths.query("outcome == 'online_sales'")
online.pivot_table(index="series", columns="quantity", values="median").round(2)

# %% [markdown]
# The simulator knows the true split, so we can check the estimate:

# %%
from mmm.datasets import load_demo

truth = load_demo(as_dataset=False).truth
true_c = truth.contributions.sum(("date", "geo")).sel(outcome="online_sales")
true_share = (true_c.sel(path="mediated") / true_c.sum("path")).to_series()
est_share = online.query("quantity == 'mediated_share'").set_index("series")["median"]
check = est_share.to_frame("estimated").join(true_share.rename("true"))
check.round(2)

# %% [markdown]
# ## 3. How brand search converts
#
# `delta` is the effect of one unit of (scaled) brand search on each outcome;
# `mediator_roas` the searches that each euro of an awareness series brings.

# %%
result.posterior["delta"].mean(("chain", "draw")).to_series().round(3)

# %%
result.posterior["mediator_roas"].median(("chain", "draw")).to_series().round(4)

# %% [markdown]
# ## 4. Carry-over
#
# Awareness channels work with a delay: their half-life (the lag by which half of a
# week's effect has arrived) is longer than that of conversion channels.

# %%
carry = A.carryover(result)
carry[["channel", "stage", "half_life_median", "half_life_lower", "half_life_upper"]].round(2)

# %%
by_stage = carry.groupby("stage")["half_life_median"].mean()
print(by_stage.round(2))
assert by_stage["awareness"] > by_stage["conversion"]

# %% [markdown]
# ## 5. What this means for the budget
#
# Judged on direct, same-week sales alone, awareness spend looks poor; with the mediated
# path and carry-over counted, its total return is what matters. `roas_table` reports
# every path, so both views can be shown side by side.

# %%
roas = A.roas_table(result).query("outcome == 'online_sales'")
aw = result.dataset.channels.query("stage == 'awareness'")["channel"]
view = roas[roas["channel"].isin(aw)].pivot_table(index="series", columns="path", values="median")
view.round(2)
