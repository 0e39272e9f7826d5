"""Choosing the sweep's solver from the expected cost (bonemodel.solvers.cost and sweep)."""

from __future__ import annotations

import pytest

import bonemodel as bm
from bonemodel.solvers.cost import (
    NUMBA_S_PER_DAY,
    NUMPY_S_PER_DAY,
    SWITCH_EQUIV_DAYS,
    choose_path,
    compile_cost,
    member_cost,
)

FLAGSHIP = {"n_states": 40, "span_days": 3650.0, "source_chars": 140_000, "workers": 2}


def test_small_uncompiled_sweep_runs_on_numpy():
    choice = choose_path(members=100, cached=False, **FLAGSHIP)
    assert choice.method == "numpy" and not choice.compiles
    assert choice.numpy_s < choice.numba_s


def test_large_sweep_compiles_when_it_pays():
    choice = choose_path(members=100_000, cached=False, **FLAGSHIP)
    assert choice.method == "numba" and choice.compiles
    assert choice.numba_s >= compile_cost(FLAGSHIP["source_chars"])


def test_cached_kernel_is_used_for_a_sweep_numpy_would_take_longer_on():
    members = 1000
    assert choose_path(members=members, cached=False, **FLAGSHIP).method == "numpy"
    choice = choose_path(members=members, cached=True, **FLAGSHIP)
    assert choice.method == "numba" and not choice.compiles


def test_break_even_grows_with_compile_cost():
    def first_numba(source_chars):
        n = 1
        while (
            choose_path(members=n, cached=False, **{**FLAGSHIP, "source_chars": source_chars}).method
            == "numpy"
        ):
            n *= 2
        return n

    assert first_numba(10_000) < first_numba(140_000) < first_numba(1_000_000)


def test_member_cost_grows_with_span_and_states():
    assert member_cost(40, 3650, 1e-8) > member_cost(40, 365, 1e-8) > member_cost(3, 365, 1e-8)


def test_each_scenario_switch_costs_like_a_span_of_days():
    plain = member_cost(40, 3652.5, 1e-8)
    dosed = member_cost(40, 3652.5, 1e-8, switches=41)  # denosumab every 6 months for 10 years
    assert dosed / plain == pytest.approx((3652.5 + 41 * SWITCH_EQUIV_DAYS) / 3652.5)
    # measured per flagship member (41 states) with denosumab (bench_drugs' sweep): 185 ms on
    # numpy, 26.9 ms on numba; the estimates are within 2x of that
    assert 0.5 < member_cost(41, 3652.5, NUMPY_S_PER_DAY, switches=41) / 0.185 < 2.0
    assert 0.5 < member_cost(41, 3652.5, NUMBA_S_PER_DAY, switches=41) / 0.0269 < 2.0


def test_a_dosed_sweep_uses_a_cached_kernel_an_undosed_one_of_that_size_would_not():
    # 64 members: on numpy ~0.3 s undosed (loading numba costs more) but ~12 s with denosumab
    kw = {**FLAGSHIP, "workers": 1, "members": 64, "cached": True}
    assert choose_path(**kw).method == "numpy"
    dosed = choose_path(**kw, switches=41)
    assert dosed.method == "numba" and dosed.numpy_s > 5.0


@pytest.fixture
def lemaire():
    return bm.load_model("lemaire2004")


def test_sweep_records_the_choice_and_its_reason(lemaire):
    runs = bm.sweep(lemaire, {"D_R": None}, n=16, t_end=100.0, progress=False, workers=1)
    choice = runs.attrs["method_choice"]
    assert runs.attrs["method"] == choice["method"] == "numpy"
    assert "numpy finishes before" in choice["reason"]
    assert choice["estimated_numpy_s"] < choice["estimated_numba_s"]


def test_forced_numpy_is_kept_and_said(lemaire):
    runs = bm.sweep(lemaire, {"D_R": None}, n=16, t_end=100.0, progress=False, workers=1, method="numpy")
    assert runs.attrs["method"] == "numpy"
    assert runs.attrs["method_choice"]["reason"] == "method='numpy' given"


def test_forced_numba_is_kept_and_gives_the_numpy_numbers(lemaire):
    pytest.importorskip("numba")
    kw = {"n": 16, "t_end": 100.0, "progress": False, "workers": 1}
    fast = bm.sweep(lemaire, {"D_R": None}, method="numba", **kw)
    slow = bm.sweep(lemaire, {"D_R": None}, method="numpy", **kw)
    assert fast.attrs["method"] == "numba" and fast.attrs["method_choice"]["reason"] == "method='numba' given"
    states = [c for c in fast.columns if c not in ("D_R", "status")]
    assert ((fast[states] - slow[states]).abs() <= 1e-6 * slow[states].abs() + 1e-9).all().all()


def test_numba_cached_sees_a_kernel_loaded_in_this_process(lemaire):
    pytest.importorskip("numba")
    from bonemodel.compile_numba import load_numba_solver, numba_cached

    compiled = bm.compile_model(lemaire)
    load_numba_solver(lemaire, compiled)
    assert numba_cached(compiled)


def test_resume_keeps_the_stored_method(lemaire, tmp_path):
    kw = {"n": 16, "t_end": 100.0, "progress": False, "workers": 1, "out": str(tmp_path / "runs")}
    first = bm.sweep(lemaire, {"D_R": None}, method="numpy", **kw)
    again = bm.sweep(lemaire, {"D_R": None}, resume=True, **kw)
    assert again.attrs["method"] == first.attrs["method"] == "numpy"


def test_sweep_counts_the_scenarios_switches_in_its_estimate(lemaire):
    kw = {"n": 4, "t_end": 100.0, "progress": False, "workers": 1}
    plain = bm.sweep(lemaire, {"D_R": None}, **kw).attrs["method_choice"]
    pulses = bm.Scenario.doses("I_P", 1000.0, start=10.0, interval=20.0, duration=1.0, count=5)
    dosed = bm.sweep(lemaire, {"D_R": None}, scenario=pulses, **kw).attrs["method_choice"]
    switches = 2 * 5  # five pulses, each a start and an end
    expected = (100.0 + switches * SWITCH_EQUIV_DAYS) / 100.0
    assert dosed["estimated_numpy_s"] / plain["estimated_numpy_s"] == pytest.approx(expected)
