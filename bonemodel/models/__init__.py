"""Registry of the shipped models; each model file exposes ``build() -> Model``."""

from __future__ import annotations

import importlib
import importlib.util

from ..errors import ModelError, suggest
from ..model import Model

_MODULES = {
    "komarova2003": "bonemodel.models.komarova2003",
    "lemaire2004": "bonemodel.models.lemaire2004",
    "pivonka2008": "bonemodel.models.pivonka2008",
    "inflammation": "bonemodel.models.inflammation",
}
_CACHE: dict[tuple, Model] = {}


def list_models() -> list[str]:
    """Names of the models that can be loaded.

    Returns
    -------
    list of str
        Model names accepted by `load_model`, e.g. ``["komarova2003", "lemaire2004", ...]``.
    """
    return [name for name, mod in _MODULES.items() if importlib.util.find_spec(mod) is not None]


def load_model(name: str, **options) -> Model:
    """Build (once per process and options) the named model.

    Models are immutable, so the same object is returned on later calls and its compiled
    code is reused.

    Parameters
    ----------
    name
        A name from `list_models` (``"komarova2003"``, ``"lemaire2004"``, ``"pivonka2008"``,
        ``"inflammation"``).
    **options
        Passed to the model's ``build()``; e.g. ``modules=[...]`` for the inflammation model.

    Returns
    -------
    Model
        The symbolic model with its parameters read from its parameter files.

    Raises
    ------
    ModelError
        If the name is unknown (with a "did you mean").

    Examples
    --------
    >>> import bonemodel as bm
    >>> bm.load_model("pivonka2008").state_names
    ['OBp', 'OBa', 'OCa', 'BV']
    """
    if name not in _MODULES:
        raise ModelError(f"unknown model '{name}'{suggest(name, _MODULES)}; available: {list_models()}")
    key = (
        name,
        tuple(sorted((k, tuple(v) if isinstance(v, (list, set)) else v) for k, v in options.items())),
    )
    if key not in _CACHE:
        module = importlib.import_module(_MODULES[name])
        _CACHE[key] = module.build(**options)
    return _CACHE[key]
