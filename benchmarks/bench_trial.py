"""A virtual trial at scale: people per second of the batched engine against a loop of ``simulate``.

The reference trial at scale: the flagship (``inflammation``), one arm (usual care), 10
years of follow-up, women aged 50-85 from ``bm.population`` (menopause, T-score and CRP drawn
per person), yearly endpoints (hip and spine BMD change, cumulative hip and major osteoporotic
fracture probability), rows streamed to Parquet chunks in a temporary folder and the summary
accumulated from that folder a chunk at a time.

Printed, all measured in the same run (the machine may be shared: the load average is printed and
every comparison is a ratio against the baseline measured here):

* the baseline: a plain loop of ``bm.simulate(model, t_end, patient=...)`` over a few people
  (people/s);
* the batched trial: wall time, people/s, ratio to the loop, where the chunks' time went
  (histories, start states, run set-up, runs and absolute risk; summed over workers), and the
  summary's time from the folder;
* peak memory: this process's peak RSS and the largest worker's (target: under 4 GB together);
* the wall time that ``--n`` people imply for 1,000,000 at the measured rate.

Usage: ``python benchmarks/bench_trial.py [--n 1000000] [--workers 2] [--loop 8] [--years 10]``
(``--n 10000`` for a quick run; ``--no-crp`` for people without a measured CRP, whose scenarios
need no root-finding of the inflammation that gives their CRP).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time

import bonemodel as bm
from bonemodel.trials.patient import YEAR


def rss_mb(who: int) -> float:
    """Peak resident set size [MB] of this process (RUSAGE_SELF) or its largest finished child."""
    peak = resource.getrusage(who).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1_000_000, help="people in the trial")
    parser.add_argument("--years", type=float, default=10.0, help="follow-up [yr]")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: every core)")
    parser.add_argument("--loop", type=int, default=8, help="people in the simulate loop (baseline)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--no-crp",
        action="store_true",
        help="people without a measured CRP (each distinct CRP costs a root-finding of its own)",
    )
    args = parser.parse_args()

    t_end = args.years * YEAR
    years = range(1, int(args.years) + 1)
    endpoints = (
        [f"bmd_hip_pct@{k * YEAR!r}" for k in years]
        + [f"bmd_spine_pct@{k * YEAR!r}" for k in years]
        + [f"fracture_prob_hip@{k * YEAR!r}" for k in years]
        + [f"fracture_prob_major@{k * YEAR!r}" for k in years]
    )
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    model = bm.load_model("inflammation")

    start = time.perf_counter()
    pop = bm.population(args.n, seed=args.seed, sex="female", age=(50.0, 85.0), crp=not args.no_crp)
    made = time.perf_counter() - start
    with_crp = int((pop["crp_mg_l"] > 1.0).sum()) if "crp_mg_l" in pop else 0
    print(f"population: {args.n:,} people in {made:.1f} s ({with_crp:,} with a CRP above the healthy 1 mg/L)")

    # baseline: a plain loop of simulate (one warm-up run first: compiled code and reference risk)
    people = list(pop["patient"][: args.loop + 1])
    bm.simulate(model, t_end, patient=people[0])
    start = time.perf_counter()
    for person in people[1:]:
        bm.simulate(model, t_end, patient=person)
    loop_s = (time.perf_counter() - start) / max(1, len(people) - 1)
    print(f"simulate loop: {loop_s * 1e3:.0f} ms per person ({1.0 / loop_s:.1f} people/s)")

    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "trial")
        start = time.perf_counter()
        result = bm.trial(
            model, pop, {"usual care": None}, t_end, endpoints,
            out=out, workers=args.workers, method="batch", progress=True,
        )  # fmt: skip
        wall = time.perf_counter() - start
        start = time.perf_counter()
        summary = result.summary()
        summary_s = time.perf_counter() - start
        size = sum(e.stat().st_size for e in os.scandir(os.path.join(out, "chunks")))
    rate = args.n / wall
    meta = result.meta
    print(
        f"batched trial: {args.n:,} people in {wall:.1f} s = {rate:.0f} people/s "
        f"({rate * loop_s:.1f}x the simulate loop); {meta['executor']}, {meta['chunks_run']} chunks of "
        f"{meta['people_per_chunk']} people; {size / 2**20:.0f} MB of Parquet"
    )
    spent = meta.get("chunk_seconds", {})
    total = sum(spent.values()) or 1.0
    print(
        "  chunk time (summed over workers): "
        + ", ".join(f"{k} {v:.1f} s ({100 * v / total:.0f} %)" for k, v in spent.items())
    )
    print(
        f"  outside the chunks (plan, solver load, start-up, writing): {wall - total / max(1, _workers(meta)):.1f} s"
    )
    print(f"summary from the folder, a chunk at a time: {summary_s:.2f} s")
    e = f"bmd_hip_pct@{10 * YEAR!r}" if args.years >= 10 else endpoints[len(years) - 1]
    p = f"fracture_prob_hip@{10 * YEAR!r}" if args.years >= 10 else endpoints[3 * len(years) - 1]
    print(
        f"  {e}: mean {summary.iloc[0][f'{e} mean']:.2f} %, SD {summary.iloc[0][f'{e} sd']:.2f}; "
        f"{p}: mean {summary.iloc[0][f'{p} mean']:.4f}; hip fractures per 1000 PY "
        f"{summary.iloc[0]['hip fractures per 1000 PY']:.2f}; failed {int(summary.iloc[0]['failed'])}"
    )
    main_mb, child_mb = rss_mb(resource.RUSAGE_SELF), rss_mb(resource.RUSAGE_CHILDREN)
    print(
        f"peak RSS: this process {main_mb:.0f} MB, largest worker {child_mb:.0f} MB "
        f"(together with {_workers(meta)} workers at most {main_mb + _workers(meta) * child_mb:.0f} MB)"
    )
    # a million people: the chunks' work per person spread over the workers, plus what did not grow
    per_person = total / args.n / _workers(meta)
    fixed = max(0.0, wall - per_person * args.n)
    million = fixed + per_person * 1_000_000
    print(
        f"1,000,000 people at this rate: {million:.0f} s ({million / 60:.1f} min; {per_person * 1e3:.2f} ms "
        f"per person of wall time with {_workers(meta)} workers + {fixed:.0f} s fixed); target 60 s -> "
        f"{'met' if million <= 60 else f'{million / 60:.0f}x too slow'}"
    )


def _workers(meta: dict) -> int:
    executor = str(meta.get("executor", ""))
    return int(executor.split()[0]) if executor.split()[0].isdigit() else 1


if __name__ == "__main__":
    main()
