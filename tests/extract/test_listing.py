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
