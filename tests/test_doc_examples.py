"""Every Python example of README.md and docs/*.md runs.

Each page's ```python blocks run in order in one namespace, in a temporary folder that
holds what the examples read: the demo tables (media.csv, outcomes.csv, channels.csv,
controls.csv), a wide table (wide.csv), journey paths (paths.csv) and events
(events.csv), and a saved demo run at runs/demo/run. A block preceded by the comment
``<!-- skip-example: why -->`` is not run (it needs a cluster, a browser or files of the
reader's own); there are few, and the test checks each gives its reason.

The examples fit with the sampler settings they show, except that ``draws=500,
tune=500`` is run as ``draws=40, tune=80`` to keep the suite quick.
"""

from __future__ import annotations

import os
import re
import shutil
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"(<!--\s*skip-example(?P<why>[^>]*)-->\s*\n)?```python\n(?P<code>.*?)```", re.S)
QUICK = {"draws=500, tune=500": "draws=40, tune=80"}


def blocks(page: Path) -> list[tuple[int, str, str | None]]:
    """(line, code, skip reason or None) of each ```python block of ``page``."""
    text = page.read_text(encoding="utf-8")
    out = []
    for m in BLOCK.finditer(text):
        why = m.group("why")
        line = text[: m.start("code")].count("\n") + 1
        out.append((line, m.group("code"), None if why is None else why.strip(" :")))
    return out


PAGES_WITH_CODE = [p for p in PAGES if any(why is None for _, _, why in blocks(p))]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, demo_run):
    """A folder with every file the examples read."""
    import pandas as pd

    from mmm.datasets import demo_simulation
    from mmm.journeys import build_journeys, simulate_journeys

    d = tmp_path_factory.mktemp("doc_inputs")
    sim = demo_simulation()
    sim.write(d)
    shutil.copytree(demo_run, d / "runs" / "demo" / "run")
    fr = sim.to_dataset().to_frames()
    media = fr["media"]
    wide = pd.DataFrame({"week": fr["outcomes"]["date"]})
    for col, (ch, aud) in {
        "search_eur": ("paid_search", "prospecting"),
        "social_eur": ("paid_social", "prospecting"),
    }.items():
        sel = media[(media["channel"] == ch) & (media["audience"] == aud)]
        wide[col] = sel["spend"].to_numpy()
    for col in ("online_sales", "store_visits"):
        wide[col] = fr["outcomes"][col].to_numpy()
    wide["price_index"] = fr["controls"]["price_index"].to_numpy()
    wide.to_csv(d / "wide.csv", index=False)
    journeys = simulate_journeys(n_users=3000, seed=0)
    paths = build_journeys(journeys.events, lookback_days=30)
    paths.to_frame(separator=" > ").to_csv(d / "paths.csv", index=False)
    journeys.events.to_csv(d / "events.csv", index=False)
    return d


def test_skipped_examples_are_few_and_say_why():
    skipped = [(p.name, line, why) for p in PAGES for line, _, why in blocks(p) if why is not None]
    total = sum(len(blocks(p)) for p in PAGES)
    assert all(why for _, _, why in skipped), skipped
    assert total >= 15 and len(skipped) <= 5, skipped


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=lambda p: p.name)
def test_page_examples_run(page, inputs, tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    from mmm.errors import ConvergenceWarning

    for entry in os.listdir(inputs):
        src = inputs / entry
        (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp_path / entry)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__doc_example__"}
    ran = 0
    for line, code, why in blocks(page):
        if why is not None:
            continue
        for a, b in QUICK.items():
            code = code.replace(a, b)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            try:
                exec(compile(code, f"{page.name}:{line}", "exec"), namespace)
            except Exception as exc:  # noqa: BLE001 - name the block that failed
                raise AssertionError(
                    f"{page.name} line {line}: {type(exc).__name__}: {exc}"
                ) from exc
        ran += 1
    assert ran > 0


LINK = re.compile(r"\]\((?P<target>[^)\s#]+\.md)(?:#[^)]*)?\)")


def test_links_between_pages_resolve_in_the_repository():
    """Relative ``.md`` links work on the repository page as in the built site: each names
    a file that exists (the generated reference pages have a stub that the build replaces)."""
    broken = []
    for page in [*PAGES, ROOT / "CONTRIBUTING.md"]:
        for m in LINK.finditer(page.read_text(encoding="utf-8")):
            target = m.group("target")
            if "://" in target:
                continue
            if not (page.parent / target).resolve().exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
    assert not broken, broken
