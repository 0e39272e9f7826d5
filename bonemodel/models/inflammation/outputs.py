"""Outputs: clinical observables, including a fracture-risk index relative to a healthy adult.

    bmd_spine_pct, bmd_hip_pct   % change of site BMD from the simulation's start
    bvtv_trab_pct                % change of trabecular bone volume (matrix incl. osteoid)
    tscore_change_spine/_hip     change of T-score (SD) from the healthy adult
    ctx_pct, p1np_pct            % change of resorption (CTX) and formation (P1NP) from the start
    rankl_opg                    free RANKL / OPG relative to the healthy adult (fold)
    crp_mg_l                     (from 'cytokines')
    fracture_rr_site = G_site^(-z_site) x RR_ind,  z_site = (bmd_site - 1) 100 / SD_pct_site
    RR_ind = (CRP/CRP0)^beta_CRP  x  R_rel^beta_turn  x  (1 + beta_AGE (AGE - 1))

With module 'quality' on, fracture risk follows strength instead (Kopperdahl 2014 gradients)::

    fracture_rr_site = Gs_site^(-zs_site) x (CRP/CRP0)^beta_CRP,
    zs_site = (strength_site - 1) 100 / SD_pct_strength_site

where turnover and AGEs act inside strength (module 'quality') and the CRP term is the
non-skeletal part of inflammation's association with fracture (falls, frailty).

The BMD gradient G (relative risk per SD decrease: hip BMD for hip fracture, spine BMD for
vertebral fracture) comes from meta-analyses; the independent term carries what the data show
predicts fracture beyond BMD: inflammation (CRP), high turnover and, in diabetes, the AGE-laden
matrix. Each factor is 1 when its module is off.
"""

from __future__ import annotations

from ...model import Model, Module, Observable
from ._common import S, has, params, require

NAME = "outputs"


def module(model: Model) -> Module:
    """The outputs module (needs 'sites').

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
    strength = has(model, "strength_hip")
    # With 'quality' on, turnover (stress risers, young mineral) and AGEs act through strength;
    # only the non-skeletal part of CRP's association stays outside it.
    ind = 1 if strength else S("R_rel") ** S("beta_turn")
    if has(model, "il6_ratio"):
        ind = ind * (S("CRP") / S("CRP0")) ** S("beta_CRP")
    if "AGE" in model.state_names and not strength:
        ind = ind * (1 + S("beta_AGE") * (S("AGE") - 1))
    expressions = {
        "fracture_independent": ind,
        "z_hip": (S("bmd_hip") - 1) * 100 / S("SD_pct_hip"),
        "z_spine": (S("bmd_spine") - 1) * 100 / S("SD_pct_spine"),
    }
    bvtv = S("V_trab") + (S("O_trab") if "O_trab" in model.state_names else 0)
    if strength:
        expressions["zs_hip"] = (S("strength_hip") - 1) * 100 / S("SD_pct_strength_hip")
        expressions["zs_spine"] = (S("strength_spine") - 1) * 100 / S("SD_pct_strength_spine")
        rr_hip = S("G_strength_hip") ** (-S("zs_hip")) * S("fracture_independent")
        rr_vert = S("G_strength_vert") ** (-S("zs_spine")) * S("fracture_independent")
    else:
        rr_hip = S("G_hip") ** (-S("z_hip")) * S("fracture_independent")
        rr_vert = S("G_vert") ** (-S("z_spine")) * S("fracture_independent")
    observables = (
        Observable(
            "bmd_spine_pct",
            S("bmd_spine"),
            "%",
            "Lumbar spine BMD, % change from the start",
            baseline="start",
        ),
        Observable(
            "bmd_hip_pct", S("bmd_hip"), "%", "Total hip BMD, % change from the start", baseline="start"
        ),
        Observable(
            "ctx_pct",
            S("R_rel"),
            "%",
            "Serum CTX (bone resorption), % change from the start",
            baseline="start",
        ),
        Observable(
            "p1np_pct",
            S("F_rel"),
            "%",
            "Serum P1NP (bone formation), % change from the start",
            baseline="start",
        ),
        Observable(
            "rankl_opg",
            S("RANKL") / S("OPG") / S("rankl_opg_ref"),
            "1",
            "Free RANKL/OPG ratio relative to the healthy adult",
        ),
        Observable(
            "fracture_rr_hip", rr_hip, "1", "Hip fracture relative risk vs a healthy adult of the same age"
        ),
        Observable(
            "fracture_rr_vertebral",
            rr_vert,
            "1",
            "Vertebral fracture relative risk vs a healthy adult of the same age",
        ),
        Observable(
            "bvtv_trab_pct",
            bvtv,
            "%",
            "Trabecular bone volume (BV/TV: matrix incl. osteoid), % change from the start",
            baseline="start",
        ),
        Observable(
            "tscore_change_spine", S("z_spine"), "SD", "Change of spine T-score from the healthy adult"
        ),
        Observable("tscore_change_hip", S("z_hip"), "SD", "Change of hip T-score from the healthy adult"),
        Observable(
            "fracture_rr_independent",
            S("fracture_independent"),
            "1",
            "Fracture risk factor independent of BMD",
        ),
    )
    return Module(
        NAME,
        parameters=p,
        expressions=expressions,
        observables=observables,
        citations=p.citations,
        description="Clinical observables and the fracture-risk index",
    )
