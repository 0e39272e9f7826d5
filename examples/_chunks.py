"""Chunk size of the sensitivity studies' sweeps.

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
