"""Symbolic derivatives that reuse shared subexpressions: the cost of compiling large models.

A resolved right-hand side repeats the same named expressions (signals, couplings) in many
equations, and sympy's ``diff`` walks every copy again through its general ``Derivative``
machinery. :class:`Differentiator` applies the sum, product, power and chain rules itself
and remembers each subexpression's derivative, so a subexpression shared by many equations,
or many Jacobian entries, is differentiated once per variable. Nodes without a rule here
(``Piecewise``, ``Abs``, ...) are handed to sympy's ``diff``, so the result is always sympy's
derivative, possibly in a different but equal arrangement.
"""

from __future__ import annotations

import sympy as sp


class Differentiator:
    """Derivatives of many expressions by one variable, sharing work between them.

    Parameters
    ----------
    variable
        The symbol to differentiate by.

    Examples
    --------
    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> Differentiator(x)(sp.exp(x * y) + x**2)
    2*x + y*exp(x*y)
    """

    def __init__(self, variable: sp.Symbol) -> None:
        self.variable = variable
        self._memo: dict[sp.Basic, sp.Expr] = {}
        self._depends: dict[sp.Basic, bool] = {}
        self._special: set[sp.Basic] = set()

    def __call__(self, expr: sp.Expr) -> sp.Expr:
        """The derivative of ``expr`` by the variable.

        Parameters
        ----------
        expr
            A sympy expression.

        Returns
        -------
        sympy.Expr
            Its derivative (equal to ``sympy.diff(expr, variable)``).
        """
        return self._d(expr)

    def needs_sympy(self, expr: sp.Expr) -> bool:
        """Whether sympy's ``diff`` made part of the derivative of ``expr`` (then it may hold
        ``Derivative`` or ``DiracDelta`` terms worth checking for).

        Parameters
        ----------
        expr
            An expression already differentiated by this object.

        Returns
        -------
        bool
            True if some node of ``expr`` had no rule here.
        """
        return expr in self._special

    def _depends_on(self, e: sp.Basic) -> bool:
        found = self._depends.get(e)
        if found is None:
            if e.is_Symbol:
                found = e == self.variable
            elif e.is_Atom:
                found = False
            else:
                found = any(self._depends_on(a) for a in e.args)
            self._depends[e] = found
        return found

    def _d(self, e: sp.Basic) -> sp.Expr:
        x = self.variable
        if e == x:
            return sp.S.One
        if not self._depends_on(e):
            return sp.S.Zero
        memo = self._memo
        found = memo.get(e)
        if found is not None:
            return found
        special = False
        if e.is_Add:
            out = sp.Add(*[self._d(a) for a in e.args])
            special = any(a in self._special for a in e.args)
        elif e.is_Mul:
            args = e.args
            terms = []
            for i, a in enumerate(args):
                da = self._d(a)
                if da != 0:
                    terms.append(sp.Mul(*args[:i], da, *args[i + 1 :]))
                    special = special or a in self._special
            out = sp.Add(*terms)
        elif e.is_Pow and not self._depends_on(e.exp):
            base, n = e.args
            out = n * base ** (n - 1) * self._d(base)
            special = base in self._special
        elif isinstance(e, (sp.exp, sp.log)):
            arg = e.args[0]
            out = (e if isinstance(e, sp.exp) else 1 / arg) * self._d(arg)
            special = arg in self._special
        elif isinstance(e, (sp.Max, sp.Min, *_PLAIN)):
            terms = []
            for i, a in enumerate(e.args):
                da = self._d(a)
                if da != 0:
                    terms.append(e.fdiff(i + 1) * da)
                    special = special or a in self._special
            out = sp.Add(*terms)
        else:  # no rule here (Piecewise, Abs, sign, Heaviside, ...): sympy's own
            out = sp.diff(e, x)
            special = True
        memo[e] = out
        if special:
            self._special.add(e)
        return out


# One-argument functions whose derivative is fdiff(1) times the argument's (plain chain rule).
_PLAIN = (sp.sin, sp.cos, sp.tan, sp.tanh, sp.sinh, sp.cosh, sp.atan, sp.erf)


def replace_all(exprs: list[sp.Expr], mapping: dict[sp.Basic, sp.Basic]) -> list[sp.Expr]:
    """``[e.xreplace(mapping) for e in exprs]``, rebuilding each shared subexpression once.

    Derivatives of a resolved model share most of their subtrees; ``xreplace`` walks each
    copy again. Call it inside ``sympy.core.parameters.evaluate(False)`` to keep the
    arrangement (as the callers here do).

    Parameters
    ----------
    exprs
        Expressions.
    mapping
        Old node -> new node (typically symbol renames).

    Returns
    -------
    list of sympy.Expr
        The expressions with the nodes replaced.
    """
    memo: dict[sp.Basic, sp.Basic] = {}

    def walk(e: sp.Basic) -> sp.Basic:
        found = mapping.get(e)
        if found is not None:
            return found
        if not e.args:
            return e
        found = memo.get(e)
        if found is None:
            args = tuple(walk(a) for a in e.args)
            found = e if args == e.args else e.func(*args)
            memo[e] = found
        return found

    return [walk(e) for e in exprs]
