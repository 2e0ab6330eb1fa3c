"""The transformers worker, driven by the official ``openai`` client and by raw HTTP."""

from __future__ import annotations

import base64
import math
import struct

import httpx
import openai
import pytest


def test_chat_and_completions_with_the_openai_client(worker: str) -> None:
    client = openai.OpenAI(base_url=f"{worker}/v1", api_key="unused", max_retries=0)
    chat = client.chat.completions.create(
        model="tiny", messages=[{"role": "user", "content": "你好"}], max_tokens=5, seed=1
    )
    assert chat.object == "chat.completion"
    assert chat.choices[0].message.role == "assistant"
    assert chat.choices[0].finish_reason in ("stop", "length")
    assert chat.usage is not None and 1 <= chat.usage.completion_tokens <= 5
    assert chat.usage.prompt_tokens > len("你好".encode())  # bytes tokenizer: the template adds more
    text = client.completions.create(model="tiny", prompt="def ", max_tokens=4, temperature=0)
    assert text.object == "text_completion"
    assert text.usage is not None and text.usage.prompt_tokens == 4
    again = client.completions.create(model="tiny", prompt="def ", max_tokens=4, temperature=0)
    assert again.choices[0].text == text.choices[0].text  # greedy decoding is deterministic
    assert [m.id for m in client.models.list()] == ["tiny"]


def test_streaming_ends_with_done_and_reports_usage(worker: str) -> None:
    client = openai.OpenAI(base_url=f"{worker}/v1", api_key="unused", max_retries=0)
    chunks = list(
        client.chat.completions.create(
            model="tiny",
            messages=[{"role": "user", "content": "hi"}],
            max_tokens=6,
            stream=True,
            stream_options={"include_usage": True},
            temperature=0,
        )
    )
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens <= 6
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finishes and finishes[-1] in ("stop", "length")
    with httpx.stream("POST", f"{worker}/v1/completions", json={"prompt": "a", "max_tokens": 3, "stream": True}) as r:
        lines = [line for line in r.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    assert not any('"usage"' in line for line in lines)  # only when asked


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"model": "tiny", "messages": []}, "messages"),
        ({"model": "tiny", "messages": [{"role": "user", "content": "x"}], "temperature": 5}, "temperature"),
        ({"model": "tiny", "prompt": 3}, "prompt"),
        ({"model": "tiny", "prompt": "x", "n": 2}, "n"),
    ],
)
def test_bad_requests_are_openai_shaped_400s(worker: str, body: dict[str, object], param: str) -> None:
    path = "/v1/chat/completions" if "messages" in body else "/v1/completions"
    r = httpx.post(worker + path, json=body)
    assert r.status_code == 400
    assert r.json()["error"]["param"] == param
    assert r.json()["error"]["type"] == "invalid_request_error"


def test_health_counts_requests_in_flight(worker: str) -> None:
    assert httpx.get(f"{worker}/health").json() == {"status": "ok", "in_flight": 0, "model": "tiny"}
    assert httpx.post(f"{worker}/v1/completions", json={"model": "other", "prompt": "x"}).status_code == 404


def test_embeddings_with_the_openai_client(worker: str) -> None:
    client = openai.OpenAI(base_url=f"{worker}/v1", api_key="unused", max_retries=0)
    # The client asks for base64 by default and decodes it; ask for floats too and compare.
    packed = client.embeddings.create(model="tiny", input=["def f():", "你好", "def f():"])
    plain = client.embeddings.create(model="tiny", input="def f():", encoding_format="float")
    first, other, again = (e.embedding for e in packed.data)
    assert len(first) == 32 and math.isclose(sum(x * x for x in first), 1.0, rel_tol=1e-5)
    assert first == again and first != other
    assert plain.data[0].embedding == pytest.approx(first, abs=1e-6)
    assert packed.usage.prompt_tokens == 2 * len(b"def f():") + len("你好".encode()) == packed.usage.total_tokens
    short = httpx.post(f"{worker}/v1/embeddings", json={"input": "def f():", "dimensions": 8}).json()
    head = short["data"][0]["embedding"]
    assert len(head) == 8 and math.isclose(sum(x * x for x in head), 1.0, rel_tol=1e-5)
    raw = httpx.post(f"{worker}/v1/embeddings", json={"input": "x", "encoding_format": "base64"}).json()
    assert len(struct.unpack("<32f", base64.b64decode(raw["data"][0]["embedding"]))) == 32


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"input": []}, "input"),
        ({"input": [[1, 2, 3]]}, "input"),
        ({"input": ["a", ""]}, "input"),
        ({"input": "a", "encoding_format": "hex"}, "encoding_format"),
        ({"input": "a", "dimensions": 0}, "dimensions"),
    ],
)
def test_bad_embedding_requests_are_400s(worker: str, body: dict[str, object], param: str) -> None:
    r = httpx.post(f"{worker}/v1/embeddings", json=body)
    assert r.status_code == 400 and r.json()["error"]["param"] == param
