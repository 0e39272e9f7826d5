"""Where the chunks of a sweep run: in this process, local threads or processes, or on Dask.

All take the same task function and the same chunks, and hand every finished chunk
back to the caller (in the parent process) as soon as it is done, so results can be
written to disk while the rest run. Threads serve the numba solver, which releases the
GIL: they start instantly, where starting processes costs seconds. Every executor keeps
at most two chunks per worker in flight, so memory stays bounded however long the sweep.

Local processes
---------------
Workers are started with ``spawn`` (safe with threads, the same on every platform, and
what Dask workers see), but unlike plain ``spawn`` they do **not** import the user's
script. ``spawn`` normally runs the main script again in every worker (as
``__mp_main__``), so that objects defined in it can be unpickled there; a script that
calls ``bm.sweep`` at top level without an ``if __name__ == "__main__":`` guard then
starts a sweep inside each worker while it boots, and the pool breaks
(``BrokenProcessPool``); even a guarded script would run its other top-level code (prints,
file writes, plots) once per worker. ``fork`` does not re-import, but forking a process
that runs threads (BLAS pools, tqdm, numba) can deadlock the children, and macOS
forbids it; ``forkserver`` re-imports the script like ``spawn``. So the workers' start
data simply leaves the main module out (only for processes named by this module), and
what a worker needs is sent to it once, when it starts: the task and the sweep's plan,
pickled. If the plan refers to something defined in the script (a callable output, say),
it is pickled by value with ``cloudpickle`` (installed with dask); without cloudpickle
such a sweep runs on threads, with a warning. The user's script therefore runs exactly
once, guarded or not.

Threads
-------
A chunk on a thread alternates between the solver's machine code, which runs without the
GIL, and Python that holds it (the members' parameter vectors before the solver; their
outputs, statuses and frame after it: about a quarter of a Lemaire chunk's time). With one
thread per core, a core whose thread waits for the GIL while the other thread runs its
Python stands idle, and the threads tend to fall into step (both in Python, then both in
the solver). A sweep that uses every core therefore runs one thread more than there are
cores: while one thread holds the GIL the others keep the cores busy in the solver. On the
big Lemaire sweep (50,000 members, 2 cores) this took the median speed-up over one worker
from 1.82x to 1.88x, and the runs at or above 1.8x from 12 to 22 of 23 (alternated runs on an
otherwise idle machine). A sweep given fewer workers than cores keeps one thread per worker,
so it never uses more cores than asked.

A worker must not outlive the sweep that started it: if the parent is killed
(SIGKILL, out of memory), the workers would otherwise wait for work forever, each holding
its memory. On Linux each worker asks the kernel for SIGKILL when its parent dies
(``prctl(PR_SET_PDEATHSIG)``; the "parent" is the thread that started the worker, which
is the thread running the sweep, alive until the pool is shut down); on every platform a
watchdog thread in the worker also exits it within a second once its parent process is
gone (``os.getppid()`` changes when a process is re-parented).
"""

from __future__ import annotations

import multiprocessing.context as mpc
import os
import pickle
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
Chunk = tuple[int, Any]  # (chunk index, payload passed to the task)
_WORKER_PREFIX = "bonemodel-worker"
_WATCH_INTERVAL_S = 0.5
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def default_workers() -> int:
    """Cores this process may use.

    Returns
    -------
    int
        The CPUs this process may run on (its affinity mask where the system has one).
    """
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def run_serial(task: Callable, plan: Any, chunks: Sequence[Chunk]) -> Iterator[tuple[int, Any]]:
    """Run chunks one after the other in this process.

    Parameters
    ----------
    task
        The function run on each chunk, ``task(plan, payload)``.
    plan
        What every chunk shares (the sweep's plan).
    chunks
        The chunks, each with its index and its members.

    Yields
    ------
    tuple
        ``(chunk index, result)``, in order.
    """
    for index, payload in chunks:
        yield index, task(plan, payload)


def run_processes(
    task: Callable, plan: Any, chunks: Sequence[Chunk], workers: int
) -> Iterator[tuple[int, Any]]:
    """Run chunks in ``workers`` local processes; yield them as they finish.

    The workers never import the caller's main script and exit when this process dies
    (see the module docstring).

    Parameters
    ----------
    task
        The function run on each chunk, ``task(plan, payload)``.
    plan
        What every chunk shares, sent to each worker once.
    chunks
        The chunks.
    workers
        Number of worker processes.

    Yields
    ------
    tuple
        ``(chunk index, result)``, in the order they finish.
    """
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    packed = pack_for_workers((task, plan))
    if packed is None:
        warnings.warn(
            "the sweep uses objects defined in your script or that plain pickle cannot handle (e.g. a "
            "callable output), which worker processes can only receive with cloudpickle; running on "
            "threads instead (pip install cloudpickle, or define them in an importable module)",
            stacklevel=3,
        )
        yield from run_threads(task, plan, chunks, workers)
        return
    # One BLAS thread per process (children inherit the environment): the batched solver's
    # small matrices gain nothing from more, and oversubscription slows every worker.
    saved = {k: os.environ.get(k) for k in _THREAD_VARS}
    os.environ.update({k: "1" for k in _THREAD_VARS if saved[k] is None})
    try:
        with ProcessPoolExecutor(
            max_workers=workers,
            mp_context=_worker_context(),
            initializer=_start_worker,
            initargs=(os.getpid(), packed),
        ) as pool:
            yield from _bounded(lambda payload: pool.submit(_run_packed, payload), chunks, workers)
    except BrokenProcessPool as exc:
        from .errors import SimulationError

        raise SimulationError(
            "a worker process of the sweep stopped abruptly (killed, or out of memory); chunks "
            "already finished are kept when out= is given (resume=True continues). Use fewer "
            "workers or a smaller chunk_size"
        ) from exc
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)


def pack_for_workers(obj: Any) -> bytes | None:
    """Pickle ``obj`` so that a process which has not imported ``__main__`` can load it.

    Plain pickle when nothing in ``obj`` comes from the main script; otherwise (or when
    plain pickle fails, as for a lambda) cloudpickle, which pickles such objects by value;
    None if that needs cloudpickle and it is not installed.

    Parameters
    ----------
    obj
        The object to send.

    Returns
    -------
    bytes or None
        The pickle, or None.
    """
    import io

    try:
        buffer = io.BytesIO()
        _MainFinder(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
        return buffer.getvalue()
    except (_UsesMain, pickle.PicklingError, AttributeError, TypeError):
        pass
    try:
        import cloudpickle
    except ImportError:
        return None
    try:
        return cloudpickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # noqa: BLE001 - whatever cannot be pickled gets the same advice
        from .errors import SimulationError

        raise SimulationError(
            f"the sweep cannot be sent to worker processes ({type(exc).__name__}: {exc}); "
            "run it with executor='threads' or workers=1"
        ) from None


class _UsesMain(Exception):
    """Something to pickle is defined in the main script."""


class _MainFinder(pickle.Pickler):
    """A pickler that stops at the first object defined in ``__main__``."""

    def reducer_override(self, obj: Any) -> Any:
        try:
            module = getattr(obj, "__module__", None)
        except Exception:  # noqa: BLE001 - an object whose attributes raise is pickled as usual
            module = None
        if module in ("__main__", "__mp_main__"):
            raise _UsesMain
        return NotImplemented


# --------------------------------------------------------------------------- worker processes


class _WorkerProcess(mpc.SpawnProcess):
    """A spawned process whose name marks it as a sweep worker (its start data omits main)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.name = f"{_WORKER_PREFIX}-{self.name}"


class _WorkerContext(mpc.SpawnContext):
    Process = _WorkerProcess


def _worker_context() -> _WorkerContext:
    """The ``spawn`` context of sweep workers, with the main-module filter installed."""
    _install_main_filter()
    return _WorkerContext()


_FILTER_LOCK = threading.Lock()


def _install_main_filter() -> None:
    """Leave the main module out of the start data of this module's worker processes.

    ``multiprocessing.spawn.get_preparation_data`` is wrapped once per process; processes
    with any other name get exactly the data they got before.
    """
    from multiprocessing import spawn

    with _FILTER_LOCK:
        original = spawn.get_preparation_data
        if getattr(original, "_bonemodel_filter", False):
            return

        def get_preparation_data(name: str) -> dict[str, Any]:
            data = original(name)
            if str(name).startswith(_WORKER_PREFIX):
                data.pop("init_main_from_path", None)
                data.pop("init_main_from_name", None)
            return data

        get_preparation_data._bonemodel_filter = True  # type: ignore[attr-defined]
        spawn.get_preparation_data = get_preparation_data


_PACKED: Any = None  # (task, plan) of the sweep this worker serves


def _start_worker(parent: int, packed: bytes) -> None:
    """Initializer of a worker process: die with the parent, then load the task and plan."""
    _die_with_parent(parent)
    global _PACKED
    _PACKED = pickle.loads(packed)


def _run_packed(payload: Any) -> Any:
    task, plan = _PACKED
    return task(plan, payload)


def _die_with_parent(parent: int) -> None:
    """Make this process exit as soon as the process ``parent`` is gone."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except Exception:  # noqa: BLE001 - the watchdog below still applies
            pass
    # The parent may have died before the request above took effect.
    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="bonemodel-parent-watch", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_WATCH_INTERVAL_S)
    os._exit(1)


# --------------------------------------------------------------------------- threads and Dask


def run_threads(
    task: Callable, plan: Any, chunks: Sequence[Chunk], workers: int
) -> Iterator[tuple[int, Any]]:
    """Run chunks on threads for ``workers`` cores; worthwhile only when the task releases the GIL (numba).

    Parameters
    ----------
    task
        The function run on each chunk, ``task(plan, payload)``.
    plan
        What every chunk shares.
    chunks
        The chunks.
    workers
        Cores to keep busy; :func:`thread_count` gives the threads.

    Yields
    ------
    tuple
        ``(chunk index, result)``, in the order they finish.
    """
    from concurrent.futures import ThreadPoolExecutor

    threads = thread_count(workers)
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="bonemodel-sweep") as pool:
        yield from _bounded(lambda payload: pool.submit(task, plan, payload), chunks, threads)


def thread_count(workers: int) -> int:
    """Threads that keep ``workers`` cores busy with chunks that hold the GIL part of the time.

    One more than ``workers`` when they are all the cores this process may use (see the
    module docstring); ``workers`` otherwise, so that a sweep never takes more cores than asked.

    Parameters
    ----------
    workers
        Cores the sweep may use.

    Returns
    -------
    int
        Number of threads.
    """
    workers = max(1, int(workers))
    return workers + 1 if workers > 1 and workers >= default_workers() else workers


def _bounded(
    submit: Callable[[Any], Any], chunks: Sequence[Chunk], workers: int
) -> Iterator[tuple[int, Any]]:
    """Submit chunks keeping at most two per worker in flight; yield each as it finishes."""
    from concurrent.futures import FIRST_COMPLETED, wait

    pending = list(chunks)[::-1]
    running = {}
    try:
        while pending or running:
            while pending and len(running) < 2 * workers:
                index, payload = pending.pop()
                running[submit(payload)] = index
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in done:
                index = running.pop(fut)
                yield index, fut.result()
    finally:
        for fut in running:
            fut.cancel()


def run_dask(task: Callable, plan: Any, chunks: Sequence[Chunk], client: Any) -> Iterator[tuple[int, Any]]:
    """Run chunks on a ``dask.distributed.Client`` (local or remote); yield them as they finish.

    Parameters
    ----------
    task
        The function run on each chunk, ``task(plan, payload)``.
    plan
        What every chunk shares, scattered to the workers once.
    chunks
        The chunks.
    client
        A ``dask.distributed.Client``.

    Yields
    ------
    tuple
        ``(chunk index, result)``, in the order they finish.
    """
    try:
        from dask.distributed import as_completed
    except ImportError:  # pragma: no cover - dask is installed in the test environment
        raise ImportError(
            "client= needs dask.distributed; install it with `pip install bonemodel[sweep]`"
        ) from None
    import uuid

    plan_future = client.scatter(plan, broadcast=True)
    run_id = uuid.uuid4().hex[:12]  # fresh keys: Dask must never hand back another sweep's chunk
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    pending = list(chunks)[::-1]
    futures = {}

    def submit() -> None:
        index, payload = pending.pop()
        fut = client.submit(task, plan_future, payload, pure=False, key=f"bonemodel-chunk-{run_id}-{index}")
        futures[fut] = index

    ac = as_completed()
    while pending and len(futures) < 2 * workers:
        submit()
        ac.add(list(futures)[-1])
    for fut in ac:
        index = futures.pop(fut)
        result = fut.result()
        fut.release()
        yield index, result
        if pending:
            submit()
            ac.add(list(futures)[-1])


class Progress:
    """A tqdm bar over members (rate and ETA), or nothing; tqdm is imported only when shown.

    Parameters
    ----------
    total
        Members in the sweep.
    initial
        Members already done (a resume).
    show
        Whether to show the bar.
    desc
        The bar's label.
    """

    def __init__(self, total: int, initial: int, show: bool, desc: str):
        self.bar = None
        if not show:
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:
            warnings.warn(
                "progress=True needs tqdm (`pip install bonemodel[sweep]`); running without a progress bar",
                stacklevel=3,
            )
            return
        self.bar = tqdm(total=total, initial=initial, desc=desc, unit="sim", smoothing=0.1)

    def restart(self, initial: int, desc: str) -> None:
        """Start counting members under a new label (after a notice such as compiling).

        Parameters
        ----------
        initial
            Members already done (a resume).
        desc
            The bar's new label.
        """
        if self.bar is not None:
            self.bar.set_description(desc, refresh=False)
            self.bar.reset(total=self.bar.total)
            self.bar.update(initial)

    def update(self, k: int) -> None:
        """Count ``k`` more members done.

        Parameters
        ----------
        k
            Members just finished.
        """
        if self.bar is not None:
            self.bar.update(k)

    def close(self) -> None:
        """Close the bar."""
        if self.bar is not None:
            self.bar.close()
