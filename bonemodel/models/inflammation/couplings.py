"""Cytokine -> bone couplings: TNF-alpha, IL-1beta and IL-6 act on the Pivonka 2008 core.

With T = TNF_free/TNF0, I1 = IL1b/IL1b0, I6 = IL6/IL6_0 (1 in health) and the rising and
falling responses up(x, g) = (1 + g x)/(1 + g), down(x, g) = (1 + g)/(1 + g x)::

    R = (T + I1 + w_R6 I6) / (2 + w_R6)                 (RANKL-inducing index)
    P_RANKL    <- P_RANKL up(R, c_RANKL)                 RANKL expression (osteoblast lineage,
                                                         osteocytes) under circulating cytokines
    P_RANKL    <- P_RANKL (1 + c_RANKL_syn ra_activity_eff TNF_free/TNF)
                                                         RANKL of RA synovial fibroblasts and T cells
    P_OPG      <- P_OPG down(R, c_OPG)                   lower OPG/RANKL ratio
    diff_OCp   <- diff_OCp up(T, c_OCp_TNF)              TNF acts with RANKL on OC precursors
    apop_OCa   <- apop_OCa down(I1, c_OCa_IL1)           IL-1 prolongs osteoclast survival
    diff_OBu   <- diff_OBu down(B, c_OB)                 DKK1/sclerostin and Runx2 suppression
    apop_OBa   <- apop_OBa up(B, c_OBa_apop)             more osteoblast apoptosis,
    with B = (T + I1)/2.

The synovial term is RA's own: in RA most RANKL comes from synovial fibroblasts and activated T
cells in proportion to disease activity (Takayanagi 2000; Danks 2016), driven by TNF (so anti-TNF
removes it: TNF_free/TNF is the fraction of TNF not neutralised), and it is not shared by
low-grade systemic inflammation, whose CRP is unrelated to BMD (clinical-targets Q3).

RANKL production is scaled through ``P_RANKL`` because in Pivonka's RANKL balance total RANKL
is nearly saturated in the carrying capacity ``RANKL_eff`` (elasticity 0.34) but
proportional to the production rate.
"""

from __future__ import annotations

from ...model import Model, Module
from ._common import S, down, params, require, up

NAME = "couplings"


def module(model: Model) -> Module:
    """The cytokine-to-bone module (needs 'cytokines').

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
    T, I1, I6 = S("tnf_ratio"), S("il1_ratio"), S("il6_ratio")
    expressions = {
        "rankl_index": (T + I1 + S("w_R6") * I6) / (2 + S("w_R6")),
        "ob_index": (T + I1) / 2,
    }
    modify = {
        "P_RANKL": lambda e: (
            e
            * up(S("rankl_index"), S("c_RANKL"))
            * (1 + S("c_RANKL_syn") * S("ra_activity_eff") * S("TNF_free") / S("TNF"))
        ),
        "P_OPG": lambda e: e * down(S("rankl_index"), S("c_OPG")),
        "diff_OCp": lambda e: e * up(T, S("c_OCp_TNF")),
        "apop_OCa": lambda e: e * down(I1, S("c_OCa_IL1")),
        "diff_OBu": lambda e: e * down(S("ob_index"), S("c_OB")),
        "apop_OBa": lambda e: e * up(S("ob_index"), S("c_OBa_apop")),
    }
    return Module(
        NAME,
        parameters=p,
        expressions=expressions,
        modify=modify,
        citations=p.citations,
        description="TNF/IL-1/IL-6 raise RANKL, lower OPG, activate and prolong osteoclasts, suppress osteoblasts",
    )
