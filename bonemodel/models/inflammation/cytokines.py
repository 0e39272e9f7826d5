"""Cytokines: TNF-alpha, IL-1beta and IL-6 under immune activation amplified by NF-kB, and CRP.

States (pg/mL, CRP in mg/L), each produced at its healthy baseline rate times a drive and
cleared first-order, so the healthy adult sits exactly at ``TNF0, IL1b0, IL6_0, CRP0``::

    A      = 1 + combine(a_RA ra_activity, systemic_activation, inflammaging, adipose_activation,
                         act_estrogen, act_oxidative)
    combine(a_1..a_n) = sqrt(eps^2 + sum a_i^2) - eps        (a smoothed Euclidean norm)
    NFkB_drive = A (1 - nfkb_inhibition) amp(x),  x = (TNF_free/TNF0 + IL1b/IL1b0)/2,
             amp(x) = (1 + g_auto x/(K_auto + x)) / (1 + g_auto/(K_auto + 1))   (bounded autocrine loop)
    NFkB   = 1 + (NFkB_drive - 1) cyto_damping                 (resolution damps the excess)
    dTNF/dt  = k_TNF TNF0 NFkB - k_TNF cyto_clearance TNF
    dIL1b/dt = k_IL1b IL1b0 NFkB^(1 - phi_IL1) (TNF_free/TNF0)^phi_IL1 - k_IL1b cyto_clearance IL1b
    dIL6/dt  = k_IL6 IL6_0 NFkB (1 + w_T TNF_free/TNF0 + w_1 IL1b/IL1b0)/(1 + w_T + w_1) - k_IL6 cyto_clearance IL6
    dCRP/dt  = k_CRP CRP0 (IL6/IL6_0)^n_CRP - k_CRP CRP      (hepatic acute-phase response)

Chronic activations share one pathway (NF-kB, the hepatic acute phase), so they combine
sub-additively: one condition gives its own activation, two equal ones ~1.4 times it (the
Euclidean norm, an assumption: additive activations gave sepsis-level CRP in comorbidity; an
integer exponent keeps the Jacobian finite where an activation is 0),
and an ageing patient with active RA is about as inflamed as RA alone, not RA plus inflammaging.
IL-1beta is made partly downstream of TNF (the cytokine cascade of the RA synovium, Brennan 1989;
``phi_IL1``): untreated, TNF follows NF-kB and nothing changes, but neutralising TNF also lowers
IL-1beta and, through both, IL-6 and CRP, as anti-TNF does within weeks (Elliott 1994).

``TNF_free`` (= TNF here) is what anti-TNF neutralises; ``cyto_damping`` and
``cyto_clearance`` (= 1 here) are what the resolution module rewrites; ``immune_activation``
and ``act_estrogen``, ``act_oxidative`` (0 here) and ``act_adipose`` are what the estrogen and
metabolic modules rewrite.
"""

from __future__ import annotations

import sympy as sp

from ...model import Input, Model, Module, Observable, State
from ._common import S, params

NAME = "cytokines"


def module(model: Model) -> Module:
    """The cytokine module (needs only the Pivonka core).

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
    TNF, IL1b, IL6, CRP = S("TNF"), S("IL1b"), S("IL6"), S("CRP")
    tnf_ratio = S("TNF_free") / S("TNF0")
    il1_ratio = IL1b / S("IL1b0")
    x = (tnf_ratio + il1_ratio) / 2
    amp = (1 + S("g_auto") * x / (S("K_auto") + x)) / (1 + S("g_auto") / (S("K_auto") + 1))
    eps = S("eps_act")
    activations = ("act_ra", "act_systemic", "act_ageing", "act_adipose", "act_estrogen", "act_oxidative")
    expressions = {
        "ra_activity_eff": S("ra_activity"),  # disease activity after DMARDs (module 'methotrexate')
        "act_ra": S("a_RA") * S("ra_activity_eff"),
        "act_systemic": S("systemic_activation"),
        "act_ageing": S("inflammaging"),
        "act_adipose": S("adipose_activation"),
        "act_estrogen": 0,
        "act_oxidative": 0,
        "immune_activation": 1 + sp.sqrt(eps**2 + sum(S(a) ** 2 for a in activations)) - eps,
        "TNF_free": TNF,
        "cyto_damping": 1,
        "cyto_clearance": 1,
        "NFkB_drive": S("immune_activation") * (1 - S("nfkb_inhibition")) * amp,
        "NFkB": 1 + (S("NFkB_drive") - 1) * S("cyto_damping"),
        "tnf_ratio": tnf_ratio,
        "il1_ratio": il1_ratio,
        "il6_ratio": IL6 / S("IL6_0"),
    }
    il6_drive = (1 + S("w_IL6_TNF") * tnf_ratio + S("w_IL6_IL1") * il1_ratio) / (
        1 + S("w_IL6_TNF") + S("w_IL6_IL1")
    )
    rhs = {
        "TNF": S("k_TNF") * S("TNF0") * S("NFkB") - S("k_TNF") * S("cyto_clearance") * TNF,
        "IL1b": S("k_IL1b") * S("IL1b0") * S("NFkB") ** (1 - S("phi_IL1")) * tnf_ratio ** S("phi_IL1")
        - S("k_IL1b") * S("cyto_clearance") * IL1b,
        "IL6": S("k_IL6") * S("IL6_0") * S("NFkB") * il6_drive - S("k_IL6") * S("cyto_clearance") * IL6,
        "CRP": S("k_CRP") * S("CRP0") * S("il6_ratio") ** S("n_CRP") - S("k_CRP") * CRP,
    }
    states = (
        State("TNF", "TNF0", "pg/mL", "TNF-alpha (total, serum-equivalent)", r"\mathrm{TNF}\alpha"),
        State("IL1b", "IL1b0", "pg/mL", "Interleukin-1 beta", r"\mathrm{IL}1\beta"),
        State("IL6", "IL6_0", "pg/mL", "Interleukin-6", r"\mathrm{IL}6"),
        State("CRP", "CRP0", "mg/L", "C-reactive protein (hepatic, driven by IL-6)", r"\mathrm{CRP}"),
    )
    inputs = (
        Input(
            "ra_activity",
            0.0,
            "1",
            "Rheumatoid arthritis disease activity (0 none, 0.25 low, 0.5 moderate, 1 high)",
        ),
        Input(
            "systemic_activation",
            0.0,
            "1",
            "Extra systemic immune activation (low-grade inflammation), in units of the healthy drive",
        ),
        Input(
            "inflammaging", 0.0, "1", "Age-related low-grade immune activation, in units of the healthy drive"
        ),
        Input(
            "adipose_activation",
            0.0,
            "1",
            "Immune activation from visceral adipose tissue (metabolic syndrome)",
        ),
        Input("nfkb_inhibition", 0.0, "1", "Fractional inhibition of NF-kB signalling (polyphenols), 0..1"),
    )
    observables = (
        Observable("tnf_pg_ml", TNF, "pg/mL", "TNF-alpha"),
        Observable("il1b_pg_ml", IL1b, "pg/mL", "IL-1beta"),
        Observable("il6_pg_ml", IL6, "pg/mL", "IL-6"),
        Observable("crp_mg_l", CRP, "mg/L", "C-reactive protein"),
    )
    return Module(
        NAME,
        states=states,
        inputs=inputs,
        parameters=p,
        expressions=expressions,
        rhs=rhs,
        observables=observables,
        citations=p.citations,
        description="TNF-alpha, IL-1beta, IL-6 under immune activation amplified through NF-kB; CRP from IL-6",
    )
