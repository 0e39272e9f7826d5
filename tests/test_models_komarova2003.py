"""Komarova et al. 2003: published steady state, single remodeling cycle, oscillating regime.

Reference trajectories and numbers in tests/data/komarova2003_*.csv were computed without
bonemodel by tests/data/make_komarova2003_reference.py: equations read from the MathML of the
CellML encoding (the paper's max() formulation of bone mass), parameter values checked against
BIOMD0000000148 (Fig. 2) and taken from BIOMD0000000402 for the oscillating regime (g11, k1, k2),
integrated with scipy Radau at rtol 1e-12.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bonemodel.compile import compile_model
from bonemodel.errors import ModelError
from bonemodel.models import load_model
from bonemodel.models.komarova2003 import (
    REGIMES,
    STEADY_STATE,
    build,
    closed_form_steady_state,
    formation_resorption_ratio,
)
from bonemodel.simulate import simulate, steady_state

DATA = Path(__file__).parent / "data"
TOL = 1e-4
TIGHT = {"rtol": 1e-10, "atol": 1e-12}

# Parameter values of BIOMD0000000148 (= CellML komarova_2003, Fig. 2 legend), transcribed.
SBML_VALUES = {
    "alpha1": 3.0,
    "alpha2": 4.0,
    "beta1": 0.2,
    "beta2": 0.02,
    "g11": 0.5,
    "g21": -0.5,
    "g12": 1.0,
    "g22": 0.0,
    "k1": 0.24,
    "k2": 0.0017,
}
# Fig. 3 changes (Ayati et al. 2010 Fig. 3 legend; BIOMD0000000402).
OSCILLATING = {"g11": 1.1, "k1": 0.0748, "k2": 0.0006395}
# Ayati et al. 2010 Fig. 3 legend: steady state of the oscillating regime, to the digits printed.
AYATI_FIG3_STEADY_STATE = {"x1": 1.16, "x2": 231.72}


@pytest.fixture(scope="module")
def model():
    return load_model("komarova2003")


@pytest.fixture(scope="module")
def summary() -> dict[tuple[str, str], float]:
    frame = pd.read_csv(DATA / "komarova2003_summary.csv", comment="#")
    return {(r.regime, r.quantity): float(r.value) for r in frame.itertuples()}


def _reference(regime: str) -> pd.DataFrame:
    return pd.read_csv(DATA / f"komarova2003_{regime}.csv", comment="#")


def _upcrossings(t: np.ndarray, x: np.ndarray, level: float) -> np.ndarray:
    """Times where x rises through level (linear interpolation between output points)."""
    i = np.where((x[:-1] < level) & (x[1:] >= level))[0]
    return t[i] + (level - x[i]) * (t[i + 1] - t[i]) / (x[i + 1] - x[i])


def _max_rel_err(ours: np.ndarray, ref: np.ndarray) -> float:
    return float(np.max(np.abs(ours / ref - 1.0)))


# ------------------------------------------------------------------------ parameters, steady states
def test_parameter_values_are_those_of_biomodels_148(model):
    assert model.parameters.values() == {**SBML_VALUES, "dx1_0": 10.0}
    # the single-cycle scenario restates the file's values, so it works on any build
    assert {k: SBML_VALUES[k] for k in REGIMES["single_cycle"].overrides} == REGIMES["single_cycle"].overrides
    assert REGIMES["oscillating"].overrides == OSCILLATING


def test_published_steady_state_to_0p1_percent(model):
    ss = steady_state(model)
    for name, published in STEADY_STATE.items():
        assert ss[name] == pytest.approx(published, rel=1e-3)
        assert ss[name] == pytest.approx(published, rel=1e-5)  # measured: 2e-7 (published has 6 digits)
    closed = closed_form_steady_state(model.parameters.values())
    assert ss["x1"] == pytest.approx(closed["x1"], rel=1e-12)
    assert ss["x2"] == pytest.approx(closed["x2"], rel=1e-12)
    assert ss["z"] == 100.0  # bone mass is a neutral accumulator
    assert ss.neutral == ["z"]
    # stable focus: eigenvalues -0.06 +- 0.02i per day
    assert ss.stable
    np.testing.assert_allclose(
        sorted(ss.eigenvalues, key=np.imag), [-0.06 - 0.02j, -0.06 + 0.02j], atol=1e-12
    )


def test_oscillating_steady_state_is_a_centre(model, summary):
    ss = steady_state(model, params=OSCILLATING)
    assert ss["x1"] == pytest.approx(summary[("oscillating", "x1_bar")], rel=1e-10)  # 1.158619
    assert ss["x2"] == pytest.approx(summary[("oscillating", "x2_bar")], rel=1e-10)  # 231.7238
    for name, printed in AYATI_FIG3_STEADY_STATE.items():
        assert ss[name] == pytest.approx(printed, abs=0.005)
    # beta1 (g11 - 1) + beta2 (g22 - 1) = 0: purely imaginary pair, +-0.04i (small-amplitude period 157.08 d)
    assert np.max(np.abs(ss.eigenvalues.real)) < 1e-12
    assert np.sort(np.abs(ss.eigenvalues.imag)) == pytest.approx([0.04, 0.04], rel=1e-10)


# ------------------------------------------------------------------------ trajectories vs reference
@pytest.mark.parametrize("regime", ["single_cycle", "oscillating"])
def test_trajectory_matches_cellml_reference(model, regime):
    ref = _reference(regime)
    sol = simulate(model, float(ref.t.iloc[-1]), scenario=regime, t_eval=ref.t.to_numpy(), **TIGHT)
    assert sol.status == "success"
    errors = {name: _max_rel_err(sol[name], ref[name].to_numpy()) for name in ("x1", "x2", "z")}
    # measured: single cycle <= 7e-10, oscillating <= 3.2e-6 (x1 near its 3e-5 trough)
    assert max(errors.values()) < TOL, errors


def test_single_cycle_bone_mass_dips_and_recovers(model, summary):
    t = np.arange(0.0, 400.0 + 1e-9, 0.01)
    sol = simulate(model, 400.0, t_eval=t, **TIGHT)
    z = sol["z"]
    k = int(np.argmin(z))
    assert z[k] == pytest.approx(summary[("single_cycle", "z_min")], rel=TOL)  # 89.785 %
    assert t[k] == pytest.approx(summary[("single_cycle", "t_z_min")], abs=0.02)  # day 12.32
    assert z[-1] == pytest.approx(summary[("single_cycle", "z_end")], rel=TOL)  # 99.981 %
    assert 89.7 < z.min() < 89.9 and abs(z[-1] - 100.0) < 0.05
    # one cycle: osteoclasts resorb for 22.9 days, then stay below x1_bar except for a 1e-5-cell
    # overshoot near day 230 (the steady state is a focus, eigenvalues -0.06 +- 0.02i per day)
    y1 = sol["x1"] - STEADY_STATE["x1"]
    first_below = int(np.argmax(y1 < 0))
    assert t[first_below] == pytest.approx(22.89, abs=0.01)
    assert np.max(y1[first_below:]) < 2e-5
    assert t[int(np.argmax(sol["x2"]))] == pytest.approx(14.1, abs=0.01)
    assert np.max(sol["x2"]) == pytest.approx(summary[("single_cycle", "x2_max")], rel=TOL)  # 396.9 cells


def test_oscillation_period_matches_reference(model, summary):
    t = np.arange(0.0, 1100.0 + 1e-9, 0.01)
    sol = simulate(model, 1100.0, scenario="oscillating", t_eval=t, **TIGHT)
    x1_bar = summary[("oscillating", "x1_bar")]
    crossings = _upcrossings(t, sol["x1"], x1_bar)
    assert len(crossings) == 4
    periods = np.diff(crossings)
    assert periods.mean() == pytest.approx(
        summary[("oscillating", "period")], rel=TOL
    )  # 273.531 d, measured 2e-8
    assert np.ptp(periods) < 1e-3  # closed orbit: every cycle equally long
    assert crossings[0] == pytest.approx(summary[("oscillating", "first_upcrossing")], rel=TOL)
    # amplitude is set by the stimulus (a centre, not a limit cycle): a smaller one cycles faster
    small = simulate(model, 1100.0, scenario="oscillating", params={"dx1_0": 5.0}, t_eval=t, **TIGHT)
    assert np.diff(_upcrossings(t, small["x1"], x1_bar)).mean() == pytest.approx(196.29, abs=0.01)
    # and a tiny one with the linearisation's period 2 pi / 0.04 = 157.08 days (measured 3e-6)
    tiny = simulate(model, 1100.0, scenario="oscillating", params={"dx1_0": 0.01}, t_eval=t, **TIGHT)
    assert np.diff(_upcrossings(t, tiny["x1"], x1_bar)).mean() == pytest.approx(2 * np.pi / 0.04, rel=TOL)


def test_published_k1_k2_balance_bone_mass_over_one_oscillation(model, summary):
    """Ayati et al. 2010 Eq. (8): k1/k2 = int (x2 - x2_bar)+ dt / int (x1 - x1_bar)+ dt over a period."""
    period = summary[("oscillating", "period")]
    ratio = formation_resorption_ratio(model, period, scenario="oscillating")
    assert ratio == pytest.approx(OSCILLATING["k1"] / OSCILLATING["k2"], rel=2e-3)  # 116.79 vs 116.97
    # the same integrals by the trapezoidal rule on a fine grid
    t = np.linspace(0.0, period, 200_001)
    sol = simulate(model, period, scenario="oscillating", t_eval=t, **TIGHT)
    y1 = np.maximum(0.0, sol["x1"] - summary[("oscillating", "x1_bar")])
    y2 = np.maximum(0.0, sol["x2"] - summary[("oscillating", "x2_bar")])
    assert np.trapezoid(y2, t) / np.trapezoid(y1, t) == pytest.approx(ratio, rel=1e-4)
    assert sol["z"][-1] == pytest.approx(summary[("oscillating", "z_after_one_period")], rel=TOL)  # 99.972 %
    assert 91.5 < sol["z"].min() < 92.0  # bone mass dips by ~8.4 % within the cycle


def test_published_k1_k2_balance_bone_mass_over_the_single_cycle(model):
    ratio = formation_resorption_ratio(model, 400.0)
    assert ratio == pytest.approx(0.24 / 0.0017, rel=2e-3)  # 140.98 vs 141.18


# ------------------------------------------------------------------------ numerics near x = 0
@pytest.mark.parametrize("regime", ["single_cycle", "oscillating"])
def test_states_stay_positive_and_jacobian_finite_at_default_tolerances(model, regime):
    t_end = REGIMES[regime].t_end
    sol = simulate(model, t_end, scenario=regime, t_eval=np.linspace(0.0, t_end, 4001))
    assert sol.status == "success" and sol.meta["rtol"] == 1e-6
    compiled = compile_model(model)
    p = compiled.vector(REGIMES[regime].overrides)
    lowest = {"single_cycle": (0.727, 212.12), "oscillating": (3.1e-5, 9.97)}[regime]
    assert sol["x1"].min() > lowest[0] and sol["x2"].min() > lowest[1]
    jac = compiled.jac_batch(0.0, sol.y, p[:, None])
    assert np.all(np.isfinite(jac))


# A stable draw from the parameter ranges whose osteoclasts fall to 1e-17 cells: without the
# X_FLOOR guard an integrator trial step crossed 0 and odeint raised TypeError (complex power).
DEEP_TROUGH = {
    "alpha1": 2.138,
    "alpha2": 4.296,
    "beta1": 0.299,
    "beta2": 0.013,
    "g11": 0.95,
    "g12": 1.058,
    "g21": -0.922,
    "g22": 0.194,
    "k1": 0.129,
    "k2": 0.001,
    "dx1_0": 15.905,
}


def test_deep_osteoclast_trough_stays_real_at_default_tolerances(model):
    t = np.linspace(0.0, 400.0, 4001)
    sol = simulate(model, 400.0, params=DEEP_TROUGH, t_eval=t)
    assert sol.status == "success" and np.all(np.isfinite(sol.y))
    tight = simulate(model, 400.0, params=DEEP_TROUGH, t_eval=t, rtol=1e-10, atol=1e-30)
    assert 1e-18 < tight["x1"].min() < 1e-16  # measured 1.2e-17 cells
    assert tight["z"].min() == pytest.approx(96.11, abs=0.01)


# ------------------------------------------------------------------------ regimes and scenarios
def test_build_regime_sets_defaults_with_their_source(model):
    osc = build(regime="oscillating")
    assert load_model("komarova2003", regime="oscillating").parameters.values() == osc.parameters.values()
    for name, value in OSCILLATING.items():
        assert osc.parameters[name].value == value
        assert osc.parameters[name].source == "Ayati2010"
        assert model.parameters[name].source == "Komarova2003"
    assert compile_model(osc).key == compile_model(model).key  # same equations, no recompile
    t = np.linspace(0.0, 600.0, 301)
    a = simulate(osc, 600.0, t_eval=t, **TIGHT)
    b = simulate(model, 600.0, scenario="oscillating", t_eval=t, **TIGHT)
    np.testing.assert_array_equal(a.y, b.y)
    c = simulate(osc, 400.0, scenario="single_cycle", t_eval=np.linspace(0, 400, 201), **TIGHT)
    ref = _reference("single_cycle")
    assert _max_rel_err(c["z"], ref["z"].to_numpy()) < TOL


def test_unknown_regime_names_the_choices():
    with pytest.raises(ModelError, match=r"unknown regime 'oscilating'.*did you mean 'oscillating'"):
        build(regime="oscilating")
