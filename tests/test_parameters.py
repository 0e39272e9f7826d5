"""Parameter files: every shipped parameter is complete and sourced; malformed files fail clearly."""

from __future__ import annotations

import pytest

from bonemodel.errors import ParameterError, ParameterFileError
from bonemodel.parameters import load_parameters, parameters_dir, parse_parameters, reference_keys

DATA_FILES = {"drug_pk_published"}  # published numbers to check against, not parameter files
SHIPPED = sorted(p.stem for p in parameters_dir().glob("*.toml") if p.stem not in DATA_FILES)


def test_some_parameter_files_are_shipped():
    assert {"komarova2003", "lemaire2004", "pivonka2008"} <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_every_parameter_has_value_unit_description_source(name):
    params = load_parameters(name)
    refs = reference_keys()
    assert params.citations, f"{name}: [meta] citation missing"
    for p in params.params.values():
        assert p.unit.strip(), f"{name}.{p.name}: no unit"
        assert p.description.strip(), f"{name}.{p.name}: no description"
        if p.source in ("assumed", "calibrated"):
            assert p.note.strip(), f"{name}.{p.name}: {p.source} without a note"
        else:
            assert p.source in refs, f"{name}.{p.name}: unknown source {p.source}"
        if p.range is not None:
            assert p.range[0] <= p.value <= p.range[1], f"{name}.{p.name}: value outside range"


@pytest.mark.parametrize("name", SHIPPED)
def test_models_cite_references_with_doi_or_note(name):
    refs = reference_keys()
    for key in load_parameters(name).citations:
        assert key in refs


def _file(**param):
    table = {"value": 1.0, "unit": "1/day", "description": "a rate", "source": "Lemaire2004"}
    table.update(param)
    return {"meta": {"model": "m"}, "parameters": {"k": table}}


@pytest.mark.parametrize(
    "change, text",
    [
        ({"value": "1.0"}, "value must be a number"),
        ({"value": float("nan")}, "must be finite"),
        ({"value": -1.0}, "must be >= 0"),
        ({"source": "Lemair2004"}, "did you mean 'Lemaire2004'"),
        ({"source": "assumed"}, "needs a note"),
        ({"range": [2.0, 1.0]}, "low < high"),
        ({"range": [2.0, 3.0]}, "outside its range"),
        ({"dist": "normal"}, "dist must be one of"),
        ({"dist": "loguniform", "range": [0.0, 2.0]}, "loguniform range needs low > 0"),
        ({"unti": "1/day"}, "unknown keys"),
        ({"description": "  "}, "description is empty"),
    ],
)
def test_malformed_parameter_table_names_file_key_and_fix(change, text):
    with pytest.raises(ParameterFileError, match=text) as info:
        parse_parameters(_file(**change), origin="m.toml")
    assert "m.toml: [parameters.k]" in str(info.value)


def test_missing_required_keys_are_listed():
    data = {"meta": {"model": "m"}, "parameters": {"k": {"value": 1.0}}}
    with pytest.raises(ParameterFileError, match=r"missing \['unit', 'description', 'source'\]"):
        parse_parameters(data, origin="m.toml")


def test_missing_meta_and_invalid_toml(tmp_path):
    with pytest.raises(ParameterFileError, match="missing \\[meta\\]"):
        parse_parameters({"parameters": {}})
    bad = tmp_path / "broken.toml"
    bad.write_text("[meta]\nmodel = 'x'\n[parameters.k\nvalue = 1\n")
    with pytest.raises(ParameterFileError, match="broken.toml: not valid TOML"):
        load_parameters(bad)


def test_unknown_shipped_file_suggests_name():
    with pytest.raises(ParameterFileError, match="did you mean 'lemaire2004'"):
        load_parameters("lemaire2040")


def test_override_validation_suggests_closest_name():
    params = load_parameters("lemaire2004")
    name = params.names[0]
    with pytest.raises(ParameterError, match=f"did you mean '{name}'"):
        params.validate_overrides({name + "x": 1.0})
    with pytest.raises(ParameterError, match="must be finite"):
        params.validate_overrides({name: float("inf")})


def test_files_are_parsed_as_data_never_evaluated(tmp_path):
    evil = tmp_path / "evil.toml"
    evil.write_text(
        "[meta]\nmodel = 'x'\n[parameters.k]\nvalue = \"__import__('os').system('false')\"\n"
        "unit='1'\ndescription='d'\nsource='assumed'\nnote='n'\n"
    )
    with pytest.raises(ParameterFileError, match="value must be a number"):
        load_parameters(evil)


def test_loading_a_file_again_sees_an_edit_and_gives_an_independent_set(tmp_path):
    shipped = parameters_dir() / "lemaire2004.toml"
    path = tmp_path / "copy.toml"
    path.write_bytes(shipped.read_bytes())
    first, second = load_parameters(path), load_parameters(path)
    assert first == second and first.params is not second.params
    first.params.pop("k_B")  # a caller's change stays in its own copy
    assert "k_B" in load_parameters(path)
    text = shipped.read_text(encoding="utf-8")
    path.write_text(text.replace("value = 0.189", "value = 0.2", 1), encoding="utf-8")
    assert load_parameters(path)["k_B"].value == 0.2
