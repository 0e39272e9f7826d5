"""Pivonka et al. 2008: steady state and responses to perturbations of cells and signals.

Runs the perturbation scenarios of ``bonemodel.models.pivonka2008`` (each from day 0 to day
100, like the tenfold D_OCp step of the CellML encoding) and draws the cell responses (fold
change from the steady state) and the bone volume change. The table compares our steady state
with the published one, the PTH infusion with the bone-models package (its Pivonka load case 1,
the same infusion), and lists the bone volume change of every experiment beside the direction
that the RANKL/OPG/PTH biology implies; the paper gives its perturbation responses as curves,
without numbers to compare.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from bonemodel.examples._figures import overlaid_panels
from bonemodel.models import load_model
from bonemodel.models.pivonka2008 import PERTURBATION_START, PERTURBATION_STOP, PUBLISHED_STEADY_STATE
from bonemodel.report import comparison, run_script, steady_state_rows
from bonemodel.simulate import simulate, steady_state

T_END = 400.0
"""Length of the perturbation runs (days): 100 days perturbed, then the recovery."""

CELL_EXPERIMENTS = ["D_OCp_x10", "A_OCa_x10", "D_OBu_x10", "D_OBp_x10", "A_OBa_x10"]
DOSING_EXPERIMENTS = ["PTH_infusion", "RANKL_infusion", "OPG_infusion", "TGFb_infusion"]

# Sign of the bone volume change each perturbation should give: more osteoclasts, more RANKL
# or continuous PTH resorb bone (catabolic); more osteoblasts, OPG, TGF-beta or osteoclast
# apoptosis build it (anabolic).
EXPECTED_BV = {
    "D_OCp_x10": -1,
    "A_OCa_x10": +1,
    "D_OBu_x10": +1,
    "D_OBp_x10": +1,
    "A_OBa_x10": -1,
    "PTH_infusion": -1,
    "RANKL_infusion": -1,
    "OPG_infusion": +1,
    "TGFb_infusion": +1,
}

# bone-models 0.1.0 (PyPI, MIT): Pivonka_Model with Pivonka_Load_Case_1 (PTH 1e3 pM/day for
# 0 <= t <= 100 d), scipy Radau at rtol 1e-11: OBp, OBa, OCa [pM] at days 10, 50, 100.
BONE_MODELS_PTH = {
    10.0: (1.2418840710938376e-03, 6.354280467379085e-04, 1.817472771490381e-03),
    50.0: (1.3958127195927792e-03, 9.466304527924108e-04, 1.551593704336148e-03),
    100.0: (1.4010449472705204e-03, 9.444391929993991e-04, 1.5557069422185543e-03),
}
_CELLS = ("OBp", "OBa", "OCa")
_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]


def _figure(runs: dict[str, pd.DataFrame], panels: list[tuple[str, str]], title: str) -> go.Figure:
    fig = overlaid_panels(runs, panels, _COLORS)
    for i in range(1, len(panels) + 1):
        fig.add_vrect(
            x0=PERTURBATION_START,
            x1=PERTURBATION_STOP,
            fillcolor="grey",
            opacity=0.12,
            line_width=0,
            row=i,
            col=1,
        )
    fig.update_xaxes(title_text="time [day]", row=len(panels), col=1)
    fig.update_layout(title=title, template="plotly_white", height=230 * len(panels), width=900)
    return fig


def reproduce(out: Path, *, quick: bool = False) -> pd.DataFrame:
    """Reproduce the Pivonka et al. 2008 steady state and perturbation responses into ``out``.

    Writes ``pivonka2008_cell_perturbations.html`` (changed differentiation and apoptosis
    rates) and ``pivonka2008_dosing.html`` (PTH, RANKL, OPG and TGF-beta administration).

    Parameters
    ----------
    out
        Folder for the HTML figures.
    quick
        Coarser output grid and figures that load plotly.js from the web (smaller files).

    Returns
    -------
    pandas.DataFrame
        Comparison rows (figure, quantity, ours, published, unit, source).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model = load_model("pivonka2008")
    grid = np.linspace(0.0, T_END, 101 if quick else 801)
    rows = []

    ss = steady_state(model)
    rows.extend(
        steady_state_rows(
            ss.values,
            PUBLISHED_STEADY_STATE,
            unit="pM",
            source="Pivonka et al. 2008 (published steady state)",
        )
    )

    pth = simulate(
        model, 100.0, scenario="PTH_infusion", t_eval=list(BONE_MODELS_PTH), rtol=1e-10, atol=1e-16
    )
    for k, (day, values) in enumerate(BONE_MODELS_PTH.items()):
        for state, ref in zip(_CELLS, values):
            rows.append(
                {
                    "figure": "PTH_infusion",
                    "quantity": f"{state} at day {day:g}",
                    "ours": float(pth[state][k]),
                    "published": ref,
                    "unit": "pM",
                    "source": "bone-models 0.1.0, Pivonka load case 1 (PTH 1e3 pM/day, days 0-100)",
                }
            )

    runs: dict[str, pd.DataFrame] = {}
    for name in CELL_EXPERIMENTS + DOSING_EXPERIMENTS:
        sol = simulate(model, T_END, scenario=name, t_eval=grid)
        frame = sol.to_frame()
        for state in _CELLS:
            frame[f"{state}_fold"] = frame[state] / ss[state]
        frame["BV_change"] = frame["BV"] - 100.0
        runs[name] = frame
        sign = EXPECTED_BV[name]
        rows.append(
            {
                "figure": name,
                "quantity": f"BV change at day {PERTURBATION_STOP:g}",
                "ours": sol.at("BV", PERTURBATION_STOP) - 100.0,
                "published": "< 0 (catabolic)" if sign < 0 else "> 0 (anabolic)",
                "unit": "% of initial BV",
                "source": "expected direction (RANKL/OPG/PTH/TGF-beta biology); no number in the paper",
            }
        )
        rows.append(
            {
                "figure": name,
                "quantity": "peak OCa / steady-state OCa",
                "ours": float(np.max(frame["OCa_fold"])),
                "published": np.nan,
                "unit": "1",
                "source": "",
            }
        )

    cell_panels = [
        ("OBp_fold", "OBp / steady state"),
        ("OBa_fold", "OBa / steady state"),
        ("OCa_fold", "OCa / steady state"),
        ("BV_change", "BV change [%]"),
    ]
    dosing_panels = [
        ("OCa_fold", "OCa / steady state"),
        ("OBa_fold", "OBa / steady state"),
        ("RANKL_OPG_ratio", "free RANKL / OPG"),
        ("BV_change", "BV change [%]"),
    ]
    plotly_js = "cdn" if quick else True
    _figure(
        {n: runs[n] for n in CELL_EXPERIMENTS},
        cell_panels,
        "Pivonka et al. 2008: differentiation and apoptosis rates x10 for 100 days (shaded)",
    ).write_html(out / "pivonka2008_cell_perturbations.html", include_plotlyjs=plotly_js)
    _figure(
        {n: runs[n] for n in DOSING_EXPERIMENTS},
        dosing_panels,
        "Pivonka et al. 2008: PTH, RANKL, OPG and TGF-beta administration for 100 days (shaded)",
    ).write_html(out / "pivonka2008_dosing.html", include_plotlyjs=plotly_js)
    return comparison(rows)


if __name__ == "__main__":
    run_script(reproduce, "figures")
