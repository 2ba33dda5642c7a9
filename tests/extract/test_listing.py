"""Listing pages as real sites build them (auskunft.extract.listing): card layouts whose headings sit inside
the link, contact links in section headings, a post's title linking to the post itself. The markup below is
the structure of pages of the real-site corpus (pep-dortmund's Jekyll theme: /archive/pageN/,
/ueber_uns/gremien.html, /jobboerse/<date>/<post>.html), reduced to what decides the flag."""

from __future__ import annotations

from auskunft.extract.html import html_content

ORIGIN = "https://verein.example"


def page(main: str, *, pager: str = "") -> bytes:
    return (
        "<html lang='de'><head><title>Verein</title></head><body><nav><a href='/'>Start</a></nav>"
        f"<main>{main}</main>{pager}<footer>Impressum</footer></body></html>"
    ).encode()


def card(href: str, title: str, text: str) -> str:
    return (
        f"<div class='card'><div class='card-body'><a href='{href}'><h2 class='card-title'>{title}</h2></a>"
        f"<p>{text}</p></div></div>"
    )


POSTS = [
    ("/jobboerse/2020/04/30/allianz.html", "Karriereangebote bei der Allianz", "Stellen in München."),
    ("/jobboerse/2020/04/03/bfv.html", "Stellenangebote beim Bundesamt", "Passende Stellen für Physiker."),
    ("/veranstaltungen/2020/03/16/physikon.html", "PhysiKon 2020 fällt aus", "Die Messe entfällt."),
    ("/veranstaltungen/2020/02/22/together.html", "PeP Together", "Gemeinsames Essen am 28.02."),
]


def test_an_archive_page_of_cards_with_linked_headings_is_a_listing() -> None:
    body = page(
        "".join(card(h, t, x) for h, t, x in POSTS),
        pager="<a href='/archive/page28/'>Neuere</a> <a href='/archive/page30/'>Ältere</a>",
    )
    assert html_content(body, f"{ORIGIN}/archive/page29/").is_listing


def test_a_post_whose_title_links_to_itself_is_no_listing() -> None:
    href, title, _ = POSTS[1]
    text = "Das Bundesamt sucht Physikerinnen und Physiker für die Auswertung technischer Daten. " * 2
    body = page(card(href, title, text), pager="<a href='/jobboerse/2020/04/30/allianz.html'>Nächster</a>")
    assert not html_content(body, ORIGIN + href).is_listing
    # the same card linking to another page is a teaser: a tag page with one entry is a listing
    assert html_content(body, f"{ORIGIN}/tag/stellen/").is_listing


def test_contact_links_in_headings_do_not_make_a_board_page_a_listing() -> None:
    sections = "".join(
        f"<div class='card'><div class='card-body'><h3 class='card-title'>{role} "
        f"<a href='mailto:{role.lower()}@verein.example'><span class='fa fa-envelope'></span></a></h3>"
        f"<div class='name'>{name}</div></div></div>"
        for role, name in (
            ("Vorstand", "Christian Arauner"),
            ("Sommerakademie", "Joschija Oelkrug"),
            ("Workshops", "Anna Mendel"),
            ("Lehramt", "Ngoc Le"),
        )
    )
    chronicle = (
        "<ul>" + "".join(f"<li>{y}: Erster Vorsitzender: Name {y}</li>" for y in range(2005, 2025)) + "</ul>"
    )
    body = page(sections + f"<div class='card'><h3>Chronik der Vorstände</h3>{chronicle}</div>")
    assert not html_content(body, f"{ORIGIN}/ueber_uns/gremien.html").is_listing
    # the same cards whose headings link to pages of their own are teasers
    linked = sections.replace("mailto:", "/team/").replace("@verein.example", ".html")
    assert html_content(page(linked), f"{ORIGIN}/ueber_uns/gremien.html").is_listing


def docusaurus_post(href: str, title: str, body: str) -> str:
    return (
        "<article itemprop='blogPost'><header><h2 class='blogPostTitle' itemprop='headline'>"
        f"<a itemprop='url' href='{href}'>{title}</a></h2><div><time datetime='2022-01-28'>January 28, 2022</time>"
        f"</div></header><div class='markdown'><p>{body}</p></div></article>"
    )


LONG = (
    "Genau 3 Tage nach der ersten Trainingseinheit konnten wir bereits unsere Kontakte spielen lassen. " * 8
)


def test_a_tag_page_of_whole_posts_is_a_listing_and_keeps_their_titles() -> None:
    """dckirrberg (Docusaurus): /blog/tags/<tag>/ shows one or two whole posts, each titled with a link to the
    post's own page inside the article's <header>."""
    tag = page(
        "<header><h1>One post tagged with &quot;Trainingsstätte&quot;</h1></header>"
        + docusaurus_post("/blog/newboards", "Wir starten durch!", LONG)
    )
    content = html_content(tag, f"{ORIGIN}/blog/tags/trainingsstatte/")
    assert content.is_listing
    # an article's <header> is its title and date, not the site's banner: kept in the text
    assert "Wir starten durch!" in content.markdown and "January 28, 2022" in content.markdown
    post = page(docusaurus_post("/blog/newboards", "Wir starten durch!", LONG))
    assert not html_content(post, f"{ORIGIN}/blog/newboards").is_listing  # the post itself
    # the site's own banner outside the content still goes
    banner = page(docusaurus_post("/blog/newboards", "Wir starten durch!", LONG)).replace(
        b"<body>", b"<body><header><a href='/'>DC Kirrberg</a> Startseite Verein</header>"
    )
    assert "Startseite Verein" not in html_content(banner, f"{ORIGIN}/blog/newboards").markdown


def test_an_address_no_parser_reads_does_not_fail_the_page() -> None:
    """A hostile or broken page may link "http://[x/" (an unclosed IPv6 bracket: urljoin raises). The page is
    extracted with its other links resolved, the listing check reads that link as no page, and the link texts
    collected for titles skip it."""
    from auskunft.extract.links import link_texts_in

    bad = "<a href='http://[broken/'><h2 class='card-title'>Kaputt</h2></a>"
    body = page(bad + card(*POSTS[0]) + card(*POSTS[1]) + "<p><a href='/satzung.pdf'>Satzung (PDF)</a></p>")
    content = html_content(body, f"{ORIGIN}/archiv/")
    assert "Kaputt" in content.markdown and f"{ORIGIN}/satzung.pdf" in content.markdown
    texts = dict(link_texts_in(body, f"{ORIGIN}/archiv/"))
    assert texts[f"{ORIGIN}/satzung.pdf"] == "Satzung (PDF)"
    assert not any("[broken" in url for url in texts)


def box(href: str, title: str, text: str) -> str:
    """A news teaser as tsv-zorneding's Gatsby theme builds it: a class no teaser rule names ("box"), the title
    a link in a paragraph (no heading), the excerpt and a "Mehr →" link to the post."""
    return (
        f"<div class='box'><a class='image' href='{href}'><div class='img'></div></a>"
        f"<p class='post-meta'><a class='title' href='{href}'>{title}</a><span> • </span><span>14. Dezember 2021"
        f"</span></p><p>{text}<br/><br/><a class='button' href='{href}'>Mehr →</a></p></div>"
    )


def test_a_grid_of_repeated_blocks_that_each_link_to_a_post_is_a_listing() -> None:
    """Teasers known by structure, not by class name: sibling blocks of one element and class, each ending in a
    "mehr" link to another page (the news index ranked above the post it teases)."""
    boxes = "".join(box(h, t, x * 3) for h, t, x in POSTS)
    body = page(f"<h1>Aktuelle Neuigkeiten</h1><div class='columns'>{boxes}</div>")
    assert html_content(body, f"{ORIGIN}/blog/").is_listing
    # the same blocks without a link away are a page's own sections (a contact page's people), no listing
    own = boxes.replace("Mehr →", "").replace("href='/", "href='#")
    assert not html_content(
        page(f"<h1>Kontakt</h1><div class='columns'>{own}</div>"), f"{ORIGIN}/kontakt/"
    ).is_listing
    # two such blocks are no grid
    two = "".join(box(h, t, x * 12) for h, t, x in POSTS[:2])
    assert not html_content(
        page(f"<h1>Neu</h1><div class='columns'>{two}</div>"), f"{ORIGIN}/neu/"
    ).is_listing


def related(href: str, title: str, text: str) -> str:
    """A related post under a post of tsv-zorneding's Gatsby theme: an <article> with an image link, the title,
    the excerpt and a "Mehr →" button to the post."""
    return (
        f"<article><a class='image object' href='{href}'></a><h3>{title}</h3><p>{text}</p>"
        f"<ul class='actions'><li><a class='button' href='{href}'>Mehr →</a></li></ul></article>"
    )


RELATED = [
    (
        "/blog/2020-06-05-sonderregelung-altpapiersammlung-aufgehoben/",
        "Sonderregelung für die Altpapiersammlung aufgehoben",
        "Ab dem 06.06.2020 wird das Altpapier wieder wie gewohnt vom Straßenrand eingesammelt.",
    ),
    (
        "/blog/2020-03-26-sonderregelung-altpapiersammlung-zorneding/",
        "Sonderregelung Altpapiersammlung Zorneding",
        "Die Zornedinger Bürger sind es gewohnt, am ersten Samstag im Monat ihr Altpapier an die Straße zu "
        "stellen, damit es vom TSV Zorneding eingesammelt werden kann. Angesichts der derzeitigen Risikolage ist "
        "jedoch das gewohnte und für unsere Bürger bequeme Einsammeln am Straßenrand…",
    ),
    (
        "/blog/2020-03-13-coronavirus-sportplaetze-und-hallen-gesperrt/",
        "Coronavirus - Sportplätze und Hallen werden gesperrt",
        "Die Verbreitung des Coronavirus erfolgt unverändert und dynamisch. Das Landratsamt beabsichtigt, "
        "landkreisweit alle Hallen und Sportplätze zu sperren. Der Vorstand des TSV Zorneding hat sich "
        "abgestimmt und wird den Sportbetrieb spätestens ab Montag, dem 1…",
    ),
]


def post(title: str, body: str, teasers: list[tuple[str, str, str]]) -> bytes:
    """A post of tsv-zorneding (Gatsby): its title and text, the byline, then "Mehr zum Thema" with teasers of
    related posts and the tag list."""
    return page(
        f"<section><header class='main'><h1>{title}</h1></header><div>{body}</div>"
        "<i>Veröffentlicht am 19. März 2020 von Bohdan Kalwarowskyj</i><hr/><h2>Mehr zum Thema</h2>"
        f"<div class='posts'>{''.join(related(*t) for t in teasers)}</div><hr/><h4>Schlagwörter:</h4>"
        "<ul class='taglist'><li><a href='/tag/coronavirus-covid-19/'>Coronavirus (COVID-19)</a></li></ul>"
        "</section>"
    )


def test_a_post_with_related_post_teasers_under_its_text_is_no_listing() -> None:
    """tsv-zorneding's posts show three related posts under their own text: the post's passages are no
    listing's, whether its text outweighs the teasers or is one sentence above their heading."""
    festakt = (
        "<p>Der Vorstand hat in seiner Sitzung am 18.03.2020 beschlossen, dass angesichts der dramatischen "
        "Entwicklung des Coronavirus das Abhalten des Festaktes in der Dreifeldsporthalle mit 1.000 Mitgliedern "
        "nicht zu verantworten ist. Deshalb wird der für 24.04.2020 geplante <strong>Festakt ersatzlos "
        "abgesagt</strong>.</p><p>Ob die <strong>Festwoche vom 18.-21.06.2020</strong> noch abgehalten werden "
        "kann, muss mit einem Fragezeichen versehen werden. Wir wollen hier noch die Entwicklung abwarten und "
        "werden im Vorstand am 15.04.2020 darüber beraten.</p><p>Wer sich bereits Tickets für Django Asül und "
        "Tische für den Wies`n Abend reserviert hat, erhält dann die Möglichkeit, die Reservierungen für 2021 "
        "bestehen zu lassen oder erhält sein Geld wieder zurück.</p>"
    )
    url = f"{ORIGIN}/blog/2020-03-19-festakt-ersatzlos-abgesagt/"
    content = html_content(post("Festakt 24.04.2020 ersatzlos abgesagt", festakt, RELATED), url)
    assert not content.is_listing and "Festakt ersatzlos abgesagt" in content.markdown
    # a one-sentence post, its three teasers five times its length: its own text stands above their heading
    href, title, sentence = RELATED[0]
    short = post(
        title, f"<p>{sentence}</p>", [*RELATED[1:], (url, "Festakt 24.04.2020 ersatzlos abgesagt", "…")]
    )
    assert not html_content(short, ORIGIN + href).is_listing


def test_the_blog_index_stays_a_listing_with_or_without_an_intro() -> None:
    """The news index (teasers under the page's title, a pager) and a tag page whose intro sentence sits under
    its title are listings; so are an archive whose year headings come between its teasers and an overview
    whose intro stands above a heading of many teasers."""
    boxes = "".join(box(h, t, x) for h, t, x in RELATED)
    pager = "<ul class='pagination'><li><a class='page' href='/blog/2'>2</a></li></ul>"
    index = page(
        f"<section><header class='main'><h1>Aktuelle Neuigkeiten</h1></header>"
        f"<div class='columns is-multiline'>{boxes}</div>{pager}</section>"
    )
    assert html_content(index, f"{ORIGIN}/blog/").is_listing
    intro = "<p>Hier findet ihr alle Beiträge zum Thema Coronavirus, die neuesten zuerst, mit allen Regelungen.</p>"
    tag = page(
        f"<h1>Coronavirus (COVID-19)</h1>{intro}<div class='posts'>"
        f"{''.join(related(*t) for t in RELATED)}</div>"
    )
    assert html_content(tag, f"{ORIGIN}/tag/coronavirus-covid-19/").is_listing
    years = "".join(
        f"<h2>{y}</h2><div class='posts'>{related(*t)}</div>" for y, t in zip((2021, 2020, 2019), RELATED)
    )
    assert html_content(page(f"<h1>Archiv</h1>{intro}{years}"), f"{ORIGIN}/archiv/").is_listing
    # an intro above a heading that opens more teasers than a post's few related ones
    many = "".join(related(f"{h}{n}/", t, x) for n in range(3) for h, t, x in RELATED)
    overview = page(f"<h1>Aktuelles</h1>{intro}<h2>Alle Beiträge</h2><div class='posts'>{many}</div>")
    assert html_content(overview, f"{ORIGIN}/aktuelles/").is_listing


def test_a_card_inside_a_card_counts_once() -> None:
    """pep-dortmund's Going-Abroad page: a carousel of two quotes (item > card > card-body > card-text, each
    ending in "Mehr..." to the report) above the page's own text counted as eight teasers and made the page a
    listing; the outermost block is the teaser, the blocks inside it are no teasers of their own."""
    quotes = "".join(
        f"<div class='carousel-item'><div class='card mx-auto'><div class='card-body'><p class='card-text'>"
        f"„{q}” <a href='/stipendien/erfahrungsberichte-purdue.html#{n}'>Mehr...</a></p></div></div></div>"
        for n, q in (
            (
                "2019",
                "Wir hatten eine wirklich schöne Zeit an der Purdue University, in der wir viel gelernt haben.",
            ),
            ("2018", "Schon bei der Ankunft beeindruckte die Purdue University mit ihrem gepflegten Campus."),
        )
    )
    text = (
        "<h3>Going Abroad | Purdue University</h3><p>Going Abroad war ein Auslandsprogramm von PeP et al. e.V. und "
        "Prof. Dr. Andreas Jung, das es Studierenden ermöglicht hat ihre Bachelorarbeit an der Purdue University "
        "zu erstellen. Die Stipendiat*innen waren Teil der Forschungsgruppe von Prof. Jung und haben sich mit "
        "aktuellen Forschungsthemen im Bereich der Hochenergiephysik beschäftigt. Schwerpunkte lagen hierbei "
        "entweder in der Datenanalyse oder in der Hardware-Entwicklung. Neben den Forschungstätigkeiten in einem "
        "internationalen Team konnten die Stipendiaten das Leben an einer amerikanischen Universität kennenlernen."
        "</p><p>Informationen zu den Austauschen findet ihr in den Erfahrungsberichten.</p>"
    )
    body = page(f"<div class='carousel slide'><div class='carousel-inner'>{quotes}</div></div>{text}")
    assert not html_content(body, f"{ORIGIN}/stipendien/goingabroad.html").is_listing
