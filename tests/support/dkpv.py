"""A tiny knowledge base about the fictional canoe polo federation (two web pages and a PDF with numbered
pages), indexed for the widget's and the console's services."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from auskunft.models import Document, PageText, doc_id_for
from auskunft.testing.index import build_index as index_documents

SITE = "https://www.dkpv.example"
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


def documents(source: str = "demo", language: str | None = "de") -> list[Document]:
    """DOCS as extracted documents (a PDF's pages numbered)."""
    now = datetime.now(UTC)
    return [
        Document(
            doc_id=doc_id_for(url),
            url=url,
            source=source,
            title=title,
            language=language,
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


def build_index(data_dir: Path, kb: str = "auskunft") -> int:
    """Index DOCS into a fresh live version under data_dir/qdrant (embedded Qdrant); returns the point count."""
    built = index_documents(data_dir, documents(), kb=kb)
    built.client.close()
    return built.chunks
