"""Virtual patients and trials; for now the fracture epidemiology they rest on."""

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

__all__ = [
    "RateFit",
    "fracture_probability",
    "incidence",
    "incidence_fit",
    "incidence_table",
    "mortality",
    "mortality_fit",
    "mortality_table",
]
