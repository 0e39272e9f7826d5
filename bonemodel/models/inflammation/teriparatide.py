"""Teriparatide (PTH 1-34) and the two arms of PTH signalling: why daily injections build bone
while continuous PTH removes it (clinical target D6), and how the markers can rise far more than
BMD (T7).

PK (Forteo label; SC depot, one central compartment, fast elimination)::

    dA_tptd/dt = teriparatide_rate - ka A_tptd                           (ug)
    dC_tptd/dt = 1000 F ka A_tptd / V - kel C_tptd                       (pg/mL)
    PTH <- PTH + C_tptd / MW_tptd                                        (pM, added to the core's PTH)

Catabolic arm: the core's own PTH action (Pivonka 2008: RANKL up, OPG down on the osteoblast
lineage) follows the PTH level; it saturates, so it answers to the daily mean of PTH.

Anabolic arm (PROPOSAL, after the "anabolic window" reading of Jilka 1999 and Komarova 2005: the
survival and activation signal to osteoblasts needs PTH well above its physiological level, and
responds within hours)::

    x = PTH / PTH_ref,   h(x) = x^n_A / (K_A^n_A + x^n_A)
    dA_PTH/dt = k_A (1 + g_A (h(x) - h(1)) - A_PTH)                      (1 = healthy)

It acts in three ways, after Lindsay 2016's review of the tissue-level actions (formation
stimulated directly, in remodeling sites and on quiescent surfaces; more remodeling sites):

* remodeling-based formation, per BMU: more osteoblast precursors committed and activated, and
  active osteoblasts living longer (Jilka 1999), so each BMU refills more than it resorbed::

      diff_OBu <- diff_OBu A_PTH,   diff_OBp <- diff_OBp A_PTH,   apop_OBa <- apop_OBa / A_PTH

* activation frequency: more BMUs. Pivonka's cells are one representative BMU population and their
  signals (RANKL, TGF-beta) local concentrations, so the number of BMUs is carried outside them,
  as N (1 = healthy), scaling the skeleton's resorption and, after each new BMU's resorption and
  reversal, its formation (Nf lags N by the time from the middle of a BMU's resorption to the
  middle of its formation, Eriksen 1986). Resorption and formation both rise (CTX follows P1NP,
  Neer 2001), balanced but for the per-BMU gain above, and the remodeling space opens by
  tau_c (N - Nf) while Nf catches up (the early BMD dip of more remodeling)::

      dN/dt  = k_N (1 + g_N (A_PTH - 1) - N),      dNf/dt = k_rev (N - Nf)
      R_rel <- R_rel N,   F_rel <- F_rel Nf + M

* modeling-based formation (MBF) on quiescent surfaces: PTH turns lining cells into active
  osteoblasts without prior resorption, most of it early in treatment (Dempster 2018: formation
  of all three kinds up within 3 months; Dempster 2018b: modeling contributes most early,
  remodeling-based formation carries the later response). The lining-cell pool L (1 = healthy) is
  used as it is reactivated and refills slowly; a reactivated cell forms bone for 1/k_M days::

      dL/dt = k_L (1 - L) - k_c (A_PTH - 1) L
      dM/dt = g_M k_c (A_PTH - 1) L - k_M M        (formation relative to healthy; < 0 below it)

  M adds to P1NP and to each compartment's formation (at its remodeling surface, tau_c V_c), and
  is not coupled to resorption.

So P1NP rises first (MBF), CTX follows (activation; within weeks at the fitted k_N), and part of
the formation the markers show refills the wider remodeling space instead of adding BMD. An extra term by which
the anabolic signal would raise RANKL inside the Pivonka cells instead was fitted and went to
zero: more resorption there releases TGF-beta, which holds back osteoblast maturation.

A daily injection lifts PTH ~8-fold for an hour, well past K_A: a strong anabolic pulse with a
small daily mean; the same daily dose infused continuously raises PTH by only ~half, below K_A:
almost no anabolic signal (A_PTH, N, M stay near rest), only the catabolic arm.
"""

from __future__ import annotations

from ...model import Input, Model, Module, Observable, State
from ._common import S, has, params
from ._pk import depot_central

NAME = "teriparatide"


def module(model: Model) -> Module:
    """The teriparatide / PTH-pattern module (acts on the core's PTH and osteoblasts).

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
        Without module 'sites' only the per-BMU (osteoblast) action is applied: the activation
        frequency and modeling-based formation act on the skeleton's fluxes, which 'sites' defines.
    """
    p = params(NAME)
    states, rhs = depot_central("tptd", "teriparatide_rate", amount_unit="ug", conc_unit="pg/mL", conv=1000.0)
    C, A = S("C_tptd"), S("A_PTH")
    N, Nf, L, M = S("N_PTH"), S("Nf_PTH"), S("L_PTH"), S("M_PTH")
    n, K = S("n_A"), S("K_A")

    def h(x):
        return x**n / (K**n + x**n)

    x = S("PTH") / S("PTH_ref")
    rhs["A_PTH"] = S("k_A") * (1 + S("g_A") * (h(x) - h(1)) - A)
    rhs["N_PTH"] = S("k_N") * (1 + S("g_N") * (A - 1) - N)
    rhs["Nf_PTH"] = S("k_rev") * (N - Nf)
    # lining cells turned into osteoblasts, per day, beyond the healthy rate (M = 0). Linear in the
    # signal's deviation: a threshold at 1 (max(A - 1, 0)) put a kink in the right-hand side at the
    # healthy state itself, where every undosed run sits, and solvers then disagreed at ~1e-3.
    # PTH a hair below its physiological level (calcium) gives a slightly negative M: a little less
    # modeling-based formation than in health
    reactivated = S("k_c") * (A - 1) * L
    rhs["L_PTH"] = S("k_L") * (1 - L) - reactivated
    rhs["M_PTH"] = S("g_M") * reactivated - S("k_M") * M
    modify = {
        "PTH": lambda e: e + C / S("MW_tptd"),
        "diff_OBu": lambda e: e * A,
        "diff_OBp": lambda e: e * A,
        "apop_OBa": lambda e: e / A,
    }
    if has(model, "R_rel"):
        modify |= {
            "R_rel": lambda e: e * N,
            "F_rel": lambda e: e * Nf + M,
        }
    return Module(
        NAME,
        states=(
            *states,
            State("A_PTH", 1.0, "1", "Anabolic PTH signal to osteoblasts (1 = healthy)", "A_{PTH}"),
            State("N_PTH", 1.0, "1", "Activation frequency of remodeling (BMUs resorbing; 1 = healthy)", "N"),
            State(
                "Nf_PTH",
                1.0,
                "1",
                "Activation frequency of BMUs now forming bone (lags N; 1 = healthy)",
                "N_f",
            ),
            State("L_PTH", 1.0, "1", "Lining cells available for reactivation by PTH (1 = healthy)", "L"),
            State(
                "M_PTH",
                0.0,
                "1",
                "Modeling-based formation by PTH-reactivated lining cells, relative to healthy formation "
                "(a change from health: slightly negative when PTH is below its physiological level)",
                "M",
                nonnegative=False,
            ),
        ),
        inputs=(
            Input(
                "teriparatide_rate",
                0.0,
                "ug/day",
                "Teriparatide dosing rate (each injection a short window; an infusion a constant rate)",
            ),
        ),
        parameters=p,
        rhs=rhs,
        modify=modify,
        observables=(
            Observable("teriparatide_pg_ml", C, "pg/mL", "Serum teriparatide concentration"),
            Observable("pth_anabolic_rel", A, "1", "Anabolic PTH signal to osteoblasts relative to healthy"),
            Observable(
                "activation_frequency_rel", N, "1", "Activation frequency of remodeling relative to healthy"
            ),
            Observable(
                "pth_modeling_formation_rel",
                M,
                "1",
                "Modeling-based formation by PTH-reactivated lining cells, relative to healthy formation",
            ),
        ),
        citations=p.citations,
        description=(
            "Teriparatide PK; PTH's catabolic (RANKL/OPG) and anabolic arms: per-BMU formation, "
            "activation frequency (remodeling space), modeling-based formation"
        ),
    )
