"""The ``bonemodel`` command: list, describe, simulate, reproduce, sweep, sensitivity."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import math
import pkgutil
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from ._cli_common import (
    ArgumentParser,
    UsageError,
    check_name,
    check_output_file,
    check_output_folder,
    days,
    rescue_frame,
    write_whole,
)
from .errors import BonemodelError, ParameterError, SolverError


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code (2 for bad input, 1 for a failed run).

    Bad input prints one line, ``bonemodel: error: ...``, to stderr and no traceback;
    ``--debug`` adds the traceback.

    Parameters
    ----------
    argv
        The arguments (default: the command line's).

    Returns
    -------
    int
        0 on success, 1 for a failed run or a failed final write, 2 for bad input.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv  # before parsing, so that a parse error can show its traceback too
    args = None
    try:
        parser = _parser()
        args = parser.parse_args(argv)
        debug = args.debug
        if not getattr(args, "handler", None):
            parser.print_help()
            return 2
        return int(args.handler(args) or 0)
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt:
        kept = getattr(args, "command", None) == "sweep" and getattr(args, "out", None)
        hint = f"; finished chunks are kept in {str(kept)!r}: add --resume to continue" if kept else ""
        _report(f"interrupted{hint}", debug)
        return 130
    except ImportError as exc:  # an optional dependency is missing; its message says which
        _report(f"error: {exc}", debug)
        return 2
    except UsageError as exc:
        _report(f"error: {exc}", debug)
        return 2
    except BonemodelError as exc:
        _report(f"error: {type(exc).__name__}: {exc}", debug)
        return 1 if isinstance(exc, SolverError) else 2
    except MemoryError:
        _report("error: out of memory; use a smaller --n, fewer outputs or fewer output times", debug)
        return 1
    except OSError as exc:
        _report(f"error: {exc}", debug)
        return 1


def _report(message: str, debug: bool) -> None:
    """Print ``bonemodel: <message>`` as one line (control characters escaped) to stderr."""
    if debug:
        traceback.print_exc()
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)
    print(f"bonemodel: {text}", file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog="bonemodel", description=__doc__)
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    sub = parser.add_subparsers(dest="command")

    p = sub.add_parser("list", help="list the shipped models and their named scenarios")
    p.set_defaults(handler=_list)

    p = sub.add_parser("describe", help="print a model's equations, states and parameters (markdown)")
    p.add_argument("model")
    p.set_defaults(handler=_describe)

    p = sub.add_parser("simulate", help="simulate one model and write CSV / HTML")
    p.add_argument("model", help="a shipped model's name, or an SBML file (.xml, .sbml)")
    p.add_argument("--scenario", help="a named scenario of the model or of bonemodel.scenarios")
    p.add_argument("--t-end", type=days, help="end time in days (default: the model's)")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a parameter (once per name)",
    )
    p.add_argument("--method", default="auto")
    p.add_argument("--rtol", type=float, default=1e-6)
    p.add_argument("--atol", type=float, default=1e-10)
    p.add_argument("--csv", type=Path, help="write the trajectories to this CSV file (its folder must exist)")
    p.add_argument(
        "--html", type=Path, help="write a plotly figure to this HTML file (its folder must exist)"
    )
    p.add_argument("--overwrite", action="store_true", help="replace --csv / --html files that exist")
    p.set_defaults(handler=_simulate)

    p = sub.add_parser("reproduce", help="regenerate every published figure and print ours vs published")
    p.add_argument(
        "--out", type=Path, default=Path("figures"), help="folder for the figures (default: figures)"
    )
    p.add_argument("--only", action="append", help="run only these example scripts (by name)")
    p.add_argument("--quick", action="store_true", help="smaller settings (for tests)")
    p.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="example scripts run at once, each in its own process (default 1: one after another; the "
        "studies' sweeps already use every core)",
    )
    p.set_defaults(handler=_reproduce)

    for module, adder in (
        ("cli_sweep", "add_sweep_command"),
        ("cli_sensitivity", "add_sensitivity_command"),
        ("interop._cli", "add_interop_commands"),
        ("trials._cli", "add_trial_command"),
    ):
        if importlib.util.find_spec(f"bonemodel.{module}") is not None:
            getattr(importlib.import_module(f"bonemodel.{module}"), adder)(sub)
    for command in sub.choices.values():
        # accepted after the sub-command too; SUPPRESS keeps a top-level --debug when absent here
        command.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help="show the traceback of an error"
        )
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

    print(load_model(check_name(args.model, "model")).describe())
    return 0


def parse_assignments(items: Sequence[str]) -> dict[str, float]:
    """``["A=1.5", "B=2e-3"]`` -> {"A": 1.5, "B": 0.002}; finite numbers only, nothing evaluated.

    A name given twice is refused: the last value silently winning hides a typo.

    Parameters
    ----------
    items
        ``NAME=VALUE`` strings (``--set`` arguments).

    Returns
    -------
    dict of str to float
        Name -> value.

    Raises
    ------
    ParameterError
        If an item is malformed, a value is not a finite number, or a name is given twice.
    """
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = check_name(name, "--set parameter name").strip()
        if not sep or not name:
            raise ParameterError(f"--set expects NAME=VALUE, got {item!r}")
        if name in out:
            raise ParameterError(f"--set {name} is given twice; give each parameter once")
        try:
            number = float(value)
        except ValueError:
            raise ParameterError(f"--set {name}: {value!r} is not a number") from None
        if not math.isfinite(number):
            raise ParameterError(f"--set {name}: {value!r} is not a finite number; give a real value")
        out[name] = number
    return out


def _simulate(args) -> int:
    from .models import load_model
    from .simulate import simulate

    check_name(args.model, "model")
    sbml = args.model.lower().endswith((".xml", ".sbml"))
    if args.scenario is not None:
        check_name(args.scenario, "scenario")
    params = parse_assignments(args.set)
    check_output_file(args.csv, "--csv", overwrite=args.overwrite)
    check_output_file(args.html, "--html", overwrite=args.overwrite)
    if args.csv and args.html and Path(args.csv).resolve() == Path(args.html).resolve():
        raise UsageError("--csv and --html name the same file; give two names")

    if sbml:  # the file's time-triggered events apply unless another scenario is named
        from .interop import from_sbml

        model = from_sbml(Path(args.model))
        if args.scenario is None and "events" in model.scenarios:
            args.scenario = "events"
    else:
        model = load_model(args.model)
    sol = simulate(
        model,
        args.t_end,
        params=params,
        scenario=args.scenario,
        method=args.method,
        rtol=args.rtol,
        atol=args.atol,
        raise_on_failure=False,
    )
    frame = sol.to_frame()
    try:
        if args.csv:
            write_whole(args.csv, frame.to_csv)
            print(f"wrote {args.csv}")
        if args.html:
            figure = sol.plot()
            # self-contained: opens offline
            write_whole(args.html, lambda name: figure.write_html(name, include_plotlyjs=True))
            print(f"wrote {args.html}")
    except OSError as exc:
        kept = rescue_frame(frame, f"simulate-{model.name}")
        where = f"the trajectories are saved in {kept}" if kept else "the trajectories could not be saved"
        print(f"bonemodel: error: writing the results failed ({exc}); {where}", file=sys.stderr)
        return 1
    if not args.csv and not args.html:
        print(frame.iloc[:: max(1, len(frame) // 20)].to_string())
    if not sol.success:
        print(f"bonemodel: simulation failed: {sol.message}", file=sys.stderr)
        return 1
    return 0


def example_names() -> list[str]:
    """Names of the example scripts that reproduce figures.

    Returns
    -------
    list of str
        Sorted module names of ``bonemodel.examples`` (the ``--only`` choices of ``reproduce``).
    """
    import bonemodel.examples as examples

    return sorted(m.name for m in pkgutil.iter_modules(examples.__path__) if not m.name.startswith("_"))


def _reproduce(args) -> int:
    import pandas as pd

    from .report import format_table

    names = example_names()
    if args.only:
        for name in args.only:
            check_name(name, "--only example")
        unknown = sorted(set(args.only) - set(names))
        if unknown:
            raise ParameterError(f"unknown example(s) {unknown}; available: {names}")
        names = [n for n in names if n in args.only]
    check_output_folder(args.out, "--out")
    args.out.mkdir(parents=True, exist_ok=True)
    jobs = _jobs(args.jobs, len(names))
    began = time.perf_counter()
    results: dict[str, object] = {}
    failed = []
    for name, table, error, seconds in _run_examples(names, args.out, args.quick, jobs):
        if error is not None:  # one broken figure must not hide the others
            failed.append(name)
            print(f"[{name}] FAILED: {error}", file=sys.stderr)
            continue
        table.insert(0, "example", name)
        results[name] = table
        print(f"[{name}] done in {seconds:.1f} s", file=sys.stderr)
    print(
        f"[reproduce] {len(results)} of {len(names)} examples in {time.perf_counter() - began:.1f} s "
        f"({jobs} at a time)",
        file=sys.stderr,
    )
    tables = [results[n] for n in names if n in results]
    if tables:
        combined = pd.concat(tables, ignore_index=True)
        print(format_table(combined))
        target = args.out / "comparison.csv"
        try:
            write_whole(target, lambda name: combined.to_csv(name, index=False))
        except OSError as exc:
            kept = rescue_frame(combined, "comparison", index=False)
            where = f"the table is saved in {kept}" if kept else "the table is printed above"
            print(f"bonemodel: error: writing {target} failed ({exc}); {where}", file=sys.stderr)
            return 1
        print(f"\nfigures and comparison.csv written to {args.out}/")
    return 1 if failed else 0


def _jobs(requested: int | None, count: int) -> int:
    """Example scripts to run at once: the request (default 1), never more than the scripts.

    One at a time is the default: the studies' sweeps already spread over every core, and on 2
    cores running two scripts at once measured slower (115 s against 90 s cold).
    """
    if requested is not None and requested < 1:
        raise UsageError(f"--jobs must be >= 1, got {requested}")
    return max(1, min(requested or 1, count))


def _run_example(name: str, out: Path, quick: bool):
    """Run one example script: ``(name, table or None, error or None, seconds)``."""
    started = time.perf_counter()
    try:
        module = importlib.import_module(f"bonemodel.examples.{name}")
        table = module.reproduce(out, quick=quick)
    except Exception as exc:
        return name, None, f"{type(exc).__name__}: {exc}", time.perf_counter() - started
    return name, table, None, time.perf_counter() - started


def _run_examples(names: list[str], out: Path, quick: bool, jobs: int):
    """Yield each example's result as it finishes: here one by one, or on ``jobs`` processes.

    The processes share the disk cache, so a model compiled by one is loaded by the next.
    """
    if jobs <= 1:
        for name in names:
            yield _run_example(name, out, quick)
        return
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    # The studies (sensitivity_*) sweep the flagship: its numba kernel is compiled first, on one
    # process, while the other figures run on the rest; the studies start once it is in the
    # disk cache, so that no two processes compile it at once.
    studies = [n for n in names if n.startswith("sensitivity_")]
    others = [n for n in names if n not in studies]
    # spawn: the workers import what they need, whatever state this process is in
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        warm = pool.submit(_warm_flagship) if studies and not quick else None
        waiting = studies if warm is not None else []
        pending = {pool.submit(_run_example, n, out, quick) for n in others + studies if n not in waiting}
        if warm is not None:
            pending.add(warm)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                if future is warm:
                    if future.exception() is not None:  # the studies then compile it themselves
                        print(
                            f"[reproduce] compiling the flagship failed: {future.exception()}",
                            file=sys.stderr,
                        )
                    pending |= {pool.submit(_run_example, n, out, quick) for n in waiting}
                else:
                    yield future.result()


def _warm_flagship() -> None:
    """Compile (or load) the flagship's numpy code and numba sweep kernel into the disk cache."""
    from .compile import compile_model
    from .compile_numba import load_numba_solver, numba_available
    from .models import load_model

    model = load_model("inflammation")
    compiled = compile_model(model)
    if numba_available():
        load_numba_solver(model, compiled)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
