"""Raw store, crawl state and manifest files."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from auskunft.crawl import CrawlState, RawStore, load_manifest, save_manifest
from auskunft.models import CrawlManifest, CrawlRecord


def test_raw_store(tmp_path: Path) -> None:
    store = RawStore(tmp_path / "raw")
    data = b"%PDF-1.7 \xe4\xf6\xfc"
    sha = store.put(data)
    assert sha == hashlib.sha256(data).hexdigest()
    assert store.path(sha) == tmp_path / "raw" / sha[:2] / sha
    assert store.has(sha) and store.get(sha) == data
    mtime = store.path(sha).stat().st_mtime_ns
    assert store.put(data) == sha and store.path(sha).stat().st_mtime_ns == mtime  # stored once
    assert not store.has(hashlib.sha256(b"other").hexdigest())
    store.put(b"other")
    assert store.count() == 2
    assert not list((tmp_path / "raw").rglob(".tmp-*"))  # no temp files left behind


def record(url: str, status: str = "new", sha: str | None = "ab" * 32) -> CrawlRecord:
    return CrawlRecord(url=url, source="s", status=status, sha256=sha, etag='"e1"', content_type="text/html")  # type: ignore[arg-type]


def test_crawl_state_persists(tmp_path: Path) -> None:
    state = CrawlState(tmp_path / "state", "s")
    assert state.records == {} and state.get("https://v.example/") is None
    state.replace(
        {
            "https://v.example/": record("https://v.example/"),
            "https://v.example/a": record("https://v.example/a"),
        }
    )
    assert state.path == tmp_path / "state" / "s" / "state.json"
    again = CrawlState(tmp_path / "state", "s")
    assert again.get("https://v.example/a") == state.get("https://v.example/a")
    assert set(again.records) == {"https://v.example/", "https://v.example/a"}
    again.replace({})
    assert CrawlState(tmp_path / "state", "s").records == {}
    assert not list((tmp_path / "state").rglob(".tmp-*"))


def test_manifest_round_trip(tmp_path: Path) -> None:
    manifest = CrawlManifest(
        source="s",
        run_id="r1",
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        records=[record("https://v.example/"), record("https://v.example/x", "failed", None)],
    )
    path = tmp_path / "runs" / "manifest.json"
    save_manifest(manifest, path)
    loaded = load_manifest(path)
    assert loaded == manifest
    assert loaded.counts()["new"] == 1 and loaded.counts()["failed"] == 1
