"""Pivonka et al. 2008: how the RANKL/OPG expression structure controls remodeling, by sensitivity analysis.

Pivonka 2008 compares model structures that differ in which osteoblast stage expresses RANKL
and which produces OPG, and singles out RANKL on precursor osteoblasts (OBp) with OPG from
active osteoblasts (OBa), the structure ``bonemodel.models.pivonka2008`` implements. The paper
argues from simulated perturbation responses (curves), not from sensitivity coefficients, so
the comparison here is qualitative: the direction each perturbation moves bone (the same
expected directions as ``examples/pivonka2008.py``) beside the sign of our coefficient, and
what the coefficients say about the structure's two control arms.

Three analyses, all at the published parameter values:

* steady-state sensitivities (implicit function theorem) of OBp, OBa, OCa and free RANKL/OPG;
* local sensitivities (forward equations) of the bone volume at day 365, ``BV@365``;
* Morris screening of ``OCa@365`` and ``pct_change(BV@365)`` with every non-zero parameter
  varied over its parameter-file range (x0.5 to x2, log-uniform).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bonemodel import sensitivity
from bonemodel.examples._ranking import rank_of
from bonemodel.examples.pivonka2008 import EXPECTED_BV
from bonemodel.models import load_model
from bonemodel.report import comparison, run_script

T_BV = 365.0
"""Day at which the bone volume and osteoclasts are read (days)."""

# The parameter each perturbation experiment of examples/pivonka2008.py acts through: an
# infusion adds to a production rate, so its direction is that of the production parameter.
EXPERIMENT_PARAMETER = {
    "D_OCp_x10": "D_OCp",
    "A_OCa_x10": "A_OCa",
    "D_OBu_x10": "D_OBu",
    "D_OBp_x10": "D_OBp",
    "A_OBa_x10": "A_OBa",
    "PTH_infusion": "beta_PTH",
    "RANKL_infusion": "beta_RANKL",
    "OPG_infusion": "beta_OPG",
    "TGFb_infusion": "alpha_TGFb",
}

# The two arms of the expression structure: RANKL per precursor osteoblast, OPG per active one.
RANKL_ON_OBP = "R_RANKL"
OPG_FROM_OBA = "beta_OPG"

SOURCE = "Pivonka et al. 2008 (structure RANKL on OBp, OPG from OBa; qualitative, no coefficients published)"
DIRECTION_SOURCE = (
    "expected direction of the perturbation (as in examples/pivonka2008.py); no number in the paper"
)


def _params(model) -> list[str]:
    # External dosing inputs are zero at baseline: a log-sensitivity to them is zero by definition.
    return [p for p in model.parameter_names if model.parameters[p].value != 0]


def steady_findings() -> pd.DataFrame:
    """Steady-state coefficients of the cells and of the free RANKL/OPG ratio to every non-zero parameter."""
    model = load_model("pivonka2008")
    return sensitivity.steady(model, ["OBp", "OBa", "OCa", "RANKL_OPG_ratio"], params=_params(model))


def bone_volume_findings() -> pd.DataFrame:
    """Local coefficients d log BV(365) / d log p (forward sensitivities from the steady state)."""
    model = load_model("pivonka2008")
    return sensitivity.local(model, [f"BV@{T_BV:g}"], params=_params(model), t_end=T_BV)


def morris_findings(*, n: int, seed: int = 1) -> pd.DataFrame:
    """Morris screening of OCa(365) and the BV change at day 365 over the parameter-file ranges."""
    model = load_model("pivonka2008")
    ranges = {p: (*model.parameters[p].range, "log") for p in _params(model)}
    outputs = [f"OCa@{T_BV:g}", f"pct_change(BV@{T_BV:g})"]
    return sensitivity.morris(model, ranges, outputs, n=n, seed=seed, t_end=T_BV, workers=1, progress=False)


def _top(frame: pd.DataFrame, output: str, index: str) -> str:
    sub = frame[(frame["output"] == output) & (frame["index"] == index)]
    return str(sub.loc[sub["value"].abs().idxmax(), "parameter"])


def reproduce(out: Path, *, quick: bool = False) -> pd.DataFrame:
    """Reproduce the control of remodeling by Pivonka 2008's RANKL/OPG structure with sensitivities.

    Writes ``sensitivity_pivonka2008_steady.html`` (steady-state coefficients of OCa),
    ``sensitivity_pivonka2008_bv.html`` (local coefficients of BV at day 365) and
    ``sensitivity_pivonka2008_morris.html`` (Morris mu*-sigma of OCa at day 365).

    Parameters
    ----------
    out
        Folder for the HTML figures.
    quick
        Fewer Morris trajectories (6 instead of 20) and figures that load plotly.js from the web.

    Returns
    -------
    pandas.DataFrame
        Comparison rows (figure, quantity, ours, published, unit, source).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    steady = steady_findings()
    coef = sensitivity.wide(steady, "steady")
    bv = bone_volume_findings()
    bv_coef = bv.set_index("parameter")["value"]
    morris = morris_findings(n=6 if quick else 20)
    oca, dbv = f"OCa@{T_BV:g}", f"pct_change(BV@{T_BV:g})"
    n_morris = int(((morris["output"] == oca) & (morris["index"] == "mu_star")).sum())

    fig_s, fig_b, fig_m = "steady-state sensitivity", f"local sensitivity of BV@{T_BV:g}", "Morris screening"
    rows = [
        {
            "figure": fig_s,
            "quantity": f"d log OCa* / d log {RANKL_ON_OBP} (RANKL per precursor osteoblast)",
            "ours": coef.loc[RANKL_ON_OBP, "OCa"],
            "published": "> 0 (RANKL on OBp drives osteoclastogenesis)",
            "unit": "1",
            "source": SOURCE,
        },
        {
            "figure": fig_s,
            "quantity": f"d log OCa* / d log {OPG_FROM_OBA} (OPG per active osteoblast)",
            "ours": coef.loc[OPG_FROM_OBA, "OCa"],
            "published": "< 0 (OPG from OBa restrains osteoclastogenesis)",
            "unit": "1",
            "source": SOURCE,
        },
        {
            "figure": fig_s,
            "quantity": "d log OCa* / d log D_OBp (maturation turns RANKL sources into OPG sources)",
            "ours": coef.loc["D_OBp", "OCa"],
            "published": "< 0 (implied by the structure)",
            "unit": "1",
            "source": "ours: what RANKL on OBp and OPG from OBa imply; not stated as a number in the paper",
        },
        {
            "figure": fig_s,
            "quantity": f"|d log OCa*/d log {OPG_FROM_OBA}| / |d log OCa*/d log {RANKL_ON_OBP}| (OPG arm / RANKL arm)",
            "ours": abs(coef.loc[OPG_FROM_OBA, "OCa"] / coef.loc[RANKL_ON_OBP, "OCa"]),
            "published": "",
            "unit": "1",
            "source": "ours: at the published values the OPG arm is the stronger control of osteoclasts",
        },
        {
            "figure": fig_s,
            "quantity": f"d log(RANKL/OPG)* / d log {OPG_FROM_OBA}",
            "ours": coef.loc[OPG_FROM_OBA, "RANKL_OPG_ratio"],
            "published": "",
            "unit": "1",
            "source": "ours",
        },
    ]
    agree = 0
    for experiment, parameter in EXPERIMENT_PARAMETER.items():
        sign = EXPECTED_BV[experiment]
        value = float(bv_coef[parameter])
        agree += int(value * sign > 0)
        rows.append(
            {
                "figure": fig_b,
                "quantity": f"d log BV({T_BV:g}) / d log {parameter} ({experiment})",
                "ours": value,
                "published": "< 0 (catabolic)" if sign < 0 else "> 0 (anabolic)",
                "unit": "1",
                "source": DIRECTION_SOURCE,
            }
        )
    rows.append(
        {
            "figure": fig_b,
            "quantity": "perturbation directions reproduced by the sign of the BV coefficient",
            "ours": agree,
            "published": len(EXPERIMENT_PARAMETER),
            "unit": "count",
            "source": DIRECTION_SOURCE,
        }
    )
    for output, label in ((oca, "OCa(365)"), (dbv, "BV change at day 365")):
        for parameter in (RANKL_ON_OBP, OPG_FROM_OBA):
            rows.append(
                {
                    "figure": fig_m,
                    "quantity": f"rank of {parameter} by Morris mu* of {label} among {n_morris}",
                    "ours": rank_of(morris, output, "mu_star", parameter),
                    "published": "",
                    "unit": "rank",
                    "source": f"ours: top parameter is {_top(morris, output, 'mu_star')}; "
                    "the expression rates of the structure are not the dominant factors",
                }
            )

    plotly_js = "cdn" if quick else True
    sensitivity.plots.tornado(
        steady, "OCa", title="Pivonka 2008: steady-state sensitivity of active osteoclasts OCa"
    ).write_html(out / "sensitivity_pivonka2008_steady.html", include_plotlyjs=plotly_js)
    sensitivity.plots.tornado(
        bv, title=f"Pivonka 2008: local sensitivity of bone volume at day {T_BV:g}"
    ).write_html(out / "sensitivity_pivonka2008_bv.html", include_plotlyjs=plotly_js)
    sensitivity.plots.morris_scatter(
        morris,
        oca,
        title=f"Pivonka 2008: Morris screening of OCa at day {T_BV:g} (ranges x0.5-x2, log-uniform)",
    ).write_html(out / "sensitivity_pivonka2008_morris.html", include_plotlyjs=plotly_js)
    return comparison(rows)


if __name__ == "__main__":
    run_script(reproduce, "figures")
