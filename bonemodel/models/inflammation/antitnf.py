"""Anti-TNF therapy (adalimumab / infliximab): one PK compartment that neutralises TNF-alpha.

    dC_aTNF/dt = F_aTNF antiTNF_rate / V_aTNF - k_aTNF C_aTNF          (mg/L)
    TNF_free  <- TNF_free / (1 + C_aTNF / EC50_aTNF)

``antiTNF_rate`` is the dosing rate in mg/day (a scenario gives either the average rate of a
regimen, e.g. 40 mg every 14 days = 2.86 mg/day, or rectangular doses). Only free TNF acts
downstream: on NF-kB (hence IL-1beta, IL-6 and CRP) and on bone.
"""

from __future__ import annotations

from ...model import Input, Model, Module, Observable, State
from ._common import S, params, require

NAME = "antitnf"


def module(model: Model) -> Module:
    """The anti-TNF module (needs 'cytokines').

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
    C = S("C_aTNF")
    rhs = {"C_aTNF": S("F_aTNF") * S("antiTNF_rate") / S("V_aTNF") - S("k_aTNF") * C}
    return Module(
        NAME,
        states=(State("C_aTNF", 0.0, "mg/L", "Serum concentration of the anti-TNF antibody", r"C_{aTNF}"),),
        inputs=(
            Input(
                "antiTNF_rate",
                0.0,
                "mg/day",
                "Anti-TNF dosing rate (average of the regimen, or a dose window)",
            ),
        ),
        parameters=p,
        rhs=rhs,
        modify={"TNF_free": lambda e: e / (1 + C / S("EC50_aTNF"))},
        observables=(Observable("antitnf_mg_l", C, "mg/L", "Serum anti-TNF antibody concentration"),),
        citations=p.citations,
        description="Anti-TNF antibody PK (one compartment) neutralising TNF-alpha",
    )
