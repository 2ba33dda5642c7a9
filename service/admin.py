"""Admin API handlers (behind the bearer token; see app.admin_route)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import sys

from robyn import Request, Response

from auskunft.catalog import SourceCatalog
from auskunft.chat.factory import Runtime
from auskunft.config import Settings
from auskunft.errors import ValidationError
from auskunft.models import Source
from auskunft.sources import check_remote_edit, source_from_dict
from service.crawls import start_crawl
from service.http import json_response, parse_json

log = logging.getLogger("auskunft.service.admin")


def hash_token(token: str) -> str:
    return "sha256:" + hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def verify_token(token: str, expected_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), expected_hash.strip())


def _catalog(settings: Settings) -> SourceCatalog:
    from service import console  # its database holds the audit log (imported when used: it opens it)

    return SourceCatalog(settings.sources_file, console.record_audit)


def _actor(request: Request) -> str:
    from service import console

    return console.api_actor(request)


async def list_sources(request: Request, settings: Settings, rt: Runtime) -> Response:
    return json_response({"sources": [s.model_dump(mode="json") for s in _catalog(settings).sources()]})


async def _source_from(data: dict, old: Source | None) -> Source:
    """Validated exactly like `auskunft sources check` (unknown fields, URLs, regexes, bounds), then
    checked against what only the file may set."""
    source = source_from_dict(data, "request body")
    return await asyncio.to_thread(check_remote_edit, data, source, old)


async def add_source(request: Request, settings: Settings, rt: Runtime) -> Response:
    data = parse_json(request, settings.max_body_bytes)
    catalog = _catalog(settings)
    if catalog.get(str(data.get("name"))) is not None:
        raise ValidationError(f"source {data.get('name')!r} exists: use PUT to update", code="source_exists")
    source = await _source_from(data, None)
    await asyncio.to_thread(catalog.add, source, _actor(request))
    return json_response({"source": source.model_dump(mode="json")}, 201)


async def update_source(request: Request, settings: Settings, rt: Runtime) -> Response:
    name = request.path_params["name"]
    data = parse_json(request, settings.max_body_bytes) | {"name": name}
    catalog = _catalog(settings)
    source = await _source_from(data, catalog.require(name))
    await asyncio.to_thread(catalog.update, source, _actor(request))
    return json_response({"source": source.model_dump(mode="json")})


async def delete_source(request: Request, settings: Settings, rt: Runtime) -> Response:
    name = request.path_params["name"]
    await asyncio.to_thread(_catalog(settings).delete, name, _actor(request))
    return json_response({"deleted": name})


async def trigger_crawl(request: Request, settings: Settings, rt: Runtime) -> Response:
    name = request.path_params["name"]
    _catalog(settings).require(name)
    return json_response(await start_crawl(settings, name, log_prefix="admin"), 202)


async def list_versions(request: Request, settings: Settings, rt: Runtime) -> Response:
    versions = await asyncio.to_thread(rt.manager.list_versions)
    return json_response({"versions": [v.model_dump(mode="json") for v in versions]})


async def promote(request: Request, settings: Settings, rt: Runtime) -> Response:
    raw = request.path_params["version"]
    if not raw.lstrip("v").isdigit():
        raise ValidationError("version must be a number", code="invalid_version")
    version = await asyncio.to_thread(rt.manager.promote, int(raw.lstrip("v")))
    rt.engine.use_version(version.collection)
    return json_response({"live": version.model_dump(mode="json")})


async def rollback(request: Request, settings: Settings, rt: Runtime) -> Response:
    version = await asyncio.to_thread(rt.manager.rollback)
    rt.engine.use_version(version.collection)
    return json_response({"live": version.model_dump(mode="json")})


__all__ = ["hash_token", "new_token", "verify_token", "sys"]
