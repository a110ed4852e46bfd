"""The typer app of ``mmm``: its callback, output helpers, shared options and :func:`main`.

Exit codes: 0 ok; 2 bad input (data, config, spec); 3 a model health check failed;
1 anything else. Expected errors print a message, never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mmm.errors import ConvergenceWarning, DataWarning, InfeasibleError, MMMError

EXIT_OK, EXIT_OTHER, EXIT_INPUT, EXIT_HEALTH = 0, 1, 2, 3

app = typer.Typer(
    name="mmm",
    help="Bayesian marketing-mix modelling and journey attribution for omnichannel brands.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # plain help: switches without a value placeholder, docstrings printed as written
    rich_markup_mode=None,
)


class _Out:
    quiet = False


# ------------------------------------------------------------- shared options
#: The run folder a command reads (and writes its results into).
RunDir = Annotated[Path, typer.Argument(help="Run folder written by `mmm fit`.")]
#: ``--quiet``: nothing on stdout; errors (stderr) still print.
Quiet = Annotated[bool, typer.Option("--quiet", help="Print nothing but errors.")]
#: ``--seed`` of the commands that draw random numbers.
Seed = Annotated[int, typer.Option(help="Random seed.")]
#: ``--value-per-visit`` of ``mmm optimize`` and ``mmm scenarios``.
ValuePerVisit = Annotated[
    float | None,
    typer.Option(
        help="What one store visit is worth (currency); required when the model has store "
        "visits and the objective is 'value' (default: value_per_visit of the run's "
        "config.toml)."
    ),
]
#: ``--objective`` of ``mmm optimize`` and ``mmm scenarios``.
Objective = Annotated[
    str,
    typer.Option(
        help="'value' (revenue + value per visit x visits), an outcome name such as "
        "'online_sales' (that outcome alone), or 'cost_per:<outcome>'."
    ),
]
#: ``--horizon`` of ``mmm optimize`` and ``mmm scenarios``.
Horizon = Annotated[
    int | None,
    typer.Option(
        help="Weeks to plan, 1 to the number of weeks in the data (mmm scenarios without "
        "it: the horizon of the stored recommendations, else 13)."
    ),
]
#: ``--no-carryover`` of ``mmm optimize`` and ``mmm scenarios``.
NoCarryover = Annotated[
    bool, typer.Option("--no-carryover", help="Ignore effects after the horizon.")
]
#: ``--name`` of ``mmm optimize`` and ``mmm scenarios``.
Name = Annotated[
    str,
    typer.Option(
        help="Name to store the result under in the run folder: mmm optimize's plan in "
        "RUN/recommendations/NAME/ ('recommended' is the plan the report shows, another name "
        "keeps it as a what-if), mmm scenarios' comparison as RUN/scenarios/NAME.json and "
        "NAME.csv."
    ),
]
#: ``--replace`` of ``mmm optimize`` and ``mmm scenarios``.
Replace = Annotated[
    bool, typer.Option("--replace", help="Overwrite what is stored under the same --name.")
]


# ------------------------------------------------------------------ callbacks
def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            v = version("mmm")
        except PackageNotFoundError:  # pragma: no cover - run from a source tree
            v = "unknown"
        typer.echo(f"mmm {v}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _start(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the version of mmm and exit.",
        ),
    ] = False,
) -> None:
    """Bayesian marketing-mix modelling and journey attribution for omnichannel brands."""
    _Out.quiet = False  # every invocation starts verbose; a command's --quiet switches it off


# --------------------------------------------------------------------- output
def set_quiet(quiet: bool) -> None:
    """Switch stdout off (``--quiet``) or on for the rest of the invocation."""
    _Out.quiet = quiet


def is_quiet() -> bool:
    """True when the command runs with ``--quiet``."""
    return _Out.quiet


def say(msg: str = "") -> None:
    """Print ``msg`` to stdout unless the command runs with ``--quiet``."""
    if not _Out.quiet:
        typer.echo(msg)


def err(msg: str) -> None:
    """Print ``msg`` to stderr (always, also with ``--quiet``)."""
    typer.echo(msg, err=True)


def stage(line: str) -> None:
    """A stage line of a fit (compiling, sampling, with elapsed time) on stderr, so stdout
    stays parseable; none with ``--quiet``."""
    if not _Out.quiet:
        err(line)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings as one readable line on stderr (no source path or code line)."""
    name = (
        "warning"
        if issubclass(category, (DataWarning, ConvergenceWarning))
        else (f"warning ({category.__name__})")
    )
    err(f"{name}: {message}")


# ----------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app, mapping expected errors to exit codes without tracebacks."""
    import os
    import warnings

    debug = bool(os.environ.get("MMM_DEBUG"))
    _Out.quiet = False  # each invocation starts verbose; --quiet switches it off
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            rc = app(args=argv, standalone_mode=False)
        return int(rc) if isinstance(rc, int) else EXIT_OK
    except typer.Exit as e:
        return int(e.exit_code or 0)
    except SystemExit as e:  # click's own exits
        return int(e.code or 0) if isinstance(e.code, int) else EXIT_OTHER
    except (MMMError, InfeasibleError) as e:
        if debug:
            raise
        err(f"error: {e}")
        return EXIT_INPUT
    except FileNotFoundError as e:
        if debug:
            raise
        err(f"error: file not found: {e.filename}")
        return EXIT_INPUT
    except Exception as e:  # noqa: BLE001 - the last line of defence for users
        return _unexpected(e, debug)


def run() -> None:
    """The ``mmm`` script and ``python -m mmm``: :func:`main` on the command line's
    arguments, then exit with its code.

    Before the interpreter shuts down, the objects still alive are put out of the garbage
    collector's reach (``gc.freeze``). The process is ending: the collections the
    interpreter runs while it shuts down would only walk the millions of objects of a
    compiled model (1.5 s after ``mmm demo``) to free memory the system takes back anyway.
    Exit handlers still run, and objects are still released as their last reference goes.
    """
    import gc
    import sys

    code = main()
    gc.freeze()
    sys.exit(code)


def _unexpected(e: Exception, debug: bool) -> int:
    """Exit code of an exception no command raises on purpose (click's usage errors: 2)."""
    try:  # typer >= 0.20 vendors click as typer._click
        from typer._click import exceptions as click_exc
    except ImportError:  # pragma: no cover - older typer with click installed
        from click import exceptions as click_exc  # type: ignore[no-redef]  # same API

    if isinstance(e, click_exc.ClickException):
        e.show()
        return EXIT_INPUT
    if isinstance(e, getattr(click_exc, "Abort", typer.Abort)):
        return EXIT_OTHER
    if debug:
        raise e
    err(f"unexpected error ({type(e).__name__}): {e}\nset MMM_DEBUG=1 to see the traceback.")
    return EXIT_OTHER
