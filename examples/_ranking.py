"""Where a parameter stands among the others in a tidy sensitivity frame (``bm.sensitivity``)."""

from __future__ import annotations

import pandas as pd


def ranked_parameters(frame: pd.DataFrame, output: str, index: str) -> list[str]:
    """The parameters of one output and index, by decreasing absolute value.

    Parameters
    ----------
    frame
        A tidy sensitivity frame (columns ``output, parameter, index, value, ...``).
    output
        The output, e.g. ``"B@100"``.
    index
        The index, e.g. ``"ST"``, ``"mu_star"``, ``"local"``.

    Returns
    -------
    list of str
        Parameter names, the largest ``|value|`` first.
    """
    sub = frame[(frame["output"] == output) & (frame["index"] == index)]
    return sub.reindex(sub["value"].abs().sort_values(ascending=False).index)["parameter"].tolist()


def rank_of(frame: pd.DataFrame, output: str, index: str, parameter: str) -> int:
    """The place of ``parameter`` in :func:`ranked_parameters` (1 = largest ``|value|``).

    Parameters
    ----------
    frame
        A tidy sensitivity frame.
    output
        The output.
    index
        The index.
    parameter
        The parameter to place.

    Returns
    -------
    int
        Its rank, from 1.
    """
    return ranked_parameters(frame, output, index).index(parameter) + 1
