"""What the benchmark scripts share: the best of repeated timings."""

import time


def best_of(repeat, function):
    """(best wall-clock seconds, last result) of `repeat` calls of `function` (no arguments): the
    least disturbed run."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result
