"""Cold start: what a new user waits for, with empty caches, against the same step warm.

Each step runs in a fresh Python process. "cold" processes get a new, empty
``BONEMODEL_CACHE`` (and ``NUMBA_CACHE_DIR``) folder; the "warm" process of a step runs
right after its cold one with the same folders, so it finds everything the cold one
compiled. Steps:

- ``import bonemodel``;
- the first flagship (``inflammation``) ``simulate``, 10 years (it compiles the model);
- the first flagship sweeps of 100, 1,000 and 10,000 members, 10 years, all cores,
  ``method="batch"`` (the sweep chooses numpy or numba itself); each sweep's process first
  runs one ``simulate``, so the sweep's own time is measured apart from the model's
  compilation, and the total is printed as well;
- ``bonemodel reproduce`` (every figure; its per-figure lines are printed).

Goals: first 10,000-member sweep <= 5x its warm time, first 100-member sweep
<= 3 s, cold ``bonemodel reproduce`` < 60 s.

Usage: ``python benchmarks/bench_coldstart.py [--skip-reproduce] [--sizes 100 1000 10000]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STEP = r"""
import json, sys, time
started = time.perf_counter()
import bonemodel as bm
report = {"import_s": time.perf_counter() - started}
what = sys.argv[1]
if what != "import":
    model = bm.load_model("inflammation")
    t = time.perf_counter()
    bm.simulate(model, 3650.0)
    report["simulate_s"] = time.perf_counter() - t
if what.startswith("sweep"):
    n = int(what[5:])
    ranged = list(model.parameters.ranges())[:5]
    t = time.perf_counter()
    out = bm.sweep(model, {p: None for p in ranged}, n=n, t_end=3650.0, progress=False)
    report["sweep_s"] = time.perf_counter() - t
    report["method"] = out.attrs["method"]
    report["reason"] = out.attrs["method_choice"]["reason"]
    report["failed"] = int((out["status"] != "success").sum())
report["total_s"] = time.perf_counter() - started
print(json.dumps(report))
"""


def fresh_env(root: Path) -> dict[str, str]:
    """Environment with new, empty cache folders under ``root``."""
    env = dict(os.environ)
    for name in ("cache", "numba"):
        (root / name).mkdir(mode=0o700, parents=True, exist_ok=True)
    env["BONEMODEL_CACHE"] = str(root / "cache")
    env["NUMBA_CACHE_DIR"] = str(root / "numba")
    return env


def step(what: str, env: dict[str, str]) -> dict:
    """Run one step in a fresh process; its report."""
    done = subprocess.run(
        [sys.executable, "-c", STEP, what], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def reproduce(env: dict[str, str], out: Path) -> tuple[float, str]:
    """Wall time of ``bonemodel reproduce`` and its per-figure lines."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bonemodel.cli", "reproduce", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        print(done.stderr[-2000:])
    lines = "\n".join(line for line in done.stderr.splitlines() if line.startswith("["))
    return wall, lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10_000])
    parser.add_argument("--skip-reproduce", action="store_true")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.2f}")
    print(f"{'step':38s} {'cold':>9s} {'warm':>9s} {'ratio':>7s}  notes")

    def row(label: str, cold: float, warm: float, note: str = "") -> None:
        print(f"{label:38s} {cold:8.2f}s {warm:8.2f}s {cold / warm:6.1f}x  {note}", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = fresh_env(root / "import")
        cold, warm = step("import", env), step("import", env)
        row("import bonemodel", cold["import_s"], warm["import_s"])

        env = fresh_env(root / "simulate")
        cold, warm = step("simulate", env), step("simulate", env)
        row("first flagship simulate (10 y)", cold["simulate_s"], warm["simulate_s"], "compiles the model")

        for n in args.sizes:
            env = fresh_env(root / f"sweep{n}")
            cold, warm = step(f"sweep{n}", env), step(f"sweep{n}", env)
            row(
                f"first flagship sweep, {n:,} members",
                cold["sweep_s"],
                warm["sweep_s"],
                f"cold: {cold['method']} ({cold['reason']}); warm: {warm['method']}; failed {cold['failed']}",
            )
            row("  same, whole process (import+compile)", cold["total_s"], warm["total_s"])

        if not args.skip_reproduce:
            env = fresh_env(root / "reproduce")
            cold_s, lines = reproduce(env, root / "figures-cold")
            print("cold reproduce, per figure:\n" + lines)
            warm_s, lines = reproduce(env, root / "figures-warm")
            print("warm reproduce, per figure:\n" + lines)
            row("bonemodel reproduce", cold_s, warm_s, "target < 60 s cold")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
