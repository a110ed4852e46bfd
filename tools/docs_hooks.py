"""MkDocs hooks: pages generated from the code, so the reference never drifts from it.

* ``cli.md``: every command of the ``mmm`` typer app with its arguments, options, types
  and defaults, read from the app itself;
* ``config.md``: every key of a run configuration (TOML) with its default, read from
  :mod:`mmm.config` and the dataclasses of :mod:`mmm.spec`, plus the commented template;
* ``api/index.md`` and ``api/<module>.md``: one page per public package or top-level
  module of ``mmm`` (every module whose dotted name has no part starting with ``_``),
  rendered by mkdocstrings; the pages are added to the navigation under
  "API reference", so a new module is documented without editing ``mkdocs.yml``.

Sphinx roles in docstrings (``:func:`name```) are shown as code without the role.
The functions :func:`public_modules` and :func:`api_pages` are also used by the tests.
"""

from __future__ import annotations

import dataclasses
import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "mmm"
API_NAV_TITLE = "API reference"

# ---------------------------------------------------------------------- API pages


def public_modules(root: Path = ROOT) -> list[str]:
    """Dotted names of the public modules of ``mmm`` (no part starts with ``_``)."""
    names = []
    for path in sorted((root / PACKAGE).rglob("*.py")):
        rel = path.relative_to(root).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if any(p.startswith("_") for p in parts):
            continue
        if not (path.parent / "__init__.py").exists():
            continue
        names.append(".".join(parts))
    return names


def api_pages(root: Path = ROOT) -> dict[str, list[str]]:
    """Page name -> modules on it: one page per subpackage, one per top-level module."""
    pages: dict[str, list[str]] = {}
    for name in public_modules(root):
        parts = name.split(".")
        if len(parts) == 1:
            continue  # the root package gets the index page
        pages.setdefault(parts[1], []).append(name)
    return pages


def _exported(module: str) -> list[tuple[str, str]]:
    """(name, canonical dotted path) of each name in a package's ``__all__``."""
    mod = importlib.import_module(module)
    out = []
    for name in getattr(mod, "__all__", []):
        obj = getattr(mod, name, None)
        home = getattr(obj, "__module__", None)
        if callable(obj) and isinstance(home, str) and home.startswith(PACKAGE):
            out.append((name, f"{home}.{getattr(obj, '__qualname__', name)}"))
        else:
            out.append((name, module))
    return out


def _first_line(module: str) -> str:
    """First line of a module's docstring, as Markdown fit for a table cell."""
    doc = importlib.import_module(module).__doc__ or ""
    line = doc.strip().splitlines()[0] if doc.strip() else ""
    line = re.sub(r":[a-z]+:`~?([^`]+)`", r"`\1`", line)  # Sphinx roles -> code
    return line.replace("``", "`")  # pipes inside code spans do not split table cells


def api_page_markdown(page: str, modules: list[str]) -> str:
    """Markdown of one API page: the package summary, its exports, then every module."""
    lines = [f"# `{PACKAGE}.{page}`", ""]
    head = modules[0]
    is_package = (ROOT / Path(*head.split("."))).is_dir()
    if is_package:
        lines += [
            f"::: {head}",
            "    options:",
            "      members: false",
            "      show_root_heading: false",
            "",
        ]
        exported = _exported(head)
        if exported:
            lines += ["Names exported by the package:", "", "| name | defined in |", "|---|---|"]
            for name, target in exported:
                where = target.rsplit(".", 1)[0] if target != head else head
                lines.append(f"| [`{name}`][{target}] | `{where}` |")
            lines.append("")
        for mod in modules[1:]:
            lines += [f"::: {mod}", ""]
    else:
        lines += [f"::: {head}", "    options:", "      show_root_heading: false", ""]
    return "\n".join(lines)


def api_index_markdown(pages: dict[str, list[str]]) -> str:
    lines = [
        "# API reference",
        "",
        "Generated from the docstrings (numpydoc) of every public module: a module, "
        "function or class whose name starts with `_` is private. Dims and units are "
        "stated in each docstring.",
        "",
        "| module | what it holds |",
        "|---|---|",
    ]
    for page, modules in pages.items():
        lines.append(f"| [`{PACKAGE}.{page}`]({page}.md) | {_first_line(modules[0])} |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- CLI page


def _type_name(p, ctx) -> str:
    """Display type of a parameter across click and typer versions."""
    try:
        typ = p.display_type(ctx)  # typer >= 0.20
    except (AttributeError, TypeError):
        typ = getattr(getattr(p, "type", None), "name", "")
    return str(typ or "").strip("<>").lower()


def _arg_name(p) -> str:
    return (p.name or "").upper()


def _param_row(p, ctx) -> str:
    kind = p.param_type_name  # "argument" or "option"
    if kind == "argument":
        name = f"`{_arg_name(p)}`"
    else:
        name = ", ".join(f"`{o}`" for o in [*p.opts, *p.secondary_opts])
    if getattr(p, "is_flag", False):
        typ = "flag"
    else:
        typ = _type_name(p, ctx)
        if getattr(p, "multiple", False):
            typ += " (repeatable)"
    if p.required:
        default = "required"
    elif p.default is None or p.default == ():
        default = ""
    else:
        default = f"`{p.default}`"
    help_text = (getattr(p, "help", None) or "").replace("|", "\\|").replace("\n", " ")
    return f"| {name} | {typ} | {default} | {help_text} |"


def cli_markdown() -> str:
    """Reference of every command of ``mmm.cli.app``."""
    import typer

    from mmm import cli

    group = typer.main.get_command(cli.app)
    lines = [
        "# Command line",
        "",
        "Generated from the command-line app (`mmm.cli`) at build time. Run `mmm COMMAND "
        "--help` for the same text in a terminal (`python -m mmm.cli COMMAND --help` without "
        "the console script).",
        "",
        "Exit codes: `0` ok, `2` bad input (data, config, spec; the message lists every "
        "problem), `3` a model health check failed, `1` anything else. Expected errors print "
        "a message, never a traceback (`MMM_DEBUG=1` shows it).",
        "",
    ]

    def walk(cmd, path: list[str]) -> None:
        for name, sub in cmd.commands.items():
            if getattr(sub, "hidden", False):
                continue
            full = [*path, name]
            lines.append(f"## `{' '.join(full)}`")
            lines.append("")
            doc = (sub.help or "").strip()
            if doc:
                lines.extend([re.sub(r"\n\s*\n", "\n\n", doc), ""])
            params = [p for p in sub.params if p.name != "help"]
            ctx = sub.context_class(sub, info_name=name)
            args = " ".join(_arg_name(p) for p in params if p.param_type_name == "argument")
            lines.extend(["```", f"{' '.join(full)} [OPTIONS] {args}".rstrip(), "```", ""])
            if params:
                lines.extend(
                    ["| argument / option | type | default | meaning |", "|---|---|---|---|"]
                )
                lines.extend(_param_row(p, ctx) for p in params)
                lines.append("")
            if hasattr(sub, "commands"):
                walk(sub, full)

    walk(group, ["mmm"])
    return "\n".join(lines)


# ------------------------------------------------------------------- config page

DATA_HELP = {
    "media": "Long media table: `date`, `channel`, `audience`, `geo`, `spend`[, `impressions`]. Required.",
    "outcomes": "Outcomes table: `date`[, `geo`], one numeric column per outcome. Required.",
    "channels": "Channel catalogue: `channel`, `stage`[, `max_lag`, `roas_prior`]. Required.",
    "controls": "Controls table: `date`[, `geo`], numeric columns.",
    "geos": "Geo table: `geo`, `population`, `shops`.",
    "experiments": "Lift tests used to calibrate the model.",
}
OPT_HELP = {
    "budget": "Total budget over the horizon (currency); default: the current spend of the horizon.",
    "horizon": "Periods to plan.",
    "value_per_visit": "Currency value of one store visit, to combine online sales and visits "
    "(> 0; `mmm optimize` refuses a model with store visits without it, `--value-per-visit` "
    "or `--objective online_sales`).",
    "bounds": "Per channel / series bounds.",
    "min_awareness_share": "Least share of the budget for awareness channels.",
    "risk": "Risk attitude of the objective (`mean` or a lower quantile).",
    "currency": "Symbol before the amounts `mmm optimize` prints (default `€`).",
}


def _param_docs(cls) -> dict[str, str]:
    """``name -> description`` from a numpydoc ``Parameters`` section."""
    doc = cls.__doc__ or ""
    out: dict[str, str] = {}
    m = re.search(r"Parameters\n\s*-+\n(.*?)(\n\s*\n\s*[A-Z][a-z]+\n\s*-+\n|\Z)", doc, re.S)
    if not m:
        return out
    current = None
    for line in m.group(1).splitlines():
        if re.match(r"^    \S", line):
            names = line.strip().split(" : ")[0]
            current = [n.strip() for n in names.split(",")]
            for n in current:
                out[n] = ""
        elif current and line.strip():
            for n in current:
                out[n] = (out[n] + " " + line.strip()).strip()
    return out


def _fields_table(cls, *, skip: tuple[str, ...] = ()) -> list[str]:
    docs = _param_docs(cls)
    rows = ["| key | default | meaning |", "|---|---|---|"]
    for f in dataclasses.fields(cls):
        if f.name in skip:
            continue
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = "required"
        shown = "required" if default == "required" else f"`{default!r}`"
        text = docs.get(f.name, "").replace("|", "\\|")
        rows.append(f"| `{f.name}` | {shown} | {text} |")
    return rows


def config_markdown() -> str:
    """Reference of the run configuration file."""
    from mmm import config, spec

    lines = [
        "# Configuration file",
        "",
        "A run configuration (TOML) describes a run completely: data, model, sampler and "
        "optimizer. `mmm init DIR` writes the commented template below; `mmm fit CONFIG "
        "--out RUN_DIR` fits it and stores the fully resolved config (every default filled "
        "in) as `RUN_DIR/config.toml`. Paths are relative to the config file. Every key is "
        "checked: an unknown key or a wrong value stops with a message naming the key and "
        "what is allowed (exit code 2).",
        "",
        "Generated from `mmm.config` and `mmm.spec` at build time: the defaults below are "
        "the ones in the code.",
        "",
        "## `[data]`",
        "",
        "| key | meaning |",
        "|---|---|",
    ]
    for k in config.DATA_KEYS:
        lines.append(f"| `{k}` | {DATA_HELP.get(k, '')} |")
    lines += [
        "",
        "## `[model]`",
        "",
        "The model specification (`mmm.spec.ModelSpec`): the outcomes, the mediator and "
        "`extra` at the top of `[model]`, every other option in its group's table, "
        "`[model.media]`, `[model.baseline]`, `[model.likelihood]` and `[model.priors]` "
        "(below). Configs written before the groups give those options flat, at the top "
        'of `[model]` (`trend = "none"`, `[model.stages.awareness]`, '
        "`[model.roas_priors.CHANNEL]`); they are still read, to the same model. An option "
        "given both ways, or unknown, stops with a message naming it, its group and the "
        "allowed keys.",
        "",
    ]
    lines += _fields_table(spec.ModelSpec, skip=tuple(spec.GROUPS))
    for group, cls in spec.GROUPS.items():
        lines += ["", f"### `[model.{group}]`", "", f"`mmm.spec.{cls.__name__}`.", ""]
        lines += _fields_table(cls)
    lines += [
        "",
        "### `[[model.outcomes]]` / `outcomes = [{ ... }]`",
        "",
        "One entry per outcome (`mmm.spec.OutcomeSpec`).",
        "",
    ]
    lines += _fields_table(spec.OutcomeSpec)
    lines += [
        "",
        "### `[model.media.stages.awareness]`, `[model.media.stages.conversion]`",
        "",
        "Carry-over of each funnel stage (`mmm.spec.StageSpec`); the class defaults below "
        "apply to a stage left out of a config whose other stage is given. The defaults of "
        "`MediaSpec` are:",
        "",
    ]
    for stage, st in spec.MediaSpec().stages:
        lines.append(f"- `{stage}`: adstock `{st.adstock}`, `l_max = {st.l_max}`")
    lines.append("")
    lines += _fields_table(spec.StageSpec)
    lines += ["", "## `[sampler]`", "", "Sampler settings (`mmm.spec.SamplerConfig`).", ""]
    lines += _fields_table(spec.SamplerConfig)
    lines += ["", "## `[optimizer]`", "", "| key | meaning |", "|---|---|"]
    for k in config.OPT_KEYS:
        lines.append(f"| `{k}` | {OPT_HELP.get(k, '')} |")
    lines += ["", "## Template", "", "```toml", config.TEMPLATE.rstrip(), "```", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------------- hooks


def generated_pages() -> dict[str, str]:
    """Every generated page: docs path -> markdown."""
    pages = api_pages()
    out = {"cli.md": cli_markdown(), "config.md": config_markdown()}
    out["api/index.md"] = api_index_markdown(pages)
    for page, modules in pages.items():
        out[f"api/{page}.md"] = api_page_markdown(page, modules)
    return out


def _fill_nav(nav: list, entries: list) -> bool:
    for i, item in enumerate(nav):
        if isinstance(item, dict):
            for title, value in item.items():
                if title == API_NAV_TITLE:
                    item[title] = entries
                    return True
                if isinstance(value, list) and _fill_nav(value, entries):
                    return True
        del i
    return False


def on_config(config, **kwargs):
    """Put every generated API page under the "API reference" entry of the navigation."""
    pages = api_pages()
    entries = [{"Overview": "api/index.md"}]
    entries += [{f"{PACKAGE}.{page}": f"api/{page}.md"} for page in pages]
    if config.get("nav"):
        _fill_nav(config["nav"], entries)
    return config


_ROLE = re.compile(r":(?:py:)?(?:func|class|mod|meth|data|attr|exc|obj|const|math):<code>~?")


def on_page_content(html, page, config, files, **kwargs):
    """Show Sphinx roles of docstrings (``:func:`x```) as plain code, without the role."""
    return _ROLE.sub("<code>", html)


def on_files(files, config, **kwargs):
    """Add the generated pages to the site (no file is written into ``docs/``)."""
    from mkdocs.structure.files import File

    for path, content in generated_pages().items():
        existing = files.get_file_from_path(path)
        if existing is not None:
            files.remove(existing)
        files.append(File.generated(config, path, content=content))
    return files
