"""Time a 10-year simulation of every inflammation scenario: bonemodel vs a plain-Python RHS.

The baseline is what a user writes without bonemodel: the model's resolved equations as a plain
Python function (``sympy.lambdify``, no common-subexpression elimination) handed to
``scipy.integrate.solve_ivp`` with the same tolerances and no Jacobian (finite differences),
restarted at the same scenario switch times with the same parameter vectors. Both are measured in
this run, on this machine; the script prints medians and the ratio.

    python benchmarks/bench_inflammation.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import sympy as sp
from scipy.integrate import solve_ivp

import bonemodel as bm
from bonemodel import scenarios as S
from bonemodel.runtime import prepare

YEARS = 10
T_END = YEARS * 365.25
RTOL, ATOL = 1e-6, 1e-10
SCENARIOS = {
    "healthy": S.healthy,
    "menopause": S.menopause,
    "RA high": lambda: S.rheumatoid_arthritis("high"),
    "RA + anti-TNF (day 180)": lambda: S.rheumatoid_arthritis("high") + S.anti_tnf(start_day=180),
    "RA + anti-TNF injections": lambda: S.rheumatoid_arthritis("high") + S.anti_tnf(dosing="doses"),
    "low-grade inflammation": lambda: S.low_grade_inflammation(crp=4.0),
    "metabolic syndrome": S.metabolic_syndrome,
    "type 2 diabetes": S.type2_diabetes,
    "menopause + calcium + vit D (yr 5)": lambda: (
        S.menopause() + S.calcium(start_day=1826) + S.vitamin_d(start_day=1826)
    ),
    "menopause + training": lambda: S.menopause() + S.resistance_training(),
}


def median_time(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def plain_simulator(model: bm.Model):
    """A function (scenario, t_eval, method) -> final state, using a lambdified plain-Python RHS."""
    compiled = bm.compile_model(model)
    y_syms = [sp.Symbol(n) for n in model.state_names]
    p_syms = [sp.Symbol(n) for n in compiled.runtime_names]
    f = sp.lambdify((sp.Symbol("t"), y_syms, p_syms), model.resolved_rhs(), modules="numpy", cse=False)

    def run(scenario, t_eval, method):
        setup = prepare(model, compiled, params=None, scenario=scenario, t_start=0.0, t_end=T_END)
        y = compiled.initial(setup.base)
        for a, b, p in setup.segments:
            values = list(p)

            def rhs(t, state, values=values):
                return np.array(f(t, state, values), dtype=float)

            grid = np.union1d(t_eval[(t_eval >= a) & (t_eval <= b)], [a, b])
            y = solve_ivp(rhs, (a, b), y, method=method, t_eval=grid, rtol=RTOL, atol=ATOL).y[:, -1]
        return y

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    model = bm.load_model("inflammation")
    t_eval = np.linspace(0.0, T_END, int(T_END) + 1)
    plain = plain_simulator(model)
    print(
        f"inflammation model ({len(model.state_names)} states), {YEARS} years, daily output, rtol={RTOL}, atol={ATOL}; "
        f"medians of {args.repeat} runs\n"
    )
    header = f"{'scenario':36s} {'segments':>8s} {'ours auto':>10s} {'plain BDF':>10s} {'plain LSODA':>12s} {'BDF/ours':>9s} {'LSODA/ours':>11s} {'max |dy|':>9s}"
    print(header)
    for name, make in SCENARIOS.items():
        sc = make()
        ours = median_time(
            lambda sc=sc: bm.simulate(model, T_END, scenario=sc, t_eval=t_eval, rtol=RTOL, atol=ATOL),
            args.repeat,
        )
        reps = max(1, args.repeat // 2)
        bdf = median_time(lambda sc=sc: plain(sc, t_eval, "BDF"), reps)
        lsoda = median_time(lambda sc=sc: plain(sc, t_eval, "LSODA"), reps)
        end_ours = bm.simulate(model, T_END, scenario=sc, t_eval=t_eval, rtol=RTOL, atol=ATOL).y[:, -1]
        end_plain = plain(sc, t_eval, "BDF")
        diff = float(np.max(np.abs(end_ours - end_plain) / np.maximum(np.abs(end_plain), 1e-12)))
        segments = len(sc.switch_times()) + 1
        print(
            f"{name:36s} {segments:8d} {ours * 1e3:8.1f}ms {bdf * 1e3:8.0f}ms {lsoda * 1e3:10.0f}ms "
            f"{bdf / ours:8.1f}x {lsoda / ours:10.1f}x {diff:9.1e}"
        )


if __name__ == "__main__":
    main()
