"""Chunking: token bounds, overlap, heading paths, pages never crossed, tables whole, deterministic ids."""

from __future__ import annotations

import pytest

from auskunft.index.chunking import chunk_document, count_tokens, embedding_text
from tests.index.corpus import make_doc

SENTENCES = " ".join(f"Satz {i} beschreibt die Regeln für Übungsleiter im Verein." for i in range(40))
TABLE = "| Kurs | Tag | Preis |\n|---|---|---|\n" + "\n".join(
    f"| Kurs {i} | Montag | {i} Euro |" for i in range(60)
)
HANDBOOK = (
    f"# Handbuch\n\nEinleitung.\n\n## Lizenzen\n\n{SENTENCES}\n\n### Verlängerung\n\n{SENTENCES}\n\n"
    f"## Preise\n\nDie Preise im Überblick:\n\n| Kurs | Preis |\n|---|---|\n| A | 5 Euro |\n| B | 7 Euro |\n\n"
    f"## Alle Kurse\n\n{TABLE}\n"
)


@pytest.mark.parametrize(("max_tokens", "overlap"), [(60, 10), (120, 25), (350, 50)])
def test_every_chunk_within_max_tokens(max_tokens: int, overlap: int) -> None:
    doc = make_doc("https://x.example/handbuch", [HANDBOOK])
    chunks = chunk_document(doc, max_tokens=max_tokens, min_tokens=10, overlap_tokens=overlap)
    assert len(chunks) > 2
    assert all(count_tokens(c.text) <= max_tokens for c in chunks)
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    # nothing is lost: every sentence and every table row shows up in some chunk
    joined = "\n".join(c.text for c in chunks)
    for i in range(40):
        assert f"Satz {i} beschreibt" in joined
    for i in range(60):
        assert f"| Kurs {i} | Montag |" in joined


def test_long_section_chunks_overlap() -> None:
    doc = make_doc("https://x.example/a", [f"# Regeln\n\n{SENTENCES}"])
    chunks = chunk_document(doc, max_tokens=80, min_tokens=10, overlap_tokens=25)
    assert len(chunks) >= 3
    for prev, nxt in zip(chunks, chunks[1:], strict=False):
        first_sentence = nxt.text.split(". ")[0] + "."
        assert first_sentence in prev.text  # the next chunk starts with the tail of the previous one
        assert count_tokens(first_sentence) <= 25


def test_heading_path_follows_markdown_levels() -> None:
    doc = make_doc("https://x.example/h", [HANDBOOK], title="Handbuch")
    chunks = chunk_document(doc, max_tokens=120, min_tokens=10, overlap_tokens=20)
    paths = {tuple(c.heading_path) for c in chunks}
    assert ("Handbuch", "Lizenzen") in paths
    assert ("Handbuch", "Lizenzen", "Verlängerung") in paths
    assert ("Handbuch", "Preise") in paths
    assert ("Handbuch", "Alle Kurse") in paths  # h2 after h3 pops the h3
    for c in chunks:
        if "Verlängerung" in c.text.split("\n")[0]:
            assert c.heading_path[-1] == "Verlängerung"
    # no chunk ends with a dangling heading
    assert not any(c.text.rstrip().split("\n")[-1].startswith("#") for c in chunks)


def test_small_table_kept_whole_and_long_table_repeats_header() -> None:
    doc = make_doc("https://x.example/t", [HANDBOOK])
    chunks = chunk_document(doc, max_tokens=120, min_tokens=10, overlap_tokens=20)
    small = [c for c in chunks if "| A | 5 Euro |" in c.text]
    assert len(small) == 1 and "| B | 7 Euro |" in small[0].text
    table_parts = [c for c in chunks if "| Kurs 1" in c.text or "| Kurs 5" in c.text]
    assert len({c.chunk_id for c in chunks if "Montag" in c.text}) > 1
    for c in chunks:
        if "| Montag |" in c.text and not c.text.lstrip().startswith("## "):
            assert c.text.lstrip().startswith("| Kurs | Tag | Preis |\n|---|---|---|")
    assert table_parts


def test_pdf_chunks_never_cross_pages_and_carry_heading() -> None:
    pages = [
        "# Satzung\n\n## Mitgliedschaft\n\n" + SENTENCES,
        "Fortsetzung der Mitgliedschaft auf Seite zwei. " * 3,
        "## Beiträge\n\nDer Beitrag beträgt 60 Euro.",
    ]
    doc = make_doc("https://x.example/satzung.pdf", pages, title="Satzung", kind="pdf")
    chunks = chunk_document(doc, max_tokens=100, min_tokens=40, overlap_tokens=20)
    assert {c.page for c in chunks} == {1, 2, 3}
    for c in chunks:
        assert c.page is not None
        source_page = pages[c.page - 1]
        for para in c.text.split("\n\n"):
            assert para.strip()[:30] in source_page  # every part of a chunk comes from its own page
    page2 = [c for c in chunks if c.page == 2]
    assert page2[0].heading_path == ["Satzung", "Mitgliedschaft"]  # the section continues on page 2
    assert [c for c in chunks if c.page == 3][0].heading_path == ["Satzung", "Beiträge"]
    assert all(c.cite_url.endswith(f"#page={c.page}") for c in chunks)


def test_html_chunks_have_no_page() -> None:
    chunks = chunk_document(
        make_doc("https://x.example/p", [HANDBOOK]), max_tokens=200, min_tokens=10, overlap_tokens=20
    )
    assert chunks and all(c.page is None and c.cite_url == c.url for c in chunks)


def test_ids_deterministic_and_content_sensitive() -> None:
    doc = make_doc("https://x.example/d", [HANDBOOK])
    a = chunk_document(doc, max_tokens=120, min_tokens=10, overlap_tokens=20)
    b = chunk_document(doc.model_copy(deep=True), max_tokens=120, min_tokens=10, overlap_tokens=20)
    assert [c.chunk_id for c in a] == [c.chunk_id for c in b]
    assert len({c.chunk_id for c in a}) == len(a)
    changed = make_doc("https://x.example/d", [HANDBOOK.replace("Einleitung.", "Neue Einleitung.")])
    c = chunk_document(changed, max_tokens=120, min_tokens=10, overlap_tokens=20)
    assert c[0].chunk_id != a[0].chunk_id
    other_url = chunk_document(
        make_doc("https://x.example/e", [HANDBOOK]), max_tokens=120, min_tokens=10, overlap_tokens=20
    )
    assert not {x.chunk_id for x in other_url} & {x.chunk_id for x in a}


def test_small_last_piece_joins_predecessor() -> None:
    text = "# T\n\n" + " ".join(f"Wort{i}." for i in range(45)) + "\n\nKurzer Rest."
    chunks = chunk_document(
        make_doc("https://x.example/r", [text]), max_tokens=120, min_tokens=20, overlap_tokens=10
    )
    assert len(chunks) == 1 and chunks[0].text.endswith("Kurzer Rest.")


def test_empty_and_punctuation_only_pages_give_no_chunks() -> None:
    doc = make_doc("https://x.example/empty.pdf", ["", "---\n\n***", "   "], kind="pdf")
    assert chunk_document(doc, max_tokens=100, min_tokens=10, overlap_tokens=10) == []


def test_embedding_text_prefixes_title_and_path() -> None:
    doc = make_doc("https://x.example/h", [HANDBOOK], title="Handbuch 2026")
    chunk = next(
        c
        for c in chunk_document(doc, max_tokens=120, min_tokens=10, overlap_tokens=20)
        if c.heading_path[-1:] == ["Verlängerung"]
    )
    text = embedding_text(chunk)
    assert text.startswith("Handbuch 2026 › Handbuch › Lizenzen › Verlängerung\n")
    assert text.endswith(chunk.text)
    assert embedding_text(chunk, with_context=False) == chunk.text


def test_giant_sentence_without_punctuation_is_cut() -> None:
    words = " ".join(f"wort{i}" for i in range(500))
    chunks = chunk_document(
        make_doc("https://x.example/g", [words]), max_tokens=100, min_tokens=10, overlap_tokens=0
    )
    assert len(chunks) == 5 and all(count_tokens(c.text) <= 100 for c in chunks)
    assert " ".join(c.text for c in chunks) == words
