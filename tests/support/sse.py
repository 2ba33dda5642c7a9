"""Read server-sent events from an httpx streaming response, with arrival times."""

from __future__ import annotations

import json
import time

import httpx


def read_events(resp: httpx.Response) -> list[tuple[float, str, dict]]:
    events, event, data = [], None, []
    for line in resp.iter_lines():
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
        elif line == "" and event:
            events.append((time.monotonic(), event, json.loads("\n".join(data))))
            event, data = None, []
    return events
