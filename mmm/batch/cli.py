"""``mmm batch``: the command's body (the typer command in mmm.cli only delegates here)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_HEALTH = 0, 1, 3


def run_batch_cli(
    batch_file: Path,
    out: str,
    *,
    scheduler: str | None,
    workers: int | None,
    force: bool,
    say: Callable[[str], None],
    err: Callable[[str], None],
) -> int:
    """Run a batch file and print one line per run; returns the exit code.

    Exit codes: 0 every run fitted and healthy; 3 all fitted but some failed a health
    check; 1 some runs failed (listed, with their errors, in the summary).
    """
    from mmm.batch.execute import run
    from mmm.batch.spec import load_batch

    specs = load_batch(batch_file)  # structural errors of the batch file: exit 2 upstream
    say(f"{len(specs)} runs from {batch_file}")

    def show(rec: dict) -> None:
        tag = "skipped (unchanged)" if rec.get("skipped") else rec["status"]
        wall = rec.get("wall_s")
        extra = f" {wall:.0f} s" if isinstance(wall, float) and not rec.get("skipped") else ""
        say(f"  {rec['run']:32s} {tag}{extra}")

    client = None
    if scheduler is not None:
        from distributed import Client

        client = Client(scheduler)
    try:
        table = run(specs, client, out=out, n_workers=workers, force=force, on_result=show)
    finally:
        if client is not None:
            client.close()
    base = str(out).rstrip("/")
    say(f"summary    {base}/batch_summary.csv")
    say(f"index      {base}/index.html")
    failed = table[table["status"] == "failed"]
    if len(failed):
        err(f"{len(failed)} of {len(table)} runs failed:")
        for r in failed.itertuples():
            err(f"  - {r.run}: {r.error.splitlines()[0] if r.error else 'unknown error'}")
        return EXIT_FAILED
    if (table["status"] == "unhealthy").any():
        n = int((table["status"] == "unhealthy").sum())
        err(f"{n} of {len(table)} runs failed a model health check (see the problems column).")
        return EXIT_HEALTH
    return EXIT_OK
