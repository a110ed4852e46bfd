"""Journey attribution's Markov and Shapley models (mmm.journeys) against hand-computed
cases, an analytic first-order chain and the journey simulator's known truth."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pandas as pd
import pytest
from journey_helpers import assert_credit, credit

from mmm.errors import DataError
from mmm.journeys import (
    attribute,
    build_journeys,
    paths_from_frame,
    removal_effects,
    simulate_journeys,
    transition_matrix,
)
from mmm.journeys.shapley import shapley_credit


# --------------------------------------------------------------------------- Markov by hand
@pytest.fixture(scope="module")
def loop_paths():
    return paths_from_frame(
        pd.DataFrame(
            {
                "path": ["a", "a > b", "b > a", "b > c", "a > b > a", "c > c"],
                "conversions": [2, 3, 1, 5, 2, 4],
                "nulls": [8, 7, 9, 5, 8, 6],
            }
        )
    )


def test_markov_order1_by_hand(loop_paths):
    # Transition counts (journeys):
    #   start: a 30 (paths 1, 2, 5), b 20 (paths 3, 4), c 10 (path 6) -> 1/2, 1/3, 1/6
    #   out of a (50): a>b 20, conv 2 + 1 + 2 = 5, null 8 + 9 + 8 = 25
    #       -> P(a>b) = 0.4, P(a>conv) = 0.1
    #   out of b (40): b>a 20, b>c 10, conv 3, null 7
    #       -> P(b>a) = 0.5, P(b>c) = 0.25, P(b>conv) = 0.075
    #   out of c (30): c>c 10, conv 5 + 4 = 9, null 11 -> P(c>c) = 1/3, P(c>conv) = 0.3
    tm = transition_matrix(loop_paths)
    assert tm.loc["(start)", ["a", "b", "c"]].tolist() == pytest.approx([1 / 2, 1 / 3, 1 / 6])
    assert tm.loc["a", ["b", "(conversion)", "(null)"]].tolist() == pytest.approx([0.4, 0.1, 0.5])
    assert tm.loc["b", ["a", "c", "(conversion)"]].tolist() == pytest.approx([0.5, 0.25, 0.075])
    assert tm.loc["c", ["c", "(conversion)"]].tolist() == pytest.approx([1 / 3, 0.3])
    assert tm.sum(axis=1).to_numpy() == pytest.approx(1.0)
    # Conversion probabilities h from each state:
    #   h_c = 0.3 + h_c / 3 -> h_c = 0.45
    #   h_b = 0.075 + 0.5 h_a + 0.25 * 0.45 = 0.1875 + 0.5 h_a
    #   h_a = 0.1 + 0.4 h_b = 0.175 + 0.2 h_a -> h_a = 0.21875, h_b = 0.296875
    #   P = h_a / 2 + h_b / 3 + h_c / 6 = 17 / 60 (the observed conversion rate)
    # Without a (h_a = 0): P = 0.1875 / 3 + 0.45 / 6 = 0.1375 -> RE = 1 - 0.1375 * 60 / 17
    #   = 8.75 / 17
    # Without b (h_b = 0): h_a = 0.1, P = 0.05 + 0.075 = 0.125 -> RE = 9.5 / 17
    # Without c: h_a = 0.13 + 0.2 h_a -> 0.1625, h_b = 0.15625, P = 2 / 15 -> RE = 9 / 17
    re = removal_effects(loop_paths, order=1).set_index("channel")
    assert re["conversion_probability"].iloc[0] == pytest.approx(17 / 60, abs=1e-15)
    expected = {"a": 8.75 / 17, "b": 9.5 / 17, "c": 9 / 17}
    assert_credit(re["removal_effect"].to_dict(), expected, tol=1e-13)
    assert re.loc["a", "conversion_probability_without"] == pytest.approx(0.1375, abs=1e-14)

    r = attribute(loop_paths, methods=["markov_removal_share", "markov_removal_split"])
    # removal share: 17 conversions split 8.75 : 9.5 : 9 (sum 27.25)
    share = {c: 17 * (v * 17) / 27.25 for c, v in expected.items()}
    assert_credit(credit(r, "markov_removal_share"), share, tol=1e-12)
    # removal split, path by path over its distinct channels (RE proportional to 8.75, 9.5, 9):
    #   a: 2 (path 'a') + (3 + 1 + 2) * 8.75 / 18.25 (paths with a and b)
    #   b: (3 + 1 + 2) * 9.5 / 18.25 + 5 * 9.5 / 18.5 (path 'b > c')
    #   c: 5 * 9 / 18.5 + 4 (path 'c > c')
    split = {
        "a": 2 + 6 * 8.75 / 18.25,
        "b": 6 * 9.5 / 18.25 + 5 * 9.5 / 18.5,
        "c": 5 * 9 / 18.5 + 4,
    }
    assert_credit(credit(r, "markov_removal_split"), split, tol=1e-12)
    assert set(r["measures"]) == {"path dependence (removal effect)"}


def test_markov_order2_differs_from_order1_by_hand():
    paths = paths_from_frame(
        pd.DataFrame(
            {"path": ["a > b", "b > a", "a"], "conversions": [1, 0, 1], "nulls": [1, 2, 1]}
        )
    )
    # Order 2, states (a), (b), (a,b), (b,a):
    #   start: (a) 4, (b) 2; (a) -> (a,b) 2, conv 1, null 1 -> 0.5, 0.25, 0.25
    #   (a,b): conv 1 null 1; (b) -> (b,a) 2; (b,a): null 2
    #   h(a,b) = 0.5, h(a) = 0.25 + 0.5 * 0.5 = 0.5, h(b) = h(b,a) = 0 -> P = 4/6 * 0.5 = 1/3
    #   without a: only (b) is left and it cannot convert -> RE_a = 1
    #   without b: h(a) = 0.25, P = 4/6 * 0.25 = 1/6 -> RE_b = 1/2
    re2 = removal_effects(paths, order=2).set_index("channel")["removal_effect"]
    assert_credit(re2.to_dict(), {"a": 1.0, "b": 0.5}, tol=1e-14)
    # Order 1: out of a (6): a>b 2, conv 1, null 3; out of b (4): b>a 2, conv 1, null 1
    #   h_a = 1/6 + h_b / 3, h_b = 1/4 + h_a / 2 -> h_a = 0.3, h_b = 0.4, P = 1/3
    #   without a: h_b = 1/4, P = 2/6 * 1/4 = 1/12 -> RE_a = 3/4
    #   without b: h_a = 1/6, P = 4/6 * 1/6 = 1/9 -> RE_b = 2/3
    re1 = removal_effects(paths, order=1).set_index("channel")["removal_effect"]
    assert_credit(re1.to_dict(), {"a": 0.75, "b": 2 / 3}, tol=1e-14)
    for order in (3, 4):  # paths of at most two touches: orders 2, 3 and 4 coincide
        reo = removal_effects(paths, order=order).set_index("channel")["removal_effect"]
        assert_credit(reo.to_dict(), {"a": 1.0, "b": 0.5}, tol=1e-14)
    with pytest.raises(DataError, match="from 1 to 4"):
        removal_effects(paths, order=5)


# ---------------------------------------------------- Markov on a true first-order chain
def _realise_chain(start, trans, conv, null, scale=1000.0):
    """Fractional path counts whose transition frequencies equal a first-order chain exactly.

    The expected journey flow ``N(i -> j) = scale * visits_i * P(i -> j)`` is decomposed into
    start-to-end paths and cycles (cycles are spliced into a path through one of their
    states), so the estimated transition probabilities are the chain's own.
    """
    n = len(start)
    q = np.asarray(trans, dtype=float)
    visits = scale * np.linalg.solve(np.eye(n) - q.T, np.asarray(start, dtype=float))
    flow = {}
    for i in range(n):
        flow[("s", i)] = scale * start[i]
        for j in range(n):
            if q[i, j] > 0:
                flow[(i, j)] = visits[i] * q[i, j]
        flow[(i, "conv")] = visits[i] * conv[i]
        flow[(i, "null")] = visits[i] * null[i]
    eps = 1e-9 * scale

    def out_edges(u):
        return [(e, w) for e, w in flow.items() if e[0] == u and w > eps]

    paths = []  # (list of states, end, weight)
    while True:  # source-to-sink paths by greedy walks along the largest remaining flow
        edges = out_edges("s")
        if not edges:
            break
        walk, u, seen = [], "s", set()
        while u not in ("conv", "null"):
            e, _ = max(out_edges(u), key=lambda ew: ew[1])
            if e[1] in seen:  # a cycle: take it out and continue
                k = walk.index(e[1])
                cycle = [*walk[k:], e[1]]
                w = min(flow[(a, b)] for a, b in zip(cycle[:-1], cycle[1:], strict=True))
                for a, b in zip(cycle[:-1], cycle[1:], strict=True):
                    flow[(a, b)] -= w
                paths.append(("cycle", cycle[:-1], w))
                walk, u, seen = [], "s", set()
                continue
            walk.append(e[1]) if e[1] not in ("conv", "null") else None
            seen.add(e[1])
            u = e[1]
        seq = ["s", *walk, u]
        w = min(flow[(a, b)] for a, b in zip(seq[:-1], seq[1:], strict=True))
        for a, b in zip(seq[:-1], seq[1:], strict=True):
            flow[(a, b)] -= w
        paths.append(("path", walk, w, u))
    while True:  # what is left is a circulation: take out its cycles
        left = [e for e, w in flow.items() if w > eps and e[0] != "s"]
        if not left:
            break
        walk, u = [], left[0][0]
        while u not in walk:
            walk.append(u)
            u = max(out_edges(u), key=lambda ew: ew[1])[0][1]
        cycle = [*walk[walk.index(u) :], u]
        w = min(flow[(a, b)] for a, b in zip(cycle[:-1], cycle[1:], strict=True))
        for a, b in zip(cycle[:-1], cycle[1:], strict=True):
            flow[(a, b)] -= w
        paths.append(("cycle", cycle[:-1], w))
    cycles = [p[1:] for p in paths if p[0] == "cycle"]
    simple = [list(p[1:]) for p in paths if p[0] == "path"]
    while cycles:  # splice every cycle into a path through one of its states
        for n_cycle, (cyc, _) in enumerate(cycles):  # noqa: B007 - n_cycle is used below
            hit = [
                (k, s)
                for k, (walk, pw, _) in enumerate(simple)
                if pw > eps
                for s in cyc
                if s in walk
            ]
            if hit:
                break
        else:  # pragma: no cover - every state of a chain is reached from the start
            raise AssertionError("cannot splice a cycle")
        cyc, w = cycles.pop(n_cycle)
        k, s = hit[0]
        walk, pw, end = simple[k]
        r = cyc.index(s)
        loop = cyc[r:] + cyc[:r]  # the cycle rotated to start at s
        times = int(np.ceil(w / pw)) + 1  # repeat it so that its share fits the path
        pos = walk.index(s)
        simple[k] = [walk, pw - w / times, end]
        simple.append([walk[:pos] + loop * times + walk[pos:], w / times, end])
    rows = [(w, e, " > ".join(f"ch{c}" for c in walk)) for walk, w, e in simple if w > eps]
    frame = pd.DataFrame(
        {
            "path": [r[2] for r in rows],
            "conversions": [r[0] if r[1] == "conv" else 0.0 for r in rows],
            "nulls": [r[0] if r[1] == "null" else 0.0 for r in rows],
        }
    )
    return paths_from_frame(frame)


def _analytic_removal(start, trans, conv):
    """Removal effects of a first-order chain by dense matrix inversion."""
    start, q, r = np.asarray(start, float), np.asarray(trans, float), np.asarray(conv, float)
    n = start.size
    p_full = start @ np.linalg.solve(np.eye(n) - q, r)
    out = []
    for c in range(n):
        keep = np.arange(n) != c
        qk = q[np.ix_(keep, keep)]
        p_c = start[keep] @ np.linalg.solve(np.eye(n - 1) - qk, r[keep])
        out.append(1 - p_c / p_full)
    return p_full, np.array(out)


def test_markov_matches_analytic_first_order_chain():
    # a chain with self-loops and cycles between four channels; rows add up to 1
    start = [0.4, 0.3, 0.2, 0.1]
    trans = [
        [0.10, 0.30, 0.10, 0.05],
        [0.20, 0.05, 0.25, 0.10],
        [0.05, 0.15, 0.20, 0.20],
        [0.10, 0.05, 0.05, 0.30],
    ]
    conv = [0.05, 0.10, 0.12, 0.25]
    null = [1 - sum(row) - c for row, c in zip(trans, conv, strict=True)]
    assert min(null) > 0
    paths = _realise_chain(start, trans, conv, null)
    tm = transition_matrix(paths)
    names = ["ch0", "ch1", "ch2", "ch3"]
    assert np.abs(tm.loc[names, names].to_numpy() - np.asarray(trans)).max() < 1e-9
    p_full, truth = _analytic_removal(start, trans, conv)
    re = removal_effects(paths, order=1).set_index("channel").loc[names]
    assert re["conversion_probability"].iloc[0] == pytest.approx(p_full, abs=1e-9)
    assert np.abs(re["removal_effect"].to_numpy() - truth).max() < 1e-9


# --------------------------------------------------------------------------- Shapley by hand
@pytest.fixture(scope="module")
def shapley_paths():
    # channel sets (order ignored): {a} 100 journeys / 2 conv, {b} 100 / 3, {a,b} 50 / 4
    # (two orderings), {c} 50 / 1, {a,b,c} 20 / 2
    return paths_from_frame(
        pd.DataFrame(
            {
                "path": ["a", "b", "a > b", "b > a > b", "c", "c > b > a"],
                "conversions": [2, 3, 2, 2, 1, 2],
                "nulls": [98, 97, 18, 28, 49, 18],
                "value": [20.0, 30.0, 20.0, 20.0, 10.0, 20.0],
            }
        )
    )


def test_shapley_rate_by_hand(shapley_paths):
    # Conversion rates of exact sets: a .02, b .03, ab .08, c .02, abc .1; sets never seen
    # get the pooled rate of the journeys whose set is inside them:
    #   ac: {a}, {c} -> 3 / 150 = .02;  bc: {b}, {c} -> 4 / 150
    # v(S) = sum over journey sets U of n(U) * CR(U & S):
    v = {
        "": F(0),
        "a": (100 + 50 + 20) * F(2, 100),  # 3.4
        "b": (100 + 50 + 20) * F(3, 100),  # 5.1
        "c": (50 + 20) * F(2, 100),  # 1.4
        "ab": 100 * F(2, 100) + 100 * F(3, 100) + 50 * F(8, 100) + 20 * F(8, 100),  # 10.6
        "ac": 100 * F(2, 100) + 50 * F(2, 100) + 50 * F(2, 100) + 20 * F(2, 100),  # 4.4
        "bc": 100 * F(3, 100) + 50 * F(3, 100) + 50 * F(2, 100) + 20 * F(4, 150),
        "abc": F(12),  # every conversion
    }

    # phi_i = sum over S without i of |S|! (n - |S| - 1)! / n! * (v(S + i) - v(S)), n = 3
    def phi(i):
        others = [c for c in "abc" if c != i]
        w0, w1, w2 = F(1, 3), F(1, 6), F(1, 3)
        s = w0 * (v[i] - v[""])
        for o in others:
            s += w1 * (v["".join(sorted(o + i))] - v[o])
        s += w2 * (v["abc"] - v["".join(others)])
        return s

    expected = {c: phi(c) for c in "abc"}  # a 4.5389, b 6.2056, c 1.2556
    assert sum(expected.values()) == 12
    r = attribute(shapley_paths, methods="shapley")
    assert_credit(credit(r, "shapley"), expected, tol=1e-12)
    # every path has value 10 per conversion, so value credit is 10 x conversion credit
    assert_credit(credit(r, "shapley", "value"), {c: 10 * x for c, x in expected.items()})
    assert set(r["measures"]) == {"incremental credit under set-based cooperative game"}


def test_shapley_count_rule_by_hand(shapley_paths):
    # count game: each journey's conversions split evenly over its distinct channels
    #   {a} 2 -> a; {b} 3 -> b; {a,b} 4 -> 2 + 2; {c} 1 -> c; {a,b,c} 2 -> 2/3 each
    expected = {"a": 2 + 2 + F(2, 3), "b": 3 + 2 + F(2, 3), "c": 1 + F(2, 3)}
    r = attribute(shapley_paths, methods="shapley", shapley_rule="count")
    assert_credit(credit(r, "shapley"), expected)
    # the closed form used beyond the exact limit gives the same numbers
    r = attribute(
        shapley_paths, methods="shapley", shapley_rule="count", shapley_exact_max_channels=2
    )
    assert_credit(credit(r, "shapley"), expected)


def test_shapley_sampled_beyond_exact_limit(shapley_paths):
    exact, _ = shapley_credit(shapley_paths)
    sampled, value = shapley_credit(
        shapley_paths, exact_max_channels=2, n_permutations=3000, seed=5
    )
    # every sampled ordering credits exactly the total
    assert sampled.sum() == pytest.approx(12.0, abs=1e-9)
    assert value.sum() == pytest.approx(120.0, abs=1e-8)
    # 3 channels have 6 orderings; 3000 draws estimate their mean closely
    assert np.abs(sampled - exact).max() < 0.05
    again, _ = shapley_credit(shapley_paths, exact_max_channels=2, n_permutations=3000, seed=5)
    assert np.array_equal(sampled, again)


def test_shapley_on_causal_simulator_recovers_true_shares():
    sim = simulate_journeys(n_users=400_000, seed=0)
    paths = build_journeys(sim.events, lookback_days=None)
    r = attribute(paths, methods=["shapley", "last_touch"])
    truth = sim.truth.set_index("channel")["true_share"]
    shap = pd.Series(credit(r, "shapley", "share"))[truth.index]
    # shares of credited conversions (which also carry the small base rate of journeys with
    # a touch) against the true incremental shares: total variation distance
    tv = 0.5 * np.abs(shap / shap.sum() - truth).sum()
    assert tv < 0.03, tv
    # last touch is far from the truth on the same data (store visits come last in ROPO)
    last = pd.Series(credit(r, "last_touch", "share"))[truth.index]
    assert 0.5 * np.abs(last - truth).sum() > tv
