"""Where mmm keeps what it compiles: one folder per kind (``jax``, ``numba``)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir(kind: str = "jax") -> Path:
    """Folder of mmm's on-disk cache for ``kind`` (e.g. ``"jax"``); not created.

    Parameters
    ----------
    kind : str
        Sub-folder name.

    Returns
    -------
    pathlib.Path
        ``$MMM_CACHE_DIR/<kind>`` if ``MMM_CACHE_DIR`` is set, else
        ``$XDG_CACHE_HOME/mmm/<kind>`` (``~/.cache/mmm/<kind>`` without it).
    """
    root = os.environ.get("MMM_CACHE_DIR")
    if root:
        return Path(root).expanduser() / kind
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg).expanduser() / "mmm" / kind
