"""The admin console over HTTP against the real service: log-in, CSRF, lock-out, roles on every page and
action, curated answers in the chat, unanswered questions, sources, versions, tokens, audit, export."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import httpx
import pytest
import yaml

from auskunft.console.app import create_console
from auskunft.console.db import ConsoleDB
from auskunft.console.web import ConsoleConfig
from auskunft.devserver import SiteServer
from auskunft.models import doc_id_for
from tests.console.support import PASSWORD, USERS, ConsoleService, csrf_of, logged_in, login, post_form

ROLE_RANK = {"admin": 0, "editor": 1, "viewer": 2}


def chat(svc: ConsoleService, question: str) -> dict:
    with httpx.Client(base_url=svc.base, timeout=60, trust_env=False) as c:
        r = c.post("/api/chat?stream=false", json={"message": question})
    assert r.status_code == 200, r.text
    return r.json()


def test_login_logout_and_session_cookie(svc: ConsoleService) -> None:
    client = svc.client()
    first = client.get("/console/questions")
    assert first.status_code == 303 and first.headers["location"].startswith(
        "/console/login?next=/console/questions"
    )
    page = client.get("/console/login")
    r = client.post(
        "/console/login",
        data={
            "csrf": csrf_of(page.text),
            "email": USERS["viewer"].upper(),
            "password": PASSWORD,
            "next": "/console/questions",
        },
    )
    assert r.status_code == 303 and r.headers["location"] == "/console/questions"
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("ak_console="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie
    home = client.get("/console")
    assert home.status_code == 200 and USERS["viewer"] in home.text
    assert "default-src 'self'" in home.headers["content-security-policy"]
    assert home.headers["x-frame-options"] == "DENY"
    out = client.post("/console/logout", data={"csrf": csrf_of(home.text)})
    assert out.status_code == 303
    assert client.get("/console").status_code == 303  # the session is gone on the server too


def test_open_redirect_refused_after_login(svc: ConsoleService) -> None:
    client = svc.client()
    page = client.get("/console/login")
    r = client.post(
        "/console/login",
        data={
            "csrf": csrf_of(page.text),
            "email": USERS["viewer"],
            "password": PASSWORD,
            "next": "//evil.example/",
        },
    )
    assert r.headers["location"] == "/console"


def test_csrf_refused(svc: ConsoleService) -> None:
    # log-in form without its cookie token (a cross-site form post)
    anon = svc.client()
    r = anon.post("/console/login", data={"csrf": "forged", "email": USERS["admin"], "password": PASSWORD})
    assert r.status_code == 403 and "ak_console=" not in r.headers.get("set-cookie", "")
    client = logged_in(svc, "editor")
    before = client.get("/console/answers").text
    for data in ({}, {"csrf": "wrong"}):
        r = client.post("/console/answers", data={**data, "question": "Was kostet X?", "answer": "Y"})
        assert r.status_code == 403
        assert "Formular ist abgelaufen" in r.text
    assert client.get("/console/answers").text.count("Was kostet X?") == before.count("Was kostet X?") == 0


def test_wrong_password_lock_out_and_unlock(svc: ConsoleService) -> None:
    email = "gesperrt@verband.example"
    admin = logged_in(svc, "admin")
    r = post_form(
        admin, "/console/users", {"email": email, "password": PASSWORD, "role": "viewer"}, "/console/users"
    )
    assert r.status_code == 303
    client = svc.client()
    for _ in range(4):
        r = login(client, email, "falsch-falsch-falsch")
        assert r.status_code == 401 and "E-Mail oder Passwort falsch" in r.text
    r = login(client, email, "falsch-falsch-falsch")  # the fifth failure locks the account ...
    assert r.status_code == 401 and "E-Mail oder Passwort falsch" in r.text  # ... and says nothing about it
    r = login(client, email, PASSWORD)  # the right password does not help now, and looks like a wrong one
    assert r.status_code == 401 and "E-Mail oder Passwort falsch" in r.text
    users = admin.get("/console/users").text
    assert "gesperrt</span>" not in users or "(gesperrt)" in users
    user_id = _user_id(users, email)
    r = post_form(admin, f"/console/users/{user_id}/unlock", page="/console/users")
    assert r.status_code == 303
    assert login(client, email, PASSWORD).status_code == 303
    audit = admin.get("/console/audit").text
    assert "user.locked" in audit and "user.unlock" in audit


def _user_id(html: str, email: str) -> int:
    import re

    m = re.search(
        r'action="/console/users/(\d+)" class="row">(?:(?!</form>).)*?', html[html.index(email) :], re.S
    )
    assert m, "user row not found"
    return int(m.group(1))


def test_login_rate_limit_per_address(svc: ConsoleService) -> None:
    client = svc.client()
    codes = [login(client, f"niemand{i}@verband.example", "x" * 12).status_code for i in range(11)]
    assert codes[:10] == [401] * 10 and codes[10] == 429
    other = svc.client()  # another address is not affected
    assert login(other, USERS["viewer"]).status_code == 303


def _all_routes() -> list:
    config = ConsoleConfig(events_dir=None, sources_file=None, runs_dir=None, documents_dir=Path("."))  # type: ignore[arg-type]
    console = create_console(ConsoleDB("sqlite://"), config)
    return [r for r in console.routes if r.role is not None]


def _concrete(path: str) -> str:
    pdf = doc_id_for("https://www.dkpv.example/dokumente/beitragsordnung-2026.pdf")
    return (
        path.replace(":doc_id", pdf)
        .replace(":source", "verband")
        .replace(":id", "1")
        .replace(":name", "verband")
        .replace(":n", "1")
    )


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_roles_enforced_on_every_page_and_action(svc: ConsoleService, role: str) -> None:
    """Every route that needs more than `role` answers 403 and changes nothing."""
    client = logged_in(svc, role)
    token = csrf_of(client.get("/console/account").text)
    audit_before = _audit_count(svc)
    sources_before = (svc.work / "sources.yml").read_text()
    checked = 0
    for route in _all_routes():
        if ROLE_RANK[route.role] >= ROLE_RANK[role]:
            continue
        path = _concrete(route.path)
        if route.method == "GET":
            r = client.get(path)
        else:
            r = client.post(
                path,
                data={
                    "csrf": token,
                    "question": "x y z",
                    "answer": "a",
                    "email": "n@x.example",
                    "password": PASSWORD,
                    "role": "admin",
                    "start_urls": "https://x.example/",
                },
            )
        assert r.status_code == 403, (route.method, path, r.status_code)
        checked += 1
    assert checked >= (5 if role == "editor" else 15)
    assert _audit_count(svc) == audit_before
    assert (svc.work / "sources.yml").read_text() == sources_before


def _audit_count(svc: ConsoleService) -> int:
    admin = logged_in(svc, "admin")
    return admin.get("/console/audit").text.count("<tr><td>")


def test_every_page_renders_for_the_roles_allowed(svc: ConsoleService) -> None:
    chat(svc, "Wie hoch ist der Mitgliedsbeitrag für Vereine?")
    for role in ("viewer", "editor", "admin"):
        client = logged_in(svc, role)
        for route in _all_routes():
            if route.method != "GET" or ROLE_RANK[route.role] < ROLE_RANK[role] or ":id" in route.path:
                continue
            r = client.get(_concrete(route.path))
            assert r.status_code == 200, (role, route.path, r.status_code, r.text[:300])
    en = logged_in(svc, "viewer")
    en.get("/console/lang?to=en&next=/console")
    assert "Questions per day" in en.get("/console").text
    accept = svc.client()
    assert "Log in" in accept.get("/console/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).text


def test_curated_answer_is_given_before_retrieval(svc: ConsoleService) -> None:
    question = "Bis wann muss der Vereinsbeitrag überwiesen werden?"
    before = chat(svc, question)
    assert before["mode"] != "curated"
    editor = logged_in(svc, "editor")
    r = post_form(
        editor,
        "/console/answers",
        {
            "question": question,
            "answer": "Der Vereinsbeitrag ist **bis zum 31. März** zu überweisen.",
            "sources": "https://www.dkpv.example/dokumente/beitragsordnung-2026.pdf#page=3 Beitragsordnung 2026",
            "active": "on",
        },
        "/console/answers",
    )
    assert r.status_code == 303, r.text
    after = chat(svc, "bis wann muss der Vereinsbeitrag überwiesen werden")
    assert after["mode"] == "curated"
    assert after["answer"].startswith("Der Vereinsbeitrag ist **bis zum 31. März**")
    assert after["notice"] == "Antwort der Redaktion"
    assert after["citations"][0]["url"].endswith("beitragsordnung-2026.pdf#page=3")
    assert after["citations"][0]["title"] == "Beitragsordnung 2026"
    # a question about something else that shares the topic is not given the curated answer
    assert chat(svc, "Wie hoch ist die Mahngebühr für den Vereinsbeitrag?")["mode"] != "curated"
    # deactivated: retrieval answers again
    answers = editor.get("/console/answers").text
    answer_id = re.search(r'href="/console/answers/(\d+)"', answers).group(1)  # type: ignore[union-attr]
    r = post_form(
        editor,
        f"/console/answers/{answer_id}",
        {"question": question, "answer": "x", "sources": ""},
        f"/console/answers/{answer_id}",
    )
    assert r.status_code == 303
    assert chat(svc, question)["mode"] != "curated"
    bad = post_form(
        editor,
        "/console/answers",
        {"question": question, "answer": "x", "sources": "kein-link"},
        "/console/answers",
    )
    assert bad.status_code == 422 and "keine Web-Adresse" in bad.text


def test_unanswered_questions_grouped_marked_done_and_exported(svc: ConsoleService) -> None:
    for q in (
        "Wann ist das nächste Sommerfest?",
        "Wann ist das nächste Sommerfest",
        "Wann ist denn das nächste Sommerfest?",
    ):
        assert not chat(svc, q)["found"]
    editor = logged_in(svc, "editor")
    page = editor.get("/console/questions").text
    assert page.count("nächste Sommerfest") >= 1
    assert "3 mal gefragt" in page  # one group by meaning
    assert "Das hat der Bot geantwortet" in page and "nicht in den Dokumenten" in page
    assert "Kuratierte Antwort schreiben" in page
    key = page.split('name="key" value="')[1].split('"')[0]
    r = post_form(editor, "/console/questions/done", {"key": key, "done": "1"}, "/console/questions")
    assert r.status_code == 303
    assert "Sommerfest" not in editor.get("/console/questions").text
    assert "Sommerfest" in editor.get("/console/questions?done=1").text
    export = editor.get("/console/export/questions.csv")
    assert export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert any(r["question"] == "Wann ist das nächste Sommerfest?" and r["found"] == "False" for r in rows)
    assert set(rows[0]) == {
        "ts",
        "question",
        "found",
        "mode",
        "latency_ms",
        "lang",
        "index_version",
        "rating",
        "comment",
    }
    assert "203.0.113." not in export.text and "127.0.0.1" not in export.text


def test_sources_add_edit_validate_delete(svc: ConsoleService) -> None:
    editor = logged_in(svc, "editor")
    bad = post_form(
        editor,
        "/console/sources",
        {"name": "neu", "start_urls": "https://neu.example/", "include": "([a-z"},
        "/console/sources/new",
    )
    assert bad.status_code == 422 and "kein gültiger regulärer Ausdruck" in bad.text
    assert "neu" not in (svc.work / "sources.yml").read_text()
    ok = post_form(
        editor,
        "/console/sources",
        {
            "name": "neu",
            "start_urls": "https://neu.example/\nhttps://neu.example/b/",
            "max_depth": "2",
            "follow_pdfs": "on",
        },
        "/console/sources/new",
    )
    assert ok.status_code == 303 and ok.headers["location"].startswith("/console/sources/neu")
    r = svc.cli("sources", "check")
    assert r.returncode == 0, r.stdout + r.stderr
    edit = post_form(
        editor,
        "/console/sources/neu",
        {"start_urls": "https://neu.example/", "frequency": "custom", "cron": "kein cron"},
        "/console/sources/neu",
    )
    assert edit.status_code == 422 and "Kein gültiger Zeitplan im cron-Format" in edit.text
    edit = post_form(
        editor,
        "/console/sources/neu",
        {
            "start_urls": "https://neu.example/",
            "frequency": "weekly",
            "time": "04:00",
            "weekday": "1",
            "max_depth": "3",
        },
        "/console/sources/neu",
    )
    assert edit.status_code == 303
    assert "0 4 * * 1" in (svc.work / "sources.yml").read_text()
    assert post_form(editor, "/console/sources/neu/delete", page="/console/sources/neu").status_code == 403
    admin = logged_in(svc, "admin")  # deleting a whole source needs an admin
    gone = post_form(admin, "/console/sources/neu/delete", page="/console/sources/neu")
    assert gone.status_code == 303 and "neu" not in (svc.work / "sources.yml").read_text()
    audit = logged_in(svc, "admin").get("/console/audit").text
    assert "source.create" in audit and "source.update" in audit and "source.delete" in audit
    # a source the operator lets reach private addresses (allow_private, only in sources.yml): its scope is
    # file-only, an editor cannot point it at another internal service
    path = svc.work / "sources.yml"
    original = path.read_text()
    data = yaml.safe_load(original)
    data["sources"].append(
        {"name": "intranet", "start_urls": ["http://127.0.0.1:8771/"], "allow_private": True}
    )
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    try:
        before = path.read_text()
        widened = post_form(
            editor,
            "/console/sources/intranet",
            {"start_urls": "http://127.0.0.1:6333/collections", "frequency": ""},
            "/console/sources/intranet",
        )
        assert widened.status_code == 422 and "sources.yml" in widened.text
        assert path.read_text() == before
    finally:
        path.write_text(original, encoding="utf-8")


def test_promote_and_roll_back_with_confirmation(svc: ConsoleService) -> None:
    admin = logged_in(svc, "admin")
    page = admin.get("/console/versions").text
    assert 'class="live"' in page and "auskunft__v2" in page
    confirm = admin.get("/console/versions/1/promote")
    assert confirm.status_code == 200 and "Version 1 live schalten?" in confirm.text
    r = admin.post("/console/versions/1/promote", data={"csrf": csrf_of(confirm.text)})
    assert r.status_code == 303
    assert chat(svc, "Wie hoch ist der Mitgliedsbeitrag für Vereine?")["found"]
    assert _live(svc) == "auskunft__v1"
    confirm = admin.get("/console/versions/rollback")
    r = admin.post("/console/versions/rollback", data={"csrf": csrf_of(confirm.text)})
    assert r.status_code == 303 and "auskunft__v2" in r.headers["location"]
    assert _live(svc) == "auskunft__v2"
    audit = admin.get("/console/audit").text
    assert "index.promote" in audit and "index.rollback" in audit


def _live(svc: ConsoleService) -> str:
    with httpx.Client(base_url=svc.base, trust_env=False, timeout=30) as c:
        return str(c.get("/readyz").json()["checks"]["qdrant"]["live_version"])


def test_personal_api_tokens_for_the_admin_api(svc: ConsoleService) -> None:
    admin = logged_in(svc, "admin")
    page = post_form(admin, "/console/account/tokens", {"name": "Deploy-Skript"}, "/console/account")
    token = page.text.split('<code id="new-token">')[1].split("<")[0]
    assert token.startswith("ak_")
    api = svc.client()
    r = api.get("/api/admin/sources", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and json.loads(r.text)["sources"][0]["name"] == "verband"
    viewer = logged_in(svc, "viewer")
    vpage = post_form(viewer, "/console/account/tokens", {"name": "lesen"}, "/console/account")
    vtoken = vpage.text.split('<code id="new-token">')[1].split("<")[0]
    assert api.get("/api/admin/sources", headers={"Authorization": f"Bearer {vtoken}"}).status_code == 403
    token_id = page.text.split("/console/account/tokens/")[1].split("/")[0]
    assert (
        post_form(admin, f"/console/account/tokens/{token_id}/delete", page="/console/account").status_code
        == 303
    )
    assert api.get("/api/admin/sources", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert token not in admin.get("/console/account").text  # shown once only


def test_password_change_ends_other_sessions(svc: ConsoleService) -> None:
    email = "wechsel@verband.example"
    admin = logged_in(svc, "admin")
    post_form(
        admin, "/console/users", {"email": email, "password": PASSWORD, "role": "editor"}, "/console/users"
    )
    a, b = svc.client(), svc.client()
    assert login(a, email).status_code == 303 and login(b, email).status_code == 303
    weak = post_form(a, "/console/account/password", {"current": PASSWORD, "new": "kurz"}, "/console/account")
    assert weak.status_code == 422 and "zu kurz" in weak.text
    r = post_form(
        a,
        "/console/account/password",
        {"current": PASSWORD, "new": "ganz-neues-passwort"},
        "/console/account",
    )
    assert r.status_code == 303
    assert a.get("/console").status_code == 200
    assert b.get("/console").status_code == 303  # the other session ended
    assert login(svc.client(), email, "ganz-neues-passwort").status_code == 303


def test_last_admin_cannot_be_demoted(svc: ConsoleService) -> None:
    admin = logged_in(svc, "admin")
    users = admin.get("/console/users").text
    own = _user_id(users, USERS["admin"])
    r = post_form(admin, f"/console/users/{own}", {"role": "viewer", "active": "on"}, "/console/users")
    assert r.status_code == 422 and "nicht selbst herabstufen" in r.text
    assert post_form(admin, f"/console/users/{own}/delete", page="/console/users").status_code == 422


def test_reset_password_forces_a_change_and_users_can_be_deleted(svc: ConsoleService) -> None:
    admin = logged_in(svc, "admin")
    email = "kassenwart@verband.example"
    post_form(
        admin, "/console/users", {"email": email, "password": PASSWORD, "role": "viewer"}, "/console/users"
    )
    uid = _user_id(admin.get("/console/users").text, email)
    reset = post_form(admin, f"/console/users/{uid}/reset", page="/console/users")
    temporary = re.search(r'<code id="temp-password">([^<]+)</code>', reset.text).group(1)  # type: ignore[union-attr]
    user = svc.client()
    assert login(user, email, PASSWORD).status_code == 401  # the old password is gone
    assert login(user, email, temporary).status_code == 303
    forced = user.get("/console/questions")
    assert forced.status_code == 303 and forced.headers["location"].startswith("/console/account")
    r = post_form(
        user,
        "/console/account/password",
        {"current": temporary, "new": "mein-neues-pw-1"},
        "/console/account",
    )
    assert r.status_code == 303
    assert user.get("/console/questions").status_code == 200  # free again
    assert post_form(admin, f"/console/users/{uid}/delete", page="/console/users").status_code == 303
    assert email not in admin.get("/console/users").text
    assert login(svc.client(), email, "mein-neues-pw-1").status_code == 401


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_crawl_now_against_a_loopback_site_and_the_run_appears(
    svc: ConsoleService, demo_site: SiteServer
) -> None:
    """The operator allows the loopback site in sources.yml (allow_private is file-only); an editor presses
    "crawl now"; the run (Prefect flow through the CLI, notebooks) shows up with its counts."""
    import time

    import yaml

    path = svc.work / "sources.yml"
    data = yaml.safe_load(path.read_text())
    data["sources"].append(
        {
            "name": "demo",
            "start_urls": [demo_site.origin + "/"],
            "host_aliases": {"https://www.kanupolo.example": demo_site.origin},
            "allow_private": True,
            "rate_limit_per_s": 200,
            "max_pages": 30,
        }
    )
    path.write_text(yaml.safe_dump(data))
    editor = logged_in(svc, "editor")
    r = post_form(editor, "/console/sources/demo/crawl", page="/console/sources/demo")
    assert r.status_code == 303 and "Crawl+gestartet" in r.headers["location"].replace("%20", "+")
    deadline = time.monotonic() + 500
    page = ""
    while time.monotonic() < deadline:
        page = editor.get("/console/sources/demo").text
        if '<span class="ok">ok</span>' in page or '<span class="bad">' in page:
            break
        time.sleep(2)
    runs = page.split('id="runs-h"')[1]
    assert '<span class="ok">ok</span>' in runs, runs[:3000]
    new = re.search(r'<span class="count-new">(\d+) neu</span>', runs)
    assert new and int(new.group(1)) >= 3, runs[:2000]  # new pages counted
    assert "crawl.ipynb" in runs or ">crawl<" in runs  # the executed notebooks are listed
    overview = editor.get("/console").text
    assert "demo" in overview


def test_documents_search_read_and_exclude(svc: ConsoleService) -> None:
    editor = logged_in(svc, "editor")
    found = editor.get("/console/documents?q=beitragsordnung").text
    assert "Beitragsordnung 2026" in found and "Trainerlizenz" not in found
    assert "Trainerlizenz" in editor.get("/console/documents?q=Trainer").text  # title, any case
    pdf = doc_id_for("https://www.dkpv.example/dokumente/beitragsordnung-2026.pdf")
    page = editor.get(f"/console/documents/verband/{pdf}")
    assert page.status_code == 200
    assert "Seite 2" in page.text and "ermäßigter Mitgliedsbeitrag von 60 Euro" in page.text
    assert "beitragsordnung-2026.pdf#page=3" in page.text
    assert editor.get("/console/documents/verband/nope").status_code == 404
    assert editor.get("/console/documents/..%2Fx/abc").status_code == 404
    pattern = r"^https://www\.dkpv\.example/dokumente/beitragsordnung\-2026\.pdf$"
    r = post_form(
        editor, "/console/documents/exclude", {"source": "verband", "pattern": pattern}, "/console/documents"
    )
    assert r.status_code == 303
    assert pattern in yaml.safe_load((svc.work / "sources.yml").read_text())["sources"][0]["exclude"]
    bad = post_form(
        editor, "/console/documents/exclude", {"source": "verband", "pattern": "(["}, "/console/documents"
    )
    assert bad.status_code == 422 and "kein gültiger regulärer Ausdruck" in bad.text
