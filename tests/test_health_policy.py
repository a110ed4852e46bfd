"""One health policy: the verdict, ``Diagnostics.problems()``, the report and the exit code agree.

Each case is a set of sampler diagnostics. For each, the shared policy's verdict
(:func:`mmm.inference.health.assess`, on the ``Diagnostics`` and on its dict as stored in
``manifest.json``), whether :meth:`Diagnostics.problems` is empty, the verdict and check
rows the report renders from the run folder, and the exit code ``mmm fit`` (and ``mmm demo
--strict``, ``mmm reproduce --strict``) takes must all say the same.
"""

from __future__ import annotations

import json
import math
import shutil
import sys
import warnings
from dataclasses import replace
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from mmm.inference.diagnostics import Diagnostics  # noqa: E402

NAN = math.nan
HEALTHY = Diagnostics(
    max_rhat=1.002,
    min_ess_bulk=1500.0,
    min_ess_tail=1200.0,
    divergences=0,
    min_bfmi=0.9,
    n_draws=1000,
    n_chains=4,
)
QUICK = dict(max_rhat=NAN, min_ess_bulk=NAN, min_ess_tail=NAN, min_bfmi=NAN, method="advi")

#: (case, changes to HEALTHY, verdict, checks that are not PASS)
CASES = [
    ("healthy", {}, "PASS", set()),
    ("1 divergence", {"divergences": 1}, "REVIEW", {"Divergent transitions"}),
    ("2 % divergent", {"divergences": 80}, "FAIL", {"Divergent transitions"}),
    ("R-hat 1.02", {"max_rhat": 1.02}, "REVIEW", {"Agreement between chains (R-hat)"}),
    ("R-hat 1.06", {"max_rhat": 1.06}, "FAIL", {"Agreement between chains (R-hat)"}),
    (
        "bulk ESS 350",
        {"min_ess_bulk": 350.0},
        "REVIEW",
        {"Effective draws for typical values (ESS)"},
    ),
    ("bulk ESS 80", {"min_ess_bulk": 80.0}, "FAIL", {"Effective draws for typical values (ESS)"}),
    ("tail ESS 60", {"min_ess_tail": 60.0}, "REVIEW", {"Effective draws for interval ends (ESS)"}),
    ("tail ESS 300", {"min_ess_tail": 300.0}, "PASS", set()),  # its bar is 100, not 400
    ("BFMI 0.2", {"min_bfmi": 0.2}, "REVIEW", {"Energy (BFMI)"}),
    ("BFMI unknown", {"min_bfmi": NAN}, "PASS", set()),  # the check is left out
    (
        "single chain",
        {"max_rhat": NAN, "n_chains": 1},
        "REVIEW",
        {"Agreement between chains (R-hat)"},
    ),
    ("quick method", QUICK, "REVIEW", {"Fitting method"}),
]


@pytest.fixture(scope="module")
def base_run(tmp_path_factory):
    """A run folder of a fit with known parameters (its diagnostics are set per case)."""
    from test_report import write_known_run

    return write_known_run(tmp_path_factory.mktemp("health") / "run")


@pytest.mark.parametrize(
    ("change", "verdict", "not_passed"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_verdict_problems_report_and_exit_code_agree(
    change, verdict, not_passed, base_run, tmp_path, capsys
):
    from test_report import Page, _set_diagnostics

    from mmm.cli.core import EXIT_HEALTH, EXIT_OK
    from mmm.cli.printers import health_exit_code
    from mmm.inference.health import PASS, assess
    from mmm.report import build_report

    diag = replace(HEALTHY, **change)
    stored = json.loads(json.dumps(diag.to_dict()))  # as manifest.json holds it

    # (a) the shared policy, on the diagnostics and on the manifest's dict
    health = assess(diag)
    assert health.status == verdict
    assert {c.name for c in health.checks if c.status != PASS} == not_passed
    assert assess(stored) == health
    assert Diagnostics.from_dict(stored).health() == health

    # (b) Diagnostics.problems(): one message per check that is not PASS
    problems = diag.problems()
    assert bool(problems) == (verdict != PASS)
    assert problems == [c.message for c in health.checks if c.status != PASS]

    # (c) the report, rendered from a run folder holding these diagnostics
    run = tmp_path / "run"
    shutil.copytree(base_run, run)
    _set_diagnostics(run, stored)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        page = Page(build_report(run).read_text())
    assert page.ids["health-verdict"].startswith(verdict)
    rows = page.tables["health-table"]["rows"]
    assert [r["cells"][0]["text"] for r in rows] == [c.name for c in health.checks]
    rendered = {r["cells"][0]["text"] for r in rows if PASS not in r["cells"][1]["text"]}
    assert rendered == not_passed

    # (d) the command line: the exit code of `mmm fit` and of `--strict` runs
    capsys.readouterr()
    want = EXIT_OK if verdict == PASS else EXIT_HEALTH
    assert health_exit_code(diag) == want
    printed = capsys.readouterr().err
    assert health_exit_code(diag, strict=False) == EXIT_OK  # demo and reproduce: flagged only
    assert capsys.readouterr().err == printed
    if verdict == PASS:
        assert printed == ""
    else:
        assert f"model health check failed ({verdict})" in printed
        assert all(f"  - {p}" in printed for p in problems)


def test_missing_diagnostics_are_not_healthy():
    from mmm.inference.health import REVIEW, assess
    from mmm.report.health import assess as report_section

    assert assess(None).status == REVIEW and not assess(None).healthy
    assert assess({}).status == REVIEW
    section = report_section(None)
    assert section.status == REVIEW and "missing" in section.checks[0].value


def test_the_policy_reads_partial_records():
    """A stored record without some fields (an older run folder) is read, not rejected:
    a missing value is 'not available'."""
    from mmm.inference.health import REVIEW, assess

    h = assess({"divergences": 0, "max_rhat": 1.001, "n_chains": 4, "n_draws": 500})
    assert h.status == REVIEW
    assert [c.value for c in h.checks if c.status == REVIEW] == ["not available"] * 2
