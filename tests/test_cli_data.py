"""The data commands of the command line: ``mmm simulate`` and ``mmm validate``.

Every command goes through :func:`mmm.cli.main` (exit codes, messages without
tracebacks); one test runs the installed console script end to end.
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from mmm.cli import main

# pandas deprecations (e.g. DatetimeIndex.weekday on pandas 3) fail these tests
pytestmark = [
    pytest.mark.filterwarnings("error::DeprecationWarning"),
    pytest.mark.filterwarnings("error::FutureWarning"),
    pytest.mark.filterwarnings("ignore::mmm.errors.DataWarning"),
]

SIM_FILES = ("media.csv", "outcomes.csv", "controls.csv", "channels.csv", "truth.json")


def _simulate(out: Path, *extra: str) -> int:
    return main(["simulate", "--out", str(out), "--periods", "60", *extra])


@pytest.fixture(scope="module")
def sim_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sim") / "data"
    assert _simulate(out, "--seed", "7") == 0
    return out


def _validate_args(folder: Path, **override: Path) -> list[str]:
    files = {
        "media": folder / "media.csv",
        "outcomes": folder / "outcomes.csv",
        "controls": folder / "controls.csv",
        "channels": folder / "channels.csv",
    }
    files.update(override)
    args = ["validate"]
    for option, path in files.items():
        args += [f"--{option}", str(path)]
    return args


def _no_traceback(captured) -> None:
    assert "Traceback" not in captured.out
    assert "Traceback" not in captured.err


# ---------------------------------------------------------------- simulate


def test_simulate_writes_the_five_files(sim_dir, tmp_path, capsys):
    out = tmp_path / "national"
    assert _simulate(out, "--seed", "7") == 0
    printed = capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == sorted(SIM_FILES)
    for name in SIM_FILES:
        assert str(out / name) in printed
    media = pd.read_csv(out / "media.csv")
    assert {"date", "geo", "channel", "audience", "spend"} <= set(media.columns)
    assert media["date"].nunique() == 60
    assert set(media["geo"]) == {"all"}
    truth = json.loads((out / "truth.json").read_text())
    assert isinstance(truth, dict) and truth


def test_simulate_same_seed_gives_identical_bytes(sim_dir, tmp_path):
    again = tmp_path / "again"
    assert _simulate(again, "--seed", "7") == 0
    for name in SIM_FILES:
        assert (again / name).read_bytes() == (sim_dir / name).read_bytes(), name
    other = tmp_path / "other"
    assert _simulate(other, "--seed", "8") == 0
    assert (other / "media.csv").read_bytes() != (sim_dir / "media.csv").read_bytes()


def test_simulate_with_geos_writes_a_geo_table(tmp_path):
    out = tmp_path / "geo"
    assert main(["simulate", "--out", str(out), "--periods", "30", "--geos", "3"]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted((*SIM_FILES, "geos.csv"))
    geos = pd.read_csv(out / "geos.csv")
    media = pd.read_csv(out / "media.csv")
    assert len(geos) == 3
    assert set(geos["geo"]) == set(media["geo"])


# ---------------------------------------------------------------- validate: good files


def _section(text: str, title: str) -> list[list[str]]:
    """Rows (split on 2+ spaces) of the table under ``title`` in the summary text."""
    lines = text.splitlines()
    start = lines.index(title) + 3  # title, header, dashes
    rows = []
    for line in lines[start:]:
        if not line.strip():
            break
        rows.append(re.split(r"\s{2,}", line.strip()))
    return rows


def _money(text: str) -> float:
    return float(text.replace(",", ""))


def test_validate_good_files_prints_the_summary(sim_dir, capsys):
    assert main(_validate_args(sim_dir)) == 0
    captured = capsys.readouterr()
    _no_traceback(captured)
    text = captured.out
    media = pd.read_csv(sim_dir / "media.csv")
    outcomes = pd.read_csv(sim_dir / "outcomes.csv")
    dates = sorted(media["date"].unique())
    assert f"Dates:       {dates[0]} to {dates[-1]}" in text
    assert "Frequency:   W-MON" in text
    assert "Periods:     60" in text
    assert "Controls:    price_index, promo, holiday" in text

    # spend per channel and audience, and per channel, equal the sums of the CSV rows
    by_series = media.groupby(["channel", "audience"])["spend"].sum()
    rows = _section(text, "Spend by channel and audience")
    assert rows[-1][0] == "total"
    assert _money(rows[-1][1]) == pytest.approx(media["spend"].sum(), abs=0.01)
    series_rows = rows[:-1]
    assert len(series_rows) == len(by_series)
    for channel, audience, _stage, spend, _share in series_rows:
        assert _money(spend) == pytest.approx(by_series[(channel, audience)], abs=0.01)
    by_channel = media.groupby("channel")["spend"].sum()
    channel_rows = _section(text, "Spend by channel")
    assert [r[0] for r in channel_rows] == list(dict.fromkeys(media["channel"]))
    for channel, _stage, spend, share in channel_rows:
        assert _money(spend) == pytest.approx(by_channel[channel], abs=0.01)
        expected_share = 100 * by_channel[channel] / media["spend"].sum()
        assert float(share.rstrip("%")) == pytest.approx(expected_share, abs=0.051)

    # outcome totals
    outcome_rows = _section(text, "Outcomes")
    names = [c for c in outcomes.columns if c not in ("date", "geo")]
    assert [r[0] for r in outcome_rows] == names
    for name, total, mean, low, high in outcome_rows:
        column = outcomes[name]
        assert _money(total) == pytest.approx(column.sum(), abs=0.01)
        assert _money(mean) == pytest.approx(column.sum() / 60, abs=0.01)
        assert _money(low) == pytest.approx(column.min(), abs=0.01)
        assert _money(high) == pytest.approx(column.max(), abs=0.01)


@pytest.mark.filterwarnings("default::mmm.errors.DataWarning")
def test_validate_prints_each_data_warning_once(sim_dir, capsys):
    """60 weekly periods are few for 11 series: the warning is in the summary, not on stderr."""
    assert main(_validate_args(sim_dir)) == 0
    captured = capsys.readouterr()
    both = captured.out + captured.err
    assert both.count("60 weekly periods x 1 geo(s) = 60 observations") == 1
    assert "warnings.warn" not in both and ".py:" not in captured.err


def test_validate_json_is_parseable_and_matches_the_files(sim_dir, capsys):
    assert main([*_validate_args(sim_dir), "--json"]) == 0
    captured = capsys.readouterr()
    _no_traceback(captured)
    summary = json.loads(captured.out)
    media = pd.read_csv(sim_dir / "media.csv")
    outcomes = pd.read_csv(sim_dir / "outcomes.csv")
    assert summary["start"] == media["date"].min()
    assert summary["end"] == media["date"].max()
    assert summary["freq"] == "W-MON"
    assert summary["n_periods"] == 60
    assert summary["geos"] == ["all"]
    assert summary["controls"] == ["price_index", "promo", "holiday"]
    by_channel = media.groupby("channel")["spend"].sum()
    got = {r["channel"]: r["total"] for r in summary["channel_spend"]}
    assert got.keys() == set(by_channel.index)
    for channel, total in got.items():
        assert total == pytest.approx(by_channel[channel], rel=1e-12)
    assert sum(r["share"] for r in summary["series_spend"]) == pytest.approx(1.0)
    totals = {r["outcome"]: r["total"] for r in summary["outcomes"]}
    for name, total in totals.items():
        assert total == pytest.approx(outcomes[name].sum(), rel=1e-12)
    assert len(summary["fingerprint"]) == 64


# ---------------------------------------------------------------- validate: broken files


def _broken_media(sim_dir: Path, tmp_path: Path, edit) -> Path:
    media = pd.read_csv(sim_dir / "media.csv", dtype=str, keep_default_na=False)
    path = tmp_path / "media.csv"
    edit(media).to_csv(path, index=False)
    return path


def _run_broken(args, capsys) -> str:
    assert main(args) == 2
    captured = capsys.readouterr()
    _no_traceback(captured)
    assert captured.out == ""
    assert captured.err.startswith("error: ")
    return captured.err


def test_validate_negative_spend(sim_dir, tmp_path, capsys):
    def edit(media):
        media.loc[4, "spend"] = "-12.5"
        return media

    path = _broken_media(sim_dir, tmp_path, edit)
    message = _run_broken(_validate_args(sim_dir, media=path), capsys)
    assert f"[media: {path}]" in message
    assert "column 'spend'" in message
    assert "row(s) 6 (-12.5)" in message
    assert "Fix:" in message


def test_validate_missing_column(sim_dir, tmp_path, capsys):
    path = _broken_media(sim_dir, tmp_path, lambda m: m.drop(columns="channel"))
    message = _run_broken(_validate_args(sim_dir, media=path), capsys)
    assert f"[media: {path}]" in message
    assert "missing required column(s) ['channel']" in message


@pytest.mark.parametrize(
    "name, content",
    [
        ("media.xlsx", b"PK\x03\x04 not a spreadsheet either"),
        ("media.csv", b"\xff\xfe\x00\x00\xc3\x28 binary \x00\x01"),
        ("media.csv", b""),
        (
            "media.csv.gz",
            gzip.compress(b"date,channel,spend\n2023-01-02,tv,1\n" * 20, mtime=0)[:30],
        ),
        ("media.csv.zip", b"PK\x03\x04 truncated archive"),
    ],
)
def test_validate_not_a_csv(sim_dir, tmp_path, capsys, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    message = _run_broken(_validate_args(sim_dir, media=path), capsys)
    assert f"[media: {path}]" in message
    assert "Fix:" in message


def test_validate_missing_file(sim_dir, tmp_path, capsys):
    path = tmp_path / "nowhere" / "outcomes.csv"
    message = _run_broken(_validate_args(sim_dir, outcomes=path), capsys)
    assert f"[outcomes: {path}] file not found" in message


def test_validate_channel_missing_from_catalogue(sim_dir, tmp_path, capsys):
    catalogue = pd.read_csv(sim_dir / "channels.csv")
    path = tmp_path / "channels.csv"
    catalogue[catalogue["channel"] != "email_crm"].to_csv(path, index=False)
    media = pd.read_csv(sim_dir / "media.csv")
    n_rows = int((media["channel"] == "email_crm").sum())
    message = _run_broken(_validate_args(sim_dir, channels=path), capsys)
    assert f"[channels: {path}]" in message
    assert f"'email_crm' ({n_rows} rows)" in message
    assert "missing from the channel catalogue" in message


def test_validate_reports_every_problem_at_once(sim_dir, tmp_path, capsys):
    def edit(media):
        media.loc[0, "spend"] = "abc"
        media.loc[2, "date"] = "2023-13-01"
        return media

    path = _broken_media(sim_dir, tmp_path, edit)
    message = _run_broken(_validate_args(sim_dir, media=path), capsys)
    assert "2 problem(s) in the input data" in message
    assert "row(s) 2 ('abc')" in message
    assert "row(s) 4 ('2023-13-01')" in message


def test_installed_console_script_exits_2_without_traceback(sim_dir, tmp_path):
    script = Path(sys.executable).parent / "mmm"
    if not script.exists():
        pytest.skip(f"console script not installed next to {sys.executable}")

    def edit(media):
        media.loc[1, "spend"] = "-1"
        return media

    path = _broken_media(sim_dir, tmp_path, edit)
    result = subprocess.run(
        [str(script), *_validate_args(sim_dir, media=path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": str(script.parent), "HOME": str(tmp_path)},
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert f"[media: {path}]" in result.stderr
    assert "column 'spend'" in result.stderr
    assert "row(s) 3 (-1.0)" in result.stderr


def test_usage_errors_exit_2_without_traceback(capsys):
    from mmm.cli import main

    assert main([]) == 2  # no command: help, exit 2 as for any usage error
    assert main(["fit", "--bogus"]) == 2
    assert main(["optimise"]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert "optimize" in captured.err  # the suggestion for the misspelt command
