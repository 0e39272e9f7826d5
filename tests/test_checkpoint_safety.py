"""Sweep folders return only rows of their own sweep: verified chunks, one writer, checked metadata."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bonemodel.checkpoint import Checkpoint, load_results
from bonemodel.errors import SimulationError
from tests.test_sweep import small_sweep

REPO = Path(__file__).resolve().parents[1]
CHUNK1 = Path("chunks") / "chunk-000001.parquet"


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    """The 24-member sweep (two chunks of 12) computed without a folder."""
    return small_sweep(workers=1, n=24)


def folder_sweep(out: Path, **kwargs) -> pd.DataFrame:
    return small_sweep(workers=1, n=24, out=str(out), **kwargs)


def rewrite_keeping_metadata(path: Path, change) -> None:
    """Rewrite a chunk with changed values but the key-value metadata (sweep id, checksum) it had."""
    table = pq.read_table(path)
    frame = table.to_pandas()
    change(frame)
    altered = pa.Table.from_pandas(frame, preserve_index=True).replace_schema_metadata(table.schema.metadata)
    pq.write_table(altered, path)


def test_chunk_digest_survives_the_parquet_round_trip(tmp_path):
    from bonemodel.checkpoint import frame_digest

    frame = pd.DataFrame(
        {"a": [1.5, np.nan, -0.0], "b": [np.inf, 2.0, 3.0], "status": ["success", "failed: x", "success"]},
        index=pd.Index([12, 13, 14], name="member"),
    )
    cp = Checkpoint(tmp_path)
    cp._meta = {"sweep_id": "0" * 32, "chunk_size": 3, "n_members": 15, "fingerprint": "f"}
    cp.chunks.mkdir()
    cp.write(4, frame)
    back, why = cp.check_chunk(4)
    assert why == ""
    pd.testing.assert_frame_equal(back, frame, check_exact=True)
    assert frame_digest(back) == frame_digest(frame)
    changed = frame.copy()
    changed.loc[13, "b"] = 2.0000000000000004  # one ulp
    assert frame_digest(changed) != frame_digest(frame)


def test_chunk_altered_inside_its_file_is_refused_and_recomputed(tmp_path, reference):
    out = tmp_path / "run"
    pd.testing.assert_frame_equal(folder_sweep(out), reference, check_exact=True)

    def impossible(frame):
        frame["k_B"] = -5.0  # below the parameter's lower bound, yet the status still says success

    rewrite_keeping_metadata(out / CHUNK1, impossible)
    with pytest.raises(SimulationError, match=r"chunk-000001\.parquet.*does not match its checksum"):
        load_results(out)
    with pytest.warns(UserWarning, match=r"chunk-000001\.parquet.*does not match its checksum"):
        resumed = folder_sweep(out, resume=True)
    pd.testing.assert_frame_equal(resumed, reference, check_exact=True)
    assert (out / "chunks" / "chunk-000001.parquet.rejected").is_file()
    pd.testing.assert_frame_equal(load_results(out), reference, check_exact=True)


def test_chunk_with_bytes_patched_in_a_data_page_is_never_returned(tmp_path, reference):
    out = tmp_path / "run"
    folder_sweep(out)
    path = out / CHUNK1
    data = bytearray(path.read_bytes())
    value = np.float64(reference.loc[15, "D_R"]).tobytes()  # plain-encoded in a dictionary page
    at = data.find(value)
    assert 4 <= at < len(data) - pq.read_metadata(path).serialized_size - 8, "the value lies in a page"
    data[at + 7] ^= 0x08  # the exponent: a wildly different D_R, footer and page headers intact
    path.write_bytes(bytes(data))
    with pytest.raises(SimulationError, match=r"chunk-000001\.parquet"):
        load_results(out)
    with pytest.warns(UserWarning, match=r"chunk-000001\.parquet"):
        resumed = folder_sweep(out, resume=True)
    pd.testing.assert_frame_equal(resumed, reference, check_exact=True)


def test_chunk_copied_from_another_sweep_under_the_same_index_is_refused(tmp_path, reference):
    mine, other = tmp_path / "mine", tmp_path / "other"
    folder_sweep(mine)
    folder_sweep(other, seed=9)
    shutil.copyfile(other / CHUNK1, mine / CHUNK1)
    with pytest.raises(SimulationError, match=r"chunk-000001\.parquet.*belongs to another sweep"):
        load_results(mine)
    with pytest.warns(UserWarning, match="belongs to another sweep"):
        resumed = folder_sweep(mine, resume=True)
    pd.testing.assert_frame_equal(resumed, reference, check_exact=True)
    # Even a chunk of the very same sweep run into another folder is refused: rows are only
    # ever taken from the run that wrote the folder.
    twin = tmp_path / "twin"
    folder_sweep(twin)
    shutil.copyfile(twin / CHUNK1, mine / CHUNK1)
    with pytest.raises(SimulationError, match="belongs to another sweep"):
        load_results(mine)


def test_chunk_holding_other_members_is_refused(tmp_path, reference):
    out = tmp_path / "run"
    folder_sweep(out)
    # Under chunk 1's name, a copy of chunk 0: its own stamp says chunk 0.
    shutil.copyfile(out / "chunks" / "chunk-000000.parquet", out / CHUNK1)
    with pytest.raises(SimulationError, match="stored under another chunk number"):
        load_results(out)
    # Stamped as chunk 1 with a matching checksum, but holding members 0..11.
    cp = Checkpoint(out)
    cp.write(1, reference.iloc[:12])
    with pytest.raises(SimulationError, match=r"its members are not 12\.\.23"):
        load_results(out)
    # A chunk number the sweep does not have.
    (out / CHUNK1).unlink()
    shutil.copyfile(out / "chunks" / "chunk-000000.parquet", out / "chunks" / "chunk-000007.parquet")
    with pytest.raises(SimulationError, match="only 2 chunks"):
        load_results(out)
    with pytest.warns(UserWarning, match="chunk-000007"):
        resumed = folder_sweep(out, resume=True)
    pd.testing.assert_frame_equal(resumed, reference, check_exact=True)
    pd.testing.assert_frame_equal(load_results(out), reference, check_exact=True)


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe\x00garbage",
        b"[1, 2, 3]",
        json.dumps({"fingerprint": 5, "chunk_size": 12, "n_members": 24}).encode(),
        json.dumps({"fingerprint": "abc", "chunk_size": "12", "n_members": 24}).encode(),
        json.dumps({"fingerprint": "abc", "chunk_size": 12, "n_members": 24, "sweep_id": 7}).encode(),
    ],
    ids=["not-json", "not-utf8", "not-an-object", "fingerprint-type", "chunk-size-type", "sweep-id-type"],
)
def test_corrupt_sweep_metadata_gives_a_clear_error(tmp_path, content):
    out = tmp_path / "run"
    folder_sweep(out)
    (out / "sweep.json").write_bytes(content)
    for attempt in (
        lambda: load_results(out),
        lambda: folder_sweep(out, resume=True),
        lambda: folder_sweep(out),
    ):
        with pytest.raises(
            SimulationError, match=r"sweep metadata '.*sweep\.json' is damaged.*delete the folder"
        ):
            attempt()


def test_out_that_is_a_file_or_not_a_sweep_folder_is_refused(tmp_path):
    target = tmp_path / "table.csv"
    target.write_text("keep me")
    with pytest.raises(SimulationError, match="is a file, not a folder"):
        folder_sweep(target)
    other = tmp_path / "photos"
    other.mkdir()
    (other / "design.parquet").write_text("someone else's file")
    with pytest.raises(SimulationError, match="is not a sweep folder"):
        folder_sweep(other)
    assert (other / "design.parquet").read_text() == "someone else's file"
    assert sorted(p.name for p in other.iterdir()) == ["design.parquet"]
    with pytest.raises(SimulationError, match="not a sweep results folder"):
        load_results(other)


HOLDER = """
import sys, time
from bonemodel import checkpoint
from tests.test_checkpoint_safety import folder_sweep

write = checkpoint.Checkpoint.write

def write_then_hang(self, index, frame):
    write(self, index, frame)
    print("wrote", flush=True)
    time.sleep(600)

checkpoint.Checkpoint.write = write_then_hang
folder_sweep(__import__("pathlib").Path(sys.argv[1]))
"""


@pytest.mark.slow
def test_folder_in_use_is_refused_and_a_killed_holder_releases_it(tmp_path, reference):
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(out)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "wrote", "the holder did not start its sweep"
        with pytest.raises(SimulationError, match=rf"'{out}' is in use by another sweep \(pid {proc.pid}\)"):
            folder_sweep(out, resume=True)
        # Reading the finished part of a running sweep is allowed, and verified.
        pd.testing.assert_frame_equal(load_results(out), reference.iloc[:12], check_exact=True)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    pd.testing.assert_frame_equal(folder_sweep(out, resume=True), reference, check_exact=True)


RACER = """
import sys, time
from pathlib import Path
from bonemodel.errors import SimulationError
from tests.test_checkpoint_safety import folder_sweep

base, seed, rounds = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
print("ready", flush=True)
for r in range(rounds):
    while not (base / f"go-{r}").exists():
        time.sleep(0.001)
    try:
        folder_sweep(base / f"out-{r}", seed=seed)
        print(r, "ok", flush=True)
    except SimulationError as exc:
        print(r, "refused", str(exc).replace("\\n", " "), flush=True)
"""


@pytest.mark.slow
def test_two_sweeps_started_into_one_folder_at_once_never_mix(tmp_path):
    rounds, seeds = 5, (21, 22)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, str(tmp_path), str(seed), str(rounds)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
        )
        for seed in seeds
    ]
    try:
        for p in procs:
            assert p.stdout.readline().strip() == "ready"
        outcomes = []
        for r in range(rounds):
            (tmp_path / f"go-{r}").touch()
            outcomes.append([p.stdout.readline().strip().split(" ", 2) for p in procs])
    finally:
        for p in procs:
            p.kill()
            p.wait(timeout=30)
            p.stdout.close()
    expected = {seed: folder_sweep(tmp_path / f"alone-{seed}", seed=seed) for seed in seeds}
    for r, lines in enumerate(outcomes):
        verdicts = [line[1] for line in lines]
        assert sorted(verdicts) == ["ok", "refused"], lines
        assert any(
            m in lines[verdicts.index("refused")][2]
            for m in ("in use by another sweep", "holds a different sweep")
        )
        winner = seeds[verdicts.index("ok")]
        pd.testing.assert_frame_equal(load_results(tmp_path / f"out-{r}"), expected[winner], check_exact=True)


def test_unfinished_start_is_taken_over_but_temporary_files_of_others_are_kept(tmp_path, reference):
    out = tmp_path / "run"
    folder_sweep(out)
    # A creation cut short after the design: no metadata, no chunks.
    (out / "sweep.json").unlink()
    shutil.rmtree(out / "chunks")
    (out / ".design.parquet.x1y2.tmp").write_bytes(b"half")
    pd.testing.assert_frame_equal(folder_sweep(out), reference, check_exact=True)
    assert not list(out.glob(".*.tmp"))
    # A folder that never held a sweep keeps every file it had.
    other = tmp_path / "notes"
    other.mkdir()
    (other / ".draft.tmp").write_text("x")
    with pytest.raises(SimulationError, match="is not a sweep folder"):
        folder_sweep(other)
    assert (other / ".draft.tmp").exists()
    assert not os.path.exists(other / "sweep.lock")


def test_folder_of_an_older_version_without_checksums_is_recomputed(tmp_path, reference):
    out = tmp_path / "run"
    folder_sweep(out)
    meta = json.loads((out / "sweep.json").read_text())
    del meta["sweep_id"], meta["format"]
    (out / "sweep.json").write_text(json.dumps(meta))
    for path in (out / "chunks").glob("chunk-*.parquet"):  # as the older version wrote them
        pd.read_parquet(path).to_parquet(path, index=True)
    with pytest.raises(SimulationError, match="carries no sweep id and checksum"):
        load_results(out)
    with pytest.warns(UserWarning, match="2 chunk file"):
        resumed = folder_sweep(out, resume=True)
    pd.testing.assert_frame_equal(resumed, reference, check_exact=True)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
metadata = st.fixed_dictionaries(
    {},
    optional={
        "fingerprint": json_values,
        "chunk_size": json_values,
        "n_members": json_values,
        "sweep_id": json_values,
    },
).map(lambda d: json.dumps(d).encode())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    meta=st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()) | metadata,
    chunk=st.binary(max_size=300),
)
def test_any_sweep_metadata_or_chunk_bytes_give_rows_or_a_clear_error(tmp_path, meta, chunk):
    out = Path(tempfile.mkdtemp(dir=tmp_path))
    (out / "chunks").mkdir()
    (out / "sweep.json").write_bytes(meta)
    (out / "chunks" / "chunk-000000.parquet").write_bytes(chunk)
    with pytest.raises(SimulationError):
        load_results(out)  # whatever the metadata, random bytes are never a chunk
    (out / "chunks" / "chunk-000000.parquet").unlink()
    try:
        frame = load_results(out)
    except SimulationError:
        return
    assert frame.empty and isinstance(frame.attrs["fingerprint"], str)
