"""Set-up shared by every solver path: validated runtime vectors and scenario segments."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .compile import CompiledModel
from .errors import ParameterError, ScenarioError, SimulationError, suggest
from .model import Model
from .scenario import Scenario


def resolve_scenario(model: Model, scenario: Scenario | str | None) -> Scenario:
    """A Scenario object from a Scenario, a name known to the model or to bm.scenarios, or None."""
    if scenario is None:
        return Scenario()
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, str):
        if scenario in model.scenarios:
            found = model.scenarios[scenario]
            return found() if callable(found) else found
        from . import scenarios as named

        if scenario in named.REGISTRY:
            return named.REGISTRY[scenario]()
        known = list(model.scenarios) + list(named.REGISTRY)
        raise ScenarioError(
            f"unknown scenario '{scenario}' for model '{model.name}'{suggest(scenario, known)}; known: {known}"
        )
    raise ScenarioError(f"scenario must be a Scenario or a name, got {type(scenario).__name__}")


def check_value(model: Model, name: str, value: Any) -> float:
    """Validate one parameter or input value by name."""
    if name in model.parameters:
        return model.parameters[name].check_value(value, model=model.name)
    if name in model.input_names:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ParameterError(
                f"input '{name}' of model '{model.name}' must be a number, got {value!r}"
            ) from None
        if not math.isfinite(number):
            raise ParameterError(f"input '{name}' of model '{model.name}' must be finite, got {number}")
        return number
    known = model.parameter_names + model.input_names
    raise ParameterError(f"unknown parameter '{name}' for model '{model.name}'{suggest(name, known)}")


@dataclass(frozen=True)
class Setup:
    """Runtime vector per segment, ready for any integrator."""

    base: np.ndarray
    segments: list[tuple[float, float, np.ndarray]]
    scenario: Scenario
    overrides: dict[str, float]

    @property
    def switch_times(self) -> list[float]:
        return [a for a, _, _ in self.segments[1:]]


def prepare(
    model: Model,
    compiled: CompiledModel,
    *,
    params: Mapping[str, Any] | None,
    scenario: Scenario | str | None,
    t_start: float,
    t_end: float,
) -> Setup:
    """Validate parameters and scenario, and split [t_start, t_end] into constant pieces."""
    sc = resolve_scenario(model, scenario)
    overrides = {k: check_value(model, k, v) for k, v in sc.overrides.items()}
    # User parameters win over the scenario's constant overrides, so a sweep can vary them.
    overrides.update({k: check_value(model, k, v) for k, v in (params or {}).items()})
    base = compiled.vector(overrides)
    segments = []
    for a, b, windows in sc.segments(t_start, t_end):
        p = base.copy()
        for w in windows:
            if w.target not in compiled.index:
                check_value(model, w.target, w.value)  # raises the unknown-name error
            if w.scale and base[compiled.index[w.target]] == 0:
                raise ScenarioError(
                    f"scenario '{sc.name}' scales '{w.target}' by {w.value:g}, but its base value is 0; "
                    "give an absolute value (scale=False)"
                )
            value = base[compiled.index[w.target]] * w.value if w.scale else w.value
            p[compiled.index[w.target]] = check_value(model, w.target, value)
        segments.append((a, b, p))
    return Setup(base, segments, sc, overrides)


def check_span(t_start: float, t_end: float) -> tuple[float, float]:
    """Validate the time span."""
    try:
        t_start, t_end = float(t_start), float(t_end)
    except (TypeError, ValueError):
        raise SimulationError(
            f"t_start and t_end must be numbers of days, got {t_start!r}, {t_end!r}"
        ) from None
    if not (math.isfinite(t_start) and math.isfinite(t_end)):
        raise SimulationError(f"time span must be finite, got [{t_start}, {t_end}]")
    if t_end <= t_start:
        raise SimulationError(
            f"t_end ({t_end:g} days) must be greater than t_start ({t_start:g}); give a positive duration"
        )
    return t_start, t_end


def check_tolerances(rtol: Any, atol: Any, n_states: int | None) -> tuple[float, float | np.ndarray]:
    """Validated tolerances: rtol as a float, atol as a float or (if ``n_states`` is given)
    one float per state."""
    r = _real(rtol)
    if r is None or not (math.isfinite(r) and 0 < r < 1):
        raise SimulationError(f"rtol must be one number with 0 < rtol < 1, got {rtol!r}")
    a = _real(atol)
    if a is not None:
        if not (math.isfinite(a) and a > 0):
            raise SimulationError(f"atol must be positive, got {atol!r}")
        return r, a
    if n_states is None:
        raise SimulationError(f"atol must be one positive number here, got {atol!r}")
    if np.ndim(atol) != 1 or np.shape(atol) != (n_states,):
        raise SimulationError(
            f"atol must be one number or one per state ({n_states} values), got shape {np.shape(atol)}"
        )
    values = np.asarray(atol)
    if values.dtype.kind not in "iuf":
        raise SimulationError(f"atol must be numbers, got {atol!r}")
    values = values.astype(float)
    if not np.isfinite(values).all() or (values <= 0).any():
        raise SimulationError(f"atol must be positive, got {atol!r}")
    return r, values


def _real(x: Any) -> float | None:
    """``x`` as a float if it is one real number (Python, numpy scalar or 0-d array), else None."""
    if isinstance(x, (bool, np.bool_)):
        return None
    if isinstance(x, (int, float, np.integer, np.floating)):
        return float(x)
    if isinstance(x, np.ndarray) and x.ndim == 0 and x.dtype.kind in "iuf":
        return float(x)
    return None
