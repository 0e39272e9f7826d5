"""Lemaire et al. 2004: published steady state, SBML equations and the nine Fig. 2 experiments.

Reference trajectories in tests/data/lemaire2004_fig2_*.csv were computed from BIOMD0000000278
with libroadrunner by tests/data/make_lemaire2004_reference.py (not through bonemodel).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bonemodel.compile import compile_model
from bonemodel.models import load_model
from bonemodel.models.lemaire2004 import STEADY_STATE
from bonemodel.simulate import simulate, steady_state

DATA = Path(__file__).parent / "data"
EXPERIMENTS = [
    "addR",
    "removeR",
    "addB",
    "removeB",
    "addC",
    "removeC",
    "addPTH",
    "addOPG",
    "addOPG_addRANKL",
]
TOL = 1e-4

# Parameter values of BIOMD0000000278 (SBML id -> value), transcribed from the SBML file.
SBML_VALUES = {
    "C_s": 5e-3,
    "D_A": 0.7,
    "d_B": 0.7,
    "D_C": 2.1e-3,
    "D_R": 7e-4,
    "f0": 0.05,
    "I_L": 0.0,
    "I_O": 0.0,
    "I_P": 0.0,
    "K": 10.0,
    "k1": 0.01,
    "k2": 10.0,
    "k3": 5.8e-4,
    "k4": 1.7e-2,
    "k5": 0.02,
    "k6": 3.0,
    "k_B": 0.189,
    "K_L_P": 3e6,
    "kO": 0.35,
    "K_O_P": 2e5,
    "k_P": 86.0,
    "r_L": 1000.0,
    "S_P": 250.0,
}
SBML_TO_OURS = {"K_L_P": "K_LP", "K_O_P": "K_OP", "kO": "k_O"}


@pytest.fixture(scope="module")
def model():
    return load_model("lemaire2004")


def _reference(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / f"lemaire2004_fig2_{name}.csv", comment="#")


def _sbml_rhs(y, p):
    """Rate rules of BIOMD0000000278 written out by hand, plus the I_R/I_B/I_C terms."""
    R, B, C = y
    D_B = p["f0"] * p["d_B"]
    phi_C = (C + p["f0"] * p["C_s"]) / (C + p["C_s"])
    Pbar, P_O, P_S = p["I_P"] / p["k_P"], p["S_P"] / p["k_P"], p["k6"] / p["k5"]
    phi_P = (Pbar + P_O) / (Pbar + P_S)
    phi_L = (
        (p["k3"] / p["k4"])
        * p["K_LP"]
        * phi_P
        * B
        / (
            1
            + p["k3"] * p["K"] / p["k4"]
            + (p["k1"] / (p["k2"] * p["k_O"])) * (p["I_O"] + p["K_OP"] * R / phi_P)
        )
    ) * (1 + p["I_L"] / p["r_L"])
    return np.array(
        [
            p["D_R"] * phi_C - D_B * R / phi_C + p["I_R"],
            D_B * R / phi_C - p["k_B"] * B + p["I_B"],
            p["D_C"] * phi_L - p["D_A"] * phi_C * C + p["I_C"],
        ]
    )


def test_parameter_values_equal_the_sbml(model):
    ours = model.parameters.values()
    for sbml_id, value in SBML_VALUES.items():
        assert ours[SBML_TO_OURS.get(sbml_id, sbml_id)] == pytest.approx(value, rel=1e-15), sbml_id
    assert ours["I_R"] == ours["I_B"] == ours["I_C"] == 0.0


def test_rhs_equals_the_sbml_rate_rules(model):
    compiled = compile_model(model)
    rng = np.random.default_rng(2004)
    base = model.parameters.values()
    for _ in range(20):
        p = {k: v * rng.uniform(0.5, 2.0) for k, v in base.items()}
        p.update(I_P=rng.uniform(0, 2000), I_O=rng.uniform(0, 4e5), I_L=rng.uniform(0, 2e4))
        p.update({k: rng.uniform(-3e-4, 3e-4) for k in ("I_R", "I_B", "I_C")})
        y = rng.uniform(1e-5, 5e-3, size=3)
        ours = compiled.rhs(0.0, y.tolist(), compiled.vector(p).tolist())
        np.testing.assert_allclose(ours, _sbml_rhs(y, p), rtol=1e-12, atol=1e-20)


def test_steady_state_is_the_published_one(model):
    ss = steady_state(model)
    for name, published in STEADY_STATE.items():
        assert ss[name] == pytest.approx(published, rel=1e-3)
    ref = pd.read_csv(DATA / "lemaire2004_steady_state.csv", comment="#").set_index("state")["value"]
    for name in "RBC":
        assert ss[name] == pytest.approx(ref[name], rel=1e-9)
    assert ss.stable
    assert np.all(ss.eigenvalues.real < -0.08)
    assert ss.residual < 1e-15


def test_defaults_start_from_the_published_steady_state(model):
    assert {s.name: s.initial for s in model.states} == STEADY_STATE
    assert model.default_t_end == 140.0
    sol = simulate(model, rtol=1e-10, atol=1e-16)
    for name in "RBC":
        drift = np.max(np.abs(sol[name] / STEADY_STATE[name] - 1))
        assert drift < 3e-4  # the published values are rounded to 4 digits


def test_observables_at_baseline(model):
    sol = simulate(model, 1.0, t_eval=[0.0, 1.0])
    p = model.parameters.values()
    R, B, C = (STEADY_STATE[n] for n in "RBC")
    assert sol["PTH"][0] == pytest.approx(250.0 / 86.0, rel=1e-14)
    pi_P = (250.0 / 86.0) / (3.0 / 0.02)
    assert sol["PTH_occupancy"][0] == pytest.approx(pi_P, rel=1e-14)
    assert sol["TGFb_occupancy"][0] == pytest.approx((C + 0.05 * 5e-3) / (C + 5e-3), rel=1e-14)
    opg = 2e5 * R / pi_P / 0.35
    assert sol["OPG"][0] == pytest.approx(opg, rel=1e-13)
    rankl = 3e6 * pi_P * B / (1 + 5.8e-4 * 10 / 1.7e-2 + 0.01 * opg / 10)
    assert sol["RANKL"][0] == pytest.approx(rankl, rel=1e-13)
    assert sol["RANK_RANKL"][0] == pytest.approx(5.8e-4 / 1.7e-2 * 10 * rankl, rel=1e-13)
    assert sol["OPG_RANKL"][0] == pytest.approx(0.01 / 10 * opg * rankl, rel=1e-13)
    assert sol["RANK_activation"][0] == pytest.approx(sol["RANK_RANKL"][0] / p["K"], rel=1e-14)
    # osteoclast formation balances osteoclast apoptosis at the steady state (Eq. 3)
    formation = p["D_C"] * sol["RANK_activation"][0]
    apoptosis = p["D_A"] * sol["TGFb_occupancy"][0] * C
    assert formation == pytest.approx(apoptosis, rel=2e-3)


def test_fig2_scenarios_have_the_published_rates_and_timing(model):
    assert sorted(model.scenarios) == sorted(EXPERIMENTS)
    expected = {
        "addR": [("I_R", 1e-4, 20.0, 80.0)],
        "removeR": [("I_R", -1.2e-4, 20.0, 80.0)],
        "addB": [("I_B", 1e-4, 20.0, 80.0)],
        "removeB": [("I_B", -8.3e-5, 20.0, 80.0)],
        "addC": [("I_C", 1e-4, 20.0, 80.0)],
        "removeC": [("I_C", -2.9e-4, 20.0, 80.0)],
        "addPTH": [("I_P", 1e3, 20.0, 80.0)],
        "addOPG": [("I_O", 2e5, 20.0, 80.0)],
        "addOPG_addRANKL": [("I_L", 1e4, 20.0, np.inf), ("I_O", 9e4, 80.0, np.inf)],
    }
    for name, windows in expected.items():
        sc = model.scenarios[name]
        got = sorted((w.target, w.value, w.start, w.stop) for w in sc.windows)
        assert got == sorted(windows), name
        assert not sc.overrides and not any(w.scale for w in sc.windows)


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_fig2_experiment_matches_the_sbml_reference(model, name):
    """Error per state relative to the state's largest value, and pointwise, both below 1e-4."""
    ref = _reference(name)
    sol = simulate(model, 140.0, scenario=name, t_eval=ref["t"].to_numpy(), rtol=1e-10, atol=1e-16)
    assert sol.status == "success"
    np.testing.assert_array_equal(sol.t, ref["t"].to_numpy())
    for state in "RBC":
        ours, theirs = sol[state], ref[state].to_numpy()
        scaled = np.max(np.abs(ours - theirs)) / np.max(np.abs(theirs))
        pointwise = np.max(np.abs(ours / theirs - 1))
        assert scaled < TOL, f"{name} {state}: max error {scaled:.2e} of the state's maximum"
        assert pointwise < TOL, f"{name} {state}: pointwise relative error {pointwise:.2e}"


def test_fig2_responses_have_the_published_direction(model):
    """Fig. 2: the qualitative effects the paper describes, measured at day 80 against day 0."""

    def change(name: str, state: str, how=lambda x: x[80]) -> float:
        sol = simulate(model, 140.0, scenario=name, t_eval=np.arange(141.0))
        return how(sol[state]) / sol[state][0] - 1

    assert change("addPTH", "C") > 2.0  # continuous PTH is catabolic: osteoclasts up
    assert change("addPTH", "C") > change("addPTH", "B")
    assert change("addOPG", "C") < -0.9  # OPG blocks osteoclast formation
    assert change("removeC", "C") < -0.9
    assert change("addB", "C") > 0.2  # more RANKL-expressing osteoblasts: more osteoclasts
    # more OPG-producing responding osteoblasts: osteoclasts dip first
    assert change("addR", "C", how=np.min) < -0.05
    assert change("addR", "B") > 0.5


def test_fig2_example_reproduces_the_reference_numbers(tmp_path):
    from bonemodel.examples import lemaire2004_fig2 as example

    for name, values in example.SBML_DAY80.items():
        row = _reference(name).set_index("t").loc[80.0]
        np.testing.assert_allclose(values, [row["R"], row["B"], row["C"]], rtol=1e-10)
    table = example.reproduce(tmp_path, quick=True)
    assert len(table) == 3 + 27
    steady = table[table["figure"] == "steady state"]
    assert np.all(np.abs(steady["rel_diff"]) < 1e-3)
    assert np.all(np.abs(table.loc[steady.index.max() + 1 :, "rel_diff"]) < 1e-6)
    html = (tmp_path / "lemaire2004_fig2.html").read_text(encoding="utf-8")
    assert all(f"Fig. {fig_id}: {label}" in html for fig_id, _, label in example.PANELS)
