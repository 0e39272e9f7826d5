"""Virtual trials: every person of a population in every arm; per-arm distributions and risks.

``trial(model, population, arms, t_end, endpoints)`` runs each person from their own start state
(:mod:`bonemodel.trials.patient`) in each arm, reads the endpoints (the sweep's ``name@day``
syntax, e.g. ``"bmd_hip_pct@365.25"``; a bare name is read at ``t_end``) and keeps one row per
person and arm. :meth:`TrialResult.summary` gives, per arm and endpoint, the mean, SD and 95 %
confidence interval of the mean, and for each fracture site the expected incidence per 1,000
person-years (expected first fractures / person-years) with its hazard ratio against the first arm.

This first version runs the people one after another through :func:`~bonemodel.simulate` (about
0.3 s per person and arm): correct, and fine for trials of hundreds; the batched sweep engine,
Parquet checkpoints and Dask are the next step for populations of millions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import _checks
from ..errors import ScenarioError
from ..model import Model
from ..scenario import Scenario
from .patient import YEAR, Patient
from .risk import RISK_COLUMNS

SITES = ("hip", "major")


@dataclass
class TrialResult:
    """A virtual trial's per-person results and how they were made.

    Parameters
    ----------
    frame
        One row per person and arm: ``arm``, the covariates, one column per endpoint (in its
        observable's unit), and ``fracture_prob_<site>`` at ``t_end`` (0 to 1).
    arms
        Arm names, in the order given (the first is the reference of hazard ratios).
    endpoints
        The endpoints as given.
    t_end
        Follow-up [day].
    meta
        How the trial was run (model, seconds, runs).
    """

    frame: pd.DataFrame
    arms: list[str]
    endpoints: list[str]
    t_end: float
    meta: dict[str, Any] = field(default_factory=dict)

    def summary(self, *, responder: Mapping[str, float] | None = None) -> pd.DataFrame:
        """Per arm: mean, SD and 95 % CI of each endpoint; fracture incidence and hazard ratios.

        Parameters
        ----------
        responder
            Endpoint -> threshold: the fraction of people above it is reported (e.g.
            ``{"bmd_hip_pct@365.25": 0.0}`` for any gain).

        Returns
        -------
        pandas.DataFrame
            Index ``arm``; columns ``<endpoint> mean``, ``sd``, ``ci_low``, ``ci_high`` (the
            normal 95 % interval of the mean), ``<endpoint> responders`` where asked, and per
            site ``<site> fractures per 1000 PY`` with its Poisson 95 % interval on the expected
            count and ``<site> HR`` against the first arm.
        """
        rows = {}
        years = self.t_end / YEAR
        for arm in self.arms:
            part = self.frame[self.frame["arm"] == arm]
            row: dict[str, float] = {"n": float(len(part))}
            for e in self.endpoints:
                values = part[e].to_numpy(dtype=float)
                mean, sd = float(np.mean(values)), float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
                half = 1.96 * sd / math.sqrt(len(values))
                row.update(
                    {
                        f"{e} mean": mean,
                        f"{e} sd": sd,
                        f"{e} ci_low": mean - half,
                        f"{e} ci_high": mean + half,
                    }
                )
                if responder and e in responder:
                    row[f"{e} responders"] = float(np.mean(values > responder[e]))
            for site in SITES:
                p = part[f"fracture_prob_{site}"].to_numpy(dtype=float)
                events = float(p.sum())
                # person-years at risk: a person leaves at a first fracture (about half-way on average)
                person_years = float(np.sum(years * (1.0 - 0.5 * p)))
                rate = 1000.0 * events / person_years
                low, high = _poisson_interval(events)
                row[f"{site} fractures per 1000 PY"] = rate
                row[f"{site} ci_low"] = 1000.0 * low / person_years
                row[f"{site} ci_high"] = 1000.0 * high / person_years
            rows[arm] = row
        table = pd.DataFrame(rows).T
        table.index.name = "arm"
        for site in SITES:
            table[f"{site} HR"] = (
                table[f"{site} fractures per 1000 PY"]
                / table.loc[self.arms[0], f"{site} fractures per 1000 PY"]
            )
        return table


def trial(
    model: Model | str,
    population: pd.DataFrame,
    arms: Mapping[str, Scenario | None],
    t_end: float,
    endpoints: Sequence[str] = (),
    *,
    params: Mapping[str, float] | None = None,
    progress: bool = False,
) -> TrialResult:
    """Run every person of ``population`` in every arm of a virtual trial.

    Parameters
    ----------
    model
        The ``inflammation`` model (or its name).
    population
        A frame from :func:`~bonemodel.trials.population` (its ``patient`` column), or any frame with
        a ``patient`` column of :class:`Patient`.
    arms
        Arm name -> scenario added on top of each person's own history (None: nothing added).
    t_end
        Follow-up [day], > 0.
    endpoints
        Observables read as ``name@day`` (or ``name``: at ``t_end``), e.g. ``"bmd_hip_pct@365.25"``.
    params
        Parameter values [their units] for everyone.
    progress
        Print one line per arm with its time.

    Returns
    -------
    TrialResult
        The per-person frame and :meth:`TrialResult.summary`.

    Raises
    ------
    ScenarioError
        Before anything runs: no arms, an arm whose scenario is not a Scenario, a population without
        patients, an endpoint the model does not have or a time outside the follow-up.
    """
    import time

    from ..models import load_model
    from ..runtime import as_model
    from ..simulate import simulate

    model = load_model(model) if isinstance(model, str) else as_model(model)
    t_end = _checks.real(t_end, "trial t_end [day]", ScenarioError, low=0.0)
    if not t_end > 0:
        raise ScenarioError("trial t_end must be > 0 days")
    if not isinstance(arms, Mapping) or not arms:
        raise ScenarioError("trial arms must be a non-empty mapping of arm name -> scenario (or None)")
    for name, sc in arms.items():
        if sc is not None and not isinstance(sc, Scenario):
            raise ScenarioError(
                f"trial arm {name!r} is not a Scenario (got {type(sc).__name__}); build it with bm.scenarios"
            )
    if not isinstance(population, pd.DataFrame) or "patient" not in population:
        raise ScenarioError(
            "trial population must be a DataFrame with a 'patient' column (see bm.population)"
        )
    if not all(isinstance(p, Patient) for p in population["patient"]):
        raise ScenarioError("every entry of the population's 'patient' column must be a bonemodel.Patient")
    reads = [_parse_endpoint(model, e, t_end) for e in endpoints]
    covariates = [c for c in population.columns if c != "patient"]
    rows, started, runs = [], time.perf_counter(), 0
    for arm, scenario in arms.items():
        arm_started = time.perf_counter()
        for i, person in enumerate(population["patient"]):
            sol = simulate(model, t_end, patient=person, scenario=scenario, params=params)
            runs += 1
            row = {"arm": arm, "person": i, **{c: population[c].iloc[i] for c in covariates}}
            for endpoint, (name, day) in zip(endpoints, reads):
                row[endpoint] = sol.at(name, day)
            for site in SITES:
                row[f"fracture_prob_{site}"] = float(sol[f"fracture_prob_{site}"][-1])
            rows.append(row)
        if progress:
            print(
                f"[trial] arm {arm!r}: {len(population)} people in {time.perf_counter() - arm_started:.1f} s"
            )
    meta = {"model": model.name, "seconds": time.perf_counter() - started, "runs": runs}
    return TrialResult(pd.DataFrame(rows), list(arms), list(endpoints), t_end, meta)


def _parse_endpoint(model: Model, endpoint: str, t_end: float) -> tuple[str, float]:
    text = _checks.name(endpoint, "trial endpoint", ScenarioError)
    name, _, day = text.partition("@")
    known = set(model.state_names) | set(model.observable_names) | set(RISK_COLUMNS)
    if name not in known:
        raise ScenarioError(f"unknown endpoint {name!r} for model {model.name!r} (endpoints are 'name@day')")
    if not day:
        return name, t_end
    try:
        when = float(day)
    except ValueError:
        raise ScenarioError(f"endpoint {text!r}: the day after '@' must be a number") from None
    if not 0.0 <= when <= t_end:
        raise ScenarioError(f"endpoint {text!r} is read outside the follow-up [0, {t_end:g}] days")
    return name, when


def _poisson_interval(count: float) -> tuple[float, float]:
    """Exact (Garwood) 95 % interval of a Poisson mean, for an expected (non-integer) count."""
    from scipy.stats import chi2

    low = 0.0 if count <= 0 else 0.5 * chi2.ppf(0.025, 2 * count)
    high = 0.5 * chi2.ppf(0.975, 2 * (count + 1))
    return float(low), float(high)
