"""Memory helpers for the few requests that build very large, short-lived structures (a 50,000-row workbook)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block.

    Reading a 50,000-row workbook allocates about a million objects (the rows' lists and the cells' values)
    that live until the block ends; each time the collector's counters run over, it walks all of them again,
    a large share of the time of a roster import or a bank return. Reference counting still frees what is not
    kept; cycles wait for the next collection after the block.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
