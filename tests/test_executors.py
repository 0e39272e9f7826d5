"""Local worker processes: they never run the user's script, and they die with their parent."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bonemodel import executors

REPO = Path(__file__).resolve().parents[1]


def defined_in_a_script(frame):
    return float(frame.iloc[-1, 0])


defined_in_a_script.__module__ = "__main__"  # as if the user's script had defined it


def test_workers_start_without_the_main_module(monkeypatch, tmp_path):
    import types
    from multiprocessing import spawn

    # A user's script as __main__ (under pytest-xdist the test process's own __main__ has no file).
    script = types.ModuleType("__main__")
    script.__file__ = str(tmp_path / "script.py")
    script.__spec__ = None
    monkeypatch.setitem(sys.modules, "__main__", script)
    executors._install_main_filter()
    executors._install_main_filter()  # installed once; a second call changes nothing
    main_keys = {"init_main_from_path", "init_main_from_name"}
    ours = spawn.get_preparation_data(f"{executors._WORKER_PREFIX}-SpawnProcess-1")
    other = spawn.get_preparation_data("SpawnProcess-1")
    assert not main_keys & ours.keys()
    assert main_keys & other.keys(), "any other process still gets the main module"
    assert {k: v for k, v in other.items() if k not in main_keys | {"name"}} == {
        k: v for k, v in ours.items() if k != "name"
    }


def test_plan_for_workers_is_plain_pickle_unless_it_uses_the_script(monkeypatch):
    plain = {"rtol": 1e-6, "f": os.path.join}
    assert pickle.loads(executors.pack_for_workers(plain)) == plain
    with pytest.raises(pickle.PicklingError):  # plain pickle cannot find it in this __main__
        pickle.dumps(defined_in_a_script)
    packed = executors.pack_for_workers(("task", [defined_in_a_script]))
    import pandas as pd

    assert pickle.loads(packed)[1][0](pd.DataFrame({"x": [1.0, 4.0]})) == 4.0
    monkeypatch.setitem(sys.modules, "cloudpickle", None)
    assert executors.pack_for_workers(("task", [defined_in_a_script])) is None


README_SCRIPT = """
import sys
sys.modules["numba"] = None  # as on a machine without numba
with open(sys.argv[1], "a") as marker:
    marker.write("ran ")

import bonemodel as bm
ra = bm.load_model("inflammation")
sc = bm.scenarios.rheumatoid_arthritis(activity="high") + bm.scenarios.anti_tnf(start_day=180)
runs = bm.sweep(ra, {"a_RA": (0.9, 3.5), "c_RANKL": (0.01, 0.04, "log")}, n=N, design="sobol", scenario=sc, outputs=["bmd_change_10y", "min(crp_mg_l)"], workers=2, progress=False)
print(len(runs), (runs["status"] == "success").sum(), runs.attrs["method"])

def last_osteoclasts(frame):
    return float(frame["C"].iloc[-1])

design = {"k_B": (0.1, 0.4)}
local = bm.sweep("lemaire2004", design, n=8, t_end=30.0, outputs=[last_osteoclasts], workers=1, progress=False)
spread = bm.sweep("lemaire2004", design, n=8, t_end=30.0, outputs=[last_osteoclasts], workers=2,
                  executor="processes", chunk_size=2, progress=False)
print("callable", spread.equals(local))
"""


@pytest.mark.slow
def test_readme_sweep_runs_as_a_script_without_main_guard_and_without_numba(tmp_path):
    script = tmp_path / "readme_sweep.py"
    script.write_text(README_SCRIPT.replace("n=N", "n=32"))
    marker = tmp_path / "marker.txt"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, str(script), str(marker)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.split("\n")
    assert lines[0] == "32 32 numpy"
    assert lines[1] == "callable True"
    assert marker.read_text() == "ran ", "worker processes must not run the user's script"


KILLED_SWEEP = "from tests.test_sweep import killable_sweep\nkillable_sweep(None)\n"


@pytest.mark.slow
def test_workers_exit_when_the_sweep_process_is_killed():
    psutil = pytest.importorskip("psutil")
    proc = subprocess.Popen([sys.executable, "-c", KILLED_SWEEP], cwd=REPO)
    children = []
    try:
        parent = psutil.Process(proc.pid)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            children = parent.children(recursive=True)
            workers = [c for c in children if "spawn_main" in " ".join(_cmdline(c))]
            if len(workers) >= 2:
                break
            assert proc.poll() is None, "the sweep ended before it could be killed"
            time.sleep(0.05)
        else:
            pytest.fail("the sweep did not start two worker processes")
        time.sleep(1.0)  # let the workers take chunks
        proc.kill()  # SIGKILL to the parent alone
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(c) for c in children):
            time.sleep(0.1)
        survivors = [c.pid for c in children if _alive(c)]
        assert not survivors, f"worker processes {survivors} outlived their killed parent"
    finally:
        proc.kill()
        for c in children:
            if _alive(c):
                c.kill()


def _cmdline(p) -> list[str]:
    try:
        return p.cmdline()
    except Exception:  # noqa: BLE001 - a process that is gone has no command line
        return []


def _alive(p) -> bool:
    import psutil

    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def exit_abruptly(plan, payload):
    os._exit(3)


@pytest.mark.slow
def test_a_worker_that_dies_stops_the_sweep_with_a_clear_error():
    from bonemodel.errors import SimulationError

    with pytest.raises(SimulationError, match="worker process of the sweep stopped abruptly"):
        list(executors.run_processes(exit_abruptly, None, [(0, 1), (1, 2)], workers=1))


def _concurrency_probe(plan, payload):
    """Count the chunks running at once; give the others time to start."""
    with plan["lock"]:
        plan["now"] += 1
        plan["most"] = max(plan["most"], plan["now"])
    time.sleep(0.2)
    with plan["lock"]:
        plan["now"] -= 1
    return payload


def _most_at_once(workers: int) -> int:
    import threading

    plan = {"lock": threading.Lock(), "now": 0, "most": 0}
    chunks = [(i, i) for i in range(12)]
    assert dict(executors.run_threads(_concurrency_probe, plan, chunks, workers)) == {i: i for i in range(12)}
    return plan["most"]


def test_a_threaded_sweep_on_every_core_runs_one_thread_more_than_cores(monkeypatch):
    # while one thread holds the GIL between solver calls, the others keep every core busy
    monkeypatch.setattr(executors, "default_workers", lambda: 2)
    assert executors.thread_count(2) == 3
    assert _most_at_once(2) == 3


def test_a_threaded_sweep_on_fewer_workers_than_cores_never_takes_more(monkeypatch):
    monkeypatch.setattr(executors, "default_workers", lambda: 4)
    assert executors.thread_count(2) == 2
    assert _most_at_once(2) == 2
    assert executors.thread_count(1) == 1
