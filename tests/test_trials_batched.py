"""The batched trial engine: same rows as one simulate run per person, streaming, resume, Dask."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import bonemodel as bm
from bonemodel.errors import ScenarioError, SimulationError
from bonemodel.scenario import Scenario, Window
from bonemodel.trials.patient import YEAR, Patient, _history_end

T_END = 2 * YEAR
ENDPOINTS = ["bmd_hip_pct@365.25", "bmd_spine_pct@730.5", "bmd_hip_pct@400", "fracture_prob_hip@500"]
VALUES = [*ENDPOINTS, "fracture_prob_hip", "fracture_prob_major"]
BMD_TOLERANCE_PP = 0.01
"""Largest difference of a BMD endpoint [percentage points] between the engines."""
PROB_TOLERANCE_REL = 1e-3
"""Largest relative difference of a fracture probability between the engines."""


def _mixed() -> pd.DataFrame:
    """Women and men aged 50-85: CRP, conditions, T-scores, calcium, menopause still to come."""
    people = [
        Patient(age=62.3, menopause_age=50.0, crp_mg_l=4.0),
        Patient(
            sex="male", age=71.2, conditions=("type2_diabetes",), calcium_mg_day=600.0, menopause_age=None
        ),
        Patient(age=50.5, menopause_age=53.0, bmd_t_score=-1.5),  # menopause during the run
        Patient(age=84.0, menopause_age=45.0, conditions=("rheumatoid_arthritis",), condition_years=30.0),
        Patient(age=66.0, bmd_t_score_hip=-2.2, bmd_t_score_spine=-2.8, calcium_mg_day=1200.0),
        Patient(sex="male", age=58.0, menopause_age=None, crp_mg_l=2.5, bmd_t_score=-0.5),
        Patient(age=75.0, menopause_age=55.0, conditions=("metabolic_syndrome",), crp_mg_l=None),
        Patient(age=66.0),  # the same history as the person above it but one: shares pieces
    ]
    if "turnover" in Patient.__dataclass_fields__:  # people with their own parameter values
        people.append(Patient(age=70.0, menopause_age=50.0, bmd_t_score=-2.0, turnover=1.6))
    return pd.DataFrame({"patient": people, "age": [p.age for p in people], "sex": [p.sex for p in people]})


ARMS = {"placebo": None, "denosumab": bm.scenarios.denosumab()}


@pytest.fixture(scope="module")
def model():
    return bm.load_model("inflammation")


@pytest.fixture(scope="module")
def both(model):
    pop = _mixed()
    batched = bm.trial(model, pop, ARMS, T_END, ENDPOINTS, method="batch")
    reference = bm.trial(model, pop, ARMS, T_END, ENDPOINTS, method="simulate")
    return batched, reference


def test_batched_trial_agrees_with_simulate_per_person(both):
    batched, reference = both
    b, r = batched.frame, reference.frame
    assert (b["status"] == "success").all()
    assert b[["arm", "person", "age", "sex"]].equals(r[["arm", "person", "age", "sex"]])
    for e in ENDPOINTS[:3]:
        assert np.abs(b[e] - r[e]).max() < BMD_TOLERANCE_PP, e
    for e in ("fracture_prob_hip@500", "fracture_prob_hip", "fracture_prob_major"):
        assert (np.abs(b[e] / r[e] - 1.0)).max() < PROB_TOLERANCE_REL, e
    # the engines agree on what differs between people and arms, not only on averages
    placebo = b[b.arm == "placebo"]["bmd_hip_pct@365.25"].to_numpy()
    assert np.ptp(placebo) > 20 * BMD_TOLERANCE_PP
    table, ref = batched.summary(), reference.summary()
    assert table.loc["denosumab", "hip HR"] == pytest.approx(ref.loc["denosumab", "hip HR"], rel=1e-3)


def test_batched_histories_are_those_of_simulate(model):
    from bonemodel.compile import compile_model
    from bonemodel.simulate import simulate
    from bonemodel.trials.batched import make_plan

    people = list(_mixed()["patient"])
    plan = make_plan(model, {"a": None}, YEAR, [], [], {}, [], rtol=1e-6, atol=1e-10, method="numpy")
    from bonemodel.trials.history_batch import history_end_states

    ends, why = history_end_states(model, plan.integrator, people, {})
    assert why == [""] * len(people)
    names = compile_model(model).state_names
    for i in (0, 2, 3):
        ref = np.array([_history_end(model, people[i], {}, simulate)[n] for n in names])
        assert np.allclose(ends[:, i], ref, rtol=2e-5, atol=1e-9), i


def test_pieces_shared_by_people_are_integrated_once(model):
    from bonemodel.trials import history_batch as hb
    from bonemodel.trials.batched import make_plan

    plan = make_plan(model, {"a": None}, YEAR, [], [], {}, [], rtol=1e-6, atol=1e-10, method="numpy")
    calls = []
    integrator = plan.integrator

    class Counting(hb.Integrator):
        def solve(self, P, y0, span, times):
            calls.append(P.shape[1])
            return super().solve(P, y0, span, times)

    counting = Counting(integrator.compiled, "numpy", integrator.rtol, integrator.atol)
    people = [Patient(age=a, menopause_age=m) for a, m in ((60.0, 50.0), (61.5, 51.0), (63.0, 52.0))]
    ends, _ = hb.history_end_states(model, counting, people, {})
    # piece 1 (30 years to the menopause) is one member read at three ages; piece 2 starts from
    # three states: three members in one call
    assert calls == [1, 3]
    alone, _ = hb.history_end_states(model, integrator, people[1:2], {})
    # read from the dense output or at the end of the last step: equal within the tolerances
    assert np.allclose(ends[:, 1], alone[:, 0], rtol=1e-5, atol=1e-10)


@pytest.fixture(scope="module")
def streamed(model, tmp_path_factory):
    folder = tmp_path_factory.mktemp("trial") / "out"
    result = bm.trial(model, _mixed(), ARMS, T_END, ENDPOINTS, out=str(folder), workers=1, chunk_size=3)
    return result, folder


def test_trial_streams_to_parquet_and_resumes(model, streamed, both):
    batched, _ = both
    result, folder = streamed
    pop, kw = _mixed(), {"workers": 1, "chunk_size": 3}
    assert result._frame is None and result.meta["chunks_run"] == 3
    # the summary is accumulated from the folder a chunk at a time, without loading the rows
    summary = result.summary()
    assert result._frame is None
    rows = result.frame
    pd.testing.assert_frame_equal(summary, result.summary(), rtol=1e-12)
    # other chunks, other ends of the solver's last step: equal within the tolerances. A % change
    # column is 100 (x / x0 - 1), so the solver's relative tolerance on x (1e-6) is 1e-4 points there
    pct = [c for c in rows.columns if "_pct@" in c]
    assert pct
    pd.testing.assert_frame_equal(rows[pct], batched.frame[pct], check_exact=False, rtol=1e-5, atol=1e-4)
    rest = [c for c in rows.columns if c not in pct]
    pd.testing.assert_frame_equal(rows[rest], batched.frame[rest], check_exact=False, rtol=1e-5, atol=1e-8)
    with pytest.raises(SimulationError, match="resume=True"):
        bm.trial(model, pop, ARMS, T_END, ENDPOINTS, out=str(folder), **kw)
    (folder / "chunks" / "chunk-000001.parquet").unlink()
    with pytest.raises(SimulationError, match="chunk 1 is missing"):
        bm.TrialResult(None, list(ARMS), ENDPOINTS, T_END, out=str(folder)).summary()
    again = bm.trial(model, pop, ARMS, T_END, ENDPOINTS, out=str(folder), resume=True, **kw)
    assert again.meta["chunks_run"] == 1
    pd.testing.assert_frame_equal(again.frame, rows, check_exact=True)
    other = pop.iloc[::-1].reset_index(drop=True)
    with pytest.raises(SimulationError, match="different sweep"):
        bm.trial(model, other, ARMS, T_END, ENDPOINTS, out=str(folder), resume=True, **kw)


def test_streamed_summary_equals_the_summary_of_all_rows():
    from bonemodel.trials.summary import summarize

    rng = np.random.default_rng(4)
    n = 5000
    frame = pd.DataFrame(
        {
            "arm": rng.choice(["a", "b"], n),
            "x": rng.normal(1e4, 2.0, n),  # a large mean: a naive sum of squares would lose digits
            "fracture_prob_hip": rng.uniform(0, 0.05, n),
            "fracture_prob_major": rng.uniform(0, 0.2, n),
            "status": np.where(rng.uniform(size=n) < 0.01, "failed: x", "success"),
        }
    )
    whole = summarize([frame], ["a", "b"], ["x"], 3652.5, responder={"x": 1e4})
    pieces = summarize(
        [frame.iloc[s : s + 333] for s in range(0, n, 333)], ["a", "b"], ["x"], 3652.5, responder={"x": 1e4}
    )
    pd.testing.assert_frame_equal(whole, pieces, rtol=1e-12)
    ok = frame[(frame.status == "success") & (frame.arm == "b")]
    assert whole.loc["b", "n"] == len(ok)
    assert whole.loc["b", "failed"] == ((frame.status != "success") & (frame.arm == "b")).sum()
    assert whole.loc["b", "x sd"] == pytest.approx(ok.x.std(ddof=1), rel=1e-12)
    assert whole.loc["b", "x responders"] == pytest.approx((ok.x > 1e4).mean())
    half = 1.96 * ok.x.std(ddof=1) / math.sqrt(len(ok))
    assert whole.loc["b", "x ci_high"] == pytest.approx(ok.x.mean() + half, rel=1e-12)


def test_sweep_chunk_takes_members_own_start_states(model):
    from bonemodel.compile import compile_model
    from bonemodel.sweep import build_plan, member_vectors, run_chunk

    table = pd.DataFrame({"load_person": [1.0, 1.2]})
    plan = build_plan(model, table, t_end=365.0, outputs=["V_trab@365", "bmd_hip_pct@365"])
    plan.method = "numpy"
    values = table.to_numpy()
    plain = run_chunk(plan, (0, values))
    P, seg_P, _ = member_vectors(plan, values)
    y0 = compile_model(model).initial(P[:, 0])[:, None].repeat(2, axis=1)
    same = run_chunk(plan, (0, values, y0, seg_P))
    pd.testing.assert_frame_equal(plain, same, check_exact=True)
    y0[compile_model(model).state_names.index("V_trab"), 1] *= 0.8
    own = run_chunk(plan, (0, values, y0))
    assert own["V_trab@365"].iloc[0] == plain["V_trab@365"].iloc[0]
    assert own["V_trab@365"].iloc[1] < 0.9 * plain["V_trab@365"].iloc[1]


@pytest.mark.parametrize(
    "change, words",
    [
        (
            {"arms": {"x": Scenario("bad", windows=[Window("no_such_input", 0.0, 10.0, 1.0)])}},
            "cannot be applied",
        ),
        ({"arms": {"x": Scenario("bad", {"k_nothing": 1.0})}}, "cannot be applied"),
        ({"arms": {"x": bm.scenarios.dietary_calcium(500.0)}}, "cannot be applied"),
        ({"arms": {"x": "denosumab"}}, "not a Scenario"),
        ({"endpoints": ["bmd_knee_pct@100"]}, "unknown endpoint"),
        ({"method": "fast"}, "unknown trial method"),
        ({"method": "simulate", "out": "somewhere"}, "takes no out"),
        ({"resume": True}, "needs out="),
        ({"workers": 0}, "workers"),
        ({"population": pd.DataFrame({"patient": [Patient(age=60.0)], "arm": ["x"]})}, "result columns"),
        ({"population": pd.DataFrame({"patient": []})}, "no people"),
    ],
)
def test_batched_trial_refuses_bad_input_before_running(change, words, monkeypatch):
    import bonemodel.trials.batched as batched

    def never(*args, **kwargs):
        raise AssertionError("the trial ran")

    monkeypatch.setattr(batched, "run_batched", never)
    people = [Patient(age=60.0, calcium_mg_day=900.0)]
    kwargs = {
        "population": pd.DataFrame({"patient": people}),
        "arms": {"placebo": None},
        "endpoints": ["bmd_hip_pct@365.25"],
    }
    kwargs.update(change)
    with pytest.raises(ScenarioError, match=words):
        bm.trial("inflammation", t_end=YEAR, **kwargs)


@pytest.mark.slow
def test_trial_on_a_dask_cluster_equals_local(model, streamed):
    distributed = pytest.importorskip("dask.distributed")
    local = streamed[0].frame
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = bm.trial(model, _mixed(), ARMS, T_END, ENDPOINTS, client=client, chunk_size=3)
    assert on_dask.meta["executor"] == "dask" and on_dask.meta["chunks_run"] == 3
    pd.testing.assert_frame_equal(on_dask.frame, local, check_exact=True)


def test_batched_absolute_risk_is_that_of_one_run(model):
    from bonemodel.simulate import simulate
    from bonemodel.trials.risk import RISK_COLUMNS, absolute_risk, reference_risk
    from bonemodel.trials.risk_batch import absolute_risk_batch

    rng = np.random.default_rng(3)
    t = np.append(np.arange(0.0, 5 * YEAR, YEAR / 12.0), 5 * YEAR)
    ages = np.array([52.0, 67.5, 88.0])
    rr_hip = np.exp(rng.normal(0.5, 0.3, (3, t.size)))
    rr_vert = np.exp(rng.normal(0.4, 0.3, (3, t.size)))
    for sex in ("female", "male"):
        reference = reference_risk(model, sex, simulate, {})
        batch = absolute_risk_batch(t, rr_hip, rr_vert, ages, sex, reference)
        for b, age in enumerate(ages):
            one = absolute_risk(
                t, rr_hip[b], rr_vert[b], Patient(sex=sex, age=age, menopause_age=None), reference
            )
            for name in RISK_COLUMNS:
                np.testing.assert_allclose(batch[name][b], one[name], rtol=1e-12, atol=0)


def test_auto_method_runs_small_trials_through_simulate(model):
    pop = _mixed().iloc[:2]
    small = bm.trial(model, pop, {"placebo": None}, YEAR, ["bmd_hip_pct@365.25"])
    assert small.meta["method"] == "simulate"
    batched = bm.trial(model, pop, {"placebo": None}, YEAR, ["bmd_hip_pct@365.25"], workers=1)
    assert batched.meta["method"] == "batch"
    assert (
        np.abs(batched.frame["bmd_hip_pct@365.25"] - small.frame["bmd_hip_pct@365.25"]).max()
        < BMD_TOLERANCE_PP
    )


CLI_FILE = """
[population]
n = 3
seed = 1
age = [62.0, 70.0]

[trial]
t_end_days = 365.25
endpoints = ["bmd_hip_pct@365.25"]
workers = 1

[arms.placebo]
"""


def test_trial_command_streams_chunks_and_resumes(tmp_path, capsys):
    from bonemodel.cli import main

    config = tmp_path / "trial.toml"
    config.write_text(CLI_FILE)
    out = tmp_path / "res"
    assert main(["trial", str(config), "--out", str(out)]) == 0
    chunks = sorted((out / "trial_chunks" / "chunks").glob("chunk-*.parquet"))
    assert len(chunks) == 1
    first = pd.read_csv(out / "trial_people.csv")
    assert len(first) == 3 and (first["status"] == "success").all()
    # a second run into the same folder is refused unless it resumes; resuming computes nothing
    assert main(["trial", str(config), "--out", str(out)]) == 2
    assert "--resume" in capsys.readouterr().err
    stamp = chunks[0].stat().st_mtime_ns
    assert main(["trial", str(config), "--out", str(out), "--resume", "--workers", "1"]) == 0
    assert chunks[0].stat().st_mtime_ns == stamp
    pd.testing.assert_frame_equal(pd.read_csv(out / "trial_people.csv"), first)


@pytest.mark.parametrize(
    "text, args, words",
    [
        (CLI_FILE.replace("workers = 1", "workers = 0"), [], "workers must be"),
        (CLI_FILE.replace("workers = 1", 'resume = "yes"'), [], "resume must be"),
        (CLI_FILE, ["--resume"], "needs --out"),
        (CLI_FILE, ["--workers", "0"], "--workers"),
        (
            CLI_FILE.replace(
                "[arms.placebo]", '[arms.placebo]\nscenarios = [{ name = "denosumab", dose_mg = -1.0 }]'
            ),
            [],
            "dose",
        ),
    ],
)
def test_trial_command_refuses_bad_settings_before_running(tmp_path, capsys, monkeypatch, text, args, words):
    import bonemodel.trials.batched as batched
    from bonemodel.cli import main

    def never(*a, **k):
        raise AssertionError("the trial ran")

    monkeypatch.setattr(batched, "run_batched", never)
    config = tmp_path / "trial.toml"
    config.write_text(text)
    assert main(["trial", str(config), *args]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_batched_trial_does_not_touch_simulates_history_memo(model, monkeypatch):
    """Batched history ends are not simulate's: they must not be read from or put into its memo."""
    import bonemodel.trials.patient as patient

    def refuse(*args, **kwargs):
        raise AssertionError("the batched engine went through patient.start / _history_end")

    monkeypatch.setattr(patient, "_history_end", refuse)
    monkeypatch.setattr(patient, "start", refuse)
    result = bm.trial(
        model, _mixed().iloc[:3], {"placebo": None}, YEAR, ["bmd_hip_pct@365.25"], method="batch"
    )
    assert (result.frame["status"] == "success").all()


def test_a_failed_history_keeps_its_row_and_is_left_out_of_the_summary(model, monkeypatch):
    from bonemodel.trials import history_batch as hb

    solve = hb.Integrator.solve

    def second_member_fails(self, P, y0, span, times):
        y = solve(self, P, y0, span, times)
        if P.shape[1] > 1:
            y[:, 1, :] = np.nan
        return y

    monkeypatch.setattr(hb.Integrator, "solve", second_member_fails)
    people = [Patient(age=60.0, menopause_age=50.0), Patient(age=62.0, menopause_age=52.0)]
    pop = pd.DataFrame({"patient": people})
    result = bm.trial(model, pop, {"placebo": None}, YEAR, ["bmd_hip_pct@365.25"], method="batch")
    frame = result.frame
    assert frame["status"].iloc[0] == "success" and frame["status"].iloc[1].startswith(
        "failed: history piece"
    )
    assert np.isnan(frame["bmd_hip_pct@365.25"].iloc[1]) and np.isfinite(frame["bmd_hip_pct@365.25"].iloc[0])
    table = result.summary()
    assert table.loc["placebo", "n"] == 1 and table.loc["placebo", "failed"] == 1
    assert table.loc["placebo", "bmd_hip_pct@365.25 mean"] == frame["bmd_hip_pct@365.25"].iloc[0]


def test_numpy_engine_gives_the_rows_of_the_numba_engine(model):
    pytest.importorskip("numba")
    pop = _mixed().iloc[[0, 4]]
    args = (model, pop, {"placebo": None}, YEAR, ["bmd_hip_pct@365.25", "fracture_prob_hip@365.25"])
    on_numpy = bm.trial(*args, method="numpy").frame
    on_numba = bm.trial(*args, method="numba").frame
    assert np.abs(on_numpy["bmd_hip_pct@365.25"] - on_numba["bmd_hip_pct@365.25"]).max() < BMD_TOLERANCE_PP
    ratio = on_numpy["fracture_prob_hip@365.25"] / on_numba["fracture_prob_hip@365.25"]
    assert np.abs(ratio - 1.0).max() < PROB_TOLERANCE_REL
