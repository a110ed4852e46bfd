"""Named budget recommendations in a run folder.

::

    RUN_DIR/recommendations/<name>/recommendation.json   summary, settings, allocation, moves ...
    RUN_DIR/recommendations/<name>/allocation.csv        one row per (geo, series)
    RUN_DIR/recommendations/<name>/weekly.csv            spend per period of both plans
    RUN_DIR/recommendations/<name>/geos.csv              per geo (fits with several geos)

``mmm optimize`` saves under ``--name`` (default ``recommended``); an existing name is
replaced only with ``--replace``. A run folder written before names existed holds one
``RUN_DIR/recommendation.json``: it counts as the recommendation named ``recommended``.
:func:`mmm.report.run.read_recommendation` reads them back (the report shows
``recommended`` when it is stored, else the newest).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

from mmm.errors import SpecError

#: Folder of the named recommendations inside a run folder.
FOLDER = "recommendations"
#: Name used when none is given (and of a legacy top-level ``recommendation.json``).
DEFAULT_NAME = "recommended"
#: Tables written beside a top-level ``recommendation.json`` by older versions.
LEGACY_TABLES = ("recommendation.csv", "recommendation_weekly.csv", "recommendation_geos.csv")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def check_name(name: str) -> str:
    """``name`` if it can name a recommendation folder (letters, digits, ``_ . -``).

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


def recommendation_dir(run_dir, name: str = DEFAULT_NAME) -> Path:
    """Folder of the recommendation ``name`` in ``run_dir`` (it may not exist yet)."""
    return Path(run_dir) / FOLDER / check_name(name)


def _legacy(run_dir) -> Path:
    return Path(run_dir) / "recommendation.json"


def check_free(run_dir, name: str, replace: bool = False) -> None:
    """Raise unless ``name`` is unused in ``run_dir`` or ``replace`` allows overwriting it.

    An older run folder's top-level ``recommendation.json`` counts as ``recommended``.

    Raises
    ------
    mmm.errors.SpecError
        The name is taken (the message names ``--name`` and ``--replace``).
    """
    exists = (recommendation_dir(run_dir, name) / "recommendation.json").exists() or (
        name == DEFAULT_NAME and _legacy(run_dir).exists()
    )
    if exists and not replace:
        raise SpecError(
            f"{run_dir} already has a recommendation named {name!r}; give the plan another "
            "name (--name whatif) to keep both, or pass --replace to overwrite it."
        )


def save_recommendation(run_dir, rec, name: str = DEFAULT_NAME, replace: bool = False) -> dict:
    """Write ``rec`` as the recommendation ``name`` of ``run_dir``.

    Parameters
    ----------
    run_dir : path
        The run folder.
    rec : BudgetRecommendation
        From :func:`mmm.optimize.optimize_budget`.
    name : str
        Letters, digits, ``_ . -``; default ``recommended`` (the plan the report shows).
    replace : bool
        Overwrite an existing recommendation of that name (otherwise an error). Replacing
        ``recommended`` also removes an older run folder's top-level ``recommendation.json``
        and its tables (``LEGACY_TABLES``), which were that recommendation.

    Returns
    -------
    dict of str -> Path
        ``json``, ``allocation_csv``, ``weekly_csv`` and, for fits with several geos,
        ``geos_csv``.

    Raises
    ------
    mmm.errors.SpecError
        ``name`` exists and ``replace`` is False (the message names ``--name`` and
        ``--replace``), or ``name`` is not a valid folder name.
    """
    folder = recommendation_dir(run_dir, name)
    check_free(run_dir, name, replace)
    folder.mkdir(parents=True, exist_ok=True)
    rec.settings["name"] = name
    if not rec.settings.get("created"):
        rec.settings["created"] = datetime.now(UTC).isoformat(timespec="seconds")
    paths = {
        "json": folder / "recommendation.json",
        "allocation_csv": folder / "allocation.csv",
        "weekly_csv": folder / "weekly.csv",
    }
    paths["json"].write_text(json.dumps(rec.to_dict(), indent=2, sort_keys=True))
    rec.allocation.to_csv(paths["allocation_csv"], index=False, float_format="%.10g")
    rec.weekly.to_csv(paths["weekly_csv"], index=False, float_format="%.10g")
    if rec.geos is not None and rec.allocation["geo"].nunique() > 1:
        paths["geos_csv"] = folder / "geos.csv"
        rec.geos.to_csv(paths["geos_csv"], index=False, float_format="%.10g")
    if name == DEFAULT_NAME:  # replacing "recommended" replaces an older run's top-level one
        for f in ("recommendation.json", *LEGACY_TABLES):
            (Path(run_dir) / f).unlink(missing_ok=True)
    return paths


def stored_recommendations(run_dir) -> dict[str, Path]:
    """Name -> ``recommendation.json`` of every recommendation stored in ``run_dir``.

    Sorted by name; an older run folder's top-level ``recommendation.json`` is listed as
    ``recommended`` unless ``recommendations/recommended/`` exists too.
    """
    root = Path(run_dir)
    found = {p.parent.name: p for p in sorted((root / FOLDER).glob("*/recommendation.json"))}
    if DEFAULT_NAME not in found and _legacy(root).is_file():
        found[DEFAULT_NAME] = _legacy(root)
    return dict(sorted(found.items()))
