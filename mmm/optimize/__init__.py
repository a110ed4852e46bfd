"""Budget planning: a constrained, uncertainty-aware optimizer and a scenario planner.

Import cost is small (NumPy, pandas); SciPy loads when an optimisation runs and
matplotlib only in :mod:`mmm.optimize.plots`.
"""

from __future__ import annotations

from mmm.optimize.constraints import Bound, Constraints, change
from mmm.optimize.optimizer import optimize_budget
from mmm.optimize.planner import Objective, Planner, make_objective, make_planner
from mmm.optimize.response import DrawResponse
from mmm.optimize.results import BudgetRecommendation

__all__ = [
    "Bound",
    "BudgetRecommendation",
    "Constraints",
    "DrawResponse",
    "Objective",
    "Planner",
    "change",
    "make_objective",
    "make_planner",
    "optimize_budget",
]
