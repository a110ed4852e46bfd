"""The omnichannel model: design (scaling, features), media response, PyMC graph."""

from mmm.model.build import build_model, prepare_inputs
from mmm.model.design import Design, make_design

__all__ = ["Design", "build_model", "make_design", "prepare_inputs"]
