"""Set-up shared by every solver path: validated runtime vectors and scenario segments."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _checks
from .compile import CompiledModel
from .errors import ModelError, ParameterError, ScenarioError, SimulationError, suggest
from .model import Model
from .scenario import Scenario


def as_model(model: Any) -> Model:
    """A Model from a Model or the name of a shipped model.

    Parameters
    ----------
    model
        A Model, or the name of a shipped model.

    Returns
    -------
    Model
        The model.

    Raises
    ------
    ModelError
        If it is neither a Model nor a known model name.
    """
    if isinstance(model, str):
        from .models import load_model

        return load_model(_checks.name(model, "model name", ModelError))
    if not isinstance(model, Model):
        raise ModelError(
            "model must be a Model or the name of a shipped model (see bm.list_models()), "
            f"got {type(model).__name__}"
        )
    return model


def resolve_scenario(model: Model, scenario: Scenario | str | None) -> Scenario:
    """A Scenario object from a Scenario, a name known to the model or to bm.scenarios, or None.

    Parameters
    ----------
    model
        The model the scenario is for.
    scenario
        A Scenario, a scenario name, or None (the baseline).

    Returns
    -------
    Scenario
        The scenario object.

    Raises
    ------
    ScenarioError
        If the name is unknown or the object is not a Scenario.
    """
    if scenario is None:
        return Scenario()
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, str):
        _checks.name(scenario, "scenario name", ScenarioError)
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


def check_params(model: Model, params: Any) -> dict[str, float]:
    """Validated ``params`` (a mapping of parameter or input names to numbers) as floats.

    Parameters
    ----------
    model
        The model.
    params
        Parameter or input name -> value in its unit, or None.

    Returns
    -------
    dict of str to float
        The checked values.

    Raises
    ------
    ParameterError
        If a name is unknown or a value is not acceptable.
    """
    given = _checks.mapping(params, "params", ParameterError, "{'k_B': 0.2}")
    return {k: check_value(model, k, v) for k, v in given.items()}


def check_value(model: Model, name: str, value: Any) -> float:
    """Validate one parameter or input value by name.

    Parameters
    ----------
    model
        The model.
    name
        A parameter or input name.
    value
        Its proposed value, in its unit.

    Returns
    -------
    float
        The value as a float.

    Raises
    ------
    ParameterError
        If the name is unknown or the value is not acceptable.
    """
    if name in model.parameters:
        return model.parameters[name].check_value(value, model=model.name)
    if name in model.input_names:
        return _checks.real(value, f"input '{name}' of model '{model.name}'", ParameterError)
    _checks.name(name, "a parameter name", ParameterError)
    known = model.parameter_names + model.input_names
    raise ParameterError(f"unknown parameter '{name}' for model '{model.name}'{suggest(name, known)}")


@dataclass(frozen=True)
class Setup:
    """Runtime vector per segment, ready for any integrator.

    Parameters
    ----------
    base
        The runtime vector (parameters, then inputs) with the overrides applied.
    segments
        ``(start, stop, runtime vector)`` per constant piece, times in days.
    scenario
        The resolved scenario.
    overrides
        The checked ``params`` of the call.
    """

    base: np.ndarray
    segments: list[tuple[float, float, np.ndarray]]
    scenario: Scenario
    overrides: dict[str, float]

    @property
    def switch_times(self) -> list[float]:
        """Times [day] where a segment starts, after the first."""
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
    """Validate parameters and scenario, and split [t_start, t_end] into constant pieces.

    Parameters
    ----------
    model
        The model.
    compiled
        Its compiled functions.
    params
        Parameter or input name -> value in its unit (they win over the scenario's constants).
    scenario
        A Scenario, its name, or None.
    t_start, t_end
        The simulated span [day].

    Returns
    -------
    Setup
        The base runtime vector and one runtime vector per constant piece ``(start, stop)`` [day].
    """
    sc = resolve_scenario(model, scenario)
    overrides = {k: check_value(model, k, v) for k, v in sc.overrides.items()}
    # User parameters win over the scenario's constant overrides, so a sweep can vary them.
    overrides.update(check_params(model, params))
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
    """Validate the time span (numbers of days, not bools or text; finite; t_end after t_start).

    Parameters
    ----------
    t_start, t_end
        Start and end [day].

    Returns
    -------
    tuple of float
        ``(t_start, t_end)`` as floats.

    Raises
    ------
    SimulationError
        If a value is not a finite number or ``t_end`` is not after ``t_start``.
    """
    t_start = _checks.real(t_start, "t_start (days)", SimulationError)
    t_end = _checks.real(t_end, "t_end (days)", SimulationError)
    if t_end <= t_start:
        raise SimulationError(
            f"t_end ({t_end:g} days) must be greater than t_start ({t_start:g}); give a positive duration"
        )
    return t_start, t_end


MIN_RTOL = 1e-13
"""Smallest relative tolerance accepted: doubles carry about 16 digits, and the round-off of
thousands of steps uses up several of them."""


def check_tolerances(rtol: Any, atol: Any, n_states: int | None) -> tuple[float, float | np.ndarray]:
    """Validated tolerances: rtol as a float, atol as a float or (if ``n_states`` is given)
    one float per state.

    Parameters
    ----------
    rtol
        Relative tolerance.
    atol
        Absolute tolerance in the states' units: a number, or one per state.
    n_states
        Number of states, when ``atol`` may be given per state.

    Returns
    -------
    tuple
        ``(rtol, atol)``, checked.

    Raises
    ------
    SimulationError
        If rtol is not in (0, 1) or asks for more digits than double precision keeps, or atol is
        not positive and finite or has the wrong length.
    """
    for label, value in (("rtol", rtol), ("atol", atol)):
        if isinstance(value, (bool, np.bool_)):
            raise SimulationError(f"{label} must be a number, got {value!r} (bool)")
    r = _real(rtol)
    if r is None or not (math.isfinite(r) and 0 < r < 1):
        raise SimulationError(f"rtol must be one number with 0 < rtol < 1, got {_checks.shown(rtol)}")
    if r < MIN_RTOL:
        raise SimulationError(
            f"rtol = {r:g} asks for more digits than double precision keeps over an integration; "
            f"no integrator can honour it (solve_ivp would quietly use 2.2e-14). Use rtol >= {MIN_RTOL:g}"
        )
    a = _real(atol)
    if a is not None:
        if not (math.isfinite(a) and a > 0):
            raise SimulationError(f"atol must be positive, got {_checks.shown(atol)}")
        return r, a
    if n_states is None:
        raise SimulationError(f"atol must be one positive number here, got {_checks.shown(atol)}")
    if np.ndim(atol) != 1 or np.shape(atol) != (n_states,):
        raise SimulationError(
            f"atol must be one number or one per state ({n_states} values), got shape {np.shape(atol)}"
        )
    values = np.asarray(atol)
    if values.dtype.kind not in "iuf":
        raise SimulationError(f"atol must be numbers, got {_checks.shown(atol)}")
    values = values.astype(float)
    if not np.isfinite(values).all() or (values <= 0).any():
        raise SimulationError(f"atol must be positive, got {_checks.shown(atol)}")
    return r, values


def _real(x: Any) -> float | None:
    """``x`` as a float if it is one real number (Python, numpy scalar or 0-d array), else None."""
    if isinstance(x, (bool, np.bool_)):
        return None
    if isinstance(x, (int, float, np.integer, np.floating)) or (
        isinstance(x, np.ndarray) and x.ndim == 0 and x.dtype.kind in "iuf"
    ):
        try:
            return float(x)
        except OverflowError:  # an int beyond the doubles: as large as a double gets
            return math.inf if x > 0 else -math.inf
    return None


def undefined_observable(compiled: CompiledModel, t: np.ndarray, values: np.ndarray) -> str:
    """The failure reason of a run with an observable that is NaN (undefined) among ``values``
    (n_observables, len(t)), or '' if there is none; simulate and sweeps say it in the same words.

    The states may be fine: an observable such as a ratio of cell numbers is 0/0 when the
    parameter values empty every pool it divides by. An infinite observable is not a failure:
    it is the IEEE limit of x/0 that every path computes alike (a parameter at zero).

    Parameters
    ----------
    compiled
        The compiled model.
    t
        Output times [day].
    values
        Observables, shape (n_observables, len(t)).

    Returns
    -------
    str
        The reason naming the observable and the first time it is undefined, or ``""``.
    """
    bad = np.isnan(values)
    if not bad.any():
        return ""
    i, j = (int(k[0]) for k in np.nonzero(bad))
    return (
        f"observable '{compiled.observable_names[i]}' is {values[i, j]} at t = {t[j]:g} days: it is "
        "undefined for these parameter values (e.g. 0/0 when the states it divides by are all 0)"
    )
