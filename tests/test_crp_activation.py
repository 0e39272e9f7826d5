"""The activation of a CRP read from the model's table reaches that CRP in simulation."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bonemodel import crp_activation as ca
from bonemodel import scenarios as S
from bonemodel.models import load_model


@pytest.fixture(scope="module")
def model():
    return load_model("inflammation")


@pytest.mark.parametrize("crp", [1.02, 1.7, 3.0, 4.0, 9.5, 37.0, 250.0])
def test_activation_from_the_table_reaches_the_crp(model, crp):
    a = ca.activation_for_crp(model, crp)
    assert ca.steady_crp(model, a) == pytest.approx(crp, rel=1e-5)


def test_table_and_root_finding_agree(model):
    for crp in (1.5, 6.0):
        assert ca.activation_for_crp(model, crp) == pytest.approx(ca._root(model, crp), rel=1e-4)


def test_outside_the_table_falls_back_to_root_finding(model):
    _, steady = ca.crp_table(model)
    crp = float(steady[-1]) * 1.5
    a = ca.activation_for_crp(model, crp)
    assert a > ca.ACTIVATIONS[-1]
    assert ca.steady_crp(model, a) == pytest.approx(crp, rel=1e-5)
    assert ca.activation_for_crp(model, 1.0) == 0.0


def test_table_is_increasing_and_keyed_by_parameter_values(model):
    activations, steady = ca.crp_table(model)
    assert np.all(np.diff(steady) > 0)
    assert steady[0] > model.parameters["CRP0"].value
    other = model.with_parameters(model.parameters.with_values({"CRP0": 2.0}))
    assert ca._table_key(other) != ca._table_key(model)


def test_a_damaged_disk_table_is_not_read(model, tmp_path, monkeypatch):
    monkeypatch.setenv("BONEMODEL_CACHE", str(tmp_path))
    key = ca._table_key(model)
    folder = tmp_path / "crp"
    folder.mkdir(mode=0o700)
    path = folder / f"{key}.json"
    for text in ("not json", json.dumps({"key": key, "crp": [1.0, 2.0]}), json.dumps({"key": "other"})):
        path.write_text(text)
        path.chmod(0o600)
        assert ca._read(key) is None
    ca._write(key, ca.crp_table(model)[1])
    np.testing.assert_array_equal(ca._read(key), ca.crp_table(model)[1])


def test_scenario_uses_the_table(model):
    sc = S.low_grade_inflammation(4.0)
    assert sc.overrides["systemic_activation"] == pytest.approx(ca.activation_for_crp(model, 4.0))
