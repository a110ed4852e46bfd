"""Every Python example of README.md and docs/*.md runs.

Each page's ```python blocks run in order in one namespace, in a temporary folder that
holds what the examples read: the demo tables (media.csv, outcomes.csv, channels.csv,
controls.csv), a wide table (wide.csv), journey paths (paths.csv) and events
(events.csv), lift tests of the demo data (experiments.csv, from examples/), a small
batch file with its brand (portfolio.toml, brand_a/, from examples/batch/), a saved demo
run at runs/demo/run and a saved fit with north, south and east geos at runs/geo (the
simulator's true returns, no sampling). Every block runs: none is marked to be skipped.
The objects a page says the reader has are given to its namespace (:data:`READER_HAS`:
``client``, a Dask client of an in-process cluster, and ``specs`` for docs/batch.md).
Only a block that needs a browser (the PDF report) is skipped at run time, and only when
no Chromium is installed (``make test`` installs one, see the Makefile's ``browser``).

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
EXAMPLES = ROOT / "examples"
#: fixture giving the objects a page's reader already has, per page
READER_HAS = {"batch.md": "batch_reader"}
#: geo names of the runs/geo fit (docs/optimize.md, "Geo budgets")
GEOS = {"geo_01": "north", "geo_02": "south", "geo_03": "east"}


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
    shutil.copy(EXAMPLES / "experiments.csv", d / "experiments.csv")
    shutil.copytree(EXAMPLES / "batch", d, dirs_exist_ok=True)
    from geo_helpers import geo_sim, truth_fit

    truth_fit(geo_sim(), GEOS).save(d / "runs" / "geo")
    return d


@pytest.fixture(scope="module")
def batch_reader():
    """What docs/batch.md's reader has: ``client`` (their own cluster: here an in-process
    one) and ``specs`` (the runs of the batch file, as a list of RunSpec)."""
    from distributed import Client, LocalCluster

    from mmm.batch import load_batch

    cluster = LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    )
    client = Client(cluster)
    try:
        yield {"client": client, "specs": load_batch(EXAMPLES / "batch" / "portfolio.toml")}
    finally:
        client.close()
        cluster.close()


def _no_browser(exc: BaseException) -> bool:
    """The example failed only because no Chromium is installed (the PDF report)."""
    from mmm.errors import MMMError
    from mmm.report.write import find_chromium

    return isinstance(exc, MMMError) and "Chromium" in str(exc) and find_chromium() is None


def test_no_example_is_skipped():
    skipped = [(p.name, line, why) for p in PAGES for line, _, why in blocks(p) if why is not None]
    total = sum(len(blocks(p)) for p in PAGES)
    assert total >= 15 and not skipped, skipped
    assert {p.name for p in PAGES_WITH_CODE} >= set(READER_HAS)


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=lambda p: p.name)
def test_page_examples_run(page, inputs, tmp_path, monkeypatch, request):
    import matplotlib

    matplotlib.use("Agg")
    from mmm.errors import ConvergenceWarning

    for entry in os.listdir(inputs):
        src = inputs / entry
        (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp_path / entry)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__doc_example__"}
    if page.name in READER_HAS:
        namespace.update(request.getfixturevalue(READER_HAS[page.name]))
    ran, no_browser = 0, []
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
                if _no_browser(exc):  # the later blocks still run
                    no_browser.append(line)
                    continue
                raise AssertionError(
                    f"{page.name} line {line}: {type(exc).__name__}: {exc}"
                ) from exc
        ran += 1
    assert ran > 0
    if no_browser:
        pytest.skip(
            f"{page.name} line(s) {no_browser} need a Chromium browser, and none is "
            "installed (`make browser`, or MMM_CHROMIUM=/path/to/chrome); the page's other "
            f"{ran} example(s) ran"
        )


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
