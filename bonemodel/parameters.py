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

from .errors import ParameterError, ParameterFileError, suggest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

UNSOURCED = ("assumed", "calibrated")
DISTRIBUTIONS = ("uniform", "loguniform")
_REQUIRED = ("value", "unit", "description", "source")
_KNOWN_KEYS = set(_REQUIRED) | {"where", "range", "dist", "note", "latex", "lower", "doi"}
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Param:
    """One parameter: value with unit, meaning, provenance and a plausible range."""

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
        """Return ``value`` as float if it is acceptable for this parameter, else raise."""
        where = f" of model '{model}'" if model else ""
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ParameterError(f"parameter '{self.name}'{where} must be a number, got {value!r}") from None
        if not math.isfinite(number):
            raise ParameterError(
                f"parameter '{self.name}'{where} must be finite, got {number}; give a real value in {self.unit}"
            )
        if number < self.lower:
            raise ParameterError(
                f"parameter '{self.name}'{where} must be >= {self.lower:g} ({self.description}), got {number:g}"
            )
        return number


@dataclass(frozen=True)
class ParameterSet:
    """Named parameters of one model (or of several composed modules)."""

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
        return list(self.params)

    def values(self) -> dict[str, float]:
        """Mapping name -> value."""
        return {n: p.value for n, p in self.params.items()}

    def validate_overrides(self, overrides: Mapping[str, Any] | None) -> dict[str, float]:
        """Check names and values of user overrides; return them as floats."""
        checked: dict[str, float] = {}
        for name, value in (overrides or {}).items():
            checked[name] = self[name].check_value(value, model=self.name)
        return checked

    def with_values(self, overrides: Mapping[str, Any]) -> ParameterSet:
        """A copy with some values replaced (validated)."""
        checked = self.validate_overrides(overrides)
        params = {n: replace(p, value=checked.get(n, p.value)) for n, p in self.params.items()}
        return replace(self, params=params)

    def merge(self, other: ParameterSet, *, name: str | None = None) -> ParameterSet:
        """Union of two sets; a name defined in both is an error (modules must not clash)."""
        clash = sorted(set(self.params) & set(other.params))
        if clash:
            raise ParameterError(
                f"parameters {clash} are defined both in '{self.name}' and '{other.name}'; rename one"
            )
        cites = tuple(dict.fromkeys(self.citations + other.citations))
        return ParameterSet(name or self.name, {**self.params, **other.params}, cites, self.path)

    def ranges(self, names: Iterable[str] | None = None) -> dict[str, tuple[float, float, str]]:
        """``{name: (low, high, dist)}`` for the named parameters (all with a range by default)."""
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
        """All parameters as a pandas DataFrame indexed by name."""
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
    """The folder of the shipped parameter files (``parameters/`` in the repository)."""
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
    """Load and validate a parameter file by model name (shipped file) or by path."""
    path = Path(name_or_path)
    if path.suffix != ".toml":
        path = parameters_dir() / f"{name_or_path}.toml"
    if not path.is_file():
        shipped = sorted(p.stem for p in parameters_dir().glob("*.toml"))
        raise ParameterFileError(
            f"no parameter file '{path.name}'{suggest(str(name_or_path), shipped)}; shipped files: {shipped}"
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ParameterFileError(f"{path.name}: not valid TOML ({exc}); fix the syntax there") from None
    return parse_parameters(data, origin=path.name)


def parse_parameters(data: Mapping[str, Any], *, origin: str = "<dict>") -> ParameterSet:
    """Validate the TOML structure of a parameter file and build a ParameterSet."""
    meta = data.get("meta")
    if not isinstance(meta, Mapping) or "model" not in meta:
        raise ParameterFileError(f"{origin}: missing [meta] table with a 'model' key")
    tables = data.get("parameters")
    if not isinstance(tables, Mapping) or not tables:
        raise ParameterFileError(f"{origin}: no [parameters.NAME] tables")
    known_refs = reference_keys()
    citations = meta.get("citation", ())
    citations = (citations,) if isinstance(citations, str) else tuple(citations)
    for key in citations:
        if key not in known_refs:
            raise ParameterFileError(
                f"{origin}: [meta] citation '{key}' is not in references.bib{suggest(key, known_refs)}"
            )
    params = {}
    for name, table in tables.items():
        params[name] = _parse_param(name, table, origin, known_refs)
    return ParameterSet(str(meta["model"]), params, citations, origin)


def _parse_param(name: str, table: Any, origin: str, known_refs: Mapping[str, str]) -> Param:
    at = f"{origin}: [parameters.{name}]"
    if not _IDENTIFIER.match(name):
        raise ParameterFileError(f"{at}: name must be a Python identifier")
    if not isinstance(table, Mapping):
        raise ParameterFileError(f"{at}: must be a table with value, unit, description and source")
    missing = [k for k in _REQUIRED if k not in table]
    if missing:
        raise ParameterFileError(f"{at}: missing {missing}; every parameter needs {list(_REQUIRED)}")
    unknown = sorted(set(table) - _KNOWN_KEYS)
    if unknown:
        raise ParameterFileError(
            f"{at}: unknown keys {unknown}{suggest(unknown[0], _KNOWN_KEYS)}; allowed: {sorted(_KNOWN_KEYS)}"
        )
    value = table["value"]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParameterFileError(f"{at}: value must be a number, got {value!r}")
    for key in ("unit", "description", "source", "where", "note", "latex", "dist"):
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
        ok = isinstance(rng, list) and len(rng) == 2 and all(isinstance(v, (int, float)) for v in rng)
        if not ok or not rng[0] < rng[1]:
            raise ParameterFileError(f"{at}: range must be [low, high] with low < high, got {rng!r}")
        rng = (float(rng[0]), float(rng[1]))
    dist = table.get("dist", "uniform")
    if dist not in DISTRIBUTIONS:
        raise ParameterFileError(f"{at}: dist must be one of {DISTRIBUTIONS}, got {dist!r}")
    if dist == "loguniform" and rng is not None and rng[0] <= 0:
        raise ParameterFileError(f"{at}: a loguniform range needs low > 0, got {rng!r}")
    lower = table.get("lower", 0.0)
    if isinstance(lower, bool) or not isinstance(lower, (int, float)):
        raise ParameterFileError(f"{at}: lower must be a number")
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
