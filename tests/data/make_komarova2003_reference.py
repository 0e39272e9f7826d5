"""Make the Komarova 2003 reference data (tests/data/komarova2003_*.csv) without bonemodel.

Run from the repository root (needs python-libsbml, sympy, scipy, pandas)::

    python tests/data/make_komarova2003_reference.py [--models ../shared/reference-models]

What it does, independently of ``bonemodel``:

* Equations: read from the MathML of the Physiome CellML encoding ``komarova_2003.cellml``
  (dx1/dt, dx2/dt, dz/dt = k2 y2 - k1 y1 with y_i = x_i - x_i_bar if x_i > x_i_bar else 0,
  gamma, x1_bar, x2_bar), converted to sympy by the small MathML reader below. This is the
  paper's ``max`` formulation of bone mass; the SBML file's events skip the first resorption
  phase (see shared/reference-models/README.md) and are not used.
* Parameters: the CellML values (Fig. 2 legend), checked equal to BIOMD0000000148 (read with
  libsbml), whose x1_bar/x2_bar assignment rules are also checked against the CellML ones.
  The oscillating regime takes g11, k1, k2 from BIOMD0000000402 (Ayati et al. 2010, whose
  Fig. 3 reproduces Komarova's Fig. 3), all other values checked equal to the CellML ones.
* Initial state: x1 = x1_bar + 10, x2 = x2_bar, z = 100 (Ayati 2010 Figs 2-3; the CellML
  file's x1 = 10.06066 is x1_bar + 9 and BIOMD0000000148's x1 = 11 is a rounded x1_bar + 10;
  see parameters/komarova2003.toml, dx1_0).
* Integration: scipy Radau, rtol = 1e-12, atol = 1e-14 (z: 1e-12), analytic Jacobian by sympy.
  The oscillation period is located with Radau's event finder (upward crossings of
  x1 = x1_bar) over four periods.

Outputs (small CSVs, commented headers):

* komarova2003_single_cycle.csv: t, x1, x2, z every 2 days over 0..400 days;
* komarova2003_oscillating.csv: t, x1, x2, z every 2 days over 0..560 days (two periods);
* komarova2003_summary.csv: regime, quantity, value (steady state, period, bone mass extremes).
"""

from __future__ import annotations

import argparse
import xml.etree.ElementTree as ET
from pathlib import Path

import libsbml
import numpy as np
import pandas as pd
import scipy
import sympy as sp
from scipy.integrate import solve_ivp

HERE = Path(__file__).parent
MATHML = "{http://www.w3.org/1998/Math/MathML}"
CELLML = "{http://www.cellml.org/cellml/1.0#}"
PERTURBATION = 10.0  # cells above x1_bar at t = 0
RTOL = 1e-12
OSCILLATING_FROM_402 = ("g11", "k1", "k2")


# ----------------------------------------------------------------------------- CellML / MathML
def _mathml(node: ET.Element) -> sp.Expr:
    tag = node.tag.replace(MATHML, "")
    if tag == "ci":
        return sp.Symbol(node.text.strip())
    if tag == "cn":
        return sp.Float(node.text.strip())
    if tag == "piecewise":
        pieces = []
        for child in node:
            ctag = child.tag.replace(MATHML, "")
            if ctag == "piece":
                value, cond = list(child)
                pieces.append((_mathml(value), _mathml(cond)))
            elif ctag == "otherwise":
                pieces.append((_mathml(list(child)[0]), True))
        return sp.Piecewise(*pieces)
    if tag == "apply":
        op, *args = list(node)
        op = op.tag.replace(MATHML, "")
        vals = [_mathml(a) for a in args if a.tag.replace(MATHML, "") != "bvar"]
        if op == "plus":
            return sp.Add(*vals)
        if op == "minus":
            return -vals[0] if len(vals) == 1 else vals[0] - vals[1]
        if op == "times":
            return sp.Mul(*vals)
        if op == "divide":
            return vals[0] / vals[1]
        if op == "power":
            return vals[0] ** vals[1]
        if op == "gt":
            return sp.StrictGreaterThan(*vals)
        if op == "lt":
            return sp.StrictLessThan(*vals)
        if op == "diff":
            return sp.Function("d_dt")(vals[0])
        raise ValueError(f"MathML operator '{op}' not handled")
    raise ValueError(f"MathML element '{tag}' not handled")


def read_cellml(path: Path) -> tuple[dict[str, sp.Expr], dict[str, sp.Expr], dict[str, float]]:
    """ODE right-hand sides, algebraic definitions and initial values of a CellML 1.0 file."""
    root = ET.parse(path).getroot()
    for conn in root.iter(f"{CELLML}map_variables"):
        if conn.get("variable_1") != conn.get("variable_2"):
            raise ValueError("this reader assumes connected variables share their name")
    odes, algebra, initial = {}, {}, {}
    for var in root.iter(f"{CELLML}variable"):
        if var.get("initial_value") is not None:
            initial[var.get("name")] = float(var.get("initial_value"))
    for math in root.iter(f"{MATHML}math"):
        for eq in math.findall(f"{MATHML}apply"):
            _, lhs, rhs = list(eq)
            left, right = _mathml(lhs), _mathml(rhs)
            if isinstance(left, sp.Symbol):
                algebra[str(left)] = right
            else:
                odes[str(left.args[0])] = right
    return odes, algebra, initial


# ----------------------------------------------------------------------------- SBML
def sbml_parameters(path: Path) -> tuple[dict[str, float], dict[str, sp.Expr]]:
    """Constant parameter values and assignment rules of an SBML file."""
    doc = libsbml.readSBMLFromFile(str(path))
    if doc.getNumErrors(libsbml.LIBSBML_SEV_ERROR):
        raise ValueError(f"{path.name}: {doc.getErrorLog().toString()}")
    model = doc.getModel()
    values = {p.getId(): p.getValue() for p in model.getListOfParameters() if p.getConstant()}
    rules = {}
    for rule in model.getListOfRules():
        if rule.isAssignment():
            text = libsbml.formulaToL3String(rule.getMath()).replace("^", "**")
            names = {n: sp.Symbol(n) for n in ("gamma", "beta1", "beta2", "alpha1", "alpha2")}
            names |= {f"g{i}{j}": sp.Symbol(f"g{i}{j}") for i in (1, 2) for j in (1, 2)}
            rules[rule.getVariable()] = sp.parse_expr(text, local_dict=names)
    return values, rules


# ----------------------------------------------------------------------------- model
class Reference:
    """x1, x2, z equations of the CellML file with numeric parameter values substituted."""

    def __init__(self, odes, algebra, values: dict[str, float]):
        subs = {sp.Symbol(k): v for k, v in values.items()}
        resolved = {}
        for name in ("gamma", "x1_bar", "x2_bar", "y1", "y2"):
            resolved[sp.Symbol(name)] = algebra[name].xreplace(resolved).xreplace(subs)
        self.x1_bar = float(resolved[sp.Symbol("x1_bar")])
        self.x2_bar = float(resolved[sp.Symbol("x2_bar")])
        states = sp.symbols("x1 x2 z")
        exprs = [odes[str(s)].xreplace(resolved).xreplace(subs) for s in states]
        # Piecewise of a strict comparison: the one-sided derivative 0 at the kink, as H(0) = 0.
        jac = sp.Matrix(exprs).jacobian(states)
        self._f = sp.lambdify([states], exprs, "numpy")
        self._j = sp.lambdify([states], jac, "numpy")

    def rhs(self, t, y):
        return np.asarray(self._f(y), dtype=float)

    def jac(self, t, y):
        return np.asarray(self._j(y), dtype=float)

    def y0(self) -> list[float]:
        return [self.x1_bar + PERTURBATION, self.x2_bar, 100.0]

    def solve(self, t_end: float, t_eval=None, events=None):
        sol = solve_ivp(
            self.rhs,
            (0.0, t_end),
            self.y0(),
            method="Radau",
            jac=self.jac,
            rtol=RTOL,
            atol=[1e-14, 1e-12, 1e-12],
            t_eval=t_eval,
            events=events,
            dense_output=events is not None,
        )
        if sol.status != 0:
            raise RuntimeError(sol.message)
        return sol


def _frame(sol) -> pd.DataFrame:
    return pd.DataFrame({"t": sol.t, "x1": sol.y[0], "x2": sol.y[1], "z": sol.y[2]})


def _write(frame: pd.DataFrame, path: Path, header: str) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for line in header.strip().splitlines():
            fh.write(f"# {line}\n")
        frame.to_csv(fh, index=False, float_format="%.12e")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=str(HERE.parents[1].parent / "shared" / "reference-models"))
    parser.add_argument("--out", default=str(HERE))
    args = parser.parse_args()
    models, out = Path(args.models), Path(args.out)

    odes, algebra, initial = read_cellml(models / "komarova_2003.cellml")
    names = ("alpha1", "alpha2", "beta1", "beta2", "g11", "g12", "g21", "g22", "k1", "k2")
    fig2 = {n: initial[n] for n in names}
    sbml148, rules148 = sbml_parameters(models / "BIOMD0000000148_Komarova2003.xml")
    sbml402, _ = sbml_parameters(models / "BIOMD0000000402_Ayati2010_tumour.xml")
    for n in names:
        if sbml148[n] != fig2[n]:
            raise ValueError(f"{n}: CellML {fig2[n]} != BIOMD0000000148 {sbml148[n]}")
        if n not in OSCILLATING_FROM_402 and sbml402[n] != fig2[n]:
            raise ValueError(f"{n}: CellML {fig2[n]} != BIOMD0000000402 {sbml402[n]}")
    oscillating = fig2 | {n: sbml402[n] for n in OSCILLATING_FROM_402}

    summary = []
    grids = {
        "single_cycle": np.arange(0.0, 400.0 + 1e-9, 2.0),
        "oscillating": np.arange(0.0, 560.0 + 1e-9, 2.0),
    }
    for regime, values in (("single_cycle", fig2), ("oscillating", oscillating)):
        ref = Reference(odes, algebra, values)
        gamma = sp.Float(values["g12"] * values["g21"] - (1 - values["g11"]) * (1 - values["g22"]))
        subs = {sp.Symbol(k): v for k, v in values.items()} | {sp.Symbol("gamma"): gamma}
        for name, value in (("x1_bar", ref.x1_bar), ("x2_bar", ref.x2_bar)):
            sbml_value = float(rules148[name].xreplace(subs))
            if abs(sbml_value / value - 1) > 1e-14:
                raise ValueError(f"{regime} {name}: CellML {value} != SBML rule {sbml_value}")
            summary.append((regime, name, value))
        grid = grids[regime]
        sol = ref.solve(grid[-1], t_eval=grid)
        frame = _frame(sol)
        header = (
            f"Komarova 2003, regime '{regime}': equations from komarova_2003.cellml, parameters "
            f"{', '.join(f'{k}={v:g}' for k, v in values.items())}\n"
            f"x1(0) = x1_bar + {PERTURBATION:g}, x2(0) = x2_bar, z(0) = 100; scipy {scipy.__version__} Radau "
            f"rtol {RTOL:g}; made by tests/data/make_komarova2003_reference.py"
        )
        _write(frame, out / f"komarova2003_{regime}.csv", header)

        def upcross(t, y, level=ref.x1_bar):
            return y[0] - level

        upcross.direction = 1
        span = 400.0 if regime == "single_cycle" else 1100.0
        long = ref.solve(span, events=[upcross])
        fine = np.linspace(0.0, span, 200_001)
        y = long.sol(fine)
        k = int(np.argmin(y[2]))
        summary += [
            (regime, "z_min", float(y[2, k])),
            (regime, "t_z_min", float(fine[k])),
            (regime, "x1_min", float(y[0].min())),
            (regime, "x2_max", float(y[1].max())),
            (regime, "x2_min", float(y[1].min())),
        ]
        if regime == "single_cycle":
            summary += [(regime, "z_end", float(y[2, -1])), (regime, "t_end", span)]
        else:
            crossings = long.t_events[0]
            period = float(np.mean(np.diff(crossings)))
            summary += [
                (regime, "period", period),
                (regime, "period_spread", float(np.ptp(np.diff(crossings)))),
                (regime, "first_upcrossing", float(crossings[0])),
                (regime, "z_after_one_period", float(long.sol(period)[2])),
            ]
    frame = pd.DataFrame(summary, columns=["regime", "quantity", "value"])
    _write(
        frame,
        out / "komarova2003_summary.csv",
        f"Komarova 2003 reference numbers (see komarova2003_<regime>.csv); scipy {scipy.__version__} Radau "
        f"rtol {RTOL:g}, libsbml {libsbml.getLibSBMLDottedVersion()}; "
        "made by tests/data/make_komarova2003_reference.py",
    )
    print(frame.to_string(index=False))


if __name__ == "__main__":
    main()
