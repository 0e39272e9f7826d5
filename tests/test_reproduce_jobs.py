"""`bonemodel reproduce --jobs`: example scripts on several processes, same table as one by one."""

from __future__ import annotations

import pandas as pd
import pytest

from bonemodel.cli import main

CHEAP = ["komarova2003", "lemaire2004_fig2"]


def _run(tmp_path, jobs: int, capsys) -> tuple[pd.DataFrame, str]:
    out = tmp_path / f"jobs{jobs}"
    argv = ["reproduce", "--out", str(out), "--quick", "--jobs", str(jobs)]
    for name in CHEAP:
        argv += ["--only", name]
    assert main(argv) == 0
    return pd.read_csv(out / "comparison.csv"), capsys.readouterr().err


@pytest.mark.slow
def test_reproduce_on_two_processes_gives_the_serial_table(tmp_path, capsys):
    serial, _ = _run(tmp_path, 1, capsys)
    parallel, err = _run(tmp_path, 2, capsys)
    pd.testing.assert_frame_equal(serial, parallel)
    assert list(dict.fromkeys(parallel["example"])) == CHEAP  # the table keeps the scripts' order
    for name in CHEAP:
        assert f"[{name}] done in " in err  # a progress line per figure, with its time
    assert "2 of 2 examples in" in err and "(2 at a time)" in err


def test_reproduce_refuses_zero_jobs(tmp_path, capsys):
    assert main(["reproduce", "--out", str(tmp_path), "--only", CHEAP[0], "--jobs", "0"]) == 2
    assert "--jobs must be >= 1" in capsys.readouterr().err
