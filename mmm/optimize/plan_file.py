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
    frame.columns = [str(c).strip() for c in frame.columns]
    problems = ProblemList()
    weekly = "date" in frame.columns
    geos, series = list(planner.geos), list(planner.series)
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
    n = len(frame)
    if n == 0:
        problems.add(ROLE, label, "the file has a header but no rows. Fix: add one row per line.")
        raise DataError(problems.items, source=label)
    channel = check_labels(frame, "channel", role=ROLE, label=label, problems=problems)
    audience = (
        check_labels(frame, "audience", role=ROLE, label=label, problems=problems)
        if "audience" in frame.columns
        else np.full(n, "all", dtype=object)
    )
    geo = (
        check_labels(frame, "geo", role=ROLE, label=label, problems=problems)
        if "geo" in frame.columns
        else np.full(n, geos[0], dtype=object)
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
    dates = None
    plan_dates = pd.DatetimeIndex(planner.plan_dates)
    if weekly:
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

    # ------------------------------------------------------------- lines
    pos = {(g, s): (gi, si) for gi, g in enumerate(geos) for si, s in enumerate(series)}
    key = np.array(
        [
            f"{c}|{a}" if c is not None and a is not None else None
            for c, a in zip(channel, audience, strict=True)
        ],
        dtype=object,
    )
    valid = np.array([k is not None and g is not None for k, g in zip(key, geo, strict=True)])
    known = np.array(
        [
            bool(v and (g, k) in pos and planner.presence[pos[(g, k)]])
            for v, g, k in zip(valid, geo, key, strict=True)
        ]
    )
    unknown = np.flatnonzero(valid & ~known).tolist()
    if unknown:
        lines = [
            display_name(channel[i], audience[i], geo[i] if len(geos) > 1 else "all")
            for i in unknown
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
    else:
        seen_lines = {(geo[i], key[i]) for i in np.flatnonzero(good)}
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
    if problems:
        raise DataError(problems.items, source=label)

    G, S = planner.shape
    if weekly:
        assert dates is not None
        out = np.zeros((planner.horizon, G, S))
        t_of = {d: t for t, d in enumerate(plan_dates)}
        for i in range(n):
            gi, si = pos[(geo[i], key[i])]
            out[t_of[pd.Timestamp(dates[i])], gi, si] = spend[i]
        return out
    totals = np.zeros((G, S))
    for i in range(n):
        totals[pos[(geo[i], key[i])]] = spend[i]
    return planner.from_totals(totals)
