"""Between-person variability: turnover per person, DXA precision and unexplained change."""

from __future__ import annotations

import math

import numpy as np
import pytest

import bonemodel as bm
from bonemodel import scenarios as S
from bonemodel.errors import ScenarioError
from bonemodel.trials import variability as V
from bonemodel.trials.patient import own_parameters, start

YEAR = 365.25


@pytest.fixture(scope="module")
def flagship():
    return bm.load_model("inflammation")


def test_turnover_multipliers_have_mean_one_and_the_stated_spread():
    rng = np.random.default_rng(0)
    m = V.draw_turnover(rng, 200_000)
    sigma = bm.load_parameters("trial_variability")["turnover_log_sd"].value
    assert np.all(m > 0)
    assert m.mean() == pytest.approx(1.0, abs=0.005)
    assert np.log(m).std() == pytest.approx(sigma, rel=0.01)


def test_measurement_adds_two_scans_and_a_random_walk():
    p = bm.load_parameters("trial_variability")
    cv, walk = p["dxa_cv_hip"].value, p["unexplained_sd"].value
    assert V.measurement_sd("hip", 0.0) == pytest.approx(math.sqrt(2) * cv)
    assert V.measurement_sd("hip", 3 * YEAR) == pytest.approx(math.sqrt(2 * cv**2 + 3 * walk**2))
    rng = np.random.default_rng(1)
    noisy = V.measured_change(np.full(100_000, 5.0), "hip", 3 * YEAR, rng)
    assert noisy.mean() == pytest.approx(5.0, abs=0.05)
    assert noisy.std() == pytest.approx(V.measurement_sd("hip", 3 * YEAR), rel=0.02)
    with pytest.raises(ValueError, match="site"):
        V.measurement_sd("wrist", YEAR)


def test_the_calibration_meets_freedoms_placebo_spread_with_the_models_own_spread():
    # the printed CIs allow 3.4-4.8 % at 36 months; the model itself adds about 0.5 % (placebo)
    total = math.sqrt(V.measurement_sd("hip", 3 * YEAR) ** 2 + 0.5**2)
    assert 3.38 < total < 4.78
    # and the 12-month SD falls in its range (2.25-4.5) without further fitting
    assert 2.25 < math.sqrt(V.measurement_sd("hip", YEAR) ** 2 + 0.17**2) < 4.5


def test_a_persons_turnover_scales_their_tau_in_history_and_run(flagship):
    fast = bm.Patient(age=68.0, bmd_t_score=-2.0, turnover=2.0)
    own = own_parameters(flagship, fast)
    for name in ("tau_trab", "tau_cort"):
        assert own[name] == pytest.approx(2.0 * flagship.parameters[name].value)
    assert own_parameters(flagship, bm.Patient(age=68.0)) == {}
    _, run_params = start(flagship, fast)
    assert run_params["tau_trab"] == own["tau_trab"] and "load_person" in run_params
    # a faster remodeler gains more on denosumab (more remodeling space to refill)
    gains = [
        bm.simulate(flagship, YEAR, patient=bm.Patient(age=68.0, bmd_t_score=-2.0, turnover=k),
                    scenario=S.denosumab())["bmd_hip_pct"][-1]
        for k in (0.5, 1.0, 2.0)
    ]  # fmt: skip
    assert gains[0] < gains[1] < gains[2]


def test_patient_refuses_a_bad_turnover():
    for bad in (0.0, -1.0, float("nan"), 50.0):
        with pytest.raises(ScenarioError, match="turnover"):
            bm.Patient(age=60.0, turnover=bad)


def test_population_draws_turnover_after_the_covariates():
    a = bm.population(50, seed=3, age=(60.0, 70.0), individual=True, mean_t_score=_flat)
    b = bm.population(50, seed=3, age=(60.0, 70.0), individual=False, mean_t_score=_flat)
    for column in ("age", "menopause_age", "bmd_t_score", "crp_mg_l"):
        np.testing.assert_array_equal(a[column], b[column])
    assert (b["turnover"] == 1.0).all() and a["turnover"].std() > 0.1
    assert [p.turnover for p in a["patient"]] == a["turnover"].tolist()


def _flat(sex, ages):
    return np.full_like(np.asarray(ages, dtype=float), -1.5)
