"""The documentation builds strictly and stays true to the code.

* ``mkdocs build --strict`` succeeds (broken links, missing references and docstring
  warnings fail it);
* every public function and class of every public module has a docstring and is rendered
  in the API reference (its anchor is in the built site);
* the command-line reference lists every command and option of the app;
* the configuration reference shows the defaults of the code;
* the priors written in ``docs/model.md`` are those of the PyMC model the code builds.
"""

from __future__ import annotations

import html
import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytest.importorskip("mkdocs")
pytest.importorskip("mkdocstrings")
sys.path.insert(0, str(ROOT / "tools"))
import docs_hooks  # noqa: E402

sys.path.remove(str(ROOT / "tools"))


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site built with ``mkdocs build --strict`` (as ``make docs`` does)."""
    out = tmp_path_factory.mktemp("site")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "-f",
            str(ROOT / "mkdocs.yml"),
            "-d",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
    return out


def _public_objects():
    """(module, name, object) of every public function and class defined in a public module."""
    for module in docs_hooks.public_modules():
        mod = importlib.import_module(module)
        for name, obj in vars(mod).items():
            if name.startswith("_"):
                continue
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == module:
                yield module, name, obj


def test_public_modules_cover_the_package():
    modules = docs_hooks.public_modules()
    assert "mmm.data.validate" in modules and "mmm.spec" in modules
    assert not [m for m in modules if any(p.startswith("_") for p in m.split("."))]
    # every public module is on exactly one API page
    on_pages = [m for mods in docs_hooks.api_pages().values() for m in mods]
    assert sorted(on_pages) == sorted(m for m in modules if m != "mmm")


def test_every_public_function_and_class_has_a_docstring():
    missing = [f"{m}.{n}" for m, n, obj in _public_objects() if not (obj.__doc__ or "").strip()]
    assert not missing, f"public objects without a docstring: {missing}"


def test_analysis_and_plotting_functions_have_numpydoc_sections():
    """Every public function of mmm.analysis and mmm.plotting has Parameters and Returns."""
    import mmm.analysis
    import mmm.plotting

    offenders = []
    for package in (mmm.analysis, mmm.plotting):
        for info in pkgutil.iter_modules(package.__path__):
            module = f"{package.__name__}.{info.name}"
            mod = importlib.import_module(module)
            for name, obj in vars(mod).items():
                if name.startswith("_") or not inspect.isfunction(obj):
                    continue
                if obj.__module__ != module:
                    continue
                doc = inspect.getdoc(obj) or ""
                lacking = []
                if inspect.signature(obj).parameters and "Parameters\n---" not in doc:
                    lacking.append("Parameters")
                if "Returns\n---" not in doc:
                    lacking.append("Returns")
                if lacking:
                    offenders.append(f"{module}.{name} (no {' / '.join(lacking)})")
    assert not offenders, f"functions without numpydoc sections: {offenders}"


def test_every_public_function_and_class_is_in_the_api_reference(site):
    pages = docs_hooks.api_pages()
    html = {}
    for page in pages:
        html[page] = (site / "api" / page / "index.html").read_text()
    absent = []
    for module, name, _ in _public_objects():
        page = module.split(".")[1]
        if f'id="{module}.{name}"' not in html[page]:
            absent.append(f"{module}.{name}")
    assert not absent, f"not rendered in the API reference: {absent}"


def test_package_exports_link_to_their_definitions(site):
    import mmm.analysis

    text = (site / "api" / "analysis" / "index.html").read_text()
    for name in mmm.analysis.__all__:
        obj = getattr(mmm.analysis, name)
        # on this page, or on the page of the layer that defines it (the model's equations
        # in NumPy, re-exported by mmm.analysis.engine, are on the model page)
        target = re.escape(f"#{obj.__module__}.{obj.__qualname__}")
        assert re.search(rf'href="(\.\./[a-z_]+/)?{target}"', text), name


def test_cli_reference_lists_every_command_and_option(site):
    import typer

    from mmm import cli

    text = (site / "cli" / "index.html").read_text()
    group = typer.main.get_command(cli.app)
    assert len(group.commands) >= 9
    for name, cmd in group.commands.items():
        assert f"mmm {name}</code>" in text, name
        for p in cmd.params:
            for opt in p.opts if p.param_type_name == "option" else [p.name.upper()]:
                assert f"<code>{opt}</code>" in text, (name, opt)


def test_config_reference_shows_the_code_defaults(site):
    from mmm.config import TEMPLATE
    from mmm.spec import GROUP_OF, ModelSpec, SamplerConfig

    text = html.unescape((site / "config" / "index.html").read_text())
    spec, sampler = ModelSpec(), SamplerConfig()
    for key in ("saturation", "trend", "yearly_order", "media_share_prior", "roas_prior_sigma"):
        value = repr(getattr(getattr(spec, GROUP_OF[key]), key))
        assert re.search(rf"<code>{key}</code></td>\s*<td><code>{re.escape(value)}</code>", text), (
            key
        )
    for key in ("draws", "tune", "chains", "target_accept", "seed"):
        value = repr(getattr(sampler, key))
        assert re.search(rf"<code>{key}</code></td>\s*<td><code>{re.escape(value)}</code>", text), (
            key
        )
    for group in ("media", "baseline", "likelihood", "priors"):
        assert f"<code>[model.{group}]</code>" in text, group
    plain = re.sub(r"<[^>]+>", "", text)  # the template, highlighted, as text
    for line in TEMPLATE.splitlines()[:12]:
        assert line.strip() in plain, line


# --------------------------------------------------------------------- model page


def _prior_text(rv) -> str | None:
    """``Dist(p1, p2)`` as in docs/model.md for an RV whose parameters are constants."""
    import numpy as np

    op = rv.owner.op
    dist = type(op).__name__.replace("RV", "")
    names = {
        "Normal": "Normal",
        "HalfNormal": "HalfNormal",
        "Beta": "Beta",
        "Gamma": "Gamma",
        "LogNormal": "LogNormal",
        "Laplace": "Laplace",
    }
    dist = {k.lower(): v for k, v in names.items()}.get(dist.lower())
    if dist is None:
        return None
    params = []
    for p in op.dist_params(rv.owner):
        try:
            value = np.unique(np.asarray(p.eval()))
        except Exception:  # a parameter that is model data (e.g. the ROAS prior median)
            return None
        if value.size != 1:
            return None
        params.append(float(value[0]))
    if dist == "HalfNormal":
        params = params[1:]  # loc 0
    if dist == "Gamma":
        params = [params[0], 1.0 / params[1]]  # PyMC stores the scale; docs give the rate
    return f"{dist}({', '.join(f'{v:g}' for v in params)})"


# priors centred on a number computed from the data (stated as formulas in the page)
DATA_CENTRED = {"log_roas_channel", "log_mediator_roas_mu"}


def _normalise(text: str) -> str:
    return re.sub(r"\s+|\\text\{|\}", "", text.replace("\\times", "*"))


@pytest.mark.parametrize(
    "overrides",
    [{}, {"trend": "piecewise", "saturation": "logistic"}],
    ids=["default", "piecewise-logistic"],
)
def test_model_page_states_the_priors_of_the_model(overrides):
    pytest.importorskip("pymc")
    from mmm.datasets import load_demo
    from mmm.model import build_model
    from mmm.spec import default_spec_for

    ds = load_demo()
    spec = default_spec_for(ds, mediator="brand_search", **overrides)
    model = build_model(spec, ds)
    doc = _normalise((ROOT / "docs" / "model.md").read_text())
    checked, missing = 0, []
    for rv in model.free_RVs:
        if rv.name in DATA_CENTRED:
            continue
        text = _prior_text(rv)
        if text is None:
            continue
        checked += 1
        if _normalise(text) not in doc:
            missing.append(f"{rv.name} ~ {text}")
    assert checked >= 12
    assert not missing, f"priors of the model not stated in docs/model.md: {missing}"


def test_model_page_states_the_default_transform_priors():
    from mmm.transforms import ADSTOCKS, get_adstock, get_saturation
    from mmm.transforms.prior_spec import split_prior

    doc = _normalise((ROOT / "docs" / "model.md").read_text())
    missing = []
    for name in ADSTOCKS:
        for stage in ("awareness", "conversion"):
            for param, prior in get_adstock(name).default_priors(stage).items():
                text = split_prior(prior).text()
                if _normalise(text) not in doc:
                    missing.append(f"{name}/{stage}/{param}: {text}")
    for name, kwargs in (
        ("hill", {"slope": "estimate"}),
        ("logistic", {}),
        ("michaelis_menten", {"vmax": "estimate"}),
    ):
        for param, prior in get_saturation(name, **kwargs).default_priors().items():
            text = split_prior(prior).text()  # "shift + factor * law" where moved
            if _normalise(text) not in doc:
                missing.append(f"{name}/{param}: {text}")
    assert not missing, missing
