"""Arrow's memory pool for the command line: jemalloc, measured against mimalloc at a city's year.

pyarrow allocates every Arrow buffer from its default memory pool, mimalloc in the Linux
wheels. On the command line's run of 1M households and 10M visits, mimalloc kept pages it had
freed (its arenas held 940 MB for 513 MB of live buffers after reading) and handed fresh
ones to the next allocation, so the kernel cleared pages the process had already had:
17-18 of the run's 52-54 CPU-s were the kernel's. With jemalloc as the pool the same run
took 46-50 CPU-s (12.6-13.6 of them the kernel's) and peaked 170 MB lower (3,306-3,315 MB
against 3,477-3,481; ``benchmarks/pipeline.py``, runs side by side). Glibc's allocator
(``system``) cost less CPU too but peaked higher (3,560 MB). The outputs are the same
bytes: an allocator changes where buffers live, never their values.

:func:`use_batch_pool` is called by the command line before it reads its inputs; the app
keeps pyarrow's default. ``ARROW_DEFAULT_MEMORY_POOL`` in the environment is the user's
choice and is kept.
"""

from __future__ import annotations

import os
from typing import Final

import pyarrow as pa

POOL_VARIABLE: Final = "ARROW_DEFAULT_MEMORY_POOL"
"""The environment variable by which Arrow's default pool is chosen (pyarrow reads it)."""

BATCH_POOL: Final = "jemalloc"
"""The pool the command line uses unless the environment names one."""


def use_batch_pool() -> str:
    """Make jemalloc Arrow's default pool in this process; return the pool now in use.

    Nothing changes when ``ARROW_DEFAULT_MEMORY_POOL`` is set (the user chose) or when this
    pyarrow was built without jemalloc. Buffers already allocated stay in the pool that
    allocated them and are freed there.

    Examples
    --------
    >>> before = pa.default_memory_pool()
    >>> use_batch_pool() == pa.default_memory_pool().backend_name
    True
    >>> pa.set_memory_pool(before)  # a doctest leaves the process as it was
    """
    if os.environ.get(POOL_VARIABLE):
        return pa.default_memory_pool().backend_name
    try:
        pool = pa.jemalloc_memory_pool()
    except NotImplementedError:  # a pyarrow built without jemalloc
        return pa.default_memory_pool().backend_name
    pa.set_memory_pool(pool)
    return pool.backend_name
