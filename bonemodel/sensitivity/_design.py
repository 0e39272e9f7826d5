"""Shared layer of the global methods: factors and their ranges, the SALib problem, seeds, evaluation.

Every SALib design is drawn in the unit hypercube and mapped to parameter values here
(uniform or log-uniform per factor), so a log-uniform range is sampled uniformly in log
space whatever SALib's own distribution support, and Morris elementary effects are per
unit of the (log-)range. The model is evaluated through the sweep engine, which runs the
design serially, on local processes or on a Dask cluster with progress and checkpoints.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from .._checks import MAX_MEMBERS
from ..errors import BonemodelError, ParameterError, SolverError, suggest
from ..model import Model

LOG_WORDS = ("log", "loguniform", "log-uniform", "logunif")
LIN_WORDS = ("lin", "linear", "uniform", "unif")
Evaluate = Callable[[pd.DataFrame], Any]


@dataclass(frozen=True)
class Factor:
    """One uncertain parameter: name and range, sampled uniformly or log-uniformly."""

    name: str
    low: float
    high: float
    log: bool = False

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Map unit-interval samples to values in the range."""
        if self.log:
            a, b = math.log(self.low), math.log(self.high)
            return np.exp(a + u * (b - a))
        return self.low + u * (self.high - self.low)


def factors(model: Model | None, params: Sequence[str] | Mapping[str, Any]) -> list[Factor]:
    """Factors from parameter names (ranges and dists from the parameter files) or explicit ranges.

    ``params`` is a list of names, or a mapping ``{name: (low, high)}`` or
    ``{name: (low, high, "log")}`` (``None`` as a value takes the file's range). Inputs
    (e.g. disease activity) may be varied too, with an explicit range. With ``model=None``
    (a plain function) every range must be explicit.
    """
    if isinstance(params, str):
        params = [params]
    if isinstance(params, Mapping):
        items = list(params.items())
    else:
        items = [(name, None) for name in params]
    if not items:
        raise ParameterError("no parameters given; name at least two to compare (or one to screen)")
    names = [n for n, _ in items]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ParameterError(f"parameters {dup} are named more than once")
    out = []
    for name, spec in items:
        if not isinstance(name, str):
            raise ParameterError(f"parameter names must be strings, got {name!r}")
        is_input = model is not None and name in model.input_names
        if model is not None and not is_input:
            param = model.parameters[name]  # unknown name: ParameterError with a suggestion
        if spec is None:
            if model is None or is_input:
                what = "input" if is_input else "parameter"
                raise ParameterError(
                    f"{what} '{name}' needs an explicit range: give {{'{name}': (low, high)}}"
                )
            low, high, dist = model.parameters.ranges([name])[name]  # raises when the file has no range
            log = dist == "loguniform"
        else:
            low, high, log = _parse_range(name, spec)
        if model is not None and not is_input:
            for v in (low, high):
                param.check_value(v, model=model.name)
        out.append(Factor(name, float(low), float(high), log))
    return out


def _parse_range(name: str, spec: Any) -> tuple[float, float, bool]:
    how = "give (low, high) or (low, high, 'log')"
    if isinstance(spec, (str, bytes)) or not isinstance(spec, Sequence) or len(spec) not in (2, 3):
        raise ParameterError(f"range of '{name}' must be (low, high) or (low, high, 'log'), got {spec!r}")
    try:
        low, high = float(spec[0]), float(spec[1])
    except (TypeError, ValueError):
        raise ParameterError(f"range of '{name}' must hold numbers, got {spec!r}; {how}") from None
    log = False
    if len(spec) == 3:
        word = str(spec[2]).lower()
        if word not in LOG_WORDS + LIN_WORDS:
            raise ParameterError(
                f"range of '{name}': scale '{spec[2]}' is unknown{suggest(word, LOG_WORDS + LIN_WORDS)};"
                " use 'log' or 'uniform'"
            )
        log = word in LOG_WORDS
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ParameterError(f"range of '{name}' must be finite with low < high, got ({low:g}, {high:g})")
    if log and low <= 0:
        raise ParameterError(f"log range of '{name}' needs low > 0, got ({low:g}, {high:g})")
    return low, high, log


def problem(fs: Sequence[Factor]) -> dict[str, Any]:
    """SALib problem in the unit hypercube (values are mapped by :func:`design_frame`)."""
    return {"num_vars": len(fs), "names": [f.name for f in fs], "bounds": [[0.0, 1.0]] * len(fs)}


def design_frame(fs: Sequence[Factor], unit: np.ndarray) -> pd.DataFrame:
    """Parameter values, one column per factor, one row per model evaluation."""
    return pd.DataFrame({f.name: f.from_unit(unit[:, i]) for i, f in enumerate(fs)})


def seeds(seed: int) -> tuple[int, int]:
    """(sampling seed, analysis seed) derived from the user's seed.

    SALib's analysis treats a falsy seed (0) as "unseeded" and then draws its bootstrap
    from the global random state, so the analysis always gets a derived non-zero seed.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise BonemodelError(f"seed must be a non-negative integer, got {seed!r}")
    state = np.random.SeedSequence(int(seed)).generate_state(2, dtype=np.uint32)
    return int(seed), int(state[1]) % (2**31 - 2) + 1


def check_count(n: Any, what: str, minimum: int = 1) -> int:
    """A positive integer count of samples (``n``)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < minimum:
        raise BonemodelError(f"{what} must be an integer >= {minimum}, got {n!r}")
    if n > MAX_MEMBERS:  # checked before SALib allocates the design
        raise BonemodelError(f"{what} = {int(n):,} is more than {MAX_MEMBERS:,}; lower it")
    return int(n)


def check_conf_level(conf_level: float) -> None:
    """Refuse a confidence level outside (0, 1).

    Parameters
    ----------
    conf_level
        Confidence level of the bootstrap intervals.

    Raises
    ------
    BonemodelError
        If it is not strictly between 0 and 1.
    """
    if not 0 < conf_level < 1:
        raise BonemodelError(f"conf_level must be in (0, 1), got {conf_level}")


def salib_missing() -> BonemodelError:
    """The error of a global method called where SALib, an optional dependency, is not installed.

    Returns
    -------
    BonemodelError
        The error, naming the extra that installs SALib.
    """
    return BonemodelError(
        "global sensitivity analysis needs SALib; install it with `pip install bonemodel[sensitivity]`"
    )


def interval_row(output: str, parameter: str, index: str, value: float, half: float) -> dict[str, Any]:
    """A row of the tidy frame with its confidence interval ``value`` ∓ ``half``.

    Parameters
    ----------
    output, parameter, index
        What the row is about.
    value
        The index's estimate.
    half
        Half-width of its confidence interval.

    Returns
    -------
    dict
        ``output, parameter, index, value, conf_low, conf_high``.
    """
    return {
        "output": output,
        "parameter": parameter,
        "index": index,
        "value": value,
        "conf_low": value - half,
        "conf_high": value + half,
    }


def factor_ranges(fs: Sequence[Factor]) -> dict[str, tuple[float, float, str]]:
    """The factors' ranges as a result's ``attrs`` record them.

    Parameters
    ----------
    fs
        The factors.

    Returns
    -------
    dict
        Name -> ``(low, high, "log" or "uniform")``.
    """
    return {f.name: (f.low, f.high, "log" if f.log else "uniform") for f in fs}


def outputs_matrix(result: Any, names: Sequence[str], rows: int) -> np.ndarray:
    """(rows, n_outputs) float matrix from an evaluation result (DataFrame, dict or array)."""
    if isinstance(result, pd.DataFrame):
        missing = [n for n in names if n not in result.columns]
        if missing:
            raise BonemodelError(
                f"the evaluation returned no column(s) {missing}; columns were {list(result.columns)}"
            )
        Y = result[list(names)].to_numpy(dtype=float)
    elif isinstance(result, Mapping):
        Y = np.column_stack([np.asarray(result[n], dtype=float) for n in names])
    else:
        Y = np.asarray(result, dtype=float)
        Y = Y.reshape(-1, 1) if Y.ndim == 1 else Y
    if Y.shape != (rows, len(names)):
        raise BonemodelError(f"the evaluation returned shape {Y.shape}, expected {(rows, len(names))}")
    bad = ~np.all(np.isfinite(Y), axis=1)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise SolverError(
            f"{int(bad.sum())} of {rows} model evaluations failed or gave non-finite outputs (first: row "
            f"{first}); the estimators need every member. Narrow the parameter ranges or check the "
            "failing parameter sets (the design is in the error's 'solution' attribute)",
            solution={"failed_rows": np.flatnonzero(bad)},
        )
    return Y


def model_evaluator(
    model: Model,
    outputs: Any,
    *,
    scenario: Any = None,
    t_end: float | None = None,
    workers: int | None = None,
    client: Any = None,
    out: Any = None,
    resume: bool = False,
    progress: bool = True,
    seed: int = 0,
) -> Evaluate:
    """A function design frame -> outputs frame that runs the design through ``bm.sweep``."""
    specs = [outputs] if isinstance(outputs, str) or callable(outputs) else list(outputs)

    def evaluate(frame: pd.DataFrame) -> pd.DataFrame:
        from ..sweep import sweep

        result = sweep(
            model,
            frame,
            seed=seed,
            scenario=scenario,
            t_end=t_end,
            outputs=specs,
            workers=workers,
            client=client,
            out=out,
            resume=resume,
            progress=progress,
        )
        result = _in_design_order(result, len(frame))
        failed = result["status"] != "success" if "status" in result.columns else None
        if failed is not None and failed.any():
            first = int(np.flatnonzero(failed.to_numpy())[0])
            raise SolverError(
                f"{int(failed.sum())} of {len(result)} model runs failed (first: row {first}, "
                f"{dict(frame.iloc[first])}: {result['status'].iloc[first]}); the estimators need every "
                "member: narrow the parameter ranges or fix the failing parameter sets",
                solution=result,
            )
        return result

    return evaluate


class Design(Protocol):
    """A drawn design that analyses the outputs evaluated on its rows (Morris, Sobol)."""

    @property
    def frame(self) -> pd.DataFrame:
        """Parameter values of every evaluation, in design order."""

    def analyze(self, Y: np.ndarray, outputs: Sequence[str]) -> pd.DataFrame:
        """The tidy frame of outputs ``Y`` (rows, n_outputs) named ``outputs``."""


def evaluate_and_analyze(design: Design, func: Evaluate, names: Sequence[str]) -> pd.DataFrame:
    """Evaluate ``func`` on the design's parameter values and analyse the outputs it returns.

    Parameters
    ----------
    design
        The drawn design.
    func
        Design frame -> outputs (DataFrame, mapping or array).
    names
        The outputs to analyse.

    Returns
    -------
    pandas.DataFrame
        The design's tidy frame.
    """
    frame = design.frame
    return design.analyze(outputs_matrix(func(frame), names, len(frame)), names)


def analyze_model(
    model: Model | str,
    params: Sequence[str] | Mapping[str, Any],
    outputs: Any,
    method: Callable[[list[Factor], list[str], Evaluate], pd.DataFrame],
    *,
    evaluate: Evaluate | None,
    scenario: Any,
    t_end: float | None,
    **sweep_options: Any,
) -> pd.DataFrame:
    """A global method applied to a model: factors and outputs checked, the design run by ``bm.sweep``.

    Parameters
    ----------
    model, params, outputs
        As the public method received them (a shipped model's name is loaded here).
    method
        ``method(factors, output names, evaluate) -> tidy frame``: draws the design and analyses it.
    evaluate
        Replaces the sweep: a function design frame -> outputs.
    scenario, t_end
        Passed to every simulation (``t_end`` in days).
    **sweep_options
        The rest of :func:`model_evaluator`'s options: ``workers, client, out, resume,
        progress, seed``.

    Returns
    -------
    pandas.DataFrame
        The method's tidy frame, with the model, scenario and ``t_end`` added to its ``attrs``.
    """
    if isinstance(model, str):
        from ..models import load_model

        model = load_model(model)
    fs = factors(model, params)
    names = output_names(model, outputs, t_end=t_end)
    run = evaluate or model_evaluator(model, outputs, scenario=scenario, t_end=t_end, **sweep_options)
    result = method(fs, names, run)
    result.attrs.update(
        {"model": model.name, "scenario": getattr(scenario, "name", scenario), "t_end": t_end}
    )
    return result


def _in_design_order(result: pd.DataFrame, rows: int) -> pd.DataFrame:
    """The sweep's rows in design order (sorted by a member column when it has one)."""
    for col in ("member", "run", "sample", "row"):
        if col in result.columns:
            result = result.sort_values(col, kind="stable")
            break
    else:
        if not isinstance(result.index, pd.RangeIndex):
            result = result.sort_index(kind="stable")
    if len(result) != rows:
        raise BonemodelError(f"the sweep returned {len(result)} rows for a design of {rows}")
    return result.reset_index(drop=True)


def output_names(
    model: Model | None, outputs: str | Sequence[str], *, t_end: float | None = None
) -> list[str]:
    """Validated output column names (parsed against the model before anything runs).

    A trajectory spec ``NAME@[T0:T1:DT]`` expands to one column per time, as in ``bm.sweep``.
    """
    if model is not None:
        from ._outputs import parse

        outs, _ = parse(model, outputs, t_end=t_end)
        return [o.name for o in outs]
    names = [outputs] if isinstance(outputs, str) else list(outputs)
    if not names:
        raise BonemodelError("no outputs given")
    return names
