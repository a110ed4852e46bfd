"""The run folder type: its file names in one module, round trips, migration, clear errors."""

from __future__ import annotations

import ast
import contextlib
import io
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from summary_helpers import small_summary

from mmm.cli import main
from mmm.errors import NotFittedError, RunFolderError
from mmm.optimize.testing import synthetic_fit
from mmm.run_folder import (
    LAYOUT_VERSION,
    SUMMARY_SCHEMA_VERSION,
    RunFolder,
    migrate_summary,
)
from mmm.run_summary import RunSummary
from mmm.runs import write_run

PACKAGE = Path(__file__).resolve().parents[1] / "mmm"
SERIES = [("search", "all"), ("search", "retargeting"), ("video", "all")]

# ------------------------------------------------------- file names in one module
#: File and folder names of the layout that only mmm/run_folder.py may spell out.
LAYOUT_NAMES = (
    "config.toml",
    "summary.json",
    "manifest.json",
    "recommendation.json",
    "recommendations",
    "recommendation.csv",
    "recommendation_weekly.csv",
    "recommendation_geos.csv",
    "allocation.csv",
    "weekly.csv",
    "fit.nc",
    "fit.json",
    "backtest.json",
    "backtest.csv",
    "report.xlsx",
    "report.html",
    "report.md",
    "report.pdf",
    "batch_run.json",
)
# a string constant that is a path (no spaces) naming one of them: "summary.json",
# "recommendations/{name}", "x/fit.nc"; prose such as help texts is not a path
_PATH = re.compile(
    r"^[\w./{}<>*-]*(?<![\w.-])("
    + "|".join(map(re.escape, LAYOUT_NAMES))
    + r")(?![\w.-])[\w./{}<>*-]*$"
)


def layout_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string constant of ``source`` that spells a layout path
    (docstrings excepted)."""
    tree = ast.parse(source)
    docs = {
        id(n.body[0].value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and n.body
        and isinstance(n.body[0], ast.Expr)
        and isinstance(n.body[0].value, ast.Constant)
    }
    return sorted(
        (n.lineno, n.value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant)
        and isinstance(n.value, str)
        and id(n) not in docs
        and _PATH.match(n.value.strip())
    )


def test_the_scan_finds_layout_paths_and_not_prose():
    src = (
        '"""Reads summary.json."""\n'
        'a = root / "summary.json"\n'
        'b = f"{root}/recommendations/{name}"\n'
        'c = "x/fit.nc"\n'
        'd = "the value_per_visit of the run\'s config.toml"\n'
        'e = "recommendation"\n'
    )
    assert [t for _, t in layout_literals(src)] == ["summary.json", "/recommendations/", "x/fit.nc"]


def test_layout_file_names_appear_only_in_the_run_folder_module():
    found = []
    for f in sorted(PACKAGE.rglob("*.py")):
        if f.name == "run_folder.py" and f.parent == PACKAGE:
            continue
        found += [
            f"{f.relative_to(PACKAGE)}:{ln}: {t!r}" for ln, t in layout_literals(f.read_text())
        ]
    assert found == []
    own = layout_literals((PACKAGE / "run_folder.py").read_text())
    assert {t for _, t in own} >= {"config.toml", "summary.json", "recommendations", "fit.nc"}


# ----------------------------------------------------------------- round trips
def test_config_manifest_and_summary_round_trip(tmp_path):
    run = RunFolder(tmp_path / "run")
    assert run.read_config() == {} and run.read_manifest() == {} and run.read_summary() is None
    cfg = {"data": {"media": "m.csv"}, "sampler": {"draws": 10}, "optimizer": {"currency": "$"}}
    assert run.write_config(cfg) == tmp_path / "run" / "config.toml"
    assert run.read_config() == cfg
    assert run.settings == {"currency": "$"} and run.currency() == "$"
    manifest = {"seed": 3, "data_files": {}, "timings": {"fit_wall_s": 1.5}}
    run.write_manifest(manifest)
    assert run.read_manifest() == {**manifest, "layout_version": LAYOUT_VERSION}
    summary = RunSummary.from_dict(small_summary())
    run.write_summary(summary)
    back = run.read_summary()
    assert back == summary and back.schema_version == SUMMARY_SCHEMA_VERSION
    assert json.loads(run.summary_file.read_text()) == summary.to_dict()  # the file as written
    assert run.layout_version == LAYOUT_VERSION
    # a frozen value around the path
    assert RunFolder(str(tmp_path / "run")) == run
    with pytest.raises(AttributeError):
        run.path = tmp_path  # type: ignore[misc]


def test_summary_of_an_older_fit_is_brought_to_the_schema(tmp_path):
    old = {"roas": [{"outcome": "sales", "median": 1.2}], "contributions": [{"mean": 5.0}]}
    new = migrate_summary(old)
    assert new["schema_version"] == SUMMARY_SCHEMA_VERSION
    assert new["roas"] == [{"geo": "all", "outcome": "sales", "median": 1.2}]
    assert new["contributions"] == [{"geo": "all", "mean": 5.0}]
    assert "schema_version" not in old  # the input is not changed
    run = RunFolder(tmp_path)
    run.summary_file.write_text(json.dumps({**old, "schema_version": "2.0"}))
    with pytest.raises(RunFolderError, match=r"summary.json has schema_version 2.0") as e:
        run.read_summary()
    assert e.value.folder == str(tmp_path) and e.value.file == "summary.json"


@pytest.fixture(scope="module")
def base_run(tmp_path_factory):
    """A saved synthetic fit (three lines, revenue and store visits) with a recommendation."""
    rng = np.random.default_rng(11)
    n_t, n_d = 26, 30
    fit = synthetic_fit(
        rng.uniform(50, 150, size=(n_t, 1, 3)),
        SERIES,
        {"search": "conversion", "video": "awareness"},
        half=rng.uniform(0.5, 2, size=(n_d, 2)),
        weights=np.array([[0.7, 0.3], [0.6, 0.4]]),
        beta=rng.uniform(0.5, 3, size=(n_d, 2, 1, 3)),
        outcomes=(("online_sales", "revenue"), ("store_visits", "count")),
    )
    out = tmp_path_factory.mktemp("rf") / "run"
    paths = write_run(fit, out)
    argv = ["optimize", str(out), "--budget", "1500", "--horizon", "4", "--max-change", "none"]
    with contextlib.redirect_stdout(io.StringIO()):
        assert main([*argv, "--value-per-visit", "3", "--starts", "1", "--quiet"]) == 0
    return {"path": out, "paths": paths}


@pytest.fixture
def run(base_run, tmp_path):
    out = tmp_path / "run"
    shutil.copytree(base_run["path"], out)
    return out


def test_write_run_writes_the_layout_the_folder_reads(base_run):
    run = RunFolder.open(base_run["path"])
    paths = base_run["paths"]
    assert paths["fit"] == run.fit_file and paths["config"] == run.config_file
    assert paths["manifest"] == run.manifest_file and paths["summary"] == run.summary_file
    assert run.read_summary(required=True).to_dict() == json.loads(run.summary_file.read_text())
    assert run.read_manifest()["layout_version"] == LAYOUT_VERSION
    assert run.read_config()["data"]["media"] == str(run.data_dir / "media.csv")
    assert list(run.stored_recommendations()) == ["recommended"]
    rec, path = run.read_recommendation()
    assert path == run.recommendations_dir / "recommended" / "recommendation.json"
    assert rec.settings.name == "recommended" and rec.settings.budget == 1500


# ------------------------------------------------------------------ migration
def _to_legacy(run: Path) -> dict:
    """Rewrite ``run`` as a layout-1 folder: the recommendation at the top level."""
    stored = run / "recommendations" / "recommended"
    before = {f: (stored / f).read_bytes() for f in ("recommendation.json", "allocation.csv")}
    shutil.move(stored / "recommendation.json", run / "recommendation.json")
    shutil.move(stored / "allocation.csv", run / "recommendation.csv")
    shutil.move(stored / "weekly.csv", run / "recommendation_weekly.csv")
    shutil.rmtree(run / "recommendations")
    m = json.loads((run / "manifest.json").read_text())
    del m["layout_version"]
    (run / "manifest.json").write_text(json.dumps(m))
    return before


def test_a_legacy_top_level_recommendation_is_read_and_migrated(run):
    before = _to_legacy(run)
    folder = RunFolder(run)
    assert folder.layout_version == 1
    assert folder.stored_recommendations() == {"recommended": run / "recommendation.json"}
    rec, path = folder.read_recommendation()
    assert path == run / "recommendation.json"
    assert rec.to_dict() == json.loads(before["recommendation.json"])
    moved = folder.migrate()
    assert moved == [
        "recommendation.json -> recommendations/recommended/recommendation.json",
        "recommendation.csv -> recommendations/recommended/allocation.csv",
        "recommendation_weekly.csv -> recommendations/recommended/weekly.csv",
    ]
    stored = run / "recommendations" / "recommended"
    for f, data in before.items():
        assert (stored / f).read_bytes() == data  # moved unchanged
    assert not any((run / f).exists() for f in ("recommendation.json", "recommendation.csv"))
    assert folder.layout_version == LAYOUT_VERSION
    assert json.loads((run / "manifest.json").read_text())["layout_version"] == LAYOUT_VERSION
    rec, path = folder.read_recommendation()
    assert (rec.to_dict(), path) == (
        json.loads(before["recommendation.json"]),
        stored / "recommendation.json",
    )
    assert folder.migrate() == []  # a current folder is left as is


def test_export_migrates_a_legacy_folder(run, capsys):
    before = _to_legacy(run)
    assert main(["export", str(run), "--quiet"]) == 0
    rec = json.loads(before["recommendation.json"])
    plan = pd.read_csv(run / "tables" / "plan_recommended.csv")
    assert plan["spend_plan"].sum() == pytest.approx(
        sum(a["recommended"] for a in rec["allocation"])
    )
    assert (run / "recommendations" / "recommended" / "recommendation.json").read_bytes() == (
        before["recommendation.json"]
    )
    assert not (run / "recommendation.json").exists()


def test_a_shadowed_legacy_recommendation_is_kept_under_its_own_name(run):
    stored = run / "recommendations" / "recommended" / "recommendation.json"
    old = json.loads(stored.read_text())
    old["settings"]["budget"] = 999.0
    (run / "recommendation.json").write_text(json.dumps(old))
    folder = RunFolder(run)
    assert folder.read_recommendation()[1] == stored  # the named one wins, as before
    assert folder.migrate() == ["recommendation.json -> recommendations/legacy/recommendation.json"]
    assert folder.read_recommendation("legacy")[0].settings.budget == 999.0
    assert list(folder.stored_recommendations()) == ["legacy", "recommended"]


# --------------------------------------------------------------------- errors
def _fails(argv, capsys) -> str:
    capsys.readouterr()
    with contextlib.redirect_stdout(io.StringIO()):
        rc = main(argv)
    err = capsys.readouterr().err
    assert rc == 2, err
    assert "Traceback" not in err and "\nerror: run folder " in "\n" + err
    return err


@pytest.mark.parametrize(
    "command",
    [
        ["report"],
        ["export"],
        ["optimize", "--budget", "1000", "--value-per-visit", "3"],
        ["scenarios", "--value-per-visit", "3"],
        ["backtest", "--holdout", "4"],
    ],
    ids=lambda c: c[0],
)
def test_a_folder_without_fit_nc_exits_2_naming_folder_file_and_fix(run, capsys, command):
    (run / "fit.nc").unlink()
    files = sorted(p.relative_to(run) for p in run.rglob("*"))
    err = _fails([command[0], str(run), *command[1:]], capsys)
    assert f"run folder {run}: fit.nc is missing, so this is not a run folder" in err
    assert f"`mmm fit CONFIG --out {run}`" in err
    assert sorted(p.relative_to(run) for p in run.rglob("*")) == files  # nothing written


@pytest.mark.parametrize("command", [["report"], ["export"], ["reproduce"]], ids=lambda c: c[0])
def test_a_corrupt_summary_exits_2_naming_the_file(run, capsys, command):
    (run / "summary.json").write_text('{"roas": [')
    err = _fails([command[0], str(run), *command[1:]], capsys)
    assert f"run folder {run}: summary.json is not valid JSON" in err
    assert "refit with `mmm fit` to rewrite it" in err


def test_reproduce_names_a_missing_manifest(run, capsys):
    (run / "manifest.json").unlink()
    err = _fails(["reproduce", str(run)], capsys)
    assert f"run folder {run}: manifest.json is missing" in err


def test_the_error_type_is_a_not_fitted_error(tmp_path):
    with pytest.raises(NotFittedError) as e:
        RunFolder.open(tmp_path / "nope")
    assert isinstance(e.value, RunFolderError) and str(tmp_path / "nope") in str(e.value)
