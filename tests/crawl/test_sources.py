"""sources.yml: loading, validation messages, round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from auskunft.errors import SourceError
from auskunft.models import Source
from auskunft.sources import load_sources, save_sources

EXAMPLE = """\
sources:
  - name: verband
    start_urls: ["https://www.example-verband.de/"]
    exclude: ["/intern/", "\\\\?print=1$"]
    max_depth: 3
    schedule: "0 3 * * *"
  - name: demo
    start_urls: ["http://localhost:8765/"]
    host_aliases: {"http://localhost:8765": "http://127.0.0.1:8765"}
    allow_private: true
    render_js: true
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_loads(tmp_path: Path) -> None:
    sources = load_sources(write(tmp_path, EXAMPLE))
    assert [s.name for s in sources] == ["verband", "demo"]
    verband, demo = sources
    assert verband.exclude == ["/intern/", "\\?print=1$"]
    assert verband.max_depth == 3 and verband.schedule == "0 3 * * *"
    assert verband.render_js is False and verband.allow_private is False  # defaults
    assert demo.host_aliases == {"http://localhost:8765": "http://127.0.0.1:8765"}
    assert demo.render_js is True and demo.allow_private is True


def test_round_trip(tmp_path: Path) -> None:
    sources = load_sources(write(tmp_path, EXAMPLE))
    out = tmp_path / "saved.yml"
    save_sources(out, sources)
    assert load_sources(out) == sources
    assert "max_file_bytes" not in out.read_text()  # defaults are not written out


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('{name: a, start_urls: ["https://x.de/"], include: ["(unclosed"]}', "bad regex"),
        ('{name: a, start_urls: ["https://x.de/"], exclude: ["*oops"]}', "bad regex"),
        ('{name: a, start_urls: ["https://x.de/"], schedule: "61 3 * * *"}', "bad cron"),
        ('{name: a, start_urls: ["ftp://x.de/"]}', "not an http(s) URL"),
        ('{name: a, start_urls: ["x.de"]}', "not an http(s) URL"),
        ("{name: a, start_urls: []}", "start_urls is empty"),
        (
            '{name: a, start_urls: ["https://x.de/"], host_aliases: {"https://x.de": "127.0.0.1:80"}}',
            "not an http(s) origin",
        ),
        ('{name: "Bad Name", start_urls: ["https://x.de/"]}', "field 'name'"),
        ('{name: a, start_urls: ["https://x.de/"], max_depth: deep}', "field 'max_depth'"),
        ('{name: a, start_urls: ["https://x.de/"], rate_limit_per_s: 0}', "must be positive"),
        ('{name: a, start_urls: ["https://x.de/"], colour: red}', "unknown field 'colour'"),
        (
            '{name: a, start_urls: ["https://x.de/"], host_aliases: {"https://x.de/docs": "http://m:8080"}}',
            "origins",
        ),
        ('{name: a, start_urls: ["https://x.de/"], allowed_hosts: ["https://x.de/"]}', "host[:port]"),
        ('{name: a, start_urls: ["https://x.de/"], timeout_s: 0}', "must be positive"),
        ("just-a-string", "expected a mapping"),
    ],
)
def test_invalid_source_is_named(tmp_path: Path, entry: str, message: str) -> None:
    with pytest.raises(SourceError, match="source") as info:
        load_sources(write(tmp_path, f"sources:\n  - {entry}\n"))
    assert message in str(info.value)


def test_duplicate_names(tmp_path: Path) -> None:
    text = 'sources:\n  - {name: a, start_urls: ["https://x.de/"]}\n  - {name: a, start_urls: ["https://y.de/"]}\n'
    with pytest.raises(SourceError, match=r"duplicate source names \['a'\]"):
        load_sources(write(tmp_path, text))


def test_file_problems(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not found"):
        load_sources(tmp_path / "missing.yml")
    with pytest.raises(SourceError, match="invalid YAML"):
        load_sources(write(tmp_path, "sources: [\n"))
    with pytest.raises(SourceError, match="'sources:' list"):
        load_sources(write(tmp_path, "- just a list\n"))
    assert load_sources(write(tmp_path, "")) == []


def test_save_refuses_invalid(tmp_path: Path) -> None:
    bad = Source(name="a", start_urls=["https://x.de/"], include=["("])
    with pytest.raises(SourceError, match="bad regex"):
        save_sources(tmp_path / "s.yml", [bad])
    assert not (tmp_path / "s.yml").exists()
