"""Sweep designs: which parameter sets to run.

A design turns ranges into a table of parameter sets (one row per member): a full grid,
a Latin hypercube or a scrambled Sobol sequence (``scipy.stats.qmc``), each drawn on the
unit cube and mapped to every parameter's range, uniformly or log-uniformly. A user
DataFrame passes through unchanged after its columns are checked. Every design is a pure
function of its arguments and ``seed``, so the same call gives the same table anywhere.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from ._checks import MAX_MEMBERS, count, mapping, real, shown
from .errors import ParameterError, suggest
from .model import Model

DESIGNS = ("lhs", "sobol", "grid")
SCALES = ("linear", "log")


@dataclass(frozen=True)
class Range:
    """One swept parameter: ``low`` to ``high``, sampled uniformly in ``scale`` (linear or log).

    Parameters
    ----------
    name
        The parameter (or input).
    low, high
        Bounds, in the parameter's unit.
    scale
        ``"linear"`` or ``"log"``.
    """

    name: str
    low: float
    high: float
    scale: str = "linear"

    def map(self, u: np.ndarray) -> np.ndarray:
        """Map unit-interval samples to the range.

        Parameters
        ----------
        u
            Samples in [0, 1].

        Returns
        -------
        numpy.ndarray
            Values in the parameter's unit.
        """
        if self.scale == "log":
            lo, hi = math.log(self.low), math.log(self.high)
            return np.exp(lo + u * (hi - lo))
        return self.low + u * (self.high - self.low)


def parse_ranges(model: Model, params: Mapping[str, Any]) -> list[Range]:
    """Validate ``{name: (low, high) | (low, high, "log") | None}`` against the model.

    ``None`` (or ``...``) takes the range and distribution from the parameter file.
    Errors are raised before anything is simulated: unknown names (with a suggestion),
    ``low >= high``, non-finite bounds, non-positive log bounds, bounds below the
    parameter's lower limit.

    Parameters
    ----------
    model
        The model whose parameters are swept.
    params
        Parameter name -> range, bounds in the parameter's unit.

    Returns
    -------
    list of Range
        One checked range per parameter, with its scale (linear or log).

    Raises
    ------
    ParameterError
        If a name is unknown or a range is invalid.
    """
    params = mapping(params, "params", ParameterError, "{'k_B': (0.1, 0.3)}")
    if not params:
        raise ParameterError("no parameters to sweep; give e.g. {'k_B': (0.1, 0.3)}")
    known = model.parameter_names + model.input_names
    out = []
    for name, spec in params.items():
        if name not in known:
            raise ParameterError(f"unknown parameter '{name}' for model '{model.name}'{suggest(name, known)}")
        if spec is None or spec is Ellipsis:
            low, high, dist = model.parameters.ranges([name])[name]
            spec = (low, high, "log" if dist == "loguniform" else "linear")
        if not isinstance(spec, (tuple, list)) or len(spec) not in (2, 3):
            raise ParameterError(
                f"range of '{name}' must be (low, high) or (low, high, 'log'), got {shown(spec)}"
            )
        low = real(spec[0], f"range of '{name}': low", ParameterError, allow_inf=True)
        high = real(spec[1], f"range of '{name}': high", ParameterError, allow_inf=True)
        if len(spec) == 3 and not isinstance(spec[2], str):
            raise ParameterError(f"range of '{name}': scale must be 'log' or omitted, got {spec[2]!r}")
        scale = spec[2] if len(spec) == 3 else "linear"
        if scale in ("loguniform", "logarithmic"):
            scale = "log"
        if scale in ("uniform", "lin"):
            scale = "linear"
        if scale not in SCALES:
            raise ParameterError(f"range of '{name}': scale must be 'log' or omitted, got {spec[2]!r}")
        if not (math.isfinite(low) and math.isfinite(high)):
            raise ParameterError(f"range of '{name}' must be finite, got ({low:g}, {high:g})")
        if not low < high:
            raise ParameterError(
                f"range of '{name}': low ({low:g}) must be below high ({high:g}); swap them or widen the range"
            )
        if scale == "log" and low <= 0:
            raise ParameterError(
                f"log range of '{name}' needs low > 0, got ({low:g}, {high:g}); use a linear range or a positive bound"
            )
        if name in model.parameters:
            lower = model.parameters[name].lower
            if low < lower:
                raise ParameterError(
                    f"range of '{name}' starts at {low:g}, below its lower bound {lower:g} "
                    f"({model.parameters[name].description})"
                )
        out.append(Range(name, low, high, scale))
    return out


def unit_samples(design: str, n: int | None, d: int, *, seed: int = 0) -> np.ndarray:
    """Samples on the unit cube, shape (n, d), for ``design`` in lhs | sobol | grid.

    For ``grid``, ``n`` is the number of levels per parameter (n**d rows, ends included).
    ``sobol`` needs ``n`` a power of two (its balance properties hold only then).

    Parameters
    ----------
    design
        ``"lhs"``, ``"sobol"`` or ``"grid"``.
    n
        Members (lhs, sobol) or levels per parameter (grid).
    d
        Number of parameters.
    seed
        Seed of the scrambling or permutation.

    Returns
    -------
    numpy.ndarray
        Points in [0, 1]^d, shape (n, d) (``(n**d, d)`` for a grid).
    """
    if not isinstance(design, str) or design not in DESIGNS:
        hint = suggest(design, DESIGNS) if isinstance(design, str) else ""
        raise ParameterError(
            f"unknown design {repr(design) if isinstance(design, str) else shown(design)}{hint}; choose one of {list(DESIGNS)}"
        )
    try:
        n = count(n, "n", ParameterError, low=1)
    except ParameterError:
        raise ParameterError(f"n must be a positive integer for design '{design}', got {shown(n)}") from None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(
            f"seed must be a non-negative integer (designs are reproducible), got {shown(seed)}"
        )
    # Checked before anything is allocated: n = 10**12 would ask numpy for terabytes.
    if n > MAX_MEMBERS:
        size = f"{n:,}" if n.bit_length() < 64 else f"about 2**{n.bit_length()}"
        raise ParameterError(
            f"n = {size} members is more than {MAX_MEMBERS:,}; run several smaller sweeps with different seeds"
        )
    if design == "grid" and d * math.log10(max(n, 1)) > math.log10(MAX_MEMBERS):
        raise ParameterError(
            f"a grid with n={n} levels for each of {d} parameters has 10**{d * math.log10(n):.1f} members, "
            f"more than {MAX_MEMBERS:,}; for a grid, n is the number of levels per parameter: lower it, or "
            "use design='lhs' or 'sobol'"
        )
    if design == "grid":
        if n < 2:
            levels = np.array([0.5])
        else:
            levels = np.linspace(0.0, 1.0, n)
        mesh = np.meshgrid(*([levels] * d), indexing="ij")
        return np.column_stack([m.ravel() for m in mesh])
    if design == "sobol":
        if n & (n - 1):
            lower = 1 << (n.bit_length() - 1)
            raise ParameterError(
                f"a Sobol design needs n to be a power of two, got {n}; use n={lower} or n={2 * lower}"
            )
        return qmc.Sobol(d, scramble=True, seed=np.random.default_rng(seed)).random(n)
    return qmc.LatinHypercube(d, seed=np.random.default_rng(seed)).random(n)


def make_design(
    model: Model,
    params: Mapping[str, Any] | pd.DataFrame,
    *,
    n: int | None = None,
    design: str = "lhs",
    seed: int = 0,
) -> pd.DataFrame:
    """A table of parameter sets, one row per member, one column per swept parameter.

    Parameters
    ----------
    model
        The model whose parameters are swept (names and lower bounds are checked).
    params
        ``{name: (low, high)}``, ``{name: (low, high, "log")}``, ``{name: None}`` (range from
        the parameter file), or a DataFrame of parameter sets (returned with a fresh index).
    n
        Number of members (lhs, sobol) or levels per parameter (grid).
    design
        ``"lhs"`` (default), ``"sobol"`` or ``"grid"``.
    seed
        Seed of the scrambling/permutation; the same seed gives the same table.

    Examples
    --------
    >>> from bonemodel.designs import unit_samples
    >>> unit_samples("grid", 3, 1).ravel().tolist()
    [0.0, 0.5, 1.0]

    Returns
    -------
    pandas.DataFrame
        One row per member, one column per parameter (values in the parameters' units).

    Raises
    ------
    ParameterError
        If a name or range is invalid, or the design or ``n`` does not fit.
    """
    if isinstance(params, pd.DataFrame):
        return check_frame(model, params)
    if not isinstance(params, Mapping):
        raise ParameterError(
            "params must be a mapping of ranges such as {'k_B': (0.1, 0.3)} or a DataFrame of parameter "
            f"sets, got {type(params).__name__}"
        )
    ranges = parse_ranges(model, params)
    u = unit_samples(design, n, len(ranges), seed=seed)
    data = {r.name: r.map(u[:, i]) for i, r in enumerate(ranges)}
    return pd.DataFrame(data, index=pd.RangeIndex(u.shape[0], name="member"))


def check_frame(model: Model, frame: pd.DataFrame) -> pd.DataFrame:
    """Check a user table of parameter sets: known names, numeric values; reindex 0..n-1.

    Parameters
    ----------
    model
        The model whose parameters the table sets.
    frame
        One row per member, one column per parameter or input (values in their units).

    Returns
    -------
    pandas.DataFrame
        The table, with float values and index 0..n-1.

    Raises
    ------
    ParameterError
        If a column is not a parameter or input of the model, or a value is not acceptable.
    """
    known = model.parameter_names + model.input_names
    if frame.shape[1] == 0 or frame.shape[0] == 0:
        raise ParameterError(
            "the DataFrame of parameter sets is empty; give one column per parameter and a row per set"
        )
    duplicated = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
    if duplicated:
        raise ParameterError(f"the DataFrame of parameter sets names {duplicated} more than once")
    for col in frame.columns:
        if pd.api.types.is_bool_dtype(frame[col]) or not pd.api.types.is_numeric_dtype(frame[col]):
            raise ParameterError(
                f"column '{col}' of the parameter sets must hold numbers, got dtype {frame[col].dtype}"
            )
        if col not in known:
            raise ParameterError(
                f"unknown parameter '{col}' for model '{model.name}'{suggest(str(col), known)}"
            )
    try:
        out = frame.astype(float)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"parameter sets must be numbers: {exc}") from None
    out = out.reset_index(drop=True)
    out.index.name = "member"
    return out
