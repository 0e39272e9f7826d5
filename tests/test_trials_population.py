"""Virtual populations and trials."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import bonemodel as bm
from bonemodel import scenarios as S
from bonemodel.errors import ScenarioError
from bonemodel.trials.population import CRP_MEDIAN, MENOPAUSE_RANGE, reference_t_score

YEAR = 365.25


def _flat(sex, ages):
    return np.full(np.shape(ages), -1.0)


def test_same_seed_same_population_and_covariates_in_range():
    a = bm.population(50, seed=3, age=(55.0, 80.0), mean_t_score=_flat)
    b = bm.population(50, seed=3, age=(55.0, 80.0), mean_t_score=_flat)
    c = bm.population(50, seed=4, age=(55.0, 80.0), mean_t_score=_flat)
    cols = ["age", "menopause_age", "bmd_t_score", "crp_mg_l"]
    pd.testing.assert_frame_equal(a[cols], b[cols])
    assert not np.allclose(a["age"], c["age"])
    assert a["age"].between(55.0, 80.0).all()
    assert a["menopause_age"].between(*MENOPAUSE_RANGE).all()
    assert all(p.bmd_t_score == t for p, t in zip(a["patient"], a["bmd_t_score"]))
    men = bm.population(5, sex="male", age=70.0, mean_t_score=_flat)
    assert men["menopause_age"].isna().all() and (men["age"] == 70.0).all()


def test_population_spreads_are_the_stated_ones():
    """T-score: the age-average person's plus a standard normal deviation; CRP: tertiles at 1 and
    3 mg/L (Pearson 2003)."""
    pop = bm.population(3000, seed=1, age=65.0, mean_t_score=_flat)
    t = pop["bmd_t_score"].to_numpy()
    assert abs(t.mean() + 1.0) < 0.06 and abs(t.std() - 1.0) < 0.05
    crp = pop["crp_mg_l"].to_numpy()
    assert abs(np.median(crp) / CRP_MEDIAN - 1) < 0.1
    assert abs(np.mean(crp < 1.0) - 1 / 3) < 0.03 and abs(np.mean(crp > 3.0) - 1 / 3) < 0.03


def test_reference_t_score_is_the_model_average_woman():
    ages = np.array([30.0, 50.0, 70.0])
    t = reference_t_score("female", ages)
    assert t[0] == pytest.approx(0.0, abs=1e-9)
    assert t[2] < t[1] < 0.0


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"n": 0}, "n"),
        ({"n": 5, "age": (70.0, 60.0)}, "low < high"),
        ({"n": 5, "age": (60.0, 70.0, 80.0)}, "pair"),
        ({"n": 5, "age": 120.0}, "age"),
        ({"n": 5, "conditions": ("gout",)}, "unknown condition"),
        ({"n": 5, "sex": "x"}, "sex"),
    ],
)
def test_population_refuses_bad_input(kwargs, words):
    with pytest.raises(ScenarioError, match=words):
        bm.population(**kwargs, mean_t_score=_flat)


@pytest.fixture(scope="module")
def result():
    pop = bm.population(6, seed=2, age=(62.0, 72.0))
    arms = {"placebo": None, "denosumab": S.denosumab()}
    return bm.trial("inflammation", pop, arms, 2 * YEAR, ["bmd_hip_pct@365.25", "bmd_spine_pct"])


def test_trial_runs_every_person_in_every_arm(result):
    frame = result.frame
    assert len(frame) == 12 and list(result.arms) == ["placebo", "denosumab"]
    assert set(frame.columns) >= {
        "arm",
        "person",
        "age",
        "bmd_hip_pct@365.25",
        "bmd_spine_pct",
        "fracture_prob_hip",
    }
    # each person's placebo run is their own simulate(patient=...) run
    one = frame[(frame.arm == "placebo") & (frame.person == 0)].iloc[0]
    person = bm.population(6, seed=2, age=(62.0, 72.0))["patient"].iloc[0]
    sol = bm.simulate("inflammation", 2 * YEAR, patient=person)
    assert one["bmd_spine_pct"] == pytest.approx(sol["bmd_spine_pct"][-1], rel=1e-9)


def test_trial_summary_gives_distributions_and_hazard_ratios(result):
    table = result.summary(responder={"bmd_hip_pct@365.25": 0.0})
    e = "bmd_hip_pct@365.25"
    assert table.loc["denosumab", f"{e} mean"] > table.loc["placebo", f"{e} mean"] + 3.0
    for arm in result.arms:
        values = result.frame.loc[result.frame.arm == arm, e]
        assert table.loc[arm, f"{e} sd"] == pytest.approx(values.std(ddof=1))
        half = 1.96 * values.std(ddof=1) / math.sqrt(len(values))
        assert table.loc[arm, f"{e} ci_high"] == pytest.approx(values.mean() + half)
    assert table.loc["denosumab", f"{e} responders"] == 1.0
    assert table.loc["placebo", "hip HR"] == 1.0 and table.loc["denosumab", "hip HR"] < 0.9
    assert (table["hip ci_low"] <= table["hip fractures per 1000 PY"]).all()


@pytest.mark.parametrize(
    "change, words",
    [
        ({"arms": {}}, "non-empty"),
        ({"arms": {"x": "denosumab"}}, "not a Scenario"),
        ({"endpoints": ["bmd_knee_pct@100"]}, "unknown endpoint"),
        ({"endpoints": ["bmd_hip_pct@9999"]}, "outside the follow-up"),
        ({"endpoints": ["bmd_hip_pct@soon"]}, "must be a number"),
        ({"population": pd.DataFrame({"age": [60.0]})}, "patient"),
    ],
)
def test_trial_refuses_bad_input_before_running(change, words):
    kwargs = {
        "population": bm.population(2, seed=0, mean_t_score=_flat),
        "arms": {"placebo": None},
        "endpoints": ["bmd_hip_pct@365.25"],
    }
    kwargs.update(change)
    with pytest.raises(ScenarioError, match=words):
        bm.trial("inflammation", t_end=YEAR, **kwargs)


TRIAL_FILE = """
[population]
n = 3
seed = 1
age = [62.0, 70.0]

[trial]
t_end_days = 365.25
endpoints = ["bmd_hip_pct@365.25"]

[arms.placebo]

[arms.denosumab]
scenarios = [{ name = "denosumab", dose_mg = 60.0 }]
"""


def test_trial_command_runs_a_file_and_writes_both_tables(tmp_path, capsys):
    from bonemodel.cli import main

    config = tmp_path / "trial.toml"
    config.write_text(TRIAL_FILE)
    assert main(["trial", str(config), "--out", str(tmp_path / "res")]) == 0
    people = pd.read_csv(tmp_path / "res" / "trial_people.csv")
    summary = pd.read_csv(tmp_path / "res" / "trial_summary.csv", index_col="arm")
    assert len(people) == 6 and list(summary.index) == ["placebo", "denosumab"]
    assert (
        summary.loc["denosumab", "bmd_hip_pct@365.25 mean"]
        > summary.loc["placebo", "bmd_hip_pct@365.25 mean"]
    )
    assert "hip HR" in capsys.readouterr().out


@pytest.mark.parametrize(
    "text, words",
    [
        (TRIAL_FILE.replace('name = "denosumab"', 'name = "__import__"'), "unknown scenario"),
        (TRIAL_FILE.replace("dose_mg", "dose"), "no argument 'dose'"),
        (TRIAL_FILE.replace("n = 3", ""), "needs n"),
        (TRIAL_FILE + "\n[extra]\n", "unknown section"),
        ("x = [", "not valid TOML"),
    ],
)
def test_trial_command_refuses_bad_files_in_one_line(tmp_path, capsys, text, words):
    from bonemodel.cli import main

    config = tmp_path / "trial.toml"
    config.write_text(text)
    assert main(["trial", str(config)]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
