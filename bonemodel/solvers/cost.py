"""Which batched solver a sweep should run: numpy now, or numba after compiling.

numba's kernel integrates a member 5-10x faster than the numpy solver, but compiling it
costs seconds to tens of seconds the first time a model is used on a machine (the flagship:
about 30 s on 2 cores); afterwards it loads from the disk cache in a fraction of a second.
:func:`choose_path` compares the expected wall time of both paths and takes the smaller:
small sweeps, and sweeps on a model whose kernel is not compiled yet, run on numpy; large
ones compile. The estimates are rough on purpose (the choice only needs the right side of a
factor of several) and are recorded in the sweep's metadata.
"""

from __future__ import annotations

from dataclasses import dataclass

# Measured on the models shipped here (2-core machine, one worker), per member and per day
# of simulated span, scaled with the model's size as n_states**1.5 (batched Jacobian and LU).
NUMPY_S_PER_DAY = 1.0e-8
NUMBA_S_PER_DAY = 1.2e-9
# A scenario switch (a window edge: an injection's start or end) costs about as much as this
# many days of an undisturbed span: the solver restarts its step-size ramp and then follows the
# transient the switch causes. Measured with benchmarks/bench_drugs.py's sweep, 64 flagship
# members x 10 years of menopause on one worker: alone 4.1 (numpy) / 0.6 (numba) ms per member;
# with denosumab every 6 months (41 switches) 185 / 26.9 ms; with zoledronate yearly (19) 65 /
# 9.2 ms. Without this term a dosed sweep looked as cheap as an undosed one and ran on numpy.
SWITCH_EQUIV_DAYS = 1800.0
# Compiling the numba kernel: a fixed part (the solver) and a part growing with the model's
# generated code (type inference of the right-hand side and Jacobian dominates).
COMPILE_FIXED_S = 3.0
COMPILE_S_PER_SOURCE_CHAR = 1.8e-4
# Loading cached machine code: the flagship takes ~2.5 s, a classic model well under a second.
LOAD_CACHED_FIXED_S = 0.3
LOAD_CACHED_S_PER_SOURCE_CHAR = 1.6e-5


@dataclass(frozen=True)
class PathChoice:
    """The chosen batched solver and the estimates behind the choice.

    Parameters
    ----------
    method
        ``"numpy"`` or ``"numba"``.
    reason
        Why, in words (recorded in the sweep's metadata).
    numpy_s
        Expected wall time [s] of the sweep on numpy.
    numba_s
        Expected wall time [s] on numba, compilation or loading included.
    compiles
        Whether the numba path must first compile the model (not in the cache yet).
    """

    method: str
    reason: str
    numpy_s: float
    numba_s: float
    compiles: bool


def member_cost(n_states: int, span_days: float, per_day: float, switches: int = 0) -> float:
    """Expected time [s] to integrate one member.

    Parameters
    ----------
    n_states
        States of the model.
    span_days
        Simulated span [day].
    per_day
        Seconds per day of span of a one-state model (:data:`NUMPY_S_PER_DAY` or
        :data:`NUMBA_S_PER_DAY`).
    switches
        Times in the span where the scenario switches (window edges), each costing
        :data:`SWITCH_EQUIV_DAYS` days.

    Returns
    -------
    float
        Seconds per member.
    """
    days = max(span_days, 1.0) + SWITCH_EQUIV_DAYS * max(switches, 0)
    return per_day * days * max(n_states, 1) ** 1.5


def compile_cost(source_chars: int) -> float:
    """Expected time [s] to compile a model's numba kernel from its size.

    Parameters
    ----------
    source_chars
        Length of the model's generated numpy source (:attr:`CompiledModel.source`).

    Returns
    -------
    float
        Seconds.
    """
    return COMPILE_FIXED_S + COMPILE_S_PER_SOURCE_CHAR * source_chars


def choose_path(
    *,
    members: int,
    n_states: int,
    span_days: float,
    source_chars: int,
    workers: int,
    cached: bool,
    switches: int = 0,
) -> PathChoice:
    """Run a sweep on numpy or numba, whichever is expected to finish first.

    Parameters
    ----------
    members
        Members in the sweep (still to run).
    n_states
        States of the model.
    span_days
        Simulated span [day].
    source_chars
        Length of the model's generated numpy source.
    workers
        Local workers the chunks share.
    cached
        Whether the model's numba machine code is already compiled (in this process or on disk).
    switches
        Window edges of the scenario inside the span (each dose of an injected drug is two).

    Returns
    -------
    PathChoice
        The method and the estimates.

    Examples
    --------
    >>> choose_path(members=100, n_states=40, span_days=3650, source_chars=140_000, workers=2, cached=False).method
    'numpy'
    >>> choose_path(members=100_000, n_states=40, span_days=3650, source_chars=140_000, workers=2, cached=False).method
    'numba'
    """
    share = max(members, 0) / max(workers, 1)
    numpy_s = share * member_cost(n_states, span_days, NUMPY_S_PER_DAY, switches)
    start = (
        LOAD_CACHED_FIXED_S + LOAD_CACHED_S_PER_SOURCE_CHAR * source_chars
        if cached
        else compile_cost(source_chars)
    )
    numba_s = start + share * member_cost(n_states, span_days, NUMBA_S_PER_DAY, switches)
    if numba_s < numpy_s:
        why = "numba machine code cached" if cached else "compiling pays for itself"
        return PathChoice(
            "numba", f"{why}: ~{numba_s:.1f} s vs ~{numpy_s:.1f} s on numpy", numpy_s, numba_s, not cached
        )
    why = "loading" if cached else "compiling"
    return PathChoice(
        "numpy",
        f"numpy finishes before {why} numba would: ~{numpy_s:.1f} s vs ~{numba_s:.1f} s",
        numpy_s,
        numba_s,
        False,
    )
