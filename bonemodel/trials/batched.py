"""A virtual trial on the batched sweep engine: chunks of people, every arm, histories batched.

A chunk holds consecutive people and every arm; its members are numbered person-major
(``member = person * n_arms + arm``) so that each person's history is integrated once for all
arms. A chunk runs in three steps:

1. **Start states** (:mod:`bonemodel.trials.history_batch`): every history integrated in
   batches, then matched to the person's T-scores by :func:`~bonemodel.trials.patient.start`.
2. **Runs**: for each arm, each person's run scenario (what their history leaves running,
   :func:`~bonemodel.trials.patient.ongoing`, plus the arm's scenario) is read by
   :func:`~bonemodel.runtime.prepare` as ``simulate`` reads it. People whose runs switch at the
   same times (everyone past menopause, in the same arm) share one call of the sweep's
   :func:`~bonemodel.sweep.run_chunk`, each with their own start state and runtime vectors.
3. **Endpoints**: the fracture relative risks and the endpoints' observables on the monthly
   grid of ``simulate(patient=...)``; absolute risk (:func:`~bonemodel.trials.risk.absolute_risk`)
   and every endpoint read from that grid as :meth:`~bonemodel.solution.Solution.at` reads it.

A member that fails keeps its row, with NaN values and ``status`` saying why.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..model import Model
from ..runtime import prepare, resolve_scenario
from ..scenario import Scenario
from ..sweep import Plan, build_plan
from ..sweep import run_chunk as run_members
from .history_batch import Integrator, history_end_states, start_states
from .patient import YEAR, Patient, ongoing
from .risk import RISK_COLUMNS, reference_risk
from .risk_batch import absolute_risk_batch

SITES = ("hip", "major")
SCENARIO_BLOCK = 32
"""People whose scenarios are built together (fewer than the CRP solutions kept in memory)."""
RR = ("fracture_rr_hip", "fracture_rr_vertebral")
"""The model's relative risks that absolute risk is computed from."""


@dataclass
class TrialPlan:
    """Everything a chunk of a trial needs; picklable, built once per trial.

    Parameters
    ----------
    model
        The flagship model (compiled).
    arms
        ``(name, resolved scenario)`` per arm, in order.
    t_end
        Follow-up [day].
    params
        Parameter values [their units] for everyone.
    endpoints
        The endpoints as given.
    reads
        ``(name, day)`` of each endpoint.
    grid
        The run's output times [day]: monthly and ``t_end``, as ``simulate(patient=...)``.
    names
        Observables and states whose trajectories on ``grid`` a run keeps.
    runs
        A sweep plan per arm (segments replaced per group of people).
    integrator
        The solver of the histories.
    covariates
        Population columns copied into every row.
    """

    model: Model
    arms: list[tuple[str, Scenario]]
    t_end: float
    params: dict[str, float]
    endpoints: list[str]
    reads: list[tuple[str, float]]
    grid: np.ndarray
    names: list[str]
    runs: list[Plan]
    integrator: Integrator
    covariates: list[str]


def run_grid(t_end: float) -> np.ndarray:
    """Output times [day] of a patient's run: monthly from 0, and ``t_end`` (as ``simulate``).

    Parameters
    ----------
    t_end
        Follow-up [day].

    Returns
    -------
    numpy.ndarray
        Increasing times [day].
    """
    return np.append(np.arange(0.0, t_end, YEAR / 12.0), t_end)


def make_plan(
    model: Model,
    arms: Mapping[str, Scenario | None],
    t_end: float,
    endpoints: Sequence[str],
    reads: Sequence[tuple[str, float]],
    params: Mapping[str, float],
    covariates: Sequence[str],
    *,
    rtol: float,
    atol: float,
    method: str,
) -> TrialPlan:
    """Build the plan of a batched trial (compiles, or loads, the numba solver once).

    Parameters
    ----------
    model
        The flagship model.
    arms
        Arm name -> scenario (None: nothing added).
    t_end
        Follow-up [day].
    endpoints, reads
        The endpoints as given and their ``(name, day)``.
    params
        Parameter values [their units] for everyone.
    covariates
        Population columns copied into every row.
    rtol, atol
        Tolerances of the batched solver.
    method
        ``"numba"`` or ``"numpy"``.

    Returns
    -------
    TrialPlan
        The plan.
    """
    from ..compile import compile_model
    from .risk import RISK_COLUMNS as risk_names

    compiled = compile_model(model)
    grid = run_grid(t_end)
    names = list(RR) + [n for n, _ in reads if n not in RR and n not in risk_names]
    names = list(dict.fromkeys(names))
    outputs = [f"{name}@{t!r}" for name in names for t in grid.tolist()]
    source = key = ""
    if method == "numba":
        from ..compile_numba import load_from_source, numba_key, numba_source

        source, key = numba_source(model, compiled), numba_key(compiled)
        load_from_source(source, key, compiled.name)
    runs = []
    resolved = []
    for name, scenario in arms.items():
        sc = resolve_scenario(model, scenario)
        resolved.append((name, sc))
        plan = build_plan(
            model, pd.DataFrame(index=pd.RangeIndex(0)), scenario=sc, t_end=t_end, outputs=outputs,
            rtol=rtol, atol=atol,
        )  # fmt: skip
        plan.method, plan.numba_source, plan.numba_key = method, source, key
        runs.append(plan)
    integrator = Integrator(compiled, method, float(rtol), float(atol), source, key)
    return TrialPlan(
        model=model,
        arms=resolved,
        t_end=float(t_end),
        params=dict(params),
        endpoints=list(endpoints),
        reads=list(reads),
        grid=grid,
        names=names,
        runs=runs,
        integrator=integrator,
        covariates=list(covariates),
    )


def run_chunk(
    plan: TrialPlan, payload: tuple[int, Sequence[Patient], Mapping[str, Sequence]]
) -> pd.DataFrame:
    """Run consecutive people in every arm: one row per person and arm.

    Parameters
    ----------
    plan
        The trial's plan.
    payload
        ``(index of the first person, the people, their covariate columns)``.

    Returns
    -------
    pandas.DataFrame
        Index ``member`` (= person x number of arms + arm); columns ``arm``, ``person``, the
        covariates, one per endpoint, ``fracture_prob_<site>`` at ``t_end`` and ``status``.
    """
    first, patients, covariates = payload
    patients = list(patients)
    model, compiled = plan.model, plan.integrator.compiled
    A, N = len(plan.arms), len(patients)
    columns = [*plan.endpoints, *(f"fracture_prob_{s}" for s in SITES)]
    values = np.full((N, A, len(columns)), np.nan)
    status = np.full((N, A), "success", dtype=object)
    groups: list[dict[tuple, list[tuple[int, Any]]]] = [{} for _ in range(A)]
    spent = dict.fromkeys(("histories", "start states", "run set-up", "runs and risk"), 0.0)
    # People in small blocks: building a person's scenarios solves for their CRP once, and the
    # solved values are cached for a few dozen CRPs only; a block keeps them while it is used.
    for s0 in range(0, N, SCENARIO_BLOCK):
        block = patients[s0 : s0 + SCENARIO_BLOCK]
        clock = time.perf_counter()
        ends, why = history_end_states(model, plan.integrator, block, plan.params)
        spent["histories"] += time.perf_counter() - clock
        clock = time.perf_counter()
        starts = start_states(model, block, ends, why, plan.params)
        spent["start states"] += time.perf_counter() - clock
        clock = time.perf_counter()
        for k, s in enumerate(starts):
            i = s0 + k
            if isinstance(s, str):
                status[i, :] = f"failed: {s}"
                continue
            y_start, person = s
            y0 = np.array([y_start[n] for n in compiled.state_names])
            for a, (_, arm) in enumerate(plan.arms):
                try:
                    setup = prepare(
                        model, compiled, params={**plan.params, **person},
                        scenario=ongoing(patients[i]) + arm, t_start=0.0, t_end=plan.t_end,
                    )  # fmt: skip
                except Exception as exc:  # noqa: BLE001 - the person's row says why, the others run
                    status[i, a] = f"failed: {exc}"
                    continue
                key = tuple((float(x), float(y)) for x, y, _ in setup.segments)
                groups[a].setdefault(key, []).append((i, (y0, np.stack([p for _, _, p in setup.segments]))))
        spent["run set-up"] += time.perf_counter() - clock
    clock = time.perf_counter()
    for a in range(A):
        for key, members in groups[a].items():
            _run_group(plan, a, key, members, patients, values, status)
    spent["runs and risk"] += time.perf_counter() - clock
    rows = np.arange(N)[:, None] * A + np.arange(A)[None, :]
    index = pd.Index((first * A + rows).ravel(), name="member")
    frame = pd.DataFrame(values.reshape(N * A, len(columns)), index=index, columns=columns)
    frame.insert(0, "arm", np.tile([name for name, _ in plan.arms], N))
    frame.insert(1, "person", np.repeat(np.arange(first, first + N), A))
    for j, c in enumerate(plan.covariates):
        frame.insert(2 + j, c, np.repeat(np.asarray(covariates[c]), A))
    frame["status"] = status.ravel().astype(str)
    frame.attrs["seconds"] = spent  # where the time went (read by run_batched, not stored in chunks)
    return frame


def _run_group(
    plan: TrialPlan,
    a: int,
    key: tuple,
    members: list[tuple[int, Any]],
    patients: list[Patient],
    values: np.ndarray,
    status: np.ndarray,
) -> None:
    """People of arm ``a`` whose runs switch at the same times, through one sweep chunk."""
    base = plan.runs[a]
    run = dataclasses.replace(base, segments=[(x, y, []) for x, y in key])
    who = [i for i, _ in members]
    y0 = np.stack([m[1][0] for m in members], axis=1)
    seg_P = np.stack([m[1][1] for m in members], axis=2)  # (S, m, B)
    frame = run_members(run, (0, np.empty((len(who), 0)), y0, seg_P))
    K = plan.grid.size
    series = {n: frame.iloc[:, k * K : (k + 1) * K].to_numpy() for k, n in enumerate(plan.names)}
    ok = (frame["status"] == "success").to_numpy()
    for b, i in enumerate(who):
        if not ok[b]:
            status[i, a] = frame["status"].iloc[b]
    # read as Solution.at reads a run: linear between the grid's points
    for sex in sorted({patients[i].sex for i in who}):
        rows = np.array([b for b, i in enumerate(who) if ok[b] and patients[i].sex == sex], dtype=int)
        if rows.size == 0:
            continue
        reference = reference_risk(plan.model, sex, _simulate, plan.params)
        ages = np.array([patients[who[b]].age for b in rows])
        risk = absolute_risk_batch(plan.grid, series[RR[0]][rows], series[RR[1]][rows], ages, sex, reference)
        people = np.array([who[b] for b in rows])
        for j, (name, day) in enumerate(plan.reads):
            trajectory = risk[name] if name in RISK_COLUMNS else series[name][rows]
            values[people, a, j] = _interp_rows(day, plan.grid, trajectory)
        for j, site in enumerate(SITES):
            values[people, a, len(plan.reads) + j] = risk[f"fracture_prob_{site}"][:, -1]


def _interp_rows(x: float, grid: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``np.interp(x, grid, row)`` for every row of ``values`` (one weight for all rows)."""
    k = int(np.clip(np.searchsorted(grid, x, side="right") - 1, 0, grid.size - 1))
    if k == grid.size - 1 or grid[k] == x:
        return values[:, k].copy()
    w = (x - grid[k]) / (grid[k + 1] - grid[k])
    return values[:, k] + w * (values[:, k + 1] - values[:, k])


def _simulate(*args: Any, **kwargs: Any) -> Any:
    from ..simulate import simulate

    return simulate(*args, **kwargs)


MAX_CHUNK_MEMBERS = 1024
"""Members (people x arms) per chunk of a large trial: big enough to amortise a chunk's set-up,
small enough that its output buffers stay within tens of MB."""

PROCESS_MIN_MEMBERS = 1000
"""With ``workers=None``, trials with fewer members run in this process (spawning workers that import
the scientific stack costs seconds)."""


def chunk_people(n_people: int, n_arms: int, workers: int) -> int:
    """People per chunk: up to :data:`MAX_CHUNK_MEMBERS` members, four chunks per worker when few.

    Parameters
    ----------
    n_people
        People in the trial.
    n_arms
        Arms.
    workers
        Workers that share the chunks.

    Returns
    -------
    int
        People per chunk, >= 1.
    """
    most = max(1, MAX_CHUNK_MEMBERS // max(1, n_arms))
    share = -(-n_people // (4 * max(1, workers))) if workers > 1 else n_people
    return max(1, min(most, share, n_people))


def run_batched(
    plan: TrialPlan,
    patients: Sequence[Patient],
    covariates: pd.DataFrame,
    settings: dict[str, Any],
    *,
    workers: int | None,
    client: Any,
    out: str | None,
    resume: bool,
    progress: bool,
    chunk_size: int | None,
) -> tuple[pd.DataFrame | None, dict[str, Any]]:
    """Run every chunk of a trial not yet in ``out``, on the chosen executor.

    Parameters
    ----------
    plan
        The trial's plan.
    patients
        The people, in order.
    covariates
        Their covariate columns (one row per person).
    settings
        JSON-serialisable settings, fingerprinted with the people into the folder's metadata.
    workers, client, out, resume, progress, chunk_size
        As :func:`~bonemodel.trials.trial` takes them (``chunk_size``: people per chunk).

    Returns
    -------
    tuple
        The rows (arm by arm, person by person), or None when they were streamed to ``out``;
        and how the trial ran (chunks computed, chunk size, executor).
    """
    from ..executors import Progress, default_workers, run_dask, run_processes, run_serial
    from .streaming import arm_major, trial_meta

    A, N = len(plan.arms), len(patients)
    n_workers = workers or (_count_workers(client) if client is not None else default_workers())
    people = None
    if out is not None and resume:
        from ..checkpoint import stored_chunk_size

        stored = stored_chunk_size(out)
        people = None if stored is None else max(1, stored // A)
    local = client is None and (n_workers <= 1 or (workers is None and N * A < PROCESS_MIN_MEMBERS))
    people = people or chunk_size or chunk_people(N, A, 1 if local else n_workers)
    cp, done = None, set()
    if out is not None:
        from ..checkpoint import Checkpoint

        cp = Checkpoint(out)
        design = covariates.reset_index(drop=True)
        design.insert(0, "person", np.arange(N))
        for c in design.columns:
            if design[c].dtype == object:
                design[c] = design[c].astype(str)
        done = cp.open(trial_meta(settings, patients, N * A, people * A), design, resume=resume)
    elif resume:
        from ..errors import SimulationError

        raise SimulationError("resume=True needs out= (the folder of the trial to resume)")
    columns = {c: covariates[c].to_numpy() for c in plan.covariates}
    chunks = [
        (i, (s, list(patients[s : s + people]), {c: v[s : s + people] for c, v in columns.items()}))
        for i, s in enumerate(range(0, N, people))
        if i not in done
    ]
    todo = sum(len(p[1]) for _, p in chunks) * A
    bar = Progress(N * A, N * A - todo, progress and bool(chunks), f"trial {plan.model.name}")
    if client is not None:
        stream, executor = run_dask(run_chunk, plan, chunks, client), "dask"
    elif local or len(chunks) <= 1 or (workers is None and todo < PROCESS_MIN_MEMBERS):
        stream, executor = run_serial(run_chunk, plan, chunks), "serial"
    else:
        stream, executor = run_processes(run_chunk, plan, chunks, n_workers), f"{n_workers} processes"
    frames: dict[int, pd.DataFrame] = {}
    spent: dict[str, float] = {}
    try:
        for index, frame in stream:
            for what, seconds in frame.attrs.pop("seconds", {}).items():
                spent[what] = spent.get(what, 0.0) + seconds
            if cp is not None:
                cp.write(index, frame)
            else:
                frames[index] = frame
            bar.update(len(frame))
    finally:
        bar.close()
        if cp is not None:
            cp.close()
    info = {
        "chunks_run": len(chunks),
        "people_per_chunk": people,
        "executor": executor,
        "chunk_seconds": spent,  # summed over chunks (and workers): where the work went
    }
    if cp is not None:
        info["out"] = str(out)
        return None, info
    rows = pd.concat([frames[i] for i in sorted(frames)]) if frames else None
    return (arm_major(rows, [a for a, _ in plan.arms]) if rows is not None else None), info


def _count_workers(client: Any) -> int:
    from ..sweep import _count_workers as count

    return count(client)
