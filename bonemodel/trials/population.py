"""Virtual populations: covariates drawn from stated distributions, one row per person.

Each row becomes a :class:`~bonemodel.trials.patient.Patient`. What is drawn, and from what:

* ``age`` [yr]: fixed, or uniform on a ``(low, high)`` range.
* ``menopause_age`` [yr] (women): normal, mean 51, SD 4, truncated to 40-58 (*assumed*: the
  median age at natural menopause in Western cohorts is about 51, e.g. Gold 2013; the SD is an
  assumption of this module, to be replaced by a published spread).
* ``bmd_t_score`` [SD]: the model's age-average person of that sex and age plus a standard normal
  deviation. The population's BMD spread of one SD is the assumption FRAX-style absolute risk
  rests on (bonemodel.trials.risk divides by exp((ln G)^2/2), the mean of G^-z over a standard
  normal spread), so a population drawn this way reproduces the baseline incidence on average.
* ``crp_mg_l``: log-normal with median 1.73 mg/L and log-SD 1.28, derived from the statement that
  the clinical hs-CRP cut points 1 and 3 mg/L approximate tertiles of the adult population
  (Pearson 2003, Circulation 107:499): median sqrt(1 x 3), and ln(3 / 1.73) = 0.43 sigma.
* ``conditions``: the same for everyone (given).

* ``turnover`` [1]: the person's bone turnover relative to the model's average person,
  log-normal with mean 1 (:mod:`bonemodel.trials.variability`; ``individual=False``: 1 for
  everyone). Drawn after the covariates, so a seed gives the same covariates either way.

What a trial adds when it reports BMD as measured (scanner precision, unexplained within-person
change) is in :mod:`bonemodel.trials.variability` and ``bm.trial(..., measured=True)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from .. import _checks
from ..errors import ScenarioError
from ..model import Model
from .patient import DEFAULT_MENOPAUSE_AGE, Patient
from .variability import draw_turnover

MENOPAUSE_SD = 4.0
"""SD [yr] of the age at natural menopause (assumed; see the module docstring)."""

MENOPAUSE_RANGE = (40.0, 58.0)
"""Truncation of the drawn age at menopause [yr]."""

CRP_MEDIAN = 1.73
"""Median hs-CRP [mg/L]: sqrt(1 x 3), the cut points being approximate tertiles (Pearson 2003)."""

CRP_LOG_SD = 1.28
"""Log-SD of hs-CRP: ln(3 / 1.73) / Phi^-1(2/3) (Pearson 2003 tertiles)."""

COLUMNS = ("patient", "sex", "age", "menopause_age", "bmd_t_score", "crp_mg_l", "conditions", "turnover")


def population(
    n: int,
    *,
    seed: int = 0,
    sex: str = "female",
    age: float | tuple[float, float] = 60.0,
    conditions: Sequence[str] = (),
    mean_t_score: Callable[[str, np.ndarray], np.ndarray] | None = None,
    crp: bool = True,
    individual: bool = True,
) -> pd.DataFrame:
    """A virtual population: one row of covariates per person (same seed, same population).

    Parameters
    ----------
    n
        Number of people, >= 1.
    seed
        Seed of the random draws.
    sex
        ``"female"`` or ``"male"``.
    age
        Age [yr] of everyone, or a ``(low, high)`` range drawn uniformly (18-100).
    conditions
        Condition names (see :data:`~bonemodel.trials.patient.CONDITIONS`), for everyone.
    mean_t_score
        ``(sex, ages) -> mean T-score [SD]`` of the age-average person; default: the flagship's
        reference person (:func:`reference_t_score`).
    crp
        Draw a CRP for each person (False: no CRP beyond ageing's).
    individual
        Draw each person's turnover multiplier (False: everyone at the model's average, 1).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`; ``patient`` holds the :class:`Patient` of each row.

    Raises
    ------
    ScenarioError
        For a bad count, sex, age or condition.
    """
    n = _checks.count(n, "population n", ScenarioError)
    seed = int(_checks.real(seed, "population seed", ScenarioError))
    rng = np.random.default_rng(seed)
    if isinstance(age, tuple):
        if len(age) != 2:
            raise ScenarioError(f"population age must be a number or a (low, high) pair, got {age!r}")
        low, high = (_checks.real(a, "population age [yr]", ScenarioError, low=18.0, high=100.0) for a in age)
        if not low < high:
            raise ScenarioError(f"population age range must have low < high, got {age!r}")
        ages = rng.uniform(low, high, n)
    else:
        ages = np.full(n, _checks.real(age, "population age [yr]", ScenarioError, low=18.0, high=100.0))
    Patient(sex=sex, age=float(ages[0]), conditions=tuple(conditions))  # validates sex and conditions
    if sex == "female":
        menopause = _truncated_normal(rng, DEFAULT_MENOPAUSE_AGE, MENOPAUSE_SD, *MENOPAUSE_RANGE, n)
    else:
        menopause = np.full(n, np.nan)
    deviation = rng.standard_normal(n)
    crps = np.exp(np.log(CRP_MEDIAN) + CRP_LOG_SD * rng.standard_normal(n)) if crp else np.full(n, np.nan)
    mean = (mean_t_score or reference_t_score)(sex, ages)
    t_scores = np.clip(mean + deviation, -6.0, 4.0)
    inflammatory = bool({"rheumatoid_arthritis"} & set(conditions))
    turnover = draw_turnover(rng, n) if individual else np.ones(n)
    rows = []
    for i in range(n):
        person = Patient(
            sex=sex,
            age=float(ages[i]),
            menopause_age=None if sex == "male" else float(menopause[i]),
            bmd_t_score=float(t_scores[i]),
            crp_mg_l=None if (not crp or inflammatory) else float(crps[i]),
            conditions=tuple(conditions),
            turnover=float(turnover[i]),
        )
        rows.append(
            {
                "patient": person,
                "sex": sex,
                "age": person.age,
                "menopause_age": person.menopause_age,
                "bmd_t_score": person.bmd_t_score,
                "crp_mg_l": person.crp_mg_l,
                "conditions": ",".join(person.conditions),
                "turnover": person.turnover,
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def reference_t_score(sex: str, ages: np.ndarray, model: Model | None = None) -> np.ndarray:
    """Mean hip T-score [SD] of the flagship's age-average person of ``sex`` at ``ages``.

    Parameters
    ----------
    sex
        ``"female"`` or ``"male"``.
    ages
        Ages [yr].
    model
        The ``inflammation`` model (default: loaded).

    Returns
    -------
    numpy.ndarray
        T-scores [SD], ``(bmd_hip_rel - 1) 100 / SD_pct_hip`` of the reference person.
    """
    from ..models import load_model
    from ..simulate import simulate
    from .patient import REFERENCE_AGE, YEAR, history

    model = load_model("inflammation") if model is None else model
    ages = np.asarray(ages, dtype=float)
    scenario, _ = history(Patient(sex=sex, age=100.0))
    end = max(float(ages.max()), REFERENCE_AGE + 1.0)
    grid = np.linspace(0.0, (end - REFERENCE_AGE) * YEAR, int((end - REFERENCE_AGE) * 12) + 1)
    sol = simulate(model, grid[-1], scenario=scenario, t_eval=grid)
    t_scores = (sol["bmd_hip_rel"] - 1.0) * 100.0 / model.parameters["SD_pct_hip"].value
    return np.interp(ages, REFERENCE_AGE + grid / YEAR, t_scores)


def _truncated_normal(rng, mean: float, sd: float, low: float, high: float, n: int) -> np.ndarray:
    out = rng.normal(mean, sd, n)
    bad = (out < low) | (out > high)
    while bad.any():
        out[bad] = rng.normal(mean, sd, int(bad.sum()))
        bad = (out < low) | (out > high)
    return out
