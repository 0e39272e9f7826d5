"""Sweep throughput and accuracy on Lemaire 2004, every path measured in the same run.

The reference sweep: Lemaire 2004, 0-2000 days, rtol 1e-6, a Latin hypercube over 5
parameters (D_R, k_B, D_C, k1, K_LP within the parameter file's ranges), outputs at
days 80, 500 and 2000 (scalar outputs) or every day (trajectories). Paths:

(a) a loop of ``solve_ivp`` BDF on a plain-Python RHS (finite-difference Jacobian);
(b) the compiled scipy single-simulation path in a loop (``bm.simulate``: odeint/LSODA),
    with the floor of any scipy integrator here (odeint's Python call per RHS evaluation);
(b') the same single simulations with ``method="rodas4"`` (one member, numba if installed);
(c) the batched solver on 1 core (numba and pure numpy);
(d) the batched solver on all cores (threads: the numba solver releases the GIL);
(e) libroadrunner on the BioModels SBML (``../shared/reference-models``), if installed.

Each prints simulations/s, the worst member error against Radau at rtol 1e-10 and the
ratio to the libroadrunner loop. The machine may be shared: the load average is printed,
and single-process paths also report CPU-time rates. Then the flagship ``inflammation``
model, 10,000 members over 10 years on all cores, if that model is present.

The multi-core speed-up is measured on the big sweep, 1 worker and all cores alternated
``--repeat`` times (the machine's other work comes and goes): it prints each ratio, their
median and the load average around each pair. A sweep that uses every core runs one thread
more than cores (:func:`bonemodel.executors.thread_count`); ``--threads-per-core`` measures
the former one thread per core alongside, for comparison.

Usage: ``python benchmarks/bench_sweep.py [--n 1000] [--big 50000] [--ref 1000] [--repeat 5]``
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
from scipy.integrate import odeint, solve_ivp

import bonemodel as bm
from bonemodel.compile import compile_model
from bonemodel.designs import make_design
from bonemodel.sweep import sweep

REPO = Path(__file__).resolve().parents[1]
SBML = REPO / ".." / "shared" / "reference-models" / "BIOMD0000000278_Lemaire2004.xml"
PARAMS = ["D_R", "k_B", "D_C", "k1", "K_LP"]
SBML_NAMES = {"K_LP": "K_L_P"}
T_END = 2000.0
TIMES = [80.0, 500.0, 2000.0]
STATES = ["R", "B", "C"]
RTOL, ATOL = 1e-6, 1e-10


def clock():
    return time.perf_counter(), time.process_time()


def since(start):
    return time.perf_counter() - start[0], time.process_time() - start[1]


def reference(model, table, members):
    """Radau at rtol 1e-10 for the given members, on the daily grid."""
    compiled = compile_model(model)
    grid = np.arange(0.0, T_END + 1.0)
    out = {}
    for j in members:
        p = compiled.vector(dict(table.iloc[j]))
        pl = p.tolist()
        sol = solve_ivp(
            lambda t, y, pl=pl: compiled.rhs(t, y, pl),
            (0.0, T_END),
            compiled.initial(p),
            method="Radau",
            t_eval=grid,
            rtol=1e-10,
            atol=1e-16,
            jac=lambda t, y, pl=pl: compiled.jac(t, y, pl),
        )
        out[j] = sol.y  # (3, 2001)
    return grid, out


def worst(values, ref, members, times):
    """Worst relative error over members, states and times; values[j] is (3, len(times))."""
    cols = np.asarray(times, dtype=int)
    err = 0.0
    for j in members:
        if j in ref and j in values:
            r = ref[j][:, cols]
            err = max(err, float(np.max(np.abs(values[j] - r) / np.abs(r))))
    return err


def scipy_floor(compiled, records) -> tuple[float, float, float]:
    """What any scipy integrator must pay per simulation here: (calls, bare s, arithmetic s).

    LSODA's RHS and Jacobian calls are counted on the real members. The bare cost of one
    call into Python is measured with a callback that returns a preallocated array (dy/dt
    = 0 with a step cap, so LSODA takes as many steps); the arithmetic is the generated
    RHS itself, timed on its own.
    """
    calls = []
    for row in records[:100]:
        p = compiled.vector(row)
        f, jac = compiled._fns["odeint_pair"](p.tolist())
        _, info = odeint(
            f, compiled.initial(p), [0.0] + TIMES, Dfun=jac, rtol=RTOL, atol=ATOL, full_output=True
        )
        calls.append(info["nfe"][-1] + info["nje"][-1])
    mean_calls = float(np.mean(calls))
    buffer = np.zeros(3)
    count = [0]

    def nothing(y, t):
        count[0] += 1
        return buffer

    s = time.perf_counter()
    for _ in range(100):
        odeint(nothing, np.ones(3), [0.0] + TIMES, rtol=RTOL, atol=ATOL, hmax=T_END / mean_calls)
    bare = (time.perf_counter() - s) / count[0]
    y = compiled.initial(compiled.vector(records[0]))
    s = time.perf_counter()
    for _ in range(20000):
        f(y, 0.0)
    arithmetic = (time.perf_counter() - s) / 20000
    return mean_calls, bare * mean_calls, arithmetic * mean_calls


def from_table(table, members, times):
    """{member: (3, len(times))} from the output columns STATE@T of a sweep table."""
    cols = [f"{s}@{t:g}" for s in STATES for t in times]
    block = table.loc[list(members), cols].to_numpy().reshape(len(members), len(STATES), len(times))
    return dict(zip(members, block))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="members of the sweep (default 1000)")
    ap.add_argument("--big", type=int, default=50000, help="members of the multi-core scaling sweep")
    ap.add_argument("--ref", type=int, default=None, help="members checked against Radau (default: all)")
    ap.add_argument(
        "--repeat", type=int, default=5, help="alternated 1-worker / all-core pairs of the big sweep"
    )
    ap.add_argument(
        "--threads-per-core",
        action="store_true",
        help="also time the big sweep with one thread per core (no extra thread)",
    )
    args = ap.parse_args()
    if "lemaire2004" not in bm.list_models():
        print("lemaire2004 is not available; nothing to benchmark")
        return
    model = bm.load_model("lemaire2004")
    compiled = compile_model(model)
    n = args.n
    table = make_design(model, {p: None for p in PARAMS}, n=n, seed=0)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"Lemaire 2004, {n}-member LHS over {PARAMS}, 0-{T_END:g} days, rtol {RTOL:g}, atol {ATOL:g}")
    print(f"cores: {cores}; load average at start: {os.getloadavg()[0]:.2f}")
    ref_members = list(range(n if args.ref is None else min(args.ref, n)))
    s = clock()
    grid, ref = reference(model, table, ref_members)
    print(f"Radau rtol 1e-10 reference for {len(ref_members)} members: {since(s)[0]:.1f} s\n")
    scalar_outputs = [f"{st}@{t:g}" for st in STATES for t in TIMES]
    rows = []

    def record(label, members, wall, cpu, err, note=""):
        rows.append((label, members, wall, cpu, err, note))
        rate = members / wall
        cpu_rate = f"{members / cpu:10.0f}" if cpu else " " * 10
        print(f"{label:58s} {rate:10.0f} /s  cpu {cpu_rate} /s  worst err {err:.2e} {note}", flush=True)

    # (a) solve_ivp BDF, plain-Python RHS, finite-difference Jacobian
    na = min(n, 100)
    vals = {}
    s = clock()
    for j in range(na):
        p = compiled.vector(dict(table.iloc[j]))
        pl = p.tolist()
        sol = solve_ivp(lambda t, y, pl=pl: compiled.rhs(t, y, pl), (0, T_END), compiled.initial(p), method="BDF",
                        t_eval=TIMES, rtol=RTOL, atol=ATOL)  # fmt: skip
        vals[j] = sol.y
    w, c = since(s)
    record("(a) solve_ivp BDF loop, plain-Python RHS", na, w, c, worst(vals, ref, range(na), TIMES))

    # (b) compiled scipy single-simulation path (bm.simulate, odeint) in a loop. Parameter
    # rows are taken out of the DataFrame once, here and for libroadrunner, so neither
    # loop pays pandas' ~25 us per row.
    records = table.to_dict("records")
    nb = min(n, 300)
    vals = {}
    s = clock()
    for j in range(nb):
        sol = bm.simulate(model, T_END, params=records[j], t_eval=[0.0] + TIMES, rtol=RTOL, atol=ATOL)
        vals[j] = sol.y[:, 1:]
    w, c = since(s)
    single_scipy = w / nb
    record(
        "(b) bm.simulate loop (odeint, compiled RHS + Jacobian)", nb, w, c, worst(vals, ref, range(nb), TIMES)
    )
    calls, bare, arithmetic = scipy_floor(compiled, records)
    print(
        f"    scipy floor: LSODA makes {calls:.0f} calls into Python per member; bare calls cost "
        f"{bare * 1e6:.0f} us and the generated RHS's arithmetic {arithmetic * 1e6:.0f} us per simulation"
    )

    # (b') the same single simulations through the Rosenbrock solver with one member
    bm.simulate(model, T_END, method="rodas4")  # numba: compile or load from the disk cache first
    s = clock()
    for j in range(nb):
        sol = bm.simulate(
            model, T_END, params=records[j], t_eval=[0.0] + TIMES, rtol=RTOL, atol=ATOL, method="rodas4"
        )
        vals[j] = sol.y[:, 1:]
    w, c = since(s)
    single_rodas = w / nb
    record(f"(b') bm.simulate loop ({sol.meta['method']})", nb, w, c, worst(vals, ref, range(nb), TIMES))

    # (c) batched solver on 1 core
    s = clock()
    sweep(
        model, table.iloc[:8], t_end=T_END, outputs=scalar_outputs, workers=1, progress=False, method="numba"
    )
    print(
        f"    (numba: generate + compile or load from the disk cache: {since(s)[0]:.1f} s, once per machine)"
    )
    results = {}
    for method in ("numba", "numpy"):
        s = clock()
        out = sweep(
            model, table, t_end=T_END, outputs=scalar_outputs, workers=1, progress=False, method=method
        )
        w, c = since(s)
        results[method] = w
        err = worst(from_table(out, ref_members, TIMES), ref, ref_members, TIMES)
        record(f"(c) batched RODAS4, {method}, 1 core, scalar outputs", n, w, c, err)

    # (d) batched solver on all cores
    s = clock()
    out = sweep(
        model, table, t_end=T_END, outputs=scalar_outputs, workers=cores, progress=False, method="numba"
    )
    w, _ = since(s)
    err = worst(from_table(out, ref_members, TIMES), ref, ref_members, TIMES)
    record(f"(d) batched RODAS4, numba, {cores} threads, scalar outputs", n, w, 0, err)

    # Daily output: the same sweep keeping whole trajectories (2001 times x 3 states)
    daily_outputs = [f"{st}@[0:{T_END:g}:1]" for st in STATES]
    # The first run of a 48 MB result pays the page faults of memory fresh from the OS (the
    # allocator hands large blocks back after use): best of 2, as for libroadrunner below.
    w = c = float("inf")
    for _ in range(2):
        s = clock()
        out = sweep(
            model, table, t_end=T_END, outputs=daily_outputs, workers=1, progress=False, method="numba"
        )
        w, c = min((w, c), since(s))
    days = np.arange(0, int(T_END) + 1)
    vals = from_table(out, ref_members[:200], days)
    record(
        "(c') batched RODAS4, numba, 1 core, daily output (best of 2)",
        n,
        w,
        c,
        worst(vals, ref, ref_members[:200], days),
    )

    # Scaling: a big sweep on 1 core and on all cores
    big = make_design(model, {p: None for p in PARAMS}, n=args.big, seed=1)
    scaling(model, big, scalar_outputs, cores, args.repeat, args.threads_per_core, record)

    # (e) libroadrunner on the BioModels SBML
    rr_scalar = rr_daily = None
    try:
        import roadrunner
    except ImportError:
        print("(e) libroadrunner is not installed (pip install bonemodel[bench]); skipped")
    else:
        if not SBML.is_file():
            print(f"(e) {SBML} not found; skipped")
        else:
            rr = roadrunner.RoadRunner(str(SBML.resolve()))
            integ = rr.getIntegrator()
            integ.setValue("relative_tolerance", RTOL)
            integ.setValue("absolute_tolerance", ATOL)
            vals = {}
            s = clock()
            for j in range(n):
                rr.reset()
                for name, v in records[j].items():
                    rr.setValue(SBML_NAMES.get(name, name), float(v))
                res = rr.simulate(times=[0.0] + TIMES)
                vals[j] = np.asarray(res)[1:, 1:].T
            w, c = since(s)
            rr_scalar = w / n
            record(
                "(e) libroadrunner loop, output at 0/80/500/2000",
                n,
                w,
                c,
                worst(vals, ref, ref_members, TIMES),
            )
            nd = min(n, 200)
            vals = {}
            w = c = float("inf")
            for _ in range(2):  # best of 2, as for the batched daily path
                s = clock()
                for j in range(nd):
                    rr.reset()
                    for name, v in records[j].items():
                        rr.setValue(SBML_NAMES.get(name, name), float(v))
                    res = rr.simulate(0.0, T_END, int(T_END) + 1)
                    vals[j] = np.asarray(res)[:, 1:].T
                w, c = min((w, c), since(s))
            rr_daily = w / nd
            record(
                "(e') libroadrunner loop, daily output (best of 2)",
                nd,
                w,
                c,
                worst(vals, ref, range(nd), days),
            )

    print("\nratios (wall-clock, same run)")
    by = {r[0]: r for r in rows}

    def rate(prefix):
        r = next(v for k, v in by.items() if k.startswith(prefix))
        return r[1] / r[2]

    base_a = rate("(a)")
    for label, members, wall, _, _, _ in rows:
        line = f"  {label:58s} {members / wall / base_a:8.1f}x (a)"
        if rr_scalar:
            line += f"   {members / wall * rr_scalar:8.2f}x libroadrunner (scalar outputs)"
        print(line)
    if rr_scalar:
        print(
            f"  single simulation: bm.simulate odeint {single_scipy * 1e6:.0f} us "
            f"({single_scipy / rr_scalar:.2f}x libroadrunner's time), rodas4 {single_rodas * 1e6:.0f} us "
            f"({single_rodas / rr_scalar:.2f}x), libroadrunner {rr_scalar * 1e6:.0f} us; "
            f"scipy floor {(bare + arithmetic) * 1e6:.0f} us ({(bare + arithmetic) / rr_scalar:.2f}x)"
        )
    if rr_daily:
        daily_rate = rate("(c')")
        print(
            f"  daily output: batched {daily_rate:.0f}/s vs libroadrunner {1 / rr_daily:.0f}/s = {daily_rate * rr_daily:.1f}x"
        )

    flagship()
    print(f"\nload average at end: {os.getloadavg()[0]:.2f}")


def scaling(model, big, outputs, cores, repeat, per_core, record) -> None:
    """The big sweep on 1 worker and on all cores, alternated ``repeat`` times; ratios and their median."""
    from bonemodel import executors

    def timed(workers):
        s = clock()
        sweep(model, big, t_end=T_END, outputs=outputs, workers=workers, progress=False, method="numba")
        return since(s)

    threads = executors.thread_count(cores)
    pairs, plain = [], []
    for r in range(max(1, repeat)):
        load = os.getloadavg()[0]
        one = timed(1)
        many = timed(cores)[0]
        pairs.append((one, many))
        line = f"    pair {r + 1}: 1 worker {one[0]:.3f} s, {cores} workers ({threads} threads) {many:.3f} s: {one[0] / many:.2f}x"
        if per_core and cores > 1:
            count, executors.thread_count = executors.thread_count, lambda workers: workers
            try:
                flat = timed(cores)[0]
            finally:
                executors.thread_count = count
            plain.append(one[0] / flat)
            line += f"; one thread per core {flat:.3f} s: {one[0] / flat:.2f}x"
        print(f"{line} (load {load:.2f} -> {os.getloadavg()[0]:.2f})", flush=True)
    (one_wall, one_cpu), many = min(pairs, key=lambda p: p[0][0])  # the pair least disturbed
    record("(c/d) big sweep, numba, 1 worker (best pair)", len(big), one_wall, one_cpu, float("nan"))
    record(f"(c/d) big sweep, numba, {cores} workers (best pair)", len(big), many, 0, float("nan"))
    ratios = [one[0] / many for one, many in pairs]
    summary = (
        f"    multi-core speed-up on the big sweep: median {np.median(ratios):.2f}x with {cores} workers"
    )
    summary += (
        f" ({threads} threads) over {len(ratios)} pairs (min {min(ratios):.2f}x, max {max(ratios):.2f}x)"
    )
    if plain:
        summary += f"; one thread per core: median {np.median(plain):.2f}x"
    print(summary)


def flagship() -> None:
    """The inflammation model: 10,000 members over 10 years on all cores."""
    if "inflammation" not in bm.list_models():
        print("\nflagship: the 'inflammation' model is not present yet; skipped")
        return
    model = bm.load_model("inflammation")
    ranged = list(model.parameters.ranges())[:5]
    if not ranged:
        print("\nflagship: no parameter of 'inflammation' has a range; skipped")
        return
    print(f"\nflagship 'inflammation': 10,000 members x 10 years over {ranged}")
    for label in ("first run in this process (numba: compile, or load from the disk cache)", "second run"):
        s = clock()
        out = sweep(model, {p: None for p in ranged}, n=10_000, t_end=3650.0, progress=False)
        w, _ = since(s)
        failed = int((out["status"] != "success").sum())
        print(f"  {label}: {w:.1f} s, {failed} failed")


if __name__ == "__main__":
    main()
