"""Calibrate the inflammation model's free gains to the clinical targets' bands.

The fit is a bounded least-squares problem (``scipy.optimize.least_squares``, trust-region
reflective) in the log of each calibrated parameter. Each calibrated target contributes the
distance of our value outside its band (shrunk by ``MARGIN``), in band widths (weighted ``MISS_WEIGHT``), plus a small pull (``CENTRE_WEIGHT``)
towards the middle of finite bands so the optimum is not on a band edge. Starting points are the
parameter file's values and, with ``starts > 1``, points drawn from a seeded log-uniform
distribution inside the bounds; the best fit wins. Nothing is written: :func:`main` prints the
values to copy into ``parameters/inflammation_*.toml`` and the targets table.

    python -m bonemodel.models.inflammation.calibrate [--starts 1] [--seed 1] [--max-nfev 200]
    python -m bonemodel.models.inflammation.calibrate --profile c_RANKL_syn --values 0.001,0.1,0.3,1
    python -m bonemodel.models.inflammation.calibrate --stage pk       # drug PK to the labels
    python -m bonemodel.models.inflammation.calibrate --stage drugs    # each drug's PD, core fixed

Stages, in order: ``core`` fits the disease and lifestyle gains (:data:`CALIBRATED`) to the
targets of stage "core"; ``pk`` fits each drug's absorption, volume and elimination to its
label's Cmax, tmax and half-life (``parameters/drug_pk_published.toml``; romosozumab also to its
steady-state trough); ``drugs`` fits each drug's PD parameters (:data:`DRUG_CALIBRATED`) to that
drug's targets with everything else held at the file values. The drugs do not act in the core
targets (their doses are 0 there), so the stages do not undo each other.
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from ...model import Model
from .targets import TARGETS, evaluate

CALIBRATED: dict[str, tuple[float, float, str]] = {
    "a_RA": (1.0, 30.0, "cytokines"),
    "n_CRP": (0.7, 1.5, "cytokines"),
    "e_RANKL": (0.05, 4.0, "estrogen"),
    "e_OBu": (0.01, 3.0, "estrogen"),
    "c_RANKL": (1e-3, 2.0, "couplings"),
    "c_OB": (1e-3, 4.0, "couplings"),
    "c_OPG": (1e-3, 1.0, "couplings"),
    "c_OBa_apop": (1e-3, 2.0, "couplings"),
    "c_RANKL_syn": (1e-3, 5.0, "couplings"),
    "c_ins": (1e-3, 1.0, "metabolic"),
    "n_PTH": (0.05, 1.0, "mineral"),
    "lam_OB": (0.02, 0.2, "sites"),
    "w_Wnt": (0.05, 4.0, "mechanical"),
    "w_train": (0.02, 1.0, "mechanical"),
    "k_acc": (0.0005, 0.02, "mechanical"),
    "beta_CRP": (1e-3, 0.5, "outputs"),
    "m_AGE": (1e-3, 1.0, "quality"),
    "k_perf": (0.02, 0.3, "quality"),
    "d_life": (0.1, 1.5, "quality"),
    "a_N": (2.0, 8.0, "quality"),
    "t_N": (0.05, 0.5, "quality"),
}
"""Parameter -> (lower, upper, parameter file module): the gains no measurement fixes."""

DRUG_CALIBRATED: dict[str, dict[str, tuple[float, float, str]]] = {
    "denosumab": {"IC50_dmab": (0.002, 2.0, "denosumab")},
    "bisphosphonates": {
        "EC50_aln": (0.1, 100.0, "bisphosphonates"),
        "EC50_zol": (0.001, 20.0, "bisphosphonates"),
        "i_res": (0.3, 0.95, "bisphosphonates"),
        "a_apop": (0.05, 5.0, "bisphosphonates"),
    },
    "teriparatide": {
        "g_A": (0.1, 30.0, "teriparatide"),
        "g_N": (0.1, 20.0, "teriparatide"),
        "k_N": (0.004, 0.05, "teriparatide"),
        "k_c": (0.005, 2.0, "teriparatide"),
        "g_M": (0.1, 50.0, "teriparatide"),
        "k_M": (0.005, 0.2, "teriparatide"),
    },
    "romosozumab": {
        "EC50_romo": (0.01, 30.0, "romosozumab"),
        "k_use": (0.001, 0.2, "romosozumab"),
        "g_MBF": (0.1, 10.0, "romosozumab"),
    },
    "glucocorticoid": {
        "ED50_GC": (1.0, 40.0, "glucocorticoid"),
        "g_OBu": (0.01, 5.0, "glucocorticoid"),
        "g_apop": (0.01, 5.0, "glucocorticoid"),
        "g_form": (0.01, 5.0, "glucocorticoid"),
        "g_OCa": (0.01, 5.0, "glucocorticoid"),
        "q_GC": (0.01, 2.0, "glucocorticoid"),
    },
}
"""Drug stage -> its PD parameters (fitted to the targets of that stage, the core held fixed)."""

PK_CALIBRATED: dict[str, dict[str, tuple[float, float, str]]] = {
    "denosumab": {
        "ka_dmab": (0.05, 1.0, "denosumab"),
        "V_dmab": (1.5, 8.0, "denosumab"),
        "kel_dmab": (0.005, 0.1, "denosumab"),
    },
    "romosozumab": {
        "ka_romo": (0.05, 2.0, "romosozumab"),
        "V_romo": (2.0, 15.0, "romosozumab"),
        "kel_romo": (0.0005, 0.2, "romosozumab"),
        "Vmax_romo": (0.05, 5.0, "romosozumab"),
    },
    "teriparatide": {"ka_tptd": (4.0, 60.0, "teriparatide")},
}
"""Drug -> the PK parameters fitted to its label's Cmax, tmax and half-life (and steady-state trough
where the label gives one: romosozumab's target-mediated elimination is fitted with it)."""

CENTRE_WEIGHT = 0.15
"""Weight of the pull towards a finite band's centre (in band widths)."""
MISS_WEIGHT = 30.0
"""Weight of the distance outside a band (in band widths): a miss costs far more than an off-centre hit."""
MARGIN = 0.03
"""The fit aims inside each band by this fraction of its width, so that the balance between the
centre pulls of competing targets does not leave a target a hair outside its edge."""


@dataclass
class Calibration:
    """Result of :func:`calibrate`: fitted values, the targets table and the optimiser's report.

    Parameters
    ----------
    values
        Fitted parameter values, name -> value in the parameter's unit.
    table
        The targets table at the fitted values (as ``targets.evaluate`` gives it).
    cost
        Final cost of the least-squares fit (half the sum of the squared residuals described above;
        dimensionless, in band widths).
    nfev
        Cost evaluations used.
    seconds
        Wall time of the fit [s].
    message
        The optimiser's report.
    """

    values: dict[str, float]
    table: pd.DataFrame
    cost: float
    nfev: int
    seconds: float
    message: str

    def toml_snippets(self) -> str:
        """The fitted values as lines to paste into each parameter file.

        Returns
        -------
        str
            One line per value: file, table and ``value = ...``.
        """
        lines = []
        for name, value in self.values.items():
            module = _module_of(name)
            lines.append(f"parameters/inflammation_{module}.toml  [parameters.{name}]  value = {value:.6g}")
        return "\n".join(lines)


def _fitted(stage: str) -> list:
    """The targets a stage fits to."""
    return [t for t in TARGETS if t.calibrated and t.stage == stage]


def _module_of(name: str) -> str:
    for spec in (CALIBRATED, *DRUG_CALIBRATED.values(), *PK_CALIBRATED.values()):
        if name in spec:
            return spec[name][2]
    raise KeyError(name)


def _residuals(table: pd.DataFrame, targets: list | None = None) -> np.ndarray:
    out = []
    for t, (_, row) in zip(targets or _fitted("core"), table.iterrows()):
        value = row["ours"]
        finite = math.isfinite(t.low) and math.isfinite(t.high)
        width = (t.high - t.low) if finite else max(abs(t.low if math.isfinite(t.low) else t.high), 1.0)
        if not math.isfinite(value):
            out += [1e3, 0.0]
            continue
        margin = MARGIN * width
        low = t.low + margin if math.isfinite(t.low) else t.low
        high = t.high - margin if math.isfinite(t.high) else t.high
        miss = value - low if value < low else value - high if value > high else 0.0
        out.append(MISS_WEIGHT * miss / width)
        out.append(CENTRE_WEIGHT * (value - 0.5 * (t.low + t.high)) / width if finite else 0.0)
    return np.asarray(out)


def calibrate(
    model: Model | None = None,
    *,
    parameters: dict[str, tuple[float, float, str]] | None = None,
    starts: int = 1,
    seed: int = 1,
    max_nfev: int = 200,
    stage: str = "core",
) -> Calibration:
    """Fit the calibrated parameters to the targets' bands (reproducible: seeded, deterministic).

    ``stage`` chooses the targets ("core" or a drug stage of :data:`DRUG_CALIBRATED`, whose
    parameters are then the default ``parameters``).

    Parameters
    ----------
    model
        The flagship model (default: ``load_model("inflammation")``), its files' values the start.
    parameters
        Parameters to fit, name -> ``(low, high, module)`` with the bounds in the parameter's unit
        (default: the stage's calibrated parameters).
    starts
        Starting points: 1 uses the files' values; more add seeded log-uniform draws within the bounds.
    seed
        Seed of the extra starting points.
    max_nfev
        Most cost evaluations per start.
    stage
        ``"core"`` or a drug stage of ``DRUG_CALIBRATED``.

    Returns
    -------
    Calibration
        Fitted values (in the parameters' units), the targets table, the cost and the optimiser's report.
    """
    if model is None:
        from ...models import load_model

        model = load_model("inflammation")
    default = CALIBRATED if stage == "core" else DRUG_CALIBRATED[stage]
    spec = default if parameters is None else parameters
    names = list(spec)
    lo = np.log([spec[n][0] for n in names])
    hi = np.log([spec[n][1] for n in names])
    fitted = _fitted(stage)
    ids = [t.id for t in fitted]

    def fun(z: np.ndarray) -> np.ndarray:
        values = dict(zip(names, np.exp(z)))
        return _residuals(evaluate(model, values, ids=ids), fitted)

    x0 = np.clip(np.log([model.parameters[n].value for n in names]), lo + 1e-9, hi - 1e-9)
    rng = np.random.default_rng(seed)
    starts_z = [x0] + [rng.uniform(lo, hi) for _ in range(max(0, starts - 1))]
    began = time.perf_counter()
    best, nfev = None, 0
    for z0 in starts_z:
        res = least_squares(
            fun, z0, bounds=(lo, hi), method="trf", diff_step=1e-3, x_scale=1.0, max_nfev=max_nfev
        )
        nfev += res.nfev
        if best is None or res.cost < best.cost:
            best = res
    values = {n: float(v) for n, v in zip(names, np.exp(best.x))}
    table = evaluate(
        model, values, ids=None if stage == "core" else [t.id for t in TARGETS if t.stage == stage]
    )
    return Calibration(values, table, float(best.cost), nfev, time.perf_counter() - began, str(best.message))


def profile(
    name: str,
    values: list[float],
    model: Model | None = None,
    *,
    max_nfev: int = 30,
) -> pd.DataFrame:
    """Profile of the calibration cost in one parameter: fix it at each value, refit the others.

    Shows the range a weakly identified gain can take (a flat profile: the targets cannot pin it)
    instead of reporting the single value the optimiser stopped at. Starts from the file values.

    Parameters
    ----------
    name
        The calibrated parameter to fix.
    values
        Values to fix it at, in its unit.
    model
        The flagship model (default: ``load_model("inflammation")``).
    max_nfev
        Most cost evaluations per refit.

    Returns
    -------
    pandas.DataFrame
        One row per value: ``parameter, value, cost, missed, missed_ids`` (the calibrated targets missed).
    """
    if model is None:
        from ...models import load_model

        model = load_model("inflammation")
    rest = {k: v for k, v in CALIBRATED.items() if k != name}
    rows = []
    for value in values:
        fixed = model.with_parameters(model.parameters.with_values({name: value}))
        cal = calibrate(fixed, parameters=rest, max_nfev=max_nfev)
        calibrated = cal.table[[t.calibrated and t.stage == "core" for t in TARGETS]]
        rows.append(
            {
                "parameter": name,
                "value": value,
                "cost": cal.cost,
                "missed": int((~calibrated["met"]).sum()),
                "missed_ids": ", ".join(calibrated.loc[~calibrated["met"], "id"]),
            }
        )
    return pd.DataFrame(rows)


PK_DESCRIPTORS = ("cmax", "tmax", "t_half", "trough_ss")
"""The descriptors the PK fit uses (where published; each residual in units of its published spread)."""

PK_DEFAULT_SPREAD = math.log(1.25)
"""Log-scale half-width taken for a descriptor published without its variability."""


def _spread(pk, entry: dict, key: str) -> float:
    """Half the log-width of the published spread (range, SD or CI) of a descriptor: each residual
    is measured in units of the published variability."""
    try:
        low, high = pk.published_value(entry, key, "_low"), pk.published_value(entry, key, "_high")
    except KeyError:
        return PK_DEFAULT_SPREAD
    return 0.5 * math.log(high / low)


def _has(pk, entry: dict, key: str) -> bool:
    try:
        pk.published_value(entry, key)
    except KeyError:
        return False
    return True


def calibrate_pk(
    drug: str, model: Model | None = None, *, max_nfev: int = 100, starts: int = 1, seed: int = 1
) -> dict[str, float]:
    """Fit one drug's PK parameters (:data:`PK_CALIBRATED`) to its label's Cmax, tmax, half-life (and trough).

    Parameters
    ----------
    drug
        A drug of ``PK_CALIBRATED``.
    model
        The flagship model (default: ``load_model("inflammation")``).
    max_nfev
        Most cost evaluations per start.
    starts
        Starting points: 1 uses the files' values; more add seeded log-uniform draws within the
        bounds (the grid-read tmax is piecewise constant, so a local fit cannot trade it against the
        other descriptors; the best fit wins).
    seed
        Seed of the extra starting points.

    Returns
    -------
    dict of str to float
        Fitted PK parameters, each in its unit.
    """
    from . import pk

    if model is None:
        from ...models import load_model

        model = load_model("inflammation")
    spec = PK_CALIBRATED[drug]
    names = list(spec)
    lo = np.log([spec[n][0] for n in names])
    hi = np.log([spec[n][1] for n in names])
    want = pk.published()[drug]
    keys = [k for k in PK_DESCRIPTORS if _has(pk, want, k)]

    def fun(z: np.ndarray) -> np.ndarray:
        ours = pk.profiles(model, dict(zip(names, np.exp(z))), drugs=[drug])[drug]
        r = [
            math.log(ours[k] / pk.published_value(want, k)) / _spread(pk, want, k)
            if ours[k] > 0 and math.isfinite(ours[k])
            else math.nan
            for k in keys
        ]
        # a descriptor that cannot be read (no decline to Cmax/4 in the window) is a large miss
        return np.nan_to_num(np.array(r), nan=1e3, posinf=1e3, neginf=-1e3)

    x0 = np.clip(np.log([model.parameters[n].value for n in names]), lo + 1e-9, hi - 1e-9)
    rng = np.random.default_rng(seed)
    best = None
    for z0 in [x0] + [rng.uniform(lo, hi) for _ in range(max(0, starts - 1))]:
        res = least_squares(fun, z0, bounds=(lo, hi), method="trf", diff_step=1e-3, max_nfev=max_nfev)
        if best is None or res.cost < best.cost:
            best = res
    return {n: float(v) for n, v in zip(names, np.exp(best.x))}


def main(argv=None) -> None:
    """The calibration's command line: fit, fit a PK or drug stage, or profile one parameter.

    Prints the fitted values as lines for the parameter files, with the targets table.

    Parameters
    ----------
    argv
        Arguments (default: the command line's).
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--starts", type=int, default=1, help="number of starting points (1: the file's values)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-nfev", type=int, default=200)
    parser.add_argument(
        "--profile", metavar="NAME", help="profile one calibrated parameter instead of fitting"
    )
    parser.add_argument("--values", default="", help="comma-separated values for --profile")
    parser.add_argument(
        "--stage",
        default="core",
        choices=["core", "pk", "drugs", *DRUG_CALIBRATED],
        help="what to fit: the core gains, the drugs' PK, every drug's PD, or one drug's PD",
    )
    args = parser.parse_args(argv)
    pd.set_option("display.width", 200)
    if args.stage == "pk":
        for drug in PK_CALIBRATED:
            fit = calibrate_pk(drug, max_nfev=args.max_nfev, starts=args.starts, seed=args.seed)
            for name, value in fit.items():
                print(
                    f"parameters/inflammation_{_module_of(name)}.toml  [parameters.{name}]  value = {value:.6g}"
                )
        return
    if args.stage != "core":
        for stage in DRUG_CALIBRATED if args.stage == "drugs" else [args.stage]:
            cal = calibrate(stage=stage, starts=args.starts, seed=args.seed, max_nfev=args.max_nfev)
            print(f"# {stage}: cost {cal.cost:.4g} after {cal.nfev} evaluations, {cal.seconds:.1f} s")
            print(cal.toml_snippets())
            print(cal.table[["id", "low", "high", "ours", "met", "missed_by"]].to_string(index=False))
        return
    if args.profile:
        values = [float(v) for v in args.values.split(",") if v.strip()]
        pd.set_option("display.width", 200)
        print(profile(args.profile, values, max_nfev=args.max_nfev).to_string(index=False))
        return
    cal = calibrate(starts=args.starts, seed=args.seed, max_nfev=args.max_nfev)
    print(f"cost {cal.cost:.4g} after {cal.nfev} evaluations, {cal.seconds:.1f} s ({cal.message})\n")
    print("values to put in the parameter files:")
    print(cal.toml_snippets())
    print()
    print(cal.table[["id", "low", "high", "ours", "met", "missed_by"]].to_string(index=False))


if __name__ == "__main__":
    main()
