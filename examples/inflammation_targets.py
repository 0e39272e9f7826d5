"""Inflammation model: every clinical target of clinical-targets.md, met or missed, ours beside the band.

Simulates each target of ``bonemodel.models.inflammation.targets`` with the calibrated parameter
files and draws our value against the published band (one panel row per target). The table is
the one ``bonemodel reproduce`` prints: ``published`` is the band's centre (or its bound when the
band is one-sided); the band itself, ``met`` and ``missed_by`` are extra columns.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from bonemodel.models import load_model
from bonemodel.models.inflammation.targets import band_text, evaluate
from bonemodel.report import comparison, run_script

FIGURE = "inflammation targets"


def _published(low: float, high: float) -> float:
    if math.isinf(low):
        return high
    if math.isinf(high):
        return low
    return 0.5 * (low + high)


def figure(table: pd.DataFrame) -> go.Figure:
    """Our value (marker) inside or outside the published band (bar), normalised per target."""
    ys = list(table["id"])
    fig = go.Figure()
    for _, row in table.iterrows():
        lo, hi = row["low"], row["high"]
        span = (
            (hi - lo) if np.isfinite(lo) and np.isfinite(hi) else max(abs(lo if np.isfinite(lo) else hi), 1.0)
        )
        left = lo if np.isfinite(lo) else hi - 2 * span
        right = hi if np.isfinite(hi) else lo + 2 * span
        fig.add_trace(
            go.Scatter(
                x=[left, right],
                y=[row["id"]] * 2,
                mode="lines",
                line={"width": 10, "color": "rgba(31,119,180,0.35)"},
                showlegend=False,
                hovertext=f"band {band_text(lo, hi)} {row['unit']}",
            )
        )
    colours = ["#2ca02c" if m else "#d62728" for m in table["met"]]
    fig.add_trace(
        go.Scatter(
            x=table["ours"],
            y=ys,
            mode="markers",
            marker={"size": 9, "color": colours},
            name="ours (green met, red missed)",
            hovertext=[f"{v:.3g} {u}" for v, u in zip(table["ours"], table["unit"])],
        )
    )
    n_met = int(table["met"].sum())
    fig.update_layout(
        title=f"Inflammation model vs clinical targets: {n_met} of {len(table)} met (bands from clinical-targets.md; x in each target's unit)",
        template="plotly_white",
        height=26 * len(table) + 160,
        width=1000,
        xaxis_type="linear",
    )
    fig.update_yaxes(autorange="reversed")
    return fig


def reproduce(out: Path, *, quick: bool = False) -> pd.DataFrame:
    """Evaluate every clinical target and write ``inflammation_targets.html`` into ``out``.

    Parameters
    ----------
    out
        Folder for the HTML figure.
    quick
        Figures that load plotly.js from the web (smaller files); the targets are the same.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    table = evaluate(load_model("inflammation"))
    figure(table).write_html(out / "inflammation_targets.html", include_plotlyjs="cdn" if quick else True)
    rows = [
        {
            "figure": FIGURE,
            "quantity": f"{r['id']}: {r['scenario']} -> {r['observable']}",
            "ours": r["ours"],
            "published": _published(r["low"], r["high"]),
            "unit": r["unit"],
            "source": r["source"],
            "band": band_text(r["low"], r["high"]),
            "met": bool(r["met"]),
            "missed_by": r["missed_by"],
            "why_missed": r["note"],
        }
        for _, r in table.iterrows()
    ]
    return comparison(rows)


if __name__ == "__main__":
    run_script(reproduce, "figures")
