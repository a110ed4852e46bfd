"""Demo data: a simulated luxury fashion brand with known true effects.

The demo is regenerated on every call by :func:`mmm.data.simulate.simulate` with the
fixed seed :data:`DEMO_SEED` (156 weeks from Monday 2023-01-02, national data, the
default catalogue of 11 media series over 7 channels). Nothing is shipped as files and
the result is the same on every machine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from mmm.data.simulate import Simulation

__all__ = ["DEMO_SEED", "DEMO_N_PERIODS", "DEMO_START", "demo_simulation", "load_demo"]

#: Seed of the demo simulation.
DEMO_SEED = 20231
#: Weeks in the demo.
DEMO_N_PERIODS = 156
#: First week of the demo (a Monday).
DEMO_START = "2023-01-02"


def demo_simulation() -> Simulation:
    """The demo data set and its ground truth.

    Returns
    -------
    mmm.data.simulate.Simulation
        ``simulate(seed=DEMO_SEED, n_periods=156, start="2023-01-02", geos=0)``: weekly
        media (euros, impressions), outcomes ``online_sales`` (euros), ``store_visits``
        (visits) and ``brand_search`` (searches, the mediator), controls and the truth.
        A fresh object on each call.
    """
    from mmm.data.simulate import simulate

    return simulate(seed=DEMO_SEED, n_periods=DEMO_N_PERIODS, start=DEMO_START, geos=0)


def load_demo(*, as_dataset: bool = True):
    """Load the demo data.

    Parameters
    ----------
    as_dataset : bool, default True
        True: return the validated ``Dataset`` (via :meth:`Simulation.to_dataset`, i.e.
        :func:`mmm.data.load_dataset`). False: return the :class:`Simulation` with its
        tables and truth.

    Returns
    -------
    mmm.data.Dataset or mmm.data.simulate.Simulation
        Dims of the dataset: ``date`` (156 weeks), ``geo`` (``"all"``), ``series`` (11).
    """
    if not isinstance(as_dataset, bool):
        raise TypeError(f"as_dataset={as_dataset!r} must be True or False.")
    sim = demo_simulation()
    return sim.to_dataset() if as_dataset else sim
