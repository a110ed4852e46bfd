"""Every figure: its axes, artists, labels and the data they carry (no pixels)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from analysis_helpers import known_fit, params, spec  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import mmm.analysis as A  # noqa: E402
import mmm.plotting as P  # noqa: E402
from mmm.analysis.known import fit_from_params  # noqa: E402


@pytest.fixture(scope="module")
def fit():
    return known_fit()


@pytest.fixture(scope="module")
def multi():
    p = params()
    p["saturation_half"] = np.array([[1.0, 0.8], [1.2, 0.9], [0.8, 0.7], [1.1, 1.0]])
    from analysis_helpers import dataset

    return fit_from_params(spec(), dataset(), params=p)


def test_waterfall(fit):
    tot = A.component_totals(fit)
    fig = P.plot_waterfall(tot, outcome="online_sales")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    n = tot.sizes["component"]
    assert len(ax.patches) == n + 1
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0] == "intercept" and labels[-1] == "total"
    total_bar = ax.patches[-1]
    assert total_bar.get_height() == pytest.approx(float(tot.sel(outcome="online_sales").sum()))
    # each bar starts where the previous one ended
    assert ax.patches[1].get_y() == pytest.approx(ax.patches[0].get_height())


def test_stacked_contributions(fit):
    df = A.contributions_over_time(fit)
    fig = P.plot_stacked_contributions(df, outcome="store_visits")
    ax = fig.axes[0]
    polys = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(polys) == 1 + 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "base",
        "search|all",
        "social|broad",
        "social|near_store",
    ]


def test_roas_plot(fit):
    tab = A.roas_table(fit)
    truth = {"search|all": 1.0}
    fig = P.plot_roas(tab, outcome="online_sales", truth=truth)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert sorted(labels) == sorted(fit.dataset.series)
    assert "ROAS" in ax.get_xlabel()
    assert len(ax.collections) >= 2  # error bars + truth markers
    fig2 = P.plot_roas(tab, outcome="store_visits")
    assert fig2.axes[0].get_xlabel() == "units per euro"


def test_rank_odds_plot(fit):
    draws = A.roas_draws(fit, max_draws=200).sel(path="total", outcome="online_sales")
    beats = A.pairwise_beats(draws)
    order = list(A.rank_table(draws)["series"])
    fig = P.plot_rank_odds(beats, order=order)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == order
    assert [t.get_text() for t in ax.get_xticklabels()] == order
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
    assert rows[0] == str(beats["series"].values[int(np.argmax(beats.mean("other").values))])


def test_funnel_plot(fit):
    fig = P.plot_funnel(A.funnel_shares(fit))
    assert len(fig.axes) == 2
    assert [a.get_title() for a in fig.axes] == ["online_sales", "store_visits"]
    assert len(fig.axes[0].patches) == 4  # 2 stages x (spend, effect)


def test_response_curve_plot(multi):
    cv = A.response_curves(multi, multipliers=np.linspace(0, 2, 11))
    pts = A.curve_points(cv, revenue_outcomes=["online_sales"])
    fig = P.plot_response_curves(
        cv, outcome="online_sales", points=pts, series=["search|all", "social|broad"]
    )
    a1, a2 = fig.axes
    # per series: median line, current-spend dot, diminishing-point diamond
    assert len(a1.lines) == 2 * 3
    assert len(a2.lines) == 2
    assert len(a1.collections) == 2  # bands
    assert a2.get_legend() is not None
    x = a1.lines[0].get_xdata()
    np.testing.assert_allclose(x, cv["spend"].sel(series="search|all").values)


def test_adstock_plot(fit):
    fig = P.plot_adstock(A.adstock_curves(fit))
    ax = fig.axes[0]
    assert len(ax.lines) == 2
    assert ax.get_xlabel().startswith("lag (weeks")
    np.testing.assert_allclose(ax.lines[1].get_ydata(), params()["adstock_weights"][1])


def test_posterior_predictive_plot(multi):
    pred = A.predict(multi, multi.dataset, max_draws=None)
    obs = multi.dataset.outcomes.sel(outcome=["online_sales", "store_visits"])
    fig = P.plot_posterior_predictive(pred, obs, split_date=multi.dataset.dates[30])
    assert len(fig.axes) == 2
    ax = fig.axes[0]
    assert ax.get_ylabel() == "online_sales"
    np.testing.assert_allclose(
        ax.lines[1].get_ydata(), obs.sel(outcome="online_sales").values[:, 0]
    )
    assert len(ax.lines) == 3  # median, observed, split line


def test_prior_posterior_plot(multi):
    tab = A.prior_posterior(multi, n_prior=500)
    fig = P.plot_prior_posterior(tab, variable="saturation_half")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["search", "social"]
    assert len(ax.collections) == 2  # prior and posterior interval lines
    with pytest.raises(ValueError):
        P.plot_prior_posterior(tab, variable="nope")
