"""Sweep and sensitivity input handling: bad designs, outputs and per-member failures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import bonemodel as bm
from bonemodel.cli import main
from bonemodel.errors import ParameterError, SimulationError


def test_sensitivity_cli_default_factors_run_on_lemaire(capsys, tmp_path):
    # every parameter with a range is a factor by default; none may empty a cell pool
    assert (
        main(
            [
                "sensitivity",
                "lemaire2004",
                "--method",
                "morris",
                "--output",
                "C@80",
                "--n",
                "4",
                "--out",
                str(tmp_path),
            ]
        )
        == 0
    )


def test_final_with_a_later_time_output_extends_the_span():
    runs = bm.sweep("lemaire2004", {"k_B": (0.1, 0.3)}, n=4, outputs=["final(B)", "C@500"], progress=False)
    assert (runs["status"] == "success").all()
    ref = bm.simulate(
        "lemaire2004", 500.0, params={"k_B": runs["k_B"][0]}, t_eval=[0.0, 500.0], rtol=1e-9, atol=1e-14
    )
    assert runs["C@500"][0] == pytest.approx(ref["C"][-1], rel=1e-4)
    assert runs["final(B)"][0] == pytest.approx(ref["B"][-1], rel=1e-4)


def test_pct_change_of_a_percent_change_observable_is_refused(decay_model):
    with pytest.raises(SimulationError, match="already a % change"):
        bm.sweep(decay_model, {"k": (0.2, 0.8)}, n=2, outputs=["pct_change(x_pct@3)"], progress=False)


def test_resume_with_callable_outputs_is_refused(tmp_path):
    with pytest.raises(SimulationError, match="callable outputs"):
        bm.sweep(
            "lemaire2004",
            {"k_B": (0.1, 0.3)},
            n=4,
            outputs=[lambda f: f["B"].max()],
            out=tmp_path / "s",
            resume=True,
            progress=False,
        )


@pytest.mark.parametrize(
    "frame, text",
    [
        (pd.DataFrame([[0.1, 0.3], [0.2, 0.25]], columns=["k_B", "k_B"]), "more than once"),
        (pd.DataFrame({"k_B": [True, False]}), "must hold numbers"),
        (pd.DataFrame({"k_B": ["0.2", "0.3"]}), "must hold numbers"),
    ],
)
def test_user_designs_are_checked(frame, text):
    with pytest.raises(ParameterError, match=text):
        bm.sweep("lemaire2004", frame, outputs=["C@80"], progress=False)


@pytest.mark.parametrize("seed", [None, -1, 1.5])
def test_seed_must_be_a_non_negative_integer(seed):
    with pytest.raises(ParameterError, match="seed must be"):
        bm.sweep("lemaire2004", {"k_B": (0.1, 0.3)}, n=4, seed=seed, outputs=["C@80"], progress=False)


def test_huge_grid_is_refused_before_allocation():
    names = bm.load_model("lemaire2004").parameters.ranges()
    params = {k: None for k in list(names)[:12]}
    with pytest.raises(ParameterError, match="levels per parameter"):
        bm.sweep("lemaire2004", params, n=10, design="grid", outputs=["C@80"], progress=False)


def test_a_zero_rate_fails_only_its_member_on_the_numba_path():
    pytest.importorskip("numba")
    runs = bm.sweep(
        "lemaire2004",
        {"k_P": (0.0, 172.0), "D_R": (3.5e-4, 1.4e-3)},
        n=16,
        design="grid",
        outputs=["C@80"],
        method="numba",
        progress=False,
    )
    assert len(runs) == 256
    zero = runs["k_P"] == 0.0
    assert zero.any() and (runs.loc[~zero, "status"] == "success").all()
    assert np.isfinite(runs.loc[~zero, "C@80"]).all()


def test_a_callable_output_failing_on_one_member_fails_that_member_only():
    def first_time_above(frame):
        return frame.index[frame["C"] > 9.5e-4][0]  # IndexError where C never gets there

    runs = bm.sweep(
        "lemaire2004", {"k_B": (0.1, 0.3)}, n=16, outputs=[first_time_above, "C@80"], progress=False
    )
    failed = runs["status"].str.startswith("failed: output 'first_time_above': IndexError")
    assert failed.any() and (~failed).any()
    assert runs.loc[failed, "first_time_above"].isna().all()
    assert runs.loc[~failed, "status"].eq("success").all()
    assert np.isfinite(runs["C@80"]).all()  # the member's other outputs are kept


def _one_zero_each(model):
    """One member per parameter: that parameter at 0, every other at its file value."""
    names = model.parameter_names
    values = np.tile([model.parameters[n].value for n in names], (len(names), 1))
    np.fill_diagonal(values, 0.0)
    return pd.DataFrame(values, columns=names)


@pytest.mark.parametrize("name", ["lemaire2004", "komarova2003"])
def test_a_parameter_at_zero_gets_the_same_status_on_every_path(name):
    """Python raises on x/0 where numpy gives inf: every path now computes in IEEE arithmetic."""
    from bonemodel.compile_numba import numba_available

    model = bm.load_model(name)
    table = _one_zero_each(model)
    state = model.state_names[0]
    methods = ["numpy", "scipy"] + (["numba"] if numba_available() else [])
    runs = {
        m: bm.sweep(model, table, t_end=100.0, outputs=[f"{state}@100"], method=m, progress=False, workers=1)
        for m in methods
    }
    ok = {m: (r["status"] == "success").to_numpy() for m, r in runs.items()}
    for m in methods[1:]:
        np.testing.assert_array_equal(ok[m], ok["numpy"], err_msg=f"{m} vs numpy")
        both = ok[m] & ok["numpy"]
        np.testing.assert_allclose(
            runs[m][f"{state}@100"][both], runs["numpy"][f"{state}@100"][both], rtol=1e-4, atol=1e-9
        )
    assert ok["numpy"].any() and not ok["numpy"].all()  # the check has both kinds of member


def test_a_start_that_is_not_finite_fails_the_member_with_its_reason():
    model = bm.load_model("komarova2003")
    runs = bm.sweep(
        model, _one_zero_each(model), t_end=10.0, outputs=["x1@10"], method="scipy", progress=False
    )
    status = runs.set_index(pd.Index(model.parameter_names))["status"]
    # beta2/alpha2 = inf puts x1's steady state at infinity; alpha1 = 0 has a finite IEEE limit
    assert status["alpha2"] == "failed: the initial value of ['x1'] is not finite for these parameter values"
    assert status["alpha1"] == "success"


def test_simulate_names_an_initial_state_that_is_not_finite():
    model = bm.load_model("komarova2003")
    with pytest.raises(SimulationError, match=r"initial values of \['x1'\] .* not finite.*y0="):
        bm.simulate(model, 10.0, params={"alpha2": 0.0})
    assert bm.simulate(model, 10.0, params={"alpha2": 0.0}, y0=[1.0, 200.0, 100.0]).success
    # x/0 in the start values follows IEEE arithmetic, as in sweeps: a finite limit runs
    sol = bm.simulate(model, 10.0, params={"alpha1": 0.0})
    assert sol.success and sol.y[:, 0].tolist() == [10.0, 0.0, 100.0]


def test_scipy_path_follows_the_ieee_limit_where_python_would_raise():
    """Lemaire with k5 = 0: k6/k5 is inf and the OPG term vanishes; odeint agrees with rodas4.

    The observable OPG_RANKL is then 0 * inf, undefined, so both runs report it as their failure
    and keep the states.
    """
    args = {"params": {"k5": 0.0}, "rtol": 1e-9, "atol": 1e-14, "raise_on_failure": False}
    ref = bm.simulate("lemaire2004", 300.0, method="rodas4", **args)
    sol = bm.simulate("lemaire2004", 300.0, **args)
    assert sol.status == ref.status == "failed" and sol.message.startswith("observable 'OPG_RANKL' is nan")
    np.testing.assert_allclose(sol.y, ref.y, rtol=1e-5)


@pytest.mark.parametrize(
    "kwargs", [{"rtol": 2.0}, {"atol": "1e-10"}, {"atol": [1e-10, 1e-10, 1e-10]}, {"rtol": True}]
)
def test_sweep_tolerances_are_checked_like_simulate(kwargs):
    with pytest.raises(SimulationError, match="rtol|atol"):
        bm.sweep("lemaire2004", {"k_B": (0.1, 0.3)}, n=2, progress=False, **kwargs)
