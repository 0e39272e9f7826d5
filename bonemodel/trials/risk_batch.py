"""Absolute fracture risk of many runs at once (people of one sex on one time grid).

The formula is that of :func:`bonemodel.trials.risk.absolute_risk`, applied to a stack of runs:
its pieces (the model's gradients, the population's gradients, incidence and mortality fits, the
reference person) are taken from :mod:`bonemodel.trials.risk` and
:mod:`bonemodel.trials.epidemiology`, and the test suite checks row by row that both give the same
numbers, so a change there that is not made here fails the tests.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .epidemiology import incidence_fit, mortality_fit
from .patient import YEAR
from .risk import Reference, deviations, population_gradient


def absolute_risk_batch(
    t: np.ndarray,
    rr_hip: np.ndarray,
    rr_vertebral: np.ndarray,
    ages: np.ndarray,
    sex: str,
    reference: Reference,
) -> dict[str, np.ndarray]:
    """Absolute fracture rates and cumulative probabilities of runs of people of one sex.

    Parameters
    ----------
    t
        Times [day] of the runs, increasing (K,); the first is each person's age.
    rr_hip, rr_vertebral
        The model's ``fracture_rr_hip`` and ``fracture_rr_vertebral``, shape (B, K).
    ages
        Each person's age at ``t[0]`` [yr], shape (B,).
    sex
        ``"female"`` or ``"male"``.
    reference
        :func:`~bonemodel.trials.risk.reference_risk` of that sex.

    Returns
    -------
    dict
        :data:`~bonemodel.trials.risk.RISK_COLUMNS` -> arrays (B, K): rates [1/(1000
        person-years)] and probabilities since ``t[0]`` (0 to 1), with death as a competing risk.
    """
    t = np.asarray(t, dtype=float)
    age = np.asarray(ages, dtype=float)[:, None] + (t - t[0])[None, :] / YEAR
    deviation = deviations(rr_hip, rr_vertebral, age, reference)
    death = mortality_fit(sex)(age) / 1000.0  # per year
    out = {}
    for site in ("hip", "major"):
        g = np.log(_gradient(site, sex))
        rr = np.exp(g * deviation[site] - 0.5 * g * g)
        rate = incidence_fit(sex, site)(age) * rr  # per 1,000 person-years
        out[f"fracture_rate_{site}"] = rate
        out[f"fracture_prob_{site}"] = _cumulative_probability(age, rate / 1000.0, death)
    return out


@lru_cache(maxsize=8)
def _gradient(site: str, sex: str) -> float:
    """:func:`~bonemodel.trials.risk.population_gradient`, read from its file once per process."""
    return population_gradient(site, sex)


def _cumulative_probability(age: np.ndarray, fracture: np.ndarray, death: np.ndarray) -> np.ndarray:
    """P(t) = int_0^t f exp(-int_0^s (f + d)) ds along each row (trapezoid rule; hazards per year)."""
    dt = np.diff(age, axis=1)
    hazard = fracture + death
    zero = np.zeros((age.shape[0], 1))
    cumulative = np.concatenate(
        [zero, np.cumsum(0.5 * (hazard[:, 1:] + hazard[:, :-1]) * dt, axis=1)], axis=1
    )
    density = fracture * np.exp(-cumulative)
    steps = np.cumsum(0.5 * (density[:, 1:] + density[:, :-1]) * dt, axis=1)
    return np.clip(np.concatenate([zero, steps], axis=1), 0.0, 1.0)
