"""The typed summary (:mod:`mmm.run_summary`): the file's JSON round-trips exactly (written
runs, national and by geo, calibration records, older files through the migration), and a
missing or renamed key is an error naming the key and the file."""

from __future__ import annotations

import json
import re
import shutil
import warnings
from dataclasses import FrozenInstanceError

import numpy as np
import pandas as pd
import pytest
from geo_helpers import RENAME, geo_sim, truth_fit
from summary_helpers import small_summary

from mmm.errors import NotFittedError, RunFolderError
from mmm.optimize.testing import synthetic_fit
from mmm.run_folder import SUMMARY_SCHEMA_VERSION, RunFolder, migrate_summary
from mmm.run_summary import (
    Calibration,
    ContributionRecord,
    ReturnRecord,
    RunSummary,
    SummaryError,
)
from mmm.runs import build_summary, write_run

SERIES = [("search", "all"), ("search", "retargeting"), ("video", "all")]


def _national_fit():
    rng = np.random.default_rng(11)
    n_t, n_d = 26, 30
    return synthetic_fit(
        rng.uniform(50, 150, size=(n_t, 1, 3)),
        SERIES,
        {"search": "conversion", "video": "awareness"},
        half=rng.uniform(0.5, 2, size=(n_d, 2)),
        weights=np.array([[0.7, 0.3], [0.6, 0.4]]),
        beta=rng.uniform(0.5, 3, size=(n_d, 2, 1, 3)),
        outcomes=(("online_sales", "revenue"), ("store_visits", "count")),
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Run folders of a national fit (three lines, revenue and visits) and of a fit with
    three geos (true returns), written by write_run."""
    root = tmp_path_factory.mktemp("summaries")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write_run(_national_fit(), root / "national")
        write_run(truth_fit(geo_sim(), RENAME), root / "geo")
    return {"national": root / "national", "geo": root / "geo"}


def _write(run, d: dict) -> RunFolder:
    folder = RunFolder(run)
    folder.path.mkdir(parents=True, exist_ok=True)
    folder.summary_file.write_text(json.dumps(d))
    return folder


# ------------------------------------------------------------------ round trips
@pytest.mark.parametrize("which", ["national", "geo"])
def test_a_written_summary_round_trips_exactly(runs, which, tmp_path):
    run = RunFolder(runs[which])
    text = run.summary_file.read_text()
    s = run.read_summary(required=True)
    assert isinstance(s, RunSummary)
    assert s.to_dict() == json.loads(text)  # dict -> object -> dict: the same keys and values
    assert RunSummary.from_dict(s.to_dict()).to_dict() == s.to_dict()
    again = RunFolder(tmp_path / "again")
    again.write_summary(s)
    assert again.summary_file.read_text() == text  # byte for byte
    assert (s.geos is not None) == (which == "geo")


def test_the_summary_is_typed_and_frozen(runs):
    s = RunFolder(runs["geo"]).read_summary(required=True)
    assert s.outcomes == ("online_sales", "store_visits") and s.interval == 0.9
    assert all(isinstance(r, ReturnRecord) for r in s.roas)
    assert all(isinstance(r, ContributionRecord) for r in s.contributions)
    for r in s.roas:  # cost per unit for counts only (and only they write it)
        assert ("cost_per_unit" in r.to_dict()) == (r.kind == "count")
        assert r.kind == "count" or r.cost_per_unit is None
    assert all(r.cost_per_unit > 0 for r in s.returns() if r.kind == "count")
    total = s.returns()
    assert total and {(r.path, r.geo) for r in total} == {("total", "all")}
    assert {r.geo for r in s.returns(geo=None)} == {*RENAME.values(), "all"}
    assert [(g.geo, g.kind) for g in s.geos if g.geo == "all"] == [
        ("all", "revenue"),
        ("all", "count"),
    ]
    with pytest.raises(FrozenInstanceError):
        s.roas = ()  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        s.roas[0].median = 1.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        s.funnel.spend_share["awareness"] = 1.0  # type: ignore[index]


def test_build_summary_returns_the_summary_write_run_stores(runs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        built = build_summary(_national_fit())
    assert isinstance(built, RunSummary) and built.calibration is None
    assert built.to_dict() == json.loads(RunFolder(runs["national"]).summary_file.read_text())


def test_a_summary_of_an_older_fit_comes_through_the_migration(tmp_path):
    """No schema_version and records without geo (written before fits had geos)."""
    old = small_summary()
    del old["schema_version"]
    for r in old["roas"] + old["contributions"]:
        del r["geo"]
    run = _write(tmp_path / "run", old)
    s = run.read_summary(required=True)
    migrated = migrate_summary(old)
    assert s.to_dict() == migrated  # the migrated dict round-trips exactly
    assert s.schema_version == SUMMARY_SCHEMA_VERSION
    assert {r.geo for r in (*s.roas, *s.contributions)} == {"all"}
    assert s.geos is None and s.calibration is None
    visits = s.returns()[1]
    assert (visits.kind, visits.cost_per_unit, visits.upper) == ("count", 5.0, None)


def test_calibration_records_round_trip():
    """The keys of calibration_records (what write_run stores) are those of the typed record."""
    from mmm.calibration import calibration_table, load_experiments
    from mmm.calibration.report import calibration_records

    ex = load_experiments(
        pd.DataFrame(
            {
                "name": ["holdout"],
                "channel": ["search"],
                "outcome": ["sales"],
                "start": ["2024-03-04"],
                "end": ["2024-04-01"],
                "spend": [8000.0],
                "spend_change": [8000.0],
                "lift": [20000.0],
                "lift_se": [2500.0],
            }
        )
    )
    recs = calibration_records(calibration_table(None, experiments=ex))
    cal = {
        "active": False,
        "experiments": recs,
        "priors": [
            {
                "channel": "search",
                "outcome": "sales",
                "median": 2.0,
                "cost_per_unit": None,
                "sigma": 0.5,
            },
        ],
        "warnings": ["a warning"],
        "disagree_z": 2.0,
    }
    d = {**small_summary(), "calibration": cal}
    s = RunSummary.from_dict(d)
    assert s.to_dict() == d
    assert isinstance(s.calibration, Calibration)
    e = s.calibration.experiments[0]
    assert (e.name, e.lift_per_spend, e.lift_after, e.disagree_after) == (
        "holdout",
        2.5,
        None,
        False,
    )


# ------------------------------------------------------------ missing or renamed keys
def _drop(d, *path):
    *head, last = path
    for k in head:
        d = d[k]
    del d[last]


def _rename(d, *path, to):
    *head, last = path
    for k in head:
        d = d[k]
    d[to] = d.pop(last)


@pytest.mark.parametrize(
    ("change", "key", "problem"),
    [
        (lambda d: _drop(d, "roas", 1, "median"), "roas[1].median", "is missing"),
        (lambda d: _rename(d, "roas", 0, "median", to="med"), "roas[0].median", "is missing"),
        (
            lambda d: _drop(d, "roas", 1, "cost_per_unit_upper"),
            "roas[1].cost_per_unit_upper",
            "is missing",
        ),
        (lambda d: _drop(d, "contributions", 0, "path"), "contributions[0].path", "is missing"),
        (lambda d: _drop(d, "funnel", "spend_share"), "funnel.spend_share", "is missing"),
        (lambda d: _drop(d, "funnel"), "funnel", "is missing"),
        (lambda d: _drop(d, "diagnostics", "max_rhat"), "diagnostics.max_rhat", "is missing"),
        (lambda d: _rename(d, "roas", to="returns"), "roas", "is missing"),
        (lambda d: d.update(calibraton={}), "calibraton", "is not expected"),
        (
            lambda d: d["roas"][0].update(cost_per_unit=1.0),
            "roas[0].cost_per_unit",
            "is not expected",
        ),
        (lambda d: d.update(roas={}), "roas", "is not a list"),
        (lambda d: d["roas"][0].update(geo="north"), "geos", "is missing"),
    ],
)
def test_a_missing_or_renamed_key_is_an_error_naming_it_and_the_file(
    tmp_path, change, key, problem
):
    d = small_summary()
    change(d)
    with pytest.raises(SummaryError) as direct:
        RunSummary.from_dict(d)
    assert (direct.value.key, direct.value.problem[: len(problem)]) == (key, problem)
    run = _write(tmp_path / "run", d)
    with pytest.raises(RunFolderError, match=re.escape(f"summary.json key '{key}' {problem}")) as e:
        run.read_summary()
    assert e.value.file == "summary.json" and e.value.folder == str(run.path)
    assert "refit with `mmm fit`" in str(e.value)


def test_the_report_stops_on_a_summary_with_a_missing_key(runs, tmp_path):
    """The report and the planner tables fail with the key and the file instead of
    showing a section without its numbers."""
    from mmm.report import build_report
    from mmm.report.tables import build_tables

    run = tmp_path / "run"
    shutil.copytree(runs["national"], run)
    d = json.loads((run / "summary.json").read_text())
    del d["contributions"][2]["median"]
    (run / "summary.json").write_text(json.dumps(d))
    for build in (build_report, build_tables):
        with pytest.raises(RunFolderError, match=r"summary\.json key 'contributions\[2\]\.median'"):
            build(run)


def test_a_summary_of_schema_1_0_gets_the_newer_entries_from_the_fit(runs, tmp_path):
    """Schema 1.1 added media_totals and audiences: a 1.0 file reads back without them
    (exactly), and the report's run folder computes them from the fit, as build_summary
    does, and says so."""
    from mmm.report.run import RunFolder as ReportRun

    run = tmp_path / "run"
    shutil.copytree(runs["national"], run)
    d = json.loads((run / "summary.json").read_text())
    totals, audiences = d.pop("media_totals"), d.pop("audiences")
    assert [t["outcome"] for t in totals] == ["online_sales", "store_visits"]
    assert "cost_per_unit_median" in totals[1] and "cost_per_unit_median" not in totals[0]
    assert {(a["outcome"], a["audience"]) for a in audiences} == {
        ("store_visits", "all"),
        ("store_visits", "retargeting"),
    }
    (run / "summary.json").write_text(json.dumps({**d, "schema_version": "1.0"}))
    old = RunFolder(run).read_summary(required=True)
    assert old.media_totals is None and old.audiences is None
    assert old.to_dict() == {**d, "schema_version": SUMMARY_SCHEMA_VERSION}
    report_run = ReportRun(run)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        completed = report_run.summary
    assert [t.to_dict() for t in completed.media_totals] == totals
    assert [a.to_dict() for a in completed.audiences] == audiences
    assert any("without media_totals, audiences" in w for w in report_run.warnings)


def test_a_schema_1_1_summary_reads_its_awareness_paths_as_not_assessed(tmp_path):
    """Schema 1.2 added each awareness path's mediated share and identification: a 1.1
    summary reads them as None (unknown), nothing else changes."""
    old = small_summary()
    old["schema_version"] = "1.1"
    path = {"outcome": "sales", "channel": "video", "direct": 10.0, "mediated": 5.0}
    old["funnel"]["awareness_paths"] = [path]
    s = _write(tmp_path / "run", old).read_summary(required=True)
    (p,) = s.funnel.awareness_paths
    assert (p.direct, p.mediated) == (10.0, 5.0)
    assert (p.mediated_share, p.correlation, p.weakly_identified) == (None, None, None)
    assert s.schema_version == SUMMARY_SCHEMA_VERSION == "1.3"
    assert old["funnel"]["awareness_paths"] == [path]  # the input is not changed


def test_best_odds_are_the_analysis_chances_of_the_total_returns(runs):
    """``best_odds`` holds :func:`mmm.analysis.ranking.best_odds` of the total-path return
    draws, rounded to 6 digits: per outcome the chances of the lines add up to 1 (no ties
    between continuous draws)."""
    from mmm.analysis.ranking import best_odds
    from mmm.analysis.returns import roas_draws
    from mmm.inference.fit import FitResult

    s = RunFolder(runs["national"]).read_summary(required=True)
    fit = FitResult.load(runs["national"])
    want = best_odds(roas_draws(fit, max_draws=1000).sel(path="total"))
    got = s.odds_of_best()
    assert len(got) == len(want) == 2 * len(SERIES)
    for r in want.itertuples():
        assert got[(r.outcome, r.channel, r.audience)] == pytest.approx(r.p_first, abs=1e-6)
    for o in s.outcomes:
        assert sum(p for k, p in got.items() if k[0] == o) == pytest.approx(1.0, abs=1e-5)


def test_a_schema_1_2_summary_gets_its_best_odds_from_the_fit(runs, tmp_path):
    """Schema 1.3 added best_odds: a 1.2 file reads back with None there, and the
    report's run folder computes them from the fit, as build_summary does, and says so."""
    from mmm.report.run import RunFolder as ReportRun

    run = tmp_path / "run"
    shutil.copytree(runs["national"], run)
    d = json.loads((run / "summary.json").read_text())
    odds = d.pop("best_odds")
    (run / "summary.json").write_text(json.dumps({**d, "schema_version": "1.2"}))
    old = RunFolder(run).read_summary(required=True)
    assert old.best_odds is None and old.odds_of_best() == {}
    assert old.to_dict() == {**d, "schema_version": SUMMARY_SCHEMA_VERSION}
    report_run = ReportRun(run)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        completed = report_run.summary
    assert [r.to_dict() for r in completed.best_odds] == odds
    assert any("without best_odds" in w for w in report_run.warnings)


def test_a_current_summary_is_read_without_the_fit(runs, tmp_path):
    """A summary of the current schema lacks nothing, so the report's run folder reads it
    without loading ``fit.nc`` (a second read of the fit costs about a second); the fit
    is still read once it is asked for."""
    from mmm.report.run import RunFolder as ReportRun
    from mmm.runs import missing_entries

    run = tmp_path / "run"
    shutil.copytree(runs["national"], run)
    report_run = ReportRun(run)
    s = report_run.summary
    assert missing_entries(s) == []
    assert s.to_dict() == RunFolder(run).read_summary(required=True).to_dict()
    assert "fit" not in report_run.__dict__ and report_run.warnings == []
    (run / "fit.nc").write_bytes(b"not a fit")  # the summary was read without it
    junk = ReportRun(run)
    assert junk.summary.to_dict() == s.to_dict()
    with pytest.raises(NotFittedError, match="not a readable fit"):
        junk.fit  # noqa: B018 - read when asked for
    d = json.loads((run / "summary.json").read_text())
    d.pop("best_odds")
    (run / "summary.json").write_text(json.dumps({**d, "schema_version": "1.2"}))
    assert missing_entries(RunFolder(run).read_summary(required=True)) == ["best_odds"]
