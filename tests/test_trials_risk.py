"""Absolute fracture risk of a patient's run (baseline incidence x RR vs the age-average person)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import bonemodel as bm
from bonemodel import scenarios as S
from bonemodel.models import load_model
from bonemodel.trials import fracture_probability, incidence
from bonemodel.trials.risk import RISK_COLUMNS, population_gradient

YEAR = 365.25


@pytest.fixture(scope="module")
def model():
    return load_model("inflammation")


@pytest.mark.parametrize("sex, age", [("female", 65.0), ("male", 72.0)])
def test_the_age_average_person_has_the_populations_incidence_over_its_spread(model, sex, age):
    """The reference person (no T-score, CRP or condition) is the age-average person: its hazard
    is the population incidence divided by E[G^-z] = exp((ln G)^2 / 2) over a normal BMD spread."""
    sol = bm.simulate(
        model, 10 * YEAR, patient=bm.Patient(sex=sex, age=age), t_eval=[0.0, 5 * YEAR, 10 * YEAR]
    )
    ages = age + sol.t / YEAR
    for site in ("hip", "major"):
        g = math.log(population_gradient(site, sex))
        expected = np.array([incidence(a, sex, site) for a in ages]) * math.exp(-0.5 * g * g)
        # to the integrators' tolerance (rtol 1e-6 over two separate runs) and the reference's
        # monthly interpolation
        np.testing.assert_allclose(sol[f"fracture_rate_{site}"], expected, rtol=1e-4)
        # the probability integrates that hazard with death competing, as FRAX does
        published_way = fracture_probability(age, 10.0, sex, site, rr=math.exp(-0.5 * g * g))
        assert sol[f"fracture_prob_{site}"][-1] == pytest.approx(published_way, rel=0.01)


def test_a_patients_risk_rises_with_lower_density_and_falls_on_treatment(model):
    base = dict(age=68.0, menopause_age=50.0)
    prob = {}
    for label, t_score, scenario in [
        ("T -1", -1.0, None),
        ("T -2.5", -2.5, None),
        ("T -2.5 + denosumab", -2.5, S.denosumab()),
    ]:
        sol = bm.simulate(
            model, 10 * YEAR, patient=bm.Patient(**base, bmd_t_score=t_score), scenario=scenario
        )
        p = sol["fracture_prob_hip"]
        assert p[0] == 0.0 and np.all(np.diff(p) >= 0) and p[-1] < 1.0
        assert set(RISK_COLUMNS) <= set(sol.to_frame().columns)
        prob[label] = p[-1]
    assert prob["T -1"] < prob["T -2.5"]
    assert prob["T -2.5 + denosumab"] < 0.8 * prob["T -2.5"]


def test_crp_raises_a_patients_absolute_risk_at_the_same_t_score(model):
    """Same measured BMD, different risk: CRP raised for the last 5 years acts through bone quality
    (perforation) and outside the skeleton beyond the T-score. Measured: +3.5 % of the 10-year hip
    probability at CRP 6 mg/L, far less than cohorts' BMD-adjusted association (Q3), see
    docs/patients.md."""
    quiet = bm.simulate(model, 10 * YEAR, patient=bm.Patient(age=60.0, bmd_t_score=-1.5), t_eval=[10 * YEAR])
    inflamed = bm.simulate(
        model, 10 * YEAR, patient=bm.Patient(age=60.0, bmd_t_score=-1.5, crp_mg_l=6.0), t_eval=[10 * YEAR]
    )
    assert inflamed["fracture_prob_hip"][-1] > 1.02 * quiet["fracture_prob_hip"][-1]


def test_user_times_are_kept_and_risk_is_integrated_on_a_fine_grid(model):
    p = bm.Patient(age=70.0, bmd_t_score=-2.0)
    coarse = bm.simulate(model, 10 * YEAR, patient=p, t_eval=[0.0, 10 * YEAR])
    fine = bm.simulate(model, 10 * YEAR, patient=p, t_eval=np.linspace(0.0, 10 * YEAR, 121))
    np.testing.assert_array_equal(coarse.t, [0.0, 10 * YEAR])
    assert coarse["fracture_prob_hip"][-1] == pytest.approx(fine["fracture_prob_hip"][-1], rel=1e-9)
