"""``/api/v1/tenants/{tenant}/users``."""

from __future__ import annotations

from fastapi import APIRouter

from suanli.api import pagination
from suanli.api.context import CtxDep
from suanli.api.pagination import Cursor, Limit, Page
from suanli.api.schemas import UserCreate, UserOut, UserUpdate
from suanli.tenancy import users

router = APIRouter(prefix="/api/v1/tenants/{tenant}/users", tags=["users"])


@router.post("", status_code=201, response_model=UserOut, name="users.create")
def create_user(tenant: str, body: UserCreate, ctx: CtxDep) -> object:
    return ctx.create(
        body, lambda s: UserOut.model_validate(users.create(s, ctx.principal, tenant, **body.model_dump()))
    )


@router.get("", response_model=Page[UserOut], name="users.list")
def list_users(tenant: str, ctx: CtxDep, limit: Limit = 50, cursor: Cursor = None) -> Page[UserOut]:
    with ctx.tx() as s:
        rows = users.listing(s, ctx.principal, tenant, pagination.decode(cursor), limit + 1)
        return pagination.page(rows, limit, UserOut.model_validate, lambda u: u.id)


@router.get("/{user}", response_model=UserOut, name="users.show")
def show_user(tenant: str, user: str, ctx: CtxDep) -> UserOut:
    with ctx.tx() as s:
        return UserOut.model_validate(users.get(s, ctx.principal, tenant, user))


@router.patch("/{user}", response_model=UserOut, name="users.update")
def update_user(tenant: str, user: str, body: UserUpdate, ctx: CtxDep) -> UserOut:
    with ctx.tx() as s:
        return UserOut.model_validate(
            users.update(s, ctx.principal, tenant, user, **body.model_dump(exclude_unset=True))
        )
