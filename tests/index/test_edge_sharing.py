"""qdrant-edge generations shared by every reading process: views of hard links instead of copies, the
published files never changed by readers, a commit with nothing written publishing nothing, a replaced
generation freed once its last reader has switched."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from pathlib import Path

from auskunft.index.vectorstore import VectorQuery, Where
from auskunft.index.vectorstore.edge import EdgeStore, disk_bytes
from tests.index.test_vectorstore import DIM, REPO, points


def _published(root: Path, name: str = "c") -> Path:
    d = root / "collections" / name
    return d / (d / "CURRENT").read_text().strip()


def _contents(gen: Path) -> dict[str, str]:
    return {
        str(p.relative_to(gen)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(gen.rglob("*"))
        if p.is_file()
    }


def _generations(root: Path, name: str = "c") -> list[str]:
    return sorted(p.name for p in (root / "collections" / name).iterdir() if p.name.startswith("gen-"))


def _build(root: Path, n: int = 3000) -> None:
    w = EdgeStore(root)
    w.create_collection("c", DIM, {})
    for i in range(0, n, 500):
        w.upsert("c", points(n)[i : i + 500])
    w.close()


READER = """
import sys, time
sys.path.insert(0, {repo!r})
from auskunft.index.vectorstore import VectorQuery
from auskunft.index.vectorstore.edge import EdgeStore
r = EdgeStore({root!r}, read_only=True, refresh_s=0.1)
n = len(r.query("c", VectorQuery(limit=20, dense=[0.1] * 8, with_dense=True)))
print("ready", n, flush=True)
sys.stdin.readline()
r.close()
"""


def test_four_serving_processes_share_one_generation_and_never_change_it(tmp_path: Path) -> None:
    _build(tmp_path)
    gen = _published(tmp_path)
    before, one_generation = _contents(gen), disk_bytes(gen)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", READER.format(repo=str(REPO), root=str(tmp_path))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    try:
        for p in procs:
            assert p.stdout is not None and p.stdout.readline().split() == ["ready", "20"]
        # four processes serving: the store is one generation plus four small views (fresh WALs)
        total = disk_bytes(tmp_path)
        assert total <= 1.5 * one_generation, (total, one_generation)
        views = list((tmp_path / ".readers").iterdir())
        assert len(views) == 4
    finally:
        for p in procs:
            p.communicate("\n", timeout=30)
    assert all(p.returncode == 0 for p in procs)
    assert _contents(gen) == before  # opening, searching and closing rewrote no byte of the published files
    assert not any((tmp_path / ".readers").iterdir())


def test_a_commit_with_nothing_written_publishes_nothing_and_copies_nothing(tmp_path: Path) -> None:
    _build(tmp_path, 200)
    gens = _generations(tmp_path)
    w = EdgeStore(tmp_path)
    try:
        # what an unchanged re-crawl does: list what the collection holds, count a document, write nothing
        assert len(list(w.scroll("c", None, ["doc_id"]))) == 200
        assert w.count("c", Where.field("doc_id", "d1")) > 0
        assert _generations(tmp_path) == gens  # reading made no working copy
        w.commit()
        w.set_metadata("c", {"checked": "now"})
    finally:
        w.close()
    assert _generations(tmp_path) == gens


def test_a_replaced_generation_is_freed_once_its_last_reader_has_switched(tmp_path: Path) -> None:
    _build(tmp_path, 2000)
    reader = EdgeStore(tmp_path, read_only=True, refresh_s=0.1)
    q = VectorQuery(limit=3000, dense=[0.1] * DIM)
    try:
        assert len(reader.query("c", q)) == 2000
        old = _published(tmp_path)
        w = EdgeStore(tmp_path)
        w.upsert("c", points(2100)[2000:])
        w.commit()
        w.close()
        assert not old.exists()  # removed at publication; the reader still has its links
        assert len(reader.query("c", q)) in (2000, 2100)  # answers go on meanwhile
        deadline = time.monotonic() + 10
        while len(reader.query("c", q)) != 2100:
            assert time.monotonic() < deadline, "reader did not switch to the new generation"
            time.sleep(0.05)
        reader._close_retired(force=True)  # noqa: SLF001 - the 30 s grace for queries in flight, now
        assert disk_bytes(tmp_path) <= 1.5 * disk_bytes(_published(tmp_path))  # the old one's blocks are free
    finally:
        reader.close()
