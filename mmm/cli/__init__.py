"""Command line: ``mmm simulate | validate | init | fit | batch | report | export | backtest | optimize | scenarios | reproduce | demo | journeys``.

One module per command group (:mod:`~mmm.cli.data`, :mod:`~mmm.cli.fit`,
:mod:`~mmm.cli.report`, :mod:`~mmm.cli.plan`, :mod:`~mmm.cli.journeys`); the app, its
shared options, :func:`main` and the script's :func:`run` live in :mod:`mmm.cli.core`,
what the commands print in :mod:`mmm.cli.printers`.

Exit codes: 0 ok; 2 bad input (data, config, spec); 3 a model health check failed;
1 anything else. Expected errors print a message, never a traceback.
"""

from __future__ import annotations

from mmm.cli import data, fit, journeys, plan, report
from mmm.cli.core import EXIT_HEALTH, EXIT_INPUT, EXIT_OK, EXIT_OTHER, app, main, run

__all__ = ["EXIT_HEALTH", "EXIT_INPUT", "EXIT_OK", "EXIT_OTHER", "app", "main", "run"]

# registered in this order: `mmm --help` and the command reference list them so
for _command in (
    data.simulate,
    data.validate,
    data.init,
    fit.fit,
    fit.batch,
    report.report,
    report.export,
    plan.backtest,
    plan.optimize,
    plan.scenarios,
    fit.reproduce,
    fit.demo,
    journeys.journeys,
):
    app.command()(_command)
del _command
