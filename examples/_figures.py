"""Figures shared by the example scripts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots


def overlaid_panels(
    runs: Mapping[str, pd.DataFrame],
    panels: Sequence[tuple[str, str]],
    colours: Sequence[str],
    *,
    cols: int = 1,
    vertical_spacing: float | None = None,
    time_unit: float = 1.0,
) -> go.Figure:
    """Several runs overlaid in a grid of panels, one line per run in each panel.

    Panels fill the grid row by row; the lines of one run share a colour and one legend entry.

    Parameters
    ----------
    runs
        Run label -> frame indexed by time.
    panels
        ``(column, panel title)`` per panel.
    colours
        Line colours, taken in turn by the runs.
    cols
        Panels per row.
    vertical_spacing
        Space between rows (fraction of the figure's height); None: plotly's default.
    time_unit
        The frames' time index is divided by it for the x axis (e.g. 365.25 to draw days as years).

    Returns
    -------
    plotly.graph_objects.Figure
        The figure, without axis titles or layout.
    """
    fig = make_subplots(
        rows=-(-len(panels) // cols),
        cols=cols,
        shared_xaxes=True,
        subplot_titles=[title for _, title in panels],
        vertical_spacing=vertical_spacing,
    )
    for k, (label, frame) in enumerate(runs.items()):
        for i, (column, _) in enumerate(panels):
            fig.add_trace(
                go.Scatter(
                    x=frame.index / time_unit,
                    y=frame[column],
                    name=label,
                    legendgroup=label,
                    showlegend=i == 0,
                    mode="lines",
                    line={"color": colours[k % len(colours)]},
                ),
                row=i // cols + 1,
                col=i % cols + 1,
            )
    return fig
