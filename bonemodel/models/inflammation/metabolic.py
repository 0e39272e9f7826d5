"""Metabolic: insulin resistance and hyperglycaemia raise oxidative stress (ROS), which activates
NF-kB and impairs osteoblasts; advanced glycation end products (AGEs) accumulate in the matrix
and lower bone quality without lowering BMD.

    IR = insulin_resistance (1 - metabolic_improvement),  G = glycemia (1 - metabolic_improvement)
    dROS/dt = k_ROS (1 + a_IR IR + a_gly G - ROS)                                   (1 = healthy)
    act_adipose <- act_adipose (1 - metabolic_improvement)         (only with 'cytokines')
    act_oxidative <- g_ROS max(ROS - 1, 0) / (1 + g_ROS)         (ROS activates NF-kB; only with 'cytokines')
    diff_OBp   <- diff_OBp down(ROS, h_ROS)                       (osteoblast maturation impaired)
    diff_OBu   <- diff_OBu (1 + c_ins ir_eff)                     (compensatory hyperinsulinaemia)
    dAGE/dt = tau_AGE/365.25 (1 + a_AGE_gly G + a_AGE_ROS (ROS - 1) - R_rel AGE)

Insulin resistance comes with compensatory hyperinsulinaemia, and insulin signalling in
osteoblasts is anabolic (Fulzele 2010, Ferron 2010): with the heavier skeletal load (module
'mechanical'), this is why people with type 2 diabetes have normal or higher BMD (Vestergaard 2007).
AGEs are made non-enzymatically in collagen and removed only when bone is resorbed (R_rel, from
'sites'; 1 without it), so they accumulate slowly and faster when turnover is low. They enter the
fracture-risk index (module 'outputs') as a bone-quality term, not BMD.
"""

from __future__ import annotations

import sympy as sp

from ...model import Input, Model, Module, Observable, State
from ._common import S, down, has, params

NAME = "metabolic"


def module(model: Model) -> Module:
    """The metabolic module (acts on the core; on NF-kB if 'cytokines' is on).

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
    ROS, AGE = S("ROS"), S("AGE")
    r_rel = S("R_rel") if has(model, "R_rel") else 1
    kept = 1 - S("metabolic_improvement")
    expressions = {"ir_eff": S("insulin_resistance") * kept, "glycemia_eff": S("glycemia") * kept}
    rhs = {
        "ROS": S("k_ROS") * (1 + S("a_IR") * S("ir_eff") + S("a_gly") * S("glycemia_eff") - ROS),
        "AGE": S("tau_AGE")
        / 365.25
        * (1 + S("a_AGE_gly") * S("glycemia_eff") + S("a_AGE_ROS") * (ROS - 1) - r_rel * AGE),
    }
    modify = {
        "diff_OBp": lambda e: e * down(ROS, S("h_ROS")),
        "diff_OBu": lambda e: e * (1 + S("c_ins") * S("ir_eff")),
    }
    if has(model, "act_oxidative"):
        # an activation among the others (combined sub-additively), not a factor on all of them:
        # oxidative stress in diabetes must not multiply the inflammation of a coexisting RA
        modify["act_oxidative"] = lambda e: e + S("g_ROS") * sp.Max(ROS - 1, 0) / (1 + S("g_ROS"))
    if has(model, "act_adipose"):
        modify["act_adipose"] = lambda e: e * kept
    return Module(
        NAME,
        states=(
            State("ROS", 1.0, "1", "Oxidative stress relative to healthy", r"\mathrm{ROS}"),
            State(
                "AGE",
                1.0,
                "1",
                "Advanced glycation end products in bone collagen, relative to healthy",
                r"\mathrm{AGE}",
            ),
        ),
        inputs=(
            Input(
                "insulin_resistance",
                0.0,
                "1",
                "Insulin resistance (0 healthy, 1 metabolic syndrome, ~1.5 type 2 diabetes)",
            ),
            Input("glycemia", 0.0, "1", "Chronic hyperglycaemia (0 normal; 1 ~ HbA1c 7.5 %)"),
            Input(
                "metabolic_improvement",
                0.0,
                "1",
                "Fraction by which diet/exercise/drugs lower insulin resistance, glycaemia and adipose inflammation",
            ),
        ),
        parameters=p,
        expressions=expressions,
        rhs=rhs,
        modify=modify,
        observables=(
            Observable("ros_rel", ROS, "1", "Oxidative stress relative to healthy"),
            Observable("age_rel", AGE, "1", "Bone AGE content relative to healthy"),
        ),
        citations=p.citations,
        description="Insulin resistance and glycaemia -> ROS -> NF-kB and osteoblasts; AGEs -> bone quality",
    )
