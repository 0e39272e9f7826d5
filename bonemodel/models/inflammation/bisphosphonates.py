"""Bisphosphonates (alendronate, zoledronate): a plasma compartment, drug bound to bone surfaces
and drug buried in bone, and an action on the osteoclasts that resorb drug-laden surfaces.

Per drug d (mg; ``alendronate_rate`` is oral, ``zoledronate_rate`` intravenous)::

    dP_d/dt = F_d rate_d - (kren_d + kupt_d) P_d + k_oc R_rel S_d + k_turn R_rel B_d
    dS_d/dt = kupt_d P_d - (k_bury F_rel + k_oc R_rel) S_d        (on bone surfaces)
    dB_d/dt = k_bury F_rel S_d - k_turn R_rel B_d                 (buried under new bone)

A dose is absorbed (alendronate: F < 1 %), filtered by the kidney or bound to bone within hours
(the fraction to bone is kupt/(kren + kupt)). Surface drug is covered by new bone (formation) or
taken up by resorbing osteoclasts (resorption), which return it to plasma when they die; buried
drug comes back when its bone is remodelled. Nothing is metabolised: the terminal half-life of
years is the skeleton's own turnover, and drug released by remodelling rebinds.

PD, through what osteoclasts take up from the surfaces they resorb::

    E = S_aln / EC50_aln + S_zol / EC50_zol,    u = E / (1 + E)
    resorption <- resorption (1 - i_res u)          (FPPS inhibition: less resorption per osteoclast)
    apop_OCa   <- apop_OCa (1 + a_apop u)            (and shorter osteoclast lives)
"""

from __future__ import annotations

from ...model import Input, Model, Module, Observable, State
from ._common import S, params

NAME = "bisphosphonates"
DRUGS = {"aln": "alendronate", "zol": "zoledronate"}


def module(model: Model) -> Module:
    """The bisphosphonate module (needs R_rel and F_rel from 'sites').

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
    R = S("R_rel") if "R_rel" in model.expressions else 1
    F = S("F_rel") if "F_rel" in model.expressions else 1
    states, rhs, inputs, observables = [], {}, [], []
    potency = 0
    for d, drug in DRUGS.items():
        P, Sd, B = S(f"P_{d}"), S(f"S_{d}"), S(f"B_{d}")
        rate = S(f"{drug}_rate")
        rhs[f"P_{d}"] = (
            S(f"F_{d}") * rate
            - (S(f"kren_{d}") + S(f"kupt_{d}")) * P
            + S("k_oc") * R * Sd
            + S("k_turn") * R * B
        )
        rhs[f"S_{d}"] = S(f"kupt_{d}") * P - (S("k_bury") * F + S("k_oc") * R) * Sd
        rhs[f"B_{d}"] = S("k_bury") * F * Sd - S("k_turn") * R * B
        states += [
            State(f"P_{d}", 0.0, "mg", f"{drug} in plasma and extracellular fluid", f"P_{{{d}}}"),
            State(f"S_{d}", 0.0, "mg", f"{drug} bound to bone surfaces", f"S_{{{d}}}"),
            State(f"B_{d}", 0.0, "mg", f"{drug} buried in bone matrix", f"B_{{{d}}}"),
        ]
        route = "oral" if d == "aln" else "intravenous"
        inputs.append(Input(f"{drug}_rate", 0.0, "mg/day", f"{drug.capitalize()} dosing rate ({route})"))
        observables += [
            Observable(
                f"{drug}_ng_ml",
                P / S(f"V_{d}") * 1000,
                "ng/mL",
                f"Plasma {drug} concentration",
            ),
            Observable(f"{drug}_bone_mg", Sd + B, "mg", f"{drug.capitalize()} retained in the skeleton"),
        ]
        potency = potency + Sd / S(f"EC50_{d}")
    u = potency / (1 + potency)
    return Module(
        NAME,
        states=tuple(states),
        inputs=tuple(inputs),
        parameters=p,
        expressions={"bisphosphonate_occupancy": u},
        rhs=rhs,
        modify={
            "resorption": lambda e: e * (1 - S("i_res") * S("bisphosphonate_occupancy")),
            "apop_OCa": lambda e: e * (1 + S("a_apop") * S("bisphosphonate_occupancy")),
        },
        observables=tuple(observables),
        citations=p.citations,
        description="Alendronate and zoledronate: plasma, bone-surface and buried drug; less resorption per osteoclast, shorter osteoclast lives",
    )
