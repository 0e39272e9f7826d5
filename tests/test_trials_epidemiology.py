"""Fracture epidemiology: fits reproduce the tables; probabilities reproduce the published ones."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bonemodel.errors import ParameterError
from bonemodel.parameters import load_parameters
from bonemodel.trials import epidemiology as epi

DATA = load_parameters("fracture_epidemiology")
# No CI could be read for the incidence (and the life table is a census, without sampling
# error), so each fitted band is held to 10 % of its tabulated rate: tighter than the Poisson
# CI of any Malmö band (about +-10 % in the largest old-age bands, +-30 % or more in the
# youngest) and smaller than the secular change of Swedish rates over one decade.
FIT_TOLERANCE = 0.10
AGES = (50, 60, 70, 80)


@pytest.mark.parametrize("sex", epi.SEXES)
@pytest.mark.parametrize("site", epi.SITES)
def test_incidence_fit_reproduces_every_tabulated_band(sex, site):
    table = epi.incidence_table(sex, site)
    assert list(table.age_low) == [50, 55, 60, 65, 70, 75, 80, 85, 90]
    assert math.isinf(table.age_high.iloc[-1])
    fitted = epi.incidence(table.age_mid.to_numpy(), sex, site)
    relative = fitted / table.rate_per_1000py.to_numpy() - 1.0
    assert np.max(np.abs(relative)) < FIT_TOLERANCE, relative


@pytest.mark.parametrize("sex", epi.SEXES)
@pytest.mark.parametrize("period", epi.PERIODS)
def test_mortality_fit_reproduces_every_life_table_band(sex, period):
    table = epi.mortality_table(sex, period=period)
    assert list(table.age_low) == list(range(45, 101, 5))
    fit = epi.mortality_fit(sex, period=period)
    relative = fit(table.age_mid.to_numpy()) / table.rate_per_1000py.to_numpy() - 1.0
    assert np.max(np.abs(relative)) < FIT_TOLERANCE, relative
    assert fit.rms_log_error < 0.07


def test_rates_rise_with_age_and_women_fracture_more_than_men():
    ages = np.linspace(50.0, 100.0, 201)
    for sex in epi.SEXES:
        for site in epi.SITES:
            assert np.all(np.diff(epi.incidence(ages, sex, site)) > 0), (sex, site)
        assert np.all(np.diff(epi.mortality(ages, sex)) > 0), sex
    for site in epi.SITES:
        assert np.all(epi.incidence(ages, "female", site) > epi.incidence(ages, "male", site))
    assert np.all(epi.mortality(ages, "male") > epi.mortality(ages, "female"))
    # a recent life table has lower death rates at every age
    assert np.all(epi.mortality(ages, "female", period="2010-2014") < epi.mortality(ages, "female"))


def test_scalar_in_scalar_out_array_in_array_out():
    assert isinstance(epi.incidence(70.0, "female", "hip"), float)
    assert isinstance(epi.incidence(np.int64(70), "female", "hip"), float)
    out = epi.mortality([60.0, 70.0], "male")
    assert isinstance(out, np.ndarray) and out.shape == (2,)
    assert out[0] == pytest.approx(epi.mortality(60.0, "male"))


@pytest.mark.parametrize("sex", epi.SEXES)
@pytest.mark.parametrize("site", epi.SITES)
def test_lifetime_probability_at_45_matches_kanis2000(sex, site):
    """Kanis2000 projected future mortality; we use the 1990-1994 period table.

    The published remaining lifetime risk must lie within the change our own estimate undergoes
    when the 1990-1994 life table is replaced by that of 2010-2014 (the tolerance is that span,
    computed, not chosen).
    """
    published = DATA[f"lifetime_{site}_{sex}_45"].value / 100.0
    ours = epi.fracture_probability(45.0, 75.0, sex, site)
    recent = epi.fracture_probability(45.0, 75.0, sex, site, mortality_period="2010-2014")
    assert recent > ours
    assert abs(ours - published) <= recent - ours, (ours, published, recent)


@pytest.mark.parametrize("sex", epi.SEXES)
@pytest.mark.parametrize("age", AGES)
def test_swedish_ten_year_hip_probability_is_above_the_uk_frax_value(sex, age):
    """Sweden's hip fracture probabilities are among the highest, the UK's lower (Kanis2002)."""
    uk = DATA[f"frax_uk_hip_{sex}_{age}"].value / 100.0
    assert epi.fracture_probability(float(age), 10.0, sex, "hip") > uk


@pytest.mark.parametrize("sex", epi.SEXES)
@pytest.mark.parametrize("site", epi.SITES)
def test_competing_mortality_lowers_the_probability_more_in_the_old(sex, site):
    gaps = []
    for age in (50.0, 70.0, 85.0):
        with_death = epi.fracture_probability(age, 10.0, sex, site)
        without = epi.fracture_probability(age, 10.0, sex, site, competing_mortality=False)
        assert with_death < without
        gaps.append(without / with_death)
    assert gaps[0] < gaps[1] < gaps[2]
    assert gaps[0] < 1.05 < gaps[2]


def test_integral_matches_the_closed_form_for_constant_hazards(monkeypatch):
    fx, death = 20.0, 50.0  # per 1000 person-years

    def constant(rate):
        return epi.RateFit("constant", (math.log(rate), 0.0, 0.0, 0.0), (50.0, 90.0), (rate, rate))

    monkeypatch.setattr(epi, "_incidence_fit", lambda sex, site: constant(fx))
    monkeypatch.setattr(epi, "_mortality_fit", lambda sex, period: constant(death))
    a, d, years = fx / 1000.0, death / 1000.0, 10.0
    exact = a / (a + d) * (1.0 - math.exp(-(a + d) * years))
    assert epi.fracture_probability(60.0, years, "female", "hip") == pytest.approx(exact, rel=1e-5)
    no_death = 1.0 - math.exp(-a * years)
    assert epi.fracture_probability(60.0, years, "female", "hip", competing_mortality=False) == pytest.approx(
        no_death, rel=1e-12
    )


def test_relative_risk_scales_linearly_while_the_probability_is_small():
    base = epi.fracture_probability(50.0, 10.0, "female", "hip")
    assert base < 0.02
    for k in (0.5, 2.0, 3.0):
        ratio = epi.fracture_probability(50.0, 10.0, "female", "hip", rr=k) / base
        assert abs(ratio / k - 1.0) < 2.0 * k * base  # first-order saturation
        assert (ratio < k) if k > 1 else (ratio > k)
    assert epi.fracture_probability(50.0, 10.0, "female", "hip", rr=0.0) == 0.0
    # where the probability is large, doubling the hazard less than doubles it
    big = epi.fracture_probability(80.0, 10.0, "female", "major")
    assert epi.fracture_probability(80.0, 10.0, "female", "major", rr=2.0) / big < 1.8


def test_relative_risk_may_change_with_time():
    one = epi.fracture_probability(65.0, 10.0, "male", "major", rr=1.0)
    two = epi.fracture_probability(65.0, 10.0, "male", "major", rr=2.0)
    step = epi.fracture_probability(65.0, 10.0, "male", "major", rr=lambda t: np.where(t < 5.0, 1.0, 2.0))
    assert one < step < two
    flat = epi.fracture_probability(65.0, 10.0, "male", "major", rr=lambda t: 1.5)
    assert flat == pytest.approx(epi.fracture_probability(65.0, 10.0, "male", "major", rr=1.5), rel=1e-12)


VERIFIED_SOURCES = {
    "HMD",
    "Kanis2000",
    "Kanis2002",
    "Kanis2008",
    "Karampampa2015",
    "Emaus2011",
    "Polesie2013",
    "Fisher1991",
    "HUNT2010",
    "Naessen1989",
}
VERIFIED_KINDS = (
    "death",
    "lifetime_",
    "frax_uk_",
    "harstad_",
    "ostfold_",
    "newengland_",
    "hunt_",
    "uppsala_",
)


def test_data_file_marks_what_is_unverified():
    kinds = set()
    for name, param in DATA.params.items():
        if name.startswith(("hip_", "major_")):
            assert param.source == "Kanis2001" and "unverified" in param.note, name
            kinds.add("malmo")
        elif name.startswith(VERIFIED_KINDS):
            assert "unverified" not in (param.note + param.where).lower(), name
            assert param.source in VERIFIED_SOURCES, name
            kinds.add(name.split("_")[0])
        elif name.startswith("bmd_gradient_"):
            assert param.source == "Johnell2005" and param.range[0] < param.value < param.range[1], name
        else:
            raise AssertionError(f"{name}: not a kind the test knows")
    assert {"malmo", "harstad", "ostfold", "newengland", "hunt", "uppsala", "lifetime", "frax"} <= kinds


def test_every_incidence_value_says_where_it_was_read():
    for name, param in DATA.params.items():
        if name.startswith(("hip_", "major_", "harstad_", "ostfold_", "newengland_", "hunt_")):
            assert param.unit == "1/(1000 person-years)", name
            assert len(param.where.strip()) > 10, name
    checks = epi.published_incidence()
    assert len(checks) == 18 and set(checks.sex) == set(epi.SEXES)
    assert (checks["where"].str.len() > 10).all()
    # the published 95 % CIs bracket their rates
    with_ci = checks.dropna(subset=["ci_low"])
    assert len(with_ci) == 10
    assert ((with_ci.ci_low < with_ci.rate_per_1000py) & (with_ci.rate_per_1000py < with_ci.ci_high)).all()


# The fitted Malmö incidence, averaged over a published band (weights: a stationary population
# under the 1990-1994 Swedish life table), against the published 95 % CI: Østfold (Polesie2013)
# and the HUNT women (HUNT2010: 65-69, 2.1, CI 1.2-3.8, ours 3.55; 90+, 49.7, CI 41.2-59.8, ours
# 52.5; both met). Measured
# misses, kept visible as strict xfails: the reconstruction lies above Østfold at 50-74 in both
# sexes (2.65 vs 1.58-2.09 and 2.00-2.57 per 1,000 PY in women, 1.48 vs 1.00-1.41 and
# 1.03-1.46 in men) and above set b at 75+ in women (25.0 vs 21.9-24.7).
_OSTFOLD_MISSES = {
    "ostfold_hip_female_50_74_a",
    "ostfold_hip_female_50_74_b",
    "ostfold_hip_male_50_74_a",
    "ostfold_hip_male_50_74_b",
    "ostfold_hip_female_75_plus_b",
}
_MISS_REASON = (
    "the unverified Malmö reconstruction is above Østfold's rate (another registry, country and"
    " period; the band mean assumes a stationary Swedish population, which weights the old end"
    " of 50-74 more than a real one): to be settled once the Malmö table itself is read"
)


def _ci_cases():
    checks = epi.published_incidence().dropna(subset=["ci_low"])
    return [
        pytest.param(
            row,
            id=row["name"],
            marks=pytest.mark.xfail(strict=True, reason=_MISS_REASON)
            if row["name"] in _OSTFOLD_MISSES
            else (),
        )
        for _, row in checks.iterrows()
    ]


@pytest.mark.parametrize("row", _ci_cases())
def test_fitted_band_incidence_lies_in_the_published_95_percent_ci(row):
    ours = epi.band_incidence(row["sex"], row["site"], row["age_low"], row["age_high"])
    assert row["ci_low"] <= ours <= row["ci_high"], (ours, row["ci_low"], row["ci_high"])


# Registry rates without a CI (Harstad, Emaus2011; New England, Fisher1991) cannot be held to a
# sampling interval. What can be asked of them is the spread between populations of very high hip
# fracture risk: Kanis2002 puts Norway at 1.24 times Sweden's 10-year hip fracture probability and
# counts a population as of very high risk above 0.75 of Sweden's (Norway, Iceland, Denmark, the
# US; the 0.75 as quoted by Emaus2011). So published / ours must lie in [0.75, 1.24], ours being
# the Malmö fit averaged over the band (as above). A ratio of probabilities stands in for a ratio
# of rates: the named assumption of this check. Measured (published / ours): Harstad 50-54
# women 0.87 / 0.632 = 1.38, men 0.58 / 0.419 = 1.38 (misses); Harstad 90+ women 58.2 / 52.5 = 1.11,
# men 34.9 / 32.6 = 1.07 (met); New England 65-69 women 2.2 / 3.55 = 0.62, men 0.9 / 2.06 = 0.44,
# 90-94 women 31.8 / 49.9 = 0.64, men 20.8 / 30.6 = 0.68 (misses).
VERY_HIGH_RISK_SPAN = (0.75, 1.24)
_NO_CI_MISSES = {
    "harstad_hip_female_50_54": "published 0.87, ours 0.632 per 1,000 PY (ratio 1.38 > 1.24):"
    " the Malmö reconstruction is below Harstad at 50-54",
    "harstad_hip_male_50_54": "published 0.58, ours 0.419 per 1,000 PY (ratio 1.38 > 1.24):"
    " the Malmö reconstruction is below Harstad at 50-54",
    "newengland_hip_female_65_69": "published 2.2, ours 3.55 per 1,000 PY (ratio 0.62 < 0.75):"
    " the Malmö reconstruction is above US Medicare women at 65-69",
    "newengland_hip_female_90_94": "published 31.8, ours 49.9 per 1,000 PY (ratio 0.64 < 0.75):"
    " the Malmö reconstruction is above US Medicare women at 90-94",
    "newengland_hip_male_65_69": "published 0.9, ours 2.06 per 1,000 PY (ratio 0.44 < 0.75):"
    " the Malmö reconstruction is above US Medicare men at 65-69",
    "newengland_hip_male_90_94": "published 20.8, ours 30.6 per 1,000 PY (ratio 0.68 < 0.75):"
    " the Malmö reconstruction is above US Medicare men at 90-94",
}


def _no_ci_cases():
    checks = epi.published_incidence()
    checks = checks[checks.ci_low.isna()]
    return [
        pytest.param(
            row,
            id=row["name"],
            marks=pytest.mark.xfail(strict=True, reason=_NO_CI_MISSES[row["name"]])
            if row["name"] in _NO_CI_MISSES
            else (),
        )
        for _, row in checks.iterrows()
    ]


def test_every_registry_rate_without_ci_is_checked():
    checks = epi.published_incidence()
    names = set(checks[checks.ci_low.isna()]["name"])
    assert len(names) == 8 and set(_NO_CI_MISSES) < names


@pytest.mark.parametrize("row", _no_ci_cases())
def test_fitted_band_incidence_is_within_the_spread_of_very_high_risk_populations(row):
    ours = epi.band_incidence(row["sex"], row["site"], row["age_low"], row["age_high"])
    low, high = VERY_HIGH_RISK_SPAN
    assert low <= row["rate_per_1000py"] / ours <= high, (row["rate_per_1000py"], ours)


# Uppsala, Sweden, 1983 (Naessen1989): the cumulative rate of a first hip fracture over ages 30-79,
# i.e. the integral of the incidence from 30 to 80 years, per 1,000. Ours integrates the Malmö fit
# (below 50 its log-linear continuation, which adds 5.0 of 141 per 1,000 in women and 3.5 of 80 in
# men). Held to the same spread as the registries without a CI. Measured: women 101.5 / 141.1 =
# 0.72 (a miss), men 61.5 / 80.4 = 0.76 (met).
@pytest.mark.parametrize(
    "sex",
    [
        pytest.param(
            "female",
            marks=pytest.mark.xfail(
                strict=True,
                reason="published 101.5, ours 141.1 per 1,000 over ages 30-79 (ratio 0.72 < 0.75): the"
                " Malmö reconstruction is above Uppsala 1983 in women",
            ),
        ),
        "male",
    ],
)
def test_cumulative_hip_rate_30_79_is_within_the_spread_of_uppsala(sex):
    published = DATA[f"uppsala_hip_{sex}_30_79_cumulative"]
    ages = np.linspace(30.0, 80.0, 5001)
    ours = float(np.trapezoid(epi.incidence(ages, sex, "hip"), ages))
    low, high = VERY_HIGH_RISK_SPAN
    assert low <= published.value / ours <= high, (published.value, ours)


def test_band_incidence_weights_ages_by_the_people_alive():
    # a single-year band returns the fit at its middle; a wide band lies between its ends' rates
    assert epi.band_incidence("female", "hip", 70.0, 70.02) == pytest.approx(
        epi.incidence(70.01, "female", "hip"), rel=1e-3
    )
    wide = epi.band_incidence("male", "hip", 50.0, 75.0)
    assert epi.incidence(50.0, "male", "hip") < wide < epi.incidence(75.0, "male", "hip")
    # more deaths at old ages (1990-1994 vs 2010-2014) give the old end less weight
    assert wide < epi.band_incidence("male", "hip", 50.0, 75.0, mortality_period="2010-2014")
    with pytest.raises(ParameterError, match="age_high > age_low"):
        epi.band_incidence("male", "hip", 75.0, 50.0)


@pytest.mark.parametrize(
    "sex",
    [
        pytest.param(
            "female",
            marks=pytest.mark.xfail(
                strict=True,
                reason="measured 23.2 % against 18-20 %: the Malmö reconstruction is above the national"
                " Swedish rates of 1995-2010, which fell about 1 % a year (Karampampa2015)",
            ),
        ),
        "male",
    ],
)
def test_lifetime_hip_risk_from_60_matches_the_swedish_population(sex):
    """Karampampa2015: the whole Swedish population 1995-2010, period life tables; we use the
    1990-1994 table, the nearest period (the recent one raises ours, see the Kanis2000 test)."""
    low = DATA[f"lifetime_hip_{sex}_60_sweden_low"].value / 100.0
    high = DATA[f"lifetime_hip_{sex}_60_sweden_high"].value / 100.0
    ours = epi.fracture_probability(60.0, 40.0, sex, "hip")
    assert low <= ours <= high, ours


@pytest.mark.parametrize(
    "kwargs, text",
    [
        ({"age": 17.0}, "age must be between 18 and 100"),
        ({"age": 100.5}, "age must be between 18 and 100"),
        ({"age": float("nan")}, "age .* must be finite"),
        ({"age": "70"}, "age .* must be a number"),
        ({"age": True}, "age .* must be a number"),
        ({"years": 0.0}, "years must be > 0"),
        ({"years": 150.0}, "years must be > 0 and <= 100"),
        ({"sex": "Female"}, "unknown sex 'Female'; did you mean 'female'"),
        ({"sex": None}, "sex must be one of"),
        ({"site": "wrist"}, "unknown fracture site 'wrist'.*'major' is the first hip"),
        ({"site": "Hip"}, "did you mean 'hip'"),
        ({"rr": -0.5}, r"rr \(relative risk\) must be >= 0"),
        ({"rr": float("nan")}, r"rr \(relative risk\) must be finite"),
        ({"rr": "2"}, r"rr \(relative risk\) must be a number"),
        ({"rr": lambda t: -np.ones_like(t)}, "rr: the callable returned negative"),
        ({"rr": lambda t: np.ones(3)}, "rr: the callable must return a number or an array shaped like t"),
        ({"rr": lambda t: 1 / 0}, "rr: the callable failed .*ZeroDivisionError"),
        ({"mortality_period": "2000-2004"}, "unknown life-table period"),
        ({"competing_mortality": "no"}, "competing_mortality must be True or False"),
    ],
)
def test_bad_input_is_refused_with_the_argument_named(kwargs, text):
    args = {"age": 60.0, "years": 10.0, "sex": "female", "site": "hip"} | kwargs
    with pytest.raises(ParameterError, match=text):
        epi.fracture_probability(**args)


def test_bad_ages_in_arrays_are_refused():
    with pytest.raises(ParameterError, match="NaN or infinite"):
        epi.incidence([60.0, float("nan")], "female", "hip")
    with pytest.raises(ParameterError, match="between 18 and 100 years, got 120"):
        epi.mortality(np.array([60.0, 120.0]), "male")
    with pytest.raises(ParameterError, match="array of numbers"):
        epi.incidence(["60"], "female", "hip")
