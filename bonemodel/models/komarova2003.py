"""Komarova et al. 2003: power-law model of osteoclasts, osteoblasts and bone mass at one site.

Komarova SV, Smith RJ, Dixon SJ, Sims SM, Wahl LM (2003). Mathematical model predicts a critical
role for osteoclast autocrine regulation in the control of bone remodeling. Bone 33:206-215,
doi:10.1016/S8756-3282(03)00157-1.

Osteoclasts ``x1`` and osteoblasts ``x2`` (cells) regulate each other's production through
power laws; bone mass ``z`` (%) falls while osteoclasts exceed their steady-state number and
rises while osteoblasts exceed theirs::

    dx1/dt = alpha1 x1^g11 x2^g21 - beta1 x1
    dx2/dt = alpha2 x1^g12 x2^g22 - beta2 x2
    dz/dt  = -k1 max(0, x1 - x1_bar) + k2 max(0, x2 - x2_bar)

with the non-trivial steady state (named expressions ``x1_bar``, ``x2_bar``, ``gamma``)::

    gamma  = g12 g21 - (1 - g11)(1 - g22)
    x1_bar = (beta1/alpha1)^((1 - g22)/gamma) (beta2/alpha2)^(g21/gamma)
    x2_bar = (beta1/alpha1)^(g12/gamma) (beta2/alpha2)^((1 - g11)/gamma)

(the paper's Eq. A2 has a typo, ``1 - g11/gamma``, corrected in both BIOMD0000000148 and the
CellML encoding). A remodeling event starts from the steady state with ``dx1_0`` = 10 extra
osteoclasts: ``x1(0) = x1_bar + dx1_0``, ``x2(0) = x2_bar``, ``z(0) = 100 %``.

Two regimes (``REGIMES``; named scenarios of the model, or ``build(regime=...)``):

``single_cycle`` (Fig. 2, the default)
    Steady state x1_bar = 1.06066, x2_bar = 212.132 cells, a stable focus (eigenvalues
    -0.06 +- 0.02i per day): one remodeling cycle. Osteoclasts resorb (x1 > x1_bar) for the first
    22.9 days while osteoblasts rise to 397 cells (day 14.1); bone mass dips to 89.79 % on day
    12.3 and is back to 99.98 % by day 400. The damped spiral overshoots only by 1e-5 cells.
``oscillating`` (Fig. 3: g11 = 1.1, k1 = 0.0748, k2 = 0.0006395)
    Steady state x1_bar = 1.15862, x2_bar = 231.724 cells. At g11 = 1.1,
    ``beta1 (g11 - 1) + beta2 (g22 - 1) = 0``: the steady state is a centre surrounded by closed
    orbits. In log coordinates ``u = ln x1, v = ln x2``, the cell equations multiplied by
    ``w = exp(-(g11 - 1) u - (g22 - 1) v)`` have divergence ``w (beta1 (g11 - 1) + beta2
    (g22 - 1))``, of one sign everywhere: by Dulac's criterion the model has no closed orbit
    unless that sum is 0, and then the orbits form a continuum. So there is no limit cycle
    for any parameter values: the oscillations are neutral, with amplitude and period set by
    the initial stimulus. For ``dx1_0`` = 10 the period is 273.53 days (osteoclasts fall to
    3.1e-5 cells between bursts; small stimuli cycle with 2 pi / 0.04 = 157.08 days). Bone mass
    dips to 91.68 % and overshoots to 103.53 % in the first cycle and is back to 99.97 % after
    each period: the published k1/k2 (116.97) is 0.15 % above the ratio that balances this orbit
    exactly (116.79; Ayati et al. 2010, Eq. 8, ``formation_resorption_ratio``). For g11 > 1.1 the
    oscillations grow (the paper's unstable, Paget-like regime).

Sources of the two regimes' values: the Fig. 2 legend as encoded in BIOMD0000000148 and CellML,
and Ayati et al. 2010 (Biology Direct 5:28), whose Figs 2 and 3 reproduce Komarova's with all
values stated. BIOMD0000000148 switches resorption and formation with SBML events whose
triggers are already true at t = 0, so SBML simulators skip the first resorption phase; the
``max`` formulation above is the paper's and the CellML model's.

Near ``x1 = 0`` the power laws are singular for fractional exponents (``x1^0.5``,
``x2^-0.5``); in both regimes the states stay well away from 0 (x1 >= 0.73 and x2 >= 212 in
the single cycle, x2 >= 9.98 in the oscillating regime, where g11 = 1.1 > 1 keeps the x1
derivative finite at 0), so the Jacobian is finite along every simulated trajectory. Elsewhere
in the parameter ranges (g11 near 1 with a large stimulus) osteoclasts can fall to 1e-20 cells
and below, where a trial step of the integrator may cross 0; the bases of the power laws are
therefore floored at ``X_FLOOR`` = 1e-30 cells, which changes nothing above that and keeps
every evaluation real (without it, 4 % of random draws from the ranges stopped with a complex
power).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import sympy as sp

from ..errors import ModelError, suggest
from ..model import Model, Observable, State, symbols
from ..parameters import ParameterSet, load_parameters
from ..scenario import Scenario

__all__ = [
    "build",
    "regime_scenarios",
    "closed_form_steady_state",
    "formation_resorption_ratio",
    "Regime",
    "REGIMES",
    "STEADY_STATE",
]

X_FLOOR = sp.Float(1e-30)
"""Cell numbers below this (1e-30 cells) enter the power laws as this value (see ``build``)."""

STEADY_STATE = {"x1": 1.06066, "x2": 212.132}
"""Published steady state of the Fig. 2 parameters (cells)."""


@dataclass(frozen=True)
class Regime:
    """A named parameter set of the paper: overrides of the parameter file with their provenance.

    Parameters
    ----------
    name
        ``"single_cycle"`` or ``"oscillating"``.
    overrides
        Parameter name -> value in its unit.
    t_end
        Simulated time of the figure [day].
    description
        What the regime shows.
    source
        Key of ``parameters/references.bib``.
    where
        Where in the source the values are.
    """

    name: str
    overrides: Mapping[str, float]
    t_end: float
    description: str
    source: str = "Komarova2003"
    where: str = ""


REGIMES: dict[str, Regime] = {
    "single_cycle": Regime(
        "single_cycle",
        {"g11": 0.5, "k1": 0.24, "k2": 0.0017},
        400.0,
        "Fig. 2: a single remodeling cycle after a 10-cell osteoclast stimulus (g11 = 0.5, k1 = 0.24, "
        "k2 = 0.0017); damped return to the steady state 1.06066, 212.132 cells",
        "Komarova2003",
        "Fig. 2 legend; BIOMD0000000148; Ayati2010 Fig. 2 legend",
    ),
    "oscillating": Regime(
        "oscillating",
        {"g11": 1.1, "k1": 0.0748, "k2": 0.0006395},
        1100.0,
        "Fig. 3: internally regulated cycles (g11 = 1.1, k1 = 0.0748, k2 = 0.0006395); neutral "
        "oscillations about 1.15862, 231.724 cells with period 273.5 days for the 10-cell stimulus",
        "Ayati2010",
        "Fig. 3 legend (reproducing Komarova2003 Fig. 3); BIOMD0000000402 g11, k1, k2",
    ),
}
"""The paper's two parameter sets, by name."""


def regime_scenarios() -> dict[str, Scenario]:
    """One Scenario per regime, with every regime parameter set explicitly (usable on any build).

    Returns
    -------
    dict of str to Scenario
        ``"single_cycle"`` and ``"oscillating"``.
    """
    return {name: Scenario(name, dict(r.overrides), description=r.description) for name, r in REGIMES.items()}


def closed_form_steady_state(values: Mapping[str, float]) -> dict[str, float]:
    """Non-trivial steady state ``{"x1": x1_bar, "x2": x2_bar}`` from parameter values.

    Parameters
    ----------
    values
        Parameter name -> value (the model's parameters, in their units).

    Returns
    -------
    dict of str to float
        Osteoclasts ``x1`` and osteoblasts ``x2`` at the steady state [cells].
    """
    v = values
    gamma = v["g12"] * v["g21"] - (1 - v["g11"]) * (1 - v["g22"])
    r1, r2 = v["beta1"] / v["alpha1"], v["beta2"] / v["alpha2"]
    return {
        "x1": r1 ** ((1 - v["g22"]) / gamma) * r2 ** (v["g21"] / gamma),
        "x2": r1 ** (v["g12"] / gamma) * r2 ** ((1 - v["g11"]) / gamma),
    }


def formation_resorption_ratio(
    model: Model,
    until: float,
    *,
    scenario: Scenario | str | None = None,
    params: Mapping[str, float] | None = None,
    rtol: float = 1e-10,
    atol: float = 1e-12,
) -> float:
    """``int (x2 - x2_bar)+ dt / int (x1 - x1_bar)+ dt`` over [0, until]: the k1/k2 that keeps bone mass.

    Bone mass is unchanged after ``until`` days exactly when k1/k2 equals this ratio (Ayati
    et al. 2010, Eq. 8, with ``until`` one period of the oscillating regime). Both integrals are
    computed by the integrator itself, as the bone mass change with (k1, k2) = (1, 0) and (0, 1).

    Parameters
    ----------
    model
        A Komarova 2003 model.
    until
        End of the integrals [day].
    scenario
        Scenario (or its name) to run, e.g. ``"oscillating"``.
    params
        Parameter values [each in its unit] replacing the defaults.
    rtol, atol
        Integrator tolerances (relative; absolute in cells).

    Returns
    -------
    float
        The ratio (dimensionless), comparable with k1/k2.
    """
    from ..simulate import simulate

    # z runs negative with (k1, k2) = (1, 0): let it, on a copy of the model with the same equations
    signed = replace(
        model, states=tuple(replace(s, nonnegative=False) if s.name == "z" else s for s in model.states)
    )
    change = []
    for k1, k2 in ((1.0, 0.0), (0.0, 1.0)):
        values = {**(params or {}), "k1": k1, "k2": k2}
        sol = simulate(
            signed, until, scenario=scenario, params=values, t_eval=[0.0, until], rtol=rtol, atol=atol
        )
        change.append(sol["z"][-1] - sol["z"][0])
    return float(change[1] / -change[0])


def build(regime: str = "single_cycle") -> Model:
    """The Komarova 2003 model with the parameter values of ``regime`` as its defaults.

    Parameters
    ----------
    regime
        ``"single_cycle"`` (Fig. 2) or ``"oscillating"`` (Fig. 3). The equations are the same;
        only default values (and their recorded provenance) differ, so the compiled code is shared.
        Either regime is also available on any build as a named scenario.

    Returns
    -------
    Model
        States ``x1``, ``x2`` [cells] and ``z`` [%], time in days.

    Raises
    ------
    ModelError
        If the regime is unknown.
    """
    if regime not in REGIMES:
        raise ModelError(
            f"unknown regime '{regime}' for model 'komarova2003'{suggest(regime, REGIMES)}; "
            f"choose one of {list(REGIMES)}"
        )
    params = _with_regime(load_parameters("komarova2003"), REGIMES[regime])
    x1, x2, z = symbols("x1 x2 z")
    alpha1, alpha2, beta1, beta2, g11, g12, g21, g22, k1, k2, dx1_0 = symbols(
        "alpha1 alpha2 beta1 beta2 g11 g12 g21 g22 k1 k2 dx1_0"
    )
    e = {n: sp.Symbol(n) for n in ("gamma", "x1_bar", "x2_bar", "y1", "y2")}
    expressions = {
        "gamma": g12 * g21 - (1 - g11) * (1 - g22),
        "x1_bar": (beta1 / alpha1) ** ((1 - g22) / e["gamma"]) * (beta2 / alpha2) ** (g21 / e["gamma"]),
        "x2_bar": (beta1 / alpha1) ** (g12 / e["gamma"]) * (beta2 / alpha2) ** ((1 - g11) / e["gamma"]),
        # cells actively resorbing / forming bone (the paper's y1, y2)
        "y1": sp.Max(0, x1 - e["x1_bar"]),
        "y2": sp.Max(0, x2 - e["x2_bar"]),
    }
    # Bases floored at X_FLOOR: identical for any meaningful cell number, but a trial step of the
    # integrator that dips below 0 then gives a real number instead of a complex power.
    b1, b2 = sp.Max(x1, X_FLOOR), sp.Max(x2, X_FLOOR)
    rhs = {
        "x1": alpha1 * b1**g11 * b2**g21 - beta1 * x1,
        "x2": alpha2 * b1**g12 * b2**g22 - beta2 * x2,
        "z": -k1 * e["y1"] + k2 * e["y2"],
    }
    states = (
        State("x1", e["x1_bar"] + dx1_0, "cell", "Osteoclasts", "x_1"),
        State("x2", e["x2_bar"], "cell", "Osteoblasts", "x_2"),
        State("z", 100.0, "%", "Bone mass, 100 % at the start of the remodeling event", "z"),
    )
    observables = (
        Observable("resorption", k1 * e["y1"], "%/day", "Bone resorption rate k1 max(0, x1 - x1_bar)"),
        Observable("formation", k2 * e["y2"], "%/day", "Bone formation rate k2 max(0, x2 - x2_bar)"),
    )
    r = REGIMES[regime]
    return Model(
        name="komarova2003",
        states=states,
        parameters=params,
        rhs=rhs,
        expressions=expressions,
        observables=observables,
        citations=("Komarova2003", "BioModels148", "CellMLKomarova2003", "Ayati2010"),
        description=(
            "Komarova et al. 2003 power-law model of osteoclasts x1 and osteoblasts x2 with bone mass z "
            f"at a single remodeling site; defaults of regime '{regime}': {r.description}."
        ),
        scenarios=regime_scenarios(),
        default_t_end=r.t_end,
    )


def _with_regime(params: ParameterSet, regime: Regime) -> ParameterSet:
    """The parameter file's values with the regime's overrides, each recording where it comes from."""
    changed = {}
    for name, value in regime.overrides.items():
        p = params[name]
        if p.value == value:
            continue
        changed[name] = replace(
            p,
            value=p.check_value(value, model=params.name),
            source=regime.source,
            where=regime.where,
            note=f"Value of the '{regime.name}' regime; the file's default is {p.value:g}. {p.note}".strip(),
        )
    return replace(params, params={**params.params, **changed})
