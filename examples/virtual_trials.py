"""Published trials as distributions: mean, SD and fracture incidence per arm, beside the trials.

Each trial is a virtual population (``bm.population``: covariates of the trial's entry criteria,
each person's own bone turnover) run in every arm (``bm.trial``), with BMD reported as a trial
measures it (two DXA scans and the within-person change the model does not explain,
``measured=True``; see :mod:`bonemodel.trials.variability`).

* **FREEDOM** (T4, denosumab 60 mg every 6 months vs placebo, women 60-90 with low BMD, 3 years):
  total hip BMD at 12, 24 and 36 months (Austin 2012, Table 2: mean and 95 % CI, n = 3906 and
  3902; the SD follows from the CIs only to a range, as they are printed to 0.1 %) and the 3-year
  hip fracture incidence (Cummings 2009: 1.2 % placebo, 0.7 % denosumab). The placebo arm's
  36-month SD is the one number the variability is calibrated to; the others are checks.
* **LIFTMOR** (T9c, high-intensity resistance and impact training twice weekly at > 85 % 1RM vs
  low-intensity home exercise, women 65 +- 5 with low bone mass, 8 months; Watson 2018): lumbar
  spine and femoral neck (ours: total hip) change, mean +- SD.
* **Early RA** (T2/T3, high activity, untreated or anti-TNF from entry, vs age-matched controls,
  12 months): spine and hip change against the target bands (Gough 1994, Haugeberg 2009) and
  against Gough's 12-month means (SE; the hip is his trochanter), read as RA minus matched
  controls as he reports it; no arm SD could be read.
* **Calcium** (T9a, +1,000 mg/day, 12 months): BMD vs control against the meta-analysis band
  (Tai 2015); no arm SD could be read.

Population sizes are small to keep ``bonemodel reproduce`` short (80 per arm for FREEDOM, 30 for the
others): our SDs carry a sampling error of about 1/sqrt(2n) (8 % and 13 %).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

import bonemodel as bm
from bonemodel import scenarios as S
from bonemodel.plotting import wrap_title
from bonemodel.report import comparison, run_script

YEAR = 365.25
N_PEOPLE, N_QUICK = 30, 8
FREEDOM_PEOPLE = 80
"""FREEDOM gets more people: its arm SDs are what it is compared on (sampling error ~8 % at 80)."""
LIFTMOR_DAYS = 8 * YEAR / 12

FREEDOM_HIP = {
    # month: (placebo mean, denosumab mean, placebo CI half-width, denosumab CI half-width,
    #         difference CI half-width), Austin 2012 Table 2 [%]
    12: (0.0, 3.2, 0.1, 0.1, 0.15),
    24: (-0.7, 4.4, 0.1, 0.1, 0.15),
    36: (-1.4, 5.0, 0.1, 0.1, 0.2),
}  # fmt: skip
FREEDOM_N = (3906, 3902)
FREEDOM_HIP_FRACTURE_3Y = {"placebo": 1.2, "denosumab": 0.7}
"""3-year hip fracture incidence [%] (Cummings 2009)."""

LIFTMOR = {
    # arm: {site: (mean, SD)} [%], Watson 2018 (femoral neck for 'hip')
    "control": {"spine": (-1.2, 2.8), "hip": (-1.9, 2.6)},
    "training": {"spine": (2.9, 2.8), "hip": (0.3, 2.6)},
}  # fmt: skip
GOUGH_12M = {
    # arm: {site: (mean, SE)} [%], Gough 1994 abstract: 12-month change in early RA (before
    # corticosteroids or DMARDs) and in controls matched for menopausal status; the hip site is
    # the trochanter (ours: total hip). The abstract prints the units as g/cm2; they are % changes.
    "RA untreated": {"spine": (-2.4, 0.8), "hip": (-4.3, 0.8)},
    "controls": {"spine": (-0.6, 0.4), "hip": (-0.4, 0.5)},
}  # fmt: skip


def sd_range(month: int) -> tuple[float, float]:
    """The SD [%] of an arm's total hip change that FREEDOM's printed CIs allow (equal arm SDs).

    Each printed half-width h (to 0.1 %) lies within h +- 0.05; an arm's CI gives
    SD = h sqrt(n) / 1.96, the between-arm CI gives SD = h / (1.96 sqrt(1/n1 + 1/n2)).
    """
    _, _, h_pl, _, h_diff = FREEDOM_HIP[month]
    n1, n2 = FREEDOM_N
    arm = [(h_pl + d) * np.sqrt(n1) / 1.96 for d in (-0.05, 0.05)]
    diff = [(h_diff + d) / (1.96 * np.sqrt(1 / n1 + 1 / n2)) for d in (-0.05, 0.05)]
    return max(arm[0], diff[0]), min(arm[1], diff[1])


def _population(n: int, seed: int, age: tuple[float, float], t_score: float) -> pd.DataFrame:
    return bm.population(
        n, seed=seed, sex="female", age=age, individual=True,
        mean_t_score=lambda sex, ages: np.full_like(np.asarray(ages, dtype=float), t_score),
    )  # fmt: skip


def run_trials(model: bm.Model, n: int) -> dict[str, bm.TrialResult]:
    """The four virtual trials (results with measured BMD endpoints)."""
    # FREEDOM: 60-90 (mean 72), mean total hip T-score -1.9 (entry: spine or hip between -2.5 and -4)
    freedom = bm.trial(
        model,
        _population(n if n < N_PEOPLE else FREEDOM_PEOPLE, 11, (62.0, 82.0), -1.9),
        {"placebo": None, "denosumab": S.denosumab()},
        3 * YEAR,
        [f"bmd_hip_pct@{m / 12 * YEAR:g}" for m in FREEDOM_HIP] + [f"bmd_spine_pct@{3 * YEAR:g}"],
        measured=True,
        seed=11,
    )
    liftmor = bm.trial(
        model,
        _population(n, 12, (60.0, 70.0), -2.0),
        {"control": None, "training": S.resistance_training(sessions_per_week=2.0, intensity=0.85)},
        LIFTMOR_DAYS,
        [f"bmd_spine_pct@{LIFTMOR_DAYS:g}", f"bmd_hip_pct@{LIFTMOR_DAYS:g}"],
        measured=True,
        seed=12,
    )
    ra = bm.trial(
        model,
        _population(n, 13, (45.0, 65.0), -0.5),
        {
            "controls": None,
            "RA untreated": S.rheumatoid_arthritis("high"),
            "RA + anti-TNF": S.rheumatoid_arthritis("high") + S.anti_tnf(),
        },
        YEAR,
        [f"bmd_spine_pct@{YEAR:g}", f"bmd_hip_pct@{YEAR:g}"],
        measured=True,
        seed=13,
    )
    calcium = bm.trial(
        model,
        _population(n, 14, (55.0, 75.0), -1.0),
        {"control": None, "calcium": S.calcium(1000.0)},
        YEAR,
        [f"bmd_spine_pct@{YEAR:g}", f"bmd_hip_pct@{YEAR:g}"],
        measured=True,
        seed=14,
    )
    return {"FREEDOM": freedom, "LIFTMOR": liftmor, "early RA": ra, "calcium": calcium}


def comparison_rows(results: dict[str, bm.TrialResult]) -> list[dict]:
    rows = []
    fr = results["FREEDOM"].summary()
    for month, (pl, dm, *_rest) in FREEDOM_HIP.items():
        e = f"bmd_hip_pct@{month / 12 * YEAR:g}"
        low, high = sd_range(month)
        for arm, published in (("placebo", pl), ("denosumab", dm)):
            rows.append(
                _row(
                    "FREEDOM",
                    f"{arm}: total hip, {month} months, mean",
                    fr.loc[arm, f"{e} mean"],
                    published,
                    "Austin 2012 Table 2",
                )
            )
            rows.append(_row("FREEDOM", f"{arm}: total hip, {month} months, SD", fr.loc[arm, f"{e} sd"], (low + high) / 2,
                             f"Austin 2012 Table 2 (SD from the printed CIs: {low:.1f}-{high:.1f})"
                             + ("; calibrated" if (arm, month) == ("placebo", 36) else "")))  # fmt: skip
    for arm, published in FREEDOM_HIP_FRACTURE_3Y.items():
        part = results["FREEDOM"].frame
        ours = 100 * part.loc[part["arm"] == arm, "fracture_prob_hip"].mean()
        rows.append(_row("FREEDOM", f"{arm}: hip fracture in 3 years", ours, published, "Cummings 2009"))
    lm = results["LIFTMOR"].summary()
    for arm, sites in LIFTMOR.items():
        for site, (mean, sd) in sites.items():
            e = f"bmd_{site}_pct@{LIFTMOR_DAYS:g}"
            label = "lumbar spine" if site == "spine" else "total hip (published: femoral neck)"
            rows.append(
                _row(
                    "LIFTMOR",
                    f"{arm}: {label}, 8 months, mean",
                    lm.loc[arm, f"{e} mean"],
                    mean,
                    "Watson 2018",
                )
            )
            rows.append(_row("LIFTMOR", f"{arm}: {label}, 8 months, SD", lm.loc[arm, f"{e} sd"], sd, "Watson 2018"))  # fmt: skip
    rows += early_ra_rows(results["early RA"].summary())
    ca = results["calcium"].summary()
    for site in ("spine", "hip"):
        e = f"bmd_{site}_pct@{YEAR:g}"
        rows.append(_row("calcium", f"calcium vs control: {site}, 12 months", ca.loc["calcium", f"{e} mean"] - ca.loc["control", f"{e} mean"], "",
                         "T9a band +0.7 to +1.8 % (Tai 2015); a difference of two noisy arm means"))  # fmt: skip
        rows.append(
            _row(
                "calcium",
                f"calcium: {site}, 12 months, SD",
                ca.loc["calcium", f"{e} sd"],
                "",
                "no arm SD could be read",
            )
        )
    return rows


def early_ra_rows(ra: pd.DataFrame) -> list[dict]:
    """The early-RA trial's rows: each arm against its band and Gough's means, and RA vs controls."""
    rows = []
    bands = {
        ("RA untreated", "spine"): "-3.5 to -1.5", ("RA untreated", "hip"): "-4.5 to -2.5",
        ("controls", "spine"): "-1.0 to 0", ("controls", "hip"): "-1.0 to 0",
        ("RA + anti-TNF", "spine"): "-1.0 to +1.0", ("RA + anti-TNF", "hip"): "-1.0 to +1.0",
    }  # fmt: skip
    for (arm, site), band in bands.items():
        e = f"bmd_{site}_pct@{YEAR:g}"
        gough = GOUGH_12M.get(arm, {}).get(site)
        source = f"T2/T3 band {band} % (Gough 1994, Haugeberg 2009)"
        if gough is not None:
            source = f"Gough 1994 (SE {gough[1]:g}{'; trochanter' if site == 'hip' else ''}); " + source
        rows.append(_row("early RA", f"{arm}: {site}, 12 months, mean", ra.loc[arm, f"{e} mean"],
                         "" if gough is None else gough[0], source))  # fmt: skip
        rows.append(_row("early RA", f"{arm}: {site}, 12 months, sd", ra.loc[arm, f"{e} sd"], "", "no arm SD could be read"))  # fmt: skip
    for site in ("spine", "hip"):
        # read against the matched control, as Gough reports it
        e = f"bmd_{site}_pct@{YEAR:g}"
        (ra_mean, ra_se), (ctrl_mean, ctrl_se) = (
            GOUGH_12M[arm][site] for arm in ("RA untreated", "controls")
        )
        ours = ra.loc["RA untreated", f"{e} mean"] - ra.loc["controls", f"{e} mean"]
        rows.append(_row("early RA", f"RA untreated vs controls: {site}, 12 months", ours, round(ra_mean - ctrl_mean, 2),
                         f"Gough 1994 (SE {math.hypot(ra_se, ctrl_se):.2f}{'; trochanter' if site == 'hip' else ''})"))  # fmt: skip
    return rows


def _row(trial: str, quantity: str, ours: float, published, source: str) -> dict:
    return {"figure": f"virtual trials: {trial}", "quantity": quantity, "ours": float(ours),
            "published": published, "unit": "%", "source": source}  # fmt: skip


def figure(results: dict[str, bm.TrialResult]) -> go.Figure:
    fig = make_subplots(rows=1, cols=3, subplot_titles=[
        "FREEDOM: total hip at 36 months", "LIFTMOR: lumbar spine at 8 months", "early RA: hip at 12 months"])  # fmt: skip
    panels = [
        ("FREEDOM", f"bmd_hip_pct@{3 * YEAR:g}", {"placebo": (-1.4, None), "denosumab": (5.0, None)}),
        ("LIFTMOR", f"bmd_spine_pct@{LIFTMOR_DAYS:g}", {a: v["spine"] for a, v in LIFTMOR.items()}),
        ("early RA", f"bmd_hip_pct@{YEAR:g}", {}),
    ]
    low, high = sd_range(36)
    for col, (name, endpoint, published) in enumerate(panels, start=1):
        frame = results[name].frame
        for arm in results[name].arms:
            fig.add_box(y=frame.loc[frame["arm"] == arm, endpoint], name=f"{arm} (ours)", boxmean="sd",
                        showlegend=False, row=1, col=col)  # fmt: skip
            if arm in published:
                mean, sd = published[arm]
                sd = sd if sd is not None else (low + high) / 2
                fig.add_scatter(x=[f"{arm} (ours)"], y=[mean], mode="markers", marker={"symbol": "diamond", "size": 11, "color": "black"},
                                error_y={"type": "data", "array": [sd]}, name="published mean +- SD", showlegend=col == 1 and arm == results[name].arms[0],
                                row=1, col=col)  # fmt: skip
        fig.update_yaxes(title_text="% change from baseline (measured)", row=1, col=col)
    fig.update_layout(
        title=wrap_title(
            "Virtual trials as distributions: each person's measured BMD change (box: median, quartiles, mean +- SD) beside the published mean +- SD"
        )
    )
    return fig


def reproduce(out: Path, *, quick: bool = False) -> pd.DataFrame:
    """Four published trials as distributions: mean, SD and hip fracture incidence per arm."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model = bm.load_model("inflammation")
    results = run_trials(model, N_QUICK if quick else N_PEOPLE)
    figure(results).write_html(out / "virtual_trials.html", include_plotlyjs="cdn" if quick else True)
    return comparison(comparison_rows(results))


if __name__ == "__main__":
    run_script(reproduce, "figures")
