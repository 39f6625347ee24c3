"""Calls of untrusted operators: exceptions captured, a time limit, abandonment."""

from __future__ import annotations

import threading
import time

import numpy as np

from proofs_checks.invoke import CallFailure, Invoker

P = np.array([0.5, 0.5])


def test_a_result_is_returned_as_is():
    invoker = Invoker(lambda p, T: p * 2, timeout=5)
    assert (invoker(P, 1.0) == P * 2).all() and invoker.calls == 1


def test_an_exception_becomes_a_failure_with_its_traceback():
    def boom(p, T):
        raise ZeroDivisionError("no")

    failure = Invoker(boom, timeout=5)(P, 1.0)
    assert isinstance(failure, CallFailure) and failure.kind == "exception"
    assert failure.exception_type == "ZeroDivisionError" and "boom" in failure.traceback


def test_floating_point_warnings_are_silenced_inside_the_call():
    out = Invoker(lambda p, T: np.log(p - p), timeout=5)(P, 1.0)  # would warn "divide by zero"
    assert np.isneginf(out).all()


def test_a_hanging_call_times_out_and_the_operator_is_abandoned():
    release = threading.Event()

    def hang(p, T):
        release.wait()
        return p

    invoker = Invoker(hang, timeout=0.2, max_timeouts=2)
    start = time.monotonic()
    first = invoker(P, 1.0)
    second = invoker(P, 2.0)
    third = invoker(P, 3.0)
    replay = invoker(P, 1.0)
    release.set()
    assert time.monotonic() - start < 2.0
    assert (first.kind, second.kind, third.kind) == ("timeout", "timeout", "abandoned")
    assert replay is first  # a timed-out input reports its time-out again
    assert invoker.calls == 2 and invoker.timeouts == 2
