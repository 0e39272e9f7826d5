"""The release: ``python -m build`` makes an sdist and a wheel, and the wheel works on its own.

The wheel is installed into a new virtual environment (its dependencies come from the package
index or the local pip cache) and the command line runs from a folder outside the source tree, so
a parameter file, example or subpackage missing from the wheel fails here and not for a user.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
VERSION = PROJECT["version"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("build") is None, reason="`build` is in the test extra"),
]


def _run(command: list[str], *, cwd: Path, env: dict | None = None, timeout: float = 900) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], cwd=ROOT)
    return out


@pytest.fixture(scope="module")
def wheel(dist) -> Path:
    wheels = sorted(dist.glob("*.whl"))
    assert [w.name for w in wheels] == [f"bonemodel-{VERSION}-py3-none-any.whl"]
    return wheels[0]


def _source_packages() -> set[str]:
    """Dotted names of every package folder under bonemodel/ (with an __init__.py)."""
    names = set()
    for init in (ROOT / "bonemodel").rglob("__init__.py"):
        parts = init.parent.relative_to(ROOT).parts
        if "__pycache__" not in parts:
            names.add(".".join(parts))
    return names


def test_wheel_carries_every_package_parameter_file_and_example(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for package in sorted(_source_packages()):
        assert package.replace(".", "/") + "/__init__.py" in names, f"package {package} is not in the wheel"
    data = sorted((ROOT / "parameters").glob("*.toml")) + sorted((ROOT / "parameters").glob("*.bib"))
    assert len(data) > 10
    for path in data:
        assert f"bonemodel/parameter_files/{path.name}" in names, path.name
    for path in sorted((ROOT / "examples").glob("*.py")):
        assert f"bonemodel/examples/{path.name}" in names, path.name
    assert f"bonemodel-{VERSION}.dist-info/licenses/LICENSE" in names


def test_wheel_metadata_agrees_with_pyproject(wheel):
    metadata = zipfile.ZipFile(wheel).read(f"bonemodel-{VERSION}.dist-info/METADATA").decode()
    fields = {}
    for line in metadata.split("\n\n", 1)[0].splitlines():
        key, _, value = line.partition(": ")
        fields.setdefault(key, value)
    assert fields["Name"] == PROJECT["name"]
    assert fields["Version"] == VERSION
    assert fields.get("License") == "MIT" or fields.get("License-Expression") == "MIT"


def test_sdist_carries_the_release_files(dist):
    (sdist,) = dist.glob("*.tar.gz")
    assert sdist.name == f"bonemodel-{VERSION}.tar.gz"
    names = set(tarfile.open(sdist).getnames())
    top = f"bonemodel-{VERSION}"
    for name in [
        "LICENSE",
        "README.md",
        "pyproject.toml",
        "parameters/references.bib",
        "parameters/pivonka2008.toml",
    ]:
        assert f"{top}/{name}" in names, name


def test_installed_wheel_runs_the_command_line_outside_the_source_tree(wheel, tmp_path):
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / "python"
    _run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], cwd=tmp_path)

    work = tmp_path / "work"  # outside the source tree: nothing here to import by accident
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}}
    env["BONEMODEL_CACHE"] = str(tmp_path / "cache")
    env["PATH"] = str(bindir) + os.pathsep + env.get("PATH", "")

    where = _run(
        [str(python), "-c", "import bonemodel; print(bonemodel.__file__, bonemodel.__version__)"],
        cwd=work,
        env=env,
    )
    location, version = where.split()
    assert Path(location).resolve().is_relative_to(venv.resolve()), location
    assert version == VERSION

    bonemodel = str(bindir / "bonemodel")
    listing = _run([bonemodel, "list"], cwd=work, env=env)
    for name in ["komarova2003", "lemaire2004", "pivonka2008", "inflammation"]:
        assert name in listing

    _run([bonemodel, "simulate", "inflammation", "--t-end", "365", "--csv", "run.csv"], cwd=work, env=env)
    with open(work / "run.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {"bmd_spine_pct", "crp_mg_l", "OCa"} <= set(rows[0])
    assert float(rows[-1][next(iter(rows[0]))]) == pytest.approx(365.0)

    _run(
        [bonemodel, "sweep", "lemaire2004", "--param", "k_B=0.1:0.3", "--n", "16", "--output", "C@80"]
        + ["--csv", "sweep.csv", "--no-progress"],
        cwd=work,
        env=env,
    )
    with open(work / "sweep.csv", newline="") as handle:
        members = list(csv.DictReader(handle))
    assert len(members) == 16
    assert all(m["status"] == "success" and float(m["C@80"]) > 0 for m in members)
    assert len({m["k_B"] for m in members}) == 16

    _run(
        [bonemodel, "reproduce", "--only", "lemaire2004_fig2", "--quick", "--out", "figures"],
        cwd=work,
        env=env,
    )
    assert (work / "figures" / "lemaire2004_fig2.html").is_file()
    assert (work / "figures" / "comparison.csv").is_file()
