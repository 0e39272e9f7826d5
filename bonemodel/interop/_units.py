"""Unit strings of the parameter files ("pM/day", "1/(pM*day)", "%") as SBML unit definitions.

A small recursive-descent reader of products, quotients, powers and parentheses over a fixed
table of unit names; a string it cannot read gets no SBML unit (its text stays in the
annotation), never a guess.
"""

from __future__ import annotations

import re

import libsbml

# name -> (factor, {SBML base kind: exponent})
_BASE: dict[str, tuple[float, dict[int, float]]] = {
    "1": (1.0, {}),
    "%": (0.01, {}),
    "cell": (1.0, {libsbml.UNIT_KIND_ITEM: 1}),
    "cells": (1.0, {libsbml.UNIT_KIND_ITEM: 1}),
    "s": (1.0, {libsbml.UNIT_KIND_SECOND: 1}),
    "h": (3600.0, {libsbml.UNIT_KIND_SECOND: 1}),
    "day": (86400.0, {libsbml.UNIT_KIND_SECOND: 1}),
    "days": (86400.0, {libsbml.UNIT_KIND_SECOND: 1}),
    "week": (7 * 86400.0, {libsbml.UNIT_KIND_SECOND: 1}),
    "yr": (365.25 * 86400.0, {libsbml.UNIT_KIND_SECOND: 1}),
    "year": (365.25 * 86400.0, {libsbml.UNIT_KIND_SECOND: 1}),
    "L": (1.0, {libsbml.UNIT_KIND_LITRE: 1}),
    "mL": (1e-3, {libsbml.UNIT_KIND_LITRE: 1}),
    "g": (1.0, {libsbml.UNIT_KIND_GRAM: 1}),
    "mg": (1e-3, {libsbml.UNIT_KIND_GRAM: 1}),
    "ug": (1e-6, {libsbml.UNIT_KIND_GRAM: 1}),
    "ng": (1e-9, {libsbml.UNIT_KIND_GRAM: 1}),
    "pg": (1e-12, {libsbml.UNIT_KIND_GRAM: 1}),
    "kg": (1e3, {libsbml.UNIT_KIND_GRAM: 1}),
    "mol": (1.0, {libsbml.UNIT_KIND_MOLE: 1}),
    "mmol": (1e-3, {libsbml.UNIT_KIND_MOLE: 1}),
    "umol": (1e-6, {libsbml.UNIT_KIND_MOLE: 1}),
    "nmol": (1e-9, {libsbml.UNIT_KIND_MOLE: 1}),
    "pmol": (1e-12, {libsbml.UNIT_KIND_MOLE: 1}),
    "M": (1.0, {libsbml.UNIT_KIND_MOLE: 1, libsbml.UNIT_KIND_LITRE: -1}),
    "mM": (1e-3, {libsbml.UNIT_KIND_MOLE: 1, libsbml.UNIT_KIND_LITRE: -1}),
    "uM": (1e-6, {libsbml.UNIT_KIND_MOLE: 1, libsbml.UNIT_KIND_LITRE: -1}),
    "nM": (1e-9, {libsbml.UNIT_KIND_MOLE: 1, libsbml.UNIT_KIND_LITRE: -1}),
    "pM": (1e-12, {libsbml.UNIT_KIND_MOLE: 1, libsbml.UNIT_KIND_LITRE: -1}),
}
_TOKEN = re.compile(r"\s*(?:(per)\b|([A-Za-z%]+|1)|(\*\*|\^)|([*/()])|(-?\d+(?:\.\d+)?))")

Unit = tuple[float, dict[int, float]]


def _mul(a: Unit, b: Unit, sign: float = 1.0) -> Unit:
    kinds = dict(a[1])
    for k, e in b[1].items():
        kinds[k] = kinds.get(k, 0.0) + sign * e
    return a[0] * b[0] ** sign, {k: e for k, e in kinds.items() if e != 0}


def parse_unit(text: str) -> Unit | None:
    """``(factor, {kind: exponent})`` of a unit string, or None if it is not understood."""
    tokens: list[str] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            return None
        tokens.append(next(g for g in m.groups() if g is not None))
        pos = m.end()
    if not tokens:
        return None
    try:
        unit, rest = _product(tokens)
    except (KeyError, IndexError, ValueError):
        return None
    return unit if not rest else None


def _product(tokens: list[str]) -> tuple[Unit, list[str]]:
    unit, tokens = _power(tokens)
    while tokens and tokens[0] not in (")",):
        sign = 1.0
        if tokens[0] in ("/", "per"):
            sign, tokens = -1.0, tokens[1:]
        elif tokens[0] == "*":
            tokens = tokens[1:]
        nxt, tokens = _power(tokens)
        unit = _mul(unit, nxt, sign)
    return unit, tokens


def _power(tokens: list[str]) -> tuple[Unit, list[str]]:
    if tokens[0] == "(":
        unit, tokens = _product(tokens[1:])
        if tokens[0] != ")":
            raise ValueError("unbalanced")
        tokens = tokens[1:]
    else:
        unit, tokens = _BASE[tokens[0]], tokens[1:]
    if tokens and tokens[0] in ("**", "^"):
        e = float(tokens[1])
        unit, tokens = (unit[0] ** e, {k: v * e for k, v in unit[1].items()}), tokens[2:]
    return unit, tokens


def unit_id(text: str) -> str:
    """An SBML id for a unit string (``pM/day`` -> ``u_pM_per_day``)."""
    out = text.replace("%", "percent").replace("/", "_per_").replace("*", "_").replace(" ", "_")
    return "u_" + re.sub(r"[^A-Za-z0-9_]", "", out)


def add_unit_definition(model: libsbml.Model, text: str) -> str | None:
    """Define the unit ``text`` in ``model`` (once) and return its id, or None if unreadable."""
    if text in ("", "1"):
        return "dimensionless"
    parsed = parse_unit(text)
    if parsed is None:
        return None
    uid = unit_id(text)
    if model.getUnitDefinition(uid) is not None:
        return uid
    factor, kinds = parsed
    ud = model.createUnitDefinition()
    ud.setId(uid)
    ud.setName(text)
    if not kinds:
        kinds = {libsbml.UNIT_KIND_DIMENSIONLESS: 1.0}
    for i, (kind, exponent) in enumerate(sorted(kinds.items())):
        u = ud.createUnit()
        u.setKind(kind)
        u.setExponent(exponent)
        u.setScale(0)
        # the whole factor on the first unit: (m * kind)^e contributes m^e
        u.setMultiplier(factor ** (1.0 / exponent) if i == 0 else 1.0)
    return uid
