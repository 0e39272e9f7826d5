"""Checkpoints of a sweep: one Parquet file per finished chunk, plus the design and metadata.

Layout of the results folder::

    out/sweep.json            what was swept (fingerprint, settings, chunking)
    out/design.parquet        the parameter sets, one row per member
    out/chunks/chunk-000012.parquet   rows of members [12 * chunk_size, 13 * chunk_size)

Every file is written to a temporary name in the same folder, flushed to disk and moved
into place with ``os.replace``, which is atomic: a reader (or a resumed sweep) sees a
chunk completely or not at all, even if the writer is killed with SIGKILL. Resuming
computes only the chunks without a file, so rows are never lost or duplicated.
Only the parent process writes, so there are no races between workers.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import SimulationError

_CHUNK = re.compile(r"^chunk-(\d{6,})\.parquet$")
META = "sweep.json"
DESIGN = "design.parquet"


def require_pyarrow() -> None:
    """Import pyarrow or explain how to get it (it is the ``sweep`` extra)."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:  # pragma: no cover - pyarrow is installed in the test environment
        raise ImportError(
            "writing sweep results to a folder needs pyarrow; install it with "
            "`pip install bonemodel[sweep]` (or pip install pyarrow), or call sweep() without out="
        ) from None


def _atomic_write(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


class Checkpoint:
    """A results folder: writes chunks atomically and knows which chunks are done."""

    def __init__(self, folder: str | os.PathLike[str]):
        self.folder = Path(folder)
        self.chunks = self.folder / "chunks"

    def chunk_path(self, index: int) -> Path:
        return self.chunks / f"chunk-{index:06d}.parquet"

    def open(self, meta: Mapping[str, Any], design: pd.DataFrame, *, resume: bool) -> set[int]:
        """Create the folder for this sweep, or check it holds the same sweep; return done chunks."""
        require_pyarrow()
        meta_path = self.folder / META
        if meta_path.is_file():
            old = json.loads(meta_path.read_text(encoding="utf-8"))
            if old.get("fingerprint") != meta["fingerprint"]:
                raise SimulationError(
                    f"results folder '{self.folder}' holds a different sweep (model, design, outputs, "
                    "scenario or settings differ); choose another out= folder or delete this one"
                )
            if not resume:
                raise SimulationError(
                    f"results folder '{self.folder}' already holds this sweep; pass resume=True to "
                    "compute only the missing members, or delete the folder to start over"
                )
            return self.done()
        if self.folder.exists() and any(self.folder.iterdir()):
            raise SimulationError(
                f"results folder '{self.folder}' exists and is not a sweep folder; choose an empty or new folder"
            )
        self.chunks.mkdir(parents=True, exist_ok=True)
        _atomic_write(self.folder / DESIGN, lambda p: design.to_parquet(p, index=True))
        # The metadata goes last: a folder without it is an unfinished start, not a sweep.
        text = json.dumps(dict(meta), indent=2, sort_keys=True, default=str)
        _atomic_write(meta_path, lambda p: p.write_text(text, encoding="utf-8"))
        return set()

    def done(self) -> set[int]:
        """Indices of chunks with a complete file (a file that cannot be read is redone)."""
        import pyarrow.parquet as pq

        found = set()
        if not self.chunks.is_dir():
            return found
        for entry in os.scandir(self.chunks):
            m = _CHUNK.match(entry.name)
            if not m:
                continue
            try:
                pq.read_metadata(entry.path)
            except Exception:  # noqa: BLE001 - any unreadable file is simply recomputed
                os.unlink(entry.path)
                continue
            found.add(int(m.group(1)))
        return found

    def write(self, index: int, frame: pd.DataFrame) -> None:
        """Write one finished chunk atomically."""
        _atomic_write(self.chunk_path(index), lambda p: frame.to_parquet(p, index=True))

    def read(self, indices: list[int] | None = None) -> pd.DataFrame:
        """All (or the given) chunks as one frame sorted by member."""
        idx = sorted(self.done() if indices is None else indices)
        frames = [pd.read_parquet(self.chunk_path(i)) for i in idx]
        if not frames:
            return pd.DataFrame()
        return pd.concat(frames).sort_index()

    def meta(self) -> dict[str, Any]:
        return json.loads((self.folder / META).read_text(encoding="utf-8"))


def load_results(folder: str | os.PathLike[str]) -> pd.DataFrame:
    """The rows of a (finished or partial) sweep folder, with its metadata in ``attrs``."""
    cp = Checkpoint(folder)
    frame = cp.read()
    frame.attrs = cp.meta()
    return frame
