"""Exceptions raised by bonemodel; each names the problem and the way out."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any


class BonemodelError(Exception):
    """Base class of every error bonemodel raises on purpose."""


class ModelError(BonemodelError, ValueError):
    """A model is inconsistent (unknown symbol, missing equation, duplicate name)."""


class ParameterError(BonemodelError, ValueError):
    """A parameter name or value is not acceptable."""


class ParameterFileError(ParameterError):
    """A parameter file is malformed or incomplete."""


class ScenarioError(BonemodelError, ValueError):
    """A scenario or input schedule is not acceptable."""


class SimulationError(BonemodelError, ValueError):
    """Simulation settings are not acceptable (time span, method, tolerances)."""


class SolverError(BonemodelError, RuntimeError):
    """The integrator failed; ``solution`` keeps everything computed before the failure.

    Parameters
    ----------
    message
        Where (time [day], state) and why the run failed.
    solution
        The partial Solution, up to the failure.
    """

    def __init__(self, message: str, solution: Any = None):
        super().__init__(message)
        self.solution = solution


def suggest(name: str, choices: Iterable[str]) -> str:
    """Return a "; did you mean 'X'?" hint for a misspelt name, or ''.

    Parameters
    ----------
    name
        The name that was not found.
    choices
        The names that exist.

    Returns
    -------
    str
        ``"; did you mean 'X'?"`` for a name that differs only in case or is close, else ``""``.
    """
    choices = list(choices)
    lowered = {c.lower(): c for c in choices}
    if name.lower() in lowered:  # a wrong case is the likeliest slip
        return f"; did you mean '{lowered[name.lower()]}'?"
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""
