"""The ``mmm journeys`` command: files written, and bad input exits 2 without a traceback."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from mmm.cli import app, main
from mmm.journeys import simulate_journeys


def test_cli_paths_writes_csv_and_html(tmp_path):
    src = tmp_path / "paths.csv"
    pd.DataFrame(
        {
            "path": ["search|email", "email", "search|store_visit", "display"],
            "conversions": [2, 1, 3, 0],
            "value": [20.0, 10.0, 30.0, 0.0],
            "nulls": [8, 9, 2, 10],
        }
    ).to_csv(src, index=False)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "journeys",
            str(src),
            "--out",
            str(out),
            "--method",
            "linear",
            "--method",
            "markov",
            "--separator",
            "|",
            "--n-bootstrap",
            "10",
            "--seed",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "attribution.csv" in result.output
    table = pd.read_csv(out / "attribution.csv")
    assert set(table["method"]) == {"linear", "markov_removal_share"}
    lin = table[table["method"] == "linear"].set_index("channel")["conversions"]
    # linear by hand: search 1 + 1.5, email 1 + 1, store_visit 1.5, display 0
    assert lin.to_dict() == pytest.approx(
        {"display": 0.0, "email": 2.0, "search": 2.5, "store_visit": 1.5}
    )
    assert table["lower"].notna().all() and (table["interval"] == 0.95).all()
    html = (out / "attribution.html").read_text()
    assert "<svg" in html and "path dependence (removal effect)" in html
    assert "search|email" in html  # top paths are written with the input separator


def test_cli_events_default_methods(tmp_path):
    src = tmp_path / "events.csv"
    simulate_journeys(n_users=1500, seed=7).events.to_csv(src, index=False)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["journeys", str(src), "--out", str(out), "--lookback-days", "14"]
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "attribution.csv")
    assert list(dict.fromkeys(table["method"])) == [
        "last_touch",
        "linear",
        "markov_removal_share",
        "shapley",
    ]
    assert (out / "attribution.html").stat().st_size > 1000
    assert "touches_outside_lookback" in (out / "attribution.html").read_text()


def test_cli_malformed_input_exits_2_without_traceback(tmp_path, capsys):
    src = tmp_path / "bad.csv"
    pd.DataFrame(
        {"path": ["a > b", "a > > b"], "conversions": [1, "many"], "nulls": [0, 1]}
    ).to_csv(src, index=False)
    rc = main(["journeys", str(src), "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert rc == 2
    assert "bad.csv" in captured.err and "column 'conversions': row 3" in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert not (tmp_path / "out").exists()
    rc = main(["journeys", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "out")])
    assert rc == 2
    rc = main(["journeys", str(src), "--out", str(tmp_path / "o"), "--method", "magic"])
    assert rc == 2


def test_cli_separator_not_in_the_file_names_the_ones_found(tmp_path, capsys):
    """`--separator ","` on " > " paths would read every path as one channel: exit 2."""
    src = tmp_path / "paths.csv"
    pd.DataFrame(
        {
            "path": ["search > email", "email", "search > store_visit"],
            "conversions": [2, 1, 3],
            "nulls": [5, 5, 5],
        }
    ).to_csv(src, index=False)
    rc = main(["journeys", str(src), "--out", str(tmp_path / "o"), "--separator", ","])
    assert rc == 2
    e = capsys.readouterr().err
    assert "no path contains the separator ','" in e and "' > '" in e and "Traceback" not in e
    assert not (tmp_path / "o" / "attribution.csv").exists()
    # single-touch paths only (no separator anywhere) stay valid
    pd.DataFrame({"path": ["search", "email"], "conversions": [2, 1], "nulls": [3, 3]}).to_csv(
        src, index=False
    )
    assert main(["journeys", str(src), "--out", str(tmp_path / "o2"), "--method", "linear"]) == 0
