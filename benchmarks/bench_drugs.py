"""What drug dosing costs: the flagship with each drug regimen against the same run without a drug.

The baseline is a 10-year postmenopausal run of the flagship (``menopause``, no drug), measured in
this run with the same timing rule as the other benchmarks (a warm-up, then the median of
``--repeat`` runs; daily output, rtol 1e-6, atol 1e-10). Each injection is a 15-minute window and
every window edge restarts the integrator; each dose also drives a transient of the cell
populations that the integrator must resolve, so the cost of a regimen grows with its doses.
One denosumab dose followed for the same 10 years shows the cost of one transient:

* single runs: denosumab every 6 months for 10 years (flagged if more than 3x the baseline),
  zoledronate yearly, alendronate (an average daily rate: no windows), and 2 years of daily
  teriparatide (731 injections), also per simulated year against two years without a drug;
* where the steps of one 6-month dosing interval go (the restart at the injection, the
  absorption, the depot's decay, the rest of the interval);
* the batched sweep path (compiled with numba when it is installed) over the precursor-pool
  parameters, ``--n`` members, without a drug and with denosumab every 6 months.

    python benchmarks/bench_drugs.py [--repeat 5] [--n 256] [--sweep-repeat 1]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
from bench_inflammation import median_time  # the same timing rule as the other benchmarks

import bonemodel as bm
from bonemodel import scenarios as S
from bonemodel.scenario import Scenario

YEAR = 365.25
T_END = 10 * YEAR
RTOL, ATOL = 1e-6, 1e-10
DENOSUMAB_LIMIT = 3.0
"""A denosumab run slower than this many baseline runs is flagged."""
REGIMENS: dict[str, Callable[[], Scenario]] = {
    "denosumab 60 mg / 6 months": lambda: S.denosumab(stop_day=T_END),
    "denosumab, one dose (same 10 years)": lambda: S.denosumab(stop_day=1.0),
    "zoledronate 5 mg yearly": lambda: S.zoledronate(stop_day=T_END),
    "alendronate 70 mg/week": lambda: S.alendronate(),
    "teriparatide daily, 2 years": lambda: S.teriparatide(),
}
SWEEP_PARAMS = {"k_pool": None, "c_pool": None}  # ranges from parameters/inflammation_precursors.toml


def run_time(model: bm.Model, scenario: Scenario, t_end: float, repeat: int) -> float:
    """Median seconds of one simulation to ``t_end`` with daily output."""
    t_eval = np.linspace(0.0, t_end, int(t_end) + 1)
    return median_time(
        lambda: bm.simulate(model, t_end, scenario=scenario, t_eval=t_eval, rtol=RTOL, atol=ATOL), repeat
    )


def segments(scenario: Scenario, t_end: float) -> int:
    """Pieces the integrator is restarted on."""
    return len(scenario.segments(0.0, t_end))


def single_runs(model: bm.Model, repeat: int) -> None:
    """10-year runs of every regimen against the no-drug baseline, and teriparatide per year."""
    base_sc = S.menopause()
    base = run_time(model, base_sc, T_END, repeat)
    print(f"{'10 years, menopause +':32s} {'segments':>8s} {'time':>9s} {'ratio':>7s}")
    print(f"{'(no drug: baseline)':32s} {segments(base_sc, T_END):8d} {base * 1e3:7.1f}ms {1.0:6.2f}x")
    for name, make in REGIMENS.items():
        sc = base_sc + make()
        ours = run_time(model, sc, T_END, repeat)
        flag = ""
        if name.startswith("denosumab") and ours / base > DENOSUMAB_LIMIT:
            flag = f"  FLAG: more than {DENOSUMAB_LIMIT:g}x the run without a drug"
        print(f"{name:32s} {segments(sc, T_END):8d} {ours * 1e3:7.1f}ms {ours / base:6.2f}x{flag}")

    two = 2 * YEAR
    plain = run_time(model, base_sc, two, repeat) / 2
    tptd = run_time(model, base_sc + S.teriparatide(), two, repeat) / 2
    print(
        f"\nper simulated year over the 2 years of daily teriparatide: {tptd * 1e3:.1f} ms "
        f"vs {plain * 1e3:.1f} ms without a drug ({tptd / plain:.1f}x)"
    )


def dose_phases(model: bm.Model) -> None:
    """Where one dosing interval's integrator steps go: the second denosumab dose, by phase.

    Steps are LSODA's count from day 0 to each mark (runs ending there; the count to a mark does
    not depend on what follows it). The restart at an injection is the window and the first day;
    the rest follows the drug's real transient: absorption from the depot (its first-order decay
    is tracked to ``rtol`` for ~12 e-folds), the fall and recovery of the osteoclasts.
    """
    sc = S.menopause() + S.denosumab(stop_day=T_END)
    dose = 182.5
    marks = {
        "15-minute injection window": dose + 15 / 1440,
        "first day (restart)": dose + 1.0,
        "days 1-10 (absorption)": dose + 10.0,
        "days 10-60 (depot decay)": dose + 60.0,
        "days 60-182.5": 2 * dose,
    }

    def steps(t: float) -> int:
        t_eval = np.linspace(0.0, t, int(t) + 2)
        return int(bm.simulate(model, t, scenario=sc, t_eval=t_eval, rtol=RTOL, atol=ATOL).meta["steps"])

    before = steps(dose)
    print(f"\nsteps of the second 6-month dosing interval by phase (LSODA, rtol={RTOL}, atol={ATOL}):")
    total = 0
    for name, t in marks.items():
        now = steps(t)
        print(f"  {name:28s} {now - before:5d}")
        total += now - before
        before = now
    base = steps(T_END)
    sc_base = S.menopause()
    plain = int(bm.simulate(model, T_END, scenario=sc_base, rtol=RTOL, atol=ATOL).meta["steps"])
    print(
        f"  one interval: {total} steps; 20 intervals need ~{20 * total:,} where a 10-year run without "
        f"a drug takes {plain} (the dosed run: {base:,}); within 3x would leave "
        f"{(3 * plain - plain) // 20} steps per interval for the restart and the transient together"
    )


def sweep_time(model: bm.Model, scenario: Scenario, n: int, repeat: int) -> tuple[float, str]:
    """Median seconds of an n-member 10-year sweep (compiling is in the warm-up) and its solver."""
    kwargs = dict(
        n=n, scenario=scenario, t_end=T_END, outputs=["bmd_spine_pct@3652.5"], progress=False, workers=1
    )
    runs = bm.sweep(model, SWEEP_PARAMS, **kwargs)
    assert (runs["status"] == "success").all(), runs["status"].value_counts()
    seconds = median_time(lambda: bm.sweep(model, SWEEP_PARAMS, **kwargs), repeat)
    return seconds, str(runs.attrs.get("method", "?"))


def sweeps(model: bm.Model, n: int, repeat: int) -> None:
    """The batched sweep path without a drug and with denosumab for 10 years."""
    base, path = sweep_time(model, S.menopause(), n, repeat)
    dmab, _ = sweep_time(model, S.menopause() + S.denosumab(stop_day=T_END), n, repeat)
    print(f"\nsweep, {n} members x 10 years on one worker (path {path}), over {list(SWEEP_PARAMS)}:")
    print(f"  no drug:   {base:7.2f} s ({n / base:8.0f} members/s)")
    print(f"  denosumab: {dmab:7.2f} s ({n / dmab:8.0f} members/s)  ratio {dmab / base:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--n", type=int, default=256)
    parser.add_argument("--sweep-repeat", type=int, default=1)
    args = parser.parse_args()
    model = bm.load_model("inflammation")
    print(
        f"flagship ({len(model.state_names)} states), rtol={RTOL}, atol={ATOL}, daily output; "
        f"medians of {args.repeat} runs after a warm-up\n"
    )
    single_runs(model, args.repeat)
    dose_phases(model)
    sweeps(model, args.n, args.sweep_repeat)


if __name__ == "__main__":
    main()
