"""Append-only chat event log (JSON lines) and DuckDB analytics over it."""

from auskunft.events.log import EventLog

__all__ = ["EventLog"]
