"""Every figure: its axes, artists, labels and the data they carry (no pixels).

Fits here are built from fixed parameters (``fit_from_params``): no sampling, no compile.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from analysis_helpers import known_fit, params, spec  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402

import mmm.analysis as A  # noqa: E402
import mmm.plotting as P  # noqa: E402
from mmm.analysis.known import fit_from_params  # noqa: E402
from mmm.analysis.shares import line_shares  # noqa: E402
from mmm.names import display_name  # noqa: E402
from mmm.plotting._style import label, number_formatter, short_number  # noqa: E402

SEARCH, BROAD, NEAR = "search|all", "social|broad", "social|near_store"
NAMES = {SEARCH: "Search", BROAD: "Social · broad", NEAR: "Social · near store"}

#: Every public plotting function, and how many panels it draws for the test fit.
FUNCTIONS = {
    "plot_roas": 2,  # one per outcome
    "plot_funnel": 2,
    "plot_direct_vs_mediated": 2,  # one per outcome
    "plot_rank_odds": 1,
    "plot_spend_vs_effect_share": 2,
    "plot_response_curves": 3,  # one per series
    "plot_adstock": 2,  # one per channel
    "plot_waterfall": 2,
    "plot_stacked_contributions": 2,
    "plot_contributions": 3,
    "plot_media_over_time": 2,
    "plot_posterior_predictive": 2,
    "plot_prior_posterior": 3,  # one per variable
}


@pytest.fixture(scope="module")
def fit():
    return known_fit()


@pytest.fixture(scope="module")
def multi():
    p = params()
    p["saturation_half"] = np.array([[1.0, 0.8], [1.2, 0.9], [0.8, 0.7], [1.1, 1.0]])
    from analysis_helpers import dataset

    return fit_from_params(spec(), dataset(), params=p)


def drawn(fig):
    """Draw the figure (so tick labels and offset texts exist) and return it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).draw()
    return fig


def all_texts(fig) -> list[str]:
    """Every text of the figure: titles, axis labels, tick labels, legend texts, notes."""
    drawn(fig)
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def assert_readable(fig):
    texts = all_texts(fig)
    assert texts
    assert not [t for t in texts if "|" in t]
    assert not [t for t in texts if "_" in t], "raw ids (underscores) in labels"
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            assert axis.get_offset_text().get_text() == ""
            ticks = [t.get_text() for t in axis.get_ticklabels()]
            assert not [t for t in ticks if "e+" in t or "e-" in t or "×10" in t], ticks


def has_artists(ax) -> bool:
    return bool(ax.lines or ax.patches or ax.collections or ax.images)


# ----------------------------------------------------------------- every function


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_each_function_draws_a_fit_with_readable_labels(fit, name):
    fig = getattr(P, name)(fit)
    assert isinstance(fig, Figure)
    panels = [a for a in fig.axes if has_artists(a) and a.get_label() != "<colorbar>"]
    assert len(panels) == FUNCTIONS[name]
    assert_readable(fig)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_each_function_draws_on_the_axes_given(fit, name):
    n = FUNCTIONS[name]
    given = Figure()
    if name in ("plot_response_curves", "plot_adstock", "plot_contributions"):
        axes = given.subplots(1, n, squeeze=False)[0]  # small multiples: one Axes per panel
    else:
        axes = given.subplots()  # one Axes: the first outcome / variable only
    fig = getattr(P, name)(fit, ax=axes)
    assert fig is given
    for a in np.atleast_1d(axes):
        assert has_artists(a)
    assert_readable(fig)


def test_wrong_number_of_axes_says_how_many(fit):
    axes = Figure().subplots(1, 2)
    with pytest.raises(ValueError, match="draws 3 panel"):
        P.plot_response_curves(fit, ax=axes)
    with pytest.raises(ValueError, match="'nope' is not in the data"):
        P.plot_roas(fit, outcome="nope")


def test_outcomes_default_to_all_or_the_first(fit):
    fig = P.plot_roas(fit)
    titles = [a.get_title() for a in fig.axes]
    assert titles == ["Online sales: return per €1 (total)", "Store visits: return per €1 (total)"]
    one = P.plot_roas(fit, outcome="store_visits")
    assert [a.get_title() for a in one.axes] == ["Store visits: return per €1 (total)"]
    ax = Figure().subplots()
    P.plot_roas(fit, ax=ax)
    assert ax.get_title().startswith("Online sales")
    # small multiples default to the first outcome
    cv = A.response_curves(fit)
    fig = P.plot_response_curves(fit)
    top = fig.axes[0].lines[0].get_ydata()
    want = cv["contribution"].sel(outcome="online_sales", series=SEARCH).median("sample")
    np.testing.assert_allclose(top, want.values)


# ----------------------------------------------------------------- style pieces


def test_display_names_and_labels():
    assert display_name("paid_search", "prospecting") == "Paid search · prospecting"
    assert display_name("paid_search|prospecting") == "Paid search · prospecting"
    assert display_name("email_crm", "vic") == "Email CRM · VIC"
    assert label("paid_search|all") == "Paid search"
    assert label("online_sales") == "Online sales"
    assert label("online_sales|all|search") == "Online sales · search"
    assert "|" not in label("a|b|c|d")


def test_short_numbers_are_plain():
    assert short_number(0) == "0"
    assert short_number(950) == "950"
    assert short_number(2500) == "2.5k"
    assert short_number(1_234_567) == "1.23M"
    assert short_number(-3e9) == "-3bn"
    assert short_number(0.05) == "0.05"
    assert short_number(1e-5) == "0.00001"
    fmt = number_formatter(prefix="€")
    assert fmt(-12_000, 0) == "-€12k"


def test_colors_never_repeat():
    cs = P.colors(300)
    assert len(set(c.lower() for c in cs)) == 300
    assert P.color(0) == cs[0] and P.color(299) == cs[299]
    with pytest.raises(ValueError):
        P.color(-1)


def test_series_get_distinct_colours(fit):
    fig = P.plot_stacked_contributions(fit, outcome="online_sales")
    polys = [c for c in fig.axes[0].collections if isinstance(c, PolyCollection)]
    faces = [to_hex(p.get_facecolor()[0]) for p in polys]
    assert len(faces) == 4 and len(set(faces)) == 4
    fig = P.plot_response_curves(fit)
    lines = [to_hex(a.lines[0].get_color()) for a in fig.axes]
    assert len(set(lines)) == 3
    fig = P.plot_media_over_time(fit, outcome="online_sales")
    polys = [c for c in fig.axes[0].collections if isinstance(c, PolyCollection)]
    assert len({to_hex(p.get_facecolor()[0]) for p in polys}) == 3


def test_currency_from_argument_or_default(fit):
    fig = P.plot_roas(fit, currency="$", outcome="online_sales")
    assert fig.axes[0].get_xlabel() == "Online sales per $1 of spend (ROAS)"
    fig = drawn(P.plot_response_curves(fit))
    ticks = [t.get_text() for t in fig.axes[-1].get_xticklabels() if t.get_text()]
    assert ticks and all(t.startswith("€") or t.startswith("-€") for t in ticks), ticks
    # revenue outcomes carry the currency on their value axis, counts do not
    fig = drawn(P.plot_waterfall(fit))
    rev = [t.get_text() for t in fig.axes[0].get_yticklabels() if t.get_text()]
    cnt = [t.get_text() for t in fig.axes[1].get_yticklabels() if t.get_text()]
    assert all("€" in t for t in rev if t != "€0") and not any("€" in t for t in cnt)


def _money_ticks(fig) -> list[str]:
    """Tick labels of the money axis of the response curves (the spend axis, bottom row)."""
    drawn(fig)
    return [t.get_text() for t in fig.axes[-1].get_xticklabels() if t.get_text()]


def test_a_fit_labels_money_with_its_own_currency_and_an_argument_overrides_it(fit, tmp_path):
    from mmm.inference.fit import FitResult, with_currency

    assert fit.currency == "€"
    dollars = FitResult.load(with_currency(fit, "$").save(tmp_path / "usd"))
    assert dollars.currency == "$"
    fig = P.plot_roas(dollars, outcome="online_sales")
    assert fig.axes[0].get_xlabel() == "Online sales per $1 of spend (ROAS)"
    ticks = _money_ticks(P.plot_response_curves(dollars))
    assert ticks and all(t.lstrip("-").startswith("$") for t in ticks), ticks
    rev = [t.get_text() for t in drawn(P.plot_waterfall(dollars)).axes[0].get_yticklabels()]
    assert any(t.startswith("$") for t in rev) and not any("€" in t for t in rev), rev
    # an explicit currency= still wins over the fit's
    fig = P.plot_roas(dollars, outcome="online_sales", currency="£")
    assert fig.axes[0].get_xlabel() == "Online sales per £1 of spend (ROAS)"


def test_a_fit_saved_before_the_currency_was_stored_reads_as_euro(fit, tmp_path):
    import json

    from mmm.inference.fit import FitResult, with_currency

    d = with_currency(fit, "$").save(tmp_path / "old")
    meta = json.loads((d / "fit.json").read_text())
    assert meta["currency"] == "$"
    del meta["currency"]  # as fit.json was written before
    (d / "fit.json").write_text(json.dumps(meta))
    old = FitResult.load(d)
    assert old.currency == "€"
    assert P.plot_roas(old, outcome="online_sales").axes[0].get_xlabel() == (
        "Online sales per €1 of spend (ROAS)"
    )


def test_the_run_config_currency_is_stored_with_the_fit(fit, tmp_path, monkeypatch):
    """``mmm fit`` (``mmm.pipeline.fit_run``) keeps ``[optimizer] currency`` in fit.json;
    the sampler is replaced by the fixed-parameter fit (the wiring is tested, not NUTS)."""
    from analysis_helpers import tables

    import mmm.inference
    from mmm.config import parse_config
    from mmm.errors import SpecError
    from mmm.inference.fit import FitResult
    from mmm.pipeline import fit_run

    data = {}
    for name, frame in tables().items():
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
        data[name] = str(tmp_path / f"{name}.csv")
    monkeypatch.setattr(mmm.inference, "fit", lambda *a, **k: fit)
    raw = {"data": data, "optimizer": {"currency": "$"}}
    result, paths = fit_run(parse_config(raw, source="usd.toml"), tmp_path / "run")
    assert result.currency == "$"
    loaded = FitResult.load(tmp_path / "run")
    assert loaded.currency == "$"
    assert P.plot_roas(loaded, outcome="online_sales").axes[0].get_xlabel() == (
        "Online sales per $1 of spend (ROAS)"
    )
    # no currency in the config: the default
    result, _ = fit_run(parse_config({"data": data}, source="eur.toml"), tmp_path / "eur")
    assert result.currency == "€" and FitResult.load(tmp_path / "eur").currency == "€"
    # a currency that is not a symbol is refused before anything is fitted
    monkeypatch.setattr(mmm.inference, "fit", lambda *a, **k: pytest.fail("fitted"))
    bad = {"data": data, "optimizer": {"currency": 5}}
    with pytest.raises(SpecError, match=r"bad.toml: \[optimizer\] currency must be"):
        fit_run(parse_config(bad, source="bad.toml"), tmp_path / "bad")


# ----------------------------------------------------------------- the table forms


def test_waterfall(fit):
    tot = A.component_totals(fit)
    fig = P.plot_waterfall(tot, outcome="online_sales")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    n = tot.sizes["component"]
    assert len(ax.patches) == n + 1
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0] == "Intercept" and labels[-1] == "Total"
    assert labels[-4:-1] == [NAMES[SEARCH], NAMES[BROAD], NAMES[NEAR]]
    total_bar = ax.patches[-1]
    assert total_bar.get_height() == pytest.approx(float(tot.sel(outcome="online_sales").sum()))
    # each bar starts where the previous one ended
    assert ax.patches[1].get_y() == pytest.approx(ax.patches[0].get_height())
    # the fit form draws the same totals
    fig2 = P.plot_waterfall(fit, outcome="online_sales")
    assert fig2.axes[0].patches[-1].get_height() == pytest.approx(total_bar.get_height())


def test_stacked_contributions(fit):
    df = A.contributions_over_time(fit)
    fig = P.plot_stacked_contributions(df, outcome="store_visits")
    ax = fig.axes[0]
    polys = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(polys) == 1 + 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Base",
        NAMES[SEARCH],
        NAMES[BROAD],
        NAMES[NEAR],
    ]
    assert_readable(fig)


def test_contributions_small_multiples(fit):
    df = A.contributions_over_time(fit)
    fig = P.plot_contributions(df, outcome="store_visits")
    assert [a.get_title() for a in fig.axes] == list(NAMES.values())
    got = fig.axes[1].lines[0].get_ydata()
    want = df[(df["outcome"] == "store_visits") & (df["component"] == BROAD)]
    np.testing.assert_allclose(np.asarray(got, float), want.sort_values("date")["mean"].values)
    # shared scales: every panel has the same y limits
    assert len({a.get_ylim() for a in fig.axes}) == 1


def test_roas_plot(fit):
    tab = A.roas_table(fit)
    truth = {SEARCH: 1.0}
    fig = P.plot_roas(tab, outcome="online_sales", truth=truth)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert sorted(labels) == sorted(NAMES.values())
    assert "ROAS" in ax.get_xlabel()
    assert len(ax.collections) >= 2  # error bars + truth markers
    # the points are the table's medians, sorted
    med = tab.query("outcome == 'online_sales' and path == 'total'")["median"].sort_values()
    np.testing.assert_allclose(np.asarray(ax.lines[0].get_xdata(), float), med.values)
    fig2 = P.plot_roas(tab, outcome="store_visits")
    assert fig2.axes[0].get_xlabel() == "Store visits per €1 of spend"


def test_rank_odds_plot(fit):
    draws = A.roas_draws(fit, max_draws=200).sel(path="total", outcome="online_sales")
    beats = A.pairwise_beats(draws)
    order = list(A.rank_table(draws)["series"])
    fig = P.plot_rank_odds(beats, order=order)
    ax = fig.axes[0]
    names = [label(s) for s in order]
    assert [t.get_text() for t in ax.get_yticklabels()] == names
    assert [t.get_text() for t in ax.get_xticklabels()] == names
    img = ax.get_images()[0].get_array()
    n = len(order)
    assert img.shape == (n, n) and n >= 3
    assert np.isnan(np.ma.filled(img, np.nan).astype(float).diagonal()).all()
    # the cells are the odds: row a, column b = P(return a > return b)
    want = float(beats.sel(series=order[0], other=order[1]))
    assert float(img[0, 1]) == pytest.approx(want)
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == n * (n - 1) and f"{want:.2f}" in texts
    # default order: by mean odds, highest first
    fig2 = P.plot_rank_odds(beats)
    rows = [t.get_text() for t in fig2.axes[0].get_yticklabels()]
    best = str(beats["series"].values[int(np.argmax(beats.mean("other").values))])
    assert rows[0] == label(best)
    # odds still holding outcome and path dims: the outcome asked is selected
    full = A.pairwise_beats(A.roas_draws(fit, max_draws=200))
    fig3 = P.plot_rank_odds(full, outcome="online_sales", order=order)
    np.testing.assert_allclose(
        np.ma.filled(fig3.axes[0].get_images()[0].get_array(), np.nan),
        np.ma.filled(img, np.nan),
    )


def test_funnel_plot(fit):
    fig = P.plot_funnel(A.funnel_shares(fit))
    assert len(fig.axes) == 2
    assert [a.get_title() for a in fig.axes] == ["Online sales", "Store visits"]
    assert len(fig.axes[0].patches) == 4  # 2 stages x (spend, effect)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["Awareness", "Conversion"]


def test_spend_vs_effect_share_plot(fit):
    shares = line_shares(fit)
    fig = P.plot_spend_vs_effect_share(shares, outcome="online_sales", title="T")
    ax = fig.axes[0]
    assert ax.get_title() == "T"
    df = shares.query("outcome == 'online_sales'").sort_values("effect_share_median")
    assert [t.get_text() for t in ax.get_yticklabels()] == [NAMES[s] for s in df["series"]]
    # the labels given win
    fig2 = P.plot_spend_vs_effect_share(shares, outcome="online_sales", labels={SEARCH: "S"})
    assert "S" in [t.get_text() for t in fig2.axes[0].get_yticklabels()]


def test_response_curve_plot(multi):
    cv = A.response_curves(multi, multipliers=np.linspace(0, 2, 11))
    pts = A.curve_points(cv, revenue_outcomes=["online_sales"])
    fig = P.plot_response_curves(cv, outcome="online_sales", points=pts, series=[SEARCH, BROAD])
    a1, a2 = fig.axes
    # per series panel: median line, current-spend dot, diminishing-point diamond; one band
    assert len(a1.lines) == 3 and len(a2.lines) == 3
    assert len(a1.collections) == 1
    assert a1.get_title() == NAMES[SEARCH] and a2.get_title() == NAMES[BROAD]
    x = a1.lines[0].get_xdata()
    np.testing.assert_allclose(x, cv["spend"].sel(series=SEARCH).values)
    # shared scales
    assert a1.get_xlim() == a2.get_xlim() and a1.get_ylim() == a2.get_ylim()
    roas = P.plot_response_curves(cv, outcome="online_sales", quantity="roas")
    assert len(roas.axes) == 3
    with pytest.raises(ValueError, match="quantity"):
        P.plot_response_curves(cv, quantity="nope")


def test_adstock_plot(fit):
    fig = P.plot_adstock(A.adstock_curves(fit))
    assert [a.get_title() for a in fig.axes] == ["Search", "Social"]
    assert fig.axes[0].get_xlabel().startswith("lag (weeks")
    np.testing.assert_allclose(fig.axes[1].lines[0].get_ydata(), params()["adstock_weights"][1])


def test_posterior_predictive_plot(multi):
    pred = A.predict(multi, multi.dataset, max_draws=None)
    obs = multi.dataset.outcomes.sel(outcome=["online_sales", "store_visits"])
    fig = P.plot_posterior_predictive(pred, obs, split_date=multi.dataset.dates[30])
    assert len(fig.axes) == 2
    ax = fig.axes[0]
    assert ax.get_ylabel() == "Online sales"
    np.testing.assert_allclose(
        ax.lines[1].get_ydata(), obs.sel(outcome="online_sales").values[:, 0]
    )
    assert len(ax.lines) == 3  # median, observed, split line
    with pytest.raises(ValueError, match="observed"):
        P.plot_posterior_predictive(pred)
    # the fit form uses the fit's observed outcomes
    fig2 = P.plot_posterior_predictive(multi, outcome="online_sales")
    np.testing.assert_allclose(
        fig2.axes[0].lines[1].get_ydata(), obs.sel(outcome="online_sales").values[:, 0]
    )


def test_prior_posterior_plot(multi):
    tab = A.prior_posterior(multi, n_prior=500)
    fig = P.plot_prior_posterior(tab, variable="saturation_half")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Search", "Social"]
    assert len(ax.collections) == 2  # prior and posterior interval lines
    with pytest.raises(ValueError, match="'nope' is not in the table"):
        P.plot_prior_posterior(tab, variable="nope")
    every = P.plot_prior_posterior(tab)
    assert len(every.axes) == tab["variable"].nunique()


def test_gallery_shows_every_function_with_a_small_image():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    page = (root / "docs" / "plotting.md").read_text(encoding="utf-8")
    public = [n for n in P.__all__ if n.startswith("plot_")]
    assert sorted(public) == sorted(FUNCTIONS)
    for name in public:
        img = root / "docs" / "img" / "gallery" / f"{name}.png"
        assert f"P.{name}(fit" in page, name
        assert f"(img/gallery/{name}.png)" in page, name
        assert img.is_file() and 0 < img.stat().st_size < 150_000, name


def test_direct_vs_mediated_plot_stacks_the_table_given():
    import pandas as pd

    table = pd.DataFrame(
        {
            "outcome": ["sales", "sales", "visits"],
            "channel": ["tv", "social|broad", "tv"],
            "direct": [300.0, 100.0, 40.0],
            "mediated": [100.0, 50.0, 10.0],
            "mediated_share": [0.25, None, 0.2],
        }
    )
    fig = P.plot_direct_vs_mediated(table, mediator="brand_search", currency="$")
    assert [a.get_title(loc="left") for a in fig.axes] == ["Sales", "Visits"]
    ax = fig.axes[0]
    # the first row at the top: direct bars from 0, mediated bars from the direct value
    direct, mediated = ax.patches[:2], ax.patches[2:4]
    assert [p.get_width() for p in direct] == [300.0, 100.0]
    assert [(p.get_x(), p.get_width()) for p in mediated] == [(300.0, 100.0), (100.0, 50.0)]
    assert [p.get_y() + p.get_height() / 2 for p in direct] == [1.0, 0.0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["TV", "Social · broad"]
    notes = [t.get_text() for t in ax.texts]
    assert notes == ["  $400 (25% via brand search)", "  $150"]
    assert ax.get_xlim() == (0.0, 400.0 * 1.6)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["direct", "via brand search"]
    assert fig.axes[1].get_legend() is None  # one legend for the figure


def test_direct_vs_mediated_table_of_a_fit_is_the_awareness_paths_rearranged(fit):
    from mmm.plotting.paths import path_table

    paths = A.awareness_paths(fit)
    table = path_table(paths)
    assert list(table.columns) == ["outcome", "channel", "direct", "mediated", "mediated_share"]
    row = table[(table["outcome"] == "online_sales") & (table["channel"] == BROAD)].iloc[0]
    pick = paths[(paths["outcome"] == "online_sales") & (paths["series"] == BROAD)]
    by = pick.set_index("quantity")
    assert row["direct"] == by.loc["direct", "mean"]
    assert row["mediated"] == by.loc["mediated", "mean"]
    assert row["mediated_share"] == by.loc["mediated_share", "median"]
    fig = P.plot_direct_vs_mediated(fit, outcome="online_sales")
    widths = [p.get_width() for p in fig.axes[0].patches]
    ours = table[table["outcome"] == "online_sales"]
    # (a stacked bar's width is read back as its right edge minus its left: float rounding)
    np.testing.assert_allclose(widths, [*ours["direct"], *ours["mediated"]], rtol=1e-12)
    assert fig.axes[0].get_legend().get_texts()[1].get_text() == "via brand search"


def test_ranked_bars_draw_items_in_order_with_whiskers():
    from mmm.plotting.ranked import ranked_bars

    items = [
        {"label": "North", "stage": "geo", "median": 4.0, "lower": 3.0, "upper": 5.0},
        {"label": "South", "stage": "awareness", "median": 2.0, "lower": None, "upper": None},
        {"label": "East", "median": None, "lower": None, "upper": None},
    ]
    fig = ranked_bars(items, title="T", xlabel="X", value_fmt=lambda v: f"{v:.1f}")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["North", "South", "East"]
    bars = ax.patches[:3]
    assert [b.get_width() for b in bars] == [4.0, 2.0, 0]
    assert [b.get_y() + b.get_height() / 2 for b in bars] == [2.0, 1.0, 0.0]
    assert to_hex(bars[0].get_facecolor()) == "#6b6b6b"  # not a stage: neutral
    assert to_hex(bars[1].get_facecolor()) == "#6a51a3" and bars[1].get_hatch() == "///"
    # one whisker, for the only item with a range; the value printed beside each bar
    (whiskers,) = [c for c in ax.collections if len(c.get_segments())]
    np.testing.assert_allclose(whiskers.get_segments()[0], [[3.0, 2.0], [5.0, 2.0]])
    assert [t.get_text() for t in ax.texts] == ["  4.0", "  2.0"]
    assert ax.get_xlim() == (0.0, 5.0 * 1.22)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["awareness channel", "conversion channel", "line: 90% range"]
    assert ax.get_title(loc="left") == "T" and ax.get_xlabel() == "X"
