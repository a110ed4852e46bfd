"""The package's import contract: data flows one way, and no import hides a cycle.

Layers, lowest first (a module may import its own layer and the layers below it):

    base        mmm, mmm.errors, mmm.names
    data        mmm.data, mmm.datasets, lift-test tables (mmm.calibration.experiments)
    transforms  mmm.transforms
    spec        mmm.spec, mmm.config, ROAS priors (mmm.calibration.priors)
    model       mmm.model, the lift-test likelihood term (mmm.calibration.lift)
    inference   mmm.inference, the run folder's layout, summary and stored plans
                (mmm.run_folder, mmm.run_summary, mmm.plan_results)
    analysis    mmm.analysis, mmm.calibration (its tables), mmm.journeys
    runs        mmm.runs, mmm.pipeline, mmm.backtest
    optimize    mmm.optimize
    plotting    mmm.plotting
    report      mmm.report
    cli         mmm.batch, mmm.cli, mmm.__main__

Every ``import`` of an mmm module is read from the source (module level and inside
functions alike): none may point to a higher layer, and the graph of all of them has no
cycle, so no import inside a function exists to break one (those that remain load heavy
modules only when they are needed, which keeps ``import mmm`` and ``mmm --help`` fast).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "mmm"

LAYERS = (
    ("base", ("mmm", "mmm.errors", "mmm.names")),
    ("data", ("mmm.data", "mmm.datasets", "mmm.calibration.experiments")),
    ("transforms", ("mmm.transforms",)),
    ("spec", ("mmm.spec", "mmm.config", "mmm.calibration.priors")),
    ("model", ("mmm.model", "mmm.calibration.lift")),
    # the run folder's layout sits with the fit, which saves itself into it, and with it
    # the schema of its summary (mmm.run_summary) and of the optimizer's stored plans
    # (mmm.plan_results), which the layout reads and writes
    ("inference", ("mmm.inference", "mmm.run_folder", "mmm.run_summary", "mmm.plan_results")),
    ("analysis", ("mmm.analysis", "mmm.calibration", "mmm.journeys")),
    ("runs", ("mmm.runs", "mmm.pipeline", "mmm.backtest")),
    ("optimize", ("mmm.optimize",)),
    ("plotting", ("mmm.plotting",)),
    ("report", ("mmm.report",)),
    ("cli", ("mmm.batch", "mmm.cli", "mmm.__main__")),
)

#: imports that point upwards, each with the reason it is allowed; the test fails when one
#: of them is no longer needed, so the list only shrinks (it is empty: a fit completes its
#: ArviZ groups with the model's equations in NumPy, mmm.model.numpy_eval and
#: mmm.model.roas, which the analysis engine re-exports)
ALLOWED_UPWARDS: set[tuple[str, str]] = set()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> int:
    """Index in LAYERS of the longest prefix naming ``module``."""
    best, rank = -1, None
    for i, (_, prefixes) in enumerate(LAYERS):
        for pre in prefixes:
            if (module == pre or module.startswith(pre + ".")) and len(pre) > best:
                best, rank = len(pre), i
    if rank is None:
        raise KeyError(module)
    return rank


def _target(importer: str, node: ast.ImportFrom | ast.Import) -> list[str]:
    """The mmm modules an import statement loads (a named submodule, else the package)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == "mmm"]
    if node.level:
        base = importer.split(".")
        if not MODULES[importer].name == "__init__.py":
            base = base[:-1]
        base = base[: len(base) - (node.level - 1)]
        mod = ".".join(base + ([node.module] if node.module else []))
    else:
        mod = node.module or ""
    if mod.split(".")[0] != "mmm":
        return []
    subs = [f"{mod}.{a.name}" for a in node.names if f"{mod}.{a.name}" in MODULES]
    return subs if len(subs) == len(node.names) else [mod, *subs]


def imports() -> list[tuple[str, str, int, bool]]:
    """(importer, imported module, line, inside a function) for every mmm import."""
    out = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        inner = {
            id(n)
            for f in ast.walk(tree)
            if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
            for n in ast.walk(f)
            if isinstance(n, ast.Import | ast.ImportFrom)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for t in _target(name, node):
                    while t not in MODULES and "." in t:
                        t = t.rsplit(".", 1)[0]
                    if t != name:
                        out.append((name, t, node.lineno, id(node) in inner))
    return out


IMPORTS = imports()


def test_every_module_has_a_layer():
    missing = []
    for m in MODULES:
        try:
            layer_of(m)
        except KeyError:
            missing.append(m)
    assert missing == [], f"give these modules a layer in LAYERS: {missing}"


def test_no_import_points_to_a_higher_layer():
    up = sorted(
        {
            (a, b, line)
            for a, b, line, _ in IMPORTS
            if layer_of(b) > layer_of(a) and (a, b) not in ALLOWED_UPWARDS
        }
    )
    shown = [
        f"{a} ({LAYERS[layer_of(a)][0]}, line {line}) imports {b} ({LAYERS[layer_of(b)][0]})"
        for a, b, line in up
    ]
    assert shown == [], "\n".join(shown)


def test_allowed_upward_imports_are_still_needed():
    seen = {(a, b) for a, b, _, _ in IMPORTS}
    assert ALLOWED_UPWARDS <= seen, sorted(ALLOWED_UPWARDS - seen)


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges.get(w, ())))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    x = stack.pop()
                    on.discard(x)
                    comp.append(x)
                    if x == v:
                        break
                if len(comp) > 1:
                    found.append(sorted(comp))
    return found


def test_no_import_cycle_hidden_inside_functions():
    # a package's __init__ only re-exports its modules: its edges are left out, an import
    # of the package counts as an import of the package
    packages = {m for m, p in MODULES.items() if p.name == "__init__.py"}
    edges: dict[str, set[str]] = {}
    for a, b, _, _ in IMPORTS:
        if a not in packages:
            edges.setdefault(a, set()).add(b)
    assert _cycles(edges) == []


def test_the_checks_see_a_cycle_and_an_upward_import():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
    assert layer_of("mmm.report.build") > layer_of("mmm.analysis.engine")
    assert layer_of("mmm.calibration.lift") < layer_of("mmm.calibration.report")
    with pytest.raises(KeyError):
        layer_of("elsewhere.module")


def test_the_analysis_layer_re_exports_the_models_equations():
    # the equations a fit completes its ArviZ groups with exist once, in the model layer
    import mmm.analysis.engine as engine
    import mmm.analysis.returns as returns
    import mmm.model.numpy_eval as numpy_eval
    import mmm.model.roas as roas

    for name in engine.__all__:
        if name != "posterior_predictive":  # the one the engine adds
            assert getattr(engine, name) is getattr(numpy_eval, name), name
    for name in ("contribution_totals", "spend_totals", "roas_draws", "_date_mask"):
        assert getattr(returns, name) is getattr(roas, name), name
