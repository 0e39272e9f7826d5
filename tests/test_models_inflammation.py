"""The inflammation model: Pivonka 2008 recovered with modules off, switchable modules,
the clinical targets of ../shared/clinical-targets.md, and mechanism checks.

A target the calibrated model misses is an xfail(strict=True) carrying the measured number, so
it flips to a failure (to be promoted) as soon as a change makes it pass.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import sympy as sp

import bonemodel as bm
from bonemodel import scenarios as S
from bonemodel.errors import ModelError
from bonemodel.model import Input, Module
from bonemodel.models import load_model
from bonemodel.models.inflammation import ALL, DEFAULT, build
from bonemodel.models.inflammation.calibrate import CALIBRATED, DRUG_CALIBRATED, PK_CALIBRATED, calibrate
from bonemodel.models.inflammation.targets import KNOWN_MISSES, TARGETS, evaluate
from bonemodel.simulate import simulate

YEAR = 365.25
CONTRACT = [
    "bmd_spine_pct",
    "bmd_hip_pct",
    "ctx_pct",
    "p1np_pct",
    "crp_mg_l",
    "rankl_opg",
    "fracture_rr_hip",
    "fracture_rr_vertebral",
]
DEPENDS = {
    "resolution": {"cytokines"},
    "antitnf": {"cytokines"},
    "couplings": {"cytokines"},
    "mineral": {"sites"},
    "outputs": {"sites"},
    "quality": {"sites"},
    "methotrexate": {"cytokines"},
    "romosozumab": {"mechanical"},
    "lifespan": {"estrogen"},
}


@pytest.fixture(scope="module")
def model():
    return load_model("inflammation")


@pytest.fixture(scope="module")
def table(model):
    return evaluate(model).set_index("id")


def _assert_at_rest(sol) -> None:
    """Every state at its start value at the end, but the age clock (which counts the years)."""
    still = [i for i, name in enumerate(sol.state_names) if name != "age_years"]
    np.testing.assert_allclose(sol.y[still, -1], sol.y[still, 0], rtol=1e-6, atol=1e-12)


def _without(module: str) -> tuple[str, ...]:
    """All modules except ``module`` and the ones that need it."""
    return tuple(m for m in ALL if m != module and module not in DEPENDS.get(m, set()))


# ------------------------------------------------------------------------------ structure
def test_modules_off_reproduce_pivonka2008_exactly():
    core = load_model("pivonka2008")
    bare = build(modules=())
    assert bare.state_names == core.state_names
    assert [sp.simplify(a - b) for a, b in zip(bare.resolved_rhs(), core.resolved_rhs())] == [0] * 4
    assert bare.parameters.values() == core.parameters.values()
    for scenario in (None, "D_OCp_x10", "PTH_infusion"):
        ref = simulate(core, 400.0, scenario=scenario)
        ours = simulate(bare, 400.0, scenario=scenario)
        np.testing.assert_array_equal(ours.t, ref.t)
        np.testing.assert_array_equal(ours.y, ref.y)
        np.testing.assert_array_equal(ours.observable_values, ref.observable_values)


def test_full_model_exposes_the_observable_contract(model):
    assert set(CONTRACT) <= set(model.observable_names)
    assert set(DEFAULT) == set(model.modules)


def test_healthy_adult_is_a_steady_state(model):
    sol = simulate(model, 10 * YEAR, scenario=S.healthy(), t_eval=[0.0, 10 * YEAR])
    # every state but the age clock, which counts the 10 years
    _assert_at_rest(sol)
    assert sol["age_years"][-1] - sol["age_years"][0] == pytest.approx(10.0, abs=1e-9)
    for name in ("bmd_spine_pct", "bmd_hip_pct", "ctx_pct", "p1np_pct"):
        assert abs(sol[name][-1]) < 1e-5
    for name in ("fracture_rr_hip", "fracture_rr_vertebral", "rankl_opg"):
        assert sol[name][-1] == pytest.approx(1.0, abs=1e-6)


DRUG_INPUTS = {
    "methotrexate": ["mtx"],
    "denosumab": ["denosumab_rate"],
    "bisphosphonates": ["alendronate_rate", "zoledronate_rate"],
    "teriparatide": ["teriparatide_rate"],
    "romosozumab": ["romosozumab_rate"],
    "glucocorticoid": ["gc_dose"],
}
"""Modules that act only when their drug is dosed, with their dosing inputs (their switch-off is
simulated once for all of them: one compile instead of six)."""
DRUG_MODULES = tuple(DRUG_INPUTS)


@pytest.mark.parametrize("module", [m for m in ALL if m not in DRUG_MODULES])
def test_each_module_can_be_switched_off(module):
    modules = _without(module)
    m = build(modules=modules)
    assert module not in m.modules
    assert set(m.modules) == set(modules)
    sol = simulate(m, 2 * YEAR, t_eval=[0.0, 2 * YEAR])
    _assert_at_rest(sol)


@pytest.mark.parametrize("module", DRUG_MODULES)
def test_each_drug_module_can_be_switched_off(module):
    m = build(modules=_without(module))
    assert module not in m.modules
    assert not set(DRUG_INPUTS[module]) & set(m.input_names), "its dosing input is gone"
    assert set(DRUG_INPUTS[module]) <= set(load_model("inflammation").input_names)


def test_drug_modules_off_give_the_same_disease_model(model):
    """Undosed drugs are inert: the model without them runs every condition identically."""
    without = build(modules=[m for m in ALL if m not in DRUG_MODULES])
    scenario = S.menopause() + S.rheumatoid_arthritis("high", start_day=YEAR) + S.type2_diabetes()
    a = simulate(model, 5 * YEAR, scenario=scenario, t_eval=[0.0, 5 * YEAR])
    b = simulate(without, 5 * YEAR, scenario=scenario, t_eval=[0.0, 5 * YEAR])
    for name in ("bmd_spine_pct", "bmd_hip_pct", "ctx_pct", "crp_mg_l", "fracture_rr_hip", "tbs_pct"):
        assert a[name][-1] == pytest.approx(b[name][-1], rel=1e-6, abs=1e-9), name


@pytest.mark.parametrize("module", ALL)
def test_each_module_on_the_core_alone(module):
    modules = tuple(sorted(DEPENDS.get(module, set()))) + (module,)
    m = build(modules=modules)
    assert m.modules == tuple(x for x in ALL if x in modules)
    sol = simulate(m, YEAR, t_eval=[0.0, YEAR])
    _assert_at_rest(sol)


def test_module_without_its_dependency_is_refused():
    with pytest.raises(ModelError, match="needs module"):
        build(modules=("couplings",))
    with pytest.raises(ModelError, match="did you mean 'cytokines'"):
        build(modules=("cytokine",))


def test_switching_a_module_off_removes_its_effect(model):
    no_estrogen = build(modules=_without("estrogen"))
    with_e = simulate(model, 3 * YEAR, scenario=S.menopause())
    assert with_e["bmd_spine_pct"][-1] < -4.0
    with pytest.raises(Exception, match="E2_target"):
        simulate(no_estrogen, 3 * YEAR, scenario=S.menopause())


def test_every_calibrated_parameter_is_marked_calibrated(model):
    for name in CALIBRATED:
        p = model.parameters[name]
        assert p.source == "calibrated", name
        assert re.search(r"\b[TMCQRL]\d", p.note), f"{name}: note should name its targets"
    for spec in DRUG_CALIBRATED.values():
        for name in spec:
            p = model.parameters[name]
            assert p.source == "calibrated", name
            assert re.search(r"\b[TD]\d", p.note), (
                f"{name}: note should name the drug targets it is fitted to"
            )
    for spec in PK_CALIBRATED.values():
        for name in spec:
            p = model.parameters[name]
            assert p.source == "calibrated", name
            assert "--stage pk" in p.note, f"{name}: note should say the PK fit sets it"


# -------------------------------------------------------------------------------- targets


@pytest.mark.parametrize(
    "target_id",
    [
        pytest.param(t.id, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[t.id][0]))
        if t.id in KNOWN_MISSES
        else t.id
        for t in TARGETS
    ],
)
def test_clinical_target_within_its_band(table, target_id):
    row = table.loc[target_id]
    assert math.isfinite(row["ours"]), row["note"]
    assert row["low"] <= row["ours"] <= row["high"], (
        f"{target_id}: ours {row['ours']:.4g} {row['unit']} outside {row['low']:g} .. {row['high']:g} "
        f"(missed by {row['missed_by']:+.3g})"
    )


def test_known_misses_are_small(table):
    """The reported misses are near-misses; a regression that widens them fails here."""
    for target_id, (_, largest) in KNOWN_MISSES.items():
        assert abs(table.loc[target_id, "missed_by"]) <= largest


def test_calibration_is_reproducible_and_does_not_write(model, tmp_path):
    before = {n: model.parameters[n].value for n in CALIBRATED}
    spec = {"n_PTH": CALIBRATED["n_PTH"], "w_train": CALIBRATED["w_train"]}
    a = calibrate(model, parameters=spec, max_nfev=4)
    b = calibrate(model, parameters=spec, max_nfev=4)
    assert a.values == b.values
    assert {n: load_model("inflammation").parameters[n].value for n in CALIBRATED} == before
    assert "inflammation_mineral.toml" in a.toml_snippets()


# ----------------------------------------------------------------------------- mechanisms
def _with_tnf_infusion(model):
    return model.extend(
        Module(
            "tnf_infusion",
            inputs=(Input("P_TNF_ext", 0.0, "pg/mL/day", "exogenous TNF production"),),
            terms={"TNF": sp.Symbol("P_TNF_ext")},
        )
    )


def test_raising_tnf_raises_rankl_opg_and_osteoclasts_and_lowers_osteoblasts_and_bmd(model):
    """More TNF: RANKL/OPG and osteoclasts up, BMD down; osteoblasts fall at first and stay low
    relative to osteoclasts (the coupling brings their number back as resorption rises)."""
    m = _with_tnf_infusion(model)
    grid = [0.0, 30.0, YEAR]
    runs = [simulate(m, YEAR, params={"P_TNF_ext": k * 49.5}, t_eval=grid) for k in (0, 1, 4)]
    tnf = [r["TNF"][-1] for r in runs]
    assert tnf[0] < tnf[1] < tnf[2]
    for lo, hi in zip(runs, runs[1:]):
        assert hi["rankl_opg"][-1] > lo["rankl_opg"][-1]
        assert hi["OCa"][-1] > lo["OCa"][-1]
        assert hi["OBa"][1] < lo["OBa"][1]
        assert hi["OBa"][-1] / hi["OCa"][-1] < lo["OBa"][-1] / lo["OCa"][-1]
        assert hi["bmd_spine_pct"][-1] < lo["bmd_spine_pct"][-1]
        assert hi["bmd_hip_pct"][-1] < lo["bmd_hip_pct"][-1]


def test_anti_tnf_lowers_free_tnf_crp_and_turnover(model):
    ra = simulate(model, 2 * YEAR, scenario=S.rheumatoid_arthritis())
    treated = simulate(model, 2 * YEAR, scenario=S.rheumatoid_arthritis() + S.anti_tnf(start_day=180))
    assert treated["antitnf_mg_l"][-1] == pytest.approx(0.64 * 40 / 14 / 5.4 / 0.0495, rel=0.02)
    assert treated["crp_mg_l"][-1] < 0.7 * ra["crp_mg_l"][-1]
    assert treated["ctx_pct"][-1] < ra["ctx_pct"][-1]
    assert treated["bmd_hip_pct"][-1] > ra["bmd_hip_pct"][-1]


def test_resolution_restores_turnover(model):
    """RA for two years, then remission: cytokines, CTX and P1NP return to healthy within a year;
    SPMs from omega-3 shorten the inflammatory excess while it lasts."""
    stop = 2 * YEAR
    remission = simulate(
        model,
        stop + 2 * YEAR,
        scenario=S.rheumatoid_arthritis(stop_day=stop),
        t_eval=np.arange(0, stop + 2 * YEAR, 5.0),
    )
    assert remission.at("crp_mg_l", stop - 5) > 10
    after = stop + YEAR
    assert remission.at("crp_mg_l", after) == pytest.approx(1.0, rel=0.02)
    assert remission.at("ctx_rel", after) == pytest.approx(1.0, abs=0.03)
    assert remission.at("p1np_rel", after) == pytest.approx(1.0, abs=0.05)
    with_spm = simulate(model, stop, scenario=S.rheumatoid_arthritis(stop_day=stop) + S.omega3(3.0))
    without = simulate(model, stop, scenario=S.rheumatoid_arthritis(stop_day=stop))
    assert with_spm["spm_rel"][-1] > 2.0
    assert with_spm["crp_mg_l"][-1] < without["crp_mg_l"][-1]
    assert with_spm["ctx_rel"][-1] < without["ctx_rel"][-1]


def test_in_active_ra_calcium_recovers_less_bone_than_anti_tnf(model):
    """Raising calcium intake 700 -> 1,200 mg/day recovers less 10-year BMD than removing TNF."""
    base = S.rheumatoid_arthritis("high") + S.dietary_calcium(700.0)
    t = 10 * YEAR
    ra = simulate(model, t, scenario=base, t_eval=[0.0, t])
    ca = simulate(model, t, scenario=base + S.calcium(500.0), t_eval=[0.0, t])
    tnf = simulate(model, t, scenario=base + S.anti_tnf(), t_eval=[0.0, t])
    for site in ("bmd_spine_pct", "bmd_hip_pct"):
        gain_ca = ca[site][-1] - ra[site][-1]
        gain_tnf = tnf[site][-1] - ra[site][-1]
        assert 0 < gain_ca < gain_tnf


def test_bmu_balance_factor_cancels_the_lineages_own_elasticity(model):
    """eps_couple is derived from the model, not fitted: with the factor off, formation follows a
    change of resorption alone (calcium lowers PTH) with that elasticity after 3 years."""
    t = 3 * YEAR
    off = simulate(model, t, scenario=S.calcium(1000.0), params={"eps_couple": 1.0}, t_eval=[t])
    elasticity = math.log(off["p1np_rel"][-1]) / math.log(off["ctx_rel"][-1])
    assert elasticity == pytest.approx(model.parameters["eps_couple"].value, abs=0.01)


def test_calcium_gain_is_a_transient_that_plateaus(model):
    """T9a (Tai 2015): calcium's BMD gain is non-progressive. In the healthy adult the gain after
    5 years is the remodeling transient plus the secondary mineralisation of the slower-turning
    bone, and stops there; without the BMU balance factor it went on creeping."""
    times = [YEAR, 5 * YEAR, 10 * YEAR]
    on = simulate(model, 10 * YEAR, scenario=S.calcium(1000.0), t_eval=times)["bmd_spine_pct"]
    off = simulate(model, 10 * YEAR, scenario=S.calcium(1000.0), params={"eps_couple": 1.0}, t_eval=times)[
        "bmd_spine_pct"
    ]
    assert 0.7 < on[0] < 1.8
    assert on[2] - on[1] < 0.1  # plateau: < 0.1 point in years 5-10
    assert off[2] - off[1] > 2.5 * (on[2] - on[1]) and off[2] - off[1] > 0.2


def test_calcium_is_raw_material_not_a_driver(model):
    """Calcium absorption limits mineralisation only when it is short: a deficient intake leaves
    osteoid unmineralised, while extra calcium over a replete diet hardly speeds mineralisation."""
    low = simulate(model, 2 * YEAR, scenario=S.dietary_calcium(200.0), t_eval=[0.0, 2 * YEAR])
    high = simulate(model, 2 * YEAR, scenario=S.dietary_calcium(2000.0), t_eval=[0.0, 2 * YEAR])
    # osteoid per unit of matrix formation = 1 / relative mineralisation speed
    lag_low = low["osteoid_trab_rel"][-1] / low["p1np_rel"][-1]
    lag_high = high["osteoid_trab_rel"][-1] / high["p1np_rel"][-1]
    assert lag_low > 1.1
    assert 0.9 < lag_high < 1.0


@pytest.mark.parametrize("name", sorted(S.REGISTRY))
def test_registered_scenarios_keep_states_non_negative(model, name):
    sol = simulate(model, 10 * YEAR, scenario=S.REGISTRY[name]())
    assert sol.success
    nonneg = [s.nonnegative for s in model.states]
    assert np.all(sol.y[nonneg] >= 0)
    for key in ("fracture_rr_hip", "fracture_rr_vertebral", "rankl_opg", "crp_mg_l"):
        assert np.all(sol[key] > 0)


def test_combined_conditions_stay_clinically_plausible(model):
    """Comorbid inflammation combines sub-additively: CRP stays within active RA's range and bone
    loss near the sum of what each condition costs alone (not the sepsis-level CRP and compounding
    loss of additive activations)."""
    t = 10 * YEAR
    parts = [S.rheumatoid_arthritis("high"), S.menopause(), S.type2_diabetes()]
    combined = simulate(model, t, scenario=parts[0] + parts[1] + parts[2], t_eval=[0.0, t])
    alone = [simulate(model, t, scenario=p, t_eval=[0.0, t]) for p in parts]
    assert combined["crp_mg_l"][-1] <= 40.0
    assert combined["crp_mg_l"][-1] <= 1.25 * max(a["crp_mg_l"][-1] for a in alone)
    summed = sum(a["bmd_spine_pct"][-1] for a in alone)
    assert combined["bmd_spine_pct"][-1] >= 1.25 * summed


def test_anti_tnf_protection_lasts_beyond_the_first_year(model):
    """The TNF -> IL-1 cascade: neutralising TNF also lowers IL-1beta and IL-6, so bone stays protected."""
    ra = S.rheumatoid_arthritis("high") + S.ageing()
    treated = simulate(
        model, 5 * YEAR, scenario=ra + S.anti_tnf(start_day=180.0), t_eval=[180.0, 1.5 * YEAR, 5 * YEAR]
    )
    untreated = simulate(model, 5 * YEAR, scenario=ra, t_eval=[180.0, 1.5 * YEAR, 5 * YEAR])
    assert treated["il6_pg_ml"][-1] < 0.5 * untreated["il6_pg_ml"][-1]
    assert treated["il1b_pg_ml"][-1] < 0.5 * untreated["il1b_pg_ml"][-1]
    late_loss = treated["bmd_spine_pct"][-1] - treated["bmd_spine_pct"][1]
    untreated_loss = untreated["bmd_spine_pct"][-1] - untreated["bmd_spine_pct"][1]
    # years 1.5-5 on anti-TNF: under 0.5 %/yr (ageing's slow loss plus a little), a fraction of untreated RA's
    assert late_loss > -0.5 * 3.5
    assert late_loss > 0.3 * untreated_loss


def test_extreme_combination_stays_non_negative(model):
    sc = (
        S.rheumatoid_arthritis("high")
        + S.menopause()
        + S.type2_diabetes()
        + S.dietary_calcium(100.0)
        + S.anti_tnf(start_day=1000, stop_day=2000)
        + S.omega3(5.0)
        + S.resistance_training(5, 1.0)
    )
    sol = simulate(model, 10 * YEAR, scenario=sc)
    assert sol.success
    assert np.all(sol.y >= 0)


def test_named_ten_year_outputs_resolve_in_sweeps(model):
    from bonemodel.outputs import parse_outputs

    (out,) = parse_outputs(model, ["bmd_change_10y"], t_start=0.0, t_end=3652.5)
    assert out.times == (3652.5,) or list(out.times) == [3652.5]
    runs = bm.sweep(
        model,
        {"a_RA": (1.0, 3.0)},
        n=4,
        scenario=S.rheumatoid_arthritis(),
        outputs=["bmd_change_10y"],
        progress=False,
    )
    for a_ra, value in zip(runs["a_RA"], runs["bmd_change_10y"]):
        sol = simulate(
            model, 3652.5, params={"a_RA": a_ra}, scenario=S.rheumatoid_arthritis(), t_eval=[0.0, 3652.5]
        )
        assert value == pytest.approx(sol["bmd_spine_pct"][-1], rel=1e-3)
