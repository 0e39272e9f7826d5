"""A test run compiles into a cache of its own and leaves nothing behind; a cache the user set is kept."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

TESTS = Path(__file__).resolve().parent

# Each test file records the cache it sees and writes into it; the second one outlives the
# first on another worker, so a worker that removed the cache on exit would pull it from under it.
PROBE = """
import json, os, time
from pathlib import Path

def test_{name}():
    time.sleep({delay})
    folder = Path(os.environ["BONEMODEL_CACHE"])
    assert folder.is_dir()
    (folder / "{name}.txt").write_text("compiled code")
    with open({log!r}, "a") as log:
        log.write(json.dumps({{"test": "{name}", "pid": os.getpid(), "cache": str(folder)}}) + "\\n")
"""


def _suite(tmp_path: Path) -> tuple[Path, Path]:
    suite = tmp_path / "suite"
    suite.mkdir()
    shutil.copy(TESTS / "conftest.py", suite / "conftest.py")
    log = tmp_path / "seen.jsonl"
    for name, delay in (("quick", 0.0), ("slow", 3.0)):
        (suite / f"test_{name}.py").write_text(PROBE.format(name=name, delay=delay, log=str(log)))
    return suite, log


def _run(suite: Path, tmp: Path, extra: list[str], **env: str) -> list[dict]:
    environ = {k: v for k, v in os.environ.items() if k != "BONEMODEL_CACHE"}
    environ.update(TMPDIR=str(tmp), PYTHONPATH=str(TESTS.parent), **env)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(suite), *extra],
        cwd=suite,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return [json.loads(line) for line in (suite.parent / "seen.jsonl").read_text().splitlines()]


def test_parallel_run_shares_one_cache_and_removes_it_only_at_the_end(tmp_path):
    suite, _ = _suite(tmp_path)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    seen = _run(suite, tmp, ["-n", "2", "--dist", "loadfile"])
    assert {s["test"] for s in seen} == {"quick", "slow"}
    assert len({s["pid"] for s in seen}) == 2, "each file ran on its own worker"
    (cache,) = {s["cache"] for s in seen}  # one cache for the whole run, made by the controller
    assert Path(cache).parent == tmp and Path(cache).name.startswith("bonemodel-test-cache-")
    assert not Path(cache).exists(), "the run's own cache is removed when the run ends"
    assert list(tmp.glob("bonemodel-test-cache-*")) == []


def test_a_cache_the_user_set_is_kept_and_no_other_is_made(tmp_path):
    suite, _ = _suite(tmp_path)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    mine = tmp_path / "my-cache"
    mine.mkdir(mode=0o700)
    seen = _run(suite, tmp, ["-p", "no:xdist"], BONEMODEL_CACHE=str(mine))
    assert {s["cache"] for s in seen} == {str(mine)}
    assert sorted(p.name for p in mine.iterdir()) == ["quick.txt", "slow.txt"]
    assert list(tmp.glob("bonemodel-test-cache-*")) == [], "no unused cache folder is made"
