"""auskunft: self-hosted RAG chatbot for an organisation's website."""

from auskunft._telemetry import disable_telemetry

disable_telemetry()

__version__ = "0.1.0"
