"""Solution: the result of one simulation, with its status and the settings that made it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .errors import ModelError, SolverError, suggest


@dataclass
class Solution:
    """Trajectories of states and observables on a time grid (days).

    ``status`` is ``"success"`` or ``"failed"``; a failed solution keeps every point
    computed before the failure and ``message`` says where and why it failed.

    Parameters
    ----------
    t
        Output times [day], shape ``(n_times,)``.
    y
        States in their units, shape ``(n_states, n_times)``.
    state_names
        Names of the rows of ``y``.
    observable_names
        Names of the observables, in order.
    observables
        Observables in their units, shape ``(n_observables, n_times)``, or a function computing
        them on first use.
    status
        ``"success"`` or ``"failed"``.
    message
        Why and where a failed run stopped (empty on success).
    meta
        Model, method, tolerances (rtol, atol), parameter overrides and scenario of the run.
    """

    t: np.ndarray
    y: np.ndarray
    state_names: list[str]
    observable_names: list[str]
    observables: np.ndarray | Callable[[], np.ndarray]
    status: str = "success"
    message: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def observable_values(self) -> np.ndarray:
        """Observables, shape (n_observables, len(t)); computed on first use, then kept."""
        if callable(self.observables):
            self.observables = self.observables()
        return self.observables

    @property
    def success(self) -> bool:
        """True when the run reached its end time without failing."""
        return self.status == "success"

    @property
    def names(self) -> list[str]:
        """State names, then observable names."""
        return self.state_names + self.observable_names

    def __getitem__(self, name: str) -> np.ndarray:
        if name in self.state_names:
            return self.y[self.state_names.index(name)]
        if name in self.observable_names:
            return self.observable_values[self.observable_names.index(name)]
        raise ModelError(
            f"'{name}' is neither a state nor an observable of model '{self.meta.get('model', '?')}'"
            f"{suggest(name, self.names)}; available: {self.names}"
        )

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def at(self, name: str, time: float) -> float:
        """Value of a state or observable at ``time`` (linear interpolation between output points).

        Parameters
        ----------
        name
            A state or observable.
        time
            Time [day] within the simulated span.

        Returns
        -------
        float
            The value, in the unit of the state or observable.

        Raises
        ------
        ModelError
            If the name is unknown or the time lies outside the simulated span.
        """
        if not self.t[0] <= time <= self.t[-1]:
            raise ModelError(
                f"time {time:g} is outside the simulated span [{self.t[0]:g}, {self.t[-1]:g}] days"
            )
        return float(np.interp(time, self.t, self[name]))

    def final(self) -> dict[str, float]:
        """Values at the last time point.

        Returns
        -------
        dict of str to float
            Every state and observable, in its unit.
        """
        return {n: float(self[n][-1]) for n in self.names}

    def to_frame(self) -> pd.DataFrame:
        """DataFrame indexed by time [day], one column per state and observable; ``attrs`` holds meta.

        Returns
        -------
        pandas.DataFrame
            Index ``time_day`` [day]; columns in the units of the states and observables (first an
            ``age`` column [yr] when the run started from a :class:`~bonemodel.Patient`);
            ``attrs`` holds ``meta``, ``status`` and ``message``.
        """
        data = np.vstack([self.y, self.observable_values]) if self.observable_names else self.y
        frame = pd.DataFrame(data.T, index=pd.Index(self.t, name="time_day"), columns=self.names)
        if "age_at_start" in self.meta:  # a patient's run: the person's age [yr] at each time
            frame.insert(0, "age", self.meta["age_at_start"] + (self.t - self.t[0]) / 365.25)
        frame.attrs = {**self.meta, "status": self.status, "message": self.message}
        return frame

    def plot(self, names: list[str] | None = None, *, title: str | None = None):
        """Plotly figure of the chosen states/observables against time (all states by default).

        Parameters
        ----------
        names
            States and observables to draw (default: every state).
        title
            Figure title (default: the model's name).

        Returns
        -------
        plotly.graph_objects.Figure
            One panel per quantity against time [day].

        Raises
        ------
        ModelError
            If a name is neither a state nor an observable.
        """
        from .plotting import time_course

        names = list(names) if names is not None else self.state_names
        for n in names:
            self[n]  # raises a clear error for unknown names
        return time_course(self.to_frame(), names, title=title or f"{self.meta.get('model', '')}")

    def raise_for_status(self) -> Solution:
        """Raise SolverError (carrying this solution) if the run failed; return self otherwise.

        Returns
        -------
        Solution
            This solution, when it succeeded.

        Raises
        ------
        SolverError
            If the run failed; its ``solution`` is this one.
        """
        if not self.success:
            raise SolverError(self.message, solution=self)
        return self

    def __repr__(self) -> str:
        span = f"[{self.t[0]:g}, {self.t[-1]:g}]" if self.t.size else "[]"
        return f"Solution(model={self.meta.get('model')!r}, status={self.status!r}, t={span} days, points={self.t.size})"
