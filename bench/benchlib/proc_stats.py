"""Memory and CPU of a process as the kernel counts them (/proc), for the benches that
measure the running bot from outside: a child process's figures, not the bench's own."""

from __future__ import annotations

import os


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory in MB (VmRSS)."""
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (from /proc, so it works on any child)."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
