"""The real chat service with the admin console, over a small real index with two versions; users made
with the real CLI (`auskunft admin create-user`)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from auskunft.console import auth
from auskunft.console.db import ConsoleDB, default_url
from auskunft.testing.service import running_service, service_env
from tests.support.dkpv import build_index, documents

PASSWORD = "richtig-geheim-42"
USERS = {
    "admin": "admin@verband.example",
    "editor": "redaktion@verband.example",
    "viewer": "vorstand@verband.example",
}
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class ConsoleService:
    base: str
    work: Path
    env: dict[str, str]
    proc: subprocess.Popen
    log: Path
    _ip: list[int] = field(default_factory=lambda: [1])
    _clients: list[httpx.Client] = field(default_factory=list)

    @property
    def data_dir(self) -> Path:
        return self.work / "data"

    def fresh_ip(self) -> str:
        """A client address of its own (the service trusts X-Forwarded-For from loopback), so the
        per-address log-in limit of one test does not reach another."""
        self._ip[0] += 1
        return f"203.0.113.{self._ip[0]}"

    def client(self, ip: str | None = None) -> httpx.Client:
        """A browser-like client (own cookie jar, own address); closed when the service stops."""
        client = httpx.Client(
            base_url=self.base,
            timeout=30,
            trust_env=False,
            headers={"X-Forwarded-For": ip or self.fresh_ip()},
        )
        self._clients.append(client)
        return client

    def close_clients(self) -> None:
        for c in self._clients:
            c.close()
        self._clients.clear()

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return run_cli(self.env, self.work, *args, stdin=stdin)


def run_cli(
    env: dict[str, str], cwd: Path, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess:
    """`auskunft <args>` with the service's environment (its data folder and sources file)."""
    return subprocess.run(
        [sys.executable, "-m", "auskunft", *args],
        env=env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def csrf_of(html: str) -> str:
    m = _CSRF.search(html)
    assert m, "no CSRF field in the page"
    return m.group(1)


def login(client: httpx.Client, email: str, password: str = PASSWORD) -> httpx.Response:
    page = client.get("/console/login")
    assert page.status_code == 200
    return client.post(
        "/console/login",
        data={"csrf": csrf_of(page.text), "email": email, "password": password, "next": "/console"},
    )


def logged_in(svc: ConsoleService, role: str) -> httpx.Client:
    client = svc.client()
    r = login(client, USERS[role])
    assert r.status_code == 303, r.text[:500]
    return client


def post_form(
    client: httpx.Client, path: str, data: dict[str, str] | None = None, page: str = "/console"
) -> httpx.Response:
    """POST with the session's CSRF token (taken from a page the user may see)."""
    token = csrf_of(client.get(page).text)
    return client.post(path, data={"csrf": token, **(data or {})})


def write_sources(path: Path) -> None:
    path.write_text(
        yaml.safe_dump(
            {
                "sources": [
                    {"name": "verband", "start_urls": ["https://www.dkpv.example/"], "schedule": "0 3 * * *"}
                ]
            }
        ),
        encoding="utf-8",
    )


def save_documents(root: Path) -> list[str]:
    """The extracted documents behind the index (what the documents page shows); returns their ids."""
    from auskunft.extract.store import DocumentStore

    store = DocumentStore(root)
    ids = []
    for doc in documents(source="verband", language=None):
        store.save(doc)
        ids.append(doc.doc_id)
    return ids


@contextmanager
def console_service(work: Path, **extra_env: str) -> Iterator[ConsoleService]:
    data = work / "data"
    build_index(data)  # v1
    build_index(data)  # v2, live: promote and roll back have somewhere to go
    save_documents(data / "documents")
    write_sources(work / "sources.yml")
    extra = {
        "CONSOLE_COOKIE_SECURE": "false",  # plain HTTP on loopback
        "TRUST_PROXY": "true",
        "RATE_LIMIT_IP_PER_MIN": "1000",
        "RATE_LIMIT_SESSION_PER_MIN": "1000",
        "LOG_LEVEL": "INFO",
        # "crawl now" runs `auskunft ingest`, a Prefect flow on a temporary server: its own home, patience
        "PREFECT_HOME": str(work / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
        **extra_env,
    }
    env = service_env(data, work / "sources.yml", **extra)
    # the first admin exactly as an operator creates it; the others as the console does
    r = run_cli(
        env,
        work,
        "admin",
        "create-user",
        USERS["admin"],
        "--role",
        "admin",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert r.returncode == 0, r.stderr
    db = ConsoleDB(default_url(data))
    try:
        with db.session() as s:
            for role in ("editor", "viewer"):
                auth.create_user(s, USERS[role], PASSWORD, role, actor=USERS["admin"])
    finally:
        db.close()
    with running_service(data, work / "sources.yml", cwd=work, env=extra) as running:
        svc = ConsoleService(
            base=running.url, work=work, env=running.env, proc=running.proc, log=work / "service.log"
        )
        try:
            yield svc
        finally:
            svc.close_clients()
