"""Fixture sites on 127.0.0.1: the package's dev server (real HTTP, ETag, request log)."""

from auskunft.devserver import SiteServer, http_date, serve_directory

__all__ = ["SiteServer", "http_date", "serve_directory"]
