"""Symbolic models: states, parameters, inputs, named expressions, observables and the RHS.

A :class:`Model` is a frozen description in sympy. It is built by a model file in
``bonemodel/models`` and can be extended by :class:`Module` objects, which add states,
parameters, inputs, terms and observables, or rewrite a named expression of the model
they extend (the way the inflammation model grows out of Pivonka 2008).
Symbols are plain ``sympy.Symbol`` objects identified by name; there is no global
registry of names.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import sympy as sp

from ._checks import shown
from .errors import ModelError, suggest
from .parameters import ParameterSet

TIME = sp.Symbol("t")
"""The time symbol (days); models may use it for explicit time dependence."""


# fullmatch, not ``^...$``: ``$`` also matches before a final newline, which let "x\n" through
_ASCII_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MODEL_NAME = re.compile(r"[A-Za-z0-9_.+-]+")


def _usable(name: Any) -> bool:
    return isinstance(name, str) and _ASCII_NAME.fullmatch(name) is not None and not keyword.iskeyword(name)


def as_expr(value: Any, where: str = "expression") -> sp.Expr:
    """A sympy expression from a sympy object or number; text is refused, never parsed.

    Symbols carrying assumptions (``Symbol("x", positive=True)``) are replaced by the
    plain symbol of the same name, since models identify symbols by name only.

    Parameters
    ----------
    value
        A sympy expression, a sympy number or a Python int or float.
    where
        What the value is, quoted in the error message.

    Returns
    -------
    sympy.Expr
        The expression, with plain symbols.

    Raises
    ------
    ModelError
        If the value is text, a bool, or another object that is not an expression.
    """
    if isinstance(value, str):
        raise ModelError(f"{where} is text ({value!r}); give a sympy expression, text is never evaluated")
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        raise ModelError(f"{where} is {value!r}, a bool; give a number or a sympy expression")
    try:
        expr = sp.sympify(value, strict=True)
    except sp.SympifyError:
        raise ModelError(
            f"{where} must be a sympy expression or a number, got {type(value).__name__}"
        ) from None
    plain = {
        x: sp.Symbol(x.name) for x in expr.free_symbols if isinstance(x, sp.Symbol) and x != sp.Symbol(x.name)
    }
    return expr.xreplace(plain) if plain else expr


def symbols(names: str) -> tuple[sp.Symbol, ...]:
    """Plain sympy symbols for space-separated names, e.g. ``R, B, C = symbols("R B C")``.

    Parameters
    ----------
    names
        Space-separated names.

    Returns
    -------
    tuple of sympy.Symbol
        One plain symbol (no assumptions) per name.
    """
    return tuple(sp.Symbol(n) for n in names.split())


@dataclass(frozen=True)
class State:
    """A dynamic variable with its initial value (number, parameter name or expression).

    Parameters
    ----------
    name
        Identifier of the state, the paper's symbol where it is valid Python (``"OCa"``).
    initial
        Initial value in ``unit``: a number, the name of a parameter, or a sympy expression of
        parameters.
    unit
        Unit of the state, e.g. ``"pM"`` (cell concentrations) or ``"%"`` (bone volume).
    description
        What the state is, in words.
    latex
        LaTeX form of the name for equations (default: derived from ``name``).
    nonnegative
        Whether a materially negative value fails the run (true for concentrations and volumes).
    """

    name: str
    initial: float | str | sp.Expr
    unit: str = ""
    description: str = ""
    latex: str = ""
    nonnegative: bool = True

    @property
    def symbol(self) -> sp.Symbol:
        """The sympy symbol of the state."""
        return sp.Symbol(self.name)


@dataclass(frozen=True)
class Input:
    """An exogenous driver (dose rate, disease activity); scenarios schedule it in time.

    Parameters
    ----------
    name
        Identifier of the input.
    default
        Value in ``unit`` when no scenario sets it.
    unit
        Unit of the input, e.g. ``"pM/day"`` for an infusion rate, ``"1"`` for a dimensionless activity.
    description
        What the input is, in words.
    latex
        LaTeX form of the name for equations.
    """

    name: str
    default: float = 0.0
    unit: str = ""
    description: str = ""
    latex: str = ""

    @property
    def symbol(self) -> sp.Symbol:
        """The sympy symbol of the input."""
        return sp.Symbol(self.name)


@dataclass(frozen=True)
class Observable:
    """A derived quantity reported beside the states.

    ``baseline="start"`` reports the percent change of ``expr`` from its value at the
    first time point of a simulation (e.g. BMD change from the scenario's start).

    Parameters
    ----------
    name
        Identifier of the observable (stable names such as ``"bmd_spine_pct"``).
    expr
        Sympy expression of states, parameters, inputs, named expressions and ``t`` [day].
    unit
        Unit of the reported value (``"%"`` when ``baseline="start"``).
    description
        What the observable is, in words.
    latex
        LaTeX form of the name for equations.
    baseline
        ``None`` (report ``expr`` itself) or ``"start"`` (percent change from the first time point).
    """

    name: str
    expr: sp.Expr
    unit: str = ""
    description: str = ""
    latex: str = ""
    baseline: str | None = None


ExprLike = sp.Expr | float | int


@dataclass(frozen=True)
class Module:
    """A piece of model that extends another one.

    ``expressions`` adds named intermediate expressions; ``modify`` maps an existing
    expression or state name to a function old -> new expression; ``terms`` adds terms
    to the right-hand sides of existing or new states; ``rhs`` gives the right-hand
    side of the module's own new states.

    Parameters
    ----------
    name
        Identifier of the module (``"cytokines"``); recorded in ``Model.modules``.
    states
        New states the module adds.
    inputs
        New inputs the module adds.
    parameters
        The module's parameters (from its parameter file), merged into the model's.
    expressions
        New named intermediate expressions (sympy), in the units their parameter files imply.
    rhs
        Right-hand sides [state unit/day] of the module's own new states.
    terms
        Terms [state unit/day] added to the right-hand sides of existing states.
    modify
        Functions ``old expression -> new expression`` applied to existing expressions or right-hand sides.
    observables
        New observables.
    citations
        Keys of ``parameters/references.bib`` the module is built on.
    description
        What the module models, in words.
    """

    name: str
    states: tuple[State, ...] = ()
    inputs: tuple[Input, ...] = ()
    parameters: ParameterSet | None = None
    expressions: Mapping[str, ExprLike] = field(default_factory=dict)
    rhs: Mapping[str, ExprLike] = field(default_factory=dict)
    terms: Mapping[str, ExprLike] = field(default_factory=dict)
    modify: Mapping[str, Callable[[sp.Expr], sp.Expr]] = field(default_factory=dict)
    observables: tuple[Observable, ...] = ()
    citations: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Model:
    """A symbolic ODE model ``dy/dt = rhs(t, y, p, u)`` with its parameters and outputs.

    Time ``t`` is in days; every state, parameter, input and observable carries its own unit.

    Parameters
    ----------
    name
        Identifier of the model (``"pivonka2008"``); names cache files, so letters, digits and ``_ . + -``.
    states
        The dynamic variables, in the order of the state vector.
    parameters
        The parameter set (values with units, sources and ranges).
    rhs
        Right-hand side of each state [state unit/day], keyed by state name (sympy expressions).
    inputs
        Exogenous drivers that scenarios schedule in time.
    expressions
        Named intermediate expressions used by the right-hand sides and observables.
    observables
        Derived quantities reported beside the states.
    citations
        Keys of ``parameters/references.bib`` the model is built on.
    description
        What the model is, in words.
    modules
        Names of the modules applied to the core, in order.
    scenarios
        Named scenarios of this model (name -> Scenario).
    default_t_end
        Simulated time [day] when ``simulate`` is given no ``t_end``.
    outputs
        Named outputs for sweeps and sensitivity, e.g. ``{"bmd_change_10y": "bmd_spine_pct@3652.5"}``.

    Raises
    ------
    ModelError
        If a name is not a usable identifier, a symbol is undefined, or an equation is not an expression.

    Examples
    --------
    >>> import bonemodel as bm
    >>> model = bm.load_model("lemaire2004")
    >>> model.state_names
    ['R', 'B', 'C']
    """

    name: str
    states: tuple[State, ...]
    parameters: ParameterSet
    rhs: Mapping[str, ExprLike]
    inputs: tuple[Input, ...] = ()
    expressions: Mapping[str, ExprLike] = field(default_factory=dict)
    observables: tuple[Observable, ...] = ()
    citations: tuple[str, ...] = ()
    description: str = ""
    modules: tuple[str, ...] = ()
    scenarios: Mapping[str, Any] = field(default_factory=dict)
    default_t_end: float = 365.0
    outputs: Mapping[str, str] = field(default_factory=dict)
    """Named outputs for sweeps and sensitivity, e.g. ``{"bmd_change_10y": "bmd_spine_pct@3652.5"}``."""

    def __post_init__(self) -> None:
        self._check_names()
        rhs = {k: as_expr(v, f"d{k}/dt of model '{self.name}'") for k, v in self.rhs.items()}
        object.__setattr__(self, "rhs", rhs)
        exprs = {
            k: as_expr(v, f"expression '{k}' of model '{self.name}'") for k, v in self.expressions.items()
        }
        object.__setattr__(self, "expressions", exprs)
        observables = tuple(
            replace(o, expr=as_expr(o.expr, f"observable '{o.name}' of model '{self.name}'"))
            for o in self.observables
        )
        object.__setattr__(self, "observables", observables)
        states = tuple(
            s
            if isinstance(s.initial, str)
            else replace(s, initial=as_expr(s.initial, f"initial value of '{s.name}'"))
            for s in self.states
        )
        object.__setattr__(self, "states", states)
        object.__setattr__(self, "inputs", tuple(self.inputs))
        object.__setattr__(
            self, "citations", tuple(dict.fromkeys(self.citations + self.parameters.citations))
        )
        object.__setattr__(self, "scenarios", dict(self.scenarios))
        object.__setattr__(self, "outputs", dict(self.outputs))
        self.validate()

    # ------------------------------------------------------------------ names
    @property
    def state_names(self) -> list[str]:
        """State names, in the order of the state vector."""
        return [s.name for s in self.states]

    @property
    def parameter_names(self) -> list[str]:
        """Parameter names, in the order of the runtime vector."""
        return self.parameters.names

    @property
    def input_names(self) -> list[str]:
        """Input names, in the order of the runtime vector (after the parameters)."""
        return [u.name for u in self.inputs]

    @property
    def observable_names(self) -> list[str]:
        """Observable names, in order."""
        return [o.name for o in self.observables]

    def state(self, name: str) -> State:
        """The state called ``name``.

        Parameters
        ----------
        name
            A state name.

        Returns
        -------
        State
            The state, with its unit and initial value.

        Raises
        ------
        ModelError
            If the model has no such state (with a "did you mean").
        """
        for s in self.states:
            if s.name == name:
                return s
        raise ModelError(f"model '{self.name}' has no state '{name}'{suggest(name, self.state_names)}")

    def observable(self, name: str) -> Observable:
        """The observable called ``name``.

        Parameters
        ----------
        name
            An observable name.

        Returns
        -------
        Observable
            The observable, with its unit and expression.

        Raises
        ------
        ModelError
            If the model has no such observable (with a "did you mean").
        """
        for o in self.observables:
            if o.name == name:
                return o
        raise ModelError(
            f"model '{self.name}' has no observable '{name}'{suggest(name, self.observable_names)}"
        )

    # ------------------------------------------------------------- validation
    def _check_names(self) -> None:
        """Names first: every later message quotes them, and they name cache files."""
        if not isinstance(self.name, str) or not _MODEL_NAME.fullmatch(self.name):
            raise ModelError(
                f"model name {self.name!r} may only contain letters, digits and _ . + - (it names cache files)"
            )
        for kind, items in (("state", self.states), ("input", self.inputs), ("observable", self.observables)):
            for item in items:
                if not _usable(getattr(item, "name", None)):
                    raise ModelError(
                        f"model '{self.name}': {kind} name {getattr(item, 'name', item)!r} is not a usable "
                        "identifier (letters, digits and _, not starting with a digit)"
                    )
        for u in self.inputs:
            default = u.default
            if isinstance(default, bool) or not isinstance(default, (int, float)) or default != default:
                raise ModelError(
                    f"model '{self.name}': default of input '{u.name}' must be a number, got {shown(default)}"
                )
        for key in list(self.rhs) + list(self.expressions):
            if not _usable(key):
                raise ModelError(f"model '{self.name}': equation name {key!r} is not a usable identifier")
        t_end = self.default_t_end
        if isinstance(t_end, bool) or not isinstance(t_end, (int, float)) or not 0 < t_end < float("inf"):
            raise ModelError(
                f"model '{self.name}': default_t_end must be a positive number of days, got {shown(t_end)}"
            )

    def validate(self) -> None:
        """Check names are unique identifiers and every symbol used is defined."""
        if not isinstance(self.name, str) or not _MODEL_NAME.fullmatch(self.name):
            raise ModelError(
                f"model name {self.name!r} may only contain letters, digits and _ . + - (it names cache files)"
            )
        groups = {
            "state": self.state_names,
            "parameter": self.parameter_names,
            "input": self.input_names,
            "expression": list(self.expressions),
        }
        seen: dict[str, str] = {}
        for kind, names in groups.items():
            for n in names:
                if not _usable(n) or n == "t":
                    raise ModelError(f"model '{self.name}': {kind} name {n!r} is not a usable identifier")
                if n in seen:
                    raise ModelError(f"model '{self.name}': '{n}' is defined as {seen[n]} and as {kind}")
                seen[n] = kind
        # An observable may report a named expression under that expression's own name.
        for o in self.observables:
            if o.name in seen and seen[o.name] != "expression":
                raise ModelError(
                    f"model '{self.name}': observable '{o.name}' is also defined as {seen[o.name]}"
                )
            if not _usable(o.name):
                raise ModelError(
                    f"model '{self.name}': observable name {o.name!r} is not a usable identifier"
                )
        if len(set(self.observable_names)) != len(self.observable_names):
            raise ModelError(f"model '{self.name}': observable names repeat: {self.observable_names}")
        missing = [s for s in self.state_names if s not in self.rhs]
        if missing:
            raise ModelError(f"model '{self.name}': states {missing} have no right-hand side")
        extra = [s for s in self.rhs if s not in self.state_names]
        if extra:
            raise ModelError(
                f"model '{self.name}': right-hand sides given for {extra}, which are not states"
                f"{suggest(extra[0], self.state_names)}"
            )
        known = {"t"} | set(self.state_names) | set(self.parameter_names) | set(self.input_names)
        known |= set(self.expressions)
        where = [(f"d{k}/dt", v) for k, v in self.rhs.items()]
        where += [(f"expression {k}", v) for k, v in self.expressions.items()]
        where += [(f"observable {o.name}", o.expr) for o in self.observables]
        for o in self.observables:
            if o.baseline not in (None, "start"):
                raise ModelError(
                    f"observable '{o.name}': baseline must be None or 'start', got {o.baseline!r}"
                )
        for s in self.states:
            if isinstance(s.initial, str):
                if s.initial not in self.parameters:
                    raise ModelError(
                        f"model '{self.name}': initial value of '{s.name}' names unknown parameter "
                        f"'{s.initial}'{suggest(s.initial, self.parameter_names)}"
                    )
            else:
                bad = sorted(
                    str(x) for x in s.initial.free_symbols if str(x) in self.state_names or str(x) == "t"
                )
                if bad:
                    raise ModelError(
                        f"model '{self.name}': initial value of '{s.name}' uses {bad}; initial values may "
                        "depend on parameters and inputs only"
                    )
                where.append((f"initial value of {s.name}", s.initial))
        for label, expr in where:
            unknown = sorted(str(x) for x in expr.free_symbols if str(x) not in known)
            if unknown:
                raise ModelError(
                    f"model '{self.name}': {label} uses undefined symbol(s) {unknown}"
                    f"{suggest(unknown[0], known)}; declare them as parameters, states or inputs"
                )
        self._expression_order()

    def _expression_order(self) -> list[str]:
        """Expressions in dependency order; raises on a cycle."""
        order: list[str] = []
        state: dict[str, int] = {}

        def visit(name: str, chain: tuple[str, ...]) -> None:
            if state.get(name) == 2:
                return
            if state.get(name) == 1:
                raise ModelError(f"model '{self.name}': expressions refer to each other in a cycle {chain}")
            state[name] = 1
            for dep in self.expressions[name].free_symbols:
                if str(dep) in self.expressions:
                    visit(str(dep), chain + (str(dep),))
            state[name] = 2
            order.append(name)

        for name in self.expressions:
            visit(name, (name,))
        return order

    # ----------------------------------------------------------- resolution
    def resolve(self, expr: ExprLike) -> sp.Expr:
        """Substitute all named expressions so only states, parameters, inputs and t remain.

        Parameters
        ----------
        expr
            A sympy expression (or number) in the model's names.

        Returns
        -------
        sympy.Expr
            The expression in states, parameters, inputs and ``t`` [day] only.
        """
        expr = as_expr(expr)
        resolved = self._resolved_expressions()
        return expr.xreplace(resolved)

    def _resolved_expressions(self) -> dict[sp.Symbol, sp.Expr]:
        cache = self.__dict__.get("_resolved_cache")
        if cache is None:
            cache = {}
            for name in self._expression_order():
                cache[sp.Symbol(name)] = self.expressions[name].xreplace(cache)
            object.__setattr__(self, "_resolved_cache", cache)
        return cache

    def resolved_rhs(self) -> list[sp.Expr]:
        """Right-hand sides in state order, with expressions substituted.

        Returns
        -------
        list of sympy.Expr
            One rate [state unit/day] per state, in states, parameters, inputs and ``t`` only.
        """
        return [self.resolve(self.rhs[s]) for s in self.state_names]

    def initial_expr(self, state: State) -> sp.Expr:
        """The initial value of a state as an expression.

        Parameters
        ----------
        state
            One of the model's states.

        Returns
        -------
        sympy.Expr
            Its initial value [state unit], in parameters only.
        """
        if isinstance(state.initial, str):
            return sp.Symbol(state.initial)
        return self.resolve(state.initial)

    # ------------------------------------------------------------ extension
    def extend(self, *modules: Module, name: str | None = None) -> Model:
        """A new model with the modules applied in order (this model is unchanged).

        Parameters
        ----------
        *modules
            The modules to apply, in order.
        name
            Name of the new model (default: this model's name).

        Returns
        -------
        Model
            The extended model.

        Raises
        ------
        ModelError
            If a module redefines an expression, adds a term to an unknown state, or modifies
            something that does not exist.
        """
        model = self
        for module in modules:
            model = model._apply(module)
        if name is not None:
            model = replace(model, name=name)
        return model

    def _apply(self, m: Module) -> Model:
        expressions = dict(self.expressions)
        rhs = dict(self.rhs)
        clash = sorted(set(m.expressions) & set(expressions))
        if clash:
            raise ModelError(f"module '{m.name}' redefines expressions {clash}; use modify= to change them")
        expressions.update(
            {k: as_expr(v, f"expression '{k}' of module '{m.name}'") for k, v in m.expressions.items()}
        )
        own = {s.name for s in m.states}
        for name in own - set(m.rhs):
            raise ModelError(f"module '{m.name}': new state '{name}' has no rhs")
        for name in set(m.rhs) - own:
            raise ModelError(
                f"module '{m.name}' gives rhs for '{name}', which is not one of its own states; "
                "use terms= to add to an existing equation or modify= to rewrite it"
            )
        rhs.update({k: as_expr(v, f"d{k}/dt of module '{m.name}'") for k, v in m.rhs.items()})
        for target, fn in m.modify.items():
            if target in expressions:
                expressions[target] = as_expr(fn(expressions[target]), f"modified '{target}'")
            elif target in rhs:
                rhs[target] = as_expr(fn(rhs[target]), f"modified d{target}/dt")
            else:
                raise ModelError(
                    f"module '{m.name}' modifies '{target}', which is neither an expression nor a state of "
                    f"'{self.name}'{suggest(target, list(expressions) + list(rhs))}"
                )
        for target, term in m.terms.items():
            if target not in rhs:
                raise ModelError(
                    f"module '{m.name}' adds a term to unknown state '{target}'{suggest(target, rhs)}"
                )
            rhs[target] = rhs[target] + as_expr(term, f"term added to d{target}/dt by '{m.name}'")
        params = self.parameters if m.parameters is None else self.parameters.merge(m.parameters)
        return replace(
            self,
            states=self.states + tuple(m.states),
            inputs=self.inputs + tuple(m.inputs),
            parameters=params,
            expressions=expressions,
            rhs=rhs,
            observables=self.observables + tuple(m.observables),
            citations=self.citations + tuple(m.citations),
            modules=self.modules + (m.name,),
        )

    def with_parameters(self, parameters: ParameterSet) -> Model:
        """The same equations bound to another parameter set (names must match).

        Parameters
        ----------
        parameters
            A parameter set with exactly this model's parameter names.

        Returns
        -------
        Model
            A model with the same equations (and compiled-code key), new values.

        Raises
        ------
        ModelError
            If the set lacks a parameter of the model or has one the model does not use.
        """
        missing = sorted(set(self.parameter_names) - set(parameters.names))
        extra = sorted(set(parameters.names) - set(self.parameter_names))
        if missing or extra:
            raise ModelError(
                f"parameter set '{parameters.name}' does not fit model '{self.name}': "
                f"missing {missing}, not used {extra}"
            )
        ordered = ParameterSet(
            parameters.name,
            {n: parameters.params[n] for n in self.parameter_names},
            parameters.citations,
            parameters.path,
        )
        new = replace(self, parameters=ordered)
        # Same equations: reuse the resolved expressions and the compiled code's key.
        for attr in ("_resolved_cache", "_key"):
            if attr in self.__dict__:
                object.__setattr__(new, attr, self.__dict__[attr])
        return new

    # ---------------------------------------------------------- description
    def describe(self) -> str:
        """A markdown summary: equations in LaTeX, states, parameters with sources.

        Returns
        -------
        str
            Markdown: the equations (sympy's LaTeX of the right-hand sides, each rate in
            [state unit/day]), tables of states, inputs and observables with their units, and the
            parameter table with value, unit, description and source.
        """
        lines = [f"# Model `{self.name}`", ""]
        if self.description:
            lines += [self.description, ""]
        if self.citations:
            lines += ["References: " + ", ".join(self.citations), ""]
        lines += ["## Equations", ""]
        for s in self.states:
            lhs = rf"\frac{{d{_latex_name(s)}}}{{dt}}"
            lines.append(f"$$ {lhs} = {sp.latex(self.rhs[s.name], symbol_names=self._latex_names())} $$")
        if self.expressions:
            lines += ["", "where", ""]
            for k, v in self.expressions.items():
                name = sp.latex(sp.Symbol(k), symbol_names=self._latex_names())
                lines.append(f"$$ {name} = {sp.latex(v, symbol_names=self._latex_names())} $$")
        lines += ["", "## States", "", "| state | unit | initial | description |", "|---|---|---|---|"]
        for s in self.states:
            lines.append(f"| {s.name} | {s.unit} | {s.initial} | {s.description} |")
        if self.inputs:
            lines += ["", "## Inputs", "", "| input | unit | default | description |", "|---|---|---|---|"]
            for u in self.inputs:
                lines.append(f"| {u.name} | {u.unit} | {u.default:g} | {u.description} |")
        if self.observables:
            lines += ["", "## Observables", "", "| observable | unit | description |", "|---|---|---|"]
            for o in self.observables:
                lines.append(f"| {o.name} | {o.unit} | {o.description} |")
        lines += [
            "",
            "## Parameters",
            "",
            "| parameter | value | unit | description | source |",
            "|---|---|---|---|---|",
        ]
        for p in self.parameters.params.values():
            src = p.source + (f", {p.where}" if p.where else "")
            lines.append(f"| {p.name} | {p.value:.6g} | {p.unit} | {p.description} | {src} |")
        return "\n".join(lines) + "\n"

    def _latex_names(self) -> dict[sp.Symbol, str]:
        names = {}
        for s in self.states:
            if s.latex:
                names[s.symbol] = s.latex
        for p in self.parameters.params.values():
            if p.latex:
                names[sp.Symbol(p.name)] = p.latex
        return names

    def __repr__(self) -> str:
        return (
            f"Model({self.name!r}, states={self.state_names}, parameters={len(self.parameters)}, "
            f"inputs={self.input_names}, observables={self.observable_names})"
        )


def _latex_name(s: State) -> str:
    return s.latex or sp.latex(s.symbol)


def free_names(exprs: Iterable[sp.Expr]) -> set[str]:
    """Names of all free symbols in the expressions.

    Parameters
    ----------
    exprs
        Sympy expressions.

    Returns
    -------
    set of str
        The names of their free symbols.
    """
    out: set[str] = set()
    for e in exprs:
        out |= {str(x) for x in as_expr(e).free_symbols}
    return out
