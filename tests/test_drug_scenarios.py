"""Drug scenarios: bad input refused by name, dosing arithmetic, and sequences built with ``+``.

The drug scenarios (``bonemodel.scenarios``: denosumab, alendronate, zoledronate, teriparatide,
romosozumab, glucocorticoid, methotrexate) turn a regimen into time windows of a dosing input.
These tests check the windows themselves (when each dose falls, how long it lasts, how much it
delivers) and, through the solver, that a window delivers exactly the dose it stands for.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable

import numpy as np
import pytest

import bonemodel as bm
from bonemodel import scenarios as S
from bonemodel.errors import ScenarioError
from bonemodel.scenario import MAX_WINDOWS, Scenario
from bonemodel.scenarios import INJECTION_DAYS

YEAR = 365.25
DOSE_ARGUMENT = {
    "denosumab": "dose_mg",
    "alendronate": "mg_week",
    "zoledronate": "dose_mg",
    "teriparatide": "ug_day",
    "romosozumab": "mg_month",
    "glucocorticoid": "mg_day",
}
"""Drug scenario -> the argument that carries its dose."""
DRUGS = [*DOSE_ARGUMENT, "methotrexate"]
INTERVAL_DRUGS = ["denosumab", "zoledronate"]
"""Drugs whose dosing interval is an argument (``every_days``)."""


def _drug(name: str) -> Callable[..., Scenario]:
    return getattr(S, name)


@pytest.fixture(scope="module")
def model():
    return bm.load_model("inflammation")


# ------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize("drug", list(DOSE_ARGUMENT))
@pytest.mark.parametrize("dose", [-1.0, 0, 0.0, math.nan, math.inf, True, False, "60"])
def test_bad_dose_is_refused_naming_the_argument(drug: str, dose: object):
    argument = DOSE_ARGUMENT[drug]
    with pytest.raises(ScenarioError, match=rf"{drug}: {argument}"):
        _drug(drug)(**{argument: dose})


@pytest.mark.parametrize("drug", INTERVAL_DRUGS)
@pytest.mark.parametrize("every_days", [0, 0.0, -182.5, math.nan])
def test_dosing_interval_must_be_positive(drug: str, every_days: float):
    with pytest.raises(ScenarioError, match=rf"{drug}: every_days"):
        _drug(drug)(every_days=every_days)


@pytest.mark.parametrize("drug", DRUGS)
@pytest.mark.parametrize("stop_day", [100.0, 50.0])
def test_stop_day_must_come_after_start_day(drug: str, stop_day: float):
    with pytest.raises(ScenarioError, match=rf"^{drug}\b[^:]*: stop_day .* must be after start_day"):
        _drug(drug)(start_day=100.0, stop_day=stop_day)


@pytest.mark.parametrize("drug", DRUGS)
@pytest.mark.parametrize("start_day", [math.nan, math.inf, -math.inf])
def test_start_day_must_be_finite(drug: str, start_day: float):
    with pytest.raises(ScenarioError, match=rf"^{drug}\b[^:]*: start_day"):
        _drug(drug)(start_day=start_day)


@pytest.mark.parametrize("drug", DRUGS)
def test_text_start_day_is_refused_naming_the_argument(drug: str):
    with pytest.raises(ScenarioError, match=rf"^{drug}\b[^:]*: start_day"):
        _drug(drug)(start_day="0")


@pytest.mark.parametrize("continuous", [1, 0, 1.0, "yes", None])
def test_teriparatide_continuous_must_be_a_bool(continuous: object):
    with pytest.raises(ScenarioError, match="teriparatide: continuous must be True or False"):
        S.teriparatide(continuous=continuous)


TOO_MANY = {
    "denosumab": lambda: S.denosumab(every_days=1.0, stop_day=MAX_WINDOWS + 1.5),
    "zoledronate": lambda: S.zoledronate(every_days=0.1),
    "teriparatide": lambda: S.teriparatide(stop_day=MAX_WINDOWS + 1.5),
    "romosozumab": lambda: S.romosozumab(stop_day=(MAX_WINDOWS + 1.5) * YEAR / 12),
}


@pytest.mark.parametrize("drug", list(TOO_MANY))
def test_more_doses_than_max_windows_are_refused_naming_an_argument_of_the_drug(drug: str):
    with pytest.raises(ScenarioError, match=rf"{drug}: .* more than {MAX_WINDOWS:,}") as err:
        TOO_MANY[drug]()
    message = str(err.value)
    arguments = set(inspect.signature(_drug(drug)).parameters)
    named = {a for a in ("every_days", "stop_day", "start_day") if a in message}
    assert named, f"the message names no argument: {message}"
    assert named <= arguments, f"the message names {named - arguments}, not arguments of {drug}()"


def test_max_windows_doses_are_still_accepted():
    assert len(S.teriparatide(stop_day=float(MAX_WINDOWS)).windows) == MAX_WINDOWS
    assert len(S.denosumab(every_days=1.0, stop_day=float(MAX_WINDOWS)).windows) == MAX_WINDOWS


# ------------------------------------------------------------------------------ dosing arithmetic
def _check_injections(sc: Scenario, target: str, starts: list[float], dose: float) -> None:
    """Windows on ``target`` start at ``starts``, last INJECTION_DAYS and deliver ``dose`` each."""
    ws = sorted((w for w in sc.windows if w.target == target), key=lambda w: w.start)
    assert [w.start for w in ws] == starts
    for w in ws:
        assert w.stop - w.start == pytest.approx(INJECTION_DAYS, rel=1e-9)
        assert w.value == pytest.approx(dose / INJECTION_DAYS, rel=1e-12)
        assert w.value * (w.stop - w.start) == pytest.approx(dose, rel=1e-9)
        assert not w.scale


def test_denosumab_doses_fall_every_interval_before_stop_day():
    sc = S.denosumab(start_day=10, every_days=182.5, stop_day=400)
    _check_injections(sc, "denosumab_rate", [10.0, 192.5, 375.0], 60.0)
    assert sc.overrides == {}


def test_no_dose_falls_on_stop_day():
    _check_injections(S.denosumab(stop_day=365.0), "denosumab_rate", [0.0, 182.5], 60.0)
    _check_injections(S.zoledronate(stop_day=2 * YEAR), "zoledronate_rate", [0.0, YEAR], 5.0)


def test_zoledronate_doses():
    sc = S.zoledronate(4.0, start_day=10, stop_day=800)
    _check_injections(sc, "zoledronate_rate", [10.0, 10 + YEAR, 10 + 2 * YEAR], 4.0)


def test_romosozumab_doses_are_monthly():
    month = YEAR / 12
    sc = S.romosozumab(start_day=10, stop_day=100)
    _check_injections(sc, "romosozumab_rate", [10.0, 10 + month, 10 + 2 * month], 210.0)


def test_without_stop_day_doses_continue_beyond_any_run():
    ws = S.denosumab(start_day=5).windows
    assert ws[0].start == 5 and ws[-1].start >= 5 + S.DOSING_HORIZON - 182.5


def test_alendronate_is_its_average_daily_rate_while_on():
    assert S.alendronate(70.0).overrides == {"alendronate_rate": pytest.approx(10.0)}
    (w,) = S.alendronate(35.0, start_day=10, stop_day=100).windows
    assert (w.target, w.start, w.stop, w.value) == ("alendronate_rate", 10.0, 100.0, pytest.approx(5.0))


def test_teriparatide_is_daily_for_two_years_by_default():
    sc = S.teriparatide(start_day=3.0)
    days = math.ceil(2 * YEAR)  # day 0 .. day 730 of the course: 731 injections
    _check_injections(sc, "teriparatide_rate", [3.0 + k for k in range(days)], 20.0)
    assert sc.windows[-1].start < 3.0 + 2 * YEAR
    short = S.teriparatide(40.0, start_day=0, stop_day=10)
    _check_injections(short, "teriparatide_rate", [float(k) for k in range(10)], 40.0)


def test_continuous_teriparatide_is_the_daily_dose_as_a_constant_rate():
    assert S.teriparatide(20.0, continuous=True).overrides == {"teriparatide_rate": 20.0}
    (w,) = S.teriparatide(20.0, start_day=5, stop_day=50, continuous=True).windows
    assert (w.start, w.stop, w.value) == (5.0, 50.0, 20.0)


def test_glucocorticoid_and_methotrexate_set_their_inputs():
    assert S.glucocorticoid(5.0).overrides == {"gc_dose": 5.0}
    (w,) = S.methotrexate(start_day=30, stop_day=60).windows
    assert (w.target, w.start, w.stop, w.value) == ("mtx", 30.0, 60.0, 1.0)


@pytest.mark.parametrize(
    "scenario, params, state, amount",
    [
        (S.denosumab(stop_day=400), {"ka_dmab": 0.0}, "A_dmab", 3 * 60.0),
        (S.romosozumab(stop_day=100), {"ka_romo": 0.0}, "A_romo", 4 * 210.0),
        (S.teriparatide(stop_day=3), {"ka_tptd": 0.0}, "A_tptd", 3 * 20.0),
        (S.zoledronate(stop_day=400), {"kren_zol": 0.0, "kupt_zol": 0.0}, "P_zol", 2 * 5.0),
    ],
)
def test_the_solver_delivers_each_dose_in_full(model, scenario, params, state, amount):
    """With absorption (or elimination) switched off the drug's first compartment keeps every
    dose: the integrator must see each 15-minute window whole."""
    sol = bm.simulate(model, 450.0, scenario=scenario, params=params, t_eval=[0.0, 450.0])
    assert sol[state][-1] == pytest.approx(amount, rel=1e-6)


# ------------------------------------------------------------------------------ sequences
SEQUENCES = {
    "romosozumab then denosumab": (S.romosozumab(stop_day=365) + S.denosumab(start_day=365), 365.0),
    "denosumab then zoledronate": (
        S.denosumab(stop_day=730) + S.zoledronate(start_day=730, stop_day=731),
        730.0,
    ),
    "alendronate for 5 years": (S.alendronate(stop_day=5 * YEAR), 5 * YEAR),
}


@pytest.mark.parametrize("name", list(SEQUENCES))
def test_drug_sequences_simulate_to_plausible_results(model, name: str):
    sc, switch = SEQUENCES[name]
    t_end = 6 * YEAR
    grid = np.linspace(0.0, t_end, 73)
    sol = bm.simulate(model, t_end, scenario=sc, t_eval=grid)
    assert np.isfinite(sol.y).all() and np.isfinite(sol.observable_values).all()
    spine, hip = sol["bmd_spine_pct"], sol["bmd_hip_pct"]
    on_first = (grid > 0) & (grid <= switch)
    assert (spine[on_first] > 0).all() and (hip[on_first] > 0).all(), "BMD rises on the first drug"
    assert np.diff(spine[on_first]).min() > -0.5, "no spine BMD loss while on the first drug"
    # plausible: a few points to a few tens of points in six years, never a collapse or an explosion
    assert 2.0 < spine.max() < 30.0 and spine.min() > -1e-9
    assert sol["ocp_pool_rel"].min() > 0.5 and sol["ocp_pool_rel"].max() < 4.0
