"""Texts the messy site publishes more than once (HTML page, PDF copy, newsletter)."""

SOMMERFEST = {
    "title": "Sommerfest auf dem Lindenplatz am 23. August 2025",
    "paragraphs": [
        "Der Bürgerverein Lindenhof lädt alle Nachbarinnen und Nachbarn zum Sommerfest am Samstag, "
        "23. August 2025, von 14 bis 20 Uhr auf den Lindenplatz ein.",
        "Auf dem Programm stehen ein Kinderflohmarkt, Musik der Blaskapelle Lahntal und ein Kuchenbuffet. "
        "Um 16 Uhr zeigt die Heimatstube historische Fotos des Stadtteils.",
        "Der Erlös des Festes geht an den neuen Spielplatz an der Mühlwiese. Standplätze für den "
        "Kinderflohmarkt sind kostenlos und werden nicht reserviert.",
    ],
}
