"""Planner tables (RUN/tables/*.csv, report.xlsx) read back against summary.json and the plans.

The run is a fit with known parameters (no sampling); its plan is stored by the optimizer.
"""

from __future__ import annotations

import json
import shutil
import warnings

import numpy as np
import pandas as pd
import pytest

openpyxl = pytest.importorskip("openpyxl")

KEY = ["id", "outcome", "geo", "path"]


def _known_fit():
    import analysis_helpers as ah

    from mmm.analysis.known import fit_from_params

    rng = np.random.default_rng(0)
    p = ah.params()
    n = 100
    p["beta"] = p["beta"][None] * rng.lognormal(0, 0.25, size=(n, *p["beta"].shape))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_from_params(ah.spec(), ah.dataset(), params=p)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A run folder with a stored plan ``recommended`` and the tables written."""
    from mmm.optimize.cli import run_optimize_cli
    from mmm.report.tables import write_tables
    from mmm.runs import write_run

    out = tmp_path_factory.mktemp("exports") / "run"
    fit = _known_fit()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write_run(fit, out)
        budget = float(fit.dataset.spend.isel(date=slice(-4, None)).sum())
        run_optimize_cli(
            out, budget=budget, horizon=4, value_per_visit=5.0, max_draws=100, n_starts=1
        )
        paths = write_tables(out)
    return {
        "dir": out,
        "paths": paths,
        "summary": json.loads((out / "summary.json").read_text()),
        "rec": json.loads((out / "recommendations/recommended/recommendation.json").read_text()),
        "book": openpyxl.load_workbook(paths["xlsx"]),
    }


def _same(got, want) -> bool:
    """A table cell equals the JSON value (an empty cell is JSON's null).

    Numbers to 15 significant digits, all a spreadsheet keeps; the CSV files hold them
    exactly (checked on their own in ``test_csv_numbers_are_exact``).
    """
    if want is None:
        return got is None or pd.isna(got)
    if isinstance(want, float) and not isinstance(want, bool):
        return got == pytest.approx(want, rel=1e-14, abs=0)
    return got == want


def _sheet(book, name) -> pd.DataFrame:
    rows = list(book[name].iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def _both(run, name):
    """The table as read from its CSV and from its sheet of report.xlsx."""
    return pd.read_csv(run["paths"][name], keep_default_na=False, na_values=[""]), _sheet(
        run["book"], name
    )


def test_files_written(run):
    folder = run["dir"] / "tables"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [
            "contributions.csv",
            "contributions_weekly.csv",
            "plan_recommended.csv",
            "plan_recommended_outcomes.csv",
            "report.xlsx",
            "returns.csv",
        ]
    )
    assert run["book"].sheetnames == [
        "returns",
        "contributions",
        "contributions_weekly",
        "plan_recommended",
        "plan_recommended_outcomes",
    ]


@pytest.mark.parametrize("source", ["csv", "xlsx"])
def test_returns_equal_summary(run, source):
    from mmm.names import display_name

    df = _both(run, "returns")[0 if source == "csv" else 1]
    recs = run["summary"]["roas"]
    assert len(df) == len(recs) > 0
    got = df.set_index(KEY)
    for r in recs:
        row = got.loc[(f"{r['channel']}|{r['audience']}", r["outcome"], r["geo"], r["path"])]
        assert row["line"] == display_name(r["channel"], r["audience"])
        assert "|" not in row["line"]
        assert row["kind"] == r["kind"]
        for old, new in [
            ("spend", "spend"),
            ("mean", "return_mean"),
            ("median", "return_median"),
            ("lower", "return_lower"),
            ("upper", "return_upper"),
            ("interval", "interval"),
        ]:
            assert _same(row[new], r[old]), (new, r)
        if r["kind"] == "count":
            assert _same(row["cost_per_unit"], r["cost_per_unit"])
            assert _same(row["cost_per_unit_upper"], r["cost_per_unit_upper"])
        else:
            assert pd.isna(row["cost_per_unit"])
    assert {"revenue", "count"} <= set(df["kind"])
    counts = df[(df["kind"] == "count") & (df["path"] == "total")]
    assert counts["cost_per_unit"].notna().any()


@pytest.mark.parametrize("source", ["csv", "xlsx"])
def test_contributions_equal_summary(run, source):
    df = _both(run, "contributions")[0 if source == "csv" else 1]
    recs = run["summary"]["contributions"]
    assert len(df) == len(recs) > 0
    got = df.set_index(KEY)
    for r in recs:
        row = got.loc[(f"{r['channel']}|{r['audience']}", r["outcome"], r["geo"], r["path"])]
        for k in ("mean", "median", "lower", "upper"):
            assert _same(row[f"contribution_{k}"], r[k])


def test_weekly_contributions_add_up_to_the_summary_totals(run):
    csv, sheet = _both(run, "contributions_weekly")
    pd.testing.assert_frame_equal(csv, sheet, check_dtype=False)
    media = csv[csv["kind"] == "media"]
    n_dates = 40  # analysis_helpers.N_DATES
    assert media.groupby(["id", "outcome"]).size().eq(n_dates).all()
    weekly_sum = media.groupby(["id", "outcome"])["contribution_mean"].sum()
    totals = {
        (f"{r['channel']}|{r['audience']}", r["outcome"]): r["mean"]
        for r in run["summary"]["contributions"]
        if r["path"] == "total" and r["geo"] == "all"
    }
    assert set(totals) == set(weekly_sum.index)
    for key, total in totals.items():  # summary.json keeps 6 significant digits (error <= 5e-6)
        assert weekly_sum[key] == pytest.approx(total, rel=5e-6, abs=1e-9), key
    assert {"intercept", "trend", "promo"} <= set(csv.loc[csv["kind"] != "media", "id"])
    # the lower bound of a week never exceeds its mean nor its upper bound
    assert (csv["contribution_lower"] <= csv["contribution_upper"] + 1e-9).all()


@pytest.mark.parametrize("source", ["csv", "xlsx"])
def test_plan_equals_recommendation_json(run, source):
    df = _both(run, "plan_recommended")[0 if source == "csv" else 1]
    alloc = run["rec"]["allocation"]
    assert len(df) == len(alloc) > 0
    got = df.set_index(["id", "geo"])
    for r in alloc:
        row = got.loc[(r["series"], r["geo"])]
        assert _same(row["spend_current"], r["current"])
        assert _same(row["spend_plan"], r["recommended"])
        assert _same(row["change"], r["change"])
        assert _same(row["change_pct"], r["change_pct"])
        assert _same(row["share_plan"], r["share_recommended"])
        assert _same(row["marginal_return_plan"], r["mroas_recommended"])
        assert bool(row["locked"]) == r["locked"]
    # the plan spends the stored budget, and its changes are plan minus current
    assert df["spend_plan"].sum() == pytest.approx(run["rec"]["summary"]["budget"], rel=1e-6)
    np.testing.assert_allclose(df["change"], df["spend_plan"] - df["spend_current"], atol=1e-6)


def test_csv_numbers_are_exact(run):
    df = pd.read_csv(run["paths"]["plan_recommended"])
    assert df["spend_plan"].tolist() == [r["recommended"] for r in run["rec"]["allocation"]]
    assert df["change_pct"].tolist() == [r["change_pct"] for r in run["rec"]["allocation"]]
    df = pd.read_csv(run["paths"]["returns"])
    assert df["return_median"].tolist() == [r["median"] for r in run["summary"]["roas"]]


@pytest.mark.parametrize("source", ["csv", "xlsx"])
def test_plan_outcomes_equal_recommendation_json(run, source):
    df = _both(run, "plan_recommended_outcomes")[0 if source == "csv" else 1]
    recs = run["rec"]["outcomes"]
    assert len(df) == len(recs) > 0
    got = df.set_index(["plan", "outcome"])
    for r in recs:
        row = got.loc[(r["plan"], r["outcome"])]
        for k in ("mean", "median", "lower", "upper"):
            assert _same(row[f"expected_{k}"], r[k])


def test_workbook_formats(run):
    book = run["book"]
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        for cell in ws[1]:  # every column at least as wide as its header
            width = ws.column_dimensions[cell.column_letter].width
            assert width >= len(cell.value), (ws.title, cell.value)
    ws = book["plan_recommended"]
    header = [c.value for c in ws[1]]
    cell = ws.cell(row=2, column=header.index("spend_plan") + 1)
    assert "€" in cell.number_format and "#,##0" in cell.number_format
    assert ws.cell(row=2, column=header.index("share_plan") + 1).number_format == "0.0%"
    assert ws.cell(row=2, column=header.index("change_pct") + 1).number_format == '0.0"%"'
    ws = book["returns"]
    header = [c.value for c in ws[1]]
    assert ws.cell(row=2, column=header.index("cost_per_unit") + 1).number_format == '"€"#,##0.00'
    assert ws.cell(row=2, column=header.index("spend") + 1).number_format == '"€"#,##0'
    assert ws.cell(row=2, column=header.index("return_median") + 1).number_format == "0.00"
    ws = book["contributions"]
    header = [c.value for c in ws[1]]
    j = header.index("contribution_mean") + 1
    formats = {
        ws.cell(row=i, column=header.index("outcome") + 1).value: ws.cell(
            row=i, column=j
        ).number_format
        for i in range(2, ws.max_row + 1)
    }
    assert "€" in formats["online_sales"]  # revenue is money, visits are counts
    assert formats["store_visits"] == "#,##0"


def test_a_new_plan_is_added_on_refresh_and_the_cli_exports(run, tmp_path, capsys):
    from mmm.cli import main
    from mmm.optimize.cli import run_optimize_cli

    folder = tmp_path / "run"
    shutil.copytree(run["dir"], folder)
    budget = run["rec"]["summary"]["budget"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_optimize_cli(
            folder,
            budget=0.9 * budget,
            horizon=4,
            value_per_visit=5.0,
            max_draws=100,
            n_starts=1,
            name="whatif",
            budget_mode="at_most",
        )
        assert main(["export", str(folder), "--quiet"]) == 0
    rec = json.loads((folder / "recommendations/whatif/recommendation.json").read_text())
    df = pd.read_csv(folder / "tables/plan_whatif.csv")
    assert df["spend_plan"].tolist() == [r["recommended"] for r in rec["allocation"]]
    assert df["spend_plan"].sum() <= 0.9 * budget * (1 + 1e-9)
    book = openpyxl.load_workbook(folder / "tables/report.xlsx")
    assert {"plan_recommended", "plan_whatif", "plan_whatif_outcomes"} <= set(book.sheetnames)


def test_export_of_a_folder_that_is_not_a_run(tmp_path, capsys):
    from mmm.cli import main

    assert main(["export", str(tmp_path)]) == 2
    msg = capsys.readouterr().err
    assert "is not a run folder" in msg and "mmm fit" in msg
    assert "Traceback" not in msg
    assert not (tmp_path / "tables").exists()
