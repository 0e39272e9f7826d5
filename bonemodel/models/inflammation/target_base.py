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

    def run(self, key: str, scenario: Scenario, t_end: float):
        if key not in self._cache:
            grid = np.unique(np.concatenate([np.arange(0.0, t_end, 5.0), [t_end]]))
            self._cache[key] = simulate(
                self.model, t_end, params=self.params, scenario=scenario, t_eval=grid, rtol=RTOL, atol=ATOL
            )
        return self._cache[key]

    def change(self, key: str, scenario: Scenario, t_end: float, name: str, t0: float, t1: float) -> float:
        """% change of ``name`` from t0 to t1."""
        sol = self.run(key, scenario, t_end)
        return 100.0 * (sol.at(name, t1) / sol.at(name, t0) - 1.0)

    def at(self, key: str, scenario: Scenario, t_end: float, name: str, t: float) -> float:
        return self.run(key, scenario, t_end).at(name, t)


# --------------------------------------------------------------------------- scenario helpers
def _pm(intervention: Scenario | None = None) -> Scenario:
    base = sc.menopause()
    return base if intervention is None else base + intervention


def _t(id, scenario, observable, low, high, unit, source, compute, calibrated=True, stage="core") -> Target:
    return Target(id, scenario, observable, low, high, unit, source, compute, calibrated, stage)
