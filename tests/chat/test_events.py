"""The append-only event log and the DuckDB analytics over it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from auskunft.events import EventLog
from auskunft.events import analytics as a


def _turn(
    log: EventLog,
    question: str,
    *,
    found: bool = True,
    latency: float = 100.0,
    first: float | None = 20.0,
    mode: str = "llm",
    answer_id: str = "a",
    error: str | None = None,
) -> None:
    log.write(
        "chat",
        answer_id=answer_id,
        session=log.hash_id("s1"),
        client=log.hash_id("ip"),
        question=question,
        query=question,
        mode=mode,
        found=found,
        citations=[],
        latency_ms=latency,
        first_token_ms=first,
        index_version="kb__v1",
        cached=False,
        lang="de",
        sources=None,
        notice=None,
        error=error,
    )


def test_log_is_append_only_json_lines_per_day_and_process(tmp_path) -> None:
    log = EventLog(tmp_path)
    _turn(log, "Wann ist der Jugendpokal?")
    _turn(log, "Wann ist der Jugendpokal?")
    files = list(tmp_path.glob("events-*.jsonl"))
    assert len(files) == 1 and files[0].name.endswith(f"-{os.getpid()}.jsonl")
    lines = files[0].read_text().splitlines()
    assert len(lines) == 2 and all(json.loads(x)["kind"] == "chat" for x in lines)
    # another process appends to its own file, never to ours
    code = f"from auskunft.events import EventLog; EventLog({str(tmp_path)!r}).write('feedback', answer_id='x', rating=1)"
    subprocess.run([sys.executable, "-c", code], check=True)
    assert len(list(tmp_path.glob("events-*.jsonl"))) == 2
    assert files[0].read_text().splitlines() == lines


def test_visitor_hashes_are_salted_and_stable(tmp_path) -> None:
    one, two = EventLog(tmp_path), EventLog(tmp_path)
    assert one.hash_id("10.0.0.1") == two.hash_id("10.0.0.1") != one.hash_id("10.0.0.2")
    other = EventLog(tmp_path / "elsewhere")
    assert other.hash_id("10.0.0.1") != one.hash_id("10.0.0.1")  # different salt
    assert one.hash_id(None) is None


def test_analytics_over_the_log(tmp_path) -> None:
    log = EventLog(tmp_path)
    assert a.top_questions(tmp_path) == [] and a.latency(tmp_path) == []
    for i in range(3):
        _turn(log, "Wann ist der Jugendpokal?", latency=100 + i * 100, answer_id=f"j{i}")
    _turn(log, "  wann ist der JUGENDPOKAL? ", latency=400, answer_id="j3")
    _turn(log, "Wie ist das Wetter auf dem Mars?", found=False, latency=50, first=None, answer_id="m1")
    _turn(log, "Wie ist das Wetter auf dem Mars?", found=False, latency=60, first=None, answer_id="m2")
    _turn(log, "Kaputt?", found=False, latency=5, first=None, answer_id="e1", error="internal_error")
    _turn(log, "Wer ist Präsident?", mode="extractive", latency=30, answer_id="p1")
    log.write("feedback", answer_id="j0", rating="up", score=1, comment=None)
    log.write("feedback", answer_id="m1", rating="down", score=-1, comment="keine Antwort")
    log.write("feedback", answer_id="m2", rating="down", score=-1, comment=None)
    with open(next(tmp_path.glob("events-*.jsonl")), "a") as fh:
        fh.write('{"kind": "chat", "question": "torn li')  # a torn last line is skipped, not fatal

    top = a.top_questions(tmp_path, 2)
    assert top[0]["question"] == "wann ist der jugendpokal?" and top[0]["asked"] == 4
    assert top[1]["question"] == "wie ist das wetter auf dem mars?" and top[1]["asked"] == 2
    unanswered = a.unanswered(tmp_path)
    assert [r["question"] for r in unanswered] == ["wie ist das wetter auf dem mars?"]  # errors are not gaps
    fb = {r["rating"]: r for r in a.feedback_summary(tmp_path)}
    assert fb["up"]["n"] == 1 and fb["down"]["n"] == 2
    assert fb["down"]["example_question"] == "Wie ist das Wetter auf dem Mars?"
    assert fb["down"]["comments"] == ["keine Antwort"]
    lat = {r["mode"]: r for r in a.latency(tmp_path)}
    assert lat["extractive"]["n"] == 1 and lat["extractive"]["p50_ms"] == 30
    llm = lat["llm"]
    assert (
        llm["n"] == 6 and llm["p50_ms"] == 150.0 and 300 < llm["p95_ms"] <= 400
    )  # the failed turn is left out
    assert llm["first_token_p50_ms"] == 20.0
