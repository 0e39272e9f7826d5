"""``bonemodel export-sbml`` and ``bonemodel export-petab``."""

from __future__ import annotations

import argparse
from pathlib import Path

from .._cli_common import check_name, check_output_file, write_whole


def add_interop_commands(sub: argparse._SubParsersAction) -> None:
    """Register the interoperability sub-commands."""
    p = sub.add_parser("export-sbml", help="write a model (and a scenario's windows) as SBML L3V2")
    p.add_argument("model")
    p.add_argument("--scenario", help="a named scenario of the model or of bonemodel.scenarios")
    p.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    p.set_defaults(handler=_export_sbml)

    p = sub.add_parser("export-petab", help="write the flagship calibration problem as PEtab")
    p.add_argument("out", type=Path, help="folder to write the PEtab files into")
    p.add_argument("--stage", default="core", help="calibration stage: core or a drug module (default: core)")
    p.set_defaults(handler=_export_petab)


def _export_sbml(args) -> int:
    from . import to_sbml

    check_name(args.model, "model")
    if args.scenario is not None:
        check_name(args.scenario, "scenario")
    check_output_file(args.output, "--output", overwrite=args.overwrite)
    text = to_sbml(args.model, scenario=args.scenario)
    if args.output is None:
        print(text, end="")
    else:
        write_whole(args.output, lambda path: Path(path).write_text(text, encoding="utf-8"))
        print(f"wrote {args.output}")
    return 0


def _export_petab(args) -> int:
    from . import to_petab

    check_name(args.stage, "stage")
    yaml = to_petab(args.out, stage=args.stage)
    print(f"wrote {yaml} (check it with: petablint {yaml})")
    return 0
