"""
The benchmark (``python -m bench``) and the load-and-fault run
(``python bench/load_fault.py``). See bench/README.md.

This module holds the little they share: a text progress bar on stderr.
"""

import sys
import time


def note(message):
    print(message, file=sys.stderr, flush=True)


class Bar:
    """``label [#####.....]  n/total  rate/s`` redrawn in place on stderr."""

    WIDTH = 30

    def __init__(self, label, total, *, enabled=True, unit="articles"):
        self.label = label
        self.total = max(total, 1)
        self.enabled = enabled
        self.unit = unit
        self.started = time.monotonic()
        self.last_draw = 0.0
        self.done = 0

    def update(self, done):
        self.done = done
        now = time.monotonic()
        if self.enabled and (now - self.last_draw >= 0.1 or done >= self.total):
            self.last_draw = now
            self._draw(now)

    def _draw(self, now):
        filled = int(self.WIDTH * min(self.done, self.total) / self.total)
        elapsed = now - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        bar = "#" * filled + "." * (self.WIDTH - filled)
        sys.stderr.write(
            f"\r{self.label} [{bar}] {self.done}/{self.total} {rate:,.0f} {self.unit}/s "
            f"{elapsed:,.0f}s "
        )
        sys.stderr.flush()

    def close(self):
        if self.enabled:
            self._draw(time.monotonic())
            sys.stderr.write("\n")
            sys.stderr.flush()
