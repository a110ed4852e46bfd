"""Write the images of the plotting gallery (docs/plotting.md) from a saved run.

Usage::

    python tools/plot_gallery.py [RUN_DIR] [OUT_DIR]

``RUN_DIR`` defaults to ``runs/demo/run`` (what ``mmm demo`` writes), ``OUT_DIR`` to
``docs/img/gallery``. One PNG per public plotting function, named after it, each the
figure of the call shown on the gallery page (the ``GALLERY`` entries below), saved at a
low resolution and palette-quantised so that each stays well under 150 kB.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
DPI = 72
MAX_BYTES = 150_000


def _calls():
    import mmm.plotting as P

    return {
        "plot_roas": lambda fit: P.plot_roas(fit),
        "plot_rank_odds": lambda fit: P.plot_rank_odds(fit, outcome="store_visits"),
        "plot_funnel": lambda fit: P.plot_funnel(fit),
        "plot_direct_vs_mediated": lambda fit: P.plot_direct_vs_mediated(fit),
        "plot_spend_vs_effect_share": lambda fit: P.plot_spend_vs_effect_share(
            fit, outcome="online_sales"
        ),
        "plot_response_curves": lambda fit: P.plot_response_curves(fit),
        "plot_adstock": lambda fit: P.plot_adstock(fit),
        "plot_waterfall": lambda fit: P.plot_waterfall(fit, outcome="online_sales"),
        "plot_stacked_contributions": lambda fit: P.plot_stacked_contributions(
            fit, outcome="online_sales"
        ),
        "plot_contributions": lambda fit: P.plot_contributions(fit),
        "plot_media_over_time": lambda fit: P.plot_media_over_time(fit, outcome="store_visits"),
        "plot_posterior_predictive": lambda fit: P.plot_posterior_predictive(fit),
        "plot_prior_posterior": lambda fit: P.plot_prior_posterior(
            fit, variable=["saturation_half", "sigma"]
        ),
    }


def save_small(fig, path: Path) -> int:
    """Save ``fig`` as a palette PNG at :data:`DPI`; return its size in bytes."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor="white")
    buf.seek(0)
    img = Image.open(buf).convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    img.save(path, optimize=True)
    return path.stat().st_size


def main(argv: list[str]) -> int:
    """Write every gallery image; return 0, or 1 when one is over :data:`MAX_BYTES`."""
    from mmm.inference.fit import FitResult

    run = Path(argv[0]) if argv else ROOT / "runs" / "demo" / "run"
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "docs" / "img" / "gallery"
    out.mkdir(parents=True, exist_ok=True)
    fit = FitResult.load(run)
    status = 0
    for name, call in _calls().items():
        size = save_small(call(fit), out / f"{name}.png")
        print(f"{name}.png {size / 1000:.0f} kB")
        if size > MAX_BYTES:
            print(f"  over {MAX_BYTES / 1000:.0f} kB", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
