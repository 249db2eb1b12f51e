"""The ONE factor for every time limit the tests wait on.

Tests wait on events (a line printed, a call reaching the fake Bot API, a process
ending), never on fixed sleeps; the limits only bound how long a broken run hangs. They
are generous by default and scale with TEST_TIMEOUT_SCALE (e.g. 3 on a loaded machine,
0.5 to find slow spots).
"""

from __future__ import annotations

import os

DEFAULT_SCALE = 2.0
TIMEOUT_SCALE = float(os.environ.get("TEST_TIMEOUT_SCALE") or DEFAULT_SCALE)


def scaled(seconds: float) -> float:
    """A time limit, scaled by TEST_TIMEOUT_SCALE."""
    return seconds * TIMEOUT_SCALE
