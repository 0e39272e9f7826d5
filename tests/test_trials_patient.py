"""Virtual patients: validation, history and the start state they give the flagship."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import bonemodel as bm
from bonemodel import scenarios as S
from bonemodel.errors import ScenarioError
from bonemodel.models import load_model
from bonemodel.simulate import simulate
from bonemodel.trials.patient import REFERENCE_AGE, Patient, history, ongoing, start_state

YEAR = 365.25


@pytest.fixture(scope="module")
def model():
    return load_model("inflammation")


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"age": 17.0}, "age"),
        ({"age": 101.0}, "age"),
        ({"age": float("nan")}, "age"),
        ({"menopause_age": 29.0}, "menopause_age"),
        ({"sex": "male", "menopause_age": 50.0}, "man"),
        ({"sex": "other"}, "sex"),
        ({"bmd_t_score": -6.5}, "bmd_t_score"),
        ({"bmd_t_score_hip": 4.5}, "bmd_t_score_hip"),
        ({"crp_mg_l": -1.0}, "crp_mg_l"),
        ({"conditions": ("lupus",)}, "unknown condition 'lupus'"),
        ({"conditions": ("type2_diabetes", "type2_diabetes")}, "repeat"),
        ({"conditions": ("rheumatoid_arthritis",), "crp_mg_l": 4.0}, "not both"),
        ({"calcium_mg_day": -5.0}, "calcium_mg_day"),
        ({"age": True}, "age"),
    ],
)
def test_patient_refuses_bad_input_naming_it(kwargs, words):
    with pytest.raises(ScenarioError, match=words):
        Patient(**kwargs)


def test_patient_is_immutable_and_normalised():
    p = Patient(sex="male", age=60, conditions="type2_diabetes")
    assert p.menopause_age is None and p.conditions == ("type2_diabetes",)
    assert isinstance(p.age, float)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.age = 70.0  # type: ignore[misc]
    q = Patient(age=58.0, menopause_age=50.0, bmd_t_score=-1.8, bmd_t_score_spine=-2.2)
    assert q.t_score_hip == -1.8 and q.t_score_spine == -2.2 and q.years_since_menopause == 8.0
    assert bm.Patient is Patient


def test_history_places_menopause_and_conditions_on_the_patients_clock():
    p = Patient(age=58.0, menopause_age=50.0, conditions=("type2_diabetes",), condition_years=3.0)
    sc, days = history(p)
    assert days == pytest.approx((58.0 - REFERENCE_AGE) * YEAR)
    switches = set(sc.switch_times())
    assert (50.0 - 1.0 - REFERENCE_AGE) * YEAR in switches  # late transition, a year before the FMP
    assert days - 3.0 * YEAR in switches
    # during the run the patient is already postmenopausal and diabetic from day 0
    assert not [t for t in ongoing(p).switch_times() if t > 0]
    later = ongoing(Patient(age=45.0, menopause_age=52.0))
    assert (52.0 - 1.0 - 45.0) * YEAR in later.switch_times()


def test_start_state_matches_the_t_scores(model):
    sd = {site: model.parameters[f"SD_pct_{site}"].value for site in ("hip", "spine")}

    def t_scores(p):
        sol = simulate(model, 1.0, scenario=ongoing(p), y0=start_state(model, p), t_eval=[0.0])
        return {site: (sol[f"bmd_{site}_rel"][0] - 1) * 100 / sd[site] for site in ("hip", "spine")}

    one = t_scores(Patient(age=62.0, menopause_age=51.0, bmd_t_score=-1.8))
    assert (one["hip"] * sd["hip"] + one["spine"] * sd["spine"]) / (sd["hip"] + sd["spine"]) == pytest.approx(
        -1.8, abs=1e-9
    )
    # each site keeps the history's site ratio (after menopause the spine lies ~0.4 SD below the hip)
    assert one["spine"] < one["hip"] < one["spine"] + 0.6
    two = t_scores(Patient(age=62.0, menopause_age=51.0, bmd_t_score_hip=-1.5, bmd_t_score_spine=-2.5))
    mean = (
        1 - 1.5 * sd["hip"] / 100 + 1 - 2.5 * sd["spine"] / 100
    ) / 2  # the mean BMD of the two sites is met
    got = (1 + two["hip"] * sd["hip"] / 100 + 1 + two["spine"] * sd["spine"] / 100) / 2
    assert got == pytest.approx(mean, rel=1e-9)
    p = Patient(age=62.0, menopause_age=51.0, bmd_t_score=-1.8)
    y0 = start_state(model, p)
    # tissue mineral density and connectivity keep what the history made
    free = start_state(model, Patient(age=62.0, menopause_age=51.0))
    assert y0["N_trab"] == free["N_trab"] < 1.0
    for c in ("trab", "cort"):
        assert y0[f"Min_{c}"] / y0[f"V_{c}"] == pytest.approx(free[f"Min_{c}"] / free[f"V_{c}"], rel=1e-12)


def test_history_gives_a_postmenopausal_woman_lower_bmd_than_a_man(model):
    woman = start_state(model, Patient(age=65.0, menopause_age=50.0))
    man = start_state(model, Patient(sex="male", age=65.0))
    young = start_state(model, Patient(age=25.0))
    assert woman["V_trab"] < man["V_trab"] < 1.0
    assert young["V_trab"] == 1.0 and young["E2"] == 1.0
    assert woman["E2"] < 0.2 < man["E2"]


def test_a_patient_run_carries_age_and_continues_the_history(model):
    p = Patient(age=58.0, menopause_age=50.0, bmd_t_score=-1.8, crp_mg_l=4.0)
    sol = bm.simulate(model, 10 * YEAR, patient=p, t_eval=np.linspace(0, 10 * YEAR, 11))
    frame = sol.to_frame()
    assert frame.columns[0] == "age"
    np.testing.assert_allclose(frame["age"].to_numpy(), 58.0 + np.arange(11), rtol=1e-12)
    assert sol.meta["age_at_start"] == 58.0 and "Patient(" in sol.meta["patient"]
    # postmenopausal and inflamed from day 0: bone keeps being lost, CRP stays near 4 mg/L
    assert frame["bmd_hip_pct"].iloc[-1] < -1.0
    assert frame["crp_mg_l"].iloc[-1] == pytest.approx(4.0, rel=0.25)
    # % changes are read from the patient's own start
    assert frame["bmd_hip_pct"].iloc[0] == pytest.approx(0.0, abs=1e-9)
    # a drug on top of the patient's history
    dmab = bm.simulate(model, 3 * YEAR, patient=p, scenario=S.denosumab(), t_eval=[3 * YEAR])
    assert dmab["bmd_hip_pct"][-1] > 2.0


def test_a_patient_needs_the_flagship_and_no_y0(model):
    p = Patient(age=60.0)
    with pytest.raises(ScenarioError, match="flagship"):
        bm.simulate("pivonka2008", 100.0, patient=p)
    with pytest.raises(ScenarioError, match="y0"):
        bm.simulate(model, 100.0, patient=p, y0={"V_trab": 0.9})
    with pytest.raises(ScenarioError, match="Patient"):
        bm.simulate(model, 100.0, patient={"age": 60})


def test_a_history_is_computed_once_for_people_who_share_it():
    # people who differ only in T-score share a history; a change of parameter values does not
    from bonemodel.trials import patient as P

    model = bm.load_model("inflammation")
    P._HISTORY_MEMO.clear()
    a, _ = P.start(model, bm.Patient(age=61.0, bmd_t_score=-1.0))
    b, _ = P.start(model, bm.Patient(age=61.0, bmd_t_score=-2.0))
    assert len(P._HISTORY_MEMO) == 1
    assert b["V_trab"] < a["V_trab"]
    P.start(model, bm.Patient(age=61.0, bmd_t_score=-1.0), params={"e_RANKL": 0.5})
    assert len(P._HISTORY_MEMO) == 2
    fresh = P._history_end_uncached(model, bm.Patient(age=61.0), {}, None)
    cached = P._history_end(model, bm.Patient(age=61.0), {}, None)
    assert cached == fresh
