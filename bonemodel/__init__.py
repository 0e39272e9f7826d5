"""bonemodel: symbolic, compiled ODE models of bone remodeling and its inflammatory control.

The public API, in the order a user meets it::

    import bonemodel as bm
    model = bm.load_model("pivonka2008")
    sol = bm.simulate(model, 365, params={"D_OCp": 4.2e-3})
    sol.to_frame(); sol.plot(["OBa", "OCa"])
    bm.steady_state(model)
"""

__version__ = "0.2.0"

from . import scenarios, sensitivity  # noqa: E402
from .cache import CacheWarning  # noqa: E402
from .compare import compare  # noqa: E402
from .compile import CompiledModel, compile_model  # noqa: E402
from .errors import (  # noqa: E402
    BonemodelError,
    ModelError,
    ParameterError,
    ParameterFileError,
    ScenarioError,
    SimulationError,
    SolverError,
)
from .interop import from_sbml, to_petab, to_sbml  # noqa: E402
from .model import Input, Model, Module, Observable, State  # noqa: E402
from .models import list_models, load_model  # noqa: E402
from .parameters import Param, ParameterSet, load_parameters  # noqa: E402
from .scenario import Scenario  # noqa: E402
from .simulate import SteadyState, simulate, steady_state  # noqa: E402
from .solution import Solution  # noqa: E402
from .sweep import sweep  # noqa: E402
from .trials import Patient, TrialResult, population, trial  # noqa: E402

__all__ = [
    "BonemodelError",
    "CacheWarning",
    "CompiledModel",
    "Input",
    "Model",
    "ModelError",
    "Module",
    "Observable",
    "Param",
    "Patient",
    "TrialResult",
    "ParameterError",
    "ParameterFileError",
    "ParameterSet",
    "Scenario",
    "ScenarioError",
    "SimulationError",
    "Solution",
    "SolverError",
    "State",
    "SteadyState",
    "compare",
    "compile_model",
    "from_sbml",
    "list_models",
    "load_model",
    "load_parameters",
    "population",
    "scenarios",
    "sensitivity",
    "simulate",
    "steady_state",
    "sweep",
    "to_petab",
    "to_sbml",
    "trial",
]
