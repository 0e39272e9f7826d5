"""Many patients' histories at once: start states by pieces of constant inputs, no switch moved.

A patient's history (:func:`~bonemodel.trials.patient.history`) is a scenario whose pieces of
constant inputs end at switch times that differ from person to person (menopause, the onset of
conditions and of a raised CRP) and whose length is the person's age. The batched solvers need the
members of a call to share their segment boundaries, so the histories are not cut to a common
grid; instead every piece is integrated on a clock of its own. This is exact because the
flagship's right-hand side does not depend on time, only on the inputs, which are constant on a
piece (checked: a model whose right-hand side reads ``t`` is refused):

1. The pieces are read from each person's own history scenario by
   :func:`~bonemodel.runtime.prepare`, as :func:`~bonemodel.simulate` reads them: nothing of what
   a history contains is repeated here.
2. Piece k of every person starts from their state at the end of piece k - 1 and lasts its own
   length. People are sorted by that length and integrated together, up to
   :data:`MAX_MEMBERS` per call, each read at its own length from the solver's dense output (so a
   call runs as long as its longest member, and sorting keeps that waste small).
3. People whose piece starts from the same state with the same inputs (the first piece of everyone
   of the same sex and diet) are integrated once and read at every length they need.

The start states are those of ``simulate`` up to the solvers' tolerances; they are then matched to
the patient's T-scores as :func:`~bonemodel.trials.patient.start` matches them
(:func:`start_states`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..compile import CompiledModel
from ..errors import ScenarioError
from ..model import Model
from ..runtime import prepare
from ..solvers.batch import initial_states, uses_time
from .patient import Patient, history

MAX_MEMBERS = 128
"""Members integrated together in one call (each read at its own end time)."""

MAX_TIMES = 1024
"""Output times of one call: members x their distinct end times stay small in memory."""


@dataclass(frozen=True)
class Integrator:
    """How the pieces are integrated: the batched RODAS4 solver (numba or numpy) and tolerances.

    Parameters
    ----------
    compiled
        The compiled model.
    method
        ``"numba"`` or ``"numpy"``.
    rtol, atol
        Tolerances each member meets on its own.
    numba_source, numba_key
        The generated numba module and its key (with ``method="numba"``).
    """

    compiled: CompiledModel
    method: str
    rtol: float
    atol: float
    numba_source: str = ""
    numba_key: str = ""

    def solve(self, P: np.ndarray, y0: np.ndarray, span: float, times: np.ndarray) -> np.ndarray:
        """States at ``times`` of members starting at ``y0`` with constant runtime vectors ``P``.

        Parameters
        ----------
        P
            Runtime vectors (m, B).
        y0
            Start states (n, B) at day 0.
        span
            Days [day] to integrate.
        times
            Increasing output times [day] in ``(0, span]``.

        Returns
        -------
        numpy.ndarray
            States (n, B, K) in their units (NaN after a member's failure).
        """
        segments = [(0.0, float(span), P)]
        if self.method == "numba":
            from ..solvers.batch_numba import solve_batch_numba

            res = solve_batch_numba(
                self.compiled,
                segments,
                y0,
                times,
                source=self.numba_source,
                key=self.numba_key,
                rtol=self.rtol,
                atol=self.atol,
            )
        else:
            from ..solvers.batch import solve_batch

            res = solve_batch(self.compiled, segments, y0, times, rtol=self.rtol, atol=self.atol)
        return res.y


def history_pieces(
    model: Model, compiled: CompiledModel, patients: Sequence[Patient], params: Mapping[str, float]
) -> tuple[np.ndarray, list[list[tuple[float, np.ndarray]]]]:
    """Each patient's history as (length, runtime vector) pieces, read from their history scenario.

    Parameters
    ----------
    model
        The flagship model.
    compiled
        Its compiled functions.
    patients
        The people.
    params
        Parameter values [their units] for everyone (as ``simulate``'s ``params``).

    Returns
    -------
    tuple
        The base runtime vectors (m, N) (the start state of the history is ``compiled.initial`` of
        them), and per patient the list of ``(length [day], runtime vector)`` pieces (empty for a
        patient at or below the reference age).
    """
    bases = np.empty((len(compiled.runtime_names), len(patients)))
    pieces: list[list[tuple[float, np.ndarray]]] = []
    for i, patient in enumerate(patients):
        scenario, days = history(patient)
        own = {**params, **own_parameters(model, patient, params)}
        if days <= 0:
            bases[:, i] = compiled.vector(own)
            pieces.append([])
            continue
        setup = prepare(model, compiled, params=own, scenario=scenario, t_start=0.0, t_end=days)
        bases[:, i] = setup.base
        pieces.append([(b - a, p) for a, b, p in setup.segments])
    return bases, pieces


def history_end_states(
    model: Model,
    integrator: Integrator,
    patients: Sequence[Patient],
    params: Mapping[str, float],
) -> tuple[np.ndarray, list[str]]:
    """The state of every patient at their age after the reference adult lived their history.

    Parameters
    ----------
    model
        The flagship model.
    integrator
        The solver and tolerances.
    patients
        The people.
    params
        Parameter values [their units] for everyone.

    Returns
    -------
    tuple
        States (n_states, N) in their units, and per patient '' or why their history failed.

    Raises
    ------
    ScenarioError
        If the model's right-hand side depends on time (its pieces could then not be shifted).
    """
    compiled = integrator.compiled
    if uses_time(compiled):
        raise ScenarioError(
            f"model {model.name!r} reads the time t in its right-hand side, so patients' histories "
            "cannot be integrated piece by piece on their own clocks; use trial(..., method='simulate')"
        )
    bases, pieces = history_pieces(model, compiled, patients, params)
    y = initial_states(compiled, bases)
    why = [
        "" if np.isfinite(y[:, i]).all() else "the initial state is not finite" for i in range(len(patients))
    ]
    for k in range(max((len(p) for p in pieces), default=0)):
        jobs = [i for i, p in enumerate(pieces) if len(p) > k and not why[i]]
        if not jobs:
            break
        P = np.stack([pieces[i][k][1] for i in jobs], axis=1)
        lengths = np.array([pieces[i][k][0] for i in jobs])
        ends, failed = advance(integrator, y[:, jobs], P, lengths)
        y[:, jobs] = ends
        for j, reason in failed.items():
            why[jobs[j]] = f"history piece {k + 1} failed: {reason}"
    return y, why


def advance(
    integrator: Integrator, y0: np.ndarray, P: np.ndarray, lengths: np.ndarray
) -> tuple[np.ndarray, dict[int, str]]:
    """Integrate each member from ``y0`` with constant runtime vector ``P`` for its own length.

    Parameters
    ----------
    integrator
        The solver and tolerances.
    y0
        Start states (n, J).
    P
        Runtime vectors (m, J), constant over each member's piece.
    lengths
        Each member's length [day], > 0.

    Returns
    -------
    tuple
        End states (n, J) (NaN where a member failed), and member -> why it failed.
    """
    n, J = y0.shape
    out = np.full((n, J), np.nan)
    failed: dict[int, str] = {}
    # members starting from the same state with the same inputs share one trajectory
    groups: dict[bytes, list[int]] = {}
    for j in range(J):
        groups.setdefault(y0[:, j].tobytes() + P[:, j].tobytes(), []).append(j)
    shared = sorted(groups.values(), key=lambda js: float(lengths[js].max()))
    for batch in _calls(shared, lengths):
        reps = [js[0] for js, _ in batch]
        times = np.unique(np.concatenate([t for _, t in batch]))
        y = integrator.solve(P[:, reps], y0[:, reps], float(times[-1]), times)
        for col, (js, _) in enumerate(batch):
            for j in js:
                k = int(np.searchsorted(times, lengths[j]))
                if k < times.size and times[k] == lengths[j]:
                    value = y[:, col, k]
                    if np.isfinite(value).all():
                        out[:, j] = value
                        continue
                    failed[j] = f"the solver stopped before day {lengths[j]:g} of the piece"
    return out, failed


def _calls(groups: list[list[int]], lengths: np.ndarray) -> list[list[tuple[list[int], np.ndarray]]]:
    """Cut the groups (sorted by length) into solver calls of few members and few output times.

    A group needing more than :data:`MAX_TIMES` end times is read in several calls, each a member
    of its own; every entry of a call is ``(members, their end times)``.
    """
    calls: list[list[tuple[list[int], np.ndarray]]] = []
    current: list[tuple[list[int], np.ndarray]] = []
    count = 0
    for js in groups:
        need = np.unique(lengths[js])
        parts = [need[s : s + MAX_TIMES] for s in range(0, need.size, MAX_TIMES)]
        for part in parts:
            members = [j for j in js if part[0] <= lengths[j] <= part[-1]] if len(parts) > 1 else js
            if current and (len(current) >= MAX_MEMBERS or count + part.size > MAX_TIMES):
                calls.append(current)
                current, count = [], 0
            current.append((members, part))
            count += part.size
    if current:
        calls.append(current)
    return calls


def start_states(
    model: Model,
    patients: Sequence[Patient],
    ends: np.ndarray,
    why: Sequence[str],
    params: Mapping[str, float],
) -> list[tuple[dict[str, float], dict[str, float]] | str]:
    """Each patient's start state and own parameter values, from their history's end state.

    What :func:`~bonemodel.trials.patient.start` does after the history, with the batched end
    state: the exact age on the age clock, the density matched to the T-scores by the same function
    (:func:`~bonemodel.trials.patient._match_density`), the person's own parameter values
    (:func:`own_parameters`) and mechanostat set point ``load_person = base x (skeletal BMD
    ratio)^n_strain``. ``start`` itself is not called: it
    memoises history end states per process by the person's fields, and the batched ones must
    neither be taken from nor put into ``simulate``'s memo. The tests compare every row with
    ``simulate(patient=...)``, so a change to ``start`` that is not made here fails them.

    Parameters
    ----------
    model
        The flagship model.
    patients
        The people.
    ends
        History end states (n_states, N), from :func:`history_end_states`.
    why
        Per patient '' or why the history failed.
    params
        Parameter values [their units] for everyone.

    Returns
    -------
    list
        Per patient ``(start state, person's parameter values)`` as :func:`start` returns them, or
        the reason (a string) why there is none.
    """
    from ..compile import compile_model
    from .patient import _match_density

    names = compile_model(model).state_names
    base = float(model.parameters["load_person"].value) if "load_person" in model.parameters.names else 0.0
    out: list[tuple[dict[str, float], dict[str, float]] | str] = []
    for i, patient in enumerate(patients):
        if why[i]:
            out.append(why[i])
            continue
        own = own_parameters(model, patient, params)
        theirs = {**params, **own}
        end = dict(zip(names, ends[:, i].tolist()))
        if "age_years" in end:
            end["age_years"] = patient.age  # exact, as start() sets it
        if patient.t_score_hip is None and patient.t_score_spine is None:
            out.append((end, own))
            continue
        try:
            y, ratio = _match_density(model, patient, end, theirs)
        except ScenarioError as exc:
            out.append(str(exc))
            continue
        if "load_person" in theirs or "load_person" not in model.parameters.names:
            out.append((y, own))
            continue
        n_strain = float(theirs.get("n_strain", model.parameters["n_strain"].value))
        out.append((y, {**own, "load_person": base * ratio**n_strain}))
    return out


def own_parameters(model: Model, patient: Patient, params: Mapping[str, float]) -> dict[str, float]:
    """The person's own parameter values before density matching (none if the patient has none).

    Taken from :mod:`bonemodel.trials.patient` (``own_parameters``, e.g. a turnover multiplier on
    ``tau_trab`` and ``tau_cort``) when it defines them, so that history, density matching and run
    use the values ``start`` uses.

    Parameters
    ----------
    model
        The flagship model.
    patient
        The person.
    params
        Parameter values [their units] for everyone.

    Returns
    -------
    dict
        Parameter name -> the person's value [its unit].
    """
    from . import patient as patients

    own = getattr(patients, "own_parameters", None)
    return {} if own is None else dict(own(model, patient, params))
