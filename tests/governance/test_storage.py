"""Storage sampling of models and checkpoints (the pure core): keys per holder, checkpoint files owned once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from suanli.governance.storage import CheckpointFolder, Holder, StoredObject, checkpoint_objects, storage_records

H = datetime(2026, 11, 3, 7, tzinfo=UTC)


def test_each_holder_has_its_own_key_and_the_same_id_under_two_holders_is_two_records() -> None:
    objects = [
        StoredObject("t", "ann", "x1", "tenants/t/models/x1/v1", 2000, H - timedelta(hours=3), Holder.MODEL),
        StoredObject("t", "ann", "x1", "tenants/t/models/x1/v2", 1000, H + timedelta(minutes=59), Holder.MODEL),
        StoredObject("t", "bob", "x1", "checkpoints/t/run/a.pt", 700, H - timedelta(hours=1), Holder.CHECKPOINT),
        StoredObject("t", "cy", "x1", "shard-k", 9, H - timedelta(hours=1)),  # a dataset: the key it always had
        StoredObject("t", "ann", "x2", "tenants/t/models/x2/v1", 0, H - timedelta(hours=1), Holder.MODEL),
    ]
    records = storage_records(objects, [H, H + timedelta(hours=1)], "store")
    got = {(r.key, r.user, r.units) for r in records}
    hour, nxt = H.isoformat(), (H + timedelta(hours=1)).isoformat()
    assert got == {
        (f"x1/storage/{hour}", "cy", Decimal("9E-9")), (f"x1/storage/{nxt}", "cy", Decimal("9E-9")),
        # version 2 became ready one minute before the hour ended: it counts for the whole hour
        (f"model/x1/storage/{hour}", "ann", Decimal("0.000003")),
        (f"model/x1/storage/{nxt}", "ann", Decimal("0.000003")),
        (f"checkpoint/x1/storage/{hour}", "bob", Decimal("7E-7")),
        (f"checkpoint/x1/storage/{nxt}", "bob", Decimal("7E-7")),
    }  # an empty model stores nothing and has no record
    assert {r.subject for r in records} == {"x1"} and all(r.end - r.start == timedelta(hours=1) for r in records)
    assert storage_records(objects, [H], "store") == [r for r in records if r.start == H]  # sampled alone: the same


def test_a_checkpoint_file_is_billed_once_to_the_deepest_folder_and_a_shared_folder_to_its_newest_job() -> None:
    t = H - timedelta(days=1)
    folders = [
        CheckpointFolder("job_old", "t", "ann", "checkpoints/t/run", t),
        CheckpointFolder("job_new", "t", "bob", "checkpoints/t/run", t + timedelta(hours=2)),  # resumes job_old's
        CheckpointFolder("job_sub", "t", "cy", "checkpoints/t/run/eval", t + timedelta(hours=1)),
        CheckpointFolder("job_own", "t", "ann", "jobs/job_own/checkpoints", t),
    ]
    files = [
        ("checkpoints/t/run/step-1.pt", 100, t),
        ("checkpoints/t/run/eval/score.pt", 10, t),
        ("checkpoints/t/running/x.pt", 5, t),  # a sibling folder whose name starts alike: nobody's
        ("jobs/job_own/checkpoints/a/b.pt", 1, t),
        ("jobs/job_other/checkpoints/c.pt", 1, t),  # a job with no folder on record
    ]
    owned = {(o.subject, o.key, o.user, o.holder) for o in checkpoint_objects(folders, files)}
    assert owned == {
        ("job_new", "checkpoints/t/run/step-1.pt", "bob", Holder.CHECKPOINT),
        ("job_sub", "checkpoints/t/run/eval/score.pt", "cy", Holder.CHECKPOINT),
        ("job_own", "jobs/job_own/checkpoints/a/b.pt", "ann", Holder.CHECKPOINT),
    }
    assert checkpoint_objects(list(reversed(folders)), files) == checkpoint_objects(folders, files)
