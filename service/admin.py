"""Admin API handlers (behind the bearer token; see app.admin_route)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import subprocess
import sys
import uuid

from robyn import Request, Response

from auskunft.chat.factory import Runtime
from auskunft.config import Settings
from auskunft.errors import SourceError, ValidationError
from auskunft.models import Source
from auskunft.sources import check_remote_edit, load_sources, save_sources, source_from_dict
from service.http import json_response, parse_json

log = logging.getLogger("auskunft.service.admin")


def hash_token(token: str) -> str:
    return "sha256:" + hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def verify_token(token: str, expected_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), expected_hash.strip())


def _sources(settings: Settings) -> list[Source]:
    return load_sources(settings.sources_file) if settings.sources_file.exists() else []


async def list_sources(request: Request, settings: Settings, rt: Runtime) -> Response:
    return json_response({"sources": [s.model_dump(mode="json") for s in _sources(settings)]})


async def _source_from(data: dict, old: Source | None) -> Source:
    """Validated exactly like `auskunft sources check` (unknown fields, URLs, regexes, bounds), then
    checked against what only the file may set."""
    source = source_from_dict(data, "request body")
    return await asyncio.to_thread(check_remote_edit, data, source, old)


async def add_source(request: Request, settings: Settings, rt: Runtime) -> Response:
    data = parse_json(request, settings.max_body_bytes)
    sources = _sources(settings)
    if any(s.name == data.get("name") for s in sources):
        raise ValidationError(f"source {data.get('name')!r} exists: use PUT to update", code="source_exists")
    source = await _source_from(data, None)
    save_sources(settings.sources_file, [*sources, source])
    return json_response({"source": source.model_dump(mode="json")}, 201)


async def update_source(request: Request, settings: Settings, rt: Runtime) -> Response:
    name = request.path_params["name"]
    data = parse_json(request, settings.max_body_bytes) | {"name": name}
    sources = _sources(settings)
    old = next((s for s in sources if s.name == name), None)
    if old is None:
        raise SourceError(f"unknown source {name!r}", code="source_not_found")
    source = await _source_from(data, old)
    save_sources(settings.sources_file, [source if s.name == name else s for s in sources])
    return json_response({"source": source.model_dump(mode="json")})


async def delete_source(request: Request, settings: Settings, rt: Runtime) -> Response:
    name = request.path_params["name"]
    sources = _sources(settings)
    if not any(s.name == name for s in sources):
        raise SourceError(f"unknown source {name!r}", code="source_not_found")
    save_sources(settings.sources_file, [s for s in sources if s.name != name])
    return json_response({"deleted": name})


async def start_crawl(settings: Settings, name: str, *, log_prefix: str) -> dict:
    """Through the Prefect deployment when a Prefect server is configured, else a background `auskunft ingest`
    (the embedded store takes that writer beside the serving processes)."""
    import os

    if os.environ.get("PREFECT_API_URL"):
        from prefect.deployments import run_deployment

        run = await asyncio.to_thread(run_deployment, f"ingest-source/ingest-{name}", timeout=0)
        return {"run_id": str(getattr(run, "id", "")), "via": "prefect"}
    run_id = uuid.uuid4().hex
    log_path = settings.runs_dir / f"{log_prefix}-{run_id}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as out:
        subprocess.Popen(
            [sys.executable, "-m", "auskunft", "ingest", "--source", name],  # noqa: S603
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return {"run_id": run_id, "via": "subprocess", "log": str(log_path)}


async def trigger_crawl(request: Request, settings: Settings, rt: Runtime) -> Response:
    name = request.path_params["name"]
    if not any(s.name == name for s in _sources(settings)):
        raise SourceError(f"unknown source {name!r}", code="source_not_found")
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
