"""A conversation turn as every conversation store keeps it (shared by stores.memory and stores.sqlite)."""

from __future__ import annotations


def user_turn(user: str, query: str | None) -> dict[str, str]:
    """The visitor's turn; `query` is its standalone form (what retrieval used), kept for later follow-ups."""
    turn = {"role": "user", "content": user}
    if query and query != user:
        turn["query"] = query
    return turn
