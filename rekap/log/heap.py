"""The cyclic garbage collector and a fold of millions of objects, none of them in a cycle."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Folding the whole log keeps millions of new objects, none of them in a reference cycle: the cyclic
    garbage collector would walk them all again and again and find nothing to free. On the way out they join
    the oldest generation in one step (a freeze and, unless the heap was already set apart, a thaw into it):
    left in the youngest, the collector's first run at the next allocation would walk them all (1.1 s after a
    national checkpoint is read). A heap set apart by `settle_heap` stays set apart, with them."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        settled = gc.get_freeze_count() > 0
        gc.freeze()
        if not settled:
            gc.unfreeze()
        if was_enabled:
            gc.enable()


def settle_heap() -> None:
    """After loading the fold: set what is in memory apart from the cyclic garbage collector, which would
    otherwise walk a national state's millions of objects (none in a cycle) at every full collection, a pause
    of a good part of a second in the middle of serving. No collection first: it would walk them all once more
    (seconds at national size, on every start) to free the little garbage of starting up."""
    gc.freeze()
