"""Komarova et al. 2003, Figs 2 and 3: a single remodeling cycle and internally regulated cycles.

Fig. 2 starts from the steady state with 10 extra osteoclasts (g11 = 0.5): osteoclasts resorb,
osteoblasts follow and refill the resorbed bone, and the cells return to the steady state.
Fig. 3 is the same stimulus with g11 = 1.1, k1 = 0.0748, k2 = 0.0006395: the steady state is a
centre and osteoclasts and osteoblasts cycle for ever, bone mass oscillating about 100 %.

The table compares our steady states with the published ones (Komarova 2003; the Fig. 3 legend
of Ayati et al. 2010, which reproduces Komarova's Fig. 3 and prints its steady state), the ratio
k1/k2 with the ratio of formation to resorption over one cycle that it was chosen to equal
(Ayati et al. 2010, Eq. 8), the bone mass at the end of a cycle with the 100 % it should return
to, and the oscillation period and bone-mass dip with an independent integration of the CellML
encoding's equations (``tests/data/make_komarova2003_reference.py``). Neither paper states the
period or the dip as a number.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from bonemodel.models import load_model
from bonemodel.models.komarova2003 import REGIMES, STEADY_STATE, formation_resorption_ratio
from bonemodel.report import comparison, run_script
from bonemodel.simulate import simulate, steady_state

TIGHT = {"rtol": 1e-10, "atol": 1e-12}

# CellML equations + BIOMD0000000148/0000000402 values, scipy Radau rtol 1e-12
# (tests/data/komarova2003_summary.csv, to 10 digits).
REFERENCE = {
    ("single_cycle", "z_min"): 89.78542319,
    ("oscillating", "period"): 273.5307849,
    ("oscillating", "z_after_one_period"): 99.97221715,
}
AYATI_FIG3_STEADY_STATE = {"x1": 1.16, "x2": 231.72}
_REF_SOURCE = "CellML equations, Radau rtol 1e-12 (tests/data/make_komarova2003_reference.py)"
_COLORS = {"x1": "#d62728", "x2": "#1f77b4", "z": "#2ca02c"}
_LABELS = {"x1": "osteoclasts x1 [cells]", "x2": "osteoblasts x2 [cells]", "z": "bone mass z [%]"}


def _upcrossings(t: np.ndarray, x: np.ndarray, level: float) -> np.ndarray:
    i = np.where((x[:-1] < level) & (x[1:] >= level))[0]
    return t[i] + (level - x[i]) * (t[i + 1] - t[i]) / (x[i + 1] - x[i])


def _figure(sol, x_bar: dict[str, float], shown: np.ndarray, title: str) -> go.Figure:
    keep = np.isin(sol.t, shown)
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.06)
    for row, name in enumerate(("x1", "x2", "z"), start=1):
        fig.add_trace(
            go.Scatter(
                x=sol.t[keep],
                y=sol[name][keep],
                name=_LABELS[name],
                mode="lines",
                line={"color": _COLORS[name]},
            ),
            row=row,
            col=1,
        )
        level = x_bar.get(name, 100.0)
        fig.add_hline(y=level, line_dash="dot", line_color="grey", row=row, col=1)
        fig.update_yaxes(title_text=_LABELS[name], row=row, col=1)
    fig.update_xaxes(title_text="time [day]", row=3, col=1)
    fig.update_layout(title=title, template="plotly_white", height=800, width=900)
    return fig


def reproduce(out: Path, *, quick: bool = False) -> pd.DataFrame:
    """Reproduce Komarova et al. 2003 Figs 2 and 3; write komarova2003_fig2.html and _fig3.html.

    Parameters
    ----------
    out
        Folder for the HTML figures.
    quick
        Coarser output grids and figures that load plotly.js from the web (smaller files).

    Returns
    -------
    pandas.DataFrame
        Comparison rows (figure, quantity, ours, published, unit, source).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model = load_model("komarova2003")
    step = 0.05 if quick else 0.01  # output grid of the numbers
    shown = round(0.5 / step)  # the figures show every 0.5 day
    plotly_js = "cdn" if quick else True
    rows = []

    # Fig. 2: single remodeling cycle
    ss = steady_state(model)
    x_bar = {"x1": ss["x1"], "x2": ss["x2"]}
    for name, label in (("x1", "osteoclasts"), ("x2", "osteoblasts")):
        rows.append(
            {
                "figure": "Fig. 2",
                "quantity": f"steady-state {label}",
                "ours": ss[name],
                "published": STEADY_STATE[name],
                "unit": "cell",
                "source": "Komarova2003 (BIOMD0000000148 notes; CellML x2(0))",
            }
        )
    t_end = REGIMES["single_cycle"].t_end
    t = np.arange(0.0, t_end + step / 2, step)
    sol = simulate(model, t_end, scenario="single_cycle", t_eval=t, **TIGHT)
    k1, k2 = (REGIMES["single_cycle"].overrides[k] for k in ("k1", "k2"))
    rows += [
        {
            "figure": "Fig. 2",
            "quantity": "formation/resorption over the cycle vs k1/k2",
            "ours": formation_resorption_ratio(model, t_end, scenario="single_cycle"),
            "published": k1 / k2,
            "unit": "1",
            "source": "Komarova2003 Fig. 2 legend k1, k2; balance condition Ayati2010 Eq. 8",
        },
        {
            "figure": "Fig. 2",
            "quantity": f"bone mass at day {t_end:g}",
            "ours": float(sol["z"][-1]),
            "published": 100.0,
            "unit": "%",
            "source": "Ayati2010 Fig. 2 legend: return to steady-state levels",
        },
        {
            "figure": "Fig. 2",
            "quantity": "minimum bone mass",
            "ours": float(sol["z"].min()),
            "published": REFERENCE[("single_cycle", "z_min")],
            "unit": "%",
            "source": _REF_SOURCE,
        },
    ]
    _figure(
        sol, x_bar, t[::shown], "Komarova et al. 2003, Fig. 2: single remodeling cycle (dotted: steady state)"
    ).write_html(out / "komarova2003_fig2.html", include_plotlyjs=plotly_js)

    # Fig. 3: internally regulated cycles
    overrides = dict(REGIMES["oscillating"].overrides)
    ss = steady_state(model, params=overrides)
    x_bar = {"x1": ss["x1"], "x2": ss["x2"]}
    for name, label in (("x1", "osteoclasts"), ("x2", "osteoblasts")):
        rows.append(
            {
                "figure": "Fig. 3",
                "quantity": f"steady-state {label}",
                "ours": ss[name],
                "published": AYATI_FIG3_STEADY_STATE[name],
                "unit": "cell",
                "source": "Ayati2010 Fig. 3 legend (printed to 3-5 digits)",
            }
        )
    omega = float(np.max(np.abs(ss.eigenvalues.imag)))
    t_end = REGIMES["oscillating"].t_end
    t = np.arange(0.0, t_end + step / 2, step)
    sol = simulate(model, t_end, scenario="oscillating", t_eval=t, **TIGHT)
    period = float(np.mean(np.diff(_upcrossings(t, sol["x1"], x_bar["x1"]))))
    rows += [
        {
            "figure": "Fig. 3",
            "quantity": "oscillation period (10-cell stimulus)",
            "ours": period,
            "published": REFERENCE[("oscillating", "period")],
            "unit": "day",
            "source": _REF_SOURCE,
        },
        {
            "figure": "Fig. 3",
            "quantity": "small-amplitude period 2 pi / omega",
            "ours": 2 * np.pi / omega,
            "published": np.nan,
            "unit": "day",
            "source": "eigenvalues +-i omega at the steady state (not published)",
        },
        {
            "figure": "Fig. 3",
            "quantity": "formation/resorption over one period vs k1/k2",
            "ours": formation_resorption_ratio(model, period, scenario="oscillating"),
            "published": overrides["k1"] / overrides["k2"],
            "unit": "1",
            "source": "Ayati2010 Fig. 3 legend k1, k2 and Eq. 8",
        },
        {
            "figure": "Fig. 3",
            "quantity": "bone mass after one period",
            "ours": float(np.interp(period, sol.t, sol["z"])),
            "published": REFERENCE[("oscillating", "z_after_one_period")],
            "unit": "%",
            "source": _REF_SOURCE,
        },
    ]
    _figure(
        sol,
        x_bar,
        t[::shown],
        "Komarova et al. 2003, Fig. 3: internally regulated cycles, g11 = 1.1 (dotted: steady state)",
    ).write_html(out / "komarova2003_fig3.html", include_plotlyjs=plotly_js)
    return comparison(rows)


if __name__ == "__main__":
    run_script(reproduce, "figures")
