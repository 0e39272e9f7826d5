"""The ``bonemodel sensitivity`` sub-command (wired into :mod:`bonemodel.cli`).

Examples::

    bonemodel sensitivity lemaire2004 --output B@100
    bonemodel sensitivity lemaire2004 --output B@100 --method sobol --n 256 --params D_R,k_B,D_C --out results/
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ._cli_common import (
    UsageError,
    check_name,
    check_output_folder,
    check_size,
    count,
    days,
    rescue_frame,
    write_whole,
)
from .errors import BonemodelError

METHODS = ("local", "steady", "morris", "sobol", "efast")


def add_sensitivity_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``sensitivity`` to an argparse sub-parser collection; returns the new parser.

    Parameters
    ----------
    subparsers
        The sub-command collection of the ``bonemodel`` parser.

    Returns
    -------
    argparse.ArgumentParser
        The ``sensitivity`` parser.
    """
    parser = subparsers.add_parser(
        "sensitivity",
        help="local, Morris, Sobol or eFAST sensitivity of model outputs",
        description=(
            "Sensitivity of model outputs to parameters. Prints the tidy frame "
            "(output, parameter, index, value, conf_low, conf_high); with --out also writes it as CSV "
            "with one plotly HTML figure per output."
        ),
    )
    parser.add_argument("model", help="model name, e.g. lemaire2004")
    parser.add_argument(
        "--output",
        action="append",
        required=True,
        metavar="NAME",
        help="output as in bonemodel sweep, e.g. B@365 (repeat or separate by commas); for --method steady a state or observable",
    )
    parser.add_argument("--method", choices=METHODS, default="local", help="default: local")
    parser.add_argument(
        "--n",
        type=count,
        default=None,
        help="Sobol base samples (power of two; default 256), Morris trajectories (default 20), eFAST samples per parameter (default 257)",
    )
    parser.add_argument(
        "--params",
        default=None,
        help="comma-separated parameter names (default: all; for global methods all with a range in the parameter file)",
    )
    parser.add_argument("--scenario", default=None, help="scenario name")
    parser.add_argument("--t-end", type=days, default=None, help="simulation end in days")
    parser.add_argument("--seed", type=int, default=0, help="seed of the global designs (default 0)")
    parser.add_argument("--workers", type=count, default=None, help="local processes for the global methods")
    parser.add_argument("--out", type=Path, default=None, help="folder for the CSV frame and HTML figures")
    parser.set_defaults(handler=run_sensitivity)
    return parser


def run_sensitivity(args: argparse.Namespace) -> int:
    """Handler of ``bonemodel sensitivity``; bad input raises BonemodelError (``bonemodel.cli`` reports it).

    ``--out`` is checked before anything is computed; if writing there still fails at the
    end, the frame goes to a new file in the temporary folder and the command exits 1.

    Parameters
    ----------
    args
        The parsed arguments.

    Returns
    -------
    int
        The exit code: 0, or 1 if the frame could not be written to ``--out``.
    """
    import pandas as pd

    check_name(args.model, "model")
    if args.scenario is not None:
        check_name(args.scenario, "scenario")
    if args.n is not None and args.method in ("local", "steady"):
        raise UsageError(f"--n sets the design of morris, sobol and efast; --method {args.method} has none")
    check_output_folder(args.out, "--out")
    frame = _compute(args)
    with pd.option_context("display.max_rows", 200, "display.width", 140):
        print(frame.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    if args.out is not None:
        try:
            _write(frame, args)
        except OSError as exc:
            kept = rescue_frame(frame, f"sensitivity-{args.model}", index=False)
            where = f"the frame is saved in {kept}" if kept else "the frame is printed above"
            print(f"bonemodel: error: writing to {str(args.out)!r} failed ({exc}); {where}", file=sys.stderr)
            return 1
    return 0


# Model runs per unit of --n: SALib's Saltelli (second order), Morris and eFAST designs.
_RUNS = {"sobol": lambda k: 2 * k + 2, "morris": lambda k: k + 1, "efast": lambda k: k}
_DEFAULT_N = {"morris": 20, "sobol": 256, "efast": 257}


def _compute(args: argparse.Namespace):
    from . import sensitivity
    from .models import load_model

    outputs = [
        check_name(o, "--output").strip() for chunk in args.output for o in chunk.split(",") if o.strip()
    ]
    params = (
        [check_name(p, "--params name").strip() for p in args.params.split(",") if p.strip()]
        if args.params
        else None
    )
    model = load_model(args.model)
    if args.method == "local":
        return sensitivity.local(model, outputs, params=params, scenario=args.scenario, t_end=args.t_end)
    if args.method == "steady":
        return sensitivity.steady(model, outputs, params=params)
    if params is None:
        params = list(model.parameters.ranges())
        if not params:
            raise BonemodelError(
                f"no parameter of '{model.name}' has a range; give --params with names that do"
            )
    n = args.n if args.n is not None else _DEFAULT_N[args.method]
    check_size(n * _RUNS[args.method](len(params)), len(params) + len(outputs), "--n")
    common = {"scenario": args.scenario, "t_end": args.t_end, "seed": args.seed, "workers": args.workers}
    if args.method == "morris":
        return sensitivity.morris(model, params, outputs, n=n, **common)
    if args.method == "sobol":
        return sensitivity.sobol(model, params, outputs, n=n, **common)
    return sensitivity.efast(model, params, outputs, n=n, **common)


def _write(frame, args: argparse.Namespace) -> None:
    from .sensitivity import plots

    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"sensitivity_{args.model}_{args.method}"
    write_whole(args.out / f"{stem}.csv", lambda name: frame.to_csv(name, index=False))
    draw = {
        "local": plots.tornado,
        "steady": plots.tornado,
        "morris": plots.morris_scatter,
        "sobol": plots.sobol_bars,
        "efast": plots.sobol_bars,
    }[args.method]
    for k, output in enumerate(dict.fromkeys(frame["output"])):
        figure = draw(frame, output)
        write_whole(
            args.out / f"{stem}_{k}.html",
            lambda name, fig=figure: fig.write_html(name, include_plotlyjs="cdn"),
        )
    print(f"wrote {args.out / (stem + '.csv')} and {frame['output'].nunique()} figure(s)", file=sys.stderr)
