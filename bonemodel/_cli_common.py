"""Checks and writers shared by the sub-commands of ``bonemodel``.

Everything here runs before a command starts its work (argument types, names, output
paths, the size of a design), or after it (files written whole or not at all, results
rescued when the last write fails), so a mistake never costs a finished computation.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import secrets
import tempfile
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path

from .errors import BonemodelError, suggest


class UsageError(BonemodelError, ValueError):
    """An argument of the ``bonemodel`` command is not acceptable (exit code 2)."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse that raises :class:`UsageError` instead of printing usage and exiting.

    ``bonemodel.cli.main`` turns it into the one-line ``bonemodel: error: ...`` every
    other bad input gets; an unknown choice gets a "did you mean".
    """

    def error(self, message: str) -> None:  # type: ignore[override]
        hint = ""
        wrong = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if wrong:
            hint = suggest(wrong.group(1), re.findall(r"[\w.-]+", wrong.group(2)))
        raise UsageError(f"{message}{hint} (see '{self.prog} --help')")


def days(text: str) -> float:
    """argparse type of ``--t-end``: a positive, finite number of days."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expects a positive, finite number of days, got {text!r}")
    return value


def count(text: str) -> int:
    """argparse type of ``--n`` and ``--workers``: a positive whole number."""
    return positive_whole_number(text, "expects a positive whole number")


def positive_whole_number(text: str, complaint: str) -> int:
    """The whole number >= 1 that ``text`` spells, for an argparse type.

    Parameters
    ----------
    text
        The argument as typed.
    complaint
        What the error says first, e.g. ``"expects a positive whole number"``; ``", got
        '<text>'"`` follows.

    Returns
    -------
    int
        The number.

    Raises
    ------
    argparse.ArgumentTypeError
        If ``text`` is not a whole number or is below 1.
    """
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{complaint}, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{complaint}, got {text!r}")
    return value


def check_name(text: str, what: str) -> str:
    """Return ``text`` if it has no control or format character, else raise UsageError.

    Names are echoed in messages and written into files; an escape sequence or a
    right-to-left mark there would make them lie about what was run.
    """
    bad = [c for c in text if unicodedata.category(c) in ("Cc", "Cf")]
    if bad:
        raise UsageError(
            f"{what} {text!r} contains the control character {bad[0]!r}; type the name without it"
        )
    return text


def check_unique(names: Iterable[str], option: str) -> None:
    """Refuse a name given twice (the second would silently replace the first)."""
    seen: set[str] = set()
    twice = sorted({n for n in names if n in seen or seen.add(n)})
    if twice:
        raise UsageError(f"{option} names {twice} more than once; give each once")


def check_output_file(path: Path | None, option: str, *, overwrite: bool = False) -> None:
    """Check, before any work, that ``path`` can be written by the end of the run.

    Its folder must exist and be writable, it must not be a folder, and an existing
    regular file is replaced only with ``--overwrite`` (devices such as /dev/stdout are
    written as they are).
    """
    if path is None:
        return
    if path.is_dir():
        raise UsageError(f"{option} {str(path)!r} is a folder; give a file name inside it")
    parent = path.parent
    if not parent.exists():
        raise UsageError(f"{option} {str(path)!r}: folder {str(parent)!r} does not exist; create it first")
    if not parent.is_dir():
        raise UsageError(f"{option} {str(path)!r}: {str(parent)!r} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {str(path)!r}: folder {str(parent)!r} is not writable")
    if path.is_file() and not overwrite:
        raise UsageError(
            f"{option} {str(path)!r} already exists; pass --overwrite to replace it or choose another name"
        )
    if path.exists() and not path.is_file() and not os.access(path, os.W_OK):
        raise UsageError(f"{option} {str(path)!r} is not writable")


def check_output_folder(path: Path | None, option: str) -> None:
    """Check, before any work, that folder ``path`` exists or can be created, and is writable."""
    if path is None:
        return
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option} {str(path)!r} is a file; give a folder (it is created if missing)")
    existing = path
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise UsageError(f"{option} {str(path)!r}: {str(existing)!r} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {str(path)!r}: folder {str(existing)!r} is not writable")


def check_size(members: int, columns: int, option: str) -> None:
    """Refuse a design whose table alone would not fit in this machine's memory."""
    needed = members * max(columns, 1) * 8
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows): only the hard limit
        memory = 2**62
    if needed > memory:
        raise UsageError(
            f"{option} asks for {members:.3g} members, whose design alone needs "
            f"{needed / 1e9:.3g} GB (this machine has {memory / 1e9:.3g} GB); choose a smaller {option}"
        )


def write_whole(path: Path, write: Callable[[str], object]) -> None:
    """Write a file through ``write(name)`` so that it appears whole or not at all.

    A regular file (new or replaced) is written under an unpredictable temporary name
    beside it and renamed into place; a device or pipe (/dev/stdout) is written directly.
    """
    target = Path(os.path.realpath(path))
    if target.exists() and not target.is_file():
        write(str(target))
        return
    for _ in range(100):
        temp = target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        break
    else:  # pragma: no cover - 100 collisions of 64 random bits
        raise OSError(f"could not create a temporary file beside {str(target)!r}")
    try:
        write(str(temp))
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def rescue_frame(frame, stem: str, *, index: bool = True) -> str | None:
    """Write ``frame`` as CSV to a new private file in the temporary folder; its name, or None.

    Used when the file the user asked for could not be written at the end of a run.
    """
    try:
        fd, name = tempfile.mkstemp(prefix=f"bonemodel-{stem}-", suffix=".csv")
        with os.fdopen(fd, "w", newline="") as handle:
            frame.to_csv(handle, index=index)
    except (OSError, ValueError):
        return None
    return name
