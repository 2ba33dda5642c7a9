"""Document series (auskunft.retrieval.series) and the vote that lowers an older edition
(auskunft.retrieval.votes), on addresses as the real-site corpus has them (pep-dortmund, agenda21-garching,
dtfb)."""

from __future__ import annotations

from pathlib import Path

from auskunft.chat.extractive.semantic import candidate_sentences
from auskunft.retrieval.series import series_of, superseded
from auskunft.retrieval.votes import CandidateVotes, VoteParams
from tests.retrieval.test_votes import Q, candidate, store_of, unit

PEP = "https://pep-dortmund.org/dokumente/"
AGENDA = "https://agenda21garching.github.io/archive/dokumente/files/"
DTFB = "https://dtfb.github.io/dtfb-docs/assets/pdf/"


def test_the_editions_of_a_series_differ_in_their_dates_only() -> None:
    assert series_of(PEP + "jhv_2019.pdf") == ("pep-dortmund.org/dokumentejhvpdf", (2019, 0, 0))
    assert series_of(PEP + "jhv_2024.pdf")[0] == series_of(PEP + "jhv_2019.pdf")[0]  # type: ignore[index]
    # the job board's posts: the date is a path of its own
    assert series_of("https://pep-dortmund.org/jobboerse/2025/04/10/bfv.html") == (
        "pep-dortmund.org/jobboersebfvhtml",
        (2025, 4, 10),
    )
    # spaces, hyphens and a German date with a month name ("31. Jan 2017") all leave the same series
    jan = series_of(AGENDA + "Agenda21-Neujahrstreffen%2031.%20Jan%202017.pdf")
    later = series_of(AGENDA + "Agenda21-Neujahrstreffen-2018.pdf")
    assert jan is not None and later is not None
    assert jan == (later[0], (2017, 1, 31)) and later[1] == (2018, 0, 0)
    assert (
        series_of(AGENDA + "B%C3%BCrgerversammlung%202014.pdf")[0]
        == series_of(  # type: ignore[index]
            AGENDA + "B%C3%BCrgerversammlung-2018.pdf"
        )[0]
    )  # type: ignore[index]
    # other numbers stay: the first and the second league's invitations are two documents
    assert series_of(DTFB + "Ausschreibung_1_Senioren_2025_Vorrunde.pdf") != series_of(
        DTFB + "Ausschreibung_2_Senioren_2025_Vorrunde.pdf"
    )
    # a word that merely begins like a month is no month ("Junioren", "Marketing")
    assert series_of("https://v.example/junioren_2019.pdf") == ("v.example/juniorenpdf", (2019, 0, 0))
    # separators and umlauts as each year's file name has them (sportschuetzen-teufenthal)
    site = "https://sportschuetzen-teufenthal.ch/dokumente/"
    assert (
        len(
            {
                series_of(site + u)[0]  # type: ignore[index]
                for u in (
                    "2021/Jahres-Meisterschaften-2021.pdf",
                    "2023/Jahresmeisterschaften_2023.pdf",
                    "2025/Jahresmeisterschaften%202025.pdf",
                )
            }
        )
        == 1
    )
    assert (
        series_of(site + "2023/Schiessbericht-des-Schuetzenmeisters-2023.pdf")[0]
        == series_of(  # type: ignore[index]
            site + "2025/Schiessbericht%20des%20Sch%C3%BCtzenmeisters%202025.pdf"
        )[0]
    )  # type: ignore[index]
    assert series_of("https://pep-dortmund.org/archive/page29/") is None  # no date, no series
    # a number that looks like a year names no edition: benchmark ids, numbered nodes
    assert series_of("beir://scifact/2014") is None
    assert series_of("https://v.example/node/2019") is None
    assert series_of("https://v.example/2021.html") is None


def test_superseded_needs_a_later_edition_of_the_same_series() -> None:
    urls = [
        PEP + "jhv_2019.pdf",
        "https://pep-dortmund.org/ueber_uns/gremien.html",
        PEP + "jhv_2024.pdf",
        PEP + "jahresrueckblick_2021.pdf",  # the only edition among these
        AGENDA + "Agenda21-Neujahrstreffen-2018.pdf",
        AGENDA + "Agenda21-Neujahrstreffen%2031.%20Jan%202017.pdf",
    ]
    assert superseded(urls) == [True, False, False, False, False, True]
    # a bare year is not earlier than a day of the same year, nor later
    same_year = ["https://v.example/protokoll_2018.pdf", "https://v.example/protokoll_2018-03-05.pdf"]
    assert superseded(same_year) == [False, False]
    assert superseded([]) == []


def test_an_older_edition_yields_to_a_later_one_unless_the_question_names_a_year(tmp_path: Path) -> None:
    old = candidate(PEP + "jhv_2019.pdf", "Florian Kruse und Daniel Weber werden Kassenprüfer.", 0, 0.80)
    board = candidate(
        "https://pep-dortmund.org/ueber_uns/gremien.html", "Kassenprüfer sind A und B.", 1, 0.79
    )
    new = candidate(PEP + "jhv_2024.pdf", "Die Kassenprüfer berichten.", 5, 0.70)
    store = store_of(tmp_path, {"x": unit(1.0)}, {})
    hits = [old, board, new]
    plain = VoteParams(sentence=0.0, hub=0.0, superseded=0.0)
    assert (
        CandidateVotes(lambda: store, candidate_sentences, plain).reorder("Wer prüft die Kasse?", Q, hits)[0]
        is old
    )
    votes = CandidateVotes(
        lambda: store, candidate_sentences, VoteParams(sentence=0.0, hub=0.0, superseded=1.0)
    )
    out = votes.reorder("wer sind die kassenprüfer", Q, list(hits))
    assert out[0] is board and out.index(old) > out.index(board)  # 1/2 of its score: below the page
    # a question naming a year asks about that edition: the year vote decides, the series rule stays out
    assert votes.reorder("wer waren 2019 die kassenprüfer", Q, list(hits))[0] is old
