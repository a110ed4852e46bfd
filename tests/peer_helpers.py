"""PyMC-Marketing's example data read as the tests read it (copies in tests/data/peers)."""

from __future__ import annotations


def pymc_marketing_dataset(frame, *, name: str):
    """A frame in the layout of PyMC-Marketing's ``mmm_example.csv`` as a Dataset: x1 read as
    awareness (so given the delayed carry-over), x2 as conversion, the two events as
    controls (``t`` left out: the model has its own trend), as
    benchmarks/fit_peer_datasets.py reads it."""
    from mmm.data import from_wide

    return from_wide(
        frame,
        date="date_week",
        spend={"x1": "x1", "x2": "x2"},
        outcomes=["y"],
        controls=["event_1", "event_2"],
        channels={"x1": "awareness", "x2": "conversion"},
        name=name,
    )
