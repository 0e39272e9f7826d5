"""Pivonka et al. 2008: bone cell populations controlled by TGF-beta, RANK/RANKL/OPG and PTH.

Pivonka P, Zimak J, Smith DW, Gardiner BS, Dunstan CR, Sims NA, Martin TJ, Mundy GR (2008).
Model structure and control of bone remodeling: a theoretical study. Bone 43:249-263,
doi:10.1016/j.bone.2008.03.025.

Three cell populations in pM, precursor osteoblasts ``OBp``, active osteoblasts ``OBa`` and
active osteoclasts ``OCa``, and the bone volume ``BV`` in % of its initial value::

    dOBp/dt = D_OBu pi_act_TGFb_OBu - D_OBp OBp pi_rep_TGFb_OBp  = diff_OBu - diff_OBp
    dOBa/dt = D_OBp OBp pi_rep_TGFb_OBp - A_OBa OBa              = diff_OBp - apop_OBa
    dOCa/dt = D_OCp pi_act_RANKL_OCp - A_OCa pi_act_TGFb_OCa OCa = diff_OCp - apop_OCa
    dBV/dt  = k_form OBa - k_res OCa                             = formation - resorption

TGF-beta is released from the matrix in proportion to resorption, PTH is systemic, and
RANKL and OPG are in quasi-steady state with the cells::

    TGFb   = (alpha_TGFb resorption + P_TGFb_ext) / D_TGFb
    PTH    = (beta_PTH + P_PTH_ext) / D_PTH
    P_OPG  = beta_OPG OBa pi_rep_PTH                              (OPG from active osteoblasts)
    OPG    = (P_OPG + P_OPG_ext) / (P_OPG / OPG_max + D_OPG)
    RANKL_eff = R_RANKL OBp pi_act_PTH                            (RANKL on precursor osteoblasts)
    RANKL_tot = RANKL_eff P_RANKL / (beta_RANKL + D_RANKL RANKL_eff),  P_RANKL = beta_RANKL + P_RANKL_ext
    RANKL  = RANKL_tot / (1 + K_A1_RANKL OPG + K_A2_RANKL RANK)   (free RANKL)
    pi_act_RANKL_OCp = RANKL_RANK / (K_D8_RANKL + RANKL_RANK),   RANKL_RANK = K_A2_RANKL RANK RANKL

This is the model structure the paper singles out, with RANKL expressed on precursor
osteoblasts and OPG produced by active osteoblasts, i.e. the one encoded in the Physiome
CellML file (``R1 = 1, R2 = 0`` for RANKL, ``beta1 = 0, beta2 = 1`` for OPG). Every
biologically meaningful piece is a named expression, so extension modules (the inflammation
model) can rewrite one with ``Module(modify={...})``: e.g. scale ``RANKL_eff`` for
cytokine-induced RANKL expression, add to ``P_RANKL`` for soluble RANKL from T cells, or
change ``RANK``, ``TGFb``, ``diff_OCp`` or ``resorption``.

Parameters are the set of the MIT-licensed ``bone-models`` package, which reproduces the
published steady state; the CellML values of beta_RANKL, R_RANKL and beta_OPG do not (the
parameter file ``parameters/pivonka2008.toml`` settles each discrepancy). The model starts
at that steady state, computed to full precision for this parameter set; it equals the
published OBp, OBa, OCa = 6.196e-4, 5.584e-4, 8.070e-4 pM to the four printed digits.
``k_form`` is calibrated so that formation balances resorption there, so BV stays at 100 %.

Perturbation experiments (``model.scenarios``, each from day 0 to day 100 like the tenfold
D_OCp step in the CellML file; simulate e.g. 400 days to see the recovery):

* ``D_OCp_x10``: osteoclast precursor differentiation x10 (the CellML experiment);
* ``D_OBu_x10`` and ``D_OBp_x10``: osteoblast lineage differentiation x10;
* ``A_OCa_x10`` and ``A_OBa_x10``: apoptosis x10;
* ``PTH_infusion``: continuous PTH at 1e3 pM/day (``P_PTH_ext``);
* ``OPG_infusion``: OPG at 2e5 pM/day (``P_OPG_ext``);
* ``RANKL_infusion``: RANKL at beta_RANKL = 168.42 pM/day (``P_RANKL_ext``), doubling RANKL production;
* ``TGFb_infusion``: TGF-beta at 8.07e-4 pM/day (``P_TGFb_ext``), doubling TGF-beta.
"""

from __future__ import annotations

import sympy as sp

from ..model import Model, Observable, State, symbols
from ..parameters import load_parameters
from ..scenario import Scenario

__all__ = [
    "PERTURBATION_START",
    "PERTURBATION_STOP",
    "PUBLISHED_STEADY_STATE",
    "STEADY_STATE",
    "build",
    "perturbation_scenarios",
]

PUBLISHED_STEADY_STATE = {"OBp": 6.196e-4, "OBa": 5.584e-4, "OCa": 8.070e-4}
"""Steady state (pM) printed in Pivonka et al. 2008 (and the CellML file's initial OBa, OCa)."""

STEADY_STATE = {
    "OBp": 6.196390628173431e-4,
    "OBa": 5.583931899642794e-4,
    "OCa": 8.069635262994807e-4,
}
"""Steady state (pM) of the shipped parameter set, to full precision: the initial state."""

PERTURBATION_START = 0.0
"""Day on which every perturbation scenario starts (as the CellML D_OCp step)."""
PERTURBATION_STOP = 100.0
"""Day on which every perturbation scenario stops (the CellML step ends at t = 100 d)."""

# name: (target, value, scale, what)
_PERTURBATIONS: dict[str, tuple[str, float, bool, str]] = {
    "D_OCp_x10": (
        "D_OCp",
        10.0,
        True,
        "osteoclast precursor differentiation D_OCp x10 (the CellML experiment)",
    ),
    "D_OBu_x10": ("D_OBu", 10.0, True, "uncommitted osteoblast differentiation D_OBu x10"),
    "D_OBp_x10": ("D_OBp", 10.0, True, "precursor osteoblast differentiation D_OBp x10"),
    "A_OCa_x10": ("A_OCa", 10.0, True, "active osteoclast apoptosis A_OCa x10"),
    "A_OBa_x10": ("A_OBa", 10.0, True, "active osteoblast apoptosis A_OBa x10"),
    "PTH_infusion": ("P_PTH_ext", 1.0e3, False, "continuous PTH administration P_PTH_ext = 1e3 pM/day"),
    "OPG_infusion": ("P_OPG_ext", 2.0e5, False, "OPG administration P_OPG_ext = 2e5 pM/day"),
    "RANKL_infusion": (
        "P_RANKL_ext",
        168.4195714712206,
        False,
        "RANKL administration P_RANKL_ext = beta_RANKL = 168.42 pM/day (doubles RANKL production)",
    ),
    "TGFb_infusion": (
        "P_TGFb_ext",
        8.069635262994807e-4,
        False,
        "TGF-beta administration P_TGFb_ext = 8.07e-4 pM/day (doubles TGF-beta at baseline)",
    ),
}


def perturbation_scenarios(
    *, start: float = PERTURBATION_START, stop: float = PERTURBATION_STOP
) -> dict[str, Scenario]:
    """The perturbation experiments, each acting for ``start <= t < stop`` days.

    Parameters
    ----------
    start, stop
        Window of the perturbation in days (default 0 to 100, the CellML D_OCp step).

    Returns
    -------
    dict
        Scenario name -> :class:`~bonemodel.scenario.Scenario`.
    """
    out: dict[str, Scenario] = {}
    for name, (target, value, scale, what) in _PERTURBATIONS.items():
        window = Scenario.window(target, value, start=start, stop=stop, scale=scale)
        out[name] = Scenario(
            name, windows=window.windows, description=f"{what}, from day {start:g} to day {stop:g}"
        )
    return out


def build() -> Model:
    """The Pivonka 2008 model (RANKL on OBp, OPG from OBa) with bone volume and its scenarios.

    Returns
    -------
    Model
        States ``OBp``, ``OBa``, ``OCa`` [pM] and ``BV`` [%], time in days.
    """
    params = load_parameters("pivonka2008")
    OBp, OBa, OCa, BV = symbols("OBp OBa OCa BV")
    (D_OBu, D_OBp, A_OBa, D_OCp, A_OCa) = symbols("D_OBu D_OBp A_OBa D_OCp A_OCa")
    (alpha_TGFb, D_TGFb, K_D1_TGFb, K_D2_TGFb, K_D3_TGFb) = symbols(
        "alpha_TGFb D_TGFb K_D1_TGFb K_D2_TGFb K_D3_TGFb"
    )
    (beta_PTH, D_PTH, K_D4_PTH, K_D7_PTH) = symbols("beta_PTH D_PTH K_D4_PTH K_D7_PTH")
    (beta_OPG, OPG_max, D_OPG) = symbols("beta_OPG OPG_max D_OPG")
    (R_RANKL, beta_RANKL, D_RANKL, K_A1_RANKL, K_A2_RANKL, C_RANK, K_D8_RANKL) = symbols(
        "R_RANKL beta_RANKL D_RANKL K_A1_RANKL K_A2_RANKL C_RANK K_D8_RANKL"
    )
    (k_res, k_form) = symbols("k_res k_form")
    (P_PTH_ext, P_OPG_ext, P_RANKL_ext, P_TGFb_ext) = symbols("P_PTH_ext P_OPG_ext P_RANKL_ext P_TGFb_ext")
    x = {
        n: sp.Symbol(n)
        for n in (
            "TGFb PTH pi_act_PTH pi_rep_PTH P_OPG OPG RANK RANKL_eff P_RANKL RANKL_tot RANKL "
            "RANKL_RANK RANKL_OPG pi_act_TGFb_OBu pi_rep_TGFb_OBp pi_act_TGFb_OCa pi_act_RANKL_OCp "
            "diff_OBu diff_OBp apop_OBa diff_OCp apop_OCa resorption formation"
        ).split()
    }

    expressions = {
        # bone volume fluxes (%/day); resorption also releases TGF-beta from the matrix
        "resorption": k_res * OCa,
        "formation": k_form * OBa,
        # TGF-beta (pM) and its receptor functions
        "TGFb": (alpha_TGFb * x["resorption"] + P_TGFb_ext) / D_TGFb,
        "pi_act_TGFb_OBu": x["TGFb"] / (K_D1_TGFb + x["TGFb"]),
        "pi_rep_TGFb_OBp": 1 / (1 + x["TGFb"] / K_D2_TGFb),
        "pi_act_TGFb_OCa": x["TGFb"] / (K_D3_TGFb + x["TGFb"]),
        # PTH (pM, systemic) acting on the osteoblasts that express RANKL (OBp) and OPG (OBa)
        "PTH": (beta_PTH + P_PTH_ext) / D_PTH,
        "pi_act_PTH": x["PTH"] / (K_D4_PTH + x["PTH"]),
        "pi_rep_PTH": 1 / (1 + x["PTH"] / K_D7_PTH),
        # OPG (pM): produced by active osteoblasts, repressed by PTH, saturating at OPG_max
        "P_OPG": beta_OPG * OBa * x["pi_rep_PTH"],
        "OPG": (x["P_OPG"] + P_OPG_ext) / (x["P_OPG"] / OPG_max + D_OPG),
        # RANKL (pM): expressed on precursor osteoblasts, activated by PTH, bound by RANK and OPG
        "RANK": C_RANK,
        "RANKL_eff": R_RANKL * OBp * x["pi_act_PTH"],
        "P_RANKL": beta_RANKL + P_RANKL_ext,
        "RANKL_tot": x["RANKL_eff"] * x["P_RANKL"] / (beta_RANKL + D_RANKL * x["RANKL_eff"]),
        "RANKL": x["RANKL_tot"] / (1 + K_A1_RANKL * x["OPG"] + K_A2_RANKL * x["RANK"]),
        "RANKL_RANK": K_A2_RANKL * x["RANK"] * x["RANKL"],
        "RANKL_OPG": K_A1_RANKL * x["OPG"] * x["RANKL"],
        "pi_act_RANKL_OCp": x["RANKL_RANK"] / (K_D8_RANKL + x["RANKL_RANK"]),
        # cell fluxes (pM/day)
        "diff_OBu": D_OBu * x["pi_act_TGFb_OBu"],
        "diff_OBp": D_OBp * OBp * x["pi_rep_TGFb_OBp"],
        "apop_OBa": A_OBa * OBa,
        "diff_OCp": D_OCp * x["pi_act_RANKL_OCp"],
        "apop_OCa": A_OCa * x["pi_act_TGFb_OCa"] * OCa,
    }
    rhs = {
        "OBp": x["diff_OBu"] - x["diff_OBp"],
        "OBa": x["diff_OBp"] - x["apop_OBa"],
        "OCa": x["diff_OCp"] - x["apop_OCa"],
        "BV": x["formation"] - x["resorption"],
    }
    states = (
        State("OBp", STEADY_STATE["OBp"], "pM", "Precursor osteoblasts (express RANKL)", "OB_p"),
        State("OBa", STEADY_STATE["OBa"], "pM", "Active osteoblasts (form bone, produce OPG)", "OB_a"),
        State("OCa", STEADY_STATE["OCa"], "pM", "Active osteoclasts (resorb bone, release TGF-beta)", "OC_a"),
        State("BV", 100.0, "%", "Bone volume, in % of its initial value", "BV"),
    )
    observables = (
        Observable("RANKL_conc", x["RANKL"], "pM", "Free RANKL concentration", r"\mathrm{RANKL}"),
        Observable("OPG_conc", x["OPG"], "pM", "OPG concentration", r"\mathrm{OPG}"),
        Observable(
            "RANKL_RANK_conc",
            x["RANKL_RANK"],
            "pM",
            "RANKL-RANK complex concentration",
            r"[\mathrm{RANKL{-}RANK}]",
        ),
        Observable(
            "RANKL_OPG_conc",
            x["RANKL_OPG"],
            "pM",
            "RANKL-OPG complex concentration",
            r"[\mathrm{RANKL{-}OPG}]",
        ),
        Observable(
            "RANKL_OPG_ratio", x["RANKL"] / x["OPG"], "1", "Ratio of free RANKL to OPG", r"\mathrm{RANKL/OPG}"
        ),
        Observable("TGFb_conc", x["TGFb"], "pM", "Free TGF-beta concentration", r"\mathrm{TGF}\beta"),
        Observable("PTH_conc", x["PTH"], "pM", "PTH concentration", r"\mathrm{PTH}"),
        Observable(
            "OC_activation",
            x["pi_act_RANKL_OCp"],
            "1",
            "RANKL activation of osteoclast precursor differentiation (receptor occupancy)",
            r"\pi_{act,OC_p}^{RANKL}",
        ),
        Observable(
            "resorption_rate", x["resorption"], "%/day", "Bone volume resorbed per day", "k_{res} OC_a"
        ),
        Observable("formation_rate", x["formation"], "%/day", "Bone volume formed per day", "k_{form} OB_a"),
    )
    return Model(
        name="pivonka2008",
        states=states,
        parameters=params,
        rhs=rhs,
        expressions=expressions,
        observables=observables,
        citations=("Pivonka2008", "CellMLPivonka2008", "BoneModelsPyPI"),
        description=(
            "Pivonka et al. 2008 bone cell population model: precursor and active osteoblasts (OBp, OBa) "
            "and active osteoclasts (OCa) coupled through TGF-beta, RANK/RANKL/OPG and PTH, in the model "
            "structure with RANKL on OBp and OPG from OBa, with bone volume BV."
        ),
        scenarios=perturbation_scenarios(),
        default_t_end=2000.0,
    )
