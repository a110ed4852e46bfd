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
# # Bring your own data: wide and long tables, and what the validation errors mean
#
# `mmm` reads three tables (media, outcomes, channels) plus optional controls and geos,
# as CSV, Parquet or pandas DataFrames. This notebook writes example files, loads them in
# both shapes, then breaks them on purpose to show what each error says and how to fix it.
# Nothing is fitted here.

# %%
from pathlib import Path

import numpy as np
import pandas as pd

from mmm.data import from_wide, load_dataset, summarize
from mmm.data.simulate import simulate
from mmm.errors import DataError

folder = Path("my_data")
files = simulate(n_periods=104, seed=3).write(folder)  # stand-in for your exports
{k: str(v) for k, v in files.items()}

# %% [markdown]
# ## Long tables
#
# * **media**: one row per `date`, `channel`, `audience` (optional, default `all`), `geo`
#   (optional, default `all`) with `spend` (>= 0, currency) and optional `impressions`;
# * **outcomes**: one row per `date` (and `geo`), one numeric column per outcome;
# * **channels**: `channel`, `stage` (`awareness` or `conversion`), optional `max_lag`
#   and `roas_prior`.

# %%
for name in ("media", "outcomes", "channels"):
    print(name)
    print(pd.read_csv(files[name]).head(3).to_string(), "\n")

# %%
ds = load_dataset(files["media"], files["outcomes"], files["channels"], controls=files["controls"])
print(summarize(ds).to_text())

# %% [markdown]
# The result is a read-only `Dataset` of labelled arrays and a fingerprint of its content
# (recorded with every fit, so a run can be traced back to its data).

# %%
print(ds.spend.dims, ds.outcomes.dims)
print(ds.fingerprint[:16], "...")

# %% [markdown]
# ## A wide table
#
# Many analysts keep one row per week and one spend column per channel. `from_wide` maps
# the columns: a spend column goes to a channel, or to a `(channel, audience)` pair.

# %%
media = pd.read_csv(files["media"])
outcomes = pd.read_csv(files["outcomes"])
wide = (
    media.assign(col=media["channel"] + "__" + media["audience"])
    .pivot_table(index="date", columns="col", values="spend", aggfunc="sum")
    .reset_index()
    .merge(outcomes.drop(columns="geo"), on="date")
    .rename(columns={"date": "week"})
)
wide.iloc[:3, :6]

# %%
spend_map = {c: tuple(c.split("__")) for c in wide.columns if "__" in c}
stages = pd.read_csv(files["channels"]).set_index("channel")["stage"].to_dict()
ds_wide = from_wide(
    wide,
    date="week",
    spend=spend_map,
    outcomes=["online_sales", "store_visits", "brand_search"],
    channels=stages,
)
print(ds_wide.spend.sizes)
# the same numbers as the long tables
assert np.isclose(float(ds_wide.spend.sum()), float(ds.spend.sum()), rtol=1e-12)

# %% [markdown]
# ## When the data are wrong
#
# Loading never drops, fills or de-duplicates rows silently. Every problem of every table
# is collected and raised at once as one `DataError`, each line naming the file, the
# column, the spreadsheet rows (the header is row 1) and the fix.

# %%
bad = pd.read_csv(files["media"])
bad.loc[4, "spend"] = -120.0  # a refund booked as negative spend
bad.loc[6, "date"] = "2023-13-01"  # month 13
bad = pd.concat([bad, bad.iloc[[0]]])  # the same row exported twice
bad.to_csv(folder / "media_bad.csv", index=False)
pd.read_csv(files["outcomes"]).iloc[:-2].to_csv(folder / "outcomes_short.csv", index=False)

try:
    load_dataset(folder / "media_bad.csv", folder / "outcomes_short.csv", files["channels"])
except DataError as e:
    error = e
    print(e)

# %% [markdown]
# What the messages mean and how to fix them:
#
# | message | cause | fix |
# |---|---|---|
# | not valid dates | a date that does not exist or is not `YYYY-MM-DD` | correct it in the export |
# | spend not >= 0 | refunds or credits booked as negative spend | book them as 0 spend (or net them within the week) |
# | duplicated key | the same (date, geo, channel, audience) twice | remove the repeat, or sum the rows before loading |
# | outcomes do not cover the media dates | the outcomes export stops earlier | export the same weeks for both tables |
#
# The problems are also available as a list, e.g. for a data-quality dashboard:

# %%
assert len(error.problems) == 4
error.problems[0]

# %% [markdown]
# A channel that is not in the catalogue, or a wide column that is mapped to nothing, is
# an error too (spend that the model cannot see would bias every other channel):

# %%
try:
    from_wide(
        wide,
        date="week",
        spend=spend_map,
        outcomes=["online_sales"],
        channels={k: v for k, v in stages.items() if k != "affiliates"},
    )
except DataError as e:
    print(e)

# %% [markdown]
# The command line prints the same list and exits with code 2 (so a pipeline stops):

# %%
from mmm.cli import main

code = main(
    [
        "validate",
        "--media", str(folder / "media_bad.csv"),
        "--outcomes", str(folder / "outcomes_short.csv"),
        "--channels", str(files["channels"]),
    ]
)  # fmt: skip
print("exit code", code)
assert code == 2
