"""Answers without an LLM: the best-matching sentences (by meaning and keywords) quoted with citations."""

from auskunft.chat.extractive.answer import (
    CLOSEST_LABEL,
    OUTCOMES,
    Answer,
    ExtractiveAnswerer,
    extractive_answer,
)
from auskunft.chat.extractive.keywords import KeywordScorer, key_terms, missing_key_terms, shares_head
from auskunft.chat.extractive.scoring import Candidate, ExtractiveParams, Scored
from auskunft.chat.extractive.semantic import SentenceVectors
from auskunft.chat.extractive.sentences import looks_like_instruction, sentences

__all__ = [
    "CLOSEST_LABEL",
    "OUTCOMES",
    "Answer",
    "Candidate",
    "ExtractiveAnswerer",
    "ExtractiveParams",
    "KeywordScorer",
    "Scored",
    "SentenceVectors",
    "extractive_answer",
    "key_terms",
    "looks_like_instruction",
    "missing_key_terms",
    "sentences",
    "shares_head",
]
