"""compare(): a scenario read against its matched control (differences of %, ratios otherwise)."""

from __future__ import annotations

import numpy as np
import pytest

import bonemodel as bm
from bonemodel import scenarios as S

YEAR = 365.25


def test_compare_reports_points_for_percentages_and_ratios_for_risks():
    model = bm.load_model("inflammation")
    arm, ctrl = S.rheumatoid_arthritis("moderate") + S.ageing(), S.ageing()
    grid = [0.0, YEAR, 5 * YEAR]
    eff = bm.compare(model, 5 * YEAR, scenario=arm, control=ctrl, t_eval=grid)
    a = bm.simulate(model, 5 * YEAR, scenario=arm, t_eval=grid)
    c = bm.simulate(model, 5 * YEAR, scenario=ctrl, t_eval=grid)
    np.testing.assert_allclose(eff["bmd_hip_pct"], a["bmd_hip_pct"] - c["bmd_hip_pct"], rtol=1e-12)
    np.testing.assert_allclose(
        eff["fracture_rr_hip"], a["fracture_rr_hip"] / c["fracture_rr_hip"], rtol=1e-12
    )
    assert eff.attrs["effect"]["bmd_hip_pct"] == "difference"
    assert eff.attrs["effect"]["fracture_rr_hip"] == "ratio"
    # RA costs bone and raises risk beyond what ageing does
    assert eff["bmd_hip_pct"].iloc[-1] < -1.0 and eff["fracture_rr_hip"].iloc[-1] > 1.2


def test_compare_against_the_baseline_by_default():
    eff = bm.compare(
        "inflammation", YEAR, scenario=S.menopause(), t_eval=[0.0, YEAR], observables=["bmd_spine_pct"]
    )
    sol = bm.simulate("inflammation", YEAR, scenario=S.menopause(), t_eval=[0.0, YEAR])
    assert eff["bmd_spine_pct"].iloc[-1] == pytest.approx(sol["bmd_spine_pct"][-1], abs=1e-9)
    assert eff.attrs["control"] == "baseline"


def test_compare_aligns_default_output_grids_with_different_switch_times():
    late = S.rheumatoid_arthritis("high", start_day=100.5)
    eff = bm.compare("inflammation", 400.0, scenario=late, control=S.ageing(start_day=37.25))
    assert 100.5 in eff.index and 37.25 in eff.index
    assert np.all(np.isfinite(eff["bmd_spine_pct"]))


def test_compare_refuses_unknown_observables_and_a_missing_scenario():
    with pytest.raises(bm.SimulationError, match="did you mean 'bmd_hip_pct'"):
        bm.compare("inflammation", YEAR, scenario=S.menopause(), observables=["bmd_hip_pc"])
    with pytest.raises(bm.SimulationError, match="scenario of interest"):
        bm.compare("inflammation", YEAR, scenario=None)
