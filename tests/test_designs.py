"""Designs: grid, Latin hypercube and Sobol samples, uniform and log-uniform, checked inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bonemodel.designs import make_design, parse_ranges, unit_samples
from bonemodel.errors import ParameterError


def test_lhs_puts_one_member_in_every_stratum_of_every_parameter(coupled_model):
    n = 40
    table = make_design(coupled_model, {"k1": (0.0, 4.0), "k2": (1.0, 3.0)}, n=n, design="lhs", seed=3)
    assert table.shape == (n, 2)
    for col, (lo, hi) in {"k1": (0.0, 4.0), "k2": (1.0, 3.0)}.items():
        strata = np.floor((table[col].to_numpy() - lo) / (hi - lo) * n).astype(int)
        assert sorted(strata.tolist()) == list(range(n))


def test_loguniform_lhs_is_stratified_in_log_space_and_stays_in_bounds(coupled_model):
    n = 32
    table = make_design(coupled_model, {"k2": (1e-3, 10.0, "log")}, n=n, seed=1)
    v = table["k2"].to_numpy()
    assert v.min() >= 1e-3 and v.max() <= 10.0
    strata = np.floor((np.log(v) - np.log(1e-3)) / (np.log(10.0) - np.log(1e-3)) * n).astype(int)
    assert sorted(strata.tolist()) == list(range(n))
    # Log-uniform: half of the members lie below the geometric mean of the bounds (0.1).
    assert np.sum(v < 0.1) == n // 2


def test_sobol_needs_a_power_of_two_and_suggests_neighbours(coupled_model):
    with pytest.raises(ParameterError, match=r"power of two, got 100; use n=64 or n=128"):
        make_design(coupled_model, {"k1": (0.1, 1.0)}, n=100, design="sobol")
    table = make_design(coupled_model, {"k1": (0.1, 1.0), "g": (0.2, 0.8)}, n=64, design="sobol", seed=2)
    assert table.shape == (64, 2)
    # A scrambled Sobol net of 2**6 points has exactly 8 points in each eighth of each axis.
    counts = np.bincount(np.floor((table["k1"] - 0.1) / 0.9 * 8).astype(int), minlength=8)
    assert counts.tolist() == [8] * 8


def test_grid_is_the_full_product_with_ends_included(coupled_model):
    table = make_design(coupled_model, {"k1": (1.0, 3.0), "g": (0.1, 1.0, "log")}, n=3, design="grid")
    assert len(table) == 9
    assert sorted(set(table["k1"].round(12))) == [1.0, 2.0, 3.0]
    np.testing.assert_allclose(sorted(set(table["g"].round(12))), [0.1, 10**-0.5, 1.0])


def test_same_seed_same_design_and_other_seed_another(coupled_model):
    spec = {"k1": (0.1, 1.0), "k2": (0.1, 1.0, "log")}
    for design, n in (("lhs", 20), ("sobol", 16)):
        a = make_design(coupled_model, spec, n=n, design=design, seed=7)
        b = make_design(coupled_model, spec, n=n, design=design, seed=7)
        c = make_design(coupled_model, spec, n=n, design=design, seed=8)
        pd.testing.assert_frame_equal(a, b)
        assert not np.allclose(a.to_numpy(), c.to_numpy())


def test_range_from_the_parameter_file(coupled_model):
    (r,) = parse_ranges(coupled_model, {"k1": None})
    assert (r.low, r.high, r.scale) == (0.4, 1.6, "linear")  # conftest: value/2 .. value*2


def test_dataframe_passes_through_with_checked_columns(coupled_model):
    frame = pd.DataFrame({"k1": [0.5, 0.7], "g": [0.3, 0.4]}, index=[10, 20])
    out = make_design(coupled_model, frame)
    assert out.index.tolist() == [0, 1] and out["g"].tolist() == [0.3, 0.4]
    with pytest.raises(ParameterError, match="unknown parameter 'kk1'.*did you mean 'k1'"):
        make_design(coupled_model, pd.DataFrame({"kk1": [1.0]}))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"k_1": (0.1, 1.0)}, r"unknown parameter 'k_1' for model 'coupled'; did you mean 'k1'"),
        ({"k1": (1.0, 1.0)}, r"low \(1\) must be below high \(1\)"),
        ({"k1": (2.0, 1.0)}, r"low \(2\) must be below high \(1\)"),
        ({"k1": (-1.0, 1.0, "log")}, r"log range of 'k1' needs low > 0"),
        ({"k1": (0.0, 1.0, "log")}, r"log range of 'k1' needs low > 0"),
        ({"k1": (-1.0, 1.0)}, r"below its lower bound 0"),
        ({"k1": (0.1, np.inf)}, r"must be finite"),
        ({"k1": (0.1, 1.0, "cubic")}, r"scale must be 'log'"),
        ({}, r"no parameters to sweep"),
    ],
)
def test_bad_ranges_are_rejected_with_the_fix(coupled_model, spec, message):
    with pytest.raises(ParameterError, match=message):
        make_design(coupled_model, spec, n=4)


def test_bad_design_name_and_n(coupled_model):
    with pytest.raises(ParameterError, match="unknown design 'sobel'; did you mean 'sobol'"):
        unit_samples("sobel", 8, 2)
    with pytest.raises(ParameterError, match="n must be a positive integer"):
        unit_samples("lhs", 0, 2)
    with pytest.raises(ParameterError, match="n must be a positive integer"):
        make_design(coupled_model, {"k1": (0.1, 1.0)}, n=None)
