"""Thesis study: which parameters control 10-year BMD loss in rheumatoid arthritis and in menopause.

The flagship model (``bm.load_model("inflammation")``) runs 10 years under high-activity
rheumatoid arthritis (``bm.scenarios.rheumatoid_arthritis(activity="high")``) and under
menopause (``bm.scenarios.menopause()``); the outputs are the lumbar-spine and total-hip BMD
changes at day 3650 (``bmd_spine_pct@3650``, ``bmd_hip_pct@3650``, % of baseline). There is no
published reference: the table reports our numbers only.

Study design
------------
The Pivonka 2008 core is calibrated so that a healthy adult is at a steady state with BMD
constant. Changing a core rate (x0.5 to x2, the core ranges) breaks that balance: with no
disease at all, 10 years of D_OBu x1.2 gain 24 % spine BMD and A_OBa x1.2 lose 18 %. Over the
core ranges the 10-year output is heavy-tailed (median -23 %, maximum +34,600 %), Sobol
estimates on it are unstable, and they would rank the parameters by how they unbalance healthy
bone, not by how they shape the disease. So:

1. Local (exact; the Pivonka core and every global factor, :func:`local_parameters`): the coefficient of the
   *disease-attributable* change, ``p / L * d(BMD_disease - BMD_healthy) / dp`` with ``L`` the
   disease-attributable change at the nominal values (the healthy run is flat there). A
   positive coefficient means that raising the parameter deepens the loss. The core
   parameters appear here with their interaction with the disease; their effect on healthy
   balance is subtracted.
2. Global (Morris screening, then Sobol first/total indices with bootstrap intervals): only
   the factors that leave the healthy steady state untouched -- the disease module (RA:
   cytokines and cytokine-bone couplings; menopause: estrogen-deficiency effects), the
   skeletal-site parameters and the mechanostat -- with the explicit ranges of
   :data:`RA_FACTORS` and :data:`MENOPAUSE_FACTORS`. Calibrated and assumed gains vary x0.5
   to x2 (log-uniform) around their value, the same relative span as the core ranges;
   several parameter-file ranges of these gains are exploration bounds (``c_RANKL`` in
   [0, 2] around 0.014, 140 times its value) and would bring the heavy tail back. Site
   fractions and turnover rates keep their parameter-file ranges (physiological spans). The
   script checks that every factor at either end of its range leaves the healthy 10-year BMD
   unchanged (a table row), so that the output is the disease-attributable loss.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

import bonemodel as bm
from bonemodel import sensitivity
from bonemodel.examples._chunks import sweep_in_chunks
from bonemodel.examples._ranking import ranked_parameters
from bonemodel.models.inflammation import WITHOUT_DRUGS
from bonemodel.report import comparison, run_script

T_END = 3650.0
"""Simulated span and time of the outputs (days): 10 years."""

OUTPUTS = ["bmd_spine_pct@3650", "bmd_hip_pct@3650"]
"""Lumbar-spine and total-hip BMD change at 10 years (% of baseline)."""


X2 = "x0.5-x2"
"""Range marker: x0.5 to x2 around the parameter file's current value, log-uniform
(the relative span of the core ranges); resolved by :func:`resolve_factors`."""


def resolve_factors(model: bm.Model, factors: Mapping[str, tuple | str]) -> dict[str, tuple]:
    """Ranges of the study, with each ``X2`` taken around the model's current value."""
    out: dict[str, tuple] = {}
    for name, spec in factors.items():
        if spec == X2:
            value = model.parameters[name].value
            out[name] = (0.5 * value, 2.0 * value, "log")
        else:
            out[name] = spec
    return out


# Factors of both studies, last in each. Values are those of parameters/inflammation_*.toml.
_SHARED_FACTORS: dict[str, tuple | str] = {
    # skeletal sites: turnover rates and trabecular fractions, file ranges (physiological spans)
    "tau_trab": (0.15, 0.35),
    "tau_cort": (0.02, 0.06),
    "f_spine_trab": (0.3, 0.7),
    "f_hip_trab": (0.15, 0.5),
    # osteoblast-lineage time scale (calibrated), x0.5-x2
    "lam_OB": X2,
    # mechanostat strength (RA lowers habitual loading): assumed 1.0, x0.5-x2
    "s_Scl": X2,
}

# Factors of the RA study.
RA_FACTORS: dict[str, tuple | str] = {
    # immune activation per unit of RA activity: calibrated, x0.5-x2 around the file value
    "a_RA": X2,
    # autocrine TNF/IL-1 amplification of NF-kB: assumed 1.0, file range [0, 2] (uniform)
    "g_auto": (0.0, 2.0),
    # cytokine -> bone couplings (calibrated or assumed gains), x0.5-x2
    "c_RANKL": X2,
    "c_OPG": X2,
    "c_OBa_apop": X2,
    "c_OCp_TNF": X2,
    "c_OCa_IL1": X2,
    "w_R6": X2,
    **_SHARED_FACTORS,
}

# Factors of the menopause study.
MENOPAUSE_FACTORS: dict[str, tuple | str] = {
    # estradiol decline time constant: assumed 0.004/day, x0.5-x2
    "k_E2": X2,
    # estrogen-deficiency effects on the bone cells (calibrated or assumed), x0.5-x2
    "e_RANKL": X2,
    "e_OPG": X2,
    "e_OCa": X2,
    "e_OBa": X2,
    "e_OBu": X2,
    # T-cell cytokines from estrogen deficiency, and their couplings to bone, x0.5-x2
    "e_imm": X2,
    "c_RANKL": X2,
    "c_OPG": X2,
    "c_OBa_apop": X2,
    **_SHARED_FACTORS,
}

STUDIES = {
    "RA": (lambda: bm.scenarios.rheumatoid_arthritis(activity="high"), RA_FACTORS),
    "menopause": (lambda: bm.scenarios.menopause(), MENOPAUSE_FACTORS),
}
"""Study name -> (scenario factory, global factors)."""

SOURCE = "thesis study (no published reference)"


def nominal_change(model, scenario) -> dict[str, float]:
    """10-year BMD changes (%) at the parameter-file values."""
    sol = bm.simulate(model, T_END, scenario=scenario, t_eval=[0.0, T_END])
    return {o: float(sol.at(o.split("@")[0], T_END)) for o in OUTPUTS}


def healthy_drift(model, factors: Mapping[str, tuple]) -> float:
    """Largest |10-year BMD change| of a healthy adult with any one factor at either end of its range."""
    worst = 0.0
    for name, spec in factors.items():
        for value in spec[:2]:
            sol = bm.simulate(model, T_END, params={name: value}, t_eval=[0.0, T_END])
            worst = max(worst, *(abs(float(sol.at(o.split("@")[0], T_END))) for o in OUTPUTS))
    return worst


def local_parameters(model) -> list[str]:
    """Parameters of the local analysis: the Pivonka 2008 core and the factors of both global studies.

    The core's rates are where the healthy balance lives; the factors are the disease, site and
    mechanostat parameters. Generating the forward-sensitivity code for these 47 takes about
    half the time of all 108 uncertain parameters on a cold cache (11 s instead of 17-24 s).
    """
    core = [p for p in bm.load_model("pivonka2008").parameter_names if model.parameters[p].value]
    return core + [p for p in dict.fromkeys([*RA_FACTORS, *MENOPAUSE_FACTORS]) if p not in core]


def healthy_reference(model, params: list[str]) -> tuple[pd.DataFrame, dict[str, float]]:
    """Local slopes (not normalised) and 10-year BMD changes of a healthy adult: what
    :func:`local_attributable` subtracts, the same for every disease."""
    slopes = sensitivity.local(model, OUTPUTS, params=params, t_end=T_END, normalise=False)
    return slopes.set_index(["output", "parameter"]), nominal_change(model, None)


def local_attributable(
    model,
    scenario,
    *,
    params: list[str] | None = None,
    healthy: tuple[pd.DataFrame, dict[str, float]] | None = None,
) -> pd.DataFrame:
    """Local coefficients of the disease-attributable 10-year BMD change (index ``"local"``).

    ``p / L * d(BMD_disease - BMD_healthy)/dp`` with ``L = BMD_disease - BMD_healthy`` at
    the nominal values; > 0: raising ``p`` deepens the loss. ``params`` defaults to
    :func:`local_parameters`; ``healthy`` is :func:`healthy_reference` of the same ``params``
    (computed here when not given).
    """
    params = local_parameters(model) if params is None else params
    kw = {"params": params, "t_end": T_END, "normalise": False}
    disease = sensitivity.local(model, OUTPUTS, scenario=scenario, **kw).set_index(["output", "parameter"])
    healthy, well = healthy_reference(model, params) if healthy is None else healthy
    sick = nominal_change(model, scenario)
    rows = []
    for (output, parameter), d in disease["value"].items():
        slope = d - healthy.loc[(output, parameter), "value"]
        value = model.parameters[parameter].value * slope / (sick[output] - well[output])
        rows.append({"output": output, "parameter": parameter, "index": "local", "value": value})
    return sensitivity.tidy(rows)


class _Recorder:
    """Runs a design through the sweep engine and keeps the outputs (for their distribution)."""

    def __init__(self, model, scenario):
        self.model, self.scenario = model, scenario
        self.values: list[pd.DataFrame] = []

    def __call__(self, design: pd.DataFrame) -> pd.DataFrame:
        values = sweep_in_chunks(self.model, design, OUTPUTS, scenario=self.scenario, t_end=T_END)
        self.values.append(values)
        return values


def global_study(
    model, scenario, factors: Mapping[str, tuple], *, n_morris: int, n_sobol: int, seed: int = 1
):
    """Morris and Sobol frames of the 10-year BMD changes, and the Sobol design's outputs."""
    morris = sensitivity.morris(
        model, dict(factors), OUTPUTS, n=n_morris, seed=seed, evaluate=_Recorder(model, scenario)
    )
    recorder = _Recorder(model, scenario)
    sobol = sensitivity.sobol(model, dict(factors), OUTPUTS, n=n_sobol, seed=seed, evaluate=recorder)
    return morris, sobol, pd.concat(recorder.values)


def _value(frame: pd.DataFrame, output: str, index: str, parameter: str) -> float:
    sub = frame[(frame["output"] == output) & (frame["index"] == index) & (frame["parameter"] == parameter)]
    return float(sub["value"].iloc[0])


def _rows(study, base, factors, local, morris, sobol, values, drift) -> list[dict]:
    design = f"{len(factors)} healthy-neutral factors"
    rows = [
        {
            "figure": study,
            "quantity": "max |10-y healthy BMD change| with any factor at a range end",
            "ours": drift,
            "published": "",
            "unit": "%",
            "source": "design check: the global output is the disease-attributable loss",
        }
    ]
    neutral = set(factors)
    for output in OUTPUTS:
        site = "spine" if "spine" in output else "hip"
        fig = f"{study}, {site}"
        rows.append(
            {
                "figure": fig,
                "quantity": f"{output} at nominal values",
                "ours": base[output],
                "published": "",
                "unit": "%",
                "source": SOURCE,
            }
        )
        order = ranked_parameters(local, output, "local")
        module_top = next(p for p in order if p in neutral)
        for label, parameter in (
            ("top parameter overall", order[0]),
            ("top disease/site factor", module_top),
        ):
            rows.append(
                {
                    "figure": fig,
                    "quantity": f"local coefficient of attributable loss, {label}: {parameter}",
                    "ours": _value(local, output, "local", parameter),
                    "published": "",
                    "unit": "1",
                    "source": SOURCE,
                }
            )
        st_order = ranked_parameters(sobol, output, "ST")
        top = st_order[0]
        st = sobol[(sobol["output"] == output) & (sobol["index"] == "ST") & (sobol["parameter"] == top)].iloc[
            0
        ]
        rows.append(
            {
                "figure": fig,
                "quantity": f"Sobol ST of the top factor: {top} (of {design})",
                "ours": float(st["value"]),
                "published": "",
                "unit": "1",
                "source": f"{SOURCE}; 95% CI {st['conf_low']:.2f}-{st['conf_high']:.2f}; "
                f"next: {', '.join(st_order[1:3])}",
            }
        )
        s1 = sobol[(sobol["output"] == output) & (sobol["index"] == "S1")]["value"]
        rows.append(
            {
                "figure": fig,
                "quantity": "sum of Sobol S1 (1 = additive)",
                "ours": float(s1.sum()),
                "published": "",
                "unit": "1",
                "source": SOURCE,
            }
        )
        mu_order = ranked_parameters(morris, output, "mu_star")
        rows.append(
            {
                "figure": fig,
                "quantity": f"Morris top-3 factors shared with Sobol ST top-3 ({', '.join(mu_order[:3])})",
                "ours": len(set(mu_order[:3]) & set(st_order[:3])),
                "published": "",
                "unit": "count of 3",
                "source": SOURCE,
            }
        )
        v = values[output].to_numpy()
        q05, q50, q95 = np.percentile(v, [5, 50, 95])
        rows.append(
            {
                "figure": fig,
                "quantity": "median output over the Sobol design",
                "ours": q50,
                "published": "",
                "unit": "%",
                "source": f"{SOURCE}; 5-95 %: {q05:.1f} to {q95:.1f}, min {v.min():.1f}, max {v.max():.1f}",
            }
        )
    return rows


N_SOBOL = 64
"""Sobol base sample of ``bonemodel reproduce`` (1,024 and 1,152 runs): the leaders and the
additivity it reports are those of N = 256 (``--full``), and the tests assert them at N = 32."""

N_SOBOL_FULL = 256
"""Sobol base sample with ``--full`` (4,352 and 4,608 runs; about half a minute more, cold)."""


def reproduce(out: Path, *, quick: bool = False, full: bool = False) -> pd.DataFrame:
    """Which parameters control 10-year BMD loss in RA and in menopause (flagship model).

    Writes, per study (``ra``, ``menopause``): ``sensitivity_inflammation_<study>_tornado.html``
    (local coefficients of the disease-attributable spine BMD change),
    ``..._morris.html`` (Morris mu*-sigma) and ``..._sobol.html`` (Sobol S1/ST with 95 %
    bootstrap intervals), both of the spine output.

    Parameters
    ----------
    out
        Folder for the HTML figures.
    quick
        Small global designs (Morris 4 trajectories, Sobol N = 8 instead of 20 and 64) and
        figures that load plotly.js from the web.
    full
        Sobol N = 256 instead of 64 (tighter bootstrap intervals).

    Returns
    -------
    pandas.DataFrame
        Comparison rows (figure, quantity, ours, published, unit, source); ``published`` is
        empty: the thesis study has no published reference.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    # the drug modules are undosed here: without them the same results, far fewer sensitivities
    model = bm.load_model("inflammation", modules=WITHOUT_DRUGS)
    plotly_js = "cdn" if quick else True
    # Quick designs are small enough that the sweep chooses numpy and compiles nothing.
    n_morris, n_sobol = (4, 8) if quick else (20, N_SOBOL_FULL if full else N_SOBOL)
    rows: list[dict] = []
    healthy = healthy_reference(model, local_parameters(model))
    for study, (make_scenario, spec) in STUDIES.items():
        scenario = make_scenario()
        factors = resolve_factors(model, spec)
        local = local_attributable(model, scenario, healthy=healthy)
        morris, sobol, values = global_study(model, scenario, factors, n_morris=n_morris, n_sobol=n_sobol)
        drift = healthy_drift(model, factors)
        base = nominal_change(model, scenario)
        rows.extend(_rows(study, base, factors, local, morris, sobol, values, drift))

        name = study.lower()
        spine = OUTPUTS[0]
        sensitivity.plots.tornado(
            local,
            spine,
            title=f"{study}: local sensitivity of the disease-attributable 10-y spine BMD change "
            "(> 0 deepens the loss; healthy drift subtracted)",
        ).write_html(out / f"sensitivity_inflammation_{name}_tornado.html", include_plotlyjs=plotly_js)
        design = (
            f"{len(factors)} healthy-neutral factors, explicit ranges (x0.5-x2 gains, file ranges for sites)"
        )
        sensitivity.plots.morris_scatter(
            morris,
            spine,
            title=f"{study}: Morris screening of the 10-y spine BMD change; {design}, n={n_morris}",
        ).write_html(out / f"sensitivity_inflammation_{name}_morris.html", include_plotlyjs=plotly_js)
        sensitivity.plots.sobol_bars(
            sobol, spine, title=f"{study}: Sobol indices of the 10-y spine BMD change; {design}, N={n_sobol}"
        ).write_html(out / f"sensitivity_inflammation_{name}_sobol.html", include_plotlyjs=plotly_js)
    return comparison(rows)


if __name__ == "__main__":
    run_script(reproduce, "figures", full_help=f"the larger Sobol design (N = {N_SOBOL_FULL})")
