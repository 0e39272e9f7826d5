"""sympy <-> SBML MathML, by walking expression trees node by node.

Export builds libsbml ``ASTNode`` objects from the sympy tree; import walks libsbml's parsed
AST and maps each node type through a whitelist to a sympy constructor. Text is never
evaluated: a node type outside the whitelist raises :class:`UnsupportedMath`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import libsbml
import sympy as sp

from ..model import TIME


class UnsupportedMath(ValueError):
    """A MathML construct outside the supported subset (the message names it)."""


# ----------------------------------------------------------------------------- export
_EXPORT_FUNCTIONS: dict[type, int] = {
    sp.exp: libsbml.AST_FUNCTION_EXP,
    sp.log: libsbml.AST_FUNCTION_LN,
    sp.Abs: libsbml.AST_FUNCTION_ABS,
    sp.floor: libsbml.AST_FUNCTION_FLOOR,
    sp.ceiling: libsbml.AST_FUNCTION_CEILING,
    sp.sin: libsbml.AST_FUNCTION_SIN,
    sp.cos: libsbml.AST_FUNCTION_COS,
    sp.tan: libsbml.AST_FUNCTION_TAN,
    sp.sinh: libsbml.AST_FUNCTION_SINH,
    sp.cosh: libsbml.AST_FUNCTION_COSH,
    sp.tanh: libsbml.AST_FUNCTION_TANH,
    sp.asin: libsbml.AST_FUNCTION_ARCSIN,
    sp.acos: libsbml.AST_FUNCTION_ARCCOS,
    sp.atan: libsbml.AST_FUNCTION_ARCTAN,
    sp.Max: libsbml.AST_FUNCTION_MAX,
    sp.Min: libsbml.AST_FUNCTION_MIN,
    sp.Add: libsbml.AST_PLUS,
    sp.Mul: libsbml.AST_TIMES,
    sp.Pow: libsbml.AST_POWER,
    sp.And: libsbml.AST_LOGICAL_AND,
    sp.Or: libsbml.AST_LOGICAL_OR,
    sp.Not: libsbml.AST_LOGICAL_NOT,
    sp.Xor: libsbml.AST_LOGICAL_XOR,
    sp.Eq: libsbml.AST_RELATIONAL_EQ,
    sp.Ne: libsbml.AST_RELATIONAL_NEQ,
    sp.Lt: libsbml.AST_RELATIONAL_LT,
    sp.Le: libsbml.AST_RELATIONAL_LEQ,
    sp.Gt: libsbml.AST_RELATIONAL_GT,
    sp.Ge: libsbml.AST_RELATIONAL_GEQ,
}


def _node(kind: int, *children: libsbml.ASTNode) -> libsbml.ASTNode:
    node = libsbml.ASTNode(kind)
    for child in children:
        node.addChild(child)
    return node


def _number(value: sp.Number) -> libsbml.ASTNode:
    if value is sp.nan:
        node = libsbml.ASTNode(libsbml.AST_REAL)
        node.setValue(math.nan)
        return node
    if value.is_Integer:
        node = libsbml.ASTNode(libsbml.AST_INTEGER)
        node.setValue(int(value))
        return node
    if value.is_Rational:
        node = libsbml.ASTNode(libsbml.AST_RATIONAL)
        node.setValue(int(value.p), int(value.q))
        return node
    node = libsbml.ASTNode(libsbml.AST_REAL)
    node.setValue(float(value))
    return node


def to_ast(expr: sp.Basic, rename: Mapping[str, str] | None = None) -> libsbml.ASTNode:
    """The libsbml AST of a sympy expression; ``rename`` maps symbol names to SBML ids.

    Raises :class:`UnsupportedMath` for a sympy function with no MathML counterpart.
    """
    rename = rename or {}
    if expr is sp.true or expr is sp.false:
        return libsbml.ASTNode(libsbml.AST_CONSTANT_TRUE if expr is sp.true else libsbml.AST_CONSTANT_FALSE)
    if expr.is_Number or expr is sp.nan:
        if expr in (sp.oo, -sp.oo):
            node = libsbml.ASTNode(libsbml.AST_REAL)
            node.setValue(math.inf if expr is sp.oo else -math.inf)
            return node
        return _number(expr)
    if expr is sp.E:
        return libsbml.ASTNode(libsbml.AST_CONSTANT_E)
    if expr is sp.pi:
        return libsbml.ASTNode(libsbml.AST_CONSTANT_PI)
    if isinstance(expr, sp.Symbol):
        if expr == TIME and "t" not in rename:
            node = libsbml.ASTNode(libsbml.AST_NAME_TIME)
            node.setName("time")
            return node
        node = libsbml.ASTNode(libsbml.AST_NAME)
        node.setName(rename.get(expr.name, expr.name))
        return node
    if isinstance(expr, sp.Piecewise):
        node = libsbml.ASTNode(libsbml.AST_FUNCTION_PIECEWISE)
        for value, cond in expr.args:
            node.addChild(to_ast(value, rename))
            if cond is not sp.true:
                node.addChild(to_ast(cond, rename))
        return node
    if isinstance(expr, sp.Heaviside):
        x = expr.args[0]
        half = expr.args[1] if len(expr.args) > 1 else sp.Rational(1, 2)
        return to_ast(sp.Piecewise((0, x < 0), (half, sp.Eq(x, 0)), (1, True)), rename)
    kind = _EXPORT_FUNCTIONS.get(expr.func)
    if kind is None:
        raise UnsupportedMath(f"sympy function {expr.func.__name__} has no SBML MathML counterpart here")
    return _node(kind, *(to_ast(a, rename) for a in expr.args))


# ----------------------------------------------------------------------------- import
_UNARY: dict[int, Callable[[sp.Expr], sp.Expr]] = {
    libsbml.AST_FUNCTION_EXP: sp.exp,
    libsbml.AST_FUNCTION_LN: sp.log,
    libsbml.AST_FUNCTION_ABS: sp.Abs,
    libsbml.AST_FUNCTION_FLOOR: sp.floor,
    libsbml.AST_FUNCTION_CEILING: sp.ceiling,
    libsbml.AST_FUNCTION_SIN: sp.sin,
    libsbml.AST_FUNCTION_COS: sp.cos,
    libsbml.AST_FUNCTION_TAN: sp.tan,
    libsbml.AST_FUNCTION_SINH: sp.sinh,
    libsbml.AST_FUNCTION_COSH: sp.cosh,
    libsbml.AST_FUNCTION_TANH: sp.tanh,
    libsbml.AST_FUNCTION_ARCSIN: sp.asin,
    libsbml.AST_FUNCTION_ARCCOS: sp.acos,
    libsbml.AST_FUNCTION_ARCTAN: sp.atan,
    libsbml.AST_LOGICAL_NOT: sp.Not,
}
_NARY: dict[int, Callable[..., sp.Basic]] = {
    libsbml.AST_PLUS: sp.Add,
    libsbml.AST_TIMES: sp.Mul,
    libsbml.AST_FUNCTION_MAX: sp.Max,
    libsbml.AST_FUNCTION_MIN: sp.Min,
    libsbml.AST_LOGICAL_AND: sp.And,
    libsbml.AST_LOGICAL_OR: sp.Or,
    libsbml.AST_LOGICAL_XOR: sp.Xor,
}
_RELATIONS: dict[int, Callable[[sp.Expr, sp.Expr], sp.Basic]] = {
    libsbml.AST_RELATIONAL_EQ: sp.Eq,
    libsbml.AST_RELATIONAL_NEQ: sp.Ne,
    libsbml.AST_RELATIONAL_LT: sp.Lt,
    libsbml.AST_RELATIONAL_LEQ: sp.Le,
    libsbml.AST_RELATIONAL_GT: sp.Gt,
    libsbml.AST_RELATIONAL_GEQ: sp.Ge,
}
_EMPTY: dict[int, sp.Basic] = {
    libsbml.AST_PLUS: sp.Integer(0),
    libsbml.AST_TIMES: sp.Integer(1),
    libsbml.AST_LOGICAL_AND: sp.true,
    libsbml.AST_LOGICAL_OR: sp.false,
    libsbml.AST_LOGICAL_XOR: sp.false,
}

FunctionTable = Mapping[str, tuple[tuple[sp.Symbol, ...], sp.Basic]]
"""SBML function id -> (bound variables as sympy Dummies, body)."""


def from_ast(
    node: libsbml.ASTNode,
    names: Callable[[str], sp.Basic],
    functions: FunctionTable | None = None,
) -> sp.Basic:
    """The sympy expression of a libsbml AST.

    ``names`` maps an SBML id to its sympy object (it raises for an unknown id);
    ``functions`` holds the translated function definitions, which are expanded in place.
    """
    functions = functions or {}
    kind = node.getType()
    kids = [node.getChild(i) for i in range(node.getNumChildren())]

    def sub(k: libsbml.ASTNode) -> sp.Basic:
        return from_ast(k, names, functions)

    if kind == libsbml.AST_INTEGER:
        return sp.Integer(node.getInteger())
    if kind == libsbml.AST_RATIONAL:
        return sp.Rational(node.getNumerator(), node.getDenominator())
    if kind in (libsbml.AST_REAL, libsbml.AST_REAL_E):
        value = node.getReal()
        if math.isnan(value):
            return sp.nan
        if math.isinf(value):
            return sp.oo if value > 0 else -sp.oo
        return sp.Float(value)
    if kind == libsbml.AST_NAME:
        return names(node.getName())
    if kind == libsbml.AST_NAME_TIME:
        return TIME
    if kind == libsbml.AST_NAME_AVOGADRO:
        return sp.Float(6.02214076e23)
    if kind == libsbml.AST_CONSTANT_E:
        return sp.E
    if kind == libsbml.AST_CONSTANT_PI:
        return sp.pi
    if kind == libsbml.AST_CONSTANT_TRUE:
        return sp.true
    if kind == libsbml.AST_CONSTANT_FALSE:
        return sp.false
    if kind in _NARY:
        if not kids:
            if kind in _EMPTY:
                return _EMPTY[kind]
            raise UnsupportedMath(f"'{node.getName()}' with no arguments")
        return _NARY[kind](*(sub(k) for k in kids))
    if kind == libsbml.AST_MINUS:
        if len(kids) == 1:
            return -sub(kids[0])
        return sub(kids[0]) - sub(kids[1])
    if kind == libsbml.AST_DIVIDE:
        return sub(kids[0]) / sub(kids[1])
    if kind in (libsbml.AST_POWER, libsbml.AST_FUNCTION_POWER):
        return sp.Pow(sub(kids[0]), sub(kids[1]))
    if kind == libsbml.AST_FUNCTION_ROOT:
        if len(kids) == 1:
            return sp.sqrt(sub(kids[0]))
        return sp.Pow(sub(kids[1]), 1 / sub(kids[0]))
    if kind == libsbml.AST_FUNCTION_LOG:
        if len(kids) == 1:
            return sp.log(sub(kids[0]), 10)
        return sp.log(sub(kids[1]), sub(kids[0]))
    if kind in _UNARY and len(kids) == 1:
        return _UNARY[kind](sub(kids[0]))
    if kind in _RELATIONS:
        if len(kids) != 2:
            raise UnsupportedMath(f"relation '{node.getName()}' with {len(kids)} arguments (2 supported)")
        return _RELATIONS[kind](sub(kids[0]), sub(kids[1]))
    if kind == libsbml.AST_FUNCTION_PIECEWISE:
        pieces = [sub(k) for k in kids]
        pairs = [(pieces[i], pieces[i + 1]) for i in range(0, len(pieces) - 1, 2)]
        otherwise = pieces[-1] if len(pieces) % 2 else sp.nan
        return sp.Piecewise(*pairs, (otherwise, True))
    if kind == libsbml.AST_FUNCTION:
        name = node.getName()
        if name not in functions:
            raise UnsupportedMath(f"call of undefined function '{name}'")
        bvars, body = functions[name]
        if len(bvars) != len(kids):
            raise UnsupportedMath(f"function '{name}' takes {len(bvars)} arguments, given {len(kids)}")
        return body.xreplace(dict(zip(bvars, (sub(k) for k in kids))))
    label = node.getName() or libsbml.formulaToL3String(node) or f"AST type {kind}"
    raise UnsupportedMath(f"MathML operator '{label}' is not supported")


def lambda_from_ast(
    node: libsbml.ASTNode, names: Callable[[str], sp.Basic], functions: FunctionTable
) -> tuple[tuple[sp.Symbol, ...], sp.Basic]:
    """Bound variables and body of a ``<lambda>`` (a function definition's math)."""
    if node is None or node.getType() != libsbml.AST_LAMBDA:
        raise UnsupportedMath("function definition without a <lambda>")
    n = node.getNumBvars()
    bvars = tuple(sp.Dummy(node.getChild(i).getName()) for i in range(n))
    local = {node.getChild(i).getName(): b for i, b in enumerate(bvars)}

    def lookup(name: str) -> sp.Basic:
        return local[name] if name in local else names(name)

    return bvars, from_ast(node.getChild(n), lookup, functions)
