"""``/api/v1/tenants/{tenant}/keys``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from suanli.api import pagination
from suanli.api.context import CtxDep
from suanli.api.pagination import Cursor, Limit, Page
from suanli.api.schemas import KeyCreate, KeyCreated, KeyOut
from suanli.state.models import utcnow
from suanli.tenancy import api_keys

router = APIRouter(prefix="/api/v1/tenants/{tenant}/keys", tags=["keys"])


def _without_token(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "token": None}


@router.post("", status_code=201, response_model=KeyCreated, name="keys.create")
def create_key(tenant: str, body: KeyCreate, ctx: CtxDep) -> object:
    """Issue a key. The token is in this answer only; a replayed request answers ``token: null``."""

    def make(s: Any) -> KeyCreated:
        key, token = api_keys.create(
            s, ctx.principal, tenant, user_ref=body.user, name=body.name, expires_at=body.expires_at, now=utcnow()
        )
        return KeyCreated.model_validate({**KeyOut.model_validate(key).model_dump(), "token": token})

    return ctx.create(body, make, redact=_without_token)


@router.get("", response_model=Page[KeyOut], name="keys.list")
def list_keys(tenant: str, ctx: CtxDep, limit: Limit = 50, cursor: Cursor = None) -> Page[KeyOut]:
    with ctx.tx() as s:
        rows = api_keys.listing(s, ctx.principal, tenant, pagination.decode(cursor), limit + 1)
        return pagination.page(rows, limit, KeyOut.model_validate, lambda k: k.id)


@router.delete("/{key_id}", response_model=KeyOut, name="keys.revoke")
def revoke_key(tenant: str, key_id: str, ctx: CtxDep) -> KeyOut:
    """Revoke a key; it stops working at once. Revoking twice is harmless."""
    with ctx.tx() as s:
        return KeyOut.model_validate(api_keys.revoke(s, ctx.principal, tenant, key_id, utcnow()))
