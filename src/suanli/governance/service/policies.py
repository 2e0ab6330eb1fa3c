"""The platform's placement rules: YAML documents, versioned, uploaded by platform admins.

The newest document is the rule set in use. An upload is checked like a file (``load_rules``: line
and field of every mistake) and against the past: a rule version that is already in force must stay
exactly as it was, and a new or changed version must take effect now or later. So an upload can
never change a decision already taken (docs/governance.md, "Writing a rule").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from suanli.core.errors import Conflict, InvalidInput, NotFound
from suanli.governance.policy import Rule, load_rules
from suanli.state.governance import PolicyDocument
from suanli.tenancy.principal import Principal
from suanli.tenancy.roles import Permission

MAX_TEXT = 256 * 1024


def upload(session: Session, principal: Principal, text: str, now: datetime, note: str = "") -> PolicyDocument:
    """Store a new version of the rule set; refused when it would change the past."""
    principal.require(Permission.TENANTS_MANAGE)
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"a rule document is at most {MAX_TEXT} characters")
    latest = _latest(session)
    version = 1 if latest is None else latest.version + 1
    rules = load_rules(text, source=f"policy v{version}")
    previous = load_rules(latest.text, source=f"policy v{latest.version}") if latest else ()
    _check_not_retroactive(previous, rules, now)
    row = PolicyDocument(version=version, text=text, author=principal.user_name, note=note,
                         rule_count=len(rules), uploaded_at=now)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"policy version {version} was uploaded concurrently; upload again") from None
    return row


def documents(session: Session, principal: Principal) -> Sequence[PolicyDocument]:
    """Every version of the rule set, newest first (platform admins)."""
    principal.require(Permission.TENANTS_MANAGE)
    return session.scalars(select(PolicyDocument).order_by(PolicyDocument.version.desc())).all()


def document(session: Session, principal: Principal, version: int) -> PolicyDocument:
    principal.require(Permission.TENANTS_MANAGE)
    row = session.get(PolicyDocument, version)
    if row is None:
        raise NotFound(f"no policy version {version}")
    return row


def current_rules(session: Session) -> tuple[tuple[Rule, ...], int | None]:
    """The rule versions of the newest document and its version (no rules, None: nothing forbidden)."""
    latest = _latest(session)
    if latest is None:
        return (), None
    return load_rules(latest.text, source=f"policy v{latest.version}"), latest.version


def _latest(session: Session) -> PolicyDocument | None:
    newest = session.scalar(select(func.max(PolicyDocument.version)))
    return None if newest is None else session.get(PolicyDocument, newest)


def _check_not_retroactive(previous: Sequence[Rule], rules: Sequence[Rule], now: datetime) -> None:
    new = {(r.id, r.version): r for r in rules}
    old = {(r.id, r.version): r for r in previous}
    for key, rule in old.items():
        if rule.effective <= now and new.get(key) != rule:
            change = "removes" if key not in new else "changes"
            raise InvalidInput(
                f"this upload {change} rule {rule.id} version {rule.version}, in force since "
                f"{rule.effective.isoformat()}: decisions already taken would change. Add a new version "
                "(with a later effective time, or withdrawn: true) instead",
                details={"rule": rule.id, "version": rule.version},
            )
    for key, rule in new.items():
        if old.get(key) != rule and rule.effective < now:
            raise InvalidInput(
                f"rule {rule.id} version {rule.version} takes effect at {rule.effective.isoformat()}, in the "
                "past: rules are never retroactive; give an effective time from now on",
                details={"rule": rule.id, "version": rule.version},
            )
