"""In CI every optional dependency the tests use is installed: nothing is skipped silently."""

from __future__ import annotations

import importlib
import os

import pytest

OPTIONAL = (
    "libsbml",
    "roadrunner",
    "petab",
    "SALib",
    "numba",
    "dask.distributed",
    "pyarrow",
    "mkdocs",
    "xdist",
)


@pytest.mark.skipif(not os.environ.get("CI"), reason="outside CI a partial install may skip tests on purpose")
@pytest.mark.parametrize("module", OPTIONAL)
def test_ci_installs_every_optional_dependency_the_tests_use(module):
    importlib.import_module(module)  # the test extra of pyproject.toml must bring it
