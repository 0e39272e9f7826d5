"""Plotly figures of sensitivity frames: tornado, Morris mu*-sigma, Sobol bars, time heatmap.

Each function takes the tidy frame a method returned (and, where the frame holds several
outputs, the one to draw) and returns a ``plotly.graph_objects.Figure``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..errors import BonemodelError, suggest


def _one_output(
    frame: pd.DataFrame, output: str | None, indices: tuple[str, ...]
) -> tuple[str, pd.DataFrame]:
    sub = frame[frame["index"].isin(indices)]
    if sub.empty:
        raise BonemodelError(
            f"the frame has no rows with index {list(indices)}; it holds {sorted(frame['index'].unique())}"
        )
    outputs = list(dict.fromkeys(sub["output"]))
    if output is None:
        output = outputs[0]
    elif output not in outputs:
        raise BonemodelError(
            f"the frame has no output '{output}'{suggest(output, outputs)}; it holds {outputs}"
        )
    return output, sub[sub["output"] == output]


def tornado(
    frame: pd.DataFrame, output: str | None = None, *, top: int = 15, title: str | None = None
) -> go.Figure:
    """Horizontal bars of local coefficients, largest magnitude on top (first output by default).

    Parameters
    ----------
    frame
        A tidy frame of `bonemodel.sensitivity.local` or `steady` (index ``"local"`` or ``"steady"``,
        dimensionless coefficients).
    output
        The output to draw (default: the first in the frame).
    top
        Number of parameters shown, largest magnitude first.
    title
        Figure title (default: one that names the method and the output).

    Returns
    -------
    plotly.graph_objects.Figure
        The tornado chart.
    """
    output, sub = _one_output(frame, output, ("local", "steady", "derivative", "steady_derivative"))
    sub = sub.dropna(subset=["value"])
    sub = sub.reindex(sub["value"].abs().sort_values(ascending=False).index).head(top).iloc[::-1]
    colors = np.where(sub["value"] >= 0, "#1f77b4", "#d62728")
    fig = go.Figure(go.Bar(x=sub["value"], y=sub["parameter"], orientation="h", marker_color=colors))
    label = (
        "d log(output) / d log(parameter)"
        if sub["index"].iloc[0] in ("local", "steady")
        else "d output / d p"
    )
    fig.update_layout(
        title=title or f"Local sensitivity of {output}",
        xaxis_title=label,
        template="plotly_white",
        height=max(300, 28 * len(sub) + 120),
    )
    return fig


def morris_scatter(frame: pd.DataFrame, output: str | None = None, *, title: str | None = None) -> go.Figure:
    """mu* against sigma per parameter, with mu*'s confidence interval as horizontal error bars.

    Parameters
    ----------
    frame
        A tidy frame of `bonemodel.sensitivity.morris` (indices ``mu_star``, ``sigma``; in the output's unit).
    output
        The output to draw (default: the first in the frame).
    title
        Figure title (default: one that names the method and the output).

    Returns
    -------
    plotly.graph_objects.Figure
        One point per parameter.
    """
    output, sub = _one_output(frame, output, ("mu_star", "sigma"))
    star = sub[sub["index"] == "mu_star"].set_index("parameter")
    sigma = sub[sub["index"] == "sigma"].set_index("parameter")["value"].reindex(star.index)
    fig = go.Figure(
        go.Scatter(
            x=star["value"],
            y=sigma,
            mode="markers+text",
            text=list(star.index),
            textposition="top center",
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (star["conf_high"] - star["value"]).to_numpy(),
                "arrayminus": (star["value"] - star["conf_low"]).to_numpy(),
            },
        )
    )
    top = float(np.nanmax(np.r_[star["value"].to_numpy(), sigma.to_numpy(), 0.0])) or 1.0
    fig.add_trace(  # sigma = mu*: above it, interactions or non-linearity dominate
        go.Scatter(
            x=[0, top], y=[0, top], mode="lines", line={"dash": "dot", "color": "grey"}, showlegend=False
        )
    )
    fig.update_layout(
        title=title or f"Morris screening of {output}",
        xaxis_title="mu* (mean |elementary effect|)",
        yaxis_title="sigma (std of elementary effects)",
        template="plotly_white",
        showlegend=False,
    )
    return fig


def sobol_bars(frame: pd.DataFrame, output: str | None = None, *, title: str | None = None) -> go.Figure:
    """Grouped bars of first-order (S1) and total (ST) indices with their confidence intervals.

    Parameters
    ----------
    frame
        A tidy frame of `bonemodel.sensitivity.sobol` or `efast` (indices ``S1``, ``ST``; dimensionless).
    output
        The output to draw (default: the first in the frame).
    title
        Figure title (default: one that names the method and the output).

    Returns
    -------
    plotly.graph_objects.Figure
        Two bars per parameter.
    """
    output, sub = _one_output(frame, output, ("S1", "ST"))
    order = sub[sub["index"] == "ST"].sort_values("value", ascending=False)["parameter"].tolist()
    fig = go.Figure()
    for index, color in (("S1", "#1f77b4"), ("ST", "#ff7f0e")):
        part = sub[sub["index"] == index].set_index("parameter").reindex(order)
        error = None
        if part["conf_high"].notna().any():
            error = {
                "type": "data",
                "symmetric": False,
                "array": (part["conf_high"] - part["value"]).to_numpy(),
                "arrayminus": (part["value"] - part["conf_low"]).to_numpy(),
            }
        fig.add_trace(go.Bar(name=index, x=order, y=part["value"], error_y=error, marker_color=color))
    fig.update_layout(
        barmode="group",
        title=title or f"Sobol indices of {output}",
        yaxis_title="index",
        template="plotly_white",
    )
    return fig


def heatmap(frame: pd.DataFrame, output: str | None = None, *, title: str | None = None) -> go.Figure:
    """Parameters × time of time-resolved local coefficients (the frame of ``local_timecourse``).

    Parameters
    ----------
    frame
        The frame of `bonemodel.sensitivity.local_timecourse` (with its ``time`` column [day]).
    output
        The state or observable to draw (default: the first in the frame).
    title
        Figure title (default: one that names the method and the output).

    Returns
    -------
    plotly.graph_objects.Figure
        Parameters as rows, time [day] as columns, coefficients as colours.
    """
    if "time" not in frame.columns:
        raise BonemodelError("heatmap needs a time-resolved frame (bm.sensitivity.local_timecourse)")
    output, sub = _one_output(frame, output, ("local", "derivative"))
    table = sub.pivot_table(index="parameter", columns="time", values="value", sort=False)
    order = table.abs().max(axis=1).sort_values().index
    table = table.loc[order]
    scale = float(np.nanmax(np.abs(table.to_numpy()))) if table.size else 1.0
    fig = go.Figure(
        go.Heatmap(
            z=table.to_numpy(),
            x=table.columns.to_numpy(),
            y=list(table.index),
            colorscale="RdBu",
            reversescale=True,
            zmin=-scale,
            zmax=scale,
            colorbar={"title": "d log / d log"},
        )
    )
    fig.update_layout(
        title=title or f"Local sensitivity of {output} over time",
        xaxis_title="time [day]",
        template="plotly_white",
        height=max(300, 22 * len(table) + 150),
    )
    return fig
