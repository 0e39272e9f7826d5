"""Glucocorticoids (prednisolone-equivalent mg/day): fast-acting harm to bone cells and to bone
quality, and suppression of inflammation.

Prednisolone's plasma half-life is 2-4 h, so daily dosing is a steady exposure; its tissue
effects (osteoblast and osteocyte apoptosis, gene expression) follow within days::

    dG/dt = k_GC (gc_dose - G),     E = G / (G + ED50_GC)                 (0..1)
    apop_OCa   <- apop_OCa / (1 + g_OCa E)        osteoclasts live longer (Weinstein 2002)
    P_RANKL    <- P_RANKL (1 + g_RANKL E),  P_OPG <- P_OPG / (1 + g_RANKL E)
    formation  <- formation / (1 + g_form E)     less matrix made by each osteoblast (Reid 1997;
                                                 osteocalcin falls within a day, Godschalk 1988)
    diff_OBu   <- diff_OBu / (1 + g_OBu E)       fewer osteoblasts formed (Weinstein 1998)
    apop_OBa   <- apop_OBa (1 + g_apop E)         osteoblast apoptosis (Weinstein 1998)
    NFkB_drive <- NFkB_drive (1 - i_GC E)         anti-inflammatory (only with 'cytokines')
    matrix_quality <- matrix_quality / (1 + q_GC E)
                                                 osteocyte apoptosis: a loss of bone quality that
                                                 raises fracture risk beyond BMD and recedes
                                                 soon after stopping (van Staa 2000)

Why the loss is front-loaded and comes back after a course (PROPOSAL; the parts are published,
their assembly into this time course is ours). The effects are constant while the drug is taken;
the time course comes from the remodeling cycle of the core (module 'sites'):

* within days, each osteoblast at work makes less matrix: formation markers fall before the
  osteoblast number can change (Godschalk 1988; Gram 1998: PICP -26 % in a week of 20 mg/day);
* within weeks, longer-lived osteoclasts (Weinstein 2002: "the early loss of bone with
  glucocorticoid excess is caused by extension of the life span of pre-existing osteoclasts")
  and more RANKL/less OPG raise resorption, while the osteoblasts that would refill the new
  cavities come only through the slow osteoblast lineage (TGF-beta coupling, ``lam_OB``): the
  remodeling space opens and BMD falls fast (Compston 2018: formation inhibited, resorption
  increased early);
* over the following months the osteoblast number follows resorption up, the remodeling space
  reaches the size that the raised turnover keeps open, and the loss slows to what the lasting
  imbalance of each remodeling unit (less matrix per osteoblast, ``g_form``) leaves: the biphasic
  loss of Canalis 2007 (a rapid first phase, then a slower progressive decline);
* after stopping, resorption falls back within weeks while the osteoblasts recruited during the
  course, each making its full matrix again, keep forming bone for months: the open remodeling
  space refills, and trabecular BMD comes back (Laan 1993: -8.2 % in 20 weeks, +5.3 % within 24
  weeks of stopping; less here, see below);
* the quality loss and the stress-riser effect of open cavities (module 'quality') raise
  fracture risk within weeks and recede within months of stopping (van Staa 2000, 2002).

What the fit makes of it (calibrate.py --stage glucocorticoid, D4): less matrix per osteoblast
carries the formation deficit (g_form 0.81: 15 % less at 7.5 mg/day), so P1NP falls 17 % within
weeks on 7.5 mg/day and ~24 % in a week of 20 mg/day (Gram 1998), and the loss goes on after the
first year (1.6 %/yr in year 5, D4_spine_late met). Osteoblast apoptosis and recruitment
(g_apop, g_OBu) stay at their lower bounds: in the Pivonka core fewer osteoblasts also make less
OPG, so resorption would rise with the deficit. What the formation markers cost: the osteoclast
lifespan that opened the remodeling space is shorter (g_OCa 1.27, was 3.24), because the
osteoblasts it recruits raise P1NP above placebo; with less space to refill after stopping,
trabecular BMD comes back 1.3 points within 24 weeks of Laan's course (D4_laan_off missed; 5.3
published) and the first-year spine loss sits a hair outside its band (-5.05 %). P1NP comes back
to placebo's level by 12 months (the edge of D4_p1np_12m) while CTX stays ~18 % up: turnover stays
raised on the drug, where biopsies of long-term users show it low (Weinstein 1998); the model has
no mechanism that lowers osteoclastogenesis over the months of a course (docs/drugs.md, known
limitations).
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
        # less matrix made by each osteoblast at work: formation falls within days, before the
        # osteoblast number can change, and without the OPG that fewer osteoblasts would withdraw
        "formation": lambda e: e / (1 + S("g_form") * E),
        "P_RANKL": lambda e: e * (1 + S("g_RANKL") * E),
        "P_OPG": lambda e: e / (1 + S("g_RANKL") * E),
        # longer-lived osteoclasts; module 'quality' reads the same lifespan for cavity depth
        "apop_OCa": lambda e: e / (1 + S("g_OCa") * E),
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
        description=(
            "Glucocorticoids: less matrix per osteoblast, longer-lived osteoclasts, RANKL/OPG up, fewer and "
            "shorter-lived osteoblasts, osteocyte loss of quality; anti-inflammatory"
        ),
    )
