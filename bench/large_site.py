"""Generate a large association website: PDFs (German text, tables, some image-only scanned pages) + HTML.

The site of a fictional regional sports federation with ten years of minutes, circulars, tournament
results, fee tables and news, linked from yearly archive pages and listed in a sitemap. Deterministic
(seeded); generated into a folder, never committed.

    .venv/bin/python bench/large_site.py /tmp/large-site              # 1,000 PDFs + 500 HTML pages
    .venv/bin/python bench/large_site.py /tmp/large-site --scale 0.05 # 50 PDFs + 25 HTML pages
"""

from __future__ import annotations

import argparse
import html
import random
import sys
from pathlib import Path

import pymupdf

YEARS = list(range(2016, 2026))
TOWNS = [
    "Würzburg",
    "Kassel",
    "Göttingen",
    "Fulda",
    "Bamberg",
    "Erfurt",
    "Gießen",
    "Marburg",
    "Jena",
    "Hameln",
]
CLUBS = ["TSV", "SV", "TuS", "SC", "VfL", "FC", "SpVgg", "DJK"]
NAMES = ["Müller", "Schäfer", "Weiß", "Köhler", "Groß", "Bäcker", "Jäger", "Günther", "Vogt", "Krüger", "Löw"]
FIRST = ["Anna", "Jürgen", "Sabine", "Klaus", "Jörg", "Birgit", "Uwe", "Sönke", "Käthe", "Moritz", "Lea"]
TOPICS = [
    (
        "Mitgliederversammlung",
        "Die Mitgliederversammlung beschließt über den Haushalt und wählt den Vorstand.",
    ),
    (
        "Jugendordnung",
        "Die Jugendordnung regelt die Arbeit der Vereinsjugend und die Wahl der Jugendsprecher.",
    ),
    ("Beitragsordnung", "Die Beitragsordnung legt die Jahresbeiträge und die Aufnahmegebühren fest."),
    ("Schiedsrichterwesen", "Schiedsrichterinnen und Schiedsrichter werden jährlich fortgebildet."),
    ("Trainerausbildung", "Die Trainerausbildung umfasst Grundlehrgang, Aufbaukurs und Prüfung."),
    ("Hallenbelegung", "Die Hallenzeiten werden zu Beginn jeder Saison von der Geschäftsstelle vergeben."),
    ("Ehrenamtspreis", "Der Ehrenamtspreis würdigt Menschen, die sich seit Jahren für den Sport einsetzen."),
    ("Kinderschutz", "Alle Übungsleitenden legen ein erweitertes Führungszeugnis vor."),
    ("Turnierordnung", "Meldungen zu Turnieren sind bis spätestens vierzehn Tage vor Beginn einzureichen."),
    ("Förderprogramm", "Vereine können Zuschüsse für Sportgeräte und Übungsleiterlizenzen beantragen."),
]
VERBS = ["beschließt", "bestätigt", "empfiehlt", "prüft", "begrüßt", "erläutert", "vertagt", "genehmigt"]
OBJECTS = [
    "den Haushaltsplan für das kommende Jahr",
    "die Änderung der Satzung in § 7",
    "die Erhöhung der Aufnahmegebühr um fünf Euro",
    "den Bericht der Kassenprüfer",
    "die Kooperation mit den Schulen der Region",
    "die Ausschreibung der Landesmeisterschaft",
    "die neue Regelung zur Hallennutzung am Wochenende",
    "den Antrag auf Zuschuss für die Jugendfreizeit",
    "die Verlegung der Geschäftsstelle in größere Räume",
    "die Gründung einer Arbeitsgruppe Digitalisierung",
]
CONNECT = [
    "Außerdem",
    "Darüber hinaus",
    "Im Anschluss",
    "Nach kurzer Aussprache",
    "Einstimmig",
    "Mit großer Mehrheit",
]


def sentence(rng: random.Random) -> str:
    who = rng.choice(
        [
            "Der Vorstand",
            "Die Versammlung",
            "Der Jugendausschuss",
            "Die Geschäftsstelle",
            f"{rng.choice(FIRST)} {rng.choice(NAMES)}",
            "Das Präsidium",
        ]
    )
    return (
        f"{rng.choice(CONNECT)} {rng.choice(VERBS)} {who.lower() if who.startswith('D') else who} "
        f"{rng.choice(OBJECTS)}; die Umsetzung erfolgt bis zum {rng.randint(1, 28)}.{rng.randint(1, 12)}."
        f"{rng.choice(YEARS)} in {rng.choice(TOWNS)}."
    )


def paragraph(rng: random.Random, n: int = 5) -> str:
    return " ".join(sentence(rng) for _ in range(n))


def table_rows(rng: random.Random, kind: str) -> tuple[list[str], list[list[str]]]:
    if kind == "fees":
        head = ["Mitgliedsart", "Jahresbeitrag", "Aufnahmegebühr"]
        rows = [
            [m, f"{rng.randint(20, 180)},00 €", f"{rng.choice([0, 5, 10, 15])},00 €"]
            for m in ("Erwachsene", "Jugendliche", "Kinder", "Familien", "Fördermitglieder")
        ]
    else:
        head = ["Platz", "Verein", "Punkte", "Tore"]
        clubs = rng.sample([f"{c} {t}" for c in CLUBS for t in TOWNS], 6)
        rows = [
            [
                str(i + 1),
                club,
                str(30 - 4 * i + rng.randint(0, 3)),
                f"{rng.randint(20, 60)}:{rng.randint(10, 50)}",
            ]
            for i, club in enumerate(clubs)
        ]
    return head, rows


def draw_table(page: pymupdf.Page, top: float, head: list[str], rows: list[list[str]]) -> float:
    x0, width = 56, 480
    col = width / len(head)
    y = top
    for r, cells in enumerate([head, *rows]):
        for c, cell in enumerate(cells):
            rect = pymupdf.Rect(x0 + c * col, y, x0 + (c + 1) * col, y + 18)
            page.draw_rect(rect, color=(0, 0, 0), width=0.5)
            page.insert_textbox(rect + (3, 3, -3, 0), cell, fontsize=9, fontname="hebo" if r == 0 else "helv")
        y += 18
    return y + 14


def text_page(
    doc: pymupdf.Document, rng: random.Random, title: str, number: int, with_table: str | None
) -> None:
    page = doc.new_page(width=595, height=842)
    y = 56.0
    if number == 1:
        page.insert_textbox(pymupdf.Rect(56, y, 540, y + 40), title, fontsize=16, fontname="hebo")
        y += 44
    page.insert_textbox(
        pymupdf.Rect(56, y, 540, y + 20), f"{number}. {rng.choice(TOPICS)[0]}", fontsize=12, fontname="hebo"
    )
    y += 24
    body = "\n\n".join(paragraph(rng, rng.randint(3, 5)) for _ in range(2))
    rest = page.insert_textbox(pymupdf.Rect(56, y, 540, y + 330), body, fontsize=10, fontname="helv")
    y += 340 if rest >= 0 else 330
    if with_table:
        head, rows = table_rows(rng, with_table)
        y = draw_table(page, y, head, rows)
    page.insert_textbox(pymupdf.Rect(56, y, 540, 800), paragraph(rng, 3), fontsize=10, fontname="helv")
    page.insert_text((56, 820), f"Seite {number}", fontsize=8)


def scanned_page(doc: pymupdf.Document, rng: random.Random, title: str) -> None:
    """An image-only page (a scan): text rendered to a grey bitmap, no text layer."""
    tmp = pymupdf.open()
    text_page(tmp, rng, title, 1, None)
    pix = tmp[0].get_pixmap(dpi=150, colorspace=pymupdf.csGRAY)
    page = doc.new_page(width=595, height=842)
    page.insert_image(page.rect, pixmap=pix)
    tmp.close()


def make_pdf(path: Path, rng: random.Random, title: str, pages: int, scanned: bool) -> int:
    doc = pymupdf.open()
    for n in range(1, pages + 1):
        table = rng.choice(["fees", "results", None, None]) if n <= 2 else None
        text_page(doc, rng, title, n, table)
    if scanned:
        scanned_page(doc, rng, title)
    doc.set_metadata({"title": title, "author": "Geschäftsstelle"})
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path, garbage=3, deflate=True)
    count = doc.page_count
    doc.close()
    return count


def html_page(title: str, body: str, links: list[tuple[str, str]] = ()) -> str:  # type: ignore[assignment]
    items = "".join(f'<li><a href="{href}">{html.escape(text)}</a></li>' for href, text in links)
    return (
        f'<!doctype html><html lang="de"><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
        f'<body><header><nav><a href="/">Start</a> <a href="/archiv/">Archiv</a> <a href="/news/">Aktuelles</a>'
        f"</nav></header><main><h1>{html.escape(title)}</h1>{body}<ul>{items}</ul></main>"
        f"<footer>Landessportverband Mitte e. V. · Geschäftsstelle · Impressum · Datenschutz</footer></body></html>"
    )


def generate(root: Path, *, scale: float = 1.0, seed: int = 7, scanned_every: int = 25) -> dict[str, int]:
    """Write the site under `root`; returns counts (pdfs, pdf_pages, scanned_pages, html)."""
    rng = random.Random(seed)
    n_pdf = max(1, round(1000 * scale))
    n_html = max(1, round(500 * scale))
    root.mkdir(parents=True, exist_ok=True)
    urls: list[str] = ["/"]
    by_year: dict[int, list[tuple[str, str]]] = {y: [] for y in YEARS}
    pages = scanned = 0
    for i in range(n_pdf):
        year = YEARS[i % len(YEARS)]
        topic = rng.choice(TOPICS)[0]
        kind = rng.choice(["Protokoll", "Rundschreiben", "Ergebnisliste", "Merkblatt", "Bericht"])
        title = f"{kind} {topic} {year} ({rng.choice(TOWNS)})"
        href = f"/dokumente/{year}/{kind.lower()}-{i:05d}.pdf"
        is_scan = scanned_every > 0 and i % scanned_every == 3
        pages += make_pdf(root / href.lstrip("/"), rng, title, rng.choice([1, 2, 2, 3, 3, 4, 6]), is_scan)
        scanned += is_scan
        by_year[year].append((href, title))
        urls.append(href)
    news: list[tuple[str, str]] = []
    for i in range(n_html):
        year = YEARS[i % len(YEARS)]
        topic, lead = rng.choice(TOPICS)
        title = f"{topic}: {rng.choice(['Neues', 'Termine', 'Ergebnisse', 'Hinweise'])} aus {rng.choice(TOWNS)} {year}"
        href = f"/news/{year}/meldung-{i:05d}.html"
        body = f"<p><strong>{html.escape(lead)}</strong></p>" + "".join(
            f"<h2>{html.escape(rng.choice(TOPICS)[0])}</h2><p>{html.escape(paragraph(rng, 4))}</p>"
            for _ in range(3)
        )
        related = rng.sample(by_year[year], min(2, len(by_year[year])))
        path = root / href.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html_page(title, body, related), encoding="utf-8")
        news.append((href, title))
        urls.append(href)
    for year in YEARS:
        links = by_year[year] + [n for n in news if f"/{year}/" in n[0]]
        path = root / "archiv" / str(year) / "index.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            html_page(f"Archiv {year}", f"<p>Dokumente und Meldungen des Jahres {year}.</p>", links),
            encoding="utf-8",
        )
        urls.append(f"/archiv/{year}/")
    (root / "archiv").mkdir(exist_ok=True)
    (root / "archiv" / "index.html").write_text(
        html_page("Archiv", "<p>Alle Jahrgänge.</p>", [(f"/archiv/{y}/", f"Archiv {y}") for y in YEARS]),
        encoding="utf-8",
    )
    (root / "news").mkdir(exist_ok=True)
    (root / "news" / "index.html").write_text(
        html_page("Aktuelles", "<p>Meldungen.</p>", news[:50]), encoding="utf-8"
    )
    (root / "index.html").write_text(
        html_page(
            "Landessportverband Mitte",
            f"<p>{html.escape(TOPICS[0][1])}</p>",
            [("/archiv/", "Archiv"), ("/news/", "Aktuelles")],
        ),
        encoding="utf-8",
    )
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    return {"pdfs": n_pdf, "pdf_pages": pages, "scanned_pages": scanned, "html": n_html + len(YEARS) + 3}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", type=Path)
    ap.add_argument("--scale", type=float, default=1.0, help="1.0: 1,000 PDFs + 500 HTML pages")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    counts = generate(args.root, scale=args.scale, seed=args.seed)
    print(f"generated under {args.root}: {counts}", file=sys.stderr)


if __name__ == "__main__":
    main()
