"""A virtual patient: who the person is, and the flagship state they start from.

A :class:`Patient` is a small, validated, immutable description of a person. The flagship model
(``inflammation``) starts from a healthy young adult at peak bone mass; a patient's start state is
reached by simulating that adult through the patient's history, then matching their measured
bone density:

1. **History.** From :data:`REFERENCE_AGE` (30 years, peak bone mass) to the patient's age:
   ageing (inflammaging), menopause one year before ``menopause_age`` (the model's menopause
   starts with the late transition), the patient's conditions and a raised CRP (low-grade
   inflammation) for their last ``condition_years``, and dietary calcium. Cells, cytokines, minerals, matrix and
   trabecular connectivity come out of this history.
2. **Density.** If T-scores are given, the trabecular and cortical bone of the end state are scaled
   (matrix, osteoid and mineral together, so tissue mineral density is kept) so that spine and hip
   BMD match them, with one SD of BMD = ``SD_pct_spine`` / ``SD_pct_hip`` % of the young-adult mean
   (the model's own T-score scale, as in ``tscore_change_*``). Connectivity, cross-links and the
   cells keep their history.
3. **Run.** What the history made persistent continues during the run (:func:`ongoing`), and the
   user's scenario is added on top. Every frame then carries an ``age`` column [yr].

Sex: a woman's history has menopause (the model's ``menopause()`` scenario); a man's has none, and
his bioavailable estradiol falls with age instead (``male()``, the flagship's 'lifespan' module,
Khosla 1998), so he loses bone later and more slowly. The flagship's ``age_years`` state carries
the person's age through history and run.

Assumptions (named; see docs/patients.md): peak bone mass at 30 and no bone accrual before it (a
patient younger than 30 starts as the healthy adult); inflammaging at the flagship's ``ageing()``
level from 30 on; no ageing of the osteoblast lineage beyond what estradiol and inflammaging do.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from .. import _checks
from .. import scenarios as S
from ..errors import ScenarioError
from ..model import Model
from ..scenario import Scenario

YEAR = 365.25
REFERENCE_AGE = 30.0
"""Age [yr] of the flagship's healthy adult (peak bone mass)."""

DEFAULT_MENOPAUSE_AGE = 51.0
"""Median age [yr] at the final menstrual period in Western cohorts (SWAN; Gold 2013)."""

SEXES = ("female", "male")

CONDITIONS: dict[str, Callable[[float], Scenario]] = {
    "rheumatoid_arthritis": lambda start: S.rheumatoid_arthritis("moderate", start_day=start),
    "type2_diabetes": lambda start: S.type2_diabetes(start_day=start),
    "metabolic_syndrome": lambda start: S.metabolic_syndrome(start_day=start),
}
"""Condition name -> scenario starting on a given day (rheumatoid arthritis at moderate activity)."""

INFLAMMATORY = frozenset({"rheumatoid_arthritis"})
"""Conditions that set CRP themselves (``crp_mg_l`` cannot be given with them)."""


@dataclass(frozen=True)
class Patient:
    """A person: sex, age, menopause, baseline BMD, CRP, conditions and calcium intake.

    Parameters
    ----------
    sex
        ``"female"`` or ``"male"``.
    age
        Age at the start of the run [yr], 18 to 100.
    menopause_age
        Age at the final menstrual period [yr], 30 to 65; women only (for men it must be left at
        its default or None, and is stored as None).
    bmd_t_score
        T-score [SD] at both hip and spine, -6 to +4 (None: the density the history gives).
    bmd_t_score_hip, bmd_t_score_spine
        Site T-scores [SD], each -6 to +4; override ``bmd_t_score`` for their site.
    crp_mg_l
        Steady hs-CRP [mg/L] from low-grade inflammation, >= 0 (None: none beyond ageing's; at or
        below the flagship's healthy 1 mg/L: none either). Not with an inflammatory condition, which
        sets its own CRP.
    conditions
        Names from :data:`CONDITIONS`.
    condition_years
        Years [yr] the conditions and a raised CRP have lasted at the start of the run, >= 0
        (assumed 5: a single CRP measurement does not say how long it has been raised).
    calcium_mg_day
        Dietary calcium [mg/day], >= 0 (None: the model's reference diet).
    turnover
        The person's bone turnover relative to the model's average person [1], 0.1 to 10: it
        multiplies the flagship's ``tau_trab`` and ``tau_cort`` for them, in history and run
        (:mod:`bonemodel.trials.variability`; drawn by ``population``).

    Raises
    ------
    ScenarioError
        If a value is out of range, a condition is unknown or a man is given a menopause.

    Examples
    --------
    >>> p = Patient(age=58.0, menopause_age=50.0, bmd_t_score=-1.8, crp_mg_l=4.0)
    >>> p.years_since_menopause
    8.0
    """

    sex: str = "female"
    age: float = 50.0
    menopause_age: float | None = DEFAULT_MENOPAUSE_AGE
    bmd_t_score: float | None = None
    crp_mg_l: float | None = None
    conditions: tuple[str, ...] = ()
    bmd_t_score_hip: float | None = None
    bmd_t_score_spine: float | None = None
    condition_years: float = 5.0
    calcium_mg_day: float | None = None
    turnover: float = 1.0
    _fields_checked: bool = field(default=False, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        sex = _checks.name(self.sex, "Patient sex", ScenarioError)
        if sex not in SEXES:
            raise ScenarioError(f"Patient sex must be 'female' or 'male', got {sex!r}")
        set_(self, "sex", sex)
        set_(self, "age", _checks.real(self.age, "Patient age [yr]", ScenarioError, low=18.0, high=100.0))
        menopause = self.menopause_age
        if sex == "male":
            if menopause is not None and menopause != DEFAULT_MENOPAUSE_AGE:
                raise ScenarioError(
                    f"Patient menopause_age={menopause!r} was given for a man; leave it out (or None)"
                )
            menopause = None
        elif menopause is not None:
            menopause = _checks.real(
                menopause, "Patient menopause_age [yr]", ScenarioError, low=30.0, high=65.0
            )
        set_(self, "menopause_age", menopause)
        for name in ("bmd_t_score", "bmd_t_score_hip", "bmd_t_score_spine"):
            value = getattr(self, name)
            if value is not None:
                set_(
                    self, name, _checks.real(value, f"Patient {name} [SD]", ScenarioError, low=-6.0, high=4.0)
                )
        if self.crp_mg_l is not None:
            set_(
                self,
                "crp_mg_l",
                _checks.real(self.crp_mg_l, "Patient crp_mg_l [mg/L]", ScenarioError, low=0.0),
            )
        if self.calcium_mg_day is not None:
            set_(
                self,
                "calcium_mg_day",
                _checks.real(self.calcium_mg_day, "Patient calcium_mg_day [mg/day]", ScenarioError, low=0.0),
            )
        set_(
            self,
            "turnover",
            _checks.real(self.turnover, "Patient turnover [1]", ScenarioError, low=0.1, high=10.0),
        )
        set_(
            self,
            "condition_years",
            _checks.real(self.condition_years, "Patient condition_years [yr]", ScenarioError, low=0.0),
        )
        conditions = (self.conditions,) if isinstance(self.conditions, str) else tuple(self.conditions)
        for c in conditions:
            if c not in CONDITIONS:
                raise ScenarioError(
                    f"unknown condition {c!r} for Patient; known: {', '.join(sorted(CONDITIONS))}"
                )
        if len(set(conditions)) != len(conditions):
            raise ScenarioError(f"Patient conditions repeat a name: {conditions}")
        if self.crp_mg_l is not None and INFLAMMATORY & set(conditions):
            raise ScenarioError(
                "give crp_mg_l or an inflammatory condition "
                f"({', '.join(sorted(INFLAMMATORY & set(conditions)))}), not both: the condition sets CRP"
            )
        set_(self, "conditions", conditions)

    @property
    def t_score_hip(self) -> float | None:
        """Hip T-score [SD] (site value, else ``bmd_t_score``)."""
        return self.bmd_t_score if self.bmd_t_score_hip is None else self.bmd_t_score_hip

    @property
    def t_score_spine(self) -> float | None:
        """Spine T-score [SD] (site value, else ``bmd_t_score``)."""
        return self.bmd_t_score if self.bmd_t_score_spine is None else self.bmd_t_score_spine

    @property
    def years_since_menopause(self) -> float | None:
        """Years [yr] since the final menstrual period at the start (negative: still to come)."""
        return None if self.menopause_age is None else self.age - self.menopause_age


def history(patient: Patient) -> tuple[Scenario, float]:
    """The scenario from :data:`REFERENCE_AGE` to the patient's age, and its length.

    Parameters
    ----------
    patient
        The person.

    Returns
    -------
    tuple of (Scenario, float)
        Inputs on a clock whose day 0 is the reference age, and the history's length [day]
        (0 for a patient younger than the reference age).
    """
    days = max(0.0, patient.age - REFERENCE_AGE) * YEAR
    return _schedule(patient, origin_age=REFERENCE_AGE, days_before=days), days


def ongoing(patient: Patient) -> Scenario:
    """What the patient's history leaves running during the run.

    Parameters
    ----------
    patient
        The person.

    Returns
    -------
    Scenario
        Inputs on the run's clock (day 0 = the patient's age): ageing, menopause (at once if past,
        else when it comes), conditions, steady CRP and dietary calcium.
    """
    return _schedule(patient, origin_age=patient.age, days_before=0.0)


def _schedule(patient: Patient, origin_age: float, days_before: float) -> Scenario:
    """Inputs on a clock whose day 0 is ``origin_age``; conditions start ``condition_years``
    before the patient's age (not before day 0)."""
    sc = S.ageing()
    if patient.sex == "male":
        sc = sc + S.male()
    if patient.menopause_age is not None:
        # the model's menopause starts with the late transition, one year before the FMP
        start = max(0.0, (patient.menopause_age - 1.0 - origin_age) * YEAR)
        sc = sc + S.menopause(start_day=start)
    onset = max(0.0, days_before - patient.condition_years * YEAR)
    for c in patient.conditions:
        sc = sc + CONDITIONS[c](onset)
    # measured now, assumed raised as long as the conditions; at or below the flagship's healthy
    # CRP (1 mg/L) it adds no inflammation (the model has nothing below its healthy adult)
    if patient.crp_mg_l is not None and patient.crp_mg_l > S._healthy_crp():
        sc = sc + S.low_grade_inflammation(crp=patient.crp_mg_l, start_day=onset)
    if patient.calcium_mg_day is not None:
        sc = sc + S.dietary_calcium(patient.calcium_mg_day)
    return sc


SCALED = {"trab": ("V_trab", "O_trab", "Min_trab"), "cort": ("V_cort", "O_cort", "Min_cort")}
"""States scaled together per compartment when BMD is matched to a T-score."""


def start_state(
    model: Model,
    patient: Patient,
    *,
    params: Mapping[str, float] | None = None,
    simulate: Callable | None = None,
) -> dict[str, float]:
    """The patient's start state in ``model`` (the flagship): history, then density matched.

    Parameters
    ----------
    model
        The ``inflammation`` model (or one of its module sets with the sites module).
    patient
        The person.
    params
        Parameter values [their units] used for the history as for the run.
    simulate
        The simulate function (passed in so that this lower layer does not import it).

    Returns
    -------
    dict
        State name -> value [the state's unit].

    Raises
    ------
    ScenarioError
        If the model lacks the states a patient needs, or the T-scores cannot be matched.
    """
    return start(model, patient, params=params, simulate=simulate)[0]


_HISTORY_MEMO: OrderedDict[tuple, dict[str, float]] = OrderedDict()
_HISTORY_MEMO_SIZE = 512
"""History end states already computed in this process (people who differ only in their T-scores
share a history): at most this many, least recently used dropped first."""


def _history_end(
    model: Model, patient: Patient, params: Mapping[str, float], simulate: Callable | None
) -> dict:
    """The state at the patient's age after the reference adult lived their history (memoised)."""
    from ..compile import model_key

    key = (
        model_key(model),
        tuple(sorted(model.parameters.values().items())),
        tuple(sorted((k, float(v)) for k, v in params.items())),
        patient.sex,
        patient.age,
        patient.menopause_age,
        patient.conditions,
        patient.crp_mg_l,
        patient.condition_years,
        patient.calcium_mg_day,
    )
    if key in _HISTORY_MEMO:
        _HISTORY_MEMO.move_to_end(key)
        return dict(_HISTORY_MEMO[key])
    end = _history_end_uncached(model, patient, params, simulate)
    _HISTORY_MEMO[key] = dict(end)
    while len(_HISTORY_MEMO) > _HISTORY_MEMO_SIZE:
        _HISTORY_MEMO.popitem(last=False)
    return end


def _history_end_uncached(
    model: Model, patient: Patient, params: Mapping[str, float], simulate: Callable | None
) -> dict:
    needed = {"V_trab", "V_cort", "E2"}
    if not needed <= set(model.state_names):
        raise ScenarioError(
            f"a Patient needs the flagship model ('inflammation'); {model.name!r} lacks "
            f"{', '.join(sorted(needed - set(model.state_names)))}"
        )
    if simulate is None:
        from ..simulate import simulate  # a higher layer: imported only when called
    scenario, days = history(patient)
    if days > 0:
        sol = simulate(model, days, params=params, scenario=scenario, t_eval=[days])
        return {name: float(sol[name][-1]) for name in model.state_names}
    from ..compile import compile_model

    compiled = compile_model(model)
    initial = compiled.initial(compiled.vector(dict(params)))
    return {name: float(v) for name, v in zip(compiled.state_names, initial)}


def start(
    model: Model,
    patient: Patient,
    *,
    params: Mapping[str, float] | None = None,
    simulate: Callable | None = None,
) -> tuple[dict[str, float], dict[str, float]]:
    """The patient's start state and the parameter values that make it theirs.

    A measured density that differs from what the reference history gives is the person's own
    set point: the mechanostat's customary load ``load_person`` is set so that density is its
    equilibrium, ``load_person = (bmd_skel / bmd_skel of the history)^n_strain`` (otherwise the
    mechanostat would pull the patient back towards the reference adult).

    Parameters
    ----------
    model
        The ``inflammation`` model.
    patient
        The person.
    params
        Parameter values [their units]; a ``load_person`` given here is kept.
    simulate
        The simulate function (passed in so that this lower layer does not import it).

    Returns
    -------
    tuple of (dict, dict)
        State name -> start value [the state's unit], and parameter name -> value for the run.

    Raises
    ------
    ScenarioError
        If the model lacks the states a patient needs, or the T-scores cannot be matched.
    """
    own = own_parameters(model, patient, params)
    params = {**dict(params or {}), **own}
    history_end = _history_end(model, patient, params, simulate)
    if "age_years" in history_end:
        # exact, also for a patient younger than the healthy adult (no history to live)
        history_end["age_years"] = patient.age
    if patient.t_score_hip is None and patient.t_score_spine is None:
        return history_end, own
    y, skel_ratio = _match_density(model, patient, history_end, params)
    if "load_person" in params or "load_person" not in model.parameters.names:
        return y, own
    n = float(params.get("n_strain", model.parameters["n_strain"].value))
    base = float(model.parameters["load_person"].value)
    return y, {**own, "load_person": base * skel_ratio**n}


def own_parameters(
    model: Model, patient: Patient, params: Mapping[str, float] | None = None
) -> dict[str, float]:
    """The parameter values that are the person's own before their density is matched: turnover.

    Parameters
    ----------
    model
        The flagship.
    patient
        The person.
    params
        Parameter values [their units] for everyone; a turnover parameter given here is scaled.

    Returns
    -------
    dict
        ``tau_trab`` and ``tau_cort`` [1/yr] times ``patient.turnover`` (empty at turnover 1).
    """
    from .variability import TURNOVER_PARAMETERS

    if patient.turnover == 1.0:
        return {}
    params = params or {}
    return {
        name: float(params.get(name, model.parameters[name].value)) * patient.turnover
        for name in TURNOVER_PARAMETERS
        if name in model.parameters.names
    }


def _match_density(
    model: Model, patient: Patient, y: dict, params: Mapping[str, float]
) -> tuple[dict[str, float], float]:
    """Scale both compartments by one factor so that the mean of the given site T-scores is met.

    Spine and hip share the same two compartments (50 % and 41 % trabecular), so matching two
    discordant site T-scores exactly would need implausibly different trabecular and cortical
    scalings: the mean is met, and each site keeps the ratio the history gave it. Returns the
    scaled state and the factor (= the ratio of skeletal BMD after to before).
    """
    from ..compile import compile_model

    compiled = compile_model(model)
    p = compiled.vector(dict(params))
    vector = np.array([y[name] for name in compiled.state_names])
    raw = compiled.observables(0.0, vector[:, None], p[:, None])[:, 0]
    bmd = {site: float(raw[compiled.observable_names.index(f"bmd_{site}_rel")]) for site in ("spine", "hip")}
    sd = {site: float(params.get(f"SD_pct_{site}", model.parameters[f"SD_pct_{site}"].value)) for site in bmd}
    given = [
        (site, t)
        for site, t in (("spine", patient.t_score_spine), ("hip", patient.t_score_hip))
        if t is not None
    ]
    target = np.mean([1.0 + t * sd[site] / 100.0 for site, t in given])
    factor = float(target / np.mean([bmd[site] for site, _ in given]))
    if not np.isfinite(factor) or factor <= 0.05:
        raise ScenarioError(
            f"the T-scores (hip {patient.t_score_hip}, spine {patient.t_score_spine}) leave no bone in the model"
        )
    out = dict(y)
    for names in SCALED.values():
        for name in names:
            if name in out:
                out[name] = out[name] * factor
    return out, factor
