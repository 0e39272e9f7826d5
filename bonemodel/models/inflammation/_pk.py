"""Pharmacokinetic building blocks shared by the drug modules.

A subcutaneous (or oral) dose enters a depot and is absorbed into one central compartment::

    dA/dt = rate - ka A                                          (depot, amount)
    dC/dt = conv F ka A / V - k_el C - Vmax C / (Km + C)         (central, concentration)

``rate`` is the dosing input (amount/day; a scenario gives each injection as a short window),
``conv`` turns amount/volume into the concentration unit, and the Michaelis-Menten term is the
target-mediated (saturable) elimination of an antibody; leave it out with ``saturable=False``.
"""

from __future__ import annotations

import sympy as sp

from ...model import State
from ._common import S


def depot_central(
    drug: str,
    rate: str,
    *,
    amount_unit: str,
    conc_unit: str,
    conv: float = 1.0,
    saturable: bool = False,
) -> tuple[tuple[State, ...], dict[str, sp.Expr]]:
    """States ``A_<drug>`` (depot) and ``C_<drug>`` (central) and their right-hand sides.

    Parameters used: ``F_<drug>``, ``ka_<drug>``, ``V_<drug>``, ``kel_<drug>`` and, when
    ``saturable``, ``Vmax_<drug>`` and ``Km_<drug>``.
    """
    A, C = S(f"A_{drug}"), S(f"C_{drug}")
    absorbed = S(f"ka_{drug}") * A
    dC = conv * S(f"F_{drug}") * absorbed / S(f"V_{drug}") - S(f"kel_{drug}") * C
    if saturable:
        dC -= S(f"Vmax_{drug}") * C / (S(f"Km_{drug}") + C)
    states = (
        State(f"A_{drug}", 0.0, amount_unit, f"{drug}: amount in the absorption depot", f"A_{{{drug}}}"),
        State(f"C_{drug}", 0.0, conc_unit, f"{drug}: serum concentration", f"C_{{{drug}}}"),
    )
    return states, {f"A_{drug}": S(rate) - absorbed, f"C_{drug}": dC}
