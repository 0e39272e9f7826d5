"""Generated numpy code for forward sensitivities: the derivatives of the RHS by states and parameters.

For a model ``y' = f(t, y, p)`` and a chosen subset ``q`` of its parameters the generated
module holds

``sens(t, y, p) -> (J, F)``
    ``J = df/dy`` (n, n) and ``F = df/dq`` (n, m): the forward sensitivity equations
    ``S' = J S + F`` need nothing else.
``second(t, y, p) -> (H, G)`` (only with ``exact=True``, else ``None``)
    ``H[i, k, l] = d2 f_i / dy_k dy_l`` and ``G[i, j, l] = d2 f_i / dq_j dy_l``: the
    state-coupling block of the Jacobian of the augmented system ``(y, S)``. Without it the
    integrator's Newton matrix is block diagonal (``J`` on every block, as in CVODES'
    simultaneous corrector): the Jacobian only steers Newton's iteration, not the accuracy,
    and on the shipped models both take the same steps, while the mixed second derivatives
    are the costliest part of the generation.
``y0(t, y, p) -> (n, m)``
    ``dy(0)/dq`` (initial values may be parameters or expressions of parameters).
``obs(t, y, p) -> (Oy, Op)``
    Batched over a trailing time axis: ``d obs / dy`` (n_obs, n, T) and ``d obs / dq``
    (n_obs, m, T), with the named expressions substituted.

Printers, CSE and variable naming are the ones of :mod:`bonemodel.compile`, so the
generated code reads like the RHS module and behaves the same at kinks (``Max``).
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp
from sympy.core.parameters import evaluate as sympy_evaluate

from ..cache import private_folder, read_text, safe_name, write_text
from ..compile import _BatchPrinter, _ScalarPrinter, _unpack, _var, compile_model
from ..derivative import Differentiator, replace_all
from ..model import TIME, Model

GENERATOR_VERSION = "2"  # 2: derivatives by bonemodel.derivative (same values, new arrangement)
_CACHE: dict[tuple[str, tuple[str, ...]], tuple[str, dict[str, Any]]] = {}


class _ScalarSensPrinter(_ScalarPrinter):
    """Scalar printer where the derivative of a step is zero (the kinks are measure zero)."""

    def _print_DiracDelta(self, expr):
        return "0.0"


class _BatchSensPrinter(_BatchPrinter):
    def _print_DiracDelta(self, expr):
        return "0.0"


def sensitivity_functions(
    model: Model, names: list[str], *, exact: bool = False
) -> tuple[str, dict[str, Any]]:
    """Source and loaded functions of the sensitivity code of ``model`` for parameters ``names``.

    Cached in memory and on disk (beside the compiled RHS, under the policy of
    :mod:`bonemodel.cache`) by the model's hash and the parameter tuple.
    """
    key = (compile_model(model).key, tuple(names), bool(exact))  # the compiled model caches its hash
    hit = _CACHE.get(key)
    if hit is None:
        digest = hashlib.sha256(repr((GENERATOR_VERSION,) + key).encode()).hexdigest()[:24]
        source = _read_disk(model.name, digest)
        if source is None:
            source = generate_sensitivity_source(model, names, exact=exact)
            _write_disk(model.name, digest, source)
        namespace: dict[str, Any] = {"numpy": np, "math": math}
        exec(compile(source, f"<bonemodel sensitivity {key[0]}>", "exec"), namespace)  # noqa: S102
        hit = (source, {k: namespace.get(k) for k in ("sens", "second", "y0", "obs")})
        _CACHE[key] = hit
    return hit


def _disk_path(name: str, digest: str) -> Path | None:
    """File of the sensitivity code in the private cache folder (None: no usable cache)."""
    folder = private_folder()
    return folder / f"{safe_name(name)}-sens-{digest}.py" if folder is not None else None


def _read_disk(name: str, digest: str) -> str | None:
    """Cached source, under the cache policy of :mod:`bonemodel.cache` (same as the compiled RHS).

    Trust comes from the file and its folder being private to this user; the checksum only
    catches a torn or corrupted file, which is then regenerated.
    """
    path = _disk_path(name, digest)
    text = read_text(path) if path is not None else None
    if text is None or not text.startswith("# bonemodel generated sensitivity code, "):
        return None
    body, _, last = text.rstrip("\n").rpartition("\n")
    if last != f"# sha256 {hashlib.sha256((body + chr(10)).encode()).hexdigest()}":
        return None
    return text


def _write_disk(name: str, digest: str, source: str) -> None:
    path = _disk_path(name, digest)
    if path is not None:
        write_text(path, source)  # a cache that cannot be written only costs a regeneration


def _cse(exprs: list[sp.Expr]):
    # No "basic" preprocessing (factor_terms): on second derivatives it doubles the generation
    # time and barely shortens the code.
    return sp.cse(exprs, symbols=sp.numbered_symbols("c_"), optimizations=None)


def generate_sensitivity_source(model: Model, names: list[str], *, exact: bool = False) -> str:
    """Python source of the sensitivity functions of ``model`` with respect to ``names``.

    ``exact`` adds ``second`` (the second derivatives for the exact augmented Jacobian).
    """
    states = [sp.Symbol(n) for n in model.state_names]
    runtime = [sp.Symbol(n) for n in model.parameter_names + model.input_names]
    chosen = [sp.Symbol(n) for n in names]
    rename = {s: sp.Symbol(_var("y", s.name)) for s in states}
    rename.update({q: sp.Symbol(_var("p", q.name)) for q in runtime})
    rename[TIME] = sp.Symbol("t")
    n, m = len(states), len(chosen)
    rhs = model.resolved_rhs()
    # one differentiator per symbol: subexpressions shared between equations are differentiated once
    by = {v: Differentiator(v) for v in [*states, *chosen]}

    J, F, H, G = [], [], [], []
    for i, f in enumerate(rhs):
        present = f.free_symbols
        dys = {}
        for k, s in enumerate(states):
            if s in present:
                d = by[s](f)
                if d != 0:
                    dys[k] = d
                    J.append(((i, k), d))
        for k, dk in dys.items() if exact else ():
            for l in range(k, n):  # noqa: E741 - index names follow the formulas above
                if states[l] in dk.free_symbols:
                    d2 = sp.diff(dk, states[l])
                    if d2 != 0:
                        H.append(((i, k, l), d2))
                        if l != k:
                            H.append(((i, l, k), d2))
        for j, q in enumerate(chosen):
            if q in present:
                d = by[q](f)
                if d != 0:
                    F.append(((i, j), d))
                    for l, s in enumerate(states if exact else ()):  # noqa: E741
                        if s in d.free_symbols:
                            d2 = sp.diff(d, s)
                            if d2 != 0:
                                G.append(((i, j, l), d2))
    Y0 = []
    for i, s in enumerate(model.states):
        e = model.initial_expr(s)
        for j, q in enumerate(chosen):
            if q in e.free_symbols:
                d = by[q](e)
                if d != 0:
                    Y0.append(((i, j), d))
    OY, OP = [], []
    for i, o in enumerate(model.observables):
        e = model.resolve(o.expr)
        for k, s in enumerate(states):
            if s in e.free_symbols:
                d = by[s](e)
                if d != 0:
                    OY.append(((i, k), d))
        for j, q in enumerate(chosen):
            if q in e.free_symbols:
                d = by[q](e)
                if d != 0:
                    OP.append(((i, j), d))

    unpack_y = _unpack([rename[s] for s in states], "y")
    unpack_p = _unpack([rename[q] for q in runtime], "p")
    n_obs = len(model.observables)
    scalar, batch = _ScalarSensPrinter(), _BatchSensPrinter()
    out = [
        f"# bonemodel generated sensitivity code, model {model.name}, generator {GENERATOR_VERSION}",
        f"# states {model.state_names}; parameters {names}; exact Jacobian: {exact}",
        "",
    ]
    out += _arrays("sens", [("J", (n, n), J), ("F", (n, m), F)], scalar, unpack_y, unpack_p, rename, False)
    if exact:
        out += _arrays(
            "second", [("H", (n, n, n), H), ("G", (n, m, n), G)], scalar, unpack_y, unpack_p, rename, False
        )
    out += _arrays("y0", [("Y0", (n, m), Y0)], scalar, "", unpack_p, rename, False)
    out += _arrays(
        "obs", [("Oy", (n_obs, n), OY), ("Op", (n_obs, m), OP)], batch, unpack_y, unpack_p, rename, True
    )
    body = "\n".join(out) + "\n"
    return body + f"# sha256 {hashlib.sha256(body.encode()).hexdigest()}\n"


def _arrays(name, arrays, printer, unpack_y, unpack_p, rename, batched) -> list[str]:
    """A function filling sparse entries of several arrays, with one CSE over all of them."""
    lines = [f"def {name}(t, y, p):"]
    lines += [u for u in (unpack_y, unpack_p) if u]
    # Renaming symbols must not re-evaluate the tree: sympy's Max/Min constructors search their
    # arguments for redundant entries (factor_terms on every Max), which made a flagship model
    # with a few Max terms take minutes here; the expressions are already simplified.
    with sympy_evaluate(False):
        exprs = replace_all([e for _, _, entries in arrays for _, e in entries], rename)
    subs, reduced = _cse(exprs) if exprs else ([], [])
    for sym, e in subs:
        lines.append(f"    {sym} = {printer.doprint(e)}")
    if batched:
        lines.append("    batch = numpy.broadcast_shapes(numpy.shape(y)[1:], numpy.shape(p)[1:])")
    k = 0
    for label, shape, entries in arrays:
        extra = " + batch" if batched else ""
        lines.append(f"    {label} = numpy.zeros({shape!r}{extra})")
        for idx, _ in entries:
            where = ", ".join(map(str, idx))
            lines.append(f"    {label}[{where}] = {printer.doprint(reduced[k])}")
            k += 1
    lines.append("    return " + ", ".join(label for label, _, _ in arrays))
    return lines + ["", ""]
