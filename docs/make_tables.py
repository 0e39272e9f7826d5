"""Print the calibration and targets tables of docs/inflammation.md from the model itself.

python docs/make_tables.py > tables.md           # then paste the two tables into the page
python docs/make_tables.py --drugs > tables.md   # the drug tables of docs/drugs.md
"""

from __future__ import annotations

import math
import sys

from bonemodel.models import load_model
from bonemodel.models.inflammation.calibrate import CALIBRATED, DRUG_CALIBRATED, PK_CALIBRATED
from bonemodel.models.inflammation.targets import TARGETS, band_text, evaluate


def calibration_table(model, spec: dict | None = None) -> str:
    lines = [
        "| parameter | file | value | fit bounds | at a bound? |",
        "|---|---|---|---|---|",
    ]
    for name, (low, high, module) in (CALIBRATED if spec is None else spec).items():
        value = model.parameters[name].value
        span = math.log(high / low)  # within 10 % of the log-span of a bound: not identified
        near = math.log(value / low) < 0.1 * span or math.log(high / value) < 0.1 * span
        lines.append(
            f"| `{name}` | inflammation_{module}.toml | {value:.4g} | {low:g} .. {high:g} | "
            f"{'**yes**' if near else ''} |"
        )
    return "\n".join(lines)


def targets_table(model, ids: list[str] | None = None) -> str:
    table = evaluate(model, ids=ids)
    lines = [
        "| id | scenario | observable | band | ours | met |",
        "|---|---|---|---|---|---|",
    ]
    for _, r in table.iterrows():
        ours = f"{r['ours']:.3g}" if math.isfinite(r["ours"]) else "failed"
        met = "yes" if r["met"] else f"**no** ({r['missed_by']:+.3g})"
        lines.append(
            f"| {r['id']} | {r['scenario']} | {r['observable']} | {band_text(r['low'], r['high'])} {r['unit']} | {ours} | {met} |"
        )
    met = int(table["met"].sum())
    lines.append("")
    lines.append(f"{met} of {len(table)} met.")
    return "\n".join(lines)


if __name__ == "__main__":
    model = load_model("inflammation")
    if "--drugs" in sys.argv[1:]:
        merged = {
            k: v for spec in (*PK_CALIBRATED.values(), *DRUG_CALIBRATED.values()) for k, v in spec.items()
        }
        print(calibration_table(model, merged))
        print()
        print(targets_table(model, [t.id for t in TARGETS if t.stage != "core"]))
    else:
        print(calibration_table(model))
        print()
        print(targets_table(model, [t.id for t in TARGETS if t.stage == "core"]))
