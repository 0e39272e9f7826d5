"""PEtab export of the flagship calibration: PEtab's linter, the tables, and the model values of
the targets recovered by simulating the exported conditions in libRoadRunner."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import bonemodel as bm

libsbml = pytest.importorskip("libsbml")
roadrunner = pytest.importorskip("roadrunner")
petab = pytest.importorskip("petab")

from bonemodel.models.inflammation import calibrate  # noqa: E402
from bonemodel.models.inflammation.target_base import _Runner  # noqa: E402
from bonemodel.models.inflammation.targets import BY_ID, TARGETS  # noqa: E402


@pytest.fixture(scope="module")
def model():
    return bm.load_model("inflammation")


@pytest.fixture(scope="module")
def problem(tmp_path_factory, model):
    out = tmp_path_factory.mktemp("petab")
    yaml = bm.to_petab(out, model=model)
    tables = {
        name: pd.read_csv(out / f"{name}.tsv", sep="\t")
        for name in ("conditions", "observables", "measurements", "parameters", "left_out")
    }
    return yaml, out, tables


def test_petab_linter_finds_no_error(problem):
    from petab.v1 import Problem
    from petab.v1.lint import lint_problem

    yaml, _, _ = problem
    assert lint_problem(Problem.from_yaml(str(yaml))) is False  # True means errors were found


def test_every_core_target_is_measured_or_left_out_with_a_reason(problem):
    _, _, t = problem
    core = {x.id for x in TARGETS if x.stage == "core" and x.calibrated}
    measured = set(t["measurements"]["datasetId"])
    left = set(t["left_out"]["id"])
    assert measured | left == core and not measured & left
    assert len(measured) >= 10
    assert t["left_out"]["reason"].str.len().min() > 20
    for _, row in t["measurements"].iterrows():
        target = BY_ID[row["datasetId"]]
        assert row["measurement"] == pytest.approx(0.5 * (target.low + target.high))
        assert row["noiseParameters"] == pytest.approx(0.5 * (target.high - target.low))


def test_parameter_table_holds_the_calibrated_gains(problem, model):
    _, _, t = problem
    par = t["parameters"].set_index("parameterId")
    assert list(par.index) == list(calibrate.CALIBRATED)
    for name, (lo, hi, _) in calibrate.CALIBRATED.items():
        assert (par.loc[name, "lowerBound"], par.loc[name, "upperBound"]) == (lo, hi)
        assert par.loc[name, "nominalValue"] == model.parameters[name].value
    assert set(par["parameterScale"]) == {"log10"} and set(par["estimate"]) == {1}


def _roadrunner_condition(out, conditions: pd.DataFrame, cid: str):
    doc = libsbml.readSBMLFromFile(str(out / "model.xml"))
    sbml = doc.getModel()
    row = conditions.set_index("conditionId").loc[cid]
    for column, value in row.drop("conditionName").items():
        assert sbml.getParameter(column).setValue(float(value)) == libsbml.LIBSBML_OPERATION_SUCCESS
    rr = roadrunner.RoadRunner(libsbml.writeSBMLToString(doc))
    rr.integrator.relative_tolerance = 1e-10
    rr.integrator.absolute_tolerance = 1e-14
    rr.integrator.max_steps = 10**6
    return rr


class _ExactRunner(_Runner):
    """The targets' runner reading the exact times at tight tolerances (the shipped runner
    interpolates linearly between 5-day output points, which moves a read between them by up
    to ~1e-4 relative)."""

    def _frame(self, scenario, t_end, times):
        grid = sorted({0.0, t_end, *times})
        return bm.simulate(
            self.model, t_end, scenario=scenario, t_eval=grid, rtol=1e-10, atol=1e-14
        ).to_frame()

    def change(self, key, scenario, t_end, name, t0, t1):
        f = self._frame(scenario, t_end, (t0, t1))
        return 100.0 * (f.loc[t1, name] / f.loc[t0, name] - 1.0)

    def at(self, key, scenario, t_end, name, t):
        return float(self._frame(scenario, t_end, (t,)).loc[t, name])


@pytest.mark.slow
@pytest.mark.parametrize("condition", ["ra", "ra_tnf", "mets"])
def test_roadrunner_on_the_conditions_recovers_the_targets_model_values(problem, model, condition):
    _, out, t = problem
    formulas = t["observables"].set_index("observableId")["observableFormula"]
    rows = t["measurements"][t["measurements"]["simulationConditionId"] == condition]
    assert len(rows) >= 1
    rr = _roadrunner_condition(out, t["conditions"], condition)
    runner = _ExactRunner(model, None)
    for _, row in rows.iterrows():
        ids = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", formulas[row["observableId"]])
        rr.resetAll()
        rr.timeCourseSelections = ["time", *ids]
        values = np.asarray(rr.simulate(times=[0.0, row["time"]]))[-1, 1:]
        theirs = values[0] if len(ids) == 1 else 100.0 * (values[0] / values[1] - 1.0)
        ours = BY_ID[row["datasetId"]].compute(runner)
        assert theirs == pytest.approx(ours, rel=1e-6), row["datasetId"]


def test_cli_writes_the_same_problem(tmp_path, problem):
    from bonemodel.cli import main

    _, out, tables = problem
    assert main(["export-petab", str(tmp_path), "--stage", "core"]) == 0
    for name in ("conditions", "observables", "measurements", "parameters"):
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / f"{name}.tsv", sep="\t"), tables[name])
    assert (tmp_path / "model.xml").read_text() == (out / "model.xml").read_text()


def test_unknown_stage_is_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match="unknown calibration stage 'dmab'"):
        bm.to_petab(tmp_path, stage="dmab")
