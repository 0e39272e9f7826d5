"""Bone quality: density is not strength. Four figures of the flagship with its quality module.

(a) Density vs quality: per condition, the 10-year change of hip BMD, tissue mineral density, the
    trabecular bone score analogue, AGE and enzymatic cross-links, hip strength and hip fracture risk, each read
    against the condition's matched control.
(b) Same BMD, different risk: hip fracture RR against the hip BMD difference over a sweep of
    conditions and inflammatory tone, coloured by CRP, beside the RR that BMD alone would give
    (Marshall 1996): what lies above that line is risk that does not go through density.
(c) Calcium x inflammation: the 10-year hip fracture RR beside the 10-year hip BMD change.
(d) Resolution, extended: two years of high-activity RA, then remission or anti-TNF; BMD,
    tissue mineralisation, cross-links and strength recover, trabecular connectivity does not.

Published values (clinical-targets.md Q3-Q6, R1, T8a) are printed beside ours.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from bonemodel import scenarios as S
from bonemodel.compare import compare
from bonemodel.models import load_model
from bonemodel.plotting import wrap_title
from bonemodel.report import comparison, run_script
from bonemodel.simulate import simulate

YEAR = 365.25
T_END = 10 * YEAR
MEASURES = {
    "bmd_hip_pct": "hip BMD",
    "tmd_hip_pct": "tissue mineral density (hip)",
    "tbs_pct": "TBS analogue (spine)",
    "age_index": "AGE cross-links",
    "xlink_enz_index": "enzymatic cross-links",
    "strength_hip_pct": "hip strength",
    "fracture_rr_hip": "hip fracture risk",
}


def conditions() -> dict[str, tuple]:
    """Condition -> (scenario, matched control, label of the control)."""
    return {
        "menopause": (S.menopause(), S.healthy(), "premenopausal"),
        "RA, usual care": (
            S.rheumatoid_arthritis("high", stop_day=180.0)
            + S.rheumatoid_arthritis("low", start_day=180.0)
            + S.ageing(),
            S.ageing(),
            "age-matched",
        ),
        "low-grade inflammation (CRP 4)": (S.low_grade_inflammation(crp=4.0), S.healthy(), "CRP 1 mg/L"),
        "metabolic syndrome": (S.metabolic_syndrome(), S.healthy(), "healthy"),
        "type 2 diabetes": (S.type2_diabetes(), S.healthy(), "healthy"),
    }


def density_vs_quality(model) -> pd.DataFrame:
    """10-year effect of each condition on each measure (% or % points vs its control)."""
    rows = {}
    for name, (scenario, control, _) in conditions().items():
        eff = compare(
            model, T_END, scenario=scenario, control=control, t_eval=[0.0, T_END], observables=list(MEASURES)
        )
        end = eff.iloc[-1]
        rows[name] = {
            m: 100.0 * (end[m] - 1.0) if eff.attrs["effect"][m] == "ratio" else end[m] for m in MEASURES
        }
    return pd.DataFrame(rows).T


def same_bmd_different_risk(model, quick: bool) -> pd.DataFrame:
    """Hip BMD difference, hip fracture RR and CRP after 10 years, over conditions and CRP levels."""
    crps = [1.5, 3.0, 6.0] if quick else [1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0]
    cases = {f"low-grade, CRP {c:g}": (S.low_grade_inflammation(crp=c), S.healthy()) for c in crps}
    for activity in ("low", "moderate", "high"):
        cases[f"RA {activity}"] = (S.rheumatoid_arthritis(activity) + S.ageing(), S.ageing())
    cases["menopause"] = (S.menopause(), S.healthy())
    cases["type 2 diabetes"] = (S.type2_diabetes(), S.healthy())
    cases["metabolic syndrome"] = (S.metabolic_syndrome(), S.healthy())
    rows = []
    for name, (scenario, control) in cases.items():
        eff = compare(
            model,
            T_END,
            scenario=scenario,
            control=control,
            t_eval=[0.0, T_END],
            observables=["bmd_hip_pct", "fracture_rr_hip", "crp_mg_l"],
        )
        crp = eff["crp_mg_l"].iloc[-1] * model.parameters["CRP0"].value
        rows.append(
            {
                "case": name,
                "bmd_hip_diff": eff["bmd_hip_pct"].iloc[-1],
                "rr_hip": eff["fracture_rr_hip"].iloc[-1],
                "crp": crp,
            }
        )
    return pd.DataFrame(rows)


def bmd_only_rr(model, bmd_diff_pct: np.ndarray) -> np.ndarray:
    """Hip fracture RR that a BMD difference alone gives (Marshall 1996 gradient)."""
    g, sd = model.parameters["G_hip"].value, model.parameters["SD_pct_hip"].value
    return g ** (-bmd_diff_pct / sd)


def heatmaps(model, quick: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """10-year hip BMD change and hip fracture RR over calcium intake x CRP."""
    calcium = (
        np.array([400.0, 800.0, 1600.0])
        if quick
        else np.array([300.0, 400.0, 600.0, 800.0, 1000.0, 1200.0, 1600.0, 2000.0])
    )
    crp = np.array([1.0, 4.0, 16.0]) if quick else np.array([1.0, 2.0, 3.0, 5.0, 8.0, 12.0, 20.0])
    bmd = np.empty((crp.size, calcium.size))
    rr = np.empty_like(bmd)
    for i, c in enumerate(crp):
        inflammation = S.low_grade_inflammation(crp=float(c))
        for j, ca in enumerate(calcium):
            sol = simulate(
                model, T_END, scenario=inflammation + S.dietary_calcium(float(ca)), t_eval=[0.0, T_END]
            )
            bmd[i, j], rr[i, j] = sol["bmd_hip_pct"][-1], sol["fracture_rr_hip"][-1]
    index = pd.Index(crp, name="CRP [mg/L]")
    columns = pd.Index(calcium, name="calcium [mg/day]")
    return pd.DataFrame(bmd, index=index, columns=columns), pd.DataFrame(rr, index=index, columns=columns)


def resolution(model) -> dict[str, pd.DataFrame]:
    """Two years of high-activity RA, then remission or anti-TNF; effects vs ageing controls."""
    ra = S.rheumatoid_arthritis("high") + S.ageing()
    arms = {
        "RA continues": ra,
        "remission at 2 years": S.rheumatoid_arthritis("high", stop_day=2 * YEAR) + S.ageing(),
        "anti-TNF from 2 years": ra + S.anti_tnf(start_day=2 * YEAR),
    }
    grid = np.linspace(0.0, T_END, 121)
    names = [
        "bmd_spine_pct",
        "tmd_spine_pct",
        "tbs_pct",
        "connectivity_rel",
        "age_index",
        "xlink_enz_index",
        "strength_spine_pct",
    ]
    out = {}
    for arm, sc in arms.items():
        frame = compare(model, T_END, scenario=sc, control=S.ageing(), t_eval=grid, observables=names)
        # connectivity of the arm itself: against controls who keep losing some, a ratio would
        # rise after remission although not one trabecula is reconnected
        frame["connectivity_rel"] = simulate(model, T_END, scenario=sc, t_eval=grid)["connectivity_rel"]
        out[arm] = frame
    return out


# ----------------------------------------------------------------------------------- figures
def figure_a(table: pd.DataFrame) -> go.Figure:
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.65, 0.35],
        subplot_titles=[
            "density and quality [% or % points vs control]",
            "hip fracture risk [RR vs control]",
        ],
    )
    for m, label in MEASURES.items():
        if m == "fracture_rr_hip":
            continue
        fig.add_bar(name=label, x=list(table.index), y=table[m], row=1, col=1)
    fig.add_bar(
        name=MEASURES["fracture_rr_hip"],
        x=list(table.index),
        y=1 + table["fracture_rr_hip"] / 100,
        row=2,
        col=1,
    )
    fig.update_yaxes(type="log", row=2, col=1)
    fig.update_layout(
        barmode="group",
        title=wrap_title("(a) Density vs quality: 10-year change against each condition's matched control"),
        legend_title="measure",
    )
    return fig


def figure_b(model, table: pd.DataFrame) -> go.Figure:
    x = np.linspace(min(table["bmd_hip_diff"].min(), -1.0) - 1, max(table["bmd_hip_diff"].max(), 1.0) + 1, 50)
    fig = go.Figure()
    fig.add_scatter(
        x=x, y=bmd_only_rr(model, x), mode="lines", name="BMD alone (Marshall 1996)", line=dict(dash="dash")
    )
    fig.add_scatter(
        x=table["bmd_hip_diff"],
        y=table["rr_hip"],
        mode="markers+text",
        text=table["case"],
        textposition="top center",
        marker=dict(
            size=11, color=table["crp"], colorscale="Reds", showscale=True, colorbar=dict(title="CRP mg/L")
        ),
        name="model (strength)",
    )
    fig.update_layout(
        title=wrap_title(
            "(b) Same BMD, different risk: hip fracture RR vs hip BMD difference after 10 years"
        ),
        xaxis_title="hip BMD vs matched control [% points]",
        yaxis_title="hip fracture relative risk",
    )
    return fig


def figure_c(bmd: pd.DataFrame, rr: pd.DataFrame) -> go.Figure:
    fig = make_subplots(
        rows=1, cols=2, subplot_titles=["10-year hip BMD change [%]", "10-year hip fracture RR"]
    )
    x = [f"{c:g}" for c in bmd.columns]
    y = [f"{c:g}" for c in bmd.index]
    fig.add_trace(
        go.Heatmap(z=bmd.values, x=x, y=y, colorscale="RdBu", zmid=0.0, colorbar=dict(x=0.45, title="%")),
        1,
        1,
    )
    fig.add_trace(go.Heatmap(z=rr.values, x=x, y=y, colorscale="Reds", colorbar=dict(title="RR")), 1, 2)
    fig.update_xaxes(title_text="calcium intake [mg/day]")
    fig.update_yaxes(title_text="CRP [mg/L]", col=1)
    fig.update_layout(title=wrap_title("(c) Calcium x inflammation: how much bone, and how breakable"))
    return fig


def figure_d(arms: dict[str, pd.DataFrame]) -> go.Figure:
    labels = {
        "bmd_spine_pct": "spine BMD [% pts]",
        "tmd_spine_pct": "tissue mineral density [% pts]",
        "tbs_pct": "TBS analogue [% pts]",
        "connectivity_rel": "trabecular connectivity [fold of healthy, own]",
        "age_index": "AGE cross-links [fold]",
        "xlink_enz_index": "enzymatic cross-links [fold]",
        "strength_spine_pct": "vertebral strength [% pts]",
    }
    cols = (len(labels) + 1) // 2
    fig = make_subplots(rows=2, cols=cols, subplot_titles=list(labels.values()))
    for k, (arm, frame) in enumerate(arms.items()):
        for i, name in enumerate(labels):
            fig.add_scatter(
                x=frame.index / YEAR,
                y=frame[name],
                name=arm,
                legendgroup=arm,
                showlegend=i == 0,
                line=dict(color=["#d62728", "#2ca02c", "#1f77b4"][k]),
                row=i // cols + 1,
                col=i % cols + 1,
            )
    fig.update_xaxes(title_text="years")
    fig.update_layout(
        title=wrap_title(
            "(d) Resolution: what recovers after two years of active RA, and what does not (vs ageing controls)"
        )
    )
    return fig


def reproduce(out: str | Path, *, quick: bool = False) -> pd.DataFrame:
    """Write the four bone-quality figures and return ours beside the published numbers."""
    out = Path(out)
    model = load_model("inflammation")
    a = density_vs_quality(model)
    b = same_bmd_different_risk(model, quick)
    bmd, rr = heatmaps(model, quick)
    d = resolution(model)
    js = "cdn" if quick else True  # the full figures work offline
    figure_a(a).write_html(out / "bone_quality_a_density_vs_quality.html", include_plotlyjs=js)
    figure_b(model, b).write_html(out / "bone_quality_b_same_bmd_different_risk.html", include_plotlyjs=js)
    figure_c(bmd, rr).write_html(
        out / "bone_quality_c_calcium_inflammation_fracture.html", include_plotlyjs=js
    )
    figure_d(d).write_html(out / "bone_quality_d_resolution.html", include_plotlyjs=js)
    remission = d["remission at 2 years"]
    at_stop = remission.index.get_indexer([2 * YEAR], method="nearest")[0]
    src = "clinical-targets.md"
    rows = [
        {
            "figure": "a",
            "quantity": "RA (usual care) hip BMD vs controls, 10 y",
            "ours": a.loc["RA, usual care", "bmd_hip_pct"],
            "published": -5.0,
            "unit": "% points",
            "source": f"R1 (3-7 % deficit, mid-band), {src}",
        },
        {
            "figure": "a",
            "quantity": "RA (usual care) TBS vs controls",
            "ours": a.loc["RA, usual care", "tbs_pct"],
            "published": -0.9,
            "unit": "% points",
            "source": f"Q5, Martineau 2018, {src}",
        },
        {
            "figure": "a",
            "quantity": "RA (usual care) hip fracture RR",
            "ours": 1 + a.loc["RA, usual care", "fracture_rr_hip"] / 100,
            "published": 2.41,
            "unit": "RR",
            "source": f"T8a, meta-analysis, {src}",
        },
        {
            "figure": "a",
            "quantity": "type 2 diabetes hip BMD, 10 y",
            "ours": a.loc["type 2 diabetes", "bmd_hip_pct"],
            "published": 3.2,
            "unit": "%",
            "source": f"Q4 (hip Z +0.27 at 12 %/SD), Vestergaard 2007, {src}",
        },
        {
            "figure": "a",
            "quantity": "type 2 diabetes hip fracture RR",
            "ours": 1 + a.loc["type 2 diabetes", "fracture_rr_hip"] / 100,
            "published": 1.38,
            "unit": "RR",
            "source": f"Q4, {src}",
        },
        {
            "figure": "a",
            "quantity": "type 2 diabetes TBS",
            "ours": a.loc["type 2 diabetes", "tbs_pct"],
            "published": -2.6,
            "unit": "%",
            "source": f"Q5, Martineau 2018, {src}",
        },
        {
            "figure": "a",
            "quantity": "CRP 4 mg/L hip BMD vs CRP 1, 10 y",
            "ours": a.loc["low-grade inflammation (CRP 4)", "bmd_hip_pct"],
            "published": 0.0,
            "unit": "% points",
            "source": f"Q3 (unrelated to BMD), Ishii 2013, {src}",
        },
        {
            "figure": "a",
            "quantity": "CRP 4 mg/L hip fracture RR",
            "ours": 1 + a.loc["low-grade inflammation (CRP 4)", "fracture_rr_hip"] / 100,
            "published": 1.34,
            "unit": "RR",
            "source": f"Q3, Cauley 2007, {src}",
        },
        {
            "figure": "d",
            "quantity": "connectivity regained after remission (years 2-10)",
            "ours": remission["connectivity_rel"].iloc[-1] - remission["connectivity_rel"].iloc[at_stop],
            "published": 0.0,
            "unit": "fold",
            "source": f"Q7 (perforation is permanent), {src}",
        },
    ]
    return comparison(rows)


if __name__ == "__main__":
    run_script(reproduce, "figures")
