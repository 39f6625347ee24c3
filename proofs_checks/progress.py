"""Progress display for long runs (``dev``, ``thorough``).

``check_operator(progress=...)`` calls its ``progress`` callable with a
:class:`ProgressEvent` for every evaluated example and when each check
finishes.  :class:`TerminalProgress` redraws one status line on a terminal;
:class:`LineProgress` writes one plain line per finished check (for logs and
pipes).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

__all__ = ["ProgressEvent", "TerminalProgress", "LineProgress", "progress_for"]


@dataclass(frozen=True)
class ProgressEvent:
    operator: str
    domain: str
    check: str
    position: int  # 1-based index of this (domain, check) in the run
    total: int
    examples: int  # evaluated so far in this check (shrinking included)
    budget: int  # the profile's example budget for this check
    elapsed_s: float
    verdict: str | None = None  # set once the check has finished


class TerminalProgress:
    """One status line on a terminal, redrawn at most ten times a second."""

    def __init__(self, stream=None, interval: float = 0.1):
        self.stream = stream or sys.stderr
        self.interval = interval
        self._last = 0.0

    def __call__(self, event: ProgressEvent) -> None:
        now = time.monotonic()
        if event.verdict is None and now - self._last < self.interval:
            return
        self._last = now
        state = event.verdict or f"{event.examples}/{event.budget} examples"
        line = (
            f"[{event.position}/{event.total}] {event.operator} {event.domain} {event.check}: "
            f"{state}  {event.elapsed_s:.0f} s"
        )
        end = "\n" if event.verdict is not None and event.position == event.total else ""
        self.stream.write("\r\x1b[K" + line + end)
        self.stream.flush()


class LineProgress:
    """One plain line per finished check."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr

    def __call__(self, event: ProgressEvent) -> None:
        if event.verdict is not None:
            self.stream.write(
                f"[{event.position}/{event.total}] {event.operator} {event.domain} {event.check}: "
                f"{event.verdict} ({event.elapsed_s:.1f} s)\n"
            )
            self.stream.flush()


def progress_for(progress):
    """Normalise the ``progress`` argument: None/False, True (a display on
    stderr: a status line on a terminal, plain lines otherwise) or a callable."""
    if progress is None or progress is False:
        return None
    if progress is True:
        return TerminalProgress() if sys.stderr.isatty() else LineProgress()
    if not callable(progress):
        raise TypeError(f"progress must be None, a bool or a callable, got {progress!r}")
    return progress
