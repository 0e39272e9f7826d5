"""SBML export and import: libsbml validity, agreement with libRoadRunner, round trips, refusals.

Trajectories are compared state by state as max |a - b| / max(max |b|, 1e-12) over 201 time
points: relative to each state's own scale, with a floor for states that stay at zero up to
round-off (a drug compartment with no dose).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import bonemodel as bm
from bonemodel.cli import main

libsbml = pytest.importorskip("libsbml")
roadrunner = pytest.importorskip("roadrunner")

from bonemodel.interop.sbml_import import SBMLImportError  # noqa: E402

DATA = Path(__file__).parent / "data" / "sbml"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "reference-models"
TIGHT = {"rtol": 1e-10, "atol": 1e-14}


SCALE_FLOOR = 1e-10
"""Smallest scale a state is compared at. A state that stays far below the integrators' absolute
tolerance (1e-14: a flagship state driven by a deviation of ~1e-16, say) is resolved by neither
integrator; at this floor two runs must still agree to 1e-16 absolute, 100 times below that
tolerance."""


def rel_error(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per column: max |a - b| over max |b| (floored at :data:`SCALE_FLOOR`)."""
    return np.abs(a - b).max(axis=0) / np.maximum(np.abs(b).max(axis=0), SCALE_FLOOR)


def roadrunner_run(
    sbml: str, ids: list[str], t_end: float, rtol: float = 1e-10
) -> tuple[np.ndarray, np.ndarray]:
    rr = roadrunner.RoadRunner(sbml)
    rr.integrator.relative_tolerance = rtol
    rr.integrator.absolute_tolerance = 1e-14
    rr.integrator.max_steps = 10**6
    species = set(rr.model.getFloatingSpeciesIds())
    rr.timeCourseSelections = ["time"] + [f"[{i}]" if i in species else i for i in ids]
    grid = np.linspace(0.0, t_end, 201)
    return grid, np.asarray(rr.simulate(times=grid))[:, 1:]


def _cases():
    return {
        "komarova2003-k1-window": (
            "komarova2003",
            bm.Scenario.window("k1", 0.3, start=50.0, stop=120.0),
            400.0,
        ),
        "lemaire2004-addOPG_addRANKL": ("lemaire2004", "addOPG_addRANKL", 140.0),
        "pivonka2008-D_OCp_x10": ("pivonka2008", "D_OCp_x10", 400.0),
        "inflammation-RA-antiTNF": (
            "inflammation",
            bm.scenarios.rheumatoid_arthritis("high") + bm.scenarios.anti_tnf(start_day=180.0),
            730.0,
        ),
    }


CASES = _cases()
CASE_PARAMS = [pytest.param(c, marks=pytest.mark.slow) if c.startswith("inflammation") else c for c in CASES]


@pytest.fixture(scope="module")
def models():
    return {name: bm.load_model(name) for name in bm.list_models()}


@pytest.fixture(scope="module")
def exported(models):
    return {case: bm.to_sbml(models[name], scenario=scenario) for case, (name, scenario, _) in CASES.items()}


# ------------------------------------------------------------------------------ export
@pytest.mark.parametrize("name", ["komarova2003", "lemaire2004", "pivonka2008", "inflammation"])
def test_export_is_valid_level3_version2(models, name):
    text = bm.to_sbml(models[name])
    doc = libsbml.readSBMLFromString(text)
    assert (doc.getLevel(), doc.getVersion()) == (3, 2)
    doc.checkConsistency()
    errors = [doc.getError(i).getMessage() for i in range(doc.getNumErrors()) if doc.getError(i).isError()]
    assert errors == []
    m = doc.getModel()
    model = models[name]
    assert m.getNumRules() == len(model.states) + len(model.expressions) + sum(
        o.name not in model.expressions for o in model.observables
    )
    first = next(iter(model.parameters.params.values()))
    par = m.getParameter(first.name)
    assert par.getValue() == pytest.approx(first.value, rel=1e-14)
    ann = par.getAnnotationString()
    assert first.source in ann and "description=" in ann
    assert par.isSetUnits() or first.unit not in ("1/day", "pM", "1")


def test_export_units_read_from_unit_strings():
    from bonemodel.interop._units import parse_unit

    factor, kinds = parse_unit("1/(pM*day)")
    assert factor == pytest.approx(1 / (1e-12 * 86400))
    assert kinds == {libsbml.UNIT_KIND_MOLE: -1, libsbml.UNIT_KIND_LITRE: 1, libsbml.UNIT_KIND_SECOND: -1}
    assert parse_unit("pM/pM") == (1.0, {})
    assert parse_unit("(nmol/L)/(IU/day)") is None  # IU is not a unit we convert


def test_windows_become_events_at_their_switch_times(exported):
    doc = libsbml.readSBMLFromString(exported["lemaire2004-addOPG_addRANKL"])
    m = doc.getModel()
    triggers = sorted(libsbml.formulaToL3String(e.getTrigger().getMath()) for e in m.getListOfEvents())
    assert triggers == ["time >= 20", "time >= 80"]
    assert m.getInitialAssignment("I_O_scheduled") is not None


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_export_simulated_in_roadrunner_matches_simulate(models, exported, case):
    name, scenario, t_end = CASES[case]
    model = models[name]
    grid, theirs = roadrunner_run(exported[case], model.state_names, t_end)
    ours = bm.simulate(model, t_end, scenario=scenario, t_eval=grid, **TIGHT).to_frame()[model.state_names]
    assert rel_error(ours.to_numpy(), theirs).max() < 1e-6


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_round_trip_simulates_like_the_model(models, exported, case):
    name, scenario, t_end = CASES[case]
    model = models[name]
    back = bm.from_sbml(exported[case])
    assert back.state_names == model.state_names
    assert set(back.observable_names) == set(model.observable_names)
    assert back.input_names == model.input_names
    grid = np.linspace(0.0, t_end, 201)
    a = bm.simulate(model, t_end, scenario=scenario, t_eval=grid, **TIGHT).to_frame()
    b = bm.simulate(
        back, t_end, scenario="events" if back.scenarios else None, t_eval=grid, **TIGHT
    ).to_frame()
    cols = list(a.columns)
    assert rel_error(b[cols].to_numpy(), a[cols].to_numpy()).max() < 1e-8


def test_params_and_overrides_become_the_files_values(models):
    model = models["komarova2003"]
    back = bm.from_sbml(bm.to_sbml(model, scenario="single_cycle", params={"k1": 0.3}))
    assert back.parameters["k1"].value == 0.3  # params win over the scenario's override (0.24)
    assert back.parameters["g11"].value == 0.5  # the scenario's override
    with pytest.raises(bm.ParameterError, match="unknown parameter 'k_1'"):
        bm.to_sbml(model, params={"k_1": 0.3})


def test_round_trip_keeps_parameter_metadata(models):
    model = models["pivonka2008"]
    back = bm.from_sbml(bm.to_sbml(model))
    for name, p in model.parameters.params.items():
        q = back.parameters[name]
        assert (q.unit, q.description, q.source, q.where, q.range, q.lower) == (
            p.unit,
            p.description,
            p.source,
            p.where,
            p.range,
            p.lower,
        )


# ------------------------------------------------------------------------------ import
REFERENCE = {
    # file: time span in days (the span of the paper's figures)
    "BIOMD0000000278_Lemaire2004.xml": 140.0,
    "BIOMD0000000279_Komarova2005_PTH.xml": 1000.0,
    "BIOMD0000000401_Ayati2010_normal.xml": 400.0,
    "BIOMD0000000402_Ayati2010_tumour.xml": 1000.0,
    "BIOMD0000000403_Ayati2010_tumour_drug.xml": 1000.0,
    "BIOMD0000000804_Koenders2015_myeloma.xml": 1000.0,
    # one remodelling event: osteoblasts and osteoclasts rise from 0 and are back below 1e-5
    # of their peaks by day 200, when bone volume has settled
    "BIOMD0000000721_Graham2013.xml": 200.0,
}


@pytest.mark.parametrize("filename", list(REFERENCE))
def test_reference_file_imports_and_simulates_like_roadrunner(filename):
    path = DATA / filename
    t_end = REFERENCE[filename]
    model = bm.from_sbml(path)
    text = path.read_text(encoding="utf-8")
    grid, theirs = roadrunner_run(text, model.state_names, t_end)
    ours = bm.simulate(model, t_end, t_eval=grid, **TIGHT).to_frame()[model.state_names].to_numpy()
    assert rel_error(ours, theirs).max() < 1e-6


def test_graham2013_starts_from_zero_cells():
    # pre-osteoblasts, osteoblasts and osteoclasts start at 0 inside powers P**g; wherever the
    # analytic Jacobian is not finite there, simulate uses difference columns and says so
    from bonemodel.compile import compile_model
    from bonemodel.solvers.scipy_path import ieee_functions

    model = bm.from_sbml(DATA / "BIOMD0000000721_Graham2013.xml")
    assert len(model.states) == 5 and len(model.expressions) >= 10  # reactions, function definitions
    sol = bm.simulate(model, 200.0, **TIGHT)
    zero = ["Pre_Osteoblasts__P", "Osteoblasts__B", "Osteoclasts__C"]
    assert [n for n, v in zip(model.state_names, sol.y[:, 0]) if v == 0] == zero
    compiled = compile_model(model)
    _, jac = ieee_functions(compiled, compiled.vector({}).tolist())
    singular = [
        n for n, ok in zip(model.state_names, np.isfinite(jac(0.0, sol.y[:, 0])).all(axis=0)) if not ok
    ]
    if singular:
        assert sol.meta["jacobian"].startswith(f"analytic; forward differences in the columns of {singular}")
    else:
        assert sol.meta["jacobian"] == "analytic"
    peak = sol.to_frame()[zero].max()
    assert (peak > 1.0).all() and (sol.to_frame()[zero].iloc[-1] < 1e-5 * peak).all()  # a whole event


@pytest.mark.parametrize(
    "filename, element",
    [
        ("BIOMD0000000148_Komarova2003.xml", "<event> 'event_0000001'"),
        ("BIOMD0000000613_PetersonRiggs2010.xml", "<event> 'Event'"),
    ],
)
def test_unsupported_reference_files_are_refused_by_element(filename, element):
    path = DATA / filename if (DATA / filename).exists() else SHARED / filename
    if not path.exists():
        pytest.skip(f"{filename} is not beside the repository")
    with pytest.raises(SBMLImportError, match=element):
        bm.from_sbml(path)


def test_biomodels_lemaire2004_matches_the_shipped_model(models):
    theirs = bm.from_sbml(DATA / "BIOMD0000000278_Lemaire2004.xml")
    ours = models["lemaire2004"]
    assert theirs.state_names == ours.state_names == ["R", "B", "C"]
    y0 = {"R": 2 * 7.734e-4, "B": 0.5 * 7.282e-4, "C": 1.5 * 9.127e-4}  # away from the steady state
    grid = np.linspace(0.0, 140.0, 141)
    a = bm.simulate(theirs, 140.0, t_eval=grid, y0=y0, **TIGHT).to_frame()[ours.state_names].to_numpy()
    b = bm.simulate(ours, 140.0, t_eval=grid, y0=y0, **TIGHT).to_frame()[ours.state_names].to_numpy()
    assert rel_error(a, b).max() < 1e-6
    assert np.ptp(b, axis=0).min() > 1e-5  # the comparison covers a real transient


def test_imported_model_is_a_normal_model():
    model = bm.from_sbml(DATA / "BIOMD0000000278_Lemaire2004.xml")
    ss = bm.steady_state(model)
    assert ss.values["C"] == pytest.approx(9.127e-4, rel=2e-3) and ss.stable
    name = model.parameter_names[0]
    runs = bm.sweep(
        model,
        {name: (0.9 * model.parameters[name].value, 1.1 * model.parameters[name].value)},
        n=4,
        design="lhs",
        t_end=50.0,
        outputs=["C@50"],
        progress=False,
        workers=1,
    )
    assert len(runs) == 4 and runs["C@50"].notna().all()
    shipped = bm.load_model("lemaire2004")
    names = ["C_s", "D_A", "d_B", "k_B"]
    ours = bm.sensitivity.local(model, ["C@50"], params=names, t_end=50.0)["value"].to_numpy()
    reference = bm.sensitivity.local(shipped, ["C@50"], params=names, t_end=50.0)["value"].to_numpy()
    assert np.abs(ours).min() > 1e-3
    assert ours == pytest.approx(reference, rel=1e-8)


_SMALL = """<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
  <model id="small">
    <listOfFunctionDefinitions>
      <functionDefinition id="mass_action">
        <math xmlns="http://www.w3.org/1998/Math/MathML">
          <lambda><bvar><ci> k </ci></bvar><bvar><ci> x </ci></bvar>
            <apply><times/><ci> k </ci><ci> x </ci></apply></lambda>
        </math>
      </functionDefinition>
    </listOfFunctionDefinitions>
    <listOfCompartments>
      <compartment id="cell" size="2" constant="true"/>
    </listOfCompartments>
    <listOfSpecies>
      <species id="A" compartment="cell" initialConcentration="3" hasOnlySubstanceUnits="false"
               boundaryCondition="false" constant="false"/>
      <species id="B" compartment="cell" initialConcentration="0" hasOnlySubstanceUnits="false"
               boundaryCondition="false" constant="false"/>
    </listOfSpecies>
    <listOfParameters>
      <parameter id="k" value="0.5" constant="true"/>
      <parameter id="lambda" value="1" constant="false"/>
    </listOfParameters>
    <listOfReactions>
      <reaction id="conversion" reversible="false">
        <listOfReactants><speciesReference species="A" stoichiometry="1" constant="true"/></listOfReactants>
        <listOfProducts><speciesReference species="B" stoichiometry="2" constant="true"/></listOfProducts>
        <kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML">
          <apply><times/><ci> lambda </ci><ci> cell </ci>
            <apply><ci> mass_action </ci><ci> k </ci><ci> A </ci></apply></apply>
        </math></kineticLaw>
      </reaction>
    </listOfReactions>
    <listOfEvents>
      <event id="stop" useValuesFromTriggerTime="true">
        <trigger initialValue="true" persistent="true"><math xmlns="http://www.w3.org/1998/Math/MathML">
          <apply><geq/><csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/time"> t </csymbol>
            <cn> 1 </cn></apply></math></trigger>
        <listOfEventAssignments><eventAssignment variable="lambda">
          <math xmlns="http://www.w3.org/1998/Math/MathML"><cn> 0 </cn></math></eventAssignment>
        </listOfEventAssignments>
      </event>
    </listOfEvents>
  </model>
</sbml>
"""


def test_reactions_functions_and_time_events_have_their_sbml_meaning():
    model = bm.from_sbml(_SMALL)
    assert "lambda_" in model.parameter_names  # a Python keyword is renamed
    assert [(w.target, w.start, w.stop, w.value) for w in model.scenarios["events"].windows] == [
        ("lambda_", 1.0, np.inf, 0.0)
    ]
    sol = bm.simulate(model, 2.0, scenario="events", t_eval=[0.0, 1.0, 2.0], **TIGHT).to_frame()
    a1 = 3.0 * np.exp(-0.5)  # dA/dt = -k A until t = 1, then the event stops the reaction
    assert sol["A"].to_numpy() == pytest.approx([3.0, a1, a1], rel=1e-8)
    assert sol["B"].to_numpy() == pytest.approx([0.0, 2 * (3.0 - a1), 2 * (3.0 - a1)], rel=1e-8)


def test_a_compartment_sized_by_an_initial_assignment_divides_the_rates():
    text = _SMALL.replace(
        "<listOfSpecies>",
        '<listOfInitialAssignments><initialAssignment symbol="cell"><math xmlns="http://www.w3.org/1998/Math/MathML">'
        "<apply><times/><cn> 2 </cn><ci> k </ci></apply></math></initialAssignment></listOfInitialAssignments>"
        "<listOfSpecies>",
    ).replace(
        'id="A" compartment="cell" initialConcentration="3"', 'id="A" compartment="cell" initialAmount="3"'
    )
    model = bm.from_sbml(text)
    assert "cell" in model.expressions
    sol = bm.simulate(model, 1.0, t_eval=[0.0, 1.0], **TIGHT).to_frame()
    # size 2 k = 1 (not the size attribute 2): concentration 3 / 1, then dA/dt = -k A
    assert sol["A"].to_numpy() == pytest.approx([3.0, 3.0 * np.exp(-0.5)], rel=1e-8)


def test_local_parameters_shadow_global_ones():
    law = "<kineticLaw><math"
    text = _SMALL.replace(
        "</math></kineticLaw>",
        '</math><listOfLocalParameters><localParameter id="k" value="0.25"/></listOfLocalParameters></kineticLaw>',
    )
    assert law in text and text != _SMALL
    model = bm.from_sbml(text)
    assert model.parameters["conversion_k"].value == 0.25 and model.parameters["k"].value == 0.5
    sol = bm.simulate(model, 1.0, t_eval=[0.0, 1.0], **TIGHT).to_frame()
    assert sol["A"].iloc[-1] == pytest.approx(3.0 * np.exp(-0.25), rel=1e-8)


@pytest.mark.parametrize(
    "change, element",
    [
        (
            (
                "<listOfEvents>",
                '<listOfRules><algebraicRule metaid="alg"><math xmlns="http://www.w3.org/1998/Math/MathML"><ci> k </ci></math></algebraicRule></listOfRules><listOfEvents>',
            ),
            "<algebraicRule> 'alg'",
        ),
        (
            (
                '<compartment id="cell" size="2" constant="true"/>',
                '<compartment id="cell" size="2" constant="false"/>',
            ),
            "<compartment> 'cell'",
        ),
        (
            (
                '<csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/time"> t </csymbol>',
                "<ci> A </ci>",
            ),
            "<event> 'stop'.*A >= 1",
        ),
        (
            (
                "<ci> mass_action </ci><ci> k </ci><ci> A </ci>",
                "<ci> mass_action </ci><ci> k </ci><apply><factorial/><ci> A </ci></apply>",
            ),
            "<kineticLaw> 'conversion'.*factorial",
        ),
    ],
)
def test_unsupported_constructs_are_refused_by_name(change, element):
    text = _SMALL.replace(*change)
    assert text != _SMALL
    with pytest.raises(SBMLImportError, match=element):
        bm.from_sbml(text)


# ------------------------------------------------------------------------------ command line
def test_cli_exports_and_simulates_an_sbml_file(tmp_path, models):
    xml = tmp_path / "piv.xml"
    assert main(["export-sbml", "pivonka2008", "--scenario", "PTH_infusion", "-o", str(xml)]) == 0
    csv = tmp_path / "piv.csv"
    assert main(["simulate", str(xml), "--t-end", "200", "--csv", str(csv)]) == 0
    import pandas as pd

    theirs = pd.read_csv(csv, comment="#").set_index("time_day")
    ours = bm.simulate(models["pivonka2008"], 200.0, scenario="PTH_infusion").to_frame()
    assert theirs.index.to_numpy() == pytest.approx(ours.index.to_numpy())
    assert (
        rel_error(theirs[["OBp", "OBa", "OCa"]].to_numpy(), ours[["OBp", "OBa", "OCa"]].to_numpy()).max()
        < 1e-6
    )


def test_cli_names_the_unsupported_element(capsys):
    assert main(["simulate", str(DATA / "BIOMD0000000148_Komarova2003.xml")]) == 2
    assert "<event> 'event_0000001'" in capsys.readouterr().err
