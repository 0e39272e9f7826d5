"""method='auto' of a virtual trial: the engine expected to finish first, and why."""

from __future__ import annotations

import pytest

import bonemodel as bm
from bonemodel import compile_numba
from bonemodel.trials.trial import SMALL_TRIAL_RUNS, choose_engine


@pytest.fixture(scope="module")
def model():
    return bm.load_model("inflammation")


def test_workers_or_a_folder_take_the_batched_engine(model):
    assert choose_engine(model, 10, 1.0, alone=False)[0] == "batch"


def test_a_small_trial_runs_through_simulate(model):
    engine, why = choose_engine(model, SMALL_TRIAL_RUNS - 1, 10.0, alone=True)
    assert engine == "simulate" and str(SMALL_TRIAL_RUNS) in why


def test_without_numba_an_in_process_trial_runs_through_simulate(model, monkeypatch):
    monkeypatch.setattr(compile_numba, "numba_available", lambda: False)
    engine, why = choose_engine(model, 1_000_000, 10.0, alone=True)
    assert engine == "simulate" and "numba is not installed" in why


@pytest.mark.parametrize(
    ("cached", "runs", "engine"), [(True, 160, "batch"), (False, 160, "simulate"), (False, 100_000, "batch")]
)
def test_numba_is_used_once_loading_or_compiling_pays_for_itself(model, monkeypatch, cached, runs, engine):
    monkeypatch.setattr(compile_numba, "numba_available", lambda: True)
    monkeypatch.setattr(compile_numba, "numba_cached", lambda compiled: cached)
    chosen, why = choose_engine(model, runs, 3.0, alone=True)
    assert chosen == engine
    assert ("loading" if cached else "compiling") in why


def test_the_choice_is_recorded(model):
    pop = bm.population(2, seed=3, sex="female", age=(60.0, 70.0))
    result = bm.trial(model, pop, {"placebo": None}, 30.0, ["bmd_hip_pct@30"])
    assert result.meta["method"] == "simulate"
    assert "fewer than" in result.meta["method_choice"]
