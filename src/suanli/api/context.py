"""What every authenticated route gets: the caller, transactions, and idempotent creation."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import anyio
from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from suanli.api import auditing
from suanli.core.errors import Conflict, InvalidInput
from suanli.state.db import Database
from suanli.state.models import IdempotencyRecord, utcnow
from suanli.tenancy import key_cache
from suanli.tenancy.principal import Principal, authenticate

IDEMPOTENCY_HEADER = "Idempotency-Key"
_REMEMBER = insert(IdempotencyRecord.__table__)  # type: ignore[arg-type]
_RECORDED = IdempotencyRecord.__table__.c
_RECALL = select(_RECORDED.request_hash, _RECORDED.status_code, _RECORDED.response).where(
    _RECORDED.key_id == bindparam("key_id"), _RECORDED.idempotency_key == bindparam("key")
)


class Ctx:
    """The request's caller and database, with the transaction helpers routes use."""

    def __init__(self, request: Request, db: Database, principal: Principal) -> None:
        self.request = request
        self.db = db
        self.principal = principal

    @contextmanager
    def tx(self) -> Iterator[Session]:
        with self.db.session() as s:
            yield s

    def create(
        self, body: BaseModel | None, make: Callable[[Session], BaseModel],
        redact: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> JSONResponse:
        """Run a create and answer 201, honouring ``Idempotency-Key``.

        The stored answer commits in the same transaction as the created object, so a retry after
        a crash or a lost response either replays it or creates once. ``redact`` removes secrets
        (a new API key's token) from the stored copy: a replay then says the token was shown once.
        """
        scope = self.request.scope
        key = self.request.headers.get(IDEMPOTENCY_HEADER)
        if key is None:
            with self.tx() as s:
                out = make(s).model_dump(mode="json")
                self._audit(s, 201)
            auditing.mark_done(scope)
            return JSONResponse(out, status_code=201)
        if not 1 <= len(key) <= 200:
            raise InvalidInput(f"{IDEMPOTENCY_HEADER} must be 1 to 200 characters")
        fingerprint = hashlib.sha256(
            json.dumps(
                [self.request.method, self.request.url.path, body.model_dump(mode="json") if body else None],
                sort_keys=True,
            ).encode()
        ).hexdigest()
        try:
            with self.tx() as s:
                answer = self._replay(s, key, fingerprint)
                if answer is None:
                    out = make(s).model_dump(mode="json")
                    s.connection().execute(_REMEMBER, {
                        "key_id": self.principal.key_id, "idempotency_key": key, "method": scope["method"],
                        "path": scope["path"], "request_hash": fingerprint, "status_code": 201,
                        "response": redact(dict(out)) if redact else out, "created_at": utcnow(),
                    })
                    answer = JSONResponse(out, status_code=201)
                self._audit(s, answer.status_code)
            auditing.mark_done(scope)
            return answer
        except (IntegrityError, Conflict):
            # A request with the same key raced us from another connection and won (our insert waited
            # for its commit, then collided): answer what it answered. Otherwise the conflict is real.
            with self.tx() as s:
                replay = self._replay(s, key, fingerprint)
            if replay is None:
                raise
            return replay

    def _audit(self, s: Session, status: int) -> None:
        # The event commits with the work it records: one transaction, durable before the answer leaves.
        if auditing.wanted(self.request.scope):
            auditing.record(s, self.request.scope, status, self.principal)

    def _replay(self, s: Session, key: str, fingerprint: str) -> JSONResponse | None:
        record = s.connection().execute(_RECALL, {"key_id": self.principal.key_id, "key": key}).first()
        if record is None:
            return None
        request_hash, status_code, response = record
        if request_hash != fingerprint:
            raise Conflict(f"{IDEMPOTENCY_HEADER} {key!r} was already used for a different request")
        return JSONResponse(response, status_code=status_code, headers={"Idempotent-Replayed": "true"})


async def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _verify(db: Database, token: str | None) -> Principal:
    with db.session() as s:
        return authenticate(s, token, utcnow())


async def context(request: Request, db: Annotated[Database, Depends(database)]) -> Ctx:
    """The caller, from the verified-key cache when it can (no transaction, no thread), else the database."""
    token = bearer(request)
    keys: key_cache.VerifiedKeys = request.app.state.keys
    principal = None
    if token:
        digest = key_cache.digest(token)
        principal = keys.get(digest, time.monotonic(), utcnow())
    if principal is None:
        seen = key_cache.epoch()  # before the query: a credential withdrawn meanwhile keeps it out of the cache
        principal = await anyio.to_thread.run_sync(_verify, db, token)
        if token:
            keys.put(seen, digest, principal, time.monotonic())
    request.state.principal = principal
    return Ctx(request, db, principal)


CtxDep = Annotated[Ctx, Depends(context)]
