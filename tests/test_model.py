"""Model composition and validation."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import bonemodel as bm
from bonemodel.errors import ModelError
from bonemodel.model import Model, Module, Observable, State, symbols
from tests.conftest import _params


def test_unknown_symbol_in_rhs_is_named_with_suggestion():
    x, k = symbols("x k")
    with pytest.raises(ModelError, match=r"d x/dt|dx/dt uses undefined symbol\(s\) \['kk'\]"):
        Model("m", (State("x", 1.0),), _params("m", k=1.0), {"x": -sp.Symbol("kk") * x})


def test_missing_rhs_and_unknown_initial_parameter():
    x, y = symbols("x y")
    with pytest.raises(ModelError, match=r"states \['y'\] have no right-hand side"):
        Model("m", (State("x", 1.0), State("y", 1.0)), _params("m", k=1.0), {"x": -x})
    with pytest.raises(ModelError, match="initial value of 'x' names unknown parameter 'x00'"):
        Model("m", (State("x", "x00"),), _params("m", x0=1.0), {"x": -x})


def test_duplicate_names_and_expression_cycles_are_rejected():
    x = sp.Symbol("x")
    with pytest.raises(ModelError, match="defined as state and as parameter"):
        Model("m", (State("k", 1.0),), _params("m", k=1.0), {"k": -x}, expressions={"x": sp.Symbol("k")})
    a, b = symbols("a b")
    with pytest.raises(ModelError, match="cycle"):
        Model("m", (State("x", 1.0),), _params("m", k=1.0), {"x": -a}, expressions={"a": b, "b": a})


def test_module_adds_state_term_parameter_and_modifies_expression(logistic_model):
    N, d, M = symbols("N d M")
    module = Module(
        "predator",
        states=(State("M", 0.5),),
        parameters=_params("predator", d=0.4),
        rhs={"M": d * N * M / 5 - d * M},
        terms={"N": -d * N * M},
        modify={"growth": lambda old: 2 * old},
        observables=(Observable("total", N + M),),
    )
    ext = logistic_model.extend(module)
    assert ext.state_names == ["N", "M"] and ext.modules == ("predator",)
    assert logistic_model.state_names == ["N"]  # the base model is unchanged
    r, K = symbols("r K")
    expected = 2 * r * N * (1 - N / K) - d * N * M
    assert sp.simplify(ext.resolved_rhs()[0] - expected) == 0
    sol = bm.simulate(ext, 5.0)
    assert sol["total"][-1] == pytest.approx(sol["N"][-1] + sol["M"][-1])


def test_module_cannot_touch_what_does_not_exist(logistic_model):
    with pytest.raises(ModelError, match="modifies 'grwth'.*did you mean 'growth'"):
        logistic_model.extend(Module("bad", modify={"grwth": lambda e: e}))
    with pytest.raises(ModelError, match="adds a term to unknown state 'Q'"):
        logistic_model.extend(Module("bad", terms={"Q": 1}))
    with pytest.raises(Exception, match="defined both"):
        logistic_model.extend(Module("bad", parameters=_params("bad", r=1.0)))


def test_describe_lists_equations_states_and_parameter_sources(coupled_model):
    text = coupled_model.describe()
    assert "\\frac{da}{dt}" in text and "| k1 | 0.8 |" in text and "assumed" in text


def test_load_model_unknown_name_suggests():
    with pytest.raises(ModelError, match="did you mean 'lemaire2004'"):
        bm.load_model("lemaire2005")


def test_text_is_never_evaluated_as_an_expression(tmp_path):
    marker = tmp_path / "ran"
    x = sp.Symbol("x")
    with pytest.raises(ModelError, match="text is never evaluated"):
        Model(
            "m",
            (State("x", 1.0),),
            _params("m", k=1.0),
            {"x": f"__import__('pathlib').Path('{marker}').touch() or -x"},
        )
    with pytest.raises(ModelError, match="text is never evaluated"):
        Model("m", (State("x", 1.0),), _params("m", k=1.0), {"x": -x}, observables=(Observable("o", "x"),))
    assert not marker.exists()


def test_symbols_with_assumptions_are_the_plain_symbol_of_that_name():
    x = sp.Symbol("x", positive=True)
    k = sp.Symbol("k", real=True)
    m = Model("assume", (State("x", 1.0),), _params("assume", k=0.5), {"x": -k * x})
    sol = bm.simulate(m, 2.0, rtol=1e-10, atol=1e-12)
    assert sol["x"][-1] == pytest.approx(np.exp(-1.0), rel=1e-8)
    assert bm.compile_model(m).jac(0, [1.0], [0.5])[0, 0] == -0.5


@pytest.mark.parametrize("name", ["evil\nprint('x')", "../escape", "a b", ""])
def test_model_name_must_be_safe_for_files_and_code(name):
    with pytest.raises(ModelError, match="model name"):
        Model(name, (State("x", 1.0),), _params("m", k=1.0), {"x": -sp.Symbol("x")})


def test_non_ascii_names_are_rejected():
    # Python folds the ligature to "fi", so both names would be one variable in generated code
    with pytest.raises(ModelError, match="not a usable identifier"):
        Model("m", (State("fi", 1.0), State("\ufb01", 1.0)), _params("m", k=1.0), {"fi": 0, "\ufb01": 0})


def test_module_rhs_cannot_silently_replace_an_existing_equation(logistic_model):
    with pytest.raises(ModelError, match="not one of its own states; use terms="):
        logistic_model.extend(Module("oops", rhs={"N": -sp.Symbol("N")}))


def test_initial_values_may_not_depend_on_states():
    x = sp.Symbol("x")
    with pytest.raises(ModelError, match="initial values may depend on parameters and inputs only"):
        Model("m", (State("x", 1.0), State("y", 2 * x)), _params("m", k=1.0), {"x": -x, "y": -x})


def test_with_parameters_shares_compiled_code_without_rehashing(coupled_model):
    first = bm.compile_model(coupled_model)
    other = coupled_model.with_parameters(coupled_model.parameters.with_values({"k1": 0.1}))
    assert "_key" in other.__dict__  # the equations' hash is carried, not recomputed
    compiled = bm.compile_model(other)
    assert compiled.key == first.key and compiled.default_vector[0] == 0.1
    assert compiled._fns is first._fns
