"""Process trees from /proc: the ids below a process and their memory (PSS, shared pages counted once).

Used by the render watchdog (crawl/browser.py: chromium's renderers, GPU and network processes) and the
per-document extraction limits (extract/limits.py: the forked child and the tesseract it starts).
"""

from __future__ import annotations

import contextlib
import os


def descendants(pid: int) -> list[int]:
    """Process ids below `pid` (from /proc; chromium's zygote, renderers, GPU and network processes)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def pss_mb(pid: int | str) -> float:
    """Proportional set size of one process ("self" or a pid) in MB; 0 when it is gone."""
    with contextlib.suppress(OSError, ValueError), open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    return 0.0


def private_mb(pid: int | str) -> float:
    """Memory only this process maps (Private_Clean + Private_Dirty of smaps_rollup), in MB; 0 when it is gone.

    For a forked child this is what it added to its parent's tree: its own allocations and the pages it
    copied on write (the pages it still shares count once, in the parent)."""
    total = 0
    with contextlib.suppress(OSError, ValueError), open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
        for line in f:
            if line.startswith(("Private_Clean:", "Private_Dirty:")):
                total += int(line.split()[1])
    return total / 1024


def tree_pss_mb(pid: int) -> float:
    """Proportional set size of `pid` and its descendants, in MB (shared pages counted once)."""
    return sum(pss_mb(p) for p in [pid, *descendants(pid)])


def rss_mb(pid: int | str) -> float:
    """Resident set size of one process in MB (VmRSS); 0 when it is gone."""
    with (
        contextlib.suppress(OSError, ValueError),
        open(f"/proc/{pid}/status", encoding="utf-8", errors="replace") as f,
    ):
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def tree_rss_mb(pid: int) -> float:
    """Resident set size of `pid` and its descendants, in MB (shared pages counted in every process that maps
    them; the service benchmarks and tests report this figure)."""
    return sum(rss_mb(p) for p in [pid, *descendants(pid)])
