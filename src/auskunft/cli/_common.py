"""Shared helpers for CLI commands: settings + logging start-up, error reporting."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import typer
from rich.console import Console

from auskunft.config import Settings, get_settings
from auskunft.errors import AuskunftError
from auskunft.logging_setup import configure_logging

console = Console(stderr=True)
T = TypeVar("T")


def start() -> Settings:
    """Entry-point start-up: read settings, configure logging, create the data folder."""
    settings = get_settings()
    configure_logging(settings.log_level)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings


@contextmanager
def cli_errors() -> Iterator[None]:
    """Turn AuskunftError into a one-line message and exit code 2 instead of a traceback."""
    try:
        yield
    except AuskunftError as exc:
        console.print(f"[bold red]error[/] ({exc.code}): {exc}")
        raise typer.Exit(code=2) from exc


def run_cli(fn: Callable[[], T]) -> T:
    with cli_errors():
        return fn()


def is_tty() -> bool:
    return sys.stderr.isatty()
