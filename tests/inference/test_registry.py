"""The model registry through the SDK: versions, chunked uploads, metadata, immutability."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import httpx
import pytest
from tests.api.helpers import make_tenant

from suanli.client import Client
from suanli.core.errors import Conflict, InvalidInput
from suanli.serving.registry.storage import safe_relative


def hf_folder(root: Path, weights: int = 3_000_000) -> Path:
    """A Hugging Face-shaped folder: config, tokenizer config, a safetensors file of ``weights`` bytes."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "config.json").write_text(json.dumps({"architectures": ["GPT2LMHeadModel"], "n_positions": 128}))
    (root / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "PreTrainedTokenizerFast"}))
    (root / "suanli.json").write_text(json.dumps({"dataset": {"version": "ds@v2"}, "parameters": 7}))
    elements = weights // 4
    header = json.dumps({"w": {"dtype": "F32", "shape": [elements], "data_offsets": [0, elements * 4]}}).encode()
    (root / "model.safetensors").write_bytes(struct.pack("<Q", len(header)) + header + b"\0" * (elements * 4))
    (root / "sub").mkdir(exist_ok=True)
    (root / "sub" / "empty.txt").write_bytes(b"")
    return root


@pytest.fixture
def member(platform) -> Client:  # type: ignore[no-untyped-def]
    admin = Client(platform.url, platform.admin_token, retries=0)
    actors = make_tenant(admin, platform.url, "acme")
    platform.runner.run_pass()
    return actors["member"].client(platform.url)


def test_upload_reads_metadata_and_freezes_the_version(member: Client, tmp_path: Path, platform) -> None:  # type: ignore[no-untyped-def]
    member.create_model("acme", "tiny", description="a test model")
    folder = hf_folder(tmp_path / "m")
    seen: list[int] = []
    v = member.upload_model("acme", "tiny", folder, training_job_id="job_1", progress=seen.append)
    assert sum(seen) == sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    assert len(seen) > 3  # the 3 MB file went in several chunks under the 1 MiB body limit
    assert v["status"] == "ready" and v["number"] == 1
    assert v["architecture"] == "GPT2LMHeadModel" and v["context_length"] == 128
    assert v["parameters"] == 750_000  # from the safetensors header, not suanli.json's claim
    assert v["tokenizer"] == "PreTrainedTokenizerFast"
    assert v["training_job_id"] == "job_1" and v["dataset_version"] == "ds@v2"
    assert set(v["files"]) == {
        "config.json",
        "tokenizer_config.json",
        "suanli.json",
        "model.safetensors",
        "sub/empty.txt",
    }
    stored = platform.home / "objects" / "tenants"
    tenant_id = member.me()["tenant_id"]
    model_id = member.model("acme", "tiny")["id"]
    assert (
        stored / tenant_id / "models" / model_id / "v1" / "model.safetensors"
    ).stat().st_size == 3_000_000 + 8 + len(
        json.dumps({"w": {"dtype": "F32", "shape": [750_000], "data_offsets": [0, 3_000_000]}})
    )
    with pytest.raises(Conflict, match="immutable"):
        member.put_model_chunk("acme", "tiny", 1, "extra.bin", 0, b"x")
    v2 = member.upload_model("acme", "tiny", folder)
    assert v2["number"] == 2
    assert [x["number"] for x in member.model_versions("acme", "tiny")] == [1, 2]
    assert member.model_version("acme", "tiny", "latest")["id"] == v2["id"]
    assert [m["name"] for m in member.models("acme")] == ["tiny"]


def test_uploads_resume_at_the_right_offset_and_refuse_bad_paths(member: Client) -> None:
    member.create_model("acme", "m")
    member.create_model_version("acme", "m")
    assert member.put_model_chunk("acme", "m", 1, "config.json", 0, b'{"model_type": ')["size"] == 15
    with pytest.raises(Conflict) as lost:
        member.put_model_chunk("acme", "m", 1, "config.json", 0, b"again")
    assert lost.value.details == {"offset": 15}
    member.put_model_chunk("acme", "m", 1, "config.json", 15, b'"llama"}')
    for bad in ("x.part", "a\\b", "a//b"):
        with pytest.raises(InvalidInput):
            member.put_model_chunk("acme", "m", 1, bad, 0, b"x")
    with pytest.raises(Conflict, match="incomplete"):
        member.finalize_model_version("acme", "m", 1, {"config.json": 23, "model.safetensors": 10})
    v = member.finalize_model_version("acme", "m", 1, {"config.json": 23})
    assert v["architecture"] == "llama" and v["parameters"] == 0


def test_a_version_needs_a_config_and_viewers_cannot_upload(member: Client, platform, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    member.create_model("acme", "m")
    member.create_model_version("acme", "m")
    member.put_model_chunk("acme", "m", 1, "weights.bin", 0, b"123")
    with pytest.raises(InvalidInput, match=r"config\.json"):
        member.finalize_model_version("acme", "m", 1)
    with pytest.raises(InvalidInput, match="Hugging Face"):
        member.upload_model("acme", "m", tmp_path)
    admin = Client(platform.url, platform.admin_token)
    viewer = admin.create_key("acme", user="viewer-acme")["token"]
    r = httpx.post(
        f"{platform.url}/api/v1/tenants/acme/models", json={"name": "v"}, headers={"Authorization": f"Bearer {viewer}"}
    )
    assert r.status_code == 403
    r = httpx.put(
        f"{platform.url}/api/v1/tenants/acme/models/m/versions/1/files/a?offset=0",
        content=b"x" * 2_000_000,
        headers={"Authorization": f"Bearer {platform.admin_token}"},
    )
    assert r.status_code == 413


@pytest.mark.parametrize("bad", ["../escape", "a/../../b", "./config.json", "/etc/passwd", "", "a/", "x\x00y"])
def test_file_paths_stay_inside_the_version(bad: str) -> None:
    with pytest.raises(InvalidInput):
        safe_relative(bad)
    assert str(safe_relative("sub/model.safetensors")) == "sub/model.safetensors"
