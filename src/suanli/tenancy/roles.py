"""Roles and what they permit. Permissions are checked once, in the services."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    PLATFORM_ADMIN = "platform-admin"
    TENANT_ADMIN = "tenant-admin"
    MEMBER = "member"
    VIEWER = "viewer"


class Permission(StrEnum):
    TENANTS_MANAGE = "tenants:manage"  # create tenants, edit any tenant, set quotas: the platform operator
    READ = "read"  # see the tenant's objects
    USERS_MANAGE = "users:manage"  # add and change users, issue and revoke anyone's keys in the tenant
    KEYS_OWN = "keys:own"  # issue and revoke one's own keys
    WORK_SUBMIT = "work:submit"  # submit jobs, upload datasets, deploy models
    AUDIT_READ = "audit:read"


_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset({Permission.READ}),
    Role.MEMBER: frozenset({Permission.READ, Permission.KEYS_OWN, Permission.WORK_SUBMIT}),
    Role.TENANT_ADMIN: frozenset(
        {Permission.READ, Permission.KEYS_OWN, Permission.WORK_SUBMIT, Permission.USERS_MANAGE, Permission.AUDIT_READ}
    ),
    Role.PLATFORM_ADMIN: frozenset(Permission),
}


def permits(role: Role, permission: Permission) -> bool:
    """Whether ``role`` grants ``permission``."""
    return permission in _GRANTS[role]


def outranks_or_equals(granter: Role, role: Role) -> bool:
    """A user may hand out only roles at or below their own (a tenant admin cannot mint platform admins)."""
    order = [Role.VIEWER, Role.MEMBER, Role.TENANT_ADMIN, Role.PLATFORM_ADMIN]
    return order.index(granter) >= order.index(role)
