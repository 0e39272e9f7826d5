"""Helpers shared by the inflammation modules: normalised response functions and lookups."""

from __future__ import annotations

import sympy as sp

from ...errors import ModelError
from ...model import Model
from ...parameters import ParameterSet, load_parameters


def up(x: sp.Expr, gain: sp.Expr) -> sp.Expr:
    """Rising response ``(1 + g x) / (1 + g)``: 1 at the baseline ratio x = 1, positive for x >= 0."""
    return (1 + gain * x) / (1 + gain)


def down(x: sp.Expr, gain: sp.Expr) -> sp.Expr:
    """Falling response ``(1 + g) / (1 + g x)``: 1 at x = 1, between 0 and 1 + g for x >= 0."""
    return (1 + gain) / (1 + gain * x)


def params(module: str) -> ParameterSet:
    """The parameter file ``parameters/inflammation_<module>.toml``."""
    return load_parameters(f"inflammation_{module}")


def S(name: str) -> sp.Symbol:
    """The sympy symbol of a state, parameter, input or named expression."""
    return sp.Symbol(name)


def require(model: Model, module: str, *needed: str) -> None:
    """Raise if a module this one builds on was not applied before it."""
    missing = [m for m in needed if m not in model.modules]
    if missing:
        raise ModelError(
            f"inflammation module '{module}' needs module(s) {missing}; add them to modules= "
            f"(e.g. build(modules=({', '.join(repr(m) for m in (*missing, module))})))"
        )


def has(model: Model, expression: str) -> bool:
    """Whether the model defines a named expression (a module upstream provided it)."""
    return expression in model.expressions
