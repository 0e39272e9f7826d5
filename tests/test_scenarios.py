"""Named scenarios: constructors, registry, combination with +, and what each one sets."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bonemodel import scenarios as S
from bonemodel.errors import ScenarioError
from bonemodel.models import load_model
from bonemodel.simulate import simulate

_trapezoid = getattr(np, "trapezoid", None) or np.trapz

CONDITIONS = [
    "healthy",
    "menopause",
    "ageing",
    "rheumatoid_arthritis",
    "low_grade_inflammation",
    "metabolic_syndrome",
    "type2_diabetes",
]
INTERVENTIONS = [
    "omega3",
    "resistance_training",
    "polyphenols",
    "vitamin_d",
    "magnesium",
    "calcium",
    "metabolic_improvement",
    "anti_tnf",
]


def test_exports_are_kept():
    assert S.Scenario is not None and S.Window is not None and callable(S.combine)
    assert set(CONDITIONS + INTERVENTIONS) <= set(S.REGISTRY)


@pytest.mark.parametrize("name", sorted(S.REGISTRY))
def test_registry_constructors_take_no_arguments_and_name_known_inputs(name):
    sc = S.REGISTRY[name]()
    assert isinstance(sc, S.Scenario)
    model = load_model("inflammation")
    assert sc.targets <= set(model.input_names)


@pytest.mark.parametrize("condition", CONDITIONS)
@pytest.mark.parametrize("intervention", INTERVENTIONS)
def test_every_condition_combines_with_every_intervention(condition, intervention):
    sc = S.REGISTRY[condition]() + S.REGISTRY[intervention]()
    assert sc.targets == S.REGISTRY[condition]().targets | S.REGISTRY[intervention]().targets


def test_condition_from_day_zero_is_an_override_and_later_a_window():
    assert S.menopause().overrides == {"E2_target": 0.1}
    late = S.menopause(start_day=365.0)
    assert late.overrides == {} and late.windows[0].start == 365.0 and math.isinf(late.windows[0].stop)
    ra = S.rheumatoid_arthritis("moderate", start_day=10, stop_day=20)
    assert {w.target for w in ra.windows} == {"ra_activity", "habitual_activity"}
    assert ra.windows[0].stop == 20


def test_ra_activity_levels_are_ordered():
    levels = [S.rheumatoid_arthritis(a).overrides["ra_activity"] for a in ("low", "moderate", "high")]
    assert levels == sorted(levels) and levels[-1] == 1.0


def test_resistance_training_dose():
    assert S.resistance_training().overrides["training"] == pytest.approx(1.0)
    assert S.resistance_training(2, 0.4).overrides["training"] == pytest.approx(2 / 3 * 0.25)


def test_anti_tnf_average_and_doses():
    assert S.anti_tnf().overrides["antiTNF_rate"] == pytest.approx(40 / 14)
    doses = S.anti_tnf(start_day=0, stop_day=140, dosing="doses")
    assert len(doses.windows) == 10 and doses.windows[1].start == 14.0
    model = load_model("inflammation")
    avg = simulate(model, 200.0, scenario=S.anti_tnf(stop_day=140))
    disc = simulate(model, 200.0, scenario=doses)
    # the same drug exposure, whether dosed on average or as injections
    assert _trapezoid(disc["antitnf_mg_l"], disc.t) == pytest.approx(
        _trapezoid(avg["antitnf_mg_l"], avg.t), rel=0.02
    )


def test_low_grade_inflammation_sets_the_steady_crp():
    model = load_model("inflammation")
    for crp in (2.0, 4.0, 8.0):
        sol = simulate(model, 400.0, scenario=S.low_grade_inflammation(crp=crp))
        assert sol["crp_mg_l"][-1] == pytest.approx(crp, rel=1e-3)
    # below the healthy CRP there is no inflammation to add: refused, not silently the healthy CRP
    with pytest.raises(ScenarioError, match=r"below the model's healthy CRP \(1 mg/L\)"):
        S.low_grade_inflammation(crp=0.5)


def test_metabolic_improvement_scales_the_condition():
    model = load_model("inflammation")
    sc = S.metabolic_syndrome() + S.metabolic_improvement(0.5, start_day=100)
    sol = simulate(model, 600.0, scenario=sc)
    plain = simulate(model, 600.0, scenario=S.metabolic_syndrome())
    assert sol["ros_rel"][-1] < plain["ros_rel"][-1]
    assert sol["crp_mg_l"][-1] < plain["crp_mg_l"][-1]
    assert (
        sol.meta["parameters"]["insulin_resistance"] == 1.0
    )  # the condition stays; the improvement acts on it


def test_conflicting_conditions_are_refused():
    with pytest.raises(ScenarioError, match="set 'insulin_resistance' to different values"):
        S.metabolic_syndrome() + S.type2_diabetes()
    with pytest.raises(ScenarioError, match="overlap"):
        S.calcium(start_day=10) + S.calcium(500, start_day=20)


@pytest.mark.parametrize(
    "make, text",
    [
        (lambda: S.rheumatoid_arthritis("severe"), "activity must be one of"),
        (lambda: S.menopause(e2_post=2.0), "e2_post"),
        (lambda: S.omega3(-1), "dose_g_day"),
        (lambda: S.calcium(1000, start_day=10, stop_day=5), "stop_day"),
        (lambda: S.resistance_training(3, 1.5), "intensity"),
        (lambda: S.low_grade_inflammation(crp=-1), "crp"),
        (lambda: S.anti_tnf(drug="aspirin"), "drug"),
        (lambda: S.polyphenols(1.0), "nfkb_inhibition"),
    ],
)
def test_invalid_arguments_are_explained(make, text):
    with pytest.raises(ScenarioError, match=text):
        make()
