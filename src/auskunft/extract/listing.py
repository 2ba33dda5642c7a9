"""Listing pages: archive indexes, news overviews, tag and category pages, download lists.

They repeat the teasers or titles of many pages and, ranked like articles, push the article itself down.
A page is a listing when its main content is mostly teasers (at least MIN_TEASERS short blocks that each
link somewhere, holding most of the text; known by element, class name or as repeated sibling blocks), or
mostly a list of links, or when it is paginated ("Ältere Beiträge", rel="next", /page/2) and has teasers or
linked headings, or when every post on it is titled with a link to the post's own page (a tag page showing
whole posts). A link links somewhere when it points at
another page: not an e-mail address, a phone number, an anchor or the page itself.

A page with its own article above its teasers is no listing by its teasers: a post followed by a block of
related posts ("Mehr zum Thema"), known by its own text outweighing the teasers or standing above a heading
that opens one run of a few teasers. Its article's passages keep their score (the flag is the whole document's).
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urldefrag

from bs4 import BeautifulSoup, NavigableString, Tag

from auskunft.extract.links import join_url

MIN_TEASERS = 3
TEASER_MAX_CHARS = 400
TEASER_SHARE = 0.5  # of the main text inside teasers
MIN_LINK_ITEMS = 5
LINK_LIST_DENSITY = 0.35  # share of the main text that is link text
ONLY_TEASERS = 0.4  # teasers and headings make up this share: a listing even with one teaser
ARTICLE_MIN_WORDS = 10  # own words above a headed block of teasers: about a sentence makes them an article
RELATED_MAX = 4  # a post's block of related posts shows a few (three in most themes); an index more
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")

TEASER_CLASS = re.compile(
    r"(^|[-_ ])(teaser|post|entry|card|news-?item|item|excerpt|summary|result|article)s?([-_ ]|$)", re.I
)
PAGINATION_CLASS = re.compile(r"pagination|pager|page-numbers|paging|load-?more|mehr-?laden", re.I)
PAGINATION_TEXT = re.compile(
    r"^\W*(?:ältere|neuere|weitere|nächste|vorherige|frühere)\s+(?:beiträge|artikel|meldungen|einträge|seite|news)"
    r"|^\W*(?:older|newer|next|previous)\s+(?:posts|entries|page|articles)|^\W*(?:mehr laden|load more)\W*$",
    re.I,
)
READ_MORE = re.compile(r"^\W*(?:weiterlesen|mehr|mehr lesen|zum artikel|read more|more|details)\W*$", re.I)
PAGINATION_HREF = re.compile(
    r"/page/\d+/?$|[?&](?:page|seite|p|pg|start|offset)=\d+|[/-](?:seite|page)-?\d+(?:\.html?)?/?$", re.I
)


def _text_len(el: Tag) -> int:
    return len(" ".join(el.get_text(" ").split()))


def _attr(el: Tag, name: str) -> str:
    value = el.get(name)
    if value is None:
        return ""
    return value if isinstance(value, str) else " ".join(value)


def pagination_signal(soup: BeautifulSoup | Tag) -> bool:
    """Whether the page links to further pages of itself (before navigation is removed)."""
    for el in soup.find_all(["a", "link"]):
        rel = _attr(el, "rel").lower()
        if "next" in rel.split() or "prev" in rel.split():
            return True
        if el.name == "a" and (
            PAGINATION_TEXT.search(" ".join(el.get_text(" ").split()))
            or PAGINATION_HREF.search(_attr(el, "href"))
        ):
            return True
    return any(
        PAGINATION_CLASS.search(f"{_attr(el, 'class')} {_attr(el, 'id')}") for el in soup.find_all(True)
    )


NOT_A_PAGE = re.compile(r"^\s*(?:mailto:|tel:|javascript:|#|$)", re.I)


def _away(href: str, url: str) -> bool:
    """A link to another page: an e-mail address, a phone number, an anchor, the page itself or an address no
    parser reads is none."""
    if NOT_A_PAGE.match(href):
        return False
    if not url:
        return True
    there = join_url(url, href)
    return there is not None and urldefrag(there)[0].rstrip("/") != urldefrag(url)[0].rstrip("/")


def _page_links(el: Tag, url: str) -> list[Tag]:
    return [a for a in el.find_all("a", href=True) if _away(_attr(a, "href"), url)]


def _linked_heading(h: Tag, url: str) -> bool:
    """A heading that links to another page: a link inside it, or the heading inside a link
    (`<a href="/post.html"><h2>…</h2></a>`, common in card layouts)."""
    if _page_links(h, url):
        return True
    parent = h.parent
    return isinstance(parent, Tag) and parent.name == "a" and _away(_attr(parent, "href"), url)


def _links_away(el: Tag, url: str) -> bool:
    """A teaser's heading links to another page, or it ends in a "Weiterlesen"-style link."""
    if any(_linked_heading(h, url) for h in el.find_all(["h1", "h2", "h3", "h4", "h5"])):
        return True
    last = _page_links(el, url)
    return bool(last) and bool(READ_MORE.search(" ".join(last[-1].get_text(" ").split())))


_BLOCKS = ("div", "li", "section")  # elements a grid of cards is made of


def _signature(el: Tag) -> tuple[int, str, str] | None:
    """(parent, element, class) of a block that can be one card of a grid; None for other elements."""
    parent = el.parent
    if not isinstance(parent, Tag) or el.name not in _BLOCKS or not _attr(el, "class"):
        return None
    return id(parent), el.name, _attr(el, "class")


def _teasers(main: Tag, url: str) -> list[Tag]:
    """Short blocks that link away: <article>s, teaser-like classes or repeated sibling blocks (at least
    MIN_TEASERS siblings of one element and class: a grid of cards whatever the theme calls them, `<div
    class="box">` in Gatsby/Bulma), with a linked heading or a "mehr" link."""
    elements = main.find_all(True)
    siblings = Counter(_signature(el) for el in elements)  # counted in one pass, not once per card
    out: list[Tag] = []
    # document order: a card comes before its inner blocks, which are no cards of their own
    found: set[int] = set()
    for el in elements:
        if el.name in ("a", "main", "body") or any(id(p) in found for p in el.parents):
            continue
        sig = _signature(el)
        teaserish = (
            el.name == "article"
            or bool(TEASER_CLASS.search(_attr(el, "class")))
            or (sig is not None and siblings[sig] >= MIN_TEASERS)
        )
        if teaserish and _text_len(el) <= TEASER_MAX_CHARS and _links_away(el, url):
            out.append(el)
            found.add(id(el))
    return out


def _own_article(main: Tag, teasers: list[Tag], teaser_chars: int) -> bool:
    """The page's own text (outside teasers, headings and links) stands above its teasers as an article: it
    outweighs them, or at least a sentence of it stands above the heading that opens a few teasers and no other
    heading comes between them (a post's "Mehr zum Thema" block; an index's intro sits under its title, an
    archive's year headings come between its teasers, and an intro above "Alle Beiträge" heads many)."""
    first, last = teasers[0], teasers[-1]
    chars = words = above_heading = 0  # own text before the first teaser; its words above the last heading
    for node in main.descendants:
        if node is first:
            break
        if isinstance(node, Tag):
            if node.name in HEADINGS:
                above_heading = words
            continue
        if type(node) is not NavigableString:  # comments, CDATA, doctype: no text of the page
            continue
        if any(p.name in HEADINGS or p.name == "a" for p in node.parents):
            continue
        chars += len(" ".join(node.split()))
        words += len(node.split())
    if chars >= teaser_chars:
        return True
    if above_heading < ARTICLE_MIN_WORDS or len(teasers) > RELATED_MAX:
        return False
    inside = {id(t) for t in teasers}
    order = {id(el): i for i, el in enumerate(main.find_all(True))}
    between = (
        h
        for h in main.find_all(HEADINGS)
        if order[id(first)] < order[id(h)] < order[id(last)] and not any(id(p) in inside for p in h.parents)
    )
    return next(between, None) is None


def _posts_owned_elsewhere(main: Tag, url: str) -> bool:
    """Every post (<article>) on the page is titled with a link to another page: a blog's tag or archive page
    showing whole posts (Docusaurus, Hugo), however long or few they are."""
    posts = [a for a in main.find_all("article") if a.find_parent("article") is None]
    if not posts:
        return False
    for post in posts:
        title = post.find(["h1", "h2", "h3", "h4"])
        if not isinstance(title, Tag) or not _linked_heading(title, url):
            return False
    return True


def is_listing_page(main: Tag | BeautifulSoup, *, paginated: bool = False, url: str = "") -> bool:
    """`url`: the page's own address (a link to the page itself, e.g. a post's linked title, links nowhere)."""
    total = _text_len(main)
    if not total:
        return False
    links = main.find_all("a", href=True)
    link_chars = sum(_text_len(a) for a in links)
    teasers = _teasers(main, url)
    teaser_chars = sum(_text_len(t) for t in teasers)
    heading_chars = sum(
        _text_len(h) for h in main.find_all(["h1", "h2"]) if not any(h in t.descendants for t in teasers)
    )
    linked_headings = sum(1 for h in main.find_all(["h1", "h2", "h3", "h4"]) if _linked_heading(h, url))
    link_items = sum(
        1
        for li in main.find_all("li")
        if (n := _text_len(li)) and sum(_text_len(a) for a in li.find_all("a")) >= 0.5 * n
    )
    # one or two teasers and headings make most of a tag page; three or more, most of an index
    few = bool(teasers) and teaser_chars + heading_chars >= ONLY_TEASERS * total
    by_teasers = few or (len(teasers) >= MIN_TEASERS and teaser_chars >= TEASER_SHARE * total)
    if by_teasers and not _own_article(main, teasers, teaser_chars):
        return True
    if link_items >= MIN_LINK_ITEMS and link_chars >= LINK_LIST_DENSITY * total:
        return True
    if paginated and (len(teasers) >= 2 or linked_headings >= 2):
        return True
    if _posts_owned_elsewhere(main, url):
        return True
    return linked_headings >= 4 and link_chars >= 0.25 * total
