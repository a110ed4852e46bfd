"""The run folder: one type that owns its layout and schema (read, write, version, migrate).

::

    RUN/fit.nc                      posterior (NetCDF)                 } FitResult.save
    RUN/fit.json                    spec, design, provenance           }
    RUN/data/*.csv                  the validated input tables         }
    RUN/input/*.csv                 long tables of `mmm fit --wide`
    RUN/config.toml                 the fully resolved run configuration
    RUN/manifest.json               data SHA-256, config hash, versions, seed, timings,
                                    how the model was compiled, diagnostics, layout version
    RUN/summary.json                headline results (``schema_version``)
    RUN/recommendations/NAME/       recommendation.json, allocation.csv, weekly.csv,
                                    geos.csv (several geos), allocation.png, uplift.png
    RUN/scenarios/NAME.json, .csv   stored scenario comparisons
    RUN/backtest.json, .csv         out-of-sample check (`mmm backtest`)
    RUN/tables/*.csv, report.xlsx   planner tables (`mmm export`)
    RUN/report.html, .md, .pdf      the planner report (`mmm report`)
    RUN/batch_run.json              a batch task's marker, written last (`mmm batch`)
    RUN/inputs/*.csv                a batch task's tables cut at its backtest origin

Every command reads and writes a run folder through :class:`RunFolder`; the file names
above appear in this module only.

Versions. ``manifest.json`` records the layout (:data:`LAYOUT_VERSION`). Layout 1 (folders
written before recommendations had names) holds one top-level ``recommendation.json``
with ``recommendation.csv``, ``recommendation_weekly.csv`` and
``recommendation_geos.csv``; it reads as the recommendation named ``recommended``, and
:meth:`RunFolder.migrate` (called by every command that writes into the folder) moves it
to ``recommendations/recommended/``. ``summary.json`` records its own
``schema_version`` (:data:`SUMMARY_SCHEMA_VERSION`); summaries of older fits (without a
version, or with records without ``geo``) are brought to the current schema on reading.
A stored recommendation and a scenario comparison record theirs too
(:data:`mmm.plan_results.RECOMMENDATION_SCHEMA_VERSION`,
:data:`~mmm.plan_results.SCENARIOS_SCHEMA_VERSION`); files written before they were
recorded are brought to the current schema on reading
(:func:`mmm.plan_results.migrate_recommendation`, :func:`~mmm.plan_results.migrate_scenarios`)
and read as :class:`~mmm.plan_results.StoredRecommendation` /
:class:`~mmm.plan_results.ScenarioComparison`.

Problems (a missing or unreadable file) raise :class:`mmm.errors.RunFolderError`, which
names the folder, the file and the fix; the command line exits 2 with that message.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Literal, Self, overload

from mmm.config import dump_toml
from mmm.errors import RunFolderError, SpecError
from mmm.plan_results import (
    ScenarioComparison,
    StoredRecommendation,
    migrate_recommendation,
    migrate_scenarios,
)
from mmm.run_summary import SUMMARY_SCHEMA_VERSION, RunSummary, SummaryError

# ------------------------------------------------------------------ the layout
FIT_FILE = "fit.nc"
FIT_META_FILE = "fit.json"
DATA_DIR = "data"
INPUT_DIR = "input"
CONFIG_FILE = "config.toml"
MANIFEST_FILE = "manifest.json"
SUMMARY_FILE = "summary.json"
RECOMMENDATIONS_DIR = "recommendations"
RECOMMENDATION_FILE = "recommendation.json"
#: Files of one stored recommendation, by the key :meth:`RunFolder.save_recommendation` returns.
RECOMMENDATION_FILES = {
    "json": RECOMMENDATION_FILE,
    "allocation_csv": "allocation.csv",
    "weekly_csv": "weekly.csv",
    "geos_csv": "geos.csv",
    "allocation_png": "allocation.png",
    "uplift_png": "uplift.png",
}
SCENARIOS_DIR = "scenarios"
BACKTEST_FILE = "backtest.json"
BACKTEST_TABLE = "backtest.csv"
TABLES_DIR = "tables"
WORKBOOK = "report.xlsx"
#: The report's files by format.
REPORT_FILES = {"html": "report.html", "md": "report.md", "pdf": "report.pdf"}
#: Files every complete run folder has.
RUN_FILES = (FIT_FILE, FIT_META_FILE, CONFIG_FILE, MANIFEST_FILE, SUMMARY_FILE)
#: Written last by a batch task, after a successful fit (``mmm batch``).
BATCH_MARKER = "batch_run.json"
#: Input tables cut at a batch task's backtest origin.
ORIGIN_INPUTS_DIR = "inputs"

#: Name of the recommendation the report shows (and of a layout-1 top-level one).
DEFAULT_RECOMMENDATION = "recommended"
#: Name of a scenario comparison when none is given.
DEFAULT_SCENARIOS = "scenarios"

#: Layout of the folder this version writes (see the module docstring).
LAYOUT_VERSION = 2
#: Layout 1: the top-level recommendation and its tables -> their names in layout 2.
LEGACY_RECOMMENDATION = {
    RECOMMENDATION_FILE: RECOMMENDATION_FILE,
    "recommendation.csv": "allocation.csv",
    "recommendation_weekly.csv": "weekly.csv",
    "recommendation_geos.csv": "geos.csv",
}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def check_name(name: str) -> str:
    """``name`` if it can name a stored recommendation or comparison (letters, digits, ``_ . -``).

    Raises
    ------
    mmm.errors.SpecError
        Empty, too long, or with other characters.
    """
    if not isinstance(name, str) or not _NAME.match(name) or name in (".", ".."):
        raise SpecError(
            f"--name {name!r}: use letters, digits, '_', '.' or '-' (up to 64, starting with a "
            "letter or digit), e.g. --name whatif_q1."
        )
    return name


def migrate_summary(summary: dict, *, folder=".") -> dict:
    """``summary`` brought to :data:`SUMMARY_SCHEMA_VERSION` (a new dict).

    Summaries of older fits carry no ``schema_version`` or records without ``geo``
    (written before fits had geos): they get the current version and ``geo = "all"``.
    Entries a later 1.x schema added (``media_totals``, ``audiences`` in 1.1,
    ``best_odds`` in 1.3) stay absent: :class:`~mmm.run_summary.RunSummary` reads them as
    None (:func:`mmm.runs.complete_summary` computes them from the fit); the fields 1.2
    added to each awareness path (its mediated share and identification) are set to None
    (unknown). Nothing else is filled in, so a missing key is reported by
    :meth:`~mmm.run_summary.RunSummary.from_dict`.

    Raises
    ------
    mmm.errors.RunFolderError
        Not a JSON object, or written by a newer schema (another major version).
    """
    if not isinstance(summary, dict):
        raise RunFolderError(
            folder, SUMMARY_FILE, "is not a JSON object", "refit with `mmm fit` to rewrite it"
        )
    out = dict(summary)
    version = str(out.get("schema_version") or "1.0")
    if version.split(".")[0] != SUMMARY_SCHEMA_VERSION.split(".")[0]:
        raise RunFolderError(
            folder,
            SUMMARY_FILE,
            f"has schema_version {version}; this version of mmm reads {SUMMARY_SCHEMA_VERSION}",
            "refit with this version of mmm (or use the version that wrote it)",
        )
    out["schema_version"] = SUMMARY_SCHEMA_VERSION
    for key in ("roas", "contributions"):  # anything else is left for the reader to reject
        if isinstance(out.get(key), list):
            out[key] = [{"geo": "all", **r} if isinstance(r, dict) else r for r in out[key]]
    funnel = out.get("funnel")
    if _older(version, "1.2") and isinstance(funnel, dict):
        paths = funnel.get("awareness_paths")
        if isinstance(paths, list):  # 1.2 added the split's share and identification
            new = dict.fromkeys(_PATH_FIELDS_1_2)
            out["funnel"] = {
                **funnel,
                "awareness_paths": [{**new, **p} if isinstance(p, dict) else p for p in paths],
            }
    return out


_PATH_FIELDS_1_2 = (
    "mediated_share",
    "share_lower",
    "share_upper",
    "correlation",
    "weakly_identified",
)


def _older(version: str, than: str) -> bool:
    def parts(v: str) -> tuple[int, ...]:
        return tuple(int(x) for x in v.split(".") if x.isdigit())

    return parts(version) < parts(than)


def _created(rec: StoredRecommendation) -> str:
    return rec.settings.created or ""


@dataclass(frozen=True)
class RunFolder:
    """One run folder: the paths of its layout, its files read and written, its migration.

    The strict readers (:meth:`read_config`, :meth:`read_manifest`, :meth:`read_summary`,
    :meth:`read_recommendation`) raise :class:`~mmm.errors.RunFolderError` on an
    unreadable file. The cached views the report uses (:attr:`manifest`, :attr:`config`;
    the report's :class:`mmm.report.run.RunFolder` adds the fit, ``summary`` and
    ``backtest``) are lenient where the report can go on: they note the problem in
    :attr:`warnings`. :attr:`recommendation` is strict: a stored plan that cannot be read
    is an error naming the file and the key, not a report without its budget section.

    Parameters
    ----------
    path : path-like
        The folder (it may not exist yet when a command writes it).
    recommendation_name : str, optional
        The stored recommendation :attr:`recommendation` shows (default: ``recommended``
        when stored, else the newest).

    """

    path: Path
    recommendation_name: str | None = None
    warnings: list[str] = field(default_factory=list, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path))

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, run_dir, *, recommendation: str | None = None) -> Self:
        """The run folder ``run_dir``, checked to hold a saved fit.

        ``recommendation`` names the stored recommendation to show; an unknown name
        fails here.

        Raises
        ------
        mmm.errors.RunFolderError
            Not a folder, or ``fit.nc`` / ``fit.json`` missing.
        """
        run = cls(Path(run_dir), recommendation_name=recommendation)
        run.require_fit()
        if recommendation is not None:
            run.recommendation  # noqa: B018 - fail early on an unknown name
        return run

    def require_fit(self) -> None:
        """Raise unless the folder holds a saved fit (``fit.nc`` and ``fit.json``)."""
        if not self.path.is_dir():
            raise RunFolderError(
                self.path,
                "the folder",
                "does not exist or is a file, so this is not a run folder",
                "pass a run folder written by `mmm fit`",
            )
        for need in (FIT_FILE, FIT_META_FILE):
            if not (self.path / need).is_file():
                inner = self.path / "run"
                fix = (
                    f"pass {inner} (the run folder of `mmm demo`)"
                    if (inner / need).is_file()
                    else f"write one with `mmm fit CONFIG --out {self.path}`"
                )
                raise RunFolderError(
                    self.path, need, "is missing, so this is not a run folder", fix
                )

    # ------------------------------------------------------------------- paths
    @property
    def fit_file(self) -> Path:
        return self.path / FIT_FILE

    @property
    def fit_meta_file(self) -> Path:
        return self.path / FIT_META_FILE

    @property
    def data_dir(self) -> Path:
        return self.path / DATA_DIR

    @property
    def input_dir(self) -> Path:
        """Long tables written from a wide table (``mmm fit --wide``)."""
        return self.path / INPUT_DIR

    @property
    def origin_inputs_dir(self) -> Path:
        """Input tables cut at a batch task's backtest origin (``mmm batch``)."""
        return self.path / ORIGIN_INPUTS_DIR

    @property
    def config_file(self) -> Path:
        return self.path / CONFIG_FILE

    @property
    def manifest_file(self) -> Path:
        return self.path / MANIFEST_FILE

    @property
    def summary_file(self) -> Path:
        return self.path / SUMMARY_FILE

    @property
    def recommendations_dir(self) -> Path:
        return self.path / RECOMMENDATIONS_DIR

    @property
    def scenarios_dir(self) -> Path:
        return self.path / SCENARIOS_DIR

    @property
    def tables_dir(self) -> Path:
        return self.path / TABLES_DIR

    @property
    def workbook_file(self) -> Path:
        return self.tables_dir / WORKBOOK

    @property
    def backtest_file(self) -> Path:
        return self.path / BACKTEST_FILE

    @property
    def backtest_table(self) -> Path:
        return self.path / BACKTEST_TABLE

    @property
    def legacy_recommendation_file(self) -> Path:
        """The top-level recommendation of a layout-1 folder."""
        return self.path / RECOMMENDATION_FILE

    def report_file(self, fmt: str = "html", folder=None) -> Path:
        """The report in format ``fmt`` (html, md, pdf) in ``folder`` (default the run)."""
        return Path(folder if folder is not None else self.path) / REPORT_FILES[fmt]

    def recommendation_dir(self, name: str = DEFAULT_RECOMMENDATION) -> Path:
        """Folder of the recommendation ``name`` (it may not exist yet)."""
        return self.recommendations_dir / check_name(name)

    def recommendation_files(self, name: str = DEFAULT_RECOMMENDATION) -> dict[str, Path]:
        """Every file of the recommendation ``name``, by key (see :data:`RECOMMENDATION_FILES`)."""
        d = self.recommendation_dir(name)
        return {k: d / f for k, f in RECOMMENDATION_FILES.items()}

    def scenario_files(self, name: str = DEFAULT_SCENARIOS) -> dict[str, Path]:
        """``json`` and ``csv`` of the stored comparison ``name``."""
        d = self.scenarios_dir / check_name(name)
        return {"json": d.with_suffix(".json"), "csv": d.with_suffix(".csv")}

    def table_file(self, name: str) -> Path:
        """The planner table ``name`` (``tables/NAME.csv``)."""
        return self.tables_dir / f"{name}.csv"

    # --------------------------------------------------------------- reading
    def _json(self, path: Path, fix: str, *, required: bool = False):
        """Parsed JSON of ``path`` (None when missing and not ``required``)."""
        rel = path.relative_to(self.path).as_posix()
        if not path.is_file():
            if required:
                raise RunFolderError(self.path, rel, "is missing", fix)
            return None
        try:
            return json.loads(path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise RunFolderError(self.path, rel, f"is not valid JSON ({exc})", fix) from None

    def read_config(self, *, required: bool = False) -> dict:
        """``config.toml`` as a dict ({} when missing and not ``required``).

        Raises
        ------
        mmm.errors.RunFolderError
            Not valid TOML, or missing when ``required``.
        """
        p = self.config_file
        fix = (
            "fix the file or delete it (the run's settings are then taken from the "
            "command's options)"
        )
        if not p.is_file():
            if required:
                raise RunFolderError(self.path, CONFIG_FILE, "is missing", "refit with `mmm fit`")
            return {}
        try:
            return tomllib.loads(p.read_text())
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise RunFolderError(
                self.path, CONFIG_FILE, f"is not valid TOML ({exc})", fix
            ) from None

    @property
    def settings(self) -> dict:
        """The ``[optimizer]`` section of ``config.toml`` ({} when there is none)."""
        return dict(self.read_config().get("optimizer") or {})

    def currency(self, default: str = "€") -> str:
        """``[optimizer] currency`` of ``config.toml``, else ``default``."""
        c = self.settings.get("currency")
        return c if isinstance(c, str) else default

    def read_manifest(self, *, required: bool = False) -> dict:
        """``manifest.json`` ({} when missing and not ``required``)."""
        m = self._json(self.manifest_file, "refit with `mmm fit` to rewrite it", required=required)
        if m is None:
            return {}
        if not isinstance(m, dict):
            raise RunFolderError(
                self.path, MANIFEST_FILE, "is not a JSON object", "refit with `mmm fit`"
            )
        return m

    @property
    def layout_version(self) -> int:
        """The folder's layout: 1 while it holds a top-level recommendation, else the
        manifest's (folders written before it was recorded: 1 with such a file, else 2)."""
        if self.legacy_recommendation_file.is_file():
            return 1
        try:
            v = self.read_manifest().get("layout_version")
        except RunFolderError:
            v = None
        return v if isinstance(v, int) and not isinstance(v, bool) else LAYOUT_VERSION

    @overload
    def read_summary(self, *, required: Literal[True]) -> RunSummary: ...

    @overload
    def read_summary(self, *, required: bool = False) -> RunSummary | None: ...

    def read_summary(self, *, required: bool = False) -> RunSummary | None:
        """``summary.json`` in the current schema (:func:`migrate_summary`) as a
        :class:`~mmm.run_summary.RunSummary`; None when missing and not ``required``.

        Raises
        ------
        mmm.errors.RunFolderError
            Not valid JSON, written by a newer schema, or a key missing or not expected
            (the message names the key, e.g. ``roas[3].median``); missing when ``required``.
        """
        fix = "refit with `mmm fit` to rewrite it"
        s = self._json(self.summary_file, fix, required=required)
        if s is None:
            return None
        try:
            return RunSummary.from_dict(migrate_summary(s, folder=self.path))
        except SummaryError as exc:
            raise RunFolderError(self.path, SUMMARY_FILE, str(exc), fix) from None

    def read_scenarios(self) -> list[ScenarioComparison]:
        """Every stored scenario comparison (``scenarios/*.json``) by name, each with the
        ``path`` it was read from.

        Raises
        ------
        mmm.errors.RunFolderError
            A file is not valid JSON, was written by a newer schema, or lacks a key or has
            one not expected (the message names the file and the key).
        """
        out = []
        for p in sorted(self.scenarios_dir.glob("*.json")):
            fix = "delete it or run `mmm scenarios` again with --replace"
            rel = p.relative_to(self.path).as_posix()

            def error(problem: str, rel=rel, fix=fix) -> RunFolderError:
                return RunFolderError(self.path, rel, problem, fix)

            d = migrate_scenarios(self._json(p, fix), error)
            try:
                out.append(ScenarioComparison.from_dict(d, path=str(p)))
            except SummaryError as exc:
                raise error(str(exc)) from None
        return out

    # --------------------------------------------------------------- writing
    def _write_json(self, path: Path, obj) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(obj, indent=2, sort_keys=True))
        return path

    def write_config(self, resolved: dict) -> Path:
        """Write the resolved run configuration as ``config.toml``."""
        self.path.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(dump_toml(resolved))
        return self.config_file

    def write_manifest(self, manifest: dict) -> Path:
        """Write ``manifest.json``, stamped with :data:`LAYOUT_VERSION`."""
        return self._write_json(self.manifest_file, {**manifest, "layout_version": LAYOUT_VERSION})

    def write_summary(self, summary: RunSummary) -> Path:
        """Write ``summary`` as ``summary.json``, stamped with :data:`SUMMARY_SCHEMA_VERSION`."""
        out = {**summary.to_dict(), "schema_version": SUMMARY_SCHEMA_VERSION}
        return self._write_json(self.summary_file, out)

    def write_scenarios(
        self, name: str, result: ScenarioComparison, table, *, replace: bool = False
    ):
        """Store a scenario comparison as ``scenarios/NAME.json`` (stamped with its schema
        version) and ``NAME.csv``."""
        self.check_scenarios_free(name, replace)
        self.migrate()
        files = self.scenario_files(name)
        self._write_json(files["json"], result.to_dict())
        table.to_csv(files["csv"], index=False, float_format="%.10g")
        return files

    def check_scenarios_free(self, name: str, replace: bool = False) -> None:
        """Raise unless no comparison ``name`` is stored or ``replace`` allows overwriting."""
        if self.scenario_files(name)["json"].exists() and not replace:
            raise SpecError(
                f"{self.path} already has a scenario comparison named {name!r}; give it another "
                "name (--name q2_options) to keep both, or pass --replace to overwrite it."
            )

    def write_backtest(self, result: dict, metrics) -> dict[str, Path]:
        """Store a backtest as ``backtest.json`` (``result``) and ``backtest.csv`` (``metrics``)."""
        self._write_json(self.backtest_file, result)
        metrics.to_csv(self.backtest_table, index=False, float_format="%.6g")
        return {"json": self.backtest_file, "csv": self.backtest_table}

    def tables_folder(self) -> Path:
        """``tables/``, created, with the CSV files of an earlier export removed."""
        folder = self.tables_dir
        if folder.exists() and not folder.is_dir():
            raise RunFolderError(
                self.path, TABLES_DIR, "is a file", "move it away so the tables can be written"
            )
        self.migrate()
        folder.mkdir(exist_ok=True)
        for old in folder.glob("*.csv"):
            old.unlink()
        return folder

    # -------------------------------------------------------- recommendations
    def stored_recommendations(self) -> dict[str, Path]:
        """Name -> ``recommendation.json`` of every stored recommendation, by name.

        A layout-1 folder's top-level recommendation is listed as ``recommended`` unless
        ``recommendations/recommended/`` exists too.
        """
        found = {
            p.parent.name: p
            for p in sorted(self.recommendations_dir.glob(f"*/{RECOMMENDATION_FILE}"))
        }
        legacy = self.legacy_recommendation_file
        if DEFAULT_RECOMMENDATION not in found and legacy.is_file():
            found[DEFAULT_RECOMMENDATION] = legacy
        return dict(sorted(found.items()))

    def _read_recommendation_file(self, path: Path) -> StoredRecommendation:
        """The recommendation stored in ``path``, in the current schema."""
        fix = f"run `mmm optimize {self.path} --budget X --replace` to store it again"
        rel = path.relative_to(self.path).as_posix()

        def error(problem: str) -> RunFolderError:
            return RunFolderError(self.path, rel, problem, fix)

        d = migrate_recommendation(self._json(path, fix), error)
        try:
            return StoredRecommendation.from_dict(d)
        except SummaryError as exc:
            raise error(str(exc)) from None

    def read_recommendation(
        self, name: str | None = None
    ) -> tuple[StoredRecommendation | None, Path | None]:
        """A stored recommendation (:class:`~mmm.plan_results.StoredRecommendation`) and
        the file it came from.

        ``name=None`` takes ``recommended`` when it is stored, else the newest by
        ``settings.created``; ``(None, None)`` when the folder stores none.

        Raises
        ------
        mmm.errors.RunFolderError
            ``name`` is not stored (the message lists the stored names), or a file is not
            valid JSON, was written by a newer schema, or lacks a key or has one not
            expected (the message names the file and the key).
        """
        stored = self.stored_recommendations()
        if name is None and DEFAULT_RECOMMENDATION in stored:
            name = DEFAULT_RECOMMENDATION
        if name is not None:
            if name not in stored:
                raise RunFolderError(
                    self.path,
                    f"{RECOMMENDATIONS_DIR}/{name}",
                    f"is missing: the folder holds no recommendation named {name!r} "
                    f"(stored: {', '.join(stored) if stored else 'none'})",
                    f"run `mmm optimize {self.path} --name {name}` first or pick a stored one",
                )
            return self._read_recommendation_file(stored[name]), stored[name]
        found = []
        for n, p in stored.items():
            rec = self._read_recommendation_file(p)
            found.append((_created(rec), n, rec, p))
        if found:
            _, _, rec, p = max(found, key=lambda t: (t[0], t[1]))
            return rec, p
        return None, None

    def check_free(self, name: str, replace: bool = False) -> None:
        """Raise unless the recommendation ``name`` is unused or ``replace`` allows
        overwriting it (a layout-1 top-level recommendation counts as ``recommended``).

        Raises
        ------
        mmm.errors.SpecError
            The name is taken (the message names ``--name`` and ``--replace``).
        """
        check_name(name)
        if name in self.stored_recommendations() and not replace:
            raise SpecError(
                f"{self.path} already has a recommendation named {name!r}; give the plan another "
                "name (--name whatif) to keep both, or pass --replace to overwrite it."
            )

    def save_recommendation(self, rec, name: str = DEFAULT_RECOMMENDATION, replace: bool = False):
        """Store ``rec`` (a :class:`~mmm.optimize.BudgetRecommendation`) as ``name``.

        The folder is migrated first (:meth:`migrate`). Returns ``json``,
        ``allocation_csv``, ``weekly_csv`` and, for fits with several geos, ``geos_csv``.

        Raises
        ------
        mmm.errors.SpecError
            ``name`` exists and ``replace`` is False, or ``name`` is not a valid name.
        """
        self.check_free(name, replace)
        self.migrate()
        files = self.recommendation_files(name)
        files["json"].parent.mkdir(parents=True, exist_ok=True)
        rec.settings["name"] = name
        if not rec.settings.get("created"):
            rec.settings["created"] = datetime.now(UTC).isoformat(timespec="seconds")
        paths = {k: files[k] for k in ("json", "allocation_csv", "weekly_csv")}
        self._write_json(paths["json"], rec.stored().to_dict())
        rec.allocation.to_csv(paths["allocation_csv"], index=False, float_format="%.10g")
        rec.weekly.to_csv(paths["weekly_csv"], index=False, float_format="%.10g")
        files["geos_csv"].unlink(missing_ok=True)  # a replaced plan of several geos
        if rec.geos is not None and rec.allocation["geo"].nunique() > 1:
            paths["geos_csv"] = files["geos_csv"]
            rec.geos.to_csv(paths["geos_csv"], index=False, float_format="%.10g")
        return paths

    # ---------------------------------------------------------------- migrate
    def migrate(self) -> list[str]:
        """Bring a layout-1 folder to :data:`LAYOUT_VERSION`; returns what was moved.

        The top-level ``recommendation.json`` and its tables move, unchanged, to
        ``recommendations/recommended/`` (``recommendation.csv`` -> ``allocation.csv``,
        ``recommendation_weekly.csv`` -> ``weekly.csv``, ``recommendation_geos.csv`` ->
        ``geos.csv``). When ``recommendations/recommended/`` exists already it shadowed
        the top-level one, which moves to ``recommendations/legacy/`` instead (left in
        place when that name is taken too). A folder in the current layout is left as is.
        """
        legacy = self.legacy_recommendation_file
        if not legacy.is_file():
            return []
        name = DEFAULT_RECOMMENDATION
        if (self.recommendation_dir(name) / RECOMMENDATION_FILE).exists():
            name = "legacy"
            if self.recommendation_dir(name).exists():
                return []
        dest = self.recommendation_dir(name)
        dest.mkdir(parents=True, exist_ok=True)
        moved = []
        for old, new in LEGACY_RECOMMENDATION.items():
            src = self.path / old
            if src.is_file():
                shutil.move(src, dest / new)
                moved.append(f"{old} -> {RECOMMENDATIONS_DIR}/{name}/{new}")
        if self.manifest_file.is_file():
            try:
                m = self.read_manifest()
            except RunFolderError:
                return moved  # an unreadable manifest is not this migration's to rewrite
            self.write_manifest(m)
        return moved

    # ------------------------------------------------- cached views (the report)
    @cached_property
    def manifest(self) -> dict:
        """``manifest.json`` (empty, with a warning, when missing)."""
        m = self.read_manifest()
        if not m:
            self.warnings.append(f"{MANIFEST_FILE} is missing: provenance details are incomplete.")
        return m

    @cached_property
    def fit_meta(self) -> dict:
        """``fit.json``."""
        return self._json(self.fit_meta_file, "refit with `mmm fit` to rewrite it") or {}

    @cached_property
    def config(self) -> dict:
        """``config.toml`` (empty, with a warning, when it cannot be read)."""
        try:
            return self.read_config()
        except RunFolderError as exc:
            self.warnings.append(f"{CONFIG_FILE} could not be read ({exc}).")
            return {}

    @cached_property
    def _recommendation(self) -> tuple[StoredRecommendation | None, Path | None]:
        return self.read_recommendation(self.recommendation_name)

    @property
    def recommendation(self) -> StoredRecommendation | None:
        """The recommendation shown (see :meth:`read_recommendation`), or None."""
        return self._recommendation[0]

    @property
    def recommendation_path(self) -> Path | None:
        """The file :attr:`recommendation` was read from, or None."""
        return self._recommendation[1]

    @property
    def diagnostics(self) -> dict | None:
        """Sampler diagnostics: the manifest's, else the fit's own record."""
        return self.manifest.get("diagnostics") or self.fit_meta.get("diagnostics")


def read_recommendation(
    run_dir, name: str | None = None
) -> tuple[StoredRecommendation | None, Path | None]:
    """:meth:`RunFolder.read_recommendation` of the folder ``run_dir``."""
    return RunFolder(run_dir).read_recommendation(name)
