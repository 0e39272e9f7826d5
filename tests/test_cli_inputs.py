"""The bonemodel command with bad input and bad output paths: one clear line, exit 2, no lost work."""

from __future__ import annotations

import importlib
import os
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from bonemodel._cli_common import write_whole
from bonemodel.cli import main

SWEEP = ["sweep", "lemaire2004", "--param", "k_B", "--n", "4", "--output", "B@10", "--t-end", "20"]
SWEEP += ["--workers", "1", "--no-progress"]


def one_clean_line(err: str) -> str:
    """The error line of ``err``, after checking it is a single line with no traceback."""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("bonemodel: error: ")
    return lines[0]


@pytest.fixture
def nothing_runs(monkeypatch):
    """Fail the test if a model is loaded, simulated or swept."""

    def refuse(*args, **kwargs):
        raise AssertionError("work started before the command line was checked")

    for module, name in (("models", "load_model"), ("simulate", "simulate"), ("sweep", "sweep")):
        # the package exports functions of the same names, so patch the modules themselves
        monkeypatch.setattr(importlib.import_module(f"bonemodel.{module}"), name, refuse)


@pytest.mark.parametrize("csv", ["a_file/table.csv", "missing_folder/table.csv"])
def test_sweep_with_unwritable_csv_fails_before_any_member_runs(csv, tmp_path, capsys, nothing_runs):
    (tmp_path / "a_file").write_text("not a folder")
    out = tmp_path / "run"
    started = time.perf_counter()
    code = main(SWEEP + ["--out", str(out), "--csv", str(tmp_path / csv)])
    assert code == 2 and time.perf_counter() - started < 1.0
    line = one_clean_line(capsys.readouterr().err)
    assert "--csv" in line and ("is a file, not a folder" in line or "does not exist" in line)
    assert not out.exists()


@pytest.mark.parametrize(
    "argv",
    [
        SWEEP,
        ["sensitivity", "lemaire2004", "--output", "B@10"],
        ["reproduce", "--only", "komarova2003", "--quick"],
    ],
    ids=["sweep", "sensitivity", "reproduce"],
)
@pytest.mark.parametrize("below", [False, True], ids=["the-file", "below-the-file"])
def test_out_naming_an_existing_file_is_refused(argv, below, tmp_path, capsys, nothing_runs):
    existing = tmp_path / "results"
    existing.write_text("keep me")
    out = existing / "sub" if below else existing
    assert main(argv + ["--out", str(out)]) == 2
    line = one_clean_line(capsys.readouterr().err)
    assert "--out" in line and "is a file" in line
    assert existing.read_text() == "keep me"


@pytest.mark.parametrize("flag", ["--csv", "--html"])
def test_simulate_refuses_to_overwrite_a_file_without_overwrite(flag, tmp_path, capsys, nothing_runs):
    target = tmp_path / "run.out"
    target.write_text("earlier results")
    assert main(["simulate", "lemaire2004", "--t-end", "5", flag, str(target)]) == 2
    line = one_clean_line(capsys.readouterr().err)
    assert "already exists" in line and "--overwrite" in line
    assert target.read_text() == "earlier results"


def test_simulate_overwrite_replaces_the_file(tmp_path):
    target = tmp_path / "run.csv"
    target.write_text("earlier results")
    assert main(["simulate", "lemaire2004", "--t-end", "5", "--csv", str(target), "--overwrite"]) == 0
    assert pd.read_csv(target, index_col=0).index[-1] == 5.0
    assert [p.name for p in tmp_path.iterdir()] == ["run.csv"]  # no temporary file left


def test_sweep_csv_over_an_existing_file_needs_overwrite(tmp_path, capsys, nothing_runs):
    target = tmp_path / "t.csv"
    target.write_text("earlier table")
    assert main(SWEEP + ["--csv", str(target)]) == 2
    assert "--overwrite" in one_clean_line(capsys.readouterr().err)
    assert target.read_text() == "earlier table"


@pytest.mark.parametrize(
    "argv, text",
    [
        (["simulate", "lemaire2004", "--set", "k_B=0.1", "--set", "k_B=0.2"], "k_B is given twice"),
        (["simulate", "lemaire2004", "--set", "k_B=0.1", "--set", " k_B =0.2"], "k_B is given twice"),
        (SWEEP + ["--param", "k_B=0.1:0.2"], "--param names ['k_B'] more than once"),
    ],
)
def test_a_parameter_given_twice_is_refused_naming_it(argv, text, capsys, nothing_runs):
    assert main(argv) == 2
    assert text in one_clean_line(capsys.readouterr().err)


@pytest.mark.parametrize(
    "argv, text",
    [
        (["simulate", "lemaire2004", "--set", "k_B=true"], "'true' is not a number"),
        (["simulate", "lemaire2004", "--set", "k_B=nan"], "'nan' is not a finite number"),
        (["simulate", "lemaire2004", "--set", "k_B=-inf"], "'-inf' is not a finite number"),
        (["simulate", "lemaire2004", "--set", "k_B="], "'' is not a number"),
        (["simulate", "lemaire2004", "--set", "=1"], "NAME=VALUE"),
        (["simulate", "lemaire2004", "--t-end", "0"], "positive, finite number of days, got '0'"),
        (["simulate", "lemaire2004", "--t-end", "-3"], "positive, finite number of days"),
        (["simulate", "lemaire2004", "--t-end", "nan"], "got 'nan'"),
        (["simulate", "lemaire2004", "--t-end", "inf"], "got 'inf'"),
        (["simulate", "lemaire2004", "--t-end", "true"], "got 'true'"),
        (["sweep", "lemaire2004", "--param", "k_B", "--t-end", "nan"], "got 'nan'"),
        (["sensitivity", "lemaire2004", "--output", "B@1", "--t-end", "-1"], "got '-1'"),
        (["sweep", "lemaire2004", "--param", "k_B", "--n", "0"], "positive whole number, got '0'"),
        (["sweep", "lemaire2004", "--param", "k_B", "--n", "-4"], "positive whole number, got '-4'"),
        (["sweep", "lemaire2004", "--param", "k_B", "--n", "2.5"], "positive whole number, got '2.5'"),
        (["sweep", "lemaire2004", "--param", "k_B", "--n", "true"], "positive whole number, got 'true'"),
        (["sweep", "lemaire2004", "--param", "k_B", "--n", "4", "--workers", "0"], "got '0'"),
        (["sweep", "lemaire2004", "--param", "k_B", "--n", str(10**14)], "choose a smaller --n"),
        (
            ["sweep", "lemaire2004", "--param", "k_B", "--param", "D_R", "--n", "100000", "--design", "grid"],
            "1e+10 members",
        ),
        (["sensitivity", "lemaire2004", "--output", "B@1", "--method", "morris", "--n", "0"], "got '0'"),
        (["sensitivity", "lemaire2004", "--output", "B@1", "--n", "8"], "--method local has none"),
        (["sweep", "lemaire2004", "--param", "k_B", "--n", "4", "--resume"], "--resume needs --out"),
        (["simulat", "lemaire2004"], "did you mean 'simulate'?"),
        (["sensitivity", "lemaire2004", "--output", "B@1", "--method", "sobl"], "did you mean 'sobol'?"),
        (["sweep", "lemaire2004", "--param", "k_B", "--design", "LHS"], "did you mean 'lhs'?"),
    ],
)
def test_bad_values_get_one_line_and_exit_2_before_any_work(argv, text, capsys, nothing_runs):
    assert main(argv) == 2
    assert text in one_clean_line(capsys.readouterr().err)


def test_an_impossibly_large_sobol_design_is_refused_before_running(capsys, monkeypatch):
    sweep_module = importlib.import_module("bonemodel.sweep")
    monkeypatch.setattr(sweep_module, "sweep", lambda *a, **k: pytest.fail("the design was run"))
    argv = ["sensitivity", "lemaire2004", "--output", "B@1", "--method", "sobol", "--n", str(2**40)]
    assert main(argv) == 2
    assert "choose a smaller --n" in one_clean_line(capsys.readouterr().err)


@pytest.mark.parametrize(
    "argv",
    [
        ["simulate", "lemai\x01re2004"],
        ["simulate", "lemaire2004\n"],
        ["describe", "lemaire2004\x7f"],
        ["simulate", "lemaire2004", "--scenario", "addR\x1b[31m"],
        ["simulate", "lemaire2004", "--set", "k_B\n=0.2"],
        ["simulate", "lemaire2004", "--set", "k\u202e_B=0.2"],
        ["sweep", "lemaire2004", "--param", "k_B\x00"],
        ["sweep", "lemaire2004", "--param", "k_B", "--output", "B@10\r"],
        ["sensitivity", "lemaire2004", "--output", "B@1", "--params", "k_B,D_R\t"],
        ["reproduce", "--only", "komarova2003\x1b"],
    ],
)
def test_names_with_control_characters_are_refused(argv, capsys, nothing_runs):
    assert main(argv) == 2
    line = one_clean_line(capsys.readouterr().err)
    assert "control character" in line and line.isprintable()


def test_debug_shows_the_traceback(tmp_path, capsys):
    (tmp_path / "a_file").write_text("")
    argv = SWEEP + ["--out", str(tmp_path / "a_file")]
    assert main(argv) == 2
    assert "Traceback" not in capsys.readouterr().err
    for debug in (["--debug"] + argv, argv + ["--debug"]):
        assert main(debug) == 2
        err = capsys.readouterr().err
        assert "Traceback (most recent call last)" in err and "UsageError" in err
        assert err.strip().splitlines()[-1].startswith("bonemodel: error: --out")


def test_debug_shows_the_traceback_of_a_parse_error(capsys):
    assert main(["--debug", "simulate", "lemaire2004", "--t-end", "nan"]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_help_returns_0(capsys):
    assert main(["simulate", "--help"]) == 0
    assert "--overwrite" in capsys.readouterr().out


needs_dev_full = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")


@needs_dev_full
def test_sweep_keeps_its_members_when_the_csv_cannot_be_written_at_the_end(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(SWEEP + ["--out", str(out), "--csv", "/dev/full"]) == 1
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert "No space left on device" in line and str(out) in line and "--resume" in line
    # the advice works: resuming computes nothing and writes the table
    csv = tmp_path / "t.csv"
    assert main(SWEEP + ["--out", str(out), "--csv", str(csv), "--resume"]) == 0
    table = pd.read_csv(csv, index_col="member")
    assert len(table) == 4 and (table["status"] == "success").all()


@needs_dev_full
@pytest.mark.parametrize(
    "argv", [SWEEP, ["simulate", "lemaire2004", "--t-end", "5"]], ids=["sweep", "simulate"]
)
def test_results_are_rescued_when_the_csv_cannot_be_written_at_the_end(argv, capsys):
    assert main(argv + ["--csv", "/dev/full"]) == 1
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert "No space left on device" in line and "saved in " in line
    kept = Path(line.rsplit("saved in ", 1)[1])
    try:
        frame = pd.read_csv(kept, index_col=0)
        assert len(frame) == 4 if argv is SWEEP else frame.index[-1] == 5.0
        assert (kept.stat().st_mode & 0o077) == 0  # private to the user
    finally:
        kept.unlink()


def test_a_failed_write_leaves_the_old_file_intact(tmp_path):
    target = tmp_path / "run.csv"
    target.write_text("earlier results")

    def half_then_fail(name: str) -> None:
        Path(name).write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        write_whole(target, half_then_fail)
    assert target.read_text() == "earlier results"
    assert [p.name for p in tmp_path.iterdir()] == ["run.csv"]


def test_resume_without_output_specs_works(tmp_path, capsys):
    base = ["sweep", "lemaire2004", "--param", "k_B", "--n", "4", "--t-end", "10", "--workers", "1"]
    base += ["--no-progress", "--out", str(tmp_path / "run")]
    assert main(base) == 0
    assert main(base + ["--resume"]) == 0
    assert "4 members, 0 failed" in capsys.readouterr().out


def test_example_script_with_out_naming_a_file_exits_2_before_its_work(tmp_path, monkeypatch, capsys):
    from bonemodel.report import run_script

    def reproduce(out, quick=False):
        """A figure."""
        raise AssertionError("the figure's work started")

    existing = tmp_path / "figures"
    existing.write_text("")
    monkeypatch.setattr(sys, "argv", ["figure.py", "--out", str(existing)])
    with pytest.raises(SystemExit) as exit_:
        run_script(reproduce, "figures")
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "--out" in err and "is a file" in err


def test_example_script_full_flag_is_listed_and_passed(tmp_path, monkeypatch, capsys):
    from bonemodel.report import comparison, run_script

    seen = {}

    def reproduce(out, quick=False, full=False):
        """A study."""
        seen["full"] = full
        return comparison(
            [{"figure": "a", "quantity": "b", "ours": 1.0, "published": "", "unit": "", "source": ""}]
        )

    monkeypatch.setattr(sys, "argv", ["study.py", "--help"])
    with pytest.raises(SystemExit):
        run_script(reproduce, "figures", full_help="the larger design")
    out = capsys.readouterr().out
    assert "--full" in out and "the larger design" in out
    for argv, expected in ((["--full"], True), ([], False)):
        monkeypatch.setattr(sys, "argv", ["study.py", "--out", str(tmp_path / "f"), *argv])
        run_script(reproduce, "figures", full_help="the larger design")
        assert seen["full"] is expected


def test_interrupted_sweep_says_how_to_continue(tmp_path, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(importlib.import_module("bonemodel.sweep"), "sweep", interrupted)
    assert main(SWEEP + ["--out", str(tmp_path / "run")]) == 130
    err = capsys.readouterr().err
    assert "Traceback" not in err and "interrupted" in err and "--resume" in err


def test_missing_optional_dependency_is_one_line(monkeypatch, capsys):
    def missing(*args, **kwargs):
        raise ImportError("writing sweep results to a folder needs pyarrow; pip install bonemodel[sweep]")

    monkeypatch.setattr(importlib.import_module("bonemodel.sweep"), "sweep", missing)
    assert main(SWEEP) == 2
    assert "needs pyarrow" in one_clean_line(capsys.readouterr().err)
