"""Outputs for sensitivity analysis: the sweep engine's parser when present, a minimal one otherwise.

Every output object used here has ``name``, ``times`` (the days it needs on the grid) and
``evaluate(t, y, obs) -> float`` on arrays ``t`` (T,), ``y`` (n_states, T) and ``obs``
(n_obs, T), with observables already relative to their baseline where they have one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ModelError, suggest
from ..model import Model

_AT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*@\s*([^@\s]+)\s*$")


@dataclass(frozen=True)
class ValueAt:
    """Value of a state or observable at a time (the ``"NAME@T"`` output)."""

    name: str
    target: str
    time: float
    kind: str  # "state" or "observable"
    index: int

    @property
    def times(self) -> tuple[float, ...]:
        return (self.time,)

    def evaluate(self, t: np.ndarray, y: np.ndarray, obs: np.ndarray) -> float:
        rows = y if self.kind == "state" else obs
        return float(np.interp(self.time, t, rows[self.index]))


class _Adapter:
    """Wraps an Output of :mod:`bonemodel.outputs` into the interface above."""

    def __init__(self, output: Any, model: Model):
        self.output = output
        self.name = str(getattr(output, "name", output))
        self._states = model.state_names
        self._obs = model.observable_names

    @property
    def times(self) -> tuple[float, ...]:
        times = getattr(self.output, "times", ())
        times = times() if callable(times) else times
        return tuple(float(x) for x in (times or ()) if x is not None and math.isfinite(float(x)))

    def evaluate(self, t: np.ndarray, y: np.ndarray, obs: np.ndarray) -> float:
        return float(self.output.evaluate(t, y, obs))


def parse(model: Model, specs: str | Sequence[str]) -> list[Any]:
    """Output objects for ``specs``; raises ModelError (with a suggestion) for unknown names."""
    specs = [specs] if isinstance(specs, str) else list(specs)
    if not specs:
        raise ModelError(
            "no outputs given; name at least one, e.g. 'NAME@365' (a state or observable at day 365)"
        )
    try:
        from ..outputs import parse_outputs
    except ImportError:
        return [_parse_one(model, s) for s in specs]
    return [_Adapter(o, model) for o in parse_outputs(model, specs)]


def _parse_one(model: Model, spec: str) -> ValueAt:
    match = _AT.match(str(spec))
    names = model.state_names + model.observable_names
    if not match:
        raise ModelError(
            f"output '{spec}' is not of the form 'NAME@T' (a state or observable of model '{model.name}' "
            f"at T days){suggest(str(spec), names)}"
        )
    target, when = match.groups()
    if target not in names:
        raise ModelError(
            f"output '{spec}': model '{model.name}' has no state or observable '{target}'"
            f"{suggest(target, names)}; available: {names}"
        )
    try:
        time = float(when)
    except ValueError:
        raise ModelError(f"output '{spec}': time '{when}' is not a number of days") from None
    if not math.isfinite(time) or time < 0:
        raise ModelError(f"output '{spec}': time must be a finite number of days >= 0, got {when}")
    if target in model.state_names:
        return ValueAt(str(spec), target, time, "state", model.state_names.index(target))
    return ValueAt(str(spec), target, time, "observable", model.observable_names.index(target))
