"""The flagship calibration problem as PEtab v1 (SBML model + TSV tables + YAML).

Which targets PEtab can hold is decided by reading what each target computes: every target's
``compute`` is run once against a recording stand-in for the simulation runner, which returns a
marker value instead of simulating. A target whose value *is* one read — an observable at one
time in one scenario, or its % change between two times of one scenario — becomes a
measurement; a target that combines several reads (a difference or ratio between trial arms, a
rate, a maximum over arms, a quantity solved for) is left out, with the reason, in
``left_out.tsv``. PEtab measures one observable at one time in one condition, so those cannot
be written exactly.

* conditions: one per scenario the measurements use; overrides are columns, windows (doses,
  disease courses) are events in the SBML gated by the condition's indicator parameter
  ``cond_<id>`` (1 in that condition, 0 otherwise);
* a % change from ``t0`` reads a reference parameter set by an event at ``t0`` (an initial
  assignment when ``t0 = 0``), so it is exact;
* measurements: the centre of the target's band, the band's half-width as the noise standard
  deviation (normal noise); targets with a one-sided band are left out;
* parameters: the calibrated gains (``calibrate.CALIBRATED`` for stage "core", or the drug's
  ``DRUG_CALIBRATED`` entry) with their bounds, ``log10`` scale and estimate = 1.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import libsbml
import numpy as np
import pandas as pd
import sympy as sp

from ..model import TIME, Model
from ..runtime import check_value
from ..scenario import Scenario
from .sbml_export import _check, _math, _parameter, build_document

_MARK = 0.123456789012345
"""What the recording runner returns for every read: a target returning exactly this is one read."""


class _Fake:
    def __init__(self, recorder: _Recorder, key: str, scenario: Scenario) -> None:
        self.recorder, self.key, self.scenario = recorder, key, scenario

    def at(self, name: str, t: float) -> float:
        self.recorder.reads.append(("at", self.key, self.scenario, name, float(t), None))
        return _MARK

    def __getitem__(self, name: str) -> Any:
        self.recorder.reads.append(("series", self.key, self.scenario, name, math.nan, None))
        return np.full(2, _MARK)


class _Cache(dict):
    """The runner's cache; a solved-for quantity (``activation_crp_...``) counts as a read."""

    def __init__(self, recorder: _Recorder) -> None:
        super().__init__()
        self.recorder = recorder

    def __contains__(self, key: object) -> bool:
        return True

    def __getitem__(self, key: Any) -> Any:
        self.recorder.reads.append(("solved", str(key), None, "", math.nan, None))
        return _MARK


class _Recorder:
    """Stands in for ``target_base._Runner``: records the reads a target makes."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.params: dict[str, float] = {}
        self.reads: list[tuple] = []
        self._cache = _Cache(self)

    def run(self, key: str, scenario: Scenario, t_end: float) -> _Fake:
        return _Fake(self, key, scenario)

    def change(self, key: str, scenario: Scenario, t_end: float, name: str, t0: float, t1: float) -> float:
        self.reads.append(("change", key, scenario, name, float(t1), float(t0)))
        return _MARK

    def at(self, key: str, scenario: Scenario, t_end: float, name: str, t: float) -> float:
        self.reads.append(("at", key, scenario, name, float(t), None))
        return _MARK


def classify(model: Model, targets: Sequence[Any]) -> tuple[list[dict], list[dict]]:
    """Split targets into single reads (PEtab measurements) and the rest (with reasons).

    Parameters
    ----------
    model
        The flagship model.
    targets
        Clinical targets (``targets.TARGETS`` entries).

    Returns
    -------
    tuple of list of dict
        ``(kept, left)``: the targets that are one value at one time (each as a record of its
        read), and the others with the reason they are left out.
    """
    kept, left = [], []
    for target in targets:
        rec = _Recorder(model)
        try:
            value = target.compute(rec)
        except Exception as exc:  # a compute that needs real numbers: not a single read
            left.append(
                {"id": target.id, "reason": f"needs simulated values to decide ({type(exc).__name__})"}
            )
            continue
        reads = rec.reads
        if len(reads) != 1 or reads[0][0] not in ("at", "change") or value != _MARK:
            kinds = sorted({r[0] for r in reads})
            keys = sorted({r[1] for r in reads})
            if len(reads) == 1 and reads[0][0] in ("at", "change"):
                why = "a transform of one read (e.g. 100 (x - 1)), which is no observable of the model"
            else:
                why = (
                    f"combines {len(reads)} reads ({', '.join(kinds)}) of {len(keys)} simulation(s) "
                    f"({', '.join(keys)}): a difference, ratio, rate or solved-for value"
                )
            left.append({"id": target.id, "reason": why})
            continue
        if not (math.isfinite(target.low) and math.isfinite(target.high)):
            left.append({"id": target.id, "reason": "one-sided band: no centre and width for a normal noise"})
            continue
        kind, key, scenario, name, t1, t0 = reads[0]
        kept.append(
            {
                "target": target,
                "kind": kind,
                "key": key,
                "scenario": scenario,
                "name": name,
                "time": t1,
                "t0": t0,
            }
        )
    return kept, left


def _cid(key: str) -> str:
    out = re.sub(r"[^A-Za-z0-9_]", "_", key)
    return out if out[:1].isalpha() else f"c_{out}"


def to_petab(
    out_dir: str | Path,
    *,
    stage: str = "core",
    model: Model | None = None,
    targets: Sequence[Any] | None = None,
) -> Path:
    """Write the flagship calibration problem of one stage as a PEtab v1 problem.

    Parameters
    ----------
    out_dir
        Folder to write ``model.xml``, ``conditions.tsv``, ``observables.tsv``,
        ``measurements.tsv``, ``parameters.tsv``, ``left_out.tsv`` and ``problem.yaml`` into.
    stage
        Calibration stage: ``"core"`` (the disease and lifestyle gains) or a drug module's name.
    model, targets
        The flagship model and its targets (default: ``load_model("inflammation")`` and
        ``targets.TARGETS``).

    Returns
    -------
    Path
        The problem's YAML file (give it to ``petablint -y`` or a PEtab tool).
    """
    from ..models import load_model
    from ..models.inflammation import calibrate
    from ..models.inflammation.targets import TARGETS

    model = load_model("inflammation") if model is None else model
    if stage == "core":
        free = calibrate.CALIBRATED
    elif stage in calibrate.DRUG_CALIBRATED:
        free = calibrate.DRUG_CALIBRATED[stage]
    else:
        raise ValueError(
            f"unknown calibration stage '{stage}'; known: core, {', '.join(calibrate.DRUG_CALIBRATED)}"
        )
    chosen = [t for t in (TARGETS if targets is None else targets) if t.stage == stage and t.calibrated]
    kept, left = classify(model, chosen)
    if not kept:
        raise ValueError(f"no target of stage '{stage}' is a single read PEtab can hold")

    conditions: dict[str, Scenario] = {}
    for k in kept:
        cid = _cid(k["key"])
        if cid in conditions and conditions[cid] != k["scenario"]:
            cid = _cid(f"{k['key']}_{len(conditions)}")
        conditions.setdefault(cid, k["scenario"])
        k["condition"] = cid
    indicators = {cid: f"cond_{cid}" for cid in conditions}

    values = {n: p.value for n, p in model.parameters.params.items()}
    values.update({u.name: float(u.default) for u in model.inputs})
    doc = build_document(
        model,
        values,
        [(indicators[c], sc) for c, sc in conditions.items()],
        extra_parameters={ind: 0.0 for ind in indicators.values()},
    )
    sbml = doc.getModel()

    observables, refs = [], {}
    for k in kept:
        name = k["name"]
        if k["kind"] == "at":
            obs_id, formula = f"obs_{name}", name
        else:
            ref = refs.get((name, k["t0"]))
            if ref is None:
                ref = f"{name}_at_{len(refs) + 1}"
                refs[(name, k["t0"])] = ref
                _reference(sbml, ref, name, k["t0"])
            obs_id, formula = f"obs_{name}_change_{ref.rsplit('_', 1)[1]}", f"100 * ({name} / {ref} - 1)"
        k["observable"] = obs_id
        observables.append({"observableId": obs_id, "observableFormula": formula})
    _check(doc, model.name)

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "model.xml").write_text(libsbml.writeSBMLToString(doc), encoding="utf-8")

    obs = pd.DataFrame(observables).drop_duplicates("observableId")
    obs["observableName"] = obs["observableId"]
    obs["noiseFormula"] = "noiseParameter1_" + obs["observableId"]
    obs["noiseDistribution"] = "normal"
    obs["observableTransformation"] = "lin"
    obs.to_csv(out / "observables.tsv", sep="\t", index=False)

    free_names = set(free)
    rows = []
    for cid, sc in conditions.items():
        row: dict[str, Any] = {"conditionId": cid, "conditionName": sc.name}
        row.update({ind: float(ind == indicators[cid]) for ind in indicators.values()})
        for target, value in sc.overrides.items():
            if target in free_names:
                raise ValueError(f"scenario '{sc.name}' sets '{target}', which the calibration estimates")
            row[target] = check_value(model, target, value)
        rows.append(row)
    cond = pd.DataFrame(rows)
    for col in cond.columns[2:]:
        cond[col] = cond[col].fillna(values.get(col, 0.0))
    cond.to_csv(out / "conditions.tsv", sep="\t", index=False)

    meas = pd.DataFrame(
        [
            {
                "observableId": k["observable"],
                "simulationConditionId": k["condition"],
                "time": k["time"],
                "measurement": 0.5 * (k["target"].low + k["target"].high),
                "noiseParameters": 0.5 * (k["target"].high - k["target"].low),
                "datasetId": k["target"].id,
            }
            for k in kept
        ]
    )
    meas.to_csv(out / "measurements.tsv", sep="\t", index=False)

    par = pd.DataFrame(
        [
            {
                "parameterId": n,
                "parameterName": model.parameters[n].description,
                "parameterScale": "log10",
                "lowerBound": lo,
                "upperBound": hi,
                "nominalValue": model.parameters[n].value,
                "estimate": 1,
            }
            for n, (lo, hi, _) in free.items()
        ]
    )
    par.to_csv(out / "parameters.tsv", sep="\t", index=False)
    pd.DataFrame(left, columns=["id", "reason"]).to_csv(out / "left_out.tsv", sep="\t", index=False)

    yaml = out / "problem.yaml"
    yaml.write_text(
        "format_version: 1\n"
        "parameter_file: parameters.tsv\n"
        "problems:\n"
        "- condition_files: [conditions.tsv]\n"
        "  measurement_files: [measurements.tsv]\n"
        "  observable_files: [observables.tsv]\n"
        "  sbml_files: [model.xml]\n",
        encoding="utf-8",
    )
    return yaml


def _reference(sbml: libsbml.Model, ref: str, name: str, t0: float) -> None:
    """A parameter holding ``name``'s value at ``t0`` (event, or initial assignment at 0)."""
    _parameter(sbml, ref, None, "", constant=t0 <= 0)
    if t0 <= 0:
        ia = sbml.createInitialAssignment()
        ia.setSymbol(ref)
        ia.setMath(_math(sp.Symbol(name), {}))
        return
    sbml.getParameter(ref).setValue(math.nan)
    ev = sbml.createEvent()
    ev.setId(f"{ref}_event")
    ev.setUseValuesFromTriggerTime(True)
    trigger = ev.createTrigger()
    trigger.setInitialValue(True)
    trigger.setPersistent(True)
    trigger.setMath(_math(sp.Ge(TIME, sp.Float(t0)), {}))
    ea = ev.createEventAssignment()
    ea.setVariable(ref)
    ea.setMath(_math(sp.Symbol(name), {}))
