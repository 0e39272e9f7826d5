"""Compiled RHS and Jacobian equal the sympy expressions and finite differences."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import sympy as sp

from bonemodel.compile import compile_model, generate_source, model_key


def _sympy_values(model, y, p):
    names = model.state_names + model.parameter_names + model.input_names
    subs = dict(zip(map(sp.Symbol, names), list(y) + list(p)))
    rhs = np.array([float(e.xreplace(subs)) for e in model.resolved_rhs()])
    jac = sp.Matrix(model.resolved_rhs()).jacobian([sp.Symbol(s) for s in model.state_names])
    return rhs, np.array(jac.xreplace(subs), dtype=float)


@pytest.mark.parametrize("name", ["decay_model", "logistic_model", "coupled_model"])
def test_compiled_rhs_and_jacobian_equal_sympy(name, request, rng):
    model = request.getfixturevalue(name)
    c = compile_model(model)
    for _ in range(5):
        y = rng.uniform(0.5, 3.0, c.n_states)
        p = rng.uniform(0.1, 2.0, len(c.runtime_names))
        rhs_ref, jac_ref = _sympy_values(model, y, p)
        np.testing.assert_allclose(c.rhs(0.0, y.tolist(), p.tolist()), rhs_ref, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(c.jac(0.0, y.tolist(), p.tolist()), jac_ref, rtol=1e-10, atol=1e-14)


def test_jacobian_matches_central_differences(coupled_model, rng):
    c = compile_model(coupled_model)
    y = np.array([1.7, 0.9, 50.0])  # a > 1 keeps away from the kink of max(0, a - 1)
    p = rng.uniform(0.2, 1.5, len(c.runtime_names)).tolist()
    J = c.jac(0.0, y.tolist(), p)
    fd = np.zeros_like(J)
    for j in range(c.n_states):
        h = 1e-6 * max(1.0, abs(y[j]))
        up, dn = y.copy(), y.copy()
        up[j] += h
        dn[j] -= h
        fd[:, j] = (c.rhs(0, up.tolist(), p) - c.rhs(0, dn.tolist(), p)) / (2 * h)
    np.testing.assert_allclose(J, fd, rtol=1e-7, atol=1e-9)


def test_batched_functions_equal_scalar_ones(coupled_model, rng):
    c = compile_model(coupled_model)
    Y = rng.uniform(0.5, 3.0, (c.n_states, 7))
    P = rng.uniform(0.1, 2.0, (len(c.runtime_names), 7))
    F = c.rhs_batch(0.0, Y, P)
    J = c.jac_batch(0.0, Y, P)
    assert F.shape == (3, 7) and J.shape == (3, 3, 7)
    for b in range(7):
        np.testing.assert_allclose(F[:, b], c.rhs(0.0, Y[:, b].tolist(), P[:, b].tolist()), rtol=1e-14)
        np.testing.assert_allclose(J[:, :, b], c.jac(0.0, Y[:, b].tolist(), P[:, b].tolist()), rtol=1e-14)


def test_observables_broadcast_over_time(coupled_model):
    c = compile_model(coupled_model)
    Y = np.array([[1.0, 2.0], [0.5, 0.25], [100.0, 99.0]])
    obs = c.observables(np.array([0.0, 1.0]), Y, c.default_vector)
    np.testing.assert_allclose(obs[0], [2.0, 8.0])


def test_compiled_model_pickles_and_runs(coupled_model):
    c = compile_model(coupled_model)
    c2 = pickle.loads(pickle.dumps(c))
    y, p = [1.1, 0.8, 3.0], c.default_vector.tolist()
    np.testing.assert_array_equal(c2.rhs(0, y, p), c.rhs(0, y, p))
    assert c2.source == c.source


def test_second_compile_is_cached_and_value_change_does_not_recompile(coupled_model):
    first = compile_model(coupled_model)
    assert compile_model(coupled_model) is first
    changed = coupled_model.with_parameters(coupled_model.parameters.with_values({"k1": 2.0}))
    assert model_key(changed) == model_key(coupled_model)
    assert compile_model(changed).source == first.source


def test_disk_cache_is_used_and_a_corrupted_file_is_regenerated(coupled_model, tmp_path, monkeypatch):
    import bonemodel.compile as comp

    monkeypatch.setenv("BONEMODEL_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(comp, "_MEMORY_CACHE", {})
    fresh = coupled_model.with_parameters(coupled_model.parameters)
    object.__setattr__(fresh, "_compiled", None)
    c = compile_model(fresh)
    files = list((tmp_path / "cache").glob("coupled-*.py"))
    assert len(files) == 1 and oct(files[0].stat().st_mode & 0o777) == "0o600"
    # The checksum detects corruption (trust itself comes from the file being private).
    files[0].write_text(files[0].read_text().replace("return J", "return J * 0"))
    monkeypatch.setattr(comp, "_MEMORY_CACHE", {})
    again = coupled_model.with_parameters(coupled_model.parameters)
    object.__setattr__(again, "_compiled", None)
    c2 = compile_model(again)
    assert "J * 0" not in c2.source
    assert c2.source == generate_source(coupled_model, c.key)


@pytest.mark.parametrize(
    "make",
    [
        lambda x, k: -k * sp.Abs(x - 1) * x,
        lambda x, k: -k * sp.sign(x - 1) * x,
        lambda x, k: -k * sp.Heaviside(x - 1) * x - x,
        lambda x, k: -k * sp.Min(x, 2) + sp.Piecewise((x, x < 3), (1, True)) * 0.1,
        lambda x, k: -k * sp.sqrt(x) * sp.exp(-x) + sp.log(1 + x) * sp.Rational(1, 3),
    ],
)
def test_piecewise_and_special_functions_compile_and_differentiate(make, rng):
    from bonemodel.model import Model, State
    from tests.conftest import _params

    x, k = sp.Symbol("x"), sp.Symbol("k")
    model = Model("special", (State("x", 1.5),), _params("special", k=0.7), {"x": make(x, k)})
    c = compile_model(model, use_cache=False)
    for value in (1.7, 2.6, 0.4):  # away from the kinks
        fd = (c.rhs(0, [value + 1e-6], [0.7])[0] - c.rhs(0, [value - 1e-6], [0.7])[0]) / 2e-6
        assert c.jac(0, [value], [0.7])[0, 0] == pytest.approx(fd, rel=1e-6, abs=1e-9)
        batch = c.rhs_batch(0, np.array([[value]]), np.array([[0.7]]))[0, 0]
        assert batch == pytest.approx(c.rhs(0, [value], [0.7])[0], rel=1e-14)


def test_cache_in_a_folder_writable_by_others_is_neither_read_nor_written(
    coupled_model, tmp_path, monkeypatch
):
    import bonemodel.compile as comp

    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    monkeypatch.setenv("BONEMODEL_CACHE", str(shared))
    monkeypatch.setattr(comp, "_MEMORY_CACHE", {})
    compile_model(coupled_model.with_parameters(coupled_model.parameters), use_cache=True)
    assert not list(shared.glob("*.py"))


@pytest.mark.parametrize("name", ["lemaire2004", "pivonka2008", "komarova2003", "inflammation"])
def test_odeint_closures_equal_the_scalar_functions(name, rng):
    """odeint_pair computes parameter-only terms once per run: same values as per call."""
    import bonemodel as bm

    model = bm.load_model(name)
    c = compile_model(model)
    for _ in range(3):
        p = c.default_vector * rng.uniform(0.7, 1.3, c.default_vector.size)
        f, jac = c._fns["odeint_pair"](p.tolist())
        y = c.initial(p) * rng.uniform(0.8, 1.2, c.n_states)
        np.testing.assert_allclose(f(y, 5.0), c.rhs(5.0, y.tolist(), p.tolist()), rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(jac(y, 5.0), c.jac(5.0, y.tolist(), p.tolist()), rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize(
    "make",
    [
        lambda x, k: -k * sp.Abs(x - 1) * x,
        lambda x, k: -k * sp.Heaviside(x - k) * x - x / k,
        lambda x, k: -k * sp.Min(x, 2 * k) + sp.Piecewise((x / k, x < 3 * k), (1, True)) * 0.1,
        lambda x, k: -sp.sqrt(k) * sp.exp(-x / k) + sp.log(1 + k * x) * x ** (k / 2),
    ],
)
def test_odeint_closures_with_special_functions(make):
    from bonemodel.model import Model, State
    from tests.conftest import _params

    x, k = sp.Symbol("x"), sp.Symbol("k")
    model = Model("special", (State("x", 1.5),), _params("special", k=0.7), {"x": make(x, k)})
    c = compile_model(model, use_cache=False)
    f, jac = c._fns["odeint_pair"]([0.7])
    for value in (1.7, 2.6, 0.4):
        y = np.array([value])
        assert f(y, 0.0)[0] == pytest.approx(c.rhs(0.0, [value], [0.7])[0], rel=1e-13)
        assert jac(y, 0.0)[0, 0] == pytest.approx(c.jac(0.0, [value], [0.7])[0, 0], rel=1e-13)
