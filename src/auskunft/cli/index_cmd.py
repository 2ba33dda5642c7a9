"""`auskunft index`: list versions, promote, roll back, delete."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Annotated

import typer

from auskunft.cli import app
from auskunft.cli._common import cli_errors, console, start

index_app = typer.Typer(help="Index versions <kb>__v<N> and the live alias.", no_args_is_help=True)
app.add_typer(index_app, name="index")


@contextmanager
def _manager():  # noqa: ANN202 - Iterator[IndexManager]; CLI errors reported, the Qdrant client closed
    from auskunft.index import IndexManager, open_store

    with cli_errors():
        settings = start()
        key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
        client = open_store(settings.qdrant_url, settings.qdrant_path, key)
        try:
            yield IndexManager(client, settings.kb_name)
        finally:
            client.close()


@index_app.command("list")
def list_versions() -> None:
    """All versions with their configuration; * marks the live one."""
    from rich.table import Table

    with _manager() as manager:
        table = Table(title=f"index versions of {manager.kb!r}")
        for col in ("", "version", "collection", "points", "embedding", "chunk tokens", "created"):
            table.add_column(col)
        for v in manager.list_versions():
            table.add_row(
                "*" if v.live else "",
                str(v.version),
                v.collection,
                str(v.points),
                v.config.embedding_model,
                f"{v.config.chunk_max_tokens}/{v.config.chunk_overlap_tokens}",
                v.created_at.strftime("%Y-%m-%d %H:%M"),
            )
        console.print(table)


@index_app.command()
def promote(version: Annotated[int, typer.Argument(help="version number N of <kb>__vN")]) -> None:
    """Make a version live (atomic alias switch)."""
    with _manager() as manager:
        console.print(f"live: {manager.promote(version).collection}")


@index_app.command()
def rollback() -> None:
    """Switch the alias back to the previously live version."""
    with _manager() as manager:
        console.print(f"live: {manager.rollback().collection}")


@index_app.command()
def delete(version: int) -> None:
    """Delete a version that is not live (and its precomputed sentence vectors)."""
    from auskunft.config import get_settings
    from auskunft.index.sentence_store import remove_store

    with _manager() as manager:
        manager.delete_version(version)
        remove_store(get_settings().sentence_vectors_dir, manager.collection_name(version))
        console.print(f"deleted {manager.collection_name(version)}")
