"""Glucocorticoids (prednisolone-equivalent mg/day): fast-acting harm to bone cells and to bone
quality, and suppression of inflammation.

Prednisolone's plasma half-life is 2-4 h, so daily dosing is a steady exposure; its tissue
effects (osteoblast and osteocyte apoptosis, gene expression) follow within days::

    dG/dt = k_GC (gc_dose - G),     E = G / (G + ED50_GC)                 (0..1)
    diff_OBu   <- diff_OBu / (1 + g_OBu E)       fewer osteoblasts formed (Wnt/Runx2 suppression)
    apop_OBa   <- apop_OBa (1 + g_apop E)         osteoblast apoptosis (Weinstein 1998)
    P_RANKL    <- P_RANKL (1 + g_RANKL E),  P_OPG <- P_OPG / (1 + g_RANKL E)
    NFkB_drive <- NFkB_drive (1 - i_GC E)         anti-inflammatory (only with 'cytokines')
    matrix_quality <- matrix_quality / (1 + q_GC E)
                                                 osteocyte apoptosis: a loss of bone quality that
                                                 raises fracture risk beyond BMD and recedes
                                                 soon after stopping (van Staa 2000)
"""

from __future__ import annotations

from ...model import Input, Model, Module, Observable, State
from ._common import S, has, params

NAME = "glucocorticoid"


def module(model: Model) -> Module:
    """The glucocorticoid module (acts on the core; on inflammation and quality when present).

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
    E = S("gc_effect")
    modify = {
        "diff_OBu": lambda e: e / (1 + S("g_OBu") * E),
        "apop_OBa": lambda e: e * (1 + S("g_apop") * E),
        "P_RANKL": lambda e: e * (1 + S("g_RANKL") * E),
        "P_OPG": lambda e: e / (1 + S("g_RANKL") * E),
    }
    if has(model, "NFkB_drive"):
        modify["NFkB_drive"] = lambda e: e * (1 - S("i_GC") * E)
    if has(model, "matrix_quality"):
        modify["matrix_quality"] = lambda e: e / (1 + S("q_GC") * E)
    G = S("G_gc")
    return Module(
        NAME,
        states=(
            State(
                "G_gc",
                0.0,
                "mg/day",
                "Glucocorticoid exposure acting on tissue (prednisolone-equivalent)",
                "G",
            ),
        ),
        inputs=(Input("gc_dose", 0.0, "mg/day", "Glucocorticoid dose, prednisolone-equivalent"),),
        parameters=p,
        expressions={"gc_effect": G / (G + S("ED50_GC"))},
        rhs={"G_gc": S("k_GC") * (S("gc_dose") - G)},
        modify=modify,
        observables=(
            Observable(
                "glucocorticoid_mg_day", G, "mg/day", "Glucocorticoid exposure (prednisolone-equivalent)"
            ),
        ),
        citations=p.citations,
        description="Glucocorticoids: fewer, shorter-lived osteoblasts, RANKL/OPG up, osteocyte loss of quality; anti-inflammatory",
    )
