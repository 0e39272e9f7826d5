"""Compile a symbolic Model into generated numpy code for the RHS, Jacobian and observables.

The generated module is plain Python source (inspectable as ``CompiledModel.source``)
with common subexpressions eliminated. Each function exists in two flavours: a scalar
one on Python floats (fastest for a single integration driven by LSODA) and a batched
one on numpy arrays whose trailing axis runs over ensemble members or time points.
Parameters and inputs are a runtime vector, so a changed value never recompiles.
Compiled sources are cached in memory and on disk, keyed by a hash of the model.
"""

from __future__ import annotations

import hashlib
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.pycode import PythonCodePrinter

from .model import TIME, Model

GENERATOR_VERSION = "2"
_MEMORY_CACHE: dict[str, str] = {}


class _ScalarPrinter(PythonCodePrinter):
    """Prints to plain Python on floats (math module)."""

    def _print_Float(self, expr):
        return repr(float(expr))  # round-trips the double exactly

    def _print_Max(self, expr):
        return "max(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Min(self, expr):
        return "min(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Heaviside(self, expr):
        # H(0) = 0: at a kink of max(0, x) the one-sided derivative from below is used.
        return f"(1.0 if ({self._print(expr.args[0])}) > 0 else 0.0)"

    def _print_Abs(self, expr):
        return f"abs({self._print(expr.args[0])})"


class _BatchPrinter(NumPyPrinter):
    """Prints to numpy calls that broadcast over a trailing batch axis."""

    def _print_Float(self, expr):
        return repr(float(expr))

    def _print_Max(self, expr):
        args = [self._print(a) for a in expr.args]
        out = args[0]
        for a in args[1:]:
            out = f"numpy.maximum({out}, {a})"
        return out

    def _print_Min(self, expr):
        args = [self._print(a) for a in expr.args]
        out = args[0]
        for a in args[1:]:
            out = f"numpy.minimum({out}, {a})"
        return out

    def _print_Heaviside(self, expr):
        return f"numpy.heaviside({self._print(expr.args[0])}, 0.0)"


def _var(prefix: str, name: str) -> str:
    return f"{prefix}_{name}"


@dataclass
class CompiledModel:
    """Numeric functions generated from a Model; picklable (pickles its source)."""

    name: str
    key: str
    state_names: list[str]
    parameter_names: list[str]
    input_names: list[str]
    observable_names: list[str]
    observable_baselines: list[str | None]
    nonnegative: np.ndarray
    default_vector: np.ndarray
    source: str
    _fns: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self._fns:
            self._fns = _load(self.source, self.key)
        self.index = {n: i for i, n in enumerate(self.runtime_names)}
        self.state_index = {n: i for i, n in enumerate(self.state_names)}

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_fns"] = {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._fns = _load(self.source, self.key)

    @property
    def runtime_names(self) -> list[str]:
        """Order of the runtime vector: parameters, then inputs."""
        return self.parameter_names + self.input_names

    @property
    def n_states(self) -> int:
        return len(self.state_names)

    # Scalar flavour (Python floats in, list or ndarray out)
    def rhs(self, t: float, y, p) -> np.ndarray:
        return np.array(self._fns["rhs_scalar"](t, y, p))

    def jac(self, t: float, y, p) -> np.ndarray:
        return self._fns["jac_scalar"](t, y, p)

    # Batched flavour: y (n, *batch), p (m, *batch) or (m,)
    def rhs_batch(self, t, y: np.ndarray, p: np.ndarray) -> np.ndarray:
        return self._fns["rhs_batch"](t, y, p)

    def jac_batch(self, t, y: np.ndarray, p: np.ndarray) -> np.ndarray:
        return self._fns["jac_batch"](t, y, p)

    def observables(self, t, y: np.ndarray, p: np.ndarray) -> np.ndarray:
        """Raw observable values (before any baseline), shape (n_obs, *batch)."""
        return self._fns["obs_batch"](t, y, p)

    def initial(self, p) -> np.ndarray:
        """Initial state for the runtime vector ``p``."""
        return np.array(self._fns["y0_scalar"](0.0, None, list(map(float, p))), dtype=float)

    @property
    def scalar_functions(self) -> tuple[Any, Any]:
        """The raw generated (rhs, jac) on Python sequences, for tight integrator loops."""
        return self._fns["rhs_scalar"], self._fns["jac_scalar"]

    def vector(self, values: dict[str, float] | None = None) -> np.ndarray:
        """Runtime vector from the defaults with some names replaced (names unchecked here)."""
        v = self.default_vector.copy()
        for k, val in (values or {}).items():
            v[self.index[k]] = val
        return v


def cache_dir() -> Path | None:
    """Folder of the on-disk cache (``BONEMODEL_CACHE``, else the user cache); None disables it."""
    env = os.environ.get("BONEMODEL_CACHE")
    if env is not None:
        return Path(env) if env else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "bonemodel"


def model_key(model: Model) -> str:
    """Hash of everything that determines the generated code."""
    h = hashlib.sha256(GENERATOR_VERSION.encode())
    parts = [
        model.state_names,
        model.parameter_names,
        model.input_names,
        [sp.srepr(e) for e in model.resolved_rhs()],
        [sp.srepr(model.initial_expr(s)) for s in model.states],
        [(o.name, sp.srepr(model.resolve(o.expr))) for o in model.observables],
    ]
    for part in parts:
        h.update(repr(part).encode())
    return h.hexdigest()[:24]


def compile_model(model: Model, *, use_cache: bool = True) -> CompiledModel:
    """Generate (or fetch from cache) the numeric functions of ``model``."""
    cached = model.__dict__.get("_compiled")
    if cached is not None and use_cache:
        return cached
    key = model_key(model)
    source = _MEMORY_CACHE.get(key) if use_cache else None
    disk = cache_dir()
    path = disk / f"{model.name}-{key}.py" if disk else None
    if source is None and use_cache and path is not None and path.is_file():
        text = path.read_text(encoding="utf-8")
        # Only trust a cache file whose embedded key and checksum match what we expect.
        if text.startswith(f"# bonemodel generated code, key {key}\n") and _checksum_ok(text):
            source = text
    if source is None:
        source = generate_source(model, key)
        if use_cache and path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(f".{os.getpid()}.tmp")
                tmp.write_text(source, encoding="utf-8")
                os.replace(tmp, path)
            except OSError:
                pass  # a read-only cache only costs a recompile next time
    _MEMORY_CACHE[key] = source
    compiled = CompiledModel(
        name=model.name,
        key=key,
        state_names=model.state_names,
        parameter_names=model.parameter_names,
        input_names=model.input_names,
        observable_names=model.observable_names,
        observable_baselines=[o.baseline for o in model.observables],
        nonnegative=np.array([s.nonnegative for s in model.states], dtype=bool),
        default_vector=np.array(
            [p.value for p in model.parameters.params.values()] + [u.default for u in model.inputs],
            dtype=float,
        ),
        source=source,
    )
    if use_cache:
        object.__setattr__(model, "_compiled", compiled)
    return compiled


def _checksum_ok(text: str) -> bool:
    body, _, last = text.rstrip("\n").rpartition("\n")
    return last == f"# sha256 {hashlib.sha256(body.rstrip(chr(10)).encode()).hexdigest()}"


def _load(source: str, key: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"numpy": np, "math": math}
    exec(compile(source, f"<bonemodel {key}>", "exec"), namespace)  # noqa: S102 - our own generated code
    return {
        k: namespace[k]
        for k in ("rhs_scalar", "jac_scalar", "rhs_batch", "jac_batch", "obs_batch", "y0_scalar")
    }


def generate_source(model: Model, key: str = "") -> str:
    """Python source of the six numeric functions of ``model``."""
    states = [sp.Symbol(n) for n in model.state_names]
    runtime = [sp.Symbol(n) for n in model.parameter_names + model.input_names]
    rename = {s: sp.Symbol(_var("y", s.name)) for s in states}
    rename.update({q: sp.Symbol(_var("p", q.name)) for q in runtime})
    rename[TIME] = sp.Symbol("t")
    rhs = [e.xreplace(rename) for e in model.resolved_rhs()]
    jac_entries = []
    for i, e in enumerate(model.resolved_rhs()):
        for j, s in enumerate(states):
            d = sp.diff(e, s)
            if d != 0:
                jac_entries.append((i, j, d.xreplace(rename)))
    obs = [model.resolve(o.expr).xreplace(rename) for o in model.observables]
    y0 = [model.initial_expr(s).xreplace(rename) for s in model.states]

    unpack_y = _unpack([rename[s] for s in states], "y")
    unpack_p = _unpack([rename[q] for q in runtime], "p")
    n = len(states)
    out = [f"# bonemodel generated code, key {key}", f"# model {model.name}: states {model.state_names}", ""]
    for flavour, printer in (("scalar", _ScalarPrinter()), ("batch", _BatchPrinter())):
        out += _function(f"rhs_{flavour}", rhs, printer, unpack_y, unpack_p, flavour)
        out += _jacobian(f"jac_{flavour}", n, jac_entries, printer, unpack_y, unpack_p, flavour)
    out += _function("obs_batch", obs, _BatchPrinter(), unpack_y, unpack_p, "batch")
    out += _function("y0_scalar", y0, _ScalarPrinter(), "", unpack_p, "scalar")
    body = "\n".join(out) + "\n"
    return body + f"# sha256 {hashlib.sha256(body.rstrip(chr(10)).encode()).hexdigest()}\n"


def _unpack(symbols: list[sp.Symbol], vector: str) -> str:
    if not symbols:
        return ""
    names = ", ".join(str(s) for s in symbols)
    return f"    {names}, = {vector}"


def _cse(exprs: list[sp.Expr]):
    return sp.cse(exprs, symbols=sp.numbered_symbols("c_"))


def _function(name, exprs, printer, unpack_y, unpack_p, flavour) -> list[str]:
    lines = [f"def {name}(t, y, p):"]
    lines += [u for u in (unpack_y, unpack_p) if u]
    subs, reduced = _cse(exprs) if exprs else ([], [])
    for sym, e in subs:
        lines.append(f"    {sym} = {printer.doprint(e)}")
    if flavour == "scalar":
        lines.append("    return [" + ", ".join(printer.doprint(e) for e in reduced) + "]")
    else:
        lines.append(
            f"    out = numpy.empty(({len(exprs)},) + numpy.broadcast_shapes(numpy.shape(y)[1:], numpy.shape(p)[1:]))"
        )
        for i, e in enumerate(reduced):
            lines.append(f"    out[{i}] = {printer.doprint(e)}")
        lines.append("    return out")
    return lines + ["", ""]


def _jacobian(name, n, entries, printer, unpack_y, unpack_p, flavour) -> list[str]:
    lines = [f"def {name}(t, y, p):"]
    lines += [u for u in (unpack_y, unpack_p) if u]
    subs, reduced = _cse([e for _, _, e in entries]) if entries else ([], [])
    for sym, e in subs:
        lines.append(f"    {sym} = {printer.doprint(e)}")
    if flavour == "scalar":
        lines.append(f"    J = numpy.zeros(({n}, {n}))")
    else:
        lines.append(
            f"    J = numpy.zeros(({n}, {n}) + numpy.broadcast_shapes(numpy.shape(y)[1:], numpy.shape(p)[1:]))"
        )
    for (i, j, _), e in zip(entries, reduced):
        lines.append(f"    J[{i}, {j}] = {printer.doprint(e)}")
    lines.append("    return J")
    return lines + ["", ""]
