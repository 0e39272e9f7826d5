"""What the bone-quality module costs: the flagship with and without it, measured in the same run.

The baseline is the flagship without module 'quality' (fracture risk from BMD, one state fewer).
Two measurements, each printed with its ratio to the baseline:

* one 10-year simulation per scenario (daily output, rtol 1e-6; median of ``--repeat`` runs);
* a sweep of ``--n`` members x 10 years over the ranged parameters of the RA study, on the
  batched solver the sweep chooses (the compiled numba path when numba is installed), timed on
  its second run so that compiling is not counted (the first run's time is printed too).

    python benchmarks/bench_quality.py [--repeat 5] [--n 10000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from bench_inflammation import median_time  # the same timing rule as the other benchmarks

import bonemodel as bm
from bonemodel import scenarios as S
from bonemodel.models.inflammation import ALL, build

T_END = 3652.5
SCENARIOS = {
    "healthy": S.healthy,
    "menopause": S.menopause,
    "RA high": lambda: S.rheumatoid_arthritis("high"),
    "RA + anti-TNF (day 180)": lambda: S.rheumatoid_arthritis("high") + S.anti_tnf(start_day=180),
    "low-grade inflammation": lambda: S.low_grade_inflammation(crp=4.0),
    "type 2 diabetes": S.type2_diabetes,
}
SWEEP_PARAMS = {"a_RA": (1.5, 4.0), "c_OPG": (0.03, 0.15, "log"), "k_perf": (0.05, 0.2, "log")}


def sweep_time(model, n: int, params: dict) -> tuple[float, float, str]:
    """(first run, second run, solver path) of an n-member 10-year RA sweep."""
    kwargs = dict(
        n=n,
        scenario=S.rheumatoid_arthritis("high"),
        t_end=T_END,
        outputs=["bmd_spine_pct@3652.5"],
        progress=False,
    )
    start = time.perf_counter()
    runs = bm.sweep(model, params, **kwargs)
    first = time.perf_counter() - start
    start = time.perf_counter()
    runs = bm.sweep(model, params, **kwargs)
    second = time.perf_counter() - start
    path = str(runs.attrs.get("method", runs.attrs.get("solver", "?")))
    assert (runs["status"] == "success").all()
    return first, second, path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    with_q = bm.load_model("inflammation")
    without = build(modules=tuple(m for m in ALL if m != "quality"))
    t_eval = np.linspace(0.0, T_END, int(T_END) + 1)
    print(
        f"flagship with 'quality' ({len(with_q.state_names)} states) vs without ({len(without.state_names)} states); "
        f"10 years, daily output; medians of {args.repeat} runs\n"
    )
    print(f"{'scenario':28s} {'without':>9s} {'with':>9s} {'ratio':>6s}")
    ratios = []
    for name, make in SCENARIOS.items():
        sc = make()
        base = median_time(lambda sc=sc: bm.simulate(without, T_END, scenario=sc, t_eval=t_eval), args.repeat)
        ours = median_time(lambda sc=sc: bm.simulate(with_q, T_END, scenario=sc, t_eval=t_eval), args.repeat)
        ratios.append(ours / base)
        print(f"{name:28s} {base * 1e3:7.1f}ms {ours * 1e3:7.1f}ms {ours / base:5.2f}x")
    print(f"{'worst':28s} {'':9s} {'':9s} {max(ratios):5.2f}x  (acceptance: <= 2x)\n")

    base_params = {k: v for k, v in SWEEP_PARAMS.items() if k in without.parameter_names}
    b1, b2, bpath = sweep_time(without, args.n, base_params)
    q1, q2, qpath = sweep_time(with_q, args.n, SWEEP_PARAMS)
    print(f"sweep, {args.n} members x 10 years (RA high):")
    print(
        f"  without quality: {b2:6.2f} s ({args.n / b2:8.0f} members/s; first run {b1:.1f} s), path {bpath}"
    )
    print(
        f"  with quality:    {q2:6.2f} s ({args.n / q2:8.0f} members/s; first run {q1:.1f} s), path {qpath}"
    )
    print(f"  ratio: {q2 / b2:.2f}x")


if __name__ == "__main__":
    main()
