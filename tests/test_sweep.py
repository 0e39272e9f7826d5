"""sweep(): serial == processes == Dask; resume after SIGKILL; failed members kept; checked inputs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bonemodel as bm
from bonemodel.checkpoint import load_results
from bonemodel.errors import ModelError, ParameterError, SimulationError
from bonemodel.model import Model, State, symbols
from bonemodel.scenario import Scenario
from bonemodel.sweep import sweep
from tests.conftest import _params
from tests.test_batch_solver import three_cell_model

REPO = Path(__file__).resolve().parents[1]
OUTPUTS = ["R@10", "pct_change(B@50)", "max(C)", "auc(R, 0, 30)", "final(B)"]
RANGES = {"D_R": (3.5e-4, 1.4e-3, "log"), "k_B": (0.1, 0.4)}


def small_sweep(**kwargs):
    """A 48-member sweep of the three-cell toy model with an infusion window."""
    scenario = Scenario.window("u", 1e-4, start=5.0, stop=25.0)
    options = dict(
        n=48, seed=4, scenario=scenario, t_end=60.0, outputs=OUTPUTS, progress=False, chunk_size=12
    )
    options.update(kwargs)
    return sweep(three_cell_model(), RANGES, **options)


@pytest.mark.slow
def test_serial_processes_and_dask_give_identical_tables(request):
    serial = small_sweep(workers=1)
    assert len(serial) == 48 and (serial["status"] == "success").all()
    procs = small_sweep(workers=2, executor="processes")
    pd.testing.assert_frame_equal(serial, procs, check_exact=True)
    threads = small_sweep(workers=2, executor="threads")
    pd.testing.assert_frame_equal(serial, threads, check_exact=True)

    on_dask = small_sweep(client=request.getfixturevalue("dask_client"))
    pd.testing.assert_frame_equal(serial, on_dask, check_exact=True)
    # Chunking does not change any member's result (each member has its own steps).
    pd.testing.assert_frame_equal(serial, small_sweep(workers=1, chunk_size=48), check_exact=True)


@pytest.mark.slow
def test_numba_solver_on_threads_equals_serial_and_numpy():
    pytest.importorskip("numba")
    serial = small_sweep(workers=1, method="numba")
    threads = small_sweep(workers=2, method="numba", executor="threads")
    pd.testing.assert_frame_equal(serial, threads, check_exact=True)
    numpy_path = small_sweep(workers=1, method="numpy")
    cols = [c for c in serial.columns if c != "status"]
    np.testing.assert_allclose(serial[cols].to_numpy(), numpy_path[cols].to_numpy(), rtol=1e-10)


def test_sweep_matches_single_simulations_and_the_scipy_path():
    import bonemodel as bm

    table = small_sweep(workers=1, n=8)
    model = three_cell_model()
    scenario = Scenario.window("u", 1e-4, start=5.0, stop=25.0)
    for member in (0, 5):
        row = table.loc[member]
        sol = bm.simulate(
            model,
            60.0,
            params={"D_R": row["D_R"], "k_B": row["k_B"]},
            scenario=scenario,
            method="Radau",
            rtol=1e-10,
            atol=1e-14,
        )
        assert row["R@10"] == pytest.approx(sol.at("R", 10.0), rel=2e-5)
        assert row["final(B)"] == pytest.approx(sol["B"][-1], rel=2e-5)
        expected = 100 * (sol.at("B", 50.0) / sol["B"][0] - 1)
        assert row["pct_change(B@50)"] == pytest.approx(expected, rel=1e-4)
        assert row["max(C)"] == pytest.approx(sol["C"].max(), rel=1e-4)
    reference = small_sweep(workers=1, n=8, method="scipy")
    assert reference.attrs["solver"].startswith("odeint")
    cols = ["R@10", "final(B)", "max(C)"]
    np.testing.assert_allclose(table[cols].to_numpy(), reference[cols].to_numpy(), rtol=2e-5)


def test_same_seed_same_table_other_seed_other_table():
    a = small_sweep(workers=1, n=16)
    b = small_sweep(workers=1, n=16)
    c = small_sweep(workers=1, n=16, seed=5)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert not np.allclose(a["k_B"], c["k_B"])


@pytest.mark.parametrize("method", ["numpy", pytest.param("numba", marks=pytest.mark.slow)])
def test_sweep_keeps_failed_members(method):
    if method == "numba":
        pytest.importorskip("numba")
    y, a = symbols("y a")
    # y' = (a - 1) y^2, y(0) = 1: y = 1 / (1 + (1 - a) t), which blows up at t = 1 for a = 2.
    model = Model(
        "blowup", (State("y", 1.0, nonnegative=False),), _params("blowup", a=1.0), {"y": (a - 1) * y**2}
    )
    design = pd.DataFrame({"a": [0.0, 2.0, 0.5, -2.0]})
    table = sweep(
        model, design, t_end=2.0, outputs=["y@0.5", "y@2"], workers=1, progress=False, method=method
    )
    assert table["status"].tolist()[0] == "success" and table["status"].tolist()[2] == "success"
    assert table.loc[1, "status"].startswith("failed: batched RODAS4 stopped near t = 1")
    assert table.loc[1, "y@0.5"] == pytest.approx(2.0, rel=1e-5)  # reached before the failure
    assert np.isnan(table.loc[1, "y@2"])
    # A value below the parameter's lower bound fails that member only, before integration.
    assert table.loc[3, "status"].startswith("failed: parameter 'a' = -2 is not allowed")
    np.testing.assert_allclose(table.loc[[0, 2], "y@2"], [1 / 3, 1 / 2], rtol=1e-5)


def test_observables_with_a_baseline_and_scaled_windows(decay_model):
    # x' = -k x, x(0) = x0 (swept); k doubles from day 1 to 2 (a scaled window on a swept value).
    scenario = Scenario.window("k", 2.0, start=1.0, stop=2.0, scale=True)
    design = pd.DataFrame({"k": [0.5, 1.0], "x0": [2.0, 3.0]})
    table = sweep(
        decay_model,
        design,
        scenario=scenario,
        t_end=3.0,
        outputs=["x@3", "x_pct@3"],
        workers=1,
        progress=False,
    )
    k = design["k"].to_numpy()
    exact = design["x0"].to_numpy() * np.exp(-k * 1.0 - 2 * k * 1.0 - k * 1.0)
    np.testing.assert_allclose(table["x@3"], exact, rtol=2e-5)
    np.testing.assert_allclose(table["x_pct@3"], 100 * (np.exp(-4 * k) - 1), rtol=2e-5)


@pytest.mark.parametrize(
    ("params", "kwargs", "error", "message"),
    [
        ({"D_RR": (1e-4, 1e-3)}, {}, ParameterError, r"unknown parameter 'D_RR'.*did you mean 'D_R'"),
        ({"k_B": (0.3, 0.1)}, {}, ParameterError, r"low \(0.3\) must be below high \(0.1\)"),
        ({"k_B": (-0.1, 0.3, "log")}, {}, ParameterError, r"log range of 'k_B' needs low > 0"),
        ({"k_B": (0.1, 0.3)}, {"outputs": ["RR@10"]}, ModelError, r"'RR'.*did you mean 'R'"),
        (
            {"k_B": (0.1, 0.3)},
            {"outputs": ["B@100"], "t_end": 50.0},
            SimulationError,
            "outside the simulated span",
        ),
        ({"k_B": (0.1, 0.3)}, {"design": "sobol"}, ParameterError, "power of two"),
        ({"k_B": (0.1, 0.3)}, {"scenario": "nosuch"}, Exception, "unknown scenario 'nosuch'"),
        ({"k_B": (0.1, 0.3)}, {"rtol": 2.0}, SimulationError, "0 < rtol < 1"),
    ],
)
def test_bad_input_fails_before_any_simulation(monkeypatch, params, kwargs, error, message):
    def boom(*args, **kw):
        raise AssertionError("a simulation ran before the input was checked")

    # bm.sweep is the function; the module it lives in is reached through sys.modules
    monkeypatch.setattr(sys.modules["bonemodel.sweep"], "run_chunk", boom)
    options = {"n": 10, "workers": 1, "progress": False, "t_end": 60.0, **kwargs}
    with pytest.raises(error, match=message):
        sweep(three_cell_model(), params, **options)


def test_results_folder_holds_chunks_design_and_metadata(tmp_path):
    out = tmp_path / "run"
    table = small_sweep(workers=1, n=24, out=str(out))
    assert sorted(p.name for p in (out / "chunks").iterdir()) == [
        "chunk-000000.parquet",
        "chunk-000001.parquet",
    ]
    pd.testing.assert_frame_equal(pd.read_parquet(out / "design.parquet"), table[["D_R", "k_B"]])
    stored = load_results(out)
    pd.testing.assert_frame_equal(stored, table, check_exact=True)
    assert stored.attrs["rtol"] == 1e-6 and stored.attrs["chunk_size"] == 12
    with pytest.raises(SimulationError, match="pass resume=True"):
        small_sweep(workers=1, n=24, out=str(out))
    with pytest.raises(SimulationError, match="holds a different sweep"):
        small_sweep(workers=1, n=24, seed=9, out=str(out), resume=True)
    # Resuming a finished sweep computes nothing and returns the same table.
    pd.testing.assert_frame_equal(small_sweep(workers=1, n=24, out=str(out), resume=True), table)


def killable_sweep(out: str | None, resume: bool = False, workers: int = 2) -> pd.DataFrame:
    """A sweep slow enough (odeint per member, small chunks) to be killed mid-run."""
    return sweep(
        three_cell_model(),
        RANGES,
        n=400,
        seed=11,
        t_end=400.0,
        outputs=["R@100", "C@400"],
        method="scipy",
        rtol=1e-9,
        chunk_size=8,
        workers=workers,
        out=out,
        resume=resume,
        progress=False,
    )


@pytest.mark.slow
def test_resume_after_sigkill_gives_the_uninterrupted_table(tmp_path):
    out = tmp_path / "killed"
    code = f"from tests.test_sweep import killable_sweep\nkillable_sweep({str(out)!r})\n"
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, start_new_session=True)
    chunks = out / "chunks"
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline:
            if chunks.is_dir() and len(list(chunks.glob("chunk-*.parquet"))) >= 3:
                break
            if proc.poll() is not None:
                pytest.fail(f"the sweep process ended (code {proc.returncode}) before it could be killed")
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGKILL)  # the parent and its worker processes
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    written = len(list(chunks.glob("chunk-*.parquet")))
    assert 3 <= written < 50, "the sweep must be interrupted mid-run"

    resumed = killable_sweep(str(out), resume=True)
    expected = killable_sweep(None, workers=1)
    assert resumed.index.is_unique and resumed.index.tolist() == list(range(400))
    pd.testing.assert_frame_equal(resumed, expected, check_exact=True)
    assert (resumed["status"] == "success").all()


def test_cli_sweep_writes_the_table(tmp_path, capsys, monkeypatch):
    import argparse

    from bonemodel.cli_sweep import add_sweep_command, parse_param

    assert parse_param("k_B=0.1:0.3:log") == ("k_B", (0.1, 0.3, "log"))
    assert parse_param("k_B") == ("k_B", None)
    with pytest.raises(ParameterError, match="NAME=LOW:HIGH"):
        parse_param("k_B=0.1")
    model = three_cell_model()
    monkeypatch.setattr("bonemodel.models.load_model", lambda name: model)
    parser = argparse.ArgumentParser()
    add_sweep_command(parser.add_subparsers())
    csv = tmp_path / "t.csv"
    args = parser.parse_args(
        ["sweep", "three_cell", "--param", "k_B=0.1:0.4", "--n", "4", "--output", "R@10", "--t-end", "20"]
        + ["--workers", "1", "--csv", str(csv), "--no-progress"]
    )
    assert args.handler(args) == 0
    assert "4 members, 0 failed" in capsys.readouterr().out
    table = pd.read_csv(csv, index_col="member")
    direct = sweep(model, {"k_B": (0.1, 0.4)}, n=4, outputs=["R@10"], t_end=20.0, workers=1, progress=False)
    np.testing.assert_allclose(table["R@10"], direct["R@10"], rtol=1e-12)


def test_pure_numpy_is_the_fallback_without_numba(monkeypatch):
    import bonemodel.compile_numba as cn

    monkeypatch.setattr(cn, "numba_available", lambda: False)
    table = small_sweep(workers=1, n=300, chunk_size=150)
    assert table.attrs["method"] == "numpy" and table.attrs["solver"].startswith("rodas4 (batched")
    with pytest.raises(ImportError, match=r"bonemodel\[fast\]"):
        small_sweep(workers=1, n=4, method="numba")
    assert (table["status"] == "success").all()


@pytest.mark.parametrize(
    "outputs",
    [
        ["C@[0:60:1]", "R@[0:60:1]"],  # whole trajectories, states out of model order: one block
        ["B@[10:40:2]", "C@7", "max(R)"],  # a trajectory, a single time and a functional
    ],
)
def test_trajectory_outputs_equal_single_runs(outputs):
    table = pd.DataFrame({"k_B": [0.12, 0.2, 0.27], "D_R": [7e-4, 1.0e-3, 1.3e-3]})
    runs = bm.sweep("lemaire2004", table, t_end=60.0, outputs=outputs, progress=False, workers=1)
    assert (runs["status"] == "success").all()
    for b in range(len(table)):
        sol = bm.simulate(
            "lemaire2004", 60.0, params=dict(table.iloc[b]), t_eval=np.arange(61.0), rtol=1e-9, atol=1e-14
        )
        for name in runs.columns:
            if "@" in name and "[" not in name:
                state, day = name.split("@")
                assert runs[name][b] == pytest.approx(sol.at(state, float(day)), rel=1e-4)
        if outputs[0] == "C@[0:60:1]":
            np.testing.assert_allclose(runs.filter(like="C@").iloc[b], sol["C"], rtol=1e-4)
            np.testing.assert_allclose(runs.filter(like="R@").iloc[b], sol["R"], rtol=1e-4)


def test_trajectory_block_survives_a_failed_member():
    table = pd.DataFrame({"k_B": [0.12, float("nan"), 0.27]})
    runs = bm.sweep("lemaire2004", table, t_end=30.0, outputs=["C@[0:30:1]", "R@[0:30:1]"], progress=False)
    assert runs["status"][1].startswith("failed")
    ref = bm.sweep(
        "lemaire2004", table.iloc[[0, 2]], t_end=30.0, outputs=["C@[0:30:1]", "R@[0:30:1]"], progress=False
    )
    np.testing.assert_array_equal(
        runs.iloc[[0, 2]].drop(columns="status").to_numpy(), ref.drop(columns="status").to_numpy()
    )
    assert runs.iloc[1].drop(["status", "k_B"]).isna().all()
