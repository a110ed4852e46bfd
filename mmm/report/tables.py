"""Tables for planners: the run's results as CSV files and one formatted Excel workbook.

::

    RUN_DIR/tables/returns.csv                return per unit of spend, per line and outcome
    RUN_DIR/tables/contributions.csv          contribution over the fitted period per line
    RUN_DIR/tables/contributions_weekly.csv   contribution per date per line (and baseline)
    RUN_DIR/tables/plan_<name>.csv            a stored plan: spend per line, current vs plan
    RUN_DIR/tables/plan_<name>_outcomes.csv   expected outcomes of the current plan and plan
    RUN_DIR/tables/scenarios_<name>.csv       a stored scenario comparison: totals per plan
    RUN_DIR/tables/report.xlsx                one sheet per table above, formatted

The tables are a view of results already computed: ``returns`` and ``contributions`` are
the records of ``summary.json``, the plans those of
``recommendations/<name>/recommendation.json``, the scenarios those of
``scenarios/<name>.json``, and the weekly contributions come from
:func:`mmm.analysis.decompose.contributions_over_time` on the saved fit with the draws
``summary.json`` was computed from. Every table has an ``id`` column (the line's
``channel|audience`` id, or the component's name) for programs and a ``line`` column
(its display name, :func:`mmm.names.display_name`) for people. Money is in the run's
currency (``[optimizer] currency`` of ``config.toml``, default €).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from mmm.names import display_name, series_label
from mmm.plan_results import ScenarioComparison, StoredRecommendation
from mmm.report.run import RunFolder
from mmm.run_summary import RunSummary

#: Draws the weekly contributions are summarised from (as ``summary.json``'s totals).
MAX_DRAWS = 1000

_RETURN_COLS = {"mean": "return_mean", "median": "return_median", "lower": "return_lower"}
_RETURN_COLS["upper"] = "return_upper"
_CONTRIB_COLS = {k: f"contribution_{k}" for k in ("mean", "median", "lower", "upper")}
_EXPECTED_COLS = {k: f"expected_{k}" for k in ("mean", "median", "lower", "upper")}
_PLAN_COLS = {
    "series": "id",
    "current": "spend_current",
    "recommended": "spend_plan",
    "change": "change",
    "change_pct": "change_pct",
    "share_current": "share_current",
    "share_recommended": "share_plan",
    "mroas_current": "marginal_return_current",
    "mroas_recommended": "marginal_return_plan",
}
#: Columns always holding money (currency format in the workbook).
MONEY_COLUMNS = ("spend", "spend_current", "spend_plan", "change")
#: Money per unit (currency format with cents).
UNIT_COST_COLUMNS = ("cost_per_unit", "cost_per_unit_lower", "cost_per_unit_upper")
#: Columns holding money on rows whose outcome is revenue (counts otherwise).
OUTCOME_UNIT_COLUMNS = (
    *_CONTRIB_COLS.values(),
    *_EXPECTED_COLS.values(),
    "uplift_mean",
    "uplift_lower",
    "uplift_upper",
)
#: Columns holding fractions (0.25 = 25 %).
SHARE_COLUMNS = ("share_current", "share_plan", "interval", "chance_better")
#: Columns holding percents (25.0 = 25 %).
PERCENT_COLUMNS = ("change_pct",)
RATIO_COLUMNS = (
    *_RETURN_COLS.values(),
    "marginal_return_current",
    "marginal_return_plan",
)


def _line(channel, audience="all") -> str:
    return display_name(channel, audience)


def returns_table(summary: RunSummary) -> pd.DataFrame:
    """``summary.json``'s ``roas`` records as a planner's table (one row per record).

    Columns ``id``, ``line``, ``outcome``, ``kind`` (revenue / count), ``geo``, ``path``
    (direct, mediated, total), ``spend``, ``return_mean`` / ``_median`` / ``_lower`` /
    ``_upper`` (outcome per unit of spend), ``interval`` and, for count outcomes,
    ``cost_per_unit`` with its interval.
    """
    rows = []
    for r in summary.roas:
        row = {
            "id": series_label(r.channel, r.audience),
            "line": _line(r.channel, r.audience),
            "outcome": r.outcome,
            "kind": r.kind,
            "geo": r.geo,
            "path": r.path,
            "spend": r.spend,
            **{new: getattr(r, old) for old, new in _RETURN_COLS.items()},
            "interval": r.interval,
        }
        for k in ("cost_per_unit", "cost_per_unit_lower", "cost_per_unit_upper"):
            row[k] = getattr(r, k)
        rows.append(row)
    return pd.DataFrame(rows)


def contributions_table(summary: RunSummary) -> pd.DataFrame:
    """``summary.json``'s ``contributions`` records (outcome over the fitted period).

    Columns ``id``, ``line``, ``outcome``, ``geo``, ``path``, ``contribution_mean`` /
    ``_median`` / ``_lower`` / ``_upper`` (outcome units: currency for revenue) and
    ``interval``.
    """
    rows = [
        {
            "id": series_label(r.channel, r.audience),
            "line": _line(r.channel, r.audience),
            "outcome": r.outcome,
            "geo": r.geo,
            "path": r.path,
            **{new: getattr(r, old) for old, new in _CONTRIB_COLS.items()},
            "interval": r.interval,
        }
        for r in summary.contributions
    ]
    return pd.DataFrame(rows)


def weekly_contributions_table(fit, *, prob: float = 0.9) -> pd.DataFrame:
    """Contribution per date of every line and baseline component, summed over geos.

    From :func:`mmm.analysis.decompose.contributions_over_time` with :data:`MAX_DRAWS`
    draws (those ``summary.json`` uses), so a line's weekly means add up to its
    ``contribution_mean`` in ``contributions.csv`` (path ``total``). Columns ``date``,
    ``id`` (series or component name), ``line``, ``kind`` (media, baseline, control,
    mediator), ``outcome``, ``contribution_mean`` / ``_median`` / ``_lower`` / ``_upper``,
    ``interval``.
    """
    from mmm.analysis.decompose import contributions_over_time

    df = contributions_over_time(fit, prob=prob, max_draws=MAX_DRAWS)
    out = pd.DataFrame(
        {
            "date": pd.to_datetime(df["date"]).dt.strftime("%Y-%m-%d"),
            "id": df["component"].astype(str),
            "line": [display_name(c) for c in df["component"].astype(str)],
            "kind": df["kind"].astype(str),
            "outcome": df["outcome"].astype(str),
        }
    )
    for old, new in _CONTRIB_COLS.items():
        out[new] = df[old].to_numpy()
    out["interval"] = df["interval"].to_numpy()
    return out


def plan_table(rec: StoredRecommendation) -> pd.DataFrame:
    """A stored recommendation's ``allocation`` records: spend per line, current vs plan.

    Columns ``id`` (``channel|audience``), ``line``, ``geo``, ``stage``, ``spend_current``,
    ``spend_plan``, ``change`` (currency), ``change_pct`` (percent, 25.0 = +25 %),
    ``share_current``, ``share_plan`` (fractions of the budget),
    ``marginal_return_current``, ``marginal_return_plan`` (value of the next unit of
    spend) and ``locked``.
    """
    rows = []
    for r in rec.allocation:
        row: dict = {
            "id": r.series,
            "line": _line(r.channel, r.audience),
            "geo": r.geo,
            "stage": r.stage,
        }
        for old, new in _PLAN_COLS.items():
            if old != "series":
                row[new] = getattr(r, old)
        row["locked"] = r.locked
        rows.append(row)
    return pd.DataFrame(rows)


def plan_outcomes_table(rec: StoredRecommendation) -> pd.DataFrame:
    """A stored recommendation's ``outcomes`` records: what each plan is expected to bring.

    Columns ``plan`` (current / recommended), ``outcome`` (``value`` is the combined
    value in currency), ``expected_mean`` / ``_median`` / ``_lower`` / ``_upper``,
    ``interval``.
    """
    rows = [
        {
            "plan": r.plan,
            "outcome": r.outcome,
            **{new: getattr(r, old) for old, new in _EXPECTED_COLS.items()},
            "interval": r.interval,
        }
        for r in rec.outcomes
    ]
    return pd.DataFrame(rows)


def scenarios_table(result: ScenarioComparison) -> pd.DataFrame:
    """A stored scenario comparison's totals per plan (``RUN/scenarios/NAME.json``).

    One row per (plan, outcome): columns ``plan``, ``spend`` (currency over the horizon),
    ``outcome`` (``value`` is the combined value in currency), ``expected_mean`` /
    ``_median`` / ``_lower`` / ``_upper``, ``uplift_mean`` / ``_lower`` / ``_upper`` (against
    the current plan), ``chance_better`` (share of draws where the plan beats the current
    one; empty when the draws cannot tell them apart, e.g. the current plan itself) and
    ``interval``, all as stored by :func:`mmm.optimize.scenarios.run_scenarios`.
    """
    rows = []
    for plan in result.plans:
        for outcome, st in plan.outcomes.items():
            rows.append(
                {
                    "plan": plan.plan,
                    "spend": plan.spend,
                    "outcome": outcome,
                    **{new: getattr(st, old) for old, new in _EXPECTED_COLS.items()},
                    **{k: getattr(st, k) for k in ("uplift_mean", "uplift_lower", "uplift_upper")},
                    "chance_better": st.prob_better,
                    "interval": result.settings.interval,
                }
            )
    return pd.DataFrame(rows)


def stored_plans(run_dir) -> dict[str, StoredRecommendation]:
    """Every recommendation stored in ``run_dir`` by name
    (:meth:`mmm.run_folder.RunFolder.stored_recommendations`)."""
    run = RunFolder(run_dir)
    plans = {}
    for name in run.stored_recommendations():
        rec, _ = run.read_recommendation(name)
        assert rec is not None  # a stored name reads or raises
        plans[name] = rec
    return plans


def _money_format(currency: str, decimals: int = 0) -> str:
    digits = "#,##0" + ("." + "0" * decimals if decimals else "")
    return f'"{currency}"{digits}' if currency else digits


def _cell_value(v):
    if v is None:
        return None
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if hasattr(v, "item"):  # numpy scalars
        v = v.item()
        if isinstance(v, float) and not math.isfinite(v):
            return None
    return v


def _write_sheet(wb, title: str, df: pd.DataFrame, *, currency: str, kinds: dict) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    cols = list(df.columns)
    ws.append(cols)
    for c in ws[1]:
        c.font = Font(bold=True)
    money = _money_format(currency)
    outcome_pos = cols.index("outcome") if "outcome" in cols else None
    for values in df.itertuples(index=False, name=None):
        ws.append([_cell_value(v) for v in values])
    for j, name in enumerate(cols, start=1):
        fmt = None
        if name in MONEY_COLUMNS:
            fmt = money
        elif name in UNIT_COST_COLUMNS:
            fmt = _money_format(currency, 2)
        elif name in SHARE_COLUMNS:
            fmt = "0.0%"
        elif name in PERCENT_COLUMNS:
            fmt = '0.0"%"'
        elif name in RATIO_COLUMNS:
            fmt = "0.00"
        if fmt is not None:
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = fmt
        elif name in OUTCOME_UNIT_COLUMNS and outcome_pos is not None:
            for row in ws.iter_rows(min_row=2):
                kind = kinds.get(row[outcome_pos].value)
                row[j - 1].number_format = money if kind == "revenue" else "#,##0"
        texts = [len(v) for v in df[name].head(200) if isinstance(v, str)]
        numeric = 12 if len(texts) < min(len(df), 200) else 0  # room for "€12,345,678"
        width = max([len(str(name)), numeric, *texts])
        ws.column_dimensions[get_column_letter(j)].width = min(width + 2, 60)
    ws.freeze_panes = "A2"


def _sheet_title(key: str, used: set) -> str:
    title = key[:31]
    i = 2
    while title in used:
        suffix = f"~{i}"
        title = key[: 31 - len(suffix)] + suffix
        i += 1
    used.add(title)
    return title


def build_tables(run_dir, *, fit=None) -> dict[str, pd.DataFrame]:
    """The planner tables of a run folder, by name (file name without ``.csv``).

    Parameters
    ----------
    run_dir : path
        A run folder written by ``mmm fit``.
    fit : FitResult, optional
        The run's fit when already in memory (else loaded from ``fit.nc``).

    Returns
    -------
    dict of str -> pandas.DataFrame
        ``returns``, ``contributions``, ``contributions_weekly``, per stored
        recommendation ``NAME``, ``plan_NAME`` and ``plan_NAME_outcomes``, and per stored
        scenario comparison ``NAME`` (``mmm scenarios``), ``scenarios_NAME``.

    Raises
    ------
    mmm.errors.NotFittedError
        ``run_dir`` is not a run folder (no ``fit.nc`` / ``fit.json``).
    """
    from mmm.optimize.scenarios import read_scenarios

    run = RunFolder.open(run_dir)
    summary = run.summary
    if fit is None:
        fit = run.fit
    prob = summary.interval
    tables = {
        "returns": returns_table(summary),
        "contributions": contributions_table(summary),
        "contributions_weekly": weekly_contributions_table(fit, prob=prob),
    }
    for name, rec in stored_plans(run.path).items():
        tables[f"plan_{name}"] = plan_table(rec)
        tables[f"plan_{name}_outcomes"] = plan_outcomes_table(rec)
    for result in read_scenarios(run.path):
        tables[f"scenarios_{Path(str(result.path)).stem}"] = scenarios_table(result)
    return tables


def write_tables(run_dir, *, fit=None, currency: str | None = None) -> dict[str, Path]:
    """Write ``RUN_DIR/tables/``: one CSV per planner table and ``report.xlsx``.

    Parameters
    ----------
    run_dir : path
        A run folder written by ``mmm fit``.
    fit : FitResult, optional
        The run's fit when already in memory (else loaded from ``fit.nc``).
    currency : str, optional
        Currency symbol of the money columns in the workbook (default: the run's
        ``[optimizer] currency``, else €).

    Returns
    -------
    dict of str -> Path
        Table name -> CSV path (see :func:`build_tables`), and ``xlsx`` -> the workbook.
        CSV files left in ``tables/`` by an earlier call are removed first.

    Raises
    ------
    mmm.errors.NotFittedError
        ``run_dir`` is not a run folder.
    """
    from openpyxl import Workbook

    run = RunFolder(run_dir)
    tables = build_tables(run.path, fit=fit)
    if currency is None:
        currency = run.currency()
    run.tables_folder()  # created, emptied of earlier CSV files
    paths: dict[str, Path] = {}
    kinds = {r["outcome"]: r["kind"] for r in tables["returns"].to_dict("records")}
    kinds["value"] = "revenue"  # the combined value of a plan is money
    wb = Workbook()
    wb.remove(wb.worksheets[0])  # the empty sheet a new workbook starts with
    used: set = set()
    for name, df in tables.items():
        paths[name] = run.table_file(name)
        df.to_csv(paths[name], index=False)  # shortest exact form of every number
        _write_sheet(wb, _sheet_title(name, used), df, currency=currency, kinds=kinds)
    paths["xlsx"] = run.workbook_file
    wb.save(paths["xlsx"])
    return paths
