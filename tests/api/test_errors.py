"""Bad input answers a 4xx with a clear message in the one error shape, never a 500."""

from __future__ import annotations

import httpx
import pytest

from suanli.settings import MAX_BODY_BYTES


@pytest.fixture
def http(platform):  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=platform.url, headers={"Authorization": f"Bearer {platform.admin_token}"}) as c:
        yield c


def _error(r: httpx.Response, status: int, code: str) -> str:
    assert r.status_code == status, r.text
    body = r.json()["error"]
    assert body["code"] == code and body["message"]
    message: str = body["message"]
    return message


def test_malformed_json(http: httpx.Client) -> None:
    r = http.post("/api/v1/tenants", content=b'{"name": ', headers={"Content-Type": "application/json"})
    assert "not valid JSON" in _error(r, 400, "malformed_json")


def test_wrong_types_and_unknown_fields(http: httpx.Client) -> None:
    assert "name" in _error(http.post("/api/v1/tenants", json={"name": 5}), 422, "invalid_input")
    assert "colour" in _error(http.post("/api/v1/tenants", json={"name": "a", "colour": "red"}), 422, "invalid_input")
    assert "nominal" in _error(
        http.put("/api/v1/tenants/admin/quotas/nvidia-h100", json={"nominal": "lots"}), 422, "invalid_input")
    _error(http.post("/api/v1/tenants", json=["a", "list"]), 422, "invalid_input")


def test_oversized_body(http: httpx.Client) -> None:
    big = {"name": "a", "display_name": "x" * (MAX_BODY_BYTES + 10)}
    assert str(MAX_BODY_BYTES) in _error(http.post("/api/v1/tenants", json=big), 413, "payload_too_large")
    # Also when the client does not declare a length (chunked upload).
    chunks = (b"x" * 65536 for _ in range(MAX_BODY_BYTES // 65536 + 2))
    r = http.post("/api/v1/tenants", content=chunks, headers={"Content-Type": "application/json"})
    _error(r, 413, "payload_too_large")


def test_unknown_ids_and_paths(http: httpx.Client) -> None:
    _error(http.get("/api/v1/tenants/nope"), 404, "not_found")
    _error(http.get("/api/v1/tenants/admin/users/nope"), 404, "not_found")
    _error(http.delete("/api/v1/tenants/admin/keys/key_nope"), 404, "not_found")
    _error(http.get("/api/v1/no-such-thing"), 404, "not_found")
    _error(http.put("/api/v1/tenants"), 405, "method_not_allowed")


def test_every_answer_carries_a_request_id(http: httpx.Client) -> None:
    assert http.get("/api/v1/tenants/nope").headers["x-request-id"].startswith("req_")


def test_nul_characters_are_refused_not_stored(http: httpx.Client) -> None:
    _error(http.get("/api/v1/tenants/ad%00min"), 400, "bad_request")
    _error(http.get("/api/v1/audit", params={"tenant": "a\x00b"}), 400, "bad_request")
    r = http.post("/api/v1/tenants", json={"name": "nul", "display_name": "a\x00b"})
    assert r.status_code in (201, 422), r.text  # SQLite stores it; PostgreSQL refuses it with a 422
