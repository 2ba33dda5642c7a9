"""Builds datasets/messy-site: a fictional German association website with the defects of real ones.

Run `python datasets/messy-site/build_site.py` to regenerate everything (deterministic). The generated files
are committed so tests and QA runs do not depend on running this. What each page tests is in README.md,
the askable facts in FACTS.md.
"""

from __future__ import annotations

import html
import textwrap
import unicodedata
from pathlib import Path
from urllib.parse import quote

import make_pdfs  # the sibling script (this folder is on sys.path when run as a script)
from texts import SOMMERFEST

ROOT = Path(__file__).resolve().parent
ORIGIN = "http://localhost:8766"
NAME = "Bürgerverein Lindenhof e.V."

NAV = [
    ("/", "Start"),
    ("/verein/", "Über uns"),
    ("/verein/vorstand.html", "Vorstand"),
    ("/aktuelles/", "Aktuelles"),
    ("/termine/", "Termine"),
    ("/projekte/", "Projekte"),
    ("/dokumente/", "Dokumente"),
    ("/mitglied-werden.html", "Mitglied werden"),
    ("/kontakt/", "Kontakt"),
]

# a contact box inside <main> on every page, without a class name that marks it as boilerplate
INFOBOX = """
<div class="box">
  <p>Bürgerverein Lindenhof e.V. · Gartenstraße 14 · 35999 Lindenhof</p>
  <p>Sprechzeiten der Geschäftsstelle: dienstags 16–18 Uhr</p>
  <p>Spendenkonto: IBAN DE02 5139 0000 0012 3456 78</p>
</div>
"""

PAGES: list[tuple[str, str]] = []  # (path, lastmod)


def nfd(path: str) -> str:
    """A link as some CMS write it: umlauts decomposed (u + combining diaeresis)."""
    return unicodedata.normalize("NFD", path)


def page(
    path: str,
    title: str,
    body: str,
    *,
    lastmod: str,
    extra_head: str = "",
    box: bool = True,
    sitemap: bool = True,
) -> None:
    nav = "\n".join(f'        <li><a href="{href}">{html.escape(label)}</a></li>' for href, label in NAV)
    doc = f"""<!DOCTYPE html>
<html lang="de">
<head>
  <meta charset="utf-8">
  <title>{html.escape(title)} | {NAME}</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="/style.css">
{extra_head}</head>
<body>
  <header>
    <a class="logo" href="/">{NAME}</a>
    <nav aria-label="Hauptmenü">
      <ul>
{nav}
      </ul>
    </nav>
  </header>
  <main>
{textwrap.indent(body.strip(), "    ")}
{textwrap.indent(INFOBOX.strip(), "    ") if box else ""}
  </main>
  <footer>
    <p>© 2025 {NAME} · <a href="/impressum.html">Impressum</a> · <a href="/datenschutz.html">Datenschutz</a></p>
  </footer>
</body>
</html>
"""
    target = ROOT / path.lstrip("/")
    if path.endswith("/"):
        target = target / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(doc, encoding="utf-8")
    if sitemap:  # pages linked only by NFD links stay out of the sitemap
        PAGES.append((path, lastmod))


def pdf_href(path: str) -> str:
    """Percent-encoded link to a file (umlauts as UTF-8 bytes, spaces as %20), as CMS exports write them."""
    return quote(path)


# news: (path, date, title, teaser, body paragraphs, tags)
NEWS = [
    (
        "/aktuelles/2025-07-neue-telefonnummer.html",
        "2025-06-24",
        "Neue Telefonnummer der Geschäftsstelle",
        "Ab 1. Juli 2025 erreichen Sie uns unter einer neuen Nummer.",
        [
            "Ab dem 1. Juli 2025 ist die Geschäftsstelle unter der neuen Telefonnummer 06441 555-1730 "
            "erreichbar. Die alte Nummer 06441 555-2041 wird abgeschaltet.",
            "Auch die E-Mail-Adresse ändert sich: Schreiben Sie uns künftig an info@buergerverein-lindenhof.example.",
        ],
        ["verein"],
    ),
    (
        "/aktuelles/2025-06-sommerfest.html",
        "2025-06-16",
        SOMMERFEST["title"],
        "Kinderflohmarkt, Blaskapelle und Kuchenbuffet auf dem Lindenplatz.",
        [
            *SOMMERFEST["paragraphs"],
            f'Die Pressemitteilung als PDF: <a href="{pdf_href("/dokumente/Pressemitteilung_Sommerfest_2025.pdf")}">'
            "Pressemitteilung Sommerfest 2025 (PDF, 3 KB)</a>",
        ],
        ["feste"],
    ),
    (
        "/aktuelles/2025-05-stellungnahme-bebauungsplan.html",
        "2025-05-13",
        "Unsere Stellungnahme zum Kanalhafen",
        "Der Verein fordert mehr Grün im neuen Wohnquartier.",
        [
            "Der Vorstand hat zum Bebauungsplan Nr. 47 „Am Kanalhafen“ Stellung genommen.",
            f'<a href="{pdf_href("/dokumente/Stellungnahme_Bebauungsplan-47_V002-final.pdf")}">Stellungnahme des '
            "Bürgervereins zum Bebauungsplan Nr. 47 „Am Kanalhafen“</a> (PDF)",
        ],
        ["gruenflaechen"],
    ),
    (
        "/aktuelles/2025-04-baumpflanzung.html",
        "2025-04-07",
        "Zwölf Linden für die Mühlwiese",
        "Baumpflanzaktion mit 40 Helferinnen und Helfern.",
        [
            "Am 5. April 2025 haben 40 Helferinnen und Helfer zwölf junge Linden an der Mühlwiese gepflanzt. "
            "Die Bäume hat die Gärtnerei Roth gespendet.",
            "Die Grünpaten des Vereins übernehmen in den ersten drei Jahren das Gießen.",
        ],
        ["gruenflaechen"],
    ),
    (
        "/aktuelles/2025-03-neuer-vorstand.html",
        "2025-03-15",
        "Dr. Miriam Schäfer ist neue Vorsitzende",
        "Die Mitgliederversammlung hat einen neuen Vorstand gewählt.",
        [
            "Die Mitgliederversammlung hat am 14. März 2025 Dr. Miriam Schäfer zur neuen Vorsitzenden des "
            "Bürgervereins gewählt. Sie erhielt 87 von 102 Stimmen.",
            "Sie folgt auf Klaus-Dieter Hofmann, der den Verein seit 2017 geführt hat und nun "
            "Ehrenvorsitzender ist. Neuer Stellvertreter ist Jonas Albrecht.",
        ],
        ["verein"],
    ),
    (
        "/aktuelles/2024-12-weihnachtsmarkt.html",
        "2024-12-17",
        "Weihnachtsmarkt bringt 2.350 Euro für die Heimatstube",
        "Rückblick auf den Lindenhofer Weihnachtsmarkt 2024.",
        [
            "Der Lindenhofer Weihnachtsmarkt am 14. und 15. Dezember 2024 hat 2.350 Euro eingebracht. Das Geld "
            "fließt in neue Vitrinen für die Heimatstube.",
        ],
        ["feste"],
    ),
    (
        "/aktuelles/2024-09-heimatstube.html",
        "2024-09-02",
        "Heimatstube mit neuen Öffnungszeiten",
        "Jetzt jeden ersten Sonntag im Monat geöffnet.",
        [
            "Seit September 2024 ist die Heimatstube in der Alten Schule, Schulstraße 5, jeden ersten Sonntag "
            "im Monat von 14 bis 17 Uhr geöffnet. Der Eintritt ist frei.",
        ],
        ["heimatstube"],
    ),
    (
        "/aktuelles/2024-03-lindenfest.html",
        "2024-03-11",
        "Lindenfest 2024 findet am 15. Juni statt",
        "Die Mitgliederversammlung hat das Datum festgelegt.",
        [
            "Das Lindenfest 2024 findet am 15. Juni 2024 auf dem Lindenplatz statt. Das hat die "
            "Mitgliederversammlung am 8. März 2024 beschlossen.",
        ],
        ["feste"],
    ),
]

TAG_NAMES = {
    "verein": "Verein",
    "feste": "Feste",
    "gruenflaechen": "Grünflächen",
    "heimatstube": "Heimatstube",
}


def _german_date(iso: str) -> str:
    months = "Januar Februar März April Mai Juni Juli August September Oktober November Dezember".split()
    y, m, d = iso.split("-")
    return f"{int(d)}. {months[int(m) - 1]} {y}"


def _teasers(items: list[tuple]) -> str:
    out = []
    for path, date, title, teaser, _body, tags in items:
        tag_links = " ".join(f'<a href="/aktuelles/thema/{t}.html">#{TAG_NAMES[t]}</a>' for t in tags)
        out.append(
            f"""<article class="teaser">
  <h2><a href="{path}">{html.escape(title)}</a></h2>
  <p class="meta">{_german_date(date)} · {tag_links}</p>
  <p>{html.escape(teaser)} <a href="{path}">Weiterlesen</a></p>
</article>"""
        )
    return "\n".join(out)


def build_news() -> None:
    for path, date, title, _teaser, body, tags in NEWS:
        paragraphs = "\n".join(f"<p>{p}</p>" for p in body)
        tag_links = ", ".join(f'<a href="/aktuelles/thema/{t}.html">{TAG_NAMES[t]}</a>' for t in tags)
        page(
            path,
            title,
            f"""
<article>
  <h1>{html.escape(title)}</h1>
  <p class="meta">Veröffentlicht am {_german_date(date)} · Themen: {tag_links}</p>
  {paragraphs}
</article>
""",
            lastmod=date,
        )
    first, second = NEWS[:5], NEWS[5:]
    page(
        "/aktuelles/",
        "Aktuelles",
        f"""
<h1>Aktuelles</h1>
{_teasers(first)}
<div class="pagination"><span>Seite 1 von 2</span> <a href="/aktuelles/seite-2.html" rel="next">Ältere Beiträge »</a></div>
""",
        lastmod=NEWS[0][1],
    )
    page(
        "/aktuelles/seite-2.html",
        "Aktuelles – Seite 2",
        f"""
<h1>Aktuelles</h1>
{_teasers(second)}
<div class="pagination"><a href="/aktuelles/" rel="prev">« Neuere Beiträge</a> <span>Seite 2 von 2</span></div>
""",
        lastmod=NEWS[5][1],
    )
    for tag, label in TAG_NAMES.items():
        items = [n for n in NEWS if tag in n[5]]
        page(
            f"/aktuelles/thema/{tag}.html",
            f"Thema: {label}",
            f"<h1>Beiträge zum Thema {html.escape(label)}</h1>\n{_teasers(items)}",
            lastmod=items[0][1],
        )


def build_pages() -> None:
    page(
        "/",
        "Startseite",
        f"""
<h1>Willkommen beim Bürgerverein Lindenhof</h1>
<p>Seit 1978 setzen sich Nachbarinnen und Nachbarn im Bürgerverein für einen lebenswerten Stadtteil ein:
für Grünflächen, Feste, die Heimatstube und ein gutes Miteinander.</p>
<h2>Neuigkeiten</h2>
{_teasers(NEWS[:3])}
<p><a href="/aktuelles/">Alle Neuigkeiten</a></p>
""",
        lastmod="2025-06-24",
    )
    page(
        "/verein/",
        "Über uns",
        """
<h1>Über uns</h1>
<p>Der Bürgerverein Lindenhof e.V. wurde am 9. Juni 1978 von 23 Anwohnerinnen und Anwohnern in der Gaststätte
Zur Linde gegründet. Heute hat der Verein rund 340 Mitglieder (Stand: Oktober 2025).</p>
<p>Wir pflegen Grünflächen und Bäume im Stadtteil, richten das Lindenfest, das Sommerfest und den
Weihnachtsmarkt aus und betreiben die Heimatstube in der Alten Schule.</p>
<p>Der Verein ist als gemeinnützig anerkannt; Spenden sind steuerlich absetzbar.</p>
<p><a href="/verein/geschichte.html">Unsere Geschichte</a> · <a href="/verein/vorstand.html">Vorstand</a></p>
""",
        lastmod="2025-10-06",
    )
    page(
        "/verein/geschichte.html",
        "Geschichte",
        """
<h1>Geschichte des Vereins</h1>
<ul>
  <li>1978: Gründung durch 23 Anwohnerinnen und Anwohner in der Gaststätte Zur Linde.</li>
  <li>1985: Erstes Lindenfest auf dem Lindenplatz.</li>
  <li>2008: Eröffnung der Heimatstube in der Alten Schule, Schulstraße 5.</li>
  <li>2017: Klaus-Dieter Hofmann wird Vorsitzender.</li>
  <li>2019: Start der Grünpatenschaften.</li>
  <li>2025: Dr. Miriam Schäfer wird Vorsitzende.</li>
</ul>
""",
        lastmod="2025-03-20",
    )
    page(
        "/verein/vorstand.html",
        "Vorstand",
        """
<h1>Vorstand</h1>
<p>Gewählt von der Mitgliederversammlung am 14. März 2025 für drei Jahre (Stand: März 2025).</p>
<table>
  <tr><th>Amt</th><th>Name</th></tr>
  <tr><td>Vorsitzende</td><td>Dr. Miriam Schäfer</td></tr>
  <tr><td>Stellvertretender Vorsitzender</td><td>Jonas Albrecht</td></tr>
  <tr><td>Kassenwartin</td><td>Ute Brenner</td></tr>
  <tr><td>Schriftführer</td><td>Emre Kaya</td></tr>
</table>
<p>Ehrenvorsitzender ist Klaus-Dieter Hofmann.</p>
<p>Ältere Fassung dieser Seite: <a href="/archiv/vorstand-2021.html">Vorstand 2021 (Archiv)</a></p>
""",
        lastmod="2025-03-16",
    )
    page(
        "/kontakt/",
        "Kontakt",
        """
<h1>Kontakt</h1>
<p>Geschäftsstelle des Bürgervereins Lindenhof, Gartenstraße 14, 35999 Lindenhof.</p>
<table>
  <tr><th>Telefon</th><td>06441 555-1730 (seit 1. Juli 2025)</td></tr>
  <tr><th>E-Mail</th><td>info@buergerverein-lindenhof.example</td></tr>
  <tr><th>Sprechzeiten</th><td>dienstags 16 bis 18 Uhr und donnerstags 10 bis 12 Uhr</td></tr>
</table>
<p>Presseanfragen beantwortet Jonas Albrecht.</p>
""",
        lastmod="2025-07-01",
    )
    page(
        "/mitglied-werden.html",
        "Mitglied werden",
        """
<h1>Mitglied werden</h1>
<p>Mitglied werden kann jede Person ab 16 Jahren. Schicken Sie die Beitrittserklärung per Post an die
Geschäftsstelle oder per E-Mail an info@buergerverein-lindenhof.example.</p>
<p>Ab 2026 beträgt der Jahresbeitrag 36 Euro für Erwachsene, 18 Euro ermäßigt und 60 Euro für Familien
(<a href="/dokumente/Beitragsordnung%202026.pdf">Beitragsordnung 2026</a>).</p>
<p>Neue Mitglieder erhalten ein Begrüßungspaket mit dem Stadtteilplan und einem Gutschein für die Heimatstube.</p>
""",
        lastmod="2025-03-18",
    )
    docs = [
        ("/dokumente/Satzung-überarbeitet_V002.pdf", "Satzung (Fassung vom 14. März 2025)"),
        ("/dokumente/Beitragsordnung 2026.pdf", "Beitragsordnung 2026"),
        ("/dokumente/Protokoll_MV_2025-03-14.pdf", "Protokoll der Mitgliederversammlung 2025"),
        ("/dokumente/Einladung_MV_2025_final.pdf", "Einladung zur Mitgliederversammlung 2025"),
        ("/dokumente/Mitteilung_Beitragsänderung.pdf", "Mitteilung: neue Beiträge ab 2026"),
        ("/dokumente/Jahresbericht_2024.pdf", "Jahresbericht 2024"),
        ("/dokumente/Spendenaufruf_Winter_2025.pdf", "Spendenaufruf Wärmestube Winter 2025/26"),
        ("/dokumente/Pressemitteilung_Sommerfest_2025.pdf", "Pressemitteilung Sommerfest 2025"),
    ]
    items = "\n".join(f'  <li><a href="{pdf_href(p)}">{html.escape(t)}</a> (PDF)</li>' for p, t in docs)
    page(
        "/dokumente/",
        "Dokumente",
        f"""
<h1>Dokumente zum Herunterladen</h1>
<ul>
{items}
</ul>
<p>Ältere Dokumente finden Sie im <a href="/archiv/">Archiv</a>.</p>
""",
        lastmod="2025-11-03",
    )
    page(
        "/archiv/",
        "Archiv",
        f"""
<h1>Archiv</h1>
<ul>
  <li><a href="/archiv/vorstand-2021.html">Vorstand (Stand 2021)</a></li>
  <li><a href="{pdf_href("/archiv/Beitragsordnung_2019.pdf")}">Beitragsordnung 2019</a> (PDF)</li>
  <li><a href="{pdf_href("/archiv/Einladung_MV_2024.pdf")}">Einladung zur Mitgliederversammlung 2024</a> (PDF)</li>
  <li><a href="/newsletter/2025-07.html">Newsletter Juli 2025</a></li>
  <li><a href="/aktuelles/seite-2.html">Ältere Neuigkeiten</a></li>
</ul>
""",
        lastmod="2025-07-15",
    )
    page(
        "/archiv/vorstand-2021.html",
        "Vorstand 2021 (Archiv)",
        """
<h1>Vorstand</h1>
<p>Gewählt von der Mitgliederversammlung am 12. März 2021 (Stand: März 2021).</p>
<table>
  <tr><th>Amt</th><th>Name</th></tr>
  <tr><td>Vorsitzender</td><td>Klaus-Dieter Hofmann</td></tr>
  <tr><td>Stellvertretende Vorsitzende</td><td>Renate Kühn</td></tr>
  <tr><td>Kassenwartin</td><td>Ute Brenner</td></tr>
  <tr><td>Schriftführerin</td><td>Sabine Lorenz</td></tr>
</table>
<p>Sie erreichen den Vorstand unter Telefon 06441 555-2041.</p>
""",
        lastmod="2021-03-20",
    )
    page(
        "/newsletter/2025-07.html",
        "Newsletter Juli 2025",
        f"""
<h1>Newsletter Juli 2025</h1>
<h2>{html.escape(SOMMERFEST["title"])}</h2>
{"".join(f"<p>{html.escape(p)}</p>" for p in SOMMERFEST["paragraphs"])}
<h2>Neue Telefonnummer</h2>
<p>Seit dem 1. Juli 2025 erreichen Sie die Geschäftsstelle unter 06441 555-1730.</p>
<h2>Helferinnen und Helfer gesucht</h2>
<p>Für den Getränkestand beim Sommerfest suchen wir noch acht Freiwillige. Bitte melden Sie sich bei Emre Kaya.</p>
""",
        lastmod="2025-07-15",
    )
    page(
        "/projekte/",
        "Projekte",
        f"""
<h1>Unsere Projekte</h1>
<h2><a href="{nfd("/projekte/grünpatenschaften.html")}">Grünpatenschaften</a></h2>
<p>Nachbarinnen und Nachbarn pflegen Beete und Baumscheiben im Stadtteil.</p>
<h2><a href="{nfd("/projekte/heimatstube-führungen.html")}">Führungen in der Heimatstube</a></h2>
<p>Führungen für Schulklassen und Gruppen.</p>
""",
        lastmod="2025-04-10",
    )
    page(
        "/projekte/grünpatenschaften.html",
        "Grünpatenschaften",
        """
<h1>Grünpatenschaften</h1>
<p>Seit 2019 übernehmen Nachbarinnen und Nachbarn Patenschaften für Beete und Baumscheiben. Derzeit
betreuen die Grünpaten 31 Beete. Der Verein stellt Saatgut, Gießkannen und eine Haftpflichtversicherung.</p>
<p>Wer Grünpatin oder Grünpate werden möchte, meldet sich bei Emre Kaya.</p>
""",
        lastmod="2025-04-10",
        sitemap=False,
    )
    page(
        "/projekte/heimatstube-führungen.html",
        "Führungen in der Heimatstube",
        """
<h1>Führungen in der Heimatstube</h1>
<p>Für Schulklassen sind Führungen durch die Heimatstube kostenlos; andere Gruppen zahlen 25 Euro.
Bitte melden Sie Führungen mindestens zwei Wochen vorher an.</p>
<p>Eine Führung dauert etwa 60 Minuten; die Heimatstube zeigt Fotos, Karten und Handwerkszeug aus 150 Jahren
Stadtteilgeschichte.</p>
""",
        lastmod="2025-04-10",
        sitemap=False,
    )
    page(
        "/impressum.html",
        "Impressum",
        """
<h1>Impressum</h1>
<p>Bürgerverein Lindenhof e.V., Gartenstraße 14, 35999 Lindenhof</p>
<p>Vertreten durch die Vorsitzende Dr. Miriam Schäfer.</p>
<p>Registergericht: Amtsgericht Lindenhof, Registernummer VR 3321.</p>
""",
        lastmod="2025-03-16",
        box=False,
    )
    page(
        "/datenschutz.html",
        "Datenschutz",
        """
<h1>Datenschutzerklärung</h1>
<p>Diese Website setzt keine Cookies und bindet keine Inhalte Dritter ein. Zugriffe werden ohne IP-Adresse
protokolliert und nach sieben Tagen gelöscht.</p>
<p>Datenschutzbeauftragte des Vereins ist Sabine Lorenz.</p>
""",
        lastmod="2024-05-02",
        box=False,
    )


# ------------------------------------------------------------------------ lazy-loaded event list
EVENTS = [
    ("2025-09-13", "Tag des offenen Denkmals in der Heimatstube, 11 bis 17 Uhr.", None),
    ("2025-09-27", "Obstbaumschnitt-Kurs mit Gärtnerei Roth an der Mühlwiese, 10 Uhr.", None),
    ("2025-10-04", "Stammtisch des Vorstands in der Gaststätte Zur Linde, 19 Uhr.", None),
    (
        "2025-10-18",
        "Herbstputz im Stadtteil, Treffpunkt 10 Uhr am Lindenplatz.",
        ("/dokumente/Flyer_Herbstputz_2025.pdf", "Flyer Herbstputz 2025"),
    ),
    (
        "2025-11-06",
        "Vortrag „Lindenhof in den 1950er Jahren“ mit Dr. Bernd Ulrich, 19 Uhr in der Heimatstube.",
        None,
    ),
    ("2025-11-30", "Adventssingen auf dem Lindenplatz, 17 Uhr.", None),
    ("2026-01-11", "Neujahrsempfang im Gemeindehaus St. Markus, 11 Uhr.", None),
    ("2026-03-13", "Mitgliederversammlung 2026 im Gemeindehaus St. Markus, 19 Uhr.", None),
]
EVENTS_PER_PAGE = 3


def _event_items(events: list[tuple]) -> str:
    out = []
    for date, text, link in events:
        extra = f' <a href="{pdf_href(link[0])}">{html.escape(link[1])}</a>' if link else ""
        out.append(
            f'<li class="termin"><time datetime="{date}">{_german_date(date)}</time>: {html.escape(text)}{extra}</li>'
        )
    return "\n".join(out)


def build_events() -> None:
    """/termine/ shows the first entries; a custom element loads the rest on scroll or by "mehr laden"."""
    chunks = [EVENTS[i : i + EVENTS_PER_PAGE] for i in range(0, len(EVENTS), EVENTS_PER_PAGE)]
    for n, chunk in enumerate(chunks[1:], start=2):
        target = ROOT / "termine" / f"liste-{n}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_event_items(chunk) + "\n", encoding="utf-8")
    page(
        "/termine/",
        "Termine",
        f"""
<h1>Termine</h1>
<termin-liste data-next="/termine/liste-2.html" data-pages="{len(chunks)}">
  <ul class="termine">
{textwrap.indent(_event_items(chunks[0]), "    ")}
  </ul>
  <button type="button" class="mehr">mehr laden</button>
</termin-liste>
<script src="/termine/termine.js"></script>
""",
        lastmod="2025-09-01",
    )
    (ROOT / "termine" / "termine.js").write_text(
        """// <termin-liste>: loads the next page of events when the list end scrolls into view or on "mehr laden".
class TerminListe extends HTMLElement {
  connectedCallback() {
    this.page = 1;
    this.pages = Number(this.dataset.pages || 1);
    this.loading = false;
    this.button = this.querySelector("button.mehr");
    this.button.addEventListener("click", () => this.more());
    this.sentinel = document.createElement("div");
    this.appendChild(this.sentinel);
    new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) this.more();
    }).observe(this.sentinel);
  }
  async more() {
    if (this.loading || this.page >= this.pages) return;
    this.loading = true;
    const next = this.page + 1;
    const res = await fetch(`/termine/liste-${next}.html`);
    this.querySelector("ul.termine").insertAdjacentHTML("beforeend", await res.text());
    this.page = next;
    this.loading = false;
    if (this.page >= this.pages) this.button.remove();
  }
}
customElements.define("termin-liste", TerminListe);
""",
        encoding="utf-8",
    )


def write_static() -> None:
    (ROOT / "style.css").write_text(
        "body{font-family:sans-serif;max-width:52rem;margin:auto}.box{border:1px solid #9b9;padding:.5rem}\n",
        encoding="utf-8",
    )
    (ROOT / "robots.txt").write_text(
        f"User-agent: *\nAllow: /\n\nSitemap: {ORIGIN}/sitemap.xml\n", encoding="utf-8"
    )
    urls = "\n".join(
        f"  <url><loc>{ORIGIN}{quote(path)}</loc><lastmod>{lastmod}</lastmod></url>"
        for path, lastmod in PAGES
    )
    (ROOT / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{urls}\n</urlset>\n",
        encoding="utf-8",
    )


def main() -> None:
    build_pages()
    build_news()
    build_events()
    PAGES.sort()
    write_static()
    make_pdfs.build_pdfs()


if __name__ == "__main__":
    main()
    print(f"{len(PAGES)} pages and the PDFs in {ROOT}")
