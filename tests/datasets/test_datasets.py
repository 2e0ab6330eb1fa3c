"""Datasets end to end through the SDK, on both databases and both object stores (local, real S3)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import httpx
import pytest
from tests.datasets.conftest import World, big_docs, docs, write_jsonl, write_parquet

from suanli.core import errors


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_upload_manifest_download_export_and_lineage(world: World, tmp_path: Path) -> None:
    c = world.client("member")
    c.create_dataset("alpha", "news", description="zh news")
    big = big_docs(world.chunk)  # several chunks per file
    files = [write_jsonl(tmp_path / "a.jsonl", big), write_jsonl(tmp_path / "b.jsonl.gz", docs(50, seed=2)),
             write_jsonl(tmp_path / "c.jsonl.zst", docs(7, seed=3))]
    assert files[0].stat().st_size > 2 * world.chunk
    seen: list[tuple[int, int]] = []
    v1 = c.upload_dataset("alpha", "news", files, chunk_size=world.chunk, progress=lambda d, t: seen.append((d, t)))
    assert (v1["number"], v1["total_documents"]) == (1, 87)
    assert v1["total_bytes"] == sum(f.stat().st_size for f in files)
    assert seen[-1][0] == seen[-1][1] == v1["total_bytes"]

    m = c.dataset_version("alpha", "news", "latest")
    assert [(s["name"], s["size"], s["sha256"], s["documents"], s["compression"]) for s in m["shards"]] == [
        ("a.jsonl", files[0].stat().st_size, sha(files[0]), 30, "none"),
        ("b.jsonl.gz", files[1].stat().st_size, sha(files[1]), 50, "gzip"),
        ("c.jsonl.zst", files[2].stat().st_size, sha(files[2]), 7, "zstd"),
    ]
    # Content addressing: the shard objects are named by their sha256.
    keys = sorted(o.key.rsplit("/", 1)[1] for o in world.store.list("tenants/"))
    assert keys == sorted(s["sha256"] + s["name"][s["name"].index("."):] for s in m["shards"])

    out = tmp_path / "down"
    c.download_dataset("alpha", "news", out)
    for f in files:
        assert (out / f.name).read_bytes() == f.read_bytes()
    assert json.loads((out / "manifest.json").read_text())["total_documents"] == 87

    c.export_dataset("alpha", "news", tmp_path / "all.jsonl")
    exported = [json.loads(line) for line in (tmp_path / "all.jsonl").read_text().splitlines()]
    assert exported == big + docs(50, seed=2) + docs(7, seed=3)

    # A curated version: lineage, and unchanged shards are not sent again.
    v2 = c.upload_dataset("alpha", "news", [files[1], write_jsonl(tmp_path / "d.jsonl", docs(3, seed=4))],
                          chunk_size=world.chunk, parent_version=1, recipe="zh-web", report="reports/1.json")
    assert (v2["number"], v2["parent_number"], v2["recipe"], v2["report"]) == (2, 1, "zh-web", "reports/1.json")
    assert [v["number"] for v in c.dataset_versions("alpha", "news")] == [1, 2]
    ds = c.dataset("alpha", "news")
    assert (ds["latest_version"], ds["version_count"]) == (2, 2)
    usage = c.storage("alpha")
    assert usage["stored_bytes"] == v1["total_bytes"] + (tmp_path / "d.jsonl").stat().st_size
    assert usage["reserved_bytes"] == 0


def test_parquet_shards_are_counted_by_rows_and_exported_as_json_lines(world: World, tmp_path: Path) -> None:
    c = world.client("member")
    c.create_dataset("alpha", "tables")
    rows = docs(40, seed=5)
    files = [write_parquet(tmp_path / "a.parquet", rows), write_jsonl(tmp_path / "b.jsonl", docs(3, seed=6))]
    v1 = c.upload_dataset("alpha", "tables", files, chunk_size=world.chunk)
    assert v1["total_documents"] == 43
    m = c.dataset_version("alpha", "tables", 1)
    assert [(s["name"], s["documents"], s["compression"], s["sha256"]) for s in m["shards"]] == [
        ("a.parquet", 40, "parquet", sha(files[0])), ("b.jsonl", 3, "none", sha(files[1]))]
    c.download_dataset("alpha", "tables", tmp_path / "down")
    assert (tmp_path / "down" / "a.parquet").read_bytes() == files[0].read_bytes()
    c.export_dataset("alpha", "tables", tmp_path / "all.jsonl")
    exported = [json.loads(line) for line in (tmp_path / "all.jsonl").read_text().splitlines()]
    assert exported == rows + docs(3, seed=6)
    # A file named .parquet that is not one is refused at commit, and no version appears.
    fake = tmp_path / "c.parquet"
    fake.write_bytes(b'{"text": "a JSON line in disguise"}\n')
    with pytest.raises(errors.InvalidInput, match="not a Parquet file"):
        c.upload_dataset("alpha", "tables", [fake], chunk_size=world.chunk)
    assert [v["number"] for v in c.dataset_versions("alpha", "tables")] == [1]


def test_download_resumes_a_partial_file(world: World, tmp_path: Path) -> None:
    c = world.client("member")
    c.create_dataset("alpha", "ds")
    f = write_jsonl(tmp_path / "a.jsonl", docs(40, seed=5))
    c.upload_dataset("alpha", "ds", [f], chunk_size=world.chunk)
    out = tmp_path / "out"
    out.mkdir()
    (out / ".a.jsonl.part").write_bytes(f.read_bytes()[:1000])
    c.download_dataset("alpha", "ds", out, version=1)
    assert (out / "a.jsonl").read_bytes() == f.read_bytes()
    assert not (out / ".a.jsonl.part").exists()
    # A damaged partial file is caught by the checksum and removed.
    (out / "a.jsonl").unlink()
    (out / ".a.jsonl.part").write_bytes(b"X" * 1000)
    with pytest.raises(errors.InvalidInput, match="damaged"):
        c.download_dataset("alpha", "ds", out, version=1)
    assert not (out / ".a.jsonl.part").exists()


def test_tenants_are_isolated_and_viewers_cannot_write(world: World, tmp_path: Path) -> None:
    member = world.client("member")
    member.create_dataset("alpha", "secret")
    f = write_jsonl(tmp_path / "a.jsonl", docs(3))
    member.upload_dataset("alpha", "secret", [f], chunk_size=world.chunk)
    beta = world.client("tenant-admin", "beta")
    for call in (lambda: beta.dataset("alpha", "secret"), lambda: beta.dataset_version("alpha", "secret"),
                 lambda: list(beta.stream_dataset_shard("alpha", "secret", 1, 0)),
                 lambda: beta.delete_dataset("alpha", "secret"), lambda: beta.datasets("alpha")):
        with pytest.raises(errors.NotFound):
            call()
    assert beta.datasets("beta") == []
    viewer = world.client("viewer")
    assert [d["name"] for d in viewer.datasets("alpha")] == ["secret"]
    assert b"".join(viewer.stream_dataset_shard("alpha", "secret", 1, 0)) == f.read_bytes()
    with pytest.raises(errors.Forbidden):
        viewer.create_dataset("alpha", "mine")
    with pytest.raises(errors.Forbidden):
        viewer.upload_dataset("alpha", "secret", [f], chunk_size=world.chunk)
    with pytest.raises(errors.Forbidden):
        viewer.delete_dataset("alpha", "secret")
    assert [v["number"] for v in member.dataset_versions("alpha", "secret")] == [1]


def test_storage_quota(world: World, tmp_path: Path) -> None:
    c = world.client("member")
    c.create_dataset("alpha", "q")
    f = write_jsonl(tmp_path / "a.jsonl", docs(20))
    size = f.stat().st_size
    world.admin.update_tenant("alpha", storage_quota_bytes=size + 10)
    c.upload_dataset("alpha", "q", [f], chunk_size=world.chunk)
    g = write_jsonl(tmp_path / "b.jsonl", docs(20, seed=9))
    with pytest.raises(errors.QuotaExceeded) as exc:
        c.upload_dataset("alpha", "q", [g], chunk_size=world.chunk)
    assert exc.value.details["stored_bytes"] == size and exc.value.details["requested_bytes"] == g.stat().st_size
    assert "quota" in exc.value.message
    assert [v["number"] for v in c.dataset_versions("alpha", "q")] == [1]
    assert c.storage("alpha")["reserved_bytes"] == 0
    # The same bytes again cost nothing: shards are content-addressed.
    assert c.upload_dataset("alpha", "q", [f], chunk_size=world.chunk)["number"] == 2
    # An open upload reserves its bytes until it commits or is aborted.
    world.admin.update_tenant("alpha", storage_quota_bytes=size + g.stat().st_size)
    first = c.begin_dataset_upload("alpha", "q", [_decl(g)], chunk_size=world.chunk)
    h = write_jsonl(tmp_path / "h.jsonl", docs(1, seed=11))
    with pytest.raises(errors.QuotaExceeded):
        c.begin_dataset_upload("alpha", "q", [_decl(h)], chunk_size=world.chunk)
    c.abort_dataset_upload("alpha", "q", first["id"])
    assert c.begin_dataset_upload("alpha", "q", [_decl(h)], chunk_size=world.chunk)["reserved_bytes"] > 0
    # 0 means no limit.
    world.admin.update_tenant("alpha", storage_quota_bytes=0)
    assert c.upload_dataset("alpha", "q", [g], chunk_size=world.chunk)["number"] == 3


def _decl(path: Path) -> dict[str, object]:
    return {"name": path.name, "size": path.stat().st_size, "sha256": sha(path)}


def _put(world: World, upload: dict[str, object], index: int, number: int, data: bytes,
         digest: str | None = None) -> httpx.Response:
    token = world.alpha["member"].token
    return httpx.put(
        f"{world.url}/api/v1/tenants/alpha/datasets/{upload['dataset']}/uploads/{upload['id']}/files/{index}"
        f"/chunks/{number}", content=data,
        headers={"Authorization": f"Bearer {token}", "X-Content-SHA256": digest or hashlib.sha256(data).hexdigest()},
    )


def test_corrupted_chunks_are_refused(world: World, tmp_path: Path) -> None:
    c = world.client("member")
    c.create_dataset("alpha", "bad")
    f = write_jsonl(tmp_path / "a.jsonl", big_docs(world.chunk))
    data = f.read_bytes()
    up = c.begin_dataset_upload("alpha", "bad", [_decl(f)], chunk_size=world.chunk)
    first = data[: world.chunk]
    damaged = bytes([first[0] ^ 1]) + first[1:]
    r = _put(world, up, 0, 1, damaged, digest=hashlib.sha256(first).hexdigest())
    assert r.status_code == 422 and r.json()["error"]["code"] == "checksum_mismatch"
    r = _put(world, up, 0, 1, first[:-1])
    assert r.status_code == 422 and "must be" in r.json()["error"]["message"]
    r = _put(world, up, 0, 1, first, digest=None) if False else httpx.put(
        f"{world.url}/api/v1/tenants/alpha/datasets/bad/uploads/{up['id']}/files/0/chunks/1", content=first,
        headers={"Authorization": f"Bearer {world.alpha['member'].token}"})
    assert r.status_code == 422
    assert c.dataset_upload("alpha", "bad", up["id"])["files"][0]["received"] == []
    with pytest.raises(errors.Conflict, match="not complete"):
        c.commit_dataset_upload("alpha", "bad", up["id"])
    # A resumed upload sends the chunk again, this time intact.
    assert c.upload_dataset("alpha", "bad", [f], chunk_size=world.chunk)["total_documents"] == 30


def test_wrong_declared_checksum_fails_at_commit_and_leaves_nothing(world: World, tmp_path: Path) -> None:
    c = world.client("member")
    c.create_dataset("alpha", "lie")
    f = write_jsonl(tmp_path / "a.jsonl", docs(5))
    lie = {**_decl(f), "sha256": "0" * 64}
    up = c.begin_dataset_upload("alpha", "lie", [lie], chunk_size=world.chunk)
    assert _put(world, up, 0, 1, f.read_bytes()).status_code == 200
    with pytest.raises(errors.InvalidInput) as exc:
        c.commit_dataset_upload("alpha", "lie", up["id"])
    assert "sha256" in exc.value.message
    assert c.dataset_versions("alpha", "lie") == []
    assert c.dataset_upload("alpha", "lie", up["id"])["status"] == "aborted"
    assert [o.key for o in world.store.list("tenants/")] == []


def test_not_jsonl_is_refused_before_sending_and_at_commit(world: World, tmp_path: Path) -> None:
    c = world.client("member")
    c.create_dataset("alpha", "csv")
    f = tmp_path / "a.jsonl"
    f.write_bytes(b"id,text\n1,hello\n")
    z = tmp_path / "b.jsonl.gz"
    z.write_bytes(b'{"text": "not gzip at all"}\n')
    # The SDK looks at the first line before it sends anything.
    for bad, message in ((f, "a.jsonl is not JSON Lines: its first line"),
                         (z, "b.jsonl.gz is not JSON Lines, gzip-compressed as its name says")):
        with pytest.raises(errors.InvalidInput, match=message):
            c.upload_dataset("alpha", "csv", [bad], chunk_size=world.chunk)
    assert [o.key for o in world.store.list("tenants/")] == []
    # A client that sends it anyway is refused at commit, and no version appears.
    up = c.begin_dataset_upload("alpha", "csv", [_decl(f)], chunk_size=world.chunk)
    assert _put(world, up, 0, 1, f.read_bytes()).status_code == 200
    with pytest.raises(errors.InvalidInput, match="JSON Lines"):
        c.commit_dataset_upload("alpha", "csv", up["id"])
    assert c.dataset_versions("alpha", "csv") == []


def test_interrupted_upload_is_invisible_then_resumes(world: World, tmp_path: Path) -> None:
    c = world.client("member")
    c.create_dataset("alpha", "half")
    f = write_jsonl(tmp_path / "a.jsonl", big_docs(world.chunk))
    data = f.read_bytes()
    up = c.begin_dataset_upload("alpha", "half", [_decl(f)], chunk_size=world.chunk)
    assert up["files"][0]["parts"] >= 3
    assert _put(world, up, 0, 2, data[world.chunk : 2 * world.chunk]).status_code == 200
    # Nothing visible: no version, no shard object, only a reservation.
    assert c.dataset_versions("alpha", "half") == []
    assert c.dataset("alpha", "half")["latest_version"] is None
    with pytest.raises(errors.NotFound):
        c.dataset_version("alpha", "half")
    assert [o.key for o in world.store.list("tenants/")] == []
    assert c.storage("alpha")["reserved_bytes"] == len(data)
    again = c.begin_dataset_upload("alpha", "half", [_decl(f)], chunk_size=world.chunk)
    assert (again["id"], again["resumed"], again["files"][0]["received"]) == (up["id"], True, [2])
    v = c.upload_dataset("alpha", "half", [f], chunk_size=world.chunk)
    assert v["number"] == 1 and c.dataset_upload("alpha", "half", up["id"])["status"] == "committed"
    assert c.commit_dataset_upload("alpha", "half", up["id"])["id"] == v["id"]  # committing twice: same version


def test_abandoned_uploads_expire(world: World, tmp_path: Path) -> None:
    from sqlalchemy import update

    from suanli.state.data import UploadSession
    from suanli.state.models import utcnow

    c = world.client("member")
    c.create_dataset("alpha", "gone")
    f = write_jsonl(tmp_path / "a.jsonl", big_docs(world.chunk))
    up = c.begin_dataset_upload("alpha", "gone", [_decl(f)], chunk_size=world.chunk)
    assert _put(world, up, 0, 1, f.read_bytes()[: world.chunk]).status_code == 200
    assert len(world.store.pending_uploads("tenants/")) == 1
    world.platform.runner.run_pass()  # type: ignore[attr-defined]
    assert c.dataset_upload("alpha", "gone", up["id"])["status"] == "open"  # not expired yet
    with world.platform.db.session() as s:  # type: ignore[attr-defined]
        s.execute(update(UploadSession).where(UploadSession.id == up["id"]).values(expires_at=utcnow()))
    world.platform.runner.run_pass()  # type: ignore[attr-defined]
    state = c.dataset_upload("alpha", "gone", up["id"])
    assert (state["status"], state["reserved_bytes"]) == ("expired", 0)
    assert world.store.pending_uploads("tenants/") == []
    assert c.storage("alpha")["reserved_bytes"] == 0
    with pytest.raises(errors.Conflict, match="expired"):
        c.commit_dataset_upload("alpha", "gone", up["id"])
    # The same files again start a fresh upload.
    assert c.upload_dataset("alpha", "gone", [f], chunk_size=world.chunk)["number"] == 1


def test_creates_are_idempotent_and_names_unique(world: World) -> None:
    token = world.alpha["member"].token
    url = f"{world.url}/api/v1/tenants/alpha/datasets"
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "k1"}
    first = httpx.post(url, json={"name": "once"}, headers=headers)
    again = httpx.post(url, json={"name": "once"}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"] and again.headers["idempotent-replayed"] == "true"
    with pytest.raises(errors.Conflict):
        world.client("member").create_dataset("alpha", "once")
    with pytest.raises(errors.InvalidInput):
        world.client("member").create_dataset("alpha", "Bad Name")
    assert [d["name"] for d in world.client().datasets("alpha")] == ["once"]


def test_delete_versions_and_datasets(world: World, tmp_path: Path) -> None:
    c = world.client("member")
    c.create_dataset("alpha", "del")
    a, b = write_jsonl(tmp_path / "a.jsonl", docs(4)), write_jsonl(tmp_path / "b.jsonl", docs(4, seed=2))
    c.upload_dataset("alpha", "del", [a], chunk_size=world.chunk)
    c.upload_dataset("alpha", "del", [a, b], chunk_size=world.chunk, parent_version=1)
    with pytest.raises(errors.Conflict) as exc:
        c.delete_dataset_version("alpha", "del", 1)
    assert exc.value.details == {"children": [2]}
    c.delete_dataset_version("alpha", "del", 2)
    # a's shard is still used by version 1; b's is gone.
    keys = [o.key for o in world.store.list("tenants/")]
    assert len(keys) == 1 and keys[0].endswith(sha(a) + ".jsonl")
    c.delete_dataset_version("alpha", "del", 1)
    assert [o.key for o in world.store.list("tenants/")] == []
    c.upload_dataset("alpha", "del", [a], chunk_size=world.chunk)
    c.begin_dataset_upload("alpha", "del", [_decl(b)], chunk_size=world.chunk)  # left open
    c.delete_dataset("alpha", "del")
    with pytest.raises(errors.NotFound):
        c.dataset("alpha", "del")
    assert [o.key for o in world.store.list("tenants/")] == []
    assert world.store.pending_uploads("tenants/") == []
    assert c.storage("alpha") == {"stored_bytes": 0, "reserved_bytes": 0, "quota_bytes": 0}
