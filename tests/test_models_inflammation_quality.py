"""The bone-quality module: tissue mineralisation, perforation, matrix and strength-based fracture.

Mechanism checks of the flagship (the module is on by default); its clinical targets (Q1, Q3-Q6,
R1) are in test_models_inflammation.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from bonemodel import scenarios as S
from bonemodel.compile import compile_model
from bonemodel.models import load_model
from bonemodel.models.inflammation import ALL, DEFAULT
from bonemodel.scenario import Scenario
from bonemodel.simulate import clock_states, simulate

YEAR = 365.25
QUALITY = [
    "tmd_spine_pct",
    "tmd_hip_pct",
    "tbs_pct",
    "age_index",
    "xlink_enz_index",
    "strength_spine_pct",
    "strength_hip_pct",
    "fracture_rr_hip",
    "fracture_rr_vertebral",
]


@pytest.fixture(scope="module")
def model():
    return load_model("inflammation", modules=ALL)


def _end(model, scenario=None, years=10.0, **params):
    sol = simulate(model, years * YEAR, scenario=scenario, params=params or None, t_eval=[0.0, years * YEAR])
    return {name: sol[name][-1] for name in model.observable_names}


def test_quality_module_exposes_its_contract(model):
    assert set(QUALITY) <= set(model.observable_names)
    assert "quality" in load_model("inflammation").modules
    assert set(DEFAULT) == set(ALL)


def test_healthy_adult_keeps_every_quality_measure(model):
    sol = simulate(model, 10 * YEAR, scenario=S.healthy(), t_eval=[0.0, 10 * YEAR])
    clocks = set(clock_states(model))  # the age clock counts the years; everything else stays put
    still = [i for i, name in enumerate(sol.state_names) if name not in clocks]
    assert clocks, "the flagship carries an age clock"
    np.testing.assert_allclose(sol.y[still, -1], sol.y[still, 0], rtol=1e-6, atol=1e-12)
    for name in ("tmd_spine_pct", "tmd_hip_pct", "tbs_pct", "strength_spine_pct", "strength_hip_pct"):
        assert abs(sol[name][-1]) < 1e-6
    assert sol["age_index"][-1] == pytest.approx(1.0, abs=1e-9)


def test_tissue_mineralisation_constant_with_age(model):
    """Q6 (Roschger 2003): mean tissue mineralisation does not change with age in health."""
    out = _end(model, S.ageing())
    assert abs(out["tmd_spine_pct"]) < 2.1 and abs(out["tmd_hip_pct"]) < 2.1


def test_suppressed_turnover_matures_the_mineral_and_keeps_connectivity(model):
    d_ocp = model.parameters["D_OCp"].value
    low = simulate(model, 3 * YEAR, params={"D_OCp": 0.5 * d_ocp}, t_eval=[0.0, YEAR, 3 * YEAR])
    assert low["ctx_rel"][-1] < 0.8
    # secondary mineralisation (time constant ~1.4 yr) keeps raising TMD after the first year
    assert 0.5 < low["tmd_spine_pct"][-1] and low["tmd_spine_pct"][1] < low["tmd_spine_pct"][-1]
    assert low["tmd_spine_pct"][-1] < low["bmd_spine_pct"][-1]
    assert low["connectivity_rel"][-1] == pytest.approx(1.0, abs=1e-12)
    assert low["strength_spine_pct"][-1] > 2 * low["bmd_spine_pct"][-1] * 0.9
    assert low["fracture_rr_vertebral"][-1] < 1.0


def test_high_turnover_leaves_younger_mineral_and_perforates(model):
    d_ocp = model.parameters["D_OCp"].value
    high = _end(model, None, 3.0, D_OCp=2.0 * d_ocp)
    assert high["ctx_rel"] > 1.2
    assert high["tmd_spine_pct"] < -0.5
    assert high["connectivity_rel"] < 0.99
    # strength falls faster than density squared alone would say (perforation, stress risers)
    assert high["strength_spine_pct"] < 100 * ((1 + high["bmd_spine_pct"] / 100) ** 2 - 1)


def test_perforation_is_not_undone_when_inflammation_resolves(model):
    ra_two_years = S.rheumatoid_arthritis("high", stop_day=2 * YEAR)
    # tight tolerances: at the default rtol 1e-6 a constant state wobbles by ~1e-7
    sol = simulate(
        model, 8 * YEAR, scenario=ra_two_years, t_eval=np.linspace(0, 8 * YEAR, 33), rtol=1e-10, atol=1e-13
    )
    n = sol["connectivity_rel"]
    at_stop = int(np.searchsorted(sol.t, 2 * YEAR))
    assert n[at_stop] < 0.97
    assert np.all(np.diff(n) <= 1e-9)  # connectivity never comes back
    # once resolved, loss slows as the thinned trabeculae refill (thin ones stay at risk a while)
    during = n[0] - n[at_stop]
    late = n[-9] - n[-1]  # the last two years
    assert late < 0.25 * during
    bmd = sol["bmd_spine_pct"]
    assert bmd[-1] > bmd[at_stop] + 1.0  # while thinning is partly refilled


def test_age_crosslinks_weaken_bone_beyond_its_density(model):
    t2d = _end(model, S.type2_diabetes())
    assert t2d["age_index"] > 1.3
    density_only = 100 * ((1 + t2d["bmd_hip_pct"] / 100) ** 2 - 1)
    assert t2d["strength_hip_pct"] < density_only - 2.0


def test_diabetes_lowers_enzymatic_crosslinks_and_they_cost_strength(model):
    """Saito & Marumo 2010/2013: oxidative stress lowers lysyl-oxidase cross-links of new matrix;
    only remodeling replaces old matrix, so the skeleton's content falls slowly."""
    t2d = _end(model, S.type2_diabetes())
    lox = 1 / (1 + model.parameters["l_ox"].value * (t2d["ros_rel"] - 1))
    assert lox < t2d["xlink_enz_index"] < 0.99  # on its way to the new matrix's level, not there
    one_year = _end(model, S.type2_diabetes(), years=1.0)
    assert t2d["xlink_enz_index"] < one_year["xlink_enz_index"] < 1.0
    without = _end(model, S.type2_diabetes(), m_enz=0.0)
    assert without["xlink_enz_index"] == pytest.approx(t2d["xlink_enz_index"], rel=1e-9)
    assert t2d["strength_hip_pct"] < without["strength_hip_pct"] - 0.5
    assert t2d["bmd_hip_pct"] == pytest.approx(without["bmd_hip_pct"], abs=1e-6)  # not a density effect


def test_enzymatic_crosslinks_mature_with_tissue_age(model):
    """Young matrix has not yet matured its cross-links: high turnover lowers the mature share,
    low turnover raises it towards (k_xl + tau) / k_xl, without oxidative stress."""
    d_ocp = model.parameters["D_OCp"].value
    high = _end(model, None, 3.0, D_OCp=2.0 * d_ocp)
    low = _end(model, None, 3.0, D_OCp=0.5 * d_ocp)
    p = model.parameters
    tau = p["f_skel_trab"].value * p["tau_trab"].value + (1 - p["f_skel_trab"].value) * p["tau_cort"].value
    ceiling = (p["k_xl"].value + tau) / p["k_xl"].value
    assert high["xlink_enz_index"] < 0.995
    assert 1.0 < low["xlink_enz_index"] < ceiling


@pytest.mark.parametrize("site, bmd_sd, band", [("hip", 12.0, (2.0, 3.5)), ("vertebral", 11.0, (1.9, 2.8))])
def test_density_alone_keeps_the_published_bmd_gradient(model, site, bmd_sd, band):
    """Q1: with strength ~ density^2 and the strength gradients of Q2, a uniform loss of one SD
    of BMD (no change of architecture, matrix or turnover) gives the meta-analytic BMD gradient."""
    cm = compile_model(model)
    p = cm.vector()
    y = cm.initial(p)
    names = cm.state_names
    scale = 1 - bmd_sd / 100
    for state in ("V_trab", "V_cort", "Min_trab", "Min_cort"):
        y[names.index(state)] *= scale
    obs = cm.observables(0.0, y[:, None], p[:, None])[:, 0]
    rr = obs[cm.observable_names.index(f"fracture_rr_{site}")]
    assert band[0] <= rr <= band[1]


def test_strength_gradient_is_the_finite_element_one(model):
    """Q2: one SD of strength lost changes fracture risk by the Kopperdahl 2014 odds ratio."""
    cm = compile_model(model)
    p = cm.vector()
    y = cm.initial(p)
    sd = model.parameters["SD_pct_strength_hip"].value / 100
    y[cm.state_names.index("V_trab")] *= math.sqrt(1 - sd)  # strength ~ V^2 at fixed TMD
    y[cm.state_names.index("Min_trab")] *= math.sqrt(1 - sd)
    y[cm.state_names.index("V_cort")] *= math.sqrt(1 - sd)
    y[cm.state_names.index("Min_cort")] *= math.sqrt(1 - sd)
    obs = cm.observables(0.0, y[:, None], p[:, None])[:, 0]
    assert obs[cm.observable_names.index("fracture_rr_hip")] == pytest.approx(
        model.parameters["G_strength_hip"].value, rel=1e-9
    )


def test_quality_states_stay_non_negative_under_extreme_disease(model):
    worst = S.rheumatoid_arthritis("high") + S.menopause() + S.type2_diabetes()
    sol = simulate(model, 20 * YEAR, scenario=worst, t_eval=np.linspace(0, 20 * YEAR, 41))
    assert np.all(sol["connectivity_rel"] > 0)
    assert np.all(np.isfinite(sol["fracture_rr_hip"]))


def test_quality_off_falls_back_to_bmd_based_fracture_risk():
    with_q = load_model("inflammation")
    without = load_model("inflammation", modules=tuple(m for m in ALL if m != "quality"))
    assert "tbs_pct" not in without.observable_names
    sc = S.rheumatoid_arthritis("moderate")
    a = simulate(without, 2 * YEAR, scenario=sc, t_eval=[2 * YEAR])
    b = simulate(with_q, 2 * YEAR, scenario=sc, t_eval=[2 * YEAR])
    # the quality module adds states and observables but leaves the bone cells and BMD alone
    assert b["bmd_spine_pct"][-1] == pytest.approx(a["bmd_spine_pct"][-1], rel=1e-6)
    assert b["fracture_rr_hip"][-1] != pytest.approx(a["fracture_rr_hip"][-1], rel=1e-3)
    assert isinstance(sc, Scenario)


def test_crp_fracture_risk_is_carried_by_density_and_microarchitecture(model):
    """The documented conclusion of the CRP-pathway study (docs/howto/sensitivity.md), by direct attribution: switching off the
    microarchitecture pathway removes about half of the log fracture risk at CRP 4 mg/L, the
    non-skeletal CRP term and the matrix little."""
    from bonemodel.examples.sensitivity_crp_pathways import knockouts

    rr = knockouts(model, S.low_grade_inflammation(crp=4.0))
    total = math.log(rr["all pathways"])
    assert total > math.log(1.05)
    assert 0.3 < 1 - math.log(rr["without architecture"]) / total < 0.7
    assert abs(1 - math.log(rr["without non-skeletal"]) / total) < 0.15
    assert abs(1 - math.log(rr["without matrix"]) / total) < 0.15


@pytest.mark.slow
def test_crp_pathway_sobol_study_ranks_density_and_architecture_first(model):
    """The same conclusion from the Sobol study, on a small design (N = 32 instead of 256)."""
    from bonemodel import sensitivity
    from bonemodel.examples.sensitivity_crp_pathways import OUTPUT, factors, pathway_shares

    indices = sensitivity.sobol(
        model,
        factors(model),
        [OUTPUT],
        n=32,
        seed=1,
        scenario=S.low_grade_inflammation(crp=4.0),
        t_end=3652.5,
        progress=False,
    )
    shares = pathway_shares(indices)["ST"]
    assert set(shares.index[:2]) == {"density", "architecture"}
    assert shares[["matrix", "mineral", "non-skeletal"]].max() < 0.1
