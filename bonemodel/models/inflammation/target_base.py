"""What every clinical target is made of: the Target record, the memoising runner of the
simulations targets need, and the shared trial conventions (shared by ``targets`` and
``drug_targets``, which both import from here)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from ... import scenarios as sc
from ...model import Model
from ...scenario import Scenario
from ...simulate import simulate

YEAR = 365.25
TRIAL_START = 5 * YEAR
"""Day on which trials in postmenopausal women start (5 years after the start of menopause)."""
RA_ENTRY = 180.0
"""Day on which early-RA patients enter a trial (6 months after onset)."""

RTOL, ATOL = 1e-6, 1e-10


@dataclass(frozen=True)
class Target:
    """A published clinical number: scenario, observable, band and how we compute ours.

    Parameters
    ----------
    id
        The target's id (``"T1_early"``, ``"T2_spine"``, ...), after the clinical targets' numbering.
    scenario
        The scenario it is read in, in words.
    observable
        What is compared, in words (e.g. spine BMD change at 12 months).
    low, high
        The published band, in ``unit`` (``-inf``/``inf`` for a one-sided band).
    unit
        Unit of the band and of our value (e.g. ``"%"``, ``"mg/L"``, ``"RR"``).
    source
        Where the band comes from (keys of ``parameters/references.bib``).
    compute
        Function of a simulation runner that returns our value, in ``unit``.
    calibrated
        Whether the calibration fits to it (False: a check only).
    stage
        Calibration stage that fits it.
    """

    id: str
    scenario: str
    observable: str
    low: float
    high: float
    unit: str
    source: str
    compute: Callable[[_Runner], float]
    calibrated: bool = True
    """Whether calibrate.py fits to it (False: a check only)."""
    stage: str = "core"
    """Calibration stage that fits it: "core" (the disease and lifestyle model) or a drug module's
    name (its PD parameters are fitted to its own targets, the core held fixed)."""

    def miss(self, value: float) -> float:
        """Signed distance outside the band (0 inside; negative below, positive above).

        Parameters
        ----------
        value
            Our value, in the target's unit.

        Returns
        -------
        float
            The distance, in the target's unit (``inf`` for a value that is not finite).
        """
        if not math.isfinite(value):
            return math.inf
        if value < self.low:
            return value - self.low
        if value > self.high:
            return value - self.high
        return 0.0


class _Runner:
    """Runs (and memoises) the simulations the targets need, for one set of parameter values."""

    def __init__(self, model: Model, params: Mapping[str, float] | None) -> None:
        self.model = model
        self.params = dict(params or {})
        self._cache: dict[str, object] = {}
        self._runs: dict[str, tuple[Scenario, float, np.ndarray]] = {}

    def run(self, key: str, scenario: Scenario, t_end: float, extra: tuple[float, ...] = ()):
        """The run ``key`` (memoised), on a 5-day and monthly grid with every switch time on it."""
        if key not in self._cache or extra:
            if key in self._runs:
                grid = self._runs[key][2]
            else:
                switches = [t for t in scenario.switch_times() if 0.0 < t < t_end]
                grid = np.unique(
                    np.concatenate(
                        [np.arange(0.0, t_end, 5.0), np.arange(0.0, t_end, YEAR / 12), switches, [t_end]]
                    )
                )
            grid = np.union1d(grid, [t for t in extra if 0.0 <= t <= t_end])
            self._cache[key] = simulate(
                self.model, t_end, params=self.params, scenario=scenario, t_eval=grid, rtol=RTOL, atol=ATOL
            )
            self._runs[key] = (scenario, t_end, grid)
        return self._cache[key]

    def _value(self, key: str, scenario: Scenario, t_end: float, name: str, t: float) -> float:
        """Value at ``t``: interpolated on the grid, or solved at ``t`` itself when a switch lies
        within a grid step of it (a kink or jump there makes interpolation wrong by up to ~10 %)."""
        sol = self.run(key, scenario, t_end)
        grid = self._runs[key][2]
        i = int(np.searchsorted(grid, t))
        on_grid = (i < grid.size and abs(grid[i] - t) <= 1e-9 * max(1.0, abs(t))) or (
            i > 0 and abs(grid[i - 1] - t) <= 1e-9 * max(1.0, abs(t))
        )
        if not on_grid and any(abs(s - t) < 6.0 for s in scenario.switch_times()):
            sol = self.run(key, scenario, t_end, extra=(t,))
        return sol.at(name, t)

    def change(self, key: str, scenario: Scenario, t_end: float, name: str, t0: float, t1: float) -> float:
        """% change of ``name`` from t0 to t1."""
        return 100.0 * (
            self._value(key, scenario, t_end, name, t1) / self._value(key, scenario, t_end, name, t0) - 1.0
        )

    def at(self, key: str, scenario: Scenario, t_end: float, name: str, t: float) -> float:
        return self._value(key, scenario, t_end, name, t)


# --------------------------------------------------------------------------- scenario helpers
def _pm(intervention: Scenario | None = None) -> Scenario:
    base = sc.menopause()
    return base if intervention is None else base + intervention


def _t(id, scenario, observable, low, high, unit, source, compute, calibrated=True, stage="core") -> Target:
    return Target(id, scenario, observable, low, high, unit, source, compute, calibrated, stage)
