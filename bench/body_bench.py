"""Hostile request bodies against the real service, Robyn alone (SERVICE_GUARD=false, the old set-up) and
behind the guard (service/guard.py, the default), in one run on the demo index.

  .venv/bin/python bench/body_bench.py [--mb 300] [--concurrent 4] [--requests 200]

Reports, per set-up: the service's memory (RSS summed over its process tree, sampled every 20 ms from
/proc) before and at its peak while N bodies of M MB are being sent at once; whether it still answers
after one malformed chunked body; the median latency of GET /healthz and of an extractive chat answer.
For the guard: the gap after `kill -9` of the worker (time until /healthz answers again, and how many
requests sent meanwhile failed rather than waited).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from auskunft.proctree import tree_rss_mb  # noqa: E402
from auskunft.testing.service import Service, start_service, stop_service  # noqa: E402

BAD_CHUNK = (
    b"POST /api/chat?stream=false HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"
)


def start(root: Path, demo: Path, guard: bool) -> Service:
    work = root / ("guard" if guard else "robyn")
    work.mkdir()
    return start_service(
        work,
        demo,
        ready_s=120,
        RATE_LIMIT_IP_PER_MIN="1000000",
        RATE_LIMIT_SESSION_PER_MIN="1000000",
        SERVICE_GUARD="true" if guard else "false",
    )


def send_body(url: str, mb: int, chunked: bool, out: list[str]) -> None:
    """POST `mb` MB of JSON-ish bytes (never held whole by this client); records the status or the error."""
    host, port = url.removeprefix("http://").split(":")
    size = mb * 1024 * 1024
    head = "POST /api/chat?stream=false HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    head += "Transfer-Encoding: chunked\r\n\r\n" if chunked else f"Content-Length: {size}\r\n\r\n"
    block = b"1" * (1024 * 1024)
    try:
        with socket.create_connection((host, int(port)), timeout=120) as s:
            s.sendall(head.encode())
            for _ in range(mb):
                s.sendall(b"100000\r\n" + block + b"\r\n" if chunked else block)
            if chunked:
                s.sendall(b"0\r\n\r\n")
            out.append(s.recv(200).split(b"\r\n", 1)[0].decode())
    except OSError as exc:  # the guard answers 413 and closes while the client is still sending
        out.append(type(exc).__name__)


def big_bodies(proc: subprocess.Popen, url: str, mb: int, n: int, chunked: bool) -> dict:
    before = tree_rss_mb(proc.pid)
    peak, results = before, []
    threads = [threading.Thread(target=send_body, args=(url, mb, chunked, results)) for _ in range(n)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        peak = max(peak, tree_rss_mb(proc.pid))
        time.sleep(0.02)
    return {
        "rss_before_mb": round(before),
        "rss_peak_mb": round(peak),
        "delta_mb": round(peak - before),
        "answers": sorted(set(results)),
        "alive": alive(url),
    }


def alive(url: str) -> bool:
    try:
        return httpx.get(url + "/healthz", timeout=60, trust_env=False).status_code == 200
    except httpx.HTTPError:
        return False


def bad_chunk(url: str) -> dict:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(BAD_CHUNK)
        try:
            first = s.recv(200).split(b"\r\n", 1)[0].decode() or "closed"
        except OSError as exc:
            first = type(exc).__name__
    time.sleep(1.0)
    return {"answer": first, "alive_after": alive(url)}


def latency(url: str, n: int) -> dict:
    with httpx.Client(base_url=url, timeout=60, trust_env=False) as c:
        c.get("/healthz")
        health = []
        for _ in range(n):
            t0 = time.perf_counter()
            c.get("/healthz")
            health.append((time.perf_counter() - t0) * 1000)
        chat = []
        for i in range(max(5, n // 10)):
            t0 = time.perf_counter()
            r = c.post("/api/chat?stream=false", json={"message": f"Wie lange dauert ein Spiel {i}?"})
            chat.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200, r.text
    return {
        "healthz_median_ms": round(statistics.median(health), 2),
        "chat_median_ms": round(statistics.median(chat), 1),
    }


def worker_pid(sup_pid: int) -> int:
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                stat = Path(f"/proc/{d}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == sup_pid:
                return int(d)
    raise RuntimeError("no worker process")


def restart_gap(proc: subprocess.Popen, url: str) -> dict:
    """kill -9 the worker; requests keep coming every 10 ms (each waits up to 60 s)."""
    victim = worker_pid(proc.pid)
    failures, statuses = 0, []
    os.kill(victim, signal.SIGKILL)
    t0 = time.monotonic()
    first_ok = None
    with httpx.Client(base_url=url, timeout=60, trust_env=False) as c:
        while time.monotonic() - t0 < 120:
            try:
                r = c.get("/healthz")
                statuses.append(r.status_code)
                if r.status_code == 200:
                    first_ok = time.monotonic() - t0
                    break
            except httpx.HTTPError:
                failures += 1
            time.sleep(0.01)
    return {
        "answered_again_after_s": round(first_ok, 2) if first_ok else None,
        "requests_failed": failures,
        "statuses": sorted(set(statuses)),
        "new_worker": worker_pid(proc.pid) != victim,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=300)
    ap.add_argument("--concurrent", type=int, default=4)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    from auskunft.testing.demo_index import build_demo_data

    root = Path(tempfile.mkdtemp(prefix="body-bench-"))
    demo = root / "demo" / "data"
    demo.parent.mkdir(parents=True)
    build_demo_data(demo)
    report: dict = {"mb": args.mb, "concurrent": args.concurrent}
    try:
        for guard in (False, True):
            name = "guard" if guard else "robyn_alone"
            svc = start(root, demo, guard)
            proc, url = svc.proc, svc.url
            try:
                row = {"latency": latency(url, args.requests)}
                row["big_bodies_content_length"] = big_bodies(proc, url, args.mb, args.concurrent, False)
                if guard:  # Robyn alone with chunked bodies only repeats the figure above, at 2 GB more
                    row["big_bodies_chunked"] = big_bodies(proc, url, args.mb, args.concurrent, True)
                row["bad_chunk"] = bad_chunk(url)
                if guard:
                    row["restart"] = restart_gap(proc, url)
                report[name] = row
                print(name, json.dumps(row), flush=True)
            finally:
                stop_service(svc)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(json.dumps(report, indent=2))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
