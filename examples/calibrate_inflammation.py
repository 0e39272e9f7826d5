"""Inflammation model: the calibration of its free gains to the clinical targets' bands.

By default (``bonemodel reproduce``) the script evaluates the stored calibration -- the
parameter files' values -- against every target, and runs a short refit check: a bounded
least-squares refit (:func:`bonemodel.models.inflammation.calibrate.calibrate`, seeded and
deterministic) of the :data:`CHECK` gains, a few evaluations only, starting from the files'
values. If the files hold the calibration, the refit moves these gains little and does not
lower the cost much; the table reports each refitted value beside the file's, and the costs.
The full refit of every calibrated gain takes about a minute and is opt-in (``--refit``, or
``reproduce(..., refit=True)``); it prints the values to put into
``parameters/inflammation_*.toml``::

    python examples/calibrate_inflammation.py --out figures --refit

With ``quick`` (and in the test suite) it only evaluates the targets at the files' values.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from scipy.optimize import least_squares

from bonemodel.models import load_model
from bonemodel.models.inflammation.calibrate import CALIBRATED, _residuals, calibrate
from bonemodel.models.inflammation.targets import TARGETS, evaluate
from bonemodel.report import comparison, run_script

CHECK = ("a_RA", "c_RANKL")
"""Gains refitted by the short check: the RA activation and the cytokine coupling to RANKL,
the two gains through which inflammation reaches bone in the core targets."""

CHECK_NFEV = 5
"""Cost evaluations of the short refit check (each evaluates the core targets, ~0.3 s)."""


def refit_check(model, names: tuple[str, ...], *, max_nfev: int) -> dict:
    """Refit ``names`` to the core targets from the files' values, a few evaluations only.

    The same cost as :func:`~bonemodel.models.inflammation.calibrate.calibrate` (its residuals,
    bounds and step), restricted to the core targets the calibration fits, so that each
    evaluation costs a fraction of a second.

    Returns
    -------
    dict
        ``values`` (refitted), ``cost`` and ``stored_cost`` (at the files' values), ``nfev``,
        and ``table`` (the core targets at the files' values).
    """
    targets = [t for t in TARGETS if t.calibrated and t.stage == "core"]
    ids = [t.id for t in targets]
    lo = np.log([CALIBRATED[n][0] for n in names])
    hi = np.log([CALIBRATED[n][1] for n in names])

    def fun(z: np.ndarray) -> np.ndarray:
        return _residuals(evaluate(model, dict(zip(names, np.exp(z))), ids=ids), targets)

    x0 = np.clip(np.log([model.parameters[n].value for n in names]), lo + 1e-9, hi - 1e-9)
    table = evaluate(model, ids=ids)
    stored = 0.5 * float(np.sum(_residuals(table, targets) ** 2))
    res = least_squares(fun, x0, bounds=(lo, hi), method="trf", diff_step=1e-3, max_nfev=max_nfev)
    values = {n: float(v) for n, v in zip(names, np.exp(res.x))}
    return {
        "values": values,
        "cost": float(res.cost),
        "stored_cost": stored,
        "nfev": res.nfev,
        "table": table,
    }


def reproduce(out: Path, *, quick: bool = False, refit: bool = False) -> pd.DataFrame:
    """Evaluate the stored calibration with a short refit check (or the full refit) and write
    ``inflammation_calibration.html``.

    Parameters
    ----------
    out
        Folder for the figure.
    quick
        Only evaluate the targets at the files' values (no refit).
    refit
        Refit every calibrated gain (about a minute) instead of the short check.

    Returns
    -------
    pandas.DataFrame
        Comparison rows: fitted (or refitted) values beside the files', targets met, costs.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model = load_model("inflammation")
    filed = {n: model.parameters[n].value for n in CALIBRATED}
    extra: list[dict] = []
    if quick:
        fitted, table, cost, names = dict(filed), evaluate(model), np.nan, list(CALIBRATED)
    elif refit:
        cal = calibrate(model, max_nfev=60)
        fitted, table, cost, names = cal.values, cal.table, cal.cost, list(CALIBRATED)
        print(cal.toml_snippets())
    else:
        check = refit_check(model, CHECK, max_nfev=CHECK_NFEV)
        fitted, table, cost, names = (
            {**filed, **check["values"]},
            check["table"],
            check["cost"],
            list(CALIBRATED),
        )
        extra += [
            {
                "figure": "calibration",
                "quantity": f"cost of the core targets after the refit check of {', '.join(CHECK)}",
                "ours": check["cost"],
                "published": check["stored_cost"],
                "unit": "1",
                "source": f"stored calibration (published column); {check['nfev']} cost evaluations",
            },
        ]

    label = "file value / file" if quick else "fitted / file" if refit else "refit check / file"
    fig = go.Figure(go.Bar(x=names, y=[fitted[n] / filed[n] for n in names], name=label))
    fig.add_hline(y=1.0, line_dash="dot")
    fig.update_layout(
        title=f"Calibrated gains: {label} ({int(table['met'].sum())} of {len(table)} targets met"
        + (f", cost {cost:.3g})" if np.isfinite(cost) else ", evaluation only)")
        + ("" if refit or quick else f"; short refit check of {', '.join(CHECK)}"),
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
            "source": "parameter file value (calibrated)"
            + ("" if quick or refit or n in CHECK else "; not refitted by the check"),
        }
        for n in names
    ]
    rows += extra
    rows.append(
        {
            "figure": "calibration",
            "quantity": "targets met" if quick or refit else "core targets met (the calibration's targets)",
            "ours": float(table["met"].sum()),
            "published": float(len(table)),
            "unit": "count",
            "source": "clinical-targets.md",
        }
    )
    return comparison(rows)


if __name__ == "__main__":
    import sys

    full = "--refit" in sys.argv
    if full:
        sys.argv.remove("--refit")
    run_script(functools.partial(reproduce, refit=full), "figures")
