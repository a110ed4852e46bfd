"""Exceptions and warnings raised by mmm.

Every error message says what was wrong, where (file, column, rows or key),
what is allowed, and what to do next.
"""

from __future__ import annotations


class MMMError(Exception):
    """Base class of every error raised on purpose by mmm."""


class DataError(MMMError, ValueError):
    """Input tables are malformed. The message lists every problem found at once."""

    def __init__(self, problems: list[str] | str, *, source: str | None = None) -> None:
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        self.source = source
        head = f"{len(self.problems)} problem(s) in the input data"
        if source:
            head += f" ({source})"
        body = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{head}:\n{body}")


class SpecError(MMMError, ValueError):
    """A model specification or configuration value is invalid."""


class ConfigError(SpecError):
    """A configuration file is invalid (names the key and what is allowed)."""


class NotFittedError(MMMError, RuntimeError):
    """An operation needs a fitted model."""


class RunFolderError(NotFittedError):
    """A run folder lacks a file or holds one that cannot be read.

    The message names the folder, the file, what is wrong with it and how to fix it;
    ``folder`` and ``file`` hold the first two (``file`` relative to the folder).
    """

    def __init__(self, folder, file: str, problem: str, fix: str) -> None:
        self.folder, self.file = str(folder), str(file)
        super().__init__(f"run folder {self.folder}: {self.file} {problem}; {fix}")


class InfeasibleError(MMMError, ValueError):
    """Optimisation constraints cannot all hold at once."""


class DataWarning(UserWarning):
    """Data is usable but suspicious (constant channels, few periods, collinearity)."""


class ConvergenceWarning(UserWarning):
    """The sampler reported problems (divergences, high R-hat, low ESS)."""
