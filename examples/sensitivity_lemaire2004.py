"""Lemaire et al. 2004: the osteoblast precursor pool as the lever of bone formation, by sensitivity analysis.

The paper's abstract concludes that "increasing the size of the pool of preosteoblasts is an
essential ingredient for the therapeutic manipulation of bone formation", that bone formation
therapies do better than anti-resorptive ones, and that osteoblasts and osteoclasts are tightly
coupled. It states these from simulated therapies, without sensitivity coefficients, so the
comparison here is qualitative: the paper's statement beside our numbers.

In the model the preosteoblast pool is fed by ``D_R`` (the flux of progenitors into the
responding osteoblasts ``R``); bone formation is carried by the active osteoblasts ``B`` and
resorption by the active osteoclasts ``C``, so ``log(B/C)`` measures the formation/resorption
balance. Two analyses:

* steady-state sensitivities (implicit function theorem, exact) of ``R``, ``B``, ``C`` and
  ``log(B/C)`` to every parameter at the published values;
* Morris screening of ``log(B/C)`` and ``log B`` at day 2000 (a new steady state) with every
  rate constant varied over its parameter-file range (x0.5 to x2, log-uniform).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from bonemodel import sensitivity
from bonemodel.examples._ranking import rank_of
from bonemodel.models import load_model
from bonemodel.report import comparison, run_script
from bonemodel.sensitivity.morris import morris_of
from bonemodel.sweep import sweep

T_SETTLE = 2000.0
"""Day at which the Morris outputs are read (every member has settled to its steady state)."""

BALANCE = "log_B_over_C"
"""Name of the formation/resorption balance output, log(B/C)."""

SOURCE = "Lemaire et al. 2004, abstract (qualitative; the paper gives no sensitivity coefficients)"


def balance_coefficients(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``log(B/C)`` rows (coefficient of B minus that of C) to a steady-state frame of B and C."""
    wide = sensitivity.wide(frame, "steady")
    rows = [
        {"output": BALANCE, "parameter": p, "index": "steady", "value": wide.loc[p, "B"] - wide.loc[p, "C"]}
        for p in wide.index
    ]
    return pd.concat([frame, sensitivity.tidy(rows)], ignore_index=True)


def steady_findings() -> pd.DataFrame:
    """Steady-state coefficients d log(y*) / d log(p) of R, B, C and log(B/C) (the latter as a difference)."""
    model = load_model("lemaire2004")
    params = [p for p in model.parameter_names if model.parameters[p].value != 0]
    return balance_coefficients(sensitivity.steady(model, ["R", "B", "C"], params=params))


def morris_findings(*, n: int, seed: int = 1) -> pd.DataFrame:
    """Morris mu*, mu, sigma of log(B/C) and log B at day 2000 over the parameter-file ranges."""
    model = load_model("lemaire2004")
    params = [p for p in model.parameter_names if model.parameters[p].value != 0]
    ranges = {p: (*model.parameters[p].range, "log") for p in params}

    def evaluate(design: pd.DataFrame) -> dict[str, np.ndarray]:
        runs = sweep(model, design, outputs=[f"B@{T_SETTLE:g}", f"C@{T_SETTLE:g}"], workers=1, progress=False)
        B, C = runs[f"B@{T_SETTLE:g}"].to_numpy(), runs[f"C@{T_SETTLE:g}"].to_numpy()
        return {BALANCE: np.log(B / C), "log_B": np.log(B)}

    return morris_of(evaluate, ranges, [BALANCE, "log_B"], n=n, seed=seed)


def reproduce(out: Path, *, quick: bool = False) -> pd.DataFrame:
    """Reproduce Lemaire et al. 2004's precursor-pool finding by steady-state and Morris sensitivities.

    Writes ``sensitivity_lemaire2004_tornado.html`` (steady-state coefficients of log(B/C)) and
    ``sensitivity_lemaire2004_morris.html`` (Morris mu*-sigma of log(B/C)).

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
    morris = morris_findings(n=6 if quick else 20)
    mu_star = morris[(morris["output"] == BALANCE) & (morris["index"] == "mu_star")].set_index("parameter")
    mu = morris[(morris["output"] == BALANCE) & (morris["index"] == "mu")].set_index("parameter")["value"]
    n_params = len(coef)
    fig_s, fig_m = "steady-state sensitivity", "Morris screening (x0.5-x2)"
    rows = [
        {
            "figure": fig_s,
            "quantity": f"rank of D_R (precursor supply) by |d log(B/C)/d log p| among {n_params}",
            "ours": rank_of(steady, BALANCE, "steady", "D_R"),
            "published": "preosteoblast pool is the essential lever of bone formation",
            "unit": "rank",
            "source": SOURCE,
        },
        {
            "figure": fig_s,
            "quantity": "d log B* / d log D_R (formation per precursor supply)",
            "ours": coef.loc["D_R", "B"],
            "published": "> 0 (more preosteoblasts, more formation)",
            "unit": "1",
            "source": SOURCE,
        },
        {
            "figure": fig_s,
            "quantity": "d log C* / d log D_R (resorption per precursor supply)",
            "ours": coef.loc["D_R", "C"],
            "published": "",
            "unit": "1",
            "source": "ours only: precursor supply raises formation with resorption almost unchanged",
        },
        {
            "figure": fig_s,
            "quantity": "d log B* / d log D_C (formation per osteoclast formation rate)",
            "ours": coef.loc["D_C", "B"],
            "published": "> 0 (tight osteoblast-osteoclast coupling)",
            "unit": "1",
            "source": SOURCE,
        },
        {
            "figure": fig_s,
            "quantity": "gain of log(B/C) per % of D_R over gain per % cut of D_C (anabolic / anti-resorptive)",
            "ours": coef.loc["D_R", BALANCE] / -coef.loc["D_C", BALANCE],
            "published": "> 1 (formation therapies beat anti-resorptives)",
            "unit": "1",
            "source": SOURCE,
        },
        {
            "figure": fig_m,
            "quantity": f"rank of D_R by Morris mu* of log(B/C) among {len(mu_star)}",
            "ours": rank_of(morris, BALANCE, "mu_star", "D_R"),
            "published": "preosteoblast pool is the essential lever of bone formation",
            "unit": "rank",
            "source": SOURCE,
        },
        {
            "figure": fig_m,
            "quantity": "Morris mu* of log(B/C) for D_R (per unit of its log-range)",
            "ours": mu_star.loc["D_R", "value"],
            "published": "",
            "unit": "1",
            "source": f"ours; 95% CI {mu_star.loc['D_R', 'conf_low']:.3g}-{mu_star.loc['D_R', 'conf_high']:.3g}",
        },
        {
            "figure": fig_m,
            "quantity": "Morris mu / mu* of log(B/C) for D_R (1 = monotone increasing)",
            "ours": mu.loc["D_R"] / mu_star.loc["D_R", "value"],
            "published": "",
            "unit": "1",
            "source": "ours: the precursor lever acts in one direction over the whole range",
        },
    ]

    plotly_js = "cdn" if quick else True
    sensitivity.plots.tornado(
        steady,
        BALANCE,
        title="Lemaire 2004: steady-state sensitivity of the formation/resorption balance log(B/C)",
    ).write_html(out / "sensitivity_lemaire2004_tornado.html", include_plotlyjs=plotly_js)
    sensitivity.plots.morris_scatter(
        morris,
        BALANCE,
        title=f"Lemaire 2004: Morris screening of log(B/C) at day {T_SETTLE:g} (ranges x0.5-x2, log-uniform)",
    ).write_html(out / "sensitivity_lemaire2004_morris.html", include_plotlyjs=plotly_js)
    return comparison(rows)


if __name__ == "__main__":
    run_script(reproduce, "figures")
