"""Osteoclast precursors as a pool that fills while RANKL is blocked (after Martinez-Reina,
Calvo-Gallego & Pivonka 2022; osteomorphs, McDonald 2021).

Pivonka 2008 holds the osteoclast precursors constant, so a RANKL blocker leaves nothing behind
when it stops. Here the precursors P (1 = healthy) are supplied at a constant rate, die or leave,
and are consumed when RANKL commits them to fuse::

    x = pi_act_RANKL_OCp / pi_RANKL_ref                  (RANKL signal relative to healthy)
    h = x (1 + K_pool) / (K_pool + x)                     (commitment, saturating near health)
    dP/dt = k_pool ((1 + c_pool) - P (1 + c_pool h))
    diff_OCp <- diff_OCp P

At x = 1, P = 1 and the core is unchanged. Commitment saturates at physiological RANKL (small
K_pool), so the ordinary ups and downs of RANKL (menopause, inflammation) barely move the pool;
deep RANKL inhibition (denosumab) stops commitment and P grows towards 1 + c_pool. When the
blocker goes, the accumulated precursors fuse at once and add to the rebound in resorption after
stopping denosumab (with the OPG lost with the osteoblasts during treatment, which the core
already has); neither is fitted to the rebound.
"""

from __future__ import annotations

from ...model import Model, Module, Observable, State
from ._common import S, params

NAME = "precursors"


def module(model: Model) -> Module:
    """The osteoclast-precursor pool (acts on the core).

    Parameters
    ----------
    model
        The model built so far: the Pivonka 2008 core with the modules that come before this one
        (in the canonical order of ``ALL``) applied.

    Returns
    -------
    Module
        The module's states, expressions, right-hand-side terms and observables, with its
        parameters (value, unit, source) read from its parameter file; rates in [unit/day].
    """
    p = params(NAME)
    P = S("OCp_pool")
    x = S("pi_act_RANKL_OCp") / S("pi_RANKL_ref")
    h = x * (1 + S("K_pool")) / (S("K_pool") + x)
    return Module(
        NAME,
        states=(
            State(
                "OCp_pool",
                1.0,
                "1",
                "Osteoclast precursors (incl. osteomorphs) relative to healthy",
                "P_{OC}",
            ),
        ),
        parameters=p,
        expressions={"pool_commitment": h},
        rhs={"OCp_pool": S("k_pool") * ((1 + S("c_pool")) - P * (1 + S("c_pool") * S("pool_commitment")))},
        modify={"diff_OCp": lambda e: e * P},
        observables=(Observable("ocp_pool_rel", P, "1", "Osteoclast precursor pool relative to healthy"),),
        citations=p.citations,
        description="Osteoclast precursor pool: fills while RANKL is blocked, empties into osteoclasts after",
    )
