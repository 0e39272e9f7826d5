"""Parameter files: load, validate and hold parameter values with units and sources.

A parameter file (``parameters/<model>.toml``) has a ``[meta]`` table and one table
per parameter under ``[parameters.NAME]`` with ``value``, ``unit``, ``description``,
``source`` (a key of ``parameters/references.bib``, or ``assumed``/``calibrated``
with a ``note``), and optionally ``where``, ``range``, ``dist``, ``latex``, ``lower``.
Values are parsed as TOML numbers only: no text is ever evaluated.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from . import _checks
from .errors import ParameterError, ParameterFileError, suggest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

UNSOURCED = ("assumed", "calibrated")
DISTRIBUTIONS = ("uniform", "loguniform")
_REQUIRED = ("value", "unit", "description", "source")
_KNOWN_KEYS = set(_REQUIRED) | {"where", "range", "dist", "note", "latex", "lower", "doi"}
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MODEL = re.compile(r"[A-Za-z0-9_.+-]+")


@dataclass(frozen=True)
class Param:
    """One parameter: value with unit, meaning, provenance and a plausible range.

    Built from one ``[parameters.NAME]`` table of a parameter file.

    Parameters
    ----------
    name
        Identifier, the paper's symbol where it is valid Python (``"D_OCp"``).
    value
        Value in ``unit``.
    unit
        Unit of the value, e.g. ``"1/day"``, ``"pM"``, ``"pM/day"``, ``"1"`` (dimensionless).
    description
        What the parameter means, in words.
    source
        Key of ``parameters/references.bib``, or ``"assumed"`` / ``"calibrated"`` (then ``note`` says why).
    where
        Where in the source: table, equation or encoding.
    range
        Plausible ``(low, high)`` in ``unit``, used by sweeps and sensitivity analysis.
    dist
        Distribution over ``range`` for sampling: ``"uniform"`` or ``"loguniform"``.
    note
        Reason or calibration target (required for assumed or calibrated values).
    latex
        LaTeX form of the name for equations.
    lower
        Smallest acceptable value in ``unit`` (most rates and concentrations are >= 0).
    """

    name: str
    value: float
    unit: str
    description: str
    source: str
    where: str = ""
    range: tuple[float, float] | None = None
    dist: str = "uniform"
    note: str = ""
    latex: str = ""
    lower: float = 0.0  # values below this bound are rejected (most rates and concentrations are >= 0)

    def check_value(self, value: Any, *, model: str = "") -> float:
        """Return ``value`` as float if it is acceptable for this parameter, else raise.

        Parameters
        ----------
        value
            Proposed value, in the parameter's ``unit``.
        model
            Model name quoted in the error message.

        Returns
        -------
        float
            The value as a float, in ``unit``.

        Raises
        ------
        ParameterError
            If the value is not a real number (booleans and text are refused) or is below ``lower``.
        """
        where = f" of model '{model}'" if model else ""
        number = _checks.real(value, f"parameter '{self.name}'{where} (in {self.unit})", ParameterError)
        if number < self.lower:
            raise ParameterError(
                f"parameter '{self.name}'{where} must be >= {self.lower:g} ({self.description}), got {number:g}"
            )
        return number


@dataclass(frozen=True)
class ParameterSet:
    """Named parameters of one model (or of several composed modules).

    Parameters
    ----------
    name
        Name of the set, the model (or module) it belongs to.
    params
        The parameters by name; each carries its own unit.
    citations
        Keys of ``parameters/references.bib`` the set is built on.
    path
        The parameter file it was read from (empty when built in code).
    """

    name: str
    params: dict[str, Param]
    citations: tuple[str, ...] = ()
    path: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", dict(self.params))

    def __contains__(self, name: object) -> bool:
        return name in self.params

    def __getitem__(self, name: str) -> Param:
        try:
            return self.params[name]
        except KeyError:
            raise ParameterError(
                f"unknown parameter '{name}' for model '{self.name}'{suggest(name, self.params)}"
            ) from None

    def __iter__(self):
        return iter(self.params)

    def __len__(self) -> int:
        return len(self.params)

    @property
    def names(self) -> list[str]:
        """Parameter names, in file order."""
        return list(self.params)

    def values(self) -> dict[str, float]:
        """Mapping name -> value.

        Returns
        -------
        dict of str to float
            Every parameter's value, in its own unit.
        """
        return {n: p.value for n, p in self.params.items()}

    def validate_overrides(self, overrides: Mapping[str, Any] | None) -> dict[str, float]:
        """Check names and values of user overrides; return them as floats.

        Parameters
        ----------
        overrides
            Parameter name -> value in the parameter's unit (or None for none).

        Returns
        -------
        dict of str to float
            The checked values.

        Raises
        ------
        ParameterError
            If a name is unknown (with a "did you mean") or a value is not acceptable.
        """
        checked: dict[str, float] = {}
        for name, value in (overrides or {}).items():
            checked[name] = self[name].check_value(value, model=self.name)
        return checked

    def with_values(self, overrides: Mapping[str, Any]) -> ParameterSet:
        """A copy with some values replaced (validated).

        Parameters
        ----------
        overrides
            Parameter name -> new value in the parameter's unit.

        Returns
        -------
        ParameterSet
            The new set; this one is unchanged.
        """
        checked = self.validate_overrides(overrides)
        params = {n: replace(p, value=checked.get(n, p.value)) for n, p in self.params.items()}
        return replace(self, params=params)

    def merge(self, other: ParameterSet, *, name: str | None = None) -> ParameterSet:
        """Union of two sets; a name defined in both is an error (modules must not clash).

        Parameters
        ----------
        other
            The set to add.
        name
            Name of the result (default: this set's name).

        Returns
        -------
        ParameterSet
            Parameters of both sets, and the citations of both.

        Raises
        ------
        ParameterError
            If a parameter name is defined in both sets.
        """
        clash = sorted(set(self.params) & set(other.params))
        if clash:
            raise ParameterError(
                f"parameters {clash} are defined both in '{self.name}' and '{other.name}'; rename one"
            )
        cites = tuple(dict.fromkeys(self.citations + other.citations))
        return ParameterSet(name or self.name, {**self.params, **other.params}, cites, self.path)

    def ranges(self, names: Iterable[str] | None = None) -> dict[str, tuple[float, float, str]]:
        """``{name: (low, high, dist)}`` for the named parameters (all with a range by default).

        Parameters
        ----------
        names
            Parameters to return (default: every parameter that has a range).

        Returns
        -------
        dict
            Name -> ``(low, high, dist)``, the bounds in the parameter's unit.

        Raises
        ------
        ParameterError
            If a named parameter has no range in its file.
        """
        out = {}
        for n in names if names is not None else self.params:
            p = self[n]
            if p.range is None:
                if names is None:
                    continue
                raise ParameterError(
                    f"parameter '{n}' of model '{self.name}' has no range in {self.path or 'its parameter file'};"
                    " give one there or pass (low, high) explicitly"
                )
            out[n] = (p.range[0], p.range[1], p.dist)
        return out

    def to_frame(self):
        """All parameters as a pandas DataFrame indexed by name.

        Returns
        -------
        pandas.DataFrame
            One row per parameter: value (in its unit), unit, description, source and range.
        """
        import pandas as pd

        rows = [
            {
                "name": p.name,
                "value": p.value,
                "unit": p.unit,
                "description": p.description,
                "source": p.source,
                "where": p.where,
                "range": p.range,
                "note": p.note,
            }
            for p in self.params.values()
        ]
        return pd.DataFrame(rows).set_index("name")


def parameters_dir() -> Path:
    """The folder of the shipped parameter files (``parameters/`` in the repository).

    Returns
    -------
    pathlib.Path
        The installed ``bonemodel/parameter_files`` folder (or ``parameters/`` of a source checkout).
    """
    return Path(str(resources.files("bonemodel.parameter_files")))


@lru_cache(maxsize=1)
def reference_keys() -> dict[str, str]:
    """Citation keys of ``references.bib`` mapped to their DOI ('' where none)."""
    text = (parameters_dir() / "references.bib").read_text(encoding="utf-8")
    keys: dict[str, str] = {}
    for entry in re.split(r"(?=@\w+\s*\{)", text):
        head = re.match(r"@\w+\s*\{\s*([^,\s]+)\s*,", entry)
        if head:
            doi = re.search(r"doi\s*=\s*[{\"]([^}\"]+)", entry, flags=re.IGNORECASE)
            keys[head.group(1)] = doi.group(1) if doi else ""
    return keys


def load_parameters(name_or_path: str | Path) -> ParameterSet:
    """Load and validate a parameter file by model name (shipped file) or by path.

    Parameters
    ----------
    name_or_path
        The stem of a shipped file (``"pivonka2008"`` reads ``parameters/pivonka2008.toml``) or
        the path of a ``.toml`` file.

    Returns
    -------
    ParameterSet
        The file's parameters, each with value, unit, description, source and range.

    Raises
    ------
    ParameterFileError
        If the file is missing, unreadable, not UTF-8 TOML, or a table is incomplete or inconsistent
        (a value outside its range, an assumed value without a note, ...).

    Examples
    --------
    >>> import bonemodel as bm
    >>> p = bm.load_parameters("lemaire2004")["k_B"]
    >>> (p.value, p.unit)
    (0.189, '1/day')
    """
    if not isinstance(name_or_path, (str, Path)):
        raise ParameterFileError(
            f"a parameter file is named by a model name or a path, got {type(name_or_path).__name__}"
        )
    if "\x00" in str(name_or_path):
        raise ParameterFileError(f"parameter file name {str(name_or_path)!r} contains a NUL character")
    path = Path(name_or_path)
    if path.suffix != ".toml":
        _checks.name(str(name_or_path), "parameter file name", ParameterFileError)
        path = parameters_dir() / f"{name_or_path}.toml"
    if not path.is_file():
        shipped = sorted(p.stem for p in parameters_dir().glob("*.toml"))
        raise ParameterFileError(
            f"no parameter file '{path.name}'{suggest(str(name_or_path), shipped)}; shipped files: {shipped}"
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ParameterFileError(f"{path.name}: cannot be read ({exc.strerror or exc})") from None
    parsed = _parse_file_bytes(raw, path.name)
    # a copy of the memoised set: callers may not share its parameter table
    return ParameterSet(parsed.name, dict(parsed.params), parsed.citations, parsed.path)


@lru_cache(maxsize=128)
def _parse_file_bytes(raw: bytes, origin: str) -> ParameterSet:
    """:func:`parse_parameter_text` of a file's bytes, memoised by content: the file is read on every
    load (an edit is seen at once), but the same bytes are parsed and validated once per process."""
    return parse_parameter_text(raw, origin=origin)


def parse_parameter_text(text: str | bytes, *, origin: str = "<text>") -> ParameterSet:
    """Validate parameter-file text (TOML, UTF-8 if bytes) and build a ParameterSet.

    Every problem, from bytes that are not UTF-8 to a value out of its range, is a
    :class:`~bonemodel.errors.ParameterFileError` naming ``origin`` and the fix.

    Parameters
    ----------
    text
        The file's content: TOML text, or bytes decoded as UTF-8.
    origin
        Name of the file, quoted in error messages.

    Returns
    -------
    ParameterSet
        The validated parameters, each with value, unit, description, source and range.

    Raises
    ------
    ParameterFileError
        If the text is not UTF-8 TOML or a table is incomplete or inconsistent.
    """
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ParameterFileError(
                f"{origin}: not UTF-8 text (byte {exc.start}: {bytes(text)[exc.start : exc.start + 1]!r}); "
                "save the file as UTF-8"
            ) from None
    if not isinstance(text, str):
        raise ParameterFileError(f"{origin}: parameter text must be str or bytes, got {type(text).__name__}")
    text = text.removeprefix("\ufeff")  # a byte-order mark some editors write first
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ParameterFileError(f"{origin}: not valid TOML ({exc}); fix the syntax there") from None
    return parse_parameters(data, origin=origin)


def parse_parameters(data: Mapping[str, Any], *, origin: str = "<dict>") -> ParameterSet:
    """Validate the TOML structure of a parameter file and build a ParameterSet.

    Parameters
    ----------
    data
        The parsed TOML: a ``[meta]`` table with ``model`` (and optionally ``citation``) and a
        ``[parameters]`` table with one table per parameter (value, unit, description, source, ...).
    origin
        Name of the source, quoted in error messages.

    Returns
    -------
    ParameterSet
        The validated parameters.

    Raises
    ------
    ParameterFileError
        If a required field is missing, of the wrong type, or a value lies outside its range.
    """
    if not isinstance(data, Mapping):
        raise ParameterFileError(f"{origin}: a parameter file is a table, got {type(data).__name__}")
    meta = data.get("meta")
    if not isinstance(meta, Mapping) or "model" not in meta:
        raise ParameterFileError(f"{origin}: missing [meta] table with a 'model' key")
    model = meta["model"]
    if not isinstance(model, str) or not _MODEL.fullmatch(model):
        raise ParameterFileError(
            f"{origin}: [meta] model must be a name of letters, digits and _ . + -, got {_checks.shown(model)}"
        )
    tables = data.get("parameters")
    if not isinstance(tables, Mapping) or not tables:
        raise ParameterFileError(f"{origin}: no [parameters.NAME] tables")
    known_refs = reference_keys()
    citations = meta.get("citation", ())
    citations = (citations,) if isinstance(citations, str) else citations
    if not isinstance(citations, (list, tuple)) or not all(isinstance(c, str) for c in citations):
        raise ParameterFileError(
            f"{origin}: [meta] citation must be a key or a list of keys of references.bib"
        )
    citations = tuple(citations)
    for key in citations:
        if key not in known_refs:
            raise ParameterFileError(
                f"{origin}: [meta] citation '{key}' is not in references.bib{suggest(key, known_refs)}"
            )
    params = {}
    for name, table in tables.items():
        params[name] = _parse_param(name, table, origin, known_refs)
    return ParameterSet(model, params, citations, origin)


def _parse_param(name: str, table: Any, origin: str, known_refs: Mapping[str, str]) -> Param:
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
        raise ParameterFileError(
            f"{origin}: parameter name {_checks.shown(name)} must be a Python identifier (letters, digits, _)"
        )
    at = f"{origin}: [parameters.{name}]"
    if not isinstance(table, Mapping):
        raise ParameterFileError(f"{at}: must be a table with value, unit, description and source")
    missing = [k for k in _REQUIRED if k not in table]
    if missing:
        raise ParameterFileError(f"{at}: missing {missing}; every parameter needs {list(_REQUIRED)}")
    unknown = sorted(str(k) for k in table if k not in _KNOWN_KEYS)
    if unknown:
        raise ParameterFileError(
            f"{at}: unknown keys {unknown}{suggest(unknown[0], _KNOWN_KEYS)}; allowed: {sorted(_KNOWN_KEYS)}"
        )
    value = _checks.real(table["value"], f"{at}: value", ParameterFileError)
    for key in ("unit", "description", "source", "where", "note", "latex", "dist", "doi"):
        if key in table and not isinstance(table[key], str):
            raise ParameterFileError(f"{at}: {key} must be a string")
    if not table["description"].strip():
        raise ParameterFileError(f"{at}: description is empty")
    source = table["source"]
    if source in UNSOURCED:
        if not table.get("note", "").strip():
            raise ParameterFileError(
                f"{at}: source '{source}' needs a note saying why and, if calibrated, to what"
            )
    elif source not in known_refs:
        raise ParameterFileError(
            f"{at}: source '{source}' is not a key of references.bib{suggest(source, known_refs)};"
            " add the reference or mark it 'assumed'/'calibrated' with a note"
        )
    rng = table.get("range")
    if rng is not None:
        if not isinstance(rng, (list, tuple)) or len(rng) != 2:
            raise ParameterFileError(
                f"{at}: range must be [low, high] with low < high, got {_checks.shown(rng)}"
            )
        # finite: designs sample inside it, and a NaN end would pass every comparison
        low, high = (_checks.real(v, f"{at}: range", ParameterFileError) for v in rng)
        if not low < high:
            raise ParameterFileError(
                f"{at}: range must be [low, high] with low < high, got {_checks.shown(rng)}"
            )
        rng = (low, high)
    dist = table.get("dist", "uniform")
    if dist not in DISTRIBUTIONS:
        raise ParameterFileError(f"{at}: dist must be one of {DISTRIBUTIONS}, got {dist!r}")
    if dist == "loguniform" and rng is not None and rng[0] <= 0:
        raise ParameterFileError(f"{at}: a loguniform range needs low > 0, got {rng!r}")
    # a NaN bound would let every value through (every comparison with NaN is False)
    lower = _checks.real(table.get("lower", 0.0), f"{at}: lower", ParameterFileError, allow_inf=True)
    if lower == math.inf:
        raise ParameterFileError(f"{at}: lower must be a number or -inf (no bound), got inf")
    param = Param(
        name=name,
        value=float(value),
        unit=table["unit"],
        description=table["description"],
        source=source,
        where=table.get("where", ""),
        range=rng,
        dist=dist,
        note=table.get("note", ""),
        latex=table.get("latex", ""),
        lower=float(lower),
    )
    try:
        param.check_value(param.value)
    except ParameterError as exc:
        raise ParameterFileError(f"{at}: {exc}") from None
    if rng is not None and not rng[0] <= param.value <= rng[1]:
        raise ParameterFileError(f"{at}: value {param.value:g} lies outside its range {list(rng)}")
    if rng is not None and rng[0] < param.lower:
        raise ParameterFileError(f"{at}: range {list(rng)} goes below the lower bound {param.lower:g}")
    return param
