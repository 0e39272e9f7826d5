"""Inputs that used to slip through: nonsense accepted silently, bare Python exceptions, and
solver paths that disagreed on absurd parameter values."""

from __future__ import annotations

import inspect
import time

import numpy as np
import pandas as pd
import pytest
import sympy as sp

import bonemodel as bm
from bonemodel import scenarios as S
from bonemodel.designs import unit_samples
from bonemodel.errors import (
    BonemodelError,
    ModelError,
    ParameterError,
    ParameterFileError,
    ScenarioError,
    SimulationError,
    SolverError,
)
from bonemodel.model import Model, State
from bonemodel.parameters import load_parameters, parse_parameter_text, parse_parameters
from bonemodel.scenario import Scenario, Window

LEMAIRE = "lemaire2004"
_TABLE = """
[parameters.{name}]
value = 1.0
unit = "1/day"
description = "a rate"
source = "assumed"
note = "test"
"""
_FILE = '[meta]\nmodel = "m"\n' + _TABLE.format(name="a")


def _sweep(**kwargs):
    args = {"n": 2, "t_end": 10.0, "outputs": ["final(B)"], "progress": False, "workers": 1}
    args.update(kwargs)
    return bm.sweep(LEMAIRE, args.pop("params", {"k_B": (0.1, 0.3)}), **args)


# ---------------------------------------------------------------- 5: silently accepted nonsense


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: bm.simulate(LEMAIRE, True), SimulationError),
        (lambda: bm.simulate(LEMAIRE, np.True_), SimulationError),
        (lambda: bm.simulate(LEMAIRE, 10.0, t_start=False), SimulationError),
        (lambda: bm.simulate(LEMAIRE, 10.0, params={"k_B": True}), ParameterError),
        (lambda: bm.simulate(LEMAIRE, 10.0, params={"k_B": np.bool_(True)}), ParameterError),
        (lambda: bm.simulate(LEMAIRE, 10.0, y0={"B": True}), SimulationError),
        (lambda: bm.simulate(LEMAIRE, 10.0, t_eval=[False, True]), SimulationError),
        (lambda: bm.simulate(LEMAIRE, 10.0, atol=True), SimulationError),
        (lambda: bm.steady_state(LEMAIRE, tol=True), SimulationError),
        (lambda: bm.steady_state(LEMAIRE, t_max=True), SimulationError),
        (lambda: _sweep(n=True), ParameterError),
        (lambda: _sweep(params={"k_B": (False, True)}), ParameterError),
        (lambda: _sweep(chunk_size=True), SimulationError),
        (lambda: _sweep(workers=np.True_), SimulationError),
        (lambda: _sweep(t_end=True), SimulationError),
        (
            lambda: Scenario.doses("k_B", 1.0, start=0.0, interval=2.0, duration=1.0, count=True),
            ScenarioError,
        ),
        (lambda: Window("k_B", 0.0, 5.0, True), ScenarioError),
        (lambda: Scenario.constant("c", k_B=True), ScenarioError),
        (lambda: S.low_grade_inflammation(crp=True), ScenarioError),
        (lambda: S.menopause(start_day=True), ScenarioError),
        (lambda: S.calcium(mg_day=np.True_), ScenarioError),
        (lambda: S.resistance_training(sessions_per_week=True), ScenarioError),
    ],
)
def test_booleans_are_refused_where_numbers_are_expected(call, error):
    with pytest.raises(error, match="must be a number|must be a whole number|must be a positive integer"):
        call()


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: bm.simulate(LEMAIRE, "10"), SimulationError),
        (lambda: bm.simulate(LEMAIRE, 10.0, params={"k_B": "0.2"}), ParameterError),
        (lambda: _sweep(params={"k_B": ("0.1", "0.3")}), ParameterError),
        (lambda: _sweep(chunk_size="2"), SimulationError),
        (lambda: S.omega3(dose_g_day="2"), ScenarioError),
    ],
)
def test_text_is_refused_where_numbers_are_expected(call, error):
    with pytest.raises(error, match="must be a number|must be a whole number"):
        call()


@pytest.mark.parametrize("method", ["auto", "Radau", "rodas4"])
def test_tolerances_no_integrator_can_honour_are_refused(method):
    # solve_ivp quietly raised rtol=1e-15 to 2.2e-14 and reported success
    with pytest.raises(SimulationError, match="rtol = 1e-15 .* no integrator can honour it"):
        bm.simulate(LEMAIRE, 10.0, rtol=1e-15, method=method)
    with pytest.raises(SimulationError, match="no integrator can honour it"):
        _sweep(rtol=1e-15)
    assert bm.simulate(LEMAIRE, 10.0, rtol=1e-12, atol=1e-14, method=method).success


@pytest.mark.parametrize("level", ["nan", "inf", "-inf", "1_0", "0x10"])
def test_time_to_needs_a_finite_level(level):
    with pytest.raises(SimulationError, match=f"output 'time_to\\(B, {level}\\)'"):
        _sweep(outputs=[f"time_to(B, {level})"])


@pytest.mark.parametrize(
    "extra, text",
    [
        ("lower = nan\n", "lower must be finite"),
        ("lower = inf\n", "lower must be a number or -inf"),
        ("range = [nan, 2.0]\n", "range must be finite"),
        ("range = [0.5, nan]\n", "range must be finite"),
        ("range = [0.5, inf]\n", "range must be finite"),
        ("range = [false, true]\n", "range must be a number"),
    ],
)
def test_nan_bounds_in_a_parameter_file_are_refused(extra, text):
    with pytest.raises(ParameterFileError, match=text):
        parse_parameter_text(_FILE + extra, origin="m.toml")


def test_a_nan_lower_bound_no_longer_lets_negative_values_through():
    # NaN compares False with everything, so "value < nan" never refused anything
    with pytest.raises(ParameterFileError, match="lower must be finite"):
        parse_parameter_text(_FILE.replace("value = 1.0", "value = -5.0") + "lower = nan\n", origin="m.toml")
    assert parse_parameter_text(_FILE + "lower = -inf\n", origin="m.toml")["a"].lower == -np.inf


def test_low_grade_inflammation_below_the_healthy_crp_is_refused():
    with pytest.raises(ScenarioError, match=r"crp 0.5 mg/L is below the model's healthy CRP \(1 mg/L\)"):
        S.low_grade_inflammation(crp=0.5)
    assert S.low_grade_inflammation(crp=1.0).overrides["systemic_activation"] == 0.0


@pytest.mark.parametrize(
    "call",
    [
        lambda: bm.simulate(LEMAIRE, 10.0, raise_on_failure="no"),
        lambda: _sweep(progress="no"),
        lambda: _sweep(resume=1),
        lambda: Window("k_B", 0.0, 5.0, 2.0, scale="yes"),
    ],
)
def test_flags_must_be_true_or_false(call):
    # "no" is truthy: taking it for True would do the opposite of what was meant
    with pytest.raises(BonemodelError, match="must be True or False"):
        call()


def test_sweep_member_with_an_undefined_output_is_failed_not_success():
    x, k = sp.symbols("x k")
    text = '[meta]\nmodel = "toy"\n' + _TABLE.format(name="k") + _TABLE.format(name="x0")
    params = parse_parameter_text(text, origin="toy.toml")
    model = Model("toy", (State("x", "x0"),), params, {"x": -k * x})
    runs = bm.sweep(
        model, pd.DataFrame({"x0": [0.0, 1.0]}), outputs=["pct_change(x@1)"], progress=False, workers=1
    )
    assert runs["status"][0].startswith("failed: output 'pct_change(x@1)' is nan (undefined")  # was "success"
    assert runs["status"][1] == "success" and np.isfinite(runs["pct_change(x@1)"][1])


def test_an_infinite_output_is_the_ieee_limit_and_kept():
    # beta_OPG = 0: no OPG, so RANKL/OPG = inf on every path alike (the documented IEEE limit)
    table = pd.DataFrame({"beta_OPG": [0.0]})
    runs = bm.sweep("pivonka2008", table, t_end=10.0, outputs=["final(RANKL_OPG_ratio)"], progress=False)
    assert runs["status"][0] == "success" and runs["final(RANKL_OPG_ratio)"][0] == np.inf
    sol = bm.simulate("pivonka2008", 10.0, params={"beta_OPG": 0.0})
    assert sol.success and sol["RANKL_OPG_ratio"][-1] == np.inf


def test_an_undefined_observable_fails_the_run_on_every_path():
    # D_R = S_P = 0 makes OPG_RANKL inf * 0: simulate said "success" and handed back NaN
    params = {"D_R": 0.0, "S_P": 0.0}
    sol = bm.simulate(LEMAIRE, 1.0, params=params, raise_on_failure=False)
    assert sol.status == "failed" and sol.message.startswith("observable 'OPG_RANKL' is nan at t = 0 days")
    assert np.isfinite(sol.y).all()  # the states themselves are kept
    for method in ("numpy", "numba", "scipy"):
        runs = bm.sweep(
            LEMAIRE, pd.DataFrame([params]), t_end=1.0, outputs=["final(B)"], method=method, progress=False
        )
        assert runs["status"][0] == f"failed: {sol.message}"


def test_time_to_may_stay_nan_when_the_level_is_never_crossed():
    runs = _sweep(outputs=["time_to(B, 1e6)"])
    assert (runs["status"] == "success").all() and runs["time_to(B,1e6)"].isna().all()


# ------------------------------------------------------------ 6: bare exceptions, now clear errors


@pytest.mark.parametrize("name", bm.load_model(LEMAIRE).parameter_names)
def test_steady_state_with_a_parameter_at_zero_raises_no_zero_division(name):
    # simulate computes x/0 in IEEE arithmetic; steady_state raised ZeroDivisionError for 13 of these
    try:
        ss = bm.steady_state(LEMAIRE, {name: 0.0})
    except BonemodelError:
        return
    assert all(np.isfinite(v) for v in ss.values.values())
    assert np.isfinite(ss.residual)


def test_steady_state_at_a_zero_rate_finds_the_limit():
    ss = bm.steady_state(LEMAIRE, {"k1": 0.0})  # was ZeroDivisionError
    assert ss.residual < 1e-8 and all(v >= 0 for v in ss.values.values())


@pytest.mark.parametrize("params", [[1, 2], "k_B", {"k_B"}, [("k_B", 0.2)], {1: 0.2}, 3.0])
def test_params_of_the_wrong_container_type_are_refused(params):
    for call in (
        lambda: bm.simulate(LEMAIRE, 10.0, params=params),
        lambda: bm.steady_state(LEMAIRE, params),
        lambda: _sweep(params=params),
    ):
        with pytest.raises(ParameterError, match="params"):
            call()


@pytest.mark.parametrize("name", [n for n in S.REGISTRY if n != "ra_anti_tnf"])
@pytest.mark.parametrize("bad", ["10", b"10", [1], 1 + 1j, float("nan"), True])
def test_scenario_days_and_doses_must_be_numbers(name, bad):
    # strings where days are expected raised ValueError from a format spec, or TypeError
    make = S.REGISTRY[name]
    for arg, param in inspect.signature(make).parameters.items():
        numeric = isinstance(param.default, (int, float)) and not isinstance(param.default, bool)
        if param.default is None or numeric:
            with pytest.raises(ScenarioError, match=arg):
                make(**{arg: bad})


@pytest.mark.parametrize(
    "call",
    [
        lambda: Scenario.doses("k_B", 1.0, start="0", interval=2.0, duration=1.0, count=3),
        lambda: Scenario.doses("k_B", 1.0, start=0.0, interval=2.0, duration="1", count=3),
        lambda: Scenario.doses("k_B", 1.0, start=0.0, interval=2.0, duration=1.0, count=2.5),
        lambda: Scenario.doses("k_B", 1.0, start=0.0, interval=float("inf"), duration=1.0, count=3),
        lambda: Scenario.step("k_B", 1.0, start="5"),
        lambda: Scenario("s", [1, 2]),
        lambda: Scenario("s", {}, (1,)),
        lambda: Scenario(1),
        lambda: S.rheumatoid_arthritis(activity=["high"]),
        lambda: S.anti_tnf(dosing=["doses"]),
        lambda: S.anti_tnf(stop_day=1e9, dosing="doses"),
    ],
)
def test_scenario_constructors_raise_scenario_errors(call):
    with pytest.raises(ScenarioError):
        call()


def test_too_many_doses_are_refused_before_they_are_built():
    started = time.perf_counter()
    with pytest.raises(ScenarioError, match="count must be <= 100,000"):
        Scenario.doses("k_B", 1.0, start=0.0, interval=2.0, duration=1.0, count=10**9)
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    "t_eval", ["abc", {1: 2}, 5.0, [[0.0, 1.0], [2.0, 3.0]], [0.0, 1 + 1j], [0.0, None], [0.0, "1"]]
)
def test_t_eval_of_the_wrong_type_or_shape_is_refused(t_eval):
    with pytest.raises(SimulationError, match="t_eval"):
        bm.simulate(LEMAIRE, 10.0, t_eval=t_eval)


@pytest.mark.parametrize("y0", ["abc", ["a", "b", "c"], {"B": "x"}, [[1.0, 2.0, 3.0]], {1: 0.1}])
def test_y0_of_the_wrong_type_is_refused(y0):
    with pytest.raises(SimulationError, match="y0"):
        bm.simulate(LEMAIRE, 10.0, y0=y0)
    with pytest.raises(SimulationError, match="guess"):
        bm.steady_state(LEMAIRE, guess=y0)


def test_a_non_utf8_parameter_file_is_a_parameter_file_error(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(_FILE.replace("a rate", "a rate in \xb5M").encode("latin-1"))
    with pytest.raises(ParameterFileError, match="latin1.toml: not UTF-8 text .* save the file as UTF-8"):
        load_parameters(path)


@pytest.mark.parametrize(
    "data, text",
    [
        ([1], "a parameter file is a table"),
        ({"meta": {"model": 3}, "parameters": {}}, "model must be a name"),
        ({"meta": {"model": "m\x07"}, "parameters": {}}, "model must be a name"),
        ({"meta": {"model": "m", "citation": 3}, "parameters": {"a": {}}}, "citation must be"),
        ({"meta": {"model": "m", "citation": [3]}, "parameters": {"a": {}}}, "citation must be"),
        ({"meta": {"model": "m"}, "parameters": {1: {}}}, "must be a Python identifier"),
        ({"meta": {"model": "m"}, "parameters": {"a\n": {}}}, "must be a Python identifier"),
    ],
)
def test_malformed_parameter_structures_are_parameter_file_errors(data, text):
    with pytest.raises(ParameterFileError, match=text):
        parse_parameters(data)


@pytest.mark.parametrize("path", [3, "lemaire2004\x00", "lemaire2004\n"])
def test_bad_parameter_file_names_are_parameter_file_errors(path):
    with pytest.raises(ParameterFileError):
        load_parameters(path)


@pytest.mark.parametrize(
    "call",
    [
        lambda: _sweep(n=10**12),
        lambda: _sweep(n=2**40, design="sobol"),
        lambda: unit_samples("lhs", 10**18, 2),
        lambda: bm.sensitivity.sobol(LEMAIRE, ["k_B"], ["B@10"], n=10**12),
    ],
)
def test_an_impossibly_large_n_is_refused_before_allocating(call):
    started = time.perf_counter()
    with pytest.raises(BonemodelError, match="more than 100,000,000"):
        call()
    assert time.perf_counter() - started < 2.0


def test_a_trajectory_output_with_too_many_columns_is_refused():
    with pytest.raises(SimulationError, match="columns, more than"):
        _sweep(outputs=["B@[0:10:1e-9]"])


def _toy(**names):
    k = sp.Symbol("k")
    params = parse_parameter_text(_FILE.replace("parameters.a", "parameters.k"), origin="toy.toml")
    state = names.get("state", "x")
    return Model(names.get("model", "toy"), (State(state, 1.0),), params, {state: -k * sp.Symbol("x")})


@pytest.mark.parametrize(
    "names",
    [{"model": "toy\n"}, {"model": "toy\x1b[31m"}, {"state": "x\n"}, {"state": 3}, {"model": 3}],
)
def test_model_and_state_names_with_control_characters_are_refused(names):
    with pytest.raises(ModelError, match="model name|not a usable identifier"):
        _toy(**names)


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: bm.simulate("lemaire2004\n", 10.0), ModelError),
        (lambda: bm.simulate(LEMAIRE, 10.0, params={"k_B\n": 0.1}), ParameterError),
        (lambda: bm.simulate(LEMAIRE, 10.0, scenario="addPTH\r"), ScenarioError),
        (lambda: Window("k_B\x00", 0.0, 1.0, 2.0), ScenarioError),
        (lambda: Scenario("name\n"), ScenarioError),
        (lambda: _sweep(outputs=["B@1\n"]), SimulationError),
    ],
)
def test_names_with_control_characters_are_refused_everywhere(call, error):
    with pytest.raises(error, match="control characters"):
        call()


def test_model_argument_must_be_a_model_or_a_name():
    with pytest.raises(ModelError, match="model must be a Model or the name"):
        bm.simulate(1, 10.0)
    with pytest.raises(ModelError, match="model must be a Model or the name"):
        bm.sweep(None, {"k_B": (0.1, 0.3)}, n=2)


# ------------------------------------------------------------------ 9: paths that disagreed

ABSURD = [("k_B", 1e300), ("D_R", 1e300), ("k3", 1e300), ("C_s", 1e300), ("k_P", 1e-300), ("k6", 1e-300)]


@pytest.mark.parametrize("name, value", ABSURD)
def test_absurd_parameter_values_get_the_same_status_on_every_path(name, value):
    # k_B = 1e300 was a success on the batched paths and a failure in simulate
    sol = bm.simulate(LEMAIRE, 50.0, params={name: value}, raise_on_failure=False)
    rodas = bm.simulate(LEMAIRE, 50.0, params={name: value}, raise_on_failure=False, method="rodas4")
    table = pd.DataFrame({name: [value]})
    status = {
        m: bm.sweep(LEMAIRE, table, t_end=50.0, outputs=["final(B)"], method=m, progress=False)["status"][0]
        for m in ("numpy", "numba", "scipy")
    }
    assert {sol.status, rodas.status} | {s.split(":")[0] for s in status.values()} == {sol.status}
    if sol.status == "failed":
        assert len(set(status.values())) == 1  # the same reason, word for word
        assert status["numpy"] == f"failed: {rodas.message}"
        assert sol.message.startswith(rodas.message)
    else:
        assert np.isfinite(sol.y).all() and np.isfinite(sol.observable_values).all()


def test_a_rate_beyond_double_precision_fails_with_its_reason():
    with pytest.raises(SolverError, match=r"rate of change of 'B' at t = 0 days .* more than 1e\+150 times"):
        bm.simulate(LEMAIRE, 50.0, params={"k_B": 1e300})


def test_rodas4_takes_the_tiny_first_steps_a_fast_but_finite_rate_needs():
    # at k_B = 1e50 LSODA succeeds; the batched solvers gave up ("step size underflowed")
    # because their step floor was 2e-15 days at t = 0 instead of relative to t
    ref = bm.simulate(LEMAIRE, 50.0, params={"k_B": 1e50}, t_eval=[0.0, 50.0])
    table = pd.DataFrame({"k_B": [1e50]})
    for method in ("numpy", "numba"):
        runs = bm.sweep(LEMAIRE, table, t_end=50.0, outputs=["final(C)"], method=method, progress=False)
        assert runs["status"][0] == "success"
        assert runs["final(C)"][0] == pytest.approx(ref["C"][-1], rel=1e-4)


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: bm.simulate(LEMAIRE, 10.0, atol=10**400), SimulationError),  # was OverflowError
        (lambda: bm.simulate(LEMAIRE, 10.0, rtol=10**5000), SimulationError),  # too long even to print
        (lambda: bm.simulate(LEMAIRE, 10**400), SimulationError),
        (lambda: bm.simulate(LEMAIRE, 10.0, params={"k_B": 10**400}), ParameterError),
        (lambda: _sweep(n=10**5000), ParameterError),
        (lambda: S.calcium(mg_day=10**400), ScenarioError),
    ],
)
def test_integers_beyond_the_doubles_get_a_clear_error(call, error):
    with pytest.raises(error, match="rtol|atol|fits a double|must be|more than"):
        call()


@pytest.mark.slow  # compiles the numba solver of komarova2003 (about 5 s)
def test_a_member_stuck_at_tiny_steps_fails_after_a_thousand_steps_on_both_batched_paths():
    from bonemodel.compile import compile_model
    from bonemodel.compile_numba import load_numba_solver
    from bonemodel.solvers.batch import MAX_TINY_STEPS, initial_states, solve_batch
    from bonemodel.solvers.batch_numba import solve_batch_numba

    # Komarova with alpha1 = 1e80: the Rosenbrock steps stay near 1e-30 days; with a step floor
    # relative to t only, the numpy solver ground through 100,000 of them (about a minute)
    model = bm.load_model("komarova2003")
    c = compile_model(model)
    P = c.vector({"alpha1": 1e80})[:, None]
    args = ([(0.0, 10.0, P)], initial_states(c, P), np.array([0.0, 10.0]))
    res = solve_batch(c, *args)
    fast = solve_batch_numba(c, *args, module=load_numba_solver(model, c))
    assert not res.ok[0] and "the step size underflowed" in res.message[0]
    assert res.message == fast.message and res.steps[0] == fast.steps[0] <= MAX_TINY_STEPS + 100


def test_bools_in_a_model_definition_are_refused():
    from bonemodel.model import Input

    k = sp.Symbol("k")
    params = parse_parameter_text(_FILE.replace("parameters.a", "parameters.k"), origin="toy.toml")
    with pytest.raises(ModelError, match="a bool"):
        Model("toy", (State("x", True),), params, {"x": -k * sp.Symbol("x")})
    with pytest.raises(ModelError, match="default of input 'u' must be a number"):
        Model("toy", (State("x", 1.0),), params, {"x": -k * sp.Symbol("x")}, inputs=(Input("u", True),))


def test_steady_state_with_an_undefined_accumulator_rate_is_not_a_success():
    # found by the fuzz test: residual NaN in a returned SteadyState (dz/dt is 0/0 at x1 = x2 = 0)
    with pytest.raises(SolverError, match=r"the rate of \['z'\] is NaN"):
        bm.steady_state("komarova2003", {"alpha1": 0.0, "alpha2": 0.0}, guess={"x1": 0.0})


def test_solve_ivp_methods_stop_at_a_budget_instead_of_running_forever():
    # solve_ivp has no step limit: Radau on a member stuck at tiny steps ran for hours
    from bonemodel.compile import compile_model
    from bonemodel.solvers.batch import initial_states
    from bonemodel.solvers.scipy_path import integrate_segment

    c = compile_model(bm.load_model("komarova2003"))
    p = c.vector({"alpha1": 1e20})
    y0 = initial_states(c, p[:, None])[:, 0]
    seg = integrate_segment(
        c, p, y0, np.array([0.0, 30.0]), method="Radau", rtol=1e-6, atol=1e-10, max_steps=100
    )
    assert not seg.ok and "more than 300 evaluations of the right-hand side" in seg.message


def test_solve_ivp_stopping_before_its_first_step_is_a_failed_run():
    # solve_ivp then returns empty lists, which simulate met with an AttributeError
    sol = bm.simulate("komarova2003", 30.0, params={"g21": 1e20}, method="BDF", raise_on_failure=False)
    assert sol.status == "failed" and "Required step size" in sol.message and sol.t.tolist() == [0.0]
