"""Generates the demo site's PDFs in dokumente/ (deterministic; the PDFs are committed).

Run `python datasets/demo-site/make_pdfs.py`. Each PDF tests one extraction case:
- satzung.pdf: two text columns on 3 pages (reading order: left column before right column);
- beitragsordnung-2026.pdf: a ruled table on page 1, payment terms on page 2;
- protokoll-mv-2025.pdf: an image-only "scan" (rotated, noisy pixels, no text layer): needs OCR;
- jugendordnung.pdf: umlauts and ß on 2 pages.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

import pymupdf as fitz
from PIL import Image, ImageFilter

ROOT = Path(__file__).resolve().parent
NAME = "Deutscher Kanupolo-Verband e.V."


def _text_pages(title: str, pages: list[list[str]], path: Path, *, columns: int = 1) -> None:
    doc = fitz.open()
    for n, paragraphs in enumerate(pages, start=1):
        pg = doc.new_page(width=595, height=842)
        pg.insert_text((56, 60), title if n == 1 else f"{title} (Fortsetzung)", fontsize=15, fontname="hebo")
        text = "\n\n".join(paragraphs)
        if columns == 1:
            pg.insert_textbox(fitz.Rect(56, 90, 539, 800), text, fontsize=10.5, fontname="helv")
        else:
            half = len(paragraphs) // 2
            left, right = "\n\n".join(paragraphs[:half]), "\n\n".join(paragraphs[half:])
            pg.insert_textbox(fitz.Rect(56, 90, 287, 800), left, fontsize=10, fontname="helv")
            pg.insert_textbox(fitz.Rect(308, 90, 539, 800), right, fontsize=10, fontname="helv")
        pg.insert_text((280, 820), f"Seite {n}", fontsize=8, fontname="helv")
    doc.set_metadata({"title": title, "author": NAME})
    doc.save(path, garbage=3, deflate=True, no_new_id=True)


def build_satzung(path: Path) -> None:
    p1 = [
        "§ 1 Name und Sitz. Der Verband führt den Namen Deutscher Kanupolo-Verband e.V. Er hat seinen Sitz in Duisburg und ist im Vereinsregister eingetragen.",
        "§ 2 Zweck. Zweck des Verbandes ist die Förderung des Kanupolosports in Deutschland, insbesondere des Wettkampf- und Jugendsports.",
        "§ 3 Gemeinnützigkeit. Der Verband verfolgt ausschließlich und unmittelbar gemeinnützige Zwecke. Mittel dürfen nur für satzungsmäßige Zwecke verwendet werden.",
        "§ 4 Mitgliedschaft. Ordentliche Mitglieder sind Vereine mit einer Kanupolo-Abteilung. Über die Aufnahme entscheidet das Präsidium.",
        "§ 5 Rechte und Pflichten. Die Mitglieder sind verpflichtet, die Satzung und die Ordnungen des Verbandes einzuhalten und Beiträge zu zahlen.",
        "§ 6 Austritt. Der Austritt ist zum Ende eines Kalenderjahres möglich und muss bis zum 30. September schriftlich erklärt werden.",
    ]
    p2 = [
        "§ 7 Organe. Organe des Verbandes sind die Mitgliederversammlung, das Präsidium und der Jugendausschuss.",
        "§ 8 Mitgliederversammlung. Die ordentliche Mitgliederversammlung findet einmal jährlich im ersten Quartal statt. Sie wird mit einer Frist von sechs Wochen einberufen.",
        "§ 9 Präsidium. Das Präsidium besteht aus fünf Mitgliedern: der Präsidentin oder dem Präsidenten, der Vizepräsidentin oder dem Vizepräsidenten, der Schatzmeisterin oder dem Schatzmeister, dem Jugendwart und der Referentin oder dem Referenten für Ausbildung.",
        "§ 10 Amtszeit. Die Amtszeit des Präsidiums beträgt vier Jahre. Wiederwahl ist zulässig.",
        "§ 11 Stimmrecht. Jeder Mitgliedsverein hat je angefangene 50 Mitglieder eine Stimme, höchstens jedoch fünf Stimmen.",
        "§ 12 Satzungsänderungen. Satzungsänderungen bedürfen einer Mehrheit von zwei Dritteln der abgegebenen Stimmen.",
    ]
    p3 = [
        "§ 13 Kassenprüfung. Zwei Kassenprüferinnen oder Kassenprüfer werden für zwei Jahre gewählt und prüfen den Jahresabschluss.",
        "§ 14 Auflösung. Die Auflösung des Verbandes kann nur eine eigens einberufene Mitgliederversammlung mit einer Mehrheit von drei Vierteln beschließen.",
        "§ 15 Vermögen bei Auflösung. Bei Auflösung fällt das Vermögen an den Deutschen Olympischen Sportbund zur Förderung des Sports.",
        "§ 16 Inkrafttreten. Diese Satzung wurde von der Mitgliederversammlung am 22. März 2025 beschlossen und tritt mit der Eintragung in Kraft.",
    ]
    _text_pages("Satzung des Deutschen Kanupolo-Verbandes e.V.", [p1, p2, p3], path, columns=2)


def build_beitragsordnung(path: Path) -> None:
    doc = fitz.open()
    pg = doc.new_page(width=595, height=842)
    pg.insert_text((56, 60), "Beitragsordnung 2026", fontsize=16, fontname="hebo")
    pg.insert_textbox(
        fitz.Rect(56, 80, 539, 140),
        "Die Mitgliederversammlung hat am 22. März 2025 die folgende Beitragsordnung beschlossen. "
        "Sie gilt ab dem 1. Januar 2026.",
        fontsize=10.5,
        fontname="helv",
    )
    rows = [
        ("Beitragsgruppe", "Jahresbeitrag"),
        ("Verein bis 50 Mitglieder", "120 Euro"),
        ("Verein mit 51 bis 200 Mitgliedern", "240 Euro"),
        ("Verein mit mehr als 200 Mitgliedern", "480 Euro"),
        ("Einzelmitglied", "48 Euro"),
        ("Fördermitglied", "30 Euro"),
    ]
    x0, x1, x2, y = 56, 340, 539, 160
    for i, (a, b) in enumerate(rows):
        pg.draw_rect(fitz.Rect(x0, y, x1, y + 24), color=(0, 0, 0), width=0.8)
        pg.draw_rect(fitz.Rect(x1, y, x2, y + 24), color=(0, 0, 0), width=0.8)
        font = "hebo" if i == 0 else "helv"
        pg.insert_text((x0 + 6, y + 16), a, fontsize=10.5, fontname=font)
        pg.insert_text((x1 + 6, y + 16), b, fontsize=10.5, fontname=font)
        y += 24
    pg.insert_text((280, 820), "Seite 1", fontsize=8, fontname="helv")
    pg2 = doc.new_page(width=595, height=842)
    pg2.insert_text((56, 60), "Zahlungsbedingungen", fontsize=14, fontname="hebo")
    pg2.insert_textbox(
        fitz.Rect(56, 80, 539, 400),
        "Der Jahresbeitrag ist bis zum 31. März des laufenden Jahres auf das Konto des Verbandes zu "
        "überweisen. Bei Zahlungsverzug wird eine Mahngebühr von 10 Euro erhoben. Neu aufgenommene "
        "Vereine zahlen im ersten Jahr den halben Beitrag. Eine Ermäßigung für Schulen und Hochschulen "
        "kann beim Präsidium beantragt werden.",
        fontsize=10.5,
        fontname="helv",
    )
    pg2.insert_text((280, 820), "Seite 2", fontsize=8, fontname="helv")
    doc.set_metadata({"title": "Beitragsordnung 2026", "author": NAME})
    doc.save(path, garbage=3, deflate=True, no_new_id=True)


def build_jugendordnung(path: Path) -> None:
    p1 = [
        "§ 1 Geltungsbereich. Die Jugendordnung gilt für alle Jugendlichen im Verband bis zur Vollendung des 18. Lebensjahres.",
        "§ 2 Jugendausschuss. Der Jugendausschuss wird von der Jugendversammlung für zwei Jahre gewählt. Ihm gehören der Jugendwart, zwei Jugendsprecherinnen oder Jugendsprecher und ein Übungsleitervertreter an.",
        "§ 3 Übungsleiterinnen und Übungsleiter. Übungsleiterinnen und Übungsleiter müssen ein erweitertes Führungszeugnis vorlegen, das nicht älter als drei Monate ist.",
    ]
    p2 = [
        "§ 4 Gruppengröße. Die Größe einer Trainingsgruppe auf dem Wasser beträgt höchstens zwölf Jugendliche je Übungsleiterin oder Übungsleiter.",
        "§ 5 Schwimmfähigkeit. Jugendliche müssen vor der ersten Teilnahme das Deutsche Schwimmabzeichen in Bronze nachweisen. Das Tragen einer Schwimmweste ist für Unter-Zwölfjährige Pflicht.",
        "§ 6 Zuschüsse. Für Fahrten zu Jugendmeisterschaften zahlt der Verband einen Zuschuss von 15 Euro je Jugendlichem und Tag.",
        "§ 7 Inkrafttreten. Die Jugendordnung tritt am 1. Januar 2026 in Kraft. Änderungen beschließt die Jugendversammlung mit einfacher Mehrheit.",
    ]
    _text_pages("Jugendordnung – Übungsleiter, Größe der Gruppen, Zuschüsse", [p1, p2], path)


def build_scan(path: Path) -> None:
    """An image-only 'scan': text rendered to pixels, slightly rotated and noisy; no text layer."""
    lines = [
        "Protokoll der Mitgliederversammlung",
        "vom 22. März 2025 in Göttingen",
        "",
        "Anwesend waren 143 Delegierte aus 12 Landesverbänden.",
        "TOP 1: Die Versammlung wählt Dr. Hanna Vogt zur Präsidentin.",
        "TOP 2: Die neue Satzung wird mit großer Mehrheit beschlossen.",
        "TOP 3: Die Beitragsordnung 2026 wird einstimmig angenommen.",
        "TOP 4: Der Haushalt 2025 umfasst Ausgaben von 418.000 Euro.",
        "TOP 5: Die nächste Mitgliederversammlung findet",
        "am 21. März 2026 in Würzburg statt.",
        "",
        "Für die Richtigkeit: Petra Lindner, Schriftführerin",
    ]
    src = fitz.open()
    pg = src.new_page(width=595, height=842)
    y = 90
    for line in lines:
        pg.insert_text((60, y), line, fontsize=15 if y == 90 else 13, fontname="helv")
        y += 30
    pix = pg.get_pixmap(dpi=200)
    img = Image.open(io.BytesIO(pix.tobytes("png"))).convert("L")
    img = img.rotate(0.6, expand=False, fillcolor=255, resample=Image.BICUBIC)
    rng = random.Random(7)
    px = img.load()
    for _ in range(img.width * img.height // 400):
        x, yy = rng.randrange(img.width), rng.randrange(img.height)
        px[x, yy] = rng.choice((0, 90, 160))
    img = img.filter(ImageFilter.GaussianBlur(0.4))
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    out = fitz.open()
    page = out.new_page(width=595, height=842)
    page.insert_image(page.rect, stream=buf.getvalue())
    out.set_metadata({"title": "Protokoll MV 2025 (Scan)", "author": NAME})
    out.save(path, garbage=3, deflate=True, no_new_id=True)


def build_pdfs() -> None:
    docs = ROOT / "dokumente"
    docs.mkdir(exist_ok=True)
    build_satzung(docs / "satzung.pdf")
    build_beitragsordnung(docs / "beitragsordnung-2026.pdf")
    build_jugendordnung(docs / "jugendordnung.pdf")
    build_scan(docs / "protokoll-mv-2025.pdf")


if __name__ == "__main__":
    build_pdfs()
    print(f"4 PDFs in {ROOT / 'dokumente'}")
