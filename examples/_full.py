"""Command-line entry of the sensitivity studies, whose ``--full`` asks for the larger Sobol design."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from bonemodel.report import run_script


def run_script_with_full(reproduce: Callable[..., pd.DataFrame], full_help: str) -> None:
    """:func:`bonemodel.report.run_script` of ``reproduce`` with a ``--full`` flag passed as ``full=``.

    Parameters
    ----------
    reproduce
        The study's ``reproduce(out, *, quick=False, full=False)``.
    full_help
        What ``--full`` does, for ``--help``.
    """
    run_script(reproduce, "figures", full_help=full_help)
