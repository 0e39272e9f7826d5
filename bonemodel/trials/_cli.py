"""``bonemodel trial CONFIG.toml``: a virtual trial described by a file.

The file is read as data (TOML), never evaluated. Scenarios are named functions of
``bonemodel.scenarios`` with keyword arguments that are numbers, strings or booleans::

    [population]
    n = 100
    seed = 1
    sex = "female"
    age = [62.0, 75.0]          # or one number
    conditions = []

    [trial]
    t_end_days = 1095.75
    endpoints = ["bmd_hip_pct@365.25", "bmd_spine_pct@1095.75"]
    workers = 2                 # optional: local worker processes (default: every core for large trials)
    resume = false              # optional: continue the trial stored in --out (also --resume)

    [arms.placebo]              # nothing added to each person's own history

    [arms.denosumab]
    scenarios = [{ name = "denosumab", dose_mg = 60.0 }]

It prints the summary and, with ``--out DIR``, writes ``trial_people.csv`` (one row per person and
arm) and ``trial_summary.csv``; the people's rows are then streamed as they finish to Parquet chunks
in ``DIR/trial_chunks`` (with the trial's id and checksums), so a trial cut short continues with
``--resume`` and a trial of millions needs the memory of a few chunks. ``--workers N`` (or
``workers`` in ``[trial]``) sets the local worker processes.
"""

from __future__ import annotations

import argparse
import inspect
import sys
from pathlib import Path
from typing import Any

from .._cli_common import UsageError, check_output_folder, positive_whole_number, write_whole

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SECTIONS = {"population", "trial", "arms", "model"}
POPULATION_KEYS = {"n", "seed", "sex", "age", "conditions"}
TRIAL_KEYS = {"t_end_days", "endpoints", "workers", "resume"}
CHUNKS = "trial_chunks"
"""Sub-folder of ``--out`` holding the trial's Parquet chunks."""


def add_trial_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``trial`` on the ``bonemodel`` command's subparsers.

    Parameters
    ----------
    subparsers
        The sub-command collection of the ``bonemodel`` parser.

    Returns
    -------
    argparse.ArgumentParser
        The ``trial`` parser.
    """
    p = subparsers.add_parser(
        "trial",
        help="run a virtual trial described by a TOML file (population, arms, endpoints)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("config", type=Path, help="the trial's TOML file")
    p.add_argument(
        "--out", type=Path, help="folder for trial_people.csv, trial_summary.csv and the Parquet chunks"
    )
    p.add_argument("--workers", type=_positive, help="local worker processes (default: every core)")
    p.add_argument("--resume", action="store_true", help="continue the trial stored in --out")
    p.set_defaults(handler=run_trial_command)
    return p


def run_trial_command(args: argparse.Namespace) -> int:
    """Read the file, check everything, run the trial, print (and write) the summary.

    Parameters
    ----------
    args
        Parsed arguments (``config``, ``out``).

    Returns
    -------
    int
        0 on success.
    """
    import bonemodel as bm

    check_output_folder(args.out, "--out")
    config = read_config(args.config)
    trial_spec = config.get("trial", {})
    workers = args.workers if getattr(args, "workers", None) is not None else trial_spec.get("workers")
    resume = bool(getattr(args, "resume", False) or trial_spec.get("resume", False))
    if resume and args.out is None:
        raise UsageError("--resume (or resume = true) needs --out, the folder of the trial to continue")
    arms = {name: build_arm(name, spec) for name, spec in config["arms"].items()}
    population = bm.population(**config["population"])
    chunks = None if args.out is None else args.out / CHUNKS
    if chunks is not None and chunks.exists() and not resume:
        raise UsageError(
            f"--out {str(args.out)!r} already holds a trial ({CHUNKS}); add --resume to continue it, "
            "or choose another folder"
        )
    result = bm.trial(
        config.get("model", "inflammation"),
        population,
        arms,
        trial_spec["t_end_days"],
        trial_spec.get("endpoints", []),
        progress=True,
        workers=workers,
        out=None if chunks is None else str(chunks),
        resume=resume,
    )
    summary = result.summary()
    print(summary.T.to_string(float_format=lambda v: f"{v:.4g}"))
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        write_whole(args.out / "trial_people.csv", lambda path: _write_people(result, path))
        write_whole(args.out / "trial_summary.csv", lambda path: summary.to_csv(path))
        print(f"wrote {args.out / 'trial_people.csv'} and {args.out / 'trial_summary.csv'}")
    return 0


def _write_people(result: Any, path: str) -> None:
    """The people's rows as CSV, a chunk at a time when they were streamed to a folder."""
    from .streaming import chunks_of

    pieces = chunks_of(result.out) if result.out is not None else [result.frame]
    with open(path, "w", encoding="utf-8", newline="") as f:
        for k, piece in enumerate(pieces):
            piece.drop(columns=[c for c in ("patient",) if c in piece]).to_csv(f, index=False, header=k == 0)


def _positive(text: str) -> int:
    """argparse type of ``--workers``: a whole number >= 1."""
    return positive_whole_number(text, "must be a whole number >= 1")


def read_config(path: Path) -> dict[str, Any]:
    """The trial file as data, with its sections and keys checked.

    Parameters
    ----------
    path
        The TOML file.

    Returns
    -------
    dict
        ``population``, ``trial``, ``arms`` (and optionally ``model``).

    Raises
    ------
    UsageError
        For a missing or unreadable file, malformed TOML, unknown sections or keys, or no arms.
    """
    if not path.is_file():
        raise UsageError(f"trial file {str(path)!r} does not exist")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"trial file {str(path)!r} cannot be read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"trial file {str(path)!r} is not valid TOML: {exc}") from None
    unknown = set(data) - SECTIONS
    if unknown:
        raise UsageError(f"trial file: unknown section(s) {sorted(unknown)}; known: {sorted(SECTIONS)}")
    for section, keys in (("population", POPULATION_KEYS), ("trial", TRIAL_KEYS)):
        extra = set(data.get(section, {})) - keys
        if extra:
            raise UsageError(f"trial file [{section}]: unknown key(s) {sorted(extra)}; known: {sorted(keys)}")
    if "n" not in data.get("population", {}):
        raise UsageError("trial file [population] needs n (the number of people)")
    if "t_end_days" not in data.get("trial", {}):
        raise UsageError("trial file [trial] needs t_end_days (the follow-up in days)")
    workers = data.get("trial", {}).get("workers")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise UsageError(f"trial file [trial] workers must be a whole number >= 1, got {workers!r}")
    if not isinstance(data.get("trial", {}).get("resume", False), bool):
        raise UsageError("trial file [trial] resume must be true or false")
    if not isinstance(data.get("arms"), dict) or not data["arms"]:
        raise UsageError("trial file needs at least one arm: [arms.<name>]")
    population = data.get("population", {})
    if isinstance(population.get("age"), list):
        population["age"] = tuple(population["age"])
    if "conditions" in population:
        population["conditions"] = tuple(population["conditions"])
    return data


def build_arm(name: str, spec: Any):
    """The scenario of one arm: the sum of its named scenarios (None for an empty arm).

    Parameters
    ----------
    name
        The arm's name (for messages).
    spec
        The arm's table: ``scenarios = [{name = "...", <keyword> = <value>, ...}, ...]``.

    Returns
    -------
    Scenario or None
        The arm's scenario.

    Raises
    ------
    UsageError
        For an unknown scenario or keyword, or a value that is not a number, string or boolean.
    """
    from .. import scenarios as S

    if not isinstance(spec, dict) or set(spec) - {"scenarios"}:
        raise UsageError(f"arm {name!r}: the only key is 'scenarios' (a list of {{name = ..., ...}})")
    total = None
    for item in spec.get("scenarios", []):
        if not isinstance(item, dict) or "name" not in item:
            raise UsageError(f"arm {name!r}: each scenario is a table with a 'name'")
        fn_name = item["name"]
        fn = getattr(S, fn_name, None) if isinstance(fn_name, str) and not fn_name.startswith("_") else None
        if fn is None or not inspect.isfunction(fn) or fn.__module__ != S.__name__:
            raise UsageError(
                f"arm {name!r}: unknown scenario {fn_name!r} (a function of bonemodel.scenarios)"
            )
        kwargs = {k: v for k, v in item.items() if k != "name"}
        allowed = set(inspect.signature(fn).parameters)
        for key, value in kwargs.items():
            if key not in allowed:
                raise UsageError(
                    f"arm {name!r}: {fn_name}() has no argument {key!r}; it takes {sorted(allowed)}"
                )
            if not isinstance(value, (int, float, str, bool)):
                raise UsageError(f"arm {name!r}: {fn_name}({key}=...) must be a number, string or boolean")
        scenario = fn(**kwargs)
        total = scenario if total is None else total + scenario
    return total
