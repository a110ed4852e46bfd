"""Spend plans written by hand as CSV files, read and checked against a planner.

Two layouts, told apart by the ``date`` column:

* **weekly** (``date, channel, audience, spend[, geo]``): the spend of every line in every
  period of the horizon. Every line the model knows (in every geo where it is bought) needs
  a row for every period of the horizon;
* **totals** (``channel, audience, spend[, geo]``): one total per line over the horizon,
  spread over the periods like the current plan's weekly pattern (the last ``horizon``
  observed periods, tiled; evenly where the line spent nothing then), the rule of
  :meth:`mmm.optimize.planner.Planner.from_totals`.

``audience`` may be left out when the model has no audiences (every line ``all``); ``geo``
is required when the model has several geos. Spend is currency, >= 0. Nothing is filled in:
a line missing from the file is an error naming it (write a row with spend 0 to cut it), as
are lines the model does not know, negative or missing spend, repeated rows and dates outside
the horizon. Every problem names the file, the column and the rows (spreadsheet rows: the
header is row 1), and the fix; all are reported at once as a :class:`mmm.errors.DataError`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mmm.data.checks import (
    ProblemList,
    _fmt_dates,
    _require_columns,
    check_dates,
    check_duplicates,
    check_labels,
    check_numeric,
    format_rows,
)
from mmm.errors import DataError
from mmm.names import display_name

ROLE = "plan"
_MAX_NAMED = 8


def _names(items: list[str]) -> str:
    text = ", ".join(items[:_MAX_NAMED])
    if len(items) > _MAX_NAMED:
        text += f" and {len(items) - _MAX_NAMED} more"
    return text


def read_plan_file(planner, path) -> np.ndarray:
    """Read a plan CSV (see the module docstring) as a spend path of ``planner``.

    Parameters
    ----------
    planner : Planner
        From :func:`mmm.optimize.make_planner`: its horizon, lines and geos are what the
        file must cover.
    path : path
        The CSV file.

    Returns
    -------
    numpy.ndarray
        Spend, dims (horizon date, geo, series), currency per period; ready for
        :func:`mmm.optimize.scenarios.compare_plans`.

    Raises
    ------
    mmm.errors.DataError
        Every problem of the file at once: missing columns, unknown or missing lines,
        negative or missing spend, repeated rows, dates outside the horizon.
    FileNotFoundError
        No such file.
    """
    path = Path(path)
    label = str(path)
    frame = _read_csv(path, label)
    frame.columns = [str(c).strip() for c in frame.columns]
    problems = ProblemList()
    geos, series = list(planner.geos), list(planner.series)
    weekly = _check_columns(frame, planner, label, problems)
    n = len(frame)
    channel, audience, geo, spend = _check_cells(frame, geos[0], label, problems)
    plan_dates = pd.DatetimeIndex(planner.plan_dates)
    dates = _check_dates(frame, planner, label, problems) if weekly else None

    # ------------------------------------------------------------- lines
    pos = {(g, s): (gi, si) for gi, g in enumerate(geos) for si, s in enumerate(series)}
    key = np.array(
        [
            f"{c}|{a}" if c is not None and a is not None else None
            for c, a in zip(channel, audience, strict=True)
        ],
        dtype=object,
    )
    known = _known_lines(channel, audience, geo, key, pos, planner, label, problems)
    keys = pd.DataFrame({"geo": geo, "channel": channel, "audience": audience})
    names = ["geo", "channel", "audience"]
    if weekly:
        keys["date"] = dates
        names.append("date")
    good = known & (~pd.isna(dates) if weekly else True)
    check_duplicates(keys[good], role=ROLE, label=label, problems=problems, key_names=names)

    cells = [(g, s) for (g, s), (gi, si) in pos.items() if planner.presence[gi, si]]
    if weekly:
        assert dates is not None  # read above for a weekly plan
        seen = {(geo[i], key[i], pd.Timestamp(dates[i])) for i in np.flatnonzero(good)}
        _missing_periods(cells, seen, frame, plan_dates, geos=geos, label=label, problems=problems)
    else:
        seen_lines = {(geo[i], key[i]) for i in np.flatnonzero(good)}
        _missing_lines(cells, seen_lines, frame, geos=geos, label=label, problems=problems)
    if problems:
        raise DataError(problems.items, source=label)

    return _spend_path(planner, [pos[(geo[i], key[i])] for i in range(n)], spend, dates)


def _spend_path(planner, cells: list[tuple[int, int]], spend, dates) -> np.ndarray:
    """The spend path (horizon date, geo, series) of the rows, each at its (geo, series)
    cell: as given per period, or a total spread as the planner spreads totals."""
    G, S = planner.shape
    if dates is not None:
        out = np.zeros((planner.horizon, G, S))
        t_of = {d: t for t, d in enumerate(pd.DatetimeIndex(planner.plan_dates))}
        for i, (gi, si) in enumerate(cells):
            out[t_of[pd.Timestamp(dates[i])], gi, si] = spend[i]
        return out
    totals = np.zeros((G, S))
    for i, cell in enumerate(cells):
        totals[cell] = spend[i]
    return planner.from_totals(totals)


def _check_cells(frame: pd.DataFrame, default_geo: str, label: str, problems: ProblemList):
    """The channel, audience, geo and spend of each row (audience ``all`` and
    ``default_geo`` where the file has no such column); bad cells are problems."""
    channel = check_labels(frame, "channel", role=ROLE, label=label, problems=problems)
    audience = (
        check_labels(frame, "audience", role=ROLE, label=label, problems=problems)
        if "audience" in frame.columns
        else np.full(len(frame), "all", dtype=object)
    )
    geo = (
        check_labels(frame, "geo", role=ROLE, label=label, problems=problems)
        if "geo" in frame.columns
        else np.full(len(frame), default_geo, dtype=object)
    )
    spend = check_numeric(
        frame,
        "spend",
        role=ROLE,
        label=label,
        problems=problems,
        minimum=0.0,
        meaning="spend, currency, must be >= 0",
        fix="write the spend of these rows as an amount >= 0 (0 for nothing)",
    )
    return channel, audience, geo, spend


def _check_dates(frame: pd.DataFrame, planner, label: str, problems: ProblemList):
    """The date column of a weekly plan; dates outside the horizon are problems."""
    plan_dates = pd.DatetimeIndex(planner.plan_dates)
    dates = check_dates(frame, "date", role=ROLE, label=label, problems=problems)
    ok = ~pd.isna(dates)
    outside = np.flatnonzero(ok & ~pd.DatetimeIndex(dates).isin(plan_dates)).tolist()
    if outside:
        problems.add(
            ROLE,
            label,
            f"column 'date': {len(outside)} date(s) outside the plan's horizon at "
            f"{format_rows(outside, [pd.Timestamp(dates[i]) for i in outside])}. The "
            f"horizon has {len(plan_dates)} periods ({planner.fit.dataset.freq}): "
            f"{_fmt_dates(plan_dates[:3], 3)} ... {_fmt_dates(plan_dates[-1:])}. Fix: date "
            "each row with one of these periods, or plan another horizon (--horizon).",
        )
    return dates


def _read_csv(path: Path, label: str) -> pd.DataFrame:
    """The plan file's cells as text (FileNotFoundError or DataError when unreadable)."""
    if not path.is_file():
        raise FileNotFoundError(2, "No such plan file", str(path))
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(
            f"[{ROLE}: {label}] cannot be read as CSV ({exc}). Fix: save it as a comma-separated "
            "file with a header row (date, channel, audience, spend[, geo] or channel, "
            "audience, spend[, geo]).",
            source=label,
        ) from None
    return frame


def _check_columns(frame: pd.DataFrame, planner, label: str, problems: ProblemList) -> bool:
    """Whether the plan is weekly (it has a date column); raise a DataError when required
    columns are missing (the geo column too, with several geos) or there are no rows, and
    note unknown columns."""
    geos = list(planner.geos)
    weekly = "date" in frame.columns
    one_audience = all(a == "all" for a in planner.audiences)
    required: tuple[str, ...] = (
        ("date", "channel", "audience", "spend") if weekly else ("channel", "audience", "spend")
    )
    if one_audience and "audience" not in frame.columns:
        required = tuple(c for c in required if c != "audience")
    optional = ("geo",) if "audience" in required else ("audience", "geo")
    if not _require_columns(frame, required, optional, role=ROLE, label=label, problems=problems):
        raise DataError(problems.items, source=label)
    if len(geos) > 1 and "geo" not in frame.columns:
        problems.add(
            ROLE,
            label,
            f"no column 'geo', but the model has several geos ({_names(geos)}). Fix: add a "
            "geo column naming the geo of each row.",
        )
        raise DataError(problems.items, source=label)
    extra = [c for c in frame.columns if c not in (*required, *optional)]
    if extra:
        problems.add(
            ROLE,
            label,
            f"unknown column(s) {extra}; a plan has {list(required)} and optionally "
            f"{list(optional)}. Fix: remove or rename them.",
        )
    if len(frame) == 0:
        problems.add(ROLE, label, "the file has a header but no rows. Fix: add one row per line.")
        raise DataError(problems.items, source=label)
    return weekly


def _known_lines(channel, audience, geo, key, pos, planner, label: str, problems) -> np.ndarray:
    """Which rows name a line the model plans; the others (with every key given) are
    problems."""
    valid = np.array([k is not None and g is not None for k, g in zip(key, geo, strict=True)])
    known = np.array(
        [
            bool(v and (g, k) in pos and planner.presence[pos[(g, k)]])
            for v, g, k in zip(valid, geo, key, strict=True)
        ]
    )
    _unknown_lines(
        np.flatnonzero(valid & ~known).tolist(),
        channel,
        audience,
        geo,
        planner=planner,
        label=label,
        problems=problems,
    )
    return known


def _unknown_lines(
    unknown: list[int], channel, audience, geo, *, planner, label: str, problems: ProblemList
) -> None:
    """Rows naming a line (channel, audience and geo) the model does not plan."""
    if not unknown:
        return
    geos, series = list(planner.geos), list(planner.series)
    lines = [
        display_name(channel[i], audience[i], geo[i] if len(geos) > 1 else "all") for i in unknown
    ]
    have = [display_name(s) for s in series]
    where = f" in geos {_names(geos)}" if len(geos) > 1 else ""
    problems.add(
        ROLE,
        label,
        f"{len(unknown)} row(s) name lines the model does not plan at "
        f"{format_rows(unknown, [f'{channel[i]}, {audience[i]}' + (f', {geo[i]}' if len(geos) > 1 else '') for i in unknown])}"
        f" ({_names(list(dict.fromkeys(lines)))}). The model's lines are {_names(have)}"
        f"{where} (columns channel and audience as in the media table). Fix: correct the "
        "channel / audience / geo of these rows or remove them.",
    )


def _missing_periods(
    cells: list, seen: set, frame: pd.DataFrame, plan_dates, *, geos, label: str, problems
) -> None:
    """Lines of a weekly plan without a row in some of the horizon's periods."""
    missing = [(g, s, d) for g, s in cells for d in plan_dates if (g, s, d) not in seen]
    if missing:
        per_line: dict[tuple, list] = {}
        for g, s, d in missing:
            per_line.setdefault((g, s), []).append(d)
        shown = [
            display_name(s, geo=g if len(geos) > 1 else "all")
            + (f" ({_fmt_dates(ds, 3)})" if len(ds) < len(plan_dates) else " (every period)")
            for (g, s), ds in per_line.items()
        ]
        first_g, first_s = next(iter(per_line))
        c0, a0 = first_s.split("|", 1)
        example = f"{per_line[(first_g, first_s)][0]:%Y-%m-%d},{c0},{a0},0" + (
            f",{first_g}" if "geo" in frame.columns else ""
        )
        problems.add(
            ROLE,
            label,
            f"{len(missing)} (line, date) row(s) missing, for {len(per_line)} line(s): "
            f"{_names(shown)}. Nothing is filled in: a plan gives every line a spend in "
            f"every period. Fix: add the rows, with spend 0 to spend nothing (e.g. "
            f"{example}).",
        )


def _missing_lines(
    cells: list, seen_lines: set, frame: pd.DataFrame, *, geos, label: str, problems
) -> None:
    """Lines the model plans that a plan of totals leaves out."""
    missing_lines = [(g, s) for g, s in cells if (g, s) not in seen_lines]
    if missing_lines:
        shown = [display_name(s, geo=g if len(geos) > 1 else "all") for g, s in missing_lines]
        g0, s0 = missing_lines[0]
        c0, a0 = s0.split("|", 1)
        example = f"{c0},{a0},0" + (f",{g0}" if "geo" in frame.columns else "")
        problems.add(
            ROLE,
            label,
            f"{len(missing_lines)} line(s) missing: {_names(shown)}. Nothing is filled in: a plan "
            f"gives every line a total. Fix: add a row per missing line, with spend 0 to "
            f"cut it (e.g. {example}).",
        )
