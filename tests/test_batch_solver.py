"""The batched RODAS4 solver: every member against a tight Radau reference, restarts, failures.

Tolerances: the solver runs at the sweep defaults (rtol 1e-6, atol 1e-10) unless a test
says otherwise; the reference is scipy Radau at rtol 1e-10 (atol 1e-14) on each member
alone, restarted at the same switch times. The relative error allowed is 2e-5.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import solve_ivp

from bonemodel.compile import compile_model
from bonemodel.compile_numba import numba_available, numba_key, numba_source
from bonemodel.model import Input, Model, State, symbols
from bonemodel.solvers.batch import initial_states, solve_batch, uses_time
from tests.conftest import _params

RTOL_REF, ATOL_REF = 1e-10, 1e-14


def three_cell_model() -> Model:
    """A toy osteoblast/osteoclast loop in the spirit of Lemaire 2004 (Hill terms, pM scale)."""
    R, B, C, D_R, k_B, D_C, K, u = symbols("R B C D_R k_B D_C K u")
    return Model(
        "three_cell",
        (State("R", 7e-4, unit="pM"), State("B", 7e-4, unit="pM"), State("C", 1e-3, unit="pM")),
        _params("three_cell", D_R=7e-4, k_B=0.19, D_C=2.1e-3, K=1e-3),
        {
            "R": D_R * C / (C + K) - 0.7 * R + u,
            "B": 0.7 * R - k_B * B,
            "C": D_C * K / (K + B) - 0.7 * C,
        },
        inputs=(Input("u", 0.0, unit="pM/day"),),
    )


def robertson_model() -> Model:
    """Robertson's stiff chemical kinetics with swept rate constants."""
    y1, y2, y3, k1, k2, k3 = symbols("y1 y2 y3 k1 k2 k3")
    return Model(
        "robertson",
        (State("y1", 1.0), State("y2", 0.0), State("y3", 0.0)),
        _params("robertson", k1=0.04, k2=3e7, k3=1e4),
        {"y1": -k1 * y1 + k3 * y2 * y3, "y2": k1 * y1 - k2 * y2**2 - k3 * y2 * y3, "y3": k2 * y2**2},
    )


def reference(compiled, segments, y0, times, j):
    """Radau at rtol 1e-10 for member j, restarted at every segment."""
    out = np.full((compiled.n_states, times.size), np.nan)
    y = y0[:, j]
    for k, (a, b, P) in enumerate(segments):
        p = list(P[:, j] if P.ndim == 2 else P)
        last = k == len(segments) - 1
        sel = (times >= a) & ((times <= b) if last else (times < b))
        t_eval = np.union1d(times[sel], [b])
        sol = solve_ivp(
            lambda t, yy, p=p: compiled.rhs(t, yy, p),
            (a, b),
            y,
            method="Radau",
            t_eval=t_eval,
            rtol=RTOL_REF,
            atol=ATOL_REF,
            jac=lambda t, yy, p=p: compiled.jac(t, yy, p),
        )
        out[:, sel] = sol.y[:, np.searchsorted(t_eval, times[sel])]
        y = sol.y[:, -1]
    return out


def worst_error(res, compiled, segments, y0, times, floor=0.0):
    worst = 0.0
    for j in range(y0.shape[1]):
        ref = reference(compiled, segments, y0, times, j)
        err = np.abs(res.y[:, j, :] - ref) / np.maximum(np.abs(ref), floor)
        worst = max(worst, float(np.max(err)))
    return worst


def test_decay_members_match_closed_form(decay_model):
    compiled = compile_model(decay_model)
    k = np.array([0.1, 0.5, 2.0, 5.0])
    P = np.repeat(compiled.default_vector[:, None], 4, axis=1)
    P[compiled.index["k"]] = k
    times = np.array([0.0, 0.5, 1.0, 3.0, 10.0])
    res = solve_batch(compiled, [(0.0, 10.0, P)], initial_states(compiled, P), times, rtol=1e-10, atol=1e-14)
    exact = 2.0 * np.exp(-np.outer(k, times))
    np.testing.assert_allclose(res.y[0], exact, rtol=2e-8, atol=1e-14)
    assert res.ok.all() and res.message == [""] * 4


def test_every_member_within_2e5_of_radau_with_scenario_restarts(rng):
    model = three_cell_model()
    compiled = compile_model(model)
    B = 12
    P = np.repeat(compiled.default_vector[:, None], B, axis=1)
    for name in ("D_R", "k_B", "D_C"):
        P[compiled.index[name]] *= np.exp(rng.uniform(np.log(0.5), np.log(2.0), B))
    on = P.copy()
    on[compiled.index["u"]] = 1e-4  # an infusion from day 20 to 60: two discontinuities
    segments = [(0.0, 20.0, P), (20.0, 60.0, on), (60.0, 300.0, P)]
    times = np.array([0.0, 10.0, 20.0, 25.0, 60.0, 80.0, 150.0, 300.0])
    y0 = initial_states(compiled, P)
    res = solve_batch(compiled, segments, y0, times)
    assert res.ok.all()
    assert worst_error(res, compiled, segments, y0, times) <= 2e-5
    # The infusion really acted: R rises while it runs.
    assert np.all(res.y[0, :, 4] > 1.1 * res.y[0, :, 2])


def test_stiff_robertson_members_match_radau(rng):
    model = robertson_model()
    compiled = compile_model(model)
    B = 8
    P = np.repeat(compiled.default_vector[:, None], B, axis=1)
    P[compiled.index["k1"]] *= rng.uniform(0.5, 2.0, B)
    P[compiled.index["k3"]] *= rng.uniform(0.5, 2.0, B)
    times = np.array([0.0, 0.4, 4.0, 40.0, 400.0])
    y0 = initial_states(compiled, P)
    res = solve_batch(compiled, [(0.0, 400.0, P)], y0, times, rtol=1e-6, atol=1e-12)
    assert res.ok.all()
    # y2 is ~1e-5: compare relative to the size of each state.
    assert worst_error(res, compiled, [(0.0, 400.0, P)], y0, times, floor=1e-9) <= 2e-5
    np.testing.assert_allclose(res.y.sum(axis=0), 1.0, atol=1e-8)  # mass is conserved
    assert res.steps.max() < 400  # an explicit method would need millions of steps here


def test_steps_do_not_depend_on_the_number_of_output_times():
    model = three_cell_model()
    compiled = compile_model(model)
    P = compiled.default_vector[:, None] * np.array([[0.5, 1.0, 2.0]])
    y0 = initial_states(compiled, P)
    y0[2] *= 3.0  # start away from steady state
    few = solve_batch(compiled, [(0.0, 200.0, P)], y0, np.array([0.0, 200.0]))
    daily = solve_batch(compiled, [(0.0, 200.0, P)], y0, np.arange(0.0, 201.0))
    assert np.array_equal(few.steps, daily.steps)
    np.testing.assert_array_equal(few.y[:, :, -1], daily.y[:, :, -1])
    assert few.steps.max() < 100  # far fewer steps than the 200 daily points


def test_a_member_that_blows_up_fails_alone_with_a_reason():
    y, a = symbols("y a")
    model = Model("blowup", (State("y", 1.0, nonnegative=False),), _params("blowup", a=1.0), {"y": a * y**2})
    compiled = compile_model(model)
    P = np.array([[-1.0, 1.0, -0.5]])  # y' = a y^2 with y(0) = 1: finite-time blow-up at t = 1/a for a > 0
    times = np.array([0.0, 0.5, 2.0])
    res = solve_batch(compiled, [(0.0, 2.0, P)], initial_states(compiled, P), times)
    assert res.ok.tolist() == [True, False, True]
    assert "stopped near t = 1" in res.message[1] and res.message[0] == res.message[2] == ""
    np.testing.assert_allclose(res.y[0, 0], 1.0 / (1.0 + times), rtol=1e-5)
    np.testing.assert_allclose(res.y[0, 2], 1.0 / (1.0 + 0.5 * times), rtol=1e-5)
    assert res.y[0, 1, 1] == pytest.approx(2.0, rel=1e-5)  # before the blow-up the member is right
    assert np.isnan(res.y[0, 1, 2])


def test_a_member_driven_negative_fails_with_the_state_named():
    x, k = symbols("x k")
    model = Model("drain", (State("x", 1.0),), _params("drain", k=1.0), {"x": -k})
    compiled = compile_model(model)
    P = np.array([[0.1, 1.0]])  # x = 1 - k t reaches 0 at t = 1/k
    res = solve_batch(compiled, [(0.0, 5.0, P)], initial_states(compiled, P), np.array([0.0, 5.0]))
    assert res.ok.tolist() == [True, False]
    assert "state 'x' became negative" in res.message[1]
    assert res.y[0, 0, 1] == pytest.approx(0.5)


def test_explicit_time_dependence_is_detected_and_integrated():
    x, w = symbols("x w")
    t = sp.Symbol("t")
    model = Model(
        "forced", (State("x", 0.0, nonnegative=False),), _params("forced", w=1.0), {"x": sp.cos(w * t)}
    )
    compiled = compile_model(model)
    assert uses_time(compiled) and not uses_time(compile_model(three_cell_model()))
    P = np.array([[0.5, 1.0, 2.0]])
    times = np.linspace(0.0, 10.0, 6)
    res = solve_batch(compiled, [(0.0, 10.0, P)], initial_states(compiled, P), times, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(res.y[0], np.sin(np.outer(P[0], times)) / P[0][:, None], atol=1e-7)


@pytest.mark.slow
@pytest.mark.skipif(not numba_available(), reason="numba is not installed")
def test_numba_solver_equals_numpy_solver(rng):
    from bonemodel.solvers.batch_numba import solve_batch_numba

    model = three_cell_model()
    compiled = compile_model(model)
    B = 16
    P = np.repeat(compiled.default_vector[:, None], B, axis=1)
    P[compiled.index["k_B"]] *= rng.uniform(0.5, 2.0, B)
    on = P.copy()
    on[compiled.index["u"]] = 1e-4
    segments = [(0.0, 30.0, P), (30.0, 90.0, on), (90.0, 400.0, P)]
    times = np.array([0.0, 30.0, 45.0, 90.0, 400.0])
    y0 = initial_states(compiled, P)
    a = solve_batch(compiled, segments, y0, times)
    b = solve_batch_numba(
        compiled, segments, y0, times, source=numba_source(model, compiled), key=numba_key(compiled)
    )
    assert b.ok.all()
    np.testing.assert_array_equal(a.steps, b.steps)
    np.testing.assert_allclose(b.y, a.y, rtol=1e-11, atol=0)


@pytest.mark.skipif(not numba_available(), reason="numba is not installed")
def test_first_numba_runs_in_several_threads_at_once(tmp_path, monkeypatch):
    """Threads loading one model's numba module into an empty cache do not trip over each other."""
    from concurrent.futures import ThreadPoolExecutor

    import bonemodel as bm
    import bonemodel.compile_numba as cn

    monkeypatch.setenv("BONEMODEL_CACHE", str(tmp_path))
    monkeypatch.setattr(cn, "_LOADED", {})
    model = bm.load_model("lemaire2004")
    compile_model(model).__dict__.pop("_numba_module", None)
    with ThreadPoolExecutor(4) as pool:
        runs = list(pool.map(lambda _: bm.simulate(model, 50.0, method="rodas4"), range(4)))
    assert all(r.success for r in runs)
    np.testing.assert_array_equal(runs[0].y, runs[3].y)
