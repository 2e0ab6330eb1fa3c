"""Users of a tenant and their roles."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from suanli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from suanli.core.ids import new_id
from suanli.state.models import Tenant, User
from suanli.tenancy import tenants
from suanli.tenancy.key_cache import credentials_changed
from suanli.tenancy.principal import Principal
from suanli.tenancy.roles import Permission, Role, outranks_or_equals


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise InvalidInput(f"unknown role {value!r}", details={"allowed": [r.value for r in Role]}) from None


def _check_grant(principal: Principal, tenant: Tenant, role: Role) -> None:
    if not outranks_or_equals(principal.role, role):
        raise Forbidden(f"a {principal.role.value} cannot grant the role {role.value!r}")
    if role is Role.PLATFORM_ADMIN and tenant.name != "admin":
        raise InvalidInput("platform-admin users belong to the 'admin' tenant")


def resolve(session: Session, principal: Principal, tenant: Tenant, ref: str) -> User:
    user = session.scalars(
        select(User).where(User.tenant_id == tenant.id, or_(User.id == ref, User.name == ref))
    ).first()
    if user is None:
        raise NotFound(f"no user {ref!r} in tenant {tenant.name!r}")
    return user


def create(
    session: Session, principal: Principal, tenant_ref: str, *, name: str, role: str, email: str | None = None
) -> User:
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.USERS_MANAGE)
    tenants.check_name(name, "user")
    granted = _role(role)
    _check_grant(principal, tenant, granted)
    tenant_name = tenant.name  # a failed flush expires loaded rows: read what the message needs first
    user = User(id=new_id("usr"), tenant_id=tenant.id, name=name, role=granted.value, email=email)
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"user {name!r} already exists in tenant {tenant_name!r}") from None
    return user


def listing(
    session: Session, principal: Principal, tenant_ref: str, after: str | None, limit: int
) -> Sequence[User]:
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.READ)
    query = select(User).where(User.tenant_id == tenant.id).order_by(User.id).limit(limit)
    if after:
        query = query.where(User.id > after)
    return session.scalars(query).all()


def get(session: Session, principal: Principal, tenant_ref: str, ref: str) -> User:
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.READ)
    return resolve(session, principal, tenant, ref)


def update(
    session: Session, principal: Principal, tenant_ref: str, ref: str, *, role: str | None = None,
    disabled: bool | None = None, email: str | None = None,
) -> User:
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.USERS_MANAGE)
    user = resolve(session, principal, tenant, ref)
    if user.id == principal.user_id and (role is not None or disabled):
        raise InvalidInput("you cannot change your own role or disable yourself; ask another admin")
    if not outranks_or_equals(principal.role, Role(user.role)):
        raise Forbidden(f"a {principal.role.value} cannot change a {user.role}")
    if role is not None:
        granted = _role(role)
        _check_grant(principal, tenant, granted)
        user.role = granted.value
    if disabled is not None:
        user.disabled = disabled
    if role is not None or disabled is not None:
        credentials_changed(session)  # cached keys of this user must be checked again
    if email is not None:
        user.email = email
    return user
