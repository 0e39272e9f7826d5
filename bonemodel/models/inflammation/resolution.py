"""Resolution: specialised pro-resolving mediators (SPMs) made from EPA/DHA damp inflammation.

Resolution is an active programme, not the mere absence of a stimulus: inflammation itself
induces SPM synthesis (lipid-mediator class switching), and SPMs both damp NF-kB-driven
cytokine production and speed the clearance of the inflammatory excess (efferocytosis).
The SPM pool (1 at the healthy Western intake of EPA+DHA) follows its substrate supply::

    supply = w(omega3_diet + omega3_supp) / w(omega3_diet),   w(x) = x / (K_omega3 + x)
    dSPM/dt = k_SPM (supply (1 + s_SPM_inf NFkB)/(1 + s_SPM_inf) - SPM)
    cyto_damping   <- cyto_damping (1 + r_damp) / (1 + r_damp SPM)
    cyto_clearance <- cyto_clearance (1 + r_clear (SPM - 1) E / (K_res + E)),  E = max(NFkB_drive - 1, 0)

Both effects act on the inflammatory excess only, so in a healthy person omega-3 leaves
cytokines and CRP essentially unchanged (as the trials in postmenopausal women found, T10).
"""

from __future__ import annotations

import sympy as sp

from ...model import Input, Model, Module, Observable, State
from ._common import S, down, params, require

NAME = "resolution"


def module(model: Model) -> Module:
    """The resolution module (needs 'cytokines').

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
    SPM = S("SPM")

    def w(x):
        return x / (S("K_omega3") + x)

    supply = w(S("omega3_diet") + S("omega3_supp")) / w(S("omega3_diet"))
    excess = sp.Max(S("NFkB_drive") - 1, 0)
    expressions = {"spm_supply": supply}
    rhs = {
        "SPM": S("k_SPM") * (S("spm_supply") * (1 + S("s_SPM_inf") * S("NFkB")) / (1 + S("s_SPM_inf")) - SPM)
    }
    modify = {
        "cyto_damping": lambda e: e * down(SPM, S("r_damp")),
        "cyto_clearance": lambda e: e * (1 + S("r_clear") * (SPM - 1) * excess / (S("K_res") + excess)),
    }
    return Module(
        NAME,
        states=(
            State(
                "SPM",
                1.0,
                "1",
                "Pro-resolving mediator pool (resolvins, protectins, maresins), 1 = healthy",
                r"\mathrm{SPM}",
            ),
        ),
        inputs=(Input("omega3_supp", 0.0, "g/day", "Supplemental EPA+DHA"),),
        parameters=p,
        expressions=expressions,
        rhs=rhs,
        modify=modify,
        observables=(Observable("spm_rel", SPM, "1", "Pro-resolving mediators relative to healthy"),),
        citations=p.citations,
        description="SPMs from EPA/DHA, induced by inflammation, damping cytokine production and speeding clearance",
    )
