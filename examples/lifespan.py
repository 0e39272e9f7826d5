"""A woman and a man from 20 to 90: hip and spine BMD by age beside NHANES.

Each is the flagship's healthy adult at 30 (peak bone mass; no accrual is modelled, so 20-30 is
flat) living a patient history (``bm.Patient``): inflammaging from 30, menopause at 51 for the
woman, and for the man his bioavailable estradiol falling with age (the 'lifespan' module,
Khosla 1998). Nothing here is fitted to the curves.

Published values: NHANES reference means by decade (Varatharajan 2026, Table 3: lumbar spine for
both sexes, total hip for men, and for women the 21-30 decade only), as % change from the 21-30
mean of the same sex; and NHANES 2005-2020 total femur at 80+ (0.92 g/cm2 men, 0.74 women; the
"Trends in BMD in US 6-80 years old" abstract), against the same 21-30 means. Ours is the mean of
the model over the decade's ages.

Expected misses, each named in the table: cross-sectional spine BMD in older people is raised by
osteophytes and aortic calcification, so men's spine stays flat in NHANES while their hip falls,
and women's spine loss looks about half of what longitudinal studies (SWAN, target T1, met) give.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

import bonemodel as bm
from bonemodel.plotting import wrap_title
from bonemodel.report import comparison, run_script

YEAR = 365.25
START_AGE, END_AGE = 30.0, 90.0
MENOPAUSE_AGE = 51.0

NHANES = {
    # (sex, site): [(decade low, high, mean g/cm2, SD)], Varatharajan 2026 Table 3 (NHANES reference)
    ("male", "spine"): [
        (21, 30, 1.057, 0.110), (31, 40, 1.042, 0.117), (41, 50, 1.051, 0.129),
        (51, 60, 1.053, 0.143), (61, 70, 1.070, 0.142), (71, 80, 1.068, 0.177),
    ],
    ("female", "spine"): [
        (21, 30, 1.064, 0.106), (31, 40, 1.065, 0.110), (41, 50, 1.056, 0.134),
        (51, 60, 0.993, 0.141), (61, 70, 0.952, 0.142), (71, 80, 0.902, 0.167),
    ],
    ("male", "hip"): [
        (21, 30, 1.067, 0.120), (31, 40, 1.029, 0.134), (41, 50, 1.040, 0.130),
        (51, 60, 1.015, 0.142), (61, 70, 0.997, 0.137), (71, 80, 0.961, 0.143),
    ],
    ("female", "hip"): [(21, 30, 0.971, 0.114)],
}  # fmt: skip
"""NHANES reference means (SD) of BMD [g/cm2] by sex, site and decade of age."""

OLDEST = {("male", "hip"): 0.92, ("female", "hip"): 0.74}
"""NHANES 2005-2020 mean total femur BMD [g/cm2] at 80+ ("Trends in BMD in US 6-80 years old")."""

MISSES = {
    ("male", "spine"): "NHANES men's spine stays flat with age: osteophytes and aortic calcification "
    "raise spine DXA in older men (their hip falls); the model has no such artefact",
    ("female", "spine"): "cross-sectional spine DXA in older women is raised by degenerative change and "
    "the 51-60 decade mixes pre- and postmenopausal women; the model follows longitudinal SWAN loss (T1, met)",
}
"""Where the model is expected to differ from the cross-sectional curves, and why."""


def curves(model: bm.Model | str = "inflammation", step_years: float = 1.0) -> pd.DataFrame:
    """BMD relative to the healthy adult [1] of a woman and a man from 30 to 90, by age [yr].

    Parameters
    ----------
    model
        The flagship (``inflammation``) or its name.
    step_years
        Spacing of the ages [yr].

    Returns
    -------
    pandas.DataFrame
        Columns ``sex``, ``age``, ``bmd_hip_rel``, ``bmd_spine_rel``.
    """
    from bonemodel.trials.patient import history

    ages = np.arange(START_AGE, END_AGE + 1e-9, step_years)
    frames = []
    for sex in ("female", "male"):
        person = bm.Patient(sex=sex, age=END_AGE, menopause_age=MENOPAUSE_AGE if sex == "female" else None)
        scenario, days = history(person)
        sol = bm.simulate(model, days, scenario=scenario, t_eval=(ages - START_AGE) * YEAR)
        frames.append(
            pd.DataFrame(
                {
                    "sex": sex,
                    "age": ages,
                    "bmd_hip_rel": sol["bmd_hip_rel"],
                    "bmd_spine_rel": sol["bmd_spine_rel"],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def decade_changes(table: pd.DataFrame) -> pd.DataFrame:
    """Ours beside NHANES: % change of each decade's mean from the 21-30 mean, per sex and site."""
    rows = []
    for (sex, site), decades in NHANES.items():
        young = decades[0][2]
        part = table[table["sex"] == sex]
        points = [(low, high, mean) for low, high, mean, _ in decades[1:]]
        if (sex, site) in OLDEST:
            points.append((80, 90, OLDEST[(sex, site)]))
        for low, high, mean in points:
            # ages before 30 are at peak (relative BMD 1)
            ages = np.arange(low, high + 1e-9, 1.0)
            ours = np.mean(np.interp(ages, part["age"], part[f"bmd_{site}_rel"], left=1.0))
            rows.append(
                {
                    "sex": sex,
                    "site": site,
                    "decade": f"{low}-{high}" if high < 90 else "80+",
                    "ours": 100 * (ours - 1.0),
                    "published": 100 * (mean / young - 1.0),
                }
            )
    return pd.DataFrame(rows)


def figure(table: pd.DataFrame) -> go.Figure:
    fig = make_subplots(rows=1, cols=2, subplot_titles=["total hip", "lumbar spine"])
    colours = {"female": "#c0392b", "male": "#2471a3"}
    for col, site in enumerate(("hip", "spine"), start=1):
        for sex in ("female", "male"):
            decades = NHANES[(sex, site)]
            young = decades[0][2]
            part = table[table["sex"] == sex]
            ages = np.concatenate([[20.0], part["age"]])
            grams = young * np.concatenate([[1.0], part[f"bmd_{site}_rel"]])
            fig.add_scatter(
                x=ages, y=grams, mode="lines", name=f"{sex}, model", line={"color": colours[sex]},
                legendgroup=sex, showlegend=col == 1, row=1, col=col,
            )  # fmt: skip
            mids = [(low + high) / 2 for low, high, _, _ in decades]
            fig.add_scatter(
                x=mids, y=[m for _, _, m, _ in decades], mode="markers", name=f"{sex}, NHANES (mean, SD)",
                error_y={"type": "data", "array": [s for *_, s in decades]},
                marker={"color": colours[sex], "symbol": "circle-open", "size": 9},
                legendgroup=sex, showlegend=col == 1, row=1, col=col,
            )  # fmt: skip
            if (sex, site) in OLDEST:
                fig.add_scatter(
                    x=[85.0], y=[OLDEST[(sex, site)]], mode="markers", name=f"{sex}, NHANES 2005-2020, 80+",
                    marker={"color": colours[sex], "symbol": "diamond-open", "size": 10},
                    legendgroup=sex, showlegend=col == 1, row=1, col=col,
                )  # fmt: skip
        fig.update_xaxes(title_text="age [yr]", row=1, col=col)
        fig.update_yaxes(title_text="BMD [g/cm2] (model: relative x NHANES 21-30 mean)", row=1, col=col)
    fig.update_layout(
        title=wrap_title(
            "Lifespan: a woman (menopause at 51) and a man from 20 to 90 beside NHANES means by decade "
            "(no fitting; peak bone mass at 30)"
        )
    )
    return fig


def reproduce(out: Path, *, quick: bool = False) -> pd.DataFrame:
    """Hip and spine BMD from 20 to 90 for a woman and a man, beside NHANES."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    table = curves(step_years=2.0 if quick else 1.0)
    figure(table).write_html(out / "lifespan.html", include_plotlyjs="cdn" if quick else True)
    rows = []
    for _, r in decade_changes(table).iterrows():
        miss = MISSES.get((r["sex"], r["site"]))
        rows.append(
            {
                "figure": "lifespan",
                "quantity": f"{r['sex']} {r['site']} BMD, {r['decade']} vs 21-30",
                "ours": r["ours"],
                "published": r["published"],
                "unit": "%",
                "source": "NHANES (Varatharajan 2026 Table 3; 80+: NHANES 2005-2020)"
                + (f"; expected miss: {miss}" if miss else ""),
            }
        )
    return comparison(rows)


if __name__ == "__main__":
    run_script(reproduce, "figures")
