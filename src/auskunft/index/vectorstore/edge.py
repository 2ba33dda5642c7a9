"""`VectorStore` on qdrant-edge: Qdrant's Rust engine in-process (the embedded default).

Edge has one shard per directory and no collections, aliases or metadata; this adapter adds them with files:

    <root>/collections/<name>/meta.json     version metadata (sidecar) and the point count
    <root>/collections/<name>/CURRENT       the published generation, e.g. "gen-000003" (swapped by os.replace)
    <root>/collections/<name>/gen-000003/   an EdgeShard directory, never changed once published
    <root>/collections/<name>/write.lock    flock held by the one process writing the collection
    <root>/aliases/<alias>                  the collection the alias points at (swapped by os.replace)
    <root>/.readers/<pid>-<id>/             a reading process's views of published generations (hard links)

A shard directory can be opened by one process only (its WAL is locked; the WAL stays on, it is what makes
a write survive a crash). So a writer (`auskunft ingest`) copies the published generation (zero blocks left
as holes: qdrant preallocates 32 MB pages), writes into the copy and publishes it on `commit()` by swapping
CURRENT; a commit with nothing written publishes nothing. Readers (`auskunft serve`, every process, and a
writer's reads before it writes) never copy: each opens a view of the published generation, a directory of
hard links to its files with a fresh, empty WAL of its own (the published shard was flushed before it was
closed, so its WAL holds nothing the segments lack). Opening and searching a flushed shard rewrites no
segment file's content (tests/index/test_vectorstore.py checks it); the two small files it replaces
(edge_config.json, segment.json) get new inodes in the view. Readers notice a new generation or alias
target within `refresh_s` and switch to it in the background, while queries go on against the view they
have. A replaced generation is removed at once: readers still on it hold their own links, and its blocks
are freed when the last of them has switched. A writer killed mid-way leaves the published generation
untouched (its unpublished copy is removed later). A read-only store never writes a shard; it may switch
aliases and edit version metadata (small files replaced atomically), so the service can promote. Shards are searched exactly (no `optimize()`,
so no HNSW graph: it froze the interpreter for tens of seconds at 20k points and had poor recall with default
settings, while exact hybrid search over 50k chunks takes ~5 ms); see bench/vector_bench.py.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import shutil
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import qdrant_edge as qe

from auskunft.errors import IndexError_, IndexNotFoundError
from auskunft.index.vectorstore.base import (
    DENSE,
    PAYLOAD_INDEXES,
    SPARSE,
    Hit,
    VectorPoint,
    VectorQuery,
    Where,
)
from auskunft.index.vectorstore.edge_points import READER_POINT_CACHE, PointCache

log = logging.getLogger(__name__)

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_GEN = re.compile(r"^gen-(\d{6,})$")
# a reader's search pool: queries come one per thread already (the service's search workers, one per process),
# and a shard of one or a few segments gains nothing from searching them in parallel
READER_SEARCH_THREADS = 1


def to_edge_filter(where: Where | None) -> qe.Filter | None:
    if where is None or (not where.any_of and not where.exclude_ids):
        return None
    must: list = [
        qe.FieldCondition(key=k, match=qe.MatchValue(v[0]) if len(v) == 1 else qe.MatchAny(list(v)))
        for k, v in where.any_of.items()
    ]
    must_not: list = [qe.HasIdCondition(set(where.exclude_ids))] if where.exclude_ids else []
    return qe.Filter(must=must or None, must_not=must_not or None)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _copy_sparse(src: str, dst: str) -> None:
    """Copy a file leaving all-zero blocks as holes (qdrant preallocates its pages and WAL with zeros)."""
    block = 1 << 20
    with open(src, "rb") as fi, open(dst, "wb") as fo:
        zero = bytes(block)
        while chunk := fi.read(block):
            if chunk == zero[: len(chunk)]:
                fo.seek(len(chunk), os.SEEK_CUR)
            else:
                fo.write(chunk)
        fo.truncate()
    shutil.copystat(src, dst)


def link_view(src: Path, dst: Path) -> None:
    """`dst`: hard links to every file of the shard directory `src` except its WAL (a fresh one is made on
    opening). Falls back to a sparse copy where hard links are impossible (another file system)."""
    for dirpath, dirnames, filenames in os.walk(src):
        rel = Path(dirpath).relative_to(src)
        if rel.parts[:1] == ("wal",):
            dirnames.clear()
            continue
        (dst / rel).mkdir(parents=True, exist_ok=True)
        for name in filenames:
            try:
                os.link(Path(dirpath) / name, dst / rel / name)
            except OSError as exc:
                if isinstance(exc, FileNotFoundError):
                    raise
                _copy_sparse(str(Path(dirpath) / name), str(dst / rel / name))


def disk_bytes(path: Path) -> int:
    """Blocks allocated under `path`, each file counted once however many links it has (what `du` says)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            try:
                st = os.lstat(os.path.join(dirpath, name))
            except FileNotFoundError:
                continue
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_blocks * 512
    return total


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class _Session:
    """A writer's working copy of one collection (holds the collection's write lock)."""

    lock: int
    gen: str
    shard: qe.EdgeShard
    dirty: bool = False


@dataclass
class _Reader:
    collection: str
    gen: str
    path: Path
    shard: qe.EdgeShard
    checked: float
    preparing: bool = False
    points: PointCache = field(default_factory=lambda: PointCache(READER_POINT_CACHE))


class EdgeStore:
    def __init__(
        self,
        root: Path,
        *,
        read_only: bool = False,
        refresh_s: float = 1.0,
        lock_timeout_s: float = 3600.0,
        search_threads: int | None = READER_SEARCH_THREADS,
    ) -> None:
        self.root = Path(root)
        self.search_threads = search_threads  # a reader's search pool (None: edge's default, per CPU)
        self.read_only = read_only
        self.refresh_s = refresh_s
        self.lock_timeout_s = lock_timeout_s
        for d in ("collections", "aliases", ".readers"):
            (self.root / d).mkdir(parents=True, exist_ok=True)
        self._mutex = threading.RLock()
        self._sessions: dict[str, _Session] = {}
        self._readers: dict[str, _Reader] = {}
        self._retired: list[tuple[float, _Reader]] = []
        self._reader_dir = self.root / ".readers" / f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._remove_dead_readers()

    # ---------------------------------------------------------------------------------- paths
    def _dir(self, name: str) -> Path:
        if not _NAME.match(name):
            raise IndexNotFoundError(f"invalid collection name {name!r}")
        return self.root / "collections" / name

    def _meta(self, name: str) -> dict:
        path = self._dir(name) / "meta.json"
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise IndexNotFoundError(f"collection {name!r} does not exist") from None

    def _write_meta(self, name: str, **changes: object) -> None:
        d = self._dir(name)
        with open(d / "meta.lock", "a+") as lk:
            fcntl.flock(lk, fcntl.LOCK_EX)
            meta = self._meta(name)
            meta.update(changes)
            _write_atomic(d / "meta.json", json.dumps(meta, ensure_ascii=False, default=str))

    def _current(self, name: str) -> str:
        try:
            return (self._dir(name) / "CURRENT").read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            raise IndexNotFoundError(f"collection {name!r} does not exist") from None

    def _resolve(self, name: str) -> str:
        """A collection name, or the collection an alias points at."""
        if (self._dir(name) / "CURRENT").exists():
            return name
        target = self.get_alias(name)
        if target is None:
            raise IndexNotFoundError(f"collection or alias {name!r} does not exist")
        return target

    def _need_writable(self) -> None:
        if self.read_only:
            raise IndexError_("this vector store was opened read-only", code="index_read_only")

    # ---------------------------------------------------------------------------------- collections
    def list_collections(self) -> list[str]:
        base = self.root / "collections"
        return sorted(
            p.name for p in base.iterdir() if (p / "meta.json").exists() and (p / "CURRENT").exists()
        )

    def create_collection(self, name: str, dim: int, metadata: dict) -> None:
        self._need_writable()
        d = self._dir(name)
        if (d / "CURRENT").exists():
            raise IndexError_(f"collection {name!r} already exists", code="index_exists")
        d.mkdir(parents=True, exist_ok=True)
        gen = "gen-000001"
        shutil.rmtree(d / gen, ignore_errors=True)  # left over from a crash before CURRENT was written
        config = qe.EdgeConfig(
            vectors={DENSE: qe.EdgeVectorParams(size=dim, distance=qe.Distance.Cosine)},
            sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        )
        shard = qe.EdgeShard.create(str(d / gen), config)
        try:
            for field in PAYLOAD_INDEXES:
                shard.update(qe.UpdateOperation.create_field_index(field, qe.PayloadSchemaType.Keyword))
            shard.flush()
        finally:
            shard.close()
        _write_atomic(
            d / "meta.json", json.dumps({"dim": dim, "points": 0, "metadata": metadata}, default=str)
        )
        _write_atomic(d / "CURRENT", gen)

    def delete_collection(self, name: str) -> None:
        self._need_writable()
        d = self._dir(name)
        with self._mutex:
            self._end_session(name, publish=False)
            lock = self._lock(name)
            try:
                shutil.rmtree(d)
            finally:
                os.close(lock)

    def get_metadata(self, name: str) -> dict:
        return dict(self._meta(name).get("metadata") or {})

    def set_metadata(self, name: str, metadata: dict) -> None:
        self._write_meta(name, metadata={**self.get_metadata(name), **metadata})

    def get_alias(self, alias: str) -> str | None:
        if not _NAME.match(alias):
            return None
        try:
            return (self.root / "aliases" / alias).read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    def set_alias(self, alias: str, collection: str) -> None:
        """Allowed on a read-only store too (the service promotes and rolls back): no shard is written."""
        if not _NAME.match(alias):
            raise IndexError_(f"invalid alias name {alias!r}")
        self._current(collection)  # exists
        _write_atomic(self.root / "aliases" / alias, collection)

    def revision(self, name: str) -> str:
        """The generation this process searches for `name` (a reader's copy may lag the published one by
        up to `refresh_s` plus its copy time; answers cached meanwhile belong to the old generation)."""
        with self._mutex:
            if self.read_only:
                self._reader_shard(name)  # also looks for a newer generation (asking is what notices one)
                r = self._readers[name]
                return f"{r.collection}/{r.gen}"
            collection = self._resolve(name)
            s = self._sessions.get(collection)
            return f"{collection}/{s.gen if s else self._current(collection)}"

    # ---------------------------------------------------------------------------------- points
    def count(self, collection: str, where: Where | None = None) -> int:
        name = self._resolve(collection)
        if where is None and name not in self._sessions:
            return int(self._meta(name).get("points", 0))
        return int(self._shard(name).count(qe.CountRequest(exact=True, filter=to_edge_filter(where))))

    def upsert(self, collection: str, points: Sequence[VectorPoint]) -> None:
        if not points:
            return
        session = self._session(self._resolve(collection))
        session.shard.update(
            qe.UpdateOperation.upsert_points(
                [
                    qe.Point(
                        id=p.id,
                        vector={DENSE: p.dense, SPARSE: qe.SparseVector(p.sparse[0], p.sparse[1])},
                        payload=p.payload,
                    )
                    for p in points
                ]
            )
        )
        session.dirty = True

    def delete(self, collection: str, where: Where) -> None:
        flt = to_edge_filter(where)
        if flt is None:
            raise ValueError("refusing to delete without a condition")
        session = self._session(self._resolve(collection))
        session.shard.update(qe.UpdateOperation.delete_points_by_filter(flt))
        session.dirty = True

    def scroll(
        self, collection: str, where: Where | None, fields: Sequence[str]
    ) -> Iterator[tuple[str, dict]]:
        shard = self._shard(self._resolve(collection))
        offset = None
        while True:
            records, offset = shard.scroll(
                qe.ScrollRequest(
                    offset=offset,
                    limit=1024,
                    filter=to_edge_filter(where),
                    with_payload=list(fields),
                    with_vector=False,
                )
            )
            for r in records:
                yield str(r.id), dict(r.payload or {})
            if offset is None:
                return

    def scroll_dense(
        self, collection: str, fields: Sequence[str]
    ) -> Iterator[tuple[str, dict, np.ndarray | None]]:
        shard = self._shard(self._resolve(collection))
        offset = None
        while True:
            records, offset = shard.scroll(
                qe.ScrollRequest(offset=offset, limit=1024, with_payload=list(fields), with_vector=[DENSE])
            )
            for r in records:
                hit = Hit.of(r.id, 0.0, r.payload, r.vector)
                yield hit.id, hit.payload, hit.dense
            if offset is None:
                return

    def query(self, collection: str, q: VectorQuery) -> list[Hit]:
        if self.read_only:  # ids and scores from the engine, the points from the reader's cache
            reader = self._reader(collection)
            req = self._request(q, points=False)
            if req is None:
                return []
            hits = reader.points.hits(reader.shard, reader.shard.query(req), q.with_dense)
            if hits is not None:
                return hits
            shard = (
                reader.shard
            )  # a point missing from retrieve (never seen): the whole answer from the engine
        else:
            shard = self._shard(self._resolve(collection))
        req = self._request(q)
        if req is None:
            return []
        return [Hit.of(p.id, p.score, p.payload, p.vector) for p in shard.query(req)]

    @staticmethod
    def _request(q: VectorQuery, points: bool = True) -> qe.QueryRequest | None:
        """The engine's request for `q`; `points=False`: ids and scores only (no payload, no vector)."""
        flt = to_edge_filter(q.where)
        with_vector: bool | list[str] = [DENSE] if q.with_dense and points else False
        sparse = qe.SparseVector(q.sparse[0], q.sparse[1]) if q.sparse and q.sparse[0] else None
        if not q.fusion:
            if q.dense is not None:
                query = qe.Query.Nearest(q.dense, using=DENSE)
                threshold = q.dense_threshold
            elif sparse is not None:
                query, threshold = qe.Query.Nearest(sparse, using=SPARSE), None
            else:
                return None
            return qe.QueryRequest(
                limit=q.limit,
                query=query,
                filter=flt,
                score_threshold=threshold,
                with_payload=points,
                with_vector=with_vector,
            )
        prefetches, weights = [], []
        if q.dense is not None:
            prefetches.append(
                qe.Prefetch(
                    limit=q.prefetch_limit,
                    query=qe.Query.Nearest(q.dense, using=DENSE),
                    filter=flt,
                    score_threshold=q.dense_threshold,
                )
            )
            weights.append(q.weights[0])
        if sparse is not None:
            prefetches.append(
                qe.Prefetch(limit=q.prefetch_limit, query=qe.Query.Nearest(sparse, using=SPARSE), filter=flt)
            )
            weights.append(q.weights[1])
        if not prefetches:
            return None
        return qe.QueryRequest(
            limit=q.limit,
            prefetches=prefetches,
            query=qe.Fusion.Rrf(k=q.rrf_k, weights=weights),  # type: ignore[arg-type] # the stub omits nested classes
            with_payload=points,
            with_vector=with_vector,
        )

    # ---------------------------------------------------------------------------------- writing
    def _lock(self, name: str) -> int:
        fd = os.open(self._dir(name) / "write.lock", os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.lock_timeout_s
        waited = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    raise IndexError_(
                        f"collection {name!r} is being written by another process (waited "
                        f"{self.lock_timeout_s:.0f} s)",
                        code="index_locked",
                    ) from None
                if not waited:
                    log.info("waiting for another process writing %s", name)
                    waited = True
                time.sleep(0.2)

    def _shard(self, name: str) -> qe.EdgeShard:
        """The shard to read in this process: the writer's working copy when this process is writing
        `name`, else a view of the published generation (reading starts no copy)."""
        with self._mutex:
            s = None if self.read_only else self._sessions.get(name)
            return s.shard if s is not None else self._reader_shard(name)

    def _session(self, name: str) -> _Session:
        self._need_writable()
        with self._mutex:
            s = self._sessions.get(name)
            if s is not None:
                return s
            d = self._dir(name)
            lock = self._lock(name)
            try:
                current = self._current(name)
                self._remove_stale_generations(d, keep=current)
                n = max((int(m.group(1)) for p in d.iterdir() if (m := _GEN.match(p.name))), default=0) + 1
                gen = f"gen-{n:06d}"
                shutil.copytree(d / current, d / gen, copy_function=_copy_sparse)
                s = _Session(lock=lock, gen=gen, shard=qe.EdgeShard.load(str(d / gen)))
            except BaseException:
                os.close(lock)
                raise
            self._sessions[name] = s
            return s

    @staticmethod
    def _remove_stale_generations(d: Path, keep: str) -> None:
        """Every generation but the published one (called with the write lock held: no other writer's work
        in progress; readers link the published one only, and retry if it goes while they link it)."""
        for p in d.iterdir():
            if _GEN.match(p.name) and p.name != keep:
                shutil.rmtree(p, ignore_errors=True)

    def _end_session(self, name: str, *, publish: bool) -> None:
        s = self._sessions.pop(name, None)
        if s is None:
            return
        d = self._dir(name)
        try:
            if publish and s.dirty:
                s.shard.flush()
                points = int(s.shard.count(qe.CountRequest(exact=True)))
                s.shard.close()
                old = self._current(name)
                self._write_meta(name, points=points)
                _write_atomic(d / "CURRENT", s.gen)
                # readers on the old generation keep their own links to its files: remove it now
                shutil.rmtree(d / old, ignore_errors=True)
                for key, r in list(self._readers.items()):
                    if r.collection == name:  # this process reads what it just published, not an older view
                        del self._readers[key]
                        self._retired.append((time.monotonic() + 30.0, r))
                log.info("published %s %s (%d points)", name, s.gen, points)
            else:
                s.shard.close()
                shutil.rmtree(d / s.gen, ignore_errors=True)
        finally:
            os.close(s.lock)

    def commit(self) -> None:
        """Publish every collection written since the last commit (readers switch within `refresh_s`)."""
        with self._mutex:
            for name in list(self._sessions):
                self._end_session(name, publish=True)

    # ---------------------------------------------------------------------------------- reading
    def _open_reader(self, name: str) -> _Reader:
        for attempt in range(5):
            collection = self._resolve(name)
            gen = self._current(collection)
            src = self._dir(collection) / gen
            dst = self._reader_dir / f"{collection}-{gen}-{uuid.uuid4().hex[:6]}"
            try:
                link_view(src, dst)
            except FileNotFoundError:  # replaced and removed while linking: take the new one
                shutil.rmtree(dst, ignore_errors=True)
                if attempt == 4:
                    raise
                continue
            return _Reader(collection, gen, dst, self._load_view(collection, dst), time.monotonic())
        raise AssertionError("unreachable")

    def _load_view(self, collection: str, path: Path) -> qe.EdgeShard:
        """A reader's shard with a search pool of `search_threads` (the engine's default is a pool of
        threads per CPU: for a shard of one or a few segments they only hand each query over and back, ~8 % of
        a service worker's CPU). The config repeats the collection's vectors (edge wants them with any
        setting; they must match the shard's); a shard it does not fit opens with the engine's default."""
        if self.search_threads is None:
            return qe.EdgeShard.load(str(path))
        config = qe.EdgeConfig(
            vectors={
                DENSE: qe.EdgeVectorParams(
                    size=int(self._meta(collection)["dim"]), distance=qe.Distance.Cosine
                )
            },
            sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
            max_search_threads=self.search_threads,
        )
        try:
            return qe.EdgeShard.load(str(path), config)
        except Exception as exc:  # noqa: BLE001 - an index of another layout still serves, with the default pool
            log.info("%s: opened with the default search pool (%s)", collection, exc)
            return qe.EdgeShard.load(str(path))

    def _reader_shard(self, name: str) -> qe.EdgeShard:
        return self._reader(name).shard

    def _reader(self, name: str) -> _Reader:
        with self._mutex:
            self._close_retired()
            r = self._readers.get(name)
            if r is None:
                r = self._readers[name] = self._open_reader(name)
                return r
            now = time.monotonic()
            if not r.preparing and now - r.checked >= self.refresh_s:
                r.checked = now
                try:
                    collection = self._resolve(name)
                    changed = collection != r.collection or self._current(collection) != r.gen
                except IndexNotFoundError:
                    changed = False  # deleted under us: keep answering from the copy we have
                if changed:
                    r.preparing = True
                    threading.Thread(target=self._refresh, args=(name, r), daemon=True).start()
            return r

    def _refresh(self, name: str, old: _Reader) -> None:
        try:
            new = self._open_reader(name)
        except Exception:
            log.exception("could not open the new generation of %s; still serving %s", name, old.gen)
            old.preparing = False
            return
        with self._mutex:
            self._readers[name] = new
            # queries that already hold the old shard finish first: close it a while later
            self._retired.append((time.monotonic() + 30.0, old))
        log.info("%s: now serving %s %s", name, new.collection, new.gen)

    def _close_retired(self, force: bool = False) -> None:
        now = time.monotonic()
        keep = []
        for due, r in self._retired:
            if force or now >= due:
                r.shard.close()
                shutil.rmtree(r.path, ignore_errors=True)
            else:
                keep.append((due, r))
        self._retired = keep

    def _remove_dead_readers(self) -> None:
        for p in (self.root / ".readers").iterdir():
            pid = p.name.split("-", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
                shutil.rmtree(p, ignore_errors=True)

    def close(self) -> None:
        with self._mutex:
            if not self.read_only:
                self.commit()
            for r in self._readers.values():
                with contextlib.suppress(Exception):
                    r.shard.close()
            self._readers.clear()
            self._close_retired(force=True)
            shutil.rmtree(self._reader_dir, ignore_errors=True)
