"""Mechanical loading: habitual load (body weight x activity) and resistance training act through
osteocytes, whose sclerostin inhibits Wnt signalling (mechanostat, after Scheiner et al. 2013).

    Psi = (load_person body_weight habitual_activity + w_train (training - train_acc)) / bmd_skel^n_strain
                                                                  (1 = healthy)
    dtrain_acc/dt = k_acc (training - train_acc)                 (accommodation to a training programme)
    dScl/dt  = k_Scl (down(Psi, s_Scl) - Scl)                    (loading lowers sclerostin)
    diff_OBu <- diff_OBu down(scl_wnt, w_Wnt)                  (Wnt drives osteoblastogenesis)
    P_OPG    <- P_OPG down(scl_free, c_OPG_Scl)                 (Wnt/beta-catenin raises OPG)
    P_RANKL  <- P_RANKL up(scl_free, c_RANKL_Scl)               (osteocyte RANKL)

``scl_wnt`` and ``scl_free`` are the sclerostin free to act (= Scl; an antibody lowers them,
module 'romosozumab').

Strain scales with load over stiffness (~ density^2), so lost bone raises the stimulus and
closes the feedback (skeletal BMD bmd_skel from 'sites'; 1 without it). Bone cells accommodate to a
customary loading environment (Turner 1998, rule 3): the osteogenic stimulus of a new training
programme wanes as it becomes routine (``train_acc``), so its gain levels off (and is partly lost
on stopping). Habitual load and body weight are the customary environment itself and act
persistently: body weight is why the heavier people with metabolic syndrome keep their BMD despite
low-grade inflammation. ``load_person`` (1 for the reference adult) is a person's own customary load,
the set point their skeleton is adapted to: a virtual patient whose measured BMD differs from what
the reference history gives carries the load that makes that BMD their equilibrium
(bonemodel.trials.patient).
"""

from __future__ import annotations

import sympy as sp

from ...model import Input, Model, Module, Observable, State
from ._common import S, down, has, params, up

NAME = "mechanical"


def module(model: Model) -> Module:
    """The mechanical-loading module (acts on the core; feedback through 'sites' if on).

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
    Scl = S("Scl")
    bmd = S("bmd_skel") if has(model, "bmd_skel") else 1
    expressions = {
        "load_stimulus": (
            # only the part of training the bone has not yet accommodated to stimulates it; after
            # a programme stops, accommodation decays without turning into a negative stimulus
            S("load_person") * S("body_weight") * S("habitual_activity")
            + S("w_train") * sp.Max(S("training") - S("train_acc"), 0)
        )
        / bmd ** S("n_strain")
    }
    # Sclerostin that is free to act (a neutralising antibody lowers it, module 'romosozumab'):
    # on Wnt-driven osteoblastogenesis and on the osteocyte's OPG/RANKL.
    expressions["scl_wnt"] = Scl
    expressions["scl_free"] = Scl
    modify = {
        "diff_OBu": lambda e: e * down(S("scl_wnt"), S("w_Wnt")),
        "P_OPG": lambda e: e * down(S("scl_free"), S("c_OPG_Scl")),
        "P_RANKL": lambda e: e * up(S("scl_free"), S("c_RANKL_Scl")),
    }
    return Module(
        NAME,
        states=(
            State("Scl", 1.0, "1", "Osteocyte sclerostin relative to healthy", r"\mathrm{Scl}"),
            State("train_acc", 0.0, "1", "Training dose the bone cells have accommodated to", r"T_{acc}"),
        ),
        inputs=(
            Input("body_weight", 1.0, "1", "Body weight relative to a BMI-25 adult (skeletal load)"),
            Input(
                "habitual_activity",
                1.0,
                "1",
                "Habitual weight-bearing activity relative to an ordinary adult",
            ),
            Input("training", 0.0, "1", "Resistance-training dose (1 = 3 sessions/week at 80 % 1RM)"),
        ),
        parameters=p,
        expressions=expressions,
        rhs={
            "Scl": S("k_Scl") * (down(S("load_stimulus"), S("s_Scl")) - Scl),
            "train_acc": S("k_acc") * (S("training") - S("train_acc")),
        },
        modify=modify,
        observables=(Observable("sclerostin_rel", Scl, "1", "Sclerostin relative to healthy"),),
        citations=p.citations,
        description="Loading lowers osteocyte sclerostin: more osteoblasts, more OPG, less RANKL; mechanostat feedback",
    )
