"""Virtual patients and trials: the person (:class:`Patient`) and the fracture epidemiology they rest on."""

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

__all__ = [
    "Patient",
    "RateFit",
    "fracture_probability",
    "incidence",
    "incidence_fit",
    "incidence_table",
    "mortality",
    "mortality_fit",
    "mortality_table",
]
