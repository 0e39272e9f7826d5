"""A trial's results folder: chunks written as they finish, read back one at a time.

The folder is a sweep results folder (:mod:`bonemodel.checkpoint`): the trial's metadata with a
fingerprint of everything that determines its rows (model, people, arms, endpoints, follow-up,
parameter values, tolerances, chunking), an id, and one Parquet file per chunk stamped with that
id and a checksum. A resumed trial computes only the chunks without a valid file; the summary of a
folder is accumulated a chunk at a time (:mod:`bonemodel.trials.summary`), so it needs the memory
of one chunk, not of every row.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from typing import Any

import pandas as pd

from .. import __version__
from ..errors import SimulationError
from .patient import Patient


def fingerprint(settings: dict[str, Any], patients: Sequence[Patient]) -> str:
    """A digest of a trial's settings and of every person (their full description).

    Parameters
    ----------
    settings
        JSON-serialisable settings (model key, arms, endpoints, follow-up, tolerances, chunking).
    patients
        The people.

    Returns
    -------
    str
        32 hexadecimal characters.
    """
    h = hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode())
    for p in patients:
        h.update(repr(p).encode())
        h.update(b"\n")
    return h.hexdigest()[:32]


def trial_meta(
    settings: dict[str, Any], patients: Sequence[Patient], n_members: int, chunk_size: int
) -> dict:
    """The metadata stored with a trial's folder.

    Parameters
    ----------
    settings
        JSON-serialisable settings.
    patients
        The people.
    n_members
        People x arms.
    chunk_size
        Members per chunk (people per chunk x arms).

    Returns
    -------
    dict
        Metadata for :class:`~bonemodel.checkpoint.Checkpoint`.
    """
    return {
        **settings,
        "kind": "trial",
        "fingerprint": fingerprint({**settings, "chunk_size": chunk_size}, patients),
        "n_members": int(n_members),
        "n_people": len(patients),
        "chunk_size": int(chunk_size),
        "bonemodel_version": __version__,
    }


def chunks_of(folder: str | os.PathLike[str], columns: Sequence[str] | None = None) -> Iterator[pd.DataFrame]:
    """The chunks of a finished trial folder, one verified frame at a time.

    Parameters
    ----------
    folder
        The trial's ``out`` folder.
    columns
        Columns to keep (default: all).

    Yields
    ------
    pandas.DataFrame
        One chunk's rows.

    Raises
    ------
    SimulationError
        If a chunk is missing or fails its checks (sweep id, members, checksum).
    """
    from ..checkpoint import Checkpoint

    cp = Checkpoint(folder)
    for index in range(cp.n_chunks()):
        frame, why = cp.check_chunk(index)
        if frame is None:
            raise SimulationError(
                f"trial folder '{folder}': chunk {index} is missing or refused ({why}); "
                "run the trial again with resume=True to compute it"
            )
        yield frame if columns is None else frame[list(columns)]


def load_rows(folder: str | os.PathLike[str], arms: Sequence[str]) -> pd.DataFrame:
    """Every row of a trial folder, arm by arm and person by person (as the in-memory frame).

    Parameters
    ----------
    folder
        The trial's ``out`` folder.
    arms
        Arm names in order.

    Returns
    -------
    pandas.DataFrame
        One row per person and arm.
    """
    frame = pd.concat(list(chunks_of(folder)))
    return arm_major(frame, arms)


def arm_major(frame: pd.DataFrame, arms: Sequence[str]) -> pd.DataFrame:
    """Rows ordered arm by arm, then by person, with a plain 0..n-1 index.

    Parameters
    ----------
    frame
        Rows with ``arm`` and ``person`` columns.
    arms
        Arm names in order.

    Returns
    -------
    pandas.DataFrame
        The rows reordered.
    """
    order = {a: k for k, a in enumerate(arms)}
    key = frame["arm"].map(order).to_numpy() * (int(frame["person"].max()) + 1 if len(frame) else 1)
    key = key + frame["person"].to_numpy()
    return frame.iloc[key.argsort(kind="stable")].reset_index(drop=True)
