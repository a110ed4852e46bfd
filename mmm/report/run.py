"""Read a run folder for the report: :class:`mmm.run_folder.RunFolder` (the saved fit and
the files written next to it, read lazily, problems noted in ``RunFolder.warnings``)."""

from __future__ import annotations

from mmm.run_folder import RunFolder, read_recommendation

__all__ = ["RunFolder", "read_recommendation"]
