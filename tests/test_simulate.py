"""simulate() and steady_state() on closed-form models; discontinuities; failures reported."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import bonemodel as bm
from bonemodel.compile_numba import numba_available
from bonemodel.errors import ParameterError, ScenarioError, SimulationError, SolverError
from tests.conftest import logistic_exact

METHODS = ["auto", "odeint", "LSODA", "BDF", "Radau", "DOP853"]


@pytest.mark.parametrize("method", METHODS)
def test_decay_matches_closed_form(decay_model, method):
    sol = bm.simulate(decay_model, 10.0, method=method, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(sol["x"], 2.0 * np.exp(-0.5 * sol.t), rtol=1e-8, atol=1e-12)
    assert sol.meta["rtol"] == 1e-11 and sol.meta["atol"] == 1e-13


@pytest.mark.parametrize("method", ["auto", "BDF", "Radau"])
def test_logistic_matches_closed_form(logistic_model, method):
    sol = bm.simulate(logistic_model, 15.0, method=method, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(sol["N"], logistic_exact(sol.t), rtol=1e-8)


def test_default_tolerance_close_to_tight_reference(coupled_model):
    loose = bm.simulate(coupled_model, 50.0)
    tight = bm.simulate(coupled_model, 50.0, method="Radau", rtol=1e-12, atol=1e-14)
    err = np.max(np.abs(loose.y - tight.y) / (np.abs(tight.y) + 1e-8))
    assert err < 1e-4


def test_window_input_restarts_at_switches_and_matches_closed_form(decay_model):
    sc = bm.Scenario.window("u", 1.0, start=2.0, stop=5.0)
    sol = bm.simulate(decay_model, 10.0, scenario=sc, rtol=1e-11, atol=1e-13)
    t = sol.t
    x2 = 2 * np.exp(-1.0)
    x5 = 2 + (x2 - 2) * np.exp(-1.5)
    exact = np.where(
        t < 2,
        2 * np.exp(-0.5 * t),
        np.where(t < 5, 2 + (x2 - 2) * np.exp(-0.5 * (t - 2)), x5 * np.exp(-0.5 * (t - 5))),
    )
    np.testing.assert_allclose(sol["x"], exact, rtol=1e-8)
    assert sol.to_frame().index.is_unique
    assert {2.0, 5.0} <= set(sol.t)


def test_scaled_window_multiplies_parameter(decay_model):
    sc = bm.Scenario.window("k", 3.0, start=0.0, stop=1.0, scale=True)
    sol = bm.simulate(decay_model, 2.0, scenario=sc, t_eval=[0.0, 1.0, 2.0], rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(sol["x"], [2.0, 2 * np.exp(-1.5), 2 * np.exp(-2.0)], rtol=1e-8)


def test_observable_baseline_is_percent_change_from_start(decay_model):
    sol = bm.simulate(decay_model, 4.0, t_eval=[0.0, 4.0], rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(sol["x_pct"], [0.0, 100 * (np.exp(-2.0) - 1)], rtol=1e-8)
    np.testing.assert_allclose(sol["two_x"], 2 * sol["x"])


def test_frame_has_states_observables_and_metadata(decay_model):
    frame = bm.simulate(decay_model, 3.0, params={"k": 0.2}).to_frame()
    assert list(frame.columns) == ["x", "x_pct", "two_x"]
    assert frame.index.name == "time_day"
    assert frame.attrs["parameters"]["k"] == 0.2 and frame.attrs["method"] == "odeint (LSODA)"
    assert frame.attrs["bonemodel_version"] == bm.__version__


def test_plot_returns_figure_with_one_trace_per_name(coupled_model):
    fig = bm.simulate(coupled_model, 5.0).plot(["a", "ratio"])
    assert [tr.name for tr in fig.data] == ["a", "ratio"]


def test_steady_state_logistic_and_stability(logistic_model):
    ss = bm.steady_state(logistic_model)
    assert ss["N"] == pytest.approx(5.0, rel=1e-10)
    assert ss.stable and ss.eigenvalues[0] == pytest.approx(-1.3, rel=1e-8)


def test_steady_state_holds_a_clock_at_its_starting_value():
    # N' = r (1 + s t_age) (K - N): a clock state t_age drives N; the steady state is N = K at any age
    from bonemodel.model import Model, State, symbols
    from bonemodel.parameters import parse_parameters

    N, t_age, r, s, K = symbols("N t_age r s K")
    table = {
        name: {
            "value": v,
            "unit": "1",
            "description": name,
            "source": "assumed",
            "note": "toy",
            "range": [0.0, 10.0],
        }
        for name, v in (("r", 0.5), ("s", 0.1), ("K", 2.0))
    }
    model = Model(
        "aged",
        (State("N", 0.3), State("t_age", 40.0)),
        parse_parameters({"meta": {"model": "aged"}, "parameters": table}),
        {"N": r * (1 + s * t_age) * (K - N), "t_age": sp.Integer(1)},
    )
    from bonemodel.simulate import clock_states

    assert clock_states(model) == ["t_age"]
    ss = bm.steady_state(model)
    assert ss.clocks == ["t_age"] and ss["t_age"] == 40.0
    assert ss["N"] == pytest.approx(2.0, rel=1e-10)
    # the eigenvalue is that of N at age 40: -r (1 + 40 s)
    assert ss.eigenvalues.tolist() == pytest.approx([-0.5 * 5.0], rel=1e-8)
    assert ss.residual < 1e-12


def test_steady_state_keeps_neutral_accumulator(coupled_model):
    ss = bm.steady_state(coupled_model)
    assert ss.neutral == ["c"]
    assert ss["c"] == 100.0
    assert len(ss.eigenvalues) == 2


@pytest.mark.parametrize(
    "kwargs, error, text",
    [
        ({"t_end": 0.0}, SimulationError, "must be greater than t_start"),
        ({"t_end": -5.0}, SimulationError, "positive duration"),
        ({"t_end": float("nan")}, SimulationError, "finite"),
        ({"t_end": 5.0, "params": {"K": 1.0}}, ParameterError, "did you mean 'k'"),
        ({"t_end": 5.0, "params": {"k": float("nan")}}, ParameterError, "must be finite"),
        ({"t_end": 5.0, "params": {"k": -1.0}}, ParameterError, "must be >= 0"),
        ({"t_end": 5.0, "method": "rk4"}, SimulationError, "unknown method"),
        ({"t_end": 5.0, "t_eval": [0.0, 6.0]}, SimulationError, "outside the simulated span"),
        ({"t_end": 5.0, "t_eval": [2.0, 1.0]}, SimulationError, "strictly increasing"),
        ({"t_end": 5.0, "scenario": "nonexistent"}, ScenarioError, "unknown scenario"),
        ({"t_end": 5.0, "y0": {"x": -1.0}}, SimulationError, "negative"),
    ],
)
def test_bad_input_gets_clear_error(decay_model, kwargs, error, text):
    with pytest.raises(error, match=text):
        bm.simulate(decay_model, **kwargs)


def test_overlapping_windows_rejected():
    with pytest.raises(ScenarioError, match="overlap"):
        bm.Scenario.window("u", 1.0, start=0, stop=5) + bm.Scenario.window("u", 2.0, start=4, stop=6)


@pytest.fixture
def blowup_model():
    """x' = c x^2, x(0) = 1: finite-time blow-up at t = 1/c."""
    from bonemodel.model import Model, State, symbols
    from tests.conftest import _params

    x, c = symbols("x c")
    return Model("blowup", (State("x", 1.0),), _params("blowup", c=1.0), {"x": c * x**2})


@pytest.mark.parametrize("method", ["auto", "BDF", "RK45"])
def test_solver_failure_reports_time_and_keeps_partial_solution(blowup_model, method):
    with pytest.raises(SolverError, match="stopped near t =|became non-finite") as info:
        bm.simulate(blowup_model, 5.0, method=method)
    partial = info.value.solution
    assert partial.status == "failed"
    assert 0.9 <= partial.t[-1] <= 1.0  # everything up to the blow-up at t = 1 is kept
    before = partial.t < 0.99
    np.testing.assert_allclose(partial["x"][before], 1 / (1 - partial.t[before]), rtol=1e-3)
    assert "last good state: x=" in str(info.value)


def test_failed_run_can_be_returned_instead_of_raised(blowup_model):
    sol = bm.simulate(blowup_model, 5.0, raise_on_failure=False)
    assert not sol.success and "t = 0.9" in sol.message


def test_stability_classes():
    from bonemodel.simulate import classify

    assert classify(np.array([-1.0, -0.5])) == "stable"
    assert classify(np.array([1e-18 + 0.04j, 1e-18 - 0.04j])) == "marginal"
    assert classify(np.array([0.01, -2.0])) == "unstable"


def test_percent_change_is_from_t_start_whatever_the_output_grid(decay_model):
    full = bm.simulate(decay_model, 4.0, t_eval=[0.0, 2.0, 4.0], rtol=1e-11, atol=1e-13)
    late = bm.simulate(decay_model, 4.0, t_eval=[2.0, 4.0], rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(late["x_pct"], full["x_pct"][1:], rtol=1e-9)
    assert late["x_pct"][-1] == pytest.approx(100 * (np.exp(-2.0) - 1), rel=1e-8)


def test_zero_baseline_is_refused_before_integrating(decay_model):
    with pytest.raises(SimulationError, match="'x_pct' is 0 at t = 0"):
        bm.simulate(decay_model, 4.0, y0={"x": 0.0})


def test_back_to_back_doses_do_not_overlap_or_leave_ulp_segments(decay_model):
    sc = bm.Scenario.doses("u", 1.0, start=0.1, interval=0.1, duration=0.1, count=20)
    sol = bm.simulate(decay_model, 5.0, scenario=sc, rtol=1e-11, atol=1e-13)
    # u = 1 on [0.1, 2.1): x relaxes towards 2 with rate 0.5, exactly as one long window
    one = bm.simulate(
        decay_model, 5.0, scenario=bm.Scenario.window("u", 1.0, start=0.1, stop=2.1), rtol=1e-11, atol=1e-13
    )
    np.testing.assert_allclose(sol.at("x", 5.0), one.at("x", 5.0), rtol=1e-9)


def test_scaling_a_zero_base_value_is_an_error(decay_model):
    with pytest.raises(ScenarioError, match="base value is 0"):
        bm.simulate(decay_model, 3.0, scenario=bm.Scenario.window("u", 5.0, start=0, stop=1, scale=True))


def test_nan_jacobian_in_solve_ivp_is_a_reported_failure():
    from bonemodel.model import Model, State, symbols
    from tests.conftest import _params

    x, k = symbols("x k")
    m = Model("sqrtdecay", (State("x", 1.0),), _params("sqrtdecay", k=1.0), {"x": -k * sp.sqrt(x) - 0.1})
    sol = bm.simulate(m, 10.0, method="BDF", raise_on_failure=False)
    assert sol.status == "failed" and "stopped near t =" in sol.message or "negative" in sol.message


@pytest.mark.parametrize(
    "kwargs",
    [
        {"atol": np.full(2, 1e-12)},
        {"rtol": np.array([1e-6] * 3)},
        {"atol": "1e-10"},
        {"atol": ["1e-10"] * 3},
        {"rtol": True},
        {"atol": np.array([[1e-10] * 3])},
    ],
)
def test_tolerance_shapes_are_checked(coupled_model, kwargs):
    with pytest.raises(SimulationError, match="atol|rtol"):
        bm.simulate(coupled_model, 1.0, **kwargs)


def test_per_state_atol_is_accepted_and_recorded(coupled_model):
    sol = bm.simulate(coupled_model, 1.0, atol=[1e-10, 1e-10, 1e-8])
    assert sol.meta["atol"] == [1e-10, 1e-10, 1e-8]


@pytest.mark.parametrize("method", ["auto", "rodas4", "BDF"])
def test_numpy_scalar_and_zero_dimensional_tolerances_are_numbers(coupled_model, method):
    sol = bm.simulate(coupled_model, 1.0, rtol=np.array(1e-6), atol=np.float32(1e-10), method=method)
    assert sol.success and type(sol.meta["rtol"]) is float
    assert sol.meta["atol"] == pytest.approx(1e-10)


def test_steady_state_takes_params_positionally(logistic_model):
    assert bm.steady_state(logistic_model, {"K": 3.0})["N"] == pytest.approx(3.0, rel=1e-10)


def test_steady_state_of_only_accumulators_is_an_error():
    from bonemodel.model import Model, State, symbols
    from tests.conftest import _params

    (k,) = symbols("k")
    m = Model("accum", (State("z", 1.0),), _params("accum", k=0.5), {"z": k})
    with pytest.raises(SimulationError, match="accumulator"):
        bm.steady_state(m)


def test_a_real_zero_crossing_is_not_clipped_away():
    from bonemodel.model import Model, State, symbols
    from tests.conftest import _params

    (k,) = symbols("k")
    m = Model("linear", (State("x", 1.0),), _params("linear", k=1.0), {"x": -k})
    sol = bm.simulate(m, 1.0 + 1e-3, raise_on_failure=False)
    assert sol.status == "failed" and "became negative" in sol.message


@pytest.mark.parametrize("model_name", ["lemaire2004", "pivonka2008"])
def test_rodas4_single_run_matches_tight_radau_through_a_scenario(model_name):
    model = bm.load_model(model_name)
    scenario = next(iter(model.scenarios))
    ref = bm.simulate(model, 300.0, scenario=scenario, method="Radau", rtol=1e-11, atol=1e-16)
    sol = bm.simulate(model, 300.0, scenario=scenario, method="rodas4", rtol=1e-8, atol=1e-14)
    assert sol.meta["method"].startswith("rodas4")
    np.testing.assert_array_equal(sol.t, ref.t)
    scale = np.max(np.abs(ref.y), axis=1, keepdims=True)
    assert np.max(np.abs(sol.y - ref.y) / scale) < 1e-5
    np.testing.assert_allclose(sol.observable_values, ref.observable_values, rtol=1e-4, atol=1e-12)


def test_meta_lists_every_window_field():
    from dataclasses import asdict

    model = bm.load_model("lemaire2004")
    scenario = model.scenarios[next(iter(model.scenarios))]
    scenario = scenario() if callable(scenario) else scenario
    sol = bm.simulate(model, 300.0, scenario=scenario)
    assert sol.meta["windows"] == [asdict(w) for w in scenario.windows]
    assert sol.meta["windows"]


@pytest.mark.skipif(not numba_available(), reason="numba is not installed")
def test_compiled_model_still_pickles_after_a_rodas4_run():
    import pickle

    from bonemodel.compile import compile_model

    model = bm.load_model("lemaire2004")
    bm.simulate(model, 100.0, method="rodas4")
    copy = pickle.loads(pickle.dumps(compile_model(model)))
    assert "_numba_module" not in copy.__dict__
    assert bm.simulate(model, 100.0, method="rodas4").success


# ------------------------------------- a state at exactly 0 under a power y**g, 0 < g < 1


def _root_of_zero_state(forcing=None):
    # y' = c (1 - t/forcing), x' = a y**g with g = 1/2 and y(0) = 0: the rates are finite at the
    # start, the slope of y**g (column y of the Jacobian) is not, however it is written
    from bonemodel.model import TIME, Model, State, symbols
    from tests.conftest import _params

    x, y, a, c, g = symbols("x y a c g")
    drive = c if forcing is None else c * (1 - TIME / forcing)
    return Model(
        "rootzero",
        (State("x", 1.0), State("y", 0.0)),
        _params("rootzero", a=3.0, c=4.0, g=0.5),
        {"x": a * y**g, "y": drive},
    )


@pytest.mark.parametrize("method", ["auto", "BDF", "LSODA"])
def test_simulate_starts_where_the_jacobian_is_singular(method):
    # y = 4t and x = 1 + 3 sqrt(4) t**1.5 / 1.5 = 1 + 4 t**1.5; simulate refused to start at all.
    # (Radau's first Newton iterate puts y at -6e-22, where y**g is NaN: a reported failure.)
    from bonemodel.compile import compile_model
    from bonemodel.solvers.scipy_path import ieee_functions

    model = _root_of_zero_state()
    compiled = compile_model(model)
    _, jac = ieee_functions(compiled, compiled.vector({}).tolist())
    J = jac(0.0, np.array([1.0, 0.0]))
    assert not np.isfinite(J[0, 1]) and np.isfinite(np.delete(J.ravel(), 1)).all()
    sol = bm.simulate(model, 10.0, method=method, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(sol["y"], 4.0 * sol.t, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(sol["x"], 1.0 + 4.0 * sol.t**1.5, rtol=1e-7)
    assert sol.meta["jacobian"].startswith("analytic; forward differences in the columns of ['y']")
    assert bm.simulate("lemaire2004", 10.0).meta["jacobian"] == "analytic"


def test_a_run_started_by_difference_columns_that_fails_later_keeps_its_partial_result():
    # y' = 4 (1 - t/3): y = 4t - 2t**2/3 returns to 0 at t = 6 and then goes negative
    with pytest.raises(SolverError, match=r"simulation of 'rootzero' failed: .*t = [56]\.\d+ days") as err:
        bm.simulate(_root_of_zero_state(forcing=3.0), 20.0, rtol=1e-11, atol=1e-13)
    partial = err.value.solution
    assert partial.status == "failed" and 5.0 <= partial.t[-1] < 6.0
    np.testing.assert_allclose(partial["y"], 4 * partial.t - 2 * partial.t**2 / 3, rtol=1e-8, atol=1e-10)
    assert "forward differences in the columns of ['y']" in partial.meta["jacobian"]


def test_a_jacobian_not_finite_at_a_state_away_from_zero_is_still_refused():
    # x' = -sqrt(x - k) at x = k = 1: a finite rate, an infinite slope at a state that is not 0
    from bonemodel.model import Model, State, symbols
    from tests.conftest import _params

    x, k = symbols("x k")
    model = Model("edge", (State("x", 1.0),), _params("edge", k=1.0), {"x": -sp.sqrt(x - k)})
    with pytest.raises(SolverError, match="Jacobian is not finite at t = 0 days") as err:
        bm.simulate(model, 5.0)
    assert err.value.solution.t.tolist() == [0.0]
