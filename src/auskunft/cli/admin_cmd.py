"""`auskunft admin`: credentials for the admin API."""

from __future__ import annotations

from typing import Annotated

import typer

from auskunft.cli import app

admin_app = typer.Typer(help="Admin API credentials.", no_args_is_help=True)
app.add_typer(admin_app, name="admin")


@admin_app.command("hash-token")
def hash_token(
    token: Annotated[str | None, typer.Option(help="hash this token instead of generating one")] = None,
) -> None:
    """Generate an admin token and the ADMIN_TOKEN_HASH line for .env (the token is shown once)."""
    import hashlib
    import secrets

    token = token or secrets.token_urlsafe(32)
    typer.echo(f"admin token (give to admins, store nowhere else): {token}")
    typer.echo(f"ADMIN_TOKEN_HASH=sha256:{hashlib.sha256(token.encode()).hexdigest()}")
