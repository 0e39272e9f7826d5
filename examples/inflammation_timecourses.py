"""Inflammation model, Fig. 1: ten-year time courses of the conditions.

Healthy adult, menopause, active rheumatoid arthritis (high activity), metabolic syndrome and type 2
diabetes, each from day 0 in a healthy adult: cytokines, CRP, RANKL/OPG, osteoclasts, osteoblasts
and spine/hip BMD. Where the thesis and the data disagree the figure follows the data and says so:
metabolic syndrome keeps (even gains) BMD and does not raise fracture risk, because its extra body
weight loads the skeleton; type 2 diabetes fractures at normal BMD through bone quality (AGEs).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from bonemodel import scenarios as S
from bonemodel.examples._figures import overlaid_panels
from bonemodel.models import load_model
from bonemodel.report import comparison, run_script
from bonemodel.simulate import simulate

YEAR = 365.25
T_END = 10 * YEAR
CONDITIONS = {
    "healthy": S.healthy,
    "menopause": S.menopause,
    "RA (high activity)": lambda: S.rheumatoid_arthritis("high"),
    "metabolic syndrome": S.metabolic_syndrome,
    "type 2 diabetes": S.type2_diabetes,
}
PANELS = [
    ("tnf_pg_ml", "TNF-alpha [pg/mL]"),
    ("il6_pg_ml", "IL-6 [pg/mL]"),
    ("crp_mg_l", "CRP [mg/L]"),
    ("rankl_opg", "RANKL/OPG (fold of healthy)"),
    ("OCa", "active osteoclasts [pM]"),
    ("OBa", "active osteoblasts [pM]"),
    ("bmd_spine_pct", "spine BMD [% change]"),
    ("bmd_hip_pct", "hip BMD [% change]"),
]
COLOURS = ["#7f7f7f", "#9467bd", "#d62728", "#ff7f0e", "#8c564b"]
# Published numbers to set beside ours (per condition: observable, value, unit, source)
PUBLISHED = {
    "RA (high activity)": [
        (
            "fracture_rr_hip",
            2.41,
            "RR",
            "meta-analysis of 13 studies (clinical-targets T8a), treated RA cohorts",
        )
    ],
    "metabolic syndrome": [("fracture_rr_hip", 0.85, "RR", "Esposito2013 meta-analysis (M1)")],
    "type 2 diabetes": [("fracture_rr_hip", 1.34, "RR", "Fan2016 meta-analysis (M2)")],
}


def run(quick: bool = False) -> dict[str, pd.DataFrame]:
    """Simulate every condition for ten years; frames indexed by time in years."""
    model = load_model("inflammation")
    grid = np.linspace(0.0, T_END, 121 if quick else 521)
    out = {}
    for label, make in CONDITIONS.items():
        frame = simulate(model, T_END, scenario=make(), t_eval=grid).to_frame()
        frame.index = frame.index / YEAR
        out[label] = frame
    return out


def figure(runs: dict[str, pd.DataFrame]) -> go.Figure:
    fig = overlaid_panels(runs, PANELS, COLOURS, cols=2, vertical_spacing=0.07)
    for col in (1, 2):
        fig.update_xaxes(title_text="years", row=4, col=col)
    mets = runs["metabolic syndrome"].iloc[-1]
    fig.update_layout(
        title=(
            "Ten years of each condition. Data, not thesis: metabolic syndrome keeps BMD "
            f"({mets['bmd_hip_pct']:+.1f} % hip) and its hip fracture RR is {mets['fracture_rr_hip']:.2f} (< 1)"
        ),
        template="plotly_white",
        height=1100,
        width=1100,
    )
    return fig


def reproduce(out: Path, *, quick: bool = False) -> pd.DataFrame:
    """Write ``inflammation_timecourses.html`` into ``out`` and tabulate 10-year outcomes."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    runs = run(quick)
    figure(runs).write_html(out / "inflammation_timecourses.html", include_plotlyjs="cdn" if quick else True)
    rows = []
    for label, frame in runs.items():
        end = frame.iloc[-1]
        published = {obs: (v, u, s) for obs, v, u, s in PUBLISHED.get(label, [])}
        for obs, unit in (
            ("bmd_spine_pct", "%"),
            ("bmd_hip_pct", "%"),
            ("crp_mg_l", "mg/L"),
            ("fracture_rr_hip", "RR"),
            ("fracture_rr_vertebral", "RR"),
        ):
            value, _, source = published.get(obs, (np.nan, unit, "(no published number for this quantity)"))
            rows.append(
                {
                    "figure": "Fig 1 time courses",
                    "quantity": f"{label}: {obs} at 10 years",
                    "ours": float(end[obs]),
                    "published": value,
                    "unit": unit,
                    "source": source,
                }
            )
    return comparison(rows)


if __name__ == "__main__":
    run_script(reproduce, "figures")
