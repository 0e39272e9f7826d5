"""Drugs in the flagship: pharmacokinetics, trials, stopping, the PTH pattern, glucocorticoids.

(pk) One dose of each drug: the concentration-time course beside the label's Cmax (and its
     spread), tmax and half-life; alendronate as the drug retained in bone over a year of
     70 mg/week, beside the published retained fraction of the absorbed dose.
(a) Three years in postmenopausal women of ~70 (each drug from ``OP_START``, 20 years after the
    start of menopause, as in the drug targets; placebo = menopause only): spine and hip BMD vs
    placebo, CTX and P1NP from the trial's start, and the hip and vertebral fracture incidence
    ratio vs placebo. (b) and (c) start there too; (d) and (e) 5 years into each condition.
(b) Stopping antiresorptives: denosumab continued, stopped after four doses, or stopped and
    followed by one zoledronate infusion when the next dose was due; alendronate for 5 years
    continued or stopped (FLEX). Spine BMD, CTX and, for denosumab, the osteoclast-precursor pool.
(c) The same daily dose of PTH as daily injections or as a continuous infusion for 12 months:
    spine BMD vs placebo, P1NP, CTX, the anabolic signal, and three days of the PTH pulses.
(d) Glucocorticoid dose-response: 12 months at each dose; hip and vertebral fracture RR against
    the same woman without, beside van Staa 2000 and beside the RR that the BMD loss alone would
    give (Marshall 1996 gradients).
(e) Lifestyle vs drugs in postmenopausal women, established RA and type 2 diabetes: 3-year spine
    BMD and hip fracture incidence ratio against the untreated condition.

Published values come from ``parameters/drug_pk_published.toml`` (pk) and from the drug targets
(``bonemodel.models.inflammation.drug_targets``: bands and sources); ``published`` is the number
the source gives where it gives one, else the centre of the band, which is the extra column
``band``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy.integrate import cumulative_trapezoid

from bonemodel import scenarios as S
from bonemodel.models import load_model
from bonemodel.models.inflammation import pk
from bonemodel.models.inflammation.drug_targets import OP_START
from bonemodel.models.inflammation.targets import BY_ID, TRIAL_START, band_text
from bonemodel.plotting import wrap_title
from bonemodel.report import comparison, run_script
from bonemodel.scenario import Scenario
from bonemodel.simulate import simulate
from bonemodel.solution import Solution

YEAR = 365.25
MONTH = YEAR / 12
RTOL, ATOL = 1e-6, 1e-10
COLOURS = {
    "placebo": "#7f7f7f",
    "denosumab": "#1f77b4",
    "alendronate": "#ff7f0e",
    "zoledronate": "#2ca02c",
    "teriparatide": "#d62728",
    "romosozumab -> denosumab": "#9467bd",
    "glucocorticoid 7.5 mg/day": "#8c564b",
}
PUBLISHED_CENTRE = {
    "D1_spine": 6.4,
    "D1_hip": 3.6,
    "D1_ctx": -63.0,
    "D2_vertebral": 0.30,
    "D2_hip": 0.59,
    "D2_flex": -2.4,
    "D3_romo_12m": 13.3,
    "D4_hip_low": 0.99,
    "D4_hip_medium": 1.77,
    "D4_hip_high": 2.27,
    "D4_vertebral_low": 1.55,
    "D4_vertebral_medium": 2.59,
    "D4_vertebral_high": 5.18,
}
"""The number a target's source gives (see its ``source`` text), where it gives one."""


# ------------------------------------------------------------------------------------ helpers
def _run(model, scenario: Scenario, t_end: float, grid: np.ndarray) -> Solution:
    """One run with the tolerances of the drug targets, on the output times ``grid``."""
    return simulate(model, t_end, scenario=scenario, t_eval=grid, rtol=RTOL, atol=ATOL)


def _grid(t0: float, t1: float, step: float) -> np.ndarray:
    """Output times from ``t0`` to ``t1`` every ``step`` days, both ends included, and day 0."""
    return np.unique(np.concatenate([[0.0], np.arange(t0, t1, step), [t1]]))


def _restrict(sol: Solution, times: np.ndarray) -> Solution:
    """The part of ``sol`` at ``times``, each an output time of the run (or within round-off of
    one, as simulate puts output times onto switch times)."""
    t = np.asarray(times, dtype=float)
    i = np.clip(np.searchsorted(sol.t, t), 1, sol.t.size - 1)
    nearest = np.where(np.abs(sol.t[i - 1] - t) <= np.abs(sol.t[i] - t), i - 1, i)
    if np.any(np.abs(sol.t[nearest] - t) > 1e-9 * np.maximum(1.0, np.abs(t))):
        raise ValueError("_restrict: a time is not an output time of the run")
    keep = np.unique(nearest)
    obs = sol.observable_values[:, keep]
    return Solution(
        sol.t[keep],
        sol.y[:, keep],
        sol.state_names,
        sol.observable_names,
        obs,
        sol.status,
        sol.message,
        sol.meta,
    )


def _from(sol: Solution, name: str, t0: float) -> np.ndarray:
    """% change of a relative observable from its value at ``t0`` (the trial's start)."""
    return 100.0 * (sol[name] / sol.at(name, t0) - 1.0)


def _incidence_ratio(sol: Solution, placebo: Solution, name: str, t0: float) -> np.ndarray:
    """Mean fracture hazard from ``t0`` to each time over placebo's: a trial's incidence ratio.

    Before ``t0`` (and at it) the ratio of the hazards themselves.
    """

    def running_mean(s: Solution) -> np.ndarray:
        m = s.t >= t0
        mean = s[name].astype(float).copy()
        area = cumulative_trapezoid(s[name][m], s.t[m], initial=0.0)
        elapsed = s.t[m] - t0
        with np.errstate(invalid="ignore", divide="ignore"):
            mean[m] = np.where(elapsed > 0, area / np.where(elapsed > 0, elapsed, 1.0), s[name][m])
        return mean

    return running_mean(sol) / running_mean(placebo)


def _published(target_id: str) -> float:
    """The source's number for a target, else the centre (or bound) of its band."""
    if target_id in PUBLISHED_CENTRE:
        return PUBLISHED_CENTRE[target_id]
    t = BY_ID[target_id]
    if math.isinf(t.low):
        return t.high
    if math.isinf(t.high):
        return t.low
    return 0.5 * (t.low + t.high)


def _target_row(figure: str, target_id: str, ours: float, quantity: str = "") -> dict:
    """A comparison row for one drug target: ours beside its published number and band."""
    t = BY_ID[target_id]
    return {
        "figure": figure,
        "quantity": quantity or f"{t.scenario} -> {t.observable}",
        "ours": ours,
        "published": _published(target_id),
        "unit": t.unit,
        "source": t.source,
        "band": band_text(t.low, t.high),
    }


def _band_marker(fig: go.Figure, x: float, target_id: str, colour: str, row: int, col: int, **kw) -> None:
    """The published number of a target as a marker with its band as an error bar."""
    t = BY_ID[target_id]
    c = _published(target_id)
    lo = t.low if math.isfinite(t.low) else c
    hi = t.high if math.isfinite(t.high) else c
    fig.add_scatter(
        x=[x],
        y=[c],
        mode="markers+text" if "text" in kw else "markers",
        marker=dict(symbol="diamond", size=10, color=colour, line=dict(color="black", width=1)),
        error_y=dict(type="data", symmetric=False, array=[hi - c], arrayminus=[c - lo], color=colour),
        name=kw.pop("name", "published (band)"),
        legendgroup="published",
        showlegend=kw.pop("showlegend", False),
        hovertext=f"{target_id}: {t.source}",
        row=row,
        col=col,
        **kw,
    )


# ----------------------------------------------------------------------- (pk) single doses
def pk_courses(model) -> dict[str, pd.Series]:
    """Concentration-time course of one dose of each drug (alendronate: a year in bone).

    Index in each drug's time unit (days or hours); alendronate's is mg in bone over a year
    of 70 mg/week, zoledronate's extra ``zoledronate_bone`` is mg in bone over 24 hours.
    """
    out: dict[str, pd.Series] = {}
    for name, reg in pk.regimens().items():
        if name == "alendronate":
            continue
        grid = np.arange(0.0, reg.t_end + reg.step / 2, reg.step)
        sol = simulate(model, reg.t_end, scenario=reg.scenario, t_eval=grid, rtol=1e-8, atol=1e-12)
        scale = 24.0 if reg.time_unit == "hours" else 1.0
        out[name] = pd.Series(sol[reg.observable], index=sol.t * scale, name=reg.observable)
        if name == "zoledronate":
            day = simulate(
                model, 1.0, scenario=reg.scenario, t_eval=np.linspace(0, 1, 97), rtol=1e-8, atol=1e-12
            )
            out["zoledronate_bone"] = pd.Series(day["zoledronate_bone_mg"], index=day.t * 24.0)
    grid = np.linspace(0.0, YEAR, 366)
    sol = simulate(model, YEAR, scenario=S.alendronate(70.0), t_eval=grid, rtol=1e-8, atol=1e-12)
    out["alendronate"] = pd.Series(sol["alendronate_bone_mg"], index=sol.t, name="alendronate_bone_mg")
    return out


def _pub(entry: Mapping, key: str, which: str = "") -> float:
    """A published PK descriptor, NaN where the label gives none."""
    try:
        return pk.published_value(dict(entry), key, which)
    except KeyError:
        return math.nan


def pk_rows(model, courses: Mapping[str, pd.Series]) -> list[dict]:
    """Ours (pk.profiles) beside the published Cmax, tmax and half-life of each drug (and the
    steady-state trough where the label gives one)."""
    ours = pk.profiles(model)
    published = pk.published()
    rows = []
    units = {"cmax": None, "tmax": "time", "t_half": "time", "trough_ss": None}
    for drug in ("denosumab", "romosozumab", "teriparatide"):
        entry = published[drug]
        for key, kind in units.items():
            value = _pub(entry, key)
            if math.isnan(value):
                continue
            lo, hi = _pub(entry, key, "_low"), _pub(entry, key, "_high")
            rows.append(
                {
                    "figure": "pk",
                    "quantity": f"{drug} {entry['dose']:g} {entry['dose_unit']}: {key}",
                    "ours": ours[drug][key],
                    "published": value,
                    "unit": entry["conc_unit"] if kind is None else entry["time_unit"],
                    "source": entry["source"],
                    "band": band_text(lo, hi) if np.isfinite(lo) else "",
                }
            )
    zol = published["zoledronate"]
    zol_c = courses["zoledronate"]
    rows += [
        {
            "figure": "pk",
            "quantity": "zoledronate 5 mg: half-life Cmax/2 -> Cmax/4",
            "ours": ours["zoledronate"]["t_half"],
            "published": f"{zol['t_half_alpha_hours']:g} to {zol['t_half_beta_hours']:g}",
            "unit": "hours",
            "source": f"{zol['source']} (between the alpha and beta phases)",
        },
        {
            "figure": "pk",
            "quantity": "zoledronate 5 mg: plasma at 24 h / Cmax",
            "ours": float(np.interp(24.0, zol_c.index, zol_c.values)) / float(zol_c.max()),
            "published": f"< {zol['conc_fraction_of_cmax_at_24h_max']:g}",
            "unit": "fraction",
            "source": zol["source"],
        },
        {
            "figure": "pk",
            "quantity": "zoledronate 5 mg: fraction of the dose in bone at 24 h",
            "ours": ours["zoledronate"]["fraction_to_bone_24h"],
            "published": zol["fraction_to_bone_24h"],
            "unit": "fraction",
            "source": f"{zol['source']} (derived from urinary recovery)",
            "band": band_text(zol["fraction_to_bone_24h_low"], zol["fraction_to_bone_24h_high"]),
        },
    ]
    aln = published["alendronate"]
    rows.append(
        {
            "figure": "pk",
            "quantity": "alendronate 70 mg: fraction of the absorbed dose retained in bone",
            "ours": ours["alendronate"]["fraction_to_bone"],
            "published": aln["fraction_to_bone"],
            "unit": "fraction",
            "source": aln["source"],
            "band": band_text(aln["fraction_to_bone_low"], aln["fraction_to_bone_high"]),
        }
    )
    return rows


def _half_life_line(fig, course: pd.Series, t_half: float, label: str, dash: str, row: int, col: int) -> None:
    """A dashed decline at the published half-life, anchored where ours falls to Cmax/2."""
    i = int(np.argmax(course.values))
    after = course.iloc[i:]
    below = after[after <= after.iloc[0] / 2]
    if below.empty or not np.isfinite(t_half):
        return
    t0, c0 = float(below.index[0]), float(below.iloc[0])
    t = np.linspace(t0, t0 + 3 * t_half, 30)
    fig.add_scatter(
        x=t,
        y=c0 * 0.5 ** ((t - t0) / t_half),
        mode="lines",
        line=dict(dash=dash, color="black", width=1.5),
        name=label,
        legendgroup=label,
        showlegend=False,
        row=row,
        col=col,
    )


def _cmax_marker(fig, entry: Mapping, row: int, col: int) -> None:
    """Published Cmax at the published tmax, with their spreads as error bars; tmax alone as a line."""
    cmax, tmax = _pub(entry, "cmax"), _pub(entry, "tmax")
    if np.isfinite(cmax):
        lo, hi = _pub(entry, "cmax", "_low"), _pub(entry, "cmax", "_high")
        tlo, thi = _pub(entry, "tmax", "_low"), _pub(entry, "tmax", "_high")
        fig.add_scatter(
            x=[tmax],
            y=[cmax],
            mode="markers",
            marker=dict(symbol="diamond", size=11, color="black"),
            error_y=dict(type="data", symmetric=False, array=[hi - cmax], arrayminus=[cmax - lo])
            if np.isfinite(lo)
            else None,
            error_x=dict(type="data", symmetric=False, array=[thi - tmax], arrayminus=[tmax - tlo])
            if np.isfinite(tlo)
            else None,
            name="published Cmax at tmax (spread)",
            legendgroup="cmax",
            showlegend=False,
            row=row,
            col=col,
        )
    elif np.isfinite(tmax):
        fig.add_vline(x=tmax, line=dict(dash="dot", color="black"), row=row, col=col)


def figure_pk(courses: Mapping[str, pd.Series]) -> go.Figure:
    """Single-dose courses (log scale) beside the label's Cmax, tmax and half-life; bone uptake."""
    published = pk.published()
    panels = [
        ("denosumab", "denosumab 60 mg s.c. [ug/mL]", "days"),
        ("romosozumab", "romosozumab 210 mg s.c. [ug/mL]", "days"),
        ("teriparatide", "teriparatide 20 ug s.c. [pg/mL]", "hours"),
        ("zoledronate", "zoledronate 5 mg i.v., plasma [ng/mL]", "hours"),
        ("zoledronate_bone", "zoledronate 5 mg i.v., in bone [mg]", "hours"),
        ("alendronate", "alendronate 70 mg/week, in bone [mg]", "days"),
    ]
    fig = make_subplots(rows=2, cols=3, subplot_titles=[p[1] for p in panels])
    for k, (name, _, unit) in enumerate(panels):
        row, col = k // 3 + 1, k % 3 + 1
        course = courses[name]
        fig.add_scatter(
            x=course.index,
            y=course.values,
            mode="lines",
            line=dict(color="#1f77b4"),
            name="model",
            legendgroup="model",
            showlegend=k == 0,
            row=row,
            col=col,
        )
        fig.update_xaxes(title_text=unit, row=row, col=col)
        if name in ("denosumab", "romosozumab", "teriparatide", "zoledronate"):
            entry = published[name]
            _cmax_marker(fig, entry, row, col)
            top = math.log10(float(course.max()))
            fig.update_yaxes(type="log", range=[top - 4, top + 0.4], row=row, col=col)
            if name == "zoledronate":
                _half_life_line(fig, course, entry["t_half_alpha_hours"], "alpha", "dot", row, col)
                _half_life_line(fig, course, entry["t_half_beta_hours"], "published t1/2", "dash", row, col)
            else:
                _half_life_line(fig, course, _pub(entry, "t_half"), "published t1/2", "dash", row, col)
    _bone_band(fig, courses["zoledronate_bone"], published["zoledronate"], 5.0, "fraction_to_bone_24h", 2, 2)
    # the published retained fraction of the published absorbed dose (10 mg/day x bioavailability)
    bioavailability = published["alendronate"]["bioavailability_percent"] / 100.0
    absorbed = courses["alendronate"].index * 10.0 * bioavailability
    _bone_band(
        fig,
        pd.Series(absorbed, index=courses["alendronate"].index),
        published["alendronate"],
        None,
        "fraction_to_bone",
        2,
        3,
    )
    for label, dash in (("published t1/2 (dashed; zoledronate: beta, alpha dotted)", "dash"),):
        fig.add_scatter(x=[None], y=[None], mode="lines", line=dict(dash=dash, color="black"), name=label)
    fig.add_scatter(
        x=[None],
        y=[None],
        mode="markers",
        marker=dict(symbol="diamond", color="black"),
        name="published Cmax at tmax (spread; dotted line: tmax alone)",
    )
    fig.update_layout(
        title=wrap_title(
            "(pk) One dose of each drug: model beside the label's Cmax, tmax and half-life "
            "(bisphosphonates: drug taken up by bone)"
        ),
        height=1000,
    )
    return fig


def _bone_band(
    fig, basis: pd.Series, entry: Mapping, dose: float | None, key: str, row: int, col: int
) -> None:
    """Published retained fraction (low-high) of a dose (zoledronate) or of the absorbed drug."""
    x = basis.index
    base = np.full(len(x), dose) if dose is not None else basis.values
    lo, hi = base * entry[f"{key}_low"], base * entry[f"{key}_high"]
    fig.add_scatter(
        x=np.concatenate([x, x[::-1]]),
        y=np.concatenate([lo, hi[::-1]]),
        fill="toself",
        mode="lines",
        line=dict(dash="dash", color="rgba(0,0,0,0.5)"),
        fillcolor="rgba(0,0,0,0.08)",
        name=f"published retained fraction ({entry[f'{key}_low']:g}-{entry[f'{key}_high']:g})",
        legendgroup=f"bone{row}{col}",
        row=row,
        col=col,
    )


# ------------------------------------------------------------------- (a) three-year trials
def trial_arms() -> dict[str, Scenario]:
    """The drug arms of figure (a), each on top of menopause from OP_START."""
    ts = OP_START
    return {
        "denosumab": S.denosumab(start_day=ts),
        "alendronate": S.alendronate(start_day=ts),
        "zoledronate": S.zoledronate(start_day=ts, stop_day=ts + 3 * YEAR - 1),
        "teriparatide": S.teriparatide(start_day=ts),  # the label's 2 years, then nothing
        "romosozumab -> denosumab": S.romosozumab(start_day=ts, stop_day=ts + YEAR - 1)
        + S.denosumab(start_day=ts + YEAR),
        "glucocorticoid 7.5 mg/day": S.glucocorticoid(7.5, start_day=ts),
    }


def trial_runs(model, quick: bool) -> dict[str, Solution]:
    """Placebo and each arm of figure (a), 3 years from OP_START on the trial's output times.

    Teriparatide's run also carries the output times of figure (c) in its first year: until the
    end of that year its doses and segments are those of figure (c)'s daily injections, so
    :func:`pth_pattern` reads that arm from it instead of integrating a year of daily
    injections again (the trial's own output times are kept apart in :func:`trial_effects`).
    The extra output times change where the integrator takes its first step after each switch,
    which moves figure (a)'s teriparatide numbers by less than 1e-7 (relative).
    """
    t_end = OP_START + 3 * YEAR
    grid = _grid(OP_START, t_end, 5.0 if quick else 2.0)
    runs = {}
    for name, drug in {"placebo": None, **trial_arms()}.items():
        if drug is None:
            runs[name] = _run(model, S.menopause(), t_end, grid)
        elif name == "teriparatide":
            runs[name] = _run(model, S.menopause() + drug, t_end, np.union1d(grid, _pth_grid(quick)))
        else:
            runs[name] = _run(model, S.menopause() + drug, t_end, grid)
    return runs


def trial_effects(model, quick: bool, runs: Mapping[str, Solution] | None = None) -> dict[str, pd.DataFrame]:
    """Per arm, over 3 years from OP_START (index: months): the quantities trials report.

    ``runs`` are those of :func:`trial_runs` (run here when not given).
    """
    runs = trial_runs(model, quick) if runs is None else runs
    grid = _grid(OP_START, OP_START + 3 * YEAR, 5.0 if quick else 2.0)
    placebo = runs["placebo"]
    return {name: _trial_frame(_restrict(sol, grid), placebo) for name, sol in runs.items()}


def _trial_frame(sol: Solution, placebo: Solution) -> pd.DataFrame:
    """The columns of TRIAL_PANELS from the trial's start on, index months."""
    ts = OP_START
    m = sol.t >= ts
    frame = pd.DataFrame(
        {
            "spine": _from(sol, "bmd_spine_rel", ts) - _from(placebo, "bmd_spine_rel", ts),
            "hip": _from(sol, "bmd_hip_rel", ts) - _from(placebo, "bmd_hip_rel", ts),
            "ctx": _from(sol, "ctx_rel", ts),
            "p1np": _from(sol, "p1np_rel", ts),
            "rr_hip": _incidence_ratio(sol, placebo, "fracture_rr_hip", ts),
            "rr_vert": _incidence_ratio(sol, placebo, "fracture_rr_vertebral", ts),
        },
        index=pd.Index((sol.t - ts) / MONTH, name="months"),
    )
    return frame[m]


TRIAL_PUBLISHED = [
    ("spine", "denosumab", "D1_spine", 24.0),
    ("spine", "denosumab", "T4_spine_36m", 36.0),
    ("spine", "alendronate", "T6_spine_36m", 36.0),
    ("spine", "teriparatide", "T7_spine", 19.0),
    ("spine", "romosozumab -> denosumab", "D3_romo_12m", 12.0),
    ("hip", "denosumab", "D1_hip", 24.0),
    ("hip", "alendronate", "T6_hip_36m", 36.0),
    ("hip", "teriparatide", "T7_hip", 19.0),
    ("ctx", "denosumab", "T4_ctx_1m", 1.0),
    ("ctx", "denosumab", "T4_ctx_6m", 5.9),
    ("ctx", "teriparatide", "T7_ctx_6m", 6.0),
    ("p1np", "teriparatide", "T7_p1np_1m", 1.0),
    ("p1np", "teriparatide", "T7_p1np_6m", 6.0),
    ("rr_hip", "zoledronate", "D2_hip", 36.0),
    ("rr_vert", "zoledronate", "D2_vertebral", 36.0),
]
"""(panel column, arm, drug target, months) of the published numbers drawn in figure (a)."""

TRIAL_PANELS = {
    "spine": "spine BMD vs placebo [% points]",
    "hip": "hip BMD vs placebo [% points]",
    "ctx": "CTX, change from trial start [%]",
    "p1np": "P1NP, change from trial start [%]",
    "rr_hip": "hip fracture incidence ratio vs placebo",
    "rr_vert": "vertebral fracture incidence ratio vs placebo",
}


def trial_rows(frames: Mapping[str, pd.DataFrame]) -> list[dict]:
    """Ours at the published time points of figure (a)."""
    rows = []
    for column, arm, target_id, months in TRIAL_PUBLISHED:
        frame = frames[arm]
        ours = float(np.interp(months, frame.index, frame[column]))
        t = BY_ID[target_id]
        rows.append(_target_row("a", target_id, ours, f"{t.scenario} -> {TRIAL_PANELS[column]}"))
    return rows


def figure_a(frames: Mapping[str, pd.DataFrame]) -> go.Figure:
    """Six panels of trial read-outs over 3 years, one line per arm, published bands as diamonds."""
    fig = make_subplots(rows=2, cols=3, subplot_titles=list(TRIAL_PANELS.values()))
    for k, column in enumerate(TRIAL_PANELS):
        row, col = k // 3 + 1, k % 3 + 1
        for arm, frame in frames.items():
            fig.add_scatter(
                x=frame.index,
                y=frame[column],
                mode="lines",
                line=dict(color=COLOURS[arm], dash="dot" if arm == "placebo" else "solid"),
                name=arm,
                legendgroup=arm,
                showlegend=k == 0,
                row=row,
                col=col,
            )
        if column.startswith("rr"):
            fig.update_yaxes(type="log", row=row, col=col)
        fig.update_xaxes(title_text="months from trial start", row=row, col=col)
    first = True
    for column, arm, target_id, months in TRIAL_PUBLISHED:
        k = list(TRIAL_PANELS).index(column)
        _band_marker(fig, months, target_id, COLOURS[arm], k // 3 + 1, k % 3 + 1, showlegend=first)
        first = False
    fig.update_layout(
        title=wrap_title(
            "(a) Three years in postmenopausal women of ~70, each drug from 20 years after menopause "
            "(placebo: menopause only); diamonds: published numbers with their bands"
        ),
        height=1000,
        legend_title="arm",
    )
    return fig


# ---------------------------------------------------------------- (b) stopping antiresorptives
DMAB_LAST = OP_START + 3 * 182.5
"""Day of the fourth and last denosumab dose of the arms that stop."""
DMAB_MISSED = DMAB_LAST + 182.5
"""Day the fifth dose was due: the stop of Bone 2011 (24 months)."""


def stopping_arms() -> dict[str, tuple[Scenario, float]]:
    """Arm -> (drug on top of menopause, end of follow-up: 5 years after the last dose)."""
    ts = OP_START
    stopped = S.denosumab(start_day=ts, stop_day=ts + 2 * YEAR - 1)
    dmab_end = DMAB_LAST + 5 * YEAR
    return {
        "denosumab continued": (S.denosumab(start_day=ts), dmab_end),
        "denosumab stopped after 4 doses": (stopped, dmab_end),
        "denosumab stopped, zoledronate at 6 months": (
            stopped + S.zoledronate(start_day=DMAB_MISSED, stop_day=DMAB_MISSED + 1),
            dmab_end,
        ),
        "alendronate continued (10 years)": (S.alendronate(start_day=ts), ts + 10 * YEAR),
        "alendronate stopped at 5 years": (
            S.alendronate(start_day=ts, stop_day=ts + 5 * YEAR),
            ts + 10 * YEAR,
        ),
    }


def stopping(model, quick: bool) -> dict[str, Solution]:
    """Runs of figure (b), and placebo over the longest follow-up."""
    step = 15.0 if quick else 5.0
    t_end = OP_START + 10 * YEAR
    sols = {"placebo": _run(model, S.menopause(), t_end, _grid(OP_START, t_end, step))}
    for arm, (drug, end) in stopping_arms().items():
        sols[arm] = _run(model, S.menopause() + drug, end, _grid(OP_START, end, step))
    return sols


def _stop_frame(sol: Solution) -> pd.DataFrame:
    """BMD and CTX from the trial's start, and the precursor pool; index years from the start."""
    ts = OP_START
    m = sol.t >= ts
    frame = pd.DataFrame(
        {
            "spine": _from(sol, "bmd_spine_rel", ts),
            "hip": _from(sol, "bmd_hip_rel", ts),
            "ctx": _from(sol, "ctx_rel", ts),
            "pool": sol["ocp_pool_rel"],
        },
        index=pd.Index((sol.t - ts) / YEAR, name="years"),
    )
    return frame[m]


def stopping_rows(sols: Mapping[str, Solution]) -> list[dict]:
    """Bone 2011 and FLEX beside ours."""
    ts = OP_START
    stop, pbo = sols["denosumab stopped after 4 doses"], sols["placebo"]
    zol = sols["denosumab stopped, zoledronate at 6 months"]

    def spine(sol: Solution, t: float) -> float:
        return 100.0 * (sol.at("bmd_spine_rel", t) / sol.at("bmd_spine_rel", ts) - 1.0)

    off = (stop.t > DMAB_MISSED) & (stop.t <= DMAB_MISSED + YEAR)
    peak_ctx = 100.0 * (float(np.max(stop["ctx_rel"][off])) / stop.at("ctx_rel", ts) - 1.0)
    t10 = ts + 10 * YEAR
    aln_stop, aln_cont = sols["alendronate stopped at 5 years"], sols["alendronate continued (10 years)"]

    def hip_from5(sol: Solution) -> float:
        return 100.0 * (sol.at("bmd_hip_rel", t10) / sol.at("bmd_hip_rel", ts + 5 * YEAR) - 1.0)

    bone2011 = "Bone2011 (BMD back to about baseline within 1-2 years of stopping)"
    rows = [
        {
            "figure": "b",
            "quantity": f"denosumab stopped: spine BMD from trial start, {k} months after the missed dose",
            "ours": spine(stop, DMAB_MISSED + k * MONTH),
            "published": 0.0,
            "unit": "%",
            "source": bone2011,
        }
        for k in (12, 24)
    ]
    rows.append(
        _target_row(
            "b",
            "D1_off_bmd",
            spine(stop, ts + 4 * YEAR) - spine(pbo, ts + 4 * YEAR),
            "denosumab 24 months then 24 months off: spine BMD vs placebo",
        )
    )
    rows.append(
        _target_row(
            "b", "D1_off_ctx", peak_ctx, "denosumab stopped: peak CTX above trial start, first year off"
        )
    )
    rows.append(
        {
            "figure": "b",
            "quantity": "denosumab stopped + zoledronate: spine BMD from trial start, 24 months after the missed dose",
            "ours": spine(zol, DMAB_MISSED + 2 * YEAR),
            "published": math.nan,
            "unit": "%",
            "source": "model prediction",
        }
    )
    rows.append(
        _target_row(
            "b",
            "D2_flex",
            hip_from5(aln_stop) - hip_from5(aln_cont),
            "alendronate 5 years then stopped vs continued: hip BMD difference at 10 years",
        )
    )
    return rows


def figure_b(sols: Mapping[str, Solution]) -> go.Figure:
    """Denosumab (top row) and alendronate (bottom row) continued or stopped, beside placebo."""
    panels = [
        ("denosumab", "spine", "denosumab: spine BMD from trial start [%]"),
        ("denosumab", "ctx", "denosumab: CTX from trial start [%]"),
        ("denosumab", "pool", "osteoclast-precursor pool [fold of healthy]"),
        ("alendronate", "spine", "alendronate: spine BMD from trial start [%]"),
        ("alendronate", "hip", "alendronate: hip BMD from trial start [%]"),
        ("alendronate", "ctx", "alendronate: CTX from trial start [%]"),
    ]
    colours = dict(zip(stopping_arms(), ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#8c564b"], strict=True))
    frames = {arm: _stop_frame(sol) for arm, sol in sols.items()}
    follow_up = {
        drug: max(f.index[-1] for arm, f in frames.items() if arm.startswith(drug))
        for drug in ("denosumab", "alendronate")
    }
    fig = make_subplots(rows=2, cols=3, subplot_titles=[p[2] for p in panels])
    shown: set[str] = set()
    for k, (drug, column, _) in enumerate(panels):
        row, col = k // 3 + 1, k % 3 + 1
        for arm, frame in frames.items():
            if arm != "placebo" and not arm.startswith(drug):
                continue
            if arm == "placebo" and column == "pool":
                continue
            part = frame[frame.index <= follow_up[drug]]  # placebo only as long as the drug's arms
            fig.add_scatter(
                x=part.index,
                y=part[column],
                mode="lines",
                line=dict(color=colours.get(arm, "#7f7f7f"), dash="dot" if arm == "placebo" else "solid"),
                name=arm,
                legendgroup=arm,
                showlegend=arm not in shown,
                row=row,
                col=col,
            )
            shown.add(arm)
        fig.update_xaxes(title_text="years from trial start", row=row, col=col)
    _stopping_published(fig, frames)
    fig.update_layout(
        title=wrap_title(
            "(b) Stopping antiresorptives: denosumab for 2 years (4 doses) and alendronate for 5 years, "
            "then stopped; followed 5 years after the last dose"
        ),
        height=1000,
    )
    return fig


def _stopping_published(fig: go.Figure, frames: Mapping[str, pd.DataFrame]) -> None:
    """Bone 2011 (BMD near baseline 1-2 years off; CTX overshoot band) and FLEX (hip -2.4)."""
    missed = (DMAB_MISSED - OP_START) / YEAR
    fig.add_scatter(
        x=[missed + 1, missed + 2],
        y=[0.0, 0.0],
        mode="markers",
        marker=dict(symbol="diamond", size=10, color="#d62728", line=dict(color="black", width=1)),
        name="Bone 2011: back to about baseline 1-2 years off",
        row=1,
        col=1,
    )
    ctx = BY_ID["D1_off_ctx"]
    x0, x1 = missed, missed + 1
    fig.add_scatter(
        x=[x0, x1, x1, x0, x0],
        y=[ctx.low, ctx.low, ctx.high, ctx.high, ctx.low],
        fill="toself",
        mode="lines",
        line=dict(dash="dash", color="rgba(214,39,40,0.7)"),
        fillcolor="rgba(214,39,40,0.08)",
        name=f"Bone 2011: CTX overshoot after stopping ({band_text(ctx.low, ctx.high)} %)",
        row=1,
        col=2,
    )
    cont = frames["alendronate continued (10 years)"]
    flex = BY_ID["D2_flex"]
    y = float(cont["hip"].iloc[-1])
    c = _published("D2_flex")
    fig.add_scatter(
        x=[cont.index[-1]],
        y=[y + c],
        mode="markers",
        marker=dict(symbol="diamond", size=10, color="#8c564b", line=dict(color="black", width=1)),
        error_y=dict(type="data", symmetric=False, array=[flex.high - c], arrayminus=[c - flex.low]),
        name="FLEX: stopping = continuing - 2.4 points (hip, 10 years)",
        row=2,
        col=2,
    )


# --------------------------------------------------------------------- (c) the pattern of PTH
ZOOM_DAY = 180.0
"""Day of treatment at which figure (c) zooms into three days of PTH."""


def _pth_grid(quick: bool) -> np.ndarray:
    """Output times of figure (c): 96 a day (48 quick) for 12 months, every minute of the zoom."""
    ts, t_end = OP_START, OP_START + YEAR
    per_day = 48 if quick else 96
    zoom = ts + ZOOM_DAY + np.arange(0.0, 3.0, 1.0 / 1440)
    return np.union1d(_grid(ts, t_end, 1.0 / per_day), zoom)


def pth_pattern(model, quick: bool, teriparatide: Solution | None = None) -> dict[str, Solution]:
    """Placebo, daily injections and a continuous infusion of 20 ug/day for 12 months.

    ``teriparatide`` is the teriparatide arm of :func:`trial_runs`: the daily injections are its
    first year, on this figure's output times (run here when not given).
    """
    ts, t_end = OP_START, OP_START + YEAR
    grid = _pth_grid(quick)
    arms = {
        "placebo": S.menopause(),
        "daily injections": S.menopause() + S.teriparatide(20.0, start_day=ts, stop_day=t_end),
        "continuous infusion": S.menopause()
        + S.teriparatide(20.0, start_day=ts, stop_day=t_end, continuous=True),
    }
    return {
        arm: _restrict(teriparatide, grid)
        if arm == "daily injections" and teriparatide is not None
        else _run(model, sc, t_end, grid)
        for arm, sc in arms.items()
    }


def _daily_mean(sol: Solution, name: str, t0: float, days: int) -> pd.Series:
    """Mean of ``name`` over each day from ``t0`` (trapezoid on the output grid)."""
    m = sol.t >= t0
    area = cumulative_trapezoid(sol[name][m], sol.t[m], initial=0.0)
    edges = t0 + np.arange(days + 1)
    cum = np.interp(edges, sol.t[m], area)
    return pd.Series(np.diff(cum), index=pd.Index(np.arange(days) + 0.5, name="day"))


def _pth_frame(sol: Solution, placebo: Solution) -> pd.DataFrame:
    """Daily means over 12 months: spine BMD vs placebo, P1NP and CTX from the start, anabolic signal.

    Daily means, because the injections make every quantity swing within the day.
    """
    ts = OP_START
    days = int(YEAR)
    frame = pd.DataFrame(
        {
            name: _daily_mean(sol, name, ts, days)
            for name in ("bmd_spine_rel", "ctx_rel", "p1np_rel", "pth_anabolic_rel")
        }
    )
    base = {n: sol.at(n, ts) for n in ("bmd_spine_rel", "ctx_rel", "p1np_rel")}
    pbo = _daily_mean(placebo, "bmd_spine_rel", ts, days) / placebo.at("bmd_spine_rel", ts)
    return pd.DataFrame(
        {
            "spine": 100.0 * (frame["bmd_spine_rel"] / base["bmd_spine_rel"] - pbo),
            "p1np": 100.0 * (frame["p1np_rel"] / base["p1np_rel"] - 1.0),
            "ctx": 100.0 * (frame["ctx_rel"] / base["ctx_rel"] - 1.0),
            "anabolic": frame["pth_anabolic_rel"],
        }
    )


def pth_rows(sols: Mapping[str, Solution]) -> list[dict]:
    """D6: the same dose builds bone as daily pulses and removes it as an infusion."""
    ts, t1 = OP_START, OP_START + YEAR
    pbo = sols["placebo"]

    def vs_placebo(sol: Solution) -> float:
        def change(s: Solution) -> float:
            return 100.0 * (s.at("bmd_spine_rel", t1) / s.at("bmd_spine_rel", ts) - 1.0)

        return change(sol) - change(pbo)

    return [
        _target_row("c", "D6_daily", vs_placebo(sols["daily injections"])),
        _target_row("c", "D6_continuous", vs_placebo(sols["continuous infusion"])),
    ]


def figure_c(sols: Mapping[str, Solution]) -> go.Figure:
    """Daily vs continuous PTH: 12 months of daily means, and three days of the pulses."""
    panels = {
        "spine": "spine BMD vs placebo [% points]",
        "p1np": "P1NP from trial start [%]",
        "ctx": "CTX from trial start [%]",
        "anabolic": "anabolic PTH signal, daily mean [fold]",
        "zoom_pth": f"teriparatide, days {ZOOM_DAY:g}-{ZOOM_DAY + 3:g} [pg/mL]",
        "zoom_anabolic": f"anabolic signal, days {ZOOM_DAY:g}-{ZOOM_DAY + 3:g} [fold]",
    }
    colours = {"placebo": "#7f7f7f", "daily injections": "#d62728", "continuous infusion": "#1f77b4"}
    fig = make_subplots(rows=2, cols=3, subplot_titles=list(panels.values()))
    pbo = sols["placebo"]
    for arm, sol in sols.items():
        frame = _pth_frame(sol, pbo)
        months = frame.index / (MONTH)
        style = dict(color=colours[arm], dash="dot" if arm == "placebo" else "solid")
        for k, column in enumerate(["spine", "p1np", "ctx", "anabolic"]):
            fig.add_scatter(
                x=months,
                y=frame[column],
                mode="lines",
                line=style,
                name=arm,
                legendgroup=arm,
                showlegend=k == 0,
                row=k // 3 + 1,
                col=k % 3 + 1,
            )
        t0 = OP_START + ZOOM_DAY
        m = (sol.t >= t0) & (sol.t <= t0 + 3)
        hours = (sol.t[m] - t0) * 24
        for col, name in ((2, "teriparatide_pg_ml"), (3, "pth_anabolic_rel")):
            fig.add_scatter(
                x=hours,
                y=sol[name][m],
                mode="lines",
                line=style,
                name=arm,
                legendgroup=arm,
                showlegend=False,
                row=2,
                col=col,
            )
    for target_id, column, months in (("T7_p1np_1m", 2, 1.0), ("T7_p1np_6m", 2, 6.0), ("T7_ctx_6m", 3, 6.0)):
        _band_marker(
            fig,
            months,
            target_id,
            colours["daily injections"],
            1,
            column,
            showlegend=target_id == "T7_p1np_1m",
            name="Neer 2001 (daily injections, band)",
        )
    for k in range(4):
        fig.update_xaxes(title_text="months of treatment", row=k // 3 + 1, col=k % 3 + 1)
    fig.update_xaxes(title_text="hours", row=2, col=2)
    fig.update_xaxes(title_text="hours", row=2, col=3)
    fig.update_layout(
        title=wrap_title(
            "(c) The pattern decides: teriparatide 20 ug/day as daily injections or as a continuous "
            "infusion, 12 months in postmenopausal women"
        ),
        height=1000,
    )
    return fig


# --------------------------------------------------------------- (d) glucocorticoid dose-response
VAN_STAA = {"low": (1.5, "< 2.5"), "medium": (5.0, "2.5-7.5"), "high": (10.0, ">= 7.5")}
"""van Staa 2000 dose strata -> (dose drawn at [mg/day], stratum label)."""


def glucocorticoid_doses(model, quick: bool) -> pd.DataFrame:
    """12 months at each dose: fracture RR and BMD vs the same woman without, and BMD-only RR."""
    doses = [0.0, 1.5, 5.0, 10.0, 20.0] if quick else [0.0, 1.5, 2.5, 5.0, 7.5, 10.0, 15.0, 20.0]
    ts, t1 = TRIAL_START, TRIAL_START + YEAR
    grid = np.array([0.0, ts, t1])
    pbo = _run(model, S.menopause(), t1, grid)
    p = {n: model.parameters[n].value for n in ("G_hip", "SD_pct_hip", "G_vert", "SD_pct_spine")}
    rows = []
    for dose in doses:
        sol = (
            pbo if dose == 0 else _run(model, S.menopause() + S.glucocorticoid(dose, start_day=ts), t1, grid)
        )
        d_hip = sol.at("bmd_hip_pct", t1) - pbo.at("bmd_hip_pct", t1)
        d_spine = sol.at("bmd_spine_pct", t1) - pbo.at("bmd_spine_pct", t1)
        rows.append(
            {
                "dose": dose,
                "rr_hip": sol.at("fracture_rr_hip", t1) / pbo.at("fracture_rr_hip", t1),
                "rr_vert": sol.at("fracture_rr_vertebral", t1) / pbo.at("fracture_rr_vertebral", t1),
                "rr_hip_bmd": p["G_hip"] ** (-d_hip / p["SD_pct_hip"]),
                "rr_vert_bmd": p["G_vert"] ** (-d_spine / p["SD_pct_spine"]),
                "bmd_hip": d_hip,
                "bmd_spine": d_spine,
            }
        )
    return pd.DataFrame(rows).set_index("dose")


def glucocorticoid_rows(table: pd.DataFrame) -> list[dict]:
    """van Staa 2000 beside ours, and how much of our RR the BMD loss explains."""
    rows = []
    for site, column in (("hip", "rr_hip"), ("vertebral", "rr_vert")):
        for level, (dose, stratum) in VAN_STAA.items():
            ours = float(np.interp(dose, table.index, table[column]))
            rows.append(
                _target_row(
                    "d",
                    f"D4_{site}_{level}",
                    ours,
                    f"glucocorticoid {stratum} mg/day (at {dose:g}), 12 months: {site} fracture RR",
                )
            )
    for site, column in (("hip", "rr_hip"), ("vertebral", "rr_vert")):
        rr, bmd_only = float(table[column].loc[10.0]), float(table[f"{column}_bmd"].loc[10.0])
        rows.append(
            {
                "figure": "d",
                "quantity": f"glucocorticoid 10 mg/day, 12 months: {site} RR excess carried by BMD",
                "ours": (bmd_only - 1.0) / (rr - 1.0) if rr != 1.0 else math.nan,
                "published": math.nan,
                "unit": "fraction",
                "source": "vanStaa2000 (risk rises within months, before BMD falls much: mostly not BMD)",
            }
        )
    return rows


def figure_d(table: pd.DataFrame) -> go.Figure:
    """Fracture RR by dose beside van Staa 2000 and the BMD-only RR; BMD change by dose."""
    fig = make_subplots(
        rows=1,
        cols=3,
        subplot_titles=[
            "hip fracture RR vs no glucocorticoid",
            "vertebral fracture RR vs no glucocorticoid",
            "BMD vs no glucocorticoid [% points]",
        ],
    )
    for col, (site, column) in enumerate((("hip", "rr_hip"), ("vertebral", "rr_vert")), start=1):
        fig.add_scatter(
            x=table.index,
            y=table[column],
            mode="lines+markers",
            line=dict(color="#8c564b"),
            name="model",
            legendgroup="model",
            showlegend=col == 1,
            row=1,
            col=col,
        )
        fig.add_scatter(
            x=table.index,
            y=table[f"{column}_bmd"],
            mode="lines",
            line=dict(color="#8c564b", dash="dash"),
            name="BMD loss alone (Marshall 1996 gradient)",
            legendgroup="bmd",
            showlegend=col == 1,
            row=1,
            col=col,
        )
        for level, (dose, stratum) in VAN_STAA.items():
            _band_marker(
                fig,
                dose,
                f"D4_{site}_{level}",
                "black",
                1,
                col,
                showlegend=col == 1 and level == "low",
                name="van Staa 2000 (stratum, +-20 % band)",
                text=[stratum],
                textposition="top center",
            )
        fig.update_yaxes(type="log", title_text="relative risk", row=1, col=col)
    for name, label, dash in (("bmd_spine", "spine BMD", "solid"), ("bmd_hip", "hip BMD", "dot")):
        fig.add_scatter(
            x=table.index,
            y=table[name],
            mode="lines+markers",
            line=dict(color="#1f77b4", dash=dash),
            name=label,
            row=1,
            col=3,
        )
    fig.update_xaxes(title_text="prednisolone-equivalent dose [mg/day]")
    fig.update_layout(
        title=wrap_title(
            "(d) Glucocorticoid dose-response: 12 months in postmenopausal women; fracture risk rises "
            "beyond what the BMD loss alone gives"
        ),
        height=650,
    )
    return fig


# ------------------------------------------------------------------- (e) lifestyle vs drugs
def lifestyle_conditions() -> dict[str, tuple[Scenario, bool]]:
    """Condition -> (scenario, whether RA-specific drugs apply)."""
    return {
        "postmenopausal": (S.menopause(), False),
        "established RA": (
            S.rheumatoid_arthritis("high", stop_day=180.0)
            + S.rheumatoid_arthritis("low", start_day=180.0)
            + S.ageing(),
            True,
        ),
        "type 2 diabetes": (S.type2_diabetes(), False),
    }


def lifestyle_treatments(start: float, ra: bool, quick: bool) -> dict[str, Scenario]:
    """Treatments of figure (e), from ``start`` for 3 years."""
    out = {
        "omega-3 2 g/day": S.omega3(2.0, start_day=start),
        "resistance training": S.resistance_training(start_day=start),
        "calcium 1000 + vitamin D 800": S.calcium(1000.0, start_day=start)
        + S.vitamin_d(800.0, start_day=start),
        "denosumab": S.denosumab(start_day=start),
        "alendronate": S.alendronate(start_day=start),
        "zoledronate": S.zoledronate(start_day=start, stop_day=start + 3 * YEAR - 1),
    }
    if quick:
        out.pop("alendronate")
    if ra:
        out["methotrexate"] = S.methotrexate(start_day=start)
        out["anti-TNF"] = S.anti_tnf(start_day=start)
    return out


def lifestyle_vs_drugs(model, quick: bool) -> pd.DataFrame:
    """3-year spine BMD (points) and hip fracture incidence ratio vs the untreated condition.

    Treatment starts 5 years into each condition (``TRIAL_START``), as in the trials of (a).
    """
    start = TRIAL_START
    t_end = start + 3 * YEAR
    grid = _grid(start, t_end, 10.0)
    rows = []
    for condition, (base, ra) in lifestyle_conditions().items():
        untreated = _run(model, base, t_end, grid)
        for name, treatment in lifestyle_treatments(start, ra, quick).items():
            sol = _run(model, base + treatment, t_end, grid)
            spine = _from(sol, "bmd_spine_rel", start)[-1] - _from(untreated, "bmd_spine_rel", start)[-1]
            rr = _incidence_ratio(sol, untreated, "fracture_rr_hip", start)[-1]
            rows.append({"condition": condition, "treatment": name, "spine": spine, "rr_hip": rr})
    return pd.DataFrame(rows)


def figure_e(table: pd.DataFrame) -> go.Figure:
    """Grouped bars: one group per condition, one bar per treatment."""
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        subplot_titles=[
            "spine BMD after 3 years vs the untreated condition [% points]",
            "hip fracture incidence ratio over 3 years vs the untreated condition",
        ],
    )
    for k, (treatment, part) in enumerate(table.groupby("treatment", sort=False)):
        colour = ["#17becf", "#bcbd22", "#e377c2", "#1f77b4", "#ff7f0e", "#2ca02c", "#7f7f7f", "#9467bd"][
            k % 8
        ]
        for row, column in ((1, "spine"), (2, "rr_hip")):
            fig.add_bar(
                x=part["condition"],
                y=part[column],
                name=treatment,
                legendgroup=treatment,
                marker_color=colour,
                showlegend=row == 1,
                row=row,
                col=1,
            )
    fig.add_hline(y=1.0, line=dict(color="black", width=1), row=2, col=1)
    fig.update_yaxes(title_text="% points", row=1, col=1)
    fig.update_yaxes(title_text="incidence ratio", row=2, col=1)
    fig.update_layout(
        barmode="group",
        title=wrap_title(
            "(e) Lifestyle vs drugs, 3 years from 5 years into each condition, against the untreated condition"
        ),
        legend_title="treatment",
        height=1000,
    )
    return fig


# ------------------------------------------------------------------------------------ entry
def reproduce(out: str | Path, *, quick: bool = False) -> pd.DataFrame:
    """Write the six drug figures and return ours beside the published numbers."""
    out = Path(out)
    model = load_model("inflammation")
    js = "cdn" if quick else True  # the full figures work offline
    courses = pk_courses(model)
    figure_pk(courses).write_html(out / "drugs_pk_single_dose.html", include_plotlyjs=js)
    rows = pk_rows(model, courses)
    runs = trial_runs(model, quick)
    trials = trial_effects(model, quick, runs)
    figure_a(trials).write_html(out / "drugs_a_trials.html", include_plotlyjs=js)
    rows += trial_rows(trials)
    stops = stopping(model, quick)
    figure_b(stops).write_html(out / "drugs_b_stopping.html", include_plotlyjs=js)
    rows += stopping_rows(stops)
    pth = pth_pattern(model, quick, runs["teriparatide"])
    figure_c(pth).write_html(out / "drugs_c_pth_pattern.html", include_plotlyjs=js)
    rows += pth_rows(pth)
    gc = glucocorticoid_doses(model, quick)
    figure_d(gc).write_html(out / "drugs_d_glucocorticoid_dose.html", include_plotlyjs=js)
    rows += glucocorticoid_rows(gc)
    life = lifestyle_vs_drugs(model, quick)
    figure_e(life).write_html(out / "drugs_e_lifestyle_vs_drugs.html", include_plotlyjs=js)
    return comparison(rows)


if __name__ == "__main__":
    run_script(reproduce, "figures")
