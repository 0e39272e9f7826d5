"""The systemic activation that gives a steady CRP: one table per model, inverted by interpolation.

``scenarios.low_grade_inflammation(crp)`` needs the systemic immune activation at which an
otherwise healthy adult settles at a CRP of ``crp`` mg/L after :data:`SETTLE_DAYS`. Found by
root-finding, each CRP costs about eight 400-day simulations (~70 ms); a virtual population,
whose every person has a CRP of their own, spends most of its time there. So the steady CRP is
solved once on a fixed grid of activations (:data:`ACTIVATIONS`), kept in memory and in the
disk cache (keyed by model structure and parameter values), and the activation of a CRP is read
from it by monotone interpolation of log activation against log(CRP - healthy CRP), on which the
curve is close to a straight line. Measured against the simulation, the activation read from the
table gives the requested CRP within 3e-6 relative (tests/test_crp_activation.py asserts
1e-5), the same order as the root finder's own tolerance. A CRP outside the table's span is
solved by root-finding as before.
"""

from __future__ import annotations

import hashlib
import json
import threading

import numpy as np

from .cache import private_folder, read_text, safe_name, write_text
from .model import Model

__all__ = ["ACTIVATIONS", "SETTLE_DAYS", "activation_for_crp", "crp_table", "steady_crp"]

SETTLE_DAYS = 400.0
"""Days after which the CRP of a constant activation counts as steady [day]."""

ACTIVATIONS = np.geomspace(1e-3, 64.0, 161)
"""Grid of systemic activations [1] of the table: 161 points, geometric, 1e-3 to 64 (flagship:
steady CRP 1.0001 to ~8,900 mg/L). Measured: 81 points leave 1.6e-5 relative CRP error, 161
leave 2.2e-6 at a cost of about one second, once per model and parameter set."""

TABLE_VERSION = "1"
"""Bumped whenever the table's design (grid, settling time) changes, so old files are not read."""

_MEMORY: dict[str, tuple[np.ndarray, np.ndarray]] = {}
_LOCK = threading.Lock()


def steady_crp(model: Model, activation: float) -> float:
    """CRP [mg/L] of a healthy adult after :data:`SETTLE_DAYS` at a constant systemic activation.

    Parameters
    ----------
    model
        The inflammation model (with its parameter values).
    activation
        Systemic activation [1], >= 0.

    Returns
    -------
    float
        The CRP at day :data:`SETTLE_DAYS` [mg/L].
    """
    from .simulate import simulate

    sol = simulate(
        model,
        SETTLE_DAYS,
        params={"systemic_activation": float(activation)},
        t_eval=np.array([0.0, SETTLE_DAYS]),
    )
    return float(sol["CRP"][-1])


def crp_table(model: Model) -> tuple[np.ndarray, np.ndarray]:
    """The steady CRP at every activation of :data:`ACTIVATIONS`, computed once per model.

    Parameters
    ----------
    model
        The inflammation model (with its parameter values).

    Returns
    -------
    tuple of numpy.ndarray
        ``(activations [1], steady CRP [mg/L])``, both increasing.
    """
    key = _table_key(model)
    with _LOCK:
        cached = _MEMORY.get(key)
    if cached is not None:
        return cached
    crp = _read(key)
    if crp is None:
        crp = np.array([steady_crp(model, a) for a in ACTIVATIONS])
        _write(key, crp)
    table = (ACTIVATIONS.copy(), crp)
    with _LOCK:
        _MEMORY[key] = table
    return table


def activation_for_crp(model: Model, crp: float) -> float:
    """Systemic activation [1] at which a healthy adult settles at ``crp`` mg/L (0 at or below CRP0).

    Parameters
    ----------
    model
        The inflammation model (with its parameter values; ``CRP0`` is its healthy CRP).
    crp
        The steady CRP to reach [mg/L].

    Returns
    -------
    float
        The activation: read from :func:`crp_table` inside its span, else by root-finding.

    Raises
    ------
    ValueError
        If no activation up to 1,000 reaches ``crp``.
    """
    crp0 = float(model.parameters["CRP0"].value)
    if crp <= crp0:
        return 0.0  # the healthy CRP itself
    activations, steady = crp_table(model)
    excess = steady - crp0
    if not (np.all(np.diff(steady) > 0) and excess[0] < crp - crp0 < excess[-1]):
        return _root(model, crp)
    from scipy.interpolate import PchipInterpolator

    curve = PchipInterpolator(np.log(excess), np.log(activations))
    return float(np.exp(curve(np.log(crp - crp0))))


def _root(model: Model, crp: float) -> float:
    """The activation of ``crp`` by bracketing and Brent's method on :func:`steady_crp`."""
    from scipy.optimize import brentq

    hi = 1.0
    while steady_crp(model, hi) < crp:
        hi *= 2
        if hi > 1e3:
            raise ValueError(f"CRP {crp:g} mg/L is out of reach of the model")
    return float(brentq(lambda a: steady_crp(model, a) - crp, 0.0, hi, xtol=1e-6))


def _table_key(model: Model) -> str:
    from .compile import model_key

    values = sorted(model.parameters.values().items())
    h = hashlib.sha256(f"{TABLE_VERSION}|{SETTLE_DAYS!r}|{ACTIVATIONS.tolist()!r}".encode())
    h.update(model_key(model).encode())
    h.update(repr(values).encode())
    return f"{safe_name(model.name)}-{h.hexdigest()[:24]}"


def _read(key: str) -> np.ndarray | None:
    """The table's CRP column from the disk cache, or None if absent or malformed."""
    folder = private_folder("crp")
    text = None if folder is None else read_text(folder / f"{key}.json")
    if text is None:
        return None
    try:
        data = json.loads(text)
        crp = np.asarray(data["crp"], dtype=float)
    except (ValueError, KeyError, TypeError):
        return None
    if data.get("key") != key or crp.shape != ACTIVATIONS.shape or not np.all(np.isfinite(crp)):
        return None
    return crp


def _write(key: str, crp: np.ndarray) -> None:
    folder = private_folder("crp")
    if folder is not None:
        write_text(folder / f"{key}.json", json.dumps({"key": key, "crp": crp.tolist()}))
