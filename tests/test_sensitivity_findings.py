"""Published sensitivity findings, reproduced as numbers (the ``sensitivity_*`` example scripts).

Lemaire 2004: the preosteoblast pool (``D_R``) is the lever of bone formation. Pivonka 2008:
with RANKL on precursor osteoblasts and OPG from active osteoblasts, each perturbation moves
bone in the expected direction. Thesis study: which factors control 10-year BMD loss in RA and
in menopause in the flagship model.
"""

from __future__ import annotations

import numpy as np
import pytest

import bonemodel as bm
from bonemodel import sensitivity
from bonemodel.examples import sensitivity_inflammation as flagship
from bonemodel.examples import sensitivity_lemaire2004 as lemaire
from bonemodel.examples import sensitivity_pivonka2008 as pivonka
from bonemodel.examples.pivonka2008 import EXPECTED_BV


def _order(frame, output, index):
    sub = frame[(frame["output"] == output) & (frame["index"] == index)]
    return sub.reindex(sub["value"].abs().sort_values(ascending=False).index)["parameter"].tolist()


@pytest.fixture(scope="module")
def lemaire_steady():
    return lemaire.steady_findings()


@pytest.fixture(scope="module")
def pivonka_steady():
    return sensitivity.wide(pivonka.steady_findings(), "steady")


# ------------------------------------------------------------------ Lemaire 2004


def test_precursor_supply_is_the_strongest_lever_of_the_formation_resorption_balance(lemaire_steady):
    assert _order(lemaire_steady, lemaire.BALANCE, "steady")[0] == "D_R"


def test_precursor_supply_raises_formation_one_to_one_and_leaves_resorption_nearly_unchanged(lemaire_steady):
    coef = sensitivity.wide(lemaire_steady, "steady")
    # B* = D_R pi_C / k_B and pi_C barely moves: the elasticity is ~1.
    assert coef.loc["D_R", "B"] == pytest.approx(1.016, abs=0.01)
    assert abs(coef.loc["D_R", "C"]) < 0.05


def test_anabolic_lever_beats_anti_resorptive_lever_because_of_coupling(lemaire_steady):
    coef = sensitivity.wide(lemaire_steady, "steady")
    # Fewer osteoclasts mean less TGF-beta and fewer active osteoblasts (coupling) ...
    assert coef.loc["D_C", "B"] > 0.2
    # ... so a percent of D_R moves the balance ~6x more than a percent cut of D_C.
    ratio = coef.loc["D_R", lemaire.BALANCE] / -coef.loc["D_C", lemaire.BALANCE]
    assert ratio == pytest.approx(5.88, rel=0.02)


def test_morris_screen_over_the_file_ranges_ranks_precursor_supply_first():
    frame = lemaire.morris_findings(n=6)
    assert _order(frame, lemaire.BALANCE, "mu_star")[0] == "D_R"
    sub = frame[(frame["output"] == lemaire.BALANCE) & (frame["parameter"] == "D_R")].set_index("index")[
        "value"
    ]
    assert sub["mu"] == pytest.approx(sub["mu_star"])  # monotone increasing over the whole range


# ------------------------------------------------------------------ Pivonka 2008


def test_rankl_on_precursors_raises_and_opg_from_active_osteoblasts_lowers_osteoclasts(pivonka_steady):
    assert pivonka_steady.loc[pivonka.RANKL_ON_OBP, "OCa"] == pytest.approx(0.1489, abs=2e-3)
    assert pivonka_steady.loc[pivonka.OPG_FROM_OBA, "OCa"] == pytest.approx(-0.4047, abs=2e-3)
    # Maturation turns RANKL sources into OPG sources: fewer osteoclasts.
    assert pivonka_steady.loc["D_OBp", "OCa"] < 0
    assert pivonka_steady.loc["D_OBp", "OBp"] < 0


def test_bone_volume_coefficients_have_the_sign_of_every_perturbation_experiment():
    frame = pivonka.bone_volume_findings().set_index("parameter")["value"]
    signs = {p: int(np.sign(frame[p])) for p in pivonka.EXPERIMENT_PARAMETER.values()}
    expected = {p: EXPECTED_BV[e] for e, p in pivonka.EXPERIMENT_PARAMETER.items()}
    assert signs == expected


def test_rankl_opg_expression_rates_are_not_the_dominant_factors_of_osteoclasts():
    frame = pivonka.morris_findings(n=6)
    order = _order(frame, f"OCa@{pivonka.T_BV:g}", "mu_star")
    assert order.index(pivonka.RANKL_ON_OBP) >= 10
    assert order.index(pivonka.OPG_FROM_OBA) >= 5


# ------------------------------------------------------------------ thesis study


@pytest.fixture(scope="module")
def inflammation():
    return bm.load_model("inflammation")


@pytest.mark.parametrize(
    "factors", [flagship.RA_FACTORS, flagship.MENOPAUSE_FACTORS], ids=["RA", "menopause"]
)
def test_global_factors_leave_the_healthy_steady_state_unchanged(inflammation, factors):
    assert flagship.healthy_drift(inflammation, flagship.resolve_factors(inflammation, factors)) < 1e-6


@pytest.mark.slow
def test_disease_activity_and_estrogen_effects_on_osteoblasts_lead_the_local_analysis(inflammation):
    ra = flagship.local_attributable(inflammation, bm.scenarios.rheumatoid_arthritis(activity="high"))
    spine = ra[ra["output"] == "bmd_spine_pct@3650"].set_index("parameter")["value"]
    factors = [p for p in _order(ra, "bmd_spine_pct@3650", "local") if p in flagship.RA_FACTORS]
    # disease activity and the spine's trabecular share (how much of it turns over fast) lead, tied
    assert set(factors[:2]) == {"a_RA", "f_spine_trab"}
    assert spine["a_RA"] > 0 and spine["f_spine_trab"] > 0  # more activity or trabecular bone: deeper loss
    meno = flagship.local_attributable(inflammation, bm.scenarios.menopause())
    spine = meno[meno["output"] == "bmd_spine_pct@3650"].set_index("parameter")["value"]
    assert _order(meno, "bmd_spine_pct@3650", "local")[0] == "e_OBa"
    assert spine["e_OBa"] > 0 > spine["e_OBu"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("study", "leaders"),
    [("RA", {"a_RA"}), ("menopause", {"e_OBa", "e_OBu"})],
)
def test_sobol_total_indices_rank_the_disease_drivers_first(inflammation, study, leaders):
    make, spec = flagship.STUDIES[study]
    factors = flagship.resolve_factors(inflammation, spec)
    _, sobol, values = flagship.global_study(inflammation, make(), factors, n_morris=4, n_sobol=32)
    order = _order(sobol, "bmd_spine_pct@3650", "ST")
    assert set(order[: len(leaders)]) == leaders
    s1 = sobol[(sobol["output"] == "bmd_spine_pct@3650") & (sobol["index"] == "S1")]["value"].sum()
    assert 0.6 < s1 < 1.2  # nearly additive on these ranges
    assert np.all(np.isfinite(values.to_numpy()))
