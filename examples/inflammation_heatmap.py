"""Inflammation model, Fig. 2: the thesis heatmap, calcium intake x inflammatory tone -> 10-year BMD.

A healthy adult with a dietary calcium intake (mg/day) and a low-grade inflammation set by its
steady CRP (mg/L, ``scenarios.low_grade_inflammation``) for ten years; colour is the 10-year spine
BMD change. The thesis' point, testable here: calcium is raw material, so above a replete intake
more of it moves BMD little, while inflammation moves it a lot.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from bonemodel import scenarios as S
from bonemodel.models import load_model
from bonemodel.plotting import wrap_title
from bonemodel.report import comparison, run_script
from bonemodel.simulate import simulate

YEAR = 365.25
T_END = 10 * YEAR


def grid(quick: bool) -> tuple[np.ndarray, np.ndarray]:
    """Calcium intakes (mg/day) and CRP levels (mg/L) of the heatmap."""
    if quick:
        return np.array([400.0, 800.0, 1600.0]), np.array([1.0, 4.0, 16.0])
    return np.array([300.0, 400.0, 600.0, 800.0, 1000.0, 1200.0, 1600.0, 2000.0]), np.array(
        [1.0, 2.0, 3.0, 5.0, 8.0, 12.0, 20.0]
    )


def run(quick: bool = False, site: str = "bmd_spine_pct") -> pd.DataFrame:
    """10-year BMD change (%) indexed by CRP (rows) and calcium intake (columns)."""
    model = load_model("inflammation")
    calcium, crp = grid(quick)
    values = np.empty((crp.size, calcium.size))
    for i, c in enumerate(crp):
        inflammation = S.low_grade_inflammation(crp=float(c))
        for j, ca in enumerate(calcium):
            sol = simulate(
                model, T_END, scenario=inflammation + S.dietary_calcium(float(ca)), t_eval=[0.0, T_END]
            )
            values[i, j] = sol[site][-1]
    return pd.DataFrame(
        values, index=pd.Index(crp, name="CRP [mg/L]"), columns=pd.Index(calcium, name="calcium [mg/day]")
    )


def figure(table: pd.DataFrame, calcium_span: float, crp_span: float) -> go.Figure:
    fig = go.Figure(
        go.Heatmap(
            z=table.values,
            x=[f"{c:g}" for c in table.columns],
            y=[f"{c:g}" for c in table.index],
            colorscale="RdBu",
            zmid=0.0,
            colorbar={"title": "10-yr spine BMD [%]"},
            text=np.round(table.values, 1),
            texttemplate="%{text}",
        )
    )
    fig.update_layout(
        title=wrap_title(
            f"Calcium x inflammation: across intakes calcium moves 10-year BMD by {calcium_span:.1f} points "
            f"(healthy CRP); inflammation from CRP 1 to {table.index[-1]:g} mg/L by {crp_span:.1f} points"
        ),
        margin={"t": 140},  # room for the wrapped title
        xaxis_title="dietary calcium [mg/day]",
        yaxis_title="steady CRP [mg/L] (low-grade inflammation)",
        template="plotly_white",
        width=950,
        height=600,
    )
    return fig


def reproduce(out: Path, *, quick: bool = False) -> pd.DataFrame:
    """Write ``inflammation_heatmap.html`` into ``out``; tabulate the spans of the two axes."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    table = run(quick)
    calcium_span = float(table.iloc[0].max() - table.iloc[0].min())
    crp_span = float(table.iloc[0].loc[800.0] - table.iloc[-1].loc[800.0])
    figure(table, calcium_span, crp_span).write_html(
        out / "inflammation_heatmap.html", include_plotlyjs="cdn" if quick else True
    )
    rows = [
        {
            "figure": "Fig 2 heatmap",
            "quantity": "10-yr spine BMD span across calcium intakes, CRP 1 mg/L",
            "ours": calcium_span,
            "published": np.nan,
            "unit": "% points",
            "source": "model prediction (thesis: calcium is raw material)",
        },
        {
            "figure": "Fig 2 heatmap",
            "quantity": f"10-yr spine BMD lost from CRP 1 to {table.index[-1]:g} mg/L at 800 mg/day calcium",
            "ours": crp_span,
            "published": np.nan,
            "unit": "% points",
            "source": "model prediction",
        },
    ]
    for c in table.index:
        rows.append(
            {
                "figure": "Fig 2 heatmap",
                "quantity": f"10-yr spine BMD at CRP {c:g} mg/L, calcium 800 mg/day",
                "ours": float(table.loc[c, 800.0]),
                "published": np.nan,
                "unit": "%",
                "source": "model prediction",
            }
        )
    return comparison(rows)


if __name__ == "__main__":
    run_script(reproduce, "figures")
