"""Scalar outputs of trajectories: what a sweep or a sensitivity analysis keeps of each run.

An output is named by a short string, parsed once against the model
(:func:`parse_outputs`) into an :class:`Output` that knows which output times it needs
and computes its value for a whole batch of members at once from arrays of states and
observables. Spellings (``NAME`` is a state or observable, times in days):

======================== =============================================================
``NAME@T``               value at time T, e.g. ``"C@80"``, ``"bmd_spine_pct@3650"``
``NAME@[T0:T1:DT]``      a trajectory: one column ``NAME@T`` per time T0, T0+DT, ..., T1
``final(NAME)``          value at the end of the simulated span
``pct_change(NAME@T)``   percent change from the value at the start: 100 (v(T)/v(t0) - 1)
``min(NAME)``            minimum over the output grid (optionally ``min(NAME, T0, T1)``)
``max(NAME)``            maximum over the output grid (optionally ``max(NAME, T0, T1)``)
``auc(NAME)``            area under the curve (trapezoid; optionally ``auc(NAME, T0, T1)``)
``time_to(NAME, LEVEL)`` first time NAME crosses LEVEL (linear interpolation), NaN if never
``steady(NAME)``         relative rate of change at the end, |dv/dt| / |v| (1/day), from
                         the last two grid points: small values mean a steady state
======================== =============================================================

A callable ``f(frame) -> float`` receives the member's solution frame (index time
in days, one column per state and observable, on the output grid), like
``Solution.to_frame()``; it is flexible but runs once per member in Python.

Outputs that reduce over time (min, max, auc, time_to, steady, callables) need the whole
output grid (daily by default); ``NAME@T`` and ``pct_change`` need only their times,
which is what lets a sweep skip daily output.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._checks import name as _checked_name
from .errors import ModelError, SimulationError, suggest
from .model import Model

FUNCTIONALS = ("final", "pct_change", "min", "max", "auc", "time_to", "steady")
MAX_TRAJECTORY = 100_000
"""Most columns one ``NAME@[T0:T1:DT]`` output may make (each is a column of every row)."""
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_AT = re.compile(rf"^\s*([A-Za-z_]\w*)\s*@\s*({_NUMBER})\s*$")
_TRAJ = re.compile(rf"^\s*([A-Za-z_]\w*)\s*@\s*\[\s*({_NUMBER})\s*:\s*({_NUMBER})\s*:\s*({_NUMBER})\s*\]\s*$")
_CALL = re.compile(r"^\s*([A-Za-z_]\w*)\s*\((.*)\)\s*$")


@dataclass(frozen=True)
class Output:
    """One scalar output: a column name, the times it needs and how to compute it.

    ``times`` lists the output times (days) the value depends on; ``needs_grid`` says it
    also needs the whole output grid (a time reduction). :meth:`evaluate` works on a
    batch of members at once.

    Parameters
    ----------
    name
        Column name in the sweep table (the spec as written, or its alias).
    kind
        What is computed: ``"at"`` (a value at a time; ``final`` too), ``"pct_change"``, a
        reduction (``"min"``, ``"max"``, ``"auc"``, ``"time_to"``, ``"steady"``) or ``"callable"``.
    variable
        The state or observable it reads (None for a callable).
    times
        Times [day] the value depends on.
    needs_grid
        Whether it also needs the whole output grid.
    args
        Extra numbers of the spec (e.g. the level of ``time_to``, in the variable's unit).
    func
        The user's function, for a callable output.
    state_names, observable_names
        Names of the model's states and observables (a callable output's frame columns).
    """

    name: str
    kind: str
    variable: str | None
    times: tuple[float, ...] = ()
    needs_grid: bool = False
    args: tuple[float, ...] = ()
    func: Callable[..., Any] | None = field(default=None, compare=False)
    state_names: tuple[str, ...] = ()
    observable_names: tuple[str, ...] = ()

    def evaluate(
        self, t: np.ndarray, states: np.ndarray, observables: np.ndarray, errors: dict[int, str] | None = None
    ) -> np.ndarray:
        """Values for every member, shape (B,).

        Parameters
        ----------
        t
            Output times (K,), increasing; must contain ``self.times`` (and the whole grid
            if ``needs_grid``).
        states
            States at those times, shape (n_states, B, K), in the model's state order.
        observables
            Observables (baselines applied), shape (n_observables, B, K).
        errors
            If given, a callable output that raises for a member gets NaN there and the reason
            in ``errors[member]``, instead of the exception ending the whole evaluation.

        Returns
        -------
        numpy.ndarray
            The output of every member, in the unit of the variable it reads (days for ``time_to``).
        """
        t = np.asarray(t, dtype=float)
        if self.kind == "callable":
            return self._evaluate_callable(t, states, observables, errors)
        v = self._series(states, observables)
        if self.kind == "at":
            return v[:, _column(t, self.times[0])]
        if self.kind == "pct_change":
            start = v[:, _column(t, self.times[0])]
            with np.errstate(all="ignore"):
                return 100.0 * (v[:, _column(t, self.times[1])] / start - 1.0)
        lo, hi = (self.args[0], self.args[1]) if len(self.args) >= 2 else (t[0], t[-1])
        if self.kind in ("min", "max", "auc"):
            mask = (t >= lo - 1e-9) & (t <= hi + 1e-9)
            part = v[:, mask]
            if self.kind == "min":
                return np.min(part, axis=1)
            if self.kind == "max":
                return np.max(part, axis=1)
            return np.trapezoid(part, t[mask], axis=1)
        if self.kind == "time_to":
            return _first_crossing(t, v, self.args[0])
        if self.kind == "steady":
            with np.errstate(all="ignore"):
                rate = (v[:, -1] - v[:, -2]) / (t[-1] - t[-2])
                return np.abs(rate) / np.maximum(np.abs(v[:, -1]), 1e-300)
        raise AssertionError(self.kind)  # pragma: no cover - parse_outputs makes only the kinds above

    def _series(self, states: np.ndarray, observables: np.ndarray) -> np.ndarray:
        if self.variable in self.state_names:
            return states[self.state_names.index(self.variable)]
        return observables[self.observable_names.index(self.variable)]

    def _evaluate_callable(self, t, states, observables, errors=None) -> np.ndarray:
        import pandas as pd

        B = states.shape[1]
        out = np.full(B, np.nan)
        names = list(self.state_names) + list(self.observable_names)
        for b in range(B):
            data = np.vstack([states[:, b, :], observables[:, b, :]]) if observables.size else states[:, b, :]
            if not np.all(np.isfinite(data)):
                continue  # a failed member has NaN after its failure; the callable is not asked
            frame = pd.DataFrame(data.T, index=pd.Index(t, name="time_day"), columns=names)
            try:
                out[b] = float(self.func(frame))
            except Exception as exc:  # a user's function failing on one member fails that member only
                if errors is None:
                    raise
                errors[b] = f"output '{self.name}': {type(exc).__name__}: {exc}"
        return out


def _column(t: np.ndarray, time: float) -> int:
    i = int(np.searchsorted(t, time - 1e-9 * max(1.0, abs(time))))
    if i >= t.size or abs(t[i] - time) > 1e-9 * max(1.0, abs(time)):
        raise SimulationError(f"output time {time:g} is not on the output grid; this is a bug in the caller")
    return i


def _first_crossing(t: np.ndarray, v: np.ndarray, level: float) -> np.ndarray:
    """First time each row crosses ``level`` (either direction), linearly interpolated; NaN if never."""
    d = v - level
    out = np.full(v.shape[0], np.nan)
    at_start = d[:, 0] == 0
    out[at_start] = t[0]
    sign_change = (d[:, :-1] * d[:, 1:] <= 0) & (d[:, 1:] != d[:, :-1])
    has = sign_change.any(axis=1) & ~at_start
    rows = np.nonzero(has)[0]
    if rows.size:
        k = np.argmax(sign_change[rows], axis=1)
        d0, d1 = d[rows, k], d[rows, k + 1]
        frac = d0 / (d0 - d1)
        out[rows] = t[k] + frac * (t[k + 1] - t[k])
    return out


def parse_outputs(
    model: Model,
    specs: str | Callable | Sequence[str | Callable] | None,
    *,
    t_start: float = 0.0,
    t_end: float | None = None,
    aliases: Mapping[str, str] | None = None,
) -> list[Output]:
    """Parse output specifications against ``model`` (errors before anything is simulated).

    Parameters
    ----------
    model
        The model whose states and observables the outputs name.
    specs
        One spec or a list (see the module docstring); ``None`` or ``...`` means
        ``final(X)`` for every state X.
    t_start, t_end
        The simulated span; every time must lie inside it (``t_end`` defaults to the
        model's ``default_t_end``).
    aliases
        Extra names for specs, e.g. ``{"bmd_change_10y": "pct_change(BMD@3650)"}``; the
        column keeps the alias.

    Examples
    --------
    >>> import bonemodel as bm  # doctest: +SKIP
    >>> [o.name for o in parse_outputs(model, ["C@80", "max(B)"])]  # doctest: +SKIP
    ['C@80', 'max(B)']

    Returns
    -------
    list of Output
        One parsed output per spec, with the times [day] it needs.

    Raises
    ------
    SimulationError
        If a spec is malformed or a time lies outside the span.
    ModelError
        If a spec names a state or observable the model does not have.
    """
    t_end = model.default_t_end if t_end is None else float(t_end)
    if specs is None or specs is Ellipsis:
        specs = [f"final({s})" for s in model.state_names]
    elif isinstance(specs, str) or callable(specs):
        specs = [specs]
    aliases = dict(aliases or {})
    aliases.update(getattr(model, "outputs", None) or {})
    ctx = _Context(model, float(t_start), t_end, aliases)
    outputs: list[Output] = []
    for spec in specs:
        outputs.extend(ctx.parse(spec))
    seen: set[str] = set()
    dup = sorted({o.name for o in outputs if o.name in seen or seen.add(o.name)})
    if dup:
        raise SimulationError(f"outputs {dup} are requested more than once; list each once")
    return outputs


def output_times(outputs: Iterable[Output]) -> list[float]:
    """Sorted union of the times the outputs need (without the grid).

    Parameters
    ----------
    outputs
        Parsed outputs.

    Returns
    -------
    list of float
        Times [day], sorted, without repeats.
    """
    return sorted({t for o in outputs for t in o.times})


def needs_grid(outputs: Iterable[Output]) -> bool:
    """Whether any output reduces over the whole output grid.

    Parameters
    ----------
    outputs
        Parsed outputs.

    Returns
    -------
    bool
        True if a reduction such as ``max``, ``auc`` or ``time_to`` needs the whole trajectory.
    """
    return any(o.needs_grid for o in outputs)


def default_grid(t_start: float, t_end: float) -> np.ndarray:
    """The output grid of reductions: daily, at least 201 points (as ``simulate``'s default).

    Parameters
    ----------
    t_start, t_end
        The simulated span [day].

    Returns
    -------
    numpy.ndarray
        Output times [day] from ``t_start`` to ``t_end``.
    """
    n = max(201, min(int(t_end - t_start) + 1, 20001))
    return np.linspace(t_start, t_end, n)


class _Context:
    def __init__(self, model: Model, t_start: float, t_end: float, aliases: dict[str, str]):
        self.model = model
        self.t_start, self.t_end = t_start, t_end
        self.aliases = aliases
        self.names = model.state_names + model.observable_names
        self.base = {
            "state_names": tuple(model.state_names),
            "observable_names": tuple(model.observable_names),
        }

    def variable(self, name: str, spec: str) -> str:
        if name not in self.names:
            raise ModelError(
                f"output '{spec}': '{name}' is neither a state nor an observable of model "
                f"'{self.model.name}'{suggest(name, self.names)}; available: {self.names}"
            )
        return name

    def time(self, text: str | float, spec: str) -> float:
        if isinstance(text, str) and not re.fullmatch(rf"\s*{_NUMBER}\s*", text):
            raise SimulationError(f"output '{spec}': '{text}' is not a time in days")
        value = float(text)
        if not (math.isfinite(value) and self.t_start - 1e-12 <= value <= self.t_end + 1e-12):
            raise SimulationError(
                f"output '{spec}': time {value:g} is outside the simulated span "
                f"[{self.t_start:g}, {self.t_end:g}] days; raise t_end or pick an earlier time"
            )
        return value

    def parse(self, spec: Any, alias: str | None = None) -> list[Output]:
        if callable(spec):
            name = alias or getattr(spec, "__name__", "output")
            return [Output(name, "callable", None, (), True, (), spec, **self.base)]
        if not isinstance(spec, str):
            raise SimulationError(f"an output must be a string or a callable, got {type(spec).__name__}")
        _checked_name(spec, "an output", SimulationError)
        if spec in self.aliases and alias is None:
            return self.parse(self.aliases[spec], alias=spec)
        name = alias or spec.replace(" ", "")
        m = _TRAJ.match(spec)
        if m:
            var = self.variable(m.group(1), spec)
            t0, t1, dt = float(m.group(2)), float(m.group(3)), float(m.group(4))
            if not dt > 0 or t1 < t0:
                raise SimulationError(f"output '{spec}': need T0 <= T1 and DT > 0 in NAME@[T0:T1:DT]")
            self.time(t0, spec), self.time(t1, spec)
            columns = math.floor((t1 - t0) / dt + 0.5) + 1
            if columns > MAX_TRAJECTORY:
                raise SimulationError(
                    f"output '{spec}' asks for {columns:,} columns, more than {MAX_TRAJECTORY:,}; "
                    "use a larger step DT"
                )
            times = np.arange(t0, t1 + 0.5 * dt, dt)
            return [
                Output(f"{var}@{t:g}", "at", var, (self.time(t, spec),), **self.base) for t in times.tolist()
            ]
        m = _AT.match(spec)
        if m:
            var = self.variable(m.group(1), spec)
            return [Output(name, "at", var, (self.time(m.group(2), spec),), **self.base)]
        m = _CALL.match(spec)
        if not m:
            raise self._unknown(spec)
        fn, args = m.group(1), [a.strip() for a in m.group(2).split(",")] if m.group(2).strip() else []
        if fn not in FUNCTIONALS:
            raise self._unknown(spec, fn)
        if fn == "pct_change":
            inner = _AT.match(args[0]) if len(args) == 1 else None
            if not inner:
                raise SimulationError(f"output '{spec}': write pct_change(NAME@T), e.g. pct_change(C@80)")
            var = self.variable(inner.group(1), spec)
            if var in self.model.observable_names and self.model.observable(var).baseline == "start":
                raise SimulationError(
                    f"output '{spec}': '{var}' is already a % change from the start (0 there); "
                    f"use {var}@T instead"
                )
            return [
                Output(name, "pct_change", var, (self.t_start, self.time(inner.group(2), spec)), **self.base)
            ]
        if not args:
            raise SimulationError(f"output '{spec}': {fn}() needs a state or observable name")
        var = self.variable(args[0], spec)
        rest = args[1:]
        if fn == "final":
            self._arity(spec, rest, 0)
            return [Output(name, "at", var, (self.t_end,), **self.base)]
        if fn == "steady":
            self._arity(spec, rest, 0)
            return [Output(name, "steady", var, (self.t_end,), True, **self.base)]
        if fn == "time_to":
            self._arity(spec, rest, 1)
            return [Output(name, "time_to", var, (), True, (self._number(rest[0], spec),), **self.base)]
        if rest:
            self._arity(spec, rest, 2)
            lo, hi = self.time(rest[0], spec), self.time(rest[1], spec)
            if not hi > lo:
                raise SimulationError(f"output '{spec}': the window end must be after its start")
            return [Output(name, fn, var, (lo, hi), True, (lo, hi), **self.base)]
        return [Output(name, fn, var, (), True, **self.base)]

    def _number(self, text: str, spec: str) -> float:
        if not re.fullmatch(rf"\s*{_NUMBER}\s*", text):
            raise SimulationError(f"output '{spec}': '{text}' is not a number")
        value = float(text)
        if not math.isfinite(value):
            raise SimulationError(f"output '{spec}': the level must be a finite number, got {text}")
        return value

    def _arity(self, spec: str, rest: list[str], k: int) -> None:
        if len(rest) not in ((0, k) if k == 2 else (k,)):
            raise SimulationError(f"output '{spec}': wrong number of arguments; see bonemodel.outputs")

    def _unknown(self, spec: str, fn: str | None = None) -> SimulationError:
        candidates = list(self.names) + list(self.aliases) + [f"{f}(" for f in FUNCTIONALS]
        hint = suggest(fn or spec, list(FUNCTIONALS) + list(self.aliases) + self.names)
        if not hint and fn is None:
            hint = suggest(spec.split("@")[0], candidates)
        return SimulationError(
            f"unknown output '{spec}'{hint}; write NAME@T (state or observable at T days), "
            f"one of {list(FUNCTIONALS)} like max(NAME), or a callable"
        )
