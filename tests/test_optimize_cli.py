"""`mmm optimize` for a planner: safe defaults, named recommendations, limits and moves.

The CLI tests use the suite's demo run folder (the shared ``demo_run`` fixture) copied into
tmp, so no new fit is needed.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import tomllib

import numpy as np
import pytest

from mmm.cli import main
from mmm.errors import NotFittedError, SpecError
from mmm.optimize import Constraints, make_planner, optimize_budget
from mmm.optimize.decisions import transfer_moves
from mmm.optimize.testing import synthetic_fit
from mmm.report.run import read_recommendation


@pytest.fixture(scope="session")
def ready_run(demo_run, tmp_path_factory):
    """The demo run folder with a plan stored as older versions stored it: one top-level
    ``recommendation.json`` (made by `mmm optimize`, then moved there)."""
    out = tmp_path_factory.mktemp("legacy") / "run"
    shutil.copytree(demo_run, out)
    argv = ["optimize", str(out), "--budget", "5000000", "--value-per-visit", "25"]
    with contextlib.redirect_stdout(io.StringIO()):
        assert main([*argv, "--starts", "1", "--quiet"]) == 0
    stored = out / "recommendations" / "recommended"
    shutil.move(stored / "recommendation.json", out / "recommendation.json")
    shutil.move(stored / "allocation.csv", out / "recommendation.csv")
    shutil.rmtree(out / "recommendations")
    return out


@pytest.fixture
def run(ready_run, tmp_path):
    out = tmp_path / "run"
    shutil.copytree(ready_run, out)
    return out


@pytest.fixture(scope="module")
def whatif(ready_run, tmp_path_factory):
    """`mmm optimize --name whatif` with the defaults (+/-30 %) on a copy of the run."""
    out = tmp_path_factory.mktemp("whatif") / "run"
    shutil.copytree(ready_run, out)
    legacy = (out / "recommendation.json").read_bytes()

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = main(
            [
                "optimize",
                str(out),
                "--budget",
                "5000000",
                "--value-per-visit",
                "25",
                "--name",
                "whatif",
                "--starts",
                "2",
            ]
        )
    rec = json.loads((out / "recommendations" / "whatif" / "recommendation.json").read_text())
    return {"rc": rc, "run": out, "rec": rec, "legacy": legacy, "printed": buf.getvalue()}


def _err(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


# --------------------------------------------------------------- refusals
def test_store_visits_without_a_value_are_refused(run, capsys):
    rc = main(["optimize", str(run), "--budget", "5000000", "--name", "x"])
    err = _err(capsys)
    assert rc == 2
    assert "store-visit outcome 'store_visits'" in err
    assert "--value-per-visit X" in err and "--objective online_sales" in err
    assert not (run / "recommendations" / "x").exists()
    with pytest.raises(SpecError, match="give value_per_visit.*objective='online_sales'"):
        from mmm.inference.fit import FitResult

        optimize_budget(FitResult.load(run), budget=5e6, max_draws=20)


@pytest.mark.parametrize(
    "args, words",
    [
        (["--max-change", "30"], "--max-change 30 means +/-3000 %"),
        (["--max-change", "30"], "did you mean 0.3?"),
        (["--max-change", "30%"], "write the fraction 0.3 for +/-30 %"),
        (["--max-change", "-0.1"], "fraction >= 0"),
        (["--max-change", "lots"], "not a number"),
        (["--budget", "0"], "positive amount"),
        (["--budget", "-5"], "positive amount"),
        (["--budget", "nan"], "positive amount"),
        (["--budget", "inf"], "positive amount"),
        (["--horizon", "0"], "--horizon 0"),
        (["--horizon", "100000"], "between 1 and"),
        (["--name", "../evil"], "--name"),
    ],
)
def test_bad_options_exit_2_with_a_clear_message(run, capsys, args, words):
    base = {"--budget": "5000000", "--value-per-visit": "25", "--name": "bad"}
    for k, v in zip(args[::2], args[1::2], strict=True):
        base[k] = v
    argv = ["optimize", str(run)] + [x for kv in base.items() for x in kv]
    assert main(argv) == 2
    assert words in _err(capsys)
    assert not (run / "recommendations" / "bad").exists()


def test_a_run_config_that_is_not_toml_is_an_error(run, capsys):
    (run / "config.toml").write_text("[optimizer\nvalue_per_visit = 25\n")
    rc = main(["optimize", str(run), "--budget", "5000000", "--name", "x"])
    err = _err(capsys)
    assert rc == 2 and "config.toml is not valid TOML" in err and "Traceback" not in err
    assert not (run / "recommendations" / "x").exists()


def test_init_template_does_not_value_visits_at_zero(tmp_path, capsys):
    assert main(["init", str(tmp_path)]) == 0
    text = (tmp_path / "config.toml").read_text()
    assert "value_per_visit = 0.0" not in text
    cfg = tomllib.loads(text)
    assert "value_per_visit" not in cfg["optimizer"]  # a commented placeholder, explained
    assert "# value_per_visit = 25.0" in text and "refuses to plan without it" in text


# ------------------------------------------------------ named recommendations
def test_a_what_if_does_not_overwrite_the_recommendation(whatif, capsys):
    assert whatif["rc"] == 0
    run = whatif["run"]
    # the stored plan is untouched: moved, byte for byte, from the older top-level layout to
    # the recommendation named "recommended"
    assert not (run / "recommendation.json").exists()
    stored = run / "recommendations" / "recommended"
    assert (stored / "recommendation.json").read_bytes() == whatif["legacy"]
    assert (stored / "allocation.csv").is_file() and not (run / "recommendation.csv").exists()
    for f in ("recommendation.json", "allocation.csv", "weekly.csv"):
        assert (run / "recommendations" / "whatif" / f).is_file()
    # the same name again: refused, the message names --name and --replace
    argv = ["optimize", str(run), "--budget", "4000000", "--value-per-visit", "25"]
    assert main([*argv, "--name", "whatif"]) == 2
    err = _err(capsys)
    assert "--name" in err and "--replace" in err
    again = json.loads((run / "recommendations" / "whatif" / "recommendation.json").read_text())
    assert again["settings"]["budget"] == 5_000_000
    # the legacy plan counts as "recommended"
    assert main(argv) == 2
    assert "'recommended'" in _err(capsys)
    assert read_recommendation(run, "recommended")[0].to_dict() == json.loads(whatif["legacy"])
    assert read_recommendation(run)[0].to_dict() == json.loads(whatif["legacy"])  # the report
    with pytest.raises(NotFittedError, match="no recommendation named 'nope'.*recommended, whatif"):
        read_recommendation(run, "nope")


def test_replace_overwrites_the_named_plan(ready_run, run, capsys):
    argv = ["optimize", str(run), "--value-per-visit", "25", "--starts", "1", "--quiet"]
    assert main([*argv, "--budget", "4000000", "--replace"]) == 0
    # the older top-level recommendation was that plan: replaced, not left beside it
    assert (ready_run / "recommendation.json").exists()
    assert not (run / "recommendation.json").exists()
    assert not (run / "recommendation.csv").exists()
    rec, path = read_recommendation(run, "recommended")
    assert path == run / "recommendations" / "recommended" / "recommendation.json"
    assert rec.settings.budget == 4_000_000
    assert sorted(p.name for p in (run / "recommendations").iterdir()) == ["recommended"]
    # objective online_sales needs no value per visit; --max-change none lifts the limit
    capsys.readouterr()
    argv = ["optimize", str(run), "--budget", "4e6", "--objective", "online_sales"]
    assert main([*argv, "--max-change", "none", "--name", "r"]) == 0
    assert "no per-line change limit" in capsys.readouterr().out
    r = read_recommendation(run, "r")[0]
    assert r.settings.max_change is None and r.settings.constraints["default"] is None
    # the report shows "recommended", not the newer what-if
    assert (
        read_recommendation(run)[1]
        == run / "recommendations" / "recommended" / "recommendation.json"
    )
    assert r.settings.value_per_visit is None
    assert r.summary.outcome_weights == {"online_sales": 1.0, "store_visits": 0.0}


# ------------------------------------------------- settings, limits and moves
def test_settings_record_what_the_optimizer_used(whatif):
    st = whatif["rec"]["settings"]
    assert st["name"] == "whatif" and st["budget"] == 5_000_000
    assert st["objective"] == "value" and st["value_per_visit"] == 25.0
    assert st["max_change"] == pytest.approx(0.3)  # the default limit
    assert st["created"].endswith("+00:00") and st["created"][:4].isdigit()
    for key in ("horizon", "plan_start", "plan_end", "constraints"):
        assert key in st
    assert st["constraints"]["default"] == {"lower": 0.7, "upper": 1.3, "relative": True}


def test_every_line_moves_at_most_30_percent_and_binding_lines_sit_at_their_limit(whatif):
    rec = whatif["rec"]
    alloc = rec["allocation"]
    tol = 1e-6 * 5e6
    binding = {b["series"]: b for b in rec["summary"]["binding"] if b["kind"] == "series"}
    scale = 5e6 / sum(a["current"] for a in alloc)
    at_limit = set()
    for a in alloc:
        lo, hi = 0.7 * a["current"], 1.3 * a["current"]
        assert lo - tol <= a["recommended"] <= hi + tol, a["series"]
        if min(abs(a["recommended"] - lo), abs(a["recommended"] - hi)) < tol:
            at_limit.add(a["series"])
        b = binding.get(a["series"])
        if b is not None:
            want = hi if b["side"] == "upper" else lo
            assert b["limit"] == pytest.approx(want, rel=1e-9)
            assert a["recommended"] == pytest.approx(b["limit"], abs=tol)
            assert b["shadow_price"] >= -1e-3  # relaxing a binding limit never loses
            # upper: the line's marginal value minus the budget's multiplier
            d = a["mroas_recommended"] - rec["summary"]["budget_shadow_price"]
            assert b["shadow_price"] == pytest.approx(d if b["side"] == "upper" else -d, abs=1e-3)
    assert at_limit == set(binding) and binding
    # the budget's multiplier is the common marginal value of the free lines
    free = [a["mroas_recommended"] for a in alloc if a["series"] not in binding]
    assert free and np.allclose(free, rec["summary"]["budget_shadow_price"], rtol=0.02)
    assert scale < 1  # a smaller budget than today's


def test_moves_sum_exactly_to_the_changes(whatif):
    rec = whatif["rec"]
    change = {}
    for a in rec["allocation"]:
        change[a["series"]] = change.get(a["series"], 0.0) + a["change"]
    out, into = {}, {}
    for m in rec["moves"]:
        assert m["amount"] > 0
        out[m["from"]] = out.get(m["from"], 0.0) + m["amount"]
        into[m["to"]] = into.get(m["to"], 0.0) + m["amount"]
    for s, d in change.items():
        got = into.get(s, 0.0) - out.get(s, 0.0)
        assert got == pytest.approx(d, abs=1e-6 * 5e6), s
    # a smaller budget: the cut not moved to another line is left unspent (to None)
    total = sum(change.values())
    assert into.get(None, 0.0) == pytest.approx(-total, rel=1e-9)
    amounts = [m["amount"] for m in rec["moves"]]
    assert amounts == sorted(amounts, reverse=True)


def test_transfer_moves_greedy_by_hand():
    import pandas as pd

    alloc = pd.DataFrame(
        {
            "series": ["a", "b", "c", "d"],
            "current": [100.0, 50.0, 10.0, 0.0],
            "recommended": [40.0, 70.0, 0.0, 50.0],
        }
    )
    moves = transfer_moves(alloc)
    # cuts a 60, c 10; raises d 50, b 20: a->d 50, a->b 10, c->b 10
    assert moves == [
        {"from": "a", "to": "d", "amount": 50.0},
        {"from": "a", "to": "b", "amount": 10.0},
        {"from": "c", "to": "b", "amount": 10.0},
    ]


def _table(printed: str, currency: str = "€") -> dict:
    """The printed allocation table: line -> (current, recommended, change, change %,
    marginal before, marginal after, binding limit), amounts parsed back to numbers."""
    lines = printed.splitlines()
    start = next(i for i, x in enumerate(lines) if x.startswith("line "))
    rows = {}
    for x in lines[start + 1 :]:
        cells = re.split(r"\s{2,}", x.strip())
        if cells[0] == "total":
            rows["total"] = cells[1:]
            break
        rows[cells[0]] = cells[1:]

    def money(c):
        assert c.lstrip("+-").startswith(currency), c
        return float(c.replace(currency, "").replace(",", ""))

    out = {}
    for k, c in rows.items():
        if k == "total":
            out[k] = tuple(money(v) for v in c)
            continue
        limit = c[6] if len(c) > 6 else ""
        out[k] = (*map(money, c[:3]), float(c[3].rstrip("%")), float(c[4]), float(c[5]), limit)
    return out


def test_the_printed_allocation_table_equals_recommendation_json(whatif):
    table = _table(whatif["printed"])
    rec = whatif["rec"]
    by_series = {a["series"]: a for a in rec["allocation"]}  # one geo: one row per line
    assert len(by_series) == len(rec["allocation"]) == len(table) - 1
    names = {
        "paid_social|near_store": "Paid social · near store",
        "shopping_ads|all": "Shopping ads",
        "email_crm|vic": "Email CRM · VIC",
    }
    binding = {b["series"]: f"line {b['side']}" for b in rec["summary"]["binding"]}
    assert binding  # the +/-30 % default binds on the demo
    seen = set()
    for s, a in by_series.items():
        line = next(k for k in table if k != "total" and _same_line(k, s))
        seen.add(line)
        assert "|" not in line
        if s in names:
            assert line == names[s]
        cur, new, chg, pct, mb, ma, limit = table[line]
        assert cur == round(a["current"]) and new == round(a["recommended"])
        assert chg == pytest.approx(a["recommended"] - a["current"], abs=1.0)
        assert pct == round((a["recommended"] / a["current"] - 1) * 100, 1)
        assert mb == round(a["mroas_current"], 2) and ma == round(a["mroas_recommended"], 2)
        assert limit == binding.get(s, "")
    assert len(seen) == len(by_series)
    assert table["total"][1] == 5_000_000
    assert table["total"][0] == round(sum(a["current"] for a in rec["allocation"]))
    up = rec["summary"]["uplift"]
    assert f"expected uplift vs current plan: €{up['mean']:,.0f}" in whatif["printed"]
    assert "each line within +/-30%" in whatif["printed"]


def _same_line(label: str, series: str) -> bool:
    c, a = series.split("|")
    words = label.lower().replace(" · ", " ").split()
    want = c.replace("_", " ").split() + ([] if a == "all" else a.replace("_", " ").split())
    return words == want


def test_value_per_visit_and_currency_come_from_the_run_config(run, capsys):
    from mmm.config import dump_toml

    cfg = tomllib.loads((run / "config.toml").read_text())
    cfg["optimizer"] = {"value_per_visit": 0.0}  # what older templates wrote: not an answer
    (run / "config.toml").write_text(dump_toml(cfg))
    argv = ["optimize", str(run), "--budget", "5000000", "--starts", "1"]
    assert main([*argv, "--name", "zero"]) == 2
    assert "--value-per-visit" in _err(capsys)
    cfg["optimizer"] = {"value_per_visit": 25.0, "currency": "£"}
    (run / "config.toml").write_text(dump_toml(cfg))
    assert main([*argv, "--name", "cfg"]) == 0
    printed = capsys.readouterr().out
    rec = read_recommendation(run, "cfg")[0]
    assert rec.settings.value_per_visit == 25.0
    assert rec.summary.outcome_weights == {"online_sales": 1.0, "store_visits": 25.0}
    assert _table(printed, "£")["total"][1] == 5_000_000
    # an explicit --value-per-visit wins over the config
    assert main([*argv, "--name", "opt", "--value-per-visit", "10", "--quiet"]) == 0
    assert read_recommendation(run, "opt")[0].settings.value_per_visit == 10.0


# ------------------------------------------------------ shadow prices, analytic
H = 4


@pytest.fixture(scope="module")
def two_series():
    """Two Hill slope-1 curves, no carry-over, constant past spend 100 and 50 per week."""
    spend = np.zeros((20, 1, 2))
    spend[:, 0, 0], spend[:, 0, 1] = 100.0, 50.0
    return synthetic_fit(
        spend,
        [("search", "all"), ("video", "all")],
        {"search": "conversion", "video": "awareness"},
        half=np.array([1.0, 2.0]),
        weights=np.array([[1.0], [1.0]]),
        beta=np.array([[[3.0, 5.0]]]),
    )


def _best(pl, budget, cap):
    cons = Constraints(series={"video|all": (None, cap)})
    return optimize_budget(pl, budget=budget, constraints=cons, n_starts=1)


def test_shadow_prices_match_a_finite_difference_of_reoptimising(two_series):
    """Video capped below its optimum: its shadow price is what one more unit of cap adds,
    and the budget's is what one more unit of budget adds (re-optimised each time)."""
    pl = make_planner(two_series, horizon=H, max_draws=None)
    budget, cap, eps = 1000.0, 150.0, 1.0
    rec = _best(pl, budget, cap)
    alloc = rec.allocation.set_index("series")
    assert alloc.loc["video|all", "recommended"] == pytest.approx(cap, abs=1e-6)
    (b,) = [x for x in rec.summary["binding"] if x["series"] == "video|all"]
    assert b["side"] == "upper" and b["limit"] == cap and b["kind"] == "series"
    mv = alloc["mroas_recommended"]
    # hand-derived: the budget's price is search's marginal value, the cap's the gap
    assert rec.summary["budget_shadow_price"] == pytest.approx(mv["search|all"], rel=1e-9)
    assert b["shadow_price"] == pytest.approx(mv["video|all"] - mv["search|all"], rel=1e-9)
    v0 = rec.summary["value_recommended"]["mean"]
    d_cap = (_best(pl, budget, cap + eps).summary["value_recommended"]["mean"] - v0) / eps
    d_bud = (_best(pl, budget + eps, cap).summary["value_recommended"]["mean"] - v0) / eps
    assert b["shadow_price"] == pytest.approx(d_cap, rel=0.01)
    assert rec.summary["budget_shadow_price"] == pytest.approx(d_bud, rel=0.01)
    assert b["shadow_price"] > 0.1 * rec.summary["budget_shadow_price"]  # not a trivial 0
