"""Time a piece of code in a fresh Python process (SymPy's caches cold, no
other framework's threads), as BENCHMARKING.md recommends."""

from __future__ import annotations

import json
import subprocess
import sys


def seconds_in_fresh_process(code: str, timeout: float) -> float | None:
    """Run ``code``, which prints its own timing as JSON; None past ``timeout``."""
    try:
        result = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )
    except subprocess.TimeoutExpired:
        return None
    return json.loads(result.stdout)
