"""Lifespan: the person's age, and the slow fall of estradiol with it in men.

A person's bone changes with age through inputs that change with age. Women have menopause (the
'estrogen' module, ``menopause()``); men have no menopause, but their bioavailable estradiol falls
steadily through adult life, and it is the sex steroid that best predicts their bone loss (Khosla
1998, 2001). This module keeps the age and applies that fall::

    d age_years/dt = 1/365.25                 age_years(0) = age_ref (30: the healthy adult)
    E2_drive <- E2_drive max(1 - male e2_decline_male (age_years - age_ref), 0)

``male`` is an input (0 for women, the default; 1 for men, set by ``scenarios.male()``), so the
module leaves every run that does not set it unchanged. ``e2_decline_male`` is not fitted: it is the
published fall of bioavailable estradiol, rebased to 30 years. The men's BMD-by-age curve this gives
is a check against NHANES (``examples/lifespan.py``), not a calibration.

Assumptions, named: a man's estradiol at 30 acts as a premenopausal woman's (E2 = 1) through the
same equations; the other age-related inputs (inflammaging) are held at the flagship's ``ageing()``
level; there is no bone accrual after 30 (peak bone mass) and no separate ageing of the osteoblast
lineage, so women lose too little after 75 (see docs/patients.md).
"""

from __future__ import annotations

import sympy as sp

from ...model import Input, Model, Module, Observable, State
from ._common import S, params, require

NAME = "lifespan"


def module(model: Model) -> Module:
    """The lifespan module (needs 'estrogen').

    Parameters
    ----------
    model
        The model built so far: the Pivonka 2008 core with the modules that come before this one
        (in the canonical order of ``ALL``) applied.

    Returns
    -------
    Module
        The module's age state, the men's estradiol decline and the ``age_yr`` observable, with its
        parameters (value, unit, source) read from its parameter file; rates in [unit/day].
    """
    require(model, NAME, "estrogen")
    p = params(NAME)
    age = S("age_years")
    years_past_peak = age - S("age_ref")
    male_fall = sp.Max(1 - S("male") * S("e2_decline_male") * years_past_peak, 0)
    return Module(
        NAME,
        states=(
            State(
                "age_years",
                "age_ref",
                "yr",
                "Age of the person (the healthy adult is age_ref at the start)",
                r"a",
                nonnegative=True,
            ),
        ),
        inputs=(Input("male", 0.0, "1", "1 for a man (estradiol falls with age), 0 for a woman"),),
        parameters=p,
        rhs={"age_years": sp.Integer(1) / sp.Float(365.25)},
        modify={"E2_drive": lambda e: e * male_fall},
        observables=(Observable("age_yr", age, "yr", "Age of the person"),),
        citations=p.citations,
        description="Age, and the fall of bioavailable estradiol with age in men",
    )
