"""Lemaire et al. 2004, Fig. 2: responses of R, B and C to nine perturbations of the steady state.

Row A adds active osteoblasts, osteoclasts or responding osteoblasts, row B removes them, row C
infuses PTH, OPG, or RANKL followed by OPG (the BioModels curation's rates and timing, see
``bonemodel.models.lemaire2004``). The table compares our steady state with the published one,
and the state at day 80 (end of the perturbations) of each experiment with BIOMD0000000278
run with libroadrunner (``tests/data/make_lemaire2004_reference.py``). The paper itself gives the
experiments as curves only, without numbers to compare.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from bonemodel.models import load_model
from bonemodel.models.lemaire2004 import FIG2_START, FIG2_STOP, FIG2_T_END, STEADY_STATE
from bonemodel.report import comparison, run_script, steady_state_rows
from bonemodel.simulate import simulate, steady_state

# Panel order of the paper's Fig. 2 (rows A, B, C).
PANELS = [
    ("2A", "addB", "add B"),
    ("2A", "addC", "add C"),
    ("2A", "addR", "add R"),
    ("2B", "removeB", "remove B"),
    ("2B", "removeC", "remove C"),
    ("2B", "removeR", "remove R"),
    ("2C", "addPTH", "add PTH"),
    ("2C", "addOPG", "add OPG"),
    ("2C", "addOPG_addRANKL", "add RANKL, then OPG"),
]

# State at day 80 (pM) of BIOMD0000000278 with each Fig. 2 perturbation, by libroadrunner 2.10.0
# (CVODE rtol 1e-12): the rows t = 80 of tests/data/lemaire2004_fig2_<experiment>.csv, to 11 digits.
SBML_DAY80 = {
    "addB": (1.0238366459e-03, 1.3663245665e-03, 1.1393726095e-03),
    "addC": (1.1321788615e-03, 8.8012354200e-04, 1.2336856704e-03),
    "addR": (1.3478900818e-03, 1.2602139791e-03, 9.2197597185e-04),
    "removeB": (2.4162156062e-04, 1.8377946526e-05, 3.0157996978e-04),
    "removeC": (5.8508090634e-05, 2.1244389261e-04, 1.8261935078e-05),
    "removeR": (3.3599050997e-05, 4.9758120277e-05, 7.6933894003e-04),
    "addPTH": (4.0281521035e-03, 1.6302999882e-03, 3.6845962084e-03),
    "addOPG": (7.8742278155e-05, 2.4054287448e-04, 6.5790404356e-05),
    "addOPG_addRANKL": (2.9277460937e-03, 1.4009241986e-03, 2.7178239857e-03),
}
_SBML_SOURCE = (
    "BIOMD0000000278 + Fig. 2 perturbation, libroadrunner (tests/data/make_lemaire2004_reference.py)"
)
_COLORS = {"R": "#2ca02c", "B": "#1f77b4", "C": "#d62728"}


def reproduce(out: Path, *, quick: bool = False) -> pd.DataFrame:
    """Reproduce Lemaire et al. 2004 Fig. 2; write lemaire2004_fig2.html into ``out``.

    Parameters
    ----------
    out
        Folder for the HTML figure.
    quick
        Coarser output grid and a figure that loads plotly.js from the web (smaller file).

    Returns
    -------
    pandas.DataFrame
        Comparison rows (figure, quantity, ours, published, unit, source).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model = load_model("lemaire2004")
    grid = np.linspace(0.0, FIG2_T_END, 71 if quick else 561)
    rows = []
    ss = steady_state(model)
    rows.extend(
        steady_state_rows(
            ss.values,
            STEADY_STATE,
            unit="pM",
            source="Lemaire et al. 2004 (initial state of Fig. 2; BIOMD0000000278 initial concentrations)",
        )
    )

    fig = make_subplots(
        rows=3,
        cols=3,
        shared_xaxes=True,
        subplot_titles=[f"Fig. {fig_id}: {label}" for fig_id, _, label in PANELS],
        vertical_spacing=0.08,
    )
    for k, (fig_id, name, _label) in enumerate(PANELS):
        row, col = divmod(k, 3)
        sol = simulate(model, FIG2_T_END, scenario=name, t_eval=grid, rtol=1e-10, atol=1e-16)
        day80 = simulate(model, FIG2_STOP, scenario=name, t_eval=[0.0, FIG2_STOP], rtol=1e-10, atol=1e-16)
        for state, ref in zip("RBC", SBML_DAY80[name]):
            fig.add_trace(
                go.Scatter(
                    x=sol.t,
                    y=sol[state] * 1e3,
                    name=state,
                    legendgroup=state,
                    showlegend=k == 0,
                    mode="lines",
                    line={"color": _COLORS[state]},
                ),
                row=row + 1,
                col=col + 1,
            )
            rows.append(
                {
                    "figure": f"Fig. {fig_id} {name}",
                    "quantity": f"{state} at day {FIG2_STOP:g}",
                    "ours": float(day80[state][-1]),
                    "published": ref,
                    "unit": "pM",
                    "source": _SBML_SOURCE,
                }
            )
        x1 = FIG2_T_END if name == "addOPG_addRANKL" else FIG2_STOP
        fig.add_vrect(
            x0=FIG2_START, x1=x1, fillcolor="grey", opacity=0.12, line_width=0, row=row + 1, col=col + 1
        )
    fig.update_xaxes(title_text="time [day]", row=3)
    fig.update_yaxes(title_text="cells [fM]", col=1)
    fig.update_layout(
        title="Lemaire et al. 2004, Fig. 2 (shaded: perturbation)",
        template="plotly_white",
        height=900,
        width=1200,
    )
    fig.write_html(out / "lemaire2004_fig2.html", include_plotlyjs="cdn" if quick else True)
    return comparison(rows)


if __name__ == "__main__":
    run_script(reproduce, "figures")
