"""The auskunft HTTP service (Robyn). Start with `auskunft serve` or `python -m service`."""
