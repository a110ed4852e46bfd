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
# # Journey attribution, and how it compares with the media mix
#
# Journey (multi-touch) attribution credits the touches that tracked customers went
# through before converting. It answers "which touches were on the path?", not "what did
# each channel cause?". The media-mix model answers the second question from aggregate
# spend and sales, including channels that leave no tracked touch (video, offline media).
#
# This notebook simulates journeys whose true incremental effects are known, credits
# them with several methods, then sets the credit beside the media-mix contributions of
# the demo fit (the folder in `MMM_NOTEBOOK_RUN`, written by `01_quick_start`; fitted
# here if missing).

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

# %% [markdown]
# ## 1. Journeys with a known truth
#
# Each simulated user is touched by each channel with a fixed probability (`reach`) and
# converts with `p(S) = 1 - (1 - base_rate) * prod(1 - effect_c)` over the channels `S`
# that touched them. The truth table holds the exact incremental conversions of each
# channel. Online video reaches many people but adds little per touch here; paid search
# and e-mail are met late in the journey.

# %%
from mmm.journeys import simulate_journeys

effects = {
    "online_video": 0.010,
    "paid_social": 0.015,
    "programmatic_display": 0.008,
    "paid_search": 0.040,
    "shopping_ads": 0.030,
    "email_crm": 0.030,
    "direct": 0.020,
    "store_visit": 0.080,
}
reach = {
    "online_video": 0.60,
    "paid_social": 0.45,
    "programmatic_display": 0.50,
    "paid_search": 0.30,
    "shopping_ads": 0.25,
    "email_crm": 0.20,
    "direct": 0.20,
    "store_visit": 0.15,
}
sim = simulate_journeys(
    n_users=40_000, channels=list(effects), effects=effects, reach=reach, seed=7
)
print(len(sim.events), "events")
sim.truth[["channel", "effect", "reach", "incremental_conversions", "true_share"]].round(3)

# %% [markdown]
# ## 2. Paths and credit
#
# `build_journeys` orders each user's events, cuts them at conversions and keeps touches
# within the lookback window; `attribute` credits each conversion by several methods, with
# bootstrap intervals.

# %%
from mmm.journeys import attribute, build_journeys, top_paths

paths = build_journeys(sim.events, lookback_days=30)
top_paths(paths, n=8)

# %%
methods = ["last_touch", "linear", "markov_removal_share", "shapley"]
credit = attribute(paths, methods=methods, n_bootstrap=50, seed=0)
table = credit.pivot_table(index="channel", columns="method", values="share")
table["truth"] = sim.truth.set_index("channel")["true_share"]
table.round(3)

# %% [markdown]
# Last touch over-credits channels met at the end of the path (search, e-mail, direct)
# and under-credits those met early. Shapley credit is closest to the truth here because
# the simulated effects do not depend on the order of touches; that is a property of this
# simulation, not a guarantee on real data.

# %%
err = table[methods].sub(table["truth"], axis=0).abs().sum()
print("total absolute error of the shares, by method:")
print(err.round(3).sort_values())
assert err["shapley"] < err["last_touch"]

# %% [markdown]
# ## 3. Beside the media mix
#
# The media-mix contributions of the demo fit, per channel, on online sales (direct and
# mediated paths together). `compare_with_mmm` compares shares over the channels both
# sides have and lists the channels that only one side has.

# %%
from mmm.analysis import contribution_table
from mmm.inference.fit import FitResult
from mmm.journeys import compare_with_mmm, explain_differences

result = FitResult.load(RUN)
contrib = contribution_table(result).query("outcome == 'online_sales'")
mmm_contrib = contrib.groupby("channel", as_index=False)["mean"].sum()
mmm_contrib = mmm_contrib.rename(columns={"mean": "contribution"})
comparison = compare_with_mmm(credit, mmm_contrib, method="shapley")
comparison.round(3)

# %%
for line in explain_differences(comparison):
    print("-", line)

# %%
from mmm.journeys.plots import plot_journey_vs_mmm

fig = plot_journey_vs_mmm(comparison)

# %% [markdown]
# The two are different measurements: the simulated journeys and the demo brand are not
# the same customers, so the numbers above illustrate the comparison, not a verdict.
# On real data, expect journey credit above the media mix for channels that meet
# customers late (brand search, e-mail) and below it for channels whose effect leaves no
# tracked touch (video, social reach, offline media).
