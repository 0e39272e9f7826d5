"""Every cache of generated code follows one policy: nothing another user could write is executed.

The attacks are planted as another user would: files owned by another uid (tests run as
root in CI, so ``os.chown`` works), folders writable by everyone, symbolic links. Each
planted file is a working payload (a valid header and checksum, code that creates a
marker file), so a test fails if the check it exercises is missing.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import stat
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import bonemodel.cache as cache
import bonemodel.compile as comp
from bonemodel.cache import CacheWarning
from bonemodel.compile import compile_model, generate_source, model_key

OTHER_UID = 65534  # "nobody"
needs_root = pytest.mark.skipif(
    not hasattr(os, "getuid") or os.getuid() != 0, reason="planting files as another user needs root"
)
needs_posix = pytest.mark.skipif(not hasattr(os, "getuid"), reason="ownership and modes are POSIX")


@pytest.fixture(autouse=True)
def _fresh_warnings(monkeypatch):
    monkeypatch.setattr(cache, "_WARNED", set())


def _private_dir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True)
    path.chmod(0o700)
    return path


def _fresh(model):
    """A copy of ``model`` without its in-memory compiled code, so the disk cache is consulted."""
    copy = model.with_parameters(model.parameters)
    object.__setattr__(copy, "_compiled", None)
    return copy


def _with_payload(source: str, marker: Path, *, checksum) -> str:
    """``source`` with a line creating ``marker`` after its header, and a valid checksum."""
    lines = source.rstrip("\n").split("\n")[:-1]  # without the checksum line
    lines.insert(1, f"open({str(marker)!r}, 'w').close()")
    body = "\n".join(lines) + "\n"
    return body + checksum(body)


def _compile_checksum(body: str) -> str:
    return f"# sha256 {hashlib.sha256(body.rstrip(chr(10)).encode()).hexdigest()}\n"


def _sens_checksum(body: str) -> str:
    return f"# sha256 {hashlib.sha256(body.encode()).hexdigest()}\n"


# ------------------------------------------------------------------ compile cache


@pytest.fixture
def compile_cache(monkeypatch, tmp_path):
    monkeypatch.setattr(comp, "_MEMORY_CACHE", {})
    monkeypatch.setattr(comp, "_FNS_CACHE", {})

    def plant(folder: Path, model, marker: Path) -> Path:
        key = model_key(model)
        path = folder / f"{model.name}-{key}.py"
        path.write_text(_with_payload(generate_source(model, key), marker, checksum=_compile_checksum))
        path.chmod(0o600)
        return path

    return plant


def test_compile_cache_runs_a_planted_file_only_when_it_is_ours(
    coupled_model, compile_cache, tmp_path, monkeypatch
):
    """Control for the tests below: the payload is live, so their refusals are what stops it."""
    folder = _private_dir(tmp_path / "cache")
    monkeypatch.setenv("BONEMODEL_CACHE", str(folder))
    marker = tmp_path / "ran"
    compile_cache(folder, coupled_model, marker)
    compile_model(_fresh(coupled_model))
    assert marker.exists()


@needs_root
def test_compile_cache_ignores_a_file_owned_by_another_user(
    coupled_model, compile_cache, tmp_path, monkeypatch
):
    folder = _private_dir(tmp_path / "cache")
    monkeypatch.setenv("BONEMODEL_CACHE", str(folder))
    marker = tmp_path / "ran"
    planted = compile_cache(folder, coupled_model, marker)
    os.chown(planted, OTHER_UID, OTHER_UID)
    with pytest.warns(CacheWarning, match=rf"{re.escape(planted.name)}.*owned by user id {OTHER_UID}"):
        compiled = compile_model(_fresh(coupled_model))
    assert not marker.exists()
    assert compiled.source == generate_source(coupled_model, compiled.key)
    # The folder is ours: the foreign file is replaced by a private one.
    st = planted.stat()
    assert st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) == 0o600


@needs_posix
@pytest.mark.parametrize("mode", [0o777, 0o770, 0o1777])
def test_compile_cache_in_a_folder_others_can_write_is_not_used(
    coupled_model, compile_cache, tmp_path, monkeypatch, mode
):
    folder = _private_dir(tmp_path / "cache")
    marker = tmp_path / "ran"
    planted = compile_cache(folder, coupled_model, marker)
    folder.chmod(mode)
    monkeypatch.setenv("BONEMODEL_CACHE", str(folder))
    with pytest.warns(CacheWarning, match=rf"'{re.escape(str(folder))}'.*writable by"):
        compiled = compile_model(_fresh(coupled_model))
    assert not marker.exists()
    assert compiled.source == generate_source(coupled_model, compiled.key)
    assert [p.name for p in folder.iterdir()] == [planted.name]  # nothing written there either


@needs_posix
def test_compile_cache_reached_through_a_symbolic_link_is_not_used(
    coupled_model, compile_cache, tmp_path, monkeypatch
):
    real = _private_dir(tmp_path / "real")
    marker = tmp_path / "ran"
    compile_cache(real, coupled_model, marker)
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    monkeypatch.setenv("BONEMODEL_CACHE", str(link))
    with pytest.warns(CacheWarning, match=rf"'{re.escape(str(link))}' is not used: it is a symbolic link"):
        compile_model(_fresh(coupled_model))
    assert not marker.exists()


@needs_posix
def test_compile_cache_file_that_is_a_symbolic_link_is_not_read(
    coupled_model, compile_cache, tmp_path, monkeypatch
):
    folder = _private_dir(tmp_path / "cache")
    elsewhere = _private_dir(tmp_path / "elsewhere")
    marker = tmp_path / "ran"
    target = compile_cache(elsewhere, coupled_model, marker)
    (folder / target.name).symlink_to(target)
    monkeypatch.setenv("BONEMODEL_CACHE", str(folder))
    with pytest.warns(CacheWarning, match="symbolic link"):
        compile_model(_fresh(coupled_model))
    assert not marker.exists()


@needs_root
@pytest.mark.parametrize("attack", ["writable by everyone", "owned by another user"])
def test_cache_inside_a_folder_someone_else_controls_is_not_used(
    coupled_model, compile_cache, tmp_path, monkeypatch, attack
):
    """Whoever can write the folder above the cache can swap the cache for their own."""
    parent = tmp_path / "parent"
    parent.mkdir()
    folder = _private_dir(parent / "cache")
    marker = tmp_path / "ran"
    compile_cache(folder, coupled_model, marker)
    if attack == "writable by everyone":
        parent.chmod(0o777)
    else:
        os.chown(parent, OTHER_UID, OTHER_UID)
    monkeypatch.setenv("BONEMODEL_CACHE", str(folder))
    with pytest.warns(CacheWarning, match=rf"'{re.escape(str(parent))}'"):
        compile_model(_fresh(coupled_model))
    assert not marker.exists()


@needs_posix
def test_cache_under_a_sticky_shared_folder_like_tmp_is_used(
    coupled_model, compile_cache, tmp_path, monkeypatch
):
    parent = tmp_path / "shared"
    parent.mkdir()
    parent.chmod(0o1777)
    monkeypatch.setenv("BONEMODEL_CACHE", str(parent / "mine" / "cache"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        compile_model(_fresh(coupled_model))
    assert len(list((parent / "mine" / "cache").glob("coupled-*.py"))) == 1


@needs_posix
def test_cache_folders_are_created_private_and_files_written_atomically(
    coupled_model, compile_cache, tmp_path, monkeypatch
):
    base = tmp_path / "base"
    base.mkdir()
    monkeypatch.setenv("BONEMODEL_CACHE", str(base / "a" / "b" / "cache"))
    compile_model(_fresh(coupled_model))
    for folder in (base / "a", base / "a" / "b", base / "a" / "b" / "cache"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = list((base / "a" / "b" / "cache").iterdir())
    assert [f.suffix for f in files] == [".py"]  # no temporary file left behind
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600


def test_a_private_compile_cache_is_read_back_from_disk(coupled_model, compile_cache, tmp_path, monkeypatch):
    monkeypatch.setenv("BONEMODEL_CACHE", str(tmp_path / "cache"))
    first = compile_model(_fresh(coupled_model))
    monkeypatch.setattr(comp, "_MEMORY_CACHE", {})

    def refuse(*args, **kwargs):
        raise AssertionError("regenerated although the disk cache holds the code")

    monkeypatch.setattr(comp, "generate_source", refuse)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        again = compile_model(_fresh(coupled_model))
    assert again.source == first.source


@needs_posix
def test_a_cache_warning_is_given_once_per_folder(coupled_model, compile_cache, tmp_path, monkeypatch):
    folder = _private_dir(tmp_path / "cache")
    folder.chmod(0o777)
    monkeypatch.setenv("BONEMODEL_CACHE", str(folder))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            monkeypatch.setattr(comp, "_MEMORY_CACHE", {})
            compile_model(_fresh(coupled_model))
    assert len([w for w in caught if issubclass(w.category, CacheWarning)]) == 1


def test_empty_bonemodel_cache_disables_the_disk_cache(coupled_model, compile_cache, tmp_path, monkeypatch):
    monkeypatch.setenv("BONEMODEL_CACHE", "")
    assert cache.cache_dir() is None and cache.private_folder() is None
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    compile_model(_fresh(coupled_model))
    assert not (tmp_path / "xdg").exists() and not (tmp_path / "home").exists()


def test_unset_bonemodel_cache_uses_the_user_cache_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("BONEMODEL_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "bonemodel"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # ignored, as the XDG specification says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "bonemodel"


def test_model_names_cannot_leave_the_cache_folder():
    assert cache.safe_name("../../etc/x\n") == "______etc_x_"


# ------------------------------------------------------------------ sensitivity cache


@pytest.fixture
def sens_cache(monkeypatch):
    import bonemodel.sensitivity._codegen as sc

    monkeypatch.setattr(comp, "_MEMORY_CACHE", {})
    monkeypatch.setattr(sc, "_CACHE", {})

    def plant(folder: Path, model, names, marker: Path) -> Path:
        key = (compile_model(model).key, tuple(names), False)
        digest = hashlib.sha256(repr((sc.GENERATOR_VERSION,) + key).encode()).hexdigest()[:24]
        path = folder / f"{model.name}-sens-{digest}.py"
        source = sc.generate_sensitivity_source(model, list(names))
        path.write_text(_with_payload(source, marker, checksum=_sens_checksum))
        path.chmod(0o600)
        return path

    return sc, plant


def test_sensitivity_cache_runs_a_planted_file_only_when_it_is_ours(
    coupled_model, sens_cache, tmp_path, monkeypatch
):
    """Control: the planted payload runs when the policy accepts the file."""
    sc, plant = sens_cache
    folder = _private_dir(tmp_path / "cache")
    monkeypatch.setenv("BONEMODEL_CACHE", str(folder))
    marker = tmp_path / "ran"
    plant(folder, coupled_model, ["k1", "g"], marker)
    sc.sensitivity_functions(coupled_model, ["k1", "g"])
    assert marker.exists()


@needs_root
def test_sensitivity_cache_ignores_foreign_files(coupled_model, sens_cache, tmp_path, monkeypatch):
    sc, plant = sens_cache
    folder = _private_dir(tmp_path / "cache")
    monkeypatch.setenv("BONEMODEL_CACHE", str(folder))
    marker = tmp_path / "ran"
    planted = plant(folder, coupled_model, ["k1", "g"], marker)
    os.chown(planted, OTHER_UID, OTHER_UID)
    with pytest.warns(CacheWarning, match=rf"{re.escape(planted.name)}.*owned by user id {OTHER_UID}"):
        source, fns = sc.sensitivity_functions(coupled_model, ["k1", "g"])
    assert not marker.exists()
    assert source == sc.generate_sensitivity_source(coupled_model, ["k1", "g"])
    assert fns["sens"] is not None


@needs_posix
@pytest.mark.parametrize("attack", ["world-writable folder", "symbolic link"])
def test_sensitivity_cache_in_a_shared_or_linked_folder_is_not_used(
    coupled_model, sens_cache, tmp_path, monkeypatch, attack
):
    sc, plant = sens_cache
    folder = _private_dir(tmp_path / "cache")
    marker = tmp_path / "ran"
    plant(folder, coupled_model, ["k2"], marker)
    if attack == "world-writable folder":
        folder.chmod(0o777)
        used = folder
    else:
        used = tmp_path / "link"
        used.symlink_to(folder, target_is_directory=True)
    monkeypatch.setenv("BONEMODEL_CACHE", str(used))
    with pytest.warns(CacheWarning, match=rf"'{re.escape(str(used))}'"):
        sc.sensitivity_functions(coupled_model, ["k2"])
    assert not marker.exists()


def test_a_private_sensitivity_cache_is_read_back_from_disk(coupled_model, sens_cache, tmp_path, monkeypatch):
    sc, _ = sens_cache
    monkeypatch.setenv("BONEMODEL_CACHE", str(tmp_path / "cache"))
    first, _ = sc.sensitivity_functions(coupled_model, ["k1"])
    files = list((tmp_path / "cache").glob("coupled-sens-*.py"))
    assert len(files) == 1 and stat.S_IMODE(files[0].stat().st_mode) == 0o600
    monkeypatch.setattr(sc, "_CACHE", {})

    def refuse(*args, **kwargs):
        raise AssertionError("regenerated although the disk cache holds the code")

    monkeypatch.setattr(sc, "generate_sensitivity_source", refuse)
    again, _ = sc.sensitivity_functions(coupled_model, ["k1"])
    assert again == first


# ------------------------------------------------------------------ numba cache


class _Payload:
    """Unpickling this creates ``marker``: what a planted numba index or data file would do."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').close()",))


def _numba_module(model, monkeypatch):
    import bonemodel.compile_numba as cn

    monkeypatch.setattr(cn, "_LOADED", {})
    compiled = compile_model(model)
    compiled.__dict__.pop("_numba_module", None)
    key = cn.numba_key(compiled)
    return cn, cn.load_from_source(cn.numba_source(model, compiled), key, compiled.name)


def _dispatchers(module):
    from numba.core.dispatcher import Dispatcher

    return [v for v in vars(module).values() if isinstance(v, Dispatcher)]


@needs_root
def test_numba_cache_does_not_unpickle_foreign_index_files(coupled_model, tmp_path, monkeypatch):
    pytest.importorskip("numba")
    folder = _private_dir(tmp_path / "cache")
    monkeypatch.setenv("BONEMODEL_CACHE", str(folder))
    _, module = _numba_module(coupled_model, monkeypatch)
    solve_all = module.solve_all
    index = Path(solve_all._cache._cache_file._index_path)
    assert index.parent == folder / "numba"
    marker = tmp_path / "ran"
    index.write_bytes(pickle.dumps(_Payload(marker)))
    index.chmod(0o600)
    # Control: a private index file is unpickled (the payload is live).
    solve_all._cache.load_overload((), solve_all.targetctx)
    assert marker.exists()
    marker.unlink()
    os.chown(index, OTHER_UID, OTHER_UID)
    with pytest.warns(CacheWarning, match=rf"{re.escape(index.name)}.*owned by user id {OTHER_UID}"):
        assert solve_all._cache.load_overload((), solve_all.targetctx) is None
    assert not marker.exists()


@needs_posix
@pytest.mark.parametrize("attack", ["world-writable folder", "symbolic link", "folder owned by another user"])
def test_numba_cache_in_a_folder_others_control_is_not_used(coupled_model, tmp_path, monkeypatch, attack):
    pytest.importorskip("numba")
    from numba.core.caching import NullCache

    folder = _private_dir(tmp_path / "cache")
    real = _private_dir(tmp_path / "real")
    if attack == "world-writable folder":
        (folder / "numba").mkdir(mode=0o777)
        (folder / "numba").chmod(0o777)
        named = folder / "numba"
    elif attack == "symbolic link":
        (folder / "numba").symlink_to(real, target_is_directory=True)
        named = folder / "numba"
    else:
        if os.getuid() != 0:
            pytest.skip("needs root")
        (folder / "numba").mkdir(mode=0o700)
        os.chown(folder / "numba", OTHER_UID, OTHER_UID)
        named = folder / "numba"
    monkeypatch.setenv("BONEMODEL_CACHE", str(folder))
    with pytest.warns(CacheWarning, match=rf"'{re.escape(str(named))}'"):
        _, module = _numba_module(coupled_model, monkeypatch)
    assert all(isinstance(d._cache, NullCache) for d in _dispatchers(module))


def test_numba_module_is_never_read_back_from_disk(coupled_model, tmp_path, monkeypatch):
    """A generated-looking module in the numba folder is not imported: the source comes from memory."""
    pytest.importorskip("numba")
    import bonemodel.compile_numba as cn

    folder = _private_dir(tmp_path / "cache")
    numba_dir = _private_dir(folder / "numba")
    compiled = compile_model(coupled_model)
    key = cn.numba_key(compiled)
    marker = tmp_path / "ran"
    (numba_dir / f"bm_{compiled.name}_{key}.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    monkeypatch.setenv("BONEMODEL_CACHE", str(folder))
    _, module = _numba_module(coupled_model, monkeypatch)
    assert not marker.exists()
    caches = {type(d._cache).__name__ for d in _dispatchers(module)}
    assert caches == {"PrivateCache"}
    assert {Path(d._cache.cache_path) for d in _dispatchers(module)} == {numba_dir}


_RUN = """
import json
import bonemodel as bm
from bonemodel.model import Model, State, symbols
from bonemodel.parameters import parse_parameters

x, k = symbols("x k")
table = {{"value": 0.5, "unit": "1/day", "description": "rate", "source": "assumed", "note": "test"}}
params = parse_parameters({{"meta": {{"model": "tiny"}}, "parameters": {{"k": table}}}})
model = Model("tiny", (State("x", 1.0),), params, {{"x": -k * x}})
run = bm.simulate(model, 5.0, method={method!r})
report = {{"ok": bool(run.success)}}
if {sens!r}:
    from bonemodel.sensitivity._codegen import sensitivity_functions
    sensitivity_functions(model, ["k"])
if {method!r} == "rodas4":
    module = bm.compile_model(model).__dict__["_numba_module"]
    stats = [d.stats for d in vars(module).values() if hasattr(d, "stats")]
    report["hits"] = sum(sum(s.cache_hits.values()) for s in stats)
    report["misses"] = sum(sum(s.cache_misses.values()) for s in stats)
print(json.dumps(report))
"""


def _run_isolated(tmp_path: Path, bonemodel_cache: str, *, method: str, sens: bool = False) -> dict:
    """Run a small simulation in a fresh process whose temp, home and numba folders are empty."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "XDG_"))}
    for name in ("tmp", "home", "numba", "xdg"):
        (tmp_path / name).mkdir(exist_ok=True)
    env.update(
        BONEMODEL_CACHE=bonemodel_cache,
        TMPDIR=str(tmp_path / "tmp"),
        HOME=str(tmp_path / "home"),
        XDG_CACHE_HOME=str(tmp_path / "xdg"),
        NUMBA_CACHE_DIR=str(tmp_path / "numba"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    script = _RUN.format(method=method, sens=sens)
    done = subprocess.run(
        [sys.executable, "-W", "error::bonemodel.cache.CacheWarning", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _leftovers(tmp_path: Path) -> list[str]:
    return sorted(
        str(p.relative_to(tmp_path))
        for name in ("tmp", "home", "numba", "xdg")
        for p in (tmp_path / name).rglob("*")
    )


def test_empty_bonemodel_cache_leaves_no_files_behind(tmp_path):
    report = _run_isolated(tmp_path, "", method="LSODA", sens=True)
    assert report["ok"]
    assert _leftovers(tmp_path) == []


@pytest.mark.slow
def test_empty_bonemodel_cache_leaves_no_numba_files_behind(tmp_path):
    """No shared folder under the system temp folder, nor numba's own cache folders."""
    pytest.importorskip("numba")
    report = _run_isolated(tmp_path, "", method="rodas4")
    assert report["ok"] and report["hits"] == 0
    assert _leftovers(tmp_path) == []


@pytest.mark.slow
def test_numba_machine_code_is_cached_privately_and_reused_by_the_next_process(tmp_path):
    pytest.importorskip("numba")
    cache_folder = tmp_path / "cache"
    first = _run_isolated(tmp_path, str(cache_folder), method="rodas4")
    assert first["ok"] and first["hits"] == 0 and first["misses"] > 0
    numba_dir = cache_folder / "numba"
    files = list(numba_dir.iterdir())
    assert files and all(f.suffix in (".nbi", ".nbc") for f in files)
    assert stat.S_IMODE(numba_dir.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    assert _leftovers(tmp_path) == []  # numba's own folders (NUMBA_CACHE_DIR, ~/.cache) untouched
    second = _run_isolated(tmp_path, str(cache_folder), method="rodas4")
    assert second["ok"] and second["hits"] > 0 and second["misses"] == 0


@needs_root
@pytest.mark.slow
def test_numba_run_with_planted_foreign_files_executes_nothing(coupled_model, tmp_path, monkeypatch):
    """End to end: every index file planted by another user is refused and the solver still runs."""
    pytest.importorskip("numba")
    import bonemodel as bm

    folder = _private_dir(tmp_path / "cache")
    monkeypatch.setenv("BONEMODEL_CACHE", str(folder))
    _, module = _numba_module(coupled_model, monkeypatch)
    marker = tmp_path / "ran"
    for d in _dispatchers(module):
        index = Path(d._cache._cache_file._index_path)
        index.write_bytes(pickle.dumps(_Payload(marker)))
        os.chown(index, OTHER_UID, OTHER_UID)
    compile_model(coupled_model).__dict__["_numba_module"] = module
    with pytest.warns(CacheWarning, match=f"owned by user id {OTHER_UID}"):
        run = bm.simulate(coupled_model, 5.0, method="rodas4")
    assert run.success and not marker.exists()
