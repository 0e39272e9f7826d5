"""A trial's BMD endpoints as a trial measures them: DXA precision and unexplained change."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import bonemodel as bm
from bonemodel.trials import variability as V

YEAR = 365.25


def _frame(n: int = 20_000) -> pd.DataFrame:
    people = np.repeat(np.arange(n), 2)
    return pd.DataFrame(
        {
            "arm": np.tile(["placebo", "drug"], n),
            "person": people,
            "bmd_hip_pct@365.25": np.tile([-0.5, 3.0], n),
            "bmd_hip_pct@1095.75": np.tile([-1.5, 5.0], n),
            "ctx_pct@365.25": np.tile([0.0, -60.0], n),
        }
    )


ENDPOINTS = ["bmd_hip_pct@365.25", "bmd_hip_pct@1095.75", "ctx_pct@365.25"]


def test_measured_endpoints_have_the_stated_spread_and_one_course_per_person():
    frame = _frame()
    out = V.measure_frame(frame, ENDPOINTS, seed=5)
    pd.testing.assert_series_equal(out["ctx_pct@365.25"], frame["ctx_pct@365.25"])  # not a DXA read
    for e, days in (("bmd_hip_pct@365.25", YEAR), ("bmd_hip_pct@1095.75", 3 * YEAR)):
        noise = out[e] - frame[e]
        assert abs(noise.mean()) < 0.05
        assert noise.std() == pytest.approx(V.measurement_sd("hip", days), rel=0.02)
    # the same baseline scan and the same walk: the two reads of a person are correlated as a course
    a = out["bmd_hip_pct@365.25"] - frame["bmd_hip_pct@365.25"]
    b = out["bmd_hip_pct@1095.75"] - frame["bmd_hip_pct@1095.75"]
    p = bm.load_parameters("trial_variability")
    cv, walk = p["dxa_cv_hip"].value, p["unexplained_sd"].value
    expected_cov = cv**2 + walk**2  # shared baseline scan error and the first year's walk
    assert np.cov(a, b)[0, 1] == pytest.approx(expected_cov, rel=0.05)


def test_measurement_is_reproducible_and_independent_of_row_order():
    frame = _frame(500)
    first = V.measure_frame(frame, ENDPOINTS, seed=1)
    shuffled = frame.sample(frac=1.0, random_state=3)
    again = V.measure_frame(shuffled, ENDPOINTS, seed=1).loc[frame.index]
    pd.testing.assert_frame_equal(first, again)
    assert not V.measure_frame(frame, ENDPOINTS, seed=2).equals(first)


def test_trial_reports_measured_bmd_on_request():
    model = bm.load_model("inflammation")
    pop = bm.population(6, seed=2, age=(65.0, 70.0))
    arms = {"placebo": None, "denosumab": bm.scenarios.denosumab()}
    endpoints = ["bmd_hip_pct@365.25", "ctx_pct@365.25"]
    true = bm.trial(model, pop, arms, YEAR, endpoints, method="simulate")
    seen = bm.trial(model, pop, arms, YEAR, endpoints, method="simulate", measured=True, seed=4)
    assert seen.meta["measured"] == {"seed": 4}
    np.testing.assert_allclose(seen.frame["ctx_pct@365.25"], true.frame["ctx_pct@365.25"])
    noise = seen.frame["bmd_hip_pct@365.25"] - true.frame["bmd_hip_pct@365.25"]
    assert noise.abs().max() > 0 and noise.abs().max() < 6 * V.measurement_sd("hip", YEAR)
    with pytest.raises(bm.ScenarioError, match="measured"):
        bm.trial(model, pop, arms, YEAR, endpoints, method="simulate", measured="yes")


def test_the_measurement_sd_grows_as_a_random_walk():
    assert V.measurement_sd("spine", 4 * YEAR) ** 2 - V.measurement_sd("spine", YEAR) ** 2 == pytest.approx(
        3 * bm.load_parameters("trial_variability")["unexplained_sd"].value ** 2
    )
    assert math.isfinite(V.measurement_sd("spine", 0.0))
