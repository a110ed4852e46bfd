"""Default settings pass their own health checks, on the demo data and on other brands.

``mmm fit`` with its defaults (4 chains x 1000 draws after 1000 tuning steps, seed 1) on the
demo files, and :func:`mmm.inference.fit` with its defaults (seed 0) on five simulated brands
of other seeds, must give 0 divergences, min bulk ESS >= 400, min tail ESS >= 100 and max
R-hat <= 1.01 (the health policy of :mod:`mmm.inference.health`) on the demo and on all
five brands. Every brand has geometric carry-over truths (conversion channels) and delayed
ones (awareness channels, peak 1-3 weeks after the spend), and Hill curves with slopes from about 1 (concave over the spend range) to about 2
(S-shaped). And on data we did not write: Meridian's national demo data and
PyMC-Marketing's example data, default spec and sampler, seeds 1-30 each, where the rate
of fits with a divergence is asserted. The brands have the demo's shape (156 weeks, 11 series), so the model is
compiled once for all six fits (and shared with the demo fit of the other slow tests);
about 4-5 minutes on 2 cores, and about 4 more for the 60 fits of the peers' data.
Marked ``slow``.
"""

from __future__ import annotations

import json
import warnings

import pytest

from mmm.inference.health import ESS_MIN, RHAT_MAX, TAIL_ESS_MIN

pytestmark = pytest.mark.slow


def _healthy(diag) -> list[str]:
    """The health problems of a fit, by the policy's own figures (empty when healthy)."""
    out = []
    if diag.divergences:
        out.append(f"{diag.divergences} divergences")
    if not diag.max_rhat <= RHAT_MAX:
        out.append(f"max R-hat {diag.max_rhat:.3f}")
    if not diag.min_ess_bulk >= ESS_MIN:
        out.append(f"min bulk ESS {diag.min_ess_bulk:.0f}")
    if not diag.min_ess_tail >= TAIL_ESS_MIN:
        out.append(f"min tail ESS {diag.min_ess_tail:.0f}")
    return out


def test_the_brands_hold_both_carry_over_truths_and_both_curve_shapes(brand_sims):
    channels = [c for s in brand_sims.values() for c in s.truth.params["channels"].values()]
    assert {c["adstock"] for c in channels} == {"geometric", "delayed"}
    delayed = [c["theta"] for c in channels if c["adstock"] == "delayed"]
    assert min(delayed) < 1.5 and max(delayed) > 2.5  # peaks from 1 to 3 weeks
    slopes = [c["slope"] for c in channels]
    assert min(slopes) < 1.1 and max(slopes) > 1.9  # concave ... S-shaped


def test_mmm_fit_with_default_settings_passes_its_health_checks_on_the_demo(demo_sim, tmp_path):
    from mmm.cli import main

    files = demo_sim.write(tmp_path / "input")
    args = ["fit", "--out", str(tmp_path / "run"), "--quiet"]
    for role in ("media", "outcomes", "channels", "controls"):
        args += [f"--{role}", str(files[role])]
    rc = main(args)  # exit 3 when a health check fails
    meta = json.loads((tmp_path / "run" / "fit.json").read_text())
    assert meta["sampler"]["draws"] == 1000 and meta["sampler"]["chains"] == 4
    assert rc == 0, meta["diagnostics"]


@pytest.fixture(scope="module")
def brand_diagnostics(brand_fits):
    """seed -> (sampler settings, diagnostics, convergence warnings raised)."""
    return {seed: (r.sampler, r.diagnostics, warned) for seed, (r, warned) in brand_fits.items()}


def test_fit_with_default_settings_passes_its_health_checks(brand_diagnostics):
    """No divergence, enough effective draws and R-hat within the policy's 1.01 on every
    brand, and no convergence warning. Measured 2026-12-06 with the slope's log-normal
    prior (its excess over 1; 1 + HalfNormal before): max R-hat 1.0064, 1.0053, 1.0043,
    1.0052 and 1.0044 for seeds 1-5, min bulk ESS 967-1873 (with the former prior the
    slope of an awareness channel reached 1.0104 and 1.0132, bulk ESS down to 335). With
    the peak lag bounded by half its window (2026-12-07): max R-hat 1.0037-1.0075, min bulk
    ESS 705-1818; with the model data's static shapes (other draws): 1.0031-1.0072 and
    954-1779; with the mediator's deviations at a fixed prior scale: 1.0031-1.0048 and
    1646-2646; with the carry-over as one operation: 1.0031-1.0063 and 1413-2674."""
    from mmm.spec import SamplerConfig

    for seed, (sampler, diag, warned) in brand_diagnostics.items():
        assert sampler == SamplerConfig()
        assert _healthy(diag) == [], (seed, diag)
        assert diag.problems() == [] and not warned, (seed, diag)


#: Meridian's national demo data, kept whole in tests/data/peers (see its SOURCE.md)
MERIDIAN_NATIONAL = "meridian_national_all_channels.csv"


def _meridian_national():
    """Meridian's national demo data as a Dataset: five awareness channels, revenue =
    conversions x revenue per conversion, four controls (as docs/peer_datasets.md reads it)."""
    from pathlib import Path

    import pandas as pd

    from mmm.data import from_wide

    frame = pd.read_csv(Path(__file__).parent / "data" / "peers" / MERIDIAN_NATIONAL)
    frame["revenue"] = frame["conversions"] * frame["revenue_per_conversion"]
    return from_wide(
        frame,
        date="time",
        spend={f"Channel{i}_spend": f"channel{i}" for i in range(5)},
        impressions={f"Channel{i}_impression": f"channel{i}" for i in range(5)},
        outcomes=["revenue"],
        controls=[
            "competitor_sales_control",
            "sentiment_score_control",
            "Promo",
            "Organic_channel0_impression",
        ],
        channels={f"channel{i}": "awareness" for i in range(5)},
        name="meridian_national_all_channels",
    )


#: PyMC-Marketing's example data, kept whole in tests/data/peers (see its SOURCE.md)
PYMC_MARKETING_EXAMPLE = "pymc_marketing_mmm_example_whole.csv"


def _pymc_marketing_example():
    """PyMC-Marketing's example data, the whole file, as a Dataset."""
    from pathlib import Path

    import pandas as pd
    from peer_helpers import pymc_marketing_dataset

    frame = pd.read_csv(Path(__file__).parent / "data" / "peers" / PYMC_MARKETING_EXAMPLE)
    return pymc_marketing_dataset(frame, name="pymc_marketing_mmm_example")


#: Seeds 1-30 of each peer dataset, all of them: the rate of fits with a divergence is
#: asserted, not one seed's result.
PEER_SEEDS = tuple(range(1, 31))


def _fits_by_seed(ds) -> tuple[dict[int, int], dict[int, list[str]]]:
    """Default spec and sampler, one fit per seed of :data:`PEER_SEEDS`: the divergences of
    the fits that had any, and the other health problems (R-hat, ESS) of any fit."""
    from mmm.errors import ConvergenceWarning
    from mmm.inference import fit
    from mmm.spec import SamplerConfig, default_spec_for

    spec = default_spec_for(ds)
    assert spec.media.hill_slope == "estimate"
    assert dict(spec.media.stages)["awareness"].adstock == "delayed"
    divergent, other = {}, {}
    for seed in PEER_SEEDS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # the policy is asserted
            diag = fit(spec, ds, sampler=SamplerConfig(seed=seed, progress=False)).diagnostics
        if diag.divergences:
            divergent[seed] = diag.divergences
        if problems := [p for p in _healthy(diag) if "divergences" not in p]:
            other[seed] = problems
    return divergent, other


def test_default_settings_rarely_diverge_on_the_peers_demo_data():
    """Data we did not write, seeds 1-30 each: Meridian's national demo data (five awareness
    channels whose curves' shapes follow their priors) and PyMC-Marketing's example (x1, a
    channel with no delay, read as awareness: the data want its peak at the spend).

    Every fit meets the policy's R-hat and ESS; at most 9 of the 60 fits (15 %) have a
    divergence. Measured 2026-12-08 (docs/model.md, section 2): with the awareness retention
    prior Beta(5, 3), 16 of these 60 fits diverged (7 Meridian, 9 PyMC-Marketing: fits
    wandering to a narrow bell, retention near 0.1); with Beta(8, 4), 4 (Meridian seeds 1,
    4 and 13, along a channel's return and curve shape; PyMC-Marketing seed 9)."""
    results = {
        "meridian_national": _fits_by_seed(_meridian_national()),
        "pymc_marketing_example": _fits_by_seed(_pymc_marketing_example()),
    }
    assert {name: other for name, (_, other) in results.items() if other} == {}
    divergent = {name: div for name, (div, _) in results.items()}
    assert sum(len(d) for d in divergent.values()) <= 9, divergent
