"""Where the time of one job submission goes: each step of the request, timed in-process on SQLite.

Run: `.venv/bin/python benchmarks/training/submit_breakdown.py [--n 500]`. Times the steps of
`POST /api/v1/tenants/{tenant}/jobs` as the server did them before the edge work (the key check and the audit
event each in a transaction of their own, beside the create transaction) and as it does them now (the key
from the verified-key cache; idempotency lookup, submit, idempotency record and audit event in one
transaction). The rest of a request's cost (uvicorn, FastAPI, pydantic, the thread-pool hop) is what the HTTP
rate of submit_rate.py leaves unexplained. Appends a table to benchmarks/training/results/submit_rate.md.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text

from suanli.api.context import _RECALL, _REMEMBER
from suanli.state.db import Database
from suanli.state.models import IdempotencyRecord, utcnow
from suanli.tenancy import audit, key_cache
from suanli.tenancy.bootstrap import ensure_admin
from suanli.tenancy.key_cache import VerifiedKeys
from suanli.tenancy.principal import authenticate
from suanli.training import jobs

RESULTS = Path(__file__).parent / "results" / "submit_rate.md"


def median_ms(step: Callable[[], object], n: int) -> float:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        step()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=500)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="suanli-breakdown-"))
    db = Database(f"sqlite:///{home / 'suanli.db'}")
    db.migrate()
    token = ensure_admin(db, home / "admin.key") or ""
    with db.session() as s:
        principal = authenticate(s, token, utcnow())
    one = jobs.JobRequest(command=["python", "train.py"], kind="nvidia-h100")
    counter = iter(range(10**9))

    def empty() -> None:
        with db.session() as s:
            s.execute(text("SELECT 1"))

    def auth() -> None:
        with db.session() as s:
            authenticate(s, token, utcnow())

    def submit() -> None:
        with db.session() as s:
            jobs.submit(s, principal, "admin", one)

    def submit_with_idempotency() -> None:
        with db.session() as s:
            jobs.submit(s, principal, "admin", one)
            s.add(IdempotencyRecord(key_id=principal.key_id, idempotency_key=f"k{next(counter)}", method="POST",
                                    path="/api/v1/tenants/admin/jobs", request_hash="0" * 64, status_code=201,
                                    response={"id": "x"}, created_at=utcnow()))
            s.flush()

    keys = VerifiedKeys()
    digest = key_cache.digest(token)
    keys.put(key_cache.epoch(), digest, principal, time.monotonic())

    def cached_auth() -> None:
        assert keys.get(digest, time.monotonic(), utcnow()) is not None

    def edge_create() -> None:
        # What Ctx.create commits for POST .../jobs with an Idempotency-Key: one transaction.
        key = f"e{next(counter)}"
        with db.session() as s:
            conn = s.connection()
            conn.execute(_RECALL, {"key_id": principal.key_id, "key": key}).first()
            job, _ = jobs.submit_classified(s, principal, "admin", one)
            conn.execute(_REMEMBER, {"key_id": principal.key_id, "idempotency_key": key, "method": "POST",
                                     "path": "/api/v1/tenants/admin/jobs", "request_hash": "0" * 64,
                                     "status_code": 201, "response": {"id": job.id}, "created_at": utcnow()})
            audit.record(s, principal=principal, action="jobs.submit", target="/api/v1/tenants/admin/jobs",
                         status_code=201, request_id="r", details={"method": "POST"}, target_tenant="admin")

    def batch() -> None:
        with db.session() as s:
            jobs.submit_many(s, principal, "admin", [one] * 100)

    def audited() -> None:
        with db.session() as s:
            audit.record(s, principal=principal, action="jobs.submit", target="/api/v1/tenants/admin/jobs",
                         status_code=201, request_id="r", details={"method": "POST"}, target_tenant="admin")

    steps = [
        ("an empty write transaction (BEGIN IMMEDIATE, COMMIT)", median_ms(empty, args.n)),
        ("API key check, own transaction (before the edge work; now on a cache miss)", median_ms(auth, args.n)),
        ("API key check from the verified-key cache (the edge now)", median_ms(cached_auth, args.n)),
        ("submit: tenant lookup + job and event inserts, one transaction", median_ms(submit, args.n)),
        ("the same with the idempotency record as an ORM flush (ctx.create before the edge work)",
         median_ms(submit_with_idempotency, args.n)),
        ("audit event in its own transaction (the middleware's, now only for calls other than creates)",
         median_ms(audited, args.n)),
        ("the edge now: idempotency lookup, submit, idempotency record and audit event in one transaction",
         median_ms(edge_create, args.n)),
        ("a job-batch of 100, per job", median_ms(batch, max(5, args.n // 20)) / 100),
    ]
    lines = ["", f"## Where the time of one submission goes (median of {args.n}, in-process, SQLite)", "",
             "| step | ms |", "| --- | ---: |"]
    lines += [f"| {name} | {ms:.4f} |" for name, ms in steps]
    print("\n".join(lines))
    with RESULTS.open("a") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
