"""Lift parameter-only subexpressions out of code that runs at every step.

An integrator calls the RHS and Jacobian hundreds of times with the same parameters, yet
the generated code would recompute terms such as ``k3/k4`` or ``1/(k2*k_O)`` on every
call. :func:`hoist_constants` replaces each largest subexpression that does not involve
the states or time by a new symbol, defined once per run (or per scenario segment).
Sums and products that mix constant and state-dependent terms have their constant terms
grouped into one symbol, so ``p1*p2*y`` becomes ``k_0*y`` with ``k_0 = p1*p2``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sympy as sp


def hoist_constants(
    exprs: Sequence[sp.Expr], dynamic: Iterable[sp.Symbol], prefix: str = "k_"
) -> tuple[list[tuple[sp.Symbol, sp.Expr]], list[sp.Expr]]:
    """Split ``exprs`` into constant definitions and expressions that use them.

    Returns ``(definitions, rewritten)``: ``definitions`` is a list of ``(symbol, expr)``
    where ``expr`` is free of the ``dynamic`` symbols, and substituting the definitions
    into ``rewritten`` gives back ``exprs``. Atoms (symbols, numbers) are never hoisted.

    Parameters
    ----------
    exprs
        The expressions (right-hand sides, Jacobian entries, observables).
    dynamic
        Symbols that change during a run (states, time, inputs scheduled by scenarios).
    prefix
        Name prefix of the new constant symbols.

    Returns
    -------
    tuple
        ``(definitions, rewritten)`` as described above.
    """
    dynamic = frozenset(dynamic)
    table: dict[sp.Expr, sp.Symbol] = {}
    definitions: list[tuple[sp.Symbol, sp.Expr]] = []
    depends: dict[sp.Basic, bool] = {}  # memo: does a subexpression involve a dynamic symbol?
    done: dict[sp.Basic, sp.Basic] = {}  # memo: rewritten subexpressions (shared subtrees are common)

    def name(e: sp.Expr) -> sp.Expr:
        if e.is_Atom:
            return e
        symbol = table.get(e)
        if symbol is None:
            symbol = sp.Symbol(f"{prefix}{len(definitions)}", real=True)
            table[e] = symbol
            definitions.append((symbol, e))
        return symbol

    def is_constant(e: sp.Basic) -> bool:
        known = depends.get(e)
        if known is None:
            known = e in dynamic if e.is_Atom else any([not is_constant(a) for a in e.args])
            depends[e] = known
        return not known

    def walk(e: sp.Basic) -> sp.Basic:
        if e.is_Atom:
            return e
        if e in done:
            return done[e]
        # Only numeric expressions get a name: a condition or a Piecewise branch pair must
        # stay what it is, though the numbers inside it are still hoisted.
        if is_constant(e) and isinstance(e, sp.Expr):
            new = name(e)
        elif isinstance(e, (sp.Add, sp.Mul)):
            constant = [a for a in e.args if is_constant(a)]
            rest = [walk(a) for a in e.args if not is_constant(a)]
            if len(constant) > 1 or (constant and not constant[0].is_Atom):
                constant = [name(e.func(*constant))]
            new = e.func(*constant, *rest)
        else:
            new = e.func(*[walk(a) for a in e.args])
        done[e] = new
        return new

    rewritten = [walk(e if isinstance(e, sp.Basic) else sp.Float(e)) for e in exprs]
    return definitions, rewritten
