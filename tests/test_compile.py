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


def test_disk_cache_is_used_and_verified(coupled_model, tmp_path, monkeypatch):
    import bonemodel.compile as comp

    monkeypatch.setenv("BONEMODEL_CACHE", str(tmp_path))
    monkeypatch.setattr(comp, "_MEMORY_CACHE", {})
    c = compile_model(coupled_model, use_cache=True) if "_compiled" not in coupled_model.__dict__ else None
    files = list(tmp_path.glob("coupled-*.py"))
    assert c is not None and len(files) == 1
    # A tampered cache file is ignored and regenerated, never executed.
    files[0].write_text(files[0].read_text().replace("return J", "return J * 0"))
    monkeypatch.setattr(comp, "_MEMORY_CACHE", {})
    fresh = coupled_model.with_parameters(coupled_model.parameters)
    c2 = compile_model(fresh)
    assert "J * 0" not in c2.source
    assert c2.source == generate_source(coupled_model, c.key)
