"""Drug modules of the inflammation model: silent without a drug, PK against the labels, the
mechanisms each drug must show, and every drug target computable.

PD parameters are still being calibrated, so nothing here asserts a calibrated number: the tests
assert signs, orders, mechanisms and the published PK spread. Trials run as in
``drug_targets``: 5 years after the start of menopause (``TRIAL_START``), against the same woman
without the drug (placebo). A mechanism the model does not show yet is an xfail(strict=True)
carrying the measured numbers, so it turns into a failure (to be promoted) once it holds.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pytest

import bonemodel as bm
from bonemodel import scenarios as S
from bonemodel.model import Model
from bonemodel.models.inflammation import ALL, build, pk
from bonemodel.models.inflammation import targets as T
from bonemodel.scenario import Scenario
from bonemodel.solution import Solution

YEAR = 365.25
MONTH = YEAR / 12
T0 = T.TRIAL_START
DRUG_MODULES = (
    "methotrexate",
    "denosumab",
    "bisphosphonates",
    "teriparatide",
    "romosozumab",
    "glucocorticoid",
)
DRUG_OBSERVABLES = [
    "denosumab_ug_ml",
    "alendronate_ng_ml",
    "alendronate_bone_mg",
    "zoledronate_ng_ml",
    "zoledronate_bone_mg",
    "teriparatide_pg_ml",
    "romosozumab_ug_ml",
    "glucocorticoid_mg_day",
    "methotrexate_effect",
    "sclerostin_neutralised",
    "lining_cell_lrp_freed",
    "modeling_formation_rel",
    "pth_modeling_formation_rel",
]
"""Drug concentrations and effects: 0 (to round-off) while no drug is given."""
PK_SPREAD_FALLBACK = 0.25
"""Relative band around a published central value where no spread is published."""


@pytest.fixture(scope="module")
def model() -> Model:
    return bm.load_model("inflammation")


@cache
def _without_precursors() -> Model:
    return build(modules=[m for m in ALL if m != "precursors"])


_RUNS: dict[tuple, Solution] = {}
_trapezoid = getattr(np, "trapezoid", None) or np.trapz


def _trial(model: Model, drug: Scenario | None, t_end: float) -> Solution:
    """Menopause (plus ``drug``) to ``t_end`` with daily output; memoised within the test run."""
    key = (id(model), repr(drug), t_end)
    if key not in _RUNS:
        sc = S.menopause() if drug is None else S.menopause() + drug
        grid = np.append(np.arange(0.0, t_end, 1.0), t_end)
        _RUNS[key] = bm.simulate(model, t_end, scenario=sc, t_eval=grid)
    return _RUNS[key]


def _change(sol: Solution, name: str, t0: float, t1: float) -> float:
    """% change of ``name`` from t0 to t1."""
    return 100.0 * (sol.at(name, t1) / sol.at(name, t0) - 1.0)


def _vs_placebo(drug: Solution, placebo: Solution, name: str, months: float) -> float:
    """Difference of the % changes from the trial's start (BMD-like observables, % points)."""
    t1 = T0 + months * MONTH
    return _change(drug, name, T0, t1) - _change(placebo, name, T0, t1)


def _ratio(drug: Solution, placebo: Solution, name: str, t: float) -> float:
    return drug.at(name, t) / placebo.at(name, t)


# ------------------------------------------------------------------------------ silent without drug
def _drug_states(model: Model) -> list[str]:
    """States the drug modules add (found by building the model without them)."""
    bare = build(modules=[m for m in ALL if m not in DRUG_MODULES])
    names = sorted(set(model.state_names) - set(bare.state_names))
    assert {"C_dmab", "S_zol", "C_tptd", "C_romo", "G_gc", "M_mtx"} <= set(names)
    return names


def test_without_drugs_nothing_feeds_the_drug_states(model):
    """Exactly: at rest values of the drug states, the rest of the model adds nothing to them."""
    compiled = bm.compile_model(model)
    p = compiled.vector(dict(S.menopause().overrides))
    sol = bm.simulate(model, 10 * YEAR, scenario=S.menopause(), t_eval=np.linspace(0.0, 10 * YEAR, 41))
    idx = [model.state_names.index(n) for n in _drug_states(model)]
    rest = compiled.initial(p)[idx]
    for t, y in zip(sol.t, sol.y.T):
        y = y.copy()
        y[idx] = rest
        assert (compiled.rhs(t, y, p)[idx] == 0.0).all(), f"a drug state moves at day {t:g} without a drug"


def test_without_drugs_the_drug_states_and_observables_stay_at_rest(model):
    """To round-off: the solver's linear algebra may leave ~1e-23 mg in a drug compartment."""
    sol = bm.simulate(model, 10 * YEAR, scenario=S.menopause())
    for name in _drug_states(model):
        rest = sol[name][0]
        assert rest in (0.0, 1.0)
        assert np.abs(sol[name] - rest).max() < 1e-15, f"{name} moves without a drug"
    for name in DRUG_OBSERVABLES:
        assert np.abs(sol[name]).max() < 1e-15, f"{name} is not 0 without a drug"


@pytest.mark.parametrize(
    "condition", [S.menopause(), S.rheumatoid_arthritis("high")], ids=["menopause", "RA high"]
)
def test_precursor_pool_is_nearly_neutral_without_a_rankl_blocker(model, condition):
    """parameters/inflammation_precursors.toml: commitment saturates near physiological RANKL, so
    ordinary RANKL changes barely move the pool (it must not damp the disease's bone loss)."""
    sol = bm.simulate(model, 10 * YEAR, scenario=condition)
    pool = sol["ocp_pool_rel"]
    assert np.abs(pool - 1.0).max() < 0.05


# ------------------------------------------------------------------------------ PK vs the labels
@pytest.fixture(scope="module")
def profiles(model) -> dict[str, dict[str, float]]:
    return pk.profiles(model)


def _band(entry: dict, key: str) -> tuple[float, float]:
    """The published spread of a descriptor, or +-25 % around its central value if none is published."""
    try:
        return pk.published_value(entry, key, "_low"), pk.published_value(entry, key, "_high")
    except KeyError:
        central = pk.published_value(entry, key)
        return (1 - PK_SPREAD_FALLBACK) * central, (1 + PK_SPREAD_FALLBACK) * central


def _outside(ours: dict[str, float], drug: str, key: str) -> str:
    """'' when our descriptor is inside the published band, else what is wrong."""
    low, high = _band(pk.published()[drug], key)
    value = ours[drug][key]
    return "" if low <= value <= high else f"{drug} {key} {value:.4g} outside {low:.4g}..{high:.4g}"


@pytest.mark.parametrize("drug", ["denosumab", "romosozumab"])
@pytest.mark.parametrize("key", ["cmax", "tmax", "t_half"])
def test_antibody_pk_within_the_published_spread(profiles, drug, key):
    assert _outside(profiles, drug, key) == ""


def test_romosozumab_steady_state_trough_within_a_quarter_of_the_label(profiles):
    """Monthly dosing reaches the label's trough instead of accumulating (the trough pins the
    elimination that one dose leaves open)."""
    assert _outside(profiles, "romosozumab", "trough_ss") == ""


@pytest.mark.parametrize("key", ["tmax", "t_half"])
def test_teriparatide_pk_within_a_quarter_of_the_label(profiles, key):
    central = pk.published_value(pk.published()["teriparatide"], key)
    assert profiles["teriparatide"][key] == pytest.approx(central, rel=PK_SPREAD_FALLBACK)


def test_bisphosphonate_uptake_by_bone(profiles):
    zol = pk.published()["zoledronate"]
    assert zol["fraction_to_bone_24h_low"] <= profiles["zoledronate"]["fraction_to_bone_24h"]
    assert profiles["zoledronate"]["fraction_to_bone_24h"] <= zol["fraction_to_bone_24h_high"]
    assert 0.4 <= profiles["alendronate"]["fraction_to_bone"] <= 0.6


def test_a_badly_perturbed_pk_parameter_leaves_the_published_band(model):
    """The PK check can fail: a five-fold central volume cuts denosumab's Cmax far below the label's."""
    ours = pk.profiles(model, params={"V_dmab": 20.0}, drugs=["denosumab"])
    assert _outside(ours, "denosumab", "cmax").startswith("denosumab cmax")


# ------------------------------------------------------------------------------ denosumab
_DMAB_24 = S.denosumab(start_day=T0, stop_day=T0 + 2 * YEAR - 1)
_MISSED = T0 + 2 * YEAR
"""The dose that is not given: two years after the first."""


def _dmab_off(model: Model) -> Solution:
    return _trial(model, _DMAB_24, T0 + 4 * YEAR)


def _peak_ctx_after_stopping(sol: Solution) -> float:
    """Highest CTX in the 12 months after the missed dose, relative to CTX before treatment."""
    m = (sol.t >= _MISSED) & (sol.t <= _MISSED + YEAR)
    return float(sol["ctx_rel"][m].max()) / sol.at("ctx_rel", T0)


def test_denosumab_fills_the_precursor_pool(model):
    sol = _dmab_off(model)
    on = (sol.t >= T0) & (sol.t < _MISSED)
    assert sol["ocp_pool_rel"][on].max() > 1.5
    assert sol.at("ocp_pool_rel", T0) < 1.05


@pytest.mark.xfail(
    strict=True,
    reason="the pool peaks at ~2.0 a few months after each dose but is down to ~1.26 at the missed dose: in "
    "the last weeks of each interval serum denosumab (~0.05 ug/mL) is only ~5 x IC50_dmab, enough to keep CTX "
    "suppressed (test below) but not to stop RANKL committing precursors (K_pool = 0.05)",
)
def test_precursor_pool_is_full_when_denosumab_stops(model):
    assert _dmab_off(model).at("ocp_pool_rel", _MISSED) > 1.5


def test_denosumab_keeps_ctx_down_until_the_next_dose(model):
    sol, placebo = _dmab_off(model), _trial(model, None, T0 + 4 * YEAR)
    for k in (1, 2, 3, 4):
        t = T0 + k * 182.5 - 5.0
        assert _ratio(sol, placebo, "ctx_rel", t) < 0.8, f"CTX escapes before dose {k + 1}"


def test_ctx_rebounds_above_pretreatment_after_denosumab_stops_then_the_pool_settles(model):
    sol, placebo = _dmab_off(model), _trial(model, None, T0 + 4 * YEAR)
    assert _peak_ctx_after_stopping(sol) > 1.1
    assert _ratio(sol, placebo, "ctx_rel", _MISSED + 2 * MONTH) > 1.1, "the rebound is above placebo too"
    pool = sol["ocp_pool_rel"]
    assert abs(pool[-1] - 1.0) < 0.05 and abs(pool[-1] - 1.0) < abs(pool.max() - 1.0) / 5


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="without module 'precursors' CTX still peaks ~52 % above its pre-treatment level after the "
    "missed dose (with it: ~46 %): on denosumab the active osteoblasts, and the OPG they make, fall "
    "through the coupling, so free RANKL overshoots when the antibody goes; the rebound comes from the "
    "core's OPG at least as much as from the pool",
)
def test_without_the_precursor_pool_there_is_no_rebound(model):
    sol = _trial(_without_precursors(), _DMAB_24, T0 + 4 * YEAR)
    assert _peak_ctx_after_stopping(sol) <= 1.02


# ------------------------------------------------------------------------------ teriparatide (D6)
def _pth_pattern(model: Model, continuous: bool) -> tuple[Solution, float]:
    drug = S.teriparatide(start_day=T0, stop_day=T0 + YEAR, continuous=continuous)
    sol = _trial(model, drug, T0 + YEAR + 1)
    return sol, _vs_placebo(sol, _trial(model, None, T0 + YEAR + 1), "bmd_spine_rel", 12.0)


def test_daily_teriparatide_builds_spine_bone_and_the_pattern_decides(model):
    _, daily = _pth_pattern(model, continuous=False)
    cont_sol, continuous = _pth_pattern(model, continuous=True)
    assert cont_sol.at("teriparatide_pg_ml", T0 + 6 * MONTH) > 0  # the infusion is on
    assert daily > 1.0
    assert daily - continuous > 2.0


def test_continuous_teriparatide_does_not_raise_spine_bmd(model):
    _, continuous = _pth_pattern(model, continuous=True)
    assert continuous <= 0.0


def _tptd_course(model: Model, params: dict[str, float] | None = None) -> tuple[Solution, Solution]:
    """19 months of daily teriparatide from T0 (Neer 2001's course) and its placebo, daily output."""
    t_end = T0 + 19 * MONTH
    if not params:
        return _trial(model, S.teriparatide(start_day=T0, stop_day=t_end), t_end), _trial(model, None, t_end)
    grid = np.append(np.arange(0.0, t_end, 1.0), t_end)
    sc = S.menopause() + S.teriparatide(start_day=T0, stop_day=t_end)
    return bm.simulate(model, t_end, scenario=sc, params=params, t_eval=grid), _trial(model, None, t_end)


def test_teriparatide_modeling_based_formation_comes_early_and_fades(model):
    """Reactivated lining cells form bone first (P1NP up within a month), then the pool is used."""
    sol, _ = _tptd_course(model)
    t1, t12 = T0 + MONTH, T0 + 12 * MONTH
    assert _change(sol, "p1np_rel", T0, t1) > 50.0
    mbf = sol["pth_modeling_formation_rel"]
    peak = int(np.argmax(mbf))
    assert sol.t[peak] < T0 + 3 * MONTH  # the response peaks within the first months
    assert 0.0 < sol.at("pth_modeling_formation_rel", t12) < 0.6 * mbf[peak]  # the pool is used
    cont = _trial(model, S.teriparatide(start_day=T0, stop_day=T0 + YEAR, continuous=True), T0 + YEAR + 1)
    # the same dose infused stays below the anabolic threshold: ~1 % of the injections' response
    assert np.abs(cont["pth_modeling_formation_rel"]).max() < 0.02 * mbf[peak]


def test_teriparatide_activation_raises_ctx_and_opens_the_remodeling_space(model):
    """More BMUs (g_N): CTX rises over months, and the resorbed-not-yet-refilled space costs BMD."""
    with_n, placebo = _tptd_course(model)
    without, _ = _tptd_course(model, {"g_N": 0.0})
    t1, t6 = T0 + MONTH, T0 + 6 * MONTH
    assert _change(with_n, "ctx_rel", T0, t6) > _change(without, "ctx_rel", T0, t6) + 20.0
    assert with_n.at("activation_frequency_rel", t6) > with_n.at("activation_frequency_rel", t1) > 1.0
    for months in (6.0, 12.0):
        assert _vs_placebo(with_n, placebo, "bmd_spine_rel", months) < _vs_placebo(
            without, placebo, "bmd_spine_rel", months
        )


# ------------------------------------------------------------------------------ antiresorptives
ANTIRESORPTIVES = {
    "alendronate": S.alendronate(start_day=T0),
    "zoledronate": S.zoledronate(start_day=T0),
    "denosumab": S.denosumab(start_day=T0),
}


@pytest.mark.parametrize("drug", list(ANTIRESORPTIVES))
def test_antiresorptives_lower_ctx_and_raise_bmd_and_mineral_density(model, drug):
    t_end = T0 + 3 * YEAR + 1
    sol, placebo = _trial(model, ANTIRESORPTIVES[drug], t_end), _trial(model, None, t_end)
    m = (sol.t >= T0) & (sol.t <= T0 + 3 * YEAR)
    mean_ctx = _trapezoid(sol["ctx_rel"][m], sol.t[m]) / _trapezoid(placebo["ctx_rel"][m], placebo.t[m])
    assert mean_ctx < 0.8, f"{drug}: mean CTX over 3 years {mean_ctx:.2f}x placebo"
    for site in ("spine", "hip"):
        assert _vs_placebo(sol, placebo, f"bmd_{site}_rel", 36.0) > 2.0
    t3 = T0 + 3 * YEAR
    assert sol.at("tmd_spine_pct", t3) > placebo.at("tmd_spine_pct", t3)


def test_romosozumab_raises_p1np_early_and_lowers_ctx(model):
    t_end = T0 + YEAR
    sol = _trial(model, S.romosozumab(start_day=T0, stop_day=T0 + YEAR - 1), t_end)
    placebo = _trial(model, None, t_end)
    for months in (1.0, 2.0, 3.0):
        assert _ratio(sol, placebo, "p1np_rel", T0 + months * MONTH) > 1.05
        assert _ratio(sol, placebo, "ctx_rel", T0 + months * MONTH) < 0.9


def test_romosozumab_early_formation_is_mostly_modeling_based(model):
    """Eriksen 2022: the rise of formation at month 2 is modeling-based (lining cells on quiescent
    surfaces), not remodeling-based; the lining cells answer to near-complete neutralisation only."""
    t_end = T0 + YEAR
    sol = _trial(model, S.romosozumab(start_day=T0, stop_day=T0 + YEAR - 1), t_end)
    placebo = _trial(model, None, t_end)
    t2 = T0 + 2 * MONTH
    rise = sol.at("p1np_rel", t2) - placebo.at("p1np_rel", t2)
    assert rise > 0.5
    assert sol.at("modeling_formation_rel", t2) > 0.5 * rise
    assert sol.at("sclerostin_neutralised", t2) > 0.9
    # and the modeling-based formation wanes on continued dosing as the surfaces are used up
    assert sol.at("modeling_formation_rel", T0 + 11.5 * MONTH) < 0.5 * sol.at("modeling_formation_rel", t2)


def test_training_frees_no_lining_cell_receptors(model):
    """Only the antibody drives the lining cells: the training and lifestyle targets keep the
    mechanical module's Wnt response alone."""
    t_end = T0 + YEAR
    sol = _trial(model, S.resistance_training(start_day=T0), t_end)
    assert sol.at("sclerostin_rel", T0 + 3 * MONTH) < 0.85  # training lowers sclerostin partly
    assert np.abs(sol["lining_cell_lrp_freed"]).max() == 0.0
    assert np.abs(sol["modeling_formation_rel"]).max() == 0.0


# ------------------------------------------------------------------------------ methotrexate (D5)
def test_methotrexate_does_nothing_to_bone_without_ra(model):
    t_end = T0 + 2 * YEAR
    sol = _trial(model, S.methotrexate(start_day=T0), t_end)
    assert sol.at("methotrexate_effect", t_end) > 0.1  # it is taken
    assert abs(_vs_placebo(sol, _trial(model, None, t_end), "bmd_spine_rel", 24.0)) < 0.05


def test_methotrexate_reduces_the_spine_loss_of_active_ra(model):
    ra, entry = S.rheumatoid_arthritis("high") + S.ageing(), T.RA_ENTRY
    t_end = entry + 2 * YEAR
    loss = {}
    for arm, sc in (("ra", ra), ("mtx", ra + S.methotrexate(start_day=entry))):
        sol = bm.simulate(model, t_end, scenario=sc, t_eval=[0.0, entry, t_end])
        loss[arm] = -_change(sol, "bmd_spine_rel", entry, t_end)
    assert loss["ra"] > 0 and loss["mtx"] < loss["ra"] - 0.5


# ------------------------------------------------------------------------------ glucocorticoids (D4)
_GC_DOSES = (1.5, 5.0, 10.0)


def test_glucocorticoid_hip_risk_rises_with_dose_beyond_its_bmd_loss(model):
    t1 = T0 + YEAR
    placebo = _trial(model, None, T0 + 1.5 * YEAR)
    g, sd = model.parameters["G_hip"].value, model.parameters["SD_pct_hip"].value
    rrs = []
    for dose in _GC_DOSES:
        sol = _trial(model, S.glucocorticoid(dose, start_day=T0), t1)
        rr = _ratio(sol, placebo, "fracture_rr_hip", t1)
        d_bmd = _vs_placebo(sol, placebo, "bmd_hip_rel", 12.0)
        assert d_bmd < 0
        assert rr > g ** (-d_bmd / sd), f"{dose} mg/day: RR {rr:.3g} no more than BMD alone gives"
        rrs.append(rr)
    assert 1.0 < rrs[0] < rrs[1] < rrs[2]


def test_glucocorticoid_hip_risk_falls_back_within_six_months_of_stopping(model):
    t_stop, t_end = T0 + YEAR, T0 + 1.5 * YEAR
    sol = _trial(model, S.glucocorticoid(10.0, start_day=T0, stop_day=t_stop), t_end)
    placebo = _trial(model, None, t_end)
    on, off = _ratio(sol, placebo, "fracture_rr_hip", t_stop), _ratio(sol, placebo, "fracture_rr_hip", t_end)
    assert on > 1.5
    assert off - 1.0 < 0.5 * (on - 1.0)


_GC_LATE_OVER_FIRST = 1.0 / 3.0
"""Largest spine loss of a later year over the first year's: a rapid first phase of 3-5 % in the
first year, then 0.5-1 %/yr during continued use (Curr Rheumatol Rep 2011, doi
10.1007/s11926-011-0173-y), i.e. 0.1-0.33; Canalis 2007: "the early rapid decline in BMD is
followed by a slower progressive decline"."""


def test_glucocorticoid_bone_loss_is_front_loaded_and_slows(model):
    """7.5 mg/day for 5 years: the loss is front-loaded (clinical targets D4; a steady rate would put
    half of the first year's spine loss in its first 6 months, we ask for more than 60 %), and the
    loss in year 5 is at most a third of the first year's."""
    t_end = T0 + 5 * YEAR
    sol = _trial(model, S.glucocorticoid(7.5, start_day=T0), t_end)
    placebo = _trial(model, None, t_end)
    spine = {y: _vs_placebo(sol, placebo, "bmd_spine_rel", 12.0 * y) for y in (0.5, 1, 4, 5)}
    first, fifth = -spine[1], spine[4] - spine[5]
    assert first > 1.0, f"first-year spine loss {first:.2f} %"
    assert -spine[0.5] > 0.6 * first, f"6 months {-spine[0.5]:.2f} of {first:.2f} %"
    assert 0.0 < fifth < _GC_LATE_OVER_FIRST * first, f"year 5 {fifth:.2f} %/yr vs year 1 {first:.2f} %"


def test_glucocorticoid_trabecular_bone_comes_back_after_stopping(model):
    """A year of 10 mg/day, then 24 weeks off: trabecular BMD (vs placebo) regains more than a
    quarter of what the course took (Laan 1993: 5.3 of 8.2 points within 24 weeks of stopping,
    95 % CI of the recovery 0.7 to 9.9), because the remodeling space the course opened refills
    once resorption falls back."""
    t_stop, t_end = T0 + YEAR, T0 + YEAR + 24 * 7.0
    sol = _trial(model, S.glucocorticoid(10.0, start_day=T0, stop_day=t_stop), t_end)
    placebo = _trial(model, None, t_end)

    def trab(t: float) -> float:
        return _change(sol, "Min_trab", T0, t) - _change(placebo, "Min_trab", T0, t)

    lost, regained = -trab(t_stop), trab(t_end) - trab(t_stop)
    assert lost > 3.0
    assert regained > max(0.7, 0.25 * lost), f"regained {regained:.2f} of {lost:.2f} points"


_GC_WEEK_FALL = 16.0
"""Smallest fall (%) of the formation marker after a week of 20 mg/day: Gram 1998 found PICP down
25.9 % and osteocalcin 34.7 % at most (10 mg prednisolone twice daily, 7 days, normal men); the
clinical target D4_p1np_1w takes +-10 points around PICP."""


def test_glucocorticoids_lower_formation_within_a_week_and_keep_it_below_placebo(model):
    """Formation falls within days, before the osteoblast number can change (Gram 1998; osteocalcin
    down within 24 hours, Godschalk 1988), and stays below placebo on 7.5 mg/day at 3 and 6 months
    while resorption is up (Prummel 1991: osteocalcin still low at 12 weeks; Engvall 2008: P1NP
    fell on 7.5 mg/day)."""
    week = T0 + 7.0
    sol = _trial(model, S.glucocorticoid(20.0, start_day=T0), T0 + 30.0)
    placebo = _trial(model, None, T0 + YEAR)
    p1np = 100.0 * (_ratio(sol, placebo, "p1np_rel", week) - 1.0)
    oba = 100.0 * (_ratio(sol, placebo, "OBa", week) - 1.0)
    assert p1np < -_GC_WEEK_FALL, f"P1NP {p1np:.1f} % after a week of 20 mg/day"
    assert abs(oba) < 0.25 * abs(p1np), f"osteoblasts {oba:.1f} % vs P1NP {p1np:.1f} %"
    long = _trial(model, S.glucocorticoid(7.5, start_day=T0), T0 + YEAR)
    for months in (3.0, 6.0):
        t = T0 + months * MONTH
        assert _ratio(long, placebo, "p1np_rel", t) < 1.0, f"P1NP at {months:g} months"
        assert _ratio(long, placebo, "ctx_rel", t) > 1.0, f"CTX at {months:g} months"


# ------------------------------------------------------------------------------ drug targets
_STAGES = sorted({t.stage for t in T.TARGETS if t.stage != "core"})


@pytest.mark.parametrize(
    "stage", [pytest.param(s, marks=pytest.mark.slow) if s == "teriparatide" else s for s in _STAGES]
)
def test_every_drug_target_evaluates_to_a_number(model, stage):
    """Calibration is in progress: only computability is asserted, not the bands."""
    ids = [t.id for t in T.TARGETS if t.stage == stage]
    table = T.evaluate(model, ids=ids)
    assert list(table["id"]) == ids
    for _, row in table.iterrows():
        assert math.isfinite(row["ours"]), f"{row['id']}: {row['note']}"
