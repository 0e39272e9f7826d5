"""Checkpoints of a sweep: one Parquet file per finished chunk, plus the design and metadata.

Layout of the results folder::

    out/sweep.json            what was swept (fingerprint, settings, chunking, sweep id)
    out/sweep.lock            held by the sweep that is writing to the folder
    out/design.parquet        the parameter sets, one row per member
    out/chunks/chunk-000012.parquet   rows of members [12 * chunk_size, 13 * chunk_size)

What the folder guarantees:

- **Whole files.** Every file is written to a temporary file with an unpredictable name
  in the same folder, flushed to disk and moved into place with ``os.replace``, which is
  atomic: a reader (or a resumed sweep) sees a chunk completely or not at all, even if
  the writer is killed with SIGKILL. Only the parent process writes.
- **Rows of this sweep only.** ``sweep.json`` holds a random sweep id drawn when the
  folder was created. Every chunk carries, in its Parquet key-value metadata, that id,
  its chunk number, its first member and row count, and a SHA-256 of its content (index,
  column names and values). A chunk is used only if all of these match and its members
  are exactly the ones its number stands for; so a chunk damaged inside the file (even
  with an intact footer), or copied from another sweep, is never returned: a resumed
  sweep renames it to ``*.rejected`` and computes it again (with a warning naming it),
  and :func:`load_results` refuses the folder with an error naming it. The checksum
  detects damage and mix-ups, not forgery: anyone who may write to the folder can
  also rewrite its metadata, so keep results folders where only you can write.
- **One writer.** A sweep holds an exclusive lock on ``sweep.lock`` (``fcntl.flock``;
  ``msvcrt.locking`` on Windows) from before it looks at the folder until it returns, so
  two sweeps started into the same folder at the same instant cannot both write there:
  the second stops with an error naming the first one's process id. The operating system
  releases the lock when its holder dies, even by SIGKILL, so a killed sweep can be
  resumed at once. On network file systems the lock is as reliable as their locking.

Resuming computes only the chunks without a valid file, so rows are never lost or
duplicated.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import uuid
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import SimulationError

_CHUNK = re.compile(r"^chunk-(\d{6,})\.parquet$")
META = "sweep.json"
DESIGN = "design.parquet"
LOCK = "sweep.lock"
_CHUNK_KEY = b"bonemodel.chunk"
_FORMAT = 2  # 2: chunks carry the sweep id and a checksum of their content


def require_pyarrow() -> None:
    """Import pyarrow or explain how to get it (it is the ``sweep`` extra)."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:  # pragma: no cover - pyarrow is installed in the test environment
        raise ImportError(
            "writing sweep results to a folder needs pyarrow; install it with "
            "`pip install bonemodel[sweep]` (or pip install pyarrow), or call sweep() without out="
        ) from None


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write ``path`` through a temporary file in its folder, then rename it into place."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def frame_digest(frame: pd.DataFrame) -> str:
    """SHA-256 of a chunk's index, column names and values, the same before and after Parquet.

    NaNs are hashed as one canonical NaN (Parquet may store them as nulls); text columns
    as their strings, whatever pandas' string dtype.

    Parameters
    ----------
    frame
        A chunk of sweep results.

    Returns
    -------
    str
        The hexadecimal SHA-256 digest.
    """
    h = hashlib.sha256()
    numeric = [pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t) for t in frame.dtypes]
    names = [str(frame.index.name)] + [("f:" if n else "s:") + str(c) for c, n in zip(frame.columns, numeric)]
    h.update(json.dumps(names).encode())
    h.update(np.ascontiguousarray(frame.index.to_numpy(), dtype="<i8").tobytes())
    if any(numeric):
        # Column by column: pandas keeps a float block that way, so no copy is made.
        values = np.ascontiguousarray(frame.loc[:, numeric].to_numpy(dtype=float).T, dtype="<f8")
        nan = np.isnan(values)
        if nan.any():
            values = np.where(nan, np.nan, values)
        h.update(memoryview(values).cast("B"))
    for name in frame.columns[[not n for n in numeric]]:
        text = [None if pd.isna(v) else str(v) for v in frame[name].tolist()]
        h.update(json.dumps(text).encode())
    return h.hexdigest()


class _Lock:
    """An exclusive lock on a file that the operating system releases when its holder dies."""

    def __init__(self, path: Path):
        self.path = path
        self.fd: int | None = None
        self.existed = False  # the file was there before: a sweep has used the folder

    def acquire(self, folder: Path) -> None:
        self.existed = self.path.exists()
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except OSError as exc:
            raise SimulationError(
                f"cannot use '{folder}' as a results folder: its lock file cannot be opened "
                f"({exc.strerror or exc}); choose a folder you can write to"
            ) from None
        try:
            if not _try_lock(fd):
                raise SimulationError(
                    f"results folder '{folder}' is in use by another sweep{_holder(fd)}; wait for it "
                    "to finish or choose another out= folder"
                )
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        except BaseException:
            os.close(fd)
            raise
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            fd, self.fd = self.fd, None
            os.close(fd)  # closing the file releases the lock


try:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

except ImportError:  # pragma: no cover - Windows: a lock on the first byte, released at process exit
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True


def _holder(fd: int) -> str:
    """ " (pid N)" from a held lock file, or '' if it does not say."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii").strip() if hasattr(os, "pread") else ""
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (pid {text})" if text.isdigit() else ""


def read_meta(folder: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The metadata of the sweep stored in ``folder`` (None if it has none), checked.

    A file that is not UTF-8 JSON or lacks the fields every sweep writes is refused with
    an error naming it, never passed on half-read.

    Parameters
    ----------
    folder
        A sweep's results folder.

    Returns
    -------
    dict or None
        The sweep's metadata (design, outputs, tolerances, chunking), or None for a folder without it.

    Raises
    ------
    SimulationError
        If the metadata file is not UTF-8 JSON or lacks a required field.
    """
    path = Path(folder) / META
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except IsADirectoryError:
        raw = None
    except OSError as exc:
        raise SimulationError(f"cannot read sweep metadata '{path}': {exc.strerror or exc}") from None
    meta = None
    if raw is not None:
        try:
            meta = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            meta = None
    problem = _meta_problem(meta)
    if problem:
        raise SimulationError(
            f"sweep metadata '{path}' is damaged ({problem}); the folder's results cannot be "
            "trusted: move or delete the folder and run the sweep again"
        )
    return meta


def _meta_problem(meta: Any) -> str:
    if not isinstance(meta, dict):
        return "not a JSON object in UTF-8"
    checks = {
        "fingerprint": lambda v: isinstance(v, str) and v != "",
        "chunk_size": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1,
        "n_members": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
        "sweep_id": lambda v: v is None or (isinstance(v, str) and re.fullmatch(r"[0-9a-f]{32}", v)),
    }
    for key, ok in checks.items():
        if (key in meta or key != "sweep_id") and not ok(meta.get(key)):
            return f"'{key}' is missing or not valid"
    return ""


def stored_chunk_size(folder: str | os.PathLike[str]) -> int | None:
    """Chunk size of the sweep stored in ``folder``, if there is one (resumes keep it).

    Parameters
    ----------
    folder
        A sweep's results folder.

    Returns
    -------
    int or None
        Members per chunk, or None if the folder holds no sweep.
    """
    meta = read_meta(folder)
    return None if meta is None else int(meta["chunk_size"])


class Checkpoint:
    """A results folder: owned by one sweep at a time, holding chunks it can verify.

    Parameters
    ----------
    folder
        The results folder (``out`` of a sweep).
    """

    def __init__(self, folder: str | os.PathLike[str]):
        self.folder = Path(folder)
        self.chunks = self.folder / "chunks"
        self._lock = _Lock(self.folder / LOCK)
        self._meta: dict[str, Any] | None = None

    def chunk_path(self, index: int) -> Path:
        """The file of chunk ``index``.

        Parameters
        ----------
        index
            Chunk index.

        Returns
        -------
        pathlib.Path
            ``chunks/chunk-NNNNNN.parquet`` in the folder.
        """
        return self.chunks / f"chunk-{index:06d}.parquet"

    @property
    def sweep_id(self) -> str:
        """Id of the sweep the folder holds ('' if none)."""
        return str(self.meta().get("sweep_id") or "")

    # ------------------------------------------------------------------ one sweep at a time

    def open(self, meta: Mapping[str, Any], design: pd.DataFrame, *, resume: bool) -> set[int]:
        """Lock the folder for this sweep, create it or check it holds the same sweep; return done chunks.

        The lock is held until :meth:`close`; on an error it is released before raising.

        Parameters
        ----------
        meta
            The sweep's metadata (id, members, chunk size, design, outputs, tolerances).
        design
            The design table, one row per member.
        resume
            Whether to continue a sweep already in the folder (its metadata must match).

        Returns
        -------
        set of int
            Indices of the chunks already done.

        Raises
        ------
        SimulationError
            If the folder is locked by another sweep, holds a different sweep (or this one without
        ``resume``), or cannot be created or used.
        """
        require_pyarrow()
        self._make_folder()
        self._lock.acquire(self.folder)
        try:
            return self._open_locked(meta, design, resume=resume)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Release the folder for other sweeps."""
        self._lock.release()

    def __enter__(self) -> Checkpoint:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _make_folder(self) -> None:
        if self.folder.exists() and not self.folder.is_dir():
            raise SimulationError(
                f"out='{self.folder}' is a file, not a folder; give a folder for the sweep's results"
            )
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SimulationError(
                f"cannot create the results folder '{self.folder}' ({exc.strerror or exc}); "
                "choose a folder you can write to"
            ) from None

    def _open_locked(self, meta: Mapping[str, Any], design: pd.DataFrame, *, resume: bool) -> set[int]:
        old = read_meta(self.folder)
        if old is not None:
            if old["fingerprint"] != meta["fingerprint"]:
                raise SimulationError(
                    f"results folder '{self.folder}' holds a different sweep (model, design, outputs, "
                    "scenario or settings differ); choose another out= folder or delete this one"
                )
            if not resume:
                raise SimulationError(
                    f"results folder '{self.folder}' already holds this sweep; pass resume=True to "
                    "compute only the missing members, or delete the folder to start over"
                )
            self._remove_temporary_files()
            if not old.get("sweep_id"):
                # Written before chunks carried the sweep id: none of them can be verified.
                old = {**old, "sweep_id": uuid.uuid4().hex, "format": _FORMAT}
                self._write_meta(old)
            self._meta = old
            return self._verified(quarantine=True)
        # No metadata: a new folder, or one whose creation was cut short (it has our lock
        # file from before, perhaps the design, and no chunks, which come after the metadata).
        ours = {LOCK, "chunks"} | ({DESIGN} if self._lock.existed else set())
        entries = {p.name for p in self.folder.iterdir()}
        if self._lock.existed:
            entries = {e for e in entries if not (e.startswith(".") and e.endswith(".tmp"))}
        if entries - ours or (self.chunks.is_dir() and any(self.chunks.iterdir())):
            if not self._lock.existed:
                self._lock.path.unlink(missing_ok=True)
            raise SimulationError(
                f"results folder '{self.folder}' exists and is not a sweep folder; choose an empty or new folder"
            )
        self.chunks.mkdir(exist_ok=True)
        self._remove_temporary_files()
        _atomic_write(self.folder / DESIGN, lambda p: design.to_parquet(p, index=True))
        # The metadata goes last: a folder without it is an unfinished start, not a sweep.
        self._meta = {**meta, "sweep_id": uuid.uuid4().hex, "format": _FORMAT}
        self._write_meta(self._meta)
        return set()

    def _write_meta(self, meta: Mapping[str, Any]) -> None:
        text = json.dumps(dict(meta), indent=2, sort_keys=True, default=str)
        _atomic_write(self.folder / META, lambda p: p.write_text(text, encoding="utf-8"))

    def _remove_temporary_files(self) -> None:
        """Temporary files of writers killed mid-write (none can be writing: we hold the lock)."""
        for folder in (self.folder, self.chunks):
            if folder.is_dir():
                for p in folder.glob(".*.tmp"):
                    p.unlink(missing_ok=True)

    # ------------------------------------------------------------------ chunks

    def n_chunks(self) -> int:
        """Number of chunks of the stored sweep.

        Returns
        -------
        int
            Members divided by chunk size, rounded up.
        """
        meta = self.meta()
        return -(-int(meta["n_members"]) // int(meta["chunk_size"]))

    def members(self, index: int) -> range:
        """The members chunk ``index`` holds.

        Parameters
        ----------
        index
            Chunk index.

        Returns
        -------
        range
            Member indices.
        """
        meta = self.meta()
        size, total = int(meta["chunk_size"]), int(meta["n_members"])
        return range(index * size, min((index + 1) * size, total))

    def write(self, index: int, frame: pd.DataFrame) -> None:
        """Write one finished chunk atomically, stamped with the sweep id and its checksum.

        Parameters
        ----------
        index
            Chunk index.
        frame
            The chunk's rows.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        stamp = {
            "sweep_id": self.sweep_id,
            "chunk": int(index),
            "first": int(frame.index[0]) if len(frame) else None,
            "rows": len(frame),
            "sha256": frame_digest(frame),
        }
        table = pa.Table.from_pandas(frame, preserve_index=True)
        metadata = {**(table.schema.metadata or {}), _CHUNK_KEY: json.dumps(stamp).encode()}
        table = table.replace_schema_metadata(metadata)
        _atomic_write(self.chunk_path(index), lambda p: pq.write_table(table, p))

    def check_chunk(self, index: int, path: Path | None = None) -> tuple[pd.DataFrame | None, str]:
        """Read chunk ``index`` and verify it: ``(frame, "")``, or ``(None, why it is refused)``.

        Parameters
        ----------
        index
            Chunk index.
        path
            The file to check (default: the chunk's own file).

        Returns
        -------
        tuple
            ``(frame, "")`` or ``(None, reason)``.
        """
        import pyarrow.parquet as pq

        path = self.chunk_path(index) if path is None else path
        expected = self.members(index)
        if index >= self.n_chunks():
            return None, f"this sweep has only {self.n_chunks()} chunks"
        try:
            table = pq.read_table(path)
            stamp = json.loads((table.schema.metadata or {}).get(_CHUNK_KEY, b"null"))
            frame = table.to_pandas()
        except Exception as exc:  # noqa: BLE001 - any unreadable file is refused the same way
            return None, f"it cannot be read ({type(exc).__name__})"
        if not isinstance(stamp, dict):
            return None, "it carries no sweep id and checksum"
        if stamp.get("sweep_id") != self.sweep_id:
            return None, "it belongs to another sweep"
        if stamp.get("chunk") != index or stamp.get("rows") != len(expected):
            return None, "it is stored under another chunk number"
        if frame.index.tolist() != list(expected):
            return None, f"its members are not {expected.start}..{expected.stop - 1}"
        if stamp.get("sha256") != frame_digest(frame):
            return None, "its content does not match its checksum (the file was altered or damaged)"
        return frame, ""

    def _chunk_files(self) -> dict[int, Path]:
        found: dict[int, Path] = {}
        if self.chunks.is_dir():
            for entry in os.scandir(self.chunks):
                m = _CHUNK.match(entry.name)
                if m:
                    found[int(m.group(1))] = Path(entry.path)
        return found

    def _verified(self, *, quarantine: bool) -> set[int]:
        """Indices of the chunks whose file passes every check; the others are reported.

        With ``quarantine`` (a resume, holding the lock) a refused file is renamed to
        ``*.rejected`` and a warning names it; without it an error does.
        """
        good, bad = set(), []
        for index, path in sorted(self._chunk_files().items()):
            frame, why = self.check_chunk(index, path)
            if frame is None:
                bad.append((path, why))
            else:
                good.add(index)
        if not bad:
            return good
        if not quarantine:
            self._refuse(bad)
        for path, _ in bad:
            os.replace(path, path.with_name(path.name + ".rejected"))
        warnings.warn(
            f"results folder '{self.folder}': {len(bad)} chunk file(s) refused and computed again "
            f"(renamed to *.rejected): {_listing(bad)}",
            stacklevel=4,
        )
        return good

    def _refuse(self, bad: list[tuple[Path, str]]) -> None:
        raise SimulationError(
            f"results folder '{self.folder}' has chunk files that do not belong to its sweep or were "
            f"altered, so its rows are not returned: {_listing(bad)}. Resume the sweep (resume=True) "
            "to compute them again, or delete those files"
        )

    def done(self) -> set[int]:
        """Indices of chunks with a verified file; raises if any chunk file fails its checks.

        Returns
        -------
        set of int
            Chunk indices.
        """
        return self._verified(quarantine=False)

    def read(self, indices: list[int] | None = None) -> pd.DataFrame:
        """All (or the given) chunks as one frame sorted by member; refused if any chunk fails its checks.

        Parameters
        ----------
        indices
            Chunk indices (default: all).

        Returns
        -------
        pandas.DataFrame
            The rows.
        """
        files = self._chunk_files()
        frames, bad = [], []
        for index in sorted(files if indices is None else indices):
            path = files.get(index, self.chunk_path(index))
            frame, why = self.check_chunk(index, path)
            if frame is None:
                bad.append((path, why))
            else:
                frames.append(frame)
        if bad:
            self._refuse(bad)
        if not frames:
            return pd.DataFrame()
        return pd.concat(frames).sort_index()

    def meta(self) -> dict[str, Any]:
        """The stored metadata (checked; read once).

        Returns
        -------
        dict
            The sweep's metadata.
        """
        if self._meta is None:
            meta = read_meta(self.folder)
            if meta is None:
                raise SimulationError(
                    f"'{self.folder}' is not a sweep results folder (it has no {META}); "
                    "give the out= folder of a sweep"
                )
            self._meta = meta
        return self._meta


def _listing(bad: list[tuple[Path, str]]) -> str:
    shown = "; ".join(f"'{p.name}': {why}" for p, why in bad[:5])
    return shown + (f"; and {len(bad) - 5} more" if len(bad) > 5 else "")


def load_results(folder: str | os.PathLike[str]) -> pd.DataFrame:
    """The rows of a (finished or partial) sweep folder, with its metadata in ``attrs``.

    Every chunk is verified (sweep id, members, checksum); a folder with a chunk that
    fails is refused with a :class:`~bonemodel.errors.SimulationError` naming it.

    Parameters
    ----------
    folder
        The ``out`` folder of ``bm.sweep`` or ``bonemodel sweep --out``.

    Returns
    -------
    pandas.DataFrame
        One row per finished member: parameter columns (in their units), output columns (in the
        units of the states and observables they read) and ``status``; ``attrs`` holds the metadata.

    Raises
    ------
    SimulationError
        If a chunk fails its checks, or the folder holds no sweep.
    """
    cp = Checkpoint(folder)
    meta = cp.meta()
    frame = cp.read()
    frame.attrs = meta
    return frame
