"""A few AWS calls at once: the sync's writes, reads and publishes are independent.

BatchWriteItem takes 25 items, BatchGetItem 100 keys, PutEvents 10 entries: a page of
500 records is dozens of calls, each a network round trip. They do not depend on each
other, so a small pool runs them together (boto3 clients are thread-safe). The first
failure is raised after every call has finished, so nothing runs on unseen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Final, TypeVar

__all__ = ["run_all"]

T = TypeVar("T")
WORKERS: Final = 8
_POOL = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="sync-io")


def run_all(calls: Sequence[Callable[[], T]]) -> list[T]:
    """Each call's result, in order; one call runs inline, more run on the pool."""
    if len(calls) <= 1:
        return [call() for call in calls]
    futures = [_POOL.submit(call) for call in calls]
    results: list[T] = []
    error: BaseException | None = None
    for future in futures:
        try:
            results.append(future.result())
        except Exception as failure:  # keep waiting for the others, then raise the first
            error = error or failure
    if error is not None:
        raise error
    return results
