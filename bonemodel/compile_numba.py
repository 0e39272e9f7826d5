"""Generate a numba-compiled ensemble solver for one model (the optional ``fast`` extra).

The generated module holds the model's RHS and Jacobian as scalar functions writing into
preallocated arrays (same sympy CSE as :mod:`bonemodel.compile`), a small LU solver, and
the RODAS4 integrator of :mod:`bonemodel.solvers.batch` written as a loop over members,
so each member runs entirely in machine code with its own steps. The source is executed
from memory (never read back from disk); numba's machine code for it is cached in
``<cache>/numba`` under the policy of :mod:`bonemodel.cache` (a private folder, private
files written atomically), so a model is compiled once per machine, not once per process:
spawned workers, which receive the source, load the machine code from disk. Without a
usable cache folder (``BONEMODEL_CACHE=""``, or a folder that fails the checks) nothing
is written: each process compiles in memory. The functions release the GIL
(``nogil=True``), so local workers can be threads, which start instantly.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import linecache
import sys
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

import sympy as sp

from . import cache
from .compile import CompiledModel, _cse, _ScalarPrinter, renaming, rhs_and_jacobian
from .hoist import hoist_constants
from .model import TIME, Model

NUMBA_GENERATOR_VERSION = "8"  # 8: derivatives by bonemodel.derivative
_LOADED: dict[str, ModuleType] = {}
_SOURCES: dict[str, str] = {}
_LOAD_LOCK = threading.Lock()
# Plain njit: the loader attaches a disk cache in a private folder (numba's own cache=True
# would pick a folder itself: NUMBA_CACHE_DIR, __pycache__ beside the source, ~/.cache/numba).
_JIT = '@njit(nogil=True, error_model="numpy")'


@functools.cache
def numba_available() -> bool:
    """Whether numba can be imported (``pip install bonemodel[fast]``).

    Returns
    -------
    bool
        True if numba is installed.
    """
    return importlib.util.find_spec("numba") is not None


def generate_numba_source(model: Model, key: str) -> str:
    """Python source (numba-jittable) of derive, rhs, jac and the member-loop RODAS4 solver.

    ``derive(p, q)`` computes every parameter-only subexpression of the RHS and Jacobian
    into ``q`` once per scenario segment; ``rhs(t, y, p, q, out)`` and ``jac(t, y, p, q, J)``
    then do only the state-dependent arithmetic at each of the solver's stages.

    Parameters
    ----------
    model
        The model.
    key
        Its cache key.

    Returns
    -------
    str
        The module's source.
    """
    rename = renaming(model)
    rhs, entries = rhs_and_jacobian(model, rename)
    states = [rename[sp.Symbol(n)] for n in model.state_names]
    runtime = [rename[sp.Symbol(n)] for n in model.parameter_names + model.input_names]
    constants, lifted = hoist_constants(rhs + [e for _, _, e in entries], [*states, rename[TIME]])
    lifted_rhs, lifted_jac = lifted[: len(rhs)], lifted[len(rhs) :]
    printer = _ScalarPrinter()

    def unpack(exprs, with_states: bool) -> list[str]:
        used = set().union(*(e.free_symbols for e in exprs)) if exprs else set()
        lines = [f"    {s} = y[{i}]" for i, s in enumerate(states) if with_states and s in used]
        lines += [f"    {q} = p[{i}]" for i, q in enumerate(runtime) if q in used]
        lines += [f"    {k} = q[{i}]" for i, (k, _) in enumerate(constants) if k in used]
        return lines

    jit = _JIT
    lines = [
        f"# bonemodel numba code, key {key}, generator {NUMBA_GENERATOR_VERSION}",
        "import math",
        "import numpy",
        "from numba import njit",
        "",
        f"NQ = {len(constants)}  # parameter-only subexpressions, computed once per segment",
        f"N = {len(states)}  # states: a compile-time constant, so the small loops unroll",
        "",
        "",
        jit,
        "def derive(p, q):",
    ]
    shared, reduced = _cse([e for _, e in constants], prefix="b_")
    lines += unpack([e for _, e in constants], with_states=False)
    lines += [f"    {sym} = {printer.doprint(e)}" for sym, e in shared]
    lines += [f"    q[{i}] = {printer.doprint(e)}" for i, e in enumerate(reduced)]
    lines += ["    return", "", "", jit, "def rhs(t, y, p, q, out):"]
    lines += unpack(lifted_rhs, with_states=True)
    subs, reduced = _cse(lifted_rhs)
    lines += [f"    {sym} = {printer.doprint(e)}" for sym, e in subs]
    lines += [f"    out[{i}] = {printer.doprint(e)}" for i, e in enumerate(reduced)]
    lines += ["", "", jit, "def jac(t, y, p, q, J):"]
    lines += unpack(lifted_jac, with_states=True)
    lines.append("    J[:, :] = 0.0")
    if entries:
        subs, reduced = _cse(lifted_jac)
        lines += [f"    {sym} = {printer.doprint(e)}" for sym, e in subs]
        lines += [f"    J[{i}, {j}] = {printer.doprint(e)}" for (i, j, _), e in zip(entries, reduced)]
    return "\n".join(lines) + "\n\n" + _SOLVER


def numba_key(compiled: CompiledModel) -> str:
    """Cache key of the numba module of a compiled model.

    Parameters
    ----------
    compiled
        The compiled model.

    Returns
    -------
    str
        The key (the equations' key and the generator's version).
    """
    return hashlib.sha256((compiled.key + NUMBA_GENERATOR_VERSION).encode()).hexdigest()[:24]


def numba_source(model: Model, compiled: CompiledModel) -> str:
    """Generated numba source of ``model`` (cheap to ship to workers, which compile or load it).

    Parameters
    ----------
    model
        The model.
    compiled
        Its compiled numpy functions.

    Returns
    -------
    str
        The numba module's source.
    """
    key = numba_key(compiled)
    if key not in _SOURCES:
        _SOURCES[key] = generate_numba_source(model, key)
    return _SOURCES[key]


def numba_cached(compiled: CompiledModel) -> bool:
    """Whether this machine's cache already holds the model's numba machine code.

    Then a sweep on the numba path only loads it (a fraction of a second) instead of compiling.

    Parameters
    ----------
    compiled
        The compiled model.

    Returns
    -------
    bool
        True if the generated kernel is loaded in this process or its machine code is on disk.
    """
    key = numba_key(compiled)
    if key in _LOADED:
        return True
    folder = cache.cache_dir()
    if folder is None:
        return False
    prefix = f"bm_{cache.safe_name(compiled.name)}_{cache.safe_name(key)}.solve_all-"
    try:
        return any(p.name.startswith(prefix) and p.suffix == ".nbi" for p in (folder / "numba").iterdir())
    except OSError:
        return False


def load_numba_solver(model: Model, compiled: CompiledModel) -> ModuleType:
    """The compiled numba module of ``model`` (generated and cached on first use).

    Parameters
    ----------
    model
        The model.
    compiled
        Its compiled numpy functions.

    Returns
    -------
    types.ModuleType
        The module with ``derive``, ``rhs``, ``jac`` and the RODAS4 member loop.
    """
    module = compiled.__dict__.get("_numba_module")
    if module is None:
        key = numba_key(compiled)
        module = _LOADED.get(key) or _load(numba_source(model, compiled), key, compiled.name)
        compiled.__dict__["_numba_module"] = module  # a single run skips the lookups next time
    return module


def load_from_source(source: str, key: str, name: str) -> ModuleType:
    """Load an already generated module (used by workers that received the source).

    Parameters
    ----------
    source
        The generated source.
    key
        Its cache key.
    name
        The model's name (names the cache file).

    Returns
    -------
    types.ModuleType
        The loaded module (its machine code from the cache when present).
    """
    if key in _LOADED:
        return _LOADED[key]
    return _load(source, key, name)


def _load(source: str, key: str, name: str) -> ModuleType:
    """Execute the generated source as a module; its jitted functions cache machine code privately.

    The source itself comes from this process (or the parent that sent it to a worker) and is
    never read back from disk, so nothing in the cache folder is executed as Python.
    """
    with _LOAD_LOCK:  # threads starting together share one module (and one compilation)
        module = _LOADED.get(key)
        if module is not None:
            return module
        mod_name = f"_bonemodel_numba_{key}"
        filename = f"<bonemodel numba {cache.safe_name(name)} {key}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        module = ModuleType(mod_name)
        sys.modules[mod_name] = module  # numba rebuilds cached functions' globals by module name
        exec(compile(source, filename, "exec"), module.__dict__)  # noqa: S102 - our own generated code
        folder = cache.private_folder("numba")
        if folder is not None:
            _attach_disk_cache(module, folder, f"bm_{cache.safe_name(name)}_{cache.safe_name(key)}", source)
        _LOADED[key] = module
        return module


def _attach_disk_cache(module: ModuleType, folder: Path, prefix: str, source: str) -> None:
    """Give each jitted function of ``module`` a disk cache in the private ``folder``."""
    try:
        from numba.core.dispatcher import Dispatcher

        make = _private_cache_class()
    except (ImportError, AttributeError) as exc:  # numba's cache internals moved
        cache.warn_once(
            "numba-internals",
            f"bonemodel cannot cache numba machine code with this numba version ({exc}); "
            "every process compiles afresh",
        )
        return
    stamp = hashlib.sha256(source.encode()).hexdigest()
    for value in list(vars(module).values()):
        if isinstance(value, Dispatcher) and value.py_func.__module__ == module.__name__:
            value._cache = make(value.py_func, folder, prefix, stamp)


@functools.cache
def _private_cache_class() -> type:
    """numba's function cache, with the folder, file checks and writes of :mod:`bonemodel.cache`.

    numba chooses the folder of ``cache=True`` itself and unpickles whatever it finds there;
    here the folder is one the cache policy accepted, a file is loaded only if it passes the
    file checks, and files are written with private modes, atomically.
    """
    from numba.core import caching

    class Locator(caching._CacheLocator):
        def __init__(self, py_func: Any, folder: Path, stamp: str) -> None:
            self._py_file = py_func.__code__.co_filename
            self._lineno = py_func.__code__.co_firstlineno
            self._folder = str(folder)
            self._stamp = stamp

        def ensure_cache_path(self) -> None:
            pass  # created and checked by bonemodel.cache.private_folder

        def get_cache_path(self) -> str:
            return self._folder

        def get_source_stamp(self) -> str:
            return self._stamp

        def get_disambiguator(self) -> str:
            return str(self._lineno)

    class Impl(caching.CompileResultCacheImpl):
        def __init__(self, py_func: Any, locator: Locator, prefix: str) -> None:
            # Not the base initialiser: it searches numba's own locators for a folder.
            self._lineno = py_func.__code__.co_firstlineno
            self._locator = locator
            self._filename_base = self.get_filename_base(f"{prefix}.{py_func.__qualname__}", "")

    class Files(caching.IndexDataCacheFile):
        def _load_index(self) -> dict:
            if not cache.file_trusted(Path(self._index_path)):
                return {}
            return super()._load_index()

        def _load_data(self, name: str) -> Any:
            if not cache.file_trusted(Path(self._data_path(name))):
                raise OSError(f"untrusted cache file {name}")  # numba treats it as missing
            return super()._load_data(name)

        def _open_for_write(self, filepath: str):
            return cache.write_atomic(Path(filepath))

    class PrivateCache(caching.FunctionCache):
        def __init__(self, py_func: Any, folder: Path, prefix: str, stamp: str) -> None:
            # Mirrors numba's Cache.__init__ with the locator and files above.
            self._name = repr(py_func)
            self._py_func = py_func
            self._impl = Impl(py_func, Locator(py_func, folder, stamp), prefix)
            self._cache_path = str(folder)
            self._cache_file = Files(
                cache_path=self._cache_path, filename_base=self._impl.filename_base, source_stamp=stamp
            )
            self.enable()

        def save_overload(self, sig: Any, data: Any) -> None:
            try:
                super().save_overload(sig, data)
            except OSError:
                pass  # a cache that cannot be written only costs a compilation next time

    return PrivateCache


# The integrator: the same RODAS4 as bonemodel.solvers.batch, one member at a time.
_SOLVER = '''
GAMMA = 0.25
C2, C3, C4 = 0.386, 0.21, 0.63
D1, D2, D3, D4 = 0.25, -0.1043, 0.1035, -0.3620000000000023e-01
A21 = 0.1544000000000000e01
A31, A32 = 0.9466785280815826e00, 0.2557011698983284e00
A41, A42, A43 = 0.3314825187068521e01, 0.2896124015972201e01, 0.9986419139977817e00
A51, A52, A53, A54 = 0.1221224509226641e01, 0.6019134481288629e01, 0.1253708332932087e02, -0.6878860361058950e00
C21 = -0.5668800000000000e01
C31, C32 = -0.2430093356833875e01, -0.2063599157091915e00
C41, C42, C43 = -0.1073529058151375e00, -0.9594562251023355e01, -0.2047028614809616e02
C51, C52, C53, C54 = 0.7496443313967647e01, -0.1024680431464352e02, -0.3399990352819905e02, 0.1170890893206160e02
C61, C62, C63, C64, C65 = (0.8083246795921522e01, -0.7981132988064893e01, -0.3152159432874371e02,
                           0.1631930543123136e02, -0.6058818238834054e01)
E21, E22, E23, E24, E25 = (0.1012623508344586e02, -0.7487995877610167e01, -0.3480091861555747e02,
                           -0.7992771707568823e01, 0.1025137723295662e01)
E31, E32, E33, E34, E35 = (-0.6762803392801253e00, 0.6087714651680015e01, 0.1643084320892478e02,
                           0.2476722511418386e02, -0.6594389125716872e01)
FAC1, FAC2, SAFE = 5.0, 1.0 / 6.0, 0.9
UROUND = 2.220446049250313e-16
LIMIT = 1e150  # bonemodel.solvers.batch.LIMIT: the same limits on every path
MAX_TINY_STEPS = 1000  # bonemodel.solvers.batch.MAX_TINY_STEPS


@njit(nogil=True, error_model="numpy")
def lu(A, piv):
    n = N
    for k in range(n):
        m = k
        big = abs(A[k, k])
        for i in range(k + 1, n):
            if abs(A[i, k]) > big:
                big = abs(A[i, k])
                m = i
        piv[k] = m
        if not (big > 0.0):
            return False
        if m != k:
            for j in range(n):
                tmp = A[k, j]
                A[k, j] = A[m, j]
                A[m, j] = tmp
        for i in range(k + 1, n):
            A[i, k] /= A[k, k]
            f = A[i, k]
            if f != 0.0:
                for j in range(k + 1, n):
                    A[i, j] -= f * A[k, j]
    return True


@njit(nogil=True, error_model="numpy")
def lusolve(A, piv, x):
    n = N
    for k in range(n):
        m = piv[k]
        if m != k:
            tmp = x[k]
            x[k] = x[m]
            x[m] = tmp
    for k in range(n):
        xk = x[k]
        for i in range(k + 1, n):
            x[i] -= A[i, k] * xk
    for k in range(n - 1, -1, -1):
        s = x[k]
        for j in range(k + 1, n):
            s -= A[k, j] * x[j]
        x[k] = s / A[k, k]


@njit(nogil=True, error_model="numpy")
def wnorm(v, y0, y1, rtol, atol):
    s = 0.0
    n = N
    for i in range(n):
        sk = atol[i] + rtol * max(abs(y0[i]), abs(y1[i]))
        s += (v[i] / sk) ** 2
    return math.sqrt(s / n)


@njit(nogil=True, error_model="numpy")
def start_check(t, y, f, J, rtol, atol, info):
    """0 if the member can be integrated from here, else (as bonemodel.solvers.batch.start_problems,
    same order) 4 f or J not finite, 5 a state, 6 a rate relative to its tolerance, 7 a Jacobian
    entry beyond LIMIT; info gets t, the (flat) index and the value."""
    n = N
    for i in range(n):
        if not math.isfinite(f[i]):
            info[0] = t
            return 4
        for j in range(n):
            if not math.isfinite(J[i, j]):
                info[0] = t
                return 4
    for kind in range(3):
        worst = 0.0
        k = 0
        for i in range(n):
            for j in range(n if kind == 2 else 1):
                if kind == 0:
                    r = abs(y[i])
                elif kind == 1:
                    r = abs(f[i]) / (atol[i] + rtol * abs(y[i]))
                else:
                    r = abs(J[i, j])
                if r > worst:
                    worst = r
                    k = i * n + j if kind == 2 else i
        if worst > LIMIT:
            info[0] = t
            info[1] = k
            if kind == 0:
                info[2] = y[k]
            elif kind == 1:
                info[2] = f[k]
            else:
                info[2] = J[k // n, k % n]
            return 5 + kind
    return 0


@njit(nogil=True, error_model="numpy")
def integrate_member(T, seg_a, seg_b, segP, y0, rtol, atol, nonneg, max_steps, timed, out, info):
    """RODAS4 for one member; fills out (K, n), NaN after a failure.

    Returns 0 ok, 1 step underflow or non-finite, 2 too many steps, 3 a state went negative,
    4 to 7 where a segment starts (see start_check).
    """
    n = N
    K = T.size
    y = y0.copy()
    f0 = numpy.empty(n)
    dy = numpy.empty(n)
    fx = numpy.zeros(n)
    f1 = numpy.empty(n)
    ak1 = numpy.empty(n)
    ak2 = numpy.empty(n)
    ak3 = numpy.empty(n)
    ak4 = numpy.empty(n)
    ak5 = numpy.empty(n)
    ak6 = numpy.empty(n)
    yt = numpy.empty(n)
    ynew = numpy.empty(n)
    scale = numpy.abs(y0)
    J = numpy.zeros((n, n))
    E = numpy.empty((n, n))
    piv = numpy.zeros(n, dtype=numpy.int64)
    q = numpy.empty(max(NQ, 1))
    kout = 0
    steps = 0
    h_prev = -1.0
    S = seg_a.size
    for s in range(S):
        a = seg_a[s]
        bb = seg_b[s]
        p = segP[s]
        derive(p, q)
        last = s == S - 1
        while kout < K and T[kout] <= a:
            for i in range(n):
                out[kout, i] = max(y[i], 0.0) if nonneg[i] else y[i]
            kout += 1
        t = a
        span = bb - a
        rhs(t, y, p, q, f0)
        jac(t, y, p, q, J)
        code = start_check(t, y, f0, J, rtol, atol, info)
        if code != 0:
            info[3] = steps
            out[kout:, :] = numpy.nan
            return code
        # Starting step (Hairer), per member; after a switch no larger than the last step.
        d0 = wnorm(y, y, y, rtol, atol)
        d1 = wnorm(f0, y, y, rtol, atol)
        if d0 < 1e-5 or d1 < 1e-5:
            h0 = 1e-6
        else:
            h0 = 0.01 * d0 / d1
        h0 = min(h0, span)
        for i in range(n):
            yt[i] = y[i] + h0 * f0[i]
        rhs(t + h0, yt, p, q, f1)
        for i in range(n):
            dy[i] = f1[i] - f0[i]
        d2 = wnorm(dy, y, y, rtol, atol) / h0
        dmax = max(d1, d2)
        if dmax <= 1e-15:
            h1 = max(1e-6, h0 * 1e-3)
        else:
            h1 = (0.01 / dmax) ** 0.25
        h = min(100.0 * h0, h1)
        if not (h > 0.0 and h < 1e300):
            h = 1e-6
        h = min(h, span)
        if h_prev > 0.0:
            h = min(h, h_prev)
        first = True
        reject = False
        hacc = 1.0
        erracc = 1.0
        stuck = 0
        while t < bb:
            rest = bb - t
            if 1.01 * h >= rest:
                h = rest
            jac(t, y, p, q, J)
            g = 1.0 / (h * GAMMA)
            for i in range(n):
                for j in range(n):
                    E[i, j] = -J[i, j]
                E[i, i] += g
            good = lu(E, piv)
            err = numpy.inf
            finite = False
            fac = 1.0
            if good:
                if timed:
                    delt = math.sqrt(UROUND * max(1e-5, abs(t)))
                    rhs(t + delt, y, p, q, f1)
                    for i in range(n):
                        fx[i] = (f1[i] - f0[i]) / delt
                hc = 1.0 / h
                for i in range(n):
                    ak1[i] = f0[i] + h * D1 * fx[i]
                lusolve(E, piv, ak1)
                for i in range(n):
                    yt[i] = y[i] + A21 * ak1[i]
                rhs(t + C2 * h, yt, p, q, dy)
                for i in range(n):
                    ak2[i] = dy[i] + hc * C21 * ak1[i] + h * D2 * fx[i]
                lusolve(E, piv, ak2)
                for i in range(n):
                    yt[i] = y[i] + A31 * ak1[i] + A32 * ak2[i]
                rhs(t + C3 * h, yt, p, q, dy)
                for i in range(n):
                    ak3[i] = dy[i] + hc * (C31 * ak1[i] + C32 * ak2[i]) + h * D3 * fx[i]
                lusolve(E, piv, ak3)
                for i in range(n):
                    yt[i] = y[i] + A41 * ak1[i] + A42 * ak2[i] + A43 * ak3[i]
                rhs(t + C4 * h, yt, p, q, dy)
                for i in range(n):
                    ak4[i] = dy[i] + hc * (C41 * ak1[i] + C42 * ak2[i] + C43 * ak3[i]) + h * D4 * fx[i]
                lusolve(E, piv, ak4)
                for i in range(n):
                    yt[i] = y[i] + A51 * ak1[i] + A52 * ak2[i] + A53 * ak3[i] + A54 * ak4[i]
                rhs(t + h, yt, p, q, dy)
                for i in range(n):
                    ak5[i] = dy[i] + hc * (C51 * ak1[i] + C52 * ak2[i] + C53 * ak3[i] + C54 * ak4[i])
                lusolve(E, piv, ak5)
                for i in range(n):
                    yt[i] = yt[i] + ak5[i]
                rhs(t + h, yt, p, q, dy)
                for i in range(n):
                    ak6[i] = dy[i] + hc * (C61 * ak1[i] + C62 * ak2[i] + C63 * ak3[i] + C64 * ak4[i] + C65 * ak5[i])
                lusolve(E, piv, ak6)
                finite = True
                for i in range(n):
                    ynew[i] = yt[i] + ak6[i]
                    if not (abs(ynew[i]) < 1e300):
                        finite = False
                if finite:
                    err = wnorm(ak6, y, ynew, rtol, atol)
                    if not (err < 1e300):
                        finite = False
                        err = numpy.inf
            steps += 1
            err = max(err, 1e-10)
            if finite:
                fac = min(FAC1, max(FAC2, err ** 0.25 / SAFE))
                hnew = h / fac
            else:
                hnew = 0.1 * h
            if err <= 1.0:
                if not first:
                    facgus = (hacc / h) * (err ** 2 / erracc) ** 0.25 / SAFE
                    facgus = min(FAC1, max(FAC2, facgus))
                    fac = max(fac, facgus)
                    hnew = h / fac
                if reject:
                    hnew = min(hnew, h)
                hacc = h
                erracc = max(1e-2, err)
                t_new = t + h
                if bb - t_new <= 1e-12 * max(1.0, abs(bb)):
                    t_new = bb
                while kout < K and T[kout] <= t_new and (last or T[kout] < bb):
                    sx = (T[kout] - t) / h
                    s1 = 1.0 - sx
                    for i in range(n):
                        if T[kout] == t_new:
                            v = ynew[i]
                        else:
                            e2 = E21 * ak1[i] + E22 * ak2[i] + E23 * ak3[i] + E24 * ak4[i] + E25 * ak5[i]
                            e3 = E31 * ak1[i] + E32 * ak2[i] + E33 * ak3[i] + E34 * ak4[i] + E35 * ak5[i]
                            v = s1 * y[i] + sx * (ynew[i] + s1 * (e2 + sx * e3))
                        out[kout, i] = max(v, 0.0) if nonneg[i] else v
                    kout += 1
                for i in range(n):
                    scale[i] = max(scale[i], abs(ynew[i]))
                    if nonneg[i] and ynew[i] < -(100.0 * atol[i] + 1e-6 * scale[i]):
                        info[0] = t_new
                        info[1] = i
                        info[2] = ynew[i]
                        info[3] = steps
                        out[kout:, :] = numpy.nan
                        return 3
                    y[i] = max(ynew[i], 0.0) if nonneg[i] else ynew[i]
                t = t_new
                first = False
                reject = False
                rhs(t, y, p, q, f0)
            else:
                if first:
                    hnew = 0.1 * h
                reject = True
            h = hnew
            if steps >= max_steps:
                info[0] = t
                info[3] = steps
                out[kout:, :] = numpy.nan
                return 2
            if h < 10.0 * UROUND * max(abs(t), 1.0):
                stuck += 1
            else:
                stuck = 0
            # the step no longer changes t (rodas.f), or has made no progress for MAX_TINY_STEPS
            if not (h > 10.0 * UROUND * abs(t)) or stuck > MAX_TINY_STEPS:
                info[0] = t
                info[1] = 1.0 if finite else 0.0
                info[3] = steps
                out[kout:, :] = numpy.nan
                return 1
        h_prev = hacc
    info[3] = steps
    return 0


@njit(nogil=True, error_model="numpy")
def solve_all(T, seg_a, seg_b, segP, Y0, rtol, atol, nonneg, max_steps, timed, out, codes, info):
    """Every member in turn; segP (B, S, m), Y0 (B, n), out (B, K, n), info (B, 4)."""
    B = Y0.shape[0]
    for b in range(B):
        codes[b] = integrate_member(
            T, seg_a, seg_b, segP[b], Y0[b], rtol, atol, nonneg, max_steps, timed, out[b], info[b]
        )
'''
