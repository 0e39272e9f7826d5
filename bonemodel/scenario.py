"""Scenario: parameter overrides plus piecewise-constant schedules of inputs or parameters.

A scenario says *what happens to the patient*: constant overrides (a condition) and
time windows in which an input or parameter takes another value (an infusion, a drug
course, a training programme). Scenarios combine with ``+``. The simulator splits the
time span at every switch so a stiff integrator never steps across a discontinuity.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from . import _checks
from .errors import ScenarioError

_SAME_TIME = 1e-12  # relative spacing below which two switch times are the same
MAX_WINDOWS = 100_000
"""Most time windows a scenario may hold: each is a restart of the integrator, and 10**5
restarts already take minutes; a longer dosing schedule is better given as an average rate."""


@dataclass(frozen=True)
class Window:
    """``target`` takes ``value`` (or base × value when ``scale``) for start <= t < stop.

    Parameters
    ----------
    target
        A parameter or input name.
    start
        First day of the window [day].
    stop
        Day the window ends [day], or ``inf``.
    value
        Value in the target's unit, or a factor on its base value when ``scale``.
    scale
        Whether ``value`` multiplies the base value instead of replacing it.
    """

    target: str
    start: float
    stop: float
    value: float
    scale: bool = False

    def __post_init__(self) -> None:
        _checks.name(self.target, "the target of a window (a parameter or input name)", ScenarioError)
        at = f"window on '{self.target}'"
        object.__setattr__(self, "start", _checks.real(self.start, f"{at}: start (day)", ScenarioError))
        stop = _checks.real(self.stop, f"{at}: stop (day, or inf)", ScenarioError, allow_inf=True)
        object.__setattr__(self, "stop", stop)
        object.__setattr__(self, "value", _checks.real(self.value, f"{at}: value", ScenarioError))
        object.__setattr__(self, "scale", _checks.flag(self.scale, f"{at}: scale", ScenarioError))
        if not self.stop > self.start:
            raise ScenarioError(
                f"window on '{self.target}': stop ({self.stop:g}) must be after start ({self.start:g})"
            )


@dataclass(frozen=True)
class Scenario:
    """Overrides and time windows applied to a model during a simulation.

    Build scenarios with `constant`, `step`, `window` and `doses` (or the functions of
    `bonemodel.scenarios`) and combine them with ``+``. The simulator restarts the integrator at
    every switch time.

    Parameters
    ----------
    name
        Name shown in results and errors.
    overrides
        Parameter or input name -> value in its unit, for the whole run.
    windows
        Time windows, each setting one parameter or input for a span of days.
    description
        What the scenario represents, in words.

    Raises
    ------
    ScenarioError
        If a name, value or time is invalid, or two combined scenarios set one parameter to
        different constants.

    Examples
    --------
    >>> import bonemodel as bm
    >>> infusion = bm.Scenario.window("I_P", 1000.0, start=20, stop=80)
    >>> (infusion + bm.Scenario.constant("fast", k_B=0.2)).switch_times()
    [20.0, 80.0]
    """

    name: str = "baseline"
    overrides: Mapping[str, float] = field(default_factory=dict)
    windows: tuple[Window, ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        _checks.name(self.name, "scenario name", ScenarioError)
        if not isinstance(self.description, str):
            raise ScenarioError(f"scenario '{self.name}': description must be a string")
        overrides = _checks.mapping(
            self.overrides, f"overrides of scenario '{self.name}'", ScenarioError, "{'k_B': 0.2}"
        )
        overrides = {
            k: _checks.real(v, f"scenario '{self.name}': override of '{k}'", ScenarioError)
            for k, v in overrides.items()
        }
        object.__setattr__(self, "overrides", overrides)
        if isinstance(self.windows, (str, bytes, Mapping)) or not isinstance(self.windows, Iterable):
            raise ScenarioError(f"scenario '{self.name}': windows must be a sequence of Window objects")
        windows = tuple(self.windows)
        for w in windows:
            if not isinstance(w, Window):
                raise ScenarioError(
                    f"scenario '{self.name}': windows must be Window objects, got {type(w).__name__}"
                )
        if len(windows) > MAX_WINDOWS:
            raise ScenarioError(
                f"scenario '{self.name}' has {len(windows):,} time windows, more than {MAX_WINDOWS:,}; "
                "give a long dosing schedule as an average rate instead"
            )
        object.__setattr__(self, "windows", windows)
        by_target: dict[str, list[Window]] = {}
        for w in self.windows:
            by_target.setdefault(w.target, []).append(w)
        for target, ws in by_target.items():
            ws = sorted(ws, key=lambda w: w.start)
            for a, b in zip(ws, ws[1:]):
                if b.start < a.stop:
                    raise ScenarioError(
                        f"scenario '{self.name}': windows on '{target}' overlap "
                        f"([{a.start:g}, {a.stop:g}) and [{b.start:g}, {b.stop:g})); merge them into one"
                    )

    def __add__(self, other: Scenario) -> Scenario:
        if not isinstance(other, Scenario):
            return NotImplemented
        for k, v in other.overrides.items():
            if k in self.overrides and self.overrides[k] != v:
                raise ScenarioError(
                    f"scenarios '{self.name}' and '{other.name}' set '{k}' to different values "
                    f"({self.overrides[k]:g} vs {v:g}); combine them explicitly"
                )
        name = (
            other.name
            if self.name == "baseline"
            else self.name
            if other.name == "baseline"
            else f"{self.name} + {other.name}"
        )
        desc = "; ".join(d for d in (self.description, other.description) if d)
        return Scenario(name, {**self.overrides, **other.overrides}, self.windows + other.windows, desc)

    @property
    def targets(self) -> set[str]:
        """Every parameter or input name the scenario touches."""
        return set(self.overrides) | {w.target for w in self.windows}

    def switch_times(self) -> list[float]:
        """Sorted times where some scheduled value changes.

        Returns
        -------
        list of float
            Window starts and finite stops [day], sorted, without repeats.
        """
        times = {w.start for w in self.windows} | {w.stop for w in self.windows if math.isfinite(w.stop)}
        return sorted(times)

    def segments(self, t0: float, t_end: float) -> list[tuple[float, float, list[Window]]]:
        """Split [t0, t_end] at switch times; each piece lists the windows active on it.

        Parameters
        ----------
        t0, t_end
            Start and end of the simulated span [day].

        Returns
        -------
        list of tuple
            ``(start, stop, windows)`` per piece, times in days.
        """
        cuts = [t0]
        for t in [t for t in self.switch_times() if t0 < t < t_end] + [t_end]:
            # switch times a few ulps apart (float sums of dose times) are one switch
            if t - cuts[-1] <= _SAME_TIME * max(1.0, abs(t)):
                if t == t_end and len(cuts) > 1:
                    cuts[-1] = t_end
                continue
            cuts.append(t)
        if len(cuts) == 1:
            cuts.append(t_end)
        out = []
        for a, b in zip(cuts, cuts[1:]):
            mid = 0.5 * (a + b)
            out.append((a, b, [w for w in self.windows if w.start <= mid < w.stop]))
        return out

    # ------------------------------------------------------------ builders
    @classmethod
    def constant(cls, name: str, **overrides: float) -> Scenario:
        """Constant overrides for the whole simulation.

        Parameters
        ----------
        name
            Name of the scenario.
        **overrides
            Parameter or input name -> value in its unit.

        Returns
        -------
        Scenario
            The scenario.
        """
        return cls(name, overrides)

    @classmethod
    def step(
        cls, target: str, value: float, *, start: float, scale: bool = False, name: str = ""
    ) -> Scenario:
        """``target`` switches to ``value`` at ``start`` and stays there.

        Parameters
        ----------
        target
            A parameter or input name.
        value
            New value in the target's unit (a factor on the base value when ``scale``).
        start
            Day of the switch [day].
        scale
            Whether ``value`` multiplies the base value instead of replacing it.
        name
            Name of the scenario (default: ``"<target> step"``).

        Returns
        -------
        Scenario
            The scenario.
        """
        return cls(name or f"{target} step", {}, (Window(target, start, math.inf, value, scale),))

    @classmethod
    def window(
        cls, target: str, value: float, *, start: float, stop: float, scale: bool = False, name: str = ""
    ) -> Scenario:
        """``target`` takes ``value`` for start <= t < stop, its base value otherwise.

        Parameters
        ----------
        target
            A parameter or input name.
        value
            Value in the target's unit during the window (a factor on the base value when ``scale``).
        start, stop
            First day of the window and the day it ends [day].
        scale
            Whether ``value`` multiplies the base value instead of replacing it.
        name
            Name of the scenario (default: ``"<target> window"``).

        Returns
        -------
        Scenario
            The scenario.
        """
        return cls(name or f"{target} window", {}, (Window(target, start, stop, value, scale),))

    @classmethod
    def doses(
        cls,
        target: str,
        rate: float,
        *,
        start: float,
        interval: float,
        duration: float,
        count: int,
        name: str = "",
    ) -> Scenario:
        """Repeated rectangular doses: ``rate`` for ``duration`` days every ``interval`` days.

        Parameters
        ----------
        target
            A parameter or input name, usually an administration rate.
        rate
            Value of the target during each dose, in its unit (e.g. pM/day).
        start
            Day the first dose begins [day].
        interval
            Days from the start of one dose to the start of the next [day].
        duration
            Length of each dose [day], ``0 < duration <= interval``.
        count
            Number of doses.
        name
            Name of the scenario (default: ``"<target> doses"``).

        Returns
        -------
        Scenario
            The scenario with one window per dose.

        Raises
        ------
        ScenarioError
            If a number is invalid or the duration is not within ``(0, interval]``.
        """
        _checks.name(target, "the target of doses (a parameter or input name)", ScenarioError)
        at = f"doses of '{target}'"
        rate = _checks.real(rate, f"{at}: rate", ScenarioError)
        start = _checks.real(start, f"{at}: start (day)", ScenarioError)
        interval = _checks.real(interval, f"{at}: interval (days)", ScenarioError)
        duration = _checks.real(duration, f"{at}: duration (days)", ScenarioError)
        count = _checks.count(count, f"{at}: count", ScenarioError, low=1, high=MAX_WINDOWS)
        if not 0 < duration <= interval:
            raise ScenarioError(
                f"doses of '{target}': need 0 < duration ({duration:g}) <= interval ({interval:g})"
            )
        starts = [start + k * interval for k in range(count + 1)]
        # back-to-back doses end exactly where the next begins, not an ulp before or after it
        stops = [starts[k + 1] if duration == interval else starts[k] + duration for k in range(count)]
        ws = tuple(Window(target, starts[k], stops[k], rate) for k in range(count))
        return cls(name or f"{target} doses", {}, ws)


def combine(scenarios: Iterable[Scenario]) -> Scenario:
    """Sum of several scenarios (the empty sum is the baseline).

    Parameters
    ----------
    scenarios
        The scenarios to combine, as with ``+``.

    Returns
    -------
    Scenario
        Their combination.
    """
    total = Scenario()
    for s in scenarios:
        total = total + s
    return total
