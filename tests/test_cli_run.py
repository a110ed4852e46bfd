"""The run commands end to end: fit -> report -> reproduce, exit codes, run folder."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import tomllib

import pandas as pd
import pytest

from mmm.cli import main


@pytest.fixture(scope="module")
def cli_run(demo_sim, demo_fit, tmp_path_factory):
    """`mmm fit` on the simulated files (same data and sampler settings as ``demo_fit``,
    so the compiled model is reused)."""
    root = tmp_path_factory.mktemp("cli")
    files = demo_sim.write(root / "input")
    out = root / "run"
    rc = main(
        [
            "fit",
            "--media",
            str(files["media"]),
            "--outcomes",
            str(files["outcomes"]),
            "--channels",
            str(files["channels"]),
            "--controls",
            str(files["controls"]),
            "--out",
            str(out),
            "--draws",
            "400",
            "--tune",
            "400",
            "--chains",
            "2",
            "--seed",
            "5",
            "--quiet",
        ]
    )
    return rc, out, files


def test_fit_writes_a_complete_run_folder(cli_run):
    rc, out, files = cli_run
    assert rc in (0, 3)  # 3 only if a health check failed on this short fit
    for name in ("fit.nc", "fit.json", "config.toml", "manifest.json", "summary.json"):
        assert (out / name).is_file(), name
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 5
    assert set(manifest["data_files"]) >= {"media", "outcomes", "channels", "controls"}
    assert all(len(v["sha256"]) == 64 for v in manifest["data_files"].values())
    assert manifest["versions"]["pymc"]
    config = tomllib.loads((out / "config.toml").read_text())
    assert config["model"]["mediator"] == "brand_search"
    assert config["sampler"]["draws"] == 400
    summary = json.loads((out / "summary.json").read_text())
    assert {r["outcome"] for r in summary["roas"]} == {"online_sales", "store_visits"}
    # the planner tables come with the run (no plan stored yet)
    tables = out / "tables"
    assert (tables / "report.xlsx").is_file()
    assert len(pd.read_csv(tables / "returns.csv")) == len(summary["roas"])
    assert not list(tables.glob("plan_*.csv"))


def test_cli_fit_matches_the_library_fit(cli_run, demo_fit):
    """Same data, spec and seed through the CLI as through the library: same posterior."""
    import numpy as np

    from mmm.inference.fit import FitResult

    _, out, _ = cli_run
    loaded = FitResult.load(out)
    np.testing.assert_array_equal(
        loaded.posterior["roas_direct"].values, demo_fit.posterior["roas_direct"].values
    )


def test_report_command_writes_html(cli_run, capsys):
    _, out, _ = cli_run
    assert main(["report", str(out)]) == 0
    html = (out / "report.html").read_text()
    assert "<html" in html.lower() and "store visits" in html.lower()
    assert str(out / "report.html") in capsys.readouterr().out


def test_optimize_command_writes_the_recommendation_and_the_report_shows_it(cli_run, capsys):
    _, out, _ = cli_run
    rc = main(
        [
            "optimize",
            str(out),
            "--budget",
            "5000000",
            "--value-per-visit",
            "25",
            "--max-change",
            "0.3",
            "--lock",
            "email_crm",
        ]
    )
    assert rc == 0
    printed = capsys.readouterr().out
    assert "probability the recommendation beats the current plan" in printed
    rec = json.loads((out / "recommendations" / "recommended" / "recommendation.json").read_text())
    alloc = rec["allocation"]
    assert sum(r["recommended"] for r in alloc) == pytest.approx(5_000_000, rel=1e-6)
    for r in alloc:
        if r["channel"] == "email_crm":
            assert r["recommended"] == pytest.approx(r["current"], rel=1e-6)
    assert rec["summary"]["solver"]["starts"] == 5  # the default
    plan = pd.read_csv(out / "tables" / "plan_recommended.csv")  # refreshed by the command
    assert plan["spend_plan"].tolist() == [r["recommended"] for r in alloc]
    assert main(["report", str(out)]) == 0
    html = (out / "report.html").read_text()
    assert "Moving money as recommended" in html
    assert "its steepness learnt from the data" in html  # the default spec's Hill slope


def test_optimize_starts_option(cli_run, tmp_path, capsys):
    _, out, _ = cli_run
    run = tmp_path / "run"
    shutil.copytree(out, run)
    argv = ["optimize", str(run), "--budget", "5000000", "--value-per-visit", "25"]
    assert main([*argv, "--starts", "1", "--name", "one_start", "--quiet"]) == 0
    rec = json.loads((run / "recommendations" / "one_start" / "recommendation.json").read_text())
    assert rec["summary"]["solver"]["starts"] == 1
    assert main([*argv, "--starts", "0", "--name", "no_start"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_optimize_with_conflicting_constraints_exits_2(cli_run, capsys):
    _, out, _ = cli_run
    rc = main(
        [
            "optimize",
            str(out),
            "--budget",
            "100",
            "--max-change",
            "0.1",
            "--value-per-visit",
            "25",
            "--name",
            "c",
        ]
    )
    assert rc == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "budget" in err


def test_reproduce_agrees_with_the_stored_run(cli_run, capsys):
    rc, out, _ = cli_run
    capsys.readouterr()
    assert main(["reproduce", str(out), "--quiet"]) == 0
    # the refit's health is flagged by the policy `mmm fit` exits on (same seed, same checks)
    assert ("model health check failed" in capsys.readouterr().err) == (rc == 3)


def test_reproduce_fails_loudly_when_the_data_changed(cli_run, capsys, tmp_path):

    _, out, files = cli_run
    run = tmp_path / "run"
    shutil.copytree(out, run)
    manifest = json.loads((run / "manifest.json").read_text())
    media = tmp_path / "media.csv"
    media.write_text(files["media"].read_text().replace(",1", ",2", 1))
    manifest["data_files"]["media"]["path"] = str(media)
    (run / "manifest.json").write_text(json.dumps(manifest))
    assert main(["reproduce", str(run), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "SHA-256 differs" in err and "Traceback" not in err


def test_reproduce_reports_a_drifted_summary(cli_run, capsys, tmp_path):

    _, out, _ = cli_run
    run = tmp_path / "run"
    shutil.copytree(out, run)
    summary = json.loads((run / "summary.json").read_text())
    summary["roas"][0]["median"] *= 2.0
    (run / "summary.json").write_text(json.dumps(summary))
    assert main(["reproduce", str(run), "--quiet"]) == 3
    err = capsys.readouterr().err
    assert "disagrees" in err and summary["roas"][0]["channel"] in err


def test_the_demo_run_summary_round_trips_through_the_typed_summary(demo_run, cli_run):
    """dict -> RunSummary -> dict gives summary.json back exactly (the suite's demo run and
    the same fit through `mmm fit`), and a rewrite is the same file byte for byte."""
    from mmm.run_folder import RunFolder
    from mmm.run_summary import RunSummary

    for folder in (demo_run, cli_run[1]):
        run = RunFolder(folder)
        text = run.summary_file.read_text()
        s = run.read_summary(required=True)
        assert s.to_dict() == json.loads(text)
        assert RunSummary.from_dict(json.loads(text)).to_dict() == json.loads(text)
        assert s.media_totals and s.audiences and s.geos is None and s.calibration is None
        assert json.dumps(s.to_dict(), indent=2, sort_keys=True) == text


def test_report_on_a_folder_without_a_fit_exits_2(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "mmm fit" in err


def test_init_writes_a_commented_template(tmp_path):
    assert main(["init", str(tmp_path)]) == 0
    text = (tmp_path / "config.toml").read_text()
    assert text.count("#") > 10  # commented
    assert "[model.media]" in text and "[model.baseline]" in text  # the grouped form
    from mmm.config import load_config

    cfg = load_config(tmp_path / "config.toml")  # parses, every default of the code
    assert cfg.model.baseline.trend == "linear" and cfg.model.mediator == "brand_search"
    assert main(["init", str(tmp_path)]) == 2  # refuses to overwrite


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('[data]\nmedia = "m.csv"\noutcomes = "o.csv"\n', "data.channels"),
        (
            '[data]\nmedia = "m.csv"\noutcomes = "o.csv"\nchannels = "c.csv"\n[model]\ntren = "x"\n',
            "tren",
        ),
        (
            '[data]\nmedia = "m.csv"\noutcomes = "o.csv"\nchannels = "c.csv"\n[sampler]\ndraws = -5\n',
            "draws",
        ),
        (
            '[data]\nmedia = "m.csv"\noutcomes = "o.csv"\nchannels = "c.csv"\n[budget]\nx = 1\n',
            "not a known section",
        ),
        ("[data\nmedia = 1\n", "TOML"),
    ],
)
def test_bad_config_exits_2_naming_the_key(tmp_path, capsys, toml, expected):
    cfg = tmp_path / "config.toml"
    cfg.write_text(toml)
    assert main(["fit", str(cfg), "--out", str(tmp_path / "run"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert expected in err and str(cfg) in err and "Traceback" not in err


def test_example_configs_parse_and_choose_their_carry_over():
    """The shipped example configs are valid; Meridian's all-channels data are fitted with
    the geometric carry-over (max lag 8) they were simulated with."""
    from pathlib import Path

    from mmm.config import load_config

    root = Path(__file__).resolve().parents[1] / "examples"
    # run configs; examples/batch/portfolio.toml is a batch file (tested with docs/batch.md)
    configs = sorted(p for p in root.rglob("*.toml") if p.parent.name != "batch")
    assert len(configs) >= 2
    parsed = {p.stem: load_config(p) for p in configs}
    stages = dict(parsed["geo_all_channels"].model.media.stages)
    assert (stages["awareness"].adstock, stages["awareness"].l_max) == ("geometric", 8)


def test_fit_on_missing_data_file_exits_2(tmp_path, capsys):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[data]\nmedia = "m.csv"\noutcomes = "o.csv"\nchannels = "c.csv"\n')
    assert main(["fit", str(cfg), "--out", str(tmp_path / "run"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "m.csv" in err and "Traceback" not in err


def _main_captured(argv):
    """``main(argv)`` with its stdout and stderr captured: (rc, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    return rc, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def three_file_runs(demo_sim, tmp_path_factory):
    """`mmm fit` with only media, outcomes and channel files (printing its progress), then
    again from its config with ``--quiet``; what each printed is kept beside its run folder
    (``first.stdout``, ``first.stderr``, ...)."""
    root = tmp_path_factory.mktemp("three")
    files = demo_sim.write(root / "input")
    first = root / "first"
    rc1, out1, err1 = _main_captured(
        [
            "fit",
            "--media",
            str(files["media"]),
            "--outcomes",
            str(files["outcomes"]),
            "--channels",
            str(files["channels"]),
            "--out",
            str(first),
            "--draws",
            "100",
            "--tune",
            "100",
            "--chains",
            "2",
            "--seed",
            "11",
        ]
    )
    second = root / "second"
    rc2, out2, err2 = _main_captured(
        ["fit", str(first / "config.toml"), "--out", str(second), "--quiet"]
    )
    for run, printed in ((first, (out1, err1)), (second, (out2, err2))):
        (root / f"{run.name}.stdout").write_text(printed[0])
        (root / f"{run.name}.stderr").write_text(printed[1])
    return rc1, rc2, first, second


def _printed(run):
    """What the command that wrote ``run`` printed: (stdout, stderr)."""
    return tuple((run.parent / f"{run.name}.{s}").read_text() for s in ("stdout", "stderr"))


STAGE_LINES = (
    "compiling the model",
    "compiled in",
    "read the compiled model from the disk cache",
    "reused the compiled model",
    "sampling ",
    "sampled in",
)


def test_fit_prints_its_stages_with_elapsed_time_on_stderr(three_file_runs):
    out, err = _printed(three_file_runs[2])
    lines = err.splitlines()
    compile_lines = [
        ln
        for ln in lines
        if re.fullmatch(r"(compiled|read the compiled model from the disk cache) in \d+\.\d s", ln)
    ]
    reuse = [ln for ln in lines if re.fullmatch(r"reused the compiled model \(\d+\.\d s\)", ln)]
    # a model is compiled or read from the disk cache (announced first), or one compiled
    # earlier in the process is reused
    if compile_lines:
        assert len(compile_lines) == 1 and not reuse, err
        assert lines.index("compiling the model ...") < lines.index(compile_lines[0])
    else:
        assert len(reuse) == 1, err
    assert "sampling 2 chains x 100 draws ..." in lines, err
    sampled = [ln for ln in lines if re.fullmatch(r"sampled in \d+\.\d s", ln)]
    assert len(sampled) == 1, err
    assert lines.index("sampling 2 chains x 100 draws ...") < lines.index(sampled[0])
    # stdout stays the parseable results: no stage line, no library notice
    assert not any(s in out for s in STAGE_LINES), out
    assert out.startswith("fitting ")
    for notice in ("ArviZ is undergoing", "could not link to a BLAS"):
        assert notice not in err and notice not in out


def test_fit_with_quiet_prints_no_stage_line(three_file_runs):
    out, err = _printed(three_file_runs[3])
    assert out == ""
    assert not any(s in err for s in STAGE_LINES), err


def test_fit_checks_its_inputs_before_any_progress_line(demo_sim, tmp_path):
    files = demo_sim.write(tmp_path / "input")
    bad = tmp_path / "bad_media.csv"
    text = files["media"].read_text().splitlines()
    bad.write_text("\n".join([*text[:3], text[2], *text[3:]]) + "\n")  # a repeated row
    rc, out, err = _main_captured(
        [
            "fit",
            "--media",
            str(bad),
            "--outcomes",
            str(files["outcomes"]),
            "--channels",
            str(files["channels"]),
            "--out",
            str(tmp_path / "run"),
        ]
    )
    assert rc == 2, err
    assert "bad_media.csv" in err and "Traceback" not in err
    assert not any(s in err or s in out for s in (*STAGE_LINES, "fitting ")), (out, err)


def test_fit_with_only_the_three_data_files(three_file_runs):
    rc1, _, first, _ = three_file_runs
    assert rc1 in (0, 3)  # 3: a health check failed on this deliberately short fit
    summary = json.loads((first / "summary.json").read_text())
    config = tomllib.loads((first / "config.toml").read_text())
    assert "controls" not in config["data"]
    assert config["model"]["mediator"] == "brand_search"  # found among the outcomes
    assert {r["outcome"] for r in summary["roas"]} == {"online_sales", "store_visits"}
    assert len({(r["channel"], r["audience"]) for r in summary["roas"]}) == 11


def test_same_config_data_and_seed_give_an_identical_summary(three_file_runs):
    rc1, rc2, first, second = three_file_runs
    assert rc2 == rc1
    assert (second / "summary.json").read_bytes() == (first / "summary.json").read_bytes()


def _csv_files(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.csv"))}


def test_report_writes_the_tables_beside_it_as_export_does(cli_run, monkeypatch):
    """`mmm report` writes RUN/tables/ in a second process (`mmm export`) while it builds
    the report: the same CSV files, byte for byte, as written in this process."""
    import subprocess

    from mmm.cli.report import refresh_tables

    started = []
    popen = subprocess.Popen

    def recording_popen(cmd, *args, **kwargs):
        started.append(list(cmd))
        return popen(cmd, *args, **kwargs)

    _, out, _ = cli_run
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(subprocess, "Popen", recording_popen)
    shutil.rmtree(out / "tables")
    assert main(["report", str(out), "--quiet"]) == 0
    assert [cmd[1:] for cmd in started] == [["-m", "mmm", "export", str(out), "--quiet"]]
    beside = _csv_files(out / "tables")
    assert {"returns.csv", "contributions_weekly.csv"} <= set(beside)
    assert (out / "tables" / "report.xlsx").is_file()
    refresh_tables(out)
    assert _csv_files(out / "tables") == beside


def test_tables_beside_says_why_they_could_not_be_written(cli_run, tmp_path):
    """A folder that is no run folder is refused before a second process starts; an
    error of the second process comes back as mmm's error with its message."""
    from mmm.cli.report import tables_beside
    from mmm.errors import MMMError, RunFolderError

    folder = tmp_path / "not_a_run"
    folder.mkdir()
    with pytest.raises(RunFolderError, match="fit.nc is missing"), tables_beside(folder):
        raise AssertionError("the block does not run")
    _, out, _ = cli_run
    broken = tmp_path / "broken"
    shutil.copytree(out, broken)
    (broken / "fit.nc").write_bytes(b"not a fit")
    with (
        pytest.raises(MMMError, match=r"the tables of .*broken could not be written: ") as e,
        tables_beside(broken),
    ):
        pass
    assert "fit.nc in" in str(e.value) and "not a readable fit" in str(e.value)
    assert "Traceback" not in str(e.value)


def test_tables_beside_finish_when_the_block_fails(cli_run):
    """The block's error propagates after the tables are written whole (a second process
    cut off would leave part of them)."""
    from mmm.cli.report import tables_beside

    _, out, _ = cli_run
    shutil.rmtree(out / "tables")
    with pytest.raises(RuntimeError, match="report failed"), tables_beside(out):
        raise RuntimeError("report failed")
    assert (out / "tables" / "report.xlsx").is_file()
    assert len(pd.read_csv(out / "tables" / "returns.csv")) > 0


def test_tables_beside_on_one_core_are_written_in_this_process(cli_run, monkeypatch):
    """With one usable core nothing is gained from a second process: the tables are
    written here, after the block."""
    import subprocess

    from mmm.cli.report import tables_beside

    def no_process(*args, **kwargs):
        raise AssertionError("no second process on one core")

    _, out, _ = cli_run
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0}, raising=False)
    monkeypatch.setattr(subprocess, "Popen", no_process)
    shutil.rmtree(out / "tables")
    with tables_beside(out) as tables:
        assert not (out / "tables").exists() and tables == {}
    assert tables == {"tables": out / "tables" / "report.xlsx"} and tables["tables"].is_file()
