"""Where mmm keeps what it compiles or builds once per machine: one folder per kind
(``jax``, ``numba``, ``report``)."""

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


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (a reader sees all of it or nothing), creating
    the folder.

    Parameters
    ----------
    path : pathlib.Path
        The file to write.
    text : str
        Its content (UTF-8).

    Raises
    ------
    OSError
        When the folder cannot be created or written.
    """
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp"
    ) as f:
        try:
            f.write(text)
            f.close()
            os.replace(f.name, path)
        except BaseException:
            Path(f.name).unlink(missing_ok=True)  # no half-written file left behind
            raise
