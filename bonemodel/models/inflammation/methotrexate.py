"""Methotrexate (conventional DMARD): lowers rheumatoid-arthritis disease activity and has no
direct action on bone cells (clinical target D5). Its effect builds over 6-12 weeks::

    dM/dt = k_MTX (mtx - M),     ra_activity_eff <- ra_activity_eff (1 - e_MTX M)

so both the synovial immune activation and the synovial RANKL of RA fall with it.

``mtx`` is 1 while the patient takes methotrexate (weekly oral 15-25 mg; no PK is modelled:
its anti-inflammatory action outlasts the plasma drug by far).
"""

from __future__ import annotations

from ...model import Input, Model, Module, Observable, State
from ._common import S, params, require

NAME = "methotrexate"


def module(model: Model) -> Module:
    """The methotrexate module (needs 'cytokines').

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
    require(model, NAME, "cytokines")
    p = params(NAME)
    M = S("M_mtx")
    return Module(
        NAME,
        states=(
            State("M_mtx", 0.0, "1", "Methotrexate's suppression of RA activity, built up over weeks", "M"),
        ),
        inputs=(Input("mtx", 0.0, "1", "1 while the patient takes methotrexate, else 0"),),
        parameters=p,
        rhs={"M_mtx": S("k_MTX") * (S("mtx") - M)},
        modify={"ra_activity_eff": lambda e: e * (1 - S("e_MTX") * M)},
        observables=(
            Observable(
                "methotrexate_effect",
                S("e_MTX") * M,
                "1",
                "Fraction of RA activity suppressed by methotrexate",
            ),
        ),
        citations=p.citations,
        description="Methotrexate lowers RA disease activity; no direct bone action",
    )
