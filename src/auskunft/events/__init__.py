"""Append-only chat event log (JSON lines) and DuckDB analytics over it."""

from auskunft.events.log import EventLog, clean_text

__all__ = ["EventLog", "clean_text"]
