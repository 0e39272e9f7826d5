"""Between-person variability and how a trial measures BMD.

Two people with the same covariates still differ, and a trial's arm SD says by how much. Two
sources are modelled (values and sources in ``parameters/trial_variability.toml``):

* **Turnover**, a mechanism: each person's bone turnover is the model's average person's times a
  log-normal multiplier (``turnover_log_sd``); it scales the flagship's ``tau_trab`` and
  ``tau_cort`` for that person (``Patient.turnover``), so faster remodelers lose more after
  menopause and gain more on an antiresorptive.
* **What the model does not explain**, reported as a trial would: the DXA precision error of each
  of the two scans (``dxa_cv_<site>``, Roux 2014), and a within-person random walk of BMD
  (``unexplained_sd`` per square root of a year; weight, activity, positioning), calibrated to the
  FREEDOM placebo arm's spread. :func:`measured_change` adds both to a modelled % change.

Assumptions, named: the turnover multiplier is the same for trabecular and cortical bone and
constant in time; the unexplained part is independent of the arm and of the model's change.
"""

from __future__ import annotations

import math

import numpy as np

from ..parameters import load_parameters

DATA_FILE = "trial_variability"
SITES = ("spine", "hip")
TURNOVER_PARAMETERS = ("tau_trab", "tau_cort")
"""Flagship parameters a person's turnover multiplier scales."""


def _value(name: str) -> float:
    return float(load_parameters(DATA_FILE)[name].value)


def draw_turnover(rng: np.random.Generator, n: int) -> np.ndarray:
    """Turnover multipliers [1] of ``n`` people: log-normal with mean 1 and log-SD ``turnover_log_sd``.

    Parameters
    ----------
    rng
        The random generator (the population's).
    n
        Number of people.

    Returns
    -------
    numpy.ndarray
        Multipliers, > 0.
    """
    sigma = _value("turnover_log_sd")
    return np.exp(sigma * rng.standard_normal(n) - 0.5 * sigma**2)


def measurement_sd(site: str, days: float) -> float:
    """SD [% points] that measurement and unexplained change add to a % change read at ``days``.

    Parameters
    ----------
    site
        ``"spine"`` or ``"hip"``.
    days
        Time [day] from the baseline scan.

    Returns
    -------
    float
        ``sqrt(2 cv_site^2 + unexplained_sd^2 days/365.25)``.
    """
    if site not in SITES:
        raise ValueError(f"no DXA precision for site {site!r}; known: {', '.join(SITES)}")
    cv = _value(f"dxa_cv_{site}")
    walk = _value("unexplained_sd")
    return math.sqrt(2.0 * cv**2 + walk**2 * max(float(days), 0.0) / 365.25)


def measured_change(change_pct: np.ndarray, site: str, days: float, rng: np.random.Generator) -> np.ndarray:
    """A modelled % change of BMD as a trial would measure it (two scans, unexplained change).

    Parameters
    ----------
    change_pct
        Modelled % change from baseline, one per person.
    site
        ``"spine"`` or ``"hip"``.
    days
        Time [day] of the second scan after the first.
    rng
        The random generator.

    Returns
    -------
    numpy.ndarray
        Measured % changes (same shape).
    """
    change_pct = np.asarray(change_pct, dtype=float)
    return change_pct + measurement_sd(site, days) * rng.standard_normal(change_pct.shape)


def endpoint_site(name: str) -> str | None:
    """The DXA site of a BMD % endpoint (``bmd_spine_pct`` -> ``"spine"``), else None.

    Parameters
    ----------
    name
        An endpoint's output name, without its ``@time``.

    Returns
    -------
    str or None
        The site whose scan measures it, or None for an endpoint no scan measures.
    """
    for site in SITES:
        if name == f"bmd_{site}_pct":
            return site
    return None


def measure_frame(frame, endpoints, seed: int = 0):
    """A trial's per-person frame with its BMD % endpoints as a trial would measure them.

    Per person and arm (different scans in each arm): one baseline scan error, one error per
    follow-up scan time, and one random walk of unexplained change through the follow-up times,
    so that a person's endpoints at several times are one measured course, not independent draws.
    Other endpoints are left as they are. The draws follow the rows sorted by arm and person, so
    the same trial and seed give the same measurements however its chunks ran.

    Parameters
    ----------
    frame
        One row per person and arm with ``arm``, ``person`` and the endpoint columns.
    endpoints
        Endpoints as ``name@day``.
    seed
        Seed of the measurement draws.

    Returns
    -------
    pandas.DataFrame
        A copy of ``frame`` with the BMD % endpoints measured.
    """
    out = frame.copy()
    order = np.lexsort((out["person"].to_numpy(), out["arm"].astype(str).to_numpy()))
    rng = np.random.default_rng(seed)
    n = len(out)
    for site in SITES:
        reads = sorted(
            (float(day), e)
            for e in endpoints
            for name, _, day in [e.partition("@")]
            if endpoint_site(name) == site and day
        )
        if not reads:
            continue
        cv = _value(f"dxa_cv_{site}")
        walk = _value("unexplained_sd")
        baseline = cv * rng.standard_normal(n)
        course = np.zeros(n)
        last = 0.0
        for day, endpoint in reads:
            course = course + walk * math.sqrt(max(day - last, 0.0) / 365.25) * rng.standard_normal(n)
            last = day
            scan = cv * rng.standard_normal(n)
            values = out[endpoint].to_numpy(dtype=float).copy()
            values[order] = values[order] + scan - baseline + course
            out[endpoint] = values
    return out
