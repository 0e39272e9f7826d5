"""Outputs: parsing against a model and values computed from known arrays."""

from __future__ import annotations

import numpy as np
import pytest

from bonemodel.errors import ModelError, SimulationError
from bonemodel.outputs import needs_grid, output_times, parse_outputs


@pytest.fixture
def arrays():
    """Two members of the coupled model on t = 0..10: a = 1 + t (member 0), 3 - 0.5 t (member 1)."""
    t = np.linspace(0.0, 10.0, 11)
    a = np.stack([1.0 + t, 3.0 - 0.5 * t])
    b = np.stack([np.full_like(t, 2.0), np.full_like(t, 4.0)])
    c = np.stack([t**2, -t])
    states = np.stack([a, b, c])  # (3, 2, 11)
    obs = (a / b)[None]  # ratio
    return t, states, obs


def _values(model, spec, arrays, t_end=10.0):
    t, states, obs = arrays
    (out,) = parse_outputs(model, [spec], t_end=t_end)
    return out, out.evaluate(t, states, obs)


def test_value_at_time_and_final(coupled_model, arrays):
    out, v = _values(coupled_model, "a@4", arrays)
    assert out.times == (4.0,) and not out.needs_grid
    np.testing.assert_allclose(v, [5.0, 1.0])
    _, v = _values(coupled_model, "final(c)", arrays)
    np.testing.assert_allclose(v, [100.0, -10.0])
    _, v = _values(coupled_model, "ratio@2", arrays)
    np.testing.assert_allclose(v, [1.5, 0.5])


def test_percent_change_from_start(coupled_model, arrays):
    out, v = _values(coupled_model, "pct_change(a@3)", arrays)
    assert out.times == (0.0, 3.0)
    np.testing.assert_allclose(v, [300.0, -50.0])


def test_min_max_auc_over_grid_and_window(coupled_model, arrays):
    _, v = _values(coupled_model, "max(a)", arrays)
    np.testing.assert_allclose(v, [11.0, 3.0])
    _, v = _values(coupled_model, "min(c)", arrays)
    np.testing.assert_allclose(v, [0.0, -10.0])
    _, v = _values(coupled_model, "min(a, 2, 4)", arrays)
    np.testing.assert_allclose(v, [3.0, 1.0])
    out, v = _values(coupled_model, "auc(a)", arrays)
    assert out.needs_grid
    np.testing.assert_allclose(v, [60.0, 5.0])  # exact for linear functions
    _, v = _values(coupled_model, "auc(a, 0, 2)", arrays)
    np.testing.assert_allclose(v, [4.0, 5.0])


def test_time_to_threshold_interpolates_and_is_nan_when_never(coupled_model, arrays):
    _, v = _values(coupled_model, "time_to(a, 4.5)", arrays)
    assert v[0] == pytest.approx(3.5) and np.isnan(v[1])
    _, v = _values(coupled_model, "time_to(a, 1.75)", arrays)
    np.testing.assert_allclose(v, [0.75, 2.5])  # rising through it, and falling through it


def test_steady_is_relative_rate_at_the_end(coupled_model, arrays):
    _, v = _values(coupled_model, "steady(b)", arrays)
    np.testing.assert_allclose(v, [0.0, 0.0])
    _, v = _values(coupled_model, "steady(a)", arrays)
    np.testing.assert_allclose(v, [1.0 / 11.0, 0.5 / 2.0])


def test_trajectory_expands_into_columns(coupled_model, arrays):
    t, states, obs = arrays
    outs = parse_outputs(coupled_model, ["b@[0:10:5]"], t_end=10.0)
    assert [o.name for o in outs] == ["b@0", "b@5", "b@10"]
    assert output_times(outs) == [0.0, 5.0, 10.0] and not needs_grid(outs)
    np.testing.assert_allclose(np.stack([o.evaluate(t, states, obs) for o in outs]), [[2, 4]] * 3)


def test_callable_gets_the_solution_frame(coupled_model, arrays):
    def a_plus_c_at_2(frame):
        return frame.loc[2.0, "a"] + frame.loc[2.0, "c"]

    out, v = _values(coupled_model, a_plus_c_at_2, arrays)
    assert out.name == "a_plus_c_at_2" and out.needs_grid
    np.testing.assert_allclose(v, [7.0, 0.0])


def test_aliases_keep_their_name(coupled_model, arrays):
    t, states, obs = arrays
    (out,) = parse_outputs(coupled_model, ["gain"], t_end=10.0, aliases={"gain": "pct_change(a@3)"})
    assert out.name == "gain"
    np.testing.assert_allclose(out.evaluate(t, states, obs), [300.0, -50.0])


def test_default_is_final_value_of_every_state(coupled_model):
    outs = parse_outputs(coupled_model, ..., t_end=5.0)
    assert [o.name for o in outs] == ["final(a)", "final(b)", "final(c)"]
    assert output_times(outs) == [5.0]


@pytest.mark.parametrize(
    ("spec", "error", "message"),
    [
        ("aa@10", ModelError, r"'aa' is neither a state nor an observable.*did you mean 'a'"),
        ("ratoi@1", ModelError, r"did you mean 'ratio'"),
        ("maxx(a)", SimulationError, r"unknown output 'maxx\(a\)'; did you mean 'max'"),
        ("a@20", SimulationError, r"time 20 is outside the simulated span \[0, 10\]"),
        ("pct_change(a)", SimulationError, r"write pct_change\(NAME@T\)"),
        ("time_to(a)", SimulationError, r"wrong number of arguments"),
        ("auc(a, 5, 2)", SimulationError, r"window end must be after its start"),
        ("a at 3", SimulationError, r"unknown output 'a at 3'"),
    ],
)
def test_bad_outputs_are_rejected_with_a_suggestion(coupled_model, spec, error, message):
    with pytest.raises(error, match=message):
        parse_outputs(coupled_model, [spec], t_end=10.0)


def test_duplicate_outputs_are_rejected(coupled_model):
    with pytest.raises(SimulationError, match="more than once"):
        parse_outputs(coupled_model, ["a@1", "max(b)", "a@1"], t_end=10.0)
