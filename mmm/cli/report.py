"""``mmm report`` and ``mmm export``: the planner report and tables of a run folder."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from mmm.cli.core import Quiet, RunDir, say, set_quiet
from mmm.errors import MMMError
from mmm.run_folder import RunFolder


def refresh_tables(run_dir, fit=None) -> dict[str, Path]:
    """Write RUN/tables/ (CSV files and the workbook); returns ``{"tables": workbook path}``."""
    from mmm.report.tables import write_tables

    return {"tables": write_tables(run_dir, fit=fit)["xlsx"]}


@contextmanager
def tables_beside(run_dir) -> Iterator[dict[str, Path]]:
    """Write RUN/tables/ while the block runs: in a second process (``mmm export``) when
    this machine has a second core, else in this process after the block.

    The tables only read the run folder, as the report does, so a command that writes
    both (``mmm report``, ``mmm demo``) writes them at once. The yielded dict is filled
    with ``{"tables": workbook path}`` once the block has run and the tables are written;
    what the second process writes to stderr (warnings) is passed on to this one's.

    Raises
    ------
    mmm.errors.RunFolderError
        ``run_dir`` is not a run folder (before anything starts).
    mmm.errors.MMMError
        The tables could not be written (the message is that of ``mmm export``). When
        the block raises, its error propagates: a second process is waited for (its
        tables are written whole); on one core no table is written.
    """
    out: dict[str, Path] = {}
    RunFolder(run_dir).require_fit()  # at once, not after a second process has started
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if (cores or 1) < 2:
        yield out
        out.update(refresh_tables(run_dir))
        return
    cmd = [sys.executable, "-m", "mmm", "export", str(run_dir), "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        yield out
    except BaseException:
        proc.communicate()  # finished, not cut: a killed writer would leave part of tables/
        raise
    _, stderr = proc.communicate()
    if proc.returncode != 0:
        message = stderr.strip().removeprefix("error: ") or f"exit code {proc.returncode}"
        raise MMMError(f"the tables of {run_dir} could not be written: {message}")
    sys.stderr.write(stderr)
    out["tables"] = RunFolder(run_dir).workbook_file


def report(
    run_dir: RunDir,
    out: Annotated[
        Path | None, typer.Option(help="Folder to write the report files into (default RUN_DIR).")
    ] = None,
    value_per_visit: Annotated[
        float | None,
        typer.Option(
            help="Euros one store visit is worth, to combine both outcomes (default: the "
            "config's [optimizer] value, else the one the recommendation was made with)."
        ),
    ] = None,
    recommendation: Annotated[
        str | None,
        typer.Option(
            "--recommendation",
            help="Name of the stored budget recommendation to show "
            "(RUN_DIR/recommendations/NAME; default: 'recommended' when stored, else the "
            "newest).",
        ),
    ] = None,
    fmt: Annotated[
        list[str] | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="html, md or pdf; repeat for several (default: html and md).",
        ),
    ] = None,
    print_md: Annotated[
        bool, typer.Option("--print-md", help="Also print the Markdown report (for CI logs).")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", help="Print nothing but errors (and --print-md).")
    ] = False,
) -> None:
    """Write the planner report of a run folder: report.html (self-contained), report.md (for CI logs) and, on request, report.pdf."""
    from mmm.report.write import write_report

    set_quiet(quiet)
    say(
        f"building the report of {run_dir} (numbers, charts, {', '.join(fmt or ('html', 'md'))}) ..."
    )
    with tables_beside(run_dir) as tables:
        paths = write_report(
            run_dir,
            formats=tuple(fmt or ("html", "md")),
            out_dir=out,
            value_per_visit=value_per_visit,
            recommendation=recommendation,
        )
    for kind, path in paths.items():
        say(f"report     {path}" if kind == "html" else f"report.{kind:<4} {path}")
    say(f"tables     {tables['tables']}")
    if print_md and "md" in paths:
        typer.echo(paths["md"].read_text(encoding="utf-8"))


def export(run_dir: RunDir, quiet: Quiet = False) -> None:
    """Write the planner tables of a run folder: RUN_DIR/tables/*.csv and report.xlsx.

    Returns and contributions per line (from summary.json), contributions per week, and
    every stored plan (RUN_DIR/recommendations/NAME); `mmm fit`, `mmm optimize` and
    `mmm report` refresh them too.
    """
    from mmm.report.tables import write_tables

    set_quiet(quiet)
    for name, path in write_tables(run_dir).items():
        say(f"{name:26s} {path}")
