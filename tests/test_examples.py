"""Every example script reproduces its figure on small settings and reports ours vs published."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from bonemodel.cli import example_names, main
from bonemodel.report import COLUMNS

EXAMPLES = example_names()


@pytest.mark.slow
@pytest.mark.parametrize("name", EXAMPLES)
def test_example_writes_figures_and_comparison_table(name, tmp_path):
    module = importlib.import_module(f"bonemodel.examples.{name}")
    table = module.reproduce(tmp_path, quick=True)
    assert list(table.columns[: len(COLUMNS)]) == COLUMNS
    assert len(table) >= 1
    ours = table["ours"].astype(float)
    assert np.all(np.isfinite(ours)), f"{name}: non-finite reproduced numbers"
    assert list(tmp_path.glob("*.html")), f"{name}: no figure written"


def test_reproduce_command_runs_one_example_and_writes_table(tmp_path, capsys):
    first = "lemaire2004_fig2" if "lemaire2004_fig2" in EXAMPLES else EXAMPLES[0]
    assert main(["reproduce", "--out", str(tmp_path), "--only", first, "--quick"]) == 0
    assert (tmp_path / "comparison.csv").is_file()
    assert "published" in capsys.readouterr().out


def test_reproduce_rejects_unknown_example(tmp_path, capsys):
    assert main(["reproduce", "--out", str(tmp_path), "--only", "nonexistent"]) == 2
    assert "unknown example" in capsys.readouterr().err
