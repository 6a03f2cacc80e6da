"""Crash points: where tests kill the process to prove nothing is lost or doubled.

``INTAKE_CRASH_AT=name:n`` makes the n-th pass through ``crash_point(name)`` kill
the process with SIGKILL, exactly as an operator's ``kill -9`` or a power cut
would at that spot. Unset (always, outside tests), a crash point costs one
dictionary lookup.
"""

import os
import signal

_SPEC = os.environ.get("INTAKE_CRASH_AT", "")
_NAME, _, _COUNT = _SPEC.partition(":")
_remaining = int(_COUNT or 1) if _NAME else 0


def crash_point(name: str) -> None:
    global _remaining
    if name != _NAME:
        return
    _remaining -= 1
    if _remaining == 0:
        os.kill(os.getpid(), signal.SIGKILL)
