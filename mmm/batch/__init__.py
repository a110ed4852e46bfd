"""Many fits at once (brands, markets, backtest origins, prior variants) on Dask.

``run(specs, client=None, out=...)`` fits every run with the code of ``mmm fit`` and
returns one row per run; ``mmm batch BATCH.toml --out DIR`` is the same from the shell.
Dask is imported only when a batch runs.
"""

from __future__ import annotations

from mmm.batch.execute import default_workers, run
from mmm.batch.spec import RunSpec, load_batch, parse_batch

__all__ = ["RunSpec", "default_workers", "load_batch", "parse_batch", "run"]
