"""Romosozumab: a subcutaneous anti-sclerostin antibody (Evenity 210 mg monthly).

PK (Evenity label; SC depot, linear and target-mediated elimination, see ``_pk``)::

    dA_romo/dt = romosozumab_rate - ka A_romo
    dC_romo/dt = F ka A_romo / V - kel C_romo - Vmax C_romo / (Km + C_romo)      (ug/mL)

PD: the antibody neutralises a fraction f = C/(C + EC50_romo) of the osteocytes' sclerostin
(module 'mechanical'). Freed Wnt signalling raises OPG and lowers RANKL (resorption falls and
stays down) and drives osteoblastogenesis on quiescent surfaces (modeling-based formation).
The formation response wanes within a year on continued dosing (FRAME: P1NP back to baseline
by month 12) while resorption stays suppressed. PROPOSAL for the waning: the surfaces and
lining-cell progenitors that modeling-based formation recruits are used up (Q, 1 = untouched)
and recover slowly. No published kinetics exist for this; the rate of use is fitted to the
waning of P1NP and the rate of recovery is assumed::

    scl_free <- scl_free (1 - f)                 (OPG and RANKL)
    scl_wnt  <- scl_wnt (1 - f Q)                 (osteoblastogenesis)
    dQ/dt = k_Q (1 - Q) - k_use f Q
"""

from __future__ import annotations

from ...model import Input, Model, Module, Observable, State
from ._common import S, params, require
from ._pk import depot_central

NAME = "romosozumab"


def module(model: Model) -> Module:
    """The romosozumab module (needs 'mechanical').

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
    require(model, NAME, "mechanical")
    p = params(NAME)
    states, rhs = depot_central(
        "romo", "romosozumab_rate", amount_unit="mg", conc_unit="ug/mL", saturable=True
    )
    C, Q = S("C_romo"), S("Q_romo")
    f = C / (C + S("EC50_romo"))
    rhs["Q_romo"] = S("k_Q") * (1 - Q) - S("k_use") * S("scl_neutralised") * Q
    return Module(
        NAME,
        states=(
            *states,
            State("Q_romo", 1.0, "1", "Surfaces/progenitors available to modeling-based formation", "Q"),
        ),
        inputs=(
            Input(
                "romosozumab_rate", 0.0, "mg/day", "Romosozumab dosing rate (each injection a short window)"
            ),
        ),
        parameters=p,
        expressions={"scl_neutralised": f},
        rhs=rhs,
        modify={
            "scl_free": lambda e: e * (1 - S("scl_neutralised")),
            "scl_wnt": lambda e: e * (1 - S("scl_neutralised") * Q),
        },
        observables=(
            Observable("romosozumab_ug_ml", C, "ug/mL", "Serum romosozumab concentration"),
            Observable("sclerostin_neutralised", f, "1", "Fraction of sclerostin neutralised by romosozumab"),
        ),
        citations=p.citations,
        description="Romosozumab PK neutralising sclerostin: formation up (waning), resorption down",
    )
