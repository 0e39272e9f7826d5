"""Tiny models with closed-form solutions, shared by the core tests."""

from __future__ import annotations

import os
import shutil
import tempfile

import numpy as np
import pytest
import sympy as sp

from bonemodel.model import Input, Model, Observable, State, symbols
from bonemodel.parameters import parse_parameters


def _private_cache() -> tuple[str | None, int | None]:
    """Give the test run its own compiled-code cache unless one is set; ``(folder, pid)`` if made here.

    Tests never touch the user's cache. pytest-xdist workers inherit the variable from the
    process that started them, so the whole run (controller and workers) shares one cache
    and compiles each model once; only the process that made the folder removes it.
    """
    if "BONEMODEL_CACHE" in os.environ:  # the user's (or CI's) choice, kept as it is
        return None, None
    folder = tempfile.mkdtemp(prefix="bonemodel-test-cache-")
    os.environ["BONEMODEL_CACHE"] = folder
    return folder, os.getpid()


_CACHE_MADE, _CACHE_OWNER = _private_cache()


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the run's own cache folder at the very end, in the process that made it."""
    if _CACHE_MADE is None or os.getpid() != _CACHE_OWNER:
        return
    if os.environ.get("BONEMODEL_CACHE") == _CACHE_MADE:
        del os.environ["BONEMODEL_CACHE"]
    shutil.rmtree(_CACHE_MADE, ignore_errors=True)


def _params(model: str, **values: float):
    tables = {
        name: {
            "value": v,
            "unit": "1",
            "description": f"toy parameter {name}",
            "source": "assumed",
            "note": "test model",
            "range": [v / 2, v * 2] if v > 0 else [0.0, 1.0],
        }
        for name, v in values.items()
    }
    return parse_parameters({"meta": {"model": model}, "parameters": tables})


@pytest.fixture
def decay_model() -> Model:
    """x' = -k x + u, x(0) = x0: x(t) = x0 exp(-k t) while u = 0."""
    x, k, u = symbols("x k u")
    return Model(
        "decay",
        (State("x", "x0", unit="pM"),),
        _params("decay", k=0.5, x0=2.0),
        {"x": -k * x + u},
        inputs=(Input("u", 0.0, unit="pM/day"),),
        observables=(Observable("x_pct", x, unit="%", baseline="start"), Observable("two_x", 2 * x)),
    )


@pytest.fixture
def logistic_model() -> Model:
    """N' = r N (1 - N / K): N(t) = K / (1 + (K/N0 - 1) exp(-r t))."""
    N, r, K = symbols("N r K")
    return Model(
        "logistic",
        (State("N", 0.1),),
        _params("logistic", r=1.3, K=5.0),
        {"N": sp.Symbol("growth")},
        expressions={"growth": r * N * (1 - N / K)},
    )


@pytest.fixture
def coupled_model() -> Model:
    """A nonlinear 3-state model with an accumulator, exercising Max, powers and expressions."""
    a, b, c, k1, k2, g, h = symbols("a b c k1 k2 g h")
    return Model(
        "coupled",
        (State("a", 1.2), State("b", 0.7), State("c", 100.0, nonnegative=False)),
        _params("coupled", k1=0.8, k2=0.3, g=0.5, h=1.5),
        {"a": k1 * b**h / (1 + b**h) - k2 * a, "b": g * a**g - sp.Symbol("loss"), "c": -sp.Max(0, a - 1) + b},
        expressions={"loss": k1 * b**2 / (1 + b)},
        observables=(Observable("ratio", a / b),),
    )


def logistic_exact(t: np.ndarray, n0: float = 0.1, r: float = 1.3, k: float = 5.0) -> np.ndarray:
    return k / (1 + (k / n0 - 1) * np.exp(-r * t))


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261125)


@pytest.fixture(scope="session")
def dask_client():
    """A local Dask cluster of two worker processes, started once per test process for every test that uses it.

    Starting one costs seconds (each worker imports the scientific stack); the sweeps that run on
    it send their own plan and fresh keys, so tests sharing it see nothing of each other.
    """
    distributed = pytest.importorskip("dask.distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client
