"""Batched ensemble solver: many parameter sets integrated at once, each with its own step size.

The method is RODAS4 (Hairer & Wanner, *Solving ODEs II*, sec. IV.7; coefficients of
``rodas.f``): a 6-stage, order 4(3), L-stable, stiffly accurate Rosenbrock method with a
continuous (order 3) dense output. Every member has its own time, step size, error norm
and step-size controller, so each member meets ``rtol``/``atol`` on its own, exactly as
if it had been integrated alone; the batch only shares the numpy calls. One linear
system per stage and member is solved through the inverse of the (small) iteration
matrix ``I/(h gamma) - J``, computed once per step for the whole stack with
``numpy.linalg.inv``.

Output times are served by the dense output, so asking for 4 or 2000 output times costs
the same number of steps. The span is split into constant-parameter segments (scenario
switch times, from :func:`bonemodel.runtime.prepare`); every member restarts at each
switch, so no step crosses a discontinuity.

Members fail on their own (where a segment starts: a right-hand side that is not finite,
or states, rates or Jacobian entries beyond :data:`LIMIT`; then non-finite values, a state
going materially negative, step size underflow, too many steps); they keep their outputs up
to the failure, NaN after it, and a message saying why, while every other member completes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..compile import CompiledModel

# RODAS4 coefficients (Hairer's ROCOE, METH=1), transformed formulation.
_GAMMA = 0.25
_C2, _C3, _C4 = 0.386, 0.21, 0.63
_D1, _D2, _D3, _D4 = 0.25, -0.1043, 0.1035, -0.3620000000000023e-01
_A21 = 0.1544000000000000e01
_A31, _A32 = 0.9466785280815826e00, 0.2557011698983284e00
_A41, _A42, _A43 = 0.3314825187068521e01, 0.2896124015972201e01, 0.9986419139977817e00
_A51, _A52, _A53, _A54 = (
    0.1221224509226641e01,
    0.6019134481288629e01,
    0.1253708332932087e02,
    -0.6878860361058950e00,
)
_C21 = -0.5668800000000000e01
_C31, _C32 = -0.2430093356833875e01, -0.2063599157091915e00
_C41, _C42, _C43 = -0.1073529058151375e00, -0.9594562251023355e01, -0.2047028614809616e02
_C51, _C52, _C53, _C54 = (
    0.7496443313967647e01,
    -0.1024680431464352e02,
    -0.3399990352819905e02,
    0.1170890893206160e02,
)
_C61, _C62, _C63, _C64, _C65 = (
    0.8083246795921522e01,
    -0.7981132988064893e01,
    -0.3152159432874371e02,
    0.1631930543123136e02,
    -0.6058818238834054e01,
)
_D21, _D22, _D23, _D24, _D25 = (
    0.1012623508344586e02,
    -0.7487995877610167e01,
    -0.3480091861555747e02,
    -0.7992771707568823e01,
    0.1025137723295662e01,
)
_D31, _D32, _D33, _D34, _D35 = (
    -0.6762803392801253e00,
    0.6087714651680015e01,
    0.1643084320892478e02,
    0.2476722511418386e02,
    -0.6594389125716872e01,
)

# Step-size control (rodas.f defaults): 0.2 <= h_new/h <= 6, safety 0.9, Gustafsson predictor.
_FAC1, _FAC2, _SAFE = 5.0, 1.0 / 6.0, 0.9
_UROUND = np.finfo(float).eps

METHOD = "rodas4 (batched, per-member error control)"
MAX_TINY_STEPS = 1000
"""Steps a member may take in a row below 10 machine epsilons of a day (at t <= 1 day) before it
fails as "step size underflowed": enough for the first steps of a very fast transient, which
grow fivefold per step, and few enough that a member stuck there fails in a moment."""


@dataclass
class BatchResult:
    """States of every member at the output times, with per-member status.

    ``y`` has shape ``(n_states, B, len(t))``; entries after a member's failure are NaN.
    ``message`` is '' for members that succeeded.

    Parameters
    ----------
    t
        Output times [day].
    y
        States in their units, shape (n_states, B, len(t)).
    ok
        Per member, whether it reached the end.
    message
        Per member, why it failed ('' on success).
    steps
        Accepted steps per member.
    rejected
        Rejected steps per member.
    meta
        Solver name and settings.
    """

    t: np.ndarray
    y: np.ndarray
    ok: np.ndarray
    message: list[str]
    steps: np.ndarray
    rejected: np.ndarray
    meta: dict = field(default_factory=dict)


LIMIT = 1e150
"""Largest magnitude a solver path accepts where a segment starts, for a state, a rate relative
to its tolerance (``|dy/dt| / (atol + rtol |y|)``) and a Jacobian entry (per day).

No physical quantity comes near 1e150 in any unit; values beyond it come from parameter values
far outside a model's range, where double precision runs out: the integrators' error norms
square scaled rates and overflow beyond about 1e154 (LSODA then stops with "illegal input" or
repeated convergence failures, while the Rosenbrock solver may go on), and products of such
states overflow in one generated code and not in another. Every path (odeint, solve_ivp,
batched numpy, numba) applies these limits at each segment start in the same order, so such a
member fails on all of them with the same reason.
"""

NOT_FINITE_AT_START = (
    "the right-hand side or its Jacobian is not finite at t = {t:g} days: "
    "a parameter value makes the model singular (e.g. a zero in a denominator)"
)
_FAR_OUT = "beyond what double precision can integrate; a parameter value is far outside the model's range"


def limit_message(kind: str, names: Sequence[str], t: float, index: int, value: float) -> str:
    """The failure reason of a member beyond :data:`LIMIT` (the same words on every path).

    ``kind`` is ``"state"`` (``index`` a state), ``"rate"`` (a state whose rate is too large
    for its tolerance) or ``"jacobian"`` (``index`` = row * n + column).

    Parameters
    ----------
    kind
        ``"state"``, ``"rate"`` or ``"jacobian"``.
    names
        State names.
    t
        Time [day] at the start of the segment.
    index
        Which state (or Jacobian entry).
    value
        The offending value.

    Returns
    -------
    str
        The reason.
    """
    if kind == "state":
        return f"state '{names[index]}' is {value:.3g} at t = {t:g} days, more than {LIMIT:g}: {_FAR_OUT}"
    if kind == "rate":
        return (
            f"the rate of change of '{names[index]}' at t = {t:g} days ({value:.3g} per day) is more than "
            f"{LIMIT:g} times its tolerance: {_FAR_OUT}"
        )
    row, col = divmod(index, len(names))
    return (
        f"d(d{names[row]}/dt)/d{names[col]} at t = {t:g} days is {value:.3g} per day, a time scale "
        f"shorter than 1/{LIMIT:g} day: {_FAR_OUT}"
    )


def start_problems(
    state_names: Sequence[str],
    t: float,
    y: np.ndarray,
    f: np.ndarray,
    J: np.ndarray,
    rtol: float,
    atol: float | np.ndarray,
) -> dict[int, str]:
    """Members that no path can integrate from here: ``{member: reason}``.

    ``y`` and ``f`` are the states and rates (n, B) at the start of a segment, ``J`` the
    Jacobian (n, n, B). Checked in this order (the first finding is the reason): ``f`` or
    ``J`` not finite; a state beyond :data:`LIMIT`; a rate beyond :data:`LIMIT` times its
    tolerance ``atol + rtol |y|``; a Jacobian entry beyond :data:`LIMIT`.

    Parameters
    ----------
    state_names
        Names of the states, for the messages.
    t
        Time [day] at the start of the segment.
    y
        States, shape (n, B).
    f
        Rates [state unit/day], shape (n, B).
    J
        Jacobians, shape (n, n, B).
    rtol, atol
        The tolerances.

    Returns
    -------
    dict of int to str
        Member index -> reason, for the members that cannot be integrated.
    """
    n, B = y.shape
    if n == 0 or B == 0:
        return {}
    atol_v = np.broadcast_to(np.asarray(atol, dtype=float).reshape(-1, 1), (n, 1))
    Jf = J.reshape(n * n, -1)
    with np.errstate(all="ignore"):
        finite = np.isfinite(f).all(axis=0) & np.isfinite(Jf).all(axis=0)
        checks = (
            ("state", np.abs(y)),
            ("rate", np.abs(f) / (atol_v + rtol * np.abs(y))),
            ("jacobian", np.abs(Jf)),
        )
        over = [(kind, size, ~(size.max(axis=0) <= LIMIT)) for kind, size in checks]
    out: dict[int, str] = {}
    for b in np.nonzero(~finite)[0].tolist():
        out[b] = NOT_FINITE_AT_START.format(t=t)
    for kind, size, beyond in over:
        for b in np.nonzero(beyond & finite)[0].tolist():
            if b not in out:
                i = int(np.argmax(size[:, b]))
                value = {"state": y, "rate": f}.get(kind, Jf)[i, b]
                out[b] = limit_message(kind, state_names, t, i, float(value))
    return out


def uses_time(compiled: CompiledModel) -> bool:
    """Whether the generated RHS depends explicitly on ``t`` (then df/dt enters each stage).

    Parameters
    ----------
    compiled
        The compiled model.

    Returns
    -------
    bool
        True if the right-hand side depends on ``t``.
    """
    cached = compiled.__dict__.get("_uses_time")
    if cached is None:
        match = re.search(r"def rhs_batch\(t, y, p\):\n(.*?)\n\n", compiled.source, flags=re.S)
        body = match.group(1) if match else compiled.source
        cached = compiled.__dict__["_uses_time"] = re.search(r"\bt\b", body) is not None
    return cached


def initial_states(compiled: CompiledModel, P: np.ndarray) -> np.ndarray:
    """Initial state of every member, shape (n_states, B), from runtime vectors P (m, B).

    Parameters
    ----------
    compiled
        The compiled model.
    P
        Runtime vectors, shape (m, B).

    Returns
    -------
    numpy.ndarray
        Initial states in their units, shape (n_states, B).
    """
    y0_fn = compiled._fns["y0_scalar"]
    B = P.shape[1]
    try:
        with np.errstate(all="ignore"):
            vals = y0_fn(0.0, None, P)
        return np.vstack([np.broadcast_to(np.asarray(v, dtype=float), (B,)) for v in vals])
    except TypeError:  # an initial value uses a math.* function, which needs scalars
        return np.column_stack([_initial_or_nan(compiled, P[:, b]) for b in range(B)]).reshape(-1, B)


def _initial_or_nan(compiled: CompiledModel, p: np.ndarray) -> np.ndarray:
    """One member's initial state; NaN where Python cannot compute it (x/0, a math domain error)."""
    try:
        return compiled.initial(p)
    except (ArithmeticError, ValueError, TypeError):
        return np.full(compiled.n_states, np.nan)


def solve_batch(
    compiled: CompiledModel,
    segments: Sequence[tuple[float, float, np.ndarray]],
    y0: np.ndarray,
    times: np.ndarray,
    *,
    rtol: float = 1e-6,
    atol: float | np.ndarray = 1e-10,
    max_steps: int = 100_000,
    first_step: float | None = None,
) -> BatchResult:
    """Integrate every member over the segments and report the states at ``times``.

    Parameters
    ----------
    compiled
        The compiled model (its batched RHS and Jacobian are used).
    segments
        ``[(a, b, P), ...]`` consecutive constant-parameter pieces; ``P`` is the runtime
        vector of every member on that piece, shape ``(m,)`` or ``(m, B)``.
    y0
        Initial states, shape ``(n_states, B)``.
    times
        Increasing output times inside ``[segments[0][0], segments[-1][1]]``.
    rtol, atol
        Tolerances each member meets on its own (``atol`` scalar or per state).
    max_steps
        Accepted plus rejected steps allowed per member over the whole span.
    first_step
        First step [day] of every segment (default: chosen from each member's own rates).

    Returns
    -------
    BatchResult
        States at ``times`` (NaN after a member's failure), per-member status, message and steps.
    """
    times = np.asarray(times, dtype=float)
    y0 = np.array(y0, dtype=float, copy=True)
    n, B = y0.shape
    K = times.size
    out = np.full((n, B, K), np.nan)
    ok = np.ones(B, dtype=bool)
    messages = [""] * B
    steps = np.zeros(B, dtype=np.int64)
    rejected = np.zeros(B, dtype=np.int64)
    atol_v = np.broadcast_to(np.asarray(atol, dtype=float).reshape(-1, 1), (n, 1)).copy()
    nonneg = np.asarray(compiled.nonnegative, dtype=bool)
    scale = np.abs(y0)  # running max |y| per state and member, for the negativity test
    timed = uses_time(compiled)
    y = y0
    h_carry = np.full(B, np.nan)  # last step size of each member, to start the next segment

    def fail(members: np.ndarray, reason: str | list[str]) -> None:
        for j, b in enumerate(members):
            if ok[b]:
                ok[b] = False
                messages[b] = reason if isinstance(reason, str) else reason[j]

    for k, (a, b_end, P) in enumerate(segments):
        last = k == len(segments) - 1
        P = np.asarray(P, dtype=float)
        if P.ndim == 1:
            P = np.broadcast_to(P[:, None], (P.size, B))
        sel = (times >= a) & ((times <= b_end) if last else (times < b_end))
        seg_idx = np.nonzero(sel)[0]
        seg_t = times[seg_idx]
        live = np.nonzero(ok)[0]
        if live.size == 0:
            break
        # Outputs at the start of the segment need no step.
        at_start = seg_idx[seg_t == a]
        for col in at_start:
            out[:, live, col] = _clip(y[:, live], nonneg)
        pending = seg_idx[seg_t > a]
        if pending.size == 0 and a == b_end:
            continue
        res = _integrate_segment(
            compiled,
            a,
            b_end,
            P[:, live],
            y[:, live],
            times[pending] if pending.size else np.zeros(0),
            rtol=rtol,
            atol=atol_v,
            nonneg=nonneg,
            scale=scale[:, live],
            timed=timed,
            steps_used=steps[live],
            max_steps=max_steps,
            h_start=h_carry[live],
            first_step=first_step,
        )
        y_end, seg_out, seg_ok, seg_msg, seg_steps, seg_rej, seg_scale, seg_h = res
        out[:, live[:, None], pending[None, :]] = seg_out
        steps[live] = seg_steps
        rejected[live] += seg_rej
        scale[:, live] = seg_scale
        h_carry[live] = seg_h
        y[:, live] = y_end
        bad = ~seg_ok
        if bad.any():
            fail(live[bad], [seg_msg[i] for i in np.nonzero(bad)[0]])
    meta = {
        "method": METHOD,
        "rtol": rtol,
        "atol": float(atol) if np.ndim(atol) == 0 else np.asarray(atol, dtype=float).tolist(),
        "steps_mean": float(steps.mean()) if B else 0.0,
        "steps_max": int(steps.max()) if B else 0,
    }
    return BatchResult(times, out, ok, messages, steps, rejected, meta)


def _clip(y: np.ndarray, nonneg: np.ndarray) -> np.ndarray:
    return np.where(nonneg[:, None], np.maximum(y, 0.0), y)


def _norm(v: np.ndarray, sk: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):  # a member gone non-finite fails on its own, silently
        return np.sqrt(np.mean((v / sk) ** 2, axis=0))


def _solve(Einv: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Einv (B, n, n) times v (n, B) -> (n, B)."""
    return np.matmul(Einv, v.T[:, :, None])[:, :, 0].T


def _initial_step(f, t, y, P, f0, rtol, atol, span):
    """Hairer/scipy starting step for an order-4 method, per member."""
    sk = atol + rtol * np.abs(y)
    d0 = _norm(y, sk)
    d1 = _norm(f0, sk)
    with np.errstate(all="ignore"):
        h0 = np.where((d0 < 1e-5) | (d1 < 1e-5), 1e-6, 0.01 * d0 / d1)
        h0 = np.minimum(h0, span)
        y1 = y + h0 * f0
        f1 = f(t + h0, y1, P)
        d2 = _norm(f1 - f0, sk) / h0
        dmax = np.maximum(d1, d2)
        h1 = np.where(dmax <= 1e-15, np.maximum(1e-6, h0 * 1e-3), (0.01 / dmax) ** 0.25)
    h = np.minimum(100 * h0, h1)
    h = np.where(np.isfinite(h) & (h > 0), h, 1e-6)
    return np.minimum(h, span)


def _integrate_segment(
    compiled,
    a,
    b,
    P,
    y,
    T,
    *,
    rtol,
    atol,
    nonneg,
    scale,
    timed,
    steps_used,
    max_steps,
    h_start,
    first_step,
):
    """Integrate the live members over [a, b]; returns end states, outputs at T and status."""
    rhs, jac = compiled.rhs_batch, compiled.jac_batch
    n, B = y.shape
    K = T.size
    out = np.full((n, B, K), np.nan)
    okm = np.ones(B, dtype=bool)
    msgs = [""] * B
    nsteps = steps_used.copy()
    nrej = np.zeros(B, dtype=np.int64)
    y_end = y.copy()
    scale = scale.copy()
    h_end = np.zeros(B)
    span = b - a

    def f(t, yy, PP):
        with np.errstate(all="ignore"):
            return rhs(t, yy, PP)

    # Working set: indices into the live members still stepping in this segment.
    idx = np.arange(B)
    t = np.full(B, float(a))
    yw = y.copy()
    Pw = P
    f0 = f(t, yw, Pw)
    with np.errstate(all="ignore"):
        J0 = jac(t, yw, Pw)
    for j, why in start_problems(compiled.state_names, float(a), yw, f0, J0, rtol, atol).items():
        okm[j], msgs[j] = False, why
    if not okm.all():
        keep = okm
        idx, t, yw, f0, Pw = idx[keep], t[keep], yw[:, keep], f0[:, keep], Pw[:, keep]
        h_start = h_start[keep]
    if first_step is not None:
        h = np.full(B, min(float(first_step), span))
    else:
        h = _initial_step(f, t, yw, Pw, f0, rtol, atol, span) if idx.size else np.zeros(0)
        carry = np.isfinite(h_start) & (h_start > 0)
        # After a switch the old step is a good guess only if the jump is mild; take the smaller.
        h = np.where(carry, np.minimum(h, h_start), h)
    Bw = idx.size
    kout = np.zeros(B, dtype=np.int64)  # next pending output of each member
    first = np.ones(Bw, dtype=bool)
    reject_last = np.zeros(Bw, dtype=bool)
    hacc = np.ones(Bw)
    erracc = np.ones(Bw)
    stuck = np.zeros(Bw, dtype=np.int64)  # consecutive steps below the absolute step floor
    ident = np.eye(n)

    while idx.size:
        # Land exactly on the segment end; avoid a tiny last step.
        rest = b - t
        h = np.where(1.01 * h >= rest, rest, h)
        with np.errstate(all="ignore"):
            dy = f0
            J = jac(t, yw, Pw)  # (n, n, Bw)
            E = ident[None, :, :] / (h * _GAMMA)[:, None, None] - np.moveaxis(J, 2, 0)
            try:
                Einv = np.linalg.inv(E)
            except np.linalg.LinAlgError:
                Einv = _safe_inv(E)
            if timed:
                delt = np.sqrt(_UROUND * np.maximum(1e-5, np.abs(t)))
                fx = (f(t + delt, yw, Pw) - dy) / delt
            ak1 = _solve(Einv, dy + (h * _D1) * fx if timed else dy)
            y2 = yw + _A21 * ak1
            dy = f(t + _C2 * h, y2, Pw)
            hc = 1.0 / h
            rhs2 = dy + (_C21 * hc) * ak1
            if timed:
                rhs2 = rhs2 + (h * _D2) * fx
            ak2 = _solve(Einv, rhs2)
            y3 = yw + _A31 * ak1 + _A32 * ak2
            dy = f(t + _C3 * h, y3, Pw)
            rhs3 = dy + hc * (_C31 * ak1 + _C32 * ak2)
            if timed:
                rhs3 = rhs3 + (h * _D3) * fx
            ak3 = _solve(Einv, rhs3)
            y4 = yw + _A41 * ak1 + _A42 * ak2 + _A43 * ak3
            dy = f(t + _C4 * h, y4, Pw)
            rhs4 = dy + hc * (_C41 * ak1 + _C42 * ak2 + _C43 * ak3)
            if timed:
                rhs4 = rhs4 + (h * _D4) * fx
            ak4 = _solve(Einv, rhs4)
            y5 = yw + _A51 * ak1 + _A52 * ak2 + _A53 * ak3 + _A54 * ak4
            dy = f(t + h, y5, Pw)
            ak5 = _solve(Einv, dy + hc * (_C51 * ak1 + _C52 * ak2 + _C53 * ak3 + _C54 * ak4))
            y6 = y5 + ak5
            dy = f(t + h, y6, Pw)
            ak6 = _solve(Einv, dy + hc * (_C61 * ak1 + _C62 * ak2 + _C63 * ak3 + _C64 * ak4 + _C65 * ak5))
            ynew = y6 + ak6
            sk = atol + rtol * np.maximum(np.abs(yw), np.abs(ynew))
            err = _norm(ak6, sk)
        nsteps[idx] += 1
        finite = np.isfinite(err) & np.all(np.isfinite(ynew), axis=0)
        err = np.where(finite, np.maximum(err, 1e-10), np.inf)
        with np.errstate(all="ignore"):
            fac = np.clip(err**0.25 / _SAFE, _FAC2, _FAC1)
        hnew = h / fac
        accept = err <= 1.0

        # Gustafsson predictive controller on accepted steps (rodas.f PRED=1).
        with np.errstate(all="ignore"):
            facgus = (hacc / h) * (err**2 / erracc) ** 0.25 / _SAFE
        facgus = np.clip(facgus, _FAC2, _FAC1)
        use_gus = accept & ~first
        hnew = np.where(use_gus, h / np.maximum(fac, facgus), hnew)
        hnew = np.where(accept & reject_last, np.minimum(hnew, h), hnew)
        # Rejections: a non-finite trial or the very first step shrinks by 10.
        hnew = np.where(~accept & (first | ~finite), 0.1 * h, hnew)
        hacc = np.where(accept, h, hacc)
        erracc = np.where(accept, np.maximum(1e-2, err), erracc)

        # Dense output for accepted steps (order 3, rodas.f CONTRO).
        acc = np.nonzero(accept)[0]
        if acc.size:
            g = idx[acc]
            t_old, t_new = t[acc], t[acc] + h[acc]
            last_step = (b - t_new) <= 1e-12 * max(1.0, abs(b))
            t_new = np.where(last_step, b, t_new)
            if K:
                d2 = _D21 * ak1[:, acc] + _D22 * ak2[:, acc] + _D23 * ak3[:, acc] + _D24 * ak4[:, acc]
                d2 += _D25 * ak5[:, acc]
                d3 = _D31 * ak1[:, acc] + _D32 * ak2[:, acc] + _D33 * ak3[:, acc] + _D34 * ak4[:, acc]
                d3 += _D35 * ak5[:, acc]
                y_old, y_new = yw[:, acc], ynew[:, acc]
                ko = kout[g]
                while True:
                    has = ko < K
                    tk = np.where(has, T[np.minimum(ko, K - 1)], np.inf)
                    due = has & (tk <= t_new)
                    if not due.any():
                        break
                    w = np.nonzero(due)[0]
                    s = (tk[w] - t_old[w]) / h[acc][w]
                    s1 = 1.0 - s
                    val = s1 * y_old[:, w] + s * (y_new[:, w] + s1 * (d2[:, w] + s * d3[:, w]))
                    val = np.where(np.abs(tk[w] - t_new[w]) == 0, y_new[:, w], val)
                    out[:, g[w], ko[w]] = _clip(val, nonneg)
                    ko[w] += 1
                kout[g] = ko
            # Negativity: round-off within tolerance is clipped, real excursions fail the member.
            ya = ynew[:, acc]
            scale[:, g] = np.maximum(scale[:, g], np.abs(ya))
            limit = -(100 * atol + 1e-6 * scale[:, g])
            neg = np.any((ya < limit) & nonneg[:, None], axis=0)
            ya = _clip(ya, nonneg)
            yw[:, acc] = ya
            t[acc] = t_new
            first[acc] = False
            if neg.any():
                for j in np.nonzero(neg)[0]:
                    i = int(np.nonzero((ynew[:, acc[j]] < limit[:, j]) & nonneg)[0][0])
                    okm[g[j]] = False
                    msgs[g[j]] = (
                        f"state '{compiled.state_names[i]}' became negative ({ynew[i, acc[j]]:.3g}) near "
                        f"t = {t_new[j]:g} days; the parameter values do not keep it non-negative"
                    )
        nrej[idx[~accept]] += 1
        reject_last = ~accept
        h = hnew

        # Retire members: finished, failed, or out of budget.
        done = t >= b
        # Underflow as in Hairer's rodas.f: the step no longer changes t. Relative to |t|
        # only, so a member starting at t = 0 may take the tiny first steps a very fast
        # (but finite) rate needs, as LSODA does.
        # A member that stays below 10 eps days (at t <= 1) for MAX_TINY_STEPS steps makes no
        # progress either: it fails then, not after max_steps.
        stuck = np.where(h < 10 * _UROUND * np.maximum(np.abs(t), 1.0), stuck + 1, 0)
        tiny = ~(h > 10 * _UROUND * np.abs(t)) | (stuck > MAX_TINY_STEPS)
        over = nsteps[idx] >= max_steps
        for j in np.nonzero((tiny | over) & ~done)[0]:
            if okm[idx[j]]:
                okm[idx[j]] = False
                why = (
                    "the solution is not finite"
                    if not finite[j]
                    else "the step size underflowed (the problem may be singular or too stiff)"
                )
                if over[j]:
                    why = f"more than {max_steps} steps were needed"
                msgs[idx[j]] = f"batched RODAS4 stopped near t = {t[j]:g} days: {why}"
        retire = done | ~okm[idx]
        if retire.any():
            r = np.nonzero(retire)[0]
            y_end[:, idx[r]] = yw[:, r]
            h_end[idx[r]] = hacc[r]
            keep = ~retire
            idx, t, yw, h = idx[keep], t[keep], yw[:, keep], h[keep]
            Pw = Pw[:, keep]
            first, reject_last, hacc, erracc = first[keep], reject_last[keep], hacc[keep], erracc[keep]
            stuck = stuck[keep]
        if idx.size:
            f0 = f(t, yw, Pw)
    return y_end, out, okm, msgs, nsteps, nrej, scale, h_end


def _safe_inv(E: np.ndarray) -> np.ndarray:
    """Inverse of each matrix of a stack; singular ones give NaN (that member's step fails)."""
    out = np.full_like(E, np.nan)
    for i in range(E.shape[0]):
        try:
            out[i] = np.linalg.inv(E[i])
        except np.linalg.LinAlgError:
            pass
    return out
