"""examples/fracture_risk_check.py: the model's absolute risk against published incidence and FRAX."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bonemodel.examples import fracture_risk_check as check
from bonemodel.models import load_model
from bonemodel.parameters import load_parameters

DATA = load_parameters("fracture_epidemiology")


@pytest.fixture(scope="module")
def model():
    return load_model("inflammation")


@pytest.fixture(scope="module")
def probabilities(model):
    return check.ten_year_probabilities(model)


@pytest.mark.parametrize("sex", check.SEXES)
def test_the_age_average_person_reproduces_the_population_incidence_from_50_to_90(model, sex):
    """The person at the population's mean BMD has the hazard lambda / E[G^-z]; times
    exp((ln G)^2 / 2) = E[G^-z] it is the population's incidence, the fit, at every age (to the
    integrator's tolerance and the reference person's monthly interpolation: measured < 1e-5)."""
    curves = check.incidence_by_age(model, sex)
    assert curves.index[0] == 50.0 and curves.index[-1] == 90.0
    np.testing.assert_allclose(curves["population"], curves["fit"], rtol=1e-4)
    assert np.all(curves["person"] < curves["fit"])  # the spread of BMD adds risk on average
    assert np.all(np.diff(curves["person"]) > 0)


def test_ten_year_probabilities_rise_as_the_t_score_falls(probabilities):
    for (sex, age, site), group in probabilities.groupby(["sex", "age", "site"]):
        ours = group.sort_values("t_score", ascending=False)["ours"].to_numpy()
        assert np.all(np.diff(ours) > 0), (sex, age, site, ours)
        assert np.all((0 < ours) & (ours < 100))
    assert len(probabilities) == 2 * 4 * 4 * 2


# The hip fracture probability ratio per SD of T-score, sqrt(P(-3)/P(-1)), ours against UK FRAX
# (Kanis2008 Table 3). The two populations differ in incidence, which cancels in the ratio; what
# is left is the BMD gradient. Tolerance: the 95 % CI of the gradient our risk module uses
# (Johnell2005 at 65: women 2.88, CI 2.31-3.59; men 2.94, CI 2.02-4.27), as a ratio to its point
# value, so ours/FRAX must lie in [0.80, 1.25] (women) or [0.69, 1.45] (men). Measured: ours is
# about 3.0 per SD in women of 60-80 and 2.6-2.7 in men (the age-65 gradient, which the risk module
# uses at every age); FRAX's falls with age (women 4.0 at 50 to 2.1 at 80), as Johnell2005 reports.
# Misses (strict xfails): women at 50 (2.2 vs 4.0) and at 80 (3.0 vs 2.1); men at 80 pass at the
# edge (1.45).
_GRADIENT_MISSES = {("female", 50), ("female", 80)}
_GRADIENT_REASON = (
    "the population gradient is Johnell2005's at age 65 for every age, while FRAX's falls with age"
    " (women 4.0 per SD at 50, 2.1 at 80); ours is 2.2 at 50 and 3.0 at 80"
)


def _gradient_cases():
    return [
        pytest.param(
            sex,
            age,
            id=f"{sex}-{age}",
            marks=pytest.mark.xfail(strict=True, reason=_GRADIENT_REASON)
            if (sex, age) in _GRADIENT_MISSES
            else (),
        )
        for sex in check.SEXES
        for age in check.PROFILE_AGES
    ]


@pytest.mark.parametrize("sex, age", _gradient_cases())
def test_hip_gradient_per_sd_of_t_score_matches_uk_frax_within_the_gradients_ci(probabilities, sex, age):
    gradients = check.hip_gradient_per_sd(probabilities).set_index(["sex", "age"])
    ours, frax = gradients.loc[(sex, age), "ours"], gradients.loc[(sex, age), "frax_uk"]
    gradient = DATA[f"bmd_gradient_hip_{sex}_65"]
    low, high = (bound / gradient.value for bound in gradient.range)
    assert low <= ours / frax <= high, (ours, frax, low, high)


def test_reproduce_writes_the_figure_and_compares_with_published_numbers(tmp_path):
    table = check.reproduce(tmp_path, quick=True)
    assert (tmp_path / "fracture_risk_check.html").stat().st_size > 10_000
    published = table[table["published"].astype(str) != ""]
    assert np.all(np.isfinite(published["rel_diff"].astype(float)))
    quantities = " ".join(table["quantity"])
    for needle in (
        "Østfold",
        "Harstad",
        "New England",
        "HUNT",
        "lifetime hip fracture probability from 60",
        "T-score -3",
        "per SD",
    ):
        assert needle in quantities, needle
    # 18 registry values, 2 lifetime risks, 64 FRAX profiles, 8 gradients; construction rows unpublished
    assert len(published) == 18 + 2 + 64 + 8
    construction = table[table["published"].astype(str) == ""]
    assert len(construction) == 10 and np.all(np.isfinite(construction["ours"].astype(float)))
    frax_rows = table[table["quantity"].str.startswith("10-year")]
    for _, row in frax_rows.iterrows():
        assert math.isfinite(row["rel_diff"]) and "Kanis2008 Table 3" in row["source"]
