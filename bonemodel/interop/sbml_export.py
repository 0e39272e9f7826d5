"""Model (+ scenario) -> SBML Level 3 Version 2, written with python-libsbml.

Layout of the document:

* every parameter and input is a constant ``<parameter>`` with its value, its unit (a unit
  definition read from the parameter file's unit string) and a ``bonemodel:info`` annotation
  carrying description, source, where, range and lower bound (the description also as notes);
* every state is a non-constant ``<parameter>`` with a ``<rateRule>`` (so no compartment
  volume enters the equations) and its initial value as ``value`` or ``<initialAssignment>``;
* every named expression and observable is a ``<parameter>`` with an ``<assignmentRule>``; an
  observable with ``baseline="start"`` reads ``100 (raw / raw_start - 1)``, its start value
  fixed by an initial assignment;
* a scenario's overrides become the parameters' values; a parameter or input the scenario's
  windows change is read in the equations through ``<name>_scheduled``, which starts at the
  value of the first segment (initial assignment) and is set by one ``<event>`` per switch time
  (``time >= t``), exactly the values ``bm.simulate`` uses on each segment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from xml.sax.saxutils import quoteattr

import libsbml
import sympy as sp

from ..model import TIME, Model
from ..runtime import as_model, check_params, check_value, resolve_scenario
from ..scenario import Scenario
from ._mathml import to_ast
from ._units import add_unit_definition

NAMESPACE = "https://bonemodel.readthedocs.io/sbml"
"""XML namespace of the ``bonemodel:info`` annotations."""
SCHEDULED = "_scheduled"
"""Suffix of the time-varying copy of a parameter that scenario windows change."""


class SBMLExportError(ValueError):
    """The model cannot be written as valid SBML (the message says which part)."""


def to_sbml(
    model: Model | str,
    *,
    scenario: Scenario | str | None = None,
    params: Mapping[str, float] | None = None,
) -> str:
    """Write ``model`` as an SBML Level 3 Version 2 document.

    Parameters
    ----------
    model
        A Model or the name of a shipped model.
    scenario
        Optional scenario (object or name): its overrides become parameter values and its
        windows and doses become events, so a simulator that follows SBML's event semantics
        reproduces ``bm.simulate(model, scenario=scenario, params=params)`` from t = 0.
    params
        Parameter or input values replacing the parameter file's (they win over the
        scenario's overrides, as in ``bm.simulate``).

    Returns
    -------
    str
        The SBML document. It passes libsbml's consistency checks with no error (unit
        warnings may remain where a parameter file's unit string is not one of the units
        :mod:`bonemodel.interop._units` reads).
    """
    model = as_model(model)
    sc = resolve_scenario(model, scenario)
    values = {n: p.value for n, p in model.parameters.params.items()}
    values.update({u.name: float(u.default) for u in model.inputs})
    values.update({k: check_value(model, k, v) for k, v in sc.overrides.items()})
    values.update(check_params(model, params))
    doc = build_document(model, values, [(None, sc)])
    return libsbml.writeSBMLToString(doc)


def _ok(status: int, what: str) -> None:
    if status not in (libsbml.LIBSBML_OPERATION_SUCCESS, None):
        raise SBMLExportError(f"libsbml refused to {what} (status {status})")


def _annotate(sbase: libsbml.SBase, **fields: object) -> None:
    attrs = " ".join(f"{k}={quoteattr(str(v))}" for k, v in fields.items() if v not in ("", None))
    xml = f'<bonemodel:info xmlns:bonemodel="{NAMESPACE}" {attrs}/>'
    _ok(sbase.setAnnotation(libsbml.XMLNode.convertStringToXMLNode(xml)), f"annotate {sbase.getId()}")
    desc = fields.get("description")
    if desc:
        _ok(
            sbase.setNotes(f'<body xmlns="http://www.w3.org/1999/xhtml"><p>{_escape(str(desc))}</p></body>'),
            f"add notes to {sbase.getId()}",
        )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _parameter(
    sbml: libsbml.Model, name: str, value: float | None, unit: str, *, constant: bool
) -> libsbml.Parameter:
    p = sbml.createParameter()
    _ok(p.setId(name), f"create parameter {name}")
    p.setConstant(constant)
    if value is not None:
        p.setValue(float(value))
    uid = add_unit_definition(sbml, unit) if unit else None
    if uid:
        p.setUnits(uid)
    return p


def _math(expr: sp.Basic, rename: Mapping[str, str]) -> libsbml.ASTNode:
    return to_ast(sp.sympify(expr), rename)


def build_document(
    model: Model,
    values: Mapping[str, float],
    schedules: Sequence[tuple[str | None, Scenario]],
    *,
    extra_parameters: Mapping[str, float] = {},
) -> libsbml.SBMLDocument:
    """The SBML document of ``model`` with parameter ``values`` and windowed ``schedules``.

    Each schedule is ``(indicator, scenario)``: with an indicator id its windows act only when
    that parameter is 1 (how one PEtab model holds several conditions); with None they always
    act. Only the scenarios' windows are used here; overrides are the caller's business.
    ``extra_parameters`` adds constant parameters (the indicators) with these values.

    Parameters
    ----------
    model
        The model.
    values
        Parameter and input name -> value in its unit.
    schedules
        ``(indicator, scenario)`` pairs, as above; window times in days.
    extra_parameters
        Constant parameters to add, name -> value.

    Returns
    -------
    libsbml.SBMLDocument
        The document, SBML Level 3 Version 2.
    """
    doc = libsbml.SBMLDocument(3, 2)
    sbml = doc.createModel()
    sbml.setId(_sid(model.name))
    sbml.setName(model.name)
    day = add_unit_definition(sbml, "day")
    sbml.setTimeUnits(day)
    _annotate(
        sbml,
        description=model.description,
        citations=" ".join(model.citations),
        default_t_end=repr(float(model.default_t_end)),
        modules=" ".join(model.modules),
    )

    for name, value in extra_parameters.items():
        _parameter(sbml, name, value, "1", constant=True)
    for p in model.parameters.params.values():
        par = _parameter(sbml, p.name, values[p.name], p.unit, constant=True)
        rng = "" if p.range is None else f"{p.range[0]!r} {p.range[1]!r}"
        _annotate(
            par,
            kind="parameter",
            unit=p.unit,
            description=p.description,
            source=p.source,
            where=p.where,
            range=rng,
            dist=p.dist if p.range is not None else "",
            note=p.note,
            latex=p.latex,
            lower=repr(float(p.lower)),
        )
    for u in model.inputs:
        par = _parameter(sbml, u.name, values[u.name], u.unit, constant=True)
        _annotate(par, kind="input", unit=u.unit, description=u.description, latex=u.latex)

    rename = _add_schedules(sbml, model, schedules)

    for s in model.states:
        initial = model.initial_expr(s)
        number = float(initial) if not initial.free_symbols else None
        par = _parameter(sbml, s.name, number, s.unit, constant=False)
        _annotate(
            par,
            kind="state",
            unit=s.unit,
            description=s.description,
            latex=s.latex,
            nonnegative=str(s.nonnegative).lower(),
            initial=s.initial if isinstance(s.initial, str) else "",
        )
        if number is None:
            ia = sbml.createInitialAssignment()
            ia.setSymbol(s.name)
            _ok(ia.setMath(_math(initial, {})), f"set the initial value of {s.name}")
        rule = sbml.createRateRule()
        rule.setVariable(s.name)
        _ok(rule.setMath(_math(model.rhs[s.name], rename)), f"set d{s.name}/dt")

    for name, expr in model.expressions.items():
        par = _parameter(sbml, name, None, "", constant=False)
        _annotate(par, kind="expression")
        rule = sbml.createAssignmentRule()
        rule.setVariable(name)
        _ok(rule.setMath(_math(expr, rename)), f"set expression {name}")

    for o in model.observables:
        if o.name in model.expressions and o.baseline is None and o.expr == sp.Symbol(o.name):
            par = sbml.getParameter(o.name)
        else:
            if o.name in model.expressions:
                raise SBMLExportError(
                    f"observable '{o.name}' of model '{model.name}' has the name of an expression but "
                    "another formula; SBML has one rule per id"
                )
            par = _parameter(sbml, o.name, None, o.unit, constant=False)
            expr = o.expr
            if o.baseline == "start":
                start = f"{o.name}_start"
                _parameter(sbml, start, None, "", constant=True)
                ia = sbml.createInitialAssignment()
                ia.setSymbol(start)
                _ok(ia.setMath(_math(o.expr, rename)), f"set the start value of {o.name}")
                expr = 100 * (o.expr / sp.Symbol(start) - 1)
            rule = sbml.createAssignmentRule()
            rule.setVariable(o.name)
            _ok(rule.setMath(_math(expr, rename)), f"set observable {o.name}")
        _annotate(
            par,
            kind="observable",
            unit=o.unit,
            description=o.description,
            latex=o.latex,
            baseline=o.baseline or "",
            expression=str(o.name in model.expressions).lower(),
        )

    _check(doc, model.name)
    return doc


def _sid(name: str) -> str:
    out = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    return out if out[:1].isalpha() or out[:1] == "_" else f"m_{out}"


def _segment_value(target: str, windows) -> sp.Expr:
    for w in windows:
        if w.target == target:
            return w.value * sp.Symbol(target) if w.scale else sp.Float(w.value)
    return sp.Symbol(target)


def _add_schedules(
    sbml: libsbml.Model, model: Model, schedules: Sequence[tuple[str | None, Scenario]]
) -> dict[str, str]:
    """Events (and scheduled copies of parameters) for the windows; returns the renaming
    of the equations' symbols to the scheduled copies."""
    known = set(model.parameter_names) | set(model.input_names)
    targets: list[str] = []
    for _, sc in schedules:
        for w in sc.windows:
            if w.target not in known:
                check_value(model, w.target, w.value)  # raises the unknown-name error
            if w.target not in targets:
                targets.append(w.target)
    if not targets:
        return {}
    taken = set(known) | set(model.state_names) | set(model.expressions) | set(model.observable_names)
    rename = {}
    for target in targets:
        new = target + SCHEDULED
        while new in taken:
            new += "_"
        taken.add(new)
        rename[target] = new
        src = sbml.getParameter(target)
        par = _parameter(sbml, new, None, "", constant=False)
        if src.isSetUnits():
            par.setUnits(src.getUnits())
        _annotate(par, kind="scheduled", of=target)

    first: dict[str, list[tuple[sp.Basic, sp.Expr]]] = {t: [] for t in targets}
    n_event = 0
    for indicator, sc in schedules:
        if not sc.windows:
            continue
        gate = sp.Gt(sp.Symbol(indicator), sp.Rational(1, 2)) if indicator else sp.true
        times = sc.switch_times()
        horizon = max(times) + 1.0
        segments = sc.segments(min(0.0, min(times) - 1.0), horizon)
        segments = [(a, b, ws) for a, b, ws in segments if b > 0]
        for t in targets:
            first[t].append((_segment_value(t, segments[0][2]), gate))
        for (_, _, before), (a, _, after) in zip(segments, segments[1:]):
            if a <= 0:
                continue
            changes = {
                t: _segment_value(t, after)
                for t in targets
                if _segment_value(t, after) != _segment_value(t, before)
            }
            if not changes:
                continue
            n_event += 1
            ev = sbml.createEvent()
            ev.setId(f"switch_{n_event}")
            ev.setName(f"{sc.name}: t = {a:g} day")
            ev.setUseValuesFromTriggerTime(True)
            trigger = ev.createTrigger()
            trigger.setInitialValue(True)
            trigger.setPersistent(True)
            cond = sp.And(sp.Ge(TIME, sp.Float(a)), gate) if indicator else sp.Ge(TIME, sp.Float(a))
            _ok(trigger.setMath(_math(cond, {})), f"set the trigger of {ev.getId()}")
            for t, value in changes.items():
                ea = ev.createEventAssignment()
                ea.setVariable(rename[t])
                _ok(ea.setMath(_math(value, {})), f"set {rename[t]} at t = {a:g}")
    for t in targets:
        pieces = [(v, g) for v, g in first[t] if v != sp.Symbol(t)]
        start = (
            sp.Piecewise(*pieces, (sp.Symbol(t), True))
            if pieces and pieces[0][1] is not sp.true
            else (pieces[0][0] if pieces else sp.Symbol(t))
        )
        ia = sbml.createInitialAssignment()
        ia.setSymbol(rename[t])
        _ok(ia.setMath(_math(start, {})), f"set the start value of {rename[t]}")
    return rename


def _check(doc: libsbml.SBMLDocument, name: str) -> None:
    doc.checkConsistency()
    errors = [
        doc.getError(i)
        for i in range(doc.getNumErrors())
        if doc.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR
    ]
    if errors:
        first = errors[0]
        raise SBMLExportError(
            f"the SBML written for model '{name}' fails libsbml's checks ({len(errors)} errors), first: "
            f"line {first.getLine()}: {first.getMessage().strip()}"
        )
