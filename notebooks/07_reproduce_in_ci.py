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
# # Reproducing a fit in CI
#
# A fit that decides budgets should be reproducible: same data, same config, same seed,
# same numbers. `mmm` stores everything a refit needs in the run folder and checks it:
#
# * `config.toml`: the fully resolved configuration (every default written out);
# * `manifest.json`: SHA-256 of every input file, config and spec hashes, seed, package
#   versions, timings and sampler diagnostics;
# * `summary.json`: the headline numbers;
# * `mmm reproduce RUN_DIR`: refits from the stored config and data and compares the
#   new summary with the stored one (exit 0 when they agree, 3 when they do not, 2 when
#   an input file changed); it prints the refit's failed health checks, the same as
#   `mmm fit`, and with `--strict` also exits 3 on them.
#
# This notebook runs the same commands a CI job runs, in-process through `mmm.cli.main`
# (which returns the exit code instead of exiting). A small model (one outcome, no
# mediator) keeps it quick; `MMM_NOTEBOOK_DRAWS` sets the draws.

# %%
import json
import os
from pathlib import Path

import pandas as pd

from mmm.cli import main

DRAWS = int(os.environ.get("MMM_NOTEBOOK_DRAWS", "200"))
work = Path("ci_example")

# %% [markdown]
# ## 1. Data and config
#
# A CI job starts from files in the repository or a data store; here the simulator writes
# them. The outcomes table keeps online sales only.

# %%
assert main(["simulate", "--out", str(work / "data"), "--seed", "11"]) == 0
outcomes = pd.read_csv(work / "data" / "outcomes.csv")
outcomes[["date", "geo", "online_sales"]].to_csv(work / "data" / "outcomes.csv", index=False)

config = f"""
[data]
media = "data/media.csv"
outcomes = "data/outcomes.csv"
channels = "data/channels.csv"
controls = "data/controls.csv"

[model]
outcomes = [{{ name = "online_sales", kind = "revenue" }}]

[model.baseline]
yearly_order = 1

[sampler]
draws = {DRAWS}
tune = {DRAWS}
chains = 2
seed = 1
"""
(work / "config.toml").write_text(config)
print(config)

# %% [markdown]
# ## 2. Fit
#
# `mmm fit` exits 0 when the sampler's health checks pass and 3 when one fails (too few
# effective draws, divergences, R-hat). A CI job can stop on 3; the short sampling of this
# notebook may well fail them, which is why the exit code is printed rather than required.

# %%
code = main(["fit", str(work / "config.toml"), "--out", str(work / "run"), "--quiet"])
print("mmm fit exit code:", code)
assert code in (0, 3)
sorted(p.name for p in (work / "run").iterdir())

# %%
manifest = json.loads((work / "run" / "manifest.json").read_text())
print("seed:", manifest["seed"])
print("config hash:", manifest["config_hash"][:16], "...")
print({k: v["sha256"][:12] for k, v in manifest["data_files"].items()})
{k: manifest["versions"][k] for k in ("mmm", "pymc", "nutpie") if k in manifest["versions"]}

# %%
print((work / "run" / "config.toml").read_text()[:800])

# %% [markdown]
# ## 3. Reproduce
#
# Same data, config and seed: the refit agrees with the stored summary (ROAS medians
# within `--rel-tol`, 10 % by default) and the command exits 0.

# %%
code = main(["reproduce", str(work / "run"), "--quiet"])
print("mmm reproduce exit code:", code)
assert code == 0

# %% [markdown]
# ## 4. When the data changed
#
# If an input file differs from the one recorded in the manifest (here one spend value
# is edited), `mmm reproduce` refuses to compare and exits 2, naming the file.

# %%
media_path = work / "data" / "media.csv"
original = media_path.read_text()
media = pd.read_csv(media_path)
media.loc[0, "spend"] += 1.0
media.to_csv(media_path, index=False)

code = main(["reproduce", str(work / "run"), "--quiet"])
print("mmm reproduce exit code:", code)
assert code == 2
media_path.write_text(original)  # put the data back

# %% [markdown]
# ## 5. In a CI pipeline
#
# The same three commands in a GitHub Actions job (any CI runs them the same way):
#
# ```yaml
# jobs:
#   mmm:
#     runs-on: ubuntu-latest
#     steps:
#       - uses: actions/checkout@v4
#       - uses: actions/setup-python@v5
#         with: {python-version: "3.11"}
#       - run: pip install .
#       - run: mmm validate --media data/media.csv --outcomes data/outcomes.csv --channels data/channels.csv
#       - run: mmm fit config.toml --out runs/${{ github.sha }}
#       - run: mmm reproduce runs/${{ github.sha }}
#       - uses: actions/upload-artifact@v4
#         with: {name: mmm-run, path: runs/}
# ```
#
# Exit codes: 0 ok, 2 bad input (the message lists every problem), 3 a health check
# failed or the refit disagrees, 1 anything else.
