"""Fracture epidemiology: baseline incidence, mortality and fracture probability with competing death.

The absolute risk of a person is the registry's age- and sex-specific incidence times a relative
risk, accumulated over time while the person is still alive and fracture-free. The data are
those of the FRAX reference population (Malmö, Sweden) in ``parameters/fracture_epidemiology.toml``:
incidence of a first hip fracture and of a first major osteoporotic fracture (hip, clinical spine,
distal forearm, proximal humerus) per 1,000 person-years in 5-year age bands, and the Swedish
life table of the same period (Human Mortality Database, 1990-1994; 2010-2014 on request).

Each table is smoothed by a log-cubic fit in age (a Gompertz line with curvature and an
inflection), ``ln rate = c0 + c1 x + c2 x**2 + c3 x**3`` with ``x = age - 70``, least squares on
the log rates at the band mid-points (every band within 10 %, see ``RateFit.relative_errors``);
outside the tabulated ages the fit continues log-linearly with the slope it has at
the end (never falling as age rises). The probability of a first fracture within ``years``
from ``age`` is, as in FRAX (Kanis et al.),

    P = integral_0^T lambda_fx(t) rr(t) exp(-integral_0^t [lambda_fx rr + lambda_death] ds) dt

with hazards in 1/year (rates per 1,000 person-years / 1000). All functions are pure: nothing
is cached but the parsed tables and their fits.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import numpy as np
import numpy.polynomial.polynomial as npoly

from .. import _checks
from ..errors import ParameterError, suggest
from ..parameters import load_parameters

__all__ = [
    "SEXES",
    "SITES",
    "AGE_RANGE",
    "PERIODS",
    "RateFit",
    "incidence_table",
    "mortality_table",
    "incidence_fit",
    "mortality_fit",
    "incidence",
    "mortality",
    "fracture_probability",
    "published_incidence",
    "band_incidence",
]

DATA_FILE = "fracture_epidemiology"
SEXES = ("female", "male")
"""Sexes with tables."""
SITES = ("hip", "major")
"""Fracture sites: first hip fracture; first major osteoporotic fracture (hip, clinical spine,
distal forearm or proximal humerus)."""
AGE_RANGE = (18.0, 100.0)
"""Ages [year] a query may start from."""
PERIODS = ("1990-1994", "2010-2014")
"""Periods of the Swedish life tables; the first is that of the fracture data and the default."""
_CENTRE = 70.0  # [year] centre of the fits' polynomial, for well-conditioned coefficients
_DEGREE = 3  # of the polynomial in ln(rate): 4 coefficients for 9 (incidence) or 12 (death) bands
_OPEN_BAND_WIDTH = 5.0  # [year] an open band (90+) is placed at its first five years' mid-point
_STEP = 0.02  # [year] integration step of fracture_probability (error < 1e-5 absolute)
_INCIDENCE = re.compile(r"(hip|major)_(female|male)_(\d+)_(\d+|plus)")
_DEATH = re.compile(r"death(1990|2010)_(female|male)_(\d+)_(\d+)")
_CHECK = re.compile(r"(harstad|ostfold|newengland|hunt)_(hip)_(female|male)_(\d+)_(\d+|plus)(?:_([ab]))?")
_REGIONS = {
    "harstad": "Harstad, Norway (1994-2008)",
    "ostfold": "Østfold, Norway",
    "newengland": "New England, USA (Medicare, white)",
    "hunt": "HUNT, Nord-Trøndelag, Norway (women 65+, from 1995-97)",
}
_OLDEST = 100.0  # [year] upper end of an open band when averaging over it (the life table's last band starts at 100)

RR = float | Callable[[np.ndarray], Any]


@dataclass(frozen=True)
class RateFit:
    """A smooth rate by age: ``ln rate = sum_k c_k (a - 70)**k`` (k = 0..3), fitted to a table.

    Parameters
    ----------
    name
        What the rate is, e.g. ``"hip, female"``.
    coefficients
        ``(c0, c1, c2, c3)`` of the log-cubic, ages in years centred at 70.
    ages
        Mid-points of the tabulated age bands [year].
    rates
        Tabulated rates [1/(1000 person-years)].
    """

    name: str
    coefficients: tuple[float, ...]
    ages: tuple[float, ...]
    rates: tuple[float, ...]

    def __call__(self, age: Any) -> np.ndarray:
        """The fitted rate at ``age`` [year], in 1/(1000 person-years); no range check.

        Parameters
        ----------
        age
            Age or array of ages [year].

        Returns
        -------
        numpy.ndarray
            Rate [1/(1000 person-years)], the shape of ``age``.
        """
        a = np.asarray(age, dtype=float)
        coef = np.array(self.coefficients)
        low, high = self.ages[0], self.ages[-1]
        log_rate = npoly.polyval(np.clip(a, low, high) - _CENTRE, coef)
        slope = npoly.polyder(coef)
        slope_low = max(float(npoly.polyval(low - _CENTRE, slope)), 0.0)
        slope_high = max(float(npoly.polyval(high - _CENTRE, slope)), 0.0)
        log_rate = log_rate + slope_low * np.minimum(a - low, 0.0) + slope_high * np.maximum(a - high, 0.0)
        return np.exp(log_rate)

    @property
    def relative_errors(self) -> np.ndarray:
        """Fitted / tabulated - 1 at each band mid-point."""
        return self(np.array(self.ages)) / np.array(self.rates) - 1.0

    @property
    def rms_log_error(self) -> float:
        """Root-mean-square of ln(fitted / tabulated) over the bands: the fit's quality."""
        return float(np.sqrt(np.mean(np.log1p(self.relative_errors) ** 2)))


# ----------------------------------------------------------------------------- tables
@lru_cache(maxsize=1)
def _tables() -> dict[tuple[str, str], list[tuple[float, float, float]]]:
    """``{(site or 'death<period>', sex): [(age_low, age_high, rate), ...]}`` from the data file, by age."""
    tables: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    for name, param in load_parameters(DATA_FILE).params.items():
        if match := _INCIDENCE.fullmatch(name):
            site, sex, low, high = match.groups()
            upper = math.inf if high == "plus" else float(high) + 1.0
        elif match := _DEATH.fullmatch(name):
            year, sex, low, high = match.groups()
            site = "death" + next(p for p in PERIODS if p.startswith(year))
            upper = float(high) + 1.0
        else:
            continue
        tables.setdefault((site, sex), []).append((float(low), upper, param.value))
    return {key: sorted(rows) for key, rows in tables.items()}


def _frame(rows: list[tuple[float, float, float]]):
    import pandas as pd

    mids = [_mid(low, high) for low, high, _ in rows]
    return pd.DataFrame(
        {
            "age_low": [r[0] for r in rows],
            "age_high": [r[1] for r in rows],
            "age_mid": mids,
            "rate_per_1000py": [r[2] for r in rows],
        }
    )


def _mid(low: float, high: float) -> float:
    return low + (_OPEN_BAND_WIDTH if math.isinf(high) else high - low) / 2.0


def incidence_table(sex: str, site: str):
    """The tabulated incidence of a first fracture by age band.

    Parameters
    ----------
    sex
        ``"female"`` or ``"male"``.
    site
        ``"hip"`` or ``"major"`` (hip, clinical spine, distal forearm or proximal humerus).

    Returns
    -------
    pandas.DataFrame
        One row per band: ``age_low``, ``age_high`` (exclusive; ``inf`` for the open band),
        ``age_mid`` [year] and ``rate_per_1000py`` [1/(1000 person-years)].
    """
    return _frame(_tables()[(_site(site), _sex(sex))])


def mortality_table(sex: str, *, period: str = PERIODS[0]):
    """The tabulated all-cause death rate by age band (Sweden).

    Parameters
    ----------
    sex
        ``"female"`` or ``"male"``.
    period
        Life-table period, one of :data:`PERIODS`.

    Returns
    -------
    pandas.DataFrame
        One row per band: ``age_low``, ``age_high`` (exclusive), ``age_mid`` [year] and
        ``rate_per_1000py`` [deaths per 1000 person-years].
    """
    return _frame(_tables()[("death" + _period(period), _sex(sex))])


# ----------------------------------------------------------------------------- fits
def _fit(name: str, rows: list[tuple[float, float, float]]) -> RateFit:
    ages = np.array([_mid(low, high) for low, high, _ in rows])
    rates = np.array([r[2] for r in rows])
    coef = npoly.polyfit(ages - _CENTRE, np.log(rates), _DEGREE)
    return RateFit(name, tuple(float(c) for c in coef), tuple(ages.tolist()), tuple(rates.tolist()))


@cache
def _incidence_fit(sex: str, site: str) -> RateFit:
    return _fit(f"{site}, {sex}", _tables()[(site, sex)])


@cache
def _mortality_fit(sex: str, period: str) -> RateFit:
    return _fit(f"death, {sex}, {period}", _tables()[("death" + period, sex)])


def incidence_fit(sex: str, site: str) -> RateFit:
    """The log-cubic fit to the incidence table of ``sex`` and ``site``.

    Parameters
    ----------
    sex
        ``"female"`` or ``"male"``.
    site
        ``"hip"`` or ``"major"``.

    Returns
    -------
    RateFit
        Callable in age [year], returning 1/(1000 person-years); ``rms_log_error`` says how well it fits.
    """
    return _incidence_fit(_sex(sex), _site(site))


def mortality_fit(sex: str, *, period: str = PERIODS[0]) -> RateFit:
    """The log-cubic fit to the life table's death rates of ``sex`` (ages 45-104).

    Parameters
    ----------
    sex
        ``"female"`` or ``"male"``.
    period
        Life-table period, one of :data:`PERIODS`.

    Returns
    -------
    RateFit
        Callable in age [year], returning deaths per 1000 person-years.
    """
    return _mortality_fit(_sex(sex), _period(period))


# ----------------------------------------------------------------------------- queries
def incidence(age: Any, sex: str, site: str) -> Any:
    """Baseline incidence of a first fracture at ``age`` in the reference population.

    Parameters
    ----------
    age
        Age [year], a number or an array of numbers in 18-100.
    sex
        ``"female"`` or ``"male"``.
    site
        ``"hip"`` or ``"major"`` (hip, clinical spine, distal forearm or proximal humerus).

    Returns
    -------
    float or numpy.ndarray
        Incidence [1/(1000 person-years)]: a float for a number, an array for an array.

    Raises
    ------
    ParameterError
        For an age outside 18-100 or not a number, an unknown sex or site.

    Examples
    --------
    >>> from bonemodel.trials import incidence
    >>> 5.0 < incidence(75.0, "female", "hip") < 20.0
    True
    """
    fit = incidence_fit(sex, site)
    return _out(fit(_ages(age)), age)


def mortality(age: Any, sex: str, *, period: str = PERIODS[0]) -> Any:
    """All-cause death rate at ``age`` (Sweden; below 45 an extrapolation that omits young-adult deaths).

    Parameters
    ----------
    age
        Age [year], a number or an array of numbers in 18-100.
    sex
        ``"female"`` or ``"male"``.
    period
        Life-table period, one of :data:`PERIODS`.

    Returns
    -------
    float or numpy.ndarray
        Death rate [deaths per 1000 person-years]: a float for a number, an array for an array.

    Raises
    ------
    ParameterError
        For an age outside 18-100 or not a number, an unknown sex or period.
    """
    fit = mortality_fit(sex, period=period)
    return _out(fit(_ages(age)), age)


def fracture_probability(
    age: float,
    years: float,
    sex: str,
    site: str,
    rr: RR = 1.0,
    *,
    competing_mortality: bool = True,
    mortality_period: str = PERIODS[0],
) -> float:
    """Probability of a first fracture within ``years`` from ``age``, with death as a competing risk.

    Computed as FRAX does: the fracture hazard ``lambda_fx(age + t) rr(t)`` is integrated over
    the time a person survives both death and a first fracture,
    ``P = int_0^T lambda_fx rr exp(-int_0^t (lambda_fx rr + lambda_death) ds) dt`` (trapezoid rule,
    step 0.02 year). Without ``competing_mortality`` it is ``1 - exp(-int_0^T lambda_fx rr dt)``,
    the probability of a person who cannot die, which overstates risk in the old.

    Parameters
    ----------
    age
        Age at the start [year], 18-100.
    years
        Horizon [year], > 0 and at most 100 (a lifetime); ages beyond 100 use the fits' continuation.
    sex
        ``"female"`` or ``"male"``.
    site
        ``"hip"`` or ``"major"``.
    rr
        Relative risk multiplying the baseline incidence: a number >= 0, or a callable of the time
        since the start ``t`` [year] (a numpy array) returning numbers >= 0 (an array of the same
        shape, or one number).
    competing_mortality
        Whether death removes people from the population at risk (True, as FRAX).
    mortality_period
        Life-table period of the death hazard, one of :data:`PERIODS`.

    Returns
    -------
    float
        The probability, between 0 and 1.

    Raises
    ------
    ParameterError
        For an age outside 18-100, a horizon <= 0 or > 100, an unknown sex or site, a negative,
        infinite or NaN relative risk, or a callable ``rr`` that fails or returns such values.

    Examples
    --------
    >>> from bonemodel.trials import fracture_probability
    >>> p1 = fracture_probability(50.0, 10.0, "female", "hip")
    >>> p2 = fracture_probability(50.0, 10.0, "female", "hip", rr=2.0)
    >>> 1.9 < p2 / p1 < 2.0
    True
    """
    start = _checks.real(age, "age [year]", ParameterError)
    _age_in_range(start, "age")
    horizon = _checks.real(years, "years [year]", ParameterError)
    if not 0.0 < horizon <= 100.0:
        raise ParameterError(
            f"years must be > 0 and <= 100 (a lifetime), got {horizon:g}; pass the horizon in years"
        )
    competing = _checks.flag(competing_mortality, "competing_mortality", ParameterError)
    fx_fit, death_fit = incidence_fit(sex, site), mortality_fit(sex, period=mortality_period)
    n = max(int(math.ceil(horizon / _STEP)), 10)
    t = np.linspace(0.0, horizon, n + 1)
    fracture = fx_fit(start + t) / 1000.0 * _relative_risk(rr, t)
    hazard = fracture + (death_fit(start + t) / 1000.0 if competing else 0.0)
    dt = t[1] - t[0]
    cumulative = np.concatenate([[0.0], np.cumsum((hazard[1:] + hazard[:-1]) * dt / 2.0)])
    if not competing:
        return float(-np.expm1(-cumulative[-1]))
    density = fracture * np.exp(-cumulative)
    return float(np.clip(np.sum((density[1:] + density[:-1]) * dt / 2.0), 0.0, 1.0))


# ----------------------------------------------------------------------------- published checks
def published_incidence(sex: str | None = None):
    """Verified registry incidence of hip fracture that checks the fits (never fitted to).

    Read from open abstracts (``parameters/fracture_epidemiology.toml``, entries ``harstad_*``,
    ``ostfold_*``, ``newengland_*`` and ``hunt_*``): Harstad, Northern Norway, 1994-2008 (Emaus 2011: the
    bands 50-54 and 90+, no CI), Østfold county, Norway (Polesie 2013: 50-74 and 75+ with 95 % CI,
    two period sets ``a`` and ``b`` kept apart because the abstract labels its periods
    inconsistently), New England, USA (Fisher 1991: Medicare, white women and men, the bands
    65-69 and 90-94, no CI) and the HUNT cohort, Norway (HUNT 2010: women's first hip fracture at
    65-69 and 90+ with 95 % CI).

    Parameters
    ----------
    sex
        ``"female"``, ``"male"`` or None (both).

    Returns
    -------
    pandas.DataFrame
        One row per published value: ``name``, ``source``, ``region``, ``set``, ``sex``, ``site``,
        ``age_low``, ``age_high`` (exclusive; ``inf`` for an open band), ``rate_per_1000py``,
        ``ci_low``, ``ci_high`` (NaN without a CI) and ``where``.
    """
    import pandas as pd

    wanted = None if sex is None else _sex(sex)
    rows = []
    for name, param in load_parameters(DATA_FILE).params.items():
        match = _CHECK.fullmatch(name)
        if not match:
            continue
        region, site, who, low, high, period_set = match.groups()
        if wanted is not None and who != wanted:
            continue
        low_ci, high_ci = param.range if param.range is not None else (math.nan, math.nan)
        rows.append(
            {
                "name": name,
                "source": param.source,
                "region": _REGIONS[region],
                "set": period_set or "",
                "sex": who,
                "site": site,
                "age_low": float(low),
                "age_high": math.inf if high == "plus" else float(high) + 1.0,
                "rate_per_1000py": param.value,
                "ci_low": low_ci,
                "ci_high": high_ci,
                "where": param.where,
            }
        )
    return pd.DataFrame(rows)


def band_incidence(
    sex: str, site: str, age_low: float, age_high: float, *, mortality_period: str = PERIODS[0]
) -> float:
    """The fitted incidence averaged over an age band, weighted by the people alive at each age.

    A registry's rate for a broad band (e.g. 50-74) is its fractures over its person-years, so
    each age counts by the people living at it. Without the registry's own population, the
    weights are the survivors of a stationary population under the life table
    (``l(a) = exp(-int_50^a mu)``), an approximation: a population with more people at the young
    end of the band has a lower band rate than this.

    Parameters
    ----------
    sex
        ``"female"`` or ``"male"``.
    site
        ``"hip"`` or ``"major"``.
    age_low, age_high
        The band [year], ``age_low`` >= 18; ``age_high`` exclusive, ``inf`` for an open band (then
        averaged up to 100 years).
    mortality_period
        Life-table period of the weights, one of :data:`PERIODS`.

    Returns
    -------
    float
        Incidence [1/(1000 person-years)].

    Raises
    ------
    ParameterError
        For a band outside 18-100 or empty, an unknown sex, site or period.
    """
    low = _checks.real(age_low, "age_low [year]", ParameterError)
    high = min(float(age_high), _OLDEST)
    _age_in_range(low, "age_low")
    if not high > low:
        raise ParameterError(
            f"the band must have age_high > age_low, got {low:g}-{age_high}; pass a band in years"
        )
    fx, death = incidence_fit(sex, site), mortality_fit(sex, period=mortality_period)
    ages = np.linspace(low, high, int(math.ceil((high - low) / _STEP)) + 1)
    mu = death(ages) / 1000.0
    alive = np.exp(-np.concatenate([[0.0], np.cumsum((mu[1:] + mu[:-1]) * np.diff(ages) / 2.0)]))
    weight = alive * np.gradient(ages)
    return float(np.sum(fx(ages) * weight) / np.sum(weight))


# ----------------------------------------------------------------------------- checks
def _sex(sex: Any) -> str:
    if sex in SEXES:
        return sex
    if isinstance(sex, str):
        raise ParameterError(f"unknown sex {sex!r}{suggest(sex, SEXES)}; pass one of {list(SEXES)}")
    raise ParameterError(f"sex must be one of {list(SEXES)}, got {_checks.shown(sex)}")


def _period(period: Any) -> str:
    if period in PERIODS:
        return period
    raise ParameterError(f"unknown life-table period {_checks.shown(period)}; pass one of {list(PERIODS)}")


def _site(site: Any) -> str:
    if site in SITES:
        return site
    hint = " ('major' is the first hip, clinical spine, distal forearm or proximal humerus fracture)"
    if isinstance(site, str):
        raise ParameterError(
            f"unknown fracture site {site!r}{suggest(site, SITES)}; pass one of {list(SITES)}{hint}"
        )
    raise ParameterError(f"site must be one of {list(SITES)}, got {_checks.shown(site)}{hint}")


def _age_in_range(value: float, what: str) -> None:
    low, high = AGE_RANGE
    if not low <= value <= high:
        raise ParameterError(
            f"{what} must be between {low:g} and {high:g} years, got {value:g}; the registry covers adults"
            " (fitted from 50, continued log-linearly below); pass an age in years"
        )


def _ages(age: Any) -> np.ndarray:
    if isinstance(age, (list, tuple, np.ndarray)):
        arr = np.asarray(age)
        if arr.dtype.kind not in "iuf":
            raise ParameterError(
                f"age must be a number or an array of numbers [year], got {_checks.shown(age)}"
            )
        arr = arr.astype(float)
        if not np.all(np.isfinite(arr)):
            raise ParameterError("age must be finite: the array holds NaN or infinite values; remove them")
        if arr.size:
            _age_in_range(float(arr.min()), "age")
            _age_in_range(float(arr.max()), "age")
        return arr
    value = _checks.real(age, "age [year]", ParameterError)
    _age_in_range(value, "age")
    return np.asarray(value)


def _out(values: np.ndarray, age: Any) -> Any:
    return values if isinstance(age, (list, tuple, np.ndarray)) and np.ndim(age) else float(values)


def _relative_risk(rr: RR, t: np.ndarray) -> np.ndarray:
    if callable(rr):
        try:
            values = rr(t)
        except Exception as exc:  # a user's function: report what failed, where
            raise ParameterError(
                f"rr: the callable failed on an array of times [year] ({type(exc).__name__}: {exc});"
                " it must accept a numpy array t and return relative risks"
            ) from exc
        try:
            values = np.broadcast_to(np.asarray(values, dtype=float), t.shape)
        except (TypeError, ValueError):
            raise ParameterError(
                f"rr: the callable must return a number or an array shaped like t {t.shape}, got {_checks.shown(values)}"
            ) from None
        if not np.all(np.isfinite(values)) or np.any(values < 0):
            raise ParameterError(
                "rr: the callable returned negative, NaN or infinite relative risks; they must be >= 0"
            )
        return values
    value = _checks.real(rr, "rr (relative risk)", ParameterError)
    if value < 0:
        raise ParameterError(f"rr (relative risk) must be >= 0, got {value:g}; 1 is the population average")
    return np.full_like(t, value)
