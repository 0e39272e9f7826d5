"""Denosumab: a subcutaneous anti-RANKL antibody (Prolia 60 mg every 6 months).

PK (after Sutjandra 2011 and the Prolia label; one central compartment with linear and
target-mediated, saturable elimination, see ``_pk``)::

    dA_dmab/dt = denosumab_rate - ka A_dmab
    dC_dmab/dt = F ka A_dmab / V - kel C_dmab - Vmax C_dmab / (Km + C_dmab)     (ug/mL)

PD: denosumab binds RANKL like OPG does; only free RANKL reaches RANK::

    RANKL <- RANKL / (1 + C_dmab / IC50_dmab)

IC50_dmab is the clinical (in-vivo) concentration that halves free RANKL, calibrated to the CTX
suppression of FREEDOM; it is far above the binding Kd because bone RANKL turns over and the
antibody must reach it. With module 'precursors' on, osteoclast precursors accumulate while
RANKL is blocked and fuse when the drug is gone (the rebound after stopping).
"""

from __future__ import annotations

from ...model import Input, Model, Module, Observable
from ._common import S, params
from ._pk import depot_central

NAME = "denosumab"


def module(model: Model) -> Module:
    """The denosumab module (acts on the core's RANKL).

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
    states, rhs = depot_central("dmab", "denosumab_rate", amount_unit="mg", conc_unit="ug/mL", saturable=True)
    C = S("C_dmab")
    return Module(
        NAME,
        states=states,
        inputs=(
            Input("denosumab_rate", 0.0, "mg/day", "Denosumab dosing rate (each injection a short window)"),
        ),
        parameters=p,
        rhs=rhs,
        modify={"RANKL": lambda e: e / (1 + C / S("IC50_dmab"))},
        observables=(Observable("denosumab_ug_ml", C, "ug/mL", "Serum denosumab concentration"),),
        citations=p.citations,
        description="Denosumab PK (SC depot, linear + target-mediated elimination) binding RANKL",
    )
