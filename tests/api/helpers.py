"""Small helpers for API tests: tenants with users and keys, made through the SDK."""

from __future__ import annotations

from dataclasses import dataclass

from suanli.client import Client


@dataclass
class Actor:
    tenant: str
    user: str
    role: str
    token: str

    def client(self, url: str) -> Client:
        return Client(url, self.token, retries=0)


def make_tenant(admin: Client, url: str, name: str) -> dict[str, Actor]:
    """A tenant with one user of each tenant role, keyed by role."""
    admin.create_tenant(name)
    actors = {}
    for role in ("tenant-admin", "member", "viewer"):
        user = f"{role.split('-')[0]}-{name}"
        admin.create_user(name, user, role=role)
        token = admin.create_key(name, user=user)["token"]
        actors[role] = Actor(tenant=name, user=user, role=role, token=token)
    return actors
