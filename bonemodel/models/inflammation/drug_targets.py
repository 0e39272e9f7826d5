"""The drug targets of ``../shared/clinical-targets.md`` (T4, T6, T7, D1-D6) as data.

Operationalisations (what a reader should know):

* Osteoporosis drug trials start 20 years after the start of menopause (``OP_START``, age ~70,
  as in FREEDOM, FIT, HORIZON, Neer 2001 and FRAME; Bone 2011's younger women with low bone
  mass 8 years after, ``LOW_MASS_START``); the placebo arm is the same woman without the drug (placebo arms
  got calcium and vitamin D, which the model's reference diet already covers). "From baseline"
  is the % change from the trial's start; "vs placebo" is the difference of the % changes (BMD,
  % points) or the ratio of the values (markers, %).
* Fracture relative risks of a trial are incidence ratios over its duration: the mean of the
  hazard ratio (our ``fracture_rr_*``) over the trial against placebo's.
* Glucocorticoid fracture risks (van Staa 2000) are for current use: 12 months of the dose in a
  postmenopausal woman against the same woman without it; doses 1.5, 5 and 10 mg/day stand for
  the < 2.5, 2.5-7.5 and >= 7.5 mg/day strata; the bands are +-20 % around the point estimates.
* The time course of glucocorticoid bone loss is read in one 5-year course of 7.5 mg/day in the
  same woman, against placebo: the spine loss of the first year (fitted) and of the fifth year (a
  check: the slowing is a result of the remodeling cycle, not fitted). Laan 1993's taper is read
  as written in its abstract: 10 mg/day, tapered between weeks 12 and 20. Formation (P1NP, the
  model's formation marker, standing for the procollagen propeptides and osteocalcin the studies
  measured) is read against placebo after a week of 20 mg/day and after a year of 7.5 mg/day.
* Targets marked ``calibrated=False`` are checks: above all what happens after a drug stops,
  which must be a result of the model, not a fit. Denosumab's one PD parameter (its in-vivo
  IC50) is fitted to the bone-turnover markers it acts through (T4 CTX, D1 CTX and P1NP); its
  BMD gains (T4, D1) are then predictions of the bone model, not fits. Romosozumab is fitted to
  the spine (D3_romo_12m, D3_spine) and the waning of P1NP; its hip difference (D3_hip) is a check,
  because the model's hip follows its spine (the two sites are nearly the same compartment mix).
"""

from __future__ import annotations

import math

import numpy as np

from ... import scenarios as sc
from ...scenario import Scenario
from .target_base import RA_ENTRY, TRIAL_START, YEAR, Target, _pm, _Runner, _t

MONTH = YEAR / 12
OP_START = 20 * YEAR
"""Day on which the osteoporosis drug trials start: 20 years after the start of menopause (age
~70; FREEDOM's women were 72 on average, FIT's 68, HORIZON's 73, Neer's 69, FRAME's 71), when
the placebo arm loses spine BMD at ~0.4 %/yr, as those placebo arms did."""
LOW_MASS_START = 8 * YEAR
"""Bone 2011 (D1) enrolled younger women with low bone mass (mean age 59): ~8 years past menopause."""


def _from_start(
    r: _Runner, key: str, drug: Scenario, name: str, months: float, t_end: float, start: float = OP_START
) -> float:
    """% change of ``name`` from the trial's start after ``months`` on ``drug``."""
    return r.change(key, _pm(drug), t_end, name, start, start + months * MONTH)


def _vs_placebo(
    r: _Runner,
    key: str,
    drug: Scenario,
    name: str,
    months: float,
    t_end: float,
    ratio: bool = False,
    start: float = OP_START,
) -> float:
    """Drug vs placebo after ``months``: difference of % changes (BMD) or % ratio (markers)."""
    t1 = start + months * MONTH
    placebo = f"placebo_{t_end:g}"
    if ratio:
        ours = r.at(key, _pm(drug), t_end, name, t1)
        ctrl = r.at(placebo, _pm(), t_end, name, t1)
        return 100.0 * (ours / ctrl - 1.0)
    ours = r.change(key, _pm(drug), t_end, name, start, t1)
    ctrl = r.change(placebo, _pm(), t_end, name, start, t1)
    return ours - ctrl


def _incidence_ratio(r: _Runner, key: str, drug: Scenario, name: str, years: float, t_end: float) -> float:
    """Mean hazard ratio (fracture_rr_*) on the drug over the trial, over placebo's."""

    def mean(sol) -> float:
        t = sol.t
        m = (t >= OP_START) & (t <= OP_START + years * YEAR)
        return float(np.trapezoid(sol[name][m], t[m]) / (t[m][-1] - t[m][0]))

    return mean(r.run(key, _pm(drug), t_end)) / mean(r.run(f"placebo_{t_end:g}", _pm(), t_end))


# ---------------------------------------------------------------------------------- regimens
_END3 = OP_START + 3 * YEAR + 1.0
_END5 = OP_START + 5 * YEAR + 1.0
_DMAB = sc.denosumab(start_day=OP_START)
_DMAB_24 = sc.denosumab(start_day=OP_START, stop_day=OP_START + 2 * YEAR - 1)
_D1_END = LOW_MASS_START + 4 * YEAR + 1.0
_D1 = sc.denosumab(start_day=LOW_MASS_START, stop_day=LOW_MASS_START + 2 * YEAR - 1)
"""Bone 2011: four doses (24 months), then followed off treatment for 24 months."""
_ALN = sc.alendronate(start_day=OP_START)
_ALN_5 = sc.alendronate(start_day=OP_START, stop_day=OP_START + 5 * YEAR)
_ZOL = sc.zoledronate(start_day=OP_START, stop_day=OP_START + 3 * YEAR - 1)
_TPTD_END = OP_START + 19 * MONTH
_TPTD = sc.teriparatide(start_day=OP_START, stop_day=_TPTD_END)
_TPTD_CONT = sc.teriparatide(start_day=OP_START, stop_day=OP_START + YEAR, continuous=True)
_ROMO = sc.romosozumab(start_day=OP_START, stop_day=OP_START + YEAR - 1)
_ROMO_DMAB = _ROMO + sc.denosumab(start_day=OP_START + YEAR, stop_day=OP_START + 2 * YEAR - 1)
_GC_DOSES = {"low": 1.5, "medium": 5.0, "high": 10.0}
_GC_RR = {
    "hip": {"low": 0.99, "medium": 1.77, "high": 2.27},
    "vertebral": {"low": 1.55, "medium": 2.59, "high": 5.18},
}
_RA_HIGH = sc.rheumatoid_arthritis("high") + sc.ageing()


def _gc(dose: float, stop: float | None = None) -> Scenario:
    return sc.glucocorticoid(dose, start_day=TRIAL_START, stop_day=stop)


def _gc_rr(r: _Runner, site: str, level: str) -> float:
    dose = _GC_DOSES[level]
    name = f"fracture_rr_{site}"
    t1 = TRIAL_START + YEAR
    return r.at(f"gc_{level}", _pm(_gc(dose)), t1, name, t1) / r.at("placebo_gc", _pm(), t1, name, t1)


def _gc_offset(r: _Runner) -> float:
    """Share of the hip RR excess left 6 months after stopping a year of 10 mg/day."""
    t_stop, t1 = TRIAL_START + YEAR, TRIAL_START + 1.5 * YEAR
    on = r.at("gc_stop", _pm(_gc(10.0, t_stop)), t1, "fracture_rr_hip", t_stop)
    on /= r.at("placebo_gc15", _pm(), t1, "fracture_rr_hip", t_stop)
    off = r.at("gc_stop", _pm(_gc(10.0, t_stop)), t1, "fracture_rr_hip", t1)
    off /= r.at("placebo_gc15", _pm(), t1, "fracture_rr_hip", t1)
    return (off - 1.0) / (on - 1.0)


_GC_LONG = 7.5
"""Daily dose of the long-term course (mg/day): where van Staa 2000's top stratum begins."""
_GC_LONG_END = TRIAL_START + 5 * YEAR + 1.0


def _gc_spine(r: _Runner, years: float) -> float:
    """Spine BMD vs placebo (% points) after ``years`` of 7.5 mg/day (read in one 5-year course)."""
    drug = _gc(_GC_LONG)
    t1 = TRIAL_START + years * YEAR
    ours = r.change("gc_5y", _pm(drug), _GC_LONG_END, "bmd_spine_rel", TRIAL_START, t1)
    ctrl = r.change("placebo_gc5y", _pm(), _GC_LONG_END, "bmd_spine_rel", TRIAL_START, t1)
    return ours - ctrl


def _gc_p1np(r: _Runner, key: str, dose: float, days: float, t_end: float) -> float:
    """P1NP on ``dose`` mg/day over placebo's after ``days`` on it (%): the formation marker."""
    t1 = TRIAL_START + days
    ours = r.at(key, _pm(_gc(dose)), t_end, "p1np_rel", t1)
    return 100.0 * (ours / r.at("placebo_gc5y", _pm(), _GC_LONG_END, "p1np_rel", t1) - 1.0)


_GC_WEEK = 20.0
"""Daily dose (mg/day) of Gram 1998's week of prednisolone (10 mg twice daily)."""


_LAAN_WEEKS = ((12, 10.0), (8 / 3, 7.5), (8 / 3, 5.0), (8 / 3, 2.5))
"""Laan 1993's taper: 10 mg/day prednisone, "tapered between weeks 12 and 20" (the abstract); the
three equal steps of the taper are our reading."""


def _laan_taper() -> Scenario:
    total, day = Scenario(), RA_ENTRY
    for weeks, dose in _LAAN_WEEKS:
        total = total + sc.glucocorticoid(dose, start_day=day, stop_day=day + 7 * weeks)
        day += 7 * weeks
    return total


def _laan(r: _Runner, phase: str) -> float:
    """Trabecular BMD change in active RA on the taper, RA alone subtracted (Laan's placebo arm)."""
    t20, t44 = RA_ENTRY + 140.0, RA_ENTRY + 308.0
    a, b = (RA_ENTRY, t20) if phase == "on" else (t20, t44)
    ours = r.change("laan", _RA_HIGH + _laan_taper(), t44, "Min_trab", a, b)
    base = r.change("laan_placebo", _RA_HIGH, t44, "Min_trab", a, b)
    return ours - base


def _dmab_off(r: _Runner, what: str) -> float:
    """Denosumab 24 months then stopped (Bone 2011): spine BMD 24 months later, peak CTX after stopping."""
    sol = r.run("d1", _pm(_D1), _D1_END)
    if what == "bmd":
        return _vs_placebo(r, "d1", _D1, "bmd_spine_rel", 48.0, _D1_END, start=LOW_MASS_START)
    t = sol.t
    m = (t >= LOW_MASS_START + 2 * YEAR) & (t <= _D1_END)
    base = sol.at("ctx_rel", LOW_MASS_START)
    return 100.0 * (float(np.max(sol["ctx_rel"][m])) / base - 1.0)


def _flex(r: _Runner) -> float:
    """FLEX: hip BMD 5 years after stopping 5 years of alendronate minus continuing (points)."""
    t_end = OP_START + 10 * YEAR
    t5, t10 = OP_START + 5 * YEAR, t_end
    stop = r.change("aln_5", _pm(_ALN_5), t_end, "bmd_hip_rel", t5, t10)
    cont = r.change("aln_10", _pm(_ALN), t_end, "bmd_hip_rel", t5, t10)
    return stop - cont


def _romo_waning(r: _Runner) -> float:
    """P1NP rise at 12 months over its rise at 1 month on romosozumab (FRAME: back near baseline)."""
    t_end = OP_START + 2 * YEAR
    early = _from_start(r, "romo_dmab", _ROMO_DMAB, "p1np_rel", 1.0, t_end)
    late = _from_start(r, "romo_dmab", _ROMO_DMAB, "p1np_rel", 11.5, t_end)
    return late / early if early > 0 else math.nan


def _romo_then_dmab(r: _Runner, name: str) -> float:
    t_end = OP_START + 2 * YEAR
    seq = _from_start(r, "romo_dmab", _ROMO_DMAB, name, 24.0, t_end)
    dmab = _from_start(r, "dmab_24", _DMAB_24, name, 24.0, OP_START + 4 * YEAR)
    return seq - dmab


def _pth_pattern(r: _Runner, key: str, drug: Scenario, t_end: float) -> float:
    """Spine BMD vs placebo after 12 months of PTH from ``OP_START``, read in the run ``key`` to ``t_end``.

    Daily injections are read in the Neer course (``_TPTD``, 19 months): up to 12 months it has
    the doses, segments and output times of a 12-month course, so the same numbers to the last bit.
    """
    return _vs_placebo(r, key, drug, "bmd_spine_rel", 12.0, t_end)


def _mtx(r: _Runner, where: str) -> float:
    if where == "healthy":
        t_end = TRIAL_START + 2 * YEAR
        mtx = sc.methotrexate(start_day=TRIAL_START)
        return _vs_placebo(r, "mtx_pm", mtx, "bmd_spine_rel", 24.0, t_end, start=TRIAL_START)
    t_end = RA_ENTRY + 2 * YEAR
    return r.change(
        "ra_mtx", _RA_HIGH + sc.methotrexate(start_day=RA_ENTRY), t_end, "bmd_spine_rel", RA_ENTRY, t_end
    )


def _d(id, scenario, observable, low, high, unit, source, compute, stage, calibrated=True) -> Target:
    return _t(id, scenario, observable, low, high, unit, source, compute, calibrated, stage)


DRUG_TARGETS: list[Target] = [
    # ----------------------------------------------------------------- T4 / D1: denosumab
    _d(
        "T4_ctx_1m",
        "denosumab 60 mg/6 months, 1 month",
        "ctx change",
        -90.0,
        -75.0,
        "%",
        "Eastell2011 (unverified)",
        lambda r: _from_start(r, "dmab", _DMAB, "ctx_rel", 1.0, _END5),
        "denosumab",
    ),
    _d(
        "T4_ctx_6m",
        "denosumab 60 mg/6 months, 6 months (before the 2nd dose)",
        "ctx change",
        -85.0,
        -45.0,
        "%",
        "Eastell2011 (partial recovery before each dose; month-6 value unverified)",
        lambda r: _from_start(r, "dmab", _DMAB, "ctx_rel", 5.9, _END5),
        "denosumab",
    ),
    _d(
        "T4_hip_36m",
        "denosumab 60 mg/6 months, 36 months",
        "bmd_hip change",
        4.0,
        6.0,
        "%",
        "Cummings2009",
        lambda r: _from_start(r, "dmab", _DMAB, "bmd_hip_rel", 36.0, _END5),
        "denosumab",
        calibrated=False,
    ),
    _d(
        "T4_spine_36m",
        "denosumab 60 mg/6 months, 36 months",
        "bmd_spine vs placebo",
        8.0,
        10.5,
        "% points",
        "Cummings2009 (unverified)",
        lambda r: _vs_placebo(r, "dmab", _DMAB, "bmd_spine_rel", 36.0, _END5),
        "denosumab",
        calibrated=False,
    ),
    _d(
        "T4_spine_5y",
        "denosumab 60 mg/6 months, 5 years",
        "bmd_spine change",
        12.0,
        15.0,
        "%",
        "Papapoulos2012 (still rising at 5 years)",
        lambda r: _from_start(r, "dmab", _DMAB, "bmd_spine_rel", 60.0, _END5),
        "denosumab",
        calibrated=False,
    ),
    _d(
        "D1_spine",
        "denosumab 60 mg/6 months, 24 months",
        "bmd_spine vs placebo",
        5.4,
        7.4,
        "% points",
        "Bone2011 (+6.4; band +-1)",
        lambda r: _vs_placebo(r, "d1", _D1, "bmd_spine_rel", 24.0, _D1_END, start=LOW_MASS_START),
        "denosumab",
        calibrated=False,
    ),
    _d(
        "D1_hip",
        "denosumab 60 mg/6 months, 24 months",
        "bmd_hip vs placebo",
        2.6,
        4.6,
        "% points",
        "Bone2011 (+3.6; band +-1)",
        lambda r: _vs_placebo(r, "d1", _D1, "bmd_hip_rel", 24.0, _D1_END, start=LOW_MASS_START),
        "denosumab",
        calibrated=False,
    ),
    _d(
        "D1_ctx",
        "denosumab 60 mg/6 months, 24 months",
        "ctx vs placebo",
        -78.0,
        -48.0,
        "%",
        "Bone2011 (-63; band +-15)",
        lambda r: _vs_placebo(r, "d1", _D1, "ctx_rel", 23.9, _D1_END, ratio=True, start=LOW_MASS_START),
        "denosumab",
    ),
    _d(
        "D1_p1np",
        "denosumab 60 mg/6 months, 24 months",
        "p1np vs placebo",
        -62.0,
        -32.0,
        "%",
        "Bone2011 (-47; band +-15)",
        lambda r: _vs_placebo(r, "d1", _D1, "p1np_rel", 23.9, _D1_END, ratio=True, start=LOW_MASS_START),
        "denosumab",
    ),
    _d(
        "D1_off_bmd",
        "denosumab 24 months, then 24 months off",
        "bmd_spine vs placebo",
        -2.0,
        2.0,
        "% points",
        "Bone2011 (BMD back to about placebo levels within 1-2 years of stopping; a model result, not fitted)",
        lambda r: _dmab_off(r, "bmd"),
        "denosumab",
        calibrated=False,
    ),
    _d(
        "D1_off_ctx",
        "denosumab 24 months, then off",
        "peak ctx above baseline",
        20.0,
        150.0,
        "%",
        "Bone2011 (CTX rises above baseline within months of stopping; size unverified; a model result)",
        lambda r: _dmab_off(r, "ctx"),
        "denosumab",
        calibrated=False,
    ),
    # ---------------------------------------------------------------- T6 / D2: bisphosphonates
    _d(
        "T6_spine_12m",
        "alendronate 70 mg/week, 12 months",
        "bmd_spine change",
        4.0,
        6.0,
        "%",
        "Liberman1995",
        lambda r: _from_start(r, "aln", _ALN, "bmd_spine_rel", 12.0, _END3),
        "bisphosphonates",
    ),
    _d(
        "T6_spine_36m",
        "alendronate 70 mg/week, 36 months",
        "bmd_spine vs placebo",
        7.5,
        10.0,
        "% points",
        "Liberman1995",
        lambda r: _vs_placebo(r, "aln", _ALN, "bmd_spine_rel", 36.0, _END3),
        "bisphosphonates",
    ),
    _d(
        "T6_hip_36m",
        "alendronate 70 mg/week, 36 months",
        "bmd_hip (femoral neck) vs placebo",
        4.5,
        7.0,
        "% points",
        "Liberman1995",
        lambda r: _vs_placebo(r, "aln", _ALN, "bmd_hip_rel", 36.0, _END3),
        "bisphosphonates",
    ),
    _d(
        "T6_plateau",
        "alendronate 70 mg/week, 6 -> 12 months",
        "further ctx change",
        -10.0,
        10.0,
        "% points",
        "Liberman1995 (markers plateau by 6 months)",
        lambda r: (
            _from_start(r, "aln", _ALN, "ctx_rel", 12.0, _END3)
            - _from_start(r, "aln", _ALN, "ctx_rel", 6.0, _END3)
        ),
        "bisphosphonates",
    ),
    _d(
        "D2_vertebral",
        "zoledronate 5 mg yearly, 3 years",
        "vertebral fracture incidence ratio",
        0.24,
        0.38,
        "RR",
        "Black2007 (3.3 % vs 10.9 %: 0.30, 95 % CI 0.24-0.38)",
        lambda r: _incidence_ratio(r, "zol", _ZOL, "fracture_rr_vertebral", 3.0, _END3),
        "bisphosphonates",
    ),
    _d(
        "D2_hip",
        "zoledronate 5 mg yearly, 3 years",
        "hip fracture incidence ratio",
        0.42,
        0.83,
        "RR",
        "Black2007 (-41 %: 0.59, 95 % CI 0.42-0.83)",
        lambda r: _incidence_ratio(r, "zol", _ZOL, "fracture_rr_hip", 3.0, _END3),
        "bisphosphonates",
    ),
    _d(
        "D2_flex",
        "alendronate 5 years then 5 years off vs continued",
        "bmd_hip difference",
        -3.5,
        -1.0,
        "% points",
        "Black2006 (FLEX: total hip -2.4 points on stopping; unverified; a model result)",
        _flex,
        "bisphosphonates",
        calibrated=False,
    ),
    # ---------------------------------------------------------------- T7 / D6: teriparatide
    _d(
        "T7_p1np_1m",
        "teriparatide 20 ug/day, 1 month",
        "p1np change",
        80.0,
        130.0,
        "%",
        "Neer2001",
        lambda r: _from_start(r, "tptd", _TPTD, "p1np_rel", 1.0, _TPTD_END),
        "teriparatide",
    ),
    _d(
        "T7_p1np_6m",
        "teriparatide 20 ug/day, 6 months",
        "p1np change",
        150.0,
        250.0,
        "%",
        "Neer2001",
        lambda r: _from_start(r, "tptd", _TPTD, "p1np_rel", 6.0, _TPTD_END),
        "teriparatide",
    ),
    _d(
        "T7_ctx_6m",
        "teriparatide 20 ug/day, 6 months",
        "ctx change",
        40.0,
        80.0,
        "%",
        "Neer2001",
        lambda r: _from_start(r, "tptd", _TPTD, "ctx_rel", 6.0, _TPTD_END),
        "teriparatide",
    ),
    _d(
        "T7_spine",
        "teriparatide 20 ug/day, 19 months",
        "bmd_spine vs placebo",
        7.0,
        11.0,
        "% points",
        "Neer2001",
        lambda r: _vs_placebo(r, "tptd", _TPTD, "bmd_spine_rel", 19.0, _TPTD_END),
        "teriparatide",
    ),
    _d(
        "T7_hip",
        "teriparatide 20 ug/day, 19 months",
        "bmd_hip (femoral neck) vs placebo",
        2.0,
        4.0,
        "% points",
        "Neer2001",
        lambda r: _vs_placebo(r, "tptd", _TPTD, "bmd_hip_rel", 19.0, _TPTD_END),
        "teriparatide",
        # a check, not fitted: with the site mixes pinned by the RA targets the hip gains ~0.85 times
        # the spine in the model, so fitting both would only split T7_spine's miss with this one
        calibrated=False,
    ),
    _d(
        "T7_order",
        "teriparatide 20 ug/day, 1 month",
        "p1np rise - ctx rise",
        0.0,
        math.inf,
        "% points",
        "Neer2001 (formation markers rise before resorption markers)",
        lambda r: (
            _from_start(r, "tptd", _TPTD, "p1np_rel", 1.0, _TPTD_END)
            - _from_start(r, "tptd", _TPTD, "ctx_rel", 1.0, _TPTD_END)
        ),
        "teriparatide",
    ),
    _d(
        "D6_daily",
        "PTH 20 ug/day as daily injections, 12 months",
        "bmd_spine vs placebo",
        0.0,
        math.inf,
        "% points",
        "Neer2001; Lemaire2004 (same hormone, the pattern decides)",
        lambda r: _pth_pattern(r, "tptd", _TPTD, _TPTD_END),
        "teriparatide",
    ),
    _d(
        "D6_continuous",
        "PTH 20 ug/day as a continuous infusion, 12 months",
        "bmd_spine vs placebo",
        -math.inf,
        0.0,
        "% points",
        "Lemaire2004; Pivonka2008 (continuous PTH is catabolic)",
        lambda r: _pth_pattern(r, "tptd_cont", _TPTD_CONT, OP_START + YEAR),
        "teriparatide",
    ),
    # ---------------------------------------------------------------- D3: romosozumab
    _d(
        "D3_romo_12m",
        "romosozumab 210 mg monthly, 12 months",
        "bmd_spine vs placebo",
        11.0,
        15.5,
        "% points",
        "Cosman2016 (FRAME +13.3, unverified)",
        lambda r: _vs_placebo(r, "romo_dmab", _ROMO_DMAB, "bmd_spine_rel", 12.0, OP_START + 2 * YEAR),
        "romosozumab",
    ),
    _d(
        "D3_spine",
        "romosozumab 12 months then denosumab 12 vs denosumab 24 months",
        "bmd_spine difference",
        7.0,
        11.5,
        "% points",
        "Cosman2024 (+9.3)",
        lambda r: _romo_then_dmab(r, "bmd_spine_rel"),
        "romosozumab",
    ),
    _d(
        "D3_hip",
        "romosozumab 12 months then denosumab 12 vs denosumab 24 months",
        "bmd_hip difference",
        3.3,
        5.5,
        "% points",
        "Cosman2024 (+4.4; a check, not fitted: the model's hip follows its spine, see DRUG_MISSES)",
        lambda r: _romo_then_dmab(r, "bmd_hip_rel"),
        "romosozumab",
        calibrated=False,
    ),
    _d(
        "D3_waning",
        "romosozumab 210 mg monthly",
        "p1np rise at 12 months / at 1 month",
        -0.5,
        0.4,
        "x",
        "Cosman2016 (formation markers back near baseline by month 12 on continued dosing)",
        _romo_waning,
        "romosozumab",
    ),
    # ---------------------------------------------------------------- D4: glucocorticoids
    *[
        _d(
            f"D4_{site}_{level}",
            f"prednisolone {_GC_DOSES[level]:g} mg/day, 12 months",
            f"fracture_rr_{site}",
            0.8 * _GC_RR[site][level],
            1.2 * _GC_RR[site][level],
            "RR",
            f"vanStaa2000 ({_GC_RR[site][level]:g}; band +-20 %)",
            lambda r, s=site, lv=level: _gc_rr(r, s, lv),
            "glucocorticoid",
        )
        for site in ("hip", "vertebral")
        for level in ("low", "medium", "high")
    ],
    _d(
        "D4_offset",
        "prednisolone 10 mg/day for 12 months, 6 months after stopping",
        "hip RR excess left",
        -math.inf,
        0.5,
        "x",
        "vanStaa2000 (risk back towards baseline soon after stopping)",
        _gc_offset,
        "glucocorticoid",
    ),
    _d(
        "D4_spine_12m",
        f"prednisolone {_GC_LONG:g} mg/day, 12 months",
        "bmd_spine vs placebo",
        -5.0,
        -3.0,
        "% points",
        "CurrRheumatolRep2011 (biphasic loss: 3-5 % in the first year of treatment)",
        lambda r: _gc_spine(r, 1.0),
        "glucocorticoid",
    ),
    _d(
        "D4_spine_late",
        f"prednisolone {_GC_LONG:g} mg/day, year 5",
        "spine loss rate vs placebo",
        0.5,
        3.0,
        "%/yr",
        "CurrRheumatolRep2011 (then 0.5-1 %/yr); 1-3 %/yr as widely cited from vanStaa2002 and "
        "LoCascio 1990 (not re-read); a model result, not fitted",
        lambda r: _gc_spine(r, 4.0) - _gc_spine(r, 5.0),
        "glucocorticoid",
        calibrated=False,
    ),
    _d(
        "D4_p1np_1w",
        f"prednisolone {_GC_WEEK:g} mg/day, 7 days",
        "p1np vs placebo",
        -36.0,
        -16.0,
        "%",
        "Gram1998 (procollagen propeptide PICP -25.9 %, osteocalcin -34.7 % at most in a week of 20 mg/day; "
        "band +-10 points around PICP assumed, no spread in the abstract); Godschalk1988 (osteocalcin 17 % lower "
        "on 10 mg/day, 26 % on 20 mg/day, unchanged on 5 mg/day: short courses)",
        lambda r: _gc_p1np(r, "gc_week", _GC_WEEK, 7.0, TRIAL_START + 30.0),
        "glucocorticoid",
    ),
    _d(
        "D4_p1np_12m",
        f"prednisolone {_GC_LONG:g} mg/day, 12 months",
        "p1np vs placebo",
        -math.inf,
        0.0,
        "%",
        "Engvall2008 (7.5 mg/day in early RA: P1NP fell, p < 0.001, read at 3 and 12 months; sizes not re-read); "
        "Weinstein1998 (low formation in biopsies of long-term users): formation stays below placebo",
        lambda r: _gc_p1np(r, "gc_5y", _GC_LONG, YEAR, _GC_LONG_END),
        "glucocorticoid",
    ),
    _d(
        "D4_laan_on",
        "active RA, prednisone 10 mg/day, tapered between weeks 12 and 20",
        "trabecular bmd vs placebo",
        -12.7,
        -3.7,
        "% points",
        "Laan1993 (-8.2, 95 % CI -12.7 to -3.7)",
        lambda r: _laan(r, "on"),
        "glucocorticoid",
    ),
    _d(
        "D4_laan_off",
        "the same, 24 weeks after stopping",
        "trabecular bmd recovery vs placebo",
        2.0,
        8.6,
        "% points",
        "Laan1993 (+5.3 back within 24 weeks; band +-3.3 assumed)",
        lambda r: _laan(r, "off"),
        "glucocorticoid",
    ),
    # ---------------------------------------------------------------- D5: methotrexate
    _d(
        "D5_no_direct",
        "postmenopausal women without RA, methotrexate 24 months",
        "bmd_spine vs control",
        -0.2,
        0.2,
        "% points",
        "diMunno2004; Buckley1997 (no direct bone effect)",
        lambda r: _mtx(r, "healthy"),
        "methotrexate",
        calibrated=False,
    ),
    _d(
        "D5_activity",
        "early active RA (high) + methotrexate from entry, 24 months",
        "bmd_spine change",
        -5.5,
        -1.1,
        "%",
        "diMunno2004 (active disease -5.5 %, inactive -1.1 % over 2 years)",
        lambda r: _mtx(r, "ra"),
        "methotrexate",
        calibrated=False,
    ),
]


_OVERSHOOT = (
    "with resorption suppressed as in the trials, BMD gains come out up to 2.7 times the published ones, most "
    "at the hip: when resorption stops, the osteoblasts already at work refill a remodeling space of turnover x "
    "osteoblast lifetime (trabecular volume +10.6 % in 6 months, about twice the published remodeling space; "
    "after it the BMU balance holds and only secondary mineralisation adds), and the hip gains nearly as much "
    "as the spine (its trabecular share, 0.41, is pinned by the RA targets); the core has no explicit "
    "remodeling-space structure"
)
_PTH = (
    "with more remodeling sites (CTX up with P1NP, the remodeling space opened) and early modeling-based "
    "formation, teriparatide's markers and spine BMD come close to Neer 2001 together (P1NP +81 % at 1 month, "
    "spine +11.0 points at 19 months) but P1NP rises +140 % at 6 months (band 150-250) while CTX rises +81 % "
    "(40-80): every unit of formation beyond what the wider remodeling space takes builds volume at each "
    "compartment's turnover, so Neer's P1NP/CTX ratio (~2 at 6 months) would overshoot the spine; the fit "
    "(k_N near its upper bound) trades P1NP against CTX and the spine"
)
_PTH_HIP = (
    "the femoral neck gains +9.2 points at 19 months (Neer: +2 to +4, not fitted): with the site mixes pinned "
    "by the RA targets (spine 50 %, hip 41 % trabecular) the hip gains ~0.85 times the spine in the model, "
    "where Neer's femoral neck gained a third of the spine (its cortex, ~75 %, and PTH's cortical porosity, "
    "Burr 2001 and Fox 2007, are not resolved: an extra cortical activation lowered both sites alike and was "
    "dropped)"
)
_GC_SITES = (
    "one bone-quality pathway for both sites: the hip's steeper strength gradient (Kopperdahl: 4.2 vs 2.8 per "
    "SD) makes the hip the more sensitive site in the model, while glucocorticoids strike vertebrae hardest "
    "(q_GC at its upper bound)"
)

_GC_FORMATION = (
    "glucocorticoids lower formation (D4_p1np_1w, D4_p1np_12m: less matrix per osteoblast, g_form), and the "
    "osteoblasts that longer-lived osteoclasts recruit (g_OCa) would raise P1NP above placebo within the year, so "
    "the fit keeps the osteoclast lifespan short (g_OCa 1.27, was 3.24 without the marker targets): less "
    "remodeling space opens on the drug and less refills after stopping"
)

DRUG_MISSES: dict[str, tuple[str, float]] = {
    "T4_hip_36m": (_OVERSHOOT, 6.0),
    "T4_spine_36m": (_OVERSHOOT, 3.0),
    "D1_spine": (_OVERSHOOT, 7.5),
    "D1_hip": (_OVERSHOOT, 9.0),
    "D2_hip": (_OVERSHOOT + " (a hip strength gain too large: incidence ratio 0.38 vs 0.42-0.83)", 0.1),
    "T4_spine_5y": (
        "the spine gains +9.7 % by 5 years (band 12-15): after the remodeling space has refilled, continued "
        "gains on denosumab come from modeling-based formation (Ominsky 2015) and mineralisation; the model "
        "has the mineralisation only (trabecular TMD +7 % at 5 years) and, with formation balanced to resorption "
        "in each BMU, no further volume gain",
        3.0,
    ),
    "D3_hip": (
        "romosozumab then denosumab gains 9.6 points more total-hip BMD than denosumab alone (band 3.3-5.5) while "
        "the spine difference is in its band (11.4): spine and total hip are nearly the same mix of the two "
        "compartments (trabecular share 0.5 and 0.41, the hip's pinned by the RA targets), so bone gained moves "
        "the hip by at least 0.79 times the spine, where FRAME and Cosman 2024 find about half (12 months about 13 "
        "vs 7 points; 24 months 9.3 vs 4.4); vertebral cancellous bone answers romosozumab more than the "
        "femur's, which one trabecular compartment cannot show. Denosumab's own overshoot adds to it ("
        + _OVERSHOOT
        + "). D3_hip is a check, not fitted: fitted, it holds the 12-month spine gain at +8.2 points (band 11-15.5)",
        4.5,
    ),
    "D1_ctx": (
        "Bone 2011's younger women (8 years past menopause): CTX 44 % below placebo at the end of the last dosing "
        "interval (band 48-78 %); the in-vivo IC50 is fitted to FREEDOM's older women",
        8.0,
    ),
    "D1_p1np": (
        "P1NP 76 % below placebo at 24 months (band 32-62 %): formation follows resorption down further than in "
        "Bone 2011's women",
        20.0,
    ),
    "T6_spine_12m": (
        "alendronate's bone-bound drug builds up over months (surface lifetime ~2 years), so the first-year spine "
        "gain is +3.3 % (band 4-6 %) while the 3-year gain is met",
        1.0,
    ),
    "D2_vertebral": (
        "vertebral incidence ratio 0.44 vs 0.24-0.38 with every bisphosphonate PD parameter at a bound (i_res 0.95, "
        "a_apop 5, EC50_zol 0.001 mg): zoledronate's 70 % vertebral fracture reduction exceeds what its strength "
        "gain (density squared, fewer open cavities) gives in the model",
        0.15,
    ),
    "T7_p1np_6m": (_PTH, 12.0),
    "T7_ctx_6m": (_PTH, 2.0),
    "T7_hip": (_PTH_HIP, 6.0),
    "D4_hip_low": (_GC_SITES + "; hip RR 1.32 at 1.5 mg/day where van Staa found none (0.99)", 0.3),
    "D4_hip_high": (_GC_SITES, 0.3),
    "D4_vertebral_medium": (_GC_SITES, 0.4),
    "D4_vertebral_high": (_GC_SITES + "; vertebral RR 2.5 vs 5.2 at >= 7.5 mg/day", 2.5),
    "D4_spine_12m": (
        _GC_FORMATION
        + "; the first-year spine loss on 7.5 mg/day is 5.05 % (band 3-5), traded against Laan's "
        "trabecular loss and recovery",
        0.1,
    ),
    "D4_laan_on": (
        _GC_FORMATION
        + "; trabecular BMD falls 3.6 points in Laan's 20 weeks (band -12.7 to -3.7, the paper's CI)",
        0.2,
    ),
    "D4_laan_off": (
        _GC_FORMATION
        + "; trabecular BMD comes back 1.3 points within 24 weeks of stopping (band 2.0-8.6 around "
        "Laan's +5.3; the paper's 95 % CI of the recovery, 0.7-9.9, holds it)",
        0.8,
    ),
}
"""Drug targets the calibrated model misses: id -> (why, largest accepted miss)."""
