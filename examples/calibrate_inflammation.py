"""Inflammation model: the calibration of its free gains to the clinical targets' bands.

Runs :func:`bonemodel.models.inflammation.calibrate.calibrate` (bounded least squares, seeded,
deterministic; writes nothing) starting from the parameter files' values, and compares each fitted
value with the one in the file (they agree when the files are up to date). With ``quick`` (and in
the test suite) it only evaluates the targets at the files' values, which is fast. Run directly to
print the values to put into ``parameters/inflammation_*.toml``::

    python examples/calibrate_inflammation.py --out figures
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from bonemodel.models import load_model
from bonemodel.models.inflammation.calibrate import CALIBRATED, calibrate
from bonemodel.models.inflammation.targets import evaluate
from bonemodel.report import comparison, run_script


def reproduce(out: Path, *, quick: bool = False) -> pd.DataFrame:
    """Fit (or, with ``quick``, only evaluate) and write ``inflammation_calibration.html``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model = load_model("inflammation")
    filed = {n: model.parameters[n].value for n in CALIBRATED}
    if quick:
        fitted, table, cost = dict(filed), evaluate(model), np.nan
    else:
        cal = calibrate(model, max_nfev=60)
        fitted, table, cost = cal.values, cal.table, cal.cost
        print(cal.toml_snippets())
    names = list(CALIBRATED)
    fig = go.Figure(go.Bar(x=names, y=[fitted[n] / filed[n] for n in names], name="fitted / file"))
    fig.add_hline(y=1.0, line_dash="dot")
    fig.update_layout(
        title=f"Calibrated gains: fitted / parameter-file value ({int(table['met'].sum())} of {len(table)} targets met"
        + (f", cost {cost:.3g})" if np.isfinite(cost) else ", evaluation only)"),
        yaxis_type="log",
        template="plotly_white",
        width=900,
        height=450,
    )
    fig.write_html(out / "inflammation_calibration.html", include_plotlyjs="cdn" if quick else True)
    rows = [
        {
            "figure": "calibration",
            "quantity": f"{n} (parameters/inflammation_{CALIBRATED[n][2]}.toml)",
            "ours": fitted[n],
            "published": filed[n],
            "unit": model.parameters[n].unit,
            "source": "parameter file value (calibrated)",
        }
        for n in names
    ]
    rows.append(
        {
            "figure": "calibration",
            "quantity": "targets met",
            "ours": float(table["met"].sum()),
            "published": float(len(table)),
            "unit": "count",
            "source": "clinical-targets.md",
        }
    )
    return comparison(rows)


if __name__ == "__main__":
    run_script(reproduce, "figures")
