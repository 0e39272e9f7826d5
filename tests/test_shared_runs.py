"""Runs read from a longer run with the same doses, segments and output times give the numbers of
their own run to the last bit: the drug targets' 12-month PTH course (D6) and figure (c) of the
drugs example are read from teriparatide courses that go on longer."""

from __future__ import annotations

import numpy as np
import pytest

import bonemodel as bm
from bonemodel import scenarios as S
from bonemodel.examples import drugs
from bonemodel.models.inflammation import drug_targets as D
from bonemodel.models.inflammation.target_base import _Runner
from bonemodel.models.inflammation.targets import BY_ID


@pytest.fixture(scope="module")
def model():
    return bm.load_model("inflammation")


@pytest.mark.slow
def test_daily_pth_target_equals_its_own_twelve_month_course(model):
    runner = _Runner(model, None)
    course = S.teriparatide(start_day=D.OP_START, stop_day=D.OP_START + D.YEAR)
    alone = D._vs_placebo(runner, "tptd_12", course, "bmd_spine_rel", 12.0, D.OP_START + D.YEAR)
    assert BY_ID["D6_daily"].compute(runner) == alone
    assert alone > 0.0  # daily injections build bone: the comparison is not of two empty numbers


@pytest.mark.slow
def test_drugs_figure_c_daily_arm_equals_its_own_run(model):
    ts, t_end = drugs.OP_START, drugs.OP_START + drugs.YEAR
    grid = drugs._pth_grid(quick=True)
    alone = drugs._run(model, S.menopause() + S.teriparatide(20.0, start_day=ts, stop_day=t_end), t_end, grid)
    runs = drugs.trial_runs(model, quick=True)
    shared = drugs.pth_pattern(model, True, runs["teriparatide"])["daily injections"]
    assert np.array_equal(shared.t, alone.t)
    assert np.array_equal(shared.y, alone.y)
    assert np.array_equal(shared.observable_values, alone.observable_values)
    # the trial's own output times are what figure (a) reads
    frames = drugs.trial_effects(model, True, runs)
    trial_grid = drugs._grid(ts, ts + 3 * drugs.YEAR, 5.0)
    assert len(frames["teriparatide"]) == int(np.sum(trial_grid >= ts))
