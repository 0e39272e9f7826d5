"""sweep(): run a model over many parameter sets and keep scalar outputs of each run.

The flow, top to bottom: a design (:mod:`bonemodel.designs`) gives the parameter sets;
outputs (:mod:`bonemodel.outputs`) say which times to report; the members are cut into
chunks of fixed size; each chunk is integrated at once by the batched solver
(:mod:`bonemodel.solvers.batch`, per-member error control) on an executor
(:mod:`bonemodel.executors`: serial, local processes or Dask); finished chunks stream
to a results folder (:mod:`bonemodel.checkpoint`) when ``out`` is given, which is what
makes a sweep resumable and its memory bounded.

A member's result does not depend on which other members share its chunk (each has its
own steps), and chunk boundaries depend only on the number of members, so serial,
process and Dask runs give identical tables.
"""

from __future__ import annotations

import hashlib
import json
import math
import time as _time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import __version__, _checks
from .compile import CompiledModel, compile_model
from .designs import make_design
from .errors import SimulationError
from .model import Model
from .outputs import Output, default_grid, needs_grid, output_times, parse_outputs
from .runtime import as_model, check_span, check_tolerances, prepare, undefined_observable
from .scenario import Scenario, Window
from .solvers.batch import METHOD as BATCH_METHOD
from .solvers.batch import initial_states, solve_batch

DEFAULT_RTOL = 1e-6
DEFAULT_ATOL = 1e-10
MAX_CHUNK = 2048
MIN_CHUNK = 64
PROCESS_STARTUP_S = 3.0  # rough cost of spawning workers that import the scientific stack
_GRID_BYTES = 24 * 2**20  # per chunk: bigger output buffers cost more in page faults than they save
METHODS = ("batch", "numba", "numpy", "scipy")


def sweep(
    model: Model | str,
    params: Mapping[str, Any] | pd.DataFrame,
    *,
    n: int | None = None,
    design: str = "lhs",
    seed: int = 0,
    scenario: Scenario | str | None = None,
    t_end: float | None = None,
    outputs: str | Callable | Sequence[str | Callable] | None = ...,
    workers: int | None = None,
    client: Any = None,
    out: str | None = None,
    resume: bool = False,
    progress: bool = True,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    method: str = "batch",
    chunk_size: int | None = None,
    executor: str = "auto",
) -> pd.DataFrame:
    """Simulate ``model`` for every parameter set of a design; one row of outputs per set.

    Parameters
    ----------
    model
        A Model or the name of a shipped model.
    params
        ``{name: (low, high)}`` or ``{name: (low, high, "log")}`` (``None`` takes the range
        from the parameter file), or a DataFrame of parameter sets (then ``n`` and
        ``design`` are not used).
    n
        Number of members (``lhs``, ``sobol``: a power of two) or levels per parameter (``grid``).
    design
        ``"lhs"``, ``"sobol"`` or ``"grid"``.
    seed
        Seed of the design; the same seed gives the same table.
    scenario
        Scenario (or its name) applied to every member; the solver restarts at its switches.
    t_end
        End of the simulation in days (default: the model's, or the latest output time).
    outputs
        Output specs (see :mod:`bonemodel.outputs`): ``"NAME@T"``, ``"pct_change(NAME@T)"``,
        ``"max(NAME)"``, ..., or callables on the solution frame. Default: final states.
    workers
        Local workers; 1 = serial. Default: all cores (with processes, the first chunk
        runs here and the rest goes to processes only if it outweighs their start-up).
    client
        A ``dask.distributed.Client``; chunks then run on its cluster.
    out
        Results folder: every finished chunk is written there (Parquet) with the design
        and metadata, so the sweep can be resumed and needs no RAM for finished rows. A
        folder belongs to one running sweep at a time, and every chunk carries the sweep's
        id and a checksum, checked before its rows are used (see :mod:`bonemodel.checkpoint`).
    resume
        Continue the sweep stored in ``out``, computing only its missing chunks.
    progress
        Show a progress bar (tqdm) with rate and ETA.
    rtol, atol
        Tolerances every member meets on its own (recorded in ``attrs``).
    method
        ``"batch"`` (default: the batched RODAS4 solver on numba or numpy, whichever is
        expected to finish first, counting numba's compilation when the model is not compiled
        on this machine yet; see :mod:`bonemodel.solvers.cost`; the choice and its reason are
        in ``attrs["method_choice"]``), ``"numba"`` or ``"numpy"`` (forced), or ``"scipy"``
        (odeint/LSODA one member at a time: the reference path).
    chunk_size
        Members integrated together (default: up to 2048, fewer to keep every worker busy).
    executor
        Local workers: ``"threads"``, ``"processes"`` or ``"auto"`` (threads for the numba
        solver, which releases the GIL and needs no start-up; processes otherwise).

    Returns
    -------
    pandas.DataFrame
        Index ``member``; the parameter columns, the output columns and ``status``
        (``"success"`` or ``"failed: <reason>"``; a failed member keeps its row). A member
        fails for the reasons ``simulate`` fails (the same words, see :mod:`bonemodel.solvers`)
        and when an output is NaN (``time_to`` excepted: the level was never crossed). ``attrs``
        holds the settings (model, scenario, design, tolerances, method, versions).
    """
    started = _time.perf_counter()
    model = as_model(model)
    if not isinstance(method, str) or method not in METHODS:
        raise SimulationError(
            f"unknown sweep method {repr(method) if isinstance(method, str) else _checks.shown(method)}; choose one of {list(METHODS)}"
        )
    rtol, atol = check_tolerances(rtol, atol, None)  # one atol for every member and state
    if not isinstance(executor, str) or executor not in ("auto", "threads", "processes"):
        raise SimulationError(
            f"unknown executor {repr(executor) if isinstance(executor, str) else _checks.shown(executor)}; choose 'auto', 'threads' or 'processes'"
        )
    if workers is not None:
        workers = _checks.count(workers, "workers", SimulationError, low=1)
    if chunk_size is not None:
        chunk_size = _checks.count(chunk_size, "chunk_size", SimulationError, low=1)
    resume = _checks.flag(resume, "resume", SimulationError)
    progress = _checks.flag(progress, "progress", SimulationError)
    table = make_design(model, params, n=n, design=design, seed=seed)
    plan = build_plan(model, table, scenario=scenario, t_end=t_end, outputs=outputs, rtol=rtol, atol=atol)
    total = len(table)
    local = workers or (_count_workers(client) if client is not None else _default_workers())
    if resume and out is not None and method == "batch":
        from .checkpoint import read_meta

        stored = read_meta(out)
        if stored is not None and stored.get("method") in ("numpy", "numba"):
            method = stored["method"]  # a resumed sweep keeps the solver its stored chunks used
    choice = _choose_method(method, plan, total, local)
    plan.method = choice.method
    notice = None
    if plan.method == "numba":
        from .compile_numba import load_from_source, numba_key, numba_source

        if choice.compiles and progress:
            notice = _compiling_notice(model.name, total)
        plan.numba_key = numba_key(plan.compiled)
        plan.numba_source = numba_source(model, plan.compiled)
        # Compile (or load from the disk cache) once here, so local workers only load it.
        compiling = _time.perf_counter()
        load_from_source(plan.numba_source, plan.numba_key, plan.compiled.name)
        choice.compile_s = _time.perf_counter() - compiling
    given = (
        []
        if outputs is ...
        else [outputs]
        if callable(outputs) or isinstance(outputs, str)
        else list(outputs or [])
    )
    if resume and any(callable(o) for o in given):
        raise SimulationError(
            "resume=True cannot check that callable outputs are the ones the stored chunks used; "
            "give outputs by name (e.g. 'max(B)') or start a new folder"
        )
    if out is not None and resume:
        from .checkpoint import stored_chunk_size

        # Resume with the chunking the sweep started with, whatever this call would pick.
        chunk_size = stored_chunk_size(out) or chunk_size
    if chunk_size is None:
        n_workers = workers or (_count_workers(client) if client is not None else _default_workers())
        chunk_size = default_chunk_size(total, n_workers, plan.bytes_per_member)
    chunk_size = int(chunk_size)
    if chunk_size < 1:
        raise SimulationError(f"chunk_size must be >= 1, got {chunk_size}")

    kind = "table" if isinstance(params, pd.DataFrame) else design
    meta = _metadata(model, plan, table, kind, seed, n, chunk_size)
    cp = None
    done: set[int] = set()
    if out is not None:
        from .checkpoint import Checkpoint

        cp = Checkpoint(out)
        done = cp.open(meta, table, resume=resume)  # holds the folder's lock until cp.close()
        meta["sweep_id"] = cp.sweep_id
    elif resume:
        raise SimulationError("resume=True needs out= (the folder of the sweep to resume)")
    meta["method_choice"] = choice.as_dict()
    try:
        frame = _execute(
            plan,
            table,
            chunk_size,
            done,
            cp,
            workers=workers,
            client=client,
            executor=executor,
            progress=progress,
            desc=f"sweep {model.name}",
            bar=notice,
        )
    finally:
        if cp is not None:
            cp.close()
        if notice is not None:
            notice.close()
    frame.attrs = {**meta, "wall_time_s": _time.perf_counter() - started}
    return frame


def _execute(
    plan: Plan,
    table: pd.DataFrame,
    chunk_size: int,
    done: set[int],
    cp: Any,
    *,
    workers: int | None,
    client: Any,
    executor: str,
    progress: bool,
    desc: str,
    bar: Any = None,
) -> pd.DataFrame:
    """Run the chunks not in ``done`` on the chosen executor; the table of every member.

    ``bar`` is a progress bar already on screen (the compile notice), reused for the members.
    """
    total = len(table)
    starts = range(0, total, chunk_size)
    values = table.to_numpy(dtype=float)
    chunks = [(i, (s, values[s : s + chunk_size])) for i, s in enumerate(starts) if i not in done]
    results: dict[int, pd.DataFrame] = {}
    from .executors import Progress, run_dask, run_processes, run_serial, run_threads

    done_members = total - sum(len(p[1]) for _, p in chunks)
    if bar is not None:
        bar.restart(done_members, desc)
    else:
        bar = Progress(total, done_members, progress and bool(chunks), desc)
    threads = executor == "threads" or (executor == "auto" and plan.method == "numba")
    n_local = _default_workers() if workers is None else int(workers)
    if client is not None:
        stream = run_dask(run_chunk, plan, chunks, client)
    elif n_local <= 1 or len(chunks) <= 1:
        stream = run_serial(run_chunk, plan, chunks)
    elif threads:
        stream = run_threads(run_chunk, plan, chunks, n_local)
    elif workers is None:
        stream = _adaptive(plan, chunks, n_local)
    else:
        stream = run_processes(run_chunk, plan, chunks, n_local)
    try:
        for index, frame in stream:
            if cp is not None:
                cp.write(index, frame)
            else:
                results[index] = frame
            bar.update(len(frame))
    finally:
        bar.close()
    if cp is not None:
        return cp.read(list(range(len(starts)))) if total else _empty(plan, table)
    if len(results) == 1:
        return next(iter(results.values()))
    return pd.concat([results[i] for i in sorted(results)]) if results else _empty(plan, table)


# --------------------------------------------------------------------------- plan


@dataclass
class Plan:
    """Everything a worker needs to run a chunk; picklable, built once per sweep.

    Parameters
    ----------
    compiled
        The compiled model.
    columns
        The swept parameter and input names.
    column_index
        Their positions in the runtime vector.
    base
        The runtime vector with the scenario's constants.
    lower
        Smallest acceptable value of each swept column, in its unit.
    segments
        ``(start, stop, windows)`` per constant piece, times in days.
    times
        Output times [day].
    outputs
        The parsed outputs.
    t_start, t_end
        The simulated span [day].
    rtol, atol
        Integrator tolerances.
    scenario
        The resolved scenario.
    method
        ``"numpy"`` or ``"numba"``: which batched solver runs the chunks.
    numba_source, numba_key
        The generated numba module and its key, for workers (empty with numpy).
    """

    compiled: CompiledModel
    columns: list[str]
    column_index: np.ndarray
    base: np.ndarray
    lower: np.ndarray
    segments: list[tuple[float, float, list[Window]]]
    times: np.ndarray
    outputs: list[Output]
    t_start: float
    t_end: float
    rtol: float
    atol: float
    scenario: Scenario
    method: str = "numpy"
    numba_source: str = ""
    numba_key: str = ""

    @property
    def bytes_per_member(self) -> int:
        """Size [bytes] of one member's output buffers."""
        c = self.compiled
        return 8 * (2 * c.n_states + len(c.observable_names)) * self.times.size


def build_plan(
    model: Model,
    table: pd.DataFrame,
    *,
    scenario: Scenario | str | None = None,
    t_end: float | None = None,
    outputs: Any = ...,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    t_start: float = 0.0,
) -> Plan:
    """Validate the scenario, span and outputs once, and fix the output times of the sweep.

    Also used by :mod:`bonemodel.sensitivity` to run designs through the same path.

    Parameters
    ----------
    model
        The model.
    table
        The design: one row per member, one column per parameter or input (values in their units).
    scenario
        A Scenario, its name, or None.
    t_end
        End of the simulated span [day] (default: the model's ``default_t_end`` or the latest output time).
    outputs
        Output specifications, as for `sweep`.
    rtol, atol
        Integrator tolerances (relative; absolute in the states' units).
    t_start
        Start of the span [day].

    Returns
    -------
    Plan
        Everything a chunk needs: compiled model, segments, output times and layout, tolerances.
    """
    compiled = compile_model(model)
    if t_end is None:
        t_end = model.default_t_end
        probe = parse_outputs(model, outputs, t_start=t_start, t_end=math.inf)
        latest = max((t for t in output_times(probe) if math.isfinite(t)), default=0.0)
        if math.isfinite(latest) and latest > t_end:
            t_end = latest
    t_start, t_end = check_span(t_start, t_end)
    outs = parse_outputs(model, outputs, t_start=t_start, t_end=t_end)
    setup = prepare(model, compiled, params=None, scenario=scenario, t_start=t_start, t_end=t_end)
    times = set(output_times(outs)) | {t_start}
    if needs_grid(outs):
        times |= set(default_grid(t_start, t_end).tolist())
    lower = np.full(len(compiled.runtime_names), -np.inf)
    for i, name in enumerate(compiled.parameter_names):
        lower[i] = model.parameters[name].lower
    return Plan(
        compiled=compiled,
        columns=list(table.columns),
        column_index=np.array([compiled.index[c] for c in table.columns], dtype=int),
        base=setup.base.copy(),
        lower=lower,
        segments=setup.scenario.segments(t_start, t_end),
        times=np.array(sorted(times)),
        outputs=outs,
        t_start=t_start,
        t_end=t_end,
        rtol=float(rtol),
        atol=float(atol),
        scenario=setup.scenario,
    )


def default_chunk_size(total: int, workers: int, bytes_per_member: int) -> int:
    """Large chunks amortise numpy's per-call cost; four chunks per worker balance the load.

    The output buffers of a chunk stay under ~24 MiB whatever the output grid (fresh large
    arrays cost page faults; smaller ones are reused by the allocator).

    Parameters
    ----------
    total
        Number of members.
    workers
        Number of workers.
    bytes_per_member
        Output buffer size of one member [bytes].

    Returns
    -------
    int
        Members per chunk.
    """
    per_worker = math.ceil(total / (4 * max(1, workers))) if workers > 1 else total
    size = min(MAX_CHUNK, max(MIN_CHUNK, per_worker), max(1, _GRID_BYTES // max(1, bytes_per_member)))
    return max(1, min(size, total))


def _adaptive(plan: Plan, chunks: list, workers: int):
    """Default execution: time the first chunk here; start processes only if the rest is worth it.

    Spawning workers costs seconds (each imports numpy, scipy, sympy and pandas), which
    is more than a small sweep takes on one core.
    """
    from .executors import run_processes

    start = _time.perf_counter()
    index, frame = chunks[0][0], run_chunk(plan, chunks[0][1])
    per_member = (_time.perf_counter() - start) / max(1, len(frame))
    yield index, frame
    rest = chunks[1:]
    remaining = per_member * sum(len(p[1]) for _, p in rest)
    if remaining > PROCESS_STARTUP_S * 2:
        yield from run_processes(run_chunk, plan, rest, workers)
    else:
        for i, payload in rest:
            yield i, run_chunk(plan, payload)


# --------------------------------------------------------------------------- one chunk


def run_chunk(plan: Plan, payload: tuple[int, np.ndarray]) -> pd.DataFrame:
    """Integrate one chunk of members and return its rows (parameters, outputs, status).

    Parameters
    ----------
    plan
        The sweep's plan.
    payload
        ``(first member index, parameter values of the chunk's members)``, optionally followed by
        the members' own initial states ``y0`` (n_states, B) in the states' units (None: each
        member starts from ``compiled.initial`` of its parameters) and their own runtime vectors per
        segment ``seg_P`` (S, m, B), as :func:`member_vectors` would give them (None: built from
        the plan's scenario and the swept values). Members that differ in their start or in the
        values their scenario sets (virtual patients) share a chunk this way; they still share the
        plan's segment boundaries.

    Returns
    -------
    pandas.DataFrame
        One row per member.
    """
    first, values, *own = payload
    y0 = own[0] if own else None
    given_P = own[1] if len(own) > 1 else None
    values = np.asarray(values, dtype=float)
    # no swept columns (every value given per member): one empty row per member
    values = values.reshape(-1, len(plan.columns)) if plan.columns else values.reshape(len(values), 0)
    B, d = values.shape
    status = np.array(["success"] * B, dtype=object)
    # One (members x columns) block in the frame's final layout: trajectory sweeps have
    # thousands of output columns, and every extra copy of them costs.
    numbers = np.empty((B, d + len(plan.outputs)))
    numbers[:, :d] = values
    numbers[:, d:] = np.nan
    if given_P is None:
        P, seg_P, invalid = member_vectors(plan, values)
    else:
        seg_P = np.asarray(given_P, dtype=float).reshape(len(plan.segments), len(plan.base), B)
        P = seg_P[0]
        invalid = _invalid_members(plan, [seg_P[k] for k in range(len(plan.segments))])
    if y0 is not None:
        y0 = np.asarray(y0, dtype=float).reshape(plan.compiled.n_states, B)
    for b, why in invalid.items():
        status[b] = f"failed: {why}"
    good = np.array([b not in invalid for b in range(B)], dtype=bool)
    if good.any():
        gi = np.nonzero(good)[0]
        y, ok, msgs = _integrate(plan, P[:, gi], seg_P[:, :, gi], None if y0 is None else y0[:, gi])
        lay = _layout(plan)
        obs = (
            observables(plan, y, seg_P[:, :, gi]) if lay.uses_obs else np.zeros((0, len(gi), plan.times.size))
        )
        if lay.at.size:
            _gather_states(numbers, d, gi, B, y, lay)
        output_errors: dict[int, str] = {}
        for j in lay.others:
            with np.errstate(all="ignore"):
                numbers[gi, d + j] = plan.outputs[j].evaluate(plan.times, y, obs, errors=output_errors)
        ends = [0, plan.times.size - 1]
        at_ends = obs[:, :, ends] if lay.uses_obs else observables(plan, y, seg_P[:, :, gi], ends)
        undefined = _undefined_outputs(plan, numbers[:, d:] if len(gi) == B else numbers[gi, d:])
        for k, b in enumerate(gi):
            if not ok[k]:
                status[b] = f"failed: {msgs[k]}"
            elif k in output_errors:
                status[b] = f"failed: {output_errors[k]}"
            elif why := undefined_observable(plan.compiled, plan.times[ends], at_ends[:, k, :]):
                status[b] = f"failed: {why}"  # as simulate reports it
            elif k in undefined:
                status[b] = f"failed: {undefined[k]}"
    index = pd.Index(np.arange(first, first + B), name="member")
    columns = plan.columns + [o.name for o in plan.outputs]
    frame = pd.DataFrame(numbers, index=index, columns=columns, copy=False)
    frame["status"] = status.astype(str)
    return frame


def _undefined_outputs(plan: Plan, values: np.ndarray) -> dict[int, str]:
    """Members (rows of ``values``) with an output that is NaN (undefined): ``{row: reason}``.

    A member is a success only if every output is a number; ``time_to`` alone may be NaN
    (the level was never crossed), as documented. An infinite output is the IEEE limit of
    x/0 (a parameter at zero), which every path computes alike, and is kept.
    """
    may_be_nan = np.array([o.kind == "time_to" for o in plan.outputs], dtype=bool)
    bad = np.isnan(values) & ~may_be_nan
    rows = np.nonzero(bad.any(axis=1))[0]
    out = {}
    for r in rows.tolist():
        j = int(np.argmax(bad[r]))
        out[r] = (
            f"output '{plan.outputs[j].name}' is {values[r, j]} (undefined, e.g. 0/0) for these "
            "parameter values"
        )
    return out


@dataclass(frozen=True)
class _Layout:
    """Where each output of a plan comes from, worked out once per plan (not per chunk)."""

    uses_obs: bool  # some output needs the observables
    at: np.ndarray  # outputs that are a state at one time: their output indices,
    rows: np.ndarray  # their states
    cols: np.ndarray  # and their columns in plan.times
    others: list[int]  # every other output, evaluated one by one
    block: tuple[list[int], int, int] | None  # (states, first col, end col) if ``at`` is one block


def _layout(plan: Plan) -> _Layout:
    cached = plan.__dict__.get("_layout")
    if cached is not None:
        return cached
    c = plan.compiled
    observables_ = set(c.observable_names)
    outputs = plan.outputs
    uses_obs = any(o.variable in observables_ or o.kind == "callable" for o in outputs)
    at = [j for j, o in enumerate(outputs) if o.kind == "at" and o.variable in c.state_index]
    rows = np.array([c.state_index[outputs[j].variable] for j in at], dtype=np.int64)
    cols = np.searchsorted(plan.times, [outputs[j].times[0] for j in at]).astype(np.int64)
    chosen = set(at)
    block = None
    # Whole trajectories (``NAME@[a:b:h]`` for some states) are one contiguous block of
    # outputs: state-major, each state over the same run of consecutive output times.
    if at and at[-1] - at[0] == len(at) - 1:
        states = list(dict.fromkeys(rows.tolist()))
        width = len(at) // len(states)
        c0 = int(cols[0])
        if (
            width * len(states) == len(at)
            and np.array_equal(rows, np.repeat(states, width))
            and np.array_equal(cols, np.tile(np.arange(c0, c0 + width), len(states)))
        ):
            block = (states, c0, c0 + width)
    lay = _Layout(
        uses_obs,
        np.asarray(at, dtype=np.int64),
        rows,
        cols,
        [j for j in range(len(outputs)) if j not in chosen],
        block,
    )
    plan.__dict__["_layout"] = lay
    return lay


def _gather_states(numbers: np.ndarray, d: int, gi: np.ndarray, B: int, y: np.ndarray, lay: _Layout) -> None:
    """Copy the state-at-time outputs of the integrated members ``gi`` into ``numbers``."""
    first, last = int(lay.at[0]), int(lay.at[-1])
    if lay.block is not None and len(gi) == B:
        states, c0, c1 = lay.block
        dest = numbers[:, d + first : d + last + 1].reshape(B, len(states), c1 - c0)
        if np.shares_memory(dest, numbers):  # a view: write the trajectories straight in
            source = y[states] if len(states) < y.shape[0] else y
            dest[...] = source[:, :, c0:c1].transpose(1, 0, 2)
            return
    # One gather for all of them, read member by member.
    block = np.moveaxis(y, 0, 2)[:, lay.cols, lay.rows]  # (members, outputs)
    if last - first == len(lay.at) - 1 and len(gi) == B:
        numbers[:, d + first : d + last + 1] = block
    else:
        numbers[np.ix_(gi, d + lay.at)] = block


def _integrate(
    plan: Plan, P: np.ndarray, seg_P: np.ndarray, y0: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """States (n, B, K) at the plan's times, success flags and failure messages.

    ``y0`` (n, B): the members' own initial states (default: ``compiled.initial`` of ``P``).
    """
    c = plan.compiled
    if y0 is None:
        y0 = initial_states(c, P)  # IEEE arithmetic: a zero denominator gives inf, not an exception
    else:
        y0 = np.array(y0, dtype=float)  # a copy: the solvers must not write into the caller's states
    if plan.method == "scipy":
        y, ok, msgs = _solve_scipy(plan, y0, seg_P)
    else:
        segs = [(a, b, seg_P[k]) for k, (a, b, _) in enumerate(plan.segments)]
        if plan.method == "numba":
            from .solvers.batch_numba import solve_batch_numba

            res = solve_batch_numba(
                c,
                segs,
                y0,
                plan.times,
                source=plan.numba_source,
                key=plan.numba_key,
                rtol=plan.rtol,
                atol=plan.atol,
            )
        else:
            res = solve_batch(c, segs, y0, plan.times, rtol=plan.rtol, atol=plan.atol)
        y, ok, msgs = res.y, res.ok, res.message
    # Every method reports a start that cannot be computed in the same words.
    for b in np.nonzero(~np.isfinite(y0).all(axis=0))[0].tolist():
        bad = [n for n, v in zip(c.state_names, y0[:, b].tolist()) if not math.isfinite(v)]
        ok[b] = False
        msgs[b] = f"the initial value of {bad} is not finite for these parameter values"
        y[:, b, :] = np.nan
    return y, ok, msgs


def member_vectors(plan: Plan, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
    """Runtime vectors of every member: base (m, B), per segment (S, m, B), and invalid members.

    A swept value replaces the scenario's constant override (as ``simulate``'s ``params``
    do); a scaled window multiplies the member's own value.

    Parameters
    ----------
    plan
        The sweep's plan.
    values
        The swept values, one row per member (in the parameters' units).

    Returns
    -------
    tuple
        ``(base, per_segment, invalid)``: runtime vectors (m, B) and (S, m, B), and member index ->
        reason for members whose values are not acceptable.
    """
    B = values.shape[0]
    P = np.repeat(plan.base[:, None], B, axis=1)
    P[plan.column_index] = values.T
    seg_P = np.empty((len(plan.segments),) + P.shape)
    for k, (_, _, windows) in enumerate(plan.segments):
        Q = P.copy()
        for w in windows:
            i = plan.compiled.index[w.target]
            Q[i] = P[i] * w.value if w.scale else w.value
        seg_P[k] = Q
    return P, seg_P, _invalid_members(plan, [P, *seg_P])


def _invalid_members(plan: Plan, vectors: Sequence[np.ndarray]) -> dict[int, str]:
    """Members whose runtime vectors (each (m, B)) hold a value that is not allowed: ``{member: reason}``."""
    names = plan.compiled.runtime_names
    invalid: dict[int, str] = {}
    for Q in vectors:
        bad = ~np.isfinite(Q) | (Q < plan.lower[:, None])
        for b in np.nonzero(bad.any(axis=0))[0]:
            if int(b) in invalid:
                continue
            i = int(np.nonzero(bad[:, b])[0][0])
            invalid[int(b)] = (
                f"parameter '{names[i]}' = {Q[i, b]:g} is not allowed (must be finite and >= {plan.lower[i]:g})"
            )
    return invalid


def segment_of_times(plan: Plan) -> np.ndarray:
    """Index of the segment each output time belongs to (a switch time starts a segment).

    Parameters
    ----------
    plan
        The sweep's plan.

    Returns
    -------
    numpy.ndarray
        One segment index per output time.
    """
    starts = np.array([a for a, _, _ in plan.segments])
    return np.clip(np.searchsorted(starts, plan.times, side="right") - 1, 0, len(starts) - 1)


def observables(
    plan: Plan, y: np.ndarray, seg_P: np.ndarray, columns: Sequence[int] | None = None
) -> np.ndarray:
    """Observables (n_obs, B, K) with each time's own runtime vector; baselines applied.

    ``columns`` restricts them to those output times (then shape (n_obs, B, len(columns))).

    Parameters
    ----------
    plan
        The sweep's plan.
    y
        States at the output times, shape (n_states, B, K).
    seg_P
        Runtime vectors per segment, shape (S, m, B).
    columns
        Output-time indices to compute (default: all).

    Returns
    -------
    numpy.ndarray
        Observables in their units, shape (n_obs, B, K) or (n_obs, B, len(columns)).
    """
    c = plan.compiled
    n_obs = len(c.observable_names)
    K = plan.times.size
    cols = np.arange(K) if columns is None else np.asarray(columns, dtype=int)
    if n_obs == 0:
        return np.full((0, y.shape[1], cols.size), np.nan)
    start = int(np.searchsorted(plan.times, plan.t_start))
    need = np.union1d(cols, [start]) if "start" in c.observable_baselines else cols
    out = np.full((n_obs, y.shape[1], need.size), np.nan)
    seg = segment_of_times(plan)[need]
    with np.errstate(all="ignore"):
        for k in np.unique(seg):
            at = np.nonzero(seg == k)[0]
            out[:, :, at] = c.observables(plan.times[need[at]], y[:, :, need[at]], seg_P[k][:, :, None])
        s = int(np.searchsorted(need, start))
        for i, base in enumerate(c.observable_baselines):
            if base == "start":
                out[i] = 100.0 * (out[i] / out[i][:, s : s + 1] - 1.0)
    return out if need.size == cols.size else out[:, :, np.searchsorted(need, cols)]


def _solve_scipy(plan: Plan, y0: np.ndarray, seg_P: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The reference path: one odeint (LSODA) run per member through the single-run solver."""
    from .solvers.scipy_path import integrate_segment, negative_state

    c = plan.compiled
    B = seg_P.shape[2]
    y = np.full((c.n_states, B, plan.times.size), np.nan)
    ok = np.ones(B, dtype=bool)
    msgs = [""] * B
    seg_of = segment_of_times(plan)
    for b in range(B):
        state = y0[:, b]
        if not np.isfinite(state).all():
            ok[b] = False
            continue
        for k, (a, e, _) in enumerate(plan.segments):
            cols = np.nonzero(seg_of == k)[0]
            inside = plan.times[cols]
            times = np.union1d(np.union1d(inside, [a]), [e])
            seg = integrate_segment(
                c, seg_P[k][:, b], state, times, method="odeint", rtol=plan.rtol, atol=plan.atol
            )
            if not seg.ok:
                ok[b], msgs[b] = False, seg.message
                break
            # the same negativity rule as simulate: clipping a real excursion would hide a failure
            negative = negative_state(c, seg.y, plan.rtol, plan.atol)
            if negative is not None:
                i, col = negative
                ok[b] = False
                msgs[b] = (
                    f"state '{c.state_names[i]}' became negative ({seg.y[i, col]:.3g}) at t = {times[col]:g} "
                    "days; the model or its parameter values do not keep it non-negative "
                    "(check the values, or tighten rtol/atol)"
                )
                break
            pos = np.searchsorted(times, inside)
            y[:, b, cols] = np.where(c.nonnegative[:, None], np.maximum(seg.y[:, pos], 0.0), seg.y[:, pos])
            state = seg.y[:, -1]
    return y, ok, msgs


# --------------------------------------------------------------------------- helpers


def _choose_method(method: str, plan: Plan, total: int, workers: int) -> _Choice:
    """The batched solver of a sweep: forced by ``method``, or chosen by expected cost."""
    from .compile_numba import numba_available, numba_cached

    if method == "numba" and not numba_available():
        raise ImportError("method='numba' needs numba; install it with `pip install bonemodel[fast]`")
    if method != "batch":
        compiles = method == "numba" and not numba_cached(plan.compiled)
        return _Choice(method, f"method={method!r} given", compiles)
    if not numba_available():
        return _Choice("numpy", "numba is not installed (pip install bonemodel[fast])", False)
    from .solvers.cost import choose_path

    path = choose_path(
        members=total,
        n_states=plan.compiled.n_states,
        span_days=plan.t_end - plan.t_start,
        source_chars=len(plan.compiled.source),
        workers=workers,
        cached=numba_cached(plan.compiled),
        switches=len(plan.segments) - 1,
    )
    return _Choice(path.method, path.reason, path.compiles, path.numpy_s, path.numba_s)


@dataclass
class _Choice:
    """The solver a sweep runs, why, and what compiling cost (recorded in ``attrs``)."""

    method: str
    reason: str
    compiles: bool
    estimated_numpy_s: float | None = None
    estimated_numba_s: float | None = None
    compile_s: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "reason": self.reason,
            "compiled_numba_here": self.compiles,
            "numba_load_or_compile_s": round(self.compile_s, 3),
            "estimated_numpy_s": self.estimated_numpy_s,
            "estimated_numba_s": self.estimated_numba_s,
        }


def _compiling_notice(name: str, total: int) -> Any:
    """A progress bar saying the model is being compiled (first use on this machine)."""
    from .executors import Progress

    return Progress(total, 0, True, f"sweep {name}: compiling the model (first use on this machine)...")


def _default_workers() -> int:
    from .executors import default_workers

    return default_workers()


def _count_workers(client: Any) -> int:
    try:
        return max(1, sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()))
    except Exception:  # noqa: BLE001 - any client without scheduler info: assume one worker
        return 1


def _metadata(model, plan: Plan, table: pd.DataFrame, design, seed, n, chunk_size) -> dict[str, Any]:
    """Settings of the sweep, with a fingerprint of everything that determines its rows.

    Kept small on purpose: pandas deep-copies ``attrs`` on most operations, so long lists
    (output times, the full runtime vector) go into the fingerprint only.
    """
    h = hashlib.sha256()
    h.update(pd.util.hash_pandas_object(table, index=True).to_numpy().tobytes())
    settings = {
        "model": model.name,
        "model_key": plan.compiled.key,
        "scenario": plan.scenario.name,
        "windows": [vars(w) for w in plan.scenario.windows],
        "t_end": plan.t_end,
        "rtol": plan.rtol,
        "atol": plan.atol,
        "method": plan.method,
        "chunk_size": chunk_size,
    }
    bulky = {
        "base": plan.base.tolist(),
        "columns": plan.columns,
        "outputs": [o.name for o in plan.outputs],
        "times": plan.times.tolist(),
    }
    h.update(json.dumps({**settings, **bulky}, sort_keys=True, default=str).encode())
    return {
        **settings,
        "fingerprint": h.hexdigest()[:32],
        "n_members": len(table),
        "n_outputs": len(plan.outputs),
        "parameters": list(plan.columns),
        "design": design,
        "seed": seed,
        "n": n,
        "solver": _SOLVERS[plan.method],
        "t_start": plan.t_start,
        "bonemodel_version": __version__,
        "citations": list(model.citations),
    }


_SOLVERS = {
    "numpy": BATCH_METHOD,
    "numba": "rodas4 (numba, per-member error control)",
    "scipy": "odeint (LSODA), one member at a time",
}


def _empty(plan: Plan, table: pd.DataFrame) -> pd.DataFrame:
    cols = plan.columns + [o.name for o in plan.outputs] + ["status"]
    return pd.DataFrame(columns=cols, index=pd.Index([], name="member"))


__all__ = ["sweep", "build_plan", "run_chunk", "Plan"]
