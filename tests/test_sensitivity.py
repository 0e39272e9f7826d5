"""Local sensitivities: closed forms, central finite differences, steady states, bad input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import sympy as sp

import bonemodel as bm
from bonemodel.errors import ModelError, ParameterError
from bonemodel.model import Input, Model, Observable, State, symbols
from bonemodel.models.inflammation import WITHOUT_DRUGS
from bonemodel.parameters import parse_parameters
from bonemodel.scenario import Scenario
from bonemodel.sensitivity import COLUMNS, forward, local, local_timecourse, steady
from bonemodel.sensitivity._codegen import sensitivity_functions


def _params(model: str, ranged: bool = True, **values: float):
    tables = {}
    for name, v in values.items():
        tables[name] = {
            "value": v,
            "unit": "1",
            "description": f"toy {name}",
            "source": "assumed",
            "note": "test",
        }
        if ranged:
            tables[name]["range"] = [v / 2, v * 2] if v > 0 else [0.0, 1.0]
    return parse_parameters({"meta": {"model": model}, "parameters": tables})


@pytest.fixture
def decay() -> Model:
    """x' = -k x + u, x(0) = x0: x = x0 exp(-k t), dx/dk = -t x, dx/dx0 = x / x0."""
    x, k, u = symbols("x k u")
    return Model(
        "sdecay",
        (State("x", "x0"),),
        _params("sdecay", k=0.5, x0=2.0),
        {"x": -k * x + u},
        inputs=(Input("u", 0.0),),
        observables=(Observable("x_pct", x, baseline="start"), Observable("kx", k * x)),
    )


@pytest.fixture
def coupled() -> Model:
    """Nonlinear, with a named expression, a Max kink, an initial value that is an expression of
    parameters, and an accumulator state ``c`` that no right-hand side uses."""
    a, b, c, k1, k2, g, h, a0 = symbols("a b c k1 k2 g h a0")
    return Model(
        "scoupled",
        (State("a", 2 * a0), State("b", 0.7), State("c", 100.0, nonnegative=False)),
        _params("scoupled", k1=0.8, k2=0.3, g=0.5, h=1.5, a0=0.6),
        {"a": k1 * b**h / (1 + b**h) - k2 * a, "b": g * a**g - sp.Symbol("loss"), "c": -sp.Max(0, a - 1) + b},
        expressions={"loss": k1 * b**2 / (1 + b)},
        observables=(Observable("ratio", a / b), Observable("a_pct", a, baseline="start")),
    )


def _fd(model, outputs, p, *, scenario=None, h=1e-4):
    """Central difference of d log(out) / d log(p) from two tight simulations."""
    value = model.parameters[p].value
    times = sorted({float(o.split("@")[1]) for o in outputs})
    res = []
    for s in (1, -1):
        sol = bm.simulate(
            model,
            max(times),
            params={p: value * (1 + s * h)},
            scenario=scenario,
            t_eval=[0.0] + times,
            rtol=1e-12,
            atol=1e-16,
        )
        res.append(np.array([sol.at(o.split("@")[0], float(o.split("@")[1])) for o in outputs]))
    sol = bm.simulate(model, max(times), scenario=scenario, t_eval=[0.0] + times, rtol=1e-12, atol=1e-16)
    base = np.array([sol.at(o.split("@")[0], float(o.split("@")[1])) for o in outputs])
    return (res[0] - res[1]) / (2 * h) / base


def _coef(frame, output, parameter):
    row = frame[(frame.output == output) & (frame.parameter == parameter)]
    assert len(row) == 1
    return float(row.value.iloc[0])


# ----------------------------------------------------------------------------- closed forms


def test_local_decay_matches_closed_form(decay):
    frame = local(decay, ["x@3", "kx@3", "x_pct@3"])
    assert list(frame.columns) == COLUMNS
    assert set(frame["index"]) == {"local"}
    assert frame.conf_low.isna().all()
    assert _coef(frame, "x@3", "k") == pytest.approx(-0.5 * 3, rel=1e-7)
    assert _coef(frame, "x@3", "x0") == pytest.approx(1.0, rel=1e-7)
    assert _coef(frame, "kx@3", "k") == pytest.approx(1 - 0.5 * 3, rel=1e-7)  # k x: 1 + dlog x/dlog k
    # 100 (exp(-k t) - 1): d log / d log k = -k t e / (e - 1) with e = exp(-k t)
    e = math.exp(-1.5)
    assert _coef(frame, "x_pct@3", "k") == pytest.approx(-1.5 * e / (e - 1), rel=1e-7)
    assert _coef(frame, "x_pct@3", "x0") == pytest.approx(0.0, abs=1e-9)


def test_local_plain_derivatives(decay):
    frame = local(decay, "x@2", normalise=False)
    assert set(frame["index"]) == {"derivative"}
    x2 = 2.0 * math.exp(-1.0)
    assert _coef(frame, "x@2", "k") == pytest.approx(-2 * x2, rel=1e-7)
    assert _coef(frame, "x@2", "x0") == pytest.approx(x2 / 2.0, rel=1e-7)


def test_local_sensitivity_to_an_input(decay):
    """dx/du = (1 - exp(-k t)) / k at u = 0 (a plain derivative: u's value is 0)."""
    frame = local(decay, "x@3", params=["u"], normalise=False)
    assert _coef(frame, "x@3", "u") == pytest.approx((1 - math.exp(-1.5)) / 0.5, rel=1e-7)


def test_local_scenario_windows_chain_rule(decay):
    """A scaling window keeps a parameter's influence (times the scale); a fixed value cuts it."""
    scaled = Scenario.window("k", 2.0, start=1.0, stop=2.0, scale=True)
    fixed = Scenario.window("k", 1.0, start=1.0, stop=2.0)
    # x(3) = x0 exp(-4 k) and x0 exp(-2 k - 1)
    assert _coef(local(decay, "x@3", scenario=scaled), "x@3", "k") == pytest.approx(-4 * 0.5, rel=1e-7)
    assert _coef(local(decay, "x@3", scenario=fixed), "x@3", "k") == pytest.approx(-2 * 0.5, rel=1e-7)


def test_local_input_window_has_no_parameter_sensitivity_jump(decay):
    """An input window changes the trajectory; sensitivities stay continuous and exact."""
    sc = Scenario.window("u", 1.0, start=1.0, stop=2.0)
    frame = local(decay, ["x@3"], params=["k"], scenario=sc)
    np.testing.assert_allclose(_coef(frame, "x@3", "k"), _fd(decay, ["x@3"], "k", scenario=sc), rtol=1e-5)


def test_timecourse_is_minus_k_t(decay):
    frame = local_timecourse(decay, ["x"], params=["k"], t_end=4.0, t_eval=np.linspace(0, 4, 9))
    assert {"time", *COLUMNS} <= set(frame.columns)
    np.testing.assert_allclose(frame.value.to_numpy(), -0.5 * np.linspace(0, 4, 9), atol=1e-9)


def test_forward_reports_initial_sensitivity_of_expression_initial_value(coupled):
    fwd = forward(coupled, ["a0", "k1"], t_end=1.0, t_eval=[0.0, 1.0])
    np.testing.assert_allclose(fwd.dy[:, :, 0], [[2.0, 0.0], [0.0, 0.0], [0.0, 0.0]], atol=1e-15)


# ----------------------------------------------------------------------------- finite differences


@pytest.mark.parametrize("jacobian", ["block", "exact"])
def test_local_coupled_agrees_with_central_differences(coupled, jacobian):
    outputs = ["a@5", "b@5", "c@8", "ratio@8"]
    frame = local(coupled, outputs, rtol=1e-10, atol=1e-12, jacobian=jacobian)
    for p in coupled.parameter_names:
        ours = np.array([_coef(frame, o, p) for o in outputs])
        np.testing.assert_allclose(ours, _fd(coupled, outputs, p), rtol=1e-4, atol=1e-9)


def test_generated_second_derivatives_match_differences(coupled, rng):
    names = coupled.parameter_names
    _, fns = sensitivity_functions(coupled, names, exact=True)
    c = bm.compile_model(coupled)
    y = np.array([1.7, 0.9, 50.0])  # a > 1: away from the kink of max(0, a - 1)
    p = c.default_vector.tolist()
    H, G = fns["second"](0.0, y.tolist(), p)
    h = 1e-6
    for l in range(3):  # noqa: E741
        dy = np.zeros(3)
        dy[l] = h
        Jp, Fp = fns["sens"](0.0, (y + dy).tolist(), p)
        Jm, Fm = fns["sens"](0.0, (y - dy).tolist(), p)
        np.testing.assert_allclose(H[:, :, l], (Jp - Jm) / (2 * h), rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(G[:, :, l], (Fp - Fm) / (2 * h), rtol=1e-6, atol=1e-8)
    J, F = fns["sens"](0.0, y.tolist(), p)
    for j, name in enumerate(names):
        q = np.array(p)
        q[c.index[name]] += h
        up = np.asarray(c.rhs(0.0, y.tolist(), q.tolist()))
        q[c.index[name]] -= 2 * h
        down = np.asarray(c.rhs(0.0, y.tolist(), q.tolist()))
        np.testing.assert_allclose(F[:, j], (up - down) / (2 * h), rtol=1e-6, atol=1e-8)


def _lemaire():
    try:
        return bm.load_model("lemaire2004")
    except (ModelError, ImportError) as exc:  # pragma: no cover - until the model lands
        pytest.skip(f"lemaire2004 not available: {exc}")


@pytest.mark.parametrize("scenario", [None, "addPTH"])
def test_local_lemaire_agrees_with_central_differences(scenario):
    model = _lemaire()
    outputs = ["B@100", "C@60", "R@30", "OPG@100"]
    params = ["D_R", "k_B", "D_C", "D_A", "f0", "K_LP", "k_O", "S_P"]
    frame = local(model, outputs, params=params, scenario=scenario)
    for p in params:
        ours = np.array([_coef(frame, o, p) for o in outputs])
        np.testing.assert_allclose(ours, _fd(model, outputs, p, scenario=scenario), rtol=1e-4, atol=1e-8)


# ----------------------------------------------------------------------------- steady state


def test_steady_state_closed_form_with_neutral_state():
    x, v, a, b, v0 = symbols("x v a b v0")
    model = Model(
        "sproduction",
        (State("x", 1.0), State("v", "v0")),
        _params("sproduction", a=2.0, b=0.5, v0=3.0),
        {"x": a - b * x**2, "v": x - 1},
        observables=(Observable("x2", x**2),),
    )
    frame = steady(model)
    assert set(frame["index"]) == {"steady"}
    assert _coef(frame, "x", "a") == pytest.approx(0.5, rel=1e-9)  # x* = sqrt(a / b)
    assert _coef(frame, "x", "b") == pytest.approx(-0.5, rel=1e-9)
    assert _coef(frame, "x2", "a") == pytest.approx(1.0, rel=1e-9)
    assert _coef(frame, "v", "v0") == pytest.approx(1.0, rel=1e-12)  # neutral: keeps its start value
    assert _coef(frame, "v", "a") == 0.0
    assert frame.attrs["neutral"] == ["v"]


def test_steady_state_on_a_continuum_reports_undetermined_states():
    """u + w is conserved: (u, w) lie on a line of steady states, x does not."""
    x, u, w, a, b, k, h = symbols("x u w a b k h")
    model = Model(
        "scontinuum",
        (State("x", 1.0), State("u", 1.0), State("w", 3.0)),
        _params("scontinuum", a=2.0, b=0.5, k=0.3, h=0.0),
        {"x": a - b * x, "u": k * (w - u) + h, "w": k * (u - w)},
    )
    frame = steady(model)
    assert _coef(frame, "x", "a") == pytest.approx(1.0, rel=1e-9)
    assert _coef(frame, "x", "b") == pytest.approx(-1.0, rel=1e-9)
    assert np.isnan(_coef(frame, "u", "k")) and np.isnan(_coef(frame, "w", "a"))
    assert frame.attrs["undetermined"] == ["u", "w"]
    assert frame.attrs["drifting"] == ["h"]  # h moves u + w: no steady state nearby


def test_steady_state_lemaire_agrees_with_differences_of_steady_state():
    model = _lemaire()
    params = ["D_R", "k_B", "D_C", "f0", "K_OP"]
    frame = steady(model, ["R", "B", "C", "OPG"], params=params)
    for p in params:
        value = model.parameters[p].value
        h = 1e-5
        up = bm.steady_state(model, params={p: value * (1 + h)})
        down = bm.steady_state(model, params={p: value * (1 - h)})
        base = bm.steady_state(model)
        for s in ("R", "B", "C"):
            fd = (up[s] - down[s]) / (2 * h) / base[s]
            assert _coef(frame, s, p) == pytest.approx(fd, rel=1e-4, abs=1e-8)


# ----------------------------------------------------------------------------- bad input


def test_unknown_output_is_named_with_suggestion(decay):
    with pytest.raises(ModelError, match="did you mean 'x_pct'"):
        local(decay, ["x_pc@3"])


def test_unknown_parameter_is_named_with_suggestion(decay):
    with pytest.raises(ParameterError, match="did you mean 'x0'"):
        local(decay, ["x@3"], params=["x00"])


def test_output_after_t_end_is_refused(decay):
    with pytest.raises(bm.BonemodelError, match="raise t_end"):
        local(decay, ["x@30"], t_end=10)


# ----------------------------------------------------------------------------- figures and CLI


def test_figures_draw_the_frames(decay):
    from bonemodel.sensitivity import plots
    from bonemodel.sensitivity.morris import morris_of
    from bonemodel.sensitivity.sobol import sobol_of

    frame = local(decay, ["x@3", "kx@3"])
    fig = plots.tornado(frame, "kx@3")
    assert list(fig.data[0].y) == ["k", "x0"]  # plotly draws the last bar on top: the largest magnitude
    assert list(fig.data[0].x) == pytest.approx([-0.5, 1.0])
    course = local_timecourse(decay, ["x"], t_end=2.0, t_eval=[0.0, 1.0, 2.0])
    heat = plots.heatmap(course)
    np.testing.assert_allclose(
        np.asarray(heat.data[0].z)[list(heat.data[0].y).index("k")], [0.0, -0.5, -1.0], atol=1e-9
    )

    def f(frame):
        return {"y": frame["a"] + 2 * frame["b"] ** 2}

    m = morris_of(f, {"a": (0, 1), "b": (0, 1)}, "y", n=8, seed=1)
    assert set(plots.morris_scatter(m).data[0].text) == {"a", "b"}
    s = sobol_of(f, {"a": (0, 1), "b": (0, 1)}, "y", n=64, seed=1)
    bars = plots.sobol_bars(s)
    assert [t.name for t in bars.data] == ["S1", "ST"] and list(bars.data[0].x) == ["b", "a"]
    with pytest.raises(bm.BonemodelError, match="did you mean 'x@3'"):
        plots.tornado(frame, "x@33")


def test_cli_local_prints_and_writes(decay, tmp_path, monkeypatch, capsys):
    from bonemodel import cli

    monkeypatch.setattr("bonemodel.models.load_model", lambda name: decay)
    assert cli.main(["sensitivity", "sdecay", "--output", "x@3", "--out", str(tmp_path)]) == 0
    assert "-1.5" in capsys.readouterr().out
    written = pd.read_csv(tmp_path / "sensitivity_sdecay_local.csv")
    assert list(written.columns) == COLUMNS and len(written) == 2
    assert (tmp_path / "sensitivity_sdecay_local_0.html").is_file()
    assert cli.main(["sensitivity", "sdecay", "--output", "y@3"]) == 2
    assert "'y' is neither a state nor an observable" in capsys.readouterr().err


def test_cli_sobol_on_lemaire(capsys):
    from bonemodel import cli

    _lemaire()
    pytest.importorskip("SALib")
    argv = ["sensitivity", "lemaire2004", "--output", "B@50", "--method", "sobol", "--n", "8"]
    assert cli.main(argv + ["--params", "D_R,k_B", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "ST" in out and "D_R" in out
    assert cli.main(argv[:-1] + ["12", "--params", "D_R,k_B"]) == 2
    assert "power of two" in capsys.readouterr().err


def test_functional_output_is_differentiated_along_the_sensitivities(decay):
    """Area under x on [0, 4]: d/dk = x0 (T e^{-kT} / k - (1 - e^{-kT}) / k^2)."""
    import sys

    local_module = sys.modules["bonemodel.sensitivity.local"]

    class Area:
        name, times = "x_auc", ()

        def evaluate(self, t, y, obs):
            return float(np.trapezoid(y[0], t))

    fwd = forward(decay, ["k"], t_end=4.0, t_eval=np.linspace(0.0, 4.0, 4001))
    d = local_module._directional(Area(), fwd, 0)
    assert d == pytest.approx(float(np.trapezoid(fwd.dy[0, 0], fwd.t)), rel=1e-9)
    k, x0, T = 0.5, 2.0, 4.0
    assert d == pytest.approx(x0 * (T * math.exp(-k * T) / k - (1 - math.exp(-k * T)) / k**2), rel=1e-5)


def test_local_functional_outputs_closed_form(decay):
    """Functionals of bm.sweep's output language: x = x0 exp(-k t) on [0, 4]."""
    frame = local(decay, ["auc(x)", "pct_change(x@3)", "final(x)", "max(x)", "x@[1:2:1]"], t_end=4.0)
    assert list(dict.fromkeys(frame.output)) == [
        "auc(x)",
        "pct_change(x@3)",
        "final(x)",
        "max(x)",
        "x@1",
        "x@2",
    ]
    k, T = 0.5, 4.0
    e = math.exp(-k * T)
    # auc = x0 (1 - e) / k on the daily trapezoid grid; d log auc / d log k = k T e / (1 - e) - 1 (to grid error)
    assert _coef(frame, "auc(x)", "k") == pytest.approx(k * T * e / (1 - e) - 1, rel=2e-3)
    assert _coef(frame, "auc(x)", "x0") == pytest.approx(1.0, rel=1e-9)
    e3 = math.exp(-1.5)
    assert _coef(frame, "pct_change(x@3)", "k") == pytest.approx(-1.5 * e3 / (e3 - 1), rel=1e-7)
    assert _coef(frame, "final(x)", "k") == pytest.approx(-k * T, rel=1e-7)
    assert _coef(frame, "max(x)", "k") == pytest.approx(0.0, abs=1e-9)
    assert _coef(frame, "x@2", "k") == pytest.approx(-1.0, rel=1e-7)


def test_local_lemaire_functionals_agree_with_central_differences():
    from bonemodel.outputs import default_grid, parse_outputs

    model = _lemaire()
    specs = ["auc(B)", "min(B)", "auc(C,20,80)", "pct_change(C@60)"]
    params = ["D_R", "k_B", "D_C", "K_LP"]
    frame = local(model, specs, params=params, scenario="removeB", t_end=100.0)
    outs = parse_outputs(model, specs, t_end=100.0)
    grid = default_grid(0.0, 100.0)

    def values(overrides):
        sol = bm.simulate(
            model, 100.0, params=overrides, scenario="removeB", t_eval=grid, rtol=1e-12, atol=1e-16
        )
        y, obs = sol.y[:, None, :], sol.observable_values[:, None, :]
        return np.array([o.evaluate(sol.t, y, obs)[0] for o in outs])

    base = values({})
    for p in params:
        v = model.parameters[p].value
        fd = (values({p: v * (1 + 1e-4)}) - values({p: v * (1 - 1e-4)})) / 2e-4 / base
        ours = np.array([_coef(frame, o, p) for o in specs])
        np.testing.assert_allclose(ours, fd, rtol=1e-4, atol=1e-8)


@pytest.mark.slow
def test_local_flagship_agrees_with_central_differences():
    """The inflammation model in high-activity RA over 10 years (compiles the 20-state model)."""
    try:
        model = bm.load_model("inflammation", modules=WITHOUT_DRUGS)
    except (ModelError, ImportError) as exc:  # pragma: no cover
        pytest.skip(f"inflammation model not available: {exc}")
    scenario = bm.scenarios.rheumatoid_arthritis("high")
    specs = ["bmd_spine_pct@3650", "pct_change(BV@3650)", "crp_mg_l@100"]
    params = ["OCa_ref", "A_OBa", "D_OBu", "K_D1_TGFb", "a_RA", "D_PTH"]
    frame = local(model, specs, params=params, scenario=scenario)
    times = [0.0, 100.0, 3650.0]

    def values(overrides):
        sol = bm.simulate(
            model, 3650.0, params=overrides, scenario=scenario, t_eval=times, rtol=1e-11, atol=1e-14
        )
        bv = sol["BV"]
        return np.array([sol["bmd_spine_pct"][-1], 100 * (bv[-1] / bv[0] - 1), sol["crp_mg_l"][1]])

    base = values({})
    for p in params:
        v = model.parameters[p].value
        fd = (values({p: v * (1 + 1e-4)}) - values({p: v * (1 - 1e-4)})) / 2e-4 / base
        ours = np.array([_coef(frame, o, p) for o in specs])
        np.testing.assert_allclose(ours, fd, rtol=1e-4, atol=1e-6)  # FD noise where the true value is 0
