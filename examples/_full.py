"""Command-line entry of the sensitivity studies, whose ``--full`` asks for the larger Sobol design."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable

import pandas as pd

from bonemodel.report import run_script


def run_script_with_full(reproduce: Callable[..., pd.DataFrame]) -> None:
    """:func:`bonemodel.report.run_script` of ``reproduce``, plus a ``--full`` flag passed as ``full=``.

    ``--full`` is taken out of the arguments before ``run_script`` reads them, so that it
    accepts only its own ``--out`` and ``--quick``.

    Parameters
    ----------
    reproduce
        The study's ``reproduce(out, *, quick=False, full=False)``.
    """
    wide = "--full" in sys.argv
    if wide:
        sys.argv.remove("--full")
    run_script(functools.partial(reproduce, full=wide), "figures")
