"""Parameter-only subexpressions are lifted out without changing any expression."""

from __future__ import annotations

import sympy as sp

from bonemodel.hoist import hoist_constants

y, z, t = sp.symbols("y z t", real=True)
a, b, c = sp.symbols("a b c", real=True)


def _restore(expr, definitions):
    table = dict(definitions)
    while expr.free_symbols & set(table):
        expr = expr.xreplace(table)
    return expr


def test_rewritten_expressions_equal_the_originals():
    exprs = [
        a * b * y + c / a,
        sp.Piecewise((y * a / b, a > b / c), (0, True)),
        sp.Max(0, y - a * b),
        y ** (a / 2),
        sp.exp(-a * t) * y,
        sp.Heaviside(a - b) * y + sp.Abs(z - c),
        3 * y,
        sp.Integer(0),
    ]
    definitions, rewritten = hoist_constants(exprs, [y, z, t])
    for original, new in zip(exprs, rewritten):
        assert sp.simplify(original - _restore(new, definitions)) == 0
    for _, e in definitions:
        assert not e.free_symbols & {y, z, t}


def test_constant_products_and_quotients_become_one_symbol():
    definitions, (new,) = hoist_constants([a * b * y / c + a], [y])
    assert len(new.free_symbols - {y}) == 2  # one for a*b/c, and a itself (an atom, not hoisted)
    assert len(definitions) == 1 and sp.simplify(definitions[0][1] - a * b / c) == 0


def test_atoms_and_conditions_are_not_named():
    definitions, (new,) = hoist_constants([sp.Piecewise((y, a > b), (2 * y, True))], [y])
    assert definitions == [] and new == sp.Piecewise((y, a > b), (2 * y, True))


def test_the_same_subexpression_gets_one_name():
    definitions, (first, second) = hoist_constants([a / b * y, z + a / b], [y, z])
    assert len(definitions) == 1
    (k,) = first.free_symbols - {y}
    assert k in second.free_symbols
