"""Choosing the sweep's solver from the expected cost (bonemodel.solvers.cost and sweep)."""

from __future__ import annotations

import pytest

import bonemodel as bm
from bonemodel.solvers.cost import choose_path, compile_cost, member_cost

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
