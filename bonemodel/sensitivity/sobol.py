"""Sobol first-order and total indices (Saltelli design, SALib), and eFAST.

Sampling and analysis are kept in step by :class:`SobolDesign`: it draws the Saltelli
design once from the seed and is the only thing that analyses outputs of that design, so
``N``, the second-order flag and the factor order cannot drift apart between the two.
Estimators: Saltelli 2010 for S1, Jansen for ST (SALib), bootstrap confidence intervals
with a seed derived from the user's.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import BonemodelError
from ..model import Model
from ..scenario import Scenario
from . import _design
from .frames import tidy


def _salib():
    try:
        from SALib.analyze import fast as fast_analyze
        from SALib.analyze import sobol as sobol_analyze
        from SALib.sample import fast_sampler
        from SALib.sample import sobol as sobol_sample
    except ImportError:  # pragma: no cover - depends on the environment
        raise _design.salib_missing() from None
    return sobol_sample, sobol_analyze, fast_sampler, fast_analyze


@dataclass
class SobolDesign:
    """A Saltelli design drawn once, and the analysis of outputs evaluated on it.

    Rows are ordered per base sample ``i``: ``A_i, AB_i^(1..D), [BA_i^(1..D),] B_i``,
    so ``N (D + 2)`` rows, or ``N (2D + 2)`` with second-order indices.

    Parameters
    ----------
    factors
        The factors with their ranges.
    n
        Base samples N, a power of two.
    seed
        Seeds the scrambled Sobol sequence and the bootstrap.
    second_order
        Also estimate second-order indices.
    num_resamples
        Bootstrap resamples for the confidence intervals.
    conf_level
        Confidence level of the intervals (0 to 1).
    """

    factors: list[_design.Factor]
    n: int
    seed: int = 0
    second_order: bool = False
    num_resamples: int = 200
    conf_level: float = 0.95
    unit: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.n = _check_power_of_two(self.n)
        _design.check_conf_level(self.conf_level)
        _design.check_count(self.num_resamples, "num_resamples", 2)
        sample_seed, _ = _design.seeds(self.seed)
        sobol_sample, *_ = _salib()
        self.unit = sobol_sample.sample(
            _design.problem(self.factors), self.n, calc_second_order=self.second_order, seed=sample_seed
        )

    @property
    def frame(self) -> pd.DataFrame:
        """Parameter values of every model evaluation, in design order."""
        return _design.design_frame(self.factors, self.unit)

    def analyze(self, Y: np.ndarray, outputs: Sequence[str]) -> pd.DataFrame:
        """Tidy S1, ST (and S2) with bootstrap confidence intervals from outputs ``Y`` (rows, n_outputs).

        Parameters
        ----------
        Y
            Outputs at the design's rows, shape (rows, n_outputs).
        outputs
            Their names.

        Returns
        -------
        pandas.DataFrame
            The tidy frame (dimensionless indices).
        """
        _, sobol_analyze, *_ = _salib()
        _, analysis_seed = _design.seeds(self.seed)
        Y = np.asarray(Y, dtype=float).reshape(len(self.unit), -1)
        names = [f.name for f in self.factors]
        rows = []
        for k, out in enumerate(outputs):
            with warnings.catch_warnings():
                warnings.simplefilter(
                    "ignore", RuntimeWarning
                )  # a constant output gives zeros, reported as such
                si = sobol_analyze.analyze(
                    _design.problem(self.factors),
                    Y[:, k],
                    calc_second_order=self.second_order,
                    num_resamples=self.num_resamples,
                    conf_level=self.conf_level,
                    seed=analysis_seed,
                )
            for index in ("S1", "ST"):
                for j, p in enumerate(names):
                    v, c = float(si[index][j]), float(si[f"{index}_conf"][j])
                    rows.append(_design.interval_row(out, p, index, v, c))
            if self.second_order:
                for a in range(len(names)):
                    for b in range(a + 1, len(names)):
                        v, c = float(si["S2"][a, b]), float(si["S2_conf"][a, b])
                        rows.append(_design.interval_row(out, f"{names[a]}:{names[b]}", "S2", v, c))
        frame = tidy(rows)
        frame.attrs = self.meta()
        return frame

    def split(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(f_A (N,), f_B (N,), f_AB (D, N)) of one output, the layout ``scipy.stats.sobol_indices`` takes.

        Parameters
        ----------
        y
            One output at the design's rows.

        Returns
        -------
        tuple of numpy.ndarray
            ``(f_A, f_B, f_AB)``.
        """
        d = len(self.factors)
        step = 2 * d + 2 if self.second_order else d + 2
        y = np.asarray(y, dtype=float).reshape(self.n, step)
        return y[:, 0], y[:, -1], y[:, 1 : d + 1].T

    def meta(self) -> dict[str, Any]:
        """Method and settings, for the result frame's ``attrs``.

        Returns
        -------
        dict
            Method, N, evaluations, seed, second_order, resamples, confidence level and the factors' ranges.
        """
        return {
            "method": "sobol (Saltelli design; SALib)",
            "n": self.n,
            "evaluations": int(len(self.unit)),
            "seed": self.seed,
            "second_order": self.second_order,
            "num_resamples": self.num_resamples,
            "conf_level": self.conf_level,
            "factors": _design.factor_ranges(self.factors),
        }


def sobol_of(
    func: Callable[[pd.DataFrame], Any],
    ranges: Mapping[str, Any],
    outputs: str | Sequence[str] = ("y",),
    *,
    n: int,
    seed: int = 0,
    second_order: bool = False,
    num_resamples: int = 200,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Sobol indices of a plain function ``func(frame) -> outputs`` over explicit ranges.

    ``func`` receives the design as a DataFrame (one column per factor) and returns a
    DataFrame with the ``outputs`` columns, a mapping, or an array (rows, n_outputs).

    Parameters
    ----------
    func
        The function to analyse: design frame -> outputs.
    ranges
        ``{name: (low, high)}`` or ``{name: (low, high, "log")}`` per factor.
    outputs
        Names of the outputs ``func`` returns.
    n
        Base samples N, a power of two; ``func`` sees ``N (D + 2)`` rows (``N (2D + 2)`` with
        ``second_order``).
    seed
        Seeds the scrambled Sobol sequence and the bootstrap.
    second_order
        Also estimate the second-order indices ``"S2"``.
    num_resamples
        Bootstrap resamples for the confidence intervals.
    conf_level
        Confidence level of the intervals (0 to 1).

    Returns
    -------
    pandas.DataFrame
        The tidy frame with indices ``"S1"``, ``"ST"`` (and ``"S2"``), dimensionless.
    """
    fs = _design.factors(None, ranges)
    names = _design.output_names(None, outputs)
    design = SobolDesign(fs, n, seed, second_order, num_resamples, conf_level)
    return _design.evaluate_and_analyze(design, func, names)


def sobol(
    model: Model | str,
    params: Sequence[str] | Mapping[str, Any],
    outputs: str | Sequence[str],
    *,
    n: int,
    seed: int = 0,
    scenario: Scenario | str | None = None,
    t_end: float | None = None,
    second_order: bool = False,
    num_resamples: int = 200,
    conf_level: float = 0.95,
    workers: int | None = None,
    client: Any = None,
    out: Any = None,
    resume: bool = False,
    progress: bool = True,
    evaluate: Callable[[pd.DataFrame], Any] | None = None,
) -> pd.DataFrame:
    """Sobol first-order and total indices of model outputs, with bootstrap confidence intervals.

    Parameters
    ----------
    model
        A Model or the name of a shipped model.
    params
        Parameter names (ranges and distributions from the parameter file) or a mapping
        ``{name: (low, high)}`` / ``{name: (low, high, "log")}`` as in ``bm.sweep``.
    outputs
        Output names as in ``bm.sweep`` (e.g. ``"B@365"``).
    n
        Base samples N, a power of two; the model runs ``N (D + 2)`` times
        (``N (2D + 2)`` with ``second_order``).
    seed
        Seeds the scrambled Sobol sequence and the bootstrap: same seed, same frame.
    scenario, t_end
        Passed to every simulation (``t_end`` in days).
    second_order
        Also estimate the second-order indices ``"S2"`` (costs ``N D`` more runs).
    num_resamples
        Bootstrap resamples for the confidence intervals.
    conf_level
        Confidence level of the intervals (0 to 1).
    workers, client, out, resume, progress
        Execution of the design by ``bm.sweep`` (processes, Dask client, checkpoints).
    evaluate
        Replaces the sweep: a function design frame -> outputs (for tests and custom runners).

    Returns
    -------
    pandas.DataFrame
        Tidy frame with indices ``"S1"``, ``"ST"`` (and ``"S2"`` with parameter ``"A:B"``);
        ``conf_low``/``conf_high`` = value ∓ the bootstrap half-width.
    """

    def method(fs: list[_design.Factor], names: list[str], run: _design.Evaluate) -> pd.DataFrame:
        design = SobolDesign(fs, n, seed, second_order, num_resamples, conf_level)
        return _design.evaluate_and_analyze(design, run, names)

    return _design.analyze_model(
        model,
        params,
        outputs,
        method,
        evaluate=evaluate,
        scenario=scenario,
        t_end=t_end,
        workers=workers,
        client=client,
        out=out,
        resume=resume,
        progress=progress,
        seed=seed,
    )


def efast(
    model: Model | str,
    params: Sequence[str] | Mapping[str, Any],
    outputs: str | Sequence[str],
    *,
    n: int,
    seed: int = 0,
    M: int = 4,
    scenario: Scenario | str | None = None,
    t_end: float | None = None,
    workers: int | None = None,
    client: Any = None,
    out: Any = None,
    resume: bool = False,
    progress: bool = True,
    evaluate: Callable[[pd.DataFrame], Any] | None = None,
) -> pd.DataFrame:
    """eFAST first-order and total indices (SALib); ``n > 4 M^2`` samples per parameter.

    Same arguments and frame as :func:`sobol`; the model runs ``n D`` times. No confidence
    bounds (NaN): SALib's bootstrap of eFAST is known to be unreliable (SALib issue 649).

    Parameters
    ----------
    model
        A Model or the name of a shipped model.
    params
        Parameter names (ranges from the parameter file) or ``{name: (low, high[, "log"])}``.
    outputs
        Output names as in ``bm.sweep``.
    n
        Samples per parameter, more than ``4 M^2``.
    seed
        Seeds the design.
    M
        Interference parameter of the Fourier frequencies (SALib's default 4).
    scenario, t_end
        Passed to every simulation (``t_end`` in days).
    workers, client, out, resume, progress
        Execution of the design by ``bm.sweep``.
    evaluate
        Replaces the sweep: a function design frame -> outputs.

    Returns
    -------
    pandas.DataFrame
        Tidy frame with indices ``"S1"`` and ``"ST"`` (dimensionless); confidence bounds NaN.
    """

    def method(fs: list[_design.Factor], names: list[str], run: _design.Evaluate) -> pd.DataFrame:
        return efast_of(run, fs, names, n=n, seed=seed, M=M)

    return _design.analyze_model(
        model,
        params,
        outputs,
        method,
        evaluate=evaluate,
        scenario=scenario,
        t_end=t_end,
        workers=workers,
        client=client,
        out=out,
        resume=resume,
        progress=progress,
        seed=seed,
    )


def efast_of(
    func: Callable[[pd.DataFrame], Any],
    ranges: Mapping[str, Any] | Sequence[_design.Factor],
    outputs: str | Sequence[str] = ("y",),
    *,
    n: int,
    seed: int = 0,
    M: int = 4,
) -> pd.DataFrame:
    """eFAST indices of a plain function ``func(frame) -> outputs`` over explicit ranges.

    Parameters
    ----------
    func
        The function to analyse: design frame -> outputs.
    ranges
        ``{name: (low, high[, "log"])}`` per factor.
    outputs
        Names of the outputs ``func`` returns.
    n
        Samples per factor, more than ``4 M^2``.
    seed
        Seeds the design.
    M
        Interference parameter of the Fourier frequencies.

    Returns
    -------
    pandas.DataFrame
        The tidy frame with indices ``"S1"`` and ``"ST"``; confidence bounds NaN.
    """
    fs = list(ranges) if _is_factors(ranges) else _design.factors(None, ranges)
    names = _design.output_names(None, outputs)
    n = _design.check_count(n, "n (eFAST samples per parameter)", 4 * M * M + 1)
    _, _, fast_sampler, fast_analyze = _salib()
    sample_seed, analysis_seed = _design.seeds(seed)
    problem = _design.problem(fs)
    unit = fast_sampler.sample(problem, n, M=M, seed=sample_seed)
    frame = _design.design_frame(fs, unit)
    Y = _design.outputs_matrix(func(frame), names, len(frame))
    rows = []
    for k, out in enumerate(names):
        # SALib's eFAST analysis reseeds numpy's global generator: leave the caller's state as it was.
        global_state = np.random.get_state()
        try:
            with warnings.catch_warnings():
                # SALib warns that its eFAST bootstrap is unreliable; the bounds are NaN here instead.
                warnings.simplefilter("ignore", UserWarning)
                si = fast_analyze.analyze(problem, Y[:, k], M=M, num_resamples=2, seed=analysis_seed)
        finally:
            np.random.set_state(global_state)
        for index in ("S1", "ST"):
            for j, f in enumerate(fs):
                rows.append(
                    {"output": out, "parameter": f.name, "index": index, "value": float(si[index][j])}
                )
    result = tidy(rows)
    result.attrs = {"method": "efast (SALib)", "n": n, "M": M, "evaluations": len(frame), "seed": seed}
    return result


def _is_factors(ranges) -> bool:
    return isinstance(ranges, Sequence) and bool(ranges) and isinstance(ranges[0], _design.Factor)


def _check_power_of_two(n: Any) -> int:
    n = _design.check_count(n, "n (Sobol base samples)", 2)
    if n & (n - 1):
        lower = 1 << (n.bit_length() - 1)
        raise BonemodelError(
            f"n (Sobol base samples) must be a power of two for the Sobol sequence to keep its balance, "
            f"got {n}; use {lower} or {lower * 2}"
        )
    return n
