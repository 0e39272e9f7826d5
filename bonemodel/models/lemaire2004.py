"""Lemaire et al. 2004: osteoblast-osteoclast interactions through TGF-beta, RANK/RANKL/OPG and PTH.

Lemaire V, Tobin FL, Greller LD, Cho CR, Suva LJ (2004). Modeling the interactions between
osteoblast and osteoclast activities in bone remodeling. J Theor Biol 229:293-309,
doi:10.1016/j.jtbi.2004.03.023.

Three cell populations in pM: responding osteoblasts ``R``, active osteoblasts ``B`` and
active osteoclasts ``C`` (the paper's core model, Section 2, Eqs. (1)-(3))::

    dR/dt = D_R pi_C - D_B/pi_C R                (1)
    dB/dt = D_B/pi_C R - k_B B                   (2)
    dC/dt = D_C pi_L - D_A pi_C C                (3)

with ``D_B = f0 d_B`` and the receptor terms (Section 2 and Appendix A)::

    pi_C = (C + f0 C_s) / (C + C_s)                        TGF-beta occupancy
    pi_P = (P + P_0) / (P + P_s),  P = I_P/k_P,  P_0 = S_P/k_P,  P_s = k6/k5
    O    = (K_OP R / pi_P + I_O) / k_O                     OPG
    L    = K_LP pi_P B (1 + I_L/r_L) / (1 + k3 K/k4 + k1 O/k2)   free RANKL
    pi_L = k3/k4 L = [RANK-RANKL] / K

The equations and values are those of BioModels BIOMD0000000278 and of the Physiome CellML
encoding, which agree with each other (the CellML file starts from R = B = C = 0, the SBML
from the steady state; this model starts, like the SBML and the paper's Fig. 2, from the
published steady state R, B, C = 7.734e-4, 7.282e-4, 9.127e-4 pM).

The nine experiments of the paper's Fig. 2 are named scenarios (``model.scenarios``): cells
added (``addR``, ``addB``, ``addC``) or removed (``removeR``, ``removeB``, ``removeC``) at a
constant rate, or PTH / OPG infused, between day 20 and day 80; in ``addOPG_addRANKL``,
RANKL is infused from day 20 on and OPG is added from day 80 on. Rates and timing follow
the BioModels curation of Fig. 2 (models lemaire04_addR, ..., lemaire04_addOPG_addRANKL).
Cell addition/removal uses the extra parameters ``I_R``, ``I_B``, ``I_C`` (pM/day, default 0).
"""

from __future__ import annotations

import sympy as sp

from ..model import Model, Observable, State, symbols
from ..parameters import load_parameters
from ..scenario import Scenario

__all__ = ["build", "fig2_scenarios", "FIG2_START", "FIG2_STOP", "FIG2_T_END", "STEADY_STATE"]

FIG2_START = 20.0
"""Day on which every Fig. 2 perturbation starts."""
FIG2_STOP = 80.0
"""Day on which the Fig. 2 perturbations stop (OPG starts then in ``addOPG_addRANKL``)."""
FIG2_T_END = 140.0
"""Length of the Fig. 2 simulations (days)."""

STEADY_STATE = {"R": 7.734e-4, "B": 7.282e-4, "C": 9.127e-4}
"""Published steady state (pM), the initial state of the model and of BIOMD0000000278."""

# Rates of the Fig. 2 experiments (pM/day), from the BioModels curation of the figure.
_FIG2 = {
    "addR": ("I_R", 1.0e-4, "responding osteoblasts added"),
    "removeR": ("I_R", -1.2e-4, "responding osteoblasts removed"),
    "addB": ("I_B", 1.0e-4, "active osteoblasts added"),
    "removeB": ("I_B", -8.3e-5, "active osteoblasts removed"),
    "addC": ("I_C", 1.0e-4, "active osteoclasts added"),
    "removeC": ("I_C", -2.9e-4, "active osteoclasts removed"),
    "addPTH": ("I_P", 1.0e3, "PTH infused"),
    "addOPG": ("I_O", 2.0e5, "OPG infused"),
}
_RANKL_RATE = 1.0e4
_OPG_AFTER_RANKL = 9.0e4


def fig2_scenarios() -> dict[str, Scenario]:
    """The nine perturbation experiments of Lemaire et al. 2004, Fig. 2 (A: add, B: remove, C: drugs).

    Returns
    -------
    dict of str to Scenario
        ``addR``, ``removeR``, ``addB``, ``removeB``, ``addC``, ``removeC``, ``addPTH``, ``addOPG``,
        ``addOPG_addRANKL``: cell injections and removals and drug infusions (rates in pM/day).
    """
    out: dict[str, Scenario] = {}
    for name, (target, rate, what) in _FIG2.items():
        window = Scenario.window(target, rate, start=FIG2_START, stop=FIG2_STOP)
        out[name] = Scenario(
            name,
            windows=window.windows,
            description=f"Fig. 2: {what} at {abs(rate):g} pM/day ({target}) from day {FIG2_START:g} to {FIG2_STOP:g}",
        )
    both = Scenario.step("I_L", _RANKL_RATE, start=FIG2_START) + Scenario.step(
        "I_O", _OPG_AFTER_RANKL, start=FIG2_STOP
    )
    out["addOPG_addRANKL"] = Scenario(
        "addOPG_addRANKL",
        windows=both.windows,
        description=(
            f"Fig. 2C: RANKL infused at {_RANKL_RATE:g} pM/day (I_L) from day {FIG2_START:g} on, "
            f"OPG added at {_OPG_AFTER_RANKL:g} pM/day (I_O) from day {FIG2_STOP:g} on"
        ),
    )
    return out


def build() -> Model:
    """The Lemaire 2004 core model with its parameter file and the Fig. 2 scenarios.

    Returns
    -------
    Model
        States ``R``, ``B``, ``C`` [pM], time in days.
    """
    params = load_parameters("lemaire2004")
    R, B, C = symbols("R B C")
    (D_R, d_B, k_B, D_C, D_A, f0, C_s, K, k1, k2, k3, k4, k_O, K_LP, K_OP, r_L, S_P, k_P, k5, k6) = symbols(
        "D_R d_B k_B D_C D_A f0 C_s K k1 k2 k3 k4 k_O K_LP K_OP r_L S_P k_P k5 k6"
    )
    I_P, I_O, I_L, I_R, I_B, I_C = symbols("I_P I_O I_L I_R I_B I_C")
    e = {
        n: sp.Symbol(n)
        for n in ("D_B", "pi_C", "P", "P_0", "P_s", "pi_P", "O", "L_T", "L", "KL", "OL", "pi_L")
    }

    expressions = {
        "D_B": f0 * d_B,
        "pi_C": (C + f0 * C_s) / (C + C_s),
        "P": I_P / k_P,
        "P_0": S_P / k_P,
        "P_s": k6 / k5,
        "pi_P": (e["P"] + e["P_0"]) / (e["P"] + e["P_s"]),
        "O": (K_OP * R / e["pi_P"] + I_O) / k_O,
        "L_T": K_LP * e["pi_P"] * B * (1 + I_L / r_L),
        "L": e["L_T"] / (1 + k3 * K / k4 + k1 * e["O"] / k2),
        "KL": k3 / k4 * K * e["L"],
        "OL": k1 / k2 * e["O"] * e["L"],
        "pi_L": e["KL"] / K,
        # fluxes (pM/day)
        "R_formation": D_R * e["pi_C"],
        "R_to_B": e["D_B"] / e["pi_C"] * R,
        "B_apoptosis": k_B * B,
        "C_formation": D_C * e["pi_L"],
        "C_apoptosis": D_A * e["pi_C"] * C,
    }
    flux = {n: sp.Symbol(n) for n in ("R_formation", "R_to_B", "B_apoptosis", "C_formation", "C_apoptosis")}
    rhs = {
        "R": flux["R_formation"] - flux["R_to_B"] + I_R,
        "B": flux["R_to_B"] - flux["B_apoptosis"] + I_B,
        "C": flux["C_formation"] - flux["C_apoptosis"] + I_C,
    }
    states = (
        State("R", STEADY_STATE["R"], "pM", "Responding osteoblasts (committed, TGF-beta responsive)", "R"),
        State("B", STEADY_STATE["B"], "pM", "Active osteoblasts (express RANKL)", "B"),
        State("C", STEADY_STATE["C"], "pM", "Active osteoclasts", "C"),
    )
    observables = (
        Observable(
            "PTH", e["P"] + e["P_0"], "pM", "PTH concentration, endogenous S_P/k_P plus infused I_P/k_P"
        ),
        Observable("PTH_occupancy", e["pi_P"], "1", "PTH receptor occupancy pi_P on osteoblasts", r"\pi_P"),
        Observable("TGFb_occupancy", e["pi_C"], "1", "TGF-beta receptor occupancy pi_C", r"\pi_C"),
        Observable("OPG", e["O"], "pM", "OPG concentration (produced by R, repressed by PTH, plus infusion)"),
        Observable("RANKL", e["L"], "pM", "Free RANKL concentration"),
        Observable("RANK_RANKL", e["KL"], "pM", "RANKL-RANK complex concentration"),
        Observable("OPG_RANKL", e["OL"], "pM", "RANKL-OPG complex concentration"),
        Observable(
            "RANK_activation",
            e["pi_L"],
            "1",
            "pi_L = [RANK-RANKL]/K, drive of osteoclast formation",
            r"\pi_L",
        ),
    )
    return Model(
        name="lemaire2004",
        states=states,
        parameters=params,
        rhs=rhs,
        expressions=expressions,
        observables=observables,
        citations=("Lemaire2004", "BioModels278"),
        description=(
            "Lemaire et al. 2004 core model: responding osteoblasts R, active osteoblasts B and active "
            "osteoclasts C, coupled through TGF-beta (pi_C), RANK/RANKL/OPG (pi_L) and PTH (pi_P)."
        ),
        scenarios=fig2_scenarios(),
        default_t_end=FIG2_T_END,
    )
