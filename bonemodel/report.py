"""Comparison tables of reproduced versus published numbers, shared by the example scripts."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._cli_common import UsageError, check_output_folder

COLUMNS = ["figure", "quantity", "ours", "published", "unit", "source"]


def comparison(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Table with the standard columns plus ``rel_diff`` = ours/published - 1 (NaN without a number).

    Parameters
    ----------
    rows
        Mappings with ``figure, quantity, ours, published, unit, source`` (values in ``unit``).

    Returns
    -------
    pandas.DataFrame
        Those columns plus ``rel_diff`` (dimensionless).
    """
    frame = pd.DataFrame(list(rows))
    for col in COLUMNS:
        if col not in frame:
            frame[col] = np.nan if col in ("ours", "published") else ""
    frame = frame[COLUMNS + [c for c in frame.columns if c not in COLUMNS]]
    ours = pd.to_numeric(frame["ours"], errors="coerce")
    published = pd.to_numeric(frame["published"], errors="coerce")
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["rel_diff"] = np.where(published != 0, ours / published - 1.0, np.nan)
    return frame


def steady_state_rows(
    values: Mapping[str, float], published: Mapping[str, float], *, unit: str, source: str
) -> list[dict[str, Any]]:
    """Comparison rows of a model's steady state (``values``) against the published one.

    Parameters
    ----------
    values
        Our steady state, state name -> value in ``unit``.
    published
        The published steady state, state name -> value in ``unit``.
    unit
        Unit of the values, e.g. ``"pM"``.
    source
        Where the published values come from.

    Returns
    -------
    list of dict
        One comparison row per published state.
    """
    return [
        {
            "figure": "steady state",
            "quantity": f"{state} at steady state",
            "ours": values[state],
            "published": number,
            "unit": unit,
            "source": source,
        }
        for state, number in published.items()
    ]


def format_table(frame: pd.DataFrame) -> str:
    """Plain-text rendering of a comparison table.

    Parameters
    ----------
    frame
        A comparison table.

    Returns
    -------
    str
        The table as aligned text.
    """
    shown = frame.copy()
    for col in ("ours", "published"):
        shown[col] = [
            f"{v:.5g}" if isinstance(v, (int, float, np.floating)) and np.isfinite(v) else str(v)
            for v in shown[col]
        ]
    shown["rel_diff"] = [f"{v:+.2%}" if np.isfinite(v) else "" for v in shown["rel_diff"]]
    return shown.to_string(index=False)


def run_script(
    reproduce: Callable[..., pd.DataFrame], default_out: str, *, full_help: str | None = None
) -> None:
    """Command-line entry of an example script: ``--out DIR``, ``--quick`` and, if asked, ``--full``.

    Parameters
    ----------
    reproduce
        The example's ``reproduce(out, *, quick=False)`` (with ``full=False`` too when
        ``full_help`` is given).
    default_out
        Folder written when ``--out`` is not given.
    full_help
        Help text of a ``--full`` flag passed to ``reproduce`` as ``full=``; None: no such flag.
    """
    parser = argparse.ArgumentParser(description=(reproduce.__doc__ or "").strip().splitlines()[0])
    parser.add_argument("--out", default=default_out, help="folder for the HTML figures")
    parser.add_argument("--quick", action="store_true", help="smaller settings, for tests")
    if full_help is not None:
        parser.add_argument("--full", action="store_true", help=full_help)
    args = parser.parse_args()
    out = Path(args.out)
    try:
        check_output_folder(out, "--out")  # before the figure's work, not after it
    except UsageError as exc:
        parser.error(str(exc))  # one line and exit code 2, no traceback
    out.mkdir(parents=True, exist_ok=True)
    extra = {} if full_help is None else {"full": args.full}
    table = reproduce(out, quick=args.quick, **extra)
    print(format_table(table))
