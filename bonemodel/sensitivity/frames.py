"""The one tidy frame every sensitivity method returns.

Columns ``output, parameter, index, value, conf_low, conf_high``: one row per output,
parameter and index (``"S1"``, ``"ST"``, ``"S2"``, ``"mu_star"``, ``"mu"``, ``"sigma"``,
``"local"``, ``"steady"``, ...). Confidence bounds are NaN where a method has none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

COLUMNS = ["output", "parameter", "index", "value", "conf_low", "conf_high"]


def tidy(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """The tidy frame from row mappings (missing confidence bounds become NaN).

    Parameters
    ----------
    rows
        Mappings with keys ``output, parameter, index, value`` and optionally ``conf_low``,
        ``conf_high`` and extra columns.

    Returns
    -------
    pandas.DataFrame
        Columns ``output, parameter, index, value, conf_low, conf_high``, then the extras;
        values as floats.
    """
    frame = pd.DataFrame(list(rows), columns=None)
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object if c in COLUMNS[:3] else float) for c in COLUMNS})
    for c in ("conf_low", "conf_high"):
        if c not in frame:
            frame[c] = np.nan
    extra = [c for c in frame.columns if c not in COLUMNS]
    frame = frame[COLUMNS + extra]
    for c in ("value", "conf_low", "conf_high"):
        frame[c] = frame[c].astype(float)
    return frame


def wide(frame: pd.DataFrame, index: str, *, output: str | None = None) -> pd.DataFrame:
    """One index as a parameters × outputs table (e.g. ``wide(si, "ST")``).

    Parameters
    ----------
    frame
        A tidy sensitivity frame.
    index
        The index to tabulate, e.g. ``"ST"``, ``"S1"``, ``"mu_star"``, ``"local"``.
    output
        Keep only this output (default: every output, one column each).

    Returns
    -------
    pandas.DataFrame
        Parameters as rows, outputs as columns, the index's values as cells.
    """
    sub = frame[frame["index"] == index]
    if output is not None:
        sub = sub[sub["output"] == output]
    return sub.pivot_table(index="parameter", columns="output", values="value", sort=False)
