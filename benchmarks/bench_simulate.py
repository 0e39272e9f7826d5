"""Time one simulation per model: compiled RHS + analytic Jacobian vs a plain-Python RHS.

The baseline is what a user writes without bonemodel: the model's equations as a plain
Python function (sympy.lambdify, no common-subexpression elimination) handed to
``scipy.integrate.solve_ivp`` with the same method and tolerances and no Jacobian (so
scipy estimates it by finite differences). Everything is measured in this run, on this
machine; the script prints medians and ratios. Also reports compile time, cold and cached.

    python benchmarks/bench_simulate.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import sympy as sp
from scipy.integrate import solve_ivp

import bonemodel as bm
import bonemodel.compile as comp
from bonemodel.simulate import neutral_states

CASES = {"komarova2003": 1000.0, "lemaire2004": 2000.0, "pivonka2008": 2000.0, "inflammation": 3650.0}
RTOL, ATOL = 1e-6, 1e-10


def median_time(fn, repeat: int) -> float:
    fn()  # warm-up (compilation, caches)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def plain_rhs(model: bm.Model):
    """The model's RHS as a plain lambdified Python function of (t, y)."""
    y = [sp.Symbol(n) for n in model.state_names]
    p = [sp.Symbol(n) for n in model.parameter_names + model.input_names]
    f = sp.lambdify((sp.Symbol("t"), y, p), model.resolved_rhs(), modules="numpy", cse=False)
    values = list(bm.compile_model(model).default_vector)
    return lambda t, state: np.array(f(t, state, values), dtype=float)


def bench_model(name: str, t_end: float, repeat: int) -> dict[str, float]:
    model = bm.load_model(name)
    compiled = bm.compile_model(model)
    # Start away from the steady state (cells x1.5) so every run has real dynamics to resolve.
    y0 = compiled.initial(compiled.default_vector)
    neutral = set(neutral_states(model))
    y0 = np.array([v if n in neutral else 1.5 * v for n, v in zip(model.state_names, y0)])
    t_eval = np.linspace(0.0, t_end, int(t_end) + 1)
    rhs = plain_rhs(model)
    out = {}
    out["ours_auto"] = median_time(
        lambda: bm.simulate(model, t_end, t_eval=t_eval, y0=y0, rtol=RTOL, atol=ATOL), repeat
    )
    for method in ("BDF", "LSODA"):
        out[f"ours_{method}"] = median_time(
            lambda m=method: bm.simulate(model, t_end, t_eval=t_eval, y0=y0, method=m, rtol=RTOL, atol=ATOL),
            repeat,
        )
        out[f"plain_{method}"] = median_time(
            lambda m=method: solve_ivp(rhs, (0, t_end), y0, method=m, t_eval=t_eval, rtol=RTOL, atol=ATOL),
            max(3, repeat // 2),
        )
    return out


def bench_compile(name: str) -> tuple[float, float, float]:
    """Seconds for a cold compile (no caches), from the disk cache, and from memory."""
    import importlib

    from bonemodel.models import _MODULES

    build = importlib.import_module(_MODULES[name]).build
    comp._MEMORY_CACHE.clear()
    start = time.perf_counter()
    bm.compile_model(build(), use_cache=False)
    cold = time.perf_counter() - start
    bm.compile_model(build())  # fills the disk cache
    comp._MEMORY_CACHE.clear()
    start = time.perf_counter()
    bm.compile_model(build())
    disk = time.perf_counter() - start
    model = build()
    start = time.perf_counter()
    bm.compile_model(model)
    memory = time.perf_counter() - start
    return cold, disk, memory


SBML_LEMAIRE = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "reference-models"
    / "BIOMD0000000278_Lemaire2004.xml"
)


def bench_roadrunner(repeat: int) -> None:
    """Lemaire 2004 asked for four output times: libroadrunner (CVODE, LLVM) vs ours."""
    try:
        import roadrunner
    except ImportError:
        print("\nlibroadrunner not installed (pip install bonemodel[bench]): single-run comparison skipped")
        return
    if not SBML_LEMAIRE.is_file():
        print(f"\n{SBML_LEMAIRE.name} not found beside the repository: single-run comparison skipped")
        return
    model = bm.load_model("lemaire2004")
    compiled = bm.compile_model(model)
    y0 = 1.5 * compiled.initial(compiled.default_vector)
    times = np.array([0.0, 80.0, 500.0, 2000.0])
    rr = roadrunner.RoadRunner(str(SBML_LEMAIRE))
    rr.integrator.relative_tolerance = RTOL
    rr.integrator.absolute_tolerance = ATOL

    def run_rr():
        rr.reset()  # back to t = 0; setting current (not initial) values avoids a model rebuild
        for name, value in zip(("R", "B", "C"), y0):
            rr[f"[{name}]"] = value
        return rr.simulate(times=times)

    ref = bm.simulate(model, 2000.0, t_eval=times, y0=y0, method="Radau", rtol=1e-11, atol=1e-16)
    rr_result = np.asarray(run_rr())[:, 1:4].T
    print("\nsingle run, Lemaire 2004, output at days 0, 80, 500, 2000 (y0 = 1.5 x steady state)")
    t_rr = median_time(run_rr, repeat * 20)
    rr_err = np.max(np.abs(rr_result - ref.y) / np.abs(ref.y))
    print(f"  libroadrunner (CVODE)      {t_rr * 1e6:8.1f} us   max rel error {rr_err:.1e}")
    for method in ("auto", "rodas4"):
        sol = bm.simulate(model, 2000.0, t_eval=times, y0=y0, method=method, rtol=RTOL, atol=ATOL)
        t_ours = median_time(
            lambda m=method: bm.simulate(model, 2000.0, t_eval=times, y0=y0, method=m, rtol=RTOL, atol=ATOL),
            repeat * 20,
        )
        err = np.max(np.abs(sol.y - ref.y) / np.abs(ref.y))
        print(
            f"  bonemodel {sol.meta['method']:16s} {t_ours * 1e6:8.1f} us   max rel error {err:.1e}"
            f"   time / libroadrunner's: {t_ours / t_rr:.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    available = bm.list_models()
    print(f"rtol={RTOL}, atol={ATOL}; daily output; medians of {args.repeat} runs\n")
    header = (
        f"{'model':14s} {'days':>6s} {'ours auto':>10s} {'plain LSODA':>12s} {'ratio':>6s} {'plain BDF':>10s}"
        f" {'ratio':>6s} {'ours BDF':>9s} {'ours LSODA (ivp)':>17s}"
    )
    print(header)
    for name, t_end in CASES.items():
        if name not in available:
            print(f"{name:14s} (not available)")
            continue
        r = bench_model(name, t_end, args.repeat)
        print(
            f"{name:14s} {t_end:6.0f} {r['ours_auto'] * 1e3:8.2f}ms {r['plain_LSODA'] * 1e3:10.2f}ms "
            f"{r['plain_LSODA'] / r['ours_auto']:5.1f}x {r['plain_BDF'] * 1e3:8.1f}ms "
            f"{r['plain_BDF'] / r['ours_auto']:5.1f}x {r['ours_BDF'] * 1e3:7.1f}ms {r['ours_LSODA'] * 1e3:15.1f}ms"
        )
    print(
        "ratio = plain time / ours auto. 'ours BDF' and 'ours LSODA (ivp)' are the compiled RHS and Jacobian\n"
        "driven by solve_ivp itself, whose per-step Python overhead dominates."
    )
    bench_roadrunner(args.repeat)
    print("\ncompile times (s): cold / from disk cache / in memory")
    for name in CASES:
        if name in available:
            cold, disk, memory = bench_compile(name)
            print(f"{name:14s} {cold:8.3f} {disk:8.4f} {memory:10.6f}")


if __name__ == "__main__":
    main()
