"""SBML -> Model: species, compartments, parameters, reactions, rules, function definitions,
initial assignments and time-triggered events, read with python-libsbml.

Mapping:

* a species changed by reactions or a rate rule, and a parameter with a rate rule, is a
  :class:`~bonemodel.model.State`; reactions add ``stoichiometry * rate / compartment size``
  (``/ size`` omitted for ``hasOnlySubstanceUnits`` species, which are amounts);
* a variable with an assignment rule, each reaction's rate (under the reaction's id) and a
  constant parameter fixed by an initial assignment are named expressions;
* every other parameter, compartment size and constant species is a parameter;
* an event whose trigger is ``time >= c`` (or ``>``, either side) and which sets parameters to
  constant values is a scenario window; the file's events are ``model.scenarios["events"]``.

Anything else (algebraic rules, variable compartments, events on states or triggered by states,
delays, ``rateOf``, conversion factors, packages) is refused with :class:`SBMLImportError`
naming the element and its id. MathML is translated node by node (:mod:`._mathml`).
"""

from __future__ import annotations

import keyword
import math
from collections.abc import Mapping
from pathlib import Path

import libsbml
import sympy as sp

from ..errors import ModelError
from ..model import TIME, Input, Model, Observable, State
from ..parameters import Param, ParameterSet
from ..scenario import Scenario, Window
from ._mathml import UnsupportedMath, from_ast, lambda_from_ast
from .sbml_export import NAMESPACE

EVENTS_SCENARIO = "events"
"""Name under which an imported model keeps the file's events (``model.scenarios``)."""


class SBMLImportError(ModelError):
    """An SBML file that cannot be read as a bonemodel Model (the message names the element)."""


def from_sbml(source: str | Path) -> Model:
    """Read an SBML document (path or XML text) as a :class:`~bonemodel.model.Model`.

    Parameters
    ----------
    source
        A path to an ``.xml``/``.sbml`` file, or the document's text (starting with ``<``).

    Returns
    -------
    Model
        A normal model (simulate, steady_state, sweep, sensitivity). The file's time-triggered
        events are the scenario ``model.scenarios["events"]``; simulate with
        ``scenario="events"`` to apply them (``bonemodel simulate file.xml`` does).

    Raises
    ------
    SBMLImportError
        The file is not valid SBML, or it uses a construct bonemodel cannot represent; the
        message names the element and its id.
    """
    text, origin = _read(source)
    doc = libsbml.readSBMLFromString(text)
    errors = [
        doc.getError(i)
        for i in range(doc.getNumErrors())
        if doc.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR
    ]
    if errors:
        e = errors[0]
        raise SBMLImportError(f"{origin} is not valid SBML: line {e.getLine()}: {e.getMessage().strip()}")
    if doc.getModel() is None:
        raise SBMLImportError(f"{origin} holds no <model>")
    return _Importer(doc, origin).model()


def _read(source: str | Path) -> tuple[str, str]:
    if isinstance(source, Path) or (isinstance(source, str) and not source.lstrip().startswith("<")):
        path = Path(source)
        if not path.is_file():
            raise SBMLImportError(f"no SBML file '{path}' (give a path to an SBML file or the XML text)")
        return path.read_text(encoding="utf-8"), path.name
    if not isinstance(source, str):
        raise SBMLImportError(f"from_sbml needs a path or the XML text, got {type(source).__name__}")
    return source, "the SBML text"


def _info(sbase: libsbml.SBase) -> dict[str, str]:
    """The attributes of a ``bonemodel:info`` annotation ({} for files from elsewhere)."""
    ann = sbase.getAnnotation()
    if ann is None:
        return {}
    for i in range(ann.getNumChildren()):
        child = ann.getChild(i)
        if child.getName() == "info" and child.getURI() == NAMESPACE:
            attrs = child.getAttributes()
            return {attrs.getName(k): attrs.getValue(k) for k in range(attrs.getLength())}
    return {}


class _Importer:
    def __init__(self, doc: libsbml.SBMLDocument, origin: str) -> None:
        self.doc = doc
        self.m = doc.getModel()
        self.origin = origin
        self.functions: dict[str, tuple[tuple[sp.Symbol, ...], sp.Basic]] = {}
        self.names: dict[str, str] = {}  # SBML id -> bonemodel name
        self.local: dict[str, str] = {}  # local parameter ids of the kinetic law being read

    # ------------------------------------------------------------------ helpers
    def refuse(self, element: str, sid: str, why: str) -> SBMLImportError:
        return SBMLImportError(f"{self.origin}: <{element}> '{sid}' is not supported: {why}")

    def _name(self, sid: str) -> str:
        if sid not in self.names:
            name = sid
            taken = set(self.names.values())
            while keyword.iskeyword(name) or name == "t" or name in taken:
                name += "_"
            self.names[sid] = name
        return self.names[sid]

    def sym(self, sid: str) -> sp.Symbol:
        if sid in self.local:
            return sp.Symbol(self.local[sid])
        if sid not in self.known:
            raise UnsupportedMath(f"unknown identifier '{sid}'")
        return sp.Symbol(self._name(sid))

    def math(self, node: libsbml.ASTNode | None, element: str, sid: str) -> sp.Basic:
        if node is None:
            raise self.refuse(element, sid, "it has no math")
        try:
            return from_ast(node, self.sym, self.functions)
        except UnsupportedMath as exc:
            raise self.refuse(element, sid, str(exc)) from None

    # ---------------------------------------------------------------- the model
    def model(self) -> Model:
        m = self.m
        self._refuse_unsupported()
        for fd in m.getListOfFunctionDefinitions():
            try:
                self.functions[fd.getId()] = lambda_from_ast(fd.getMath(), self._fd_name, self.functions)
            except UnsupportedMath as exc:
                raise self.refuse("functionDefinition", fd.getId(), str(exc)) from None

        self.known = {c.getId() for c in m.getListOfCompartments()}
        self.known |= {s.getId() for s in m.getListOfSpecies()}
        self.known |= {p.getId() for p in m.getListOfParameters()}
        self.known |= {r.getId() for r in m.getListOfReactions()}
        for sid in sorted(self.known):
            self._name(sid)

        assigned = {r.getVariable(): r for r in m.getListOfRules() if r.isAssignment()}
        rated = {r.getVariable(): r for r in m.getListOfRules() if r.isRate()}
        initial = {ia.getSymbol(): ia for ia in m.getListOfInitialAssignments()}
        for c in m.getListOfCompartments():
            if not c.getConstant() or c.getId() in assigned or c.getId() in rated:
                raise self.refuse("compartment", c.getId(), "its size varies (only constant compartments)")

        windows, event_targets = self._events(assigned, rated)

        params: dict[str, Param] = {}
        states: list[State] = []
        inputs: list[Input] = []
        rhs: dict[str, sp.Expr] = {}
        expressions: dict[str, sp.Expr] = {}
        observables: list[Observable] = []

        def value_of(sid: str, element: str, raw: float | None) -> float:
            if raw is None or (isinstance(raw, float) and math.isnan(raw)):
                raise self.refuse(element, sid, "it has no value and no initial assignment")
            return float(raw)

        # compartments: constant sizes
        for c in m.getListOfCompartments():
            if c.getId() in initial:
                expressions[self._name(c.getId())] = self.math(
                    initial[c.getId()].getMath(), "initialAssignment", c.getId()
                )
                continue
            size = c.getSize() if c.isSetSize() else 1.0
            params[self._name(c.getId())] = self._param(c, size, "compartment")

        reaction_species = self._reaction_terms()

        for s in m.getListOfSpecies():
            sid = s.getId()
            name = self._name(sid)
            if s.isSetConversionFactor():
                raise self.refuse("species", sid, "conversion factors are not supported")
            size = sp.Symbol(self._name(s.getCompartment()))
            if s.isSetInitialConcentration():
                raw = s.getInitialConcentration()
                init = sp.Float(raw) * size if s.getHasOnlySubstanceUnits() else sp.Float(raw)
            elif s.isSetInitialAmount():
                raw = s.getInitialAmount()
                init = sp.Float(raw) if s.getHasOnlySubstanceUnits() else sp.Float(raw) / size
            else:
                init = None
            if sid in initial:
                init = self.math(initial[sid].getMath(), "initialAssignment", sid)
            if sid in assigned:
                expressions[name] = self.math(assigned[sid].getMath(), "assignmentRule", sid)
                continue
            moving = sid in rated or (sid in reaction_species and not s.getBoundaryCondition())
            if s.getConstant() or not moving:
                if init is None:
                    raise self.refuse("species", sid, "it has no initial value")
                if init.free_symbols:
                    expressions[name] = init
                else:
                    params[name] = self._param(s, float(init), "species")
                continue
            if init is None:
                raise self.refuse("species", sid, "it has no initial value")
            if sid in rated:
                rhs[name] = self.math(rated[sid].getMath(), "rateRule", sid)
            else:
                terms = reaction_species[sid]
                scale = sp.Integer(1) if s.getHasOnlySubstanceUnits() else 1 / size
                rhs[name] = sp.Add(*terms) * scale
            states.append(self._state(s, name, init))

        for p in m.getListOfParameters():
            sid = p.getId()
            name = self._name(sid)
            info = _info(p)
            if sid in rated:
                init = (
                    self.math(initial[sid].getMath(), "initialAssignment", sid)
                    if sid in initial
                    else sp.Float(value_of(sid, "parameter", p.getValue() if p.isSetValue() else None))
                )
                rhs[name] = self.math(rated[sid].getMath(), "rateRule", sid)
                states.append(self._state(p, name, init))
            elif sid in assigned:
                expressions[name] = self.math(assigned[sid].getMath(), "assignmentRule", sid)
            elif info.get("kind") == "input" and p.getConstant():
                inputs.append(
                    Input(
                        name,
                        float(p.getValue()),
                        unit=info.get("unit", ""),
                        description=info.get("description", ""),
                        latex=info.get("latex", ""),
                    )
                )
            elif sid in initial and sid not in event_targets:
                expressions[name] = self.math(initial[sid].getMath(), "initialAssignment", sid)
            elif sid in initial:
                # a parameter set by events whose start value is computed: fix it to a number
                expr = self.math(initial[sid].getMath(), "initialAssignment", sid)
                params[name] = self._param(
                    p, self._numeric(expr, params, inputs, "initialAssignment", sid), "parameter"
                )
            else:
                params[name] = self._param(
                    p, value_of(sid, "parameter", p.getValue() if p.isSetValue() else None), "parameter"
                )

        for r in m.getListOfReactions():
            law = r.getKineticLaw()
            self.local = {}
            for lp in self._locals(law):
                local = f"{self._name(r.getId())}_{lp.getId()}"
                while local in self.names.values() or local in params:
                    local += "_"
                self.local[lp.getId()] = local
                params[local] = self._param(lp, lp.getValue(), "local parameter", name=local)
            expressions[self._name(r.getId())] = self.math(law.getMath(), "kineticLaw", r.getId())
            self.local = {}

        observables = self._observables(expressions, params)
        states = _initials_resolved(states, expressions)
        own = _info(m)
        model_name = _model_name(m)
        try:
            model = Model(
                model_name,
                tuple(states),
                ParameterSet(model_name, params, tuple(own.get("citations", "").split())),
                rhs,
                inputs=tuple(inputs),
                expressions=expressions,
                observables=tuple(observables),
                description=own.get("description", m.getName() or ""),
                default_t_end=float(own.get("default_t_end", 100.0)),
                scenarios={EVENTS_SCENARIO: Scenario(EVENTS_SCENARIO, {}, tuple(windows))} if windows else {},
            )
        except ModelError as exc:
            raise SBMLImportError(f"{self.origin}: the equations do not form a valid model: {exc}") from None
        return model

    def _fd_name(self, sid: str) -> sp.Basic:
        raise UnsupportedMath(f"function definition uses '{sid}', which is not one of its arguments")

    def _refuse_unsupported(self) -> None:
        m = self.m
        for i in range(self.doc.getNumPlugins()):
            plugin = self.doc.getPlugin(i)
            prefix = plugin.getPrefix()
            # packages that change the maths must be required="true" (layout, render are not)
            if prefix and self.doc.getLevel() >= 3 and self.doc.getPackageRequired(plugin.getPackageName()):
                raise self.refuse("sbml", prefix, f"the package '{plugin.getPackageName()}' is not supported")
        for r in m.getListOfRules():
            if r.isAlgebraic():
                raise self.refuse(
                    "algebraicRule", r.getMetaId() or "(no id)", "algebraic rules need a DAE solver"
                )
        if m.isSetConversionFactor():
            raise self.refuse("model", m.getId(), "conversion factors are not supported")
        for r in m.getListOfReactions():
            if r.isSetFast() and r.getFast():
                raise self.refuse("reaction", r.getId(), "fast reactions are not supported")
            if r.getKineticLaw() is None:
                raise self.refuse("reaction", r.getId(), "it has no kinetic law")
            for ref in list(r.getListOfReactants()) + list(r.getListOfProducts()):
                if ref.isSetStoichiometryMath() if hasattr(ref, "isSetStoichiometryMath") else False:
                    raise self.refuse("speciesReference", ref.getSpecies(), "stoichiometry given by math")
                if ref.getLevel() >= 3 and (ref.isSetId() and self._is_assigned(ref.getId())):
                    raise self.refuse("speciesReference", ref.getId(), "variable stoichiometry")

    def _is_assigned(self, sid: str) -> bool:
        m = self.m
        return (
            any(r.getVariable() == sid for r in m.getListOfRules())
            or any(ia.getSymbol() == sid for ia in m.getListOfInitialAssignments())
            or any(
                ea.getVariable() == sid for e in m.getListOfEvents() for ea in e.getListOfEventAssignments()
            )
        )

    @staticmethod
    def _locals(law: libsbml.KineticLaw) -> list:
        return list(law.getListOfLocalParameters()) + list(law.getListOfParameters())

    def _reaction_terms(self) -> dict[str, list[sp.Expr]]:
        out: dict[str, list[sp.Expr]] = {}
        for r in self.m.getListOfReactions():
            rate = sp.Symbol(self._name(r.getId()))
            for sign, refs in ((-1, r.getListOfReactants()), (1, r.getListOfProducts())):
                for ref in refs:
                    stoich = ref.getStoichiometry() if ref.isSetStoichiometry() else 1.0
                    if math.isnan(stoich):
                        stoich = 1.0
                    coeff = sp.Integer(int(stoich)) if float(stoich).is_integer() else sp.Float(stoich)
                    out.setdefault(ref.getSpecies(), []).append(sign * coeff * rate)
        return out

    def _numeric(
        self, expr: sp.Basic, params: Mapping[str, Param], inputs: list[Input], element: str, sid: str
    ) -> float:
        values = {sp.Symbol(n): sp.Float(p.value) for n, p in params.items()}
        values |= {sp.Symbol(u.name): sp.Float(u.default) for u in inputs}
        number = sp.sympify(expr).xreplace(values)
        if number.free_symbols or not number.is_number:
            raise self.refuse(element, sid, f"its value {expr} is not a constant of the parameters")
        return float(number)

    def _param(self, sbase: libsbml.SBase, value: float, kind: str, name: str | None = None) -> Param:
        info = _info(sbase)
        unit = info.get("unit", sbase.getUnits() if sbase.isSetUnits() else "")
        rng = info.get("range", "").split()
        return Param(
            name or self._name(sbase.getId()),
            float(value),
            unit,
            info.get("description", sbase.getName() or f"SBML {kind} {sbase.getId()}"),
            info.get("source", self.origin),
            where=info.get("where", "" if info else kind),
            range=(float(rng[0]), float(rng[1])) if len(rng) == 2 else None,
            dist=info.get("dist", "uniform"),
            note=info.get("note", ""),
            latex=info.get("latex", ""),
            lower=float(info.get("lower", -math.inf)),
        )

    def _state(self, sbase: libsbml.SBase, name: str, init: sp.Expr) -> State:
        info = _info(sbase)
        unit = info.get("unit", sbase.getUnits() if sbase.isSetUnits() else "")
        initial: sp.Expr | str = info["initial"] if info.get("initial") else init
        return State(
            name,
            initial,
            unit=unit,
            description=info.get("description", sbase.getName() or ""),
            latex=info.get("latex", ""),
            nonnegative=info.get("nonnegative", "false") == "true",
        )

    def _observables(self, expressions: dict[str, sp.Expr], params: dict[str, Param]) -> list[Observable]:
        """Observables from the export's annotations; every assignment rule for other files."""
        out = []
        own = bool(_info(self.m))
        if not own:
            rules = {self._name(r.getVariable()) for r in self.m.getListOfRules() if r.isAssignment()}
            return [Observable(n, sp.Symbol(n)) for n in expressions if n in rules]
        for p in self.m.getListOfParameters():
            info = _info(p)
            if info.get("kind") != "observable":
                continue
            name = self._name(p.getId())
            expr = expressions[name]
            if info.get("expression") == "true":
                expr = sp.Symbol(name)
            else:
                del expressions[name]
            baseline = info.get("baseline") or None
            if baseline == "start":
                start = f"{name}_start"
                expr = expressions.pop(start)
            out.append(
                Observable(
                    name,
                    expr,
                    unit=info.get("unit", ""),
                    description=info.get("description", ""),
                    latex=info.get("latex", ""),
                    baseline=baseline,
                )
            )
        return out

    # ------------------------------------------------------------------- events
    def _events(self, assigned, rated) -> tuple[list[Window], set[str]]:
        """Scenario windows of the time-triggered events that set parameters to constants."""
        m = self.m
        params = {p.getId(): p for p in m.getListOfParameters()}
        changes: dict[str, list[tuple[float, sp.Basic, str]]] = {}
        for e in m.getListOfEvents():
            eid = e.getId() or e.getMetaId() or "(no id)"
            if e.isSetDelay():
                raise self.refuse("event", eid, "delayed events are not supported")
            trigger = e.getTrigger()
            when = self._trigger_time(trigger, eid)
            if when is None:
                continue
            for ea in e.getListOfEventAssignments():
                var = ea.getVariable()
                if var not in params or var in assigned or var in rated:
                    raise self.refuse(
                        "event",
                        eid,
                        f"it assigns '{var}', which is not a parameter (only parameter changes "
                        "become scenario windows)",
                    )
                value = self.math(ea.getMath(), "eventAssignment", eid)
                if value.free_symbols - {sp.Symbol(self._name(p)) for p in params if params[p].getConstant()}:
                    raise self.refuse("event", eid, f"the value of '{var}' is not a constant ({value})")
                changes.setdefault(var, []).append((when, value, eid))
        self._pending = changes
        windows: list[Window] = []
        values = {
            sp.Symbol(self._name(p.getId())): sp.Float(p.getValue())
            for p in m.getListOfParameters()
            if p.getConstant() and p.isSetValue()
        }
        for var, events in changes.items():
            events.sort(key=lambda x: x[0])
            for (t0, v, eid), nxt in zip(events, events[1:] + [(math.inf, None, "")]):
                if nxt[0] == t0:
                    raise self.refuse("event", eid, f"two events set '{var}' at the same time t = {t0:g}")
                number = sp.sympify(v).xreplace(values)
                if number.free_symbols:
                    raise self.refuse("event", eid, f"the value of '{var}' is not a constant ({v})")
                windows.append(Window(self._name(var), t0, nxt[0], float(number)))
        return windows, set(changes)

    def _trigger_time(self, trigger: libsbml.Trigger, eid: str) -> float | None:
        """``c`` of a trigger ``time >= c`` (None if the event can never fire after t = 0)."""
        expr = self.math(trigger.getMath(), "event", eid)
        t = TIME
        c = None
        if isinstance(expr, (sp.GreaterThan, sp.StrictGreaterThan)) and expr.lhs == t:
            c = expr.rhs
        elif isinstance(expr, (sp.LessThan, sp.StrictLessThan)) and expr.rhs == t:
            c = expr.lhs
        if c is None or t in c.free_symbols or c.free_symbols - self._constant_symbols():
            raise self.refuse(
                "event",
                eid,
                f"its trigger '{libsbml.formulaToL3String(trigger.getMath())}' is not "
                "'time >= constant' (only time-triggered parameter changes are supported)",
            )
        values = {
            sp.Symbol(self._name(p.getId())): sp.Float(p.getValue())
            for p in self.m.getListOfParameters()
            if p.getConstant() and p.isSetValue()
        }
        when = float(sp.sympify(c).xreplace(values))
        if when <= 0 and trigger.getInitialValue():
            return None  # already true at t = 0 and never turns false: it never fires
        return max(when, 0.0)

    def _constant_symbols(self) -> set[sp.Symbol]:
        return {sp.Symbol(self._name(p.getId())) for p in self.m.getListOfParameters() if p.getConstant()}


def _model_name(m: libsbml.Model) -> str:
    base = m.getName() if _info(m) and m.getName() else (m.getId() or "sbml_model")
    out = "".join(c if c.isalnum() or c in "_.+-" else "_" for c in base)
    return out or "sbml_model"


def _initials_resolved(states: list[State], expressions: Mapping[str, sp.Expr]) -> list[State]:
    """Initial values in terms of parameters only: SBML lets an initial assignment use other
    states' initial values and assignment-rule variables, a bonemodel initial value may not."""
    subs = {sp.Symbol(s.name): s.initial for s in states if not isinstance(s.initial, str)}
    subs |= {sp.Symbol(s.name): sp.Symbol(s.initial) for s in states if isinstance(s.initial, str)}
    subs |= {sp.Symbol(k): v for k, v in expressions.items()}
    out = []
    for s in states:
        if isinstance(s.initial, str):
            out.append(s)
            continue
        expr = sp.sympify(s.initial)
        for _ in range(len(subs) + 1):
            if not expr.free_symbols & subs.keys():
                break
            expr = expr.xreplace(subs)
        out.append(State(s.name, expr, s.unit, s.description, s.latex, s.nonnegative))
    return out
