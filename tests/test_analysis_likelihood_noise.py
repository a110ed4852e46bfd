"""Predictive draws use each outcome's own likelihood (normal, Student-t, negative binomial)."""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pytest
from analysis_helpers import dataset, params, spec
from scipy import stats

import mmm.analysis as A
from mmm.analysis.known import fit_from_params
from mmm.spec import OutcomeSpec

N = 2000  # identical draws, so the spread is the likelihood's alone


def _fit(likelihoods, extra):
    sp = replace(
        spec(mediator=None),
        outcomes=(
            OutcomeSpec("online_sales", "revenue", likelihoods[0]),
            OutcomeSpec("store_visits", "count", likelihoods[1]),
        ),
    )
    p = params(mediator=False) | extra
    p = {k: np.repeat(np.asarray(v, dtype=float)[None], N, axis=0) for k, v in p.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_from_params(sp, dataset(), params=p)


@pytest.fixture(scope="module")
def heavy():
    return _fit(
        ("student_t", "negative_binomial"), {"nu_online_sales": 3.0, "nb_alpha_store_visits": 20.0}
    )


def test_student_t_noise_has_t_tails(heavy):
    mu = A.expected(heavy, max_draws=None).sel(outcome="online_sales").values
    ppc = A.posterior_predictive(heavy, max_draws=None, seed=1).sel(outcome="online_sales").values
    sd = 0.04 * heavy.design.outcome_scale[0, 0]  # sigma of online sales x its scale
    z = ((ppc - mu) / sd).ravel()
    q = np.quantile(np.abs(z), 0.95)
    assert q == pytest.approx(stats.t(3).ppf(0.975), rel=0.03)  # 3.18; a normal gives 1.96


def test_negative_binomial_counts_have_its_mean_and_variance(heavy):
    mu = A.expected(heavy, max_draws=None).sel(outcome="store_visits").values
    ppc = A.posterior_predictive(heavy, max_draws=None, seed=2).sel(outcome="store_visits").values
    assert np.all(ppc >= 0) and np.all(ppc == np.round(ppc))
    m = mu[0]  # (date, geo): every draw has the same mean
    np.testing.assert_allclose(ppc.mean(axis=0), m, rtol=0.02)
    var = ppc.var(axis=0)
    want = m + m**2 / 20.0
    assert np.median(var / want) == pytest.approx(1.0, abs=0.05)


def test_predict_uses_the_same_likelihoods(heavy):
    pred = A.predict(heavy, heavy.dataset, max_draws=None, seed=3)
    visits = pred.sel(outcome="store_visits").values
    assert np.all(visits == np.round(visits))
    expected = A.predict(heavy, heavy.dataset, noise=False, max_draws=None)
    np.testing.assert_allclose(expected.values, A.expected(heavy, max_draws=None).values, rtol=1e-9)


def test_normal_noise_by_hand():
    f = _fit(("normal", "normal"), {})
    idx = np.arange(N)
    mu = A.expected(f, max_draws=None)
    ys = f.design.outcome_scale
    z = np.random.default_rng(4).standard_normal(mu.shape)
    want = mu.values + z * np.array([0.04, 0.05])[None, None, None, :] * ys[None, None]
    got = A.posterior_predictive(f, max_draws=None, seed=4)
    np.testing.assert_allclose(got.values, want, rtol=1e-12)
    assert len(idx) == got.sizes["sample"]


def test_a_spec_with_a_count_likelihood_needs_its_dispersion():
    with pytest.raises(ValueError, match="nb_alpha_store_visits"):
        _fit(("normal", "negative_binomial"), {})
