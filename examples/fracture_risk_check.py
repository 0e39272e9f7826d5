"""Absolute fracture risk against published numbers: incidence by age, 10-year probabilities by T-score.

A patient's absolute risk is the baseline incidence at their age times their relative risk against
the age-average person of their sex, with death competing (FRAX's method; bonemodel.trials.risk).
This script checks both halves against what could be read and verified:

(a) **Incidence by age, women and men, 50-90.** The package's fit (log-cubic through the Malmö
    bands, still an unverified reconstruction), the model's age-average person (a
    ``bm.Patient(sex=..., age=50)`` run for 40 years, ``fracture_rate_hip``) and the published
    registry rates with their 95 % CI: Østfold, Norway (Polesie 2013; 50-74 and 75+, two period
    sets) and Harstad, Norway (Emaus 2011; 50-54 and 90+, no CI). The age-average person sits at
    the population's mean BMD; the population's incidence is the mean of its hazard over the BMD
    spread, i.e. the person's hazard times exp((ln G)^2 / 2) (G: BMD gradient, Johnell 2005). That
    product reproduces the fitted incidence by construction, and the figure shows that it does.
(b) **10-year probabilities of reference profiles.** Women and men at 50, 60, 70 and 80 with a
    femoral-neck T-score of 0, -1, -2 and -3, ours from ``bm.Patient(..., bmd_t_score=...)`` runs,
    against UK FRAX (Kanis 2008, Table 3: BMI 25 kg/m2, no clinical risk factor). The UK's hip
    fracture incidence is lower than Sweden's (Kanis 2002), so ours (Swedish incidence) are
    expected above the UK values; what the two should share is the rise with falling T-score, the
    hip gradient per SD, which the comparison table also lists.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

import bonemodel as bm
from bonemodel.parameters import load_parameters
from bonemodel.plotting import wrap_title
from bonemodel.report import comparison, run_script
from bonemodel.trials import epidemiology as epi
from bonemodel.trials.risk import population_gradient

YEAR = 365.25
SEXES = ("female", "male")
START_AGE, END_AGE = 50.0, 90.0
PROFILE_AGES = (50, 60, 70, 80)
T_SCORES = (0, -1, -2, -3)
FRAX = "UK FRAX, Kanis2008 Table 3 (BMI 25, no clinical risk factor)"
_MARKERS = {  # registry source -> marker symbol, colour
    "Polesie2013": ("circle", "#17becf"),
    "Emaus2011": ("diamond", "#ff7f0e"),
    "Fisher1991": ("square", "#2ca02c"),
    "HUNT2010": ("triangle-up", "#9467bd"),
}

_INCIDENCE_LINES = (  # column of incidence_by_age -> line style, legend name
    ("fit", dict(color="black"), "fit used by the package"),
    (
        "population",
        dict(color="firebrick", dash="dash", width=3),
        "model: age-average person x exp((ln G)^2/2)",
    ),
    ("person", dict(color="firebrick", dash="dot"), "model: age-average person (mean BMD)"),
)


def _t_key(t: int) -> str:
    return "t0" if t == 0 else f"tm{-t}"


def incidence_by_age(model: bm.Model, sex: str) -> pd.DataFrame:
    """The fit, the model's age-average person and its population mean, by year of age 50-90.

    Parameters
    ----------
    model
        The ``inflammation`` model.
    sex
        ``"female"`` or ``"male"``.

    Returns
    -------
    pandas.DataFrame
        Index age [yr]; columns ``fit``, ``person`` and ``population`` [per 1,000 person-years].
    """
    years = END_AGE - START_AGE
    grid = np.linspace(0.0, years * YEAR, int(years) + 1)
    sol = bm.simulate(model, years * YEAR, patient=bm.Patient(sex=sex, age=START_AGE), t_eval=grid)
    ages = START_AGE + grid / YEAR
    spread = math.exp(0.5 * math.log(population_gradient("hip", sex)) ** 2)
    person = np.asarray(sol["fracture_rate_hip"])
    return pd.DataFrame(
        {"fit": epi.incidence(ages, sex, "hip"), "person": person, "population": person * spread},
        index=pd.Index(ages, name="age"),
    )


def ten_year_probabilities(model: bm.Model) -> pd.DataFrame:
    """Ours and UK FRAX 10-year hip and major osteoporotic fracture probabilities [%] by profile.

    Parameters
    ----------
    model
        The ``inflammation`` model.

    Returns
    -------
    pandas.DataFrame
        One row per sex, age, T-score and site: ``ours`` and ``frax_uk`` [%].
    """
    data = load_parameters("fracture_epidemiology")
    rows = []
    for sex in SEXES:
        for age in PROFILE_AGES:
            for t in T_SCORES:
                patient = bm.Patient(sex=sex, age=float(age), bmd_t_score=float(t))
                sol = bm.simulate(model, 10 * YEAR, patient=patient, t_eval=[0.0, 10 * YEAR])
                for site in ("hip", "major"):
                    rows.append(
                        {
                            "sex": sex,
                            "age": age,
                            "t_score": t,
                            "site": site,
                            "ours": 100.0 * float(sol[f"fracture_prob_{site}"][-1]),
                            "frax_uk": data[f"frax_uk_{site}_{sex}_{age}_{_t_key(t)}"].value,
                        }
                    )
    return pd.DataFrame(rows)


def hip_gradient_per_sd(table: pd.DataFrame) -> pd.DataFrame:
    """Hip fracture probability ratio per SD of T-score, sqrt(P(T=-3) / P(T=-1)), ours and UK FRAX.

    Two SD apart, so that the UK values' rounding to 0.1 % matters less than between neighbours.

    Parameters
    ----------
    table
        :func:`ten_year_probabilities`.

    Returns
    -------
    pandas.DataFrame
        One row per sex and age: ``ours`` and ``frax_uk`` (dimensionless).
    """
    hip = table[table.site == "hip"].set_index(["sex", "age", "t_score"])
    rows = []
    for sex in SEXES:
        for age in PROFILE_AGES:
            ratio = {
                col: math.sqrt(hip.loc[(sex, age, -3), col] / hip.loc[(sex, age, -1), col])
                for col in ("ours", "frax_uk")
            }
            rows.append({"sex": sex, "age": age, **ratio})
    return pd.DataFrame(rows)


def figure(curves: dict[str, pd.DataFrame], table: pd.DataFrame) -> go.Figure:
    titles = [
        "hip fracture incidence, women",
        "hip fracture incidence, men",
        "10-year hip fracture probability, women",
        "10-year hip fracture probability, men",
    ]
    fig = make_subplots(rows=2, cols=2, subplot_titles=titles, vertical_spacing=0.14)
    colours = dict(zip(PROFILE_AGES, ("#1b9e77", "#d95f02", "#7570b3", "#e7298a")))
    for col, sex in enumerate(SEXES, start=1):
        first = col == 1
        frame = curves[sex]
        bands = epi.incidence_table(sex, "hip")
        fig.add_scatter(
            x=bands.age_mid,
            y=bands.rate_per_1000py,
            mode="markers",
            marker=dict(symbol="square-open", size=8, color="#4c72b0"),
            name="Malmö bands (unverified reconstruction)",
            legendgroup="bands",
            showlegend=first,
            row=1,
            col=col,
        )
        for column, line, name in _INCIDENCE_LINES:
            fig.add_scatter(
                x=frame.index,
                y=frame[column],
                mode="lines",
                line=line,
                name=name,
                legendgroup=column,
                showlegend=first,
                row=1,
                col=col,
            )
        checks = epi.published_incidence(sex)
        for kind, sub in checks.groupby("source"):
            upper = np.minimum(sub.age_high, END_AGE + 5.0)
            has_ci = sub.ci_low.notna()
            fig.add_scatter(
                x=(sub.age_low + upper) / 2.0 + np.where(sub["set"] == "b", 1.0, 0.0),
                y=sub.rate_per_1000py,
                mode="markers",
                marker=dict(
                    symbol=_MARKERS[kind][0],
                    size=9,
                    color=_MARKERS[kind][1],
                ),
                error_x=dict(type="data", array=(upper - sub.age_low) / 2.0, thickness=1),
                error_y=dict(
                    type="data",
                    array=np.where(has_ci, sub.ci_high - sub.rate_per_1000py, 0.0),
                    arrayminus=np.where(has_ci, sub.rate_per_1000py - sub.ci_low, 0.0),
                ),
                name=f"{sub.region.iloc[0]} ({kind}; bars: band"
                + (", 95 % CI)" if has_ci.any() else "; no CI published)"),
                legendgroup=kind,
                showlegend=first,
                row=1,
                col=col,
            )
        fig.update_yaxes(type="log", title_text="per 1,000 person-years", row=1, col=col)
        fig.update_xaxes(title_text="age [yr]", row=1, col=col)
        hip = table[(table.sex == sex) & (table.site == "hip")]
        for age in PROFILE_AGES:
            one = hip[hip.age == age]
            fig.add_scatter(
                x=one.t_score,
                y=one.ours,
                mode="lines+markers",
                line=dict(color=colours[age]),
                name=f"ours, age {age}",
                legendgroup=f"ours{age}",
                showlegend=first,
                row=2,
                col=col,
            )
            fig.add_scatter(
                x=one.t_score,
                y=one.frax_uk,
                mode="markers",
                marker=dict(color=colours[age], symbol="x", size=9),
                name=f"UK FRAX, age {age}",
                legendgroup=f"frax{age}",
                showlegend=first,
                row=2,
                col=col,
            )
        fig.update_yaxes(type="log", title_text="%", row=2, col=col)
        fig.update_xaxes(title_text="femoral-neck T-score", autorange="reversed", row=2, col=col)
    fig.update_layout(
        height=900,
        title=wrap_title(
            "Absolute risk checked: hip fracture incidence (fit, model's age-average person, registries of Norway and the US"
            " with 95 % CI) and 10-year hip fracture probability by T-score (ours, Swedish incidence, vs UK FRAX)"
        ),
    )
    return fig


def _rows(curves: dict[str, pd.DataFrame], table: pd.DataFrame, gradients: pd.DataFrame) -> list[dict]:
    data = load_parameters("fracture_epidemiology")
    rows = []
    for sex in SEXES:
        for _, check in epi.published_incidence(sex).iterrows():
            ours = epi.band_incidence(sex, "hip", check.age_low, check.age_high)
            band = (
                f"{check.age_low:g}+"
                if math.isinf(check.age_high)
                else f"{check.age_low:g}-{check.age_high - 1:g}"
            )
            ci = "" if math.isnan(check.ci_low) else f", 95 % CI {check.ci_low:g}-{check.ci_high:g}"
            rows.append(
                {
                    "figure": "fracture risk check",
                    "quantity": f"hip fracture incidence, {sex}, {band}, {check.region}"
                    + (f" (set {check['set']})" if check["set"] else ""),
                    "ours": ours,
                    "published": check.rate_per_1000py,
                    "unit": "1/(1000 person-years)",
                    "source": f"{check.source}{ci}; ours: the Malmö fit averaged over the band",
                }
            )
        for age in (50, 60, 70, 80, 90):
            frame = curves[sex]
            rows.append(
                {
                    "figure": "fracture risk check",
                    "quantity": f"hip fracture incidence, {sex}, {age}: model's age-average person x exp((ln G)^2/2)",
                    "ours": float(frame.loc[float(age), "population"]),
                    "published": "",
                    "unit": "1/(1000 person-years)",
                    "source": f"equals the fit by construction (fit: {frame.loc[float(age), 'fit']:.3g})",
                }
            )
        low = data[f"lifetime_hip_{sex}_60_sweden_low"].value
        high = data[f"lifetime_hip_{sex}_60_sweden_high"].value
        rows.append(
            {
                "figure": "fracture risk check",
                "quantity": f"remaining lifetime hip fracture probability from 60, {sex}",
                "ours": 100.0 * epi.fracture_probability(60.0, 40.0, sex, "hip"),
                "published": (low + high) / 2.0,
                "unit": "%",
                "source": f"Karampampa2015: {low:g}-{high:g} % (Sweden 1995-2010)",
            }
        )
    for _, row in table.iterrows():
        what = "hip" if row.site == "hip" else "major osteoporotic"
        rows.append(
            {
                "figure": "fracture risk check",
                "quantity": f"10-year {what} fracture probability, {row.sex}, {row.age}, T-score {row.t_score}",
                "ours": row.ours,
                "published": row.frax_uk,
                "unit": "%",
                "source": f"{FRAX}; ours use the Swedish incidence, higher than the UK's",
            }
        )
    for _, row in gradients.iterrows():
        rows.append(
            {
                "figure": "fracture risk check",
                "quantity": f"hip fracture probability ratio per SD of T-score, {row.sex}, {row.age}",
                "ours": row.ours,
                "published": row.frax_uk,
                "unit": "1",
                "source": f"sqrt(P(T=-3)/P(T=-1)) from {FRAX}",
            }
        )
    return rows


def reproduce(out: Path, *, quick: bool = False) -> pd.DataFrame:
    """Incidence by age and 10-year probabilities by T-score against the published numbers."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model = bm.load_model("inflammation")
    curves = {sex: incidence_by_age(model, sex) for sex in SEXES}
    table = ten_year_probabilities(model)
    gradients = hip_gradient_per_sd(table)
    figure(curves, table).write_html(
        out / "fracture_risk_check.html", include_plotlyjs="cdn" if quick else True
    )
    return comparison(_rows(curves, table, gradients))


if __name__ == "__main__":
    run_script(reproduce, "figures")
