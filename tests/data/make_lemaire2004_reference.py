"""Make the Lemaire 2004 reference trajectories in tests/data from the BioModels SBML, without bonemodel.

How the data were produced
--------------------------
Input: BIOMD0000000278 (Lemaire et al. 2004, SBML L2V4, CC0), the copy in
``../shared/reference-models/BIOMD0000000278_Lemaire2004.xml`` (or ``--sbml PATH``).
Tools: python-libsbml 5.21.2 and libroadrunner 2.10.0 (CVODE, BDF), Python 3.11.

1. With libsbml, three parameters ``I_R``, ``I_B``, ``I_C`` (pM/day, 0) are added to the SBML
   model and to the rate rules of R, B and C (``dX/dt = ... + I_X``). This is how the BioModels
   variants lemaire04_addR / removeR / addB / removeB / addC / removeC encode the cell addition
   and removal of the paper's Fig. 2 (their ``add_Rcells`` etc.); PTH, OPG and RANKL are the
   SBML's own parameters ``I_P``, ``I_O``, ``I_L``.
2. Each of the nine Fig. 2 experiments is simulated from the SBML initial state (the published
   steady state) over 0..140 days, in constant-parameter segments [0, 20], [20, 80], [80, 140]:
   the script sets the perturbed parameter with roadrunner between segments, so CVODE restarts
   at each switch. Rates and timing are those of the BioModels variants:
   addR/addB/addC +1e-4, removeR -1.2e-4, removeB -8.3e-5, removeC -2.9e-4 pM/day, addPTH
   I_P = 1000, addOPG I_O = 2e5 pM/day, each for days 20-80; addOPG_addRANKL: I_L = 1e4 pM/day
   from day 20 on and I_O = 9e4 pM/day from day 80 on. CVODE: rtol 1e-12, atol 1e-16.
3. As a cross-check of step 2, the same experiments are also run the way the BioModels
   variants are written, with piecewise(time) assignment rules in the SBML and one
   uninterrupted simulation (rtol 1e-10); the largest difference, relative to each state's
   maximum, is printed (it was 3e-10 to 2e-9 for every state and experiment).
4. The steady state is computed with roadrunner's steadyState() from the SBML initial state.

Outputs (281 time points, every 0.5 day, full double precision):
``lemaire2004_fig2_<experiment>.csv`` with columns ``t, R, B, C`` (days, pM), and
``lemaire2004_steady_state.csv`` with columns ``state, value``.

Run from the repository root: ``python tests/data/make_lemaire2004_reference.py``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import libsbml
import numpy as np
import roadrunner

HERE = Path(__file__).resolve().parent
DEFAULT_SBML = HERE.parents[2] / "shared" / "reference-models" / "BIOMD0000000278_Lemaire2004.xml"
T_END = 140.0
GRID = np.linspace(0.0, T_END, 281)
RTOL, ATOL = 1e-12, 1e-16

# experiment -> list of (parameter, value, start, stop); stop None = until the end
EXPERIMENTS: dict[str, list[tuple[str, float, float, float | None]]] = {
    "addR": [("I_R", 1.0e-4, 20.0, 80.0)],
    "removeR": [("I_R", -1.2e-4, 20.0, 80.0)],
    "addB": [("I_B", 1.0e-4, 20.0, 80.0)],
    "removeB": [("I_B", -8.3e-5, 20.0, 80.0)],
    "addC": [("I_C", 1.0e-4, 20.0, 80.0)],
    "removeC": [("I_C", -2.9e-4, 20.0, 80.0)],
    "addPTH": [("I_P", 1.0e3, 20.0, 80.0)],
    "addOPG": [("I_O", 2.0e5, 20.0, 80.0)],
    "addOPG_addRANKL": [("I_L", 1.0e4, 20.0, None), ("I_O", 9.0e4, 80.0, None)],
}


def _check(status: int, what: str) -> None:
    if status != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise RuntimeError(f"libsbml failed to {what} (status {status})")


def augmented_sbml(path: Path, *, piecewise: dict[str, list] | None = None) -> str:
    """The SBML with I_R, I_B, I_C added to the rate rules; optionally piecewise(time) schedules."""
    doc = libsbml.readSBMLFromFile(str(path))
    if doc.getNumErrors(libsbml.LIBSBML_SEV_ERROR):
        raise RuntimeError(f"{path}: {doc.getErrorLog().toString()}")
    model = doc.getModel()
    for state in ("R", "B", "C"):
        name = f"I_{state}"
        p = model.createParameter()
        _check(p.setId(name), f"add {name}")
        _check(p.setValue(0.0), f"set {name}")
        _check(p.setConstant(True), f"set {name} constant")
        rule = model.getRateRule(state)
        old = libsbml.formulaToL3String(rule.getMath())
        _check(rule.setMath(libsbml.parseL3Formula(f"({old}) + {name}")), f"extend d{state}/dt")
    for target, pieces in (piecewise or {}).items():
        param = model.getParameter(target)
        _check(param.setConstant(False), f"make {target} variable")
        terms = []
        for value, start, stop in pieces:
            cond = f"time > {start}" if stop is None else f"time > {start} && time <= {stop}"
            terms.append(f"{value!r}, {cond}")
        rule = model.createAssignmentRule()
        _check(rule.setVariable(target), f"rule for {target}")
        _check(
            rule.setMath(libsbml.parseL3Formula(f"piecewise({', '.join(terms)}, 0)")), f"math for {target}"
        )
    return libsbml.writeSBMLToString(doc)


def _runner(sbml: str, rtol: float, atol: float) -> roadrunner.RoadRunner:
    rr = roadrunner.RoadRunner(sbml)
    rr.setIntegrator("cvode")
    rr.integrator.relative_tolerance = rtol
    rr.integrator.absolute_tolerance = atol
    rr.integrator.maximum_num_steps = 1_000_000
    rr.timeCourseSelections = ["time", "R", "B", "C"]
    return rr


def simulate_segments(path: Path, schedule: list[tuple[str, float, float, float | None]]) -> np.ndarray:
    """Reference run: constant parameters per segment, CVODE restarted at every switch."""
    rr = _runner(augmented_sbml(path), RTOL, ATOL)
    cuts = sorted(
        {0.0, T_END} | {s for _, _, s, _ in schedule} | {e for _, _, _, e in schedule if e is not None}
    )
    rows = []
    for a, b in zip(cuts, cuts[1:]):
        mid = 0.5 * (a + b)
        for name, value, start, stop in schedule:
            rr[name] = value if start <= mid and (stop is None or mid < stop) else 0.0
        inside = GRID[(GRID >= a) & (GRID <= b)]
        points = np.union1d(inside, [a, b])
        out = np.asarray(rr.simulate(times=list(points)))
        keep = np.isin(out[:, 0], inside)
        if rows:
            keep &= out[:, 0] > rows[-1][-1, 0]
        rows.append(out[keep])
    data = np.vstack(rows)
    if not np.array_equal(data[:, 0], GRID):
        raise RuntimeError("output grid mismatch")
    return data


def simulate_piecewise(path: Path, schedule: list[tuple[str, float, float, float | None]]) -> np.ndarray:
    """Cross-check: the schedule as piecewise(time) rules, as in the BioModels variants, in one run."""
    pieces: dict[str, list] = {}
    for name, value, start, stop in schedule:
        pieces.setdefault(name, []).append((value, start, stop))
    rr = _runner(augmented_sbml(path, piecewise=pieces), 1e-10, 1e-16)
    return np.asarray(rr.simulate(times=list(GRID)))


def steady_state(path: Path) -> dict[str, float]:
    rr = roadrunner.RoadRunner(str(path))
    rr.conservedMoietyAnalysis = False
    rr.steadyState()
    return {s: float(rr[s]) for s in ("R", "B", "C")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sbml", type=Path, default=DEFAULT_SBML, help="BIOMD0000000278 SBML file")
    parser.add_argument("--out", type=Path, default=HERE, help="folder for the CSV files")
    args = parser.parse_args()
    header = (
        "# Lemaire 2004 Fig. 2 experiment '{name}': {desc}\n"
        "# Made by tests/data/make_lemaire2004_reference.py from BIOMD0000000278 with libroadrunner "
        f"{roadrunner.__version__} (CVODE rtol {RTOL:g}, atol {ATOL:g}, restarted at every switch).\n"
        "# Columns: t [day], R, B, C [pM].\n"
    )
    for name, schedule in EXPERIMENTS.items():
        ref = simulate_segments(args.sbml, schedule)
        check = simulate_piecewise(args.sbml, schedule)
        scale = np.max(np.abs(ref[:, 1:]), axis=0)
        diff = np.max(np.abs(check[:, 1:] - ref[:, 1:]), axis=0) / scale
        desc = "; ".join(
            f"{p} = {v:g} pM/day from day {a:g}" + (f" to {b:g}" if b else " on") for p, v, a, b in schedule
        )
        print(
            f"{name:16s} piecewise-vs-segments max rel diff R,B,C = {diff[0]:.1e} {diff[1]:.1e} {diff[2]:.1e}"
        )
        path = args.out / f"lemaire2004_fig2_{name}.csv"
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(header.format(name=name, desc=desc))
            fh.write("t,R,B,C\n")
            for row in ref:
                fh.write(",".join(f"{v:.17g}" for v in row) + "\n")
    ss = steady_state(args.sbml)
    with open(args.out / "lemaire2004_steady_state.csv", "w", encoding="utf-8") as fh:
        fh.write(
            "# Steady state of BIOMD0000000278 (Lemaire 2004) by libroadrunner "
            f"{roadrunner.__version__} steadyState(), made by tests/data/make_lemaire2004_reference.py.\n"
        )
        fh.write("state,value\n")
        for k, v in ss.items():
            fh.write(f"{k},{v:.17g}\n")
    print("steady state", ss)


if __name__ == "__main__":
    main()
