"""Drug pharmacokinetics of the inflammation model beside the published descriptors.

:func:`profiles` simulates one dose of each drug in a healthy adult and reads off what the
labels report: peak concentration (Cmax), time to peak (tmax) and the half-life of the decline
after the peak (the time the concentration takes to fall from Cmax/2 to Cmax/4, which is what a
noncompartmental half-life measures where the decline is close to log-linear), for the bisphosphonates
the fraction of the absorbed dose taken up by bone, and, where the label gives one, the trough at
steady state of the labelled regimen (:data:`STEADY_STATE_TROUGH`). The published values are in
``parameters/drug_pk_published.toml``; :func:`table` puts both side by side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import tomllib

from ... import scenarios as sc
from ...model import Model
from ...parameters import parameters_dir
from ...simulate import simulate

HOUR = 1.0 / 24.0


@dataclass(frozen=True)
class Regimen:
    """One dose of a drug, the observable that carries its concentration and the time grid.

    Parameters
    ----------
    drug
        The drug.
    scenario
        The single dose, as a scenario.
    observable
        The observable that carries its concentration.
    t_end
        Simulated time [day].
    step
        Output step [day].
    time_unit
        ``"days"`` or ``"hours"``: the unit tmax and half-life are reported in.
    """

    drug: str
    scenario: sc.Scenario
    observable: str
    t_end: float
    step: float
    time_unit: str  # "days" or "hours" for reporting


def regimens() -> dict[str, Regimen]:
    """The single doses the labels describe.

    Returns
    -------
    dict of str to Regimen
        Drug name -> the label's single dose and the observable that shows it.
    """
    once = 1e6  # one dose: the next falls after any horizon used here
    return {
        "denosumab": Regimen(
            "denosumab", sc.denosumab(60.0, every_days=once), "denosumab_ug_ml", 240.0, 0.25, "days"
        ),
        "romosozumab": Regimen(
            "romosozumab", sc.romosozumab(210.0, stop_day=1.0), "romosozumab_ug_ml", 120.0, 0.1, "days"
        ),
        "teriparatide": Regimen(
            "teriparatide", sc.teriparatide(20.0, stop_day=1.0), "teriparatide_pg_ml", 0.5, HOUR / 30, "hours"
        ),
        "zoledronate": Regimen(
            "zoledronate", sc.zoledronate(5.0, every_days=once), "zoledronate_ng_ml", 2.0, HOUR / 30, "hours"
        ),
        "alendronate": Regimen(
            "alendronate", sc.alendronate(70.0, stop_day=7.0), "alendronate_bone_mg", 30.0, 0.1, "days"
        ),
    }


STEADY_STATE_TROUGH: dict[str, tuple[sc.Scenario, float, str]] = {
    "romosozumab": (sc.romosozumab(210.0), 11 * 365.25 / 12, "romosozumab_ug_ml"),
}
"""Drug -> (labelled regimen, day of the trough read, concentration observable): the trough just
before the last of the label's 12 monthly romosozumab doses (steady state is reached by about
month 3), compared with the label's steady-state trough (``trough_ss``). The label's half-life
after repeated doses and its limited accumulation pin the elimination that one dose leaves open."""


def _descriptors(t: np.ndarray, c: np.ndarray) -> dict[str, float]:
    i = int(np.argmax(c))
    cmax, tmax = float(c[i]), float(t[i])
    after_t, after_c = t[i:], c[i:]

    def crossing(level: float) -> float:
        below = np.nonzero(after_c <= level)[0]
        if len(below) == 0:
            return math.nan
        j = int(below[0])
        t0, t1, c0, c1 = after_t[j - 1], after_t[j], after_c[j - 1], after_c[j]
        return float(t0 + (np.log(c0) - np.log(level)) / (np.log(c0) - np.log(c1)) * (t1 - t0))

    return {"cmax": cmax, "tmax": tmax, "t_half": crossing(cmax / 4) - crossing(cmax / 2)}


def profiles(
    model: Model | None = None, params: dict[str, float] | None = None, drugs: list[str] | None = None
) -> dict[str, dict[str, float]]:
    """Our Cmax, tmax and half-life (times in each drug's unit) and bone fractions, by drug.

    Parameters
    ----------
    model
        The flagship model (default: ``load_model("inflammation")``).
    params
        Parameter values [each in its unit] replacing the parameter files' values.
    drugs
        Drugs to simulate (default: every drug of `regimens`).

    Returns
    -------
    dict
        Drug -> descriptor -> value: ``cmax`` (in the concentration observable's unit), ``tmax`` and
        ``t_half`` (in the drug's time unit, hours or days), ``trough_ss`` (steady-state trough, in the
        concentration unit) for the drugs of `STEADY_STATE_TROUGH`, and bone-bound fractions where
        they apply.
    """
    if model is None:
        from ...models import load_model

        model = load_model("inflammation")
    out: dict[str, dict[str, float]] = {}
    for name, reg in regimens().items():
        if drugs is not None and name not in drugs:
            continue
        grid = np.arange(0.0, reg.t_end + reg.step / 2, reg.step)
        sol = simulate(
            model, reg.t_end, params=params, scenario=reg.scenario, t_eval=grid, rtol=1e-8, atol=1e-12
        )
        scale = 24.0 if reg.time_unit == "hours" else 1.0
        if name == "alendronate":
            # a week of 10 mg/day: fraction of the absorbed dose that stays in bone after 3 weeks more
            value = {**{p: model.parameters[p].value for p in ("F_aln",)}, **(params or {})}
            absorbed = 70.0 * value["F_aln"]
            out[name] = {"fraction_to_bone": float(sol["alendronate_bone_mg"][-1]) / absorbed}
            continue
        d = _descriptors(sol.t, sol[reg.observable])
        out[name] = {"cmax": d["cmax"], "tmax": d["tmax"] * scale, "t_half": d["t_half"] * scale}
        if name in STEADY_STATE_TROUGH:
            regimen, day, observable = STEADY_STATE_TROUGH[name]
            ss = simulate(
                model, day, params=params, scenario=regimen, t_eval=[0.0, day], rtol=1e-8, atol=1e-12
            )
            out[name]["trough_ss"] = float(ss[observable][-1])
        if name == "zoledronate":
            bone = simulate(
                model, 1.0, params=params, scenario=reg.scenario, t_eval=[0.0, 1.0], rtol=1e-8, atol=1e-12
            )
            out[name]["fraction_to_bone_24h"] = float(bone["zoledronate_bone_mg"][-1]) / 5.0
    return out


def published() -> dict[str, dict]:
    """``parameters/drug_pk_published.toml`` as a dict (drug -> descriptors).

    Returns
    -------
    dict
        Drug -> its published descriptors, as in the file (values with their units and sources).
    """
    with open(parameters_dir() / "drug_pk_published.toml", "rb") as fh:
        return tomllib.load(fh)


def published_value(entry: dict, key: str, which: str = "") -> float:
    """A published descriptor ('cmax', 'tmax', 't_half', 'trough_ss'), in the unit :func:`profiles` reports.

    ``which`` = "" for the central value, "_low" / "_high" for the published variability.

    Parameters
    ----------
    entry
        One drug's entry of `published`.
    key
        ``"cmax"``, ``"tmax"``, ``"t_half"`` or ``"trough_ss"``.
    which
        ``""`` (central value), ``"_low"`` or ``"_high"``.

    Returns
    -------
    float
        The value, in the unit `profiles` reports.
    """
    unit = "hours" if entry.get("time_unit", "") == "hours" else "days"
    names = {
        "cmax": ["cmax"],
        "trough_ss": ["trough_ss"],
        "tmax": [f"tmax_{unit}", "tmax_days", "tmax_hours"],
        "t_half": [f"t_half_{unit}", "t_half_days", "t_half_hours"],
    }[key]
    for n in names:
        if n + which in entry:
            value = float(entry[n + which])
            if n.endswith("_hours") and unit == "days":
                value /= 24.0
            if n.endswith("_days") and unit == "hours":
                value *= 24.0
            return value
    raise KeyError(f"drug_pk_published.toml has no '{names[0]}{which}' for this drug")


__all__ = ["STEADY_STATE_TROUGH", "Regimen", "profiles", "published", "published_value", "regimens"]
