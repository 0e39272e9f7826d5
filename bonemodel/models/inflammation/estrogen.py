"""Estrogen: menopause as a falling estradiol level acting on RANKL, OPG, osteoclast lifespan
and T-cell cytokine production.

    dE2/dt = k_E2 (E2_drive - E2)            (E2 relative to premenopausal; the transition
                                              smooths a step of the target over ~1-2 years;
                                              E2_drive = E2_target, changed with age in men by
                                              the 'lifespan' module)
    d = 1 - E2                               (estrogen deficiency)
    P_RANKL   <- P_RANKL (1 + e_RANKL d)
    P_OPG     <- P_OPG / (1 + e_OPG d)
    apop_OCa  <- apop_OCa / (1 + e_OCa d)     (estrogen drives osteoclast apoptosis via FasL)
    apop_OBa  <- apop_OBa (1 + e_OBa d)
    diff_OBu  <- diff_OBu (1 + e_OBu d)       (more osteoblast progenitors: turnover rises, partly coupled)
    act_estrogen <- e_imm d                 (T-cell TNF/IL-1 activation; only with 'cytokines')
"""

from __future__ import annotations

from ...model import Input, Model, Module, Observable, State
from ._common import S, has, params

NAME = "estrogen"


def module(model: Model) -> Module:
    """The estrogen module (acts on the core; adds to immune activation if 'cytokines' is on).

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
    E2 = S("E2")
    d = S("estrogen_deficiency")
    modify = {
        "P_RANKL": lambda e: e * (1 + S("e_RANKL") * d),
        "P_OPG": lambda e: e / (1 + S("e_OPG") * d),
        "apop_OCa": lambda e: e / (1 + S("e_OCa") * d),
        "apop_OBa": lambda e: e * (1 + S("e_OBa") * d),
        "diff_OBu": lambda e: e * (1 + S("e_OBu") * d),
    }
    if has(model, "act_estrogen"):
        modify["act_estrogen"] = lambda e: e + S("e_imm") * d
    return Module(
        NAME,
        states=(State("E2", 1.0, "1", "Estradiol relative to the premenopausal level", r"E_2"),),
        inputs=(
            Input(
                "E2_target",
                1.0,
                "1",
                "Estradiol level the ovaries (or HRT) drive towards, relative to premenopausal",
            ),
        ),
        parameters=p,
        expressions={"estrogen_deficiency": 1 - E2, "E2_drive": S("E2_target")},
        rhs={"E2": S("k_E2") * (S("E2_drive") - E2)},
        modify=modify,
        observables=(Observable("e2_rel", E2, "1", "Estradiol relative to premenopausal"),),
        citations=p.citations,
        description="Estrogen withdrawal raises RANKL, lowers OPG, prolongs osteoclast life and raises T-cell cytokines",
    )
