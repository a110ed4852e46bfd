"""Calibration with experiments: lift-test likelihood terms and priors from past studies.

* :func:`load_experiments` / :func:`check_experiments`: the experiments table.
* :func:`prepare_lift` / :func:`add_lift_likelihood`: the lift term of the model.
* :func:`predicted_lift`: the fitted model's lift for each experiment (NumPy, saved fit).
* :func:`calibration_table`: experiment beside the model before and after calibration.

See ``docs/calibration.md``.
"""

from mmm.calibration.experiments import check_experiments, load_experiments
from mmm.calibration.lift import LiftInputs, add_lift_likelihood, prepare_lift
from mmm.calibration.priors import apply_roas_priors, calibrated_channels
from mmm.calibration.report import calibration_table, predicted_lift

__all__ = [
    "LiftInputs",
    "add_lift_likelihood",
    "apply_roas_priors",
    "calibrated_channels",
    "calibration_table",
    "check_experiments",
    "load_experiments",
    "predicted_lift",
    "prepare_lift",
]
