"""The omnichannel model: design (scaling, features), PyMC graph, its equations in NumPy.

The PyMC graph is built in :mod:`mmm.model.build`; the same mean, evaluated with NumPy on
a fit's posterior draws, is in :mod:`mmm.model.numpy_eval` (and the return on spend in
:mod:`mmm.model.roas`), which the fit and the analysis use.
"""

from mmm.model.build import build_model, prepare_inputs
from mmm.model.design import Design, make_design

__all__ = ["Design", "build_model", "make_design", "prepare_inputs"]
