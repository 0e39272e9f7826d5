"""Pivonka et al. 2008: published steady state, CellML trajectories and perturbation responses.

Reference trajectories in tests/data/pivonka2008_*.csv were computed by
tests/data/make_pivonka2008_reference.py from an independent transcription of the Physiome
CellML file (scipy Radau, rtol 1e-12; nothing of bonemodel imported), with the bone-models
parameter set that reproduces the published steady state.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sympy as sp

from bonemodel.compile import compile_model
from bonemodel.model import Module
from bonemodel.models import load_model
from bonemodel.models.pivonka2008 import PERTURBATION_STOP, PUBLISHED_STEADY_STATE, STEADY_STATE
from bonemodel.simulate import simulate, steady_state

DATA = Path(__file__).parent / "data"
CELLS = ["OBp", "OBa", "OCa"]
TOL = 1e-4

# bone-models 0.1.0 (PyPI, MIT), Pivonka_Model with Pivonka_Load_Case_1 (PTH injection 1e3 pM/day,
# 0 <= t <= 100 d), integrated with scipy Radau at rtol 1e-11, atol 1e-18: OBp, OBa, OCa [pM].
BONE_MODELS_PTH = {
    10.0: (1.2418840710938376e-03, 6.354280467379085e-04, 1.817472771490381e-03),
    50.0: (1.3958127195927792e-03, 9.466304527924108e-04, 1.551593704336148e-03),
    100.0: (1.4010449472705204e-03, 9.444391929993991e-04, 1.5557069422185543e-03),
}


@pytest.fixture(scope="module")
def model():
    return load_model("pivonka2008")


def _reference(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / f"pivonka2008_{name}.csv", comment="#")


def _rel(a, b) -> float:
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b)) / np.abs(np.asarray(b))))


# ----------------------------------------------------------------------------- steady state


def test_steady_state_matches_published(model):
    ss = steady_state(model)
    for name, published in PUBLISHED_STEADY_STATE.items():
        assert ss[name] == pytest.approx(published, rel=1e-3)
    assert ss.stable
    assert np.max(ss.eigenvalues.real) == pytest.approx(-0.0925, abs=5e-4)
    assert ss["BV"] == 100.0


def test_initial_state_is_the_steady_state(model):
    compiled = compile_model(model)
    y0 = compiled.initial(compiled.default_vector)
    # rtol 1e-15, not 0: the generated code prints floats to 15 significant digits
    np.testing.assert_allclose(y0, [STEADY_STATE[n] for n in CELLS] + [100.0], rtol=1e-15)
    f = compiled.rhs(0.0, y0.tolist(), compiled.default_vector.tolist())
    assert np.max(np.abs(f[:3]) / y0[:3]) < 1e-12  # per day
    assert abs(f[3]) < 1e-14  # formation balances resorption: BV does not drift


def test_bone_volume_stays_100_at_steady_state(model):
    # tight tolerances: at rtol 1e-6 LSODA's excursions (~1e-7) would be within its own tolerance
    sol = simulate(model, 2000.0, rtol=1e-10, atol=1e-16)
    assert np.max(np.abs(sol["BV"] - 100.0)) < 1e-9
    for name in CELLS:
        assert _rel(sol[name], STEADY_STATE[name]) < 1e-9


def test_cellml_parameter_set_misses_published_steady_state(model):
    """The reason the parameter file uses bone-models' beta_RANKL, R_RANKL, beta_OPG."""
    cellml = {"beta_RANKL": 1.684e4, "R_RANKL": 3.0e6, "beta_OPG": 1.464e8}
    ss = steady_state(model, params=cellml)
    assert ss["OBp"] == pytest.approx(1.744e-3, rel=1e-3)
    assert ss["OBa"] == pytest.approx(1.070e-3, rel=1e-3)
    assert ss["OCa"] == pytest.approx(1.847e-3, rel=1e-3)
    assert ss["OCa"] / PUBLISHED_STEADY_STATE["OCa"] > 2.0


def test_signalling_molecules_at_steady_state(model):
    sol = simulate(model, 10.0, t_eval=[0.0])
    p = model.parameters.values()
    PTH = p["beta_PTH"] / p["D_PTH"]
    assert sol["PTH_conc"][0] == pytest.approx(250.0 / 86.0, rel=1e-12)
    # TGF-beta = alpha k_res OCa / D_TGFb = OCa numerically with the unit constants of the paper
    assert sol["TGFb_conc"][0] == pytest.approx(STEADY_STATE["OCa"], rel=1e-12)
    opg_prod = p["beta_OPG"] * STEADY_STATE["OBa"] / (1 + PTH / p["K_D7_PTH"])
    opg = opg_prod / (opg_prod / p["OPG_max"] + p["D_OPG"])
    assert sol["OPG_conc"][0] == pytest.approx(opg, rel=1e-12)
    assert sol["OPG_conc"][0] == pytest.approx(1.8436e4, rel=1e-4)
    assert sol["RANKL_conc"][0] == pytest.approx(0.55223, rel=1e-4)
    assert sol["RANKL_RANK_conc"][0] == pytest.approx(p["K_A2_RANKL"] * p["C_RANK"] * 0.552235, rel=1e-5)
    assert sol["RANKL_OPG_ratio"][0] == pytest.approx(sol["RANKL_conc"][0] / sol["OPG_conc"][0], rel=1e-12)
    assert sol["resorption_rate"][0] == pytest.approx(sol["formation_rate"][0], rel=1e-12)


# ------------------------------------------------------------------ independent references


@pytest.mark.parametrize("name", ["D_OCp_x10", "PTH_infusion"])
def test_trajectory_matches_cellml_transcription(model, name):
    ref = _reference(name)
    sol = simulate(
        model, float(ref["t"].iloc[-1]), scenario=name, t_eval=ref["t"].to_numpy(), rtol=1e-9, atol=1e-15
    )
    np.testing.assert_array_equal(sol.t, ref["t"].to_numpy())
    for state in CELLS:
        assert _rel(sol[state], ref[state]) < TOL, state
    dbv, dbv_ref = sol["BV"] - 100.0, ref["BV"].to_numpy() - 100.0
    assert np.max(np.abs(dbv - dbv_ref)) < TOL * np.max(np.abs(dbv_ref))
    # RANKL and OPG jump at the switch times (0 and 100 d), where either side is a valid value.
    away = ~np.isin(ref["t"].to_numpy(), [0.0, PERTURBATION_STOP])
    assert _rel(sol["RANKL_conc"][away], ref["RANKL"][away]) < TOL
    assert _rel(sol["OPG_conc"][away], ref["OPG"][away]) < TOL


def test_D_OCp_x10_reference_numbers(model):
    """The CellML experiment: osteoclasts rise ~2.8-fold and bone is lost while D_OCp is x10."""
    sol = simulate(model, 400.0, scenario="D_OCp_x10", t_eval=[0.0, 50.0, 100.0, 400.0])
    assert sol.at("OCa", 100.0) / STEADY_STATE["OCa"] == pytest.approx(2.8428, rel=1e-3)
    assert sol.at("BV", 100.0) - 100.0 == pytest.approx(-0.074467, rel=1e-3)
    assert sol.at("BV", 400.0) - 100.0 == pytest.approx(-0.05717, rel=1e-3)


def test_PTH_infusion_matches_bone_models(model):
    sol = simulate(
        model, 100.0, scenario="PTH_infusion", t_eval=list(BONE_MODELS_PTH), rtol=1e-10, atol=1e-16
    )
    for k, values in enumerate(BONE_MODELS_PTH.values()):
        np.testing.assert_allclose(sol.y[:3, k], values, rtol=1e-6)


# ------------------------------------------------------------------ qualitative responses

# scenario: (quantities that rise during the perturbation, that fall, sign of the BV change at day 100)
RESPONSES = {
    "D_OCp_x10": (["OCa", "TGFb_conc"], [], -1),
    "A_OCa_x10": ([], ["OCa"], +1),
    "D_OBu_x10": (["OBp", "OBa", "OPG_conc"], ["OCa", "RANKL_OPG_ratio"], +1),
    "D_OBp_x10": ([], ["OBp", "OCa"], +1),
    "A_OBa_x10": (["OCa", "RANKL_OPG_ratio"], ["OBa", "OPG_conc"], -1),
    "PTH_infusion": (["RANKL_conc", "RANKL_OPG_ratio", "OCa"], ["OPG_conc"], -1),
    "RANKL_infusion": (["RANKL_conc", "OCa"], [], -1),
    "OPG_infusion": (["OPG_conc"], ["RANKL_conc", "OCa"], +1),
    "TGFb_infusion": (["TGFb_conc", "OBp"], ["OCa"], +1),
}


@pytest.mark.parametrize("name", list(RESPONSES))
def test_perturbation_response_direction(model, name):
    rises, falls, bv_sign = RESPONSES[name]
    # Baseline from an unperturbed run: at t = 0 a scenario's observables already see the dose.
    base = simulate(model, 1.0, t_eval=[0.0])
    sol = simulate(model, 2000.0, scenario=name)
    during = (sol.t > 1.0) & (sol.t < PERTURBATION_STOP)
    for n in rises:
        assert np.mean(sol[n][during]) > 1.2 * base[n][0], n
    for n in falls:
        assert np.mean(sol[n][during]) < 0.8 * base[n][0], n
    assert np.sign(sol.at("BV", PERTURBATION_STOP) - 100.0) == bv_sign
    assert abs(sol.at("BV", PERTURBATION_STOP) - 100.0) > 1e-3
    # afterwards the cells return to the steady state, and BV keeps its new level
    for n in CELLS:
        assert sol[n][-1] == pytest.approx(STEADY_STATE[n], rel=1e-6), n
    assert sol["BV"][-1] == pytest.approx(sol.at("BV", 1500.0), abs=1e-9)
    assert np.sign(sol["BV"][-1] - 100.0) == bv_sign


def test_scenarios_act_from_day_0_to_100(model):
    for name, sc in model.scenarios.items():
        (w,) = sc.windows
        assert (w.start, w.stop) == (0.0, 100.0), name
        assert w.scale == (name.endswith("_x10")), name


# ------------------------------------------------------------------ extension contract


def test_rhs_is_a_sum_of_named_fluxes(model):
    s = sp.Symbol
    assert model.rhs["OBp"] == s("diff_OBu") - s("diff_OBp")
    assert model.rhs["OBa"] == s("diff_OBp") - s("apop_OBa")
    assert model.rhs["OCa"] == s("diff_OCp") - s("apop_OCa")
    assert model.rhs["BV"] == s("formation") - s("resorption")
    for name in [
        "TGFb",
        "pi_act_TGFb_OBu",
        "pi_rep_TGFb_OBp",
        "pi_act_TGFb_OCa",
        "PTH",
        "pi_act_PTH",
        "pi_rep_PTH",
        "OPG",
        "RANKL",
        "RANK",
        "P_RANKL",
        "P_OPG",
        "pi_act_RANKL_OCp",
    ]:
        assert name in model.expressions


def test_module_rewriting_RANKL_eff_equals_parameter_change(model):
    """A module that doubles RANKL expression behaves exactly like R_RANKL x 2."""
    doubled = model.extend(
        Module("double_RANKL", modify={"RANKL_eff": lambda e: 2 * e}), name="pivonka2008_x2"
    )
    a = simulate(doubled, 300.0, t_eval=[0.0, 30.0, 300.0])
    b = simulate(
        model, 300.0, params={"R_RANKL": 2 * model.parameters["R_RANKL"].value}, t_eval=[0.0, 30.0, 300.0]
    )
    np.testing.assert_allclose(a.y, b.y, rtol=1e-9)
    assert a.at("OCa", 300.0) == pytest.approx(1.0790 * STEADY_STATE["OCa"], rel=1e-3)
    assert a.at("BV", 300.0) < 100.0 - 1e-3


def test_more_RANK_raises_osteoclasts(model):
    """Osteoclastogenesis is driven by the RANKL-RANK complex, so RANK up means OCa up."""
    ss = steady_state(model, params={"C_RANK": 20.0})
    assert ss["OCa"] > 1.05 * STEADY_STATE["OCa"]
