"""Calling an untrusted operator: exceptions captured, a time limit per call.

Every call of the operator under test goes through :class:`Invoker`, which
runs it in a worker thread and waits at most ``timeout`` seconds.  A call
that raises gives a :class:`CallFailure` with the exception and traceback; a
call that runs past the limit gives a ``timeout`` failure and the run goes on.

Why a thread and not a subprocess: operators need not be picklable (closures,
lambdas, objects holding GPU state), and a call costs microseconds instead of
milliseconds, which matters for thousands of calls per check.  The limit of
the choice: Python cannot stop a thread, so a call past its limit keeps
running in the background (a daemon thread: it does not block interpreter
exit) and, if it spins in pure Python, competes for the GIL with the rest of
the run.  To bound that, after ``max_timeouts`` time-outs the operator is
abandoned: later calls fail at once (``abandoned``), except that a call on an
input that already timed out reports that time-out again (so Hypothesis can
replay its failing example).

Floating-point warnings are silenced inside the call (``numpy.errstate`` is
per thread): NaN, overflow and underflow are judged from the output.
"""

from __future__ import annotations

import queue
import threading
import time
import traceback
from dataclasses import dataclass

import numpy as np

__all__ = ["CallFailure", "Invoker"]


@dataclass(frozen=True)
class CallFailure:
    """Why a call produced no usable output.

    ``kind`` is ``exception`` (the operator raised), ``timeout``,
    ``abandoned`` (not called: earlier calls timed out) or ``output`` (the
    result cannot be read as an array of the input's shape).
    """

    kind: str
    message: str
    exception_type: str | None = None
    traceback: str | None = None


class _Job:
    __slots__ = ("function", "args", "done", "value", "error", "trace")

    def __init__(self, function, args):
        self.function, self.args = function, args
        self.done = threading.Event()
        self.value = self.error = self.trace = None

    def run(self) -> None:
        try:
            with np.errstate(all="ignore"):
                self.value = self.function(*self.args)
        except BaseException as exc:  # noqa: BLE001 - SystemExit from user code is a failure too
            self.error, self.trace = exc, traceback.format_exc()
        finally:
            self.done.set()


def _serve(jobs: queue.SimpleQueue) -> None:
    while (job := jobs.get()) is not None:
        job.run()


class Invoker:
    """Calls ``operator(p, T)`` with a time limit; counts calls, entries (``work``,
    the sum of the inputs' sizes) and time-outs."""

    def __init__(self, operator, *, timeout: float, max_timeouts: int = 2):
        self.operator = operator
        self.timeout = float(timeout)
        self.max_timeouts = max_timeouts
        self.calls = 0
        self.work = 0
        self.timeouts = 0
        self.seconds = 0.0
        self._timed_out: dict[tuple, CallFailure] = {}
        self._jobs: queue.SimpleQueue | None = None

    def _queue(self) -> queue.SimpleQueue:
        if self._jobs is None:
            self._jobs = queue.SimpleQueue()
            threading.Thread(target=_serve, args=(self._jobs,), daemon=True, name="skd-check-call").start()
        return self._jobs

    @staticmethod
    def _key(p, T) -> tuple:
        data = p.tobytes() if isinstance(p, np.ndarray) and p.dtype != object else repr(p)
        return (data, float(T))

    def __call__(self, p, T: float):
        """The operator's raw result, or a :class:`CallFailure`."""
        key = self._key(p, T)
        if key in self._timed_out:
            return self._timed_out[key]
        if self.timeouts >= self.max_timeouts:
            return CallFailure(
                "abandoned",
                f"not called: the operator timed out {self.timeouts} times (limit {self.timeout:g} s per call)",
            )
        job = _Job(self.operator, (p, T))
        self.calls += 1
        self.work += int(getattr(p, "size", 1))
        start = time.perf_counter()
        self._queue().put(job)
        finished = job.done.wait(self.timeout)
        self.seconds += time.perf_counter() - start
        if not finished:
            self.timeouts += 1
            self._jobs.put(None)  # the stuck worker exits if it ever finishes
            self._jobs = None
            failure = CallFailure("timeout", f"the call did not return within {self.timeout:g} s")
            self._timed_out[key] = failure
            return failure
        if job.error is not None:
            return CallFailure(
                "exception", f"{type(job.error).__name__}: {job.error}", type(job.error).__name__, job.trace
            )
        return job.value
