"""Plotly figures from DataFrames: time courses and comparisons."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots


def time_course(frame: pd.DataFrame, columns: list[str], *, title: str = "", max_rows: int = 6) -> go.Figure:
    """One panel per column (shared time axis) up to ``max_rows`` panels, then all on one panel.

    Parameters
    ----------
    frame
        A frame indexed by time [day] (as `Solution.to_frame` gives), values in their units.
    columns
        Columns to draw.
    title
        Figure title.
    max_rows
        Most panels; with more columns, all go on one panel.

    Returns
    -------
    plotly.graph_objects.Figure
        The figure, time [day] on the x axis.
    """
    if len(columns) <= max_rows:
        fig = make_subplots(rows=len(columns), cols=1, shared_xaxes=True, subplot_titles=columns)
        for i, col in enumerate(columns, start=1):
            fig.add_trace(go.Scatter(x=frame.index, y=frame[col], name=col, mode="lines"), row=i, col=1)
        fig.update_layout(height=max(300, 200 * len(columns)), showlegend=False)
    else:
        fig = go.Figure([go.Scatter(x=frame.index, y=frame[c], name=c, mode="lines") for c in columns])
    fig.update_xaxes(title_text="time [day]", row=len(columns) if len(columns) <= max_rows else None)
    fig.update_layout(title=title, template="plotly_white")
    return fig


def overlay(frames: dict[str, pd.DataFrame], columns: list[str], *, title: str = "") -> go.Figure:
    """Several runs (e.g. scenarios) overlaid, one panel per column.

    Parameters
    ----------
    frames
        Run label -> frame indexed by time [day].
    columns
        Columns to draw, one panel each.
    title
        Figure title.

    Returns
    -------
    plotly.graph_objects.Figure
        The figure, one line per run in each panel.
    """
    fig = make_subplots(rows=len(columns), cols=1, shared_xaxes=True, subplot_titles=columns)
    palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]
    for k, (label, frame) in enumerate(frames.items()):
        color = palette[k % len(palette)]
        for i, col in enumerate(columns, start=1):
            fig.add_trace(
                go.Scatter(
                    x=frame.index,
                    y=frame[col],
                    name=label,
                    legendgroup=label,
                    showlegend=i == 1,
                    mode="lines",
                    line={"color": color},
                ),
                row=i,
                col=1,
            )
    fig.update_layout(title=title, template="plotly_white", height=max(300, 220 * len(columns)))
    fig.update_xaxes(title_text="time [day]", row=len(columns), col=1)
    return fig


def wrap_title(text: str, width: int = 100) -> str:
    """Break a long figure title into lines of at most ``width`` characters (plotly clips, not wraps).

    Parameters
    ----------
    text
        The title.
    width
        Most characters per line.

    Returns
    -------
    str
        The title with ``<br>`` line breaks.
    """
    import textwrap

    return "<br>".join(textwrap.wrap(text, width=width))
