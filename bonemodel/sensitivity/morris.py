"""Morris elementary effects (screening) with SALib: mu*, mu and sigma per parameter and output.

The design (``n`` one-at-a-time trajectories on a ``num_levels`` grid) is drawn in the
unit hypercube and mapped to each parameter's (log-)range, so an elementary effect is the
change of the output per unit of the parameter's normalised range: mu* of different
parameters are comparable whatever their units.
"""

from __future__ import annotations

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
        from SALib.analyze import morris as morris_analyze
        from SALib.sample import morris as morris_sample
    except ImportError:  # pragma: no cover - depends on the environment
        raise _design.salib_missing() from None
    return morris_sample, morris_analyze


@dataclass
class MorrisDesign:
    """Morris trajectories drawn once, and the analysis of outputs evaluated on them.

    Parameters
    ----------
    factors
        The factors with their ranges.
    n
        Number of trajectories.
    seed
        Seeds the design and the bootstrap.
    num_levels
        Grid levels per factor (even).
    optimal_trajectories
        If given, keep that many well-spread trajectories.
    num_resamples
        Bootstrap resamples for mu*'s confidence interval.
    conf_level
        Confidence level of that interval (0 to 1).
    """

    factors: list[_design.Factor]
    n: int
    seed: int = 0
    num_levels: int = 4
    optimal_trajectories: int | None = None
    num_resamples: int = 200
    conf_level: float = 0.95
    unit: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.n = _design.check_count(self.n, "n (Morris trajectories)", 2)
        if isinstance(self.num_levels, bool) or not isinstance(self.num_levels, int) or self.num_levels < 2:
            raise BonemodelError(f"num_levels must be an even integer >= 2, got {self.num_levels!r}")
        if self.num_levels % 2:
            raise BonemodelError(f"num_levels must be even (SALib's Morris grid), got {self.num_levels}")
        _design.check_conf_level(self.conf_level)
        if self.optimal_trajectories is not None and not 2 <= self.optimal_trajectories < self.n:
            raise BonemodelError(
                f"optimal_trajectories must be in [2, n) = [2, {self.n}), got {self.optimal_trajectories}"
            )
        morris_sample, _ = _salib()
        sample_seed, _ = _design.seeds(self.seed)
        self.unit = morris_sample.sample(
            _design.problem(self.factors),
            self.n,
            num_levels=self.num_levels,
            optimal_trajectories=self.optimal_trajectories,
            seed=sample_seed,
        )

    @property
    def frame(self) -> pd.DataFrame:
        """Parameter values of every model evaluation, in design order."""
        return _design.design_frame(self.factors, self.unit)

    def analyze(self, Y: np.ndarray, outputs: Sequence[str]) -> pd.DataFrame:
        """Tidy mu_star (with bootstrap CI), mu and sigma from outputs ``Y`` (rows, n_outputs).

        Parameters
        ----------
        Y
            Outputs at the design's rows, shape (rows, n_outputs).
        outputs
            Their names.

        Returns
        -------
        pandas.DataFrame
            The tidy frame, in the outputs' units.
        """
        _, morris_analyze = _salib()
        _, analysis_seed = _design.seeds(self.seed)
        Y = np.asarray(Y, dtype=float).reshape(len(self.unit), -1)
        rows = []
        for k, out in enumerate(outputs):
            si = morris_analyze.analyze(
                _design.problem(self.factors),
                self.unit,
                Y[:, k],
                num_resamples=self.num_resamples,
                conf_level=self.conf_level,
                num_levels=self.num_levels,
                seed=analysis_seed,
            )
            for j, f in enumerate(self.factors):
                mu_star, half = float(si["mu_star"][j]), float(si["mu_star_conf"][j])
                rows.append(_design.interval_row(out, f.name, "mu_star", mu_star, half))
                rows.append({"output": out, "parameter": f.name, "index": "mu", "value": float(si["mu"][j])})
                rows.append(
                    {"output": out, "parameter": f.name, "index": "sigma", "value": float(si["sigma"][j])}
                )
        frame = tidy(rows)
        frame.attrs = {
            "method": "morris (SALib)",
            "n": self.n,
            "evaluations": int(len(self.unit)),
            "seed": self.seed,
            "num_levels": self.num_levels,
            "factors": _design.factor_ranges(self.factors),
        }
        return frame


def morris_of(
    func: Callable[[pd.DataFrame], Any],
    ranges: Mapping[str, Any],
    outputs: str | Sequence[str] = ("y",),
    *,
    n: int,
    seed: int = 0,
    num_levels: int = 4,
    optimal_trajectories: int | None = None,
    num_resamples: int = 200,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Morris screening of a plain function ``func(frame) -> outputs`` over explicit ranges.

    Parameters
    ----------
    func
        The function to analyse: design frame -> outputs.
    ranges
        ``{name: (low, high[, "log"])}`` per factor.
    outputs
        Names of the outputs ``func`` returns.
    n
        Number of trajectories; ``func`` sees ``n (D + 1)`` rows.
    seed
        Seeds the design and the bootstrap.
    num_levels
        Grid levels per factor (even).
    optimal_trajectories
        If given, keep that many well-spread trajectories of the ``n`` drawn.
    num_resamples
        Bootstrap resamples for mu*'s confidence interval.
    conf_level
        Confidence level of that interval (0 to 1).

    Returns
    -------
    pandas.DataFrame
        The tidy frame with indices ``"mu_star"`` (with CI), ``"mu"`` and ``"sigma"``, in the
        outputs' units.
    """
    fs = _design.factors(None, ranges)
    names = _design.output_names(None, outputs)
    design = MorrisDesign(fs, n, seed, num_levels, optimal_trajectories, num_resamples, conf_level)
    return _design.evaluate_and_analyze(design, func, names)


def morris(
    model: Model | str,
    params: Sequence[str] | Mapping[str, Any],
    outputs: str | Sequence[str],
    *,
    n: int,
    seed: int = 0,
    num_levels: int = 4,
    optimal_trajectories: int | None = None,
    scenario: Scenario | str | None = None,
    t_end: float | None = None,
    num_resamples: int = 200,
    conf_level: float = 0.95,
    workers: int | None = None,
    client: Any = None,
    out: Any = None,
    resume: bool = False,
    progress: bool = True,
    evaluate: Callable[[pd.DataFrame], Any] | None = None,
) -> pd.DataFrame:
    """Morris elementary effects of model outputs: a cheap screen of many parameters.

    Parameters
    ----------
    model
        A Model or the name of a shipped model.
    params
        Parameter names (ranges from the parameter file) or ``{name: (low, high[, "log"])}``.
    outputs
        Output names as in ``bm.sweep``.
    n
        Number of trajectories; the model runs ``n (D + 1)`` times (``optimal_trajectories``
        picks that many of them, spread out, from the ``n`` drawn).
    seed
        Seeds the design and the bootstrap of mu*'s confidence interval.
    num_levels
        Grid levels per parameter (even).
    optimal_trajectories
        If given, keep that many well-spread trajectories of the ``n`` drawn (SALib's
        optimised selection); None keeps all.
    scenario, t_end, workers, client, out, resume, progress
        Passed to ``bm.sweep`` which runs the design (``t_end`` in days).
    num_resamples
        Bootstrap resamples for mu*'s confidence interval.
    conf_level
        Confidence level of that interval (0 to 1).
    evaluate
        Replaces the sweep: a function design frame -> outputs.

    Returns
    -------
    pandas.DataFrame
        Tidy frame with indices ``"mu_star"`` (with CI), ``"mu"`` and ``"sigma"``.
    """

    def method(fs: list[_design.Factor], names: list[str], run: _design.Evaluate) -> pd.DataFrame:
        design = MorrisDesign(fs, n, seed, num_levels, optimal_trajectories, num_resamples, conf_level)
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
