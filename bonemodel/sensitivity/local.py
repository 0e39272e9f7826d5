"""Local sensitivities from the symbolic model: forward sensitivity equations and steady states.

The forward sensitivities ``S = dy/dq`` of the states with respect to chosen parameters
``q`` obey ``S' = (df/dy) S + df/dq`` with ``S(0) = dy(0)/dq``. Both derivatives are
generated symbolically and compiled like the RHS, and the states and sensitivities are
integrated together by LSODA with an analytic Jacobian of the augmented system (its
block-diagonal part, banded, by default; the exact one on request). Across
scenario segments the sensitivities are continuous; a window that sets a parameter to a
fixed value cuts its influence there (chain factor 0), one that scales it keeps it
(chain factor = the scale).

Results are normalised coefficients ``d log(output) / d log(q) = (q / output) d output / d q``:
the percent change of the output per percent change of the parameter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.integrate import odeint

from ..compile import compile_model
from ..errors import ModelError, ParameterError, SolverError, suggest
from ..model import Model
from ..runtime import check_span, prepare
from ..scenario import Scenario
from ._codegen import sensitivity_functions
from ._outputs import parse
from .frames import tidy

DEFAULT_RTOL = 1e-8
DEFAULT_ATOL = 1e-10


@dataclass
class ForwardSensitivities:
    """States, observables and their derivatives by the parameters on a time grid.

    ``dy`` is (n_states, m, T) and ``dobs`` (n_obs, m, T); observables with a baseline are
    reported (with their derivatives) relative to the baseline, as in :class:`Solution`.

    Parameters
    ----------
    t
        Output times [day], shape (T,).
    y
        States in their units, shape (n_states, T).
    dy
        Derivatives of the states by each parameter [state unit per parameter unit], (n_states, m, T).
    obs
        Observables in their units, shape (n_obs, T).
    dobs
        Derivatives of the observables, shape (n_obs, m, T).
    parameters
        The m parameters differentiated by.
    values
        Their values, each in its unit, shape (m,).
    state_names
        Names of the states, in order.
    observable_names
        Names of the observables, in order.
    meta
        Model, scenario, tolerances and method of the run.
    """

    t: np.ndarray
    y: np.ndarray
    dy: np.ndarray
    obs: np.ndarray
    dobs: np.ndarray
    parameters: list[str]
    values: np.ndarray
    state_names: list[str]
    observable_names: list[str]
    meta: dict[str, Any]

    def series(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(values (T,), derivatives (m, T)) of a state or observable.

        Parameters
        ----------
        name
            A state or observable.

        Returns
        -------
        tuple of numpy.ndarray
            Values (T,) in its unit, and derivatives (m, T) by each parameter.

        Raises
        ------
        ModelError
            If the name is neither a state nor an observable.
        """
        if name in self.state_names:
            i = self.state_names.index(name)
            return self.y[i], self.dy[i]
        if name in self.observable_names:
            i = self.observable_names.index(name)
            return self.obs[i], self.dobs[i]
        names = self.state_names + self.observable_names
        raise ModelError(
            f"'{name}' is neither a state nor an observable{suggest(name, names)}; available: {names}"
        )


def local(
    model: Model | str,
    outputs: str | Sequence[str],
    *,
    params: Sequence[str] | Mapping[str, Any] | None = None,
    scenario: Scenario | str | None = None,
    t_end: float | None = None,
    normalise: bool = True,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    jacobian: str = "block",
) -> pd.DataFrame:
    """Local sensitivity coefficients of scalar outputs at the parameter file's values.

    Parameters
    ----------
    model
        A Model or the name of a shipped model.
    outputs
        Output names as in ``bm.sweep`` (``"NAME@T"``: state or observable NAME at T days,
        or a named functional of the trajectory).
    params
        Parameter names (a mapping's keys are used), inputs allowed; default: every
        parameter the equations, initial values or observables use.
    scenario
        Scenario (or its name) the model runs under; windows are handled segment by segment.
    t_end
        End of the simulated span in days, as in ``bm.sweep`` (default: the model's
        ``default_t_end``, or the latest output time if later); ``final(X)``, ``auc(X)``
        and the like refer to it.
    normalise
        Report ``d log(output)/d log(p)`` (index ``"local"``); with False report the plain
        derivative ``d output / d p`` (index ``"derivative"``).
    rtol, atol
        Tolerances of the augmented integration (atol of a sensitivity is ``atol / |p|``).
    jacobian
        Newton matrix of the augmented system, ``"block"`` or ``"exact"`` (see :func:`forward`).

    Returns
    -------
    pandas.DataFrame
        The tidy frame ``output, parameter, index, value, conf_low, conf_high`` (confidence
        bounds are NaN for local coefficients); ``attrs`` holds the settings.

    Notes
    -----
    A functional output is differentiated along the sensitivity trajectory by a central
    difference of the functional itself (relative step 1e-6), which is exact for values at
    a time and for areas under the curve, and second-order accurate otherwise.
    """
    model = _load(model)
    names = parameter_names(model, params)
    outs, t_end = parse(model, outputs, t_end=t_end)
    _, t_end = check_span(0.0, t_end)
    needed = sorted({x for o in outs for x in o.times})
    if any(o.needs_grid for o in outs):
        grid = _default_grid(0.0, t_end, needed)
    else:
        # Values at given times need no dense trajectory, and nothing after the last of them.
        t_end = needed[-1] if needed and needed[-1] > 0 else t_end
        grid = np.union1d([0.0], needed)
    fwd = forward(
        model, names, scenario=scenario, t_end=t_end, t_eval=grid, rtol=rtol, atol=atol, jacobian=jacobian
    )
    rows = []
    for o in outs:
        value = o.evaluate(fwd.t, fwd.y, fwd.obs)
        for j, name in enumerate(names):
            d = _directional(o, fwd, j)
            rows.append(_row(o.name, name, value, d, fwd.values[j], normalise))
    frame = tidy(rows)
    frame.attrs = {**fwd.meta, "method": "forward sensitivities", "normalised": normalise}
    return frame


def local_timecourse(
    model: Model | str,
    names: Sequence[str] | None = None,
    *,
    params: Sequence[str] | Mapping[str, Any] | None = None,
    scenario: Scenario | str | None = None,
    t_end: float | None = None,
    t_eval: Sequence[float] | np.ndarray | None = None,
    normalise: bool = True,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    jacobian: str = "block",
) -> pd.DataFrame:
    """Time-resolved local coefficients of states and observables (for the heatmap).

    Returns the tidy frame with an extra ``time`` column (days): one row per
    (output, parameter, time). ``names`` defaults to every state and observable.

    Parameters
    ----------
    model
        A Model or the name of a shipped model.
    names
        States and observables to differentiate (default: all of them).
    params
        Parameter names (a mapping's keys are used), inputs allowed; default: every parameter
        the model uses.
    scenario
        Scenario (or its name) the model runs under.
    t_end
        End of the simulated span [day] (default: the model's ``default_t_end``).
    t_eval
        Output times [day] (default: a grid over the span).
    normalise
        Report ``d log(y)/d log(p)`` (index ``"local"``, dimensionless); with False the plain
        derivative ``dy/dp`` (index ``"derivative"``, in output unit per parameter unit).
    rtol, atol
        Tolerances of the augmented integration (relative; absolute in the states' units).
    jacobian
        Newton matrix of the augmented system, ``"block"`` or ``"exact"`` (see `forward`).

    Returns
    -------
    pandas.DataFrame
        The tidy frame ``output, parameter, index, value, conf_low, conf_high`` plus ``time`` [day].

    Raises
    ------
    ModelError
        If a name is neither a state nor an observable.
    ParameterError
        If a parameter is unknown.
    """
    model = _load(model)
    pnames = parameter_names(model, params)
    t_end = model.default_t_end if t_end is None else t_end
    _, t_end = check_span(0.0, t_end)
    targets = list(names) if names is not None else model.state_names + model.observable_names
    for n in targets:
        if n not in model.state_names and n not in model.observable_names:
            known = model.state_names + model.observable_names
            raise ModelError(f"model '{model.name}' has no state or observable '{n}'{suggest(n, known)}")
    fwd = forward(
        model, pnames, scenario=scenario, t_end=t_end, t_eval=t_eval, rtol=rtol, atol=atol, jacobian=jacobian
    )
    parts = []
    for n in targets:
        value, deriv = fwd.series(n)
        for j, p in enumerate(pnames):
            coef = _normalised(value, deriv[j], fwd.values[j]) if normalise else deriv[j]
            parts.append(
                pd.DataFrame(
                    {
                        "output": n,
                        "parameter": p,
                        "index": "local" if normalise else "derivative",
                        "value": coef,
                        "conf_low": np.nan,
                        "conf_high": np.nan,
                        "time": fwd.t,
                    }
                )
            )
    frame = pd.concat(parts, ignore_index=True)
    frame.attrs = {**fwd.meta, "method": "forward sensitivities", "normalised": normalise}
    return frame


def forward(
    model: Model | str,
    params: Sequence[str] | Mapping[str, Any] | None = None,
    *,
    scenario: Scenario | str | None = None,
    t_end: float | None = None,
    t_eval: Sequence[float] | np.ndarray | None = None,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    jacobian: str = "block",
) -> ForwardSensitivities:
    """Integrate the states with their forward sensitivities to the parameters ``params``.

    ``jacobian="block"`` gives LSODA the block-diagonal Newton matrix (``df/dy`` on every
    block, as CVODES' simultaneous corrector), passed as a banded matrix so its cost grows
    linearly with the number of parameters; ``"exact"`` adds the coupling of the
    sensitivities to the states (second derivatives, generated on first use) as a dense
    matrix, for small systems. Both give the same accuracy (the Jacobian only steers
    Newton's iteration); on the shipped models they take the same steps.

    Parameters
    ----------
    model
        A Model or the name of a shipped model.
    params
        Parameter names (a mapping's keys are used), inputs allowed; default: every parameter
        the model uses.
    scenario
        Scenario (or its name) the model runs under; windows are handled segment by segment.
    t_end
        End of the simulated span [day] (default: the model's ``default_t_end``).
    t_eval
        Increasing output times [day] within ``[0, t_end]`` (default: a grid over the span).
    rtol, atol
        Tolerances of the augmented integration (relative; absolute in the states' units, and
        ``atol / |p|`` for a sensitivity).
    jacobian
        ``"block"`` or ``"exact"``, as above.

    Returns
    -------
    ForwardSensitivities
        Times [day], states and observables in their units, and their derivatives by each
        parameter (in output unit per parameter unit).

    Raises
    ------
    ModelError
        If ``jacobian`` or ``t_eval`` is invalid.
    ParameterError
        If a parameter is unknown.
    """
    if jacobian not in ("block", "exact"):
        raise ModelError(f"jacobian must be 'block' or 'exact', got {jacobian!r}")
    model = _load(model)
    names = parameter_names(model, params)
    t_end = model.default_t_end if t_end is None else t_end
    _, t_end = check_span(0.0, t_end)
    compiled = compile_model(model)
    setup = prepare(model, compiled, params=None, scenario=scenario, t_start=0.0, t_end=t_end)
    grid = _default_grid(0.0, t_end, setup.switch_times) if t_eval is None else np.asarray(t_eval, float)
    if grid.size == 0 or np.any(np.diff(grid) <= 0) or grid[0] < 0 or grid[-1] > t_end:
        raise ModelError(f"t_eval must be increasing times within [0, {t_end:g}] days")
    exact = jacobian == "exact"
    _, fns = sensitivity_functions(model, names, exact=exact)
    n, m = compiled.n_states, len(names)
    cols = np.array([compiled.index[q] for q in names], dtype=int)
    base_list = setup.base.tolist()
    y = compiled.initial(setup.base)
    S = np.asarray(fns["y0"](0.0, None, base_list), dtype=float).reshape(n, m)
    values = setup.base[cols]
    scale = np.where(values != 0, np.abs(values), 1.0)
    # z = [y, S[:, 0], ..., S[:, m-1]]: with the block Newton matrix, the Jacobian of z is
    # block diagonal with m + 1 copies of J, i.e. banded (bandwidth n - 1), so LSODA factors
    # it in O((m + 1) n^3) rather than O((m + 1)^3 n^3).
    atol_z = np.concatenate([np.full(n, atol), np.repeat(atol / scale, n)])
    rhs_s, _ = compiled.scalar_functions
    sens, second = fns["sens"], fns["second"]
    N = n * (m + 1)
    ii, kk = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    band_rows = np.tile((ii - kk + n - 1).ravel(), m + 1)
    band_cols = (np.arange(m + 1)[:, None] * n + kk.ravel()[None, :]).ravel()

    ts, ys, Ss, Ps, Cs = [], [], [], [], []
    steps = 0
    windows = setup.scenario.segments(0.0, t_end)
    for k, ((a, b, p), (_, _, active)) in enumerate(zip(setup.segments, windows)):
        chain = np.ones(m)
        for w in active:
            if w.target in names:
                chain[names.index(w.target)] = w.value if w.scale else 0.0
        plist = p.tolist()
        last = k == len(setup.segments) - 1
        inside = grid[(grid > a) & ((grid <= b) if last else (grid < b))]
        times = np.concatenate([[a], inside, [] if last and inside.size and inside[-1] == b else [b]])

        def f(z, t, plist=plist, chain=chain):
            yl = z[:n].tolist()
            J, F = sens(t, yl, plist)
            dS = J @ z[n:].reshape(m, n).T + F * chain
            return np.concatenate([rhs_s(t, yl, plist), dS.T.ravel()])

        def banded(z, t, plist=plist):
            J, _ = sens(t, z[:n].tolist(), plist)
            out = np.zeros((2 * n - 1, N))
            out[band_rows, band_cols] = np.tile(J.ravel(), m + 1)
            return out

        def dense(z, t, plist=plist, chain=chain):
            yl = z[:n].tolist()
            J, _ = sens(t, yl, plist)
            H, G = second(t, yl, plist)
            full = np.zeros((N, N))
            full[:n, :n] = J
            full[n:, n:] = np.kron(np.eye(m), J)
            S_now = z[n:].reshape(m, n).T
            coupling = np.einsum("ikl,kj->jil", H, S_now) + G.transpose(1, 0, 2) * chain[:, None, None]
            full[n:, :n] = coupling.reshape(m * n, n)
            return full

        z0 = np.concatenate([y, S.T.ravel()])
        band = {} if exact else {"ml": n - 1, "mu": n - 1}
        with np.errstate(all="ignore"):
            z, info = odeint(
                f,
                z0,
                times,
                Dfun=dense if exact else banded,
                rtol=rtol,
                atol=atol_z,
                full_output=True,
                mxstep=100_000,
                printmessg=False,
                **band,
            )
        if info["message"] != "Integration successful." or not np.all(np.isfinite(z)):
            raise SolverError(
                f"forward sensitivities of '{model.name}' failed on [{a:g}, {b:g}] days: {info['message']} "
                "(try fewer parameters, other values, or looser rtol/atol)"
            )
        steps += int(info["nst"][-1]) if len(info["nst"]) else 0
        keep = np.isin(times, grid)
        if not last:
            keep[-1] = False  # a switch time is reported by the segment that starts there
        ts.append(times[keep])
        ys.append(z[keep, :n].T)
        Ss.append(z[keep, n:].reshape(-1, m, n).transpose(2, 1, 0))
        Ps.append(np.repeat(p[:, None], int(keep.sum()), axis=1))
        Cs.append(np.repeat(chain[:, None], int(keep.sum()), axis=1))
        y, S = z[-1, :n], z[-1, n:].reshape(m, n).T

    t = np.concatenate(ts)
    Y, dY = np.concatenate(ys, axis=1), np.concatenate(Ss, axis=2)
    P, C = np.concatenate(Ps, axis=1), np.concatenate(Cs, axis=1)
    obs, dobs = _observables(compiled, fns, t, Y, dY, P, C)
    meta = {
        "model": model.name,
        "parameters": dict(zip(names, values.tolist())),
        "scenario": setup.scenario.name,
        "t_end": t_end,
        "integrator": f"odeint (LSODA), {jacobian} Jacobian of the augmented system",
        "rtol": rtol,
        "atol": atol,
        "steps": steps,
    }
    return ForwardSensitivities(
        t, Y, dY, obs, dobs, names, values, compiled.state_names, compiled.observable_names, meta
    )


def steady(
    model: Model | str,
    outputs: Sequence[str] | None = None,
    *,
    params: Sequence[str] | Mapping[str, Any] | None = None,
    normalise: bool = True,
    guess: Mapping[str, float] | Sequence[float] | None = None,
) -> pd.DataFrame:
    """Steady-state sensitivities ``dy*/dp = -J^-1 df/dp`` by the implicit function theorem.

    Neutral states (in no right-hand side, e.g. bone volume) are not at rest at the steady
    state of the others: they keep their starting value, so their sensitivity is that of
    their initial value. Where the steady state lies on a continuum (singular Jacobian, e.g.
    compartment volumes that only drift), the states along it have no defined sensitivity
    (NaN, listed in ``attrs["undetermined"]``), and a parameter that pushes the system off
    the continuum has none at all (NaN, listed in ``attrs["drifting"]``). ``outputs`` names states or observables (default: all); an
    observable with a baseline is reported raw (a steady state has no time course).
    Index ``"steady"`` (normalised) or ``"steady_derivative"``.

    Parameters
    ----------
    model
        A Model or the name of a shipped model.
    outputs
        States or observables to report (default: all).
    params
        Parameter names (a mapping's keys are used); default: every parameter the model uses.
    normalise
        Report ``d log(y*)/d log(p)`` (dimensionless); with False the plain derivative
        ``dy*/dp`` (in output unit per parameter unit).
    guess
        Starting point of the steady-state search, in the states' units (see `bonemodel.steady_state`).

    Returns
    -------
    pandas.DataFrame
        The tidy frame ``output, parameter, index, value, conf_low, conf_high`` (confidence
        bounds NaN); ``attrs`` lists undetermined states and drifting parameters.
    """
    from ..simulate import neutral_states, steady_state

    model = _load(model)
    names = parameter_names(model, params)
    known = model.state_names + model.observable_names
    targets = list(outputs) if outputs is not None else known
    for n in targets:
        if n not in known:
            raise ModelError(f"model '{model.name}' has no state or observable '{n}'{suggest(n, known)}")
    compiled = compile_model(model)
    ss = steady_state(model, guess=guess)
    p = compiled.default_vector
    plist = p.tolist()
    x = np.array([ss.values[s] for s in compiled.state_names])
    _, fns = sensitivity_functions(model, names)
    J, F = fns["sens"](0.0, x.tolist(), plist)
    neutral = set(neutral_states(model))
    free = np.array([i for i, s in enumerate(compiled.state_names) if s not in neutral], dtype=int)
    fixed = np.array([i for i, s in enumerate(compiled.state_names) if s in neutral], dtype=int)
    S = np.zeros((compiled.n_states, len(names)))
    if free.size:
        S[free], undetermined, drifting = _implicit_sensitivities(J[np.ix_(free, free)], F[free])
        undetermined = {int(free[k]) for k in undetermined}
    else:
        undetermined, drifting = set(), np.zeros(len(names), dtype=bool)
    if fixed.size:
        S[fixed] = np.asarray(fns["y0"](0.0, None, plist), dtype=float).reshape(compiled.n_states, -1)[fixed]
    cols = np.array([compiled.index[q] for q in names], dtype=int)
    values = p[cols]
    rows = []
    obs = compiled.observables(0.0, x[:, None], p[:, None])[:, 0] if compiled.observable_names else []
    if compiled.observable_names:
        Oy, Op = fns["obs"](0.0, x[:, None], p[:, None])
        unknown = np.isnan(S)
        dobs = Oy[..., 0] @ np.where(unknown, 0.0, S) + Op[..., 0]
        dobs[((Oy[..., 0] != 0).astype(float) @ unknown.astype(float)) > 0] = np.nan
    for n in targets:
        if n in compiled.state_index:
            value, deriv = x[compiled.state_index[n]], S[compiled.state_index[n]]
        else:
            i = compiled.observable_names.index(n)
            value, deriv = obs[i], dobs[i]
        for j, q in enumerate(names):
            row = _row(n, q, float(value), float(deriv[j]), values[j], normalise)
            row["index"] = "steady" if normalise else "steady_derivative"
            rows.append(row)
    frame = tidy(rows)
    frame.attrs = {
        "model": model.name,
        "method": "implicit function theorem at the steady state",
        "steady_state": ss.values,
        "stable": ss.stable,
        "neutral": sorted(neutral),
        "undetermined": [compiled.state_names[i] for i in sorted(undetermined)],
        "drifting": [q for q, d in zip(names, drifting) if d],
        "normalised": normalise,
    }
    return frame


# --------------------------------------------------------------------------- helpers


def parameter_names(model: Model, params: Sequence[str] | Mapping[str, Any] | None) -> list[str]:
    """Validated parameter (or input) names (a mapping's keys); default: every parameter the model uses.

    Parameters
    ----------
    model
        The model.
    params
        Names (a mapping's keys are used), or None for every parameter the model uses.

    Returns
    -------
    list of str
        The names, checked.

    Raises
    ------
    ParameterError
        If a name is unknown (with a "did you mean"), none is given, or one is named twice.
    """
    if params is None:
        used: set[str] = set()
        for e in model.resolved_rhs():
            used |= {str(s) for s in e.free_symbols}
        for s in model.states:
            used |= {str(x) for x in model.initial_expr(s).free_symbols}
        for o in model.observables:
            used |= {str(x) for x in model.resolve(o.expr).free_symbols}
        return [p for p in model.parameter_names if p in used]
    if isinstance(params, str):
        params = [params]
    names = list(params.keys()) if isinstance(params, Mapping) else list(params)
    if not names:
        raise ParameterError("params is empty; name at least one parameter")
    for n in names:
        if n not in model.input_names:
            model.parameters[n]  # raises ParameterError with a did-you-mean suggestion
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ParameterError(f"parameters {dup} are named more than once")
    return names


def _implicit_sensitivities(Jff: np.ndarray, Fff: np.ndarray) -> tuple[np.ndarray, list[int], np.ndarray]:
    """Solve ``J S = -F`` at a steady state that may lie on a continuum (singular ``J``).

    Returns ``S`` with NaN where undefined, the states along a null direction of ``J``
    (their steady state is not isolated: undetermined), and per parameter whether it pushes
    the system off the continuum (``F`` outside the range of ``J``: no steady state nearby,
    every sensitivity NaN).
    """
    u, sv, vt = np.linalg.svd(Jff)
    null = sv <= 1e-12 * max(sv[0], 1e-300)
    if not null.any():
        return -np.linalg.solve(Jff, Fff), [], np.zeros(Fff.shape[1], dtype=bool)
    along = np.flatnonzero(np.abs(vt[null]).max(axis=0) > 1e-8)
    S = -np.linalg.pinv(Jff, rcond=1e-12) @ Fff
    off = np.abs(u[:, null].T @ Fff).max(axis=0) > 1e-9 * np.maximum(np.abs(Fff).max(axis=0), 1e-300)
    S[along] = np.nan
    S[:, off] = np.nan
    return S, along.tolist(), off


def _load(model: Model | str) -> Model:
    if isinstance(model, str):
        from ..models import load_model

        return load_model(model)
    return model


def _default_grid(t_start: float, t_end: float, extra: Sequence[float]) -> np.ndarray:
    """The grid ``simulate`` uses by default (daily, >= 201 points) plus the given times."""
    n = max(201, min(int(t_end - t_start) + 1, 20001))
    extra = [x for x in extra if t_start <= x <= t_end]
    return np.union1d(np.linspace(t_start, t_end, n), extra)


def _observables(compiled, fns, t, Y, dY, P, C):
    n_obs = len(compiled.observable_names)
    if n_obs == 0:
        return np.zeros((0, t.size)), np.zeros((0, dY.shape[1], t.size))
    with np.errstate(all="ignore"):
        raw = compiled.observables(t, Y, P)
        Oy, Op = fns["obs"](t, Y, P)
        draw = np.einsum("okT,kjT->ojT", Oy, dY) + Op * C[None]
    obs, dobs = raw.copy(), draw.copy()
    for i, base in enumerate(compiled.observable_baselines):
        if base == "start":
            o0, d0 = raw[i, 0], draw[i, :, :1]
            with np.errstate(all="ignore"):
                obs[i] = 100.0 * (raw[i] / o0 - 1.0)
                dobs[i] = 100.0 * (draw[i] * o0 - raw[i][None, :] * d0) / o0**2
    return obs, dobs


def _directional(output, fwd: ForwardSensitivities, j: int) -> float:
    """d output / d p_j: central difference of the functional along the sensitivity trajectory."""
    h = 1e-6 * (abs(fwd.values[j]) if fwd.values[j] != 0 else 1.0)
    plus = output.evaluate(fwd.t, fwd.y + h * fwd.dy[:, j], fwd.obs + h * fwd.dobs[:, j])
    minus = output.evaluate(fwd.t, fwd.y - h * fwd.dy[:, j], fwd.obs - h * fwd.dobs[:, j])
    return (plus - minus) / (2 * h)


def _normalised(value, deriv, p):
    with np.errstate(all="ignore"):
        return np.where(np.asarray(value) != 0, deriv * p / value, np.nan)


def _row(output: str, parameter: str, value: float, deriv: float, p: float, normalise: bool) -> dict:
    coef = float(_normalised(value, deriv, p)) if normalise else float(deriv)
    return {
        "output": output,
        "parameter": parameter,
        "index": "local" if normalise else "derivative",
        "value": coef,
        "conf_low": np.nan,
        "conf_high": np.nan,
    }
