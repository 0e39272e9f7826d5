"""The ``bonemodel sweep`` subcommand.

Examples::

    bonemodel sweep lemaire2004 --param k_B=0.1:0.3 --param D_R=3.5e-4:1.4e-3:log --n 1000 \\
        --output B@500 --output "pct_change(C@80)" --out results/
    bonemodel sweep lemaire2004 --param k_B --n 64 --design sobol --scheduler tcp://10.0.0.5:8786
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ._cli_common import (
    UsageError,
    check_name,
    check_output_file,
    check_output_folder,
    check_size,
    check_unique,
    count,
    days,
    rescue_frame,
    write_whole,
)
from .errors import ParameterError


def add_sweep_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``sweep`` on the ``bonemodel`` command's subparsers.

    Parameters
    ----------
    subparsers
        The sub-command collection of the ``bonemodel`` parser.

    Returns
    -------
    argparse.ArgumentParser
        The ``sweep`` parser.
    """
    p = subparsers.add_parser(
        "sweep",
        help="run a model over a design of parameter sets; one row of outputs per set",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("model", help="a shipped model, e.g. lemaire2004")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=LOW:HIGH[:log]",
        help="a swept parameter and its range; a bare NAME takes the range of the parameter file",
    )
    p.add_argument(
        "--n", type=count, help="members (lhs, sobol: a power of two) or levels per parameter (grid)"
    )
    p.add_argument("--design", choices=("lhs", "sobol", "grid"), default="lhs")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--output", action="append", default=None, metavar="SPEC", help="e.g. C@80, pct_change(B@365), max(C)"
    )
    p.add_argument("--scenario", help="a named scenario of the model or of bonemodel.scenarios")
    p.add_argument("--t-end", type=days, help="end time in days (default: the model's or the latest output)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=count, help="local processes (default: all cores)")
    where.add_argument("--scheduler", metavar="ADDRESS", help="a Dask scheduler, e.g. tcp://host:8786")
    p.add_argument("--out", type=Path, help="results folder (Parquet chunks; makes the sweep resumable)")
    p.add_argument("--resume", action="store_true", help="continue the sweep stored in --out")
    p.add_argument("--csv", type=Path, help="also write the table to this CSV file (its folder must exist)")
    p.add_argument("--overwrite", action="store_true", help="replace a --csv file that exists")
    p.add_argument("--rtol", type=float, default=1e-6)
    p.add_argument("--atol", type=float, default=1e-10)
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(handler=run_sweep_command)
    return p


def parse_param(text: str) -> tuple[str, tuple | None]:
    """``NAME=LOW:HIGH[:log]`` -> (NAME, (LOW, HIGH[, "log"])); a bare NAME -> (NAME, None).

    Parameters
    ----------
    text
        One ``--param`` argument.

    Returns
    -------
    tuple
        The name and its range (bounds in the parameter's unit), or None for the file's range.

    Raises
    ------
    ParameterError
        If the text is malformed or a bound is not a finite number.
    """
    if "=" not in text:
        return check_name(text, "--param name").strip(), None
    name, _, spec = text.partition("=")
    name = check_name(name, "--param name").strip()
    parts = spec.split(":")
    if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] != "log"):
        raise ParameterError(f"--param {text!r}: write NAME=LOW:HIGH or NAME=LOW:HIGH:log")
    try:
        low, high = float(parts[0]), float(parts[1])
    except ValueError:
        raise ParameterError(f"--param {text!r}: LOW and HIGH must be numbers") from None
    return name, (low, high, "log") if len(parts) == 3 else (low, high)


def _check_arguments(args: argparse.Namespace) -> dict[str, tuple | None]:
    """Everything about the command line that can be wrong, checked before the sweep starts."""
    check_name(args.model, "model")
    if args.scenario is not None:
        check_name(args.scenario, "scenario")
    for spec in args.output or []:
        check_name(spec, "--output")
    if not args.param:
        raise ParameterError("give at least one --param NAME=LOW:HIGH[:log]")
    pairs = [parse_param(t) for t in args.param]
    check_unique((name for name, _ in pairs), "--param")
    if args.n is not None:
        members = args.n ** len(pairs) if args.design == "grid" else args.n
        check_size(members, len(pairs) + 1, "--n")
    if args.resume and args.out is None:
        raise UsageError("--resume needs --out, the folder of the sweep to continue")
    check_output_folder(args.out, "--out")
    check_output_file(args.csv, "--csv", overwrite=args.overwrite)
    return dict(pairs)


def run_sweep_command(args: argparse.Namespace) -> int:
    """Handler of ``bonemodel sweep``: run, print a summary, write the table.

    Output paths are checked before the first member runs; if writing ``--csv`` still
    fails at the end, the table is kept (in ``--out``, or a new file in the temporary
    folder) and the command exits 1.

    Parameters
    ----------
    args
        The parsed arguments.

    Returns
    -------
    int
        The exit code: 0, or 1 if every member failed or the table could not be written.
    """
    from .sweep import sweep

    params = _check_arguments(args)
    client = None
    if args.scheduler:
        try:
            from dask.distributed import Client
        except ImportError:
            raise UsageError("--scheduler needs dask.distributed: pip install bonemodel[sweep]") from None
        try:
            client = Client(args.scheduler)
        except (OSError, ValueError) as exc:
            raise UsageError(
                f"--scheduler {args.scheduler!r}: could not connect ({exc}); check the address "
                "and that the scheduler is running"
            ) from None
    try:
        table = sweep(
            args.model,
            params,
            n=args.n,
            design=args.design,
            seed=args.seed,
            scenario=args.scenario,
            t_end=args.t_end,
            outputs=args.output or None,
            workers=args.workers,
            client=client,
            out=str(args.out) if args.out else None,
            resume=args.resume,
            progress=not args.no_progress,
            rtol=args.rtol,
            atol=args.atol,
        )
    finally:
        if client is not None:
            client.close()
    failed = int((table["status"] != "success").sum())
    print(
        f"{len(table)} members, {failed} failed, {table.attrs.get('wall_time_s', 0.0):.2f} s "
        f"({table.attrs.get('solver', '')}, rtol {args.rtol:g}, atol {args.atol:g})"
    )
    if args.csv:
        try:
            write_whole(args.csv, table.to_csv)
        except OSError as exc:
            if args.out:
                where = (
                    f"every member is kept in {str(args.out)!r}; rerun the same command with --resume "
                    "(and a --csv that can be written) to get the table without recomputing"
                )
            else:
                kept = rescue_frame(table, "sweep")
                where = f"the table is saved in {kept}" if kept else "the table could not be saved"
            print(
                f"bonemodel: error: writing --csv {str(args.csv)!r} failed ({exc}); {where}", file=sys.stderr
            )
            return 1
        print(f"table written to {args.csv}")
    if args.out:
        print(f"chunks, design and metadata in {args.out}")
    if not args.csv and not args.out:
        print(table.to_string(max_rows=20))
    return 1 if failed == len(table) and len(table) else 0


if __name__ == "__main__":  # pragma: no cover
    parser = argparse.ArgumentParser(prog="bonemodel")
    add_sweep_command(parser.add_subparsers())
    ns = parser.parse_args()
    sys.exit(ns.handler(ns))
