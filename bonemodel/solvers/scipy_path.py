"""Single-run integration of one constant-parameter segment with scipy.

``method="odeint"`` (LSODA in Fortran, what ``"auto"`` picks) drives the generated scalar
RHS and analytic Jacobian directly; the ``solve_ivp`` methods (BDF, Radau, LSODA, RK45, ...)
get the same functions. Stiff methods always receive the analytic Jacobian, except in the
columns of states that are exactly 0 where it is not finite (see :func:`integrate_segment`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
from scipy.integrate import odeint, solve_ivp

from ..compile import CompiledModel
from .batch import start_problems

IVP_METHODS = ("RK45", "RK23", "DOP853", "Radau", "BDF", "LSODA")
METHODS = ("auto", "odeint") + IVP_METHODS + ("rodas4",)
"""``rodas4`` is not scipy: it is the batched ensemble solver with one member (numba if installed)."""
_IMPLICIT = {"Radau", "BDF", "LSODA"}


@dataclass
class SegmentResult:
    """What one segment's integration reached.

    Parameters
    ----------
    t
        Times reached [day].
    y
        States at those times in their units, shape (n_states, len(t)).
    ok
        Whether the segment was integrated to its end.
    message
        Why not ('' on success).
    steps
        Steps taken.
    jacobian
        Which Jacobian the integrator was given: ``"analytic"``, or what was done where the
        analytic one is not finite.
    """

    t: np.ndarray
    y: np.ndarray  # (n_states, len(t))
    ok: bool
    message: str
    steps: int
    jacobian: str = "analytic"


def integrate_segment(
    compiled: CompiledModel,
    p: np.ndarray,
    y0: np.ndarray,
    times: np.ndarray,
    *,
    method: str,
    rtol: float,
    atol: float | np.ndarray,
    max_steps: int = 100_000,
) -> SegmentResult:
    """Integrate from times[0] (where y = y0) and report y at every entry of ``times``.

    Parameters
    ----------
    compiled
        The compiled model.
    p
        Runtime vector of the segment.
    y0
        States at ``times[0]``, in their units.
    times
        Increasing times [day]; the first is the segment's start.
    method
        ``"auto"``/``"odeint"`` (LSODA) or a ``solve_ivp`` method name.
    rtol, atol
        Tolerances (relative; absolute in the states' units).
    max_steps
        Most steps between output times for LSODA; ``solve_ivp`` methods get a budget of
        ``3 * max_steps`` right-hand side evaluations.

    Returns
    -------
    SegmentResult
        The states at the times reached, whether the segment succeeded, why not, and the steps.

    Notes
    -----
    A state that starts at exactly 0 in a power with a parameter exponent, ``P**g``, can make
    the analytic Jacobian not finite there although the right-hand side is finite and
    continuous: the slope is infinite for 0 < g < 1, and a derivative written ``g*P**g/P``
    (sympy's form) is 0/0 for any g. Such a segment is not refused: the columns of the states at exactly 0
    where the analytic Jacobian is not finite are replaced by forward differences (step
    ``sqrt(eps) * atol / rtol`` into positive values), wherever the run meets them, and
    ``jacobian`` says so. The start is still refused when the right-hand side, or a difference
    column, is not finite, or when a non-finite entry lies in the column of a state that is
    not 0 (a parameter value making the model singular).
    """
    plist = np.asarray(p, dtype=float).tolist()
    rhs, jac = ieee_functions(compiled, plist)
    used = "analytic"
    y_start = np.asarray(y0, dtype=float)
    with np.errstate(all="ignore"):
        J0 = np.asarray(jac(times[0], y_start), dtype=float)
    zero = ~np.isfinite(J0).all(axis=0) & (y_start == 0)
    if zero.any():
        jac = _differences_at_zero(rhs, jac, rtol, atol, y_start.size)
        names = [compiled.state_names[i] for i in np.nonzero(zero)[0].tolist()]
        used = (
            f"analytic; forward differences in the columns of {names}, which are 0 at t = {times[0]:g} "
            "days where the analytic Jacobian is not finite (and of any state at exactly 0 later)"
        )
    if (failed := _start_failure(compiled, rhs, jac, times, y0, rtol, atol)) is not None:
        return failed
    if used != "analytic":
        return replace(_integrate(rhs, jac, None, y0, times, method, rtol, atol, max_steps), jacobian=used)
    fast = partial(compiled._fns["odeint_pair"], plist)
    return _integrate(rhs, jac, fast, y0, times, method, rtol, atol, max_steps)


def _integrate(rhs, jac, fast, y0, times, method, rtol, atol, max_steps) -> SegmentResult:
    """The segment through LSODA (``fast()`` gives the generated pair, tried first) or solve_ivp."""
    if method in ("auto", "odeint"):
        # Fast path: the generated functions straight into LSODA. Only if Python raises
        # (x/0, overflow, a math domain error, or a complex number from a negative base in
        # a fractional power) is the segment redone with functions that compute such calls
        # in IEEE arithmetic, as the batched solvers do, so every path gives the same status.
        if fast is not None:
            try:
                return _odeint(*fast(), y0, times, rtol, atol, max_steps)
            except (ArithmeticError, ValueError, TypeError):
                pass
        return _odeint(lambda y, t: rhs(t, y), lambda y, t: jac(t, y), y0, times, rtol, atol, max_steps)
    return _ivp(rhs, jac, y0, times, method, rtol, atol, max_evaluations=3 * max_steps)


def _differences_at_zero(rhs, jac, rtol: float, atol, n: int):
    """``jac`` with forward-difference columns for the states at exactly 0 where it is not finite.

    The step, ``sqrt(eps) * atol / rtol``, is a small fraction of the level below which the
    error control treats a state as zero; it goes into positive values, the side on which a
    fractional power of the state is defined.
    """
    steps = np.sqrt(np.finfo(float).eps) * np.broadcast_to(np.asarray(atol, dtype=float), (n,)) / rtol

    def patched(t, y):
        J = np.asarray(jac(t, y), dtype=float)
        y = np.asarray(y, dtype=float)
        with np.errstate(all="ignore"):
            bad = ~np.isfinite(J)
            cols = np.nonzero(bad.any(axis=0) & (y == 0))[0]
            if cols.size == 0:
                return J
            J, f = J.copy(), np.asarray(rhs(t, y), dtype=float)
            for j in cols.tolist():
                moved = y.copy()
                moved[j] = steps[j]
                column = (np.asarray(rhs(t, moved), dtype=float) - f) / steps[j]
                J[:, j] = np.where(bad[:, j], column, J[:, j])
        return J

    return patched


def _start_failure(compiled, rhs, jac, times, y0, rtol, atol) -> SegmentResult | None:
    """A failed segment if no path can integrate it from its start (same rule as the batched solvers).

    The RHS or Jacobian is not finite there (a parameter value makes the model singular,
    a zero denominator reached as inf/inf, say; LSODA in its non-stiff mode might run on
    without noticing), or a state, a rate or a Jacobian entry there is beyond
    :data:`~bonemodel.solvers.batch.LIMIT` (double precision runs out).
    """
    y = np.asarray(y0, dtype=float)
    with np.errstate(all="ignore"):
        f = np.asarray(rhs(times[0], y), dtype=float)
        J = np.asarray(jac(times[0], y), dtype=float)
    problems = start_problems(
        compiled.state_names, float(times[0]), y[:, None], f[:, None], J[:, :, None], rtol, atol
    )
    if not problems:
        return None
    return SegmentResult(times[:1], y[:, None], False, problems[0], 0)


def ieee_functions(compiled: CompiledModel, plist: list[float]):
    """RHS and Jacobian ``(t, y)`` in IEEE arithmetic: x/0 gives inf, a bad power NaN.

    The scalar code runs where Python can evaluate it; a call where Python raises is
    evaluated by the batched numpy code instead (the arithmetic of the batched solvers).
    A non-finite result then makes the integrator fail cleanly, keeping its output.

    Parameters
    ----------
    compiled
        The compiled model.
    plist
        The runtime vector as a list of floats.

    Returns
    -------
    tuple
        ``(rhs, jac)``, each a function of ``(t, y)``.
    """
    rhs_s, jac_s = compiled.scalar_functions
    rhs_b, jac_b = compiled._fns["rhs_batch"], compiled._fns["jac_batch"]
    P = np.asarray(plist, dtype=float)[:, None]

    def rhs(t, y):
        try:
            return np.array(rhs_s(t, y.tolist(), plist), dtype=float)
        except (ArithmeticError, ValueError, TypeError):
            with np.errstate(all="ignore"):
                return np.asarray(rhs_b(t, np.asarray(y, dtype=float)[:, None], P), dtype=float)[:, 0]

    def jac(t, y):
        try:
            return np.asarray(jac_s(t, y.tolist(), plist), dtype=float)
        except (ArithmeticError, ValueError, TypeError):
            with np.errstate(all="ignore"):
                return np.asarray(jac_b(t, np.asarray(y, dtype=float)[:, None], P), dtype=float)[:, :, 0]

    return rhs, jac


def _odeint(f, jac, y0, times, rtol, atol, max_steps) -> SegmentResult:
    """LSODA on ``f(y, t)`` and ``jac(y, t)``, keeping the rows reached if it fails."""
    # Failures are reported through the returned message, not as warnings.
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y, info = odeint(
            f, y0, times, Dfun=jac, rtol=rtol, atol=atol, full_output=True, mxstep=max_steps, printmessg=False
        )
    ok = info["message"] == "Integration successful."
    finite = np.isfinite(y).all(axis=1)
    if ok and finite.all():
        return SegmentResult(times, y.T, True, "", int(info["nst"][-1]) if len(info["nst"]) else 0)
    # odeint fills the rows after a failure with garbage: keep the rows it reached.
    reached = np.asarray(info["tcur"], dtype=float)
    good = 1
    for k in range(1, len(times)):
        if reached[k - 1] >= times[k] and finite[k]:
            good = k + 1
        else:
            break
    t_fail = max(float(reached[good - 1]) if good - 1 < len(reached) else 0.0, float(times[good - 1]))
    if ok:
        message = f"the state became non-finite after t = {times[good - 1]:g} days"
    else:
        message = f"odeint (LSODA) stopped near t = {t_fail:g} days: {info['message']}"
    return SegmentResult(times[:good], y[:good].T, False, message, int(info["nst"][good - 1]) if good else 0)


class _OverBudget(Exception):
    """Raised inside solve_ivp, which has no step limit of its own, to stop a run that crawls."""


def _ivp(rhs, jac_fn, y0, times, method, rtol, atol, *, max_evaluations: int) -> SegmentResult:
    last_t = [float(times[0])]
    calls = [0]

    def f(t, y):
        last_t[0] = t
        calls[0] += 1
        if calls[0] > max_evaluations:
            raise _OverBudget
        return rhs(t, y)

    def jac(t, y):
        return jac_fn(t, y)

    kwargs = {"jac": jac} if method in _IMPLICIT else {}
    try:
        with np.errstate(all="ignore"):
            sol = solve_ivp(
                f, (times[0], times[-1]), y0, method=method, t_eval=times, rtol=rtol, atol=atol, **kwargs
            )
    except _OverBudget:
        message = (
            f"solve_ivp {method} stopped near t = {last_t[0]:g} days: more than {max_evaluations} "
            "evaluations of the right-hand side were needed (the problem may be singular or too stiff)"
        )
        return SegmentResult(times[:1], np.asarray(y0, dtype=float)[:, None], False, message, max_evaluations)
    except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
        # e.g. a NaN Jacobian reaching the LU factorisation: nothing of this segment is usable
        message = f"solve_ivp {method} stopped near t = {last_t[0]:g} days: {type(exc).__name__}: {exc}"
        return SegmentResult(times[:1], np.asarray(y0, dtype=float)[:, None], False, message, 0)
    if len(sol.t) == 0:  # stopped before its first step: solve_ivp then returns empty lists
        message = f"solve_ivp {method} stopped near t = {last_t[0]:g} days: {sol.message}"
        return SegmentResult(times[:1], np.asarray(y0, dtype=float)[:, None], False, message, int(sol.nfev))
    finite = np.all(np.isfinite(sol.y), axis=0)
    if not finite.all():
        cut = int(np.argmin(finite))
        after = sol.t[cut - 1] if cut else times[0]
        message = f"solve_ivp {method}: the state became non-finite after t = {after:g} days"
        return SegmentResult(sol.t[:cut], sol.y[:, :cut], False, message, int(sol.nfev))
    ok = sol.status == 0
    message = "" if ok else f"solve_ivp {method} stopped near t = {last_t[0]:g} days: {sol.message}"
    return SegmentResult(sol.t, sol.y, ok, message, int(sol.nfev))


def negative_state(compiled: CompiledModel, y: np.ndarray, rtol: float, atol) -> tuple[int, int] | None:
    """First (state, column) materially below zero; undershoot within the integrator's own
    error (about atol near zero) is round-off and is clipped instead.

    Parameters
    ----------
    compiled
        The compiled model (which states must stay non-negative).
    y
        States, shape (n_states, n_times).
    rtol, atol
        The run's tolerances.

    Returns
    -------
    tuple of int or None
        ``(state index, column)`` of the first material undershoot, or None.
    """
    if y.size == 0 or y.min() >= 0:
        return None
    scale = np.max(np.abs(y), axis=1, keepdims=True)
    with np.errstate(over="ignore"):  # states near the largest double: the limit is -inf, fine
        limit = -(100 * np.asarray(atol).reshape(-1, 1) + 1e-3 * rtol * scale)
    bad = (y < limit) & compiled.nonnegative[:, None]
    if not bad.any():
        return None
    col = int(np.where(bad.any(axis=0))[0][0])
    return int(np.where(bad[:, col])[0][0]), col
