"""Request and response bodies of the tenancy API. Unknown fields are refused, not ignored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class TenantCreate(Body):
    name: str = Field(min_length=1, max_length=63, examples=["acme"])
    display_name: str = Field(default="", max_length=200)
    industry: str = Field(default="other", max_length=40)
    storage_quota_bytes: int = Field(default=0, ge=0, le=2**62)


class TenantUpdate(Body):
    display_name: str | None = Field(default=None, max_length=200)
    industry: str | None = Field(default=None, max_length=40)
    storage_quota_bytes: int | None = Field(default=None, ge=0, le=2**62)
    status: str | None = Field(default=None, max_length=20)


class TenantOut(Out):
    id: str
    name: str
    display_name: str
    industry: str
    status: str
    storage_quota_bytes: int
    created_at: datetime


class UserCreate(Body):
    name: str = Field(min_length=1, max_length=63)
    role: str = Field(default="member", max_length=20)
    email: str | None = Field(default=None, max_length=254)


class UserUpdate(Body):
    role: str | None = Field(default=None, max_length=20)
    disabled: bool | None = None
    email: str | None = Field(default=None, max_length=254)


class UserOut(Out):
    id: str
    tenant_id: str
    name: str
    email: str | None
    role: str
    disabled: bool
    created_at: datetime


class KeyCreate(Body):
    user: str | None = Field(default=None, max_length=63, description="user name or id; default: the caller")
    name: str = Field(default="", max_length=100)
    expires_at: datetime | None = Field(default=None, description="UTC time after which the key stops working")


class KeyOut(Out):
    id: str
    tenant_id: str
    user_id: str
    name: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class KeyCreated(KeyOut):
    token: str | None = Field(description="the key itself: shown once, never stored")


class QuotaPut(Body):
    nominal: int = Field(ge=0, le=1_000_000, description="devices guaranteed to the tenant")
    borrowing_limit: int = Field(default=0, ge=0, le=1_000_000, description="extra devices it may borrow")


class QuotaOut(Out):
    accelerator_kind: str
    nominal: int
    borrowing_limit: int
    updated_at: datetime


class QuotasOut(BaseModel):
    tenant: str
    storage_quota_bytes: int
    accelerators: list[QuotaOut]


class AuditOut(Out):
    id: str
    at: datetime
    tenant_id: str | None
    target_tenant_id: str | None
    actor_user_id: str | None
    actor_key_id: str | None
    action: str
    target: str
    outcome: str
    status_code: int
    request_id: str
    details: dict[str, Any]


class Me(BaseModel):
    user_id: str
    user: str
    tenant_id: str
    tenant: str
    role: str
    key_id: str


class AcceleratorKindOut(BaseModel):
    name: str
    vendor: str
    model: str
    memory_gb: int
    visible_devices_env: str
    k8s_resources: list[str]
    discovery_tool: str
    domestic: bool
