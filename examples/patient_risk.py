"""A patient's 10-year fracture probability, and what training, omega-3 or denosumab would change.

The question bone models are asked in clinic: "a 58-year-old woman, menopause at 50, CRP 4 mg/L,
T-score -1.8: what is her 10-year hip fracture probability, and what would training or denosumab
change?". ``bm.Patient`` starts the flagship from her state (her history from peak bone mass, density
matched to her T-score); the absolute risk is the Swedish baseline incidence at her age times her
relative risk against the age-average woman, with death as a competing risk (FRAX's method;
bonemodel.trials.risk). Beside it: the population's own 10-year probability at her age (the average
over all BMDs, what FRAX gives without BMD). No published value exists for this person; the
comparison rows give ours and the population's.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

import bonemodel as bm
from bonemodel import scenarios as S
from bonemodel.plotting import wrap_title
from bonemodel.report import comparison, run_script
from bonemodel.trials import fracture_probability

YEAR = 365.25
PATIENT = dict(sex="female", age=58.0, menopause_age=50.0, bmd_t_score=-1.8, crp_mg_l=4.0)
OPTIONS = {
    "no change": None,
    "resistance training": S.resistance_training(),
    "omega-3 2 g/day": S.omega3(),
    "denosumab": S.denosumab(),
}


def options_table(model: bm.Model, horizon_years: float = 10.0) -> pd.DataFrame:
    """10-year hip and major osteoporotic fracture probability (%) and hip BMD change per option."""
    patient = bm.Patient(**PATIENT)
    rows = {}
    for label, scenario in OPTIONS.items():
        sol = bm.simulate(model, horizon_years * YEAR, patient=patient, scenario=scenario)
        rows[label] = {
            "hip fracture, 10 y [%]": 100 * sol["fracture_prob_hip"][-1],
            "major osteoporotic fracture, 10 y [%]": 100 * sol["fracture_prob_major"][-1],
            "hip BMD change, 10 y [%]": sol["bmd_hip_pct"][-1],
        }
    return pd.DataFrame(rows).T


def figure(table: pd.DataFrame) -> go.Figure:
    fig = make_subplots(rows=1, cols=3, subplot_titles=list(table.columns))
    for i, column in enumerate(table.columns):
        fig.add_bar(x=list(table.index), y=table[column], showlegend=False, row=1, col=i + 1)
    fig.update_layout(
        title=wrap_title(
            "A 58-year-old woman, menopause at 50, CRP 4 mg/L, T-score -1.8: 10-year fracture probability "
            "by option (Swedish incidence, death competing)"
        )
    )
    return fig


def reproduce(out: Path, *, quick: bool = False) -> pd.DataFrame:
    """A patient's 10-year fracture probability under four options."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model = bm.load_model("inflammation")
    table = options_table(model, 2.0 if quick else 10.0)
    figure(table).write_html(out / "patient_risk.html", include_plotlyjs="cdn" if quick else True)
    population = {
        site: 100 * fracture_probability(PATIENT["age"], 10.0, "female", site) for site in ("hip", "major")
    }
    rows = []
    for label, values in table.iterrows():
        for site, column in (
            ("hip", "hip fracture, 10 y [%]"),
            ("major", "major osteoporotic fracture, 10 y [%]"),
        ):
            rows.append(
                {
                    "figure": "patient risk",
                    "quantity": f"{site} fracture probability, {label}",
                    "ours": values[column],
                    "published": "",
                    "unit": "%",
                    "source": f"no published value; the population at 58 (all BMDs): {population[site]:.2f} %",
                }
            )
    return comparison(rows)


if __name__ == "__main__":
    run_script(reproduce, "figures")
