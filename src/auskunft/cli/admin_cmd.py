"""`auskunft admin`: credentials for the admin API."""

from __future__ import annotations

from typing import Annotated

import typer

from auskunft.cli import app

admin_app = typer.Typer(help="Admin API credentials and admin console users.", no_args_is_help=True)
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


def _password(password_stdin: bool, env_var: str) -> str:
    import os
    import sys

    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if os.environ.get(env_var):
        return os.environ[env_var]
    return str(typer.prompt("password", hide_input=True, confirmation_prompt=True))


@admin_app.command("create-user")
def create_user(
    email: Annotated[str, typer.Argument(help="e-mail address (the log-in name)")],
    role: Annotated[
        str | None,
        typer.Option(help="admin, editor or viewer (default: admin for the first user, else viewer)"),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from the first line of stdin")
    ] = False,
    if_missing: Annotated[
        bool,
        typer.Option("--if-missing", help="exit 0 without changes when the user exists (compose start-up)"),
    ] = False,
) -> None:
    """Create an admin console user (the first admin; further users in the console).

    The password is prompted for, read from stdin (--password-stdin) or from AUSKUNFT_ADMIN_PASSWORD.
    """
    from auskunft.cli._common import cli_errors, start
    from auskunft.console import auth
    from auskunft.console.db import ConsoleDB
    from auskunft.errors import ValidationError

    settings = start()
    with cli_errors():
        db = ConsoleDB(settings.console_db)
        db.migrate()
        try:
            with db.session() as s:
                existing = auth.users(s)
                exists = any(u.email == auth.normalise_email(email) for u in existing)
            role = role or ("viewer" if existing else "admin")  # nobody could manage users otherwise
            if exists and if_missing:
                typer.echo(f"user {email} exists; nothing changed")
                return
            if exists:
                raise ValidationError(f"a user {email} exists already", code="user_exists")
            password = _password(password_stdin, "AUSKUNFT_ADMIN_PASSWORD")
            with db.session() as s:
                user = auth.create_user(s, email, password, role, actor="cli")
                typer.echo(f"created {user.email} ({user.role})")
        finally:
            db.close()


@admin_app.command("set-password")
def set_password(
    email: Annotated[str, typer.Argument(help="the user's e-mail address")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="read it from stdin")] = False,
) -> None:
    """Set a console user's password and lift a lock-out (a locked-out last admin's way back in)."""
    from auskunft.cli._common import cli_errors, start
    from auskunft.console import auth
    from auskunft.console.db import ConsoleDB

    settings = start()
    with cli_errors():
        db = ConsoleDB(settings.console_db)
        db.migrate()
        try:
            password = _password(password_stdin, "AUSKUNFT_ADMIN_PASSWORD")
            with db.session() as s:
                auth.set_password(s, email, password, actor="cli")
            typer.echo(f"password of {email} set; lock-out lifted")
        finally:
            db.close()
