"""What every authenticated route gets: the caller, transactions, and idempotent creation."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from suanli.core.errors import Conflict, InvalidInput
from suanli.state.db import Database
from suanli.state.models import IdempotencyRecord, utcnow
from suanli.tenancy.principal import Principal, authenticate

IDEMPOTENCY_HEADER = "Idempotency-Key"


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
        key = self.request.headers.get(IDEMPOTENCY_HEADER)
        if key is None:
            with self.tx() as s:
                out = make(s).model_dump(mode="json")
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
                replay = self._replay(s, key, fingerprint)
                if replay is not None:
                    return replay
                out = make(s).model_dump(mode="json")
                s.add(
                    IdempotencyRecord(
                        key_id=self.principal.key_id, idempotency_key=key, method=self.request.method,
                        path=self.request.url.path, request_hash=fingerprint, status_code=201,
                        response=redact(dict(out)) if redact else out, created_at=utcnow(),
                    )
                )
                s.flush()
            return JSONResponse(out, status_code=201)
        except (IntegrityError, Conflict):
            # A request with the same key raced us from another connection and won (our insert waited
            # for its commit, then collided): answer what it answered. Otherwise the conflict is real.
            with self.tx() as s:
                replay = self._replay(s, key, fingerprint)
            if replay is None:
                raise
            return replay

    def _replay(self, s: Session, key: str, fingerprint: str) -> JSONResponse | None:
        record = s.scalars(
            select(IdempotencyRecord).where(
                IdempotencyRecord.key_id == self.principal.key_id, IdempotencyRecord.idempotency_key == key
            )
        ).first()
        if record is None:
            return None
        if record.request_hash != fingerprint:
            raise Conflict(f"{IDEMPOTENCY_HEADER} {key!r} was already used for a different request")
        return JSONResponse(record.response, status_code=record.status_code, headers={"Idempotent-Replayed": "true"})


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def context(request: Request, db: Annotated[Database, Depends(database)]) -> Ctx:
    with db.session() as s:
        principal = authenticate(s, bearer(request), utcnow())
    request.state.principal = principal
    return Ctx(request, db, principal)


CtxDep = Annotated[Ctx, Depends(context)]
