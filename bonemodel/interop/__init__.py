"""Interoperability: SBML export and import, PEtab export of the flagship calibration.

Needs the ``sbml`` extra (python-libsbml; petab for :func:`to_petab`)::

    import bonemodel as bm
    text = bm.to_sbml("pivonka2008", scenario="PTH_infusion")
    model = bm.from_sbml("BIOMD0000000278.xml")
    bm.to_petab("petab_inflammation")
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from ..model import Model

__all__ = ["to_sbml", "from_sbml", "to_petab"]

_MISSING = "{what} needs the optional package {pkg}; install it with: pip install 'bonemodel[sbml]'"


def _need(module: str, what: str, pkg: str) -> None:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise ImportError(_MISSING.format(what=what, pkg=pkg))


def to_sbml(model: Any, *, scenario: Any = None, params: Any = None) -> str:
    """Write a model as SBML Level 3 Version 2 (see :func:`.sbml_export.to_sbml`).

    Parameters
    ----------
    model
        A Model or the name of a shipped model.
    scenario
        Optional scenario (object or name): its overrides become parameter values and its
        windows and doses become events (times in days).
    params
        Parameter or input values [each in its unit] replacing the parameter file's.

    Returns
    -------
    str
        The SBML document; parameters carry their units where the unit string is understood.

    Raises
    ------
    ImportError
        If python-libsbml (the ``sbml`` extra) is not installed.
    """
    _need("libsbml", "SBML export", "python-libsbml")
    from .sbml_export import to_sbml as _to_sbml

    return _to_sbml(model, scenario=scenario, params=params)


def from_sbml(source: str | Path) -> Model:
    """Read an SBML file or text as a Model (see :func:`.sbml_import.from_sbml`).

    Parameters
    ----------
    source
        A path to an ``.xml``/``.sbml`` file, or the document's text (starting with ``<``).

    Returns
    -------
    Model
        A normal model; the file's time-triggered events are its scenario ``"events"``.

    Raises
    ------
    ImportError
        If python-libsbml (the ``sbml`` extra) is not installed.
    """
    _need("libsbml", "SBML import", "python-libsbml")
    from .sbml_import import from_sbml as _from_sbml

    return _from_sbml(source)


def to_petab(out_dir: str | Path, **options: Any) -> Path:
    """Write the flagship calibration problem as PEtab (see :func:`.petab.to_petab`).

    Parameters
    ----------
    out_dir
        Folder to write the PEtab files (SBML model, conditions, observables, measurements,
        parameters, ``problem.yaml``) into.
    **options
        Passed on: ``stage`` (``"core"`` or a drug module's name), ``model``, ``targets``.

    Returns
    -------
    Path
        The problem's YAML file.

    Raises
    ------
    ImportError
        If python-libsbml or petab is not installed.
    """
    _need("libsbml", "PEtab export", "python-libsbml")
    _need("petab", "PEtab export", "petab")
    from .petab import to_petab as _to_petab

    return _to_petab(out_dir, **options)
