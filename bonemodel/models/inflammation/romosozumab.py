"""Romosozumab: a subcutaneous anti-sclerostin antibody (Evenity 210 mg monthly).

PK (Evenity label; SC depot, linear and target-mediated elimination, see ``_pk``)::

    dA_romo/dt = romosozumab_rate - ka A_romo
    dC_romo/dt = F ka A_romo / V - kel C_romo - Vmax C_romo / (Km + C_romo)      (ug/mL)

PD. The antibody neutralises a fraction f = C/(C + EC50_romo) of the osteocytes' sclerostin
(module 'mechanical'). Freed Wnt signalling acts on three things:

* resorption: OPG up and osteocyte RANKL down through the mechanical module (``scl_free``);
  resorption falls and stays down;
* remodeling-based formation: osteoblastogenesis in the remodeling lineage through the mechanical
  module's Wnt gain (``scl_wnt``), the same response as training's partial lowering of sclerostin,
  whose largest effect (1 + w_Wnt, about 3.4-fold) the training targets bound;
* modeling-based formation (MBF) on quiescent surfaces, this module's own arm. In FRAME biopsies
  after 2 months the rise of formation was modeling-based (smooth cement lines; cancellous 18.0 %
  vs 3.8 % of the bone surface, endocortical 36.7 % vs 3.0 %; remodeling-based formation
  unchanged; Eriksen2022); in mice, sclerostin antibody turns quiescent lining cells into active
  osteoblasts within a week, without proliferation (Kim2017). The lining cells answer to the
  LRP5/6 that sclerostin leaves free, phi(x) = K_LRP / (K_LRP + x) for free sclerostin x relative
  to healthy (sclerostin is an LRP5/6 ligand that blocks Wnt). With K_LRP well below the
  physiological level nearly all receptors are occupied: lowering sclerostin partly (resistance
  training, T9c: Scl 0.92 -> 0.79) would free 2 % of them, neutralising it almost completely frees
  them all (the human counterpart: sclerosteosis, absent sclerostin, gives bone overgrowth, while
  heterozygous carriers with lower sclerostin only have moderately higher BMD; vanLierop2011).
  This module carries the receptors the antibody frees beyond those the sclerostin level itself
  leaves free (the partial-lowering part belongs to the mechanical module's Wnt response),
  normalised to 1 at full neutralisation; 0 without the drug::

      a = (phi(Scl (1 - f)) - phi(Scl)) / (1 - phi(Scl)) = K_LRP f / (K_LRP + Scl (1 - f))
        = C / (C + EC50_romo (1 + Scl / K_LRP))

  so the lining cells need (1 + Scl/K_LRP) times the antibody that neutralises half of the
  sclerostin. Activated lining cells form bone for an active period 1/k_MBF; the formation they add
  (M, relative to the healthy adult's formation) joins P1NP and the matrix each compartment forms
  (in proportion to its remodeling surface, tau_c V_c) and is not coupled to resorption::

      dM/dt = k_MBF (g_MBF a Q - M),        formation <- formation + k_form OBa_ref M

The formation response wanes within a year on continued dosing (FRAME: P1NP back near baseline
by month 12) while resorption stays suppressed. PROPOSAL for the waning: the quiescent surfaces and
the lining-cell/progenitor pool that the antibody recruits are used up (Q, 1 = untouched) as they
are activated, and recover slowly (in aged ovariectomised rats on sclerostin antibody the fall of
formation follows a fall of osteoprogenitor numbers, Taylor2016, and the trabeculae thicken while
their surface shrinks, Stolina2014; a second course after a year off gains about as much BMD as the
first, Kendler2019, so the pool recovers within about a year). No published kinetics exist; the rate
of use is fitted to the waning of P1NP, the rate of recovery is assumed::

    scl_free <- scl_free (1 - f)                 (OPG and RANKL)
    scl_wnt  <- scl_wnt (1 - f Q)                 (osteoblastogenesis in the remodeling lineage)
    dQ/dt = k_Q (1 - Q) - k_use a Q
"""

from __future__ import annotations

from ...model import Input, Model, Module, Observable, State
from .. import pivonka2008
from ._common import S, has, params, require
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
    C, Q, M = S("C_romo"), S("Q_romo"), S("M_romo")
    f = S("scl_neutralised")
    # LRP5/6 on lining cells freed by the antibody, as a fraction of what full neutralisation
    # frees (exactly 0 without the drug)
    freed = S("K_LRP") * f / (S("K_LRP") + S("Scl") * (1 - f))
    rhs["Q_romo"] = S("k_Q") * (1 - Q) - S("k_use") * S("lrp_freed") * Q
    rhs["M_romo"] = S("k_MBF") * (S("g_MBF") * S("lrp_freed") * Q - M)
    # the healthy adult's formation flux k_form OBa_ref (the core's steady state without 'sites')
    oba_ref = S("OBa_ref") if has(model, "F_rel") else pivonka2008.STEADY_STATE["OBa"]
    return Module(
        NAME,
        states=(
            *states,
            State("Q_romo", 1.0, "1", "Surfaces/progenitors available to modeling-based formation", "Q"),
            State(
                "M_romo",
                0.0,
                "1",
                "Modeling-based formation by activated lining cells, relative to healthy formation",
                "M",
            ),
        ),
        inputs=(
            Input(
                "romosozumab_rate", 0.0, "mg/day", "Romosozumab dosing rate (each injection a short window)"
            ),
        ),
        parameters=p,
        expressions={"scl_neutralised": C / (C + S("EC50_romo")), "lrp_freed": freed},
        rhs=rhs,
        modify={
            "scl_free": lambda e: e * (1 - S("scl_neutralised")),
            "scl_wnt": lambda e: e * (1 - S("scl_neutralised") * Q),
            "formation": lambda e: e + S("k_form") * oba_ref * M,
        },
        observables=(
            Observable("romosozumab_ug_ml", C, "ug/mL", "Serum romosozumab concentration"),
            Observable("sclerostin_neutralised", f, "1", "Fraction of sclerostin neutralised by romosozumab"),
            Observable(
                "lining_cell_lrp_freed",
                S("lrp_freed"),
                "1",
                "LRP5/6 on lining cells freed by romosozumab (1 = full neutralisation)",
            ),
            Observable(
                "modeling_formation_rel",
                M,
                "1",
                "Modeling-based formation on quiescent surfaces (romosozumab), relative to healthy formation",
            ),
        ),
        citations=p.citations,
        description=(
            "Romosozumab PK neutralising sclerostin: modeling-based (lining cells) and remodeling-based "
            "formation up, waning as the surfaces are used; resorption down"
        ),
    )
