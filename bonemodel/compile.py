"""Compile a symbolic Model into generated numpy code for the RHS, Jacobian and observables.

The generated module is plain Python source (inspectable as ``CompiledModel.source``)
with common subexpressions eliminated. Each function exists in two flavours: a scalar
one on Python floats (fastest for a single integration driven by LSODA) and a batched
one on numpy arrays whose trailing axis runs over ensemble members or time points.
Parameters and inputs are a runtime vector, so a changed value never recompiles.
Compiled sources are cached in memory and on disk, keyed by a hash of the model; the disk
cache follows the policy of :mod:`bonemodel.cache`.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.pycode import PythonCodePrinter

from .cache import cache_dir, private_folder, read_text, safe_name, write_text  # noqa: F401 - cache_dir re-exported
from .derivative import Differentiator
from .errors import ModelError
from .hoist import hoist_constants
from .model import TIME, Model

GENERATOR_VERSION = "5"  # 5: Jacobian by bonemodel.derivative (same values, new arrangement)
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
        # H(0) = 0 unless given: at a kink of max(0, x) the one-sided derivative from below is used.
        at_zero = self._print(expr.args[1]) if len(expr.args) > 1 else "0.0"
        x = self._print(expr.args[0])
        return f"(1.0 if ({x}) > 0 else ({at_zero} if ({x}) == 0 else 0.0))"

    def _print_sign(self, expr):
        x = self._print(expr.args[0])
        return f"(math.copysign(1.0, {x}) if ({x}) != 0 else 0.0)"

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
        at_zero = self._print(expr.args[1]) if len(expr.args) > 1 else "0.0"
        return f"numpy.heaviside({self._print(expr.args[0])}, {at_zero})"


def _var(prefix: str, name: str) -> str:
    return f"{prefix}_{name}"


@dataclass
class CompiledModel:
    """Numeric functions generated from a Model; picklable (pickles its source).

    Made by `compile_model`. Every function takes time ``t`` [day], the states ``y`` in their
    units and the runtime vector ``p`` (parameters, then inputs, each in its unit); rates are in
    [state unit/day].

    Parameters
    ----------
    name
        Name of the model.
    key
        Hash of the equations; names the cached code (values do not enter it).
    state_names
        Order of the state vector.
    parameter_names
        Order of the parameters in the runtime vector.
    input_names
        Order of the inputs in the runtime vector, after the parameters.
    observable_names
        Order of the observables.
    observable_baselines
        Per observable, ``None`` or ``"start"`` (reported as % change from the first time point).
    nonnegative
        Per state, whether a materially negative value fails a run.
    default_vector
        The runtime vector of the parameter files' values and the inputs' defaults.
    source
        The generated Python source.
    neutral
        States that appear in no right-hand side (kept out of steady-state solves).
    """

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
    neutral: list[str] = field(default_factory=list)
    _fns: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self._fns:
            self._fns = _load(self.source, self.key)
        self.index = {n: i for i, n in enumerate(self.runtime_names)}
        self.state_index = {n: i for i, n in enumerate(self.state_names)}

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_fns"] = {}
        state.pop("_numba_module", None)  # a loaded module does not pickle; workers load their own
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
        """Number of states."""
        return len(self.state_names)

    # Scalar flavour (Python floats in, list or ndarray out)
    def rhs(self, t: float, y, p) -> np.ndarray:
        """Right-hand side at one point.

        Parameters
        ----------
        t
            Time [day].
        y
            States, in their units.
        p
            Runtime vector: parameters, then inputs, each in its unit.

        Returns
        -------
        numpy.ndarray
            Rates [state unit/day], shape (n_states,).
        """
        return np.array(self._fns["rhs_scalar"](t, y, p))

    def jac(self, t: float, y, p) -> np.ndarray:
        """Analytic Jacobian d(rhs)/dy at one point.

        Parameters
        ----------
        t
            Time [day].
        y
            States, in their units.
        p
            Runtime vector: parameters, then inputs.

        Returns
        -------
        numpy.ndarray
            Shape (n_states, n_states); entry (i, j) in [unit of state i / unit of state j / day].
        """
        return self._fns["jac_scalar"](t, y, p)

    # Batched flavour: y (n, *batch), p (m, *batch) or (m,)
    def rhs_batch(self, t, y: np.ndarray, p: np.ndarray) -> np.ndarray:
        """Right-hand side of many members at once.

        Parameters
        ----------
        t
            Time [day], a scalar or one per member.
        y
            States, shape (n_states, *batch).
        p
            Runtime vectors, shape (n_runtime, *batch) or (n_runtime,) for all members.

        Returns
        -------
        numpy.ndarray
            Rates [state unit/day], shape (n_states, *batch).
        """
        return self._fns["rhs_batch"](t, y, p)

    def jac_batch(self, t, y: np.ndarray, p: np.ndarray) -> np.ndarray:
        """Jacobians of many members at once.

        Parameters
        ----------
        t
            Time [day], a scalar or one per member.
        y
            States, shape (n_states, *batch).
        p
            Runtime vectors, shape (n_runtime, *batch) or (n_runtime,).

        Returns
        -------
        numpy.ndarray
            Shape (n_states, n_states, *batch).
        """
        return self._fns["jac_batch"](t, y, p)

    def observables(self, t, y: np.ndarray, p: np.ndarray) -> np.ndarray:
        """Raw observable values (before any baseline).

        Parameters
        ----------
        t
            Time [day], a scalar or one per member.
        y
            States, shape (n_states, *batch).
        p
            Runtime vectors, shape (n_runtime, *batch) or (n_runtime,).

        Returns
        -------
        numpy.ndarray
            Observables in their units, shape (n_obs, *batch).
        """
        return self._fns["obs_batch"](t, y, p)

    def initial(self, p) -> np.ndarray:
        """Initial state for a runtime vector.

        Parameters
        ----------
        p
            Runtime vector: parameters, then inputs.

        Returns
        -------
        numpy.ndarray
            Initial states in their units, shape (n_states,).
        """
        return np.array(self._fns["y0_scalar"](0.0, None, np.asarray(p, dtype=float).tolist()), dtype=float)

    @property
    def scalar_functions(self) -> tuple[Any, Any]:
        """The raw generated (rhs, jac) on Python sequences, for tight integrator loops."""
        return self._fns["rhs_scalar"], self._fns["jac_scalar"]

    def vector(self, values: dict[str, float] | None = None) -> np.ndarray:
        """Runtime vector from the defaults with some names replaced (names unchecked here).

        Parameters
        ----------
        values
            Parameter or input name -> value in its unit.

        Returns
        -------
        numpy.ndarray
            Parameters, then inputs, in `runtime_names` order.
        """
        v = self.default_vector.copy()
        for k, val in (values or {}).items():
            v[self.index[k]] = val
        return v


def model_key(model: Model) -> str:
    """Hash of everything that determines the generated code (not the parameter values).

    Parameters
    ----------
    model
        The model.

    Returns
    -------
    str
        A 24-character hexadecimal key, cached on the model.
    """
    cached = model.__dict__.get("_key")
    if cached is not None:
        return cached
    h = hashlib.sha256(GENERATOR_VERSION.encode())
    parts = [
        model.name,
        model.state_names,
        model.parameter_names,
        model.input_names,
        [sp.srepr(e) for e in model.resolved_rhs()],
        [sp.srepr(model.initial_expr(s)) for s in model.states],
        [(o.name, sp.srepr(model.resolve(o.expr))) for o in model.observables],
    ]
    for part in parts:
        h.update(repr(part).encode())
    key = h.hexdigest()[:24]
    object.__setattr__(model, "_key", key)
    return key


def default_vector(model: Model) -> np.ndarray:
    """Runtime vector of the model's own parameter values and input defaults.

    Parameters
    ----------
    model
        The model.

    Returns
    -------
    numpy.ndarray
        Parameters, then inputs, each in its unit.
    """
    values = [p.value for p in model.parameters.params.values()] + [u.default for u in model.inputs]
    return np.array(values, dtype=float)


def compile_model(model: Model, *, use_cache: bool = True) -> CompiledModel:
    """Generate (or fetch from cache) the numeric functions of ``model``.

    The code depends on the equations only: a model that differs in parameter values
    (``Model.with_parameters``) shares the generated functions of the first one compiled.

    Parameters
    ----------
    model
        The symbolic model.
    use_cache
        Look up and store the generated code in memory and in the disk cache (see the cache
        policy); False generates it afresh.

    Returns
    -------
    CompiledModel
        Right-hand side, Jacobian, observables and initial state as numeric functions;
        ``source`` shows the generated code.

    Examples
    --------
    >>> import bonemodel as bm
    >>> compiled = bm.compile_model(bm.load_model("lemaire2004"))
    >>> compiled.state_names, compiled.n_states
    (['R', 'B', 'C'], 3)
    """
    defaults = default_vector(model)
    cached = model.__dict__.get("_compiled")
    if cached is not None and use_cache and np.array_equal(cached.default_vector, defaults):
        return cached
    key = model_key(model)
    source = _MEMORY_CACHE.get(key) if use_cache else None
    path = _cache_path(model, key) if use_cache and source is None else None
    if path is not None:
        source = _read_cached(path, key)
    if source is None:
        source = generate_source(model, key)
        if path is not None:
            write_text(path, source)
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
        default_vector=defaults,
        source=source,
        neutral=_neutral_states(model),
    )
    if use_cache:
        object.__setattr__(model, "_compiled", compiled)
    return compiled


def _neutral_states(model: Model) -> list[str]:
    used: set[str] = set()
    for e in model.resolved_rhs():
        used |= {str(x) for x in e.free_symbols}
    return [s for s in model.state_names if s not in used]


# ------------------------------------------------------------------ disk cache


def _cache_path(model: Model, key: str) -> Path | None:
    """File of ``model``'s generated code in the private cache folder (None: no usable cache)."""
    folder = private_folder()
    return None if folder is None else folder / f"{safe_name(model.name)}-{key}.py"


def _read_cached(path: Path, key: str) -> str | None:
    """Cached source, if the file is private to this user (see :mod:`bonemodel.cache`) and intact.

    The header and checksum only detect a torn or corrupted file; trust comes from the
    cache policy.
    """
    text = read_text(path)
    if (
        text is not None
        and text.startswith(f"# bonemodel generated code, key {key}\n")
        and _checksum_ok(text)
    ):
        return text
    return None


def _checksum_ok(text: str) -> bool:
    body, _, last = text.rstrip("\n").rpartition("\n")
    return last == f"# sha256 {hashlib.sha256(body.rstrip(chr(10)).encode()).hexdigest()}"


_FNS_CACHE: dict[str, dict[str, Any]] = {}


def _load(source: str, key: str) -> dict[str, Any]:
    """The six functions of a generated source (executed once per process and key)."""
    fns = _FNS_CACHE.get(key)
    if fns is not None and fns["__source__"] == source:
        return fns
    namespace: dict[str, Any] = {"numpy": np, "math": math}
    exec(compile(source, f"<bonemodel {key}>", "exec"), namespace)  # noqa: S102 - our own generated code
    names = ("rhs_scalar", "jac_scalar", "rhs_batch", "jac_batch", "obs_batch", "y0_scalar", "odeint_pair")
    fns = {k: namespace[k] for k in names}
    fns["__source__"] = source
    _FNS_CACHE[key] = fns
    return fns


# ------------------------------------------------------------- code generation


def renaming(model: Model) -> dict[sp.Symbol, sp.Symbol]:
    """Model symbols to the names of generated code: ``y_<state>``, ``p_<parameter>``, ``t``.

    The new symbols are real, so that derivatives of Abs, sign, ... stay real-valued.

    Parameters
    ----------
    model
        The model.

    Returns
    -------
    dict
        Model symbol -> generated-code symbol.
    """
    rename = {sp.Symbol(n): sp.Symbol(_var("y", n), real=True) for n in model.state_names}
    rename.update(
        {sp.Symbol(n): sp.Symbol(_var("p", n), real=True) for n in model.parameter_names + model.input_names}
    )
    rename[TIME] = sp.Symbol("t", real=True)
    return rename


def rhs_and_jacobian(model: Model, rename: dict[sp.Symbol, sp.Symbol]):
    """The renamed RHS and the Jacobian's non-zero entries ``(i, j, d rhs_i / d y_j)``.

    Parameters
    ----------
    model
        The model.
    rename
        The map of `renaming`.

    Returns
    -------
    tuple
        ``(rhs, entries)``: the right-hand sides [state unit/day] and the non-zero Jacobian entries.
    """
    resolved = model.resolved_rhs()
    rhs = [e.xreplace(rename) for e in resolved]
    entries = []
    # one differentiator per state: a subexpression shared by several equations is differentiated once
    by_state = {name: Differentiator(rename[sp.Symbol(name)]) for name in model.state_names}
    for i, (e, raw) in enumerate(zip(rhs, resolved)):
        present = {str(x) for x in raw.free_symbols}
        for j, name in enumerate(model.state_names):
            if name not in present:
                continue
            diff = by_state[name]
            d = diff(e)
            special = diff.needs_sympy(e)
            if special and d.has(sp.DiracDelta):
                d = d.replace(sp.DiracDelta, lambda *args: sp.S.Zero)
            if special and d.has(sp.Derivative):
                raise ModelError(
                    f"model '{model.name}': d{model.state_names[i]}/dt uses a function the compiler cannot "
                    f"differentiate with respect to {name} ({d.atoms(sp.Derivative)}); rewrite it with "
                    "Max/Min/Piecewise or smooth functions"
                )
            if d != 0:
                entries.append((i, j, d))
    return rhs, entries


def generate_source(model: Model, key: str = "") -> str:
    """Python source of the six numeric functions of ``model``.

    Parameters
    ----------
    model
        The model.
    key
        Its `model_key`, written into the source.

    Returns
    -------
    str
        The source of the scalar and batched right-hand side and Jacobian, the observables and the
        initial state.
    """
    states = [sp.Symbol(n) for n in model.state_names]
    runtime = [sp.Symbol(n) for n in model.parameter_names + model.input_names]
    rename = renaming(model)
    rhs, jac_entries = rhs_and_jacobian(model, rename)
    obs = [model.resolve(o.expr).xreplace(rename) for o in model.observables]
    y0 = [model.initial_expr(s).xreplace(rename) for s in model.states]

    unpack_y = _unpack([rename[s] for s in states], "y")
    unpack_p = _unpack([rename[q] for q in runtime], "p")
    n = len(states)
    rhs_cse = _cse(rhs)
    jac_cse = _cse([e for _, _, e in jac_entries]) if jac_entries else ([], [])
    out = [f"# bonemodel generated code, key {key}", f"# model {model.name}: states {model.state_names}", ""]
    try:
        for flavour, printer in (("scalar", _ScalarPrinter()), ("batch", _BatchPrinter())):
            out += _function(f"rhs_{flavour}", rhs_cse, len(rhs), printer, unpack_y, unpack_p, flavour)
            out += _jacobian(f"jac_{flavour}", n, jac_entries, jac_cse, printer, unpack_y, unpack_p, flavour)
        out += _closures(model, rhs, jac_entries, rename, unpack_p)
        out += _function("obs_batch", _cse(obs), len(obs), _BatchPrinter(), unpack_y, unpack_p, "batch")
        out += _function("y0_scalar", _cse(y0), len(y0), _ScalarPrinter(), "", unpack_p, "scalar")
    except Exception as exc:  # sympy printers raise several types for unsupported functions
        raise ModelError(
            f"model '{model.name}': cannot generate numeric code ({type(exc).__name__}: {exc}); "
            "use functions with a numeric meaning (exp, log, sqrt, Max, Min, Piecewise, Abs, sign)"
        ) from None
    body = "\n".join(out) + "\n"
    return body + f"# sha256 {hashlib.sha256(body.rstrip(chr(10)).encode()).hexdigest()}\n"


def _unpack(symbols: list[sp.Symbol], vector: str) -> str:
    if not symbols:
        return ""
    names = ", ".join(str(s) for s in symbols)
    return f"    {names}, = {vector}"


def _cse(exprs: list[sp.Expr], prefix: str = "c_"):
    if not exprs:
        return [], []
    return sp.cse(exprs, symbols=sp.numbered_symbols(prefix))


def _function(name, cse, count, printer, unpack_y, unpack_p, flavour) -> list[str]:
    subs, reduced = cse
    lines = [f"def {name}(t, y, p):"]
    lines += [u for u in (unpack_y, unpack_p) if u]
    for sym, e in subs:
        lines.append(f"    {sym} = {printer.doprint(e)}")
    if flavour == "scalar":
        lines.append("    return [" + ", ".join(printer.doprint(e) for e in reduced) + "]")
    else:
        lines.append(
            f"    out = numpy.empty(({count},) + numpy.broadcast_shapes(numpy.shape(y)[1:], numpy.shape(p)[1:]))"
        )
        for i, e in enumerate(reduced):
            lines.append(f"    out[{i}] = {printer.doprint(e)}")
        lines.append("    return out")
    return lines + ["", ""]


def _closures(model: Model, rhs, entries, rename, unpack_p: str) -> list[str]:
    """``odeint_pair(p) -> (f(y, t), jac(y, t))`` for one run of LSODA.

    Parameters are unpacked, and every parameter-only subexpression computed, once per run
    instead of at every call. ``f`` and ``jac`` fill and return the same arrays each time
    (LSODA copies them), which is cheaper than building new ones.
    """
    printer = _ScalarPrinter()
    states = [rename[sp.Symbol(name)] for name in model.state_names]
    n = len(states)
    constants, lifted = hoist_constants(
        rhs + [e for _, _, e in entries], [*states, rename[TIME]], prefix="k_"
    )
    shared, reduced = _cse([e for _, e in constants], prefix="b_")
    lines = ["def odeint_pair(p):", unpack_p]
    lines += [f"    {sym} = {printer.doprint(e)}" for sym, e in shared]
    lines += [f"    {sym} = {printer.doprint(e)}" for (sym, _), e in zip(constants, reduced)]
    lines.append(f"    F = numpy.empty({n})")
    lines.append(f"    J = numpy.zeros(({n}, {n}))")
    unpack_y = "        " + ", ".join(str(s) for s in states) + ", = y.tolist()"
    lines += ["", "    def f(y, t):", unpack_y]
    subs, reduced = _cse(lifted[: len(rhs)])
    lines += [f"        {sym} = {printer.doprint(e)}" for sym, e in subs]
    lines += [f"        F[{i}] = {printer.doprint(e)}" for i, e in enumerate(reduced)]
    lines.append("        return F")
    lines += ["", "    def jac(y, t):", unpack_y]
    subs, reduced = _cse(lifted[len(rhs) :])
    lines += [f"        {sym} = {printer.doprint(e)}" for sym, e in subs]
    lines += [f"        J[{i}, {j}] = {printer.doprint(e)}" for (i, j, _), e in zip(entries, reduced)]
    lines += ["        return J", "", "    return f, jac", "", ""]
    return lines


def _jacobian(name, n, entries, cse, printer, unpack_y, unpack_p, flavour) -> list[str]:
    subs, reduced = cse
    lines = [f"def {name}(t, y, p):"]
    lines += [u for u in (unpack_y, unpack_p) if u]
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
