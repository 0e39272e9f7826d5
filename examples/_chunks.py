"""The sensitivity studies' sweeps: equal chunks, and no failed run let through.

The batched solver steps the members of a chunk together, so a few large chunks spend less
Python per member than the sweep's default of four chunks per core: the RA Sobol design of
``sensitivity_inflammation`` (1,024 runs) took 3.0 s in one or two chunks against 5.1 s in eight,
and the CRP-pathway design (1,088 runs) 5.1 s on one core against 6.7 s in eight chunks on two
worker processes. Each member has its own step control, so the outputs agree to round-off
(1e-14). Designs of several chunks (``--full``) still go to worker processes when the sweep
finds that pays.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from bonemodel.errors import SolverError
from bonemodel.model import Model
from bonemodel.scenario import Scenario
from bonemodel.sweep import sweep

LARGEST = 1024
"""Most members per chunk (a chunk of the flagship holds a few tens of MB)."""


def chunk_size(members: int, largest: int = LARGEST) -> int:
    """Equal chunks of at most ``largest`` members covering ``members`` runs.

    Equal, because the last chunk of a design steps as long as any other: a 1,088-run design in
    chunks of 512, 512 and 64 took 6.0 s where two of 544 took 5.1 s (flagship, one core).

    Parameters
    ----------
    members
        Runs of the design (> 0).
    largest
        Most members per chunk.

    Returns
    -------
    int
        Members per chunk.
    """
    chunks = math.ceil(members / largest)
    return math.ceil(members / chunks)


def sweep_in_chunks(
    model: Model, design: pd.DataFrame, outputs: Sequence[str], *, scenario: Scenario | None, t_end: float
) -> pd.DataFrame:
    """The design's outputs from one sweep in :func:`chunk_size` chunks, refusing failed runs.

    The estimators need every member, so one failed run fails the study instead of leaving a
    hole in its design.

    Parameters
    ----------
    model
        The model to run.
    design
        Parameter values, one row per run, in design order.
    outputs
        Output names as in ``bm.sweep``.
    scenario
        Scenario of every run.
    t_end
        End of every run [day].

    Returns
    -------
    pandas.DataFrame
        The ``outputs`` columns, one row per run in design order.

    Raises
    ------
    SolverError
        If any run failed.
    """
    runs = sweep(
        model,
        design,
        scenario=scenario,
        t_end=t_end,
        outputs=outputs,
        progress=False,
        chunk_size=chunk_size(len(design)),
    ).sort_index()
    failed = runs["status"] != "success"
    if failed.any():
        raise SolverError(
            f"{int(failed.sum())} of {len(runs)} runs failed (first: {runs['status'][failed].iloc[0]}); "
            "narrow the factor ranges"
        )
    return runs[list(outputs)]
