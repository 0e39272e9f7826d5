"""Mineral: organic matrix (osteoid) mineralises in a fast primary and a slow secondary phase,
at a rate that needs absorbed calcium (intake x vitamin-D-dependent absorption) and magnesium;
resorption removes matrix and its mineral together; BMD follows mineral content.

Calcium economy (mg/day) and its two actions, on PTH (the remodeling rate) and on mineralisation::

    I = Ca_diet + Ca_supp,   D = D25_base + k_D25 vitD_supp            (25(OH)D, nmol/L)
    m = Mg_ratio = w(Mg_diet + Mg_supp)/w(Mg_ref),  w(x) = x/(K_Mg + x)
    Ca_abs = k_pass I + V_act D/(K_D + D) I/(K_act + I) m              (passive + active transport)
    ca_ratio = Ca_abs / Ca_abs(Ca_ref, D25_base, Mg_ref)
    PTH <- PTH ca_ratio^(-n_PTH)                                        (calcium-sensing receptor)
    s_min = sat(ca_ratio) sat(m),  sat(x) = x (1 + K_min)/(K_min + x)   (mineral supply)

Per compartment c (osteoid O_c, mineralised matrix V_c, mineral Min_c; fully mineralised = 1)::

    dO_c/dt   = form_c - k_mlt s_min O_c                                 (mineralisation lag)
    mineralisation_c = k_mlt s_min O_c
    dMin_c/dt = phi_p mineralisation_c + k_sec s_min (V_c - Min_c) - res_c Min_c / V_c
    bmd_c = Min_c / Min_c*,  Min_c* = (phi_p tau_c + k_sec)/(tau_c + k_sec)   (tau_c per day)

Calcium is raw material: with enough of it, s_min saturates and extra calcium acts only through
PTH; without matrix formation (form_c) it cannot become bone.
"""

from __future__ import annotations

import sympy as sp

from ...model import Input, Model, Module, Observable, State
from ._common import S, params, require
from .sites import COMPARTMENTS

NAME = "mineral"


def _absorbed(intake, d25, mg_ratio):
    return (
        S("k_pass") * intake + S("V_act") * d25 / (S("K_D") + d25) * intake / (S("K_act") + intake) * mg_ratio
    )


def _sat(x):
    return x * (1 + S("K_min")) / (S("K_min") + x)


def module(model: Model) -> Module:
    """The mineral module (needs 'sites').

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
    require(model, NAME, "sites")
    p = params(NAME)

    def w(x):
        return x / (S("K_Mg") + x)

    expressions = {
        "d25": S("D25_base") + S("k_D25") * S("vitD_supp"),
        "mg_ratio": w(S("Mg_diet") + S("Mg_supp")) / w(S("Mg_ref")),
        "ca_abs": _absorbed(S("Ca_diet") + S("Ca_supp"), S("d25"), S("mg_ratio")),
        "ca_abs_ref": _absorbed(S("Ca_ref"), S("D25_base"), 1),
        "ca_ratio": S("ca_abs") / S("ca_abs_ref"),
        "s_min": _sat(S("ca_ratio")) * _sat(S("mg_ratio")),
    }
    # Secondary hyperparathyroidism is bounded: below ca_ratio_floor absorbed calcium raises PTH
    # no further (at most ca_ratio_floor^-n_PTH, ~3x), so an intake of 0 stays finite.
    pth_drive = sp.Max(S("ca_ratio"), S("ca_ratio_floor")) ** (-S("n_PTH"))
    rhs, states, modify = {}, [], {"PTH": lambda e: e * pth_drive}
    for c in COMPARTMENTS:
        osteoid, V, M = S(f"O_{c}"), S(f"V_{c}"), S(f"Min_{c}")
        rate = S(f"tau_{c}") / 365.25
        expressions[f"Min_ref_{c}"] = (S("phi_p") * rate + S("k_sec")) / (rate + S("k_sec"))
        rhs[f"O_{c}"] = S(f"form_{c}") - S("k_mlt") * S("s_min") * osteoid
        rhs[f"Min_{c}"] = (
            S("phi_p") * S(f"mineralisation_{c}") + S("k_sec") * S("s_min") * (V - M) - S(f"res_{c}") * M / V
        )
        modify[f"mineralisation_{c}"] = lambda e, osteoid=osteoid: S("k_mlt") * S("s_min") * osteoid
        modify[f"bmd_{c}"] = lambda e, M=M, c=c: M / S(f"Min_ref_{c}")
        what = "trabecular" if c == "trab" else "cortical"
        states.append(
            State(
                f"O_{c}",
                rate / S("k_mlt"),
                "1",
                f"Osteoid (unmineralised {what} matrix), relative to healthy bone volume",
                f"O_{{{c}}}",
            )
        )
        states.append(
            State(
                f"Min_{c}",
                (S("phi_p") * rate + S("k_sec")) / (rate + S("k_sec")),
                "1",
                f"Mineral content of {what} bone (1 = fully mineralised healthy volume)",
                f"M_{{{c}}}",
            )
        )
    inputs = (
        Input("Ca_diet", 800.0, "mg/day", "Dietary calcium intake"),
        Input("Ca_supp", 0.0, "mg/day", "Supplemental calcium"),
        Input("vitD_supp", 0.0, "IU/day", "Supplemental vitamin D3"),
        Input("Mg_diet", 300.0, "mg/day", "Dietary magnesium intake"),
        Input("Mg_supp", 0.0, "mg/day", "Supplemental magnesium"),
    )
    observables = (
        Observable("ca_abs_mg_day", S("ca_abs"), "mg/day", "Absorbed calcium"),
        Observable(
            "pth_rel", S("ca_ratio") ** (-S("n_PTH")), "1", "PTH relative to the calcium-replete adult"
        ),
        Observable(
            "osteoid_trab_rel",
            S("O_trab") / (S("tau_trab") / 365.25 / S("k_mlt")),
            "1",
            "Trabecular osteoid relative to healthy",
        ),
    )
    return Module(
        NAME,
        states=tuple(states),
        inputs=inputs,
        parameters=p,
        expressions=expressions,
        rhs=rhs,
        modify=modify,
        observables=observables,
        citations=p.citations,
        description="Matrix, primary and secondary mineralisation needing calcium (vitamin D) and magnesium",
    )
