"""The bonemodel command: list, describe, simulate, bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from bonemodel.cli import main, parse_assignments
from bonemodel.errors import ParameterError


def test_list_shows_models_and_scenarios(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "lemaire2004" in out and "pivonka2008" in out and "komarova2003" in out


def test_describe_prints_equations(capsys):
    assert main(["describe", "lemaire2004"]) == 0
    assert "\\frac{dR}{dt}" in capsys.readouterr().out


def test_simulate_writes_csv_and_html_with_override(tmp_path):
    csv, html = tmp_path / "run.csv", tmp_path / "run.html"
    code = main(
        [
            "simulate",
            "pivonka2008",
            "--t-end",
            "50",
            "--set",
            "D_OCp=0.0042",
            "--csv",
            str(csv),
            "--html",
            str(html),
        ]
    )
    assert code == 0
    frame = pd.read_csv(csv, index_col=0)
    assert frame.index[-1] == 50.0 and {"OBp", "OBa", "OCa", "BV"} <= set(frame.columns)
    # the override takes effect: the run leaves the steady state
    assert abs(frame["OCa"].iloc[-1] - frame["OCa"].iloc[0]) > 1e-6
    assert "<html>" in html.read_text()[:200]


@pytest.mark.parametrize(
    "argv, text",
    [
        (["simulate", "pivonka2008", "--set", "D_OCP=1"], "did you mean 'D_OCp'"),
        (["simulate", "pivonka2008", "--t-end", "-3"], "positive, finite number of days"),
        (["simulate", "pivonka2009"], "did you mean 'pivonka2008'"),
        (["simulate", "pivonka2008", "--set", "A_OCa=-1"], "must be >= 0"),
    ],
)
def test_bad_input_exits_2_with_message(argv, text, capsys):
    assert main(argv) == 2
    assert text in capsys.readouterr().err


def test_assignments_are_numbers_only():
    assert parse_assignments(["a=1.5", " b = 2e-3"]) == {"a": 1.5, "b": 0.002}
    with pytest.raises(ParameterError, match="not a number"):
        parse_assignments(["a=__import__('os')"])
    with pytest.raises(ParameterError, match="NAME=VALUE"):
        parse_assignments(["a"])
