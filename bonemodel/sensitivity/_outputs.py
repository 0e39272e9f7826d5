"""Outputs for sensitivity analysis: the sweep engine's specs (:mod:`bonemodel.outputs`) on one run.

:func:`bonemodel.outputs.parse_outputs` gives outputs that evaluate a batch of members
from arrays (n, B, K); the local methods hold one trajectory (n, K), possibly perturbed
along a sensitivity direction, and use them through :class:`Single`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..model import Model
from ..outputs import Output, output_times, parse_outputs


class Single:
    """An :class:`~bonemodel.outputs.Output` evaluated on a single trajectory."""

    def __init__(self, output: Output):
        self.output = output
        self.name = output.name
        self.times = tuple(float(x) for x in output.times)
        self.needs_grid = bool(output.needs_grid)

    def evaluate(self, t: np.ndarray, y: np.ndarray, obs: np.ndarray) -> float:
        """Value from ``t`` (K,), states ``y`` (n, K) and observables ``obs`` (n_obs, K)."""
        return float(self.output.evaluate(t, y[:, None, :], obs[:, None, :])[0])


def resolve_t_end(model: Model, specs: Any, t_end: float | None, t_start: float = 0.0) -> float:
    """The span a sweep of these outputs would use: ``t_end``, else the model's, else the latest output time."""
    if t_end is not None:
        return float(t_end)
    t_end = model.default_t_end
    times = output_times(parse_outputs(model, specs, t_start=t_start, t_end=math.inf))
    latest = max((t for t in times if math.isfinite(t)), default=0.0)
    return latest if math.isfinite(latest) and latest > t_end else t_end


def parse(
    model: Model, specs: str | Callable | Sequence[str | Callable], *, t_end: float | None = None
) -> tuple[list[Single], float]:
    """Outputs for ``specs`` and the simulated span; raises (with a suggestion) on unknown names."""
    from ..errors import ModelError

    if not isinstance(specs, str) and not callable(specs) and not list(specs):
        raise ModelError(
            "no outputs given; name at least one, e.g. 'NAME@365' (a state or observable at day 365)"
        )
    t_end = resolve_t_end(model, specs, t_end)
    return [Single(o) for o in parse_outputs(model, specs, t_start=0.0, t_end=t_end)], t_end
