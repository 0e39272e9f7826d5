"""A scenario read against its matched control, as trials and cohorts report it.

Studies give a condition's or a treatment's effect against a control of the same age and
follow-up: relative risks as a ratio of risks, % changes of BMD as the difference of the two
arms' % changes ("% points vs placebo"). :func:`compare` runs both arms on the same output
times and returns exactly those quantities, so a user never reads an effect against the
model's premenopausal start by mistake.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .errors import SimulationError, suggest
from .model import Model
from .scenario import Scenario
from .simulate import simulate


def compare(
    model: Model | str,
    t_end: float | None = None,
    *,
    scenario: Scenario | str | None,
    control: Scenario | str | None = None,
    params: Mapping[str, float] | None = None,
    t_eval: Sequence[float] | np.ndarray | None = None,
    observables: Sequence[str] | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-10,
) -> pd.DataFrame:
    """Effect of ``scenario`` against ``control`` (default: the model's baseline) over time.

    Parameters
    ----------
    model, t_end, params, t_eval, rtol, atol
        As for :func:`bonemodel.simulate`; both arms use the same values and output times.
    scenario
        The arm of interest, e.g. ``rheumatoid_arthritis() + ageing()``.
    control
        The matched control, e.g. ``ageing()``; ``None`` is the model's baseline.
    observables
        Observables to report (default: all).

    Returns
    -------
    DataFrame
        Index ``time_day``; one column per observable: the difference of the arms for
        observables in % (``unit == "%"``, read as % points vs control) and their ratio for every
        other observable (relative risks, concentrations, relative levels: fold vs control).
        ``attrs["effect"]`` maps each column to ``"difference"`` or ``"ratio"``.

    Examples
    --------
    >>> import bonemodel as bm
    >>> ra = bm.scenarios.rheumatoid_arthritis("low") + bm.scenarios.ageing()
    >>> eff = bm.compare("inflammation", 3652.5, scenario=ra, control=bm.scenarios.ageing(),
    ...                  t_eval=[0, 3652.5], observables=["fracture_rr_hip", "bmd_hip_pct"])
    >>> eff.attrs["effect"]["fracture_rr_hip"], eff.attrs["effect"]["bmd_hip_pct"]
    ('ratio', 'difference')
    """
    if scenario is None:
        raise SimulationError(
            "compare: give the scenario of interest (scenario=...); control defaults to baseline"
        )
    model = _model_of(model)
    kwargs = dict(params=params, t_eval=t_eval, rtol=rtol, atol=atol)
    arm = simulate(model, t_end, scenario=scenario, **kwargs)
    ctrl = simulate(model, t_end, scenario=control, **kwargs)
    if arm.t.shape != ctrl.t.shape or not np.allclose(arm.t, ctrl.t, rtol=0, atol=1e-9):
        # Default output grids include each scenario's switch times: give both arms the union.
        grid = np.union1d(arm.t, ctrl.t)
        arm = simulate(model, t_end, scenario=scenario, **{**kwargs, "t_eval": grid})
        ctrl = simulate(model, t_end, scenario=control, **{**kwargs, "t_eval": grid})
    units = {o.name: o.unit for o in model.observables}
    names = list(units) if observables is None else list(observables)
    unknown = [n for n in names if n not in units]
    if unknown:
        raise SimulationError(
            f"compare: '{unknown[0]}' is not an observable of this model{suggest(unknown[0], units)}"
        )
    columns, effect = {}, {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for n in names:
            if units[n] == "%":
                columns[n], effect[n] = arm[n] - ctrl[n], "difference"
            else:
                columns[n], effect[n] = arm[n] / ctrl[n], "ratio"
    frame = pd.DataFrame(columns, index=pd.Index(arm.t, name="time_day"))
    frame.attrs["effect"] = effect
    frame.attrs["scenario"] = getattr(scenario, "name", str(scenario))
    frame.attrs["control"] = "baseline" if control is None else getattr(control, "name", str(control))
    return frame


def _model_of(model: Model | str) -> Model:
    if isinstance(model, str):
        from .models import load_model

        return load_model(model)
    return model


__all__ = ["compare"]
