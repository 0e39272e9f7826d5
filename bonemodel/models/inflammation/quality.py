"""Bone quality: tissue mineralisation, trabecular connectivity (perforation), matrix AGEs and
the strength of each DXA site, which fracture risk (module 'outputs') then follows.

Tissue mineral density (TMD) is the mineral per unit of mineralised matrix, relative to the
healthy adult; DXA BMD is bone volume x TMD (module 'mineral')::

    tmd_c    = (Min_c / V_c) / Min_ref_c                         (1 without 'mineral')
    vol_site = f_site V_trab + (1 - f_site) V_cort,   tmd_site = bmd_site / vol_site

High turnover leaves more young, less mineralised bone (TMD falls); suppressed turnover lets
secondary mineralisation (time constant 1/k_sec ~ 1.4 yr) mature it (TMD rises).

Trabecular connectivity N (1 = a healthy adult of the same age) is lost when a resorption cavity
cuts through a trabecula, and is never regained (PROPOSAL: no published ODE exists)::

    depth_rel = L_OC^d_life        cavity depth; L_OC = osteoclast lifespan (IL-1, estrogen loss)
    th_rel    = V_trab / N                                  mean trabecular thickness (thinning)
    x         = max(0, R_rel (depth_rel / th_rel)^n_perf - 1)
    dN/dt     = -k_perf tau_trab/365.25 N x^2 / (x + perf_smooth)

x is the perforation rate per trabecula in excess of the healthy adult's (whose slow
age-related loss belongs to the matched control): cavities are dug R_rel times as often, and the
chance that one cuts through rises steeply (n_perf) with the ratio of cavity depth to thickness.
n_perf and k_perf are derived from the cavity and thickness data (see the parameter file);
x^2/(x + perf_smooth) turns the rate on smoothly where x leaves 0 (a kink there made stiff
integrators crawl) and is x - perf_smooth + O(perf_smooth^2/x) above it.
Thinning is reversible (V_trab refills), perforation is not: the two leave different marks on
strength (van der Linden 2001: the same loss as perforations costs far more stiffness).

Strength of each compartment and site (relative to healthy)::

    S_trab = bmd_trab^k_rho N^a_N R_rel^-s_cav m,     S_cort = bmd_cort^k_rho R_rel^-s_cav m
    m      = xlink_enz^m_enz / (1 + m_AGE (AGE - 1))     (matrix: enzymatic and AGE cross-links)
    strength_site = f_site S_trab + (1 - f_site) S_cort

with the density-strength law (Carter & Hayes 1977: strength ~ apparent density^2), the extra
stiffness cost of lost connectivity (a_N), open resorption cavities as stress risers (s_cav,
Slyfield 2012) and the matrix term. The trabecular bone score analogue combines connectivity and
thickness::

    tbs = N^t_N th_rel^t_Th

Enzymatic collagen cross-links (PROPOSAL: no published ODE exists; Saito & Marumo 2010, 2013).
Lysyl oxidase (LOX) cross-links collagen as it is laid down; oxidative stress and hyperglycaemia
lower its activity, so new matrix carries fewer cross-links. X is their content per collagen,
relative to healthy; it changes only where new matrix replaces old (formation, F_rel), and the
share of them that has matured into trivalent pyridinoline cross-links falls when much of the
matrix is young (maturation k_xl >> turnover, so that share is taken at quasi-steady state)::

    lox       = 1 / (1 + l_ox max(ROS - 1, 0))                     (1 without 'metabolic')
    tau_skel  = f_skel_trab tau_trab + (1 - f_skel_trab) tau_cort      (whole-skeleton turnover)
    dX/dt     = tau_skel/365.25 F_rel (lox - X)
    xlink_enz = X (k_xl + tau_skel) / (k_xl + tau_skel F_rel)        (mature enzymatic, 1 = healthy)

Unlike AGEs, they are beneficial: fewer of them lower the post-yield toughness of the matrix.
"""

from __future__ import annotations

import sympy as sp

from ...model import Model, Module, Observable, State
from ._common import S, params, require

NAME = "quality"


def module(model: Model) -> Module:
    """The bone-quality module (needs 'sites'; uses 'mineral' and 'metabolic' when present).

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
    mineral = "Min_trab" in model.state_names
    N = S("N_trab")
    expressions = {}
    for c in ("trab", "cort"):
        expressions[f"tmd_{c}"] = (
            S(f"Min_{c}") / S(f"V_{c}") / S(f"Min_ref_{c}") if mineral else sp.Integer(1)
        )
    for site in ("spine", "hip"):
        f = S(f"f_{site}_trab")
        expressions[f"vol_{site}"] = f * S("V_trab") + (1 - f) * S("V_cort")
        expressions[f"tmd_{site}"] = S(f"bmd_{site}") / S(f"vol_{site}")
    # Osteoclast lifespan relative to the healthy adult, from the signals that prolong it at a
    # resorption site (IL-1, estrogen loss; later modules may add more): the core's own terms
    # (A_OCa OCa pi_act_TGFb_OCa) cancel. The core's TGF-beta feedback is left out on purpose: in
    # it, less resorption means less TGF-beta and longer-lived osteoclasts, which would make an
    # antiresorptive dig deeper cavities, the opposite of what biopsies show.
    expressions["oc_lifespan_rel"] = S("A_OCa") * S("OCa") * S("pi_act_TGFb_OCa") / S("apop_OCa")
    expressions["cavity_depth_rel"] = S("oc_lifespan_rel") ** S("d_life")
    expressions["trab_thickness_rel"] = S("V_trab") / N
    expressions["perforation_drive"] = (
        S("R_rel") * (S("cavity_depth_rel") / S("trab_thickness_rel")) ** S("n_perf") - 1
    )
    ros = S("ROS") if "ROS" in model.state_names else sp.Integer(1)
    expressions["lox_activity"] = 1 / (1 + S("l_ox") * sp.Max(ros - 1, 0))
    # whole-skeleton turnover [1/yr] from the two compartments of 'sites'
    f_skel = S("f_skel_trab")
    turnover = f_skel * S("tau_trab") + (1 - f_skel) * S("tau_cort")
    expressions["xlink_enz"] = S("X_enz") * (S("k_xl") + turnover) / (S("k_xl") + turnover * S("F_rel"))
    age_term = 1 + S("m_AGE") * (S("AGE") - 1) if "AGE" in model.state_names else sp.Integer(1)
    expressions["matrix_quality"] = S("xlink_enz") ** S("m_enz") / age_term
    stress_risers = S("R_rel") ** (-S("s_cav"))
    expressions["strength_trab"] = (
        S("bmd_trab") ** S("k_rho") * N ** S("a_N") * stress_risers * S("matrix_quality")
    )
    expressions["strength_cort"] = S("bmd_cort") ** S("k_rho") * stress_risers * S("matrix_quality")
    for site in ("spine", "hip"):
        f = S(f"f_{site}_trab")
        expressions[f"strength_{site}"] = f * S("strength_trab") + (1 - f) * S("strength_cort")
    expressions["tbs"] = N ** S("t_N") * S("trab_thickness_rel") ** S("t_Th")
    rate = S("k_perf") * S("tau_trab") / 365.25
    excess = sp.Max(0, S("perforation_drive"))
    rhs = {
        "N_trab": -rate * N * excess**2 / (excess + S("perf_smooth")),
        "X_enz": turnover / 365.25 * S("F_rel") * (S("lox_activity") - S("X_enz")),
    }
    observables = (
        Observable(
            "tmd_spine_pct",
            S("tmd_spine"),
            "%",
            "Tissue mineral density, spine, % change from the start",
            baseline="start",
        ),
        Observable(
            "tmd_hip_pct",
            S("tmd_hip"),
            "%",
            "Tissue mineral density, hip, % change from the start",
            baseline="start",
        ),
        Observable(
            "tbs_pct",
            S("tbs"),
            "%",
            "Trabecular bone score analogue (spine), % change from the start",
            baseline="start",
        ),
        Observable(
            "age_index",
            S("AGE") if "AGE" in model.state_names else sp.Integer(1),
            "1",
            "AGE cross-links in bone collagen relative to the healthy steady state (1 = healthy)",
        ),
        Observable(
            "strength_spine_pct",
            S("strength_spine"),
            "%",
            "Vertebral strength, % change from the start",
            baseline="start",
        ),
        Observable(
            "strength_hip_pct",
            S("strength_hip"),
            "%",
            "Femoral (hip) strength, % change from the start",
            baseline="start",
        ),
        Observable(
            "xlink_enz_index",
            S("xlink_enz"),
            "1",
            "Mature enzymatic collagen cross-links relative to the healthy steady state (1 = healthy)",
        ),
        Observable("connectivity_rel", N, "1", "Trabecular connectivity relative to a healthy adult"),
        Observable(
            "tmd_trab_rel", S("tmd_trab"), "1", "Trabecular tissue mineral density relative to healthy"
        ),
        Observable("strength_spine_rel", S("strength_spine"), "1", "Vertebral strength relative to healthy"),
        Observable("strength_hip_rel", S("strength_hip"), "1", "Femoral strength relative to healthy"),
    )
    return Module(
        NAME,
        states=(
            State("N_trab", 1.0, "1", "Trabecular connectivity relative to a healthy adult", "N_{trab}"),
            State(
                "X_enz",
                1.0,
                "1",
                "Enzymatic (lysyl oxidase) collagen cross-links per collagen, relative to healthy",
                "X_{enz}",
            ),
        ),
        parameters=p,
        expressions=expressions,
        rhs=rhs,
        observables=observables,
        citations=p.citations,
        description="Tissue mineralisation, trabecular perforation, matrix cross-links -> strength of spine and hip",
    )
