"""Run a test's Python script in a fresh interpreter (empty in-process caches), with the
repository importable, and read the last line it prints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def last_line(script: str, *args: str, **env: str) -> str:
    """The last line ``script`` prints to stdout when run with ``args`` and the extra
    environment variables ``env``; its error output is shown when it fails."""
    full = dict(os.environ, **env)
    full["PYTHONPATH"] = str(ROOT) + os.pathsep + full.get("PYTHONPATH", "")
    out = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, env=full
    )
    if out.returncode != 0:
        raise AssertionError(f"child exited {out.returncode}:\n{out.stderr[-3000:]}")
    return out.stdout.strip().splitlines()[-1]


def last_json(script: str, *args: str, **env: str):
    """:func:`last_line`, read as JSON."""
    return json.loads(last_line(script, *args, **env))
