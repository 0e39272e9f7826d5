"""Virtual patients, populations and trials, and the fracture epidemiology they rest on."""

from .epidemiology import (
    RateFit,
    fracture_probability,
    incidence,
    incidence_fit,
    incidence_table,
    mortality,
    mortality_fit,
    mortality_table,
)
from .patient import Patient
from .population import population
from .trial import TrialResult, trial

__all__ = [
    "Patient",
    "TrialResult",
    "population",
    "trial",
    "RateFit",
    "fracture_probability",
    "incidence",
    "incidence_fit",
    "incidence_table",
    "mortality",
    "mortality_fit",
    "mortality_table",
]
