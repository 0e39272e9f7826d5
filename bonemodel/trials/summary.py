"""Per-arm summary of a trial's rows, accumulated chunk by chunk (no need to hold every row).

Means and SDs are merged across chunks with the pairwise update of Chan, Golub & LeVeque (1979),
which is as exact as a two-pass computation; responder counts, expected first fractures and
person-years are sums. The same code summarises a frame in memory (one chunk) and a results folder
of a million people (a chunk at a time).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .patient import YEAR

SITES = ("hip", "major")


@dataclass
class _Moments:
    """Count, mean and sum of squared deviations of one endpoint in one arm."""

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0
    above: int = 0

    def add(self, values: np.ndarray, threshold: float | None) -> None:
        k = int(values.size)
        if k == 0:
            return
        mean = float(values.mean())
        m2 = float(((values - mean) ** 2).sum())
        n = self.n + k
        delta = mean - self.mean
        self.mean += delta * k / n
        self.m2 += m2 + delta * delta * self.n * k / n
        self.n = n
        if threshold is not None:
            self.above += int(np.count_nonzero(values > threshold))


@dataclass
class _Arm:
    """Everything the summary of one arm needs, accumulated."""

    endpoints: dict[str, _Moments]
    n: int = 0
    failed: int = 0
    events: dict[str, float] = field(default_factory=lambda: dict.fromkeys(SITES, 0.0))
    person_years: dict[str, float] = field(default_factory=lambda: dict.fromkeys(SITES, 0.0))


def summarize(
    frames: Iterable[pd.DataFrame],
    arms: Sequence[str],
    endpoints: Sequence[str],
    t_end: float,
    *,
    responder: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Per arm: mean, SD and 95 % CI of each endpoint; fracture incidence and hazard ratios.

    Parameters
    ----------
    frames
        The trial's rows, in one or many pieces (columns ``arm``, the endpoints,
        ``fracture_prob_<site>`` and, from the batched engine, ``status``; failed rows are counted
        and left out).
    arms
        Arm names; the first is the reference of hazard ratios.
    endpoints
        Endpoint columns.
    t_end
        Follow-up [day].
    responder
        Endpoint -> threshold: the fraction of people above it is reported.

    Returns
    -------
    pandas.DataFrame
        As :meth:`~bonemodel.trials.TrialResult.summary` describes it.
    """
    from .trial import _poisson_interval

    responder = dict(responder or {})
    acc = {arm: _Arm({e: _Moments() for e in endpoints}) for arm in arms}
    years = t_end / YEAR
    for frame in frames:
        ok = frame["status"].to_numpy() == "success" if "status" in frame else np.ones(len(frame), bool)
        arm_of = frame["arm"].to_numpy()
        for arm, a in acc.items():
            mine = arm_of == arm
            a.failed += int(np.count_nonzero(mine & ~ok))
            rows = mine & ok
            if not rows.any():
                continue
            a.n += int(np.count_nonzero(rows))
            for e in endpoints:
                a.endpoints[e].add(frame[e].to_numpy(dtype=float)[rows], responder.get(e))
            for site in SITES:
                p = frame[f"fracture_prob_{site}"].to_numpy(dtype=float)[rows]
                a.events[site] += float(p.sum())
                # person-years at risk: a person leaves at a first fracture (about half-way on average)
                a.person_years[site] += float(np.sum(years * (1.0 - 0.5 * p)))
    table = pd.DataFrame({arm: _row(a, endpoints, responder, _poisson_interval) for arm, a in acc.items()}).T
    table.index.name = "arm"
    for site in SITES:
        table[f"{site} HR"] = (
            table[f"{site} fractures per 1000 PY"] / table.loc[arms[0], f"{site} fractures per 1000 PY"]
        )
    return table


def _row(a: _Arm, endpoints: Sequence[str], responder: Mapping[str, float], interval) -> dict[str, float]:
    row: dict[str, float] = {}
    for e in endpoints:
        m = a.endpoints[e]
        sd = math.sqrt(m.m2 / (m.n - 1)) if m.n > 1 else 0.0
        half = 1.96 * sd / math.sqrt(m.n) if m.n else math.nan
        mean = m.mean if m.n else math.nan
        row.update(
            {f"{e} mean": mean, f"{e} sd": sd, f"{e} ci_low": mean - half, f"{e} ci_high": mean + half}
        )
        if e in responder:
            row[f"{e} responders"] = m.above / m.n if m.n else math.nan
    for site in SITES:
        events, person_years = a.events[site], a.person_years[site]
        low, high = interval(events)
        rate = 1000.0 * events / person_years if person_years else math.nan
        row[f"{site} fractures per 1000 PY"] = rate
        row[f"{site} ci_low"] = 1000.0 * low / person_years if person_years else math.nan
        row[f"{site} ci_high"] = 1000.0 * high / person_years if person_years else math.nan
    return {"n": float(a.n), "failed": float(a.failed), **row}
