"""Checks of values users pass in: numbers, counts, flags, names and mappings.

One place decides what counts as a number, so every entry point refuses the same things
with the same words: a bool is not a number (``True`` is not a dose), text is not a
number (it is never parsed or evaluated), and a count is a whole number within a limit
checked before anything is allocated. Each check takes the error class to raise, so a
scenario argument raises :class:`~bonemodel.errors.ScenarioError` and a parameter value
:class:`~bonemodel.errors.ParameterError`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from .errors import BonemodelError

MAX_MEMBERS = 10**8
"""Most members (rows) a design, sweep or trial may have: 10**8 rows of one parameter are
already 0.8 GB before a single output; larger runs are split into several sweeps."""


def shown(value: Any) -> str:
    """``value`` for an error message: its repr, shortened, with its type."""
    try:
        text = repr(value)
    except ValueError:  # an int too long to print (more than 4300 digits)
        text = f"<{value.bit_length()}-bit integer>" if isinstance(value, int) else "<unprintable>"
    text = text if len(text) <= 60 else text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def real(
    value: Any,
    what: str,
    error: type[BonemodelError],
    *,
    allow_inf: bool = False,
    low: float | None = None,
    high: float | None = None,
) -> float:
    """``value`` as a float if it is one real number, else raise ``error``.

    Accepted: Python and numpy integers and floats, other ``numbers.Real`` and 0-d numeric
    arrays. Refused: bools (``True`` is not a number of days), text, complex numbers,
    containers, NaN, infinities (unless ``allow_inf``), and values outside ``[low, high]``.
    """
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise error(f"{what} must be a number, got {shown(value)}")
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise error(f"{what} must be a number that fits a double, got {shown(value)}") from None
    if math.isnan(number) or (math.isinf(number) and not allow_inf):
        raise error(f"{what} must be finite, got {number}")
    if low is not None and number < low:
        raise error(f"{what} must be >= {low:g}, got {number:g}")
    if high is not None and number > high:
        raise error(f"{what} must be <= {high:g}, got {number:g}")
    return number


def count(
    value: Any, what: str, error: type[BonemodelError], *, low: int = 1, high: int | None = None
) -> int:
    """``value`` as an int if it is a whole number in ``[low, high]``, else raise ``error``.

    A float with an integral value (``4.0``) is accepted; a bool, text or ``4.5`` is not.
    """
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise error(f"{what} must be a whole number, got {shown(value)}")
    if isinstance(value, numbers.Integral):
        whole = int(value)
    else:
        number = float(value)
        if not (math.isfinite(number) and number == int(number)):
            raise error(f"{what} must be a whole number, got {shown(value)}")
        whole = int(number)
    if whole < low:
        raise error(f"{what} must be >= {low}, got {_size(whole)}")
    if high is not None and whole > high:
        raise error(f"{what} must be <= {high:,}, got {_size(whole)}")
    return whole


def _size(whole: int) -> str:
    return (
        f"{whole:,}"
        if whole.bit_length() < 64
        else f"about {'-' if whole < 0 else ''}2**{whole.bit_length()}"
    )


def flag(value: Any, what: str, error: type[BonemodelError]) -> bool:
    """``value`` as a bool if it is one (Python or numpy), else raise ``error``.

    A string such as ``"no"`` is truthy; taking it for True would do the opposite of what
    was meant.
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise error(f"{what} must be True or False, got {shown(value)}")


def name(value: Any, what: str, error: type[BonemodelError]) -> str:
    """``value`` if it is a non-empty string without control characters, else raise ``error``.

    Names end up in error messages, file names, table columns and metadata, where a newline
    or an escape sequence would corrupt what a reader sees.
    """
    if not isinstance(value, str):
        raise error(f"{what} must be a string, got {shown(value)}")
    if not value:
        raise error(f"{what} is empty")
    bad = [ch for ch in value if ord(ch) < 32 or 127 <= ord(ch) < 160]
    if bad:
        raise error(f"{what} {value!r} contains control characters {sorted(set(bad))!r}; remove them")
    return value


def mapping(value: Any, what: str, error: type[BonemodelError], example: str) -> Mapping[str, Any]:
    """``value`` if it is a mapping with string keys, else raise ``error`` (``example`` shows the form)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise error(f"{what} must be a mapping such as {example}, got {shown(value)}")
    for key in value:
        name(key, f"{what}: a name", error)
    return value
