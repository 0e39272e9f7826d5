"""Virtual trials: every person of a population in every arm; per-arm distributions and risks.

``trial(model, population, arms, t_end, endpoints)`` runs each person from their own start state
(:mod:`bonemodel.trials.patient`) in each arm, reads the endpoints (the sweep's ``name@day``
syntax, e.g. ``"bmd_hip_pct@365.25"``; a bare name is read at ``t_end``) and keeps one row per
person and arm. :meth:`TrialResult.summary` gives, per arm and endpoint, the mean, SD and 95 %
confidence interval of the mean, and for each fracture site the expected incidence per 1,000
person-years (expected first fractures / person-years) with its hazard ratio against the first arm.

Two engines give the same rows within the solvers' tolerances (tested: BMD endpoints within 0.01
percentage points, fracture probabilities within 0.1 %): ``method="batch"`` runs every person in
every arm on the batched sweep engine (:mod:`bonemodel.trials.batched`: histories integrated in
batches, runs in chunks of people sharing their switch times, local processes or a Dask cluster,
Parquet chunks streamed to ``out`` and resumable); ``method="simulate"`` runs them one after
another through :func:`~bonemodel.simulate` (about 0.05 s per person and arm), the reference path.
The default, ``"auto"``, takes whichever engine :func:`choose_engine` expects to finish first.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from .. import _checks
from ..errors import ScenarioError
from ..model import Model
from ..scenario import Scenario
from .patient import YEAR, Patient
from .risk import RISK_COLUMNS

SITES = ("hip", "major")


class TrialResult:
    """A virtual trial's per-person results and how they were made.

    Parameters
    ----------
    frame
        One row per person and arm: ``arm``, ``person``, the covariates, one column per endpoint
        (in its observable's unit), ``fracture_prob_<site>`` at ``t_end`` (0 to 1) and, from the
        batched engine, ``status``. None when the rows were streamed to ``out``: they are read from
        there when first asked for.
    arms
        Arm names, in the order given (the first is the reference of hazard ratios).
    endpoints
        The endpoints as given.
    t_end
        Follow-up [day].
    meta
        How the trial was run (model, seconds, runs, engine).
    out
        The results folder the rows were streamed to, if any.
    """

    def __init__(
        self,
        frame: pd.DataFrame | None,
        arms: list[str],
        endpoints: list[str],
        t_end: float,
        meta: dict[str, Any] | None = None,
        *,
        out: str | None = None,
    ):
        self._frame = frame
        self.arms = list(arms)
        self.endpoints = list(endpoints)
        self.t_end = float(t_end)
        self.meta = dict(meta or {})
        self.out = out

    @property
    def frame(self) -> pd.DataFrame:
        """One row per person and arm (read from ``out`` on first use when the rows were streamed)."""
        if self._frame is None and self.out is not None:
            from .streaming import load_rows

            self._frame = load_rows(self.out, self.arms)
        return self._frame

    def __repr__(self) -> str:
        where = f"out={self.out!r}" if self._frame is None else f"{len(self._frame)} rows"
        return f"TrialResult(arms={self.arms}, endpoints={self.endpoints}, t_end={self.t_end:g}, {where})"

    def measured(self, seed: int = 0) -> TrialResult:
        """The same trial with its BMD % endpoints as a trial measures them (a new result).

        Parameters
        ----------
        seed
            Seed of the measurement draws (see :func:`~bonemodel.trials.variability.measure_frame`).

        Returns
        -------
        TrialResult
            Rows in memory; ``meta["measured"]`` records the seed.
        """
        from .variability import measure_frame

        frame = measure_frame(self.frame, self.endpoints, seed)
        return TrialResult(
            frame, self.arms, self.endpoints, self.t_end, {**self.meta, "measured": {"seed": seed}}
        )

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
            Index ``arm``; columns ``n`` (people with a result), ``failed`` (rows whose run failed,
            left out), ``<endpoint> mean``, ``sd``, ``ci_low``, ``ci_high`` (the
            normal 95 % interval of the mean), ``<endpoint> responders`` where asked, and per
            site ``<site> fractures per 1000 PY`` with its Poisson 95 % interval on the expected
            count and ``<site> HR`` against the first arm.
        """
        from .streaming import chunks_of
        from .summary import summarize

        if self._frame is None and self.out is not None:
            # a chunk at a time: the memory of one chunk, whatever the number of people
            wanted = ["arm", *self.endpoints, *(f"fracture_prob_{s}" for s in SITES), "status"]
            frames = chunks_of(self.out, columns=wanted)
        else:
            frames = [self.frame]
        return summarize(frames, self.arms, self.endpoints, self.t_end, responder=responder)


METHODS = ("auto", "batch", "numba", "numpy", "simulate")

SMALL_TRIAL_RUNS = 64
"""With ``method="auto"``, trials of fewer runs (people x arms) and no ``workers``, ``client``,
``out`` or ``resume`` run through ``simulate``: there the batched engine's set-up (plan, solver
load) costs as much as the runs themselves."""

SIMULATE_S_PER_RUN_YEAR = 0.0097
"""Expected seconds per run and year of follow-up on the ``simulate`` path (flagship, history
included). Measured: FREEDOM-like trial, 80 women aged 62-82 x 2 arms x 3 years, 4.6 s."""

NUMBA_S_PER_RUN_YEAR = 0.0031
"""The same on the batched engine with numba's machine code loaded: 1.5 s for that trial. The
batched engine on numpy took 11.6 s (2.5x ``simulate``), so without numba an in-process trial
runs through ``simulate``."""


def choose_engine(model: Model, runs: int, years: float, alone: bool) -> tuple[str, str]:
    """The engine of ``method="auto"``: ``"simulate"`` or ``"batch"``, and why.

    A trial with workers, a cluster or a results folder runs on the batched engine; an
    in-process one takes whichever is expected to finish first: ``simulate``, or the batched
    engine on numba (loading its machine code, or compiling it the first time on a machine).

    Parameters
    ----------
    model
        The model.
    runs
        People x arms.
    years
        Follow-up [yr].
    alone
        No ``workers``, ``client``, ``out``, ``chunk_size`` or ``resume`` was given.

    Returns
    -------
    tuple of str
        The engine and the reason (recorded in the result's ``meta["method_choice"]``).
    """
    if not alone:
        return "batch", "workers, a client, a results folder or chunks were asked for"
    if runs < SMALL_TRIAL_RUNS:
        return "simulate", f"fewer than {SMALL_TRIAL_RUNS} runs: set-up of the batched engine would dominate"
    from ..compile import compile_model
    from ..compile_numba import numba_available, numba_cached
    from ..solvers.cost import LOAD_CACHED_FIXED_S, LOAD_CACHED_S_PER_SOURCE_CHAR, compile_cost

    if not numba_available():
        return "simulate", "numba is not installed, and the batched engine on numpy is slower per run"
    compiled = compile_model(model)
    cached = numba_cached(compiled)
    chars = len(compiled.source)
    start = LOAD_CACHED_FIXED_S + LOAD_CACHED_S_PER_SOURCE_CHAR * chars if cached else compile_cost(chars)
    work = runs * max(years, 0.1)
    batch_s, simulate_s = start + work * NUMBA_S_PER_RUN_YEAR, work * SIMULATE_S_PER_RUN_YEAR
    verb = "loading" if cached else "compiling"
    if batch_s < simulate_s:
        return "batch", f"batched numba engine ({verb} included): ~{batch_s:.0f} s vs ~{simulate_s:.0f} s"
    return (
        "simulate",
        f"simulate finishes before {verb} numba would pay off: ~{simulate_s:.0f} s vs ~{batch_s:.0f} s",
    )


def trial(
    model: Model | str,
    population: pd.DataFrame,
    arms: Mapping[str, Scenario | None],
    t_end: float,
    endpoints: Sequence[str] = (),
    *,
    params: Mapping[str, float] | None = None,
    progress: bool = False,
    workers: int | None = None,
    client: Any = None,
    out: str | None = None,
    resume: bool = False,
    method: str = "auto",
    chunk_size: int | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-10,
    measured: bool = False,
    seed: int = 0,
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
        Show progress (a bar with rate and ETA on the batched engine; a line per arm otherwise).
    workers
        Local worker processes of the batched engine (default: every core for trials of 1,000
        members or more, else this process).
    client
        A ``dask.distributed.Client``: the chunks run on its cluster.
    out
        Results folder: every finished chunk of people is written there (Parquet, with the trial's
        id and a checksum; see :mod:`bonemodel.trials.streaming`) and the result reads its rows from
        there, so a trial of millions needs the memory of a few chunks.
    resume
        Continue the trial stored in ``out``, computing only its missing chunks.
    method
        ``"auto"`` (default: the batched engine for trials with workers, a client or a folder;
        otherwise whichever :func:`choose_engine` expects to finish first), ``"batch"`` (the batched engine on numba when installed,
        else numpy), ``"numba"`` or
        ``"numpy"`` (forced), or ``"simulate"`` (one ``simulate`` run per person and arm: the
        reference path; no ``workers``, ``client``, ``out`` or ``resume``).
    chunk_size
        People per chunk of the batched engine (default: up to 1,024 members, four chunks per
        worker for small trials).
    rtol, atol
        Tolerances of the batched solver, met by each member on its own.
    measured
        Report the BMD % endpoints (``bmd_spine_pct``, ``bmd_hip_pct``) as a trial measures them:
        DXA precision error of each scan and the within-person change the model does not explain
        (:func:`~bonemodel.trials.variability.measure_frame`; the rows are then held in memory).
    seed
        Seed of those measurement draws.

    Returns
    -------
    TrialResult
        The per-person frame and :meth:`TrialResult.summary`.

    Raises
    ------
    ScenarioError
        Before anything runs: no arms, an arm whose scenario is not a Scenario or cannot be applied to
        the model, a population without patients, an endpoint the model does not have or a time
        outside the follow-up, an unknown method or an option the method does not take.
    """
    import time

    from ..models import load_model
    from ..runtime import as_model, check_params

    model = load_model(model) if isinstance(model, str) else as_model(model)
    t_end = _checks.real(t_end, "trial t_end [day]", ScenarioError, low=0.0)
    if not t_end > 0:
        raise ScenarioError("trial t_end must be > 0 days")
    if not isinstance(method, str) or method not in METHODS:
        raise ScenarioError(f"unknown trial method {method!r}; choose one of {list(METHODS)}")
    if not isinstance(arms, Mapping) or not arms:
        raise ScenarioError("trial arms must be a non-empty mapping of arm name -> scenario (or None)")
    for name, sc in arms.items():
        if not isinstance(name, str) or not name:
            raise ScenarioError(f"trial arm names must be non-empty strings, got {name!r}")
        if sc is not None and not isinstance(sc, Scenario):
            raise ScenarioError(
                f"trial arm {name!r} is not a Scenario (got {type(sc).__name__}); build it with bm.scenarios"
            )
    if not isinstance(population, pd.DataFrame) or "patient" not in population:
        raise ScenarioError(
            "trial population must be a DataFrame with a 'patient' column (see bm.population)"
        )
    if len(population) == 0:
        raise ScenarioError("trial population has no people (see bm.population)")
    if not all(isinstance(p, Patient) for p in population["patient"]):
        raise ScenarioError("every entry of the population's 'patient' column must be a bonemodel.Patient")
    reads = [_parse_endpoint(model, e, t_end) for e in endpoints]
    taken = {"arm", "person", "status", *endpoints, *(f"fracture_prob_{s}" for s in SITES)}
    clash = sorted(taken & {str(c) for c in population.columns})
    if clash:
        raise ScenarioError(f"trial population columns {clash} are names of result columns; rename them")
    if len(set(endpoints)) != len(list(endpoints)):
        raise ScenarioError(f"trial endpoints repeat a name: {list(endpoints)}")
    params = check_params(model, params)
    measured = _checks.flag(measured, "measured", ScenarioError)
    seed = int(_checks.real(seed, "trial seed", ScenarioError))
    people = list(population["patient"])
    _check_arms(model, arms, people[:1], params, t_end)
    progress = _checks.flag(progress, "progress", ScenarioError)
    resume = _checks.flag(resume, "resume", ScenarioError)
    if workers is not None:
        workers = _checks.count(workers, "workers", ScenarioError, low=1)
    if chunk_size is not None:
        chunk_size = _checks.count(chunk_size, "chunk_size", ScenarioError, low=1)
    choice = ""
    if method == "auto":
        alone = workers is None and client is None and out is None and chunk_size is None and not resume
        method, choice = choose_engine(model, len(people) * len(arms), t_end / YEAR, alone)
    if method == "simulate":
        given = [
            k
            for k, v in (("workers", workers), ("client", client), ("out", out), ("chunk_size", chunk_size))
            if v is not None
        ]
        if given or resume:
            raise ScenarioError(
                f"trial method='simulate' runs people one by one in this process; it takes no "
                f"{', '.join(given or ['resume'])} (use method='batch')"
            )
        result = _trial_simulate(model, population, arms, t_end, list(endpoints), reads, params, progress)
        if choice:
            result.meta["method_choice"] = choice
        return result.measured(seed) if measured else result
    if resume and out is None:
        raise ScenarioError("resume=True needs out= (the folder of the trial to resume)")
    if out is not None and not isinstance(out, (str, os.PathLike)):
        raise ScenarioError(f"trial out must be a folder path, got {type(out).__name__}")
    started = time.perf_counter()
    from .batched import make_plan, run_batched

    solver = _batch_solver(method)
    covariates = [c for c in population.columns if c != "patient"]
    plan = make_plan(
        model, arms, t_end, list(endpoints), reads, params, covariates, rtol=rtol, atol=atol, method=solver
    )
    settings = {
        "model": model.name,
        "model_key": plan.integrator.compiled.key,
        "arms": [
            [a, sc.name, sorted(sc.overrides.items()), [vars(w) for w in sc.windows]] for a, sc in plan.arms
        ],
        "endpoints": list(endpoints),
        "t_end": t_end,
        "params": sorted(params.items()),
        "rtol": float(rtol),
        "atol": float(atol),
        "method": solver,
        "covariates": covariates,
    }
    frame, info = run_batched(
        plan, people, population[covariates], settings,
        workers=workers, client=client, out=out, resume=resume, progress=progress, chunk_size=chunk_size,
    )  # fmt: skip
    meta = {
        "model": model.name,
        "engine": f"batched rodas4 ({solver})",
        "method": method,
        "rtol": float(rtol),
        "atol": float(atol),
        "seconds": time.perf_counter() - started,
        "runs": len(people) * len(arms),
        **info,
    }
    if choice:
        meta["method_choice"] = choice
    result = TrialResult(
        frame, list(arms), list(endpoints), t_end, meta, out=None if out is None else str(out)
    )
    return result.measured(seed) if measured else result


def _batch_solver(method: str) -> str:
    from ..compile_numba import numba_available

    if method == "numba" and not numba_available():
        raise ImportError("method='numba' needs numba; install it with `pip install bonemodel[fast]`")
    if method in ("numba", "numpy"):
        return method
    return "numba" if numba_available() else "numpy"


def _check_arms(
    model: Model, arms: Mapping[str, Scenario | None], people: list[Patient], params: dict, t_end: float
) -> None:
    """Every arm's scenario applies to the model, alone and on top of the first person's history."""
    from ..compile import compile_model
    from ..errors import BonemodelError
    from ..runtime import prepare, resolve_scenario
    from .patient import ongoing

    compiled = compile_model(model)
    for name, sc in arms.items():
        try:
            resolved = resolve_scenario(model, sc)
            prepare(model, compiled, params=params, scenario=resolved, t_start=0.0, t_end=t_end)
            for person in people:
                prepare(
                    model,
                    compiled,
                    params=params,
                    scenario=ongoing(person) + resolved,
                    t_start=0.0,
                    t_end=t_end,
                )
        except BonemodelError as exc:
            raise ScenarioError(
                f"trial arm {name!r} cannot be applied to model {model.name!r}: {exc}"
            ) from None


def _trial_simulate(model, population, arms, t_end, endpoints, reads, params, progress) -> TrialResult:
    """The reference engine: one ``simulate(patient=...)`` run per person and arm."""
    import time

    from ..simulate import simulate

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
    meta = {
        "model": model.name,
        "engine": "simulate",
        "method": "simulate",
        "seconds": time.perf_counter() - started,
        "runs": runs,
    }
    return TrialResult(pd.DataFrame(rows), list(arms), endpoints, t_end, meta)


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
