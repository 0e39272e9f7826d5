"""Sensitivity benchmarks: ratios against plain scipy loops measured in the same run.

1. Sobol: ``bm.sensitivity.sobol`` over D parameters with N base samples (N (D + 2) model
   runs through the sweep engine) against a serial loop of plain ``scipy.integrate.odeint``
   solves of the same design on the compiled RHS.
2. Local: forward sensitivities (one augmented solve) against central finite differences
   (2 m + 1 plain solves) for the same m parameters.

Usage::

    python benchmarks/bench_sensitivity.py --model lemaire2004 --n 256 --workers 2
    python benchmarks/bench_sensitivity.py --model inflammation --n 1024 --params 12 --t-end 3650 \\
        --scenario rheumatoid_arthritis --output bmd_spine_pct@3650 --plain-rows 512

The goal is the flagship model over 10 years with 12 parameters and N = 1024 in
under 2 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.integrate import odeint

import bonemodel as bm
from bonemodel.compile import compile_model
from bonemodel.runtime import prepare
from bonemodel.sensitivity import _design, local
from bonemodel.sensitivity.sobol import SobolDesign


def _plain_loop(model, frame, output: str, t_end: float, scenario) -> np.ndarray:
    """The baseline: one odeint solve per design row, segment by segment, on the compiled RHS."""
    compiled = compile_model(model)
    rhs_s, jac_s = compiled.scalar_functions
    target, when = output.split("@")
    when = float(when)
    out = np.empty(len(frame))
    for r, rec in enumerate(frame.to_dict("records")):
        setup = prepare(model, compiled, params=rec, scenario=scenario, t_start=0.0, t_end=t_end)
        y = compiled.initial(setup.base)
        traj_t, traj_y = [], []
        for a, b, p in setup.segments:
            plist = p.tolist()
            ts = np.unique(np.r_[a, [when] if a < when < b else [], b])
            ys = odeint(
                lambda yy, tt, plist=plist: rhs_s(tt, yy.tolist(), plist),
                y,
                ts,
                Dfun=lambda yy, tt, plist=plist: jac_s(tt, yy.tolist(), plist),
                rtol=1e-6,
                atol=1e-10,
            )
            traj_t.append(ts)
            traj_y.append(ys)
            y = ys[-1]
        t = np.concatenate(traj_t)
        Y = np.concatenate(traj_y)
        if target in compiled.state_index:
            out[r] = np.interp(when, t, Y[:, compiled.state_index[target]])
        else:
            out[r] = np.nan  # observables are not part of the plain baseline
    return out


def bench_sobol(model, params, output, n, t_end, scenario, workers, seed, plain_rows) -> None:
    fs = _design.factors(model, params)
    design = SobolDesign(fs, n, seed)
    runs = len(design.frame)
    print(f"Sobol: model {model.name}, D = {len(fs)}, N = {n}: {runs} runs to t = {t_end:g} days")
    kwargs = {"seed": seed, "t_end": t_end, "scenario": scenario, "progress": False}
    # Warm-up (not timed): code generation and numba's compilation, both cached on disk after.
    bm.sensitivity.sobol(model, params, output, n=2, workers=1, **kwargs)
    timings, frame = {}, None
    for w in sorted({1, workers}):
        start = time.perf_counter()
        frame = bm.sensitivity.sobol(model, params, output, n=n, workers=w, **kwargs)
        timings[w] = time.perf_counter() - start
    start = time.perf_counter()
    _plain_loop(model, design.frame, output, t_end, scenario)
    plain = time.perf_counter() - start
    print(
        f"  serial loop of plain odeint solves:         {plain:8.2f} s   ({plain / runs * 1e3:.2f} ms per run)"
    )
    for w, seconds in timings.items():
        print(
            f"  bonemodel.sensitivity.sobol, workers={w}:    {seconds:8.2f} s   "
            f"(plain / ours = {plain / seconds:.2f}x; {frame.attrs.get('evaluations')} runs)"
        )
    st = frame[frame["index"] == "ST"].sort_values("value", ascending=False).head(5)
    print("  top total indices:", ", ".join(f"{p} {v:.3f}" for p, v in zip(st.parameter, st.value)))


def bench_local(model, params, output, t_end, scenario) -> None:
    local(model, output, params=params, t_end=t_end, scenario=scenario)  # code generation, not timed
    repeats = 3
    start = time.perf_counter()
    for _ in range(repeats):
        local(model, output, params=params, t_end=t_end, scenario=scenario)
    ours = (time.perf_counter() - start) / repeats
    target, when = output.split("@")
    start = time.perf_counter()
    for _ in range(repeats):
        for p in params:
            v = model.parameters[p].value
            for s in (1, -1):
                bm.simulate(
                    model, t_end, params={p: v * (1 + s * 1e-4)}, scenario=scenario, t_eval=[0, float(when)]
                )
        bm.simulate(model, t_end, scenario=scenario, t_eval=[0, float(when)])
    fd = (time.perf_counter() - start) / repeats
    print(f"Local: model {model.name}, m = {len(params)} parameters, output {output}")
    print(f"  forward sensitivities (one augmented solve): {ours * 1e3:8.1f} ms")
    print(f"  central differences ({2 * len(params) + 1} solves):       {fd * 1e3:8.1f} ms")
    print(f"  ratio differences / forward: {fd / ours:.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="lemaire2004")
    ap.add_argument("--output", default=None, help="NAME@T (default: the second state at t-end)")
    ap.add_argument("--n", type=int, default=256, help="Sobol base samples (power of two)")
    ap.add_argument("--params", type=int, default=12, help="number of ranged parameters to vary")
    ap.add_argument("--t-end", type=float, default=None)
    ap.add_argument("--scenario", default=None)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-sobol", action="store_true")
    ap.add_argument(
        "--plain-rows",
        type=int,
        default=0,
        help="time the plain loop on this many design rows and extrapolate",
    )
    args = ap.parse_args()
    model = bm.load_model(args.model)
    t_end = args.t_end or model.default_t_end
    output = args.output or f"{model.state_names[min(1, len(model.state_names) - 1)]}@{t_end:g}"
    params = [p for p in model.parameters.ranges() if model.parameters[p].value != 0][: args.params]
    bench_local(model, params, output, t_end, args.scenario)
    if not args.skip_sobol:
        bench_sobol(
            model, params, output, args.n, t_end, args.scenario, args.workers, args.seed, args.plain_rows
        )


if __name__ == "__main__":
    main()
