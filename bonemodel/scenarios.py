"""Named scenarios: conditions and interventions, combined with ``+``.

Model-specific experiments (e.g. Lemaire 2004's Fig. 2 infusions) live with their model
(``model.scenarios``); the clinical conditions and interventions of the inflammation model
(``bm.load_model("inflammation")``) live here. Each function returns a
:class:`~bonemodel.scenario.Scenario` that sets the model's inputs; ``REGISTRY`` maps a name to a
zero-argument constructor (the defaults), for the command line.

Times are days from the start of the simulation. A condition that starts on day 0 and never stops
is a constant override; otherwise it is a time window. Every function touches its own inputs, so conditions and interventions
combine freely::

    sc = rheumatoid_arthritis(activity="high") + anti_tnf(start_day=180)
    sc = menopause() + calcium(mg_day=1000, start_day=5 * 365) + vitamin_d(iu_day=800, start_day=5 * 365)

Conditions: :func:`healthy`, :func:`menopause`, :func:`ageing`, :func:`rheumatoid_arthritis`,
:func:`low_grade_inflammation`, :func:`metabolic_syndrome`, :func:`type2_diabetes`,
:func:`dietary_calcium`. Interventions: :func:`omega3`, :func:`resistance_training`,
:func:`polyphenols`, :func:`vitamin_d`, :func:`magnesium`, :func:`calcium`,
:func:`metabolic_improvement`, :func:`anti_tnf`. Drugs: :func:`denosumab`, :func:`alendronate`,
:func:`zoledronate`, :func:`teriparatide`, :func:`romosozumab`, :func:`glucocorticoid`,
:func:`methotrexate`. Doses fall at ``start_day + k every_days`` while before ``stop_day`` (None:
to the end of the run, taken as ``DOSING_HORIZON`` days); sequences combine with ``+``::

    sc = romosozumab(stop_day=365) + denosumab(start_day=365)
    sc = denosumab(stop_day=2 * 365) + zoledronate(start_day=2 * 365, stop_day=2 * 365 + 1)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

from . import _checks
from .errors import ScenarioError
from .scenario import MAX_WINDOWS, Scenario, Window, combine

__all__ = [
    "RA_ACTIVITY",
    "REGISTRY",
    "Scenario",
    "Window",
    "ageing",
    "alendronate",
    "anti_tnf",
    "calcium",
    "combine",
    "denosumab",
    "dietary_calcium",
    "glucocorticoid",
    "healthy",
    "low_grade_inflammation",
    "magnesium",
    "male",
    "menopause",
    "metabolic_improvement",
    "metabolic_syndrome",
    "methotrexate",
    "omega3",
    "polyphenols",
    "resistance_training",
    "rheumatoid_arthritis",
    "romosozumab",
    "teriparatide",
    "type2_diabetes",
    "vitamin_d",
    "zoledronate",
]

RA_ACTIVITY = {"low": 0.25, "moderate": 0.5, "high": 1.0}
"""Disease-activity levels of :func:`rheumatoid_arthritis` -> model input ``ra_activity``."""

_RA_MOBILITY = {"low": 0.95, "moderate": 0.9, "high": 0.85}
"""Habitual weight-bearing activity kept at each RA activity level (pain and stiffness)."""


def _number(fn: str, label: str, value: object, low: float | None = None, high: float | None = None) -> float:
    """A scenario argument as a float: a real number (not a bool, not text), finite, in [low, high]."""
    return _checks.real(value, f"{fn}: {label}", ScenarioError, low=low, high=high)


def _check_times(name: str, start_day: float, stop_day: float | None) -> tuple[float, float | None]:
    """start_day and stop_day as floats (days); stop_day None or inf means never."""
    start = _checks.real(start_day, f"{name}: start_day (days)", ScenarioError)
    if stop_day is None:
        return start, None
    stop = _checks.real(stop_day, f"{name}: stop_day (days, or None)", ScenarioError, allow_inf=True)
    if not stop > start:
        raise ScenarioError(f"{name}: stop_day ({stop:g}) must be after start_day ({start:g})")
    return start, (None if math.isinf(stop) else stop)


def _set(
    name: str, values: dict[str, float], start_day: float, stop_day: float | None, description: str
) -> Scenario:
    """Inputs at ``values`` from start_day to stop_day: constant overrides when that is the whole run."""
    start_day, stop_day = _check_times(name, start_day, stop_day)
    if start_day <= 0 and stop_day is None:
        return Scenario(name, dict(values), description=description)
    stop = math.inf if stop_day is None else float(stop_day)
    windows = tuple(Window(k, float(start_day), stop, float(v)) for k, v in values.items())
    return Scenario(name, {}, windows, description)


def _when(start_day: float, stop_day: float | None) -> str:
    return f"from day {start_day:g}" + ("" if stop_day is None else f" to day {stop_day:g}")


# ----------------------------------------------------------------------------------- conditions
def healthy() -> Scenario:
    """A healthy premenopausal adult: the model's baseline (every input at its default).

    Returns
    -------
    Scenario
        The baseline scenario, named ``"healthy"``.
    """
    return Scenario("healthy", description="healthy adult, all inputs at their defaults")


def menopause(start_day: float = 0.0, *, e2_post: float = 0.1) -> Scenario:
    """Menopause: the estradiol target falls to ``e2_post`` (relative to premenopausal) on ``start_day``.

    Estradiol follows with the time constant 1/k_E2 (~250 days), so ``start_day`` is the start of
    the late transition, about one year before the final menstrual period.

    Parameters
    ----------
    start_day
        Day [day] the estradiol target falls.
    e2_post
        Postmenopausal estradiol target, relative to premenopausal (dimensionless, 0 to 1).

    Returns
    -------
    Scenario
        Sets the model input ``E2_target`` from ``start_day`` on.

    Raises
    ------
    ScenarioError
        If a value is not a number or out of range.
    """
    e2_post = _number("menopause", "e2_post (relative to premenopausal)", e2_post, 0.0, 1.0)
    start_day, _ = _check_times("menopause", start_day, None)
    return _set(
        "menopause",
        {"E2_target": e2_post},
        start_day,
        None,
        f"menopause (E2 -> {e2_post:g}) {_when(start_day, None)}",
    )


def male() -> Scenario:
    """A man: no menopause, and bioavailable estradiol falling with age (the 'lifespan' module).

    The model's healthy adult is a 30-year-old; from there a man's estradiol falls by
    ``e2_decline_male`` per year of age (Khosla 1998), so his bone loss starts slowly and grows
    with age. Combine with ``ageing()`` for the age-related inflammaging both sexes share.

    Returns
    -------
    Scenario
        Sets the model input ``male`` to 1 for the whole run.
    """
    return Scenario("male", {"male": 1.0}, description="a man: estradiol falls with age")


def ageing(start_day: float = 0.0, *, inflammaging: float = 0.3) -> Scenario:
    """Ageing: low-grade 'inflammaging' immune activation (in units of the healthy drive).

    Parameters
    ----------
    start_day
        Day [day] the activation starts.
    inflammaging
        Immune activation, in units of the healthy drive (dimensionless, >= 0).

    Returns
    -------
    Scenario
        Sets the model input ``inflammaging`` from ``start_day`` on.

    Raises
    ------
    ScenarioError
        If a value is not a number or out of range.
    """
    inflammaging = _number("ageing", "inflammaging", inflammaging, 0.0)
    start_day, _ = _check_times("ageing", start_day, None)
    return _set(
        "ageing",
        {"inflammaging": inflammaging},
        start_day,
        None,
        f"inflammaging {inflammaging:g} {_when(start_day, None)}",
    )


def rheumatoid_arthritis(
    activity: str = "high", start_day: float = 0.0, stop_day: float | None = None
) -> Scenario:
    """Active rheumatoid arthritis at a disease-activity level ('high', 'moderate' or 'low').

    Sets the synovial immune activation (``ra_activity``) and lowers habitual weight-bearing
    activity (pain, stiffness: 0.85 at high activity). ``stop_day`` ends the disease (remission).

    Parameters
    ----------
    activity
        Disease activity: ``"high"``, ``"moderate"`` or ``"low"`` (see ``RA_ACTIVITY``).
    start_day
        Day [day] the disease starts.
    stop_day
        Day [day] of remission, or None for disease to the end of the run.

    Returns
    -------
    Scenario
        Sets the model inputs ``ra_activity`` and ``habitual_activity``.

    Raises
    ------
    ScenarioError
        If the activity level is unknown or a day is invalid.
    """
    if not isinstance(activity, str) or activity not in RA_ACTIVITY:
        raise ScenarioError(
            f"rheumatoid_arthritis: activity must be one of {list(RA_ACTIVITY)}, got {activity!r}"
        )
    start_day, stop_day = _check_times("rheumatoid_arthritis", start_day, stop_day)
    values = {"ra_activity": RA_ACTIVITY[activity], "habitual_activity": _RA_MOBILITY[activity]}
    return _set(
        f"RA ({activity})",
        values,
        start_day,
        stop_day,
        f"rheumatoid arthritis, {activity} activity, {_when(start_day, stop_day)}",
    )


@lru_cache(maxsize=256)
def _activation_for_crp(crp: float) -> float:
    """Systemic activation that gives a steady CRP of ``crp`` mg/L in an otherwise healthy adult.

    Read from the model's table of steady CRP by activation (:mod:`bonemodel.crp_activation`),
    solved once per model and parameter set.
    """
    from .crp_activation import activation_for_crp
    from .models import load_model

    try:
        return activation_for_crp(load_model("inflammation"), crp)
    except ValueError as exc:
        raise ScenarioError(f"low_grade_inflammation: {exc}") from None


def low_grade_inflammation(
    crp: float = 4.0, start_day: float = 0.0, stop_day: float | None = None
) -> Scenario:
    """Low-grade systemic inflammation set by its steady CRP (mg/L), as clinicians think of it.

    The systemic immune activation is solved so that an otherwise healthy adult settles at ``crp``
    (hs-CRP strata: < 1, 1-3, > 3 mg/L; healthy 1 mg/L). A CRP below the model's healthy value
    cannot be reached by adding inflammation and is refused.

    Parameters
    ----------
    crp
        Steady hs-CRP to reach [mg/L], at least the model's healthy value.
    start_day
        Day [day] the inflammation starts.
    stop_day
        Day [day] it ends, or None for the whole run.

    Returns
    -------
    Scenario
        Sets the model input ``systemic_activation`` to the solved value.

    Raises
    ------
    ScenarioError
        If ``crp`` is below the healthy CRP or not a number, or a day is invalid.
    """
    crp = _number("low_grade_inflammation", "crp (mg/L)", crp)
    start_day, stop_day = _check_times("low_grade_inflammation", start_day, stop_day)
    healthy_crp = _healthy_crp()
    if crp < healthy_crp:
        raise ScenarioError(
            f"low_grade_inflammation: crp {crp:g} mg/L is below the model's healthy CRP ({healthy_crp:g} mg/L), "
            "which is what no inflammation gives; use healthy() for that, or a crp >= "
            f"{healthy_crp:g} mg/L"
        )
    a = _activation_for_crp(crp)
    return _set(
        f"low-grade inflammation (CRP {crp:g})",
        {"systemic_activation": a},
        start_day,
        stop_day,
        f"systemic activation {a:.4g} for a steady CRP of {crp:g} mg/L {_when(start_day, stop_day)}",
    )


def _healthy_crp() -> float:
    """The steady CRP (mg/L) of the inflammation model's healthy adult (its parameter CRP0)."""
    from .models import load_model

    return float(load_model("inflammation").parameters["CRP0"].value)


def metabolic_syndrome(start_day: float = 0.0) -> Scenario:
    """Metabolic syndrome: insulin resistance, visceral-adipose immune activation (CRP ~3-4 mg/L)
    and the extra skeletal load of a higher body weight (BMI ~30).

    Parameters
    ----------
    start_day
        Day [day] the condition starts (it lasts to the end of the run).

    Returns
    -------
    Scenario
        Sets the model inputs ``insulin_resistance``, ``adipose_activation`` and ``body_weight``.
    """
    start_day, _ = _check_times("metabolic_syndrome", start_day, None)
    values = {"insulin_resistance": 1.0, "adipose_activation": 0.4, "body_weight": 1.2}
    return _set("metabolic syndrome", values, start_day, None, f"metabolic syndrome {_when(start_day, None)}")


def type2_diabetes(start_day: float = 0.0) -> Scenario:
    """Type 2 diabetes: metabolic syndrome plus hyperglycaemia (AGEs) and more insulin resistance.

    Parameters
    ----------
    start_day
        Day [day] the condition starts (it lasts to the end of the run).

    Returns
    -------
    Scenario
        Sets the model inputs ``insulin_resistance``, ``glycemia``, ``adipose_activation`` and
        ``body_weight``.
    """
    start_day, _ = _check_times("type2_diabetes", start_day, None)
    values = {"insulin_resistance": 1.5, "glycemia": 1.0, "adipose_activation": 0.4, "body_weight": 1.2}
    return _set("type 2 diabetes", values, start_day, None, f"type 2 diabetes {_when(start_day, None)}")


def dietary_calcium(mg_day: float = 800.0) -> Scenario:
    """Dietary calcium intake (mg/day) for the whole run (the reference adult eats 800 mg/day).

    Parameters
    ----------
    mg_day
        Dietary calcium intake [mg/day], >= 0.

    Returns
    -------
    Scenario
        Sets the model input ``Ca_diet`` for the whole run.

    Raises
    ------
    ScenarioError
        If the intake is not a number or negative.
    """
    mg_day = _number("dietary_calcium", "mg_day", mg_day, 0.0)
    return Scenario(f"diet Ca {mg_day:g} mg/day", {"Ca_diet": mg_day})


# -------------------------------------------------------------------------------- interventions
def omega3(dose_g_day: float = 2.0, start_day: float = 0.0, stop_day: float | None = None) -> Scenario:
    """Omega-3 supplement: ``dose_g_day`` g/day EPA+DHA on top of the diet.

    Parameters
    ----------
    dose_g_day
        EPA+DHA supplement [g/day], >= 0.
    start_day
        Day [day] the supplement starts.
    stop_day
        Day [day] it stops, or None for the whole run.

    Returns
    -------
    Scenario
        Sets the model input ``omega3_supp``.

    Raises
    ------
    ScenarioError
        If the dose is not a number or negative, or a day is invalid.
    """
    dose_g_day = _number("omega3", "dose_g_day", dose_g_day, 0.0)
    start_day, stop_day = _check_times("omega3", start_day, stop_day)
    return _set(
        f"omega-3 {dose_g_day:g} g/day",
        {"omega3_supp": dose_g_day},
        start_day,
        stop_day,
        f"EPA+DHA {dose_g_day:g} g/day {_when(start_day, stop_day)}",
    )


def resistance_training(
    sessions_per_week: float = 3.0,
    intensity: float = 0.8,
    start_day: float = 0.0,
    stop_day: float | None = None,
) -> Scenario:
    """Progressive resistance training: dose = (sessions/3) x (intensity/0.8)^2.

    ``intensity`` is the load as a fraction of one-repetition maximum; the skeleton responds to
    strain magnitude more than to repetitions, hence the square.

    Parameters
    ----------
    sessions_per_week
        Training sessions per week (0 to 7).
    intensity
        Load as a fraction of one-repetition maximum (0 to 1).
    start_day
        Day [day] the programme starts.
    stop_day
        Day [day] it stops, or None for the whole run.

    Returns
    -------
    Scenario
        Sets the model input ``training`` to the dose (dimensionless; 1 = three sessions a week at 80 %).

    Raises
    ------
    ScenarioError
        If a value is out of range or a day is invalid.
    """
    sessions_per_week = _number("resistance_training", "sessions_per_week", sessions_per_week, 0.0, 7.0)
    intensity = _number("resistance_training", "intensity (fraction of 1RM)", intensity, 0.0, 1.0)
    start_day, stop_day = _check_times("resistance_training", start_day, stop_day)
    dose = sessions_per_week / 3.0 * (intensity / 0.8) ** 2
    return _set(
        f"resistance training {sessions_per_week:g}x/wk at {intensity:.0%} 1RM",
        {"training": dose},
        start_day,
        stop_day,
        f"training dose {dose:.3g} {_when(start_day, stop_day)}",
    )


def polyphenols(
    nfkb_inhibition: float = 0.05, start_day: float = 0.0, stop_day: float | None = None
) -> Scenario:
    """Polyphenols (curcumin, green-tea catechins) as fractional NF-kB inhibition.

    The default 5 % reflects poor oral bioavailability: in trials these supplements do not move
    CRP or IL-6 measurably (clinical target T10).

    Parameters
    ----------
    nfkb_inhibition
        Fractional NF-kB inhibition (dimensionless, 0 <= value < 1).
    start_day
        Day [day] the supplement starts.
    stop_day
        Day [day] it stops, or None for the whole run.

    Returns
    -------
    Scenario
        Sets the model input ``nfkb_inhibition``.

    Raises
    ------
    ScenarioError
        If the inhibition is out of range or a day is invalid.
    """
    nfkb_inhibition = _number("polyphenols", "nfkb_inhibition", nfkb_inhibition, 0.0)
    if not nfkb_inhibition < 1:
        raise ScenarioError(f"polyphenols: nfkb_inhibition must be in [0, 1), got {nfkb_inhibition:g}")
    start_day, stop_day = _check_times("polyphenols", start_day, stop_day)
    return _set(
        "polyphenols",
        {"nfkb_inhibition": nfkb_inhibition},
        start_day,
        stop_day,
        f"NF-kB inhibition {nfkb_inhibition:g} {_when(start_day, stop_day)}",
    )


def vitamin_d(iu_day: float = 1000.0, start_day: float = 0.0, stop_day: float | None = None) -> Scenario:
    """Vitamin D3 supplement in IU/day.

    Parameters
    ----------
    iu_day
        Vitamin D3 supplement [IU/day], >= 0.
    start_day
        Day [day] the supplement starts.
    stop_day
        Day [day] it stops, or None for the whole run.

    Returns
    -------
    Scenario
        Sets the model input ``vitD_supp``.

    Raises
    ------
    ScenarioError
        If the dose is not a number or negative, or a day is invalid.
    """
    iu_day = _number("vitamin_d", "iu_day", iu_day, 0.0)
    start_day, stop_day = _check_times("vitamin_d", start_day, stop_day)
    return _set(
        f"vitamin D {iu_day:g} IU/day",
        {"vitD_supp": iu_day},
        start_day,
        stop_day,
        f"vitamin D3 {iu_day:g} IU/day {_when(start_day, stop_day)}",
    )


def magnesium(mg_day: float = 300.0, start_day: float = 0.0, stop_day: float | None = None) -> Scenario:
    """Magnesium supplement in mg/day.

    Parameters
    ----------
    mg_day
        Magnesium supplement [mg/day], >= 0.
    start_day
        Day [day] the supplement starts.
    stop_day
        Day [day] it stops, or None for the whole run.

    Returns
    -------
    Scenario
        Sets the model input ``Mg_supp``.

    Raises
    ------
    ScenarioError
        If the dose is not a number or negative, or a day is invalid.
    """
    mg_day = _number("magnesium", "mg_day", mg_day, 0.0)
    start_day, stop_day = _check_times("magnesium", start_day, stop_day)
    return _set(
        f"magnesium {mg_day:g} mg/day",
        {"Mg_supp": mg_day},
        start_day,
        stop_day,
        f"Mg {mg_day:g} mg/day {_when(start_day, stop_day)}",
    )


def calcium(mg_day: float = 1000.0, start_day: float = 0.0, stop_day: float | None = None) -> Scenario:
    """Calcium supplement in mg/day, on top of the diet (see :func:`dietary_calcium`).

    Parameters
    ----------
    mg_day
        Calcium supplement [mg/day], >= 0, on top of the diet.
    start_day
        Day [day] the supplement starts.
    stop_day
        Day [day] it stops, or None for the whole run.

    Returns
    -------
    Scenario
        Sets the model input ``Ca_supp``.

    Raises
    ------
    ScenarioError
        If the dose is not a number or negative, or a day is invalid.
    """
    mg_day = _number("calcium", "mg_day", mg_day, 0.0)
    start_day, stop_day = _check_times("calcium", start_day, stop_day)
    return _set(
        f"calcium {mg_day:g} mg/day",
        {"Ca_supp": mg_day},
        start_day,
        stop_day,
        f"Ca {mg_day:g} mg/day {_when(start_day, stop_day)}",
    )


def metabolic_improvement(
    fraction: float = 0.5, start_day: float = 0.0, stop_day: float | None = None
) -> Scenario:
    """Diet/exercise/drug improvement of metabolism: insulin resistance, glycaemia and adipose
    inflammation fall by ``fraction`` of whatever the condition sets; body weight is left unchanged
    (weight loss itself unloads the skeleton).

    Parameters
    ----------
    fraction
        Fraction of the metabolic drive removed (dimensionless, 0 to 1).
    start_day
        Day [day] the improvement starts.
    stop_day
        Day [day] it stops, or None for the whole run.

    Returns
    -------
    Scenario
        Sets the model input ``metabolic_improvement``.

    Raises
    ------
    ScenarioError
        If the fraction is out of range or a day is invalid.
    """
    fraction = _number("metabolic_improvement", "fraction", fraction, 0.0, 1.0)
    start_day, stop_day = _check_times("metabolic_improvement", start_day, stop_day)
    return _set(
        f"metabolic improvement {fraction:.0%}",
        {"metabolic_improvement": fraction},
        start_day,
        stop_day,
        f"metabolic drivers x{1 - fraction:g} {_when(start_day, stop_day)}",
    )


ANTI_TNF_REGIMENS = {"adalimumab": (40.0, 14.0)}
"""Anti-TNF regimens: drug -> (dose mg, interval days); the model's PK parameters are adalimumab's."""


def anti_tnf(
    start_day: float = 0.0,
    stop_day: float | None = None,
    *,
    drug: str = "adalimumab",
    dosing: str = "average",
) -> Scenario:
    """Anti-TNF therapy (adalimumab 40 mg s.c. every 14 days).

    ``dosing="average"`` gives the mean rate of the regimen (2.86 mg/day; fast, and the trough-to-
    peak swing of a 14-day half-life drug is small); ``dosing="doses"`` gives each injection as a
    one-day window (until ``stop_day``, or for 10 years).

    Parameters
    ----------
    start_day
        Day [day] of the first dose.
    stop_day
        Day [day] treatment stops, or None for the whole run.
    drug
        The regimen, a key of ``ANTI_TNF_REGIMENS`` (``"adalimumab"``: 40 mg every 14 days).
    dosing
        ``"average"`` (the regimen's mean rate [mg/day]) or ``"doses"`` (one-day windows, one per injection).

    Returns
    -------
    Scenario
        Sets the model input ``antiTNF_rate`` [mg/day].

    Raises
    ------
    ScenarioError
        If the drug or dosing is unknown, a day is invalid, or there would be too many doses.
    """
    if not isinstance(drug, str) or drug not in ANTI_TNF_REGIMENS:
        raise ScenarioError(f"anti_tnf: drug must be one of {list(ANTI_TNF_REGIMENS)}, got {drug!r}")
    if not isinstance(dosing, str) or dosing not in ("average", "doses"):
        raise ScenarioError(f"anti_tnf: dosing must be 'average' or 'doses', got {dosing!r}")
    start_day, stop_day = _check_times("anti_tnf", start_day, stop_day)
    dose, interval = ANTI_TNF_REGIMENS[drug]
    if dosing == "average":
        return _set(
            f"anti-TNF ({drug})",
            {"antiTNF_rate": dose / interval},
            start_day,
            stop_day,
            f"{drug} {dose:g} mg every {interval:g} days {_when(start_day, stop_day)}",
        )
    span = (stop_day - start_day) if stop_day is not None else 3652.5
    count = max(1, int(math.ceil(span / interval)))
    if count > MAX_WINDOWS:
        raise ScenarioError(
            f"anti_tnf: {count:,} injections from day {start_day:g} to {stop_day:g} are more than "
            f"{MAX_WINDOWS:,} time windows; use dosing='average' for long courses"
        )
    sc = Scenario.doses(
        "antiTNF_rate", dose, start=float(start_day), interval=interval, duration=1.0, count=count
    )
    return Scenario(
        f"anti-TNF ({drug}, doses)",
        {},
        sc.windows,
        f"{count} injections of {dose:g} mg every {interval:g} days",
    )


# ------------------------------------------------------------------------------------- drugs
DOSING_HORIZON = 40 * 365.25
"""Days of dosing when a drug has no ``stop_day`` (longer than any simulation; the scenario
windows beyond a run's end are never reached, so they cost nothing)."""

INJECTION_DAYS = 1.0 / 96
"""Length of one injection or infusion window (15 minutes): short against every drug's
absorption and distribution, long enough for the integrator to see."""


def _dose(fn: str, label: str, value: object) -> float:
    """A dose: a finite real number > 0."""
    dose = _checks.real(value, f"{fn}: {label}", ScenarioError, low=0.0)
    if not dose > 0:
        raise ScenarioError(f"{fn}: {label} must be > 0, got {dose:g}; leave the drug out for no dose")
    return dose


def _dosing(
    fn: str,
    target: str,
    dose: float,
    every_days: float,
    start_day: float,
    stop_day: float | None,
    *,
    window: float = INJECTION_DAYS,
    interval_argument: bool = True,
) -> tuple[Window, ...]:
    """Doses of ``dose`` (amount) at start_day + k every_days while before stop_day, each
    delivered as a rate dose/window over ``window`` days."""
    every = _checks.real(every_days, f"{fn}: every_days", ScenarioError)
    if not every > 0:
        raise ScenarioError(f"{fn}: every_days must be > 0, got {every:g}")
    start, stop = _check_times(fn, start_day, stop_day)
    end = start + DOSING_HORIZON if stop is None else stop
    count = int(math.floor((end - start) / every - 1e-9)) + 1
    if count > MAX_WINDOWS:
        longer = ", or lengthen every_days" if interval_argument else ""
        raise ScenarioError(
            f"{fn}: {count:,} doses from day {start:g} to {end:g} are more than {MAX_WINDOWS:,}; "
            f"shorten the course (stop_day){longer}"
        )
    width = min(window, every)
    return tuple(
        Window(target, start + k * every, start + k * every + width, dose / width) for k in range(count)
    )


def _injected(
    fn: str, target: str, dose: float, every_days: float, start_day: float, stop_day: float | None, how: str
) -> Scenario:
    """Doses of ``dose`` mg given ``how`` every ``every_days`` from start_day until stop_day."""
    ws = _dosing(fn, target, dose, every_days, start_day, stop_day)
    when = _when(start_day, stop_day)
    return Scenario(f"{fn} {dose:g} mg", {}, ws, f"{fn} {dose:g} mg {how} every {every_days:g} days {when}")


def denosumab(
    dose_mg: float = 60.0, every_days: float = 182.5, start_day: float = 0.0, stop_day: float | None = None
) -> Scenario:
    """Denosumab ``dose_mg`` s.c. every ``every_days`` (Prolia: 60 mg every 6 months).

    Parameters
    ----------
    dose_mg
        Dose per injection [mg], > 0.
    every_days
        Days between injections [day], > 0.
    start_day
        Day [day] of the first injection.
    stop_day
        No injection on or after this day [day]; None doses to the end of the run.

    Returns
    -------
    Scenario
        One 15-minute window of the model input ``denosumab_rate`` [mg/day] per injection.

    Raises
    ------
    ScenarioError
        If a dose or interval is not positive, a day is invalid, or there would be too many doses.
    """
    dose = _dose("denosumab", "dose_mg", dose_mg)
    return _injected("denosumab", "denosumab_rate", dose, every_days, start_day, stop_day, "s.c.")


def alendronate(mg_week: float = 70.0, start_day: float = 0.0, stop_day: float | None = None) -> Scenario:
    """Oral alendronate ``mg_week`` (70 mg once weekly, or 10 mg daily).

    Given as its average daily rate while on treatment: plasma alendronate is gone within hours,
    and what acts is the drug bound to bone, which integrates doses over months.

    Parameters
    ----------
    mg_week
        Weekly dose [mg/week], > 0.
    start_day
        Day [day] treatment starts.
    stop_day
        Day [day] it stops, or None for the whole run.

    Returns
    -------
    Scenario
        Sets the model input ``alendronate_rate`` [mg/day] to ``mg_week / 7``.

    Raises
    ------
    ScenarioError
        If the dose is not positive or a day is invalid.
    """
    mg_week = _dose("alendronate", "mg_week", mg_week)
    start_day, stop_day = _check_times("alendronate", start_day, stop_day)
    return _set(
        f"alendronate {mg_week:g} mg/week",
        {"alendronate_rate": mg_week / 7.0},
        start_day,
        stop_day,
        f"alendronate {mg_week:g} mg/week orally {_when(start_day, stop_day)}",
    )


def zoledronate(
    dose_mg: float = 5.0, every_days: float = 365.25, start_day: float = 0.0, stop_day: float | None = None
) -> Scenario:
    """Zoledronate ``dose_mg`` i.v. (15-minute infusion) every ``every_days`` (Reclast: 5 mg yearly).

    Parameters
    ----------
    dose_mg
        Dose per infusion [mg], > 0.
    every_days
        Days between infusions [day], > 0.
    start_day
        Day [day] of the first infusion.
    stop_day
        No infusion on or after this day [day]; None doses to the end of the run.

    Returns
    -------
    Scenario
        One 15-minute window of the model input ``zoledronate_rate`` [mg/day] per infusion.

    Raises
    ------
    ScenarioError
        If a dose or interval is not positive, a day is invalid, or there would be too many doses.
    """
    dose = _dose("zoledronate", "dose_mg", dose_mg)
    return _injected("zoledronate", "zoledronate_rate", dose, every_days, start_day, stop_day, "i.v.")


def teriparatide(
    ug_day: float = 20.0,
    start_day: float = 0.0,
    stop_day: float | None = None,
    *,
    continuous: bool = False,
) -> Scenario:
    """Teriparatide ``ug_day`` s.c. once daily (Forteo: 20 ug/day; the label limits use to 2 years).

    ``continuous=True`` gives the same daily dose as a constant s.c. infusion instead (the
    catabolic pattern of clinical target D6). Without ``stop_day`` daily injections run for two
    years (each is an integrator restart).

    Parameters
    ----------
    ug_day
        Daily dose [µg/day], > 0.
    start_day
        Day [day] treatment starts.
    stop_day
        Day [day] it stops; None: two years of daily injections, or a continuous infusion to the
        end of the run.
    continuous
        Whether to give the daily dose as a constant infusion instead of one injection a day.

    Returns
    -------
    Scenario
        Sets the model input ``teriparatide_rate`` [µg/day]: one 15-minute window per daily
        injection, or a constant rate.

    Raises
    ------
    ScenarioError
        If the dose is not positive, ``continuous`` is not a bool, or a day is invalid.
    """
    dose = _dose("teriparatide", "ug_day", ug_day)
    continuous = _checks.flag(continuous, "teriparatide: continuous", ScenarioError)
    start, stop = _check_times("teriparatide", start_day, stop_day)
    if continuous:
        return _set(
            f"teriparatide {dose:g} ug/day infusion",
            {"teriparatide_rate": dose},
            start,
            stop,
            f"teriparatide {dose:g} ug/day as a continuous infusion {_when(start, stop)}",
        )
    end = start + 2 * 365.25 if stop is None else stop
    ws = _dosing("teriparatide", "teriparatide_rate", dose, 1.0, start, end, interval_argument=False)
    return Scenario(
        f"teriparatide {dose:g} ug/day", {}, ws, f"teriparatide {dose:g} ug s.c. daily {_when(start, end)}"
    )


def romosozumab(mg_month: float = 210.0, start_day: float = 0.0, stop_day: float | None = None) -> Scenario:
    """Romosozumab ``mg_month`` s.c. monthly (Evenity: 210 mg for 12 months).

    Parameters
    ----------
    mg_month
        Monthly dose [mg], > 0, given every 365.25/12 days.
    start_day
        Day [day] of the first injection.
    stop_day
        No injection on or after this day [day]; None doses to the end of the run.

    Returns
    -------
    Scenario
        One 15-minute window of the model input ``romosozumab_rate`` [mg/day] per injection.

    Raises
    ------
    ScenarioError
        If the dose is not positive or a day is invalid.
    """
    dose = _dose("romosozumab", "mg_month", mg_month)
    ws = _dosing(
        "romosozumab", "romosozumab_rate", dose, 365.25 / 12, start_day, stop_day, interval_argument=False
    )
    return Scenario(
        f"romosozumab {dose:g} mg/month",
        {},
        ws,
        f"romosozumab {dose:g} mg s.c. monthly {_when(start_day, stop_day)}",
    )


def glucocorticoid(mg_day: float = 7.5, start_day: float = 0.0, stop_day: float | None = None) -> Scenario:
    """Oral glucocorticoid at ``mg_day`` prednisolone-equivalent (daily dosing as a steady exposure:
    prednisolone's half-life is 2-4 hours, its bone effects last days).

    Parameters
    ----------
    mg_day
        Daily dose [mg/day prednisolone-equivalent], > 0.
    start_day
        Day [day] treatment starts.
    stop_day
        Day [day] it stops, or None for the whole run.

    Returns
    -------
    Scenario
        Sets the model input ``gc_dose`` [mg/day].

    Raises
    ------
    ScenarioError
        If the dose is not positive or a day is invalid.
    """
    dose = _dose("glucocorticoid", "mg_day (prednisolone-equivalent)", mg_day)
    start_day, stop_day = _check_times("glucocorticoid", start_day, stop_day)
    return _set(
        f"glucocorticoid {dose:g} mg/day",
        {"gc_dose": dose},
        start_day,
        stop_day,
        f"prednisolone-equivalent {dose:g} mg/day {_when(start_day, stop_day)}",
    )


def methotrexate(start_day: float = 0.0, stop_day: float | None = None) -> Scenario:
    """Methotrexate (a conventional DMARD, weekly 15-25 mg): lowers RA disease activity, no
    direct bone action.

    Parameters
    ----------
    start_day
        Day [day] treatment starts.
    stop_day
        Day [day] it stops, or None for the whole run.

    Returns
    -------
    Scenario
        Sets the model input ``mtx`` (1 while on treatment).

    Raises
    ------
    ScenarioError
        If a day is invalid.
    """
    start_day, stop_day = _check_times("methotrexate", start_day, stop_day)
    return _set(
        "methotrexate", {"mtx": 1.0}, start_day, stop_day, f"methotrexate {_when(start_day, stop_day)}"
    )


REGISTRY: dict[str, Callable[[], Scenario]] = {
    "healthy": healthy,
    "menopause": menopause,
    "ageing": ageing,
    "male": male,
    "rheumatoid_arthritis": rheumatoid_arthritis,
    "low_grade_inflammation": low_grade_inflammation,
    "metabolic_syndrome": metabolic_syndrome,
    "type2_diabetes": type2_diabetes,
    "dietary_calcium": dietary_calcium,
    "omega3": omega3,
    "resistance_training": resistance_training,
    "polyphenols": polyphenols,
    "vitamin_d": vitamin_d,
    "magnesium": magnesium,
    "calcium": calcium,
    "metabolic_improvement": metabolic_improvement,
    "anti_tnf": anti_tnf,
    "ra_anti_tnf": lambda: rheumatoid_arthritis("high") + anti_tnf(),
    "denosumab": denosumab,
    "alendronate": alendronate,
    "zoledronate": zoledronate,
    "teriparatide": teriparatide,
    "romosozumab": romosozumab,
    "glucocorticoid": glucocorticoid,
    "methotrexate": methotrexate,
}
"""Scenario name -> zero-argument constructor (each function's defaults), for ``bonemodel simulate``."""
