"""The budget section and the headroom table on the demo run: every number in the sentences
equals recommendation.json, headroom and the plan agree, a rebuild reproduces the report, and a
failing analysis function never silently drops a section."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import shutil
import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_report import Page  # noqa: E402

AMOUNT = r"-?[€$£]?-?[\d,]+(?:\.\d+)?(?:bn|M|k)?"


def _make_demo_run(run: Path, dest: Path) -> Path:
    """A copy of the test suite's demo run with a recommendation made as ``mmm demo`` makes it."""
    shutil.copytree(run, dest)
    from mmm.inference.fit import FitResult
    from mmm.optimize.cli import run_optimize_cli

    ds = FitResult.load(dest).dataset
    budget = float(ds.spend.isel(date=slice(-13, None)).sum())
    run_optimize_cli(dest, budget=budget, horizon=13, value_per_visit=25.0, max_change=0.5)
    return dest


@pytest.fixture(scope="module")
def demo(demo_run, tmp_path_factory):
    """The demo run folder and its report built as ``mmm demo`` builds it."""
    from mmm.report.run import read_recommendation
    from mmm.report.write import write_report

    run = _make_demo_run(demo_run, tmp_path_factory.mktemp("budget") / "run")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        paths = write_report(run, value_per_visit=25.0, strict=True)
    html = paths["html"].read_text()
    rec, _ = read_recommendation(run)
    assert rec is not None
    return {
        "run": run,
        "html": html,
        "md": paths["md"].read_text(),
        "page": Page(html),
        "rec": rec.to_dict(),
        "stored": rec,
    }


def _items(html: str, list_id: str) -> list[str]:
    m = re.search(rf'<(?:ul|ol)[^>]*id="{list_id}"[^>]*>(.*?)</(?:ul|ol)>', html, re.S)
    assert m, f"no list #{list_id} in the report"
    items = re.findall(r"<li>(.*?)</li>", m.group(1), re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", i).split()).replace("&amp;", "&") for i in items]


def _num(text: str) -> float:
    from mmm.report.fmt import parse_amount

    return parse_amount(text)


def _close(text: str, want: float, rel: float = 5e-3) -> None:
    """The printed amount (3 significant figures) is the stored number, rounded."""
    got = _num(text)
    assert got == pytest.approx(want, rel=rel, abs=5e-3), f"{text!r} vs {want}"


def _name(row: dict) -> str:
    from mmm.report.budget import display_name

    return display_name(row["channel"], row["audience"], row.get("geo", "all"))


# ---------------------------------------------------------------------- every number


def test_budget_section_comes_right_after_the_summary(demo):
    assert demo["page"].sections[:2] == ["headline", "budget"]
    md = demo["md"]
    assert md.index("## Budget recommendation") < md.index("## Return per channel")


def test_plan_sentence_gives_the_dates_weeks_and_total_of_the_recommendation(demo):
    rec = demo["rec"]
    s = rec["settings"]
    plan = _items(demo["html"], "budget-summary")[0]
    start = f"{dt.date.fromisoformat(s['plan_start']):%d %b %Y}"
    end = f"{dt.date.fromisoformat(s['plan_end']):%d %b %Y}"
    assert f"covers {s['horizon']} weeks" in plan
    assert f"from the week of {start} to the week of {end}" in plan
    total = re.search(rf"total media budget of ({AMOUNT})\.", plan).group(1)
    _close(total, rec["summary"]["budget"])


def test_value_and_chance_sentences_equal_the_recommendation(demo):
    from mmm.report import fmt

    rec = demo["rec"]
    summ = rec["summary"]
    lines = _items(demo["html"], "budget-summary")
    meaning = next(li for li in lines if li.startswith("Value here"))
    w = summ["outcome_weights"]["store_visits"]
    m = re.search(rf"each store visit at ({AMOUNT})", meaning)
    _close(m.group(1), w)
    assert "online sales" in meaning
    chance = next(li for li in lines if "beats the current one" in li)
    p = summ["prob_better"]
    said = re.search(r"in (over 99%|under 1%|\d+%) of the model", chance).group(1)
    assert said == fmt.prob(p)
    if said == "over 99%":
        assert p > 0.99
    else:
        assert float(said.rstrip("%")) == round(p * 100)
    u = summ["uplift"]
    m = re.search(
        rf"between ({AMOUNT}) and ({AMOUNT}), most likely about ({AMOUNT}) "
        rf"\(\+({AMOUNT})% on the current plan\)",
        chance,
    )
    assert m, chance
    for got, want in zip(
        m.groups(), (u["lower"], u["upper"], u["median"], summ["uplift_pct"]), strict=True
    ):
        _close(got, want)


def test_outcome_sentences_equal_the_recommendation(demo):
    rec = demo["rec"]
    lines = _items(demo["html"], "budget-summary")
    by = {(o["outcome"], o["plan"]): o for o in rec["outcomes"]}
    outcomes = list(dict.fromkeys(o["outcome"] for o in rec["outcomes"]))
    assert set(outcomes) >= {"online_sales", "store_visits", "value"}
    for o in outcomes:
        word = o.replace("_", " ")
        line = next(li for li in lines if li.lower().startswith(f"{word} from media:"))
        m = re.search(
            rf"about ({AMOUNT}) \(({AMOUNT}) – ({AMOUNT})\) with the current plan, "
            rf"about ({AMOUNT}) \(({AMOUNT}) – ({AMOUNT})\) with the recommended plan",
            line,
        )
        assert m, line
        want = [
            by[(o, p)][k] for p in ("current", "recommended") for k in ("median", "lower", "upper")
        ]
        for got, w in zip(m.groups(), want, strict=True):
            _close(got, w)


def test_line_sentences_equal_the_allocation(demo):
    rec = demo["rec"]
    lines = _items(demo["html"], "budget-lines")
    assert len(lines) == len(rec["allocation"])
    for row in rec["allocation"]:
        name = _name(row)
        assert "|" not in name
        line = next(li for li in lines if li.split(" from ")[0].split(" at ")[0].endswith(name))
        m = re.match(
            rf"(Raise|Cut) {re.escape(name)} from ({AMOUNT}) to ({AMOUNT}) "
            rf"\(([+-])({AMOUNT}), [+-](\d+)%\); each extra €1 there is worth ({AMOUNT}) of "
            rf"value now and ({AMOUNT}) at the recommended level\.",
            line,
        )
        assert m, line
        verb, cur, new, sign, delta, pct, mv_now, mv_rec = m.groups()
        assert verb == ("Raise" if row["change"] > 0 else "Cut")
        assert sign == ("+" if row["change"] > 0 else "-")
        _close(cur, row["current"])
        _close(new, row["recommended"])
        _close(delta, abs(row["change"]))
        assert int(pct) == round(abs(row["change_pct"]))
        _close(mv_now, row["mroas_current"])
        _close(mv_rec, row["mroas_recommended"])


def test_binding_limits_equal_the_recommendation(demo):
    """The budget's margin first, then one sentence per stored binding limit, in the stored
    order, with its limit and shadow price."""
    rec = demo["rec"]
    items = _items(demo["html"], "budget-binding")
    stored = rec["summary"]["binding"]
    assert rec["summary"]["budget_shadow_price"] is not None
    margin, *binding = items
    m = re.fullmatch(
        rf"Each extra €1 of total budget would add about ({AMOUNT}) of value\.", margin
    )
    assert m, margin
    _close(m.group(1), rec["summary"]["budget_shadow_price"])
    assert len(binding) == len(stored) > 0
    for b, lim in zip(binding, stored, strict=True):
        row = next(r for r in rec["allocation"] if r["series"] == lim["series"])
        side = lim["side"]
        verb = "raised" if side == "upper" else "lowered"
        m = re.fullmatch(
            rf"{re.escape(_name(row))} is at its {side} limit \(({AMOUNT})\): each €1 the "
            rf"limit is {verb} would change value by about ({AMOUNT})\.",
            b,
        )
        assert m, b
        _close(m.group(1), lim["limit"])
        _close(m.group(2), abs(lim["shadow_price"]))
        # at an upper limit the plan sits on the limit
        if side == "upper":
            _close(m.group(1), row["recommended"])


def test_budget_table_columns_equal_the_allocation(demo):
    rec = demo["rec"]
    rows = demo["page"].tables["budget-table"]["rows"]
    assert len(rows) == len(rec["allocation"])
    for r, want in zip(rows, rec["allocation"], strict=True):
        cells = r["cells"]
        assert cells[0]["text"] == _name(want)
        vals = [
            float(c["attrs"]["data-value"])
            for c in (cells[1], cells[2], cells[4], cells[5], cells[6])
        ]
        assert vals == pytest.approx(
            [
                want[k]
                for k in ("current", "recommended", "change", "mroas_current", "mroas_recommended")
            ],
            rel=1e-9,
        )


# ---------------------------------------------------------------------- new fields


def _with_new_fields(rec: dict) -> dict:
    """The demo recommendation with the fields newer optimizers store (hand-made values)."""
    rec = copy.deepcopy(rec)
    rec["settings"].update(
        {"name": "q1", "created": "2026-01-05T10:00:00", "value_per_visit": 25.0}
    )
    rec["summary"]["budget_shadow_price"] = 2.1126937
    rec["summary"]["binding"] = [
        {
            "series": "paid_search|retargeting",
            "channel": "paid_search",
            "audience": "retargeting",
            "geo": "all",
            "kind": "series",
            "side": "upper",
            "limit": 489793.095,
            "shadow_price": 0.5229,
            "constraint": "series 'paid_search|retargeting' (default): upper 489,793",
        }
    ]
    rec["moves"] = [
        {"from": "online_video|prospecting", "to": "paid_search|prospecting", "amount": 120000.0},
        {"from": "shopping_ads|all", "to": "paid_social|near_store", "amount": 186753.835},
    ]
    return rec


@pytest.fixture(scope="module")
def named(demo, tmp_path_factory):
    """The demo run with two stored recommendations under recommendations/<name>/."""
    run = tmp_path_factory.mktemp("named") / "run"
    shutil.copytree(demo["run"], run)
    shutil.rmtree(run / "recommendations")  # the plan mmm optimize stored; two written below
    new = _with_new_fields(demo["rec"])
    old = copy.deepcopy(demo["rec"])
    old["settings"].update({"name": "old", "created": "2025-12-01T09:00:00"})
    for rec in (new, old):
        d = run / "recommendations" / rec["settings"]["name"]
        d.mkdir(parents=True)
        (d / "recommendation.json").write_text(json.dumps(rec))
    return {"run": run, "new": new, "old": old}


def test_moves_binding_and_shadow_prices_are_said_in_sentences(named):
    from mmm.report.write import write_report

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        html = write_report(named["run"], formats=("html",), strict=True)["html"].read_text()
    moves = _items(html, "budget-moves")
    assert moves == [
        "Move €120k from Online video · prospecting to Paid search · prospecting.",
        "Move €187k from Shopping ads to Paid social · near store.",
    ]
    binding = _items(html, "budget-binding")
    assert binding[0] == "Each extra €1 of total budget would add about €2.11 of value."
    assert binding[1] == (
        "Paid search · retargeting is at its upper limit (€490k): each €1 the limit is raised "
        "would change value by about €0.523."
    )
    # the newest recommendation is shown by default, and the footer says how to rebuild it
    assert "Recommendation shown: <code>q1</code>" in html
    assert f"mmm report {named['run'].resolve()} --recommendation q1" in html


def test_a_named_recommendation_is_shown_and_an_unknown_name_is_an_error(named, capsys):
    from mmm.cli import main
    from mmm.errors import NotFittedError
    from mmm.report.run import RunFolder

    r = RunFolder.open(named["run"], recommendation="old")
    assert r.recommendation.settings.name == "old"
    assert RunFolder.open(named["run"]).recommendation.settings.name == "q1"
    with pytest.raises(NotFittedError, match="no recommendation named 'nope'.*old, q1"):
        RunFolder.open(named["run"], recommendation="nope")
    assert main(["report", str(named["run"]), "--recommendation", "nope", "--quiet"]) == 2
    assert "no recommendation named 'nope'" in capsys.readouterr().err


# ---------------------------------------------------------------------- headroom


def test_headroom_agrees_with_the_plan_on_the_demo_fit(demo):
    from mmm.analysis.headroom import ROOM, SATURATED, headroom

    h = headroom(demo["stored"])
    assert len(h) == len(demo["rec"]["allocation"])
    # both readings occur, so the check below can fail
    assert {ROOM, SATURATED} <= set(h["reading"])
    saturated_raised = h[(h["reading"] == SATURATED) & (h["change"] > 0)]
    room_cut = h[(h["reading"] == ROOM) & (h["change"] < 0)]
    assert saturated_raised.empty, saturated_raised[["series", "change"]]
    assert room_cut.empty, room_cut[["series", "change"]]
    # the common margin is the value per euro every free line reaches in the plan
    free = [r["mroas_recommended"] for r in demo["rec"]["allocation"] if r["change_pct"] < 49.9]
    assert h["common"].iloc[0] == pytest.approx(sorted(free)[len(free) // 2], rel=1e-6)
    # and the report renders exactly these readings
    rows = demo["page"].tables["headroom-table"]["rows"]
    got = {(r["attrs"]["data-series"], r["attrs"]["data-reading"]) for r in rows}
    assert got == set(zip(h["series"], h["reading"], strict=True))
    for r in rows:
        plan = r["cells"][4]["text"]
        reading = r["attrs"]["data-reading"]
        assert not (reading == SATURATED and plan == "raises it")
        assert not (reading == ROOM and plan == "cuts it")


# ---------------------------------------------------------------------- rebuild


def _comparable(html: str) -> str:
    html = re.sub(r"report built \d\d \w{3} \d{4} \d\d:\d\d", "report built X", html)
    return html


def test_rebuild_from_the_footer_command_gives_the_same_report(demo, capsys):
    from mmm.cli import main

    first = demo["html"]
    cmd = re.search(r"rebuild with <code>mmm report ([^<]+)</code>", first).group(1).split()
    assert Path(cmd[0]) == demo["run"].resolve()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        main(["report", *cmd, "--quiet"])
    again = (demo["run"] / "report.html").read_text()
    assert "Combined value per €1" in again
    assert _comparable(again) == _comparable(first)
    capsys.readouterr()


# ---------------------------------------------------------------------- failures


def test_a_failing_analysis_function_fails_the_build_in_strict_mode(demo, monkeypatch):
    import mmm.analysis.funnel as funnel
    from mmm.report import build_report

    def broken(*a, **k):
        raise RuntimeError("carry-over exploded")

    monkeypatch.setattr(funnel, "carryover", broken)
    with pytest.raises(RuntimeError, match="carry-over exploded"):
        build_report(demo["run"], out=demo["run"] / "strict.html", strict=True)
    monkeypatch.setenv("MMM_REPORT_STRICT", "1")
    with pytest.raises(RuntimeError, match="carry-over exploded"):
        build_report(demo["run"], out=demo["run"] / "strict.html")


def test_a_failing_section_is_named_in_the_report_when_not_strict(demo, monkeypatch):
    import mmm.analysis.headroom as hr
    from mmm.report import build_report

    def broken(*a, **k):
        raise ValueError("no margins")

    monkeypatch.setattr(hr, "headroom", broken)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = build_report(demo["run"], out=demo["run"] / "lenient.html", strict=False)
    page = Page(path.read_text())
    notice = page.ids["failed-sections"]
    assert "Headroom at the plan's spend: ValueError: no margins" in notice
    assert "headroom-table" not in page.tables
    assert "budget-table" in page.tables  # the other sections are there


# ---------------------------------------------------------------------- wording


def _planner_text(html: str) -> str:
    """The report's visible text without the analysts' details block and the provenance."""
    html = re.sub(r"<details.*?</details>", "", html, flags=re.S)
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    html = html[: html.index('<section id="methods"')]
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_planner_text_has_no_internal_names(demo):
    text = _planner_text(demo["html"])
    for bad in ("periods", "W-MON", "fit_wall", "target_accept", "[sampler]", "Run run", "|"):
        assert bad not in text, bad
    assert "156 weeks" in text
    # conversion lines of this fit are listed from the fit, not from a fixed list
    funnel = demo["page"].ids["funnel"]
    aw = funnel.split("build demand")[0]
    assert "Programmatic display · retargeting" in aw
    assert "0.0 (0.0 – 0.0)" not in demo["html"]
    carry = {
        r["cells"][0]["text"]: r["cells"][2]["text"]
        for r in demo["page"].tables["carryover-table"]["rows"]
    }
    assert carry["shopping ads"].startswith("no carry-over")


def test_health_keeps_a_plain_verdict_and_the_technical_advice_for_analysts(demo):
    html = demo["html"]
    sec = html[html.index('<section id="health"') :]
    sec = sec[: sec.index("</section>")]
    assert 'id="health-verdict"' in sec.split("<details")[0]
    assert '<details id="health-details"><summary>For analysts' in sec
    assert "health-table" in sec.split("<details")[1]


def test_print_stylesheet_keeps_headings_with_their_content(demo):
    css = demo["html"][demo["html"].index("@media print") :]
    css = css[: css.index("</style>")]
    assert "h1, h2, h3, h4, caption { break-after: avoid" in css
    assert "h2 + *, h3 + *, h4 + * { break-before: avoid" in css
    assert re.search(r"nav, th button::after, \.screen-only \{ display: none; \}", css)
    assert "Click a column heading to sort." in demo["html"]
    assert '<span class="screen-only">Click a column heading to sort.</span>' in demo["html"]


@pytest.mark.parametrize(
    ("x", "money", "count"),
    [
        (7.92e-13, "< €0.01", "< 0.01"),
        (-0.003, "> -€0.01", "> -0.01"),
        (0.0, "€0", "0"),
        (2.6, "€2.60", "2.60"),
        (1.59, "€1.59", "1.59"),
        (25.0, "€25", "25"),
        (999.6, "€1.00k", "1.00k"),
        (12345.0, "€12.3k", "12.3k"),
        (-49779.13, "-€49.8k", "-49.8k"),
        (5256221.58, "€5.26M", "5.26M"),
    ],
)
def test_one_number_format(x, money, count):
    from mmm.report import fmt

    assert fmt.money(x) == money
    assert fmt.count(x) == count
    if abs(x) >= 0.01:
        assert fmt.parse_amount(money) == pytest.approx(x, rel=5e-3)


@pytest.mark.parametrize(
    ("p", "want"),
    [(0.999, "over 99%"), (0.991, "over 99%"), (0.99, "99%"), (0.5, "50%"), (0.004, "under 1%")],
)
def test_one_probability_rule(p, want):
    from mmm.report import fmt

    assert fmt.prob(p) == want


# ---------------------------------------------------------------------- charts


def _alt(html: str, start: str) -> list[str]:
    import html as h

    return [
        h.unescape(a)
        for a in re.findall(r'(?:alt|aria-label)="([^"]*)"', html)
        if h.unescape(a).startswith(start)
    ]


def test_line_share_chart_states_the_shares_of_the_analysis(demo):
    from mmm.analysis.shares import line_shares
    from mmm.inference.fit import FitResult
    from mmm.report import fmt
    from mmm.report.budget import display_name

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = FitResult.load(demo["run"])
    shares = line_shares(fit, prob=0.9)
    # shares add up to one over the lines, per outcome, and the spend shares match the data
    for _o, g in shares.groupby("outcome"):
        assert g["spend_share"].sum() == pytest.approx(1.0)
        assert g["effect_share_mean"].sum() == pytest.approx(1.0)
    sp = fit.dataset.spend.sum(("date", "geo"))
    row = shares.iloc[0]
    assert row["spend_share"] == pytest.approx(float(sp.sel(series=row["series"]) / sp.sum()))
    alts = _alt(demo["html"], "Paired bars per channel and audience line")
    assert len(alts) == len(fit.spec.outcome_names)
    for o, alt in zip(fit.spec.outcome_names, alts, strict=True):
        for r in shares[shares["outcome"] == o].itertuples():
            name = display_name(r.channel, r.audience)
            want = f"{name} {fmt.pct(r.spend_share)} of spend, {fmt.pct(r.effect_share_median)} of the effect"
            assert want in alt


def test_media_over_time_chart_by_channel(demo):
    from mmm.analysis.decompose import contributions_over_time
    from mmm.inference.fit import FitResult
    from mmm.plotting.contributions import plot_media_over_time

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = FitResult.load(demo["run"])
    frame = contributions_over_time(fit, max_draws=50)
    ds = fit.dataset
    groups = {str(s): str(c) for s, c in zip(ds.series, ds.spend["channel"].values, strict=True)}
    fig = plot_media_over_time(frame, outcome="online_sales", groups=groups)
    ax = fig.axes[0]
    assert len(ax.collections) == len(set(groups.values()))
    # the top of the stack is media's total contribution per date
    media = frame[(frame["outcome"] == "online_sales") & (frame["kind"] == "media")]
    total = media.groupby("date")["mean"].sum().to_numpy()
    top = ax.collections[-1].get_paths()[0].vertices[:, 1]
    assert top.max() == pytest.approx(total.max(), rel=1e-9)
    alts = _alt(demo["html"], "Stacked area chart of online sales from media per week")
    assert len(alts) == 1 and "Paid search" in alts[0]
