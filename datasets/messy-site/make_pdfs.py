"""Generates the messy site's PDFs (deterministic; the PDFs are committed).

Run `python datasets/messy-site/make_pdfs.py`. Each PDF carries one or more defect classes of real
association sites:
- letters with the same letterhead (name, address, phone, e-mail) and footer (register, IBAN, "Seite x von y")
  on every page and in several letters; the archived letters carry the old phone number;
- Word metadata titles ("Microsoft Word - Stellungnahme_V002"), "Dokument1", "Untitled", and file names with
  umlauts, spaces and version suffixes (the HTML links them percent-encoded);
- a report whose page 2 is text drawn as vector outlines (no text layer, no raster image: needs OCR) and whose
  page 3 has outlined glyphs under an invisible text layer (MuPDF reads strike-through marks there);
- a press release that is also published as an HTML page and repeated in a newsletter;
- an archived and a current fee schedule.
"""

from __future__ import annotations

from pathlib import Path

import pymupdf as fitz

ROOT = Path(__file__).resolve().parent
NAME = "Bürgerverein Lindenhof e.V."
ADDRESS = "Gartenstraße 14 · 35999 Lindenhof"
PHONE_OLD = "Telefon 06441 555-2041 · vorstand@buergerverein-lindenhof.example"
PHONE_NEW = "Telefon 06441 555-1730 · info@buergerverein-lindenhof.example"
FOOTER = (
    "Vereinsregister Amtsgericht Lindenhof VR 3321 · IBAN DE02 5139 0000 0012 3456 78 · Volksbank Lahntal"
)
W, H = 595, 842


def _meta(
    doc: fitz.Document, title: str, date: str, creator: str = "Microsoft® Word für Microsoft 365"
) -> None:
    """date: YYYYMMDD (creation and modification date)."""
    stamp = f"D:{date}090000+01'00'"
    doc.set_metadata(
        {
            "title": title,
            "author": "Vorstand",
            "creator": creator,
            "producer": creator,
            "creationDate": stamp,
            "modDate": stamp,
        }
    )


def _save(doc: fitz.Document, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path, garbage=3, deflate=True, no_new_id=True)


def _letterhead(pg: fitz.Page, n: int, total: int, phone: str) -> None:
    pg.insert_text((56, 48), NAME, fontsize=14, fontname="hebo")
    pg.insert_text((56, 64), ADDRESS, fontsize=8.5, fontname="helv")
    pg.insert_text((56, 76), phone, fontsize=8.5, fontname="helv")
    pg.draw_line((56, 84), (539, 84), color=(0.2, 0.4, 0.2), width=0.6)
    pg.insert_text((56, 800), FOOTER, fontsize=7, fontname="helv")
    pg.insert_text((470, 814), f"Seite {n} von {total}", fontsize=7, fontname="helv")


def _letter(
    path: Path,
    *,
    phone: str,
    place_date: str,
    heading: str,
    pages: list[list[str]],
    signature: list[str],
    title: str,
    date: str,
) -> None:
    doc = fitz.open()
    for n, paragraphs in enumerate(pages, start=1):
        pg = doc.new_page(width=W, height=H)
        _letterhead(pg, n, len(pages), phone)
        y = 110
        if n == 1:
            pg.insert_text((400, y), place_date, fontsize=10, fontname="helv")
            pg.insert_text((56, y + 36), heading, fontsize=13, fontname="hebo")
            y += 56
        text = "\n\n".join(paragraphs)
        if n == len(pages):
            text += "\n\n" + "\n".join(signature)
        pg.insert_textbox(fitz.Rect(56, y, 539, 780), text, fontsize=10.5, fontname="helv")
    _meta(doc, title, date)
    _save(doc, path)


def build_letters() -> None:
    _letter(
        ROOT / "archiv" / "Einladung_MV_2024.pdf",
        phone=PHONE_OLD,
        place_date="Lindenhof, 1. Februar 2024",
        heading="Einladung zur Mitgliederversammlung 2024",
        pages=[
            [
                "Liebe Mitglieder,",
                "hiermit laden wir Sie herzlich zur ordentlichen Mitgliederversammlung am Freitag, 8. März 2024, "
                "um 19:00 Uhr in die Gaststätte Zur Linde, Marktplatz 3, ein.",
                "Tagesordnung: 1. Bericht des Vorsitzenden. 2. Kassenbericht. 3. Entlastung des Vorstands. "
                "4. Planung des Lindenfests 2024. 5. Verschiedenes.",
                "Anträge zur Tagesordnung senden Sie bitte bis zum 23. Februar 2024 an den Vorstand.",
            ]
        ],
        signature=["Mit freundlichen Grüßen", "Klaus-Dieter Hofmann", "Vorsitzender"],
        title="Dokument1",
        date="20240201",
    )
    _letter(
        ROOT / "dokumente" / "Einladung_MV_2025_final.pdf",
        phone=PHONE_OLD,
        place_date="Lindenhof, 3. Februar 2025",
        heading="Einladung zur Mitgliederversammlung 2025",
        pages=[
            [
                "Liebe Mitglieder,",
                "die ordentliche Mitgliederversammlung 2025 findet am Freitag, 14. März 2025, um 19:00 Uhr im "
                "Gemeindehaus St. Markus, Kirchgasse 2, statt.",
                "Tagesordnung: 1. Bericht des Vorstands. 2. Kassenbericht und Bericht der Kassenprüfer. "
                "3. Entlastung des Vorstands. 4. Neuwahl des Vorstands. 5. Beschluss über die Beitragsordnung 2026. "
                "6. Beschluss über die überarbeitete Satzung. 7. Verschiedenes.",
                "Nach acht Jahren stellt sich Klaus-Dieter Hofmann nicht erneut zur Wahl. Für den Vorsitz "
                "kandidiert Dr. Miriam Schäfer.",
            ]
        ],
        signature=["Mit freundlichen Grüßen", "Klaus-Dieter Hofmann", "Vorsitzender"],
        title="Microsoft Word - Einladung_MV_2025_final.docx",
        date="20250203",
    )
    _letter(
        ROOT / "dokumente" / "Mitteilung_Beitragsänderung.pdf",
        phone=PHONE_OLD,
        place_date="Lindenhof, 20. Mai 2025",
        heading="Neue Mitgliedsbeiträge ab 2026",
        pages=[
            [
                "Liebe Mitglieder,",
                "die Mitgliederversammlung hat am 14. März 2025 eine neue Beitragsordnung beschlossen. Ab dem "
                "1. Januar 2026 beträgt der Jahresbeitrag für Erwachsene 36 Euro, ermäßigt 18 Euro und für "
                "Familien 60 Euro.",
                "Der Beitrag wird wie bisher Anfang Februar per Lastschrift eingezogen. Wer kein SEPA-Mandat "
                "erteilt hat, überweist den Beitrag bitte bis zum 28. Februar.",
            ]
        ],
        signature=["Mit freundlichen Grüßen", "Ute Brenner", "Kassenwartin"],
        title="Untitled",
        date="20250520",
    )
    _letter(
        ROOT / "dokumente" / "Spendenaufruf_Winter_2025.pdf",
        phone=PHONE_NEW,
        place_date="Lindenhof, 3. November 2025",
        heading="Spendenaufruf: Wärmestube im Winter 2025/26",
        pages=[
            [
                "Liebe Mitglieder, liebe Nachbarinnen und Nachbarn,",
                "auch in diesem Winter öffnet der Bürgerverein die Wärmestube in der Alten Schule, Schulstraße 5. "
                "Vom 1. Dezember 2025 bis zum 28. Februar 2026 ist sie montags bis freitags von 12 bis 17 Uhr "
                "geöffnet und bietet eine warme Mahlzeit.",
                "Für Heizung, Lebensmittel und die Aufwandsentschädigung der Helferinnen und Helfer brauchen wir "
                "4.500 Euro. Jede Spende hilft.",
            ],
            [
                "Spenden Sie bitte mit dem Stichwort »Wärmestube« auf das unten genannte Konto. Ab 50 Euro "
                "erhalten Sie automatisch eine Zuwendungsbestätigung für das Finanzamt.",
                "Wer mithelfen möchte, meldet sich bei unserem Schriftführer Emre Kaya.",
            ],
        ],
        signature=["Herzliche Grüße", "Dr. Miriam Schäfer", "Vorsitzende"],
        title="Microsoft Word - Spendenaufruf_V3.docx",
        date="20251103",
    )
    _letter(
        ROOT / "dokumente" / "Stellungnahme_Bebauungsplan-47_V002-final.pdf",
        phone=PHONE_OLD,
        place_date="Lindenhof, 12. Mai 2025",
        heading="Stellungnahme zum Bebauungsplan Nr. 47 »Am Kanalhafen«",
        pages=[
            [
                "Sehr geehrte Damen und Herren,",
                "der Bürgerverein Lindenhof begrüßt die Entwicklung des Kanalhafens zu einem Wohnquartier. "
                "Wir fordern jedoch, im Bebauungsplan Nr. 47 mindestens 1,5 Hektar öffentliche Grünfläche "
                "festzusetzen.",
                "Die zwölf Platanen an der Hafenstraße prägen das Stadtbild seit über 80 Jahren. Sie müssen "
                "erhalten bleiben; eine Fällung lehnen wir ab.",
            ],
            [
                "Außerdem regen wir einen Fuß- und Radweg entlang des Kanals an, der den Lindenplatz mit der "
                "Mühlwiese verbindet.",
                "Für Rückfragen steht Ihnen unser stellvertretender Vorsitzender Jonas Albrecht zur Verfügung.",
            ],
        ],
        signature=["Mit freundlichen Grüßen", "Dr. Miriam Schäfer", "Vorsitzende"],
        title="Microsoft Word - Stellungnahme_V002",
        date="20250512",
    )


def _paged(
    path: Path,
    title: str,
    pages: list[list[str]],
    *,
    meta_title: str,
    date: str,
    running: str | None = None,
) -> None:
    """A document with a running header (`running`) and "Seite x von y" footers."""
    doc = fitz.open()
    for n, paragraphs in enumerate(pages, start=1):
        pg = doc.new_page(width=W, height=H)
        if running:
            pg.insert_text((56, 36), running, fontsize=8, fontname="helv")
        y = 70
        if n == 1:
            pg.insert_text((56, y), title, fontsize=16, fontname="hebo")
            y += 24
        pg.insert_textbox(fitz.Rect(56, y, 539, 790), "\n\n".join(paragraphs), fontsize=10.5, fontname="helv")
        pg.insert_text((270, 814), f"Seite {n} von {len(pages)}", fontsize=8, fontname="helv")
    _meta(doc, meta_title, date)
    _save(doc, path)


def build_satzung() -> None:
    _paged(
        ROOT / "dokumente" / "Satzung-überarbeitet_V002.pdf",
        "Satzung des Bürgervereins Lindenhof e.V.",
        [
            [
                "§ 1 Name, Sitz. Der Verein führt den Namen Bürgerverein Lindenhof e.V. und hat seinen Sitz in "
                "Lindenhof. Er wurde am 9. Juni 1978 gegründet.",
                "§ 2 Zweck. Zweck des Vereins ist die Förderung des Heimatgedankens, der Ortsbildpflege und des "
                "bürgerschaftlichen Engagements im Stadtteil Lindenhof.",
                "§ 3 Mitgliedschaft. Mitglied kann jede natürliche Person ab 16 Jahren werden. Über den "
                "schriftlichen Aufnahmeantrag entscheidet der Vorstand.",
                "§ 4 Austritt. Der Austritt ist mit einer Frist von drei Monaten zum Ende des Kalenderjahres "
                "schriftlich gegenüber dem Vorstand zu erklären.",
                "§ 5 Beiträge. Die Höhe der Beiträge regelt die Beitragsordnung, die die Mitgliederversammlung "
                "beschließt.",
            ],
            [
                "§ 6 Vorstand. Der Vorstand besteht aus der oder dem Vorsitzenden, der Stellvertretung, der "
                "Kassenwartin oder dem Kassenwart und der Schriftführerin oder dem Schriftführer. Er wird für "
                "drei Jahre gewählt.",
                "§ 7 Mitgliederversammlung. Die Mitgliederversammlung tritt einmal im Jahr im ersten Quartal "
                "zusammen. Sie wird mit einer Frist von vier Wochen schriftlich einberufen.",
                "§ 8 Satzungsänderungen. Für Satzungsänderungen ist eine Mehrheit von zwei Dritteln der "
                "anwesenden Mitglieder erforderlich.",
                "§ 9 Auflösung. Bei Auflösung des Vereins fällt das Vermögen an die Stadt Lindenhof, die es für "
                "die Pflege der Grünanlagen im Stadtteil zu verwenden hat.",
                "§ 10 Inkrafttreten. Diese Satzung wurde von der Mitgliederversammlung am 14. März 2025 "
                "beschlossen.",
            ],
        ],
        meta_title="Microsoft Word - Satzung-überarbeitet_V002.docx",
        date="20250317",
        running="Bürgerverein Lindenhof e.V. – Satzung (Fassung vom 14. März 2025)",
    )


def build_beitragsordnungen() -> None:
    _paged(
        ROOT / "archiv" / "Beitragsordnung_2019.pdf",
        "Beitragsordnung (gültig ab 1. Januar 2019)",
        [
            [
                "Der Jahresbeitrag beträgt für Erwachsene 24 Euro und ermäßigt 12 Euro. Einen Familienbeitrag "
                "gibt es nicht.",
                "Ermäßigt zahlen Schülerinnen, Schüler, Studierende und Menschen mit geringem Einkommen.",
                "Der Beitrag ist bis zum 31. März eines Jahres fällig.",
            ]
        ],
        meta_title="Beitragsordnung_2019.doc",
        date="20181120",
    )
    _paged(
        ROOT / "dokumente" / "Beitragsordnung 2026.pdf",
        "Beitragsordnung (gültig ab 1. Januar 2026)",
        [
            [
                "Beschlossen von der Mitgliederversammlung am 14. März 2025.",
                "Der Jahresbeitrag beträgt für Erwachsene 36 Euro, ermäßigt 18 Euro und für Familien 60 Euro.",
                "Ermäßigt zahlen Schülerinnen, Schüler, Studierende und Menschen mit geringem Einkommen. "
                "Kinder unter 16 Jahren sind im Familienbeitrag enthalten.",
                "Der Beitrag wird Anfang Februar per Lastschrift eingezogen; ohne Lastschriftmandat ist er bis "
                "zum 28. Februar zu überweisen.",
            ]
        ],
        meta_title="Beitragsordnung 2026",
        date="20250318",
    )


def build_protokoll() -> None:
    _paged(
        ROOT / "dokumente" / "Protokoll_MV_2025-03-14.pdf",
        "Protokoll der Mitgliederversammlung vom 14. März 2025",
        [
            [
                "Ort: Gemeindehaus St. Markus, Kirchgasse 2. Beginn 19:05 Uhr, Ende 21:40 Uhr. Anwesend waren "
                "102 stimmberechtigte Mitglieder.",
                "TOP 4 Neuwahl des Vorstands: Zur Vorsitzenden wurde Dr. Miriam Schäfer mit 87 von 102 Stimmen "
                "gewählt. Stellvertreter ist Jonas Albrecht, Kassenwartin bleibt Ute Brenner, Schriftführer ist "
                "Emre Kaya.",
                "Die Versammlung ernennt Klaus-Dieter Hofmann zum Ehrenvorsitzenden.",
                "TOP 5 Beitragsordnung 2026: mit 94 Ja-Stimmen angenommen.",
                "TOP 6 Satzung: Die überarbeitete Satzung wird mit 98 Ja-Stimmen beschlossen.",
                "Zu Kassenprüfern wurden Hannelore Graf und Mehmet Arslan gewählt.",
            ]
        ],
        meta_title="Untitled",
        date="20250316",
    )


def build_pressemitteilung() -> None:
    from texts import SOMMERFEST  # the same text as the HTML page (this folder is on sys.path)

    doc = fitz.open()
    pg = doc.new_page(width=W, height=H)
    _letterhead(pg, 1, 1, PHONE_OLD)
    pg.insert_text((56, 120), "Pressemitteilung", fontsize=11, fontname="hebo")
    pg.insert_text((56, 146), SOMMERFEST["title"], fontsize=14, fontname="hebo")
    pg.insert_textbox(
        fitz.Rect(56, 160, 539, 780), "\n\n".join(SOMMERFEST["paragraphs"]), fontsize=10.5, fontname="helv"
    )
    _meta(doc, "Pressemitteilung", "20250616")
    _save(doc, ROOT / "dokumente" / "Pressemitteilung_Sommerfest_2025.pdf")


def build_flyer() -> None:
    doc = fitz.open()
    pg = doc.new_page(width=W, height=H)
    pg.insert_text((56, 90), "Herbstputz im Lindenhof", fontsize=26, fontname="hebo")
    pg.insert_textbox(
        fitz.Rect(56, 120, 539, 700),
        "Am Samstag, 18. Oktober 2025, räumen wir gemeinsam den Stadtteil auf. Treffpunkt ist um 10 Uhr "
        "am Lindenplatz.\n\nHandschuhe, Greifzangen und Müllsäcke stellt der Verein. Eine Anmeldung ist nicht "
        "nötig. Zum Abschluss gibt es um 13 Uhr Suppe für alle Helferinnen und Helfer.",
        fontsize=13,
        fontname="helv",
    )
    _meta(doc, "flyer_herbstputz_2025_druck.pdf", "20250901", creator="Canva")
    _save(doc, ROOT / "dokumente" / "Flyer_Herbstputz_2025.pdf")


def _outlined_page(doc: fitz.Document, lines: list[tuple[str, float, str]], *, text_layer: bool) -> None:
    """A page whose text is drawn as glyph outlines (vector paths, no font, no image).

    The text is typeset on a scratch page, exported as SVG with text as paths and converted back to PDF.
    With `text_layer` the same text is laid over it invisibly (render mode 3), as OCR tools and some
    "print to PDF" drivers do.
    """
    scratch = fitz.open()
    sp = scratch.new_page(width=W, height=H)
    y = 80.0
    for text, size, font in lines:
        rc = sp.insert_textbox(fitz.Rect(56, y, 539, 800), text, fontsize=size, fontname=font)
        y = 800 - rc + 14 if rc >= 0 else y + 40
    svg = sp.get_svg_image(text_as_path=True)
    vector = fitz.open("svg", svg.encode())
    vector_pdf = fitz.open("pdf", vector.convert_to_pdf())
    page = doc.new_page(width=W, height=H)
    page.show_pdf_page(page.rect, vector_pdf, 0)
    if text_layer:
        y = 80.0
        for text, size, font in lines:
            rc = page.insert_textbox(
                fitz.Rect(56, y, 539, 800), text, fontsize=size, fontname=font, render_mode=3
            )
            y = 800 - rc + 14 if rc >= 0 else y + 40


def build_jahresbericht() -> None:
    doc = fitz.open()
    pg = doc.new_page(width=W, height=H)
    pg.insert_text((56, 70), "Jahresbericht 2024", fontsize=18, fontname="hebo")
    pg.insert_textbox(
        fitz.Rect(56, 96, 539, 790),
        "Das Jahr 2024 war für den Bürgerverein Lindenhof ein Jahr des Wachstums. Der Vorstand dankt allen "
        "Mitgliedern, Helferinnen und Helfern für ihren Einsatz.\n\nDie folgenden Seiten fassen die Zahlen "
        "des Jahres und die Projekte zusammen.",
        fontsize=11,
        fontname="helv",
    )
    _outlined_page(
        doc,
        [
            ("Zahlen und Fakten 2024", 15, "hebo"),
            (
                "Im Jahr 2024 hat der Verein 57 neue Bäume im Stadtteil gepflanzt. Die Zahl der Mitglieder stieg "
                "bis zum Jahresende auf 318. Der Verein hat 14 Veranstaltungen ausgerichtet, darunter das "
                "Lindenfest mit rund 2.000 Gästen.",
                12,
                "helv",
            ),
            ("Der Kassenbestand betrug am 31. Dezember 2024 genau 12.480 Euro.", 12, "helv"),
        ],
        text_layer=False,
    )
    _outlined_page(
        doc,
        [
            ("Projekte 2024", 15, "hebo"),
            (
                "Die Heimatstube in der Alten Schule zählte 2024 insgesamt 1.150 Besucherinnen und Besucher. "
                "Die Grünpaten pflegen inzwischen 31 Beete im Stadtteil.",
                12,
                "helv",
            ),
        ],
        text_layer=True,
    )
    _meta(doc, "Jahresbericht_2024_V7_druck", "20250210", creator="Adobe InDesign 19.0")
    _save(doc, ROOT / "dokumente" / "Jahresbericht_2024.pdf")


def build_pdfs() -> None:
    build_letters()
    build_satzung()
    build_beitragsordnungen()
    build_protokoll()
    build_pressemitteilung()
    build_flyer()
    build_jahresbericht()


if __name__ == "__main__":
    build_pdfs()
    print(f"PDFs in {ROOT / 'dokumente'} and {ROOT / 'archiv'}")
