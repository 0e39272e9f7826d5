"""Teriparatide (PTH 1-34) and the two arms of PTH signalling: why daily injections build bone
while continuous PTH removes it (clinical target D6).

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
    diff_OBu <- diff_OBu A_PTH,   diff_OBp <- diff_OBp A_PTH,   apop_OBa <- apop_OBa / A_PTH

(more osteoblast precursors committed and activated, Jilka 1999's lining-cell activation, and
active osteoblasts living longer). An extra term by which the anabolic signal would also raise
RANKL (activation of new remodeling sites, so that resorption markers follow formation as in
Neer 2001) was fitted and went to zero: the targets reject it, because in the core more
resorption releases TGF-beta, which holds back osteoblast maturation and lowers P1NP further.

A daily injection lifts PTH ~8-fold for an hour, well past K_A: a strong anabolic pulse with a
small daily mean; the same daily dose infused continuously raises PTH by only ~half, below K_A:
no anabolic signal, only the catabolic arm.
"""

from __future__ import annotations

from ...model import Input, Model, Module, Observable, State
from ._common import S, params
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
    """
    p = params(NAME)
    states, rhs = depot_central("tptd", "teriparatide_rate", amount_unit="ug", conc_unit="pg/mL", conv=1000.0)
    C, A = S("C_tptd"), S("A_PTH")
    n, K = S("n_A"), S("K_A")

    def h(x):
        return x**n / (K**n + x**n)

    x = S("PTH") / S("PTH_ref")
    rhs["A_PTH"] = S("k_A") * (1 + S("g_A") * (h(x) - h(1)) - A)
    return Module(
        NAME,
        states=(
            *states,
            State("A_PTH", 1.0, "1", "Anabolic PTH signal to osteoblasts (1 = healthy)", "A_{PTH}"),
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
        modify={
            "PTH": lambda e: e + C / S("MW_tptd"),
            "diff_OBu": lambda e: e * A,
            "diff_OBp": lambda e: e * A,
            "apop_OBa": lambda e: e / A,
        },
        observables=(
            Observable("teriparatide_pg_ml", C, "pg/mL", "Serum teriparatide concentration"),
            Observable("pth_anabolic_rel", A, "1", "Anabolic PTH signal to osteoblasts relative to healthy"),
        ),
        citations=p.citations,
        description="Teriparatide PK; PTH's catabolic (RANKL/OPG) and anabolic (osteoblast) arms",
    )
