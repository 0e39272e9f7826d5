"""bonemodel.derivative: the shared-work differentiator gives sympy's derivatives."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import bonemodel as bm
from bonemodel.derivative import Differentiator, replace_all

x, y, z = sp.symbols("x y z", real=True)


@pytest.mark.parametrize(
    "expr",
    [
        x**2 * y + sp.exp(x * y) / (1 + x),
        sp.log(1 + x**2) * sp.sqrt(x + y),
        sp.Max(0, x - 1) * sp.Min(x, y) + sp.tanh(x * z),
        sp.Piecewise((x**2, x < 1), (x, True)) + sp.Abs(x - y),
        x**x + y ** (2 * x),
    ],
)
def test_derivative_equals_sympy_diff(expr):
    rng = np.random.default_rng(1)
    ours = sp.lambdify((x, y, z), Differentiator(x)(expr))
    theirs = sp.lambdify((x, y, z), sp.diff(expr, x))
    for point in rng.uniform(0.2, 3.0, size=(20, 3)):
        assert ours(*point) == pytest.approx(theirs(*point), rel=1e-12, abs=1e-14)


def test_shared_subexpression_is_differentiated_once():
    inner = sp.sin(x) * y
    shared = sp.exp(inner)
    d = Differentiator(x)
    assert d(shared + x) == sp.diff(shared + x, x)
    visited = []
    walk = d._d
    d._d = lambda e: visited.append(e) or walk(e)
    assert sp.simplify(d(shared * z) - sp.diff(shared * z, x)) == 0
    assert shared in visited and inner not in visited  # the shared node's derivative is reused


def test_needs_sympy_marks_nodes_without_a_rule():
    d = Differentiator(x)
    d(sp.exp(x) + y)
    d(sp.Heaviside(x - 1) * y)
    assert not d.needs_sympy(sp.exp(x) + y)
    assert d.needs_sympy(sp.Heaviside(x - 1) * y)


def test_replace_all_equals_xreplace():
    exprs = [sp.exp(x * y) + sp.Max(x, z), (sp.exp(x * y) + 1) ** 2]
    mapping = {x: sp.Symbol("a"), y: sp.Symbol("b")}
    assert replace_all(exprs, mapping) == [e.xreplace(mapping) for e in exprs]


@pytest.mark.parametrize("name", ["lemaire2004", "pivonka2008", "inflammation"])
def test_model_jacobian_equals_sympy_diff(name):
    """Every Jacobian entry of a shipped model, at random positive points, to rounding."""
    model = bm.load_model(name)
    rhs = model.resolved_rhs()
    rng = np.random.default_rng(2)
    rows = range(len(rhs)) if len(rhs) < 8 else rng.choice(len(rhs), 8, replace=False)
    for i in rows:
        e = rhs[i]
        symbols = sorted(e.free_symbols, key=str)
        for s in model.states:
            v = sp.Symbol(s.name)
            if v not in e.free_symbols:
                continue
            f = sp.lambdify(symbols, [Differentiator(v)(e), sp.diff(e, v)], "math")
            point = rng.uniform(0.5, 1.5, len(symbols))
            try:
                ours, theirs = f(*point)
            except (ValueError, ZeroDivisionError, OverflowError):
                continue
            assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-12), (model.name, i, s.name)
