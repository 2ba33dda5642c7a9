"""Extraction: raw HTML/PDF -> Document (markdown per page)."""

from auskunft.extract.cache import ExtractionCache
from auskunft.extract.extractor import ExtractReport, extract_document, extractor_id
from auskunft.extract.store import DocumentStore

__all__ = [
    "DocumentStore",
    "ExtractReport",
    "ExtractionCache",
    "extract_document",
    "extractor_id",
]
