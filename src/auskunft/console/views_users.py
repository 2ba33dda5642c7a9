"""Pages: my account (password, API tokens) and users (admins: create, role, deactivate, reset password with
a forced change, unlock, delete)."""

from __future__ import annotations

import asyncio
from typing import Any

from auskunft.console import auth, users
from auskunft.console.i18n import error_text
from auskunft.console.models import ROLES, utcnow
from auskunft.console.web import (
    PREFIX,
    SESSION_COOKIE,
    Console,
    Reply,
    Req,
    int_param,
    redirect,
    tr,
    user_of,
)
from auskunft.errors import AuskunftError, ValidationError


def register(c: Console) -> None:  # noqa: C901
    # ------------------------------------------------------------------------------------ account
    async def account_page(req: Req, status: int = 200, **extra: Any) -> Reply:
        with c.db.session() as s:
            tokens = auth.tokens_of(s, user_of(req).id)
            must = users.must_change_password(s, user_of(req).id)
        ctx: dict[str, Any] = {"tokens": tokens, "new_token": "", "error": "", "must_change": must} | extra
        return c.render(req, "account.html", status=status, **ctx)

    @c.route("GET", "/account", "viewer")
    async def account(req: Req) -> Reply:
        return await account_page(req)

    @c.route("POST", "/account/password", "viewer")
    async def password(req: Req) -> Reply:
        def change() -> None:
            with c.db.session() as s:
                auth.change_password(
                    s, user_of(req), req.f("current"), req.f("new"), req.cookies.get(SESSION_COOKIE, "")
                )
                users.password_changed(s, user_of(req).id)

        try:
            await asyncio.to_thread(change)
        except (ValidationError, auth.AuthError) as exc:
            return await account_page(req, 422, error=error_text(req.lang, exc))
        return redirect(PREFIX + "/account", tr(req, "password_changed"))

    @c.route("POST", "/account/tokens", "viewer")
    async def token_create(req: Req) -> Reply:
        try:
            with c.db.session() as s:
                token = auth.create_token(s, user_of(req), req.f("name"))
        except ValidationError as exc:
            return await account_page(req, 422, error=error_text(req.lang, exc))
        return await account_page(req, new_token=token)

    @c.route("POST", "/account/tokens/:id/delete", "viewer")
    async def token_delete(req: Req) -> Reply:
        with c.db.session() as s:
            auth.revoke_token(s, user_of(req), int_param(req.params["id"]))
        return redirect(PREFIX + "/account", tr(req, "deleted"))

    # ------------------------------------------------------------------------------------ users (admins)
    def users_page(req: Req, status: int = 200, **extra: Any) -> Reply:
        with c.db.session() as s:
            rows = auth.users(s)
        ctx: dict[str, Any] = {"error": "", "temporary": None} | extra
        return c.render(req, "users.html", status=status, users=rows, roles=ROLES, now=utcnow(), **ctx)

    @c.route("GET", "/users", "admin")
    async def users_list(req: Req) -> Reply:
        return users_page(req)

    @c.route("POST", "/users", "admin")
    async def user_create(req: Req) -> Reply:
        def create() -> None:
            with c.db.session() as s:
                auth.create_user(s, req.f("email"), req.f("password"), req.f("role"), user_of(req).email)

        try:
            await asyncio.to_thread(create)
        except ValidationError as exc:
            return users_page(req, 422, error=error_text(req.lang, exc))
        return redirect(PREFIX + "/users", tr(req, "saved"))

    @c.route("POST", "/users/:id", "admin")
    async def user_update(req: Req) -> Reply:
        try:
            with c.db.session() as s:
                auth.update_user(
                    s,
                    int_param(req.params["id"]),
                    user_of(req),
                    role=req.f("role"),
                    active=req.flag("active"),
                )
        except ValidationError as exc:
            return users_page(req, 422, error=error_text(req.lang, exc))
        return redirect(PREFIX + "/users", tr(req, "saved"))

    @c.route("POST", "/users/:id/unlock", "admin")
    async def user_unlock(req: Req) -> Reply:
        with c.db.session() as s:
            auth.unlock_user(s, int_param(req.params["id"]), user_of(req))
        return redirect(PREFIX + "/users", tr(req, "saved"))

    @c.route("POST", "/users/:id/reset", "admin")
    async def user_reset(req: Req) -> Reply:
        def reset() -> tuple[str, str]:
            with c.db.session() as s:
                return users.reset_password(s, int_param(req.params["id"]), user_of(req))

        try:
            email, temporary = await asyncio.to_thread(reset)
        except AuskunftError as exc:
            return users_page(req, 422, error=error_text(req.lang, exc))
        return users_page(req, temporary=(email, temporary))

    @c.route("POST", "/users/:id/delete", "admin")
    async def user_delete(req: Req) -> Reply:
        try:
            with c.db.session() as s:
                users.delete_user(s, int_param(req.params["id"]), user_of(req))
        except ValidationError as exc:
            return users_page(req, 422, error=error_text(req.lang, exc))
        return redirect(PREFIX + "/users", tr(req, "deleted"))
