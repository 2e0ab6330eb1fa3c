"""The claim protocol: one worker per row at a time, expiry after a crash, fencing of late writers."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from suanli.controllers import claims
from suanli.controllers.tenants import TenantController
from suanli.core.ids import new_id
from suanli.state.db import Database
from suanli.state.models import AuditEvent, Tenant, utcnow


def _tenants(db: Database, n: int) -> list[str]:
    with db.session() as s:
        rows = [Tenant(id=new_id("ten"), name=f"t{i}") for i in range(n)]
        s.add_all(rows)
    return [r.id for r in rows]


def test_a_claimed_row_is_not_claimed_again_until_its_lease_expires(db: Database) -> None:
    _tenants(db, 3)
    ctl = TenantController.__new__(TenantController)
    now = utcnow()
    a, _ = claims.claim(db, Tenant, ctl.needs_work(), worker="a", now=now, lease=timedelta(seconds=30), limit=10)
    b, _ = claims.claim(db, Tenant, ctl.needs_work(), worker="b", now=now, lease=timedelta(seconds=30), limit=10)
    assert len(a) == 3 and b == []
    later = now + timedelta(seconds=31)  # worker a died holding its leases
    b, _ = claims.claim(db, Tenant, ctl.needs_work(), worker="b", now=later, lease=timedelta(seconds=30), limit=10)
    assert sorted(b) == sorted(a)


def test_a_late_writer_is_fenced_off(db: Database) -> None:
    (tid,) = _tenants(db, 1)
    ctl = TenantController.__new__(TenantController)
    now = utcnow()
    _, token_a = claims.claim(db, Tenant, ctl.needs_work(), worker="a", now=now, lease=timedelta(seconds=1), limit=1)
    _, token_b = claims.claim(db, Tenant, ctl.needs_work(), worker="b", now=now + timedelta(seconds=2),
                              lease=timedelta(seconds=30), limit=1)
    with pytest.raises(claims.LeaseLost), db.session() as s:
        row = s.get(Tenant, tid)
        assert row is not None
        row.status = "active"  # a's work, which must not land
        claims.release(s, Tenant, tid, token_a)
    with db.session() as s:
        row = s.get(Tenant, tid)
        assert row is not None and row.status == "provisioning" and row.claimed_by == "b"
        claims.release(s, Tenant, tid, token_b)


WORKER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from suanli.controllers.runner import ControllerRunner
    from suanli.controllers.tenants import TenantController
    from suanli.state.db import Database
    url, worker, objects = sys.argv[1:4]
    runner = ControllerRunner(Database(url), [TenantController(Path(objects))], worker=worker)
    idle = 0
    while idle < 3:
        idle = idle + 1 if runner.run_pass() == 0 else 0
""")


def test_two_processes_one_database_no_object_worked_twice(db: Database, database_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ids = _tenants(db, 300)
    procs = [
        subprocess.Popen([sys.executable, "-c", WORKER, database_url, f"w{i}", str(tmp_path / "objects")])
        for i in range(2)
    ]
    for p in procs:
        assert p.wait(timeout=120) == 0
    with db.session() as s:
        statuses = Counter(s.scalars(select(Tenant.status)).all())
        events = s.execute(
            select(AuditEvent.tenant_id, AuditEvent.details).where(AuditEvent.action == "tenant.provisioned")
        ).all()
        leftover = s.scalar(select(func.count()).select_from(Tenant).where(Tenant.claimed_by.is_not(None)))
    assert statuses == {"active": 300}
    per_tenant = Counter(tenant_id for tenant_id, _ in events)
    assert set(per_tenant) == set(ids) and set(per_tenant.values()) == {1}  # each worked exactly once
    per_worker = Counter(details["worker"] for _, details in events)
    assert set(per_worker) <= {"w0", "w1"} and leftover == 0
