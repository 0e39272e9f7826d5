"""Make the Pivonka 2008 reference trajectories in tests/data (run from the repository root).

    python tests/data/make_pivonka2008_reference.py

Writes ``pivonka2008_D_OCp_x10.csv`` and ``pivonka2008_PTH_infusion.csv``: the two perturbation
experiments integrated from an independent transcription of the Physiome CellML file
``../shared/reference-models/pivonka_2008.cellml`` (component by component, with its variable
names, written from the file and not from ``bonemodel/models/pivonka2008.py``; nothing of
bonemodel is imported here).

What differs from the CellML file, and why (see parameters/pivonka2008.toml):

* parameter values: the set of the bone-models package (beta_RANKL = 168.42, R_RANKL = 2.7035e6,
  beta_OPG = 1.6249e8 and full-precision D_OB_p, K_D's, Deg_RANKL, K_A2), because the CellML
  values do not reproduce the published steady state. KD_RANKL_activate (on free RANKL, as the
  CellML file writes pi_RANKL_act) is bone-models' complex constant 4.4575 / (K_A2_RANKL * RANK),
  the same function of RANKL;
* initial state: the steady state of that set, found here by Newton's method (the CellML file
  starts OB_p at 6.194e-4, two units off in the fourth digit);
* bone volume: the CellML form dBV/dt = k_form (OB_a - OB_a_initial) - k_res (OC_a - OC_a_initial)
  with k_form = k_res OC_a_initial / OB_a_initial (instead of 1.571), so formation balances
  resorption at the steady state as in bonemodel.

Experiments: ``D_OCp_x10`` is the CellML file's own D_OC_p = 2.1e-2 for 0 < t <= 100 days
(2.1e-3 otherwise); ``PTH_infusion`` sets P_PTH_d = 1e3 pM/day for 0 < t <= 100 days. Each is
integrated with scipy's Radau (rtol 1e-12, atol 1e-20 for cells) in two pieces split at
t = 100 days, so no step crosses the switch, and written at every 5 days up to day 400.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import fsolve

OUT = Path(__file__).resolve().parent
T_SWITCH = 100.0
T_END = 400.0
TIMES = np.arange(0.0, T_END + 0.5, 5.0)

# Parameter values, by CellML component and variable name.
P = {
    "D_OB_u": 7.0e-4,
    "D_OB_p": 2.674077909527713e-1,
    "A_OB_a": 1.890e-1,
    "A_OC_a": 7.000e-1,
    "D_OC_p_base": 2.100e-3,
    "D_OC_p_step": 2.100e-2,
    "k_res": 1.0,
    "KD_TGF_repress": 1.415624253823446e-3,
    "KD_TGF_activate": 4.545454545454545e-3,
    "alpha": 1.0,
    "S_TGF_beta": 0.0,
    "Deg_TGF_beta": 1.0,
    "beta_PTH": 2.500e2,
    "Deg_PTH": 8.600e1,
    "KD_PTH_repress": 2.225814277099542e-1,
    "KD_PTH_activate": 1.500e2,
    "beta_OPG": 1.624900337835679e8,
    "beta1_OB_p_OPG": 0.0,
    "beta2_OB_a_OPG": 1.0,
    "OPG_max": 2.000e8,
    "P_OPG_d": 0.0,
    "Deg_OPG": 3.500e-1,
    "K_A2_RANKL": 3.411764705882353e-2,
    "K_A1_RANKL": 1.000e-3,
    "RANK": 1.000e1,
    "R_RANKL": 2.703476379131062e6,
    "P_RANKL_d": 0.0,
    "R1_OB_p_RANKL": 1.0,
    "R2_OB_a_RANKL": 0.0,
    "beta_RANKL": 1.684195714712206e2,
    "Deg_RANKL": 1.0132471014805027e1,
}
P["KD_RANKL_activate"] = 4.457452802710724 / (P["K_A2_RANKL"] * P["RANK"])


def algebraic(OB_p: float, OB_a: float, OC_a: float, D_OC_p: float, P_PTH_d: float) -> dict[str, float]:
    """The CellML algebraic variables (components TGF_beta, PTH, OPG, RANKL)."""
    TGF_beta = (P["alpha"] * P["k_res"] * OC_a + P["S_TGF_beta"]) / P["Deg_TGF_beta"]
    pi_TGF_beta_act = TGF_beta / (P["KD_TGF_activate"] + TGF_beta)
    pi_TGF_beta_rep = 1.0 / (1.0 + TGF_beta / P["KD_TGF_repress"])
    PTH_tot = (P["beta_PTH"] + P_PTH_d) / P["Deg_PTH"]
    pi_PTH_act = PTH_tot / (PTH_tot + P["KD_PTH_activate"])
    pi_PTH_rep = 1.0 / (1.0 + PTH_tot / P["KD_PTH_repress"])
    OPG_eff = (
        P["beta1_OB_p_OPG"] * P["beta_OPG"] * OB_p + P["beta2_OB_a_OPG"] * P["beta_OPG"] * OB_a
    ) * pi_PTH_rep
    OPG = (OPG_eff + P["P_OPG_d"]) / (OPG_eff / P["OPG_max"] + P["Deg_OPG"])
    K_RANKL_OB_p = P["R1_OB_p_RANKL"] * P["R_RANKL"]
    K_RANKL_OB_a = P["R2_OB_a_RANKL"] * P["R_RANKL"]
    RANKL_eff = (K_RANKL_OB_p * OB_p + K_RANKL_OB_a * OB_a) * pi_PTH_act
    binding = 1.0 + P["K_A1_RANKL"] * OPG + P["K_A2_RANKL"] * P["RANK"]
    RANKL = (
        (RANKL_eff / binding)
        * (P["beta_RANKL"] + P["P_RANKL_d"])
        / (P["beta_RANKL"] + P["Deg_RANKL"] * RANKL_eff)
    )
    pi_RANKL_act = RANKL / (P["KD_RANKL_activate"] + RANKL)
    return {
        "TGF_beta": TGF_beta,
        "pi_TGF_beta_act": pi_TGF_beta_act,
        "pi_TGF_beta_rep": pi_TGF_beta_rep,
        "OPG": OPG,
        "RANKL": RANKL,
        "pi_RANKL_act": pi_RANKL_act,
        "D_OC_p": D_OC_p,
    }


def cells_rhs(y, D_OC_p: float, P_PTH_d: float) -> list[float]:
    """d(OB_p, OB_a, OC_a)/dt of the CellML components OB_p, OB_a, OC_a."""
    OB_p, OB_a, OC_a = y[:3]
    a = algebraic(OB_p, OB_a, OC_a, D_OC_p, P_PTH_d)
    dOB_p = P["D_OB_u"] * a["pi_TGF_beta_act"] - P["D_OB_p"] * a["pi_TGF_beta_rep"] * OB_p
    dOB_a = P["D_OB_p"] * a["pi_TGF_beta_rep"] * OB_p - P["A_OB_a"] * OB_a
    dOC_a = a["D_OC_p"] * a["pi_RANKL_act"] - P["A_OC_a"] * a["pi_TGF_beta_act"] * OC_a
    return [dOB_p, dOB_a, dOC_a]


def steady_state() -> np.ndarray:
    """Baseline steady state of OB_p, OB_a, OC_a (pM), solved in nM so the unknowns are O(1)."""
    guess_nM = np.array([6.196e-1, 5.584e-1, 8.070e-1])
    x_nM = fsolve(lambda z: np.array(cells_rhs(z * 1e-3, P["D_OC_p_base"], 0.0)) * 1e3, guess_nM, xtol=1e-13)
    x = x_nM * 1e-3
    residual = np.max(np.abs(cells_rhs(x, P["D_OC_p_base"], 0.0)) / x)
    if residual > 1e-13:
        raise RuntimeError(f"steady state not found (relative residual {residual:.2g}/day)")
    return x


def experiment(D_OC_p_during: float, P_PTH_d_during: float, y0: np.ndarray) -> dict[str, np.ndarray]:
    """Integrate cells and bone volume with the perturbation on for 0 < t <= 100 days."""
    OB_a_initial, OC_a_initial = y0[1], y0[2]
    k_form = P["k_res"] * OC_a_initial / OB_a_initial

    def rhs(t, y, D_OC_p, P_PTH_d):
        dcells = cells_rhs(y, D_OC_p, P_PTH_d)
        dBV = k_form * (y[1] - OB_a_initial) - P["k_res"] * (y[2] - OC_a_initial)
        return dcells + [dBV]

    atol = [1e-20, 1e-20, 1e-20, 1e-14]
    start = np.concatenate([y0, [100.0]])
    pieces = [
        (0.0, T_SWITCH, D_OC_p_during, P_PTH_d_during),
        (T_SWITCH, T_END, P["D_OC_p_base"], 0.0),
    ]
    t_all, y_all = [], []
    for a, b, D_OC_p, P_PTH_d in pieces:
        t_eval = np.union1d(TIMES[(TIMES >= a) & (TIMES <= b)], [b])
        sol = solve_ivp(
            rhs, (a, b), start, method="Radau", t_eval=t_eval, rtol=1e-12, atol=atol, args=(D_OC_p, P_PTH_d)
        )
        if not sol.success:
            raise RuntimeError(sol.message)
        start = sol.y[:, -1]
        keep = sol.t < b if b < T_END else np.ones(sol.t.size, dtype=bool)  # t = b opens the next piece
        t_all.append(sol.t[keep])
        y_all.append(sol.y[:, keep])
    t = np.concatenate(t_all)
    y = np.concatenate(y_all, axis=1)
    # Algebraic outputs at each time, with the perturbation that applies there (on for 0 < t <= 100).
    on = (t > 0) & (t <= T_SWITCH)
    rankl, opg = [], []
    for k in range(t.size):
        a = algebraic(
            *y[:3, k],
            D_OC_p_during if on[k] else P["D_OC_p_base"],
            P_PTH_d_during if on[k] else 0.0,
        )
        rankl.append(a["RANKL"])
        opg.append(a["OPG"])
    return {
        "t": t,
        "OBp": y[0],
        "OBa": y[1],
        "OCa": y[2],
        "BV": y[3],
        "RANKL": np.array(rankl),
        "OPG": np.array(opg),
    }


def write(name: str, data: dict[str, np.ndarray], header: str) -> None:
    cols = list(data)
    table = np.column_stack([data[c] for c in cols])
    path = OUT / f"pivonka2008_{name}.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(f"# {header}\n# made by tests/data/make_pivonka2008_reference.py\n")
        fh.write(",".join(cols) + "\n")
        for row in table:
            fh.write(",".join(f"{v:.12e}" for v in row) + "\n")
    print(f"wrote {path} ({len(table)} rows)")


def main() -> None:
    y0 = steady_state()
    print("steady state OB_p, OB_a, OC_a [pM]:", ", ".join(f"{v:.16e}" for v in y0))
    write(
        "D_OCp_x10",
        experiment(P["D_OC_p_step"], 0.0, y0),
        "Pivonka 2008 CellML transcription, D_OC_p = 2.1e-2 pM/day for 0 < t <= 100 d; units pM, BV %",
    )
    write(
        "PTH_infusion",
        experiment(P["D_OC_p_base"], 1.0e3, y0),
        "Pivonka 2008 CellML transcription, P_PTH_d = 1e3 pM/day for 0 < t <= 100 d; units pM, BV %",
    )


if __name__ == "__main__":
    main()
