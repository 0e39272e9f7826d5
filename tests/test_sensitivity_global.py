"""Global sensitivity: Ishigami analytic indices, SALib vs scipy, Morris closed forms, seeds, bad input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import sympy as sp
from scipy import stats

import bonemodel as bm
from bonemodel.errors import BonemodelError, ModelError, ParameterError
from bonemodel.model import Input, Model, State, symbols
from bonemodel.parameters import parse_parameters
from bonemodel.sensitivity import COLUMNS, morris, sobol
from bonemodel.sensitivity.morris import morris_of
from bonemodel.sensitivity.sobol import SobolDesign, efast_of, sobol_of

pytest.importorskip("SALib")

A, B = 7.0, 0.1
PI = math.pi
ISHIGAMI = {"x1": (-PI, PI), "x2": (-PI, PI), "x3": (-PI, PI)}


def ishigami(frame: pd.DataFrame) -> pd.DataFrame:
    x1, x2, x3 = (frame[c].to_numpy() for c in ("x1", "x2", "x3"))
    return pd.DataFrame({"y": np.sin(x1) + A * np.sin(x2) ** 2 + B * x3**4 * np.sin(x1)})


def ishigami_indices() -> tuple[np.ndarray, np.ndarray]:
    """Analytic first and total indices of the Ishigami function."""
    v1 = 0.5 * (1 + B * PI**4 / 5) ** 2
    v2 = A**2 / 8
    v13 = B**2 * PI**8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / var, np.array([v1 + v13, v2, v13]) / var


def _pick(frame, index):
    sub = frame[frame["index"] == index].set_index("parameter")
    return sub.loc[["x1", "x2", "x3"]]


def test_sobol_recovers_ishigami_indices_within_confidence_intervals():
    frame = sobol_of(ishigami, ISHIGAMI, "y", n=2**12, seed=3)
    assert list(frame.columns) == COLUMNS
    s1, st = ishigami_indices()
    for index, exact in (("S1", s1), ("ST", st)):
        got = _pick(frame, index)
        assert np.all(got.conf_low.to_numpy() <= exact), (index, got, exact)
        assert np.all(exact <= got.conf_high.to_numpy()), (index, got, exact)
        np.testing.assert_allclose(got.value.to_numpy(), exact, atol=0.03)
        assert np.all(got.conf_high - got.conf_low < 0.1)  # the intervals are informative


def test_salib_agrees_with_scipy_sobol_indices_on_the_same_design():
    design = SobolDesign(
        [
            f
            for f in __import__("bonemodel.sensitivity._design", fromlist=["factors"]).factors(None, ISHIGAMI)
        ],
        2**11,
        seed=5,
    )
    y = ishigami(design.frame)["y"].to_numpy()
    ours = design.analyze(y[:, None], ["y"])
    f_A, f_B, f_AB = design.split(y)
    ref = stats.sobol_indices(func={"f_A": f_A[None], "f_B": f_B[None], "f_AB": f_AB[:, None, :]}, n=2**11)
    # Same estimators (Saltelli 2010 S1, Jansen ST); ST is centring-invariant and equal to round-off,
    # S1 differs only by the centring constant (SALib: mean of all rows, scipy: mean of A and B).
    np.testing.assert_allclose(_pick(ours, "ST").value, np.ravel(ref.total_order), rtol=1e-10, atol=1e-12)
    s1 = _pick(ours, "S1")
    np.testing.assert_allclose(s1.value, np.ravel(ref.first_order), atol=0.01)
    half = (s1.conf_high - s1.conf_low).to_numpy() / 2
    assert np.all(np.abs(s1.value.to_numpy() - np.ravel(ref.first_order)) < half)


def test_sobol_same_seed_same_frame_and_seed_zero_is_deterministic():
    first = sobol_of(ishigami, ISHIGAMI, "y", n=256, seed=0)
    again = sobol_of(ishigami, ISHIGAMI, "y", n=256, seed=0)
    pd.testing.assert_frame_equal(first, again)  # includes the bootstrap bounds
    other = sobol_of(ishigami, ISHIGAMI, "y", n=256, seed=1)
    assert not np.allclose(first.value, other.value)


def test_sobol_second_order_rows():
    frame = sobol_of(ishigami, ISHIGAMI, "y", n=2**11, seed=2, second_order=True)
    s2 = frame[frame["index"] == "S2"].set_index("parameter")
    assert list(s2.index) == ["x1:x2", "x1:x3", "x2:x3"]
    s1, st = ishigami_indices()
    assert s2.loc["x1:x3", "value"] == pytest.approx(st[0] - s1[0], abs=0.05)
    assert abs(s2.loc["x1:x2", "value"]) < 0.05


def test_efast_recovers_ishigami_indices():
    frame = efast_of(ishigami, ISHIGAMI, "y", n=1025, seed=1)
    s1, st = ishigami_indices()
    np.testing.assert_allclose(_pick(frame, "S1").value, s1, atol=0.03)
    np.testing.assert_allclose(_pick(frame, "ST").value, st, atol=0.05)


def test_morris_linear_function_closed_form():
    """y = 2 x1 + 0.5 x2 + log(x3) with x3 log-uniform: EE per unit range = slope * range width."""

    def f(frame):
        return {"y": 2 * frame["x1"] + 0.5 * frame["x2"] + np.log(frame["x3"]), "z": 0 * frame["x1"] + 1.0}

    ranges = {"x1": (0.0, 3.0), "x2": (-1.0, 1.0), "x3": (0.1, 10.0, "log"), "x4": (0.0, 1.0)}
    frame = morris_of(f, ranges, ["y", "z"], n=10, seed=4)
    y = frame[frame.output == "y"]
    mu_star = y[y["index"] == "mu_star"].set_index("parameter").value
    sigma = y[y["index"] == "sigma"].set_index("parameter").value
    np.testing.assert_allclose(
        mu_star[["x1", "x2", "x3", "x4"]], [6.0, 1.0, math.log(100.0), 0.0], rtol=1e-10
    )
    np.testing.assert_allclose(sigma, 0.0, atol=1e-10)
    assert np.allclose(frame[frame.output == "z"].value, 0.0)


# ----------------------------------------------------------------------------- through a model


def _toy(ranged: dict[str, bool] | None = None) -> Model:
    x, k, x0 = symbols("x k x0")
    tables = {
        "k": {"value": 0.5, "range": [0.25, 1.0], "dist": "loguniform"},
        "x0": {"value": 2.0, "range": [1.0, 3.0]},
        "q": {"value": 1.0},
    }
    for t in tables.values():
        t.update({"unit": "1", "description": "toy", "source": "assumed", "note": "test"})
    return Model(
        "gdecay",
        (State("x", "x0"),),
        parse_parameters({"meta": {"model": "gdecay"}, "parameters": tables}),
        {"x": -k * x * sp.Symbol("q") + sp.Symbol("u")},
        inputs=(Input("u", 0.0),),
    )


def _serial(model, outputs):
    """Reference evaluator: one scipy solve per design row."""

    def evaluate(frame):
        rows = []
        for rec in frame.to_dict("records"):
            sol = bm.simulate(model, 2.0, params=rec, t_eval=[0.0, 1.0, 2.0])
            rows.append({o: sol.at(o.split("@")[0], float(o.split("@")[1])) for o in outputs})
        return pd.DataFrame(rows)

    return evaluate


def test_sobol_model_pipeline_uses_file_ranges_and_distributions():
    model = _toy()
    seen = {}

    def evaluate(frame):
        seen["frame"] = frame.copy()
        return _serial(model, ["x@2"])(frame)

    frame = sobol(model, ["k", "x0"], ["x@2"], n=64, seed=7, evaluate=evaluate)
    design = seen["frame"]
    assert list(design.columns) == ["k", "x0"] and len(design) == 64 * 4
    assert design.k.between(0.25, 1.0).all() and design.x0.between(1.0, 3.0).all()
    # log-uniform: log k is uniform, so its median sits at the geometric mean of the range
    assert np.median(design.k) == pytest.approx(0.5, rel=0.1)
    st = frame[frame["index"] == "ST"].set_index("parameter").value
    assert st["k"] > 0.5 and st["x0"] > 0.1
    assert frame.attrs["model"] == "gdecay" and frame.attrs["evaluations"] == 256


def test_sobol_varies_an_input_with_an_explicit_range():
    model = _toy()
    frame = sobol(model, {"k": None, "u": (0.0, 1.0)}, "x@2", n=32, seed=2, evaluate=_serial(model, ["x@2"]))
    st = frame[frame["index"] == "ST"].set_index("parameter").value
    assert st["u"] > 0.05 and st["k"] > 0.05


def test_morris_model_with_explicit_ranges():
    model = _toy()
    frame = morris(
        model, {"k": (0.4, 0.6), "q": (0.5, 2.0, "log")}, "x@2", n=6, seed=1, evaluate=_serial(model, ["x@2"])
    )
    assert set(frame["index"]) == {"mu_star", "mu", "sigma"}
    mu = frame[frame["index"] == "mu"].set_index("parameter").value
    assert mu["k"] < 0 and mu["q"] < 0  # faster decay, less x


def _never(frame):
    raise AssertionError("no model evaluation may run on bad input")


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda m: sobol(m, ["k", "q"], "x@2", n=64, evaluate=_never), ParameterError, "'q'.*no range"),
        (lambda m: sobol(m, ["k", "x00"], "x@2", n=64, evaluate=_never), ParameterError, "did you mean 'x0'"),
        (
            lambda m: sobol(m, ["k", "x0"], "xx@2", n=64, evaluate=_never),
            ModelError,
            "'xx' is neither a state nor an observable.*did you mean 'x'",
        ),
        (
            lambda m: sobol(m, ["k", "x0"], "x@2", n=100, evaluate=_never),
            BonemodelError,
            "power of two.*64 or 128",
        ),
        (lambda m: morris(m, ["k", "q"], "x@2", n=4, evaluate=_never), ParameterError, "no range"),
        (lambda m: morris(m, {"k": (1.0, 0.5)}, "x@2", n=4, evaluate=_never), ParameterError, "low < high"),
        (
            lambda m: morris(m, {"k": (-1.0, 0.5, "log")}, "x@2", n=4, evaluate=_never),
            ParameterError,
            "low > 0",
        ),
        (lambda m: sobol(m, {"k": (-1.0, 0.5)}, "x@2", n=4, evaluate=_never), ParameterError, ">= 0"),
        (lambda m: sobol(m, ["k"], "x@2", n=64, seed=-1, evaluate=_never), BonemodelError, "seed"),
        (
            lambda m: sobol(m, ["k", "u"], "x@2", n=64, evaluate=_never),
            ParameterError,
            "input 'u' needs an explicit",
        ),
    ],
)
def test_bad_input_is_refused_before_any_evaluation(call, error, match):
    with pytest.raises(error, match=match):
        call(_toy())


def test_failed_members_are_reported_not_analysed():
    def evaluate(frame):
        y = np.ones(len(frame))
        y[3] = np.nan
        return pd.DataFrame({"x@2": y})

    with pytest.raises(bm.SolverError, match="1 of 256 model evaluations failed"):
        sobol(_toy(), ["k", "x0"], "x@2", n=64, evaluate=evaluate)


# ----------------------------------------------------------------------------- through the sweep engine


def _sweep_or_skip():
    sweep = pytest.importorskip(
        "bonemodel.sweep", reason="the sweep engine (bonemodel/sweep.py) is not there yet"
    )
    try:
        model = bm.load_model("lemaire2004")
    except (ModelError, ImportError) as exc:  # pragma: no cover
        pytest.skip(f"lemaire2004 not available: {exc}")
    return sweep, model


LEMAIRE_PARAMS = ["D_R", "k_B", "D_C"]


def test_sobol_through_sweep_matches_serial_scipy_loop():
    _, model = _sweep_or_skip()
    outputs = ["B@50", "C@50"]

    def reference(frame):
        rows = []
        for rec in frame.to_dict("records"):
            sol = bm.simulate(model, 50.0, params=rec, t_eval=[0.0, 50.0], rtol=1e-8, atol=1e-14)
            rows.append({o: sol.at(o.split("@")[0], 50.0) for o in outputs})
        return pd.DataFrame(rows)

    ours = sobol(model, LEMAIRE_PARAMS, outputs, n=16, seed=3, workers=1, progress=False)
    ref = sobol(model, LEMAIRE_PARAMS, outputs, n=16, seed=3, evaluate=reference)
    pd.testing.assert_frame_equal(ours[COLUMNS], ref[COLUMNS], rtol=1e-3, atol=1e-4)


@pytest.mark.slow
def test_same_seed_same_result_serial_processes_dask(request):
    _, model = _sweep_or_skip()
    serial = morris(model, LEMAIRE_PARAMS, "B@50", n=6, seed=11, workers=None)
    procs = morris(model, LEMAIRE_PARAMS, "B@50", n=6, seed=11, workers=2)
    pd.testing.assert_frame_equal(serial[COLUMNS], procs[COLUMNS], rtol=0, atol=0)
    client = request.getfixturevalue("dask_client")
    on_dask = morris(model, LEMAIRE_PARAMS, "B@50", n=6, seed=11, client=client)
    pd.testing.assert_frame_equal(serial[COLUMNS], on_dask[COLUMNS], rtol=0, atol=0)
