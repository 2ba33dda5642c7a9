"""Hostile documents for the crawl/extract bomb tests (shared with bench/: auskunft.testing.crawl_bombs)."""

from auskunft.testing.crawl_bombs import (
    content_array_pdf,
    crawl_in_child,
    dom_bomb_html,
    nested_divs,
    pdf,
    sitemap_index,
    sitemap_xml,
    vector_lines_pdf,
)

__all__ = [
    "content_array_pdf",
    "crawl_in_child",
    "dom_bomb_html",
    "nested_divs",
    "pdf",
    "sitemap_index",
    "sitemap_xml",
    "vector_lines_pdf",
]
