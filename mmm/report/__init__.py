"""Planner report of a run folder: one self-contained HTML file (``mmm report RUN_DIR``)."""

from __future__ import annotations

from mmm.report.build import build_report

__all__ = ["build_report"]
