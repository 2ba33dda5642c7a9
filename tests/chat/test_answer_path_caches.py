"""What an answer recomputes from the same passages is remembered, with the same results (session 13,
docs/benchmarks-answer-cost.md): the link policy's source URL keys, the sources' snippets; and the event log
makes its directory only when a line finds none."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from auskunft.chat import links
from auskunft.chat.citations import snippet
from auskunft.chat.links import LinkPolicy
from auskunft.events import EventLog

SOURCES = [
    "https://www.kanupolo.example/verein/beitrag",
    "https://www.kanupolo.example/verein/beitrag/",
    "https://www.kanupolo.example/verein/beitrag#jugend",
    "HTTPS://WWW.KANUPOLO.EXAMPLE/Termine",
    "https://www.kanupolo.example/a%20b?x=1&y=2",
    "http://www.kanupolo.example\\docs\\satzung.pdf",
    "https://user:pw@www.kanupolo.example/x",
    "https://evil.example\\@www.kanupolo.example/",
    "https://www.kanupolo.example@evil.example/",
    "https://www.kanupolo.example\t@evil.example/",
    "www.kanupolo.example/kontakt",
    "//www.kanupolo.example/relative",
    "https:www.kanupolo.example/no-slashes",
    "javascript:alert(1)",
    "https://xn--mnchen-3ya.example/",
    "https://münchen.example/",
    "",
]
HOSTS = ["www.kanupolo.example", " kanupolo.example ", "münchen.example", "[::1]", "bad host"]
ANSWER = (
    "Siehe [Beitrag](https://www.kanupolo.example/verein/beitrag) [1], [hier](https://evil.example/x), "
    "<https://www.kanupolo.example/termine>, https://evil.example/bare. und www.kanupolo.example/kontakt; "
    "![bild](https://evil.example/p.png) [x](https://evil.example\\@www.kanupolo.example/)"
)


def uncached_policy(urls: list[str], hosts: list[str]) -> LinkPolicy:
    cached = links._source_key, links._host_names
    links._source_key = cached[0].__wrapped__  # type: ignore[attr-defined]
    links._host_names = cached[1].__wrapped__  # type: ignore[attr-defined]
    try:
        return LinkPolicy(urls, hosts)
    finally:
        links._source_key, links._host_names = cached


def test_link_policy_from_remembered_source_keys_is_the_same() -> None:
    links._source_key.cache_clear()
    expected = uncached_policy(SOURCES, HOSTS)
    for _ in range(2):  # cold, then every key remembered
        policy = LinkPolicy(SOURCES, HOSTS)
        assert (policy.urls, policy.hosts) == (expected.urls, expected.hosts)
        assert policy.apply(ANSWER) == expected.apply(ANSWER)
    assert links._source_key.cache_info().hits >= len(SOURCES) - 1
    for i in range(len(SOURCES)):  # each subset alike (no key leaks from one policy into another)
        some = SOURCES[:i]
        assert LinkPolicy(some, HOSTS[:1]).urls == uncached_policy(some, HOSTS[:1]).urls


def test_snippets_remembered_are_the_same() -> None:
    texts = [
        "## Beitrag\n\n| Art | Euro |\n|---|---|\n| Einzel | 60 |\n> zitiert *fett* _kursiv_ `code`",
        "Wort " * 100,
        "kurz",
        "",
        "x" * 300,
    ]
    fresh = [snippet.__wrapped__(t) for t in texts] + [snippet.__wrapped__(t, 20) for t in texts]
    for _ in range(2):
        assert [snippet(t) for t in texts] + [snippet(t, 20) for t in texts] == fresh


def test_event_log_makes_its_directory_when_a_line_finds_none(tmp_path: Path) -> None:
    log = EventLog(tmp_path / "events")
    log.write("chat", answer_id="a")
    shutil.rmtree(tmp_path / "events")  # e.g. removed by hand while the service runs
    log.write("chat", answer_id="b")
    log.write("feedback", answer_id="b", rating="up")
    files = (tmp_path / "events").glob("events-*.jsonl")
    lines = [json.loads(line) for p in files for line in p.read_text(encoding="utf-8").splitlines()]
    assert [(d["kind"], d["answer_id"]) for d in lines] == [("chat", "b"), ("feedback", "b")]
