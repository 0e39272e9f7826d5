"""The ``bonemodel`` command: list, describe, simulate, reproduce, sweep, sensitivity."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import pkgutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .errors import BonemodelError, ParameterError


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code (2 for bad input, 1 for a failed run)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except BonemodelError as exc:
        print(f"bonemodel: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2 if not type(exc).__name__ == "SolverError" else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bonemodel", description=__doc__)
    sub = parser.add_subparsers(dest="command")

    p = sub.add_parser("list", help="list the shipped models and their named scenarios")
    p.set_defaults(handler=_list)

    p = sub.add_parser("describe", help="print a model's equations, states and parameters (markdown)")
    p.add_argument("model")
    p.set_defaults(handler=_describe)

    p = sub.add_parser("simulate", help="simulate one model and write CSV / HTML")
    p.add_argument("model")
    p.add_argument("--scenario", help="a named scenario of the model or of bonemodel.scenarios")
    p.add_argument("--t-end", type=float, help="end time in days (default: the model's)")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="override a parameter")
    p.add_argument("--method", default="auto")
    p.add_argument("--rtol", type=float, default=1e-6)
    p.add_argument("--atol", type=float, default=1e-10)
    p.add_argument("--csv", type=Path, help="write the trajectories to this CSV file")
    p.add_argument("--html", type=Path, help="write a plotly figure to this HTML file")
    p.set_defaults(handler=_simulate)

    p = sub.add_parser("reproduce", help="regenerate every published figure and print ours vs published")
    p.add_argument(
        "--out", type=Path, default=Path("figures"), help="folder for the figures (default: figures)"
    )
    p.add_argument("--only", action="append", help="run only these example scripts (by name)")
    p.add_argument("--quick", action="store_true", help="smaller settings (for tests)")
    p.set_defaults(handler=_reproduce)

    for module, adder in (("cli_sweep", "add_sweep_command"), ("cli_sensitivity", "add_sensitivity_command")):
        if importlib.util.find_spec(f"bonemodel.{module}") is not None:
            getattr(importlib.import_module(f"bonemodel.{module}"), adder)(sub)
    return parser


def _list(args) -> int:
    from .models import list_models, load_model
    from .scenarios import REGISTRY

    for name in list_models():
        model = load_model(name)
        scen = ", ".join(model.scenarios) or "-"
        print(f"{name:14s} states: {', '.join(model.state_names)}\n{'':14s} scenarios: {scen}")
    if REGISTRY:
        print(f"\nscenarios for every model: {', '.join(REGISTRY)}")
    return 0


def _describe(args) -> int:
    from .models import load_model

    print(load_model(args.model).describe())
    return 0


def parse_assignments(items: Sequence[str]) -> dict[str, float]:
    """``["A=1.5", "B=2e-3"]`` -> {"A": 1.5, "B": 0.002}; numbers only, nothing evaluated."""
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ParameterError(f"--set expects NAME=VALUE, got {item!r}")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise ParameterError(f"--set {name.strip()}: {value!r} is not a number") from None
    return out


def _simulate(args) -> int:
    from .models import load_model
    from .simulate import simulate

    model = load_model(args.model)
    sol = simulate(
        model,
        args.t_end,
        params=parse_assignments(args.set),
        scenario=args.scenario,
        method=args.method,
        rtol=args.rtol,
        atol=args.atol,
        raise_on_failure=False,
    )
    frame = sol.to_frame()
    if args.csv:
        args.csv.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(args.csv)
        print(f"wrote {args.csv}")
    if args.html:
        args.html.parent.mkdir(parents=True, exist_ok=True)
        sol.plot().write_html(args.html, include_plotlyjs=True)  # self-contained: opens offline
        print(f"wrote {args.html}")
    if not args.csv and not args.html:
        print(frame.iloc[:: max(1, len(frame) // 20)].to_string())
    if not sol.success:
        print(f"bonemodel: simulation failed: {sol.message}", file=sys.stderr)
        return 1
    return 0


def example_names() -> list[str]:
    """Names of the example scripts that reproduce figures."""
    import bonemodel.examples as examples

    return sorted(m.name for m in pkgutil.iter_modules(examples.__path__) if not m.name.startswith("_"))


def _reproduce(args) -> int:
    import pandas as pd

    from .report import format_table

    names = example_names()
    if args.only:
        unknown = sorted(set(args.only) - set(names))
        if unknown:
            raise ParameterError(f"unknown example(s) {unknown}; available: {names}")
        names = [n for n in names if n in args.only]
    args.out.mkdir(parents=True, exist_ok=True)
    tables, failed = [], []
    for name in names:
        started = time.perf_counter()
        module = importlib.import_module(f"bonemodel.examples.{name}")
        try:
            table = module.reproduce(args.out, quick=args.quick)
        except Exception as exc:  # one broken figure must not hide the others
            failed.append(name)
            print(f"[{name}] FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        table.insert(0, "example", name)
        tables.append(table)
        print(f"[{name}] done in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    if tables:
        combined = pd.concat(tables, ignore_index=True)
        combined.to_csv(args.out / "comparison.csv", index=False)
        print(format_table(combined))
        print(f"\nfigures and comparison.csv written to {args.out}/")
    return 1 if failed else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
