"""Batch summary: one CSV row per run, a long ROAS table and an HTML index page."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd

from mmm.run_folder import SUMMARY_FILE, migrate_summary
from mmm.run_summary import RunSummary

__all__ = ["write_summary", "roas_long"]

ROAS_COLUMNS = (
    "run",
    "origin",
    "outcome",
    "channel",
    "audience",
    "spend",
    "median",
    "lower",
    "upper",
)


def _read_text(out, name: str, file: str) -> str | None:
    from mmm.batch.task import storage

    fs, root, local = storage(out)
    if local is not None:
        p = local / name / file
        return p.read_text() if p.is_file() else None
    path = f"{root}/{name}/{file}"
    return fs.cat_file(path).decode() if fs.exists(path) else None


def _write_text(out, file: str, text: str) -> str:
    from mmm.batch.task import storage

    fs, root, local = storage(out)
    if local is not None:
        (local / file).write_text(text)
        return str(local / file)
    fs.pipe_file(f"{root}/{file}", text.encode())
    return f"{root}/{file}"


def roas_long(table: pd.DataFrame, out) -> pd.DataFrame:
    """Total-path ROAS of every successful run, read from its ``summary.json``.

    Returns
    -------
    pandas.DataFrame
        Columns ``run, origin, outcome, channel, audience, spend, median, lower, upper``
        (return per euro, or units per euro for count outcomes; 90 % intervals).
    """
    rows = []
    for r in table.itertuples():
        if r.status == "failed":
            continue
        text = _read_text(out, r.run, SUMMARY_FILE)
        if text is None:
            continue
        summary = RunSummary.from_dict(migrate_summary(json.loads(text), folder=r.run))
        for x in summary.returns(path="total", geo=None):
            rows.append(
                {"run": r.run, "origin": r.origin, **{k: getattr(x, k) for k in ROAS_COLUMNS[2:]}}
            )
    return pd.DataFrame(rows, columns=list(ROAS_COLUMNS))


def write_summary(table: pd.DataFrame, out) -> dict[str, str]:
    """Write ``batch_summary.csv``, ``batch_roas.csv`` and ``index.html`` into ``out``.

    Parameters
    ----------
    table : pandas.DataFrame
        The results table of :func:`mmm.batch.run`.
    out : path or str
        Batch output folder or fsspec URL.

    Returns
    -------
    dict
        Paths (or URLs) written, by name.
    """
    import jinja2

    roas = roas_long(table, out)
    paths = {}
    buf = io.StringIO()
    table.to_csv(buf, index=False)
    paths["summary"] = _write_text(out, "batch_summary.csv", buf.getvalue())
    buf = io.StringIO()
    roas.to_csv(buf, index=False)
    paths["roas"] = _write_text(out, "batch_roas.csv", buf.getvalue())
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
        undefined=jinja2.StrictUndefined,
    )
    pivot = None
    if not roas.empty:
        roas = roas.assign(
            series=roas["outcome"] + " / " + roas["channel"] + " / " + roas["audience"]
        )
        pivot = roas.pivot_table(index="series", columns="run", values="median", aggfunc="first")
        pivot = pivot[[c for c in table["run"] if c in pivot.columns]]
    counts = table["status"].value_counts().to_dict()
    html = env.get_template("index.html.j2").render(
        runs=table.to_dict("records"),
        headline=[c for c in table.columns if c.startswith("media_return:")],
        counts=counts,
        n_skipped=int(table["skipped"].sum()),
        pivot=pivot,
        fmt=_fmt,
    )
    paths["index"] = _write_text(out, "index.html", html)
    return paths


def _fmt(v, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, float):
        return f"{v:.{digits}g}" if abs(v) < 1e4 else f"{v:,.0f}"
    return str(v)
