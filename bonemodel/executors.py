"""Where the chunks of a sweep run: in this process, local threads or processes, or on Dask.

All take the same task function and the same chunks, and hand every finished chunk
back to the caller (in the parent process) as soon as it is done, so results can be
written to disk while the rest run. Local processes use the ``spawn`` start method
(safe with threads, on every platform, and identical to what Dask workers see) and keep
at most two chunks per worker in flight, so memory stays bounded however long the sweep. Threads serve the numba solver, which
releases the GIL: they start instantly, where spawning processes costs seconds.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
Chunk = tuple[int, Any]  # (chunk index, payload passed to the task)


def default_workers() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def run_serial(task: Callable, plan: Any, chunks: Sequence[Chunk]) -> Iterator[tuple[int, Any]]:
    """Run chunks one after the other in this process."""
    for index, payload in chunks:
        yield index, task(plan, payload)


def run_processes(
    task: Callable, plan: Any, chunks: Sequence[Chunk], workers: int
) -> Iterator[tuple[int, Any]]:
    """Run chunks in ``workers`` spawned local processes; yield them as they finish."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    ctx = mp.get_context("spawn")
    # One BLAS thread per process (children inherit the environment): the batched solver's
    # small matrices gain nothing from more, and oversubscription slows every worker.
    saved = {k: os.environ.get(k) for k in _THREAD_VARS}
    os.environ.update({k: "1" for k in _THREAD_VARS if saved[k] is None})
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            yield from _bounded(pool, task, plan, chunks, workers)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)


def run_threads(
    task: Callable, plan: Any, chunks: Sequence[Chunk], workers: int
) -> Iterator[tuple[int, Any]]:
    """Run chunks on ``workers`` threads; worthwhile only when the task releases the GIL (numba)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bonemodel-sweep") as pool:
        yield from _bounded(pool, task, plan, chunks, workers)


def _bounded(
    pool, task: Callable, plan: Any, chunks: Sequence[Chunk], workers: int
) -> Iterator[tuple[int, Any]]:
    """Submit chunks keeping at most two per worker in flight; yield each as it finishes."""
    from concurrent.futures import FIRST_COMPLETED, wait

    pending = list(chunks)[::-1]
    running = {}
    try:
        while pending or running:
            while pending and len(running) < 2 * workers:
                index, payload = pending.pop()
                running[pool.submit(task, plan, payload)] = index
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in done:
                index = running.pop(fut)
                yield index, fut.result()
    finally:
        for fut in running:
            fut.cancel()


def run_dask(task: Callable, plan: Any, chunks: Sequence[Chunk], client: Any) -> Iterator[tuple[int, Any]]:
    """Run chunks on a ``dask.distributed.Client`` (local or remote); yield them as they finish."""
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
    """A tqdm bar over members (rate and ETA), or nothing; tqdm is imported only when shown."""

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

    def update(self, k: int) -> None:
        if self.bar is not None:
            self.bar.update(k)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
