"""Sentence vectors computed at index time, one store per index version, memory-mapped by the service.

The extractive answer ranks the sentences of the retrieved passages by the cosine of each sentence (embedded
as a passage) and the question. Embedding up to 16 sentences per answer is most of an answer's cost; this
store holds them precomputed, so an answer embeds only its question. Layout under a root (the service and the
ingestion runs use `DATA_DIR/sentences`):

    <root>/<collection>/CURRENT           {"generation": "gen-000002", "model": ..., "dim": 384, "count": N}
    <root>/<collection>/gen-000002.keys   N sorted 16-byte keys (blake2b of the sentence text), raw bytes
    <root>/<collection>/gen-000002.vecs   N x dim float16 unit vectors, raw, row i belongs to key i
    <root>/<collection>/gen-000002.prior  M (16-byte chunk key, float32) records sorted by key: each chunk's
                                          hubness (`auskunft.index.hubness`), read by the retrieval's votes

A generation is written once and published by replacing CURRENT (os.replace); the one it replaces is deleted
at once (a reader that has it mapped keeps its blocks until it switches). Readers map the files read-only, so
every service process shares one copy in the page cache, and notice a new generation within `refresh_s`.
float16 keeps a cosine within ~1e-3 of the float32 one (tests/index/test_sentence_store.py checks that
answers do not change). The key and the vector depend only on the sentence text and the embedding model: a
store of another version with the same model would serve as well, and a key that is missing (a sentence not
seen at index time) is simply embedded at query time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel

log = logging.getLogger(__name__)

KEY_BYTES = 16
CURRENT = "CURRENT"
_GEN = re.compile(r"^gen-(\d{6,})\.(keys|vecs|prior)$")
PRIOR_DTYPE = np.dtype([("key", f"S{KEY_BYTES}"), ("value", "<f4")])


def sentence_key(text: str) -> bytes:
    """The store's key of a sentence: blake2b-128 of its UTF-8 text."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=KEY_BYTES).digest()


def chunk_key(chunk_id: str) -> bytes:
    """The key of a chunk's per-chunk values (its hubness): never equal to a sentence's key."""
    return sentence_key("\x00chunk\x00" + chunk_id)


@dataclass(frozen=True)
class StoreInfo:
    generation: str
    model: str  # the embedder's name, "<backend>:<model>"
    dim: int
    count: int
    priors: int = 0  # chunks with a hubness value (0: a store written before they were computed)
    split: int = 0  # the sentence split's version the keys were made by (0: before it was recorded)


class SentenceVectorsReport(BaseModel):
    """What `precompute_sentences` did for one index version."""

    collection: str
    chunks: int = 0
    sentences: int = 0  # distinct candidate sentences of the version's chunks
    reused: int = 0  # vectors taken from the version's previous store generation
    embedded: int = 0  # sentences embedded by this run
    written: bool = False  # a new generation was published (False: the store was up to date)
    bytes: int = 0  # the published generation on disk
    seconds: float = 0.0
    embed_seconds: float = 0.0


def read_info(folder: Path) -> StoreInfo | None:
    try:
        data = json.loads((folder / CURRENT).read_text(encoding="utf-8"))
        return StoreInfo(
            str(data["generation"]),
            str(data["model"]),
            int(data["dim"]),
            int(data["count"]),
            int(data.get("priors", 0)),
            int(data.get("split", 0)),
        )
    except (OSError, ValueError, KeyError):
        return None


class SentenceStore:
    """One published generation, mapped read-only: `lookup(keys)` -> (found mask, float32 rows)."""

    def __init__(self, folder: Path, info: StoreInfo) -> None:
        self.folder = folder
        self.info = info
        n, dim = info.count, info.dim
        self._keys: np.ndarray
        self._vecs: np.ndarray
        if n:
            self._keys = np.memmap(
                folder / f"{info.generation}.keys", dtype=f"S{KEY_BYTES}", mode="r", shape=(n,)
            )
            self._vecs = np.memmap(
                folder / f"{info.generation}.vecs", dtype=np.float16, mode="r", shape=(n, dim)
            )
        else:
            self._keys = np.zeros(0, dtype=f"S{KEY_BYTES}")
            self._vecs = np.zeros((0, dim), dtype=np.float16)
        self._priors: np.ndarray = (
            np.memmap(folder / f"{info.generation}.prior", dtype=PRIOR_DTYPE, mode="r", shape=(info.priors,))
            if info.priors
            else np.zeros(0, dtype=PRIOR_DTYPE)
        )

    @classmethod
    def open(cls, folder: Path) -> SentenceStore | None:
        info = read_info(folder)
        if info is None:
            return None
        try:
            return cls(folder, info)
        except (OSError, ValueError):  # replaced between reading CURRENT and mapping: the caller retries
            log.warning("sentence store %s: generation %s not readable", folder, info.generation)
            return None

    def __len__(self) -> int:
        return self.info.count

    def keys(self) -> np.ndarray:
        return np.asarray(self._keys)

    def lookup(self, keys: list[bytes], dtype: type = np.float32) -> tuple[np.ndarray, np.ndarray]:
        """(found: bool per key, rows: len(keys) x dim of `dtype`, zero where not found)."""
        rows: np.ndarray = np.zeros((len(keys), self.info.dim), dtype=dtype)
        found, pos = _find(self._keys, keys)
        if found.any():
            rows[found] = self._vecs[pos[found]].astype(dtype)
        return found, rows

    def priors(self, keys: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
        """(found: bool per chunk key, float32 values, 0 where not found)."""
        values = np.zeros(len(keys), dtype=np.float32)
        found, pos = _find(self._priors["key"], keys)
        values[found] = self._priors["value"][pos[found]]
        return found, values


def _find(sorted_keys: np.ndarray, keys: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """(found: bool per key, its position in `sorted_keys` where found) by binary search."""
    if not keys or not len(sorted_keys):
        return np.zeros(len(keys), dtype=bool), np.zeros(len(keys), dtype=np.intp)
    wanted = np.asarray(keys, dtype=f"S{KEY_BYTES}")
    pos = np.minimum(np.searchsorted(sorted_keys, wanted), len(sorted_keys) - 1)
    return sorted_keys[pos] == wanted, pos


def write_store(
    folder: Path,
    keys: list[bytes],
    vectors: np.ndarray,
    *,
    model: str,
    priors: dict[bytes, float] | None = None,
    split: int = 0,
) -> StoreInfo:
    """Publish a new generation holding `keys` (unique) with their unit `vectors` (rows) and the chunks'
    `priors` (chunk key -> hubness), made by version `split` of the sentence split; older generations go."""
    folder.mkdir(parents=True, exist_ok=True)
    dim = int(vectors.shape[1]) if vectors.ndim == 2 and vectors.shape[1] else 0
    arr = np.asarray(keys, dtype=f"S{KEY_BYTES}") if keys else np.zeros(0, dtype=f"S{KEY_BYTES}")
    order = np.argsort(arr, kind="stable")
    arr, vecs = arr[order], np.asarray(vectors, dtype=np.float16)[order] if len(keys) else vectors
    if len(arr) > 1 and bool((arr[1:] == arr[:-1]).any()):
        raise ValueError("sentence store keys must be unique")
    records = np.array(sorted((priors or {}).items()), dtype=PRIOR_DTYPE)
    info = StoreInfo(_next_generation(folder), model, dim, len(arr), len(records), split)
    files = [("keys", arr), ("vecs", np.ascontiguousarray(vecs, dtype=np.float16))]
    for suffix, data in [*files, *([("prior", records)] if len(records) else [])]:
        path = folder / f"{info.generation}.{suffix}"
        with open(path, "wb") as f:
            f.write(data.tobytes())
            f.flush()
            os.fsync(f.fileno())
    tmp = folder / f".{CURRENT}.{uuid.uuid4().hex[:8]}.tmp"
    tmp.write_text(json.dumps(info.__dict__), encoding="utf-8")
    os.replace(tmp, folder / CURRENT)
    for old in folder.iterdir():
        m = _GEN.match(old.name)
        if m and not old.name.startswith(info.generation + "."):
            old.unlink(missing_ok=True)
    return info


def _next_generation(folder: Path) -> str:
    numbers = [int(m.group(1)) for p in folder.iterdir() if (m := _GEN.match(p.name))]
    return f"gen-{max(numbers, default=0) + 1:06d}"


def remove_store(root: Path, collection: str) -> bool:
    """Delete a version's sentence store (with its version); True if there was one."""
    folder = root / collection
    if not folder.is_dir():
        return False
    shutil.rmtree(folder, ignore_errors=True)
    log.info("removed the sentence store of %s", collection)
    return True


def prune_stores(root: Path, kb: str, keep: Iterable[str]) -> list[str]:
    """Delete the stores of `kb`'s versions not in `keep` (deleted since); the names removed. Other
    knowledge bases' stores under the same root stay."""
    if not root.is_dir():
        return []
    wanted = set(keep)
    mine = re.compile(rf"^{re.escape(kb)}__v\d+$")
    return [
        p.name
        for p in sorted(root.iterdir())
        if p.is_dir() and mine.match(p.name) and p.name not in wanted and remove_store(root, p.name)
    ]


def store_bytes(root: Path, collection: str) -> int:
    folder = root / collection
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file()) if folder.is_dir() else 0


class SentenceStores:
    """The store of the collection `collection()` names (the live version, or a fixed one), reopened when a
    new generation is published or the alias moves; checked at most every `refresh_s`. Vectors from a store
    built with another embedding model than `model` are never used."""

    def __init__(
        self, root: Path, collection: Callable[[], str | None], *, model: str = "", refresh_s: float = 2.0
    ) -> None:
        self.root = root
        self.collection = collection
        self.model = model
        self.refresh_s = refresh_s
        self._store: SentenceStore | None = None
        self._seen: tuple[str | None, float] | None = None
        self._checked = float("-inf")
        self._lock = threading.Lock()

    def current(self) -> SentenceStore | None:
        now = time.monotonic()
        if now - self._checked < self.refresh_s:
            return self._store
        with self._lock:
            if now - self._checked < self.refresh_s:
                return self._store
            self._checked = now
            try:
                name = self.collection()
            except Exception:  # the vector store is unreachable: keep what is open
                log.warning("sentence store: could not resolve the live collection", exc_info=True)
                return self._store
            folder = self.root / name if name else None
            try:
                stamp = (folder / CURRENT).stat().st_mtime_ns if folder is not None else 0.0
            except OSError:
                stamp = 0.0
            if self._seen != (name, stamp):
                store = SentenceStore.open(folder) if folder is not None and stamp else None
                if store is None and stamp:  # CURRENT replaced while opening: try again next time
                    return self._store
                if store is not None and self.model and store.info.model != self.model:
                    log.warning(
                        "sentence store %s was built with %s, answers embed with %s: not used",
                        folder,
                        store.info.model,
                        self.model,
                    )
                    store = None
                self._store, self._seen = store, (name, stamp)
                if store is not None:
                    log.info("sentence store %s %s: %d sentences", name, store.info.generation, len(store))
            return self._store
