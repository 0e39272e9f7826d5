"""Absolute fracture risk of a patient's run: baseline incidence by age and sex x relative risk.

The incidence of the population at age a already contains the average bone loss of people of
that age and the spread of bone strength around it (:mod:`bonemodel.trials.epidemiology`). The
model's ``fracture_rr_site`` is relative to the healthy young adult, so the patient's hazard is the
population's times a relative risk against the **age-average person of the same sex**, as FRAX
does with BMD (Kanis 2008)::

    d_site(t)   = ln(rr_site,patient(t) / rr_site,ref(a(t))) / ln G_model,site
    RR_hip(t)   = exp(ln G_hip d_hip - (ln G_hip)^2 / 2)
    RR_major(t) = exp(ln G_major (d_hip + d_vertebral) / 2 - (ln G_major)^2 / 2)
    rate_site(t) = lambda_site(a(t), sex) RR_site(t)                         [per 1,000 person-years]
    prob_site(t) = int_0^t rate_site exp(-int_0^s (rate_site + mu(a))) ds   (death competes)

``rr_ref`` is the model's reference person of the patient's sex (the patient history of
:mod:`bonemodel.trials.patient` without T-scores, CRP or conditions: women with menopause at 51),
followed from 30 to 110 years. ``d_site`` is the patient's deviation from that person in SD
equivalents of density: the model's relative risk is converted with the BMD gradients it keeps for
density changes (Marshall 1996: 2.6 per SD at the hip, 2.3 for vertebral fracture), so a deviation
of bone quality (perforation, matrix, turnover, CRP) counts as much as the density loss that would
raise the model's risk as much. ``G`` are the population gradients per SD of BMD (Johnell 2005,
age 65: hip 2.88 women / 2.94 men; major osteoporotic 1.38 / 1.41); dividing by
exp((ln G)^2 / 2), the mean of G^-z over a standard-normal population, keeps the population's
average hazard at lambda.

Assumptions, named: the reference person stands for the age-average person (for men and women
their hip BMD by age is checked against NHANES in ``examples/lifespan.py``); the gradients do not
change with age; major osteoporotic fracture follows hip and vertebral strength equally.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from ..model import Model
from .epidemiology import incidence_fit, mortality_fit
from .patient import REFERENCE_AGE, YEAR, Patient, history

MODEL_GRADIENT = {"hip": 2.6, "vertebral": 2.3}
"""The model's fracture-risk gradients per SD of density (Marshall 1996), which its strength-based
relative risk reproduces for density changes (tests/test_models_inflammation_quality.py)."""

REFERENCE_END_AGE = 110.0
"""Age [yr] to which the reference person is followed."""

RISK_COLUMNS = ("fracture_rate_hip", "fracture_rate_major", "fracture_prob_hip", "fracture_prob_major")
"""The absolute-risk columns a patient's run gains."""


def population_gradient(site: str, sex: str) -> float:
    """Fracture risk ratio per SD decrease of femoral-neck BMD in the population (Johnell 2005).

    Parameters
    ----------
    site
        ``"hip"`` or ``"major"``.
    sex
        ``"female"`` or ``"male"``.

    Returns
    -------
    float
        The gradient (dimensionless), at age 65.
    """
    from ..parameters import load_parameters

    return float(load_parameters("fracture_epidemiology")[f"bmd_gradient_{site}_{sex}_65"].value)


def reference_risk(
    model: Model, sex: str, simulate: Callable, params: Mapping[str, float] | None = None
) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The model's hip and vertebral relative risks of the reference person of ``sex``, by age.

    Parameters
    ----------
    model
        The ``inflammation`` model.
    sex
        ``"female"`` or ``"male"``.
    simulate
        The simulate function (passed in: this lower layer does not import it).
    params
        Parameter values [their units] (the patient's, without their own set point).

    Returns
    -------
    callable
        age [yr] (array) -> (rr_hip, rr_vertebral) arrays, linear in age between monthly points.
    """
    from ..compile import compile_model

    key = (compile_model(model).key, sex, tuple(sorted((params or {}).items())))
    return _reference(key, model, sex, simulate, dict(params or {}))


_CACHE: dict = {}
"""(model structure, sex, parameter values) -> reference risk by age (a few kept)."""


def _reference(key, model, sex, simulate, params):
    if key not in _CACHE:
        scenario, _ = history(Patient(sex=sex, age=100.0))  # inputs run on past 100 unchanged
        days = (REFERENCE_END_AGE - REFERENCE_AGE) * YEAR
        grid = np.linspace(0.0, days, int(round((REFERENCE_END_AGE - REFERENCE_AGE) * 12)) + 1)
        sol = simulate(model, days, params=params, scenario=scenario, t_eval=grid)
        ages = REFERENCE_AGE + grid / YEAR
        hip, vert = sol["fracture_rr_hip"], sol["fracture_rr_vertebral"]
        _CACHE[key] = lambda a: (np.interp(a, ages, hip), np.interp(a, ages, vert))
        if len(_CACHE) > 32:
            _CACHE.pop(next(iter(_CACHE)))
    return _CACHE[key]


def absolute_risk(
    t: np.ndarray,
    rr_hip: np.ndarray,
    rr_vertebral: np.ndarray,
    patient: Patient,
    reference: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
) -> dict[str, np.ndarray]:
    """Absolute fracture rates and cumulative probabilities along a patient's run.

    Parameters
    ----------
    t
        Times [day] of the run, increasing; the first is the patient's age.
    rr_hip, rr_vertebral
        The model's ``fracture_rr_hip`` and ``fracture_rr_vertebral`` at ``t`` (relative to the
        healthy young adult).
    patient
        The person (age at ``t[0]``, sex).
    reference
        :func:`reference_risk` for the patient's sex.

    Returns
    -------
    dict
        :data:`RISK_COLUMNS` -> arrays at ``t``: rates [1/(1000 person-years)] and probabilities
        since ``t[0]`` (0 to 1), with death as a competing risk.
    """
    t = np.asarray(t, dtype=float)
    age = patient.age + (t - t[0]) / YEAR
    ref_hip, ref_vert = reference(age)
    d_hip = np.log(rr_hip / ref_hip) / np.log(MODEL_GRADIENT["hip"])
    d_vert = np.log(rr_vertebral / ref_vert) / np.log(MODEL_GRADIENT["vertebral"])
    deviation = {"hip": d_hip, "major": 0.5 * (d_hip + d_vert)}
    death = mortality_fit(patient.sex)(age) / 1000.0  # per year
    out = {}
    for site in ("hip", "major"):
        g = np.log(population_gradient(site, patient.sex))
        rr = np.exp(g * deviation[site] - 0.5 * g * g)
        rate = incidence_fit(patient.sex, site)(age) * rr  # per 1,000 person-years
        out[f"fracture_rate_{site}"] = rate
        out[f"fracture_prob_{site}"] = _cumulative_probability(age, rate / 1000.0, death)
    return out


def _cumulative_probability(age: np.ndarray, fracture: np.ndarray, death: np.ndarray) -> np.ndarray:
    """P(t) = int_0^t f exp(-int_0^s (f + d)) ds on the grid (trapezoid rule; hazards per year)."""
    dt = np.diff(age)
    hazard = fracture + death
    cumulative = np.concatenate([[0.0], np.cumsum(0.5 * (hazard[1:] + hazard[:-1]) * dt)])
    density = fracture * np.exp(-cumulative)
    return np.clip(np.concatenate([[0.0], np.cumsum(0.5 * (density[1:] + density[:-1]) * dt)]), 0.0, 1.0)
