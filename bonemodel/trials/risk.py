"""Absolute fracture risk of a patient's run: baseline incidence by age and sex x relative risk.

The incidence of the population at age a already contains the average bone loss of people of
that age and the spread of bone strength around it (:mod:`bonemodel.trials.epidemiology`). The
model's ``fracture_rr_site`` is relative to the healthy young adult, so the patient's hazard is the
population's times a relative risk against the **age-average person of the same sex**, as FRAX
does with BMD (Kanis 2008)::

    d_site(t)   = ln(rr_site,patient(t) / rr_site,ref(a(t))) / ln G_model,site(a(t))
    RR_hip(t)   = exp(ln G_hip d_hip - (ln G_hip)^2 / 2)
    RR_major(t) = exp(ln G_major (d_hip + d_vertebral) / 2 - (ln G_major)^2 / 2)
    rate_site(t) = lambda_site(a(t), sex) RR_site(t)                         [per 1,000 person-years]
    prob_site(t) = int_0^t rate_site exp(-int_0^s (rate_site + mu(a))) ds   (death competes)

``rr_ref`` is the model's reference person of the patient's sex (the patient history of
:mod:`bonemodel.trials.patient` without T-scores, CRP or conditions: women with menopause at 51),
followed from 30 to 110 years. ``d_site`` is the patient's deviation from that person in SD
equivalents of density: ``G_model,site(a)`` is the model's own relative risk per SD of site BMD
*at the reference person's state at age a* (their density lowered by one SD, as a T-score
lowers it, everything else kept), so a patient one T-score below the reference is exactly one SD
away, and a deviation of bone quality (perforation, matrix, turnover, CRP) counts as much as the
density loss that would raise the model's risk as much. (The model's gradient falls with density:
2.4 at the hip of a young adult, near Marshall 1996's 2.6, but 1.8 at 70; a fixed 2.6 shrank every
older person's deviation by about 40 %.) ``G`` are the population gradients per SD of BMD (Johnell 2005,
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


class Reference:
    """The reference person of one sex, by age: the model's relative risks and local gradients.

    Calling it with ages [yr] gives ``(rr_hip, rr_vertebral)``; :meth:`gradients` gives the model's
    relative risk per SD of hip and of spine BMD at that person's state (both linear in age between
    monthly points).

    Parameters
    ----------
    ages
        Ages [yr] of the tabulated points, increasing.
    rr
        ``"hip"`` and ``"vertebral"`` -> the reference person's relative risk [1] at ``ages``.
    gradient
        ``"hip"`` and ``"vertebral"`` -> the model's relative risk per SD of site BMD [1] at ``ages``.
    """

    def __init__(self, ages: np.ndarray, rr: dict[str, np.ndarray], gradient: dict[str, np.ndarray]):
        self._ages, self._rr, self._gradient = ages, rr, gradient

    def __call__(self, age: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.interp(age, self._ages, self._rr["hip"]), np.interp(age, self._ages, self._rr["vertebral"])

    def gradients(self, age: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The model's hip and vertebral relative risk per SD of site BMD at ``age``.

        Parameters
        ----------
        age
            Ages [yr].

        Returns
        -------
        tuple of numpy.ndarray
            Hip and vertebral relative risk per SD [1], > 1, linear in age between tabulated points.
        """
        return (
            np.interp(age, self._ages, self._gradient["hip"]),
            np.interp(age, self._ages, self._gradient["vertebral"]),
        )


def deviations(
    rr_hip: np.ndarray, rr_vertebral: np.ndarray, age: np.ndarray, reference: Reference
) -> dict[str, np.ndarray]:
    """A person's deviation from the reference person in SD equivalents of density, per site.

    Parameters
    ----------
    rr_hip, rr_vertebral
        The model's relative risks of the person (any shape broadcasting with ``age``).
    age
        Their ages [yr].
    reference
        :func:`reference_risk` of their sex.

    Returns
    -------
    dict
        ``"hip"`` and ``"major"`` (the mean of the hip and vertebral deviations) -> SD units.
    """
    ref_hip, ref_vert = reference(age)
    g_hip, g_vert = reference.gradients(age)
    d_hip = np.log(rr_hip / ref_hip) / np.log(g_hip)
    d_vert = np.log(rr_vertebral / ref_vert) / np.log(g_vert)
    return {"hip": d_hip, "major": 0.5 * (d_hip + d_vert)}


def reference_risk(
    model: Model, sex: str, simulate: Callable, params: Mapping[str, float] | None = None
) -> Reference:
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
    Reference
        age [yr] (array) -> (rr_hip, rr_vertebral) arrays, linear in age between monthly points;
        ``.gradients(age)``: the model's relative risk per SD of site BMD there.
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
        rr = {
            "hip": np.asarray(sol["fracture_rr_hip"]),
            "vertebral": np.asarray(sol["fracture_rr_vertebral"]),
        }
        _CACHE[key] = Reference(ages, rr, _local_gradients(model, sol, params, rr))
        if len(_CACHE) > 32:
            _CACHE.pop(next(iter(_CACHE)))
    return _CACHE[key]


def _local_gradients(model: Model, sol, params: Mapping[str, float], rr: dict) -> dict[str, np.ndarray]:
    """The model's relative risk per SD of site BMD at each state of the reference person.

    Density lowered by one SD of the site (``SD_pct_site`` % of the young adult) the way
    :mod:`bonemodel.trials.patient` matches a T-score: matrix, osteoid and mineral of both
    compartments scaled by one factor; every other state kept.
    """
    from ..compile import compile_model
    from .patient import SCALED

    compiled = compile_model(model)
    p = compiled.vector(dict(params))
    states = np.asarray(sol.y, dtype=float)
    columns = np.repeat(p[:, None], states.shape[1], axis=1)
    index = {name: i for i, name in enumerate(compiled.observable_names)}
    scaled_rows = [
        compiled.state_names.index(n) for names in SCALED.values() for n in names if n in compiled.state_names
    ]
    out = {}
    for site, risk, bmd in (("hip", "hip", "bmd_hip_rel"), ("vertebral", "vertebral", "bmd_spine_rel")):
        sd = float(
            params.get(
                f"SD_pct_{'hip' if site == 'hip' else 'spine'}",
                model.parameters[f"SD_pct_{'hip' if site == 'hip' else 'spine'}"].value,
            )
        )
        level = compiled.observables(0.0, states, columns)[index[bmd]]
        lowered = states.copy()
        lowered[scaled_rows] *= (level - sd / 100.0) / level
        rr_low = compiled.observables(0.0, lowered, columns)[index[f"fracture_rr_{risk}"]]
        out[site] = np.maximum(rr_low / rr[site], 1.0 + 1e-9)
    return out


def absolute_risk(
    t: np.ndarray,
    rr_hip: np.ndarray,
    rr_vertebral: np.ndarray,
    patient: Patient,
    reference: Reference,
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
    deviation = deviations(rr_hip, rr_vertebral, age, reference)
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
