"""Property-based fuzzing of the public entry points with arbitrary values and types.

Each entry point either succeeds with documented results (finite states; outputs and observables
that are numbers, inf being the IEEE limit of x/0) or raises a ``BonemodelError``: never another
exception, never a "success" holding NaN. In each example
one argument at most is drawn from anything at all (the "fault"); the others are plausible, so
most examples get past the argument checks and really run, with parameter values across the
whole double range. The runs are derandomized (the same examples on every machine and in CI)
and small: short spans on the small models.
"""

from __future__ import annotations

import inspect
import json
import math

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bonemodel as bm
from bonemodel import scenarios as S
from bonemodel.errors import BonemodelError, ParameterFileError
from bonemodel.parameters import parse_parameter_text
from bonemodel.scenario import Scenario, Window

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
MODELS = {name: bm.load_model(name) for name in ("lemaire2004", "komarova2003")}

# Values of every kind a user might pass by mistake.
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.just(np.bool_(True)),
    st.text(max_size=4),
    st.binary(max_size=4),
    st.complex_numbers(max_magnitude=10),
    st.lists(st.floats(-5, 5), max_size=3),
    st.dictionaries(st.text(max_size=3), st.floats(-5, 5), max_size=2),
    st.just(np.array([1.0, 2.0])),
    st.just(object()),
)
# Numbers across the whole double range (uniform in the exponent), and the awkward ones.
MAGNITUDES = st.builds(
    lambda sign, exponent, mantissa: sign * mantissa * 10.0**exponent,
    st.sampled_from([1.0, 1.0, 1.0, -1.0]),
    st.integers(-300, 300),
    st.floats(1.0, 9.99),
)
AWKWARD = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**400), 10**400),
    st.sampled_from([0.0, -0.0, 1e-300, 5e-324, 1e308, np.float32(2.5), np.int64(3), np.array(0.5)]),
)
ANYTHING = st.one_of(MAGNITUDES, AWKWARD, JUNK)
# Parameter values: on the models' own scale, or anywhere in the double range.
PARAM_VALUES = st.one_of(st.floats(0.0, 5.0), MAGNITUDES, st.sampled_from([0.0, 1e-300, 1e300]))


def draw(data, fault: str | None, name: str, good: st.SearchStrategy, bad: st.SearchStrategy = ANYTHING):
    """Argument ``name``: plausible, unless it is this example's fault (then anything)."""
    return data.draw(bad if fault == name else good, label=name)


def faults(*names: str) -> st.SearchStrategy:
    """No fault in a third of the examples, else one of ``names``."""
    return st.sampled_from([None] * max(1, len(names) // 2) + list(names))


def _params(model: str, size: int = 3) -> st.SearchStrategy:
    m = MODELS[model]
    return st.dictionaries(st.sampled_from(m.parameter_names), PARAM_VALUES, max_size=size)


def _finite(values) -> bool:
    return bool(np.isfinite(np.asarray(values, dtype=float)).all())


def _check_solution(sol: bm.Solution) -> None:
    assert sol.status in ("success", "failed")
    if sol.status == "success":
        assert _finite(sol.y) and _finite(sol.t)
        # observables: a number (inf is the IEEE limit of x/0) where the run starts and ends
        assert not np.isnan(sol.observable_values[:, [0, -1]]).any()
    else:
        assert sol.message


@FUZZ
@given(
    model=st.sampled_from(sorted(MODELS)),
    fault=faults("t_end", "params", "param name", "method", "rtol", "atol", "t_eval", "y0"),
    data=st.data(),
)
def test_simulate_succeeds_with_finite_values_or_raises_a_bonemodel_error(model, fault, data):
    states = MODELS[model].state_names
    params = draw(data, fault, "params", _params(model))
    if fault == "param name":
        params = {data.draw(st.text(max_size=6) | st.just("k_B\n")): 1.0}
    kwargs = {
        "t_end": draw(data, fault, "t_end", st.floats(0.5, 40.0)),
        "method": draw(data, fault, "method", st.sampled_from(["auto", "auto", "rodas4", "Radau", "BDF"])),
        "rtol": draw(data, fault, "rtol", st.sampled_from([1e-6, 1e-4, 1e-9])),
        "atol": draw(data, fault, "atol", st.sampled_from([1e-10, 1e-8, 1e-12])),
        "t_eval": draw(
            data,
            fault,
            "t_eval",
            st.none() | st.lists(st.floats(0.0, 0.5), min_size=1, max_size=3, unique=True),
        ),
        "y0": draw(
            data, fault, "y0", st.none() | st.dictionaries(st.sampled_from(states), PARAM_VALUES, max_size=2)
        ),
    }
    if isinstance(kwargs["t_eval"], list):
        kwargs["t_eval"] = sorted(kwargs["t_eval"])
    try:
        sol = bm.simulate(model, params=params, raise_on_failure=False, **kwargs)
    except BonemodelError:
        return
    _check_solution(sol)


@FUZZ
@given(model=st.sampled_from(sorted(MODELS)), fault=faults("params", "guess", "tol", "t_max"), data=st.data())
def test_steady_state_gives_finite_values_or_raises_a_bonemodel_error(model, fault, data):
    states = MODELS[model].state_names
    params = draw(data, fault, "params", _params(model, 2))
    guess = draw(
        data, fault, "guess", st.none() | st.dictionaries(st.sampled_from(states), PARAM_VALUES, max_size=2)
    )
    tol = draw(data, fault, "tol", st.sampled_from([1e-10, 1e-8, 1e-12]))
    t_max = draw(data, fault, "t_max", st.sampled_from([1e3, 1e4, 50.0]))
    try:
        ss = bm.steady_state(model, params, guess=guess, tol=tol, t_max=t_max)
    except BonemodelError:
        return
    assert _finite(list(ss.values.values())) and math.isfinite(ss.residual)
    assert ss.stability in ("stable", "unstable", "marginal")
    assert _finite(ss.eigenvalues.real) and _finite(ss.eigenvalues.imag)


_CONSTRUCTORS = {name: fn for name, fn in S.REGISTRY.items() if name != "ra_anti_tnf"}
_WORDS = st.sampled_from(["high", "moderate", "low", "doses", "average", "adalimumab"])


@FUZZ
@given(name=st.sampled_from(sorted(_CONSTRUCTORS)), data=st.data())
def test_named_scenarios_are_well_formed_or_raise_a_bonemodel_error(name, data):
    fn = _CONSTRUCTORS[name]
    args = list(inspect.signature(fn).parameters)
    fault = data.draw(st.sampled_from([None, *args]) if args else st.none(), label="fault")
    kwargs = {}
    for arg, param in inspect.signature(fn).parameters.items():
        if arg == "crp":
            # solving for the activation simulates the flagship model: a few values, then cached
            good = st.sampled_from([1.0, 4.0])
            bad = st.sampled_from([0.5, "4", True, None, float("nan"), -1.0])
        elif isinstance(param.default, str):
            good, bad = _WORDS, ANYTHING
        else:
            good, bad = st.floats(0.0, 1.0) | st.floats(0.0, 400.0), ANYTHING
        if arg == fault or data.draw(st.booleans(), label=f"give {arg}"):
            kwargs[arg] = draw(data, fault, arg, good, bad)
    try:
        sc = fn(**kwargs)
    except BonemodelError:
        return
    _check_scenario(sc)


def _check_scenario(sc: Scenario) -> None:
    assert isinstance(sc, Scenario) and isinstance(sc.name, str)
    assert all(isinstance(v, float) and math.isfinite(v) for v in sc.overrides.values())
    for w in sc.windows:
        assert isinstance(w.scale, bool)
        assert math.isfinite(w.start) and math.isfinite(w.value) and w.stop > w.start


@FUZZ
@given(
    which=st.sampled_from(["window", "step", "doses", "Window", "Scenario"]),
    fault=faults("target", "value", "start", "stop", "interval", "count", "scale"),
    data=st.data(),
)
def test_scenario_builders_are_well_formed_or_raise_a_bonemodel_error(which, fault, data):
    target = draw(data, fault, "target", st.sampled_from(["k_B", "D_R", "I_P"]), st.text(max_size=4) | JUNK)
    value = draw(data, fault, "value", PARAM_VALUES)
    start = draw(data, fault, "start", st.floats(0.0, 4.0))
    stop = draw(data, fault, "stop", st.floats(0.1, 8.0))
    interval = draw(data, fault, "interval", st.floats(0.5, 3.0))
    count = draw(data, fault, "count", st.integers(1, 5))
    scale = draw(data, fault, "scale", st.booleans())
    try:
        if which == "window":
            sc = Scenario.window(target, value, start=start, stop=stop, scale=scale)
        elif which == "step":
            sc = Scenario.step(target, value, start=start, scale=scale)
        elif which == "doses":
            sc = Scenario.doses(target, value, start=start, interval=interval, duration=stop, count=count)
        elif which == "Window":
            sc = Scenario("w", {}, (Window(target, start, stop, value, scale),))
        else:
            sc = Scenario(target, {target: value} if isinstance(target, str) else value)
    except BonemodelError:
        return
    _check_scenario(sc)
    try:  # a well-formed scenario also runs, or fails with a BonemodelError
        sol = bm.simulate("lemaire2004", 6.0, scenario=sc, raise_on_failure=False)
    except BonemodelError:
        return
    _check_solution(sol)


_GOOD_OUTPUTS = st.sampled_from(
    [
        "final(B)",
        "C@5",
        "max(R)",
        "min(OPG)",
        "auc(C)",
        "time_to(B, 0.001)",
        "steady(C)",
        "pct_change(B@2)",
        "B@[0:4:1]",
        "max(B, 1, 4)",
        "max(RANKL)",
        "final(PTH)",
        "min(RANK_activation)",
    ]
)
_BAD_OUTPUTS = st.sampled_from(["time_to(B, nan)", "C@1e9", "B@[0:5:1e-9]", "B@1\n", "max(B, x, 3)"])


@FUZZ
@given(
    fault=faults("params", "range", "table", "n", "design", "outputs", "t_end"),
    method=st.sampled_from(["scipy", "numba"]),
    data=st.data(),
)
def test_sweep_rows_are_finite_successes_or_failures_with_a_reason(fault, method, data):
    names = st.sampled_from(["k_B", "D_R", "k_P", "S_P", "I_P"])
    bound = st.floats(0.0, 5.0) | MAGNITUDES
    spec = st.tuples(bound, bound) | st.tuples(bound, bound, st.just("log")) | st.just(None)
    params = draw(data, fault, "params", st.dictionaries(names, spec, min_size=1, max_size=2))
    if fault == "range":
        params = {"k_B": data.draw(ANYTHING | st.tuples(ANYTHING, ANYTHING), label="range")}
    if data.draw(st.booleans(), label="as a table") or fault == "table":
        column = st.lists(
            PARAM_VALUES | (AWKWARD if fault == "table" else PARAM_VALUES), min_size=2, max_size=2
        )
        params = pd.DataFrame({"k_B": data.draw(column, label="k_B"), "D_R": data.draw(column, label="D_R")})
    outputs = draw(
        data,
        fault,
        "outputs",
        st.lists(_GOOD_OUTPUTS, min_size=1, max_size=3, unique=True),
        st.lists(_BAD_OUTPUTS | st.text(max_size=6) | JUNK, min_size=1, max_size=2),
    )
    try:
        runs = bm.sweep(
            "lemaire2004",
            params,
            n=draw(data, fault, "n", st.integers(1, 5)),
            design=draw(data, fault, "design", st.sampled_from(["lhs", "grid"])),
            outputs=outputs,
            t_end=draw(data, fault, "t_end", st.floats(4.0, 10.0)),
            method=method,
            workers=1,
            progress=False,
        )
    except BonemodelError:
        return
    assert runs.index.name == "member" and "status" in runs
    outs = [c for c in runs.columns if c not in ("status", *runs.attrs["parameters"])]
    for _, row in runs.iterrows():
        if row["status"] == "success":
            assert not np.isnan([row[c] for c in outs if not c.startswith("time_to(")]).any(), row
        else:
            assert row["status"].startswith("failed: ") and len(row["status"]) > len("failed: ")


def _toml(value) -> str:
    """A TOML literal for ``value`` (scalars, arrays, inline tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + "}"


_TOML_ANYTHING = st.recursive(
    st.one_of(
        st.booleans(),
        st.integers(-(2**63), 2**63 - 1),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=6),
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=2),
    max_leaves=4,
)
_GOOD_TABLE = {"value": 0.5, "unit": "1/day", "description": "a rate", "source": "assumed", "note": "fuzz"}
_PLAUSIBLE = {
    "value": st.floats(allow_nan=True, allow_infinity=True) | st.integers(-3, 3),
    "range": st.lists(
        st.floats(allow_nan=True, allow_infinity=True) | st.integers(-3, 3), min_size=2, max_size=2
    ),
    "lower": st.floats(allow_nan=True, allow_infinity=True) | st.integers(-3, 3),
    "dist": st.sampled_from(["uniform", "loguniform", "normal"]),
    "source": st.sampled_from(["assumed", "Lemaire2004", "calibrated", "nobody"]),
}


@FUZZ
@given(
    fault=faults("name", "model", "key", "table", "encoding"),
    changes=st.fixed_dictionaries({}, optional={k: v for k, v in _PLAUSIBLE.items()}),
    drop=st.lists(st.sampled_from(sorted(_GOOD_TABLE)), max_size=1),
    data=st.data(),
)
def test_parameter_files_load_valid_parameters_or_raise_a_parameter_file_error(fault, changes, drop, data):
    name = draw(data, fault, "name", st.just("k"), st.text(max_size=5) | st.just("k\n"))
    model = draw(data, fault, "model", st.just("m"), st.text(max_size=4) | st.integers())
    table = {k: v for k, v in {**_GOOD_TABLE, **changes}.items() if k not in drop}
    if fault == "key":
        table[data.draw(st.text(max_size=5), label="key")] = data.draw(_TOML_ANYTHING)
    if fault == "table":
        table[data.draw(st.sampled_from(sorted(_GOOD_TABLE) + ["range", "lower"]))] = data.draw(
            _TOML_ANYTHING
        )
    text = f"[meta]\nmodel = {_toml(model)}\n\n[parameters.{json.dumps(name)}]\n"
    text += "".join(f"{json.dumps(k)} = {_toml(v)}\n" for k, v in table.items())
    raw: bytes | str = text
    if fault == "encoding":
        encoding = data.draw(st.sampled_from(["latin-1", "utf-16", "garbage"]))
        raw = (
            text.encode("utf-8") + data.draw(st.binary(min_size=1, max_size=6))
            if encoding == "garbage"
            else ((text + "# \u00b5\n").encode(encoding))
        )
    try:
        ps = parse_parameter_text(raw, origin="fuzz.toml")
    except BonemodelError as exc:
        assert isinstance(exc, ParameterFileError)
        return
    for p in ps.params.values():
        assert isinstance(p.value, float) and math.isfinite(p.value)
        assert not math.isnan(p.lower) and p.value >= p.lower
        if p.range is not None:
            assert all(math.isfinite(v) for v in p.range) and p.range[0] < p.range[1]
            assert p.range[0] <= p.value <= p.range[1]
