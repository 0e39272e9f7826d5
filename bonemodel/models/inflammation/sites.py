"""Trabecular and cortical compartments, and the clinical time scale of the Pivonka core.

Pivonka's cells are a representative population of basic multicellular units (BMUs); its
bone-volume rates were not set for clinical %/yr BMD rates. The map to the clinic is explicit:

* each compartment c turns over at its own rate tau_c (trabecular ~25 %/yr, cortical ~4 %/yr)
  times the relative resorption and formation activity of the cells::

      R_rel = resorption / (k_res OCa_ref),  F_rel = formation / (k_form OBa_ref)
      res_c  = tau_c/365.25 R_rel V_c,        form_c = tau_c/365.25 F_rel R_rel^(1 - eps_couple) V_c
      dV_c/dt = mineralisation_c - res_c      (mineralisation_c = form_c unless 'mineral' is on)

* formation in a BMU refills what was resorbed (Parfitt): a change of resorption alone moves the
  remodeling space once (the remodeling transient) but leaves the balance of each BMU as it was.
  Pivonka's lineage does not quite do that: osteoblast precursors answer the TGF-beta released by
  resorption through a saturating activation, so at steady state formation moves as resorption to
  the power eps_couple ~ 0.93 (measured in the healthy flagship, see the parameter file), and
  every lasting change of turnover left a small lasting imbalance: calcium's gain crept on for a
  decade, and antiresorptives gained bone for as long as they were given. The factor
  R_rel^(1 - eps_couple) restores the balance for changes of resorption alone; what acts on the
  osteoblasts themselves (estrogen loss, inflammation, ROS, glucocorticoids, Wnt, PTH's anabolic
  arm) still moves it. ``p1np_rel`` stays the osteoblasts' own activity (F_rel);

* the osteoblast lineage (OBp, OBa) runs on a slower clock, its right-hand sides multiplied by
  ``lam_OB`` (active osteoblast lifespan 1/A_OBa = 5.3 days in Pivonka's set, ~3 months in
  human BMUs); this leaves every steady state of the core unchanged and gives the remodeling
  transient (resorption answers in weeks, formation follows over months);

* a DXA site is a mix of compartments: bmd_site = f_site bmd_trab + (1 - f_site) bmd_cort.
"""

from __future__ import annotations

from ...model import Model, Module, Observable, State
from ._common import S, params

NAME = "sites"
COMPARTMENTS = ("trab", "cort")


def module(model: Model) -> Module:
    """The two-compartment, two-site module (acts on the core).

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
    expressions = {
        "R_rel": S("resorption") / (S("k_res") * S("OCa_ref")),
        "F_rel": S("formation") / (S("k_form") * S("OBa_ref")),
    }
    rhs = {}
    states = []
    for c in COMPARTMENTS:
        V = S(f"V_{c}")
        rate = S(f"tau_{c}") / 365.25
        expressions[f"res_{c}"] = rate * S("R_rel") * V
        # BMU balance for changes of resorption alone (see the module docstring)
        expressions[f"form_{c}"] = rate * S("F_rel") * S("R_rel") ** (1 - S("eps_couple")) * V
        expressions[f"mineralisation_{c}"] = S(f"form_{c}")
        expressions[f"bmd_{c}"] = V
        rhs[f"V_{c}"] = S(f"mineralisation_{c}") - S(f"res_{c}")
        what = "trabecular" if c == "trab" else "cortical"
        states.append(
            State(
                f"V_{c}",
                1.0,
                "1",
                f"Mineralised {what} bone matrix volume, relative to healthy",
                f"V_{{{c}}}",
            )
        )
    for site in ("spine", "hip", "skel"):
        f = S(f"f_{site}_trab")
        expressions[f"bmd_{site}"] = f * S("bmd_trab") + (1 - f) * S("bmd_cort")
    observables = (
        Observable(
            "bmd_trab_pct", S("bmd_trab"), "%", "Trabecular BMD, % change from start", baseline="start"
        ),
        Observable("bmd_cort_pct", S("bmd_cort"), "%", "Cortical BMD, % change from start", baseline="start"),
        Observable("bmd_spine_rel", S("bmd_spine"), "1", "Lumbar spine BMD relative to the healthy adult"),
        Observable("bmd_hip_rel", S("bmd_hip"), "1", "Total hip BMD relative to the healthy adult"),
        Observable("ctx_rel", S("R_rel"), "1", "Resorption (CTX) relative to the healthy adult"),
        Observable("p1np_rel", S("F_rel"), "1", "Formation (P1NP) relative to the healthy adult"),
    )
    return Module(
        NAME,
        states=tuple(states),
        parameters=p,
        expressions=expressions,
        rhs=rhs,
        modify={"OBp": lambda e: S("lam_OB") * e, "OBa": lambda e: S("lam_OB") * e},
        observables=observables,
        citations=p.citations,
        description="Trabecular and cortical compartments with site mixes for spine and hip; clinical time scales",
    )
