"""simulate() and steady_state(): the single-run entry points."""

from __future__ import annotations

import math
import time as _time
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
from scipy import optimize

from . import __version__, _checks
from .compile import CompiledModel, compile_model
from .errors import SimulationError, SolverError
from .model import Model
from .runtime import (
    Setup,
    as_model,
    check_params,
    check_span,
    check_tolerances,
    prepare,
    undefined_observable,
)
from .scenario import Scenario
from .solution import Solution
from .solvers.batch import initial_states
from .solvers.scipy_path import METHODS, ieee_functions, integrate_segment, negative_state

DEFAULT_RTOL = 1e-6
YEAR_DAYS = 365.25
DEFAULT_ATOL = 1e-10


def simulate(
    model: Model | str,
    t_end: float | None = None,
    *,
    params: Mapping[str, float] | None = None,
    scenario: Scenario | str | None = None,
    t_eval: Sequence[float] | np.ndarray | None = None,
    method: str = "auto",
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    t_start: float = 0.0,
    y0: Mapping[str, float] | Sequence[float] | None = None,
    raise_on_failure: bool = True,
    patient: Any = None,
) -> Solution:
    """Integrate ``model`` from ``t_start`` to ``t_end`` days.

    Compiles the model on first use (cached in memory and on disk); a changed parameter value
    never recompiles.

    Parameters
    ----------
    model
        A Model or the name of a shipped model.
    t_end
        End time in days (default: the model's ``default_t_end``).
    params
        Parameter or input values that replace the parameter file's values.
    scenario
        Overrides and time windows (a Scenario or a scenario name). The integrator is
        restarted at every switch time.
    t_eval
        Output times (default: daily, at least 201 points, plus every switch time).
    method
        ``"auto"`` (odeint's LSODA on the compiled RHS and analytic Jacobian: the fastest
        reliable scipy choice measured here), ``"odeint"``, a ``solve_ivp`` method name, or
        ``"rodas4"`` (the ensemble Rosenbrock solver with one member; numba-compiled when
        installed, no Python call per step).
    rtol, atol
        Integrator tolerances (recorded in ``Solution.meta``): relative, and absolute in the
        states' units.
    t_start
        Start time [day]; scenario windows and output times are in the same clock.
    y0
        Initial state (mapping by name or full vector); default: the model's initial values.
    raise_on_failure
        Raise :class:`SolverError` (whose ``solution`` keeps the partial result) on failure;
        with False, return the failed Solution instead.
    patient
        A :class:`~bonemodel.Patient` (flagship only): the run starts from that person's state
        (their history from peak bone mass, density matched to their T-scores), what the history
        left running continues, ``scenario`` is added on top, and every frame carries an ``age``
        column [yr]. Not together with ``y0``.

    Returns
    -------
    Solution
        Times [day], states and observables in their units, the status, and the metadata
        (method, tolerances, parameters, scenario).

    Raises
    ------
    SolverError
        If the run fails and ``raise_on_failure`` is true.
    BonemodelError
        If an argument is invalid, before anything is integrated.

    Notes
    -----
    A run fails when the integrator stops, a state goes materially negative, a scenario
    segment starts where the model cannot be integrated in double precision (see
    :mod:`bonemodel.solvers`: the same rules on every path, so a sweep gives the same
    parameter set the same status), or an observable is NaN where the run starts or ends.
    Bad arguments (a bool or text for a number, an rtol below 1e-13, ...) raise a
    :class:`~bonemodel.errors.BonemodelError` before anything is integrated.

    A state that starts at exactly 0 inside a power ``P**g`` can make the analytic Jacobian 0/0
    or infinite there although the rate is finite: the scipy methods then use forward
    differences in those columns and ``meta["jacobian"]`` says so (``"analytic"`` otherwise);
    ``"rodas4"`` refuses such a start.
    """
    model = as_model(model)
    if patient is not None:
        return _simulate_patient(
            model, t_end, patient, params=params, scenario=scenario, y0=y0, t_eval=t_eval, method=method,
            rtol=rtol, atol=atol, t_start=t_start, raise_on_failure=raise_on_failure,
        )  # fmt: skip
    t_end = model.default_t_end if t_end is None else t_end
    t_start, t_end = check_span(t_start, t_end)
    raise_on_failure = _checks.flag(raise_on_failure, "raise_on_failure", SimulationError)
    started = _time.perf_counter()
    compiled = compile_model(model)
    rtol, atol = _check_solver(method, rtol, atol, compiled.n_states)
    setup = prepare(model, compiled, params=params, scenario=scenario, t_start=t_start, t_end=t_end)
    grid = _output_grid(t_start, t_end, t_eval, setup)
    y = _initial_state(model, compiled, setup.base, y0)
    baselines = observable_baselines(compiled, t_start, y, setup.segments[0][2])

    if method == "rodas4":
        return _simulate_rodas4(
            model, compiled, setup, grid, y, baselines, rtol, atol, started, raise_on_failure
        )
    ts, ys, ps = [], [], []
    status, message, steps, clipped = "success", "", 0, 0.0
    jacobians: list[str] = []  # how each segment's Jacobian departed from the analytic one
    grid_list = grid.tolist()
    n_segments = len(setup.segments)
    for k, (a, b, p) in enumerate(setup.segments):
        last = k == n_segments - 1
        # Grid points of this segment: its start if it is one, everything inside, and its
        # end only on the last segment (a switch time belongs to the segment it starts).
        lo = bisect_right(grid_list, a)
        hi = bisect_right(grid_list, b) if last else bisect_left(grid_list, b)
        inside = grid_list[lo:hi]
        ends_on_grid = last and hi > lo and inside[-1] == b
        times = np.array([a, *inside] if ends_on_grid else [a, *inside, b])
        seg = integrate_segment(compiled, p, y, times, method=method, rtol=rtol, atol=atol)
        steps += seg.steps
        if seg.jacobian != "analytic" and seg.jacobian not in jacobians:
            jacobians.append(seg.jacobian)
        first = 0 if lo > 0 and grid_list[lo - 1] == a else 1
        stop = 1 + len(inside)
        seg_t, seg_y = seg.t, seg.y
        lowest = seg_y.min() if seg_y.size else 0.0
        if lowest < 0:
            negative = negative_state(compiled, seg_y, rtol, atol)
            if negative is not None:
                idx, col = negative
                seg.ok = False
                seg.message = (
                    f"state '{compiled.state_names[idx]}' became negative ({seg_y[idx, col]:.3g}) at "
                    f"t = {seg_t[col]:g} days; the model or its parameter values do not keep it non-negative "
                    "(check the values, or tighten rtol/atol)"
                )
                seg_t, seg_y, stop = seg_t[:col], seg_y[:, :col], min(stop, col)
            if seg_y.size:
                undershoot = np.where(compiled.nonnegative[:, None], -seg_y, 0.0).max(initial=0.0)
                clipped = max(clipped, float(undershoot))
                seg_y = np.where(compiled.nonnegative[:, None], np.maximum(seg_y, 0.0), seg_y)
        kept_t = seg_t[first:stop]
        ts.append(kept_t)
        ys.append(seg_y[:, first:stop])
        ps.append((p, kept_t.size))
        if not seg.ok:
            status = "failed"
            state = (
                ", ".join(f"{n}={v:.4g}" for n, v in zip(compiled.state_names, seg_y[:, -1]))
                if seg_y.size
                else ""
            )
            message = f"{seg.message}; last good state: {state}" if state else seg.message
            break
        y = seg_y[:, -1]

    t = ts[0] if len(ts) == 1 else np.concatenate(ts)
    Y = ys[0] if len(ys) == 1 else np.concatenate(ys, axis=1)
    # Observables are evaluated when first asked for: many uses need the states only.
    obs = partial(_observables, compiled, t, Y, ps, baselines)
    if status == "success" and (undefined := _undefined_observable(compiled, t, Y, ps, baselines)):
        status, message = "failed", undefined
    meta = _meta(model, compiled, setup, method, rtol, atol, t_start, t_end, steps, started)
    meta["clipped_negative_max"] = clipped  # largest round-off undershoot set to 0 in non-negative states
    meta["jacobian"] = "; ".join(jacobians) or "analytic"
    sol = Solution(t, Y, compiled.state_names, compiled.observable_names, obs, status, message, meta)
    if status != "success" and raise_on_failure:
        raise SolverError(f"simulation of '{model.name}' failed: {message}", solution=sol)
    return sol


def _simulate_rodas4(model, compiled, setup, grid, y0, baselines, rtol, atol, started, raise_on_failure):
    """One member through the batched Rosenbrock solver (per-member error control, dense output).

    Compiled with numba when it is installed (no Python call per step), pure numpy otherwise.
    """
    from .compile_numba import numba_available

    segments = setup.segments
    if numba_available():
        from .compile_numba import load_numba_solver
        from .solvers.batch_numba import solve_batch_numba

        module = load_numba_solver(model, compiled)
        res = solve_batch_numba(compiled, segments, y0[:, None], grid, module=module, rtol=rtol, atol=atol)
        method_name = "rodas4 (numba)"
    else:
        from .solvers.batch import solve_batch

        res = solve_batch(compiled, segments, y0[:, None], grid, rtol=rtol, atol=atol)
        method_name = "rodas4 (numpy)"
    t, Y = grid, res.y[:, 0, :]
    good = np.isfinite(Y).all(axis=0)
    if not good.all():
        keep = good if res.ok[0] else np.cumprod(good).astype(bool)
        t, Y = t[keep], Y[:, keep]
    # Each output time takes the parameters of the segment it lies in (a switch time
    # belongs to the segment it starts), as (runtime vector, count) pieces.
    if len(segments) == 1:
        pieces = [(segments[0][2], t.size)]
    else:
        starts = np.searchsorted(t, [a for a, _, _ in segments[1:]], side="left").tolist()
        counts = np.diff([0, *starts, t.size]).tolist()
        pieces = [(p, k) for (_, _, p), k in zip(segments, counts)]
    obs = partial(_observables, compiled, t, Y, pieces, baselines)
    meta = _meta(model, compiled, setup, "rodas4", rtol, atol, grid[0], grid[-1], int(res.steps[0]), started)
    meta["method"] = method_name
    meta["jacobian"] = "analytic"
    status, message = ("success", "") if res.ok[0] else ("failed", res.message[0])
    if status == "success" and (undefined := _undefined_observable(compiled, t, Y, pieces, baselines)):
        status, message = "failed", undefined
    sol = Solution(t, Y, compiled.state_names, compiled.observable_names, obs, status, message, meta)
    if status != "success" and raise_on_failure:
        raise SolverError(f"simulation of '{model.name}' failed: {message}", solution=sol)
    return sol


def _undefined_observable(compiled: CompiledModel, t, Y, pieces, baselines) -> str:
    """Why the run is not a success although its states are ('' if it is): an observable that is
    not a number where the run starts or ends (see :func:`~bonemodel.runtime.undefined_observable`).

    Only the two ends are checked, so a lazily evaluated solution stays cheap.
    """
    if not compiled.observable_names or t.size == 0:
        return ""
    used = [p for p, k in pieces if k > 0]
    cols = [0, t.size - 1] if t.size > 1 else [0]
    values = _observables(
        compiled, t[cols], Y[:, cols], [(used[0], 1), (used[-1], 1)][: len(cols)], baselines
    )
    return undefined_observable(compiled, t[cols], values)


def _check_solver(method: str, rtol, atol, n_states: int) -> tuple[float, float | np.ndarray]:
    """Validate method and tolerances; return rtol as a float and atol as a float or float array."""
    if not isinstance(method, str) or method not in METHODS:
        raise SimulationError(
            f"unknown method {repr(method) if isinstance(method, str) else _checks.shown(method)}; choose one of {list(METHODS)}"
        )
    return check_tolerances(rtol, atol, n_states)


def _output_grid(t_start: float, t_end: float, t_eval, setup: Setup) -> np.ndarray:
    if t_eval is None:
        n = max(201, min(int(t_end - t_start) + 1, 20001))
        regular = np.linspace(t_start, t_end, n)
        switches = np.asarray(setup.switch_times, dtype=float)
        if switches.size:
            # a grid point an ulp away from a switch time would make a zero-length step
            near = np.min(np.abs(regular[:, None] - switches[None, :]), axis=1)
            regular = regular[near > 1e-12 * np.maximum(1.0, np.abs(regular))]
        return np.union1d(regular, switches)
    grid = _times(t_eval)
    if grid.size == 0:
        raise SimulationError("t_eval is empty; give at least one output time")
    if not np.isfinite(grid).all():
        raise SimulationError("t_eval contains NaN or infinite times")
    if (grid[1:] <= grid[:-1]).any():
        raise SimulationError("t_eval must be strictly increasing")
    if grid[0] < t_start or grid[-1] > t_end:
        raise SimulationError(
            f"t_eval spans [{grid[0]:g}, {grid[-1]:g}], outside the simulated span [{t_start:g}, {t_end:g}] days"
        )
    for switch in setup.switch_times:  # snap round-off neighbours of a switch onto it
        grid[np.abs(grid - switch) <= 1e-12 * max(1.0, abs(switch))] = switch
    return grid


def _times(t_eval: Any) -> np.ndarray:
    """``t_eval`` as a 1-d float array: a sequence or 1-d array of real numbers (days)."""
    if isinstance(t_eval, (str, bytes, Mapping)) or np.ndim(t_eval) != 1:
        raise SimulationError(
            f"t_eval must be a 1-d sequence of output times in days, got {type(t_eval).__name__} "
            f"of shape {np.shape(t_eval) if not isinstance(t_eval, (str, bytes, Mapping)) else '?'}"
        )
    if isinstance(t_eval, np.ndarray) and t_eval.dtype.kind in "iuf":
        return t_eval.astype(float)
    return np.array([_checks.real(v, "each time in t_eval", SimulationError) for v in t_eval], dtype=float)


def _state_vector(values: Any, n: int, what: str) -> np.ndarray:
    """A full state vector from a sequence or 1-d array of ``n`` real numbers."""
    if isinstance(values, (str, bytes)) or np.ndim(values) != 1:
        raise SimulationError(
            f"{what} must be a mapping of state names to values or a sequence of {n} numbers, "
            f"got {type(values).__name__}"
        )
    return np.array([_checks.real(v, f"each value of {what}", SimulationError) for v in values], dtype=float)


def _initial_state(model: Model, compiled: CompiledModel, p: np.ndarray, y0, what: str = "y0") -> np.ndarray:
    if y0 is not None and not isinstance(y0, Mapping):
        y = _state_vector(y0, compiled.n_states, what)
        if y.size != compiled.n_states:
            raise SimulationError(
                f"{what} has {y.size} values but model '{model.name}' has {compiled.n_states} states "
                f"{compiled.state_names}"
            )
    else:
        try:
            y = compiled.initial(p)
        except (ArithmeticError, ValueError, TypeError):
            # Python raises on x/0 where IEEE arithmetic (the batched solvers') gives inf and
            # often a finite limit, e.g. a steady state at a zero rate: follow IEEE here too.
            y = initial_states(compiled, p[:, None])[:, 0]
        for name, value in _checks.mapping(y0, what, SimulationError, "{'B': 0.001}").items():
            model.state(name)
            y[compiled.state_index[name]] = _checks.real(value, f"{what}['{name}']", SimulationError)
    bad = [
        n
        for n, v, nn in zip(compiled.state_names, y.tolist(), compiled.nonnegative.tolist())
        if not math.isfinite(v) or (nn and v < 0)
    ]
    if bad:
        raise SimulationError(
            f"initial values of {bad} are negative or not finite: "
            + ", ".join(f"{n}={y[compiled.state_index[n]]:g}" for n in bad)
            + f"; check the parameter values they depend on, or give them with {what}="
        )
    return y


def observable_baselines(compiled: CompiledModel, t_start: float, y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Raw observable values at the start (t_start, initial state, first segment's parameters).

    Observables with ``baseline="start"`` are reported as % change from these, whatever the
    output grid; a zero or non-finite start value is refused before anything is integrated.
    """
    if "start" not in compiled.observable_baselines:
        return np.zeros(len(compiled.observable_names))
    with np.errstate(all="ignore"):
        base = compiled.observables(t_start, y[:, None], p[:, None])[:, 0]
    for name, kind, value in zip(compiled.observable_names, compiled.observable_baselines, base):
        if kind == "start" and (not np.isfinite(value) or value == 0):
            raise SimulationError(
                f"observable '{name}' is {value:g} at t = {t_start:g}, so its % change from the start is "
                "undefined; start from another state or report it without baseline"
            )
    return base


def _observables(compiled: CompiledModel, t, Y, P, baselines: np.ndarray) -> np.ndarray:
    """Observables on the output grid; ``P`` is (m, len(t)) or a list of (runtime vector, count) pieces."""
    if not compiled.observable_names:
        return np.zeros((0, t.size))
    if isinstance(P, list):
        P = np.concatenate([np.repeat(p[:, None], k, axis=1) for p, k in P], axis=1)
    with np.errstate(all="ignore"):
        raw = compiled.observables(t, Y, P) if t.size else np.zeros((len(compiled.observable_names), 0))
        for i, kind in enumerate(compiled.observable_baselines):
            if kind == "start":
                raw[i] = 100.0 * (raw[i] / baselines[i] - 1.0)
    return raw


def _simulate_patient(model: Model, t_end, patient, *, params, scenario, y0, **options) -> Solution:
    """A run from a patient's own start state (see :mod:`bonemodel.trials.patient`)."""
    from .errors import ScenarioError
    from .runtime import resolve_scenario
    from .trials.patient import Patient, ongoing, start

    if not isinstance(patient, Patient):
        raise ScenarioError(f"patient must be a bonemodel.Patient, got {type(patient).__name__}")
    if y0 is not None:
        raise ScenarioError("give a patient or y0, not both: the patient's history sets the start state")
    from .trials.risk import RISK_COLUMNS, absolute_risk, reference_risk

    params = check_params(model, params)
    y_start, person = start(model, patient, params=params, simulate=simulate)
    run = ongoing(patient) + resolve_scenario(model, scenario)
    tag = {"patient": repr(patient), "age_at_start": patient.age, "person_parameters": person}
    t_start = options.get("t_start", 0.0)
    t_end = model.default_t_end if t_end is None else t_end
    t_start, t_end = check_span(t_start, t_end)
    # absolute risk integrates hazards along the run: solve on the user's times plus a monthly grid
    t_eval = options.pop("t_eval", None)
    monthly = np.append(np.arange(t_start, t_end, YEAR_DAYS / 12.0), t_end)
    wanted = None if t_eval is None else np.asarray(_times(t_eval), dtype=float)
    grid = monthly if wanted is None else np.union1d(monthly, wanted)
    try:
        sol = simulate(
            model, t_end, params={**params, **person}, scenario=run, y0=y_start, t_eval=grid, **options
        )
    except SolverError as exc:
        if getattr(exc, "solution", None) is not None:
            exc.solution.meta.update(tag)
        raise
    reference = reference_risk(model, patient.sex, simulate, params)
    risk = absolute_risk(sol.t, sol["fracture_rr_hip"], sol["fracture_rr_vertebral"], patient, reference)
    keep = np.arange(sol.t.size) if wanted is None else np.searchsorted(sol.t, wanted)
    values = np.vstack([sol.observable_values, [risk[name] for name in RISK_COLUMNS]])
    meta = {
        **sol.meta,
        **tag,
        "risk": "baseline incidence x relative risk vs the age-average person (trials.risk)",
    }
    return Solution(
        t=sol.t[keep],
        y=sol.y[:, keep],
        state_names=sol.state_names,
        observable_names=[*sol.observable_names, *RISK_COLUMNS],
        observables=values[:, keep],
        status=sol.status,
        message=sol.message,
        meta=meta,
    )


def _meta(model, compiled, setup, method, rtol, atol, t_start, t_end, steps, started) -> dict[str, Any]:
    return {
        "model": model.name,
        "model_key": compiled.key,
        "modules": list(model.modules),
        "parameters": dict(zip(compiled.runtime_names, setup.base.tolist())),
        "overrides": dict(setup.overrides),
        "scenario": setup.scenario.name,
        "windows": [
            {"target": w.target, "start": w.start, "stop": w.stop, "value": w.value, "scale": w.scale}
            for w in setup.scenario.windows
        ],
        "method": "odeint (LSODA)" if method in ("auto", "odeint") else method,
        "rtol": rtol,
        "atol": np.asarray(atol).tolist(),
        "t_start": t_start,
        "t_end": t_end,
        "steps": steps,
        "wall_time_s": _time.perf_counter() - started,
        "bonemodel_version": __version__,
        "citations": list(model.citations),
    }


# --------------------------------------------------------------------------- steady state


@dataclass
class SteadyState:
    """A steady state with its stability (eigenvalues of the Jacobian of the non-neutral states).

    Parameters
    ----------
    values
        State name -> steady value, in the state's unit.
    eigenvalues
        Eigenvalues [1/day] of the Jacobian of the non-neutral states at the steady state.
    stable
        True when every eigenvalue has a negative real part.
    residual
        Largest absolute right-hand side at ``values`` [state unit/day], neutral states included,
        clocks not.
    method
        How it was found: Newton from the guess, or integration followed by Newton.
    neutral
        States that appear in no right-hand side (e.g. bone volume); they keep their starting value.
    clocks
        States whose rate depends on no state (time itself, e.g. a person's age); they keep their
        starting value, and the steady state is that of the other states at that moment.
    stability
        ``"stable"``, ``"unstable"``, or ``"marginal"`` (largest real part within round-off of zero,
        e.g. a centre).
    """

    values: dict[str, float]
    eigenvalues: np.ndarray
    stable: bool
    residual: float
    method: str
    neutral: list[str] = field(default_factory=list)
    stability: str = ""
    """'stable', 'unstable', or 'marginal' (largest real part within round-off of zero, e.g. a centre)."""
    clocks: list[str] = field(default_factory=list)
    """States that are clocks (rate free of every state), held at their start value."""

    def __getitem__(self, name: str) -> float:
        return self.values[name]


def clock_states(model: Model) -> list[str]:
    """States whose rate depends on no state: clocks such as a person's age.

    Parameters
    ----------
    model
        The model.

    Returns
    -------
    list of str
        Names of the states with a nonzero right-hand side free of every state.
    """
    names = set(model.state_names)
    return [
        name
        for name, rate in zip(model.state_names, model.resolved_rhs())
        if rate != 0 and not ({str(x) for x in rate.free_symbols} & names)
    ]


def neutral_states(model: Model) -> list[str]:
    """States that appear in no right-hand side (accumulators such as bone volume).

    Parameters
    ----------
    model
        The model.

    Returns
    -------
    list of str
        Names of the states no right-hand side depends on.
    """
    return list(compile_model(model).neutral)


def steady_state(
    model: Model | str,
    params: Mapping[str, float] | None = None,
    *,
    guess: Mapping[str, float] | Sequence[float] | None = None,
    t_max: float = 1e5,
    tol: float = 1e-10,
) -> SteadyState:
    """Find a steady state by Newton's method with the analytic Jacobian.

    Starts from ``guess`` (default: the model's initial state); if Newton fails or lands
    on a negative state, integrates for ``t_max`` days and polishes the end point.
    Neutral states (in no right-hand side, e.g. bone volume) keep their starting value;
    their derivative is included in ``residual``. Clocks (a rate that depends on no state, such
    as the flagship's ``age_years``) keep their starting value too: the steady state is that of
    the other states at that age.

    Parameters
    ----------
    model
        A Model or the name of a shipped model.
    params
        Parameter values [each in its unit] that replace the parameter file's values.
    guess
        Starting point (mapping by state name or full vector, in the states' units); default: the
        model's initial state.
    t_max
        Days to integrate before polishing when Newton alone fails.
    tol
        Relative tolerance of the Newton iteration (between 0 and 1).

    Returns
    -------
    SteadyState
        The steady values, the eigenvalues [1/day] and the stability class.

    Raises
    ------
    SolverError
        If no steady state is found (Newton and the integration both fail, or a rate is NaN there).
    BonemodelError
        If an argument is invalid (unknown parameter, negative value, bad guess, ``t_max`` or
        ``tol`` out of range).

    Examples
    --------
    >>> import bonemodel as bm
    >>> ss = bm.steady_state("lemaire2004")
    >>> f"{ss['C']:.4g} pM", ss.stability
    ('0.0009128 pM', 'stable')
    """
    model = as_model(model)
    t_max = _checks.real(t_max, "t_max (days)", SimulationError)
    if not t_max > 0:
        raise SimulationError(f"t_max must be a positive number of days, got {t_max:g}")
    tol = _checks.real(tol, "tol", SimulationError)
    if not 0 < tol < 1:
        raise SimulationError(f"tol must lie between 0 and 1 (a relative residual), got {tol:g}")
    compiled = compile_model(model)
    overrides = check_params(model, params)
    p = compiled.vector(overrides)
    y = _initial_state(model, compiled, p, guess, what="guess")
    neutral = list(compiled.neutral)
    clocks = [c for c in clock_states(model) if c not in neutral]
    if len(neutral) + len(clocks) == compiled.n_states:
        raise SimulationError(
            f"every state of '{model.name}' is an accumulator (appears in no right-hand side) or a "
            "clock (its rate depends on no state): it has no steady state to find"
        )
    held = set(neutral) | set(clocks)
    free = np.array([i for i, n in enumerate(compiled.state_names) if n not in held], dtype=int)
    # IEEE arithmetic where Python would raise (x/0 at a parameter of zero), as simulate uses
    rhs_ieee, jac_ieee = ieee_functions(compiled, p.tolist())

    def rhs_s(state: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.asarray(rhs_ieee(0.0, state), dtype=float)

    def jac_s(state: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.asarray(jac_ieee(0.0, state), dtype=float)[np.ix_(free, free)]

    def solve(start: np.ndarray) -> tuple[np.ndarray, bool]:
        full = start.copy()

        def f(x):
            full[free] = x
            return rhs_s(full)[free]

        def j(x):
            full[free] = x
            return jac_s(full)

        with np.errstate(all="ignore"):
            res = optimize.root(f, start[free], jac=j, method="hybr", options={"xtol": 1e-13})
        out = start.copy()
        x = res.x.copy()
        # Newton lands a zero component at about -1e-18: that is zero, not a negative state
        tiny = np.abs(x) <= 1e-12 * max(float(np.max(np.abs(x))), 1e-300)
        x[tiny & compiled.nonnegative[free]] = 0.0
        out[free] = x
        return out, bool(res.success) and _converged(out)

    def _converged(state: np.ndarray) -> bool:
        if not np.all(np.isfinite(state)) or np.any(state[compiled.nonnegative] < 0):
            return False
        f = rhs_s(state)
        # a component that is exactly (or within round-off of) zero gets an absolute floor
        scale = np.maximum(np.abs(state), max(1e-12 * float(np.max(np.abs(state[free]))), 1e-300))
        return bool(np.max(np.abs(f[free]) / scale[free]) <= tol**0.5)

    def unstable(state: np.ndarray) -> bool:
        J = jac_s(state)
        return bool(np.isfinite(J).all()) and classify(np.linalg.eigvals(J)) == "unstable"

    method = "newton"
    x, ok = solve(y) if free.size else (y, True)
    # From the model's own initial state, an unstable root (often the trivial one) is
    # not what a user means: let the dynamics pick the attracting state, if there is one.
    if not ok or (guess is None and free.size and unstable(x)):
        sol = simulate(model, t_max, params=overrides, y0=y, t_eval=[0.0, t_max], raise_on_failure=False)
        end = sol.y[:, -1].copy()
        clock_index = [compiled.state_names.index(c) for c in clocks]
        end[clock_index] = y[clock_index]  # the steady state at the starting age, not t_max later
        x2, ok2 = solve(end)
        if ok2 and (not ok or not unstable(x2)):
            x, ok, method = x2, True, "integration + newton"
        if not ok:
            last = {n: round(float(v), 8) for n, v in zip(compiled.state_names, sol.y[:, -1].tolist())}
            raise SolverError(
                f"no steady state of '{model.name}' found from the initial state nor after {t_max:g} days "
                f"of integration (last state {last}); "
                "try another guess= or check the parameters",
                solution=sol,
            )
    J = jac_s(x)
    if not np.isfinite(J).all():
        raise SolverError(
            f"the Jacobian of '{model.name}' is not finite at its steady state "
            f"{dict(zip(compiled.state_names, x.tolist()))}, so its stability is undefined; "
            "a parameter value makes the model singular there (e.g. a zero in a denominator)"
        )
    eig = np.linalg.eigvals(J) if free.size else np.zeros(0)
    f = rhs_s(x)
    undefined = [n for n, v in zip(compiled.state_names, f.tolist()) if math.isnan(v)]
    if undefined:  # an accumulator's rate, not part of the root, can still be 0/0 there
        raise SolverError(
            f"at the steady state {dict(zip(compiled.state_names, x.tolist()))} of '{model.name}' the rate of "
            f"{undefined} is NaN (undefined for these parameter values, e.g. 0/0); check the parameters"
        )
    stability = classify(eig)
    counted = [i for i, n in enumerate(compiled.state_names) if n not in clocks]
    return SteadyState(
        values=dict(zip(compiled.state_names, x.tolist())),
        eigenvalues=eig,
        stable=stability == "stable",
        residual=float(np.max(np.abs(f[counted]))),
        method=method,
        neutral=neutral,
        stability=stability,
        clocks=clocks,
    )


def classify(eigenvalues: np.ndarray, *, tol: float = 1e-9) -> str:
    """'stable', 'unstable' or 'marginal', with round-off ``tol`` relative to the largest |eigenvalue|."""
    if eigenvalues.size == 0:
        return "stable"
    lead = float(np.max(eigenvalues.real))
    if abs(lead) <= tol * max(float(np.max(np.abs(eigenvalues))), 1e-300):
        return "marginal"
    return "stable" if lead < 0 else "unstable"


__all__ = ["simulate", "steady_state", "SteadyState", "clock_states", "neutral_states"]
